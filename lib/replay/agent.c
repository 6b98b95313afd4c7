/* agent.c: the agentic loop of replay. Each tool call the candidate makes is answered by the
 * tool simulator (never executed), appended as a tool message, and the conversation goes back
 * to the candidate, until it answers without tool calls or a limit stops it. For agents that
 * act in text (mini-swe-agent, SWE-agent's text mode) the action in the reply is the call and
 * its answer a user message. Loops and malformed calls are recorded in the trajectory, not
 * fatal. */
#include <string.h>

#include "replay/agent.h"

struct step {
  unsigned turn;
  char *tool, *call_id, *arguments, *response, *source;
  bool side_effect;
  double latency_s;
};

struct agent {
  struct ds_toolsim_episode *ep;
  json_t *messages;        /* prefix + generated */
  json_t *trajectory;      /* generated only */
  json_t *all_calls;       /* every tool call of the episode, flattened */
  struct step *steps;
  size_t n_steps, cap_steps;
  struct agent_limits lim;
  unsigned turns;
  long tokens, prompt_tokens;
  double t0, latency;
  unsigned attempts;
  char *last_call;         /* canonical "tool\x1fargs" of the previous call, for loops */
  unsigned repeats;
};

void agent_default_limits(struct agent_limits *l) {
  l->max_steps = 20;
  l->max_tokens = 32768;
  l->max_seconds = 600;
  l->loop_repeats = 3;
}

enum ds_status agent_new(struct ds_toolsim *ts, const json_t *record, const json_t *prefix_messages,
                         const struct agent_limits *lim, struct agent **out, struct ds_err *err) {
  struct agent *a = ds_calloc(1, sizeof *a);
  if (!a) return ds_fail(err, DS_E_NOMEM, "out of memory");
  a->lim = *lim;
  a->messages = json_deep_copy(prefix_messages);
  a->trajectory = json_array();
  a->all_calls = json_array();
  a->t0 = ds_now_mono();
  enum ds_status st = DS_OK;
  if (!a->messages || !a->trajectory || !a->all_calls) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!st) st = ds_toolsim_episode_new(ts, record, &a->ep, err);
  if (!st) ds_toolsim_episode_history(a->ep, prefix_messages);
  if (st) {
    agent_free(a);
    return st;
  }
  *out = a;
  return DS_OK;
}

void agent_free(struct agent *a) {
  if (!a) return;
  ds_toolsim_episode_free(a->ep);
  json_decref(a->messages);
  json_decref(a->trajectory);
  json_decref(a->all_calls);
  for (size_t i = 0; i < a->n_steps; i++) {
    struct step *s = &a->steps[i];
    ds_free(s->tool);
    ds_free(s->call_id);
    ds_free(s->arguments);
    ds_free(s->response);
    ds_free(s->source);
  }
  ds_free(a->steps);
  ds_free(a->last_call);
  ds_free(a);
}

const json_t *agent_messages(const struct agent *a) { return a->messages; }
const json_t *agent_trajectory(const struct agent *a) { return a->trajectory; }
unsigned agent_steps(const struct agent *a) { return a->turns; }

static bool add_step(struct agent *a, unsigned turn, const char *tool, const char *id, const char *args,
                     const struct ds_tool_answer *ans) {
  if (a->n_steps == a->cap_steps) {
    size_t cap = a->cap_steps ? a->cap_steps * 2 : 8;
    struct step *v = ds_realloc(a->steps, cap * sizeof *v);
    if (!v) return false;
    a->steps = v;
    a->cap_steps = cap;
  }
  struct step *s = &a->steps[a->n_steps++];
  s->turn = turn;
  s->tool = ds_strdup(tool ? tool : "");
  s->call_id = id ? ds_strdup(id) : NULL;
  s->arguments = ds_strdup(args ? args : "");
  s->response = ds_strdup(ans->response ? ans->response : "");
  s->source = ds_strdup(ds_tool_source_name(ans->source));
  s->side_effect = ans->side_effect;
  s->latency_s = ans->latency_s;
  return true;
}

/* Ends the episode: res keeps the last turn's content, carries every call of the episode. */
static bool finish(struct agent *a, struct ds_result *res, const char *why) {
  if (why) {
    ds_free(res->finish_reason);
    res->finish_reason = ds_strdup(why);
  }
  json_decref(res->tool_calls);
  res->tool_calls = json_array_size(a->all_calls) ? json_incref(a->all_calls) : NULL;
  res->completion_tokens = a->tokens;
  res->prompt_tokens = a->prompt_tokens;
  res->latency_s = a->latency;
  res->attempts = a->attempts;
  return false;
}

/* The same call again and again is a loop: true once it repeated loop_repeats times. */
static bool repeated(struct agent *a, const char *name, const char *args) {
  struct ds_buf key;
  ds_buf_init(&key, 0);
  ds_buf_addf(&key, "%s\x1f%s", name, args);
  bool loop = false;
  if (a->last_call && strcmp(a->last_call, key.data) == 0) {
    if (++a->repeats + 1 >= a->lim.loop_repeats) loop = true;
  } else {
    a->repeats = 0;
  }
  ds_free(a->last_call);
  a->last_call = ds_buf_detach(&key, NULL);
  return loop;
}

/* Answers a text action; the answer goes back as a user message. Returns the loop verdict. */
static bool answer_text_action(struct agent *a, const char *tool, const char *args) {
  struct ds_tool_answer ans;
  struct ds_err e = {0};
  if (ds_toolsim_answer(a->ep, tool, args, &ans, &e) != DS_OK) {
    memset(&ans, 0, sizeof ans);
    ans.response = ds_strdup(e.msg);
    ans.source = DS_TOOL_SOURCE_ERROR;
    ans.is_error = true;
  }
  add_step(a, a->turns, tool, NULL, args, &ans);
  json_t *um = json_pack("{s:s,s:s}", "role", "user", "content", ans.response ? ans.response : "");
  if (um) {
    json_array_append(a->messages, um);
    json_array_append_new(a->trajectory, um);
  }
  ds_tool_answer_release(&ans);
  return repeated(a, tool, args);
}

/* After a turn's calls are answered: the episode goes on unless a limit ends it. */
static bool next_turn(struct agent *a, struct ds_result *res, bool loop, const json_t **out_messages) {
  if (loop) return finish(a, res, "loop");
  if (a->turns >= a->lim.max_steps) return finish(a, res, "max_steps");
  if (a->lim.max_tokens > 0 && a->tokens >= a->lim.max_tokens) return finish(a, res, "max_tokens");
  if (a->lim.max_seconds > 0 && ds_now_mono() - a->t0 >= a->lim.max_seconds) return finish(a, res, "timeout");
  *out_messages = a->messages;
  return true;
}

bool agent_feed(struct agent *a, struct ds_result *res, const json_t **out_messages) {
  a->turns++;
  a->latency += res->latency_s;
  a->attempts += res->attempts;
  if (res->completion_tokens > 0) a->tokens += res->completion_tokens;
  if (res->prompt_tokens > 0) a->prompt_tokens += res->prompt_tokens;
  if (res->status != DS_OK) return finish(a, res, NULL); /* the failure is the sample's */
  json_t *msg = json_pack("{s:s,s:s}", "role", "assistant", "content", res->content ? res->content : "");
  if (!msg) return finish(a, res, "error");
  size_t n_calls = json_array_size(res->tool_calls);
  if (n_calls) json_object_set(msg, "tool_calls", res->tool_calls);
  json_array_append(a->messages, msg);
  json_array_append_new(a->trajectory, msg);
  if (!n_calls) {
    /* agents that act in text (mini-swe-agent, SWE-agent's text mode): the action in the reply,
     * answered as a user message, as those agents do */
    char *tool = NULL, *targs = NULL;
    if (!ds_toolsim_text_action(a->ep, res->content, &tool, &targs)) return finish(a, res, NULL);
    bool loop = answer_text_action(a, tool, targs);
    ds_free(tool);
    ds_free(targs);
    return next_turn(a, res, loop, out_messages);
  }
  /* answer every call of this turn, even when a limit then ends the episode, so the
   * trajectory shows what the candidate tried */
  bool loop = false;
  size_t i;
  json_t *call;
  json_array_foreach(res->tool_calls, i, call) {
    json_array_append(a->all_calls, call);
    const char *name = ds_json_str(call, "name", "");
    const char *args = ds_json_str(call, "arguments", "");
    const char *id = ds_json_str(call, "id", NULL);
    struct ds_tool_answer ans;
    struct ds_err e = {0};
    if (ds_toolsim_answer(a->ep, name, args, &ans, &e) != DS_OK) {
      memset(&ans, 0, sizeof ans);
      ans.response = ds_strdup(e.msg);
      ans.source = DS_TOOL_SOURCE_ERROR;
      ans.is_error = true;
    }
    add_step(a, a->turns, name, id, args, &ans);
    json_t *tm = json_pack("{s:s,s:s,s:s}", "role", "tool", "tool_call_id", id ? id : "", "content",
                           ans.response ? ans.response : "");
    if (tm) {
      json_object_set_new(tm, "name", json_string(name));
      json_array_append(a->messages, tm);
      json_array_append_new(a->trajectory, tm);
    }
    ds_tool_answer_release(&ans);
    if (repeated(a, name, args)) loop = true;
  }
  return next_turn(a, res, loop, out_messages);
}

enum ds_status agent_store_steps(const struct agent *a, sqlite3 *db, int64_t sample_id, struct ds_err *err) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO tool_steps(sample_id,step,tool,call_id,arguments,response,source,side_effect,"
                         "latency_s) VALUES(?,?,?,?,?,?,?,?,?)",
                         -1, &q, NULL) != SQLITE_OK)
    return ds_fail(err, DS_E_DB, "storing tool steps: %s", sqlite3_errmsg(db));
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < a->n_steps && !st; i++) {
    const struct step *s = &a->steps[i];
    sqlite3_bind_int64(q, 1, sample_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
    sqlite3_bind_text(q, 3, s->tool, -1, SQLITE_STATIC);
    if (s->call_id) sqlite3_bind_text(q, 4, s->call_id, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 4);
    sqlite3_bind_text(q, 5, s->arguments, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, s->response, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, s->source, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 8, s->side_effect);
    sqlite3_bind_double(q, 9, s->latency_s);
    if (sqlite3_step(q) != SQLITE_DONE) st = ds_fail(err, DS_E_DB, "storing tool steps: %s", sqlite3_errmsg(db));
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  return st;
}
