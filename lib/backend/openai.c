/* openai.c: the "openai" backend: OpenAI-compatible Chat Completions (llama-server, vLLM,
 * SGLang, Ollama, OpenAI) through lib/net/http_pool. Builds request bodies from ds_request
 * (canonical tool calls to wire form), parses responses into ds_result. The API key comes
 * from an environment variable and lives only in the pool's Authorization header. */
#include <stdlib.h>
#include <string.h>

#include "backend/backend_ops.h"
#include "net/http_pool.h"

struct openai;

struct oareq {
  struct ds_result res; /* content etc. filled by check() from the accepted response */
  char *key;
  struct openai *oa;
  uint64_t affinity;    /* the request's binding (0: none), released after the last one */
  bool affinity_last;
};

/* What a probe found out about one endpoint. */
struct oa_ep {
  int llama;            /* -1 not asked, 0 no, 1 llama-server (/props answers with total_slots) */
  unsigned slots;       /* llama-server: its slots */
  unsigned char *busy;  /* ... which are bound to an affinity */
  int choices;          /* -1 not probed, 0 ignores or refuses n > 1, 1 answers n choices */
  unsigned bound;       /* affinities bound to it */
};

/* A run of requests with one affinity, bound to an endpoint and a slot (-1: none). */
struct binding {
  uint64_t affinity;
  int ep, slot;
};

struct openai {
  struct http_pool *pool;
  struct ds_buf scratch; /* the fast JSON parser's, reused for every response */
  char *model;
  char *root;            /* first endpoint without a trailing "/v1": llama-server's /props */
  bool ctx_known;
  unsigned ctx_len;
  int can_tokenize;      /* -1 unknown, 0 no, 1 yes */
  struct oa_ep *eps;
  size_t n_eps;
  struct binding *bind;
  size_t n_bind, cap_bind;
  int choices_mode;      /* spec choices=: -1 auto (probe), 0 off, 1 on */
  bool probed;
  enum ds_prefill_share share;
  char share_why[240];
};

/* The ceiling of adaptive concurrency: beyond it a server on one machine only queues. */
#define OA_AUTO_MAX_IN_FLIGHT 256

static void oareq_free(struct oareq *q) {
  if (!q) return;
  ds_result_release(&q->res);
  ds_free(q->key);
  ds_free(q);
}

/* ---------- affinity: the samples of one prompt on one endpoint and slot ---------- */

static int bind_find(const struct openai *oa, uint64_t affinity) {
  for (size_t i = 0; i < oa->n_bind; i++)
    if (oa->bind[i].affinity == affinity) return (int)i;
  return -1;
}

static void bind_release(struct openai *oa, uint64_t affinity) {
  int i = bind_find(oa, affinity);
  if (i < 0) return;
  struct binding *b = &oa->bind[i];
  struct oa_ep *e = &oa->eps[b->ep];
  if (b->slot >= 0) e->busy[b->slot] = 0;
  e->bound--;
  *b = oa->bind[--oa->n_bind];
}

/* Binds a new affinity: the endpoint with the fewest bindings that can take one (a
 * llama-server with a free slot, or a server without slots). DS_E_LIMIT when every slot of
 * every endpoint is bound: its requests would wait in the server anyway, and a request
 * without a slot would evict a bound one's prompt. */
static enum ds_status bind_new(struct openai *oa, uint64_t affinity, struct binding *out) {
  int best = -1, slot = -1;
  for (size_t i = 0; i < oa->n_eps; i++) {
    struct oa_ep *e = &oa->eps[i];
    int free_slot = -1;
    if (e->llama == 1 && e->slots) {
      for (unsigned s = 0; s < e->slots && free_slot < 0; s++)
        if (!e->busy[s]) free_slot = (int)s;
      if (free_slot < 0) continue;
    }
    if (best < 0 || e->bound < oa->eps[best].bound) {
      best = (int)i;
      slot = free_slot;
    }
  }
  if (best < 0) return DS_E_LIMIT;
  if (oa->n_bind == oa->cap_bind) {
    size_t cap = oa->cap_bind ? oa->cap_bind * 2 : 64;
    struct binding *nb = ds_realloc(oa->bind, cap * sizeof *nb);
    if (!nb) return DS_E_NOMEM;
    oa->bind = nb;
    oa->cap_bind = cap;
  }
  struct oa_ep *e = &oa->eps[best];
  if (slot >= 0) e->busy[slot] = 1;
  e->bound++;
  *out = (struct binding){affinity, best, slot};
  oa->bind[oa->n_bind++] = *out;
  return DS_OK;
}

static void drop_req(void *ud) { oareq_free(ud); }

static bool has_json_type(const char *ctype) {
  return ctype && (strstr(ctype, "application/json") || strstr(ctype, "+json"));
}

/* Decides about one 2xx response. A body that is not JSON, has the wrong content type or no
 * choices is retried (a proxy or an overloaded server can cut or replace a body; the retry
 * costs one attempt of max_attempts); an "error" object in a 200 body is final. */
static enum ds_status oa_check(void *req_ud, int http_status, const char *ctype, const char *body, size_t len,
                               bool *retry, char *why, size_t why_len) {
  struct oareq *q = req_ud;
  *retry = true;
  if (!has_json_type(ctype)) {
    snprintf(why, why_len, "content type \"%.60s\" is not JSON", ctype ? ctype : "(none)");
    return DS_E_PARSE;
  }
  json_error_t jerr;
  json_t *o = ds_json_parse_fast(body, len, 0, false, &q->oa->scratch);
  if (!o) o = json_loadb(body, len, 0, &jerr); /* what the fast path does not handle, and errors */
  if (!o) {
    snprintf(why, why_len, "malformed JSON (%.100s at byte %d)", jerr.text, jerr.position);
    return DS_E_PARSE;
  }
  ds_result_release(&q->res);
  q->res.prompt_tokens = q->res.completion_tokens = 0;
  enum ds_status st = chat_parse_completion(o, &q->res, why, why_len);
  json_decref(o);
  if (st == DS_E_BACKEND || st == DS_E_NOMEM) *retry = false;
  if (st) ds_result_release(&q->res);
  return st;
}

static char *strip_trailing_slash(char *s) {
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == '/') s[--n] = '\0';
  return s;
}

bool backend_url_has_userinfo(const char *url) {
  const char *s = strstr(url, "://");
  const char *host = s ? s + 3 : url;
  size_t auth = strcspn(host, "/?#");
  return memchr(host, '@', auth) != NULL;
}

static bool spec_num(const char *rest, const char *key, double *out, struct ds_err *err, enum ds_status *st) {
  char *v = backend_spec_param(rest, key, 0);
  if (!v) return false;
  char *end;
  double d = strtod(v, &end);
  if (end == v || *end || d < 0) *st = ds_fail(err, DS_E_INVALID, "openai spec: %s=%s is not a number", key, v);
  else *out = d;
  ds_free(v);
  return true;
}

static void oa_close(struct ds_backend *b) {
  struct openai *oa = b->impl;
  if (!oa) return;
  http_pool_free(oa->pool); /* frees requests still in flight through drop_req */
  for (size_t i = 0; i < oa->n_eps; i++) ds_free(oa->eps[i].busy);
  ds_free(oa->eps);
  ds_free(oa->bind);
  ds_buf_release(&oa->scratch);
  ds_free(oa->model);
  ds_free(oa->root);
  ds_free(oa);
  b->impl = NULL;
}

static enum ds_status oa_open(struct ds_backend *b, const char *rest, const struct ds_backend_params *p,
                              struct ds_err *err) {
  enum ds_status st = DS_OK;
  struct openai *oa = ds_calloc(1, sizeof *oa);
  if (!oa) return ds_fail(err, DS_E_NOMEM, "out of memory");
  b->impl = oa;
  ds_buf_init(&oa->scratch, 0);
  oa->can_tokenize = -1;
  char **eps = NULL;
  size_t n_eps = 0;
  char *key_env = NULL;
  struct ds_buf d;
  ds_buf_init(&d, 0);
  static const char *known[] = {"model",        "endpoint", "key_env",     "max_in_flight", "timeout", "attempt_timeout",
                                "max_attempts", "backoff",  "backoff_max", "choices",       NULL};
  for (const char *inline_key[] = {"api_key", "key", "token", NULL}, **k = inline_key; *k; k++) {
    char *v = backend_spec_param(rest, *k, 0);
    if (v) {
      explicit_bzero(v, strlen(v));
      ds_free(v);
      st = ds_fail(err, DS_E_INVALID,
                   "openai spec: a key in the spec (%s=...) is refused; name an environment variable with key_env=VAR", *k);
      goto out;
    }
  }
  {
    /* unknown parameters are an error: a typo must not silently change a run */
    const char *q = strchr(rest, '?');
    for (const char *s = q ? q + 1 : NULL; s && *s;) {
      size_t len = strcspn(s, "&");
      size_t nl = strcspn(s, "=&");
      bool ok = false;
      for (const char **k = known; *k; k++)
        if (strlen(*k) == nl && memcmp(*k, s, nl) == 0) ok = true;
      if (!ok) {
        st = ds_fail(err, DS_E_INVALID, "openai spec: unknown parameter \"%.*s\" (known: model, endpoint, key_env, "
                     "max_in_flight, timeout, attempt_timeout, max_attempts, backoff, backoff_max, choices)",
                     (int)(nl > 40 ? 40 : nl), s);
        goto out;
      }
      s += len;
      if (*s == '&') s++;
    }
  }
  /* endpoints: the spec's path plus every endpoint= */
  {
    const char *qm = strchr(rest, '?');
    size_t plen = qm ? (size_t)(qm - rest) : strlen(rest);
    size_t cap = 1;
    for (unsigned i = 0;; i++) {
      char *v = backend_spec_param(rest, "endpoint", i);
      if (!v) break;
      ds_free(v);
      cap++;
    }
    eps = ds_calloc(cap, sizeof *eps);
    if (!eps) goto nomem;
    if (plen) {
      eps[n_eps] = ds_strndup(rest, plen);
      if (!eps[n_eps]) goto nomem;
      strip_trailing_slash(eps[n_eps++]);
    }
    for (unsigned i = 0; i + 1 < cap; i++) {
      eps[n_eps] = backend_spec_param(rest, "endpoint", i);
      if (!eps[n_eps]) goto nomem;
      strip_trailing_slash(eps[n_eps++]);
    }
    if (n_eps == 0) {
      st = ds_fail(err, DS_E_INVALID, "openai spec: no endpoint URL (openai:http://host:port/v1?model=NAME)");
      goto out;
    }
    for (size_t i = 0; i < n_eps; i++) {
      if (strncmp(eps[i], "http://", 7) != 0 && strncmp(eps[i], "https://", 8) != 0) {
        st = ds_fail(err, DS_E_INVALID, "openai spec: endpoint %zu is not an http:// or https:// URL", i + 1);
        goto out;
      }
      if (backend_url_has_userinfo(eps[i])) {
        /* a password in a URL is a key in the spec: it would reach the run's meta and logs */
        st = ds_fail(err, DS_E_INVALID,
                     "openai spec: endpoint %zu holds user info (user:password@host), which is refused like a key in "
                     "the spec; name an environment variable with key_env=VAR",
                     i + 1);
        goto out;
      }
    }
  }
  oa->model = backend_spec_param(rest, "model", 0);
  oa->choices_mode = -1;
  {
    char *c = backend_spec_param(rest, "choices", 0);
    if (c && strcmp(c, "on") == 0) oa->choices_mode = 1;
    else if (c && strcmp(c, "off") == 0) oa->choices_mode = 0;
    else if (c && strcmp(c, "auto") != 0) {
      st = ds_fail(err, DS_E_INVALID, "openai spec: choices=%.20s: expected auto, on or off", c);
      ds_free(c);
      goto out;
    }
    ds_free(c);
  }
  struct http_pool_params hpp = {
      .max_in_flight = p->max_in_flight,
      .timeout_s = p->timeout_s,
      .attempt_timeout_s = p->attempt_timeout_s,
      .max_attempts = p->max_attempts,
      .backoff_base_s = p->backoff_base_s,
      .backoff_max_s = p->backoff_max_s,
      .log = p->log,
      .drop = drop_req,
  };
  double v;
  /* concurrency: the caller's fixed number (--in-flight) wins; else the spec's number; else
   * (max_in_flight=auto or nothing) found by the pool, up to 256 */
  char *mif = backend_spec_param(rest, "max_in_flight", 0);
  bool mif_auto = !mif || strcmp(mif, "auto") == 0;
  ds_free(mif);
  if (p->in_flight_fixed) {
    hpp.max_in_flight = p->max_in_flight ? p->max_in_flight : 1;
    if (!mif_auto && spec_num(rest, "max_in_flight", &v, err, &st) && !st && (unsigned)v != hpp.max_in_flight)
      ds_logf(&p->log, DS_LOG_INFO, "%u requests in flight as given (the spec's max_in_flight=%g is overridden)",
              hpp.max_in_flight, v);
  } else if (mif_auto) {
    hpp.adaptive = true;
    hpp.max_in_flight = OA_AUTO_MAX_IN_FLIGHT;
  } else if (spec_num(rest, "max_in_flight", &v, err, &st) && !st) {
    hpp.max_in_flight = v >= 1 ? (unsigned)v : 1;
  }
  if (spec_num(rest, "timeout", &v, err, &st) && !st) hpp.timeout_s = v;
  if (spec_num(rest, "attempt_timeout", &v, err, &st) && !st) hpp.attempt_timeout_s = v;
  if (spec_num(rest, "max_attempts", &v, err, &st) && !st) hpp.max_attempts = v >= 1 ? (unsigned)v : 1;
  if (spec_num(rest, "backoff", &v, err, &st) && !st) hpp.backoff_base_s = v;
  if (spec_num(rest, "backoff_max", &v, err, &st) && !st) hpp.backoff_max_s = v;
  if (st) goto out;
  if (!hpp.max_in_flight) hpp.max_in_flight = 1;
  if (!hpp.max_attempts) hpp.max_attempts = 1;
  key_env = backend_spec_param(rest, "key_env", 0);
  if (!key_env && p->api_key_env && *p->api_key_env) key_env = ds_strdup(p->api_key_env);
  const char *key = NULL;
  if (key_env) {
    key = getenv(key_env);
    if (!key || !*key) {
      st = ds_fail(err, DS_E_INVALID, "openai backend: the environment variable %s (key_env) is not set", key_env);
      goto out;
    }
  }
  hpp.bearer = key;
  st = http_pool_new(&hpp, (const char *const *)eps, n_eps, oa_check, &oa->pool, err);
  if (st) goto out;
  if (!(oa->eps = ds_calloc(n_eps, sizeof *oa->eps))) goto nomem;
  oa->n_eps = n_eps;
  for (size_t i = 0; i < n_eps; i++) oa->eps[i].llama = oa->eps[i].choices = -1;
  b->capacity = http_pool_capacity(oa->pool);
  b->params.max_in_flight = hpp.max_in_flight;
  b->params.timeout_s = hpp.timeout_s;
  b->params.attempt_timeout_s = hpp.attempt_timeout_s;
  b->params.max_attempts = hpp.max_attempts;
  b->params.backoff_base_s = hpp.backoff_base_s;
  b->params.backoff_max_s = hpp.backoff_max_s;
  {
    /* llama-server's /props lives at the root, not under /v1 */
    const char *e0 = http_pool_endpoint(oa->pool, 0);
    size_t l = strlen(e0);
    oa->root = ds_strndup(e0, l >= 3 && strcmp(e0 + l - 3, "/v1") == 0 ? l - 3 : l);
    if (!oa->root) goto nomem;
  }
  /* describe: endpoints without user info, the model, the key's variable name (not value) */
  ds_buf_addf(&d, "openai:%s", http_pool_endpoint(oa->pool, 0));
  const char *sep = "?";
  if (oa->model) {
    ds_buf_addf(&d, "%smodel=%s", sep, oa->model);
    sep = "&";
  }
  for (size_t i = 1; i < n_eps; i++) {
    ds_buf_addf(&d, "%sendpoint=%s", sep, http_pool_endpoint(oa->pool, i));
    sep = "&";
  }
  if (key_env) ds_buf_addf(&d, "%skey_env=%s", sep, key_env);
  b->described = ds_buf_detach(&d, NULL);
  if (!b->described) goto nomem;
  goto out;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  for (size_t i = 0; i < n_eps; i++) ds_free(eps[i]);
  ds_free(eps);
  ds_free(key_env);
  ds_buf_release(&d);
  return st;
}

/* The Chat Completions body for one request; NULL with err set on failure. Messages given as
 * JSON text go in as they are (spliced, not parsed) unless they carry tool calls, which need
 * the wire form. slot >= 0: llama-server's slot, with its prompt cache. */
char *openai_body(const char *model, const struct ds_request *req, int slot, size_t *out_len, struct ds_err *err) {
  json_t *o = json_object();
  json_t *parsed = NULL, *msgs = NULL;
  const char *raw = req->messages ? NULL : req->messages_json;
  char *rest = NULL, *s = NULL;
  if (raw && strstr(raw, "\"tool_calls\"")) {
    if (!(parsed = backend_parse_messages(req, err))) goto out;
    raw = NULL;
  }
  if (!raw && !(msgs = chat_messages_to_wire(parsed ? parsed : req->messages))) {
    ds_fail(err, json_is_array(parsed ? parsed : req->messages) ? DS_E_NOMEM : DS_E_INVALID,
            "request %llu: messages must be an array", (unsigned long long)req->id);
    goto out;
  }
  if (!o) {
    ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (model) json_object_set_new(o, "model", json_string(model));
  if (req->tools && json_array_size(req->tools)) json_object_set(o, "tools", (json_t *)req->tools);
  if (req->tool_choice) json_object_set(o, "tool_choice", (json_t *)req->tool_choice);
  if (req->temperature >= 0) json_object_set_new(o, "temperature", json_real(req->temperature));
  if (req->top_p >= 0) json_object_set_new(o, "top_p", json_real(req->top_p));
  if (req->max_tokens > 0) json_object_set_new(o, "max_tokens", json_integer(req->max_tokens));
  if (req->seed >= 0) json_object_set_new(o, "seed", json_integer(req->seed));
  if (req->n > 1) json_object_set_new(o, "n", json_integer(req->n));
  if (req->stop) json_object_set(o, "stop", (json_t *)req->stop);
  if (req->extra) {
    if (!json_is_object(req->extra)) {
      ds_fail(err, DS_E_INVALID, "request %llu: extra must be a JSON object", (unsigned long long)req->id);
      goto out;
    }
    json_object_update(o, (json_t *)req->extra);
  }
  if (slot >= 0) {
    json_object_set_new(o, "id_slot", json_integer(slot));
    json_object_set_new(o, "cache_prompt", json_true());
  }
  /* the request's own messages win over an extra field of that name */
  if (msgs) json_object_set(o, "messages", msgs);
  else json_object_del(o, "messages");
  if (!(rest = json_dumps(o, JSON_COMPACT))) {
    ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (!raw) {
    s = rest;
    rest = NULL;
  } else {
    /* {"messages":RAW,<rest without its braces>} */
    struct ds_buf b;
    ds_buf_init(&b, 0);
    size_t rl = strlen(rest);
    if (ds_buf_grow(&b, strlen(raw) + rl + 16) || ds_buf_add(&b, "{\"messages\":", 12) || ds_buf_add(&b, raw, strlen(raw)) ||
        (rl > 2 && (ds_buf_add(&b, ",", 1) || ds_buf_add(&b, rest + 1, rl - 2))) || ds_buf_add(&b, "}", 1)) {
      ds_buf_release(&b);
      ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    s = ds_buf_detach(&b, out_len);
  }
  if (s && !raw) *out_len = strlen(s);
out:
  ds_free(rest);
  json_decref(parsed);
  json_decref(msgs);
  json_decref(o);
  return s;
}

static enum ds_status oa_submit(struct ds_backend *b, const struct ds_request *req, struct ds_err *err) {
  struct openai *oa = b->impl;
  if (!json_is_array(req->messages) && (req->messages || !req->messages_json))
    return ds_fail(err, DS_E_INVALID, "request %llu: messages must be an array", (unsigned long long)req->id);
  struct oareq *q = ds_calloc(1, sizeof *q);
  if (!q) return ds_fail(err, DS_E_NOMEM, "out of memory");
  q->res.id = req->id;
  q->res.ud = req->ud;
  q->oa = oa;
  if (req->key && !(q->key = ds_strdup(req->key))) {
    oareq_free(q);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  struct binding bd = {0, -1, -1};
  bool fresh = false;
  if (req->affinity) {
    int i = bind_find(oa, req->affinity);
    if (i >= 0) {
      bd = oa->bind[i];
    } else {
      enum ds_status bs = bind_new(oa, req->affinity, &bd);
      if (bs) {
        oareq_free(q);
        return bs == DS_E_LIMIT ? ds_fail(err, DS_E_LIMIT, "every slot is bound; poll first")
                                : ds_fail(err, bs, "out of memory");
      }
      fresh = true;
    }
    q->affinity = req->affinity;
    q->affinity_last = req->affinity_last;
  }
  size_t len = 0;
  char *body = openai_body(oa->model, req, bd.slot, &len, err);
  enum ds_status st = body ? DS_OK : err ? err->code : DS_E_INVALID;
  /* json_dumps and ds_buf allocate through ds_malloc (ds_init), so the pool may ds_free it */
  if (!st) st = http_pool_submit_to(oa->pool, bd.ep, "/chat/completions", body, len, q, err);
  if (st) {
    /* no request will end this binding: end it here */
    if (req->affinity && (fresh || req->affinity_last)) bind_release(oa, req->affinity);
    oareq_free(q);
  }
  return st;
}

/* The usage of a request with n > 1 is the request's: it is split over its choices for the
 * samples they become. Completion tokens in proportion to each choice's text (llama-server
 * counts only the first choice, whose figure is scaled up first); the first choice carries
 * the request's prefill (processed and cached), the others the whole prompt as cached. The
 * samples say they were split (request_n); the run's sums are the server's figures. */
static void split_usage(struct openai *oa, struct ds_result *r, int ep) {
  size_t n = json_array_size(r->choices);
  if (n < 2) return;
  double *w = ds_calloc(n, sizeof *w), sum = 0;
  if (!w) return;
  for (size_t i = 0; i < n; i++) {
    const json_t *c = json_array_get(r->choices, i);
    w[i] = 1 + strlen(ds_json_str(c, "content", "")) + strlen(ds_json_str(c, "reasoning", ""));
    sum += w[i];
  }
  double total = (double)r->completion_tokens;
  if (ep >= 0 && (size_t)ep < oa->n_eps && oa->eps[ep].llama == 1) total = total * sum / w[0];
  double acc = 0;
  long given = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *c = json_array_get(r->choices, i);
    acc += total * w[i] / sum;
    long t = (long)(acc + 0.5) - given; /* rounded so that the parts add up */
    given += t;
    json_object_set_new(c, "completion_tokens", json_integer(t));
    if (i == 0 && r->prompt_cached_known) json_object_set_new(c, "prompt_cached", json_integer(r->prompt_cached));
    else if (i > 0 && r->prompt_tokens > 0) json_object_set_new(c, "prompt_cached", json_integer(r->prompt_tokens));
  }
  ds_free(w);
}

struct trampoline {
  ds_done_fn *done;
  void *ud;
};

static void oa_done(void *ud, struct http_outcome *o) {
  struct trampoline *t = ud;
  struct oareq *q = o->req_ud;
  struct ds_result *r = &q->res;
  r->key = q->key;
  r->status = o->status;
  r->attempts = o->attempts;
  r->latency_s = o->latency_s;
  r->http_status = o->http_status;
  r->endpoint = o->endpoint;
  if (o->status != DS_OK) {
    ds_result_release(r);
    r->prompt_tokens = r->completion_tokens = r->prompt_cached = 0;
    r->prompt_cached_known = false;
    snprintf(r->error, sizeof r->error, "%s", o->error);
  } else if (r->choices) {
    split_usage(q->oa, r, o->endpoint_index);
  }
  if (q->affinity && q->affinity_last) bind_release(q->oa, q->affinity);
  t->done(t->ud, r);
  oareq_free(q);
}

static enum ds_status oa_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud,
                              struct ds_err *err) {
  struct openai *oa = b->impl;
  struct trampoline t = {done, ud};
  enum ds_status st = http_pool_poll(oa->pool, timeout_ms, oa_done, &t, err);
  b->capacity = http_pool_capacity(oa->pool); /* follows the adaptive level */
  return st;
}

static void oa_concurrency(const struct ds_backend *b, struct ds_concurrency *out) {
  const struct openai *oa = b->impl;
  const struct net_limit *l = http_pool_limiter(oa->pool);
  out->adaptive = l->adaptive;
  out->level = l->adaptive ? l->base : l->level; /* the settled level, not a probe's */
  out->max = l->max;
  out->changes = l->changes;
  snprintf(out->why, sizeof out->why, "%s", l->why);
}

static unsigned oa_in_flight(const struct ds_backend *b) {
  const struct openai *oa = b->impl;
  return http_pool_in_flight(oa->pool);
}

static json_t *fetch_json(struct openai *oa, const char *url, const char *body) {
  struct ds_buf out;
  ds_buf_init(&out, (size_t)16 << 20);
  long code = 0;
  json_t *j = NULL;
  if (http_pool_fetch(oa->pool, url, body, 10, &code, &out, NULL) == DS_OK && code == 200)
    j = json_loadb(out.data, out.len, 0, NULL);
  ds_buf_release(&out);
  return j;
}

/* ---------- prefill sharing: what each endpoint offers ---------- */

/* llama-server (its /props at the root has total_slots), and whether the endpoint answers a
 * request with n = 2 with two choices: one request of one token. */
static void probe_endpoint(struct openai *oa, size_t i) {
  struct oa_ep *e = &oa->eps[i];
  const char *base = http_pool_endpoint(oa->pool, i);
  size_t l = strlen(base);
  struct ds_buf url;
  ds_buf_init(&url, 0);
  ds_buf_addf(&url, "%.*s/props", (int)(l >= 3 && strcmp(base + l - 3, "/v1") == 0 ? l - 3 : l), base);
  json_t *j = fetch_json(oa, url.data, NULL);
  double slots = ds_json_num(j, "total_slots", 0);
  json_decref(j);
  e->llama = slots >= 1 && slots < 65536;
  if (e->llama) {
    e->slots = (unsigned)slots;
    if (!(e->busy = ds_calloc(e->slots, 1))) e->llama = 0;
  }
  json_t *req = json_pack("{s:[{s:s,s:s}],s:i,s:i,s:f}", "messages", "role", "user", "content", "Say OK.", "n", 2,
                          "max_tokens", 1, "temperature", 1.0);
  if (req && oa->model) json_object_set_new(req, "model", json_string(oa->model));
  char *body = req ? ds_json_compact(req) : NULL;
  json_decref(req);
  ds_buf_reset(&url);
  ds_buf_addf(&url, "%s/chat/completions", base);
  j = body ? fetch_json(oa, url.data, body) : NULL;
  e->choices = json_array_size(json_object_get(j, "choices")) == 2;
  json_decref(j);
  ds_free(body);
  ds_buf_release(&url);
}

const char *openai_model(const struct ds_backend *b) {
  return b->ops == &ds_openai_ops ? ((const struct openai *)b->impl)->model : NULL;
}

static enum ds_prefill_share oa_prefill_share(struct ds_backend *b, char *why, size_t why_len) {
  struct openai *oa = b->impl;
  if (!oa->probed) {
    oa->probed = true;
    bool all_choices = true, any_llama = false;
    const char *plain = NULL, *llama = NULL;
    for (size_t i = 0; i < oa->n_eps; i++) {
      probe_endpoint(oa, i);
      if (!oa->eps[i].choices && !plain) plain = http_pool_endpoint(oa->pool, i);
      if (oa->eps[i].llama && !llama) llama = http_pool_endpoint(oa->pool, i);
      all_choices = all_choices && oa->eps[i].choices == 1;
      any_llama = any_llama || oa->eps[i].llama == 1;
    }
    if (oa->choices_mode == 1) {
      oa->share = DS_SHARE_CHOICES;
      snprintf(oa->share_why, sizeof oa->share_why, "choices=on in the spec: one request with n = K per prefix");
    } else if (oa->choices_mode == 0) {
      oa->share = DS_SHARE_CACHE;
      snprintf(oa->share_why, sizeof oa->share_why,
               "choices=off in the spec: the K samples of a prefix one after the other on one endpoint%s",
               any_llama ? " and llama-server slot (cache_prompt)" : " (its prefix cache)");
    } else if (all_choices && !any_llama) {
      oa->share = DS_SHARE_CHOICES;
      snprintf(oa->share_why, sizeof oa->share_why, "every endpoint answers n choices (probed): one request with n = K per prefix");
    } else {
      /* llama-server answers n too, but its usage then counts one choice only; one slot with
       * its prompt cache spares the same prefill and every sample keeps its own figures */
      oa->share = DS_SHARE_CACHE;
      if (llama)
        snprintf(oa->share_why, sizeof oa->share_why,
                 "llama-server at %.100s: the K samples of a prefix one after the other on one slot with its prompt "
                 "cache (choices=on asks for n = K instead)", llama);
      else
        snprintf(oa->share_why, sizeof oa->share_why,
                 "%.100s does not answer n choices (probed): the K samples of a prefix one after the other on one "
                 "endpoint (its prefix cache)", plain ? plain : "an endpoint");
    }
  }
  if (why && why_len) snprintf(why, why_len, "%s", oa->share_why);
  return oa->share;
}

/* llama-server: GET /props -> default_generation_settings.n_ctx (per slot). vLLM and
 * llama-server: GET /v1/models -> data[].max_model_len or data[].meta.n_ctx. */
static unsigned oa_context_length(const struct ds_backend *b) {
  struct openai *oa = b->impl;
  if (oa->ctx_known) return oa->ctx_len;
  struct ds_buf url;
  ds_buf_init(&url, 0);
  ds_buf_addf(&url, "%s/props", oa->root);
  json_t *j = fetch_json(oa, url.data, NULL);
  double n = ds_json_num(json_object_get(j, "default_generation_settings"), "n_ctx", 0);
  json_decref(j);
  if (n <= 0) {
    ds_buf_reset(&url);
    ds_buf_addf(&url, "%s/models", http_pool_endpoint(oa->pool, 0));
    j = fetch_json(oa, url.data, NULL);
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(j, "data"), i, m) {
      const char *id = ds_json_str(m, "id", "");
      if (oa->model && strcmp(id, oa->model) != 0 && json_array_size(json_object_get(j, "data")) > 1) continue;
      n = ds_json_num(m, "max_model_len", 0);
      if (n <= 0) n = ds_json_num(json_object_get(m, "meta"), "n_ctx", 0);
      if (n > 0) break;
    }
    json_decref(j);
  }
  ds_buf_release(&url);
  oa->ctx_known = true;
  oa->ctx_len = n > 0 && n < 4e9 ? (unsigned)n : 0;
  return oa->ctx_len;
}

/* llama-server: POST /apply-template {messages, tools} -> {"prompt"}, then POST /tokenize
 * {"content": prompt, "add_special": true} -> {"tokens": [...]}. Other servers: unsupported. */
static enum ds_status oa_count_tokens(struct ds_backend *b, const json_t *messages, const json_t *tools,
                                      unsigned *out_n, struct ds_err *err) {
  struct openai *oa = b->impl;
  if (oa->can_tokenize == 0)
    return ds_fail(err, DS_E_UNSUPPORTED, "the server at %s cannot count tokens (no /apply-template)", oa->root);
  enum ds_status st = DS_OK;
  json_t *req = json_object(), *j = NULL, *tok = NULL;
  json_t *msgs = chat_messages_to_wire(messages);
  char *body = NULL, *body2 = NULL;
  struct ds_buf url;
  ds_buf_init(&url, 0);
  if (!req || !msgs) {
    st = ds_fail(err, msgs ? DS_E_NOMEM : DS_E_INVALID, "count_tokens: messages must be an array");
    goto out;
  }
  json_object_set(req, "messages", msgs);
  if (tools && json_array_size(tools)) json_object_set(req, "tools", (json_t *)tools);
  body = ds_json_compact(req);
  ds_buf_addf(&url, "%s/apply-template", oa->root);
  j = body ? fetch_json(oa, url.data, body) : NULL;
  const char *prompt = ds_json_str(j, "prompt", NULL);
  if (!prompt) {
    if (oa->can_tokenize < 0) oa->can_tokenize = 0;
    st = ds_fail(err, DS_E_UNSUPPORTED, "the server at %s cannot count tokens (no /apply-template)", oa->root);
    goto out;
  }
  json_t *t = json_object();
  json_object_set_new(t, "content", json_string(prompt));
  json_object_set_new(t, "add_special", json_true());
  body2 = ds_json_compact(t);
  json_decref(t);
  ds_buf_reset(&url);
  ds_buf_addf(&url, "%s/tokenize", oa->root);
  tok = body2 ? fetch_json(oa, url.data, body2) : NULL;
  const json_t *arr = json_object_get(tok, "tokens");
  if (!json_is_array(arr)) {
    st = ds_fail(err, DS_E_BACKEND, "count_tokens: %s/tokenize gave no token list", oa->root);
    goto out;
  }
  oa->can_tokenize = 1;
  *out_n = (unsigned)json_array_size(arr);
out:
  ds_buf_release(&url);
  ds_free(body);
  ds_free(body2);
  json_decref(msgs);
  json_decref(req);
  json_decref(j);
  json_decref(tok);
  return st;
}

/* llama-server: POST /tokenize {"content": text} (add_special false: no BOS) -> {"tokens"}. */
static enum ds_status oa_count_text_tokens(struct ds_backend *b, const char *text, size_t len, unsigned *out_n,
                                           struct ds_err *err) {
  struct openai *oa = b->impl;
  json_t *t = json_pack("{s:s%}", "content", text, len), *tok = NULL;
  char *body = t && oa->can_tokenize != 0 ? ds_json_compact(t) : NULL;
  struct ds_buf url;
  ds_buf_init(&url, 0);
  ds_buf_addf(&url, "%s/tokenize", oa->root);
  const json_t *arr = json_object_get(tok = body ? fetch_json(oa, url.data, body) : NULL, "tokens");
  enum ds_status st = DS_OK;
  if (json_is_array(arr)) {
    oa->can_tokenize = 1;
    *out_n = (unsigned)json_array_size(arr);
  } else if (!t) {
    st = ds_fail(err, DS_E_INVALID, "count_text_tokens: not UTF-8 text");
  } else if (oa->can_tokenize != 1) {
    oa->can_tokenize = 0;
    st = ds_fail(err, DS_E_UNSUPPORTED, "the server at %s cannot count tokens (no /tokenize)", oa->root);
  } else {
    st = ds_fail(err, DS_E_BACKEND, "count_text_tokens: %s/tokenize gave no token list", oa->root);
  }
  ds_buf_release(&url);
  ds_free(body);
  json_decref(t);
  json_decref(tok);
  return st;
}

const struct ds_backend_ops ds_openai_ops = {
    .name = "openai",
    .version = 1,
    .open = oa_open,
    .submit = oa_submit,
    .poll = oa_poll,
    .in_flight = oa_in_flight,
    .context_length = oa_context_length,
    .count_tokens = oa_count_tokens,
    .count_text_tokens = oa_count_text_tokens,
    .close = oa_close,
    .prefill_share = oa_prefill_share,
    .concurrency = oa_concurrency,
    .messages_json = true,
};
