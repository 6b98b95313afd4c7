/* fuzz_reader_jsonl.c: libFuzzer target for the JSON Lines reader and record normalization
 * (the first byte picks the format), plus a differential check of the fast JSON path: where
 * it accepts a line, jansson must accept it too, build an equal value, and dump the same text.
 * The same for the walk that copies JSON without building it (replay's corpus loading), and
 * its stepping through a record's members must end where the copy does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "depsim/corpus.h"
#include "fuzz_file.h"

static void check_fast_path(const char *p, size_t n, bool reject_duplicates, struct ds_buf *scratch,
                            struct ds_buf *out) {
  json_t *fast = ds_json_parse_fast(p, n, 32, reject_duplicates, scratch);
  if (!fast) return;
  json_error_t je;
  json_t *ref = json_loadb(p, n, reject_duplicates ? JSON_REJECT_DUPLICATES : 0, &je);
  if (!ref || !json_equal(ref, fast)) abort(); /* the fast parser accepted what jansson does not */
  char *want = json_dumps(ref, JSON_COMPACT);
  ds_buf_reset(out);
  if (want && ds_json_write_compact(fast, out) == DS_OK && strcmp(want, out->data) != 0) abort();
  ds_free(want);
  json_decref(ref);
  json_decref(fast);
}

static void check_walk(const char *p, size_t n, struct ds_buf *scratch, struct ds_buf *out) {
  ds_buf_reset(out);
  bool copied = ds_json_copy((struct ds_str){p, n}, 0, out, scratch);
  json_error_t je;
  json_t *ref = json_loadb(p, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
  if (copied) {
    if (!ref) abort(); /* the walk accepted what jansson does not */
    char *want = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
    if (want && strcmp(want, out->data ? out->data : "") != 0) abort();
    ds_free(want);
  }
  /* stepping member by member accepts what the copy accepts (which holds fewer keys) */
  struct ds_json_walk w;
  if (copied && ds_json_walk_open(&w, p, p + n, 1, scratch)) {
    int r;
    struct ds_str key;
    while ((r = ds_json_walk_next(&w, &key)) > 0)
      if (!ds_json_walk_value(&w, NULL, NULL)) abort();
    if (r < 0) abort();
  }
  json_decref(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const char *path = fuzz_file("fuzz_reader_jsonl", NULL, NULL, data + 1, size - 1);
  if (!path) return 0;

  struct ds_buf scratch, out;
  ds_buf_init(&scratch, 0);
  ds_buf_init(&out, 0);
  /* differential check, line by line */
  const char *p = (const char *)data + 1, *end = (const char *)data + size;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    check_fast_path(p, n, false, &scratch, &out);
    check_fast_path(p, n, true, &scratch, &out);
    check_walk(p, n, &scratch, &out);
    p += n + 1;
  }

  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  struct ds_format_info fi;
  size_t nf = 0;
  while (ds_format_info_at(nf, &fi)) nf++;
  rp.format = data[0] % (nf + 1) == 0 ? NULL : (ds_format_info_at(data[0] % (nf + 1) - 1, &fi), fi.name);
  rp.max_record_bytes = 4096;
  rp.max_depth = 16;
  struct ds_reader *r;
  struct ds_err err = {0};
  if (ds_reader_open(path, &rp, &r, &err) == DS_OK) {
    for (int i = 0; i < 10000; i++) {
      json_t *rec;
      struct ds_bad_record bad;
      enum ds_status st = ds_reader_next(r, &rec, &bad, &err);
      if (st) break;
      if (!rec) {
        if (!bad.reason || !strstr(bad.msg, path)) abort(); /* every failure is explained */
        continue;
      }
      /* a normalized record normalizes to itself */
      json_t *again = NULL;
      struct ds_bad_record b2;
      if (ds_record_normalize(rec, "openai", &again, &b2) != DS_OK || !json_equal(rec, again)) abort();
      json_decref(again);
      json_decref(rec);
    }
    ds_reader_free(r);
  }
  ds_buf_release(&scratch);
  ds_buf_release(&out);
  unlink(path);
  return 0;
}
