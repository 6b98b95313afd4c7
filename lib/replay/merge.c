/* merge.c: combines shard run databases into one run: parameters must agree, no prefix may
 * appear twice, shards graded must all be graded alike and in full; prefixes, samples, tool
 * steps, rubrics and grades are copied with their ids remapped, and the accounting is
 * recomputed. Counts are additive, so shards merge exactly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "replay/replay_int.h"

/* meta keys that may differ between shards of one run */
static bool run_state_key(const char *k) {
  static const char *const keys[] = {"shard",     "corpus_path", "corpus_load", "summary", "merged_from",
                                     "in_flight", "run_id",      "replay_watermark", "sequential"};
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++)
    if (strcmp(k, keys[i]) == 0) return true;
  /* a shard's sample ids: the merged run has others (grade: records are checked apart) */
  return strncmp(k, "grade_mark:", 11) == 0 || strncmp(k, "grade:", 6) == 0;
}

/* ------------------------------------------------------------------ grading of the shards */

/* The grade:<sha256> record of lib/grade/run.c: the rubric's name, the settings its verdicts
 * depend on (config) and the sample id through which every 'ok' sample is graded. */
static const char *rec_rubric(const json_t *meta, const char *key) {
  json_t *r = json_loads(json_string_value(json_object_get(meta, key)), 0, NULL);
  static char name[128];
  snprintf(name, sizeof name, "%s", ds_json_str(r, "rubric", "?"));
  json_decref(r);
  return name;
}

static char *rec_config(const json_t *meta, const char *key) {
  json_t *r = json_loads(json_string_value(json_object_get(meta, key)), 0, NULL);
  char *c = ds_json_compact(json_object_get(r, "config"));
  json_decref(r);
  return c;
}

/* One input: each grading it records covers every 'ok' sample, and every rubric it holds grades
 * of has a record (a grade that never finished has none). */
static enum ds_status check_graded_whole(struct ds_store *s, const char *path, const json_t *meta, struct ds_err *err) {
  sqlite3 *db = ds_store_db(s);
  sqlite3_stmt *q = NULL;
  enum ds_status st = DS_OK;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)meta, key, v) {
    if (strncmp(key, "grade:", 6) != 0) continue;
    json_t *r = json_loads(json_string_value(v), 0, NULL);
    long long through = (long long)ds_json_num(r, "through", -1);
    json_decref(r);
    if (sqlite3_prepare_v2(db, "SELECT count(*), min(id) FROM samples WHERE status = 'ok' AND id > ?", -1, &q, NULL))
      return rp_db_fail(db, err, "reading samples");
    sqlite3_bind_int64(q, 1, through);
    long long after = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    q = NULL;
    if (through < 0 || after != 0)
      return ds_fail(err, DS_E_MISMATCH,
                     "merge: %s is graded with rubric '%s' (sha256 %.12s) only in part: %lld 'ok' samples were added "
                     "after its grade finished; grade it again with that rubric, then merge",
                     path, rec_rubric(meta, key), key + 6, after);
  }
  if (sqlite3_prepare_v2(db, "SELECT DISTINCT rubric_sha256 FROM grades", -1, &q, NULL))
    return rp_db_fail(db, err, "reading grades");
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    char rk[100];
    snprintf(rk, sizeof rk, "grade:%s", (const char *)sqlite3_column_text(q, 0));
    if (!json_object_get(meta, rk))
      st = ds_fail(err, DS_E_MISMATCH,
                   "merge: %s has grades of rubric sha256 %.12s but its grade did not finish (interrupted, or made "
                   "by a depsim that kept no record); grade it again with that rubric, then merge",
                   path, rk + 6);
  }
  sqlite3_finalize(q);
  return st;
}

/* Two inputs graded alike: the same rubrics, each with the same judges and settings. */
static enum ds_status compare_grading(const char *a_path, const json_t *a, const char *b_path, const json_t *b,
                                      struct ds_err *err) {
  const char *key;
  const json_t *v;
  for (int pass = 0; pass < 2; pass++) {
    const char *xp = pass ? b_path : a_path, *yp = pass ? a_path : b_path;
    const json_t *x = pass ? b : a, *y = pass ? a : b;
    json_object_foreach((json_t *)x, key, v) {
      if (strncmp(key, "grade:", 6) != 0 || json_object_get(y, key)) continue;
      const char *other = NULL; /* a rubric y is graded with and x is not */
      const char *k2;
      const json_t *v2;
      json_object_foreach((json_t *)y, k2, v2) if (strncmp(k2, "grade:", 6) == 0 && !json_object_get(x, k2)) other = k2;
      char xr[128];
      snprintf(xr, sizeof xr, "%s", rec_rubric(x, key));
      if (other)
        return ds_fail(err, DS_E_MISMATCH,
                       "merge: %s is graded with rubric '%s' (sha256 %.12s) and %s with rubric '%s' (sha256 %.12s): "
                       "grade every shard with the same rubric before merging",
                       xp, xr, key + 6, yp, rec_rubric(y, other), other + 6);
      return ds_fail(err, DS_E_MISMATCH,
                     "merge: %s is graded with rubric '%s' (sha256 %.12s) and %s is not: grade every shard with it "
                     "before merging (or merge ungraded shards and grade the merged run)",
                     xp, xr, key + 6, yp);
    }
  }
  json_object_foreach((json_t *)a, key, v) {
    if (strncmp(key, "grade:", 6) != 0) continue;
    char *ca = rec_config(a, key), *cb = rec_config(b, key);
    bool same = ca && cb && strcmp(ca, cb) == 0;
    enum ds_status st = DS_OK;
    if (!same)
      st = ds_fail(err, DS_E_MISMATCH, "merge: %s and %s graded rubric '%s' (sha256 %.12s) with other judges or settings: %s vs %s",
                   a_path, b_path, rec_rubric(a, key), key + 6, ca ? ca : "?", cb ? cb : "?");
    ds_free(ca);
    ds_free(cb);
    if (st) return st;
  }
  return DS_OK;
}

/* The merged run's grading: each record with the merged run's last 'ok' sample, and the grade
 * marks every input has summed, so that grading the merged run again loads nothing. */
static enum ds_status merged_grading(struct ds_store *out, json_t *const *metas, size_t n, struct ds_err *err) {
  sqlite3 *db = ds_store_db(out);
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM samples WHERE status = 'ok'", -1, &q, NULL))
    return rp_db_fail(db, err, "reading samples");
  long long last = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sqlite3_finalize(q);
  enum ds_status st = DS_OK;
  const char *key;
  const json_t *v;
  json_object_foreach(metas[0], key, v) {
    if (st) break;
    json_t *rec = json_loads(json_string_value(v), 0, NULL);
    char *val = NULL;
    if (strncmp(key, "grade:", 6) == 0 && rec) {
      json_object_set_new(rec, "through", json_integer(last));
      val = ds_json_compact(rec);
    } else if (strncmp(key, "grade_mark:", 11) == 0 && rec && last > 0) {
      double samples = 0, na = 0, nj = 0;
      size_t have = 0;
      for (size_t i = 0; i < n; i++) {
        json_t *m = json_loads(json_string_value(json_object_get(metas[i], key)), 0, NULL);
        if (m) have++;
        samples += ds_json_num(m, "samples", 0), na += ds_json_num(m, "not_applicable", 0);
        nj += ds_json_num(m, "needs_judge", 0);
        json_decref(m);
      }
      char buf[200];
      snprintf(buf, sizeof buf, "{\"mark\":%lld,\"samples\":%.0f,\"not_applicable\":%.0f,\"needs_judge\":%.0f}", last,
               samples, na, nj);
      if (have == n) val = ds_strdup(buf);
    }
    json_decref(rec);
    if (val) st = ds_store_meta_set(out, key, val, err);
    ds_free(val);
  }
  return st;
}

static enum ds_status read_meta(struct ds_store *s, json_t **out, struct ds_err *err) {
  sqlite3 *db = ds_store_db(s);
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta ORDER BY key", -1, &q, NULL))
    return rp_db_fail(db, err, "reading meta");
  json_t *o = json_object();
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    json_object_set_new(o, (const char *)sqlite3_column_text(q, 0), json_string((const char *)sqlite3_column_text(q, 1)));
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) {
    json_decref(o);
    return rp_db_fail(db, err, "reading meta");
  }
  *out = o;
  return DS_OK;
}

static enum ds_status compare_meta(const char *a_path, const json_t *a, const char *b_path, const json_t *b,
                                   struct ds_err *err) {
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)a, key, v) {
    if (run_state_key(key)) continue;
    const char *bv = json_string_value(json_object_get(b, key));
    if (!bv || strcmp(bv, json_string_value(v)) != 0)
      return ds_fail(err, DS_E_MISMATCH, "%s and %s are different runs: %s is '%s' vs '%s'", a_path, b_path, key,
                     json_string_value(v), bv ? bv : "(absent)");
  }
  json_object_foreach((json_t *)b, key, v) {
    if (!run_state_key(key) && !json_object_get(a, key))
      return ds_fail(err, DS_E_MISMATCH, "%s and %s are different runs: %s is absent vs '%s'", a_path, b_path, key,
                     json_string_value(v));
  }
  return DS_OK;
}

static enum ds_status exec(sqlite3 *db, const char *sql, struct ds_err *err) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    enum ds_status st = ds_fail(err, DS_E_DB, "merge: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return st;
  }
  return DS_OK;
}

/* Inputs of schema 5 or later hold each conversation's messages once (conversations): they
 * are copied first and the prefixes' references remapped by conv_id. Older inputs hold every
 * prefix's text in prefixes.messages, copied as it is (%s: the source of prefixes.digest,
 * "digest", or NULL for inputs made before schema 4). The rest is copy_rest_sql. */
static const char copy_conversations_sql[] =
    "INSERT INTO main.conversations(conv_id,messages) SELECT conv_id,messages FROM src.conversations ORDER BY id;\n"
    "INSERT INTO main.prefixes(conv_id,cut_index,segment,weight,time,messages,tools,original,repo,status,reason,"
    " trimmed,prompt_tokens,tokens_estimated,digest,conversation,messages_end,draw)"
    " SELECT p.conv_id,p.cut_index,p.segment,p.weight,p.time,p.messages,p.tools,p.original,p.repo,p.status,p.reason,"
    " p.trimmed,p.prompt_tokens,p.tokens_estimated,p.digest,mc.id,p.messages_end,p.draw FROM src.prefixes p"
    " LEFT JOIN src.conversations c ON c.id=p.conversation LEFT JOIN main.conversations mc ON mc.conv_id=c.conv_id"
    " ORDER BY p.id;\n"
    "INSERT INTO main.samples(prefix_id,k,seed,status,content,reasoning,tool_calls,finish_reason,prompt_tokens,"
    " completion_tokens,latency_s,attempts,error,trajectory,created_at,cause,prompt_cached,request_n)"
    " SELECT m.id,s.k,s.seed,s.status,s.content,s.reasoning,s.tool_calls,s.finish_reason,s.prompt_tokens,"
    " s.completion_tokens,s.latency_s,s.attempts,s.error,s.trajectory,s.created_at,s.cause,s.prompt_cached,s.request_n"
    " FROM src.samples s JOIN src.prefixes p ON p.id=s.prefix_id"
    " JOIN main.prefixes m ON m.conv_id=p.conv_id AND m.cut_index=p.cut_index ORDER BY s.id;\n";
static const char copy_sql[] =
    "INSERT INTO main.prefixes(conv_id,cut_index,segment,weight,time,messages,tools,original,repo,status,reason,"
    " trimmed,prompt_tokens,tokens_estimated,digest)"
    " SELECT conv_id,cut_index,segment,weight,time,messages,tools,original,repo,status,reason,trimmed,prompt_tokens,"
    " tokens_estimated,%s FROM src.prefixes ORDER BY id;\n"
    "INSERT INTO main.samples(prefix_id,k,seed,status,content,reasoning,tool_calls,finish_reason,prompt_tokens,"
    " completion_tokens,latency_s,attempts,error,trajectory,created_at,cause)"
    " SELECT m.id,s.k,s.seed,s.status,s.content,s.reasoning,s.tool_calls,s.finish_reason,s.prompt_tokens,"
    " s.completion_tokens,s.latency_s,s.attempts,s.error,s.trajectory,s.created_at,s.cause"
    " FROM src.samples s JOIN src.prefixes p ON p.id=s.prefix_id"
    " JOIN main.prefixes m ON m.conv_id=p.conv_id AND m.cut_index=p.cut_index ORDER BY s.id;\n";
static const char copy_rest_sql[] =
    "INSERT INTO main.tool_steps(sample_id,step,tool,call_id,arguments,response,source,side_effect,latency_s)"
    " SELECT ms.id,t.step,t.tool,t.call_id,t.arguments,t.response,t.source,t.side_effect,t.latency_s"
    " FROM src.tool_steps t JOIN src.samples s ON s.id=t.sample_id JOIN src.prefixes p ON p.id=s.prefix_id"
    " JOIN main.prefixes m ON m.conv_id=p.conv_id AND m.cut_index=p.cut_index"
    " JOIN main.samples ms ON ms.prefix_id=m.id AND ms.k=s.k ORDER BY t.id;\n"
    "INSERT OR IGNORE INTO main.rubrics SELECT * FROM src.rubrics;\n"
    "INSERT INTO main.grades(sample_id,rubric_sha256,category,label,confidence,grader,evidence,step,error,created_at)"
    " SELECT ms.id,g.rubric_sha256,g.category,g.label,g.confidence,g.grader,g.evidence,g.step,g.error,g.created_at"
    " FROM src.grades g JOIN src.samples s ON s.id=g.sample_id JOIN src.prefixes p ON p.id=s.prefix_id"
    " JOIN main.prefixes m ON m.conv_id=p.conv_id AND m.cut_index=p.cut_index"
    " JOIN main.samples ms ON ms.prefix_id=m.id AND ms.k=s.k ORDER BY g.id;\n"
    "INSERT INTO main.events(time,kind,detail) SELECT time,kind,detail FROM src.events ORDER BY id;\n";

/* True when the attached src database's prefixes have a digest column (schema 4 on). */
static bool src_has_digest(sqlite3 *db) {
  sqlite3_stmt *q = NULL;
  bool has = false;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('prefixes', 'src') WHERE name = 'digest'", -1, &q, NULL) ==
      SQLITE_OK)
    has = sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  return has;
}

static bool src_has_conversations(sqlite3 *db) {
  sqlite3_stmt *q = NULL;
  bool yes = sqlite3_prepare_v2(db, "SELECT 1 FROM src.sqlite_master WHERE type='table' AND name='conversations'", -1,
                                &q, NULL) == SQLITE_OK &&
             sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  return yes;
}

/* The merging file and its SQLite companions. */
static void remove_db_files(const char *path) {
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < DS_ARRAY_LEN(suffixes); i++) {
    char f[4096];
    snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
    unlink(f);
  }
}

/* The merge is written to OUT.merging and renamed to OUT only once complete, under OUT's writer
 * lock: a merge killed at any moment (kill -9) leaves no file at OUT that a later command
 * could take for a run, and the next merge to OUT removes what the killed one left. Inputs are
 * locked while they are read, so that a replay still writing one is refused, not half copied. */
enum ds_status ds_merge_run(const char *const *inputs, size_t n_inputs, const char *out_path, const struct ds_log *log,
                            struct ds_err *err) {
  enum ds_status st = DS_OK;
  json_t **metas = NULL, *shards = NULL;
  bool *seen = NULL;
  struct ds_store *out = NULL;
  struct ds_store_lock *out_lock = NULL, **in_locks = NULL;
  bool created = false, attached = false, in_tx = false;
  sqlite3_stmt *q = NULL;
  char *copy = NULL;
  uint64_t records = 0, no_cut = 0, dups = 0, cuts = 0, in_shards = 0;
  bool all_loaded = true;
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  if (n_inputs == 0) return ds_fail(err, DS_E_INVALID, "merge: no input databases");
  if (access(out_path, F_OK) == 0) return ds_fail(err, DS_E_INVALID, "merge: %s exists; choose a new file", out_path);
  if ((st = ds_store_lock(out_path, &out_lock, err))) return st;
  if (access(out_path, F_OK) == 0) { /* made while we took the lock */
    st = ds_fail(err, DS_E_INVALID, "merge: %s exists; choose a new file", out_path);
    goto out;
  }
  if (!(metas = ds_calloc(n_inputs, sizeof *metas)) || !(shards = json_array()) ||
      !(in_locks = ds_calloc(n_inputs, sizeof *in_locks)) || ds_buf_addf(&tmp, "%s.merging", out_path)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  /* 1. every input is a replay run with the same parameters, and no writer holds it */
  unsigned n_shards = 0;
  for (size_t i = 0; i < n_inputs; i++) {
    struct ds_store *s = NULL;
    if (ds_log_cancelled(log)) {
      st = ds_fail(err, DS_E_CANCELLED, "merge: cancelled; nothing was written to %s", out_path);
      goto out;
    }
    struct stat sti, stj;
    for (size_t j = 0; j < i && stat(inputs[i], &sti) == 0; j++)
      if (stat(inputs[j], &stj) == 0 && sti.st_dev == stj.st_dev && sti.st_ino == stj.st_ino) {
        st = ds_fail(err, DS_E_MISMATCH, "merge: %s is given twice (also as %s)", inputs[i], inputs[j]);
        goto out;
      }
    struct ds_err le = {0};
    enum ds_status ls = access(inputs[i], F_OK) == 0 ? ds_store_lock(inputs[i], &in_locks[i], &le) : DS_OK;
    if (ls == DS_E_BUSY) { /* DS_E_IO (a read-only directory): read it unlocked */
      st = ds_fail(err, DS_E_BUSY, "merge: %s; merge it once its writer has finished", le.msg);
      goto out;
    }
    if ((st = ds_store_open(inputs[i], DS_STORE_READ, &s, err))) goto out;
    st = read_meta(s, &metas[i], err);
    if (!st) st = check_graded_whole(s, inputs[i], metas[i], err);
    ds_store_close(s);
    if (st) goto out;
    const char *kind = json_string_value(json_object_get(metas[i], "kind"));
    if (!kind || strcmp(kind, "replay") != 0) {
      st = ds_fail(err, DS_E_INVALID, "merge: %s is not a replay run database", inputs[i]);
      goto out;
    }
    if (i > 0 && ((st = compare_meta(inputs[0], metas[0], inputs[i], metas[i], err)) ||
                  (st = compare_grading(inputs[0], metas[0], inputs[i], metas[i], err))))
      goto out;
    unsigned si = 0, sn = 1;
    const char *shard = json_string_value(json_object_get(metas[i], "shard"));
    if (!shard || sscanf(shard, "%u/%u", &si, &sn) != 2) {
      st = ds_fail(err, DS_E_INVALID, "merge: %s has shard '%s'; merged runs cannot be merged again", inputs[i],
                   shard ? shard : "(absent)");
      goto out;
    }
    if (i == 0) {
      n_shards = sn;
      if (!(seen = ds_calloc(sn, sizeof *seen))) {
        st = ds_fail(err, DS_E_NOMEM, "out of memory");
        goto out;
      }
    } else if (sn != n_shards) {
      st = ds_fail(err, DS_E_MISMATCH, "merge: %s is a shard of %u, %s of %u", inputs[0], n_shards, inputs[i], sn);
      goto out;
    }
    if (seen[si]) {
      st = ds_fail(err, DS_E_MISMATCH, "merge: shard %u/%u given twice (%s)", si, sn, inputs[i]);
      goto out;
    }
    seen[si] = true;
    json_array_append_new(shards, json_string(shard));
    const char *load = json_string_value(json_object_get(metas[i], "corpus_load"));
    json_t *lj = load ? json_loads(load, 0, NULL) : NULL;
    if (!lj || !json_is_true(json_object_get(lj, "complete"))) all_loaded = false;
    uint64_t rec = (uint64_t)ds_json_num(lj, "records", 0), other = (uint64_t)ds_json_num(lj, "other_shard", 0);
    if (rec > records) records = rec;
    in_shards += rec - other;
    no_cut += (uint64_t)ds_json_num(lj, "no_cut", 0);
    dups += (uint64_t)ds_json_num(lj, "duplicates", 0);
    cuts += (uint64_t)ds_json_num(lj, "cuts", 0);
    json_decref(lj);
  }
  for (unsigned i = 0; i < n_shards; i++)
    if (!seen[i]) ds_logf(log, DS_LOG_WARN, "merge: shard %u/%u is missing; the merged run covers part of the corpus", i, n_shards);
  ds_free(seen);
  seen = NULL;
  if (!all_loaded) ds_logf(log, DS_LOG_WARN, "merge: some inputs did not finish loading their corpus");

  /* 2. copy, one transaction per input, into OUT.merging (what a killed merge left is removed) */
  remove_db_files(tmp.data);
  created = true;
  if ((st = ds_store_open(tmp.data, DS_STORE_CREATE | DS_STORE_NOLOCK, &out, err))) goto out;
  sqlite3 *db = ds_store_db(out);
  if (log) ds_store_set_cancel(out, log->cancel); /* a long copy stops on cancellation */
  if ((st = ds_store_begin(out, err))) goto out;
  in_tx = true;
  const char *key;
  json_t *v;
  json_object_foreach(metas[0], key, v) {
    if (run_state_key(key)) continue;
    if ((st = ds_store_meta_set(out, key, json_string_value(v), err))) goto out;
  }
  if ((st = ds_store_commit(out, err))) goto out;
  in_tx = false;
  for (size_t i = 0; i < n_inputs; i++) {
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ? AS src", -1, &q, NULL)) {
      st = rp_db_fail(db, err, "attaching");
      goto out;
    }
    sqlite3_bind_text(q, 1, inputs[i], -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
      st = ds_fail(err, DS_E_DB, "merge: cannot open %s: %s", inputs[i], sqlite3_errmsg(db));
      goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    attached = true;
    if ((st = ds_store_begin(out, err))) goto out;
    in_tx = true;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.conv_id, p.cut_index FROM src.prefixes p JOIN main.prefixes m"
                           " ON m.conv_id=p.conv_id AND m.cut_index=p.cut_index LIMIT 1",
                           -1, &q, NULL)) {
      st = rp_db_fail(db, err, "checking duplicates");
      goto out;
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
      st = ds_fail(err, DS_E_MISMATCH, "merge: prefix %s#%lld of %s is already in an earlier input",
                   (const char *)sqlite3_column_text(q, 0), (long long)sqlite3_column_int64(q, 1), inputs[i]);
      goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    ds_free(copy);
    copy = NULL;
    struct ds_buf cb;
    ds_buf_init(&cb, 0);
    bool conv = src_has_conversations(db);
    if ((conv ? ds_buf_adds(&cb, copy_conversations_sql) : ds_buf_addf(&cb, copy_sql, src_has_digest(db) ? "digest" : "NULL")) ||
        ds_buf_adds(&cb, copy_rest_sql)) {
      ds_buf_release(&cb);
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    copy = ds_buf_detach(&cb, NULL);
    if ((st = exec(db, copy, err))) {
      if (ds_log_cancelled(log)) st = ds_fail(err, DS_E_CANCELLED, "merge: cancelled; nothing was written to %s", out_path);
      goto out;
    }
    if ((st = ds_store_commit(out, err))) goto out;
    in_tx = false;
    if ((st = exec(db, "DETACH DATABASE src", err))) goto out;
    attached = false;
  }

  /* 3. meta: run state of the whole, and the accounting */
  char *from = ds_json_compact(shards);
  char load[256];
  snprintf(load, sizeof load,
           "{\"line\":0,\"records\":%llu,\"cuts\":%llu,\"no_cut\":%llu,\"other_shard\":%llu,\"duplicates\":%llu,"
           "\"complete\":%s}",
           (unsigned long long)records, (unsigned long long)cuts, (unsigned long long)no_cut,
           (unsigned long long)(records - (in_shards < records ? in_shards : records)), (unsigned long long)dups,
           all_loaded ? "true" : "false");
  char shard[64];
  snprintf(shard, sizeof shard, "merged(%zu of %u)", n_inputs, n_shards);
  if ((st = ds_store_begin(out, err))) {
    ds_free(from);
    goto out;
  }
  in_tx = true;
  st = ds_store_meta_set(out, "shard", shard, err);
  if (!st) st = ds_store_meta_set(out, "merged_from", from ? from : "[]", err);
  if (!st) st = ds_store_meta_set(out, "corpus_load", load, err);
  if (!st) st = ds_store_meta_set(out, "corpus_path", json_string_value(json_object_get(metas[0], "corpus_path")), err);
  if (!st) st = merged_grading(out, metas, n_inputs, err);
  ds_free(from);
  if (st || (st = ds_store_commit(out, err))) goto out;
  in_tx = false;
  struct ds_replay_summary sum;
  if ((st = rp_summary_compute(out, &sum, err))) goto out;
  st = rp_summary_store(out, &sum, "merged", err);
  ds_replay_summary_release(&sum);
  if (!st && ds_log_cancelled(log)) st = ds_fail(err, DS_E_CANCELLED, "merge: cancelled; nothing was written to %s", out_path);
  if (st) goto out;
  /* 4. complete: the last connection's close checkpoints and removes the WAL, then the rename
   * makes the run appear at OUT whole */
  ds_store_close(out);
  out = NULL;
  if (rename(tmp.data, out_path) != 0)
    st = ds_fail(err, DS_E_IO, "merge: cannot rename %s to %s: %s", tmp.data, out_path, strerror(errno));

out:
  /* a step the cancellation interrupted (a copy, the accounting's count) failed with SQLite's
   * "interrupted": the cause is the cancellation */
  if (st && st != DS_E_CANCELLED && created && ds_log_cancelled(log))
    st = ds_fail(err, DS_E_CANCELLED, "merge: cancelled; nothing was written to %s", out_path);
  sqlite3_finalize(q);
  if (in_tx) ds_store_rollback(out);
  if (attached) sqlite3_exec(ds_store_db(out), "DETACH DATABASE src", NULL, NULL, NULL);
  ds_store_close(out);
  if (st && created) remove_db_files(tmp.data); /* a failed merge leaves nothing behind */
  for (size_t i = 0; in_locks && i < n_inputs; i++) ds_store_unlock(in_locks[i]);
  ds_store_unlock(out_lock);
  for (size_t i = 0; metas && i < n_inputs; i++) json_decref(metas[i]);
  ds_free(in_locks);
  ds_free(metas);
  ds_free(seen);
  ds_free(copy);
  ds_buf_release(&tmp);
  json_decref(shards);
  return st;
}
