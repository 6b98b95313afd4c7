/* bench_llama.c: generated tokens per second of the llama backend with 8 parallel sequences
 * against 1, and against a real llama-server on the same model, slot count and threads (the
 * bench starts it, sends the same concurrent requests with libcurl, and prints both).
 * Usage: bench_llama MODEL.gguf [--server PATH|none] [--requests N] [--max-tokens N]
 *                   [--threads N] [--parallel N] [--contexts N|auto] [--ctx N] [--repeat N]
 *                   [--flash-attn on|off|auto] [--server-args "ARGS..."]
 * (--contexts: the backend's contexts=N|auto, default auto; --server-args: extra llama-server
 * arguments, split on spaces). A single sequence is also timed on one thread: on a tiny model
 * that is its fastest setting, and the speed-up is printed against it too. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <llama.h>

#include "backend/backend_ops.h"
#include "bench_cpu.h"

static const char *prompts[] = {
    "Once upon a time there was a little girl named Lily.",
    "Tell me a story about a dog who found a ball.",
    "Tom and his mom went to the park.",
    "Write a short story about the sun and the moon.",
    "The cat sat on the mat and looked at the bird.",
    "A boy wanted to fly like a bird.",
    "Sara had a red balloon.",
    "What did the little fish see in the sea?",
};

struct opts {
  const char *model, *server, *server_args, *fa, *contexts;
  int requests, max_tokens, threads, parallel, ctx, repeat;
};

static json_t *request_body(int i, int max_tokens) {
  /* cache_prompt false: llama-server would otherwise reuse the KV of an earlier request with
   * the same prompt, which the llama backend does not do (replay prompts are all distinct) */
  return json_pack("{s:[{s:s, s:s}], s:i, s:f, s:i, s:b}", "messages", "role", "user", "content",
                   prompts[i % (int)DS_ARRAY_LEN(prompts)], "max_tokens", max_tokens, "temperature", 0.8, "seed",
                   1000 + i, "cache_prompt", 0);
}

/* ---- the llama backend ---------------------------------------------------------------- */

struct tally {
  long tokens, errors;
};

static void count_done(void *ud, struct ds_result *r) {
  struct tally *t = ud;
  if (r->status != DS_OK) {
    t->errors++;
    fprintf(stderr, "bench_llama: request %llu: %s\n", (unsigned long long)r->id, r->error);
  }
  t->tokens += r->completion_tokens;
}

static double run_backend(const struct opts *o, int parallel, int threads, long *out_tokens, double *out_cpu) {
  char spec[2048];
  snprintf(spec, sizeof spec, "llama:%s?parallel=%d&ctx=%d&threads=%d&contexts=%s&flash_attn=%s", o->model, parallel,
           o->ctx, threads, o->contexts, o->fa);
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.spec = spec;
  struct ds_backend *b = NULL;
  struct ds_err err = {0};
  if (ds_backend_open(&p, &b, &err)) {
    fprintf(stderr, "bench_llama: %s\n", err.msg);
    exit(1);
  }
  json_t *bodies[256];
  for (int i = 0; i < o->requests; i++) bodies[i] = request_body(i, o->max_tokens);
  struct tally t = {0, 0};
  double t0 = ds_now_mono(), c0 = bench_cpu_self();
  int next = 0;
  while (next < o->requests || ds_backend_in_flight(b) > 0) {
    while (next < o->requests && ds_backend_in_flight(b) < ds_backend_capacity(b)) {
      struct ds_request rq;
      ds_request_init(&rq);
      rq.id = (uint64_t)next;
      rq.messages = json_object_get(bodies[next], "messages");
      rq.max_tokens = o->max_tokens;
      rq.temperature = 0.8;
      rq.seed = 1000 + next;
      if (ds_backend_submit(b, &rq, &err)) {
        fprintf(stderr, "bench_llama: %s\n", err.msg);
        exit(1);
      }
      next++;
    }
    ds_backend_poll(b, 1000, count_done, &t, &err);
  }
  double dt = ds_now_mono() - t0;
  *out_cpu = bench_cpu_self() - c0;
  ds_backend_close(b);
  for (int i = 0; i < o->requests; i++) json_decref(bodies[i]);
  if (t.errors) exit(1);
  *out_tokens = t.tokens;
  return (double)t.tokens / dt;
}

/* ---- llama-server ---------------------------------------------------------------------- */

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || getsockname(fd, (struct sockaddr *)&a, &len)) {
    perror("bench_llama: socket");
    exit(1);
  }
  close(fd);
  return ntohs(a.sin_port);
}

static size_t sink(char *p, size_t sz, size_t n, void *ud) {
  if (ds_buf_add(ud, p, sz * n)) return 0;
  return sz * n;
}

static pid_t start_server(const struct opts *o, int port) {
  char sport[16], snp[16], sctx[32], sthr[16];
  snprintf(sport, sizeof sport, "%d", port);
  snprintf(snp, sizeof snp, "%d", o->parallel);
  snprintf(sctx, sizeof sctx, "%d", o->ctx * o->parallel);
  snprintf(sthr, sizeof sthr, "%d", o->threads);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    char *args[64] = {(char *)o->server, "-m", (char *)o->model, "--host", "127.0.0.1", "--port", sport, "-np", snp,
                      "-c", sctx, "-t", sthr, "-tb", sthr, "--no-webui", "--no-jinja"};
    int n = 17;
    char *extra = o->server_args ? strdup(o->server_args) : NULL;
    for (char *tok = extra ? strtok(extra, " ") : NULL; tok && n < 63; tok = strtok(NULL, " ")) args[n++] = tok;
    args[n] = NULL;
    execv(o->server, args);
    _exit(127);
  }
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/health", port);
  for (int i = 0; i < 600; i++) {
    CURL *c = curl_easy_init();
    struct ds_buf body;
    ds_buf_init(&body, 1 << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    long code = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    ds_buf_release(&body);
    if (code == 200) return pid;
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      fprintf(stderr, "bench_llama: %s exited at start\n", o->server);
      exit(1);
    }
    usleep(100000);
  }
  fprintf(stderr, "bench_llama: llama-server did not become ready\n");
  kill(pid, SIGTERM);
  exit(1);
}

/* The same requests as run_backend, o->parallel at a time over the curl multi interface. */
static double run_server(const struct opts *o, pid_t pid, int port, long *out_tokens, double *out_cpu) {
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/chat/completions", port);
  CURLM *m = curl_multi_init();
  struct xfer {
    CURL *c;
    char *body;
    struct ds_buf resp;
    struct curl_slist *hdr;
  } x[256];
  long tokens = 0;
  int next = 0, running = 0, active = 0;
  double t0 = ds_now_mono(), c0 = bench_cpu_of(pid);
  while (next < o->requests || active > 0) {
    while (next < o->requests && active < o->parallel) {
      struct xfer *t = &x[next];
      json_t *b = request_body(next, o->max_tokens);
      t->body = ds_json_compact(b);
      json_decref(b);
      ds_buf_init(&t->resp, 1 << 20);
      t->hdr = curl_slist_append(NULL, "Content-Type: application/json");
      t->c = curl_easy_init();
      curl_easy_setopt(t->c, CURLOPT_URL, url);
      curl_easy_setopt(t->c, CURLOPT_POSTFIELDS, t->body);
      curl_easy_setopt(t->c, CURLOPT_HTTPHEADER, t->hdr);
      curl_easy_setopt(t->c, CURLOPT_WRITEFUNCTION, sink);
      curl_easy_setopt(t->c, CURLOPT_WRITEDATA, &t->resp);
      curl_easy_setopt(t->c, CURLOPT_PRIVATE, t);
      curl_multi_add_handle(m, t->c);
      next++;
      active++;
    }
    curl_multi_perform(m, &running);
    curl_multi_poll(m, NULL, 0, 100, NULL);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left))) {
      if (msg->msg != CURLMSG_DONE) continue;
      struct xfer *t;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
      json_t *r = json_loadb(t->resp.data, t->resp.len, JSON_ALLOW_NUL, NULL);
      json_t *usage = json_object_get(r, "usage");
      if (msg->data.result != CURLE_OK || !usage) {
        fprintf(stderr, "bench_llama: llama-server request failed: %s\n", t->resp.data);
        exit(1);
      }
      tokens += (long)ds_json_num(usage, "completion_tokens", 0);
      json_decref(r);
      curl_multi_remove_handle(m, t->c);
      curl_easy_cleanup(t->c);
      curl_slist_free_all(t->hdr);
      ds_free(t->body);
      ds_buf_release(&t->resp);
      active--;
    }
  }
  double dt = ds_now_mono() - t0;
  *out_cpu = bench_cpu_of(pid) - c0;
  curl_multi_cleanup(m);
  *out_tokens = tokens;
  return (double)tokens / dt;
}

static const char *default_server(void) {
  static char path[4096];
  const char *env = getenv("DS_LLAMA_SERVER");
  if (env && *env) return env;
  Dl_info info; /* the llama-server installed beside the libllama we run with */
  if (dladdr((void *)llama_backend_init, &info) && info.dli_fname) {
    char lib[4096];
    snprintf(lib, sizeof lib, "%s", info.dli_fname);
    snprintf(path, sizeof path, "%s/../bin/llama-server", dirname(lib));
    if (access(path, X_OK) == 0) return path;
  }
  return NULL;
}

static double best(double a, double b) { return a > b ? a : b; }

int main(int argc, char **argv) {
  struct opts o = {NULL, NULL, NULL, "auto", "auto", 32, 64, 2, 8, 512, 3};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--server") && v) o.server = argv[++i];
    else if (!strcmp(a, "--requests") && v) o.requests = atoi(argv[++i]);
    else if (!strcmp(a, "--max-tokens") && v) o.max_tokens = atoi(argv[++i]);
    else if (!strcmp(a, "--threads") && v) o.threads = atoi(argv[++i]);
    else if (!strcmp(a, "--parallel") && v) o.parallel = atoi(argv[++i]);
    else if (!strcmp(a, "--ctx") && v) o.ctx = atoi(argv[++i]);
    else if (!strcmp(a, "--contexts") && v) o.contexts = argv[++i];
    else if (!strcmp(a, "--repeat") && v) o.repeat = atoi(argv[++i]);
    else if (!strcmp(a, "--flash-attn") && v) o.fa = argv[++i];
    else if (!strcmp(a, "--server-args") && v) o.server_args = argv[++i];
    else if (a[0] != '-' && !o.model) o.model = a;
    else {
      fprintf(stderr, "usage: bench_llama MODEL.gguf [--server PATH|none] [--requests N] [--max-tokens N] "
                      "[--threads N] [--parallel N] [--contexts N|auto] [--ctx N] [--repeat N] [--flash-attn on|off|auto] "
                      "[--server-args \"ARGS\"]\n");
      return 2;
    }
  }
  if (!o.model || o.requests < 1 || o.requests > 256 || o.parallel < 1 || o.repeat < 1) {
    fprintf(stderr, "bench_llama: a model is required; 1 <= requests <= 256\n");
    return 2;
  }
  if (!o.server) o.server = default_server();
  if (ds_init(NULL)) return 1;
  signal(SIGPIPE, SIG_IGN);
  printf("model %s: %d requests of up to %d tokens (temperature 0.8, per-request seeds), %d threads, "
         "contexts=%s, flash_attn=%s, best of %d runs\n", o.model, o.requests, o.max_tokens, o.threads, o.contexts,
         o.fa, o.repeat);
  fflush(stdout);

  /* the runs interleave (backend 1, backend N, server, again) so that other load on the
   * machine hits all three alike; each figure is the best of its runs */
  bool with_server = o.server && strcmp(o.server, "none") != 0;
  pid_t pid = 0;
  int port = 0;
  if (with_server) {
    port = free_port();
    pid = start_server(&o, port);
  }
  double one = 0, one_t1 = 0, many = 0, srv = 0, cpu1 = 1e30, cpun = 1e30, cpus = 1e30;
  long tok1 = 0, tokn = 0, toks = 0, tok11 = 0;
  for (int r = 0; r < o.repeat; r++) {
    double ca = 0, cb = 0, cc = 0, cd = 0;
    double a = run_backend(&o, 1, o.threads, &tok1, &ca), b = run_backend(&o, o.parallel, o.threads, &tokn, &cb);
    double c = with_server ? run_server(&o, pid, port, &toks, &cc) : 0;
    double d = o.threads > 1 ? run_backend(&o, 1, 1, &tok11, &cd) : a;
    printf("  run %d: parallel=1 %.1f, parallel=%d %.1f, llama-server %.1f, parallel=1 on 1 thread %.1f tokens/s "
           "(CPU ms per 100 tokens: %.2f, %.2f, %.2f)\n", r + 1, a, o.parallel, b, c, d, 1e5 * ca / (double)tok1,
           1e5 * cb / (double)tokn, toks ? 1e5 * cc / (double)toks : 0.0);
    fflush(stdout);
    one = best(one, a);
    one_t1 = best(one_t1, d);
    many = best(many, b);
    srv = best(srv, c);
    cpu1 = ca / (double)tok1 < cpu1 ? ca / (double)tok1 : cpu1;
    cpun = cb / (double)tokn < cpun ? cb / (double)tokn : cpun;
    if (toks) cpus = cc / (double)toks < cpus ? cc / (double)toks : cpus;
  }
  if (with_server) {
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
  }
  printf("llama backend, parallel=1 : %8.1f tokens/s (%ld tokens)\n", one, tok1);
  printf("llama backend, parallel=%-2d: %8.1f tokens/s (%ld tokens)\n", o.parallel, many, tokn);
  printf("speed-up %d vs 1 sequences : %8.2fx   (CPU time per token: %.2fx less)\n", o.parallel, many / one,
         cpu1 / cpun);
  if (o.threads > 1)
    printf("  vs 1 sequence on 1 thread : %8.2fx   (%.1f tokens/s: its fastest setting on a tiny model)\n",
           many / one_t1, one_t1);
  if (with_server) {
    printf("llama-server -np %-2d        : %8.1f tokens/s (%ld tokens) [%s %s]\n", o.parallel, srv, toks, o.server,
           o.server_args ? o.server_args : "");
    printf("llama backend / llama-server: %8.2fx   (CPU time per token: server/backend %.2fx)\n", many / srv,
           cpus / cpun);
  } else {
    printf("llama-server: not run (pass --server PATH or set DS_LLAMA_SERVER)\n");
  }
  return 0;
}
