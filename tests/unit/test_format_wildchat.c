/* test_format_wildchat.c: WildChat (1M, v1) and LMSYS-Chat-1M rows (tests/data/formats/wildchat,
 * gen.py there): ids, times, segment, per-message moderation kept on its message, a list that
 * does not line up left on the record; and depsim validate reading those labels as observed
 * rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "base/base.h"
#include "depsim/corpus.h"
#include "depsim/stats.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state) {
  DS_UNUSED(state);
  snprintf(dir, sizeof dir, "/tmp/ds_test_wildchat.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  DS_UNUSED(state);
  return ds_test_tmpdir_remove(dir);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }

static void test_wildchat_1m(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(ds_test_fixture("wildchat/wildchat-1m.jsonl"), NULL, &r, &err), DS_OK);
  assert_string_equal(r.format, "wildchat");
  assert_int_equal(json_array_size(r.records), 3);
  const json_t *a = ds_test_record(&r, "c0ffee00000000000000000000000002");
  assert_non_null(a);
  assert_string_equal(ds_json_str(a, "time", ""), "2023-04-09T00:03:53Z"); /* epoch milliseconds */
  assert_string_equal(ds_json_str(json_object_get(a, "segment"), "model", ""), "gpt-4-0314");
  assert_string_equal(ds_json_str(json_object_get(a, "segment"), "country", ""), "Germany");
  assert_null(json_object_get(a, "openai_moderation")); /* moved onto the messages */
  assert_null(json_object_get(a, "detoxify_moderation"));
  const json_t *m1 = json_object_get(msg(a, 1), "moderation");
  assert_true(json_is_true(json_object_get(m1, "flagged")));
  assert_true(json_is_true(json_object_get(json_object_get(m1, "categories"), "harassment")));
  assert_true(json_is_false(json_object_get(json_object_get(msg(a, 3), "moderation"), "flagged")));
  assert_true(json_real_value(json_object_get(json_object_get(msg(a, 1), "detoxify"), "toxicity")) > 0.8);
  assert_true(json_is_true(json_object_get(a, "toxic")));
  assert_non_null(json_object_get(msg(a, 0), "turn_identifier")); /* per-message fields kept */
  ds_test_readout_release(&r);
}

static void test_v1_and_lmsys(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(ds_test_fixture("wildchat/wildchat-v1.json"), NULL, &r, &err), DS_OK);
  assert_int_equal(json_array_size(r.records), 2);
  const json_t *a = ds_test_record(&r, "c0ffee00000000000000000000000001");
  assert_string_equal(ds_json_str(a, "time", ""), "2023-04-09T00:02:53Z");
  assert_non_null(json_object_get(msg(a, 1), "moderation"));
  ds_test_readout_release(&r);
  assert_int_equal(ds_test_read_input(ds_test_fixture("wildchat/lmsys.jsonl"), NULL, &r, &err), DS_OK);
  assert_int_equal(json_array_size(r.records), 3);
  const json_t *b = ds_test_record(&r, "1e230e55efea4edab95db9cb87f6a9cb");
  assert_string_equal(ds_json_str(json_object_get(b, "segment"), "model", ""), "koala-13b");
  assert_true(json_is_true(json_object_get(json_object_get(json_object_get(msg(b, 1), "moderation"), "categories"),
                                           "sexual")));
  assert_true(json_is_true(json_object_get(b, "redacted")));
  /* three results for four messages: not lined up, left on the record */
  const json_t *c = ds_test_record(&r, "5b4e7f2c9a1d4e3f8b6a2c1d0e9f8a7b");
  assert_int_equal(json_array_size(json_object_get(c, "openai_moderation")), 3);
  assert_null(json_object_get(msg(c, 1), "moderation"));
  ds_test_readout_release(&r);
}

/* validate --observed CORPUS: each moderation category over the assistant messages. */
static void test_validate_labels(void **state) {
  DS_UNUSED(state);
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {ds_test_fixture("wildchat/wildchat-1m.jsonl"), ds_test_fixture("wildchat/lmsys.jsonl")};
  p.inputs = inputs;
  p.n_inputs = 2;
  char out[256];
  snprintf(out, sizeof out, "%s/wc.jsonl", dir);
  p.output = out;
  p.assume_consent = true;
  struct ds_err err = {0};
  struct ds_ingest_summary s;
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  const char *fc = ds_test_write(dir, "fc.json", "{\"harassment\": 0.2, \"flagged\": 0.5, \"hate\": 0.01}");
  struct ds_validate_params vp;
  ds_validate_params_init(&vp);
  vp.forecast_path = fc;
  vp.observed_path = out;
  char *json = NULL;
  assert_int_equal(ds_validate_run(&vp, &json, &err), DS_OK);
  json_t *v = json_loads(json, 0, NULL);
  ds_free(json);
  assert_string_equal(ds_json_str(json_object_get(json_object_get(v, "sources"), "observed"), "kind", ""), "corpus-labels");
  size_t i;
  const json_t *c;
  int seen = 0;
  json_array_foreach(json_object_get(v, "categories"), i, c) {
    const char *id = ds_json_str(c, "id", "");
    /* 6 assistant messages carry a label (the misaligned row's do not): 3 flagged, 1 harassment */
    assert_true(ds_json_num(c, "observed_n", 0) == 6);
    if (strcmp(id, "flagged") == 0) assert_true(fabs(ds_json_num(c, "observed", -1) - 0.5) < 1e-12), seen++;
    if (strcmp(id, "harassment") == 0) assert_true(fabs(ds_json_num(c, "observed", -1) - 1.0 / 6) < 1e-12), seen++;
    if (strcmp(id, "hate") == 0) assert_true(ds_json_num(c, "observed", -1) == 0), seen++;
  }
  assert_int_equal(seen, 3);
  json_decref(v);
  /* a corpus with no labels is refused, saying what to ingest */
  const char *plain = ds_test_write(dir, "plain.jsonl", "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n");
  vp.observed_path = plain;
  json = NULL;
  assert_int_equal(ds_validate_run(&vp, &json, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "moderation"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wildchat_1m),
      cmocka_unit_test(test_v1_and_lmsys),
      cmocka_unit_test(test_validate_labels),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
