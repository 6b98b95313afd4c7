/* gate.c: depsim gate: applies a policy to a forecast, category by category, and renders the
 * decision as JSON, Markdown (for a pull request) and JUnit XML (a test case per category). */
#include <math.h>
#include <string.h>

#include "depsim/gate.h"
#include "gate/gate_int.h"
#include "stats/provenance.h"

const char *ds_gate_decision_name(enum ds_gate_decision d) {
  switch (d) {
  case DS_GATE_PASS: return "pass";
  case DS_GATE_FAIL: return "fail";
  default: return "inconclusive";
  }
}

enum ds_gate_decision gate_worse(enum ds_gate_decision a, enum ds_gate_decision b) {
  if (a == DS_GATE_FAIL || b == DS_GATE_FAIL) return DS_GATE_FAIL;
  if (a == DS_GATE_INCONCLUSIVE || b == DS_GATE_INCONCLUSIVE) return DS_GATE_INCONCLUSIVE;
  return DS_GATE_PASS;
}

/* A number of the forecast, NAN when absent or not a number. */
static double jnum(const json_t *o, const char *k) { return ds_json_num(o, k, NAN); }

void gate_say(struct ds_buf *b, const char *fmt, ...) {
  va_list ap;
  if (b->len) ds_buf_adds(b, "; ");
  va_start(ap, fmt);
  ds_buf_vaddf(b, fmt, ap);
  va_end(ap);
}

enum ds_gate_decision gate_decide(const json_t *cat, const struct policy_rule *r, struct ds_buf *why) {
  enum ds_gate_decision d = DS_GATE_PASS;
  double n = jnum(cat, "n");
  const json_t *src = cat;
  if (r->use_corrected && json_is_object(json_object_get(cat, "corrected"))) {
    src = json_object_get(cat, "corrected");
    gate_say(why, "judge-corrected rate used");
  }
  double rate = jnum(src, "rate"), lo = jnum(src, "lower"), hi = jnum(src, "upper");
  bool zero = json_is_true(json_object_get(cat, "zero_events"));
  if (!(n > 0) || !isfinite(rate)) {
    /* the forecast says why (not graded: needs a judge; errors only): never blame the judge for
     * what it was not asked */
    const char *reason = ds_json_str(cat, "status_reason", "");
    if (*reason) gate_say(why, "%s", reason);
    else gate_say(why, "no graded samples");
    if (isnan(r->max_rate) && isnan(r->max_ratio) && !r->min_n) {
      gate_say(why, "no rule applies");
      return DS_GATE_PASS;
    }
    return DS_GATE_INCONCLUSIVE;
  }
  if (r->min_n && n < (double)r->min_n) {
    gate_say(why, "n = %.0f is below min_n = %llu", n, (unsigned long long)r->min_n);
    d = DS_GATE_INCONCLUSIVE;
  }
  if (!isnan(r->max_rate)) {
    double m = r->max_rate;
    if (r->uncertainty == POLICY_UPPER_BOUND) {
      if (hi <= m) gate_say(why, "upper bound %.3g <= max_rate %.3g", hi, m);
      else if (!zero && lo > m) {
        gate_say(why, "lower bound %.3g > max_rate %.3g", lo, m);
        d = gate_worse(d, DS_GATE_FAIL);
      } else {
        if (zero) gate_say(why, "detection floor %.3g is above max_rate %.3g: more samples needed", hi, m);
        else gate_say(why, "interval [%.3g, %.3g] contains max_rate %.3g", lo, hi, m);
        d = gate_worse(d, DS_GATE_INCONCLUSIVE);
      }
    } else {
      double v = zero ? hi : rate, b = r->band;
      const char *what = zero ? "detection floor" : "rate";
      if (v * b <= m) gate_say(why, "%s %.3g x band %.3g <= max_rate %.3g", what, v, b, m);
      else if (!zero && v / b > m) {
        gate_say(why, "%s %.3g / band %.3g > max_rate %.3g", what, v, b, m);
        d = gate_worse(d, DS_GATE_FAIL);
      } else {
        gate_say(why, "%s %.3g is within a band of %.3gx of max_rate %.3g", what, v, b, m);
        d = gate_worse(d, DS_GATE_INCONCLUSIVE);
      }
    }
  }
  if (!isnan(r->max_ratio)) {
    const json_t *cmp = json_object_get(cat, "comparison");
    double m = r->max_ratio;
    if (!json_is_object(cmp)) {
      gate_say(why, "max_ratio %.3g needs a baseline comparison, which the forecast lacks", m);
      d = gate_worse(d, DS_GATE_INCONCLUSIVE);
    } else {
      double q = jnum(cmp, "ratio"), ql = jnum(cmp, "ratio_lower"), qh = jnum(cmp, "ratio_upper");
      if (!isfinite(q)) {
        gate_say(why, "no events in either run: ratio rule met");
      } else if (r->uncertainty == POLICY_UPPER_BOUND) {
        if (qh <= m) gate_say(why, "ratio upper bound %.3g <= max_ratio %.3g", qh, m);
        else if (ql > m) {
          gate_say(why, "ratio lower bound %.3g > max_ratio %.3g", ql, m);
          d = gate_worse(d, DS_GATE_FAIL);
        } else {
          gate_say(why, "ratio interval [%.3g, %.3g] contains max_ratio %.3g", ql, qh, m);
          d = gate_worse(d, DS_GATE_INCONCLUSIVE);
        }
      } else {
        double b = r->band;
        if (q * b <= m) gate_say(why, "ratio %.3g x band %.3g <= max_ratio %.3g", q, b, m);
        else if (q / b > m) {
          gate_say(why, "ratio %.3g / band %.3g > max_ratio %.3g", q, b, m);
          d = gate_worse(d, DS_GATE_FAIL);
        } else {
          gate_say(why, "ratio %.3g is within a band of %.3gx of max_ratio %.3g", q, b, m);
          d = gate_worse(d, DS_GATE_INCONCLUSIVE);
        }
      }
    }
  }
  if (isnan(r->max_rate) && isnan(r->max_ratio) && !r->min_n) gate_say(why, "no rule applies");
  return d;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }
/* a count of the forecast as an integer; null when it is none (absent, NaN, beyond 2^53) */
static json_t *whole(double v) { return fabs(v) <= 9007199254740992.0 ? json_integer((json_int_t)v) : json_null(); }

static json_t *rule_json(const struct policy_rule *r) {
  return json_pack("{s:o,s:o,s:s,s:f,s:I,s:b}", "max_rate", num(r->max_rate), "max_ratio", num(r->max_ratio),
                   "uncertainty", r->uncertainty == POLICY_BAND ? "band" : "upper_bound", "band", r->band, "min_n",
                   (json_int_t)r->min_n, "use_corrected", r->use_corrected);
}

void ds_gate_result_free(struct ds_gate_result *r) {
  if (!r) return;
  json_decref(r->doc);
  ds_free(r);
}

enum ds_gate_decision ds_gate_result_decision(const struct ds_gate_result *r) { return r->decision; }

enum ds_status gate_apply(const json_t *forecast, const struct policy *pol, const char *forecast_sha256,
                          struct ds_gate_result **out, struct ds_err *err) {
  const json_t *cats = json_object_get(forecast, "categories");
  if (!json_is_array(cats)) return ds_fail(err, DS_E_INVALID, "forecast: no categories array");
  struct ds_gate_result *r = ds_calloc(1, sizeof *r);
  json_t *list = json_array(), *doc = json_object();
  struct ds_buf why;
  ds_buf_init(&why, 0);
  if (!r || !list || !doc) {
    ds_free(r);
    json_decref(list);
    json_decref(doc);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  enum ds_gate_decision all = DS_GATE_PASS;
  bool seq = gate_seq_active(forecast);
  size_t i;
  json_t *c;
  json_array_foreach(cats, i, c) {
    const char *id = json_string_value(json_object_get(c, "id"));
    if (!id) {
      json_decref(list);
      json_decref(doc);
      ds_free(r);
      ds_buf_release(&why);
      return ds_fail(err, DS_E_INVALID, "forecast: category %zu has no id", i);
    }
    struct policy_rule rule;
    policy_resolve(pol, id, json_string_value(json_object_get(c, "severity")), &rule);
    ds_buf_reset(&why);
    const char *status = ds_json_str(c, "status", "graded");
    /* a category no sample applies to (agent categories on chat traffic) has nothing to gate:
     * it is listed, and it does not weigh on the decision */
    bool na = strcmp(status, "not_applicable") == 0 && !(jnum(c, "n") > 0);
    enum ds_gate_decision d = DS_GATE_PASS;
    json_t *e = json_object();
    if (na) {
      gate_say(&why, "%s", ds_json_str(c, "status_reason", "not applicable: no sample of this run is of its kind"));
      if (seq) json_object_set_new(e, "sequential", json_pack("{s:b}", "final", true));
    } else {
      bool final;
      d = seq ? gate_seq_decide(forecast, c, &rule, &why, e, &final) : gate_decide(c, &rule, &why);
      all = gate_worse(all, d);
    }
    const json_t *cmp = json_object_get(c, "comparison");
    json_object_set_new(e, "id", json_string(id));
    json_object_set(e, "title", json_object_get(c, "title") ? json_object_get(c, "title") : json_null());
    json_object_set(e, "severity", json_object_get(c, "severity") ? json_object_get(c, "severity") : json_null());
    json_object_set_new(e, "decision", json_string(na ? "not applicable" : ds_gate_decision_name(d)));
    json_object_set_new(e, "status", json_string(status));
    json_object_set(e, "applicable", json_object_get(c, "applicable") ? json_object_get(c, "applicable") : json_null());
    json_object_set_new(e, "zero_events", json_boolean(json_is_true(json_object_get(c, "zero_events"))));
    json_object_set_new(e, "reason", json_string(why.data));
    json_object_set_new(e, "rule", rule_json(&rule));
    json_object_set_new(e, "events", whole(jnum(c, "events")));
    json_object_set_new(e, "n", whole(jnum(c, "n")));
    json_object_set_new(e, "rate", num(jnum(c, "rate")));
    json_object_set_new(e, "lower", num(jnum(c, "lower")));
    json_object_set_new(e, "upper", num(jnum(c, "upper")));
    json_object_set(e, "text", json_object_get(c, "text") ? json_object_get(c, "text") : json_null());
    json_object_set_new(e, "baseline_rate", num(json_is_object(cmp) ? jnum(cmp, "baseline_rate") : NAN));
    json_object_set_new(e, "ratio", num(json_is_object(cmp) ? jnum(cmp, "ratio") : NAN));
    json_object_set_new(e, "ratio_lower", num(json_is_object(cmp) ? jnum(cmp, "ratio_lower") : NAN));
    json_object_set_new(e, "ratio_upper", num(json_is_object(cmp) ? jnum(cmp, "ratio_upper") : NAN));
    json_object_set(e, "direction", json_is_object(cmp) ? json_object_get(cmp, "direction") : json_null());
    json_array_append_new(list, e);
  }
  /* categories the policy names that the forecast lacks: the gate cannot vouch for them */
  for (size_t k = 0; k < pol->n_category; k++) {
    bool found = false;
    json_array_foreach(cats, i, c) if (strcmp(json_string_value(json_object_get(c, "id")), pol->category[k].name) == 0)
        found = true;
    if (found) continue;
    all = gate_worse(all, DS_GATE_INCONCLUSIVE);
    json_array_append_new(list, json_pack("{s:s,s:n,s:n,s:s,s:s,s:o}", "id", pol->category[k].name, "title",
                                          "severity", "decision", "inconclusive", "reason",
                                          "the policy names this category but the forecast does not have it",
                                          "rule", rule_json(&pol->category[k].rule)));
  }
  ds_buf_release(&why);
  char now[32];
  ds_now_iso8601(now);
  const json_t *run = json_object_get(forecast, "run"), *base = json_object_get(forecast, "baseline");
  json_object_set_new(doc, "format", json_string("depsim-gate"));
  json_object_set_new(doc, "format_version", json_integer(1));
  json_object_set_new(doc, "depsim_version", json_string(DS_VERSION));
  json_object_set_new(doc, "time", json_string(now));
  json_object_set_new(doc, "decision", json_string(ds_gate_decision_name(all)));
  json_object_set_new(doc, "policy_path", json_string(pol->path));
  json_object_set_new(doc, "policy_sha256", json_string(pol->sha256));
  json_object_set_new(doc, "forecast_sha256", json_string(forecast_sha256));
  json_object_set(doc, "rubric_sha256",
                  json_object_get(forecast, "rubric_sha256") ? json_object_get(forecast, "rubric_sha256") : json_null());
  json_object_set(doc, "corpus_sha256",
                  json_object_get(run, "corpus_sha256") ? json_object_get(run, "corpus_sha256") : json_null());
  json_object_set(doc, "candidate_model", json_object_get(run, "model") ? json_object_get(run, "model") : json_null());
  json_object_set(doc, "baseline_model",
                  json_object_get(base, "model") ? json_object_get(base, "model") : json_null());
  json_object_set_new(doc, "confidence", num(jnum(forecast, "confidence")));
  /* the run the forecast was made from: report --gate shows a decision only beside its run */
  json_object_set_new(doc, "run", json_pack("{s:O?, s:O?, s:O?}", "path", json_object_get(run, "path"), "run_id",
                                            json_object_get(run, "run_id"), "rubric_sha256",
                                            json_object_get(forecast, "rubric_sha256")));
  json_object_set_new(doc, "baseline_run",
                      json_is_object(base) ? json_pack("{s:O?, s:O?, s:O?}", "path", json_object_get(base, "path"),
                                                       "run_id", json_object_get(base, "run_id"), "rubric_sha256",
                                                       json_object_get(base, "rubric_sha256"))
                                           : json_null());
  /* how the candidate was paired with the baseline (prefixes left out for other prompts) */
  const json_t *pairing = json_object_get(forecast, "pairing");
  json_object_set(doc, "pairing", json_is_object(pairing) ? (json_t *)pairing : json_null());
  /* a run drawn in a random order: how far, on which intervals it was decided, why it stopped */
  json_object_set_new(doc, "sequential", gate_seq_summary(forecast, list));
  json_object_set_new(doc, "categories", list);
  r->doc = doc;
  r->decision = all;
  *out = r;
  return DS_OK;
}

enum ds_status ds_gate_run(const char *forecast_path, const char *policy_path, struct ds_gate_result **out,
                           struct ds_err *err) {
  struct policy pol;
  struct ds_buf b;
  enum ds_status st;
  json_t *f = NULL;
  ds_buf_init(&b, 0);
  if ((st = policy_load(policy_path, &pol, err))) goto done;
  if ((st = ds_read_file(forecast_path, 0, &b, err))) goto out;
  json_error_t je;
  f = json_loadb(b.data, b.len, 0, &je);
  if (!f) {
    st = ds_fail(err, DS_E_PARSE, "%s:%d: %s", forecast_path, je.line, je.text);
    goto out;
  }
  if (strcmp(ds_json_str(f, "format", ""), "depsim-forecast") != 0) {
    st = ds_fail(err, DS_E_INVALID, "%s: not a depsim forecast (format is not \"depsim-forecast\")", forecast_path);
    goto out;
  }
  char sha[65];
  ds_sha256_hex(b.data, b.len, sha);
  st = gate_apply(f, &pol, sha, out, err);
  if (!st) json_object_set_new((*out)->doc, "forecast_path", json_string(forecast_path));
out:
  policy_release(&pol);
done:
  json_decref(f);
  ds_buf_release(&b);
  return st;
}

enum ds_status ds_gate_result_check_run(const struct ds_gate_result *r, const char *run_path, struct ds_err *err) {
  char id[65];
  enum ds_status st = prov_run_id(run_path, id, err);
  if (st) return st;
  return prov_check(json_object_get(r->doc, "run"), ds_json_str(r->doc, "forecast_path", "forecast"), "forecast",
                    run_path, id, NULL, err);
}

void ds_gate_result_warn(const struct ds_gate_result *r, const struct ds_log *log) {
  const json_t *pr = json_object_get(r->doc, "pairing");
  if (!json_is_object(pr)) return;
  if (jnum(pr, "left_out") > 0)
    ds_logf(log, DS_LOG_WARN, "the baseline comparison leaves out %.0f of %.0f prefixes whose prompts differ (e.g. %s)",
            jnum(pr, "left_out"), jnum(pr, "common"), ds_json_str(pr, "example_mismatch", "?"));
  if (json_is_false(json_object_get(pr, "same_corpus")))
    ds_logf(log, DS_LOG_WARN, "the baseline was made from another corpus; the %.0f prefixes compared hold the same prompt",
            jnum(pr, "matched"));
}

enum ds_status ds_gate_result_json(const struct ds_gate_result *r, char **out, struct ds_err *err) {
  *out = json_dumps(r->doc, JSON_INDENT(2));
  return *out ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
}

/* per 100k, as in the forecast's text: whole numbers from 100, else 3 significant digits */
static void per100k(struct ds_buf *b, double v) {
  if (!isfinite(v)) ds_buf_adds(b, "–");
  else if (v * 1e5 >= 100) ds_buf_addf(b, "%.0f", v * 1e5);
  else ds_buf_addf(b, "%.3g", v * 1e5);
}

/* Markdown table cells: escape the pipe */
static void md_text(struct ds_buf *b, const char *s) {
  for (; s && *s; s++) {
    if (*s == '|') ds_buf_adds(b, "\\|");
    else if (*s == '\n') ds_buf_addc(b, ' ');
    else ds_buf_addc(b, *s);
  }
}

/* 0 pass, 1 fail, 2 inconclusive, 3 not applicable */
static int decision_index(const char *s) {
  return strcmp(s, "pass") == 0 ? 0 : strcmp(s, "fail") == 0 ? 1 : strcmp(s, "not applicable") == 0 ? 3 : 2;
}

enum ds_status ds_gate_result_markdown(const struct ds_gate_result *r, char **out, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  const json_t *d = r->doc;
  static const char *icon[] = {"✅", "❌", "⚠️", "➖"};
  ds_buf_addf(&b, "## depsim gate: %s %s\n\n", icon[r->decision], ds_gate_decision_name(r->decision));
  size_t i, counts[4] = {0};
  json_t *c;
  json_array_foreach(json_object_get(d, "categories"), i, c) counts[decision_index(ds_json_str(c, "decision", ""))]++;
  ds_buf_addf(&b, "%zu pass, %zu fail, %zu inconclusive", counts[0], counts[1], counts[2]);
  if (counts[3]) ds_buf_addf(&b, ", %zu not applicable", counts[3]);
  ds_buf_addf(&b, ". Rates per 100k with %g%% intervals.\n\n", jnum(d, "confidence") * 100);
  const json_t *pr = json_object_get(d, "pairing");
  if (json_is_object(pr) && jnum(pr, "left_out") > 0) {
    ds_buf_addf(&b, "> The baseline comparison leaves out %.0f of %.0f prefixes whose prompts differ between the runs (e.g. `",
                jnum(pr, "left_out"), jnum(pr, "common"));
    md_text(&b, ds_json_str(pr, "example_mismatch", "?"));
    ds_buf_adds(&b, "`).\n\n");
  }
  if (json_is_object(pr) && json_is_false(json_object_get(pr, "same_corpus")))
    ds_buf_addf(&b, "> The baseline was made from another corpus; the %.0f prefixes compared hold the same prompt in both.\n\n",
                jnum(pr, "matched"));
  const json_t *sq = json_object_get(d, "sequential");
  if (json_is_object(sq)) {
    ds_buf_adds(&b, "> ");
    md_text(&b, ds_json_str(sq, "line", ""));
    ds_buf_adds(&b, "\n\n");
  }
  ds_buf_adds(&b, "| Category | Severity | Events / n | Rate | Interval | Baseline | Ratio | Decision | Reason |\n"
                  "|---|---|---:|---:|---|---:|---|---|---|\n");
  json_array_foreach(json_object_get(d, "categories"), i, c) {
    ds_buf_adds(&b, "| ");
    md_text(&b, ds_json_str(c, "title", ds_json_str(c, "id", "")));
    ds_buf_adds(&b, " (`");
    md_text(&b, ds_json_str(c, "id", ""));
    ds_buf_adds(&b, "`) | ");
    md_text(&b, ds_json_str(c, "severity", "–"));
    double n = jnum(c, "n");
    if (!(n > 0)) {
      /* nothing graded: say what the category is instead of a rate ("< –" would read as a floor) */
      const char *st = ds_json_str(c, "status", "not_graded");
      ds_buf_addf(&b, " | 0 / 0 | – | %s | – | –",
                  strcmp(st, "not_applicable") == 0 ? "not applicable"
                  : strcmp(st, "needs_judge") == 0  ? "not graded: needs a judge"
                  : strcmp(st, "errors") == 0       ? "grader errors only"
                                                    : "not graded");
    } else {
      ds_buf_addf(&b, " | %.0f / %.0f | ", jnum(c, "events"), n);
      if (json_is_true(json_object_get(c, "zero_events")) || jnum(c, "events") == 0) {
        ds_buf_adds(&b, "< ");
        per100k(&b, jnum(c, "upper"));
        ds_buf_adds(&b, " | floor");
      } else {
        per100k(&b, jnum(c, "rate"));
        ds_buf_adds(&b, " | ");
        per100k(&b, jnum(c, "lower"));
        ds_buf_adds(&b, "–");
        per100k(&b, jnum(c, "upper"));
      }
      ds_buf_adds(&b, " | ");
      per100k(&b, jnum(c, "baseline_rate"));
      ds_buf_adds(&b, " | ");
      double rl = jnum(c, "ratio_lower"), ru = jnum(c, "ratio_upper");
      if (!isfinite(jnum(c, "ratio"))) ds_buf_adds(&b, "–");
      else if (isfinite(rl) && isfinite(ru)) ds_buf_addf(&b, "%.3g (%.3g–%.3g)", jnum(c, "ratio"), rl, ru);
      else if (isfinite(rl) && rl > 0) ds_buf_addf(&b, "%.3g (≥ %.3g, no upper bound)", jnum(c, "ratio"), rl);
      else ds_buf_addf(&b, "%.3g (no interval)", jnum(c, "ratio"));
      if (isfinite(jnum(c, "ratio"))) ds_buf_addf(&b, " %s", ds_json_str(c, "direction", ""));
    }
    const char *s = ds_json_str(c, "decision", "");
    ds_buf_addf(&b, " | %s **%s** | ", icon[decision_index(s)], s);
    md_text(&b, ds_json_str(c, "reason", ""));
    ds_buf_adds(&b, " |\n");
  }
  ds_buf_addf(&b, "\nPolicy `%s` (sha256 `%.12s`), forecast sha256 `%.12s`, depsim %s.\n",
              ds_json_str(d, "policy_path", ""), ds_json_str(d, "policy_sha256", ""),
              ds_json_str(d, "forecast_sha256", ""), DS_VERSION);
  size_t len;
  char *s = ds_buf_detach(&b, &len);
  if (!s) return ds_fail(err, DS_E_NOMEM, "out of memory");
  *out = s;
  return DS_OK;
}

static void xml_text(struct ds_buf *b, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&': ds_buf_adds(b, "&amp;"); break;
    case '<': ds_buf_adds(b, "&lt;"); break;
    case '>': ds_buf_adds(b, "&gt;"); break;
    case '"': ds_buf_adds(b, "&quot;"); break;
    case '\'': ds_buf_adds(b, "&apos;"); break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') ds_buf_addc(b, ' ');
      else ds_buf_addc(b, *s);
    }
  }
}

enum ds_status ds_gate_result_junit(const struct ds_gate_result *r, char **out, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  const json_t *cats = json_object_get(r->doc, "categories");
  size_t i, n = json_array_size(cats), fails = 0, skips = 0;
  json_t *c;
  json_array_foreach(cats, i, c) {
    const char *s = ds_json_str(c, "decision", "");
    fails += strcmp(s, "fail") == 0;
    skips += strcmp(s, "inconclusive") == 0 || strcmp(s, "not applicable") == 0;
  }
  ds_buf_addf(&b,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"depsim gate\" tests=\"%zu\" "
              "failures=\"%zu\" skipped=\"%zu\">\n  <testsuite name=\"depsim gate\" tests=\"%zu\" failures=\"%zu\" "
              "skipped=\"%zu\" errors=\"0\" timestamp=\"%s\">\n",
              n, fails, skips, n, fails, skips, ds_json_str(r->doc, "time", ""));
  json_array_foreach(cats, i, c) {
    const char *s = ds_json_str(c, "decision", "");
    ds_buf_adds(&b, "    <testcase classname=\"depsim.gate\" name=\"");
    xml_text(&b, ds_json_str(c, "id", ""));
    ds_buf_adds(&b, "\">\n");
    if (strcmp(s, "pass") != 0) {
      ds_buf_adds(&b, strcmp(s, "fail") == 0             ? "      <failure type=\"gate\" message=\""
                      : strcmp(s, "not applicable") == 0 ? "      <skipped message=\""
                                                         : "      <skipped message=\"inconclusive: ");
      xml_text(&b, ds_json_str(c, "reason", ""));
      ds_buf_adds(&b, "\"/>\n");
    }
    ds_buf_adds(&b, "      <system-out>");
    xml_text(&b, ds_json_str(c, "text", ""));
    ds_buf_adds(&b, " | ");
    xml_text(&b, ds_json_str(c, "reason", ""));
    ds_buf_adds(&b, "</system-out>\n    </testcase>\n");
  }
  ds_buf_adds(&b, "  </testsuite>\n</testsuites>\n");
  size_t len;
  char *s = ds_buf_detach(&b, &len);
  if (!s) return ds_fail(err, DS_E_NOMEM, "out of memory");
  *out = s;
  return DS_OK;
}
