/* test_toolsim.c: the tool simulator's connectors stay inside the snapshot, writes land in the
 * overlay only (the disk is untouched), git views show the commit asked for, and the recorded
 * database matches calls exactly and nearly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/toolsim.h"

static char dir[256];
static char repo[300], outside[300];

static void sh(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("command failed: %s", cmd);
}

/* A fingerprint of everything under the repository, to prove nothing changed on disk. */
static void tree_hash(char out[65]) {
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "cd %s && find . -path ./.git -prune -o -print0 | sort -z | xargs -0 ls -ld --time-style=+%%s 2>/dev/null; "
                            "cd %s && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 cat", repo, repo);
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

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds_toolsim_XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(repo, sizeof repo, "%s/repo", dir);
  setenv("DS_TOOLSIM_REPO", repo, 1);
  snprintf(outside, sizeof outside, "%s/secret.txt", dir);
  sh("mkdir -p %s/src %s/tests && printf 'TOP SECRET\\n' > %s", repo, repo, outside);
  sh("cd %s && git init -q && git config user.email t@example.com && git config user.name Tester", repo);
  sh("cd %s && printf 'v1\\n' > VERSION && printf 'int main(void) { return 0; }\\n' > src/main.c && "
     "printf '# demo\\nhello world\\n' > README.md && git add -A && git commit -qm 'first commit'", repo);
  sh("cd %s && printf 'v2\\n' > VERSION && printf 'def test_ok():\\n    assert True\\n' > tests/test_ok.py && "
     "git add -A && git commit -qm 'second commit'", repo);
  sh("cd %s && ln -s ../secret.txt escape && ln -s README.md readme-link && ln -s /etc/passwd abs-link && "
     "mkfifo pipe", repo);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  sh("rm -rf %s", dir);
  return 0;
}

static struct ds_snapshot *open_dir_snapshot(void) {
  struct ds_snapshot *s = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_snapshot_open(repo, NULL, "/workspace", &s, &err), DS_OK);
  return s;
}

static void escapes_are_refused(void **state) {
  (void)state;
  struct ds_snapshot *s = open_dir_snapshot();
  struct ds_err err = {0};
  char *text = NULL;
  const char *bad[] = {"../secret.txt", "../../etc/passwd", "src/../../secret.txt", "/etc/passwd", "escape",
                       "abs-link", "pipe", "/proc/self/environ", "~/.ssh/id_rsa"};
  for (size_t i = 0; i < DS_ARRAY_LEN(bad); i++) {
    memset(&err, 0, sizeof err);
    enum ds_status st = ds_snapshot_read(s, bad[i], &text, &err);
    if (st != DS_E_INVALID) fail_msg("%s: expected a refusal, got %s (%s)", bad[i], ds_status_name(st), err.msg);
    assert_non_null(strstr(err.msg, "refused"));
  }
  /* inside paths, including through an internal symlink and the recorded workspace prefix */
  assert_int_equal(ds_snapshot_read(s, "readme-link", &text, &err), DS_OK);
  assert_non_null(strstr(text, "hello world"));
  ds_free(text);
  assert_int_equal(ds_snapshot_read(s, "/workspace/src/../README.md", &text, &err), DS_OK);
  ds_free(text);
  assert_int_equal(ds_snapshot_read(s, "nope.txt", &text, &err), DS_E_NOTFOUND);
  ds_snapshot_free(s);
}

static void writes_stay_in_the_overlay(void **state) {
  (void)state;
  char before[65], after[65];
  tree_hash(before);
  struct ds_snapshot *s = open_dir_snapshot();
  struct ds_err err = {0};
  char *text = NULL;
  assert_int_equal(ds_snapshot_write(s, "src/main.c", "int main(void) { return 1; }\n", 29, &err), DS_OK);
  assert_int_equal(ds_snapshot_write(s, "src/new.c", "// new\n", 7, &err), DS_OK);
  assert_int_equal(ds_snapshot_delete(s, "README.md", &err), DS_OK);
  assert_int_equal(ds_snapshot_read(s, "src/main.c", &text, &err), DS_OK);
  assert_string_equal(text, "int main(void) { return 1; }\n");
  ds_free(text);
  assert_int_equal(ds_snapshot_read(s, "README.md", &text, &err), DS_E_NOTFOUND);
  assert_int_equal(ds_snapshot_list(s, "src", &text, &err), DS_OK);
  assert_string_equal(text, "main.c\nnew.c\n");
  ds_free(text);
  assert_int_equal(ds_snapshot_list(s, "", &text, &err), DS_OK);
  assert_null(strstr(text, "README.md"));
  ds_free(text);
  assert_int_equal(ds_snapshot_search(s, "return 1", "", 10, &text, &err), DS_OK);
  assert_string_equal(text, "src/main.c:1:int main(void) { return 1; }\n");
  ds_free(text);
  const char *diff[] = {"diff"};
  assert_int_equal(ds_snapshot_git(s, diff, 1, &text, &err), DS_OK);
  assert_non_null(strstr(text, "-int main(void) { return 0; }"));
  assert_non_null(strstr(text, "+int main(void) { return 1; }"));
  ds_free(text);
  /* writes that escape are refused like reads */
  assert_int_equal(ds_snapshot_write(s, "../evil.sh", "x", 1, &err), DS_E_INVALID);
  assert_int_equal(ds_snapshot_write(s, "escape", "x", 1, &err), DS_E_INVALID);
  ds_snapshot_free(s);
  tree_hash(after);
  assert_string_equal(before, after);
}

static void git_snapshot_at_a_commit(void **state) {
  (void)state;
  struct ds_snapshot *s = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_snapshot_open(repo, "HEAD~1", NULL, &s, &err), DS_OK);
  char *text = NULL;
  assert_int_equal(ds_snapshot_read(s, "VERSION", &text, &err), DS_OK);
  assert_string_equal(text, "v1\n");
  ds_free(text);
  assert_int_equal(ds_snapshot_read(s, "tests/test_ok.py", &text, &err), DS_E_NOTFOUND);
  const char *log[] = {"log", "--oneline"};
  assert_int_equal(ds_snapshot_git(s, log, 2, &text, &err), DS_OK);
  assert_non_null(strstr(text, "first commit"));
  assert_null(strstr(text, "second commit"));
  assert_null(strstr(text, "t@example.com"));
  ds_free(text);
  /* HEAD is the pinned commit, and history ends there: a later commit cannot be named */
  const char *show[] = {"show", "HEAD:VERSION"};
  assert_int_equal(ds_snapshot_git(s, show, 2, &text, &err), DS_OK);
  assert_string_equal(text, "v1\n");
  ds_free(text);
  char later[64] = "", show_later[80], show_later_file[100];
  FILE *pp = popen("git -C $DS_TOOLSIM_REPO rev-parse HEAD", "r");
  assert_non_null(pp);
  assert_non_null(fgets(later, sizeof later, pp));
  pclose(pp);
  later[strcspn(later, "\n")] = '\0';
  snprintf(show_later, sizeof show_later, "%s", later);
  snprintf(show_later_file, sizeof show_later_file, "%s:VERSION", later);
  const char *show2[] = {"show", show_later_file};
  assert_int_equal(ds_snapshot_git(s, show2, 2, &text, &err), DS_E_NOTFOUND);
  assert_non_null(strstr(err.msg, "bad revision"));
  const char *show3[] = {"show", show_later};
  assert_int_equal(ds_snapshot_git(s, show3, 2, &text, &err), DS_E_NOTFOUND);
  const char *show4[] = {"show", "HEAD~1:VERSION"}; /* before the first commit: none */
  assert_int_equal(ds_snapshot_git(s, show4, 2, &text, &err), DS_E_NOTFOUND);
  const char *status[] = {"status"};
  assert_int_equal(ds_snapshot_git(s, status, 1, &text, &err), DS_OK);
  assert_non_null(strstr(text, "clean"));
  ds_free(text);
  /* symlinks created after the commit do not exist in it */
  assert_int_equal(ds_snapshot_read(s, "escape", &text, &err), DS_E_NOTFOUND);
  assert_int_equal(ds_snapshot_open(repo, "no-such-rev", NULL, &(struct ds_snapshot *){NULL}, &err), DS_E_NOTFOUND);
  ds_snapshot_free(s);
}

/* A directory whose .git is a file naming another repository (gitdir:) is refused: libgit2
 * would read that one. */
static void git_file_pointing_elsewhere(void **state) {
  (void)state;
  char wt[400];
  snprintf(wt, sizeof wt, "%s/worktree", dir);
  sh("mkdir -p %s && printf 'gitdir: %s/.git\\n' > %s/.git && printf 'x\\n' > %s/file.txt", wt, repo, wt, wt);
  struct ds_snapshot *s = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_snapshot_open(wt, NULL, NULL, &s, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "gitdir"));
  assert_int_equal(ds_snapshot_open(wt, "HEAD", NULL, &s, &err), DS_E_INVALID);
  sh("rm -f %s/.git && ln -s %s/.git %s/.git", wt, repo, wt);
  assert_int_equal(ds_snapshot_open(wt, NULL, NULL, &s, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "outside"));
  sh("rm -rf %s", wt);
}

static json_t *agent_record(void) {
  json_t *r = json_pack("{s:s,s:{s:s},s:[{s:s,s:s},{s:s,s:s,s:[{s:s,s:s,s:s}]},{s:s,s:s,s:s}]}", "id", "conv-1",
                        "repo", "path_or_url", repo, "messages", "role", "user", "content", "fix the tests",
                        "role", "assistant", "content", "", "tool_calls", "id", "t1", "name", "shell", "arguments",
                        "{\"command\": \"pytest -q\"}", "role", "tool", "tool_call_id", "t1", "content",
                        "1 passed in 0.01s");
  assert_non_null(r);
  return r;
}

/* Writes rec as a one-line corpus DIR/NAME.jsonl, indexes it into DIR/NAME.db (want calls)
 * and opens a tool simulator on that database. */
static struct ds_toolsim *index_and_open(const json_t *rec, const char *name, size_t want) {
  static char corpus[400], db[400];
  snprintf(corpus, sizeof corpus, "%s/%s.jsonl", dir, name);
  snprintf(db, sizeof db, "%s/%s.db", dir, name);
  char *line = ds_json_compact(rec);
  FILE *f = fopen(corpus, "w");
  assert_non_null(f);
  fprintf(f, "%s\n", line);
  fclose(f);
  ds_free(line);
  struct ds_toolsim_index_summary sum;
  struct ds_err err = {0};
  assert_int_equal(ds_toolsim_index(corpus, db, &sum, &err), DS_OK);
  assert_int_equal(sum.indexed, want);
  struct ds_toolsim_params p;
  ds_toolsim_default_params(&p);
  p.tooldb_path = db;
  p.repo_root = dir; /* the test repository is under it */
  struct ds_toolsim *t = NULL;
  assert_int_equal(ds_toolsim_open(&p, &t, &err), DS_OK);
  return t;
}

/* A record's repository must be under the repo root: an absolute path elsewhere or a ".." out
 * gets no connectors (nothing of the host is read), unless outside repositories are allowed. */
static void repository_outside_the_root(void **state) {
  (void)state;
  char root[400];
  snprintf(root, sizeof root, "%s/root", dir);
  sh("mkdir -p %s && ln -sfn %s %s/linked", root, repo, root);
  const char *wheres[] = {repo, "../repo", "/etc", "linked"};
  for (int allow = 0; allow <= 1; allow++)
    for (size_t i = 0; i < DS_ARRAY_LEN(wheres); i++) {
      struct ds_toolsim_params p;
      ds_toolsim_default_params(&p);
      p.repo_root = root;
      p.allow_repo_outside_root = allow;
      struct ds_toolsim *t = NULL;
      struct ds_err err = {0};
      assert_int_equal(ds_toolsim_open(&p, &t, &err), DS_OK);
      json_t *rec = json_pack("{s:s,s:{s:s},s:[]}", "id", "c", "repo", "path_or_url", wheres[i], "messages");
      struct ds_toolsim_episode *e = NULL;
      assert_int_equal(ds_toolsim_episode_new(t, rec, &e, &err), DS_OK);
      struct ds_tool_answer a;
      const char *file = strcmp(wheres[i], "/etc") == 0 ? "{\"command\": \"cat hostname\"}" : "{\"command\": \"cat VERSION\"}";
      assert_int_equal(ds_toolsim_answer(e, "shell", file, &a, &err), DS_OK);
      bool read = a.source == DS_TOOL_SOURCE_CONNECTOR && !a.is_error;
      if (read == !allow && strcmp(wheres[i], "/etc") != 0)
        fail_msg("%s (allow %d): source %s, response %s", wheres[i], allow, ds_tool_source_name(a.source), a.response);
      if (!allow && read) fail_msg("%s read from outside the root: %s", wheres[i], a.response);
      ds_tool_answer_release(&a);
      ds_toolsim_episode_free(e);
      json_decref(rec);
      ds_toolsim_close(t);
    }
}

/* A call repeated in a conversation gets the responses the original session got, in order:
 * the n-th identical call (counting the prefix's) the n-th recording, then the last one. */
static void repeated_calls_follow_the_recording(void **state) {
  (void)state;
  const char *status[] = {"nothing to commit", "modified: a.c", "modified: a.c\nnew file: b.c"};
  json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "commit my work");
  for (int i = 0; i < 3; i++) {
    char id[8];
    snprintf(id, sizeof id, "s%d", i);
    json_array_append_new(msgs, json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}]}", "role", "assistant", "content", "",
                                          "tool_calls", "id", id, "name", "shell", "arguments",
                                          "{\"command\": \"git status\"}"));
    json_array_append_new(msgs, json_pack("{s:s,s:s,s:s}", "role", "tool", "tool_call_id", id, "content", status[i]));
  }
  json_t *rec = json_pack("{s:s,s:o}", "id", "conv-r", "messages", msgs);
  json_t *other = json_pack("{s:s,s:[]}", "id", "conv-other", "messages");
  struct ds_toolsim *t = index_and_open(rec, "repeat", 3);
  struct ds_err err = {0};
  const char *call = "{\"command\": \"git  status\"}";
  /* history: none, the first call and its answer, all three; then a conversation with no
   * recording of its own */
  size_t cut[] = {0, 3, 7};
  for (int v = 0; v < 4; v++) {
    struct ds_toolsim_episode *e = NULL;
    assert_int_equal(ds_toolsim_episode_new(t, v < 3 ? rec : other, &e, &err), DS_OK);
    json_t *prefix = json_array();
    for (size_t i = 0; v < 3 && i < cut[v]; i++) json_array_append(prefix, json_array_get(msgs, i));
    ds_toolsim_episode_history(e, prefix);
    json_decref(prefix);
    int first = v == 0 ? 0 : v == 1 ? 1 : 2;
    for (int k = 0; k < 4; k++) {
      struct ds_tool_answer a;
      assert_int_equal(ds_toolsim_answer(e, "shell", "{\"command\": \"git status\"}", &a, &err), DS_OK);
      assert_int_equal(a.source, DS_TOOL_SOURCE_DB);
      int want = v == 3 ? 0 : first + k > 2 ? 2 : first + k;
      assert_string_equal(a.response, status[want]);
      ds_tool_answer_release(&a);
    }
    /* a near match (other spacing) counts on its own and starts at the first recording */
    struct ds_tool_answer a;
    assert_int_equal(ds_toolsim_answer(e, "shell", call, &a, &err), DS_OK);
    assert_int_equal(a.source, DS_TOOL_SOURCE_DB_NEAR);
    assert_string_equal(a.response, status[0]);
    ds_tool_answer_release(&a);
    ds_toolsim_episode_free(e);
  }
  ds_toolsim_close(t);
  json_decref(rec);
  json_decref(other);
}

static void answers_record_their_source(void **state) {
  (void)state;
  char before[65], after[65];
  tree_hash(before);
  json_t *rec = agent_record();
  struct ds_toolsim *t = index_and_open(rec, "corpus", 1);
  struct ds_err err = {0};
  struct ds_toolsim_episode *e = NULL;
  assert_int_equal(ds_toolsim_episode_new(t, rec, &e, &err), DS_OK);
  struct ds_tool_answer a;

  /* exact match, whatever the key order and spacing */
  assert_int_equal(ds_toolsim_answer(e, "shell", "{ \"command\" :\"pytest -q\" }", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_DB);
  assert_string_equal(a.response, "1 passed in 0.01s");
  assert_true(a.side_effect); /* running tests is not a read-only command */
  ds_tool_answer_release(&a);
  /* the candidate ran the tests (an intended action whose effect is unknown): a recording made
   * before that run is not the state it now reads, so it no longer answers */
  assert_int_equal(ds_toolsim_answer(e, "shell", "{\"command\": \"pytest -q\"}", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_ERROR);
  assert_true(a.side_effect);
  ds_tool_answer_release(&a);
  /* near match on the state it was recorded on: same command with other spacing inside */
  struct ds_toolsim_episode *fresh = NULL;
  assert_int_equal(ds_toolsim_episode_new(t, rec, &fresh, &err), DS_OK);
  assert_int_equal(ds_toolsim_answer(fresh, "shell", "{\"command\": \"pytest   -q\", \"timeout\": 30}", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_DB_NEAR);
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(fresh);
  /* connectors */
  assert_int_equal(ds_toolsim_answer(e, "shell", "{\"command\": \"cat src/main.c\"}", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  assert_false(a.side_effect);
  assert_non_null(strstr(a.response, "int main"));
  ds_tool_answer_release(&a);
  assert_int_equal(ds_toolsim_answer(e, "shell", "{\"command\": \"cat ../../etc/passwd\"}", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_REFUSED);
  assert_true(a.is_error);
  assert_null(strstr(a.response, "root:"));
  ds_tool_answer_release(&a);
  assert_int_equal(ds_toolsim_answer(e, "read_file", "{\"path\": \"escape\"}", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_REFUSED);
  assert_null(strstr(a.response, "TOP SECRET"));
  ds_tool_answer_release(&a);
  /* write then read: the read sees the write, the disk does not */
  assert_int_equal(ds_toolsim_answer(e, "write_file", "{\"path\": \"VERSION\", \"content\": \"v3\\n\"}", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  assert_true(a.side_effect);
  ds_tool_answer_release(&a);
  assert_int_equal(ds_toolsim_answer(e, "read_file", "{\"path\": \"VERSION\"}", &a, &err), DS_OK);
  assert_string_equal(a.response, "v3\n");
  ds_tool_answer_release(&a);
  /* a destructive command is never executed: with no simulator model it gets an error answer,
   * flagged as an intended action */
  assert_int_equal(ds_toolsim_answer(e, "shell", "{\"command\": \"rm -rf /workspace\"}", &a, &err), DS_OK);
  assert_true(a.side_effect);
  assert_int_equal(a.source, DS_TOOL_SOURCE_ERROR);
  ds_tool_answer_release(&a);
  /* malformed calls are answered, not fatal */
  assert_int_equal(ds_toolsim_answer(e, "shell", "{not json", &a, &err), DS_OK);
  assert_int_equal(a.source, DS_TOOL_SOURCE_ERROR);
  assert_true(a.is_error);
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  ds_toolsim_close(t);
  json_decref(rec);
  tree_hash(after);
  assert_string_equal(before, after);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(escapes_are_refused),
      cmocka_unit_test(writes_stay_in_the_overlay),
      cmocka_unit_test(git_snapshot_at_a_commit),
      cmocka_unit_test(git_file_pointing_elsewhere),
      cmocka_unit_test(repository_outside_the_root),
      cmocka_unit_test(answers_record_their_source),
      cmocka_unit_test(repeated_calls_follow_the_recording),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
