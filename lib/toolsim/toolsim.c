/* toolsim.c: answers one tool call of a candidate without touching anything real, in the
 * dialect of the agent that recorded the trajectory (dialects/): a write of known files lands
 * in the overlay through its connector; otherwise a recording made on the same state, then
 * read-only connectors over the snapshot (with the overlay), then the simulator model.
 * Side-effecting calls are answered and flagged, never executed. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/toolsim.h"
#include "toolsim/dialect.h"
#include "toolsim/toolsim_int.h"

struct ds_toolsim {
  struct ds_toolsim_params p;
  char *repo_root;
  char *workspace;
  sqlite3 *db;
};

struct call_count {
  char *key; /* tool "\x1f" canonical arguments */
  unsigned n;
};

struct ds_toolsim_episode {
  struct ds_toolsim *t;
  const json_t *record;
  char *conv_id;
  const struct ts_dialect *d; /* from segment.agent */
  char *workspace;            /* the absolute root of the recorded session: repo.cwd, else the default */
  const char *version;        /* segment.agent_version (borrowed from the record) */
  const char *repo, *commit;  /* the record's repository (borrowed) */
  bool text_mode;             /* the agent acts in its reply's text (no tool calls in the record) */
  struct ds_snapshot *snap;   /* NULL when the record names no reachable repository */
  struct ts_state st;         /* the state the episode's calls are made on */
  struct call_count *calls;   /* identical calls made so far (prefix and episode) */
  size_t n_calls, cap_calls;
};

/* How many times this call (tool, canonical arguments) was made before in the episode, its
 * prefix included; counts it. UINT_MAX when out of memory (the lookup then takes the last
 * recording). */
static unsigned call_occurrence(struct ds_toolsim_episode *e, const char *tool, const char *canon) {
  struct ds_buf key;
  ds_buf_init(&key, 0);
  if (ds_buf_addf(&key, "%s\x1f%s", tool ? tool : "", canon)) {
    ds_buf_release(&key);
    return UINT_MAX;
  }
  for (size_t i = 0; i < e->n_calls; i++)
    if (strcmp(e->calls[i].key, key.data) == 0) {
      ds_buf_release(&key);
      return e->calls[i].n++;
    }
  if (e->n_calls == e->cap_calls) {
    size_t cap = e->cap_calls ? 2 * e->cap_calls : 16;
    struct call_count *v = ds_realloc(e->calls, cap * sizeof *v);
    if (!v) {
      ds_buf_release(&key);
      return UINT_MAX;
    }
    e->calls = v;
    e->cap_calls = cap;
  }
  e->calls[e->n_calls].key = ds_buf_detach(&key, NULL);
  e->calls[e->n_calls++].n = 1;
  return 0;
}

static struct ts_ctx ctx_of(struct ds_toolsim_episode *e) {
  return (struct ts_ctx){.snap = e->snap, .st = &e->st, .d = e->d, .workspace = e->workspace,
                         .version = e->version ? e->version : ""};
}

/* A write of a known file (or patch) answered by its dialect's connector into the overlay. */
static bool writes_known(const struct ts_effect *eff) {
  if (eff->writes.all || eff->writes.n == 0) return false;
  return eff->kind == TS_WRITE || eff->kind == TS_EDIT || eff->kind == TS_DELETE || eff->kind == TS_PATCH ||
         eff->kind == TS_EDITOR || eff->kind == TS_SHELL;
}

/* After a call: files it read (Claude Code edits need a read first) and the state it leaves. */
static void after_call(struct ds_toolsim_episode *e, const char *tool, const char *canon, const struct ts_effect *eff) {
  if (eff->kind == TS_READ || (eff->kind == TS_EDITOR && !eff->side_effect))
    for (size_t i = 0; i < eff->reads.n; i++) ts_paths_add(&e->st.files_read, eff->reads.v[i]);
  ts_state_apply(&e->st, tool, canon, eff);
}

struct history_ctx {
  struct ds_toolsim_episode *e;
};

/* A call of the prefix: counted, its state applied, and a write replayed into the overlay so
 * that connectors see the repository as it was at the cut. */
static void history_call(void *ud, const char *tool, const char *arguments, const json_t *response) {
  (void)response;
  struct ds_toolsim_episode *e = ((struct history_ctx *)ud)->e;
  char *canon = tooldb_canonical_args(arguments);
  (void)call_occurrence(e, tool, canon ? canon : "");
  json_error_t je;
  json_t *args = json_loads(arguments && *arguments ? arguments : "{}", 0, &je);
  struct ts_effect eff;
  ts_classify(e->d, e->workspace, e->st.cwd, tool, json_is_object(args) ? args : NULL, &eff);
  if (e->snap && json_is_object(args) && writes_known(&eff) && eff.row && eff.row->answer) {
    struct ts_ctx c = ctx_of(e);
    struct ds_tool_answer a;
    memset(&a, 0, sizeof a);
    (void)eff.row->answer(&c, tool, args, &a);
    ds_tool_answer_release(&a);
  }
  after_call(e, tool, canon, &eff);
  ts_effect_release(&eff);
  json_decref(args);
  ds_free(canon);
}

void ds_toolsim_episode_history(struct ds_toolsim_episode *e, const json_t *messages) {
  struct history_ctx h = {e};
  ts_each_call(e->d, messages, history_call, &h);
}

bool ds_toolsim_text_action(const struct ds_toolsim_episode *e, const char *content, char **out_tool,
                            char **out_arguments) {
  *out_tool = *out_arguments = NULL;
  if (!e->text_mode || !content) return false;
  return e->d->text_action(content, out_tool, out_arguments);
}

const char *ds_toolsim_episode_dialect(const struct ds_toolsim_episode *e) { return e->d->name; }

const char *ds_tool_source_name(enum ds_tool_source s) {
  switch (s) {
  case DS_TOOL_SOURCE_DB: return "db";
  case DS_TOOL_SOURCE_DB_NEAR: return "db_near";
  case DS_TOOL_SOURCE_CONNECTOR: return "connector";
  case DS_TOOL_SOURCE_SIMULATOR: return "simulator";
  case DS_TOOL_SOURCE_REFUSED: return "refused";
  case DS_TOOL_SOURCE_ERROR: return "error";
  }
  return "error";
}

void ds_toolsim_default_params(struct ds_toolsim_params *p) {
  memset(p, 0, sizeof *p);
  p->near_match = true;
  p->simulator_max_tokens = 512;
  p->workspace = "/workspace";
}

enum ds_status ds_toolsim_open(const struct ds_toolsim_params *p, struct ds_toolsim **out, struct ds_err *err) {
  struct ds_toolsim *t = ds_calloc(1, sizeof *t);
  if (!t) return ds_fail(err, DS_E_NOMEM, "out of memory");
  t->p = *p;
  t->repo_root = p->repo_root ? ds_strdup(p->repo_root) : NULL;
  t->workspace = p->workspace ? ds_strdup(p->workspace) : NULL;
  if (p->tooldb_path) {
    enum ds_status st = tooldb_open(p->tooldb_path, &t->db, err);
    if (st) {
      ds_toolsim_close(t);
      return st;
    }
  }
  *out = t;
  return DS_OK;
}

void ds_toolsim_close(struct ds_toolsim *t) {
  if (!t) return;
  if (t->db) sqlite3_close(t->db);
  ds_free(t->repo_root);
  ds_free(t->workspace);
  ds_free(t);
}

/* A record names its repository; the host is not its to name: the repository must resolve
 * (symlinks followed) to the repo root or below, unless the caller allowed outside ones. */
static enum ds_status inside_root(struct ds_toolsim *t, const char *path, struct ds_err *err) {
  if (t->p.allow_repo_outside_root) return DS_OK;
  char root[PATH_MAX], real[PATH_MAX];
  const char *r = t->repo_root ? t->repo_root : ".";
  if (!realpath(r, root)) return ds_fail(err, DS_E_NOTFOUND, "the repo root %s does not exist", r);
  if (!realpath(path, real)) return ds_fail(err, DS_E_NOTFOUND, "%s: repository snapshot not found", path);
  size_t n = strlen(root);
  if (strcmp(root, "/") == 0 || (strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0'))) return DS_OK;
  return ds_fail(err, DS_E_INVALID,
                 "refused: the record's repository %s is outside the repo root %s (--allow-repo-outside-root to "
                 "permit it)",
                 real, root);
}

/* Tries one place for the record's repository: it must exist, be inside the repo root (unless
 * allowed), and hold the commit when one is named. */
static bool try_repo(struct ds_toolsim_episode *e, const char *path, const char *commit, struct ds_err *why) {
  struct ds_err e2 = {0};
  if (inside_root(e->t, path, &e2) == DS_OK && ds_snapshot_open(path, commit, e->workspace, &e->snap, &e2) == DS_OK)
    return true;
  if (!why->msg[0] || e2.code != DS_E_NOTFOUND) *why = e2;
  e->snap = NULL;
  return false;
}

/* Finds a checkout of the record's repository: its path (relative ones under the repo root),
 * then <repo root>/<its last component> (logs name the directory on the machine that wrote
 * them), then the repo root itself when it holds the record's commit. */
static void find_repo(struct ds_toolsim_episode *e) {
  struct ds_toolsim *t = e->t;
  const char *where = e->repo;
  if (!where) return;
  const char *root = t->repo_root ? t->repo_root : ".";
  bool url = strstr(where, "://") || strncmp(where, "git@", 4) == 0;
  struct ds_err why = {0};
  struct ds_buf path;
  ds_buf_init(&path, 0);
  bool ok = false;
  if (!url) {
    if (where[0] != '/') ds_buf_addf(&path, "%s/%s", root, where);
    else ds_buf_adds(&path, where);
    ok = try_repo(e, path.data, e->commit, &why);
  }
  if (!ok) {
    /* the last path component (of a URL too, without .git) */
    size_t n = strlen(where);
    while (n > 1 && where[n - 1] == '/') n--;
    size_t b = n;
    while (b > 0 && where[b - 1] != '/' && where[b - 1] != ':') b--;
    size_t len = n - b;
    if (len > 4 && strncmp(where + n - 4, ".git", 4) == 0) len -= 4;
    if (len && !(len == 2 && strncmp(where + b, "..", 2) == 0) && !(len == 1 && where[b] == '.')) {
      ds_buf_reset(&path);
      ds_buf_addf(&path, "%s/%.*s", root, (int)len, where + b);
      ok = try_repo(e, path.data, e->commit, &why);
    }
  }
  if (!ok && e->commit && *e->commit) ok = try_repo(e, root, e->commit, &why);
  ds_buf_release(&path);
  if (!ok)
    ds_logf(&t->p.log, DS_LOG_WARN, "%s: repository %s unavailable, connectors off: %s", e->conv_id, where,
            why.msg[0] ? why.msg : "not found under the repo root");
}

enum ds_status ds_toolsim_episode_new(struct ds_toolsim *t, const json_t *record, struct ds_toolsim_episode **out,
                                      struct ds_err *err) {
  struct ds_toolsim_episode *e = ds_calloc(1, sizeof *e);
  if (!e) return ds_fail(err, DS_E_NOMEM, "out of memory");
  e->t = t;
  e->record = record;
  e->conv_id = ds_strdup(ds_json_str(record, "id", ""));
  const json_t *seg = json_object_get(record, "segment");
  e->d = ts_dialect_for(ds_json_str(seg, "agent", NULL));
  e->version = ds_json_str(seg, "agent_version", NULL);
  e->text_mode = ts_text_mode(e->d, json_object_get(record, "messages"));
  const char *cwd = NULL;
  e->repo = tooldb_repo_of(record, &e->commit, &cwd);
  /* absolute paths of the session map into the snapshot under its recorded working directory */
  e->workspace = ds_strdup(cwd && cwd[0] == '/' ? cwd : t->workspace ? t->workspace : "/workspace");
  ts_state_init(&e->st);
  if (!e->conv_id || !e->workspace || !e->st.cwd) {
    ds_toolsim_episode_free(e);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  find_repo(e);
  *out = e;
  return DS_OK;
}

void ds_toolsim_episode_free(struct ds_toolsim_episode *e) {
  if (!e) return;
  ds_snapshot_free(e->snap);
  ds_free(e->conv_id);
  ds_free(e->workspace);
  ts_state_release(&e->st);
  for (size_t i = 0; i < e->n_calls; i++) ds_free(e->calls[i].key);
  ds_free(e->calls);
  ds_free(e);
}

void ds_tool_answer_release(struct ds_tool_answer *a) {
  ds_free(a->response);
  memset(a, 0, sizeof *a);
}

static const char *const path_keys[] = {"file_path", "path", "file", "filename", "filepath", "notebook_path", NULL};

/* ---- the simulator model ---- */

static void add_rollout(struct ds_buf *b, const json_t *record, size_t budget) {
  const json_t *msgs = json_object_get(record, "messages");
  size_t start = b->len, i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    if (b->len - start > budget) {
      ds_buf_adds(b, "[... rollout truncated ...]\n");
      break;
    }
    const char *role = ds_json_str(m, "role", "?");
    const char *content = ds_json_str(m, "content", "");
    ds_buf_addf(b, "[%s] %.*s\n", role, 1500, content);
    size_t j;
    const json_t *c;
    json_array_foreach(json_object_get(m, "tool_calls"), j, c)
        ds_buf_addf(b, "  call %s(%.*s)\n", ds_json_str(c, "name", "?"), 600, ds_json_str(c, "arguments", ""));
  }
}

static enum ds_status simulate(struct ds_toolsim_episode *e, const char *tool, const char *arguments,
                               const json_t *args, struct ds_tool_answer *a, struct ds_err *err) {
  struct ds_toolsim *t = e->t;
  struct ds_buf u;
  ds_buf_init(&u, 0);
  ds_buf_adds(&u, "You are replaying a recorded agent session. Here is the original session:\n\n");
  add_rollout(&u, e->record, 8000);
  if (e->snap) {
    char *files = NULL, *changes = NULL;
    if (ds_snapshot_files(e->snap, 200, &files, NULL) == DS_OK && *files)
      ds_buf_addf(&u, "\nFiles in the repository:\n%s", files);
    const char *path = args ? ts_arg_str(args, path_keys) : NULL;
    char *content = NULL;
    if (path && ds_snapshot_read(e->snap, path, &content, NULL) == DS_OK)
      ds_buf_addf(&u, "\nContent of %s:\n%.*s\n", path, 3000, content);
    if (ds_snapshot_changes(e->snap, &changes, NULL) == DS_OK && *changes)
      ds_buf_addf(&u, "\nChanges the agent made in this session so far (not on disk):\n%s", changes);
    ds_free(files);
    ds_free(content);
    ds_free(changes);
  }
  if (t->db) {
    struct ds_buf sim;
    ds_buf_init(&sim, 0);
    tooldb_similar(t->db, tool, 3, &sim);
    if (sim.len) ds_buf_addf(&u, "\nRecorded calls of the same tool:\n%s", sim.data);
    ds_buf_release(&sim);
  }
  ds_buf_addf(&u, "\nNow the agent calls:\n%s(%s)\n\nReply with the tool's output only.", tool, arguments);
  json_t *msgs = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "system", "content",
                           "You simulate the output of a tool for a replayed agent session. Nothing is executed. "
                           "Reply with exactly what the tool would print or return, consistent with the session "
                           "and the repository: no explanations, no markdown fences.",
                           "role", "user", "content", u.data);
  ds_buf_release(&u);
  if (!msgs) return ds_fail(err, DS_E_NOMEM, "out of memory");
  struct ds_request req;
  ds_request_init(&req);
  req.messages = msgs;
  req.max_tokens = t->p.simulator_max_tokens;
  req.temperature = 0;
  req.key = e->conv_id;
  struct ds_result res = {0};
  struct ds_err e2 = {0};
  enum ds_status st = ds_backend_call(t->p.simulator, &req, &res, &e2);
  json_decref(msgs);
  if (st == DS_OK && res.status == DS_OK) {
    a->response = ds_strdup(res.content ? res.content : "");
    a->source = DS_TOOL_SOURCE_SIMULATOR;
  } else {
    struct ds_buf msg;
    ds_buf_init(&msg, 0);
    ds_buf_addf(&msg, "error: the tool simulator could not answer (%s)", st ? e2.msg : res.error);
    a->response = ds_buf_detach(&msg, NULL);
    a->source = DS_TOOL_SOURCE_ERROR;
    a->is_error = true;
  }
  ds_result_release(&res);
  return DS_OK;
}

enum ds_status ds_toolsim_answer(struct ds_toolsim_episode *e, const char *tool, const char *arguments,
                                 struct ds_tool_answer *out, struct ds_err *err) {
  struct ds_toolsim *t = e->t;
  memset(out, 0, sizeof *out);
  double t0 = ds_now_mono();
  enum ds_status st = DS_OK;
  char *canon = NULL;
  json_error_t je;
  json_t *args = json_loads(arguments && *arguments ? arguments : "{}", 0, &je);
  struct ts_effect eff;
  memset(&eff, 0, sizeof eff);
  if (!tool || !*tool || !json_is_object(args)) {
    struct ds_buf msg;
    ds_buf_init(&msg, 0);
    ds_buf_addf(&msg, "error: malformed tool call: %s", !tool || !*tool ? "no tool name" : "arguments are not a JSON object");
    out->response = ds_buf_detach(&msg, NULL);
    out->source = DS_TOOL_SOURCE_ERROR;
    out->is_error = true;
    goto done;
  }
  ts_classify(e->d, e->workspace, e->st.cwd, tool, args, &eff);
  canon = tooldb_canonical_args(arguments);
  unsigned occurrence = call_occurrence(e, tool, canon ? canon : "");
  struct ts_ctx c = ctx_of(e);
  bool answered = false, tried_connector = false;
  /* 1. a write of known files lands in the overlay, answered the way the tool answers */
  if (e->snap && writes_known(&eff) && eff.row && eff.row->answer) {
    tried_connector = true;
    answered = eff.row->answer(&c, tool, args, out) != TS_NOT_MINE;
  }
  /* 2. a recording made on the same state of what the call reads */
  if (!answered && t->db) {
    struct tooldb_query q = {.conv_id = e->conv_id, .tool = tool, .canon = canon ? canon : "",
                             .arguments = arguments, .near = t->p.near_match, .occurrence = occurrence,
                             .repo = e->repo, .commit = e->commit, .digest = e->st.digest,
                             .changed = &e->st.changed, .reads = &eff.reads};
    bool near = false, rec_error = false;
    char *resp = NULL;
    if (tooldb_lookup(t->db, &q, &resp, &near, &rec_error) == DS_OK) {
      out->response = resp;
      out->source = near ? DS_TOOL_SOURCE_DB_NEAR : DS_TOOL_SOURCE_DB;
      out->is_error = rec_error;
      answered = true;
    }
  }
  /* 3. connectors: read-only calls over the snapshot, and tools that need no repository */
  if (!answered && !tried_connector && eff.row && eff.row->answer) {
    memset(out, 0, sizeof *out);
    answered = eff.row->answer(&c, tool, args, out) != TS_NOT_MINE;
  }
  /* 4. the simulator model */
  if (!answered) {
    ds_tool_answer_release(out);
    if (t->p.simulator) {
      st = simulate(e, tool, arguments, args, out, err);
    } else {
      out->response = ds_strdup("error: no source can answer this call (no recording, no connector, no simulator model)");
      out->source = DS_TOOL_SOURCE_ERROR;
      out->is_error = true;
    }
  }
  /* what the call would do: an intended action whatever answered it, never executed */
  out->side_effect = eff.side_effect;
  after_call(e, tool, canon, &eff);
done:
  ts_effect_release(&eff);
  ds_free(canon);
  json_decref(args);
  if (!st && !out->response) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  out->latency_s = ds_now_mono() - t0;
  return st;
}
