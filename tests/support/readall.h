/* readall.h: a whole input read through ds_reader for the log readers' unit tests: the
 * records, the failures (reason and message), the per-file accounting and the item totals. */
#ifndef DS_TEST_READALL_H
#define DS_TEST_READALL_H

#include <stdbool.h>

#include "depsim/corpus.h"

#define DS_TEST_MAX_FAILED 16

struct ds_test_readout {
  json_t *records;                         /* canonical records, in order */
  json_t *failed_all;                      /* every failure: [{"reason","msg"}] in order */
  int n_failed;                            /* failed records (the first DS_TEST_MAX_FAILED below) */
  char failed[DS_TEST_MAX_FAILED][4096];   /* their messages ("FILE:LINE: detail [reason]") */
  const char *reasons[DS_TEST_MAX_FAILED]; /* their reasons */
  char format[32];                         /* the format of the last entry */
  json_t *units;                           /* ds_reader_units, copied */
  struct ds_reader_items items;
};

/* Reads path with reader parameters p (NULL: defaults) to its end: DS_OK, or the fatal status
 * with err filled (out holds what was read before). */
enum ds_status ds_test_read_input(const char *path, const struct ds_reader_params *p, struct ds_test_readout *out,
                                  struct ds_err *err);
/* The same with only the format (NULL = detect); aborts when the reader itself fails. */
void ds_test_read_all(const char *path, const char *format, struct ds_test_readout *out);
void ds_test_readout_release(struct ds_test_readout *out);
/* The record with this id, or NULL. */
const json_t *ds_test_record(const struct ds_test_readout *o, const char *id);
/* The path of a file under $DS_SRC/tests/data/formats/ (ctest sets DS_SRC); 8 rotating buffers. */
const char *ds_test_fixture(const char *rel);
/* units[unit].skipped[type] (or .duplicate[type] with dup), 0 when absent. */
long long ds_test_unit_count(const struct ds_test_readout *o, size_t unit, bool dup, const char *type);

#endif
