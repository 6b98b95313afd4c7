/* test_format_openai.c: the readers of OpenAI API logs and exports on fixtures written from
 * the API's types (tests/data/formats/openai/): Responses (chains by previous_response_id,
 * forks, stateless calls folded, streams whole and cut short, bare item lists), Chat
 * Completions logs (litellm, gateways, legacy function calls, reasoning_content), stored
 * completions joined with their /messages lists, Batch input and output files, and Evals
 * exports; each record canonical and every item accounted for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "corpus/formats/format.h"
#include "depsim/corpus.h"
#include "tmpdir.h"

static char dir[64];

struct readout {
  json_t *records; /* by id ("" for records without one: the last such) */
  json_t *list;
  json_t *units;
  struct ds_reader_items items;
  char bad[8][4096];
  int n_bad;
};

static const char *fixture(const char *rel) {
  static char buf[4][512];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 512, "%s/tests/data/formats/openai/%s", getenv("DS_SRC") ? getenv("DS_SRC") : ".", rel);
  return p;
}

static void read_all(const char *path, struct readout *out) {
  memset(out, 0, sizeof *out);
  out->records = json_object();
  out->list = json_array();
  struct ds_reader *r;
  struct ds_err err = {0};
  assert_int_equal(ds_reader_open(path, NULL, &r, &err), DS_OK);
  for (;;) {
    json_t *rec;
    struct ds_bad_record bad;
    enum ds_status st = ds_reader_next(r, &rec, &bad, &err);
    if (st == DS_E_NOTFOUND) break;
    assert_int_equal(st, DS_OK);
    if (!rec) {
      assert_true(out->n_bad < 8);
      snprintf(out->bad[out->n_bad++], sizeof out->bad[0], "%s", bad.msg);
      continue;
    }
    struct ds_bad_record b2;
    assert_int_equal(corpus_record_check(rec, &b2), DS_OK);
    json_t *again = NULL;
    assert_int_equal(ds_record_normalize(rec, "openai", &again, &b2), DS_OK);
    assert_true(json_equal(rec, again));
    json_decref(again);
    json_array_append(out->list, rec);
    json_object_set_new(out->records, ds_json_str(rec, "id", ""), rec);
  }
  ds_reader_items(r, &out->items);
  out->units = json_deep_copy(ds_reader_units(r));
  ds_reader_free(r);
}

static void release(struct readout *o) {
  json_decref(o->records);
  json_decref(o->list);
  json_decref(o->units);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static const char *mstr(const json_t *rec, size_t i, const char *key) { return ds_json_str(msg(rec, i), key, NULL); }
static size_t n_msgs(const json_t *rec) { return json_array_size(json_object_get(rec, "messages")); }
static const json_t *unit(const struct readout *o, const char *suffix) {
  size_t i;
  const json_t *u;
  json_array_foreach(o->units, i, u) {
    const char *p = ds_json_str(u, "path", "");
    size_t n = strlen(p), k = strlen(suffix);
    if (n >= k && !strcmp(p + n - k, suffix)) return u;
  }
  fail_msg("no unit %s", suffix);
  return NULL;
}
static json_int_t count(const json_t *u, const char *map, const char *key) {
  return json_integer_value(json_object_get(json_object_get(u, map), key));
}

static void test_responses_chains(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("responses/calls.jsonl"), &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 4);
  const json_t *u = json_array_get(o.units, 0);
  assert_string_equal(ds_json_str(u, "format", ""), "openai-responses");
  assert_int_equal(o.items.in, 9);
  assert_int_equal(count(u, "skipped", "error"), 1);
  assert_int_equal(count(u, "duplicate", "response (logged again)"), 1);
  assert_int_equal(ds_json_str(u, "records", NULL) == NULL ? json_integer_value(json_object_get(u, "records")) : -1, 4);

  /* a chain a1 <- a2 <- a3 and a fork a2 <- a3b: a record per leaf, root first */
  const json_t *a = json_object_get(o.records, "resp_a1/resp_a3");
  assert_non_null(a);
  assert_int_equal(n_msgs(a), 7);
  /* instructions are not carried by previous_response_id: the last call's */
  assert_string_equal(mstr(a, 0, "content"), "You are a weather bot. Answer in French.");
  assert_string_equal(mstr(a, 1, "content"), "What is the weather in Paris?");
  assert_string_equal(mstr(a, 2, "reasoning"), "Need the weather tool.");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(a, 2), "tool_calls"), 0), "arguments", ""),
                      "{\"city\":\"Paris\"}");
  assert_string_equal(mstr(a, 3, "tool_call_id"), "call_w1");
  assert_string_equal(mstr(a, 6, "content"), "Demain: 20C.");
  assert_string_equal(ds_json_str(a, "time", ""), "2025-12-29T09:20:00Z");
  assert_int_equal(json_array_size(json_object_get(a, "responses")), 3);
  /* tools in chat shape, from the last call that gave them */
  const json_t *t0 = json_array_get(json_object_get(a, "tools"), 0);
  assert_string_equal(ds_json_str(json_object_get(t0, "function"), "name", ""), "get_weather");
  const json_t *b = json_object_get(o.records, "resp_a1/resp_a3b");
  assert_non_null(b);
  assert_string_equal(mstr(b, 6, "refusal"), "I cannot forecast Mars.");
  const json_t *parts = json_object_get(msg(b, 5), "content"); /* text and an image */
  assert_true(json_is_array(parts));
  assert_string_equal(ds_json_str(json_array_get(parts, 1), "type", ""), "image_url");

  /* a stateless call that resends the whole history folds the one before it */
  assert_null(json_object_get(o.records, "resp_s1"));
  const json_t *s = json_object_get(o.records, "resp_s2");
  assert_non_null(s);
  assert_int_equal(n_msgs(s), 5);
  assert_string_equal(mstr(s, 0, "role"), "developer");
  assert_string_equal(ds_json_str(s, "time", ""), "2025-12-29T09:36:40Z"); /* the first call's */

  /* a request alone: its prompt, no id of its own (ingest derives one) */
  const json_t *q = json_object_get(o.records, "");
  assert_non_null(q);
  assert_int_equal(n_msgs(q), 2);
  assert_string_equal(mstr(q, 1, "content"), "Good morning");
  release(&o);
}

static void test_responses_streams(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("responses/stream_cut.jsonl"), &o);
  assert_int_equal(o.n_bad, 0);
  const json_t *u = json_array_get(o.units, 0);
  const json_t *r = json_object_get(o.records, "resp_c1");
  assert_non_null(r);
  assert_true(json_is_false(json_object_get(r, "request_logged")));
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(r, 0), "tool_calls"), 0), "name", ""), "lookup");
  assert_string_equal(mstr(r, 1, "content"), "Looking it up."); /* from its deltas: no done */
  assert_int_equal(count(u, "duplicate", "response.output_item.added"), 1);
  assert_int_equal(count(u, "duplicate", "response.function_call_arguments.delta"), 1);
  assert_int_equal(count(u, "skipped", "response.in_progress"), 1);
  assert_int_equal(count(u, "skipped", "response.content_part.added"), 1);
  assert_int_equal(o.items.used, 5); /* created, the item done, the message added, 2 deltas */
  release(&o);

  /* a whole stream: the completed response has everything, the rest are its pieces */
  const char *p = ds_test_write(
      dir, "whole.chunks.txt",
      "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_w\",\"object\":\"response\",\"created_at\":1767000000,\"model\":\"gpt-5\",\"output\":[]}}\n"
      "{\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,\"item\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[]}}\n"
      "{\"type\":\"response.output_text.delta\",\"sequence_number\":2,\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n"
      "{\"type\":\"response.output_item.done\",\"sequence_number\":3,\"output_index\":0,\"item\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}}\n"
      "{\"type\":\"response.completed\",\"sequence_number\":4,\"response\":{\"id\":\"resp_w\",\"object\":\"response\",\"created_at\":1767000000,\"model\":\"gpt-5\",\"output\":[{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}]}}\n");
  read_all(p, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 1);
  assert_int_equal(o.items.used, 2);
  assert_int_equal(o.items.duplicate, 3);
  assert_string_equal(mstr(json_object_get(o.records, "resp_w"), 0, "content"), "Hi");
  release(&o);

  read_all(fixture("responses/session-items.json"), &o);
  assert_int_equal(o.n_bad, 0);
  r = json_object_get(o.records, "session-items");
  assert_non_null(r);
  assert_int_equal(n_msgs(r), 4);
  assert_string_equal(mstr(r, 2, "content"), "a.txt\nb.txt");
  release(&o);
}

static void test_chat_completion_logs(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("chat_log"), &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 3);
  assert_int_equal(o.items.used, 4);
  assert_string_equal(ds_json_str(json_array_get(o.units, 0), "format", ""), "openai-chat-log");
  /* the first call is the second's history: folded; reasoning kept apart, the signed
   * thinking block left out */
  assert_null(json_object_get(o.records, "chatcmpl-1"));
  const json_t *r = json_object_get(o.records, "chatcmpl-2");
  assert_non_null(r);
  assert_int_equal(n_msgs(r), 5);
  assert_string_equal(mstr(r, 2, "reasoning"), "Simple arithmetic.");
  assert_true(json_is_true(json_object_get(msg(r, 2), "reasoning_redacted")));
  assert_null(json_object_get(msg(r, 2), "thinking_blocks"));
  assert_string_equal(mstr(r, 4, "content"), "6");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "model", ""), "claude-3-7-sonnet");
  assert_string_equal(ds_json_str(r, "time", ""), "2025-12-29T10:10:00Z"); /* the first call's */
  /* legacy function calling as a tool call and its result; a second choice not kept */
  r = json_object_get(o.records, "chatcmpl-3");
  assert_non_null(r);
  const json_t *tc = json_array_get(json_object_get(msg(r, 1), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "weather");
  assert_string_equal(mstr(r, 2, "role"), "tool");
  assert_string_equal(mstr(r, 2, "tool_call_id"), ds_json_str(tc, "id", "?"));
  assert_int_equal(json_integer_value(json_object_get(r, "choices_not_kept")), 1);
  /* a request whose response was not logged */
  r = json_object_get(o.records, "");
  assert_non_null(r);
  assert_true(json_is_false(json_object_get(r, "response_logged")));
  release(&o);
}

static void test_stored_completions(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("stored"), &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 6);
  const json_t *r = json_object_get(o.records, "chatcmpl-AAA");
  assert_non_null(r);
  assert_int_equal(n_msgs(r), 2);
  assert_string_equal(ds_json_str(json_object_get(r, "metadata"), "app", ""), "geo");
  r = json_object_get(o.records, "chatcmpl-BBB");
  assert_string_equal(mstr(r, 0, "content"), "When is high tide?");
  assert_null(json_object_get(msg(r, 0), "id")); /* the store's message id is not content */
  /* apart in a directory: joined by id, messages in index order whatever the page order */
  r = json_object_get(o.records, "chatcmpl-CCC");
  assert_non_null(r);
  assert_string_equal(mstr(r, 0, "role"), "system");
  assert_string_equal(mstr(r, 1, "content"), "What colour is the sky?");
  assert_string_equal(mstr(r, 2, "content"), "Blue.");
  r = json_object_get(o.records, "chatcmpl-DDD");
  assert_true(json_is_array(json_object_get(msg(r, 0), "content"))); /* content_parts */
  r = json_object_get(o.records, "chatcmpl-EEE");
  assert_true(json_is_false(json_object_get(r, "request_logged")));
  r = json_object_get(o.records, "chatcmpl-FFF");
  assert_true(json_is_false(json_object_get(r, "response_logged")));
  /* records count to the file each comes from */
  assert_int_equal(json_integer_value(json_object_get(unit(&o, "dir/completions.json"), "records")), 3);
  assert_int_equal(json_integer_value(json_object_get(unit(&o, "messages/more.jsonl"), "records")), 1);
  release(&o);
}

static void test_batch_files(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("batch"), &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 5);
  assert_int_equal(o.items.in, 10);
  assert_int_equal(o.items.skipped, 2);
  assert_int_equal(count(unit(&o, "batch_in.jsonl"), "skipped", "batch /v1/embeddings"), 1);
  assert_int_equal(count(unit(&o, "batch_out.jsonl"), "skipped", "batch error"), 1);
  const json_t *r = json_object_get(o.records, "req-1");
  assert_int_equal(n_msgs(r), 3);
  assert_string_equal(mstr(r, 2, "content"), "positive");
  assert_string_equal(ds_json_str(json_object_get(r, "segment"), "model", ""), "gpt-4o-mini-2024-07-18");
  r = json_object_get(o.records, "req-3"); /* a Responses call */
  assert_string_equal(mstr(r, 0, "content"), "Be terse.");
  assert_string_equal(mstr(r, 2, "content"), "Hi.");
  assert_true(json_is_false(json_object_get(json_object_get(o.records, "req-5"), "response_logged")));
  assert_true(json_is_false(json_object_get(json_object_get(o.records, "req-9"), "request_logged")));
  release(&o);
}

static void test_evals_exports(void **state) {
  (void)state;
  struct readout o;
  read_all(fixture("evals/openai-evals-export"), &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 5);
  const json_t *r = json_object_get(o.records, "outputitem_2");
  assert_non_null(r);
  assert_int_equal(n_msgs(r), 3);
  assert_string_equal(mstr(r, 0, "role"), "developer");
  assert_string_equal(ds_json_str(r, "status", ""), "fail");
  const json_t *seg = json_object_get(r, "segment");
  assert_string_equal(ds_json_str(seg, "eval", ""), "support-agent-regression");
  assert_string_equal(ds_json_str(seg, "run", ""), "gpt-4.1 baseline");
  assert_string_equal(ds_json_str(seg, "model", ""), "gpt-4.1-2025-04-14");
  assert_false(json_object_get(json_array_get(json_object_get(r, "results"), 0), "passed") == NULL);
  r = json_object_get(o.records, "outputitem_3"); /* the call failed: the prompt and the error */
  assert_true(json_is_false(json_object_get(r, "response_logged")));
  assert_string_equal(ds_json_str(json_object_get(r, "error"), "code", ""), "rate_limit_exceeded");
  assert_int_equal(count(unit(&o, "eval_empty.json"), "skipped", "eval without output items"), 1);
  assert_int_equal(count(unit(&o, "file-abc123.jsonl"), "skipped", "eval row (data for a template, no messages)"), 2);
  assert_int_equal(json_integer_value(json_object_get(unit(&o, "file-chat.jsonl"), "records")), 2);
  release(&o);

  read_all(fixture("evals/output_items.jsonl"), &o);
  assert_int_equal(json_array_size(o.list), 1);
  assert_string_equal(ds_json_str(json_array_get(o.units, 0), "format", ""), "openai-evals");
  release(&o);
}

/* The Responses converter alone: every item type makes the chat shape replay expects. */
static void test_items_converter_shapes(void **state) {
  (void)state;
  const char *p = ds_test_write(
      dir, "items.json",
      "[{\"role\":\"user\",\"content\":\"go\"},"
      "{\"type\":\"reasoning\",\"summary\":[],\"content\":[{\"type\":\"reasoning_text\",\"text\":\"think\"}]},"
      "{\"type\":\"shell_call\",\"call_id\":\"sh1\",\"action\":{\"commands\":[\"ls\"]}},"
      "{\"type\":\"shell_call_output\",\"call_id\":\"sh1\",\"output\":[{\"stdout\":\"x\",\"stderr\":\"e\",\"outcome\":{\"type\":\"exit\",\"exit_code\":2}}]},"
      "{\"type\":\"apply_patch_call\",\"call_id\":\"ap1\",\"operation\":{\"type\":\"update_file\",\"path\":\"a.py\",\"diff\":\"@@\"}},"
      "{\"type\":\"apply_patch_call_output\",\"call_id\":\"ap1\",\"status\":\"completed\"},"
      "{\"type\":\"computer_call\",\"call_id\":\"cc1\",\"action\":{\"type\":\"click\",\"x\":1,\"y\":2}},"
      "{\"type\":\"computer_call_output\",\"call_id\":\"cc1\",\"output\":{\"type\":\"computer_screenshot\",\"image_url\":\"data:image/png;base64,AA\"}},"
      "{\"type\":\"code_interpreter_call\",\"id\":\"ci1\",\"code\":\"1+1\",\"outputs\":[{\"type\":\"logs\",\"logs\":\"2\"}]},"
      "{\"type\":\"mcp_list_tools\",\"server_label\":\"s\",\"tools\":[]},"
      "{\"type\":\"mystery_item\"},"
      "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"done\"}]}]\n");
  struct readout o;
  read_all(p, &o);
  assert_int_equal(o.n_bad, 0);
  const json_t *r = json_object_get(o.records, "items");
  assert_non_null(r);
  assert_string_equal(mstr(r, 1, "reasoning"), "think");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(r, 1), "tool_calls"), 0), "name", ""), "shell");
  assert_string_equal(mstr(r, 2, "content"), "x\ne\n[exit code 2]");
  assert_string_equal(mstr(r, 4, "content"), "completed");
  assert_true(json_is_array(json_object_get(msg(r, 6), "content"))); /* the screenshot */
  assert_string_equal(mstr(r, 8, "content"), "2");
  assert_string_equal(mstr(r, 9, "content"), "done");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "omitted"), "mcp_list_tools")), 1);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "omitted"), "mystery_item")), 1);
  release(&o);
}

/* Failed calls are no conversation: skipped by type, never failed. */
static void test_failed_calls_are_skipped(void **state) {
  (void)state;
  const char *p = ds_test_write(dir, "error.json", "{\n  \"error\": {\"message\": \"quota\", \"type\": \"insufficient_quota\", \"param\": null, \"code\": null}\n}\n");
  struct readout o;
  read_all(p, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 0);
  assert_int_equal(count(json_array_get(o.units, 0), "skipped", "api error"), 1);
  release(&o);
  p = ds_test_write(
      dir, "failed.chunks.txt",
      "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_f\",\"object\":\"response\",\"created_at\":1,\"model\":\"m\",\"output\":[]}}\n"
      "{\"type\":\"error\",\"sequence_number\":1,\"error\":{\"type\":\"x\",\"code\":\"x\",\"message\":\"m\"}}\n"
      "{\"type\":\"response.failed\",\"sequence_number\":2,\"response\":{\"id\":\"resp_f\",\"object\":\"response\",\"created_at\":1,\"status\":\"failed\",\"model\":\"m\",\"output\":[]}}\n"
      "{\"id\":\"resp_g\",\"object\":\"response\",\"status\":\"cancelled\",\"output\":[]}\n"
      "{\"id\":\"resp_h\",\"object\":\"response\",\"output\":[{\"type\":\"program\",\"call_id\":\"p1\",\"code\":\"run()\",\"fingerprint\":\"gAAA\"}]}\n");
  read_all(p, &o);
  assert_int_equal(o.n_bad, 0);
  assert_int_equal(json_array_size(o.list), 1);
  const json_t *u = json_array_get(o.units, 0);
  assert_int_equal(count(u, "skipped", "response.created"), 1);
  assert_int_equal(count(u, "skipped", "response.failed"), 1);
  assert_int_equal(count(u, "skipped", "error"), 1);
  assert_int_equal(count(u, "skipped", "response without output"), 1);
  const json_t *tc = json_array_get(json_object_get(msg(json_object_get(o.records, "resp_h"), 0), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "program");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"code\":\"run()\"}");
  release(&o);
}

static void test_detection_is_specific(void **state) {
  (void)state;
  /* a JSON array of chat messages is the chat log reader's, of Responses items the other's */
  const char *p = ds_test_write(dir, "chat-list.json",
                                "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":null,"
                                "\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                                "\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"ok\"}]\n");
  struct readout o;
  read_all(p, &o);
  assert_int_equal(o.n_bad, 0);
  assert_string_equal(ds_json_str(json_array_get(o.units, 0), "format", ""), "openai-chat-log");
  assert_int_equal(n_msgs(json_object_get(o.records, "chat-list")), 3);
  release(&o);
  /* a plain chat record stays with the generic reader; an Anthropic log is none of these */
  static const char *const lines[] = {
      "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
      "{\"request\":{\"model\":\"claude\",\"system\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]},"
      "\"response\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"yo\"}]}}",
  };
  static const char *const mine[] = {"codex", "openai-responses", "openai-chat-log", "openai-stored", "openai-batch",
                                     "openai-evals"};
  for (size_t i = 0; i < DS_ARRAY_LEN(lines); i++) {
    json_t *v = json_loads(lines[i], 0, NULL);
    assert_non_null(v);
    const json_t *items[1] = {v};
    struct fmt_probe p = {"x.jsonl", FMT_JSONL, items, 1, NULL, 0};
    for (size_t k = 0; k < DS_ARRAY_LEN(mine); k++) {
      char why[160] = "";
      const struct corpus_format *f = corpus_format_find(mine[k]);
      assert_non_null(f);
      if (f->detect(&p, why, sizeof why) != 0) fail_msg("%s takes %s", mine[k], lines[i]);
      assert_true(why[0] != 0);
    }
    json_decref(v);
  }
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds_test_openai_XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_responses_chains),     cmocka_unit_test(test_responses_streams),
      cmocka_unit_test(test_chat_completion_logs), cmocka_unit_test(test_stored_completions),
      cmocka_unit_test(test_batch_files),          cmocka_unit_test(test_evals_exports),
      cmocka_unit_test(test_items_converter_shapes), cmocka_unit_test(test_failed_calls_are_skipped),
      cmocka_unit_test(test_detection_is_specific),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
