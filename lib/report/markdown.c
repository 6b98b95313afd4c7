/* markdown.c: renders the report model as Markdown for a pull-request comment: a summary
 * table, then flagged examples folded in <details>. Data text is escaped so that no HTML or
 * Markdown in a conversation changes the comment's structure. */
#include <string.h>

#include "report/report_int.h"

struct md {
  struct ds_buf *b;
  enum ds_status rc;
};

static void raw(struct md *m, const char *s) {
  if (!m->rc) m->rc = ds_buf_adds(m->b, s);
}

static void fmt(struct md *m, const char *f, ...) DS_PRINTF(2, 3);
static void fmt(struct md *m, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  if (!m->rc) m->rc = ds_buf_vaddf(m->b, f, ap);
  va_end(ap);
}

/* Inline text (table cells, headings): HTML-escaped, Markdown punctuation backslashed,
 * newlines flattened. */
static void cell(struct md *m, const char *s) {
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  if (s && report_buf_add_escaped(&tmp, s, strlen(s))) m->rc = DS_E_NOMEM;
  for (size_t i = 0; i < tmp.len && !m->rc; i++) {
    char c = tmp.data[i];
    if (c == '\n' || c == '\r') c = ' ';
    if (strchr("\\`*_[]|#!~", c)) m->rc = ds_buf_addc(m->b, '\\');
    if (!m->rc) m->rc = ds_buf_addc(m->b, c);
  }
  ds_buf_release(&tmp);
}

/* A fenced block whose fence is longer than any backtick run inside. Inside <details> on
 * GitHub, fenced code is literal, so HTML in the text stays text. */
static void block(struct md *m, const char *s) {
  size_t run = 0, longest = 0;
  if (!s) s = "(none stored)";
  for (const char *p = s; *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  size_t n = longest < 3 ? 3 : longest + 1;
  for (size_t i = 0; i < n; i++) raw(m, "`");
  raw(m, "text\n");
  /* the text itself, with invalid UTF-8 replaced */
  size_t len = strlen(s), i = 0;
  while (i < len && !m->rc) {
    size_t ok = ds_utf8_check(s + i, len - i);
    m->rc = ds_buf_add(m->b, s + i, ok);
    i += ok;
    if (i < len) {
      raw(m, "\xEF\xBF\xBD");
      i++;
    }
  }
  raw(m, "\n");
  for (size_t k = 0; k < n; k++) raw(m, "`");
  raw(m, "\n");
}

static void rate(struct md *m, const json_t *r) {
  if (!m->rc) m->rc = report_fmt_rate(r, m->b);
}

static void verdict(struct md *m, const json_t *v) {
  if (!json_is_object(v)) {
    raw(m, "_No release decision on this page (give --gate or --policy)._\n\n");
    return;
  }
  const char *d = ds_json_str(v, "decision", "inconclusive");
  fmt(m, "**Verdict: %s %s** under policy `", strcmp(d, "pass") == 0 ? "✅" : strcmp(d, "fail") == 0 ? "❌" : "⚠️",
      strcmp(d, "pass") == 0 ? "PASS" : strcmp(d, "fail") == 0 ? "FAIL" : "INCONCLUSIVE");
  const char *pp = ds_json_str(v, "policy_path", "?");
  for (const char *p = pp; *p; p++)
    if (*p != '`' && *p != '\n') fmt(m, "%c", *p);
  raw(m, "`.");
  size_t i;
  const json_t *c;
  json_array_foreach(json_object_get(v, "categories"), i, c) {
    const char *cd = ds_json_str(c, "decision", "");
    if (strcmp(cd, "fail") && strcmp(cd, "inconclusive")) continue;
    raw(m, "\n- **");
    cell(m, cd);
    raw(m, "** ");
    cell(m, ds_json_str(c, "id", ""));
    raw(m, ": ");
    cell(m, ds_json_str(c, "reason", ""));
  }
  const json_t *seq = json_object_get(v, "sequential");
  if (json_is_object(seq) && ds_json_str(seq, "line", NULL)) {
    raw(m, "\n\n");
    cell(m, ds_json_str(seq, "line", ""));
  }
  raw(m, "\n\n");
}

/* categories without a rate, with the reason */
static void unrated(struct md *m, const json_t *cats) {
  size_t i, n = 0;
  const json_t *c;
  json_array_foreach(cats, i, c) n += !json_is_object(json_object_get(c, "candidate")) && !json_is_object(json_object_get(c, "forecast"));
  if (!n) return;
  fmt(m, "\n%zu categories without a rate: ", n);
  bool first = true;
  json_array_foreach(cats, i, c) {
    if (json_is_object(json_object_get(c, "candidate")) || json_is_object(json_object_get(c, "forecast"))) continue;
    if (!first) raw(m, "; ");
    first = false;
    cell(m, ds_json_str(c, "id", ""));
    raw(m, " (");
    cell(m, report_status_label(ds_json_str(c, "status", "not_graded")));
    raw(m, ")");
  }
  raw(m, ".\n");
}

static void candidate(struct md *m, const json_t *model, struct ds_buf *out) {
  const json_t *cats = json_object_get(model, "categories"), *run = json_object_get(model, "run");
  bool has_base = json_is_object(json_object_get(model, "baseline"));
  bool has_fc = json_is_object(json_object_get(model, "forecast"));
  raw(m, "### ");
  cell(m, ds_json_str(model, "title", "depsim report"));
  const json_t *pre = json_object_get(run, "prefixes"), *smp = json_object_get(run, "samples");
  fmt(m, "\n\n%lld prefixes, %lld samples (%lld failed). Intervals %.0f%%; ≤ marks a detection floor "
         "(0 events, upper bound).\n\n",
      (long long)json_integer_value(json_object_get(pre, "total")),
      (long long)json_integer_value(json_object_get(smp, "total")),
      (long long)json_integer_value(json_object_get(smp, "failed")), 100 * ds_json_num(model, "confidence", 0.95));
  verdict(m, json_object_get(model, "verdict"));
  const json_t *pr = json_object_get(model, "pairing");
  if (json_is_object(pr) && ds_json_num(pr, "left_out", 0) > 0) {
    fmt(m, "> %.0f of %.0f prefixes in both runs hold different prompts (e.g. ", ds_json_num(pr, "left_out", 0),
        ds_json_num(pr, "common", 0));
    cell(m, ds_json_str(pr, "example_mismatch", "?"));
    raw(m, ") and are left out of the comparison.\n\n");
  }
  if (json_is_object(pr) && json_is_false(json_object_get(pr, "same_corpus")))
    fmt(m, "> The baseline was made from another corpus; the %.0f prefixes compared hold the same prompt in both.\n\n",
        ds_json_num(pr, "matched", 0));
  if (!json_array_size(cats)) {
    raw(m, "_No grades in this run yet._\n");
  } else {
    raw(m, "| category | candidate |");
    if (has_base) raw(m, " baseline | paired diff |");
    if (has_fc) raw(m, " forecast |");
    raw(m, "\n|---|---|");
    if (has_base) raw(m, "---|---|");
    if (has_fc) raw(m, "---|");
    raw(m, "\n");
    size_t i;
    const json_t *c;
    json_array_foreach(cats, i, c) {
      if (!json_is_object(json_object_get(c, "candidate")) && !json_is_object(json_object_get(c, "forecast"))) continue;
      raw(m, "| ");
      cell(m, ds_json_str(c, "id", ""));
      raw(m, " | ");
      rate(m, json_object_get(c, "candidate"));
      raw(m, " |");
      if (has_base) {
        raw(m, " ");
        rate(m, json_object_get(c, "baseline"));
        raw(m, " | ");
        const json_t *pd = json_object_get(c, "paired");
        if (json_is_object(pd))
          fmt(m, "%+.2f pp [%+.2f, %+.2f]", 100 * ds_json_num(pd, "diff", 0), 100 * ds_json_num(pd, "lo", 0),
              100 * ds_json_num(pd, "hi", 0));
        else
          raw(m, "—");
        raw(m, " |");
      }
      if (has_fc) {
        raw(m, " ");
        rate(m, json_object_get(c, "forecast"));
        raw(m, " |");
      }
      raw(m, "\n");
    }
    unrated(m, cats);
  }
  const json_t *val = json_object_get(model, "validation");
  if (json_is_object(val) && json_array_size(json_object_get(val, "points"))) {
    raw(m, "\n**Forecast vs. observed**\n\n| category | forecast | observed | error |\n|---|---|---|---|\n");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(val, "points"), i, p) {
      char a[32], b[32];
      report_fmt_pct(ds_json_num(p, "forecast", 0), a, sizeof a);
      report_fmt_pct(ds_json_num(p, "observed", 0), b, sizeof b);
      raw(m, "| ");
      cell(m, ds_json_str(p, "category", ""));
      fmt(m, " | %s | %s | ", a, b);
      if (json_is_number(json_object_get(p, "error"))) fmt(m, "%.2fx", ds_json_num(p, "error", 0));
      else raw(m, "—");
      raw(m, " |\n");
    }
  }
  const json_t *exs = json_object_get(model, "examples");
  if (json_array_size(exs)) {
    raw(m, "\n<details><summary>Top flagged examples</summary>\n\n");
    size_t i;
    const json_t *e;
    const char *last = "";
    size_t in_cat = 0, left_out = 0;
    json_array_foreach(exs, i, e) {
      const char *cat = ds_json_str(e, "category", "");
      in_cat = strcmp(cat, last) ? 0 : in_cat;
      last = cat;
      /* at most 3 per category, and stop well before GitHub's 65536-character comment limit */
      if (++in_cat > 3 || out->len > 56000) {
        left_out++;
        continue;
      }
      raw(m, "**");
      cell(m, ds_json_str(e, "category", ""));
      raw(m, "** · `");
      /* prefix keys are ids: keep them out of the code span's way */
      const char *key = ds_json_str(e, "prefix", "");
      for (const char *p = key; *p; p++)
        if (*p != '`') fmt(m, "%c", *p);
      raw(m, "` · evidence: ");
      cell(m, ds_json_str(e, "evidence", "—"));
      raw(m, "\n\nLast user message:\n\n");
      block(m, ds_json_str(e, "prompt", ""));
      raw(m, "\nOriginal:\n\n");
      block(m, ds_json_str(e, "original", NULL));
      raw(m, "\nCandidate:\n\n");
      block(m, ds_json_str(e, "response", NULL));
      raw(m, "\n");
    }
    if (left_out) fmt(m, "_%zu more flagged examples are in the HTML report._\n\n", left_out);
    raw(m, "</details>\n");
  }
}

enum ds_status report_md_render(const json_t *model, struct ds_buf *out, struct ds_err *err) {
  struct md M = {out, DS_OK}, *m = &M;
  const json_t *cands = json_object_get(model, "candidates");
  if (!cands) {
    candidate(m, model, out);
  } else {
    size_t i;
    const json_t *c;
    json_array_foreach(cands, i, c) {
      json_t *one = json_deep_copy(c);
      json_object_set_new(one, "title", json_string(ds_json_str(c, "name", "candidate")));
      json_object_set(one, "confidence", json_object_get(model, "confidence"));
      candidate(m, one, out);
      json_decref(one);
      raw(m, "\n");
    }
  }
  if (M.rc) return ds_fail(err, M.rc, "report: rendering Markdown: %s", ds_status_name(M.rc));
  return DS_OK;
}
