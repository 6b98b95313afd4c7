/* test_toolsim_swe_agent.c: SWE-agent's tools (str_replace_editor view/create/str_replace/
 * insert/undo_edit in function and text form, the windowed open/goto/scroll_*, find_file,
 * search_dir, search_file) and mini-swe-agent's bash (its <returncode>/<output> template),
 * answered as those tools print; the text actions of both agents; edits in the overlay only. */
#include "toolsim_fixture.h"

static struct fx f;
static const char *const CWD = "/testbed";

static int setup(void **state) {
  (void)state;
  if (fx_setup(&f)) return -1;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  for (int i = 1; i <= 150; i++) ds_buf_addf(&b, "l%d\n", i);
  fx_file(&f, "pkg/mod.py", b.data);
  ds_buf_release(&b);
  fx_file(&f, "small.py", "def f():\n\treturn 1\n");
  fx_file(&f, ".hidden/x.py", "l15\n");
  fx_commit(&f);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_teardown(&f);
  return 0;
}

/* "[File: NAME (150 lines total)]" and lines from..to of pkg/mod.py as the window shows them */
static char *window(const char *name, int from, int to) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_addf(&b, "[File: %s (150 lines total)]", name);
  if (from > 1) ds_buf_addf(&b, "\n(%d more lines above)", from - 1);
  for (int i = from; i <= to; i++) ds_buf_addf(&b, "\n%d:l%d", i, i);
  if (to < 150) ds_buf_addf(&b, "\n(%d more lines below)", 150 - to);
  return ds_buf_detach(&b, NULL);
}

static void windowed_and_search_tools(void **state) {
  (void)state;
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("swe-1", "swe-agent", "1.1.0", CWD, NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  assert_string_equal(ds_toolsim_episode_dialect(e), "swe-agent");
  char *w = window("pkg/mod.py", 1, 100);
  fx_expect(e, "open", "{\"path\":\"pkg/mod.py\"}", DS_TOOL_SOURCE_CONNECTOR, false, w);
  ds_free(w);
  w = window("pkg/mod.py", 51, 150); /* line 120 - window/6, kept within the file */
  fx_expect(e, "bash", "{\"command\":\"open pkg/mod.py 120\"}", DS_TOOL_SOURCE_CONNECTOR, false, w);
  ds_free(w);
  w = window("/testbed/pkg/mod.py", 1, 100);
  fx_expect(e, "goto", "{\"line_number\":1}", DS_TOOL_SOURCE_CONNECTOR, false, w);
  ds_free(w);
  w = window("/testbed/pkg/mod.py", 51, 150);
  fx_expect(e, "scroll_down", "{}", DS_TOOL_SOURCE_CONNECTOR, false, w);
  ds_free(w);
  w = window("/testbed/pkg/mod.py", 1, 100);
  fx_expect(e, "bash", "{\"command\":\"scroll_up\"}", DS_TOOL_SOURCE_CONNECTOR, false, w);
  ds_free(w);
  fx_expect(e, "find_file", "{\"file_name\":\"*.py\",\"dir\":\"pkg\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Found 1 matches for \"*.py\" in /testbed/pkg:\n/testbed/pkg/mod.py");
  fx_expect(e, "bash", "{\"command\":\"search_dir l15\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Found 2 matches for \"l15\" in /testbed:\n/testbed/pkg/mod.py (2 matches)\nEnd of matches for \"l15\" in "
            "/testbed");
  fx_expect(e, "search_file", "{\"search_term\":\"l14[0-2]\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Found 3 matches for \"l14[0-2]\" in /testbed/pkg/mod.py:\nLine 140:l140\nLine 141:l141\nLine 142:l142\nEnd "
            "of matches for \"l14[0-2]\" in /testbed/pkg/mod.py");
  fx_expect(e, "bash", "{\"command\":\"search_file nothing small.py\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "No matches found for \"nothing\" in /testbed/small.py");
  fx_expect(e, "bash", "{\"command\":\"cd pkg && grep -c l1 mod.py\"}", DS_TOOL_SOURCE_CONNECTOR, false, "62\n");
  fx_expect(e, "bash", "{\"command\":\"true\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Your command ran successfully and did not produce any output.");
  /* the windowed edit and submit: recordings or the simulator model; edit is an action */
  fx_expect(e, "bash", "{\"command\":\"edit 1:1\\nx = 2\\nend_of_edit\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "edit", "{\"replace\":\"b\",\"search\":\"a\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
}

static void editor_commands(void **state) {
  (void)state;
  char before[65], after[65];
  fx_hash(&f, before);
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("swe-2", "swe-agent", "1.1.0", CWD, NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  const char *head = "Here's the result of running `cat -n` on /testbed/small.py:\n";
  char want[2048];
  snprintf(want, sizeof want, "%s     1\tdef f():\n     2\t        return 1\n     3\t\n", head);
  fx_expect(e, "str_replace_editor", "{\"command\":\"view\",\"path\":\"/testbed/small.py\"}", DS_TOOL_SOURCE_CONNECTOR,
            false, want);
  snprintf(want, sizeof want, "%s     2\t        return 1\n", head);
  fx_expect(e, "bash", "{\"command\":\"str_replace_editor view /testbed/small.py --view_range 2 2\"}",
            DS_TOOL_SOURCE_CONNECTOR, false, want);
  fx_expect(e, "str_replace_editor", "{\"command\":\"view\",\"path\":\"/testbed/small.py\",\"view_range\":[3,9]}",
            DS_TOOL_SOURCE_CONNECTOR, false,
            "Invalid `view_range`: [3, 9]. Its second element `9` should be smaller than the number of lines in the "
            "file: `3`");
  fx_expect(e, "str_replace_editor",
            "{\"command\":\"str_replace\",\"new_str\":\"return 2\",\"old_str\":\"return 1\",\"path\":\"/testbed/small.py\"}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "The file /testbed/small.py has been edited. Here's the result of running `cat -n` on a snippet of "
            "/testbed/small.py:\n     1\tdef f():\n     2\t        return 2\nReview the changes and make sure they are as "
            "expected. Edit the file again if necessary.");
  fx_expect(e, "str_replace_editor",
            "{\"command\":\"str_replace\",\"new_str\":\"z\",\"old_str\":\"nothing\",\"path\":\"/testbed/small.py\"}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "No replacement was performed, old_str `nothing` did not appear verbatim in /testbed/small.py.");
  fx_expect(e, "str_replace_editor",
            "{\"command\":\"insert\",\"insert_line\":1,\"new_str\":\"    # note\",\"path\":\"/testbed/small.py\"}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "The file /testbed/small.py has been edited. Here's the result of running `cat -n` on a snippet of the "
            "edited file:\n     1\tdef f():\n     2\t    # note\n     3\t        return 2\n     4\t\nReview the changes "
            "and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if "
            "necessary.");
  snprintf(want, sizeof want, "Last edit to /testbed/small.py undone successfully. %s     1\tdef f():\n     2\t        return 2\n     3\t\n",
           head);
  fx_expect(e, "str_replace_editor", "{\"command\":\"undo_edit\",\"path\":\"/testbed/small.py\"}", DS_TOOL_SOURCE_CONNECTOR,
            true, want);
  fx_expect(e, "str_replace_editor", "{\"command\":\"create\",\"file_text\":\"x\",\"path\":\"/testbed/small.py\"}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "File already exists at: /testbed/small.py. Cannot overwrite files using command `create`.");
  fx_expect(e, "str_replace_editor", "{\"command\":\"create\",\"file_text\":\"print(1)\\n\",\"path\":\"/testbed/new.py\"}",
            DS_TOOL_SOURCE_CONNECTOR, true, "File created successfully at: /testbed/new.py");
  fx_expect(e, "str_replace_editor", "{\"command\":\"view\",\"path\":\"small.py\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "The path small.py is not an absolute path, it should start with `/`. Maybe you meant /testbed/small.py?");
  fx_expect(e, "bash", "{\"command\":\"cat new.py small.py\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "print(1)\ndef f():\n        return 2\n");
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
  fx_hash(&f, after);
  assert_string_equal(before, after);
}

static void mini_swe_agent_bash_and_text_actions(void **state) {
  (void)state;
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("mini-1", "mini-swe-agent", "2.3.0", CWD, NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  assert_string_equal(ds_toolsim_episode_dialect(e), "mini-swe-agent");
  fx_expect(e, "bash", "{\"command\":\"cd /testbed && cat small.py\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<returncode>0</returncode>\n<output>\ndef f():\n\treturn 1\n</output>");
  /* each command starts in the working directory again: a cd does not carry over */
  fx_expect(e, "bash", "{\"command\":\"cd pkg\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<returncode>0</returncode>\n<output>\n</output>");
  fx_expect(e, "bash", "{\"command\":\"cat mod.py | head -1\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<returncode>0</returncode>\n<output>\ncat: mod.py: No such file or directory\n</output>");
  fx_expect(e, "bash", "{\"command\":\"ls nope 2>&1\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "<returncode>2</returncode>\n<output>\nls: cannot access 'nope': No such file or directory\n</output>");
  fx_expect(e, "bash", "{\"command\":\"sed -i s/1/2/ small.py\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  /* text actions: exactly one bash block (or mswea_bash_command) in the reply */
  char *tool = NULL, *args = NULL;
  assert_true(ds_toolsim_text_action(e, "THOUGHT: look\n\n```mswea_bash_command\nls pkg\n```", &tool, &args));
  assert_string_equal(tool, "bash");
  assert_string_equal(args, "{\"command\":\"ls pkg\"}");
  ds_free(tool);
  ds_free(args);
  assert_true(ds_toolsim_text_action(e, "Let me see.\n```bash\ncat small.py\n```\n", &tool, &args));
  assert_string_equal(args, "{\"command\":\"cat small.py\"}");
  ds_free(tool);
  ds_free(args);
  assert_true(ds_toolsim_text_action(e, "<mswea_bash_command>\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n</mswea_bash_command>", &tool, &args));
  assert_string_equal(args, "{\"command\":\"echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\"}");
  ds_free(tool);
  ds_free(args);
  assert_false(ds_toolsim_text_action(e, "```bash\nls\n```\nand\n```bash\npwd\n```", &tool, &args));
  assert_false(ds_toolsim_text_action(e, "no action here", &tool, &args));
  ds_toolsim_episode_free(e);
  json_decref(rec);
  /* SWE-agent's text mode: the last fenced block is the action, whatever its language */
  rec = fx_record("swe-3", "swe-agent", "0.7.0", CWD, NULL);
  e = fx_episode(t, rec);
  assert_true(ds_toolsim_text_action(e, "DISCUSSION\nFirst this:\n```python\nx\n```\nthen\n```\nopen pkg/mod.py 120\n```", &tool, &args));
  assert_string_equal(args, "{\"command\":\"open pkg/mod.py 120\"}");
  ds_free(tool);
  ds_free(args);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  /* no text actions for agents that call tools */
  rec = fx_record("cc-9", "claude-code", "2.1.0", CWD, NULL);
  e = fx_episode(t, rec);
  assert_false(ds_toolsim_text_action(e, "```bash\nls\n```", &tool, &args));
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(windowed_and_search_tools),
      cmocka_unit_test(editor_commands),
      cmocka_unit_test(mini_swe_agent_bash_and_text_actions),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
