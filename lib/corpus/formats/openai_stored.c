/* openai_stored.c: stored chat completions as exported from the OpenAI API: chat.completion
 * objects (GET /v1/chat/completions, one per line or as {"object":"list","data":[...]} pages)
 * and their input messages (GET /v1/chat/completions/{id}/messages pages, or the messages one
 * per line), joined by id (a message id is "<completion id>-<n>"), in one file or across the
 * files of a directory; or already joined: a completion with its "messages" (or
 * "input_messages"), or {"completion": ..., "messages": ...}. A completion whose messages are
 * not there is its answer alone ("request_logged": false); messages whose completion is not
 * there are the prompt ("response_logged": false). */
#include <stdlib.h>
#include <string.h>

#include "chat_completion.h"
#include "stitch.h"

struct stored {
  json_t *comps;   /* completion id -> {"c": completion, "file", "line", "msgs"?} */
  json_t *inputs;  /* completion id -> {"<n>": message} */
  json_t *order;   /* completion ids in the order they first came */
  json_t *where;   /* completion id -> [file, line] where it first came */
  struct stitch *st;
};

/* The completion id and index of a stored message id "chatcmpl-...-<n>"; false otherwise. */
static bool message_id(const json_t *m, char *cid, size_t n, long *index) {
  const char *id = ds_json_str(m, "id", NULL);
  const char *dash = id ? strrchr(id, '-') : NULL;
  if (!dash || dash == id || !dash[1] || !json_is_string(json_object_get(m, "role"))) return false;
  char *end;
  long k = strtol(dash + 1, &end, 10);
  if (*end || k < 0) return false;
  snprintf(cid, n, "%.*s", (int)(dash - id), id);
  *index = k;
  return true;
}

static const json_t *joined_messages(const json_t *v) {
  static const char *const keys[] = {"messages", "input_messages", "request_messages"};
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) {
    const json_t *m = json_object_get(v, keys[i]);
    if (json_is_array(m)) return m;
    if (json_is_object(m) && json_is_array(json_object_get(m, "data"))) return json_object_get(m, "data");
  }
  return NULL;
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i];
    if (cc_is_completion(v) && !json_object_get(v, "custom_id")) return 75;
    if (cc_is_completion(json_object_get(v, "completion"))) return 75;
    const json_t *d0 = json_array_get(json_object_get(v, "data"), 0);
    char cid[256];
    long k;
    if (!strcmp(ds_json_str(v, "object", ""), "list") && (cc_is_completion(d0) || message_id(d0, cid, sizeof cid, &k)))
      return 75;
    if (message_id(v, cid, sizeof cid, &k) && !strncmp(cid, "chatcmpl", 8)) return 60;
  }
  snprintf(why, n, "no chat.completion objects or stored-completion message lists");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct stored *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->comps = json_object()) || !(s->inputs = json_object()) || !(s->order = json_array()) ||
      !(s->where = json_object()) || !(s->st = stitch_new())) {
    if (s) {
      json_decref(s->where);
      json_decref(s->comps);
      json_decref(s->inputs);
      json_decref(s->order);
      ds_free(s);
    }
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct stored *s = state;
  if (!s) return;
  json_decref(s->comps);
  json_decref(s->inputs);
  json_decref(s->order);
  json_decref(s->where);
  stitch_free(s->st);
  ds_free(s);
}

static enum ds_status seen(struct stored *s, const char *cid, const struct fmt_item *it) {
  if (json_object_get(s->where, cid)) return DS_OK;
  if (json_array_append_new(s->order, json_string(cid)) ||
      json_object_set_new(s->where, cid, json_pack("[s,I]", it->file, (json_int_t)it->line)))
    return DS_E_NOMEM;
  return DS_OK;
}

static enum ds_status add_completion(struct stored *s, const json_t *c, const json_t *msgs, const struct fmt_item *it) {
  const char *cid = ds_json_str(c, "id", "");
  if (seen(s, cid, it)) return DS_E_NOMEM;
  json_t *e = json_pack("{s:O}", "c", c);
  if (!e || (msgs && json_object_set(e, "msgs", (json_t *)msgs))) {
    json_decref(e);
    return DS_E_NOMEM;
  }
  return json_object_set_new(s->comps, cid, e) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status add_message(struct stored *s, const json_t *m, const char *cid, long k, const struct fmt_item *it) {
  if (seen(s, cid, it)) return DS_E_NOMEM;
  json_t *in = json_object_get(s->inputs, cid);
  if (!in && (!(in = json_object()) || json_object_set_new(s->inputs, cid, in))) return DS_E_NOMEM;
  char key[32];
  snprintf(key, sizeof key, "%ld", k);
  return json_object_set(in, key, (json_t *)m) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct stored *s = state;
  const json_t *v = it->v;
  enum ds_status st = DS_OK;
  char cid[256];
  long k;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (cc_is_completion(v)) {
    st = add_completion(s, v, joined_messages(v), it);
  } else if (cc_is_completion(json_object_get(v, "completion"))) {
    st = add_completion(s, json_object_get(v, "completion"), joined_messages(v), it);
  } else if (!strcmp(ds_json_str(v, "object", ""), "list") && json_is_array(json_object_get(v, "data"))) {
    size_t i;
    const json_t *d;
    size_t bad = 0;
    json_array_foreach(json_object_get(v, "data"), i, d) {
      if (st) break;
      if (cc_is_completion(d)) st = add_completion(s, d, joined_messages(d), it);
      else if (message_id(d, cid, sizeof cid, &k)) st = add_message(s, d, cid, k, it);
      else bad++;
    }
    if (!st && bad) {
      corpus_bad(&b, "unknown_type", "list page: %zu of its data are neither chat.completion objects nor stored messages", bad);
      return fmt_fail_item(o, it, &b);
    }
    if (!st && json_array_size(json_object_get(v, "data")) == 0) fmt_skip(o, "empty list page", 1);
  } else if (message_id(v, cid, sizeof cid, &k)) {
    st = add_message(s, v, cid, k, it);
  } else {
    corpus_bad(&b, "unknown_type", "not a chat.completion, a stored message or a list page of them");
    return fmt_fail_item(o, it, &b);
  }
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

static int cmp_index(const void *a, const void *b) {
  long x = atol(*(const char *const *)a), y = atol(*(const char *const *)b);
  return (x > y) - (x < y);
}

/* A stored message as a chat message: without its store id, content_parts as the content
 * when content is null. New. */
static json_t *plain(const json_t *m) {
  json_t *c = json_deep_copy(m);
  if (!c || !json_is_object(c)) return c;
  if (!strncmp(ds_json_str(c, "id", ""), "chatcmpl", 8)) json_object_del(c, "id");
  const json_t *parts = json_object_get(c, "content_parts");
  if (json_is_null(json_object_get(c, "content")) && json_is_array(parts)) json_object_set(c, "content", (json_t *)parts);
  json_object_del(c, "content_parts");
  return c;
}

static json_t *plain_list(const json_t *list) {
  json_t *out = json_array();
  size_t i;
  const json_t *m;
  json_array_foreach(list, i, m) {
    if (!out || json_array_append_new(out, plain(m))) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}

/* The input messages of cid in index order. New. */
static json_t *inputs_of(struct stored *s, const char *cid) {
  const json_t *in = json_object_get(s->inputs, cid);
  size_t n = json_object_size(in), i = 0;
  const char **keys = ds_malloc((n ? n : 1) * sizeof *keys);
  json_t *out = json_array();
  if (!keys || !out) goto fail;
  const char *key;
  json_t *m;
  json_object_foreach((json_t *)in, key, m) keys[i++] = key;
  qsort(keys, n, sizeof *keys, cmp_index);
  for (i = 0; i < n; i++) {
    if (json_array_append_new(out, plain(json_object_get(in, keys[i])))) goto fail;
  }
  ds_free(keys);
  return out;
fail:
  ds_free(keys);
  json_decref(out);
  return NULL;
}

static enum ds_status record(struct stored *s, const char *cid, struct fmt_out *o) {
  const json_t *e = json_object_get(s->comps, cid);
  const json_t *c = json_object_get(e, "c");
  const json_t *w = json_object_get(s->where, cid);
  const char *file = json_string_value(json_array_get(w, 0));
  uint64_t line = (uint64_t)json_integer_value(json_array_get(w, 1));
  json_t *in = json_object_get(e, "msgs") ? plain_list(json_object_get(e, "msgs"))
               : json_object_get(s->inputs, cid) ? inputs_of(s, cid)
                                                 : NULL;
  json_t *rec = json_object(), *msgs = json_array();
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = DS_E_NOMEM;
  if (!rec || !msgs || json_object_set(rec, "messages", msgs) || json_object_set_new(rec, "id", json_string(cid))) goto out;
  if (in) st = cc_messages(in, msgs, &b);
  else st = json_object_set_new(rec, "request_logged", json_false()) ? DS_E_NOMEM : DS_OK;
  size_t n_choices = 0;
  if (!st && c) {
    st = cc_answer(c, msgs, &n_choices, &b);
    if (st == DS_E_NOTFOUND) st = DS_OK;
  } else if (!st && json_object_set_new(rec, "response_logged", json_false())) {
    st = DS_E_NOMEM;
  }
  if (st == DS_E_NOMEM) goto out;
  if (st) {
    st = fmt_fail(o, file, line, b.reason ? b.reason : "bad_record", "stored completion %s: %s", cid, b.msg);
    goto out;
  }
  st = DS_E_NOMEM;
  if (c && cc_record_meta(rec, c)) goto out;
  if (n_choices > 1 && json_object_set_new(rec, "choices_not_kept", json_integer((json_int_t)n_choices - 1))) goto out;
  static const char *const keep[] = {"tools", "metadata"};
  for (size_t i = 0; c && i < DS_ARRAY_LEN(keep); i++) {
    const json_t *v = json_object_get(c, keep[i]);
    if (v && !json_is_null(v) && (json_is_array(v) || json_object_size(v)) && json_object_set(rec, keep[i], (json_t *)v))
      goto out;
  }
  if (json_array_size(msgs) == 0) {
    st = fmt_fail(o, file, line, "empty_conversation", "stored completion %s has no messages and no answer", cid);
    goto out;
  }
  st = stitch_add(s->st, rec, file, line);
  rec = NULL;
out:
  json_decref(in);
  json_decref(msgs);
  json_decref(rec);
  return st;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  struct stored *s = state;
  enum ds_status st = DS_OK;
  size_t i;
  const json_t *id;
  json_array_foreach(s->order, i, id) {
    if ((st = record(s, json_string_value(id), o))) break;
  }
  if (!st) st = stitch_emit(s->st, o);
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

const struct corpus_format corpus_format_openai_stored = {
    .name = "openai-stored",
    .summary = "OpenAI stored chat completions with their /messages lists",
    .tested = "shapes of openai-python ChatCompletion and ChatCompletionStoreMessage (list pages, JSON Lines)",
    .flags = FMT_JOIN_UNITS,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
