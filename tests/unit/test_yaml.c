/* test_yaml.c: YAML config files read into JSON values, with errors naming file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"

static void types_and_nesting(void **state) {
  (void)state;
  const char *y = "out: demo-out\n"
                  "inputs: [a.jsonl, 'b.jsonl']\n"
                  "replay:\n  k: 2\n  temperature: 0.7\n  trim_front: true\n  seed: '42'\n  nothing: ~\n"
                  "candidates:\n  - name: v1\n    backend: file:x.jsonl\n";
  json_t *v = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_yaml_parse(y, strlen(y), "sim.yaml", &v, &err), DS_OK);
  assert_string_equal(ds_json_str(v, "out", ""), "demo-out");
  assert_int_equal(json_array_size(json_object_get(v, "inputs")), 2);
  json_t *r = json_object_get(v, "replay");
  assert_true(json_is_integer(json_object_get(r, "k")));
  assert_true(json_is_real(json_object_get(r, "temperature")));
  assert_true(json_is_true(json_object_get(r, "trim_front")));
  assert_true(json_is_string(json_object_get(r, "seed"))); /* quoted stays a string */
  assert_true(json_is_null(json_object_get(r, "nothing")));
  assert_string_equal(ds_json_str(json_array_get(json_object_get(v, "candidates"), 0), "backend", ""), "file:x.jsonl");
  json_decref(v);
}

static void errors_name_the_line(void **state) {
  (void)state;
  json_t *v = NULL;
  struct ds_err err = {0};
  const char *bad = "a: 1\nb: [1, 2\nc: 3\n";
  assert_int_equal(ds_yaml_parse(bad, strlen(bad), "bad.yaml", &v, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "bad.yaml:"));
  const char *dup = "a: 1\nb: 2\na: 3\n";
  assert_int_equal(ds_yaml_parse(dup, strlen(dup), "dup.yaml", &v, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "dup.yaml:3: duplicate key 'a'"));
  const char *alias = "a: &x 1\nb: *x\n";
  assert_int_equal(ds_yaml_parse(alias, strlen(alias), "al.yaml", &v, &err), DS_E_UNSUPPORTED);
  assert_int_equal(ds_yaml_load_file("/nonexistent.yaml", &v, &err), DS_E_IO);
  assert_non_null(strstr(err.msg, "/nonexistent.yaml"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(types_and_nesting), cmocka_unit_test(errors_name_the_line)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
