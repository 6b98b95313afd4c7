/* model.c: reads a run database (and optionally a baseline run, forecast, validation and
 * realism files) into the report's data model, a jansson document described in
 * docs/internals/report.md. Rates are computed here with Wilson intervals when no forecast
 * is given; the forecast's own figures are shown beside them when it is. */
#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "depsim/deid.h"
#include "depsim/stats.h"
#include "depsim/store.h"
#include "report/report_int.h"

struct model_ctx {
  const struct ds_report_params *p;
  struct ds_store *store;
  sqlite3 *db;
  const char *run_path;
  bool has_target;      /* grades.target exists (sample / original) */
  bool has_base;
  bool base_has_target;
  char rubric[65];
  char base_rubric[65];
};

static enum ds_status sql_fail(struct model_ctx *c, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", c->run_path, what, sqlite3_errmsg(c->db));
}

static enum ds_status prep(struct model_ctx *c, const char *sql, sqlite3_stmt **st, struct ds_err *err) {
  if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) return sql_fail(c, err, "query");
  return DS_OK;
}

static const char *col_text(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? (const char *)t : NULL;
}

/* json_t setters that tolerate a NULL value (stored as JSON null). */
static int set_str(json_t *o, const char *k, const char *v) {
  return json_object_set_new(o, k, v ? json_string(v) : json_null());
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
  }
  json_object_set_new(o, "rubric", rub);
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
static json_t *cat_entry(json_t *cats, const char *id) {
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

/* Paired comparison on samples present in both runs (same conv_id, cut_index and k), one
 * accumulator row per (category, prefix), estimated by the stats module. */
static enum ds_status paired(struct model_ctx *c, json_t *cats, struct ds_err *err) {
  char sql[1500];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  snprintf(sql, sizeof sql,
           "SELECT g.category, p.weight, COUNT(*), SUM(g.label), SUM(bg.label), SUM(g.label = 1 AND bg.label = 1), "
           "SUM(g.label = 1 AND bg.label = 0), SUM(g.label = 0 AND bg.label = 1) "
           "FROM main.grades g JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = "
           "s.prefix_id JOIN base.prefixes bp ON bp.conv_id = p.conv_id AND bp.cut_index = p.cut_index "
           "JOIN base.samples bs ON bs.prefix_id = bp.id AND bs.k = s.k JOIN base.grades bg ON bg.sample_id = "
           "bs.id AND bg.category = g.category AND bg.rubric_sha256 = ?2 %s "
           "WHERE g.rubric_sha256 = ?1 %s AND g.label IS NOT NULL AND bg.label IS NOT NULL "
           "GROUP BY g.category, p.id ORDER BY g.category, p.id",
           c->base_has_target ? "AND bg.target = 'sample'" : "", c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->base_rubric, -1, SQLITE_STATIC);
  struct ds_pair_acc acc;
  char *cur = NULL;
  int r;
  for (;;) {
    r = sqlite3_step(st);
    const char *cat = r == SQLITE_ROW ? col_text(st, 0) : NULL;
    if (cur && (!cat || strcmp(cat, cur))) {
      json_t *co = json_object_get(cats, cur);
      struct ds_pair_est e;
      ds_pair_estimate(&acc, c->p->confidence, &e);
      if (co) {
        json_t *po = json_object();
        json_object_set_new(po, "n", json_integer((json_int_t)e.pairs));
        json_object_set_new(po, "candidate_only", json_integer((json_int_t)e.cand_only));
        json_object_set_new(po, "baseline_only", json_integer((json_int_t)e.base_only));
        json_object_set_new(po, "diff", json_real(isfinite(e.diff) ? e.diff : 0.0));
        json_object_set_new(po, "lo", isfinite(e.diff_lower) ? json_real(e.diff_lower) : json_null());
        json_object_set_new(po, "hi", isfinite(e.diff_upper) ? json_real(e.diff_upper) : json_null());
        json_object_set_new(po, "mcnemar_p", isfinite(e.mcnemar_p) ? json_real(e.mcnemar_p) : json_null());
        json_object_set_new(po, "direction", json_string(ds_direction_name(e.direction)));
        json_object_set_new(co, "paired", po);
      }
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
    ds_pair_acc_add(&acc, sqlite3_column_double(st, 1), (uint32_t)sqlite3_column_int64(st, 2),
                    (uint32_t)sqlite3_column_int64(st, 3), (uint32_t)sqlite3_column_int64(st, 4),
                    (uint32_t)sqlite3_column_int64(st, 5), (uint32_t)sqlite3_column_int64(st, 6),
                    (uint32_t)sqlite3_column_int64(st, 7));
  }
  ds_free(cur);
  sqlite3_finalize(st);
  if (rc) return rc;
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "pairing with the baseline");
}

static enum ds_status segments(struct model_ctx *c, json_t *model, struct ds_err *err) {
  char sql[1000];
  sqlite3_stmt *st = NULL;
  enum ds_status rc = DS_OK;
  snprintf(sql, sizeof sql,
           "SELECT je.key, CAST(je.value AS TEXT), g.category, p.weight, COUNT(*), SUM(g.label) "
           "FROM main.grades g JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = "
           "s.prefix_id, json_each(CASE WHEN json_valid(p.segment) THEN p.segment ELSE '{}' END) je "
           "WHERE g.rubric_sha256 = ?1 %s AND s.status = 'ok' AND g.label IS NOT NULL AND "
           "je.type IN ('text', 'integer', 'real', 'true', 'false') GROUP BY je.key, je.value, g.category, p.id "
           "ORDER BY je.key, je.value, g.category, p.id",
           c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  json_t *arr = json_array();
  json_object_set_new(model, "segments", arr);
  json_t *cur = NULL;
  char *cat_cur = NULL;
  struct ds_prop_acc acc;
  int r;
  for (;;) {
    r = sqlite3_step(st);
    const char *key = NULL, *val = NULL, *cat = NULL;
    if (r == SQLITE_ROW) {
      key = col_text(st, 0), val = col_text(st, 1), cat = col_text(st, 2);
      if (!key || !val || !cat) continue;
    }
    bool new_seg = !cur || !key || strcmp(ds_json_str(cur, "key", ""), key) || strcmp(ds_json_str(cur, "value", ""), val);
    if (cat_cur && (new_seg || strcmp(cat, cat_cur))) {
      json_t *ro = rate_obj(c, &acc);
      if (!ro) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      json_object_set_new(json_object_get(cur, "categories"), cat_cur, ro);
      ds_free(cat_cur);
      cat_cur = NULL;
    }
    if (r != SQLITE_ROW) break;
    if (new_seg) {
      cur = json_object();
      json_object_set_new(cur, "key", json_string(key));
      json_object_set_new(cur, "value", json_string(val));
      json_object_set_new(cur, "categories", json_object());
      json_array_append_new(arr, cur);
    }
    if (!cat_cur) {
      if (!(cat_cur = ds_strdup(cat))) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      memset(&acc, 0, sizeof acc);
    }
    ds_prop_acc_add(&acc, sqlite3_column_double(st, 3), (uint32_t)sqlite3_column_int64(st, 4),
                    (uint32_t)sqlite3_column_int64(st, 5));
  }
  ds_free(cat_cur);
  sqlite3_finalize(st);
  if (rc) return rc;
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading segments");
}

static enum ds_status tool_sources(struct model_ctx *c, json_t *model, struct ds_err *err) {
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  if ((rc = prep(c, "SELECT tool, source, COUNT(*), SUM(side_effect) FROM main.tool_steps GROUP BY tool, source "
                    "ORDER BY tool, source", &st, err)))
    return rc;
  json_t *tools = json_object(), *order = json_array();
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *tool = col_text(st, 0), *src = col_text(st, 1);
    if (!tool || !src) continue;
    json_t *t = json_object_get(tools, tool);
    if (!t) {
      t = json_object();
      json_object_set_new(t, "tool", json_string(tool));
      json_object_set_new(t, "sources", json_object());
      json_object_set_new(t, "total", json_integer(0));
      json_object_set_new(t, "side_effects", json_integer(0));
      json_object_set_new(tools, tool, t);
      json_array_append(order, t);
    }
    json_int_t n = sqlite3_column_int64(st, 2);
    json_object_set_new(json_object_get(t, "sources"), src, json_integer(n));
    json_object_set_new(t, "total", json_integer(json_integer_value(json_object_get(t, "total")) + n));
    json_object_set_new(t, "side_effects", json_integer(json_integer_value(json_object_get(t, "side_effects")) +
                                                        sqlite3_column_int64(st, 3)));
  }
  sqlite3_finalize(st);
  json_decref(tools);
  json_object_set_new(model, "tool_sources", order);
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading tool_steps");
}

/* Text of a stored message or message list: content plus rendered tool calls. */
static void add_tool_calls_text(struct ds_buf *b, const json_t *calls) {
  size_t i;
  const json_t *tc;
  json_array_foreach(calls, i, tc) {
    const json_t *fn = json_object_get(tc, "function"); /* wire form, just in case */
    const char *name = ds_json_str(fn ? fn : tc, "name", "?");
    const char *args = ds_json_str(fn ? fn : tc, "arguments", "");
    ds_buf_addf(b, "%s[tool call] %s %s", b->len ? "\n" : "", name, args);
  }
}

static char *message_text(const char *stored) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  json_t *j = stored ? json_loads(stored, JSON_DECODE_ANY, NULL) : NULL;
  if (!stored) {
    /* nothing */
  } else if (json_is_object(j)) {
    const char *content = ds_json_str(j, "content", NULL);
    if (content) ds_buf_adds(&b, content);
    add_tool_calls_text(&b, json_object_get(j, "tool_calls"));
  } else if (json_is_string(j)) {
    ds_buf_adds(&b, json_string_value(j));
  } else {
    ds_buf_adds(&b, stored); /* plain text */
  }
  json_decref(j);
  return ds_buf_detach(&b, NULL);
}

static char *last_user_text(const char *messages) {
  json_t *j = messages ? json_loads(messages, 0, NULL) : NULL;
  const char *text = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(j, i, m) {
    if (strcmp(ds_json_str(m, "role", ""), "user") == 0) text = ds_json_str(m, "content", NULL);
  }
  char *out = ds_strdup(text ? text : "");
  json_decref(j);
  return out;
}

/* The text to highlight in a grader's evidence: plain text, a JSON string, an object with
 * quote/match/text/evidence/span/command, or depsim grade's {"graders": [{type, label, match |
 * finding{command, flag, reason} | evidence | verdicts[{evidence}]}]}, where the first grader
 * that flagged gives the text. *out_detail (may stay NULL) names the graders that flagged. */
static const char *evidence_of(const json_t *o) {
  static const char *keys[] = {"quote", "match", "text", "evidence", "span", "command"};
  const char *s = NULL;
  if (json_is_string(o)) return json_string_value(o);
  for (size_t i = 0; i < DS_ARRAY_LEN(keys) && !s; i++) s = ds_json_str(o, keys[i], NULL);
  if (!s && json_is_object(json_object_get(o, "finding"))) s = evidence_of(json_object_get(o, "finding"));
  if (!s && json_is_array(json_object_get(o, "verdicts"))) {
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(o, "verdicts"), i, v) if (!s) s = evidence_of(v);
  }
  return s;
}

static void evidence_parse(const char *ev, char **out_text, char **out_detail) {
  *out_text = *out_detail = NULL;
  if (!ev) return;
  json_t *j = json_loads(ev, JSON_DECODE_ANY, NULL);
  const char *s = NULL;
  const json_t *gs = json_object_get(j, "graders");
  if (json_is_array(gs)) {
    struct ds_buf d;
    ds_buf_init(&d, 4096);
    size_t i;
    const json_t *g;
    json_array_foreach(gs, i, g) {
      if (!json_is_true(json_object_get(g, "label"))) continue;
      if (!s) s = evidence_of(g);
      const json_t *f = json_object_get(g, "finding");
      ds_buf_addf(&d, "%s%s", d.len ? "; " : "", ds_json_str(g, "type", "grader"));
      if (json_is_object(f)) ds_buf_addf(&d, " %s: %s", ds_json_str(f, "flag", "?"), ds_json_str(f, "reason", ""));
    }
    if (d.len) *out_detail = ds_buf_detach(&d, NULL);
    ds_buf_release(&d);
  } else if (j) {
    s = evidence_of(j);
    if (json_is_array(j) && json_is_string(json_array_get(j, 0))) s = json_string_value(json_array_get(j, 0));
  }
  *out_text = ds_strdup(s ? s : ev);
  json_decref(j);
}

/* A grader's evidence is often a window cut out of the response mid-word ("ou can ... at
 * jane@exa"). De-identified on its own, a cut value would get another placeholder than the
 * whole value in the response, and the evidence would no longer point into it: widen the
 * evidence to whole words of the response first. */
static bool word_char(char c) { return isalnum((unsigned char)c) || strchr("@._%+-", c) || (unsigned char)c >= 0x80; }

static void widen_to_words(const char *response, char **ev) {
  if (!*ev || !**ev) return;
  const char *at = strstr(response, *ev);
  if (!at) return;
  const char *b = at, *e = at + strlen(*ev);
  while (b > response && word_char(b[-1]) && word_char(b[0])) b--;
  while (*e && word_char(e[-1]) && word_char(*e)) e++;
  char *w = ds_strndup(b, (size_t)(e - b));
  if (!w) return;
  ds_free(*ev);
  *ev = w;
}

/* Replaces *text by its de-identified form (one placeholder map per example, so the evidence
 * still matches the response it quotes). */
static enum ds_status scrub(struct ds_deid *d, char **text, struct ds_err *err) {
  if (!*text) return DS_OK;
  char *out = NULL;
  size_t n;
  enum ds_status rc = ds_deid_text(d, *text, strlen(*text), &out, &n, err);
  if (rc) return rc;
  ds_free(*text);
  *text = out;
  return DS_OK;
}

/* The top flagged examples per category. Their text goes through de-identification first:
 * candidate completions (above all precomputed ones) can carry personal data that ingest
 * never saw, and personal data never reaches a report. */
static enum ds_status examples(struct model_ctx *c, json_t *model, struct ds_err *err) {
  json_t *arr = json_array();
  json_object_set_new(model, "examples", arr);
  if (c->p->top_examples == 0) return DS_OK;
  struct ds_deid_params dp;
  ds_deid_default_params(&dp);
  struct ds_deid *deid = NULL;
  enum ds_status drc = ds_deid_new(&dp, &deid, err);
  if (drc) return drc;
  char sql[1400];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  /* the prefix's messages: stored once per conversation since schema 5 (store.h) */
  snprintf(sql, sizeof sql,
           "SELECT * FROM (SELECT g.category, p.conv_id, p.cut_index, s.k, %s, p.original, s.content, "
           "s.tool_calls, g.evidence, g.grader, g.confidence, g.step, row_number() OVER (PARTITION BY g.category "
           "ORDER BY COALESCE(g.confidence, 0) DESC, p.conv_id, p.cut_index, s.k) AS rn FROM main.grades g "
           "JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = s.prefix_id "
           "WHERE g.rubric_sha256 = ?1 %s AND g.label = 1) WHERE rn <= ?2 ORDER BY 1, rn",
           ds_store_sql_prefix_messages(c->store), c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) {
    ds_deid_free(deid);
    return rc;
  }
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, (int)c->p->top_examples);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *e = json_object();
    char key[512];
    snprintf(key, sizeof key, "%s#%d", col_text(st, 1) ? col_text(st, 1) : "?", sqlite3_column_int(st, 2));
    set_str(e, "category", col_text(st, 0));
    set_str(e, "prefix", key);
    json_object_set_new(e, "k", json_integer(sqlite3_column_int(st, 3)));
    char *prompt = last_user_text(col_text(st, 4));
    char *orig = col_text(st, 5) ? message_text(col_text(st, 5)) : NULL;
    struct ds_buf resp;
    ds_buf_init(&resp, 0);
    if (col_text(st, 6)) ds_buf_adds(&resp, col_text(st, 6));
    json_t *calls = col_text(st, 7) ? json_loads(col_text(st, 7), 0, NULL) : NULL;
    add_tool_calls_text(&resp, calls);
    json_decref(calls);
    char *ev = NULL, *detail = NULL;
    evidence_parse(col_text(st, 8), &ev, &detail);
    char *response = ds_buf_detach(&resp, NULL);
    widen_to_words(response, &ev);
    ds_deid_reset(deid);
    if ((rc = scrub(deid, &prompt, err)) || (rc = scrub(deid, &orig, err)) || (rc = scrub(deid, &response, err)) ||
        (rc = scrub(deid, &ev, err)) || (rc = scrub(deid, &detail, err))) {
      ds_free(prompt);
      ds_free(orig);
      ds_free(response);
      ds_free(ev);
      ds_free(detail);
      json_decref(e);
      sqlite3_finalize(st);
      ds_deid_free(deid);
      return rc;
    }
    set_str(e, "prompt", prompt);
    set_str(e, "original", orig);
    set_str(e, "response", response);
    set_str(e, "evidence", ev);
    set_str(e, "evidence_detail", detail);
    set_str(e, "grader", col_text(st, 9));
    json_object_set_new(e, "confidence", sqlite3_column_type(st, 10) == SQLITE_NULL
                                             ? json_null() : json_real(sqlite3_column_double(st, 10)));
    json_object_set_new(e, "step", sqlite3_column_type(st, 11) == SQLITE_NULL
                                       ? json_null() : json_integer(sqlite3_column_int(st, 11)));
    ds_free(prompt);
    ds_free(orig);
    ds_free(ev);
    ds_free(detail);
    ds_free(response);
    json_array_append_new(arr, e);
  }
  sqlite3_finalize(st);
  ds_deid_free(deid);
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading examples");
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
  if (json_is_object(cmp) && !json_object_get(co, "paired")) {
    json_t *po = json_object();
    json_object_set_new(po, "n", json_integer((json_int_t)ds_json_num(cmp, "n_pairs", 0)));
    json_object_set_new(po, "candidate_only", json_integer((json_int_t)ds_json_num(cmp, "candidate_only", 0)));
    json_object_set_new(po, "baseline_only", json_integer((json_int_t)ds_json_num(cmp, "baseline_only", 0)));
    json_object_set_new(po, "diff", json_real(ds_json_num(cmp, "difference", 0)));
    json_object_set(po, "lo", json_object_get(cmp, "difference_lower") ? json_object_get(cmp, "difference_lower")
                                                                          : json_null());
    json_object_set(po, "hi", json_object_get(cmp, "difference_upper") ? json_object_get(cmp, "difference_upper")
                                                                          : json_null());
    json_object_set(po, "mcnemar_p", json_object_get(cmp, "mcnemar_p") ? json_object_get(cmp, "mcnemar_p")
                                                                         : json_null());
    const char *dir = ds_json_str(cmp, "direction", NULL);
    if (dir) json_object_set_new(po, "direction", json_string(dir));
    json_object_set_new(po, "source", json_string("forecast"));
    json_object_set_new(co, "paired", po);
  }
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
    json_object_set_new(row, "value", json_real(r));
    json_object_set_new(row, "lo", isnan(lo) ? json_null() : json_real(lo));
    json_object_set_new(row, "hi", isnan(hi) ? json_null() : json_real(hi));
    const json_t *n = json_object_get(o, "n");
    json_object_set_new(row, "n", json_is_number(n) ? json_real(json_number_value(n)) : json_null());
    json_array_append_new(rows, row);
    return;
  }
  if (depth >= 3) return;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) {
    if (!json_is_object(v)) continue;
    char sub[256];
    snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", k);
    realism_walk(v, sub, depth + 1, rows);
  }
}

enum ds_status report_model_build(const struct ds_report_params *p, json_t **out_model, struct ds_err *err) {
  struct model_ctx c = {.p = p, .run_path = p->run_path};
  json_t *model = json_object(), *cats = json_object(), *doc = NULL, *info = NULL;
  enum ds_status rc = DS_OK;
  *out_model = NULL;
  if (!model || !cats) {
    rc = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if ((rc = ds_store_open(p->run_path, DS_STORE_READ, &c.store, err))) goto out;
  c.db = ds_store_db(c.store);
  c.has_target = column_exists(c.db, "main", "grades", "target");
  if ((rc = pick_rubric(&c, "main", c.rubric, err))) goto out;

  json_object_set_new(model, "depsim_report", json_integer(1));
  char now[32];
  ds_now_iso8601(now);
  json_object_set_new(model, "generated_at", json_string(now));
  json_object_set_new(model, "confidence", json_real(p->confidence));
  if (p->title) {
    json_object_set_new(model, "title", json_string(p->title));
  } else {
    const char *base = strrchr(p->run_path, '/');
    char t[512];
    snprintf(t, sizeof t, "depsim report: %s", base ? base + 1 : p->run_path);
    json_object_set_new(model, "title", json_string(t));
  }
  if ((rc = run_info(&c, "main", p->run_path, c.rubric, &info, err))) goto out;
  json_object_set_new(model, "run", info);
  info = NULL;
  if (c.rubric[0] &&
      (rc = category_rates(&c, "main", c.rubric, c.has_target ? "sample" : NULL, "candidate", cats, err)))
    goto out;
  /* the original answers, when the grader stored grades for them (grades.target = 'original') */
  if (c.rubric[0] && c.has_target &&
      (rc = category_rates(&c, "main", c.rubric, "original", "original", cats, err)))
    goto out;

  if (p->baseline_path) {
    if (access(p->baseline_path, R_OK) != 0) {
      rc = ds_fail(err, DS_E_NOTFOUND, "%s: no such baseline run database", p->baseline_path);
      goto out;
    }
    sqlite3_stmt *st = NULL;
    if ((rc = prep(&c, "ATTACH DATABASE ?1 AS base", &st, err))) goto out;
    sqlite3_bind_text(st, 1, p->baseline_path, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
      rc = ds_fail(err, DS_E_DB, "%s: cannot open baseline: %s", p->baseline_path, sqlite3_errmsg(c.db));
      goto out;
    }
    if (!column_exists(c.db, "base", "grades", "category")) {
      rc = ds_fail(err, DS_E_INVALID, "%s: not a depsim run database (no grades table)", p->baseline_path);
      goto out;
    }
    c.has_base = true;
    c.base_has_target = column_exists(c.db, "base", "grades", "target");
    if ((rc = pick_rubric(&c, "base", c.base_rubric, err))) goto out;
    if ((rc = run_info(&c, "base", p->baseline_path, c.base_rubric, &info, err))) goto out;
    json_object_set_new(model, "baseline", info);
    info = NULL;
    json_object_set_new(model, "baseline_same_rubric", json_boolean(strcmp(c.rubric, c.base_rubric) == 0));
    if (c.base_rubric[0] &&
        ((rc = category_rates(&c, "base", c.base_rubric, c.base_has_target ? "sample" : NULL, "baseline", cats,
                              err)) ||
         (c.rubric[0] && (rc = paired(&c, cats, err)))))
      goto out;
  } else {
    json_object_set_new(model, "baseline", json_null());
  }

  if (p->forecast_path) {
    if ((rc = load_json_file(p->forecast_path, "forecast", &doc, err))) goto out;
    const json_t *fc = categories_of(doc);
    if (!fc) {
      rc = ds_fail(err, DS_E_INVALID, "%s: forecast file has no \"categories\"", p->forecast_path);
      goto out;
    }
    foreach_entry(fc, fc_entry, cats);
    if (!c.has_base && json_is_object(json_object_get(doc, "baseline"))) {
      json_object_set_new(model, "baseline", fc_run_info(json_object_get(doc, "baseline")));
      json_object_set_new(model, "baseline_same_rubric", json_true());
    }
    json_t *f = json_object();
    set_str(f, "path", p->forecast_path);
    json_object_set(f, "document", doc);
    json_object_set_new(model, "forecast", f);
    json_decref(doc);
    doc = NULL;
  } else {
    json_object_set_new(model, "forecast", json_null());
  }
  if (p->validation_path) {
    if ((rc = load_json_file(p->validation_path, "validation", &doc, err))) goto out;
    struct val_ctx v = {json_array()};
    const json_t *vc = categories_of(doc);
    if (!vc) vc = json_object_get(doc, "points");
    foreach_entry(vc, val_entry, &v);
    json_t *vo = json_object();
    set_str(vo, "path", p->validation_path);
    json_object_set_new(vo, "points", v.points);
    double band = ds_json_num(doc, "band", ds_json_num(doc, "change_factor", 1.5));
    json_object_set_new(vo, "band", json_real(band > 1 ? band : 1.5));
    if (json_is_object(json_object_get(doc, "summary"))) json_object_set(vo, "summary", json_object_get(doc, "summary"));
    json_object_set_new(model, "validation", vo);
    json_decref(doc);
    doc = NULL;
  } else {
    json_object_set_new(model, "validation", json_null());
  }
  if (p->realism_path) {
    if ((rc = load_json_file(p->realism_path, "realism", &doc, err))) goto out;
    json_t *rows = json_array();
    realism_walk(doc, "", 0, rows);
    json_t *ro = json_object();
    set_str(ro, "path", p->realism_path);
    json_object_set_new(ro, "rows", rows);
    json_object_set_new(model, "realism", ro);
    json_decref(doc);
    doc = NULL;
  } else {
    json_object_set_new(model, "realism", json_null());
  }

  /* categories as an array, in id order */
  json_t *arr = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(cats, k, v) json_array_append(arr, v);
  json_object_set_new(model, "categories", arr);
  if (c.rubric[0]) {
    if ((rc = segments(&c, model, err)) || (rc = examples(&c, model, err))) goto out;
  } else {
    json_object_set_new(model, "segments", json_array());
    json_object_set_new(model, "examples", json_array());
  }
  if ((rc = tool_sources(&c, model, err))) goto out;
  *out_model = model;
  model = NULL;
out:
  json_decref(doc);
  json_decref(info);
  json_decref(cats);
  json_decref(model);
  ds_store_close(c.store);
  return rc;
}
