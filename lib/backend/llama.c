/* llama.c: the `llama` backend: a GGUF model run in process by llama.cpp. A worker thread
 * decodes every active request together in one llama_batch (continuous batching: requests
 * join and leave between steps); submit tokenizes and queues, poll hands results back.
 * `contexts=N` runs N such workers, each with its own llama_context (KV cache), its share of
 * the slots and of the threads, all taking requests from one queue: for small models, whose
 * decode is attention and per-step overhead rather than weight reads, independent contexts
 * on separate cores beat one context whose threads meet at a barrier after every op. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <llama.h>

#include "backend/llama_int.h"
#include "backend/llama_prompt.h"

/* ---- results ------------------------------------------------------------------------- */

/* Replaces invalid UTF-8 (a byte token cut mid-character, a random model) with U+FFFD. */
static enum ds_status utf8_clean(struct ds_buf *b) {
  size_t ok = ds_utf8_check(b->data, b->len);
  if (ok == b->len) return DS_OK;
  struct ds_buf o;
  ds_buf_init(&o, 0);
  const char *p = b->data;
  size_t len = b->len;
  while (len) {
    ok = ds_utf8_check(p, len);
    if (ds_buf_add(&o, p, ok)) goto nomem;
    if (ok == len) break;
    if (ds_buf_adds(&o, "\xEF\xBF\xBD")) goto nomem;
    p += ok + 1;
    len -= ok + 1;
  }
  ds_buf_release(b);
  *b = o;
  return DS_OK;
nomem:
  ds_buf_release(&o);
  return DS_E_NOMEM;
}

/* When tools were offered and the whole answer is one {"name":..,"arguments":..} object,
 * it becomes a tool call (the only format the tools prompt asks for). */
static json_t *parse_tool_call(const struct llama_job *j) {
  const char *s = j->text.data;
  size_t len = j->text.len;
  while (len && strchr(" \t\r\n", *s)) s++, len--;
  while (len && strchr(" \t\r\n", s[len - 1])) len--;
  if (len < 2 || s[0] != '{' || s[len - 1] != '}') return NULL;
  json_t *v = json_loadb(s, len, 0, NULL);
  json_t *out = NULL;
  const json_t *name = json_object_get(v, "name");
  const json_t *args = json_object_get(v, "arguments");
  if (json_is_string(name) && (json_is_object(args) || json_is_string(args))) {
    char *a = json_is_string(args) ? ds_strdup(json_string_value(args)) : ds_json_compact(args);
    char id[48];
    snprintf(id, sizeof id, "call_%llu_0", (unsigned long long)j->id);
    json_t *call = a ? json_pack("{s:s, s:O, s:s}", "id", id, "name", name, "arguments", a) : NULL;
    ds_free(a);
    if (call && !(out = json_array())) json_decref(call);
    else if (call) json_array_append_new(out, call);
  }
  json_decref(v);
  return out;
}

static void job_free(struct llama_job *j) {
  if (!j) return;
  ds_free(j->key);
  ds_free(j->prompt);
  for (unsigned i = 0; i < j->n_stops; i++) ds_free(j->stops[i]);
  ds_buf_release(&j->text);
  ds_free(j);
}

static void job_list_free(struct llama_job *j) {
  while (j) {
    struct llama_job *nx = j->next;
    job_free(j);
    j = nx;
  }
}

/* ---- the worker ---------------------------------------------------------------------- */

static void push_done(struct llama_impl *im, struct llama_job *j) {
  j->latency_s = ds_now_mono() - j->t0;
  j->next = NULL;
  pthread_mutex_lock(&im->mu);
  if (im->done_tail) im->done_tail->next = j;
  else im->done = j;
  im->done_tail = j;
  pthread_cond_signal(&im->cv_done);
  pthread_mutex_unlock(&im->mu);
}

static void slot_finish(struct llama_engine *e, struct llama_slot *s, const char *finish) {
  struct llama_job *j = s->job;
  llama_memory_seq_rm(llama_get_memory(e->ctx), (llama_seq_id)(s - e->slots), -1, -1);
  llama_sampler_free(s->smpl);
  s->smpl = NULL;
  s->job = NULL;
  j->finish = finish;
  push_done(e->im, j);
}

static void slot_fail(struct llama_engine *e, struct llama_slot *s, enum ds_status st, const char *why) {
  s->job->status = st;
  snprintf(s->job->error, sizeof s->job->error, "%s", why);
  slot_finish(e, s, NULL);
}

static struct llama_sampler *make_sampler(const struct llama_job *j) {
  struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
  cp.no_perf = true;
  struct llama_sampler *c = llama_sampler_chain_init(cp);
  if (!c) return NULL;
  if (j->temp <= 0.0f) {
    llama_sampler_chain_add(c, llama_sampler_init_greedy());
    return c;
  }
  if (j->top_k > 0) llama_sampler_chain_add(c, llama_sampler_init_top_k(j->top_k));
  if (j->top_p < 1.0f) llama_sampler_chain_add(c, llama_sampler_init_top_p(j->top_p, 1));
  if (j->min_p > 0.0f) llama_sampler_chain_add(c, llama_sampler_init_min_p(j->min_p, 1));
  llama_sampler_chain_add(c, llama_sampler_init_temp(j->temp));
  llama_sampler_chain_add(c, llama_sampler_init_dist(j->seed));
  return c;
}

/* A sampled token: ends the sequence (end of generation, stop string, max_tokens, context
 * full) or becomes the next token to decode. */
static void slot_accept(struct llama_engine *e, struct llama_slot *s, llama_token tok) {
  const struct llama_impl *im = e->im;
  struct llama_job *j = s->job;
  j->n_gen++;
  if (llama_vocab_is_eog(im->vocab, tok)) {
    slot_finish(e, s, "stop");
    return;
  }
  char piece[256];
  int n = llama_token_to_piece(im->vocab, tok, piece, sizeof piece, 0, false);
  if (n < 0) n = 0; /* a piece longer than 256 bytes does not exist in practice; dropped */
  int kept = 0;      /* NUL bytes (<0x00> byte tokens) would end the C string: left out */
  for (int i = 0; i < n; i++)
    if (piece[i]) piece[kept++] = piece[i];
  size_t before = j->text.len;
  if (ds_buf_add(&j->text, piece, (size_t)kept)) {
    slot_fail(e, s, DS_E_LIMIT, "completion text exceeds 16 MiB");
    return;
  }
  for (unsigned i = 0; i < j->n_stops; i++) {
    size_t sl = strlen(j->stops[i]);
    size_t from = before + 1 > sl ? before + 1 - sl : 0; /* a match must end in the new piece */
    char *hit = memmem(j->text.data + from, j->text.len - from, j->stops[i], sl);
    if (hit) {
      j->text.len = (size_t)(hit - j->text.data);
      j->text.data[j->text.len] = '\0';
      slot_finish(e, s, "stop");
      return;
    }
  }
  if (j->n_gen >= j->max_tokens || s->n_past + 1 >= (int)im->n_ctx_seq) {
    slot_finish(e, s, "length");
    return;
  }
  s->next = tok;
}

static void *worker_main(void *arg) {
  struct llama_engine *e = arg;
  struct llama_impl *im = e->im;
  struct llama_batch batch = llama_batch_init(im->n_batch, 0, 1);
  unsigned rr = 0; /* round-robin start for prompt chunks, so no prompt waits forever */
  for (;;) {
    pthread_mutex_lock(&im->mu);
    for (;;) {
      bool active = false;
      for (unsigned i = 0; i < e->n_slots; i++) active |= e->slots[i].job != NULL;
      if (im->stop || active || im->pending) break;
      pthread_cond_wait(&im->cv_work, &im->mu);
    }
    if (im->stop) {
      pthread_mutex_unlock(&im->mu);
      break;
    }
    for (unsigned i = 0; i < e->n_slots && im->pending; i++) {
      struct llama_slot *s = &e->slots[i];
      if (s->job) continue;
      s->job = im->pending;
      im->pending = s->job->next;
      if (!im->pending) im->pending_tail = NULL;
      s->job->next = NULL;
      s->smpl = NULL;
      s->n_fed = s->n_past = 0;
    }
    pthread_mutex_unlock(&im->mu);

    /* the batch: one token for every generating sequence, then prompt chunks */
    batch.n_tokens = 0;
    for (unsigned i = 0; i < e->n_slots; i++) {
      struct llama_slot *s = &e->slots[i];
      s->i_batch = -1;
      if (!s->job) continue;
      if (!s->smpl && !(s->smpl = make_sampler(s->job))) {
        slot_fail(e, s, DS_E_NOMEM, "could not create the sampler");
        continue;
      }
      if (s->n_fed < s->job->n_prompt) continue;
      int k = batch.n_tokens++;
      batch.token[k] = s->next;
      batch.pos[k] = s->n_past;
      batch.n_seq_id[k] = 1;
      batch.seq_id[k][0] = (llama_seq_id)i;
      batch.logits[k] = 1;
      s->i_batch = k;
    }
    for (unsigned r = 0; r < e->n_slots && batch.n_tokens < im->n_batch; r++) {
      unsigned i = (rr + r) % e->n_slots;
      struct llama_slot *s = &e->slots[i];
      if (!s->job || s->n_fed >= s->job->n_prompt) continue;
      int chunk = s->job->n_prompt - s->n_fed;
      if (chunk > im->n_batch - batch.n_tokens) chunk = im->n_batch - batch.n_tokens;
      for (int t = 0; t < chunk; t++) {
        int k = batch.n_tokens++;
        batch.token[k] = s->job->prompt[s->n_fed + t];
        batch.pos[k] = s->n_fed + t;
        batch.n_seq_id[k] = 1;
        batch.seq_id[k][0] = (llama_seq_id)i;
        batch.logits[k] = 0;
      }
      if (s->n_fed + chunk == s->job->n_prompt) {
        batch.logits[batch.n_tokens - 1] = 1;
        s->i_batch = batch.n_tokens - 1;
      }
    }
    rr++;
    if (batch.n_tokens == 0) continue;

    int rc = llama_decode(e->ctx, batch);
    if (rc != 0) {
      char why[96];
      snprintf(why, sizeof why, "llama_decode failed (%d)%s", rc, rc == 1 ? ": no room in the KV cache" : "");
      for (unsigned i = 0; i < e->n_slots; i++)
        if (e->slots[i].job) slot_fail(e, &e->slots[i], DS_E_BACKEND, why);
      continue;
    }
    /* advance positions for what was decoded, then sample */
    for (int k = 0; k < batch.n_tokens; k++) {
      struct llama_slot *s = &e->slots[batch.seq_id[k][0]];
      s->n_past++;
      if (s->n_fed < s->job->n_prompt) s->n_fed++;
    }
    for (unsigned i = 0; i < e->n_slots; i++) {
      struct llama_slot *s = &e->slots[i];
      if (!s->job || s->i_batch < 0) continue;
      llama_token tok = llama_sampler_sample(s->smpl, e->ctx, s->i_batch);
      slot_accept(e, s, tok);
    }
  }
  llama_batch_free(batch);
  return NULL;
}

/* ---- the ops ------------------------------------------------------------------------- */

static enum ds_status spec_uint(const char *rest, const char *key, unsigned lo, unsigned hi, unsigned *out,
                                struct ds_err *err) {
  char *v = backend_spec_param(rest, key, 0);
  if (!v) return DS_OK;
  char *end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  bool bad = errno || end == v || *end || n < lo || n > hi;
  enum ds_status st = bad ? ds_fail(err, DS_E_INVALID, "llama spec: %s=%s must be an integer in %u..%u", key, v, lo, hi)
                          : DS_OK;
  if (!bad) *out = (unsigned)n;
  ds_free(v);
  return st;
}

static void impl_free(struct llama_impl *im) {
  if (!im) return;
  pthread_mutex_lock(&im->mu);
  im->stop = true;
  pthread_cond_broadcast(&im->cv_work);
  pthread_mutex_unlock(&im->mu);
  for (unsigned k = 0; k < im->n_engines; k++)
    if (im->engines[k].started) pthread_join(im->engines[k].thread, NULL);
  for (unsigned k = 0; k < im->n_engines; k++) {
    struct llama_engine *e = &im->engines[k];
    for (unsigned i = 0; e->slots && i < e->n_slots; i++) {
      job_free(e->slots[i].job);
      if (e->slots[i].smpl) llama_sampler_free(e->slots[i].smpl);
    }
    ds_free(e->slots);
    if (e->ctx) llama_free(e->ctx);
  }
  ds_free(im->engines);
  job_list_free(im->pending);
  job_list_free(im->done);
  if (im->model) llama_model_free(im->model);
  lb_drain_log(im);
  ggml_log_callback cur;
  void *cur_ud;
  llama_log_get(&cur, &cur_ud);
  if (cur == lb_log_cb && cur_ud == im) llama_log_set(lb_quiet_cb, NULL);
  ds_free(im->tmpl);
  pthread_mutex_destroy(&im->mu);
  pthread_cond_destroy(&im->cv_work);
  pthread_cond_destroy(&im->cv_done);
  ds_free(im);
}

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;
static void backend_init_once(void) {
  llama_log_set(lb_quiet_cb, NULL);
  llama_backend_init();
}

/* Decides between the model's own template and the plain transcript: a template that
 * llama_chat_apply_template does not know is treated like none (and said once). */
static enum ds_status pick_template(struct llama_impl *im, const char *path, struct ds_err *err) {
  const char *t = llama_model_chat_template(im->model, NULL);
  if (t) {
    struct llama_chat_message probe = {"user", "hi"};
    char buf[1024];
    if (llama_chat_apply_template(t, &probe, 1, true, buf, sizeof buf) >= 0) {
      if (!(im->tmpl = ds_strdup(t))) return ds_fail(err, DS_E_NOMEM, "llama: out of memory");
      ds_logf(&im->log, DS_LOG_DEBUG, "llama: %s: using the model's chat template", path);
      return DS_OK;
    }
    ds_logf(&im->log, DS_LOG_INFO,
            "llama: %s: chat template not supported by llama.cpp's built-in templates; "
            "using a plain \"role: content\" transcript ending with \"assistant:\"", path);
    return DS_OK;
  }
  ds_logf(&im->log, DS_LOG_INFO,
          "llama: %s: the model has no chat template; using a plain \"role: content\" transcript "
          "ending with \"assistant:\"", path);
  return DS_OK;
}

static enum ds_status llama_open(struct ds_backend *b, const char *rest, const struct ds_backend_params *p,
                                 struct ds_err *err) {
  enum ds_status st = DS_OK;
  char *path = NULL;
  struct llama_impl *im = NULL;
  struct ds_buf desc;
  ds_buf_init(&desc, 0);

  if (!(path = backend_spec_path(rest)) || !path[0]) {
    st = ds_fail(err, DS_E_INVALID, "llama spec: no model path (llama:path/model.gguf?ctx=4096&parallel=8)");
    goto out;
  }
  unsigned parallel = p->max_in_flight ? p->max_in_flight : LLAMA_DEFAULT_PARALLEL;
  if (parallel > LLAMA_DEFAULT_PARALLEL) parallel = LLAMA_DEFAULT_PARALLEL;
  unsigned ctx = p->context_length, threads = p->threads, contexts = 1;
  unsigned max_par = (unsigned)llama_max_parallel_sequences();
  char *cv = backend_spec_param(rest, "contexts", 0);
  bool contexts_auto = !cv || strcmp(cv, "auto") == 0;
  ds_free(cv);
  if ((st = spec_uint(rest, "parallel", 1, max_par, &parallel, err)) ||
      (st = spec_uint(rest, "ctx", 16, 1u << 24, &ctx, err)) ||
      (st = spec_uint(rest, "threads", 1, 1024, &threads, err)) ||
      (!contexts_auto && (st = spec_uint(rest, "contexts", 1, 256, &contexts, err))))
    goto out;
  enum llama_flash_attn_type fa = LLAMA_FLASH_ATTN_TYPE_AUTO; /* llama.cpp's default, as llama-server */
  char *fav = backend_spec_param(rest, "flash_attn", 0);
  if (fav) {
    if (!strcmp(fav, "on")) fa = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    else if (!strcmp(fav, "auto")) fa = LLAMA_FLASH_ATTN_TYPE_AUTO;
    else if (strcmp(fav, "off") != 0) st = ds_fail(err, DS_E_INVALID, "llama spec: flash_attn=%s must be on, off or auto", fav);
    ds_free(fav);
    if (st) goto out;
  }
  if (threads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (unsigned)n : 1;
  }
  if (access(path, R_OK) != 0) {
    st = ds_fail(err, DS_E_NOTFOUND, "llama: %s: %s", path, strerror(errno));
    goto out;
  }

  if (!(im = ds_calloc(1, sizeof *im))) {
    st = ds_fail(err, DS_E_NOMEM, "llama: out of memory");
    goto out;
  }
  pthread_mutex_init(&im->mu, NULL);
  pthread_cond_init(&im->cv_work, NULL);
  pthread_cond_init(&im->cv_done, NULL);
  im->log = p->log;
  im->owner = pthread_self();
  pthread_once(&backend_once, backend_init_once);
  llama_log_set(lb_log_cb, im);

  struct llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0; /* CPU build; a GPU build of llama.cpp would offload with -1 */
  im->model = llama_model_load_from_file(path, mp);
  if (!im->model) {
    st = ds_fail(err, DS_E_BACKEND, "llama: %s: cannot load the model%s%s", path, im->last_error[0] ? ": " : "",
                 im->last_error);
    goto out;
  }
  im->vocab = llama_model_get_vocab(im->model);
  if (!llama_model_has_decoder(im->model) || llama_model_has_encoder(im->model)) {
    st = ds_fail(err, DS_E_UNSUPPORTED, "llama: %s: only decoder-only models are supported", path);
    goto out;
  }
  if (ctx == 0) {
    int32_t train = llama_model_n_ctx_train(im->model);
    ctx = train > 0 && (unsigned)train < LLAMA_DEFAULT_CTX_CAP ? (unsigned)train : LLAMA_DEFAULT_CTX_CAP;
  }
  /* auto: a small model decodes faster as one single-threaded context per thread (its steps are
   * attention and overhead, not weight reads; see docs/internals/llama.md); a large one as one
   * context, which reads the weights once per step for all sequences */
  if (contexts_auto) contexts = llama_model_size(im->model) <= LLAMA_SMALL_MODEL ? threads : 1;
  if (contexts > parallel) contexts = parallel; /* a context with no slot would do nothing */
  im->n_slots = parallel;
  im->n_batch = 512;
  im->n_ctx_seq = ctx;
  if (!(im->engines = ds_calloc(contexts, sizeof *im->engines))) {
    st = ds_fail(err, DS_E_NOMEM, "llama: out of memory");
    goto out;
  }
  im->n_engines = contexts;
  for (unsigned k = 0; k < contexts; k++) { /* slots and threads shared out as evenly as they go */
    struct llama_engine *e = &im->engines[k];
    e->im = im;
    e->n_slots = parallel / contexts + (k < parallel % contexts);
    unsigned e_threads = threads / contexts + (k < threads % contexts);
    if (e_threads == 0) e_threads = 1;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = ctx * e->n_slots;        /* ctx is per sequence: each slot gets all of it */
    cp.n_seq_max = e->n_slots;
    cp.kv_unified = false;              /* one KV stream per sequence: no cross-sequence attention work */
    cp.flash_attn_type = fa;
    cp.n_batch = (uint32_t)im->n_batch;
    cp.n_ubatch = (uint32_t)im->n_batch;
    cp.n_threads = (int32_t)e_threads;
    cp.n_threads_batch = (int32_t)e_threads;
    cp.no_perf = true;
    if (!(e->ctx = llama_init_from_model(im->model, cp))) {
      st = ds_fail(err, DS_E_BACKEND, "llama: %s: cannot create a context of %u x %u tokens%s%s", path, e->n_slots, ctx,
                   im->last_error[0] ? ": " : "", im->last_error);
      goto out;
    }
    /* llama.cpp pads the KV cache (to 256 cells); the limit we enforce is the one asked for */
    if (llama_n_ctx_seq(e->ctx) < im->n_ctx_seq) im->n_ctx_seq = llama_n_ctx_seq(e->ctx);
    if (!(e->slots = ds_calloc(e->n_slots, sizeof *e->slots))) {
      st = ds_fail(err, DS_E_NOMEM, "llama: out of memory");
      goto out;
    }
  }
  if ((st = pick_template(im, path, err))) goto out;
  for (unsigned k = 0; k < contexts; k++) {
    if (pthread_create(&im->engines[k].thread, NULL, worker_main, &im->engines[k]) != 0) {
      st = ds_fail(err, DS_E_BACKEND, "llama: cannot start a decoding thread");
      goto out;
    }
    im->engines[k].started = true;
  }
  if (ds_buf_addf(&desc, "llama:%s?ctx=%u&parallel=%u&threads=%u", path, im->n_ctx_seq, parallel, threads) ||
      (contexts > 1 && ds_buf_addf(&desc, "&contexts=%u", contexts))) {
    st = ds_fail(err, DS_E_NOMEM, "llama: out of memory");
    goto out;
  }
  lb_drain_log(im);
  ds_logf(&im->log, DS_LOG_INFO, "llama: %s loaded: %u slots of %u tokens, %u threads, %u context%s", path, parallel,
          im->n_ctx_seq, threads, contexts, contexts == 1 ? "" : "s");
  b->described = ds_buf_detach(&desc, NULL);
  b->capacity = parallel;
  b->impl = im;
  im = NULL;
out:
  impl_free(im);
  ds_buf_release(&desc);
  ds_free(path);
  return st;
}

static enum ds_status llama_submit(struct ds_backend *b, const struct ds_request *req, struct ds_err *err) {
  struct llama_impl *im = b->impl;
  enum ds_status st = DS_OK;
  struct ds_buf prompt;
  ds_buf_init(&prompt, 0);
  struct llama_job *j = NULL;

  if (im->n_in_flight >= im->n_slots) return ds_fail(err, DS_E_LIMIT, "llama: %u requests in flight: poll first", im->n_slots);
  if (req->n > 1) return ds_fail(err, DS_E_UNSUPPORTED, "llama: n > 1 is not supported; submit k samples instead");
  if (!(j = ds_calloc(1, sizeof *j))) return ds_fail(err, DS_E_NOMEM, "llama: out of memory");
  ds_buf_init(&j->text, LLAMA_MAX_TEXT);
  j->id = req->id;
  j->ud = req->ud;
  j->t0 = ds_now_mono();
  if (req->key && !(j->key = ds_strdup(req->key))) {
    st = ds_fail(err, DS_E_NOMEM, "llama: out of memory");
    goto out;
  }
  /* sampling */
  j->temp = req->temperature >= 0 ? (float)req->temperature : LLAMA_DEF_TEMP;
  j->top_p = req->top_p >= 0 ? (float)req->top_p : LLAMA_DEF_TOP_P;
  j->top_k = LLAMA_DEF_TOP_K;
  j->min_p = LLAMA_DEF_MIN_P;
  if (json_is_object(req->extra)) {
    j->top_k = (int)ds_json_num(req->extra, "top_k", j->top_k);
    j->min_p = (float)ds_json_num(req->extra, "min_p", j->min_p);
  }
  if (req->seed >= 0) {
    j->seed = (uint32_t)(req->seed & 0xffffffffu);
  } else { /* no seed: one derived from (key, k), so a rerun gives the same samples */
    uint64_t h = req->key ? ds_hash64(req->key, strlen(req->key)) : ds_mix64(req->id);
    j->seed = (uint32_t)ds_mix64(h ^ ds_mix64(req->k + 1));
  }
  if (j->seed == LLAMA_DEFAULT_SEED) j->seed ^= 1; /* LLAMA_DEFAULT_SEED would mean "random" */
  /* stop strings */
  if (json_is_string(req->stop) && json_string_length(req->stop)) {
    if (!(j->stops[j->n_stops++] = ds_strdup(json_string_value(req->stop)))) goto nomem;
  } else if (json_is_array(req->stop)) {
    size_t i;
    const json_t *s;
    json_array_foreach(req->stop, i, s) {
      if (!json_is_string(s) || !json_string_length(s)) continue;
      if (j->n_stops == LLAMA_MAX_STOPS) {
        st = ds_fail(err, DS_E_LIMIT, "llama: more than %u stop strings", LLAMA_MAX_STOPS);
        goto out;
      }
      if (!(j->stops[j->n_stops++] = ds_strdup(json_string_value(s)))) goto nomem;
    }
  }
  j->parse_tools = json_is_array(req->tools) && json_array_size(req->tools) > 0;
  /* prompt */
  if ((st = lb_render_prompt(im->tmpl, req->messages, req->tools, &prompt, err)) ||
      (st = lb_tokenize(im->vocab, prompt.data, prompt.len, true, &j->prompt, &j->n_prompt, err)))
    goto out;
  if (j->n_prompt == 0) {
    st = ds_fail(err, DS_E_INVALID, "llama: the prompt is empty");
    goto out;
  }
  int room = (int)im->n_ctx_seq - j->n_prompt;
  j->max_tokens = req->max_tokens > 0 && req->max_tokens < room ? req->max_tokens : room;

  im->n_in_flight++;
  if (room < 1) { /* does not fit: an error result for this request, not a failed call */
    j->status = DS_E_CONTEXT;
    snprintf(j->error, sizeof j->error, "prompt of %d tokens does not fit the context of %u tokens", j->n_prompt,
             im->n_ctx_seq);
    push_done(im, j);
  } else {
    pthread_mutex_lock(&im->mu);
    if (im->pending_tail) im->pending_tail->next = j;
    else im->pending = j;
    im->pending_tail = j;
    pthread_cond_broadcast(&im->cv_work); /* any engine with a free slot may take it */
    pthread_mutex_unlock(&im->mu);
  }
  j = NULL;
  goto out;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "llama: out of memory");
out:
  job_free(j);
  ds_buf_release(&prompt);
  return st;
}

static void deliver(struct llama_job *j, ds_done_fn *done, void *ud) {
  struct ds_result r;
  memset(&r, 0, sizeof r);
  r.id = j->id;
  r.key = j->key;
  r.ud = j->ud;
  r.status = j->status;
  r.prompt_tokens = j->n_prompt;
  r.completion_tokens = j->n_gen;
  r.latency_s = j->latency_s;
  r.attempts = 1;
  if (j->status == DS_OK) {
    json_t *calls = j->parse_tools ? parse_tool_call(j) : NULL;
    if (utf8_clean(&j->text)) {
      r.status = DS_E_NOMEM;
      snprintf(r.error, sizeof r.error, "out of memory");
    } else if (calls) {
      r.tool_calls = calls;
      r.content = ds_strdup("");
      r.finish_reason = ds_strdup("tool_calls");
    } else {
      r.content = ds_buf_detach(&j->text, NULL);
      r.finish_reason = ds_strdup(j->finish);
    }
    if (r.status == DS_OK && (!r.content || !r.finish_reason)) {
      ds_result_release(&r);
      r.status = DS_E_NOMEM;
      snprintf(r.error, sizeof r.error, "out of memory");
    }
  } else {
    snprintf(r.error, sizeof r.error, "%s", j->error);
  }
  if (done) done(ud, &r);
  ds_result_release(&r);
}

static enum ds_status llama_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud, struct ds_err *err) {
  DS_UNUSED(err);
  struct llama_impl *im = b->impl;
  pthread_mutex_lock(&im->mu);
  if (!im->done && timeout_ms != 0 && im->n_in_flight > 0) {
    if (timeout_ms < 0) {
      while (!im->done) pthread_cond_wait(&im->cv_done, &im->mu);
    } else {
      struct timespec dl;
      clock_gettime(CLOCK_REALTIME, &dl);
      dl.tv_sec += timeout_ms / 1000;
      dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
      if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
      }
      while (!im->done)
        if (pthread_cond_timedwait(&im->cv_done, &im->mu, &dl) == ETIMEDOUT) break;
    }
  }
  struct llama_job *list = im->done;
  im->done = im->done_tail = NULL;
  pthread_mutex_unlock(&im->mu);
  lb_drain_log(im);
  while (list) {
    struct llama_job *nx = list->next;
    im->n_in_flight--;
    deliver(list, done, ud);
    job_free(list);
    list = nx;
  }
  return DS_OK;
}

static unsigned llama_in_flight(const struct ds_backend *b) {
  const struct llama_impl *im = b->impl;
  return im->n_in_flight;
}

static unsigned llama_context_length(const struct ds_backend *b) {
  const struct llama_impl *im = b->impl;
  return im->n_ctx_seq;
}

static enum ds_status llama_count_tokens(struct ds_backend *b, const json_t *messages, const json_t *tools,
                                         unsigned *out_n, struct ds_err *err) {
  struct llama_impl *im = b->impl;
  struct ds_buf prompt;
  ds_buf_init(&prompt, 0);
  llama_token *toks = NULL;
  int n = 0;
  enum ds_status st = lb_render_prompt(im->tmpl, messages, tools, &prompt, err);
  if (!st) st = lb_tokenize(im->vocab, prompt.data, prompt.len, true, &toks, &n, err);
  if (!st) *out_n = (unsigned)n;
  ds_free(toks);
  ds_buf_release(&prompt);
  return st;
}

static enum ds_status llama_count_text_tokens(struct ds_backend *b, const char *text, size_t len, unsigned *out_n,
                                              struct ds_err *err) {
  struct llama_impl *im = b->impl;
  llama_token *toks = NULL;
  int n = 0;
  enum ds_status st = lb_tokenize(im->vocab, text, len, false, &toks, &n, err);
  if (!st) *out_n = (unsigned)n;
  ds_free(toks);
  return st;
}

static void llama_close(struct ds_backend *b) {
  impl_free(b->impl);
  b->impl = NULL;
}

const struct ds_backend_ops ds_llama_ops = {
    .name = "llama",
    .version = 1,
    .open = llama_open,
    .submit = llama_submit,
    .poll = llama_poll,
    .in_flight = llama_in_flight,
    .context_length = llama_context_length,
    .count_tokens = llama_count_tokens,
    .count_text_tokens = llama_count_text_tokens,
    .close = llama_close,
};
