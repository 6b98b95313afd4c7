/* test_toolsim_codex.c: Codex CLI's tools: apply_patch parsed and applied to the overlay (add,
 * update with context chunks, delete, move; Codex's lenient parsing and fuzzy line matching)
 * and answered with Codex's summary or error; shell/local_shell argv arrays, shell_command and
 * exec_command answered in their envelopes; update_plan; the disk never changes. */
#include "toolsim_fixture.h"

static struct fx f;
static const char *const CWD = "/home/u/repo";

static int setup(void **state) {
  (void)state;
  if (fx_setup(&f)) return -1;
  fx_file(&f, "lib.py", "import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n");
  fx_file(&f, "old.txt", "obsolete\n");
  fx_file(&f, "docs/name.txt", "keep me\n");
  fx_file(&f, "dash.txt", "a \xe2\x80\x94 b\n");
  fx_commit(&f);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_teardown(&f);
  return 0;
}

static struct ds_toolsim_episode *episode(struct ds_toolsim *t, json_t **rec) {
  *rec = fx_record("cx-1", "codex", "0.77.0", CWD, NULL);
  return fx_episode(t, *rec);
}

/* {"input": PATCH} as the canonical record carries Codex's free-form apply_patch call */
static char *patch_args(const char *patch) {
  json_t *o = json_pack("{s:s}", "input", patch);
  char *s = ds_json_compact(o);
  json_decref(o);
  return s;
}

static const char *envelope(const char *output, int code) {
  static char buf[4096];
  json_t *o = json_pack("{s:s,s:{s:i,s:f}}", "output", output, "metadata", "exit_code", code, "duration_seconds", 0.0);
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  snprintf(buf, sizeof buf, "%s", s);
  free(s);
  json_decref(o);
  return buf;
}

static void apply_patch_lands_in_the_overlay(void **state) {
  (void)state;
  char before[65], after[65];
  fx_hash(&f, before);
  struct ds_toolsim *t = fx_toolsim(&f, NULL);
  json_t *rec;
  struct ds_toolsim_episode *e = episode(t, &rec);
  assert_string_equal(ds_toolsim_episode_dialect(e), "codex");
  char *args = patch_args("*** Begin Patch\n"
                          "*** Add File: new/hello.txt\n+hello\n+world\n"
                          "*** Update File: lib.py\n@@ def g():\n-    return 2\n+    return 3\n"
                          "*** Delete File: old.txt\n"
                          "*** Update File: docs/name.txt\n*** Move to: docs/renamed.txt\n@@\n-keep me\n+kept\n"
                          "*** End Patch");
  fx_expect(e, "apply_patch", args, DS_TOOL_SOURCE_CONNECTOR, true,
            envelope("Success. Updated the following files:\nA new/hello.txt\nM lib.py\nD old.txt\nM docs/renamed.txt\n", 0));
  ds_free(args);
  fx_expect(e, "shell", "{\"command\":[\"bash\",\"-lc\",\"cat new/hello.txt lib.py docs/renamed.txt\"],\"workdir\":\"/home/u/repo\"}",
            DS_TOOL_SOURCE_CONNECTOR, false,
            envelope("hello\nworld\nimport os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 3\nkept\n", 0));
  fx_expect(e, "shell", "{\"command\":[\"ls\",\"old.txt\",\"docs\"]}", DS_TOOL_SOURCE_CONNECTOR, false,
            envelope("ls: cannot access 'old.txt': No such file or directory\ndocs:\nrenamed.txt\n", 2));
  /* a first chunk without @@, whitespace and typographic dashes tolerated as Codex does */
  args = patch_args("  *** Begin Patch\n*** Update File: dash.txt\n-a - b\n+a to b\n*** End Patch  \n");
  fx_expect(e, "apply_patch", args, DS_TOOL_SOURCE_CONNECTOR, true,
            envelope("Success. Updated the following files:\nM dash.txt\n", 0));
  ds_free(args);
  /* a heredoc through the shell, as models often send it */
  fx_expect(e, "shell",
            "{\"command\":[\"bash\",\"-lc\",\"apply_patch <<'EOF'\\n*** Begin Patch\\n*** Update File: lib.py\\n@@ def "
            "f():\\n-    return 1\\n+    return 10\\n*** End Patch\\nEOF\\n\"]}",
            DS_TOOL_SOURCE_CONNECTOR, true, envelope("Success. Updated the following files:\nM lib.py\n", 0));
  fx_expect(e, "shell_command", "{\"command\":\"grep -n return lib.py\",\"workdir\":\"/home/u/repo\"}",
            DS_TOOL_SOURCE_CONNECTOR, false,
            "Exit code: 0\nWall time: 0 seconds\nOutput:\n5:    return 10\n9:    return 3\n");
  /* errors: Codex's messages, exit code 1 */
  args = patch_args("*** Update File: lib.py\n*** End Patch");
  fx_expect(e, "apply_patch", args, DS_TOOL_SOURCE_CONNECTOR, true,
            envelope("invalid patch: The first line of the patch must be '*** Begin Patch'", 1));
  ds_free(args);
  args = patch_args("*** Begin Patch\n*** Update File: lib.py\n@@\n-    return 99\n+    return 0\n*** End Patch");
  fx_expect(e, "apply_patch", args, DS_TOOL_SOURCE_CONNECTOR, true,
            envelope("Failed to find expected lines in lib.py:\n    return 99", 1));
  ds_free(args);
  args = patch_args("*** Begin Patch\n*** Delete File: nope.txt\n*** End Patch");
  fx_expect(e, "apply_patch", args, DS_TOOL_SOURCE_CONNECTOR, true, envelope("Failed to delete file nope.txt", 1));
  ds_free(args);
  /* a patch may not leave the repository */
  args = patch_args("*** Begin Patch\n*** Add File: ../evil.sh\n+rm -rf /\n*** End Patch");
  fx_expect(e, "apply_patch", args, DS_TOOL_SOURCE_REFUSED, true, NULL);
  ds_free(args);
  fx_expect(e, "exec_command", "{\"cmd\":\"cat docs/renamed.txt\"}", DS_TOOL_SOURCE_CONNECTOR, false,
            "Chunk ID: 000000\nWall time: 0.0000 seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nkept\n");
  fx_expect(e, "update_plan", "{\"plan\":[{\"status\":\"in_progress\",\"step\":\"fix\"}]}", DS_TOOL_SOURCE_CONNECTOR,
            false, "Plan updated");
  /* running anything else is an intended action, never executed */
  fx_expect(e, "shell", "{\"command\":[\"bash\",\"-lc\",\"pytest -q\"]}", DS_TOOL_SOURCE_ERROR, true, NULL);
  fx_expect(e, "local_shell", "{\"command\":[\"rm\",\"-rf\",\"docs\"],\"type\":\"exec\"}", DS_TOOL_SOURCE_ERROR, true, NULL);
  ds_toolsim_episode_free(e);
  json_decref(rec);
  ds_toolsim_close(t);
  fx_hash(&f, after);
  assert_string_equal(before, after);
}

/* The paths a patch writes are its state change: a recording of a read of another file still
 * answers after it, one of the patched file does not. */
static void patches_change_what_they_name(void **state) {
  (void)state;
  json_t *msgs = json_array();
  json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content", "fix g"));
  char *p = patch_args("*** Begin Patch\n*** Update File: lib.py\n@@ def g():\n-    return 2\n+    return 20\n*** End Patch");
  fx_turn(msgs, "c1", "apply_patch", p, "{\"output\":\"Success. Updated the following files:\\nM lib.py\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}");
  fx_turn(msgs, "c2", "shell", "{\"command\":[\"bash\",\"-lc\",\"cat old.txt\"]}", "RECORDED old.txt");
  fx_turn(msgs, "c3", "shell", "{\"command\":[\"bash\",\"-lc\",\"cat lib.py\"]}", "RECORDED lib.py");
  json_t *rec = fx_record("cx-2", "codex", "0.77.0", CWD, msgs);
  const char *db = fx_index(&f, "codex", &rec, 1);
  struct ds_toolsim *t = fx_toolsim(&f, db);
  struct ds_toolsim_episode *e = fx_episode(t, rec);
  char *other = patch_args("*** Begin Patch\n*** Update File: lib.py\n@@ def g():\n-    return 2\n+    return 5\n*** End Patch");
  fx_expect(e, "apply_patch", other, DS_TOOL_SOURCE_CONNECTOR, true, NULL);
  fx_expect(e, "shell", "{\"command\":[\"bash\",\"-lc\",\"cat old.txt\"]}", DS_TOOL_SOURCE_DB, false, "RECORDED old.txt");
  struct ds_tool_answer a;
  fx_call(e, "shell", "{\"command\":[\"bash\",\"-lc\",\"cat lib.py\"]}", &a);
  assert_int_equal(a.source, DS_TOOL_SOURCE_CONNECTOR);
  assert_non_null(strstr(a.response, "return 5"));
  ds_tool_answer_release(&a);
  ds_toolsim_episode_free(e);
  /* the recorded patch itself: the same state, so the recorded read of lib.py answers */
  e = fx_episode(t, rec);
  fx_expect(e, "apply_patch", p, DS_TOOL_SOURCE_CONNECTOR, true, NULL);
  fx_expect(e, "shell", "{\"command\":[\"bash\",\"-lc\",\"cat old.txt\"]}", DS_TOOL_SOURCE_DB, false, "RECORDED old.txt");
  fx_expect(e, "shell", "{\"command\":[\"bash\",\"-lc\",\"cat lib.py\"]}", DS_TOOL_SOURCE_DB, false, "RECORDED lib.py");
  ds_toolsim_episode_free(e);
  ds_free(p);
  ds_free(other);
  ds_toolsim_close(t);
  json_decref(rec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(apply_patch_lands_in_the_overlay),
      cmocka_unit_test(patches_change_what_they_name),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
