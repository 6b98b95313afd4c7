/* readall.c: whole inputs read through ds_reader for the log readers' unit tests (readall.h). */
#include "readall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ds_status ds_test_read_input(const char *path, const struct ds_reader_params *p, struct ds_test_readout *out,
                                  struct ds_err *err) {
  memset(out, 0, sizeof *out);
  out->records = json_array();
  out->failed_all = json_array();
  struct ds_reader *r = NULL;
  enum ds_status st = ds_reader_open(path, p, &r, err);
  while (!st) {
    json_t *rec = NULL;
    struct ds_bad_record bad;
    st = ds_reader_next(r, &rec, &bad, err);
    if (st) break;
    if (rec) {
      json_array_append_new(out->records, rec);
    } else {
      json_array_append_new(out->failed_all,
                            json_pack("{s:s,s:s}", "reason", bad.reason ? bad.reason : "", "msg", bad.msg));
      if (out->n_failed < DS_TEST_MAX_FAILED) {
        snprintf(out->failed[out->n_failed], sizeof out->failed[0], "%s", bad.msg);
        out->reasons[out->n_failed] = bad.reason;
      }
      out->n_failed++;
    }
    snprintf(out->format, sizeof out->format, "%s", ds_reader_format(r));
  }
  if (st == DS_E_NOTFOUND) st = DS_OK;
  if (r) {
    out->units = json_deep_copy(ds_reader_units(r));
    ds_reader_items(r, &out->items);
  }
  ds_reader_free(r);
  return st;
}

void ds_test_read_all(const char *path, const char *format, struct ds_test_readout *out) {
  struct ds_reader_params p;
  ds_reader_default_params(&p);
  p.format = format;
  struct ds_err err = {0};
  if (ds_test_read_input(path, &p, out, &err) != DS_OK) {
    fprintf(stderr, "ds_test_read_all: %s\n", err.msg);
    abort();
  }
}

void ds_test_readout_release(struct ds_test_readout *out) {
  json_decref(out->records);
  json_decref(out->failed_all);
  json_decref(out->units);
  memset(out, 0, sizeof *out);
}

const json_t *ds_test_record(const struct ds_test_readout *o, const char *id) {
  size_t i;
  const json_t *r;
  json_array_foreach(o->records, i, r) {
    const json_t *v = json_object_get(r, "id");
    if (json_is_string(v) && strcmp(json_string_value(v), id) == 0) return r;
  }
  return NULL;
}

const char *ds_test_fixture(const char *rel) {
  static char paths[8][1024];
  static unsigned next;
  const char *src = getenv("DS_SRC");
  if (!src || !*src) {
    fprintf(stderr, "ds_test_fixture: DS_SRC is not set (run the tests through ctest)\n");
    abort();
  }
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/tests/data/formats/%s", src, rel);
  return p;
}

long long ds_test_unit_count(const struct ds_test_readout *o, size_t unit, bool dup, const char *type) {
  const json_t *u = json_array_get(o->units, unit);
  const json_t *v = json_object_get(json_object_get(u, dup ? "duplicate" : "skipped"), type);
  return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}
