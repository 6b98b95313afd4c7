/* test_toolsim_openhands.c: OpenHands' tools (V0 execute_bash with its exit-code line, V1
 * terminal, str_replace_editor/file_editor with OpenHands' directory view, think, finish,
 * task_tracker) and Inspect's (bash, text_editor, think), answered as those agents print; code,
 * browser and delegation calls are intended actions, never executed. */
#include "toolsim_fixture.h"

static struct fx f;

static int setup(void **state) {
  (void)state;
  if (fx_setup(&f)) return -1;
  fx_file(&f, "README.md", "# demo\n");
  fx_file(&f, "src/app.ts", "export const x = 1;\n");
  fx_file(&f, ".env", "SECRET=1\n");
  fx_commit(&f);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_teardown(&f);
  return 0;
}

static void openhands_tools(void **state) {
  (void)state;
  char before[65], after[65];
  fx_hash(&f, before);
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("oh-1", "openhands", NULL, "/workspace", NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  assert_string_equal(ds_toolsim_episode_dialect(e), "openhands");
  fx_expect(e, "execute_bash", "{\"command\":\"cat README.md\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "# demo\n[The command completed with exit code 0.]");
  fx_expect(e, "terminal", "{\"command\":\"ls src\",\"security_risk\":\"LOW\",\"summary\":\"list\"}",
            DS_TOOL_SOURCE_CONNECTOR, false, "app.ts");
  /* the directory view: two levels, hidden entries counted, not shown */
  fx_expect(e, "str_replace_editor", "{\"command\":\"view\",\"path\":\"/workspace\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Here's the files and directories up to 2 levels deep in /workspace, excluding hidden items:\n/workspace/\n"
            "/workspace/README.md\n/workspace/src/\n/workspace/src/app.ts\n\n1 hidden files/directories in this "
            "directory are excluded. You can use 'ls -la /workspace' to see them.");
  fx_expect(e, "file_editor",
            "{\"command\":\"str_replace\",\"new_str\":\"2\",\"old_str\":\"1\",\"path\":\"/workspace/src/app.ts\","
            "\"security_risk\":\"LOW\"}",
            DS_TOOL_SOURCE_CONNECTOR, true,
            "The file /workspace/src/app.ts has been edited. Here's the result of running `cat -n` on a snippet of "
            "/workspace/src/app.ts:\n     1\texport const x = 2;\nReview the changes and make sure they are as "
            "expected. Edit the file again if necessary.");
  fx_expect(e, "think", "{\"thought\":\"plan\"}", DS_TOOL_SOURCE_CONNECTOR, false, "Your thought has been logged.");
  fx_expect(e, "task_tracker",
            "{\"command\":\"plan\",\"task_list\":[{\"notes\":\"read first\",\"status\":\"todo\",\"title\":\"Explore\"},"
            "{\"status\":\"done\",\"title\":\"Fix\"}]}",
            DS_TOOL_SOURCE_CONNECTOR, false, "Task list has been updated with 2 item(s).");
  fx_expect(e, "task_tracker", "{\"command\":\"view\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "# Task List\n\n1. \xe2\x8f\xb3 Explore\n   read first\n\n2. \xe2\x9c\x85 Fix");
  fx_expect(e, "finish", "{\"message\":\"All done.\"}", DS_TOOL_SOURCE_CONNECTOR, false, "All done.");
  fx_expect(e, "execute_ipython_cell", "{\"code\":\"open('x','w').write('y')\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "browser", "{\"code\":\"goto('https://example.com')\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "execute_bash", "{\"command\":\"npm install\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
  fx_hash(&f, after);
  assert_string_equal(before, after);
}

static void inspect_tools(void **state) {
  (void)state;
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec = fx_record("in-1", "inspect", "0.3.135", "/root", NULL);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  assert_string_equal(ds_toolsim_episode_dialect(e), "inspect");
  fx_expect(e, "bash", "{\"cmd\":\"ls\"}", DS_TOOL_SOURCE_CONNECTOR, false, "README.md\nsrc\n");
  fx_expect(e, "bash", "{\"cmd\":\"ls -a /root\"}", DS_TOOL_SOURCE_CONNECTOR, false, ".\n..\n.env\n.git\nREADME.md\nsrc\n");
  fx_expect(e, "text_editor", "{\"command\":\"view\",\"path\":\"/root/README.md\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Here's the result of running `cat -n` on /root/README.md:\n     1\t# demo\n     2\t\n");
  fx_expect(e, "text_editor", "{\"command\":\"delete\",\"path\":\"/root/README.md\"}", DS_TOOL_SOURCE_CONNECTOR, true,
            "Unrecognized command delete. The allowed commands for the text_editor tool are: \"view\", \"create\", "
            "\"str_replace\", \"insert\", \"undo_edit\"");
  fx_expect(e, "python", "{\"code\":\"print(1)\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "web_browser_go", "{\"url\":\"https://www.aisi.gov.uk/\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "web_browser_click", "{\"element_id\":151}", DS_TOOL_SOURCE_ERROR, true, NULL);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(openhands_tools),
      cmocka_unit_test(inspect_tools),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
