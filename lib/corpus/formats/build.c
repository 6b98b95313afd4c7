/* build.c: what every log reader shares to build canonical records (messages, tool calls,
 * reasoning, segment and repo fields, times), and the canonical-record validator that every
 * record a reader emits passes before it leaves the reader. */
#include <stdlib.h>
#include <string.h>

#include "format.h"

json_t *fmt_message(const char *role, const char *content) {
  json_t *m = json_object();
  if (!m) return NULL;
  if (json_object_set_new(m, "role", json_string(role)) ||
      json_object_set_new(m, "content", content ? json_string(content) : json_null())) {
    json_decref(m);
    return NULL;
  }
  return m;
}

enum ds_status fmt_add_tool_call(json_t *msg, const char *id, const char *name, const json_t *args) {
  json_t *tcs = json_object_get(msg, "tool_calls");
  if (!json_is_array(tcs)) {
    tcs = json_array();
    if (!tcs || json_object_set_new(msg, "tool_calls", tcs)) return DS_E_NOMEM;
  }
  json_t *tc = json_object();
  if (!tc || json_array_append_new(tcs, tc)) return DS_E_NOMEM;
  json_t *a;
  if (json_is_string(args)) {
    a = json_incref((json_t *)args);
  } else if (args && !json_is_null(args)) {
    char *text = ds_json_canonical(args);
    if (!text) return DS_E_NOMEM;
    a = json_string(text);
    ds_free(text);
  } else {
    a = json_string("{}");
  }
  if (json_object_set_new(tc, "id", json_string(id)) || json_object_set_new(tc, "name", json_string(name))) {
    json_decref(a); /* not taken yet */
    return DS_E_NOMEM;
  }
  return json_object_set_new(tc, "arguments", a) ? DS_E_NOMEM : DS_OK;
}

/* Appends text to the string at obj[key] (created), joined by a blank line. */
static enum ds_status append_str(json_t *obj, const char *key, const char *text) {
  if (!text || !*text) return DS_OK;
  const json_t *cur = json_object_get(obj, key);
  if (!json_is_string(cur) || json_string_length(cur) == 0)
    return json_object_set_new(obj, key, json_string(text)) ? DS_E_NOMEM : DS_OK;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_buf_add(&b, json_string_value(cur), json_string_length(cur)) || ds_buf_adds(&b, "\n\n") ||
      ds_buf_adds(&b, text)) {
    ds_buf_release(&b);
    return DS_E_NOMEM;
  }
  json_t *s = json_stringn(b.data, b.len);
  ds_buf_release(&b);
  return !s || json_object_set_new(obj, key, s) ? DS_E_NOMEM : DS_OK;
}

enum ds_status fmt_add_reasoning(json_t *msg, const char *text) { return append_str(msg, "reasoning", text); }
enum ds_status fmt_append_content(json_t *msg, const char *text) { return append_str(msg, "content", text); }

enum ds_status fmt_set_time(json_t *rec, const json_t *v, struct ds_bad_record *b) {
  if (!v || json_is_null(v)) return DS_OK;
  json_t *t = NULL;
  enum ds_status st = corpus_time("time", v, &t, b);
  if (st) return st;
  return json_object_set_new(rec, "time", t) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status set_in(json_t *rec, const char *obj, const char *key, json_t *v) {
  if (!v) return DS_OK;
  if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
    json_decref(v);
    return DS_OK;
  }
  json_t *o = json_object_get(rec, obj);
  if (!json_is_object(o)) {
    o = json_object();
    if (!o || json_object_set_new(rec, obj, o)) {
      json_decref(v);
      return DS_E_NOMEM;
    }
  }
  return json_object_set_new(o, key, v) ? DS_E_NOMEM : DS_OK;
}
enum ds_status fmt_segment(json_t *rec, const char *key, json_t *v) { return set_in(rec, "segment", key, v); }
enum ds_status fmt_repo(json_t *rec, const char *key, json_t *v) { return set_in(rec, "repo", key, v); }

char *fmt_parts_text(const json_t *content) {
  if (json_is_string(content)) return ds_strdup(json_string_value(content));
  if (!json_is_array(content)) return NULL;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  size_t i;
  const json_t *p;
  bool any = false;
  json_array_foreach(content, i, p) {
    const char *t = NULL;
    char other[64];
    if (json_is_string(p)) {
      t = json_string_value(p);
    } else if (json_is_object(p)) {
      const json_t *tx = json_object_get(p, "text");
      if (!json_is_string(tx)) tx = json_object_get(p, "content");
      if (json_is_string(tx)) {
        t = json_string_value(tx);
      } else {
        const char *type = ds_json_str(p, "type", "part");
        snprintf(other, sizeof other, "[%.40s]", type);
        t = other;
      }
    }
    if (!t) continue;
    if ((any && ds_buf_adds(&b, "\n")) || ds_buf_adds(&b, t)) {
      ds_buf_release(&b);
      return NULL;
    }
    any = true;
  }
  if (!any) {
    ds_buf_release(&b);
    return NULL;
  }
  return ds_buf_detach(&b, NULL);
}

int fmt_natural_cmp(const char *a, const char *b) { return strverscmp(a, b); }

/* ---- the canonical-record validator ---------------------------------------------- */

static bool role_ok(const char *r) {
  static const char *const roles[] = {"system", "developer", "user", "assistant", "tool"};
  for (unsigned i = 0; i < DS_ARRAY_LEN(roles); i++)
    if (strcmp(r, roles[i]) == 0) return true;
  return false;
}

enum ds_status corpus_record_check(const json_t *rec, struct ds_bad_record *bad) {
  if (!json_is_object(rec)) return corpus_bad(bad, "not_object", "record is not a JSON object");
  const json_t *id = json_object_get(rec, "id");
  if (id && (!json_is_string(id) || json_string_length(id) == 0))
    return corpus_bad(bad, "wrong_type", "\"id\" is not a non-empty string");
  const json_t *t = json_object_get(rec, "time");
  int64_t e;
  if (t && (!json_is_string(t) || ds_parse_time(json_string_value(t), &e)))
    return corpus_bad(bad, "bad_time", "\"time\" is not an RFC 3339 time");
  static const char *const objs[] = {"segment", "repo"};
  for (unsigned i = 0; i < DS_ARRAY_LEN(objs); i++) {
    const json_t *o = json_object_get(rec, objs[i]);
    if (o && !json_is_object(o)) return corpus_bad(bad, "wrong_type", "\"%s\" is not an object", objs[i]);
  }
  const json_t *tools = json_object_get(rec, "tools");
  if (tools && !json_is_array(tools)) return corpus_bad(bad, "wrong_type", "\"tools\" is not an array");
  const json_t *msgs = json_object_get(rec, "messages");
  if (!json_is_array(msgs)) return corpus_bad(bad, "missing_field", "record has no \"messages\" array");
  if (json_array_size(msgs) == 0) return corpus_bad(bad, "empty_conversation", "\"messages\" is empty");
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    if (!json_is_object(m)) return corpus_bad(bad, "wrong_type", "message %zu is not an object", i);
    const json_t *role = json_object_get(m, "role");
    if (!json_is_string(role) || !role_ok(json_string_value(role)))
      return corpus_bad(bad, "unknown_role", "message %zu has no known role", i);
    const char *r = json_string_value(role);
    const json_t *c = json_object_get(m, "content");
    const json_t *tcs = json_object_get(m, "tool_calls");
    bool assistant = strcmp(r, "assistant") == 0;
    if (!c || (!json_is_string(c) && !json_is_array(c) && !(json_is_null(c) && assistant)))
      return corpus_bad(bad, "wrong_type", "message %zu (%s): content is not a string or an array of parts", i, r);
    if (tcs) {
      if (!assistant || !json_is_array(tcs))
        return corpus_bad(bad, "bad_tool_call", "message %zu: tool_calls on a %s message or not an array", i, r);
      size_t j;
      const json_t *tc;
      json_array_foreach(tcs, j, tc) {
        if (!json_is_string(json_object_get(tc, "id")) || !json_is_string(json_object_get(tc, "name")) ||
            json_string_length(json_object_get(tc, "name")) == 0 || !json_is_string(json_object_get(tc, "arguments")))
          return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu lacks a string id, name or arguments",
                            i, j);
      }
    }
    if (strcmp(r, "tool") == 0 && !json_is_string(json_object_get(m, "tool_call_id")))
      return corpus_bad(bad, "missing_field", "message %zu (tool) has no \"tool_call_id\"", i);
    const json_t *rs = json_object_get(m, "reasoning");
    if (rs && !json_is_string(rs)) return corpus_bad(bad, "wrong_type", "message %zu: reasoning is not a string", i);
  }
  return DS_OK;
}

/* ---- record-per-item chat formats ------------------------------------------------- */

enum ds_status fmt_chat_item(const struct chat_shape *shape, const struct fmt_item *it, struct fmt_out *o) {
  json_t *rec = NULL;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = corpus_normalize_chat(it->v, shape, &rec, &b);
  if (st == DS_E_NOMEM) return st;
  if (st) return fmt_fail_item(o, it, &b);
  return fmt_emit(o, rec, it->file, it->line);
}

const json_t *fmt_probe_with(const struct fmt_probe *p, const char *key) {
  for (size_t i = 0; i < p->n_items; i++)
    if (json_is_object(p->items[i]) && json_object_get(p->items[i], key)) return p->items[i];
  return NULL;
}
