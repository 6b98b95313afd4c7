/* inputs.c: the files other commands made from a run: forecast (depsim estimate), validation
 * (depsim validate), realism (depsim discriminate / awareness) and the gate's decision (depsim
 * gate --json), or a policy applied here. Each records the run it was made from; it is shown
 * beside the candidate whose run id it names, and a file that names none of them is refused,
 * naming both runs. */
#include <math.h>
#include <string.h>

#include "depsim/stats.h"
#include "gate/gate_int.h"
#include "report/report_int.h"
#include "stats/provenance.h"

#define cat_entry report_cat_entry

enum input_kind { IN_FORECAST, IN_VALIDATION, IN_REALISM, IN_GATE, IN_KINDS };
static const char *const kind_name[] = {"forecast", "validation", "realism", "gate decision"};
static const char *const kind_format[] = {"depsim-forecast", "depsim-validation", "depsim-realism", "depsim-gate"};

struct input_file {
  const char *path;
  enum input_kind kind;
  json_t *doc;
  const json_t *ref; /* {path, run_id, rubric_sha256} inside doc */
  char sha256[65];
  int owner;         /* index of the candidate it belongs to, -1 until matched */
};

struct report_inputs {
  struct input_file *f;
  size_t n;
  struct policy pol;
  bool has_policy;
};

/* "real" -> "real traffic", ...: the words a reader knows, not JSON paths */
static const char *realism_label(const char *path) {
  static const char *const map[][2] = {
      {"discriminate", "discriminator accuracy"}, {"discriminator", "discriminator accuracy"},
      {"real_first", "real shown first"},         {"sim_first", "simulated shown first"},
      {"real", "real traffic"},                   {"simulated", "simulated traffic"},
      {"verbalized", "says it is being tested (candidate completions)"}};
  const char *last = strrchr(path, '.');
  last = last ? last + 1 : path;
  for (size_t i = 0; i < DS_ARRAY_LEN(map); i++)
    if (strcmp(last, map[i][0]) == 0) return map[i][1];
  if (strncmp(last, "benchmark:", 10) == 0) return last;
  return last;
}

static enum ds_status load_json_file(const char *path, const char *what, json_t **out, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  enum ds_status rc = ds_read_file(path, 256u << 20, &b, err);
  if (rc) goto out;
  json_error_t je;
  *out = json_loadb(b.data, b.len, 0, &je);
  if (!*out) rc = ds_fail(err, DS_E_PARSE, "%s:%d: %s file: %s", path, je.line, what, je.text);
  else if (!json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    rc = ds_fail(err, DS_E_INVALID, "%s: %s file: expected a JSON object", path, what);
  }
out:
  ds_buf_release(&b);
  return rc;
}

/* First numeric field among names. */
static bool num_of(const json_t *o, const char *const *names, double *out) {
  for (; *names; names++) {
    const json_t *v = json_object_get(o, *names);
    if (json_is_number(v)) {
      *out = json_number_value(v);
      return true;
    }
  }
  return false;
}

/* {id: entry} or [entry with "id"/"category"/"behavior"] -> calls fn(id, entry). */
static void foreach_entry(const json_t *cats, void (*fn)(const char *, json_t *, void *), void *ud) {
  const char *k;
  json_t *v;
  size_t i;
  if (json_is_object(cats)) {
    json_object_foreach((json_t *)cats, k, v) if (json_is_object(v)) fn(k, v, ud);
  } else if (json_is_array(cats)) {
    json_array_foreach(cats, i, v) {
      const char *id = ds_json_str(v, "id", ds_json_str(v, "category", ds_json_str(v, "behavior", NULL)));
      if (id) fn(id, v, ud);
    }
  }
}

static const json_t *categories_of(const json_t *doc) {
  const json_t *c = json_object_get(doc, "categories");
  if (!c) c = json_object_get(doc, "behaviors");
  if (!c) c = json_object_get(doc, "estimates");
  return c;
}

/* The report's "paired" cell from a comparison as the stats module writes it (a forecast's
 * "comparison", ds_pair_runs' categories): pairs, discordant counts, difference and interval. */
json_t *report_paired_from(const json_t *cmp, const char *source) {
  json_t *po = json_object();
  json_object_set_new(po, "n", json_integer((json_int_t)ds_json_num(cmp, "n_pairs", 0)));
  json_object_set_new(po, "candidate_only", json_integer((json_int_t)ds_json_num(cmp, "candidate_only", 0)));
  json_object_set_new(po, "baseline_only", json_integer((json_int_t)ds_json_num(cmp, "baseline_only", 0)));
  json_object_set_new(po, "diff", json_real(ds_json_num(cmp, "difference", 0)));
  static const char *const from[] = {"difference_lower", "difference_upper", "mcnemar_p"}, *const to[] = {"lo", "hi", "mcnemar_p"};
  for (size_t i = 0; i < 3; i++) {
    json_t *v = json_object_get(cmp, from[i]);
    json_object_set(po, to[i], json_is_number(v) ? v : json_null());
  }
  const char *dir = ds_json_str(cmp, "direction", NULL);
  if (dir) json_object_set_new(po, "direction", json_string(dir));
  json_object_set_new(po, "source", json_string(source));
  return po;
}

/* A forecast.json estimate ({events, n, rate, lower, upper, zero_events, ...}; see
 * docs/internals/forecast.md) as a report rate object; NULL when it has no rate. */
static json_t *fc_rate(const json_t *src) {
  static const char *rate_k[] = {"rate", "p", "estimate", NULL};
  static const char *lo_k[] = {"lower", "lo", "ci_low", NULL};
  static const char *hi_k[] = {"upper", "hi", "ci_high", "upper_bound", NULL};
  double rate = 0, lo = NAN, hi = NAN;
  if (!json_is_object(src)) return NULL;
  bool has_rate = num_of(src, rate_k, &rate);
  num_of(src, lo_k, &lo);
  num_of(src, hi_k, &hi);
  const json_t *ci = json_object_get(src, "ci");
  if (json_is_array(ci) && json_array_size(ci) == 2) {
    lo = json_number_value(json_array_get(ci, 0));
    hi = json_number_value(json_array_get(ci, 1));
  }
  if (!has_rate && isnan(hi)) return NULL;
  const json_t *fl = json_object_get(src, "zero_events");
  if (!fl) fl = json_object_get(src, "floor");
  const json_t *ev = json_object_get(src, "events");
  if (!ev) ev = json_object_get(src, "k");
  bool floor = json_is_true(fl) || (json_is_number(ev) && json_number_value(ev) == 0);
  json_t *f = json_object();
  json_object_set_new(f, "rate", json_real(rate));
  json_object_set_new(f, "lo", isnan(lo) ? json_null() : json_real(lo));
  json_object_set_new(f, "hi", isnan(hi) ? json_null() : json_real(hi));
  json_object_set_new(f, "floor", json_boolean(floor));
  const json_t *n = json_object_get(src, "n");
  if (json_is_number(n) && json_is_number(ev)) {
    json_object_set_new(f, "n", json_integer((json_int_t)json_number_value(n)));
    json_object_set_new(f, "k", json_integer((json_int_t)json_number_value(ev)));
  }
  const char *text = ds_json_str(src, "text", NULL);
  if (text) json_object_set_new(f, "text", json_string(text));
  const char *method = ds_json_str(src, "interval_method", NULL);
  if (method) json_object_set_new(f, "method", json_string(method));
  return f;
}

static void fc_entry(const char *id, json_t *e, void *ud) {
  json_t *cats = ud;
  /* the candidate estimate sits at the top of the entry (or under "candidate") */
  const json_t *src = json_is_object(json_object_get(e, "candidate")) ? json_object_get(e, "candidate") : e;
  json_t *f = fc_rate(src);
  if (!f) return;
  json_t *co = cat_entry(cats, id);
  json_object_set_new(co, "forecast", f);
  /* without a baseline database, the forecast's own baseline and paired comparison are shown */
  json_t *b = fc_rate(json_object_get(e, "baseline"));
  if (b && !json_object_get(co, "baseline")) json_object_set_new(co, "baseline", b);
  else json_decref(b);
  const json_t *cmp = json_object_get(e, "comparison");
  if (json_is_object(cmp) && !json_object_get(co, "paired"))
    json_object_set_new(co, "paired", report_paired_from(cmp, "forecast"));
}

/* A run summary from forecast.json's "run"/"baseline" block, in the shape run_info makes. */
static json_t *fc_run_info(const json_t *r) {
  json_t *o = json_object(), *pre = json_object(), *smp = json_object(), *rub = json_object();
  json_object_set_new(o, "path", json_string(ds_json_str(r, "path", "?")));
  json_object_set_new(pre, "total", json_integer((json_int_t)ds_json_num(r, "n_prefixes", 0)));
  json_object_set_new(pre, "done", json_integer((json_int_t)ds_json_num(r, "n_prefixes", 0)));
  json_object_set_new(smp, "total", json_integer((json_int_t)ds_json_num(r, "n_samples", 0)));
  json_object_set_new(smp, "ok", json_integer((json_int_t)ds_json_num(r, "n_samples_ok", 0)));
  json_object_set_new(smp, "failed", json_integer((json_int_t)ds_json_num(r, "n_samples_failed", 0)));
  json_object_set_new(rub, "name", json_string("(from forecast.json)"));
  json_object_set_new(o, "prefixes", pre);
  json_object_set_new(o, "samples", smp);
  json_object_set_new(o, "rubric", rub);
  json_t *meta = json_object_get(r, "meta");
  json_object_set_new(o, "meta", json_is_object(meta) ? json_deep_copy(meta) : json_object());
  json_object_set_new(o, "from_forecast", json_true());
  return o;
}

struct val_ctx {
  json_t *points;
};

/* A number, or the "rate" of an object (validation.json nests predictors as {rate, ...}). */
static bool num_or_rate(const json_t *v, double *out) {
  if (json_is_number(v)) {
    *out = json_number_value(v);
    return true;
  }
  static const char *rk[] = {"rate", "p", "estimate", NULL};
  return json_is_object(v) && num_of(v, rk, out);
}

static void val_entry(const char *id, json_t *e, void *ud) {
  struct val_ctx *v = ud;
  double f, o, x;
  const json_t *fo = json_object_get(e, "forecast"), *oo = json_object_get(e, "observed");
  if (!fo) fo = json_object_get(e, "predicted");
  if (!oo) oo = json_object_get(e, "actual");
  if (!num_or_rate(fo, &f) || !num_or_rate(oo, &o)) return;
  json_t *pt = json_object();
  json_object_set_new(pt, "category", json_string(id));
  json_object_set_new(pt, "forecast", json_real(f));
  json_object_set_new(pt, "observed", json_real(o));
  double m = json_is_object(fo) ? ds_json_num(fo, "multiplicative_error", NAN) : NAN;
  if (isnan(m) && f > 0 && o > 0) m = f > o ? f / o : o / f;
  json_object_set_new(pt, "error", isnan(m) ? json_null() : json_real(m));
  if (num_or_rate(json_object_get(e, "previous"), &x)) json_object_set_new(pt, "previous", json_real(x));
  if (num_or_rate(json_object_get(e, "challenging"), &x)) json_object_set_new(pt, "challenging", json_real(x));
  json_array_append_new(v->points, pt);
}

/* Realism: every object (up to depth 3) holding a rate/accuracy becomes one row. */
static void realism_walk(const json_t *o, const char *path, int depth, json_t *rows) {
  static const char *rate_k[] = {"rate", "accuracy", "auc", "p", NULL};
  static const char *lo_k[] = {"lo", "lower", "ci_low", NULL};
  static const char *hi_k[] = {"hi", "upper", "ci_high", NULL};
  double r, lo = NAN, hi = NAN;
  if (path[0] && num_of(o, rate_k, &r)) {
    num_of(o, lo_k, &lo);
    num_of(o, hi_k, &hi);
    const json_t *ci = json_object_get(o, "ci");
    if (json_is_array(ci) && json_array_size(ci) == 2) {
      lo = json_number_value(json_array_get(ci, 0));
      hi = json_number_value(json_array_get(ci, 1));
    }
    json_t *row = json_object();
    json_object_set_new(row, "name", json_string(path));
    json_object_set_new(row, "label", json_string(realism_label(path)));
    json_object_set_new(row, "value", json_real(r));
    json_object_set_new(row, "lo", isnan(lo) ? json_null() : json_real(lo));
    json_object_set_new(row, "hi", isnan(hi) ? json_null() : json_real(hi));
    const json_t *n = json_object_get(o, "n");
    json_object_set_new(row, "n", json_is_number(n) ? json_real(json_number_value(n)) : json_null());
    json_t *errs = json_object_get(o, "errors");
    if (json_is_number(errs)) json_object_set(row, "errors", errs);
    /* awareness rates have their own scale; the discriminator's accuracy has the 50% line */
    json_object_set_new(row, "scale", json_string(strncmp(path, "discriminat", 11) == 0 ? "accuracy" : "rate"));
    json_array_append_new(rows, row);
    return;
  }
  if (depth >= 3) return;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) {
    if (!json_is_object(v) || strcmp(k, "run") == 0) continue;
    char sub[256];
    snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", k);
    realism_walk(v, sub, depth + 1, rows);
  }
}


void report_inputs_free(struct report_inputs *in) {
  if (!in) return;
  for (size_t i = 0; i < in->n; i++) json_decref(in->f[i].doc);
  ds_free(in->f);
  if (in->has_policy) policy_release(&in->pol);
  ds_free(in);
}

/* The kind of a derived file from its "format" (realism files from their sections). */
static bool kind_of(const json_t *doc, enum input_kind *out) {
  const char *f = ds_json_str(doc, "format", NULL);
  for (int k = 0; f && k < IN_KINDS; k++)
    if (strcmp(f, kind_format[k]) == 0) {
      *out = (enum input_kind)k;
      return true;
    }
  if (!f && (json_object_get(doc, "discriminate") || json_object_get(doc, "awareness"))) {
    *out = IN_REALISM;
    return true;
  }
  return false;
}

static enum ds_status add_file(struct report_inputs *in, const char *path, int want, struct ds_err *err) {
  json_t *doc = NULL;
  enum ds_status rc = load_json_file(path, want >= 0 ? kind_name[want] : "input", &doc, err);
  if (rc) return rc;
  enum input_kind k;
  bool known = kind_of(doc, &k);
  if (want >= 0) {
    const char *f = ds_json_str(doc, "format", NULL);
    if (f && (!known || k != (enum input_kind)want)) {
      rc = ds_fail(err, DS_E_INVALID, "%s: not a %s (its format is \"%s\", a %s is \"%s\")", path,
                   kind_name[want], f, kind_name[want], kind_format[want]);
      json_decref(doc); /* f points into it */
      return rc;
    }
    k = (enum input_kind)want;
  } else if (!known) {
    json_decref(doc);
    return ds_fail(err, DS_E_INVALID, "%s: not a forecast, validation, realism or gate file (no known \"format\")",
                   path);
  }
  struct input_file *v = ds_realloc(in->f, (in->n + 1) * sizeof *v);
  if (!v) {
    json_decref(doc);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  in->f = v;
  struct input_file *f = &in->f[in->n++];
  memset(f, 0, sizeof *f);
  f->path = path;
  f->kind = k;
  f->doc = doc;
  f->owner = -1;
  f->ref = json_object_get(doc, "run");
  if (k == IN_FORECAST && json_is_object(f->ref) && !json_object_get(f->ref, "rubric_sha256") &&
      json_is_string(json_object_get(doc, "rubric_sha256")))
    json_object_set((json_t *)f->ref, "rubric_sha256", json_object_get(doc, "rubric_sha256"));
  if (k == IN_FORECAST) {
    struct ds_buf b;
    ds_buf_init(&b, 0);
    if (ds_read_file(path, 256u << 20, &b, NULL) == DS_OK) ds_sha256_hex(b.data, b.len, f->sha256);
    ds_buf_release(&b);
  }
  return DS_OK;
}

enum ds_status report_inputs_load(const struct ds_report_params *p, struct report_inputs **out, struct ds_err *err) {
  struct report_inputs *in = ds_calloc(1, sizeof *in);
  enum ds_status rc = DS_OK;
  *out = NULL;
  if (!in) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (p->gate_path && p->policy_path) {
    rc = ds_fail(err, DS_E_INVALID, "report: give a gate decision (--gate) or a policy (--policy), not both");
    goto out;
  }
  if ((p->forecast_path && (rc = add_file(in, p->forecast_path, IN_FORECAST, err))) ||
      (p->validation_path && (rc = add_file(in, p->validation_path, IN_VALIDATION, err))) ||
      (p->realism_path && (rc = add_file(in, p->realism_path, IN_REALISM, err))) ||
      (p->gate_path && (rc = add_file(in, p->gate_path, IN_GATE, err))))
    goto out;
  for (size_t i = 0; i < p->n_extra && !rc; i++) rc = add_file(in, p->extra_paths[i], -1, err);
  if (rc) goto out;
  if (p->policy_path) {
    if ((rc = policy_load(p->policy_path, &in->pol, err))) goto out;
    in->has_policy = true;
  }
  *out = in;
  in = NULL;
out:
  report_inputs_free(in);
  return rc;
}

/* Claims the files that name candidate c's run; checks the rubric. */
static enum ds_status claim(struct report_inputs *in, struct model_ctx *c, int idx, struct ds_err *err) {
  for (size_t i = 0; i < in->n; i++) {
    struct input_file *f = &in->f[i];
    const char *id = ds_json_str(f->ref, "run_id", NULL);
    if (f->owner >= 0 || !id || !c->run_id[0] || strcmp(id, c->run_id) != 0) continue;
    /* the same run: the rubric must be the one this page reads (realism has none) */
    enum ds_status rc = prov_check(f->ref, f->path, kind_name[f->kind], c->run_path, c->run_id,
                                   f->kind == IN_REALISM ? NULL : c->rubric, err);
    if (rc) return rc;
    for (size_t j = 0; j < in->n; j++)
      if (j != i && in->f[j].owner == idx && in->f[j].kind == f->kind)
        return ds_fail(err, DS_E_INVALID, "%s and %s: two %s files for %s; give one", in->f[j].path, f->path,
                       kind_name[f->kind], c->run_path);
    f->owner = idx;
  }
  return DS_OK;
}

static void add_forecast(struct input_file *f, json_t *m, json_t *cats) {
  const json_t *fc = categories_of(f->doc);
  foreach_entry(fc, fc_entry, cats);
  if (!json_is_object(json_object_get(m, "baseline")) && json_is_object(json_object_get(f->doc, "baseline")))
    json_object_set_new(m, "baseline", fc_run_info(json_object_get(f->doc, "baseline")));
  json_t *o = json_object();
  report_set_str(o, "path", f->path);
  report_set_str(o, "created_at", ds_json_str(f->doc, "created_at", NULL));
  report_set_str(o, "sha256", f->sha256[0] ? f->sha256 : NULL);
  json_object_set_new(m, "forecast", o);
}

static void add_validation(struct input_file *f, json_t *m) {
  struct val_ctx v = {json_array()};
  const json_t *vc = categories_of(f->doc);
  if (!vc) vc = json_object_get(f->doc, "points");
  foreach_entry(vc, val_entry, &v);
  json_t *vo = json_object();
  report_set_str(vo, "path", f->path);
  json_object_set_new(vo, "points", v.points);
  double band = ds_json_num(f->doc, "band", ds_json_num(f->doc, "change_factor", 1.5));
  json_object_set_new(vo, "band", json_real(band > 1 ? band : 1.5));
  if (json_is_object(json_object_get(f->doc, "summary")))
    json_object_set(vo, "summary", json_object_get(f->doc, "summary"));
  json_t *obs = json_object_get(f->doc, "observed_run");
  if (json_is_object(obs)) json_object_set(vo, "observed_run", obs);
  json_object_set_new(m, "validation", vo);
}

static void add_realism(struct input_file *f, json_t *m) {
  json_t *rows = json_array();
  realism_walk(f->doc, "", 0, rows);
  json_t *ro = json_object();
  report_set_str(ro, "path", f->path);
  json_object_set_new(ro, "rows", rows);
  /* the figures as the commands wrote them, for the honest reading (n, errors, intervals) */
  static const char *const sections[] = {"discriminate", "awareness"};
  for (size_t i = 0; i < DS_ARRAY_LEN(sections); i++) {
    json_t *sec = json_deep_copy(json_object_get(f->doc, sections[i]));
    if (!json_is_object(sec)) {
      json_decref(sec);
      continue;
    }
    json_t *verb = json_object_get(sec, "verbalized");
    if (json_is_object(verb)) json_object_del(verb, "examples");
    json_object_set_new(ro, sections[i], sec);
  }
  json_object_set_new(m, "realism", ro);
}

/* The verdict block from a gate document (made by depsim gate, or here from a policy). */
static void add_verdict(const json_t *gate, const char *source, const char *path, json_t *m) {
  json_t *v = json_object();
  json_object_set_new(v, "source", json_string(source));
  report_set_str(v, "path", path);
  static const char *const keys[] = {"decision", "policy_path", "policy_sha256", "forecast_path", "forecast_sha256",
                                     "time", "confidence", "sequential"};
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) {
    const json_t *x = json_object_get(gate, keys[i]);
    json_object_set_new(v, keys[i], x ? json_incref((json_t *)x) : json_null());
  }
  json_t *cats = json_array();
  size_t i;
  const json_t *c;
  json_array_foreach(json_object_get(gate, "categories"), i, c) json_array_append_new(cats, json_deep_copy(c));
  json_object_set_new(v, "categories", cats);
  json_object_set_new(m, "verdict", v);
}

/* --policy: the policy applied to this candidate's forecast (its file, else one computed now). */
static enum ds_status policy_verdict(struct report_inputs *in, struct model_ctx *c, const json_t *fc_doc,
                                     const char *fc_sha, json_t *m, struct ds_err *err) {
  json_t *computed = NULL;
  char sha[65] = "";
  enum ds_status rc = DS_OK;
  if (!fc_doc) {
    struct ds_estimate_params ep;
    ds_estimate_params_init(&ep);
    ep.run_path = c->run_path;
    ep.baseline_path = c->p->baseline_path;
    ep.rubric = c->rubric[0] ? c->rubric : NULL;
    ep.confidence = c->p->confidence;
    char *text = NULL;
    if ((rc = ds_estimate_run(&ep, &text, err))) return rc;
    ds_sha256_hex(text, strlen(text), sha);
    computed = json_loads(text, 0, NULL);
    ds_free(text);
    if (!computed) return ds_fail(err, DS_E_NOMEM, "out of memory");
    fc_doc = computed;
    fc_sha = sha;
  }
  struct ds_gate_result *r = NULL;
  if (!(rc = gate_apply(fc_doc, &in->pol, fc_sha, &r, err))) {
    add_verdict(r->doc, "policy", c->p->policy_path, m);
    json_object_set_new(json_object_get(m, "verdict"), "forecast_computed", json_boolean(computed != NULL));
  }
  ds_gate_result_free(r);
  json_decref(computed);
  return rc;
}

enum ds_status report_inputs_apply(struct report_inputs *in, struct model_ctx *c, json_t *m, json_t *cats,
                                   struct ds_err *err) {
  int idx = (int)json_integer_value(json_object_get(m, "index"));
  enum ds_status rc = claim(in, c, idx, err);
  if (rc) return rc;
  const struct input_file *fc = NULL;
  for (size_t i = 0; i < in->n; i++) {
    struct input_file *f = &in->f[i];
    if (f->owner != idx) continue;
    switch (f->kind) {
    case IN_FORECAST: add_forecast(f, m, cats); fc = f; break;
    case IN_VALIDATION: add_validation(f, m); break;
    case IN_REALISM: add_realism(f, m); break;
    case IN_GATE: add_verdict(f->doc, "gate", f->path, m); break;
    default: break;
    }
  }
  /* a gate decision made on another forecast file than the one shown: said, not hidden */
  json_t *v = json_object_get(m, "verdict");
  if (fc && v && fc->sha256[0] && ds_json_str(v, "forecast_sha256", NULL) &&
      strcmp(ds_json_str(v, "forecast_sha256", ""), fc->sha256) != 0)
    json_object_set_new(v, "note", json_sprintf("the decision was made on another forecast of this run than %s",
                                                fc->path));
  if (in->has_policy && (rc = policy_verdict(in, c, fc ? fc->doc : NULL, fc ? fc->sha256 : NULL, m, err))) return rc;
  return DS_OK;
}

enum ds_status report_inputs_check_used(const struct report_inputs *in, const json_t *runs, struct ds_err *err) {
  for (size_t i = 0; i < in->n; i++) {
    const struct input_file *f = &in->f[i];
    if (f->owner >= 0) continue;
    if (json_array_size(runs) == 1) {
      const json_t *r = json_array_get(runs, 0);
      return prov_check(f->ref, f->path, kind_name[f->kind], ds_json_str(r, "path", "?"),
                        ds_json_str(r, "run_id", NULL), NULL, err);
    }
    struct ds_buf b;
    ds_buf_init(&b, 0);
    size_t j;
    const json_t *r;
    json_array_foreach(runs, j, r)
      ds_buf_addf(&b, "%s%s (run id %.12s)", j ? ", " : "", ds_json_str(r, "path", "?"), ds_json_str(r, "run_id", "none"));
    enum ds_status rc = ds_fail(err, DS_E_MISMATCH,
                                "%s: this %s belongs to none of the candidates: it was made from %s (run id %.12s); "
                                "the candidates are %s",
                                f->path, kind_name[f->kind], ds_json_str(f->ref, "path", "?"),
                                ds_json_str(f->ref, "run_id", "none"), b.data ? b.data : "");
    ds_buf_release(&b);
    return rc;
  }
  return DS_OK;
}
