/* llm_blocks.c: one logged message of any common shape (OpenAI, LangChain serialized or typed,
 * OTel GenAI parts, Anthropic, Gemini, Bedrock and Vercel content blocks, OpenAI Responses
 * items) to canonical messages: text, media parts, tool calls, tool results (as tool
 * messages) and reasoning. The list and request/response shapes around messages are in
 * llm_io.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "llm_io.h"

/* A message under construction. */
struct mb {
  json_t *msg;        /* {"role"} plus tool_calls, reasoning and kept extras */
  struct ds_buf text; /* the text parts, joined by newlines */
  json_t *parts;      /* every text and media part, OpenAI-shaped, for a content with media */
  bool media, any_text;
};

static bool mb_init(struct mb *b, const char *role) {
  memset(b, 0, sizeof *b);
  ds_buf_init(&b->text, 0);
  b->msg = json_object();
  b->parts = json_array();
  return b->msg && b->parts && !json_object_set_new(b->msg, "role", json_string(role));
}

static void mb_release(struct mb *b) {
  json_decref(b->msg);
  json_decref(b->parts);
  ds_buf_release(&b->text);
}

static const char *mb_role(const struct mb *b) { return ds_json_str(b->msg, "role", ""); }

static enum ds_status mb_text(struct mb *b, const char *t) {
  if (!t || !*t) return DS_OK;
  if ((b->any_text && ds_buf_addc(&b->text, '\n')) || ds_buf_adds(&b->text, t)) return DS_E_NOMEM;
  b->any_text = true;
  json_t *p = json_pack("{s:s,s:s}", "type", "text", "text", t);
  return p && !json_array_append_new(b->parts, p) ? DS_OK : DS_E_NOMEM;
}

static enum ds_status mb_media(struct mb *b, const json_t *part) {
  b->media = true;
  return json_array_append(b->parts, (json_t *)part) ? DS_E_NOMEM : DS_OK;
}

/* Appends part to msg[key] (an array, created). */
static enum ds_status keep(json_t *msg, const char *key, const json_t *part) {
  json_t *a = json_object_get(msg, key);
  if (!json_is_array(a)) {
    a = json_array();
    if (!a || json_object_set_new(msg, key, a)) return DS_E_NOMEM;
  }
  return json_array_append(a, (json_t *)part) ? DS_E_NOMEM : DS_OK;
}

/* Appends a finished message to the conversation (msg's reference is taken). */
static enum ds_status push(struct llm_conv *c, json_t *msg) {
  c->open = NULL;
  return json_array_append_new(c->msgs, msg) ? DS_E_NOMEM : DS_OK;
}

/* Sets the content and appends the message. An assistant turn with tool calls and no text
 * has null content. */
static enum ds_status mb_finish(struct llm_conv *c, struct mb *b) {
  json_t *content;
  bool calls = json_array_size(json_object_get(b->msg, "tool_calls")) > 0;
  if (b->media) content = json_incref(b->parts);
  else if (!b->any_text && calls && strcmp(mb_role(b), "assistant") == 0) content = json_null();
  else content = json_stringn(b->text.data, b->text.len);
  if (!content || json_object_set_new(b->msg, "content", content)) return DS_E_NOMEM;
  json_t *m = b->msg;
  b->msg = NULL;
  return push(c, m);
}

/* ---- small readers ------------------------------------------------------------------ */

/* The first of keys in o that is a string (borrowed), or NULL. */
static const char *str_of(const json_t *o, const char *const *keys) {
  for (; *keys; keys++) {
    const json_t *v = json_object_get(o, *keys);
    if (json_is_string(v)) return json_string_value(v);
  }
  return NULL;
}

/* The first of keys in o that is present and not null (borrowed), or NULL. */
static const json_t *val_of(const json_t *o, const char *const *keys) {
  for (; *keys; keys++) {
    const json_t *v = json_object_get(o, *keys);
    if (v && !json_is_null(v)) return v;
  }
  return NULL;
}

/* A tool call id: a string, or the last string of an array (Microsoft Agent Framework logs
 * [run id, call id]). */
static const char *id_of(const json_t *o, const char *const *keys) {
  const json_t *v = val_of(o, keys);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_array(v))
    for (size_t i = json_array_size(v); i > 0; i--)
      if (json_is_string(json_array_get(v, i - 1))) return json_string_value(json_array_get(v, i - 1));
  return NULL;
}

static bool eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static bool in_set(const char *s, const char *const *set) {
  for (; s && *set; set++)
    if (strcmp(s, *set) == 0) return true;
  return false;
}

const char *llm_role(const char *r) {
  static const char *const map[][2] = {
      {"user", "user"},           {"human", "user"},         {"assistant", "assistant"}, {"ai", "assistant"},
      {"model", "assistant"},     {"bot", "assistant"},      {"chatbot", "assistant"},   {"system", "system"},
      {"developer", "developer"}, {"tool", "tool"},          {"function", "tool"},       {"ipython", "tool"},
      {"gpt", "assistant"},       {"chatgpt", "assistant"},
  };
  if (!r) return NULL;
  char low[16];
  size_t n = strlen(r);
  if (n >= sizeof low) return NULL;
  for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)r[i]);
  for (unsigned i = 0; i < DS_ARRAY_LEN(map); i++)
    if (strcmp(low, map[i][0]) == 0) return map[i][1];
  return NULL;
}

/* Role of a LangChain message class (HumanMessage, AIMessageChunk, ...) or dict type
 * (human, ai, ...); ChatMessage takes its role from the body. */
static const char *lc_role(const char *cls, const json_t *body) {
  if (!cls) return NULL;
  char base[48];
  snprintf(base, sizeof base, "%s", cls);
  size_t n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, "Chunk") == 0) base[n -= 5] = '\0';
  if (n > 7 && strcmp(base + n - 7, "Message") == 0) base[n -= 7] = '\0';
  if (strcasecmp(base, "Chat") == 0 || strcasecmp(base, "generic") == 0) return llm_role(ds_json_str(body, "role", NULL));
  if (strcasecmp(base, "Human") == 0) return "user";
  if (strcasecmp(base, "AI") == 0) return "assistant";
  if (strcasecmp(base, "System") == 0) return "system";
  if (strcasecmp(base, "Tool") == 0 || strcasecmp(base, "Function") == 0) return "tool";
  return NULL;
}

json_t *llm_json_text(const json_t *s) {
  if (!json_is_string(s)) return NULL;
  const char *p = json_string_value(s);
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
  if (*p != '{' && *p != '[') return NULL;
  json_t *v = json_loads(p, JSON_DECODE_ANY, NULL);
  if (v && !json_is_object(v) && !json_is_array(v)) {
    json_decref(v);
    return NULL;
  }
  return v;
}

char *llm_text_of(const json_t *v) {
  if (!v || json_is_null(v)) return ds_strdup("");
  if (json_is_string(v)) return ds_strdup(json_string_value(v));
  if (json_is_array(v)) {
    /* text parts ([{type:text,text}], Bedrock [{text}], strings) joined; else JSON */
    bool all_text = json_array_size(v) > 0;
    size_t i;
    const json_t *p;
    json_array_foreach(v, i, p) {
      const json_t *t = json_is_object(p) ? json_object_get(p, "text") : p;
      if (!json_is_string(t)) all_text = false;
    }
    if (all_text) {
      struct ds_buf b;
      ds_buf_init(&b, 0);
      json_array_foreach(v, i, p) {
        const json_t *t = json_is_object(p) ? json_object_get(p, "text") : p;
        if ((i && ds_buf_addc(&b, '\n')) || ds_buf_adds(&b, json_string_value(t))) {
          ds_buf_release(&b);
          return NULL;
        }
      }
      return ds_buf_detach(&b, NULL);
    }
  }
  return ds_json_compact(v);
}

/* ---- tool calls and results ------------------------------------------------------------ */

static const char *make_id(struct llm_conv *c, char *buf, size_t n) {
  snprintf(buf, n, "%s-call-%u", c->id_base ? c->id_base : "call", ++c->n_synth);
  return buf;
}

enum ds_status llm_add_call(struct llm_conv *c, json_t *msg, const char *id, const char *name, const json_t *args,
                            struct ds_bad_record *b) {
  if (!name || !*name) return corpus_bad(b, "bad_tool_call", "a tool call has no name");
  char made[96];
  if (!id || !*id) id = make_id(c, made, sizeof made);
  size_t i;
  const json_t *tc;
  json_array_foreach(json_object_get(msg, "tool_calls"), i, tc) {
    if (eq(ds_json_str(tc, "id", NULL), id)) return DS_OK; /* the same call logged twice (content and tool_calls) */
  }
  json_t *a = NULL;
  if (json_is_string(args)) {
    /* arguments as text are kept as they are when they are JSON; other text is wrapped */
    json_t *v = json_loads(json_string_value(args), JSON_DECODE_ANY, NULL);
    if (!v && json_string_length(args)) a = json_pack("{s:O}", "input", args);
    json_decref(v);
  }
  enum ds_status st = fmt_add_tool_call(msg, id, name, a ? a : args);
  json_decref(a);
  if (st) return st;
  json_t *p = json_pack("[s,s]", id, name);
  return p && !json_array_append_new(c->pending, p) ? DS_OK : DS_E_NOMEM;
}

enum ds_status llm_add_result(struct llm_conv *c, const char *id, const char *name, const json_t *content,
                              struct ds_bad_record *b) {
  DS_UNUSED(b);
  size_t at = (size_t)-1, i;
  const json_t *p;
  json_array_foreach(c->pending, i, p) {
    const char *pid = json_string_value(json_array_get(p, 0)), *pname = json_string_value(json_array_get(p, 1));
    if (id ? eq(pid, id) : (at == (size_t)-1 && (!name || eq(pname, name)))) {
      at = i;
      if (id) break;
    }
  }
  if (!id && at == (size_t)-1 && json_array_size(c->pending)) at = 0;
  char made[96];
  if (!id && at != (size_t)-1) id = json_string_value(json_array_get(json_array_get(c->pending, at), 0));
  if (!id) id = make_id(c, made, sizeof made);
  char *text = llm_text_of(content);
  json_t *m = text ? fmt_message("tool", text) : NULL;
  ds_free(text);
  if (!m || json_object_set_new(m, "tool_call_id", json_string(id)) ||
      (name && *name && json_object_set_new(m, "name", json_string(name)))) {
    json_decref(m);
    return DS_E_NOMEM;
  }
  if (at != (size_t)-1) json_array_remove(c->pending, at); /* after the last use of its id */
  return push(c, m);
}

/* ---- blocks ------------------------------------------------------------------------- */

static const char *const k_call_id[] = {"id", "toolCallId", "call_id", "tool_call_id", "toolUseId", NULL};
static const char *const k_result_id[] = {"tool_use_id", "toolCallId", "call_id", "tool_call_id", "toolUseId", "id",
                                          NULL};
static const char *const k_name[] = {"name", "toolName", NULL};
static const char *const k_args[] = {"input", "args", "arguments", NULL};
static const char *const k_result[] = {"content", "result", "response", "output", NULL};

static const char *const media_types[] = {"image",      "image_url", "input_image", "input_audio", "audio",
                                          "file",       "input_file", "document",   "blob",        "uri",
                                          "file_data",  "image_file", "video",      "video_url",   NULL};
static const char *const server_types[] = {"server_tool_use", "server_tool_call", "server_tool_call_response",
                                           "web_search_tool_result", "web_fetch_tool_result",
                                           "code_execution_tool_result", "mcp_tool_use", "mcp_tool_result",
                                           "executable_code", "code_execution_result", NULL};

/* Adds reasoning text, or marks it redacted when there is none to read. */
static enum ds_status reasoning(struct llm_conv *c, struct mb *mb, const char *text, bool redacted) {
  if (text && *text) return fmt_add_reasoning(mb->msg, text);
  if (redacted) {
    c->redacted = true;
    return json_object_set_new(mb->msg, "reasoning_redacted", json_true()) ? DS_E_NOMEM : DS_OK;
  }
  return DS_OK;
}

/* Reasoning of a block: its text, a summary list, or a content list ({text}). */
static enum ds_status reasoning_block(struct llm_conv *c, struct mb *mb, const json_t *p) {
  static const char *const k_text[] = {"thinking", "content", "reasoning", "text", NULL};
  const char *t = str_of(p, k_text);
  if (t) return reasoning(c, mb, t, false);
  static const char *const k_lists[] = {"summary", "content", NULL};
  bool any = false;
  for (const char *const *k = k_lists; *k; k++) {
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(p, *k), i, s) {
      const char *x = json_is_string(s) ? json_string_value(s) : ds_json_str(s, "text", NULL);
      if (x && *x) {
        if (fmt_add_reasoning(mb->msg, x)) return DS_E_NOMEM;
        any = true;
      }
    }
  }
  return any ? DS_OK : reasoning(c, mb, NULL, true);
}

static enum ds_status call_block(struct llm_conv *c, struct mb *mb, const char *id, const char *name,
                                 const json_t *args, const json_t *p, struct ds_bad_record *b) {
  if (strcmp(mb_role(mb), "assistant") != 0) return keep(mb->msg, "other_parts", p);
  return llm_add_call(c, mb->msg, id, name, args, b);
}

static enum ds_status result_block(struct llm_conv *c, const char *id, const char *name, const json_t *content,
                                   bool is_error, struct ds_bad_record *b) {
  /* Vercel AI SDK 5 tool output {"type":"text"|"json"|"error-text"|"error-json","value"} */
  const char *otype = ds_json_str(content, "type", NULL);
  if (otype && json_object_get(content, "value") && json_object_size(content) == 2) {
    is_error |= strncmp(otype, "error", 5) == 0;
    content = json_object_get(content, "value");
  }
  enum ds_status st = llm_add_result(c, id, name, content, b);
  if (!st && is_error) {
    json_t *m = json_array_get(c->msgs, json_array_size(c->msgs) - 1);
    if (json_object_set_new(m, "is_error", json_true())) return DS_E_NOMEM;
  }
  return st;
}

/* One content part or block, of any of the shapes. */
static enum ds_status block(struct llm_conv *c, struct mb *mb, const json_t *p, struct ds_bad_record *b) {
  if (json_is_string(p)) return mb_text(mb, json_string_value(p));
  if (!json_is_object(p)) return keep(mb->msg, "other_parts", p);
  const char *type = ds_json_str(p, "type", NULL);
  const json_t *tx = json_object_get(p, "text");
  if (type) {
    if (in_set(type, (const char *const[]){"text", "input_text", "output_text", "summary_text", NULL})) {
      const char *t = json_is_string(tx) ? json_string_value(tx) : ds_json_str(p, "content", NULL);
      if (!t && json_is_object(tx)) t = ds_json_str(tx, "value", NULL); /* Azure AI Agents {"text":{"value"}} */
      if (json_is_true(json_object_get(p, "thought"))) return reasoning(c, mb, t, false);
      return mb_text(mb, t ? t : "");
    }
    if (strcmp(type, "refusal") == 0) return mb_text(mb, ds_json_str(p, "refusal", ""));
    if (strcmp(type, "reasoning") == 0 || strcmp(type, "thinking") == 0) return reasoning_block(c, mb, p);
    if (strcmp(type, "redacted_thinking") == 0) return reasoning(c, mb, NULL, true);
    if (in_set(type, (const char *const[]){"tool_use", "tool_call", "tool-call", "function_call", NULL}))
      return call_block(c, mb, id_of(p, k_call_id), str_of(p, k_name), val_of(p, k_args), p, b);
    if (in_set(type, (const char *const[]){"tool_result", "tool-result", "tool_call_response", "function_call_output",
                                           NULL}))
      return result_block(c, id_of(p, k_result_id), str_of(p, k_name), val_of(p, k_result),
                          json_is_true(json_object_get(p, "is_error")), b);
    if (in_set(type, media_types)) return mb_media(mb, p);
    if (in_set(type, server_types)) return keep(mb->msg, "server_tools", p);
    return keep(mb->msg, "other_parts", p);
  }
  /* untyped: Gemini parts and Bedrock Converse blocks */
  if (json_is_string(tx)) {
    if (json_is_true(json_object_get(p, "thought"))) return reasoning(c, mb, json_string_value(tx), false);
    return mb_text(mb, json_string_value(tx));
  }
  const json_t *fc = val_of(p, (const char *const[]){"functionCall", "function_call", NULL});
  if (json_is_object(fc))
    return call_block(c, mb, ds_json_str(fc, "id", NULL), ds_json_str(fc, "name", NULL), json_object_get(fc, "args"),
                      p, b);
  const json_t *fr = val_of(p, (const char *const[]){"functionResponse", "function_response", NULL});
  if (json_is_object(fr))
    return result_block(c, ds_json_str(fr, "id", NULL), ds_json_str(fr, "name", NULL), json_object_get(fr, "response"),
                        false, b);
  const json_t *tu = json_object_get(p, "toolUse");
  if (json_is_object(tu))
    return call_block(c, mb, ds_json_str(tu, "toolUseId", NULL), ds_json_str(tu, "name", NULL),
                      json_object_get(tu, "input"), p, b);
  const json_t *tr = json_object_get(p, "toolResult");
  if (json_is_object(tr)) {
    /* Bedrock: content [{text}|{json}] */
    const json_t *content = json_object_get(tr, "content");
    json_t *flat = NULL;
    if (json_is_array(content) && json_array_size(content) == 1 && json_object_get(json_array_get(content, 0), "json"))
      content = flat = json_incref(json_object_get(json_array_get(content, 0), "json"));
    enum ds_status st = result_block(c, ds_json_str(tr, "toolUseId", NULL), NULL, content,
                                     eq(ds_json_str(tr, "status", NULL), "error"), b);
    json_decref(flat);
    return st;
  }
  const json_t *rc = json_object_get(p, "reasoningContent");
  if (json_is_object(rc)) {
    const char *t = ds_json_str(json_object_get(rc, "reasoningText"), "text", NULL);
    return reasoning(c, mb, t, !t);
  }
  static const char *const media_keys[] = {"inlineData", "inline_data", "fileData", "file_data", "image",
                                           "document",   "video",       NULL};
  if (val_of(p, media_keys)) return mb_media(mb, p);
  static const char *const server_keys[] = {"executableCode", "executable_code", "codeExecutionResult",
                                            "code_execution_result", NULL};
  if (val_of(p, server_keys)) return keep(mb->msg, "server_tools", p);
  return keep(mb->msg, "other_parts", p);
}

static enum ds_status blocks(struct llm_conv *c, struct mb *mb, const json_t *arr, struct ds_bad_record *b) {
  size_t i;
  const json_t *p;
  json_array_foreach(arr, i, p) {
    enum ds_status st = block(c, mb, p, b);
    if (st) return st;
  }
  return DS_OK;
}

enum ds_status llm_parts_message(struct llm_conv *c, const char *role, const json_t *parts, const json_t *src,
                                 struct ds_bad_record *b) {
  struct mb mb;
  enum ds_status st = DS_E_NOMEM;
  if (!mb_init(&mb, role)) goto out;
  if (json_is_array(parts)) st = blocks(c, &mb, parts, b);
  else if (json_is_string(parts)) st = mb_text(&mb, json_string_value(parts));
  else st = DS_OK;
  if (st) goto out;
  /* a tool message whose parts were all results is already out; a user message that only
   * carried tool results too (Anthropic, Gemini) */
  bool empty = !mb.any_text && !mb.media && json_object_size(mb.msg) == 1;
  bool results_only = empty && json_is_array(parts) && json_array_size(parts) > 0;
  const json_t *fr = json_object_get(src, "finish_reason");
  if (json_is_string(fr) && json_object_set(mb.msg, "finish_reason", (json_t *)fr)) {
    st = DS_E_NOMEM;
    goto out;
  }
  if (strcmp(role, "tool") == 0 && !results_only) {
    /* a tool message given as text parts: one result */
    char *t = ds_buf_detach(&mb.text, NULL);
    ds_buf_init(&mb.text, 0);
    json_t *s = t ? json_string(t) : NULL;
    ds_free(t);
    st = s ? llm_add_result(c, ds_json_str(src, "tool_call_id", ds_json_str(src, "id", NULL)),
                            ds_json_str(src, "name", NULL), s, b)
           : DS_E_NOMEM;
    json_decref(s);
    goto out;
  }
  if (results_only) {
    st = DS_OK;
    goto out;
  }
  st = mb_finish(c, &mb);
out:
  mb_release(&mb);
  return st;
}

/* ---- whole messages -------------------------------------------------------------------- */

/* A message body of a known role in OpenAI / LangChain shape: content (text, parts or
 * blocks), tool_calls (wire form, flat, LangChain), function_call, reasoning, name. */
static enum ds_status body_message(struct llm_conv *c, const char *role, const json_t *m, struct ds_bad_record *b) {
  const json_t *content = json_object_get(m, "content");
  if (!content || json_is_null(content)) content = json_object_get(m, "parts");
  if (!content || json_is_null(content)) content = json_object_get(m, "text");
  const json_t *ak = json_object_get(m, "additional_kwargs");
  if (strcmp(role, "tool") == 0) {
    const char *id = id_of(m, (const char *const[]){"tool_call_id", "tool_use_id", "id", NULL});
    if (json_is_array(content) && json_array_size(content)) {
      /* parts: results (OTel GenAI tool_call_response) or text */
      bool results = true;
      size_t i;
      const json_t *p;
      json_array_foreach(content, i, p) results &= in_set(ds_json_str(p, "type", NULL),
                                                         (const char *const[]){"tool_call_response", "tool_result",
                                                                               "tool-result", NULL});
      if (results) return llm_parts_message(c, "tool", content, m, b);
    }
    json_t *obj = json_is_object(content) && json_is_array(json_object_get(content, "parts"))
                      ? json_object_get(content, "parts") : NULL;
    return llm_add_result(c, id, ds_json_str(m, "name", NULL), obj ? obj : content, b);
  }
  struct mb mb;
  enum ds_status st = DS_E_NOMEM;
  size_t before = json_array_size(c->msgs);
  if (!mb_init(&mb, role)) goto out;
  if (json_is_string(content)) {
    st = mb_text(&mb, json_string_value(content));
  } else if (json_is_array(content)) {
    st = blocks(c, &mb, content, b);
  } else if (json_is_object(content)) {
    const json_t *parts = json_object_get(content, "parts"); /* Gemini {"parts":[...],"role"} */
    const json_t *tx = json_object_get(content, "text");
    if (json_is_array(parts)) st = blocks(c, &mb, parts, b);
    else if (json_is_string(tx)) st = mb_text(&mb, json_string_value(tx));
    else if (json_is_object(tx) && json_is_string(json_object_get(tx, "value")))
      st = mb_text(&mb, ds_json_str(tx, "value", ""));
    else st = corpus_bad(b, "wrong_type", "a %s message's content is an object with no text", role);
  } else {
    st = DS_OK;
  }
  if (st) goto out;
  /* tool calls: OpenAI wire form or flat {id,name,args}, LangChain {name,args,id}; else the
   * additional_kwargs copy; legacy function_call */
  const json_t *tcs = json_object_get(m, "tool_calls");
  if (!json_array_size(tcs)) tcs = json_object_get(ak, "tool_calls");
  size_t i;
  const json_t *tc;
  json_array_foreach(tcs, i, tc) {
    const json_t *fn = json_object_get(tc, "function");
    const json_t *src = json_is_object(fn) ? fn : tc;
    if ((st = call_block(c, &mb, id_of(tc, k_call_id), str_of(src, k_name),
                         val_of(src, (const char *const[]){"arguments", "args", "input", NULL}), tc, b)))
      goto out;
  }
  const json_t *fc = json_object_get(m, "function_call");
  if (!json_is_object(fc)) fc = json_object_get(ak, "function_call");
  if (json_is_object(fc) &&
      (st = call_block(c, &mb, NULL, ds_json_str(fc, "name", NULL), json_object_get(fc, "arguments"), fc, b)))
    goto out;
  static const char *const k_reason[] = {"reasoning_content", "reasoning", "thinking", NULL};
  const char *r = str_of(m, k_reason);
  if (!r) r = str_of(ak, k_reason);
  if (r && (st = fmt_add_reasoning(mb.msg, r))) goto out;
  /* a user turn that only carried tool results (Anthropic, Bedrock, Gemini): they are out */
  if (json_array_size(c->msgs) > before && !mb.any_text && !mb.media && json_object_size(mb.msg) == 1) {
    st = DS_OK;
    goto out;
  }
  st = DS_E_NOMEM;
  static const char *const k_extra[] = {"name", "finish_reason", "refusal", NULL};
  for (const char *const *k = k_extra; *k; k++) {
    const json_t *v = json_object_get(m, *k);
    if (json_is_string(v) && json_string_length(v) && json_object_set(mb.msg, *k, (json_t *)v)) goto out;
  }
  st = mb_finish(c, &mb);
out:
  mb_release(&mb);
  return st;
}

/* The assistant message that Responses output items are adding to, created when needed. */
static json_t *open_assistant(struct llm_conv *c) {
  if (c->open) return c->open;
  json_t *m = fmt_message("assistant", NULL);
  if (!m || push(c, m)) return NULL;
  return c->open = m;
}

/* Content of an open assistant message gains text (null content becomes text). */
static enum ds_status open_text(json_t *m, const char *t) {
  if (!t) return DS_OK;
  const json_t *cur = json_object_get(m, "content");
  if (!json_is_string(cur)) return json_object_set_new(m, "content", json_string(t)) ? DS_E_NOMEM : DS_OK;
  struct ds_buf s;
  ds_buf_init(&s, 0);
  enum ds_status st = DS_E_NOMEM;
  if (!ds_buf_adds(&s, json_string_value(cur)) && !(json_string_length(cur) && ds_buf_addc(&s, '\n')) &&
      !ds_buf_adds(&s, t))
    st = json_object_set_new(m, "content", json_stringn(s.data, s.len)) ? DS_E_NOMEM : DS_OK;
  ds_buf_release(&s);
  return st;
}

/* Moves the message at index k of msgs into open (an earlier assistant message of the same
 * turn): text, reasoning, tool calls and kept parts. */
static enum ds_status merge_into(struct llm_conv *c, json_t *open, size_t k) {
  json_t *m = json_array_get(c->msgs, k);
  const json_t *content = json_object_get(m, "content");
  enum ds_status st = DS_OK;
  if (json_is_string(content) && json_string_length(content)) st = open_text(open, json_string_value(content));
  else if (json_is_array(content)) {
    char *t = fmt_parts_text(content);
    st = t ? open_text(open, t) : DS_OK;
    ds_free(t);
  }
  if (!st && json_is_string(json_object_get(m, "reasoning")))
    st = fmt_add_reasoning(open, ds_json_str(m, "reasoning", NULL));
  static const char *const lists[] = {"tool_calls", "server_tools", "other_parts", NULL};
  for (const char *const *key = lists; !st && *key; key++) {
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(m, *key), i, x) if (!st) st = keep(open, *key, x);
  }
  static const char *const flags[] = {"reasoning_redacted", "finish_reason", NULL};
  for (const char *const *key = flags; !st && *key; key++) {
    json_t *v = json_object_get(m, *key);
    if (v && json_object_set(open, *key, v)) st = DS_E_NOMEM;
  }
  if (!st && json_is_null(json_object_get(open, "content")) && !json_array_size(json_object_get(open, "tool_calls")))
    st = json_object_set_new(open, "content", json_string("")) ? DS_E_NOMEM : DS_OK;
  if (!st) json_array_remove(c->msgs, k);
  return st;
}

/* One OpenAI Responses item (input or output). */
static enum ds_status responses_item(struct llm_conv *c, const json_t *it, const char *type, struct ds_bad_record *b) {
  if (strcmp(type, "message") == 0) {
    /* a Responses message item, or an Anthropic response ({"type":"message","role",
     * "content":[blocks]}): its blocks read as any message's; an assistant one joins the
     * assistant turn that reasoning or tool call items before it opened */
    const char *role = llm_role(ds_json_str(it, "role", NULL));
    if (!role) return corpus_bad(b, "unknown_role", "a message item has no known role");
    json_t *open = c->open;
    enum ds_status st = body_message(c, role, it, b);
    if (st || strcmp(role, "assistant") != 0) return st;
    json_t *m = json_array_get(c->msgs, json_array_size(c->msgs) - 1);
    if (!open) {
      c->open = m;
      return DS_OK;
    }
    c->open = open;
    return merge_into(c, open, json_array_size(c->msgs) - 1);
  }
  if (strcmp(type, "function_call") == 0 || strcmp(type, "custom_tool_call") == 0) {
    json_t *m = open_assistant(c);
    if (!m) return DS_E_NOMEM;
    const json_t *args = json_object_get(it, strcmp(type, "function_call") == 0 ? "arguments" : "input");
    json_t *wrap = strcmp(type, "custom_tool_call") == 0 && json_is_string(args) ? json_pack("{s:O}", "input", args)
                                                                                  : NULL;
    static const char *const k_id[] = {"call_id", "id", NULL};
    enum ds_status st = llm_add_call(c, m, id_of(it, k_id), ds_json_str(it, "name", NULL), wrap ? wrap : args, b);
    json_decref(wrap);
    c->open = m;
    return st;
  }
  if (strcmp(type, "function_call_output") == 0 || strcmp(type, "custom_tool_call_output") == 0)
    return llm_add_result(c, ds_json_str(it, "call_id", NULL), NULL, json_object_get(it, "output"), b);
  json_t *m = open_assistant(c);
  if (!m) return DS_E_NOMEM;
  if (strcmp(type, "reasoning") == 0) {
    struct mb tmp = {.msg = m};
    enum ds_status st = reasoning_block(c, &tmp, it);
    return st;
  }
  return keep(m, "server_tools", it); /* web_search_call, code_interpreter_call, mcp_call, ... */
}

static bool responses_type(const char *t) {
  static const char *const types[] = {"message",          "function_call",    "function_call_output",
                                      "reasoning",        "custom_tool_call", "custom_tool_call_output",
                                      "web_search_call",  "file_search_call", "code_interpreter_call",
                                      "computer_call",    "mcp_call",         "image_generation_call",
                                      "local_shell_call", NULL};
  return in_set(t, types);
}

enum ds_status llm_message(struct llm_conv *c, const json_t *m, const char *dflt_role, struct ds_bad_record *b) {
  if (json_is_string(m)) {
    json_t *v = llm_json_text(m);
    if (v) {
      enum ds_status st = json_is_object(v) ? llm_message(c, v, dflt_role, b)
                                            : corpus_bad(b, "wrong_type", "a message is a JSON array");
      json_decref(v);
      return st;
    }
    if (!dflt_role) return corpus_bad(b, "missing_field", "a message is text with no role");
    return llm_parts_message(c, dflt_role, m, NULL, b);
  }
  if (!json_is_object(m)) return corpus_bad(b, "wrong_type", "a message is not an object");
  const json_t *kw = json_object_get(m, "kwargs"), *lcid = json_object_get(m, "id");
  if (json_object_get(m, "lc") && json_is_object(kw) && json_is_array(lcid)) {
    /* LangChain serialized: {"lc":1,"type":"constructor","id":[...,"HumanMessage"],"kwargs"} */
    const char *cls = json_string_value(json_array_get(lcid, json_array_size(lcid) - 1));
    const char *role = lc_role(cls, kw);
    if (!role) return corpus_bad(b, "unknown_role", "LangChain message class \"%.60s\" is not a chat message", cls ? cls : "");
    return body_message(c, role, kw, b);
  }
  const char *type = ds_json_str(m, "type", NULL);
  const json_t *data = json_object_get(m, "data");
  if (type && json_is_object(data) && lc_role(type, data)) /* LangChain message_to_dict */
    return body_message(c, lc_role(type, data), data, b);
  const json_t *ev = json_object_get(m, "gen_ai.event.content"); /* Semantic Kernel, Azure SDKs */
  if (json_is_string(ev)) {
    json_t *v = llm_json_text(ev);
    if (!json_is_object(v)) {
      json_decref(v);
      return corpus_bad(b, "wrong_type", "\"gen_ai.event.content\" is not a JSON object");
    }
    const json_t *inner = json_is_object(json_object_get(v, "message")) ? json_object_get(v, "message") : v;
    const char *r = llm_role(ds_json_str(inner, "role", ds_json_str(m, "role", NULL)));
    enum ds_status st = body_message(c, r ? r : dflt_role ? dflt_role : "user", inner, b);
    json_decref(v);
    return st;
  }
  const json_t *role = json_object_get(m, "role");
  if (type && responses_type(type) && (strcmp(type, "message") != 0 || json_is_string(role)))
    return responses_item(c, m, type, b);
  if (json_is_string(role)) {
    const char *r = llm_role(json_string_value(role));
    if (!r) return corpus_bad(b, "unknown_role", "unknown role \"%.60s\"", json_string_value(role));
    return body_message(c, r, m, b);
  }
  if (type && lc_role(type, m)) return body_message(c, lc_role(type, m), m, b); /* LangChain {"type":"human"} */
  static const char *const k_body[] = {"content", "parts", "text", "tool_calls", NULL};
  if (dflt_role && val_of(m, k_body)) return body_message(c, dflt_role, m, b);
  return corpus_bad(b, "missing_field", "a message has no role");
}
