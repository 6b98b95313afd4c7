/* corpus_int.h: what the files of lib/corpus share: bad-record reporting, the content hash
 * used for dedupe and derived ids, dotted field paths, small JSON output helpers. */
#ifndef DS_CORPUS_INT_H
#define DS_CORPUS_INT_H

#include <string.h>

#include "base/base.h"
#include "depsim/corpus.h"

#define CORPUS_DEFAULT_MAX_RECORD (16u << 20)
#define CORPUS_DEFAULT_MAX_DEPTH 64u

/* Fills b (reason + detail message, no FILE:LINE prefix) and returns DS_E_INVALID. */
enum ds_status corpus_bad(struct ds_bad_record *b, const char *reason, const char *fmt, ...) DS_PRINTF(3, 4);

/* Fills b with reason, line and the message "PATH:LINE: DETAIL [REASON]" (detail may
 * alias b->msg). */
void corpus_bad_at(struct ds_bad_record *b, const char *path, uint64_t line, const char *reason, const char *detail);

/* Picks the record format from a parsed record's keys; DS_FORMAT_AUTO when none fits. */
enum ds_format corpus_detect(const json_t *rec);

/* True when v nests containers deeper than max (a top-level object or array is depth 1). */
bool corpus_too_deep(const json_t *v, unsigned max);

/* SHA-256 over a canonical encoding of the record's "messages" and "tools" (keys sorted,
 * strings length-prefixed): equal conversations give equal digests whatever the key order
 * or whitespace of the input. scratch is reused between calls. */
enum ds_status corpus_content_hash(const json_t *rec, struct ds_buf *scratch, unsigned char out[32]);

/* The value at a dotted path ("segment.product"), borrowed, or NULL. */
json_t *corpus_get_path(const json_t *rec, const char *path);

/* jansson dump callback appending to a struct ds_buf. */
int corpus_dump_to_buf(const char *p, size_t len, void *ud);

/* Writes the JSON text of v (compact) into out (reset first); DS_E_NOMEM on failure. */
enum ds_status corpus_dump(const json_t *v, size_t flags, struct ds_buf *out);

/* Reader tap: fn sees every decoded byte, in order, as it is read (ingest hashes plain
 * input files this way instead of reading them twice). */
void corpus_reader_set_tap(struct ds_reader *r, void (*fn)(void *ud, const void *p, size_t n), void *ud);

/* Reads the rest of the input without parsing it (so that a tap sees every byte). */
enum ds_status corpus_reader_drain(struct ds_reader *r, struct ds_err *err);

/* Increments obj[key] (an integer, created at 0). Returns false on allocation failure. */
bool corpus_count(json_t *obj, const char *key, json_int_t by);

#endif
