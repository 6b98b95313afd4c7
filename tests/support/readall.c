/* readall.c: whole inputs read through ds_reader for the log readers' tests (readall.h). */
#include "readall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ds_status ds_test_read_all(const char *path, const struct ds_reader_params *p, struct ds_test_read *out,
                                struct ds_err *err) {
  memset(out, 0, sizeof *out);
  out->records = json_array();
  out->failed = json_array();
  struct ds_reader *r = NULL;
  enum ds_status st = ds_reader_open(path, p, &r, err);
  while (!st) {
    json_t *rec = NULL;
    struct ds_bad_record bad;
    st = ds_reader_next(r, &rec, &bad, err);
    if (st) break;
    if (rec) {
      json_array_append_new(out->records, rec);
      snprintf(out->format, sizeof out->format, "%s", ds_reader_format(r));
    } else {
      json_array_append_new(out->failed, json_pack("{s:s,s:s}", "reason", bad.reason ? bad.reason : "", "msg", bad.msg));
    }
  }
  if (st == DS_E_NOTFOUND) st = DS_OK;
  if (r) {
    out->units = json_deep_copy(ds_reader_units(r));
    ds_reader_items(r, &out->items);
  }
  ds_reader_free(r);
  return st;
}

void ds_test_read_release(struct ds_test_read *r) {
  json_decref(r->records);
  json_decref(r->failed);
  json_decref(r->units);
  memset(r, 0, sizeof *r);
}

const char *ds_test_fixture(const char *rel) {
  static char paths[8][1024];
  static unsigned next;
  char *p = paths[next++ % 8];
  const char *src = getenv("DS_SRC");
  snprintf(p, sizeof paths[0], "%s/tests/data/formats/%s", src ? src : ".", rel);
  return p;
}

const json_t *ds_test_record(const struct ds_test_read *r, const char *id) {
  size_t i;
  const json_t *rec;
  json_array_foreach(r->records, i, rec) {
    const json_t *v = json_object_get(rec, "id");
    if (json_is_string(v) && strcmp(json_string_value(v), id) == 0) return rec;
  }
  return NULL;
}

long long ds_test_unit_count(const struct ds_test_read *r, size_t unit, bool dup, const char *type) {
  const json_t *u = json_array_get(r->units, unit);
  const json_t *v = json_object_get(json_object_get(u, dup ? "duplicate" : "skipped"), type);
  return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}
