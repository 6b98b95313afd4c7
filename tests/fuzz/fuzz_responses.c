/* fuzz_responses.c: libFuzzer target for the Responses-items converter (responses_items.c)
 * fed any JSON list of items directly, and for the readers built on it with their own state
 * (the Responses reader's stream assembly, previous_response_id chains and stitching; the
 * Codex reader's compactions, rollbacks and event mirrors) on the same bytes as JSON Lines.
 * Every message the converter makes must pass the canonical-record check, every record a
 * reader emits must normalize to itself, and every failure must name the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "corpus/corpus_int.h"
#include "corpus/formats/format.h"
#include "corpus/formats/responses_items.h"
#include "depsim/corpus.h"
#include "fuzz_file.h"

static void convert(const json_t *list, bool codex) {
  json_t *msgs = json_array();
  if (!msgs) return;
  struct ri_conv c;
  ri_init(&c, msgs, codex);
  size_t i;
  const json_t *it;
  json_array_foreach(list, i, it) {
    enum ri_kind k;
    struct ds_bad_record b;
    memset(&b, 0, sizeof b);
    enum ds_status st = ri_add(&c, it, NULL, &k, &b);
    if (st == DS_E_INVALID && !b.reason) abort(); /* a refusal says why */
  }
  ri_close(&c);
  ri_release(&c);
  if (json_array_size(msgs)) {
    json_t *rec = json_pack("{s:O}", "messages", msgs);
    struct ds_bad_record b;
    if (rec && corpus_record_check(rec, &b) != DS_OK) abort(); /* the converter made a bad message */
    json_decref(rec);
  }
  json_decref(msgs);
}

static void read_as(const char *path, const char *format) {
  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  rp.format = format;
  rp.max_record_bytes = 1 << 16;
  rp.max_depth = 24;
  struct ds_reader *r;
  struct ds_err err = {0};
  if (ds_reader_open(path, &rp, &r, &err) != DS_OK) return;
  for (int i = 0; i < 10000; i++) {
    json_t *rec;
    struct ds_bad_record bad;
    if (ds_reader_next(r, &rec, &bad, &err) != DS_OK) break;
    if (!rec) {
      if (!bad.reason || !strstr(bad.msg, path)) abort(); /* every failure is explained */
      continue;
    }
    json_t *again = NULL;
    struct ds_bad_record b2;
    if (ds_record_normalize(rec, "openai", &again, &b2) != DS_OK || !json_equal(rec, again)) abort();
    json_decref(again);
    json_decref(rec);
  }
  struct ds_reader_items it;
  ds_reader_items(r, &it);
  if (it.used > it.in) abort(); /* every item accounted: used = in - skipped - duplicate - failed */
  ds_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size > (1 << 16)) return 0;
  const char *path = fuzz_file("fuzz_responses", ".jsonl", NULL, data, size); /* ds_init first */
  json_error_t je;
  json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
  if (json_is_array(v) && !corpus_too_deep(v, 24)) {
    convert(v, false);
    convert(v, true);
  }
  json_decref(v);
  if (!path) return 0;
  read_as(path, "openai-responses");
  read_as(path, "codex");
  unlink(path);
  return 0;
}
