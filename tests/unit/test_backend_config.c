/* test_backend_config.c: "config:FILE#NAME" specs: each block type resolved to its equivalent
 * spec (relative paths from the config file's directory, values encoded), opened through
 * ds_backend_open, and every error naming the file and what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend_ops.h"
#include "tmpdir.h"

static char dir[] = "/tmp/ds-test-backend-config.XXXXXX";

static char *last; /* the spec resolve() returned last */

/* Resolves config:FILE#NAME; returns the spec (freed by the next call) or NULL with err set. */
static const char *resolve(const char *file, const char *name, enum ds_status want, struct ds_err *err) {
  ds_free(last);
  last = NULL;
  char ref[600];
  snprintf(ref, sizeof ref, "%s%s%s", file, name ? "#" : "", name ? name : "");
  memset(err, 0, sizeof *err);
  enum ds_status st = backend_config_resolve(ref, &last, err);
  if (st != want) fail_msg("config:%s: got %s (%s), want %s", ref, ds_status_name(st), err->msg, ds_status_name(want));
  if (st) assert_null(last);
  return last;
}

/* err's message holds each of the NULL-terminated fragments */
static void assert_msg(const struct ds_err *err, ...) {
  va_list ap;
  va_start(ap, err);
  for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
    if (!strstr(err->msg, s)) fail_msg("message \"%s\" lacks \"%s\"", err->msg, s);
  va_end(ap);
}

static const char backends_yaml[] =
    "# a comment\n"
    "backends:\n"
    "  served:\n"
    "    type: file\n"
    "    path: completions.jsonl\n"
    "  absolute:\n"
    "    type: file\n"
    "    path: /data/odd%name?.jsonl\n"
    "  local:\n"
    "    type: openai\n"
    "    url: http://127.0.0.1:8080/v1\n"
    "    model: local\n"
    "    max_in_flight: 16\n"
    "  vllm:\n"
    "    type: openai\n"
    "    endpoints: [http://gpu1:8000/v1, http://gpu2:8000/v1/]\n"
    "    model: Qwen/Qwen2.5-7B-Instruct&x\n"
    "    max_in_flight: 256\n"
    "    timeout_s: 900\n"
    "    attempt_timeout_s: 120.5\n"
    "    max_attempts: 8\n"
    "    backoff_base_s: 0.25\n"
    "    backoff_max_s: 60\n"
    "  vendor:\n"
    "    type: openai\n"
    "    url: https://api.openai.com/v1\n"
    "    model: gpt-4o-mini\n"
    "    key_env: DS_TEST_CONFIG_KEY\n"
    "    timeout: 30\n"      /* the spec's own names are accepted too */
    "    backoff: 1\n"
    "  gguf:\n"
    "    type: llama\n"
    "    model: models/tiny.gguf\n"
    "    ctx: 4096\n"
    "    parallel: 8\n"
    "    threads: 2\n"
    "    contexts: 2\n"
    "    flash_attn: false\n"
    "  gguf_abs:\n"
    "    type: llama\n"
    "    model: /m/x.gguf\n"
    "    contexts: auto\n"
    "    flash_attn: auto\n";

static void resolves_each_type(void **state) {
  (void)state;
  char file[512];
  snprintf(file, sizeof file, "%s", ds_test_write(dir, "backends.yaml", backends_yaml));
  struct ds_err err;
  char want[1024];

  snprintf(want, sizeof want, "file:%s/completions.jsonl", dir);
  assert_string_equal(resolve(file, "served", DS_OK, &err), want);
  assert_string_equal(resolve(file, "absolute", DS_OK, &err), "file:/data/odd%25name%3F.jsonl");

  assert_string_equal(resolve(file, "local", DS_OK, &err), "openai:http://127.0.0.1:8080/v1?model=local&max_in_flight=16");
  assert_string_equal(resolve(file, "vllm", DS_OK, &err),
                      "openai:http://gpu1:8000/v1?endpoint=http://gpu2:8000/v1/&model=Qwen/Qwen2.5-7B-Instruct%26x"
                      "&max_in_flight=256&timeout=900&attempt_timeout=120.5&max_attempts=8&backoff=0.25&backoff_max=60");
  assert_string_equal(resolve(file, "vendor", DS_OK, &err),
                      "openai:https://api.openai.com/v1?model=gpt-4o-mini&key_env=DS_TEST_CONFIG_KEY&timeout=30&backoff=1");

  snprintf(want, sizeof want, "llama:%s/models/tiny.gguf?ctx=4096&parallel=8&threads=2&contexts=2&flash_attn=off", dir);
  assert_string_equal(resolve(file, "gguf", DS_OK, &err), want);
  assert_string_equal(resolve(file, "gguf_abs", DS_OK, &err), "llama:/m/x.gguf?contexts=auto&flash_attn=auto");

  /* the resolved query reads back through the spec parser the backends use */
  const char *spec = resolve(file, "vllm", DS_OK, &err);
  char *v = backend_spec_param(spec + strlen("openai:"), "model", 0);
  assert_string_equal(v, "Qwen/Qwen2.5-7B-Instruct&x");
  ds_free(v);
  v = backend_spec_path(resolve(file, "absolute", DS_OK, &err) + strlen("file:"));
  assert_string_equal(v, "/data/odd%name?.jsonl");
  ds_free(v);

  /* a JSON file works the same, and a file named without a directory keeps paths as they are */
  snprintf(file, sizeof file, "%s",
           ds_test_write(dir, "backends.json", "{\"backends\": {\"c\": {\"type\": \"file\", \"path\": \"out/c.jsonl\"}}}"));
  snprintf(want, sizeof want, "file:%s/out/c.jsonl", dir);
  assert_string_equal(resolve(file, "c", DS_OK, &err), want);
  assert_int_equal(chdir(dir), 0);
  assert_string_equal(resolve("backends.json", "c", DS_OK, &err), "file:out/c.jsonl");
}

static void opens_through_the_spec_path(void **state) {
  (void)state;
  ds_test_write(dir, "completions.jsonl", "{\"id\":\"c1#3\",\"content\":\"from the config\"}\n");
  char file[512], spec[600];
  snprintf(file, sizeof file, "%s",
           ds_test_write(dir, "open.yaml",
                     "backends:\n"
                     "  cand: {type: file, path: completions.jsonl}\n"
                     "  api: {type: openai, url: 'http://127.0.0.1:9/v1', model: m, key_env: DS_TEST_CONFIG_KEY}\n"
                     "  slow: {type: openai, url: 'http://127.0.0.1:9/v1', timeout_s: -1}\n"
                     "  noscheme: {type: openai, url: '127.0.0.1:9/v1'}\n"
                     "  gguf: {type: llama, model: missing.gguf}\n"));
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  struct ds_backend *b = NULL;
  struct ds_err err = {0};

  snprintf(spec, sizeof spec, "config:%s#cand", file);
  p.spec = spec;
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_OK);
  assert_non_null(strstr(ds_backend_describe(b), "file:"));
  struct ds_request rq;
  ds_request_init(&rq);
  rq.key = "c1#3";
  struct ds_result res;
  assert_int_equal(ds_backend_call(b, &rq, &res, &err), DS_OK);
  assert_int_equal(res.status, DS_OK);
  assert_string_equal(res.content, "from the config");
  ds_result_release(&res);
  ds_backend_close(b);

  /* key_env names the variable; describe() shows its name, never the value */
  setenv("DS_TEST_CONFIG_KEY", "sk-secret-value", 1);
  snprintf(spec, sizeof spec, "config:%s#api", file);
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_OK);
  assert_string_equal(ds_backend_describe(b), "openai:http://127.0.0.1:9/v1?model=m&key_env=DS_TEST_CONFIG_KEY");
  ds_backend_close(b);
  unsetenv("DS_TEST_CONFIG_KEY");

  /* what the backend itself refuses comes back naming the config block */
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_E_INVALID);
  assert_null(b);
  assert_msg(&err, "config:", "open.yaml#api: ", "DS_TEST_CONFIG_KEY", "not set", NULL);
  snprintf(spec, sizeof spec, "config:%s#slow", file);
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_E_INVALID);
  assert_msg(&err, "open.yaml#slow: ", "timeout=-1 is not a number", NULL);
  snprintf(spec, sizeof spec, "config:%s#noscheme", file);
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_E_INVALID);
  assert_msg(&err, "open.yaml#noscheme: ", "not an http:// or https:// URL", NULL);
  /* built with llama.cpp: the missing model; without: unsupported. Either way named. */
  snprintf(spec, sizeof spec, "config:%s#gguf", file);
  assert_int_not_equal(ds_backend_open(&p, &b, &err), DS_OK);
  assert_null(b);
  assert_msg(&err, "open.yaml#gguf: ", NULL);
  /* and a config: error before the backend is reached */
  snprintf(spec, sizeof spec, "config:%s#nope", file);
  assert_int_equal(ds_backend_open(&p, &b, &err), DS_E_NOTFOUND);
  assert_msg(&err, "open.yaml: no backend 'nope'", "(defined: cand, api, slow, noscheme, gguf)", NULL);
}

static void file_errors(void **state) {
  (void)state;
  struct ds_err err;
  char file[512];

  snprintf(file, sizeof file, "%s/absent.yaml", dir);
  resolve(file, "x", DS_E_IO, &err);
  assert_msg(&err, "absent.yaml", "cannot open", NULL);

  resolve("", "x", DS_E_INVALID, &err);
  assert_msg(&err, "no file", "config:FILE#NAME", NULL);

  snprintf(file, sizeof file, "%s", ds_test_write(dir, "broken.yaml", "backends:\n  a: [unclosed\n"));
  resolve(file, "a", DS_E_PARSE, &err);
  assert_msg(&err, "broken.yaml", NULL);

  snprintf(file, sizeof file, "%s", ds_test_write(dir, "none.yaml", "candidates:\n  a: {type: file, path: x}\n"));
  resolve(file, "a", DS_E_INVALID, &err);
  assert_msg(&err, "none.yaml: no 'backends:' mapping", NULL);
  snprintf(file, sizeof file, "%s", ds_test_write(dir, "list.yaml", "backends:\n  - {type: file, path: x}\n"));
  resolve(file, "a", DS_E_INVALID, &err);
  assert_msg(&err, "list.yaml: no 'backends:' mapping", NULL);
  snprintf(file, sizeof file, "%s", ds_test_write(dir, "scalar.yaml", "just text\n"));
  resolve(file, "a", DS_E_INVALID, &err);
  assert_msg(&err, "scalar.yaml: no 'backends:' mapping", NULL);

  snprintf(file, sizeof file, "%s",
           ds_test_write(dir, "names.yaml", "backends:\n  alpha: {type: file, path: a}\n  beta: {type: file, path: b}\n"));
  resolve(file, "gamma", DS_E_NOTFOUND, &err);
  assert_msg(&err, "names.yaml: no backend 'gamma'", "(defined: alpha, beta)", NULL);
  resolve(file, NULL, DS_E_INVALID, &err);
  assert_msg(&err, "names.yaml#NAME", "(defined: alpha, beta)", NULL);
  resolve(file, "", DS_E_INVALID, &err);
  assert_msg(&err, "(defined: alpha, beta)", NULL);
  snprintf(file, sizeof file, "%s", ds_test_write(dir, "empty.yaml", "backends: {}\n"));
  resolve(file, "a", DS_E_NOTFOUND, &err);
  assert_msg(&err, "(defined: none)", NULL);
}

static const char bad_blocks[] =
    "backends:\n"
    "  scalar: file:x.jsonl\n"
    "  notype: {path: x}\n"
    "  numtype: {type: 3, path: x}\n"
    "  vllm: {type: vllm, url: 'http://h/v1'}\n"
    "  config: {type: config, path: x}\n"
    "  typo: {type: openai, url: 'http://h/v1', modle: m}\n"
    "  typo_llama: {type: llama, model: m.gguf, context: 4096}\n"
    "  typo_file: {type: file, path: x, k: 1}\n"
    "  url_for_file: {type: file, url: 'http://h/v1'}\n"
    "  str_int: {type: openai, url: 'http://h/v1', max_in_flight: '16'}\n"
    "  real_int: {type: llama, model: m.gguf, ctx: 4096.5}\n"
    "  num_str: {type: openai, url: 'http://h/v1', model: 7}\n"
    "  str_num: {type: openai, url: 'http://h/v1', timeout_s: 10s}\n"
    "  list_url: {type: openai, url: ['http://h/v1']}\n"
    "  str_endpoints: {type: openai, endpoints: 'http://h/v1'}\n"
    "  empty_endpoints: {type: openai, endpoints: []}\n"
    "  num_endpoint: {type: openai, endpoints: ['http://h/v1', 8]}\n"
    "  map_flash: {type: llama, model: m.gguf, flash_attn: {on: true}}\n"
    "  str_contexts: {type: llama, model: m.gguf, contexts: many}\n"
    "  null_path: {type: file, path: null}\n"
    "  key: {type: openai, url: 'http://h/v1', key: sk-live-abc123}\n"
    "  api_key: {type: openai, url: 'http://h/v1', api_key: sk-live-abc123}\n"
    "  token_llama: {type: llama, model: m.gguf, token: sk-live-abc123}\n"
    "  both: {type: openai, url: 'http://a/v1', endpoints: ['http://b/v1']}\n"
    "  nourl: {type: openai, model: m}\n"
    "  nomodel: {type: llama, ctx: 4096}\n"
    "  nopath: {type: file}\n"
    "  emptypath: {type: file, path: ''}\n"
    "  query_url: {type: openai, url: 'http://h/v1?model=m'}\n"
    "  query_endpoint: {type: openai, endpoints: ['http://a/v1', 'http://b/v1?x=1']}\n"
    "  twice: {type: openai, url: 'http://h/v1', timeout_s: 10, timeout: 20}\n";

struct bad_case {
  const char *name;
  const char *fragments[3];
};

static void block_errors(void **state) {
  (void)state;
  char file[512];
  snprintf(file, sizeof file, "%s", ds_test_write(dir, "bad.yaml", bad_blocks));
  static const struct bad_case cases[] = {
      {"scalar", {"bad.yaml: backends.scalar: expected a mapping", "got a string"}},
      {"notype", {"bad.yaml: backends.notype: no type (openai, llama or file)"}},
      {"numtype", {"backends.numtype.type: expected a string", "got an integer"}},
      {"vllm", {"backends.vllm: unknown type 'vllm'", "vLLM", "are openai"}},
      {"config", {"unknown type 'config'"}},
      {"typo", {"bad.yaml: backends.typo: unknown field 'modle' for type openai", "known: type, url, endpoints, model"}},
      {"typo_llama", {"unknown field 'context' for type llama", "ctx"}},
      {"typo_file", {"unknown field 'k' for type file", "(known: type, path)"}},
      {"url_for_file", {"unknown field 'url' for type file"}},
      {"str_int", {"backends.str_int.max_in_flight: expected an integer or \"auto\", got a string"}},
      {"real_int", {"backends.real_int.ctx: expected an integer, got a real number"}},
      {"num_str", {"backends.num_str.model: expected a string, got an integer (quote it)"}},
      {"str_num", {"backends.str_num.timeout_s: expected a number, got a string"}},
      {"list_url", {"backends.list_url.url: expected a string, got a list"}},
      {"str_endpoints", {"backends.str_endpoints.endpoints: expected a non-empty list of URL strings, got a string"}},
      {"empty_endpoints", {"endpoints: expected a non-empty list of URL strings, got a list"}},
      {"num_endpoint", {"endpoints: expected a non-empty list of URL strings"}},
      {"map_flash", {"flash_attn: expected true, false or a string", "got a mapping"}},
      {"str_contexts", {"backends.str_contexts.contexts: expected an integer or \"auto\", got a string"}},
      {"null_path", {"backends.null_path.path: expected a string, got null"}},
      {"key", {"backends.key: an API key in a config file (key:) is refused", "key_env: VAR"}},
      {"api_key", {"(api_key:) is refused", "environment variable"}},
      {"token_llama", {"(token:) is refused"}},
      {"both", {"backends.both: give url or endpoints, not both"}},
      {"nourl", {"backends.nourl: no url (or endpoints)"}},
      {"nomodel", {"backends.nomodel: no model"}},
      {"nopath", {"backends.nopath: no path"}},
      {"emptypath", {"backends.emptypath.path is empty"}},
      {"query_url", {"backends.query_url: url must be the API base URL", "'?'"}},
      {"query_endpoint", {"endpoints[1] must be the API base URL"}},
      {"twice", {"backends.twice: 'timeout_s' and 'timeout' are the same setting"}},
  };
  struct ds_err err;
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    resolve(file, cases[i].name, DS_E_INVALID, &err);
    for (size_t j = 0; j < 3 && cases[i].fragments[j]; j++)
      if (!strstr(err.msg, cases[i].fragments[j]))
        fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].name, err.msg, cases[i].fragments[j]);
    assert_null(strstr(err.msg, "sk-live")); /* a key never reaches a message */
  }
}

static void survives_allocation_failures(void **state) {
  (void)state;
  char file[512];
  snprintf(file, sizeof file, "%s", ds_test_write(dir, "torture.yaml", backends_yaml));
  char ref[600];
  snprintf(ref, sizeof ref, "%s#vllm", file);
  int resolved = 0;
  for (uint64_t n = 1; n < 300; n++) {
    char *spec = NULL;
    struct ds_err err = {0};
    ds_alloc_fail_at(n);
    enum ds_status st = backend_config_resolve(ref, &spec, &err);
    ds_alloc_fail_at(0);
    if (st == DS_OK) {
      assert_non_null(spec);
      resolved++;
    } else {
      assert_null(spec);
    }
    ds_free(spec);
  }
  assert_true(resolved > 0);
}

static int setup(void **state) {
  (void)state;
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  ds_free(last);
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(resolves_each_type),
      cmocka_unit_test(opens_through_the_spec_path),
      cmocka_unit_test(file_errors),
      cmocka_unit_test(block_errors),
      cmocka_unit_test(survives_allocation_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
