/* test_format_openhands.c: the OpenHands readers on tests/data/formats/openhands/: a V0 session
 * directory (function calling, parallel calls of one response, recall and state bookkeeping,
 * condensation), the UI's trajectory export of a text-mode session (synthesized calls), eval
 * output rows (events, [action, observation] pairs, broken rows), and a V1 conversation
 * (event files, base_state.json, grouped ActionEvents, rejections, errors, condensation). */
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
  snprintf(dir, sizeof dir, "/tmp/ds-oh.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static const json_t *call(const json_t *rec, size_t i, size_t k) {
  return json_array_get(json_object_get(msg(rec, i), "tool_calls"), k);
}

/* "s u aT2 t ..." for rec's messages: role letter, T<n> for tool calls. */
static void shape(const json_t *rec, char *out, size_t n) {
  out[0] = '\0';
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(rec, "messages"), i, m) {
    size_t k = strlen(out);
    size_t nt = json_array_size(json_object_get(m, "tool_calls"));
    if (nt) snprintf(out + k, n - k, "%s%cT%zu", k ? " " : "", ds_json_str(m, "role", "?")[0], nt);
    else snprintf(out + k, n - k, "%s%c", k ? " " : "", ds_json_str(m, "role", "?")[0]);
  }
}

/* The unit object of the manifest whose path ends with suffix. */
static const json_t *unit(const struct ds_test_readout *o, const char *suffix) {
  size_t i;
  const json_t *u;
  json_array_foreach(o->units, i, u) {
    const char *p = ds_json_str(u, "path", "");
    if (strlen(p) >= strlen(suffix) && strcmp(p + strlen(p) - strlen(suffix), suffix) == 0) return u;
  }
  return NULL;
}

static json_int_t skipped(const json_t *u, const char *type) {
  return json_integer_value(json_object_get(json_object_get(u, "skipped"), type));
}

static void v0_session_directory(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("openhands/sessions"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(json_array_size(o.records), 1);
  const json_t *r = ds_test_record(&o, "7f3a9c"); /* sessions/<sid>/events */
  assert_non_null(r);
  const json_t *u = unit(&o, "sessions/7f3a9c/events");
  assert_non_null(u);
  assert_string_equal(ds_json_str(u, "format", ""), "openhands");
  assert_string_equal(ds_json_str(u, "container", ""), "event_files");
  assert_int_equal(json_integer_value(json_object_get(u, "items")), 14);
  assert_int_equal(skipped(u, "recall"), 2);
  assert_int_equal(skipped(u, "agent_state_changed"), 2);
  assert_int_equal(skipped(u, "condensation"), 1);
  char sh[128];
  shape(r, sh, sizeof sh);
  /* the two actions of one model response are one assistant turn with both calls */
  assert_string_equal(sh, "s u aT2 t t aT1 t aT1");
  assert_string_equal(ds_json_str(msg(r, 2), "content", ""), "Let me read both files.");
  assert_string_equal(ds_json_str(msg(r, 2), "reasoning", ""), "Read code and tests.");
  assert_string_equal(ds_json_str(call(r, 2, 1), "arguments", ""),
                      "{\"command\": \"view\", \"path\": \"/workspace/calc/test_calc.py\"}");
  assert_string_equal(ds_json_str(msg(r, 3), "tool_call_id", ""), "toolu_01");
  assert_string_equal(ds_json_str(msg(r, 3), "content", ""), "def add(a, b):\n    return a - b");
  assert_int_equal(json_integer_value(json_object_get(msg(r, 3), "exit_code")), 0);
  assert_string_equal(ds_json_str(msg(r, 4), "tool_call_id", ""), "toolu_02");
  assert_string_equal(ds_json_str(call(r, 7, 0), "name", ""), "finish");
  const json_t *seg = json_object_get(r, "segment"), *repo = json_object_get(r, "repo");
  assert_string_equal(ds_json_str(seg, "agent", ""), "openhands");
  assert_string_equal(ds_json_str(seg, "agent_version", ""), "0.39.0");
  assert_string_equal(ds_json_str(repo, "path_or_url", ""), "acme/calc"); /* from the workspace recall */
  assert_string_equal(ds_json_str(repo, "branch", ""), "main");
  assert_string_equal(ds_json_str(repo, "cwd", ""), "/workspace/calc");
  assert_int_equal(json_array_size(json_object_get(r, "tools")), 1);
  assert_string_equal(ds_json_str(r, "time", ""), "2025-01-10T09:00:00Z");
  const json_t *c = json_array_get(json_object_get(r, "condensations"), 0);
  assert_int_equal(json_integer_value(json_object_get(c, "at_message")), 5);
  /* metadata.json beside events/ is no event: ignored, not failed */
  assert_non_null(json_object_get(unit(&o, "sessions/7f3a9c/metadata.json"), "ignored"));
  ds_test_readout_release(&o);
}

static void v0_text_mode_export(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("openhands/trajectory-export.json"), NULL, &o);
  assert_string_equal(o.format, "openhands");
  assert_int_equal(o.n_failed, 0);
  const json_t *r = ds_test_record(&o, "trajectory-export");
  assert_non_null(r);
  char sh[64];
  shape(r, sh, sizeof sh);
  assert_string_equal(sh, "u aT1 t aT1 t a");
  /* no tool_call_metadata: a call is synthesized, with the function-calling agent's name */
  const json_t *c = call(r, 1, 0);
  assert_string_equal(ds_json_str(c, "name", ""), "execute_bash");
  assert_string_equal(ds_json_str(c, "arguments", ""), "{\"command\":\"ls\"}");
  assert_true(json_is_true(json_object_get(c, "synthetic")));
  assert_string_equal(ds_json_str(msg(r, 1), "content", ""), "I'll list them.");
  assert_string_equal(ds_json_str(msg(r, 2), "tool_call_id", ""), ds_json_str(c, "id", "?"));
  assert_string_equal(ds_json_str(call(r, 3, 0), "name", ""), "execute_ipython_cell");
  assert_string_equal(ds_json_str(call(r, 3, 0), "arguments", ""), "{\"code\":\"print(1)\"}");
  assert_string_equal(ds_json_str(msg(r, 5), "content", ""), "There are two files: a.txt and b.txt.");
  assert_int_equal(o.items.in, 7);
  assert_int_equal(o.items.skipped, 1); /* change_agent_state */
  ds_test_readout_release(&o);
}

static void v0_eval_rows(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("openhands/output.jsonl"), NULL, &o);
  assert_string_equal(o.format, "openhands");
  assert_int_equal(json_array_size(o.records), 2);
  assert_int_equal(o.n_failed, 2);
  assert_string_equal(o.reasons[0], "wrong_type");
  assert_non_null(strstr(o.failed[0], "output.jsonl:3: history event 0: not an OpenHands event"));
  assert_string_equal(o.reasons[1], "bad_json");
  const json_t *r1 = ds_test_record(&o, "acme__calc-1");
  assert_non_null(r1);
  assert_string_equal(ds_json_str(json_object_get(r1, "segment"), "model", ""), "gpt-4o");
  assert_string_equal(ds_json_str(json_object_get(r1, "repo"), "path_or_url", ""), "https://github.com/acme/calc");
  assert_string_equal(ds_json_str(json_object_get(r1, "repo"), "commit", ""), "0123abcd");
  char sh[64];
  shape(r1, sh, sizeof sh);
  assert_string_equal(sh, "u aT2 t");
  const json_t *r2 = ds_test_record(&o, "acme__calc-2"); /* history of [action, observation] pairs */
  assert_non_null(r2);
  shape(r2, sh, sizeof sh);
  assert_string_equal(sh, "u aT1 t");
  assert_string_equal(ds_json_str(json_object_get(r2, "segment"), "model", ""), "gpt-4-turbo");
  ds_test_readout_release(&o);
}

static void v1_conversation(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("openhands/conversations"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(json_array_size(o.records), 1);
  const json_t *r = ds_test_record(&o, "c0ffee00-0000-4000-8000-000000000000"); /* base_state.json's id */
  assert_non_null(r);
  const json_t *u = unit(&o, "conversations/c0ffee/events");
  assert_string_equal(ds_json_str(u, "format", ""), "openhands-v1");
  assert_int_equal(json_integer_value(json_object_get(u, "items")), 15);
  assert_int_equal(skipped(u, "ConversationStateUpdateEvent"), 1);
  assert_int_equal(skipped(u, "Condensation"), 1);
  assert_int_equal(skipped(u, "PauseEvent"), 1);
  assert_int_equal(skipped(unit(&o, "conversations/c0ffee/base_state.json"), "base_state"), 1);
  char sh[128];
  shape(r, sh, sizeof sh);
  assert_string_equal(sh, "s u u aT2 t t aT1 t aT1 t u a");
  assert_true(json_is_true(json_object_get(msg(r, 1), "context"))); /* the dynamic context */
  assert_string_equal(ds_json_str(msg(r, 2), "content", ""), "Fix add() in calc.py\n\n<skill>python</skill>");
  const json_t *a = msg(r, 3);
  assert_string_equal(ds_json_str(a, "content", ""), "Reading the code and the test.");
  assert_string_equal(ds_json_str(a, "reasoning", ""), "Two reads."); /* once, not per spelling */
  assert_string_equal(ds_json_str(call(r, 3, 1), "id", ""), "toolu_B");
  assert_true(json_is_true(json_object_get(msg(r, 6), "reasoning_redacted")));
  assert_string_equal(ds_json_str(msg(r, 7), "content", ""), "Action rejected: Too dangerous");
  assert_string_equal(ds_json_str(msg(r, 9), "content", ""), "Tool 'nonexistent' not found.");
  assert_true(json_is_true(json_object_get(msg(r, 9), "is_error")));
  assert_string_equal(ds_json_str(msg(r, 10), "content", ""), "Read calc.py and the test.");
  const json_t *c = json_array_get(json_object_get(r, "condensations"), 0);
  assert_int_equal(json_integer_value(json_object_get(c, "forgotten")), 4);
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "model", ""), "anthropic/claude-sonnet-4-5");
  assert_string_equal(ds_json_str(json_object_get(r, "repo"), "cwd", ""), "/w");
  assert_string_equal(ds_json_str(json_object_get(json_array_get(json_object_get(r, "tools"), 0), "function"), "name", ""),
                      "terminal");
  ds_test_readout_release(&o);
}

static void v1_jsonl_and_detection(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(ds_test_fixture("openhands/v1-events.jsonl"), NULL, &o);
  assert_string_equal(o.format, "openhands-v1");
  assert_int_equal(json_array_size(o.records), 1);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "bad_tool_call");
  assert_non_null(strstr(o.failed[0], "v1-events.jsonl:7:"));
  assert_int_equal(o.items.in, 7);
  assert_int_equal(o.items.skipped, 1);
  ds_test_readout_release(&o);
  /* each version's reader leaves the other's events alone; chat records stay chat records */
  const char *v0 = ds_test_write(dir, "v0.jsonl", "{\"id\":1,\"source\":\"user\",\"action\":\"message\",\"args\":{\"content\":\"hi\"}}\n");
  ds_test_read_all(v0, "openhands-v1", &o);
  assert_int_equal(json_array_size(o.records), 0);
  assert_string_equal(o.reasons[0], "wrong_type");
  ds_test_readout_release(&o);
  const char *v1 = ds_test_write(dir, "v1.jsonl", "{\"id\":\"a\",\"source\":\"user\",\"kind\":\"MessageEvent\",\"llm_message\":"
                                                 "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}\n");
  ds_test_read_all(v1, "openhands", &o);
  assert_int_equal(json_array_size(o.records), 0);
  ds_test_readout_release(&o);
  ds_test_read_all(v1, NULL, &o);
  assert_string_equal(o.format, "openhands-v1");
  assert_int_equal(json_array_size(o.records), 1);
  ds_test_readout_release(&o);
  const char *chat = ds_test_write(dir, "chat.jsonl", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n");
  ds_test_read_all(chat, NULL, &o);
  assert_string_equal(o.format, "openai");
  ds_test_readout_release(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(v0_session_directory), cmocka_unit_test(v0_text_mode_export), cmocka_unit_test(v0_eval_rows),
      cmocka_unit_test(v1_conversation),      cmocka_unit_test(v1_jsonl_and_detection),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
