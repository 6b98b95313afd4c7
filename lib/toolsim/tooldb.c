/* tooldb.c: the tool-call/response database: a SQLite index of recorded calls and their
 * responses built from a canonical corpus, each with the repository state it was made on;
 * looked up by exact canonical arguments and then by a near key (same tool, same normalized
 * path or command), answering only calls made on the same state. */
#include <ctype.h>
#include <sqlite3.h>
#include <string.h>

#include "base/base.h"
#include "depsim/toolsim.h"
#include "toolsim/dialect.h"
#include "toolsim/toolsim_int.h"

/* Schema 2: each call with the repository state it was made on (repo and commit of its
 * record, the digest of the state-changing calls before it in its conversation, the paths
 * they changed); schema 1 files are refused with a request to rebuild. */
#define TOOLDB_SCHEMA "2"
static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "DROP TABLE IF EXISTS calls;"
    "CREATE TABLE calls(id INTEGER PRIMARY KEY, conv_id TEXT, tool TEXT NOT NULL,"
    " args TEXT NOT NULL, near_key TEXT, response TEXT NOT NULL, is_error INTEGER NOT NULL DEFAULT 0,"
    " agent TEXT, repo TEXT, commit_sha TEXT, state TEXT NOT NULL DEFAULT '', changed TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX calls_exact ON calls(tool, args);"
    "CREATE INDEX calls_near ON calls(tool, near_key);"
    "INSERT OR REPLACE INTO meta VALUES('schema', '" TOOLDB_SCHEMA "');";

/* Canonical arguments: the JSON re-serialized with sorted keys and no whitespace, so key
 * order and spacing do not matter. Unparseable arguments are kept verbatim. */
char *tooldb_canonical_args(const char *arguments) {
  json_error_t je;
  json_t *v = json_loads(arguments ? arguments : "{}", JSON_DECODE_ANY, &je);
  if (!v) return ds_strdup(arguments ? arguments : "");
  char *s = ds_json_canonical(v);
  json_decref(v);
  return s;
}

static void collapse_ws(struct ds_buf *out, const char *s) {
  bool space = false;
  while (*s && isspace((unsigned char)*s)) s++;
  for (; *s; s++) {
    if (isspace((unsigned char)*s)) {
      space = true;
      continue;
    }
    if (space && out->len) ds_buf_addc(out, ' ');
    space = false;
    ds_buf_addc(out, *s);
  }
}

/* The near key: "path:" + the normalized path argument, or "cmd:" + the command with
 * whitespace collapsed; NULL when the call has neither. */
char *tooldb_near_key(const char *arguments) {
  json_error_t je;
  json_t *v = json_loads(arguments ? arguments : "{}", 0, &je);
  if (!json_is_object(v)) {
    json_decref(v);
    return NULL;
  }
  static const char *path_keys[] = {"path", "file", "file_path", "filename", "filepath", "dir", "directory"};
  static const char *cmd_keys[] = {"command", "cmd", "script", "code"};
  struct ds_buf b;
  ds_buf_init(&b, 0);
  for (size_t i = 0; i < DS_ARRAY_LEN(path_keys) && !b.len; i++) {
    const char *p = ds_json_str(v, path_keys[i], NULL);
    if (!p) continue;
    while (p[0] == '.' && p[1] == '/') p += 2;
    ds_buf_adds(&b, "path:");
    ds_buf_adds(&b, p);
    while (b.len > 5 && b.data[b.len - 1] == '/') b.data[--b.len] = '\0';
  }
  for (size_t i = 0; i < DS_ARRAY_LEN(cmd_keys) && !b.len; i++) {
    const char *c = ds_json_str(v, cmd_keys[i], NULL);
    if (!c) continue;
    ds_buf_adds(&b, "cmd:");
    collapse_ws(&b, c);
  }
  json_decref(v);
  if (!b.len) {
    ds_buf_release(&b);
    return NULL;
  }
  return ds_buf_detach(&b, NULL);
}

/* The repository a record names (its identity for other conversations) and where its paths
 * are rooted. */
const char *tooldb_repo_of(const json_t *record, const char **out_commit, const char **out_workspace) {
  const json_t *repo = json_object_get(record, "repo");
  const char *where = ds_json_str(repo, "path_or_url", NULL);
  if (!where) where = ds_json_str(repo, "path", NULL);
  if (!where) where = ds_json_str(repo, "cwd", NULL);
  if (out_commit) *out_commit = ds_json_str(repo, "commit", NULL);
  if (out_workspace) *out_workspace = ds_json_str(repo, "cwd", NULL);
  return where;
}

struct index_ctx {
  sqlite3 *db;
  sqlite3_stmt *ins;
  const char *db_path;
  const char *conv, *agent, *repo, *commit, *workspace;
  const struct ts_dialect *d;
  struct ts_state st;
  struct ds_toolsim_index_summary *sum;
  enum ds_status status;
  struct ds_err *err;
};

static void index_call(void *ud, const char *tool, const char *arguments, const json_t *resp) {
  struct index_ctx *x = ud;
  if (x->status) return;
  x->sum->calls++;
  json_error_t je;
  json_t *args = json_loads(arguments && *arguments ? arguments : "{}", 0, &je);
  struct ts_effect eff;
  ts_classify(x->d, x->workspace, x->st.cwd, tool, json_is_object(args) ? args : NULL, &eff);
  char *canon = tooldb_canonical_args(arguments);
  if (!resp) {
    x->sum->unanswered++;
  } else {
    struct ds_buf tmp;
    ds_buf_init(&tmp, 0);
    char *near = tooldb_near_key(arguments);
    char *changed = ts_paths_join(&x->st.changed);
    sqlite3_stmt *q = x->ins;
    sqlite3_bind_text(q, 1, x->conv, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, tool, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, canon ? canon : "", -1, SQLITE_TRANSIENT);
    if (near) sqlite3_bind_text(q, 4, near, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, 4);
    sqlite3_bind_text(q, 5, ts_content_text(resp, &tmp), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 6, json_is_true(json_object_get(resp, "is_error")));
    if (x->agent) sqlite3_bind_text(q, 7, x->agent, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, 7);
    if (x->repo) sqlite3_bind_text(q, 8, x->repo, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, 8);
    if (x->commit) sqlite3_bind_text(q, 9, x->commit, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, 9);
    sqlite3_bind_text(q, 10, x->st.digest, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 11, changed ? changed : "*", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    ds_free(near);
    ds_free(changed);
    ds_buf_release(&tmp);
    if (rc != SQLITE_DONE) x->status = ds_fail(x->err, DS_E_DB, "%s: %s", x->db_path, sqlite3_errmsg(x->db));
    else x->sum->indexed++;
  }
  /* the state the next calls of this conversation are made on */
  ts_state_apply(&x->st, tool, canon, &eff);
  ds_free(canon);
  ts_effect_release(&eff);
  json_decref(args);
}

enum ds_status ds_toolsim_index(const char *corpus_path, const char *db_path, struct ds_toolsim_index_summary *out,
                                struct ds_err *err) {
  struct ds_toolsim_index_summary sum = {0};
  struct ds_lines *lines = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *ins = NULL;
  enum ds_status st = ds_lines_open(corpus_path, 64u << 20, &lines, err);
  if (st) return st;
  if (sqlite3_open(db_path, &db) != SQLITE_OK || sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "INSERT INTO calls(conv_id,tool,args,near_key,response,is_error,agent,repo,commit_sha,state,"
                         "changed) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                         -1, &ins, NULL) != SQLITE_OK) {
    st = ds_fail(err, DS_E_DB, "%s: %s", db_path, db ? sqlite3_errmsg(db) : "cannot open");
    goto out;
  }
  struct ds_str line;
  bool too_long;
  while ((st = ds_lines_next(lines, &line, &too_long, err)) == DS_OK) {
    if (too_long) {
      st = ds_fail(err, DS_E_LIMIT, "%s:%llu: record longer than 64 MiB", corpus_path,
                   (unsigned long long)ds_lines_lineno(lines));
      goto out;
    }
    if (line.len == 0) continue;
    json_error_t je;
    json_t *rec = json_loadb(line.p, line.len, 0, &je);
    if (!json_is_object(rec)) {
      json_decref(rec);
      st = ds_fail(err, DS_E_PARSE, "%s:%llu: not a JSON object: %s", corpus_path,
                   (unsigned long long)ds_lines_lineno(lines), je.text);
      goto out;
    }
    sum.records++;
    struct index_ctx x = {.db = db, .ins = ins, .db_path = db_path, .sum = &sum, .err = err};
    x.conv = ds_json_str(rec, "id", "");
    x.agent = ds_json_str(json_object_get(rec, "segment"), "agent", NULL);
    x.d = ts_dialect_for(x.agent);
    x.repo = tooldb_repo_of(rec, &x.commit, &x.workspace);
    if (!x.workspace) x.workspace = "/workspace";
    ts_state_init(&x.st);
    ts_each_call(x.d, json_object_get(rec, "messages"), index_call, &x);
    ts_state_release(&x.st);
    json_decref(rec);
    if ((st = x.status)) goto out;
  }
  if (st == DS_E_NOTFOUND) st = DS_OK;
  if (!st && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = ds_fail(err, DS_E_DB, "%s: %s", db_path, sqlite3_errmsg(db));
  if (!st) {
    char hex[65];
    if (ds_sha256_file(corpus_path, hex, NULL) == DS_OK) {
      char *sql = sqlite3_mprintf("INSERT OR REPLACE INTO meta VALUES('corpus_sha256',%Q)", hex);
      sqlite3_exec(db, sql, NULL, NULL, NULL);
      sqlite3_free(sql);
    }
  }
out:
  if (st && db) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_finalize(ins);
  if (db) sqlite3_close(db);
  ds_lines_free(lines);
  if (out) *out = sum;
  return st;
}

/* ---- lookups ---- */

enum ds_status tooldb_open(const char *path, sqlite3 **out, struct ds_err *err) {
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    enum ds_status st = ds_fail(err, DS_E_DB, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return st;
  }
  sqlite3_stmt *q = NULL;
  bool ok = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema'", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), TOOLDB_SCHEMA) == 0;
  sqlite3_finalize(q);
  if (!ok) {
    bool old = sqlite3_prepare_v2(db, "SELECT count(*) FROM calls", -1, &q, NULL) == SQLITE_OK;
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (old)
      return ds_fail(err, DS_E_INVALID,
                     "%s: a tool-call database of an older depsim (no repository state per call): rebuild it with "
                     "'depsim toolsim index CORPUS -o %s'",
                     path, path);
    return ds_fail(err, DS_E_INVALID, "%s: not a depsim tool-call database (run 'depsim toolsim index')", path);
  }
  *out = db;
  return DS_OK;
}

struct row {
  sqlite3_int64 id;
  char *state, *changed, *commit;
  bool has_repo, is_error;
};

static void rows_free(struct row *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ds_free(v[i].state);
    ds_free(v[i].changed);
    ds_free(v[i].commit);
  }
  ds_free(v);
}

static const char *col(sqlite3_stmt *q, int i) {
  const char *s = (const char *)sqlite3_column_text(q, i);
  return s ? s : "";
}

/* The rows of sql (?1 tool, ?2 key, ?3 conversation), in order. */
static size_t fetch(sqlite3 *db, const char *sql, const char *tool, const char *key, const char *conv,
                    struct row **out) {
  sqlite3_stmt *q = NULL;
  size_t n = 0, cap = 0;
  struct row *v = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
    *out = NULL;
    return 0;
  }
  sqlite3_bind_text(q, 1, tool, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, conv, -1, SQLITE_STATIC);
  while (sqlite3_step(q) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? 2 * cap : 8;
      struct row *nv = ds_realloc(v, cap * sizeof *nv);
      if (!nv) break;
      v = nv;
    }
    struct row *r = &v[n++];
    r->id = sqlite3_column_int64(q, 0);
    r->state = ds_strdup(col(q, 1));
    r->changed = ds_strdup(col(q, 2));
    r->has_repo = sqlite3_column_type(q, 3) != SQLITE_NULL;
    r->commit = sqlite3_column_type(q, 4) != SQLITE_NULL ? ds_strdup(col(q, 4)) : NULL;
    r->is_error = sqlite3_column_int(q, 5) != 0;
  }
  sqlite3_finalize(q);
  *out = v;
  return n;
}

/* A recording answers a call made on the same state of what the call reads: the same history
 * of state-changing calls, or neither side changed anything the call reads. From another
 * conversation, also the same repository at the same commit (or neither names a repository). */
static bool compatible(const struct row *r, const struct tooldb_query *q, bool same_conv) {
  if (!r->state || !r->changed) return false;
  if (!same_conv && (r->has_repo || q->repo) &&
      (!r->has_repo || !q->repo || !r->commit || !q->commit || strcmp(r->commit, q->commit) != 0))
    return false;
  if (strcmp(r->state, q->digest) == 0) return true;
  struct ts_paths rc = {0};
  ts_paths_parse(&rc, r->changed);
  bool ok = !ts_paths_meet(&rc, q->reads) && !ts_paths_meet(q->changed, q->reads);
  ts_paths_release(&rc);
  return ok;
}

/* The response of the row chosen (read only then: responses can be large). */
static bool take(sqlite3 *db, const struct row *r, char **out, bool *out_error) {
  sqlite3_stmt *q = NULL;
  bool ok = false;
  if (sqlite3_prepare_v2(db, "SELECT response FROM calls WHERE id=?", -1, &q, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(q, 1, r->id);
    if (sqlite3_step(q) == SQLITE_ROW) ok = (*out = ds_strdup(col(q, 0))) != NULL;
    sqlite3_finalize(q);
  }
  *out_error = r->is_error;
  return ok;
}

/* The answer for a key (column col: args or near_key). In the same conversation the n-th
 * identical call (occurrence n, counting those of the prefix) gets the n-th recording, or the
 * last one when the recording made fewer, as long as it was made on the same state; else the
 * nearest one that was. Otherwise the first compatible recording of another conversation. */
static enum ds_status lookup_key(sqlite3 *db, const char *colname, const struct tooldb_query *q, const char *key,
                                 char **out, bool *out_error) {
  char same[256], other[256];
  snprintf(same, sizeof same,
           "SELECT id, state, changed, repo, commit_sha, is_error FROM calls WHERE tool=?1 AND %s=?2 AND "
           "conv_id=?3 ORDER BY id LIMIT 2000",
           colname);
  snprintf(other, sizeof other,
           "SELECT id, state, changed, repo, commit_sha, is_error FROM calls WHERE tool=?1 AND %s=?2 AND "
           "conv_id IS NOT ?3 ORDER BY id LIMIT 500",
           colname);
  const char *conv = q->conv_id ? q->conv_id : "";
  struct row *v = NULL;
  size_t n = fetch(db, same, q->tool, key, conv, &v);
  bool found = false;
  if (n) {
    size_t at = q->occurrence < n ? q->occurrence : n - 1;
    if (compatible(&v[at], q, true)) found = take(db, &v[at], out, out_error);
    for (size_t i = at + 1; i < n && !found; i++)
      if (compatible(&v[i], q, true)) found = take(db, &v[i], out, out_error);
    for (size_t i = at; i > 0 && !found; i--)
      if (compatible(&v[i - 1], q, true)) found = take(db, &v[i - 1], out, out_error);
  }
  rows_free(v, n);
  if (found) return DS_OK;
  n = fetch(db, other, q->tool, key, conv, &v);
  for (size_t i = 0; i < n && !found; i++)
    if (compatible(&v[i], q, false)) found = take(db, &v[i], out, out_error);
  rows_free(v, n);
  return found ? DS_OK : DS_E_NOTFOUND;
}

enum ds_status tooldb_lookup(sqlite3 *db, const struct tooldb_query *q, char **out_response, bool *out_near,
                             bool *out_error) {
  *out_near = false;
  enum ds_status st = lookup_key(db, "args", q, q->canon, out_response, out_error);
  if (st != DS_E_NOTFOUND || !q->near) return st;
  char *key = tooldb_near_key(q->arguments);
  if (!key) return DS_E_NOTFOUND;
  st = lookup_key(db, "near_key", q, key, out_response, out_error);
  *out_near = st == DS_OK;
  ds_free(key);
  return st;
}

/* Up to n recorded calls of the same tool, as "call -> response" text for the simulator. */
void tooldb_similar(sqlite3 *db, const char *tool, unsigned n, struct ds_buf *out) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT args, substr(response,1,600) FROM calls WHERE tool=? ORDER BY id LIMIT ?", -1,
                         &q, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_text(q, 1, tool, -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 2, (int)n);
  while (sqlite3_step(q) == SQLITE_ROW)
    ds_buf_addf(out, "- %s(%s) ->\n%s\n", tool, (const char *)sqlite3_column_text(q, 0),
                (const char *)sqlite3_column_text(q, 1));
  sqlite3_finalize(q);
}
