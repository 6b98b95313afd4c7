/* backend.h: one interface through which replay, graders, judges and the tool simulator
 * call any model: an OpenAI-compatible server (openai), llama.cpp in process (llama) or
 * completions produced elsewhere (file). Requests are submitted without blocking and
 * finish through ds_backend_poll; every request ends as exactly one result, DS_OK or an
 * error with its cause. A backend handle is used from one thread. */
#ifndef DEPSIM_BACKEND_H
#define DEPSIM_BACKEND_H

#include <jansson.h>
#include <stdbool.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds_backend;

/* Options; fill with ds_backend_default_params() first, then override. */
struct ds_backend_params {
  /* "openai:http://127.0.0.1:8080/v1?model=NAME[&endpoint=URL2...][&key_env=VAR]",
   * "llama:path/model.gguf?ctx=4096&parallel=8", "file:completions.jsonl". Borrowed
   * during ds_backend_open only. Query parameters override the fields below. */
  const char *spec;
  unsigned max_in_flight;   /* requests in flight at once (openai; llama: parallel slots). The openai
                             * backend finds the level itself (adaptive concurrency) unless its spec
                             * gives max_in_flight=N or in_flight_fixed is set */
  bool in_flight_fixed;     /* max_in_flight is the caller's (a --in-flight on the command line): it
                             * wins over the spec's max_in_flight and turns adaptation off */
  double timeout_s;         /* per-request deadline including retries */
  double attempt_timeout_s; /* one HTTP attempt */
  unsigned max_attempts;    /* retries stop here */
  double backoff_base_s;    /* first retry delay; doubles with jitter */
  double backoff_max_s;
  const char *api_key_env;  /* name of the environment variable holding the API key; NULL: none */
  unsigned context_length;  /* llama: n_ctx (0 = model default capped at 4096) */
  unsigned threads;         /* llama: CPU threads (0 = all cores) */
  struct ds_log log;        /* warnings (an endpoint taken out, a retry), never secrets */
};
DS_API void ds_backend_default_params(struct ds_backend_params *p);

/* One chat completion request. All pointers are borrowed for the duration of
 * ds_backend_submit; the backend copies or serializes what it keeps. */
struct ds_request {
  uint64_t id;              /* the caller's id, echoed in the result */
  const char *key;          /* prefix key "<conv_id>#<cut_index>"; the file backend looks up (key, k) */
  unsigned k;               /* sample index within the prefix (0..K-1) */
  const json_t *messages;   /* array of OpenAI chat messages */
  const char *messages_json;/* or, when messages is NULL: the same array as JSON text (a stored
                             * prefix sent without parsing it; backends that need the structure
                             * get it parsed) */
  const json_t *tools;      /* array of tool schemas, or NULL */
  const json_t *tool_choice;/* or NULL */
  double temperature;       /* < 0: server default */
  double top_p;             /* < 0: server default */
  int max_tokens;           /* <= 0: server default */
  int64_t seed;             /* < 0: none */
  unsigned n;               /* choices; 0 or 1: one */
  const json_t *stop;       /* string or array of strings, or NULL */
  const json_t *extra;      /* object merged into the request body, or NULL */
  /* Requests with the same non-zero affinity go to the same endpoint and, on llama-server, the
   * same slot with the prompt cache on (cache_prompt, id_slot), so that the server reuses the
   * prompt it already processed: send them one after the other (the K samples of a prefix).
   * The binding ends once the request marked affinity_last is done. A new binding may be
   * refused with DS_E_LIMIT while every slot is bound (openai; others ignore affinity). */
  uint64_t affinity;
  bool affinity_last;
  void *ud;                 /* echoed in the result */
};
DS_API void ds_request_init(struct ds_request *r);

/* The outcome of one request. Valid only inside the done callback unless moved out with
 * ds_result_move; strings and JSON are owned by the result. */
struct ds_result {
  uint64_t id;
  const char *key;          /* borrowed copy kept by the backend until the callback returns */
  void *ud;
  enum ds_status status;    /* DS_OK, or the final error (DS_E_NET, DS_E_BACKEND, DS_E_TIMEOUT, ...) */
  char error[256];          /* cause when status != DS_OK: "HTTP 503 after 5 attempts", ... */
  char *content;            /* assistant text (may be "" when only tool calls came back) */
  char *reasoning;          /* reasoning_content when the server sends it, else NULL */
  json_t *tool_calls;       /* array of {"id","name","arguments"} (arguments a JSON string), or NULL */
  json_t *choices;          /* when n > 1: array of {"content","reasoning","tool_calls","finish_reason",
                             * "completion_tokens","prompt_cached"} (the token figures the request's
                             * usage split over its choices: see docs/internals/backend.md) */
  char *finish_reason;      /* "stop", "length", "tool_calls", ... */
  long prompt_tokens, completion_tokens;
  /* prompt tokens the server took from its prompt cache instead of processing them
   * (usage.prompt_tokens_details.cached_tokens, llama-server's timings.cache_n); valid when
   * prompt_cached_known */
  long prompt_cached;
  bool prompt_cached_known;
  double latency_s;         /* submit to completion, including retries */
  unsigned attempts;
  int http_status;          /* last HTTP status (openai), 0 otherwise */
  const char *endpoint;     /* which endpoint answered (openai), borrowed */
};
DS_API void ds_result_release(struct ds_result *r);
/* Moves the owned contents into dst (which the caller later releases); r becomes empty. */
DS_API void ds_result_move(struct ds_result *dst, struct ds_result *r);

typedef void ds_done_fn(void *ud, struct ds_result *res);

DS_API enum ds_status ds_backend_open(const struct ds_backend_params *p, struct ds_backend **out,
                                      struct ds_err *err);
/* Queues a request; never blocks on the network. DS_E_LIMIT when the backend already holds
 * max_in_flight requests: poll first. */
DS_API enum ds_status ds_backend_submit(struct ds_backend *b, const struct ds_request *req,
                                        struct ds_err *err);
/* Drives transfers for up to timeout_ms and calls done once per finished request. */
DS_API enum ds_status ds_backend_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done,
                                      void *ud, struct ds_err *err);
/* How the K samples of one prompt can share its prefill on this backend:
 * CHOICES: one request with n = K (choice i is sampled with seed + i on vLLM and llama-server,
 * so it is the sample a separate request with that seed would give);
 * CACHE: K requests one after the other with the same ds_request.affinity (same endpoint and
 * slot, the server's prompt cache); NONE: independent requests (file, logs, llama in process).
 * The openai backend probes its endpoints on the first call (a 1-token request with n = 2 and
 * llama-server's /props) unless the spec's choices= decides; why (may be NULL) says what it
 * found. */
enum ds_prefill_share { DS_SHARE_NONE = 0, DS_SHARE_CHOICES = 1, DS_SHARE_CACHE = 2 };
DS_API const char *ds_prefill_share_name(enum ds_prefill_share s); /* "none", "choices", "cache" */
DS_API enum ds_prefill_share ds_backend_prefill_share(struct ds_backend *b, char *why, size_t why_len);
DS_API unsigned ds_backend_in_flight(const struct ds_backend *b);
/* Adaptive concurrency (openai): requests in flight allowed now, and why. level changes as the
 * backend learns the server's latency; changes counts the changes so far. */
struct ds_concurrency {
  bool adaptive;
  unsigned level, max;
  uint64_t changes;
  char why[256];
};
DS_API void ds_backend_concurrency(const struct ds_backend *b, struct ds_concurrency *out);
DS_API unsigned ds_backend_capacity(const struct ds_backend *b);
/* The spec with secrets removed, for run databases and reports. Borrowed until close. */
DS_API const char *ds_backend_describe(const struct ds_backend *b);
/* The model's context length in tokens, or 0 when the backend cannot tell. */
DS_API unsigned ds_backend_context_length(const struct ds_backend *b);
/* Tokens the messages take once templated; DS_E_UNSUPPORTED when the backend cannot count. */
DS_API enum ds_status ds_backend_count_tokens(struct ds_backend *b, const json_t *messages,
                                              const json_t *tools, unsigned *out_n, struct ds_err *err);
/* Tokens of a plain text (an answer: no template, no BOS, special tokens not parsed): what a
 * model generating it counts as completion tokens, less its end-of-turn token.
 * DS_E_UNSUPPORTED when the backend cannot count. */
DS_API enum ds_status ds_backend_count_text_tokens(struct ds_backend *b, const char *text, size_t len,
                                                   unsigned *out_n, struct ds_err *err);
/* Without a tokenizer: an estimate of the tokens a chat prompt (messages and tools, canonical
 * or wire form) takes once templated, and of a plain text. The rule, the same for every model
 * (docs/backends.md, "Token counts"): a run of ASCII letters is one token per 4 letters or
 * part, a run of digits one per 3, any other ASCII character but a space one, a space before a
 * word or another space nothing, any other character (a code point) one; a message adds 4
 * (role and separators), the prompt 3 (the assistant's turn opening). Tool schemas count as
 * their JSON text. */
DS_API uint64_t ds_tokens_estimate_text(const char *text, size_t len);
DS_API uint64_t ds_tokens_estimate_messages(const json_t *messages, const json_t *tools);

/* Blocking convenience: submit one request and wait for its result (moved into out). */
DS_API enum ds_status ds_backend_call(struct ds_backend *b, const struct ds_request *req,
                                      struct ds_result *out, struct ds_err *err);
DS_API void ds_backend_close(struct ds_backend *b);

/* ---- batch files: requests run by a batch service (lib/backend/batch.c) -------------------
 * OpenAI's Batch API input (the file vLLM's run_batch reads too): one line per request,
 * {"custom_id":"KEY#K","method":"POST","url":"/v1/chat/completions","body":{...}} with the body
 * the openai backend would send. Anthropic's Message Batches: one {"custom_id","params"} per
 * request (Messages form; max_tokens required: the request's, else 1024). Outputs come back
 * through the file backend ("file:OUTPUT.jsonl"), matched by custom_id. */
enum ds_batch_format { DS_BATCH_OPENAI = 0, DS_BATCH_ANTHROPIC = 1 };
DS_API enum ds_status ds_batch_format_parse(const char *s, enum ds_batch_format *out, struct ds_err *err);
DS_API const char *ds_batch_format_name(enum ds_batch_format f); /* "openai", "anthropic" */
/* The custom_id of sample k of prefix key: "KEY#K"; for Anthropic (which allows
 * [a-zA-Z0-9_-]{1,64}) every other byte and '_' itself become _XX (hex), and an id longer than
 * 64 is DS_E_INVALID. out: at least 1100 bytes. */
DS_API enum ds_status ds_batch_custom_id(enum ds_batch_format f, const char *key, unsigned k, char *out, size_t len,
                                         struct ds_err *err);
/* The batch line (no newline) of req (req->key and req->k name it) asking b's model (an openai
 * backend with model=), ds_malloc'ed into *out. */
DS_API enum ds_status ds_backend_batch_line(struct ds_backend *b, enum ds_batch_format f, const struct ds_request *req,
                                            char **out, struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
