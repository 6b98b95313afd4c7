/* openhands.c: OpenHands V0 logs: the event stream (sessions/<sid>/events/<n>.json, one event
 * per file, or a JSON array / JSON Lines of events: the UI's trajectory export), the
 * {"trajectory": [events]} download, and evaluation output rows (output.jsonl: one session per
 * line, its events in "history"; older rows list [action, observation] pairs, the resolver's
 * rows flattened event fields). An event is {id, timestamp, source, action|observation, args |
 * content+extras, cause, tool_call_metadata}. Tool calls come from tool_call_metadata (the
 * model's own response, parallel calls grouped by response id); actions of the text-mode
 * CodeAct era have none and get a synthesized call ("synthetic": true) answered by the next
 * observation. Bookkeeping (agent state changes, recalls, null events) is skipped by type. */
#include <string.h>

#include "agent_common.h"

#define AGENT "openhands"

/* Actions and observations that are not part of the conversation. */
static const char *const skip_actions[] = {"change_agent_state", "recall", "null", "pause", "resume", "push",
                                           "condensation_request", "start", NULL};
static const char *const skip_observations[] = {"agent_state_changed", "null", "recall", "success", NULL};
/* args that describe how an action ran, not what the model asked for */
static const char *const arg_drop[] = {"thought", "is_confirmed", "confirmation_state", "security_risk", "keep_prompt",
                                       "kernel_init_code", "blocking", "hidden", "wait_for_response", "images_urls",
                                       "image_urls", "action", "is_input", "impl_source", "include_extra", NULL};
/* an event's own fields, met among the arguments of the resolver's flattened events */
static const char *const event_keys[] = {"observation", "content", "extras", "source", "id", "timestamp", "cause",
                                         "message", "tool_call_metadata", "llm_metrics", "timeout", NULL};
/* function names CodeAct's function-calling agent gives these actions */
static const char *const fn_names[][2] = {{"run", "execute_bash"},       {"run_ipython", "execute_ipython_cell"},
                                          {"browse", "browser"},         {"browse_interactive", "browser"},
                                          {"edit", "str_replace_editor"}, {"read", "str_replace_editor"},
                                          {"think", "think"},             {"finish", "finish"},
                                          {"delegate", "delegate"},       {"call_tool_mcp", "mcp"}};

static bool in_set(const char *k, const char *const *set) {
  for (; k && *set; set++)
    if (strcmp(k, *set) == 0) return true;
  return false;
}

struct conv {
  json_t *rec, *msgs;
  json_t *by_resp;     /* model response id -> its assistant message (borrowed) */
  json_t *call_of;     /* action event id -> tool call id */
  json_t *pending;     /* synthesized tool call ids awaiting their observation, in order */
  unsigned synth;      /* synthesized ids made */
  bool agent_spoke;    /* an agent event was seen (for events without "source") */
};

static void conv_release(struct conv *c) {
  json_decref(c->rec);
  json_decref(c->by_resp);
  json_decref(c->call_of);
  json_decref(c->pending);
  memset(c, 0, sizeof *c);
}

static enum ds_status conv_init(struct conv *c) {
  memset(c, 0, sizeof *c);
  c->rec = agent_record(AGENT);
  c->by_resp = json_object();
  c->call_of = json_object();
  c->pending = json_array();
  if (!c->rec || !c->by_resp || !c->call_of || !c->pending) {
    conv_release(c);
    return DS_E_NOMEM;
  }
  c->msgs = json_object_get(c->rec, "messages");
  return DS_OK;
}

/* An event's id as text (ids are integers in V0 files). */
static void id_text(const json_t *v, char *buf, size_t n) {
  buf[0] = '\0';
  if (json_is_integer(v)) snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_string(v)) snprintf(buf, n, "%s", json_string_value(v));
}

static enum ds_status append(struct conv *c, json_t *msg, const json_t *e) {
  const json_t *ts = json_object_get(e, "timestamp");
  if (ts && !json_is_null(ts)) {
    json_t *t = NULL;
    struct ds_bad_record b;
    if (corpus_time("timestamp", ts, &t, &b) == DS_OK) {
      if (!json_object_get(c->rec, "time") && json_object_set(c->rec, "time", t)) {
        json_decref(t);
        json_decref(msg);
        return DS_E_NOMEM;
      }
      json_object_set_new(msg, "time", t);
    }
  }
  return json_array_append_new(c->msgs, msg) ? DS_E_NOMEM : DS_OK;
}

/* The arguments an action's tool call had: args without the bookkeeping fields. */
static json_t *call_args(const json_t *args) {
  json_t *a = json_object();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)args, k, v) {
    if (in_set(k, arg_drop) || in_set(k, event_keys)) continue;
    if (a && json_object_set(a, k, v)) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

/* An agent action with tool_call_metadata: its model response's message, once per response. */
static enum ds_status metadata_action(struct conv *c, const json_t *e, const json_t *args, const json_t *tcm,
                                      struct ds_bad_record *bad) {
  const json_t *resp = json_object_get(tcm, "model_response");
  const char *rid = ds_json_str(resp, "id", NULL);
  const char *call = ds_json_str(tcm, "tool_call_id", NULL);
  char eid[64];
  id_text(json_object_get(e, "id"), eid, sizeof eid);
  if (call && eid[0] && json_object_set_new(c->call_of, eid, json_string(call))) return DS_E_NOMEM;
  if (rid && json_object_get(c->by_resp, rid)) return DS_OK; /* a parallel call of a response already in */
  const json_t *m = json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "message");
  json_t *msg = NULL;
  enum ds_status st;
  if (json_is_object(m) && json_array_size(json_object_get(m, "tool_calls"))) {
    if ((st = agent_chat_message(m, "assistant", json_array_size(c->msgs), &msg, bad))) return st;
  } else {
    const char *fn = ds_json_str(tcm, "function_name", NULL);
    if (!call || !fn) return corpus_bad(bad, "bad_tool_call", "tool_call_metadata has no tool_call_id or function_name");
    const char *thought = ds_json_str(args, "thought", NULL);
    msg = fmt_message("assistant", thought && *thought ? thought : NULL);
    json_t *a = call_args(args);
    if (!msg || !a || fmt_add_tool_call(msg, call, fn, a)) {
      json_decref(a);
      json_decref(msg);
      return DS_E_NOMEM;
    }
    json_decref(a);
  }
  if (rid && json_object_set(c->by_resp, rid, msg)) {
    json_decref(msg);
    return DS_E_NOMEM;
  }
  return append(c, msg, e);
}

/* An agent action with no metadata (text-mode CodeAct): a synthesized tool call. */
static enum ds_status synthetic_action(struct conv *c, const json_t *e, const char *act, const json_t *args) {
  const char *fn = act;
  for (unsigned i = 0; i < DS_ARRAY_LEN(fn_names); i++)
    if (strcmp(act, fn_names[i][0]) == 0) fn = fn_names[i][1];
  char eid[64], cid[96];
  id_text(json_object_get(e, "id"), eid, sizeof eid);
  snprintf(cid, sizeof cid, "openhands-%s", eid[0] ? eid : "");
  if (!eid[0]) snprintf(cid, sizeof cid, "openhands-call-%u", c->synth);
  c->synth++;
  const char *thought = ds_json_str(args, "thought", NULL);
  json_t *msg = fmt_message("assistant", thought && *thought ? thought : NULL);
  json_t *a = call_args(args);
  enum ds_status st = DS_E_NOMEM;
  if (msg && a && !fmt_add_tool_call(msg, cid, fn, a)) {
    json_t *tc = json_array_get(json_object_get(msg, "tool_calls"), 0);
    if (!json_object_set_new(tc, "synthetic", json_true()) && !json_array_append_new(c->pending, json_string(cid)) &&
        !(eid[0] && json_object_set_new(c->call_of, eid, json_string(cid))))
      st = DS_OK;
  }
  json_decref(a);
  if (st) {
    json_decref(msg);
    return st;
  }
  return append(c, msg, e);
}

/* A message action: the user's or the agent's text. */
static enum ds_status message_action(struct conv *c, const json_t *e, const json_t *args, bool user) {
  const char *text = ds_json_str(args, "content", ds_json_str(e, "message", ""));
  json_t *msg = fmt_message(user ? "user" : "assistant", text);
  if (!msg) return DS_E_NOMEM;
  const json_t *urls = json_object_get(args, "image_urls");
  if (!urls) urls = json_object_get(args, "images_urls");
  if (json_array_size(urls)) {
    json_t *parts = json_pack("[{s:s,s:s}]", "type", "text", "text", text);
    size_t i;
    const json_t *u;
    json_array_foreach(urls, i, u) {
      if (json_is_string(u) && parts)
        json_array_append_new(parts, json_pack("{s:s,s:{s:O}}", "type", "image_url", "image_url", "url", u));
    }
    if (!parts || json_object_set_new(msg, "content", parts)) {
      json_decref(msg);
      return DS_E_NOMEM;
    }
  }
  return append(c, msg, e);
}

static enum ds_status action(struct conv *c, const json_t *e, const char *act, const char **skip_type,
                             struct ds_bad_record *bad) {
  const json_t *args = json_object_get(e, "args");
  if (!json_is_object(args)) args = e; /* the resolver's flattened events */
  const char *src = ds_json_str(e, "source", NULL);
  bool user = src ? strcmp(src, "user") == 0 : !c->agent_spoke && strcmp(act, "message") == 0;
  if (!user && src && strcmp(src, "agent") == 0) c->agent_spoke = true;
  if (!src && !user) c->agent_spoke = true;
  if (in_set(act, skip_actions)) {
    *skip_type = act;
    return DS_OK;
  }
  if (strcmp(act, "condensation") == 0) {
    json_t *cs = json_object_get(c->rec, "condensations");
    if (!cs && (json_object_set_new(c->rec, "condensations", cs = json_array()) || !cs)) return DS_E_NOMEM;
    json_t *entry = json_pack("{s:I}", "at_message", (json_int_t)json_array_size(c->msgs));
    if (!entry || json_array_append_new(cs, entry)) return DS_E_NOMEM;
    agent_keep(entry, "summary", json_object_get(args, "summary"));
    *skip_type = act;
    return DS_OK;
  }
  if (strcmp(act, "system") == 0) {
    json_t *msg = fmt_message("system", ds_json_str(args, "content", ""));
    if (!msg) return DS_E_NOMEM;
    enum ds_status st = agent_keep(c->rec, "tools", json_object_get(args, "tools"));
    if (!st) st = agent_seg_str(c->rec, "agent_version", ds_json_str(args, "openhands_version", NULL));
    if (!st) st = agent_seg_str(c->rec, "agent_class", ds_json_str(args, "agent_class", NULL));
    if (st) {
      json_decref(msg);
      return st;
    }
    return append(c, msg, e);
  }
  if (strcmp(act, "message") == 0) return message_action(c, e, args, user);
  const json_t *tcm = json_object_get(e, "tool_call_metadata");
  if (json_is_object(tcm)) return metadata_action(c, e, args, tcm, bad);
  if (user) {
    /* the user ran something themselves: context for the agent, not its call */
    const char *cmd = ds_json_str(args, "command", NULL);
    struct ds_buf b;
    ds_buf_init(&b, 0);
    char *text = cmd ? NULL : ds_json_canonical(args);
    enum ds_status st = ds_buf_addf(&b, cmd ? "User executed the command:\n%s" : "User action %s: %s", cmd ? cmd : act,
                                    cmd ? "" : text ? text : "");
    ds_free(text);
    json_t *msg = st ? NULL : fmt_message("user", b.data);
    ds_buf_release(&b);
    return msg ? append(c, msg, e) : DS_E_NOMEM;
  }
  if (strcmp(act, "finish") == 0 || strcmp(act, "reject") == 0) {
    const char *t = ds_json_str(args, "final_thought", NULL);
    if (!t || !*t) t = ds_json_str(args, "thought", "");
    json_t *msg = fmt_message("assistant", t);
    return msg ? append(c, msg, e) : DS_E_NOMEM;
  }
  return synthetic_action(c, e, act, args);
}

/* The call an observation answers (a new string, or NULL): its metadata's, its cause's, or the
 * oldest synthesized call still open. The call is not open any more. */
static char *answered_call(struct conv *c, const json_t *e) {
  const char *id = ds_json_str(json_object_get(e, "tool_call_metadata"), "tool_call_id", NULL);
  char cause[64];
  id_text(json_object_get(e, "cause"), cause, sizeof cause);
  if (!id && cause[0]) id = ds_json_str(c->call_of, cause, NULL);
  if (!id && json_array_size(c->pending)) id = json_string_value(json_array_get(c->pending, 0));
  char *copy = id ? ds_strdup(id) : NULL;
  size_t i;
  const json_t *p;
  json_array_foreach(c->pending, i, p) {
    if (copy && strcmp(json_string_value(p), copy) == 0) {
      json_array_remove(c->pending, i);
      break;
    }
  }
  return copy;
}

static enum ds_status observation(struct conv *c, const json_t *e, const char *obs, const char **skip_type) {
  if (in_set(obs, skip_observations)) {
    *skip_type = obs;
    /* a recall of the workspace names the repository the agent works in */
    const json_t *x = json_object_get(e, "extras");
    if (strcmp(obs, "recall") == 0 && json_is_object(x)) {
      enum ds_status st;
      if ((st = agent_repo_str(c->rec, "path_or_url", ds_json_str(x, "repo_name", NULL))) ||
          (st = agent_repo_str(c->rec, "cwd", ds_json_str(x, "repo_directory", ds_json_str(x, "working_dir", NULL)))) ||
          (st = agent_repo_str(c->rec, "branch", ds_json_str(x, "repo_branch", NULL))))
        return st;
    }
    return DS_OK;
  }
  const json_t *content = json_object_get(e, "content");
  char *id = answered_call(c, e);
  json_t *msg = fmt_message(id ? "tool" : "user", json_is_string(content) ? json_string_value(content) : "");
  if (!msg || (id && json_object_set_new(msg, "tool_call_id", json_string(id)))) {
    ds_free(id);
    json_decref(msg);
    return DS_E_NOMEM;
  }
  ds_free(id);
  const json_t *x = json_object_get(e, "extras");
  if (!json_is_object(x)) x = e;
  const json_t *code = json_object_get(x, "exit_code");
  if (!json_is_integer(code)) code = json_object_get(json_object_get(x, "metadata"), "exit_code");
  enum ds_status st = DS_OK;
  if (json_is_integer(code)) st = json_object_set(msg, "exit_code", (json_t *)code) ? DS_E_NOMEM : DS_OK;
  if (!st && strcmp(obs, "error") == 0) st = json_object_set_new(msg, "is_error", json_true()) ? DS_E_NOMEM : DS_OK;
  if (!st && !json_object_get(json_object_get(c->rec, "repo"), "cwd"))
    st = agent_repo_str(c->rec, "cwd", agent_str_at(x, "metadata.working_dir"));
  if (st) {
    json_decref(msg);
    return st;
  }
  return append(c, msg, e);
}

static bool is_event(const json_t *e) {
  if (!json_is_object(e) || json_object_get(e, "kind")) return false;
  bool a = json_is_string(json_object_get(e, "action")), o = json_is_string(json_object_get(e, "observation"));
  return a != o;
}

/* One event into the conversation. *skip_type is set when it is bookkeeping. */
static enum ds_status conv_event(struct conv *c, const json_t *e, const char **skip_type, struct ds_bad_record *bad) {
  *skip_type = NULL;
  if (!is_event(e)) return corpus_bad(bad, "wrong_type", "not an OpenHands event (one of \"action\" or \"observation\")");
  const char *act = ds_json_str(e, "action", NULL);
  if (act) return action(c, e, act, skip_type, bad);
  return observation(c, e, ds_json_str(e, "observation", ""), skip_type);
}

/* ---- evaluation rows ------------------------------------------------------------------------ */

/* An object with a "history" (or "trajectory") list and no SWE-agent "info": a row to read. */
static bool looks_row(const json_t *v) {
  if (!json_is_object(v) || json_object_get(v, "info")) return false;
  return json_is_array(json_object_get(v, "history")) || json_is_array(json_object_get(v, "trajectory"));
}

/* A row whose history starts with an event: what detection takes. */
static bool is_row(const json_t *v) {
  if (!looks_row(v)) return false;
  const json_t *h = json_object_get(v, "history");
  if (!json_is_array(h)) h = json_object_get(v, "trajectory");
  const json_t *first = json_array_get(h, 0);
  return !first || is_event(first) || (json_is_array(first) && is_event(json_array_get(first, 0)));
}

static enum ds_status row_id(const json_t *v, const char *path, size_t n_rows, struct ds_buf *b) {
  const json_t *iid = json_object_get(v, "instance_id");
  const json_t *issue = json_object_get(v, "issue");
  if (json_is_string(iid)) return ds_buf_adds(b, json_string_value(iid));
  if (json_is_integer(iid)) return ds_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(iid));
  if (json_is_object(issue))
    return ds_buf_addf(b, "%s/%s#%" JSON_INTEGER_FORMAT, ds_json_str(issue, "owner", "?"), ds_json_str(issue, "repo", "?"),
                       json_integer_value(json_object_get(issue, "number")));
  char *stem = agent_file_stem(path, ".jsonl");
  enum ds_status st = stem ? ds_buf_addf(b, "%s#%zu", stem, n_rows) : DS_E_NOMEM;
  ds_free(stem);
  return st;
}

static enum ds_status row(const json_t *v, const char *path, size_t n_rows, json_t **out, struct ds_bad_record *bad) {
  *out = NULL;
  struct conv c;
  if (conv_init(&c)) return DS_E_NOMEM;
  const json_t *h = json_object_get(v, "history");
  if (!json_is_array(h)) h = json_object_get(v, "trajectory");
  enum ds_status st = DS_OK;
  size_t i;
  const json_t *e;
  json_array_foreach(h, i, e) {
    const char *skip;
    for (size_t k = 0; !st && k < (json_is_array(e) ? json_array_size(e) : 1); k++) {
      const json_t *ev = json_is_array(e) ? json_array_get(e, k) : e;
      st = conv_event(&c, ev, &skip, bad);
      if (st && st != DS_E_NOMEM) {
        char m[sizeof bad->msg];
        snprintf(m, sizeof m, "%s", bad->msg);
        corpus_bad(bad, bad->reason, "history event %zu: %s", i, m);
      }
    }
    if (st) break;
  }
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (!st && row_id(v, path, n_rows, &b)) st = DS_E_NOMEM;
  if (!st && json_object_set_new(c.rec, "id", json_string(b.data))) st = DS_E_NOMEM;
  ds_buf_release(&b);
  if (!st && !json_array_size(c.msgs)) st = corpus_bad(bad, "empty_conversation", "the history has no conversation events");
  if (!st) {
    const json_t *md = json_object_get(v, "metadata");
    const json_t *inst = json_object_get(v, "instance");
    const json_t *issue = json_object_get(v, "issue");
    const char *model = agent_str_at(md, "llm_config.model");
    if (!model) model = ds_json_str(md, "model_name", NULL);
    char url[300] = "";
    const char *repo = ds_json_str(inst, "repo", NULL);
    if (repo) snprintf(url, sizeof url, "https://github.com/%s", repo);
    else if (json_is_object(issue))
      snprintf(url, sizeof url, "https://github.com/%s/%s", ds_json_str(issue, "owner", ""), ds_json_str(issue, "repo", ""));
    const char *commit = ds_json_str(inst, "base_commit", ds_json_str(v, "base_commit", NULL));
    (void)((st = agent_seg_str(c.rec, "model", model)) ||
           (st = agent_seg_str(c.rec, "agent_class", ds_json_str(md, "agent_class", NULL))) ||
           (st = agent_repo_str(c.rec, "path_or_url", url)) || (st = agent_repo_str(c.rec, "commit", commit)) ||
           (st = agent_keep(c.rec, "test_result", json_object_get(v, "test_result"))) ||
           (st = agent_keep(c.rec, "success", json_object_get(v, "success"))) ||
           (st = agent_keep(c.rec, "error", json_object_get(v, "error"))) ||
           (st = agent_keep(c.rec, "submission", json_object_get(v, "git_patch"))) ||
           (st = agent_keep(c.rec, "metrics", json_object_get(v, "metrics"))));
  }
  if (st) {
    conv_release(&c);
    return st;
  }
  *out = c.rec;
  c.rec = NULL;
  conv_release(&c);
  return DS_OK;
}

/* ---- the reader ------------------------------------------------------------------------------ */

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  size_t events = 0, rows = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    if (is_event(p->items[i])) events++;
    else if (is_row(p->items[i])) rows++;
  }
  /* most items (a damaged one may be among them) are events, or evaluation rows */
  if (events + rows > 0 && 2 * (events + rows) > p->n_items) return events == 0 || rows == 0 ? 90 : 80;
  snprintf(why, n, "no action/observation events");
  return 0;
}

struct state {
  char *path, *id;
  struct conv c;
  char *file; /* the first event's file */
  size_t n_events, n_rows;
};

static enum ds_status begin(void **out, const struct fmt_probe *p, struct ds_err *err) {
  struct state *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->path = ds_strdup(p->path)) || conv_init(&s->c)) {
    if (s) ds_free(s->path);
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  /* a session's id: sessions/<sid>/events -> sid; a file -> its name */
  const char *suffix = strcmp(p->container, FMT_EVENT_DIR) == 0 ? NULL : ".json";
  char *stem = agent_file_stem(p->path, suffix);
  if (stem && strcmp(stem, "events") == 0 && strcmp(p->container, FMT_EVENT_DIR) == 0) {
    size_t len = strlen(p->path);
    char *parent = ds_strdup(p->path);
    if (parent && len > 7) {
      parent[len - 7] = '\0';
      ds_free(stem);
      stem = agent_file_stem(parent, NULL);
    }
    ds_free(parent);
  } else if (stem && agent_ends_with(stem, ".jsonl")) {
    stem[strlen(stem) - 6] = '\0';
  }
  s->id = stem;
  *out = s;
  return s->id ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (looks_row(it->v)) {
    json_t *rec = NULL;
    enum ds_status st = row(it->v, s->path, ++s->n_rows, &rec, &b);
    if (st == DS_E_NOMEM) return st;
    return st ? fmt_fail_item(o, it, &b) : fmt_emit(o, rec, it->file, it->line);
  }
  const char *skip = NULL;
  enum ds_status st = conv_event(&s->c, it->v, &skip, &b);
  if (st == DS_E_NOMEM) return st;
  if (st) return fmt_fail_item(o, it, &b);
  if (skip) fmt_skip(o, skip, 1);
  else s->n_events++;
  if (!s->file && !(s->file = ds_strdup(it->file))) return DS_E_NOMEM;
  return DS_OK;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  if (!s->file) return DS_OK; /* rows only, or nothing */
  if (!s->n_events) return DS_OK; /* only bookkeeping: every event is counted skipped */
  if (json_object_set_new(s->c.rec, "id", json_string(s->id))) return DS_E_NOMEM;
  json_t *rec = s->c.rec;
  s->c.rec = NULL;
  return fmt_emit(o, rec, s->file, 1);
}

static void end(void *state) {
  struct state *s = state;
  if (!s) return;
  conv_release(&s->c);
  ds_free(s->path);
  ds_free(s->id);
  ds_free(s->file);
  ds_free(s);
}

const struct corpus_format corpus_format_openhands = {
    .name = "openhands",
    .summary = "OpenHands V0 events (sessions/<sid>/events/<n>.json, trajectory export) and eval output.jsonl rows",
    .tested = "OpenHands V0 resolver output.jsonl (2024), event dicts of OpenHands 0.x (function calling and text mode)",
    .flags = FMT_SESSION | FMT_EVENT_FILES,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
