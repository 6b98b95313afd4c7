/* test_sequential.c: the anytime-valid statistics of runs that stop once the decision is known,
 * proved by seeded simulation: coverage of the Beta-binomial confidence sequence under
 * continuous monitoring over 10,000 runs, the stopped decision against the full run's on clear
 * and borderline cases, and the paired ratio test's error rate and decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "base/base.h"
#include "depsim/stats.h"

static uint64_t rng = 0x5eed5eedULL;
static double u01(void) {
  rng = ds_mix64(rng);
  return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}
static bool draw(double p) { return u01() < p; }

/* The interval is {p : log M_n(p) < log(1/alpha)}, holds the observed rate, and is wider than
 * the fixed-n exact interval (the price of looking at every n). */
static void interval_is_the_sublevel_set(void **state) {
  (void)state;
  struct ds_cs_prior pr;
  ds_cs_prior_for(0.05, &pr);
  double t = log(20), lo, hi, clo, chi;
  const uint64_t cases[][2] = {{0, 10}, {3, 100}, {17, 400}, {120, 1000}, {1000, 1000}, {0, 5000}};
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    uint64_t s = cases[i][0], n = cases[i][1];
    assert_int_equal(ds_cs_bernoulli(s, n, 0.05, &pr, &lo, &hi), DS_OK);
    double phat = (double)s / (double)n;
    assert_true(lo <= phat && phat <= hi);
    if (lo > 0) assert_true(fabs(ds_cs_bernoulli_log_m(s, n, lo, &pr) - t) < 1e-6);
    if (hi < 1) assert_true(fabs(ds_cs_bernoulli_log_m(s, n, hi, &pr) - t) < 1e-6);
    if (lo > 1e-9) assert_true(ds_cs_bernoulli_log_m(s, n, lo * 0.99, &pr) >= t);
    if (hi < 1 - 1e-9) assert_true(ds_cs_bernoulli_log_m(s, n, hi + (1 - hi) * 0.01, &pr) >= t);
    ds_stats_clopper_pearson((double)s, (double)n, 0.95, &clo, &chi);
    assert_true(lo <= clo + 1e-12 && hi >= chi - 1e-12);
  }
  assert_int_equal(ds_cs_bernoulli(0, 0, 0.05, &pr, &lo, &hi), DS_OK);
  assert_true(lo == 0 && hi == 1);
  assert_int_equal(ds_cs_bernoulli(5, 4, 0.05, &pr, &lo, &hi), DS_E_INVALID);
  assert_int_equal(ds_cs_bernoulli(1, 4, 1.5, &pr, &lo, &hi), DS_E_INVALID);
  assert_int_equal(ds_cs_side(0.01, 0.04, 0.05), DS_SEQ_BELOW);
  assert_int_equal(ds_cs_side(0.06, 0.09, 0.05), DS_SEQ_ABOVE);
  assert_int_equal(ds_cs_side(0.01, 0.09, 0.05), DS_SEQ_OPEN);
}

/* 10,000 runs of 1,000 draws each, the sequence checked after every draw: the true rate must
 * stay inside at every n in at least 95% of the runs (Ville: at least 1 - alpha). */
static void coverage_under_continuous_monitoring(void **state) {
  (void)state;
  const double truth[] = {0.02, 0.05, 0.3};
  struct ds_cs_prior pr;
  ds_cs_prior_for(0.05, &pr);
  double t = log(1 / 0.05);
  for (size_t c = 0; c < DS_ARRAY_LEN(truth); c++) {
    unsigned missed = 0;
    const unsigned runs = 10000, horizon = 1000;
    for (unsigned run = 0; run < runs; run++) {
      uint64_t s = 0;
      for (uint64_t n = 1; n <= horizon; n++) {
        s += draw(truth[c]);
        /* the true rate leaves the interval exactly when its log M reaches log(1/alpha) */
        if (ds_cs_bernoulli_log_m(s, n, truth[c], &pr) >= t) {
          missed++;
          break;
        }
      }
    }
    double coverage = 1 - (double)missed / runs;
    printf("# coverage at p = %.2f over %u runs of %u draws, checked after each: %.4f (nominal 0.95)\n", truth[c], runs,
           horizon, coverage);
    assert_true(coverage >= 0.95);
  }
}

/* The gate's fixed-n rule on the full run: pass when the exact upper bound is within the limit,
 * fail when the lower bound exceeds it, inconclusive otherwise. */
static enum ds_seq_side full_run_side(uint64_t events, uint64_t n, double limit) {
  double lo, hi;
  ds_stats_clopper_pearson((double)events, (double)n, 0.95, &lo, &hi);
  if (hi <= limit) return DS_SEQ_BELOW;
  if (events > 0 && lo > limit) return DS_SEQ_ABOVE;
  return DS_SEQ_OPEN;
}

struct stop_stats {
  unsigned runs, same, decided, max_n;
  double mean_n;
};

/* Runs that stop as soon as the sequence leaves the limit (checked after every sample), each
 * the first part of a full run of N samples in the same random order. */
static struct stop_stats simulate_stop(double p, double limit, unsigned N, unsigned runs) {
  struct ds_cs_prior pr;
  ds_cs_prior_for(limit, &pr);
  double t = log(20), total = 0;
  struct stop_stats out = {.runs = runs};
  for (unsigned run = 0; run < runs; run++) {
    uint64_t s = 0, n = 0;
    enum ds_seq_side side = DS_SEQ_OPEN;
    while (n < N) {
      s += draw(p);
      n++;
      if (ds_cs_bernoulli_log_m(s, n, limit, &pr) >= t) { /* limit outside: decided */
        side = (double)s < limit * (double)n ? DS_SEQ_BELOW : DS_SEQ_ABOVE;
        break;
      }
    }
    uint64_t all = s;
    for (uint64_t i = n; i < N; i++) all += draw(p); /* the rest of the full run */
    enum ds_seq_side full = full_run_side(all, N, limit);
    if (side != DS_SEQ_OPEN) out.decided++;
    if (side == full) out.same++;
    if (n > out.max_n) out.max_n = (unsigned)n;
    total += (double)n;
  }
  out.mean_n = total / runs;
  return out;
}

static void clear_cases_stop_early_with_the_same_decision(void **state) {
  (void)state;
  const struct {
    double limit, p;
    unsigned N;
  } cases[] = {{0.05, 0.025, 10000}, {0.05, 0.10, 10000}, {0.01, 0.005, 40000}, {0.01, 0.02, 40000}};
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    struct stop_stats s = simulate_stop(cases[i].p, cases[i].limit, cases[i].N, 1000);
    printf("# limit %.3f, true rate %.4f, full run %u: same decision %u/%u, mean %.0f samples (%.1fx fewer)\n",
           cases[i].limit, cases[i].p, cases[i].N, s.same, s.runs, s.mean_n, cases[i].N / s.mean_n);
    assert_true(s.same >= s.runs * 99 / 100);
    assert_true(s.mean_n * 3 <= cases[i].N);
  }
}

/* At the limit itself the decision may stay open: the run then takes no more than the full run. */
static void borderline_cases_take_no_more_than_the_full_run(void **state) {
  (void)state;
  struct stop_stats s = simulate_stop(0.05, 0.05, 4000, 500);
  printf("# limit 0.05, true rate 0.05, full run 4000: decided %u/%u, mean %.0f samples, max %u\n", s.decided, s.runs,
         s.mean_n, s.max_n);
  assert_true(s.max_n <= 4000);
  assert_true(s.mean_n <= 4000);
  /* deciding at the limit is an error, rarer than alpha */
  assert_true(s.decided <= s.runs * 5 / 100);
}

struct ratio_stats {
  unsigned above, below;
  double mean_n;
};

static struct ratio_stats simulate_ratio(double r, double pc, double pb, unsigned N, unsigned runs) {
  struct ratio_stats out = {0};
  double total = 0;
  for (unsigned run = 0; run < runs; run++) {
    struct ds_seq_ratio s;
    ds_seq_ratio_init(&s, r);
    enum ds_seq_side d = DS_SEQ_OPEN;
    unsigned n = 0;
    while (n < N && d == DS_SEQ_OPEN) {
      ds_seq_ratio_add(&s, draw(pc), draw(pb));
      n++;
      d = ds_seq_ratio_side(&s, 0.05, NULL, NULL);
    }
    if (d == DS_SEQ_ABOVE) out.above++;
    if (d == DS_SEQ_BELOW) out.below++;
    total += n;
  }
  out.mean_n = total / runs;
  return out;
}

/* Candidate rate exactly r times the baseline's: each side is rejected in at most alpha/2 of the
 * runs though the test looks after every pair; clear ratios are decided, and early. */
static void paired_ratio_test(void **state) {
  (void)state;
  struct ratio_stats h0 = simulate_ratio(1.5, 0.03, 0.02, 3000, 2000);
  printf("# ratio exactly 1.5, 2000 runs of 3000 pairs: above %u, below %u (each at most 50)\n", h0.above, h0.below);
  assert_true(h0.above <= 50 && h0.below <= 50);
  struct ratio_stats lo = simulate_ratio(1.5, 0.01, 0.02, 20000, 300);
  struct ratio_stats hi = simulate_ratio(1.5, 0.06, 0.02, 20000, 300);
  printf("# ratio 0.5 vs limit 1.5: below %u/300, mean %.0f pairs; ratio 3: above %u/300, mean %.0f pairs\n", lo.below,
         lo.mean_n, hi.above, hi.mean_n);
  assert_true(lo.below >= 297 && lo.above == 0 && lo.mean_n * 3 <= 20000);
  assert_true(hi.above >= 297 && hi.below == 0 && hi.mean_n * 3 <= 20000);
}

/* A 2x2 table of pairs gives the evidence of its pairs added one by one, in any order. */
static void ratio_from_counts(void **state) {
  (void)state;
  struct ds_seq_ratio one, table;
  ds_seq_ratio_init(&one, 1.5);
  ds_seq_ratio_init(&table, 1.5);
  uint64_t cell[4] = {0};
  for (int i = 0; i < 5000; i++) {
    bool c = draw(0.05), b = draw(0.03);
    ds_seq_ratio_add(&one, c, b);
    cell[(c ? 2 : 0) + (b ? 1 : 0)]++;
  }
  ds_seq_ratio_add_n(&table, true, true, cell[3]);
  ds_seq_ratio_add_n(&table, false, false, cell[0]);
  ds_seq_ratio_add_n(&table, true, false, cell[2]);
  ds_seq_ratio_add_n(&table, false, true, cell[1]);
  assert_int_equal(one.pairs, table.pairs);
  for (int g = 0; g < DS_SEQ_RATIO_GRID; g++) {
    assert_true(fabs(one.log_up[g] - table.log_up[g]) < 1e-9 * (1 + fabs(one.log_up[g])));
    assert_true(fabs(one.log_down[g] - table.log_down[g]) < 1e-9 * (1 + fabs(one.log_down[g])));
  }
  assert_int_equal(ds_seq_ratio_side(&one, 0.05, NULL, NULL), ds_seq_ratio_side(&table, 0.05, NULL, NULL));
}

int main(void) {
  ds_init(NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(interval_is_the_sublevel_set),
      cmocka_unit_test(coverage_under_continuous_monitoring),
      cmocka_unit_test(clear_cases_stop_early_with_the_same_decision),
      cmocka_unit_test(borderline_cases_take_no_more_than_the_full_run),
      cmocka_unit_test(paired_ratio_test),
      cmocka_unit_test(ratio_from_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
