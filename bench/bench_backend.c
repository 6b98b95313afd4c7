/* bench_backend.c: requests/s through the openai backend against the fault server's
 * zero-latency "fast" mode, beside wrk on the same endpoint in the same run, and the ratio
 * (target: depsim >= 50% of wrk). Usage: bench_backend [--server PATH] [--seconds S]
 * [--conns C] [--rounds R] [--wrk PATH] [--clients N]  (server default: ../tests/fault_server
 * next to this program). Rounds alternate wrk and depsim so that load from other processes hits
 * both; the median ratio is the figure. --clients N runs N independent backends on N threads
 * (C/N connections each) and sums them: the most that spreading the requests over threads could
 * give, with no hand-off between them.
 * --late MS [--requests N]: instead, N requests (default 1000) against the fault server's late-MS
 * mode (every answer after MS milliseconds), C in flight, polled as replay polls (50 ms): the
 * client's CPU seconds per 1,000 requests, which is what waiting costs (target: near the cost of
 * the requests themselves, a few hundredths of a second; a busy wait costs the whole wall time). */
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_cpu.h"
#include "depsim/backend.h"
#include "base/base.h"

static const char *body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

static pid_t start_server(const char *path, int *out_port) {
  int fds[2];
  if (pipe(fds)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    execl(path, path, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char line[64] = "";
  if (!f || !fgets(line, sizeof line, f) || sscanf(line, "port=%d", out_port) != 1) {
    kill(pid, SIGTERM);
    return -1;
  }
  fclose(f);
  return pid;
}

static double run_wrk(const char *wrk, const char *url, int conns, int seconds) {
  char lua[] = "/tmp/ds-bench-post.XXXXXX";
  int fd = mkstemp(lua);
  if (fd < 0) return -1;
  FILE *f = fdopen(fd, "w");
  fprintf(f, "wrk.method = \"POST\"\nwrk.body = '%s'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", body);
  fclose(f);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s -t1 -c%d -d%ds -s %s %s 2>&1", wrk, conns, seconds, lua, url);
  FILE *p = popen(cmd, "r");
  double rps = -1;
  char line[512];
  while (p && fgets(line, sizeof line, p))
    if (sscanf(line, "Requests/sec: %lf", &rps) == 1) break;
  if (p) pclose(p);
  unlink(lua);
  return rps;
}

struct count {
  unsigned long ok, failed;
};

static void on_done(void *ud, struct ds_result *r) {
  struct count *c = ud;
  if (r->status == DS_OK) c->ok++;
  else c->failed++;
}

static double run_one(const char *url, int conns, int seconds, struct count *c) {
  char spec[512];
  snprintf(spec, sizeof spec, "openai:%s?model=m", url);
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.spec = spec;
  p.max_in_flight = (unsigned)conns;
  p.in_flight_fixed = true;
  struct ds_backend *b = NULL;
  struct ds_err err = {0};
  if (ds_backend_open(&p, &b, &err)) {
    fprintf(stderr, "bench_backend: %s\n", err.msg);
    return -1;
  }
  json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hello");
  struct ds_request rq;
  ds_request_init(&rq);
  rq.messages = msgs;
  rq.key = "bench#1";
  double t0 = ds_now_mono(), end = t0 + seconds;
  uint64_t id = 0;
  while (ds_now_mono() < end) {
    while (ds_backend_in_flight(b) < ds_backend_capacity(b)) {
      rq.id = id++;
      if (ds_backend_submit(b, &rq, &err)) break;
    }
    if (ds_backend_poll(b, 100, on_done, c, &err)) break;
  }
  double t = ds_now_mono() - t0; /* requests still in flight are not counted */
  ds_backend_close(b);
  json_decref(msgs);
  return (double)c->ok / t;
}

/* --late: n requests answered after ms each; prints the client's CPU per 1,000 requests */
static int run_late(int port, int ms, int conns, unsigned long n) {
  char spec[256];
  snprintf(spec, sizeof spec, "openai:http://127.0.0.1:%d/late-%d/v1?model=m", port, ms);
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.spec = spec;
  p.max_in_flight = (unsigned)conns;
  p.in_flight_fixed = true;
  struct ds_backend *b = NULL;
  struct ds_err err = {0};
  if (ds_backend_open(&p, &b, &err)) {
    fprintf(stderr, "bench_backend: %s\n", err.msg);
    return 1;
  }
  json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hello");
  struct ds_request rq;
  ds_request_init(&rq);
  rq.messages = msgs;
  rq.key = "bench#1";
  struct count c = {0, 0};
  unsigned long sent = 0;
  double c0 = bench_cpu_self(), t0 = ds_now_mono();
  while (c.ok + c.failed < n) {
    while (sent < n && ds_backend_in_flight(b) < ds_backend_capacity(b)) {
      rq.id = sent++;
      if (ds_backend_submit(b, &rq, &err)) break;
    }
    if (ds_backend_poll(b, 50, on_done, &c, &err)) break;
  }
  double cpu = bench_cpu_self() - c0, wall = ds_now_mono() - t0;
  ds_backend_close(b);
  json_decref(msgs);
  printf("late-%d: %lu requests (%lu failed), %d in flight, %.1f s wall: client CPU %.3f s per 1,000 requests "
         "(%.1f%% of a core while waiting)\n",
         ms, c.ok + c.failed, c.failed, conns, wall, cpu * 1000.0 / (double)(c.ok + c.failed ? c.ok + c.failed : 1),
         100 * cpu / wall);
  return c.failed ? 1 : 0;
}

struct client {
  const char *url;
  int conns, seconds;
  struct count c;
  double rps;
  pthread_t th;
};

static void *client_main(void *arg) {
  struct client *cl = arg;
  cl->rps = run_one(cl->url, cl->conns, cl->seconds, &cl->c);
  return NULL;
}

/* n_clients backends on as many threads; the sum of their rates. */
static double run_depsim(const char *url, int conns, int seconds, int n_clients, struct count *c) {
  if (n_clients <= 1) return run_one(url, conns, seconds, c);
  struct client cl[16];
  double sum = 0;
  for (int i = 0; i < n_clients; i++) {
    cl[i] = (struct client){.url = url, .conns = conns / n_clients + (i < conns % n_clients), .seconds = seconds};
    if (pthread_create(&cl[i].th, NULL, client_main, &cl[i])) return -1;
  }
  for (int i = 0; i < n_clients; i++) {
    pthread_join(cl[i].th, NULL);
    if (cl[i].rps < 0) return -1;
    sum += cl[i].rps;
    c->ok += cl[i].c.ok;
    c->failed += cl[i].c.failed;
  }
  return sum;
}

int main(int argc, char **argv) {
  char self[4096];
  snprintf(self, sizeof self, "%s", argv[0]);
  char server[4200];
  snprintf(server, sizeof server, "%s/../tests/fault_server", dirname(self));
  const char *server_path = getenv("DS_fault_server") ? getenv("DS_fault_server") : server;
  const char *wrk = "/usr/bin/wrk";
  int seconds = 3, conns = 64, rounds = 5, clients = 1, late = 0;
  unsigned long requests = 1000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) server_path = argv[++i];
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc) conns = atoi(argv[++i]);
    else if (strcmp(argv[i], "--wrk") == 0 && i + 1 < argc) wrk = argv[++i];
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) clients = atoi(argv[++i]);
    else if (strcmp(argv[i], "--late") == 0 && i + 1 < argc) late = atoi(argv[++i]);
    else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc) requests = strtoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: bench_backend [--server PATH] [--seconds S] [--conns C] [--rounds R] [--wrk PATH] "
                      "[--clients N] [--late MS [--requests N]]\n");
      return 2;
    }
  }
  if (clients < 1 || clients > 16 || clients > conns) {
    fprintf(stderr, "bench_backend: --clients must be 1 to 16 and at most --conns\n");
    return 2;
  }
  if (ds_init(NULL)) return 1;
  int port = 0;
  pid_t srv = start_server(server_path, &port);
  if (srv < 0) {
    fprintf(stderr, "bench_backend: cannot start %s\n", server_path);
    return 1;
  }
  if (late > 0) {
    int rc = run_late(port, late, conns, requests);
    kill(srv, SIGTERM);
    waitpid(srv, NULL, 0);
    return rc;
  }
  char base[128], url[160];
  snprintf(base, sizeof base, "http://127.0.0.1:%d/fast/v1", port);
  snprintf(url, sizeof url, "%s/chat/completions", base);
  printf("bench_backend: endpoint fault_server fast mode, %d connections, %d s per run, %d rounds, depsim on %d "
         "thread%s\n", conns, seconds, rounds, clients, clients > 1 ? "s (independent backends)" : "");
  double ratios[64], wsum = 0, dsum = 0;
  int n_ok = 0;
  unsigned long failed = 0;
  for (int i = 0; i < rounds && i < 64; i++) {
    double s0 = bench_cpu_of(srv), k0 = bench_cpu_children();
    double w = run_wrk(wrk, url, conns, seconds);
    double s1 = bench_cpu_of(srv), k1 = bench_cpu_children(), c1 = bench_cpu_self();
    struct count c = {0, 0};
    double d = run_depsim(base, conns, seconds, clients, &c);
    double s2 = bench_cpu_of(srv), c2 = bench_cpu_self();
    failed += c.failed;
    printf("round %d: wrk %8.0f req/s   depsim %8.0f req/s   ratio %.2f   (CPU us per request: wrk %.1f + server "
           "%.1f; depsim %.1f + server %.1f)\n",
           i + 1, w, d, w > 0 ? d / w : 0, w > 0 ? (k1 - k0) * 1e6 / (w * seconds) : 0,
           w > 0 ? (s1 - s0) * 1e6 / (w * seconds) : 0, d > 0 ? (c2 - c1) * 1e6 / (d * seconds) : 0,
           d > 0 ? (s2 - s1) * 1e6 / (d * seconds) : 0);
    fflush(stdout);
    if (w > 0 && d > 0) {
      ratios[n_ok++] = d / w;
      wsum += w;
      dsum += d;
    }
  }
  kill(srv, SIGTERM);
  waitpid(srv, NULL, 0);
  if (n_ok == 0) return 1;
  for (int i = 1; i < n_ok; i++) /* insertion sort */
    for (int j = i; j > 0 && ratios[j] < ratios[j - 1]; j--) {
      double t = ratios[j];
      ratios[j] = ratios[j - 1];
      ratios[j - 1] = t;
    }
  double med = n_ok % 2 ? ratios[n_ok / 2] : (ratios[n_ok / 2 - 1] + ratios[n_ok / 2]) / 2;
  printf("wrk     %10.0f requests/s (mean)\n", wsum / n_ok);
  printf("depsim  %10.0f requests/s (mean, %lu failed)\n", dsum / n_ok, failed);
  printf("ratio   %10.2f  median of %d rounds (target >= 0.50)\n", med, n_ok);
  return 0;
}
