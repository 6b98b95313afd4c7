/* agent_common.h: what the coding-agent log readers share (SWE-agent, mini-swe-agent,
 * OpenHands V0 and V1, Inspect): content parts to canonical content, reasoning fields and
 * parts, tool calls in their several spellings, and small record helpers. */
#ifndef DS_CORPUS_AGENT_COMMON_H
#define DS_CORPUS_AGENT_COMMON_H

#include "format.h"

/* A canonical content value (new reference) from a log's content: a string stays as it is;
 * null/absent is ""; a list of parts becomes one string when every part is text (joined by
 * "\n"), else a list of OpenAI parts ({"type":"text","text"}, {"type":"image_url",
 * "image_url":{"url"}}; other kinds become a text part "[kind]"). Reasoning and thinking
 * parts are left out (agent_reasoning_parts reads them). NULL only on allocation failure. */
json_t *agent_content(const json_t *content);

/* Adds to msg.reasoning what src (a message or event object) carries: "reasoning_content"
 * (string), "reasoning" (string), and "thinking_blocks" ([{type:"thinking",thinking}], whose
 * text counts only when there is no reasoning_content, which repeats it; a
 * "redacted_thinking" block, or a thinking block without text, sets reasoning_redacted). */
enum ds_status agent_reasoning_fields(json_t *msg, const json_t *src);

/* Adds the reasoning parts of a content list to msg.reasoning: {type:"reasoning", reasoning,
 * summary, redacted} (Inspect: redacted reasoning keeps only its summary), {type:"thinking",
 * thinking} and {type:"redacted_thinking"} (Anthropic). */
enum ds_status agent_reasoning_parts(json_t *msg, const json_t *content);

/* Marks msg.reasoning_redacted = true. */
enum ds_status agent_mark_redacted(json_t *msg);

/* Appends each tool call of tcs to msg.tool_calls. Accepted spellings: OpenAI wire
 * {id, type, function:{name, arguments}}, flat {id, name, arguments}, Inspect {id,
 * function:"name", arguments:{...}}, Responses {call_id, name, arguments}. Arguments that are
 * an object are serialized canonically. mi numbers the message for errors. */
enum ds_status agent_tool_calls(json_t *msg, const json_t *tcs, size_t mi, struct ds_bad_record *bad);

/* A canonical message from an OpenAI-style chat message object: role (given, or the
 * message's own), content (agent_content), tool calls, tool_call_id (or the first of
 * "tool_call_ids"), and reasoning fields and parts. *out is new. */
enum ds_status agent_chat_message(const json_t *m, const char *role, size_t mi, json_t **out,
                                  struct ds_bad_record *bad);

/* A new record {"messages":[]} with segment.agent = agent. NULL on allocation failure. */
json_t *agent_record(const char *agent);

/* rec.segment[key] / rec.repo[key] = the string s (ignored when NULL or empty). */
enum ds_status agent_seg_str(json_t *rec, const char *key, const char *s);
enum ds_status agent_repo_str(json_t *rec, const char *key, const char *s);

/* rec[key] = a copy of v when v is present and not null (a new reference is taken). */
enum ds_status agent_keep(json_t *rec, const char *key, const json_t *v);

/* The base name of path with suffix removed when it ends with it (a new string). */
char *agent_file_stem(const char *path, const char *suffix);

/* True when name ends with suffix (case-insensitive). */
bool agent_ends_with(const char *name, const char *suffix);

/* The string at a dotted path of v ("config.model.model_name"), or NULL. */
const char *agent_str_at(const json_t *v, const char *path);

/* The number of probe items that are objects having key. */
size_t agent_probe_count(const struct fmt_probe *p, const char *key);

#endif
