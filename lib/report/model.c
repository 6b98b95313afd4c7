/* model.c: reads a run database (and optionally a baseline run, forecast, validation and
 * realism files) into the report's data model, a jansson document described in
 * docs/internals/report.md. Rates are computed here with Wilson intervals when no forecast
 * is given; the forecast's own figures are shown beside them when it is. */
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

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
  double z;
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

/* A rate object {n, k, n_weighted, rate, lo, hi, floor} from weighted sums. */
static json_t *rate_obj(struct model_ctx *c, double n, double k, double sw, double swy, double sww) {
  json_t *o = json_object();
  if (!o) return NULL;
  double rate = sw > 0 ? swy / sw : 0.0;
  double n_eff = sww > 0 ? sw * sw / sww : n;
  double lo, hi;
  bool floor = k <= 0;
  if (floor) {
    lo = 0.0;
    hi = report_zero_upper(n_eff, c->p->confidence);
  } else {
    report_wilson(rate * n_eff, n_eff, c->z, &lo, &hi);
  }
  json_object_set_new(o, "n", json_integer((json_int_t)n));
  json_object_set_new(o, "k", json_integer((json_int_t)k));
  json_object_set_new(o, "n_effective", json_real(n_eff));
  json_object_set_new(o, "rate", json_real(rate));
  json_object_set_new(o, "lo", json_real(lo));
  json_object_set_new(o, "hi", json_real(hi));
  json_object_set_new(o, "floor", json_boolean(floor));
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
  snprintf(sql, sizeof sql, "SELECT status, COUNT(*) FROM %s.prefixes GROUP BY status", schema);
  if ((rc = prep(c, sql, &st, err))) goto out;
  json_int_t total = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    json_object_set_new(pre, col_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
    total += sqlite3_column_int64(st, 1);
  }
  json_object_set_new(pre, "total", json_integer(total));
  sqlite3_finalize(st);
  st = NULL;
  snprintf(sql, sizeof sql, "SELECT status, COUNT(*) FROM %s.samples GROUP BY status", schema);
  if ((rc = prep(c, sql, &st, err))) goto out;
  total = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    json_object_set_new(smp, col_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
    total += sqlite3_column_int64(st, 1);
  }
  json_object_set_new(smp, "total", json_integer(total));
  sqlite3_finalize(st);
  st = NULL;
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

/* Per-category rates of one run (schema main or base): fills cats[id][field]. */
static enum ds_status category_rates(struct model_ctx *c, const char *schema, const char *rubric,
                                     const char *target, const char *field, json_t *cats, struct ds_err *err) {
  char sql[900];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  snprintf(sql, sizeof sql,
           "SELECT g.category, SUM(g.label IS NOT NULL), SUM(COALESCE(g.label,0)), "
           "SUM(CASE WHEN g.label IS NOT NULL THEN p.weight END), SUM(p.weight * COALESCE(g.label,0)), "
           "SUM(CASE WHEN g.label IS NOT NULL THEN p.weight * p.weight END), SUM(g.label IS NULL) "
           "FROM %s.grades g JOIN %s.samples s ON s.id = g.sample_id JOIN %s.prefixes p ON p.id = s.prefix_id "
           "WHERE g.rubric_sha256 = ?1 %s%s%s GROUP BY g.category ORDER BY g.category",
           schema, schema, schema, target ? "AND g.target = '" : "", target ? target : "", target ? "'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, rubric, -1, SQLITE_STATIC);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *cat = col_text(st, 0);
    json_t *co = json_object_get(cats, cat);
    if (!co) {
      co = json_object();
      json_object_set_new(co, "id", json_string(cat));
      json_object_set_new(cats, cat, co);
    }
    json_t *ro = rate_obj(c, sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
                          sqlite3_column_double(st, 3), sqlite3_column_double(st, 4), sqlite3_column_double(st, 5));
    if (!ro) {
      sqlite3_finalize(st);
      return ds_fail(err, DS_E_NOMEM, "out of memory");
    }
    json_object_set_new(ro, "n_errors", json_integer(sqlite3_column_int64(st, 6)));
    json_object_set_new(co, field, ro);
  }
  sqlite3_finalize(st);
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading grades");
}

/* Paired comparison on prefixes present in both runs (same conv_id, cut_index and k). */
static enum ds_status paired(struct model_ctx *c, json_t *cats, struct ds_err *err) {
  char sql[1400];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  snprintf(sql, sizeof sql,
           "SELECT g.category, COUNT(*), SUM(g.label = 1 AND bg.label = 0), SUM(g.label = 0 AND bg.label = 1) "
           "FROM main.grades g JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = "
           "s.prefix_id JOIN base.prefixes bp ON bp.conv_id = p.conv_id AND bp.cut_index = p.cut_index "
           "JOIN base.samples bs ON bs.prefix_id = bp.id AND bs.k = s.k JOIN base.grades bg ON bg.sample_id = "
           "bs.id AND bg.category = g.category AND bg.rubric_sha256 = ?2 %s "
           "WHERE g.rubric_sha256 = ?1 %s AND g.label IS NOT NULL AND bg.label IS NOT NULL "
           "GROUP BY g.category",
           c->base_has_target ? "AND bg.target = 'sample'" : "", c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->base_rubric, -1, SQLITE_STATIC);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *co = json_object_get(cats, col_text(st, 0));
    if (!co) continue;
    double n = sqlite3_column_double(st, 1), b = sqlite3_column_double(st, 2), d = sqlite3_column_double(st, 3);
    /* difference of paired proportions with a Wald interval on the discordant pairs
     * (add-one on each discordant cell when both are empty, so the interval is not a point) */
    double diff = (b - d) / n;
    double bb = b, dd = d;
    if (b + d == 0) bb = dd = 0.5;
    double var = (bb + dd - (bb - dd) * (bb - dd) / n) / (n * n);
    double se = var > 0 ? sqrt(var) : 0;
    json_t *po = json_object();
    json_object_set_new(po, "n", json_integer((json_int_t)n));
    json_object_set_new(po, "candidate_only", json_integer((json_int_t)b));
    json_object_set_new(po, "baseline_only", json_integer((json_int_t)d));
    json_object_set_new(po, "diff", json_real(diff));
    json_object_set_new(po, "lo", json_real(diff - c->z * se));
    json_object_set_new(po, "hi", json_real(diff + c->z * se));
    json_object_set_new(co, "paired", po);
  }
  sqlite3_finalize(st);
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "pairing with the baseline");
}

static enum ds_status segments(struct model_ctx *c, json_t *model, struct ds_err *err) {
  char sql[900];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  snprintf(sql, sizeof sql,
           "SELECT je.key, CAST(je.value AS TEXT), g.category, COUNT(*), SUM(g.label), SUM(p.weight), "
           "SUM(p.weight * g.label), SUM(p.weight * p.weight) FROM main.grades g JOIN main.samples s ON s.id = "
           "g.sample_id JOIN main.prefixes p ON p.id = s.prefix_id, json_each(CASE WHEN json_valid(p.segment) "
           "THEN p.segment ELSE '{}' END) je WHERE g.rubric_sha256 = ?1 %s AND g.label IS NOT NULL AND "
           "je.type IN ('text', 'integer', 'real', 'true', 'false') GROUP BY je.key, je.value, g.category "
           "ORDER BY je.key, je.value, g.category",
           c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  json_t *arr = json_array();
  json_t *cur = NULL;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *key = col_text(st, 0), *val = col_text(st, 1), *cat = col_text(st, 2);
    if (!key || !val || !cat) continue;
    if (!cur || strcmp(ds_json_str(cur, "key", ""), key) || strcmp(ds_json_str(cur, "value", ""), val)) {
      cur = json_object();
      json_object_set_new(cur, "key", json_string(key));
      json_object_set_new(cur, "value", json_string(val));
      json_object_set_new(cur, "categories", json_object());
      json_array_append_new(arr, cur);
    }
    json_t *ro = rate_obj(c, sqlite3_column_double(st, 3), sqlite3_column_double(st, 4),
                          sqlite3_column_double(st, 5), sqlite3_column_double(st, 6), sqlite3_column_double(st, 7));
    json_object_set_new(json_object_get(cur, "categories"), cat, ro);
  }
  sqlite3_finalize(st);
  json_object_set_new(model, "segments", arr);
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

/* Evidence may be plain text or a grader's JSON ({"quote": ...}, {"match": ...}, [..]). */
static char *evidence_text(const char *ev) {
  if (!ev) return NULL;
  json_t *j = json_loads(ev, JSON_DECODE_ANY, NULL);
  const char *s = NULL;
  if (json_is_string(j)) s = json_string_value(j);
  else if (json_is_object(j)) {
    static const char *keys[] = {"quote", "match", "text", "evidence", "span", "command"};
    for (size_t i = 0; i < DS_ARRAY_LEN(keys) && !s; i++) s = ds_json_str(j, keys[i], NULL);
  } else if (json_is_array(j) && json_is_string(json_array_get(j, 0))) {
    s = json_string_value(json_array_get(j, 0));
  }
  char *out = ds_strdup(s ? s : ev);
  json_decref(j);
  return out;
}

static enum ds_status examples(struct model_ctx *c, json_t *model, struct ds_err *err) {
  json_t *arr = json_array();
  json_object_set_new(model, "examples", arr);
  if (c->p->top_examples == 0) return DS_OK;
  char sql[900];
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  snprintf(sql, sizeof sql,
           "SELECT * FROM (SELECT g.category, p.conv_id, p.cut_index, s.k, p.messages, p.original, s.content, "
           "s.tool_calls, g.evidence, g.grader, g.confidence, g.step, row_number() OVER (PARTITION BY g.category "
           "ORDER BY COALESCE(g.confidence, 0) DESC, p.conv_id, p.cut_index, s.k) AS rn FROM main.grades g "
           "JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = s.prefix_id "
           "WHERE g.rubric_sha256 = ?1 %s AND g.label = 1) WHERE rn <= ?2 ORDER BY 1, rn",
           c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
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
    char *ev = evidence_text(col_text(st, 8));
    set_str(e, "prompt", prompt);
    set_str(e, "original", orig);
    set_str(e, "response", resp.data);
    set_str(e, "evidence", ev);
    set_str(e, "grader", col_text(st, 9));
    json_object_set_new(e, "confidence", sqlite3_column_type(st, 10) == SQLITE_NULL
                                             ? json_null() : json_real(sqlite3_column_double(st, 10)));
    json_object_set_new(e, "step", sqlite3_column_type(st, 11) == SQLITE_NULL
                                       ? json_null() : json_integer(sqlite3_column_int(st, 11)));
    ds_free(prompt);
    ds_free(orig);
    ds_free(ev);
    ds_buf_release(&resp);
    json_array_append_new(arr, e);
  }
  sqlite3_finalize(st);
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

static void fc_entry(const char *id, json_t *e, void *ud) {
  json_t *cats = ud;
  /* the candidate estimate may sit at the top of the entry or under "candidate" */
  const json_t *src = json_is_object(json_object_get(e, "candidate")) ? json_object_get(e, "candidate") : e;
  static const char *rate_k[] = {"rate", "p", "estimate", "point", NULL};
  static const char *lo_k[] = {"lo", "lower", "ci_low", "ci_lo", NULL};
  static const char *hi_k[] = {"hi", "upper", "ci_high", "ci_hi", "upper_bound", NULL};
  double rate = 0, lo = NAN, hi = NAN;
  bool has_rate = num_of(src, rate_k, &rate);
  num_of(src, lo_k, &lo);
  num_of(src, hi_k, &hi);
  const json_t *ci = json_object_get(src, "ci");
  if (!ci) ci = json_object_get(src, "interval");
  if (json_is_array(ci) && json_array_size(ci) == 2) {
    lo = json_number_value(json_array_get(ci, 0));
    hi = json_number_value(json_array_get(ci, 1));
  }
  if (!has_rate && isnan(hi)) return;
  const json_t *fl = json_object_get(src, "floor");
  if (!fl) fl = json_object_get(src, "zero_events");
  bool floor = json_is_true(fl) || (json_is_number(json_object_get(src, "k")) &&
                                    json_number_value(json_object_get(src, "k")) == 0);
  json_t *co = json_object_get(cats, id);
  if (!co) {
    co = json_object();
    json_object_set_new(co, "id", json_string(id));
    json_object_set_new(cats, id, co);
  }
  json_t *f = json_object();
  json_object_set_new(f, "rate", json_real(rate));
  json_object_set_new(f, "lo", isnan(lo) ? json_null() : json_real(lo));
  json_object_set_new(f, "hi", isnan(hi) ? json_null() : json_real(hi));
  json_object_set_new(f, "floor", json_boolean(floor));
  const json_t *n = json_object_get(src, "n");
  if (json_is_number(n)) json_object_set_new(f, "n", json_real(json_number_value(n)));
  json_object_set_new(co, "forecast", f);
}

struct val_ctx {
  json_t *points;
};

static void val_entry(const char *id, json_t *e, void *ud) {
  struct val_ctx *v = ud;
  static const char *f_k[] = {"forecast", "predicted", "p", "forecast_rate", NULL};
  static const char *o_k[] = {"observed", "actual", "q", "observed_rate", NULL};
  double f, o;
  const json_t *fo = json_object_get(e, "forecast"), *oo = json_object_get(e, "observed");
  /* forecast / observed may be numbers or rate objects */
  if (json_is_object(fo) && json_is_object(oo)) {
    static const char *rk[] = {"rate", "p", "estimate", NULL};
    if (!num_of(fo, rk, &f) || !num_of(oo, rk, &o)) return;
  } else if (!num_of(e, f_k, &f) || !num_of(e, o_k, &o)) {
    return;
  }
  json_t *pt = json_object();
  json_object_set_new(pt, "category", json_string(id));
  json_object_set_new(pt, "forecast", json_real(f));
  json_object_set_new(pt, "observed", json_real(o));
  json_object_set_new(pt, "error", (f > 0 && o > 0) ? json_real(f > o ? f / o : o / f) : json_null());
  json_object_set_new(pt, "within_band", (f > 0 && o > 0) ? json_boolean((f > o ? f / o : o / f) <= 1.5)
                                                          : json_null());
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
  c.z = report_z(p->confidence);
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
    double band = ds_json_num(doc, "band", 1.5);
    json_object_set_new(vo, "band", json_real(band > 1 ? band : 1.5));
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
