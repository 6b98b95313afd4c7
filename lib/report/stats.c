/* stats.c: the few interval formulas the report needs when it computes rates from a run
 * database alone (forecast.json, when given, carries the stats module's own intervals). */
#include <math.h>
#include <stdio.h>

#include "report/report_int.h"

double report_z(double confidence) {
  /* inverse normal CDF by Acklam's rational approximation (relative error < 1.2e-9) */
  double q = 1.0 - (1.0 - confidence) / 2.0;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (q <= 0.5) return 0.0;
  if (q < 0.97575) {
    double x = q - 0.5, r = x * x;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * x /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  double x = sqrt(-2.0 * log(1.0 - q));
  return -(((((c[0] * x + c[1]) * x + c[2]) * x + c[3]) * x + c[4]) * x + c[5]) /
         ((((d[0] * x + d[1]) * x + d[2]) * x + d[3]) * x + 1.0);
}

void report_wilson(double k, double n, double z, double *out_lo, double *out_hi) {
  if (n <= 0) {
    *out_lo = 0.0;
    *out_hi = 1.0;
    return;
  }
  double p = k / n, z2 = z * z;
  double den = 1.0 + z2 / n;
  double mid = (p + z2 / (2.0 * n)) / den;
  double half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den;
  *out_lo = mid - half < 0.0 ? 0.0 : mid - half;
  *out_hi = mid + half > 1.0 ? 1.0 : mid + half;
  if (k <= 0) *out_lo = 0.0;
  if (k >= n) *out_hi = 1.0;
}

double report_zero_upper(double n, double confidence) {
  if (n <= 0) return 1.0;
  return 1.0 - pow(1.0 - confidence, 1.0 / n);
}

void report_fmt_pct(double p, char *out, size_t out_len) {
  double v = p * 100.0;
  if (v == 0.0) snprintf(out, out_len, "0%%");
  else if (v < 0.1) snprintf(out, out_len, "%.3f%%", v);
  else if (v < 10.0) snprintf(out, out_len, "%.2f%%", v);
  else snprintf(out, out_len, "%.1f%%", v);
}
