/* format.c: number and rate formatting shared by the HTML and Markdown renderers. Estimates
 * themselves come from the stats module (lib/stats), so the report and `depsim estimate` agree. */
#include <stdio.h>

#include "report/report_int.h"
#include "stats/coverage.h"

void report_fmt_pct(double p, char *out, size_t out_len) {
  double v = p * 100.0;
  if (v == 0.0) snprintf(out, out_len, "0%%");
  else if (v < 0.1) snprintf(out, out_len, "%.3f%%", v);
  else if (v < 10.0) snprintf(out, out_len, "%.2f%%", v);
  else snprintf(out, out_len, "%.1f%%", v);
}

enum ds_status report_fmt_rate(const json_t *r, struct ds_buf *out) {
  char a[32], b[32], c[32];
  if (!json_is_object(r)) return ds_buf_adds(out, "—");
  const json_t *lo = json_object_get(r, "lo"), *hi = json_object_get(r, "hi");
  double rate = ds_json_num(r, "rate", 0);
  enum ds_status rc;
  if (json_is_true(json_object_get(r, "floor"))) {
    report_fmt_pct(json_is_number(hi) ? json_number_value(hi) : rate, a, sizeof a);
    rc = ds_buf_addf(out, "≤ %s", a);
  } else {
    report_fmt_pct(rate, a, sizeof a);
    if (json_is_number(lo) && json_is_number(hi)) {
      report_fmt_pct(json_number_value(lo), b, sizeof b);
      report_fmt_pct(json_number_value(hi), c, sizeof c);
      rc = ds_buf_addf(out, "%s [%s, %s]", a, b, c);
    } else {
      rc = ds_buf_adds(out, a);
    }
  }
  if (!rc && json_is_integer(json_object_get(r, "n")))
    rc = ds_buf_addf(out, " (%lld/%lld)", (long long)json_integer_value(json_object_get(r, "k")),
                     (long long)json_integer_value(json_object_get(r, "n")));
  return rc;
}

const char *report_status_label(const char *status) { return stats_coverage_label(status); }
