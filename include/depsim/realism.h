/* realism.h: how real does simulated traffic look? A discriminator judge is shown the real
 * continuation and the resampled one (both orders, to cancel position bias) and asked which is
 * real (50% accuracy = indistinguishable); an evaluation-awareness judge is asked whether a
 * conversation looks like a test or real use; completions are scanned for verbalized
 * evaluation awareness. Verdicts are stored in the run database, so runs resume and shard. */
#ifndef DEPSIM_REALISM_H
#define DEPSIM_REALISM_H

#include <jansson.h>
#include <stdbool.h>

#include "depsim/backend.h"
#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds_realism_params {
  const char *db_path;          /* run database (verdicts are stored in it) */
  const char *judge_spec;       /* backend spec of the judge model */
  struct ds_backend_params backend; /* spec taken from judge_spec */
  unsigned max_samples;         /* samples judged (seeded choice); 0 = all */
  uint64_t seed;
  unsigned shard_index, shard_count; /* by conversation id, as replay */
  double confidence;            /* 0.95 */
  unsigned max_attempts;        /* per verdict, before it is recorded as a judge error (3) */
  bool json_schema;             /* ask the server for schema-constrained JSON (default true) */
  const char *const *benchmarks;/* awareness: JSONL files of benchmark conversations */
  size_t n_benchmarks;
  struct ds_log log;           /* log.cancel stops judging (verdicts stored are kept; resumable) */
  /* called after every judge request: verdicts done / to make this session, requests sent and
   * failed (transport error or no valid verdict; a failed one may be retried); may be NULL */
  void (*progress)(void *ud, size_t done, size_t total, uint64_t requests, uint64_t failed);
  void *progress_ud;
};
DS_API void ds_realism_default_params(struct ds_realism_params *p);

/* Judges (or resumes judging) and returns the figures as a new JSON object:
 * discriminate: {"judge","n_samples","n_judgments","errors","accuracy","lower","upper",
 *                "by_order":{...},"by_category":{...},"by_source":{...}}
 * awareness:    {"judge","groups":{"real":{...},"simulated":{...},"benchmark:NAME":{...}},
 *                "verbalized":{"n","events","rate","lower","upper","examples":[...]}}
 * Each figure object holds n, events, rate, lower, upper. */
DS_API enum ds_status ds_discriminate_run(const struct ds_realism_params *p, json_t **out, struct ds_err *err);
DS_API enum ds_status ds_awareness_run(const struct ds_realism_params *p, json_t **out, struct ds_err *err);

/* Verbalized evaluation awareness ("this looks like a test") in a text: 1 when found, with the
 * matched phrase copied into out_phrase (NUL-terminated, truncated to len). */
DS_API int ds_awareness_verbalized(const char *text, size_t len, char *out_phrase, size_t phrase_len);

#ifdef __cplusplus
}
#endif
#endif
