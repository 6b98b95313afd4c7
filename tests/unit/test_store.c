/* test_store.c: the run database: creation with the current schema, migration of an older
 * file on a writable open (never on a read-only one), refusal of newer and foreign files,
 * meta and events, rollback leaving nothing behind, one writer at a time (the second refused
 * with the holder's pid), a damaged file called corrupt, cancellation of a long statement, and
 * the run id written once at creation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/store.h"
#include "tmpdir.h"

static char dir[] = "/tmp/ds-test-store.XXXXXX";

static bool has_column(struct ds_store *s, const char *table, const char *col) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name='%s'", table, col);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(ds_store_db(s), sql, -1, &q, NULL), SQLITE_OK);
  bool yes = sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  return yes;
}

static void raw_exec(const char *path, const char *sql) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
  sqlite3_close(h);
}

static void create_and_meta(void **state) {
  (void)state;
  struct ds_store *s = NULL;
  struct ds_err err = {0};
  const char *p = ds_test_path(dir, "a.db");
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE, &s, &err), DS_E_NOTFOUND);
  assert_int_equal(ds_store_open(p, DS_STORE_CREATE, &s, &err), DS_OK);
  char *v = NULL;
  assert_int_equal(ds_store_meta_get(s, "schema_version", &v, &err), DS_OK);
  assert_int_equal(atoi(v), DS_STORE_SCHEMA_VERSION);
  ds_free(v);
  assert_true(has_column(s, "prefixes", "trimmed"));
  assert_true(has_column(s, "samples", "cause"));
  assert_int_equal(ds_store_meta_get(s, "nope", &v, &err), DS_E_NOTFOUND);
  assert_int_equal(ds_store_meta_set(s, "seed", "1", &err), DS_OK);
  assert_int_equal(ds_store_meta_set(s, "seed", "2", &err), DS_OK);
  assert_int_equal(ds_store_meta_get(s, "seed", &v, &err), DS_OK);
  assert_string_equal(v, "2");
  ds_free(v);
  /* a rolled back transaction leaves nothing */
  assert_int_equal(ds_store_begin(s, &err), DS_OK);
  assert_int_equal(ds_store_meta_set(s, "gone", "x", &err), DS_OK);
  assert_int_equal(ds_store_event(s, "test", "detail", &err), DS_OK);
  ds_store_rollback(s);
  assert_int_equal(ds_store_meta_get(s, "gone", &v, NULL), DS_E_NOTFOUND);
  assert_int_equal(ds_store_event(s, "test", "kept", &err), DS_OK);
  ds_store_close(s);
  /* WAL: a second reader sees committed data */
  assert_int_equal(ds_store_open(p, DS_STORE_READ, &s, &err), DS_OK);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(ds_store_db(s), "SELECT detail FROM events WHERE kind='test'", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "kept");
  assert_int_equal(sqlite3_step(q), SQLITE_DONE);
  sqlite3_finalize(q);
  ds_store_close(s);
}

static void migration(void **state) {
  (void)state;
  struct ds_store *s = NULL;
  struct ds_err err = {0};
  const char *p = ds_test_path(dir, "old.db");
  assert_int_equal(ds_store_open(p, DS_STORE_CREATE, &s, &err), DS_OK);
  ds_store_close(s);
  /* make it a version 1 file: without what versions 5, 4 and 2 added, with the index version 3
   * dropped */
  raw_exec(p, "DROP VIEW prefix_messages; DROP INDEX prefixes_draw; DROP TABLE conversations;"
              " ALTER TABLE prefixes DROP COLUMN conversation; ALTER TABLE prefixes DROP COLUMN messages_end;"
              " ALTER TABLE prefixes DROP COLUMN draw; ALTER TABLE samples DROP COLUMN prompt_cached;"
              " ALTER TABLE samples DROP COLUMN request_n; ALTER TABLE prefixes DROP COLUMN digest;"
              " CREATE INDEX prefixes_status ON prefixes(status); ALTER TABLE prefixes DROP COLUMN trimmed;"
              " ALTER TABLE prefixes DROP COLUMN prompt_tokens; ALTER TABLE prefixes DROP COLUMN tokens_estimated;"
              " ALTER TABLE samples DROP COLUMN cause; UPDATE meta SET value='1' WHERE key='schema_version';"
              " INSERT INTO prefixes(conv_id,cut_index,messages) VALUES('c',1,'[]');");
  /* read-only: opened as it is */
  assert_int_equal(ds_store_open(p, DS_STORE_READ, &s, &err), DS_OK);
  assert_false(has_column(s, "prefixes", "trimmed"));
  /* ... and its prefixes' messages are read from the prefixes table */
  assert_int_equal(ds_store_version(s), 1);
  assert_string_equal(ds_store_sql_prefix_messages(s), "p.messages");
  ds_store_close(s);
  /* writable: migrated, data kept */
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE, &s, &err), DS_OK);
  assert_true(has_column(s, "prefixes", "trimmed"));
  assert_true(has_column(s, "prefixes", "tokens_estimated"));
  assert_true(has_column(s, "samples", "cause"));
  assert_true(has_column(s, "prefixes", "conversation") && has_column(s, "samples", "prompt_cached"));
  assert_int_equal(ds_store_version(s), DS_STORE_SCHEMA_VERSION);
  {
    /* an old row keeps its own text, which readers get through the same expression */
    sqlite3_stmt *m;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM prefixes p WHERE conv_id='c'", ds_store_sql_prefix_messages(s));
    assert_int_equal(sqlite3_prepare_v2(ds_store_db(s), sql, -1, &m, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(m), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(m, 0), "[]");
    sqlite3_finalize(m);
  }
  char *v = NULL;
  assert_int_equal(ds_store_meta_get(s, "schema_version", &v, &err), DS_OK);
  assert_int_equal(atoi(v), DS_STORE_SCHEMA_VERSION);
  ds_free(v);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(ds_store_db(s), "SELECT count(*) FROM sqlite_master WHERE name='prefixes_status'",
                                      -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 0);
  sqlite3_finalize(q);
  assert_int_equal(sqlite3_prepare_v2(ds_store_db(s), "SELECT trimmed FROM prefixes WHERE conv_id='c'", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 0);
  sqlite3_finalize(q);
  ds_store_close(s);
  /* newer than this depsim: refused */
  raw_exec(p, "UPDATE meta SET value='99' WHERE key='schema_version'");
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE, &s, &err), DS_E_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "newer"));
  /* some other SQLite file */
  const char *other = ds_test_path(dir, "other.db");
  raw_exec(other, "CREATE TABLE t(x)");
  assert_int_equal(ds_store_open(other, DS_STORE_WRITE, &s, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "not a depsim run database"));
}

static void one_writer(void **state) {
  (void)state;
  struct ds_store *a = NULL, *b = NULL, *r = NULL;
  struct ds_err err = {0};
  const char *p = ds_test_path(dir, "locked.db");
  char lock[600];
  snprintf(lock, sizeof lock, "%s-lock", p);
  assert_int_equal(ds_store_open(p, DS_STORE_CREATE, &a, &err), DS_OK);
  assert_int_equal(access(lock, F_OK), 0);
  /* a second writer is refused at once, naming the holder */
  char pid[32];
  snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE, &b, &err), DS_E_BUSY);
  assert_null(b);
  assert_non_null(strstr(err.msg, pid));
  assert_non_null(strstr(err.msg, p));
  struct ds_store_lock *l = NULL;
  assert_int_equal(ds_store_lock(p, &l, &err), DS_E_BUSY);
  /* readers are not writers */
  assert_int_equal(ds_store_open(p, DS_STORE_READ, &r, &err), DS_OK);
  ds_store_close(r);
  /* a second handle of the holder takes no lock */
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE | DS_STORE_NOLOCK, &b, &err), DS_OK);
  ds_store_close(b);
  ds_store_close(a);
  assert_int_equal(access(lock, F_OK), -1); /* released and removed */
  /* a lock file left by a killed writer holds no lock: the next writer takes it */
  FILE *f = fopen(lock, "w");
  fputs("999999\n", f);
  fclose(f);
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE, &a, &err), DS_OK);
  ds_store_close(a);
  assert_int_equal(ds_store_lock(p, &l, &err), DS_OK);
  ds_store_unlock(l);
}

/* Overwrites len bytes at off with a pattern. */
static void damage(const char *path, long off, size_t len) {
  int fd = open(path, O_WRONLY);
  assert_true(fd >= 0);
  char buf[4096];
  memset(buf, 0xA5, sizeof buf);
  assert_int_equal(pwrite(fd, buf, len < sizeof buf ? len : sizeof buf, off), (ssize_t)(len < sizeof buf ? len : sizeof buf));
  close(fd);
}

static void corrupt(void **state) {
  (void)state;
  struct ds_store *s = NULL;
  struct ds_err err = {0};
  const char *p = ds_test_path(dir, "damaged.db");
  assert_int_equal(ds_store_open(p, DS_STORE_CREATE, &s, &err), DS_OK);
  assert_int_equal(ds_store_exec(s,
                                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<2000)"
                                 " INSERT INTO prefixes(conv_id,cut_index,messages) SELECT 'c'||i, 1, printf('%0300d', i) FROM n",
                                 &err),
                   DS_OK);
  ds_store_close(s);
  assert_int_equal(ds_store_open(p, DS_STORE_READ, &s, &err), DS_OK);
  ds_store_close(s);
  /* a damaged page in the middle: read-only opens (what reports read) refuse it as corrupt */
  damage(p, 4096L * 40 + 200, 3000);
  s = NULL;
  assert_int_equal(ds_store_open(p, DS_STORE_READ, &s, &err), DS_E_DB);
  assert_null(s);
  assert_non_null(strstr(err.msg, "corrupt"));
  assert_non_null(strstr(err.msg, p));
  /* a damaged header: corrupt, not "not a depsim run database" */
  damage(p, 0, 100);
  assert_int_equal(ds_store_open(p, DS_STORE_READ, &s, &err), DS_E_DB);
  assert_non_null(strstr(err.msg, "corrupt"));
  assert_int_equal(ds_store_open(p, DS_STORE_WRITE, &s, &err), DS_E_DB);
  assert_non_null(strstr(err.msg, "corrupt"));
}

static void cancel_statement(void **state) {
  (void)state;
  struct ds_store *s = NULL;
  struct ds_err err = {0};
  const char *p = ds_test_path(dir, "cancel.db");
  assert_int_equal(ds_store_open(p, DS_STORE_CREATE, &s, &err), DS_OK);
  volatile int flag = 1;
  ds_store_set_cancel(s, &flag);
  assert_int_equal(ds_store_exec(s, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<100000000)"
                                    " SELECT count(*) FROM n", &err),
                   DS_E_DB);
  assert_non_null(strstr(err.msg, "interrupt"));
  flag = 0;
  assert_int_equal(ds_store_exec(s, "SELECT 1", &err), DS_OK);
  ds_store_set_cancel(s, NULL);
  ds_store_close(s);
}

/* meta.run_id: 32 hex digits written at creation, the same on every later open, different for
 * another run; a file an older depsim made without one gets it on its first writable open. */
static void run_id(void **state) {
  (void)state;
  struct ds_store *s = NULL;
  struct ds_err err = {0};
  char *a = NULL, *b = NULL, *again = NULL;
  const char *p1 = ds_test_path(dir, "id1.db"), *p2 = ds_test_path(dir, "id2.db");
  assert_int_equal(ds_store_open(p1, DS_STORE_CREATE, &s, &err), DS_OK);
  assert_int_equal(ds_store_meta_get(s, "run_id", &a, &err), DS_OK);
  ds_store_close(s);
  assert_int_equal(strlen(a), 32);
  assert_int_equal(strspn(a, "0123456789abcdef"), 32);
  assert_int_equal(ds_store_open(p1, DS_STORE_WRITE, &s, &err), DS_OK);
  assert_int_equal(ds_store_meta_get(s, "run_id", &again, &err), DS_OK);
  ds_store_close(s);
  assert_string_equal(a, again);
  ds_free(again);
  assert_int_equal(ds_store_open(p2, DS_STORE_CREATE, &s, &err), DS_OK);
  assert_int_equal(ds_store_meta_get(s, "run_id", &b, &err), DS_OK);
  ds_store_close(s);
  assert_string_not_equal(a, b);
  /* an older file: a read-only open leaves it as it is, a writable one adds the id */
  raw_exec(p2, "DELETE FROM meta WHERE key='run_id'");
  assert_int_equal(ds_store_open(p2, DS_STORE_READ, &s, &err), DS_OK);
  assert_int_equal(ds_store_meta_get(s, "run_id", &again, NULL), DS_E_NOTFOUND);
  ds_store_close(s);
  assert_int_equal(ds_store_open(p2, DS_STORE_WRITE, &s, &err), DS_OK);
  assert_int_equal(ds_store_meta_get(s, "run_id", &again, &err), DS_OK);
  ds_store_close(s);
  assert_int_equal(strlen(again), 32);
  assert_string_not_equal(again, b);
  ds_free(again);
  ds_free(a);
  ds_free(b);
}

static int setup(void **state) {
  (void)state;
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(create_and_meta), cmocka_unit_test(migration),
                                     cmocka_unit_test(one_writer), cmocka_unit_test(corrupt),
                                     cmocka_unit_test(cancel_statement), cmocka_unit_test(run_id)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
