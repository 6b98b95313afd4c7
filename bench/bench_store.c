/* bench_store.c: what a replayed prefix costs the run database: bytes per sample in the file and
 * bytes written to disk (the WAL, checkpoints and the file itself, from /proc/self/io) for a
 * corpus of multi-turn conversations replayed with --backend original (no model: the store
 * alone), at --cut last and --cut every.
 * Usage: bench_store [CONVERSATIONS=250000] [--turns T=4] [--bytes B=700] [--cut every|last|both]
 * Each replay runs in its own child process, so that its write counter is its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/replay.h"

static char dir[] = "/tmp/ds-bench-store.XXXXXX";

/* A message of about `bytes` bytes of varied text (not compressible to nothing). */
static void put_text(FILE *f, unsigned bytes, uint64_t *x) {
  static const char *words[] = {"the", "model", "answer", "function", "list", "python", "error", "file",
                                "server", "request", "value", "because", "return", "table", "query", "with"};
  unsigned n = 0;
  while (n < bytes) {
    *x = ds_mix64(*x);
    const char *w = words[*x % 16];
    n += (unsigned)fprintf(f, "%s%s", n ? " " : "", w);
  }
}

static void write_corpus(const char *path, unsigned convs, unsigned turns, unsigned bytes) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  uint64_t x = 42;
  for (unsigned i = 0; i < convs; i++) {
    fprintf(f, "{\"id\":\"conv-%u\",\"time\":\"2026-03-01T12:00:00Z\",\"segment\":{\"product\":\"chat\"},\"messages\":["
               "{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"}", i);
    for (unsigned t = 0; t < turns; t++) {
      fputs(",{\"role\":\"user\",\"content\":\"", f);
      put_text(f, bytes * 2 / 3, &x);
      fputs("\"},{\"role\":\"assistant\",\"content\":\"", f);
      put_text(f, bytes * 4 / 3, &x);
      fputs("\"}", f);
    }
    fputs("]}\n", f);
  }
  fclose(f);
}

static unsigned long long io_written(void) {
  FILE *f = fopen("/proc/self/io", "r");
  char line[128];
  unsigned long long v = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "write_bytes: %llu", &v) == 1) break;
  if (f) fclose(f);
  return v;
}

struct result {
  double seconds;
  unsigned long long prefixes, samples, written, file_bytes;
};

static int replay(const char *corpus, const char *db, const char *cut, struct result *out) {
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  p.db_path = db;
  p.corpus_path = corpus;
  p.backend_spec = DS_REPLAY_BACKEND_ORIGINAL;
  struct ds_err err = {0};
  if (ds_replay_cut_parse(cut, &p.cut, &p.cut_n, &err)) return 1;
  unsigned long long w0 = io_written();
  double t0 = ds_now_mono();
  struct ds_replay_summary sum;
  if (ds_replay_run(&p, NULL, NULL, &sum, &err)) {
    fprintf(stderr, "replay: %s\n", err.msg);
    return 1;
  }
  sync(); /* what the page cache still holds counts too */
  out->seconds = ds_now_mono() - t0;
  out->written = io_written() - w0;
  out->prefixes = sum.prefixes;
  out->samples = sum.samples_ok + sum.samples_failed;
  ds_replay_summary_release(&sum);
  struct stat stt;
  out->file_bytes = stat(db, &stt) == 0 ? (unsigned long long)stt.st_size : 0;
  return 0;
}

static int in_child(const char *corpus, const char *db, const char *cut, struct result *out) {
  int fd[2];
  if (pipe(fd)) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    struct result r = {0};
    int rc = replay(corpus, db, cut, &r);
    if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r) rc = 1;
    _exit(rc);
  }
  close(fd[1]);
  ssize_t got = read(fd[0], out, sizeof *out);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got == (ssize_t)sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  unsigned convs = 250000, turns = 4, bytes = 700;
  const char *which = "both";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--turns") == 0 && i + 1 < argc) turns = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) bytes = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--cut") == 0 && i + 1 < argc) which = argv[++i];
    else convs = (unsigned)atoi(argv[i]);
  }
  struct ds_err err = {0};
  ds_init(&err);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char corpus[256];
  snprintf(corpus, sizeof corpus, "%s/corpus.jsonl", dir);
  write_corpus(corpus, convs, turns, bytes);
  struct stat cs;
  stat(corpus, &cs);
  printf("corpus: %u conversations of %u turns, %.1f MB (%.0f bytes per conversation)\n", convs, turns,
         cs.st_size / 1e6, (double)cs.st_size / convs);
  const char *cuts[] = {"last", "every"};
  int rc = 0;
  for (int c = 0; c < 2; c++) {
    if (strcmp(which, "both") != 0 && strcmp(which, cuts[c]) != 0) continue;
    char db[256];
    snprintf(db, sizeof db, "%s/run-%s.db", dir, cuts[c]);
    struct result r = {0};
    if (in_child(corpus, db, cuts[c], &r)) {
      fprintf(stderr, "bench_store: the --cut %s replay failed\n", cuts[c]);
      rc = 1;
      continue;
    }
    printf("--cut %-5s %llu prefixes, %llu samples: file %.1f MB = %.0f bytes/sample; written %.1f MB = %.0f "
           "bytes/sample (%.1fx the file); %.1f s\n",
           cuts[c], r.prefixes, r.samples, r.file_bytes / 1e6, (double)r.file_bytes / r.samples, r.written / 1e6,
           (double)r.written / r.samples, (double)r.written / r.file_bytes, r.seconds);
    unlink(db);
  }
  unlink(corpus);
  rmdir(dir);
  return rc;
}
