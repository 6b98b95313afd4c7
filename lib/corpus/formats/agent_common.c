/* agent_common.c: helpers the coding-agent log readers share: content parts to canonical
 * content, reasoning in its several spellings, tool calls in theirs, record builders. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent_common.h"

static bool is_text_part(const json_t *p, const char **text) {
  const char *type = ds_json_str(p, "type", "text");
  if (strcmp(type, "text") && strcmp(type, "input_text") && strcmp(type, "output_text")) return false;
  const json_t *t = json_object_get(p, "text");
  if (!json_is_string(t)) return false;
  *text = json_string_value(t);
  return true;
}

static bool is_reasoning_part(const json_t *p) {
  const char *type = ds_json_str(p, "type", "");
  return strcmp(type, "reasoning") == 0 || strcmp(type, "thinking") == 0 || strcmp(type, "redacted_thinking") == 0;
}

/* An image part's URL: OpenAI {image_url:{url}|"url"}, Inspect {image}, OpenHands {image_urls:[..]}. */
static const char *image_url(const json_t *p) {
  const json_t *iu = json_object_get(p, "image_url");
  if (json_is_string(iu)) return json_string_value(iu);
  if (json_is_object(iu)) return ds_json_str(iu, "url", NULL);
  const char *s = ds_json_str(p, "image", NULL);
  if (s) return s;
  const json_t *urls = json_object_get(p, "image_urls");
  if (json_is_array(urls) && json_array_size(urls) == 1) return json_string_value(json_array_get(urls, 0));
  return NULL;
}

static json_t *text_part(const char *text) { return json_pack("{s:s,s:s}", "type", "text", "text", text); }

json_t *agent_content(const json_t *content) {
  if (json_is_string(content)) return json_incref((json_t *)content);
  if (!json_is_array(content)) return json_string("");
  bool all_text = true;
  size_t i;
  const json_t *p;
  json_array_foreach(content, i, p) {
    const char *t;
    if (json_is_string(p) || (json_is_object(p) && (is_text_part(p, &t) || is_reasoning_part(p)))) continue;
    all_text = false;
  }
  if (all_text) {
    struct ds_buf b;
    ds_buf_init(&b, 0);
    bool any = false;
    json_array_foreach(content, i, p) {
      const char *t = json_is_string(p) ? json_string_value(p) : NULL;
      if (!t && (is_reasoning_part(p) || !is_text_part(p, &t))) continue;
      if ((any && ds_buf_addc(&b, '\n')) || ds_buf_adds(&b, t)) {
        ds_buf_release(&b);
        return NULL;
      }
      any = true;
    }
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    ds_buf_release(&b);
    return s;
  }
  json_t *parts = json_array();
  if (!parts) return NULL;
  json_array_foreach(content, i, p) {
    const char *t = NULL;
    json_t *q = NULL;
    if (json_is_string(p)) {
      q = text_part(json_string_value(p));
    } else if (!json_is_object(p) || is_reasoning_part(p)) {
      continue;
    } else if (is_text_part(p, &t)) {
      q = text_part(t);
    } else if (image_url(p)) {
      q = json_pack("{s:s,s:{s:s}}", "type", "image_url", "image_url", "url", image_url(p));
      const char *detail = ds_json_str(p, "detail", NULL);
      if (q && detail) json_object_set_new(json_object_get(q, "image_url"), "detail", json_string(detail));
    } else {
      char what[64];
      snprintf(what, sizeof what, "[%.40s]", ds_json_str(p, "type", "part"));
      q = text_part(what);
    }
    if (!q || json_array_append_new(parts, q)) {
      json_decref(parts);
      return NULL;
    }
  }
  return parts;
}

enum ds_status agent_mark_redacted(json_t *msg) {
  return json_object_set_new(msg, "reasoning_redacted", json_true()) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status thinking_block(json_t *msg, const json_t *b) {
  const char *type = ds_json_str(b, "type", "thinking");
  const char *t = ds_json_str(b, "thinking", NULL);
  if (strcmp(type, "redacted_thinking") == 0 || !t || !*t) return agent_mark_redacted(msg);
  return fmt_add_reasoning(msg, t);
}

enum ds_status agent_reasoning_fields(json_t *msg, const json_t *src) {
  enum ds_status st;
  /* litellm puts the thinking blocks' text in reasoning_content as well: with both, the text is
   * taken once, from reasoning_content, and the blocks only say whether some were redacted */
  const char *rc = ds_json_str(src, "reasoning_content", NULL);
  size_t i;
  const json_t *b;
  json_array_foreach(json_object_get(src, "thinking_blocks"), i, b) {
    if (!json_is_object(b)) continue;
    const char *t = ds_json_str(b, "thinking", NULL);
    if (strcmp(ds_json_str(b, "type", "thinking"), "redacted_thinking") == 0 || !t || !*t) st = agent_mark_redacted(msg);
    else st = rc && *rc ? DS_OK : fmt_add_reasoning(msg, t);
    if (st) return st;
  }
  if (rc && (st = fmt_add_reasoning(msg, rc))) return st;
  const char *r = ds_json_str(src, "reasoning", NULL);
  if (r && (!rc || strcmp(r, rc) != 0) && (st = fmt_add_reasoning(msg, r))) return st;
  return DS_OK;
}

enum ds_status agent_reasoning_parts(json_t *msg, const json_t *content) {
  size_t i;
  const json_t *p;
  enum ds_status st;
  json_array_foreach(content, i, p) {
    if (!json_is_object(p)) continue;
    const char *type = ds_json_str(p, "type", "");
    if (strcmp(type, "reasoning") == 0) {
      const json_t *red = json_object_get(p, "redacted");
      const char *text = ds_json_str(p, "reasoning", NULL);
      const char *summary = ds_json_str(p, "summary", NULL);
      if (json_is_true(red)) {
        if ((st = agent_mark_redacted(msg))) return st;
        if (summary && (st = fmt_add_reasoning(msg, summary))) return st;
      } else if (text && *text) {
        if ((st = fmt_add_reasoning(msg, text))) return st;
      } else if (summary && (st = fmt_add_reasoning(msg, summary))) {
        return st;
      }
    } else if (strcmp(type, "thinking") == 0 || strcmp(type, "redacted_thinking") == 0) {
      if ((st = thinking_block(msg, p))) return st;
    }
  }
  return DS_OK;
}

enum ds_status agent_tool_calls(json_t *msg, const json_t *tcs, size_t mi, struct ds_bad_record *bad) {
  if (!tcs || json_is_null(tcs)) return DS_OK;
  if (!json_is_array(tcs)) return corpus_bad(bad, "bad_tool_call", "message %zu: tool_calls is not an array", mi);
  size_t j;
  const json_t *tc;
  json_array_foreach(tcs, j, tc) {
    if (!json_is_object(tc)) return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu is not an object", mi, j);
    const json_t *fn = json_object_get(tc, "function");
    const char *name;
    const json_t *args;
    if (json_is_object(fn)) {
      name = ds_json_str(fn, "name", NULL);
      args = json_object_get(fn, "arguments");
    } else {
      name = json_is_string(fn) ? json_string_value(fn) : ds_json_str(tc, "name", NULL);
      args = json_object_get(tc, "arguments");
      if (!args) args = json_object_get(tc, "input");
    }
    const char *id = ds_json_str(tc, "id", ds_json_str(tc, "call_id", NULL));
    if (!id || !*id) return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu has no \"id\"", mi, j);
    if (!name || !*name) return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu has no function name", mi, j);
    if (args && !json_is_string(args) && !json_is_object(args) && !json_is_array(args) && !json_is_null(args))
      return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu: arguments are not JSON text or an object", mi, j);
    enum ds_status st = fmt_add_tool_call(msg, id, name, args);
    if (st) return st;
    const json_t *pe = json_object_get(tc, "parse_error");
    if (json_is_string(pe)) {
      json_t *out = json_array_get(json_object_get(msg, "tool_calls"), json_array_size(json_object_get(msg, "tool_calls")) - 1);
      if (json_object_set(out, "parse_error", (json_t *)pe)) return DS_E_NOMEM;
    }
  }
  return DS_OK;
}

enum ds_status agent_chat_message(const json_t *m, const char *role, size_t mi, json_t **out,
                                  struct ds_bad_record *bad) {
  *out = NULL;
  if (!json_is_object(m)) return corpus_bad(bad, "wrong_type", "message %zu is not an object", mi);
  if (!role) role = ds_json_str(m, "role", NULL);
  if (!role) return corpus_bad(bad, "missing_field", "message %zu has no \"role\"", mi);
  static const char *const roles[] = {"system", "developer", "user", "assistant", "tool"};
  bool known = false;
  for (unsigned i = 0; i < DS_ARRAY_LEN(roles); i++) known |= strcmp(role, roles[i]) == 0;
  if (!known)
    return corpus_bad(bad, "unknown_role", "message %zu: unknown role \"%.60s\" (expected system, developer, user, "
                      "assistant or tool)", mi, role);
  const json_t *c = json_object_get(m, "content");
  if (c && !json_is_string(c) && !json_is_array(c) && !json_is_null(c))
    return corpus_bad(bad, "wrong_type", "message %zu: \"content\" is not a string, null or a list of parts", mi);
  json_t *content = agent_content(c);
  json_t *msg = content ? json_object() : NULL;
  if (!msg || json_object_set_new(msg, "role", json_string(role)) || json_object_set_new(msg, "content", content)) {
    if (!msg) json_decref(content);
    json_decref(msg);
    return DS_E_NOMEM;
  }
  enum ds_status st = DS_OK;
  bool assistant = strcmp(role, "assistant") == 0;
  const json_t *tcs = json_object_get(m, "tool_calls");
  if (tcs && !json_is_null(tcs) && json_array_size(tcs) > 0 && !assistant) {
    st = corpus_bad(bad, "bad_tool_call", "message %zu: tool_calls on a %s message", mi, role);
    goto out;
  }
  if ((st = agent_tool_calls(msg, tcs, mi, bad))) goto out;
  if (strcmp(role, "tool") == 0) {
    const char *id = ds_json_str(m, "tool_call_id", NULL);
    if (!id) id = json_string_value(json_array_get(json_object_get(m, "tool_call_ids"), 0));
    if (!id) {
      st = corpus_bad(bad, "missing_field", "message %zu (tool) has no \"tool_call_id\"", mi);
      goto out;
    }
    if (json_object_set_new(msg, "tool_call_id", json_string(id))) st = DS_E_NOMEM;
    const char *name = ds_json_str(m, "name", NULL);
    if (!st && name && json_object_set_new(msg, "name", json_string(name))) st = DS_E_NOMEM;
  }
  if (!st && assistant) {
    if (json_is_array(c)) st = agent_reasoning_parts(msg, c);
    if (!st) st = agent_reasoning_fields(msg, m);
    /* an assistant turn that only calls tools has no text */
    if (!st && json_array_size(json_object_get(msg, "tool_calls")) && json_is_string(json_object_get(msg, "content")) &&
        json_string_length(json_object_get(msg, "content")) == 0 && (!c || json_is_null(c)))
      st = json_object_set_new(msg, "content", json_null()) ? DS_E_NOMEM : DS_OK;
  }
out:
  if (st) {
    json_decref(msg);
    return st;
  }
  *out = msg;
  return DS_OK;
}

json_t *agent_record(const char *agent) {
  json_t *rec = json_pack("{s:[],s:{s:s}}", "messages", "segment", "agent", agent);
  return rec;
}

enum ds_status agent_seg_str(json_t *rec, const char *key, const char *s) {
  return s && *s ? fmt_segment(rec, key, json_string(s)) : DS_OK;
}

enum ds_status agent_repo_str(json_t *rec, const char *key, const char *s) {
  return s && *s ? fmt_repo(rec, key, json_string(s)) : DS_OK;
}

enum ds_status agent_keep(json_t *rec, const char *key, const json_t *v) {
  if (!v || json_is_null(v)) return DS_OK;
  return json_object_set(rec, key, (json_t *)v) ? DS_E_NOMEM : DS_OK;
}

char *agent_file_stem(const char *path, const char *suffix) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t n = strlen(base);
  if (suffix && agent_ends_with(base, suffix) && n > strlen(suffix)) n -= strlen(suffix);
  char *s = ds_malloc(n + 1);
  if (!s) return NULL;
  memcpy(s, base, n);
  s[n] = '\0';
  return s;
}

bool agent_ends_with(const char *name, const char *suffix) {
  size_t n = strlen(name), k = strlen(suffix);
  return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

const char *agent_str_at(const json_t *v, const char *path) {
  const json_t *x = corpus_get_path(v, path);
  return json_is_string(x) ? json_string_value(x) : NULL;
}

size_t agent_probe_count(const struct fmt_probe *p, const char *key) {
  size_t n = 0;
  for (size_t i = 0; i < p->n_items; i++)
    if (json_is_object(p->items[i]) && json_object_get(p->items[i], key)) n++;
  return n;
}
