/* fuzz_policy.c: libFuzzer target for the outside inputs of stats and gate: gate policies (YAML),
 * rubric bodies (YAML, id/title/severity only) and forecast documents applied to a policy (the
 * input's own when it is one, and a fixed one with every kind of check, sequential runs too). */
#include <stdint.h>
#include <string.h>

#include "gate/gate_int.h"
#include "gate/policy.h"
#include "stats/run_data.h"

/* A forecast applied to a policy and rendered (a JSON forecast is rarely a policy too). */
static void apply(const json_t *f, const struct policy *p) {
  struct ds_gate_result *g = NULL;
  struct ds_err err;
  if (gate_apply(f, p, "0", &g, &err) != DS_OK) return;
  char *s = NULL;
  if (ds_gate_result_markdown(g, &s, &err) == DS_OK) ds_free(s);
  if (ds_gate_result_junit(g, &s, &err) == DS_OK) ds_free(s);
  ds_gate_result_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  static struct policy fixed; /* every kind of check, so any forecast reaches each of them */
  if (!ready) {
    struct ds_err e;
    ds_init(&e);
    static const char pol[] = "defaults: {max_rate: 0.05, max_ratio: 2, min_n: 10}\n"
                              "severity: {low: {uncertainty: band, band: 1.5}}\n";
    if (policy_parse("fixed.yaml", pol, sizeof pol - 1, &fixed, &e) != DS_OK) __builtin_trap();
    ready = 1;
  }
  const char *text = (const char *)data;
  struct policy p;
  struct ds_err err;
  json_t *forecast = json_loadb(text, size, 0, NULL);
  if (forecast) apply(forecast, &fixed);
  json_decref(forecast);
  if (policy_parse("fuzz.yaml", text, size, &p, &err) == DS_OK) {
    struct policy_rule r;
    policy_resolve(&p, "a", "high", &r);
    /* the same bytes as a forecast, when they are JSON */
    json_t *f = json_loadb(text, size, 0, NULL);
    if (f) apply(f, &p);
    json_decref(f);
    policy_release(&p);
  }
  json_t *cats = NULL;
  if (stats_rubric_categories(text, size, &cats, &err) == DS_OK) json_decref(cats);
  return 0;
}
