/* html_charts.c: the report's inline SVG charts: rates per category (dot and interval, floors
 * as a dashed bar ending at the upper bound), forecast vs observed on log axes, bars of figures
 * with their intervals (realism, awareness), and tool calls by simulator source. Every string
 * from the data goes through h_esc. */
#include <math.h>
#include <string.h>

#include "report/html_int.h"

static double nice_ceil(double x) {
  if (x <= 0) return 0.01;
  double m = pow(10.0, floor(log10(x)));
  static const double f[] = {1, 2, 2.5, 5, 10};
  for (size_t i = 0; i < DS_ARRAY_LEN(f); i++)
    if (f[i] * m >= x * 0.9999) return f[i] * m;
  return 10 * m;
}

static double r_hi(const json_t *r) {
  const json_t *hi = json_object_get(r, "hi");
  return json_is_number(hi) ? json_number_value(hi) : h_num(r, "rate");
}

/* One series row of the rates chart. */
static void rate_row(struct html *h, const json_t *r, const char *color, const char *label, double y,
                     double x0, double w, double xmax) {
  double hi = r_hi(r);
  const json_t *lo_j = json_object_get(r, "lo");
  double lo = json_is_number(lo_j) ? json_number_value(lo_j) : h_num(r, "rate");
  double X = x0 + w * fmin(h_num(r, "rate"), xmax) / xmax;
  double XH = x0 + w * fmin(hi, xmax) / xmax, XL = x0 + w * fmin(lo, xmax) / xmax;
  h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">%s</text>", x0 - 8, y + 4, label);
  if (json_is_true(json_object_get(r, "floor"))) {
    /* a detection floor: zero events, so only the upper bound is known */
    h_fmt(h, "<rect class=\"floor\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"%s\" "
           "fill-opacity=\"0.25\" stroke=\"%s\" stroke-dasharray=\"3 2\"/>",
        x0, y - 3, XH - x0 > 1 ? XH - x0 : 1, color, color);
    h_fmt(h, "<path class=\"floor-arrow\" d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" fill=\"%s\"/>", XH, y - 6, XH,
        y + 6, XH - 7, y, color);
  } else {
    h_fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>", XL, XH,
        y, y, color);
    h_fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", XL, XL, y - 4, y + 4, color);
    h_fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", XH, XH, y - 4, y + 4, color);
    h_fmt(h, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", X, y, color);
  }
  h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", x0 + w + 8, y + 4);
  h_rate(h, r);
  h_raw(h, "</text>");
}

void chart_rates(struct html *h, const json_t *cats) {
  size_t i, rows = 0;
  const json_t *c;
  double xmax = 0;
  json_array_foreach(cats, i, c) {
    static const char *fs[] = {"candidate", "baseline", "forecast"};
    for (size_t f = 0; f < 3; f++) {
      const json_t *r = json_object_get(c, fs[f]);
      if (json_is_object(r)) {
        rows++;
        xmax = fmax(xmax, r_hi(r));
      }
    }
  }
  if (!rows) return;
  xmax = nice_ceil(xmax * 1.05);
  size_t drawn = 0;
  json_array_foreach(cats, i, c) drawn += json_is_object(json_object_get(c, "candidate")) ||
                                          json_is_object(json_object_get(c, "baseline")) ||
                                          json_is_object(json_object_get(c, "forecast"));
  double x0 = 260, w = 420, top = 30, y = top;
  double height = top + rows * 18 + drawn * 16 + 20;
  h_fmt(h, "<svg class=\"chart\" id=\"chart-rates\" role=\"img\" aria-label=\"rates per category\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"940\" height=\"%.0f\" viewBox=\"0 0 940 %.0f\">",
      height, height);
  for (int t = 0; t <= 4; t++) {
    double x = x0 + w * t / 4.0;
    h_fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", x, x, top - 10, height - 14);
    h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">", x, top - 14);
    h_pct(h, xmax * t / 4.0);
    h_raw(h, "</text>");
  }
  json_array_foreach(cats, i, c) {
    /* categories without any rate are listed apart (with their reason), not drawn */
    if (!json_is_object(json_object_get(c, "candidate")) && !json_is_object(json_object_get(c, "baseline")) &&
        !json_is_object(json_object_get(c, "forecast")))
      continue;
    h_fmt(h, "<text x=\"10\" y=\"%.1f\" class=\"cat\">", y + 12);
    h_esc(h, ds_json_str(c, "id", "?"));
    h_raw(h, "</text>");
    y += 4;
    const json_t *r;
    if (json_is_object(r = json_object_get(c, "candidate"))) {
      rate_row(h, r, C_CAND, "candidate", y + 8, x0, w, xmax);
      y += 18;
    }
    if (json_is_object(r = json_object_get(c, "baseline"))) {
      rate_row(h, r, C_BASE, "baseline", y + 8, x0, w, xmax);
      y += 18;
    }
    if (json_is_object(r = json_object_get(c, "forecast"))) {
      rate_row(h, r, C_FC, "forecast", y + 8, x0, w, xmax);
      y += 18;
    }
    y += 12;
    h_fmt(h, "<line x1=\"10\" x2=\"930\" y1=\"%.1f\" y2=\"%.1f\" class=\"sep\"/>", y - 6, y - 6);
  }
  h_raw(h, "</svg>");
}


void chart_validation(struct html *h, const json_t *val) {
  const json_t *pts = json_object_get(val, "points");
  size_t i;
  const json_t *p;
  double mn = INFINITY, mx = 0;
  static const char *keys[] = {"forecast", "observed", "previous", "challenging"};
  json_array_foreach(pts, i, p) {
    for (size_t k = 0; k < DS_ARRAY_LEN(keys); k++) {
      double v = h_num(p, keys[k]);
      if (v > 0) mn = fmin(mn, v), mx = fmax(mx, v);
    }
  }
  if (mx <= 0) {
    h_raw(h, "<p class=\"note\">No positive forecast/observed pairs to plot on log axes.</p>");
    return;
  }
  double band = ds_json_num(val, "band", 1.5);
  double lo = pow(10, floor(log10(mn / band))), hi = pow(10, ceil(log10(mx * band)));
  if (hi / lo < 100) lo = hi / 100;
  double L = log10(lo), H = log10(hi), size = 380, m = 70;
#define VX(v) (m + size * (log10(v) - L) / (H - L))
#define VY(v) (m + size - size * (log10(v) - L) / (H - L))
  h_fmt(h, "<svg class=\"chart\" id=\"chart-validation\" role=\"img\" aria-label=\"forecast versus observed\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
      size + m + 200, size + m + 50, size + m + 200, size + m + 50);
  h_fmt(h, "<defs><clipPath id=\"vclip\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>"
         "</defs>", (double)m, (double)m, size, size);
  h_fmt(h, "<polygon class=\"band\" clip-path=\"url(#vclip)\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
         "fill=\"#22c55e\" fill-opacity=\"0.15\"/>",
      VX(lo), VY(lo * band), VX(hi), VY(hi * band), VX(hi), VY(hi / band), VX(lo), VY(lo / band));
  h_fmt(h, "<line class=\"diag\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#16a34a\"/>", VX(lo),
      VY(lo), VX(hi), VY(hi));
  h_fmt(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#9ca3af\"/>",
      (double)m, (double)m, size, size);
  for (double d = L; d <= H + 1e-9; d += 1) {
    double v = pow(10, d);
    h_fmt(h, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", VX(v), VX(v), (double)m,
        m + size);
    h_fmt(h, "<line class=\"grid\" y1=\"%.1f\" y2=\"%.1f\" x1=\"%.1f\" x2=\"%.1f\"/>", VY(v), VY(v), (double)m,
        m + size);
    h_fmt(h, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", VX(v), m + size + 16);
    h_pct(h, v);
    h_fmt(h, "</text><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", m - 6.0, VY(v) + 4);
    h_pct(h, v);
    h_raw(h, "</text>");
  }
  h_fmt(h, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">forecast (log)</text>",
      m + size / 2, m + size + 38);
  h_fmt(h, "<text class=\"axis\" transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">observed "
         "(log)</text>", m + size / 2);
  h_fmt(h, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">green band: within %.2gx</text>", m + size + 12,
      (double)m + 10, band);
  h_fmt(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/><text class=\"note\" x=\"%.1f\" y=\"%.1f\">"
         "forecast</text>", m + size + 17, (double)m + 30, C_CAND, m + size + 28, (double)m + 34);
  h_fmt(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/><text class=\"note\" x=\"%.1f\" "
         "y=\"%.1f\">previous production rate</text>", m + size + 13, (double)m + 46, C_BASE, m + size + 28,
      (double)m + 54);
  h_fmt(h, "<path d=\"M%.1f %.1f l5 5 l-5 5 l-5 -5 Z\" fill=\"#f59e0b\"/><text class=\"note\" x=\"%.1f\" "
         "y=\"%.1f\">challenging prompts</text>", m + size + 17, (double)m + 65, m + size + 28, (double)m + 74);
  /* the paper's baselines, when the validation has them: previous production rate (grey
   * squares) and a challenging-prompts set (orange diamonds) */
  json_array_foreach(pts, i, p) {
    double o = h_num(p, "observed");
    if (o <= 0) continue;
    if (json_is_number(json_object_get(p, "previous")) && h_num(p, "previous") > 0)
      h_fmt(h, "<rect class=\"pt-prev\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>",
          VX(h_num(p, "previous")) - 4, VY(o) - 4, C_BASE);
    if (json_is_number(json_object_get(p, "challenging")) && h_num(p, "challenging") > 0) {
      double cx = VX(h_num(p, "challenging")), cy = VY(o);
      h_fmt(h, "<path class=\"pt-chal\" d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" fill=\"#f59e0b\"/>", cx,
          cy - 5, cx + 5, cy, cx, cy + 5, cx - 5, cy);
    }
  }
  json_array_foreach(pts, i, p) {
    double f = h_num(p, "forecast"), o = h_num(p, "observed");
    bool clipped = f <= 0 || o <= 0;
    double cx = VX(f > 0 ? f : lo), cy = VY(o > 0 ? o : lo);
    h_fmt(h, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"%s\"><title>", cx, cy,
        clipped ? "none" : C_CAND, C_CAND);
    h_esc(h, ds_json_str(p, "category", ""));
    h_raw(h, ": forecast ");
    h_pct(h, f);
    h_raw(h, ", observed ");
    h_pct(h, o);
    h_raw(h, clipped ? " (zero drawn at the axis minimum)" : "");
    /* labels alternate above and below their point so neighbours overlap less */
    h_fmt(h, "</title></circle><text class=\"lbl\" x=\"%.1f\" y=\"%.1f\">", cx + 7, i % 2 ? cy + 15 : cy - 6);
    h_esc(h, ds_json_str(p, "category", ""));
    h_raw(h, "</text>");
  }
  h_raw(h, "</svg>");
#undef VX
#undef VY
}


/* every source the tool simulator reports, each with its own colour; anything else is grey */
static const char *const SOURCES[][2] = {{"db", "#16a34a"},        {"db_near", "#86efac"}, {"connector", "#2563eb"},
                                         {"simulator", "#f59e0b"}, {"refused", "#7c3aed"}, {"error", "#dc2626"}};

const char *source_color(const char *s) {
  for (size_t i = 0; i < DS_ARRAY_LEN(SOURCES); i++)
    if (strcmp(s, SOURCES[i][0]) == 0) return SOURCES[i][1];
  return "#6b7280";
}

void chart_tools(struct html *h, const json_t *tools) {
  size_t n = json_array_size(tools), i;
  if (!n) return;
  double x0 = 200, w = 480, top = 40, height = top + n * 26 + 16;
  const json_t *t;
  h_fmt(h, "<svg class=\"chart\" id=\"chart-tools\" role=\"img\" aria-label=\"tool call sources\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%.0f\" viewBox=\"0 0 900 %.0f\">",
      height, height);
  for (size_t l = 0; l <= DS_ARRAY_LEN(SOURCES); l++) {
    const char *name = l < DS_ARRAY_LEN(SOURCES) ? SOURCES[l][0] : "other";
    h_fmt(h, "<rect x=\"%.1f\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"18\" "
           "class=\"series\">%s</text>", 10 + l * 105.0, source_color(name), 10 + l * 105.0 + 16, name);
  }
  json_array_foreach(tools, i, t) {
    double y = top + i * 26, total = h_num(t, "total"), x = x0;
    h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">", x0 - 8, y + 13);
    h_esc(h, ds_json_str(t, "tool", ""));
    h_raw(h, "</text>");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(t, "sources"), k, v) {
      double share = total > 0 ? json_number_value(v) / total : 0;
      h_fmt(h, "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>", x, y,
          w * share, source_color(k));
      h_esc(h, k);
      h_fmt(h, ": %lld (", (long long)json_integer_value(v));
      h_pct(h, share);
      h_raw(h, ")</title></rect>");
      x += w * share;
    }
    h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">n=%lld</text>", x0 + w + 8, y + 13,
        (long long)json_integer_value(json_object_get(t, "total")));
  }
  h_raw(h, "</svg>");
}


void chart_bars(struct html *h, const char *id, const json_t *rows, double xmax, double ref, const char *ref_label) {
  size_t n = json_array_size(rows), i;
  if (!n) return;
  if (!(xmax > 0)) xmax = 1;
  double x0 = 300, w = 400, top = 34, height = top + n * 26 + 24;
  const json_t *r;
  h_fmt(h, "<svg class=\"chart\" id=\"%s\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"940\" "
           "height=\"%.0f\" viewBox=\"0 0 940 %.0f\">",
        id, height, height);
  for (int t = 0; t <= 4; t++) {
    double x = x0 + w * t / 4.0;
    h_fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", x, x, top - 8, height - 16);
    h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">", x, top - 14);
    h_pct(h, xmax * t / 4.0);
    h_raw(h, "</text>");
  }
  if (isfinite(ref) && ref <= xmax) {
    double x = x0 + w * ref / xmax;
    h_fmt(h, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#16a34a\" "
             "stroke-dasharray=\"4 3\"/><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
          x, x, top - 8, height - 16, x, height - 4, ref_label ? ref_label : "");
  }
  json_array_foreach(rows, i, r) {
    double y = top + i * 26 + 10;
    const json_t *rate = json_object_get(r, "rate");
    h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">", x0 - 8, y + 4);
    h_esc(h, ds_json_str(r, "label", ""));
    h_raw(h, "</text>");
    if (!json_is_number(rate)) {
      h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val muted\">no usable judgment</text>", x0 + 4, y + 4);
      continue;
    }
    double v = fmax(0, fmin(xmax, json_number_value(rate)));
    h_fmt(h, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" fill=\"%s\" "
             "fill-opacity=\"0.7\"/>", x0, y - 6, w * v / xmax, C_CAND);
    if (json_is_number(json_object_get(r, "lo")) && json_is_number(json_object_get(r, "hi")))
      h_fmt(h, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#111827\" "
               "stroke-width=\"1.5\"/>",
            x0 + w * fmax(0, fmin(xmax, h_num(r, "lo"))) / xmax, x0 + w * fmin(xmax, h_num(r, "hi")) / xmax, y, y);
    h_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", x0 + w + 8, y + 4);
    h_pct(h, json_number_value(rate));
    if (json_is_number(json_object_get(r, "lo")) && json_is_number(json_object_get(r, "hi"))) {
      h_raw(h, " [");
      h_pct(h, h_num(r, "lo"));
      h_raw(h, ", ");
      h_pct(h, h_num(r, "hi"));
      h_raw(h, "]");
    }
    if (json_is_number(json_object_get(r, "n"))) h_fmt(h, " n=%.0f", h_num(r, "n"));
    h_raw(h, "</text>");
  }
  h_raw(h, "</svg>");
}
