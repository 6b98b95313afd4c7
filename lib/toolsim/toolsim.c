/* toolsim.c: answers one tool call of a candidate without touching anything real: the
 * recorded database first, then read-only connectors over the snapshot (with the overlay),
 * then the simulator model. Side-effecting calls are answered and flagged, never executed. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/toolsim.h"
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
  struct ds_snapshot *snap; /* NULL when the record names no reachable repository */
  struct call_count *calls; /* identical calls made so far (prefix and episode) */
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

void ds_toolsim_episode_history(struct ds_toolsim_episode *e, const json_t *messages) {
  size_t i, j;
  const json_t *m, *call;
  json_array_foreach(messages, i, m) {
    json_array_foreach(json_object_get(m, "tool_calls"), j, call) {
      const char *name = ds_json_str(call, "name", NULL);
      if (!name) continue;
      char *canon = tooldb_canonical_args(ds_json_str(call, "arguments", "{}"));
      (void)call_occurrence(e, name, canon ? canon : "");
      ds_free(canon);
    }
  }
}

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

enum ds_status ds_toolsim_episode_new(struct ds_toolsim *t, const json_t *record, struct ds_toolsim_episode **out,
                                      struct ds_err *err) {
  struct ds_toolsim_episode *e = ds_calloc(1, sizeof *e);
  if (!e) return ds_fail(err, DS_E_NOMEM, "out of memory");
  e->t = t;
  e->record = record;
  e->conv_id = ds_strdup(ds_json_str(record, "id", ""));
  const json_t *repo = json_object_get(record, "repo");
  const char *where = ds_json_str(repo, "path_or_url", NULL);
  if (!where) where = ds_json_str(repo, "path", NULL);
  if (where && !strstr(where, "://") && strncmp(where, "git@", 4) != 0) {
    struct ds_buf path;
    ds_buf_init(&path, 0);
    if (where[0] != '/') ds_buf_addf(&path, "%s/%s", t->repo_root ? t->repo_root : ".", where);
    else ds_buf_adds(&path, where);
    const char *commit = ds_json_str(repo, "commit", NULL);
    struct ds_err e2 = {0};
    if (inside_root(t, path.data, &e2) != DS_OK ||
        ds_snapshot_open(path.data, commit, t->workspace, &e->snap, &e2) != DS_OK) {
      ds_logf(&t->p.log, DS_LOG_WARN, "%s: repository unavailable, connectors off: %s", e->conv_id, e2.msg);
      e->snap = NULL;
    }
    ds_buf_release(&path);
  }
  *out = e;
  return DS_OK;
}

void ds_toolsim_episode_free(struct ds_toolsim_episode *e) {
  if (!e) return;
  ds_snapshot_free(e->snap);
  ds_free(e->conv_id);
  for (size_t i = 0; i < e->n_calls; i++) ds_free(e->calls[i].key);
  ds_free(e->calls);
  ds_free(e);
}

void ds_tool_answer_release(struct ds_tool_answer *a) {
  ds_free(a->response);
  memset(a, 0, sizeof *a);
}

/* ---- classifying calls ---- */

static bool name_in(const char *name, const char *const *list) {
  for (; *list; list++)
    if (strcmp(name, *list) == 0) return true;
  return false;
}

static const char *const read_tools[] = {"read_file", "open_file", "view", "view_file", "cat", "read", NULL};
static const char *const list_tools[] = {"list_dir", "list_directory", "ls", "list_files", NULL};
static const char *const search_tools[] = {"search", "grep", "search_code", "search_files", "find_in_files", NULL};
static const char *const write_tools[] = {"write_file", "create_file", "write", "save_file", NULL};
static const char *const edit_tools[] = {"edit_file", "str_replace", "replace_in_file", "apply_edit", NULL};
static const char *const delete_tools[] = {"delete_file", "remove_file", "rm", NULL};
static const char *const shell_tools[] = {"shell", "bash", "run", "run_command", "execute", "terminal", "exec",
                                          "run_shell", "sh", NULL};

/* Tools of unknown kind whose name says they change something (book_flight, send_email). */
static bool sounds_side_effecting(const char *name) {
  static const char *const verbs[] = {"book", "cancel", "update", "send", "create", "delete", "remove", "transfer",
                                      "pay", "modify", "write", "post", "put", "set", "add", "exchange", "refund",
                                      "install", "deploy", "push", "commit", "submit", "execute", "run", NULL};
  for (const char *const *v = verbs; *v; v++) {
    size_t n = strlen(*v);
    if (strncmp(name, *v, n) == 0 && (name[n] == '_' || name[n] == '\0' || isupper((unsigned char)name[n])))
      return true;
  }
  return false;
}

static const char *arg_str(const json_t *args, const char *const *keys) {
  for (; *keys; keys++) {
    const char *v = ds_json_str(args, *keys, NULL);
    if (v) return v;
  }
  return NULL;
}

static const char *const path_keys[] = {"path", "file", "file_path", "filename", "filepath", "dir", "directory",
                                        "target", NULL};
static const char *const content_keys[] = {"content", "contents", "text", "data", "file_text", NULL};
static const char *const pattern_keys[] = {"pattern", "query", "regex", "text", "needle", "search", NULL};
static const char *const command_keys[] = {"command", "cmd", "script", "code", NULL};

/* Splits a simple command line into words (quotes and backslashes honored). Returns false
 * when the line has shell syntax beyond one simple command (pipes, lists, redirections,
 * substitutions): such lines are never answered by connectors. */
static bool split_simple(const char *line, char ***out_argv, int *out_argc) {
  char **argv = NULL;
  int argc = 0, cap = 0;
  struct ds_buf w;
  ds_buf_init(&w, 0);
  bool in_word = false, ok = true;
  for (const char *p = line;; p++) {
    char c = *p;
    if (c == '\0' || isspace((unsigned char)c)) {
      if (in_word) {
        if (argc + 2 > cap) {
          cap = cap ? cap * 2 : 8;
          argv = ds_realloc(argv, (size_t)cap * sizeof *argv);
        }
        argv[argc++] = ds_buf_detach(&w, NULL);
        argv[argc] = NULL;
        in_word = false;
      }
      if (c == '\0') break;
      continue;
    }
    if (strchr("|&;<>`(){}", c) || (c == '$' && p[1] == '(')) {
      ok = false;
      break;
    }
    in_word = true;
    if (c == '\'') {
      const char *e = strchr(p + 1, '\'');
      if (!e) { ok = false; break; }
      ds_buf_add(&w, p + 1, (size_t)(e - p - 1));
      p = e;
    } else if (c == '"') {
      p++;
      while (*p && *p != '"') {
        if (*p == '\\' && p[1]) p++;
        if (*p == '$' || *p == '`') { ok = false; break; }
        ds_buf_addc(&w, *p++);
      }
      if (!ok || !*p) { ok = false; break; }
    } else if (c == '\\' && p[1]) {
      ds_buf_addc(&w, *++p);
    } else {
      ds_buf_addc(&w, c);
    }
  }
  ds_buf_release(&w);
  if (!ok || argc == 0) {
    for (int i = 0; i < argc; i++) ds_free(argv[i]);
    ds_free(argv);
    return false;
  }
  *out_argv = argv;
  *out_argc = argc;
  return true;
}

static void free_argv(char **argv, int argc) {
  for (int i = 0; i < argc; i++) ds_free(argv[i]);
  ds_free(argv);
}

/* Outcome of trying the connectors: answered, refused, or not a read-only call. */
enum conn { CONN_ANSWERED, CONN_REFUSED, CONN_NOT_MINE };

static enum conn conn_result(enum ds_status st, char *text, struct ds_err *e, struct ds_tool_answer *a) {
  if (st == DS_OK) {
    a->response = text;
    a->source = DS_TOOL_SOURCE_CONNECTOR;
    return CONN_ANSWERED;
  }
  a->response = ds_strdup(e->msg);
  a->is_error = true;
  a->source = st == DS_E_INVALID && strncmp(e->msg, "refused", 7) == 0 ? DS_TOOL_SOURCE_REFUSED
                                                                      : DS_TOOL_SOURCE_CONNECTOR;
  return a->source == DS_TOOL_SOURCE_REFUSED ? CONN_REFUSED : CONN_ANSWERED;
}

/* head/tail -n N FILE: the first/last N lines of a read. */
static char *head_tail(char *text, long n, bool tail) {
  if (n < 0) n = 10;
  size_t len = strlen(text);
  if (!tail) {
    size_t i = 0;
    for (long k = 0; k < n && i < len; k++) {
      const char *nl = memchr(text + i, '\n', len - i);
      i = nl ? (size_t)(nl - text) + 1 : len;
    }
    text[i] = '\0';
    return text;
  }
  size_t i = len;
  if (i && text[i - 1] == '\n') i--;
  for (long k = 0; k < n && i > 0; k++) {
    while (i > 0 && text[i - 1] != '\n') i--;
    if (k + 1 < n && i > 0) i--;
  }
  memmove(text, text + i, len - i + 1);
  return text;
}

/* A read-only shell command answered by the connectors. */
static enum conn shell_connector(struct ds_snapshot *s, const char *line, struct ds_tool_answer *a) {
  char **argv;
  int argc;
  if (!split_simple(line, &argv, &argc)) return CONN_NOT_MINE;
  struct ds_err e = {0};
  char *text = NULL;
  enum conn r = CONN_NOT_MINE;
  const char *cmd = argv[0];
  if (strcmp(cmd, "cat") == 0 && argc >= 2) {
    struct ds_buf all;
    ds_buf_init(&all, 0);
    enum ds_status st = DS_OK;
    for (int i = 1; i < argc && st == DS_OK; i++) {
      if (argv[i][0] == '-') continue;
      st = ds_snapshot_read(s, argv[i], &text, &e);
      if (st == DS_OK) {
        ds_buf_adds(&all, text);
        ds_free(text);
      }
    }
    r = conn_result(st, st ? NULL : ds_buf_detach(&all, NULL), &e, a);
    ds_buf_release(&all);
  } else if ((strcmp(cmd, "head") == 0 || strcmp(cmd, "tail") == 0) && argc >= 2) {
    long n = 10;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
      if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) n = strtol(argv[++i], NULL, 10);
      else if (argv[i][0] == '-' && isdigit((unsigned char)argv[i][1])) n = strtol(argv[i] + 1, NULL, 10);
      else if (argv[i][0] != '-') file = argv[i];
    }
    if (file) {
      enum ds_status st = ds_snapshot_read(s, file, &text, &e);
      r = conn_result(st, st ? NULL : head_tail(text, n, cmd[0] == 't'), &e, a);
    }
  } else if (strcmp(cmd, "ls") == 0) {
    const char *dir = "";
    for (int i = 1; i < argc; i++)
      if (argv[i][0] != '-') dir = argv[i];
    enum ds_status st = ds_snapshot_list(s, dir, &text, &e);
    r = conn_result(st, text, &e, a);
  } else if (strcmp(cmd, "pwd") == 0) {
    r = conn_result(DS_OK, ds_strdup("/workspace\n"), &e, a);
  } else if ((strcmp(cmd, "grep") == 0 || strcmp(cmd, "rg") == 0) && argc >= 2) {
    const char *pat = NULL, *where = "";
    for (int i = 1; i < argc; i++) {
      if (argv[i][0] == '-') continue;
      if (!pat) pat = argv[i];
      else where = argv[i];
    }
    if (pat) {
      enum ds_status st = ds_snapshot_search(s, pat, where, 200, &text, &e);
      r = conn_result(st, text, &e, a);
    }
  } else if (strcmp(cmd, "git") == 0 && argc >= 2 &&
             (strcmp(argv[1], "log") == 0 || strcmp(argv[1], "show") == 0 || strcmp(argv[1], "diff") == 0 ||
              strcmp(argv[1], "status") == 0)) {
    enum ds_status st = ds_snapshot_git(s, (const char *const *)argv + 1, argc - 1, &text, &e);
    r = conn_result(st, text, &e, a);
  }
  free_argv(argv, argc);
  return r;
}

/* Structured file tools (read_file, write_file, ...) answered by the connectors. */
static enum conn file_connector(struct ds_snapshot *s, const char *tool, const json_t *args,
                                struct ds_tool_answer *a) {
  struct ds_err e = {0};
  char *text = NULL;
  const char *path = arg_str(args, path_keys);
  if (name_in(tool, read_tools)) {
    if (!path) return CONN_NOT_MINE;
    enum ds_status st = ds_snapshot_read(s, path, &text, &e);
    return conn_result(st, text, &e, a);
  }
  if (name_in(tool, list_tools)) {
    enum ds_status st = ds_snapshot_list(s, path ? path : "", &text, &e);
    return conn_result(st, text, &e, a);
  }
  if (name_in(tool, search_tools)) {
    const char *pat = arg_str(args, pattern_keys);
    if (!pat) return CONN_NOT_MINE;
    enum ds_status st = ds_snapshot_search(s, pat, path ? path : "", 200, &text, &e);
    return conn_result(st, text, &e, a);
  }
  if (name_in(tool, write_tools)) {
    const char *content = arg_str(args, content_keys);
    if (!path || !content) return CONN_NOT_MINE;
    a->side_effect = true;
    enum ds_status st = ds_snapshot_write(s, path, content, strlen(content), &e);
    if (st == DS_OK) {
      struct ds_buf msg;
      ds_buf_init(&msg, 0);
      ds_buf_addf(&msg, "Wrote %zu bytes to %s", strlen(content), path);
      text = ds_buf_detach(&msg, NULL);
    }
    return conn_result(st, text, &e, a);
  }
  if (name_in(tool, edit_tools)) {
    const char *old = ds_json_str(args, "old_str", ds_json_str(args, "old", ds_json_str(args, "search", NULL)));
    const char *new = ds_json_str(args, "new_str", ds_json_str(args, "new", ds_json_str(args, "replace", NULL)));
    if (!path || !old || !new) return CONN_NOT_MINE;
    a->side_effect = true;
    enum ds_status st = ds_snapshot_read(s, path, &text, &e);
    if (st == DS_OK) {
      char *hit = strstr(text, old);
      if (!hit) {
        st = ds_fail(&e, DS_E_NOTFOUND, "No replacement was performed: old_str not found in %s", path);
      } else {
        struct ds_buf b;
        ds_buf_init(&b, 0);
        ds_buf_add(&b, text, (size_t)(hit - text));
        ds_buf_adds(&b, new);
        ds_buf_adds(&b, hit + strlen(old));
        st = ds_snapshot_write(s, path, b.data, b.len, &e);
        ds_buf_release(&b);
      }
      ds_free(text);
      text = NULL;
      if (st == DS_OK) {
        struct ds_buf msg;
        ds_buf_init(&msg, 0);
        ds_buf_addf(&msg, "Edited %s", path);
        text = ds_buf_detach(&msg, NULL);
      }
    }
    return conn_result(st, text, &e, a);
  }
  if (name_in(tool, delete_tools)) {
    if (!path) return CONN_NOT_MINE;
    a->side_effect = true;
    enum ds_status st = ds_snapshot_delete(s, path, &e);
    return conn_result(st, st ? NULL : ds_strdup(""), &e, a);
  }
  return CONN_NOT_MINE;
}

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
    const char *path = args ? arg_str(args, path_keys) : NULL;
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

/* A simple command that only reads (what the connectors could answer). */
static bool readonly_command(const char *line) {
  char **argv;
  int argc;
  if (!line || !split_simple(line, &argv, &argc)) return false;
  static const char *const ro[] = {"cat", "head", "tail", "ls", "pwd", "grep", "rg", "wc", "file", "stat", NULL};
  bool r = name_in(argv[0], ro) ||
           (strcmp(argv[0], "git") == 0 && argc >= 2 &&
            (strcmp(argv[1], "log") == 0 || strcmp(argv[1], "show") == 0 || strcmp(argv[1], "diff") == 0 ||
             strcmp(argv[1], "status") == 0));
  free_argv(argv, argc);
  return r;
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
  if (!tool || !*tool || !json_is_object(args)) {
    struct ds_buf msg;
    ds_buf_init(&msg, 0);
    ds_buf_addf(&msg, "error: malformed tool call: %s", !tool || !*tool ? "no tool name" : "arguments are not a JSON object");
    out->response = ds_buf_detach(&msg, NULL);
    out->source = DS_TOOL_SOURCE_ERROR;
    out->is_error = true;
    goto done;
  }
  bool shell = name_in(tool, shell_tools);
  const char *cmd = shell ? arg_str(args, command_keys) : NULL;
  bool structured = name_in(tool, read_tools) || name_in(tool, list_tools) || name_in(tool, search_tools) ||
                    name_in(tool, write_tools) || name_in(tool, edit_tools) || name_in(tool, delete_tools);
  /* a call that touches a path the candidate already changed must see the overlay, not a
   * recording of the original session */
  const char *path = arg_str(args, path_keys);
  bool touches_overlay = e->snap && path && snapshot_changed(e->snap, path);
  bool writes = name_in(tool, write_tools) || name_in(tool, edit_tools) || name_in(tool, delete_tools);
  canon = tooldb_canonical_args(arguments);
  unsigned occurrence = call_occurrence(e, tool, canon ? canon : "");
  /* 1. the recorded database (never for writes, whose effect must land in the overlay) */
  if (t->db && !writes && !touches_overlay) {
    bool near = false;
    char *resp = NULL;
    if (tooldb_lookup(t->db, e->conv_id, tool, canon ? canon : "", arguments, t->p.near_match, occurrence, &resp,
                      &near) == DS_OK) {
      out->response = resp;
      out->source = near ? DS_TOOL_SOURCE_DB_NEAR : DS_TOOL_SOURCE_DB;
      if (shell) {
        out->side_effect = !readonly_command(cmd);
      } else if (!structured) {
        out->side_effect = sounds_side_effecting(tool);
      }
      goto done;
    }
  }
  /* 2. read-only connectors over the snapshot */
  if (e->snap) {
    enum conn c = CONN_NOT_MINE;
    if (shell && cmd) c = shell_connector(e->snap, cmd, out);
    else if (structured) c = file_connector(e->snap, tool, args, out);
    if (c != CONN_NOT_MINE) goto done;
  }
  /* 3. the simulator model; anything reaching here that is a shell command or an acting tool
   * is an intended action that was not executed */
  if (shell) out->side_effect = true;
  else if (writes) out->side_effect = true;
  else if (!structured) out->side_effect = sounds_side_effecting(tool);
  if (t->p.simulator) {
    st = simulate(e, tool, arguments, args, out, err);
  } else {
    out->response = ds_strdup("error: no source can answer this call (no recording, no connector, no simulator model)");
    out->source = DS_TOOL_SOURCE_ERROR;
    out->is_error = true;
  }
done:
  ds_free(canon);
  json_decref(args);
  if (!st && !out->response) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  out->latency_s = ds_now_mono() - t0;
  return st;
}
