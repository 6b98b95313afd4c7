/* queue.c: the prefixes replay holds in memory: their allocation, the context-length check
 * (skip or trim), and the work queue that takes pending prefixes from the database (the
 * cursor, from the watermark on) or from loading's hand-over, in id order. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "replay/replay_int.h"

void rp_prefix_free(struct rp_prefix *pf) {
  if (!pf) return;
  ds_free(pf->key);
  ds_free(pf->messages_raw);
  json_decref(pf->messages);
  json_decref(pf->tools);
  json_decref(pf->original);
  json_decref(pf->repo);
  json_decref(pf->segment);
  json_decref(pf->record);
  for (unsigned k = 0; k < pf->n_agents; k++) agent_free(pf->agents[k]);
  ds_free(pf->agents);
  ds_free(pf->todo);
  ds_free(pf->fail_cause);
  ds_free(pf);
}

void rp_prefix_list_free(struct rp_prefix *pf) {
  while (pf) {
    struct rp_prefix *n = pf->next_q;
    rp_prefix_free(pf);
    pf = n;
  }
}

/* A pending prefix as the queue holds it: key "conv#cut", its stored messages text (kept
 * unless NULL), tools and repository parsed, and room for its K ks to do. NULL when out of
 * memory. */
struct rp_prefix *rp_prefix_new(int64_t id, const char *conv, int64_t cut, const char *messages, size_t messages_len,
                                const char *tools, const char *repo, unsigned k) {
  struct rp_prefix *pf = ds_calloc(1, sizeof *pf);
  if (!pf) return NULL;
  pf->id = id;
  pf->prompt_tokens = -1;
  pf->fail_k = UINT_MAX;
  char num[24];
  int nl = snprintf(num, sizeof num, "#%lld", (long long)cut);
  size_t cl = strlen(conv);
  if ((pf->key = ds_malloc(cl + (size_t)nl + 1))) {
    memcpy(pf->key, conv, cl);
    memcpy(pf->key + cl, num, (size_t)nl + 1);
  }
  if (messages) pf->messages_raw = ds_strndup(messages, messages_len);
  pf->tools = tools ? json_loads(tools, 0, NULL) : NULL;
  pf->repo = repo ? json_loads(repo, 0, NULL) : NULL;
  pf->todo = ds_calloc(k ? k : 1, sizeof *pf->todo);
  if (!pf->key || (messages && !pf->messages_raw) || !pf->todo) {
    rp_prefix_free(pf);
    return NULL;
  }
  return pf;
}

/* ---------- context length ---------- */

/* The prefix's messages, parsed on first use (NULL when the stored text is not an array). */
json_t *rp_prefix_messages(struct rp_prefix *pf) {
  if (!pf->messages && pf->messages_raw) {
    pf->messages = json_loads(pf->messages_raw, 0, NULL);
    if (!json_is_array(pf->messages)) {
      json_decref(pf->messages);
      pf->messages = NULL;
    }
  }
  return pf->messages;
}

/* Compact JSON bytes of the prefix's messages and tools (the stored text is compact JSON). */
static size_t json_bytes(struct rp_prefix *pf) {
  char *a = pf->messages_raw ? NULL : ds_json_compact(pf->messages);
  char *b = pf->tools ? ds_json_compact(pf->tools) : NULL;
  size_t n = (pf->messages_raw ? strlen(pf->messages_raw) : a ? strlen(a) : 0) + (b ? strlen(b) : 0);
  ds_free(a);
  ds_free(b);
  return n;
}

/* conservative: JSON bytes (syntax included) / 3.5, rounded up */
static unsigned estimate_tokens(struct rp_prefix *pf) { return (unsigned)ceil((double)json_bytes(pf) / 3.5); }

static long count_tokens(struct replay *r, struct rp_prefix *pf) {
  unsigned n = 0;
  struct ds_err e = {0};
  enum ds_status st = rp_prefix_messages(pf) ? ds_backend_count_tokens(r->backend, pf->messages, pf->tools, &n, &e)
                                          : ds_fail(&e, DS_E_INVALID, "stored messages are not a JSON array");
  if (st == DS_OK) {
    pf->tokens_estimated = false;
    return (long)n;
  }
  if (!r->warned_estimate) {
    r->warned_estimate = true;
    ds_logf(&r->p->log, DS_LOG_WARN, "the backend cannot count tokens (%s); estimating conservatively as bytes/3.5",
            st == DS_E_UNSUPPORTED ? "unsupported" : e.msg);
  }
  pf->tokens_estimated = true;
  return (long)estimate_tokens(pf);
}

/* ds_replay_trim_front (replay.h): --trim-front's step, also what plan --corpus predicts with. */
bool ds_replay_trim_front(json_t *msgs, unsigned *dropped) {
  size_t n = json_array_size(msgs);
  bool removed = false;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(ds_json_str(json_array_get(msgs, i), "role", ""), "system") != 0) {
      json_array_remove(msgs, i);
      (*dropped)++;
      removed = true;
      break;
    }
  }
  if (!removed) return false;
  for (size_t i = 0; i < json_array_size(msgs);) {
    const char *role = ds_json_str(json_array_get(msgs, i), "role", "");
    if (strcmp(role, "system") == 0) {
      i++;
      continue;
    }
    if (strcmp(role, "user") == 0) return true;
    json_array_remove(msgs, i);
    (*dropped)++;
  }
  return false;
}

/* Decides whether pf fits the context: sets pf->skip_reason or trims pf->messages. */
void rp_check_context(struct replay *r, struct rp_prefix *pf) {
  pf->checked = true;
  if (!r->backend || !r->n_ctx) return;
  unsigned reserve = r->max_tokens > 0 ? (unsigned)r->max_tokens : 0;
  /* A token covers at least one byte and the compact JSON of the messages is longer than
   * their templated text, so a prefix whose JSON fits needs no (network) token count. */
  if (json_bytes(pf) + reserve <= r->n_ctx) return;
  long need = count_tokens(r, pf);
  pf->prompt_tokens = need;
  if (need + (long)reserve <= (long)r->n_ctx) return;
  if (!r->trim_front) {
    pf->skip_reason = "context_exceeded";
    return;
  }
  while (need + (long)reserve > (long)r->n_ctx) {
    if (!rp_prefix_messages(pf) || !ds_replay_trim_front(pf->messages, &pf->trimmed)) {
      pf->skip_reason = "context_exceeded";
      return;
    }
    pf->trim_dirty = true;
    ds_free(pf->messages_raw); /* stale: the parsed messages are sent from now on */
    pf->messages_raw = NULL;
    need = count_tokens(r, pf);
    pf->prompt_tokens = need;
  }
}

/* ---------- the work queue ---------- */


/* One stored sample of pf (a row prefix_id, k, status, cause of q). */
static void note_have(struct replay *r, struct rp_prefix *pf, sqlite3_stmt *q) {
  int64_t k = sqlite3_column_int64(q, 1);
  if (k < 0 || k >= (int64_t)r->k) return;
  pf->todo[k] = 1; /* marks k stored; turned into the list of ks to do by load_pending */
  pf->n_stored++;
  if (strcmp((const char *)sqlite3_column_text(q, 2), "ok") == 0) {
    pf->n_ok++;
  } else if ((unsigned)k < pf->fail_k) {
    const char *c = (const char *)sqlite3_column_text(q, 3);
    pf->fail_k = (unsigned)k;
    ds_free(pf->fail_cause);
    pf->fail_cause = ds_strdup(c ? c : "unknown");
  }
}

/* Reads the next batch of pending prefixes after the cursor (in id order up to cursor_max, or
 * in draw order for a sequential run). */
static enum ds_status read_cursor(struct replay *r, struct rp_prefix **out_first, struct rp_prefix **out_last,
                                  unsigned *got, struct ds_err *err) {
  sqlite3_stmt *q = r->q_cursor;
  enum ds_status st = DS_OK;
  int rc;
  sqlite3_reset(q);
  sqlite3_bind_int64(q, 1, r->p->sequential ? r->cursor_draw : r->cursor_id);
  sqlite3_bind_int64(q, 2, r->cursor_max);
  sqlite3_bind_int(q, 3, CURSOR_BATCH);
  struct rp_prefix *first = NULL, *last = NULL;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    ++*got;
    const char *conv = (const char *)sqlite3_column_text(q, 1);
    const char *ms = (const char *)sqlite3_column_text(q, 3);
    const char *ts = (const char *)sqlite3_column_text(q, 4);
    const char *os = (const char *)sqlite3_column_text(q, 5);
    const char *rs = (const char *)sqlite3_column_text(q, 7);
    /* the original only for the "original" backend, the prefix only for a model (its text,
     * parsed only when something needs its structure) */
    struct rp_prefix *pf = rp_prefix_new(sqlite3_column_int64(q, 0), conv ? conv : "", sqlite3_column_int64(q, 2),
                                      r->original ? NULL : ms, ms ? (size_t)sqlite3_column_bytes(q, 3) : 0,
                                      r->original ? NULL : ts, rs, r->k);
    if (!pf) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    r->cursor_id = pf->id;
    pf->draw = sqlite3_column_int64(q, 8);
    r->cursor_draw = pf->draw;
    if (!ms || r->original) pf->messages = json_array();
    else if (r->agentic) rp_prefix_messages(pf);
    pf->original = os && r->original ? json_loads(os, 0, NULL) : NULL;
    pf->trimmed = (unsigned)sqlite3_column_int(q, 6);
    if (r->agentic && sqlite3_column_type(q, 9) == SQLITE_TEXT)
      pf->segment = json_loads((const char *)sqlite3_column_text(q, 9), 0, NULL);
    if (last) last->next_q = pf;
    else first = pf;
    last = pf;
    if (!pf->messages && (r->agentic || !pf->messages_raw || pf->messages_raw[0] != '[')) {
      st = ds_fail(err, DS_E_INVALID, "prefix %lld: stored messages are not a JSON array", (long long)pf->id);
      break;
    }
  }
  if (!st && rc != SQLITE_DONE && rc != SQLITE_ROW) st = rp_db_fail(r->db, err, "reading pending prefixes");
  sqlite3_reset(q);
  if (!st && *got < CURSOR_BATCH) r->cursor_read = true;
  /* which samples each prefix already has: one range query per batch, merged with the list
   * (a sequential run's batch is in draw order, not id order: one query per prefix) */
  if (!st && first && r->p->sequential) {
    for (struct rp_prefix *pf = first; pf && !st; pf = pf->next_q) {
      sqlite3_reset(r->q_have);
      sqlite3_bind_int64(r->q_have, 1, pf->id);
      sqlite3_bind_int64(r->q_have, 2, pf->id);
      while ((rc = sqlite3_step(r->q_have)) == SQLITE_ROW) note_have(r, pf, r->q_have);
      if (rc != SQLITE_DONE) st = rp_db_fail(r->db, err, "reading stored samples");
    }
    sqlite3_reset(r->q_have);
  } else if (!st && first) {
    sqlite3_reset(r->q_have);
    sqlite3_bind_int64(r->q_have, 1, first->id);
    sqlite3_bind_int64(r->q_have, 2, last->id);
    struct rp_prefix *pf = first;
    while ((rc = sqlite3_step(r->q_have)) == SQLITE_ROW) {
      int64_t id = sqlite3_column_int64(r->q_have, 0);
      while (pf && pf->id < id) pf = pf->next_q;
      if (!pf || pf->id != id) continue;
      note_have(r, pf, r->q_have);
    }
    if (rc != SQLITE_DONE) st = rp_db_fail(r->db, err, "reading stored samples");
    sqlite3_reset(r->q_have);
  }
  *out_first = first;
  *out_last = last;
  return st;
}

/* Takes the next pending prefixes into the queue: from the database up to cursor_max, then
 * (while the writer loads the corpus) those loading hands over. DS_E_LIMIT when none is
 * there yet. */
enum ds_status rp_load_pending(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  unsigned got = 0;
  if ((st = rp_writer_load_progress(r, err))) return st;
  struct rp_prefix *first = NULL, *last = NULL;
  if (!r->cursor_read) {
    st = read_cursor(r, &first, &last, &got, err);
    if (!st && r->cursor_read && !r->writer_loads) r->cursor_done = true;
  } else {
    bool all = false;
    got = rp_take_loaded(r, CURSOR_BATCH, &first, &last, &all);
    if (last) r->cursor_id = last->id;
    if (all) r->cursor_done = true;
    else if (!got) return DS_E_LIMIT; /* nothing loaded beyond the cursor yet: later */
  }
  if (st) {
    rp_prefix_list_free(first);
    return st;
  }
  for (struct rp_prefix *pf = first; pf; pf = pf->next_q) {
    unsigned n = 0;
    for (unsigned k = 0; k < r->k; k++)
      if (!pf->todo[k]) pf->todo[n++] = k;
    pf->n_todo = n;
    for (unsigned k = n; k < r->k; k++) pf->todo[k] = 0;
  }
  if (first) {
    if (r->q_tail) r->q_tail->next_q = first;
    else r->q_head = first;
    r->q_tail = last;
    if (!r->q_work) r->q_work = first;
  }
  /* a prefix with all K samples stored but still pending (killed between the two) is
   * finalized with the next commit */
  for (struct rp_prefix *pf = first; pf; pf = pf->next_q) {
    if (pf->n_todo == 0) {
      pf->checked = true;
      if (rp_push_done(r, pf, UINT_MAX, 0, NULL)) return ds_fail(err, DS_E_NOMEM, "out of memory");
      pf->outstanding++;
      pf->unhanded++;
    }
  }
  return DS_OK;
}

enum ds_status rp_push_done(struct replay *r, struct rp_prefix *pf, unsigned k, int64_t seed,
                            struct ds_result *res) {
  if (r->n_done == r->cap_done) {
    size_t cap = r->cap_done ? r->cap_done * 2 : 64;
    struct rp_done *d = ds_realloc(r->done, cap * sizeof *d);
    if (!d) return DS_E_NOMEM;
    r->done = d;
    r->cap_done = cap;
  }
  if (r->n_done == 0) r->first_done_t = ds_now_mono();
  struct rp_done *d = &r->done[r->n_done++];
  memset(d, 0, sizeof *d);
  d->pf = pf;
  d->k = k;
  d->seed = seed;
  d->request_n = 1;
  if (res) ds_result_move(&d->res, res);
  return DS_OK;
}

