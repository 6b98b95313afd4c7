/* batch.c: replay's batch files: the samples a run still has to make, written as a batch input
 * file (OpenAI Batch API / vLLM run_batch, or Anthropic Message Batches) instead of being sent,
 * with the run's seeds and sampling settings; the batch's output comes back later through the
 * file backend on --resume (replay.c, schedule.c: what it lacks stays pending). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/base.h"
#include "replay/replay_int.h"

/* Anthropic's Message Batches take at most this many requests in one batch. */
#define ANTHROPIC_MAX_REQUESTS 100000

/* Writes one request of sample k of a prefix. */
static enum ds_status emit_one(struct replay *r, FILE *f, const char *key, unsigned k, const char *messages,
                               const json_t *tools, uint64_t n_done, struct ds_err *err) {
  struct ds_request req;
  ds_request_init(&req);
  req.key = key;
  req.k = k;
  req.messages_json = messages;
  req.tools = tools;
  req.temperature = r->temperature;
  req.top_p = r->top_p;
  req.max_tokens = r->max_tokens;
  req.seed = rp_sample_seed(r, key, k);
  char *line = NULL;
  enum ds_status st = ds_backend_batch_line(r->backend, r->p->batch_format, &req, &line, err);
  if (st) return st;
  bool anth = r->p->batch_format == DS_BATCH_ANTHROPIC;
  if (fprintf(f, "%s%s\n", anth && n_done ? "," : "", line) < 0) st = ds_fail(err, DS_E_IO, "%s: %s", r->p->emit_batch, strerror(errno));
  ds_free(line);
  return st;
}

enum ds_status rp_emit_batch(struct replay *r, uint64_t *out_n, struct ds_err *err) {
  const struct ds_replay_params *p = r->p;
  *out_n = 0;
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  if (ds_buf_addf(&tmp, "%s.tmp", p->emit_batch)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  FILE *f = fopen(tmp.data, "w");
  if (!f) {
    enum ds_status st = ds_fail(err, DS_E_IO, "%s: cannot write: %s", tmp.data, strerror(errno));
    ds_buf_release(&tmp);
    return st;
  }
  bool anth = p->batch_format == DS_BATCH_ANTHROPIC;
  if (anth) fputs("{\"requests\":[\n", f);
  /* pending prefixes in id order beside their stored samples in prefix order: two cursors */
  sqlite3_stmt *qp = NULL, *qs = NULL;
  char sql[1024];
  snprintf(sql, sizeof sql,
           "SELECT p.id, p.conv_id, p.cut_index, %s, p.tools FROM prefixes p WHERE p.status='pending' ORDER BY p.id",
           ds_store_sql_prefix_messages(r->store));
  enum ds_status st = rp_prep(r->db, sql, &qp, err);
  if (!st)
    st = rp_prep(r->db,
                 "SELECT s.prefix_id, s.k FROM samples s JOIN prefixes p ON p.id=s.prefix_id WHERE p.status='pending'"
                 " ORDER BY s.prefix_id, s.k",
                 &qs, err);
  bool *have = ds_calloc(r->k, sizeof *have);
  if (!st && !have) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  int rs = st ? SQLITE_DONE : sqlite3_step(qs);
  int rc;
  struct ds_buf key;
  ds_buf_init(&key, 0);
  while (!st && (rc = sqlite3_step(qp)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(qp, 0);
    memset(have, 0, r->k * sizeof *have);
    while (rs == SQLITE_ROW && sqlite3_column_int64(qs, 0) < id) rs = sqlite3_step(qs);
    while (rs == SQLITE_ROW && sqlite3_column_int64(qs, 0) == id) {
      int64_t k = sqlite3_column_int64(qs, 1);
      if (k >= 0 && k < (int64_t)r->k) have[k] = true;
      rs = sqlite3_step(qs);
    }
    ds_buf_reset(&key);
    ds_buf_addf(&key, "%s#%lld", (const char *)sqlite3_column_text(qp, 1), (long long)sqlite3_column_int64(qp, 2));
    const char *ms = (const char *)sqlite3_column_text(qp, 3), *ts = (const char *)sqlite3_column_text(qp, 4);
    json_t *tools = ts ? json_loads(ts, 0, NULL) : NULL;
    for (unsigned k = 0; !st && k < r->k; k++) {
      if (have[k]) continue;
      if (anth && *out_n >= ANTHROPIC_MAX_REQUESTS) {
        st = ds_fail(err, DS_E_LIMIT, "Anthropic's Message Batches take at most %d requests; split the run with --shard i/N",
                     ANTHROPIC_MAX_REQUESTS);
        break;
      }
      st = emit_one(r, f, key.data, k, ms ? ms : "[]", tools, *out_n, err);
      if (!st) ++*out_n;
    }
    json_decref(tools);
  }
  if (!st && rc != SQLITE_DONE) st = rp_db_fail(r->db, err, "reading pending prefixes");
  if (!st && rs != SQLITE_DONE && rs != SQLITE_ROW) st = rp_db_fail(r->db, err, "reading stored samples");
  sqlite3_finalize(qp);
  sqlite3_finalize(qs);
  ds_free(have);
  ds_buf_release(&key);
  if (anth) fputs("]}\n", f);
  if (fclose(f) != 0 && !st) st = ds_fail(err, DS_E_IO, "%s: %s", tmp.data, strerror(errno));
  /* the file appears whole or not at all */
  if (!st && rename(tmp.data, p->emit_batch) != 0)
    st = ds_fail(err, DS_E_IO, "%s: cannot create: %s", p->emit_batch, strerror(errno));
  if (st) unlink(tmp.data);
  ds_buf_release(&tmp);
  if (st) return st;
  /* the run remembers its batch: its output may answer in place of the model on --resume */
  char *abs = realpath(p->emit_batch, NULL);
  json_t *m = json_pack("{s:s,s:s,s:I}", "file", abs ? abs : p->emit_batch, "format", ds_batch_format_name(p->batch_format),
                        "requests", (json_int_t)*out_n);
  free(abs);
  char *text = m ? ds_json_compact(m) : NULL;
  json_decref(m);
  if (!text) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!(st = ds_store_begin(r->store, err))) {
    if ((st = ds_store_meta_set(r->store, "batch", text, err)) || (st = ds_store_event(r->store, "batch_emitted", text, err)))
      ds_store_rollback(r->store);
    else
      st = ds_store_commit(r->store, err);
  }
  ds_free(text);
  return st;
}
