/* commit.c: how replay's results reach the run database: the write statements, commit groups
 * (prepare on the main thread, one transaction, acknowledge) and the writer thread that runs
 * them on its own connection, loading the rest of the corpus between groups. */
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/base.h"
#include "replay/replay_int.h"

/* The write statements of a commit group, on the sink's connection. */
enum ds_status rp_prepare_sink(struct rp_sink *s, struct ds_err *err) {
  enum ds_status st;
  /* The statuses replay writes are constants of this file, so the schema's CHECK(status IN
   * (...)) is not evaluated on its connections: SQLite builds a temporary index of the list
   * on every execution, a third of the cost of a prefix's update. */
  if ((st = ds_store_exec(s->store, "PRAGMA ignore_check_constraints=ON;", err))) return st;
  if ((st = rp_prep(s->db,
                 "INSERT INTO samples(prefix_id,k,seed,status,content,reasoning,tool_calls,finish_reason,"
                 "prompt_tokens,completion_tokens,latency_s,attempts,error,cause,created_at,prompt_cached,request_n)"
                 " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                 &s->q_insert, err)) ||
      (st = rp_prep(s->db,
                 "UPDATE prefixes SET status=?1, reason=?2, prompt_tokens=?3, tokens_estimated=?4, trimmed=?5"
                 " WHERE id=?6",
                 &s->q_final, err)) ||
      (st = rp_prep(s->db,
                 "UPDATE prefixes SET status=?1, reason=?2, prompt_tokens=?3, tokens_estimated=?4, trimmed=?5,"
                 " messages=?7, conversation=NULL, messages_end=NULL WHERE id=?6",
                 &s->q_final_trim, err)) ||
      (st = rp_prep(s->db, "UPDATE samples SET trajectory=?1 WHERE id=?2", &s->q_traj, err)) ||
      (st = rp_prep(s->db,
                 "INSERT INTO meta(key,value) VALUES('replay_watermark',?1)"
                 " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                 &s->q_mark, err)))
    return st;
  return DS_OK;
}

void rp_sink_finalize(struct rp_sink *s) {
  sqlite3_finalize(s->q_insert);
  sqlite3_finalize(s->q_final);
  sqlite3_finalize(s->q_final_trim);
  sqlite3_finalize(s->q_traj);
  sqlite3_finalize(s->q_mark);
  s->q_insert = s->q_final = s->q_final_trim = s->q_traj = s->q_mark = NULL;
}

/* Stores an ended episode's trajectory and tool steps with its sample. */
static enum ds_status rp_agent_store(struct replay *r, struct rp_sink *s, struct rp_prefix *pf, unsigned k,
                                     struct ds_err *err) {
  if (!pf->agents || k >= pf->n_agents || !pf->agents[k]) return DS_OK;
  struct agent *a = pf->agents[k];
  (void)r;
  int64_t sample_id = sqlite3_last_insert_rowid(s->db);
  char *traj = ds_json_compact(agent_trajectory(a));
  enum ds_status st = DS_OK;
  if (!traj) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!st) {
    sqlite3_reset(s->q_traj);
    sqlite3_bind_text(s->q_traj, 1, traj, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->q_traj, 2, sample_id);
    if (sqlite3_step(s->q_traj) != SQLITE_DONE) st = rp_db_fail(s->db, err, "storing a trajectory");
    sqlite3_reset(s->q_traj);
  }
  ds_free(traj);
  if (!st) st = agent_store_steps(a, s->db, sample_id, err);
  agent_free(a);
  pf->agents[k] = NULL;
  return st;
}

/* ---------- commits ----------
 * A group of finished results goes through three steps: group_prepare (main thread: each
 * sample's status and each completed prefix's final status, from the prefix's counters),
 * group_write (one transaction on a connection: the main one, or the writer thread's) and
 * group_ack (main thread, once committed: the results count as done, finished prefixes are
 * freed). With a model backend and no agentic loop the write runs on the writer thread while
 * the main thread keeps the backend busy; requests in flight plus results handed to the writer
 * or waiting for it never exceed the window, and a result counts as done only once committed. */

/* Classifies one sample: status, cause and error message (inside d). */
static void classify_sample(struct replay *r, struct rp_done *d) {
  struct ds_result *res = &d->res;
  bool has_tools = res->tool_calls && json_array_size(res->tool_calls) > 0;
  d->cause = NULL;
  d->error = NULL;
  if (res->status != DS_OK) {
    d->cause = rp_cause_name(res->status, d->cause_buf);
    d->error = res->error[0] ? res->error : ds_status_name(res->status);
  } else if (!r->original && (!res->content || !*res->content) && !has_tools &&
             (!res->finish_reason || !*res->finish_reason)) {
    d->cause = "empty_completion";
    d->error = "empty content, no tool calls and no finish_reason";
  }
}

/* Main thread: fills in what the write needs and advances the prefixes' counters. */
static enum ds_status group_prepare(struct replay *r, struct rp_done *done, size_t n, struct ds_err *err) {
  for (size_t i = 0; i < n; i++) {
    struct rp_done *d = &done[i];
    struct rp_prefix *pf = d->pf;
    d->pf_id = pf->id;
    if (d->k != UINT_MAX) {
      classify_sample(r, d);
      pf->n_stored++;
      if (!d->cause) {
        pf->n_ok++;
      } else if (d->k < pf->fail_k) {
        pf->fail_k = d->k;
        ds_free(pf->fail_cause);
        if (!(pf->fail_cause = ds_strdup(d->cause))) return ds_fail(err, DS_E_NOMEM, "out of memory");
      }
    }
    pf->unhanded--;
    d->final_status = NULL;
    if (pf->unhanded != 0 || (pf->next < pf->n_todo && !pf->skip_reason)) continue;
    /* all samples of pf are in this group or an earlier one (or it was skipped) */
    if (pf->skip_reason) {
      d->final_status = "skipped";
      d->final_reason = pf->skip_reason;
    } else if (pf->n_stored < r->k) {
      continue; /* not complete (a sample lost to OOM): stays pending */
    } else if (pf->n_ok == pf->n_stored) {
      d->final_status = "done";
      d->final_reason = NULL;
    } else {
      d->final_status = "failed";
      d->final_reason = pf->fail_cause ? pf->fail_cause : "unknown";
    }
    pf->finalized = true;
    d->prompt_tokens = pf->prompt_tokens;
    d->tokens_estimated = pf->tokens_estimated;
    d->trimmed = pf->trimmed;
    if (pf->trim_dirty && !(d->final_messages = ds_json_canonical(pf->messages)))
      return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  return DS_OK;
}

/* Stores one finished sample (inside the commit transaction). */
static enum ds_status store_sample(struct rp_sink *s, struct rp_done *d, const char *now, struct ds_err *err) {
  struct ds_result *res = &d->res;
  sqlite3_stmt *q = s->q_insert;
  bool has_tools = res->tool_calls && json_array_size(res->tool_calls) > 0;
  sqlite3_reset(q);
  sqlite3_bind_int64(q, 1, d->pf_id);
  sqlite3_bind_int64(q, 2, d->k);
  sqlite3_bind_int64(q, 3, d->seed);
  sqlite3_bind_text(q, 4, d->cause ? "failed" : "ok", -1, SQLITE_STATIC);
  rp_bind_text_or_null(q, 5, res->content);
  rp_bind_text_or_null(q, 6, res->reasoning);
  if (rp_bind_json(q, 7, has_tools ? res->tool_calls : NULL)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  rp_bind_text_or_null(q, 8, res->finish_reason);
  if (res->status == DS_OK || res->prompt_tokens > 0) sqlite3_bind_int64(q, 9, res->prompt_tokens);
  else sqlite3_bind_null(q, 9);
  if (res->status == DS_OK || res->completion_tokens > 0) sqlite3_bind_int64(q, 10, res->completion_tokens);
  else sqlite3_bind_null(q, 10);
  sqlite3_bind_double(q, 11, res->latency_s);
  sqlite3_bind_int(q, 12, (int)res->attempts);
  rp_bind_text_or_null(q, 13, d->error);
  rp_bind_text_or_null(q, 14, d->cause);
  sqlite3_bind_text(q, 15, now, -1, SQLITE_STATIC);
  if (res->prompt_cached_known) sqlite3_bind_int64(q, 16, res->prompt_cached);
  else sqlite3_bind_null(q, 16);
  sqlite3_bind_int(q, 17, (int)(d->request_n ? d->request_n : 1));
  enum ds_status st = DS_OK;
  if (sqlite3_step(q) != SQLITE_DONE) st = rp_db_fail(s->db, err, "storing a sample");
  sqlite3_reset(q);
  return st;
}

/* The prefix's final status, in the same transaction as its last sample. */
static enum ds_status finalize_prefix(struct rp_sink *s, const struct rp_done *d, struct ds_err *err) {
  sqlite3_stmt *q = d->final_messages ? s->q_final_trim : s->q_final;
  sqlite3_reset(q);
  sqlite3_bind_text(q, 1, d->final_status, -1, SQLITE_STATIC);
  rp_bind_text_or_null(q, 2, d->final_reason);
  if (d->prompt_tokens >= 0) sqlite3_bind_int64(q, 3, d->prompt_tokens);
  else sqlite3_bind_null(q, 3);
  sqlite3_bind_int(q, 4, d->tokens_estimated);
  sqlite3_bind_int(q, 5, (int)d->trimmed);
  sqlite3_bind_int64(q, 6, d->pf_id);
  if (d->final_messages) sqlite3_bind_text(q, 7, d->final_messages, -1, SQLITE_STATIC);
  enum ds_status st = DS_OK;
  if (sqlite3_step(q) != SQLITE_DONE) st = rp_db_fail(s->db, err, "finishing a prefix");
  sqlite3_reset(q);
  return st;
}

/* One transaction with every sample of the group and the final status of the prefixes it
 * completes. r is given only on the main thread (agentic episodes are stored from it). */
static enum ds_status group_write(struct rp_sink *s, struct replay *r, struct rp_done *done, size_t n,
                                  int64_t mark, const json_t *events, const char *now, struct ds_err *err) {
  enum ds_status st = ds_store_begin(s->store, err);
  /* events the main thread noted (the concurrency level's changes): written with the group, so
   * that the main thread never waits for the database */
  size_t ei;
  const json_t *ev;
  json_array_foreach(events, ei, ev) {
    if (st) break;
    st = ds_store_event(s->store, json_string_value(json_array_get(ev, 0)), json_string_value(json_array_get(ev, 1)), err);
  }
  if (!st && mark > 0) {
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)mark);
    sqlite3_reset(s->q_mark);
    sqlite3_bind_text(s->q_mark, 1, v, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s->q_mark) != SQLITE_DONE) st = rp_db_fail(s->db, err, "storing the watermark");
    sqlite3_reset(s->q_mark);
  }
  for (size_t i = 0; !st && i < n; i++) {
    struct rp_done *d = &done[i];
    if (d->k != UINT_MAX) {
      st = store_sample(s, d, now, err);
      if (!st && r && r->agentic) st = rp_agent_store(r, s, d->pf, d->k, err);
    }
    if (!st && d->final_status) st = finalize_prefix(s, d, err);
  }
  if (!st) st = ds_store_commit(s->store, err);
  if (st) ds_store_rollback(s->store);
  return st;
}

/* Main thread, after the group's commit: its results count as done; finished prefixes at the
 * head of the queue are freed. */
static void group_ack(struct replay *r, struct rp_done *done, size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct rp_done *d = &done[i];
    if (d->k != UINT_MAX) {
      r->pr.samples_done++;
      if (d->cause) r->pr.samples_failed++;
      if (d->res.completion_tokens > 0) r->pr.completion_tokens += (uint64_t)d->res.completion_tokens;
    }
    d->pf->outstanding--;
  }
  while (r->q_head && r->q_head->outstanding == 0 &&
         (r->q_head->next >= r->q_head->n_todo || r->q_head->skip_reason)) {
    struct rp_prefix *pf = r->q_head;
    r->q_head = pf->next_q;
    if (!r->q_head) r->q_tail = NULL;
    if (r->q_work == pf) r->q_work = pf->next_q;
    if (!pf->finalized && pf->id < r->low_pending) r->low_pending = pf->id;
    rp_prefix_free(pf);
  }
  if (r->p->sequential) return; /* draw order, not id order: no watermark */
  int64_t mark = r->q_head ? r->q_head->id - 1 : r->cursor_id;
  if (r->low_pending <= mark) mark = r->low_pending - 1;
  if (mark > r->mark_next) r->mark_next = mark;
}

/* The watermark the next group writes: 0 when the stored one is still current. */
static int64_t take_mark(struct replay *r) {
  if (r->mark_next <= r->mark_stored) return 0;
  r->mark_stored = r->mark_next;
  return r->mark_stored;
}

void rp_done_release(struct rp_done *done, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ds_result_release(&done[i].res);
    ds_free(done[i].final_messages);
    done[i].final_messages = NULL;
  }
}

/* ---------- the writer thread ---------- */

/* Commit groups first; between them, one loading step at a time while the corpus lasts. */
static void *writer_main(void *arg) {
  struct rp_writer *w = arg;
  /* commits can wait (the window holds twice the requests in flight); the requests and the
   * server on the same machine cannot: the writer yields the CPU to them when they compete */
  (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
  pthread_mutex_lock(&w->mu);
  for (;;) {
    /* loading keeps ahead of sampling, not further: it spreads over the run instead of taking a
     * core from the requests at the start */
    while (!w->job && !w->quit &&
           !(w->loader && !w->load_done && !w->load_failed && w->loaded_n < LOAD_AHEAD &&
             w->loaded_bytes < LOAD_AHEAD_BYTES))
      pthread_cond_wait(&w->cv, &w->mu);
    if (w->job) {
      pthread_mutex_unlock(&w->mu);
      struct ds_err e = {0};
      enum ds_status st = group_write(&w->sink, NULL, w->done, w->n_done, w->mark, w->events, w->now, &e);
      pthread_mutex_lock(&w->mu);
      w->st = st;
      w->err = e;
      w->job = false;
      w->finished = true;
      pthread_cond_broadcast(&w->cv);
      continue;
    }
    if (w->quit) break;
    pthread_mutex_unlock(&w->mu);
    struct ds_err e = {0};
    struct rp_loader *ld = w->loader;
    enum ds_status st = rp_loader_step(ld, WRITER_LOAD_STEP, &e);
    pthread_mutex_lock(&w->mu);
    if (st) {
      w->load_failed = true;
      w->load_st = st;
      w->load_err = e;
    } else if (ld->step_head) { /* committed: the main thread may take its prefixes */
      if (w->loaded_tail) w->loaded_tail->next_q = ld->step_head;
      else w->loaded_head = ld->step_head;
      w->loaded_tail = ld->step_tail;
      w->loaded_n += ld->step_n;
      w->loaded_bytes += ld->step_bytes;
      ld->step_head = ld->step_tail = NULL;
      ld->step_n = ld->step_bytes = 0;
    }
    w->load_done = w->loader->complete;
    w->loaded_lines = w->loader->ls.line;
    w->loaded_cuts = w->loader->ls.cuts - w->loader->start_cuts;
    w->load_steps++;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* Main thread: takes in the writer's loading progress (lines, new prefixes to sample) and
 * its error, if loading failed. */
enum ds_status rp_writer_load_progress(struct replay *r, struct ds_err *err) {
  struct rp_writer *w = r->writer;
  if (!r->loading) return DS_OK;
  pthread_mutex_lock(&w->mu);
  bool done = w->load_done, failed = w->load_failed;
  uint64_t lines = w->loaded_lines, cuts = w->loaded_cuts;
  enum ds_status st = w->load_st;
  struct ds_err e = w->load_err;
  pthread_mutex_unlock(&w->mu);
  r->pr.corpus_lines = lines;
  r->pr.samples_total += (cuts - r->cuts_seen) * r->k;
  r->cuts_seen = cuts;
  if (failed) return ds_fail(err, st, "%s", e.msg);
  if (done) r->loading = false;
  return DS_OK;
}

/* Main thread: takes up to max prefixes that loading handed over, in id order; the writer may
 * then load further. *all is set when loading is over and nothing is left to take. */
unsigned rp_take_loaded(struct replay *r, unsigned max, struct rp_prefix **first, struct rp_prefix **last, bool *all) {
  struct rp_writer *w = r->writer;
  unsigned n = 0;
  pthread_mutex_lock(&w->mu);
  struct rp_prefix *head = w->loaded_head, *pf = NULL;
  size_t bytes = 0;
  for (struct rp_prefix *x = head; x && n < max; x = x->next_q, n++) {
    pf = x;
    bytes += x->load_bytes;
  }
  if (n) {
    w->loaded_head = pf->next_q;
    if (!w->loaded_head) w->loaded_tail = NULL;
    pf->next_q = NULL;
    w->loaded_n -= n;
    w->loaded_bytes -= bytes;
    pthread_cond_broadcast(&w->cv);
  }
  *all = !w->loaded_head && (w->load_done || w->load_failed);
  pthread_mutex_unlock(&w->mu);
  *first = n ? head : NULL;
  *last = pf;
  return n;
}

/* Main thread with nothing to send or commit: waits (at most timeout_s) for the next loading
 * step or the end of the group being written. */
void rp_writer_wait(struct replay *r, double timeout_s) {
  struct rp_writer *w = r->writer;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += (long)(timeout_s * 1e9);
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&w->mu);
  uint64_t steps = w->load_steps;
  while (w->load_steps == steps && !w->finished && !w->load_failed &&
         pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {
  }
  pthread_mutex_unlock(&w->mu);
}

/* Collects the writer's finished group: blocking waits for it. DS_E_NOTFOUND when it is
 * still writing and block is false. */
enum ds_status rp_writer_collect(struct replay *r, bool block, struct ds_err *err) {
  struct rp_writer *w = r->writer;
  if (!w->busy) return DS_OK;
  pthread_mutex_lock(&w->mu);
  while (block && !w->finished) pthread_cond_wait(&w->cv, &w->mu);
  bool finished = w->finished;
  enum ds_status st = w->st;
  struct ds_err e = w->err;
  w->finished = false;
  pthread_mutex_unlock(&w->mu);
  if (!finished) return DS_E_NOTFOUND;
  w->busy = false;
  if (!st) group_ack(r, w->done, w->n_done);
  rp_done_release(w->done, w->n_done);
  w->n_done = 0;
  if (st) return ds_fail(err, st, "%s", e.msg);
  return DS_OK;
}

/* Hands the waiting results to the idle writer (their buffers swap). */
enum ds_status rp_writer_handoff(struct replay *r, struct ds_err *err) {
  struct rp_writer *w = r->writer;
  enum ds_status st = group_prepare(r, r->done, r->n_done, err);
  if (st) return st;
  struct rp_done *tmp = w->done;
  size_t cap = w->cap_done;
  w->done = r->done;
  w->cap_done = r->cap_done;
  w->n_done = r->n_done;
  w->mark = take_mark(r);
  json_decref(w->events);
  w->events = r->events; /* written with the group; a failed group drops them */
  r->events = json_array();
  r->done = tmp;
  r->cap_done = cap;
  r->n_done = 0;
  ds_now_iso8601(w->now);
  w->busy = true;
  pthread_mutex_lock(&w->mu);
  w->job = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return DS_OK;
}

/* Starts the writer thread; with corpus_path it also loads the rest of the corpus. */
enum ds_status rp_writer_start(struct replay *r, const char *corpus_path, struct ds_err *err) {
  struct rp_writer *w = ds_calloc(1, sizeof *w);
  if (!w) return ds_fail(err, DS_E_NOMEM, "out of memory");
  r->writer = w;
  enum ds_status st = ds_store_open(r->p->db_path, DS_STORE_WRITE | DS_STORE_NOLOCK, &w->sink.store, err);
  if (st) return st;
  w->sink.db = ds_store_db(w->sink.store);
  if ((st = rp_prepare_sink(&w->sink, err))) return st;
  if (corpus_path && (st = rp_loader_open(r->p, w->sink.store, corpus_path, &w->loader, err))) return st;
  r->loading = r->writer_loads = w->loader && !w->loader->complete;
  w->load_done = !r->loading;
  if (r->loading) {
    /* what earlier sessions loaded is read from the database; what this one loads is handed over */
    sqlite3_stmt *q = NULL;
    if ((st = rp_prep(r->db, "SELECT coalesce(max(id),0) FROM prefixes", &q, err))) return st;
    if (sqlite3_step(q) == SQLITE_ROW) r->cursor_max = sqlite3_column_int64(q, 0);
    else st = rp_db_fail(r->db, err, "reading the last prefix id");
    sqlite3_finalize(q);
    if (st) return st;
    w->loader->hand_over = true;
    w->loader->k = r->k;
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  w->sync_init = true;
  if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
    return ds_fail(err, DS_E_NOMEM, "cannot start the writer thread");
  w->running = true;
  return DS_OK;
}

/* Waits for the group being written (its results are committed or the error is dropped),
 * stops the thread and closes its connection. */
void rp_writer_stop(struct replay *r) {
  struct rp_writer *w = r->writer;
  if (!w) return;
  if (w->running) {
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
  }
  if (w->busy && w->finished && !w->st) group_ack(r, w->done, w->n_done);
  rp_done_release(w->done, w->n_done);
  ds_free(w->done);
  json_decref(w->events);
  if (w->sync_init) {
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
  }
  rp_loader_close(w->loader);
  rp_prefix_list_free(w->loaded_head);
  rp_sink_finalize(&w->sink);
  ds_store_close(w->sink.store);
  ds_free(w);
  r->writer = NULL;
  r->loading = false;
}

/* Commits every waiting result now, on the calling thread or through the writer (waiting for
 * it); the window is then empty of uncommitted results. */
enum ds_status rp_commit_done(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  if (r->writer) {
    if ((st = rp_writer_collect(r, true, err))) return st;
    if (!r->n_done) return DS_OK;
    if ((st = rp_writer_handoff(r, err))) return st;
    return rp_writer_collect(r, true, err);
  }
  if (!r->n_done) return DS_OK;
  char now[32];
  ds_now_iso8601(now);
  st = group_prepare(r, r->done, r->n_done, err);
  if (!st) st = group_write(&r->sink, r, r->done, r->n_done, take_mark(r), r->events, now, err);
  if (!st) json_array_clear(r->events);
  if (!st) group_ack(r, r->done, r->n_done);
  rp_done_release(r->done, r->n_done);
  r->n_done = 0;
  return st;
}

