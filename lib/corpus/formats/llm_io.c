/* llm_io.c: the shapes around messages in logged LLM calls: message lists (nested, as JSON
 * text, as lists of JSON texts), requests (OpenAI chat {messages}, Anthropic {system,
 * messages}, Responses {instructions, input}, Gemini {contents}, Vercel {system, prompt},
 * LangChain {prompts}) and responses (OpenAI {choices}, LangChain {generations}, Gemini
 * {candidates}, Responses and Bedrock {output}, Anthropic {content}, {message} wrappers);
 * tool definitions. Messages themselves are read by llm_blocks.c. */
#include <string.h>

#include "llm_io.h"

bool llm_conv_init(struct llm_conv *c, const char *id_base) {
  memset(c, 0, sizeof *c);
  c->id_base = id_base;
  c->msgs = json_array();
  c->pending = json_array();
  return c->msgs && c->pending;
}

void llm_conv_release(struct llm_conv *c) {
  json_decref(c->msgs);
  json_decref(c->tools);
  json_decref(c->alts);
  json_decref(c->pending);
  ds_free(c->model);
  memset(c, 0, sizeof *c);
}

static void set_model(struct llm_conv *c, const json_t *v) {
  if (c->model || !json_is_string(v) || !json_string_length(v)) return;
  c->model = ds_strdup(json_string_value(v));
}

/* Keys of o for a message ("keys: a, b, c"). */
static void keys_of(const json_t *o, char *out, size_t n) {
  size_t k = 0;
  out[0] = '\0';
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)o, key, v) {
    int w = snprintf(out + k, n - k, "%s%.30s", k ? ", " : "", key);
    if (w < 0 || (size_t)w >= n - k) break;
    k += (size_t)w;
  }
}

static enum ds_status unknown(const json_t *v, const char *what, struct ds_bad_record *b) {
  char keys[160] = "";
  if (json_is_object(v)) keys_of(v, keys, sizeof keys);
  return corpus_bad(b, "unknown_shape", "%s is not a shape depsim reads (%s%s)", what,
                    json_is_object(v) ? "keys: " : "a JSON ", json_is_object(v) ? keys
                    : json_is_array(v) ? "array" : json_is_string(v) ? "string" : "scalar");
}

/* A system prompt given apart from the messages: text or a list of text blocks. */
static enum ds_status system_prompt(struct llm_conv *c, const json_t *sys, const char *role, struct ds_bad_record *b) {
  if (!sys || json_is_null(sys) || (json_is_string(sys) && !json_string_length(sys))) return DS_OK;
  if (json_is_object(sys) && json_is_array(json_object_get(sys, "parts"))) sys = json_object_get(sys, "parts");
  return llm_parts_message(c, role, sys, NULL, b);
}

static enum ds_status add_tools(struct llm_conv *c, const json_t *defs) {
  if (c->tools || !defs) return DS_OK;
  json_t *t = llm_tools(defs);
  c->tools = t;
  return DS_OK;
}

/* A list of messages: [[...]] (a LangChain batch: the first), JSON texts, message objects. */
static enum ds_status message_list(struct llm_conv *c, const json_t *arr, const char *dflt_role,
                                   struct ds_bad_record *b) {
  if (json_array_size(arr) && json_is_array(json_array_get(arr, 0))) arr = json_array_get(arr, 0);
  size_t i;
  const json_t *m;
  json_array_foreach(arr, i, m) {
    enum ds_status st = llm_message(c, m, dflt_role, b);
    if (st) return st;
  }
  return DS_OK;
}

/* {messages} may hold the list as JSON text. */
static enum ds_status messages_value(struct llm_conv *c, const json_t *v, const char *dflt_role,
                                     struct ds_bad_record *b) {
  json_t *parsed = llm_json_text(v);
  const json_t *list = parsed ? parsed : v;
  enum ds_status st;
  if (json_is_array(list)) st = message_list(c, list, dflt_role, b);
  else if (json_is_object(list)) st = llm_message(c, list, dflt_role, b);
  else if (json_is_string(list)) st = llm_message(c, list, dflt_role, b);
  else st = corpus_bad(b, "wrong_type", "\"messages\" is not a list");
  json_decref(parsed);
  return st;
}

enum ds_status llm_input(struct llm_conv *c, const json_t *v, struct ds_bad_record *b) {
  if (!v || json_is_null(v)) return DS_OK;
  if (json_is_string(v)) {
    json_t *p = llm_json_text(v);
    if (p) {
      enum ds_status st = llm_input(c, p, b);
      json_decref(p);
      return st;
    }
    return json_string_length(v) ? llm_parts_message(c, "user", v, NULL, b) : DS_OK;
  }
  if (json_is_array(v)) return message_list(c, v, "user", b);
  if (!json_is_object(v)) return unknown(v, "the input", b);
  enum ds_status st;
  set_model(c, json_object_get(v, "model"));
  add_tools(c, json_object_get(v, "tools"));
  const json_t *msgs = json_object_get(v, "messages");
  if (msgs && !json_is_null(msgs)) {
    /* OpenAI / Anthropic / Bedrock request; Anthropic and Bedrock keep the system prompt apart */
    if ((st = system_prompt(c, json_object_get(v, "system"), "system", b))) return st;
    return messages_value(c, msgs, "user", b);
  }
  const json_t *input = json_object_get(v, "input");
  if (input && !json_is_null(input)) {
    /* OpenAI Responses request */
    if ((st = system_prompt(c, json_object_get(v, "instructions"), "developer", b))) return st;
    return json_is_array(input) ? message_list(c, input, "user", b) : llm_input(c, input, b);
  }
  const json_t *contents = json_object_get(v, "contents");
  if (contents) {
    /* Gemini: system instruction at the top or in config */
    const json_t *cfg = json_object_get(v, "config");
    static const char *const k_sys[] = {"system_instruction", "systemInstruction", NULL};
    const json_t *sys = NULL;
    for (const char *const *k = k_sys; *k && !sys; k++) {
      sys = json_object_get(v, *k);
      if (!sys) sys = json_object_get(cfg, *k);
    }
    if ((st = system_prompt(c, sys, "system", b))) return st;
    if (json_is_string(contents)) return llm_parts_message(c, "user", contents, NULL, b);
    return message_list(c, contents, "user", b);
  }
  const json_t *prompt = json_object_get(v, "prompt");
  if (prompt) { /* Vercel AI SDK {system, prompt} */
    if ((st = system_prompt(c, json_object_get(v, "system"), "system", b))) return st;
    return json_is_array(prompt) ? message_list(c, prompt, "user", b) : llm_input(c, prompt, b);
  }
  const json_t *kw = json_object_get(v, "kwargs"), *args = json_object_get(v, "args");
  if (json_is_object(kw) && json_object_get(kw, "messages")) return llm_input(c, kw, b); /* a traced function's */
  if (json_is_array(args) && json_array_size(args) && json_is_array(json_array_get(args, 0)) && json_is_object(kw))
    return message_list(c, json_array_get(args, 0), "user", b);
  const json_t *prompts = json_object_get(v, "prompts"); /* LangChain LLM run */
  if (json_is_array(prompts) && json_array_size(prompts)) return llm_input(c, json_array_get(prompts, 0), b);
  if (json_object_get(v, "role") || json_object_get(v, "lc") || json_object_get(v, "type") ||
      json_object_get(v, "parts"))
    return llm_message(c, v, "user", b);
  return unknown(v, "the input", b);
}

/* Output messages: the first assistant answer is the turn, the other choices go to alts;
 * other roles (a tool result the logger put in the output) are kept in order. */
static enum ds_status output_list(struct llm_conv *c, const json_t *arr, struct ds_bad_record *b) {
  if (json_array_size(arr) && json_is_array(json_array_get(arr, 0))) arr = json_array_get(arr, 0);
  /* a bare list of tool calls, or of content blocks with no role: one assistant message */
  static const char *const block_types[] = {"text", "output_text", "tool_use", "tool_call", "tool-call", "thinking",
                                            "redacted_thinking", "image", "image_url", NULL};
  const json_t *first = json_array_get(arr, 0);
  bool roleless = json_is_object(first) && !json_object_get(first, "role") && !json_object_get(first, "lc") &&
                  !json_object_get(first, "kwargs") && !json_object_get(first, "data");
  if (roleless && (json_object_get(first, "function") || json_object_get(first, "toolCallId"))) {
    json_t *wrap = json_pack("{s:s,s:O}", "role", "assistant", "tool_calls", arr);
    enum ds_status st = wrap ? llm_message(c, wrap, "assistant", b) : DS_E_NOMEM;
    json_decref(wrap);
    return st;
  }
  const char *type = ds_json_str(first, "type", NULL);
  for (const char *const *t = block_types; roleless && type && *t; t++)
    if (strcmp(type, *t) == 0) return llm_parts_message(c, "assistant", arr, NULL, b);
  bool answered = false;
  size_t i;
  const json_t *m;
  json_array_foreach(arr, i, m) {
    size_t before = json_array_size(c->msgs);
    json_t *saved = NULL;
    if (answered) { /* a later assistant choice: build it apart */
      saved = c->msgs;
      if (!(c->msgs = json_array())) {
        c->msgs = saved;
        return DS_E_NOMEM;
      }
      before = 0;
    }
    enum ds_status st = llm_message(c, m, "assistant", b);
    if (saved) {
      json_t *alt = c->msgs;
      c->msgs = saved;
      c->open = NULL;
      const json_t *last = json_array_get(alt, json_array_size(alt) - 1);
      if (!st && strcmp(ds_json_str(last, "role", ""), "assistant") == 0) {
        if (!c->alts && !(c->alts = json_array())) st = DS_E_NOMEM;
        else if (json_array_extend(c->alts, alt)) st = DS_E_NOMEM;
      } else if (!st) {
        st = json_array_extend(c->msgs, alt) ? DS_E_NOMEM : DS_OK;
      }
      json_decref(alt);
    }
    if (st) return st;
    for (size_t k = before; !saved && k < json_array_size(c->msgs); k++)
      if (strcmp(ds_json_str(json_array_get(c->msgs, k), "role", ""), "assistant") == 0) answered = true;
  }
  return DS_OK;
}

enum ds_status llm_output(struct llm_conv *c, const json_t *v, struct ds_bad_record *b) {
  if (!v || json_is_null(v)) return DS_OK;
  if (json_is_string(v)) {
    json_t *p = llm_json_text(v);
    if (p) {
      enum ds_status st = llm_output(c, p, b);
      json_decref(p);
      return st;
    }
    return llm_parts_message(c, "assistant", v, NULL, b);
  }
  if (json_is_array(v)) return output_list(c, v, b);
  if (!json_is_object(v)) return unknown(v, "the output", b);
  set_model(c, json_object_get(v, "model"));
  const json_t *choices = json_object_get(v, "choices");
  if (json_is_array(choices)) { /* OpenAI chat completion (or legacy completion: text) */
    json_t *msgs = json_array();
    size_t i;
    const json_t *ch;
    json_array_foreach(choices, i, ch) {
      const json_t *m = json_object_get(ch, "message");
      if (!m) m = json_object_get(ch, "delta");
      json_t *mm = m ? json_deep_copy(m) : json_pack("{s:s,s:O}", "role", "assistant", "content",
                                                     json_object_get(ch, "text") ? json_object_get(ch, "text")
                                                                                  : json_null());
      if (!mm || (json_is_string(json_object_get(ch, "finish_reason")) &&
                  json_object_set(mm, "finish_reason", json_object_get(ch, "finish_reason"))) ||
          json_array_append_new(msgs, mm)) {
        json_decref(mm);
        json_decref(msgs);
        return DS_E_NOMEM;
      }
    }
    enum ds_status st = msgs ? output_list(c, msgs, b) : DS_E_NOMEM;
    json_decref(msgs);
    return st;
  }
  const json_t *gens = json_object_get(v, "generations");
  if (json_is_array(gens)) { /* LangChain LLMResult */
    set_model(c, json_object_get(json_object_get(v, "llm_output"), "model_name"));
    const json_t *g = json_array_get(gens, 0);
    if (json_is_array(g)) g = json_array_get(g, 0);
    const json_t *m = json_object_get(g, "message");
    if (m) {
      set_model(c, json_object_get(json_object_get(json_object_get(m, "kwargs"), "response_metadata"), "model_name"));
      return llm_message(c, m, "assistant", b);
    }
    const json_t *t = json_object_get(g, "text");
    return json_is_string(t) ? llm_parts_message(c, "assistant", t, NULL, b) : unknown(v, "the output", b);
  }
  const json_t *cands = json_object_get(v, "candidates");
  if (json_is_array(cands)) { /* Gemini */
    set_model(c, json_object_get(v, "modelVersion"));
    const json_t *content = json_object_get(json_array_get(cands, 0), "content");
    return llm_parts_message(c, "assistant", json_object_get(content, "parts"), NULL, b);
  }
  const json_t *out = json_object_get(v, "output");
  if (json_is_array(out)) { /* OpenAI Responses */
    size_t i;
    const json_t *it;
    c->open = NULL;
    json_array_foreach(out, i, it) {
      enum ds_status st = llm_message(c, it, "assistant", b);
      if (st) return st;
    }
    c->open = NULL;
    return DS_OK;
  }
  if (json_is_object(out) && json_is_object(json_object_get(out, "message"))) /* Bedrock Converse */
    return llm_message(c, json_object_get(out, "message"), "assistant", b);
  const json_t *content = json_object_get(v, "content");
  if (json_is_object(content) && json_is_array(json_object_get(content, "parts"))) /* Google ADK LlmResponse */
    return llm_parts_message(c, "assistant", json_object_get(content, "parts"), NULL, b);
  if (json_is_array(json_object_get(v, "content")) || json_object_get(v, "role") || json_object_get(v, "lc") ||
      json_object_get(v, "parts") || json_object_get(v, "tool_calls"))
    return llm_message(c, v, "assistant", b); /* Anthropic response, a single message */
  const json_t *msg = json_object_get(v, "message");
  if (json_is_object(msg)) return llm_message(c, msg, "assistant", b); /* Ollama, Cohere */
  const json_t *completion = json_object_get(v, "completion");
  if (json_is_string(completion)) {
    json_t *m = json_pack("{s:s,s:O}", "role", "assistant", "content", completion);
    const json_t *r = json_object_get(v, "reasoning");
    if (m && json_is_string(r)) json_object_set(m, "reasoning", (json_t *)r);
    enum ds_status st = m ? llm_message(c, m, "assistant", b) : DS_E_NOMEM;
    json_decref(m);
    return st;
  }
  static const char *const k_text[] = {"text", "output", "content", "answer", NULL};
  for (const char *const *k = k_text; *k; k++) {
    const json_t *t = json_object_get(v, *k);
    if (json_is_string(t)) return llm_parts_message(c, "assistant", t, NULL, b);
  }
  return unknown(v, "the output", b);
}

/* ---- tool definitions ------------------------------------------------------------------ */

static enum ds_status tool_def(json_t *out, const json_t *d) {
  if (!json_is_object(d)) return DS_OK;
  const json_t *decls = json_object_get(d, "functionDeclarations");
  if (!decls) decls = json_object_get(d, "function_declarations");
  if (json_is_array(decls)) { /* Gemini */
    size_t i;
    const json_t *x;
    json_array_foreach(decls, i, x) if (tool_def(out, x)) return DS_E_NOMEM;
    return DS_OK;
  }
  const json_t *spec = json_object_get(d, "toolSpec"); /* Bedrock */
  if (json_is_object(spec)) d = spec;
  if (json_is_object(json_object_get(d, "function")))
    return json_array_append(out, (json_t *)d) ? DS_E_NOMEM : DS_OK;
  const json_t *name = json_object_get(d, "name");
  if (!json_is_string(name)) /* a built-in tool ({"type":"code_interpreter"}) is kept; nothing else */
    return json_is_string(json_object_get(d, "type")) && json_array_append(out, (json_t *)d) ? DS_E_NOMEM : DS_OK;
  json_t *fn = json_object();
  json_t *t = json_pack("{s:s,s:o}", "type", "function", "function", fn);
  if (!fn || !t) {
    json_decref(t);
    return DS_E_NOMEM;
  }
  json_object_set(fn, "name", (json_t *)name);
  const json_t *desc = json_object_get(d, "description");
  if (json_is_string(desc)) json_object_set(fn, "description", (json_t *)desc);
  static const char *const k_params[] = {"parameters", "input_schema", "inputSchema", "json_schema", NULL};
  for (const char *const *k = k_params; *k; k++) {
    const json_t *p = json_object_get(d, *k);
    if (json_is_object(p) && json_is_object(json_object_get(p, "json"))) p = json_object_get(p, "json");
    json_t *parsed = llm_json_text(p);
    if (parsed || json_is_object(p)) {
      json_object_set_new(fn, "parameters", parsed ? parsed : json_incref((json_t *)p));
      break;
    }
  }
  return json_array_append_new(out, t) ? DS_E_NOMEM : DS_OK;
}

json_t *llm_tools(const json_t *defs) {
  json_t *parsed = llm_json_text(defs);
  if (parsed) defs = parsed;
  json_t *out = json_array();
  if (out && json_is_array(defs)) {
    size_t i;
    const json_t *d;
    json_array_foreach(defs, i, d) if (tool_def(out, d)) {
      json_decref(out);
      out = NULL;
      break;
    }
  } else if (out && json_is_object(defs) && !json_object_get(defs, "name") && !json_object_get(defs, "function") &&
             !json_object_get(defs, "type") && !json_object_get(defs, "functionDeclarations")) {
    /* {name: {description, parameters}} */
    const char *k;
    const json_t *d;
    json_object_foreach((json_t *)defs, k, d) {
      json_t *named = json_is_object(d) ? json_deep_copy(d) : NULL;
      if (named && !json_object_get(named, "name")) json_object_set_new(named, "name", json_string(k));
      enum ds_status st = named ? tool_def(out, named) : DS_OK;
      json_decref(named);
      if (st) {
        json_decref(out);
        out = NULL;
        break;
      }
    }
  } else if (out && json_is_object(defs) && tool_def(out, defs)) {
    json_decref(out);
    out = NULL;
  }
  json_decref(parsed);
  if (out && json_array_size(out) == 0) {
    json_decref(out);
    out = NULL;
  }
  return out;
}
