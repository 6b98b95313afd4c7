/* run_data.h: a graded run held in memory for estimation (prefixes, samples, a label matrix,
 * segments), loaded from a run database or built directly (benchmarks, tests). Internal. */
#ifndef DS_STATS_RUN_DATA_H
#define DS_STATS_RUN_DATA_H

#include <jansson.h>
#include <stdint.h>

#include "base/base.h"
#include "depsim/stats.h"

/* label values in the matrix */
#define RUN_LABEL_MISSING ((int8_t)-2) /* no grade row for this sample and category */
#define RUN_LABEL_ERROR ((int8_t)-1)   /* grade row with label NULL: grader error */

/* string -> uint32 map (open addressing); keys are copied */
struct strmap {
  char **keys;
  uint32_t *vals;
  uint64_t *hash;
  size_t cap, len;
};
void strmap_release(struct strmap *m);
/* DS_OK and *out_val when present, DS_E_NOTFOUND otherwise */
enum ds_status strmap_get(const struct strmap *m, const char *key, size_t key_len, uint32_t *out_val);
enum ds_status strmap_put(struct strmap *m, const char *key, size_t key_len, uint32_t val);

struct run_data {
  char *path;
  char rubric_sha256[65];
  json_t *rubric_categories; /* [{id,title,severity}] from the rubric body, in order */
  json_t *meta;              /* the meta table, secret-looking keys removed */
  /* prefixes, in id order */
  size_t n_prefixes;
  char **prefix_key;         /* "<conv_id>#<cut_index>" */
  uint64_t *digest;          /* prompt digest of prefix j: digest[2j], digest[2j+1] (ds_prompt_digest) */
  double *weight;
  uint32_t *sample_begin;    /* samples of prefix j: [sample_begin[j], sample_begin[j+1]) */
  uint32_t *seg_begin;       /* segment ids of prefix j: seg_ids[seg_begin[j] .. seg_begin[j+1]) */
  uint32_t *seg_ids;
  /* segments: (key, value) groups; value NULL when a prefix lacks the key */
  size_t n_segments;
  char **seg_key, **seg_value;
  /* samples, grouped by prefix and ordered by k */
  size_t n_samples;
  int32_t *sample_k;
  uint8_t *sample_ok;
  /* categories and labels (n_samples x n_categories, sample-major) */
  size_t n_categories;
  char **category;
  int8_t *labels;
  uint64_t n_failed;
};

void run_data_free(struct run_data *r);
/* The hash of the string maps and of prefix keys. */
uint64_t stats_key_hash(const char *key, size_t len);
/* ds_prompt_digest's 32 hex digits -> two words; false when it is not that. */
bool stats_digest_parse(const char *hex, uint64_t out[2]);
/* Loads a graded run: rubric by sha256 (or unique prefix of it), NULL = most recent. */
enum ds_status run_data_load(const char *path, const char *rubric, struct run_data **out, struct ds_err *err);
/* Parses a rubric body (YAML) into [{id,title,severity}]. */
enum ds_status stats_rubric_categories(const char *body, size_t len, json_t **out, struct ds_err *err);

/* The computed estimate: per category a total accumulator and one per segment. */
struct run_totals {
  size_t n_categories, n_segments;
  struct ds_prop_acc *total;   /* [n_categories] */
  struct ds_prop_acc *segment; /* [n_categories * n_segments] */
};
enum ds_status run_totals_compute(const struct run_data *r, struct run_totals *out, struct ds_err *err);
void run_totals_release(struct run_totals *t);

/* How the prefixes of two runs were paired (pair.c). */
struct run_pairing {
  uint64_t cand_prefixes;   /* prefixes of the candidate with samples */
  uint64_t common;          /* ... whose conv_id#cut is in the baseline too */
  uint64_t matched;         /* ... holding the same prompt (digest): the pairs compared */
  uint64_t mismatched;      /* ... holding another prompt: refused, or left out (drop) */
  char example[160];        /* the key of one mismatched prefix */
  bool same_corpus;         /* equal corpus_sha256 in both runs' meta */
  const char *cand_corpus, *base_corpus; /* borrowed from the runs' meta, or NULL */
};

/* Paired accumulators of candidate vs baseline, per candidate category (baseline matched by
 * conv_id#cut and k; missing categories get an empty accumulator). Only prefixes holding the same
 * prompt in both runs are paired: others fail the call (DS_E_MISMATCH, naming how many and one)
 * or, with DS_PAIR_MISMATCH_DROP, are left out and counted. No prefix in common: DS_E_MISMATCH. */
enum ds_status run_pair_compute(const struct run_data *cand, const struct run_data *base, enum ds_pair_mismatch policy,
                                struct ds_pair_acc **out_pairs, struct run_pairing *out_info, struct ds_err *err);
/* The forecast's "pairing" object, and one category's "comparison" object. */
json_t *stats_pairing_json(const struct run_pairing *info, enum ds_pair_mismatch policy);
json_t *stats_pair_json(const struct ds_pair_acc *a, double confidence);

/* Builds the forecast document. base, base_totals and pairs may be NULL; calibration may be NULL. */
enum ds_status stats_forecast_build(const struct run_data *cand, const struct run_totals *ct,
                                    const struct run_data *base, const struct run_totals *bt,
                                    const struct ds_pair_acc *pairs, const json_t *calibration,
                                    double confidence, json_t **out, struct ds_err *err);

#endif
