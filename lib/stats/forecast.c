/* forecast.c: depsim estimate: turns loaded runs into the forecast document
 * (docs/internals/forecast.md): per-category rates with intervals, floors, segment breakdowns,
 * judge-error correction and the paired comparison with a baseline. */
#include <math.h>
#include <string.h>

#include "stats/coverage.h"
#include "stats/run_data.h"
#include "stats/seq_run.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

void ds_estimate_params_init(struct ds_estimate_params *p) {
  memset(p, 0, sizeof *p);
  p->confidence = 0.95;
}

static json_t *prop_json(const struct ds_prop_acc *a, double conf) {
  struct ds_prop_est e;
  char text[128];
  ds_prop_estimate(a, conf, &e);
  ds_prop_text(&e, conf, text, sizeof text);
  json_t *o = json_object();
  json_object_set_new(o, "events", json_integer((json_int_t)e.events));
  json_object_set_new(o, "n", json_integer((json_int_t)e.n));
  json_object_set_new(o, "grader_errors", json_integer((json_int_t)e.grader_errors));
  json_object_set_new(o, "missing", json_integer((json_int_t)e.missing));
  json_object_set_new(o, "n_clusters", json_integer((json_int_t)e.clusters));
  json_object_set_new(o, "rate", num(e.rate));
  json_object_set_new(o, "lower", num(e.lower));
  json_object_set_new(o, "upper", num(e.upper));
  json_object_set_new(o, "interval_method", e.n ? json_string(ds_interval_method_name(e.method)) : json_null());
  json_object_set_new(o, "effective_n", num(e.n ? e.eff_n : NAN));
  json_object_set_new(o, "design_effect", num(e.deff));
  json_object_set_new(o, "zero_events", json_boolean(e.zero_events));
  json_object_set_new(o, "detection_floor", num(e.floor));
  json_object_set_new(o, "per_100k", json_pack("{s:o,s:o,s:o}", "rate", num(e.rate * 1e5), "lower",
                                               num(e.lower * 1e5), "upper", num(e.upper * 1e5)));
  json_object_set_new(o, "text", json_string(text));
  return o;
}

static json_t *run_json(const struct run_data *r, const struct run_totals *t) {
  uint64_t with = 0;
  uint32_t kmax = 0;
  for (size_t j = 0; j < r->n_prefixes; j++) {
    uint32_t k = r->sample_begin[j + 1] - r->sample_begin[j];
    if (k) with++;
    if (k > kmax) kmax = k;
  }
  bool weighted = false, clustered = false;
  for (size_t c = 0; c < t->n_categories; c++) {
    weighted |= t->total[c].weighted;
    clustered |= t->total[c].clustered;
  }
  json_t *model = json_object_get(r->meta, "model_spec");
  if (!model) model = json_object_get(r->meta, "model");
  if (!model) model = json_object_get(r->meta, "backend"); /* what replay writes: the spec without secrets */
  json_t *corpus = json_object_get(r->meta, "corpus_sha256");
  json_t *o = json_object();
  json_object_set_new(o, "path", json_string(r->path));
  /* the run's identity (meta.run_id, written at its creation): report and gate check that a
   * forecast belongs to the run they are given */
  json_t *run_id = json_object_get(r->meta, "run_id");
  json_object_set(o, "run_id", json_is_string(run_id) ? run_id : json_null());
  json_object_set_new(o, "rubric_sha256", json_string(r->rubric_sha256));
  json_object_set(o, "corpus_sha256", corpus ? corpus : json_null());
  json_object_set(o, "model", model ? model : json_null());
  json_object_set(o, "meta", r->meta);
  json_object_set_new(o, "n_prefixes", json_integer((json_int_t)with));
  json_object_set_new(o, "n_samples", json_integer((json_int_t)r->n_samples));
  json_object_set_new(o, "n_samples_ok", json_integer((json_int_t)(r->n_samples - r->n_failed)));
  json_object_set_new(o, "n_samples_failed", json_integer((json_int_t)r->n_failed));
  json_object_set_new(o, "k_max", json_integer(kmax));
  json_object_set_new(o, "weighted", json_boolean(weighted));
  json_object_set_new(o, "clustered", json_boolean(clustered));
  return o;
}

static json_t *rubric_entry(const struct run_data *r, const char *id) {
  size_t i;
  json_t *c;
  json_array_foreach(r->rubric_categories, i, c) if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
      return c;
  return NULL;
}

static json_t *corrected_json(const json_t *cal, const json_t *est, double conf, const char *cat,
                              struct ds_err *err, enum ds_status *st) {
  double se = ds_json_num(cal, "sensitivity", NAN), sp = ds_json_num(cal, "specificity", NAN);
  double np = ds_json_num(cal, "n_pos", NAN), nn = ds_json_num(cal, "n_neg", NAN);
  double rate, lo, hi;
  double obs = ds_json_num(est, "rate", NAN);
  if (!isfinite(obs)) return json_null();
  if (ds_stats_rogan_gladen(obs, ds_json_num(est, "lower", 0), ds_json_num(est, "upper", 1), se, sp, np, nn,
                            conf, &rate, &lo, &hi)) {
    *st = ds_fail(err, DS_E_INVALID,
                  "calibration for '%s': need sensitivity and specificity in [0,1] with a sum above 1, "
                  "and n_pos, n_neg > 0",
                  cat);
    return NULL;
  }
  return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:s}", "sensitivity", se, "specificity", sp, "n_pos", np, "n_neg",
                   nn, "rate", rate, "lower", lo, "upper", hi, "method",
                   "rogan-gladen; delta-method interval widened for calibration uncertainty");
}

enum ds_status stats_forecast_build(const struct run_data *cand, const struct run_totals *ct,
                                    const struct run_data *base, const struct run_totals *bt,
                                    const struct ds_pair_acc *pairs, const json_t *calibration, double conf,
                                    json_t **out, struct ds_err *err) {
  enum ds_status st = DS_OK;
  char now[32];
  ds_now_iso8601(now);
  json_t *doc = json_object(), *cats = json_array(), *warn = json_array();
  if (!doc || !cats || !warn) {
    json_decref(doc);
    json_decref(cats);
    json_decref(warn);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  json_object_set_new(doc, "format", json_string("depsim-forecast"));
  json_object_set_new(doc, "format_version", json_integer(1));
  json_object_set_new(doc, "depsim_version", json_string(DS_VERSION));
  json_object_set_new(doc, "created_at", json_string(now));
  json_object_set_new(doc, "confidence", json_real(conf));
  json_object_set_new(doc, "rubric_sha256", json_string(cand->rubric_sha256));
  json_object_set_new(doc, "run", run_json(cand, ct));
  json_object_set_new(doc, "baseline", base ? run_json(base, bt) : json_null());
  json_object_set_new(
      doc, "method",
      json_pack("{s:s,s:s,s:s}", "interval",
                "wilson; clopper-pearson when events < 10 or n - events < 10; design-based (Korn-Graubard "
                "effective n, linearized cluster-robust variance) when clustered or weighted",
                "zero_events", "upper bound only (one-sided exact), reported as below the detection floor",
                "paired", "matched on (conv_id, cut_index, k) holding the same prompt (digest); difference, ratio "
                "and direction from one method: simple pairs the hull of the exact conditional (McNemar) and "
                "large-sample intervals, clustered the linearized difference and Fieller's ratio"));
  for (size_t c = 0; c < cand->n_categories; c++) {
    const char *id = cand->category[c];
    json_t *o = json_object(), *meta = rubric_entry(cand, id);
    json_object_set_new(o, "id", json_string(id));
    json_object_set(o, "title", meta ? json_object_get(meta, "title") : json_null());
    json_object_set(o, "severity", meta ? json_object_get(meta, "severity") : json_null());
    json_object_update_new(o, prop_json(&ct->total[c], conf));
    /* corrected */
    const json_t *cal = json_object_get(calibration, id);
    json_t *corr = json_null();
    if (cal) {
      corr = corrected_json(cal, o, conf, id, err, &st);
      if (!corr) {
        json_decref(o);
        goto out;
      }
    }
    json_object_set_new(o, "corrected", corr);
    /* segments */
    json_t *segs = json_object();
    for (size_t g = 0; g < cand->n_segments; g++) {
      const struct ds_prop_acc *a = &ct->segment[c * ct->n_segments + g];
      json_t *list = json_object_get(segs, cand->seg_key[g]);
      if (!list) json_object_set_new(segs, cand->seg_key[g], list = json_array());
      json_t *e = prop_json(a, conf);
      json_object_set_new(e, "value", cand->seg_value[g] ? json_string(cand->seg_value[g]) : json_null());
      json_array_append_new(list, e);
    }
    json_object_set_new(o, "segments", segs);
    /* baseline */
    json_t *b = json_null(), *cmp = json_null();
    if (base) {
      size_t bc = 0;
      while (bc < base->n_categories && strcmp(base->category[bc], id) != 0) bc++;
      if (bc < base->n_categories) {
        b = prop_json(&bt->total[bc], conf);
        cmp = stats_pair_json(&pairs[c], conf);
      } else {
        json_array_append_new(warn, json_sprintf("category '%s' is not graded in the baseline run", id));
      }
    }
    json_object_set_new(o, "baseline", b);
    json_object_set_new(o, "comparison", cmp);
    if (ct->total[c].grader_errors)
      json_array_append_new(warn, json_sprintf("category '%s': %llu grader errors (label NULL), not counted in n", id,
                                               (unsigned long long)ct->total[c].grader_errors));
    /* samples a category does not apply to (chat vs agent), or whose judge was not run, have no
     * grade: counted here; stats_coverage_annotate says which, and warns when no sample is graded */
    json_object_set_new(o, "ungraded", json_integer((json_int_t)ct->total[c].missing));
    json_array_append_new(cats, o);
  }
  if (calibration) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)calibration, k, v) {
      if (k[0] == '_') continue; /* "_calibration": where it was measured, not a category */
      size_t c = 0;
      while (c < cand->n_categories && strcmp(cand->category[c], k) != 0) c++;
      if (c == cand->n_categories)
        json_array_append_new(warn, json_sprintf("calibration for unknown category '%s' ignored", k));
    }
  }
out:
  json_object_set_new(doc, "categories", cats);
  json_object_set_new(doc, "warnings", warn);
  if (st) json_decref(doc);
  else *out = doc;
  return st;
}

enum ds_status ds_estimate_run(const struct ds_estimate_params *p, char **out_json, struct ds_err *err) {
  enum ds_status st;
  struct run_data *cand = NULL, *base = NULL;
  struct run_totals ct = {0}, bt = {0};
  struct ds_pair_acc *pairs = NULL;
  struct run_pairing pairing;
  json_t *cal = NULL, *doc = NULL;
  if (!p->run_path) return ds_fail(err, DS_E_INVALID, "no run database given");
  if (!(p->confidence > 0 && p->confidence < 1))
    return ds_fail(err, DS_E_INVALID, "confidence %g is not between 0 and 1", p->confidence);
  if (p->calibration_path) {
    json_error_t je;
    cal = json_load_file(p->calibration_path, 0, &je);
    if (!cal) return ds_fail(err, DS_E_PARSE, "%s:%d: %s", p->calibration_path, je.line, je.text);
    if (!json_is_object(cal)) {
      json_decref(cal);
      return ds_fail(err, DS_E_INVALID, "%s: expected an object {category: {sensitivity, specificity, n_pos, n_neg}}",
                     p->calibration_path);
    }
  }
  if ((st = run_data_load(p->run_path, p->rubric, &cand, err))) goto out;
  /* a calibration measured with another rubric does not describe these grades */
  const char *cal_sha = cal ? ds_json_str(json_object_get(cal, "_calibration"), "rubric_sha256", NULL) : NULL;
  if (cal_sha && strcmp(cal_sha, cand->rubric_sha256) != 0) {
    st = ds_fail(err, DS_E_INVALID, "%s was measured with rubric %.12s, but %s is graded with rubric %.12s",
                 p->calibration_path, cal_sha, p->run_path, cand->rubric_sha256);
    goto out;
  }
  if ((st = run_totals_compute(cand, &ct, err))) goto out;
  if (p->baseline_path) {
    if ((st = run_data_load(p->baseline_path, p->baseline_rubric, &base, err))) goto out;
    if ((st = run_totals_compute(base, &bt, err))) goto out;
    if ((st = run_pair_compute(cand, base, p->pair_mismatch, &pairs, &pairing, err))) goto out;
  }
  if ((st = stats_forecast_build(cand, &ct, base, base ? &bt : NULL, pairs, cal, p->confidence, &doc, err))) goto out;
  if (base) { /* how the runs were paired, and what a reader must know of it */
    json_object_set_new(doc, "pairing", stats_pairing_json(&pairing, p->pair_mismatch));
    json_t *warn = json_object_get(doc, "warnings");
    if (pairing.mismatched)
      json_array_append_new(warn, json_sprintf("%llu of %llu prefixes in both runs hold different prompts (e.g. %s) "
                                               "and are left out of the comparison (--pair-mismatch drop)",
                                               (unsigned long long)pairing.mismatched,
                                               (unsigned long long)pairing.common, pairing.example));
    if (!pairing.same_corpus)
      json_array_append_new(warn, json_sprintf("the baseline was made from another corpus (corpus_sha256 %.12s... vs "
                                               "%.12s...); the %llu prefixes compared hold the same prompt in both",
                                               pairing.cand_corpus ? pairing.cand_corpus : "(none)",
                                               pairing.base_corpus ? pairing.base_corpus : "(none)",
                                               (unsigned long long)pairing.matched));
    if (pairing.common < pairing.cand_prefixes)
      json_array_append_new(warn, json_sprintf("%llu of the candidate's %llu prefixes are not in the baseline run",
                                               (unsigned long long)(pairing.cand_prefixes - pairing.common),
                                               (unsigned long long)pairing.cand_prefixes));
  }
  /* why a category has no graded sample: not applicable, needs a judge, errors only */
  if ((st = stats_coverage_annotate(doc, p->run_path, err))) goto out;
  /* a run drawn in a random order: how far the draw went, and why it stopped */
  if ((st = stats_sequential_annotate(doc, p->run_path, err))) goto out;
  size_t i;
  json_t *w;
  json_array_foreach(json_object_get(doc, "warnings"), i, w) ds_logf(p->log, DS_LOG_WARN, "%s", json_string_value(w));
  char *s = json_dumps(doc, JSON_INDENT(2));
  if (!s) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  *out_json = s;
out:
  json_decref(doc);
  json_decref(cal);
  ds_free(pairs);
  run_totals_release(&ct);
  run_totals_release(&bt);
  run_data_free(cand);
  run_data_free(base);
  return st;
}
