/* swe_agent.c: SWE-agent trajectories, "<instance>.traj" = one pretty-printed JSON document
 * {trajectory, history, info, replay_config, environment}. The record is made from "history"
 * (the OpenAI-style messages the model saw, with tool_calls, tool_call_ids, thinking_blocks,
 * message_type, is_demo); a file without a history (older or trimmed files) falls back to
 * "trajectory" steps {thought, action, observation, response, query, state}. A RetryAgent
 * file {attempts: [...], best attempt's copy at the top} gives one record per attempt.
 * Demonstrations (is_demo) are kept as context ("context": true), not as the agent's turns. */
#include <string.h>

#include "agent_common.h"

#define AGENT "swe-agent"

/* ---- history ------------------------------------------------------------------------------ */

static enum ds_status from_history(json_t *rec, const json_t *hist, struct ds_bad_record *bad) {
  json_t *msgs = json_object_get(rec, "messages");
  size_t i;
  const json_t *h;
  json_array_foreach(hist, i, h) {
    json_t *msg = NULL;
    enum ds_status st = agent_chat_message(h, NULL, i, &msg, bad);
    if (st) return st;
    if (json_array_append_new(msgs, msg)) return DS_E_NOMEM;
    const char *mt = ds_json_str(h, "message_type", NULL);
    if (mt && json_object_set_new(msg, "message_type", json_string(mt))) return DS_E_NOMEM;
    if (json_is_true(json_object_get(h, "is_demo")) &&
        (json_object_set_new(msg, "context", json_true()) || json_object_set_new(msg, "is_demo", json_true())))
      return DS_E_NOMEM;
    const char *action = ds_json_str(h, "action", NULL);
    if (action && strcmp(ds_json_str(h, "role", ""), "assistant") == 0 &&
        json_object_set_new(msg, "action", json_string(action)))
      return DS_E_NOMEM;
    const char *agent = ds_json_str(h, "agent", NULL);
    if (agent && strcmp(agent, "main") != 0 && json_object_set_new(msg, "agent", json_string(agent))) return DS_E_NOMEM;
  }
  return DS_OK;
}

/* ---- trajectory steps (the fallback) ------------------------------------------------------ */

/* The step's model output: its response, else thought and action in SWE-agent's text layout. */
static enum ds_status step_text(const json_t *s, struct ds_buf *b) {
  ds_buf_reset(b);
  const char *resp = ds_json_str(s, "response", NULL);
  if (resp && *resp) return ds_buf_adds(b, resp);
  const char *thought = ds_json_str(s, "thought", "");
  const char *action = ds_json_str(s, "action", "");
  if (ds_buf_adds(b, thought)) return DS_E_NOMEM;
  if (*action && (ds_buf_adds(b, *thought ? "\n\n```\n" : "```\n") || ds_buf_adds(b, action) || ds_buf_adds(b, "\n```")))
    return DS_E_NOMEM;
  return DS_OK;
}

static enum ds_status from_steps(json_t *rec, const json_t *steps, struct ds_bad_record *bad) {
  json_t *msgs = json_object_get(rec, "messages");
  enum ds_status st = DS_OK;
  /* what the model saw before its first step: the first step's query (1.x) or messages (0.x) */
  const json_t *first = json_array_get(steps, 0);
  const json_t *query = json_object_get(first, "query");
  if (!json_is_array(query)) query = json_object_get(first, "messages");
  size_t i;
  const json_t *s;
  json_array_foreach(query, i, s) {
    if (strcmp(ds_json_str(s, "role", ""), "assistant") == 0) break; /* a query ends before the step's answer */
    json_t *msg = NULL;
    if ((st = agent_chat_message(s, NULL, i, &msg, bad))) return st;
    if (json_is_true(json_object_get(s, "is_demo")) && json_object_set_new(msg, "context", json_true())) st = DS_E_NOMEM;
    if (st || json_array_append_new(msgs, msg)) return DS_E_NOMEM;
  }
  struct ds_buf b;
  ds_buf_init(&b, 0);
  json_array_foreach(steps, i, s) {
    if (!json_is_object(s)) {
      st = corpus_bad(bad, "wrong_type", "trajectory step %zu is not an object", i);
      break;
    }
    json_t *a = NULL, *o = NULL;
    if ((st = step_text(s, &b)) || !(a = fmt_message("assistant", b.data ? b.data : "")) ||
        json_array_append_new(msgs, a)) {
      st = DS_E_NOMEM;
      break;
    }
    const char *action = ds_json_str(s, "action", NULL);
    if (action && json_object_set_new(a, "action", json_string(action))) st = DS_E_NOMEM;
    const json_t *obs = json_object_get(s, "observation");
    if (!st && json_is_string(obs) &&
        (!(o = fmt_message("user", json_string_value(obs))) || json_array_append_new(msgs, o)))
      st = DS_E_NOMEM;
    if (st) break;
  }
  ds_buf_release(&b);
  return st;
}

/* ---- tools ------------------------------------------------------------------------------ */

/* SWE-agent writes its tools into replay_config as command_docs text (what generate_command_docs
 * makes of each bundle's config):
 *   NAME:
 *     docstring: TEXT (may run over several lines)
 *     signature: SIG
 *     arguments:
 *       - ARG (TYPE) [required|optional]: DESCRIPTION
 * A function-calling run gave the model exactly these tools; they become OpenAI tools here. */
static bool is_name_line(const char *l, size_t n) {
  if (n < 2 || l[n - 1] != ':') return false;
  for (size_t i = 0; i + 1 < n; i++)
    if (!((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= 'A' && l[i] <= 'Z') || (l[i] >= '0' && l[i] <= '9') || l[i] == '_' ||
          l[i] == '-'))
      return false;
  return true;
}

static enum ds_status add_argument(json_t *props, json_t *required, const char *l, size_t n) {
  /* "    - ARG (TYPE) [required]: DESCRIPTION" */
  char name[128], type[32], req[16];
  int used = 0;
  char *line = ds_malloc(n + 1);
  if (!line) return DS_E_NOMEM;
  memcpy(line, l, n);
  line[n] = '\0';
  enum ds_status st = DS_OK;
  if (sscanf(line, "    - %127s (%31[^)]) [%15[^]]]:%n", name, type, req, &used) == 3 && used > 0) {
    const char *desc = line + used;
    while (*desc == ' ') desc++;
    json_t *p = json_pack("{s:s,s:s}", "type", type, "description", desc);
    if (!p || json_object_set_new(props, name, p)) st = DS_E_NOMEM;
    if (!st && strcmp(req, "required") == 0 && json_array_append_new(required, json_string(name))) st = DS_E_NOMEM;
  }
  ds_free(line);
  return st;
}

static enum ds_status tools_from_docs(json_t *rec, const char *docs) {
  json_t *tools = json_array();
  if (!tools) return DS_E_NOMEM;
  json_t *fn = NULL, *props = NULL, *required = NULL;
  struct ds_buf doc;
  ds_buf_init(&doc, 0);
  bool in_doc = false;
  enum ds_status st = DS_OK;
  const char *p = docs;
  for (;;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    bool name = is_name_line(p, n);
    if ((name || !nl) && fn) { /* the tool before ends */
      while (doc.len && doc.data[doc.len - 1] == '\n') doc.data[--doc.len] = '\0';
      if (json_object_set_new(fn, "description", json_stringn(doc.data ? doc.data : "", doc.len)) ||
          json_object_set_new(fn, "parameters", json_pack("{s:s,s:O,s:O}", "type", "object", "properties", props,
                                                          "required", required)) ||
          json_array_append_new(tools, json_pack("{s:s,s:O}", "type", "function", "function", fn)))
        st = DS_E_NOMEM;
      json_decref(fn);
      json_decref(props);
      json_decref(required);
      fn = props = required = NULL;
      if (st) break;
    }
    if (name) {
      fn = json_pack("{s:s%}", "name", p, n - 1);
      props = json_object();
      required = json_array();
      ds_buf_reset(&doc);
      in_doc = false;
      if (!fn || !props || !required) {
        st = DS_E_NOMEM;
        break;
      }
    } else if (fn && n >= 13 && strncmp(p, "  docstring: ", 13) == 0) {
      in_doc = true;
      if (ds_buf_add(&doc, p + 13, n - 13)) st = DS_E_NOMEM;
    } else if (fn && n >= 2 && strncmp(p, "  ", 2) == 0 && p[2] != ' ' && (n < 3 || p[2] != '-')) {
      in_doc = false; /* signature:, arguments: */
    } else if (fn && n >= 6 && strncmp(p, "    - ", 6) == 0) {
      in_doc = false;
      st = add_argument(props, required, p, n);
    } else if (fn && in_doc) {
      if (ds_buf_addc(&doc, '\n') || ds_buf_add(&doc, p, n)) st = DS_E_NOMEM;
    }
    if (st || !nl) break;
    p = nl + 1;
  }
  json_decref(fn);
  json_decref(props);
  json_decref(required);
  ds_buf_release(&doc);
  if (!st && json_array_size(tools)) {
    if (json_object_set(rec, "tools", tools) ||
        json_object_set_new(rec, "tools_source", json_string("replay_config agent.tools.command_docs")))
      st = DS_E_NOMEM;
  }
  json_decref(tools);
  return st;
}

/* ---- the record --------------------------------------------------------------------------- */

/* replay_config: an object, or (1.x) the same object as JSON text. New reference or NULL. */
static json_t *replay_config(const json_t *doc) {
  const json_t *rc = json_object_get(doc, "replay_config");
  if (json_is_object(rc)) return json_incref((json_t *)rc);
  if (!json_is_string(rc)) return NULL;
  json_t *v = json_loadb(json_string_value(rc), json_string_length(rc), 0, NULL);
  if (!json_is_object(v)) {
    json_decref(v);
    return NULL;
  }
  return v;
}

/* The working directory of the first step's state (an object, or 0.x JSON text). */
static const char *first_working_dir(const json_t *steps, json_t **tmp) {
  const json_t *state = json_object_get(json_array_get(steps, 0), "state");
  if (json_is_string(state)) {
    *tmp = json_loadb(json_string_value(state), json_string_length(state), 0, NULL);
    state = *tmp;
  }
  return ds_json_str(state, "working_dir", NULL);
}

static enum ds_status describe(json_t *rec, const json_t *att, const json_t *rc) {
  enum ds_status st;
  const json_t *info = json_object_get(att, "info");
  if ((st = agent_seg_str(rec, "agent_version", ds_json_str(info, "swe_agent_version", NULL))) ||
      (st = agent_seg_str(rec, "model", agent_str_at(rc, "agent.model.name"))) ||
      (st = agent_keep(rec, "exit_status", json_object_get(info, "exit_status"))) ||
      (st = agent_keep(rec, "submission", json_object_get(info, "submission"))) ||
      (st = agent_keep(rec, "model_stats", json_object_get(info, "model_stats"))))
    return st;
  const json_t *env = json_object_get(att, "environment");
  if (json_is_string(env) && (st = agent_seg_str(rec, "environment", json_string_value(env)))) return st;
  /* the repository: a GitHub URL, a local path or a repository already in the image */
  const json_t *repo = corpus_get_path(rc, "env.repo");
  const char *where = ds_json_str(repo, "github_url", ds_json_str(repo, "path", ds_json_str(repo, "repo_name", NULL)));
  const char *commit = ds_json_str(repo, "base_commit", NULL);
  if ((st = agent_repo_str(rec, "path_or_url", where))) return st;
  if (commit && strcmp(commit, "HEAD") != 0 && (st = agent_repo_str(rec, "commit", commit))) return st;
  /* the tools, when the model called them as functions */
  const char *docs = agent_str_at(rc, "agent.tools.command_docs");
  bool calls = false;
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(rec, "messages"), i, m) calls |= json_array_size(json_object_get(m, "tool_calls")) > 0;
  if (docs && calls && (st = tools_from_docs(rec, docs))) return st;
  json_t *tmp = NULL;
  const char *cwd = first_working_dir(json_object_get(att, "trajectory"), &tmp);
  st = agent_repo_str(rec, "cwd", cwd);
  json_decref(tmp);
  return st;
}

/* One record from one attempt {trajectory, history, info, ...}; *out new. */
static enum ds_status attempt(const json_t *att, const json_t *doc, const char *id, json_t **out,
                              struct ds_bad_record *bad) {
  *out = NULL;
  json_t *rec = agent_record(AGENT);
  if (!rec) return DS_E_NOMEM;
  json_t *rc = replay_config(att);
  if (!rc) rc = replay_config(doc);
  const json_t *hist = json_object_get(att, "history");
  const json_t *steps = json_object_get(att, "trajectory");
  enum ds_status st;
  if (json_array_size(hist)) st = from_history(rec, hist, bad);
  else if (json_array_size(steps)) st = from_steps(rec, steps, bad);
  else st = corpus_bad(bad, "empty_conversation", "the trajectory has neither \"history\" nor \"trajectory\" steps");
  if (!st) st = json_object_set_new(rec, "id", json_string(id)) ? DS_E_NOMEM : DS_OK;
  if (!st) st = describe(rec, att, rc);
  if (!st && !json_array_size(hist))
    st = json_object_set_new(rec, "made_from", json_string("trajectory steps")) ? DS_E_NOMEM : DS_OK;
  json_decref(rc);
  if (st) {
    json_decref(rec);
    return st;
  }
  *out = rec;
  return DS_OK;
}

/* ---- the reader --------------------------------------------------------------------------- */

static bool is_traj(const json_t *d) {
  if (!json_is_object(d)) return false;
  const json_t *h = json_object_get(d, "history"), *t = json_object_get(d, "trajectory");
  const json_t *a = json_object_get(d, "attempts");
  return (json_is_array(h) || json_is_array(t) || json_is_array(a)) && json_is_object(json_object_get(d, "info"));
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  if (p->n_items == 1 && is_traj(p->items[0])) return 90;
  snprintf(why, n, "no history/trajectory with info");
  return 0;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  const char *path = state;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (!is_traj(it->v)) {
    corpus_bad(&b, "wrong_type", "not a SWE-agent trajectory {history|trajectory|attempts, info}");
    return fmt_fail_item(o, it, &b);
  }
  /* the instance id: the problem statement's, else the file's name */
  json_t *rc = replay_config(it->v);
  char *stem = agent_file_stem(path, ".traj");
  if (!stem) {
    json_decref(rc);
    return DS_E_NOMEM;
  }
  const char *id = agent_str_at(rc, "problem_statement.id");
  if (!id) id = stem;
  enum ds_status st = DS_OK;
  const json_t *atts = json_object_get(it->v, "attempts");
  if (json_array_size(atts)) {
    /* RetryAgent: each attempt is a trajectory; the top level repeats the best one */
    const json_t *best = json_object_get(json_object_get(it->v, "info"), "best_attempt_idx");
    size_t i;
    const json_t *att;
    json_array_foreach(atts, i, att) {
      char aid[512];
      snprintf(aid, sizeof aid, "%s/attempt-%zu", id, i);
      json_t *rec = NULL;
      memset(&b, 0, sizeof b);
      st = json_is_object(att) ? attempt(att, it->v, aid, &rec, &b)
                               : corpus_bad(&b, "wrong_type", "attempt %zu is not an object", i);
      if (st == DS_E_NOMEM) break;
      if (st) {
        st = fmt_fail(o, it->file, it->line, b.reason, "attempt %zu: %s", i, b.msg);
      } else {
        st = json_object_set_new(rec, "parent_id", json_string(id)) ? DS_E_NOMEM : DS_OK;
        if (!st && json_is_integer(best))
          st = json_object_set_new(rec, "best_attempt", json_boolean(json_integer_value(best) == (json_int_t)i)) ? DS_E_NOMEM : DS_OK;
        st = st ? (json_decref(rec), st) : fmt_emit(o, rec, it->file, it->line);
      }
      if (st) break;
    }
  } else {
    json_t *rec = NULL;
    st = attempt(it->v, it->v, id, &rec, &b);
    if (st && st != DS_E_NOMEM) st = fmt_fail_item(o, it, &b);
    else if (!st) st = fmt_emit(o, rec, it->file, it->line);
  }
  json_decref(rc);
  ds_free(stem);
  return st;
}

static enum ds_status begin(void **out, const struct fmt_probe *p, struct ds_err *err) {
  if (!(*out = ds_strdup(p->path))) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static void end(void *state) { ds_free(state); }

const struct corpus_format corpus_format_swe_agent = {
    .name = "swe-agent",
    .summary = "SWE-agent <instance>.traj {trajectory, history, info, replay_config} (one document)",
    .tested = "SWE-agent 0.x-1.x .traj (history with tool_calls; trajectory steps; RetryAgent attempts)",
    .detect = detect,
    .begin = begin,
    .item = item,
    .end = end,
};
