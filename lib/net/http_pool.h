/* http_pool.h: many HTTP POSTs in flight over libcurl's multi interface, with keep-alive
 * connection reuse, several endpoints balanced by least outstanding requests, retries with
 * exponential backoff, jitter and Retry-After, deadlines, and a circuit breaker. Internal. */
#ifndef DS_NET_HTTP_POOL_H
#define DS_NET_HTTP_POOL_H

#include "base/base.h"
#include "net/limit.h"

struct http_pool;

struct http_pool_params {
  unsigned max_in_flight;      /* requests held at once (submit fails past it) */
  bool adaptive;               /* attempts in flight found by net_limit (limit.h), at most
                                  max_in_flight; else max_in_flight of them at once */
  unsigned start_in_flight;    /* adaptive: where it starts (0: 4) */
  double timeout_s;            /* per-request deadline, retries included */
  double attempt_timeout_s;    /* one attempt */
  unsigned max_attempts;       /* >= 1 */
  double backoff_base_s;       /* first retry delay; doubles per attempt, with jitter */
  double backoff_max_s;        /* cap of one delay (Retry-After may exceed it) */
  unsigned breaker_failures;   /* consecutive failures that take an endpoint out (0: 3) */
  double breaker_cooldown_s;   /* first time out before a probe (0: 2 s); doubles up to 60 s */
  const char *bearer;          /* API key or NULL: sent as "Authorization: Bearer"; copied,
                                  scrubbed from every error text, never logged */
  size_t max_body;             /* response size cap (0: 64 MiB) */
  struct ds_log log;           /* endpoint out/in, retries (never secrets) */
  void (*drop)(void *req_ud);  /* frees a request's ud when the pool is freed with it in flight */
};

/* Called for every 2xx response: DS_OK accepts it; otherwise why says what is wrong and
 * *retry whether another attempt may help (a malformed body) or not (an error object). */
typedef enum ds_status http_check_fn(void *req_ud, int http_status, const char *content_type,
                                     const char *body, size_t len, bool *retry, char *why,
                                     size_t why_len);

/* The end of one request, passed to the done callback (borrowed during the call). */
struct http_outcome {
  void *req_ud;
  enum ds_status status;  /* DS_OK, DS_E_NET, DS_E_BACKEND, DS_E_TIMEOUT, DS_E_PARSE, ... */
  char error[256];        /* cause when status != DS_OK */
  int http_status;        /* last HTTP status, 0 when none came */
  unsigned attempts;
  double latency_s;       /* submit to end */
  const char *endpoint;   /* base URL of the last attempt (no user info), or NULL */
  int endpoint_index;     /* its index in the pool's endpoints, -1 when none */
};
typedef void http_done_fn(void *ud, struct http_outcome *o);

/* endpoints: base URLs ("http://h:8080/v1"), copied. */
enum ds_status http_pool_new(const struct http_pool_params *p, const char *const *endpoints, size_t n,
                             http_check_fn *check, struct http_pool **out, struct ds_err *err);
/* Queues a POST of body (taken: ds_malloc'ed, freed by the pool) to <endpoint><path>. */
enum ds_status http_pool_submit(struct http_pool *hp, const char *path, char *body, size_t len,
                                void *req_ud, struct ds_err *err);
/* The same to endpoint ep only (-1: any), every attempt and retry included: a request whose
 * body names the endpoint's state (a llama-server slot) must not go elsewhere. */
enum ds_status http_pool_submit_to(struct http_pool *hp, int ep, const char *path, char *body, size_t len,
                                   void *req_ud, struct ds_err *err);
/* Drives transfers up to timeout_ms, returning early once a request finished; calls done
 * once per finished request. */
enum ds_status http_pool_poll(struct http_pool *hp, int timeout_ms, http_done_fn *done, void *ud,
                              struct ds_err *err);
unsigned http_pool_in_flight(const struct http_pool *hp);
/* Requests worth holding now: max_in_flight, or with adaptive concurrency the level plus a
 * little to start the moment an attempt ends. */
unsigned http_pool_capacity(const struct http_pool *hp);
/* The concurrency limiter (level, changes, why), borrowed until free. */
const struct net_limit *http_pool_limiter(const struct http_pool *hp);
size_t http_pool_n_endpoints(const struct http_pool *hp);
/* Base URL of endpoint i without user info (borrowed until free). */
const char *http_pool_endpoint(const struct http_pool *hp, size_t i);
/* One blocking request outside the pool (server metadata): GET when body is NULL, else POST.
 * url is absolute. The response body goes to out (reset first). */
enum ds_status http_pool_fetch(struct http_pool *hp, const char *url, const char *body, double timeout_s,
                               long *out_status, struct ds_buf *out, struct ds_err *err);
/* Frees everything; requests still in flight are dropped without callbacks. */
void http_pool_free(struct http_pool *hp);

/* Replaces every piece of secret in s (NUL-terminated, in place) by "***": any run of at least
 * HTTP_SCRUB_MIN_RUN characters (the whole secret when it is shorter) that occurs anywhere in
 * the secret, so that a key cut by a length limit or quoted in part is masked too. */
#define HTTP_SCRUB_MIN_RUN 8
void http_scrub(char *s, size_t cap, const char *secret);
/* Up to cap - 1 bytes of a response body for an error text, newlines as spaces, with every
 * piece of secret masked before the cut (masking after it would leave the part of a long key
 * that fits). */
void http_excerpt_scrubbed(char *dst, size_t cap, const char *body, size_t len, const char *secret);

#endif
