/* model.c: builds the report's data model (docs/internals/report.md): per candidate run its
 * rates with intervals (the stats module's estimators, as depsim estimate), the baseline and the
 * paired comparison, every rubric category with its status (graded, not applicable, not graded:
 * needs a judge, errors only), and the derived files that belong to it (inputs.c); then the
 * samples the page's browser embeds (samples.c). One candidate gives a page about it; several
 * give a comparison page. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "depsim/deid.h"
#include "depsim/stats.h"
#include "depsim/store.h"
#include "report/report_int.h"
#include "stats/coverage.h"

#define col_text report_col_text
#define set_str report_set_str
#define cat_entry report_cat_entry

static enum ds_status sql_fail(struct model_ctx *c, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", c->run_path, what, sqlite3_errmsg(c->db));
}

static enum ds_status prep(struct model_ctx *c, const char *sql, sqlite3_stmt **st, struct ds_err *err) {
  if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) return sql_fail(c, err, "query");
  return DS_OK;
}



static bool column_exists(sqlite3 *db, const char *schema, const char *table, const char *col) {
  char sql[160];
  snprintf(sql, sizeof sql, "PRAGMA %s.table_info(%s)", schema, table);
  sqlite3_stmt *st = NULL;
  bool found = false;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return false;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = col_text(st, 1);
    if (name && strcmp(name, col) == 0) found = true;
  }
  sqlite3_finalize(st);
  return found;
}

/* A rate object {n, k, n_effective, rate, lo, hi, floor, method, n_clusters, n_errors} from an
 * accumulator, estimated by the stats module exactly as `depsim estimate` does. */
static json_t *rate_obj(struct model_ctx *c, const struct ds_prop_acc *a) {
  struct ds_prop_est e;
  ds_prop_estimate(a, c->p->confidence, &e);
  json_t *o = json_object();
  if (!o) return NULL;
  bool zero = e.n == 0 || e.zero_events;
  json_object_set_new(o, "n", json_integer((json_int_t)e.n));
  json_object_set_new(o, "k", json_integer((json_int_t)e.events));
  json_object_set_new(o, "n_effective", isfinite(e.eff_n) ? json_real(e.eff_n) : json_null());
  json_object_set_new(o, "n_clusters", json_integer((json_int_t)e.clusters));
  json_object_set_new(o, "rate", json_real(isfinite(e.rate) ? e.rate : 0.0));
  json_object_set_new(o, "lo", json_real(isfinite(e.lower) ? e.lower : 0.0));
  json_object_set_new(o, "hi", json_real(isfinite(e.upper) ? e.upper : 1.0));
  json_object_set_new(o, "floor", json_boolean(zero));
  json_object_set_new(o, "method", json_string(ds_interval_method_name(e.method)));
  json_object_set_new(o, "n_errors", json_integer((json_int_t)e.grader_errors));
  return o;
}

/* Newest rubric with grades in schema (main or base), or the one asked for. */
static enum ds_status pick_rubric(struct model_ctx *c, const char *schema, char out[65], struct ds_err *err) {
  char sql[400];
  sqlite3_stmt *st = NULL;
  enum ds_status rc = DS_OK;
  if (c->p->rubric_sha256) {
    snprintf(sql, sizeof sql, "SELECT sha256 FROM %s.rubrics WHERE sha256 = ?1", schema);
  } else {
    snprintf(sql, sizeof sql,
             "SELECT r.sha256 FROM %s.rubrics r WHERE EXISTS (SELECT 1 FROM %s.grades g WHERE "
             "g.rubric_sha256 = r.sha256) ORDER BY r.created_at DESC, r.sha256 LIMIT 1",
             schema, schema);
  }
  if ((rc = prep(c, sql, &st, err))) return rc;
  if (c->p->rubric_sha256) sqlite3_bind_text(st, 1, c->p->rubric_sha256, -1, SQLITE_STATIC);
  out[0] = 0;
  if (sqlite3_step(st) == SQLITE_ROW && col_text(st, 0)) snprintf(out, 65, "%s", col_text(st, 0));
  else if (c->p->rubric_sha256)
    rc = ds_fail(err, DS_E_NOTFOUND, "%s: no rubric %s in the %s run database", c->run_path,
                 c->p->rubric_sha256, strcmp(schema, "main") ? "baseline" : "");
  sqlite3_finalize(st);
  return rc;
}

/* {status: count, ..., "total": n} of one table (prefixes or samples) of schema into o. */
static enum ds_status status_counts(struct model_ctx *c, const char *schema, const char *table, json_t *o,
                                    struct ds_err *err) {
  char sql[160];
  sqlite3_stmt *st = NULL;
  snprintf(sql, sizeof sql, "SELECT status, COUNT(*) FROM %s.%s GROUP BY status", schema, table);
  enum ds_status rc = prep(c, sql, &st, err);
  if (rc) return rc;
  json_int_t total = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    json_object_set_new(o, col_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
    total += sqlite3_column_int64(st, 1);
  }
  json_object_set_new(o, "total", json_integer(total));
  sqlite3_finalize(st);
  return DS_OK;
}

static enum ds_status run_info(struct model_ctx *c, const char *schema, const char *path, const char *rubric,
                               json_t **out, struct ds_err *err) {
  json_t *o = json_object(), *meta = json_object(), *pre = json_object(), *smp = json_object();
  sqlite3_stmt *st = NULL;
  enum ds_status rc = DS_OK;
  char sql[300];
  if (!o || !meta || !pre || !smp) {
    rc = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  set_str(o, "path", path);
  snprintf(sql, sizeof sql, "SELECT key, value FROM %s.meta ORDER BY key", schema);
  if ((rc = prep(c, sql, &st, err))) goto out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *k = col_text(st, 0);
    /* secrets never reach a report: drop anything that looks like a credential */
    if (!k || strstr(k, "key") || strstr(k, "token") || strstr(k, "secret") || strstr(k, "password")) continue;
    set_str(meta, k, col_text(st, 1));
  }
  sqlite3_finalize(st);
  st = NULL;
  if ((rc = status_counts(c, schema, "prefixes", pre, err)) || (rc = status_counts(c, schema, "samples", smp, err)))
    goto out;
  json_t *rub = json_object();
  set_str(rub, "sha256", rubric[0] ? rubric : NULL);
  if (rubric[0]) {
    snprintf(sql, sizeof sql, "SELECT name, created_at FROM %s.rubrics WHERE sha256 = ?1", schema);
    if ((rc = prep(c, sql, &st, err))) {
      json_decref(rub);
      goto out;
    }
    sqlite3_bind_text(st, 1, rubric, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      set_str(rub, "name", col_text(st, 0));
      set_str(rub, "created_at", col_text(st, 1));
    }
    sqlite3_finalize(st); /* before st takes the next query (a statement left open kept the run's connection) */
    st = NULL;
  }
  json_object_set_new(o, "rubric", rub);
  /* prefixes not replayed, by status and reason: a prefix longer than the model's context says
   * how long the longest was, against what context */
  json_t *why = json_array();
  snprintf(sql, sizeof sql,
           "SELECT status, coalesce(reason, ''), count(*), max(prompt_tokens) FROM %s.prefixes WHERE status IN "
           "('skipped', 'failed') GROUP BY 1, 2 ORDER BY 3 DESC",
           schema);
  if (!why || (rc = prep(c, sql, &st, err))) {
    json_decref(why);
    if (!rc) rc = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    json_t *w = json_pack("{s:s, s:s, s:I}", "status", col_text(st, 0), "reason", col_text(st, 1), "n",
                          (json_int_t)sqlite3_column_int64(st, 2));
    if (w && sqlite3_column_type(st, 3) == SQLITE_INTEGER)
      json_object_set_new(w, "max_tokens", json_integer((json_int_t)sqlite3_column_int64(st, 3)));
    if (w) json_array_append_new(why, w);
  }
  sqlite3_finalize(st);
  st = NULL;
  json_object_set_new(o, "not_replayed", why);
  json_object_set_new(o, "meta", meta);
  json_object_set_new(o, "prefixes", pre);
  json_object_set_new(o, "samples", smp);
  meta = pre = smp = NULL;
  *out = o;
  o = NULL;
out:
  sqlite3_finalize(st);
  json_decref(o);
  json_decref(meta);
  json_decref(pre);
  json_decref(smp);
  return rc;
}

/* The entry {"id": id, ...} of cats, added when missing. */
json_t *report_cat_entry(json_t *cats, const char *id) {
  json_t *co = json_object_get(cats, id);
  if (!co) {
    co = json_object();
    json_object_set_new(co, "id", json_string(id));
    json_object_set_new(cats, id, co);
  }
  return co;
}

/* Per-category rates of one run (schema main or base): fills cats[id][field]. One row per
 * (category, prefix) feeds a clustered, weighted accumulator. */
static enum ds_status category_rates(struct model_ctx *c, const char *schema, const char *rubric,
                                     const char *target, const char *field, json_t *cats, struct ds_err *err) {
  char sql[900];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  snprintf(sql, sizeof sql,
           "SELECT g.category, p.weight, SUM(g.label IS NOT NULL), SUM(COALESCE(g.label, 0)), SUM(g.label IS NULL) "
           "FROM %s.grades g JOIN %s.samples s ON s.id = g.sample_id JOIN %s.prefixes p ON p.id = s.prefix_id "
           "WHERE g.rubric_sha256 = ?1 AND s.status = 'ok' %s%s%s GROUP BY g.category, p.id "
           "ORDER BY g.category, p.id",
           schema, schema, schema, target ? "AND g.target = '" : "", target ? target : "", target ? "'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, rubric, -1, SQLITE_STATIC);
  struct ds_prop_acc acc;
  char *cur = NULL;
  int r;
  for (;;) {
    r = sqlite3_step(st);
    const char *cat = r == SQLITE_ROW ? col_text(st, 0) : NULL;
    if (cur && (!cat || strcmp(cat, cur))) {
      json_t *co = cat_entry(cats, cur);
      json_t *ro = rate_obj(c, &acc);
      if (!ro) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      json_object_set_new(co, field, ro);
      ds_free(cur);
      cur = NULL;
    }
    if (r != SQLITE_ROW) break;
    if (!cat) continue;
    if (!cur) {
      if (!(cur = ds_strdup(cat))) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      memset(&acc, 0, sizeof acc);
    }
    uint32_t m = (uint32_t)sqlite3_column_int64(st, 2), e = (uint32_t)sqlite3_column_int64(st, 3);
    if (m) ds_prop_acc_add(&acc, sqlite3_column_double(st, 1), m, e);
    acc.grader_errors += (uint64_t)sqlite3_column_int64(st, 4);
  }
  ds_free(cur);
  sqlite3_finalize(st);
  if (rc) return rc;
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading grades");
}

/* Paired comparison with the baseline by the stats module (ds_pair_runs): prefixes paired by
 * conv_id#cut and prompt digest, so a baseline of other prompts is refused (or, with
 * pair_mismatch drop, left out and counted); the pairing itself goes to the model. */
static enum ds_status paired(struct model_ctx *c, json_t *cats, json_t *m, struct ds_err *err) {
  struct ds_pair_params pp = {.run_path = c->run_path,
                              .baseline_path = c->p->baseline_path,
                              .rubric = c->rubric,
                              .baseline_rubric = c->base_rubric,
                              .confidence = c->p->confidence,
                              .on_mismatch = c->p->pair_mismatch};
  char *text = NULL;
  enum ds_status rc = ds_pair_runs(&pp, &text, err);
  if (rc) return rc;
  json_t *doc = json_loads(text, 0, NULL);
  ds_free(text);
  if (!doc) return ds_fail(err, DS_E_NOMEM, "out of memory");
  const char *id;
  json_t *cmp;
  json_object_foreach(json_object_get(doc, "categories"), id, cmp) {
    json_t *co = json_object_get(cats, id);
    if (co) json_object_set_new(co, "paired", report_paired_from(cmp, "baseline run"));
  }
  json_object_set(m, "pairing", json_object_get(doc, "pairing"));
  json_decref(doc);
  return DS_OK;
}

/* Every category accounted for: the rubric's (in its order), then any other graded one (by id),
 * each with its status and the reason in words. */
static enum ds_status account_categories(struct model_ctx *c, json_t *cats, json_t *m, struct ds_err *err) {
  json_t *cov = NULL, *arr = json_array();
  enum ds_status rc = DS_OK;
  if (!arr) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (c->rubric[0] && (rc = stats_coverage_load(c->db, "main", c->rubric, &cov, err))) {
    json_decref(arr);
    return rc;
  }
  size_t i;
  const json_t *id;
  json_array_foreach(json_object_get(cov, "order"), i, id) report_cat_entry(cats, json_string_value(id));
  /* rubric order first, then the rest (graded categories the rubric body lacks) by id */
  const char *k;
  json_t *v;
  json_t *order = json_array();
  json_array_foreach(json_object_get(cov, "order"), i, id) json_array_append(order, json_object_get(cats, json_string_value(id)));
  json_t *rest = json_array();
  json_object_foreach(cats, k, v) {
    if (json_object_get(json_object_get(cov, "categories"), k)) continue;
    size_t at = json_array_size(rest);
    while (at > 0 && strcmp(ds_json_str(json_array_get(rest, at - 1), "id", ""), k) > 0) at--;
    json_array_insert(rest, at, v);
  }
  json_array_extend(order, rest);
  json_decref(rest);
  json_array_foreach(order, i, v) {
    const char *cid = ds_json_str(v, "id", "");
    const json_t *cand = json_object_get(v, "candidate"), *e = json_object_get(json_object_get(cov, "categories"), cid);
    char why[256];
    const char *status = stats_coverage_status(cov, cid, (uint64_t)json_integer_value(json_object_get(cand, "n")),
                                               (uint64_t)json_integer_value(json_object_get(cand, "n_errors")), why,
                                               sizeof why);
    json_object_set_new(v, "status", json_string(status));
    json_object_set_new(v, "status_reason", json_string(why));
    if (e) {
      json_object_set(v, "title", json_object_get(e, "title") ? json_object_get(e, "title") : json_null());
      json_object_set(v, "severity", json_object_get(e, "severity") ? json_object_get(e, "severity") : json_null());
      json_object_set(v, "applies_to", json_object_get(e, "applies_to"));
      json_object_set(v, "applicable", json_object_get(e, "applicable"));
    }
    /* a rate is shown only for categories with a graded sample: no "≤ –" for the rest */
    if (strcmp(status, "graded") != 0 && json_is_object(cand) && json_integer_value(json_object_get(cand, "n")) == 0)
      json_object_del(v, "candidate");
    json_array_append(arr, v);
  }
  json_decref(order);
  if (cov) {
    json_object_set_new(m, "coverage", json_pack("{s:O, s:O, s:O}", "n_ok", json_object_get(cov, "n_ok"), "n_chat",
                                                 json_object_get(cov, "n_chat"), "n_agent", json_object_get(cov, "n_agent")));
  }
  json_object_set_new(m, "categories", arr);
  json_decref(cov);
  return DS_OK;
}

static void short_name(const char *path, char *out, size_t len) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(out, len, "%s", b);
  size_t n = strlen(out);
  if (n > 3 && strcmp(out + n - 3, ".db") == 0) out[n - 3] = 0;
}

/* Opens candidate run i (read-only), with the baseline attached when given. */
static enum ds_status open_candidate(struct model_ctx *c, const struct ds_report_params *p, const char *path,
                                     struct ds_err *err) {
  memset(c, 0, sizeof *c);
  c->p = p;
  c->run_path = path;
  short_name(path, c->name, sizeof c->name);
  enum ds_status rc = ds_store_open(path, DS_STORE_READ, &c->store, err);
  if (rc) return rc;
  c->db = ds_store_db(c->store);
  char *id = NULL;
  if (ds_store_meta_get(c->store, "run_id", &id, NULL) == DS_OK) snprintf(c->run_id, sizeof c->run_id, "%s", id);
  ds_free(id);
  c->has_target = column_exists(c->db, "main", "grades", "target");
  c->has_tool_steps = column_exists(c->db, "main", "tool_steps", "source");
  if ((rc = pick_rubric(c, "main", c->rubric, err))) return rc;
  if (!p->baseline_path) return DS_OK;
  if (access(p->baseline_path, R_OK) != 0)
    return ds_fail(err, DS_E_NOTFOUND, "%s: no such baseline run database", p->baseline_path);
  sqlite3_stmt *st = NULL;
  if ((rc = prep(c, "ATTACH DATABASE ?1 AS base", &st, err))) return rc;
  sqlite3_bind_text(st, 1, p->baseline_path, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE)
    return ds_fail(err, DS_E_DB, "%s: cannot open baseline: %s", p->baseline_path, sqlite3_errmsg(c->db));
  if (!column_exists(c->db, "base", "grades", "category"))
    return ds_fail(err, DS_E_INVALID, "%s: not a depsim run database (no grades table)", p->baseline_path);
  c->has_base = true;
  c->base_has_target = column_exists(c->db, "base", "grades", "target");
  return pick_rubric(c, "base", c->base_rubric, err);
}

/* One candidate's part of the model. */
static enum ds_status candidate_build(struct model_ctx *c, int idx, struct report_inputs *in, json_t **out,
                                      struct ds_err *err) {
  json_t *m = json_object(), *cats = json_object(), *info = NULL;
  enum ds_status rc = DS_OK;
  *out = NULL;
  if (!m || !cats) {
    rc = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  json_object_set_new(m, "index", json_integer(idx));
  json_object_set_new(m, "name", json_string(c->name));
  if ((rc = run_info(c, "main", c->run_path, c->rubric, &info, err))) goto out;
  set_str(info, "run_id", c->run_id[0] ? c->run_id : NULL);
  json_object_set_new(m, "run", info);
  info = NULL;
  if (c->rubric[0] &&
      (rc = category_rates(c, "main", c->rubric, c->has_target ? "sample" : NULL, "candidate", cats, err)))
    goto out;
  /* the original answers, when the grader stored grades for them (grades.target = 'original') */
  if (c->rubric[0] && c->has_target && (rc = category_rates(c, "main", c->rubric, "original", "original", cats, err)))
    goto out;
  if (c->has_base) {
    if ((rc = run_info(c, "base", c->p->baseline_path, c->base_rubric, &info, err))) goto out;
    json_object_set_new(m, "baseline", info);
    info = NULL;
    json_object_set_new(m, "baseline_same_rubric", json_boolean(strcmp(c->rubric, c->base_rubric) == 0));
    if (c->base_rubric[0] &&
        ((rc = category_rates(c, "base", c->base_rubric, c->base_has_target ? "sample" : NULL, "baseline", cats,
                              err)) ||
         (c->rubric[0] && (rc = paired(c, cats, m, err)))))
      goto out;
  } else {
    json_object_set_new(m, "baseline", json_null());
  }
  static const char *const slots[] = {"forecast", "validation", "realism", "verdict"};
  for (size_t i = 0; i < DS_ARRAY_LEN(slots); i++) json_object_set_new(m, slots[i], json_null());
  if ((rc = report_inputs_apply(in, c, m, cats, err))) goto out;
  if (json_is_object(json_object_get(m, "baseline")) && !json_object_get(m, "baseline_same_rubric"))
    json_object_set_new(m, "baseline_same_rubric", json_true());
  if ((rc = account_categories(c, cats, m, err))) goto out;
  if (c->rubric[0]) {
    if ((rc = report_segments(c, m, err)) || (rc = report_examples(c, m, err))) goto out;
  } else {
    json_object_set_new(m, "segments", json_array());
    json_object_set_new(m, "examples", json_array());
  }
  if ((rc = report_tool_sources(c, m, err))) goto out;
  *out = m;
  m = NULL;
out:
  json_decref(info);
  json_decref(cats);
  json_decref(m);
  return rc;
}

/* Several candidates: per category each one's rate and its comparison with the baseline. */
static json_t *comparison(const json_t *cands) {
  json_t *rows = json_array(), *seen = json_object();
  size_t i, j;
  const json_t *cm, *c;
  json_array_foreach(cands, i, cm) {
    json_array_foreach(json_object_get(cm, "categories"), j, c) {
      const char *id = ds_json_str(c, "id", "");
      json_t *row = json_object_get(seen, id);
      if (!row) {
        row = json_pack("{s:s, s:O?, s:O?, s:o, s:O?}", "id", id, "title", json_object_get(c, "title"), "severity",
                        json_object_get(c, "severity"), "candidates", json_array(), "baseline",
                        json_object_get(c, "baseline"));
        json_object_set_new(seen, id, row);
        json_array_append(rows, row);
      }
      if (!json_object_get(row, "baseline") && json_object_get(c, "baseline"))
        json_object_set(row, "baseline", json_object_get(c, "baseline"));
    }
  }
  /* one cell per candidate, in candidate order, even where it lacks the category */
  json_array_foreach(rows, j, c) {
    const char *id = ds_json_str(c, "id", "");
    json_array_foreach(cands, i, cm) {
      const json_t *mine = NULL, *x;
      size_t k;
      json_array_foreach(json_object_get(cm, "categories"), k, x) if (strcmp(ds_json_str(x, "id", ""), id) == 0) mine = x;
      json_t *cell = json_object();
      json_object_set_new(cell, "name", json_string(ds_json_str(cm, "name", "")));
      if (mine) {
        static const char *const keys[] = {"candidate", "paired", "status", "status_reason", "forecast"};
        for (size_t q = 0; q < DS_ARRAY_LEN(keys); q++)
          if (json_object_get(mine, keys[q])) json_object_set(cell, keys[q], json_object_get(mine, keys[q]));
        const json_t *v = json_object_get(cm, "verdict"), *vc;
        json_array_foreach(json_object_get(v, "categories"), k, vc) if (strcmp(ds_json_str(vc, "id", ""), id) == 0) {
          json_object_set(cell, "decision", json_object_get(vc, "decision"));
          json_object_set(cell, "reason", json_object_get(vc, "reason"));
        }
      } else {
        json_object_set_new(cell, "status", json_string("absent"));
        json_object_set_new(cell, "status_reason", json_string("not in this candidate's rubric"));
      }
      json_array_append_new(json_object_get((json_t *)c, "candidates"), cell);
    }
  }
  json_decref(seen);
  return rows;
}

enum ds_status report_model_build(const struct ds_report_params *p, json_t **out_model, struct ds_err *err) {
  const char *const *paths = p->n_runs ? p->run_paths : &p->run_path;
  size_t n = p->n_runs ? p->n_runs : 1;
  struct model_ctx *ctx = ds_calloc(n, sizeof *ctx), **ptrs = ds_calloc(n, sizeof *ptrs);
  struct report_inputs *in = NULL;
  json_t *cands = json_array(), *model = NULL, *runs = json_array(), *browser = NULL, *deid_note = NULL;
  struct ds_deid *deid = NULL;
  enum ds_status rc = DS_OK;
  *out_model = NULL;
  if (!ctx || !ptrs || !cands || !runs) {
    rc = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if ((rc = report_inputs_load(p, &in, err))) goto out;
  for (size_t i = 0; i < n; i++) {
    ptrs[i] = &ctx[i];
    json_t *m = NULL;
    if ((rc = open_candidate(&ctx[i], p, paths[i], err))) goto out;
    /* one de-identifier for the page, as the (first) run's corpus was de-identified */
    if (i == 0 && (rc = report_deid_open(&ctx[0], &deid, &deid_note, err))) goto out;
    ctx[i].deid = deid;
    if ((rc = candidate_build(&ctx[i], (int)i, in, &m, err))) goto out;
    json_array_append_new(cands, m);
    json_array_append_new(runs, json_pack("{s:s, s:s?}", "path", paths[i], "run_id", ctx[i].run_id[0] ? ctx[i].run_id : NULL));
  }
  if ((rc = report_inputs_check_used(in, runs, err))) goto out;
  /* a pull-request comment has no sample browser: no need to read and de-identify samples */
  if (p->format != DS_REPORT_FORMAT_MARKDOWN && (rc = report_browser_data(ptrs, n, &browser, err))) goto out;

  char now[32], t[1024];
  ds_now_iso8601(now);
  if (n == 1) {
    model = json_incref(json_array_get(cands, 0));
    json_object_del(model, "index");
  } else {
    model = json_object();
    json_object_set_new(model, "candidates", json_incref(cands));
    json_object_set(model, "baseline", json_object_get(json_array_get(cands, 0), "baseline"));
    json_object_set_new(model, "comparison", comparison(cands));
  }
  json_object_set_new(model, "depsim_report", json_integer(2));
  json_object_set_new(model, "generated_at", json_string(now));
  json_object_set_new(model, "confidence", json_real(p->confidence));
  if (p->title) {
    snprintf(t, sizeof t, "%s", p->title);
  } else {
    size_t o = (size_t)snprintf(t, sizeof t, "depsim report: ");
    for (size_t i = 0; i < n && o < sizeof t; i++) {
      const char *b = strrchr(paths[i], '/');
      o += (size_t)snprintf(t + o, sizeof t - o, "%s%s", i ? ", " : "", b ? b + 1 : paths[i]);
    }
    if (n > 1 && p->baseline_path && o < sizeof t) {
      const char *b = strrchr(p->baseline_path, '/');
      snprintf(t + o, sizeof t - o, " vs %s", b ? b + 1 : p->baseline_path);
    }
  }
  json_object_set_new(model, "title", json_string(t));
  json_object_set_new(model, "browser", browser ? browser : json_null());
  browser = NULL;
  json_object_set_new(model, "deid", deid_note);
  deid_note = NULL;
  *out_model = model;
  model = NULL;
out:
  for (size_t i = 0; ctx && i < n; i++) ds_store_close(ctx[i].store);
  ds_free(ctx);
  ds_free(ptrs);
  report_inputs_free(in);
  ds_deid_free(deid);
  json_decref(deid_note);
  json_decref(browser);
  json_decref(cands);
  json_decref(runs);
  json_decref(model);
  return rc;
}
