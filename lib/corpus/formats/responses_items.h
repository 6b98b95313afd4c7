/* responses_items.h: OpenAI Responses API items (the `input` and `output` lists of a response,
 * and the payloads of Codex rollouts) converted to canonical chat messages; shared by the
 * Codex and OpenAI Responses readers. */
#ifndef DS_FORMATS_RESPONSES_ITEMS_H
#define DS_FORMATS_RESPONSES_ITEMS_H

#include "format.h"

/* What ri_add made of an item. */
enum ri_kind {
  RI_MESSAGE = 0, /* a message or part of one (text, reasoning, a tool call, a tool result) */
  RI_OMITTED,     /* an item with no chat form (mcp_list_tools, an encrypted compaction, ...) */
  RI_UNKNOWN,     /* a type this converter does not know */
};

/* A conversion: the items of one conversation, in order, appended to msgs. */
struct ri_conv {
  json_t *msgs;   /* the messages made so far (borrowed; the caller owns the array) */
  bool codex;     /* mark Codex scaffolding user messages ("<environment_context>", AGENTS.md
                   * instructions, ...) with "context": true */
  long open;      /* index in msgs of the assistant message still taking parts, or -1 */
  unsigned n_synth;      /* call ids made up for calls that carry none */
  json_t *unpaired;      /* tool_search calls without call_id, waiting for their output */
};

void ri_init(struct ri_conv *c, json_t *msgs, bool codex);
void ri_release(struct ri_conv *c);
/* Converts one item. time (may be NULL) becomes the message's "time". Returns DS_OK with
 * *kind, DS_E_INVALID with bad filled for an item that cannot be read (not an object, a
 * message without a known role, a call without a name), or DS_E_NOMEM. */
enum ds_status ri_add(struct ri_conv *c, const json_t *item, const json_t *time, enum ri_kind *kind,
                      struct ds_bad_record *bad);
/* Ends the assistant message still open (one with neither text nor tool calls gets content "",
 * as chat APIs want). Call before appending other messages to msgs, and at the end. */
void ri_close(struct ri_conv *c);
/* True for a type this converter reads (including those with no chat form). */
bool ri_known_type(const char *type);
/* The item's type ("message" for an easy input message {role, content} without one). */
const char *ri_type(const json_t *item);
/* True for a user message that Codex injects as context (AGENTS.md instructions, the
 * environment, a user shell command, ...): text of its first text part. */
bool ri_codex_context_text(const char *text);
/* A Responses content (a string, or a list of input_text/output_text/refusal/input_image/
 * input_file parts) as a chat content: a new string when every part is text (joined by a
 * newline), else a new array of chat parts; NULL when there is none (or out of memory). */
json_t *ri_content(const json_t *content);

#endif
