/* html_page.c: the page around the sections: head (inline CSS, a Content-Security-Policy that
 * allows no resource from anywhere and only the page's own script, by its SHA-256), the flagged
 * examples as static HTML (they read with scripts off), the side-by-side table of several
 * candidates, and the sample browser: its data embedded as JSON in a non-executable script
 * element (every '<', '>' and '&' escaped, so nothing in it can end the element) and the script
 * that draws it with textContent only. */
#include <openssl/evp.h>
#include <string.h>

#include "report/html_int.h"

void html_runs(struct html *h, const json_t *cands, const json_t *base);
void html_candidate_sections(struct html *h, const json_t *m);
void html_verdict(struct html *h, const json_t *m, const char *who);
void html_unrated(struct html *h, const json_t *cats);

static const char CSS[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#111827;"
    "background:#fff}main{max-width:1180px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}"
    "h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:15px;"
    "margin:20px 0 6px}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #e5e7eb;padding:4px 8px;"
    "text-align:left;vertical-align:top}th{background:#f9fafb}td.num{text-align:right;font-variant-numeric:"
    "tabular-nums}.muted{color:#6b7280}.note{color:#6b7280;font-size:12px}.warn{color:#b45309;font-size:13px}"
    "code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}svg{display:block;margin:8px 0;max-width:100%;"
    "height:auto}svg text{font:12px system-ui,sans-serif;fill:#111827}svg .tick{fill:#6b7280;font-size:11px}svg "
    ".cat{font-weight:600}svg .val{font-size:11px}svg .grid{stroke:#f3f4f6}svg .sep{stroke:#f3f4f6}svg .lbl{"
    "font-size:11px}.ex{border:1px solid #e5e7eb;border-radius:6px;margin:10px 0;padding:8px 10px}.ex .hd{"
    "font-size:12px;color:#374151;margin-bottom:6px}.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}"
    "pre.msg{white-space:pre-wrap;word-break:break-word;background:#f9fafb;border:1px solid #f3f4f6;padding:6px "
    "8px;margin:2px 0;max-height:420px;overflow:auto;font:12px/1.4 ui-monospace,Menlo,monospace}mark{background:"
    "#fde68a;padding:0 1px}.lab{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280}"
    ".legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;"
    "margin-right:4px;vertical-align:middle}.pass{color:#15803d}.fail{color:#b91c1c}"
    ".verdict{border-radius:8px;padding:14px 18px;margin:16px 0;border:2px solid #d1d5db;background:#f9fafb}"
    ".verdict .big{font-size:30px;font-weight:800;letter-spacing:.02em}.verdict .who{font-size:16px;font-weight:"
    "600;color:#374151}.v-pass{border-color:#16a34a;background:#f0fdf4}.v-pass .big{color:#15803d}"
    ".v-fail{border-color:#dc2626;background:#fef2f2}.v-fail .big{color:#b91c1c}.v-inc{border-color:#d97706;"
    "background:#fffbeb}.v-inc .big{color:#b45309}.verdict table{background:#fff}.vt tr.r-fail th{border-left:"
    "4px solid #dc2626}.vt tr.r-inc th{border-left:4px solid #d97706}.vt tr.r-pass th{border-left:4px solid "
    "#16a34a}.vt tr.r-na{color:#6b7280}tr.gflag td{color:#991b1b}"
    ".chip{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;background:"
    "#e5e7eb}.chip.fail{background:#fee2e2;color:#991b1b}.chip.inc{background:#fef3c7;color:#92400e}.chip.pass{"
    "background:#dcfce7;color:#166534}.chip.na{background:#f3f4f6;color:#6b7280}"
    ".scroll{overflow:auto;max-height:720px;border:1px solid #e5e7eb}table.seg{margin:0;font-size:12px}"
    "table.seg th,table.seg td{white-space:nowrap;padding:3px 6px}table.seg thead th{position:sticky;top:0;"
    "z-index:2}table.seg tbody th{position:sticky;left:0;z-index:1}table.seg.many thead th span{writing-mode:"
    "vertical-rl;transform:rotate(180deg);display:inline-block;max-height:160px;overflow:hidden}table.seg td{"
    "text-align:right}table.seg td small{color:#6b7280;margin-left:4px}td.empty{color:#d1d5db;text-align:center}"
    "td.floorc{color:#4b5563}table.seg td.hot,table.seg td.hot small{color:#fff}.src{display:inline-block;border-left:4px solid;padding:0 6px;margin:1px 4px 1px 0;"
    "background:#f9fafb;font-size:12px}details.fold>summary{cursor:pointer;color:#2563eb;font-size:12px}"
    "#browser .bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:8px 0}#browser select,#browser "
    "input{font:13px system-ui,sans-serif;padding:3px}#browser input[type=search]{min-width:260px}.tabs button{"
    "font:13px system-ui;padding:4px 12px;margin-right:4px;border:1px solid #d1d5db;background:#f9fafb;cursor:"
    "pointer}.tabs button.on{background:#2563eb;color:#fff;border-color:#2563eb}.list{width:100%}.list td{"
    "cursor:pointer}.list tr.sel td{background:#eff6ff}.list .snip{color:#374151;max-width:520px;overflow:"
    "hidden;text-overflow:ellipsis;white-space:nowrap}.pager button{margin:0 4px}.detail{border:1px solid "
    "#93c5fd;border-radius:6px;padding:10px;margin:10px 0}.msgrole{font-size:11px;text-transform:uppercase;"
    "color:#6b7280;margin-top:6px}.grid td{vertical-align:top;min-width:220px}.flag{color:#b91c1c;font-weight:"
    "600;font-size:12px}";

/* ---- static examples --------------------------------------------------------------------------- */

static void tool_steps_table(struct html *h, const json_t *steps) {
  if (!json_array_size(steps)) return;
  h_raw(h, "<div class=\"lab\">tool calls and simulated answers</div><table class=\"steps\"><tr><th>#</th><th>tool"
           "</th><th>arguments</th><th>source</th><th>answer</th></tr>");
  size_t i;
  const json_t *s;
  json_array_foreach(steps, i, s) {
    h_fmt(h, "<tr><td class=\"num\">%lld</td><td>", (long long)json_integer_value(json_object_get(s, "step")));
    h_esc(h, ds_json_str(s, "tool", ""));
    if (json_is_true(json_object_get(s, "side_effect"))) h_raw(h, "<br><span class=\"note\">side effect: recorded, not run</span>");
    h_raw(h, "</td><td>");
    h_text_block(h, ds_json_str(s, "arguments", ""), NULL);
    h_fmt(h, "</td><td><span class=\"src\" style=\"border-color:%s\">", source_color(ds_json_str(s, "source", "")));
    h_esc(h, ds_json_str(s, "source", ""));
    h_raw(h, "</span></td><td>");
    h_text_block(h, ds_json_str(s, "response", NULL), NULL);
    h_raw(h, "</td></tr>");
  }
  h_raw(h, "</table>");
}

static void examples_section(struct html *h, const json_t *m, const char *who) {
  const json_t *exs = json_object_get(m, "examples");
  if (!json_array_size(exs)) return;
  h_raw(h, "<h2 id=\"examples\">Top flagged examples");
  if (who) {
    h_raw(h, ": ");
    h_esc(h, who);
  }
  h_raw(h, "</h2><p class=\"note\">Evidence found by the grader is highlighted. The original answer (production) "
           "is shown beside the new one; every sample is in the sample browser below.</p>");
  size_t i;
  const json_t *e;
  const char *last = "";
  json_array_foreach(exs, i, e) {
    const char *cat = ds_json_str(e, "category", "");
    if (strcmp(cat, last)) {
      h_raw(h, "<h3 id=\"ex-");
      h_esc(h, h->pfx);
      h_esc(h, cat);
      h_raw(h, "\">");
      h_esc(h, cat);
      h_raw(h, "</h3>");
      last = cat;
    }
    h_raw(h, "<div class=\"ex\"><div class=\"hd\"><code>");
    h_esc(h, ds_json_str(e, "prefix", ""));
    h_fmt(h, "</code> k=%lld · grader ", (long long)json_integer_value(json_object_get(e, "k")));
    h_esc(h, ds_json_str(e, "grader", "?"));
    if (json_is_number(json_object_get(e, "confidence"))) h_fmt(h, " · confidence %.2f", h_num(e, "confidence"));
    if (ds_json_str(e, "finish_reason", NULL)) {
      h_raw(h, " · ended: ");
      h_esc(h, ds_json_str(e, "finish_reason", ""));
    }
    if (ds_json_str(e, "evidence", NULL)) {
      h_raw(h, " · evidence: <mark>");
      h_esc(h, ds_json_str(e, "evidence", ""));
      h_raw(h, "</mark>");
    }
    if (ds_json_str(e, "evidence_detail", NULL)) {
      h_raw(h, " <span class=\"muted\">(");
      h_esc(h, ds_json_str(e, "evidence_detail", ""));
      h_raw(h, ")</span>");
    }
    h_raw(h, "</div><div class=\"lab\">last user message</div>");
    h_text_block(h, ds_json_str(e, "prompt", ""), NULL);
    h_raw(h, "<div class=\"pair\"><div><div class=\"lab\">original</div>");
    h_text_block(h, ds_json_str(e, "original", NULL), ds_json_str(e, "evidence", NULL));
    h_raw(h, "</div><div><div class=\"lab\">candidate</div>");
    h_text_block(h, ds_json_str(e, "response", NULL), ds_json_str(e, "evidence", NULL));
    h_raw(h, "</div></div>");
    tool_steps_table(h, json_object_get(e, "tool_steps"));
    h_raw(h, "</div>\n");
  }
}

/* ---- several candidates ------------------------------------------------------------------------ */

static void comparison_section(struct html *h, const json_t *model) {
  const json_t *cands = json_object_get(model, "candidates"), *rows = json_object_get(model, "comparison");
  bool has_base = json_is_object(json_object_get(model, "baseline"));
  h_raw(h, "<h2 id=\"compare\">Rates side by side</h2><p class=\"note\">Each candidate's rate with its interval; "
           "below it the paired difference to the baseline on the same prefixes and the gate's decision.</p>"
           "<div class=\"scroll\"><table id=\"table-compare\"><thead><tr><th>category</th>");
  if (has_base) h_raw(h, "<th>baseline</th>");
  size_t i, j;
  const json_t *c, *cell;
  json_array_foreach(cands, i, c) {
    h_raw(h, "<th>");
    h_esc(h, ds_json_str(c, "name", ""));
    h_raw(h, "</th>");
  }
  h_raw(h, "</tr></thead><tbody>");
  json_array_foreach(rows, i, c) {
    h_raw(h, "<tr><th>");
    h_esc(h, ds_json_str(c, "id", ""));
    h_raw(h, "</th>");
    if (has_base) {
      h_raw(h, "<td class=\"num\">");
      h_rate(h, json_object_get(c, "baseline"));
      h_raw(h, "</td>");
    }
    json_array_foreach(json_object_get(c, "candidates"), j, cell) {
      const char *st = ds_json_str(cell, "status", "graded");
      if (!json_is_object(json_object_get(cell, "candidate"))) {
        h_raw(h, "<td class=\"muted\">");
        h_esc(h, strcmp(st, "absent") == 0 ? "absent" : report_status_label(st));
        h_raw(h, "</td>");
        continue;
      }
      h_raw(h, "<td class=\"num\">");
      h_rate(h, json_object_get(cell, "candidate"));
      const json_t *pd = json_object_get(cell, "paired");
      if (json_is_object(pd)) {
        double d = h_num(pd, "diff");
        h_fmt(h, "<br><span class=\"note\">%s%.2f pp vs baseline, ", d >= 0 ? "+" : "", 100 * d);
        h_esc(h, ds_json_str(pd, "direction", ""));
        h_raw(h, "</span>");
      }
      if (ds_json_str(cell, "decision", NULL)) {
        const char *dd = ds_json_str(cell, "decision", "");
        h_fmt(h, "<br><span class=\"chip %s\">",
              strcmp(dd, "pass") == 0 ? "pass" : strcmp(dd, "fail") == 0 ? "fail" : strcmp(dd, "inconclusive") == 0 ? "inc" : "na");
        h_esc(h, dd);
        h_raw(h, "</span>");
      }
      h_raw(h, "</td>");
    }
    h_raw(h, "</tr>");
  }
  h_raw(h, "</tbody></table></div>");
}

/* ---- the sample browser ------------------------------------------------------------------------ */

/* JSON that cannot end the <script> element it sits in: '<', '>', '&' and the two JavaScript line
 * separators as \u escapes (they only ever occur inside strings, where the escape is the same). */
static void embed_json(struct html *h, const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!s) {
    h->rc = DS_E_NOMEM;
    return;
  }
  const char *p = s;
  for (const char *q = s; *q && !h->rc; q++) {
    const char *rep = NULL;
    if (*q == '<') rep = "\\u003c";
    else if (*q == '>') rep = "\\u003e";
    else if (*q == '&') rep = "\\u0026";
    else if ((unsigned char)q[0] == 0xE2 && (unsigned char)q[1] == 0x80 && ((unsigned char)q[2] == 0xA8 || (unsigned char)q[2] == 0xA9))
      rep = (unsigned char)q[2] == 0xA8 ? "\\u2028" : "\\u2029";
    if (!rep) continue;
    h->rc = ds_buf_add(h->b, p, (size_t)(q - p));
    h_raw(h, rep);
    if ((unsigned char)q[0] == 0xE2) q += 2;
    p = q + 1;
  }
  if (!h->rc) h->rc = ds_buf_adds(h->b, p);
  free(s);
}

static void browser_section(struct html *h, const json_t *model) {
  const json_t *b = json_object_get(model, "browser");
  h_raw(h, "<h2 id=\"samples\">Every sample</h2>");
  long long total = (long long)json_integer_value(json_object_get(b, "total"));
  long long emb = (long long)json_integer_value(json_object_get(b, "embedded"));
  h_fmt(h, "<p class=\"note\" id=\"b-cap\">%lld of %lld samples are embedded in this page", emb, total);
  if (total > emb)
    h_fmt(h, "; %lld left out (the cap is --max-samples %lld: flagged samples first, the rest stratified by segment "
             "and finish reason; %lld flagged ones did not fit)",
          total - emb, (long long)json_integer_value(json_object_get(b, "max_samples")),
          (long long)json_integer_value(json_object_get(b, "left_out_flagged")));
  const json_t *dn = json_object_get(model, "deid");
  if (json_is_object(dn)) {
    bool sur = !strcmp(ds_json_str(dn, "replace", ""), "surrogate");
    const char *as = ds_json_str(dn, "corpus_replace", NULL);
    h_fmt(h, ". Personal data in the text shown is replaced by %s", sur ? "made-up values of the same kind" : "placeholders");
    if (as) h_fmt(h, " (%s)", json_is_true(json_object_get(dn, "as_corpus")) ? "as in the replayed corpus" : "the corpus has the other kind");
    if (sur && json_is_true(json_object_get(dn, "corpus_keyed")) && !json_is_true(json_object_get(dn, "keyed")))
      h_raw(h, "; without the corpus's key (report --deid-key-env) they differ from the corpus's");
  }
  h_raw(h, ".</p><div id=\"browser\"><noscript><p class=\"warn\">The sample browser needs JavaScript. The verdict, "
           "the rates and the flagged examples above are complete without it.</p></noscript></div>");
  /* the data the script reads: the browser block plus each category's title and status */
  json_t *data = json_pack("{s:O}", "browser", b);
  json_t *cats = json_object();
  const json_t *cands = json_object_get(model, "candidates");
  size_t i, j;
  const json_t *m, *c;
  if (!cands) cands = NULL;
  for (i = 0; i < (cands ? json_array_size(cands) : 1); i++) {
    m = cands ? json_array_get(cands, i) : model;
    json_array_foreach(json_object_get(m, "categories"), j, c) {
      if (json_object_get(cats, ds_json_str(c, "id", ""))) continue;
      json_object_set_new(cats, ds_json_str(c, "id", ""),
                          json_pack("{s:s?, s:s?}", "title", ds_json_str(c, "title", NULL), "status",
                                    ds_json_str(c, "status", NULL)));
    }
  }
  json_object_set_new(data, "categories", cats);
  h_raw(h, "<script type=\"application/json\" id=\"ds-data\">");
  embed_json(h, data);
  json_decref(data);
  h_raw(h, "</script><script>");
  if (!h->rc) h->rc = ds_buf_add(h->b, report_browser_js, report_browser_js_len);
  h_raw(h, "</script>");
}

/* 'sha256-…' of the script, for the Content-Security-Policy */
static void script_hash(char out[64]) {
  unsigned char md[32];
  unsigned int n = 0;
  out[0] = 0;
  if (EVP_Digest(report_browser_js, report_browser_js_len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) return;
  EVP_EncodeBlock((unsigned char *)out, md, 32);
}

static void head(struct html *h, const json_t *m) {
  char hash[64];
  script_hash(hash);
  h_fmt(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:; script-src 'sha256-%s'; base-uri 'none'; form-action 'none'\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
        hash);
  h_esc(h, ds_json_str(m, "title", "depsim report"));
  h_fmt(h, "</title><style>%s</style></head><body><main>\n<h1>", CSS);
  h_esc(h, ds_json_str(m, "title", "depsim report"));
  h_raw(h, "</h1><p class=\"muted\">Generated ");
  h_esc(h, ds_json_str(m, "generated_at", ""));
  h_fmt(h, " by depsim %s. Intervals are %.0f%%; a rate with zero events is shown as a floor (its upper bound), "
           "not as zero.</p>\n",
        DS_VERSION, 100 * ds_json_num(m, "confidence", 0.95));
}

enum ds_status report_html_render(const json_t *m, struct ds_buf *out, struct ds_err *err) {
  struct html H = {out, DS_OK, ""}, *h = &H;
  const json_t *cands = json_object_get(m, "candidates");
  char pfx[32];
  head(h, m);
  if (!cands) {
    html_verdict(h, m, NULL);
    json_t *one = json_pack("[O]", m);
    html_runs(h, one, json_object_get(m, "baseline"));
    json_decref(one);
    html_candidate_sections(h, m);
    examples_section(h, m, NULL);
  } else {
    size_t i;
    const json_t *c;
    json_array_foreach(cands, i, c) {
      snprintf(pfx, sizeof pfx, "c%zu-", i);
      h->pfx = pfx;
      html_verdict(h, c, ds_json_str(c, "name", ""));
    }
    h->pfx = "";
    html_runs(h, cands, json_object_get(m, "baseline"));
    comparison_section(h, m);
    json_array_foreach(cands, i, c) {
      snprintf(pfx, sizeof pfx, "c%zu-", i);
      h->pfx = pfx;
      h_raw(h, "<details class=\"cand\"><summary><b>");
      h_esc(h, ds_json_str(c, "name", ""));
      h_raw(h, "</b>: rates, segments, realism and tool use</summary>");
      html_candidate_sections(h, c);
      h_raw(h, "</details>");
    }
    json_array_foreach(cands, i, c) {
      snprintf(pfx, sizeof pfx, "c%zu-", i);
      h->pfx = pfx;
      examples_section(h, c, ds_json_str(c, "name", ""));
    }
    h->pfx = "";
  }
  browser_section(h, m);
  h_raw(h, "</main></body></html>\n");
  if (H.rc) return ds_fail(err, H.rc, "report: rendering HTML: %s", ds_status_name(H.rc));
  return DS_OK;
}
