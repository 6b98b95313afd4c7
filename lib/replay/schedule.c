/* schedule.c: replay's run loop: submits samples to the backend within the window, feeds the
 * agentic episodes, polls, hands finished results to commits (commit.c), reports progress and
 * stops on cancel with what came back committed. */
#include <limits.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "replay/replay_int.h"

/* ---------- progress ---------- */

void rp_report(struct replay *r, bool force) {
  if (!r->progress) return;
  double now = ds_now_mono();
  if (!force && now - r->last_report < r->p->progress_interval_s) return;
  r->last_report = now;
  struct ds_replay_progress *pr = &r->pr;
  pr->elapsed_s = now - r->t0;
  pr->in_flight = r->backend ? ds_backend_in_flight(r->backend) : 0;
  uint64_t this_session = pr->samples_done - r->done_at_start;
  pr->samples_per_s = pr->elapsed_s > 0 ? (double)this_session / pr->elapsed_s : 0;
  pr->tokens_per_s = pr->elapsed_s > 0 ? (double)pr->completion_tokens / pr->elapsed_s : 0;
  uint64_t left = pr->samples_total > pr->samples_done ? pr->samples_total - pr->samples_done : 0;
  pr->corpus_loading = r->loading;
  pr->eta_s = r->loading ? -1 : pr->samples_per_s > 0 ? (double)left / pr->samples_per_s : (left ? -1 : 0);
  r->progress(r->ud, pr);
}

/* ---------- agentic episodes ---------- */

/* What the tool simulator sees of a prefix's record: its id, repository, segment (the agent,
 * whose tool dialect answers), tools and the conversation up to and including the original
 * turn (the recorded rollout). */
static json_t *agent_record(const struct rp_prefix *pf) {
  const char *hash = strrchr(pf->key, '#');
  json_t *rec = json_object();
  if (!rec) return NULL;
  json_object_set_new(rec, "id", json_stringn(pf->key, hash ? (size_t)(hash - pf->key) : strlen(pf->key)));
  if (pf->repo) json_object_set(rec, "repo", pf->repo);
  if (pf->segment) json_object_set(rec, "segment", pf->segment);
  if (pf->tools) json_object_set(rec, "tools", pf->tools);
  json_t *msgs = json_deep_copy(pf->messages);
  if (msgs && pf->original) json_array_append(msgs, pf->original);
  json_object_set_new(rec, "messages", msgs ? msgs : json_array());
  return rec;
}

static bool push_cont(struct replay *r, struct rp_prefix *pf, unsigned k) {
  if (r->n_cont == r->cap_cont) {
    size_t cap = r->cap_cont ? r->cap_cont * 2 : 16;
    struct rp_cont *v = ds_realloc(r->cont, cap * sizeof *v);
    if (!v) return false;
    r->cont = v;
    r->cap_cont = cap;
  }
  r->cont[r->n_cont++] = (struct rp_cont){pf, k};
  return true;
}

/* Feeds a model turn to the sample's episode. True when the episode goes on (the next turn
 * is queued and res released); false when res is the sample's final result. */
static bool agent_continues(struct replay *r, struct rp_prefix *pf, unsigned k, struct ds_result *res) {
  if (!pf->agents) {
    pf->agents = ds_calloc(r->k, sizeof *pf->agents);
    if (!pf->agents) return false;
    pf->n_agents = r->k;
  }
  struct agent **slot = &pf->agents[k];
  if (!*slot) {
    if (res->status != DS_OK) return false;
    if (!pf->record && !(pf->record = agent_record(pf))) return false;
    struct ds_err e = {0};
    if (agent_new(r->toolsim, pf->record, pf->messages, &r->lim, slot, &e) != DS_OK) {
      ds_logf(&r->p->log, DS_LOG_WARN, "%s: cannot start an agent episode: %s", pf->key, e.msg);
      return false;
    }
  }
  const json_t *next = NULL;
  if (!agent_feed(*slot, res, &next)) return false;
  if (!push_cont(r, pf, k)) {
    /* out of memory: end the episode here; what it did so far is stored */
    ds_free(res->finish_reason);
    res->finish_reason = ds_strdup("error");
    return false;
  }
  if (res->completion_tokens > 0) r->pr.completion_tokens += (uint64_t)res->completion_tokens;
  ds_result_release(res);
  return true;
}

/* Submits the next model turn of waiting episodes. DS_E_LIMIT when the backend is full. */
static enum ds_status submit_cont(struct replay *r, struct ds_err *err) {
  while (r->n_cont) {
    if (ds_backend_in_flight(r->backend) >= r->capacity) return DS_E_LIMIT;
    struct rp_cont c = r->cont[r->n_cont - 1];
    struct agent *a = c.pf->agents[c.k];
    struct ds_request req;
    ds_request_init(&req);
    req.id = ((uint64_t)c.pf->id << 32) | c.k;
    req.key = c.pf->key;
    req.k = c.k;
    req.messages = agent_messages(a);
    req.tools = c.pf->tools;
    req.temperature = r->temperature;
    req.top_p = r->top_p;
    req.max_tokens = r->max_tokens;
    /* each turn of an episode gets its own seed, derived from the sample's */
    req.seed = (ds_replay_sample_seed(r->seed, c.pf->key, c.k) + (int64_t)agent_steps(a)) & 0x7fffffff;
    req.ud = c.pf;
    enum ds_status st = ds_backend_submit(r->backend, &req, err);
    if (st) return st;
    r->calls++;
    r->n_cont--;
  }
  return DS_OK;
}

/* The backend's done callback: results wait in r->done for the poll's commit. */
static void on_done(void *ud, struct ds_result *res) {
  struct replay *r = ud;
  struct rp_prefix *pf = res->ud;
  unsigned k = (unsigned)(res->id & 0xffffffffu);
  if (r->agentic && agent_continues(r, pf, k, res)) return;
  if (rp_push_done(r, pf, k, ds_replay_sample_seed(r->seed, pf->key, k), res) != DS_OK) {
    /* out of memory: the sample stays pending and is generated again on resume */
    ds_result_release(res);
    pf->outstanding--;
    pf->unhanded--;
  }
}

/* "original" backend: the corpus's own assistant message becomes sample 0. */
static void original_result(struct rp_prefix *pf, struct ds_result *res) {
  memset(res, 0, sizeof *res);
  res->status = DS_OK;
  const json_t *o = pf->original;
  const char *c = ds_json_str(o, "content", NULL);
  const json_t *cj = json_object_get(o, "content");
  if (c) res->content = ds_strdup(c);
  else if (cj && !json_is_null(cj)) res->content = ds_json_compact(cj); /* content parts */
  const char *rs = ds_json_str(o, "reasoning_content", ds_json_str(o, "reasoning", NULL));
  if (rs) res->reasoning = ds_strdup(rs);
  const json_t *tc = json_object_get(o, "tool_calls");
  if (json_is_array(tc) && json_array_size(tc)) res->tool_calls = json_deep_copy(tc);
  const char *fr = ds_json_str(o, "finish_reason", NULL);
  if (fr) res->finish_reason = ds_strdup(fr);
  res->attempts = 0;
}

/* Submits one sample of the queue's first prefix with work. Returns DS_E_NOTFOUND when no
 * work is left, DS_E_LIMIT when the backend is full. */
static enum ds_status submit_next(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  /* prefixes only ever run out of work, so the first one with work moves forward */
  struct rp_prefix *pf = r->q_work;
  while (pf && (pf->next >= pf->n_todo || pf->skip_reason)) pf = pf->next_q;
  r->q_work = pf;
  if (!pf) {
    if (r->cursor_done) return DS_E_NOTFOUND;
    if ((st = rp_load_pending(r, err))) return st;
    return DS_OK; /* try again with the new batch */
  }
  if (!pf->checked) {
    rp_check_context(r, pf);
    if (pf->skip_reason) {
      r->pr.samples_total -= pf->n_todo;
      if ((st = rp_push_done(r, pf, UINT_MAX, 0, NULL))) return ds_fail(err, st, "out of memory");
      pf->outstanding++;
      pf->unhanded++;
      return DS_OK;
    }
  }
  unsigned k = pf->todo[pf->next];
  int64_t seed = ds_replay_sample_seed(r->seed, pf->key, k);
  if (r->original) {
    struct ds_result res;
    original_result(pf, &res);
    st = rp_push_done(r, pf, k, seed, &res);
    ds_result_release(&res);
    if (st) return ds_fail(err, st, "out of memory");
    pf->next++;
    pf->outstanding++;
    pf->unhanded++;
    return DS_OK;
  }
  /* at most capacity requests in flight, and with the results not yet committed at most
   * WAIT_WINDOWS x capacity, so that requests keep going while the writer commits (larger groups
   * commit cheaper per row) and a kill loses (a resume sends again) at most that many */
  size_t writing = r->writer ? r->writer->n_done : 0;
  unsigned in_flight = ds_backend_in_flight(r->backend);
  if (in_flight >= r->capacity || in_flight + r->n_done + writing >= WAIT_WINDOWS * (size_t)r->capacity)
    return DS_E_LIMIT;
  struct ds_request req;
  ds_request_init(&req);
  req.id = ((uint64_t)pf->id << 32) | k;
  req.key = pf->key;
  req.k = k;
  if (pf->messages_raw) req.messages_json = pf->messages_raw;
  else req.messages = pf->messages;
  req.tools = pf->tools;
  req.temperature = r->temperature;
  req.top_p = r->top_p;
  req.max_tokens = r->max_tokens;
  req.seed = seed;
  req.ud = pf;
  struct ds_err e = {0};
  st = ds_backend_submit(r->backend, &req, &e);
  if (st == DS_E_LIMIT) return st;
  if (st == DS_E_NOMEM) return ds_fail(err, st, "%s", e.msg);
  if (st) {
    /* the backend refused this request (e.g. a message it cannot send): that sample fails
     * with its cause; the run goes on */
    struct ds_result res;
    memset(&res, 0, sizeof res);
    res.status = st;
    snprintf(res.error, sizeof res.error, "%s", e.msg[0] ? e.msg : ds_status_name(st));
    st = rp_push_done(r, pf, k, seed, &res);
    ds_result_release(&res);
    if (st) return ds_fail(err, st, "out of memory");
    pf->next++;
    pf->outstanding++;
    pf->unhanded++;
    return DS_OK;
  }
  r->calls++;
  pf->next++;
  pf->outstanding++;
  pf->unhanded++;
  return DS_OK;
}

enum ds_status rp_sample_loop(struct replay *r, struct ds_err *err) {
  enum ds_status st = DS_OK;
  r->pr.phase = "sampling";
  for (;;) {
    bool no_more = false;
    if (ds_log_cancelled(&r->p->log)) {
      /* keep what already came back; requests still in flight are sent again on resume */
      if ((st = rp_commit_done(r, err))) goto out;
      st = ds_fail(err, DS_E_CANCELLED, "cancelled; resume with --resume");
      break;
    }
    if (r->writer && (st = rp_writer_collect(r, false, err)) && st != DS_E_NOTFOUND) goto out;
    st = DS_OK;
    /* fill the backend (or one commit batch of originals) */
    for (;;) {
      if (r->original && r->n_done >= ORIGINAL_BATCH) break;
      if (r->n_cont) {
        st = submit_cont(r, err);
        if (st == DS_E_LIMIT) {
          st = DS_OK;
          break;
        }
        if (st) goto out;
      }
      st = submit_next(r, err);
      if (st == DS_E_LIMIT) {
        st = DS_OK;
        break;
      }
      if (st == DS_E_NOTFOUND) {
        st = DS_OK;
        no_more = true;
        break;
      }
      if (st) goto out;
    }
    if (r->backend && ds_backend_in_flight(r->backend) > 0) {
      if ((st = ds_backend_poll(r->backend, 50, on_done, r, err))) goto out;
    } else if (r->loading && !r->n_done && !r->n_cont && !r->writer->busy) {
      rp_writer_wait(r, 0.05); /* everything loaded so far is done: wait for the next step */
      if ((st = rp_writer_load_progress(r, err))) goto out;
    }
    unsigned in_flight = r->backend ? ds_backend_in_flight(r->backend) : 0;
    if (r->writer) {
      /* the writer takes a group as soon as it is free; nothing else to do: wait for it */
      if (r->writer->busy && (in_flight == 0 || ds_log_cancelled(&r->p->log))) {
        if ((st = rp_writer_collect(r, true, err))) goto out;
      } else if (r->writer->busy && (st = rp_writer_collect(r, false, err)) && st != DS_E_NOTFOUND) {
        goto out;
      }
      st = DS_OK;
      if (!r->writer->busy && r->n_done &&
          (r->n_done * 4 >= r->capacity || in_flight == 0 || ds_now_mono() - r->first_done_t >= 0.05) &&
          (st = rp_writer_handoff(r, err)))
        goto out;
    } else if (r->n_done && (r->n_done * 2 >= r->capacity || in_flight == 0 ||
                             ds_now_mono() - r->first_done_t >= 0.05 || ds_log_cancelled(&r->p->log))) {
      /* group commit: half the window, 50 ms old, or nothing else to wait for */
      if ((st = rp_commit_done(r, err))) goto out;
    }
    rp_report(r, false);
    if (no_more && in_flight == 0 && r->n_done == 0 && r->n_cont == 0 && (!r->writer || !r->writer->busy)) break;
  }
out:
  return st;
}

