/* chat_completion.h: OpenAI Chat Completions request messages and chat.completion responses
 * converted to canonical messages and records; shared by the readers of Chat Completions
 * logs, stored completions, Batch files and eval exports. */
#ifndef DS_FORMATS_CHAT_COMPLETION_H
#define DS_FORMATS_CHAT_COMPLETION_H

#include "format.h"

/* Appends the canonical form of each request message to out: wire-form tool calls, legacy
 * function_call/"function" messages as tool calls and tool messages, reasoning_content and
 * thinking_blocks as reasoning (signed or redacted blocks left out, reasoning_redacted). A
 * message list given as JSON text is parsed. DS_E_INVALID with bad filled for a message that
 * cannot be read. */
enum ds_status cc_messages(const json_t *msgs, json_t *out, struct ds_bad_record *bad);
/* Appends choices[0].message of a chat.completion (the answer) to out; *n_choices is the
 * number of choices it had (the others are not kept). DS_E_NOTFOUND when it has none. */
enum ds_status cc_answer(const json_t *completion, json_t *out, size_t *n_choices, struct ds_bad_record *bad);
/* True for a chat.completion object: {"object":"chat.completion"} or an id and choices with
 * a message. */
bool cc_is_completion(const json_t *v);
/* A JSON value that may be given as JSON text (litellm's spend logs keep messages and the
 * response so): the parsed value (new) or a new reference to v. */
json_t *cc_parse_text(const json_t *v);
/* Sets the record's id (when given and it has none), time (completion "created"), segment
 * model and usage from a chat.completion. */
enum ds_status cc_record_meta(json_t *rec, const json_t *completion);

#endif
