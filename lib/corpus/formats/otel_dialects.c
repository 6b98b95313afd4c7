/* otel_dialects.c: the LLM call in one span's attributes, in the three dialects seen in
 * practice: the OpenTelemetry GenAI semantic conventions (gen_ai.input.messages,
 * gen_ai.output.messages, gen_ai.system_instructions, structured or as JSON text; or the
 * older per-message events gen_ai.user.message ... gen_ai.choice), OpenInference
 * (llm.input_messages.N.message.*, flattened or nested) and OpenLLMetry
 * (gen_ai.prompt.N.*, gen_ai.completion.N.*); and two SDKs' own attributes (Vercel AI SDK
 * ai.prompt.messages, Google ADK gcp.vertex.agent.llm_request). Also the OTLP AnyValue
 * decoding. */
#include <stdlib.h>
#include <string.h>

#include "otel.h"

#define MAX_INDEX 100000 /* an indexed attribute beyond this is not a message list */

/* ---- AnyValue ------------------------------------------------------------------------ */

static const json_t *get2(const json_t *o, const char *camel, const char *snake) {
  const json_t *v = json_object_get(o, camel);
  return v ? v : json_object_get(o, snake);
}

json_t *otel_any(const json_t *v) {
  if (!json_is_object(v)) return v ? json_incref((json_t *)v) : json_null();
  const json_t *x;
  if ((x = get2(v, "stringValue", "string_value"))) return json_incref((json_t *)x);
  if ((x = get2(v, "boolValue", "bool_value"))) return json_incref((json_t *)x);
  if ((x = get2(v, "intValue", "int_value"))) {
    if (json_is_string(x)) { /* int64 is a string in OTLP/JSON */
      char *end;
      long long n = strtoll(json_string_value(x), &end, 10);
      if (*end == '\0' && end != json_string_value(x)) return json_integer(n);
    }
    return json_incref((json_t *)x);
  }
  if ((x = get2(v, "doubleValue", "double_value"))) {
    if (json_is_string(x)) return json_real(strtod(json_string_value(x), NULL)); /* "NaN", "Infinity" */
    return json_incref((json_t *)x);
  }
  if ((x = get2(v, "bytesValue", "bytes_value"))) return json_incref((json_t *)x);
  if ((x = get2(v, "arrayValue", "array_value"))) {
    json_t *a = json_array();
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(x, "values"), i, e) {
      if (!a || json_array_append_new(a, otel_any(e))) {
        json_decref(a);
        return NULL;
      }
    }
    return a;
  }
  if ((x = get2(v, "kvlistValue", "kvlist_value"))) return otel_attrs(json_object_get(x, "values"));
  return json_null();
}

json_t *otel_attrs(const json_t *kvs) {
  json_t *o = json_object();
  if (!o) return NULL;
  if (json_is_object(kvs)) { /* already {key: value} */
    json_object_update(o, (json_t *)kvs);
    return o;
  }
  size_t i;
  const json_t *kv;
  json_array_foreach(kvs, i, kv) {
    const char *k = ds_json_str(kv, "key", NULL);
    if (!k) continue;
    json_t *v = otel_any(json_object_get(kv, "value"));
    if (!v || json_object_set_new(o, k, v)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

const char *otel_str(const json_t *attrs, const char *const *keys) {
  for (; *keys; keys++) {
    const json_t *v = json_object_get(attrs, *keys);
    if (json_is_string(v) && json_string_length(v)) return json_string_value(v);
  }
  return NULL;
}

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* ---- which spans are model calls ------------------------------------------------------ */

static bool event_message(const char *name) {
  static const char *const names[] = {"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message",
                                      "gen_ai.tool.message", "gen_ai.choice", "gen_ai.content.prompt",
                                      "gen_ai.content.completion", NULL};
  for (const char *const *n = names; name && *n; n++)
    if (strcmp(name, *n) == 0) return true;
  return false;
}

static bool has_events(const json_t *attrs, const json_t *events) {
  size_t i;
  const json_t *e;
  json_array_foreach(events, i, e) if (event_message(ds_json_str(e, "name", NULL))) return true;
  /* Logfire and older Pydantic AI: one "events" attribute, a JSON list of event bodies */
  json_t *list = llm_json_text(json_object_get(attrs, "events"));
  bool yes = false;
  json_array_foreach(list, i, e) yes |= event_message(ds_json_str(e, "event.name", NULL));
  json_decref(list);
  return yes;
}

enum otel_kind otel_span_kind(const json_t *attrs, const json_t *events) {
  bool call = false;
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)attrs, k, v) {
    if (strcmp(k, "gen_ai.input.messages") == 0 || strcmp(k, "gen_ai.output.messages") == 0 ||
        starts(k, "llm.input_messages") || starts(k, "llm.output_messages") || starts(k, "gen_ai.prompt.") ||
        starts(k, "gen_ai.completion.") || strcmp(k, "ai.prompt.messages") == 0 ||
        strcmp(k, "gcp.vertex.agent.llm_request") == 0)
      return OTEL_LLM;
    if (strcmp(k, "gen_ai.operation.name") == 0 || strcmp(k, "gen_ai.request.model") == 0 ||
        strcmp(k, "llm.request.type") == 0)
      call = true;
  }
  const char *kind = ds_json_str(attrs, "openinference.span.kind", NULL);
  const char *op = ds_json_str(attrs, "gen_ai.operation.name", NULL);
  if (op && (strcmp(op, "execute_tool") == 0 || strcmp(op, "invoke_agent") == 0 || strcmp(op, "create_agent") == 0 ||
             strcmp(op, "embeddings") == 0))
    call = false; /* not a model call */
  if (kind && strcasecmp(kind, "LLM") == 0) {
    call = true;
    if (json_object_get(attrs, "input.value")) return OTEL_LLM;
  }
  if (has_events(attrs, events)) return OTEL_LLM;
  return call ? OTEL_LLM_NO_CONTENT : OTEL_NOT_LLM;
}

/* ---- flattened, indexed attributes (OpenInference, OpenLLMetry) ----------------------- */

/* Adds value at a dotted path under o; numeric components index arrays. */
static enum ds_status set_path(json_t *o, const char *path, const json_t *value) {
  const char *dot = strchr(path, '.');
  size_t n = dot ? (size_t)(dot - path) : strlen(path);
  char key[128];
  if (n == 0 || n >= sizeof key) return DS_OK; /* not a path we read */
  memcpy(key, path, n);
  key[n] = '\0';
  if (!dot) return json_object_set(o, key, (json_t *)value) ? DS_E_NOMEM : DS_OK;
  const char *rest = dot + 1;
  char *end;
  long idx = strtol(rest, &end, 10);
  bool indexed = end != rest && (*end == '.' || *end == '\0') && rest[0] >= '0' && rest[0] <= '9';
  if (indexed) {
    if (idx < 0 || idx > MAX_INDEX || *end != '.') return DS_OK;
    json_t *a = json_object_get(o, key);
    if (!json_is_array(a)) {
      a = json_array();
      if (!a || json_object_set_new(o, key, a)) return DS_E_NOMEM;
    }
    while (json_array_size(a) <= (size_t)idx)
      if (json_array_append_new(a, json_object())) return DS_E_NOMEM;
    json_t *e = json_array_get(a, (size_t)idx);
    if (!json_is_object(e)) return DS_OK;
    return set_path(e, end + 1, value);
  }
  json_t *sub = json_object_get(o, key);
  if (!json_is_object(sub)) {
    sub = json_object();
    if (!sub || json_object_set_new(o, key, sub)) return DS_E_NOMEM;
  }
  return set_path(sub, rest, value);
}

/* Flat keys "prefix.rest" and nested values under "prefix" alike, as flat keys of out. */
static enum ds_status flatten(json_t *out, const char *key, const json_t *v) {
  if (json_is_object(v) || json_is_array(v)) {
    struct ds_buf k;
    ds_buf_init(&k, 0);
    enum ds_status st = DS_OK;
    if (json_is_object(v)) {
      const char *ck;
      const json_t *cv;
      json_object_foreach((json_t *)v, ck, cv) {
        ds_buf_reset(&k);
        if (ds_buf_addf(&k, "%s.%s", key, ck) || (st = flatten(out, k.data, cv))) break;
      }
    } else {
      size_t i;
      const json_t *cv;
      json_array_foreach(v, i, cv) {
        ds_buf_reset(&k);
        if (ds_buf_addf(&k, "%s.%zu", key, i) || (st = flatten(out, k.data, cv))) break;
      }
    }
    ds_buf_release(&k);
    return st;
  }
  return json_object_set(out, key, (json_t *)v) ? DS_E_NOMEM : DS_OK;
}

/* The indexed list under prefix ("llm.input_messages"): an array of objects, index order;
 * a new reference (empty when there is none), NULL on allocation failure. */
static json_t *indexed(const json_t *attrs, const char *prefix) {
  json_t *flat = json_object(), *root = json_object();
  size_t plen = strlen(prefix);
  const char *k;
  const json_t *v;
  enum ds_status st = flat && root ? DS_OK : DS_E_NOMEM;
  json_object_foreach((json_t *)attrs, k, v) {
    if (!st && strncmp(k, prefix, plen) == 0 && (k[plen] == '.' || k[plen] == '\0')) st = flatten(flat, k, v);
  }
  /* "prefix.N.rest" -> root.list[N].rest */
  json_object_foreach(flat, k, v) {
    if (st) break;
    if (k[plen] != '.') continue;
    struct ds_buf p;
    ds_buf_init(&p, 0);
    st = ds_buf_addf(&p, "list.%s", k + plen + 1) ? DS_E_NOMEM : set_path(root, p.data, v);
    ds_buf_release(&p);
  }
  json_t *list = st ? NULL : json_object_get(root, "list");
  list = json_is_array(list) ? json_incref(list) : st ? NULL : json_array();
  json_decref(flat);
  json_decref(root);
  return list;
}

/* OpenLLMetry keeps a list content as JSON text ([{"type":"text",...}]): the parts it holds. */
static json_t *parts_text(const json_t *content) {
  json_t *v = llm_json_text(content);
  if (!json_is_array(v)) {
    json_decref(v);
    return NULL;
  }
  size_t i;
  const json_t *p;
  json_array_foreach(v, i, p) {
    if (!json_is_object(p) || !json_is_string(json_object_get(p, "type"))) {
      json_decref(v);
      return NULL;
    }
  }
  return v;
}

/* One OpenInference message object ({"message": {role, content | contents[], tool_calls[],
 * tool_call_id, name, function_call_name, function_call_arguments_json}}) in OpenAI shape. */
static json_t *oi_message(const json_t *e) {
  const json_t *m = json_object_get(e, "message");
  if (!json_is_object(m)) m = e;
  json_t *out = json_object();
  if (!out) return NULL;
  static const char *const copy[] = {"role", "tool_call_id", "name", NULL};
  for (const char *const *k = copy; *k; k++)
    if (json_object_get(m, *k)) json_object_set(out, *k, json_object_get(m, *k));
  const json_t *content = json_object_get(m, "content");
  const json_t *contents = json_object_get(m, "contents");
  if (json_is_array(contents) && json_array_size(contents)) {
    json_t *parts = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach(contents, i, c) {
      const json_t *mc = json_object_get(c, "message_content");
      const char *type = ds_json_str(mc, "type", "text");
      json_t *p;
      if (strcmp(type, "image") == 0)
        p = json_pack("{s:s,s:{s:O}}", "type", "image_url", "image_url", "url",
                      json_object_get(json_object_get(json_object_get(mc, "image"), "image"), "url")
                          ? json_object_get(json_object_get(json_object_get(mc, "image"), "image"), "url")
                          : json_null());
      else
        p = json_pack("{s:s,s:O}", "type", "text", "text",
                      json_object_get(mc, "text") ? json_object_get(mc, "text") : json_string(""));
      if (p) json_array_append_new(parts, p);
    }
    json_object_set_new(out, "content", parts);
  } else if (content) {
    json_object_set(out, "content", (json_t *)content);
  }
  json_t *tcs = json_array();
  size_t i;
  const json_t *tc;
  json_array_foreach(json_object_get(m, "tool_calls"), i, tc) {
    const json_t *t = json_object_get(tc, "tool_call");
    if (!json_is_object(t)) t = tc;
    const json_t *fn = json_object_get(t, "function");
    json_t *w = json_pack("{s:O,s:s,s:{s:O,s:O}}", "id", json_object_get(t, "id") ? json_object_get(t, "id") : json_null(),
                          "type", "function", "function", "name",
                          json_object_get(fn, "name") ? json_object_get(fn, "name") : json_null(), "arguments",
                          json_object_get(fn, "arguments") ? json_object_get(fn, "arguments") : json_null());
    if (w) json_array_append_new(tcs, w);
  }
  if (json_array_size(tcs)) json_object_set(out, "tool_calls", tcs);
  json_decref(tcs);
  const json_t *fname = json_object_get(m, "function_call_name");
  if (json_is_string(fname))
    json_object_set_new(out, "function_call",
                        json_pack("{s:O,s:O}", "name", fname, "arguments",
                                  json_object_get(m, "function_call_arguments_json")
                                      ? json_object_get(m, "function_call_arguments_json") : json_string("{}")));
  return out;
}

/* One OpenLLMetry message object {role, content, tool_call_id, tool_calls[{id,name,arguments}],
 * function_call{name,arguments}, finish_reason} in OpenAI shape. */
static json_t *ol_message(const json_t *m) {
  json_t *out = json_deep_copy(m);
  if (!out) return NULL;
  const json_t *user = json_object_get(m, "user"); /* a completion model's prompt: gen_ai.prompt.0.user */
  if (!json_object_get(m, "role") && !json_object_get(m, "content") && json_is_string(user)) {
    json_object_set_new(out, "role", json_string("user"));
    json_object_set(out, "content", (json_t *)user);
    json_object_del(out, "user");
  }
  json_t *parts = parts_text(json_object_get(m, "content"));
  if (parts) json_object_set_new(out, "content", parts);
  return out;
}

static enum ds_status list_messages(struct llm_conv *c, const json_t *list, json_t *(*conv)(const json_t *),
                                    bool output, struct ds_bad_record *b) {
  json_t *msgs = json_array();
  size_t i;
  const json_t *e;
  json_array_foreach(list, i, e) {
    json_t *m = conv(e);
    if (!m || json_array_append_new(msgs, m)) {
      json_decref(msgs);
      return DS_E_NOMEM;
    }
    if (output && !json_object_get(m, "role")) json_object_set_new(m, "role", json_string("assistant"));
  }
  enum ds_status st = !msgs ? DS_E_NOMEM : output ? llm_output(c, msgs, b) : llm_input(c, msgs, b);
  json_decref(msgs);
  return st;
}

static enum ds_status indexed_dialect(struct llm_conv *c, const json_t *attrs, const char *in, const char *out,
                                      json_t *(*conv)(const json_t *), struct ds_bad_record *b) {
  json_t *li = indexed(attrs, in), *lo = indexed(attrs, out);
  enum ds_status st = li && lo ? DS_OK : DS_E_NOMEM;
  if (!st) st = list_messages(c, li, conv, false, b);
  if (!st) st = list_messages(c, lo, conv, true, b);
  json_decref(li);
  json_decref(lo);
  return st;
}

/* ---- GenAI events ----------------------------------------------------------------------- */

/* One event body: "gen_ai.event.content" JSON text, or the body's fields as attributes. */
static json_t *event_body(const json_t *attrs) {
  json_t *v = llm_json_text(json_object_get(attrs, "gen_ai.event.content"));
  if (json_is_object(v)) return v;
  json_decref(v);
  json_t *o = json_deep_copy(attrs);
  /* tool_calls kept as JSON text by some SDKs */
  json_t *tc = llm_json_text(json_object_get(o, "tool_calls"));
  if (tc) json_object_set_new(o, "tool_calls", tc);
  return o;
}

/* The messages of per-message events (events: [{name, attrs}] with attrs decoded). */
static enum ds_status event_messages(struct llm_conv *c, const json_t *evs, struct ds_bad_record *b) {
  json_t *choices = json_array();
  enum ds_status st = choices ? DS_OK : DS_E_NOMEM;
  size_t i;
  const json_t *e;
  json_array_foreach(evs, i, e) {
    if (st) break;
    const char *name = ds_json_str(e, "name", "");
    const json_t *attrs = json_object_get(e, "attrs");
    if (strcmp(name, "gen_ai.content.prompt") == 0) {
      st = llm_input(c, json_object_get(attrs, "gen_ai.prompt"), b);
      continue;
    }
    if (strcmp(name, "gen_ai.content.completion") == 0) {
      st = llm_output(c, json_object_get(attrs, "gen_ai.completion"), b);
      continue;
    }
    json_t *body = event_body(attrs);
    if (!body) {
      st = DS_E_NOMEM;
      break;
    }
    if (strcmp(name, "gen_ai.choice") == 0) {
      const json_t *m = json_object_get(body, "message");
      json_t *msg = json_is_object(m) ? json_deep_copy(m) : json_object();
      if (msg && !json_object_get(msg, "role")) json_object_set_new(msg, "role", json_string("assistant"));
      if (msg && json_is_string(json_object_get(body, "finish_reason")))
        json_object_set(msg, "finish_reason", json_object_get(body, "finish_reason"));
      if (!msg || json_array_append_new(choices, msg)) st = DS_E_NOMEM;
    } else {
      /* gen_ai.{system,user,assistant,tool}.message: the role is in the name */
      char role[16] = "";
      sscanf(name, "gen_ai.%15[a-z].message", role);
      json_object_set_new(body, "role", json_string(role));
      if (strcmp(role, "tool") == 0 && !json_object_get(body, "tool_call_id") && json_object_get(body, "id"))
        json_object_set(body, "tool_call_id", json_object_get(body, "id"));
      st = llm_message(c, body, NULL, b);
    }
    json_decref(body);
  }
  if (!st && json_array_size(choices)) st = llm_output(c, choices, b);
  json_decref(choices);
  return st;
}

/* The span's events (OTLP [{name, attributes}]) or the "events" attribute's list, as
 * [{name, attrs}] with attributes decoded; only message events. */
static json_t *message_events(const json_t *attrs, const json_t *events) {
  json_t *out = json_array();
  size_t i;
  const json_t *e;
  json_array_foreach(events, i, e) {
    const char *name = ds_json_str(e, "name", NULL);
    if (!event_message(name)) continue;
    json_t *a = otel_attrs(json_object_get(e, "attributes"));
    if (!a || json_array_append_new(out, json_pack("{s:s,s:o}", "name", name, "attrs", a))) {
      json_decref(out);
      return NULL;
    }
  }
  json_t *list = llm_json_text(json_object_get(attrs, "events"));
  json_array_foreach(list, i, e) {
    const char *name = ds_json_str(e, "event.name", NULL);
    if (!event_message(name)) continue;
    if (json_array_append_new(out, json_pack("{s:s,s:O}", "name", name, "attrs", e))) {
      json_decref(out);
      out = NULL;
      break;
    }
  }
  json_decref(list);
  return out;
}

/* ---- Vercel AI SDK and Google ADK -------------------------------------------------------- */

/* An input and an output each held as a value or as JSON text. */
static enum ds_status json_text_pair(struct llm_conv *c, const json_t *in, const json_t *out, struct ds_bad_record *b) {
  enum ds_status st = llm_input(c, in, b);
  return st ? st : llm_output(c, out, b);
}

/* Vercel AI SDK model-call spans (ai.generateText.doGenerate, ai.streamText.doStream):
 * ai.prompt.messages (its message format, as JSON text), ai.response.text,
 * ai.response.toolCalls (JSON text), ai.response.reasoning, ai.prompt.tools (JSON texts). */
static enum ds_status vercel(struct llm_conv *c, const json_t *attrs, struct ds_bad_record *b) {
  enum ds_status st = llm_input(c, json_object_get(attrs, "ai.prompt.messages"), b);
  if (st) return st;
  const json_t *text = json_object_get(attrs, "ai.response.text");
  json_t *calls = llm_json_text(json_object_get(attrs, "ai.response.toolCalls"));
  const json_t *reason = json_object_get(attrs, "ai.response.reasoning");
  if (json_is_string(text) || json_array_size(calls)) {
    json_t *m = json_pack("{s:s,s:O}", "role", "assistant", "content", json_is_string(text) ? text : json_null());
    if (m && json_array_size(calls)) json_object_set(m, "tool_calls", calls);
    if (m && json_is_string(reason)) json_object_set(m, "reasoning", (json_t *)reason);
    st = m ? llm_message(c, m, "assistant", b) : DS_E_NOMEM;
    json_decref(m);
  }
  json_decref(calls);
  if (st || c->tools) return st;
  json_t *defs = json_array();
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(attrs, "ai.prompt.tools"), i, t) {
    json_t *d = llm_json_text(t);
    if (d && defs) json_array_append_new(defs, d);
    else json_decref(d);
  }
  c->tools = defs ? llm_tools(defs) : NULL;
  json_decref(defs);
  return DS_OK;
}

/* ---- one span ------------------------------------------------------------------------- */

enum ds_status otel_span_conv(const json_t *attrs, const json_t *events, struct llm_conv *c, const char **dialect,
                              struct ds_bad_record *b) {
  enum ds_status st = DS_OK;
  *dialect = NULL;
  const json_t *in = json_object_get(attrs, "gen_ai.input.messages");
  const json_t *out = json_object_get(attrs, "gen_ai.output.messages");
  const json_t *sys = json_object_get(attrs, "gen_ai.system_instructions");
  bool oi = false, ol = false;
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)attrs, k, v) {
    oi |= starts(k, "llm.input_messages") || starts(k, "llm.output_messages");
    ol |= starts(k, "gen_ai.prompt.") || starts(k, "gen_ai.completion.");
  }
  if (in || out) {
    *dialect = "gen_ai";
    if (sys && !json_is_null(sys)) {
      json_t *parsed = llm_json_text(sys);
      st = llm_parts_message(c, "system", parsed ? parsed : sys, NULL, b);
      json_decref(parsed);
    }
    if (!st) st = llm_input(c, in, b);
    if (!st) st = llm_output(c, out, b);
    if (!st && !c->tools) c->tools = llm_tools(json_object_get(attrs, "gen_ai.tool.definitions"));
    return st;
  }
  const json_t *vp = json_object_get(attrs, "ai.prompt.messages");
  const json_t *adk = json_object_get(attrs, "gcp.vertex.agent.llm_request");
  if (vp && !oi && !ol) {
    *dialect = "vercel_ai";
    return vercel(c, attrs, b);
  }
  if (adk && !oi && !ol) {
    *dialect = "google_adk";
    return json_text_pair(c, adk, json_object_get(attrs, "gcp.vertex.agent.llm_response"), b);
  }
  if (oi) {
    *dialect = "openinference";
    st = indexed_dialect(c, attrs, "llm.input_messages", "llm.output_messages", oi_message, b);
  } else if (ol) {
    *dialect = "openllmetry";
    st = indexed_dialect(c, attrs, "gen_ai.prompt", "gen_ai.completion", ol_message, b);
  } else {
    json_t *evs = message_events(attrs, events);
    if (!evs) return DS_E_NOMEM;
    if (json_array_size(evs)) {
      *dialect = "gen_ai_events";
      st = event_messages(c, evs, b);
    } else if (json_object_get(attrs, "input.value")) {
      /* OpenInference LLM span with only input.value / output.value (JSON or text) */
      *dialect = "openinference";
      st = llm_input(c, json_object_get(attrs, "input.value"), b);
      if (!st) st = llm_output(c, json_object_get(attrs, "output.value"), b);
    } else {
      st = corpus_bad(b, "missing_field", "span has no messages in any dialect");
    }
    json_decref(evs);
  }
  if (st) return st;
  if (!c->tools) {
    /* OpenInference llm.tools.N.tool.json_schema; OpenLLMetry llm.request.functions.N.* */
    json_t *defs = json_array();
    json_t *oi_tools = indexed(attrs, "llm.tools");
    size_t i;
    const json_t *t;
    json_array_foreach(oi_tools, i, t) {
      const json_t *schema = json_object_get(json_object_get(t, "tool"), "json_schema");
      json_t *parsed = llm_json_text(schema);
      if (parsed) json_array_append_new(defs, parsed);
    }
    json_decref(oi_tools);
    json_t *fns = indexed(attrs, "llm.request.functions");
    if (fns) json_array_extend(defs, fns);
    json_decref(fns);
    c->tools = defs ? llm_tools(defs) : NULL;
    json_decref(defs);
  }
  return DS_OK;
}
