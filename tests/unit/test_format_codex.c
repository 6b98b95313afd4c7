/* test_format_codex.c: the Codex rollout reader on fixtures written from the format
 * (tests/data/formats/codex/): the current {timestamp,type,payload} layout, the bare layout,
 * the TypeScript rollout-*.json, compactions, rollbacks, sub-agents, event mirrors counted as
 * duplicates, bookkeeping skipped, broken lines failed with FILE:LINE, and .jsonl.zst input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "corpus/formats/format.h"
#include "depsim/corpus.h"
#include "tmpdir.h"

static char dir[64];

struct readout {
  json_t *records; /* by id */
  json_t *list;    /* in order */
  json_t *units;
  struct ds_reader_items items;
  char bad[8][4096];
  int n_bad;
};

static const char *fixture(const char *rel) {
  static char buf[4][512];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 512, "%s/tests/data/formats/codex/%s", getenv("DS_SRC") ? getenv("DS_SRC") : ".", rel);
  return p;
}

static void read_all(const char *path, const char *format, struct readout *out) {
  memset(out, 0, sizeof *out);
  out->records = json_object();
  out->list = json_array();
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  p.format = format;
  struct ds_reader *r;
  struct ds_err err = {0};
  assert_int_equal(ds_reader_open(path, &p, &r, &err), DS_OK);
  for (;;) {
    json_t *rec;
    struct ds_bad_record bad;
    enum ds_status st = ds_reader_next(r, &rec, &bad, &err);
    if (st == DS_E_NOTFOUND) break;
    assert_int_equal(st, DS_OK);
    if (!rec) {
      assert_true(out->n_bad < 8);
      snprintf(out->bad[out->n_bad++], sizeof out->bad[0], "%s", bad.msg);
      continue;
    }
    /* every record is canonical, and normalizes to itself */
    struct ds_bad_record b2;
    assert_int_equal(corpus_record_check(rec, &b2), DS_OK);
    json_t *again = NULL;
    assert_int_equal(ds_record_normalize(rec, "openai", &again, &b2), DS_OK);
    assert_true(json_equal(rec, again));
    json_decref(again);
    json_array_append(out->list, rec);
    const char *id = ds_json_str(rec, "id", "");
    json_object_set_new(out->records, id, rec);
  }
  ds_reader_items(r, &out->items);
  out->units = json_deep_copy(ds_reader_units(r));
  ds_reader_free(r);
}

static void release(struct readout *o) {
  json_decref(o->records);
  json_decref(o->list);
  json_decref(o->units);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static const char *mstr(const json_t *rec, size_t i, const char *key) { return ds_json_str(msg(rec, i), key, NULL); }
static size_t n_msgs(const json_t *rec) { return json_array_size(json_object_get(rec, "messages")); }
static json_int_t count(const json_t *unit, const char *map, const char *key) {
  return json_integer_value(json_object_get(json_object_get(unit, map), key));
}

static void test_current_layout(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("current"), NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 3);
  const json_t *u = json_array_get(o.units, 0);
  assert_string_equal(ds_json_str(u, "format", ""), "codex");
  /* 36 lines: 25 used, 5 bookkeeping skipped by type, 6 mirrors of response items */
  assert_int_equal(o.items.in, 36);
  assert_int_equal(o.items.used, 25);
  assert_int_equal(o.items.skipped, 5);
  assert_int_equal(o.items.duplicate, 6);
  assert_int_equal(o.items.failed, 0);
  assert_int_equal(count(u, "skipped", "event_msg:token_count"), 1);
  assert_int_equal(count(u, "skipped", "response_item:ghost_snapshot"), 1);
  assert_int_equal(count(u, "skipped", "world_state"), 1);
  assert_int_equal(count(u, "duplicate", "event_msg:exec_command_end"), 1);
  assert_int_equal(count(u, "duplicate", "event_msg:patch_apply_end"), 1);
  assert_int_equal(count(u, "duplicate", "event_msg:web_search_end"), 1);
  assert_int_equal(count(u, "duplicate", "event_msg:user_message"), 1);

  /* the conversation before the rollback, with its rolled-back turn */
  const json_t *rb = json_object_get(o.records, "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001/rolled_back-1");
  assert_non_null(rb);
  assert_string_equal(ds_json_str(rb, "parent_id", ""), "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001");
  assert_int_equal(n_msgs(rb), 15);
  assert_string_equal(mstr(rb, 0, "role"), "system");
  assert_string_equal(mstr(rb, 0, "content"), "You are Codex, a coding agent.");
  assert_true(json_is_true(json_object_get(msg(rb, 1), "context"))); /* AGENTS.md */
  assert_true(json_is_true(json_object_get(msg(rb, 2), "context"))); /* environment_context */
  assert_null(json_object_get(msg(rb, 3), "context"));                /* the user's turn */
  assert_string_equal(mstr(rb, 3, "content"), "Fix the failing test in test_sum.py");
  /* reasoning summary kept apart; the encrypted part left out */
  assert_string_equal(mstr(rb, 4, "reasoning"), "**Looking at the test**");
  assert_true(json_is_true(json_object_get(msg(rb, 4), "reasoning_redacted")));
  const json_t *tc = json_array_get(json_object_get(msg(rb, 4), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "shell");
  assert_string_equal(ds_json_str(tc, "id", ""), "call_A1");
  assert_string_equal(mstr(rb, 5, "role"), "tool");
  assert_string_equal(mstr(rb, 5, "tool_call_id"), "call_A1");
  /* text and the apply_patch call in one assistant message; free-form input as {"input"} */
  assert_string_equal(mstr(rb, 6, "content"), "The expected value is wrong; I will fix it.");
  assert_string_equal(mstr(rb, 6, "phase"), "commentary");
  tc = json_array_get(json_object_get(msg(rb, 6), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "apply_patch");
  json_t *args = json_loads(ds_json_str(tc, "arguments", ""), 0, NULL);
  assert_non_null(args);
  assert_non_null(strstr(ds_json_str(args, "input", ""), "*** Update File: test_sum.py"));
  json_decref(args);
  /* local_shell_call: the action as arguments */
  tc = json_array_get(json_object_get(msg(rb, 8), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "local_shell");
  assert_non_null(strstr(ds_json_str(tc, "arguments", ""), "\"command\":[\"make\",\"test\"]"));
  /* web_search_call: no call id in the log, one made up, and an empty result */
  tc = json_array_get(json_object_get(msg(rb, 10), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "web_search");
  assert_string_equal(mstr(rb, 11, "tool_call_id"), ds_json_str(tc, "id", "?"));
  assert_string_equal(mstr(rb, 14, "content"), "Which file should hold it?");

  /* after the rollback, before the compaction */
  const json_t *cp = json_object_get(o.records, "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001/compacted-2");
  assert_non_null(cp);
  assert_int_equal(n_msgs(cp), 14);
  assert_string_equal(mstr(cp, 13, "content"), "Add a test for the empty list to test_sum.py");

  /* the session as it ended: the replacement history, then the last turn */
  const json_t *s = json_object_get(o.records, "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001");
  assert_non_null(s);
  assert_null(json_object_get(s, "parent_id"));
  assert_string_equal(ds_json_str(s, "time", ""), "2026-01-05T10:00:00Z");
  const json_t *seg = json_object_get(s, "segment");
  assert_string_equal(ds_json_str(seg, "agent", ""), "codex");
  assert_string_equal(ds_json_str(seg, "agent_version", ""), "0.80.0");
  assert_string_equal(ds_json_str(seg, "model", ""), "gpt-5.2-codex");
  const json_t *repo = json_object_get(s, "repo");
  assert_string_equal(ds_json_str(repo, "cwd", ""), "/home/dev/calc");
  assert_string_equal(ds_json_str(repo, "branch", ""), "main");
  assert_string_equal(ds_json_str(repo, "commit", ""), "0123456789abcdef0123456789abcdef01234567");
  assert_string_equal(ds_json_str(repo, "path_or_url", ""), "https://github.com/example/calc.git");
  assert_int_equal(n_msgs(s), 7);
  assert_true(json_is_true(json_object_get(msg(s, 3), "context"))); /* the summary */
  assert_string_equal(mstr(s, 6, "content"), "Added.");
  for (size_t i = 0; i < n_msgs(s); i++) assert_null(json_object_get(msg(s, i), "model")); /* one model */
  release(&o);
}

static void test_bare_and_typescript_layouts(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("bare"), NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 1);
  assert_int_equal(o.items.in, 10);
  assert_int_equal(o.items.skipped, 3);
  assert_int_equal(count(json_array_get(o.units, 0), "skipped", "state"), 3);
  const json_t *r = json_object_get(o.records, "5973b6c0-94b8-487b-a530-2aeb6098ae0e");
  assert_non_null(r);
  /* the meta line's instructions went to the model with its system prompt */
  assert_string_equal(mstr(r, 0, "role"), "system");
  assert_string_equal(mstr(r, 0, "content"), "Always run the tests.");
  assert_true(json_is_true(json_object_get(msg(r, 1), "context")));
  assert_true(json_is_true(json_object_get(msg(r, 3), "reasoning_redacted")));
  assert_null(json_object_get(msg(r, 3), "reasoning"));
  assert_string_equal(mstr(r, 5, "content"), "It prints 1.");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "commit", ""), "feedface");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "branch", ""), "dev");
  release(&o);

  read_all(fixture("ts"), NULL, &o);
  assert_int_equal(o.n_bad, 0);
  r = json_object_get(o.records, "9a1b2c3d-ts");
  assert_non_null(r);
  assert_int_equal(n_msgs(r), 4);
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(r, 1), "tool_calls"), 0), "id", ""), "call_x");
  assert_string_equal(mstr(r, 3, "content"), "One file: a.");
  assert_string_equal(ds_json_str(r, "time", ""), "2025-04-16T10:00:00Z");
  release(&o);
}

static void test_subagent_and_models(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("subagent"), NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 2);
  const json_t *u = json_array_get(o.units, 0);
  assert_int_equal(count(u, "duplicate", "event_msg:exec_command_end"), 1); /* mirrors call_s1 */
  assert_int_equal(count(u, "skipped", "event_msg:exec_command_end"), 1);   /* a call not in the log */
  assert_int_equal(count(u, "skipped", "event_msg:turn_aborted"), 1);
  const json_t *r = json_object_get(o.records, "0199bbbb-0000-7000-8000-000000000002");
  assert_non_null(r);
  assert_string_equal(ds_json_str(r, "parent_id", ""), "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001");
  const json_t *seg = json_object_get(r, "segment");
  assert_string_equal(ds_json_str(seg, "source", ""), "subagent:thread_spawn");
  assert_string_equal(ds_json_str(seg, "agent_role", ""), "explorer");
  /* compaction without replacement_history: the user's messages and the summary as context */
  assert_string_equal(mstr(r, 0, "content"), "Find the tests.");
  assert_true(json_is_true(json_object_get(msg(r, 1), "context")));
  assert_string_equal(mstr(r, 2, "content"), "Run them.");
  /* two models in the session: each assistant message says which */
  assert_string_equal(mstr(r, 3, "model"), "gpt-5.1-codex");
  const json_t *e = json_object_get(o.records, "0199bbbb-0000-7000-8000-000000000002/compacted-1");
  assert_non_null(e);
  assert_string_equal(mstr(e, 1, "model"), "gpt-5.1-codex-mini");
  release(&o);
}

static void test_empty_session_is_skipped(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("empty"), NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 0);
  assert_int_equal(o.items.in, 3);
  assert_int_equal(o.items.skipped, 3);
  assert_int_equal(o.items.used, 0);
  assert_int_equal(count(json_array_get(o.units, 0), "skipped", "session without turns"), 2);
  release(&o);
}

static void test_broken_lines_fail_alone(void **state) {
  (void)state;
  const char *p = ds_test_write(
      dir, "rollout-2026-03-01T00-00-00-0199dddd-0000-7000-8000-000000000004.jsonl",
      "{\"timestamp\":\"2026-03-01T00:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"s4\",\"cwd\":\"/x\",\"cli_version\":\"0.90.0\"}}\n"
      "{\"timestamp\":\"2026-03-01T00:00:01Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hi\"}]}}\n"
      "[1,2]\n"
      "{\"timestamp\":\"2026-03-01T00:00:02Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"critic\",\"content\":\"x\"}}\n"
      "{\"timestamp\":\"2026-03-01T00:00:03Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"arguments\":\"{}\",\"call_id\":\"c\"}}\n"
      "{\"timestamp\":\"2026-03-01T00:00:04Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"hello\"}]}}\n");
  struct readout o;
  read_all(p, NULL, &o);
  assert_int_equal(o.n_bad, 3);
  assert_non_null(strstr(o.bad[0], ".jsonl:3:"));
  assert_non_null(strstr(o.bad[1], ".jsonl:4:"));
  assert_non_null(strstr(o.bad[1], "critic"));
  assert_non_null(strstr(o.bad[2], ".jsonl:5:"));
  assert_int_equal(o.items.failed, 3);
  assert_int_equal(o.items.used, 3);
  const json_t *r = json_object_get(o.records, "s4");
  assert_non_null(r);
  assert_int_equal(n_msgs(r), 2);
  release(&o);
}

static void test_zstd_rollout(void **state) {
  (void)state;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  struct ds_err err = {0};
  assert_int_equal(ds_read_file(fixture("current/rollout-2026-01-05T10-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001.jsonl"), 0,
                                &b, &err),
                   DS_OK);
  size_t cap = ZSTD_compressBound(b.len);
  char *z = malloc(cap);
  size_t zn = ZSTD_compress(z, cap, b.data, b.len, 3);
  assert_false(ZSTD_isError(zn));
  const char *p = ds_test_path(dir, "rollout-2026-01-05T10-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001.jsonl.zst");
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(z, 1, zn, f), zn);
  fclose(f);
  free(z);
  ds_buf_release(&b);
  struct readout o;
  read_all(p, NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 3);
  assert_int_equal(o.items.in, 36);
  assert_string_equal(ds_json_str(json_array_get(o.units, 0), "format", ""), "codex");
  release(&o);
}

static void test_detection(void **state) {
  (void)state;
  const struct corpus_format *f = corpus_format_find("codex");
  assert_non_null(f);
  char why[160] = "";
  json_t *chat = json_loads("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 0, NULL);
  const json_t *items[1] = {chat};
  struct fmt_probe p = {"x.jsonl", FMT_JSONL, items, 1, NULL, 0};
  assert_int_equal(f->detect(&p, why, sizeof why), 0);
  assert_true(why[0] != 0);
  json_decref(chat);
  /* a bare metadata line alone is a rollout only under a rollout-* name */
  json_t *meta = json_loads("{\"id\":\"abc\",\"timestamp\":\"2025-05-07T17:24:21Z\",\"instructions\":\"\"}", 0, NULL);
  items[0] = meta;
  struct fmt_probe q = {"/tmp/x.jsonl", FMT_JSONL, items, 1, NULL, 0};
  assert_int_equal(f->detect(&q, why, sizeof why), 0);
  struct fmt_probe r = {"/s/rollout-2025-05-07T17-24-21-abc.jsonl", FMT_JSONL, items, 1, NULL, 0};
  assert_true(f->detect(&r, why, sizeof why) > 20);
  json_decref(meta);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds_test_codex_XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_current_layout),        cmocka_unit_test(test_bare_and_typescript_layouts),
      cmocka_unit_test(test_subagent_and_models),   cmocka_unit_test(test_empty_session_is_skipped),
      cmocka_unit_test(test_broken_lines_fail_alone), cmocka_unit_test(test_zstd_rollout),
      cmocka_unit_test(test_detection),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
