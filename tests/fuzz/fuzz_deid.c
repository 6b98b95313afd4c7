/* fuzz_deid.c: libFuzzer target for de-identification: any bytes as a text (raw and through
 * the JSON-unescaped view, names, code regions, surrogates), and as a JSONL record when they
 * parse. Invariants: no crash and no read past the text (the input is not NUL-terminated;
 * corpus/fuzz_deid/v_phone_overread is the read past the end the fuzzer once found), the
 * spans are sorted, disjoint and inside the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/deid.h"

static struct ds_deid *d, *sur;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!d) {
    struct ds_deid_params p;
    ds_deid_default_params(&p);
    p.replace = DS_DEID_REPLACE_SURROGATE;
    if (ds_init(NULL) || ds_deid_new(NULL, &d, NULL) || ds_deid_new(&p, &sur, NULL)) abort();
  }
  const char *text = (const char *)data;
  struct ds_deid_span *sp;
  size_t n;
  if (ds_deid_find(d, text, size, &sp, &n, NULL) == DS_OK) {
    for (size_t i = 0; i < n; i++) {
      if (sp[i].start >= sp[i].end || sp[i].end > size) abort();
      if (i && sp[i].start < sp[i - 1].end) abort();
    }
    ds_free(sp);
  }
  ds_deid_reset(d);
  char *out;
  size_t out_len;
  if (ds_deid_text(d, text, size, &out, &out_len, NULL) == DS_OK) {
    if (ds_deid_find(d, out, out_len, &sp, &n, NULL) == DS_OK) {
      ds_free(sp);
      /* the replacement loop gives up after a few rounds on adversarial input; what remains
       * must then still be found by the post-scan, which is what fails a run */
    }
    ds_free(out);
  }
  ds_deid_reset(sur);
  if (ds_deid_text(sur, text, size, &out, &out_len, NULL) == DS_OK) ds_free(out);
  json_t *rec = json_loadb(text, size, JSON_DECODE_ANY, NULL);
  if (rec && json_is_object(rec)) {
    json_t *copy = json_deep_copy(rec);
    if (ds_deid_record(d, rec, NULL) == DS_OK) ds_deid_scan_record(d, rec, NULL, NULL);
    if (copy && ds_deid_record(sur, copy, NULL) == DS_OK) ds_deid_scan_record(sur, copy, NULL, NULL);
    json_decref(copy);
  }
  json_decref(rec);
  return 0;
}
