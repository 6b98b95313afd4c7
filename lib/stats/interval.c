/* interval.c: intervals on proportions (Wilson, Clopper-Pearson, design-based for clustered and
 * weighted samples), paired comparison, Rogan-Gladen correction, planning and validation scores,
 * on GSL's distributions. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/stats.h"

static bool bad_conf(double c) { return !(c > 0 && c < 1); }

/* GSL's default error handler aborts the process; a library must not. Turned off once. */
static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;
static void gsl_quiet(void) { gsl_set_error_handler_off(); }

/* Beta(a, b) quantile by bisection on the CDF: gsl_cdf_beta_Pinv fails to converge for large b
 * (e.g. a = 8, b = 3993), so it is not used. 200 halvings reach the double resolution. */
static double beta_quantile(double P, double a, double b) {
  pthread_once(&gsl_once, gsl_quiet);
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; i++) {
    double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    double c = gsl_cdf_beta_P(mid, a, b);
    if (c < P) lo = mid;
    else hi = mid;
  }
  return lo + (hi - lo) / 2;
}

double ds_stats_z(double confidence) {
  if (bad_conf(confidence)) return NAN;
  pthread_once(&gsl_once, gsl_quiet);
  return gsl_cdf_ugaussian_Pinv(1 - (1 - confidence) / 2);
}

enum ds_status ds_stats_wilson(double x, double n, double confidence, double *out_lower, double *out_upper) {
  if (!(n > 0) || !(x >= 0) || x > n || bad_conf(confidence)) return DS_E_INVALID;
  double z = ds_stats_z(confidence), z2 = z * z, p = x / n;
  double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  double half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  *out_lower = x == 0 ? 0 : fmax(0, centre - half);
  *out_upper = x == n ? 1 : fmin(1, centre + half);
  return DS_OK;
}

double ds_stats_floor(double n, double confidence) {
  if (!(n > 0) || bad_conf(confidence)) return NAN;
  /* 1 - alpha^(1/n), written with expm1/log for accuracy at large n */
  return -expm1(log(1 - confidence) / n);
}

enum ds_status ds_stats_clopper_pearson(double x, double n, double confidence, double *out_lower,
                                        double *out_upper) {
  if (!(n > 0) || !(x >= 0) || x > n || bad_conf(confidence)) return DS_E_INVALID;
  double a = (1 - confidence) / 2;
  if (x == 0) {
    *out_lower = 0;
    *out_upper = ds_stats_floor(n, confidence);
    return DS_OK;
  }
  if (x == n) {
    *out_lower = 1 - ds_stats_floor(n, confidence);
    *out_upper = 1;
    return DS_OK;
  }
  *out_lower = beta_quantile(a, x, n - x + 1);
  *out_upper = beta_quantile(1 - a, x + 1, n - x);
  return DS_OK;
}

const char *ds_interval_method_name(enum ds_interval_method m) {
  switch (m) {
  case DS_INTERVAL_WILSON: return "wilson";
  case DS_INTERVAL_CLOPPER_PEARSON: return "clopper-pearson";
  case DS_INTERVAL_DESIGN_WILSON: return "design-wilson";
  case DS_INTERVAL_DESIGN_CLOPPER_PEARSON: return "design-clopper-pearson";
  }
  return "unknown";
}

static void note_weight(double w, double *w_first, bool *weighted, uint64_t clusters) {
  if (clusters == 0) *w_first = w;
  else if (w != *w_first) *weighted = true;
}

void ds_prop_acc_add(struct ds_prop_acc *a, double w, uint32_t m, uint32_t e) {
  if (m == 0) return;
  note_weight(w, &a->w_first, &a->weighted, a->clusters);
  double we = w * e, wm = w * m;
  a->sw_e += we;
  a->sw_m += wm;
  a->s_ee += we * we;
  a->s_em += we * wm;
  a->s_mm += wm * wm;
  a->events += e;
  a->n += m;
  a->clusters++;
  if (m > 1) a->clustered = true;
}

void ds_prop_acc_merge(struct ds_prop_acc *into, const struct ds_prop_acc *from) {
  if (!from->clusters) {
    into->grader_errors += from->grader_errors;
    into->missing += from->missing;
    return;
  }
  if (into->clusters && from->w_first != into->w_first) into->weighted = true;
  if (!into->clusters) into->w_first = from->w_first;
  into->sw_e += from->sw_e;
  into->sw_m += from->sw_m;
  into->s_ee += from->s_ee;
  into->s_em += from->s_em;
  into->s_mm += from->s_mm;
  into->events += from->events;
  into->n += from->n;
  into->clusters += from->clusters;
  into->grader_errors += from->grader_errors;
  into->missing += from->missing;
  into->weighted |= from->weighted;
  into->clustered |= from->clustered;
}

/* Wilson or Clopper-Pearson on (x, n) by the raw counts' size. */
static enum ds_interval_method binom_interval(double x, double n, uint64_t raw_x, uint64_t raw_n, double conf,
                                              bool design, double *lo, double *hi) {
  bool exact = raw_x < DS_STATS_EXACT_BELOW || raw_n - raw_x < DS_STATS_EXACT_BELOW;
  if (exact) ds_stats_clopper_pearson(x, n, conf, lo, hi);
  else ds_stats_wilson(x, n, conf, lo, hi);
  if (design) return exact ? DS_INTERVAL_DESIGN_CLOPPER_PEARSON : DS_INTERVAL_DESIGN_WILSON;
  return exact ? DS_INTERVAL_CLOPPER_PEARSON : DS_INTERVAL_WILSON;
}

void ds_prop_estimate(const struct ds_prop_acc *a, double conf, struct ds_prop_est *o) {
  memset(o, 0, sizeof *o);
  o->events = a->events;
  o->n = a->n;
  o->clusters = a->clusters;
  o->grader_errors = a->grader_errors;
  o->missing = a->missing;
  o->weighted = a->weighted;
  o->clustered = a->clustered;
  o->rate = o->lower = o->upper = o->deff = o->floor = NAN;
  o->eff_n = 0;
  if (a->n == 0 || !(a->sw_m > 0)) return;
  o->zero_events = a->events == 0;
  bool simple = !a->weighted && !a->clustered;
  double n = (double)a->n;
  if (simple) {
    o->rate = (double)a->events / n;
    o->eff_n = n;
    o->method = binom_interval((double)a->events, n, a->events, a->n, conf, false, &o->lower, &o->upper);
    o->floor = ds_stats_floor(n, conf);
    return;
  }
  double p = a->sw_e / a->sw_m, X = a->sw_m, J = (double)a->clusters;
  o->rate = p;
  /* Kish effective size of the cluster totals: what n_eff is when the data say nothing of the
   * intra-cluster correlation (zero events): every cluster counts once, weighted. */
  double kish = X * X / a->s_mm;
  double neff;
  if (a->events == 0 || a->events == a->n || J < 2) {
    neff = kish;
  } else {
    double ss = a->s_ee - 2 * p * a->s_em + p * p * a->s_mm; /* sum (y_j - p x_j)^2 */
    if (ss < 0) ss = 0;
    double v = J / (J - 1) * ss / (X * X);
    double vsrs = p * (1 - p) / n;
    o->deff = v > 0 ? v / vsrs : NAN;
    neff = v > 0 ? p * (1 - p) / v : n;
    if (neff > n) neff = n;
    /* Korn-Graubard degrees-of-freedom adjustment: few clusters widen the interval */
    double z = ds_stats_z(conf), t = gsl_cdf_tdist_Pinv(1 - (1 - conf) / 2, J - 1);
    neff *= (z / t) * (z / t);
  }
  if (neff < 1) neff = 1;
  o->eff_n = neff;
  o->method = binom_interval(p * neff, neff, a->events, a->n, conf, true, &o->lower, &o->upper);
  o->floor = ds_stats_floor(neff, conf);
}

static void fmt_per100k(double r, char *out, size_t len) {
  double v = r * 1e5;
  if (v >= 100) snprintf(out, len, "%.0f", v);
  else if (v >= 10) snprintf(out, len, "%.1f", v);
  else if (v >= 1) snprintf(out, len, "%.2f", v);
  else snprintf(out, len, "%.3g", v);
}

void ds_prop_text(const struct ds_prop_est *e, double conf, char *out, size_t out_len) {
  char a[32], b[32], c[32];
  if (e->n == 0) {
    snprintf(out, out_len, "no graded samples");
    return;
  }
  if (e->zero_events) {
    fmt_per100k(e->upper, a, sizeof a);
    snprintf(out, out_len, "below the detection floor (< %s per 100k)", a);
    return;
  }
  fmt_per100k(e->rate, a, sizeof a);
  fmt_per100k(e->lower, b, sizeof b);
  fmt_per100k(e->upper, c, sizeof c);
  snprintf(out, out_len, "%s per 100k (%g%% CI %s-%s)", a, conf * 100, b, c);
}

/* ---- paired --------------------------------------------------------------------------------- */

double ds_stats_mcnemar_exact(uint64_t b, uint64_t c) {
  uint64_t n = b + c;
  if (n == 0) return 1;
  uint64_t k = b < c ? b : c;
  pthread_once(&gsl_once, gsl_quiet);
  double p = 2 * gsl_cdf_binomial_P((unsigned)k, 0.5, (unsigned)n);
  return p > 1 ? 1 : p;
}

const char *ds_direction_name(enum ds_direction d) {
  switch (d) {
  case DS_DIRECTION_UP: return "up";
  case DS_DIRECTION_DOWN: return "down";
  default: return "no detectable change";
  }
}

void ds_pair_acc_add(struct ds_pair_acc *a, double w, uint32_t m, uint32_t c, uint32_t b, uint32_t both,
                     uint32_t cand_only, uint32_t base_only) {
  if (m == 0) return;
  note_weight(w, &a->w_first, &a->weighted, a->clusters);
  double wm = w * m, wc = w * c, wb = w * b;
  a->sw_m += wm;
  a->sw_c += wc;
  a->sw_b += wb;
  a->s_cc += wc * wc;
  a->s_bb += wb * wb;
  a->s_mm += wm * wm;
  a->s_cb += wc * wb;
  a->s_cm += wc * wm;
  a->s_bm += wb * wm;
  a->pairs += m;
  a->clusters++;
  a->both += both;
  a->cand_only += cand_only;
  a->base_only += base_only;
  if (m > 1) a->clustered = true;
}

/* Fieller's interval for R = Yc / Yb: the R0 with (pc - R0 pb)^2 <= q^2 V(R0), where V(R0) is the
 * linearized cluster-robust variance of pc - R0 pb, residual per prefix (c_j - R0 b_j) -
 * (pc - R0 pb) m_j. At R0 = 1 this is the difference's own test, so the interval holds 1 exactly
 * when the difference interval holds 0: ratio and direction cannot disagree. *out_upper is
 * INFINITY when the baseline rate is not distinguishable from 0 (the set is unbounded). */
static void fieller(const struct ds_pair_acc *a, double pc, double pb, double q, double f, double *out_lower,
                    double *out_upper) {
  double X = a->sw_m;
  double A = a->s_cc - 2 * pc * a->s_cm + pc * pc * a->s_mm;
  double B = a->s_cb - pc * a->s_bm - pb * a->s_cm + pc * pb * a->s_mm;
  double C = a->s_bb - 2 * pb * a->s_bm + pb * pb * a->s_mm;
  double g = q * q * f / (X * X);
  double qa = pb * pb - g * C, qb = pc * pb - g * B, qc = pc * pc - g * A;
  double disc = qb * qb - qa * qc;
  if (disc < 0) disc = 0;
  if (qa > 0) {
    *out_lower = fmax(0, (qb - sqrt(disc)) / qa);
    *out_upper = (qb + sqrt(disc)) / qa;
  } else { /* unbounded above; below, the larger root when the quadratic opens downwards */
    *out_lower = qa < 0 && qc > 0 ? fmax(0, (qb + sqrt(disc)) / qa) : 0;
    if (qa < 0 && qc > 0 && !(*out_lower >= 0)) *out_lower = 0;
    *out_upper = INFINITY;
  }
}

/* Two-sided exact (Clopper-Pearson) interval for a binomial proportion, alpha/2 in each tail:
 * the interval that excludes 1/2 exactly when the two-sided exact binomial (McNemar) test
 * rejects at alpha. */
static void cp_two_sided(uint64_t x, uint64_t n, double alpha, double *lo, double *hi) {
  *lo = x == 0 ? 0 : beta_quantile(alpha / 2, (double)x, (double)(n - x + 1));
  *hi = x == n ? 1 : beta_quantile(1 - alpha / 2, (double)(x + 1), (double)(n - x));
}

void ds_pair_estimate(const struct ds_pair_acc *a, double conf, struct ds_pair_est *o) {
  memset(o, 0, sizeof *o);
  o->pairs = a->pairs;
  o->clusters = a->clusters;
  o->both = a->both;
  o->cand_only = a->cand_only;
  o->base_only = a->base_only;
  o->neither = a->pairs - a->both - a->cand_only - a->base_only;
  o->mcnemar_p = ds_stats_mcnemar_exact(a->cand_only, a->base_only);
  o->cand_rate = o->base_rate = o->diff = o->diff_lower = o->diff_upper = NAN;
  o->ratio = o->ratio_lower = o->ratio_upper = NAN;
  o->direction = DS_DIRECTION_NONE;
  if (a->pairs == 0 || !(a->sw_m > 0)) return;
  double X = a->sw_m, J = (double)a->clusters, z = ds_stats_z(conf), alpha = 1 - conf;
  double pc = a->sw_c / X, pb = a->sw_b / X;
  o->cand_rate = pc;
  o->base_rate = pb;
  o->diff = pc - pb;
  bool simple = !a->clustered && !a->weighted;
  o->exact_test = simple;
  bool events = !(a->sw_c == 0 && a->sw_b == 0);
  /* the point ratio; a zero count is replaced by half a sample's weight so that it is finite */
  if (events) {
    double yc = a->sw_c, yb = a->sw_b, unit = X / (double)a->pairs;
    if (yc == 0 || yb == 0) {
      o->ratio_corrected = true;
      if (yc == 0) yc = 0.5 * unit;
      if (yb == 0) yb = 0.5 * unit;
    }
    o->ratio = yc / yb;
  }
  uint64_t disc = a->cand_only + a->base_only;
  if (disc == 0) {
    /* no discordant pair: the share of discordant pairs is below its detection floor U (over
     * clusters), and |difference| <= that share, so d lies in [-U, U] and the ratio in
     * 1 -+ U / baseline rate; no direction */
    double u = ds_stats_floor(J, conf);
    o->diff_lower = -u;
    o->diff_upper = u;
    if (events && pb > 0) {
      o->ratio_lower = fmax(0, 1 - u / pb);
      o->ratio_upper = 1 + u / pb;
    }
    return;
  }
  /* The difference of two ratio estimators sharing the denominator, with a linearized
   * cluster-robust variance (residual per cluster (c_j - b_j) - d m_j, weighted; t(J - 1)
   * quantile when clustered or weighted), and the ratio by Fieller's method on the same variance
   * (see fieller): the ratio interval holds 1 exactly when the difference interval holds 0. */
  double f = J > 1 ? J / (J - 1) : 1;
  double d = o->diff;
  double s_dd = a->s_cc + a->s_bb - 2 * a->s_cb, s_dm = a->s_cm - a->s_bm;
  double ssd = s_dd - 2 * d * s_dm + d * d * a->s_mm;
  if (ssd < 0) ssd = 0;
  double vd = f * ssd / (X * X);
  double q = simple ? z : J > 1 ? gsl_cdf_tdist_Pinv(1 - alpha / 2, J - 1) : z;
  o->diff_lower = fmax(-1, d - q * sqrt(vd));
  o->diff_upper = fmin(1, d + q * sqrt(vd));
  if (events) fieller(a, pc, pb, q, f, &o->ratio_lower, &o->ratio_upper);
  if (simple) {
    /* Simple pairs also get the exact conditional interval: given the pairs where both flag
     * (n11) and the discordant ones (N), the candidate-only count is Bin(N, pi), and McNemar's
     * exact test is the test of pi = 1/2. The Clopper-Pearson interval of pi (alpha/2 in each
     * tail) excludes 1/2 exactly when that test rejects; the difference N (2 pi - 1) / n and the
     * ratio (n11 + N pi) / (n11 + N (1 - pi)) increase with pi, so pi's bounds map to theirs.
     * Reported is the hull of the two intervals: it covers at least as well as either (the
     * conditional one alone ignores the variation of N), and it leaves out no change only when
     * the exact test and the large-sample interval both do. */
    double n = (double)a->pairs, n11 = (double)a->both, N = (double)disc, lo, hi;
    cp_two_sided(a->cand_only, disc, alpha, &lo, &hi);
    o->diff_lower = fmin(o->diff_lower, N * (2 * lo - 1) / n);
    o->diff_upper = fmax(o->diff_upper, N * (2 * hi - 1) / n);
    if (events) {
      o->ratio_lower = fmin(o->ratio_lower, (n11 + N * lo) / (n11 + N * (1 - lo)));
      o->ratio_upper = fmax(o->ratio_upper, hi < 1 || n11 > 0 ? (n11 + N * hi) / (n11 + N * (1 - hi)) : INFINITY);
    }
  }
  /* the direction is read from the difference interval; the ratio interval agrees with it (equal
   * in exact arithmetic: rounding at the boundary must not make them disagree) */
  if (o->diff_lower > 0) o->direction = DS_DIRECTION_UP;
  else if (o->diff_upper < 0) o->direction = DS_DIRECTION_DOWN;
  if (events) {
    /* a zero count's corrected point inside (it is a stand-in: the direction decides) */
    if (o->ratio < o->ratio_lower) o->ratio_lower = o->ratio;
    if (o->ratio > o->ratio_upper) o->ratio_upper = o->ratio;
    if (o->direction == DS_DIRECTION_UP && !(o->ratio_lower > 1)) o->ratio_lower = nextafter(1, 2);
    if (o->direction == DS_DIRECTION_DOWN && !(o->ratio_upper < 1)) o->ratio_upper = nextafter(1, 0);
    if (o->direction == DS_DIRECTION_NONE && o->ratio_lower > 1) o->ratio_lower = 1;
    if (o->direction == DS_DIRECTION_NONE && o->ratio_upper < 1) o->ratio_upper = 1;
  }
}

/* ---- correction ----------------------------------------------------------------------------- */

enum ds_status ds_stats_rogan_gladen(double obs, double obs_lower, double obs_upper, double se, double sp,
                                     double n_pos, double n_neg, double conf, double *out_rate,
                                     double *out_lower, double *out_upper) {
  if (!(se >= 0 && se <= 1 && sp >= 0 && sp <= 1) || se + sp <= 1 || bad_conf(conf) || !(n_pos > 0) ||
      !(n_neg > 0) || !(obs >= 0 && obs <= 1))
    return DS_E_INVALID;
  double j = se + sp - 1, z = ds_stats_z(conf);
  double t = (obs + sp - 1) / j;
  /* the observed estimate's variance from its own interval (its half-width on the wider side) */
  double half = fmax(obs_upper - obs, obs - obs_lower);
  double v_obs = (half / z) * (half / z);
  double tc = fmin(1, fmax(0, t));
  double v = (v_obs + tc * tc * se * (1 - se) / n_pos + (1 - tc) * (1 - tc) * sp * (1 - sp) / n_neg) / (j * j);
  *out_rate = tc;
  *out_lower = fmin(1, fmax(0, t - z * sqrt(v)));
  *out_upper = fmin(1, fmax(0, t + z * sqrt(v)));
  return DS_OK;
}

/* ---- planning and validation ---------------------------------------------------------------- */

enum ds_status ds_stats_plan_n(double p, double m, double conf, double *out_n) {
  if (!(p > 0 && p < 1) || !(m > 1) || bad_conf(conf)) return DS_E_INVALID;
  double z = ds_stats_z(conf), l = log(m);
  *out_n = ceil((z / l) * (z / l) * (1 - p) / p);
  return DS_OK;
}

double ds_stats_mult_error(double p, double q, double zero_p, double zero_q) {
  if (p <= 0) p = zero_p;
  if (q <= 0) q = zero_q;
  if (!(p > 0) || !(q > 0)) return NAN;
  return p > q ? p / q : q / p;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double ds_stats_quantile(double *v, size_t n, double q) {
  if (n == 0) return NAN;
  qsort(v, n, sizeof *v, cmp_double);
  double h = (double)(n - 1) * q;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n) return v[n - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}
