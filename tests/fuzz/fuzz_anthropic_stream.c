/* fuzz_anthropic_stream.c: libFuzzer target for the assembler of streamed Anthropic responses
 * (lib/corpus/formats/anthropic_stream.c): the bytes as an SSE body, as a JSON array of events
 * and as one event per line; whatever it assembles must convert (anthropic_blocks.c) into a
 * message that passes the canonical-record check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/formats/anthropic.h"

/* An assembled message must always become a valid canonical assistant turn. */
static void check(const json_t *msg) {
  json_t *a = NULL;
  struct ds_bad_record bad;
  enum ds_status st = ab_assistant(json_object_get(msg, "content"), &a, &bad);
  if (st == DS_OK) {
    json_t *rec = json_pack("{s:[o]}", "messages", a);
    if (rec && corpus_record_check(rec, &bad) != DS_OK) abort();
    json_decref(rec);
  } else if (st != DS_E_INVALID && st != DS_E_NOMEM) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    ds_init(NULL);
    ready = 1;
  }
  struct ds_bad_record bad;
  json_t *msg = NULL;
  /* an SSE body given as text */
  json_t *text = ds_utf8_check((const char *)data, size) == size ? json_stringn((const char *)data, size) : NULL;
  if (text) {
    if (ab_stream_assemble(text, &msg, &bad) == DS_OK) check(msg);
    json_decref(msg);
    msg = NULL;
  }
  json_decref(text);
  /* a JSON array of events */
  json_t *v = json_loadb((const char *)data, size, 0, NULL);
  if (json_is_array(v) && ab_stream_assemble(v, &msg, &bad) == DS_OK) check(msg);
  json_decref(msg);
  json_decref(v);
  /* one event per line, fed one by one */
  struct ab_stream *s = ab_stream_new();
  const char *p = (const char *)data, *end = p + size;
  while (s && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    json_t *ev = json_loadb(p, n, 0, NULL);
    bool done = false;
    if (json_is_object(ev) && ab_stream_feed(s, ev, &done, &bad) == DS_OK && done) {
      json_t *m = ab_stream_take(s);
      if (m) check(m);
      json_decref(m);
    }
    json_decref(ev);
    p = nl ? nl + 1 : end;
  }
  ab_stream_free(s);
  return 0;
}
