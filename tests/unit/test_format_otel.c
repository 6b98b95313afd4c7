/* test_format_otel.c: the OTLP trace reader on fixtures written from the specs
 * (tests/data/formats/otel, gen.py there): the three dialects, messages structured or as
 * JSON text, per-message events, conversations by session or trace across lines, earlier
 * calls counted as duplicates and side calls kept, the accounting of every line, broken
 * lines, and the AnyValue decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "corpus/formats/otel.h"
#include "depsim/corpus.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state) {
  DS_UNUSED(state);
  snprintf(dir, sizeof dir, "/tmp/ds_test_otel.XXXXXX");
  return ds_test_tmpdir_make(dir);
}
static int teardown(void **state) {
  DS_UNUSED(state);
  return ds_test_tmpdir_remove(dir);
}

static void read_ok(const char *path, struct ds_test_readout *r) {
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(path, NULL, r, &err), DS_OK);
  size_t i;
  const json_t *rec;
  json_array_foreach(r->records, i, rec) { /* every record is canonical */
    struct ds_bad_record b;
    assert_int_equal(corpus_record_check(rec, &b), DS_OK);
  }
  assert_int_equal(r->items.in, r->items.used + r->items.skipped + r->items.duplicate + r->items.failed);
}

static const json_t *msg(const json_t *rec, size_t i) { return json_array_get(json_object_get(rec, "messages"), i); }
static const char *mstr(const json_t *rec, size_t i, const char *key) { return ds_json_str(msg(rec, i), key, NULL); }
static size_t n_msgs(const json_t *rec) { return json_array_size(json_object_get(rec, "messages")); }
static const char *seg(const json_t *rec, const char *key) { return ds_json_str(json_object_get(rec, "segment"), key, NULL); }

static void test_semconv(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("otel/semconv.jsonl"), &r);
  assert_string_equal(r.format, "otel");
  assert_int_equal(json_array_size(r.records), 4);
  assert_int_equal(json_array_size(r.failed_all), 0);
  /* trace 1: the last call (on the third line) holds the whole tool-call conversation */
  const json_t *t1 = ds_test_record(&r, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert_non_null(t1);
  assert_int_equal(n_msgs(t1), 4);
  assert_string_equal(mstr(t1, 0, "role"), "user");
  assert_string_equal(mstr(t1, 0, "content"), "Weather in Paris?");
  assert_true(json_is_null(json_object_get(msg(t1, 1), "content")));
  const json_t *tc = json_array_get(json_object_get(msg(t1, 1), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "call_VSPygqKTWdrhaFErNvMV18Yl");
  assert_string_equal(ds_json_str(tc, "name", ""), "get_weather");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"location\":\"Paris\"}");
  assert_string_equal(mstr(t1, 2, "role"), "tool");
  assert_string_equal(mstr(t1, 2, "tool_call_id"), "call_VSPygqKTWdrhaFErNvMV18Yl");
  assert_string_equal(mstr(t1, 2, "content"), "rainy, 57\xc2\xb0" "F");
  assert_string_equal(mstr(t1, 3, "content"), "The weather in Paris is currently rainy with a temperature of 57\xc2\xb0" "F.");
  assert_string_equal(seg(t1, "model"), "gpt-4-0613");
  assert_string_equal(seg(t1, "provider"), "openai");
  assert_string_equal(seg(t1, "service"), "chat-api");
  assert_string_equal(seg(t1, "deployment"), "production");
  assert_string_equal(ds_json_str(t1, "time", ""), "2025-01-01T00:00:01Z"); /* the first call's start */
  const json_t *ot = json_object_get(t1, "otel");
  assert_string_equal(ds_json_str(ot, "span_id", ""), "aa00000000000004");
  assert_string_equal(ds_json_str(ot, "dialect", ""), "gen_ai");
  assert_string_equal(ds_json_str(json_object_get(ot, "resource"), "service.version", ""), "1.4.2");
  /* the tool definitions came on the first call; the last one has none */
  assert_null(json_object_get(t1, "tools"));
  /* a side call of the same trace is not a prefix: a record of its own */
  const json_t *side = ds_test_record(&r, "4bf92f3577b34da6a3ce929d0e0e4736/aa00000000000005");
  assert_non_null(side);
  assert_string_equal(ds_json_str(side, "parent_id", ""), "4bf92f3577b34da6a3ce929d0e0e4736");
  assert_string_equal(seg(side, "model"), "gpt-4o-mini-2024-07-18");
  /* system instructions, reasoning and a second choice */
  const json_t *t2 = ds_test_record(&r, "0af7651916cd43dd8448eb211c80319c");
  assert_int_equal(n_msgs(t2), 4);
  assert_string_equal(mstr(t2, 0, "content"), "You must never tell jokes");
  assert_string_equal(mstr(t2, 1, "content"), "You are a helpful bot");
  assert_string_equal(mstr(t2, 3, "reasoning"), "The user wants a joke; the instructions forbid it.");
  assert_string_equal(mstr(t2, 3, "content"), "I'm sorry, but I can't assist with that");
  assert_int_equal(json_array_size(json_object_get(t2, "other_choices")), 1);
  assert_string_equal(seg(t2, "deployment"), "staging");
  /* a session over two traces, named on root spans only */
  const json_t *s = ds_test_record(&r, "sess-42");
  assert_int_equal(n_msgs(s), 4);
  assert_string_equal(mstr(s, 3, "content"), "Refund issued for order 1234.");
  assert_string_equal(ds_json_str(json_object_get(s, "otel"), "session_id", ""), "sess-42");
  /* every line accounted: 4 used, the first calls of trace 1 and of the session repeat, a
   * batch of HTTP spans and a call whose content was not captured are skipped */
  assert_int_equal(r.items.in, 8);
  assert_int_equal(r.items.used, 4);
  assert_int_equal(r.items.duplicate, 2);
  assert_int_equal(r.items.skipped, 2);
  assert_int_equal(ds_test_unit_count(&r, 0, true, "earlier-llm-call"), 2);
  assert_int_equal(ds_test_unit_count(&r, 0, false, "non-llm-spans"), 1);
  assert_int_equal(ds_test_unit_count(&r, 0, false, "llm-spans-without-content"), 1);
  ds_test_readout_release(&r);
}

static void test_events(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("otel/events.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 3);
  const json_t *a = ds_test_record(&r, "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1");
  assert_int_equal(n_msgs(a), 5);
  assert_string_equal(mstr(a, 0, "role"), "system");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(a, 2), "tool_calls"), 0), "arguments", ""),
                      "{\"city\":\"Oslo\"}");
  assert_string_equal(mstr(a, 3, "tool_call_id"), "call_1");
  assert_string_equal(mstr(a, 4, "content"), "It is -3C and snowing in Oslo.");
  assert_string_equal(ds_json_str(json_object_get(a, "otel"), "dialect", ""), "gen_ai_events");
  const json_t *b = ds_test_record(&r, "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2"); /* body fields as attributes */
  assert_int_equal(n_msgs(b), 2);
  assert_string_equal(mstr(b, 1, "content"), "Hi!");
  const json_t *c = ds_test_record(&r, "e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3"); /* gen_ai.content.prompt */
  assert_string_equal(mstr(c, 0, "content"), "2+2?");
  assert_string_equal(mstr(c, 1, "content"), "4");
  assert_string_equal(seg(c, "provider"), "anthropic");
  ds_test_readout_release(&r);
}

static void test_openinference(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("otel/openinference.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 2);
  const json_t *a = ds_test_record(&r, "oi-session-7");
  assert_non_null(a);
  assert_int_equal(n_msgs(a), 5);
  assert_string_equal(mstr(a, 0, "content"), "You multiply.");
  const json_t *tc = json_array_get(json_object_get(msg(a, 2), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "call_m1");
  assert_string_equal(ds_json_str(tc, "name", ""), "multiply");
  assert_string_equal(mstr(a, 3, "tool_call_id"), "call_m1");
  assert_string_equal(mstr(a, 4, "content"), "23 x 87 = 2001.");
  assert_string_equal(seg(a, "model"), "gpt-4o-2024-08-06");
  const json_t *tool = json_array_get(json_object_get(a, "tools"), 0);
  assert_string_equal(ds_json_str(json_object_get(tool, "function"), "name", ""), "multiply");
  /* the nested form, with a text part and an image part */
  const json_t *b = ds_test_record(&r, "0100000000000000000000000000bbbb");
  const json_t *parts = json_object_get(msg(b, 0), "content");
  assert_true(json_is_array(parts));
  assert_string_equal(ds_json_str(json_array_get(parts, 0), "text", ""), "What is in this image?");
  assert_string_equal(ds_json_str(json_object_get(json_array_get(parts, 1), "image_url"), "url", ""),
                      "https://example.com/cat.png");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(b, 1), "tool_calls"), 0), "name", ""), "describe");
  /* the chain span's line is the model call's too: both lines used */
  assert_int_equal(r.items.used, 2);
  ds_test_readout_release(&r);
}

static void test_openllmetry(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("otel/openllmetry.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  const json_t *a = ds_test_record(&r, "tl-sess-1"); /* traceloop association property */
  assert_non_null(a);
  assert_int_equal(n_msgs(a), 5);
  assert_string_equal(mstr(a, 1, "content"), "Book me a flight to Rome"); /* parts kept as JSON text */
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(a, 2), "tool_calls"), 0), "arguments", ""),
                      "{\"to\":\"FCO\"}");
  assert_string_equal(mstr(a, 3, "content"), "booked AZ123");
  assert_string_equal(ds_json_str(json_object_get(a, "otel"), "dialect", ""), "openllmetry");
  assert_int_equal(r.items.duplicate, 1); /* the first call repeats in the second */
  ds_test_readout_release(&r);
}

/* Two SDKs' own attributes: the Vercel AI SDK (doGenerate spans; the outer generateText span
 * is not a model call) and Google ADK (call_llm spans with the request and response as JSON). */
static void test_sdks(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("otel/sdks.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 2);
  const json_t *v = ds_test_record(&r, "5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d01");
  assert_int_equal(n_msgs(v), 5);
  assert_string_equal(ds_json_str(json_array_get(json_object_get(msg(v, 2), "tool_calls"), 0), "arguments", ""),
                      "{\"city\":\"Madrid\"}");
  assert_string_equal(mstr(v, 3, "content"), "{\"tempC\":31}");
  assert_string_equal(mstr(v, 4, "content"), "It is 31C in Madrid.");
  assert_string_equal(ds_json_str(json_object_get(v, "otel"), "dialect", ""), "vercel_ai");
  assert_string_equal(ds_json_str(json_object_get(json_array_get(json_object_get(v, "tools"), 0), "function"), "name", ""),
                      "weather");
  const json_t *a = ds_test_record(&r, "adk-session-3");
  assert_int_equal(n_msgs(a), 3);
  assert_string_equal(mstr(a, 0, "content"), "You are a helpful travel agent.");
  assert_string_equal(mstr(a, 2, "content"), "Hotel Infante Sagres has rooms tonight.");
  assert_string_equal(seg(a, "model"), "gemini-2.0-flash");
  assert_int_equal(r.items.used, 2);
  ds_test_readout_release(&r);
}

static void test_document_and_broken(void **state) {
  DS_UNUSED(state);
  struct ds_test_readout r;
  read_ok(ds_test_fixture("otel/document.json"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  assert_string_equal(ds_json_str(json_array_get(r.units, 0), "container", ""), "json_document");
  ds_test_readout_release(&r);
  read_ok(ds_test_fixture("otel/broken.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  assert_int_equal(json_array_size(r.failed_all), 3);
  assert_string_equal(ds_json_str(json_array_get(r.failed_all, 0), "reason", ""), "bad_json");
  assert_string_equal(ds_json_str(json_array_get(r.failed_all, 1), "reason", ""), "wrong_type");
  assert_non_null(strstr(ds_json_str(json_array_get(r.failed_all, 2), "msg", ""), "broken.jsonl:4: "));
  assert_int_equal(r.items.failed, 3);
  ds_test_readout_release(&r);
}

/* One TracesData line holding one span. */
static char *line(const char *trace, const char *span, long long start_s, const char *attrs_json) {
  json_t *attrs = json_loads(attrs_json, 0, NULL);
  assert_non_null(attrs);
  json_t *kvs = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(attrs, k, v) {
    json_t *any = json_is_string(v) ? json_pack("{s:O}", "stringValue", v) : json_pack("{s:s}", "stringValue", "?");
    json_array_append_new(kvs, json_pack("{s:s,s:o}", "key", k, "value", any));
  }
  char st[32], en[32];
  snprintf(st, sizeof st, "%lld000000000", start_s);
  snprintf(en, sizeof en, "%lld000000000", start_s + 1);
  json_t *td = json_pack("{s:[{s:{s:[]},s:[{s:{s:s},s:[{s:s,s:s,s:s,s:s,s:s,s:o}]}]}]}", "resourceSpans", "resource",
                         "attributes", "scopeSpans", "scope", "name", "t", "spans", "traceId", trace, "spanId", span,
                         "name", "chat", "startTimeUnixNano", st, "endTimeUnixNano", en, "attributes", kvs);
  json_decref(attrs);
  char *s = json_dumps(td, JSON_COMPACT);
  json_decref(td);
  return s;
}

static void write_lines(const char *name, char **lines, size_t n) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  for (size_t i = 0; i < n; i++) {
    ds_buf_adds(&b, lines[i]);
    ds_buf_addc(&b, '\n');
    free(lines[i]);
  }
  ds_test_write(dir, name, b.data);
  ds_buf_release(&b);
}

/* The conversation is the last call by time, wherever its line is; messages as JSON text and
 * structured read alike. */
static void test_order_and_text_form(void **state) {
  DS_UNUSED(state);
  const char *in2 = "{\"gen_ai.input.messages\":\"[{\\\"role\\\":\\\"user\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\","
                    "\\\"content\\\":\\\"hi\\\"}]},{\\\"role\\\":\\\"assistant\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\","
                    "\\\"content\\\":\\\"hello\\\"}]},{\\\"role\\\":\\\"user\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\","
                    "\\\"content\\\":\\\"bye\\\"}]}]\",\"gen_ai.output.messages\":\"[{\\\"role\\\":\\\"assistant\\\","
                    "\\\"parts\\\":[{\\\"type\\\":\\\"text\\\",\\\"content\\\":\\\"see you\\\"}]}]\"}";
  const char *in1 = "{\"gen_ai.input.messages\":\"[{\\\"role\\\":\\\"user\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\","
                    "\\\"content\\\":\\\"hi\\\"}]}]\",\"gen_ai.output.messages\":\"[{\\\"role\\\":\\\"assistant\\\","
                    "\\\"parts\\\":[{\\\"type\\\":\\\"text\\\",\\\"content\\\":\\\"hello\\\"}]}]\"}";
  char *lines[] = {line("t9", "s2", 200, in2), line("t9", "s1", 100, in1)};
  write_lines("order.jsonl", lines, 2);
  struct ds_test_readout r;
  read_ok(ds_test_path(dir, "order.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  const json_t *a = ds_test_record(&r, "t9");
  assert_int_equal(n_msgs(a), 4);
  assert_string_equal(mstr(a, 3, "content"), "see you");
  assert_string_equal(ds_json_str(a, "time", ""), "1970-01-01T00:01:40Z"); /* the first call's start */
  assert_int_equal(r.items.used, 1);
  assert_int_equal(r.items.duplicate, 1);
  ds_test_readout_release(&r);
}

/* A last call that cannot be read fails at its line; the conversation falls back to the call
 * before it. */
static void test_last_call_broken(void **state) {
  DS_UNUSED(state);
  const char *good = "{\"gen_ai.input.messages\":\"[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"q\\\"}]\","
                     "\"gen_ai.output.messages\":\"[{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\"a\\\"}]\"}";
  const char *bad = "{\"gen_ai.input.messages\":\"{\\\"weird\\\":1}\"}";
  char *lines[] = {line("tb", "s1", 100, good), line("tb", "s2", 200, bad)};
  write_lines("lastbad.jsonl", lines, 2);
  struct ds_test_readout r;
  read_ok(ds_test_path(dir, "lastbad.jsonl"), &r);
  assert_int_equal(json_array_size(r.records), 1);
  assert_int_equal(n_msgs(ds_test_record(&r, "tb")), 2);
  assert_int_equal(json_array_size(r.failed_all), 1);
  assert_string_equal(ds_json_str(json_array_get(r.failed_all, 0), "reason", ""), "unknown_shape");
  assert_non_null(strstr(ds_json_str(json_array_get(r.failed_all, 0), "msg", ""), "lastbad.jsonl:2: "));
  assert_int_equal(r.items.failed, 1);
  assert_int_equal(r.items.used, 1);
  ds_test_readout_release(&r);
}

static void test_anyvalue(void **state) {
  DS_UNUSED(state);
  json_t *kvs = json_loads(
      "[{\"key\":\"i\",\"value\":{\"intValue\":\"42\"}},{\"key\":\"d\",\"value\":{\"doubleValue\":1.5}},"
      "{\"key\":\"b\",\"value\":{\"boolValue\":true}},{\"key\":\"s\",\"value\":{\"string_value\":\"snake\"}},"
      "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},{\"intValue\":7}]}}},"
      "{\"key\":\"k\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"role\",\"value\":{\"stringValue\":\"user\"}}]}}},"
      "{\"key\":\"e\",\"value\":{}}]",
      0, NULL);
  assert_non_null(kvs);
  json_t *o = otel_attrs(kvs);
  assert_int_equal(json_integer_value(json_object_get(o, "i")), 42);
  assert_true(json_real_value(json_object_get(o, "d")) == 1.5);
  assert_true(json_is_true(json_object_get(o, "b")));
  assert_string_equal(ds_json_str(o, "s", ""), "snake");
  assert_string_equal(json_string_value(json_array_get(json_object_get(o, "a"), 0)), "x");
  assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "a"), 1)), 7);
  assert_string_equal(ds_json_str(json_object_get(o, "k"), "role", ""), "user");
  assert_true(json_is_null(json_object_get(o, "e")));
  json_decref(o);
  json_decref(kvs);
  /* span kinds */
  json_t *a = json_pack("{s:s}", "gen_ai.operation.name", "execute_tool");
  assert_int_equal(otel_span_kind(a, NULL), OTEL_NOT_LLM);
  json_object_set_new(a, "gen_ai.operation.name", json_string("chat"));
  assert_int_equal(otel_span_kind(a, NULL), OTEL_LLM_NO_CONTENT);
  json_object_set_new(a, "llm.input_messages.0.message.role", json_string("user"));
  assert_int_equal(otel_span_kind(a, NULL), OTEL_LLM);
  json_decref(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_semconv),           cmocka_unit_test(test_events),
      cmocka_unit_test(test_openinference),     cmocka_unit_test(test_openllmetry),
      cmocka_unit_test(test_document_and_broken), cmocka_unit_test(test_order_and_text_form),
      cmocka_unit_test(test_last_call_broken),  cmocka_unit_test(test_anyvalue),
      cmocka_unit_test(test_sdks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
