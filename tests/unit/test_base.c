/* test_base.c: buffers, hashing, time parsing, UTF-8 checks and compressed line input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/base.h"

static void buf_grows_and_caps(void **state) {
  (void)state;
  struct ds_buf b;
  ds_buf_init(&b, 16);
  assert_string_equal(b.data, "");
  assert_int_equal(ds_buf_adds(&b, "hello "), DS_OK);
  assert_int_equal(ds_buf_addf(&b, "%d", 42), DS_OK);
  assert_string_equal(b.data, "hello 42");
  assert_int_equal(ds_buf_adds(&b, "0123456789"), DS_E_LIMIT);
  assert_string_equal(b.data, "hello 42");
  size_t n;
  char *p = ds_buf_detach(&b, &n);
  assert_int_equal(n, 8);
  assert_string_equal(p, "hello 42");
  ds_free(p);
  assert_string_equal(b.data, "");
  ds_buf_release(&b);
}

static void buf_survives_failed_allocation(void **state) {
  (void)state;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_alloc_fail_at(1);
  assert_int_equal(ds_buf_adds(&b, "x"), DS_E_NOMEM);
  assert_string_equal(b.data, "");
  assert_int_equal(ds_buf_adds(&b, "x"), DS_OK);
  ds_buf_release(&b);
}

static void sha256_known_answer(void **state) {
  (void)state;
  char hex[65];
  ds_sha256_hex("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void time_parsing(void **state) {
  (void)state;
  int64_t t;
  assert_int_equal(ds_parse_time("2026-03-01T12:00:00Z", &t), DS_OK);
  assert_int_equal(t, 1772366400);
  assert_int_equal(ds_parse_time("2026-03-01T14:00:00+02:00", &t), DS_OK);
  assert_int_equal(t, 1772366400);
  assert_int_equal(ds_parse_time("2026-03-01T12:00:00.123Z", &t), DS_OK);
  assert_int_equal(t, 1772366400);
  assert_int_equal(ds_parse_time("1772366400", &t), DS_OK);
  assert_int_equal(t, 1772366400);
  assert_int_equal(ds_parse_time("2026-13-01", &t), DS_E_PARSE);
  assert_int_equal(ds_parse_time("yesterday", &t), DS_E_PARSE);
  char out[32];
  ds_format_time(1772366400, out);
  assert_string_equal(out, "2026-03-01T12:00:00Z");
}

static void utf8_validation(void **state) {
  (void)state;
  const char ok[] = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
  assert_int_equal(ds_utf8_check(ok, sizeof ok - 1), sizeof ok - 1);
  assert_int_equal(ds_utf8_check("ab\xc0\xaf", 4), 2);        /* overlong */
  assert_int_equal(ds_utf8_check("ab\xed\xa0\x80", 5), 2);    /* surrogate */
  assert_int_equal(ds_utf8_check("ab\xe2\x82", 4), 2);        /* truncated */
  assert_int_equal(ds_utf8_check("\xff", 1), 0);
}

static void lines_from_gzip_with_limit(void **state) {
  (void)state;
  char path[] = "/tmp/ds_test_lines_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  gzFile g = gzopen(path, "wb");
  gzputs(g, "first\r\n");
  for (int i = 0; i < 100; i++) gzputs(g, "xxxxxxxxxx");
  gzputs(g, "\nlast");
  gzclose(g);
  struct ds_lines *l;
  struct ds_err err = {0};
  assert_int_equal(ds_lines_open(path, 64, &l, &err), DS_OK);
  struct ds_str s;
  bool too_long;
  assert_int_equal(ds_lines_next(l, &s, &too_long, &err), DS_OK);
  assert_false(too_long);
  assert_int_equal(s.len, 5);
  assert_memory_equal(s.p, "first", 5);
  assert_int_equal(ds_lines_next(l, &s, &too_long, &err), DS_OK);
  assert_true(too_long);
  assert_int_equal(ds_lines_lineno(l), 2);
  assert_int_equal(ds_lines_next(l, &s, &too_long, &err), DS_OK);
  assert_false(too_long);
  assert_int_equal(s.len, 4);
  assert_int_equal(ds_lines_next(l, &s, &too_long, &err), DS_E_NOTFOUND);
  ds_lines_free(l);
  unlink(path);
}

static void lines_missing_file_names_it(void **state) {
  (void)state;
  struct ds_lines *l;
  struct ds_err err = {0};
  assert_int_equal(ds_lines_open("/nonexistent/x.jsonl", 0, &l, &err), DS_E_IO);
  assert_non_null(strstr(err.msg, "/nonexistent/x.jsonl"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_grows_and_caps),     cmocka_unit_test(buf_survives_failed_allocation),
      cmocka_unit_test(sha256_known_answer),    cmocka_unit_test(time_parsing),
      cmocka_unit_test(utf8_validation),        cmocka_unit_test(lines_from_gzip_with_limit),
      cmocka_unit_test(lines_missing_file_names_it),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
