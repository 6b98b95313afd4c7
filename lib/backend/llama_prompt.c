/* llama_prompt.c: the prompt the in-process llama backend decodes: a request's messages and
 * tools as a chat (tool definitions and calls written as text), rendered with the model's chat
 * template (or a plain transcript when it has none), then tokenized. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/llama_prompt.h"

/* ---- chat --------------------------------------------------------------- */

/* Text of a message's content: a string, an array of parts (their "text" joined), or "". */
static enum ds_status content_text(const json_t *content, struct ds_buf *out) {
  if (json_is_string(content)) return ds_buf_add(out, json_string_value(content), json_string_length(content));
  if (json_is_array(content)) {
    size_t i;
    const json_t *part;
    json_array_foreach(content, i, part) {
      const char *t = json_is_string(part) ? json_string_value(part) : ds_json_str(part, "text", NULL);
      if (t && ds_buf_adds(out, t)) return DS_E_NOMEM;
    }
  }
  return DS_OK;
}

/* A tool schema in either OpenAI wire form {"type":"function","function":{...}} or flat. */
static const json_t *tool_fn(const json_t *tool) {
  const json_t *f = json_object_get(tool, "function");
  return json_is_object(f) ? f : tool;
}

static enum ds_status tools_text(const json_t *tools, struct ds_buf *out) {
  enum ds_status st = ds_buf_adds(out,
      "You can call these tools. To call one, answer with only a JSON object "
      "{\"name\": \"<tool name>\", \"arguments\": {...}}.\nTools:\n");
  size_t i;
  const json_t *t;
  json_array_foreach(tools, i, t) {
    const json_t *f = tool_fn(t);
    char *params = NULL;
    const json_t *p = json_object_get(f, "parameters");
    if (p) params = ds_json_compact(p);
    if (!st) st = ds_buf_addf(out, "- %s: %s%s%s\n", ds_json_str(f, "name", "?"), ds_json_str(f, "description", ""),
                              params ? " Parameters: " : "", params ? params : "");
    ds_free(params);
  }
  return st;
}

/* An assistant message's tool calls, rendered as the JSON objects the model is asked for. */
static enum ds_status tool_calls_text(const json_t *calls, struct ds_buf *out) {
  size_t i;
  const json_t *c;
  json_array_foreach(calls, i, c) {
    const json_t *f = json_object_get(c, "function");
    if (!json_is_object(f)) f = c;
    const char *args = ds_json_str(f, "arguments", "{}");
    if (out->len && ds_buf_addc(out, '\n')) return DS_E_NOMEM;
    char *name = NULL;
    json_t *js = json_string(ds_json_str(f, "name", ""));
    if (js) name = ds_json_compact(js);
    json_decref(js);
    enum ds_status st = name ? ds_buf_addf(out, "{\"name\": %s, \"arguments\": %s}", name, args) : DS_E_NOMEM;
    ds_free(name);
    if (st) return st;
  }
  return DS_OK;
}

struct chat {
  struct llama_chat_message *msgs;
  char **owned;               /* role and content strings, freed by chat_release */
  size_t n, n_owned;
};

static void chat_release(struct chat *c) {
  for (size_t i = 0; i < c->n_owned; i++) ds_free(c->owned[i]);
  ds_free(c->owned);
  ds_free(c->msgs);
  memset(c, 0, sizeof *c);
}

static enum ds_status chat_add(struct chat *c, const char *role, struct ds_buf *content) {
  char *r = ds_strdup(role);
  char *t = ds_buf_detach(content, NULL);
  if (!r || !t) {
    ds_free(r);
    ds_free(t);
    return DS_E_NOMEM;
  }
  c->owned[c->n_owned++] = r;
  c->owned[c->n_owned++] = t;
  c->msgs[c->n].role = r;
  c->msgs[c->n].content = t;
  c->n++;
  return DS_OK;
}

/* OpenAI messages (plus a tools description folded into the system message) as
 * llama_chat_message pairs. */
static enum ds_status chat_build(const json_t *messages, const json_t *tools, struct chat *c, struct ds_err *err) {
  memset(c, 0, sizeof *c);
  if (!json_is_array(messages) || json_array_size(messages) == 0)
    return ds_fail(err, DS_E_INVALID, "llama: messages must be a non-empty array");
  bool with_tools = json_is_array(tools) && json_array_size(tools) > 0;
  size_t cap = json_array_size(messages) + 1;
  c->msgs = ds_calloc(cap, sizeof *c->msgs);
  c->owned = ds_calloc(2 * cap, sizeof *c->owned);
  if (!c->msgs || !c->owned) goto nomem;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  size_t i;
  const json_t *m;
  bool tools_done = !with_tools;
  json_array_foreach(messages, i, m) {
    const char *role = ds_json_str(m, "role", NULL);
    if (!role) {
      ds_buf_release(&b);
      chat_release(c);
      return ds_fail(err, DS_E_INVALID, "llama: message %zu has no role", i);
    }
    if (!tools_done && strcmp(role, "system") != 0) {
      if (tools_text(tools, &b) || chat_add(c, "system", &b)) goto nomem_buf;
      tools_done = true;
    }
    if (content_text(json_object_get(m, "content"), &b)) goto nomem_buf;
    const json_t *calls = json_object_get(m, "tool_calls");
    if (json_is_array(calls) && json_array_size(calls) && tool_calls_text(calls, &b)) goto nomem_buf;
    if (!tools_done) { /* the first message is the system message: the tools go after it */
      if ((b.len && ds_buf_adds(&b, "\n\n")) || tools_text(tools, &b)) goto nomem_buf;
      tools_done = true;
    }
    if (chat_add(c, role, &b)) goto nomem_buf;
  }
  ds_buf_release(&b);
  return DS_OK;
nomem_buf:
  ds_buf_release(&b);
nomem:
  chat_release(c);
  return ds_fail(err, DS_E_NOMEM, "llama: out of memory building the prompt");
}

/* The fallback for models without a usable template: "role: content" lines, then
 * "assistant:" (docs/internals/llama.md). */
static enum ds_status render_plain(const struct chat *c, struct ds_buf *out) {
  for (size_t i = 0; i < c->n; i++)
    if (ds_buf_addf(out, "%s: %s\n", c->msgs[i].role, c->msgs[i].content)) return DS_E_NOMEM;
  return ds_buf_adds(out, "assistant:");
}

enum ds_status lb_render_prompt(const char *tmpl, const json_t *messages, const json_t *tools, struct ds_buf *out,
                                struct ds_err *err) {
  struct chat c;
  enum ds_status st = chat_build(messages, tools, &c, err);
  if (st) return st;
  if (!tmpl) {
    st = render_plain(&c, out);
  } else {
    size_t total = 0;
    for (size_t i = 0; i < c.n; i++) total += strlen(c.msgs[i].content) + strlen(c.msgs[i].role);
    int32_t want = (int32_t)(2 * total + 256);
    for (int tries = 0; tries < 2; tries++) {
      ds_buf_reset(out);
      if ((st = ds_buf_grow(out, (size_t)want + 1))) break;
      int32_t n = llama_chat_apply_template(tmpl, c.msgs, c.n, true, out->data, want);
      if (n < 0) {
        st = ds_fail(err, DS_E_BACKEND, "llama: the model's chat template failed to apply");
        break;
      }
      if (n <= want) {
        out->len = (size_t)n;
        out->data[n] = '\0';
        break;
      }
      want = n;
    }
  }
  chat_release(&c);
  if (st == DS_E_NOMEM) ds_fail(err, st, "llama: out of memory rendering the prompt");
  return st;
}

enum ds_status lb_tokenize(const struct llama_vocab *vocab, const char *text, size_t len, bool special,
                           llama_token **out, int *out_n, struct ds_err *err) {
  if (len > INT32_MAX / 2) return ds_fail(err, DS_E_LIMIT, "llama: prompt of %zu bytes is too long", len);
  int cap = (int)len + 8;
  for (int tries = 0; tries < 2; tries++) {
    llama_token *t = ds_malloc((size_t)cap * sizeof *t);
    if (!t) return ds_fail(err, DS_E_NOMEM, "llama: out of memory tokenizing");
    int n = llama_tokenize(vocab, text, (int32_t)len, t, cap, special, special);
    if (n >= 0) {
      *out = t;
      *out_n = n;
      return DS_OK;
    }
    ds_free(t);
    if (n == INT32_MIN) break;
    cap = -n;
  }
  return ds_fail(err, DS_E_BACKEND, "llama: tokenization failed");
}
