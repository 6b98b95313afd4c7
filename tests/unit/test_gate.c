/* test_gate.c: policy parsing (errors with lines) and resolution, per-category decisions under
 * upper_bound and band rules, Markdown and JUnit renderings, and the audit chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "gate/gate_int.h"
#include "gate/policy.h"

static const char policy_text[] =
    "version: 1\n"
    "defaults: {max_rate: 0.01, max_ratio: 1.5, min_n: 100}\n"
    "severity:\n"
    "  high: {max_rate: 0.001, max_ratio: 1.2}\n"
    "  low: {max_rate: 5%, uncertainty: band, band: 2x}\n"
    "categories:\n"
    "  special: {max_rate: ~, min_n: 10}\n";

static void policy_resolves_in_order(void **state) {
  (void)state;
  struct policy p;
  struct ds_err err = {0};
  assert_int_equal(policy_parse("p.yaml", policy_text, strlen(policy_text), &p, &err), DS_OK);
  struct policy_rule r;
  policy_resolve(&p, "x", NULL, &r);
  assert_true(r.max_rate == 0.01 && r.max_ratio == 1.5 && r.min_n == 100 && r.uncertainty == POLICY_UPPER_BOUND);
  policy_resolve(&p, "x", "high", &r);
  assert_true(r.max_rate == 0.001 && r.max_ratio == 1.2 && r.min_n == 100);
  policy_resolve(&p, "x", "low", &r);
  assert_true(r.max_rate == 0.05 && r.uncertainty == POLICY_BAND && r.band == 2.0 && r.max_ratio == 1.5);
  policy_resolve(&p, "special", "high", &r);
  assert_true(isnan(r.max_rate) && r.max_ratio == 1.2 && r.min_n == 10);
  policy_release(&p);
}

static void policy_errors_name_line(void **state) {
  (void)state;
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"version: 1\ndefaults:\n  max_rat: 0.1\n", "p.yaml:3: unknown rule key max_rat"},
      {"defaults:\n  max_rate: lots\n", "p.yaml:2: expected a non-negative number for max_rate"},
      {"defaults:\n  max_rate: 5\n", "p.yaml:2: max_rate is a fraction"},
      {"defaults:\n  uncertainty: maybe\n", "p.yaml:2: uncertainty must be upper_bound or band"},
      {"defaults: {band: 0.5}\n", "p.yaml:1: band is a factor of at least 1"},
      {"version: 2\n", "p.yaml:1: unsupported policy version 2"},
      {"thresholds: {}\n", "p.yaml:1: unknown policy key"},
      {"defaults: [1, 2\n", "p.yaml:"},
      {"categories:\n  a: {}\n  a: {}\n", "p.yaml:3: duplicate entry a"},
  };
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    struct policy p;
    struct ds_err err = {0};
    assert_int_not_equal(policy_parse("p.yaml", cases[i].text, strlen(cases[i].text), &p, &err), DS_OK);
    if (!strstr(err.msg, cases[i].want)) fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
  }
}

static json_t *cat(double events, double n, double rate, double lo, double hi, const char *cmp_json) {
  json_t *c = json_pack("{s:s,s:f,s:f,s:f,s:f,s:f,s:b}", "id", "c", "events", events, "n", n, "rate", rate, "lower",
                        lo, "upper", hi, "zero_events", events == 0);
  json_object_set_new(c, "comparison", cmp_json ? json_loads(cmp_json, 0, NULL) : json_null());
  return c;
}

static enum ds_gate_decision decide(json_t *c, const char *rule_yaml, char *why, size_t why_len) {
  struct policy p;
  char text[512];
  snprintf(text, sizeof text, "defaults: %s\n", rule_yaml);
  assert_int_equal(policy_parse("t.yaml", text, strlen(text), &p, NULL), DS_OK);
  struct policy_rule r;
  policy_resolve(&p, "c", NULL, &r);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  enum ds_gate_decision d = gate_decide(c, &r, &b);
  snprintf(why, why_len, "%s", b.data);
  ds_buf_release(&b);
  policy_release(&p);
  json_decref(c);
  return d;
}

static void decisions_upper_bound(void **state) {
  (void)state;
  char why[512];
  const char *rule = "{max_rate: 0.01}";
  assert_int_equal(decide(cat(5, 1000, 0.005, 0.002, 0.009, NULL), rule, why, sizeof why), DS_GATE_PASS);
  assert_non_null(strstr(why, "upper bound 0.009 <= max_rate 0.01"));
  assert_int_equal(decide(cat(30, 1000, 0.03, 0.02, 0.04, NULL), rule, why, sizeof why), DS_GATE_FAIL);
  assert_non_null(strstr(why, "lower bound 0.02 > max_rate 0.01"));
  assert_int_equal(decide(cat(10, 1000, 0.01, 0.005, 0.018, NULL), rule, why, sizeof why), DS_GATE_INCONCLUSIVE);
  assert_non_null(strstr(why, "contains max_rate"));
  /* zero events: the floor passes or is inconclusive, never fails */
  assert_int_equal(decide(cat(0, 100, 0, 0, 0.03, NULL), rule, why, sizeof why), DS_GATE_INCONCLUSIVE);
  assert_non_null(strstr(why, "detection floor 0.03 is above max_rate 0.01"));
  assert_int_equal(decide(cat(0, 1000, 0, 0, 0.003, NULL), rule, why, sizeof why), DS_GATE_PASS);
  /* min_n */
  assert_int_equal(decide(cat(0, 50, 0, 0, 0.003, NULL), "{max_rate: 0.01, min_n: 100}", why, sizeof why),
                   DS_GATE_INCONCLUSIVE);
  assert_non_null(strstr(why, "n = 50 is below min_n = 100"));
  /* a fail outranks an inconclusive */
  assert_int_equal(decide(cat(30, 50, 0.6, 0.4, 0.7, NULL), "{max_rate: 0.01, min_n: 100}", why, sizeof why),
                   DS_GATE_FAIL);
  assert_int_equal(decide(cat(0, 0, NAN, NAN, NAN, NULL), rule, why, sizeof why), DS_GATE_INCONCLUSIVE);
}

static void decisions_band(void **state) {
  (void)state;
  char why[512];
  const char *rule = "{max_rate: 0.01, uncertainty: band, band: 1.5}";
  assert_int_equal(decide(cat(6, 1000, 0.006, 0.002, 0.013, NULL), rule, why, sizeof why), DS_GATE_PASS);
  assert_int_equal(decide(cat(16, 1000, 0.016, 0.01, 0.02, NULL), rule, why, sizeof why), DS_GATE_FAIL);
  assert_int_equal(decide(cat(12, 1000, 0.012, 0.007, 0.02, NULL), rule, why, sizeof why), DS_GATE_INCONCLUSIVE);
  assert_non_null(strstr(why, "within a band of 1.5x"));
}

static void decisions_ratio(void **state) {
  (void)state;
  char why[512];
  const char *rule = "{max_ratio: 1.2}";
  assert_int_equal(decide(cat(5, 1000, 0.005, 0.002, 0.009, "{\"ratio\":0.5,\"ratio_lower\":0.3,\"ratio_upper\":0.9}"),
                          rule, why, sizeof why),
                   DS_GATE_PASS);
  assert_int_equal(decide(cat(5, 1000, 0.005, 0.002, 0.009, "{\"ratio\":3,\"ratio_lower\":1.8,\"ratio_upper\":5}"),
                          rule, why, sizeof why),
                   DS_GATE_FAIL);
  assert_non_null(strstr(why, "ratio lower bound 1.8 > max_ratio 1.2"));
  assert_int_equal(decide(cat(5, 1000, 0.005, 0.002, 0.009, "{\"ratio\":1.1,\"ratio_lower\":0.6,\"ratio_upper\":2}"),
                          rule, why, sizeof why),
                   DS_GATE_INCONCLUSIVE);
  assert_int_equal(decide(cat(0, 1000, 0, 0, 0.003, "{\"ratio\":null}"), rule, why, sizeof why), DS_GATE_PASS);
  assert_non_null(strstr(why, "no events in either run"));
  assert_int_equal(decide(cat(5, 1000, 0.005, 0.002, 0.009, NULL), rule, why, sizeof why), DS_GATE_INCONCLUSIVE);
  assert_non_null(strstr(why, "needs a baseline comparison"));
}

static json_t *forecast(void) {
  const char *f = "{\"format\":\"depsim-forecast\",\"confidence\":0.95,\"rubric_sha256\":\"r\","
                  "\"run\":{\"corpus_sha256\":\"c\",\"model\":{\"model\":\"m\"}},\"baseline\":null,\"categories\":["
                  "{\"id\":\"ok_cat\",\"title\":\"OK <&> | cat\",\"severity\":\"low\",\"events\":1,\"n\":1000,"
                  "\"rate\":0.001,\"lower\":0.0001,\"upper\":0.005,\"zero_events\":false,\"text\":\"t1\",\"comparison\":null},"
                  "{\"id\":\"bad_cat\",\"title\":null,\"severity\":\"high\",\"events\":50,\"n\":1000,"
                  "\"rate\":0.05,\"lower\":0.04,\"upper\":0.06,\"zero_events\":false,\"text\":\"t2\",\"comparison\":null}]}";
  return json_loads(f, 0, NULL);
}

static void renders_markdown_and_junit(void **state) {
  (void)state;
  const char *pol = "defaults: {max_rate: 0.01}\nseverity: {high: {max_rate: 0.001}}\ncategories: {ghost: {max_rate: 0.1}}\n";
  struct policy p;
  assert_int_equal(policy_parse("pol.yaml", pol, strlen(pol), &p, NULL), DS_OK);
  json_t *f = forecast();
  struct ds_gate_result *r = NULL;
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  assert_int_equal(ds_gate_result_decision(r), DS_GATE_FAIL);
  char *md = NULL, *xml = NULL;
  assert_int_equal(ds_gate_result_markdown(r, &md, NULL), DS_OK);
  assert_non_null(strstr(md, "## depsim gate: ❌ fail"));
  assert_non_null(strstr(md, "1 pass, 1 fail, 1 inconclusive"));
  assert_non_null(strstr(md, "| OK <&> \\| cat (`ok_cat`) | low | 1 / 1000 | 100 | 10–500 |"));
  assert_non_null(strstr(md, "| bad_cat (`bad_cat`) | high | 50 / 1000 |"));
  assert_int_equal(ds_gate_result_junit(r, &xml, NULL), DS_OK);
  assert_non_null(strstr(xml, "tests=\"3\" failures=\"1\" skipped=\"1\""));
  assert_non_null(strstr(xml, "<testcase classname=\"depsim.gate\" name=\"bad_cat\">\n      <failure"));
  assert_non_null(strstr(xml, "<skipped message=\"inconclusive: the policy names this category"));
  assert_null(strstr(xml, "<&>"));
  ds_free(md);
  ds_free(xml);
  ds_gate_result_free(r);
  json_decref(f);
  policy_release(&p);
}

/* A category no sample applies to is listed as not applicable and does not weigh on the
 * decision; one left ungraded for want of a judge is inconclusive and says so; neither reads
 * "< –"; the decision records the run of the forecast. */
static void not_applicable_and_needs_judge(void **state) {
  (void)state;
  const char *pol = "defaults: {max_rate: 0.01}\n";
  struct policy p;
  assert_int_equal(policy_parse("pol.yaml", pol, strlen(pol), &p, NULL), DS_OK);
  json_t *f = json_loads("{\"format\":\"depsim-forecast\",\"confidence\":0.95,\"rubric_sha256\":\"r\","
                         "\"run\":{\"path\":\"a.db\",\"run_id\":\"0123\"},\"categories\":["
                         "{\"id\":\"ok\",\"n\":1000,\"events\":0,\"rate\":0,\"lower\":0,\"upper\":0.003,"
                         "\"zero_events\":true,\"status\":\"graded\"},"
                         "{\"id\":\"agent_only\",\"n\":0,\"events\":0,\"rate\":null,\"status\":\"not_applicable\","
                         "\"status_reason\":\"not applicable: it applies to agent samples and this run has none\"},"
                         "{\"id\":\"judged\",\"n\":0,\"events\":0,\"rate\":null,\"status\":\"needs_judge\","
                         "\"status_reason\":\"not graded: needs a judge (9 applicable samples)\"}]}",
                         0, NULL);
  assert_non_null(f);
  struct ds_gate_result *r = NULL;
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  /* judged is inconclusive (a rule covers it), agent_only does not count */
  assert_int_equal(ds_gate_result_decision(r), DS_GATE_INCONCLUSIVE);
  char *md = NULL, *js = NULL, *xml = NULL;
  assert_int_equal(ds_gate_result_markdown(r, &md, NULL), DS_OK);
  assert_non_null(strstr(md, "1 pass, 0 fail, 1 inconclusive, 1 not applicable."));
  assert_non_null(strstr(md, "| agent_only (`agent_only`) | – | 0 / 0 | – | not applicable | – | – | ➖ **not applicable** | "
                             "not applicable: it applies to agent samples and this run has none |"));
  assert_non_null(strstr(md, "| judged (`judged`) | – | 0 / 0 | – | not graded: needs a judge | – | – | ⚠️ **inconclusive** | "
                             "not graded: needs a judge (9 applicable samples) |"));
  assert_null(strstr(md, "< –"));
  assert_int_equal(ds_gate_result_json(r, &js, NULL), DS_OK);
  json_t *d = json_loads(js, 0, NULL);
  assert_string_equal(ds_json_str(json_object_get(d, "run"), "run_id", ""), "0123");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(d, "categories"), 1), "decision", ""), "not applicable");
  json_decref(d);
  assert_int_equal(ds_gate_result_junit(r, &xml, NULL), DS_OK);
  assert_non_null(strstr(xml, "<skipped message=\"not applicable: it applies to agent samples"));
  ds_free(md);
  ds_free(js);
  ds_free(xml);
  ds_gate_result_free(r);
  /* without a rule for it, an ungraded category is no reason to withhold a pass */
  policy_release(&p);
  const char *none = "categories: {ok: {max_rate: 0.01}}\n";
  assert_int_equal(policy_parse("none.yaml", none, strlen(none), &p, NULL), DS_OK);
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  assert_int_equal(ds_gate_result_decision(r), DS_GATE_PASS);
  ds_gate_result_free(r);
  json_decref(f);
  policy_release(&p);
}

/* A run drawn in a random order and not yet drawn to its end is decided on anytime-valid
 * intervals: a category whose fixed-n interval would pass stays open while its confidence
 * sequence holds the limit; clear ones are final; the paired ratio test decides from the 2x2
 * counts. Drawn to the end, the same forecast is gated as a full run. Several samples per
 * prefix keep every category open (the sequence is for independent draws). */
static void sequential_decisions(void **state) {
  (void)state;
  const char *pol = "defaults: {max_rate: 0.05}\ncategories: {paired: {max_rate: ~, max_ratio: 3}}\n";
  struct policy p;
  assert_int_equal(policy_parse("pol.yaml", pol, strlen(pol), &p, NULL), DS_OK);
  json_t *f = json_loads(
      "{\"format\":\"depsim-forecast\",\"confidence\":0.95,\"rubric_sha256\":\"r\",\"run\":{\"clustered\":false},"
      "\"sequential\":{\"order\":\"random\",\"seed\":7,\"prefixes_total\":2000,\"prefixes_drawn\":200,"
      "\"exhausted\":false,\"stop\":null},\"categories\":["
      "{\"id\":\"below\",\"events\":0,\"n\":200,\"rate\":0,\"lower\":0,\"upper\":0.018,\"zero_events\":true},"
      "{\"id\":\"above\",\"events\":40,\"n\":200,\"rate\":0.2,\"lower\":0.15,\"upper\":0.26,\"zero_events\":false},"
      "{\"id\":\"open\",\"events\":6,\"n\":200,\"rate\":0.03,\"lower\":0.012,\"upper\":0.049,\"zero_events\":false},"
      "{\"id\":\"paired\",\"events\":1,\"n\":200,\"rate\":0.005,\"lower\":0,\"upper\":0.03,\"zero_events\":false,"
      "\"comparison\":{\"both\":0,\"candidate_only\":1,\"baseline_only\":40,\"neither\":159,\"ratio\":0.04,"
      "\"ratio_lower\":0.01,\"ratio_upper\":0.2}}]}",
      0, NULL);
  assert_non_null(f);
  struct ds_gate_result *r = NULL;
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  const json_t *cats = json_object_get(r->doc, "categories"), *sq = json_object_get(r->doc, "sequential");
  static const char *const want[][2] = {{"pass", "1"}, {"fail", "1"}, {"inconclusive", "0"}, {"pass", "1"}};
  for (size_t i = 0; i < 4; i++) {
    const json_t *c = json_array_get(cats, i);
    assert_string_equal(ds_json_str(c, "decision", ""), want[i][0]);
    assert_int_equal(json_is_true(json_object_get(json_object_get(c, "sequential"), "final")), want[i][1][0] == '1');
  }
  assert_non_null(strstr(ds_json_str(json_array_get(cats, 2), "reason", ""), "anytime-valid interval"));
  assert_non_null(strstr(ds_json_str(json_array_get(cats, 3), "reason", ""), "paired sequential test: ratio below"));
  assert_string_equal(ds_json_str(sq, "mode", ""), "anytime-valid");
  assert_false(json_is_true(json_object_get(sq, "decided")));
  assert_string_equal(json_string_value(json_array_get(json_object_get(sq, "undecided"), 0)), "open");
  char *md = NULL;
  assert_int_equal(ds_gate_result_markdown(r, &md, NULL), DS_OK);
  assert_non_null(strstr(md, "> Sequential run: 200 of 2000 prefixes drawn in a seeded random order (seed 7); 1 "
                             "categories still open. Decided on anytime-valid intervals"));
  ds_free(md);
  ds_gate_result_free(r);
  /* every prefix drawn: the full run's fixed-n decision */
  json_object_set_new(json_object_get(f, "sequential"), "exhausted", json_true());
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  sq = json_object_get(r->doc, "sequential");
  assert_string_equal(ds_json_str(sq, "mode", ""), "full run");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(r->doc, "categories"), 2), "decision", ""), "pass");
  assert_non_null(strstr(ds_json_str(sq, "line", ""), "Decided as a full run, on the fixed-n intervals."));
  ds_gate_result_free(r);
  /* several samples per prefix: nothing is final, the run goes to its end */
  json_object_set_new(json_object_get(f, "sequential"), "exhausted", json_false());
  json_object_set_new(json_object_get(f, "run"), "clustered", json_true());
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  assert_int_equal(json_array_size(json_object_get(json_object_get(r->doc, "sequential"), "undecided")), 4);
  assert_non_null(strstr(ds_json_str(json_array_get(json_object_get(r->doc, "categories"), 0), "reason", ""),
                         "need one sample per prefix"));
  ds_gate_result_free(r);
  json_decref(f);
  policy_release(&p);
}

static void audit_chain_detects_tampering(void **state) {
  (void)state;
  char dir[] = "/tmp/ds-test-gate.XXXXXX";
  assert_non_null(mkdtemp(dir));
  char log[256], bad[256];
  snprintf(log, sizeof log, "%s/audit.jsonl", dir);
  snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
  const char *pol = "defaults: {max_rate: 0.01}\n";
  struct policy p;
  assert_int_equal(policy_parse("pol.yaml", pol, strlen(pol), &p, NULL), DS_OK);
  json_t *f = forecast();
  struct ds_gate_result *r = NULL;
  assert_int_equal(gate_apply(f, &p, "abc", &r, NULL), DS_OK);
  char h1[65], h2[65], h3[65], head[65];
  assert_int_equal(ds_audit_append(log, r, h1, NULL), DS_OK);
  assert_int_equal(ds_audit_append(log, r, h2, NULL), DS_OK);
  assert_int_equal(ds_audit_append(log, r, h3, NULL), DS_OK);
  uint64_t n = 0;
  assert_int_equal(ds_audit_verify(log, &n, head, NULL), DS_OK);
  assert_int_equal(n, 3);
  assert_string_equal(head, h3);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  assert_int_equal(ds_read_file(log, 0, &b, NULL), DS_OK);
  char *l2 = strchr(b.data, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
  struct ds_err err = {0};
  /* edit: flip one digit in record 2 */
  char *copy = ds_strdup(b.data);
  char *dig = strstr(copy + (l2 - b.data), "\"seq\":2");
  dig[6] = '7';
  ds_write_file(bad, copy, strlen(copy), NULL);
  assert_int_equal(ds_audit_verify(bad, &n, head, &err), DS_E_TAMPERED);
  assert_non_null(strstr(err.msg, ":2: record 7 was edited"));
  /* removal of record 2 */
  struct ds_buf x;
  ds_buf_init(&x, 0);
  ds_buf_add(&x, b.data, (size_t)(l2 - b.data));
  ds_buf_adds(&x, l3);
  ds_write_file(bad, x.data, x.len, NULL);
  assert_int_equal(ds_audit_verify(bad, &n, head, &err), DS_E_TAMPERED);
  assert_non_null(strstr(err.msg, ":2: record 3 does not follow"));
  /* reorder 1 and 2 */
  ds_buf_reset(&x);
  ds_buf_add(&x, l2, (size_t)(l3 - l2));
  ds_buf_add(&x, b.data, (size_t)(l2 - b.data));
  ds_buf_adds(&x, l3);
  ds_write_file(bad, x.data, x.len, NULL);
  assert_int_equal(ds_audit_verify(bad, &n, head, &err), DS_E_TAMPERED);
  /* truncated last record */
  ds_write_file(bad, b.data, b.len - 10, NULL);
  assert_int_equal(ds_audit_verify(bad, &n, head, &err), DS_E_TAMPERED);
  /* appending onto a tampered log is refused and leaves it untouched */
  ds_write_file(bad, copy, strlen(copy), NULL);
  assert_int_equal(ds_audit_append(bad, r, NULL, &err), DS_E_TAMPERED);
  ds_buf_reset(&x);
  ds_read_file(bad, 0, &x, NULL);
  assert_string_equal(x.data, copy);
  ds_free(copy);
  ds_buf_release(&x);
  ds_buf_release(&b);
  unlink(log);
  unlink(bad);
  rmdir(dir);
  ds_gate_result_free(r);
  json_decref(f);
  policy_release(&p);
}

int main(void) {
  struct ds_err err;
  ds_init(&err);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(policy_resolves_in_order), cmocka_unit_test(policy_errors_name_line),
      cmocka_unit_test(decisions_upper_bound),    cmocka_unit_test(decisions_band),
      cmocka_unit_test(decisions_ratio),          cmocka_unit_test(renders_markdown_and_junit),
      cmocka_unit_test(audit_chain_detects_tampering), cmocka_unit_test(not_applicable_and_needs_judge),
      cmocka_unit_test(sequential_decisions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
