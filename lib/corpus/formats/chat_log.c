/* chat_log.c: OpenAI Chat Completions request/response logs, one call per item: OpenHands'
 * completion logs (SDK {messages, tools, response, ...} with raw_messages, V0 {messages,
 * response, kwargs} with fncall_messages, when calls were rendered as text for the model),
 * litellm's logging payloads and spend logs ({messages, response}, either as JSON text),
 * gateway logs ({request, response} with or without a "body" level), and a JSON array of chat
 * messages as one conversation. An agent logs one call per step, each resending the history:
 * the calls of one conversation fold into its longest (stitch.c), across the files of an
 * input. A request whose response was not logged is kept as the prompt ("response_logged":
 * false). */
#include <string.h>

#include "chat_completion.h"
#include "stitch.h"

struct chat_log {
  struct stitch *st;
  json_t *list;        /* the messages of a JSON array of messages (the current file) */
  char *list_file;
  uint64_t list_line;
};

/* The request and response of a logged call (borrowed from v, or parsed into *owned_*). */
struct call {
  const json_t *msgs, *tools, *resp, *req;
  json_t *owned_msgs, *owned_resp;
};

static const json_t *body(const json_t *v) {
  const json_t *b = json_object_get(v, "body");
  return json_is_object(b) ? b : v;
}

/* Reads the shapes of a logged call; false when v is not one. */
static bool read_call(const json_t *v, struct call *c) {
  memset(c, 0, sizeof *c);
  if (!json_is_object(v)) return false;
  const json_t *req = json_object_get(v, "request");
  req = json_is_object(req) ? body(req) : v;
  const json_t *resp = json_object_get(v, "response");
  if (json_is_object(resp)) resp = body(resp);
  c->req = req;
  /* For a model without native function calling OpenHands renders the calls as text and logs
   * both forms: the SDK as raw_messages (calls) + response (parsed) beside messages + raw_response
   * (text), V0 as fncall_messages + fncall_response beside messages + response (text). The
   * function-calling pair is read. */
  const json_t *msgs = json_object_get(v, "raw_messages");
  if (json_is_array(json_object_get(v, "fncall_messages"))) {
    msgs = json_object_get(v, "fncall_messages");
    if (json_is_object(json_object_get(v, "fncall_response"))) resp = json_object_get(v, "fncall_response");
  }
  if (!json_is_array(msgs)) msgs = json_object_get(req, "messages");
  if (json_is_string(msgs)) msgs = c->owned_msgs = cc_parse_text(msgs);
  if (json_is_string(resp)) resp = c->owned_resp = cc_parse_text(resp);
  c->msgs = msgs;
  c->resp = cc_is_completion(resp) ? resp : NULL;
  c->tools = json_object_get(req, "tools");
  if (!json_is_array(c->tools)) c->tools = json_object_get(v, "tools");
  if (!json_is_array(c->tools)) c->tools = json_object_get(json_object_get(v, "kwargs"), "tools");
  return json_is_array(msgs);
}

static void call_release(struct call *c) {
  json_decref(c->owned_msgs);
  json_decref(c->owned_resp);
}

static bool is_message(const json_t *v) {
  static const char *const roles[] = {"system", "developer", "user", "assistant", "tool", "function"};
  const char *r = ds_json_str(v, "role", NULL);
  for (size_t i = 0; r && i < DS_ARRAY_LEN(roles); i++)
    if (!strcmp(r, roles[i])) return !json_object_get(v, "messages") && !json_object_get(v, "type");
  return false;
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  size_t calls = 0, msgs = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    struct call c;
    if (read_call(p->items[i], &c) && c.resp) calls++;
    call_release(&c);
    msgs += is_message(p->items[i]);
  }
  if (calls) return 70;
  /* a bare message list: generic, below any agent format that knows its own (mini-swe-agent) */
  if (!strcmp(p->container, FMT_ARRAY) && p->n_items && msgs == p->n_items) return 25;
  snprintf(why, n, "no request messages with a chat.completion response");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct chat_log *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->st = stitch_new())) {
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct chat_log *s = state;
  if (!s) return;
  stitch_free(s->st);
  json_decref(s->list);
  ds_free(s->list_file);
  ds_free(s);
}

static enum ds_status call_item(struct chat_log *s, const json_t *v, struct call *c, const struct fmt_item *it,
                                struct fmt_out *o) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  json_t *rec = json_object(), *msgs = json_array();
  if (!rec || !msgs || json_object_set_new(rec, "messages", msgs)) {
    json_decref(rec);
    return DS_E_NOMEM;
  }
  enum ds_status st = cc_messages(c->msgs, msgs, &b);
  size_t n_choices = 0;
  if (!st && c->resp) {
    st = cc_answer(c->resp, msgs, &n_choices, &b);
    if (st == DS_E_NOTFOUND) st = DS_OK;
  }
  if (st) {
    json_decref(rec);
    return st == DS_E_NOMEM ? st : fmt_fail_item(o, it, &b);
  }
  if (c->resp && (st = cc_record_meta(rec, c->resp))) goto fail;
  if (!c->resp && json_object_set_new(rec, "response_logged", json_false())) goto fail;
  if (n_choices > 1 && json_object_set_new(rec, "choices_not_kept", json_integer((json_int_t)n_choices - 1))) goto fail;
  const json_t *model = json_object_get(c->req, "model");
  if (!json_object_get(json_object_get(rec, "segment"), "model") && json_is_string(model) &&
      fmt_segment(rec, "model", json_incref((json_t *)model)))
    goto fail;
  if (json_is_array(c->tools) && json_array_size(c->tools) && json_object_set(rec, "tools", (json_t *)c->tools)) goto fail;
  /* the call's own time when the response has none (OpenHands "timestamp", litellm startTime) */
  static const char *const times[] = {"timestamp", "startTime", "start_time", "created_at"};
  for (size_t i = 0; i < DS_ARRAY_LEN(times) && !json_object_get(rec, "time"); i++) {
    const json_t *t = json_object_get(v, times[i]);
    if (t && fmt_set_time(rec, t, &b) == DS_E_NOMEM) goto fail;
  }
  static const char *const ids[] = {"id", "request_id", "litellm_call_id"};
  for (size_t i = 0; i < DS_ARRAY_LEN(ids) && !json_object_get(rec, "id"); i++) {
    const json_t *id = json_object_get(v, ids[i]);
    if (json_is_string(id) && json_string_length(id) && json_object_set(rec, "id", (json_t *)id)) goto fail;
  }
  return stitch_add(s->st, rec, it->file, it->line);
fail:
  json_decref(rec);
  return DS_E_NOMEM;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct chat_log *s = state;
  enum ds_status st = DS_OK;
  struct call c;
  if (read_call(it->v, &c) && (c.resp || json_object_get(it->v, "request") || json_object_get(it->v, "response"))) {
    st = call_item(s, it->v, &c, it, o);
  } else if (is_message(it->v)) {
    if (!s->list) {
      if (!(s->list = json_array()) || !(s->list_file = ds_strdup(it->file))) st = DS_E_NOMEM;
      s->list_line = it->line;
    }
    if (!st && json_array_append(s->list, (json_t *)it->v)) st = DS_E_NOMEM;
  } else {
    struct ds_bad_record b;
    corpus_bad(&b, "unknown_type", "not a logged Chat Completions call (request messages and a response) or a message");
    st = fmt_fail_item(o, it, &b);
  }
  call_release(&c);
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

/* The end of a file: a JSON array of messages is one conversation, named after the file. */
static enum ds_status unit_end(void *state, struct fmt_out *o, struct ds_err *err) {
  struct chat_log *s = state;
  if (!s->list) return DS_OK;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  json_t *msgs = json_array();
  enum ds_status st = msgs ? cc_messages(s->list, msgs, &b) : DS_E_NOMEM;
  if (st && st != DS_E_NOMEM) {
    st = fmt_fail(o, s->list_file, s->list_line, b.reason ? b.reason : "bad_record", "%s", b.msg);
  } else if (!st) {
    const char *slash = strrchr(s->list_file, '/');
    char id[256];
    snprintf(id, sizeof id, "%s", slash ? slash + 1 : s->list_file);
    char *dot = strrchr(id, '.');
    if (dot && dot != id) *dot = 0;
    json_t *rec = json_pack("{s:s,s:O}", "id", id, "messages", msgs);
    st = rec ? stitch_add(s->st, rec, s->list_file, s->list_line) : DS_E_NOMEM;
  }
  json_decref(msgs);
  json_decref(s->list);
  s->list = NULL;
  ds_free(s->list_file);
  s->list_file = NULL;
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  struct chat_log *s = state;
  enum ds_status st = unit_end(state, o, err);
  if (st) return st;
  return (st = stitch_emit(s->st, o)) ? ds_fail(err, st, "out of memory") : DS_OK;
}

const struct corpus_format corpus_format_openai_chat_log = {
    .name = "openai-chat-log",
    .summary = "Chat Completions request/response logs (litellm, OpenHands, gateways)",
    .tested = "OpenHands SDK 1.0 completion logs (litellm 1.7x, function calling native and as text)",
    .flags = FMT_JOIN_UNITS,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
    .unit_end = unit_end,
};
