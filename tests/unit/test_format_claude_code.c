/* test_format_claude_code.c: the Claude Code reader on session files written from the format
 * (tests/data/formats/claude-code/: CLI 1.0 with inline sidechains, 2.1 with progress lines,
 * parallel tool calls, a /rewind branch and a compaction, subagent files old and new, a resume
 * pointer file): the records, their links, and the fate of every line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "corpus/formats/format.h"
#include "depsim/corpus.h"
#include "tmpdir.h"

static char dir[64];
static char data[512];

#define S1 "11111111-1111-4111-8111-111111111111"
#define S2 "22222222-2222-4222-8222-222222222222"
#define S3 "33333333-3333-4333-8333-333333333333"

struct readout {
  json_t *records;  /* by id */
  json_t *order;    /* ids in the order they came */
  json_t *units;    /* ds_reader_units */
  char bad[8][sizeof ((struct ds_bad_record *)0)->msg];
  const char *reasons[8];
  int n_bad;
  struct ds_reader_items items;
};

static void read_all(const char *path, const char *format, struct readout *out) {
  memset(out, 0, sizeof *out);
  out->records = json_object();
  out->order = json_array();
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
    if (rec) {
      struct ds_bad_record b2;
      assert_int_equal(corpus_record_check(rec, &b2), DS_OK);
      const char *id = ds_json_str(rec, "id", "");
      assert_null(json_object_get(out->records, id)); /* ids are unique */
      json_array_append_new(out->order, json_string(id));
      json_object_set_new(out->records, id, rec);
    } else {
      assert_true(out->n_bad < 8);
      snprintf(out->bad[out->n_bad], sizeof out->bad[0], "%s", bad.msg);
      out->reasons[out->n_bad++] = bad.reason;
    }
  }
  ds_reader_items(r, &out->items);
  out->units = json_deep_copy(ds_reader_units(r));
  ds_reader_free(r);
}

static void release(struct readout *o) {
  json_decref(o->records);
  json_decref(o->order);
  json_decref(o->units);
}

/* The unit (file) whose path ends with name. */
static json_t *unit(const struct readout *o, const char *name) {
  size_t i;
  json_t *u;
  json_array_foreach(o->units, i, u) {
    const char *p = ds_json_str(u, "path", "");
    if (strlen(p) >= strlen(name) && strcmp(p + strlen(p) - strlen(name), name) == 0) return u;
  }
  fail_msg("no unit %s", name);
  return NULL;
}

static json_int_t count(const json_t *u, const char *what, const char *type) {
  return json_integer_value(json_object_get(json_object_get(u, what), type));
}

/* True when the JSON text of v contains s. */
static bool contains(const json_t *v, const char *s) {
  char *t = json_dumps(v, JSON_COMPACT);
  bool yes = t && strstr(t, s);
  free(t);
  return yes;
}

static json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static const char *role(const json_t *rec, size_t i) { return ds_json_str(msg(rec, i), "role", "?"); }
static size_t n_msgs(const json_t *rec) { return json_array_size(json_object_get(rec, "messages")); }

/* Roles as letters: s u a t (context user turns as c). */
static const char *shape(const json_t *rec) {
  static char buf[128];
  size_t n = n_msgs(rec), k = 0;
  for (size_t i = 0; i < n && k + 1 < sizeof buf; i++) {
    const char *r = role(rec, i);
    buf[k++] = strcmp(r, "user") == 0 ? (json_is_true(json_object_get(msg(rec, i), "context")) ? 'c' : 'u') : r[0] == 'a' ? 'a' : r[0];
  }
  buf[k] = 0;
  return buf;
}

static const char *fixture(const char *rel) {
  static char p[768];
  snprintf(p, sizeof p, "%s/%s", data, rel);
  return p;
}

/* ---- CLI 1.0: inline sidechain, summaries, a duplicate line, broken lines -------------- */

static void v1_session_with_inline_sidechain(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("projects/-home-ann-app/" S1 ".jsonl"), NULL, &o);
  /* two broken lines fail with FILE:LINE; the rest ingest */
  assert_int_equal(o.n_bad, 2);
  assert_string_equal(o.reasons[0], "bad_json");
  assert_non_null(strstr(o.bad[0], S1 ".jsonl:16:"));
  assert_string_equal(o.reasons[1], "missing_field");
  assert_non_null(strstr(o.bad[1], S1 ".jsonl:22:"));
  assert_int_equal(json_array_size(o.order), 2);
  json_t *u = unit(&o, S1 ".jsonl");
  assert_string_equal(ds_json_str(u, "format", ""), "claude-code");
  assert_int_equal(json_integer_value(json_object_get(u, "items")), 22);
  assert_int_equal(count(u, "skipped", "summary"), 1);               /* its leaf is in the file */
  assert_int_equal(count(u, "skipped", "summary:other-session"), 1); /* written by another session */
  assert_int_equal(count(u, "duplicate", "assistant"), 1);           /* the line written twice */
  assert_int_equal(o.items.in, 22);
  assert_int_equal(o.items.used, 17);

  json_t *r = json_object_get(o.records, S1);
  assert_non_null(r);
  assert_string_equal(shape(r), "ucatatatua");
  assert_string_equal(ds_json_str(r, "time", ""), "2025-09-03T10:00:00Z");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "agent", ""), "claude-code");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "agent_version", ""), "1.0.98");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "model", ""), "claude-sonnet-4-20250514");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "cwd", ""), "/home/ann/app");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "branch", ""), "main");
  /* three lines of one streamed response (thinking, text, tool_use) are one turn */
  json_t *a = msg(r, 2);
  assert_string_equal(ds_json_str(a, "content", ""), "I'll read the CLI.");
  assert_string_equal(ds_json_str(a, "reasoning", ""), "Let me look at the CLI first.");
  assert_int_equal(json_array_size(json_object_get(a, "tool_calls")), 1);
  json_t *tc = json_array_get(json_object_get(a, "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "Read");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"file_path\":\"/home/ann/app/cli.py\"}");
  assert_false(contains(a, "signature"));
  /* the tool's answer is the tool_result block, not toolUseResult */
  assert_string_equal(ds_json_str(msg(r, 3), "tool_call_id", ""), "toolu_R1");
  assert_string_equal(ds_json_str(msg(r, 3), "content", ""), "     1\u2192import argparse\n     2\u2192");
  assert_false(contains(r, "originalFile"));
  /* the Task call and its sidechain are linked both ways */
  const char *side = S1 "/sidechain-s1000000-0000-4000-8000-000000000001";
  assert_string_equal(ds_json_str(msg(r, 5), "subagent_id", ""), side);
  assert_string_equal(ds_json_str(msg(r, 5), "content", ""), "One test file: tests/test_cli.py");
  /* redacted thinking is left out and marked */
  assert_true(json_is_true(json_object_get(msg(r, 6), "reasoning_redacted")));
  assert_null(json_object_get(msg(r, 6), "reasoning"));
  assert_true(json_is_null(json_object_get(msg(r, 6), "content")));
  /* an image in a user turn becomes an image_url part */
  json_t *parts = json_object_get(msg(r, 8), "content");
  assert_int_equal(json_array_size(parts), 2);
  assert_string_equal(ds_json_str(json_array_get(parts, 1), "type", ""), "image_url");
  assert_string_equal(ds_json_str(json_object_get(json_array_get(parts, 1), "image_url"), "url", ""),
                      "data:image/png;base64,iVBORw0KGgo=");

  json_t *s = json_object_get(o.records, side);
  assert_non_null(s);
  assert_string_equal(shape(s), "uata");
  assert_string_equal(ds_json_str(s, "parent_id", ""), S1);
  assert_string_equal(ds_json_str(s, "parent_tool_call_id", ""), "toolu_T1");
  assert_true(json_is_true(json_object_get(json_object_get(s, "segment"), "sidechain")));
  release(&o);
}

/* ---- CLI 2.1: progress in the tree, parallel calls, /rewind, compaction ------------------ */

static void v2_branches_parallel_calls_and_compaction(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("projects/-home-ann-app/" S2 ".jsonl"), NULL, &o);
  assert_int_equal(o.n_bad, 0);
  json_t *u = unit(&o, S2 ".jsonl");
  static const struct {
    const char *type;
    int n;
  } skipped[] = {{"file-history-snapshot", 1}, {"queue-operation", 1},        {"custom-title", 1},
                 {"progress", 2},              {"off-branch", 2},              {"system:turn_duration", 1},
                 {"system:compact_boundary", 1}, {"assistant:synthetic", 1},   {"system:local_command", 1},
                 {"attachment", 1}};
  int total = 0;
  for (size_t i = 0; i < DS_ARRAY_LEN(skipped); i++) {
    assert_int_equal(count(u, "skipped", skipped[i].type), skipped[i].n);
    total += skipped[i].n;
  }
  assert_int_equal(json_object_size(json_object_get(u, "skipped")), DS_ARRAY_LEN(skipped));
  assert_int_equal(count(u, "duplicate", "assistant"), 1); /* "Fixed." written on two lines */
  assert_int_equal(o.items.skipped, (uint64_t)total);
  assert_int_equal(o.items.in, 29);
  assert_int_equal(o.items.used, 16);
  assert_int_equal(json_array_size(o.order), 2);

  /* the window before the compaction, then the session as it ended */
  assert_string_equal(json_string_value(json_array_get(o.order, 0)), S2 "/window-1");
  json_t *w = json_object_get(o.records, S2 "/window-1");
  assert_string_equal(shape(w), "uattuata");
  assert_string_equal(ds_json_str(w, "parent_id", ""), S2);
  assert_int_equal(json_integer_value(json_object_get(w, "window")), 1);
  /* two parallel calls on three lines of one message, each result under its own call */
  json_t *a = msg(w, 1);
  assert_string_equal(ds_json_str(a, "content", ""), "Running the tests.");
  assert_int_equal(json_array_size(json_object_get(a, "tool_calls")), 2);
  assert_string_equal(ds_json_str(msg(w, 2), "tool_call_id", ""), "toolu_B1");
  assert_true(json_is_true(json_object_get(msg(w, 2), "is_error")));
  assert_string_equal(ds_json_str(msg(w, 3), "tool_call_id", ""), "toolu_B2");
  /* the branch the user kept after /rewind, not the older one */
  assert_string_equal(ds_json_str(msg(w, 4), "content", ""), "Look at test_b instead");
  assert_string_equal(ds_json_str(msg(w, 6), "subagent_id", ""), S2 "/agent-a7f3c21");
  assert_string_equal(ds_json_str(msg(w, 7), "content", ""), "Fixed.");

  json_t *r = json_object_get(o.records, S2);
  assert_string_equal(shape(r), "cuuata");
  assert_null(json_object_get(r, "parent_id"));
  assert_int_equal(json_integer_value(json_object_get(r, "window")), 2);
  assert_non_null(strstr(ds_json_str(msg(r, 0), "content", ""), "continued from a previous conversation"));
  assert_string_equal(ds_json_str(msg(r, 2), "content", ""), "commit please"); /* the synthetic turn is gone */
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(r, 3), "tool_calls"), 0), "arguments", ""),
                      "{\"command\":\"git commit -am 'Fix test_b'\",\"description\":\"Commit\"}");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "agent_version", ""), "2.1.30");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "model", ""), "claude-opus-4-6");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "branch", ""), "fix/test");
  assert_string_equal(ds_json_str(r, "time", ""), "2026-02-01T09:10:00Z");
  release(&o);
}

/* ---- a directory of projects: every session, subagent files linked, side files ignored --- */

static void projects_directory(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("projects"), NULL, &o);
  assert_int_equal(o.n_bad, 2); /* the two broken lines of the 1.0 session */
  /* S1 + its sidechain, S2's two windows, S2's subagent, S3 and its older-layout subagent */
  assert_int_equal(json_array_size(o.order), 7);
  json_t *sub = json_object_get(o.records, S2 "/agent-a7f3c21");
  assert_non_null(sub);
  assert_string_equal(shape(sub), "uata");
  assert_string_equal(ds_json_str(sub, "parent_id", ""), S2);
  assert_string_equal(ds_json_str(json_object_get(sub, "segment"), "model", ""), "claude-haiku-4-5-20251001");
  json_t *old = json_object_get(o.records, S3 "/agent-5e6f7a8b");
  assert_non_null(old);
  assert_string_equal(ds_json_str(old, "parent_id", ""), S3);
  json_t *s3 = json_object_get(o.records, S3);
  assert_string_equal(ds_json_str(msg(s3, 2), "subagent_id", ""), S3 "/agent-5e6f7a8b");
  assert_null(json_object_get(json_object_get(s3, "repo"), "branch")); /* "" is no branch */
  /* the resume pointer file: bookkeeping only, no record, nothing failed */
  json_t *ptr = unit(&o, "44444444-4444-4444-8444-444444444444.jsonl");
  assert_int_equal(json_integer_value(json_object_get(ptr, "records")), 0);
  assert_int_equal(json_integer_value(json_object_get(ptr, "failed")), 0);
  assert_int_equal(count(ptr, "skipped", "summary:other-session"), 1);
  /* large tool outputs kept beside the session are not sessions */
  assert_non_null(json_object_get(unit(&o, "toolu_B1.txt"), "ignored"));
  assert_int_equal(o.items.in, o.items.used + o.items.skipped + o.items.duplicate + o.items.failed);
  release(&o);
}

/* ---- detection and robustness on small inputs ----------------------------------------- */

static const char *put(const char *name, const char *text) { return ds_test_write(dir, name, text); }

#define LINE(uuid, parent, type, ts, msg)                                                                        \
  "{\"type\":\"" type "\",\"uuid\":\"" uuid "\",\"parentUuid\":" parent ",\"sessionId\":\"s\",\"timestamp\":\"" ts \
  "\",\"message\":" msg "}\n"

static void detection_and_odd_trees(void **state) {
  (void)state;
  struct readout o;
  /* a cycle in parentUuid, a line whose parent is not in the file, lines without timestamps */
  read_all(put("cycle.jsonl", LINE("a", "\"b\"", "user", "x", "{\"role\":\"user\",\"content\":\"one\"}")
                                  LINE("b", "\"a\"", "assistant", "x", "{\"id\":\"m\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"two\"}]}")
                                      LINE("c", "\"zz\"", "user", "2026-01-01T00:00:00Z", "{\"role\":\"user\",\"content\":\"three\"}")),
           NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_string_equal(ds_json_str(unit(&o, "cycle.jsonl"), "format", ""), "claude-code");
  assert_int_equal(json_array_size(o.order), 1);
  assert_int_equal(o.items.in, 3);
  assert_int_equal(o.items.used + o.items.skipped, 3); /* what is not on the branch is skipped */
  release(&o);

  /* a line with a broken block fails alone; a line of an unknown type is bookkeeping */
  read_all(put("blocks.jsonl", LINE("a", "null", "user", "2026-01-01T00:00:00Z", "{\"role\":\"user\",\"content\":\"hi\"}")
                                   LINE("b", "\"a\"", "assistant", "2026-01-01T00:00:01Z", "{\"id\":\"m\",\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"input\":{}}]}")
                                       "{\"type\":\"pr-link\",\"uuid\":\"p\",\"parentUuid\":\"a\",\"sessionId\":\"s\"}\n"),
           NULL, &o);
  assert_int_equal(o.n_bad, 1);
  assert_string_equal(o.reasons[0], "bad_tool_call");
  assert_int_equal(count(unit(&o, "blocks.jsonl"), "skipped", "pr-link"), 1);
  assert_int_equal(json_array_size(o.order), 1);
  release(&o);

  /* a turn with nothing in it stays in the tree (what hangs under it is read) and is skipped */
  read_all(put("empty.jsonl", LINE("a", "null", "user", "2026-01-01T00:00:00Z", "{\"role\":\"user\",\"content\":\"hi\"}")
                                  LINE("b", "\"a\"", "assistant", "2026-01-01T00:00:01Z", "{\"id\":\"m\",\"role\":\"assistant\",\"content\":[]}")
                                      LINE("c", "\"b\"", "user", "2026-01-01T00:00:02Z", "{\"role\":\"user\",\"content\":null}")
                                          LINE("d", "\"c\"", "assistant", "2026-01-01T00:00:03Z", "{\"id\":\"n\",\"role\":\"assistant\",\"content\":\"ok\"}")),
           NULL, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(count(unit(&o, "empty.jsonl"), "skipped", "assistant:empty"), 1);
  assert_int_equal(count(unit(&o, "empty.jsonl"), "skipped", "user:empty"), 1);
  assert_string_equal(shape(json_object_get(o.records, "s")), "ua");
  release(&o);

  /* a subagent file whose lines carry no agentId is named after the file */
  read_all(put("agent-0a1b2c3d.jsonl",
               "{\"type\":\"user\",\"isSidechain\":true,\"uuid\":\"x\",\"parentUuid\":null,\"sessionId\":\"s\",\"message\":{\"role\":\"user\",\"content\":\"go\"}}\n"
               "{\"type\":\"assistant\",\"isSidechain\":true,\"uuid\":\"y\",\"parentUuid\":\"x\",\"sessionId\":\"s\",\"message\":{\"id\":\"m\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}\n"),
           NULL, &o);
  assert_non_null(json_object_get(o.records, "s/agent-0a1b2c3d"));
  assert_string_equal(ds_json_str(json_object_get(o.records, "s/agent-0a1b2c3d"), "parent_id", ""), "s");
  release(&o);

  /* an Anthropic request body or an OpenAI record is not a Claude Code session */
  read_all(put("chat.jsonl", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n"), NULL, &o);
  assert_string_equal(ds_json_str(unit(&o, "chat.jsonl"), "format", ""), "openai");
  release(&o);
}

/* Every allocation failing in turn: the reader ends cleanly (no leak, no crash under ASan). */
/* Reads path with its n-th allocation failing; true when the failure happened during the read
 * (false: the read needs fewer than n allocations). */
static bool read_failing_at(const char *path, uint64_t n) {
  struct ds_reader *r = NULL;
  struct ds_err err = {0};
  ds_alloc_fail_at(n);
  enum ds_status st = ds_reader_open(path, NULL, &r, &err);
  while (st == DS_OK) {
    json_t *rec;
    struct ds_bad_record bad;
    st = ds_reader_next(r, &rec, &bad, &err);
    json_decref(rec);
  }
  ds_reader_free(r);
  /* not consumed: the countdown is still running; it fails one of the next n allocations */
  bool consumed = true;
  for (uint64_t k = 0; k < n && consumed; k++) {
    void *p = ds_malloc(1);
    consumed = p != NULL;
    ds_free(p);
  }
  ds_alloc_fail_at(0);
  return consumed;
}

/* Every allocation of a read failing in turn (curl's torture mode): the reader ends cleanly
 * each time (no leak, no crash under ASan). */
static void survives_allocation_failures(void **state) {
  (void)state;
  uint64_t n = 1;
  while (n < 100000 && read_failing_at(fixture("projects/-home-ann-app/" S2 ".jsonl"), n)) n++;
  assert_true(n > 1000 && n < 100000);
}

static int setup(void **state) {
  (void)state;
  const char *src = getenv("DS_SRC");
  snprintf(data, sizeof data, "%s/tests/data/formats/claude-code", src ? src : ".");
  snprintf(dir, sizeof dir, "/tmp/ds_test_cc_XXXXXX");
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(v1_session_with_inline_sidechain),
      cmocka_unit_test(v2_branches_parallel_calls_and_compaction),
      cmocka_unit_test(projects_directory),
      cmocka_unit_test(detection_and_odd_trees),
      cmocka_unit_test(survives_allocation_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
