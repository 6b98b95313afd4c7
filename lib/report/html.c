/* html.c: renders the report model as one self-contained HTML page. The decision comes first
 * (the verdict banner), then every category with its rate or the reason it has none, segments,
 * forecast vs observed, realism, tool use and the flagged examples: all of it server-rendered, so
 * the page reads the same with scripts off. The sample browser (html_page.c) adds the page's one
 * script, allowed by its hash. Every string taken from the data is escaped (h_esc). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_int.h"

void h_raw(struct html *h, const char *s) {
  if (!h->rc) h->rc = ds_buf_adds(h->b, s);
}

void h_fmt(struct html *h, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  if (!h->rc) h->rc = ds_buf_vaddf(h->b, f, ap);
  va_end(ap);
}

void h_esc(struct html *h, const char *s) {
  if (!h->rc && s) h->rc = report_buf_add_escaped(h->b, s, strlen(s));
}

/* at most n bytes of the C string s (a shorter one ends at its NUL) */
void h_escn(struct html *h, const char *s, size_t n) {
  if (!h->rc && s) h->rc = report_buf_add_escaped(h->b, s, strnlen(s, n));
}

double h_num(const json_t *o, const char *k) { return ds_json_num(o, k, 0.0); }

void h_pct(struct html *h, double p) {
  char t[32];
  report_fmt_pct(p, t, sizeof t);
  h_raw(h, t);
}

void h_rate(struct html *h, const json_t *r) {
  if (!h->rc) h->rc = report_fmt_rate(r, h->b);
}

/* text[0..n) with every occurrence of ev wrapped in <mark> */
static void marked(struct html *h, const char *text, size_t n, const char *ev) {
  size_t elen = ev ? strlen(ev) : 0;
  const char *p = text, *end = text + n;
  if (elen >= 2) {
    const char *q;
    while ((q = memmem(p, (size_t)(end - p), ev, elen))) {
      h_escn(h, p, (size_t)(q - p));
      h_raw(h, "<mark>");
      h_escn(h, q, elen);
      h_raw(h, "</mark>");
      p = q + elen;
    }
  }
  h_escn(h, p, (size_t)(end - p));
}

#define FOLD_AT 1600
#define FOLD_SHOW 700

void h_text_block(struct html *h, const char *text, const char *ev) {
  if (!text) {
    h_raw(h, "<pre class=\"msg\"><span class=\"muted\">(none stored)</span></pre>");
    return;
  }
  size_t len = strlen(text);
  h_raw(h, "<pre class=\"msg\">");
  if (len <= FOLD_AT) {
    marked(h, text, len, ev);
    h_raw(h, "</pre>");
    return;
  }
  /* long texts fold: the start, then the whole inside <details> */
  size_t cut = FOLD_SHOW;
  while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
  marked(h, text, cut, ev);
  h_fmt(h, "…</pre><details class=\"fold\"><summary>show all (%zu bytes)</summary><pre class=\"msg\">", len);
  marked(h, text, len, ev);
  h_raw(h, "</pre></details>");
}

/* ---- the verdict ------------------------------------------------------------------------------- */

static const char *decision_class(const char *d) {
  if (!d) return "na";
  if (strcmp(d, "pass") == 0) return "pass";
  if (strcmp(d, "fail") == 0) return "fail";
  if (strcmp(d, "inconclusive") == 0) return "inc";
  return "na";
}

/* a category's title and, when it has one that differs, its id */
static void title_and_id(struct html *h, const json_t *c) {
  const char *id = ds_json_str(c, "id", ""), *title = ds_json_str(c, "title", NULL);
  if (title && strcmp(title, id)) {
    h_esc(h, title);
    h_raw(h, " <code>");
    h_esc(h, id);
    h_raw(h, "</code>");
  } else {
    h_esc(h, id);
  }
}

/* where a category's evidence is: its flagged examples, else its row in the rates table */
static void evidence_link(struct html *h, const json_t *m, const char *id) {
  bool has_ex = false;
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(m, "examples"), i, e) has_ex |= strcmp(ds_json_str(e, "category", ""), id) == 0;
  h_raw(h, has_ex ? "<a href=\"#ex-" : "<a href=\"#row-");
  h_esc(h, h->pfx);
  h_esc(h, id);
  h_raw(h, has_ex ? "\">evidence</a>" : "\">rates</a>");
}

static void limit_text(struct html *h, const json_t *rule) {
  bool any = false;
  if (json_is_number(json_object_get(rule, "max_rate"))) {
    h_raw(h, "rate ≤ ");
    h_pct(h, h_num(rule, "max_rate"));
    any = true;
  }
  if (json_is_number(json_object_get(rule, "max_ratio"))) {
    h_fmt(h, "%sratio ≤ %.3g", any ? "; " : "", h_num(rule, "max_ratio"));
    any = true;
  }
  if (!any) {
    h_raw(h, "<span class=\"muted\">none</span>");
    return;
  }
  if (strcmp(ds_json_str(rule, "uncertainty", ""), "band") == 0) h_fmt(h, " (band %.3gx)", h_num(rule, "band"));
  else h_raw(h, " (upper bound)");
  if (h_num(rule, "min_n") > 0) h_fmt(h, "; n ≥ %.0f", h_num(rule, "min_n"));
}

/* The banner: pass / fail / inconclusive, the policy, and per category the limit, the rate, the
 * ratio, the decision and the reason. */
static void verdict_banner(struct html *h, const json_t *m, const char *who) {
  const json_t *v = json_object_get(m, "verdict");
  if (!json_is_object(v)) {
    h_raw(h, "<section class=\"verdict none\" id=\"verdict\"><div class=\"big\">No release decision</div><p>This "
             "page shows rates, not a verdict: give <code>--gate GATE.json</code> (from <code>depsim gate --json"
             "</code>) or <code>--policy POLICY.yaml</code> to see pass, fail or inconclusive here.</p></section>");
    return;
  }
  const char *d = ds_json_str(v, "decision", "inconclusive");
  size_t counts[4] = {0}, i;
  const json_t *c;
  json_array_foreach(json_object_get(v, "categories"), i, c) {
    const char *cls = decision_class(ds_json_str(c, "decision", ""));
    counts[strcmp(cls, "pass") == 0 ? 0 : strcmp(cls, "fail") == 0 ? 1 : strcmp(cls, "inc") == 0 ? 2 : 3]++;
  }
  h_fmt(h, "<section class=\"verdict v-%s\" id=\"verdict", decision_class(d));
  h_esc(h, h->pfx);
  h_raw(h, "\"><div class=\"big\">");
  h_raw(h, strcmp(d, "pass") == 0 ? "PASS" : strcmp(d, "fail") == 0 ? "FAIL" : "INCONCLUSIVE");
  if (who) {
    h_raw(h, " <span class=\"who\">");
    h_esc(h, who);
    h_raw(h, "</span>");
  }
  h_fmt(h, "</div><p class=\"sum\">%zu fail, %zu inconclusive, %zu pass", counts[1], counts[2], counts[0]);
  if (counts[3]) h_fmt(h, ", %zu not applicable", counts[3]);
  h_raw(h, " under policy <code>");
  h_esc(h, ds_json_str(v, "policy_path", "?"));
  h_raw(h, "</code> (sha256 <code>");
  h_escn(h, ds_json_str(v, "policy_sha256", ""), 12);
  h_raw(h, "</code>); ");
  if (strcmp(ds_json_str(v, "source", ""), "gate") == 0) {
    h_raw(h, "decision of <code>depsim gate</code> read from <code>");
    h_esc(h, ds_json_str(v, "path", ""));
    h_raw(h, "</code>");
    if (ds_json_str(v, "time", NULL)) {
      h_raw(h, " (");
      h_esc(h, ds_json_str(v, "time", ""));
      h_raw(h, ")");
    }
  } else {
    h_raw(h, json_is_true(json_object_get(v, "forecast_computed"))
                 ? "the policy applied here to a forecast computed from the run"
                 : "the policy applied here to the forecast");
  }
  h_raw(h, ".</p>");
  /* a run drawn in a random order: when it stopped, why, and on which intervals it was decided */
  const json_t *seq = json_object_get(v, "sequential");
  if (json_is_object(seq) && ds_json_str(seq, "line", NULL)) {
    h_raw(h, "<p class=\"seq\" id=\"verdict-sequential\">");
    h_esc(h, ds_json_str(seq, "line", ""));
    h_raw(h, "</p>");
  }
  if (ds_json_str(v, "note", NULL)) {
    h_raw(h, "<p class=\"warn\">");
    h_esc(h, ds_json_str(v, "note", ""));
    h_raw(h, "</p>");
  }
  h_raw(h, "<table class=\"vt\" id=\"table-verdict\"><tr><th>category</th><th>decision</th><th>limit</th><th>rate "
           "(interval)</th><th>ratio to baseline</th><th>reason</th></tr>");
  /* fails first, then inconclusive, pass, not applicable: what blocks the release on top */
  static const char *const order[] = {"fail", "inc", "pass", "na"};
  for (size_t o = 0; o < 4; o++) {
    json_array_foreach(json_object_get(v, "categories"), i, c) {
      const char *cd = ds_json_str(c, "decision", "");
      if (strcmp(decision_class(cd), order[o])) continue;
      const char *id = ds_json_str(c, "id", "");
      h_fmt(h, "<tr class=\"r-%s\"><th>", order[o]);
      title_and_id(h, c);
      h_fmt(h, "</th><td><span class=\"chip %s\">", order[o]);
      h_esc(h, cd);
      h_raw(h, "</span>");
      if (o < 2) {
        h_raw(h, " ");
        evidence_link(h, m, id);
      }
      h_raw(h, "</td><td>");
      limit_text(h, json_object_get(c, "rule"));
      h_raw(h, "</td><td class=\"num\">");
      if (h_num(c, "n") > 0) {
        if (json_is_true(json_object_get(c, "zero_events")) || h_num(c, "events") == 0) {
          h_raw(h, "≤ ");
          h_pct(h, h_num(c, "upper"));
          h_raw(h, " (floor)");
        } else {
          h_pct(h, h_num(c, "rate"));
          h_raw(h, " [");
          h_pct(h, h_num(c, "lower"));
          h_raw(h, ", ");
          h_pct(h, h_num(c, "upper"));
          h_raw(h, "]");
        }
        h_fmt(h, " %.0f/%.0f", h_num(c, "events"), h_num(c, "n"));
      } else {
        h_raw(h, "—");
      }
      h_raw(h, "</td><td class=\"num\">");
      if (json_is_number(json_object_get(c, "ratio"))) {
        double rl = ds_json_num(c, "ratio_lower", NAN), ru = ds_json_num(c, "ratio_upper", NAN);
        if (isfinite(rl) && isfinite(ru)) h_fmt(h, "%.3g [%.3g, %.3g] ", h_num(c, "ratio"), rl, ru);
        else if (isfinite(rl) && rl > 0) h_fmt(h, "%.3g [≥ %.3g, no upper bound] ", h_num(c, "ratio"), rl);
        else h_fmt(h, "%.3g (no interval) ", h_num(c, "ratio"));
        h_esc(h, ds_json_str(c, "direction", ""));
      } else {
        h_raw(h, "—");
      }
      h_raw(h, "</td><td>");
      h_esc(h, ds_json_str(c, "reason", ""));
      h_raw(h, "</td></tr>");
    }
  }
  h_raw(h, "</table></section>");
}

/* ---- runs -------------------------------------------------------------------------------------- */

static void meta_table(struct html *h, const json_t *run, const char *label) {
  const json_t *pre = json_object_get(run, "prefixes"), *smp = json_object_get(run, "samples");
  const json_t *rub = json_object_get(run, "rubric");
  h_raw(h, "<tr><th>");
  h_esc(h, label);
  h_raw(h, "</th><td><code>");
  h_esc(h, ds_json_str(run, "path", ""));
  h_raw(h, "</code>");
  if (ds_json_str(run, "run_id", NULL)) {
    h_raw(h, "<br><span class=\"muted\">run id ");
    h_escn(h, ds_json_str(run, "run_id", ""), 12);
    h_raw(h, "</span>");
  }
  h_raw(h, "</td><td>");
  h_fmt(h, "%lld prefixes (%lld done, %lld failed, %lld skipped, %lld pending)",
        (long long)json_integer_value(json_object_get(pre, "total")),
        (long long)json_integer_value(json_object_get(pre, "done")),
        (long long)json_integer_value(json_object_get(pre, "failed")),
        (long long)json_integer_value(json_object_get(pre, "skipped")),
        (long long)json_integer_value(json_object_get(pre, "pending")));
  h_fmt(h, "; %lld samples (%lld ok, %lld failed)",
        (long long)json_integer_value(json_object_get(smp, "total")),
        (long long)json_integer_value(json_object_get(smp, "ok")),
        (long long)json_integer_value(json_object_get(smp, "failed")));
  size_t i;
  const json_t *w;
  json_array_foreach(json_object_get(run, "not_replayed"), i, w) {
    h_raw(h, "<br><span class=\"muted\">");
    h_esc(h, ds_json_str(w, "status", ""));
    h_raw(h, ": ");
    h_esc(h, *ds_json_str(w, "reason", "") ? ds_json_str(w, "reason", "") : "no reason recorded");
    h_fmt(h, " %lld", (long long)json_integer_value(json_object_get(w, "n")));
    const char *ctx = ds_json_str(json_object_get(run, "meta"), "backend_context_length", NULL);
    if (strcmp(ds_json_str(w, "reason", ""), "context_exceeded") == 0 && json_object_get(w, "max_tokens") && ctx)
      h_fmt(h, " (longest prefix %lld tokens &gt; context %lld)", (long long)json_integer_value(json_object_get(w, "max_tokens")),
            strtoll(ctx, NULL, 10));
    h_raw(h, "</span>");
  }
  h_raw(h, "</td><td>");
  const char *sha = ds_json_str(rub, "sha256", NULL);
  if (sha) {
    h_esc(h, ds_json_str(rub, "name", "rubric"));
    h_raw(h, " <code>");
    h_escn(h, sha, strlen(sha) > 12 ? 12 : strlen(sha));
    h_raw(h, "</code>");
  } else if (ds_json_str(rub, "name", NULL)) {
    h_esc(h, ds_json_str(rub, "name", ""));
  } else {
    h_raw(h, "<span class=\"muted\">not graded</span>");
  }
  h_raw(h, "</td></tr>");
}

static void meta_details(struct html *h, const json_t *run, const char *label) {
  h_raw(h, "<details><summary>");
  h_esc(h, label);
  h_raw(h, " parameters</summary><table class=\"kv\">");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(run, "meta"), k, v) {
    h_raw(h, "<tr><th>");
    h_esc(h, k);
    h_raw(h, "</th><td><code>");
    h_esc(h, json_string_value(v));
    h_raw(h, "</code></td></tr>");
  }
  h_raw(h, "</table></details>");
}

void html_runs(struct html *h, const json_t *cands, const json_t *base) {
  h_raw(h, "<h2>Runs</h2><table><tr><th></th><th>database</th><th>contents</th><th>rubric</th></tr>");
  size_t i;
  const json_t *m;
  json_array_foreach(cands, i, m) meta_table(h, json_object_get(m, "run"), ds_json_str(m, "name", "candidate"));
  if (json_is_object(base)) meta_table(h, base, "baseline");
  h_raw(h, "</table>");
  json_array_foreach(cands, i, m) meta_details(h, json_object_get(m, "run"), ds_json_str(m, "name", "candidate"));
  if (json_is_object(base)) meta_details(h, base, "baseline");
  json_array_foreach(cands, i, m) {
    if (json_is_object(base) && json_is_false(json_object_get(m, "baseline_same_rubric"))) {
      h_raw(h, "<p class=\"warn\">");
      h_esc(h, ds_json_str(m, "name", ""));
      h_raw(h, " and the baseline were graded with different rubrics: the comparison may not be like for like.</p>");
    }
    const json_t *pr = json_object_get(m, "pairing");
    if (!json_is_object(pr)) continue;
    char line[400];
    if (ds_json_num(pr, "left_out", 0) > 0) {
      snprintf(line, sizeof line,
               " vs the baseline: %.0f of %.0f prefixes in both runs hold different prompts (e.g. %s) and are left "
               "out of the comparison.",
               ds_json_num(pr, "left_out", 0), ds_json_num(pr, "common", 0),
               ds_json_str(pr, "example_mismatch", "?"));
      h_raw(h, "<p class=\"warn\">");
      h_esc(h, ds_json_str(m, "name", ""));
      h_esc(h, line);
      h_raw(h, "</p>");
    }
    if (json_is_false(json_object_get(pr, "same_corpus"))) {
      snprintf(line, sizeof line,
               " and the baseline were made from different corpora; the %.0f prefixes compared hold the same prompt "
               "in both.",
               ds_json_num(pr, "matched", 0));
      h_raw(h, "<p class=\"warn\">");
      h_esc(h, ds_json_str(m, "name", ""));
      h_esc(h, line);
      h_raw(h, "</p>");
    }
  }
}

/* ---- categories -------------------------------------------------------------------------------- */

static bool has_rate(const json_t *c) {
  return json_is_object(json_object_get(c, "candidate")) || json_is_object(json_object_get(c, "forecast"));
}

/* Categories without a rate, each with its reason: never dropped, never "≤ –". */
void html_unrated(struct html *h, const json_t *cats) {
  size_t i, n = 0;
  const json_t *c;
  json_array_foreach(cats, i, c) n += !has_rate(c);
  if (!n) return;
  h_fmt(h, "<h3>Categories without a rate (%zu)</h3><table id=\"table-unrated\"><tr><th>category</th><th>status"
           "</th><th>why</th></tr>", n);
  json_array_foreach(cats, i, c) {
    if (has_rate(c)) continue;
    const char *st = ds_json_str(c, "status", "not_graded");
    h_raw(h, "<tr id=\"row-");
    h_esc(h, h->pfx);
    h_esc(h, ds_json_str(c, "id", ""));
    h_fmt(h, "\" class=\"st-%s\"><th>", strcmp(st, "not_applicable") == 0 ? "na" : "ng");
    h_esc(h, ds_json_str(c, "id", ""));
    if (ds_json_str(c, "title", NULL)) {
      h_raw(h, "<br><span class=\"muted\">");
      h_esc(h, ds_json_str(c, "title", ""));
      h_raw(h, "</span>");
    }
    h_raw(h, "</th><td>");
    h_esc(h, report_status_label(st));
    h_raw(h, "</td><td>");
    h_esc(h, ds_json_str(c, "status_reason", ""));
    h_raw(h, "</td></tr>");
  }
  h_raw(h, "</table>");
}

static void rates_section(struct html *h, const json_t *m) {
  const json_t *cats = json_object_get(m, "categories");
  bool has_base = json_is_object(json_object_get(m, "baseline")), has_fc = json_is_object(json_object_get(m, "forecast"));
  h_raw(h, "<h2 id=\"rates\">Rates per category</h2>");
  size_t i, rated = 0;
  const json_t *c;
  json_array_foreach(cats, i, c) rated += has_rate(c);
  if (!json_array_size(cats)) {
    h_raw(h, "<p class=\"muted\">No grades in this run yet (run <code>depsim grade</code>).</p>");
    return;
  }
  if (rated) {
    h_fmt(h, "<p class=\"legend\"><span><i class=\"sw\" style=\"background:%s\"></i>candidate (this run)</span>", C_CAND);
    if (has_base) h_fmt(h, "<span><i class=\"sw\" style=\"background:%s\"></i>baseline</span>", C_BASE);
    if (has_fc) h_fmt(h, "<span><i class=\"sw\" style=\"background:%s\"></i>forecast (forecast.json)</span>", C_FC);
    h_raw(h, "<span>dashed bar with arrow = detection floor (0 events; upper bound)</span></p>");
    chart_rates(h, cats);
    bool has_orig = false;
    json_array_foreach(cats, i, c) has_orig |= json_is_object(json_object_get(c, "original"));
    h_raw(h, "<table id=\"table-rates\"><tr><th>category</th><th>candidate</th><th>grader errors</th>");
    if (has_base) h_raw(h, "<th>baseline</th><th>paired difference</th>");
    if (has_fc) h_raw(h, "<th>forecast</th>");
    h_raw(h, has_orig ? "<th>original answers</th></tr>" : "</tr>");
    json_array_foreach(cats, i, c) {
      if (!has_rate(c)) continue;
      h_raw(h, "<tr id=\"row-");
      h_esc(h, h->pfx);
      h_esc(h, ds_json_str(c, "id", ""));
      h_raw(h, "\"><th>");
      h_esc(h, ds_json_str(c, "id", ""));
      if (ds_json_str(c, "status_reason", NULL) && *ds_json_str(c, "status_reason", "")) {
        h_raw(h, "<br><span class=\"note\">");
        h_esc(h, ds_json_str(c, "status_reason", ""));
        h_raw(h, "</span>");
      }
      h_raw(h, "</th><td class=\"num\">");
      h_rate(h, json_object_get(c, "candidate"));
      h_fmt(h, "</td><td class=\"num\">%lld</td>",
            (long long)json_integer_value(json_object_get(json_object_get(c, "candidate"), "n_errors")));
      if (has_base) {
        h_raw(h, "<td class=\"num\">");
        h_rate(h, json_object_get(c, "baseline"));
        h_raw(h, "</td><td class=\"num\">");
        const json_t *pd = json_object_get(c, "paired");
        if (json_is_object(pd)) {
          double d = h_num(pd, "diff");
          h_fmt(h, "%s%.2f pp [%+.2f, %+.2f] (n=%lld; %lld vs %lld discordant)", d >= 0 ? "+" : "", 100 * d,
                100 * h_num(pd, "lo"), 100 * h_num(pd, "hi"), (long long)json_integer_value(json_object_get(pd, "n")),
                (long long)json_integer_value(json_object_get(pd, "candidate_only")),
                (long long)json_integer_value(json_object_get(pd, "baseline_only")));
        } else {
          h_raw(h, "—");
        }
        h_raw(h, "</td>");
      }
      if (has_fc) {
        h_raw(h, "<td class=\"num\">");
        h_rate(h, json_object_get(c, "forecast"));
        h_raw(h, "</td>");
      }
      if (has_orig) {
        h_raw(h, "<td class=\"num\">");
        h_rate(h, json_object_get(c, "original"));
        h_raw(h, "</td>");
      }
      h_raw(h, "</tr>");
    }
    h_raw(h, "</table><p class=\"note\">Rates are computed from the run databases by the stats module, as "
             "<code>depsim estimate</code> does: Wilson, or Clopper-Pearson below 10 events; design-based on the "
             "effective n when prefixes carry weights or several samples; zero events give the one-sided exact "
             "upper bound. The paired difference uses samples present in both runs.</p>");
  }
  html_unrated(h, cats);
}

/* ---- segments: a table with a colour scale, rows sorted by their largest deviation ----------- */

struct seg_row {
  const json_t *s;
  double score;
};

static int by_score(const void *a, const void *b) {
  double x = ((const struct seg_row *)a)->score, y = ((const struct seg_row *)b)->score;
  return (x < y) - (x > y);
}

/* how far a segment's count is from the category's overall rate, in standard errors */
static double deviation(const json_t *cell, const json_t *overall) {
  double n = h_num(cell, "n"), k = h_num(cell, "k"), p = h_num(overall, "rate");
  if (!(n > 0) || !(p > 0) || !(p < 1)) return 0;
  return (k - n * p) / sqrt(n * p * (1 - p));
}

#define SEG_MAX_ROWS 200

static void segments_section(struct html *h, const json_t *m) {
  const json_t *segs = json_object_get(m, "segments"), *cats = json_object_get(m, "categories");
  size_t ns = json_array_size(segs), i, j;
  const json_t *c, *s;
  size_t nc = 0;
  json_array_foreach(cats, j, c) nc += json_is_object(json_object_get(c, "candidate"));
  if (!ns || !nc) return;
  struct seg_row *rows = ds_calloc(ns, sizeof *rows);
  if (!rows) {
    h->rc = DS_E_NOMEM;
    return;
  }
  json_array_foreach(segs, i, s) {
    rows[i].s = s;
    json_array_foreach(cats, j, c) {
      const json_t *cell = json_object_get(json_object_get(s, "categories"), ds_json_str(c, "id", ""));
      double z = fabs(deviation(cell, json_object_get(c, "candidate")));
      if (cell && z > rows[i].score) rows[i].score = z;
    }
  }
  qsort(rows, ns, sizeof *rows, by_score);
  h_fmt(h, "<h2 id=\"segments\">Segments</h2><p class=\"note\">Candidate rate per segment value (k/n). Colour: how "
           "far the segment is from the category's overall rate, in standard errors (red above, blue below); rows "
           "with the largest deviation first. %zu segment values × %zu categories.</p>"
           "<div class=\"scroll\"><table class=\"seg%s\" id=\"table-segments\"><thead><tr><th>segment</th>",
        ns, nc, nc > 8 ? " many" : "");
  json_array_foreach(cats, j, c) {
    if (!json_is_object(json_object_get(c, "candidate"))) continue;
    h_raw(h, "<th><span>");
    h_esc(h, ds_json_str(c, "id", ""));
    h_raw(h, "</span></th>");
  }
  h_raw(h, "</tr></thead><tbody>");
  for (i = 0; i < ns && i < SEG_MAX_ROWS; i++) {
    s = rows[i].s;
    h_raw(h, "<tr><th>");
    h_esc(h, ds_json_str(s, "key", ""));
    h_raw(h, " = ");
    h_esc(h, ds_json_str(s, "value", ""));
    h_raw(h, "</th>");
    json_array_foreach(cats, j, c) {
      const json_t *all = json_object_get(c, "candidate");
      if (!json_is_object(all)) continue;
      const json_t *cell = json_object_get(json_object_get(s, "categories"), ds_json_str(c, "id", ""));
      if (!cell) {
        h_raw(h, "<td class=\"empty\">·</td>");
        continue;
      }
      double z = deviation(cell, all), a = fmin(fabs(z) / 4.0, 1.0) * 0.85;
      bool floor = json_is_true(json_object_get(cell, "floor"));
      if (fabs(z) >= 1) h_fmt(h, "<td style=\"background:rgba(%s,%.2f)\"", z > 0 ? "220,38,38" : "37,99,235", a);
      else h_raw(h, "<td");
      /* text stays legible on the colour: light on the strong ones */
      h_raw(h, a > 0.45 ? (floor ? " class=\"hot floorc\">≤ " : " class=\"hot\">") : floor ? " class=\"floorc\">≤ " : ">");
      h_pct(h, floor ? h_num(cell, "hi") : h_num(cell, "rate"));
      h_fmt(h, "<small>%lld/%lld</small></td>", (long long)json_integer_value(json_object_get(cell, "k")),
            (long long)json_integer_value(json_object_get(cell, "n")));
    }
    h_raw(h, "</tr>");
  }
  h_raw(h, "</tbody></table></div>");
  if (ns > SEG_MAX_ROWS)
    h_fmt(h, "<p class=\"note\">The %d segment values that deviate most are shown; all %zu are in "
             "<code>depsim report --json</code>.</p>", SEG_MAX_ROWS, ns);
  ds_free(rows);
}

/* ---- forecast vs observed ---------------------------------------------------------------------- */

static void validation_section(struct html *h, const json_t *val) {
  if (!json_is_object(val)) return;
  h_raw(h, "<h2 id=\"validation\">Forecast vs. observed</h2><p class=\"note\">");
  h_raw(h, "Validation <code>");
  h_esc(h, ds_json_str(val, "path", ""));
  h_raw(h, "</code> of this run's forecast");
  const json_t *obs = json_object_get(val, "observed_run");
  if (json_is_object(obs)) {
    h_raw(h, " against <code>");
    h_esc(h, ds_json_str(obs, "path", ""));
    h_raw(h, "</code>");
  }
  h_raw(h, ".</p>");
  chart_validation(h, val);
  h_raw(h, "<table id=\"table-validation\"><tr><th>category</th><th>forecast</th><th>observed</th>"
           "<th>error max(p/q, q/p)</th></tr>");
  size_t i;
  const json_t *p;
  double band = ds_json_num(val, "band", 1.5);
  json_array_foreach(json_object_get(val, "points"), i, p) {
    h_raw(h, "<tr><th>");
    h_esc(h, ds_json_str(p, "category", ""));
    h_raw(h, "</th><td class=\"num\">");
    h_pct(h, h_num(p, "forecast"));
    h_raw(h, "</td><td class=\"num\">");
    h_pct(h, h_num(p, "observed"));
    h_raw(h, "</td><td class=\"num\">");
    if (json_is_number(json_object_get(p, "error")))
      h_fmt(h, "<span class=\"%s\">%.2fx</span>", h_num(p, "error") <= band ? "pass" : "fail", h_num(p, "error"));
    else
      h_raw(h, "—");
    h_raw(h, "</td></tr>");
  }
  h_raw(h, "</table>");
  const json_t *sum = json_object_get(val, "summary");
  if (!json_is_object(sum)) return;
  h_raw(h, "<table id=\"table-validation-summary\"><tr><th>predictor</th><th>categories</th><th>median "
           "error</th><th>p90 error</th><th>direction right</th><th>missed behaviors</th></tr>");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)sum, k, v) {
    h_raw(h, "<tr><th>");
    h_esc(h, k);
    h_fmt(h, "</th><td class=\"num\">%lld</td>", (long long)json_integer_value(json_object_get(v, "n_categories")));
    static const char *ks[] = {"median_error", "p90_error"};
    for (size_t q = 0; q < 2; q++) {
      if (json_is_number(json_object_get(v, ks[q]))) h_fmt(h, "<td class=\"num\">%.2fx</td>", h_num(v, ks[q]));
      else h_raw(h, "<td class=\"num\">—</td>");
    }
    if (json_is_number(json_object_get(v, "directional_accuracy")))
      h_fmt(h, "<td class=\"num\">%.0f%% (%lld/%lld)</td>", 100 * h_num(v, "directional_accuracy"),
            (long long)json_integer_value(json_object_get(v, "n_direction_correct")),
            (long long)json_integer_value(json_object_get(v, "n_changed")));
    else
      h_raw(h, "<td class=\"num\">—</td>");
    h_raw(h, "<td>");
    size_t mi;
    const json_t *mv;
    json_array_foreach(json_object_get(v, "missed"), mi, mv) {
      if (mi) h_raw(h, ", ");
      h_esc(h, json_string_value(mv));
    }
    h_raw(h, "</td></tr>");
  }
  h_raw(h, "</table>");
}

/* ---- realism: n, judge errors, intervals, in words a reader knows ---------------------------- */

/* a figure {n, events, rate, lower, upper} as a chart row */
static json_t *fig_row(const char *label, const json_t *f) {
  json_t *r = json_pack("{s:s}", "label", label);
  static const char *const map[][2] = {{"rate", "rate"}, {"lower", "lo"}, {"upper", "hi"}, {"n", "n"}};
  for (size_t i = 0; i < DS_ARRAY_LEN(map); i++) {
    json_t *v = json_object_get(f, map[i][0]);
    if (json_is_number(v)) json_object_set(r, map[i][1], v);
  }
  return r;
}

static const char *group_label(const char *k, char *buf, size_t len) {
  if (strcmp(k, "real") == 0) return "real traffic";
  if (strcmp(k, "simulated") == 0) return "simulated traffic";
  if (strcmp(k, "real_first") == 0) return "real shown first";
  if (strcmp(k, "sim_first") == 0) return "simulated shown first";
  if (strncmp(k, "benchmark:", 10) == 0) {
    snprintf(buf, len, "benchmark %s", k + 10);
    return buf;
  }
  return k;
}

static void judge_errors_line(struct html *h, const json_t *sec, double judged) {
  double errs = h_num(sec, "errors"), all = judged + errs;
  h_raw(h, "<p class=\"");
  h_raw(h, errs > judged ? "warn" : "note");
  h_fmt(h, "\">Judge: <code>");
  h_esc(h, ds_json_str(sec, "judge", "?"));
  h_fmt(h, "</code>. %.0f usable judgments, %.0f judge errors", judged, errs);
  if (all > 0) h_fmt(h, " (%.0f%% of %.0f requests failed)", 100 * errs / all, all);
  h_raw(h, errs > judged ? ": most judgments failed, so these figures rest on few of them." : ".");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(sec, "error_causes"), k, v) {
    h_fmt(h, " %lld × ", (long long)json_integer_value(v));
    h_esc(h, k);
    h_raw(h, ";");
  }
  h_raw(h, "</p>");
}

static void realism_section(struct html *h, const json_t *real) {
  if (!json_is_object(real)) return;
  const json_t *dis = json_object_get(real, "discriminate"), *aw = json_object_get(real, "awareness");
  h_raw(h, "<h2 id=\"realism\">Realism</h2>");
  if (!dis && !aw) {
    h_raw(h, "<p class=\"note\">Discriminator accuracy of 50% (dashed line) means simulated traffic is "
             "indistinguishable from real.</p>");
    chart_bars(h, "chart-realism", json_object_get(real, "rows"), 1.0, 0.5, "50%");
    return;
  }
  char buf[256];
  if (json_is_object(dis)) {
    h_raw(h, "<h3>Can a judge tell simulated traffic from real?</h3><p class=\"note\">The judge sees the real and "
             "the regenerated continuation (both orders) and picks the real one: 50% (dashed) means "
             "indistinguishable.</p>");
    judge_errors_line(h, dis, h_num(dis, "n_judgments"));
    json_t *rows = json_array();
    json_array_append_new(rows, fig_row("accuracy (all judgments)", dis));
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(dis, "by_order"), k, v)
      json_array_append_new(rows, fig_row(group_label(k, buf, sizeof buf), v));
    json_object_foreach((json_t *)json_object_get(dis, "by_source"), k, v) {
      snprintf(buf, sizeof buf, "tool source: %s", k);
      json_array_append_new(rows, fig_row(buf, v));
    }
    chart_bars(h, "chart-realism", rows, 1.0, 0.5, "50% = no tell");
    json_decref(rows);
  }
  if (json_is_object(aw)) {
    h_raw(h, "<h3>Does it look like an evaluation?</h3><p class=\"note\">Share of conversations a judge calls a "
             "test rather than real use, on its own scale (no 50% line: lower is more realistic).</p>");
    double judged = 0, top = 0;
    const char *k;
    const json_t *v;
    json_t *rows = json_array();
    json_object_foreach((json_t *)json_object_get(aw, "groups"), k, v) {
      judged += h_num(v, "n");
      top = fmax(top, ds_json_num(v, "upper", h_num(v, "rate")));
      json_array_append_new(rows, fig_row(group_label(k, buf, sizeof buf), v));
    }
    const json_t *verb = json_object_get(aw, "verbalized");
    if (json_is_object(verb)) {
      top = fmax(top, ds_json_num(verb, "upper", h_num(verb, "rate")));
      json_array_append_new(rows, fig_row("says it is being tested (candidate answers)", verb));
    }
    judge_errors_line(h, aw, judged);
    double xmax = 0.1;
    while (xmax < top && xmax < 1) xmax = xmax * 2 > 1 ? 1 : xmax * 2;
    chart_bars(h, "chart-awareness", rows, xmax, NAN, NULL);
    json_decref(rows);
  }
}

/* ---- tool use ---------------------------------------------------------------------------------- */

static void tools_section(struct html *h, const json_t *tools) {
  if (!json_array_size(tools)) return;
  h_raw(h, "<h2 id=\"tools\">Simulated tool calls by source</h2><p class=\"note\">Who answered each tool call the "
           "candidate made: recorded answers (db, db_near), read-only connectors over the repository, the simulator "
           "model, or nobody (refused: outside the sandbox; error: nothing could answer it).</p>");
  chart_tools(h, tools);
  h_raw(h, "<table id=\"table-tools\"><tr><th>tool</th><th>calls</th><th>side-effecting (recorded, not run)</th>"
           "<th>sources</th></tr>");
  size_t i;
  const json_t *t;
  json_array_foreach(tools, i, t) {
    h_raw(h, "<tr><th>");
    h_esc(h, ds_json_str(t, "tool", ""));
    h_fmt(h, "</th><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td>",
          (long long)json_integer_value(json_object_get(t, "total")),
          (long long)json_integer_value(json_object_get(t, "side_effects")));
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(t, "sources"), k, v) {
      h_fmt(h, "<span class=\"src\" style=\"border-color:%s\">", source_color(k));
      h_esc(h, k);
      h_fmt(h, " %lld</span> ", (long long)json_integer_value(v));
    }
    h_raw(h, "</td></tr>");
  }
  h_raw(h, "</table>");
}

/* ---- the page ---------------------------------------------------------------------------------- */

void html_candidate_sections(struct html *h, const json_t *m) {
  rates_section(h, m);
  segments_section(h, m);
  validation_section(h, json_object_get(m, "validation"));
  realism_section(h, json_object_get(m, "realism"));
  tools_section(h, json_object_get(m, "tool_sources"));
}

void html_verdict(struct html *h, const json_t *m, const char *who) { verdict_banner(h, m, who); }
