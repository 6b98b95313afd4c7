/* table.c: the log formats ingest reads, one row each (the reader for each is one file in
 * this folder). Order matters only for listing and for breaking ties in detection. */
#include <string.h>

#include "format.h"

extern const struct corpus_format corpus_format_openai, corpus_format_sharegpt, corpus_format_traj,
    corpus_format_wildchat, corpus_format_canonical;
extern const struct corpus_format corpus_format_claude_code, corpus_format_anthropic;
extern const struct corpus_format corpus_format_swe_agent, corpus_format_mini_swe_agent, corpus_format_openhands,
    corpus_format_openhands_v1, corpus_format_inspect;
extern const struct corpus_format corpus_format_codex, corpus_format_openai_responses, corpus_format_openai_chat_log,
    corpus_format_openai_stored, corpus_format_openai_batch, corpus_format_openai_evals;
extern const struct corpus_format corpus_format_otel, corpus_format_langfuse, corpus_format_langsmith,
    corpus_format_mapped;

const struct corpus_format *const corpus_formats[] = {
    &corpus_format_openai,   &corpus_format_sharegpt,  &corpus_format_traj,
    &corpus_format_wildchat, &corpus_format_canonical,
    &corpus_format_claude_code,
    &corpus_format_swe_agent, &corpus_format_mini_swe_agent, &corpus_format_openhands, &corpus_format_openhands_v1,
    &corpus_format_inspect,
    &corpus_format_codex, &corpus_format_openai_responses, &corpus_format_openai_chat_log,
    &corpus_format_openai_stored, &corpus_format_openai_batch, &corpus_format_openai_evals,
    &corpus_format_anthropic,
    &corpus_format_otel, &corpus_format_langfuse, &corpus_format_langsmith, &corpus_format_mapped,
    NULL,
};

const struct corpus_format *corpus_format_find(const char *name) {
  for (size_t i = 0; corpus_formats[i]; i++)
    if (strcmp(corpus_formats[i]->name, name) == 0) return corpus_formats[i];
  return NULL;
}

bool ds_format_info_at(size_t i, struct ds_format_info *out) {
  for (size_t k = 0; corpus_formats[k]; k++) {
    if (k == i) {
      out->name = corpus_formats[k]->name;
      out->summary = corpus_formats[k]->summary;
      out->tested = corpus_formats[k]->tested;
      return true;
    }
  }
  return false;
}

enum ds_status ds_format_check(const char *name, struct ds_err *err) {
  if (name && (strcmp(name, "auto") == 0 || corpus_format_find(name))) return DS_OK;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_adds(&b, "auto");
  for (size_t i = 0; corpus_formats[i]; i++) ds_buf_addf(&b, ", %s", corpus_formats[i]->name);
  enum ds_status st = ds_fail(err, DS_E_INVALID, "unknown format '%s' (expected one of: %s)", name ? name : "", b.data);
  ds_buf_release(&b);
  return st;
}

enum ds_status ds_record_normalize(const json_t *in, const char *format, json_t **out_record,
                                   struct ds_bad_record *out_bad) {
  *out_record = NULL;
  const struct corpus_format *f = format ? corpus_format_find(format) : NULL;
  if (!f || !f->chat)
    return corpus_bad(out_bad, "unknown_format", "\"%s\" is not a record-per-line chat format", format ? format : "");
  return corpus_normalize_chat(in, f->chat, out_record, out_bad);
}
