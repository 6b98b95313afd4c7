/* test_toolsim_claude_code.c: Claude Code's tools answered by the connectors the way Claude Code
 * prints them (Read's "%6d→" lines and the system reminder of each version, Grep's modes, Glob,
 * LS, Bash), its writes landing in the overlay only (an existing file must be read first), and
 * the tools that act (Task, WebFetch, shell writes) never executed. */
#include "toolsim_fixture.h"

static struct fx f;
static const char *const CWD = "/Users/dev/proj";
#define A "\xe2\x86\x92" /* → between a line number and the line */

#define REMINDER_2X                                                                                                  \
  "\n\n<system-reminder>\nWhenever you read a file, you should consider whether it would be considered malware. "    \
  "You CAN and SHOULD provide analysis of malware, what it is doing. But you MUST refuse to improve or augment the "  \
  "code. You can still analyze existing code, write reports, or answer questions about the code behavior.\n"         \
  "</system-reminder>\n"
#define REMINDER_1X                                                                                                  \
  "\n\n<system-reminder>\nWhenever you read a file, you should consider whether it looks malicious. If it does, you " \
  "MUST refuse to improve or augment the code. You can still analyze existing code, write reports, or answer "       \
  "high-level questions about the code behavior.\n</system-reminder>\n"

static int setup(void **state) {
  (void)state;
  if (fx_setup(&f)) return -1;
  fx_file(&f, "a.go", "package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n");
  fx_file(&f, "src/b.go", "package src\n\n// main helper\nfunc Helper() {}\n");
  fx_file(&f, "empty.txt", "");
  fx_file(&f, "docs/guide.md", "# Guide\n");
  fx_commit(&f);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_teardown(&f);
  return 0;
}

static struct ds_toolsim_episode *episode(struct ds_toolsim *t, const char *version, json_t **rec) {
  *rec = fx_record("cc-1", "claude-code", version, CWD, NULL);
  return fx_episode(t, *rec);
}

static void read_numbers_lines_like_claude_code(void **state) {
  (void)state;
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec;
  struct ds_toolsim_episode *e = episode(t, "2.1.34", &rec);
  assert_string_equal(ds_toolsim_episode_dialect(e), "claude-code");
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/a.go\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "     1" A "package main\n     2" A "\n     3" A "func main() {\n     4" A "\tprintln(\"hi\")\n"
            "     5" A "}\n     6" A "" REMINDER_2X);
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/a.go\",\"limit\":2,\"offset\":3}", DS_TOOL_SOURCE_CONNECTOR, false,
            "     3" A "func main() {\n     4" A "\tprintln(\"hi\")" REMINDER_2X);
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/empty.txt\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<system-reminder>Warning: the file exists but the contents are empty.</system-reminder>");
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/a.go\",\"offset\":50}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<system-reminder>Warning: the file exists but is shorter than the provided offset (50). The file has 6 "
            "lines.</system-reminder>");
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/src\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "EISDIR: illegal operation on a directory, read");
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/nope.go\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<tool_use_error>File does not exist.</tool_use_error>");
  /* outside the session's directory: refused, nothing of the host is read */
  fx_expect(e, "Read", "{\"file_path\":\"/etc/passwd\"}", DS_TOOL_SOURCE_REFUSED, false, NULL);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  /* the reminder of the 1.0 versions */
  e = episode(t, "1.0.98", &rec);
  fx_expect(e, "Read", "{\"file_path\":\"/Users/dev/proj/src/b.go\",\"limit\":1}", DS_TOOL_SOURCE_CONNECTOR, false,
            "     1" A "package src" REMINDER_1X);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
}

static void grep_glob_ls_and_bash(void **state) {
  (void)state;
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec;
  struct ds_toolsim_episode *e = episode(t, "2.1.34", &rec);
  /* content mode: match lines relative to the session's directory, numbered; one file: no name */
  fx_expect(e, "Grep", "{\"output_mode\":\"content\",\"path\":\"/Users/dev/proj/a.go\",\"pattern\":\"main\"}",
            DS_TOOL_SOURCE_CONNECTOR, false, "1:package main\n3:func main() {");
  fx_expect(e, "Grep", "{\"output_mode\":\"content\",\"pattern\":\"ma[i]n\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "a.go:1:package main\na.go:3:func main() {\nsrc/b.go:3:// main helper");
  /* context lines carry the absolute path and '-' */
  fx_expect(e, "Grep", "{\"-A\":1,\"output_mode\":\"content\",\"pattern\":\"Helper\"}", DS_TOOL_SOURCE_CONNECTOR,
            false, "src/b.go:4:func Helper() {}");
  fx_expect(e, "Grep", "{\"-B\":1,\"output_mode\":\"content\",\"pattern\":\"Helper\"}", DS_TOOL_SOURCE_CONNECTOR,
            false, "/Users/dev/proj/src/b.go-3-// main helper\nsrc/b.go:4:func Helper() {}");
  fx_expect(e, "Grep", "{\"pattern\":\"main\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Found 2 files\n/Users/dev/proj/a.go\n/Users/dev/proj/src/b.go");
  fx_expect(e, "Grep", "{\"glob\":\"*.md\",\"pattern\":\"main\"}", DS_TOOL_SOURCE_CONNECTOR, false, "No files found");
  fx_expect(e, "Grep", "{\"output_mode\":\"count\",\"pattern\":\"main\",\"type\":\"go\"}", DS_TOOL_SOURCE_CONNECTOR,
            false, "a.go:2\nsrc/b.go:1\n\nFound 3 total occurrences across 2 files.");
  fx_expect(e, "Glob", "{\"pattern\":\"**/*.go\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "/Users/dev/proj/a.go\n/Users/dev/proj/src/b.go");
  fx_expect(e, "Glob", "{\"path\":\"/Users/dev/proj/src\",\"pattern\":\"*.{go,md}\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "/Users/dev/proj/src/b.go");
  fx_expect(e, "Glob", "{\"pattern\":\"*.py\"}", DS_TOOL_SOURCE_CONNECTOR, false, "No files found");
  fx_expect(e, "LS", "{\"path\":\"/Users/dev/proj\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "- /Users/dev/proj/\n  - a.go\n  - docs/\n    - guide.md\n  - empty.txt\n  - src/\n    - b.go\n\nNOTE: do any of "
            "the files above seem malicious? If so, you MUST refuse to continue work.");
  /* Bash: read-only lines answered (output without its final newline), the shell keeps its
   * directory between calls */
  fx_expect(e, "Bash", "{\"command\":\"grep -c main a.go src/b.go | sort\",\"description\":\"count\"}",
            DS_TOOL_SOURCE_CONNECTOR, false, "a.go:2\nsrc/b.go:1");
  fx_expect(e, "Bash", "{\"command\":\"cd src\"}", DS_TOOL_SOURCE_CONNECTOR, false, "");
  fx_expect(e, "Bash", "{\"command\":\"ls && pwd\"}", DS_TOOL_SOURCE_CONNECTOR, false, "b.go\n/Users/dev/proj/src");
  struct ds_tool_answer a;
  fx_call(e, "Bash", "{\"command\":\"ls nope\"}", &a);
  assert_string_equal(a.response, "ls: cannot access 'nope': No such file or directory");
  assert_true(a.is_error);
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
}

static void writes_land_in_the_overlay(void **state) {
  (void)state;
  char before[65], after[65];
  fx_hash(&f, before);
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec;
  struct ds_toolsim_episode *e = episode(t, "2.1.34", &rec);
  const char *edit = "{\"file_path\":\"/Users/dev/proj/a.go\",\"new_string\":\"println(\\\"bye\\\")\","
                     "\"old_string\":\"println(\\\"hi\\\")\"}";
  /* Claude Code refuses to edit a file it has not read in the session */
  fx_expect(e, "Edit", edit, DS_TOOL_SOURCE_CONNECTOR, true,
            "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>");
  struct ds_tool_answer a;
  fx_call(e, "Read", "{\"file_path\":\"/Users/dev/proj/a.go\"}", &a);
  ds_tool_answer_release(&a);
  fx_expect(e, "Edit",
            "{\"file_path\":\"/Users/dev/proj/a.go\",\"new_string\":\"x\",\"old_string\":\"main\",\"replace_all\":false}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "<tool_use_error>Found 2 matches of the string to replace, but replace_all is false. To replace all "
            "occurrences, set replace_all to true. To replace only one occurrence, please provide more context to "
            "uniquely identify the instance.\nString: main</tool_use_error>");
  fx_expect(e, "Edit", edit, DS_TOOL_SOURCE_CONNECTOR, true,
            "The file /Users/dev/proj/a.go has been updated successfully.");
  fx_expect(e, "Bash", "{\"command\":\"grep -n bye a.go\"}", DS_TOOL_SOURCE_CONNECTOR, false, "4:\tprintln(\"bye\")");
  fx_expect(e, "MultiEdit",
            "{\"edits\":[{\"new_string\":\"package app\",\"old_string\":\"package main\"},{\"new_string\":\"func "
            "start() {\",\"old_string\":\"func main() {\"}],\"file_path\":\"/Users/dev/proj/a.go\"}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "Applied 2 edits to /Users/dev/proj/a.go:\n1. Replaced \"package main\" with \"package app\"\n2. Replaced "
            "\"func main() {\" with \"func start() {\"");
  fx_expect(e, "Write", "{\"content\":\"notes\\n\",\"file_path\":\"/Users/dev/proj/notes.txt\"}", DS_TOOL_SOURCE_CONNECTOR,
            true, "File created successfully at: /Users/dev/proj/notes.txt");
  fx_expect(e, "Bash", "{\"command\":\"cat notes.txt a.go\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "notes\npackage app\n\nfunc start() {\n\tprintln(\"bye\")\n}");
  /* what acts is never executed: with no recording and no simulator model, an error answer */
  fx_expect(e, "Bash", "{\"command\":\"echo gone > a.go && rm -rf src\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "Task", "{\"description\":\"x\",\"prompt\":\"delete everything\",\"subagent_type\":\"general-purpose\"}",
            DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "WebFetch", "{\"prompt\":\"read\",\"url\":\"https://example.com\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "TodoWrite", "{\"todos\":[{\"content\":\"a\",\"status\":\"pending\"}]}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Todos have been modified successfully. Ensure that you continue to use the todo list to track your "
            "progress. Please proceed with the current tasks if applicable");
  ds_toolsim_episode_free(e);
  json_decref(rec);
  /* 2.0 answers an edit with a snippet: four lines around it */
  e = episode(t, "2.0.76", &rec);
  fx_call(e, "Read", "{\"file_path\":\"/Users/dev/proj/a.go\"}", &a);
  ds_tool_answer_release(&a);
  fx_expect(e, "Edit", edit, DS_TOOL_SOURCE_CONNECTOR, true,
            "The file /Users/dev/proj/a.go has been updated. Here's the result of running `cat -n` on a snippet of the "
            "edited file:\n     1" A "package main\n     2" A "\n     3" A "func main() {\n     "
            "4" A "\tprintln(\"bye\")\n     5" A "}\n     6" A "");
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
  fx_hash(&f, after);
  assert_string_equal(before, after);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(read_numbers_lines_like_claude_code),
      cmocka_unit_test(grep_glob_ls_and_bash),
      cmocka_unit_test(writes_land_in_the_overlay),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
