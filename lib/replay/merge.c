/* merge.c: combines shard run databases into one run: parameters must agree, no prefix may
 * appear twice; prefixes, samples, tool steps, rubrics and grades are copied with their ids
 * remapped, and the accounting is recomputed. Counts are additive, so shards merge exactly. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "replay/replay_int.h"

/* meta keys that may differ between shards of one run */
static bool run_state_key(const char *k) {
  static const char *const keys[] = {"shard",     "corpus_path",      "corpus_load", "summary", "merged_from",
                                     "in_flight", "replay_watermark", "sequential"};
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++)
    if (strcmp(k, keys[i]) == 0) return true;
  return false;
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

/* Copies the attached input src into main. Inputs of schema 4 or later hold conversations,
 * which are copied first and their ids remapped by conv_id; older inputs hold every prefix's
 * text in prefixes.messages, copied as it is. */
static const char copy_conversations_sql[] =
    "INSERT INTO main.conversations(conv_id,messages) SELECT conv_id,messages FROM src.conversations ORDER BY id;\n"
    "INSERT INTO main.prefixes(conv_id,cut_index,segment,weight,time,messages,tools,original,repo,status,reason,"
    " trimmed,prompt_tokens,tokens_estimated,conversation,messages_end,draw)"
    " SELECT p.conv_id,p.cut_index,p.segment,p.weight,p.time,p.messages,p.tools,p.original,p.repo,p.status,p.reason,"
    " p.trimmed,p.prompt_tokens,p.tokens_estimated,mc.id,p.messages_end,p.draw FROM src.prefixes p"
    " LEFT JOIN src.conversations c ON c.id=p.conversation LEFT JOIN main.conversations mc ON mc.conv_id=c.conv_id"
    " ORDER BY p.id;\n"
    "INSERT INTO main.samples(prefix_id,k,seed,status,content,reasoning,tool_calls,finish_reason,prompt_tokens,"
    " completion_tokens,latency_s,attempts,error,trajectory,created_at,cause,prompt_cached,request_n)"
    " SELECT m.id,s.k,s.seed,s.status,s.content,s.reasoning,s.tool_calls,s.finish_reason,s.prompt_tokens,"
    " s.completion_tokens,s.latency_s,s.attempts,s.error,s.trajectory,s.created_at,s.cause,s.prompt_cached,s.request_n"
    " FROM src.samples s JOIN src.prefixes p ON p.id=s.prefix_id"
    " JOIN main.prefixes m ON m.conv_id=p.conv_id AND m.cut_index=p.cut_index ORDER BY s.id;\n";
static const char copy_inline_sql[] =
    "INSERT INTO main.prefixes(conv_id,cut_index,segment,weight,time,messages,tools,original,repo,status,reason,"
    " trimmed,prompt_tokens,tokens_estimated)"
    " SELECT conv_id,cut_index,segment,weight,time,messages,tools,original,repo,status,reason,trimmed,prompt_tokens,"
    " tokens_estimated FROM src.prefixes ORDER BY id;\n"
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

static bool src_has_conversations(sqlite3 *db) {
  sqlite3_stmt *q = NULL;
  bool yes = sqlite3_prepare_v2(db, "SELECT 1 FROM src.sqlite_master WHERE type='table' AND name='conversations'", -1,
                                &q, NULL) == SQLITE_OK &&
             sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  return yes;
}

enum ds_status ds_merge_run(const char *const *inputs, size_t n_inputs, const char *out_path, const struct ds_log *log,
                            struct ds_err *err) {
  enum ds_status st = DS_OK;
  json_t **metas = NULL, *shards = NULL;
  bool *seen = NULL;
  struct ds_store *out = NULL;
  bool created = false, attached = false, in_tx = false;
  sqlite3_stmt *q = NULL;
  uint64_t records = 0, no_cut = 0, dups = 0, cuts = 0, in_shards = 0;
  bool all_loaded = true;
  if (n_inputs == 0) return ds_fail(err, DS_E_INVALID, "merge: no input databases");
  if (access(out_path, F_OK) == 0) return ds_fail(err, DS_E_INVALID, "merge: %s exists; choose a new file", out_path);
  if (!(metas = ds_calloc(n_inputs, sizeof *metas)) || !(shards = json_array())) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  /* 1. every input is a replay run with the same parameters */
  unsigned n_shards = 0;
  for (size_t i = 0; i < n_inputs; i++) {
    struct ds_store *s = NULL;
    if ((st = ds_store_open(inputs[i], DS_STORE_READ, &s, err))) goto out;
    st = read_meta(s, &metas[i], err);
    ds_store_close(s);
    if (st) goto out;
    const char *kind = json_string_value(json_object_get(metas[i], "kind"));
    if (!kind || strcmp(kind, "replay") != 0) {
      st = ds_fail(err, DS_E_INVALID, "merge: %s is not a replay run database", inputs[i]);
      goto out;
    }
    if (i > 0 && (st = compare_meta(inputs[0], metas[0], inputs[i], metas[i], err))) goto out;
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

  /* 2. copy, in one transaction */
  if ((st = ds_store_open(out_path, DS_STORE_CREATE, &out, err))) goto out;
  created = true;
  sqlite3 *db = ds_store_db(out);
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
    if ((st = exec(db, src_has_conversations(db) ? copy_conversations_sql : copy_inline_sql, err)) ||
        (st = exec(db, copy_rest_sql, err)))
      goto out;
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
  ds_free(from);
  if (st || (st = ds_store_commit(out, err))) goto out;
  in_tx = false;
  struct ds_replay_summary sum;
  if ((st = rp_summary_compute(out, &sum, err))) goto out;
  st = rp_summary_store(out, &sum, "merged", err);
  ds_replay_summary_release(&sum);

out:
  sqlite3_finalize(q);
  if (in_tx) ds_store_rollback(out);
  if (attached) sqlite3_exec(ds_store_db(out), "DETACH DATABASE src", NULL, NULL, NULL);
  ds_store_close(out);
  if (st && created) {
    /* a failed merge leaves nothing behind */
    unlink(out_path);
    char side[4096];
    snprintf(side, sizeof side, "%s-wal", out_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out_path);
    unlink(side);
  }
  for (size_t i = 0; metas && i < n_inputs; i++) json_decref(metas[i]);
  ds_free(metas);
  ds_free(seen);
  json_decref(shards);
  return st;
}
