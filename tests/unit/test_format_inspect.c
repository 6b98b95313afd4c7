/* test_format_inspect.c: the Inspect reader on tests/data/formats/inspect/ (written by
 * make_fixtures.py): an .eval with zstd members (as Inspect >= 0.3.206 writes them) reads
 * exactly like the same log with deflate members; samples, epochs, reasoning parts, tool
 * errors, attachments, tools of the model events; a member with a bad CRC fails alone; a .json
 * log; a missing attachment and a log without samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds-inspect.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }

static void zstd_members_read_like_deflate(void **state) {
  (void)state;
  struct ds_test_readout z, d;
  ds_test_read_all(ds_test_fixture("inspect/zstd.eval"), NULL, &z);
  ds_test_read_all(ds_test_fixture("inspect/deflate.eval"), NULL, &d);
  assert_string_equal(z.format, "inspect");
  assert_int_equal(z.n_failed, 0);
  assert_int_equal(json_array_size(z.records), 3);
  assert_true(json_equal(z.records, d.records));
  /* 8 members: the journal's start and the header give the eval, 3 samples, 3 digests skipped */
  assert_int_equal(z.items.in, 8);
  assert_int_equal(z.items.used, 5);
  assert_int_equal(z.items.skipped, 3);
  assert_string_equal(ds_json_str(json_array_get(z.units, 0), "container", ""), "zip");
  ds_test_readout_release(&z);
  ds_test_readout_release(&d);
}

static void sample_record(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("inspect/zstd.eval"), NULL, &o);
  const json_t *r = ds_test_record(&o, "RunId00000000000000001/1#1");
  assert_non_null(r);
  assert_non_null(ds_test_record(&o, "RunId00000000000000001/1#2")); /* the second epoch */
  const json_t *seg = json_object_get(r, "segment");
  assert_string_equal(ds_json_str(seg, "agent", ""), "inspect");
  assert_string_equal(ds_json_str(seg, "agent_version", ""), "0.3.210");
  assert_string_equal(ds_json_str(seg, "model", ""), "anthropic/claude-sonnet-4-5");
  assert_string_equal(ds_json_str(seg, "task", ""), "swe_lite");
  assert_int_equal(json_integer_value(json_object_get(seg, "epoch")), 1);
  assert_string_equal(ds_json_str(r, "time", ""), "2026-05-02T10:00:01Z");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "path_or_url", ""), "https://github.com/acme/calc");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "commit", ""), "0123abcd");
  assert_int_equal(json_array_size(json_object_get(r, "messages")), 7);
  /* reasoning parts leave the content; tool arguments (objects) become canonical JSON text */
  const json_t *a = msg(r, 2);
  assert_string_equal(ds_json_str(a, "content", ""), "Let me read calc.py.");
  assert_string_equal(ds_json_str(a, "reasoning", ""), "Read the file first.");
  const json_t *tc = json_array_get(json_object_get(a, "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "bash");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"cmd\":\"cat calc.py\"}");
  /* attachment://<hash> resolved from sample.attachments */
  assert_string_equal(ds_json_str(msg(r, 3), "content", ""), "def add(a, b):\n    return a - b\n");
  assert_string_equal(ds_json_str(msg(r, 3), "tool_call_id", ""), "toolu_1");
  /* redacted reasoning: only its summary is text */
  assert_true(json_is_true(json_object_get(msg(r, 4), "reasoning_redacted")));
  assert_string_equal(ds_json_str(msg(r, 4), "reasoning", ""), "Edit the operator.");
  assert_null(strstr(ds_json_str(msg(r, 4), "content", ""), "gAAAA"));
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(r, 4), "tool_calls"), 0), "arguments", ""),
                      "{\"command\":\"str_replace\",\"new_str\":\"a + b\",\"old_str\":\"a - b\",\"path\":\"/repo/calc.py\"}");
  /* a failed call's result is its error */
  assert_string_equal(ds_json_str(msg(r, 5), "content", ""), "Permission denied: /repo/calc.py");
  /* tools of the model event, descriptions resolved too */
  const json_t *fn = json_object_get(json_array_get(json_object_get(r, "tools"), 0), "function");
  assert_string_equal(ds_json_str(fn, "name", ""), "bash");
  assert_string_equal(ds_json_str(fn, "description", ""), "Use this function to execute bash commands.");
  assert_non_null(json_object_get(fn, "parameters"));
  /* a sample with no messages: its input is the conversation */
  const json_t *b = ds_test_record(&o, "RunId00000000000000001/calc-b#1");
  assert_non_null(b);
  assert_string_equal(ds_json_str(msg(b, 0), "content", ""), "Only the input survived.");
  ds_test_readout_release(&o);
}

static void damaged_member_fails_alone(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("inspect/broken.eval"), NULL, &o);
  assert_int_equal(json_array_size(o.records), 2);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "bad_member");
  assert_non_null(strstr(o.failed[0], "broken.eval!samples/1_epoch_2.json:1:"));
  assert_non_null(strstr(o.failed[0], "CRC-32 mismatch"));
  ds_test_readout_release(&o);
}

static void json_log(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("inspect/tools.json"), NULL, &o);
  assert_string_equal(o.format, "inspect");
  assert_int_equal(o.n_failed, 0);
  const json_t *r = ds_test_record(&o, "RunIdJson0000000000001/s1#1");
  assert_non_null(r);
  assert_int_equal(json_array_size(json_object_get(r, "messages")), 7);
  ds_test_readout_release(&o);
  /* a reference to an attachment the sample lacks: the text is not in the log */
  const char *bad = ds_test_write(dir, "missing.json",
                                  "{\"version\":2,\"eval\":{\"task\":\"t\",\"run_id\":\"R\",\"model\":\"m\"},\"samples\":["
                                  "{\"id\":1,\"epoch\":1,\"messages\":[{\"role\":\"user\",\"content\":\"attachment://00ff\"}],"
                                  "\"attachments\":{}}]}");
  ds_test_read_all(bad, NULL, &o);
  assert_int_equal(json_array_size(o.records), 0);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "missing_attachment");
  ds_test_readout_release(&o);
  /* a log written without samples: nothing to replay, counted skipped */
  const char *none = ds_test_write(dir, "none.json", "{\"version\":2,\"status\":\"success\",\"eval\":{\"task\":\"t\"},\"samples\":[]}");
  ds_test_read_all(none, NULL, &o);
  assert_int_equal(json_array_size(o.records), 0);
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(o.items.skipped, 1);
  ds_test_readout_release(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(zstd_members_read_like_deflate),
      cmocka_unit_test(sample_record),
      cmocka_unit_test(damaged_member_fails_alone),
      cmocka_unit_test(json_log),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
