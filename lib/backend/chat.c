/* chat.c: conversions between the canonical chat form (flattened tool calls) and the OpenAI
 * Chat Completions wire form, and the parser of a chat.completion body into a ds_result.
 * Shared by the openai and file backends (and usable by llama). */
#include <string.h>

#include "backend/backend_ops.h"

/* {"id","type":"function","function":{"name","arguments"}} or already flat -> flat. */
static json_t *flatten_one(const json_t *tc) {
  if (!json_is_object(tc)) return NULL;
  const json_t *fn = json_object_get(tc, "function");
  const json_t *src = json_is_object(fn) ? fn : tc;
  const char *name = ds_json_str(src, "name", NULL);
  if (!name) return NULL;
  const json_t *args = json_object_get(src, "arguments");
  json_t *out = json_object();
  if (!out) return NULL;
  const char *id = ds_json_str(tc, "id", NULL);
  json_object_set_new(out, "id", json_string(id ? id : ""));
  json_object_set_new(out, "name", json_string(name));
  if (json_is_string(args)) {
    json_object_set(out, "arguments", (json_t *)args);
  } else if (args && !json_is_null(args)) {
    /* some servers send an object; canonical form is a JSON string */
    char *s = ds_json_compact(args);
    json_object_set_new(out, "arguments", json_string(s ? s : "{}"));
    ds_free(s);
  } else {
    json_object_set_new(out, "arguments", json_string("{}"));
  }
  return out;
}

json_t *chat_tool_calls_flatten(const json_t *calls) {
  if (!json_is_array(calls) || json_array_size(calls) == 0) return NULL;
  json_t *out = json_array();
  if (!out) return NULL;
  size_t i;
  const json_t *tc;
  json_array_foreach(calls, i, tc) {
    json_t *f = flatten_one(tc);
    if (f) json_array_append_new(out, f);
  }
  if (json_array_size(out) == 0) {
    json_decref(out);
    return NULL;
  }
  return out;
}

static json_t *tool_calls_to_wire(const json_t *calls) {
  json_t *out = json_array();
  size_t i;
  const json_t *tc;
  json_array_foreach(calls, i, tc) {
    if (json_is_object(json_object_get(tc, "function"))) { /* already wire form */
      json_array_append(out, (json_t *)tc);
      continue;
    }
    json_t *fn = json_object();
    json_object_set_new(fn, "name", json_string(ds_json_str(tc, "name", "")));
    const json_t *args = json_object_get(tc, "arguments");
    if (json_is_string(args)) {
      json_object_set(fn, "arguments", (json_t *)args);
    } else {
      char *s = args ? ds_json_compact(args) : NULL;
      json_object_set_new(fn, "arguments", json_string(s ? s : "{}"));
      ds_free(s);
    }
    json_t *w = json_object();
    const char *id = ds_json_str(tc, "id", NULL);
    if (id) json_object_set_new(w, "id", json_string(id));
    json_object_set_new(w, "type", json_string("function"));
    json_object_set_new(w, "function", fn);
    json_array_append_new(out, w);
  }
  return out;
}

json_t *chat_messages_to_wire(const json_t *messages) {
  if (!json_is_array(messages)) return NULL;
  json_t *out = json_array();
  if (!out) return NULL;
  size_t i;
  const json_t *m;
  json_array_foreach(messages, i, m) {
    const json_t *tcs = json_object_get(m, "tool_calls");
    if (json_is_object(m) && json_is_array(tcs)) {
      json_t *c = json_copy((json_t *)m); /* shallow: other fields shared, read-only */
      if (!c) goto fail;
      if (json_array_size(tcs) == 0)
        json_object_del(c, "tool_calls"); /* servers reject an empty list */
      else
        json_object_set_new(c, "tool_calls", tool_calls_to_wire(tcs));
      json_array_append_new(out, c);
    } else {
      json_array_append(out, (json_t *)m);
    }
  }
  return out;
fail:
  json_decref(out);
  return NULL;
}

static char *dup_str_or_null(const json_t *v) {
  return json_is_string(v) ? ds_strdup(json_string_value(v)) : NULL;
}

static const json_t *reasoning_of(const json_t *msg) {
  const json_t *r = json_object_get(msg, "reasoning_content");
  if (!json_is_string(r)) r = json_object_get(msg, "reasoning");
  return json_is_string(r) ? r : NULL;
}

enum ds_status chat_parse_completion(const json_t *body, struct ds_result *r, char *why, size_t why_len) {
  if (!json_is_object(body)) {
    snprintf(why, why_len, "response is not a JSON object");
    return DS_E_PARSE;
  }
  const json_t *e = json_object_get(body, "error");
  if (e && !json_is_null(e)) {
    const char *m = json_is_string(e) ? json_string_value(e) : ds_json_str(e, "message", "");
    snprintf(why, why_len, "server error: %.200s", m);
    return DS_E_BACKEND;
  }
  const json_t *choices = json_object_get(body, "choices");
  if (!json_is_array(choices) || json_array_size(choices) == 0) {
    snprintf(why, why_len, "response has no choices");
    return DS_E_PARSE;
  }
  const json_t *c0 = json_array_get(choices, 0);
  const json_t *msg = json_object_get(c0, "message");
  if (!json_is_object(msg)) {
    snprintf(why, why_len, "choices[0] has no message");
    return DS_E_PARSE;
  }
  const json_t *content = json_object_get(msg, "content");
  if (content && !json_is_string(content) && !json_is_null(content)) {
    snprintf(why, why_len, "choices[0].message.content is not a string");
    return DS_E_PARSE;
  }
  r->content = ds_strdup(json_is_string(content) ? json_string_value(content) : "");
  r->reasoning = dup_str_or_null(reasoning_of(msg));
  r->tool_calls = chat_tool_calls_flatten(json_object_get(msg, "tool_calls"));
  r->finish_reason = dup_str_or_null(json_object_get(c0, "finish_reason"));
  if (!r->content || (reasoning_of(msg) && !r->reasoning) ||
      (json_is_string(json_object_get(c0, "finish_reason")) && !r->finish_reason)) {
    snprintf(why, why_len, "out of memory");
    return DS_E_NOMEM;
  }
  const json_t *usage = json_object_get(body, "usage");
  r->prompt_tokens = (long)ds_json_num(usage, "prompt_tokens", 0);
  r->completion_tokens = (long)ds_json_num(usage, "completion_tokens", 0);
  /* what the server's prompt cache spared: OpenAI, vLLM and llama-server say it in usage;
   * llama-server also in its timings */
  double cached = ds_json_num(json_object_get(usage, "prompt_tokens_details"), "cached_tokens", -1);
  if (cached < 0) cached = ds_json_num(json_object_get(body, "timings"), "cache_n", -1);
  r->prompt_cached_known = cached >= 0;
  r->prompt_cached = cached >= 0 ? (long)cached : 0;
  if (json_array_size(choices) > 1) {
    r->choices = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach(choices, i, c) {
      const json_t *m = json_object_get(c, "message");
      const json_t *ct = json_object_get(m, "content");
      json_t *o = json_object();
      json_object_set_new(o, "content", json_string(json_is_string(ct) ? json_string_value(ct) : ""));
      const json_t *rs = reasoning_of(m);
      json_object_set_new(o, "reasoning", rs ? json_copy((json_t *)rs) : json_null());
      json_t *tc = chat_tool_calls_flatten(json_object_get(m, "tool_calls"));
      json_object_set_new(o, "tool_calls", tc ? tc : json_null());
      const json_t *fr = json_object_get(c, "finish_reason");
      json_object_set_new(o, "finish_reason", json_is_string(fr) ? json_copy((json_t *)fr) : json_null());
      json_array_append_new(r->choices, o);
    }
  }
  return DS_OK;
}
