/* fuzz_file.h: the setup the file-reading fuzz targets share: ds_init once, and the input
 * written (after an optional head) to one per-process file under /tmp that the target then
 * reads by path. */
#ifndef DS_FUZZ_FILE_H
#define DS_FUZZ_FILE_H

#include <stdio.h>
#include <unistd.h>

#include "base/base.h"

/* /tmp/STEM.PID[EXT] holding head then data[0..n); NULL when it cannot be written. */
static inline const char *fuzz_file(const char *stem, const char *ext, const char *head, const void *data, size_t n) {
  static char path[128];
  if (!path[0]) {
    struct ds_err err = {0};
    ds_init(&err);
    snprintf(path, sizeof path, "/tmp/%s.%d%s", stem, (int)getpid(), ext ? ext : "");
  }
  FILE *f = fopen(path, "wb");
  if (!f) return NULL;
  if (head) fputs(head, f);
  fwrite(data, 1, n, f);
  fclose(f);
  return path;
}

#endif
