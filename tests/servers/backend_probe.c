/* backend_probe.c: drives any backend through the public ds_backend_* API for e2e tests:
 * submits N requests (keeping the backend full), prints every result as a JSON line and a
 * final {"summary":...} line; library log lines go to stderr as "log: LEVEL msg". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "depsim/backend.h"
#include "base/base.h"

static const char *usage =
    "usage: backend_probe --spec SPEC [--n N] [--prompt TEXT] [--same-prompt] [--messages FILE] [--messages-as-text]\n"
    "  [--tools FILE] [--seed S] [--temperature T] [--max-tokens M] [--n-choices C] [--extra JSON]\n"
    "  [--max-in-flight N] [--timeout S] [--attempt-timeout S] [--max-attempts N] [--backoff S]\n"
    "  [--backoff-max S] [--key-env VAR] [--count-tokens] [--context-length] [--key-prefix P]\n";

static void on_log(void *ud, enum ds_log_level level, const char *msg) {
  static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  fprintf(stderr, "log: %.3f %s %s\n", ds_now_mono(), names[level], msg);
}

struct totals {
  unsigned n, ok, failed;
  long prompt_tokens, completion_tokens;
};

static void on_done(void *ud, struct ds_result *r) {
  struct totals *t = ud;
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer((json_int_t)r->id));
  json_object_set_new(o, "key", json_string(r->key ? r->key : ""));
  json_object_set_new(o, "status", json_string(ds_status_name(r->status)));
  if (r->status) json_object_set_new(o, "error", json_string(r->error));
  if (r->content) json_object_set_new(o, "content", json_string(r->content));
  if (r->reasoning) json_object_set_new(o, "reasoning", json_string(r->reasoning));
  if (r->tool_calls) json_object_set(o, "tool_calls", r->tool_calls);
  if (r->choices) json_object_set(o, "choices", r->choices);
  if (r->finish_reason) json_object_set_new(o, "finish_reason", json_string(r->finish_reason));
  json_object_set_new(o, "prompt_tokens", json_integer(r->prompt_tokens));
  json_object_set_new(o, "completion_tokens", json_integer(r->completion_tokens));
  json_object_set_new(o, "latency_s", json_real(r->latency_s));
  json_object_set_new(o, "attempts", json_integer(r->attempts));
  json_object_set_new(o, "http_status", json_integer(r->http_status));
  if (r->endpoint) json_object_set_new(o, "endpoint", json_string(r->endpoint));
  char *s = json_dumps(o, JSON_COMPACT);
  puts(s);
  ds_free(s);
  json_decref(o);
  t->n++;
  if (r->status == DS_OK) t->ok++;
  else t->failed++;
  t->prompt_tokens += r->prompt_tokens;
  t->completion_tokens += r->completion_tokens;
}

static json_t *load_json_file(const char *path) {
  json_error_t e;
  json_t *j = json_load_file(path, 0, &e);
  if (!j) {
    fprintf(stderr, "backend_probe: %s:%d: %s\n", path, e.line, e.text);
    exit(2);
  }
  return j;
}

int main(int argc, char **argv) {
  struct ds_err err = {0};
  if (ds_init(&err)) {
    fprintf(stderr, "backend_probe: %s\n", err.msg);
    return 1;
  }
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.log.fn = on_log;
  unsigned n = 1, n_choices = 1;
  const char *prompt = "Once upon a time";
  const char *key_prefix = "probe";
  bool same = false, want_count = false, want_ctx = false, as_text = false;
  json_t *messages = NULL, *tools = NULL, *extra = NULL;
  int64_t seed = -1;
  double temperature = -1;
  int max_tokens = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
    if (ARG("--spec")) p.spec = v;
    else if (ARG("--n")) n = (unsigned)atoi(v);
    else if (ARG("--prompt")) prompt = v;
    else if (strcmp(a, "--same-prompt") == 0) same = true;
    else if (strcmp(a, "--messages-as-text") == 0) as_text = true; /* ds_request.messages_json */
    else if (ARG("--messages")) messages = load_json_file(v);
    else if (ARG("--tools")) tools = load_json_file(v);
    else if (ARG("--extra")) extra = json_loads(v, 0, NULL);
    else if (ARG("--seed")) seed = atoll(v);
    else if (ARG("--temperature")) temperature = atof(v);
    else if (ARG("--max-tokens")) max_tokens = atoi(v);
    else if (ARG("--n-choices")) n_choices = (unsigned)atoi(v);
    else if (ARG("--max-in-flight")) p.max_in_flight = (unsigned)atoi(v), p.in_flight_fixed = true;
    else if (ARG("--timeout")) p.timeout_s = atof(v);
    else if (ARG("--attempt-timeout")) p.attempt_timeout_s = atof(v);
    else if (ARG("--max-attempts")) p.max_attempts = (unsigned)atoi(v);
    else if (ARG("--backoff")) p.backoff_base_s = atof(v);
    else if (ARG("--backoff-max")) p.backoff_max_s = atof(v);
    else if (ARG("--key-env")) p.api_key_env = v;
    else if (ARG("--key-prefix")) key_prefix = v;
    else if (strcmp(a, "--count-tokens") == 0) want_count = true;
    else if (strcmp(a, "--context-length") == 0) want_ctx = true;
    else {
      fputs(usage, stderr);
      return 2;
    }
#undef ARG
  }
  if (!p.spec) {
    fputs(usage, stderr);
    return 2;
  }
  struct ds_backend *b = NULL;
  if (ds_backend_open(&p, &b, &err)) {
    fprintf(stderr, "backend_probe: open: %s: %s\n", ds_status_name(err.code), err.msg);
    return 1;
  }
  int rc = 0;
  struct totals t = {0};
  double t0 = ds_now_mono();
  unsigned next = 0;
  char key[128];
  while (t.n < n) {
    while (next < n && ds_backend_in_flight(b) < ds_backend_capacity(b)) {
      json_t *msgs = messages ? json_incref(messages) : NULL;
      if (!msgs) {
        char text[512];
        if (same) snprintf(text, sizeof text, "%s", prompt);
        else snprintf(text, sizeof text, "%s %u", prompt, next);
        msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", text);
      }
      struct ds_request rq;
      ds_request_init(&rq);
      rq.id = next;
      snprintf(key, sizeof key, "%s#%u", key_prefix, next);
      rq.key = key;
      char *text = as_text ? json_dumps(msgs, JSON_COMPACT) : NULL;
      if (text) rq.messages_json = text;
      else rq.messages = msgs;
      rq.tools = tools;
      rq.seed = seed;
      rq.temperature = temperature;
      rq.max_tokens = max_tokens;
      rq.n = n_choices;
      rq.extra = extra;
      enum ds_status st = ds_backend_submit(b, &rq, &err);
      ds_free(text);
      json_decref(msgs);
      if (st) {
        fprintf(stderr, "backend_probe: submit %u: %s: %s\n", next, ds_status_name(st), err.msg);
        rc = 1;
        goto out;
      }
      next++;
    }
    if (ds_backend_poll(b, 1000, on_done, &t, &err)) {
      fprintf(stderr, "backend_probe: poll: %s\n", err.msg);
      rc = 1;
      goto out;
    }
  }
  {
    double wall = ds_now_mono() - t0;
    json_t *s = json_pack("{s:{s:i,s:i,s:i,s:I,s:I,s:f,s:s}}", "summary", "n", t.n, "ok", t.ok, "failed", t.failed,
                          "prompt_tokens", (json_int_t)t.prompt_tokens, "completion_tokens",
                          (json_int_t)t.completion_tokens, "wall_s", wall, "describe", ds_backend_describe(b));
    json_t *sum = json_object_get(s, "summary");
    if (want_ctx) json_object_set_new(sum, "context_length", json_integer(ds_backend_context_length(b)));
    if (want_count) {
      unsigned nt = 0;
      json_t *msgs = messages ? json_incref(messages) : json_pack("[{s:s,s:s}]", "role", "user", "content", prompt);
      enum ds_status st = ds_backend_count_tokens(b, msgs, tools, &nt, &err);
      json_decref(msgs);
      if (st) json_object_set_new(sum, "count_tokens_error", json_string(ds_status_name(st)));
      else json_object_set_new(sum, "count_tokens", json_integer(nt));
    }
    char *str = json_dumps(s, JSON_COMPACT);
    puts(str);
    ds_free(str);
    json_decref(s);
  }
out:
  ds_backend_close(b);
  json_decref(messages);
  json_decref(tools);
  json_decref(extra);
  return rc;
}
