/* chat_completion.c: OpenAI Chat Completions messages and chat.completion objects to
 * canonical messages, with what providers behind OpenAI-compatible gateways add: litellm's
 * reasoning_content and thinking_blocks, legacy function calling. */
#include <string.h>

#include "chat_completion.h"

json_t *cc_parse_text(const json_t *v) {
  if (!json_is_string(v)) return json_incref((json_t *)v);
  const char *s = json_string_value(v);
  while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') s++;
  if (*s != '[' && *s != '{') return json_incref((json_t *)v);
  json_t *p = json_loadb(json_string_value(v), json_string_length(v), JSON_DECODE_ANY, NULL);
  return p ? p : json_incref((json_t *)v);
}

bool cc_is_completion(const json_t *v) {
  if (!json_is_object(v)) return false;
  const char *obj = ds_json_str(v, "object", "");
  if (!strcmp(obj, "chat.completion")) return true;
  const json_t *c0 = json_array_get(json_object_get(v, "choices"), 0);
  return !*obj && json_is_string(json_object_get(v, "id")) && json_is_object(json_object_get(c0, "message"));
}

/* Moves what gateways put beside the answer into canonical places, on a converted message. */
static enum ds_status tidy(json_t *m) {
  const json_t *rc = json_object_get(m, "reasoning_content");
  if (json_is_string(rc) && json_string_length(rc) && fmt_add_reasoning(m, json_string_value(rc))) return DS_E_NOMEM;
  json_object_del(m, "reasoning_content");
  const json_t *tb = json_object_get(m, "thinking_blocks");
  if (json_is_array(tb)) {
    bool had = json_is_string(json_object_get(m, "reasoning"));
    size_t i;
    const json_t *b;
    bool hidden = false;
    json_array_foreach(tb, i, b) {
      const char *t = ds_json_str(b, "type", "");
      if (!strcmp(t, "thinking") && !had && fmt_add_reasoning(m, ds_json_str(b, "thinking", ""))) return DS_E_NOMEM;
      hidden |= !strcmp(t, "redacted_thinking") || (!strcmp(t, "thinking") && ds_json_str(b, "signature", NULL));
    }
    if (hidden && json_object_set_new(m, "reasoning_redacted", json_true())) return DS_E_NOMEM;
    json_object_del(m, "thinking_blocks");
  }
  const json_t *r = json_object_get(m, "reasoning");
  if (r && !json_is_string(r)) json_object_del(m, "reasoning");
  /* null or empty fields of the wire form carry nothing */
  static const char *const empty[] = {"function_call", "name", "refusal", "audio", "annotations", "tool_call_id"};
  for (size_t i = 0; i < DS_ARRAY_LEN(empty); i++) {
    const json_t *v = json_object_get(m, empty[i]);
    if (json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0)) json_object_del(m, empty[i]);
  }
  return DS_OK;
}

enum ds_status cc_messages(const json_t *msgs_in, json_t *out, struct ds_bad_record *bad) {
  json_t *msgs = cc_parse_text(msgs_in);
  if (!msgs) return DS_E_NOMEM;
  enum ds_status st = DS_OK;
  if (!json_is_array(msgs)) {
    st = corpus_bad(bad, "wrong_type", "\"messages\" is not a list of messages");
    goto out;
  }
  char legacy[64] = ""; /* the id given to the last legacy function_call */
  unsigned n_legacy = 0;
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    json_t *c = json_is_object(m) ? json_deep_copy(m) : json_incref((json_t *)m);
    if (!c) {
      st = DS_E_NOMEM;
      goto out;
    }
    if (json_is_object(c)) {
      const char *role = ds_json_str(c, "role", "");
      json_t *fc = json_object_get(c, "function_call");
      json_t *tcs = json_object_get(c, "tool_calls");
      bool oom = false;
      if (!strcmp(role, "function")) { /* legacy function result */
        oom |= json_object_set_new(c, "role", json_string("tool")) != 0;
        oom |= json_object_set_new(c, "tool_call_id", json_string(legacy[0] ? legacy : "function_call")) != 0;
      } else if (!strcmp(role, "assistant") && json_is_object(fc) && !tcs) { /* legacy function call */
        snprintf(legacy, sizeof legacy, "function_call_%u", ++n_legacy);
        json_t *tc = json_pack("[{s:s,s:{s:O?,s:O?}}]", "id", legacy, "function", "name", json_object_get(fc, "name"),
                               "arguments", json_object_get(fc, "arguments"));
        oom |= !tc || json_object_set_new(c, "tool_calls", tc) != 0;
        json_object_del(c, "function_call");
      }
      if (json_is_array(tcs) && json_array_size(tcs) == 0) json_object_del(c, "tool_calls"); /* no call */
      if (json_is_null(json_object_get(c, "function_call"))) json_object_del(c, "function_call");
      /* null content beside tool calls is fine; on other messages it is empty text */
      if (strcmp(ds_json_str(c, "role", ""), "assistant") && json_is_null(json_object_get(c, "content")))
        oom |= json_object_set_new(c, "content", json_string("")) != 0;
      if (oom) {
        json_decref(c);
        st = DS_E_NOMEM;
        goto out;
      }
    }
    size_t before = json_array_size(out);
    st = corpus_convert_message(c, i, false, out, bad);
    json_decref(c);
    if (st) goto out;
    if (json_array_size(out) > before && (st = tidy(json_array_get(out, before)))) goto out;
  }
out:
  json_decref(msgs);
  return st;
}

enum ds_status cc_answer(const json_t *completion, json_t *out, size_t *n_choices, struct ds_bad_record *bad) {
  const json_t *choices = json_object_get(completion, "choices");
  *n_choices = json_array_size(choices);
  const json_t *msg = json_object_get(json_array_get(choices, 0), "message");
  if (!json_is_object(msg)) return DS_E_NOTFOUND;
  json_t *m = json_deep_copy(msg);
  if (!m) return DS_E_NOMEM;
  if (!json_object_get(m, "role")) json_object_set_new(m, "role", json_string("assistant"));
  if (!json_object_get(m, "content")) json_object_set_new(m, "content", json_null());
  /* gateways write empty placeholders ([{}], a call without a function) on text answers */
  json_t *tcs = json_object_get(m, "tool_calls");
  if (json_is_array(tcs)) {
    for (size_t i = json_array_size(tcs); i-- > 0;) {
      const json_t *tc = json_array_get(tcs, i);
      if (!json_is_object(tc) || !json_is_string(json_object_get(json_object_get(tc, "function"), "name")))
        json_array_remove(tcs, i);
    }
    if (json_array_size(tcs) == 0) json_object_del(m, "tool_calls");
  }
  json_t *one = json_pack("[o]", m);
  if (!one) return DS_E_NOMEM;
  enum ds_status st = cc_messages(one, out, bad);
  json_decref(one);
  if (!st) {
    json_t *a = json_array_get(out, json_array_size(out) - 1);
    const char *fr = ds_json_str(json_array_get(choices, 0), "finish_reason", NULL);
    if (a && fr && json_object_set_new(a, "finish_reason", json_string(fr))) return DS_E_NOMEM;
  }
  return st;
}

enum ds_status cc_record_meta(json_t *rec, const json_t *c) {
  const json_t *id = json_object_get(c, "id");
  if (json_is_string(id) && json_string_length(id) && !json_object_get(rec, "id") && json_object_set(rec, "id", (json_t *)id))
    return DS_E_NOMEM;
  struct ds_bad_record b;
  const json_t *created = json_object_get(c, "created");
  if (created && !json_object_get(rec, "time") && fmt_set_time(rec, created, &b) == DS_E_NOMEM) return DS_E_NOMEM;
  const json_t *model = json_object_get(c, "model");
  if (json_is_string(model) && fmt_segment(rec, "model", json_incref((json_t *)model))) return DS_E_NOMEM;
  const json_t *usage = json_object_get(c, "usage");
  if (json_is_object(usage) && json_object_set(rec, "usage", (json_t *)usage)) return DS_E_NOMEM;
  return DS_OK;
}
