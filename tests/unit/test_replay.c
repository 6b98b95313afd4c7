/* test_replay.c: the replay stage through its library API on corpora the test writes: cut
 * points, the original kept apart, sample seeds, accounting (skipped/failed by cause, empty
 * completions), --retry-failed, cancel + resume, shards + merge equal one run, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/replay.h"
#include "tmpdir.h"

/* A prefix's messages as readers get them: since schema 4 a conversation's messages are
 * stored once and each prefix holds its share of them (view prefix_messages). */
#define PM "(SELECT messages FROM prefix_messages WHERE prefix_id = prefixes.id)"

static char dir[] = "/tmp/ds-test-replay.XXXXXX";

static void rm_db(const char *path) {
  char side[600];
  unlink(path);
  snprintf(side, sizeof side, "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", path);
  unlink(side);
}

/* Runs a query and returns the first column of its rows joined by '\n' (static buffer). */
static const char *q(const char *db, const char *sql) {
  static char out[1 << 16];
  sqlite3 *h;
  sqlite3_stmt *s;
  out[0] = '\0';
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(h));
  size_t n = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(s, 0);
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? "\n" : "", t ? t : "NULL");
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}


static const char corpus_small[] =
    "{\"id\":\"a\",\"segment\":{\"product\":\"chat\"},\"messages\":[{\"role\":\"system\",\"content\":\"be nice\"},"
    "{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"},"
    "{\"role\":\"user\",\"content\":\"how are you\"},{\"role\":\"assistant\",\"content\":\"SECRET-ORIGINAL\"}]}\n"
    "{\"id\":\"b\",\"weight\":2.5,\"messages\":[{\"role\":\"user\",\"content\":\"ls\"},{\"role\":\"assistant\","
    "\"content\":\"\",\"tool_calls\":[{\"id\":\"t1\",\"name\":\"shell\",\"arguments\":\"{}\"}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"done\"}]}\n"
    "\n"
    "{\"id\":\"c\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"assistant\",\"content\":\"no user before\"}]}\n";

static enum ds_status run(struct ds_replay_params *p, struct ds_replay_summary *sum, struct ds_err *err) {
  rm_db(p->db_path);
  return ds_replay_run(p, NULL, NULL, sum, err);
}

static void cuts_and_original(void **state) {
  (void)state;
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = ds_test_write(dir, "c.jsonl", corpus_small);
  p.db_path = ds_test_path(dir, "orig.db");
  p.backend_spec = "original";
  struct ds_replay_summary s;
  struct ds_err err = {0};
  /* last: one cut per conversation with something to answer; "c" has none */
  assert_int_equal(run(&p, &s, &err), DS_OK);
  assert_int_equal(s.prefixes, 2);
  assert_int_equal(s.completed, 2);
  assert_int_equal(s.corpus_records, 3);
  assert_int_equal(s.corpus_no_cut, 1);
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT conv_id||'#'||cut_index FROM prefixes ORDER BY 1"), "a#4\nb#3");
  /* the original is kept apart and never part of the prefix shown to the model */
  assert_null(strstr(q(p.db_path, "SELECT " PM " FROM prefixes WHERE conv_id='a'"), "SECRET-ORIGINAL"));
  assert_non_null(strstr(q(p.db_path, "SELECT original FROM prefixes WHERE conv_id='a'"), "SECRET-ORIGINAL"));
  assert_string_equal(q(p.db_path, "SELECT content FROM samples s JOIN prefixes p ON p.id=s.prefix_id WHERE conv_id='a'"),
                      "SECRET-ORIGINAL");
  assert_string_equal(q(p.db_path, "SELECT weight FROM prefixes WHERE conv_id='b'"), "2.5");
  assert_string_equal(q(p.db_path, "SELECT segment FROM prefixes WHERE conv_id='a'"), "{\"product\":\"chat\"}");
  assert_string_equal(q(p.db_path, "SELECT value FROM meta WHERE key='backend'"), "original");

  /* every: each assistant turn; the cut on a tool-calling message keeps its tool calls */
  p.cut = DS_REPLAY_CUT_EVERY;
  assert_int_equal(run(&p, &s, &err), DS_OK);
  assert_int_equal(s.prefixes, 4);
  assert_int_equal(s.samples_ok, 4);
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT conv_id||'#'||cut_index FROM prefixes ORDER BY 1"), "a#2\na#4\nb#1\nb#3");
  assert_string_equal(q(p.db_path, "SELECT json_array_length(" PM ") FROM prefixes WHERE conv_id='a' ORDER BY cut_index"),
                      "2\n4");
  assert_non_null(strstr(q(p.db_path, "SELECT tool_calls FROM samples s JOIN prefixes p ON p.id=s.prefix_id"
                                      " WHERE conv_id='b' AND cut_index=1"),
                         "\"name\":\"shell\""));
  /* K > 1 makes no sense for the original */
  p.k = 3;
  rm_db(p.db_path);
  assert_int_equal(ds_replay_run(&p, NULL, NULL, NULL, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "K=1"));
}

static void seeds(void **state) {
  (void)state;
  int64_t seen[1000];
  for (unsigned k = 0; k < 1000; k++) {
    seen[k] = ds_replay_sample_seed(42, "conv-1#3", k);
    assert_true(seen[k] >= 0 && seen[k] < ((int64_t)1 << 31));
    assert_int_equal(seen[k], ds_replay_sample_seed(42, "conv-1#3", k));
    for (unsigned j = 0; j < k; j++) assert_true(seen[j] != seen[k]);
    /* consecutive: one request with n choices seeded with sample 0's seed makes samples 0..n-1
     * on servers that seed choice i with seed + i */
    assert_true(seen[k] == seen[0] + (int64_t)k);
  }
  assert_true(ds_replay_sample_seed(7, "x", DS_REPLAY_MAX_K - 1) < ((int64_t)1 << 31));
  assert_true(ds_replay_sample_seed(43, "conv-1#3", 0) != seen[0]);
  assert_true(ds_replay_sample_seed(42, "conv-1#5", 0) != seen[0]);
}

/* file backend: a missing completion fails with its cause, an empty completion (no content, no
 * tool calls, no finish_reason) is not a completion, and --retry-failed redoes only those. */
static void accounting_and_retry(void **state) {
  (void)state;
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = ds_test_write(dir, "c.jsonl", corpus_small);
  p.db_path = ds_test_path(dir, "acct.db");
  p.k = 2;
  p.seed = 7;
  char spec[600];
  snprintf(spec, sizeof spec, "file:%s", ds_test_path(dir, "comp.jsonl"));
  ds_test_write(dir, "comp.jsonl",
            "{\"id\":\"a#4\",\"k\":0,\"content\":\"A0\",\"finish_reason\":\"stop\"}\n"
            "{\"id\":\"a#4\",\"k\":1,\"content\":\"A1\",\"finish_reason\":\"length\"}\n"
            "{\"custom_id\":\"b#3\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":"
            "{\"role\":\"assistant\",\"content\":\"\"}}]}}}\n");
  p.backend_spec = spec;
  struct ds_replay_summary s;
  struct ds_err err = {0};
  assert_int_equal(run(&p, &s, &err), DS_OK);
  assert_int_equal(s.prefixes, 2);
  assert_int_equal(s.completed, 1);
  assert_int_equal(s.failed, 1);
  assert_int_equal(s.samples_ok, 2);
  assert_int_equal(s.samples_failed, 2);
  assert_int_equal(s.backend_calls, 4);
  assert_int_equal(json_integer_value(json_object_get(s.failed_by_cause, "empty_completion")), 1);
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT cause FROM samples s JOIN prefixes p ON p.id=s.prefix_id WHERE conv_id='b' ORDER BY k"),
                      "empty_completion\nnotfound");
  assert_string_equal(q(p.db_path, "SELECT seed FROM samples ORDER BY prefix_id, k"),
                      q(p.db_path, "SELECT seed FROM samples ORDER BY prefix_id, k")); /* stable query */
  char want[64];
  snprintf(want, sizeof want, "%lld", (long long)ds_replay_sample_seed(7, "a#4", 1));
  assert_string_equal(q(p.db_path, "SELECT seed FROM samples s JOIN prefixes p ON p.id=s.prefix_id WHERE conv_id='a' AND k=1"),
                      want);
  assert_non_null(strstr(q(p.db_path, "SELECT value FROM meta WHERE key='summary'"), "\"empty_completion\":1"));
  /* both prefixes are final: a resume starts after them */
  assert_string_equal(q(p.db_path, "SELECT value FROM meta WHERE key='replay_watermark'"),
                      q(p.db_path, "SELECT max(id) FROM prefixes"));

  /* the completions arrive later: retry only the failed prefix */
  ds_test_write(dir, "comp.jsonl",
            "{\"id\":\"b#3\",\"k\":0,\"content\":\"B0\",\"finish_reason\":\"stop\"}\n"
            "{\"id\":\"b#3\",\"k\":1,\"content\":\"B1\",\"finish_reason\":\"stop\"}\n");
  struct ds_replay_params r;
  ds_replay_default_params(&r);
  r.db_path = p.db_path;
  r.resume = true;
  r.retry_failed = true;
  assert_int_equal(ds_replay_run(&r, NULL, NULL, &s, &err), DS_OK);
  assert_int_equal(s.completed, 2);
  assert_int_equal(s.failed, 0);
  assert_int_equal(s.backend_calls, 2); /* a#4 was not generated again, b#3 below the old watermark was */
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT detail FROM events WHERE kind='retry_failed'"), "1 prefixes");
  assert_string_equal(q(p.db_path, "SELECT group_concat(content) FROM (SELECT content FROM samples ORDER BY prefix_id,k)"),
                      "A0,A1,B0,B1");
  /* a resumed run ignores new parameters but refuses a different backend */
  r.retry_failed = false;
  char other[600];
  snprintf(other, sizeof other, "file:%s", ds_test_write(dir, "other.jsonl", "{\"id\":\"a#4\",\"content\":\"x\"}\n"));
  r.backend_spec = other;
  assert_int_equal(ds_replay_run(&r, NULL, NULL, NULL, &err), DS_E_MISMATCH);
  assert_non_null(strstr(err.msg, "different"));
}

/* A corpus of n conversations, each with two assistant turns, and a file of completions. */
static void big_corpus(unsigned n, unsigned k, const char **corpus, char *spec, size_t spec_len) {
  const char *cp = ds_test_path(dir, "big.jsonl"), *fp = ds_test_path(dir, "big-comp.jsonl");
  FILE *c = fopen(cp, "w"), *f = fopen(fp, "w");
  assert_non_null(c);
  assert_non_null(f);
  for (unsigned i = 0; i < n; i++) {
    fprintf(c,
            "{\"id\":\"conv-%u\",\"messages\":[{\"role\":\"user\",\"content\":\"q%u\"},{\"role\":\"assistant\","
            "\"content\":\"a%u\"},{\"role\":\"user\",\"content\":\"again\"},{\"role\":\"assistant\",\"content\":\"b\"}]}\n",
            i, i, i);
    for (unsigned cut = 1; cut <= 3; cut += 2)
      for (unsigned j = 0; j < k; j++)
        fprintf(f, "{\"id\":\"conv-%u#%u\",\"k\":%u,\"content\":\"gen %u %u %u\"}\n", i, cut, j, i, cut, j);
  }
  fclose(c);
  fclose(f);
  *corpus = cp;
  snprintf(spec, spec_len, "file:%s", fp);
}

struct cancel_at {
  volatile int flag;
  uint64_t at;
};
static void cancel_progress(void *ud, const struct ds_replay_progress *p) {
  struct cancel_at *c = ud;
  if (p->samples_done >= c->at) c->flag = 1;
}

static const char dump_sql[] =
    "SELECT group_concat(x, '|') FROM (SELECT p.conv_id||'#'||p.cut_index||'/'||s.k||'/'||s.seed||'/'||s.status||'/'||"
    "coalesce(s.content,'')||'/'||p.status||'/'||(SELECT messages FROM prefix_messages WHERE prefix_id=p.id) AS x"
    " FROM samples s JOIN prefixes p ON p.id=s.prefix_id ORDER BY x)";

static void cancel_resume_shards_merge(void **state) {
  (void)state;
  const char *corpus;
  char spec[600];
  big_corpus(300, 2, &corpus, spec, sizeof spec);
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = corpus;
  p.backend_spec = spec;
  p.k = 2;
  p.seed = 99;
  p.cut = DS_REPLAY_CUT_EVERY;
  p.in_flight = 8;
  p.progress_interval_s = 0; /* the cancel below is decided in the progress callback */
  struct ds_err err = {0};
  struct ds_replay_summary s;

  /* reference: one uninterrupted run */
  p.db_path = ds_test_path(dir, "ref.db");
  assert_int_equal(run(&p, &s, &err), DS_OK);
  assert_int_equal(s.prefixes, 600);
  assert_int_equal(s.samples_ok, 1200);
  ds_replay_summary_release(&s);
  char ref[1 << 16];
  snprintf(ref, sizeof ref, "%s", q(p.db_path, dump_sql));
  assert_true(strlen(ref) > 1000);

  /* cancelled three times, resumed each time: the same run, every sample generated once */
  p.db_path = ds_test_path(dir, "cancel.db");
  rm_db(p.db_path);
  uint64_t calls = 0;
  struct cancel_at c = {0, 100};
  p.log.cancel = &c.flag;
  assert_int_equal(ds_replay_run(&p, cancel_progress, &c, &s, &err), DS_E_CANCELLED);
  calls += s.backend_calls;
  assert_true(s.pending > 0);
  assert_int_equal(s.prefixes, s.completed + s.pending + s.failed + s.skipped);
  ds_replay_summary_release(&s);
  struct ds_replay_params r;
  ds_replay_default_params(&r);
  r.db_path = p.db_path;
  r.resume = true;
  r.in_flight = 8;
  r.progress_interval_s = 0;
  r.log.cancel = &c.flag;
  for (uint64_t at = 500; at <= 900; at += 400) {
    c.flag = 0;
    c.at = at;
    assert_int_equal(ds_replay_run(&r, cancel_progress, &c, &s, &err), DS_E_CANCELLED);
    calls += s.backend_calls;
    ds_replay_summary_release(&s);
  }
  c.flag = 0;
  c.at = UINT64_MAX;
  assert_int_equal(ds_replay_run(&r, cancel_progress, &c, &s, &err), DS_OK);
  calls += s.backend_calls;
  assert_int_equal(s.completed, 600);
  assert_int_equal(s.pending, 0);
  ds_replay_summary_release(&s);
  /* requests in flight at a cancel are dropped and sent again: at most in_flight per stop */
  assert_true(calls >= 1200 && calls <= 1200 + 3 * 8);
  assert_string_equal(q(p.db_path, dump_sql), ref);

  /* three shards merged equal the one run */
  const char *shards[3];
  static char shard_paths[3][512];
  p.log.cancel = NULL;
  p.shard_count = 3;
  uint64_t total = 0;
  for (unsigned i = 0; i < 3; i++) {
    snprintf(shard_paths[i], sizeof shard_paths[i], "%s/shard%u.db", dir, i);
    shards[i] = shard_paths[i];
    p.db_path = shards[i];
    p.shard_index = i;
    assert_int_equal(run(&p, &s, &err), DS_OK);
    assert_true(s.prefixes > 0 && s.prefixes < 600);
    assert_int_equal(s.corpus_other_shard + s.prefixes / 2, 300);
    total += s.prefixes;
    ds_replay_summary_release(&s);
  }
  assert_int_equal(total, 600);
  const char *merged = ds_test_path(dir, "merged.db");
  rm_db(merged);
  assert_int_equal(ds_merge_run(shards, 3, merged, NULL, &err), DS_OK);
  assert_string_equal(q(merged, dump_sql), ref);
  assert_int_equal(ds_replay_summary_read(merged, &s, &err), DS_OK);
  assert_int_equal(s.completed, 600);
  assert_int_equal(s.corpus_records, 300);
  assert_int_equal(s.corpus_other_shard, 0);
  ds_replay_summary_release(&s);
  assert_string_equal(q(merged, "SELECT count(*) FROM meta m WHERE key NOT IN ('shard','merged_from','summary','corpus_load')"
                                " AND NOT EXISTS (SELECT 1 FROM meta WHERE key=m.key)"),
                      "0");

  /* refusals: a shard twice, a run with other parameters, an existing output */
  rm_db(merged);
  const char *twice[2] = {shards[0], shards[0]};
  assert_int_equal(ds_merge_run(twice, 2, merged, NULL, &err), DS_E_MISMATCH);
  assert_int_equal(access(merged, F_OK), -1);
  p.seed = 100;
  p.shard_index = 1;
  p.db_path = ds_test_path(dir, "other-seed.db");
  assert_int_equal(run(&p, NULL, &err), DS_OK);
  const char *differ[2] = {shards[0], p.db_path};
  assert_int_equal(ds_merge_run(differ, 2, merged, NULL, &err), DS_E_MISMATCH);
  assert_non_null(strstr(err.msg, "seed"));
  /* the same prefix in two inputs (a shard relabelled by hand) */
  sqlite3 *h;
  assert_int_equal(sqlite3_open(shards[2], &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "UPDATE meta SET value='1/3' WHERE key='shard'", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  const char *dup[2] = {shards[1], shards[2]};
  assert_int_equal(sqlite3_open(shards[1], &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "UPDATE meta SET value='0/3' WHERE key='shard'", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  /* copy one prefix of shard 2 into shard 1 so that it appears twice */
  assert_int_equal(sqlite3_open(shards[1], &h), SQLITE_OK);
  char sql[1024];
  snprintf(sql, sizeof sql,
           "ATTACH '%s' AS o; INSERT INTO prefixes(conv_id,cut_index,messages,status) SELECT conv_id,cut_index,messages,"
           "status FROM o.prefixes LIMIT 1;",
           shards[2]);
  assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  assert_int_equal(ds_merge_run(dup, 2, merged, NULL, &err), DS_E_MISMATCH);
  assert_non_null(strstr(err.msg, "already in an earlier input"));
  assert_int_equal(ds_merge_run(shards, 1, p.db_path, NULL, &err), DS_E_INVALID); /* output exists */
}

/* Loading reads most records without parsing them into values; what it stores must be what
 * parsing gives, byte for byte: the prefix and original as compact JSON in the corpus's key
 * order, segment/tools/repo canonical (sorted keys), weight and time. The records below take
 * the walk and its fallbacks (escaped keys, many keys, odd types); each stored column is
 * compared with jansson's text of the parsed record. */
static const char *const odd_records[] = {
    "{ \"id\" : \"w1\" , \"time\":\"2026-01-01T00:00:00Z\", \"weight\": 2.50E0, \"segment\":{\"tier\":\"pro\",\"product\":\"chat\"},"
    " \"messages\" : [ {\"role\":\"system\",\"content\":\"tab\\there \\\"q\\\" \\\\ \\/ \\u00e9 \\ud83d\\ude00 caf\xc3\xa9\"} ,"
    " {\"role\":\"us\\u0065r\",\"content\":\"hi\",\"n\":[1,-0,1.5,1e2,-3.25e-7,0.1,123456789012345678]},"
    " {\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]},"
    " {\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"1e5\"},"
    " {\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]} ],"
    " \"tools\":[{\"type\":\"function\",\"function\":{\"parameters\":{\"z\":{},\"a\":[]},\"name\":\"f\"}}],"
    " \"repo\":{\"url\":\"https://x\",\"commit\":\"abc\"} }",
    /* escaped key inside a message; non-object segment, object tools, array repo; empty time */
    "{\"id\":\"w2\",\"time\":\"\",\"weight\":7,\"segment\":\"x\",\"tools\":{\"a\":1},\"repo\":[1],\"messages\":["
    "{\"role\":\"user\",\"n\\u0061me\":\"bob\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}",
    /* more top-level keys than the walk remembers; a role that is not a string */
    "{\"k01\":1,\"k02\":1,\"k03\":1,\"k04\":1,\"k05\":1,\"k06\":1,\"k07\":1,\"k08\":1,\"k09\":1,\"k10\":1,\"k11\":1,"
    "\"k12\":1,\"k13\":1,\"k14\":1,\"k15\":1,\"k16\":1,\"k17\":1,\"k18\":1,\"k19\":1,\"k20\":1,\"k21\":1,\"k22\":1,"
    "\"k23\":1,\"k24\":1,\"k25\":1,\"k26\":1,\"k27\":1,\"k28\":1,\"k29\":1,\"k30\":1,\"k31\":1,\"k32\":1,\"k33\":1,"
    "\"id\":\"w3\",\"segment\":{\"b\":1,\"a\":2},\"messages\":[{\"role\":7,\"content\":\"x\"},{\"role\":\"tool\",\"content\":\"t\"},"
    "{\"role\":\"assistant\",\"content\":\"a\",\"meta\":{\"deep\":[[{\"x\":true,\"y\":false}]]}}]}",
    /* the same segment as the record before (remembered), written differently */
    "{\"id\":\"w4\",\"segment\":{\"a\":2,\"b\":1},\"messages\":[{\"role\":\"user\",\"content\":\"\\u0041\"},"
    "{\"role\":\"assistant\",\"content\":\"b\"}]}",
};

/* Cut points: first, N, random:M (seeded, the same again, in order), next (prompt sets);
 * reasoning reaches the model only with keep_reasoning; an empty corpus is an error. */
static void cut_modes_and_reasoning(void **state) {
  (void)state;
  const char *corpus =
      "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"u1\"},{\"role\":\"assistant\",\"content\":\"a1\","
      "\"reasoning\":\"think 1\",\"time\":\"2026-01-01T00:00:00Z\"},{\"role\":\"user\",\"content\":\"u2\"},"
      "{\"role\":\"assistant\",\"content\":\"a2\"},{\"role\":\"user\",\"content\":\"u3\"},"
      "{\"role\":\"assistant\",\"content\":\"a3\"},{\"role\":\"user\",\"content\":\"u4\"},"
      "{\"role\":\"assistant\",\"content\":\"a4\"}]}\n"
      "{\"id\":\"p\",\"messages\":[{\"role\":\"user\",\"content\":\"a prompt with no answer yet\"}]}\n"
      /* a demonstration kept as context is no cut point */
      "{\"id\":\"d\",\"messages\":[{\"role\":\"user\",\"content\":\"demo task\",\"context\":true},"
      "{\"role\":\"assistant\",\"content\":\"demo answer\",\"context\":true},{\"role\":\"user\",\"content\":\"real\"},"
      "{\"role\":\"assistant\",\"content\":\"answer\"}]}\n";
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = ds_test_write(dir, "cuts.jsonl", corpus);
  p.db_path = ds_test_path(dir, "cuts.db");
  p.backend_spec = "original";
  struct ds_replay_summary s;
  struct ds_err err = {0};
  static const struct {
    const char *cut;
    const char *want;
  } cases[] = {{"first", "a#1\nd#3"}, {"3", "a#5"}, {"9", ""}, {"last", "d#3\na#7"}, {"every", "a#1\na#3\nd#3\na#5\na#7"}};
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    assert_int_equal(ds_replay_cut_parse(cases[i].cut, &p.cut, &p.cut_n, &err), DS_OK);
    enum ds_status st = run(&p, &s, &err);
    if (!cases[i].want[0]) {
      assert_int_equal(st, DS_E_INVALID); /* no record has a 9th turn: nothing to replay */
      assert_non_null(strstr(err.msg, "no prefix to replay"));
      continue;
    }
    assert_int_equal(st, DS_OK);
    ds_replay_summary_release(&s);
    assert_string_equal(q(p.db_path, "SELECT conv_id||'#'||cut_index FROM prefixes ORDER BY cut_index, conv_id"), cases[i].want);
  }
  /* random:2: two of a's four turns, in order, the same for the same seed */
  assert_int_equal(ds_replay_cut_parse("random:2", &p.cut, &p.cut_n, &err), DS_OK);
  assert_int_equal(p.cut, DS_REPLAY_CUT_RANDOM);
  assert_int_equal(run(&p, &s, &err), DS_OK);
  ds_replay_summary_release(&s);
  char first[64];
  snprintf(first, sizeof first, "%s", q(p.db_path, "SELECT group_concat(cut_index) FROM prefixes WHERE conv_id='a'"));
  assert_int_equal(strlen(first), 3);
  assert_true(first[0] < first[2]);
  assert_int_equal(run(&p, &s, &err), DS_OK);
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT group_concat(cut_index) FROM prefixes WHERE conv_id='a'"), first);
  /* next: only the prompt without an answer; original has no answer to give */
  assert_int_equal(ds_replay_cut_parse("next", &p.cut, &p.cut_n, &err), DS_OK);
  assert_int_equal(run(&p, &s, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "--cut next"));
  char spec[300];
  snprintf(spec, sizeof spec, "file:%s", ds_test_write(dir, "next.answers.jsonl", "{\"id\":\"p#1\",\"content\":\"ok\"}\n"));
  p.backend_spec = spec;
  assert_int_equal(run(&p, &s, &err), DS_OK);
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT conv_id||'#'||cut_index||' '||original FROM prefixes"), "p#1 null");
  /* the reasoning and the time of a1 are not in the prefix a model gets at cut 3 ... */
  p.backend_spec = "original";
  p.cut = DS_REPLAY_CUT_EVERY;
  assert_int_equal(run(&p, &s, &err), DS_OK);
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT " PM " FROM prefixes WHERE conv_id='a' AND cut_index=3"),
                      "[{\"role\":\"user\",\"content\":\"u1\"},{\"role\":\"assistant\",\"content\":\"a1\"},"
                      "{\"role\":\"user\",\"content\":\"u2\"}]");
  /* ... but the original keeps them */
  assert_non_null(strstr(q(p.db_path, "SELECT original FROM prefixes WHERE conv_id='a' AND cut_index=1"), "think 1"));
  /* ... unless asked for */
  p.keep_reasoning = true;
  assert_int_equal(run(&p, &s, &err), DS_OK);
  ds_replay_summary_release(&s);
  assert_non_null(strstr(q(p.db_path, "SELECT " PM " FROM prefixes WHERE conv_id='a' AND cut_index=3"),
                         "\"reasoning_content\":\"think 1\""));
  /* an empty corpus is an error */
  p.corpus_path = ds_test_write(dir, "empty.jsonl", "");
  assert_int_equal(run(&p, &s, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "empty"));
}

static void stored_as_parsed(void **state) {
  (void)state;
  struct ds_buf corpus;
  ds_buf_init(&corpus, 0);
  for (size_t i = 0; i < DS_ARRAY_LEN(odd_records); i++)
    assert_int_equal(ds_buf_adds(&corpus, odd_records[i]) || ds_buf_addc(&corpus, '\n'), DS_OK);
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = ds_test_write(dir, "odd.jsonl", corpus.data);
  p.db_path = ds_test_path(dir, "odd.db");
  p.backend_spec = "original";
  p.cut = DS_REPLAY_CUT_EVERY;
  struct ds_replay_summary s;
  struct ds_err err = {0};
  assert_int_equal(run(&p, &s, &err), DS_OK);
  assert_int_equal(s.prefixes, 5); /* w1: 2 cuts, w2, w3 (after the tool turn), w4 */
  ds_replay_summary_release(&s);
  char sql[256];
  for (size_t i = 0; i < DS_ARRAY_LEN(odd_records); i++) {
    json_error_t je;
    json_t *rec = json_loads(odd_records[i], JSON_REJECT_DUPLICATES, &je);
    assert_non_null(rec);
    const char *id = json_string_value(json_object_get(rec, "id"));
    const json_t *msgs = json_object_get(rec, "messages"), *w = json_object_get(rec, "weight");
    const json_t *seg = json_object_get(rec, "segment"), *tools = json_object_get(rec, "tools");
    const json_t *repo = json_object_get(rec, "repo"), *time = json_object_get(rec, "time");
    for (size_t cut = 1; cut < json_array_size(msgs); cut++) {
      if (strcmp(json_string_value(json_object_get(json_array_get(msgs, cut), "role")), "assistant") != 0) continue;
      /* a model is sent a message's role, content, tool calls, tool call id and name only */
      json_t *prefix = json_array();
      for (size_t j = 0; j < cut; j++) {
        json_t *m = json_array_get(msgs, j), *f = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(m, k, v) if (!strcmp(k, "role") || !strcmp(k, "content") || !strcmp(k, "tool_calls") ||
                                         !strcmp(k, "tool_call_id") || !strcmp(k, "name")) json_object_set(f, k, v);
        json_array_append_new(prefix, f);
      }
      char *want_prefix = json_dumps(prefix, JSON_COMPACT), *want_orig = json_dumps(json_array_get(msgs, cut), JSON_COMPACT);
      char *want_seg = json_is_object(seg) ? json_dumps(seg, JSON_COMPACT | JSON_SORT_KEYS) : ds_strdup("{}");
      char *want_tools = json_is_array(tools) ? json_dumps(tools, JSON_COMPACT | JSON_SORT_KEYS) : ds_strdup("NULL");
      char *want_repo = json_is_object(repo) ? json_dumps(repo, JSON_COMPACT | JSON_SORT_KEYS) : ds_strdup("NULL");
      char want_w[32];
      snprintf(want_w, sizeof want_w, "%g", json_is_number(w) ? json_number_value(w) : 1.0);
#define COL(c) (snprintf(sql, sizeof sql, "SELECT %s FROM prefixes WHERE conv_id='%s' AND cut_index=%zu", c, id, cut), \
                q(p.db_path, sql))
      assert_string_equal(COL(PM), want_prefix);
      assert_string_equal(COL("original"), want_orig);
      assert_string_equal(COL("segment"), want_seg);
      assert_string_equal(COL("tools"), want_tools);
      assert_string_equal(COL("repo"), want_repo);
      assert_string_equal(COL("printf('%g',weight)"), want_w);
      assert_string_equal(COL("coalesce(time,'NULL')"), json_is_string(time) ? json_string_value(time) : "NULL");
#undef COL
      ds_free(want_prefix);
      ds_free(want_orig);
      ds_free(want_seg);
      ds_free(want_tools);
      ds_free(want_repo);
      json_decref(prefix);
    }
    json_decref(rec);
  }
  /* a repeated key anywhere in a record is an error, as when parsing */
  p.corpus_path = ds_test_write(dir, "dup.jsonl", "{\"id\":\"d\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                                                   "{\"role\":\"assistant\",\"content\":\"y\",\"meta\":{\"k\":1,\"k\":2}}]}\n");
  assert_int_equal(run(&p, NULL, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "dup.jsonl:1: invalid JSON: duplicate object key"));
  ds_buf_release(&corpus);
}

/* A conversation's messages are stored once however many cuts it has: each prefix holds its
 * byte count of them, and readers get exactly the text a prefix stored whole would hold. A
 * second record with an id already stored keeps its new cuts' own text. */
static void messages_stored_once(void **state) {
  (void)state;
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = ds_test_write(
      dir, "once.jsonl",
      "{\"id\":\"a\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u1 \\u00e9\"},"
      "{\"role\":\"assistant\",\"content\":\"a1\",\"reasoning\":\"r\"},{\"role\":\"user\",\"content\":\"u2\"},"
      "{\"role\":\"assistant\",\"content\":\"a2\"},{\"role\":\"user\",\"content\":\"u3\"},"
      "{\"role\":\"assistant\",\"content\":\"a3\"}]}\n"
      "{\"id\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"x\"}]}\n"
      "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"other\"},{\"role\":\"assistant\",\"content\":\"o\"},"
      "{\"role\":\"user\",\"content\":\"v\"},{\"role\":\"assistant\",\"content\":\"w\"},{\"role\":\"user\",\"content\":\"z\"},"
      "{\"role\":\"assistant\",\"content\":\"y\"},{\"role\":\"user\",\"content\":\"t\"},{\"role\":\"assistant\",\"content\":\"e\"}]}\n");
  p.db_path = ds_test_path(dir, "once.db");
  p.backend_spec = "original";
  p.cut = DS_REPLAY_CUT_EVERY;
  struct ds_err err = {0};
  rm_db(p.db_path);
  assert_int_equal(run(&p, NULL, &err), DS_OK);
  assert_string_equal(q(p.db_path, "SELECT count(*)||' '||group_concat(conv_id) FROM conversations"), "2 a,b");
  assert_string_equal(q(p.db_path, "SELECT count(*) FROM prefixes WHERE conversation IS NOT NULL AND messages=''"), "4");
  assert_string_equal(q(p.db_path, "SELECT " PM " FROM prefixes WHERE conv_id='a' AND cut_index=2"),
                      "[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u1 \xc3\xa9\"}]");
  assert_string_equal(q(p.db_path, "SELECT " PM " FROM prefixes WHERE conv_id='a' AND cut_index=6"),
                      "[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u1 \xc3\xa9\"},"
                      "{\"role\":\"assistant\",\"content\":\"a1\"},{\"role\":\"user\",\"content\":\"u2\"},"
                      "{\"role\":\"assistant\",\"content\":\"a2\"},{\"role\":\"user\",\"content\":\"u3\"}]");
  /* the conversation holds messages up to its last cut, never the answer at that cut */
  assert_null(strstr(q(p.db_path, "SELECT messages FROM conversations WHERE conv_id='a'"), "a3"));
  /* the repeated id has other cuts (1, 3, 5, 7): they keep their own text */
  assert_string_equal(q(p.db_path, "SELECT (conversation IS NULL)||'|'||json_array_length(messages) FROM prefixes"
                                   " WHERE conv_id='a' AND cut_index=7"),
                      "1|7");
  assert_string_equal(q(p.db_path, "SELECT count(*) FROM prefixes WHERE conversation IS NULL"), "4");
  assert_string_equal(q(p.db_path, "SELECT group_concat(n, ',') FROM (SELECT json_array_length(" PM ") n FROM prefixes ORDER BY id)"),
                      "2,4,6,1,1,3,5,7");
  /* the samples came from the text the cursor read back: each is the original at its cut */
  assert_string_equal(q(p.db_path, "SELECT count(*) FROM samples s JOIN prefixes p ON p.id=s.prefix_id"
                                   " WHERE json_extract(p.original,'$.content')=s.content"),
                      "8");
}

static void bad_input(void **state) {
  (void)state;
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.corpus_path = ds_test_write(dir, "bad.jsonl", "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                                         "{\"role\":\"assistant\",\"content\":\"y\"}]}\n{\"id\":\"b\",\"messages\":[\n");
  p.db_path = ds_test_path(dir, "bad.db");
  p.backend_spec = "original";
  struct ds_err err = {0};
  assert_int_equal(run(&p, NULL, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "bad.jsonl:2: invalid JSON"));
  p.corpus_path = ds_test_write(dir, "bad2.jsonl", "{\"messages\":[]}\n");
  assert_int_equal(run(&p, NULL, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "bad2.jsonl:1: record has no string \"id\""));
  /* an existing database is never overwritten by a new run */
  p.corpus_path = ds_test_write(dir, "c.jsonl", corpus_small);
  assert_int_equal(run(&p, NULL, &err), DS_OK);
  assert_int_equal(ds_replay_run(&p, NULL, NULL, NULL, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "--resume"));
  /* a changed corpus is refused on resume while it is still being loaded */
  sqlite3 *h;
  assert_int_equal(sqlite3_open(p.db_path, &h), SQLITE_OK);
  sqlite3_exec(h, "UPDATE meta SET value=replace(value,'true','false') WHERE key='corpus_load'", NULL, NULL, NULL);
  sqlite3_close(h);
  ds_test_write(dir, "c.jsonl", "{\"id\":\"z\",\"messages\":[]}\n");
  struct ds_replay_params r;
  ds_replay_default_params(&r);
  r.db_path = p.db_path;
  r.resume = true;
  assert_int_equal(ds_replay_run(&r, NULL, NULL, NULL, &err), DS_E_MISMATCH);
  assert_non_null(strstr(err.msg, "changed since the run started"));
}

/* With a model backend the writer thread loads the corpus while the main thread samples: a
 * bad line far into the corpus stops the run with its file:line error, what came before it
 * stays committed (loaded and sampled), a resume stops at the same line, and a run of a good
 * corpus of the same size samples every prefix exactly once. */
static void load_while_sampling(void **state) {
  (void)state;
  enum { N = 5000 };
  char *big = malloc((size_t)N * 160 + 64);
  assert_non_null(big);
  size_t len = 0;
  for (int i = 0; i < N; i++)
    len += (size_t)sprintf(big + len, "{\"id\":\"c%d\",\"messages\":[{\"role\":\"user\",\"content\":\"q%d\"},"
                                      "{\"role\":\"assistant\",\"content\":\"a%d\"}]}\n", i, i, i);
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  char spec[600];
  snprintf(spec, sizeof spec, "file:%s", ds_test_write(dir, "none.jsonl", "{\"id\":\"c0#1\",\"content\":\"x\"}\n"));
  p.backend_spec = spec;
  p.corpus_path = ds_test_write(dir, "good.jsonl", big);
  p.db_path = ds_test_path(dir, "good.db");
  struct ds_replay_summary s;
  struct ds_err err = {0};
  assert_int_equal(run(&p, &s, &err), DS_OK);
  assert_int_equal(s.prefixes, N);
  assert_int_equal(s.completed + s.failed, N); /* the file lacks most ids: failed, each counted */
  ds_replay_summary_release(&s);
  assert_string_equal(q(p.db_path, "SELECT count(*) FROM samples"), "5000");
  assert_string_equal(q(p.db_path, "SELECT count(*) FROM prefixes WHERE status='pending'"), "0");

  strcpy(big + len, "{\"id\":\"broken\",\"messages\":[\n");
  p.corpus_path = ds_test_write(dir, "late.jsonl", big);
  p.db_path = ds_test_path(dir, "late.db");
  assert_int_equal(run(&p, NULL, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "late.jsonl:5001: invalid JSON"));
  /* the loading step holding the bad line is rolled back: up to 512 lines before it go with it */
  long loaded = atol(q(p.db_path, "SELECT count(*) FROM prefixes"));
  assert_true(loaded >= N - 512 && loaded < N);
  /* every stored sample belongs to a loaded prefix, once */
  assert_string_equal(q(p.db_path, "SELECT count(*) FROM samples s LEFT JOIN prefixes p ON p.id=s.prefix_id"
                                   " WHERE p.id IS NULL"), "0");
  struct ds_replay_params r;
  ds_replay_default_params(&r);
  r.db_path = p.db_path;
  r.resume = true;
  assert_int_equal(ds_replay_run(&r, NULL, NULL, NULL, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "late.jsonl:5001: invalid JSON"));
  free(big);
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
      cmocka_unit_test(cuts_and_original),
      cmocka_unit_test(seeds),
      cmocka_unit_test(accounting_and_retry),
      cmocka_unit_test(cancel_resume_shards_merge),
      cmocka_unit_test(cut_modes_and_reasoning),
      cmocka_unit_test(stored_as_parsed),
      cmocka_unit_test(messages_stored_once),
      cmocka_unit_test(bad_input),
      cmocka_unit_test(load_while_sampling),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
