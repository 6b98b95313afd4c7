/* bench_replay.c: replay throughput and memory against the zero-latency endpoint of the fault
 * server (tests/servers/fault_server.c, mode "fast"): backend-only requests/s, replay
 * prefixes/s (the store's cost is the difference) and peak RSS for growing corpora.
 * Usage: bench_replay [N=100000] [BASE_URL] [--rounds R]   (without BASE_URL it starts
 * $DS_FAULT_SERVER, default ./tests/fault_server from the build directory). Each figure runs in
 * its own child process so that its peak RSS is its own. Each of the rounds (default 3) runs
 * a replay between two backend-only runs (R rounds: R replays, R + 1 backend-only runs,
 * alternating) and compares it with their mean, so that load from elsewhere and drift hit
 * both sides; the median ratio is the figure. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/backend.h"
#include "depsim/replay.h"

#define IN_FLIGHT 64

static char dir[] = "/tmp/ds-bench-replay.XXXXXX";
static char spec[512];

static void write_corpus(const char *path, unsigned n) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  for (unsigned i = 0; i < n; i++)
    fprintf(f,
            "{\"id\":\"bench-%u\",\"time\":\"2026-03-01T12:00:00Z\",\"segment\":{\"product\":\"chat\"},\"messages\":["
            "{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
            "{\"role\":\"user\",\"content\":\"Question number %u: how do I sort a list in Python?\"},"
            "{\"role\":\"assistant\",\"content\":\"Use sorted(xs) or xs.sort().\"}]}\n",
            i, i);
  fclose(f);
}

struct result {
  double seconds;
  unsigned long n;
  double cpu_s, sys_s; /* user + system CPU and system CPU of the child (filled by in_child) */
};

static void count_done(void *ud, struct ds_result *res) {
  (void)res;
  ++*(unsigned *)ud;
}

/* child: backend only, n requests with the prefix of the bench corpus */
static int backend_only(unsigned n, struct result *out) {
  struct ds_backend_params bp;
  ds_backend_default_params(&bp);
  bp.spec = spec;
  bp.max_in_flight = IN_FLIGHT;
  bp.in_flight_fixed = true;
  struct ds_backend *b = NULL;
  struct ds_err err = {0};
  if (ds_backend_open(&bp, &b, &err)) {
    fprintf(stderr, "backend: %s\n", err.msg);
    return 1;
  }
  json_t *msgs = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "system", "content", "You are a helpful assistant.", "role",
                           "user", "content", "Question number 1: how do I sort a list in Python?");
  unsigned sent = 0, done = 0;
  double t0 = ds_now_mono();
  while (done < n) {
    while (sent < n && ds_backend_in_flight(b) < ds_backend_capacity(b)) {
      struct ds_request rq;
      ds_request_init(&rq);
      rq.id = sent;
      rq.key = "bench-1#2";
      rq.messages = msgs;
      rq.seed = sent;
      if (ds_backend_submit(b, &rq, &err)) break;
      sent++;
    }
    if (ds_backend_poll(b, 50, count_done, &done, &err)) {
      fprintf(stderr, "poll: %s\n", err.msg);
      return 1;
    }
  }
  out->seconds = ds_now_mono() - t0;
  out->n = n;
  json_decref(msgs);
  ds_backend_close(b);
  return 0;
}

static int replay(const char *corpus, const char *backend, unsigned tag, struct result *out) {
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  char db[600];
  snprintf(db, sizeof db, "%s/run-%u.db", dir, tag);
  p.corpus_path = corpus;
  p.db_path = db;
  p.backend_spec = backend;
  p.in_flight = IN_FLIGHT;
  p.progress_interval_s = 0;
  struct ds_replay_summary s;
  struct ds_err err = {0};
  double t0 = ds_now_mono();
  if (ds_replay_run(&p, NULL, NULL, &s, &err)) {
    fprintf(stderr, "replay: %s\n", err.msg);
    return 1;
  }
  double t1 = ds_now_mono();
  out->seconds = t1 - t0;
  out->n = (unsigned long)s.completed;
  if (s.completed != s.prefixes) fprintf(stderr, "warning: %llu of %llu prefixes completed\n",
                                         (unsigned long long)s.completed, (unsigned long long)s.prefixes);
  ds_replay_summary_release(&s);
  return 0;
}

/* Runs fn in a child; returns its result and peak RSS (KiB). */
static int in_child(int (*fn)(void *, struct result *), void *arg, struct result *out, long *out_rss_kb) {
  int fds[2];
  if (pipe(fds)) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    struct result r = {0};
    int rc = fn(arg, &r);
    if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r) rc = 1;
    _exit(rc);
  }
  close(fds[1]);
  ssize_t got = read(fds[0], out, sizeof *out);
  close(fds[0]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || got != (ssize_t)sizeof *out)
    return 1;
  *out_rss_kb = ru.ru_maxrss;
  out->sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  out->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + out->sys_s;
  return 0;
}

struct job {
  unsigned n;
  const char *corpus, *backend;
};
static int job_backend(void *a, struct result *r) { return backend_only(((struct job *)a)->n, r); }
static int job_replay(void *a, struct result *r) {
  struct job *j = a;
  return replay(j->corpus, j->backend, (unsigned)getpid(), r);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  unsigned n = 100000, rounds = 3;
  const char *base = NULL;
  int pos = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (pos++ == 0) n = (unsigned)strtoul(argv[i], NULL, 10);
    else base = argv[i];
  }
  if (rounds == 0 || rounds > 99) rounds = 3;
  pid_t server = 0;
  struct ds_err err = {0};
  if (ds_init(&err) || !mkdtemp(dir)) {
    fprintf(stderr, "init: %s\n", err.msg);
    return 1;
  }
  char url[256];
  if (!base) {
    const char *fs = getenv("DS_FAULT_SERVER") ? getenv("DS_FAULT_SERVER") : "./tests/fault_server";
    int fds[2];
    if (pipe(fds)) return 1;
    server = fork();
    if (server == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      execl(fs, fs, (char *)NULL);
      perror(fs);
      _exit(127);
    }
    close(fds[1]);
    char line[64] = "";
    FILE *f = fdopen(fds[0], "r");
    if (!f || !fgets(line, sizeof line, f) || strncmp(line, "port=", 5) != 0) {
      fprintf(stderr, "could not start the fault server %s (set DS_FAULT_SERVER or pass BASE_URL)\n", fs);
      if (server > 0) kill(server, SIGTERM);
      return 1;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/fast/v1", atoi(line + 5));
    base = url;
  }
  snprintf(spec, sizeof spec, "openai:%s?model=bench", base);
  printf("bench_replay: %u prefixes, K=1, %d in flight, endpoint %s\n", n, IN_FLIGHT, base);

  char small[600], big[600];
  unsigned n_small = n / 10 ? n / 10 : 1;
  snprintf(small, sizeof small, "%s/small.jsonl", dir);
  snprintf(big, sizeof big, "%s/big.jsonl", dir);
  write_corpus(small, n_small);
  write_corpus(big, n);

  struct result r;
  long rss, rss_small = 0, rss_big = 0;
  int rc = 0;
  struct job jb = {n, big, spec}, js = {n_small, small, spec};
  if (in_child(job_replay, &js, &r, &rss)) {
    rc = 1;
    goto out;
  }
  rss_small = rss;
  printf("replay (N/10)        %7lu prefixes  %6.2f s  %8.0f prefixes/s  peak RSS %6ld KiB  CPU %.1f us/prefix\n", r.n,
         r.seconds, r.n / r.seconds, rss, 1e6 * r.cpu_s / r.n);
  /* backend-only runs bracket every replay round (B R B R ... B): each replay is compared
   * with the mean of the runs just before and after it, so a machine that speeds up or slows
   * down during the bench weighs on both sides of the ratio alike */
  double ratios[99], cpu_store[99], r_rate[99], r_cpu[99], b_rate[100], b_cpu[100];
  for (unsigned k = 0; k <= rounds; k++) {
    if (in_child(job_backend, &jb, &r, &rss)) {
      fprintf(stderr, "backend-only run failed\n");
      rc = 1;
      goto out;
    }
    b_rate[k] = r.n / r.seconds;
    b_cpu[k] = r.cpu_s / r.n;
    printf("run %u: backend only  %7u requests  %6.2f s  %8.0f requests/s  CPU %.1f us/request (%.1f system)\n", 2 * k + 1,
           n, r.seconds, b_rate[k], 1e6 * b_cpu[k], 1e6 * r.sys_s / r.n);
    if (k == rounds) break;
    if (in_child(job_replay, &jb, &r, &rss)) {
      rc = 1;
      goto out;
    }
    rss_big = rss > rss_big ? rss : rss_big;
    r_rate[k] = r.n / r.seconds;
    r_cpu[k] = r.cpu_s / r.n;
    printf("run %u: replay (N)    %7lu prefixes  %6.2f s  %8.0f prefixes/s  CPU %.1f us/prefix (%.1f system)  peak RSS %ld KiB\n",
           2 * k + 2, r.n, r.seconds, r_rate[k], 1e6 * r_cpu[k], 1e6 * r.sys_s / r.n, rss);
  }
  for (unsigned k = 0; k < rounds; k++) {
    double backend_rate = (b_rate[k] + b_rate[k + 1]) / 2, backend_cpu = (b_cpu[k] + b_cpu[k + 1]) / 2;
    ratios[k] = r_rate[k] / backend_rate;
    cpu_store[k] = 1e6 * (r_cpu[k] - backend_cpu);
    printf("round %u: replay %.1f%% below the backend-only rate around it\n", k + 1, 100.0 * (1 - ratios[k]));
  }
  struct job jo = {n, big, "original"};
  struct result ro;
  long rss_o;
  if (in_child(job_replay, &jo, &ro, &rss_o)) {
    rc = 1;
    goto out;
  }
  printf("replay original (N)  %7lu prefixes  %6.2f s  %8.0f prefixes/s  peak RSS %6ld KiB  CPU %.1f us/prefix"
         "  (store only, no model)\n",
         ro.n, ro.seconds, ro.n / ro.seconds, rss_o, 1e6 * ro.cpu_s / ro.n);
  qsort(ratios, rounds, sizeof *ratios, cmp_double);
  qsort(cpu_store, rounds, sizeof *cpu_store, cmp_double);
  printf("store cost: replay end-to-end is %.1f%% below the backend-only rate (median of %u rounds; best %.1f%%, worst %.1f%%);"
         " target <= 20%%\n",
         100.0 * (1 - ratios[rounds / 2]), rounds, 100.0 * (1 - ratios[rounds - 1]), 100.0 * (1 - ratios[0]));
  printf("store cost in CPU: %.1f us per prefix more than a backend-only request (median)\n", cpu_store[rounds / 2]);
  printf("memory: peak RSS %ld KiB at N/10, %ld KiB at N (x%.2f for 10x the prefixes); target: flat\n", rss_small, rss_big,
         (double)rss_big / (double)rss_small);
out:
  if (server > 0) {
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return rc;
}
