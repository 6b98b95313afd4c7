/* fuzz_otel.c: libFuzzer target for the OTLP trace reader's own state: the grouping of spans
 * into conversations across lines (traces, sessions learnt from any span, the last call by
 * time, earlier prefixes, side calls, failures falling back to the call before). The input
 * is a program: each 8-byte step writes one TracesData line holding one span whose trace,
 * session, times, dialect and messages it picks; the message texts and some attribute values
 * are slices of the input itself (so JSON text in attributes is fuzzed too). Every record must
 * pass the canonical-record validator, every failure must name its file and line, and every
 * line must be accounted (in = used + skipped + duplicate + failed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "corpus/formats/format.h"
#include "depsim/corpus.h"

static const char *const texts[] = {"hi", "hello", "bye", "see you", "", "Weather?", "rainy"};

static json_t *av_str(const char *s, size_t n) { return json_pack("{s:s%}", "stringValue", s, n); }

static void kv(json_t *attrs, const char *key, json_t *value) {
  json_array_append_new(attrs, json_pack("{s:s,s:o}", "key", key, "value", value));
}

/* A GenAI message list of n turns (user/assistant alternating), as JSON text. */
static char *gen_ai_list(unsigned n, unsigned salt, bool output) {
  json_t *a = json_array();
  for (unsigned i = 0; i < n; i++) {
    const char *role = output ? "assistant" : i % 2 ? "assistant" : "user";
    json_t *part = (salt + i) % 5 == 4 ? json_pack("{s:s,s:s,s:s,s:{s:s}}", "type", "tool_call", "id", "c1", "name", "w",
                                                   "arguments", "q", "x")
                                       : json_pack("{s:s,s:s}", "type", "text", "content",
                                                   texts[(salt + i) % DS_ARRAY_LEN(texts)]);
    json_array_append_new(a, json_pack("{s:s,s:[o]}", "role", role, "parts", part));
  }
  char *s = json_dumps(a, JSON_COMPACT);
  json_decref(a);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  static bool ready;
  if (!ready) {
    struct ds_err err = {0};
    ds_init(&err);
    snprintf(path, sizeof path, "/tmp/fuzz_otel.%d.jsonl", (int)getpid());
    ready = true;
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  size_t steps = size / 8;
  if (steps > 64) steps = 64;
  const uint8_t *tail = data + steps * 8; /* raw bytes for attribute values */
  size_t tail_n = size - steps * 8;
  for (size_t k = 0; k < steps; k++) {
    const uint8_t *b = data + k * 8;
    char trace[8], span[24], sess[8];
    snprintf(trace, sizeof trace, "t%u", b[0] % 4);
    snprintf(span, sizeof span, "s%zu", k);
    snprintf(sess, sizeof sess, "S%u", b[1] % 2);
    json_t *attrs = json_array();
    unsigned dialect = b[2] % 6, turns = 1 + b[3] % 5;
    if (b[1] & 0x80) kv(attrs, "session.id", json_pack("{s:s}", "stringValue", sess));
    if (dialect == 0 || dialect == 1) { /* GenAI messages: JSON text or raw bytes */
      char *in = gen_ai_list(turns, b[4], false), *out = gen_ai_list(1, b[4] + turns, true);
      if (dialect == 1 && tail_n) kv(attrs, "gen_ai.input.messages", av_str((const char *)tail, tail_n));
      else kv(attrs, "gen_ai.input.messages", json_pack("{s:s}", "stringValue", in));
      kv(attrs, "gen_ai.output.messages", json_pack("{s:s}", "stringValue", out));
      free(in);
      free(out);
    } else if (dialect == 2) { /* OpenInference, flattened */
      for (unsigned i = 0; i < turns; i++) {
        char key[64];
        snprintf(key, sizeof key, "llm.input_messages.%u.message.role", b[5] & 1 ? i * 7 : i);
        kv(attrs, key, json_pack("{s:s}", "stringValue", i % 2 ? "assistant" : "user"));
        snprintf(key, sizeof key, "llm.input_messages.%u.message.content", b[5] & 1 ? i * 7 : i);
        kv(attrs, key, json_pack("{s:s}", "stringValue", texts[(b[4] + i) % DS_ARRAY_LEN(texts)]));
      }
      kv(attrs, "llm.output_messages.0.message.role", json_pack("{s:s}", "stringValue", "assistant"));
      if (tail_n) kv(attrs, "llm.output_messages.0.message.content", av_str((const char *)tail, tail_n));
    } else if (dialect == 3) { /* OpenLLMetry, with a raw value as a JSON-text content */
      kv(attrs, "gen_ai.prompt.0.role", json_pack("{s:s}", "stringValue", "user"));
      kv(attrs, "gen_ai.prompt.0.content", tail_n ? av_str((const char *)tail, tail_n) : json_pack("{s:s}", "stringValue", "q"));
      kv(attrs, "gen_ai.completion.0.content", json_pack("{s:s}", "stringValue", texts[b[4] % DS_ARRAY_LEN(texts)]));
    } else if (dialect == 4) { /* a call without content */
      kv(attrs, "gen_ai.operation.name", json_pack("{s:s}", "stringValue", "chat"));
    } /* 5: not a model call */
    char st[32], en[32];
    snprintf(st, sizeof st, "%u000000000", 1000u + b[6]);
    snprintf(en, sizeof en, "%u000000000", 1000u + b[6] + b[7] % 3);
    json_t *td = json_pack("{s:[{s:{s:[]},s:[{s:{s:s},s:[{s:s,s:s,s:s,s:s,s:s,s:o}]}]}]}", "resourceSpans", "resource",
                           "attributes", "scopeSpans", "scope", "name", "fuzz", "spans", "traceId", trace, "spanId", span,
                           "name", "chat", "startTimeUnixNano", st, "endTimeUnixNano", en, "attributes", attrs);
    char *line = td ? json_dumps(td, JSON_COMPACT) : NULL;
    if (line) fprintf(f, "%s\n", line);
    free(line);
    json_decref(td);
  }
  fclose(f);
  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  rp.format = (size && data[0] & 0x40) ? "otel" : NULL;
  struct ds_reader *r;
  struct ds_err err = {0};
  if (ds_reader_open(path, &rp, &r, &err) == DS_OK) {
    size_t n = 0;
    enum ds_status st;
    for (;;) {
      json_t *rec;
      struct ds_bad_record bad;
      st = ds_reader_next(r, &rec, &bad, &err);
      if (st) break;
      if (++n > 4 * steps + 64) abort(); /* not advancing */
      if (rec) {
        struct ds_bad_record b2;
        if (corpus_record_check(rec, &b2) != DS_OK) abort();
        json_decref(rec);
      } else if (!bad.reason || !strstr(bad.msg, path) || bad.line == 0) {
        abort();
      }
    }
    if (st == DS_E_NOTFOUND) {
      struct ds_reader_items it;
      ds_reader_items(r, &it);
      if (it.in != steps || it.in != it.used + it.skipped + it.duplicate + it.failed) abort();
    }
    ds_reader_free(r);
  }
  unlink(path);
  return 0;
}
