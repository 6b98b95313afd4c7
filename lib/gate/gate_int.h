/* gate_int.h: what gate.c and audit.c share: the result held as a JSON document, and the
 * per-category decision (exposed for unit tests). Internal. */
#ifndef DS_GATE_INT_H
#define DS_GATE_INT_H

#include <jansson.h>

#include "base/base.h"
#include "depsim/gate.h"
#include "gate/policy.h"

struct ds_gate_result {
  json_t *doc; /* the gate document (format depsim-gate) */
  enum ds_gate_decision decision;
};

/* Decision for one forecast category under a resolved rule; reasons appended to why. */
/* The worse of two decisions (fail, then inconclusive, then pass). */
enum ds_gate_decision gate_worse(enum ds_gate_decision a, enum ds_gate_decision b);
/* Appends a reason to why, "; "-separated. */
void gate_say(struct ds_buf *why, const char *fmt, ...) DS_PRINTF(2, 3);
enum ds_gate_decision gate_decide(const json_t *category, const struct policy_rule *rule, struct ds_buf *why);
/* Sequential runs (lib/gate/sequential.c). Active when the forecast's run was drawn in a
 * random order and prefixes remain undrawn: categories are then decided on anytime-valid
 * intervals. gate_seq_decide adds the category's "sequential" object to entry and says in
 * *out_final whether more samples could still change its decision. */
bool gate_seq_active(const json_t *forecast);
enum ds_gate_decision gate_seq_decide(const json_t *forecast, const json_t *category, const struct policy_rule *rule,
                                      struct ds_buf *why, json_t *entry, bool *out_final);
/* The gate document's "sequential" object (null for a run in corpus order): mode, decided,
 * undecided categories, prefixes drawn and total, the stop record, and a line for people. */
json_t *gate_seq_summary(const json_t *forecast, const json_t *categories);

/* Applies a parsed policy to a parsed forecast. */
enum ds_status gate_apply(const json_t *forecast, const struct policy *pol, const char *forecast_sha256,
                          struct ds_gate_result **out, struct ds_err *err);

#endif
