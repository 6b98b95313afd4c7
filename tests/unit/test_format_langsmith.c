/* test_format_langsmith.c: the LangSmith reader on fixtures written from the run data format
 * (tests/data/formats/langsmith, gen.py there): LangChain-serialized messages and generations,
 * threads over traces, wrapped OpenAI and Anthropic calls, a completion run found by
 * dotted_order, the accounting of chain, tool, retriever and failed runs, broken runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "depsim/corpus.h"
#include "readall.h"

static void read_ok(const char *path, struct ds_test_readout *r) {
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(path, NULL, r, &err), DS_OK);
  assert_int_equal(r->items.in, r->items.used + r->items.skipped + r->items.duplicate + r->items.failed);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static size_t n_msgs(const json_t *rec) { return json_array_size(json_object_get(rec, "messages")); }

static void test_runs(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("langsmith/runs.jsonl"), &r);
  assert_string_equal(r.format, "langsmith");
  assert_int_equal(json_array_size(r.records), 4);
  /* thread th-lyon over two traces: the last llm run holds it */
  const json_t *t = ds_test_record(&r, "th-lyon");
  assert_non_null(t);
  assert_int_equal(n_msgs(t), 7);
  assert_string_equal(ds_json_str(msg(t, 0), "role", ""), "system");
  assert_true(json_is_null(json_object_get(msg(t, 2), "content")));
  const json_t *tc = json_array_get(json_object_get(msg(t, 2), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "call_w1");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"city\":\"Lyon\"}");
  assert_int_equal(json_array_size(json_object_get(msg(t, 2), "tool_calls")), 1); /* not twice */
  assert_string_equal(ds_json_str(msg(t, 3), "role", ""), "tool");
  assert_string_equal(ds_json_str(msg(t, 3), "tool_call_id", ""), "call_w1");
  assert_string_equal(ds_json_str(msg(t, 6), "content", ""), "Tomorrow looks sunny, 18C.");
  assert_string_equal(ds_json_str(json_object_get(t, "segment"), "model", ""), "gpt-4o");
  assert_string_equal(ds_json_str(json_object_get(t, "segment"), "provider", ""), "openai");
  assert_string_equal(ds_json_str(json_object_get(json_array_get(json_object_get(t, "tools"), 0), "function"), "name", ""),
                      "get_weather");
  assert_string_equal(ds_json_str(json_object_get(t, "langsmith"), "thread_id", ""), "th-lyon");
  /* wrap_openai */
  const json_t *c = ds_test_record(&r, "0192a000-0000-7000-8000-00000000000c");
  assert_int_equal(n_msgs(c), 2);
  assert_string_equal(ds_json_str(msg(c, 1), "content", ""), "Meeting now at 3pm.");
  /* wrap_anthropic with thinking */
  const json_t *d = ds_test_record(&r, "0192a000-0000-7000-8000-00000000000d");
  assert_int_equal(n_msgs(d), 3);
  assert_string_equal(ds_json_str(msg(d, 0), "content", ""), "Be brief.");
  assert_string_equal(ds_json_str(msg(d, 2), "reasoning", ""), "Peru's capital is Lima.");
  /* a completion run, its trace from dotted_order */
  const json_t *e = ds_test_record(&r, "0192a000-0000-7000-8000-00000000000e");
  assert_non_null(e);
  assert_string_equal(ds_json_str(msg(e, 1), "content", ""), " 4");
  assert_string_equal(ds_json_str(json_object_get(e, "segment"), "model", ""), "gpt-3.5-turbo-instruct");
  /* 11 runs: 4 used, 2 earlier calls of the thread, 4 chain/tool/retriever runs, a failed call */
  assert_int_equal(r.items.in, 11);
  assert_int_equal(r.items.used, 4);
  assert_int_equal(r.items.duplicate, 2);
  assert_int_equal(ds_test_unit_count(&r, 0, false, "non-llm-runs"), 4);
  assert_int_equal(ds_test_unit_count(&r, 0, false, "llm-runs-without-content"), 1);
  ds_test_readout_release(&r);
}

static void test_array_and_broken(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("langsmith/runs.json"), &r);
  assert_int_equal(json_array_size(r.records), 3);
  assert_string_equal(ds_json_str(json_array_get(r.units, 0), "container", ""), "json_array");
  ds_test_readout_release(&r);
  read_ok(ds_test_fixture("langsmith/broken.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  assert_int_equal(json_array_size(r.failed_all), 2);
  assert_string_equal(ds_json_str(json_array_get(r.failed_all, 0), "reason", ""), "missing_field");
  assert_non_null(strstr(ds_json_str(json_array_get(r.failed_all, 1), "msg", ""), "RemoveMessage"));
  ds_test_readout_release(&r);
}

int main(void) {
  struct ds_err err = {0};
  ds_init(&err);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_runs),
      cmocka_unit_test(test_array_and_broken),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
