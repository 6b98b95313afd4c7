/* llama_int.h: what the in-process llama backend's parts share: its limits and sampling
 * defaults, a request (job), a decoding slot and context (engine), the backend's state, and the
 * log relay (llama_log.c) that hands llama.cpp's messages from the worker to the caller's log. */
#ifndef DS_BACKEND_LLAMA_INT_H
#define DS_BACKEND_LLAMA_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <llama.h>

#include "backend/backend_ops.h"

#define LLAMA_DEFAULT_PARALLEL 8u   /* slots when neither the spec nor max_in_flight says */
#define LLAMA_DEFAULT_CTX_CAP 4096u  /* per-sequence context when the caller gives none */
#define LLAMA_MAX_TEXT (16u << 20)   /* cap on one completion's text */
#define LLAMA_LOG_QUEUE_MAX 256u     /* llama.cpp messages held for the next poll */
#define LLAMA_MAX_STOPS 16u
#define LLAMA_SMALL_MODEL (64ull << 20) /* contexts=auto: up to this size, one context per thread */

/* Sampling defaults: those of llama-server, so the two answer alike. */
#define LLAMA_DEF_TEMP 0.8f
#define LLAMA_DEF_TOP_P 0.95f
#define LLAMA_DEF_TOP_K 40
#define LLAMA_DEF_MIN_P 0.05f

struct llama_job {
  struct llama_job *next;
  uint64_t id;
  char *key;
  void *ud;
  double t0;                  /* submit time (monotonic) */
  llama_token *prompt;
  int n_prompt;
  int max_tokens;             /* generated tokens allowed (never more than the context holds) */
  float temp, top_p, min_p;
  int top_k;
  uint32_t seed;
  char *stops[LLAMA_MAX_STOPS];
  unsigned n_stops;
  bool parse_tools;           /* tools were offered: a bare JSON call becomes tool_calls */
  /* outcome, written by the worker */
  struct ds_buf text;
  long n_gen;
  enum ds_status status;
  char error[256];
  const char *finish;         /* "stop" / "length" (static strings) */
  double latency_s;
};

struct llama_slot {
  struct llama_job *job;
  struct llama_sampler *smpl;
  int n_fed;                  /* prompt tokens already decoded */
  int n_past;                 /* tokens of this sequence in the KV cache */
  llama_token next;           /* sampled token to decode next step */
  int i_batch;                /* index of its logits in the current batch, or -1 */
};

struct llama_logmsg {
  struct llama_logmsg *next;
  char *text;
};

struct llama_impl;

/* One decoding context: its own KV cache, slots and thread. */
struct llama_engine {
  struct llama_impl *im;
  struct llama_context *ctx;
  struct llama_slot *slots;
  unsigned n_slots;
  pthread_t thread;
  bool started;
};

struct llama_impl {
  struct llama_model *model;
  const struct llama_vocab *vocab;
  char *tmpl;                 /* the model's chat template, NULL: plain transcript fallback */
  unsigned n_slots, n_ctx_seq;  /* slots of all engines together */
  int n_batch;
  struct llama_engine *engines;
  unsigned n_engines;
  struct ds_log log;
  pthread_t owner;            /* the caller's thread: its llama.cpp messages go straight out */
  char last_error[256];       /* last error message llama.cpp logged (for open failures) */

  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  bool stop;
  struct llama_job *pending, *pending_tail;   /* submitted, waiting for a slot */
  struct llama_job *done, *done_tail;         /* finished, waiting for poll */
  unsigned n_in_flight;                       /* caller thread only: submitted - delivered */
  struct llama_logmsg *logq, *logq_tail;
  unsigned n_logq, n_log_dropped;
};

/* llama.cpp's log callback while a backend is open: the caller's thread logs at once, the
 * worker's messages wait in a bounded queue for the next poll (lb_drain_log). */
void lb_log_cb(enum ggml_log_level level, const char *text, void *ud);
/* The callback while no backend is open: llama.cpp says nothing. */
void lb_quiet_cb(enum ggml_log_level level, const char *text, void *ud);
void lb_drain_log(struct llama_impl *im);

#endif
