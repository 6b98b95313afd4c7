/* test_backend_file.c: the file backend (our JSONL and OpenAI Batch output, plain and gzip),
 * backend dispatch, the blocking call, spec parsing and the canonical <-> wire conversions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "backend/backend_ops.h"
#include "tmpdir.h"

static char dir[] = "/tmp/ds-test-backend-file.XXXXXX";

static struct ds_backend *open_file(const char *path, struct ds_err *err, enum ds_status want) {
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  char spec[600];
  snprintf(spec, sizeof spec, "file:%s", path);
  p.spec = spec;
  struct ds_backend *b = NULL;
  assert_int_equal(ds_backend_open(&p, &b, err), want);
  return b;
}

struct got {
  struct ds_result r[16];
  int n;
};

static void collect(void *ud, struct ds_result *res) {
  struct got *g = ud;
  assert_true(g->n < 16);
  assert_non_null(res->key);
  ds_result_move(&g->r[g->n++], res);
}

static void release_all(struct got *g) {
  for (int i = 0; i < g->n; i++) ds_result_release(&g->r[i]);
  g->n = 0;
}

static void submit(struct ds_backend *b, uint64_t id, const char *key, unsigned k) {
  struct ds_request rq;
  ds_request_init(&rq);
  rq.id = id;
  rq.key = key;
  rq.k = k;
  struct ds_err err = {0};
  assert_int_equal(ds_backend_submit(b, &rq, &err), DS_OK);
}

static const struct ds_result *by_id(const struct got *g, uint64_t id) {
  for (int i = 0; i < g->n; i++)
    if (g->r[i].id == id) return &g->r[i];
  fail_msg("no result for request %llu", (unsigned long long)id);
  return NULL;
}

static void ours_lookup_by_key_and_k(void **state) {
  (void)state;
  const char *path = ds_test_write(dir, "ours.jsonl",
      "{\"id\":\"c1#3\",\"content\":\"hello\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n"
      "\n"
      "{\"id\":\"c1#3\",\"k\":1,\"content\":null,\"reasoning\":\"think\",\"tool_calls\":[{\"id\":\"t1\",\"name\":\"shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}]}\n"
      "{\"id\":\"c2#1\",\"k\":0,\"error\":\"generation failed upstream\"}\n");
  struct ds_err err = {0};
  struct ds_backend *b = open_file(path, &err, DS_OK);
  assert_string_equal(ds_backend_describe(b), strstr(ds_backend_describe(b), "file:"));
  submit(b, 1, "c1#3", 0);
  submit(b, 2, "c1#3", 1);
  submit(b, 3, "c1#3", 2); /* absent */
  submit(b, 4, "c2#1", 0); /* recorded error */
  submit(b, 5, "zz#9", 0); /* absent */
  assert_int_equal(ds_backend_in_flight(b), 5);
  struct got g = {0};
  assert_int_equal(ds_backend_poll(b, 0, collect, &g, &err), DS_OK);
  assert_int_equal(g.n, 5);
  assert_int_equal(ds_backend_in_flight(b), 0);
  const struct ds_result *r = by_id(&g, 1);
  assert_int_equal(r->status, DS_OK);
  assert_string_equal(r->content, "hello");
  assert_string_equal(r->finish_reason, "stop");
  assert_int_equal(r->prompt_tokens, 7);
  assert_int_equal(r->completion_tokens, 2);
  assert_null(r->reasoning);
  r = by_id(&g, 2);
  assert_int_equal(r->status, DS_OK);
  assert_string_equal(r->content, "");
  assert_string_equal(r->reasoning, "think");
  assert_string_equal(r->finish_reason, "tool_calls");
  assert_int_equal(json_array_size(r->tool_calls), 1);
  assert_string_equal(ds_json_str(json_array_get(r->tool_calls, 0), "name", ""), "shell");
  assert_string_equal(ds_json_str(json_array_get(r->tool_calls, 0), "arguments", ""), "{\"cmd\":\"ls\"}");
  r = by_id(&g, 3);
  assert_int_equal(r->status, DS_E_NOTFOUND);
  assert_null(r->content);
  assert_non_null(strstr(r->error, "c1#3"));
  assert_non_null(strstr(r->error, "k=2"));
  r = by_id(&g, 4);
  assert_int_equal(r->status, DS_E_BACKEND);
  assert_non_null(strstr(r->error, "generation failed upstream"));
  assert_null(r->content);
  assert_int_equal(by_id(&g, 5)->status, DS_E_NOTFOUND);
  release_all(&g);
  /* the same request can be served again (resume) */
  submit(b, 6, "c1#3", 0);
  assert_int_equal(ds_backend_poll(b, 0, collect, &g, &err), DS_OK);
  assert_string_equal(by_id(&g, 6)->content, "hello");
  release_all(&g);
  ds_backend_close(b);
}

static const char *batch_text =
    "{\"id\":\"batch_req_1\",\"custom_id\":\"c1#3\",\"response\":{\"status_code\":200,\"body\":{\"object\":\"chat.completion\","
    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi there\"},\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3}}},\"error\":null}\n"
    "{\"custom_id\":\"c1#3#1\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"role\":\"assistant\","
    "\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"{}\"}}]},"
    "\"finish_reason\":\"tool_calls\"}]}}}\n"
    "{\"custom_id\":\"c2#5\",\"response\":{\"status_code\":429,\"body\":{\"error\":{\"message\":\"Rate limit reached\"}}}}\n"
    "{\"custom_id\":\"c3#1\",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":\"not completed in time\"}}\n"
    "{\"custom_id\":\"c4#1\",\"response\":{\"status_code\":200,\"body\":{\"object\":\"chat.completion\"}}}\n";

static void batch_output(void **state) {
  (void)state;
  const char *path = ds_test_write(dir, "batch.jsonl", batch_text);
  struct ds_err err = {0};
  struct ds_backend *b = open_file(path, &err, DS_OK);
  submit(b, 1, "c1#3", 0);
  submit(b, 2, "c1#3", 1);
  submit(b, 3, "c2#5", 0);
  submit(b, 4, "c3#1", 0);
  submit(b, 5, "c4#1", 0);
  submit(b, 6, "c1#3", 2);
  struct got g = {0};
  assert_int_equal(ds_backend_poll(b, 0, collect, &g, &err), DS_OK);
  assert_int_equal(g.n, 6);
  const struct ds_result *r = by_id(&g, 1);
  assert_int_equal(r->status, DS_OK);
  assert_string_equal(r->content, "hi there");
  assert_int_equal(r->prompt_tokens, 11);
  r = by_id(&g, 2);
  assert_int_equal(r->status, DS_OK);
  assert_string_equal(r->content, "");
  /* wire-form tool calls come back flattened */
  const json_t *tc = json_array_get(r->tool_calls, 0);
  assert_string_equal(ds_json_str(tc, "id", ""), "call_1");
  assert_string_equal(ds_json_str(tc, "name", ""), "read");
  assert_null(json_object_get(tc, "function"));
  r = by_id(&g, 3);
  assert_int_equal(r->status, DS_E_BACKEND);
  assert_non_null(strstr(r->error, "HTTP 429"));
  assert_non_null(strstr(r->error, "Rate limit reached"));
  r = by_id(&g, 4);
  assert_int_equal(r->status, DS_E_BACKEND);
  assert_non_null(strstr(r->error, "batch_expired"));
  r = by_id(&g, 5);
  assert_int_equal(r->status, DS_E_PARSE);
  assert_non_null(strstr(r->error, "no choices"));
  assert_non_null(strstr(r->error, ":5:"));
  assert_int_equal(by_id(&g, 6)->status, DS_E_NOTFOUND);
  release_all(&g);
  ds_backend_close(b);
}

static void gzip_input(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/batch.jsonl.gz", dir);
  gzFile z = gzopen(path, "wb");
  assert_non_null(z);
  gzputs(z, batch_text);
  gzclose(z);
  struct ds_err err = {0};
  struct ds_backend *b = open_file(path, &err, DS_OK);
  struct ds_request rq;
  ds_request_init(&rq);
  rq.id = 42;
  rq.key = "c1#3";
  struct ds_result out;
  assert_int_equal(ds_backend_call(b, &rq, &out, &err), DS_OK);
  assert_int_equal(out.id, 42);
  assert_int_equal(out.status, DS_OK);
  assert_string_equal(out.content, "hi there");
  assert_string_equal(out.key, "c1#3");
  ds_result_release(&out);
  ds_backend_close(b);
}

static void duplicates_and_bad_lines_fail_at_open(void **state) {
  (void)state;
  struct ds_err err = {0};
  const char *path = ds_test_write(dir, "dup.jsonl", "{\"id\":\"a#1\",\"content\":\"x\"}\n{\"id\":\"b#1\",\"content\":\"y\"}\n"
                                            "{\"id\":\"a#1\",\"k\":0,\"content\":\"z\"}\n");
  assert_null(open_file(path, &err, DS_E_INVALID));
  assert_non_null(strstr(err.msg, "dup.jsonl:3"));
  assert_non_null(strstr(err.msg, "duplicate"));
  assert_non_null(strstr(err.msg, "line 1"));
  /* the batch id "a#1#0" and our (a#1, 0) are the same request */
  path = ds_test_write(dir, "dup2.jsonl", "{\"id\":\"a#1\",\"content\":\"x\"}\n"
                                 "{\"custom_id\":\"a#1#0\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[]}}}\n");
  assert_null(open_file(path, &err, DS_E_INVALID));
  assert_non_null(strstr(err.msg, "dup2.jsonl:2"));
  path = ds_test_write(dir, "dup3.jsonl", "{\"custom_id\":\"a#1\",\"error\":\"e\"}\n{\"custom_id\":\"a#1#0\",\"error\":\"e\"}\n");
  assert_null(open_file(path, &err, DS_E_INVALID));
  assert_non_null(strstr(err.msg, "dup3.jsonl:2"));
  path = ds_test_write(dir, "bad.jsonl", "{\"id\":\"a#1\",\"content\":\"x\"}\n{\"id\":\"a#2\",\"content\":\n");
  assert_null(open_file(path, &err, DS_E_PARSE));
  assert_non_null(strstr(err.msg, "bad.jsonl:2"));
  path = ds_test_write(dir, "noid.jsonl", "{\"content\":\"x\"}\n");
  assert_null(open_file(path, &err, DS_E_INVALID));
  assert_non_null(strstr(err.msg, "noid.jsonl:1"));
  path = ds_test_write(dir, "empty.jsonl", "{\"id\":\"a#1\"}\n");
  assert_null(open_file(path, &err, DS_E_INVALID));
  assert_non_null(strstr(err.msg, "empty.jsonl:1"));
  path = ds_test_write(dir, "badk.jsonl", "{\"id\":\"a#1\",\"k\":\"1\",\"content\":\"x\"}\n");
  assert_null(open_file(path, &err, DS_E_INVALID));
  assert_non_null(strstr(err.msg, "\"k\""));
  char missing[600];
  snprintf(missing, sizeof missing, "%s/does-not-exist.jsonl", dir);
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  char spec[700];
  snprintf(spec, sizeof spec, "file:%s", missing);
  p.spec = spec;
  struct ds_backend *b = NULL;
  assert_int_not_equal(ds_backend_open(&p, &b, &err), DS_OK);
  assert_null(b);
  assert_non_null(strstr(err.msg, "does-not-exist.jsonl"));
}

static void capacity_limits_submit(void **state) {
  (void)state;
  const char *path = ds_test_write(dir, "cap.jsonl", "{\"id\":\"a#1\",\"content\":\"x\"}\n");
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  char spec[600];
  snprintf(spec, sizeof spec, "file:%s", path);
  p.spec = spec;
  p.max_in_flight = 2;
  struct ds_backend *b = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_OK);
  assert_int_equal(ds_backend_capacity(b), 2);
  submit(b, 1, "a#1", 0);
  submit(b, 2, "a#1", 0);
  struct ds_request rq;
  ds_request_init(&rq);
  rq.key = "a#1";
  assert_int_equal(ds_backend_submit(b, &rq, &err), DS_E_LIMIT);
  struct ds_result out;
  assert_int_equal(ds_backend_call(b, &rq, &out, &err), DS_E_INVALID); /* not idle */
  struct got g = {0};
  assert_int_equal(ds_backend_poll(b, 0, collect, &g, &err), DS_OK);
  assert_int_equal(g.n, 2);
  release_all(&g);
  json_t *none = json_array();
  unsigned ntok = 0;
  assert_int_equal(ds_backend_count_tokens(b, none, NULL, &ntok, &err), DS_E_UNSUPPORTED);
  json_decref(none);
  assert_int_equal(ds_backend_context_length(b), 0);
  ds_backend_close(b);
}

static void open_dispatch(void **state) {
  (void)state;
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  assert_true(p.max_in_flight > 0 && p.max_attempts > 0 && p.timeout_s > 0);
  struct ds_backend *b = NULL;
  struct ds_err err = {0};
  p.spec = "nonsense";
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_E_INVALID);
  p.spec = "vllm:http://x";
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "vllm"));
  p.spec = "llama:/nonexistent/model.gguf";
  enum ds_status st = ds_backend_open(&p, &b, &err);
  assert_int_not_equal(st, DS_OK);
  assert_null(b);
  if (atoi(getenv("DS_WITH_LLAMA") ? getenv("DS_WITH_LLAMA") : "0") == 0) {
    assert_int_equal(st, DS_E_UNSUPPORTED);
    assert_string_equal(err.msg, "depsim was built without llama.cpp");
  }
}

static void spec_params(void **state) {
  (void)state;
  const char *rest = "http://h1:8080/v1?model=Qwen%2FQwen2.5+7B&endpoint=http://h2/v1&endpoint=http%3A%2F%2Fh3%2Fv1&flag";
  char *v = backend_spec_param(rest, "model", 0);
  assert_string_equal(v, "Qwen/Qwen2.5+7B");
  ds_free(v);
  v = backend_spec_param(rest, "endpoint", 0);
  assert_string_equal(v, "http://h2/v1");
  ds_free(v);
  v = backend_spec_param(rest, "endpoint", 1);
  assert_string_equal(v, "http://h3/v1");
  ds_free(v);
  assert_null(backend_spec_param(rest, "endpoint", 2));
  v = backend_spec_param(rest, "flag", 0);
  assert_string_equal(v, "");
  ds_free(v);
  assert_null(backend_spec_param(rest, "mod", 0));
  assert_null(backend_spec_param("path/only", "model", 0));
  v = backend_spec_path(rest);
  assert_string_equal(v, "http://h1:8080/v1");
  ds_free(v);
  v = backend_spec_path("dir%20x/f.jsonl?x=%zz");
  assert_string_equal(v, "dir x/f.jsonl");
  ds_free(v);
  v = backend_spec_param("p?x=%zz%4", "x", 0);
  assert_string_equal(v, "%zz%4");
  ds_free(v);
}

static void wire_conversions(void **state) {
  (void)state;
  json_t *msgs = json_loads("[{\"role\":\"user\",\"content\":\"ls\"},{\"role\":\"assistant\",\"content\":\"\","
                            "\"tool_calls\":[{\"id\":\"t1\",\"name\":\"shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}]},"
                            "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"a b\"},"
                            "{\"role\":\"assistant\",\"content\":\"done\",\"tool_calls\":[]}]",
                            0, NULL);
  assert_non_null(msgs);
  json_t *w = chat_messages_to_wire(msgs);
  assert_non_null(w);
  const json_t *tc = json_array_get(json_object_get(json_array_get(w, 1), "tool_calls"), 0);
  assert_string_equal(ds_json_str(tc, "type", ""), "function");
  assert_string_equal(ds_json_str(tc, "id", ""), "t1");
  assert_string_equal(ds_json_str(json_object_get(tc, "function"), "name", ""), "shell");
  assert_string_equal(ds_json_str(json_object_get(tc, "function"), "arguments", ""), "{\"cmd\":\"ls\"}");
  assert_null(json_object_get(json_array_get(w, 3), "tool_calls"));
  /* the caller's messages are untouched */
  assert_non_null(json_object_get(json_array_get(json_object_get(json_array_get(msgs, 1), "tool_calls"), 0), "name"));
  json_t *flat = chat_tool_calls_flatten(json_object_get(json_array_get(w, 1), "tool_calls"));
  assert_true(json_equal(flat, json_object_get(json_array_get(msgs, 1), "tool_calls")));
  json_decref(flat);
  json_decref(w);
  json_decref(msgs);
  /* arguments sent as an object become a JSON string */
  json_t *obj = json_loads("[{\"id\":\"x\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]", 0, NULL);
  flat = chat_tool_calls_flatten(obj);
  assert_string_equal(ds_json_str(json_array_get(flat, 0), "arguments", ""), "{\"a\":1}");
  json_decref(flat);
  json_decref(obj);
}

/* every allocation failing in turn (curl's torture mode): an error or a result, no crash,
 * no leak (ASan build) */
static void survives_allocation_failures(void **state) {
  (void)state;
  const char *path = ds_test_write(dir, "torture.jsonl", batch_text);
  int opened = 0;
  for (uint64_t n = 1; n < 400; n++) {
    struct ds_backend_params p;
    ds_backend_default_params(&p);
    char spec[600];
    snprintf(spec, sizeof spec, "file:%s", path);
    p.spec = spec;
    struct ds_backend *b = NULL;
    struct ds_err err = {0};
    ds_alloc_fail_at(n);
    enum ds_status st = ds_backend_open(&p, &b, &err);
    if (st == DS_OK) {
      opened++;
      struct ds_request rq;
      ds_request_init(&rq);
      rq.key = "c1#3";
      rq.k = 1;
      struct got g = {0};
      if (ds_backend_submit(b, &rq, &err) == DS_OK) ds_backend_poll(b, 0, collect, &g, &err);
      release_all(&g);
      ds_backend_close(b);
    } else {
      assert_null(b);
    }
    ds_alloc_fail_at(0);
  }
  assert_true(opened > 0);
}

static int setup(void **state) {
  (void)state;
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ours_lookup_by_key_and_k),
      cmocka_unit_test(batch_output),
      cmocka_unit_test(gzip_input),
      cmocka_unit_test(duplicates_and_bad_lines_fail_at_open),
      cmocka_unit_test(capacity_limits_submit),
      cmocka_unit_test(open_dispatch),
      cmocka_unit_test(spec_params),
      cmocka_unit_test(wire_conversions),
      cmocka_unit_test(survives_allocation_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
