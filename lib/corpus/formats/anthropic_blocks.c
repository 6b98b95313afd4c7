/* anthropic_blocks.c: Anthropic Messages content blocks -> canonical (OpenAI chat shaped)
 * messages, shared by the Messages API reader (anthropic.c) and the Claude Code reader
 * (claude_code.c), whose lines carry the same messages. */
#include <string.h>

#include "anthropic.h"

static bool is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

bool ab_is_server_block(const char *type) {
  if (!type) return false;
  if (is(type, "server_tool_use") || is(type, "mcp_tool_use") || is(type, "mcp_tool_result")) return true;
  size_t n = strlen(type), k = strlen("_tool_result");
  return n > k && strcmp(type + n - k, "_tool_result") == 0;
}

enum ds_status ab_check_content(const json_t *content, struct ds_bad_record *bad) {
  if (json_is_string(content)) return DS_OK;
  if (!json_is_array(content)) return corpus_bad(bad, "wrong_type", "message content is neither a string nor an array of blocks");
  size_t i;
  const json_t *b;
  json_array_foreach(content, i, b) {
    if (!json_is_object(b)) return corpus_bad(bad, "bad_block", "content block %zu is not an object", i);
    const char *type = ds_json_str(b, "type", NULL);
    if (!type) return corpus_bad(bad, "bad_block", "content block %zu has no string \"type\"", i);
    if (is(type, "tool_use") &&
        (!json_is_string(json_object_get(b, "id")) || !json_is_string(json_object_get(b, "name")) ||
         json_string_length(json_object_get(b, "name")) == 0))
      return corpus_bad(bad, "bad_tool_call", "content block %zu (tool_use) lacks a string \"id\" or \"name\"", i);
    if (is(type, "tool_result") && !json_is_string(json_object_get(b, "tool_use_id")))
      return corpus_bad(bad, "bad_block", "content block %zu (tool_result) has no string \"tool_use_id\"", i);
    if (is(type, "text") && !json_is_string(json_object_get(b, "text")))
      return corpus_bad(bad, "bad_block", "content block %zu (text) has no string \"text\"", i);
  }
  return DS_OK;
}

/* ---- parts ------------------------------------------------------------------------- */

static json_t *text_part(const char *text) { return json_pack("{s:s,s:s}", "type", "text", "text", text); }

/* "data:MEDIA;base64,DATA" */
static json_t *data_url(const json_t *source, const char *dflt_media) {
  const char *mt = ds_json_str(source, "media_type", dflt_media);
  const json_t *data = json_object_get(source, "data");
  if (!json_is_string(data)) return NULL;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_buf_addf(&b, "data:%s;base64,", mt) || ds_buf_add(&b, json_string_value(data), json_string_length(data))) {
    ds_buf_release(&b);
    return NULL;
  }
  json_t *s = json_stringn(b.data, b.len);
  ds_buf_release(&b);
  return s;
}

/* The canonical part for a non-text block of a user turn or a tool result. */
static json_t *other_part(const json_t *b) {
  const char *type = ds_json_str(b, "type", "");
  const json_t *src = json_object_get(b, "source");
  const char *st = ds_json_str(src, "type", "");
  bool image = is(type, "image"), base64 = is(st, "base64") && json_is_string(json_object_get(src, "data"));
  bool image_url = image && is(st, "url") && json_is_string(json_object_get(src, "url"));
  if (!(image && base64) && !image_url && !(is(type, "document") && base64)) return json_deep_copy(b); /* kept as it came */
  const char *kind = image ? "image_url" : "file", *key = image ? "url" : "file_data";
  json_t *url = image_url ? json_deep_copy(json_object_get(src, "url")) : data_url(src, image ? "image/png" : "application/pdf");
  /* {"type":"image_url","image_url":{"url"}} or {"type":"file","file":{"file_data"[,"filename"]}} */
  json_t *part = json_object(), *inner = NULL;
  const json_t *title = json_object_get(b, "title");
  if (!part || json_object_set_new(part, "type", json_string(kind)) || json_object_set_new(part, kind, inner = json_object()) ||
      json_object_set_new(inner, key, url) ||
      (is(kind, "file") && json_is_string(title) && json_object_set_new(inner, "filename", json_deep_copy(title)))) {
    if (!inner) json_decref(url); /* not taken yet */
    json_decref(part);
    return NULL;
  }
  return part;
}

/* The content of a tool_result: a string, "" when absent, the text of text blocks joined by
 * newlines, or parts when it holds anything else. */
static json_t *tool_content(const json_t *c) {
  if (!c || json_is_null(c)) return json_string("");
  if (json_is_string(c)) return json_stringn(json_string_value(c), json_string_length(c));
  if (!json_is_array(c)) {
    char *t = ds_json_compact(c);
    json_t *s = t ? json_string(t) : NULL;
    ds_free(t);
    return s;
  }
  size_t i;
  const json_t *b;
  bool all_text = true;
  json_array_foreach(c, i, b) {
    if (!(json_is_object(b) && is(ds_json_str(b, "type", ""), "text") && json_is_string(json_object_get(b, "text"))))
      all_text = false;
  }
  if (all_text) {
    struct ds_buf t;
    ds_buf_init(&t, 0);
    json_array_foreach(c, i, b) {
      if ((i && ds_buf_addc(&t, '\n')) || ds_buf_adds(&t, json_string_value(json_object_get(b, "text")))) {
        ds_buf_release(&t);
        return NULL;
      }
    }
    json_t *s = json_stringn(t.data ? t.data : "", t.len);
    ds_buf_release(&t);
    return s;
  }
  json_t *parts = json_array();
  json_array_foreach(c, i, b) {
    json_t *p;
    if (json_is_object(b) && is(ds_json_str(b, "type", ""), "text") && json_is_string(json_object_get(b, "text")))
      p = text_part(json_string_value(json_object_get(b, "text")));
    else if (json_is_object(b))
      p = other_part(b);
    else
      p = json_deep_copy(b);
    if (!parts || !p || json_array_append_new(parts, p)) {
      json_decref(parts);
      return NULL;
    }
  }
  return parts;
}

/* ---- messages ---------------------------------------------------------------------- */

/* A text block that is kept as a part (it carries citations). */
static bool cited(const json_t *b) {
  const json_t *c = json_object_get(b, "citations");
  return json_is_array(c) && json_array_size(c) > 0;
}

enum ds_status ab_assistant(const json_t *content, json_t **out, struct ds_bad_record *bad) {
  *out = NULL;
  enum ds_status st = ab_check_content(content, bad);
  if (st) return st;
  json_t *msg = fmt_message("assistant", NULL);
  if (!msg) return DS_E_NOMEM;
  if (json_is_string(content)) {
    if (json_object_set_new(msg, "content", json_stringn(json_string_value(content), json_string_length(content))))
      goto nomem;
    *out = msg;
    return DS_OK;
  }
  size_t i;
  const json_t *b;
  bool parts_mode = false;
  json_array_foreach(content, i, b) {
    const char *type = ds_json_str(b, "type", "");
    if (!(is(type, "thinking") || is(type, "redacted_thinking") || is(type, "tool_use") ||
          (is(type, "text") && !cited(b))))
      parts_mode = true;
  }
  json_t *parts = parts_mode ? json_array() : NULL;
  struct ds_buf text;
  ds_buf_init(&text, 0);
  bool any_text = false, last_text = false;
  if (parts_mode && (!parts || json_object_set_new(msg, "content", parts))) goto nomem_buf;
  json_array_foreach(content, i, b) {
    const char *type = ds_json_str(b, "type", "");
    bool was_text = last_text;
    last_text = false;
    if (is(type, "text")) {
      const char *t = json_string_value(json_object_get(b, "text"));
      if (parts_mode) {
        json_t *p = text_part(t);
        if (!p || json_array_append_new(parts, p) ||
            (cited(b) && json_object_set_new(p, "citations", json_deep_copy(json_object_get(b, "citations")))))
          goto nomem_buf;
      } else {
        if (any_text && !was_text && ds_buf_adds(&text, "\n\n")) goto nomem_buf;
        if (ds_buf_adds(&text, t)) goto nomem_buf;
        any_text = true;
      }
      last_text = true;
    } else if (is(type, "thinking")) {
      const char *t = ds_json_str(b, "thinking", "");
      if (*t) {
        if (fmt_add_reasoning(msg, t)) goto nomem_buf;
      } else if (json_object_set_new(msg, "reasoning_redacted", json_true())) {
        goto nomem_buf;
      }
    } else if (is(type, "redacted_thinking")) {
      if (json_object_set_new(msg, "reasoning_redacted", json_true())) goto nomem_buf;
    } else if (is(type, "tool_use")) {
      const json_t *input = json_object_get(b, "input");
      if (fmt_add_tool_call(msg, json_string_value(json_object_get(b, "id")),
                            json_string_value(json_object_get(b, "name")), json_is_object(input) || json_is_array(input) ? input : NULL))
        goto nomem_buf;
      if (input && !json_is_object(input) && !json_is_array(input) && !json_is_null(input)) {
        /* a scalar input: keep its JSON text as the arguments */
        json_t *tcs = json_object_get(msg, "tool_calls");
        char *t = ds_json_compact(input);
        if (!t || json_object_set_new(json_array_get(tcs, json_array_size(tcs) - 1), "arguments", json_string(t))) {
          ds_free(t);
          goto nomem_buf;
        }
        ds_free(t);
      }
      const json_t *caller = json_object_get(b, "caller");
      if (json_is_object(caller) && !is(ds_json_str(caller, "type", "direct"), "direct")) {
        json_t *tcs = json_object_get(msg, "tool_calls");
        if (json_object_set(json_array_get(tcs, json_array_size(tcs) - 1), "caller", (json_t *)caller)) goto nomem_buf;
      }
    } else {
      json_t *p = json_deep_copy(b);
      if (!p || json_array_append_new(parts, p)) goto nomem_buf;
    }
  }
  if (!parts_mode) {
    bool calls = json_array_size(json_object_get(msg, "tool_calls")) > 0;
    if ((any_text || !calls) && json_object_set_new(msg, "content", json_stringn(text.data ? text.data : "", text.len)))
      goto nomem_buf;
  } else if (json_array_size(parts) == 0 && json_array_size(json_object_get(msg, "tool_calls")) > 0) {
    if (json_object_set_new(msg, "content", json_null())) goto nomem_buf;
  }
  ds_buf_release(&text);
  *out = msg;
  return DS_OK;
nomem_buf:
  ds_buf_release(&text);
nomem:
  json_decref(msg);
  return DS_E_NOMEM;
}

enum ds_status ab_user(const json_t *content, json_t *msgs, struct ds_bad_record *bad) {
  enum ds_status st = ab_check_content(content, bad);
  if (st) return st;
  if (json_is_string(content)) {
    json_t *m = fmt_message("user", json_string_value(content));
    return !m || json_array_append_new(msgs, m) ? DS_E_NOMEM : DS_OK;
  }
  size_t i, n_rest = 0, n_text = 0;
  const json_t *b, *only_text = NULL;
  json_array_foreach(content, i, b) {
    const char *type = ds_json_str(b, "type", "");
    if (is(type, "tool_result")) {
      json_t *m = fmt_message("tool", NULL);
      if (!m || json_array_append_new(msgs, m) || json_object_set_new(m, "content", tool_content(json_object_get(b, "content"))) ||
          json_object_set_new(m, "tool_call_id", json_string(json_string_value(json_object_get(b, "tool_use_id")))))
        return DS_E_NOMEM;
      if (json_is_true(json_object_get(b, "is_error")) && json_object_set_new(m, "is_error", json_true())) return DS_E_NOMEM;
      continue;
    }
    n_rest++;
    if (is(type, "text")) {
      n_text++;
      only_text = b;
    }
  }
  if (n_rest == 0) return DS_OK;
  json_t *m;
  if (n_rest == 1 && n_text == 1) {
    m = fmt_message("user", json_string_value(json_object_get(only_text, "text")));
  } else {
    m = fmt_message("user", NULL);
    json_t *parts = NULL;
    if (!m || json_object_set_new(m, "content", parts = json_array())) {
      json_decref(m);
      return DS_E_NOMEM;
    }
    json_array_foreach(content, i, b) {
      const char *type = ds_json_str(b, "type", "");
      if (is(type, "tool_result")) continue;
      json_t *p = is(type, "text") ? text_part(json_string_value(json_object_get(b, "text"))) : other_part(b);
      if (!p || json_array_append_new(parts, p)) {
        json_decref(m);
        return DS_E_NOMEM;
      }
    }
  }
  return !m || json_array_append_new(msgs, m) ? DS_E_NOMEM : DS_OK;
}

enum ds_status ab_system(const json_t *system, json_t *msgs, struct ds_bad_record *bad) {
  if (!system || json_is_null(system)) return DS_OK;
  json_t *m = NULL;
  if (json_is_string(system)) {
    if (json_string_length(system) == 0) return DS_OK;
    m = fmt_message("system", json_string_value(system));
  } else if (json_is_array(system)) {
    size_t i;
    const json_t *b;
    json_array_foreach(system, i, b) {
      if (!json_is_object(b) || !json_is_string(json_object_get(b, "text")))
        return corpus_bad(bad, "wrong_type", "\"system\" block %zu is not a text block", i);
    }
    if (json_array_size(system) == 0) return DS_OK;
    if (json_array_size(system) == 1) {
      m = fmt_message("system", json_string_value(json_object_get(json_array_get(system, 0), "text")));
    } else {
      json_t *parts = NULL;
      m = fmt_message("system", NULL);
      if (!m || json_object_set_new(m, "content", parts = json_array())) {
        json_decref(m);
        return DS_E_NOMEM;
      }
      json_array_foreach(system, i, b) {
        if (json_array_append_new(parts, text_part(json_string_value(json_object_get(b, "text"))))) {
          json_decref(m);
          return DS_E_NOMEM;
        }
      }
    }
  } else {
    return corpus_bad(bad, "wrong_type", "\"system\" is neither a string nor an array of text blocks");
  }
  return !m || json_array_append_new(msgs, m) ? DS_E_NOMEM : DS_OK;
}

enum ds_status ab_tools(const json_t *tools, json_t **out, struct ds_bad_record *bad) {
  *out = NULL;
  if (!json_is_array(tools)) return corpus_bad(bad, "wrong_type", "\"tools\" is not an array");
  json_t *arr = json_array();
  if (!arr) return DS_E_NOMEM;
  size_t i;
  const json_t *t;
  json_array_foreach(tools, i, t) {
    if (!json_is_object(t)) {
      json_decref(arr);
      return corpus_bad(bad, "wrong_type", "tool %zu is not an object", i);
    }
    const char *type = ds_json_str(t, "type", "custom");
    const json_t *schema = json_object_get(t, "input_schema");
    json_t *o;
    if (is(type, "custom") && json_is_string(json_object_get(t, "name")) && schema) {
      json_t *fn = NULL;
      const json_t *d = json_object_get(t, "description");
      o = json_object();
      if (!o || json_object_set_new(o, "type", json_string("function")) || json_object_set_new(o, "function", fn = json_object()) ||
          json_object_set_new(fn, "name", json_deep_copy(json_object_get(t, "name"))) ||
          json_object_set_new(fn, "parameters", json_deep_copy(schema)) ||
          (json_is_string(d) && json_object_set_new(fn, "description", json_deep_copy(d)))) {
        json_decref(o);
        o = NULL;
      }
    } else {
      o = json_deep_copy(t);
    }
    if (!o || json_array_append_new(arr, o)) {
      json_decref(arr);
      return DS_E_NOMEM;
    }
  }
  *out = arr;
  return DS_OK;
}
