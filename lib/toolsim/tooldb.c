/* tooldb.c: the tool-call/response database: a SQLite index of recorded calls and their
 * responses built from a canonical corpus, looked up by exact canonical arguments and then
 * by a near key (same tool, same normalized path or command). */
#include <ctype.h>
#include <sqlite3.h>
#include <string.h>

#include "base/base.h"
#include "depsim/toolsim.h"
#include "toolsim/toolsim_int.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS calls(id INTEGER PRIMARY KEY, conv_id TEXT, tool TEXT NOT NULL,"
    " args TEXT NOT NULL, near_key TEXT, response TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS calls_exact ON calls(tool, args);"
    "CREATE INDEX IF NOT EXISTS calls_near ON calls(tool, near_key);";

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

static const char *content_text(const json_t *msg, struct ds_buf *tmp) {
  const json_t *c = json_object_get(msg, "content");
  if (json_is_string(c)) return json_string_value(c);
  if (json_is_array(c)) {
    size_t i;
    const json_t *part;
    json_array_foreach(c, i, part) {
      const char *t = ds_json_str(part, "text", NULL);
      if (t) ds_buf_adds(tmp, t);
    }
    return tmp->data;
  }
  return "";
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
      sqlite3_exec(db, "DELETE FROM calls; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO calls(conv_id,tool,args,near_key,response) VALUES(?,?,?,?,?)", -1, &ins,
                         NULL) != SQLITE_OK) {
    st = ds_fail(err, DS_E_DB, "%s: %s", db_path, db ? sqlite3_errmsg(db) : "cannot open");
    goto out;
  }
  struct ds_str line;
  bool too_long;
  while ((st = ds_lines_next(lines, &line, &too_long, err)) == DS_OK) {
    if (too_long || line.len == 0) continue;
    json_error_t je;
    json_t *rec = json_loadb(line.p, line.len, 0, &je);
    if (!json_is_object(rec)) {
      json_decref(rec);
      st = ds_fail(err, DS_E_PARSE, "%s:%llu: not a JSON object: %s", corpus_path,
                   (unsigned long long)ds_lines_lineno(lines), je.text);
      goto out;
    }
    sum.records++;
    const char *conv = ds_json_str(rec, "id", "");
    json_t *msgs = json_object_get(rec, "messages");
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
      json_t *calls = json_object_get(m, "tool_calls");
      size_t j;
      json_t *call;
      json_array_foreach(calls, j, call) {
        sum.calls++;
        const char *id = ds_json_str(call, "id", NULL);
        const char *name = ds_json_str(call, "name", NULL);
        const char *args = ds_json_str(call, "arguments", "{}");
        if (!name) continue;
        /* the tool message answering this call id */
        const json_t *resp = NULL;
        for (size_t k = i + 1; k < json_array_size(msgs) && !resp; k++) {
          json_t *t = json_array_get(msgs, k);
          const char *role = ds_json_str(t, "role", "");
          if (strcmp(role, "tool") == 0 && id && strcmp(ds_json_str(t, "tool_call_id", ""), id) == 0) resp = t;
          else if (strcmp(role, "assistant") == 0 && k > i + 1) break;
        }
        if (!resp) {
          sum.unanswered++;
          continue;
        }
        struct ds_buf tmp;
        ds_buf_init(&tmp, 0);
        char *canon = tooldb_canonical_args(args);
        char *near = tooldb_near_key(args);
        sqlite3_bind_text(ins, 1, conv, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, canon ? canon : "", -1, SQLITE_TRANSIENT);
        if (near) sqlite3_bind_text(ins, 4, near, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(ins, 4);
        sqlite3_bind_text(ins, 5, content_text(resp, &tmp), -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        ds_free(canon);
        ds_free(near);
        ds_buf_release(&tmp);
        if (rc != SQLITE_DONE) {
          json_decref(rec);
          st = ds_fail(err, DS_E_DB, "%s: %s", db_path, sqlite3_errmsg(db));
          goto out;
        }
        sum.indexed++;
      }
    }
    json_decref(rec);
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
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM calls", -1, &q, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return ds_fail(err, DS_E_INVALID, "%s: not a depsim tool-call database (run 'depsim toolsim index')", path);
  }
  sqlite3_finalize(q);
  *out = db;
  return DS_OK;
}

/* One response by the query sql (?1 tool, ?2 key, ?3 conversation, ?4 offset); DS_E_NOTFOUND
 * when it gives no row. */
static enum ds_status one_response(sqlite3 *db, const char *sql, const char *tool, const char *key,
                                   const char *conv_id, unsigned offset, char **out) {
  sqlite3_stmt *q = NULL;
  enum ds_status st = DS_E_NOTFOUND;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return st;
  sqlite3_bind_text(q, 1, tool, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(q) >= 3) sqlite3_bind_text(q, 3, conv_id, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(q) >= 4) sqlite3_bind_int64(q, 4, offset);
  if (sqlite3_step(q) == SQLITE_ROW) {
    *out = ds_strdup((const char *)sqlite3_column_text(q, 0));
    st = *out ? DS_OK : DS_E_NOMEM;
  }
  sqlite3_finalize(q);
  return st;
}

/* The recorded response for a key (column col: args or near_key). In the same conversation the
 * calls are taken in the order they were made: the n-th identical call (occurrence n, counting
 * those of the prefix) gets the n-th recorded response, or the last one when the recording made
 * fewer, so a repeated `git status` or test run sees the state the original session saw at that
 * point. Otherwise the first recording of any conversation. */
static enum ds_status lookup_key(sqlite3 *db, const char *col, const char *conv_id, const char *tool, const char *key,
                                 unsigned occurrence, char **out) {
  char nth[160], last[160], any[160];
  snprintf(nth, sizeof nth, "SELECT response FROM calls WHERE tool=?1 AND %s=?2 AND conv_id=?3 ORDER BY id LIMIT 1 OFFSET ?4",
           col);
  snprintf(last, sizeof last, "SELECT response FROM calls WHERE tool=?1 AND %s=?2 AND conv_id=?3 ORDER BY id DESC LIMIT 1",
           col);
  snprintf(any, sizeof any, "SELECT response FROM calls WHERE tool=?1 AND %s=?2 ORDER BY id LIMIT 1", col);
  const char *conv = conv_id ? conv_id : "";
  enum ds_status st = one_response(db, nth, tool, key, conv, occurrence, out);
  if (st == DS_E_NOTFOUND && occurrence > 0) st = one_response(db, last, tool, key, conv, 0, out);
  if (st == DS_E_NOTFOUND) st = one_response(db, any, tool, key, conv, 0, out);
  return st;
}

/* Looks a call up: exact (tool, canonical args = tooldb_canonical_args(arguments)) first, then
 * (tool, near key) when allowed, preferring the same conversation. Returns DS_OK with
 * *out_response, or DS_E_NOTFOUND. */
enum ds_status tooldb_lookup(sqlite3 *db, const char *conv_id, const char *tool, const char *canon_args,
                             const char *arguments, bool near, unsigned occurrence, char **out_response,
                             bool *out_near) {
  enum ds_status st = lookup_key(db, "args", conv_id, tool, canon_args, occurrence, out_response);
  *out_near = false;
  if (st != DS_E_NOTFOUND || !near) return st;
  char *key = tooldb_near_key(arguments);
  if (!key) return DS_E_NOTFOUND;
  st = lookup_key(db, "near_key", conv_id, tool, key, occurrence, out_response);
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
