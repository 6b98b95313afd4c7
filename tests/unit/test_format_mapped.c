/* test_format_mapped.c: field maps for logs of their own shape (ingest --id-field,
 * --messages-field, --time-field, --segment-field, --content-field): the raw arena-hard answer
 * rows, an envelope read through JSON pointers and dotted paths, the errors that name the flag,
 * the check of malformed maps, and the message that points an object content at
 * --content-field when no map is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "depsim/corpus.h"
#include "readall.h"

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }

static void test_arena_answers(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  struct ds_err err = {0};
  /* as they are: every row fails, and says which flag reads it */
  assert_int_equal(ds_test_read_input(ds_test_fixture("mapped/arena-answers.jsonl"), NULL, &r, &err), DS_OK);
  assert_int_equal(json_array_size(r.records), 0);
  assert_int_equal(json_array_size(r.failed_all), 3);
  assert_non_null(strstr(ds_json_str(json_array_get(r.failed_all, 0), "msg", ""), "--content-field answer"));
  ds_test_readout_release(&r);
  /* with the map */
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  static const char *const segs[] = {"model=model", "tokens=/metadata/token_len"};
  p.fields.id = "uid";
  p.fields.content = "answer";
  p.fields.time = "tstamp";
  p.fields.segment = segs;
  p.fields.n_segment = 2;
  assert_int_equal(ds_test_read_input(ds_test_fixture("mapped/arena-answers.jsonl"), &p, &r, &err), DS_OK);
  assert_string_equal(r.format, "mapped");
  assert_int_equal(json_array_size(r.records), 3);
  assert_int_equal(json_array_size(r.failed_all), 0);
  const json_t *a = ds_test_record(&r, "2b3c4d5e6f7a8b9c");
  assert_non_null(a);
  assert_string_equal(ds_json_str(msg(a, 1), "content", ""), "Slow start doubles the window each round trip.");
  assert_string_equal(ds_json_str(msg(a, 1), "reasoning", ""), "Congestion control basics.");
  assert_string_equal(ds_json_str(a, "time", ""), "2025-04-18T18:13:21Z");
  assert_string_equal(ds_json_str(json_object_get(a, "segment"), "model", ""), "model-a");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "segment"), "tokens")), 9);
  assert_null(json_object_get(a, "uid"));              /* moved to id */
  assert_string_equal(ds_json_str(a, "ans_id", ""), "Zq1Rt5"); /* the rest kept */
  assert_int_equal(json_array_size(json_object_get(ds_test_record(&r, "3c4d5e6f7a8b9c0d"), "messages")), 3);
  ds_test_readout_release(&r);
}

static void test_envelope(void **state) {
  DS_UNUSED(state);
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  static const char *const segs[] = {"plan=meta.tenant.plan"};
  p.fields.id = "/meta/session";
  p.fields.messages = "payload.turns";
  p.fields.time = "meta.at";
  p.fields.segment = segs;
  p.fields.n_segment = 1;
  struct ds_test_readout r;
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(ds_test_fixture("mapped/envelope.json"), &p, &r, &err), DS_OK);
  assert_int_equal(json_array_size(r.records), 2);
  const json_t *a = ds_test_record(&r, "s-1");
  assert_string_equal(ds_json_str(a, "time", ""), "2026-02-01T08:00:00Z");
  assert_string_equal(ds_json_str(json_object_get(a, "segment"), "plan", ""), "pro");
  assert_string_equal(ds_json_str(msg(a, 1), "content", ""), "hello");
  const json_t *b = ds_test_record(&r, "s-2"); /* ShareGPT turns */
  assert_string_equal(ds_json_str(msg(b, 0), "role", ""), "user");
  assert_string_equal(ds_json_str(msg(b, 1), "content", ""), "4");
  assert_int_equal(json_array_size(r.failed_all), 1);
  assert_non_null(strstr(ds_json_str(json_array_get(r.failed_all, 0), "msg", ""), "no value at --messages-field payload.turns"));
  ds_test_readout_release(&r);
}

static void test_errors(void **state) {
  DS_UNUSED(state);
  struct ds_field_map m;
  struct ds_err err = {0};
  memset(&m, 0, sizeof m);
  assert_false(ds_field_map_active(&m));
  static const char *const bad_seg[] = {"model"};
  m.segment = bad_seg;
  m.n_segment = 1;
  assert_true(ds_field_map_active(&m));
  assert_int_equal(ds_field_map_check(&m, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "--segment-field"));
  memset(&m, 0, sizeof m);
  m.id = "/";
  assert_int_equal(ds_field_map_check(&m, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "--id-field"));
  memset(&m, 0, sizeof m);
  m.content = "a.b";
  assert_int_equal(ds_field_map_check(&m, &err), DS_E_INVALID);
  /* a field map with another forced format is refused */
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  p.format = "openai";
  p.fields.id = "uid";
  struct ds_reader *r = NULL;
  assert_int_equal(ds_reader_open(ds_test_fixture("mapped/arena-answers.jsonl"), &p, &r, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "mapped reader"));
  /* a missing id and a content field that is not there name the flag */
  ds_reader_default_params(&p);
  p.fields.id = "nope";
  struct ds_test_readout rr;
  assert_int_equal(ds_test_read_input(ds_test_fixture("mapped/arena-answers.jsonl"), &p, &rr, &err), DS_OK);
  assert_int_equal(json_array_size(rr.failed_all), 3);
  assert_non_null(strstr(ds_json_str(json_array_get(rr.failed_all, 0), "msg", ""), "no value at --id-field nope"));
  ds_test_readout_release(&rr);
  ds_reader_default_params(&p);
  p.fields.content = "text";
  assert_int_equal(ds_test_read_input(ds_test_fixture("mapped/arena-answers.jsonl"), &p, &rr, &err), DS_OK);
  assert_non_null(strstr(ds_json_str(json_array_get(rr.failed_all, 1), "msg", ""), "its fields: answer, reasoning"));
  ds_test_readout_release(&rr);
}

int main(void) {
  struct ds_err err = {0};
  ds_init(&err);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arena_answers),
      cmocka_unit_test(test_envelope),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
