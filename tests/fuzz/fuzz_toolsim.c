/* fuzz_toolsim.c: libFuzzer target for what a candidate controls in the tool simulator: tool
 * names and argument strings (ds_toolsim_answer) and paths (ds_snapshot_read/list/search), over
 * a small directory snapshot made once in /tmp. Besides crashes it checks confinement: a file
 * outside the snapshot (also reachable through symlinks inside it) holds a random sentinel that
 * no answer may ever contain. Input: lines "TOOL<TAB>ARGUMENTS"; each line's text after the tab
 * is also tried as a raw path. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/toolsim.h"

#define SENTINEL_LEN 32

static char sentinel[SENTINEL_LEN + 1];
static uint64_t sentinel_hash;
static struct ds_toolsim *sim;
static struct ds_snapshot *snap;
static json_t *record;

/* Compared by hash, so that libFuzzer's comparison hooks never hand the sentinel to the
 * mutator (it could then write it into the overlay and read it back). */
static uint64_t fnv(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

static void check(const char *text) {
  if (!text) return;
  size_t n = strlen(text);
  for (size_t i = 0; i + SENTINEL_LEN <= n; i++)
    if (fnv(text + i, SENTINEL_LEN) == sentinel_hash) {
      fprintf(stderr, "fuzz_toolsim: content from outside the snapshot leaked into an answer\n");
      abort();
    }
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) abort();
  fputs(text, f);
  fclose(f);
}

static void setup(void) {
  ds_init(NULL);
  unsigned char rnd[SENTINEL_LEN / 2];
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) abort();
  close(fd);
  for (size_t i = 0; i < sizeof rnd; i++) snprintf(sentinel + 2 * i, 3, "%02x", rnd[i]);
  sentinel_hash = fnv(sentinel, SENTINEL_LEN);

  char base[64], p[256], secret[300];
  snprintf(base, sizeof base, "/tmp/ds_fuzz_toolsim_%d", (int)getpid());
  snprintf(secret, sizeof secret, "outside secret %s\n", sentinel);
  mkdir(base, 0700);
#define AT(...) (snprintf(p, sizeof p, __VA_ARGS__), p)
  put(AT("%s/SECRET", base), secret);
  mkdir(AT("%s/outside", base), 0700);
  put(AT("%s/outside/SECRET.txt", base), secret);
  mkdir(AT("%s/repo", base), 0700);
  mkdir(AT("%s/repo/src", base), 0700);
  mkdir(AT("%s/repo/docs", base), 0700);
  put(AT("%s/repo/README.md", base), "# demo\nhello readme\nsee src/main.c\n");
  put(AT("%s/repo/src/main.c", base), "int main(void) {\n  return 0; /* TODO */\n}\n");
  put(AT("%s/repo/src/util.h", base), "#define X 1\n");
  put(AT("%s/repo/docs/notes.txt", base), "notes: TODO fix the build\n");
  char tgt[256];
  if (symlink("../outside/SECRET.txt", AT("%s/repo/link_out", base)) ||
      symlink("../outside", AT("%s/repo/dir_out", base)) ||
      symlink((snprintf(tgt, sizeof tgt, "%s/SECRET", base), tgt), AT("%s/repo/link_abs", base)) ||
      symlink("../../SECRET", AT("%s/repo/src/link_up2", base)) ||
      symlink("src/main.c", AT("%s/repo/link_in", base)) || symlink("..", AT("%s/repo/src/up", base)) ||
      symlink("loop", AT("%s/repo/docs/loop", base)) || mkfifo(AT("%s/repo/pipe", base), 0600))
    abort();
  snprintf(p, sizeof p, "%s/repo", base);
  struct ds_toolsim_params tp;
  ds_toolsim_default_params(&tp);
  tp.repo_root = base; /* the snapshot is under it: connectors answer */
  if (ds_toolsim_open(&tp, &sim, NULL) || ds_snapshot_open(p, NULL, "/workspace", &snap, NULL)) abort();
  record = json_pack("{s:s,s:{s:s},s:[]}", "id", "c1", "repo", "path_or_url", p, "messages");
  if (!record) abort();
#undef AT
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!sim) setup();
  struct ds_toolsim_episode *ep = NULL;
  struct ds_err err;
  if (ds_toolsim_episode_new(sim, record, &ep, &err)) abort();
  const char *s = (const char *)data, *end = s + size;
  for (int n = 0; s < end && n < 8; n++) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
    char *line = ds_strndup(s, len); /* stops at a NUL, as a C string from JSON would */
    if (!line) abort();
    char *tab = strchr(line, '\t');
    const char *args = "";
    if (tab) {
      *tab = '\0';
      args = tab + 1;
    }
    struct ds_tool_answer a;
    if (ds_toolsim_answer(ep, line, args, &a, &err) == DS_OK) {
      if (!a.response) abort();
      check(a.response);
      ds_tool_answer_release(&a);
    }
    /* the same text as a path, straight to the snapshot (no overlay here) */
    char *out = NULL;
    if (ds_snapshot_read(snap, args, &out, &err) == DS_OK) check(out);
    else check(err.msg);
    ds_free(out);
    out = NULL;
    if (ds_snapshot_list(snap, args, &out, &err) == DS_OK) check(out);
    ds_free(out);
    out = NULL;
    if (ds_snapshot_search(snap, "secret", args, 50, &out, &err) == DS_OK) check(out);
    ds_free(out);
    ds_free(line);
    s += len + 1;
  }
  ds_toolsim_episode_free(ep);
  return 0;
}
