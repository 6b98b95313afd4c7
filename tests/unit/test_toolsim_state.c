/* test_toolsim_state.c: a recording answers only a call made on the same repository state:
 * from another conversation only at the same commit, never once the candidate changed what the
 * call reads; in its own conversation on the same history of changes; a shell command that acts
 * changes everything; the prefix's writes are replayed into the overlay; an older tool-call
 * database is refused with a request to rebuild it. */
#include <sqlite3.h>

#include "toolsim_fixture.h"

static struct fx f;
static char head[64], first[64];
static const char *const CWD = "/Users/dev/proj";

static void rev(const char *what, char out[64]) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse %s", f.repo, what);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  assert_non_null(fgets(out, 64, p));
  pclose(p);
  out[strcspn(out, "\n")] = '\0';
}

static int setup(void **state) {
  (void)state;
  if (fx_setup(&f)) return -1;
  fx_file(&f, "a.txt", "alpha\n");
  fx_file(&f, "b.txt", "beta\n");
  fx_commit(&f);
  rev("HEAD", first);
  fx_file(&f, "a.txt", "alpha 2\n");
  fx_commit(&f);
  rev("HEAD", head);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_teardown(&f);
  return 0;
}

static json_t *record(const char *id, const char *commit, json_t *msgs) {
  json_t *r = fx_record(id, "claude-code", "2.1.34", CWD, msgs);
  if (commit) json_object_set_new(json_object_get(r, "repo"), "commit", json_string(commit));
  return r;
}

static const char *READ_A = "{\"file_path\":\"/Users/dev/proj/a.txt\"}";
static const char *READ_B = "{\"file_path\":\"/Users/dev/proj/b.txt\"}";

static void another_conversation_needs_the_same_state(void **state) {
  (void)state;
  json_t *msgs = json_array();
  json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content", "look"));
  fx_turn(msgs, "t1", "Read", READ_A, "RECORDED a");
  fx_turn(msgs, "t2", "Read", READ_B, "RECORDED b");
  json_t *recs[] = {record("rec-head", head, msgs)};
  const char *db = fx_index(&f, "state1", recs, 1);
  struct ds_toolsim *t = fx_toolsim(&f, db);
  /* same commit, another conversation: the recording answers */
  json_t *same = record("other", head, NULL);
  struct ds_toolsim_episode *e = fx_episode(t, same);
  fx_expect(e, "Read", READ_A, DS_TOOL_SOURCE_DB, false, "RECORDED a");
  /* the candidate changes a.txt: the recording of a.txt no longer answers, the one of b.txt does */
  fx_expect(e, "Write", "{\"content\":\"mine\\n\",\"file_path\":\"/Users/dev/proj/a.txt\"}", DS_TOOL_SOURCE_CONNECTOR,
            true, "The file /Users/dev/proj/a.txt has been updated successfully.");
  struct ds_tool_answer a;
  fx_call(e, "Read", READ_A, &a);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  assert_non_null(strstr(a.response, "mine"));
  ds_tool_answer_release(&a);
  fx_expect(e, "Read", READ_B, DS_TOOL_SOURCE_DB, false, "RECORDED b");
  /* a shell command that acts may have changed anything: no other recording answers now */
  fx_expect(e, "Bash", "{\"command\":\"make\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_call(e, "Read", READ_B, &a);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  json_decref(same);
  /* another commit: not the same state, the connector reads that commit instead */
  json_t *older = record("older", first, NULL);
  e = fx_episode(t, older);
  fx_call(e, "Read", READ_A, &a);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  assert_non_null(strstr(a.response, "alpha\n"));
  assert_null(strstr(a.response, "alpha 2"));
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  json_decref(older);
  /* no commit: the state cannot be shown to be the same */
  json_t *unpinned = record("unpinned", NULL, NULL);
  e = fx_episode(t, unpinned);
  fx_call(e, "Read", READ_A, &a);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  json_decref(unpinned);
  ds_toolsim_close(t);
  json_decref(recs[0]);
}

static void own_conversation_follows_its_history(void **state) {
  (void)state;
  json_t *msgs = json_array();
  json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content", "edit"));
  fx_turn(msgs, "t1", "Read", READ_A, "RECORDED a before");
  fx_turn(msgs, "t2", "Write", "{\"content\":\"new\\n\",\"file_path\":\"/Users/dev/proj/a.txt\"}", "RECORDED write");
  fx_turn(msgs, "t3", "Read", READ_A, "RECORDED a after");
  fx_turn(msgs, "t4", "Bash", "{\"command\":\"npm test\"}", "RECORDED tests");
  fx_turn(msgs, "t5", "Read", READ_B, "RECORDED b after tests");
  json_t *rec = record("conv", NULL, msgs);
  const char *db = fx_index(&f, "state2", &rec, 1);
  struct ds_toolsim *t = fx_toolsim(&f, db);
  /* the recorded calls again: each gets the recording made on the same history */
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  fx_expect(e, "Read", READ_A, DS_TOOL_SOURCE_DB, false, "RECORDED a before");
  fx_expect(e, "Write", "{\"content\":\"new\\n\",\"file_path\":\"/Users/dev/proj/a.txt\"}", DS_TOOL_SOURCE_CONNECTOR,
            true, NULL);
  fx_expect(e, "Read", READ_A, DS_TOOL_SOURCE_DB, false, "RECORDED a after");
  fx_expect(e, "Bash", "{\"command\":\"npm test\"}", DS_TOOL_SOURCE_DB, true, "RECORDED tests");
  fx_expect(e, "Read", READ_B, DS_TOOL_SOURCE_DB, false, "RECORDED b after tests");
  ds_toolsim_episode_free(e);
  /* another write instead: the read after it is the overlay's, not the recording */
  e = fx_episode(t, rec);
  fx_expect(e, "Read", READ_A, DS_TOOL_SOURCE_DB, false, "RECORDED a before");
  fx_expect(e, "Write", "{\"content\":\"other\\n\",\"file_path\":\"/Users/dev/proj/a.txt\"}", DS_TOOL_SOURCE_CONNECTOR,
            true, NULL);
  struct ds_tool_answer a;
  fx_call(e, "Read", READ_A, &a);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  assert_non_null(strstr(a.response, "other"));
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  /* a cut after the write: the prefix's write is in the overlay and its state is the episode's */
  json_t *prefix = json_array();
  for (size_t i = 0; i < 5; i++) json_array_append(prefix, json_array_get(msgs, i));
  e = fx_episode(t, rec);
  ds_toolsim_episode_history(e, prefix);
  json_decref(prefix);
  fx_expect(e, "Read", READ_A, DS_TOOL_SOURCE_DB, false, "RECORDED a after");
  fx_expect(e, "Bash", "{\"command\":\"cat a.txt\"}", DS_TOOL_SOURCE_CONNECTOR, false, "new");
  ds_toolsim_episode_free(e);
  ds_toolsim_close(t);
  json_decref(rec);
}

static void old_databases_are_rebuilt(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/old.db", f.dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                "CREATE TABLE calls(id INTEGER PRIMARY KEY, conv_id TEXT, tool TEXT NOT NULL,"
                                " args TEXT NOT NULL, near_key TEXT, response TEXT NOT NULL);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  struct ds_toolsim_params p;
  ds_toolsim_default_params(&p);
  p.tooldb_path = path;
  struct ds_toolsim *t = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_toolsim_open(&p, &t, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "depsim toolsim index"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(another_conversation_needs_the_same_state),
      cmocka_unit_test(own_conversation_follows_its_history),
      cmocka_unit_test(old_databases_are_rebuilt),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
