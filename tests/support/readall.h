/* readall.h: reads every record of an input through the corpus reader, for the log readers'
 * unit tests: the records, the failures with their reasons, and the units' accounting. */
#ifndef DS_TEST_READALL_H
#define DS_TEST_READALL_H

#include <jansson.h>

#include "depsim/corpus.h"

#define DS_TEST_MAX_FAILED 16

struct ds_test_readout {
  json_t *records;                              /* array of the records, in order */
  int n_failed;                                 /* failed records (first DS_TEST_MAX_FAILED kept) */
  char failed[DS_TEST_MAX_FAILED][384];         /* their messages ("FILE:LINE: detail [reason]") */
  const char *reasons[DS_TEST_MAX_FAILED];      /* their reasons */
  char format[32];                              /* the format of the last entry */
  json_t *units;                                /* the manifest's per-file accounting (a copy) */
  struct ds_reader_items items;                 /* the input's items */
};

/* Reads path (format NULL = detect); aborts when the reader itself fails. */
void ds_test_read_all(const char *path, const char *format, struct ds_test_readout *out);
void ds_test_readout_release(struct ds_test_readout *out);
/* The record with this id, or NULL. */
const json_t *ds_test_record(const struct ds_test_readout *o, const char *id);
/* The path of a file under $DS_SRC/tests/data/formats/ (ctest sets DS_SRC); 8 rotating buffers. */
const char *ds_test_fixture(const char *rel);

#endif
