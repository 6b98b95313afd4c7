/* stitch.h: conversations logged once per API call, where each call repeats the whole
 * history of the call before it (Chat Completions, stateless Responses): a call whose
 * messages (its answer included) begin another call's request is that conversation at an
 * earlier step, and is folded into it instead of being kept as a record of its own. Shared by
 * the OpenAI Responses and Chat Completions log readers. */
#ifndef DS_FORMATS_STITCH_H
#define DS_FORMATS_STITCH_H

#include "format.h"

struct stitch;
struct stitch *stitch_new(void);
void stitch_free(struct stitch *s);
/* Adds a finished record (the reference is taken); file and line say where it starts. */
enum ds_status stitch_add(struct stitch *s, json_t *rec, const char *file, uint64_t line);
/* Emits, in the order they were added, the records that are not a prefix of another one (a
 * folded record's earlier "time", and the segment fields and tools the holder lacks, go to
 * the record that holds it), and empties the set. */
enum ds_status stitch_emit(struct stitch *s, struct fmt_out *o);

#endif
