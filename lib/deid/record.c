/* record.c: de-identification of whole records: every string of a record (messages, tools,
 * segment, user, repo, unknown fields) and object keys that hold personal data; identifiers
 * holding personal data replaced by a keyed hash; values of keys that name personal data
 * ("first_name") replaced whole; the post-scan over the same; the counts report. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

enum walk_mode { W_RESERVE, W_REPLACE, W_SCAN };

struct walk {
  struct ds_deid *d;
  enum walk_mode mode;
  uint64_t findings;
  uint64_t by_type[DEID_MAX_TYPES];
  struct ds_buf tmp;
};

static bool is_blob(const char *s, size_t n) {
  return n > 5 && !strncmp(s, "data:", 5) && memmem(s, n < 200 ? n : 200, ";base64,", 8);
}

/* Keys whose string values are structure, never personal data. */
static const char *const skip_keys[] = {"role", "type", "consent", "finish_reason", "object", "model", "format",
                                        "mime_type", "media_type", "detail", "status", NULL};
/* Keys whose values are identifiers: replaced whole by a keyed hash when they hold personal
 * data, so that references between them (tool_calls[].id, tool_call_id) still match. */
static const char *const id_keys[] = {"id", "tool_call_id", "call_id", "conversation_id", "conv_id", "session_id",
                                      "message_id", "user_id", "parent_id", "thread_id", "request_id", NULL};

static bool key_in(const char *k, const char *const *set) {
  for (; *set; set++)
    if (!strcmp(k, *set)) return true;
  return false;
}

/* "<EMAIL_1>", "<PERSON_3fa29c0b>": a placeholder. */
static bool is_placeholder(const char *s, size_t n) {
  if (n < 4 || s[0] != '<' || s[n - 1] != '>' || !isupper((unsigned char)s[1])) return false;
  for (size_t i = 1; i + 1 < n; i++)
    if (!(isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
          (s[i] >= 'a' && s[i] <= 'f')))
      return false;
  return true;
}

/* Whether the post-scan takes p[0..n) for a surrogate this de-identifier (or one sharing its
 * key) put in. Only where surrogates are issued: with placeholders every detection counts. */
static bool issued_surrogate(const struct ds_deid *d, int type, const char *p, size_t n) {
  return d->replace == DS_DEID_REPLACE_SURROGATE && type < T_BUILTIN_N &&
         deid_sur_recognized((struct deid_sur *)&d->sur, type, p, n);
}

/* Post-scan of text[0..n): what is still found there, less the surrogates put in, counted. */
static enum ds_status count_findings(struct walk *w, const char *text, size_t n) {
  struct ds_deid *d = w->d;
  enum ds_status st = deid_find_all(d, text, n);
  if (st) return st;
  for (size_t i = 0; i < d->spans.n; i++) {
    struct deid_span *sp = &d->spans.v[i];
    if (issued_surrogate(d, sp->type, text + sp->start, sp->end - sp->start)) continue;
    w->by_type[sp->type]++;
    w->findings++;
  }
  return DS_OK;
}

static enum ds_status set_string(json_t *str, const char *p, size_t n) {
  return json_string_setn(str, p, n) ? DS_E_NOMEM : DS_OK;
}

/* A string under key (NULL in arrays); in_fn: the key sits in a function/tool object. */
static enum ds_status visit_string(struct walk *w, json_t *str, const char *key, bool in_fn) {
  struct ds_deid *d = w->d;
  const char *s = json_string_value(str);
  size_t n = json_string_length(str);
  if (!n || is_blob(s, n)) return DS_OK;
  enum ds_status st;
  if (w->mode == W_RESERVE) return deid_reserve_tokens(d, s, n);
  if (key && in_fn && !strcmp(key, "name")) return DS_OK; /* a function's name */
  if (key && key_in(key, skip_keys)) return DS_OK;
  /* identifiers */
  if (key && key_in(key, id_keys)) {
    if ((st = deid_find_all(d, s, n))) return st;
    if (!d->spans.n) return DS_OK;
    if (w->mode == W_SCAN) {
      for (size_t i = 0; i < d->spans.n; i++) w->by_type[d->spans.v[i].type]++;
      w->findings += d->spans.n;
      return DS_OK;
    }
    ds_buf_reset(&w->tmp);
    if ((st = deid_hash_id(d, s, n, &w->tmp))) return st;
    d->ids_hashed++;
    return set_string(str, w->tmp.data, w->tmp.len);
  }
  /* a value whose key names personal data is that data, whole */
  int kt = key ? deid_key_type(key, strlen(key)) : -1;
  if (kt >= 0 && d->enabled[kt] && !is_placeholder(s, n) &&
      deid_key_value_ok(key, strlen(key), kt, s, n)) {
    if (w->mode == W_SCAN) {
      if (!issued_surrogate(d, kt, s, n)) {
        w->by_type[kt]++;
        w->findings++;
      }
      return DS_OK;
    }
    d->strings++;
    d->bytes += n;
    if ((st = deid_replace_whole(d, kt, s, n))) return st;
    return set_string(str, d->out.data, d->out.len);
  }
  switch (w->mode) {
  case W_SCAN: return count_findings(w, s, n);
  case W_REPLACE: {
    bool changed;
    d->strings++;
    d->bytes += n;
    if ((st = deid_replace_text(d, s, n, &changed))) return st;
    return changed ? set_string(str, d->out.data, d->out.len) : DS_OK;
  }
  default: return DS_OK;
  }
}

static enum ds_status walk_value(struct walk *w, json_t *v, const char *key, bool in_fn, int depth);

/* Object keys that hold personal data ({"alice@corp.com": {...}}) are renamed. */
static enum ds_status visit_keys(struct walk *w, json_t *obj) {
  struct ds_deid *d = w->d;
  const char *k;
  json_t *x;
  enum ds_status st;
  void *tmp;
  json_object_foreach_safe(obj, tmp, k, x) {
    size_t n = strlen(k);
    if (!n) continue;
    if (w->mode == W_RESERVE) {
      if ((st = deid_reserve_tokens(d, k, n))) return st;
      continue;
    }
    if (w->mode == W_SCAN) {
      if ((st = count_findings(w, k, n))) return st;
      continue;
    }
    bool changed;
    if ((st = deid_replace_text(d, k, n, &changed))) return st;
    if (!changed || json_object_get(obj, d->out.data)) continue; /* never overwrite a member */
    if (json_object_set(obj, d->out.data, x) || json_object_del(obj, k)) return DS_E_NOMEM;
    d->keys_renamed++;
  }
  return DS_OK;
}

static enum ds_status walk_value(struct walk *w, json_t *v, const char *key, bool in_fn, int depth) {
  if (depth > 64) return DS_OK;
  enum ds_status st;
  if (json_is_string(v)) return visit_string(w, v, key, in_fn);
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if ((st = walk_value(w, x, NULL, false, depth + 1))) return st;
    return DS_OK;
  }
  if (json_is_object(v)) {
    if ((st = visit_keys(w, v))) return st;
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      /* a function (tool call or tool definition) names itself with "name" */
      bool fn = !strcmp(k, "function") || !strcmp(k, "function_call") ||
                (json_is_object(x) && json_object_get(x, "parameters") && json_object_get(x, "name"));
      if ((st = walk_value(w, x, k, fn || (in_fn && json_is_object(x)), depth + 1))) return st;
    }
  }
  return DS_OK;
}

static enum ds_status walk_record(struct walk *w, json_t *rec) {
  if (!json_is_object(rec)) return DS_E_INVALID;
  const char *k;
  json_t *x;
  enum ds_status st;
  if ((st = visit_keys(w, rec))) return st;
  json_object_foreach(rec, k, x) {
    if (!strcmp(k, "time") && json_is_string(x)) continue; /* when the conversation happened: kept */
    if ((st = walk_value(w, x, k, false, 0))) return st;
  }
  return DS_OK;
}

static enum ds_status run_walk(struct ds_deid *d, json_t *rec, enum walk_mode mode, struct walk *out) {
  struct walk w = {.d = d, .mode = mode};
  ds_buf_init(&w.tmp, 0);
  enum ds_status st = walk_record(&w, rec);
  ds_buf_release(&w.tmp);
  if (out) *out = w;
  return st;
}

enum ds_status ds_deid_record(struct ds_deid *d, json_t *record, struct ds_err *err) {
  if (!json_is_object(record)) return ds_fail(err, DS_E_INVALID, "record is not a JSON object");
  ds_deid_reset(d);
  enum ds_status st = run_walk(d, record, W_RESERVE, NULL);
  if (!st) st = run_walk(d, record, W_REPLACE, NULL);
  if (st) return ds_fail(err, st, "de-identification of the record failed: %s", ds_status_name(st));
  d->records++;
  return DS_OK;
}

enum ds_status ds_deid_json(struct ds_deid *d, json_t *value, const char *const *skip, struct ds_err *err) {
  struct walk w = {.d = d, .mode = W_REPLACE};
  ds_buf_init(&w.tmp, 0);
  enum ds_status st = DS_OK;
  if (json_is_object(value) && skip) {
    const char *k;
    json_t *x;
    json_object_foreach(value, k, x) {
      if (key_in(k, skip)) continue;
      if ((st = walk_value(&w, x, k, false, 0))) break;
    }
  } else {
    st = walk_value(&w, value, NULL, false, 0);
  }
  ds_buf_release(&w.tmp);
  if (st) return ds_fail(err, st, "de-identification failed: %s", ds_status_name(st));
  return DS_OK;
}

enum ds_status ds_deid_scan_record(struct ds_deid *d, const json_t *record, uint64_t *out_findings,
                                   struct ds_err *err) {
  if (out_findings) *out_findings = 0;
  if (!json_is_object(record)) return ds_fail(err, DS_E_INVALID, "record is not a JSON object");
  struct walk w;
  /* the walk never modifies in scan mode */
  enum ds_status st = run_walk(d, (json_t *)record, W_SCAN, &w);
  if (st) return ds_fail(err, st, "post-scan of the record failed: %s", ds_status_name(st));
  d->post_records++;
  d->post_findings += w.findings;
  for (int t = 0; t < d->n_types; t++) d->post_by_type[t] += w.by_type[t];
  if (out_findings) *out_findings = w.findings;
  return DS_OK;
}

uint64_t ds_deid_post_findings(const struct ds_deid *d) { return d->post_findings; }

json_t *ds_deid_report(const struct ds_deid *d) {
  json_t *r = json_object(), *types = json_array(), *rep = json_object(), *uniq = json_object(),
         *post = json_object(), *pbt = json_object();
  if (!r || !types || !rep || !uniq || !post || !pbt) goto fail;
  for (int t = 0; t < d->n_types; t++) {
    if (!d->enabled[t]) continue;
    json_array_append_new(types, json_string(d->labels[t]));
    json_object_set_new(rep, d->labels[t], json_integer((json_int_t)d->replaced[t]));
    json_object_set_new(uniq, d->labels[t], json_integer((json_int_t)d->distinct[t]));
    if (d->post_by_type[t]) json_object_set_new(pbt, d->labels[t], json_integer((json_int_t)d->post_by_type[t]));
  }
  uint64_t total = 0;
  for (int t = 0; t < d->n_types; t++) total += d->replaced[t];
  json_object_set_new(r, "enabled", json_true());
  json_object_set_new(r, "mode", json_string(d->hmac ? "hmac" : "per-conversation"));
  json_object_set_new(r, "replace", json_string(d->replace == DS_DEID_REPLACE_SURROGATE ? "surrogate" : "placeholder"));
  json_object_set_new(r, "keyed", json_boolean(d->hmac));
  json_object_set_new(r, "code_regions", json_boolean(d->code_aware));
  json_object_set_new(r, "keep_public_figures", json_boolean(d->names.keep_public_figures));
  json_object_set_new(r, "types", types);
  json_object_set_new(r, "records", json_integer((json_int_t)d->records));
  json_object_set_new(r, "strings", json_integer((json_int_t)d->strings));
  json_object_set_new(r, "bytes", json_integer((json_int_t)d->bytes));
  json_object_set_new(r, "replaced_total", json_integer((json_int_t)total));
  json_object_set_new(r, "replaced", rep);
  json_object_set_new(r, "distinct_per_conversation", uniq);
  json_object_set_new(r, "ids_hashed", json_integer((json_int_t)d->ids_hashed));
  json_object_set_new(r, "keys_renamed", json_integer((json_int_t)d->keys_renamed));
  json_object_set_new(post, "records", json_integer((json_int_t)d->post_records));
  json_object_set_new(post, "findings", json_integer((json_int_t)d->post_findings));
  json_object_set_new(post, "by_type", pbt);
  json_object_set_new(r, "post_scan", post);
  return r;
fail:
  json_decref(r);
  json_decref(types);
  json_decref(rep);
  json_decref(uniq);
  json_decref(post);
  json_decref(pbt);
  return NULL;
}
