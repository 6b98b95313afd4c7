/* fuzz_zip.c: libFuzzer target for the zip reader (lib/corpus/zip.c: Inspect's .eval logs):
 * the central directory (zip64 included) and stored, deflate and zstd members. The bytes are
 * one archive; every member is read with a size limit. Reading must end with each member
 * either whole (its length what the directory says, CRC checked by the reader) or refused
 * with a message, never a crash, and a damaged size must not be a fatal out-of-memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "corpus/corpus_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) {
    struct ds_err err = {0};
    ds_init(&err);
    snprintf(path, sizeof path, "/tmp/fuzz_zip.%d.eval", (int)getpid());
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  struct zip_archive *z = NULL;
  struct ds_err err = {0};
  enum ds_status st = zip_open(path, &z, &err);
  if (st == DS_E_NOMEM) abort(); /* a small input never needs much memory */
  if (st) {
    if (!err.msg[0]) abort(); /* every refusal says why */
    return 0;
  }
  struct ds_buf out;
  ds_buf_init(&out, 0);
  for (size_t i = 0; i < zip_count(z); i++) {
    struct ds_err e = {0};
    (void)zip_name(z, i);
    st = zip_read(z, i, 1u << 22, &out, &e);
    if (st == DS_E_NOMEM) abort();
    if (st == DS_OK && (out.len != zip_size(z, i) || (out.data && out.data[out.len] != '\0'))) abort();
    if (st != DS_OK && (!e.msg[0] || out.len != 0)) abort();
  }
  ds_buf_release(&out);
  zip_free(z);
  return 0;
}
