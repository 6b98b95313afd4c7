/* format.c: number formatting shared by the HTML and Markdown renderers. Estimates themselves
 * come from the stats module (lib/stats), so the report and `depsim estimate` agree. */
#include <stdio.h>

#include "report/report_int.h"

void report_fmt_pct(double p, char *out, size_t out_len) {
  double v = p * 100.0;
  if (v == 0.0) snprintf(out, out_len, "0%%");
  else if (v < 0.1) snprintf(out, out_len, "%.3f%%", v);
  else if (v < 10.0) snprintf(out, out_len, "%.2f%%", v);
  else snprintf(out, out_len, "%.1f%%", v);
}
