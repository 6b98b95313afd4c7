/* run.c: the grade stage over a run database (store the rubric, grade every 'ok' sample per
 * applicable category, resumable, history kept per rubric version) and grader accuracy on a
 * labeled JSONL file (per-category confusion counts). */
#include <sqlite3.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "depsim/store.h"
#include "grade/grade_int.h"

void ds_grade_default_params(struct ds_grade_params *p) {
  memset(p, 0, sizeof *p);
  ds_grader_default_params(&p->grader);
  p->batch = 32;
}

static enum ds_status db_err(struct ds_store *s, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", ds_store_path(s), what, sqlite3_errmsg(ds_store_db(s)));
}

static json_t *col_json(sqlite3_stmt *q, int i) {
  const char *t = (const char *)sqlite3_column_text(q, i);
  if (!t || !*t) return NULL;
  return json_loads(t, JSON_DECODE_ANY, NULL);
}

struct row {
  int64_t id;
  char *content, *reasoning;
  json_t *tool_calls, *trajectory, *steps, *messages, *tools, *repo, *segment;
};

static void row_release(struct row *r) {
  ds_free(r->content);
  ds_free(r->reasoning);
  json_decref(r->tool_calls);
  json_decref(r->trajectory);
  json_decref(r->steps);
  json_decref(r->messages);
  json_decref(r->tools);
  json_decref(r->repo);
  json_decref(r->segment);
  memset(r, 0, sizeof *r);
}

/* meta grade_mark:<rubric sha256>:<rules|judges>: every 'ok' sample with an id up to mark is
 * graded with the rubric (with judges, or rules only), and the counts of those samples, so that
 * a resumed grade reports the whole run without reading it. */
struct grade_mark {
  int64_t mark;
  uint64_t samples, not_applicable, needs_judge;
};

static void read_mark(struct ds_store *s, const char *key, struct grade_mark *m) {
  memset(m, 0, sizeof *m);
  char *v = NULL;
  if (ds_store_meta_get(s, key, &v, NULL)) return;
  json_t *j = json_loads(v, 0, NULL);
  ds_free(v);
  m->mark = (int64_t)ds_json_num(j, "mark", 0);
  m->samples = (uint64_t)ds_json_num(j, "samples", 0);
  m->not_applicable = (uint64_t)ds_json_num(j, "not_applicable", 0);
  m->needs_judge = (uint64_t)ds_json_num(j, "needs_judge", 0);
  json_decref(j);
}

static enum ds_status write_mark(struct ds_store *s, const char *key, const struct grade_mark *m, struct ds_err *err) {
  char v[200];
  snprintf(v, sizeof v, "{\"mark\":%lld,\"samples\":%llu,\"not_applicable\":%llu,\"needs_judge\":%llu}",
           (long long)m->mark, (unsigned long long)m->samples, (unsigned long long)m->not_applicable,
           (unsigned long long)m->needs_judge);
  return ds_store_meta_set(s, key, v, err);
}

/* The mark holds while its sample is there: new samples then get larger ids (SQLite gives a new
 * row the largest id plus one), so none is hidden below it. */
static bool mark_holds(sqlite3 *db, int64_t mark) {
  if (mark <= 0) return false;
  sqlite3_stmt *q = NULL;
  bool ok = sqlite3_prepare_v2(db, "SELECT 1 FROM samples WHERE id = ? AND status = 'ok'", -1, &q, NULL) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_int64(q, 1, mark);
    ok = sqlite3_step(q) == SQLITE_ROW;
  }
  sqlite3_finalize(q);
  return ok;
}

/* meta grade:<rubric sha256>, written when a grade call finishes: how the run was graded (the
 * judges as described, votes and the other settings a verdict depends on) and through which
 * sample id every 'ok' sample is graded, so that merge can refuse shards graded otherwise or in
 * part. A call without judges leaves the record of one with judges as it was: its samples lack
 * the judge categories. */
static enum ds_status write_record(struct ds_store *s, const struct ds_rubric *r, const struct ds_grader *g,
                                   const struct ds_grader_params *gp, int64_t through, struct ds_err *err) {
  char key[100];
  snprintf(key, sizeof key, "grade:%s", ds_rubric_sha256(r));
  if (!ds_grader_has_judge(g)) {
    char *old = NULL;
    bool keep = false;
    if (ds_store_meta_get(s, key, &old, NULL) == DS_OK) {
      json_t *o = json_loads(old, 0, NULL);
      keep = json_array_size(json_object_get(json_object_get(o, "config"), "judges")) > 0;
      json_decref(o);
      ds_free(old);
    }
    if (keep) return DS_OK;
  }
  json_t *judges = json_array();
  const char *jn;
  for (unsigned i = 0; (jn = ds_grader_judge_name(g, i)); i++) json_array_append_new(judges, json_string(jn));
  json_t *rec = json_pack("{s:s, s:{s:o, s:i, s:f, s:i, s:i, s:i, s:s?}, s:I}", "rubric", ds_rubric_name(r), "config",
                          "judges", judges, "votes", (int)gp->votes, "judge_temperature", gp->judge_temperature,
                          "judge_max_tokens", gp->judge_max_tokens, "json_schema", gp->json_schema, "judge_attempts",
                          (int)gp->judge_attempts, "workspace", gp->workspace, "through", (json_int_t)through);
  char *v = rec ? ds_json_compact(rec) : NULL;
  json_decref(rec);
  enum ds_status st = v ? ds_store_meta_set(s, key, v, err) : ds_fail(err, DS_E_NOMEM, "out of memory");
  ds_free(v);
  return st;
}

static char *col_dup(sqlite3_stmt *q, int i) {
  const char *t = (const char *)sqlite3_column_text(q, i);
  return t ? ds_strdup(t) : NULL;
}

/* progress: samples passed so far, and the judge requests of the batch being graded */
struct grade_progress {
  const struct ds_grade_params *p;
  struct ds_grade_progress now;
  unsigned batch_n;
  struct timespec t0;
};

static void progress_report(struct grade_progress *gp, double batch_fraction) {
  if (!gp->p->progress) return;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  gp->now.elapsed_s = (double)(t.tv_sec - gp->t0.tv_sec) + (double)(t.tv_nsec - gp->t0.tv_nsec) / 1e9;
  double total = gp->now.samples_total ? (double)gp->now.samples_total : 1;
  gp->now.fraction = fmin(1.0, ((double)gp->now.samples_done + batch_fraction * gp->batch_n) / total);
  gp->p->progress(gp->p->progress_ud, &gp->now);
}

static void on_request(void *ud, size_t done, size_t total, bool failed) {
  struct grade_progress *gp = ud;
  gp->now.requests++;
  gp->now.request_errors += failed;
  progress_report(gp, total ? fmin(1.0, (double)done / (double)total) : 0);
}

enum ds_status ds_grade_run(struct ds_store *store, const struct ds_rubric *rubric, const struct ds_grade_params *p,
                            struct ds_grade_stats *out_stats, struct ds_err *err) {
  struct ds_grade_params dp;
  if (!p) {
    ds_grade_default_params(&dp);
    p = &dp;
  }
  struct grade_progress gprog = {.p = p};
  clock_gettime(CLOCK_MONOTONIC, &gprog.t0);
  struct ds_grader_params gparams = p->grader;
  if (p->progress) {
    gparams.on_request = on_request;
    gparams.on_request_ud = &gprog;
  }
  struct ds_grade_stats stats = {0};
  sqlite3 *db = ds_store_db(store);
  struct ds_grader *g = NULL;
  sqlite3_stmt *qs = NULL, *qdone = NULL, *qsteps = NULL, *qins = NULL;
  unsigned nc = ds_rubric_n_categories(rubric);
  unsigned batch = p->batch ? p->batch : 32;
  struct row *rows = ds_calloc(batch, sizeof *rows);
  struct ds_sample_view *views = ds_calloc(batch, sizeof *views);
  bool *skip = ds_calloc((size_t)batch * nc, sizeof *skip);
  struct ds_grade *grades = ds_calloc((size_t)batch * nc, sizeof *grades);
  enum ds_status st = DS_OK;
  if (!rows || !views || !skip || !grades) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if ((st = ds_grader_new(rubric, &gparams, &g, err))) goto out;
  if (p->progress) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM samples WHERE status = 'ok'", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
      gprog.now.samples_total = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  }
  {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO rubrics(sha256,name,body,created_at,depsim_version) VALUES(?,?,?,?,?)",
                           -1, &q, NULL) != SQLITE_OK) {
      st = db_err(store, err, "storing the rubric");
      goto out;
    }
    char now[32];
    ds_now_iso8601(now);
    sqlite3_bind_text(q, 1, ds_rubric_sha256(rubric), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, ds_rubric_name(rubric), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ds_rubric_body(rubric), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, DS_VERSION, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
      st = db_err(store, err, "storing the rubric");
      goto out;
    }
  }
  /* Resume: every 'ok' sample up to the mark of this rubric and judge mode was graded by an
   * earlier call (the mark is committed with each batch's grades), so the query starts after it
   * and graded samples are not even loaded. A call with judges passes over the mark of a call
   * without (its judge categories were left ungraded), not the other way round. A mark whose
   * sample is gone (rows deleted by hand) is not trusted: everything is looked at again, and
   * the grades already there are kept. */
  bool judges = ds_grader_has_judge(g);
  char mark_key[100], other_key[100];
  snprintf(mark_key, sizeof mark_key, "grade_mark:%s:%s", ds_rubric_sha256(rubric), judges ? "judges" : "rules");
  snprintf(other_key, sizeof other_key, "grade_mark:%s:judges", ds_rubric_sha256(rubric));
  struct grade_mark gm, other;
  read_mark(store, mark_key, &gm);
  if (!judges) {
    read_mark(store, other_key, &other);
    if (other.mark > gm.mark) gm = other;
  }
  if (!mark_holds(db, gm.mark)) memset(&gm, 0, sizeof gm);
  int64_t mark = gm.mark;
  char sel[768]; /* the prefix's messages: stored once per conversation since schema 5 (store.h) */
  snprintf(sel, sizeof sel,
           "SELECT s.id, s.content, s.reasoning, s.tool_calls, s.trajectory, %s, p.tools, p.repo, "
           "p.segment FROM samples s JOIN prefixes p ON p.id = s.prefix_id "
           "WHERE s.status = 'ok' AND s.id > ? ORDER BY s.id LIMIT ?",
           ds_store_sql_prefix_messages(store));
  if (sqlite3_prepare_v2(db, sel, -1, &qs, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT category FROM grades WHERE sample_id = ? AND rubric_sha256 = ?", -1, &qdone, NULL) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT step, tool, call_id, arguments, response FROM tool_steps WHERE sample_id = ? ORDER BY step",
                         -1, &qsteps, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "INSERT OR IGNORE INTO grades(sample_id, rubric_sha256, category, label, confidence, grader, "
                         "evidence, step, error, created_at) VALUES(?,?,?,?,?,?,?,?,?,?)",
                         -1, &qins, NULL) != SQLITE_OK) {
    st = db_err(store, err, "preparing grade queries");
    goto out;
  }
  {
    char detail[200];
    snprintf(detail, sizeof detail, "{\"rubric\":\"%s\",\"sha256\":\"%s\",\"judges\":%u}", ds_rubric_name(rubric),
             ds_rubric_sha256(rubric), p->grader.n_judges);
    ds_store_event(store, "grade_started", detail, NULL);
  }
  int64_t last = mark;
  for (;;) {
    if (ds_log_cancelled(&p->log)) {
      st = ds_fail(err, DS_E_CANCELLED, "cancelled; grade again to continue (the samples graded so far are kept)");
      goto out;
    }
    sqlite3_reset(qs);
    sqlite3_bind_int64(qs, 1, last);
    sqlite3_bind_int(qs, 2, (int)batch);
    unsigned n = 0;
    int rc;
    while ((rc = sqlite3_step(qs)) == SQLITE_ROW) {
      struct row *r = &rows[n];
      r->id = sqlite3_column_int64(qs, 0);
      r->content = col_dup(qs, 1);
      r->reasoning = col_dup(qs, 2);
      r->tool_calls = col_json(qs, 3);
      r->trajectory = col_json(qs, 4);
      r->messages = col_json(qs, 5);
      r->tools = col_json(qs, 6);
      r->repo = col_json(qs, 7);     /* the session's cwd: the workspace of write_outside_workspace */
      r->segment = col_json(qs, 8);  /* the agent: text actions of mini-swe-agent */
      last = r->id;
      n++;
    }
    if (rc != SQLITE_DONE) {
      st = db_err(store, err, "reading samples");
      goto out;
    }
    if (n == 0) break;
    gprog.batch_n = n;
    unsigned to_grade = 0;
    for (unsigned i = 0; i < n; i++) {
      struct row *r = &rows[i];
      stats.samples_loaded++;
      /* tool steps of agentic replay */
      sqlite3_reset(qsteps);
      sqlite3_bind_int64(qsteps, 1, r->id);
      while (sqlite3_step(qsteps) == SQLITE_ROW) {
        if (!r->steps) r->steps = json_array();
        json_t *o = json_pack("{s:i, s:s}", "step", sqlite3_column_int(qsteps, 0), "tool",
                              (const char *)sqlite3_column_text(qsteps, 1));
        const char *cid = (const char *)sqlite3_column_text(qsteps, 2);
        const char *a = (const char *)sqlite3_column_text(qsteps, 3);
        const char *resp = (const char *)sqlite3_column_text(qsteps, 4);
        if (cid) json_object_set_new(o, "call_id", json_string(cid));
        json_object_set_new(o, "arguments", json_string(a ? a : ""));
        if (resp) json_object_set_new(o, "response", json_string(resp));
        json_array_append_new(r->steps, o);
      }
      views[i] = (struct ds_sample_view){r->content, r->reasoning, r->tool_calls, r->trajectory, r->steps,
                                         r->messages, r->tools, r->repo, r->segment};
      bool agent = ds_sample_is_agent(&views[i]);
      for (unsigned c = 0; c < nc; c++) skip[i * nc + c] = false;
      sqlite3_reset(qdone);
      sqlite3_bind_int64(qdone, 1, r->id);
      sqlite3_bind_text(qdone, 2, ds_rubric_sha256(rubric), -1, SQLITE_STATIC);
      unsigned done = 0;
      while (sqlite3_step(qdone) == SQLITE_ROW) {
        int c = ds_rubric_find(rubric, (const char *)sqlite3_column_text(qdone, 0));
        if (c >= 0) skip[i * nc + (unsigned)c] = true, done++;
      }
      unsigned want = 0;
      for (unsigned c = 0; c < nc; c++) {
        struct ds_category_info ci;
        ds_rubric_category(rubric, c, &ci);
        bool app = agent ? (ci.applies_to & DS_APPLIES_AGENT) : (ci.applies_to & DS_APPLIES_CHAT);
        if (!app) {
          stats.not_applicable++;
          continue;
        }
        if (skip[i * nc + c]) continue;
        if (ci.needs_judge && !ds_grader_has_judge(g)) {
          stats.needs_judge++;
          continue;
        }
        want++;
      }
      if (!want) stats.samples_skipped += done > 0;
      to_grade += want;
    }
    if (to_grade && (st = ds_grader_grade(g, views, n, skip, grades, err))) goto out;
    if (to_grade || last > mark) { /* the batch's grades and the mark past it, together */
      if ((st = ds_store_begin(store, err))) goto out;
      char now[32];
      ds_now_iso8601(now);
      for (unsigned i = 0; to_grade && i < n && !st; i++)
        for (unsigned c = 0; c < nc; c++) {
          struct ds_grade *gr = &grades[i * nc + c];
          if (!gr->graded) continue;
          struct ds_category_info ci;
          ds_rubric_category(rubric, c, &ci);
          sqlite3_reset(qins);
          sqlite3_bind_int64(qins, 1, rows[i].id);
          sqlite3_bind_text(qins, 2, ds_rubric_sha256(rubric), -1, SQLITE_STATIC);
          sqlite3_bind_text(qins, 3, ci.id, -1, SQLITE_STATIC);
          if (gr->label >= 0) {
            sqlite3_bind_int(qins, 4, gr->label);
            sqlite3_bind_double(qins, 5, gr->confidence);
          } else {
            sqlite3_bind_null(qins, 4);
            sqlite3_bind_null(qins, 5);
          }
          sqlite3_bind_text(qins, 6, gr->grader, -1, SQLITE_STATIC);
          sqlite3_bind_text(qins, 7, gr->evidence, -1, SQLITE_STATIC);
          if (gr->step >= 0) sqlite3_bind_int(qins, 8, gr->step);
          else sqlite3_bind_null(qins, 8);
          if (gr->error) sqlite3_bind_text(qins, 9, gr->error, -1, SQLITE_STATIC);
          else sqlite3_bind_null(qins, 9);
          sqlite3_bind_text(qins, 10, now, -1, SQLITE_STATIC);
          if (sqlite3_step(qins) != SQLITE_DONE) {
            st = db_err(store, err, "writing a grade");
            break;
          }
          stats.grades_written += (uint64_t)sqlite3_changes(db);
          if (gr->label == 1) stats.flagged++;
          if (gr->label < 0) stats.grader_errors++;
        }
      if (to_grade) ds_grades_release(grades, (size_t)n * nc);
      if (!st && last > mark) {
        struct grade_mark m = {last, gm.samples + stats.samples_loaded, gm.not_applicable + stats.not_applicable,
                               gm.needs_judge + stats.needs_judge};
        st = write_mark(store, mark_key, &m, err);
      }
      if (st) {
        ds_store_rollback(store);
        goto out;
      }
      if ((st = ds_store_commit(store, err))) goto out;
      if (to_grade && !p->progress)
        ds_logf(&p->log, DS_LOG_INFO, "graded %llu samples", (unsigned long long)stats.samples_loaded);
    }
    for (unsigned i = 0; i < n; i++) row_release(&rows[i]);
    gprog.now.samples_done += n;
    gprog.batch_n = 0;
    progress_report(&gprog, 0);
  }
  /* the 'ok' samples up to the mark were graded before: counted from the mark */
  stats.samples_seen = gm.samples + stats.samples_loaded;
  stats.samples_skipped += gm.samples;
  stats.not_applicable += gm.not_applicable;
  stats.needs_judge += gm.needs_judge;
  if ((st = write_record(store, rubric, g, &p->grader, last, err))) goto out;
  {
    char detail[256];
    snprintf(detail, sizeof detail,
             "{\"sha256\":\"%s\",\"samples\":%llu,\"grades\":%llu,\"flagged\":%llu,\"errors\":%llu}",
             ds_rubric_sha256(rubric), (unsigned long long)stats.samples_seen, (unsigned long long)stats.grades_written,
             (unsigned long long)stats.flagged, (unsigned long long)stats.grader_errors);
    ds_store_event(store, "grade_finished", detail, NULL);
  }
out:
  if (rows)
    for (unsigned i = 0; i < batch; i++) row_release(&rows[i]);
  sqlite3_finalize(qs);
  sqlite3_finalize(qdone);
  sqlite3_finalize(qsteps);
  sqlite3_finalize(qins);
  ds_grader_free(g);
  ds_free(rows);
  ds_free(views);
  ds_free(skip);
  ds_free(grades);
  if (out_stats) *out_stats = stats;
  return st;
}

/* ------------------------------------------------------------------ accuracy */

/* One labeled example: {"id", "messages" (prefix), "tools", "content" | "response",
 * "reasoning", "tool_calls", "trajectory", "labels": {"category": 0|1, ...}} */
enum ds_status ds_grade_eval(const char *labeled_path, const struct ds_rubric *rubric, const struct ds_grader_params *p,
                             struct ds_eval_counts **out, uint64_t *out_records, struct ds_err *err) {
  *out = NULL;
  unsigned nc = ds_rubric_n_categories(rubric);
  struct ds_eval_counts *cnt = ds_calloc(nc, sizeof *cnt);
  struct ds_grade *grades = ds_calloc(nc, sizeof *grades);
  bool *skip = ds_calloc(nc, sizeof *skip);
  struct ds_grader *g = NULL;
  struct ds_lines *lines = NULL;
  uint64_t records = 0;
  enum ds_status st = DS_OK;
  if (!cnt || !grades || !skip) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if ((st = ds_grader_new(rubric, p, &g, err)) || (st = ds_lines_open(labeled_path, 16u << 20, &lines, err))) goto out;
  for (;;) {
    struct ds_str line;
    bool too_long;
    st = ds_lines_next(lines, &line, &too_long, err);
    if (st == DS_E_NOTFOUND) {
      st = DS_OK;
      break;
    }
    if (st) goto out;
    uint64_t ln = ds_lines_lineno(lines);
    if (too_long) {
      st = ds_fail(err, DS_E_LIMIT, "%s:%llu: line longer than 16 MiB", labeled_path, (unsigned long long)ln);
      goto out;
    }
    size_t k = 0;
    while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t' || line.p[k] == '\r')) k++;
    if (k == line.len || line.p[k] == '#') continue;
    json_error_t je;
    json_t *rec = json_loadb(line.p, line.len, 0, &je);
    if (!json_is_object(rec)) {
      json_decref(rec);
      st = ds_fail(err, DS_E_PARSE, "%s:%llu: not a JSON object: %s", labeled_path, (unsigned long long)ln,
                   rec ? "" : je.text);
      goto out;
    }
    json_t *labels = json_object_get(rec, "labels");
    if (!json_is_object(labels)) {
      json_decref(rec);
      st = ds_fail(err, DS_E_INVALID, "%s:%llu: missing \"labels\" object", labeled_path, (unsigned long long)ln);
      goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(labels, key, val) {
      if (ds_rubric_find(rubric, key) < 0 || !(json_is_integer(val) || json_is_boolean(val))) {
        json_decref(rec);
        st = ds_fail(err, DS_E_INVALID, "%s:%llu: label '%s' %s", labeled_path, (unsigned long long)ln, key,
                     ds_rubric_find(rubric, key) < 0 ? "is not a category of the rubric" : "must be 0 or 1");
        goto out;
      }
    }
    const char *content = ds_json_str(rec, "content", ds_json_str(rec, "response", NULL));
    struct ds_sample_view v = {content,
                               ds_json_str(rec, "reasoning", NULL),
                               json_object_get(rec, "tool_calls"),
                               json_object_get(rec, "trajectory"),
                               json_object_get(rec, "tool_steps"),
                               json_object_get(rec, "messages"),
                               json_object_get(rec, "tools"),
                               json_object_get(rec, "repo"),
                               json_object_get(rec, "segment")};
    for (unsigned c = 0; c < nc; c++) {
      struct ds_category_info ci;
      ds_rubric_category(rubric, c, &ci);
      skip[c] = json_object_get(labels, ci.id) == NULL;
    }
    st = ds_grader_grade(g, &v, 1, skip, grades, err);
    if (st) {
      json_decref(rec);
      goto out;
    }
    records++;
    for (unsigned c = 0; c < nc; c++) {
      struct ds_category_info ci;
      ds_rubric_category(rubric, c, &ci);
      json_t *lv = json_object_get(labels, ci.id);
      if (!lv) continue;
      int truth = json_is_boolean(lv) ? json_is_true(lv) : json_integer_value(lv) != 0;
      struct ds_grade *gr = &grades[c];
      if (gr->graded && gr->label != truth)
        ds_logf(&p->log, DS_LOG_DEBUG, "%s:%llu: %s: %s labeled %d, graded %d", labeled_path, (unsigned long long)ln,
                ds_json_str(rec, "id", "?"), ci.id, truth, gr->label);
      if (!gr->graded) cnt[c].skipped++;
      else if (gr->label < 0) cnt[c].errors++;
      else if (gr->label && truth) cnt[c].tp++;
      else if (gr->label && !truth) cnt[c].fp++;
      else if (!gr->label && truth) cnt[c].fn++;
      else cnt[c].tn++;
    }
    ds_grades_release(grades, nc);
    json_decref(rec);
  }
  *out = cnt;
  cnt = NULL;
  if (out_records) *out_records = records;
out:
  ds_lines_free(lines);
  ds_grader_free(g);
  ds_free(cnt);
  ds_free(grades);
  ds_free(skip);
  return st;
}
