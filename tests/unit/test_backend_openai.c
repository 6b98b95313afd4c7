/* test_backend_openai.c: the openai backend's spec handling, key secrecy in describe() and
 * errors, secret scrubbing, and the result of an unreachable endpoint (no server needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backend_ops.h"
#include "net/http_pool.h"

static const char *secret = "sk-unit-0123456789-secret";

static enum ds_status open_spec(const char *spec, struct ds_backend **b, struct ds_err *err) {
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.spec = spec;
  p.max_attempts = 2;
  p.backoff_base_s = 0.01;
  p.backoff_max_s = 0.02;
  p.timeout_s = 10;
  *b = NULL;
  return ds_backend_open(&p, b, err);
}

/* a port nothing listens on: bind, read the port, close */
static int closed_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof a;
  assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
  getsockname(s, (struct sockaddr *)&a, &l);
  close(s);
  return ntohs(a.sin_port);
}

static void spec_errors(void **state) {
  (void)state;
  struct ds_backend *b;
  struct ds_err err = {0};
  assert_int_equal(open_spec("openai:?model=m", &b, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "no endpoint"));
  assert_int_equal(open_spec("openai:ftp://h/v1", &b, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "http://"));
  assert_int_equal(open_spec("openai:http://127.0.0.1:1/v1?modle=m", &b, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "modle"));
  assert_int_equal(open_spec("openai:http://127.0.0.1:1/v1?timeout=abc", &b, &err), DS_E_INVALID);
  char spec[256];
  snprintf(spec, sizeof spec, "openai:http://127.0.0.1:1/v1?model=m&api_key=%s", secret);
  assert_int_equal(open_spec(spec, &b, &err), DS_E_INVALID);
  assert_null(strstr(err.msg, secret));
  assert_non_null(strstr(err.msg, "key_env"));
  unsetenv("DS_UNIT_NO_KEY");
  assert_int_equal(open_spec("openai:http://127.0.0.1:1/v1?key_env=DS_UNIT_NO_KEY", &b, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "DS_UNIT_NO_KEY"));
  assert_null(b);
}

static void describe_hides_secrets(void **state) {
  (void)state;
  setenv("DS_UNIT_KEY", secret, 1);
  struct ds_backend *b;
  struct ds_err err = {0};
  /* a password in a URL is a key in the spec: refused, and not repeated in the error */
  assert_int_equal(open_spec("openai:http://user:pa55word@127.0.0.1:9/v1/?model=m", &b, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "user info"));
  assert_null(strstr(err.msg, "pa55word"));
  assert_int_equal(open_spec("openai:http://127.0.0.1:9/v1?model=m&endpoint=http://u:pa55word@127.0.0.1:10/v1", &b, &err),
                   DS_E_INVALID);
  assert_null(strstr(err.msg, "pa55word"));
  /* an @ in the path is no user info */
  assert_int_equal(open_spec("openai:http://127.0.0.1:9/v1/@x?model=m", &b, &err), DS_OK);
  ds_backend_close(b);
  assert_int_equal(open_spec("openai:http://127.0.0.1:9/v1/?model=Qwen%2F7B&key_env=DS_UNIT_KEY"
                             "&endpoint=http://127.0.0.1:10/v1&max_in_flight=7",
                             &b, &err),
                   DS_OK);
  const char *d = ds_backend_describe(b);
  assert_string_equal(d, "openai:http://127.0.0.1:9/v1?model=Qwen/7B&endpoint=http://127.0.0.1:10/v1&key_env=DS_UNIT_KEY");
  assert_null(strstr(d, secret));
  assert_null(strstr(d, "pa55word"));
  assert_int_equal(ds_backend_capacity(b), 7);
  ds_backend_close(b);
}

static void unreachable_endpoint(void **state) {
  (void)state;
  setenv("DS_UNIT_KEY", secret, 1);
  char spec[256];
  snprintf(spec, sizeof spec, "openai:http://127.0.0.1:%d/v1?model=m&key_env=DS_UNIT_KEY", closed_port());
  struct ds_backend *b;
  struct ds_err err = {0};
  assert_int_equal(open_spec(spec, &b, &err), DS_OK);
  json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
  struct ds_request rq;
  ds_request_init(&rq);
  rq.id = 9;
  rq.key = "c#1";
  rq.messages = msgs;
  struct ds_result r;
  assert_int_equal(ds_backend_call(b, &rq, &r, &err), DS_OK);
  assert_int_equal(r.id, 9);
  assert_int_equal(r.status, DS_E_NET);
  assert_int_equal(r.attempts, 2);
  assert_null(r.content);
  assert_non_null(strstr(r.error, "127.0.0.1"));
  assert_non_null(strstr(r.error, "after 2 attempts"));
  assert_null(strstr(r.error, secret));
  ds_result_release(&r);
  /* a request that is not an array of messages is refused at submit */
  rq.messages = json_object_get(json_array_get(msgs, 0), "content");
  assert_int_equal(ds_backend_submit(b, &rq, &err), DS_E_INVALID);
  assert_int_equal(ds_backend_in_flight(b), 0);
  assert_int_equal(ds_backend_context_length(b), 0);
  unsigned n = 0;
  assert_int_equal(ds_backend_count_tokens(b, msgs, NULL, &n, &err), DS_E_UNSUPPORTED);
  /* close with requests in flight frees them */
  rq.messages = msgs;
  assert_int_equal(ds_backend_submit(b, &rq, &err), DS_OK);
  assert_int_equal(ds_backend_in_flight(b), 1);
  ds_backend_close(b);
  json_decref(msgs);
}

static void scrub(void **state) {
  (void)state;
  char s[128];
  snprintf(s, sizeof s, "got Bearer %s and %s!", secret, secret);
  http_scrub(s, sizeof s, secret);
  assert_string_equal(s, "got Bearer *** and ***!");
  snprintf(s, sizeof s, "nothing here");
  http_scrub(s, sizeof s, NULL);
  http_scrub(s, sizeof s, "");
  assert_string_equal(s, "nothing here");
  /* any piece of 8 characters or more is masked, wherever it starts in the key */
  snprintf(s, sizeof s, "head %.12s|mid %.9s|tail %s|short %.7s.", secret, secret + 5, secret + 17, secret + 3);
  http_scrub(s, sizeof s, secret);
  assert_string_equal(s, "head ***|mid ***|tail ***|short unit-01.");
}

/* A server that echoes a long key in its error body: the error kept for the sample (cut to fit)
 * holds no 8-character piece of the key, although the key reaches past the cut. */
static void scrub_before_cut(void **state) {
  (void)state;
  char key[200];
  for (int i = 0; i < 164; i++) key[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + 3) % 62];
  key[164] = '\0';
  char body[512];
  snprintf(body, sizeof body, "{\"error\":{\"message\":\"Incorrect API key provided: %s\"}}", key);
  char out[120];
  http_excerpt_scrubbed(out, sizeof out, body, strlen(body), key);
  assert_non_null(strstr(out, "Incorrect API key provided: ***"));
  for (size_t i = 0; i + 8 <= strlen(key); i++) {
    char piece[9];
    memcpy(piece, key + i, 8);
    piece[8] = '\0';
    assert_null(strstr(out, piece));
  }
}

int main(void) {
  ds_init(NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(spec_errors),
      cmocka_unit_test(describe_hides_secrets),
      cmocka_unit_test(unreachable_endpoint),
      cmocka_unit_test(scrub),
      cmocka_unit_test(scrub_before_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
