/* html.c: renders the report model as one self-contained HTML page: inline CSS, inline SVG
 * charts, no scripts and no external resources (a Content-Security-Policy forbids them too).
 * Every string taken from the data is escaped with report_buf_add_escaped. */
#include <math.h>
#include <string.h>

#include "report/report_int.h"

#define C_CAND "#2563eb"
#define C_BASE "#6b7280"
#define C_FC "#9333ea"

struct html {
  struct ds_buf *b;
  enum ds_status rc;
};

static void raw(struct html *h, const char *s) {
  if (!h->rc) h->rc = ds_buf_adds(h->b, s);
}

static void fmt(struct html *h, const char *f, ...) DS_PRINTF(2, 3);
static void fmt(struct html *h, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  if (!h->rc) h->rc = ds_buf_vaddf(h->b, f, ap);
  va_end(ap);
}

static void esc(struct html *h, const char *s) {
  if (!h->rc && s) h->rc = report_buf_add_escaped(h->b, s, strlen(s));
}

static void escn(struct html *h, const char *s, size_t n) {
  if (!h->rc && s) h->rc = report_buf_add_escaped(h->b, s, n);
}

static double num(const json_t *o, const char *k) { return ds_json_num(o, k, 0.0); }

static void pct(struct html *h, double p) {
  char t[32];
  report_fmt_pct(p, t, sizeof t);
  raw(h, t);
}

/* "1.2% [0.5%, 2.4%] (3/250)" or "≤ 1.2% (0/250)"; no markup in it, so no escaping. */
static void rate_text(struct html *h, const json_t *r) {
  if (!h->rc) h->rc = report_fmt_rate(r, h->b);
}

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
  return json_is_number(hi) ? json_number_value(hi) : num(r, "rate");
}

/* One series row of the rates chart. */
static void rate_row(struct html *h, const json_t *r, const char *color, const char *label, double y,
                     double x0, double w, double xmax) {
  double hi = r_hi(r);
  const json_t *lo_j = json_object_get(r, "lo");
  double lo = json_is_number(lo_j) ? json_number_value(lo_j) : num(r, "rate");
  double X = x0 + w * fmin(num(r, "rate"), xmax) / xmax;
  double XH = x0 + w * fmin(hi, xmax) / xmax, XL = x0 + w * fmin(lo, xmax) / xmax;
  fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">%s</text>", x0 - 8, y + 4, label);
  if (json_is_true(json_object_get(r, "floor"))) {
    /* a detection floor: zero events, so only the upper bound is known */
    fmt(h, "<rect class=\"floor\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"%s\" "
           "fill-opacity=\"0.25\" stroke=\"%s\" stroke-dasharray=\"3 2\"/>",
        x0, y - 3, XH - x0 > 1 ? XH - x0 : 1, color, color);
    fmt(h, "<path class=\"floor-arrow\" d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" fill=\"%s\"/>", XH, y - 6, XH,
        y + 6, XH - 7, y, color);
  } else {
    fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>", XL, XH,
        y, y, color);
    fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", XL, XL, y - 4, y + 4, color);
    fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", XH, XH, y - 4, y + 4, color);
    fmt(h, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", X, y, color);
  }
  fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", x0 + w + 8, y + 4);
  rate_text(h, r);
  raw(h, "</text>");
}

static void chart_rates(struct html *h, const json_t *cats) {
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
  double x0 = 260, w = 420, top = 30, y = top;
  double height = top + rows * 18 + json_array_size(cats) * 16 + 20;
  fmt(h, "<svg class=\"chart\" id=\"chart-rates\" role=\"img\" aria-label=\"rates per category\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"940\" height=\"%.0f\" viewBox=\"0 0 940 %.0f\">",
      height, height);
  for (int t = 0; t <= 4; t++) {
    double x = x0 + w * t / 4.0;
    fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", x, x, top - 10, height - 14);
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">", x, top - 14);
    pct(h, xmax * t / 4.0);
    raw(h, "</text>");
  }
  json_array_foreach(cats, i, c) {
    fmt(h, "<text x=\"10\" y=\"%.1f\" class=\"cat\">", y + 12);
    esc(h, ds_json_str(c, "id", "?"));
    raw(h, "</text>");
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
    fmt(h, "<line x1=\"10\" x2=\"930\" y1=\"%.1f\" y2=\"%.1f\" class=\"sep\"/>", y - 6, y - 6);
  }
  raw(h, "</svg>");
}

static void heat_color(double t, char out[16]) {
  /* white (#f8fafc) to red (#dc2626) */
  t = fmax(0, fmin(1, t));
  int r = (int)(248 + (220 - 248) * t), g = (int)(250 + (38 - 250) * t), b = (int)(252 + (38 - 252) * t);
  snprintf(out, 16, "#%02x%02x%02x", r, g, b);
}

#define HEATMAP_MAX_ROWS 60

static void chart_heatmap(struct html *h, const json_t *segs, const json_t *cats) {
  size_t ns = json_array_size(segs), nc = json_array_size(cats), i, j;
  if (!ns || !nc) return;
  /* a segment key with thousands of values would make an unreadable page: the first rows only
   * (every value stays in the JSON output) */
  size_t all = ns;
  if (ns > HEATMAP_MAX_ROWS) ns = HEATMAP_MAX_ROWS;
  double maxr = 0;
  const json_t *s, *c;
  json_array_foreach(segs, i, s) {
    const char *k;
    const json_t *r;
    json_object_foreach((json_t *)json_object_get(s, "categories"), k, r)
      if (!json_is_true(json_object_get(r, "floor"))) maxr = fmax(maxr, num(r, "rate"));
  }
  size_t longest = 0;
  json_array_foreach(cats, j, c) {
    size_t l = strlen(ds_json_str(c, "id", ""));
    if (l > longest) longest = l;
  }
  /* columns wide enough for the longest category name (about 7 px a character at 12 px) */
  double left = 170, cw = fmax(110, 7.2 * (double)(longest > 40 ? 40 : longest) + 14), ch = 28, top = 60;
  double width = left + nc * cw + 10, height = top + ns * ch + 10;
  fmt(h, "<svg class=\"chart\" id=\"chart-heatmap\" role=\"img\" aria-label=\"rates by segment\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
      width, height, width, height);
  json_array_foreach(cats, j, c) {
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"cat\" text-anchor=\"middle\">", left + j * cw + cw / 2, top - 10);
    esc(h, ds_json_str(c, "id", "?"));
    raw(h, "</text>");
  }
  json_array_foreach(segs, i, s) {
    if (i >= ns) break;
    double y = top + i * ch;
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">", left - 8, y + ch / 2 + 4);
    esc(h, ds_json_str(s, "key", ""));
    raw(h, " = ");
    esc(h, ds_json_str(s, "value", ""));
    raw(h, "</text>");
    json_array_foreach(cats, j, c) {
      const json_t *r = json_object_get(json_object_get(s, "categories"), ds_json_str(c, "id", ""));
      double x = left + j * cw;
      char col[16] = "#ffffff";
      bool floor = r && json_is_true(json_object_get(r, "floor"));
      if (r && !floor) heat_color(maxr > 0 ? num(r, "rate") / maxr : 0, col);
      fmt(h, "<rect class=\"cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
             "stroke=\"#e5e7eb\"><title>",
          x, y, cw - 2, ch - 2, r ? col : "#f3f4f6");
      esc(h, ds_json_str(s, "key", ""));
      raw(h, "=");
      esc(h, ds_json_str(s, "value", ""));
      raw(h, ", ");
      esc(h, ds_json_str(c, "id", ""));
      raw(h, ": ");
      rate_text(h, r);
      raw(h, "</title></rect>");
      if (!r) continue;
      bool dark = !floor && maxr > 0 && num(r, "rate") / maxr > 0.6;
      fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"cellt%s\" text-anchor=\"middle\">", x + cw / 2 - 1,
          y + ch / 2 + 3, dark ? " dark" : floor ? " muted" : "");
      if (floor) {
        raw(h, "≤ ");
        pct(h, r_hi(r));
      } else {
        pct(h, num(r, "rate"));
      }
      fmt(h, " (%lld/%lld)</text>", (long long)json_integer_value(json_object_get(r, "k")),
          (long long)json_integer_value(json_object_get(r, "n")));
    }
  }
  raw(h, "</svg>");
  if (all > ns)
    fmt(h, "<p class=\"note\">%zu of %zu segment values shown; all are in <code>depsim report --json</code>.</p>",
        ns, all);
}

static void chart_validation(struct html *h, const json_t *val) {
  const json_t *pts = json_object_get(val, "points");
  size_t i;
  const json_t *p;
  double mn = INFINITY, mx = 0;
  static const char *keys[] = {"forecast", "observed", "previous", "challenging"};
  json_array_foreach(pts, i, p) {
    for (size_t k = 0; k < DS_ARRAY_LEN(keys); k++) {
      double v = num(p, keys[k]);
      if (v > 0) mn = fmin(mn, v), mx = fmax(mx, v);
    }
  }
  if (mx <= 0) {
    raw(h, "<p class=\"note\">No positive forecast/observed pairs to plot on log axes.</p>");
    return;
  }
  double band = ds_json_num(val, "band", 1.5);
  double lo = pow(10, floor(log10(mn / band))), hi = pow(10, ceil(log10(mx * band)));
  if (hi / lo < 100) lo = hi / 100;
  double L = log10(lo), H = log10(hi), size = 380, m = 70;
#define VX(v) (m + size * (log10(v) - L) / (H - L))
#define VY(v) (m + size - size * (log10(v) - L) / (H - L))
  fmt(h, "<svg class=\"chart\" id=\"chart-validation\" role=\"img\" aria-label=\"forecast versus observed\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
      size + m + 200, size + m + 50, size + m + 200, size + m + 50);
  fmt(h, "<defs><clipPath id=\"vclip\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>"
         "</defs>", (double)m, (double)m, size, size);
  fmt(h, "<polygon class=\"band\" clip-path=\"url(#vclip)\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
         "fill=\"#22c55e\" fill-opacity=\"0.15\"/>",
      VX(lo), VY(lo * band), VX(hi), VY(hi * band), VX(hi), VY(hi / band), VX(lo), VY(lo / band));
  fmt(h, "<line class=\"diag\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#16a34a\"/>", VX(lo),
      VY(lo), VX(hi), VY(hi));
  fmt(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#9ca3af\"/>",
      (double)m, (double)m, size, size);
  for (double d = L; d <= H + 1e-9; d += 1) {
    double v = pow(10, d);
    fmt(h, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", VX(v), VX(v), (double)m,
        m + size);
    fmt(h, "<line class=\"grid\" y1=\"%.1f\" y2=\"%.1f\" x1=\"%.1f\" x2=\"%.1f\"/>", VY(v), VY(v), (double)m,
        m + size);
    fmt(h, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", VX(v), m + size + 16);
    pct(h, v);
    fmt(h, "</text><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", m - 6.0, VY(v) + 4);
    pct(h, v);
    raw(h, "</text>");
  }
  fmt(h, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">forecast (log)</text>",
      m + size / 2, m + size + 38);
  fmt(h, "<text class=\"axis\" transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">observed "
         "(log)</text>", m + size / 2);
  fmt(h, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">green band: within %.2gx</text>", m + size + 12,
      (double)m + 10, band);
  fmt(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/><text class=\"note\" x=\"%.1f\" y=\"%.1f\">"
         "forecast</text>", m + size + 17, (double)m + 30, C_CAND, m + size + 28, (double)m + 34);
  fmt(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/><text class=\"note\" x=\"%.1f\" "
         "y=\"%.1f\">previous production rate</text>", m + size + 13, (double)m + 46, C_BASE, m + size + 28,
      (double)m + 54);
  fmt(h, "<path d=\"M%.1f %.1f l5 5 l-5 5 l-5 -5 Z\" fill=\"#f59e0b\"/><text class=\"note\" x=\"%.1f\" "
         "y=\"%.1f\">challenging prompts</text>", m + size + 17, (double)m + 65, m + size + 28, (double)m + 74);
  /* the paper's baselines, when the validation has them: previous production rate (grey
   * squares) and a challenging-prompts set (orange diamonds) */
  json_array_foreach(pts, i, p) {
    double o = num(p, "observed");
    if (o <= 0) continue;
    if (json_is_number(json_object_get(p, "previous")) && num(p, "previous") > 0)
      fmt(h, "<rect class=\"pt-prev\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>",
          VX(num(p, "previous")) - 4, VY(o) - 4, C_BASE);
    if (json_is_number(json_object_get(p, "challenging")) && num(p, "challenging") > 0) {
      double cx = VX(num(p, "challenging")), cy = VY(o);
      fmt(h, "<path class=\"pt-chal\" d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" fill=\"#f59e0b\"/>", cx,
          cy - 5, cx + 5, cy, cx, cy + 5, cx - 5, cy);
    }
  }
  json_array_foreach(pts, i, p) {
    double f = num(p, "forecast"), o = num(p, "observed");
    bool clipped = f <= 0 || o <= 0;
    double cx = VX(f > 0 ? f : lo), cy = VY(o > 0 ? o : lo);
    fmt(h, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"%s\"><title>", cx, cy,
        clipped ? "none" : C_CAND, C_CAND);
    esc(h, ds_json_str(p, "category", ""));
    raw(h, ": forecast ");
    pct(h, f);
    raw(h, ", observed ");
    pct(h, o);
    raw(h, clipped ? " (zero drawn at the axis minimum)" : "");
    /* labels alternate above and below their point so neighbours overlap less */
    fmt(h, "</title></circle><text class=\"lbl\" x=\"%.1f\" y=\"%.1f\">", cx + 7, i % 2 ? cy + 15 : cy - 6);
    esc(h, ds_json_str(p, "category", ""));
    raw(h, "</text>");
  }
  raw(h, "</svg>");
#undef VX
#undef VY
}

static void chart_realism(struct html *h, const json_t *rows) {
  size_t n = json_array_size(rows), i;
  if (!n) return;
  double x0 = 260, w = 420, top = 34, height = top + n * 26 + 20;
  const json_t *r;
  fmt(h, "<svg class=\"chart\" id=\"chart-realism\" role=\"img\" aria-label=\"realism\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%.0f\" viewBox=\"0 0 900 %.0f\">",
      height, height);
  for (int t = 0; t <= 4; t++) {
    double x = x0 + w * t / 4.0;
    fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", x, x, top - 8, height - 12);
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%d%%</text>", x, top - 14, t * 25);
  }
  fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#16a34a\" stroke-dasharray=\"4 3\"/>",
      x0 + w / 2, x0 + w / 2, top - 8, height - 12);
  json_array_foreach(rows, i, r) {
    double y = top + i * 26 + 10, v = fmax(0, fmin(1, num(r, "value")));
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">", x0 - 8, y + 4);
    esc(h, ds_json_str(r, "name", ""));
    raw(h, "</text>");
    fmt(h, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" fill=\"%s\" "
           "fill-opacity=\"0.7\"/>", x0, y - 6, w * v, C_CAND);
    if (json_is_number(json_object_get(r, "lo")) && json_is_number(json_object_get(r, "hi")))
      fmt(h, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#111827\" stroke-width=\"1.5\"/>",
          x0 + w * fmax(0, num(r, "lo")), x0 + w * fmin(1, num(r, "hi")), y, y);
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">", x0 + w + 8, y + 4);
    pct(h, num(r, "value"));
    raw(h, "</text>");
  }
  raw(h, "</svg>");
}

static const char *source_color(const char *s) {
  if (strcmp(s, "db") == 0) return "#16a34a";
  if (strcmp(s, "connector") == 0) return "#2563eb";
  if (strcmp(s, "simulator") == 0) return "#f59e0b";
  return "#6b7280";
}

static void chart_tools(struct html *h, const json_t *tools) {
  size_t n = json_array_size(tools), i;
  if (!n) return;
  double x0 = 200, w = 480, top = 40, height = top + n * 26 + 16;
  const json_t *t;
  fmt(h, "<svg class=\"chart\" id=\"chart-tools\" role=\"img\" aria-label=\"tool call sources\" "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%.0f\" viewBox=\"0 0 900 %.0f\">",
      height, height);
  static const char *legend[] = {"db", "connector", "simulator", "other"};
  for (size_t l = 0; l < DS_ARRAY_LEN(legend); l++) {
    fmt(h, "<rect x=\"%.1f\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"18\" "
           "class=\"series\">%s</text>", x0 + l * 110, source_color(legend[l]), x0 + l * 110 + 16, legend[l]);
  }
  json_array_foreach(tools, i, t) {
    double y = top + i * 26, total = num(t, "total"), x = x0;
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"series\" text-anchor=\"end\">", x0 - 8, y + 13);
    esc(h, ds_json_str(t, "tool", ""));
    raw(h, "</text>");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(t, "sources"), k, v) {
      double share = total > 0 ? json_number_value(v) / total : 0;
      fmt(h, "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>", x, y,
          w * share, source_color(k));
      esc(h, k);
      fmt(h, ": %lld (", (long long)json_integer_value(v));
      pct(h, share);
      raw(h, ")</title></rect>");
      x += w * share;
    }
    fmt(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">n=%lld</text>", x0 + w + 8, y + 13,
        (long long)json_integer_value(json_object_get(t, "total")));
  }
  raw(h, "</svg>");
}

/* Text with every occurrence of ev wrapped in <mark>. */
static void highlighted(struct html *h, const char *text, const char *ev) {
  if (!text) {
    raw(h, "<span class=\"muted\">(none stored)</span>");
    return;
  }
  size_t elen = ev ? strlen(ev) : 0;
  const char *p = text;
  if (elen >= 2) {
    const char *q;
    while ((q = strstr(p, ev))) {
      escn(h, p, (size_t)(q - p));
      raw(h, "<mark>");
      escn(h, q, elen);
      raw(h, "</mark>");
      p = q + elen;
    }
  }
  esc(h, p);
}

static void meta_table(struct html *h, const json_t *run, const char *label) {
  const json_t *pre = json_object_get(run, "prefixes"), *smp = json_object_get(run, "samples");
  const json_t *rub = json_object_get(run, "rubric");
  raw(h, "<tr><th>");
  esc(h, label);
  raw(h, "</th><td><code>");
  esc(h, ds_json_str(run, "path", ""));
  raw(h, "</code></td><td>");
  fmt(h, "%lld prefixes (%lld done, %lld failed, %lld skipped, %lld pending)",
      (long long)json_integer_value(json_object_get(pre, "total")),
      (long long)json_integer_value(json_object_get(pre, "done")),
      (long long)json_integer_value(json_object_get(pre, "failed")),
      (long long)json_integer_value(json_object_get(pre, "skipped")),
      (long long)json_integer_value(json_object_get(pre, "pending")));
  fmt(h, "; %lld samples (%lld ok, %lld failed)</td><td>", (long long)json_integer_value(json_object_get(smp, "total")),
      (long long)json_integer_value(json_object_get(smp, "ok")),
      (long long)json_integer_value(json_object_get(smp, "failed")));
  const char *sha = ds_json_str(rub, "sha256", NULL);
  if (sha) {
    esc(h, ds_json_str(rub, "name", "rubric"));
    raw(h, " <code>");
    escn(h, sha, strlen(sha) > 12 ? 12 : strlen(sha));
    raw(h, "</code>");
  } else if (ds_json_str(rub, "name", NULL)) {
    esc(h, ds_json_str(rub, "name", ""));
  } else {
    raw(h, "<span class=\"muted\">not graded</span>");
  }
  raw(h, "</td></tr>");
}

static void meta_details(struct html *h, const json_t *run, const char *label) {
  raw(h, "<details><summary>");
  esc(h, label);
  raw(h, " parameters</summary><table class=\"kv\">");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(run, "meta"), k, v) {
    raw(h, "<tr><th>");
    esc(h, k);
    raw(h, "</th><td><code>");
    esc(h, json_string_value(v));
    raw(h, "</code></td></tr>");
  }
  raw(h, "</table></details>");
}

static const char CSS[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#111827;"
    "background:#fff}main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}"
    "h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:15px;"
    "margin:20px 0 6px}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #e5e7eb;padding:4px 8px;"
    "text-align:left;vertical-align:top}th{background:#f9fafb}td.num{text-align:right;font-variant-numeric:"
    "tabular-nums}.muted{color:#6b7280}.note{color:#6b7280;font-size:12px}code{font:12px ui-monospace,"
    "SFMono-Regular,Menlo,monospace}svg{display:block;margin:8px 0;max-width:100%;height:auto}svg text{font:12px "
    "system-ui,sans-serif;fill:#111827}svg .tick{fill:#6b7280;font-size:11px}svg .cat{font-weight:600}svg .val{"
    "font-size:11px}svg .grid{stroke:#f3f4f6}svg .sep{stroke:#f3f4f6}svg .cellt{font-size:11px}svg .cellt.dark{"
    "fill:#fff}svg .cellt.muted{fill:#9ca3af}svg .lbl{font-size:11px}.ex{border:1px solid #e5e7eb;"
    "border-radius:6px;margin:10px 0;padding:8px 10px}.ex .hd{font-size:12px;color:#374151;margin-bottom:6px}"
    ".pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}pre.msg{white-space:pre-wrap;word-break:"
    "break-word;background:#f9fafb;border:1px solid #f3f4f6;padding:6px 8px;margin:2px 0;max-height:360px;"
    "overflow:auto;font:12px/1.4 ui-monospace,Menlo,monospace}mark{background:#fde68a;padding:0 1px}"
    ".lab{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280}.legend span{display:"
    "inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;"
    "vertical-align:middle}.pass{color:#15803d}.fail{color:#b91c1c}";

enum ds_status report_html_render(const json_t *m, struct ds_buf *out, struct ds_err *err) {
  struct html H = {out, DS_OK}, *h = &H;
  const json_t *cats = json_object_get(m, "categories"), *base = json_object_get(m, "baseline");
  bool has_base = json_is_object(base), has_fc = json_is_object(json_object_get(m, "forecast"));
  raw(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
  esc(h, ds_json_str(m, "title", "depsim report"));
  fmt(h, "</title><style>%s</style></head><body><main>\n<h1>", CSS);
  esc(h, ds_json_str(m, "title", "depsim report"));
  raw(h, "</h1><p class=\"muted\">Generated ");
  esc(h, ds_json_str(m, "generated_at", ""));
  fmt(h, " by depsim %s. Intervals are %.0f%%; a rate with zero events is shown as a floor (its upper "
         "bound), not as zero.</p>\n", DS_VERSION, 100 * ds_json_num(m, "confidence", 0.95));

  raw(h, "<h2>Runs</h2><table><tr><th></th><th>database</th><th>contents</th><th>rubric</th></tr>");
  meta_table(h, json_object_get(m, "run"), "candidate");
  if (has_base) meta_table(h, base, "baseline");
  raw(h, "</table>");
  meta_details(h, json_object_get(m, "run"), "candidate");
  if (has_base) meta_details(h, base, "baseline");
  if (has_base && !json_is_true(json_object_get(m, "baseline_same_rubric")))
    raw(h, "<p class=\"fail\">The baseline was graded with a different rubric: the comparison may not be "
           "like for like.</p>");

  raw(h, "<h2>Rates per category</h2>");
  if (!json_array_size(cats)) {
    raw(h, "<p class=\"muted\">No grades in this run yet (run <code>depsim grade</code>).</p>");
  } else {
    fmt(h, "<p class=\"legend\"><span><i class=\"sw\" style=\"background:%s\"></i>candidate (this run)</span>",
        C_CAND);
    if (has_base) fmt(h, "<span><i class=\"sw\" style=\"background:%s\"></i>baseline</span>", C_BASE);
    if (has_fc) fmt(h, "<span><i class=\"sw\" style=\"background:%s\"></i>forecast (forecast.json)</span>", C_FC);
    raw(h, "<span>dashed bar with arrow = detection floor (0 events; upper bound)</span></p>");
    chart_rates(h, cats);
    raw(h, "<table id=\"table-rates\"><tr><th>category</th><th>candidate</th><th>errors</th>");
    if (has_base) raw(h, "<th>baseline</th><th>paired difference</th>");
    if (has_fc) raw(h, "<th>forecast</th>");
    bool has_orig = false;
    {
      size_t k;
      const json_t *cc;
      json_array_foreach(cats, k, cc) has_orig |= json_is_object(json_object_get(cc, "original"));
    }
    raw(h, has_orig ? "<th>original answers</th></tr>" : "</tr>");
    size_t i;
    const json_t *c;
    json_array_foreach(cats, i, c) {
      raw(h, "<tr><th>");
      esc(h, ds_json_str(c, "id", ""));
      raw(h, "</th><td class=\"num\">");
      rate_text(h, json_object_get(c, "candidate"));
      fmt(h, "</td><td class=\"num\">%lld</td>",
          (long long)json_integer_value(json_object_get(json_object_get(c, "candidate"), "n_errors")));
      if (has_base) {
        raw(h, "<td class=\"num\">");
        rate_text(h, json_object_get(c, "baseline"));
        raw(h, "</td><td class=\"num\">");
        const json_t *pd = json_object_get(c, "paired");
        if (json_is_object(pd)) {
          double d = num(pd, "diff");
          fmt(h, "%s%.2f pp [%+.2f, %+.2f] (n=%lld; %lld vs %lld discordant)", d >= 0 ? "+" : "", 100 * d,
              100 * num(pd, "lo"), 100 * num(pd, "hi"), (long long)json_integer_value(json_object_get(pd, "n")),
              (long long)json_integer_value(json_object_get(pd, "candidate_only")),
              (long long)json_integer_value(json_object_get(pd, "baseline_only")));
        } else {
          raw(h, "—");
        }
        raw(h, "</td>");
      }
      if (has_fc) {
        raw(h, "<td class=\"num\">");
        rate_text(h, json_object_get(c, "forecast"));
        raw(h, "</td>");
      }
      if (has_orig) {
        raw(h, "<td class=\"num\">");
        rate_text(h, json_object_get(c, "original"));
        raw(h, "</td>");
      }
      raw(h, "</tr>");
    }
    raw(h, "</table><p class=\"note\">Candidate and baseline rates are computed from the run databases by the "
           "stats module, as <code>depsim estimate</code> does: Wilson, or Clopper-Pearson below 10 events; "
           "design-based on the effective n when prefixes carry weights or several samples; zero events give "
           "the one-sided exact upper bound. The paired difference uses samples present in both runs.</p>");
  }

  const json_t *segs = json_object_get(m, "segments");
  if (json_array_size(segs) && json_array_size(cats)) {
    raw(h, "<h2>Segments</h2><p class=\"note\">Candidate rate per segment value; darker is higher. "
           "Grey \"≤\" cells are floors (no events).</p>");
    chart_heatmap(h, segs, cats);
  }

  const json_t *val = json_object_get(m, "validation");
  if (json_is_object(val)) {
    raw(h, "<h2>Forecast vs. observed</h2>");
    chart_validation(h, val);
    raw(h, "<table id=\"table-validation\"><tr><th>category</th><th>forecast</th><th>observed</th>"
           "<th>error max(p/q, q/p)</th></tr>");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(val, "points"), i, p) {
      raw(h, "<tr><th>");
      esc(h, ds_json_str(p, "category", ""));
      raw(h, "</th><td class=\"num\">");
      pct(h, num(p, "forecast"));
      raw(h, "</td><td class=\"num\">");
      pct(h, num(p, "observed"));
      raw(h, "</td><td class=\"num\">");
      if (json_is_number(json_object_get(p, "error")))
        fmt(h, "<span class=\"%s\">%.2fx</span>", json_is_true(json_object_get(p, "within_band")) ? "pass" : "fail",
            num(p, "error"));
      else
        raw(h, "—");
      raw(h, "</td></tr>");
    }
    raw(h, "</table>");
    const json_t *sum = json_object_get(val, "summary");
    if (json_is_object(sum)) {
      raw(h, "<table id=\"table-validation-summary\"><tr><th>predictor</th><th>categories</th><th>median "
             "error</th><th>p90 error</th><th>direction right</th><th>missed behaviors</th></tr>");
      const char *k;
      const json_t *v;
      json_object_foreach((json_t *)sum, k, v) {
        raw(h, "<tr><th>");
        esc(h, k);
        fmt(h, "</th><td class=\"num\">%lld</td>", (long long)json_integer_value(json_object_get(v, "n_categories")));
        static const char *ks[] = {"median_error", "p90_error"};
        for (size_t q = 0; q < 2; q++) {
          if (json_is_number(json_object_get(v, ks[q]))) fmt(h, "<td class=\"num\">%.2fx</td>", num(v, ks[q]));
          else raw(h, "<td class=\"num\">—</td>");
        }
        if (json_is_number(json_object_get(v, "directional_accuracy")))
          fmt(h, "<td class=\"num\">%.0f%% (%lld/%lld)</td>", 100 * num(v, "directional_accuracy"),
              (long long)json_integer_value(json_object_get(v, "n_direction_correct")),
              (long long)json_integer_value(json_object_get(v, "n_changed")));
        else
          raw(h, "<td class=\"num\">—</td>");
        raw(h, "<td>");
        size_t mi;
        const json_t *mv;
        json_array_foreach(json_object_get(v, "missed"), mi, mv) {
          if (mi) raw(h, ", ");
          esc(h, json_string_value(mv));
        }
        raw(h, "</td></tr>");
      }
      raw(h, "</table>");
    }
  }

  const json_t *real = json_object_get(m, "realism");
  if (json_is_object(real)) {
    raw(h, "<h2>Realism</h2><p class=\"note\">Discriminator accuracy of 50% (dashed line) means simulated "
           "traffic is indistinguishable from real.</p>");
    chart_realism(h, json_object_get(real, "rows"));
  }

  const json_t *tools = json_object_get(m, "tool_sources");
  if (json_array_size(tools)) {
    raw(h, "<h2>Simulated tool calls by source</h2>");
    chart_tools(h, tools);
    raw(h, "<table id=\"table-tools\"><tr><th>tool</th><th>calls</th><th>side-effecting (recorded, not "
           "run)</th><th>sources</th></tr>");
    size_t i;
    const json_t *t;
    json_array_foreach(tools, i, t) {
      raw(h, "<tr><th>");
      esc(h, ds_json_str(t, "tool", ""));
      fmt(h, "</th><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td>",
          (long long)json_integer_value(json_object_get(t, "total")),
          (long long)json_integer_value(json_object_get(t, "side_effects")));
      const char *k;
      const json_t *v;
      json_object_foreach((json_t *)json_object_get(t, "sources"), k, v) {
        esc(h, k);
        fmt(h, " %lld ", (long long)json_integer_value(v));
      }
      raw(h, "</td></tr>");
    }
    raw(h, "</table>");
  }

  const json_t *exs = json_object_get(m, "examples");
  if (json_array_size(exs)) {
    raw(h, "<h2>Top flagged examples</h2><p class=\"note\">Evidence found by the grader is highlighted. "
           "The original answer (production) is shown beside the new one.</p>");
    size_t i;
    const json_t *e;
    const char *last = "";
    json_array_foreach(exs, i, e) {
      const char *cat = ds_json_str(e, "category", "");
      if (strcmp(cat, last)) {
        raw(h, "<h3 id=\"ex-");
        esc(h, cat);
        raw(h, "\">");
        esc(h, cat);
        raw(h, "</h3>");
        last = cat;
      }
      raw(h, "<div class=\"ex\"><div class=\"hd\"><code>");
      esc(h, ds_json_str(e, "prefix", ""));
      fmt(h, "</code> k=%lld · grader ", (long long)json_integer_value(json_object_get(e, "k")));
      esc(h, ds_json_str(e, "grader", "?"));
      if (json_is_number(json_object_get(e, "confidence"))) fmt(h, " · confidence %.2f", num(e, "confidence"));
      if (ds_json_str(e, "evidence", NULL)) {
        raw(h, " · evidence: <mark>");
        esc(h, ds_json_str(e, "evidence", ""));
        raw(h, "</mark>");
      }
      if (ds_json_str(e, "evidence_detail", NULL)) {
        raw(h, " <span class=\"muted\">(");
        esc(h, ds_json_str(e, "evidence_detail", ""));
        raw(h, ")</span>");
      }
      raw(h, "</div><div class=\"lab\">last user message</div><pre class=\"msg\">");
      esc(h, ds_json_str(e, "prompt", ""));
      raw(h, "</pre><div class=\"pair\"><div><div class=\"lab\">original</div><pre class=\"msg\">");
      highlighted(h, ds_json_str(e, "original", NULL), ds_json_str(e, "evidence", NULL));
      raw(h, "</pre></div><div><div class=\"lab\">candidate</div><pre class=\"msg\">");
      highlighted(h, ds_json_str(e, "response", NULL), ds_json_str(e, "evidence", NULL));
      raw(h, "</pre></div></div></div>\n");
    }
  }
  raw(h, "</main></body></html>\n");
  if (H.rc) return ds_fail(err, H.rc, "report: rendering HTML: %s", ds_status_name(H.rc));
  return DS_OK;
}
