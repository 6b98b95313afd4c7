/* test_ingest.c: ds_ingest: consent, dedupe, ids, the manifest's accounting, --on-error fail
 * leaving the final name untouched, the input hashed whole, the de-identification hook, and
 * allocation failures. */
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
#include "tmpdir.h"

static char dir[64];

static const char *tmp(const char *name) { return ds_test_path(dir, name); }
static void put_file(const char *path, const char *text, size_t len) { ds_test_put(path, text, len); }
static void put(const char *path, const char *text) { ds_test_put(path, text, strlen(text)); }
static char *slurp(const char *path) { return ds_test_slurp(path); }
static bool exists(const char *path) { return ds_test_exists(path); }

static json_t *manifest_of(const char *corpus) {
  char path[512];
  snprintf(path, sizeof path, "%s.manifest.json", corpus);
  json_error_t je;
  json_t *m = json_load_file(path, 0, &je);
  assert_non_null(m);
  return m;
}

static json_int_t mget(json_t *m, const char *path) {
  json_t *v = corpus_get_path(m, path);
  if (!v) return 0;
  return json_integer_value(v);
}

static void check_accounting(json_t *m) {
  assert_int_equal(mget(m, "records.in"),
                   mget(m, "records.kept") + mget(m, "records.filtered.total") + mget(m, "records.failed.total"));
}


static void ingest_consent_dedupe_ids_and_manifest(void **state) {
  (void)state;
  const char *in = tmp("consent.jsonl");
  put(in, "{\"id\":\"a\",\"consent\":true,\"time\":\"2026-03-01T12:00:00Z\",\"segment\":{\"product\":\"chat\"},"
          "\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}\n"
          "{\"consent\":false,\"messages\":[{\"role\":\"user\",\"content\":\"two\"}]}\n"
          "{\"consent\":\"yes\",\"time\":1772452800,\"segment\":{\"product\":\"code\"},"
          "\"messages\":[{\"role\":\"user\",\"content\":\"three\"},{\"role\":\"assistant\",\"content\":null,"
          "\"tool_calls\":[{\"id\":\"c\",\"name\":\"sh\",\"arguments\":\"{}\"}]}]}\n"
          "{\"id\":\"dup\",\"consent\":true,\"messages\":[{\"content\":\"one\",\"role\":\"user\"}]}\n"
          "{\"id\":\"a\",\"consent\":true,\"messages\":[{\"role\":\"user\",\"content\":\"other\"}]}\n"
          "not json\n");
  const char *out = tmp("consent-out.jsonl");
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {in};
  p.inputs = inputs;
  p.n_inputs = 1;
  p.output = out;
  struct ds_ingest_summary s;
  struct ds_err err = {0};
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_in, 6);
  assert_int_equal(s.n_kept, 2);
  assert_int_equal(s.n_no_consent, 1);
  assert_int_equal(s.n_duplicate, 1); /* same messages, key order aside */
  assert_int_equal(s.n_failed, 2);    /* "a" reused for other content; not json */
  char *text = slurp(out);
  char first[128];
  snprintf(first, sizeof first, "%.*s", (int)(strchr(text, '\n') - text), text);
  assert_non_null(strstr(first, "{\"id\":\"a\",\"time\":\"2026-03-01T12:00:00Z\",\"consent\":true,"));
  const char *second = strchr(text, '\n') + 1;
  assert_memory_equal(second, "{\"id\":\"c-", 9); /* derived id: c- + 16 hex */
  assert_int_equal(strspn(second + 9, "0123456789abcdef"), 16);
  assert_non_null(strstr(second, "\"time\":\"2026-03-02T12:00:00Z\""));
  assert_non_null(strstr(second, "\"consent\":true"));
  json_t *m = manifest_of(out);
  check_accounting(m);
  assert_int_equal(mget(m, "records.filtered.by_reason.no_consent"), 1);
  assert_int_equal(mget(m, "records.filtered.by_reason.duplicate"), 1);
  assert_int_equal(mget(m, "records.failed.by_reason.duplicate_id"), 1);
  assert_int_equal(mget(m, "records.failed.by_reason.bad_json"), 1);
  assert_string_equal(json_string_value(corpus_get_path(m, "time_range.min")), "2026-03-01T12:00:00Z");
  assert_string_equal(json_string_value(corpus_get_path(m, "time_range.max")), "2026-03-02T12:00:00Z");
  assert_int_equal(mget(m, "segments.product.chat"), 1);
  assert_int_equal(mget(m, "segments.product.code"), 1);
  assert_int_equal(mget(m, "messages.by_role.user"), 2);
  assert_int_equal(mget(m, "tool_calls.by_name.sh"), 1);
  assert_false(json_is_true(corpus_get_path(m, "deid.enabled")));
  char sha[65];
  assert_int_equal(ds_sha256_file(out, sha, &err), DS_OK);
  assert_string_equal(json_string_value(corpus_get_path(m, "corpus.sha256")), sha);
  assert_int_equal(ds_sha256_file(in, sha, &err), DS_OK);
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(m, "inputs"), 0), "sha256")), sha);
  assert_string_equal(json_string_value(json_object_get(m, "depsim_version")), DS_VERSION);
  json_decref(m);

  /* --keep-duplicates: the duplicate is kept and counted; its id stays its own */
  p.keep_duplicates = true;
  p.output = tmp("keepdup.jsonl");
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_kept, 3);
  assert_int_equal(s.n_duplicate, 0);
  assert_int_equal(s.n_duplicate_kept, 1);
  p.keep_duplicates = false;
  /* stale temporaries of a killed run of the same output are removed, live ones kept */
  char stale[300], live[300];
  snprintf(stale, sizeof stale, "%s.tmp.999999999", out);
  snprintf(live, sizeof live, "%s.tmp.1", out); /* pid 1 is alive */
  put(stale, "half a corpus");
  put(live, "someone else's");
  p.output = out;
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_false(exists(stale));
  assert_true(exists(live));
  unlink(live);

  /* re-ingesting the corpus (canonical format) gives the same bytes */
  const char *again = tmp("again.jsonl");
  inputs[0] = out;
  p.output = again;
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_kept, 2);
  char *text2 = slurp(again);
  assert_string_equal(text, text2);
  ds_free(text);
  ds_free(text2);
}

static void ingest_without_consent_field_needs_assume_consent(void **state) {
  (void)state;
  const char *in = tmp("noconsent.jsonl");
  put(in, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n");
  const char *out = tmp("noconsent-out.jsonl");
  unlink(out);
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {in};
  p.inputs = inputs;
  p.n_inputs = 1;
  p.output = out;
  struct ds_err err = {0};
  assert_int_equal(ds_ingest_run(&p, NULL, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "--assume-consent"));
  assert_non_null(strstr(err.msg, ":1:"));
  assert_false(exists(out));
  p.assume_consent = true;
  assert_int_equal(ds_ingest_run(&p, NULL, &err), DS_OK);
  assert_true(exists(out));
  /* consent under another name */
  put(in, "{\"meta\":{\"ok\":false},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n"
          "{\"meta\":{\"ok\":true},\"messages\":[{\"role\":\"user\",\"content\":\"y\"}]}\n");
  p.assume_consent = false;
  p.consent_field = "meta.ok";
  struct ds_ingest_summary s;
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_kept, 1);
  assert_int_equal(s.n_no_consent, 1);
}

static void ingest_fail_mode_keeps_final_name_untouched(void **state) {
  (void)state;
  const char *in = tmp("failmode.jsonl");
  put(in, "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}\n"
          "{\"messages\":[{\"role\":\"user\",\"content\":\"b\"}]}\n"
          "{\"messages\":[{\"role\":\"user\",\"content\"\n"
          "{\"messages\":[{\"role\":\"user\",\"content\":\"d\"}]}\n");
  const char *out = tmp("failmode-out.jsonl");
  put(out, "previous corpus\n");
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {in};
  p.inputs = inputs;
  p.n_inputs = 1;
  p.output = out;
  p.assume_consent = true;
  p.fail_on_error = true;
  struct ds_err err = {0};
  struct ds_ingest_summary s;
  assert_int_not_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_non_null(strstr(err.msg, ":3: "));
  char *prev = slurp(out);
  assert_string_equal(prev, "previous corpus\n");
  ds_free(prev);
  char partial[300];
  snprintf(partial, sizeof partial, "%s.partial", out);
  char *part = slurp(partial);
  /* exactly the two complete records before the bad line */
  int lines = 0;
  for (char *c = part; *c; c++) lines += *c == '\n';
  assert_int_equal(lines, 2);
  ds_free(part);
  json_t *m = manifest_of(partial);
  assert_false(json_is_true(json_object_get(m, "complete")));
  check_accounting(m);
  assert_int_equal(mget(m, "records.in"), 3);
  json_decref(m);
  /* skip mode reads on */
  p.fail_on_error = false;
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_kept, 3);
  assert_int_equal(s.n_failed, 1);
}

static void ingest_hashes_whole_input_even_when_reading_stops(void **state) {
  (void)state;
  /* the array reader stops at data after ']'; the input's SHA-256 must still cover it all */
  const char *in = tmp("tail.json");
  static const char head[] = "[{\"consent\":true,\"traj\":[{\"role\":\"user\",\"content\":\"a\"}]}] trailing";
  size_t n = sizeof head - 1 + (1u << 20); /* well past the reader's first chunk */
  char *text = malloc(n);
  memcpy(text, head, sizeof head - 1);
  memset(text + sizeof head - 1, 'x', n - (sizeof head - 1));
  put_file(in, text, n);
  free(text);
  const char *out = tmp("tail-out.jsonl");
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {in};
  p.inputs = inputs;
  p.n_inputs = 1;
  p.output = out;
  struct ds_ingest_summary s;
  struct ds_err err = {0};
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(s.n_kept, 1);
  assert_int_equal(s.n_failed, 1);
  json_t *m = manifest_of(out);
  char sha[65];
  assert_int_equal(ds_sha256_file(in, sha, &err), DS_OK);
  json_t *i0 = json_array_get(json_object_get(m, "inputs"), 0);
  assert_string_equal(json_string_value(json_object_get(i0, "sha256")), sha);
  assert_string_equal(json_string_value(json_object_get(i0, "container")), "json_array");
  json_decref(m);
}

struct deid_fake {
  int calls;
};
static enum ds_status fake_apply(void *ud, json_t *rec, struct ds_err *err) {
  struct deid_fake *f = ud;
  f->calls++;
  json_t *m0 = json_array_get(json_object_get(rec, "messages"), 0);
  const char *c = ds_json_str(m0, "content", "");
  if (strstr(c, "unredactable")) return ds_fail(err, DS_E_PII, "cannot redact");
  json_object_set_new(m0, "content", json_string("[REDACTED]"));
  return DS_OK;
}
static json_t *fake_report(void *ud) {
  struct deid_fake *f = ud;
  json_t *o = json_object();
  json_object_set_new(o, "enabled", json_true());
  json_object_set_new(o, "records", json_integer(f->calls));
  return o;
}

static void ingest_transform_hook_applies_and_reports(void **state) {
  (void)state;
  const char *in = tmp("deid.jsonl");
  put(in, "{\"messages\":[{\"role\":\"user\",\"content\":\"my mail is a@b.c\"}]}\n"
          "{\"messages\":[{\"role\":\"user\",\"content\":\"unredactable\"}]}\n");
  const char *out = tmp("deid-out.jsonl");
  struct deid_fake f = {0};
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {in};
  p.inputs = inputs;
  p.n_inputs = 1;
  p.output = out;
  p.assume_consent = true;
  p.transform.apply = fake_apply;
  p.transform.report = fake_report;
  p.transform.ud = &f;
  struct ds_ingest_summary s;
  struct ds_err err = {0};
  assert_int_equal(ds_ingest_run(&p, &s, &err), DS_OK);
  assert_int_equal(f.calls, 2);
  assert_int_equal(s.n_kept, 1);
  assert_int_equal(s.n_failed, 1);
  char *text = slurp(out);
  assert_null(strstr(text, "a@b.c"));
  assert_null(strstr(text, "unredactable"));
  assert_non_null(strstr(text, "[REDACTED]"));
  ds_free(text);
  json_t *m = manifest_of(out);
  assert_true(json_is_true(corpus_get_path(m, "deid.enabled")));
  assert_int_equal(mget(m, "deid.records"), 2);
  assert_int_equal(mget(m, "records.failed.by_reason.deid_failed"), 1);
  check_accounting(m);
  json_decref(m);
}

static void ingest_survives_allocation_failures(void **state) {
  (void)state;
  const char *in = tmp("torture.jsonl");
  put(in, "{\"id\":\"t\",\"segment\":{\"p\":\"x\"},\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9\"},"
          "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
          "\"function\":{\"name\":\"sh\",\"arguments\":\"{}\"}}]}]}\nbad\n");
  const char *out = tmp("torture-out.jsonl");
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  const char *inputs[] = {in};
  p.inputs = inputs;
  p.n_inputs = 1;
  p.output = out;
  p.assume_consent = true;
  /* fail the 1st, 2nd, ... allocation until a run needs fewer than that (curl's torture mode):
   * every run must end cleanly (ASan checks for leaks) with an explained error or success */
  int ok_in_a_row = 0, failures = 0;
  for (uint64_t i = 1; i < 5000 && ok_in_a_row < 100; i++) {
    struct ds_err err = {0};
    ds_alloc_fail_at(i);
    enum ds_status st = ds_ingest_run(&p, NULL, &err);
    ds_alloc_fail_at(0);
    if (st == DS_OK) {
      ok_in_a_row++;
    } else {
      ok_in_a_row = 0;
      failures++;
      assert_true(err.msg[0] != '\0');
    }
  }
  fprintf(stderr, "torture: %d failures\n", failures);
  assert_int_equal(ok_in_a_row, 100);
  assert_true(failures > 10);
}

/* ---- fast JSON path ---------------------------------------------------------------- */

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ds_test_ingest_XXXXXX");
  return ds_test_tmpdir_make(dir);
}

static int teardown(void **state) {
  (void)state;
  return ds_test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ingest_consent_dedupe_ids_and_manifest),
      cmocka_unit_test(ingest_without_consent_field_needs_assume_consent),
      cmocka_unit_test(ingest_fail_mode_keeps_final_name_untouched),
      cmocka_unit_test(ingest_hashes_whole_input_even_when_reading_stops),
      cmocka_unit_test(ingest_transform_hook_applies_and_reports),
      cmocka_unit_test(ingest_survives_allocation_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
