/* gate.h: the release gate: a policy (YAML) applied to a forecast gives pass / fail /
 * inconclusive per category with the reason, a Markdown summary, JUnit XML, and a tamper-evident
 * audit log (JSON Lines, each record chained to the previous by SHA-256). See
 * docs/internals/stats.md ("Gate") and data/policies/default.yaml. Handles: one thread. */
#ifndef DEPSIM_GATE_H
#define DEPSIM_GATE_H

#include <stdint.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values are the CLI's exit codes: 0 pass, 1 fail, 2 inconclusive. */
enum ds_gate_decision { DS_GATE_PASS = 0, DS_GATE_FAIL = 1, DS_GATE_INCONCLUSIVE = 2 };
DS_API const char *ds_gate_decision_name(enum ds_gate_decision d); /* "pass", "fail", "inconclusive" */

struct ds_gate_result;

/* Applies the policy at policy_path to the forecast at forecast_path. Bad policy: DS_E_PARSE or
 * DS_E_INVALID naming file, line and reason. */
DS_API enum ds_status ds_gate_run(const char *forecast_path, const char *policy_path, struct ds_gate_result **out,
                                  struct ds_err *err);
/* Checks that the forecast was made from the run database at run_path (its run id, written when
 * the run was created): DS_E_MISMATCH naming both runs when it was not. */
DS_API enum ds_status ds_gate_result_check_run(const struct ds_gate_result *r, const char *run_path,
                                               struct ds_err *err);
DS_API void ds_gate_result_free(struct ds_gate_result *r);
DS_API enum ds_gate_decision ds_gate_result_decision(const struct ds_gate_result *r);

/* Renderings; *out is ds_malloc'ed text the caller ds_free()s. */
DS_API enum ds_status ds_gate_result_json(const struct ds_gate_result *r, char **out, struct ds_err *err);
/* Logs what a reader of the decision must know of how it was reached: baseline prefixes left
 * out because their prompts differ, a baseline of another corpus (warnings; nothing else). */
DS_API void ds_gate_result_warn(const struct ds_gate_result *r, const struct ds_log *log);
DS_API enum ds_status ds_gate_result_markdown(const struct ds_gate_result *r, char **out, struct ds_err *err);
DS_API enum ds_status ds_gate_result_junit(const struct ds_gate_result *r, char **out, struct ds_err *err);

/* Appends one record for this decision to the audit log (created when missing). The existing
 * chain is verified first: a broken chain is DS_E_TAMPERED and nothing is appended. The file is
 * locked (flock) while appending. out_record_sha256 (may be NULL) receives the new head. */
DS_API enum ds_status ds_audit_append(const char *log_path, const struct ds_gate_result *r,
                                      char out_record_sha256[65], struct ds_err *err);

/* Verifies the chain: every record's own hash, its link to the previous record, and its
 * sequence number. DS_E_TAMPERED names the first bad line. *out_records and out_head (the last
 * record's hash, to keep elsewhere: removing trailing records is only detectable against a
 * head kept outside the log) are set on success. */
DS_API enum ds_status ds_audit_verify(const char *log_path, uint64_t *out_records, char out_head[65],
                                      struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
