/* test_format_mini_swe_agent.c: the mini-swe-agent reader on tests/data/formats/mini-swe-agent/:
 * a 1.1 trajectory with parallel tool calls, reasoning, a format error and the exit message; a
 * mini-swe-agent-1 text-mode file (bash stays in the text); a Responses-API trajectory; the
 * early bare message list; a broken file; and detection of bare lists. */
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
  snprintf(dir, sizeof dir, "/tmp/ds-mini.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }

static void tool_calling_trajectory(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("mini-swe-agent/demo__repo-42.traj.json"), NULL, &o);
  assert_string_equal(o.format, "mini-swe-agent");
  assert_int_equal(o.n_failed, 0);
  const json_t *r = ds_test_record(&o, "demo__repo-42"); /* instance_id */
  assert_non_null(r);
  /* 9 messages in the file; the "exit" one is not a chat turn (and repeats the submission) */
  assert_int_equal(json_array_size(json_object_get(r, "messages")), 8);
  assert_null(json_object_get(r, "exit_message"));
  assert_string_equal(ds_json_str(r, "submission", ""), "diff --git a/a.py b/a.py\n");
  assert_string_equal(ds_json_str(r, "exit_status", ""), "Submitted");
  const json_t *seg = json_object_get(r, "segment");
  assert_string_equal(ds_json_str(seg, "agent", ""), "mini-swe-agent");
  assert_string_equal(ds_json_str(seg, "agent_version", ""), "2.2.7");
  assert_string_equal(ds_json_str(seg, "model", ""), "deepseek/deepseek-reasoner");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "cwd", ""), "/testbed");
  assert_string_equal(ds_json_str(r, "time", ""), "2026-04-13T10:20:45Z"); /* the first extra.timestamp */
  /* two parallel calls, each answered by its own tool message */
  const json_t *a = msg(r, 2);
  assert_int_equal(json_array_size(json_object_get(a, "tool_calls")), 2);
  assert_string_equal(ds_json_str(a, "reasoning", ""), "Two independent reads: do both.");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(a, "tool_calls"), 1), "arguments", ""),
                      "{\"command\": \"cat /testbed/test_a.py\"}");
  assert_null(json_object_get(json_object_get(a, "extra"), "response")); /* the raw LLM response is left out */
  assert_string_equal(ds_json_str(msg(r, 3), "tool_call_id", ""), "call_1");
  assert_string_equal(ds_json_str(msg(r, 4), "tool_call_id", ""), "call_2");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(msg(r, 3), "extra"), "returncode")), 0);
  assert_null(json_object_get(json_object_get(msg(r, 3), "extra"), "raw_output"));
  /* a format error is the user's turn, marked as such */
  assert_string_equal(ds_json_str(json_object_get(msg(r, 6), "extra"), "interrupt_type", ""), "FormatError");
  /* an assistant turn that only calls a tool keeps its (empty) text as the log has it */
  assert_string_equal(ds_json_str(msg(r, 7), "content", "?"), "");
  assert_int_equal(json_array_size(json_object_get(msg(r, 7), "tool_calls")), 1);
  /* the bash tool mini-swe-agent gives the model, for replay */
  const json_t *tool = json_array_get(json_object_get(r, "tools"), 0);
  assert_string_equal(ds_json_str(json_object_get(tool, "function"), "name", ""), "bash");
  ds_test_readout_release(&o);
}

static void text_mode_keeps_bash_in_text(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("mini-swe-agent/sum-fix.traj.json"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  const json_t *r = ds_test_record(&o, "sum-fix"); /* no instance_id: the file's name */
  assert_non_null(r);
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "trajectory_format", ""), "mini-swe-agent-1");
  assert_string_equal(ds_json_str(msg(r, 2), "content", ""), "THOUGHT: Let me look at a.py first.\n\n```bash\ncat a.py\n```");
  assert_non_null(strstr(ds_json_str(msg(r, 4), "content", ""), "<mswea_bash_command>\nsed -i"));
  assert_null(json_object_get(msg(r, 2), "tool_calls"));
  assert_string_equal(ds_json_str(msg(r, 3), "role", ""), "user"); /* observations are the user's turns */
  assert_null(json_object_get(r, "tools"));
  ds_test_readout_release(&o);
}

static void responses_api_items(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("mini-swe-agent/responses-api.traj.json"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  const json_t *r = ds_test_record(&o, "responses-api");
  assert_non_null(r);
  assert_int_equal(json_array_size(json_object_get(r, "messages")), 4);
  assert_string_equal(ds_json_str(msg(r, 0), "content", ""), "You are a helpful assistant.");
  const json_t *a = msg(r, 2);
  assert_string_equal(ds_json_str(a, "role", ""), "assistant");
  assert_string_equal(ds_json_str(a, "content", ""), "Counting.");
  assert_string_equal(ds_json_str(a, "reasoning", ""), "Use ls and wc.");
  assert_true(json_is_true(json_object_get(a, "reasoning_redacted"))); /* encrypted_content is not text */
  const json_t *tc = json_array_get(json_object_get(a, "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "call_r1");
  assert_string_equal(ds_json_str(msg(r, 3), "tool_call_id", ""), "call_r1");
  assert_string_equal(ds_json_str(msg(r, 3), "content", ""), "<returncode>0</returncode>\n<output>\n7\n</output>");
  ds_test_readout_release(&o);
}

static void bare_list_is_one_session(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("mini-swe-agent/bare-list.traj.json"), NULL, &o);
  assert_string_equal(o.format, "mini-swe-agent");
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(json_array_size(o.records), 1);
  const json_t *r = ds_test_record(&o, "bare-list");
  assert_non_null(r);
  assert_int_equal(json_array_size(json_object_get(r, "messages")), 4);
  assert_int_equal(o.items.in, 4); /* one item per element, all part of the record */
  assert_int_equal(o.items.used, 4);
  ds_test_readout_release(&o);
}

static void broken_and_detection(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("mini-swe-agent/broken.traj.json"), NULL, &o);
  assert_int_equal(json_array_size(o.records), 0);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "missing_field");
  assert_non_null(strstr(o.failed[0], "message 1 (tool) has no \"tool_call_id\""));
  ds_test_readout_release(&o);
  /* a bare list under another name: taken on mini-swe-agent's markers, refused without them */
  const char *hinted = ds_test_write(dir, "run.json",
                                     "[{\"role\":\"user\",\"content\":\"fix it\"},{\"role\":\"assistant\",\"content\":"
                                     "\"```mswea_bash_command\\nls\\n```\"},{\"role\":\"user\",\"content\":"
                                     "\"<returncode>0</returncode>\"}]");
  ds_test_read_all(hinted, NULL, &o);
  assert_string_equal(o.format, "mini-swe-agent");
  assert_int_equal(json_array_size(o.records), 1);
  ds_test_readout_release(&o);
  const char *plain = ds_test_write(dir, "plain.json", "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]");
  ds_test_read_all(plain, NULL, &o);
  /* without mini-swe-agent's markers a bare list of chat messages is one chat-log conversation */
  assert_string_equal(o.format, "openai-chat-log");
  assert_int_equal(json_array_size(o.records), 1);
  assert_int_equal(o.n_failed, 0);
  ds_test_readout_release(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tool_calling_trajectory), cmocka_unit_test(text_mode_keeps_bash_in_text),
      cmocka_unit_test(responses_api_items),     cmocka_unit_test(bare_list_is_one_session),
      cmocka_unit_test(broken_and_detection),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
