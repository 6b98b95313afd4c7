/* file.c: the "file" backend: completions produced elsewhere (our JSONL or OpenAI Batch API
 * output, plain/.gz/.zst), indexed by (prefix key, k) at open and served by lookup. A request
 * with no line in the file ends as a DS_E_NOTFOUND error result, never an empty completion.
 * The index and its submit/poll also serve the "logs" backend (logs.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend_ops.h"

#define FILE_MAX_LINE ((size_t)256 << 20)

struct entry {
  char *name;            /* "<id>#<k>" (our JSONL) or the raw custom_id (batch) */
  bool raw;              /* name is a batch custom_id: "<key>" (k = 0) or "<key>#<k>" */
  uint64_t line;
  enum ds_status status; /* DS_OK or the request's recorded error */
  char *error;
  char *content, *reasoning, *finish_reason;
  char *roles;           /* logs: the roles of the logged prefix ("suatua"), checked against the request */
  json_t *tool_calls, *choices;
  long prompt_tokens, completion_tokens;
};

struct pending {
  struct ds_result res;
  char *key;
};

struct fileb {
  char *path;
  struct entry **slots; /* open addressing, power-of-two size */
  size_t cap, n;
  struct pending *q;
  size_t qn, qcap;
};

static void entry_free(struct entry *e) {
  if (!e) return;
  ds_free(e->name);
  ds_free(e->error);
  ds_free(e->content);
  ds_free(e->reasoning);
  ds_free(e->finish_reason);
  ds_free(e->roles);
  json_decref(e->tool_calls);
  json_decref(e->choices);
  ds_free(e);
}

static uint64_t name_hash(const char *name, bool raw) {
  return ds_mix64(ds_hash64(name, strlen(name)) ^ (raw ? 0x9e3779b97f4a7c15ULL : 0));
}

static struct entry *find_exact(const struct fileb *f, const char *name, bool raw) {
  if (!f->cap) return NULL;
  size_t mask = f->cap - 1;
  for (size_t i = name_hash(name, raw) & mask;; i = (i + 1) & mask) {
    struct entry *e = f->slots[i];
    if (!e) return NULL;
    if (e->raw == raw && strcmp(e->name, name) == 0) return e;
  }
}

static enum ds_status insert(struct fileb *f, struct entry *e) {
  if ((f->n + 1) * 4 > f->cap * 3) {
    size_t ncap = f->cap ? f->cap * 2 : 1024;
    struct entry **ns = ds_calloc(ncap, sizeof *ns);
    if (!ns) return DS_E_NOMEM;
    for (size_t j = 0; j < f->cap; j++) {
      struct entry *o = f->slots[j];
      if (!o) continue;
      size_t i = name_hash(o->name, o->raw) & (ncap - 1);
      while (ns[i]) i = (i + 1) & (ncap - 1);
      ns[i] = o;
    }
    ds_free(f->slots);
    f->slots = ns;
    f->cap = ncap;
  }
  size_t i = name_hash(e->name, e->raw) & (f->cap - 1);
  while (f->slots[i]) i = (i + 1) & (f->cap - 1);
  f->slots[i] = e;
  f->n++;
  return DS_OK;
}

/* The entry answering (key, k): our JSONL "<key>#<k>", a batch custom_id "<key>#<k>", or
 * for k = 0 a batch custom_id "<key>". */
static struct entry *lookup(const struct fileb *f, const char *key, unsigned k, struct ds_buf *tmp) {
  ds_buf_reset(tmp);
  if (ds_buf_addf(tmp, "%s#%u", key, k)) return NULL;
  struct entry *e = find_exact(f, tmp->data, false);
  if (!e) e = find_exact(f, tmp->data, true);
  if (!e && k == 0) e = find_exact(f, key, true);
  return e;
}

/* Splits a custom_id "<key>#<digits>" into key and k; false when it has no such suffix. */
static bool split_k(const char *cid, size_t *out_keylen, unsigned *out_k) {
  const char *h = strrchr(cid, '#');
  if (!h || h == cid || !h[1] || strlen(h + 1) > 9) return false;
  for (const char *p = h + 1; *p; p++)
    if (*p < '0' || *p > '9') return false;
  *out_keylen = (size_t)(h - cid);
  *out_k = (unsigned)strtoul(h + 1, NULL, 10);
  return true;
}

/* Line number of an existing entry that answers a request the new entry would answer. */
static uint64_t duplicate_of(const struct fileb *f, const struct entry *e, struct ds_buf *tmp) {
  if (!e->raw) {
    /* name is "<id>#<k>": the one query (id, k) */
    size_t kl;
    unsigned k;
    if (!split_k(e->name, &kl, &k)) return 0;
    char *key = ds_strndup(e->name, kl);
    if (!key) return 0;
    struct entry *o = lookup(f, key, k, tmp);
    ds_free(key);
    return o ? o->line : 0;
  }
  struct entry *o = lookup(f, e->name, 0, tmp);
  if (o) return o->line;
  size_t kl;
  unsigned k;
  if (split_k(e->name, &kl, &k)) {
    char *key = ds_strndup(e->name, kl);
    if (!key) return 0;
    o = lookup(f, key, k, tmp);
    ds_free(key);
    if (o) return o->line;
  }
  return 0;
}

static char *error_text(const json_t *err) {
  if (json_is_string(err)) return ds_strdup(json_string_value(err));
  const char *m = ds_json_str(err, "message", NULL);
  const char *c = ds_json_str(err, "code", NULL);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_addf(&b, "%s%s%s", c ? c : "", c && m ? ": " : "", m ? m : (c ? "" : "error"));
  return ds_buf_detach(&b, NULL);
}

/* Our JSONL: {"id","k","content","reasoning","tool_calls","finish_reason","usage"|"error"} */
static enum ds_status parse_ours(const json_t *o, struct entry *e, const char *where, struct ds_err *err) {
  const char *id = ds_json_str(o, "id", NULL);
  if (!id || !*id) return ds_fail(err, DS_E_INVALID, "%s: \"id\" is missing or not a string", where);
  const json_t *kv = json_object_get(o, "k");
  json_int_t k = 0;
  if (kv && !json_is_null(kv)) {
    if (!json_is_integer(kv) || json_integer_value(kv) < 0 || json_integer_value(kv) > 999999999)
      return ds_fail(err, DS_E_INVALID, "%s: \"k\" must be a non-negative integer", where);
    k = json_integer_value(kv);
  }
  struct ds_buf nb;
  ds_buf_init(&nb, 0);
  if (ds_buf_addf(&nb, "%s#%lld", id, (long long)k)) {
    ds_buf_release(&nb);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  e->name = ds_buf_detach(&nb, NULL);
  const json_t *ev = json_object_get(o, "error");
  if (ev && !json_is_null(ev)) {
    e->status = DS_E_BACKEND;
    e->error = error_text(ev);
    return DS_OK;
  }
  const json_t *content = json_object_get(o, "content");
  const json_t *tcs = json_object_get(o, "tool_calls");
  if (content && !json_is_string(content) && !json_is_null(content))
    return ds_fail(err, DS_E_INVALID, "%s: \"content\" is not a string", where);
  if (tcs && !json_is_array(tcs) && !json_is_null(tcs))
    return ds_fail(err, DS_E_INVALID, "%s: \"tool_calls\" is not an array", where);
  if (!json_is_string(content) && !json_is_array(tcs))
    return ds_fail(err, DS_E_INVALID,
                   "%s: neither \"content\", \"tool_calls\" nor \"error\"; a line answers prefix ID (the "
                   "conversation id) at cut CUT (the index of the assistant message replaced) for sample K, e.g. "
                   "{\"id\":\"c-0001#3\",\"k\":0,\"content\":\"the answer\"}", where);
  e->content = ds_strdup(json_is_string(content) ? json_string_value(content) : "");
  const json_t *rs = json_object_get(o, "reasoning");
  if (!json_is_string(rs)) rs = json_object_get(o, "reasoning_content");
  if (json_is_string(rs)) e->reasoning = ds_strdup(json_string_value(rs));
  e->tool_calls = chat_tool_calls_flatten(tcs);
  if (json_is_array(tcs) && json_array_size(tcs) && !e->tool_calls)
    return ds_fail(err, DS_E_INVALID, "%s: \"tool_calls\" entries need a \"name\"", where);
  const char *fr = ds_json_str(o, "finish_reason", NULL);
  e->finish_reason = ds_strdup(fr ? fr : (e->tool_calls ? "tool_calls" : "stop"));
  const json_t *usage = json_object_get(o, "usage");
  e->prompt_tokens = (long)ds_json_num(usage ? usage : o, "prompt_tokens", 0);
  e->completion_tokens = (long)ds_json_num(usage ? usage : o, "completion_tokens", 0);
  if (!e->content || !e->finish_reason) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

/* OpenAI Batch API output: {"custom_id","response":{"status_code","body"},"error"} */
static enum ds_status parse_batch(const json_t *o, struct entry *e, const char *where, struct ds_err *err) {
  const char *cid = ds_json_str(o, "custom_id", NULL);
  if (!cid || !*cid) return ds_fail(err, DS_E_INVALID, "%s: \"custom_id\" is not a string", where);
  e->raw = true;
  e->name = ds_strdup(cid);
  if (!e->name) return ds_fail(err, DS_E_NOMEM, "out of memory");
  const json_t *ev = json_object_get(o, "error");
  const json_t *resp = json_object_get(o, "response");
  if (ev && !json_is_null(ev)) {
    e->status = DS_E_BACKEND;
    e->error = error_text(ev);
    return DS_OK;
  }
  if (!json_is_object(resp))
    return ds_fail(err, DS_E_INVALID, "%s: neither \"response\" nor \"error\"", where);
  const json_t *sc = json_object_get(resp, "status_code");
  const json_t *body = json_object_get(resp, "body");
  json_int_t code = json_is_integer(sc) ? json_integer_value(sc) : 200;
  if (code != 200) {
    const json_t *be = json_object_get(body, "error");
    char *m = be ? error_text(be) : NULL;
    struct ds_buf b;
    ds_buf_init(&b, 0);
    ds_buf_addf(&b, "HTTP %lld%s%s", (long long)code, m ? ": " : "", m ? m : "");
    ds_free(m);
    e->status = DS_E_BACKEND;
    e->error = ds_buf_detach(&b, NULL);
    return DS_OK;
  }
  struct ds_result r;
  memset(&r, 0, sizeof r);
  char why[200];
  enum ds_status st = chat_parse_completion(body, &r, why, sizeof why);
  if (st == DS_E_NOMEM) {
    ds_result_release(&r);
    return ds_fail(err, st, "out of memory");
  }
  if (st) {
    /* a malformed body is that request's error, recorded with where it came from */
    ds_result_release(&r);
    struct ds_buf b;
    ds_buf_init(&b, 0);
    ds_buf_addf(&b, "%s: %s", where, why);
    e->status = st;
    e->error = ds_buf_detach(&b, NULL);
    return DS_OK;
  }
  e->content = r.content;
  e->reasoning = r.reasoning;
  e->tool_calls = r.tool_calls;
  e->choices = r.choices;
  e->finish_reason = r.finish_reason;
  e->prompt_tokens = r.prompt_tokens;
  e->completion_tokens = r.completion_tokens;
  return DS_OK;
}

static int hexdig(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A custom_id of Anthropic's Message Batches as depsim writes it (ds_batch_custom_id: every
 * byte outside [A-Za-z0-9-] as _XX) back to "<key>#<k>"; NULL when it is not such an id. */
static char *anthropic_id(const char *cid) {
  size_t n = strlen(cid), o = 0;
  char *d = ds_malloc(n + 1);
  if (!d) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (cid[i] != '_') {
      d[o++] = cid[i];
      continue;
    }
    int hi = i + 2 < n ? hexdig(cid[i + 1]) : -1, lo = i + 2 < n ? hexdig(cid[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      ds_free(d);
      return NULL;
    }
    d[o++] = (char)(hi * 16 + lo);
    i += 2;
  }
  d[o] = '\0';
  return d;
}

/* Anthropic Message Batches results: {"custom_id","result":{"type":"succeeded","message":{
 * "content":[{"type":"text"|"thinking"|"tool_use",...}],"stop_reason","usage"}}}, or a result
 * of type "errored" (an error of that sample), "canceled" or "expired" (never answered: as if
 * the line were absent, DS_E_NOTFOUND). */
static enum ds_status parse_anthropic(const json_t *o, struct entry *e, const char *where, struct ds_err *err) {
  const char *cid = ds_json_str(o, "custom_id", NULL);
  if (!cid || !*cid) return ds_fail(err, DS_E_INVALID, "%s: \"custom_id\" is not a string", where);
  e->raw = true;
  if (!(e->name = anthropic_id(cid))) return ds_fail(err, DS_E_INVALID, "%s: custom_id '%.80s' is not one depsim wrote", where, cid);
  const json_t *res = json_object_get(o, "result");
  const char *type = ds_json_str(res, "type", "");
  if (strcmp(type, "succeeded") != 0) {
    const json_t *ev = json_object_get(res, "error");
    if (json_is_object(json_object_get(ev, "error"))) ev = json_object_get(ev, "error");
    char *m = ev ? error_text(ev) : NULL;
    struct ds_buf b;
    ds_buf_init(&b, 0);
    ds_buf_addf(&b, "batch result %s%s%s", *type ? type : "(no type)", m ? ": " : "", m ? m : "");
    ds_free(m);
    e->status = strcmp(type, "errored") == 0 ? DS_E_BACKEND : DS_E_NOTFOUND;
    e->error = ds_buf_detach(&b, NULL);
    return e->error ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  const json_t *msg = json_object_get(res, "message"), *blocks = json_object_get(msg, "content");
  if (!json_is_array(blocks)) return ds_fail(err, DS_E_INVALID, "%s: result.message.content is not a list", where);
  struct ds_buf text, think;
  ds_buf_init(&text, 0);
  ds_buf_init(&think, 0);
  json_t *calls = json_array();
  size_t i;
  const json_t *bl;
  json_array_foreach(blocks, i, bl) {
    const char *bt = ds_json_str(bl, "type", "");
    if (strcmp(bt, "text") == 0) ds_buf_adds(&text, ds_json_str(bl, "text", ""));
    else if (strcmp(bt, "thinking") == 0) ds_buf_adds(&think, ds_json_str(bl, "thinking", ""));
    else if (strcmp(bt, "tool_use") == 0) {
      char *args = ds_json_compact(json_object_get(bl, "input"));
      json_array_append_new(calls, json_pack("{s:s,s:s,s:s}", "id", ds_json_str(bl, "id", ""), "name",
                                             ds_json_str(bl, "name", ""), "arguments", args ? args : "{}"));
      ds_free(args);
    }
  }
  const char *stop = ds_json_str(msg, "stop_reason", "end_turn");
  const char *fr = strcmp(stop, "max_tokens") == 0 ? "length" : strcmp(stop, "tool_use") == 0 ? "tool_calls" : "stop";
  e->content = ds_buf_detach(&text, NULL);
  e->reasoning = think.len ? ds_buf_detach(&think, NULL) : NULL;
  ds_buf_release(&think);
  e->tool_calls = json_array_size(calls) ? calls : NULL;
  if (!e->tool_calls) json_decref(calls);
  e->finish_reason = ds_strdup(fr);
  const json_t *usage = json_object_get(msg, "usage");
  e->prompt_tokens = (long)(ds_json_num(usage, "input_tokens", 0) + ds_json_num(usage, "cache_read_input_tokens", 0) +
                            ds_json_num(usage, "cache_creation_input_tokens", 0));
  e->completion_tokens = (long)ds_json_num(usage, "output_tokens", 0);
  if (!e->content || !e->finish_reason) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

void file_close(struct ds_backend *b) {
  struct fileb *f = b->impl;
  if (!f) return;
  for (size_t i = 0; i < f->cap; i++) entry_free(f->slots[i]);
  ds_free(f->slots);
  for (size_t i = 0; i < f->qn; i++) {
    ds_result_release(&f->q[i].res);
    ds_free(f->q[i].key);
  }
  ds_free(f->q);
  ds_free(f->path);
  ds_free(f);
  b->impl = NULL;
}

enum ds_status file_index_new(struct ds_backend *b, const char *path, struct ds_err *err) {
  struct fileb *f = ds_calloc(1, sizeof *f);
  if (!f) return ds_fail(err, DS_E_NOMEM, "out of memory");
  b->impl = f;
  f->path = ds_strdup(path);
  return f->path ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
}

/* The roles of a message list as one letter each ("s", "d", "u", "a", "t"; "?" otherwise). */
char *file_roles(const json_t *messages, size_t n) {
  char *s = ds_malloc(n + 1);
  if (!s) return NULL;
  for (size_t i = 0; i < n; i++) {
    const char *r = ds_json_str(json_array_get(messages, i), "role", "?");
    s[i] = strcmp(r, "system") == 0 ? 's' : strcmp(r, "developer") == 0 ? 'd' : strcmp(r, "user") == 0 ? 'u'
           : strcmp(r, "assistant") == 0 ? 'a' : strcmp(r, "tool") == 0 ? 't' : '?';
  }
  s[n] = '\0';
  return s;
}

enum ds_status file_index_add(struct ds_backend *b, const char *key, unsigned k, const char *content,
                              const char *reasoning, const json_t *tool_calls, const char *roles, uint64_t line,
                              const char *error, struct ds_err *err) {
  struct fileb *f = b->impl;
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  const struct entry *old = lookup(f, key, k, &tmp);
  ds_buf_release(&tmp);
  if (old)
    return ds_fail(err, DS_E_INVALID, "%s: two answers for \"%.100s\" k=%u (lines %llu and %llu)", f->path, key, k,
                   (unsigned long long)old->line, (unsigned long long)line);
  struct entry *e = ds_calloc(1, sizeof *e);
  struct ds_buf nb;
  ds_buf_init(&nb, 0);
  if (!e || ds_buf_addf(&nb, "%s#%u", key, k)) {
    ds_free(e);
    ds_buf_release(&nb);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  e->name = ds_buf_detach(&nb, NULL);
  e->line = line;
  e->roles = roles ? ds_strdup(roles) : NULL;
  if (error) {
    e->status = DS_E_NOTFOUND;
    e->error = ds_strdup(error);
  } else {
    e->content = ds_strdup(content ? content : "");
    e->reasoning = reasoning ? ds_strdup(reasoning) : NULL;
    e->tool_calls = tool_calls && json_array_size(tool_calls) ? json_deep_copy(tool_calls) : NULL;
    e->finish_reason = ds_strdup(e->tool_calls ? "tool_calls" : "stop");
  }
  if (!e->name || (roles && !e->roles) || (error && !e->error) || (!error && (!e->content || !e->finish_reason)) ||
      (reasoning && !error && !e->reasoning) || insert(f, e)) {
    entry_free(e);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  return DS_OK;
}

static enum ds_status file_open(struct ds_backend *b, const char *rest, const struct ds_backend_params *p,
                                struct ds_err *err) {
  enum ds_status st = file_index_new(b, "", err);
  if (st) return st;
  struct fileb *f = b->impl;
  struct ds_lines *lines = NULL;
  struct ds_buf where, tmp;
  ds_buf_init(&where, 0);
  ds_buf_init(&tmp, 0);
  ds_free(f->path);
  f->path = backend_spec_path(rest);
  if (!f->path) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (!*f->path) {
    st = ds_fail(err, DS_E_INVALID, "file backend: no path in spec (file:PATH)");
    goto out;
  }
  st = ds_lines_open(f->path, FILE_MAX_LINE, &lines, err);
  if (st) goto out;
  for (;;) {
    struct ds_str line;
    bool too_long = false;
    st = ds_lines_next(lines, &line, &too_long, err);
    if (st == DS_E_NOTFOUND) {
      st = DS_OK;
      break;
    }
    if (st) goto out;
    uint64_t lineno = ds_lines_lineno(lines);
    ds_buf_reset(&where);
    ds_buf_addf(&where, "%s:%llu", f->path, (unsigned long long)lineno);
    if (too_long) {
      st = ds_fail(err, DS_E_LIMIT, "%s: line longer than %zu bytes", where.data, FILE_MAX_LINE);
      goto out;
    }
    size_t j = 0;
    while (j < line.len && (line.p[j] == ' ' || line.p[j] == '\t')) j++;
    if (j == line.len) continue; /* blank line */
    json_error_t jerr;
    json_t *o = json_loadb(line.p, line.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
      st = ds_fail(err, DS_E_PARSE, "%s: invalid JSON: %s", where.data, jerr.text);
      goto out;
    }
    struct entry *e = ds_calloc(1, sizeof *e);
    if (!e) {
      json_decref(o);
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    e->line = lineno;
    if (!json_is_object(o))
      st = ds_fail(err, DS_E_INVALID, "%s: not a JSON object", where.data);
    else if (json_object_get(o, "custom_id") && json_object_get(o, "result"))
      st = parse_anthropic(o, e, where.data, err);
    else if (json_object_get(o, "custom_id"))
      st = parse_batch(o, e, where.data, err);
    else if (json_object_get(o, "id"))
      st = parse_ours(o, e, where.data, err);
    else
      st = ds_fail(err, DS_E_INVALID, "%s: neither \"id\" nor \"custom_id\"", where.data);
    json_decref(o);
    if (!st) {
      uint64_t dup = duplicate_of(f, e, &tmp);
      if (dup)
        st = ds_fail(err, DS_E_INVALID, "%s: duplicate id \"%.80s\" (first at line %llu)", where.data,
                     e->name, (unsigned long long)dup);
    }
    if (!st && insert(f, e)) st = ds_fail(err, DS_E_NOMEM, "out of memory");
    if (st) {
      entry_free(e);
      goto out;
    }
  }
  {
    struct ds_buf d;
    ds_buf_init(&d, 0);
    ds_buf_addf(&d, "file:%s", f->path);
    b->described = ds_buf_detach(&d, NULL);
  }
  b->capacity = p->max_in_flight ? p->max_in_flight : 1;
  ds_logf(&p->log, DS_LOG_INFO, "file backend: %zu completions indexed from %s", f->n, f->path);
out:
  ds_lines_free(lines);
  ds_buf_release(&where);
  ds_buf_release(&tmp);
  return st;
}

enum ds_status file_submit(struct ds_backend *b, const struct ds_request *req, struct ds_err *err) {
  struct fileb *f = b->impl;
  if (!req->key) return ds_fail(err, DS_E_INVALID, "file backend: request has no key");
  if (f->qn == f->qcap) {
    size_t nc = f->qcap ? f->qcap * 2 : 16;
    struct pending *nq = ds_realloc(f->q, nc * sizeof *nq);
    if (!nq) return ds_fail(err, DS_E_NOMEM, "out of memory");
    f->q = nq;
    f->qcap = nc;
  }
  struct pending *pd = &f->q[f->qn];
  memset(pd, 0, sizeof *pd);
  pd->key = ds_strdup(req->key);
  if (!pd->key) return ds_fail(err, DS_E_NOMEM, "out of memory");
  struct ds_result *r = &pd->res;
  r->id = req->id;
  r->ud = req->ud;
  r->key = pd->key;
  r->attempts = 1;
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  const struct entry *e = lookup(f, req->key, req->k, &tmp);
  ds_buf_release(&tmp);
  bool same_prefix = true;
  if (e && e->roles && json_is_array(req->messages)) {
    char *rs = file_roles(req->messages, json_array_size(req->messages));
    if (!rs) return ds_fail(err, DS_E_NOMEM, "out of memory");
    same_prefix = strcmp(rs, e->roles) == 0;
    ds_free(rs);
  }
  const struct entry *conv = NULL;
  if (!e) {
    /* the logs backend notes each conversation it has (k = FILE_CONV_K) with its cuts */
    const char *h = strrchr(req->key, '#');
    char *id = h ? ds_strndup(req->key, (size_t)(h - req->key)) : NULL;
    ds_buf_init(&tmp, 0);
    if (id) conv = lookup(f, id, FILE_CONV_K, &tmp);
    ds_buf_release(&tmp);
    ds_free(id);
  }
  if (!e && conv) {
    r->status = DS_E_MISMATCH;
    snprintf(r->error, sizeof r->error, "the logged conversation differs from the prefix \"%.100s\": %s", req->key,
             conv->error);
  } else if (!e) {
    r->status = DS_E_NOTFOUND;
    snprintf(r->error, sizeof r->error, "no completion for \"%.100s\" k=%u in %.100s", req->key, req->k,
             f->path);
  } else if (e->status) {
    r->status = e->status;
    snprintf(r->error, sizeof r->error, "%s", e->error ? e->error : "error");
  } else if (!same_prefix) {
    /* the logged conversation is not the same prefix: its answer is not comparable */
    r->status = DS_E_MISMATCH;
    snprintf(r->error, sizeof r->error, "the logged conversation \"%.100s\" differs before the cut (roles %.40s, the "
             "prefix has %zu messages)", req->key, e->roles, json_array_size(req->messages));
  } else {
    r->content = ds_strdup(e->content);
    r->reasoning = e->reasoning ? ds_strdup(e->reasoning) : NULL;
    r->finish_reason = e->finish_reason ? ds_strdup(e->finish_reason) : NULL;
    r->tool_calls = e->tool_calls ? json_deep_copy(e->tool_calls) : NULL;
    r->choices = e->choices ? json_deep_copy(e->choices) : NULL;
    r->prompt_tokens = e->prompt_tokens;
    r->completion_tokens = e->completion_tokens;
    if (!r->content || (e->reasoning && !r->reasoning) || (e->finish_reason && !r->finish_reason) ||
        (e->tool_calls && !r->tool_calls) || (e->choices && !r->choices)) {
      ds_result_release(r);
      ds_free(pd->key);
      return ds_fail(err, DS_E_NOMEM, "out of memory");
    }
  }
  f->qn++;
  return DS_OK;
}

enum ds_status file_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud,
                                struct ds_err *err) {
  struct fileb *f = b->impl;
  /* Deliver what is queued now; the callback may submit more, served by a later poll. */
  size_t n = f->qn;
  struct pending *batch = f->q;
  f->q = NULL;
  f->qn = f->qcap = 0;
  for (size_t i = 0; i < n; i++) {
    done(ud, &batch[i].res);
    ds_result_release(&batch[i].res);
    ds_free(batch[i].key);
  }
  ds_free(batch);
  return DS_OK;
}

unsigned file_in_flight(const struct ds_backend *b) {
  const struct fileb *f = b->impl;
  return (unsigned)f->qn;
}

const struct ds_backend_ops ds_file_ops = {
    .name = "file",
    .version = 1,
    .open = file_open,
    .submit = file_submit,
    .poll = file_poll,
    .in_flight = file_in_flight,
    .context_length = NULL,
    .count_tokens = NULL,
    .close = file_close,
};
