/* test_format_langfuse.c: the Langfuse reader on fixtures written from the export field
 * reference (tests/data/formats/langfuse, gen.py there): the same observations as JSONL and as
 * CSV give the same records; API pages and traces with observations; sessions over traces;
 * the accounting of spans, events, empty generations and broken rows; and the CSV container. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "depsim/corpus.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state) {
  DS_UNUSED(state);
  snprintf(dir, sizeof dir, "/tmp/ds_test_langfuse.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  DS_UNUSED(state);
  return ds_test_tmpdir_remove(dir);
}

static void read_ok(const char *path, struct ds_test_readout *r) {
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(path, NULL, r, &err), DS_OK);
  assert_int_equal(r->items.in, r->items.used + r->items.skipped + r->items.duplicate + r->items.failed);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static size_t n_msgs(const json_t *rec) { return json_array_size(json_object_get(rec, "messages")); }

static void check_observations(const struct ds_test_readout *r) {
  assert_string_equal(r->format, "langfuse");
  assert_int_equal(json_array_size(r->records), 3);
  /* session sess-9: two traces, the last generation holds seven turns */
  const json_t *s = ds_test_record(r, "sess-9");
  assert_non_null(s);
  assert_int_equal(n_msgs(s), 7);
  assert_string_equal(ds_json_str(msg(s, 0), "role", ""), "system");
  const json_t *tc = json_array_get(json_object_get(msg(s, 2), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "call_o1");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"order\":\"1234\"}");
  assert_string_equal(ds_json_str(msg(s, 3), "tool_call_id", ""), "call_o1");
  assert_string_equal(ds_json_str(msg(s, 6), "content", ""), "It should arrive on Friday.");
  assert_string_equal(ds_json_str(s, "time", ""), "2026-11-02T10:00:01Z");
  const json_t *seg = json_object_get(s, "segment");
  assert_string_equal(ds_json_str(seg, "model", ""), "gpt-4o-2024-08-06");
  assert_string_equal(ds_json_str(seg, "environment", ""), "production");
  assert_string_equal(ds_json_str(seg, "trace_name", ""), "support");
  const json_t *lf = json_object_get(s, "langfuse");
  assert_string_equal(ds_json_str(lf, "observation_id", ""), "t2-g1");
  assert_string_equal(ds_json_str(lf, "session_id", ""), "sess-9");
  assert_true(json_is_object(json_object_get(lf, "model_parameters"))); /* JSON text parsed */
  const json_t *tool = json_array_get(json_object_get(s, "tools"), 0); /* {name: {...}} definitions */
  assert_string_equal(ds_json_str(json_object_get(tool, "function"), "name", ""), "order_status");
  /* plain text input and output */
  const json_t *t3 = ds_test_record(r, "t3");
  assert_int_equal(n_msgs(t3), 2);
  assert_string_equal(ds_json_str(msg(t3, 0), "content", ""), "Translate 'hello' to French");
  assert_string_equal(ds_json_str(msg(t3, 1), "content", ""), "Bonjour");
  /* an Anthropic request and response, thinking kept as reasoning */
  const json_t *t6 = ds_test_record(r, "t6");
  assert_int_equal(n_msgs(t6), 3);
  assert_string_equal(ds_json_str(msg(t6, 2), "reasoning", ""), "Rayleigh scattering.");
  assert_string_equal(ds_json_str(msg(t6, 2), "content", ""), "Air scatters blue light more than red.");
  /* 9 rows: 3 used, 2 earlier generations of the session repeat, 3 spans/tools/events and one
   * empty generation skipped */
  assert_int_equal(r->items.in, 9);
  assert_int_equal(r->items.used, 3);
  assert_int_equal(r->items.duplicate, 2);
  assert_int_equal(ds_test_unit_count(r, 0, false, "non-generation-observations"), 3);
  assert_int_equal(ds_test_unit_count(r, 0, false, "generations-without-content"), 1);
}

static void test_jsonl_and_csv(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout a, b;
  read_ok(ds_test_fixture("langfuse/observations.jsonl"), &a);
  check_observations(&a);
  read_ok(ds_test_fixture("langfuse/observations.csv"), &b);
  check_observations(&b);
  assert_string_equal(ds_json_str(json_array_get(b.units, 0), "container", ""), "csv");
  /* the same conversations either way */
  for (size_t i = 0; i < 3; i++)
    assert_true(json_equal(json_object_get(json_array_get(a.records, i), "messages"),
                           json_object_get(json_array_get(b.records, i), "messages")));
  ds_test_readout_release(&a);
  ds_test_readout_release(&b);
}

static void test_api_and_trace(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("langfuse/api-page.json"), &r);
  /* a page without session ids: one conversation per trace */
  assert_int_equal(json_array_size(r.records), 2);
  assert_int_equal(n_msgs(ds_test_record(&r, "t1")), 5);
  assert_int_equal(n_msgs(ds_test_record(&r, "t2")), 7);
  ds_test_readout_release(&r);
  read_ok(ds_test_fixture("langfuse/trace.json"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  const json_t *t = ds_test_record(&r, "sess-9"); /* the trace's sessionId */
  assert_non_null(t);
  assert_int_equal(n_msgs(t), 5);
  assert_string_equal(ds_json_str(json_object_get(t, "segment"), "trace_name", ""), "support");
  ds_test_readout_release(&r);
}

static void test_broken(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("langfuse/broken.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  assert_int_equal(json_array_size(r.failed_all), 3);
  assert_int_equal(r.items.failed, 3);
  bool shape = false;
  size_t i;
  const json_t *f;
  json_array_foreach(r.failed_all, i, f) shape |= strstr(ds_json_str(f, "msg", ""), "broken.jsonl:3: the input is not a shape") != NULL;
  assert_true(shape);
  ds_test_readout_release(&r);
}

/* The CSV container: quotes, doubled quotes, newlines inside quotes, CRLF, a row of the wrong
 * width and a missing final newline. */
static void test_csv(void **state) {
  DS_UNUSED(state);
  const char *path = ds_test_write(dir, "t.csv",
                                   "id,messages,note\r\n"
                                   "1,\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"a, b\"\"}]\",\"say \"\"hi\"\"\"\r\n"
                                   "\r\n"
                                   "2,\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"two\nlines\"\"}]\"\n"
                                   "3,\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"ok\"\"}]\",last");
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  p.fields.messages = "messages"; /* a CSV column holding the list as JSON text */
  struct ds_test_readout r;
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(path, &p, &r, &err), DS_OK);
  assert_int_equal(json_array_size(r.records), 2);
  assert_string_equal(ds_json_str(msg(json_array_get(r.records, 0), 0), "content", ""), "a, b");
  assert_string_equal(ds_json_str(json_array_get(r.records, 0), "note", ""), "say \"hi\"");
  assert_string_equal(ds_json_str(msg(json_array_get(r.records, 1), 0), "content", ""), "ok");
  assert_int_equal(json_array_size(r.failed_all), 1);
  assert_string_equal(ds_json_str(json_array_get(r.failed_all, 0), "reason", ""), "bad_csv");
  assert_non_null(strstr(ds_json_str(json_array_get(r.failed_all, 0), "msg", ""), "t.csv:4: CSV row has 2 fields, the header has 3"));
  assert_int_equal(r.items.in, 3);
  ds_test_readout_release(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jsonl_and_csv),
      cmocka_unit_test(test_api_and_trace),
      cmocka_unit_test(test_broken),
      cmocka_unit_test(test_csv),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
