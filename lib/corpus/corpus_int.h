/* corpus_int.h: what the files of lib/corpus share: bad-record reporting, the content hash
 * used for dedupe and derived ids, dotted field paths, small JSON output helpers. */
#ifndef DS_CORPUS_INT_H
#define DS_CORPUS_INT_H

#include <string.h>

#include "base/base.h"
#include "depsim/corpus.h"

#define CORPUS_DEFAULT_MAX_RECORD (16u << 20)
#define CORPUS_DEFAULT_MAX_DEPTH 64u
#define CORPUS_DEFAULT_MAX_DOCUMENT ((size_t)1 << 30)

/* Fills b (reason + detail message, no FILE:LINE prefix) and returns DS_E_INVALID. */
enum ds_status corpus_bad(struct ds_bad_record *b, const char *reason, const char *fmt, ...) DS_PRINTF(3, 4);

/* Fills b with reason, line and the message "PATH:LINE: DETAIL [REASON]" (detail may
 * alias b->msg). */
void corpus_bad_at(struct ds_bad_record *b, const char *path, uint64_t line, const char *reason, const char *detail);

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

/* source.c: the items of one file (JSON Lines, one JSON array, or one JSON document). */
struct src_file;
enum ds_status src_file_open(const char *path, const struct ds_reader_params *p, struct src_file **out,
                             struct ds_err *err);
/* DS_OK with *v a new value and *line, or *v NULL and bad filled (a failed item); DS_E_NOTFOUND
 * at the end; anything else is fatal. */
enum ds_status src_file_next(struct src_file *f, json_t **v, uint64_t *line, struct ds_bad_record *bad,
                             struct ds_err *err);
const char *src_file_container(const struct src_file *f); /* known after the first call */
uint64_t src_file_bytes(const struct src_file *f);
/* fn sees every decoded byte, in order, as it is read (the reader hashes plain files so). */
void src_file_set_tap(struct src_file *f, void (*fn)(void *ud, const void *p, size_t n), void *ud);
/* Reads the rest of the input without parsing it (so that a tap sees every byte). */
enum ds_status src_file_drain(struct src_file *f, struct ds_err *err);
void src_file_free(struct src_file *f);
/* Parses text that must be one JSON value (a zip member, an event file; a UTF-8 BOM is
 * skipped): *v a new value, or NULL with bad filled ("FILE:LINE: ..."). */
enum ds_status corpus_parse_value(const char *file, const char *p, size_t n, unsigned max_depth,
                                  struct ds_buf *scratch, json_t **v, struct ds_bad_record *bad,
                                  struct ds_err *err);

/* zip.c: the members of a zip archive. */
struct zip_archive;
bool zip_is_zip(const char *path); /* starts with a local file header */
enum ds_status zip_open(const char *path, struct zip_archive **out, struct ds_err *err);
size_t zip_count(const struct zip_archive *z);
const char *zip_name(const struct zip_archive *z, size_t i);
uint64_t zip_size(const struct zip_archive *z, size_t i);
/* Member i, decompressed and CRC-checked, into out (reset first); max 0 = no limit. */
enum ds_status zip_read(struct zip_archive *z, size_t i, size_t max, struct ds_buf *out, struct ds_err *err);
void zip_free(struct zip_archive *z);

/* Increments obj[key] (an integer, created at 0). Returns false on allocation failure. */
bool corpus_count(json_t *obj, const char *key, json_int_t by);

#endif
