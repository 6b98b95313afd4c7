/* test_plan_prefixes.c: what `depsim plan --corpus` reads. ds_replay_prefixes gives exactly
 * the prefixes a replay of the same corpus stores (messages as sent, tools, original, the
 * corpus counters) for every cut mode, shards, duplicate ids and odd records; and the token
 * estimate follows its documented rule (docs/backends.md, "Token counts"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/backend.h"
#include "depsim/replay.h"
#include "tmpdir.h"

static char dir[] = "/tmp/ds-test-plan.XXXXXX";

/* Records of every kind loading meets: several turns, tool calls and tools, reasoning, a
 * prompt without an answer, no cut point, escaped keys (parsed, not walked), and an id seen
 * twice (its second record adds one cut and repeats one). */
static const char corpus[] =
    "{\"id\":\"a\",\"messages\":[{\"role\":\"system\",\"content\":\"be nice\"},{\"role\":\"user\",\"content\":\"u1\"},"
    "{\"role\":\"assistant\",\"content\":\"a1\",\"reasoning\":\"think\"},{\"role\":\"user\",\"content\":\"u2\"},"
    "{\"role\":\"assistant\",\"content\":\"a2\"},{\"role\":\"user\",\"content\":\"u3\"},{\"role\":\"assistant\",\"content\":\"a3\"}]}\n"
    "{\"id\":\"b\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"sh\",\"parameters\":{}}}],\"messages\":["
    "{\"role\":\"user\",\"content\":\"ls\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"t1\","
    "\"name\":\"sh\",\"arguments\":\"{}\"}]},{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"x\"},"
    "{\"role\":\"assistant\",\"content\":\"done\"}]}\n"
    "{\"id\":\"p\",\"messages\":[{\"role\":\"user\",\"content\":\"a prompt\"}]}\n"
    "\n"
    "{\"id\":\"c\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"assistant\",\"content\":\"no user\"}]}\n"
    "{\"id\":\"e\",\"messages\":[{\"r\\u006fle\":\"user\",\"content\":\"esc\"},{\"role\":\"assistant\",\"content\":[{\"type\":"
    "\"text\",\"text\":\"parts\"}]}]}\n"
    "{\"id\":\"a\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u1\"},"
    "{\"role\":\"assistant\",\"content\":\"other\"},{\"role\":\"user\",\"content\":\"again\"},"
    "{\"role\":\"tool\",\"content\":\"t\"},{\"role\":\"assistant\",\"content\":\"x\"}]}\n";

struct collect {
  struct ds_buf text;
};

static enum ds_status on_prefix(void *ud, const struct ds_replay_prefix *pf, struct ds_err *err) {
  (void)err;
  struct collect *c = ud;
  ds_buf_addf(&c->text, "%s#%zu %.*s %s %.*s\n", pf->conv_id, pf->cut, (int)pf->messages_len, pf->messages,
              pf->tools ? pf->tools : "NULL", (int)pf->original_len, pf->original);
  return DS_OK;
}

/* The same lines from a run database, in the order loading inserted them. */
static char *stored(const char *db) {
  sqlite3 *h;
  sqlite3_stmt *s;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(h,
                                      "SELECT conv_id||'#'||cut_index||' '||(SELECT messages FROM prefix_messages WHERE "
                                      "prefix_id=prefixes.id)||' '||coalesce(tools,'NULL')||' '||original FROM prefixes "
                                      "ORDER BY id",
                                      -1, &s, NULL),
                   SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW) ds_buf_addf(&out, "%s\n", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  assert_int_equal(sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key='corpus_load'", -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  ds_buf_addf(&out, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return ds_buf_detach(&out, NULL);
}

static void same_as_replay(void **state) {
  (void)state;
  static const char *const cuts[] = {"last", "every", "first", "2", "random:1", "next"};
  char path[300], spec[300];
  snprintf(path, sizeof path, "%s", ds_test_write(dir, "c.jsonl", corpus)); /* ds_test_path's buffers rotate */
  /* a file backend that answers nothing: loading is all this test looks at */
  snprintf(spec, sizeof spec, "file:%s", ds_test_write(dir, "none.jsonl", "{\"id\":\"zz#1\",\"content\":\"x\"}\n"));
  int run = 0, compared = 0;
  for (size_t i = 0; i < DS_ARRAY_LEN(cuts); i++)
    for (unsigned shard = 0; shard < 3; shard++)
      for (int keep = 0; keep < 2; keep++) {
        struct ds_replay_params p;
        ds_replay_default_params(&p);
        struct ds_err err = {0};
        assert_int_equal(ds_replay_cut_parse(cuts[i], &p.cut, &p.cut_n, &err), DS_OK);
        p.corpus_path = path;
        p.seed = 11;
        p.keep_reasoning = keep;
        if (shard) { /* shard 0/2 and 1/2 */
          p.shard_index = shard - 1;
          p.shard_count = 2;
        }
        char name[32];
        snprintf(name, sizeof name, "r%d.db", run++);
        p.db_path = ds_test_path(dir, name);
        p.backend_spec = spec;
        struct ds_replay_summary sum;
        struct ds_err e1 = {0}, e2 = {0};
        enum ds_status st1 = ds_replay_run(&p, NULL, NULL, &sum, &e1);
        if (!st1) ds_replay_summary_release(&sum);
        struct collect c;
        ds_buf_init(&c.text, 0);
        struct ds_replay_corpus_counts n;
        enum ds_status st2 = ds_replay_prefixes(&p, on_prefix, &c, &n, &e2);
        /* the same outcome: both fine, or the same error (a shard with no cut point) */
        assert_int_equal(st1, st2);
        if (st1) {
          assert_int_equal(st1, DS_E_INVALID);
          assert_non_null(strstr(e1.msg, "no prefix to replay"));
          assert_string_equal(e1.msg, e2.msg);
          ds_buf_release(&c.text);
          continue;
        }
        ds_buf_addf(&c.text, "{\"line\":%llu,\"records\":%llu,\"cuts\":%llu,\"no_cut\":%llu,\"other_shard\":%llu,"
                             "\"duplicates\":%llu,\"complete\":true}",
                    (unsigned long long)n.lines, (unsigned long long)n.records, (unsigned long long)n.prefixes,
                    (unsigned long long)n.no_cut, (unsigned long long)n.other_shard, (unsigned long long)n.duplicates);
        char *want = stored(p.db_path);
        if (strcmp(want, c.text.data) != 0)
          fail_msg("--cut %s shard %u keep %d:\nreplay:\n%s\nplan:\n%s", cuts[i], shard, keep, want, c.text.data);
        ds_free(want);
        ds_buf_release(&c.text);
        compared++;
      }
  assert_true(compared >= 30); /* of 36: a shard may have no cut point for --cut next */
  /* --cut every over the whole corpus: the duplicate id's repeated cut is counted once */
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = path;
  p.cut = DS_REPLAY_CUT_EVERY;
  struct collect c;
  ds_buf_init(&c.text, 0);
  struct ds_replay_corpus_counts n;
  struct ds_err err = {0};
  if (ds_replay_prefixes(&p, on_prefix, &c, &n, &err)) fail_msg("%s", err.msg);
  ds_buf_release(&c.text);
  assert_int_equal(n.records, 6);
  assert_int_equal(n.prefixes, 7); /* a: 2 4 6, b: 1 3, e: 1, a again: 5 (and 2 repeated) */
  assert_int_equal(n.duplicates, 1);
  assert_int_equal(n.no_cut, 2); /* p, c */
}

static enum ds_status stop_at_second(void *ud, const struct ds_replay_prefix *pf, struct ds_err *err) {
  (void)pf;
  return ++*(int *)ud == 2 ? ds_fail(err, DS_E_CANCELLED, "enough") : DS_OK;
}

static void errors(void **state) {
  (void)state;
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  struct ds_err err = {0};
  int n = 0;
  p.corpus_path = ds_test_path(dir, "absent.jsonl");
  assert_int_not_equal(ds_replay_prefixes(&p, stop_at_second, &n, NULL, &err), DS_OK);
  p.corpus_path = ds_test_write(dir, "bad.jsonl", "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"u\"},"
                                                  "{\"role\":\"assistant\",\"content\":\"a\"}]}\n{\"id\":\n");
  assert_int_equal(ds_replay_prefixes(&p, stop_at_second, &n, NULL, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "bad.jsonl:2: invalid JSON"));
  p.corpus_path = ds_test_write(dir, "empty.jsonl", "\n");
  assert_int_equal(ds_replay_prefixes(&p, stop_at_second, &n, NULL, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "empty"));
  /* the callback's error stops the walk and comes back */
  p.corpus_path = ds_test_write(dir, "c.jsonl", corpus);
  p.cut = DS_REPLAY_CUT_EVERY;
  n = 0;
  assert_int_equal(ds_replay_prefixes(&p, stop_at_second, &n, NULL, &err), DS_E_CANCELLED);
  assert_int_equal(n, 2);
}

static void estimate_rule(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint64_t want;
  } cases[] = {
      {"", 0},
      {"abcd", 1},              /* a word: a token per 4 letters or part */
      {"abcde", 2},
      {"abcd efgh", 2},         /* a space before a word: nothing */
      {"a  b", 3},              /* a run of spaces: one */
      {"12345", 2},             /* digits by 3 */
      {"x1", 2},
      {"ok.\n", 3},             /* punctuation and a newline: one each */
      {"h\xc3\xa9llo", 3},      /* h, é (one code point), llo */
      {"\xe4\xbd\xa0\xe5\xa5\xbd", 2}, /* two CJK characters */
      {"\xff", 1},              /* a stray byte counts as a character */
  };
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++)
    if (ds_tokens_estimate_text(cases[i].text, strlen(cases[i].text)) != cases[i].want)
      fail_msg("'%s': %llu, want %llu", cases[i].text,
               (unsigned long long)ds_tokens_estimate_text(cases[i].text, strlen(cases[i].text)),
               (unsigned long long)cases[i].want);
  /* a prompt: 3, each message 4 and its text; tool calls (canonical or wire) 4 + name + arguments;
   * content parts by their text; tools as their JSON */
  json_t *m = json_loads("[{\"role\":\"user\",\"content\":\"abcd\"},"
                         "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t\",\"name\":\"sh\",\"arguments\":\"{}\"}]},"
                         "{\"role\":\"tool\",\"content\":[{\"type\":\"text\",\"text\":\"abcd abcd\"}]},"
                         "{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"sh\",\"arguments\":\"1\"}}]}]",
                         0, NULL);
  assert_non_null(m);
  /* 3 + (4+1) + (4 + 4+1+2) + (4+2) + (4 + 4+1+1) = 3 + 5 + 11 + 6 + 10 */
  assert_int_equal(ds_tokens_estimate_messages(m, NULL), 35);
  json_t *tools = json_loads("[{\"a\":1}]", 0, NULL); /* [{"a":1}]: [ { " a " : 1 } ], 9 */
  assert_int_equal(ds_tokens_estimate_messages(m, tools), 44);
  json_decref(tools);
  json_decref(m);
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
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_as_replay),
      cmocka_unit_test(errors),
      cmocka_unit_test(estimate_rule),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
