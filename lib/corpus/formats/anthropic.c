/* anthropic.c: Anthropic Messages API logs: request bodies {model, system, messages, tools},
 * response bodies (a Message), request/response pairs in a logger's envelope ({"request",
 * "response"}, AWS Bedrock invocation logs, ...), streamed responses (one event per line),
 * and Message Batches files (results {custom_id, result}, requests {custom_id, params}). */
#include <string.h>

#include "anthropic.h"

enum kind { K_NONE, K_EVENT, K_ERROR, K_BATCH_RESULT, K_BATCH_REQUEST, K_RESPONSE, K_REQUEST, K_ENVELOPE };

struct state {
  struct ab_stream *stream;
  char *file;    /* where the open stream started */
  uint64_t line;
  uint64_t n_events; /* items of the open stream */
};

static bool is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

/* ---- recognizing items ------------------------------------------------------------- */

/* An Anthropic Message: {type: message, role: assistant, content: [blocks], stop_reason}. The
 * stop_reason key (null while streaming) and the block types tell it from an OpenAI Responses
 * message item ({type: message, role, content: [output_text], status}). */
static bool is_message(const json_t *v) {
  if (!(json_is_object(v) && is(ds_json_str(v, "type", NULL), "message") && is(ds_json_str(v, "role", NULL), "assistant") &&
        json_is_array(json_object_get(v, "content")) && json_object_get(v, "stop_reason")))
    return false;
  size_t i;
  const json_t *b;
  json_array_foreach(json_object_get(v, "content"), i, b) {
    const char *t = ds_json_str(b, "type", "");
    if (is(t, "output_text") || is(t, "input_text") || is(t, "refusal") || is(t, "summary_text")) return false;
  }
  return true;
}

static bool anthropic_block(const json_t *b) {
  const char *t = ds_json_str(b, "type", "");
  return is(t, "tool_use") || is(t, "tool_result") || is(t, "thinking") || is(t, "redacted_thinking") || is(t, "document") ||
         ab_is_server_block(t) || (is(t, "image") && json_is_object(json_object_get(b, "source")));
}

/* A request body {messages:[{role:user|assistant, content}]}; strict: with something only an
 * Anthropic request has (top-level system, anthropic_version, Anthropic blocks, or max_tokens
 * for a Claude model), so that OpenAI chat records are not taken. */
static bool is_request(const json_t *v, bool strict) {
  const json_t *msgs = json_object_get(v, "messages");
  if (!json_is_object(v) || !json_is_array(msgs)) return false;
  bool marked = json_object_get(v, "system") || json_object_get(v, "anthropic_version");
  const char *model = ds_json_str(v, "model", "");
  if (json_object_get(v, "max_tokens") && strstr(model, "claude")) marked = true;
  size_t i, j;
  const json_t *m, *b;
  json_array_foreach(msgs, i, m) {
    const char *role = ds_json_str(m, "role", NULL);
    if (!is(role, "user") && !is(role, "assistant")) return !strict && json_is_object(m) ? true : false;
    if (json_object_get(m, "tool_calls") || json_object_get(m, "tool_call_id")) return false;
    const json_t *c = json_object_get(m, "content");
    json_array_foreach(c, j, b) {
      if (strict && !json_is_string(json_object_get(b, "type"))) return false; /* untyped blocks: Bedrock Converse, ... */
      if (anthropic_block(b)) marked = true;
    }
  }
  return !strict || marked;
}

/* A JSON value that may be given as JSON text (loggers often store bodies as strings): the
 * value itself, or *tmp parsed from the text (the caller frees it). */
static const json_t *value_of(const json_t *v, json_t **tmp) {
  if (json_is_string(v) && json_string_length(v) && json_string_value(v)[0] == '{') {
    json_error_t je;
    *tmp = json_loadb(json_string_value(v), json_string_length(v), 0, &je);
    return *tmp;
  }
  return v;
}

struct envelope {
  const char *req, *resp; /* dotted paths */
};
static const struct envelope envelopes[] = {
    {"request", "response"},       {"request.body", "response.body"}, {"request_body", "response_body"},
    {"requestBody", "responseBody"}, {"req", "res"},                   {"input.inputBodyJson", "output.outputBodyJson"},
    {"input", "output"},           {"params", "response"},           {"request", "result"},
};

static const json_t *at_path(const json_t *v, const char *path) { return corpus_get_path(v, path); }

/* Finds a request/response pair: *req and *resp (each may be NULL, not both) borrowed from v
 * or from *tmp_req / *tmp_resp (parsed from text; the caller frees them). */
static bool find_envelope(const json_t *v, const json_t **req, const json_t **resp, json_t **tmp_req, json_t **tmp_resp) {
  for (size_t i = 0; i < DS_ARRAY_LEN(envelopes); i++) {
    const json_t *rq = at_path(v, envelopes[i].req), *rs = at_path(v, envelopes[i].resp);
    json_t *t1 = NULL, *t2 = NULL;
    rq = rq ? value_of(rq, &t1) : NULL;
    rs = rs ? value_of(rs, &t2) : NULL;
    bool rq_ok = rq && is_request(rq, false);
    /* a response: a Message, a streamed body (an array of events or SSE text), or an error */
    bool rs_ok = rs && (is_message(rs) || (json_is_array(rs) && ab_stream_is_event(json_array_get(rs, 0))) ||
                        (json_is_string(rs) && strstr(json_string_value(rs), "message_start")) ||
                        is(ds_json_str(rs, "type", NULL), "error"));
    if ((rq_ok && (rs_ok || !rs)) || (rs_ok && !rq)) {
      *req = rq_ok ? rq : NULL;
      *resp = rs_ok ? rs : NULL;
      *tmp_req = t1;
      *tmp_resp = t2;
      return true;
    }
    json_decref(t1);
    json_decref(t2);
  }
  return false;
}

static enum kind classify(const json_t *v, bool strict) {
  if (!json_is_object(v)) return K_NONE;
  const char *type = ds_json_str(v, "type", NULL);
  if (ab_stream_is_event(v)) return K_EVENT;
  if (is(type, "error") && json_is_object(json_object_get(v, "error"))) return K_ERROR;
  if (json_is_string(json_object_get(v, "custom_id"))) {
    const json_t *r = json_object_get(v, "result");
    if (json_is_object(r) && json_is_string(json_object_get(r, "type"))) return K_BATCH_RESULT;
    if (is_request(json_object_get(v, "params"), false)) return K_BATCH_REQUEST;
  }
  if (is_message(v)) return K_RESPONSE;
  if (is_request(v, strict)) return K_REQUEST;
  const json_t *rq, *rs;
  json_t *t1, *t2;
  if (find_envelope(v, &rq, &rs, &t1, &t2)) {
    bool anthropic = (rs && !rq) || (rq && is_request(rq, true)) || is_message(rs) || !strict;
    json_decref(t1);
    json_decref(t2);
    if (anthropic) return K_ENVELOPE;
  }
  return K_NONE;
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  int best = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    int s = 0;
    switch (classify(p->items[i], true)) {
    case K_EVENT: s = is(ds_json_str(p->items[i], "type", ""), "ping") ? 0 : 90; break;
    case K_BATCH_RESULT:
    case K_BATCH_REQUEST: s = 90; break;
    case K_RESPONSE:
    case K_ENVELOPE: s = 70; break;
    case K_REQUEST: s = 60; break;
    case K_ERROR: s = 30; break;
    case K_NONE: break;
    }
    if (s > best) best = s;
  }
  if (!best) snprintf(why, n, "no Anthropic request, response, stream event or batch line");
  return best;
}

/* ---- records ----------------------------------------------------------------------- */

static const char *const id_keys[] = {"id", "request_id", "requestId", "custom_id", "log_id", "trace_id", NULL};
static const char *const time_keys[] = {"timestamp", "time", "created_at", "createdAt", "start_time", "startTime", NULL};
static const char *const param_keys[] = {"max_tokens", "temperature", "top_p", "top_k", "stop_sequences",
                                         "tool_choice", "thinking", "stream", NULL};

/* Appends the response to msgs: a new assistant message, or the continuation of a prefilled
 * one (the request's last message an assistant turn). */
static enum ds_status add_response(json_t *msgs, const json_t *resp, struct ds_bad_record *bad) {
  json_t *a;
  enum ds_status st = ab_assistant(json_object_get(resp, "content"), &a, bad);
  if (st) return st;
  json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
  const json_t *lc = json_object_get(last, "content"), *ac = json_object_get(a, "content");
  if (last && is(ds_json_str(last, "role", ""), "assistant") && json_is_string(lc) && json_is_string(ac) &&
      !json_object_get(last, "tool_calls")) {
    /* prefill: the answer continues the request's last assistant turn */
    struct ds_buf b;
    ds_buf_init(&b, 0);
    if (ds_buf_add(&b, json_string_value(lc), json_string_length(lc)) || ds_buf_add(&b, json_string_value(ac), json_string_length(ac)) ||
        json_object_set_new(a, "content", json_stringn(b.data ? b.data : "", b.len))) {
      ds_buf_release(&b);
      json_decref(a);
      return DS_E_NOMEM;
    }
    ds_buf_release(&b);
    if (json_array_remove(msgs, json_array_size(msgs) - 1)) {
      json_decref(a);
      return DS_E_NOMEM;
    }
  }
  if (json_array_append_new(msgs, a)) return DS_E_NOMEM;
  static const char *const keep[] = {"stop_reason", "stop_sequence", "usage", NULL};
  for (const char *const *k = keep; *k; k++) {
    const json_t *v = json_object_get(resp, *k);
    if (v && !json_is_null(v) && json_object_set_new(a, *k, json_deep_copy(v))) return DS_E_NOMEM;
  }
  return DS_OK;
}

/* The record of a request and/or a response. env: the item (for its id and time), id: an id
 * to use before the others (a batch custom_id), or NULL. */
static enum ds_status make_record(const json_t *req, const json_t *resp, const json_t *env, const char *id, json_t **out,
                                  struct ds_bad_record *bad) {
  *out = NULL;
  enum ds_status st;
  json_t *rec = json_object(), *msgs = NULL;
  if (!rec || json_object_set_new(rec, "messages", msgs = json_array())) {
    json_decref(rec);
    return DS_E_NOMEM;
  }
  if (req) {
    const json_t *m;
    size_t i;
    if ((st = ab_system(json_object_get(req, "system"), msgs, bad))) goto out;
    json_array_foreach(json_object_get(req, "messages"), i, m) {
      const char *role = ds_json_str(m, "role", NULL);
      const json_t *c = json_object_get(m, "content");
      if (is(role, "user")) {
        st = ab_user(c, msgs, bad);
      } else if (is(role, "assistant")) {
        json_t *a;
        if (!(st = ab_assistant(c, &a, bad))) st = json_array_append_new(msgs, a) ? DS_E_NOMEM : DS_OK;
      } else {
        st = corpus_bad(bad, "unknown_role", "message %zu: role \"%.40s\" (an Anthropic message is user or assistant)", i,
                        role ? role : "(none)");
      }
      if (st) {
        if (st == DS_E_INVALID && strncmp(bad->msg, "message ", 8) != 0) {
          char m2[sizeof bad->msg];
          snprintf(m2, sizeof m2, "%s", bad->msg);
          snprintf(bad->msg, sizeof bad->msg, "message %zu: %.340s", i, m2);
        }
        goto out;
      }
    }
    const json_t *tools = json_object_get(req, "tools");
    if (tools && !json_is_null(tools)) {
      json_t *t;
      if ((st = ab_tools(tools, &t, bad))) goto out;
      if (json_object_set_new(rec, "tools", t)) goto nomem;
    }
    json_t *params = json_object();
    if (!params || json_object_set_new(rec, "request_params", params)) goto nomem;
    for (const char *const *k = param_keys; *k; k++) {
      const json_t *v = json_object_get(req, *k);
      if (v && !json_is_null(v) && json_object_set_new(params, *k, json_deep_copy(v))) goto nomem;
    }
    if (json_object_size(params) == 0) json_object_del(rec, "request_params");
  }
  if (resp && (st = add_response(msgs, resp, bad))) goto out;
  if (json_array_size(msgs) == 0) {
    st = corpus_bad(bad, "empty_conversation", "the request has no messages");
    goto out;
  }
  /* id, time, model */
  const char *rid = id;
  for (const char *const *k = id_keys; !rid && env && *k; k++) rid = ds_json_str(env, *k, NULL);
  if (!rid && resp) rid = ds_json_str(resp, "id", NULL);
  if (rid && *rid && json_object_set_new(rec, "id", json_string(rid))) goto nomem;
  for (const char *const *k = time_keys; env && *k; k++) {
    const json_t *t = json_object_get(env, *k);
    struct ds_bad_record tb;
    if (t && fmt_set_time(rec, t, &tb) == DS_OK) break; /* an unreadable time is left out */
  }
  const char *model = resp ? ds_json_str(resp, "model", NULL) : NULL;
  if (!model && req) model = ds_json_str(req, "model", NULL);
  if (!model && env) model = ds_json_str(env, "modelId", ds_json_str(env, "model", NULL));
  if (fmt_segment(rec, "provider", json_string("anthropic")) || (model && fmt_segment(rec, "model", json_string(model))))
    goto nomem;
  if (!req && fmt_segment(rec, "response_only", json_true())) goto nomem;
  *out = rec;
  return DS_OK;
nomem:
  st = DS_E_NOMEM;
out:
  json_decref(rec);
  return st;
}

/* ---- the reader -------------------------------------------------------------------- */

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct state *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->stream = ab_stream_new())) {
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct state *s = state;
  if (!s) return;
  ab_stream_free(s->stream);
  ds_free(s->file);
  ds_free(s);
}

static enum ds_status emit_or_fail(struct fmt_out *o, const struct fmt_item *it, enum ds_status st, json_t *rec,
                                   const struct ds_bad_record *bad) {
  if (st == DS_E_NOMEM) return st;
  if (st) return fmt_fail_item(o, it, bad);
  return fmt_emit(o, rec, it->file, it->line);
}

/* A stream left open when something else comes (or the input ends) fails at its first event;
 * its other events are skipped as abandoned. */
static enum ds_status abandon_stream(struct state *s, struct fmt_out *o) {
  if (!ab_stream_open(s->stream)) return DS_OK;
  json_decref(ab_stream_take(s->stream));
  struct fmt_item first = {NULL, s->file, NULL, s->line};
  struct ds_bad_record bad;
  memset(&bad, 0, sizeof bad);
  corpus_bad(&bad, "truncated_stream", "streamed response ends before message_stop (%llu events)",
             (unsigned long long)s->n_events);
  if (s->n_events > 1) fmt_skip(o, "stream-event:abandoned", s->n_events - 1);
  s->n_events = 0;
  return fmt_fail_item(o, &first, &bad);
}

static enum ds_status on_event(struct state *s, const struct fmt_item *it, struct fmt_out *o) {
  struct ds_bad_record bad;
  memset(&bad, 0, sizeof bad);
  bool done = false;
  if (!ab_stream_open(s->stream) && is(ds_json_str(it->v, "type", ""), "message_start")) {
    ds_free(s->file);
    if (!(s->file = ds_strdup(it->file))) return DS_E_NOMEM;
    s->line = it->line;
    s->n_events = 0;
  }
  if (is(ds_json_str(it->v, "type", ""), "ping")) {
    fmt_skip(o, "ping", 1);
    return DS_OK;
  }
  uint64_t before = s->n_events;
  enum ds_status st = ab_stream_feed(s->stream, it->v, &done, &bad);
  if (st == DS_E_NOMEM) return st;
  if (st) {
    s->n_events = 0;
    if (is(bad.reason, "api_error")) { /* the API gave up on this response: nothing to keep */
      fmt_skip(o, "api_error", before + 1);
      return DS_OK;
    }
    fmt_skip(o, "stream-event:abandoned", before); /* the events before the broken one */
    return fmt_fail_item(o, it, &bad);
  }
  s->n_events++;
  if (!done) return DS_OK;
  json_t *msg = ab_stream_take(s->stream), *rec = NULL;
  if (!msg) return DS_E_NOMEM;
  uint64_t n = s->n_events;
  s->n_events = 0;
  st = make_record(NULL, msg, NULL, NULL, &rec, &bad);
  json_decref(msg);
  if (st == DS_E_NOMEM) return st;
  if (st) { /* the assembled message is not usable: it fails at its first event */
    struct fmt_item first = {NULL, s->file, NULL, s->line};
    if (n > 1) fmt_skip(o, "stream-event:abandoned", n - 1);
    return fmt_fail_item(o, &first, &bad);
  }
  return fmt_emit(o, rec, s->file, s->line);
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  struct ds_bad_record bad;
  memset(&bad, 0, sizeof bad);
  enum kind k = classify(it->v, false);
  const char *type = ds_json_str(it->v, "type", "");
  if (ab_stream_open(s->stream) && (k == K_EVENT || k == K_ERROR) && !is(type, "message_start")) return on_event(s, it, o);
  enum ds_status st = abandon_stream(s, o);
  if (st) return st;
  json_t *rec = NULL;
  switch (k) {
  case K_EVENT:
    if (!is(type, "message_start") && !is(type, "ping")) {
      corpus_bad(&bad, "bad_stream", "stream event \"%.40s\" before message_start", type);
      return fmt_fail_item(o, it, &bad);
    }
    return on_event(s, it, o);
  case K_ERROR:
    fmt_skip(o, "api_error", 1);
    return DS_OK;
  case K_BATCH_RESULT: {
    const json_t *r = json_object_get(it->v, "result");
    const char *rt = ds_json_str(r, "type", "");
    if (!is(rt, "succeeded")) {
      char t[64];
      snprintf(t, sizeof t, "batch:%.40s", rt); /* errored, canceled, expired: no answer */
      fmt_skip(o, t, 1);
      return DS_OK;
    }
    const json_t *m = json_object_get(r, "message");
    if (!is_message(m)) {
      corpus_bad(&bad, "missing_field", "a succeeded batch result without a message");
      return fmt_fail_item(o, it, &bad);
    }
    st = make_record(NULL, m, NULL, ds_json_str(it->v, "custom_id", NULL), &rec, &bad);
    return emit_or_fail(o, it, st, rec, &bad);
  }
  case K_BATCH_REQUEST:
    st = make_record(json_object_get(it->v, "params"), NULL, NULL, ds_json_str(it->v, "custom_id", NULL), &rec, &bad);
    return emit_or_fail(o, it, st, rec, &bad);
  case K_RESPONSE:
    st = make_record(NULL, it->v, NULL, NULL, &rec, &bad);
    return emit_or_fail(o, it, st, rec, &bad);
  case K_REQUEST:
    st = make_record(it->v, NULL, NULL, NULL, &rec, &bad);
    return emit_or_fail(o, it, st, rec, &bad);
  case K_ENVELOPE: {
    const json_t *rq, *rs;
    json_t *t1, *t2, *assembled = NULL;
    find_envelope(it->v, &rq, &rs, &t1, &t2);
    if (rs && is(ds_json_str(rs, "type", NULL), "error")) {
      fmt_skip(o, "api_error", 1); /* the call failed: no answer to keep */
      st = DS_OK;
    } else {
      if (rs && !is_message(rs)) {
        st = ab_stream_assemble(rs, &assembled, &bad);
        rs = assembled;
      }
      if (!st) st = make_record(rq, rs, it->v, NULL, &rec, &bad);
      st = emit_or_fail(o, it, st, rec, &bad);
    }
    json_decref(assembled);
    json_decref(t1);
    json_decref(t2);
    return st;
  }
  case K_NONE:
    break;
  }
  corpus_bad(&bad, json_is_object(it->v) ? "not_anthropic" : "not_object",
             "neither an Anthropic request, a response, a stream event nor a batch line");
  return fmt_fail_item(o, it, &bad);
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  return abandon_stream(state, o);
}

const struct corpus_format corpus_format_anthropic = {
    .name = "anthropic",
    .summary = "Anthropic Messages API logs: request/response bodies and pairs, streamed events, Message Batches",
    .tested = "Messages API 2023-06-01 (responses of claude-3-opus to claude-opus-4-6, SSE streams); Message Batches",
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
