/* llama_probe.c: drives any backend spec (made for llama:) from the command line: reads
 * requests as JSONL on stdin, keeps the backend full, prints one result per line.
 * Usage: llama_probe [-v] [--count] SPEC < requests.jsonl > results.jsonl
 * A request line: {"id":N,"messages":[...],"tools":[...],"max_tokens":N,"temperature":T,
 * "top_p":P,"seed":S,"stop":"..."|[...]} (all but messages optional). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend_ops.h"

static void log_stderr(void *ud, enum ds_log_level level, const char *msg) {
  (void)ud;
  static const char *names[] = {"debug", "info", "warn", "error"};
  fprintf(stderr, "%s: %s\n", names[level], msg);
}

static void print_result(void *ud, struct ds_result *r) {
  (void)ud;
  json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:f, s:i}", "id", (json_int_t)r->id, "status",
                        ds_status_name(r->status), "prompt_tokens", (json_int_t)r->prompt_tokens,
                        "completion_tokens", (json_int_t)r->completion_tokens, "latency_s", r->latency_s,
                        "attempts", (int)r->attempts);
  if (r->status != DS_OK) json_object_set_new(o, "error", json_string(r->error));
  if (r->content) json_object_set_new(o, "content", json_string(r->content));
  if (r->finish_reason) json_object_set_new(o, "finish_reason", json_string(r->finish_reason));
  if (r->tool_calls) json_object_set(o, "tool_calls", r->tool_calls);
  char *s = ds_json_compact(o);
  printf("%s\n", s ? s : "{}");
  fflush(stdout);
  ds_free(s);
  json_decref(o);
}

int main(int argc, char **argv) {
  bool verbose = false, count = false;
  int a = 1;
  for (; a < argc && argv[a][0] == '-'; a++) {
    if (!strcmp(argv[a], "-v")) verbose = true;
    else if (!strcmp(argv[a], "--count")) count = true;
    else break;
  }
  if (a != argc - 1) {
    fprintf(stderr, "usage: llama_probe [-v] [--count] SPEC < requests.jsonl\n");
    return 2;
  }
  struct ds_err err = {0};
  if (ds_init(&err)) {
    fprintf(stderr, "llama_probe: %s\n", err.msg);
    return 1;
  }
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.spec = argv[a];
  p.log.fn = verbose ? log_stderr : NULL;
  struct ds_backend *b = NULL;
  if (ds_backend_open(&p, &b, &err)) {
    fprintf(stderr, "llama_probe: %s: %s\n", ds_status_name(err.code), err.msg);
    return 1;
  }
  int rc = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long lineno = 0;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    lineno++;
    json_error_t jerr;
    json_t *rq = json_loadb(line, (size_t)n, 0, &jerr);
    if (!json_is_object(rq)) {
      fprintf(stderr, "llama_probe: stdin:%ld: %s\n", lineno, rq ? "not an object" : jerr.text);
      json_decref(rq);
      rc = 1;
      break;
    }
    struct ds_request r;
    ds_request_init(&r);
    r.id = (uint64_t)ds_json_num(rq, "id", (double)lineno);
    r.key = "probe#1";
    r.k = (unsigned)lineno;
    r.messages = json_object_get(rq, "messages");
    r.tools = json_object_get(rq, "tools");
    r.stop = json_object_get(rq, "stop");
    r.max_tokens = (int)ds_json_num(rq, "max_tokens", 0);
    r.temperature = ds_json_num(rq, "temperature", -1);
    r.top_p = ds_json_num(rq, "top_p", -1);
    r.seed = (int64_t)ds_json_num(rq, "seed", -1);
    enum ds_status st;
    if (count) {
      unsigned nt = 0;
      st = ds_backend_count_tokens(b, r.messages, r.tools, &nt, &err);
      if (!st) printf("{\"id\":%llu,\"tokens\":%u}\n", (unsigned long long)r.id, nt);
    } else {
      while (ds_backend_in_flight(b) >= ds_backend_capacity(b))
        if ((st = ds_backend_poll(b, 1000, print_result, NULL, &err))) break;
      st = ds_backend_submit(b, &r, &err);
    }
    json_decref(rq);
    if (st) {
      fprintf(stderr, "llama_probe: stdin:%ld: %s: %s\n", lineno, ds_status_name(st), err.msg);
      rc = 1;
      break;
    }
  }
  free(line);
  while (ds_backend_in_flight(b) > 0)
    if (ds_backend_poll(b, 1000, print_result, NULL, &err)) break;
  ds_backend_close(b);
  return rc;
}
