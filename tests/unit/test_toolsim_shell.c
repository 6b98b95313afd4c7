/* test_toolsim_shell.c: the read-only shell prints what bash and GNU coreutils, grep and find
 * print: each command line is run for real by bash (LC_ALL=C) in a scratch directory and
 * answered by the simulator over the same directory, and the two outputs must be equal; lines
 * that would write or run something are never answered (nor run). */
#include "toolsim_fixture.h"

static struct fx f;

static int setup(void **state) {
  (void)state;
  if (fx_setup(&f)) return -1;
  fx_sh("rm -rf '%s/.git'", f.repo);
  fx_file(&f, "a.txt", "one two\nthree\n");
  fx_file(&f, "b.txt", "four\n");
  fx_file(&f, "long.txt", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
  fx_file(&f, "gaps.txt", "first\n\nthird\n\n");
  fx_file(&f, "words.txt", "on\nonly\nbeta\nAlpha\non top\n");
  fx_file(&f, "nums.txt", "10\n9\n100\n-1\n");
  fx_file(&f, "dups.txt", "x\nx\ny\nx\n");
  fx_file(&f, "notes.md", "one note\n");
  fx_file(&f, "sub/c.txt", "deep one\n");
  fx_file(&f, "sub/inner/d.txt", "deeper\n");
  fx_file(&f, ".hidden", "one hidden\n");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_teardown(&f);
  return 0;
}

/* What bash prints for line in the checkout (stdout and stderr). */
static char *real(const char *line) {
  char script[1024], cmd[2048];
  snprintf(script, sizeof script, "%s/.cmd.sh", f.dir);
  FILE *o = fopen(script, "w");
  assert_non_null(o);
  fprintf(o, "%s\n", line);
  fclose(o);
  snprintf(cmd, sizeof cmd, "cd '%s' && LC_ALL=C bash '%s' 2>&1", f.repo, script);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) ds_buf_add(&b, chunk, n);
  pclose(p);
  return ds_buf_detach(&b, NULL);
}

static void same_output_as_bash(void **state) {
  (void)state;
  static const char *const lines[] = {
      "cat a.txt b.txt", "cat -n gaps.txt", "head -n 3 long.txt", "head -2 long.txt", "tail -n 2 long.txt",
      "tail -n +4 long.txt", "head -c 5 a.txt", "head -n 1 a.txt b.txt", "wc -l long.txt", "wc long.txt a.txt",
      "cat long.txt | wc -l", "cat long.txt | wc", "sed -n '2,4p' long.txt", "sed -n '3p;5p' long.txt",
      "sed -n '$p' long.txt", "nl long.txt", "nl -ba gaps.txt", "nl gaps.txt", "grep -n two long.txt",
      "grep -c o long.txt a.txt", "grep -i ONE long.txt", "grep -v o long.txt", "grep -w on words.txt",
      "grep -E 't(wo|hree)' long.txt", "grep 't\\(wo\\|hree\\)' long.txt", "grep -A1 two long.txt",
      "grep -B1 -n four long.txt", "grep -C1 -e two -e six long.txt", "grep -o 'o.' a.txt", "grep -l one *.txt",
      "grep -L one *.txt", "grep -rn one . | sort", "grep -r one | sort", "grep -rl one sub", "grep -h one a.txt long.txt",
      "grep -x four b.txt long.txt", "grep -F 'o t' a.txt", "grep nope long.txt || echo none", "grep one nope.txt",
      "grep -q two long.txt && echo found", "ls", "ls -a", "ls -A", "ls sub", "ls a.txt sub", "ls -1 sub", "ls *.txt",
      "ls -p", "ls -d sub", "ls nope", "ls sub/inner sub", "find . -name '*.txt' | sort", "find sub -type f | sort",
      "find . -maxdepth 1 -type d | sort", "find . -name '*.txt' -o -name '*.md' | sort",
      "find . -path './sub/*' | sort", "find . ! -name '*.txt' -type f | sort", "find sub -mindepth 2 | sort",
      "find . -type f -name '*.txt' -not -path '*/sub/*' | sort", "find nope", "sort words.txt", "sort -r words.txt",
      "sort -n nums.txt", "sort -u dups.txt", "uniq -c dups.txt", "cat dups.txt | sort | uniq",
      "uniq -d dups.txt", "echo hello   world", "echo -n no newline", "true && echo ok", "false || echo fallback",
      "false && echo never", "cat nope 2>/dev/null; echo after", "cd sub && cat c.txt", "cd sub; ls inner",
      "cat a.txt | head -1 | wc -c", "cat < b.txt", "ls nope 2>&1 | wc -l", "grep -rn deep sub/ | sort",
      "head -n 2 long.txt | tail -n 1", "grep -c '' gaps.txt", "wc -c a.txt", "cat sub/*/d.txt",
  };
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("sh-1", "generic-agent", NULL, "/workspace", NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  unsigned n = 0;
  for (size_t i = 0; i < DS_ARRAY_LEN(lines); i++) {
    json_t *o = json_pack("{s:s}", "command", lines[i]);
    char *args = ds_json_compact(o);
    json_decref(o);
    struct ds_tool_answer a;
    fx_call(e, "shell", args, &a);
    char *want = real(lines[i]);
    if (a.source != DS_TOOL_SOURCE_CONNECTOR || a.side_effect || strcmp(a.response, want) != 0)
      fail_msg("%s\n  source %s, side effect %d\n  got:  [%s]\n  bash: [%s]", lines[i], ds_tool_source_name(a.source),
               a.side_effect, a.response, want);
    ds_free(want);
    ds_free(args);
    ds_tool_answer_release(&a);
    n++;
  }
  assert_int_equal(n, DS_ARRAY_LEN(lines));
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
}

static void lines_that_act_are_not_run(void **state) {
  (void)state;
  char before[65], after[65];
  fx_hash(&f, before);
  static const char *const lines[] = {
      "echo x > a.txt",       "sed -i s/one/1/ a.txt", "rm -rf sub",         "cat a.txt | tee out.txt",
      "ls $(rm a.txt)",       "ls `touch z`",          "find . -delete",     "find . -exec rm {} \\;",
      "sort -o a.txt b.txt",  "python3 -c 'print(1)'", "FOO=1 cat a.txt",    "cat a.txt &",
      "git commit -am x",     "git branch newb",       "cat <<EOF\nx\nEOF",  "(cd sub && ls)",
  };
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("sh-2", "generic-agent", NULL, "/workspace", NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  for (size_t i = 0; i < DS_ARRAY_LEN(lines); i++) {
    json_t *o = json_pack("{s:s}", "command", lines[i]);
    char *args = ds_json_compact(o);
    json_decref(o);
    struct ds_tool_answer a;
    fx_call(e, "shell", args, &a);
    if (a.source != DS_TOOL_SOURCE_ERROR || !a.side_effect)
      fail_msg("%s: source %s, side effect %d: %s", lines[i], ds_tool_source_name(a.source), a.side_effect, a.response);
    ds_tool_answer_release(&a);
    ds_free(args);
  }
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
  fx_hash(&f, after);
  assert_string_equal(before, after);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_output_as_bash),
      cmocka_unit_test(lines_that_act_are_not_run),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
