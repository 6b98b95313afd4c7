/* anthropic.h: what the readers of Anthropic-shaped logs share (the Messages API reader,
 * anthropic.c, and the Claude Code reader, claude_code.c): the converter of Anthropic content
 * blocks into canonical messages (anthropic_blocks.c) and the assembler of a streamed response
 * (server-sent events) into one Message (anthropic_stream.c). */
#ifndef DS_CORPUS_ANTHROPIC_H
#define DS_CORPUS_ANTHROPIC_H

#include "format.h"

/* ---- content blocks (anthropic_blocks.c) ---------------------------------------------- */

/* Checks what the converter needs of a message's content (a string or an array of blocks,
 * each an object with a string "type"; tool_use with a string id and name; tool_result with a
 * string tool_use_id; text with a string text). Other block types are not checked: they are
 * kept as they are. DS_E_INVALID with bad filled when it does not hold. */
enum ds_status ab_check_content(const json_t *content, struct ds_bad_record *bad);

/* One canonical assistant message from an assistant content (checked first):
 * - text blocks -> content (adjacent blocks concatenated, blocks apart joined by a blank line);
 * - thinking -> "reasoning" (the signature is dropped; a thinking block without text and
 *   redacted_thinking -> "reasoning_redacted": true);
 * - tool_use -> tool_calls {id, name, arguments as canonical JSON text} ("caller" kept when the
 *   call came from server-side code);
 * - any other block (server_tool_use, *_tool_result, mcp_*, compaction, text with citations,
 *   types to come) makes the content an array of parts in the blocks' order: text parts
 *   {type:text, text[, citations]} and the other blocks copied as they are.
 * The content is null when the message has only tool calls. *out is a new message. */
enum ds_status ab_assistant(const json_t *content, json_t **out, struct ds_bad_record *bad);

/* Appends the canonical messages of one user content (checked first) to msgs: a "tool"
 * message per tool_result block (tool_call_id, content as text or parts, "is_error": true
 * when set), in order, then a "user" message with the other blocks, if any (one text block
 * -> a string; else parts: text, image -> image_url with a data: URL or the URL, base64
 * document -> file with file_data, others copied). */
enum ds_status ab_user(const json_t *content, json_t *msgs, struct ds_bad_record *bad);

/* Appends the system message for a request's top-level "system" (a string, or an array of
 * text blocks: one -> a string, several -> text parts). Nothing for null or "". */
enum ds_status ab_system(const json_t *system, json_t *msgs, struct ds_bad_record *bad);

/* The canonical tools of a request's "tools": a client tool {name, description,
 * input_schema} becomes {"type":"function","function":{name, description, parameters}};
 * server tools (typed web_search_..., bash_..., text_editor_..., mcp toolsets) are copied as
 * they are. *out is a new array. */
enum ds_status ab_tools(const json_t *tools, json_t **out, struct ds_bad_record *bad);

/* True when the block type is one whose result comes from the server in the same message
 * (server_tool_use, mcp_tool_use and every *_tool_result but tool_result). */
bool ab_is_server_block(const char *type);

/* ---- streamed responses (anthropic_stream.c) ----------------------------------------- */

/* Assembles the events of one streamed response (message_start, content_block_start/delta/
 * stop, message_delta, message_stop; ping ignored) into the Message they stream. */
struct ab_stream;
struct ab_stream *ab_stream_new(void);
void ab_stream_free(struct ab_stream *s);
/* True when ev (an object) is an event of the stream (by its "type"). */
bool ab_stream_is_event(const json_t *ev);
/* Feeds one event. DS_OK; *out_done set at message_stop, then ab_stream_take gives the
 * message. DS_E_INVALID with bad filled for an event out of order or malformed, and for an
 * "error" event (reason "api_error"): the stream is then reset. */
enum ds_status ab_stream_feed(struct ab_stream *s, const json_t *ev, bool *out_done, struct ds_bad_record *bad);
/* True between message_start and message_stop. */
bool ab_stream_open(const struct ab_stream *s);
/* The assembled message (new reference), and the stream reset for the next one; NULL on
 * allocation failure or when nothing was started. */
json_t *ab_stream_take(struct ab_stream *s);
/* Events of one response given whole: a JSON array of events, or the text of an SSE body
 * ("event: ...\ndata: {...}\n\n" or one JSON event per line). *out a new Message. */
enum ds_status ab_stream_assemble(const json_t *events, json_t **out, struct ds_bad_record *bad);

#endif
