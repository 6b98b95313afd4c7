/* readall.h: a whole input read through ds_reader for tests of the log readers: the records,
 * the failures (reason and message), the per-file accounting and the item totals. */
#ifndef DS_TEST_READALL_H
#define DS_TEST_READALL_H

#include <jansson.h>

#include "depsim/corpus.h"

struct ds_test_read {
  json_t *records;  /* canonical records, in order */
  json_t *failed;   /* [{"reason","msg"}] in order */
  json_t *units;    /* ds_reader_units, copied */
  struct ds_reader_items items;
  char format[32];  /* the last record's format */
};

/* Reads path (p may be NULL: defaults) to its end; DS_OK or the fatal status (err filled). */
enum ds_status ds_test_read_all(const char *path, const struct ds_reader_params *p, struct ds_test_read *out,
                                struct ds_err *err);
void ds_test_read_release(struct ds_test_read *r);
/* $DS_SRC/tests/data/formats/<rel> (one of 8 rotating buffers). */
const char *ds_test_fixture(const char *rel);
/* The record whose id is id, or NULL. */
const json_t *ds_test_record(const struct ds_test_read *r, const char *id);
/* units[0].skipped[type] (or duplicate[type] with dup), 0 when absent. */
long long ds_test_unit_count(const struct ds_test_read *r, size_t unit, bool dup, const char *type);

#endif
