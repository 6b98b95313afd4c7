/* test_stats.c: intervals against published values (Newcombe 1998), paired test, correction,
 * planning, and coverage by simulation (fixed seed): simple, clustered and weighted samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "base/base.h"
#include "depsim/stats.h"
#include "stats/run_data.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
 * methods. Stat Med 1998;17:857-872, Table II (95% intervals, methods 3 = Wilson score without
 * continuity correction and 5 = exact Clopper-Pearson), for 81/263, 15/148, 0/20 and 1/29. */
static void wilson_matches_newcombe_1998(void **state) {
  (void)state;
  double lo, hi;
  assert_int_equal(ds_stats_wilson(81, 263, 0.95, &lo, &hi), DS_OK);
  NEAR(lo, 0.2553, 5e-5);
  NEAR(hi, 0.3662, 5e-5);
  ds_stats_wilson(15, 148, 0.95, &lo, &hi);
  NEAR(lo, 0.0624, 5e-5);
  NEAR(hi, 0.1605, 5e-5);
  ds_stats_wilson(0, 20, 0.95, &lo, &hi);
  NEAR(lo, 0.0, 1e-12);
  NEAR(hi, 0.1611, 5e-5);
  ds_stats_wilson(1, 29, 0.95, &lo, &hi);
  NEAR(lo, 0.0061, 5e-5);
  NEAR(hi, 0.1718, 5e-5);
  assert_int_equal(ds_stats_wilson(3, 2, 0.95, &lo, &hi), DS_E_INVALID);
  assert_int_equal(ds_stats_wilson(1, 0, 0.95, &lo, &hi), DS_E_INVALID);
  assert_int_equal(ds_stats_wilson(1, 10, 1.0, &lo, &hi), DS_E_INVALID);
}

static void clopper_pearson_matches_newcombe_1998(void **state) {
  (void)state;
  double lo, hi;
  ds_stats_clopper_pearson(81, 263, 0.95, &lo, &hi);
  NEAR(lo, 0.2527, 5e-5);
  NEAR(hi, 0.3676, 5e-5);
  ds_stats_clopper_pearson(15, 148, 0.95, &lo, &hi);
  NEAR(lo, 0.0578, 5e-5);
  NEAR(hi, 0.1617, 5e-5);
  ds_stats_clopper_pearson(1, 29, 0.95, &lo, &hi);
  NEAR(lo, 0.0009, 5e-5);
  NEAR(hi, 0.1776, 5e-5);
  /* 0/20: Newcombe's two-sided exact upper limit 0.1684 is the one-sided 97.5% bound; depsim
   * reports zero events with the one-sided bound at the stated level (rule of three) */
  NEAR(ds_stats_floor(20, 0.975), 0.1684, 5e-5);
  ds_stats_clopper_pearson(0, 20, 0.95, &lo, &hi);
  NEAR(lo, 0.0, 1e-12);
  NEAR(hi, 1 - pow(0.05, 1.0 / 20), 1e-12);
  /* x = n mirrors x = 0 */
  ds_stats_clopper_pearson(20, 20, 0.95, &lo, &hi);
  NEAR(lo, pow(0.05, 1.0 / 20), 1e-12);
  NEAR(hi, 1, 0);
}

static void floor_is_about_three_over_n(void **state) {
  (void)state;
  /* exact: 1 - 0.05^(1/N); the rule of three is its approximation */
  NEAR(ds_stats_floor(1000, 0.95), 0.0029912, 1e-7);
  NEAR(ds_stats_floor(1e6, 0.95) * 1e6, 2.995732, 1e-5);
  NEAR(ds_stats_z(0.95), 1.959964, 1e-6);
  NEAR(ds_stats_z(0.99), 2.575829, 1e-6);
}

static void mcnemar_exact_known_values(void **state) {
  (void)state;
  /* 2 * P(Bin(10, 1/2) <= 1) = 2 * 11/1024 */
  NEAR(ds_stats_mcnemar_exact(1, 9), 22.0 / 1024, 1e-12);
  NEAR(ds_stats_mcnemar_exact(9, 1), 22.0 / 1024, 1e-12);
  NEAR(ds_stats_mcnemar_exact(5, 5), 1.0, 1e-12);
  NEAR(ds_stats_mcnemar_exact(0, 0), 1.0, 0);
  /* 2 * P(Bin(6,1/2) <= 0) = 2/64 */
  NEAR(ds_stats_mcnemar_exact(0, 6), 2.0 / 64, 1e-12);
}

static void rogan_gladen_known_value(void **state) {
  (void)state;
  double r, lo, hi;
  /* observed 0.10 (interval 0.08-0.12), se 0.9, sp 0.95: true = 0.05/0.85 */
  assert_int_equal(ds_stats_rogan_gladen(0.10, 0.08, 0.12, 0.9, 0.95, 200, 800, 0.95, &r, &lo, &hi), DS_OK);
  NEAR(r, 0.05 / 0.85, 1e-12);
  /* the corrected interval is wider than the observed one rescaled: calibration adds variance */
  assert_true(hi - lo > 0.04 / 0.85);
  assert_true(lo < r && r < hi);
  /* observed below the false-positive rate: clamped to 0 */
  ds_stats_rogan_gladen(0.01, 0.0, 0.02, 0.9, 0.95, 200, 800, 0.95, &r, &lo, &hi);
  NEAR(r, 0, 0);
  NEAR(lo, 0, 0);
  assert_int_equal(ds_stats_rogan_gladen(0.1, 0.08, 0.12, 0.5, 0.5, 100, 100, 0.95, &r, &lo, &hi), DS_E_INVALID);
}

static void plan_log_rate(void **state) {
  (void)state;
  double n;
  assert_int_equal(ds_stats_plan_n(0.001, 1.5, 0.95, &n), DS_OK);
  double z = 1.959963985, want = ceil(pow(z / log(1.5), 2) * 0.999 / 0.001);
  NEAR(n, want, 0);
  /* with that many samples, a rate of p observed gives an interval within [p/m, p*m] (Wilson) */
  double lo, hi;
  ds_stats_wilson(0.001 * n, n, 0.95, &lo, &hi);
  assert_true(hi / 0.001 < 1.5 * 1.01);
  assert_true(0.001 / lo < 1.5 * 1.05);
  assert_int_equal(ds_stats_plan_n(0, 1.5, 0.95, &n), DS_E_INVALID);
  assert_int_equal(ds_stats_plan_n(0.1, 1.0, 0.95, &n), DS_E_INVALID);
}

static void mult_error_and_quantile(void **state) {
  (void)state;
  NEAR(ds_stats_mult_error(0.02, 0.01, 1e-5, 1e-5), 2.0, 1e-12);
  NEAR(ds_stats_mult_error(0.01, 0.02, 1e-5, 1e-5), 2.0, 1e-12);
  NEAR(ds_stats_mult_error(0, 0.001, 0.0005, 1e-5), 2.0, 1e-12);
  NEAR(ds_stats_mult_error(0, 0, 0.001, 0.001), 1.0, 0);
  double v[] = {4, 1, 3, 2, 5};
  NEAR(ds_stats_quantile(v, 5, 0.5), 3, 0);
  NEAR(ds_stats_quantile(v, 5, 0.9), 4.6, 1e-12);
  assert_true(isnan(ds_stats_quantile(v, 0, 0.5)));
}

/* A simple sample (one per prefix, equal weights) gives the same estimate through the
 * accumulator as through the direct formulas; zero events report the floor as text. */
static void estimate_simple_and_zero(void **state) {
  (void)state;
  struct ds_prop_acc a = {0};
  for (int i = 0; i < 1000; i++) ds_prop_acc_add(&a, 2.0, 1, i < 20);
  struct ds_prop_est e;
  ds_prop_estimate(&a, 0.95, &e);
  double lo, hi;
  ds_stats_wilson(20, 1000, 0.95, &lo, &hi);
  assert_int_equal(e.method, DS_INTERVAL_WILSON);
  NEAR(e.rate, 0.02, 1e-12);
  NEAR(e.lower, lo, 1e-12);
  NEAR(e.upper, hi, 1e-12);
  struct ds_prop_acc z = {0};
  for (int i = 0; i < 1000; i++) ds_prop_acc_add(&z, 1.0, 1, 0);
  ds_prop_estimate(&z, 0.95, &e);
  assert_true(e.zero_events);
  NEAR(e.upper, ds_stats_floor(1000, 0.95), 1e-12);
  char text[128];
  ds_prop_text(&e, 0.95, text, sizeof text);
  assert_string_equal(text, "below the detection floor (< 299 per 100k)");
  /* zero events over 200 prefixes x 5 samples: the floor counts prefixes, not samples */
  struct ds_prop_acc c = {0};
  for (int i = 0; i < 200; i++) ds_prop_acc_add(&c, 1.0, 5, 0);
  ds_prop_estimate(&c, 0.95, &e);
  NEAR(e.upper, ds_stats_floor(200, 0.95), 1e-12);
  /* few events: exact */
  struct ds_prop_acc f = {0};
  for (int i = 0; i < 500; i++) ds_prop_acc_add(&f, 1.0, 1, i < 3);
  ds_prop_estimate(&f, 0.95, &e);
  assert_int_equal(e.method, DS_INTERVAL_CLOPPER_PEARSON);
  double clo, chi;
  ds_stats_clopper_pearson(3, 500, 0.95, &clo, &chi);
  NEAR(e.lower, clo, 0);
  NEAR(e.upper, chi, 0);
  ds_prop_text(&e, 0.95, text, sizeof text);
  char want[128];
  snprintf(want, sizeof want, "600 per 100k (95%% CI %.0f-%.0f)", clo * 1e5, chi * 1e5);
  assert_string_equal(text, want);
}

/* merging two shard accumulators equals accumulating everything in one */
static void accumulators_merge_exactly(void **state) {
  (void)state;
  struct ds_prop_acc all = {0}, a = {0}, b = {0};
  for (int i = 0; i < 300; i++) {
    double w = 1 + i % 3;
    uint32_t m = 1 + i % 4, e = (uint32_t)(i % 7 == 0) * (1 + i % 2);
    if (e > m) e = m;
    ds_prop_acc_add(&all, w, m, e);
    ds_prop_acc_add(i % 2 ? &a : &b, w, m, e);
  }
  ds_prop_acc_merge(&a, &b);
  struct ds_prop_est x, y;
  ds_prop_estimate(&all, 0.95, &x);
  ds_prop_estimate(&a, 0.95, &y);
  NEAR(x.rate, y.rate, 1e-12);
  NEAR(x.lower, y.lower, 1e-9);
  NEAR(x.upper, y.upper, 1e-9);
  assert_int_equal(x.n, y.n);
  assert_true(y.weighted && y.clustered);
}

/* ---- coverage by simulation -------------------------------------------------------------------- */

#define REPS 2000

static void coverage_simple(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20260301);
  /* p, n pairs spanning the Wilson and the exact regimes */
  static const double cases[][2] = {{0.02, 1000}, {0.005, 4000}, {0.1, 300}};
  for (size_t c = 0; c < DS_ARRAY_LEN(cases); c++) {
    double p = cases[c][0];
    unsigned n = (unsigned)cases[c][1];
    int cover = 0;
    for (int rep = 0; rep < REPS; rep++) {
      unsigned x = gsl_ran_binomial(r, p, n);
      struct ds_prop_acc a = {0};
      ds_prop_acc_add(&a, 1.0, 1, x ? 1 : 0);
      for (unsigned i = 1; i < n; i++) ds_prop_acc_add(&a, 1.0, 1, i < x);
      struct ds_prop_est e;
      ds_prop_estimate(&a, 0.95, &e);
      cover += e.lower <= p && p <= e.upper;
    }
    double cov = (double)cover / REPS;
    print_message("simple p=%g n=%u: coverage %.3f\n", p, n, cov);
    assert_true(cov >= 0.93 && cov <= 0.97);
  }
  gsl_rng_free(r);
}

/* K samples per prefix share a prefix-level rate drawn from Beta(a, b): intra-prefix
 * correlation rho = 1/(a+b+1). The design-based interval covers; the naive one does not. */
static void coverage_clustered(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  const double mean = 0.03, rho = 0.15;
  const double ab = 1 / rho - 1, a = mean * ab, b = (1 - mean) * ab;
  const int J = 1000, K = 5;
  int cover = 0, naive = 0;
  double deff = 0;
  for (int rep = 0; rep < REPS; rep++) {
    struct ds_prop_acc acc = {0};
    uint64_t events = 0;
    for (int j = 0; j < J; j++) {
      double pj = gsl_ran_beta(r, a, b);
      unsigned e = gsl_ran_binomial(r, pj, (unsigned)K);
      ds_prop_acc_add(&acc, 1.0, (uint32_t)K, e);
      events += e;
    }
    struct ds_prop_est e;
    ds_prop_estimate(&acc, 0.95, &e);
    cover += e.lower <= mean && mean <= e.upper;
    deff += isfinite(e.deff) ? e.deff : 1;
    double lo, hi;
    ds_stats_wilson((double)events, (double)J * K, 0.95, &lo, &hi);
    naive += lo <= mean && mean <= hi;
  }
  double cov = (double)cover / REPS, ncov = (double)naive / REPS;
  print_message("clustered: coverage %.3f (naive %.3f), mean design effect %.2f (theory %.2f)\n", cov, ncov,
                deff / REPS, 1 + (K - 1) * rho);
  assert_true(cov >= 0.93 && cov <= 0.97);
  assert_true(ncov < 0.92);
  NEAR(deff / REPS, 1 + (K - 1) * rho, 0.15);
  gsl_rng_free(r);
}

/* Stratified: 1000 samples from each of two strata of unequal size and rate; weights restore
 * the population mix. True rate = 0.9 * 0.01 + 0.1 * 0.10 = 0.019. */
static void coverage_weighted(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 99);
  const double share[2] = {0.9, 0.1}, rate[2] = {0.01, 0.10}, truth = 0.019;
  const int nh = 1000;
  int cover = 0, unweighted = 0;
  for (int rep = 0; rep < REPS; rep++) {
    struct ds_prop_acc acc = {0};
    uint64_t ev = 0;
    for (int h = 0; h < 2; h++) {
      double w = share[h] * 1e6 / nh;
      for (int i = 0; i < nh; i++) {
        uint32_t e = gsl_rng_uniform(r) < rate[h];
        ds_prop_acc_add(&acc, w, 1, e);
        ev += e;
      }
    }
    struct ds_prop_est e;
    ds_prop_estimate(&acc, 0.95, &e);
    cover += e.lower <= truth && truth <= e.upper;
    double lo, hi;
    ds_stats_wilson((double)ev, 2.0 * nh, 0.95, &lo, &hi);
    unweighted += lo <= truth && truth <= hi;
  }
  double cov = (double)cover / REPS;
  print_message("weighted: coverage %.3f (unweighted %.3f)\n", cov, (double)unweighted / REPS);
  assert_true(cov >= 0.93 && cov <= 0.97);
  assert_true((double)unweighted / REPS < 0.5);
  gsl_rng_free(r);
}

/* Weighted and clustered together: strata weights and K = 4 correlated samples per prefix. */
static void coverage_weighted_clustered(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 4242);
  const double share[2] = {0.8, 0.2}, rate[2] = {0.02, 0.08}, rho = 0.1;
  const double truth = 0.8 * 0.02 + 0.2 * 0.08;
  const int nh = 500, K = 4;
  int cover = 0;
  for (int rep = 0; rep < REPS; rep++) {
    struct ds_prop_acc acc = {0};
    for (int h = 0; h < 2; h++) {
      double ab = 1 / rho - 1, w = share[h] / nh;
      for (int i = 0; i < nh; i++) {
        double pj = gsl_ran_beta(r, rate[h] * ab, (1 - rate[h]) * ab);
        ds_prop_acc_add(&acc, w, (uint32_t)K, gsl_ran_binomial(r, pj, (unsigned)K));
      }
    }
    struct ds_prop_est e;
    ds_prop_estimate(&acc, 0.95, &e);
    cover += e.lower <= truth && truth <= e.upper;
  }
  double cov = (double)cover / REPS;
  print_message("weighted+clustered: coverage %.3f\n", cov);
  assert_true(cov >= 0.93 && cov <= 0.97);
  gsl_rng_free(r);
}

/* Paired: candidate and baseline labels on the same prefixes, correlated; the difference and
 * ratio intervals cover the true values, and a real change is called in its direction. */
static void coverage_paired(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 1234);
  /* joint cells: both 0.02, cand only 0.03, base only 0.01, neither 0.94 -> pc 0.05, pb 0.03 */
  const double p11 = 0.02, p10 = 0.03, p01 = 0.01, pc = 0.05, pb = 0.03;
  const int n = 3000;
  int cover_d = 0, cover_r = 0, up = 0;
  for (int rep = 0; rep < REPS; rep++) {
    struct ds_pair_acc a = {0};
    for (int i = 0; i < n; i++) {
      double u = gsl_rng_uniform(r);
      uint32_t c = u < p11 + p10, b = u < p11 || (u >= p11 + p10 && u < p11 + p10 + p01);
      ds_pair_acc_add(&a, 1.0, 1, c, b, c && b, c && !b, !c && b);
    }
    struct ds_pair_est e;
    ds_pair_estimate(&a, 0.95, &e);
    cover_d += e.diff_lower <= pc - pb && pc - pb <= e.diff_upper;
    cover_r += e.ratio_lower <= pc / pb && pc / pb <= e.ratio_upper;
    up += e.direction == DS_DIRECTION_UP;
  }
  print_message("paired: difference coverage %.3f, ratio coverage %.3f, called up %.3f\n", (double)cover_d / REPS,
                (double)cover_r / REPS, (double)up / REPS);
  assert_true((double)cover_d / REPS >= 0.93 && (double)cover_d / REPS <= 0.97);
  assert_true((double)cover_r / REPS >= 0.93 && (double)cover_r / REPS <= 0.97);
  assert_true((double)up / REPS > 0.9);
  gsl_rng_free(r);
}

/* no change: the direction is rarely (about alpha of the time, or less) called */
static void paired_no_change_is_rarely_called(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 55);
  int called = 0;
  for (int rep = 0; rep < REPS; rep++) {
    struct ds_pair_acc a = {0};
    for (int i = 0; i < 2000; i++) {
      double u = gsl_rng_uniform(r);
      uint32_t c = u < 0.04, b = u < 0.02 || (u >= 0.04 && u < 0.06);
      ds_pair_acc_add(&a, 1.0, 1, c, b, c && b, c && !b, !c && b);
    }
    struct ds_pair_est e;
    ds_pair_estimate(&a, 0.95, &e);
    called += e.direction != DS_DIRECTION_NONE;
  }
  print_message("paired, no change: direction called %.3f\n", (double)called / REPS);
  assert_true((double)called / REPS <= 0.06);
  gsl_rng_free(r);
}

/* identical labels in both runs: no discordant pair, yet the intervals are not a point */
static void paired_without_discordance_has_width(void **state) {
  (void)state;
  struct ds_pair_acc a = {0};
  for (int i = 0; i < 1000; i++) ds_pair_acc_add(&a, 1.0, 1, i < 50, i < 50, i < 50, 0, 0);
  struct ds_pair_est e;
  ds_pair_estimate(&a, 0.95, &e);
  double u = ds_stats_floor(1000, 0.95);
  NEAR(e.diff, 0, 0);
  NEAR(e.diff_lower, -u, 1e-15);
  NEAR(e.diff_upper, u, 1e-15);
  NEAR(e.ratio, 1, 1e-15);
  NEAR(e.ratio_upper, 1 + u / 0.05, 1e-12);
  assert_int_equal(e.direction, DS_DIRECTION_NONE);
}

/* One method gives the ratio interval, the difference interval and the direction, so they never
 * disagree (before, "8 (0.995-64.3) up" was possible): over every small 2x2 table of simple pairs
 * and over random clustered, weighted ones, "up" exactly when the ratio's lower bound is above 1
 * and the difference's above 0 ("down" likewise), and the point ratio inside its interval. */
static void check_agree(const struct ds_pair_est *e, const char *what) {
  bool up = e->direction == DS_DIRECTION_UP, down = e->direction == DS_DIRECTION_DOWN;
  if (up != (e->diff_lower > 0) || down != (e->diff_upper < 0))
    fail_msg("%s: difference [%g, %g] but direction %s", what, e->diff_lower, e->diff_upper, ds_direction_name(e->direction));
  if (isfinite(e->ratio) && (up != (e->ratio_lower > 1) || down != (e->ratio_upper < 1)))
    fail_msg("%s: ratio %g (%g-%g) but direction %s", what, e->ratio, e->ratio_lower, e->ratio_upper,
             ds_direction_name(e->direction));
  if (isfinite(e->ratio) && !(e->ratio_lower <= e->ratio && e->ratio <= e->ratio_upper))
    fail_msg("%s: ratio %g outside (%g-%g)", what, e->ratio, e->ratio_lower, e->ratio_upper);
}

static void paired_ratio_and_direction_agree(void **state) {
  (void)state;
  char what[128];
  for (unsigned n11 = 0; n11 <= 12; n11++)
    for (unsigned b = 0; b <= 25; b++)
      for (unsigned c = 0; c <= 25; c++) {
        struct ds_pair_acc a = {0};
        unsigned n = 300;
        for (unsigned i = 0; i < n; i++) {
          bool cc = i < n11 + b, bb = i < n11 || (i >= n11 + b && i < n11 + b + c);
          ds_pair_acc_add(&a, 1.0, 1, cc, bb, cc && bb, cc && !bb, !cc && bb);
        }
        struct ds_pair_est e;
        ds_pair_estimate(&a, 0.95, &e);
        snprintf(what, sizeof what, "both %u, candidate only %u, baseline only %u", n11, b, c);
        check_agree(&e, what);
        /* the exact test and the direction: never a direction McNemar would not call */
        if (e.direction != DS_DIRECTION_NONE && !(e.mcnemar_p < 0.05)) fail_msg("%s: direction with p %g", what, e.mcnemar_p);
      }
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 99);
  for (int rep = 0; rep < 2000; rep++) {
    struct ds_pair_acc a = {0};
    unsigned J = 5 + (unsigned)gsl_rng_uniform_int(r, 200), K = 1 + (unsigned)gsl_rng_uniform_int(r, 4);
    double pc = gsl_rng_uniform(r) * 0.2, pb = gsl_rng_uniform(r) * 0.2;
    for (unsigned j = 0; j < J; j++) {
      uint32_t m = K, cs = 0, bs = 0, both = 0, co = 0, bo = 0;
      for (unsigned k = 0; k < K; k++) {
        bool cc = gsl_rng_uniform(r) < pc, bb = gsl_rng_uniform(r) < pb;
        cs += cc, bs += bb, both += cc && bb, co += cc && !bb, bo += !cc && bb;
      }
      ds_pair_acc_add(&a, rep % 2 ? 1.0 : 0.5 + gsl_rng_uniform(r), m, cs, bs, both, co, bo);
    }
    struct ds_pair_est e;
    ds_pair_estimate(&a, 0.95, &e);
    snprintf(what, sizeof what, "clustered draw %d", rep);
    check_agree(&e, what);
  }
  gsl_rng_free(r);
}

static void rubric_categories_from_yaml(void **state) {
  (void)state;
  const char *y = "name: t\ncategories:\n  - id: a\n    title: Alpha\n    severity: high\n    graders: [{type: rule}]\n"
                  "  - {id: b}\n";
  json_t *out = NULL;
  assert_int_equal(stats_rubric_categories(y, strlen(y), &out, NULL), DS_OK);
  assert_int_equal(json_array_size(out), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "title")), "Alpha");
  assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "severity")), "high");
  assert_true(json_is_null(json_object_get(json_array_get(out, 1), "severity")));
  json_decref(out);
  struct ds_err err = {0};
  const char *bad = "categories: [\n  {id: a\n";
  assert_int_equal(stats_rubric_categories(bad, strlen(bad), &out, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "line"));
}

int main(void) {
  struct ds_err err;
  ds_init(&err);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(wilson_matches_newcombe_1998),
      cmocka_unit_test(clopper_pearson_matches_newcombe_1998),
      cmocka_unit_test(floor_is_about_three_over_n),
      cmocka_unit_test(mcnemar_exact_known_values),
      cmocka_unit_test(rogan_gladen_known_value),
      cmocka_unit_test(plan_log_rate),
      cmocka_unit_test(mult_error_and_quantile),
      cmocka_unit_test(estimate_simple_and_zero),
      cmocka_unit_test(accumulators_merge_exactly),
      cmocka_unit_test(coverage_simple),
      cmocka_unit_test(coverage_clustered),
      cmocka_unit_test(coverage_weighted),
      cmocka_unit_test(coverage_weighted_clustered),
      cmocka_unit_test(coverage_paired),
      cmocka_unit_test(paired_no_change_is_rarely_called),
      cmocka_unit_test(paired_without_discordance_has_width),
      cmocka_unit_test(paired_ratio_and_direction_agree),
      cmocka_unit_test(rubric_categories_from_yaml),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
