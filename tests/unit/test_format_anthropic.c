/* test_format_anthropic.c: the Anthropic Messages reader on logs written from the API's types
 * (tests/data/formats/anthropic/: a request body, a response with server tools, envelopes of
 * request/response pairs incl. a Bedrock invocation log and a streamed body, Message Batches
 * requests and results, an SSE event stream with an error and a truncation), and the block
 * converter and stream assembler it shares with the Claude Code reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "corpus/formats/anthropic.h"
#include "depsim/corpus.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];
static char data[512];

static const char *fixture(const char *rel) {
  static char p[768];
  snprintf(p, sizeof p, "%s/%s", data, rel);
  return p;
}

static json_t *rec(const struct ds_test_readout *o, size_t i) { return json_array_get(o->records, i); }
static json_t *msg(const json_t *r, size_t i) { return json_array_get(json_object_get(r, "messages"), i); }
static size_t n_msgs(const json_t *r) { return json_array_size(json_object_get(r, "messages")); }
static const char *str(const json_t *o, const char *path) { return json_string_value(corpus_get_path(o, path)); }
static json_int_t skipped(const struct ds_test_readout *o, const char *type) {
  return json_integer_value(json_object_get(json_object_get(json_array_get(o->units, 0), "skipped"), type));
}

/* ---- files --------------------------------------------------------------------------- */

static void request_body(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(fixture("request.json"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_string_equal(ds_json_str(json_array_get(o.units, 0), "format", ""), "anthropic");
  assert_int_equal(json_array_size(o.records), 1);
  json_t *r = rec(&o, 0);
  assert_int_equal(n_msgs(r), 5);
  /* top-level system: two blocks, kept as text parts (cache_control dropped) */
  assert_string_equal(str(msg(r, 0), "role"), "system");
  assert_int_equal(json_array_size(json_object_get(msg(r, 0), "content")), 2);
  assert_null(json_object_get(json_array_get(json_object_get(msg(r, 0), "content"), 1), "cache_control"));
  /* the assistant turn in the history: thinking as reasoning, tool_use as a tool call */
  json_t *a = msg(r, 2);
  assert_string_equal(str(a, "content"), "Let me check.");
  assert_string_equal(str(a, "reasoning"), "I should call the weather tool.");
  assert_string_equal(str(json_array_get(json_object_get(a, "tool_calls"), 0), "arguments"), "{\"city\":\"Paris\"}");
  /* the tool_result in the next user message is a tool message, the text after it a user turn */
  assert_string_equal(str(msg(r, 3), "role"), "tool");
  assert_string_equal(str(msg(r, 3), "tool_call_id"), "toolu_W1");
  assert_string_equal(str(msg(r, 4), "content"), "Thanks. And tomorrow?");
  /* a client tool becomes a function; a server tool is kept as it is */
  json_t *tools = json_object_get(r, "tools");
  assert_string_equal(str(json_array_get(tools, 0), "function.name"), "get_weather");
  assert_string_equal(str(json_array_get(tools, 0), "function.parameters.type"), "object");
  assert_string_equal(str(json_array_get(tools, 1), "type"), "web_search_20250305");
  assert_int_equal(json_integer_value(corpus_get_path(r, "request_params.max_tokens")), 1024);
  assert_string_equal(str(r, "segment.model"), "claude-sonnet-4-5-20250929");
  assert_null(json_object_get(r, "id")); /* ingest derives one from the content */
  ds_test_readout_release(&o);
}

static void response_alone_with_server_tools(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(fixture("response.json"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  json_t *r = rec(&o, 0);
  assert_string_equal(str(r, "id"), "msg_R1");
  assert_true(json_is_true(corpus_get_path(r, "segment.response_only")));
  assert_int_equal(n_msgs(r), 1); /* no prefix: graded as it is, not replayable */
  json_t *a = msg(r, 0);
  assert_string_equal(str(a, "stop_reason"), "end_turn");
  /* server tool blocks keep their place among the text parts */
  json_t *parts = json_object_get(a, "content");
  assert_int_equal(json_array_size(parts), 4);
  assert_string_equal(str(json_array_get(parts, 0), "type"), "server_tool_use");
  assert_string_equal(str(json_array_get(parts, 1), "type"), "web_search_tool_result");
  assert_string_equal(str(json_array_get(parts, 3), "text"), "20 C and sunny.");
  assert_int_equal(json_array_size(json_object_get(json_array_get(parts, 3), "citations")), 1);
  assert_null(json_object_get(a, "tool_calls"));
  ds_test_readout_release(&o);
}

static void request_response_envelopes(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(fixture("pairs.jsonl"), NULL, &o);
  assert_int_equal(json_array_size(o.records), 5);
  assert_int_equal(o.n_failed, 2);
  assert_string_equal(o.reasons[0], "unknown_role");
  assert_non_null(strstr(o.failed[0], "pairs.jsonl:7:"));
  assert_string_equal(o.reasons[1], "not_anthropic");
  assert_non_null(strstr(o.failed[1], "pairs.jsonl:8:"));
  assert_int_equal(skipped(&o, "api_error"), 1); /* the call that failed has no answer */
  /* {"id","timestamp","request","response"} */
  json_t *r = rec(&o, 0);
  assert_string_equal(str(r, "id"), "log-1");
  assert_string_equal(str(r, "time"), "2025-11-02T10:00:00Z");
  assert_string_equal(str(msg(r, 1), "content"), "Hi!");
  /* request.body given as JSON text, response.body */
  r = rec(&o, 1);
  assert_string_equal(str(r, "id"), "msg_P2");
  assert_string_equal(str(msg(r, 0), "content"), "Say hi");
  /* a Bedrock invocation log */
  r = rec(&o, 2);
  assert_string_equal(str(r, "id"), "b0c1d2e3-0000-4000-8000-000000000001");
  assert_string_equal(str(r, "segment.model"), "anthropic.claude-3-haiku-20240307-v1:0");
  assert_string_equal(str(msg(r, 1), "content"), "Blue.");
  /* a streamed body logged as SSE text */
  r = rec(&o, 3);
  assert_string_equal(str(msg(r, 1), "content"), "Hi there!");
  assert_int_equal(json_integer_value(corpus_get_path(msg(r, 1), "usage.output_tokens")), 4);
  /* a prefilled assistant turn continued by the response is one turn */
  r = rec(&o, 4);
  assert_int_equal(n_msgs(r), 2);
  assert_string_equal(str(msg(r, 1), "content"), "{\"a\": 1}");
  ds_test_readout_release(&o);
}

static void message_batches(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(fixture("batch_results.jsonl"), NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(json_array_size(o.records), 2);
  assert_string_equal(str(rec(&o, 0), "id"), "req-2");
  assert_string_equal(str(rec(&o, 1), "id"), "req-1");
  assert_string_equal(str(json_array_get(json_object_get(msg(rec(&o, 1), 0), "tool_calls"), 0), "arguments"), "{}");
  assert_true(json_is_null(json_object_get(msg(rec(&o, 1), 0), "content")));
  assert_int_equal(skipped(&o, "batch:errored"), 1);
  assert_int_equal(skipped(&o, "batch:expired"), 1);
  assert_int_equal(skipped(&o, "batch:canceled"), 1);
  ds_test_readout_release(&o);
  ds_test_read_all(fixture("batch_requests.jsonl"), NULL, &o);
  assert_int_equal(json_array_size(o.records), 2);
  assert_string_equal(str(rec(&o, 0), "id"), "req-1");
  assert_string_equal(str(json_array_get(json_object_get(rec(&o, 0), "tools"), 0), "function.name"), "lookup");
  ds_test_readout_release(&o);
}

static void event_stream(void **state) {
  (void)state;
  struct ds_test_readout o;
  ds_test_read_all(fixture("stream.chunks.txt"), NULL, &o);
  assert_int_equal(json_array_size(o.records), 1);
  json_t *a = msg(rec(&o, 0), 0);
  assert_string_equal(str(rec(&o, 0), "id"), "msg_S1");
  assert_string_equal(str(a, "reasoning"), "The user wants the time.");
  assert_string_equal(str(a, "content"), "Checking the clock.");
  assert_string_equal(str(json_array_get(json_object_get(a, "tool_calls"), 0), "arguments"), "{\"tz\":\"Europe/Paris\"}");
  assert_string_equal(str(a, "stop_reason"), "tool_use");
  assert_int_equal(json_integer_value(corpus_get_path(a, "usage.output_tokens")), 42);
  /* the response the API broke off is skipped; a stray delta and the truncated response fail */
  assert_int_equal(skipped(&o, "ping"), 1);
  assert_int_equal(skipped(&o, "api_error"), 3);
  assert_int_equal(skipped(&o, "stream-event:abandoned"), 2);
  assert_int_equal(o.n_failed, 2);
  assert_string_equal(o.reasons[0], "bad_stream");
  assert_non_null(strstr(o.failed[0], "stream.chunks.txt:21:"));
  assert_string_equal(o.reasons[1], "truncated_stream");
  assert_non_null(strstr(o.failed[1], "stream.chunks.txt:22:"));
  assert_int_equal(o.items.in, 24);
  assert_int_equal(o.items.used, 16);
  ds_test_readout_release(&o);
}

/* ---- detection ----------------------------------------------------------------------- */

static void detection_keeps_other_formats_apart(void **state) {
  (void)state;
  static const struct {
    const char *text, *format;
  } cases[] = {
      /* OpenAI chat: a system role in messages, or nothing only Anthropic has */
      {"{\"model\":\"gpt-4o\",\"max_tokens\":9,\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"}]}\n", "openai"},
      {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n", "openai"},
      /* an OpenAI Responses message item is not an Anthropic Message */
      {"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"text\":\"hi\"}]}\n", "!anthropic"},
      /* Bedrock Converse: untyped blocks, a top-level system */
      {"{\"system\":[{\"text\":\"s\"}],\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}\n", "openai"},
      {"{\"id\":\"c1\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t\",\"name\":\"f\",\"arguments\":\"{}\"}]},{\"role\":\"tool\",\"tool_call_id\":\"t\",\"content\":\"ok\"}]}\n", "openai"},
      /* Anthropic: max_tokens for a Claude model, a top-level system, or Anthropic blocks */
      {"{\"model\":\"claude-3-5-haiku-latest\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n", "anthropic"},
      {"{\"system\":\"be brief\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n", "anthropic"},
      {"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":\"1\"}]}]}\n", "anthropic"},
  };
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    struct ds_test_readout o;
    ds_test_read_all(ds_test_write(dir, "d.jsonl", cases[i].text), NULL, &o);
    const char *got = ds_json_str(json_array_get(o.units, 0), "format", "");
    bool not = cases[i].format[0] == '!';
    if (not ? strcmp(got, cases[i].format + 1) == 0 : strcmp(got, cases[i].format) != 0)
      fail_msg("case %zu: read as %s, expected %s", i, got, cases[i].format);
    if (!not) assert_int_equal(o.n_failed, 0);
    ds_test_readout_release(&o);
  }
}

/* ---- the shared converter and assembler ------------------------------------------------ */

static json_t *parse(const char *text) {
  json_error_t je;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
  assert_non_null(v);
  return v;
}

static void block_converter(void **state) {
  (void)state;
  struct ds_bad_record bad;
  json_t *m;
  /* adjacent text blocks run on; text apart from text is joined by a blank line */
  json_t *c = parse("[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"},"
                    "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{\"z\":1,\"a\":[2]}},"
                    "{\"type\":\"text\",\"text\":\"c\"},{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"x\"}]");
  assert_int_equal(ab_assistant(c, &m, &bad), DS_OK);
  assert_string_equal(str(m, "content"), "ab\n\nc");
  assert_string_equal(str(json_array_get(json_object_get(m, "tool_calls"), 0), "arguments"), "{\"a\":[2],\"z\":1}");
  assert_true(json_is_true(json_object_get(m, "reasoning_redacted"))); /* thinking with no text */
  json_decref(m);
  json_decref(c);
  /* a tool result with an image, a base64 document in a user turn */
  json_t *msgs = json_array();
  c = parse("[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":true,\"content\":[{\"type\":\"text\",\"text\":\"shot\"},"
            "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x/y.png\"}}]},"
            "{\"type\":\"document\",\"title\":\"r.pdf\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}}]");
  assert_int_equal(ab_user(c, msgs, &bad), DS_OK);
  assert_int_equal(json_array_size(msgs), 2);
  assert_true(json_is_true(json_object_get(json_array_get(msgs, 0), "is_error")));
  assert_string_equal(str(json_array_get(json_object_get(json_array_get(msgs, 0), "content"), 1), "image_url.url"), "https://x/y.png");
  json_t *doc = json_array_get(json_object_get(json_array_get(msgs, 1), "content"), 0);
  assert_string_equal(str(doc, "type"), "file");
  assert_string_equal(str(doc, "file.file_data"), "data:application/pdf;base64,JVBERi0=");
  assert_string_equal(str(doc, "file.filename"), "r.pdf");
  json_decref(msgs);
  json_decref(c);
  /* what the converter cannot use is refused with the reason */
  c = parse("[{\"type\":\"tool_result\",\"content\":\"x\"}]");
  msgs = json_array();
  assert_int_equal(ab_user(c, msgs, &bad), DS_E_INVALID);
  assert_string_equal(bad.reason, "bad_block");
  json_decref(msgs);
  json_decref(c);
  c = parse("42");
  assert_int_equal(ab_assistant(c, &m, &bad), DS_E_INVALID);
  json_decref(c);
}

static void stream_assembler(void **state) {
  (void)state;
  struct ds_bad_record bad;
  json_t *m;
  /* out of order events are refused */
  json_t *ev = parse("[{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"role\":\"assistant\",\"type\":\"message\",\"content\":[]}},"
                     "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}]");
  assert_int_equal(ab_stream_assemble(ev, &m, &bad), DS_E_INVALID);
  assert_string_equal(bad.reason, "bad_stream");
  json_decref(ev);
  /* a tool input that does not parse */
  ev = parse("[{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"role\":\"assistant\",\"type\":\"message\",\"content\":[]}},"
             "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}},"
             "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}},"
             "{\"type\":\"content_block_stop\",\"index\":0},{\"type\":\"message_stop\"}]");
  assert_int_equal(ab_stream_assemble(ev, &m, &bad), DS_E_INVALID);
  json_decref(ev);
  /* SSE text with CRLF line ends, comments and event: lines */
  ev = json_string(": keep-alive\r\nevent: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"role\":\"assistant\","
                   "\"type\":\"message\",\"content\":[]}}\r\n\r\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                   "{\"type\":\"text\",\"text\":\"\"}}\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                   "\"text\":\"ok\"}}\r\ndata: {\"type\":\"message_stop\"}\r\n");
  assert_int_equal(ab_stream_assemble(ev, &m, &bad), DS_OK);
  assert_string_equal(str(json_array_get(json_object_get(m, "content"), 0), "text"), "ok");
  json_decref(m);
  json_decref(ev);
}

/* Reads path with its n-th allocation failing; true when the failure happened during the read
 * (false: the read needs fewer than n allocations). */
static bool read_failing_at(const char *path, uint64_t n) {
  struct ds_reader *r = NULL;
  struct ds_err err = {0};
  ds_alloc_fail_at(n);
  enum ds_status st = ds_reader_open(path, NULL, &r, &err);
  while (st == DS_OK) {
    json_t *rec;
    struct ds_bad_record bad;
    st = ds_reader_next(r, &rec, &bad, &err);
    json_decref(rec);
  }
  ds_reader_free(r);
  bool consumed = true;
  for (uint64_t k = 0; k < n && consumed; k++) {
    void *p = ds_malloc(1);
    consumed = p != NULL;
    ds_free(p);
  }
  ds_alloc_fail_at(0);
  return consumed;
}

/* Every allocation of a read failing in turn (curl's torture mode): the reader ends cleanly
 * each time (no leak, no crash under ASan). */
static void survives_allocation_failures(void **state) {
  (void)state;
  const char *names[] = {"pairs.jsonl", "stream.chunks.txt", "request.json"};
  for (size_t k = 0; k < DS_ARRAY_LEN(names); k++) {
    char path[768];
    snprintf(path, sizeof path, "%s", fixture(names[k]));
    uint64_t n = 1;
    while (n < 100000 && read_failing_at(path, n)) n++;
    assert_true(n > 200 && n < 100000);
  }
}

static int setup(void **state) {
  (void)state;
  const char *src = getenv("DS_SRC");
  snprintf(data, sizeof data, "%s/tests/data/formats/anthropic", src ? src : ".");
  snprintf(dir, sizeof dir, "/tmp/ds_test_am_XXXXXX");
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(request_body),
      cmocka_unit_test(response_alone_with_server_tools),
      cmocka_unit_test(request_response_envelopes),
      cmocka_unit_test(message_batches),
      cmocka_unit_test(event_stream),
      cmocka_unit_test(detection_keeps_other_formats_apart),
      cmocka_unit_test(block_converter),
      cmocka_unit_test(stream_assembler),
      cmocka_unit_test(survives_allocation_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
