/* toolsim_fixture.h: what the tool-dialect tests share (header only): a scratch git repository
 * standing for the session's checkout, records in an agent's shape, one-call answers, and a
 * hash of the repository to prove the disk did not change. */
#ifndef DS_TEST_TOOLSIM_FIXTURE_H
#define DS_TEST_TOOLSIM_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/toolsim.h"

struct fx {
  char dir[256];  /* scratch directory: the repo root */
  char repo[320]; /* dir/proj: the checkout */
};

static inline void fx_sh(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("command failed: %s", cmd);
}

/* Writes text into the checkout at rel (directories made). */
static inline void fx_file(struct fx *f, const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", f->repo, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  fx_sh("mkdir -p '%s'", path);
  *slash = '/';
  FILE *o = fopen(path, "wb");
  assert_non_null(o);
  fputs(text, o);
  fclose(o);
}

static inline void fx_commit(struct fx *f) {
  fx_sh("cd '%s' && git add -A && git -c user.email=t@example.com -c user.name=T commit -qm snapshot", f->repo);
}

static inline int fx_setup(struct fx *f) {
  snprintf(f->dir, sizeof f->dir, "/tmp/ds_toolsim_fx_XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->repo, sizeof f->repo, "%s/proj", f->dir);
  fx_sh("mkdir -p '%s' && cd '%s' && git init -q", f->repo, f->repo);
  return 0;
}

static inline void fx_teardown(struct fx *f) { fx_sh("rm -rf '%s'", f->dir); }

/* A fingerprint of every file of the checkout (names, sizes, times, contents). */
static inline void fx_hash(struct fx *f, char out[65]) {
  char cmd[1400];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && find . -path ./.git -prune -o -print0 | sort -z | xargs -0 ls -ld --time-style=+%%s 2>/dev/null; "
           "cd '%s' && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 cat",
           f->repo, f->repo);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) ds_buf_add(&b, chunk, n);
  pclose(p);
  ds_sha256_hex(b.data, b.len, out);
  ds_buf_release(&b);
}

/* A record of agent (version) whose session ran in cwd, with the checkout "proj" under the
 * repo root; messages may be NULL. */
static inline json_t *fx_record(const char *id, const char *agent, const char *version, const char *cwd,
                                json_t *messages) {
  json_t *r = json_pack("{s:s,s:{s:s,s:s?},s:{s:s,s:s},s:o}", "id", id, "segment", "agent", agent, "agent_version",
                        version, "repo", "path_or_url", "proj", "cwd", cwd, "messages",
                        messages ? messages : json_array());
  assert_non_null(r);
  return r;
}

static inline struct ds_toolsim *fx_toolsim(struct fx *f, const char *tooldb) {
  struct ds_toolsim_params p;
  ds_toolsim_default_params(&p);
  p.repo_root = f->dir;
  p.tooldb_path = tooldb;
  struct ds_toolsim *t = NULL;
  struct ds_err err = {0};
  if (ds_toolsim_open(&p, &t, &err) != DS_OK) fail_msg("toolsim: %s", err.msg);
  return t;
}

static inline struct ds_toolsim_episode *fx_episode(struct ds_toolsim *t, const json_t *rec) {
  struct ds_toolsim_episode *e = NULL;
  struct ds_err err = {0};
  if (ds_toolsim_episode_new(t, rec, &e, &err) != DS_OK) fail_msg("episode: %s", err.msg);
  return e;
}

/* One call: the answer (owned by the caller's a, released by fx_done). */
static inline const char *fx_call(struct ds_toolsim_episode *e, const char *tool, const char *args,
                                  struct ds_tool_answer *a) {
  struct ds_err err = {0};
  if (ds_toolsim_answer(e, tool, args, a, &err) != DS_OK) fail_msg("%s(%s): %s", tool, args, err.msg);
  assert_non_null(a->response);
  return a->response;
}

/* Asserts one call's answer, source and side effect. */
static inline void fx_expect(struct ds_toolsim_episode *e, const char *tool, const char *args, enum ds_tool_source src,
                             bool side_effect, const char *want) {
  struct ds_tool_answer a;
  fx_call(e, tool, args, &a);
  if (a.source != src || a.side_effect != side_effect || (want && strcmp(a.response, want) != 0))
    fail_msg("%s(%s):\n  source %s (want %s), side effect %d (want %d)\n  got:  [%s]\n  want: [%s]", tool, args,
             ds_tool_source_name(a.source), ds_tool_source_name(src), a.side_effect, side_effect, a.response,
             want ? want : "(any)");
  ds_tool_answer_release(&a);
}

/* A one-record corpus at dir/name.jsonl indexed into dir/name.db (returned path, static). */
static inline const char *fx_index(struct fx *f, const char *name, json_t *const *recs, size_t n) {
  static char db[512];
  char corpus[512];
  snprintf(corpus, sizeof corpus, "%s/%s.jsonl", f->dir, name);
  snprintf(db, sizeof db, "%s/%s.db", f->dir, name);
  FILE *o = fopen(corpus, "w");
  assert_non_null(o);
  for (size_t i = 0; i < n; i++) {
    char *line = ds_json_compact(recs[i]);
    fprintf(o, "%s\n", line);
    ds_free(line);
  }
  fclose(o);
  struct ds_toolsim_index_summary sum;
  struct ds_err err = {0};
  if (ds_toolsim_index(corpus, db, &sum, &err) != DS_OK) fail_msg("index: %s", err.msg);
  return db;
}

/* An assistant turn with one call and the tool message answering it. */
static inline void fx_turn(json_t *msgs, const char *id, const char *tool, const char *args, const char *response) {
  json_array_append_new(msgs, json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}]}", "role", "assistant", "content", "",
                                        "tool_calls", "id", id, "name", tool, "arguments", args));
  json_array_append_new(msgs, json_pack("{s:s,s:s,s:s}", "role", "tool", "tool_call_id", id, "content", response));
}

#endif
