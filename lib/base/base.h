/* base.h: internal helpers shared by every module of libdepsim, the CLI and the tests:
 * growable buffers, borrowed slices, hashing, time, small JSON conveniences. Not installed. */
#ifndef DS_BASE_H
#define DS_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "depsim/depsim.h"

#define DS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DS_UNUSED(x) ((void)(x))

/* Invariant checks only (never for input validation): abort with file:line. */
#define DS_ASSERT(cond) \
  do { if (!(cond)) ds_assert_fail(#cond, __FILE__, __LINE__); } while (0)
void ds_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

/* A growable byte buffer. data is never NULL and always NUL-terminated after
 * ds_buf_init. Growing past max (0 = unlimited) fails with DS_E_LIMIT. */
struct ds_buf {
  char *data;
  size_t len, cap, max;
};
void ds_buf_init(struct ds_buf *b, size_t max);
void ds_buf_release(struct ds_buf *b);
void ds_buf_reset(struct ds_buf *b);                       /* len = 0, keeps memory */
enum ds_status ds_buf_grow(struct ds_buf *b, size_t extra);
enum ds_status ds_buf_add(struct ds_buf *b, const void *p, size_t len);
enum ds_status ds_buf_adds(struct ds_buf *b, const char *s);
enum ds_status ds_buf_addc(struct ds_buf *b, char c);
enum ds_status ds_buf_addf(struct ds_buf *b, const char *fmt, ...) DS_PRINTF(2, 3);
enum ds_status ds_buf_vaddf(struct ds_buf *b, const char *fmt, va_list ap);
char *ds_buf_detach(struct ds_buf *b, size_t *out_len);   /* caller frees with ds_free */

/* ds_buf_add with the common case (it fits) inlined: JSON writers call it per token. */
static inline enum ds_status ds_buf_put(struct ds_buf *b, const void *p, size_t n) {
  if (b->cap && b->len + n + 1 <= b->cap) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DS_OK;
  }
  return ds_buf_add(b, p, n);
}
static inline enum ds_status ds_buf_putc(struct ds_buf *b, char c) { return ds_buf_put(b, &c, 1); }

/* A borrowed slice. */
struct ds_str {
  const char *p;
  size_t len;
};

/* SHA-256 as 64 lowercase hex chars plus NUL. */
struct ds_sha256 { void *ctx; };
enum ds_status ds_sha256_begin(struct ds_sha256 *h);
void ds_sha256_update(struct ds_sha256 *h, const void *p, size_t len);
void ds_sha256_end(struct ds_sha256 *h, char out_hex[65]);
void ds_sha256_hex(const void *p, size_t len, char out_hex[65]);
enum ds_status ds_sha256_file(const char *path, char out_hex[65], struct ds_err *err);

/* 64-bit FNV-1a: stable across platforms and versions (used for sharding and seeds). */
uint64_t ds_hash64(const void *p, size_t len);
/* splitmix64 step, for deriving independent seeds. */
uint64_t ds_mix64(uint64_t x);

/* Wall-clock and monotonic time. */
double ds_now_mono(void);                                  /* seconds, monotonic */
void ds_now_iso8601(char out[32]);                          /* UTC, 2026-03-01T12:00:00Z */
/* Parses RFC 3339 / ISO 8601 (date, or date-time with Z or offset, fractional seconds) or
 * a Unix epoch number string into seconds since the epoch. */
enum ds_status ds_parse_time(const char *s, int64_t *out_epoch);
void ds_format_time(int64_t epoch, char out[32]);

/* UTF-8 validation: returns the byte offset of the first invalid sequence or len if valid. */
size_t ds_utf8_check(const char *p, size_t len);
/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80; avail bytes readable), 0 when it
 * is invalid or truncated (strict: no overlongs, no surrogates, at most U+10FFFF). Inline: the
 * corpus JSON scanner calls it for every non-ASCII character. */
static inline size_t ds_utf8_seq(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 1;
  else if (c == 0xE0) { n = 2; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) n = 2;
  else if (c == 0xED) { n = 2; hi = 0x9F; }
  else if (c >= 0xEE && c <= 0xEF) n = 2;
  else if (c == 0xF0) { n = 3; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 3;
  else if (c == 0xF4) { n = 3; hi = 0x8F; }
  else return 0;
  if (avail <= n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t k = 2; k <= n; k++)
    if ((s[k] & 0xC0) != 0x80) return 0;
  return n + 1;
}

/* Reads a whole file (plain, .gz or .zst by magic bytes) up to max bytes (0 = no limit). */
enum ds_status ds_read_file(const char *path, size_t max, struct ds_buf *out, struct ds_err *err);
/* Writes atomically: path.tmp then rename. */
enum ds_status ds_write_file(const char *path, const void *p, size_t len, struct ds_err *err);

/* Streaming line reader over plain, gzip or zstd input (detected by magic bytes).
 * Lines longer than max_line are reported (too_long set, the line skipped) not truncated. */
struct ds_lines;
enum ds_status ds_lines_open(const char *path, size_t max_line, struct ds_lines **out, struct ds_err *err);
/* Returns DS_OK with *out_line (borrowed until the next call), DS_E_NOTFOUND at end of input. */
enum ds_status ds_lines_next(struct ds_lines *l, struct ds_str *out_line, bool *out_too_long,
                             struct ds_err *err);
uint64_t ds_lines_lineno(const struct ds_lines *l);        /* 1-based number of the last line */
uint64_t ds_lines_bytes(const struct ds_lines *l);         /* uncompressed bytes consumed */
/* Raw decompressed bytes instead of lines (for whole-document JSON readers). */
size_t ds_lines_read(struct ds_lines *l, void *dst, size_t n, struct ds_err *err, enum ds_status *out_st);
void ds_lines_free(struct ds_lines *l);

/* JSON conveniences (jansson). All return borrowed values or defaults. */
const char *ds_json_str(const json_t *obj, const char *key, const char *dflt);
double ds_json_num(const json_t *obj, const char *key, double dflt);
/* Dumps compact with sorted keys (canonical) into a fresh string; caller ds_free()s. */
char *ds_json_canonical(const json_t *v);
/* Dumps compact, keys in insertion order; caller ds_free()s. */
char *ds_json_compact(const json_t *v);
/* fastjson.c: JSON text to jansson values, fast. Returns NULL for anything it does not
 * handle (invalid input, deeper than max_depth, huge numbers, out of memory, and with
 * reject_duplicates a repeated object key); callers then use json_loadb (with
 * JSON_REJECT_DUPLICATES to match), which accepts and builds exactly the same values and
 * explains errors. Top level must be an object or array. scratch is reused between calls. */
json_t *ds_json_parse_fast(const char *p, size_t n, unsigned max_depth, bool reject_duplicates,
                           struct ds_buf *scratch);
/* Appends v as compact JSON, byte-identical to json_dumps(v, JSON_COMPACT). */
enum ds_status ds_json_write_compact(const json_t *v, struct ds_buf *out);
/* fastjson.c: stepping through JSON text without building values. A walk reads one object
 * or array. It accepts what ds_json_parse_fast with reject_duplicates accepts, and gives up
 * (false, -1) on the rest and also on an object with an escaped key or more keys than it
 * remembers (DS_JSON_WALK_KEYS here, 16 in nested values): parse such text instead. */
#define DS_JSON_WALK_KEYS 32
struct ds_json_walk {
  const char *p, *end;   /* the position in the text */
  unsigned depth;        /* this container's depth (the top level is 1) */
  char close;            /* '}' or ']' */
  size_t n;              /* items read */
  struct ds_str keys[DS_JSON_WALK_KEYS];
  struct ds_buf *scratch; /* decoded strings */
};
/* Opens the object or array at p (whitespace skipped). False when there is neither. */
bool ds_json_walk_open(struct ds_json_walk *w, const char *p, const char *end, unsigned depth, struct ds_buf *scratch);
/* Steps to the next item: 1 at its value (*key set to an object member's key, when key is
 * given), 0 past the close (w->p after it), -1 on anything rejected. */
int ds_json_walk_next(struct ds_json_walk *w, struct ds_str *key);
/* Reads the value at w->p, checked; with out, appends it as ds_json_write_compact writes it
 * parsed (byte for byte). *span (when given) is its text. */
bool ds_json_walk_value(struct ds_json_walk *w, struct ds_buf *out, struct ds_str *span);
/* Reads a string value decoded (*s points into the text or scratch, valid until the next
 * read). False, w->p unchanged, when the value is not an acceptable string. */
bool ds_json_walk_string(struct ds_json_walk *w, struct ds_str *s);
/* Appends value (the whole text of one value, inside depth containers) as ds_json_walk_value
 * would; false when the text is not exactly one acceptable value. */
bool ds_json_copy(struct ds_str value, unsigned depth, struct ds_buf *out, struct ds_buf *scratch);

/* YAML (one document; anchors/aliases unsupported) into a jansson value: mappings become
 * objects, sequences arrays, plain scalars null/bool/integer/real/string, quoted scalars
 * strings. Errors read "path:line: reason". */
enum ds_status ds_yaml_parse(const char *text, size_t len, const char *path, json_t **out, struct ds_err *err);
enum ds_status ds_yaml_load_file(const char *path, json_t **out, struct ds_err *err);

#endif
