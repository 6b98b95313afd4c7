/* fuzz_toolsim_dialects.c: libFuzzer target for what the tool dialects parse of a candidate's
 * calls: Codex patches (apply_patch, also as a heredoc in a shell line), shell lines (quotes,
 * globs, pipes, lists, redirections) in each agent's shell tool, argv arrays, editor commands
 * in SWE-agent's text form, text actions of mini-swe-agent and SWE-agent, and any tool of any
 * dialect with arbitrary arguments; then the same calls as a recorded prefix (state
 * classification, history replay into the overlay). Besides crashes it checks confinement: a
 * file outside the snapshot holds a random sentinel no answer may contain, and the snapshot on
 * disk never changes.
 * Input: records separated by 0x1e: "KIND\x1fTEXT", KIND one of @patch @shell @argv @editor
 * @text, or a tool name (TEXT its JSON arguments); the first byte picks the agent. */
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

static const char *const agents[] = {"claude-code", "codex", "swe-agent", "mini-swe-agent", "openhands", "inspect", "other"};
static const char *const shells[] = {"Bash", "shell_command", "bash", "bash", "execute_bash", "bash", "shell"};
static char sentinel[SENTINEL_LEN + 1];
static uint64_t sentinel_hash;
static struct ds_toolsim *sim;
static json_t *records[DS_ARRAY_LEN(agents)];
static char repo_dir[128];
static uint64_t tree_before;

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
      fprintf(stderr, "fuzz_toolsim_dialects: content from outside the snapshot leaked into an answer\n");
      abort();
    }
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) abort();
  fputs(text, f);
  fclose(f);
}

/* A fingerprint of the snapshot's files (names, sizes, contents). */
static uint64_t tree_hash(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "cd %s && find . | sort && find . -type f | sort | xargs cat", repo_dir);
  FILE *p = popen(cmd, "r");
  if (!p) abort();
  uint64_t h = 1469598103934665603ull;
  int c;
  while ((c = fgetc(p)) != EOF) h = (h ^ (unsigned char)c) * 1099511628211ull;
  pclose(p);
  return h;
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
  snprintf(base, sizeof base, "/tmp/ds_fuzz_dialects_%d", (int)getpid());
  snprintf(secret, sizeof secret, "outside secret %s\n", sentinel);
  mkdir(base, 0700);
#define AT(...) (snprintf(p, sizeof p, __VA_ARGS__), p)
  put(AT("%s/SECRET", base), secret);
  mkdir(AT("%s/repo", base), 0700);
  mkdir(AT("%s/repo/src", base), 0700);
  put(AT("%s/repo/README.md", base), "# demo\nhello readme\n");
  put(AT("%s/repo/src/main.py", base), "def f():\n\treturn 1\n\n\ndef g():\n    return 2\n");
  put(AT("%s/repo/src/nb.ipynb", base), "{\"cells\":[{\"id\":\"c1\",\"cell_type\":\"code\",\"source\":\"x\"}]}");
  if (symlink("../SECRET", AT("%s/repo/link_out", base)) || symlink("../../SECRET", AT("%s/repo/src/up2", base)))
    abort();
  snprintf(repo_dir, sizeof repo_dir, "%s/repo", base);
  struct ds_toolsim_params tp;
  ds_toolsim_default_params(&tp);
  tp.repo_root = base;
  if (ds_toolsim_open(&tp, &sim, NULL)) abort();
  for (size_t i = 0; i < DS_ARRAY_LEN(agents); i++) {
    records[i] = json_pack("{s:s,s:{s:s,s:s},s:{s:s,s:s},s:[]}", "id", "c1", "segment", "agent", agents[i],
                           "agent_version", i % 2 ? "1.0.98" : "2.1.34", "repo", "path_or_url", "repo", "cwd",
                           "/work/repo", "messages");
    if (!records[i]) abort();
  }
  tree_before = tree_hash();
#undef AT
}

static char *wrap(const char *key, const char *text) {
  json_t *o = json_pack("{s:s}", key, text);
  char *s = o ? ds_json_compact(o) : NULL;
  json_decref(o);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!sim) setup();
  if (size < 1) return 0;
  size_t which = data[0] % DS_ARRAY_LEN(agents);
  struct ds_toolsim_episode *ep = NULL;
  struct ds_err err;
  if (ds_toolsim_episode_new(sim, records[which], &ep, &err)) abort();
  json_t *prefix = json_array();
  const char *s = (const char *)data + 1, *end = (const char *)data + size;
  for (int n = 0; s < end && n < 8; n++) {
    const char *rs = memchr(s, 0x1e, (size_t)(end - s));
    size_t len = rs ? (size_t)(rs - s) : (size_t)(end - s);
    char *rec = ds_strndup(s, len);
    if (!rec) abort();
    char *us = strchr(rec, 0x1f);
    const char *text = us ? us + 1 : "";
    if (us) *us = '\0';
    char *tool = NULL, *args = NULL;
    if (strcmp(rec, "@patch") == 0) {
      tool = ds_strdup("apply_patch");
      args = wrap("input", text);
    } else if (strcmp(rec, "@shell") == 0) {
      tool = ds_strdup(shells[which]);
      args = wrap(which == 5 ? "cmd" : "command", text);
    } else if (strcmp(rec, "@argv") == 0) {
      json_t *o = json_pack("{s:[s,s,s]}", "command", "bash", "-lc", text);
      tool = ds_strdup(which == 1 ? "shell" : shells[which]);
      args = o ? ds_json_compact(o) : NULL;
      json_decref(o);
    } else if (strcmp(rec, "@editor") == 0) {
      struct ds_buf b;
      ds_buf_init(&b, 0);
      ds_buf_addf(&b, "str_replace_editor %s", text);
      tool = ds_strdup("bash");
      args = wrap("command", b.data);
      ds_buf_release(&b);
    } else if (strcmp(rec, "@text") == 0) {
      ds_toolsim_text_action(ep, text, &tool, &args);
    } else {
      tool = ds_strdup(rec);
      args = ds_strdup(text);
    }
    if (tool && args) {
      struct ds_tool_answer a;
      if (ds_toolsim_answer(ep, tool, args, &a, &err) == DS_OK) {
        if (!a.response) abort();
        check(a.response);
        ds_tool_answer_release(&a);
      }
      json_array_append_new(prefix, json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}]}", "role", "assistant", "content", "",
                                              "tool_calls", "id", "x", "name", tool, "arguments", args));
      json_array_append_new(prefix, json_pack("{s:s,s:s,s:s}", "role", "tool", "tool_call_id", "x", "content", "ok"));
    }
    ds_free(tool);
    ds_free(args);
    ds_free(rec);
    s += len + 1;
  }
  ds_toolsim_episode_free(ep);
  /* the same calls as a recorded prefix: classified, counted, writes replayed into an overlay */
  if (ds_toolsim_episode_new(sim, records[which], &ep, &err)) abort();
  ds_toolsim_episode_history(ep, prefix);
  struct ds_tool_answer a;
  if (ds_toolsim_answer(ep, shells[which], which == 5 ? "{\"cmd\":\"cat README.md src/main.py\"}"
                                                      : "{\"command\":\"cat README.md src/main.py\"}",
                        &a, &err) == DS_OK) {
    check(a.response);
    ds_tool_answer_release(&a);
  }
  ds_toolsim_episode_free(ep);
  json_decref(prefix);
  /* the disk, now and then (a fork per check) */
  static unsigned runs;
  if (++runs % 256 == 0 && tree_hash() != tree_before) {
    fprintf(stderr, "fuzz_toolsim_dialects: the snapshot on disk changed\n");
    abort();
  }
  return 0;
}
