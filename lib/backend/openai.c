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
};

struct openai {
  struct http_pool *pool;
  struct ds_buf scratch; /* the fast JSON parser's, reused for every response */
  char *model;
  char *root;            /* first endpoint without a trailing "/v1": llama-server's /props */
  bool ctx_known;
  unsigned ctx_len;
  int can_tokenize;      /* -1 unknown, 0 no, 1 yes */
};

static void oareq_free(struct oareq *q) {
  if (!q) return;
  ds_result_release(&q->res);
  ds_free(q->key);
  ds_free(q);
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
  static const char *known[] = {"model", "endpoint", "key_env", "max_in_flight", "timeout", "attempt_timeout",
                                "max_attempts", "backoff", "backoff_max", NULL};
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
                     "max_in_flight, timeout, attempt_timeout, max_attempts, backoff, backoff_max)", (int)(nl > 40 ? 40 : nl), s);
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
  if (spec_num(rest, "max_in_flight", &v, err, &st) && !st) hpp.max_in_flight = v >= 1 ? (unsigned)v : 1;
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
  b->capacity = hpp.max_in_flight;
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

/* The Chat Completions body for one request; NULL with err set on failure. */
/* The request body. Messages given as JSON text go in as they are (spliced, not parsed) unless
 * they carry tool calls, which need the wire form. */
static char *build_body(const struct openai *oa, const struct ds_request *req, size_t *out_len, struct ds_err *err) {
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
  if (oa->model) json_object_set_new(o, "model", json_string(oa->model));
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
  size_t len = 0;
  char *body = build_body(oa, req, &len, err);
  if (!body) {
    oareq_free(q);
    return err ? err->code : DS_E_INVALID;
  }
  /* json_dumps and ds_buf allocate through ds_malloc (ds_init), so the pool may ds_free it */
  enum ds_status st = http_pool_submit(oa->pool, "/chat/completions", body, len, q, err);
  if (st) oareq_free(q);
  return st;
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
    r->prompt_tokens = r->completion_tokens = 0;
    snprintf(r->error, sizeof r->error, "%s", o->error);
  }
  t->done(t->ud, r);
  oareq_free(q);
}

static enum ds_status oa_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud,
                              struct ds_err *err) {
  struct openai *oa = b->impl;
  struct trampoline t = {done, ud};
  return http_pool_poll(oa->pool, timeout_ms, oa_done, &t, err);
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

const struct ds_backend_ops ds_openai_ops = {
    .name = "openai",
    .version = 1,
    .open = oa_open,
    .submit = oa_submit,
    .poll = oa_poll,
    .in_flight = oa_in_flight,
    .context_length = oa_context_length,
    .count_tokens = oa_count_tokens,
    .close = oa_close,
    .messages_json = true,
};
