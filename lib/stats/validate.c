/* validate.c: depsim validate: scores a forecast against the rates production showed after
 * release (multiplicative error, its median and 90th percentile, directional accuracy, missed
 * behaviors), beside the previous-production-rate and challenging-prompts baselines. Observed
 * rates come from a graded run, a forecast, a {category: rate} object, or a corpus whose
 * assistant messages carry moderation labels (WildChat, LMSYS-Chat-1M rows). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats/run_data.h"

void ds_validate_params_init(struct ds_validate_params *p) {
  memset(p, 0, sizeof *p);
  p->change_factor = 1.5;
  p->zero_floor = 1e-5;
  p->confidence = 0.95;
}

/* a set of per-category rates from one source */
struct rates {
  const char *path;
  const char *kind; /* "run.db", "forecast", "rates", "corpus-labels" */
  size_t n;
  char **id;
  double *rate, *count, *events; /* count/events NaN when the source has none */
  char *rubric, *corpus;          /* the rubric and corpus SHA-256 the rates came from, when known */
  json_t *run;                   /* {path, run_id, rubric_sha256} of the run behind it, or NULL */
};

/* The run a rate source was made from, as every derived file records it (report checks it). */
static json_t *run_ref(const char *path, const json_t *run_id, const char *rubric) {
  return json_pack("{s:s, s:O, s:s?}", "path", path, "run_id", json_is_string(run_id) ? run_id : json_null(),
                   "rubric_sha256", rubric);
}

static void rates_release(struct rates *r) {
  for (size_t i = 0; i < r->n; i++) ds_free(r->id[i]);
  ds_free(r->id);
  ds_free(r->rate);
  ds_free(r->count);
  ds_free(r->events);
  ds_free(r->rubric);
  ds_free(r->corpus);
  json_decref(r->run);
  memset(r, 0, sizeof *r);
}

static enum ds_status rates_add(struct rates *r, const char *id, double rate, double n, double events,
                                struct ds_err *err) {
  char **ids = ds_realloc(r->id, (r->n + 1) * sizeof *ids);
  if (ids) r->id = ids;
  double *a = ds_realloc(r->rate, (r->n + 1) * sizeof *a);
  if (a) r->rate = a;
  double *b = ds_realloc(r->count, (r->n + 1) * sizeof *b);
  if (b) r->count = b;
  double *c = ds_realloc(r->events, (r->n + 1) * sizeof *c);
  if (c) r->events = c;
  if (!ids || !a || !b || !c || !(r->id[r->n] = ds_strdup(id))) return ds_fail(err, DS_E_NOMEM, "out of memory");
  r->rate[r->n] = rate;
  r->count[r->n] = n;
  r->events[r->n] = events;
  r->n++;
  return DS_OK;
}

/* events[key] += yes (the key is created at 0, so a category never flagged is observed at 0). */
static void count_label(json_t *events, const char *key, bool yes) {
  json_t *v = json_object_get(events, key);
  if (!v) json_object_set_new(events, key, json_integer(yes));
  else json_integer_set(v, json_integer_value(v) + yes);
}

static bool is_sqlite(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char head[16] = {0};
  size_t got = fread(head, 1, sizeof head, f);
  fclose(f);
  return got == 16 && memcmp(head, "SQLite format 3", 16) == 0;
}

/* A canonical corpus (JSON Lines, plain, .gz or .zst) when its first line is a record with
 * messages. */
static bool is_corpus(const char *path) {
  struct ds_lines *l = NULL;
  struct ds_err e = {0};
  struct ds_str line;
  bool too_long, yes = false;
  if (ds_lines_open(path, 64u << 20, &l, &e)) return false;
  if (ds_lines_next(l, &line, &too_long, &e) == DS_OK && !too_long) {
    json_t *v = json_loadb(line.p, line.len, 0, NULL);
    yes = json_is_array(json_object_get(v, "messages"));
    json_decref(v);
  }
  ds_lines_free(l);
  return yes;
}

/* Observed rates from labels the corpus carries: every assistant message with a "moderation"
 * object ({"flagged", "categories": {name: bool}}, as the wildchat reader keeps WildChat and
 * LMSYS rows' openai_moderation) is one observation; category "flagged" is any flag, each
 * moderation category its own. */
static enum ds_status load_corpus_labels(const char *path, struct rates *out, struct ds_err *err) {
  out->kind = "corpus-labels";
  struct ds_lines *l = NULL;
  enum ds_status st = ds_lines_open(path, 64u << 20, &l, err);
  if (st) return st;
  json_t *events = json_object();
  double n = 0;
  struct ds_str line;
  bool too_long;
  while (!st && (st = ds_lines_next(l, &line, &too_long, err)) == DS_OK) {
    if (too_long) continue;
    json_error_t je;
    json_t *rec = json_loadb(line.p, line.len, 0, &je);
    if (!rec) {
      st = ds_fail(err, DS_E_PARSE, "%s:%llu: %s", path, (unsigned long long)ds_lines_lineno(l), je.text);
      break;
    }
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(rec, "messages"), i, m) {
      const json_t *mod = json_object_get(m, "moderation");
      if (strcmp(ds_json_str(m, "role", ""), "assistant") != 0 || !json_is_object(mod)) continue;
      n++;
      count_label(events, "flagged", json_is_true(json_object_get(mod, "flagged")));
      const char *k;
      const json_t *v;
      json_object_foreach(json_object_get(mod, "categories"), k, v) count_label(events, k, json_is_true(v));
    }
    json_decref(rec);
  }
  if (st == DS_E_NOTFOUND) st = DS_OK;
  ds_lines_free(l);
  if (!st && n == 0)
    st = ds_fail(err, DS_E_INVALID,
                 "%s: no assistant message carries a \"moderation\" label (ingest WildChat or LMSYS-Chat-1M rows "
                 "with their openai_moderation to get observed labels)", path);
  const char *k;
  json_t *v;
  json_object_foreach(events, k, v) {
    if (st) break;
    double e = (double)json_integer_value(v);
    st = rates_add(out, k, e / n, n, e, err);
  }
  json_decref(events);
  return st;
}

/* A file with NUL bytes in its first 4 KiB is no JSON: a run database whose header is damaged. */
static bool is_binary(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char buf[4096];
  size_t got = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return memchr(buf, '\0', got) != NULL;
}

/* want_rubric (or NULL): a run database is read with that rubric's grades, and refused when it
 * has none (rates of another rubric are not the same behaviours). */
static enum ds_status load_rates(const char *path, double conf, const char *want_rubric, struct rates *out,
                                 struct ds_err *err) {
  memset(out, 0, sizeof *out);
  out->path = path;
  enum ds_status st = DS_OK;
  if (is_sqlite(path)) {
    out->kind = "run.db";
    struct run_data *r = NULL;
    struct run_totals t = {0};
    if ((st = run_data_load(path, want_rubric, &r, err))) {
      if (want_rubric && st == DS_E_NOTFOUND)
        st = ds_fail(err, DS_E_MISMATCH, "%s is not graded with the forecast's rubric (sha256 %.12s...): its rates "
                     "would not be of the same behaviours; grade it with that rubric", path, want_rubric);
      goto db_out;
    }
    if ((st = run_totals_compute(r, &t, err))) goto db_out;
    out->rubric = ds_strdup(r->rubric_sha256);
    const char *cs = json_string_value(json_object_get(r->meta, "corpus_sha256"));
    out->corpus = cs ? ds_strdup(cs) : NULL;
    out->run = run_ref(path, json_object_get(r->meta, "run_id"), r->rubric_sha256);
    for (size_t c = 0; c < r->n_categories && !st; c++) {
      struct ds_prop_est e;
      ds_prop_estimate(&t.total[c], conf, &e);
      if (e.n) st = rates_add(out, r->category[c], e.rate, e.eff_n, (double)e.events, err);
    }
  db_out:
    run_totals_release(&t);
    run_data_free(r);
    if (st) rates_release(out);
    return st;
  }
  if (is_corpus(path)) {
    enum ds_status st2 = load_corpus_labels(path, out, err);
    if (st2) rates_release(out);
    return st2;
  }
  if (is_binary(path))
    return ds_fail(err, DS_E_DB, "%s: corrupt or not a database (binary, without the SQLite header), and not JSON", path);
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  if (!doc) {
    if (je.line <= 0) return ds_fail(err, DS_E_IO, "%s: %s", path, je.text);
    return ds_fail(err, DS_E_PARSE, "%s:%d: %s", path, je.line, je.text);
  }
  if (json_is_object(doc) && strcmp(ds_json_str(doc, "format", ""), "depsim-forecast") == 0) {
    out->kind = "forecast";
    const char *rs = ds_json_str(doc, "rubric_sha256", NULL), *cs = ds_json_str(json_object_get(doc, "run"), "corpus_sha256", NULL);
    out->rubric = rs ? ds_strdup(rs) : NULL;
    out->corpus = cs ? ds_strdup(cs) : NULL;
    const json_t *run = json_object_get(doc, "run");
    if (json_is_object(run))
      out->run = run_ref(ds_json_str(run, "path", path), json_object_get(run, "run_id"),
                         ds_json_str(doc, "rubric_sha256", ds_json_str(run, "rubric_sha256", NULL)));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "categories"), i, c) {
      const char *id = ds_json_str(c, "id", NULL);
      double rate = ds_json_num(c, "rate", NAN);
      if (!id || !isfinite(rate)) continue; /* no graded samples: nothing to score */
      double n = ds_json_num(c, "effective_n", ds_json_num(c, "n", NAN));
      if ((st = rates_add(out, id, rate, n, ds_json_num(c, "events", NAN), err))) break;
    }
  } else if (json_is_object(doc)) {
    out->kind = "rates";
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) {
      double rate = NAN, n = NAN;
      if (json_is_number(v)) rate = json_number_value(v);
      else if (json_is_object(v)) {
        rate = ds_json_num(v, "rate", NAN);
        n = ds_json_num(v, "n", NAN);
      }
      if (!(rate >= 0 && rate <= 1)) {
        st = ds_fail(err, DS_E_INVALID, "%s: category '%s': a rate is a number in [0,1] (or {\"rate\", \"n\"})", path, k);
        break;
      }
      if ((st = rates_add(out, k, rate, n, isfinite(n) ? rate * n : NAN, err))) break;
    }
  } else {
    st = ds_fail(err, DS_E_INVALID, "%s: expected a forecast.json or a JSON object {category: rate}", path);
  }
  json_decref(doc);
  if (st) rates_release(out);
  return st;
}

static ssize_t find(const struct rates *r, const char *id) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->id[i], id) == 0) return (ssize_t)i;
  return -1;
}

/* what a zero becomes: half an event when n is known, else the floor */
static double zero_value(const struct rates *r, ssize_t i, double floor) {
  double n = r->count[i];
  return isfinite(n) && n > 0 ? 0.5 / n : floor;
}

static int sign_of(double a, double b) { return a > b ? 1 : a < b ? -1 : 0; }
static const char *dir_name(int s) { return s > 0 ? "up" : s < 0 ? "down" : "none"; }
static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* the figures for one predictor (forecast, previous or challenging) */
struct score {
  const char *name;
  const struct rates *pred;
  double *errors;
  size_t n_err, n_changed, n_correct;
  json_t *missed;
};

enum ds_status ds_validate_run(const struct ds_validate_params *p, char **out_json, struct ds_err *err) {
  enum ds_status st;
  struct rates fc = {0}, ob = {0}, pv = {0}, ch = {0};
  json_t *doc = NULL;
  struct score sc[3] = {{"forecast", &fc, 0, 0, 0, 0, 0}, {"previous", &pv, 0, 0, 0, 0, 0}, {"challenging", &ch, 0, 0, 0, 0, 0}};
  if (!p->forecast_path || !p->observed_path) return ds_fail(err, DS_E_INVALID, "need a forecast and observed rates");
  if (!(p->change_factor > 1)) return ds_fail(err, DS_E_INVALID, "change factor must be above 1");
  if (!(p->zero_floor > 0)) return ds_fail(err, DS_E_INVALID, "zero floor must be above 0");
  if ((st = load_rates(p->forecast_path, p->confidence, NULL, &fc, err))) goto out;
  if ((st = load_rates(p->observed_path, p->confidence, fc.rubric, &ob, err))) goto out;
  if (p->previous_path && (st = load_rates(p->previous_path, p->confidence, NULL, &pv, err))) goto out;
  if (p->challenging_path && (st = load_rates(p->challenging_path, p->confidence, NULL, &ch, err))) goto out;
  /* like with like: the forecast's run and the observed traffic from one corpus is no validation */
  bool in_sample = fc.corpus && ob.corpus && strcmp(fc.corpus, ob.corpus) == 0;
  if (in_sample)
    ds_logf(p->log, DS_LOG_WARN, "%s was made from the same corpus as the forecast's run (corpus_sha256 %.12s...): "
            "an in-sample check, not a validation on later traffic", p->observed_path, ob.corpus);
  size_t n_scores = 1 + (p->previous_path != NULL) + (p->challenging_path != NULL);
  if (!p->previous_path) sc[1] = sc[2];
  for (size_t s = 0; s < n_scores; s++) {
    sc[s].errors = ds_calloc(ob.n + 1, sizeof(double));
    sc[s].missed = json_array();
    if (!sc[s].errors || !sc[s].missed) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
  }
  doc = json_object();
  json_t *cats = json_array();
  json_object_set_new(doc, "categories", cats);
  for (size_t i = 0; i < ob.n; i++) {
    const char *id = ob.id[i];
    double q = ob.rate[i], qz = zero_value(&ob, (ssize_t)i, p->zero_floor);
    json_t *c = json_pack("{s:s,s:o,s:o,s:o}", "id", id, "observed", num(q), "observed_n", num(ob.count[i]),
                          "observed_events", num(ob.events[i]));
    ssize_t pi = pv.n ? find(&pv, id) : -1;
    double prev = pi >= 0 ? pv.rate[pi] : NAN;
    int obs_dir = 0;
    bool changed = false;
    if (pi >= 0) {
      double f = ds_stats_mult_error(prev, q, zero_value(&pv, pi, p->zero_floor), qz);
      changed = f >= p->change_factor;
      obs_dir = sign_of(q, prev);
      json_object_set_new(c, "change_factor", num(f));
      json_object_set_new(c, "changed", json_boolean(changed));
      json_object_set_new(c, "observed_direction", json_string(changed ? dir_name(obs_dir) : "none"));
    }
    for (size_t s = 0; s < n_scores; s++) {
      const struct rates *pr = sc[s].pred;
      ssize_t k = find(pr, id);
      json_t *e = json_object();
      json_object_set_new(c, sc[s].name, e);
      if (k < 0) {
        json_object_set_new(e, "rate", json_null());
        json_object_set_new(e, "note", json_string("category not predicted"));
        if (q > 0) json_array_append_new(sc[s].missed, json_string(id));
        continue;
      }
      double pr_rate = pr->rate[k];
      double m = ds_stats_mult_error(pr_rate, q, zero_value(pr, k, p->zero_floor), qz);
      sc[s].errors[sc[s].n_err++] = m;
      json_object_set_new(e, "rate", num(pr_rate));
      json_object_set_new(e, "multiplicative_error", num(m));
      if (q > 0 && pr_rate == 0) json_array_append_new(sc[s].missed, json_string(id));
      if (changed) {
        int pd = pr == &pv ? 0 : sign_of(pr_rate, prev); /* the previous rate predicts no change */
        sc[s].n_changed++;
        sc[s].n_correct += pd == obs_dir;
        json_object_set_new(e, "direction", json_string(dir_name(pd)));
        json_object_set_new(e, "direction_correct", json_boolean(pd == obs_dir));
      }
    }
    json_array_append_new(cats, c);
  }
  json_t *summary = json_object();
  for (size_t s = 0; s < n_scores; s++) {
    double med = ds_stats_quantile(sc[s].errors, sc[s].n_err, 0.5);
    double p90 = ds_stats_quantile(sc[s].errors, sc[s].n_err, 0.9);
    json_t *o = json_pack("{s:s,s:I,s:o,s:o,s:I,s:I,s:o,s:O}", "path", sc[s].pred->path, "n_categories",
                          (json_int_t)sc[s].n_err, "median_error", num(med), "p90_error", num(p90), "n_changed",
                          (json_int_t)sc[s].n_changed, "n_direction_correct", (json_int_t)sc[s].n_correct,
                          "directional_accuracy",
                          num(sc[s].n_changed ? (double)sc[s].n_correct / (double)sc[s].n_changed : NAN), "missed",
                          sc[s].missed);
    json_object_set_new(summary, sc[s].name, o);
  }
  json_t *unscored = json_array();
  for (size_t i = 0; i < fc.n; i++)
    if (find(&ob, fc.id[i]) < 0) json_array_append_new(unscored, json_string(fc.id[i]));
  char rule[256];
  snprintf(rule, sizeof rule,
           "a zero rate is replaced by half an event (0.5/n) when its source has n, else by %g (--zero-floor)",
           p->zero_floor);
  char chg[256];
  snprintf(chg, sizeof chg,
           "a category changed when max(observed/previous, previous/observed) >= %g; a predictor's direction is "
           "sign(predicted - previous); the previous rate predicts no change",
           p->change_factor);
  json_t *full = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:f,s:{s:{s:s,s:s},s:{s:s,s:s}},s:o,s:o,s:o}", "format",
                           "depsim-validation", "format_version", 1, "depsim_version", DS_VERSION, "error",
                           "multiplicative error max(p/q, q/p) per category", "zero_rule", rule, "change_rule", chg,
                           "change_factor", p->change_factor, "sources", "forecast", "path", fc.path, "kind", fc.kind,
                           "observed", "path", ob.path, "kind", ob.kind, "summary", summary, "categories",
                           json_incref(cats), "not_observed", unscored);
  /* the run the forecast was made from, and the observed one: `report --validation` shows a
   * validation only beside the run it scores */
  json_object_set_new(full, "run", fc.run ? json_incref(fc.run) : json_null());
  json_object_set_new(full, "observed_run", ob.run ? json_incref(ob.run) : json_null());
  if (pv.n || p->previous_path)
    json_object_set_new(json_object_get(full, "sources"), "previous", json_pack("{s:s,s:s}", "path", pv.path, "kind", pv.kind));
  if (p->challenging_path)
    json_object_set_new(json_object_get(full, "sources"), "challenging", json_pack("{s:s,s:s}", "path", ch.path, "kind", ch.kind));
  if (in_sample)
    json_object_set_new(full, "warnings", json_pack("[s]", "the observed run was made from the same corpus as the "
                                                          "forecast's run: an in-sample check"));
  json_decref(doc);
  doc = full;
  if (!(*out_json = json_dumps(doc, JSON_INDENT(2)))) st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  for (size_t s = 0; s < 3; s++) {
    if (s > 0 && sc[s].errors == sc[s - 1].errors) continue; /* a copy (no previous given) */
    ds_free(sc[s].errors);
    json_decref(sc[s].missed);
  }
  json_decref(doc);
  rates_release(&fc);
  rates_release(&ob);
  rates_release(&pv);
  rates_release(&ch);
  return st;
}
