/* backend.c: the public backend interface: default options, the choice of a backend by the
 * spec's scheme (config: specs are resolved by config.c), dispatch to its ops table, the
 * blocking call and result ownership. */
#include <string.h>

#include "backend/backend_ops.h"

/* CMake compiles lib/backend/llama.c exactly when DS_WITH_LLAMA is 1. Without it the table
 * is absent and opening a "llama:" spec reports DS_E_UNSUPPORTED. */
#if DS_WITH_LLAMA
extern const struct ds_backend_ops ds_llama_ops;
#define LLAMA_OPS (&ds_llama_ops)
#else
#define LLAMA_OPS NULL
#endif

void ds_backend_default_params(struct ds_backend_params *p) {
  memset(p, 0, sizeof *p);
  p->max_in_flight = 64;
  p->timeout_s = 600;
  p->attempt_timeout_s = 300;
  p->max_attempts = 5;
  p->backoff_base_s = 0.5;
  p->backoff_max_s = 30;
}

void ds_request_init(struct ds_request *r) {
  memset(r, 0, sizeof *r);
  r->temperature = -1;
  r->top_p = -1;
  r->max_tokens = 0;
  r->seed = -1;
  r->n = 1;
}

static const struct ds_backend_ops *find_ops(const char *scheme, size_t len) {
  const struct ds_backend_ops *all[] = {&ds_openai_ops, &ds_file_ops, &ds_logs_ops, LLAMA_OPS};
  for (size_t i = 0; i < DS_ARRAY_LEN(all); i++) {
    if (!all[i]) continue; /* built without llama.cpp */
    if (strlen(all[i]->name) == len && memcmp(all[i]->name, scheme, len) == 0) return all[i];
  }
  return NULL;
}

enum ds_status ds_backend_open(const struct ds_backend_params *p, struct ds_backend **out,
                               struct ds_err *err) {
  *out = NULL;
  if (!p || !p->spec || !*p->spec) return ds_fail(err, DS_E_INVALID, "backend: empty spec");
  if (strncmp(p->spec, "config:", 7) == 0) return backend_config_open(p, out, err); /* config.c */
  const char *colon = strchr(p->spec, ':');
  if (!colon) return ds_fail(err, DS_E_INVALID, "backend spec has no scheme (openai:, llama:, file:, config:)");
  size_t slen = (size_t)(colon - p->spec);
  const struct ds_backend_ops *ops = find_ops(p->spec, slen);
  if (!ops) {
    if (slen == 5 && memcmp(p->spec, "llama", 5) == 0)
      return ds_fail(err, DS_E_UNSUPPORTED, "depsim was built without llama.cpp");
    return ds_fail(err, DS_E_INVALID, "unknown backend \"%.*s\" (expected openai, llama, file or config)",
                   (int)(slen > 32 ? 32 : slen), p->spec);
  }
  struct ds_backend *b = ds_calloc(1, sizeof *b);
  if (!b) return ds_fail(err, DS_E_NOMEM, "out of memory");
  b->ops = ops;
  b->params = *p;
  b->params.spec = NULL; /* borrowed during open only */
  if (b->params.max_in_flight == 0) b->params.max_in_flight = 1;
  if (b->params.max_attempts == 0) b->params.max_attempts = 1;
  b->capacity = b->params.max_in_flight;
  enum ds_status st = ops->open(b, colon + 1, p, err);
  b->params.api_key_env = NULL; /* borrowed too; backends read the key during open */
  if (st) {
    if (ops->close) ops->close(b);
    ds_free(b->described);
    ds_free(b);
    return st;
  }
  if (!b->described) {
    b->described = ds_strdup(ops->name); /* never the raw spec: it may hold secrets */
    if (!b->described) {
      ds_backend_close(b);
      return ds_fail(err, DS_E_NOMEM, "out of memory");
    }
  }
  if (b->capacity == 0) b->capacity = 1;
  *out = b;
  return DS_OK;
}

json_t *backend_parse_messages(const struct ds_request *req, struct ds_err *err) {
  json_error_t je;
  json_t *msgs = json_loads(req->messages_json, 0, &je); /* not inside json_is_array: a macro */
  if (json_is_array(msgs)) return msgs;
  json_decref(msgs);
  ds_fail(err, DS_E_INVALID, "request %llu: messages are not a JSON array%s%s", (unsigned long long)req->id,
          msgs ? "" : ": ", msgs ? "" : je.text);
  return NULL;
}

enum ds_status ds_backend_submit(struct ds_backend *b, const struct ds_request *req,
                                 struct ds_err *err) {
  if (!b || !req) return ds_fail(err, DS_E_INVALID, "backend submit: NULL argument");
  if (b->ops->in_flight(b) >= b->capacity)
    return ds_fail(err, DS_E_LIMIT, "backend holds %u requests in flight; poll first", b->capacity);
  if (req->messages || !req->messages_json || b->ops->messages_json) return b->ops->submit(b, req, err);
  /* a backend that needs the structure: parse the text once here */
  json_t *msgs = backend_parse_messages(req, err);
  if (!msgs) return DS_E_INVALID;
  struct ds_request parsed = *req;
  parsed.messages = msgs;
  parsed.messages_json = NULL;
  enum ds_status st = b->ops->submit(b, &parsed, err);
  json_decref(msgs);
  return st;
}

enum ds_status ds_backend_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud,
                               struct ds_err *err) {
  if (!b || !done) return ds_fail(err, DS_E_INVALID, "backend poll: NULL argument");
  return b->ops->poll(b, timeout_ms, done, ud, err);
}

unsigned ds_backend_in_flight(const struct ds_backend *b) { return b ? b->ops->in_flight(b) : 0; }

void ds_backend_concurrency(const struct ds_backend *b, struct ds_concurrency *out) {
  memset(out, 0, sizeof *out);
  if (!b) return;
  out->level = out->max = b->capacity;
  snprintf(out->why, sizeof out->why, "fixed at %u in flight", b->capacity);
  if (b->ops->concurrency) b->ops->concurrency(b, out);
}

const char *ds_prefill_share_name(enum ds_prefill_share s) {
  switch (s) {
  case DS_SHARE_CHOICES: return "choices";
  case DS_SHARE_CACHE: return "cache";
  default: return "none";
  }
}

enum ds_prefill_share ds_backend_prefill_share(struct ds_backend *b, char *why, size_t why_len) {
  if (why && why_len) snprintf(why, why_len, "the %s backend sends each sample on its own", b ? b->ops->name : "");
  if (!b || !b->ops->prefill_share) return DS_SHARE_NONE;
  return b->ops->prefill_share(b, why, why_len);
}

unsigned ds_backend_capacity(const struct ds_backend *b) { return b ? b->capacity : 0; }

const char *ds_backend_describe(const struct ds_backend *b) { return b ? b->described : ""; }

unsigned ds_backend_context_length(const struct ds_backend *b) {
  if (!b || !b->ops->context_length) return 0;
  return b->ops->context_length(b);
}

enum ds_status ds_backend_count_tokens(struct ds_backend *b, const json_t *messages,
                                       const json_t *tools, unsigned *out_n, struct ds_err *err) {
  if (!b || !messages || !out_n) return ds_fail(err, DS_E_INVALID, "count_tokens: NULL argument");
  if (!b->ops->count_tokens)
    return ds_fail(err, DS_E_UNSUPPORTED, "the %s backend cannot count tokens", b->ops->name);
  return b->ops->count_tokens(b, messages, tools, out_n, err);
}

enum ds_status ds_backend_count_text_tokens(struct ds_backend *b, const char *text, size_t len, unsigned *out_n,
                                            struct ds_err *err) {
  if (!b || !text || !out_n) return ds_fail(err, DS_E_INVALID, "count_text_tokens: NULL argument");
  if (!b->ops->count_text_tokens)
    return ds_fail(err, DS_E_UNSUPPORTED, "the %s backend cannot count tokens", b->ops->name);
  if (!len) {
    *out_n = 0;
    return DS_OK;
  }
  return b->ops->count_text_tokens(b, text, len, out_n, err);
}

struct call_state {
  uint64_t id;
  bool got;
  struct ds_result *out;
};

static void call_done(void *ud, struct ds_result *res) {
  struct call_state *cs = ud;
  if (cs->got || res->id != cs->id) return; /* cannot happen: the backend was idle */
  ds_result_move(cs->out, res);
  cs->got = true;
}

enum ds_status ds_backend_call(struct ds_backend *b, const struct ds_request *req,
                               struct ds_result *out, struct ds_err *err) {
  memset(out, 0, sizeof *out);
  if (!b || !req) return ds_fail(err, DS_E_INVALID, "backend call: NULL argument");
  if (b->ops->in_flight(b) != 0)
    return ds_fail(err, DS_E_INVALID, "ds_backend_call needs a backend with no request in flight");
  enum ds_status st = ds_backend_submit(b, req, err);
  if (st) return st;
  struct call_state cs = {req->id, false, out};
  while (!cs.got) {
    st = b->ops->poll(b, 1000, call_done, &cs, err);
    if (st) return st;
    if (!cs.got && b->ops->in_flight(b) == 0)
      return ds_fail(err, DS_E_BACKEND, "backend %s finished without a result", b->ops->name);
  }
  out->key = req->key; /* the caller's string, alive as long as the caller keeps it */
  return DS_OK;
}

void ds_backend_close(struct ds_backend *b) {
  if (!b) return;
  if (b->ops->close) b->ops->close(b);
  ds_free(b->described);
  ds_free(b);
}

void ds_result_release(struct ds_result *r) {
  if (!r) return;
  ds_free(r->content);
  ds_free(r->reasoning);
  json_decref(r->tool_calls);
  json_decref(r->choices);
  ds_free(r->finish_reason);
  r->content = r->reasoning = r->finish_reason = NULL;
  r->tool_calls = r->choices = NULL;
}

void ds_result_move(struct ds_result *dst, struct ds_result *r) {
  *dst = *r;
  dst->key = NULL; /* borrowed from the backend, gone once the callback returns */
  r->content = r->reasoning = r->finish_reason = NULL;
  r->tool_calls = r->choices = NULL;
}

/* --- spec parsing ----------------------------------------------------------------------- */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* %XX decoding only ('+' stays '+': model names contain it). A malformed escape is kept. */
static char *pct_decode(const char *p, size_t len) {
  char *d = ds_malloc(len + 1);
  if (!d) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
      d[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
      i += 2;
    } else {
      d[o++] = p[i];
    }
  }
  d[o] = '\0';
  return d;
}

char *backend_spec_param(const char *rest, const char *key, unsigned nth) {
  const char *q = strchr(rest, '?');
  if (!q) return NULL;
  size_t klen = strlen(key);
  const char *p = q + 1;
  while (*p) {
    const char *amp = strchr(p, '&');
    size_t len = amp ? (size_t)(amp - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    size_t nlen = eq ? (size_t)(eq - p) : len;
    if (nlen == klen && memcmp(p, key, klen) == 0) {
      if (nth == 0) return eq ? pct_decode(eq + 1, len - nlen - 1) : ds_strdup("");
      nth--;
    }
    if (!amp) break;
    p = amp + 1;
  }
  return NULL;
}

char *backend_spec_path(const char *rest) {
  const char *q = strchr(rest, '?');
  return pct_decode(rest, q ? (size_t)(q - rest) : strlen(rest));
}
