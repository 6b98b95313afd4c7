/* sequential.c: anytime-valid inference for runs that stop once the decision is known: a
 * confidence sequence for a Bernoulli rate (Beta-binomial mixture martingale) and a paired test
 * of a rate ratio against a limit (betting martingales mixed over a fixed grid of bets). Both
 * stay valid when looked at after every sample and stopped at any time (Ville's inequality). */
#include <math.h>
#include <string.h>

#include "depsim/stats.h"

const char *ds_seq_side_name(enum ds_seq_side s) {
  switch (s) {
  case DS_SEQ_BELOW: return "below";
  case DS_SEQ_ABOVE: return "above";
  default: return "open";
  }
}

/* A Beta prior with its mean at the limit and the weight of one observation (a = 1, a + b =
 * 1/limit): the mixture then spends its evidence on rates of the limit's own scale, the ones a
 * gate has to tell apart, instead of on rates near 1/2. Any fixed prior keeps the sequence
 * valid; this one only makes it narrow where it matters (a = 1/4, 1/2, 1 and 2 were simulated
 * at limits 0.05 and 0.001: a = 1 stopped soonest, within 5% of the others). */
void ds_cs_prior_for(double limit, struct ds_cs_prior *out) {
  if (!(limit > 0 && limit < 1)) limit = 0.5;
  out->a = 1;
  out->b = (1 - limit) / limit;
}

static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

/* log M_n(p) = log B(a+S, b+n-S) - log B(a,b) - S log p - (n-S) log(1-p) */
double ds_cs_bernoulli_log_m(uint64_t events, uint64_t n, double p, const struct ds_cs_prior *prior) {
  double s = (double)events, f = (double)(n - events);
  double c = lbeta(prior->a + s, prior->b + f) - lbeta(prior->a, prior->b);
  double lp = s > 0 ? s * log(p) : 0, lq = f > 0 ? f * log1p(-p) : 0;
  return c - lp - lq;
}

/* The p in [lo, hi] where log M crosses t, log M being monotone there (decreasing when
 * falling, increasing otherwise). */
static double cross(uint64_t events, uint64_t n, const struct ds_cs_prior *pr, double t, double lo, double hi,
                    bool falling) {
  for (int i = 0; i < 200 && hi - lo > 1e-15 * (hi > 1e-300 ? hi : 1); i++) {
    double mid = 0.5 * (lo + hi);
    bool above = ds_cs_bernoulli_log_m(events, n, mid, pr) >= t;
    if (above == falling) lo = mid;
    else hi = mid;
  }
  return falling ? hi : lo;
}

enum ds_status ds_cs_bernoulli(uint64_t events, uint64_t n, double alpha, const struct ds_cs_prior *prior,
                               double *out_lower, double *out_upper) {
  if (!(alpha > 0 && alpha < 1) || events > n || !prior || !(prior->a > 0) || !(prior->b > 0))
    return DS_E_INVALID;
  if (n == 0) {
    *out_lower = 0;
    *out_upper = 1;
    return DS_OK;
  }
  /* log M is convex in p with its minimum (<= 0: the mixture is at most the maximum likelihood)
   * at the observed rate, so {log M < t} is an interval around it */
  double t = log(1 / alpha), phat = (double)events / (double)n;
  *out_lower = events == 0 ? 0 : cross(events, n, prior, t, 0, phat, true);
  *out_upper = events == n ? 1 : cross(events, n, prior, t, phat, 1, false);
  return DS_OK;
}

enum ds_seq_side ds_cs_side(double lower, double upper, double limit) {
  if (upper < limit) return DS_SEQ_BELOW;
  if (lower > limit) return DS_SEQ_ABOVE;
  return DS_SEQ_OPEN;
}

/* ---- paired ratio ------------------------------------------------------------------------------
 * With labels x (candidate) and y (baseline) of one pair, Z = x - r y has mean p_c - r p_b, which
 * is <= 0 exactly when the ratio p_c/p_b is <= r. For each bet l of a fixed grid the product of
 * (1 + l Z) is a nonnegative supermartingale under "mean <= 0" (l in (0, 1/r): each factor stays
 * above 1 - l r > 0), and under "mean >= 0" for l in (-1, 0); their average over the grid is one
 * too. Reaching 2/alpha rejects one side at level alpha/2. Concordant pairs (Z = 0) change
 * nothing, so rare behaviors cost only their discordant pairs. */

void ds_seq_ratio_init(struct ds_seq_ratio *s, double r) {
  memset(s, 0, sizeof *s);
  s->r = r > 0 ? r : 1;
}

static double bet_up(const struct ds_seq_ratio *s, int g) { return ldexp(0.9, -g) / s->r; }
static double bet_down(int g) { return -ldexp(0.9, -g); }

void ds_seq_ratio_add_n(struct ds_seq_ratio *s, bool cand, bool base, uint64_t count) {
  s->pairs += count;
  double z = (cand ? 1.0 : 0.0) - (base ? s->r : 0.0);
  if (z == 0 || count == 0) return;
  for (int g = 0; g < DS_SEQ_RATIO_GRID; g++) {
    s->log_up[g] += (double)count * log1p(bet_up(s, g) * z);
    s->log_down[g] += (double)count * log1p(bet_down(g) * z);
  }
}

void ds_seq_ratio_add(struct ds_seq_ratio *s, bool cand, bool base) { ds_seq_ratio_add_n(s, cand, base, 1); }

/* log of the grid average of exp(v[g]) */
static double log_mean_exp(const double *v) {
  double m = v[0];
  for (int g = 1; g < DS_SEQ_RATIO_GRID; g++)
    if (v[g] > m) m = v[g];
  double s = 0;
  for (int g = 0; g < DS_SEQ_RATIO_GRID; g++) s += exp(v[g] - m);
  return m + log(s / DS_SEQ_RATIO_GRID);
}

enum ds_seq_side ds_seq_ratio_side(const struct ds_seq_ratio *s, double alpha, double *out_log_up,
                                   double *out_log_down) {
  double t = log(2 / alpha), up = log_mean_exp(s->log_up), down = log_mean_exp(s->log_down);
  if (out_log_up) *out_log_up = up;
  if (out_log_down) *out_log_down = down;
  if (up >= t) return DS_SEQ_ABOVE;
  if (down >= t) return DS_SEQ_BELOW;
  return DS_SEQ_OPEN;
}
