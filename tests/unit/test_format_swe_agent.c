/* test_format_swe_agent.c: the SWE-agent .traj reader on tests/data/formats/swe-agent/: a real
 * 1.0 trajectory (history with tool calls and tool_call_ids), a RetryAgent file (attempts,
 * demonstrations, thinking blocks, replay_config as JSON text), a 0.x file read from its
 * trajectory steps, and a broken one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds-swe.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

static const char *msg_str(const json_t *rec, size_t i, const char *key) {
  return json_string_value(json_object_get(json_array_get(json_object_get(rec, "messages"), i), key));
}

/* "s u a t ..." for the roles of rec's messages. */
static void roles(const json_t *rec, char *out, size_t n) {
  out[0] = '\0';
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(rec, "messages"), i, m) {
    size_t k = strlen(out);
    snprintf(out + k, n - k, "%s%c", k ? " " : "", ds_json_str(m, "role", "?")[0]);
  }
}

static void history_with_tool_calls(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("swe-agent/test-repo.traj"), NULL, &o);
  assert_string_equal(o.format, "swe-agent");
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(json_array_size(o.records), 1);
  const json_t *r = ds_test_record(&o, "SWE-agent__test-repo-i1"); /* the problem statement's id */
  assert_non_null(r);
  char rs[128];
  roles(r, rs, sizeof rs);
  assert_string_equal(rs, "s u a t a t a t a t");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "agent", ""), "swe-agent");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "model", ""), "gpt-4o");
  const json_t *repo = json_object_get(r, "repo");
  assert_string_equal(ds_json_str(repo, "path_or_url", ""), "https://github.com/SWE-agent/test-repo/");
  assert_string_equal(ds_json_str(repo, "cwd", ""), "/SWE-agent__test-repo");
  assert_null(json_object_get(repo, "commit")); /* base_commit "HEAD" names no commit */
  const json_t *tc = json_array_get(json_object_get(json_array_get(json_object_get(r, "messages"), 2), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "find_file");
  assert_string_equal(ds_json_str(tc, "id", ""), "call_fJuazlMUN5fQDQ73G6XSpYpx");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"file_name\":\"missing_colon.py\"}");
  /* the result answers the call through tool_call_ids, as the model saw it (prompt suffix included) */
  assert_string_equal(msg_str(r, 3, "tool_call_id"), "call_fJuazlMUN5fQDQ73G6XSpYpx");
  assert_non_null(strstr(msg_str(r, 3, "content"), "(Current directory: /SWE-agent__test-repo)\nbash-$"));
  assert_string_equal(msg_str(r, 4, "action"), "open \"/SWE-agent__test-repo/tests/missing_colon.py\"");
  assert_string_equal(ds_json_str(r, "exit_status", ""), "submitted");
  /* the tools the model called, from replay_config's command_docs */
  const json_t *tools = json_object_get(r, "tools");
  assert_int_equal(json_array_size(tools), 6);
  const json_t *edit = json_object_get(json_array_get(tools, 4), "function");
  assert_string_equal(ds_json_str(edit, "name", ""), "edit");
  assert_non_null(strstr(ds_json_str(edit, "description", ""), "If --replace-all is specified"));
  const json_t *params = json_object_get(edit, "parameters");
  assert_string_equal(ds_json_str(json_object_get(json_object_get(params, "properties"), "replace-all"), "type", ""), "boolean");
  assert_int_equal(json_array_size(json_object_get(params, "required")), 2);
  ds_test_readout_release(&o);
}

static void retry_agent_attempts(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("swe-agent/retry.traj"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  /* one record per attempt; the top level, a copy of the best attempt, is not a third */
  assert_int_equal(json_array_size(o.records), 2);
  const json_t *a0 = ds_test_record(&o, "retry-inst/attempt-0");
  const json_t *a1 = ds_test_record(&o, "retry-inst/attempt-1");
  assert_non_null(a0);
  assert_non_null(a1);
  assert_string_equal(ds_json_str(a0, "parent_id", ""), "retry-inst");
  assert_true(json_is_false(json_object_get(a0, "best_attempt")));
  assert_true(json_is_true(json_object_get(a1, "best_attempt")));
  const json_t *seg = json_object_get(a0, "segment");
  assert_string_equal(ds_json_str(seg, "model", ""), "anthropic/claude-sonnet-4-20250514"); /* from JSON text */
  assert_string_equal(ds_json_str(seg, "agent_version", ""), "1.1.0");
  assert_string_equal(ds_json_str(json_object_get(a0, "repo"), "commit", ""), "4f1c2d9");
  assert_string_equal(ds_json_str(json_object_get(a0, "repo"), "path_or_url", ""), "/src/utils-repo");
  /* demonstrations are context, not the agent's turns */
  const json_t *msgs = json_object_get(a0, "messages");
  assert_true(json_is_true(json_object_get(json_array_get(msgs, 1), "context")));
  assert_true(json_is_true(json_object_get(json_array_get(msgs, 2), "is_demo")));
  assert_null(json_object_get(json_array_get(msgs, 3), "context"));
  /* thinking blocks: readable text to reasoning (never content), redacted ones flagged */
  const json_t *m4 = json_array_get(msgs, 4);
  assert_string_equal(ds_json_str(m4, "reasoning", ""), "The test fails in utils.py; read it.");
  assert_string_equal(ds_json_str(m4, "content", ""), "I will view the file first.");
  const json_t *b3 = json_array_get(json_object_get(a1, "messages"), 2);
  assert_true(json_is_true(json_object_get(b3, "reasoning_redacted")));
  assert_null(json_object_get(b3, "reasoning"));
  /* content given as a list of text parts is one string */
  assert_string_equal(ds_json_str(json_array_get(json_object_get(a1, "messages"), 1), "content", ""),
                      "<uploaded_files>\n/repo\n</uploaded_files>\nFix the failing test in utils.py");
  ds_test_readout_release(&o);
}

static void trajectory_steps_fallback(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("swe-agent/marshmallow-code__marshmallow-1867.traj"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  const json_t *r = ds_test_record(&o, "marshmallow-code__marshmallow-1867"); /* the file's name */
  assert_non_null(r);
  char rs[64];
  roles(r, rs, sizeof rs);
  assert_string_equal(rs, "a u a u");
  assert_string_equal(ds_json_str(r, "made_from", ""), "trajectory steps");
  assert_string_equal(msg_str(r, 0, "content"), "Let's list the files first.\n\n```\nls -F\n```");
  /* a step without a response: thought and action in SWE-agent's layout */
  assert_string_equal(msg_str(r, 2, "content"), "Done; submit.\n\n```\nsubmit\n\n```");
  assert_string_equal(msg_str(r, 3, "content"), "\ndiff --git a/src/fields.py b/src/fields.py\n");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "cwd", ""), "/marshmallow-code__marshmallow");
  ds_test_readout_release(&o);
}

static void broken_file_fails_with_reason(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("swe-agent/broken.traj"), NULL, &o);
  assert_int_equal(json_array_size(o.records), 0);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "unknown_role");
  assert_non_null(strstr(o.failed[0], "broken.traj:1: message 1: unknown role \"narrator\""));
  assert_int_equal(o.items.failed, 1);
  ds_test_readout_release(&o);
}

static void detection(void **state) {
  (void)state;
  /* a chat record with "messages" is not a trajectory; a trajectory is not a chat record */
  const char *chat = ds_test_write(dir, "chat.json", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"info\":{}}");
  struct ds_test_readout o;
  ds_test_read_all(chat, NULL, &o);
  assert_string_equal(o.format, "openai");
  ds_test_readout_release(&o);
  const char *traj = ds_test_write(dir, "x.traj",
                                   "{\n  \"history\": [{\"role\": \"user\", \"content\": \"go\"}],\n  \"info\": {}\n}\n");
  ds_test_read_all(traj, NULL, &o);
  assert_string_equal(o.format, "swe-agent");
  assert_int_equal(json_array_size(o.records), 1);
  assert_non_null(ds_test_record(&o, "x"));
  ds_test_readout_release(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(history_with_tool_calls),
      cmocka_unit_test(retry_agent_attempts),
      cmocka_unit_test(trajectory_steps_fallback),
      cmocka_unit_test(broken_file_fails_with_reason),
      cmocka_unit_test(detection),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
