/* calls.h: the model calls of one unit grouped into conversations, shared by the readers of
 * span trees (otel, langfuse, langsmith). A call belongs to a group (a trace); a group may be
 * part of a session, learnt from any of its items; a conversation is a session or else a
 * group. At the end of the unit each conversation's last call (by end time, then start time,
 * then order) is its record; an earlier call whose turns are a prefix of it repeats them
 * (its item counts as a duplicate); one that is not (a side call: a title, a summary, a
 * subagent) is a record of its own, <conversation>/<call id>, with parent_id. Every item ends
 * used, duplicate, failed, or skipped with the type its reader noted. */
#ifndef DS_CORPUS_CALLS_H
#define DS_CORPUS_CALLS_H

#include "format.h"

struct calls;
struct calls *calls_new(void);
void calls_free(struct calls *c);

/* Registers an item; *out_index names it below. skip_type: how it is counted when no
 * record uses it (a static string). */
enum ds_status calls_item(struct calls *c, const struct fmt_item *it, const char *skip_type, size_t *out_index);
/* Changes how an item is counted when unused (a later, more telling reason). */
void calls_note(struct calls *c, size_t item, const char *skip_type);
/* Group `group` is part of session `session` (the first one learnt stays). */
enum ds_status calls_session(struct calls *c, const char *group, const char *session);
/* A model call of item, in group, with its own id and times (nanoseconds since the epoch,
 * 0 when unknown); payload (a reference is taken) is what the record function reads. */
enum ds_status calls_add(struct calls *c, size_t item, const char *group, const char *call_id, uint64_t start_ns,
                         uint64_t end_ns, json_t *payload);

/* Makes the record of one call: id is the record's id, session the session id (or NULL),
 * first_ns the conversation's first call start (0 for a side call: its own). DS_E_INVALID
 * with b filled when the call cannot be read (it is then failed at its item). */
typedef enum ds_status (*calls_record_fn)(void *ud, const json_t *payload, const char *id, const char *session,
                                          uint64_t first_ns, json_t **out, struct ds_bad_record *b);
/* Emits the records and counts every item. */
enum ds_status calls_finish(struct calls *c, calls_record_fn fn, void *ud, struct fmt_out *o, struct ds_err *err);

/* Nanoseconds since the epoch of a time value: an RFC 3339 / "YYYY-MM-DD HH:MM:SS.ffffff"
 * string (fraction kept), epoch seconds or milliseconds, or a nanosecond count (a number or
 * digit string above 1e15, as OTLP writes); 0 when unreadable. */
uint64_t calls_time_ns(const json_t *v);
/* An OTLP *UnixNano field: nanoseconds as a number or a digit string; 0 when unreadable. */
uint64_t calls_unix_nano(const json_t *v);
/* rec.time from nanoseconds (nothing when 0); DS_E_NOMEM on failure. */
enum ds_status calls_set_time(json_t *rec, uint64_t ns);

#endif
