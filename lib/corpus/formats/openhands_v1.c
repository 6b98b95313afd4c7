/* openhands_v1.c: OpenHands V1 (software-agent-sdk) conversations: "kind"-tagged events, one
 * JSON file per event (events/event-NNNNN-<uuid>.json) or one per line (JSON Lines), one
 * session per directory or file. SystemPromptEvent gives the system message, its dynamic
 * context (a user message kept as context) and the tools; MessageEvent the user's and agent's
 * text; ActionEvents of one LLM response (llm_response_id) make one assistant turn with their
 * tool calls; ObservationEvent, UserRejectObservation and AgentErrorEvent answer them;
 * CondensationSummaryEvent is a user message. State updates, condensation bookkeeping and
 * other events the model never sees are skipped by kind. A base_state.json beside events/
 * (or in the directory) is read for the model and the workspace. */
#include <string.h>

#include "agent_common.h"

#define AGENT "openhands"

/* Kinds that are events without the "Event" suffix. */
static const char *const other_kinds[] = {"Condensation", "CondensationRequest", "UserRejectObservation", NULL};

static bool in_set(const char *k, const char *const *set) {
  for (; k && *set; set++)
    if (strcmp(k, *set) == 0) return true;
  return false;
}

struct state {
  char *path, *id, *file;
  bool dir;
  json_t *rec, *msgs;
  json_t *last_action;  /* the assistant turn of the last ActionEvent (borrowed), for grouping */
  json_t *rid;          /* its llm_response_id */
  size_t n_used;
};

static enum ds_status append(struct state *s, json_t *msg, const json_t *e) {
  const json_t *ts = json_object_get(e, "timestamp");
  json_t *t = NULL;
  struct ds_bad_record b;
  if (ts && corpus_time("timestamp", ts, &t, &b) == DS_OK) {
    if (!json_object_get(s->rec, "time") && json_object_set(s->rec, "time", t)) {
      json_decref(t);
      json_decref(msg);
      return DS_E_NOMEM;
    }
    json_object_set_new(msg, "time", t);
  }
  return json_array_append_new(s->msgs, msg) ? DS_E_NOMEM : DS_OK;
}

/* A text content list ([TextContent]) appended to msg's content. */
static enum ds_status add_texts(json_t *msg, const json_t *list) {
  if (!json_array_size(list)) return DS_OK;
  json_t *c = agent_content(list);
  if (!c) return DS_E_NOMEM;
  enum ds_status st = json_is_string(c) ? fmt_append_content(msg, json_string_value(c)) : DS_OK;
  json_decref(c);
  return st;
}

/* Tools of a SystemPromptEvent: OpenAI tool params as they are; the CLI's tool definitions
 * {title, description, annotations, kind} as functions without their parameter schema. */
static enum ds_status tools(struct state *s, const json_t *list) {
  if (!json_array_size(list)) return DS_OK;
  json_t *out = json_array();
  if (!out || json_object_set_new(s->rec, "tools", out)) return DS_E_NOMEM;
  size_t i;
  const json_t *t;
  json_array_foreach(list, i, t) {
    json_t *x;
    if (json_is_object(json_object_get(t, "function"))) {
      x = json_incref((json_t *)t);
    } else {
      const char *name = ds_json_str(t, "title", ds_json_str(t, "name", agent_str_at(t, "annotations.title")));
      if (!name) continue;
      x = json_pack("{s:s,s:{s:s,s:s}}", "type", "function", "function", "name", name, "description",
                    ds_json_str(t, "description", ""));
      if (x && json_object_set_new(s->rec, "tools_partial", json_true())) {
        json_decref(x);
        return DS_E_NOMEM;
      }
    }
    if (!x || json_array_append_new(out, x)) return DS_E_NOMEM;
  }
  return DS_OK;
}

static enum ds_status system_prompt(struct state *s, const json_t *e) {
  const json_t *sp = json_object_get(e, "system_prompt");
  json_t *one = json_is_object(sp) ? json_pack("[O]", sp) : json_incref((json_t *)sp);
  json_t *c = agent_content(one);
  json_decref(one);
  json_t *msg = fmt_message("system", NULL);
  enum ds_status st = DS_E_NOMEM;
  if (c && msg && !json_object_set_new(msg, "content", c)) {
    c = NULL;
    st = append(s, msg, e);
    msg = NULL;
  }
  json_decref(c);
  json_decref(msg);
  if (st) return st;
  const json_t *dyn = json_object_get(e, "dynamic_context");
  const char *dt = json_is_object(dyn) ? ds_json_str(dyn, "text", NULL) : json_string_value(dyn);
  if (dt && *dt) {
    json_t *u = fmt_message("user", dt);
    if (!u || json_object_set_new(u, "context", json_true())) {
      json_decref(u);
      return DS_E_NOMEM;
    }
    if ((st = append(s, u, e))) return st;
  }
  return tools(s, json_object_get(e, "tools"));
}

static enum ds_status action_event(struct state *s, const json_t *e, struct ds_bad_record *bad) {
  const char *rid = ds_json_str(e, "llm_response_id", NULL);
  const json_t *tc = json_object_get(e, "tool_call");
  json_t *one = NULL;
  if (!json_is_object(tc)) {
    /* older events: the call from tool_name, tool_call_id and the action's fields */
    one = json_pack("[{s:s?,s:s?,s:O?}]", "id", ds_json_str(e, "tool_call_id", NULL), "name", ds_json_str(e, "tool_name", NULL),
                    "arguments", json_object_get(e, "action"));
  } else {
    one = json_pack("[O]", tc);
  }
  if (!one) return DS_E_NOMEM;
  enum ds_status st;
  if (rid && s->last_action && s->rid && strcmp(json_string_value(s->rid), rid) == 0) {
    /* a parallel call of the same response */
    st = agent_tool_calls(s->last_action, one, json_array_size(s->msgs) - 1, bad);
    json_decref(one);
    return st;
  }
  json_t *msg = fmt_message("assistant", NULL);
  if (!msg) {
    json_decref(one);
    return DS_E_NOMEM;
  }
  st = add_texts(msg, json_object_get(e, "thought"));
  if (!st) st = agent_tool_calls(msg, one, json_array_size(s->msgs), bad);
  json_decref(one);
  if (!st) st = agent_reasoning_fields(msg, e);
  const json_t *rri = json_object_get(e, "responses_reasoning_item");
  if (!st && json_is_object(rri)) {
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rri, "summary"), i, x) {
      if (!st) st = fmt_add_reasoning(msg, json_is_string(x) ? json_string_value(x) : ds_json_str(x, "text", NULL));
    }
    if (!st && json_is_string(json_object_get(rri, "encrypted_content"))) st = agent_mark_redacted(msg);
  }
  if (!st && json_is_array(json_object_get(e, "reasoning_details")) && !json_object_get(msg, "reasoning"))
    st = agent_mark_redacted(msg);
  if (st) {
    json_decref(msg);
    return st;
  }
  json_decref(s->rid);
  s->rid = rid ? json_string(rid) : NULL;
  s->last_action = msg;
  return append(s, msg, e);
}

/* The text of an observation: its content list, else the fields older observations had. */
static json_t *observation_content(const json_t *obs) {
  const json_t *c = json_object_get(obs, "content");
  if (c && !json_is_null(c)) return agent_content(c);
  static const char *const keys[] = {"output", "text", "error", "message", NULL};
  for (const char *const *k = keys; *k; k++) {
    const json_t *v = json_object_get(obs, *k);
    if (json_is_string(v)) return json_incref((json_t *)v);
  }
  return json_string("");
}

static enum ds_status tool_result(struct state *s, const json_t *e, const char *kind, struct ds_bad_record *bad) {
  const char *id = ds_json_str(e, "tool_call_id", NULL);
  if (!id) return corpus_bad(bad, "missing_field", "%s has no \"tool_call_id\"", kind);
  json_t *c;
  bool is_error = false;
  if (strcmp(kind, "ObservationEvent") == 0) {
    const json_t *obs = json_object_get(e, "observation");
    c = observation_content(obs);
    is_error = json_is_true(json_object_get(obs, "is_error"));
    if (!json_object_get(json_object_get(s->rec, "repo"), "cwd") &&
        agent_repo_str(s->rec, "cwd", agent_str_at(obs, "metadata.working_dir"))) {
      json_decref(c);
      return DS_E_NOMEM;
    }
  } else if (strcmp(kind, "UserRejectObservation") == 0) {
    struct ds_buf b;
    ds_buf_init(&b, 0);
    ds_buf_addf(&b, "Action rejected: %s", ds_json_str(e, "rejection_reason", "User rejected the action"));
    c = b.data ? json_string(b.data) : NULL;
    ds_buf_release(&b);
  } else {
    c = json_string(ds_json_str(e, "error", ""));
    is_error = true;
  }
  json_t *msg = c ? fmt_message("tool", NULL) : NULL;
  if (!msg || json_object_set_new(msg, "content", c) || json_object_set_new(msg, "tool_call_id", json_string(id))) {
    if (!msg) json_decref(c);
    json_decref(msg);
    return DS_E_NOMEM;
  }
  enum ds_status st = DS_OK;
  const char *name = ds_json_str(e, "tool_name", NULL);
  if (name && json_object_set_new(msg, "name", json_string(name))) st = DS_E_NOMEM;
  if (!st && is_error && json_object_set_new(msg, "is_error", json_true())) st = DS_E_NOMEM;
  if (!st && json_is_string(json_object_get(msg, "content"))) st = add_texts(msg, json_object_get(e, "extended_content"));
  if (st) {
    json_decref(msg);
    return st;
  }
  return append(s, msg, e);
}

/* The model a stats update names (usage "default" or "agent"), or a full state's agent.llm. */
static const char *state_model(const json_t *e) {
  const char *key = ds_json_str(e, "key", "");
  const json_t *v = json_object_get(e, "value");
  if (strcmp(key, "stats") == 0) {
    const json_t *u = json_object_get(v, "usage_to_metrics");
    const char *m = agent_str_at(u, "default.model_name");
    return m ? m : agent_str_at(u, "agent.model_name");
  }
  if (strcmp(key, "full_state") == 0) return agent_str_at(v, "agent.llm.model");
  return NULL;
}

static enum ds_status event(struct state *s, const json_t *e, const char **skip, struct ds_bad_record *bad) {
  *skip = NULL;
  const char *kind = ds_json_str(e, "kind", NULL);
  if (!json_is_object(e) || !kind) return corpus_bad(bad, "wrong_type", "not an OpenHands V1 event (no \"kind\")");
  enum ds_status st;
  if (strcmp(kind, "ActionEvent") != 0) s->last_action = NULL;
  if (strcmp(kind, "SystemPromptEvent") == 0) return system_prompt(s, e);
  if (strcmp(kind, "ActionEvent") == 0) return action_event(s, e, bad);
  if (strcmp(kind, "ObservationEvent") == 0 || strcmp(kind, "UserRejectObservation") == 0 ||
      strcmp(kind, "AgentErrorEvent") == 0)
    return tool_result(s, e, kind, bad);
  if (strcmp(kind, "MessageEvent") == 0) {
    const json_t *lm = json_object_get(e, "llm_message");
    json_t *msg = NULL;
    if ((st = agent_chat_message(lm, NULL, json_array_size(s->msgs), &msg, bad))) return st;
    if (json_is_string(json_object_get(msg, "content")) && (st = add_texts(msg, json_object_get(e, "extended_content")))) {
      json_decref(msg);
      return st;
    }
    const char *sender = ds_json_str(e, "sender", NULL);
    if (sender && json_object_set_new(msg, "sender", json_string(sender))) {
      json_decref(msg);
      return DS_E_NOMEM;
    }
    return append(s, msg, e);
  }
  if (strcmp(kind, "CondensationSummaryEvent") == 0) {
    json_t *msg = fmt_message("user", ds_json_str(e, "summary", ""));
    return msg ? append(s, msg, e) : DS_E_NOMEM;
  }
  if (strcmp(kind, "Condensation") == 0) {
    /* the model's view loses events from here on; the record keeps the whole history and notes where */
    json_t *cs = json_object_get(s->rec, "condensations");
    if (!cs && (!(cs = json_array()) || json_object_set_new(s->rec, "condensations", cs))) return DS_E_NOMEM;
    json_t *x = json_pack("{s:I,s:I}", "at_message", (json_int_t)json_array_size(s->msgs), "forgotten",
                          (json_int_t)json_array_size(json_object_get(e, "forgotten_event_ids")));
    if (!x || json_array_append_new(cs, x) || agent_keep(x, "summary", json_object_get(e, "summary"))) return DS_E_NOMEM;
    *skip = kind;
    return DS_OK;
  }
  if (strcmp(kind, "ConversationStateUpdateEvent") == 0) {
    const char *m = state_model(e);
    if (m && !json_object_get(json_object_get(s->rec, "segment"), "model") && agent_seg_str(s->rec, "model", m))
      return DS_E_NOMEM;
  }
  *skip = kind; /* state updates, pauses, errors of the conversation, tokens: never sent to the model */
  return DS_OK;
}

/* ---- base_state.json ------------------------------------------------------------------------ */

/* Reads the conversation's base_state.json (beside events/, or in the session directory) for
 * the model, the workspace and the conversation id. A missing or unreadable file is no error. */
static enum ds_status base_state(struct state *s) {
  struct ds_buf path, text;
  ds_buf_init(&path, 0);
  ds_buf_init(&text, 0);
  size_t len = strlen(s->path);
  bool in_events = len >= 7 && strcmp(s->path + len - 7, "/events") == 0;
  enum ds_status st = DS_OK;
  if (ds_buf_add(&path, s->path, in_events ? len - 7 : len) || ds_buf_adds(&path, "/base_state.json")) {
    st = DS_E_NOMEM;
    goto out;
  }
  struct ds_err e = {0};
  if (ds_read_file(path.data, 16u << 20, &text, &e) != DS_OK) goto out;
  json_t *v = json_loadb(text.data, text.len, 0, NULL);
  if (json_is_object(v)) {
    if (!json_object_get(json_object_get(s->rec, "segment"), "model"))
      st = agent_seg_str(s->rec, "model", agent_str_at(v, "agent.llm.model"));
    if (!st) st = agent_repo_str(s->rec, "cwd", agent_str_at(v, "workspace.working_dir"));
    const char *id = ds_json_str(v, "id", NULL);
    if (!st && id && in_events) {
      char *nid = ds_strdup(id);
      if (!nid) st = DS_E_NOMEM;
      else {
        ds_free(s->id);
        s->id = nid;
      }
    }
  }
  json_decref(v);
out:
  ds_buf_release(&path);
  ds_buf_release(&text);
  return st;
}

/* ---- the reader ----------------------------------------------------------------------------- */

static bool is_base_state(const json_t *v) {
  return json_is_object(v) && json_is_object(json_object_get(v, "agent")) && json_object_get(v, "workspace") &&
         !json_object_get(v, "kind");
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  size_t kinds = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i];
    const char *k = ds_json_str(v, "kind", NULL);
    if (k && (agent_ends_with(k, "Event") || in_set(k, other_kinds)) &&
        json_object_get(v, "source") && json_object_get(v, "id"))
      kinds++;
  }
  if (kinds > 0 && 2 * kinds > p->n_items) return 90; /* most items: a damaged one may be among them */
  if (p->n_items == 1 && is_base_state(p->items[0]) && agent_ends_with(p->path, "base_state.json")) return 90;
  snprintf(why, n, "no kind-tagged events");
  return 0;
}

static enum ds_status begin(void **out, const struct fmt_probe *p, struct ds_err *err) {
  struct state *s = ds_calloc(1, sizeof *s);
  if (!s) return ds_fail(err, DS_E_NOMEM, "out of memory");
  s->dir = strcmp(p->container, FMT_EVENT_DIR) == 0;
  s->path = ds_strdup(p->path);
  s->rec = agent_record(AGENT);
  if (s->path && s->dir) {
    /* conversations/<id>/events -> id */
    size_t len = strlen(s->path);
    char *dir = ds_strdup(s->path);
    if (dir && len > 7 && strcmp(dir + len - 7, "/events") == 0) dir[len - 7] = '\0';
    s->id = dir ? agent_file_stem(dir, NULL) : NULL;
    ds_free(dir);
  } else if (s->path) {
    s->id = agent_file_stem(s->path, agent_ends_with(s->path, ".jsonl") ? ".jsonl" : ".json");
  }
  if (!s->path || !s->rec || !s->id) {
    ds_free(s->path);
    ds_free(s->id);
    json_decref(s->rec);
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  s->msgs = json_object_get(s->rec, "messages");
  *out = s;
  return DS_OK;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  if (is_base_state(it->v)) {
    fmt_skip(o, "base_state", 1); /* read for the events' record (base_state), no turn of its own */
    return DS_OK;
  }
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  const char *skip = NULL;
  enum ds_status st = event(s, it->v, &skip, &b);
  if (st == DS_E_NOMEM) return st;
  if (st) return fmt_fail_item(o, it, &b);
  if (skip) fmt_skip(o, skip, 1);
  else s->n_used++;
  if (!s->file && !(s->file = ds_strdup(it->file))) return DS_E_NOMEM;
  return DS_OK;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  if (!s->n_used) return DS_OK; /* bookkeeping only: every item is counted skipped */
  if (s->dir && base_state(s)) return DS_E_NOMEM;
  if (json_object_set_new(s->rec, "id", json_string(s->id))) return DS_E_NOMEM;
  json_t *rec = s->rec;
  s->rec = NULL;
  return fmt_emit(o, rec, s->file, 1);
}

static void end(void *state) {
  struct state *s = state;
  if (!s) return;
  json_decref(s->rec);
  json_decref(s->rid);
  ds_free(s->path);
  ds_free(s->id);
  ds_free(s->file);
  ds_free(s);
}

const struct corpus_format corpus_format_openhands_v1 = {
    .name = "openhands-v1",
    .summary = "OpenHands V1 (software-agent-sdk) kind-tagged events: event-NNNNN-<uuid>.json directories, JSONL",
    .tested = "OpenHands CLI 1.x / software-agent-sdk 1.x event files (2026), SDK events.jsonl",
    .flags = FMT_SESSION | FMT_EVENT_FILES,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
