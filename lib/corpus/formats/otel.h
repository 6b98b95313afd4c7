/* otel.h: what the OTLP trace reader (otel.c) and its attribute dialects (otel_dialects.c)
 * share: span attributes decoded from OTLP AnyValues to plain JSON, and the LLM call a span
 * holds in one of the three dialects seen in practice. */
#ifndef DS_CORPUS_OTEL_H
#define DS_CORPUS_OTEL_H

#include "llm_io.h"

/* OTLP/JSON KeyValue list ([{"key","value":AnyValue}], or a plain {key: value} object) as a
 * new object {key: value}; AnyValues become JSON (intValue as an integer, arrayValue an array,
 * kvlistValue an object, bytesValue its base64 text). NULL on allocation failure. */
json_t *otel_attrs(const json_t *kvs);
/* One AnyValue as JSON (new reference; null when it holds nothing known). */
json_t *otel_any(const json_t *v);

enum otel_kind {
  OTEL_NOT_LLM = 0,     /* not a model call */
  OTEL_LLM_NO_CONTENT,  /* a model call whose content was not captured */
  OTEL_LLM,             /* a model call with its messages */
};
/* What a span is, from its decoded attributes and its events. */
enum otel_kind otel_span_kind(const json_t *attrs, const json_t *events);
/* The conversation of an LLM span: system instructions, input and output messages, tool
 * definitions (in c), from the GenAI semantic conventions (attributes, or per-message events),
 * OpenInference (llm.input_messages.N...) or OpenLLMetry (gen_ai.prompt.N...). *dialect names
 * the one read ("gen_ai", "gen_ai_events", "openinference", "openllmetry"). */
enum ds_status otel_span_conv(const json_t *attrs, const json_t *events, struct llm_conv *c, const char **dialect,
                              struct ds_bad_record *b);
/* The first of keys that attrs has as a non-empty string (borrowed), or NULL. */
const char *otel_str(const json_t *attrs, const char *const *keys);

#endif
