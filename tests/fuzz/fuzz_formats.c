/* fuzz_formats.c: libFuzzer target for every log reader of lib/corpus/formats/ behind the one
 * reader driver. The first byte forces a format of the table (or auto-detection), the second
 * picks the container: one file, or a directory of one-event files (the rest split at NUL
 * bytes, one file per part). Every record must pass the canonical-record validator again,
 * every failure must name its file, items must be accounted (in = used + skipped + duplicate +
 * failed), and reading must end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "corpus/formats/format.h"
#include "depsim/corpus.h"

/* Removes the event files this target wrote (at most 32) and their directory. */
static void rm_events(const char *dir) {
  char path[128];
  for (int k = 0; k < 32; k++) {
    snprintf(path, sizeof path, "%s/event-%05d.json", dir, k);
    unlink(path);
  }
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char base[64];
  static bool ready;
  if (!ready) {
    struct ds_err err = {0};
    ds_init(&err);
    snprintf(base, sizeof base, "/tmp/fuzz_formats.%d", (int)getpid());
    ready = true;
  }
  if (size < 2) return 0;
  struct ds_format_info fi;
  size_t nf = 0;
  while (ds_format_info_at(nf, &fi)) nf++;
  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  unsigned pick = data[0] % (nf + 1);
  rp.format = pick == 0 ? NULL : (ds_format_info_at(pick - 1, &fi), fi.name);
  rp.max_record_bytes = 4096;
  rp.max_document_bytes = 65536;
  rp.max_depth = 16;
  bool as_dir = data[1] & 1;
  const uint8_t *p = data + 2;
  size_t n = size - 2;
  char path[128];
  rm_events(base);
  if (as_dir) {
    if (mkdir(base, 0700) != 0) return 0;
    size_t start = 0;
    int k = 0;
    for (size_t i = 0; i <= n && k < 32; i++) {
      if (i < n && p[i] != 0) continue;
      snprintf(path, sizeof path, "%s/event-%05d.json", base, k++);
      FILE *f = fopen(path, "wb");
      if (!f) break;
      fwrite(p + start, 1, i - start, f);
      fclose(f);
      start = i + 1;
    }
    snprintf(path, sizeof path, "%s", base);
  } else {
    snprintf(path, sizeof path, "%s.jsonl", base);
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(p, 1, n, f);
    fclose(f);
  }
  struct ds_reader *r;
  struct ds_err err = {0};
  if (ds_reader_open(path, &rp, &r, &err) == DS_OK) {
    size_t records = 0;
    enum ds_status st;
    for (;;) {
      json_t *rec;
      struct ds_bad_record bad;
      st = ds_reader_next(r, &rec, &bad, &err);
      if (st) break;
      if (++records > 4 * size + 64) abort(); /* not advancing */
      if (rec) {
        struct ds_bad_record b2;
        if (corpus_record_check(rec, &b2) != DS_OK) abort();
        json_decref(rec);
      } else if (!bad.reason || !strstr(bad.msg, base)) {
        abort(); /* a failure that names no file */
      }
    }
    if (st == DS_E_NOTFOUND) {
      struct ds_reader_items it;
      ds_reader_items(r, &it);
      if (it.in != it.used + it.skipped + it.duplicate + it.failed || it.used > it.in) abort();
    }
    ds_reader_free(r);
  }
  rm_events(base);
  unlink(path);
  return 0;
}
