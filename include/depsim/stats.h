/* stats.h: rate estimation with honest uncertainty: binomial intervals (Wilson, Clopper-Pearson),
 * design-based intervals for clustered and weighted samples, paired comparison with a baseline,
 * judge-error correction, sample-size planning, and forecast validation. Pure functions are
 * thread-safe; handles are used from one thread. See docs/internals/stats.md. */
#ifndef DEPSIM_STATS_H
#define DEPSIM_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- intervals on a proportion -------------------------------------------------------------- */

/* Two-sided normal quantile for a confidence level in (0,1): 1.959964 for 0.95. */
DS_API double ds_stats_z(double confidence);

/* Wilson score interval for x events in n trials (x, n may be fractional effective counts).
 * DS_E_INVALID when n <= 0, x < 0, x > n or confidence is outside (0,1). */
DS_API enum ds_status ds_stats_wilson(double x, double n, double confidence, double *out_lower,
                                      double *out_upper);

/* Exact Clopper-Pearson interval from Beta quantiles (fractional x, n allowed, as in
 * Korn-Graubard). With x == 0 the upper bound is the one-sided bound 1 - (1-c)^(1/n) (the
 * "rule of three": about 3/n at 95%) and the lower bound is 0. */
DS_API enum ds_status ds_stats_clopper_pearson(double x, double n, double confidence, double *out_lower,
                                               double *out_upper);

/* The detection floor: the upper bound with zero events in n (one-sided, exact). */
DS_API double ds_stats_floor(double n, double confidence);

/* ---- a proportion from clustered, weighted observations ------------------------------------- */

/* Streaming accumulator: one call per cluster (prefix) with its weight, the number of labelled
 * samples m and the number of events e among them. Additive: accumulators of shards merge. */
struct ds_prop_acc {
  double sw_e, sw_m;            /* sum of w*e and of w*m */
  double s_ee, s_em, s_mm;      /* sums of (w e)^2, (w e)(w m), (w m)^2 */
  uint64_t events, n, clusters; /* raw counts */
  uint64_t grader_errors, missing;
  double w_first;               /* weight of the first cluster, to detect unequal weights */
  bool weighted, clustered;
};

DS_API void ds_prop_acc_add(struct ds_prop_acc *a, double w, uint32_t m, uint32_t e);
DS_API void ds_prop_acc_merge(struct ds_prop_acc *into, const struct ds_prop_acc *from);

enum ds_interval_method {
  DS_INTERVAL_WILSON = 0,
  DS_INTERVAL_CLOPPER_PEARSON = 1,
  DS_INTERVAL_DESIGN_WILSON = 2,         /* Wilson on the design-effective n */
  DS_INTERVAL_DESIGN_CLOPPER_PEARSON = 3 /* Korn-Graubard: Clopper-Pearson on the effective n */
};
DS_API const char *ds_interval_method_name(enum ds_interval_method m);

/* Counts at or above which Wilson is used; below (events or non-events), exact Clopper-Pearson. */
#define DS_STATS_EXACT_BELOW 10

struct ds_prop_est {
  uint64_t events, n, clusters, grader_errors, missing;
  double rate, lower, upper;   /* NaN rate/bounds when n == 0 */
  double eff_n;                /* effective sample size (n when simple) */
  double deff;                 /* design effect; NaN when not defined (zero events, simple) */
  double floor;                /* upper bound had zero events been seen (on eff_n) */
  bool zero_events, weighted, clustered;
  enum ds_interval_method method;
};

/* Rate and interval from an accumulator. Simple counts (equal weights, one sample per cluster):
 * Wilson, or Clopper-Pearson when events or non-events < DS_STATS_EXACT_BELOW. Otherwise the
 * ratio estimator sum(w e)/sum(w m) with a linearized, cluster-robust variance, turned into an
 * effective n (Korn-Graubard, with a t(df = clusters-1) adjustment) fed to the same intervals.
 * Zero events: the effective n is the Kish size of the cluster totals (conservative). */
DS_API void ds_prop_estimate(const struct ds_prop_acc *a, double confidence, struct ds_prop_est *out);

/* "30 per 100k (95% CI 6-90)" or "below the detection floor (< 30 per 100k)" into out. */
DS_API void ds_prop_text(const struct ds_prop_est *e, double confidence, char *out, size_t out_len);

/* ---- paired comparison ---------------------------------------------------------------------- */

/* Exact two-sided McNemar p-value from the discordant counts b (candidate only) and c (baseline
 * only): 2 * P(Bin(b+c, 1/2) <= min(b,c)), capped at 1. */
DS_API double ds_stats_mcnemar_exact(uint64_t b, uint64_t c);

/* Paired accumulator: one call per cluster with weight, m pairs, candidate events c, baseline
 * events b, and the discordant counts among its pairs. */
struct ds_pair_acc {
  double sw_m, sw_c, sw_b;
  double s_cc, s_bb, s_mm, s_cb, s_cm, s_bm;
  uint64_t pairs, clusters, both, cand_only, base_only;
  bool weighted, clustered;
  double w_first;
};
DS_API void ds_pair_acc_add(struct ds_pair_acc *a, double w, uint32_t m, uint32_t c, uint32_t b,
                            uint32_t both, uint32_t cand_only, uint32_t base_only);

enum ds_direction { DS_DIRECTION_NONE = 0, DS_DIRECTION_UP = 1, DS_DIRECTION_DOWN = 2 };
DS_API const char *ds_direction_name(enum ds_direction d); /* "up", "down", "no detectable change" */

struct ds_pair_est {
  uint64_t pairs, clusters, both, cand_only, base_only, neither;
  double cand_rate, base_rate;
  double mcnemar_p;
  double diff, diff_lower, diff_upper;
  double ratio, ratio_lower, ratio_upper; /* NaN when both runs have zero events */
  bool ratio_corrected;                   /* 0.5 added to a zero count */
  bool exact_test;                        /* direction from exact McNemar (simple pairs) */
  enum ds_direction direction;
};
/* Difference, ratio and direction from one method each (docs/internals/stats.md), so that they
 * never disagree: direction "up" exactly when the difference interval is above 0 and the ratio
 * interval above 1. Simple pairs: the hull of the exact conditional interval (Clopper-Pearson on
 * the discordant split, the exact McNemar test's own) and the large-sample one; clustered or
 * weighted: the linearized cluster-robust difference and Fieller's ratio on the same variance.
 * ratio_upper is INFINITY when the baseline rate cannot be told from 0. */
DS_API void ds_pair_estimate(const struct ds_pair_acc *a, double confidence, struct ds_pair_est *out);

/* ---- pairing two runs ------------------------------------------------------------------------ */

/* The digest that pairs prefixes of two runs: SHA-256 of the prefix's messages as replay stores
 * them (compact JSON) and its tools (canonical JSON, or nothing), "\n" between; 32 hex digits
 * (128 bits) and a NUL in out. Replay stores it per prefix (prefixes.digest). */
DS_API void ds_prompt_digest(const char *messages, size_t messages_len, const char *tools, char out[33]);

/* Prefixes that are in both runs (same conv_id#cut) but hold different prompts. */
enum ds_pair_mismatch {
  DS_PAIR_MISMATCH_FAIL = 0, /* refuse the comparison (DS_E_MISMATCH), naming how many and one */
  DS_PAIR_MISMATCH_DROP = 1, /* compare the matching prefixes only and say how many were left out */
};

/* Pairs a graded run with a baseline run (the comparison estimate and report show): prompts
 * checked by digest, the policy above, runs of different corpora said plainly. *out_json
 * (ds_malloc'ed): {"pairing": {candidate_prefixes, common, matched, left_out, example_mismatch,
 * policy, same_corpus, candidate_corpus_sha256, baseline_corpus_sha256},
 * "categories": {id: {n_pairs, both, candidate_only, baseline_only, neither, candidate_rate,
 * baseline_rate, mcnemar_p, difference(_lower/_upper), ratio(_lower/_upper), ratio_note,
 * direction, direction_test}}}, categories graded in both runs. */
struct ds_pair_params {
  const char *run_path, *baseline_path;     /* required */
  const char *rubric, *baseline_rubric;     /* sha256 or unique prefix; NULL: the most recent */
  double confidence;                        /* 0.95 */
  enum ds_pair_mismatch on_mismatch;
  const struct ds_log *log;                 /* warnings; may be NULL */
};
DS_API enum ds_status ds_pair_runs(const struct ds_pair_params *p, char **out_json, struct ds_err *err);

/* ---- judge error correction ----------------------------------------------------------------- */

/* Rogan-Gladen: true = (observed + sp - 1) / (se + sp - 1), clamped to [0,1]. The interval adds
 * the calibration variances se(1-se)/n_pos and sp(1-sp)/n_neg to the observed estimate's
 * variance (taken from its interval) by the delta method. DS_E_INVALID when se + sp <= 1. */
DS_API enum ds_status ds_stats_rogan_gladen(double observed, double obs_lower, double obs_upper, double se,
                                            double sp, double n_pos, double n_neg, double confidence,
                                            double *out_rate, double *out_lower, double *out_upper);

/* ---- planning -------------------------------------------------------------------------------- */

/* Prefixes needed so that a rate p is estimated within a multiplicative error m (the interval
 * lies within [p/m, p*m]) at the given confidence: the log-rate has standard error
 * sqrt((1-p)/(n p)), so n = (z / ln m)^2 (1 - p) / p, rounded up. DS_E_INVALID on bad input. */
DS_API enum ds_status ds_stats_plan_n(double p, double m, double confidence, double *out_n);

/* ---- sequential decisions: anytime-valid confidence sequences (lib/stats/sequential.c) -------- */

/* The Beta(a, b) mixing distribution of the Beta-binomial mixture martingale. */
struct ds_cs_prior {
  double a, b;
};
/* The prior used for a decision about a limit: mean at the limit, a = 1. */
DS_API void ds_cs_prior_for(double limit, struct ds_cs_prior *out);

/* Confidence sequence for a Bernoulli rate after `events` in n independent draws: the p with
 * M_n(p) = [B(a+S, b+n-S) / B(a,b)] / [p^S (1-p)^(n-S)] < 1/alpha. Under the true p, M_n is a
 * nonnegative martingale of mean 1, so (Ville's inequality) the true p lies in the intervals of
 * every n at once with probability >= 1 - alpha: looking after every sample and stopping at any
 * time keeps the error rate. n = 0 gives [0, 1]. DS_E_INVALID on bad arguments. */
DS_API enum ds_status ds_cs_bernoulli(uint64_t events, uint64_t n, double alpha, const struct ds_cs_prior *prior,
                                      double *out_lower, double *out_upper);
/* log M_n(p): the sequence excludes p once this reaches log(1/alpha). */
DS_API double ds_cs_bernoulli_log_m(uint64_t events, uint64_t n, double p, const struct ds_cs_prior *prior);

/* Where an interval lies against a limit: entirely below, entirely above, or open. */
enum ds_seq_side { DS_SEQ_OPEN = 0, DS_SEQ_BELOW = 1, DS_SEQ_ABOVE = 2 };
DS_API const char *ds_seq_side_name(enum ds_seq_side s); /* "open", "below", "above" */
DS_API enum ds_seq_side ds_cs_side(double lower, double upper, double limit);

/* Paired sequential test of the ratio candidate rate / baseline rate against r, one pair of
 * labels at a time (in a random order of pairs): two betting martingales on Z = x - r y, each
 * the average over a fixed grid of DS_SEQ_RATIO_GRID bets. ABOVE: ratio > r shown at level
 * alpha/2; BELOW: ratio < r at alpha/2; valid under continuous monitoring. */
#define DS_SEQ_RATIO_GRID 8
struct ds_seq_ratio {
  double r;
  double log_up[DS_SEQ_RATIO_GRID], log_down[DS_SEQ_RATIO_GRID];
  uint64_t pairs;
};
DS_API void ds_seq_ratio_init(struct ds_seq_ratio *s, double r);
DS_API void ds_seq_ratio_add(struct ds_seq_ratio *s, bool cand, bool base);
/* The same as `count` calls of ds_seq_ratio_add with these labels: each bet's evidence is a sum
 * over pairs, so a 2x2 table of pairs (both, candidate only, baseline only, neither) gives the
 * evidence of its pairs taken in any order. */
DS_API void ds_seq_ratio_add_n(struct ds_seq_ratio *s, bool cand, bool base, uint64_t count);
/* out_log_up / out_log_down (may be NULL): log of each side's evidence (reject at log(2/alpha)). */
DS_API enum ds_seq_side ds_seq_ratio_side(const struct ds_seq_ratio *s, double alpha, double *out_log_up,
                                          double *out_log_down);

/* ---- validation of a forecast against what production showed --------------------------------- */

/* Multiplicative error max(p/q, q/p); a zero on either side is replaced by zero_p / zero_q
 * (e.g. half an event, 0.5/n). Both zero (after replacement equal) gives 1. */
DS_API double ds_stats_mult_error(double p, double q, double zero_p, double zero_q);

/* Quantile (linear interpolation, type 7) of v[0..n-1]; v is sorted in place. NaN when n == 0. */
DS_API double ds_stats_quantile(double *v, size_t n, double q);


/* ---- estimate: run database(s) -> forecast.json ----------------------------------------------- */

struct ds_estimate_params {
  const char *run_path;         /* the candidate run (required) */
  const char *baseline_path;    /* NULL: no comparison */
  const char *rubric;           /* rubric sha256 or unique prefix; NULL: the most recent */
  const char *baseline_rubric;  /* NULL: the baseline's most recent */
  const char *calibration_path; /* JSON {category: {sensitivity, specificity, n_pos, n_neg}} */
  double confidence;            /* 0.95 */
  enum ds_pair_mismatch pair_mismatch; /* with a baseline: prefixes whose prompts differ */
  const struct ds_log *log;     /* warnings; may be NULL */
};
DS_API void ds_estimate_params_init(struct ds_estimate_params *p);

/* Computes the forecast (docs/internals/forecast.md) into *out_json (ds_malloc'ed, indented
 * JSON text, caller ds_free()s). Errors name the file and the reason. */
DS_API enum ds_status ds_estimate_run(const struct ds_estimate_params *p, char **out_json, struct ds_err *err);

/* ---- validate: forecast vs what production showed --------------------------------------------- */

struct ds_validate_params {
  const char *forecast_path;    /* forecast.json (required) */
  const char *observed_path;    /* run.db, {category: rate} JSON, forecast.json, or a corpus whose
                                 * assistant messages carry "moderation" labels (required) */
  const char *previous_path;    /* previous production rates (same kinds); NULL: none */
  const char *challenging_path; /* challenging-prompts baseline (same kinds); NULL: none */
  double change_factor;         /* a category "changed" when observed/previous >= this (1.5) */
  double zero_floor;            /* rate that replaces a zero when a source has no n (1e-5) */
  double confidence;            /* used when a run.db is estimated (0.95) */
  const struct ds_log *log;
};
DS_API void ds_validate_params_init(struct ds_validate_params *p);
/* Writes validation.json text into *out_json (caller ds_free()s). */
DS_API enum ds_status ds_validate_run(const struct ds_validate_params *p, char **out_json, struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
