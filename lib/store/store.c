/* store.c: opens run databases (WAL, foreign keys, busy timeout), checks that they are intact
 * and depsim's, creates and migrates the schema, holds the one-writer lock, and offers meta
 * key/values, transactions and the event log to every stage. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/store.h"

struct ds_store {
  sqlite3 *db;
  char *path;
  int version; /* schema version of the file (after migration on a writable open) */
  struct ds_store_lock *lock; /* held by this handle (write modes without DS_STORE_NOLOCK) */
  const volatile int *cancel;
};

struct ds_store_lock {
  int fd;
  char *path; /* PATH-lock */
};

/* The messages of prefix row p: its own text, or its bytes of the conversation's text. */
#define PREFIX_MESSAGES_V5                                                                                  \
  "(CASE WHEN p.conversation IS NULL THEN p.messages ELSE (SELECT CAST(substr(CAST(c_.messages AS BLOB), 1," \
  " p.messages_end) AS TEXT) || ']' FROM conversations c_ WHERE c_.id = p.conversation) END)"

/* Version 1. Changes add a migration step below; they never rewrite this text. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL,"
    " detail TEXT);\n"
    /* one row per conversation cut: the prefix shown to the candidate, the original answer kept
     * apart (never shown), and the prefix's final accounting status */
    "CREATE TABLE IF NOT EXISTS prefixes(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  conv_id TEXT NOT NULL,\n"
    "  cut_index INTEGER NOT NULL,\n"
    "  segment TEXT NOT NULL DEFAULT '{}',\n"
    "  weight REAL NOT NULL DEFAULT 1.0,\n"
    "  time TEXT,\n"
    "  messages TEXT NOT NULL,\n"
    "  tools TEXT,\n"
    "  original TEXT,\n"
    "  repo TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending','done','skipped','failed')),\n"
    "  reason TEXT,\n"
    "  UNIQUE(conv_id, cut_index));\n"
    "CREATE INDEX IF NOT EXISTS prefixes_status ON prefixes(status);\n"
    /* one row per generated sample; (prefix_id, k) is unique, so a sample is never stored twice */
    "CREATE TABLE IF NOT EXISTS samples(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  prefix_id INTEGER NOT NULL REFERENCES prefixes(id),\n"
    "  k INTEGER NOT NULL,\n"
    "  seed INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK(status IN ('ok','failed')),\n"
    "  content TEXT,\n"
    "  reasoning TEXT,\n"
    "  tool_calls TEXT,\n"
    "  finish_reason TEXT,\n"
    "  prompt_tokens INTEGER,\n"
    "  completion_tokens INTEGER,\n"
    "  latency_s REAL,\n"
    "  attempts INTEGER,\n"
    "  error TEXT,\n"
    "  trajectory TEXT,\n"
    "  created_at TEXT NOT NULL,\n"
    "  UNIQUE(prefix_id, k));\n"
    /* agentic replay: each simulated tool call, which source answered it, and whether it was
     * a side-effecting action that was recorded instead of executed */
    "CREATE TABLE IF NOT EXISTS tool_steps(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sample_id INTEGER NOT NULL REFERENCES samples(id),\n"
    "  step INTEGER NOT NULL,\n"
    "  tool TEXT NOT NULL,\n"
    "  call_id TEXT,\n"
    "  arguments TEXT,\n"
    "  response TEXT,\n"
    "  source TEXT NOT NULL,\n"
    "  side_effect INTEGER NOT NULL DEFAULT 0,\n"
    "  latency_s REAL,\n"
    "  UNIQUE(sample_id, step));\n"
    "CREATE TABLE IF NOT EXISTS rubrics(sha256 TEXT PRIMARY KEY, name TEXT, body TEXT NOT NULL,"
    " created_at TEXT NOT NULL, depsim_version TEXT NOT NULL);\n"
    /* grades keep history: a new rubric version adds rows, it never replaces old ones.
     * target 'sample' grades a regenerated sample, 'original' the prefix's original answer */
    "CREATE TABLE IF NOT EXISTS grades(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sample_id INTEGER NOT NULL REFERENCES samples(id),\n"
    "  rubric_sha256 TEXT NOT NULL REFERENCES rubrics(sha256),\n"
    "  category TEXT NOT NULL,\n"
    "  label INTEGER CHECK(label IN (0,1)),\n"
    "  confidence REAL,\n"
    "  grader TEXT NOT NULL,\n"
    "  evidence TEXT,\n"
    "  step INTEGER,\n"
    "  error TEXT,\n"
    "  created_at TEXT NOT NULL,\n"
    "  UNIQUE(sample_id, rubric_sha256, category));\n"
    "CREATE INDEX IF NOT EXISTS grades_rubric ON grades(rubric_sha256, category);\n";

/* Migrations: migrations[i] takes a database from version i+1 to i+2. A new database gets
 * schema_v1 and then every step, so old and new files end with the same tables. */
static const char *const migrations[] = {
    /* 1 -> 2 (replay): what the candidate was actually shown and why a sample failed */
    "ALTER TABLE prefixes ADD COLUMN trimmed INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE prefixes ADD COLUMN prompt_tokens INTEGER;\n"
    "ALTER TABLE prefixes ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE samples ADD COLUMN cause TEXT;\n",
    /* 2 -> 3 (replay): no index on prefixes.status. It had two rows per prefix to change for
     * every finished prefix and cost the writer a fifth of its time; replay finds pending
     * prefixes from meta.replay_watermark (every prefix up to that id is final) instead */
    "DROP INDEX IF EXISTS prefixes_status;\n",
    /* 3 -> 4 (replay): a digest of what each prefix shows the model (messages and tools), so
     * that a comparison of two runs pairs only prefixes that hold the same prompt */
    "ALTER TABLE prefixes ADD COLUMN digest TEXT;\n",
    /* 4 -> 5 (replay): a conversation's messages are stored once, not once per cut: the prefix
     * is the first messages_end bytes of conversations.messages plus ']' (prefixes.messages is
     * '' then; an old row, a trimmed prefix or a duplicate id keeps its own text there). The
     * status update of a finished prefix then rewrites a small row, not the prefix's text.
     * Samples say how much of their prompt the server took from its cache and how many samples
     * their request made (n > 1); prefixes.draw is the place in the seeded random order of a
     * sequential run (NULL otherwise) */
    "CREATE TABLE IF NOT EXISTS conversations(id INTEGER PRIMARY KEY, conv_id TEXT NOT NULL UNIQUE,"
    " messages TEXT NOT NULL);\n"
    "ALTER TABLE prefixes ADD COLUMN conversation INTEGER;\n" /* conversations.id */
    "ALTER TABLE prefixes ADD COLUMN messages_end INTEGER;\n"
    "ALTER TABLE prefixes ADD COLUMN draw INTEGER;\n"
    "CREATE INDEX IF NOT EXISTS prefixes_draw ON prefixes(draw) WHERE draw IS NOT NULL;\n"
    "ALTER TABLE samples ADD COLUMN prompt_cached INTEGER;\n"
    "ALTER TABLE samples ADD COLUMN request_n INTEGER;\n"
    "CREATE VIEW IF NOT EXISTS prefix_messages(prefix_id, messages) AS SELECT p.id, " PREFIX_MESSAGES_V5
    " FROM prefixes p;\n",
};

static enum ds_status db_fail(struct ds_store *s, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

enum ds_status ds_store_exec(struct ds_store *s, const char *sql, struct ds_err *err) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    enum ds_status st = ds_fail(err, DS_E_DB, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return st;
  }
  return DS_OK;
}

static enum ds_status migrate(struct ds_store *s, int from, struct ds_err *err) {
  enum ds_status st = DS_OK;
  char ver[16];
  for (int v = from; v < DS_STORE_SCHEMA_VERSION; v++) {
    if ((st = ds_store_exec(s, migrations[v - 1], err))) return st;
  }
  snprintf(ver, sizeof ver, "%d", DS_STORE_SCHEMA_VERSION);
  return ds_store_meta_set(s, "schema_version", ver, err);
}

/* meta.run_id: 128 random bits in hex, written once when the run is created (and by the first
 * writable open of a file an older depsim created). Every derived file (forecast, validation,
 * realism, gate decision) records it, so report and gate can tell a file of another run. */
static enum ds_status ensure_run_id(struct ds_store *s, struct ds_err *err) {
  char *have = NULL;
  if (ds_store_meta_get(s, "run_id", &have, NULL) == DS_OK) {
    ds_free(have);
    return DS_OK;
  }
  unsigned char rnd[16];
  size_t got = 0;
  while (got < sizeof rnd) {
    ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
    if (n <= 0) return ds_fail(err, DS_E_IO, "%s: no random bytes for the run id: %m", s->path);
    got += (size_t)n;
  }
  char id[33];
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof rnd; i++) id[2 * i] = hex[rnd[i] >> 4], id[2 * i + 1] = hex[rnd[i] & 15];
  id[32] = 0;
  return ds_store_meta_set(s, "run_id", id, err);
}

static enum ds_status check_schema(struct ds_store *s, enum ds_store_mode mode, struct ds_err *err) {
  char *v = NULL;
  enum ds_status st = ds_store_meta_get(s, "schema_version", &v, NULL);
  if (st == DS_OK) {
    int have = atoi(v);
    ds_free(v);
    if (have > DS_STORE_SCHEMA_VERSION)
      return ds_fail(err, DS_E_UNSUPPORTED, "%s: schema version %d is newer than this depsim (%d)", s->path,
                     have, DS_STORE_SCHEMA_VERSION);
    if (have < 1)
      return ds_fail(err, DS_E_INVALID, "%s: bad schema_version %d", s->path, have);
    s->version = have;
    if (mode == DS_STORE_READ) return DS_OK;
    if (have == DS_STORE_SCHEMA_VERSION) {
      char *id = NULL;
      if (ds_store_meta_get(s, "run_id", &id, NULL) == DS_OK) {
        ds_free(id);
        return DS_OK;
      }
    }
    if ((st = ds_store_begin(s, err))) return st;
    if ((have < DS_STORE_SCHEMA_VERSION && (st = migrate(s, have, err))) || (st = ensure_run_id(s, err))) {
      ds_store_rollback(s);
      return st;
    }
    s->version = DS_STORE_SCHEMA_VERSION;
    return ds_store_commit(s, err);
  }
  if (mode != DS_STORE_CREATE)
    return ds_fail(err, DS_E_INVALID, "%s: not a depsim run database (no schema_version)", s->path);
  if ((st = ds_store_begin(s, err))) return st;
  if ((st = ds_store_exec(s, schema_v1, err)) || (st = migrate(s, 1, err)) ||
      (st = ds_store_meta_set(s, "depsim_version", DS_VERSION, err)) || (st = ensure_run_id(s, err))) {
    ds_store_rollback(s);
    return st;
  }
  s->version = DS_STORE_SCHEMA_VERSION;
  return ds_store_commit(s, err);
}

/* ---- the one-writer lock ---- */

/* The pid written in a held lock file ("?" when it cannot be read yet). */
static void lock_holder(int fd, char out[24]) {
  snprintf(out, 24, "?");
  for (int tries = 0; tries < 20; tries++) { /* the holder writes it right after taking the lock */
    char buf[24] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
    if (pid > 0) {
      snprintf(out, 24, "%ld", pid);
      return;
    }
    usleep(5000);
  }
}

enum ds_status ds_store_lock(const char *path, struct ds_store_lock **out, struct ds_err *err) {
  *out = NULL;
  struct ds_store_lock *l = ds_calloc(1, sizeof *l);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (!l || ds_buf_addf(&b, "%s-lock", path)) {
    ds_free(l);
    ds_buf_release(&b);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  l->path = ds_buf_detach(&b, NULL);
  enum ds_status st = DS_OK;
  /* A releasing holder removes the file: a lock taken on a file no longer at the path is
   * worth nothing, so it is taken again on the new one. */
  for (int tries = 0;; tries++) {
    l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (l->fd < 0) {
      st = ds_fail(err, DS_E_IO, "%s: cannot create the writer lock %s: %s", path, l->path, strerror(errno));
      break;
    }
    if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) {
        st = ds_fail(err, DS_E_IO, "%s: cannot lock %s: %s", path, l->path, strerror(errno));
        break;
      }
      char pid[24];
      lock_holder(l->fd, pid);
      st = ds_fail(err, DS_E_BUSY,
                   "%s: in use by another writer (pid %s); one process writes a run at a time: wait for it to "
                   "finish or stop it",
                   path, pid);
      break;
    }
    struct stat a, c;
    if (fstat(l->fd, &a) == 0 && stat(l->path, &c) == 0 && a.st_dev == c.st_dev && a.st_ino == c.st_ino) {
      char pid[24];
      int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
      /* the lock holds without the pid (a full disk): a refused writer then says "pid ?" */
      if (ftruncate(l->fd, 0) == 0 && pwrite(l->fd, pid, (size_t)n, 0) != n) {
      }
      *out = l;
      return DS_OK;
    }
    close(l->fd);
    l->fd = -1;
    if (tries >= 100) {
      st = ds_fail(err, DS_E_BUSY, "%s: the writer lock %s keeps changing hands", path, l->path);
      break;
    }
  }
  if (l->fd >= 0) close(l->fd);
  ds_free(l->path);
  ds_free(l);
  return st;
}

void ds_store_unlock(struct ds_store_lock *l) {
  if (!l) return;
  unlink(l->path); /* before the lock goes: a waiting writer then retries on a new file */
  close(l->fd);
  ds_free(l->path);
  ds_free(l);
}

static int on_progress(void *ud) {
  struct ds_store *s = ud;
  return s->cancel && *s->cancel;
}

void ds_store_set_cancel(struct ds_store *s, const volatile int *cancel) {
  s->cancel = cancel;
  sqlite3_progress_handler(s->db, cancel ? 10000 : 0, cancel ? on_progress : NULL, s);
}

/* ---- opening ---- */

/* A damaged file is called corrupt, not "not a run database": the header and schema are read
 * first, and a read-only open (the reading commands) also runs PRAGMA quick_check, so that a
 * report never shows numbers read from a damaged file. */
static enum ds_status check_intact(struct ds_store *s, bool full, struct ds_err *err) {
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(s->db, full ? "PRAGMA quick_check(5)" : "SELECT count(*) FROM sqlite_schema", -1, &q, NULL);
  char first[160] = "";
  int problems = 0;
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      const char *t = (const char *)sqlite3_column_text(q, 0);
      if (full && t && strcmp(t, "ok") != 0 && problems++ == 0) snprintf(first, sizeof first, "%s", t);
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  int code = rc == SQLITE_OK ? SQLITE_OK : sqlite3_extended_errcode(s->db) & 0xff;
  sqlite3_finalize(q);
  if (code == SQLITE_NOTADB)
    return ds_fail(err, DS_E_DB, "%s: corrupt or not a database (SQLite: %s)", s->path, sqlite3_errmsg(s->db));
  if (code == SQLITE_CORRUPT)
    return ds_fail(err, DS_E_DB, "%s: the run database is corrupt (SQLite: %s); restore it from a copy", s->path,
                   sqlite3_errmsg(s->db));
  if (rc != SQLITE_OK) return db_fail(s, err, "cannot read");
  if (problems)
    return ds_fail(err, DS_E_DB, "%s: the run database is corrupt (quick_check: %s%s); restore it from a copy",
                   s->path, first, problems > 1 ? ", and more" : "");
  return DS_OK;
}

enum ds_status ds_store_open(const char *path, enum ds_store_mode mode_flags, struct ds_store **out,
                             struct ds_err *err) {
  bool nolock = (mode_flags & DS_STORE_NOLOCK) != 0;
  enum ds_store_mode mode = (enum ds_store_mode)(mode_flags & ~DS_STORE_NOLOCK);
  struct ds_store *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->path = ds_strdup(path))) {
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  if (mode != DS_STORE_CREATE && access(path, F_OK) != 0) {
    ds_store_close(s);
    return ds_fail(err, DS_E_NOTFOUND, "%s: no such run database", path);
  }
  enum ds_status st = DS_OK;
  if (mode != DS_STORE_READ && !nolock && (st = ds_store_lock(path, &s->lock, err))) goto fail;
  int flags = mode == DS_STORE_READ ? SQLITE_OPEN_READONLY
                                    : SQLITE_OPEN_READWRITE | (mode == DS_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    st = db_fail(s, err, "cannot open");
    goto fail;
  }
  sqlite3_busy_timeout(s->db, 10000);
  if ((st = check_intact(s, mode == DS_STORE_READ, err))) goto fail;
  if (mode != DS_STORE_READ) {
    /* WAL + NORMAL survives a killed process (kill -9) with every committed transaction */
    if ((st = ds_store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err))) goto fail;
  }
  if ((st = ds_store_exec(s, "PRAGMA foreign_keys=ON;", err))) goto fail;
  if ((st = check_schema(s, mode, err))) goto fail;
  *out = s;
  return DS_OK;
fail:
  ds_store_close(s);
  return st;
}

void ds_store_close(struct ds_store *s) {
  if (!s) return;
  if (s->db) sqlite3_close_v2(s->db);
  ds_store_unlock(s->lock); /* after the close: its last checkpoint is still under the lock */
  ds_free(s->path);
  ds_free(s);
}

const char *ds_store_path(const struct ds_store *s) { return s->path; }
int ds_store_version(const struct ds_store *s) { return s->version; }

const char *ds_store_sql_prefix_messages(const struct ds_store *s) {
  /* a file opened read-only keeps its version; before 5 every prefix holds its own text */
  return s->version >= 5 ? PREFIX_MESSAGES_V5 : "p.messages";
}
struct sqlite3 *ds_store_db(struct ds_store *s) { return s->db; }

enum ds_status ds_store_meta_get(struct ds_store *s, const char *key, char **out_value, struct ds_err *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL) != SQLITE_OK) {
    /* no meta table yet: treated as absent */
    return ds_fail(err, DS_E_NOTFOUND, "%s: no meta table", s->path);
  }
  sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
  enum ds_status st;
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    *out_value = ds_strdup((const char *)sqlite3_column_text(q, 0));
    st = *out_value ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
  } else if (rc == SQLITE_DONE) {
    st = ds_fail(err, DS_E_NOTFOUND, "%s: no '%s' in meta", s->path, key);
  } else {
    st = db_fail(s, err, "reading meta");
  }
  sqlite3_finalize(q);
  return st;
}

enum ds_status ds_store_meta_set(struct ds_store *s, const char *key, const char *value, struct ds_err *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(s->db, "INSERT INTO meta(key,value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(s, err, "writing meta");
  sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
  enum ds_status st = sqlite3_step(q) == SQLITE_DONE ? DS_OK : db_fail(s, err, "writing meta");
  sqlite3_finalize(q);
  return st;
}

enum ds_status ds_store_begin(struct ds_store *s, struct ds_err *err) {
  return ds_store_exec(s, "BEGIN IMMEDIATE", err);
}

enum ds_status ds_store_commit(struct ds_store *s, struct ds_err *err) { return ds_store_exec(s, "COMMIT", err); }

void ds_store_rollback(struct ds_store *s) { sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); }

enum ds_status ds_store_event(struct ds_store *s, const char *kind, const char *detail, struct ds_err *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(s->db, "INSERT INTO events(time,kind,detail) VALUES(?,?,?)", -1, &q, NULL) != SQLITE_OK)
    return db_fail(s, err, "writing event");
  char now[32];
  ds_now_iso8601(now);
  sqlite3_bind_text(q, 1, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, detail, -1, SQLITE_STATIC);
  enum ds_status st = sqlite3_step(q) == SQLITE_DONE ? DS_OK : db_fail(s, err, "writing event");
  sqlite3_finalize(q);
  return st;
}
