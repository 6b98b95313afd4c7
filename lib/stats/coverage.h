/* coverage.h: which samples of a run each rubric category applies to, and so why a category
 * has no graded sample: "not applicable" (an agent category on chat traffic), "not graded:
 * needs a judge" (a judge category graded without --judge), or every grade a grader error.
 * Shared by the forecast (depsim estimate) and the report. Internal. */
#ifndef DS_STATS_COVERAGE_H
#define DS_STATS_COVERAGE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "base/base.h"

/* Reads, from the tables of schema ("main" or an attached name) of db, the rubric body of
 * rubric_sha256 and how many 'ok' samples are chat and agent samples (as the grade stage tells
 * them apart: ds_sample_is_agent). *out = {"n_ok", "n_chat", "n_agent", "order": [ids in rubric
 * order], "categories": {id: {"applies_to": "chat"|"agent"|"both", "needs_judge": bool,
 * "applicable": n, "title", "severity"}}}. A rubric body
 * that does not parse gives no categories (statuses then follow the counts alone). */
enum ds_status stats_coverage_load(sqlite3 *db, const char *schema, const char *rubric_sha256, json_t **out,
                                   struct ds_err *err);

/* The status of one category from its coverage entry (may be NULL) and its counts: "graded",
 * "not_applicable", "needs_judge", "not_graded" or "errors"; a sentence saying why (or what is
 * partial about a graded one, else "") goes to reason. */
const char *stats_coverage_status(const json_t *cov, const char *category, uint64_t n, uint64_t grader_errors,
                                  char *reason, size_t reason_len);

/* Adds "applicable", "status" and "status_reason" to every category of a forecast document
 * (docs/internals/forecast.md) from the run at run_path, graded with the forecast's rubric. */
enum ds_status stats_coverage_annotate(json_t *forecast, const char *run_path, struct ds_err *err);

/* The human words for a status: "graded", "not applicable", "not graded: needs a judge", ... */
const char *stats_coverage_label(const char *status);

#endif
