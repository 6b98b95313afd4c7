/* fuzz_reader_array.c: libFuzzer target for the streaming JSON-array reader: the input is
 * read as one JSON array ('[' is prepended) split element by element under small limits;
 * every element must end as a record or an explained failure, and reading must terminate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/corpus.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const char *path = fuzz_file("fuzz_reader_array", NULL, "[", data + 1, size - 1);
  if (!path) return 0;

  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  struct ds_format_info fi;
  size_t nf = 0;
  while (ds_format_info_at(nf, &fi)) nf++;
  rp.format = data[0] % (nf + 1) == 0 ? NULL : (ds_format_info_at(data[0] % (nf + 1) - 1, &fi), fi.name);
  rp.max_record_bytes = 1024;
  rp.max_depth = 8;
  struct ds_reader *r;
  struct ds_err err = {0};
  if (ds_reader_open(path, &rp, &r, &err) == DS_OK) {
    size_t n = 0;
    for (;;) {
      json_t *rec;
      struct ds_bad_record bad;
      enum ds_status st = ds_reader_next(r, &rec, &bad, &err);
      if (st) break;
      if (++n > size + 2) abort(); /* more records than bytes: the scanner is not advancing */
      if (strcmp(ds_reader_container(r), "json_array") != 0) abort();
      if (!rec && (!bad.reason || !strstr(bad.msg, path))) abort();
      json_decref(rec);
    }
    ds_reader_free(r);
  }
  unlink(path);
  return 0;
}
