/* fuzz_policy.c: libFuzzer target for the outside inputs of stats and gate: gate policies (YAML),
 * rubric bodies (YAML, id/title/severity only) and forecast documents applied to a policy. */
#include <stdint.h>
#include <string.h>

#include "gate/gate_int.h"
#include "gate/policy.h"
#include "stats/run_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    struct ds_err e;
    ds_init(&e);
    ready = 1;
  }
  const char *text = (const char *)data;
  struct policy p;
  struct ds_err err;
  if (policy_parse("fuzz.yaml", text, size, &p, &err) == DS_OK) {
    struct policy_rule r;
    policy_resolve(&p, "a", "high", &r);
    /* the same bytes as a forecast, when they are JSON */
    json_t *f = json_loadb(text, size, 0, NULL);
    struct ds_gate_result *g = NULL;
    if (f && gate_apply(f, &p, "0", &g, &err) == DS_OK) {
      char *s = NULL;
      if (ds_gate_result_markdown(g, &s, &err) == DS_OK) ds_free(s);
      if (ds_gate_result_junit(g, &s, &err) == DS_OK) ds_free(s);
      ds_gate_result_free(g);
    }
    json_decref(f);
    policy_release(&p);
  }
  json_t *cats = NULL;
  if (stats_rubric_categories(text, size, &cats, &err) == DS_OK) json_decref(cats);
  return 0;
}
