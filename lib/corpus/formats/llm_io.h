/* llm_io.h: one logged LLM call's input and output, in whatever shape the logger kept them,
 * as canonical messages. Shared by the readers of telemetry and observability exports (otel,
 * langfuse, langsmith), whose payloads are what the instrumented SDK saw: OpenAI chat
 * messages, requests and responses; OpenAI Responses items; OTel GenAI messages with parts;
 * Anthropic content blocks, requests and responses; Gemini contents; Bedrock Converse;
 * LangChain messages (serialized, typed dicts, generations); Vercel AI SDK parts; plain
 * text. A JSON text in a string is read as the value it holds. */
#ifndef DS_CORPUS_LLM_IO_H
#define DS_CORPUS_LLM_IO_H

#include "format.h"

/* The conversation being built from one call (or several, in order). */
struct llm_conv {
  json_t *msgs;        /* canonical messages, appended */
  json_t *tools;       /* tool definitions a request carried (OpenAI shape), or NULL */
  json_t *alts;        /* the other choices of an output (canonical messages), or NULL */
  char *model;         /* the model a request or response names, or NULL */
  const char *id_base; /* prefix of tool call ids made for calls that have none (borrowed) */
  unsigned n_synth;
  json_t *pending;     /* [[id, name]...]: tool calls not answered yet, to match results without id */
  json_t *open;        /* the assistant message Responses items add to (in msgs), or NULL */
  bool redacted;       /* some reasoning was signed, redacted or encrypted and left out */
};

/* msgs is a new empty array; false on allocation failure. */
bool llm_conv_init(struct llm_conv *c, const char *id_base);
void llm_conv_release(struct llm_conv *c);

/* The messages sent to the model: a message list, a request ({messages, system, tools},
 * {input, instructions}, {contents}, {prompt}), or text (a user turn). DS_E_INVALID with b
 * filled when the shape is not one of these. */
enum ds_status llm_input(struct llm_conv *c, const json_t *v, struct ds_bad_record *b);
/* What the model answered: an assistant message, a response ({choices}, {generations},
 * {candidates}, {output}, {content}), output messages (the first is the answer, the rest go
 * to alts), or text. */
enum ds_status llm_output(struct llm_conv *c, const json_t *v, struct ds_bad_record *b);
/* One message of any of the shapes above; dflt_role when it names none (NULL: it must). */
enum ds_status llm_message(struct llm_conv *c, const json_t *m, const char *dflt_role, struct ds_bad_record *b);
/* A message of role with content given as a list of parts or blocks (OTel GenAI parts,
 * Anthropic, Gemini, Bedrock, Vercel) or text; tool results among them become tool messages. */
enum ds_status llm_parts_message(struct llm_conv *c, const char *role, const json_t *parts, const json_t *src,
                                 struct ds_bad_record *b);
/* A tool call of role assistant appended to msg, recorded as pending. id may be NULL (one is
 * made); args a JSON text string, an object, or NULL. */
enum ds_status llm_add_call(struct llm_conv *c, json_t *msg, const char *id, const char *name, const json_t *args,
                            struct ds_bad_record *b);
/* A tool message answering id (or, without one, the pending call named name, else the oldest;
 * else an id is made). */
enum ds_status llm_add_result(struct llm_conv *c, const char *id, const char *name, const json_t *content,
                              struct ds_bad_record *b);

/* Tool definitions of the common shapes (OpenAI, flat {type,name,parameters}, Anthropic
 * {name,input_schema}, Gemini {functionDeclarations}) in OpenAI shape; a new array, or NULL
 * when defs holds none (or on allocation failure). */
json_t *llm_tools(const json_t *defs);
/* Canonical role of a logged one (user/human, assistant/ai/model/bot, system, developer,
 * tool/function/ipython; any case), or NULL. */
const char *llm_role(const char *r);
/* The value a string holds when it is JSON text of an object or array (new reference), else NULL. */
json_t *llm_json_text(const json_t *s);
/* Text of a tool result or content value: a string as is, text parts joined, anything else
 * as compact JSON. New string (ds_free), or NULL on allocation failure. */
char *llm_text_of(const json_t *v);

#endif
