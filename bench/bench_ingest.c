/* bench_ingest.c: ingest throughput and memory at growing corpus sizes. For each size it
 * writes a JSONL file of ShareGPT records and a JSON array of agent trajectories (from
 * ../shared/data when present, else generated here), every record made distinct, then runs
 * ds_ingest_run in a child process and prints MB/s (wall and CPU) and the child's peak RSS.
 *   usage: bench_ingest [MB ...]        (default: 200 1024; files under $TMPDIR or /tmp) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/corpus.h"

/* A record template split where a per-copy marker goes (start of the first message's
 * text), so that every copy is a different conversation. */
struct tpl {
  char *pre, *post;
};
struct tpls {
  struct tpl *v;
  size_t n, cap;
};

#define MARK "\x01MARK\x01"
#define MARK_JSON "\\u0001MARK\\u0001"

static void add_tpl(struct tpls *t, json_t *rec, const char *msgs_key, const char *text_key, size_t flags) {
  json_object_del(rec, "id");
  json_t *m0 = json_array_get(json_object_get(rec, msgs_key), 0);
  const char *old = ds_json_str(m0, text_key, "");
  char *s = malloc(strlen(old) + sizeof MARK);
  sprintf(s, "%s%s", MARK, old);
  json_object_set_new(m0, text_key, json_string(s));
  free(s);
  char *dump = json_dumps(rec, flags);
  char *at = dump ? strstr(dump, MARK_JSON) : NULL;
  if (!at) {
    ds_free(dump);
    return;
  }
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->v = realloc(t->v, t->cap * sizeof *t->v);
  }
  *at = '\0';
  t->v[t->n].pre = strdup(dump);
  t->v[t->n].post = strdup(at + strlen(MARK_JSON));
  t->n++;
  ds_free(dump);
}

static const char *shared_dir(void) {
  const char *env = getenv("DS_SHARED_DATA");
  if (env) return env;
  static char path[4096];
  snprintf(path, sizeof path, "%s", __FILE__);
  char *slash = strrchr(path, '/');
  if (!slash) return "../shared/data";
  *slash = '\0'; /* bench/ */
  slash = strrchr(path, '/');
  if (slash) *slash = '\0'; /* repository root */
  strncat(path, "/../shared/data", sizeof path - strlen(path) - 1);
  return path;
}

static const char *words[] = {"the", "model", "returns", "a", "list", "of", "files", "in", "directory", "please",
                              "check", "whether", "this", "code", "compiles", "error", "on", "line", "with",
                              "função", "über", "naïve", "数据", "🙂", "\"quoted\"", "back\\slash", "tab\there"};

static void synth_text(struct ds_buf *b, unsigned seed, unsigned n_words) {
  ds_buf_reset(b);
  for (unsigned i = 0; i < n_words; i++) {
    seed = seed * 1103515245u + 12345u;
    ds_buf_adds(b, words[(seed >> 16) % DS_ARRAY_LEN(words)]);
    ds_buf_addc(b, (seed >> 8) % 13 == 0 ? '\n' : ' ');
  }
}

/* Templates from the shared data, or generated ones when it is absent. */
static void load_templates(struct tpls *chat, struct tpls *traj) {
  char path[4200];
  snprintf(path, sizeof path, "%s/traffic/sharegpt-1000.jsonl", shared_dir());
  FILE *f = fopen(path, "rb");
  if (f) {
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
      json_t *r = json_loads(line, 0, NULL);
      if (r) add_tpl(chat, r, "conversations", "value", JSON_COMPACT);
      json_decref(r);
    }
    free(line);
    fclose(f);
  }
  snprintf(path, sizeof path, "%s/traffic/tau-bench-airline-200.json", shared_dir());
  json_t *arr = json_load_file(path, 0, NULL);
  size_t i;
  json_t *r;
  json_array_foreach(arr, i, r) add_tpl(traj, r, "traj", "content", JSON_INDENT(2));
  json_decref(arr);
  if (chat->n && traj->n) {
    printf("templates: %zu ShareGPT conversations, %zu tau-bench trajectories from %s\n", chat->n, traj->n,
           shared_dir());
    return;
  }
  /* generated: chats of 2..12 turns, trajectories with tool calls */
  struct ds_buf t;
  ds_buf_init(&t, 0);
  for (unsigned k = 0; k < 200; k++) {
    json_t *rec = json_object(), *conv = json_array();
    for (unsigned m = 0; m < 2 + k % 11; m++) {
      synth_text(&t, k * 31 + m, 20 + (k * 7 + m * 13) % 400);
      json_array_append_new(conv, json_pack("{s:s, s:s}", "from", m % 2 ? "gpt" : "human", "value", t.data));
    }
    json_object_set_new(rec, "conversations", conv);
    add_tpl(chat, rec, "conversations", "value", JSON_COMPACT);
    json_decref(rec);
    json_t *tr = json_object(), *msgs = json_array();
    synth_text(&t, k, 300);
    json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "system", "content", t.data));
    for (unsigned m = 0; m < 3 + k % 5; m++) {
      synth_text(&t, k + m, 30);
      json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user", "content", t.data));
      char id[32];
      snprintf(id, sizeof id, "call_%u_%u", k, m);
      json_array_append_new(msgs, json_pack("{s:s, s:n, s:[{s:s, s:s, s:{s:s, s:s}}]}", "role", "assistant", "content",
                                            "tool_calls", "id", id, "type", "function", "function", "name", "search",
                                            "arguments", "{\"q\":\"flights\"}"));
      synth_text(&t, k * m, 120);
      json_array_append_new(msgs, json_pack("{s:s, s:s, s:s}", "role", "tool", "tool_call_id", id, "content", t.data));
    }
    json_object_set_new(tr, "traj", msgs);
    json_object_set_new(tr, "reward", json_real(k % 2));
    json_object_set_new(tr, "task_id", json_integer(k));
    add_tpl(traj, tr, "traj", "content", JSON_INDENT(2));
    json_decref(tr);
  }
  ds_buf_release(&t);
  printf("templates: %zu generated chats, %zu generated trajectories (../shared/data absent)\n", chat->n, traj->n);
}

/* Writes about bytes of distinct records: 60% ShareGPT JSONL, 40% a JSON array of trajectories. */
static void write_inputs(const struct tpls *chat, const struct tpls *traj, uint64_t bytes, const char *jsonl,
                         const char *array) {
  FILE *a = fopen(jsonl, "wb"), *b = fopen(array, "wb");
  if (!a || !b) {
    perror("bench_ingest: cannot write inputs");
    exit(1);
  }
  uint64_t n = 0, wa = 0, wb = 0;
  while (wa < bytes * 6 / 10) {
    const struct tpl *t = &chat->v[n % chat->n];
    wa += (uint64_t)fprintf(a, "%s%llu %s\n", t->pre, (unsigned long long)n, t->post);
    n++;
  }
  fputs("[\n", b);
  for (uint64_t k = 0; wb < bytes * 4 / 10; k++) {
    const struct tpl *t = &traj->v[k % traj->n];
    wb += (uint64_t)fprintf(b, "%s%s%llu %s", k ? ",\n" : "", t->pre, (unsigned long long)k, t->post);
  }
  fputs("\n]\n", b);
  fclose(a);
  fclose(b);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t file_size(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

int main(int argc, char **argv) {
  struct ds_err err = {0};
  if (ds_init(&err)) {
    fprintf(stderr, "bench_ingest: %s\n", err.msg);
    return 1;
  }
  unsigned sizes[16] = {200, 1024};
  int n_sizes = 2;
  if (argc > 1) {
    n_sizes = 0;
    for (int i = 1; i < argc && n_sizes < 16; i++) sizes[n_sizes++] = (unsigned)strtoul(argv[i], NULL, 10);
  }
  const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char jsonl[4096], array[4096], out[4096];
  snprintf(jsonl, sizeof jsonl, "%s/ds-bench-ingest.%d.jsonl", tmpdir, (int)getpid());
  snprintf(array, sizeof array, "%s/ds-bench-ingest.%d.json", tmpdir, (int)getpid());
  snprintf(out, sizeof out, "%s/ds-bench-ingest.%d.corpus.jsonl", tmpdir, (int)getpid());

  fflush(stdout);
  printf("%8s %10s %10s %8s %8s %10s %12s %10s\n", "input_MB", "records", "kept", "wall_s", "cpu_s", "MB/s_wall",
         "MB/s_per_core", "peak_RSS_MB");
  fflush(stdout);
  for (int s = 0; s < n_sizes; s++) {
    /* inputs are written by a child too, so that the ingest child inherits no template memory */
    pid_t gen = fork();
    if (gen == 0) {
      struct tpls chat = {0}, traj = {0};
      load_templates(&chat, &traj);
      write_inputs(&chat, &traj, (uint64_t)sizes[s] << 20, jsonl, array);
      fflush(stdout);
      _exit(0);
    }
    int gst;
    if (waitpid(gen, &gst, 0) != gen || !WIFEXITED(gst) || WEXITSTATUS(gst) != 0) return 1;
    double mb = (double)(file_size(jsonl) + file_size(array)) / 1048576.0;
    int pipefd[2];
    if (pipe(pipefd)) return 1;
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
      close(pipefd[0]);
      struct ds_ingest_params p;
      ds_ingest_default_params(&p);
      const char *inputs[] = {jsonl, array};
      p.inputs = inputs;
      p.n_inputs = 2;
      p.output = out;
      p.assume_consent = true;
      struct ds_ingest_summary sum;
      struct ds_err e = {0};
      if (ds_ingest_run(&p, &sum, &e)) {
        fprintf(stderr, "bench_ingest: %s\n", e.msg);
        _exit(1);
      }
      char line[128];
      int n = snprintf(line, sizeof line, "%llu %llu\n", (unsigned long long)sum.n_in, (unsigned long long)sum.n_kept);
      if (write(pipefd[1], line, (size_t)n) != n) _exit(1);
      _exit(0);
    }
    close(pipefd[1]);
    char line[128] = "";
    ssize_t got = read(pipefd[0], line, sizeof line - 1);
    close(pipefd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double wall = now() - t0;
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "bench_ingest: ingest failed at %u MB\n", sizes[s]);
      return 1;
    }
    line[got] = '\0';
    unsigned long long n_in = 0, n_kept = 0;
    sscanf(line, "%llu %llu", &n_in, &n_kept);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("%8.0f %10llu %10llu %8.2f %8.2f %10.1f %12.1f %10.1f\n", mb, n_in, n_kept, wall, cpu, mb / wall, mb / cpu,
           (double)ru.ru_maxrss / 1024.0);
    fflush(stdout);
    unlink(jsonl);
    unlink(array);
    unlink(out);
    char man[4200];
    snprintf(man, sizeof man, "%s.manifest.json", out);
    unlink(man);
  }
  printf("targets: >= 100 MB/s per core; peak RSS < 64 MB and flat with size\n");
  return 0;
}
