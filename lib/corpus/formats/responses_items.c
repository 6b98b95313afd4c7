/* responses_items.c: OpenAI Responses API items to canonical chat messages, for the Codex
 * and OpenAI Responses readers. Messages keep their role; reasoning goes to the assistant
 * message's "reasoning" (encrypted reasoning is left out, "reasoning_redacted": true); every
 * call the model makes (function, custom, shell, hosted tools) is an assistant tool call, and
 * its result a tool message. Consecutive model items (reasoning, text, calls) of one step make
 * one assistant message, as Chat Completions would have returned them. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "responses_items.h"

void ri_init(struct ri_conv *c, json_t *msgs, bool codex) {
  memset(c, 0, sizeof *c);
  c->msgs = msgs;
  c->codex = codex;
  c->open = -1;
}

void ri_release(struct ri_conv *c) {
  json_decref(c->unpaired);
  c->unpaired = NULL;
}

bool ri_known_type(const char *t) {
  static const char *const types[] = {
      "message",          "reasoning",             "function_call",        "function_call_output",
      "custom_tool_call", "custom_tool_call_output", "mcp_call",           "local_shell_call",
      "local_shell_call_output", "shell_call",     "shell_call_output",    "apply_patch_call",
      "apply_patch_call_output", "computer_call",  "computer_call_output", "tool_search_call",
      "tool_search_output", "web_search_call",     "file_search_call",     "code_interpreter_call",
      "image_generation_call", "mcp_list_tools",   "mcp_approval_request", "mcp_approval_response",
      "compaction",       "compaction_summary",    "item_reference",       "ghost_snapshot",
      "program",
  };
  for (size_t i = 0; t && i < DS_ARRAY_LEN(types); i++)
    if (!strcmp(t, types[i])) return true;
  return false;
}

const char *ri_type(const json_t *item) {
  const char *t = ds_json_str(item, "type", NULL);
  if (!t && json_is_string(json_object_get(item, "role"))) return "message";
  return t ? t : "";
}

/* Codex's contextual user fragments (codex-rs core contextual_user_message.rs and
 * protocol instruction_markers.rs): injected by the harness, not typed by the user. */
bool ri_codex_context_text(const char *text) {
  static const char *const prefixes[] = {
      "# AGENTS.md instructions", "<user_instructions>", "<environment_context>", "<skill",
      "<user_shell_command>",     "<turn_aborted>",      "<subagent_notification>", "<subagents>",
      "<collaboration_mode>",     "<permissions instructions>",
  };
  while (*text && isspace((unsigned char)*text)) text++;
  for (size_t i = 0; i < DS_ARRAY_LEN(prefixes); i++)
    if (strncasecmp(text, prefixes[i], strlen(prefixes[i])) == 0) return true;
  return false;
}

/* ---- content ------------------------------------------------------------------------ */

static const char *part_text(const json_t *p) {
  const char *t = ds_json_str(p, "type", "");
  if (!strcmp(t, "input_text") || !strcmp(t, "output_text") || !strcmp(t, "text") || !strcmp(t, "summary_text") ||
      !strcmp(t, "reasoning_text"))
    return ds_json_str(p, "text", NULL);
  if (!strcmp(t, "refusal")) return ds_json_str(p, "refusal", NULL);
  return NULL;
}

/* One non-text Responses part as a chat part (new), or NULL. */
static json_t *chat_part(const json_t *p) {
  const char *t = ds_json_str(p, "type", "");
  if (!strcmp(t, "input_image") || !strcmp(t, "computer_screenshot")) {
    const char *url = ds_json_str(p, "image_url", NULL);
    const char *fid = ds_json_str(p, "file_id", NULL);
    json_t *img = json_object();
    if (!img) return NULL;
    if (url) json_object_set_new(img, "url", json_string(url));
    else if (fid) json_object_set_new(img, "file_id", json_string(fid));
    const json_t *detail = json_object_get(p, "detail");
    if (json_is_string(detail)) json_object_set(img, "detail", (json_t *)detail);
    return json_pack("{s:s,s:o}", "type", "image_url", "image_url", img);
  }
  if (!strcmp(t, "input_file")) {
    json_t *f = json_object();
    if (!f) return NULL;
    static const char *const keys[] = {"file_id", "filename", "file_data", "file_url"};
    for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) {
      const json_t *v = json_object_get(p, keys[i]);
      if (json_is_string(v)) json_object_set(f, keys[i], (json_t *)v);
    }
    return json_pack("{s:s,s:o}", "type", "file", "file", f);
  }
  return json_deep_copy(p); /* input_audio and parts of later versions: kept as they are */
}

json_t *ri_content(const json_t *content) {
  if (json_is_string(content)) return json_incref((json_t *)content);
  if (!json_is_array(content)) return NULL;
  size_t i;
  const json_t *p;
  bool all_text = true;
  json_array_foreach(content, i, p) {
    if (json_is_string(p)) continue;
    if (!json_is_object(p) || !part_text(p)) all_text = false;
  }
  if (all_text) {
    struct ds_buf b;
    ds_buf_init(&b, 0);
    json_array_foreach(content, i, p) {
      const char *t = json_is_string(p) ? json_string_value(p) : part_text(p);
      if ((i && ds_buf_addc(&b, '\n')) || ds_buf_adds(&b, t)) {
        ds_buf_release(&b);
        return NULL;
      }
    }
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    ds_buf_release(&b);
    return s;
  }
  json_t *arr = json_array();
  if (!arr) return NULL;
  json_array_foreach(content, i, p) {
    json_t *q;
    const char *t = json_is_string(p) ? json_string_value(p) : json_is_object(p) ? part_text(p) : NULL;
    if (t) q = json_pack("{s:s,s:s}", "type", "text", "text", t);
    else if (json_is_object(p)) q = chat_part(p);
    else continue;
    if (!q || json_array_append_new(arr, q)) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

/* ---- messages ------------------------------------------------------------------------ */

static json_t *open_msg(struct ri_conv *c) { return c->open >= 0 ? json_array_get(c->msgs, (size_t)c->open) : NULL; }

void ri_close(struct ri_conv *c) {
  json_t *m = open_msg(c);
  if (m && json_is_null(json_object_get(m, "content")) && !json_object_get(m, "tool_calls"))
    json_object_set_new(m, "content", json_string(""));
  c->open = -1;
}

static enum ds_status append(struct ri_conv *c, json_t *m, const json_t *time) {
  if (!m) return DS_E_NOMEM;
  if (time && !json_is_null(time) && json_object_set(m, "time", (json_t *)time)) {
    json_decref(m);
    return DS_E_NOMEM;
  }
  return json_array_append_new(c->msgs, m) ? DS_E_NOMEM : DS_OK;
}

/* The open assistant message for a part of kind: "text" and "reasoning" need one that has
 * neither text nor tool calls yet (else a new step begins), "call" takes any open one. */
static json_t *assistant_for(struct ri_conv *c, const char *kind, const json_t *time) {
  json_t *m = open_msg(c);
  if (m) {
    bool has_text = !json_is_null(json_object_get(m, "content"));
    bool has_calls = json_object_get(m, "tool_calls") != NULL;
    if (!strcmp(kind, "call") || (!has_text && !has_calls)) return m;
    ri_close(c);
  }
  if (append(c, fmt_message("assistant", NULL), time)) return NULL;
  c->open = (long)json_array_size(c->msgs) - 1;
  return json_array_get(c->msgs, (size_t)c->open);
}

static enum ds_status add_message(struct ri_conv *c, const json_t *it, const json_t *time, struct ds_bad_record *bad) {
  const char *role = ds_json_str(it, "role", NULL);
  if (!role) return corpus_bad(bad, "missing_field", "message item has no \"role\"");
  if (strcmp(role, "user") && strcmp(role, "assistant") && strcmp(role, "system") && strcmp(role, "developer"))
    return corpus_bad(bad, "unknown_role", "message item has role \"%.40s\" (expected user, assistant, system or developer)",
                      role);
  const json_t *content = json_object_get(it, "content");
  json_t *text = content && !json_is_null(content) ? ri_content(content) : json_string("");
  if (!text) {
    if (content && !json_is_string(content) && !json_is_array(content))
      return corpus_bad(bad, "wrong_type", "message item: \"content\" is not a string or a list of parts");
    return DS_E_NOMEM;
  }
  if (!strcmp(role, "assistant")) {
    json_t *m = assistant_for(c, "text", time);
    if (!m || json_object_set_new(m, "content", text)) return DS_E_NOMEM;
    /* a refusal part is also kept apart, and Codex's commentary/final_answer phase */
    size_t i;
    const json_t *p;
    json_array_foreach(content, i, p) {
      const char *r = !strcmp(ds_json_str(p, "type", ""), "refusal") ? ds_json_str(p, "refusal", NULL) : NULL;
      if (r && json_object_set_new(m, "refusal", json_string(r))) return DS_E_NOMEM;
    }
    const json_t *phase = json_object_get(it, "phase");
    if (json_is_string(phase) && json_object_set(m, "phase", (json_t *)phase)) return DS_E_NOMEM;
    return DS_OK;
  }
  ri_close(c);
  json_t *m = json_object();
  if (!m || json_object_set_new(m, "role", json_string(role)) || json_object_set_new(m, "content", text)) {
    json_decref(m);
    return DS_E_NOMEM;
  }
  if (c->codex && !strcmp(role, "user")) {
    bool ctx = false;
    if (json_is_string(content)) ctx = ri_codex_context_text(json_string_value(content));
    size_t i;
    const json_t *p;
    json_array_foreach(content, i, p) {
      const char *t = part_text(p);
      ctx |= t && ri_codex_context_text(t);
    }
    if (ctx && json_object_set_new(m, "context", json_true())) {
      json_decref(m);
      return DS_E_NOMEM;
    }
  }
  return append(c, m, time);
}

static enum ds_status add_reasoning(struct ri_conv *c, const json_t *it, const json_t *time) {
  json_t *m = assistant_for(c, "reasoning", time);
  if (!m) return DS_E_NOMEM;
  static const char *const lists[] = {"summary", "content"};
  for (size_t k = 0; k < DS_ARRAY_LEN(lists); k++) {
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(it, lists[k]), i, p) {
      const char *t = json_is_string(p) ? json_string_value(p) : part_text(p);
      if (t && fmt_add_reasoning(m, t)) return DS_E_NOMEM;
    }
  }
  const json_t *enc = json_object_get(it, "encrypted_content");
  if (json_is_string(enc) && json_string_length(enc) > 0 && json_object_set_new(m, "reasoning_redacted", json_true()))
    return DS_E_NOMEM;
  return DS_OK;
}

/* A call id: the item's call_id, else its id, else one made up ("<type>_<n>"). */
static const char *call_id(struct ri_conv *c, const json_t *it, const char *type, char *buf, size_t n) {
  const char *id = ds_json_str(it, "call_id", NULL);
  if (!id || !*id) id = ds_json_str(it, "id", NULL);
  if (id && *id) return id;
  snprintf(buf, n, "%s_%u", type, ++c->n_synth);
  return buf;
}

static enum ds_status add_call(struct ri_conv *c, const char *id, const char *name, const json_t *args,
                               const json_t *time) {
  json_t *m = assistant_for(c, "call", time);
  if (!m) return DS_E_NOMEM;
  return fmt_add_tool_call(m, id, name, args);
}

static enum ds_status add_result(struct ri_conv *c, const char *id, json_t *content, const json_t *time) {
  ri_close(c);
  if (!content) return DS_E_NOMEM;
  json_t *m = json_object();
  if (!m || json_object_set_new(m, "role", json_string("tool")) || json_object_set_new(m, "tool_call_id", json_string(id)) ||
      json_object_set_new(m, "content", content)) {
    if (!m) json_decref(content);
    json_decref(m);
    return DS_E_NOMEM;
  }
  return append(c, m, time);
}

/* A tool output: a string, a list of parts, Codex's old {content, success}, or other JSON. */
static json_t *output_content(const json_t *out) {
  if (!out || json_is_null(out)) return json_string("");
  if (json_is_string(out) || json_is_array(out)) {
    json_t *v = ri_content(out);
    if (v || !json_is_array(out)) return v;
  }
  if (json_is_object(out) && json_is_string(json_object_get(out, "content")))
    return json_incref(json_object_get(out, "content"));
  if (json_is_object(out) && json_object_get(out, "type")) {
    json_t *one = json_pack("[O]", out);
    json_t *v = one ? ri_content(one) : NULL;
    json_decref(one);
    return v;
  }
  char *t = ds_json_canonical(out);
  json_t *s = t ? json_string(t) : NULL;
  ds_free(t);
  return s;
}

/* shell_call_output: [{stdout, stderr, outcome: {type: exit, exit_code} | {type: timeout}}] */
static json_t *shell_output(const json_t *out) {
  if (!json_is_array(out)) return output_content(out);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  size_t i;
  const json_t *o;
  json_array_foreach(out, i, o) {
    const char *so = ds_json_str(o, "stdout", ""), *se = ds_json_str(o, "stderr", "");
    const json_t *oc = json_object_get(o, "outcome");
    ds_buf_adds(&b, so);
    if (*se) ds_buf_addf(&b, "%s%s", b.len && b.data[b.len - 1] != '\n' ? "\n" : "", se);
    if (!strcmp(ds_json_str(oc, "type", ""), "timeout")) ds_buf_adds(&b, "\n[timed out]");
    else if (json_integer_value(json_object_get(oc, "exit_code")))
      ds_buf_addf(&b, "\n[exit code %" JSON_INTEGER_FORMAT "]", json_integer_value(json_object_get(oc, "exit_code")));
  }
  json_t *s = json_stringn(b.data ? b.data : "", b.len);
  ds_buf_release(&b);
  return s;
}

/* The text a hosted tool's call item carries as its result. */
static json_t *hosted_result(const char *type, const json_t *it) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  size_t i;
  const json_t *o;
  if (!strcmp(type, "web_search_call")) {
    json_array_foreach(json_object_get(json_object_get(it, "action"), "sources"), i, o)
        ds_buf_addf(&b, "%s%s", b.len ? "\n" : "", ds_json_str(o, "url", ""));
  } else if (!strcmp(type, "code_interpreter_call")) {
    json_array_foreach(json_object_get(it, "outputs"), i, o) {
      const char *logs = ds_json_str(o, "logs", NULL);
      ds_buf_addf(&b, "%s%s", b.len ? "\n" : "", logs ? logs : "[image]");
    }
  } else if (!strcmp(type, "image_generation_call")) {
    if (json_is_string(json_object_get(it, "result"))) ds_buf_adds(&b, "[image]");
  } else if (!strcmp(type, "mcp_call")) {
    const char *out = ds_json_str(it, "output", NULL), *e = ds_json_str(it, "error", NULL);
    if (out) ds_buf_adds(&b, out);
    else if (e) ds_buf_addf(&b, "error: %s", e);
  } else if (!strcmp(type, "file_search_call")) {
    const json_t *r = json_object_get(it, "results");
    ds_buf_release(&b);
    return json_is_array(r) ? output_content(r) : json_string("");
  }
  json_t *s = json_stringn(b.data ? b.data : "", b.len);
  ds_buf_release(&b);
  return s;
}

/* Arguments of a hosted or built-in call: the item without the keys that are not the call's
 * input (ids, status, results). New. */
static json_t *args_without(const json_t *v, const char *const *drop) {
  if (!json_is_object(v)) return json_object();
  json_t *a = json_deep_copy(v);
  for (; a && *drop; drop++) json_object_del(a, *drop);
  return a;
}

enum ds_status ri_add(struct ri_conv *c, const json_t *it, const json_t *time, enum ri_kind *kind,
                      struct ds_bad_record *bad) {
  *kind = RI_MESSAGE;
  if (!json_is_object(it)) return corpus_bad(bad, "wrong_type", "item is not an object");
  const char *t = ri_type(it);
  char idbuf[64];
  enum ds_status st;
  if (!strcmp(t, "message")) return add_message(c, it, time, bad);
  if (!strcmp(t, "reasoning")) return add_reasoning(c, it, time);
  if (!strcmp(t, "function_call") || !strcmp(t, "custom_tool_call") || !strcmp(t, "mcp_call")) {
    const char *name = ds_json_str(it, "name", NULL);
    if (!name || !*name) return corpus_bad(bad, "bad_tool_call", "%s item has no \"name\"", t);
    const char *id = call_id(c, it, t, idbuf, sizeof idbuf);
    json_t *args;
    if (!strcmp(t, "custom_tool_call")) {
      /* free-form input (apply_patch's patch): kept as {"input": TEXT}, the shape of Codex's
       * JSON apply_patch tool, so graders read both the same way */
      args = json_pack("{s:s}", "input", ds_json_str(it, "input", ""));
    } else {
      const json_t *a = json_object_get(it, "arguments");
      args = json_is_string(a) || json_is_object(a) || json_is_array(a) ? json_incref((json_t *)a) : json_string("{}");
    }
    if (!args) return DS_E_NOMEM;
    st = add_call(c, id, name, args, time);
    json_decref(args);
    if (st) return st;
    json_t *m = open_msg(c);
    json_t *tc = m ? json_array_get(json_object_get(m, "tool_calls"), json_array_size(json_object_get(m, "tool_calls")) - 1) : NULL;
    const char *extra[] = {"namespace", "server_label"};
    for (size_t i = 0; tc && i < DS_ARRAY_LEN(extra); i++) {
      const json_t *v = json_object_get(it, extra[i]);
      if (json_is_string(v) && json_object_set(tc, extra[i], (json_t *)v)) return DS_E_NOMEM;
    }
    if (!strcmp(t, "mcp_call")) return add_result(c, id, hosted_result(t, it), time);
    return DS_OK;
  }
  /* built-in and hosted tools: the call, then (hosted) the result the item carries */
  static const struct {
    const char *type, *name;
    bool hosted;
  } builtin[] = {
      {"local_shell_call", "local_shell", false}, {"shell_call", "shell", false},
      {"apply_patch_call", "apply_patch", false}, {"computer_call", "computer", false},
      {"tool_search_call", "tool_search", false}, {"web_search_call", "web_search", true},
      {"file_search_call", "file_search", true},  {"code_interpreter_call", "code_interpreter", true},
      {"image_generation_call", "image_generation", true}, {"program", "program", false},
  };
  for (size_t k = 0; k < DS_ARRAY_LEN(builtin); k++) {
    if (strcmp(t, builtin[k].type)) continue;
    const char *id = call_id(c, it, t, idbuf, sizeof idbuf);
    json_t *args;
    static const char *const drop_web[] = {"sources", NULL};
    static const char *const drop_code[] = {"type", "id", "call_id", "status", "outputs", "fingerprint", NULL};
    static const char *const drop_img[] = {"type", "id", "status", "result", NULL};
    static const char *const none[] = {NULL};
    if (!strcmp(t, "local_shell_call") || !strcmp(t, "shell_call") || !strcmp(t, "computer_call") ||
        !strcmp(t, "web_search_call"))
      args = args_without(json_object_get(it, "action"), !strcmp(t, "web_search_call") ? drop_web : none);
    else if (!strcmp(t, "apply_patch_call")) args = args_without(json_object_get(it, "operation"), none);
    else if (!strcmp(t, "tool_search_call")) args = args_without(json_object_get(it, "arguments"), none);
    else if (!strcmp(t, "file_search_call")) args = json_pack("{s:O?}", "queries", json_object_get(it, "queries"));
    else if (!strcmp(t, "code_interpreter_call") || !strcmp(t, "program")) args = args_without(it, drop_code);
    else args = args_without(it, drop_img);
    if (!args) return DS_E_NOMEM;
    st = add_call(c, id, builtin[k].name, args, time);
    json_decref(args);
    if (st) return st;
    if (!strcmp(t, "tool_search_call") && !ds_json_str(it, "call_id", NULL)) {
      if (!c->unpaired && !(c->unpaired = json_array())) return DS_E_NOMEM;
      if (json_array_append_new(c->unpaired, json_string(id))) return DS_E_NOMEM;
    }
    if (builtin[k].hosted) return add_result(c, id, hosted_result(t, it), time);
    return DS_OK;
  }
  /* results of calls made before */
  if (!strcmp(t, "function_call_output") || !strcmp(t, "custom_tool_call_output") ||
      !strcmp(t, "local_shell_call_output") || !strcmp(t, "shell_call_output") ||
      !strcmp(t, "apply_patch_call_output") || !strcmp(t, "computer_call_output") ||
      !strcmp(t, "tool_search_output")) {
    const char *id = ds_json_str(it, "call_id", NULL);
    if ((!id || !*id) && !strcmp(t, "tool_search_output") && json_array_size(c->unpaired)) {
      snprintf(idbuf, sizeof idbuf, "%s", json_string_value(json_array_get(c->unpaired, 0)));
      json_array_remove(c->unpaired, 0);
      id = idbuf;
    }
    if (!id || !*id) id = ds_json_str(it, "id", NULL); /* local_shell_call_output names its call by id */
    if (!id || !*id) return corpus_bad(bad, "missing_field", "%s item has no \"call_id\"", t);
    json_t *content;
    if (!strcmp(t, "shell_call_output")) content = shell_output(json_object_get(it, "output"));
    else if (!strcmp(t, "tool_search_output")) content = output_content(json_object_get(it, "tools"));
    else if (!strcmp(t, "apply_patch_call_output") && !json_is_string(json_object_get(it, "output")))
      content = json_string(ds_json_str(it, "status", ""));
    else content = output_content(json_object_get(it, "output"));
    return add_result(c, id, content, time);
  }
  static const char *const omitted[] = {"mcp_list_tools", "mcp_approval_request", "mcp_approval_response",
                                        "compaction",     "compaction_summary",   "item_reference",
                                        "ghost_snapshot"};
  for (size_t k = 0; k < DS_ARRAY_LEN(omitted); k++) {
    if (!strcmp(t, omitted[k])) {
      *kind = RI_OMITTED;
      return DS_OK;
    }
  }
  *kind = RI_UNKNOWN;
  return DS_OK;
}
