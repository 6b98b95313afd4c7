/* samples.c: the data of the page's sample browser. Every sample of every candidate can be
 * browsed, up to --max-samples (default 2,000): prefixes with a flagged sample in any candidate
 * come first, then the others round-robin over strata (segment and finish reason), each in a
 * seeded hash order, so the cut is representative and every flagged sample is kept while there is
 * room; what is left out is counted. A prefix is embedded once (its messages, the original
 * answer) and referenced by the samples of every candidate on it, which gives the per-prefix
 * grid of a comparison. All text is de-identified and clipped before it is embedded. */
#include <stdlib.h>
#include <string.h>

#include "depsim/deid.h"
#include "depsim/store.h"
#include "report/report_int.h"

#define col_text report_col_text
#define set_str report_set_str

/* a prefix seen in some candidate: the unit of selection */
struct pick {
  char *conv;
  int cut;
  uint64_t hash;
  uint32_t n_samples; /* over all candidates */
  uint32_t stratum;
  bool flagged;
  bool chosen;
};

struct picks {
  struct pick *v;
  size_t n, cap;
  json_t *strata; /* stratum text -> id */
};

static void picks_release(struct picks *ps) {
  for (size_t i = 0; i < ps->n; i++) ds_free(ps->v[i].conv);
  ds_free(ps->v);
  json_decref(ps->strata);
}

static enum ds_status sql_fail(struct model_ctx *c, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", c->run_path, what, sqlite3_errmsg(c->db));
}

/* Pass 1: one row per prefix of candidate c (samples, flagged, stratum). */
static enum ds_status scan(struct model_ctx *c, struct picks *ps, struct ds_err *err) {
  char sql[1024];
  snprintf(sql, sizeof sql,
           "SELECT p.conv_id, p.cut_index, p.segment, MIN(COALESCE(s.finish_reason, s.status)), COUNT(*), "
           "MAX(COALESCE((SELECT MAX(g.label) FROM main.grades g WHERE g.sample_id = s.id AND g.rubric_sha256 = ?1 "
           "%s), 0)) FROM main.prefixes p JOIN main.samples s ON s.prefix_id = p.id GROUP BY p.id",
           c->has_target ? "AND g.target = 'sample'" : "");
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) return sql_fail(c, err, "choosing samples");
  sqlite3_bind_text(q, 1, c->rubric, -1, SQLITE_STATIC);
  int r;
  enum ds_status rc = DS_OK;
  while ((r = sqlite3_step(q)) == SQLITE_ROW) {
    if (ps->n == ps->cap) {
      size_t cap = ps->cap ? ps->cap * 2 : 1024;
      struct pick *v = ds_realloc(ps->v, cap * sizeof *v);
      if (!v) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      ps->v = v;
      ps->cap = cap;
    }
    struct pick *k = &ps->v[ps->n];
    memset(k, 0, sizeof *k);
    const char *conv = col_text(q, 0) ? col_text(q, 0) : "";
    if (!(k->conv = ds_strdup(conv))) {
      rc = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    ps->n++;
    k->cut = sqlite3_column_int(q, 1);
    char key[64];
    snprintf(key, sizeof key, "#%d", k->cut);
    k->hash = ds_mix64(ds_hash64(conv, strlen(conv)) ^ ds_hash64(key, strlen(key)));
    k->n_samples = (uint32_t)sqlite3_column_int(q, 4);
    k->flagged = sqlite3_column_int(q, 5) == 1;
    char stratum[512];
    snprintf(stratum, sizeof stratum, "%s|%s", col_text(q, 2) ? col_text(q, 2) : "",
             col_text(q, 3) ? col_text(q, 3) : "");
    json_t *id = json_object_get(ps->strata, stratum);
    if (!id) json_object_set_new(ps->strata, stratum, id = json_integer((json_int_t)json_object_size(ps->strata)));
    k->stratum = (uint32_t)json_integer_value(id);
  }
  if (!rc && r != SQLITE_DONE) rc = sql_fail(c, err, "choosing samples");
  sqlite3_finalize(q);
  return rc;
}

static int by_key(const void *a, const void *b) {
  const struct pick *x = a, *y = b;
  int d = strcmp(x->conv, y->conv);
  return d ? d : (x->cut > y->cut) - (x->cut < y->cut);
}

/* flagged first, then by stratum round: fills order with indexes into ps */
static int by_priority(const void *a, const void *b) {
  const struct pick *x = *(struct pick *const *)a, *y = *(struct pick *const *)b;
  if (x->flagged != y->flagged) return x->flagged ? -1 : 1;
  return (x->hash > y->hash) - (x->hash < y->hash);
}

/* Chooses prefixes until the embedded samples would pass max. Returns the chosen count. */
static void choose(struct picks *ps, unsigned max, uint64_t *out_total, uint64_t *out_embedded,
                   uint64_t *out_flagged_left) {
  uint64_t total = 0, used = 0, flagged_left = 0;
  struct pick **ord = ds_calloc(ps->n ? ps->n : 1, sizeof *ord);
  size_t n_strata = json_object_size(ps->strata);
  size_t *next = ds_calloc(n_strata ? n_strata : 1, sizeof *next);
  for (size_t i = 0; i < ps->n; i++) total += ps->v[i].n_samples;
  if (!ord || !next) {
    ds_free(ord);
    ds_free(next);
    *out_total = total, *out_embedded = 0, *out_flagged_left = 0;
    return;
  }
  for (size_t i = 0; i < ps->n; i++) ord[i] = &ps->v[i];
  qsort(ord, ps->n, sizeof *ord, by_priority);
  size_t i = 0;
  for (; i < ps->n && ord[i]->flagged; i++) {
    if (used + ord[i]->n_samples <= max) {
      ord[i]->chosen = true;
      used += ord[i]->n_samples;
    } else {
      flagged_left += ord[i]->n_samples;
    }
  }
  /* the clean rest, one prefix per stratum per round, each stratum in hash order */
  size_t clean0 = i;
  bool progress = true;
  while (progress && used < max) {
    progress = false;
    for (size_t s = 0; s < n_strata && used < max; s++) {
      size_t j = next[s] ? next[s] : clean0;
      while (j < ps->n && ord[j]->stratum != s) j++;
      next[s] = j + 1;
      if (j >= ps->n) continue;
      progress = true;
      if (used + ord[j]->n_samples <= max) {
        ord[j]->chosen = true;
        used += ord[j]->n_samples;
      }
    }
  }
  ds_free(ord);
  ds_free(next);
  *out_total = total;
  *out_embedded = used;
  *out_flagged_left = flagged_left;
}

/* The text of one stored message: its content (a string or a list of parts) and its tool calls. */
static char *msg_text(const json_t *m) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  const json_t *content = json_object_get(m, "content");
  if (json_is_string(content)) {
    ds_buf_adds(&b, json_string_value(content));
  } else if (json_is_array(content)) {
    size_t i;
    const json_t *part;
    json_array_foreach(content, i, part) {
      const char *t = json_is_string(part) ? json_string_value(part) : ds_json_str(part, "text", NULL);
      if (t) ds_buf_addf(&b, "%s%s", b.len ? "\n" : "", t);
    }
  }
  report_add_tool_calls_text(&b, json_object_get(m, "tool_calls"));
  return ds_buf_detach(&b, NULL);
}

#define MAX_MESSAGES 40

/* A prefix's entry: its messages (the first 4 and the last 36 of a longer one), the original
 * answer, its segment; text de-identified (one placeholder map per prefix) and clipped. */
static enum ds_status prefix_entry(struct model_ctx *c, struct ds_deid *d, const char *messages,
                                   const char *original, const char *segment, json_t **out, struct ds_err *err) {
  json_t *o = json_object(), *msgs = json_array();
  json_t *src = messages ? json_loads(messages, 0, NULL) : NULL;
  enum ds_status rc = DS_OK;
  ds_deid_reset(d);
  size_t n = json_array_size(src), i;
  const json_t *m;
  json_array_foreach(src, i, m) {
    if (n > MAX_MESSAGES && i >= 4 && i < n - (MAX_MESSAGES - 4)) {
      if (i == 4) json_array_append_new(msgs, json_pack("{s:s, s:I}", "r", "omitted", "n", (json_int_t)(n - MAX_MESSAGES)));
      continue;
    }
    char *t = msg_text(m);
    if ((rc = report_scrub(d, &t, err))) {
      ds_free(t);
      goto out;
    }
    t = report_clip(t, c->p->max_text_len);
    json_array_append_new(msgs, json_pack("{s:s, s:s}", "r", ds_json_str(m, "role", "?"), "t", t ? t : ""));
    ds_free(t);
  }
  char *orig = original ? report_message_text(original) : NULL;
  if ((rc = report_scrub(d, &orig, err))) {
    ds_free(orig);
    goto out;
  }
  orig = report_clip(orig, c->p->max_text_len);
  set_str(o, "orig", orig);
  ds_free(orig);
  json_t *seg = segment ? json_loads(segment, 0, NULL) : NULL;
  json_object_set_new(o, "seg", json_is_object(seg) ? seg : json_object());
  if (!json_is_object(seg)) json_decref(seg);
  json_object_set_new(o, "msgs", msgs);
  msgs = NULL;
  *out = o;
  o = NULL;
out:
  json_decref(src);
  json_decref(msgs);
  json_decref(o);
  return rc;
}

/* The index of a category in the browser's list (added on first sight). */
static json_int_t cat_index(json_t *cats_seen, const char *cat) {
  json_t *i = json_object_get(cats_seen, cat);
  if (!i) json_object_set_new(cats_seen, cat, i = json_integer((json_int_t)json_object_size(cats_seen)));
  return json_integer_value(i);
}

/* The grades of one sample, compact (2,000 samples x 30 categories add up): the clean ones as a
 * list of category indexes (*out_ok), the others in full, [{c: index, l: 1 | null, g, cf, ev,
 * why, err}] (*out). */
static enum ds_status sample_grades(struct model_ctx *c, sqlite3_stmt *q, int64_t sid, const char *response,
                                    struct ds_deid *d, json_t *cats_seen, json_t **out, json_t **out_ok,
                                    struct ds_err *err) {
  json_t *arr = json_array(), *ok = json_array();
  sqlite3_reset(q);
  sqlite3_bind_int64(q, 1, sid);
  int r;
  enum ds_status rc = DS_OK;
  while ((r = sqlite3_step(q)) == SQLITE_ROW) {
    const char *cat = col_text(q, 0);
    if (!cat) continue;
    json_int_t ci = cat_index(cats_seen, cat);
    if (sqlite3_column_type(q, 1) != SQLITE_NULL && sqlite3_column_int(q, 1) == 0) {
      json_array_append_new(ok, json_integer(ci));
      continue;
    }
    json_t *g = json_object();
    json_object_set_new(g, "c", json_integer(ci));
    json_object_set_new(g, "l", sqlite3_column_type(q, 1) == SQLITE_NULL ? json_null()
                                                                          : json_integer(sqlite3_column_int(q, 1)));
    set_str(g, "g", col_text(q, 2));
    if (sqlite3_column_type(q, 3) != SQLITE_NULL) json_object_set_new(g, "cf", json_real(sqlite3_column_double(q, 3)));
    char *ev = NULL, *why = NULL, *gerr = col_text(q, 5) ? ds_strdup(col_text(q, 5)) : NULL;
    report_evidence_parse(col_text(q, 4), &ev, &why);
    if (ev && response) report_widen_to_words(response, &ev);
    if ((rc = report_scrub(d, &ev, err)) || (rc = report_scrub(d, &why, err)) || (rc = report_scrub(d, &gerr, err))) {
      ds_free(ev);
      ds_free(why);
      ds_free(gerr);
      json_decref(g);
      break;
    }
    ev = report_clip(ev, 1000);
    if (ev) set_str(g, "ev", ev);
    if (why) set_str(g, "why", why);
    if (gerr) set_str(g, "err", gerr);
    ds_free(ev);
    ds_free(why);
    ds_free(gerr);
    json_array_append_new(arr, g);
  }
  if (!rc && r != SQLITE_DONE) rc = sql_fail(c, err, "reading grades");
  sqlite3_reset(q);
  if (rc) {
    json_decref(arr);
    json_decref(ok);
    return rc;
  }
  *out = arr;
  *out_ok = ok;
  return DS_OK;
}

/* Pass 2 for candidate ci: its samples at the chosen prefixes. prefix_index maps "conv\x1fcut"
 * to the prefix's index in prefixes (added on first sight). */
static enum ds_status load_candidate(struct model_ctx *c, unsigned ci, const struct picks *ps, struct ds_deid *d,
                                     json_t *prefix_index, json_t *prefixes, json_t *samples, json_t *cats_seen,
                                     struct ds_err *err) {
  sqlite3_stmt *q = NULL, *qg = NULL, *qsteps = NULL;
  enum ds_status rc = DS_OK;
  char sql[1024];
  if (sqlite3_exec(c->db,
                   "DROP TABLE IF EXISTS temp.report_sel; CREATE TEMP TABLE report_sel(conv_id TEXT NOT NULL, "
                   "cut_index INTEGER NOT NULL, PRIMARY KEY(conv_id, cut_index)) WITHOUT ROWID",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO temp.report_sel VALUES (?1, ?2)", -1, &q, NULL) != SQLITE_OK)
    return sql_fail(c, err, "choosing samples");
  for (size_t i = 0; i < ps->n; i++) {
    if (!ps->v[i].chosen) continue;
    sqlite3_bind_text(q, 1, ps->v[i].conv, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, ps->v[i].cut);
    sqlite3_step(q);
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  q = NULL;
  sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
  snprintf(sql, sizeof sql,
           "SELECT g.category, g.label, g.grader, g.confidence, g.evidence, g.error FROM main.grades g WHERE "
           "g.sample_id = ?1 AND g.rubric_sha256 = ?2 %s ORDER BY g.category",
           c->has_target ? "AND g.target = 'sample'" : "");
  if (sqlite3_prepare_v2(c->db, sql, -1, &qg, NULL) != SQLITE_OK) {
    rc = sql_fail(c, err, "reading grades");
    goto out;
  }
  sqlite3_bind_text(qg, 2, c->rubric, -1, SQLITE_STATIC);
  /* the prefix's messages: stored once per conversation since schema 5 (store.h) */
  char sqlm[1024];
  snprintf(sqlm, sizeof sqlm,
           "SELECT p.conv_id, p.cut_index, %s, p.original, p.segment, s.id, s.k, s.status, "
           "s.content, s.tool_calls, s.finish_reason, s.error FROM temp.report_sel r JOIN main.prefixes p "
           "ON p.conv_id = r.conv_id AND p.cut_index = r.cut_index JOIN main.samples s ON s.prefix_id = "
           "p.id ORDER BY p.id, s.k",
           ds_store_sql_prefix_messages(c->store));
  if (sqlite3_prepare_v2(c->db, sqlm, -1, &q, NULL) != SQLITE_OK) {
    rc = sql_fail(c, err, "reading samples");
    goto out;
  }
  int r;
  while ((r = sqlite3_step(q)) == SQLITE_ROW) {
    char key[600];
    snprintf(key, sizeof key, "%s#%d", col_text(q, 0) ? col_text(q, 0) : "", sqlite3_column_int(q, 1));
    json_t *pi = json_object_get(prefix_index, key);
    if (!pi) {
      json_t *pe = NULL;
      if ((rc = prefix_entry(c, d, col_text(q, 2), col_text(q, 3), col_text(q, 4), &pe, err))) break;
      json_object_set_new(pe, "key", json_string(key));
      pi = json_integer((json_int_t)json_array_size(prefixes));
      json_object_set_new(prefix_index, key, pi);
      json_array_append_new(prefixes, pe);
    }
    /* one placeholder map per sample: the evidence still points into the response */
    ds_deid_reset(d);
    struct ds_buf b;
    ds_buf_init(&b, 0);
    if (col_text(q, 8)) ds_buf_adds(&b, col_text(q, 8));
    json_t *calls = col_text(q, 9) ? json_loads(col_text(q, 9), 0, NULL) : NULL;
    report_add_tool_calls_text(&b, calls);
    json_decref(calls);
    char *text = ds_buf_detach(&b, NULL), *serr = col_text(q, 11) ? ds_strdup(col_text(q, 11)) : NULL;
    json_t *grades = NULL, *steps = NULL, *clean = NULL;
    int64_t sid = sqlite3_column_int64(q, 5);
    /* grades before the response is scrubbed: evidence is widened against the raw text, then
     * both are de-identified with the same map */
    if ((rc = sample_grades(c, qg, sid, text, d, cats_seen, &grades, &clean, err)) || (rc = report_scrub(d, &text, err)) ||
        (rc = report_scrub(d, &serr, err)) || (rc = report_sample_steps(c, &qsteps, sid, d, &steps, err))) {
      ds_free(text);
      ds_free(serr);
      json_decref(grades);
      json_decref(clean);
      break;
    }
    text = report_clip(text, c->p->max_text_len);
    json_t *o = json_object();
    json_object_set(o, "p", pi);
    json_object_set_new(o, "c", json_integer(ci));
    json_object_set_new(o, "k", json_integer(sqlite3_column_int(q, 6)));
    set_str(o, "st", col_text(q, 7));
    set_str(o, "fin", col_text(q, 10));
    set_str(o, "txt", text);
    if (serr) set_str(o, "err", serr);
    json_object_set_new(o, "g", grades);
    json_object_set_new(o, "ok", clean);
    json_object_set_new(o, "steps", steps ? steps : json_array());
    json_array_append_new(samples, o);
    ds_free(text);
    ds_free(serr);
  }
  if (!rc && r != SQLITE_DONE) rc = sql_fail(c, err, "reading samples");
out:
  sqlite3_finalize(q);
  sqlite3_finalize(qg);
  sqlite3_finalize(qsteps);
  sqlite3_exec(c->db, "DROP TABLE IF EXISTS temp.report_sel", NULL, NULL, NULL);
  return rc;
}

enum ds_status report_browser_data(struct model_ctx *const *cands, size_t n, json_t **out, struct ds_err *err) {
  struct picks ps = {0};
  json_t *o = json_object(), *names = json_array(), *prefixes = json_array(), *samples = json_array();
  json_t *index = json_object(), *cats = json_object();
  struct ds_deid *d = NULL;
  enum ds_status rc = DS_OK;
  unsigned max = cands[0]->p->max_samples;
  *out = NULL;
  if (!o || !names || !prefixes || !samples || !index || !cats || !(ps.strata = json_object())) {
    rc = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) json_array_append_new(names, json_string(cands[i]->name));
  for (size_t i = 0; i < n && !rc; i++) rc = scan(cands[i], &ps, err);
  if (rc) goto out;
  /* the same prefix in several candidates is one pick */
  if (ps.n) qsort(ps.v, ps.n, sizeof *ps.v, by_key);
  size_t w = 0;
  for (size_t i = 0; i < ps.n; i++) {
    if (w && by_key(&ps.v[w - 1], &ps.v[i]) == 0) {
      ps.v[w - 1].n_samples += ps.v[i].n_samples;
      ps.v[w - 1].flagged |= ps.v[i].flagged;
      ds_free(ps.v[i].conv);
      continue;
    }
    ps.v[w++] = ps.v[i];
  }
  ps.n = w;
  uint64_t total = 0, embedded = 0, flagged_left = 0;
  choose(&ps, max, &total, &embedded, &flagged_left);
  if (embedded) {
    d = cands[0]->deid;
    for (size_t i = 0; i < n && !rc; i++)
      rc = load_candidate(cands[i], (unsigned)i, &ps, d, index, prefixes, samples, cats, err);
    if (rc) goto out;
  }
  /* category names in index order (the samples refer to them by index) */
  json_t *cat_list = json_array();
  const char *k;
  json_t *v;
  for (size_t i = 0; i < json_object_size(cats); i++) json_array_append_new(cat_list, json_null());
  json_object_foreach(cats, k, v) json_array_set_new(cat_list, (size_t)json_integer_value(v), json_string(k));
  json_object_set_new(o, "candidates", names);
  json_object_set_new(o, "categories", cat_list);
  json_object_set_new(o, "total", json_integer((json_int_t)total));
  json_object_set_new(o, "embedded", json_integer((json_int_t)json_array_size(samples)));
  json_object_set_new(o, "left_out", json_integer((json_int_t)(total - json_array_size(samples))));
  json_object_set_new(o, "left_out_flagged", json_integer((json_int_t)flagged_left));
  json_object_set_new(o, "max_samples", json_integer(max));
  json_object_set_new(o, "prefixes", prefixes);
  json_object_set_new(o, "samples", samples);
  names = prefixes = samples = NULL;
  *out = o;
  o = NULL;
out:
  picks_release(&ps);
  json_decref(o);
  json_decref(names);
  json_decref(prefixes);
  json_decref(samples);
  json_decref(index);
  json_decref(cats);
  return rc;
}
