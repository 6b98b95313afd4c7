/* summary.c: the accounting of a replay run: prefixes = completed + skipped (by reason) +
 * failed (by cause) + pending, recomputed from the tables and stored as meta "summary". */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "replay/replay_int.h"

void ds_replay_summary_release(struct ds_replay_summary *s) {
  if (!s) return;
  json_decref(s->skipped_by_reason);
  json_decref(s->failed_by_cause);
  json_decref(s->context_exceeded);
  s->skipped_by_reason = s->failed_by_cause = s->context_exceeded = NULL;
}

enum ds_status rp_summary_compute(struct ds_store *s, struct ds_replay_summary *out, struct ds_err *err) {
  sqlite3 *db = ds_store_db(s);
  sqlite3_stmt *q = NULL;
  enum ds_status st = DS_OK;
  memset(out, 0, sizeof *out);
  out->skipped_by_reason = json_object();
  out->failed_by_cause = json_object();
  if (!out->skipped_by_reason || !out->failed_by_cause) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (sqlite3_prepare_v2(db, "SELECT status, coalesce(reason,''), count(*) FROM prefixes GROUP BY 1,2", -1, &q, NULL)) {
    st = rp_db_fail(db, err, "counting prefixes");
    goto out;
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *status = (const char *)sqlite3_column_text(q, 0);
    const char *reason = (const char *)sqlite3_column_text(q, 1);
    uint64_t n = (uint64_t)sqlite3_column_int64(q, 2);
    out->prefixes += n;
    if (strcmp(status, "done") == 0) out->completed += n;
    else if (strcmp(status, "pending") == 0) out->pending += n;
    else {
      json_t *o = strcmp(status, "skipped") == 0 ? out->skipped_by_reason : out->failed_by_cause;
      if (strcmp(status, "skipped") == 0) out->skipped += n;
      else out->failed += n;
      const char *key = *reason ? reason : "unknown";
      json_int_t have = json_integer_value(json_object_get(o, key));
      json_object_set_new(o, key, json_integer(have + (json_int_t)n));
    }
  }
  if (rc != SQLITE_DONE) {
    st = rp_db_fail(db, err, "counting prefixes");
    goto out;
  }
  sqlite3_finalize(q);
  q = NULL;
  /* prompt_cached came with schema 5: an older file opened read-only has none */
  bool v5 = ds_store_version(s) >= 5;
  if (sqlite3_prepare_v2(db,
                         v5 ? "SELECT coalesce(sum(status='ok'),0), coalesce(sum(status='failed'),0),"
                              " coalesce(sum(prompt_tokens),0), coalesce(sum(prompt_cached),0), count(prompt_cached),"
                              " coalesce(sum(completion_tokens),0), coalesce(sum(status='ok' AND prompt_tokens>0),0)"
                              " FROM samples"
                            : "SELECT coalesce(sum(status='ok'),0), coalesce(sum(status='failed'),0),"
                              " coalesce(sum(prompt_tokens),0), 0, 0, coalesce(sum(completion_tokens),0),"
                              " coalesce(sum(status='ok' AND prompt_tokens>0),0) FROM samples",
                         -1, &q, NULL) ||
      sqlite3_step(q) != SQLITE_ROW) {
    st = rp_db_fail(db, err, "counting samples");
    goto out;
  }
  out->samples_ok = (uint64_t)sqlite3_column_int64(q, 0);
  out->samples_failed = (uint64_t)sqlite3_column_int64(q, 1);
  out->prompt_tokens = (uint64_t)sqlite3_column_int64(q, 2);
  out->prompt_cached = (uint64_t)sqlite3_column_int64(q, 3);
  out->prompt_cached_samples = (uint64_t)sqlite3_column_int64(q, 4);
  out->completion_tokens = (uint64_t)sqlite3_column_int64(q, 5);
  out->usage_samples = (uint64_t)sqlite3_column_int64(q, 6);
  sqlite3_finalize(q);
  q = NULL;
  if (json_object_get(out->skipped_by_reason, "context_exceeded")) {
    /* how long the skipped prefixes were, against what context */
    char *ctx = NULL;
    ds_store_meta_get(s, "backend_context_length", &ctx, NULL);
    if (sqlite3_prepare_v2(db, "SELECT count(*), min(prompt_tokens), max(prompt_tokens) FROM prefixes "
                               "WHERE status='skipped' AND reason='context_exceeded'", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
      out->context_exceeded =
          json_pack("{s:I,s:I,s:I,s:I}", "prefixes", (json_int_t)sqlite3_column_int64(q, 0), "min_tokens",
                    (json_int_t)sqlite3_column_int64(q, 1), "max_tokens", (json_int_t)sqlite3_column_int64(q, 2),
                    "context", (json_int_t)(ctx ? strtoll(ctx, NULL, 10) : 0));
    ds_free(ctx);
  }
  char *load = NULL;
  if (ds_store_meta_get(s, "corpus_load", &load, NULL) == DS_OK) {
    json_t *j = json_loads(load, 0, NULL);
    out->corpus_records = (uint64_t)ds_json_num(j, "records", 0);
    out->corpus_no_cut = (uint64_t)ds_json_num(j, "no_cut", 0);
    out->corpus_other_shard = (uint64_t)ds_json_num(j, "other_shard", 0);
    out->corpus_duplicates = (uint64_t)ds_json_num(j, "duplicates", 0);
    json_decref(j);
    ds_free(load);
  }
out:
  sqlite3_finalize(q);
  if (st) ds_replay_summary_release(out);
  return st;
}

enum ds_status rp_summary_store(struct ds_store *s, const struct ds_replay_summary *sum, const char *event,
                                struct ds_err *err) {
  json_t *j = json_pack("{s:I,s:I,s:O,s:I,s:O,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I}}", "prefixes", (json_int_t)sum->prefixes,
                        "completed", (json_int_t)sum->completed, "skipped", sum->skipped_by_reason, "skipped_total",
                        (json_int_t)sum->skipped, "failed", sum->failed_by_cause, "failed_total",
                        (json_int_t)sum->failed, "pending", (json_int_t)sum->pending, "samples_ok",
                        (json_int_t)sum->samples_ok, "corpus", "records", (json_int_t)sum->corpus_records, "no_cut",
                        (json_int_t)sum->corpus_no_cut, "other_shard", (json_int_t)sum->corpus_other_shard,
                        "duplicates", (json_int_t)sum->corpus_duplicates);
  if (!j) return ds_fail(err, DS_E_NOMEM, "out of memory");
  json_object_set_new(j, "samples_failed", json_integer((json_int_t)sum->samples_failed));
  json_object_set_new(j, "tokens", json_pack("{s:I,s:I,s:I,s:I,s:I}", "prompt", (json_int_t)sum->prompt_tokens, "prompt_cached",
                                             (json_int_t)sum->prompt_cached, "prompt_cached_samples",
                                             (json_int_t)sum->prompt_cached_samples, "completion",
                                             (json_int_t)sum->completion_tokens, "usage_samples",
                                             (json_int_t)sum->usage_samples));
  if (sum->context_exceeded) json_object_set(j, "context_exceeded", sum->context_exceeded);
  char *text = ds_json_canonical(j);
  json_decref(j);
  if (!text) return ds_fail(err, DS_E_NOMEM, "out of memory");
  enum ds_status st = ds_store_begin(s, err);
  if (!st && !(st = ds_store_meta_set(s, "summary", text, err)) && event) st = ds_store_event(s, event, text, err);
  if (!st) st = ds_store_commit(s, err);
  else ds_store_rollback(s);
  ds_free(text);
  return st;
}

enum ds_status ds_replay_summary_read(const char *db_path, struct ds_replay_summary *out, struct ds_err *err) {
  struct ds_store *s = NULL;
  enum ds_status st = ds_store_open(db_path, DS_STORE_READ, &s, err);
  if (!st) st = rp_summary_compute(s, out, err);
  ds_store_close(s);
  return st;
}
