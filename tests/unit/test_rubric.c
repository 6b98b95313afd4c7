/* test_rubric.c: rubric parsing: the shipped taxonomy loads, fields and defaults are read, and
 * every kind of mistake fails with file:line: reason (never silently ignored). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "depsim/grade.h"

static void test_default_rubric(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/data/rubrics/default.yaml", getenv("DS_SRC") ? getenv("DS_SRC") : ".");
  struct ds_rubric *r = NULL;
  struct ds_err err = {0};
  if (ds_rubric_load(path, &r, &err) != DS_OK) fail_msg("%s", err.msg);
  assert_string_equal(ds_rubric_name(r), "depsim-default");
  unsigned n = ds_rubric_n_categories(r);
  assert_true(n >= 18 && n <= 30);
  assert_int_equal(strlen(ds_rubric_sha256(r)), 64);
  char sha[65];
  ds_sha256_hex(ds_rubric_body(r), strlen(ds_rubric_body(r)), sha);
  assert_string_equal(sha, ds_rubric_sha256(r));
  int i = ds_rubric_find(r, "pipe_to_shell");
  assert_true(i >= 0);
  struct ds_category_info ci;
  assert_int_equal(ds_rubric_category(r, (unsigned)i, &ci), DS_OK);
  assert_int_equal(ci.applies_to, DS_APPLIES_AGENT);
  assert_string_equal(ci.severity, "high");
  assert_false(ci.needs_judge);
  i = ds_rubric_find(r, "sycophancy");
  assert_true(i >= 0);
  ds_rubric_category(r, (unsigned)i, &ci);
  assert_true(ci.needs_judge);
  assert_int_equal(ci.applies_to, DS_APPLIES_CHAT);
  assert_int_equal(ds_rubric_find(r, "nope"), -1);
  /* every rule pattern compiles into the one database */
  struct ds_grader *g = NULL;
  if (ds_grader_new(r, NULL, &g, &err)) fail_msg("%s", err.msg);
  ds_grader_free(g);
  ds_rubric_free(r);
}

static const char good[] =
    "name: t\n"
    "categories:\n"
    "  - id: a\n"
    "    title: A\n"
    "    description: d\n"
    "    severity: low\n"
    "    applies_to: both\n"
    "    combine: majority\n"
    "    graders:\n"
    "      - type: rule\n"
    "        target: [response, tool_args]\n"
    "        patterns: ['x+y']\n"
    "        caseless: false\n"
    "      - type: shell\n"
    "        flags: [pipe_to_shell, read_secrets]\n"
    "      - type: judge\n"
    "        prompt: p\n"
    "        votes: 3\n";

static void test_fields(void **state) {
  (void)state;
  struct ds_rubric *r = NULL;
  struct ds_err err = {0};
  if (ds_rubric_parse(good, strlen(good), "good.yaml", &r, &err)) fail_msg("%s", err.msg);
  struct ds_category_info ci;
  ds_rubric_category(r, 0, &ci);
  assert_string_equal(ci.id, "a");
  assert_int_equal(ci.combine, DS_COMBINE_MAJORITY);
  assert_int_equal(ci.n_graders, 3);
  assert_true(ci.needs_judge);
  assert_int_equal(ci.applies_to, DS_APPLIES_BOTH);
  assert_int_equal(ds_rubric_category(r, 1, &ci), DS_E_NOTFOUND);
  ds_rubric_free(r);
}

struct bad {
  const char *from, *to; /* replace in good */
  const char *want;      /* substring of the error */
};

static const struct bad bads[] = {
    {"severity: low", "severity: huge", "good.yaml:6: category 'a': severity must be"},
    {"applies_to: both", "applies_to: robots", "good.yaml:7: category 'a': applies_to"},
    {"combine: majority", "combine: most", "good.yaml:8: category 'a': combine"},
    {"type: rule", "type: regex", "unknown grader type 'regex'"},
    {"target: [response, tool_args]", "target: [answer]", "unknown target 'answer'"},
    {"flags: [pipe_to_shell, read_secrets]", "flags: [curl_bash]", "unknown shell flag 'curl_bash'"},
    {"votes: 3", "votes: 0", "'votes' must be a whole number"},
    {"patterns: ['x+y']", "patterns: []", "rule grader needs patterns"},
    {"caseless: false", "casless: false", "unknown key 'casless'"},
    {"id: a", "id: A B", "category id 'A B'"},
    {"    title: A\n", "", "missing 'title'"},
    {"name: t\n", "", "missing 'name'"},
    {"prompt: p", "prompt: ''", "'prompt' is empty"},
    {"patterns: ['x+y']", "patterns: ['x(']", "good.yaml:10: category 'a': pattern 'x('"},
    {"    graders:\n", "    graders: []\n    old:\n", "unknown key 'old'"},
    {"categories:\n", "categories: [\n", "good.yaml:"},
};

static void test_errors(void **state) {
  (void)state;
  for (size_t i = 0; i < DS_ARRAY_LEN(bads); i++) {
    char buf[2048];
    const char *at = strstr(good, bads[i].from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - good), good, bads[i].to, at + strlen(bads[i].from));
    struct ds_rubric *r = NULL;
    struct ds_err err = {0};
    enum ds_status st = ds_rubric_parse(buf, strlen(buf), "good.yaml", &r, &err);
    if (st == DS_OK) {
      /* pattern errors surface when the rules are compiled */
      struct ds_grader *g = NULL;
      st = ds_grader_new(r, NULL, &g, &err);
      ds_grader_free(g);
      ds_rubric_free(r);
    }
    if (st == DS_OK || !strstr(err.msg, bads[i].want))
      fail_msg("case %zu: want error containing \"%s\", got (%d) \"%s\"", i, bads[i].want, st, err.msg);
  }
}

static void test_duplicates_and_empty(void **state) {
  (void)state;
  char buf[4096];
  const char *cat = strstr(good, "  - id: a");
  snprintf(buf, sizeof buf, "%s%s", good, cat);
  struct ds_rubric *r = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_rubric_parse(buf, strlen(buf), "dup.yaml", &r, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "duplicate category id 'a' (first at line 3)"));
  assert_int_not_equal(ds_rubric_parse("", 0, "empty.yaml", &r, &err), DS_OK);
  assert_int_not_equal(ds_rubric_parse("name: x\ncategories: []\n", 23, "e.yaml", &r, &err), DS_OK);
  assert_non_null(strstr(err.msg, "non-empty list"));
  assert_int_equal(ds_rubric_parse("name: \xff\n", 8, "u.yaml", &r, &err), DS_E_PARSE);
  assert_int_not_equal(ds_rubric_load("/nonexistent/r.yaml", &r, &err), DS_OK);
}

static void test_alloc_failures(void **state) {
  (void)state;
  /* every allocation failing in turn: an error, never a crash or a leak (ASan checks) */
  for (uint64_t n = 1; n < 400; n++) {
    struct ds_rubric *r = NULL;
    ds_alloc_fail_at(n);
    enum ds_status st = ds_rubric_parse(good, strlen(good), "good.yaml", &r, NULL);
    ds_alloc_fail_at(0);
    if (st == DS_OK) {
      ds_rubric_free(r);
      break;
    }
  }
}

int main(void) {
  ds_init(NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_rubric), cmocka_unit_test(test_fields), cmocka_unit_test(test_errors),
      cmocka_unit_test(test_duplicates_and_empty), cmocka_unit_test(test_alloc_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
