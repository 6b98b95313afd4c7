/* batch.c: requests written to a file for a batch service instead of sent: the OpenAI Batch API
 * input line (the file vLLM's run_batch reads too) and the request of Anthropic's Message
 * Batches (its Messages API form: system apart, content blocks, tool_use / tool_result). Their
 * outputs come back through the file backend (file.c), matched by custom_id. */
#include <string.h>

#include "backend/backend_ops.h"

enum ds_status ds_batch_format_parse(const char *s, enum ds_batch_format *out, struct ds_err *err) {
  if (s && strcmp(s, "openai") == 0) *out = DS_BATCH_OPENAI;
  else if (s && strcmp(s, "anthropic") == 0) *out = DS_BATCH_ANTHROPIC;
  else return ds_fail(err, DS_E_INVALID, "batch format '%s': expected openai or anthropic", s ? s : "");
  return DS_OK;
}

const char *ds_batch_format_name(enum ds_batch_format f) { return f == DS_BATCH_ANTHROPIC ? "anthropic" : "openai"; }

static bool id_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

enum ds_status ds_batch_custom_id(enum ds_batch_format f, const char *key, unsigned k, char *out, size_t len,
                                  struct ds_err *err) {
  char raw[1024];
  int n = snprintf(raw, sizeof raw, "%s#%u", key, k);
  if (n < 0 || (size_t)n >= sizeof raw) return ds_fail(err, DS_E_INVALID, "prefix key too long for a custom_id: %.60s...", key);
  if (f == DS_BATCH_OPENAI) {
    if ((size_t)n >= len) return ds_fail(err, DS_E_INVALID, "custom_id %s is too long", raw);
    memcpy(out, raw, (size_t)n + 1);
    return DS_OK;
  }
  /* Anthropic: ^[a-zA-Z0-9_-]{1,64}$; '_' escapes every other byte (and itself) as _XX */
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
    size_t need = id_char(*p) ? 1 : 3;
    if (o + need >= len || o + need > 64)
      return ds_fail(err, DS_E_INVALID,
                     "custom_id of %s is longer than the 64 characters Anthropic's Message Batches allow", raw);
    if (need == 1) {
      out[o++] = (char)*p;
    } else {
      out[o++] = '_';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
  return DS_OK;
}

/* ---- Anthropic's Messages form ---- */

/* Text of an OpenAI content value (a string or a list of {"type":"text","text"} parts). */
static void content_text(const json_t *c, struct ds_buf *out) {
  if (json_is_string(c)) {
    ds_buf_adds(out, json_string_value(c));
    return;
  }
  size_t i;
  const json_t *part;
  json_array_foreach(c, i, part) {
    const char *t = ds_json_str(part, "text", NULL);
    if (t) ds_buf_adds(out, t);
  }
}

/* Appends content blocks to the last message of role, or a new message. */
static json_t *message_for(json_t *msgs, const char *role) {
  json_t *last = json_array_get(msgs, json_array_size(msgs) ? json_array_size(msgs) - 1 : 0);
  if (last && strcmp(ds_json_str(last, "role", ""), role) == 0) return json_object_get(last, "content");
  json_t *blocks = json_array();
  json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", role, "content", blocks));
  return blocks;
}

static enum ds_status anthropic_params(const char *model, const struct ds_request *req, const json_t *messages,
                                       json_t **out, struct ds_err *err) {
  json_t *p = json_object(), *msgs = json_array();
  struct ds_buf sys, txt;
  ds_buf_init(&sys, 0);
  ds_buf_init(&txt, 0);
  enum ds_status st = DS_OK;
  size_t i;
  const json_t *m;
  json_array_foreach(messages, i, m) {
    const char *role = ds_json_str(m, "role", "");
    ds_buf_reset(&txt);
    content_text(json_object_get(m, "content"), &txt);
    if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) { /* the system prompt is a parameter */
      if (sys.len) ds_buf_adds(&sys, "\n\n");
      ds_buf_adds(&sys, txt.data);
    } else if (strcmp(role, "user") == 0) {
      if (txt.len) json_array_append_new(message_for(msgs, "user"), json_pack("{s:s,s:s}", "type", "text", "text", txt.data));
    } else if (strcmp(role, "assistant") == 0) {
      json_t *blocks = message_for(msgs, "assistant");
      if (txt.len) json_array_append_new(blocks, json_pack("{s:s,s:s}", "type", "text", "text", txt.data));
      json_t *calls = chat_tool_calls_flatten(json_object_get(m, "tool_calls"));
      size_t j;
      const json_t *tc;
      json_array_foreach(calls, j, tc) {
        json_t *input = json_loads(ds_json_str(tc, "arguments", "{}"), 0, NULL);
        if (!json_is_object(input)) {
          json_decref(input);
          input = json_object();
        }
        json_array_append_new(blocks, json_pack("{s:s,s:s,s:s,s:o}", "type", "tool_use", "id", ds_json_str(tc, "id", ""),
                                                "name", ds_json_str(tc, "name", ""), "input", input));
      }
      json_decref(calls);
    } else if (strcmp(role, "tool") == 0) {
      json_array_append_new(message_for(msgs, "user"), json_pack("{s:s,s:s,s:s}", "type", "tool_result", "tool_use_id",
                                                                  ds_json_str(m, "tool_call_id", ""), "content", txt.data));
    } else {
      st = ds_fail(err, DS_E_INVALID, "%s: a message of role '%.20s' has no Anthropic form", req->key ? req->key : "", role);
      goto out;
    }
  }
  /* Anthropic requires max_tokens; the run's, else 1024 */
  json_object_set_new(p, "model", json_string(model));
  json_object_set_new(p, "max_tokens", json_integer(req->max_tokens > 0 ? req->max_tokens : 1024));
  if (sys.len) json_object_set_new(p, "system", json_string(sys.data));
  json_object_set(p, "messages", msgs);
  if (req->temperature >= 0) json_object_set_new(p, "temperature", json_real(req->temperature));
  if (req->top_p >= 0) json_object_set_new(p, "top_p", json_real(req->top_p));
  if (json_is_string(req->stop)) json_object_set_new(p, "stop_sequences", json_pack("[O]", req->stop));
  else if (json_is_array(req->stop)) json_object_set(p, "stop_sequences", (json_t *)req->stop);
  if (req->tools && json_array_size(req->tools)) {
    json_t *tools = json_array();
    const json_t *t;
    json_array_foreach(req->tools, i, t) {
      const json_t *fn = json_object_get(t, "function");
      if (!json_is_object(fn)) fn = t;
      json_t *one = json_pack("{s:s}", "name", ds_json_str(fn, "name", ""));
      const char *d = ds_json_str(fn, "description", NULL);
      if (d) json_object_set_new(one, "description", json_string(d));
      const json_t *schema = json_object_get(fn, "parameters");
      json_object_set_new(one, "input_schema", json_is_object(schema) ? json_deep_copy(schema) : json_pack("{s:s}", "type", "object"));
      json_array_append_new(tools, one);
    }
    json_object_set_new(p, "tools", tools);
  }
  *out = p;
  p = NULL;
out:
  json_decref(p);
  json_decref(msgs);
  ds_buf_release(&sys);
  ds_buf_release(&txt);
  return st;
}

enum ds_status ds_backend_batch_line(struct ds_backend *b, enum ds_batch_format f, const struct ds_request *req,
                                     char **out, struct ds_err *err) {
  *out = NULL;
  const char *model = b ? openai_model(b) : NULL;
  if (!model || !*model)
    return ds_fail(err, DS_E_INVALID, "a batch file asks a model by name: the backend must be openai:URL?model=NAME");
  if (!req->key) return ds_fail(err, DS_E_INVALID, "a batch request needs its prefix key");
  char id[1100];
  enum ds_status st = ds_batch_custom_id(f, req->key, req->k, id, sizeof id, err);
  if (st) return st;
  json_t *line = NULL, *parsed = NULL;
  if (f == DS_BATCH_OPENAI) {
    size_t len = 0;
    char *body = openai_body(model, req, -1, &len, err);
    if (!body) return err ? err->code : DS_E_INVALID;
    json_t *bj = json_loadb(body, len, 0, NULL);
    ds_free(body);
    if (!bj) return ds_fail(err, DS_E_NOMEM, "out of memory");
    line = json_pack("{s:s,s:s,s:s,s:o}", "custom_id", id, "method", "POST", "url", "/v1/chat/completions", "body", bj);
  } else {
    const json_t *msgs = req->messages;
    if (!msgs && !(msgs = parsed = backend_parse_messages(req, err))) return err ? err->code : DS_E_INVALID;
    json_t *params = NULL;
    st = anthropic_params(model, req, msgs, &params, err);
    json_decref(parsed);
    if (st) return st;
    line = json_pack("{s:s,s:o}", "custom_id", id, "params", params);
  }
  if (!line || !(*out = ds_json_compact(line))) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  json_decref(line);
  return st;
}
