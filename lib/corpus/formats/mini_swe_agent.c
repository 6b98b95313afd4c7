/* mini_swe_agent.c: mini-swe-agent trajectories, "*.traj.json" = {info, messages,
 * trajectory_format: "mini-swe-agent-1" | "mini-swe-agent-1.1"} (one document, one record),
 * and the early bare list of chat messages (a JSON array: one item per message, one record
 * per file). Messages are OpenAI chat messages with an "extra" object (actions, returncode,
 * timestamp, ...); tool-calling models add tool_calls and "tool" results, Responses-API models
 * store response objects and function_call_output items; in text mode the bash command stays
 * in the assistant's text (```bash fences or <mswea_bash_command> tags), as graders read it. */
#include <string.h>

#include "agent_common.h"

#define AGENT "mini-swe-agent"

/* extra keys not kept with a message: the raw LLM response duplicates the message, raw_output
 * the tool message's content, timestamp becomes the message's time */
static const char *const extra_drop[] = {"response", "raw_output", "timestamp", NULL};

static bool in_set(const char *k, const char *const *set) {
  for (; *set; set++)
    if (strcmp(k, *set) == 0) return true;
  return false;
}

/* msg.extra = the source's extra without the dropped keys; msg.time from extra.timestamp. */
static enum ds_status keep_extra(json_t *msg, const json_t *m, json_t **first_time) {
  const json_t *extra = json_object_get(m, "extra");
  if (!json_is_object(extra)) return DS_OK;
  const json_t *ts = json_object_get(extra, "timestamp");
  if (json_is_number(ts)) {
    json_t *t = NULL;
    struct ds_bad_record b;
    if (corpus_time("extra.timestamp", ts, &t, &b) == DS_OK) {
      if (!*first_time) *first_time = json_incref(t);
      if (json_object_set_new(msg, "time", t)) return DS_E_NOMEM;
    }
  }
  json_t *keep = NULL;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)extra, k, v) {
    if (in_set(k, extra_drop) || (json_is_string(v) && json_string_length(v) == 0)) continue;
    if (!keep && !(keep = json_object())) return DS_E_NOMEM;
    if (json_object_set(keep, k, v)) {
      json_decref(keep);
      return DS_E_NOMEM;
    }
  }
  if (keep && json_object_set_new(msg, "extra", keep)) return DS_E_NOMEM;
  return DS_OK;
}

/* A Responses-API response object {object:"response", output:[items]} as an assistant turn. */
static enum ds_status response_message(const json_t *m, size_t mi, json_t **out, struct ds_bad_record *bad) {
  json_t *msg = fmt_message("assistant", NULL);
  if (!msg) return DS_E_NOMEM;
  enum ds_status st = DS_OK;
  size_t i;
  const json_t *it;
  json_array_foreach(json_object_get(m, "output"), i, it) {
    const char *type = ds_json_str(it, "type", "");
    if (strcmp(type, "message") == 0) {
      json_t *c = agent_content(json_object_get(it, "content"));
      if (!c) st = DS_E_NOMEM;
      else if (json_is_string(c)) st = fmt_append_content(msg, json_string_value(c));
      json_decref(c);
    } else if (strcmp(type, "reasoning") == 0) {
      size_t k;
      const json_t *s;
      json_array_foreach(json_object_get(it, "summary"), k, s) {
        if (!st) st = fmt_add_reasoning(msg, ds_json_str(s, "text", NULL));
      }
      if (!st && json_is_string(json_object_get(it, "encrypted_content"))) st = agent_mark_redacted(msg);
    } else if (strcmp(type, "function_call") == 0) {
      json_t *one = json_pack("[O]", it);
      st = one ? agent_tool_calls(msg, one, mi, bad) : DS_E_NOMEM;
      json_decref(one);
    }
    if (st) break;
  }
  if (!st && !json_array_size(json_object_get(msg, "tool_calls")) && json_is_null(json_object_get(msg, "content")))
    st = json_object_set_new(msg, "content", json_string("")) ? DS_E_NOMEM : DS_OK;
  if (st) {
    json_decref(msg);
    return st;
  }
  *out = msg;
  return DS_OK;
}

/* Converts message mi and appends it to rec.messages; role "exit" becomes rec.exit_message. */
static enum ds_status add_message(json_t *rec, const json_t *m, size_t mi, bool *tool_calls, json_t **first_time,
                                  struct ds_bad_record *bad) {
  if (!json_is_object(m)) return corpus_bad(bad, "wrong_type", "message %zu is not an object", mi);
  const char *role = ds_json_str(m, "role", NULL);
  const char *type = ds_json_str(m, "type", NULL);
  json_t *msg = NULL;
  enum ds_status st;
  if (role && strcmp(role, "exit") == 0) {
    json_t *ex = agent_content(json_object_get(m, "content"));
    return !ex || json_object_set_new(rec, "exit_message", ex) ? DS_E_NOMEM : DS_OK;
  }
  if (type && strcmp(type, "function_call_output") == 0) {
    const char *id = ds_json_str(m, "call_id", NULL);
    if (!id) return corpus_bad(bad, "missing_field", "message %zu (function_call_output) has no \"call_id\"", mi);
    json_t *c = agent_content(json_object_get(m, "output"));
    msg = c ? fmt_message("tool", NULL) : NULL;
    if (!msg || json_object_set_new(msg, "content", c) || json_object_set_new(msg, "tool_call_id", json_string(id))) {
      if (!msg) json_decref(c);
      json_decref(msg);
      return DS_E_NOMEM;
    }
  } else if (!role && (json_is_array(json_object_get(m, "output")) || strcmp(ds_json_str(m, "object", ""), "response") == 0)) {
    if ((st = response_message(m, mi, &msg, bad))) return st;
  } else if ((st = agent_chat_message(m, NULL, mi, &msg, bad))) {
    return st;
  }
  if (json_array_size(json_object_get(msg, "tool_calls"))) *tool_calls = true;
  if ((st = keep_extra(msg, m, first_time)) || json_array_append_new(json_object_get(rec, "messages"), msg)) {
    if (!st) st = DS_E_NOMEM;
    return st;
  }
  return DS_OK;
}

/* The bash tool mini-swe-agent gives tool-calling models (not written to the log). */
static enum ds_status bash_tool(json_t *rec) {
  size_t i, j;
  const json_t *m, *tc;
  json_array_foreach(json_object_get(rec, "messages"), i, m) {
    json_array_foreach(json_object_get(m, "tool_calls"), j, tc) {
      if (strcmp(ds_json_str(tc, "name", ""), "bash") != 0) return DS_OK; /* other tools: unknown shape */
    }
  }
  json_t *tools = json_pack("[{s:s,s:{s:s,s:s,s:{s:s,s:{s:{s:s,s:s}},s:[s]}}}]", "type", "function", "function", "name",
                            "bash", "description", "Execute a bash command", "parameters", "type", "object", "properties",
                            "command", "type", "string", "description", "The bash command to execute", "required",
                            "command");
  if (!tools || json_object_set_new(rec, "tools", tools)) return DS_E_NOMEM;
  return json_object_set_new(rec, "tools_source", json_string("mini-swe-agent's bash tool (not in the log)")) ? DS_E_NOMEM
                                                                                                          : DS_OK;
}

/* Fills rec from a list of messages and the info object (may be NULL). */
static enum ds_status build(json_t *rec, const json_t *msgs, const json_t *info, struct ds_bad_record *bad) {
  bool tool_calls = false;
  json_t *first_time = NULL;
  size_t i;
  const json_t *m;
  enum ds_status st = DS_OK;
  json_array_foreach(msgs, i, m) {
    if ((st = add_message(rec, m, i, &tool_calls, &first_time, bad))) break;
  }
  if (!st && first_time && json_object_set(rec, "time", first_time)) st = DS_E_NOMEM;
  json_decref(first_time);
  if (st) return st;
  if (json_array_size(json_object_get(rec, "messages")) == 0)
    return corpus_bad(bad, "empty_conversation", "the trajectory has no messages");
  if (tool_calls && (st = bash_tool(rec))) return st;
  if (!info) return DS_OK;
  if ((st = agent_seg_str(rec, "agent_version", ds_json_str(info, "mini_version", NULL))) ||
      (st = agent_seg_str(rec, "model", agent_str_at(info, "config.model.model_name"))) ||
      (st = agent_repo_str(rec, "cwd", agent_str_at(info, "config.environment.cwd"))) ||
      (st = agent_keep(rec, "exit_status", json_object_get(info, "exit_status"))) ||
      (st = agent_keep(rec, "submission", json_object_get(info, "submission"))) ||
      (st = agent_keep(rec, "model_stats", json_object_get(info, "model_stats"))))
    return st;
  const char *env = agent_str_at(info, "config.environment_type");
  if (env && (st = agent_seg_str(rec, "environment", env))) return st;
  return DS_OK;
}

/* ---- detection ---------------------------------------------------------------------------- */

static bool is_msg(const json_t *v) { return json_is_object(v) && json_is_string(json_object_get(v, "role")); }

/* A bare list of messages that looks like mini-swe-agent's text mode. */
static bool text_mode_hint(const struct fmt_probe *p) {
  for (size_t i = 0; i < p->n_items; i++) {
    const char *c = ds_json_str(p->items[i], "content", "");
    if (strstr(c, "```mswea_bash_command") || strstr(c, "<mswea_bash_command>") || strstr(c, "<returncode>")) return true;
  }
  return false;
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  if (p->n_items == 0) {
    snprintf(why, n, "nothing parsed");
    return 0;
  }
  const json_t *d = p->items[0];
  if (json_is_object(d) && json_is_array(json_object_get(d, "messages"))) {
    const char *tf = ds_json_str(d, "trajectory_format", "");
    if (strncmp(tf, "mini-swe-agent", 14) == 0 || ds_json_str(json_object_get(d, "info"), "mini_version", NULL)) return 90;
    snprintf(why, n, "no trajectory_format or mini_version");
    return 0;
  }
  if (strcmp(p->container, FMT_ARRAY) == 0 && is_msg(d)) {
    for (size_t i = 0; i < p->n_items; i++)
      if (!is_msg(p->items[i])) {
        snprintf(why, n, "a list whose items are not all chat messages");
        return 0;
      }
    if (agent_ends_with(p->path, ".traj.json")) return 90;
    if (text_mode_hint(p)) return 60;
    snprintf(why, n, "bare message list: no .traj.json name or markers");
    return 0;
  }
  snprintf(why, n, "no trajectory_format, not a message list");
  return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

struct state {
  char *path;
  json_t *msgs;     /* the bare list's messages so far */
  char *file;       /* where the list starts */
  uint64_t n_items; /* items taken into msgs */
};

static enum ds_status begin(void **out, const struct fmt_probe *p, struct ds_err *err) {
  struct state *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->path = ds_strdup(p->path)) || !(s->msgs = json_array())) {
    if (s) ds_free(s->path);
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *out = s;
  return DS_OK;
}

static enum ds_status document(struct state *s, const struct fmt_item *it, struct fmt_out *o) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  json_t *rec = agent_record(AGENT);
  if (!rec) return DS_E_NOMEM;
  const json_t *info = json_object_get(it->v, "info");
  enum ds_status st = build(rec, json_object_get(it->v, "messages"), json_is_object(info) ? info : NULL, &b);
  if (!st) st = agent_seg_str(rec, "trajectory_format", ds_json_str(it->v, "trajectory_format", NULL));
  /* the exit message repeats the submission when there is one */
  const json_t *ex = json_object_get(rec, "exit_message");
  if (!st && ex && json_equal(ex, json_object_get(rec, "submission"))) json_object_del(rec, "exit_message");
  const char *iid = ds_json_str(it->v, "instance_id", ds_json_str(info, "instance_id", NULL));
  char *stem = NULL;
  if (!st && !iid) iid = stem = agent_file_stem(s->path, ".traj.json");
  if (!st && (!iid || json_object_set_new(rec, "id", json_string(iid)))) st = DS_E_NOMEM;
  ds_free(stem);
  if (st) {
    json_decref(rec);
    return st == DS_E_NOMEM ? st : fmt_fail_item(o, it, &b);
  }
  return fmt_emit(o, rec, it->file, it->line);
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  if (json_is_object(it->v) && json_is_array(json_object_get(it->v, "messages"))) return document(s, it, o);
  if (!is_msg(it->v)) {
    struct ds_bad_record b;
    corpus_bad(&b, "wrong_type", "item is neither a trajectory {info, messages} nor a chat message");
    return fmt_fail_item(o, it, &b);
  }
  if (!s->file && !(s->file = ds_strdup(it->file))) return DS_E_NOMEM;
  s->n_items++;
  return json_array_append(s->msgs, (json_t *)it->v) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  if (!s->n_items) return DS_OK;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  json_t *rec = agent_record(AGENT);
  if (!rec) return DS_E_NOMEM;
  char *stem = agent_file_stem(s->path, ".traj.json");
  enum ds_status st = stem ? build(rec, s->msgs, NULL, &b) : DS_E_NOMEM;
  if (!st && json_object_set_new(rec, "id", json_string(stem))) st = DS_E_NOMEM;
  if (!st) st = agent_seg_str(rec, "trajectory_format", "bare message list");
  ds_free(stem);
  if (st) {
    json_decref(rec);
    if (st == DS_E_NOMEM) return st;
    /* the session fails as a whole: its items are part of no record */
    return fmt_fail(o, s->file, 1, b.reason, "%s", b.msg);
  }
  return fmt_emit(o, rec, s->file, 1);
}

static void end(void *state) {
  struct state *s = state;
  if (!s) return;
  json_decref(s->msgs);
  ds_free(s->path);
  ds_free(s->file);
  ds_free(s);
}

const struct corpus_format corpus_format_mini_swe_agent = {
    .name = "mini-swe-agent",
    .summary = "mini-swe-agent *.traj.json {info, messages, trajectory_format} and the early bare message list",
    .tested = "mini-swe-agent 2.2.7-2.3.0 (mini-swe-agent-1.1), mini-swe-agent-1 layout, early bare list",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
