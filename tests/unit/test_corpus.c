/* test_corpus.c: the canonical corpus reader: each input format, each bad-record reason with its
 * FILE:LINE message, limits, compressed and truncated input, directories, the fast JSON path
 * against jansson, and sampling (ingest itself: test_ingest.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "depsim/corpus.h"
#include "readall.h"
#include "tmpdir.h"

static char dir[64];

static const char *tmp(const char *name) { return ds_test_path(dir, name); }
static void put_file(const char *path, const char *text, size_t len) { ds_test_put(path, text, len); }
static void put(const char *path, const char *text) { ds_test_put(path, text, strlen(text)); }
static char *slurp(const char *path) { return ds_test_slurp(path); }

/* Reads every record of path (the reader itself must not fail). */
static void read_all(const char *path, const struct ds_reader_params *p, struct ds_test_readout *out) {
  struct ds_err err = {0};
  assert_int_equal(ds_test_read_input(path, p, out, &err), DS_OK);
}

static void expect_one_bad(const char *text, const char *reason, const char *msg_part, const char *line_prefix) {
  const char *path = tmp("bad.jsonl");
  put(path, text);
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  if (o.n_failed != 1 || strcmp(o.reasons[0], reason) != 0) {
    fprintf(stderr, "for %.80s: got %d bad, first %s\n", text, o.n_failed, o.n_failed ? o.failed[0] : "-");
    fail();
  }
  char want[300];
  snprintf(want, sizeof want, "%s:%s", path, line_prefix);
  if (strncmp(o.failed[0], want, strlen(want)) != 0 || !strstr(o.failed[0], msg_part)) {
    fprintf(stderr, "message '%s' lacks '%s' or '%s'\n", o.failed[0], want, msg_part);
    fail();
  }
  ds_test_readout_release(&o);
}

/* ---- formats ----------------------------------------------------------------------- */

static void openai_tool_calls_are_flattened(void **state) {
  (void)state;
  const char *path = tmp("openai.jsonl");
  put(path,
      "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"list files\"},"
      "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\","
      "\"function\":{\"name\":\"shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}]},"
      "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"a.txt\"}],"
      "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"shell\"}}],\"model\":\"gpt-x\",\"extra\":{\"k\":1}}\n");
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_string_equal(o.format, "openai");
  assert_int_equal(json_array_size(o.records), 1);
  json_t *r = json_array_get(o.records, 0);
  json_t *tc = json_array_get(json_object_get(json_array_get(json_object_get(r, "messages"), 2), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "t1");
  assert_string_equal(ds_json_str(tc, "name", ""), "shell");
  assert_string_equal(ds_json_str(tc, "arguments", ""), "{\"cmd\":\"ls\"}");
  assert_null(json_object_get(tc, "function"));
  assert_null(json_object_get(tc, "type"));
  json_t *tool = json_array_get(json_object_get(r, "messages"), 3);
  assert_string_equal(ds_json_str(tool, "tool_call_id", ""), "t1");
  assert_int_equal(json_array_size(json_object_get(r, "tools")), 1);
  assert_string_equal(ds_json_str(r, "model", ""), "gpt-x");                 /* unknown fields kept */
  assert_int_equal(json_integer_value(corpus_get_path(r, "extra.k")), 1);
  assert_null(json_object_get(r, "id"));                                      /* ingest derives it */
  ds_test_readout_release(&o);
}

static void sharegpt_speakers_map_to_roles(void **state) {
  (void)state;
  const char *path = tmp("sg.jsonl");
  put(path, "{\"id\":\"a1\",\"conversations\":[{\"from\":\"system\",\"value\":\"be nice\"},"
            "{\"from\":\"human\",\"value\":\"hi\",\"lang\":\"en\"},{\"from\":\"gpt\",\"value\":\"hello\"},"
            "{\"from\":\"user\",\"value\":\"q\"},{\"from\":\"chatgpt\",\"value\":\"a\"}],\"score\":3}\n"
            "{\"id\":7,\"conversations\":[{\"from\":\"human\",\"value\":\"x\"},{\"from\":\"assistant\",\"value\":\"y\"}]}\n");
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_string_equal(o.format, "sharegpt");
  json_t *r = json_array_get(o.records, 0);
  assert_string_equal(ds_json_str(r, "id", ""), "a1");
  json_t *m = json_object_get(r, "messages");
  const char *roles[] = {"system", "user", "assistant", "user", "assistant"};
  for (size_t i = 0; i < 5; i++) assert_string_equal(ds_json_str(json_array_get(m, i), "role", ""), roles[i]);
  assert_string_equal(ds_json_str(json_array_get(m, 1), "content", ""), "hi");
  assert_string_equal(ds_json_str(json_array_get(m, 1), "lang", ""), "en");
  assert_null(json_object_get(json_array_get(m, 1), "from"));
  assert_null(json_object_get(r, "conversations"));
  assert_int_equal(json_integer_value(json_object_get(r, "score")), 3);
  assert_string_equal(ds_json_str(json_array_get(o.records, 1), "id", ""), "7"); /* integer id -> string */
  ds_test_readout_release(&o);
}

static void traj_array_streams_with_line_numbers(void **state) {
  (void)state;
  const char *path = tmp("traj.json");
  put(path, "[\n"
            "  {\n    \"task_id\": 0,\n    \"reward\": 1.0,\n    \"info\": {\"s\": \"]},{[\"},\n"
            "    \"traj\": [{\"role\": \"user\", \"content\": \"hi\"},\n"
            "             {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", "
            "\"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]},\n"
            "             {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"name\": \"f\", \"content\": \"ok\"}]\n  },\n"
            "  {\"task_id\": 1, \"traj\": [{\"role\": \"robot\", \"content\": \"x\"}]},\n"
            "  {\"task_id\": 2, \"reward\": 0.0, \"traj\": [{\"role\": \"user\", \"content\": \"\\\"q\\\\\"}]}\n"
            "]\n");
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_string_equal(o.format, "traj");
  assert_int_equal(json_array_size(o.records), 2);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "unknown_role");
  char want[300];
  snprintf(want, sizeof want, "%s:10: ", path); /* the element starts on line 10 */
  assert_memory_equal(o.failed[0], want, strlen(want));
  json_t *r = json_array_get(o.records, 0);
  assert_true(json_real_value(json_object_get(r, "reward")) == 1.0);
  assert_string_equal(ds_json_str(corpus_get_path(r, "info"), "s", ""), "]},{[");
  json_t *tc = json_array_get(json_object_get(json_array_get(json_object_get(r, "messages"), 1), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "name", ""), "f");
  assert_string_equal(ds_json_str(json_array_get(json_object_get(json_array_get(o.records, 1), "messages"), 0), "content", ""),
                      "\"q\\");
  ds_test_readout_release(&o);
}

static void wildchat_maps_id_time_segment(void **state) {
  (void)state;
  const char *path = tmp("wild.jsonl");
  put(path, "{\"conversation_hash\":\"h1\",\"model\":\"gpt-4\",\"timestamp\":\"2023-04-09 00:02:53\","
            "\"conversation\":[{\"role\":\"user\",\"content\":\"hey\",\"country\":\"France\",\"toxic\":false},"
            "{\"role\":\"assistant\",\"content\":\"hi\"}],\"turn\":1,\"language\":\"French\",\"country\":\"France\","
            "\"toxic\":false,\"redacted\":true}\n");
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_string_equal(o.format, "wildchat");
  json_t *r = json_array_get(o.records, 0);
  assert_string_equal(ds_json_str(r, "id", ""), "h1");
  assert_string_equal(ds_json_str(r, "time", ""), "2023-04-09T00:02:53Z");
  assert_string_equal(ds_json_str(corpus_get_path(r, "segment"), "model", ""), "gpt-4");
  assert_string_equal(ds_json_str(corpus_get_path(r, "segment"), "language", ""), "French");
  assert_string_equal(ds_json_str(corpus_get_path(r, "segment"), "country", ""), "France");
  assert_true(json_is_true(json_object_get(r, "redacted")));
  assert_true(json_is_false(json_object_get(r, "toxic")));
  assert_int_equal(json_integer_value(json_object_get(r, "turn")), 1);
  assert_null(json_object_get(r, "conversation_hash"));
  assert_null(json_object_get(r, "timestamp"));
  ds_test_readout_release(&o);
}

static void format_override_and_detection_failure(void **state) {
  (void)state;
  const char *path = tmp("fmt.jsonl");
  put(path, "{\"foo\":1}\n{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n");
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 1); /* detected from the record that has messages */
  assert_string_equal(o.reasons[0], "missing_field");
  assert_int_equal(json_array_size(o.records), 1);
  ds_test_readout_release(&o);
  /* nothing any reader takes: one failure per item, the first saying why each declined */
  put(path, "{\"foo\":1}\n{\"bar\":2}\n");
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 2);
  assert_string_equal(o.reasons[0], "unknown_format");
  assert_non_null(strstr(o.failed[0], "openai (no \"messages\" array)"));
  assert_non_null(strstr(o.failed[0], "first item: {\"foo\":1}"));
  assert_int_equal(json_array_size(o.records), 0);
  ds_test_readout_release(&o);
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  p.format = "sharegpt";
  put(path, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n");
  read_all(path, &p, &o);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "missing_field");
  assert_non_null(strstr(o.failed[0], "conversations"));
  ds_test_readout_release(&o);
  struct ds_err err = {0};
  assert_int_equal(ds_format_check("wildchat", &err), DS_OK);
  assert_int_equal(ds_format_check("csv", &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "sharegpt"));
  struct ds_reader *r;
  p.format = "csv";
  assert_int_equal(ds_reader_open(path, &p, &r, &err), DS_E_INVALID);
}

/* ---- bad records ------------------------------------------------------------------- */

static void each_error_kind_is_reported_with_file_and_line(void **state) {
  (void)state;
  const char *ok = "{\"messages\":[{\"role\":\"user\",\"content\":\"fine\"}]}\n";
  char text[512];
#define CASE(line, reason, part, pfx)                  \
  do {                                                 \
    snprintf(text, sizeof text, "%s\n%s", ok, line);   \
    expect_one_bad(text, reason, part, pfx);           \
  } while (0)
  /* the bad record is on line 3 (line 2 is blank and skipped) */
  CASE("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}\n", "bad_json", "invalid JSON", "3: ");
  CASE("{\"messages\":[{\"role\":\"user\",\"content\":\"caf\xe9\"}]}\n", "invalid_utf8", "UTF-8", "3: ");
  CASE("{\"messages\":[{\"role\":\"user\"}]}\n", "missing_field", "content", "3: ");
  CASE("{\"messages\":[{\"role\":\"user\",\"content\":5}]}\n", "wrong_type", "content", "3: ");
  CASE("{\"messages\":{}}\n", "wrong_type", "messages", "3: ");
  CASE("{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}\n", "unknown_role", "wizard", "3: ");
  CASE("{\"messages\":[]}\n", "empty_conversation", "empty", "3: ");
  CASE("[1,2]\n", "not_object", "not a JSON object", "3: ");
  CASE("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}\n", "missing_field", "tool_call_id", "3: ");
  CASE("{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"type\":\"function\",\"function\":"
       "{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}\n",
       "bad_tool_call", "id", "3: ");
  CASE("{\"time\":\"last tuesday\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n", "bad_time", "last tuesday", "3: ");
  CASE("{\"messages\":[{\"role\":\"user\",\"content\":\"x\\u0000y\"}]}\n", "nul_byte", "NUL", "3: ");
#undef CASE
  /* a raw NUL byte inside a line */
  const char nul[] = "{\"messages\":[{\"role\":\"user\",\"content\":\"a\0b\"}]}\n";
  const char *path = tmp("nul.jsonl");
  put_file(path, nul, sizeof nul - 1);
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "nul_byte");
  ds_test_readout_release(&o);
}

static void limits_on_size_and_depth(void **state) {
  (void)state;
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  p.max_record_bytes = 100;
  p.max_depth = 4;
  const char *path = tmp("limits.jsonl");
  char big[400];
  snprintf(big, sizeof big, "{\"messages\":[{\"role\":\"user\",\"content\":\"%0200d\"}]}\n", 0);
  char text[1024];
  snprintf(text, sizeof text,
           "%s{\"messages\":[{\"role\":\"user\",\"content\":\"ok\"}]}\n"
           "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"d\":[[[1]]]}]}\n"
           "{\"messages\":[{\"role\":\"user\",\"content\":\"ok2\"}]}\n",
           big);
  put(path, text);
  struct ds_test_readout o;
  read_all(path, &p, &o);
  assert_int_equal(json_array_size(o.records), 2);
  assert_int_equal(o.n_failed, 2);
  assert_string_equal(o.reasons[0], "too_long");
  assert_non_null(strstr(o.failed[0], ":1: "));
  assert_non_null(strstr(o.failed[0], "100 bytes"));
  assert_string_equal(o.reasons[1], "too_deep");
  assert_non_null(strstr(o.failed[1], ":3: "));
  ds_test_readout_release(&o);
  /* the same limits inside a JSON array */
  path = tmp("limits.json");
  snprintf(text, sizeof text, "[%.*s,\n{\"traj\":[{\"role\":\"user\",\"content\":\"x\",\"d\":[[[1]]]}]},\n"
                              "{\"messages\":[{\"role\":\"user\",\"content\":\"ok\"}]}]",
           (int)strlen(big) - 1, big);
  put(path, text);
  p.format = "openai";
  read_all(path, &p, &o);
  assert_int_equal(o.n_failed, 2);
  assert_string_equal(o.reasons[0], "too_long");
  assert_string_equal(o.reasons[1], "too_deep");
  assert_non_null(strstr(o.failed[1], ":2: "));
  assert_int_equal(json_array_size(o.records), 1);
  ds_test_readout_release(&o);
}

static void broken_arrays_are_counted_not_dropped(void **state) {
  (void)state;
  const char *path = tmp("broken.json");
  struct ds_test_readout o;
  /* unterminated array: the good element counts, the truncated one fails */
  put(path, "[{\"traj\":[{\"role\":\"user\",\"content\":\"a\"}]},\n{\"traj\":[{\"role\":\"user\",");
  read_all(path, NULL, &o);
  assert_int_equal(json_array_size(o.records), 1);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "bad_json");
  assert_non_null(strstr(o.failed[0], ":2: "));
  ds_test_readout_release(&o);
  /* trailing garbage, empty element, trailing comma */
  put(path, "[{\"traj\":[{\"role\":\"user\",\"content\":\"a\"}]},,{\"traj\":[{\"role\":\"user\",\"content\":\"b\"}]},] x");
  read_all(path, NULL, &o);
  assert_int_equal(json_array_size(o.records), 2);
  assert_int_equal(o.n_failed, 3);
  assert_non_null(strstr(o.failed[0], "empty array element"));
  assert_non_null(strstr(o.failed[1], "trailing ','"));
  assert_non_null(strstr(o.failed[2], "after the end"));
  ds_test_readout_release(&o);
  /* an empty array is no records at all */
  put(path, " [ ] \n");
  read_all(path, NULL, &o);
  assert_int_equal(json_array_size(o.records), 0);
  assert_int_equal(o.n_failed, 0);
  ds_test_readout_release(&o);
}

/* ---- compressed input --------------------------------------------------------------- */

static const char two_records[] =
    "{\"id\":\"x1\",\"messages\":[{\"role\":\"user\",\"content\":\"compressed one\"}]}\n"
    "{\"id\":\"x2\",\"messages\":[{\"role\":\"user\",\"content\":\"compressed two\"}]}\n";

static void gzip_and_zstd_inputs(void **state) {
  (void)state;
  const char *gz = tmp("in.jsonl.gz");
  gzFile g = gzopen(gz, "wb");
  gzputs(g, two_records);
  gzclose(g);
  const char *zs = tmp("in.jsonl.zst");
  char out[1024];
  size_t n = ZSTD_compress(out, sizeof out, two_records, sizeof two_records - 1, 3);
  assert_false(ZSTD_isError(n));
  put_file(zs, out, n);
  const char *paths[] = {gz, zs};
  for (int i = 0; i < 2; i++) {
    struct ds_test_readout o;
    read_all(paths[i], NULL, &o);
    assert_int_equal(o.n_failed, 0);
    assert_int_equal(json_array_size(o.records), 2);
    assert_string_equal(ds_json_str(json_array_get(o.records, 1), "id", ""), "x2");
    ds_test_readout_release(&o);
  }
}

/* A truncated .zst ends with an error, not with fewer records (a .gz already did). */
static void truncated_compressed_input_is_an_error(void **state) {
  (void)state;
  static char big[200000];
  size_t n = 0;
  for (int i = 0; n + 100 < sizeof big; i++)
    n += (size_t)snprintf(big + n, sizeof big - n, "{\"messages\":[{\"role\":\"user\",\"content\":\"m%d\"}]}\n", i);
  size_t cap = ZSTD_compressBound(n);
  char *z = malloc(cap);
  size_t zn = ZSTD_compress(z, cap, big, n, 3);
  assert_false(ZSTD_isError(zn));
  const char *path = tmp("cut.jsonl.zst");
  put_file(path, z, zn / 2);
  free(z);
  struct ds_reader *r;
  struct ds_err err = {0};
  assert_int_equal(ds_reader_open(path, NULL, &r, &err), DS_OK);
  enum ds_status st;
  json_t *rec;
  struct ds_bad_record bad;
  while ((st = ds_reader_next(r, &rec, &bad, &err)) == DS_OK) json_decref(rec);
  assert_int_equal(st, DS_E_PARSE);
  assert_non_null(strstr(err.msg, "truncated zstd"));
  ds_reader_free(r);
}

/* UTF-16 is refused with what to do; a UTF-8 BOM is skipped in every container. */
static void utf16_refused_and_bom_skipped(void **state) {
  (void)state;
  const char *path = tmp("u16.jsonl");
  put_file(path, "\xff\xfe{\0\"\0m\0", 8);
  struct ds_reader *r;
  struct ds_err err = {0};
  assert_int_equal(ds_reader_open(path, NULL, &r, &err), DS_OK);
  json_t *rec;
  struct ds_bad_record bad;
  assert_int_equal(ds_reader_next(r, &rec, &bad, &err), DS_E_PARSE);
  assert_non_null(strstr(err.msg, "UTF-16"));
  ds_reader_free(r);
  const char *texts[] = {"\xef\xbb\xbf{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n",
                         "\xef\xbb\xbf[{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}]",
                         "\xef\xbb\xbf{\n  \"messages\": [\n    {\"role\": \"user\", \"content\": \"x\"}\n  ]\n}\n"};
  for (int i = 0; i < 3; i++) {
    path = tmp("bom.json");
    put(path, texts[i]);
    struct ds_test_readout o;
    read_all(path, NULL, &o);
    assert_int_equal(o.n_failed, 0);
    assert_int_equal(json_array_size(o.records), 1);
    ds_test_readout_release(&o);
  }
}

/* A pretty-printed document is one item; a JSON Lines file whose first line is broken is
 * still read line by line. */
static void pretty_document_and_broken_first_line(void **state) {
  (void)state;
  const char *path = tmp("doc.json");
  put(path, "{\n  \"id\": \"d1\",\n  \"messages\": [\n    {\"role\": \"user\", \"content\": \"hi\"}\n  ]\n}\n");
  struct ds_test_readout o;
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 0);
  assert_int_equal(json_array_size(o.records), 1);
  assert_string_equal(ds_json_str(json_array_get(o.records, 0), "id", ""), "d1");
  ds_test_readout_release(&o);
  path = tmp("broken1.jsonl");
  put(path, "{\"messages\":[{\"role\":\"user\",\"content\":\"cut\n"
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}\n"
            "{\"messages\":[{\"role\":\"user\",\"content\":\"b\"}]}\n");
  read_all(path, NULL, &o);
  assert_int_equal(o.n_failed, 1);
  assert_string_equal(o.reasons[0], "bad_json");
  assert_non_null(strstr(o.failed[0], "broken1.jsonl:1:"));
  assert_int_equal(json_array_size(o.records), 2);
  ds_test_readout_release(&o);
}

/* A directory is read recursively in natural name order; files no reader takes are listed
 * as ignored, not failed; the input's hash covers the files read. */
static void directory_walk(void **state) {
  (void)state;
  char sub[300];
  snprintf(sub, sizeof sub, "%s/walk/b", dir);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf %s/walk && mkdir -p %s", dir, sub);
  assert_int_equal(system(cmd), 0);
  put(tmp("walk/a10.jsonl"), "{\"messages\":[{\"role\":\"user\",\"content\":\"ten\"}]}\n");
  put(tmp("walk/a9.jsonl"), "{\"messages\":[{\"role\":\"user\",\"content\":\"nine\"}]}\n");
  put(tmp("walk/README.md"), "# notes\nnot a log\n");
  put(tmp("walk/b/c.json"), "[{\"conversations\":[{\"from\":\"human\",\"value\":\"sub\"}]}]");
  struct ds_test_readout o;
  snprintf(sub, sizeof sub, "%s/walk", dir);
  struct ds_reader *r;
  struct ds_err err = {0};
  assert_int_equal(ds_reader_open(sub, NULL, &r, &err), DS_OK);
  json_t *rec;
  struct ds_bad_record bad;
  const char *want[] = {"nine", "ten", "sub"};
  int k = 0;
  while (ds_reader_next(r, &rec, &bad, &err) == DS_OK) {
    assert_non_null(rec);
    assert_true(k < 3);
    json_t *m = json_array_get(json_object_get(rec, "messages"), 0);
    assert_string_equal(ds_json_str(m, "content", ""), want[k++]);
    json_decref(rec);
  }
  assert_int_equal(k, 3);
  const json_t *units = ds_reader_units(r);
  assert_int_equal(json_array_size(units), 4);
  int ignored = 0;
  size_t i;
  const json_t *u;
  json_array_foreach(units, i, u) if (json_object_get(u, "ignored")) {
    ignored++;
    assert_non_null(strstr(ds_json_str(u, "path", ""), "README.md"));
    assert_non_null(strstr(ds_json_str(u, "ignored", ""), "no reader takes"));
  }
  assert_int_equal(ignored, 1);
  assert_int_equal(strlen(ds_reader_sha256(r)), 64);
  ds_reader_free(r);
  (void)o;
}

/* ---- ingest ------------------------------------------------------------------------ */

static void fast_json_matches_jansson(void **state) {
  (void)state;
  static const char *const docs[] = {
      "{}", "[]", "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
      " { \"x\" : -0 , \"y\" : 1.5e3 , \"z\" : -12.25E-2, \"w\": 0.1 } ",
      "{\"s\":\"tab\\there \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r \\u00e9 \\u20ac \\ud83d\\ude00 caf\xc3\xa9\"}",
      "{\"dup\":1,\"dup\":2}", "[9223372036854775807]", "[123456789012345678]", "[1e308]",
      "{\"\\u00e9k\\\"ey\":\"v\"}", "[\"\x7f\"]", "[[[[[[[[[[[[1]]]]]]]]]]]]",
      "{\"long\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
      /* invalid: the fast path must give up on all of these */
      "{\"a\":01}", "[1,]", "{\"a\" 1}", "[\"\\ud800\"]", "[\"\\u0000\"]", "[\"a\nb\"]", "[1e999]",
      "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]", "{\"a\":1} x", "\"bare\"", "[tru]", "[-]", "[1.]", "[.5]",
      "[99999999999999999999]", "[\"\\x\"]",
  };
  struct ds_buf scratch, out;
  ds_buf_init(&scratch, 0);
  ds_buf_init(&out, 0);
  for (size_t i = 0; i < DS_ARRAY_LEN(docs); i++) {
    const char *d = docs[i];
    json_error_t je;
    json_t *ref = json_loadb(d, strlen(d), 0, &je);
    json_t *fast = ds_json_parse_fast(d, strlen(d), 64, false, &scratch);
    if (fast) {
      if (!ref || !json_equal(ref, fast)) {
        fprintf(stderr, "fast parser disagrees on %s\n", d);
        fail();
      }
      char *want = json_dumps(ref, JSON_COMPACT);
      ds_buf_reset(&out);
      assert_int_equal(ds_json_write_compact(fast, &out), DS_OK);
      assert_string_equal(out.data, want);
      ds_free(want);
    }
    if (i < 13 && i != 6) assert_non_null(fast); /* valid ones take the fast path (19-digit ints excepted) */
    /* the walk copies any one value without building it: the same text where it accepts,
     * and it accepts the valid ones except a repeated key (rejected), an escaped key and a
     * 19-digit integer; a bare string is a value too */
    ds_buf_reset(&out);
    bool copied = ds_json_copy((struct ds_str){d, strlen(d)}, 0, &out, &scratch);
    json_t *any = json_loadb(d, strlen(d), JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (copied) {
      if (!any) fail_msg("the walk accepted %s", d);
      char *want = json_dumps(any, JSON_COMPACT | JSON_ENCODE_ANY);
      assert_non_null(want);
      assert_string_equal(out.data, want);
      ds_free(want);
    }
    assert_int_equal(copied, (i < 13 && i != 5 && i != 6 && i != 9) || strcmp(d, "\"bare\"") == 0);
    json_decref(any);
    json_decref(ref);
    json_decref(fast);
  }
  /* writer escapes exactly like jansson */
  json_t *v = json_pack("{s:s, s:[f, i, I]}", "k\x01", "ctl \x1f \x7f \"\\/\n", "n", 0.1, -5, (json_int_t)-9223372036854775807LL);
  char *want = json_dumps(v, JSON_COMPACT);
  ds_buf_reset(&out);
  assert_int_equal(ds_json_write_compact(v, &out), DS_OK);
  assert_string_equal(out.data, want);
  ds_free(want);
  json_decref(v);
  ds_buf_release(&scratch);
  ds_buf_release(&out);
}

/* ---- sample ------------------------------------------------------------------------ */

static void write_corpus(const char *path, int n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (int i = 0; i < n; i++)
    fprintf(f,
            "{\"id\":\"r%d\",\"time\":\"2026-03-%02dT00:00:00Z\",\"consent\":true,\"segment\":{\"product\":\"%s\"},"
            "\"messages\":[{\"role\":\"user\",\"content\":\"m%d\"}]}\n",
            i, 1 + i % 20, i % 10 == 0 ? "agent" : "chat", i);
  fclose(f);
}

static void sample_is_reproducible_and_weighted(void **state) {
  (void)state;
  const char *corpus = tmp("pop.jsonl");
  write_corpus(corpus, 1000);
  struct ds_sample_params p;
  ds_sample_default_params(&p);
  p.input = corpus;
  p.output = tmp("s1.jsonl");
  p.n = 50;
  p.seed = 42;
  struct ds_sample_summary s;
  struct ds_err err = {0};
  assert_int_equal(ds_sample_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_sampled, 50);
  assert_int_equal(s.n_population, 1000);
  char sha1[65];
  memcpy(sha1, s.sample_sha256, 65);
  ds_sample_summary_release(&s);
  char *a = slurp(p.output);
  p.output = tmp("s2.jsonl");
  assert_int_equal(ds_sample_run(&p, &s, &err), DS_OK);
  assert_string_equal(s.sample_sha256, sha1);
  ds_sample_summary_release(&s);
  char *b = slurp(p.output);
  assert_string_equal(a, b);
  ds_free(b);
  p.seed = 43;
  p.output = tmp("s3.jsonl");
  assert_int_equal(ds_sample_run(&p, &s, &err), DS_OK);
  ds_sample_summary_release(&s);
  b = slurp(p.output);
  assert_string_not_equal(a, b);
  ds_free(a);
  ds_free(b);

  /* equal allocation over a 10%/90% split: weights are population share / sample share */
  p.stratify = "segment.product";
  p.allocation = DS_ALLOCATION_EQUAL;
  p.n = 40;
  p.output = tmp("s4.jsonl");
  assert_int_equal(ds_sample_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_strata, 2);
  assert_string_equal(s.strata[0].value, "agent");
  assert_int_equal(s.strata[0].sampled, 20);
  assert_int_equal(s.strata[1].sampled, 20);
  assert_float_equal(s.strata[0].weight, 0.1 / 0.5, 1e-9);
  assert_float_equal(s.strata[1].weight, 0.9 / 0.5, 1e-9);
  ds_sample_summary_release(&s);
  FILE *f = fopen(p.output, "rb");
  char line[1024];
  int agents = 0, n = 0;
  while (fgets(line, sizeof line, f)) {
    json_t *r = json_loads(line, 0, NULL);
    assert_non_null(r);
    bool agent = strcmp(json_string_value(corpus_get_path(r, "segment.product")), "agent") == 0;
    agents += agent;
    assert_float_equal(json_real_value(json_object_get(r, "weight")), agent ? 0.2 : 1.8, 1e-9);
    json_decref(r);
    n++;
  }
  fclose(f);
  assert_int_equal(n, 40);
  assert_int_equal(agents, 20);

  /* proportional allocation with a time window */
  p.allocation = DS_ALLOCATION_PROPORTIONAL;
  p.has_since = p.has_until = true;
  assert_int_equal(ds_parse_time("2026-03-01", &p.since), DS_OK);
  assert_int_equal(ds_parse_time("2026-03-11", &p.until), DS_OK);
  p.n = 100;
  assert_int_equal(ds_sample_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_population, 500);
  assert_int_equal(s.n_out_of_window, 500);
  assert_int_equal(s.n_sampled, 100);
  assert_int_equal(s.strata[0].sampled, 10);
  assert_int_equal(s.strata[1].sampled, 90);
  ds_sample_summary_release(&s);
  /* asking for more than there is takes everything */
  p.has_since = p.has_until = false;
  p.stratify = NULL;
  p.n = 5000;
  assert_int_equal(ds_sample_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_sampled, 1000);
  ds_sample_summary_release(&s);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds_test_corpus_XXXXXX");
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(openai_tool_calls_are_flattened),
      cmocka_unit_test(sharegpt_speakers_map_to_roles),
      cmocka_unit_test(traj_array_streams_with_line_numbers),
      cmocka_unit_test(wildchat_maps_id_time_segment),
      cmocka_unit_test(format_override_and_detection_failure),
      cmocka_unit_test(each_error_kind_is_reported_with_file_and_line),
      cmocka_unit_test(limits_on_size_and_depth),
      cmocka_unit_test(broken_arrays_are_counted_not_dropped),
      cmocka_unit_test(gzip_and_zstd_inputs),
      cmocka_unit_test(truncated_compressed_input_is_an_error),
      cmocka_unit_test(utf16_refused_and_bom_skipped),
      cmocka_unit_test(pretty_document_and_broken_first_line),
      cmocka_unit_test(directory_walk),
      cmocka_unit_test(fast_json_matches_jansson),
      cmocka_unit_test(sample_is_reproducible_and_weighted),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
