/* openai_batch.c: OpenAI Batch API files: input lines {custom_id, method, url, body} and
 * output (or error) lines {id, custom_id, response: {status_code, request_id, body}, error},
 * joined by custom_id, in one file or across the files of a directory. Chat Completions
 * (/v1/chat/completions) and Responses (/v1/responses) calls are conversations: the request
 * body's messages or input, then the answer. An input without its output is the prompt
 * ("response_logged": false); an output without its input is the answer alone
 * ("request_logged": false). Embeddings, moderations and legacy completions are skipped by url;
 * a failed call's output line is skipped ("batch error"). */
#include <string.h>

#include "chat_completion.h"
#include "responses_items.h"

struct batch {
  json_t *calls;  /* custom_id -> {"in": line, "out": line, "file", "line"} */
  json_t *order;  /* custom_ids in the order they first came */
};

static bool is_input(const json_t *v) {
  return json_is_string(json_object_get(v, "custom_id")) && json_is_object(json_object_get(v, "body")) &&
         json_is_string(json_object_get(v, "url"));
}

static bool is_output(const json_t *v) {
  return json_is_string(json_object_get(v, "custom_id")) && json_object_get(v, "response") && json_object_get(v, "error");
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  for (size_t i = 0; i < p->n_items; i++)
    if (is_input(p->items[i]) || is_output(p->items[i])) return 80;
  snprintf(why, n, "no Batch lines {custom_id, url, body} or {custom_id, response, error}");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct batch *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->calls = json_object()) || !(s->order = json_array())) {
    if (s) json_decref(s->calls);
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct batch *s = state;
  if (!s) return;
  json_decref(s->calls);
  json_decref(s->order);
  ds_free(s);
}

static bool conversational(const char *url) {
  return strstr(url, "/chat/completions") || strstr(url, "/responses");
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct batch *s = state;
  const json_t *v = it->v;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  bool in = is_input(v), out = !in && is_output(v);
  if (!in && !out) {
    corpus_bad(&b, "unknown_type", "not a Batch input line {custom_id, method, url, body} or output line {custom_id, response, error}");
    return fmt_fail_item(o, it, &b);
  }
  if (in && !conversational(ds_json_str(v, "url", ""))) {
    char type[96];
    snprintf(type, sizeof type, "batch %.60s", ds_json_str(v, "url", ""));
    fmt_skip(o, type, 1); /* embeddings, moderations: no conversation */
    return DS_OK;
  }
  const json_t *body = json_object_get(json_object_get(v, "response"), "body");
  json_int_t code = json_integer_value(json_object_get(json_object_get(v, "response"), "status_code"));
  if (out && (!json_is_object(body) || code >= 400 || json_object_get(body, "error"))) {
    fmt_skip(o, "batch error", 1); /* the call failed: its input, if here, is the prompt */
    return DS_OK;
  }
  if (out && !cc_is_completion(body) && strcmp(ds_json_str(body, "object", ""), "response")) {
    fmt_skip(o, "batch output (not a conversation)", 1); /* an embedding list, say */
    return DS_OK;
  }
  const char *cid = ds_json_str(v, "custom_id", "");
  json_t *e = json_object_get(s->calls, cid);
  if (!e) {
    if (!(e = json_pack("{s:s,s:I}", "file", it->file, "line", (json_int_t)it->line)) || json_object_set_new(s->calls, cid, e) ||
        json_array_append_new(s->order, json_string(cid)))
      return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  const char *slot = in ? "in" : "out";
  if (json_object_get(e, slot)) {
    fmt_duplicate(o, in ? "batch input (custom_id again)" : "batch output (custom_id again)", 1);
    return DS_OK;
  }
  return json_object_set(e, slot, (json_t *)v) ? ds_fail(err, DS_E_NOMEM, "out of memory") : DS_OK;
}

/* Responses request input and response output as messages. */
static enum ds_status responses_msgs(const json_t *req, const json_t *resp, json_t *msgs, struct ds_bad_record *b) {
  struct ri_conv c;
  ri_init(&c, msgs, false);
  enum ds_status st = DS_OK;
  const char *ins = ds_json_str(req, "instructions", ds_json_str(resp, "instructions", NULL));
  if (ins && *ins && json_array_append_new(msgs, fmt_message("system", ins))) st = DS_E_NOMEM;
  const json_t *in = json_object_get(req, "input");
  json_t *list = json_is_string(in) ? json_pack("[{s:s,s:O}]", "role", "user", "content", in) : json_incref((json_t *)in);
  const json_t *lists[2] = {list, json_object_get(resp, "output")};
  for (size_t l = 0; !st && l < 2; l++) {
    size_t i;
    const json_t *it;
    json_array_foreach(lists[l], i, it) {
      enum ri_kind k;
      if ((st = ri_add(&c, it, NULL, &k, b))) break;
    }
  }
  ri_close(&c);
  ri_release(&c);
  json_decref(list);
  return st;
}

static enum ds_status record(struct batch *s, const char *cid, struct fmt_out *o) {
  const json_t *e = json_object_get(s->calls, cid);
  const json_t *in = json_object_get(e, "in"), *out = json_object_get(e, "out");
  const char *file = ds_json_str(e, "file", NULL);
  uint64_t line = (uint64_t)json_integer_value(json_object_get(e, "line"));
  const json_t *req = json_object_get(in, "body");
  const json_t *resp = json_object_get(json_object_get(out, "response"), "body");
  bool responses_api = in ? strstr(ds_json_str(in, "url", ""), "/responses") != NULL
                          : !strcmp(ds_json_str(resp, "object", ""), "response");
  json_t *rec = json_pack("{s:s,s:[]}", "id", cid, "messages");
  if (!rec) return DS_E_NOMEM;
  json_t *msgs = json_object_get(rec, "messages");
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st;
  size_t n_choices = 0;
  if (responses_api) {
    st = responses_msgs(req, resp, msgs, &b);
  } else {
    st = req ? cc_messages(json_object_get(req, "messages"), msgs, &b) : DS_OK;
    if (!st && resp) {
      st = cc_answer(resp, msgs, &n_choices, &b);
      if (st == DS_E_NOTFOUND) st = DS_OK;
    }
  }
  if (st) {
    json_decref(rec);
    return st == DS_E_NOMEM ? st : fmt_fail(o, file, line, b.reason ? b.reason : "bad_record", "batch call %s: %s", cid, b.msg);
  }
  st = DS_E_NOMEM;
  if (resp && !responses_api && cc_record_meta(rec, resp)) goto fail;
  if (resp && responses_api) {
    struct ds_bad_record tb;
    if (fmt_set_time(rec, json_object_get(resp, "created_at"), &tb) == DS_E_NOMEM ||
        fmt_segment(rec, "model", json_incref(json_object_get(resp, "model"))) ||
        (json_is_object(json_object_get(resp, "usage")) && json_object_set(rec, "usage", json_object_get(resp, "usage"))))
      goto fail;
  }
  if (!json_object_get(json_object_get(rec, "segment"), "model") &&
      fmt_segment(rec, "model", json_incref(json_object_get(req, "model"))))
    goto fail;
  const json_t *tools = json_object_get(req, "tools");
  if (json_is_array(tools) && json_array_size(tools) && json_object_set(rec, "tools", (json_t *)tools)) goto fail;
  if (!in && json_object_set_new(rec, "request_logged", json_false())) goto fail;
  if (!out && json_object_set_new(rec, "response_logged", json_false())) goto fail;
  if (n_choices > 1 && json_object_set_new(rec, "choices_not_kept", json_integer((json_int_t)n_choices - 1))) goto fail;
  if (json_array_size(msgs) == 0) {
    json_decref(rec);
    return fmt_fail(o, file, line, "empty_conversation", "batch call %s has no messages", cid);
  }
  return fmt_emit(o, rec, file, line);
fail:
  json_decref(rec);
  return DS_E_NOMEM;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  struct batch *s = state;
  size_t i;
  const json_t *id;
  json_array_foreach(s->order, i, id) {
    enum ds_status st = record(s, json_string_value(id), o);
    if (st) return ds_fail(err, st, "out of memory");
  }
  return DS_OK;
}

const struct corpus_format corpus_format_openai_batch = {
    .name = "openai-batch",
    .summary = "OpenAI Batch API input and output files, joined by custom_id",
    .tested = "Batch request/response line shapes of the OpenAI API reference (BatchRequestInput/Output)",
    .flags = FMT_JOIN_UNITS,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
