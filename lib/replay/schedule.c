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
    /* each turn of an episode gets its own seed, derived from the sample's (scheme 2 seeds of
     * a prefix are consecutive: a turn's seed is mixed so it never meets another sample's) */
    int64_t s0 = rp_sample_seed(r, c.pf->key, c.k);
    uint64_t step = agent_steps(a);
    if (r->seed_scheme == 1) req.seed = (s0 + (int64_t)step) & 0x7fffffff;
    else req.seed = step ? (int64_t)(ds_mix64((uint64_t)s0 ^ (step << 32)) & 0x7fffffff) : s0;
    req.ud = c.pf;
    enum ds_status st = ds_backend_submit(r->backend, &req, err);
    if (st) return st;
    r->calls++;
    r->n_cont--;
  }
  return DS_OK;
}

/* A request's id: the prefix id, the first k and how many samples it asks for (n <= 4096). */
static uint64_t request_id(const struct rp_prefix *pf, unsigned k, unsigned n) {
  return ((uint64_t)pf->id << 32) | ((uint64_t)(n - 1) << 20) | k;
}

/* Choice i of a request with n > 1 as the result of its own sample: its text and its share of
 * the request's usage (backend.h). */
static enum ds_status choice_result(const struct ds_result *all, size_t i, struct ds_result *out) {
  memset(out, 0, sizeof *out);
  out->id = all->id;
  out->ud = all->ud;
  out->status = DS_OK;
  out->latency_s = all->latency_s;
  out->attempts = all->attempts;
  out->http_status = all->http_status;
  out->endpoint = all->endpoint;
  out->prompt_tokens = all->prompt_tokens;
  const json_t *c = json_array_get(all->choices, i);
  const char *rs = ds_json_str(c, "reasoning", NULL), *fr = ds_json_str(c, "finish_reason", NULL);
  out->content = ds_strdup(ds_json_str(c, "content", ""));
  out->reasoning = rs ? ds_strdup(rs) : NULL;
  out->finish_reason = fr ? ds_strdup(fr) : NULL;
  const json_t *tc = json_object_get(c, "tool_calls");
  out->tool_calls = json_is_array(tc) ? json_incref((json_t *)tc) : NULL;
  out->completion_tokens = (long)ds_json_num(c, "completion_tokens", 0);
  double cached = ds_json_num(c, "prompt_cached", -1);
  out->prompt_cached_known = cached >= 0;
  out->prompt_cached = cached >= 0 ? (long)cached : 0;
  if (!out->content || (rs && !out->reasoning) || (fr && !out->finish_reason)) return DS_E_NOMEM;
  return DS_OK;
}

static bool push_ready(struct replay *r, struct rp_prefix *pf) {
  if (r->n_ready == r->cap_ready) {
    size_t cap = r->cap_ready ? r->cap_ready * 2 : 64;
    struct rp_prefix **v = ds_realloc(r->ready, cap * sizeof *v);
    if (!v) return false;
    r->ready = v;
    r->cap_ready = cap;
  }
  r->ready[r->n_ready++] = pf;
  return true;
}

/* One sample's result into the commit queue; out of memory, or absent from the batch output
 * the run resumes with: the sample stays pending and is generated again on resume. */
static void push_sample(struct replay *r, struct rp_prefix *pf, unsigned k, unsigned request_n, struct ds_result *res) {
  /* a batch's output that lacks this sample: it stays pending (a later batch or a live resume) */
  bool missing = r->batch_in && res->status == DS_E_NOTFOUND;
  if (r->batch_in) ++*(missing ? &r->batch_missing : &r->batch_answered);
  if (missing || rp_push_done(r, pf, k, rp_sample_seed(r, pf->key, k), res) != DS_OK) {
    ds_result_release(res);
    pf->outstanding--;
    pf->unhanded--;
    return;
  }
  RP_LAST_DONE(r)->request_n = request_n;
}

/* The backend's done callback: results wait in r->done for the poll's commit. A request with
 * n > 1 becomes its n samples; a chain (share CACHE) sends its next sample from the ready list. */
static void on_done(void *ud, struct ds_result *res) {
  struct replay *r = ud;
  struct rp_prefix *pf = res->ud;
  unsigned k = (unsigned)(res->id & 0xfffffu), n = (unsigned)((res->id >> 20) & 0xfffu) + 1;
  if (r->agentic && agent_continues(r, pf, k, res)) return;
  if (n == 1) {
    push_sample(r, pf, k, 1, res);
  } else {
    size_t got = res->status == DS_OK ? (res->choices ? json_array_size(res->choices) : 1) : 0;
    for (unsigned i = 0; i < n; i++) {
      struct ds_result one;
      if (res->status != DS_OK) { /* the request failed: each of its samples with its cause */
        memset(&one, 0, sizeof one);
        one.status = res->status;
        one.attempts = res->attempts;
        one.latency_s = res->latency_s;
        one.http_status = res->http_status;
        memcpy(one.error, res->error, sizeof one.error);
      } else if (i < got && res->choices) {
        if (choice_result(res, i, &one) != DS_OK) one.status = DS_E_NOMEM;
      } else if (i == 0) { /* one choice: the server ignored n */
        ds_result_move(&one, res);
      } else {
        memset(&one, 0, sizeof one);
        one.status = DS_E_BACKEND;
        snprintf(one.error, sizeof one.error,
                 "the server answered %zu of the %u choices asked for (n); the spec's choices=off sends each sample "
                 "on its own", got, n);
      }
      push_sample(r, pf, k + i, n, &one);
    }
    ds_result_release(res);
  }
  if (r->share == DS_SHARE_CACHE && pf->next < pf->n_todo && !pf->skip_reason && !push_ready(r, pf))
    pf->next = pf->n_todo; /* out of memory: the rest of its samples stay pending until resume */
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

/* Submits the next request of pf: one sample, or with share CHOICES the run of consecutive
 * ks from its next one (n <= 128); with share CACHE bound to the prefix (same endpoint and
 * slot as its other samples). DS_E_LIMIT when the backend is full. */
static enum ds_status submit_request(struct replay *r, struct rp_prefix *pf, struct ds_err *err) {
  unsigned k = pf->todo[pf->next], n = 1;
  if (r->share == DS_SHARE_CHOICES)
    while (pf->next + n < pf->n_todo && n < 128 && pf->todo[pf->next + n] == k + n) n++;
  int64_t seed = rp_sample_seed(r, pf->key, k);
  struct ds_request req;
  ds_request_init(&req);
  req.id = request_id(pf, k, n);
  req.key = pf->key;
  req.k = k;
  req.n = n;
  if (pf->messages_raw) req.messages_json = pf->messages_raw;
  else req.messages = pf->messages;
  req.tools = pf->tools;
  req.temperature = r->temperature;
  req.top_p = r->top_p;
  req.max_tokens = r->max_tokens;
  req.seed = seed;
  req.ud = pf;
  if (r->share == DS_SHARE_CACHE) {
    req.affinity = (uint64_t)pf->id;
    req.affinity_last = pf->next + 1 >= pf->n_todo;
  }
  struct ds_err e = {0};
  enum ds_status st = ds_backend_submit(r->backend, &req, &e);
  if (st == DS_E_LIMIT) return st;
  if (st == DS_E_NOMEM) return ds_fail(err, st, "%s", e.msg);
  pf->next += n;
  pf->outstanding += n;
  pf->unhanded += n;
  if (st) {
    /* the backend refused this request (e.g. a message it cannot send): its samples fail
     * with that cause; the run goes on (a chain goes on with its next sample) */
    enum ds_status refused = st;
    for (unsigned i = 0; i < n; i++) {
      struct ds_result res;
      memset(&res, 0, sizeof res);
      res.status = refused;
      snprintf(res.error, sizeof res.error, "%s", e.msg[0] ? e.msg : ds_status_name(refused));
      st = rp_push_done(r, pf, k + i, rp_sample_seed(r, pf->key, k + i), &res);
      ds_result_release(&res);
      if (st) return ds_fail(err, st, "out of memory");
      RP_LAST_DONE(r)->request_n = n;
    }
    if (r->share == DS_SHARE_CACHE && pf->next < pf->n_todo && !push_ready(r, pf))
      return ds_fail(err, DS_E_NOMEM, "out of memory");
    return DS_OK;
  }
  r->calls++;
  return DS_OK;
}

/* Submits the next request: a chain's next sample, else the first sample(s) of the queue's
 * first prefix not yet started. Returns DS_E_NOTFOUND when no work is left, DS_E_LIMIT when
 * the backend is full. */
static enum ds_status submit_next(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  /* at most capacity requests in flight, and with the results not yet committed at most
   * WAIT_WINDOWS x capacity, so that requests keep going while the writer commits (larger groups
   * commit cheaper per row) and a kill loses (a resume sends again) at most that many */
  bool full = false;
  if (!r->original) {
    size_t writing = r->writer ? r->writer->n_done : 0;
    unsigned in_flight = ds_backend_in_flight(r->backend);
    full = in_flight >= r->capacity || in_flight + r->n_done + writing >= WAIT_WINDOWS * (size_t)r->capacity;
  }
  if (r->n_ready) {
    if (full) return DS_E_LIMIT;
    struct rp_prefix *pf = r->ready[r->n_ready - 1];
    if ((st = submit_request(r, pf, err))) return st;
    /* taken (a refused request may have put it back on top for its next sample) */
    for (size_t i = r->n_ready; i-- > 0;)
      if (r->ready[i] == pf) {
        memmove(&r->ready[i], &r->ready[i + 1], (r->n_ready - i - 1) * sizeof *r->ready);
        r->n_ready--;
        break;
      }
    return DS_OK;
  }
  /* prefixes only ever run out of work, so the first one with work moves forward (a started
   * chain goes on through the ready list) */
  struct rp_prefix *pf = r->q_work;
  while (pf && (pf->next >= pf->n_todo || pf->skip_reason || (r->share == DS_SHARE_CACHE && pf->next > 0)))
    pf = pf->next_q;
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
  if (r->original) {
    unsigned k = pf->todo[pf->next];
    struct ds_result res;
    original_result(pf, &res);
    st = rp_push_done(r, pf, k, rp_sample_seed(r, pf->key, k), &res);
    ds_result_release(&res);
    if (st) return ds_fail(err, st, "out of memory");
    pf->next++;
    pf->outstanding++;
    pf->unhanded++;
    return DS_OK;
  }
  if (full) return DS_E_LIMIT;
  return submit_request(r, pf, err);
}

/* Notes the backend's concurrency level when it changed (adaptive concurrency): an event with
 * the level and why, written with the next commit group; at most one every 2 s, backing off
 * (429/503) always. */
static void note_concurrency(struct replay *r) {
  r->capacity = ds_backend_capacity(r->backend);
  if (!r->capacity) r->capacity = 1;
  struct ds_concurrency c;
  ds_backend_concurrency(r->backend, &c);
  if (!c.adaptive || c.changes == r->conc_changes) return;
  double now = ds_now_mono();
  bool backoff = strstr(c.why, "overloaded") != NULL;
  if (!backoff && now - r->conc_noted_t < 2.0) return;
  r->conc_changes = c.changes;
  r->conc_noted_t = now;
  json_t *d = json_pack("{s:i,s:i,s:s}", "level", (int)c.level, "max", (int)c.max, "why", c.why);
  char *text = d ? ds_json_compact(d) : NULL;
  json_decref(d);
  if (text && r->events) json_array_append_new(r->events, json_pack("[s,s]", "in_flight", text));
  ds_free(text);
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
      note_concurrency(r);
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

