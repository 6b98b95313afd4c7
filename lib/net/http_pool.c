/* http_pool.c: a pool of HTTP POSTs over one libcurl multi handle (shared keep-alive
 * connections), balanced over endpoints by least outstanding requests, with retries
 * (backoff + jitter, Retry-After), per-request deadlines and a per-endpoint circuit breaker. */
#include <curl/curl.h>
#include <math.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net/http_pool.h"

enum req_state { REQ_WAIT, REQ_ACTIVE, REQ_DONE };

struct endpoint {
  char *base;          /* as given, used for requests */
  char *shown;         /* without user info, for logs and results */
  unsigned outstanding;
  unsigned fails;      /* consecutive failed attempts */
  bool down;           /* circuit open */
  bool probing;        /* half open: one trial attempt in flight */
  double down_until;
  double cooldown;
};

struct hreq {
  void *ud;
  char *path;
  char *body;
  size_t body_len;
  enum req_state state;
  double t_submit, deadline, next_at;
  double t_attempt;    /* start of the current attempt (its latency feeds the limiter) */
  unsigned attempts;
  int ep;              /* endpoint of the current/last attempt, -1 none */
  int pin;             /* the only endpoint it may go to, -1 any */
  CURL *easy;
  char *url;
  struct ds_buf resp;
  char curl_err[CURL_ERROR_SIZE];
  bool too_big;        /* the response passed max_body */
  /* outcome so far */
  enum ds_status st;
  int http_status;
  char error[256];
};

struct http_pool {
  struct http_pool_params p;
  char *bearer;
  http_check_fn *check;
  CURLM *multi;
  struct curl_slist *headers;
  struct endpoint *eps;
  size_t n_eps;
  size_t rr;            /* round-robin start among equally loaded endpoints */
  struct hreq **reqs;   /* live requests */
  size_t n_reqs, cap_reqs;
  CURL **idle;          /* reusable easy handles */
  size_t n_idle;
  uint64_t rng;
  unsigned n_active, n_wait, n_done;
  int epfd;             /* sockets curl asks us to watch (curl_multi_socket_action) */
  unsigned char *fd_state; /* per descriptor: FD_NONE, FD_WANTED, FD_IDLE (still in epfd) */
  size_t n_fd;
  double curl_timer;    /* when curl wants a timeout call; INFINITY: none */
  struct net_limit lim; /* attempts in flight at once (adaptive or fixed) */
};

/* The longest run of s[i..] that is a piece of secret (any offset in it). */
static size_t secret_run(const char *s, const char *secret, size_t sl) {
  size_t best = 0;
  for (size_t j = 0; j + best < sl; j++) {
    size_t n = 0;
    while (s[n] && j + n < sl && s[n] == secret[j + n]) n++;
    if (n > best) best = n;
  }
  return best;
}

void http_scrub(char *s, size_t cap, const char *secret) {
  (void)cap;
  if (!secret || !*secret) return;
  size_t sl = strlen(secret);
  size_t min_run = sl < HTTP_SCRUB_MIN_RUN ? sl : HTTP_SCRUB_MIN_RUN;
  for (char *p = s; *p;) {
    size_t n = secret_run(p, secret, sl);
    if (n < min_run) {
      p++;
      continue;
    }
    size_t tail = strlen(p + n);
    if (n >= 3) {
      memcpy(p, "***", 3);
      memmove(p + 3, p + n, tail + 1);
      p += 3;
    } else { /* growing would need room; blank it instead */
      memset(p, '*', n);
      p += n;
    }
  }
}

void http_excerpt_scrubbed(char *dst, size_t cap, const char *body, size_t len, const char *secret) {
  size_t sl = secret ? strlen(secret) : 0;
  size_t take = len < cap - 1 + sl ? len : cap - 1 + sl;
  char *tmp = ds_malloc(take + 1);
  if (!tmp) {
    dst[0] = '\0';
    return;
  }
  for (size_t i = 0; i < take; i++) tmp[i] = (body[i] == '\n' || body[i] == '\r' || body[i] == '\0') ? ' ' : body[i];
  tmp[take] = '\0';
  http_scrub(tmp, take + 1, secret);
  snprintf(dst, cap, "%s", tmp);
  http_scrub(dst, cap, secret); /* a piece of 8 at the cut */
  explicit_bzero(tmp, take);
  ds_free(tmp);
}

static double rand01(struct http_pool *hp) {
  hp->rng = ds_mix64(hp->rng);
  return (double)(hp->rng >> 11) / 9007199254740992.0;
}

/* "http://user:pw@host/v1" -> "http://host/v1" */
static char *strip_userinfo(const char *url) {
  const char *s = strstr(url, "://");
  const char *host = s ? s + 3 : url;
  const char *slash = strchr(host, '/');
  const char *at = strchr(host, '@');
  if (!at || (slash && at > slash)) return ds_strdup(url);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_add(&b, url, (size_t)(host - url));
  ds_buf_adds(&b, at + 1);
  return ds_buf_detach(&b, NULL);
}

/* curl tells which sockets to watch; we keep them in an epoll set, so each turn of the loop
 * costs the sockets that are ready, not every transfer in flight. A socket curl no longer
 * wants (an idle keep-alive connection) stays registered and is only marked: reusing it is
 * then one EPOLL_CTL_MOD, and a stray event on it removes it for real. */
static bool fd_flag(struct http_pool *hp, curl_socket_t s, int set) {
  if (s < 0) return false;
  if ((size_t)s >= hp->n_fd) {
    if (set < 0) return false;
    size_t n = (size_t)s * 2 + 64;
    unsigned char *nf = ds_realloc(hp->fd_state, n);
    if (!nf) return false;
    memset(nf + hp->n_fd, 0, n - hp->n_fd);
    hp->fd_state = nf;
    hp->n_fd = n;
  }
  if (set >= 0) hp->fd_state[s] = (unsigned char)set;
  return hp->fd_state[s] != 0;
}

enum { FD_NONE = 0, FD_WANTED = 1, FD_IDLE = 2 };

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
  struct http_pool *hp = userp;
  if (s < 0) return 0;
  bool registered = (size_t)s < hp->n_fd && hp->fd_state[s] != FD_NONE;
  if (what == CURL_POLL_REMOVE) {
    if (registered) hp->fd_state[s] = FD_IDLE;
    return 0;
  }
  struct epoll_event ev = {0};
  ev.data.fd = s;
  if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
  /* a closed and reused descriptor is gone from the set although marked: fall back */
  if (registered) {
    if (epoll_ctl(hp->epfd, EPOLL_CTL_MOD, s, &ev) != 0) epoll_ctl(hp->epfd, EPOLL_CTL_ADD, s, &ev);
  } else if (epoll_ctl(hp->epfd, EPOLL_CTL_ADD, s, &ev) != 0) {
    epoll_ctl(hp->epfd, EPOLL_CTL_MOD, s, &ev);
  }
  fd_flag(hp, s, FD_WANTED);
  return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
  struct http_pool *hp = userp;
  hp->curl_timer = timeout_ms < 0 ? INFINITY : ds_now_mono() + timeout_ms / 1000.0;
  return 0;
}

enum ds_status http_pool_new(const struct http_pool_params *p, const char *const *endpoints, size_t n,
                             http_check_fn *check, struct http_pool **out, struct ds_err *err) {
  *out = NULL;
  if (n == 0) return ds_fail(err, DS_E_INVALID, "no endpoint");
  struct http_pool *hp = ds_calloc(1, sizeof *hp);
  if (!hp) return ds_fail(err, DS_E_NOMEM, "out of memory");
  hp->p = *p;
  hp->p.bearer = NULL;
  hp->epfd = -1;
  if (!hp->p.max_in_flight) hp->p.max_in_flight = 1;
  if (!hp->p.max_attempts) hp->p.max_attempts = 1;
  if (!hp->p.breaker_failures) hp->p.breaker_failures = 3;
  if (hp->p.breaker_cooldown_s <= 0) hp->p.breaker_cooldown_s = 2;
  if (!hp->p.max_body) hp->p.max_body = (size_t)64 << 20;
  if (hp->p.timeout_s <= 0) hp->p.timeout_s = 600;
  if (hp->p.attempt_timeout_s <= 0) hp->p.attempt_timeout_s = hp->p.timeout_s;
  hp->check = check;
  net_limit_init(&hp->lim, hp->p.adaptive, hp->p.start_in_flight ? hp->p.start_in_flight : 4, hp->p.max_in_flight,
                 ds_now_mono());
  hp->rng = ds_mix64((uint64_t)(ds_now_mono() * 1e9) ^ (uint64_t)(uintptr_t)hp);
  enum ds_status st = DS_OK;
  hp->eps = ds_calloc(n, sizeof *hp->eps);
  if (!hp->eps) goto nomem;
  hp->n_eps = n;
  for (size_t i = 0; i < n; i++) {
    hp->eps[i].base = ds_strdup(endpoints[i]);
    hp->eps[i].shown = strip_userinfo(endpoints[i]);
    hp->eps[i].cooldown = hp->p.breaker_cooldown_s;
    if (!hp->eps[i].base || !hp->eps[i].shown) goto nomem;
  }
  hp->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (hp->epfd < 0) {
    st = ds_fail(err, DS_E_NET, "epoll_create1 failed");
    http_pool_free(hp);
    return st;
  }
  hp->curl_timer = INFINITY;
  hp->multi = curl_multi_init();
  if (!hp->multi) goto nomem;
  curl_multi_setopt(hp->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(hp->multi, CURLMOPT_SOCKETDATA, hp);
  curl_multi_setopt(hp->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(hp->multi, CURLMOPT_TIMERDATA, hp);
  /* keep a connection per request in flight alive between requests */
  curl_multi_setopt(hp->multi, CURLMOPT_MAXCONNECTS, (long)(hp->p.max_in_flight + 4 * n));
  static const char *fixed[] = {"Content-Type: application/json", "Accept: application/json", "Expect:"};
  for (size_t i = 0; i < DS_ARRAY_LEN(fixed); i++) {
    struct curl_slist *h = curl_slist_append(hp->headers, fixed[i]);
    if (!h) goto nomem;
    hp->headers = h;
  }
  if (p->bearer && *p->bearer) {
    hp->bearer = ds_strdup(p->bearer);
    struct ds_buf b;
    ds_buf_init(&b, 0);
    if (!hp->bearer || ds_buf_addf(&b, "Authorization: Bearer %s", p->bearer)) {
      ds_buf_release(&b);
      goto nomem;
    }
    struct curl_slist *h = curl_slist_append(hp->headers, b.data);
    explicit_bzero(b.data, b.len);
    ds_buf_release(&b);
    if (!h) goto nomem;
    hp->headers = h;
  }
  *out = hp;
  return DS_OK;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "out of memory");
  http_pool_free(hp);
  return st;
}

static void req_free(struct http_pool *hp, struct hreq *r) {
  if (!r) return;
  if (r->easy) {
    if (r->state == REQ_ACTIVE) curl_multi_remove_handle(hp->multi, r->easy);
    curl_easy_cleanup(r->easy);
  }
  ds_free(r->path);
  ds_free(r->body);
  ds_free(r->url);
  ds_buf_release(&r->resp);
  ds_free(r);
}

void http_pool_free(struct http_pool *hp) {
  if (!hp) return;
  for (size_t i = 0; i < hp->n_reqs; i++) {
    if (hp->p.drop) hp->p.drop(hp->reqs[i]->ud);
    req_free(hp, hp->reqs[i]);
  }
  ds_free(hp->reqs);
  for (size_t i = 0; i < hp->n_idle; i++) curl_easy_cleanup(hp->idle[i]);
  ds_free(hp->idle);
  if (hp->multi) curl_multi_cleanup(hp->multi);
  if (hp->epfd >= 0) close(hp->epfd);
  ds_free(hp->fd_state);
  curl_slist_free_all(hp->headers);
  for (size_t i = 0; i < hp->n_eps; i++) {
    ds_free(hp->eps[i].base);
    ds_free(hp->eps[i].shown);
  }
  ds_free(hp->eps);
  if (hp->bearer) {
    explicit_bzero(hp->bearer, strlen(hp->bearer));
    ds_free(hp->bearer);
  }
  ds_free(hp);
}

unsigned http_pool_in_flight(const struct http_pool *hp) { return (unsigned)hp->n_reqs; }

unsigned http_pool_capacity(const struct http_pool *hp) {
  if (!hp->lim.adaptive) return hp->p.max_in_flight;
  unsigned extra = hp->lim.level / 4 > 2 ? hp->lim.level / 4 : 2, c = hp->lim.level + extra;
  return c < hp->p.max_in_flight ? c : hp->p.max_in_flight;
}

const struct net_limit *http_pool_limiter(const struct http_pool *hp) { return &hp->lim; }
size_t http_pool_n_endpoints(const struct http_pool *hp) { return hp->n_eps; }
const char *http_pool_endpoint(const struct http_pool *hp, size_t i) {
  return i < hp->n_eps ? hp->eps[i].shown : NULL;
}

enum ds_status http_pool_submit(struct http_pool *hp, const char *path, char *body, size_t len,
                                void *req_ud, struct ds_err *err) {
  return http_pool_submit_to(hp, -1, path, body, len, req_ud, err);
}

enum ds_status http_pool_submit_to(struct http_pool *hp, int ep, const char *path, char *body, size_t len,
                                   void *req_ud, struct ds_err *err) {
  if (ep >= (int)hp->n_eps) {
    ds_free(body);
    return ds_fail(err, DS_E_INVALID, "endpoint %d of %zu", ep, hp->n_eps);
  }
  if (hp->n_reqs >= hp->p.max_in_flight) {
    ds_free(body);
    return ds_fail(err, DS_E_LIMIT, "%u requests in flight; poll first", hp->p.max_in_flight);
  }
  if (hp->n_reqs == hp->cap_reqs) {
    size_t nc = hp->cap_reqs ? hp->cap_reqs * 2 : 64;
    struct hreq **nr = ds_realloc(hp->reqs, nc * sizeof *nr);
    if (!nr) {
      ds_free(body);
      return ds_fail(err, DS_E_NOMEM, "out of memory");
    }
    hp->reqs = nr;
    hp->cap_reqs = nc;
  }
  struct hreq *r = ds_calloc(1, sizeof *r);
  if (!r || !(r->path = ds_strdup(path))) {
    ds_free(r);
    ds_free(body);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  r->ud = req_ud;
  r->body = body;
  r->body_len = len;
  r->state = REQ_WAIT;
  hp->n_wait++;
  r->t_submit = r->next_at = ds_now_mono();
  r->deadline = r->t_submit + hp->p.timeout_s;
  r->ep = -1;
  r->pin = ep;
  ds_buf_init(&r->resp, hp->p.max_body);
  hp->reqs[hp->n_reqs++] = r;
  return DS_OK;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud) {
  struct hreq *r = ud;
  size_t n = size * nmemb;
  if (ds_buf_add(&r->resp, p, n)) { /* over the cap: CURLE_WRITE_ERROR */
    r->too_big = true;
    return 0;
  }
  return n;
}

/* Least outstanding among endpoints that may take a request now; -1 when none can. A
 * half-open endpoint (cool-down over) takes one probe at a time. */
static int pick_endpoint(struct http_pool *hp, double now, int avoid) {
  int best = -1;
  for (size_t j = 0; j < hp->n_eps; j++) {
    size_t i = (hp->rr + j) % hp->n_eps;
    struct endpoint *e = &hp->eps[i];
    if (e->down && (now < e->down_until || e->probing)) continue;
    if (best >= 0) {
      struct endpoint *b = &hp->eps[best];
      bool b_avoid = best == avoid, e_avoid = (int)i == avoid;
      if (e_avoid && !b_avoid) continue;
      if (!(b_avoid && !e_avoid) && e->outstanding >= b->outstanding) continue;
    }
    best = (int)i;
  }
  if (best < 0) {
    /* every endpoint is out: rather than hold requests hostage to the breaker, use the one
     * whose cool-down ends first; each request's own backoff and max_attempts pace it */
    for (size_t i = 0; i < hp->n_eps; i++)
      if (best < 0 || hp->eps[i].down_until < hp->eps[best].down_until) best = (int)i;
  }
  hp->rr = ((size_t)best + 1) % hp->n_eps;
  return best;
}

static double next_endpoint_time(const struct http_pool *hp) {
  double t = INFINITY;
  for (size_t i = 0; i < hp->n_eps; i++)
    if (hp->eps[i].down && !hp->eps[i].probing && hp->eps[i].down_until < t) t = hp->eps[i].down_until;
  return t;
}

static enum ds_status start_attempt(struct http_pool *hp, struct hreq *r, int ep, double now) {
  struct endpoint *e = &hp->eps[ep];
  bool fresh = false;
  if (!r->easy) {
    if (hp->n_idle) {
      r->easy = hp->idle[--hp->n_idle]; /* options that never change are still set */
    } else {
      r->easy = curl_easy_init();
      if (!r->easy) return DS_E_NOMEM;
      fresh = true;
    }
  }
  ds_free(r->url);
  struct ds_buf u;
  ds_buf_init(&u, 0);
  if (ds_buf_addf(&u, "%s%s", e->base, r->path)) {
    ds_buf_release(&u);
    return DS_E_NOMEM;
  }
  r->url = ds_buf_detach(&u, NULL);
  ds_buf_reset(&r->resp);
  r->curl_err[0] = '\0';
  r->too_big = false;
  double left = r->deadline - now;
  double t = hp->p.attempt_timeout_s < left ? hp->p.attempt_timeout_s : left;
  long t_ms = (long)(t * 1000);
  if (t_ms < 1) t_ms = 1;
  CURL *c = r->easy;
  if (fresh) {
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hp->headers);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  }
  curl_easy_setopt(c, CURLOPT_URL, r->url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_PRIVATE, r);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t_ms < 10000 ? t_ms : 10000L);
  if (curl_multi_add_handle(hp->multi, c) != CURLM_OK) return DS_E_NET;
  ds_logf(&hp->p.log, DS_LOG_DEBUG, "attempt %u to %s", r->attempts + 1, e->shown);
  hp->n_wait--;
  r->state = REQ_ACTIVE;
  r->ep = ep;
  r->attempts++;
  r->t_attempt = now;
  e->outstanding++;
  if (e->down) e->probing = true;
  hp->n_active++;
  return DS_OK;
}

static void finish(struct http_pool *hp, struct hreq *r, enum ds_status st, const char *fmt, ...)
    DS_PRINTF(4, 5);
static void finish(struct http_pool *hp, struct hreq *r, enum ds_status st, const char *fmt, ...) {
  r->st = st;
  if (fmt) {
    char tmp[sizeof r->error]; /* the arguments may point into r->error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    memcpy(r->error, tmp, sizeof tmp);
    http_scrub(r->error, sizeof r->error, hp->bearer);
  } else {
    r->error[0] = '\0';
  }
  if (r->state == REQ_WAIT) hp->n_wait--;
  r->state = REQ_DONE;
  hp->n_done++;
}

static void endpoint_result(struct http_pool *hp, int ep, bool ok, double now) {
  struct endpoint *e = &hp->eps[ep];
  if (ok) {
    if (e->down) ds_logf(&hp->p.log, DS_LOG_INFO, "endpoint %s answers again; back in", e->shown);
    e->fails = 0;
    e->down = e->probing = false;
    e->cooldown = hp->p.breaker_cooldown_s;
    return;
  }
  e->fails++;
  if (e->probing) {
    e->probing = false;
    e->cooldown = e->cooldown * 2 < 60 ? e->cooldown * 2 : 60;
    e->down_until = now + e->cooldown;
    ds_logf(&hp->p.log, e->cooldown < 60 ? DS_LOG_WARN : DS_LOG_DEBUG, "endpoint %s: probe failed; out for %.1f s",
            e->shown, e->cooldown);
  } else if (!e->down && e->fails >= hp->p.breaker_failures) {
    e->down = true;
    e->down_until = now + e->cooldown;
    ds_logf(&hp->p.log, DS_LOG_WARN, "endpoint %s: %u failures in a row; taken out for %.1f s", e->shown,
            e->fails, e->cooldown);
  }
}

static bool retryable_http(long code) {
  return code == 408 || code == 409 || code == 425 || code == 429 || code >= 500;
}

/* After a failed attempt: schedule another or finish with the cause. */
static void retry_or_finish(struct http_pool *hp, struct hreq *r, double now, double retry_after) {
  if (r->attempts >= hp->p.max_attempts) {
    finish(hp, r, r->st, "%s after %u attempt%s", r->error, r->attempts, r->attempts == 1 ? "" : "s");
    return;
  }
  double d = hp->p.backoff_base_s * pow(2.0, (double)(r->attempts - 1));
  if (d > hp->p.backoff_max_s) d = hp->p.backoff_max_s;
  d = d * (0.5 + 0.5 * rand01(hp)); /* jitter: spread retries of many requests */
  if (retry_after > d) d = retry_after;
  if (now + d >= r->deadline) {
    finish(hp, r, DS_E_TIMEOUT, "deadline of %.1f s reached after %u attempt%s (last: %s%s)", hp->p.timeout_s,
           r->attempts, r->attempts == 1 ? "" : "s", r->error,
           retry_after > 0 ? "; Retry-After beyond the deadline" : "");
    return;
  }
  ds_logf(&hp->p.log, DS_LOG_DEBUG, "retry %u/%u in %.2f s: %s", r->attempts + 1, hp->p.max_attempts, d, r->error);
  r->state = REQ_WAIT;
  hp->n_wait++;
  r->next_at = now + d;
}

static void on_attempt_done(struct http_pool *hp, struct hreq *r, CURLcode cc, double now) {
  long code = 0;
  char *ctype = NULL;
  curl_off_t ra = -1;
  curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ctype);
  curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra);
  curl_multi_remove_handle(hp->multi, r->easy);
  hp->n_active--;
  struct endpoint *e = &hp->eps[r->ep];
  e->outstanding--;
  r->http_status = (int)code;
  double retry_after = ra > 0 ? (double)ra : 0;
  if (retry_after > 86400) retry_after = 86400;
  if (net_limit_sample(&hp->lim, now, now - r->t_attempt, cc == CURLE_OK ? (int)code : 0, e->shown))
    ds_logf(&hp->p.log, DS_LOG_DEBUG, "%s", hp->lim.why);

  if (cc != CURLE_OK) {
    bool timed_out = cc == CURLE_OPERATION_TIMEDOUT;
    if (cc == CURLE_WRITE_ERROR && r->too_big) {
      finish(hp, r, DS_E_LIMIT, "response from %s larger than %zu bytes", e->shown, r->resp.max);
      return;
    }
    endpoint_result(hp, r->ep, false, now);
    r->st = DS_E_NET;
    http_scrub(r->curl_err, sizeof r->curl_err, hp->bearer);
    snprintf(r->error, sizeof r->error, "%s from %.100s: %.120s", timed_out ? "timeout" : "transport error", e->shown,
             r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc));
    http_scrub(r->error, sizeof r->error, hp->bearer);
    if (timed_out && now >= r->deadline - 0.001) {
      finish(hp, r, DS_E_TIMEOUT, "deadline of %.1f s reached after %u attempt%s (last: %s)", hp->p.timeout_s,
             r->attempts, r->attempts == 1 ? "" : "s", r->error);
      return;
    }
    if (timed_out) r->st = DS_E_TIMEOUT;
    retry_or_finish(hp, r, now, 0);
    return;
  }
  if (code >= 200 && code < 300) {
    endpoint_result(hp, r->ep, true, now);
    bool retry = false;
    char why[200] = "";
    enum ds_status st = hp->check ? hp->check(r->ud, (int)code, ctype, r->resp.data, r->resp.len, &retry,
                                              why, sizeof why)
                                  : DS_OK;
    http_scrub(why, sizeof why, hp->bearer); /* before it is cut to fit the error */
    if (st == DS_OK) {
      finish(hp, r, DS_OK, NULL);
      return;
    }
    r->st = st;
    snprintf(r->error, sizeof r->error, "HTTP %ld from %.100s: %.120s", code, e->shown, why);
    http_scrub(r->error, sizeof r->error, hp->bearer);
    if (!retry) {
      finish(hp, r, st, "%s", r->error);
      return;
    }
    retry_or_finish(hp, r, now, 0);
    return;
  }
  /* an HTTP error status */
  endpoint_result(hp, r->ep, !(code >= 500), now);
  char ex[120];
  http_excerpt_scrubbed(ex, sizeof ex, r->resp.data, r->resp.len, hp->bearer);
  r->st = DS_E_BACKEND;
  snprintf(r->error, sizeof r->error, "HTTP %ld from %.100s%s%.119s", code, e->shown, ex[0] ? ": " : "", ex);
  http_scrub(r->error, sizeof r->error, hp->bearer);
  if (!retryable_http(code)) {
    finish(hp, r, DS_E_BACKEND, "%s", r->error);
    return;
  }
  retry_or_finish(hp, r, now, retry_after);
}

/* Starts waiting requests whose time came; finishes those past their deadline. Returns the
 * earliest time something waiting needs attention. */
static double schedule(struct http_pool *hp, double now) {
  double wake = INFINITY;
  if (hp->n_wait == 0) return wake;
  for (size_t i = 0; i < hp->n_reqs; i++) {
    struct hreq *r = hp->reqs[i];
    if (r->state != REQ_WAIT) continue;
    if (now >= r->deadline) {
      if (r->attempts == 0)
        finish(hp, r, DS_E_TIMEOUT, "deadline of %.1f s reached before any endpoint could take the request",
               hp->p.timeout_s);
      else
        finish(hp, r, DS_E_TIMEOUT, "deadline of %.1f s reached after %u attempt%s (last: %s)", hp->p.timeout_s,
               r->attempts, r->attempts == 1 ? "" : "s", r->error);
      continue;
    }
    if (r->next_at > now) {
      if (r->next_at < wake) wake = r->next_at;
      if (r->deadline < wake) wake = r->deadline;
      continue;
    }
    if (hp->n_active >= hp->lim.level) { /* starts once an attempt ends */
      if (r->deadline < wake) wake = r->deadline;
      continue;
    }
    /* a pinned request waits for its endpoint's cool-down; its own backoff and deadline pace it */
    int ep = r->pin >= 0 ? r->pin : pick_endpoint(hp, now, r->ep);
    if (r->pin >= 0 && hp->eps[ep].down && now < hp->eps[ep].down_until && r->attempts > 0 &&
        hp->eps[ep].down_until < r->deadline) {
      if (hp->eps[ep].down_until < wake) wake = hp->eps[ep].down_until;
      continue;
    }
    if (ep < 0) {
      double t = next_endpoint_time(hp);
      if (t < wake) wake = t;
      if (r->deadline < wake) wake = r->deadline;
      continue;
    }
    enum ds_status st = start_attempt(hp, r, ep, now);
    if (st) finish(hp, r, st, "could not start a transfer to %s", hp->eps[ep].shown);
  }
  return wake;
}

static void drain_messages(struct http_pool *hp) {
  CURLMsg *m;
  int left;
  double now = ds_now_mono();
  while ((m = curl_multi_info_read(hp->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE) continue;
    struct hreq *r = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    if (r) on_attempt_done(hp, r, m->data.result, now);
  }
}

static unsigned deliver(struct http_pool *hp, http_done_fn *done, void *ud) {
  unsigned n = 0;
  if (hp->n_done == 0) return 0;
  double now = ds_now_mono();
  for (size_t i = 0; i < hp->n_reqs;) {
    struct hreq *r = hp->reqs[i];
    if (r->state != REQ_DONE) {
      i++;
      continue;
    }
    /* unlink first: the callback may submit */
    hp->reqs[i] = hp->reqs[--hp->n_reqs];
    hp->n_done--;
    struct http_outcome o;
    memset(&o, 0, sizeof o);
    o.req_ud = r->ud;
    o.status = r->st;
    memcpy(o.error, r->error, sizeof o.error);
    o.http_status = r->http_status;
    o.attempts = r->attempts;
    o.latency_s = now - r->t_submit;
    o.endpoint = r->ep >= 0 ? hp->eps[r->ep].shown : NULL;
    o.endpoint_index = r->ep;
    if (r->easy) { /* keep the handle for reuse */
      CURL **ni = hp->n_idle < 1024 ? ds_realloc(hp->idle, (hp->n_idle + 1) * sizeof *ni) : NULL;
      if (ni) {
        hp->idle = ni;
        hp->idle[hp->n_idle++] = r->easy;
        r->easy = NULL;
      }
    }
    done(ud, &o);
    req_free(hp, r);
    n++;
  }
  return n;
}

static enum ds_status kick(struct http_pool *hp, curl_socket_t fd, int flags, struct ds_err *err) {
  int running = 0;
  CURLMcode mc = curl_multi_socket_action(hp->multi, fd, flags, &running);
  if (mc != CURLM_OK) return ds_fail(err, DS_E_NET, "curl_multi_socket_action: %s", curl_multi_strerror(mc));
  return DS_OK;
}

enum ds_status http_pool_poll(struct http_pool *hp, int timeout_ms, http_done_fn *done, void *ud,
                              struct ds_err *err) {
  double end = ds_now_mono() + (timeout_ms > 0 ? timeout_ms / 1000.0 : 0);
  struct epoll_event evs[256];
  int n_ev = 0;
  bool last_pass = false;
  for (;;) {
    for (int i = 0; i < n_ev; i++) {
      int fd = evs[i].data.fd;
      if ((size_t)fd < hp->n_fd && hp->fd_state[fd] == FD_IDLE) { /* curl does not want it */
        epoll_ctl(hp->epfd, EPOLL_CTL_DEL, fd, NULL);
        hp->fd_state[fd] = FD_NONE;
        continue;
      }
      int flags = 0;
      if (evs[i].events & (EPOLLIN | EPOLLHUP)) flags |= CURL_CSELECT_IN;
      if (evs[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
      if (evs[i].events & EPOLLERR) flags |= CURL_CSELECT_ERR;
      if (kick(hp, evs[i].data.fd, flags, err)) return err ? err->code : DS_E_NET;
    }
    double now = ds_now_mono();
    if (now >= hp->curl_timer) {
      hp->curl_timer = INFINITY;
      if (kick(hp, CURL_SOCKET_TIMEOUT, 0, err)) return err ? err->code : DS_E_NET;
    }
    drain_messages(hp);
    now = ds_now_mono();
    double wake = schedule(hp, now); /* new attempts set a zero curl timer */
    if (deliver(hp, done, ud) > 0) return DS_OK;
    now = ds_now_mono();
    if (hp->n_reqs == 0) return DS_OK;
    /* The window is over: one more look at the sockets without waiting (a poll with timeout
     * 0 still moves transfers), then back to the caller, which checks for cancellation and
     * polls again. Never a loop of zero-time waits: that spun a core against a slow server. */
    if (now >= end) {
      if (last_pass) return DS_OK;
      last_pass = true;
    }
    double until = end < wake ? end : wake;
    if (hp->curl_timer < until) until = hp->curl_timer;
    int wait_ms = (int)ceil((until - now) * 1000);
    if (wait_ms < 0 || last_pass) wait_ms = 0;
    n_ev = epoll_wait(hp->epfd, evs, (int)DS_ARRAY_LEN(evs), wait_ms);
    if (n_ev < 0) return DS_OK; /* EINTR: a signal; the caller decides (cancellation) */
  }
}

/* curl calls this at least once a second during a blocking fetch: non-zero aborts it */
static int fetch_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  return ds_log_cancelled(ud) ? 1 : 0;
}

enum ds_status http_pool_fetch(struct http_pool *hp, const char *url, const char *body, double timeout_s,
                               long *out_status, struct ds_buf *out, struct ds_err *err) {
  ds_buf_reset(out);
  *out_status = 0;
  CURL *c = curl_easy_init();
  if (!c) return ds_fail(err, DS_E_NOMEM, "out of memory");
  struct hreq tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.resp = *out;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hp->headers);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &tmp);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, tmp.curl_err);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
  if (hp->p.log.cancel) { /* a fetch against a stalled server stops on cancellation too */
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, fetch_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &hp->p.log);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  CURLcode cc = curl_easy_perform(c);
  *out = tmp.resp;
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  *out_status = code;
  if (cc == CURLE_ABORTED_BY_CALLBACK) return ds_fail(err, DS_E_CANCELLED, "cancelled");
  if (cc != CURLE_OK) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", tmp.curl_err[0] ? tmp.curl_err : curl_easy_strerror(cc));
    http_scrub(msg, sizeof msg, hp->bearer);
    return ds_fail(err, cc == CURLE_OPERATION_TIMEDOUT ? DS_E_TIMEOUT : DS_E_NET, "%s", msg);
  }
  return DS_OK;
}
