/* fuzz_file_backend.c: libFuzzer target for the file backend's completions file (our JSONL and
 * OpenAI Batch API output lines): the bytes become the file, the backend opens it, and the ids
 * it names are requested back, so indexing, duplicate detection and lookups all run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/backend.h"

static void ask(struct ds_backend *b, const json_t *msgs, const char *key, unsigned k) {
  struct ds_request req;
  ds_request_init(&req);
  req.messages = msgs;
  req.key = key;
  req.k = k;
  struct ds_result r;
  memset(&r, 0, sizeof r);
  struct ds_err err;
  if (ds_backend_call(b, &req, &r, &err) == DS_OK) {
    /* an answered request has content (possibly ""), a failed one a reason */
    if (r.status == DS_OK && !r.content) __builtin_trap();
    if (r.status != DS_OK && !r.error[0]) __builtin_trap();
  }
  ds_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64], spec[80];
  static json_t *msgs;
  if (!msgs) {
    ds_init(NULL);
    snprintf(path, sizeof path, "/tmp/ds_fuzz_file_backend_%d.jsonl", (int)getpid());
    snprintf(spec, sizeof spec, "file:%s", path);
    msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  struct ds_backend_params p;
  ds_backend_default_params(&p);
  p.spec = spec;
  struct ds_backend *b = NULL;
  struct ds_err err;
  memset(&err, 0, sizeof err);
  if (ds_backend_open(&p, &b, &err) != DS_OK) {
    if (b || !err.msg[0]) __builtin_trap(); /* a failed open says why and hands nothing out */
    return 0;
  }
  /* request what the first lines name, as the replay would */
  const char *s = (const char *)data, *end = s + size;
  for (int n = 0; s < end && n < 8; n++) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
    json_t *o = json_loadb(s, len, 0, NULL);
    const char *id = ds_json_str(o, "id", NULL), *cid = ds_json_str(o, "custom_id", NULL);
    double k = ds_json_num(o, "k", 0);
    if (id) ask(b, msgs, id, k >= 0 && k < 1e9 ? (unsigned)k : 0);
    if (cid) {
      ask(b, msgs, cid, 0);
      const char *h = strrchr(cid, '#');
      if (h && h > cid) {
        char *key = ds_strndup(cid, (size_t)(h - cid));
        if (key) ask(b, msgs, key, (unsigned)strtoul(h + 1, NULL, 10));
        ds_free(key);
      }
    }
    json_decref(o);
    s += len + 1;
  }
  ask(b, msgs, "missing#1", 3);
  ds_backend_close(b);
  return 0;
}
