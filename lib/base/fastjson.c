/* fastjson.c: a fast path for the two costs of reading and writing JSON lines (ingest,
 * replay's corpus loading and response parsing), JSON text to jansson values and back. The parser accepts only what jansson (default flags) accepts and builds the same
 * values; on anything unusual it gives up and the caller parses with json_loadb, which
 * also produces the error message. The writer produces byte for byte what
 * json_dumps(JSON_COMPACT) does. Both scan 8 bytes at a time through plain text. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define FJ_HARD_DEPTH 2048u

struct fj {
  const unsigned char *p, *end;
  unsigned depth, max_depth;
  bool reject_duplicates;
  struct ds_buf *scratch;
};

/* SWAR: bytes of x that are < n (n <= 128), or equal to c (as a broadcast byte). */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t has_less(uint64_t x, unsigned n) { return (x - ONES * n) & ~x & HIGHS; }
static inline uint64_t has_byte(uint64_t x, unsigned c) {
  uint64_t y = x ^ (ONES * c);
  return (y - ONES) & ~y & HIGHS;
}

static inline void skip_ws(struct fj *f) {
  while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\t' || *f->p == '\r')) f->p++;
}

/* Advances over plain string bytes (not '"', '\\', control, and valid UTF-8); stops at the
 * first byte needing attention. Returns false on invalid UTF-8. */
static bool scan_plain(const unsigned char **pp, const unsigned char *end) {
  const unsigned char *p = *pp;
  for (;;) {
    while (end - p >= 8) {
      uint64_t x;
      memcpy(&x, p, 8);
      if (has_less(x, 0x20) | has_byte(x, '"') | has_byte(x, '\\') | (x & HIGHS)) break;
      p += 8;
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    if (p < end && *p >= 0x80) {
      size_t n = ds_utf8_seq(p, (size_t)(end - p));
      if (!n) return false;
      p += n;
      continue;
    }
    *pp = p;
    return true;
  }
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_u4(struct fj *f, unsigned *out) {
  if (f->end - f->p < 4) return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(f->p[i]);
    if (h < 0) return false;
    v = v << 4 | (unsigned)h;
  }
  f->p += 4;
  *out = v;
  return true;
}

/* Parses a string (f->p just past the opening quote). *out points into the input or into
 * f->scratch (valid until the next string). */
static bool parse_string(struct fj *f, const char **out, size_t *out_len) {
  const unsigned char *start = f->p;
  if (!scan_plain(&f->p, f->end) || f->p >= f->end) return false;
  if (*f->p == '"') {
    *out = (const char *)start;
    *out_len = (size_t)(f->p - start);
    f->p++;
    return true;
  }
  struct ds_buf *b = f->scratch;
  ds_buf_reset(b);
  for (;;) {
    if (ds_buf_add(b, start, (size_t)(f->p - start))) return false;
    if (f->p >= f->end) return false;
    unsigned char c = *f->p;
    if (c == '"') {
      f->p++;
      break;
    }
    if (c != '\\') return false; /* control character */
    f->p++;
    if (f->p >= f->end) return false;
    c = *f->p++;
    char e;
    switch (c) {
    case '"': e = '"'; break;
    case '\\': e = '\\'; break;
    case '/': e = '/'; break;
    case 'b': e = '\b'; break;
    case 'f': e = '\f'; break;
    case 'n': e = '\n'; break;
    case 'r': e = '\r'; break;
    case 't': e = '\t'; break;
    case 'u': {
      unsigned cp;
      if (!read_u4(f, &cp) || cp == 0) return false;
      if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        if (f->end - f->p < 2 || f->p[0] != '\\' || f->p[1] != 'u') return false;
        f->p += 2;
        if (!read_u4(f, &lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      char u[4];
      size_t n;
      if (cp < 0x80) { u[0] = (char)cp; n = 1; }
      else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
      else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
      } else {
        u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
      }
      if (ds_buf_add(b, u, n)) return false;
      start = f->p;
      if (!scan_plain(&f->p, f->end)) return false;
      continue;
    }
    default: return false;
    }
    if (ds_buf_addc(b, e)) return false;
    start = f->p;
    if (!scan_plain(&f->p, f->end)) return false;
  }
  *out = b->data;
  *out_len = b->len;
  return true;
}

/* Reads a number as jansson does: an integer (*real false, *iv) or a real (*dv). False on
 * anything else, and on integers of 19 digits or more (jansson decides about their range). */
static bool read_number(struct fj *f, bool *real, json_int_t *iv, double *dv) {
  const unsigned char *s = f->p, *p = s;
  bool neg = false;
  *real = false;
  if (p < f->end && *p == '-') {
    neg = true;
    p++;
  }
  if (p >= f->end) return false;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9')
    while (p < f->end && *p >= '0' && *p <= '9') p++;
  else return false;
  const unsigned char *int_end = p;
  if (p < f->end && *p == '.') {
    *real = true;
    p++;
    if (p >= f->end || *p < '0' || *p > '9') return false;
    while (p < f->end && *p >= '0' && *p <= '9') p++;
  }
  if (p < f->end && (*p == 'e' || *p == 'E')) {
    *real = true;
    p++;
    if (p < f->end && (*p == '+' || *p == '-')) p++;
    if (p >= f->end || *p < '0' || *p > '9') return false;
    while (p < f->end && *p >= '0' && *p <= '9') p++;
  }
  f->p = p;
  if (!*real) {
    const unsigned char *d = s + (neg ? 1 : 0);
    if (int_end - d > 18) return false;
    json_int_t v = 0;
    for (; d < int_end; d++) v = v * 10 + (*d - '0');
    *iv = neg ? -v : v;
    return true;
  }
  char buf[64];
  size_t n = (size_t)(p - s);
  if (n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  *dv = strtod(buf, NULL);
  return !isinf(*dv);
}

static json_t *parse_number(struct fj *f) {
  bool real;
  json_int_t iv;
  double dv;
  if (!read_number(f, &real, &iv, &dv)) return NULL;
  return real ? json_real(dv) : json_integer(iv);
}

static json_t *parse_value(struct fj *f);

/* After an object member or array element: 0 at a ',' (another follows), 1 at close (the
 * container ends), -1 at anything else; the separator is consumed. */
static int after_item(struct fj *f, char close) {
  skip_ws(f);
  if (f->p >= f->end) return -1;
  char c = *f->p++;
  return c == ',' ? 0 : c == close ? 1 : -1;
}

static json_t *parse_object(struct fj *f) {
  json_t *o = json_object();
  if (!o) return NULL;
  f->p++;
  skip_ws(f);
  if (f->p < f->end && *f->p == '}') {
    f->p++;
    return o;
  }
  for (;;) {
    skip_ws(f);
    if (f->p >= f->end || *f->p != '"') goto fail;
    f->p++;
    const char *k;
    size_t klen;
    if (!parse_string(f, &k, &klen)) goto fail;
    char *kcopy = NULL;
    if (k == f->scratch->data) { /* escaped key: keep it while the value is parsed */
      if (memchr(k, '\0', klen) || !(kcopy = ds_strndup(k, klen))) goto fail;
      k = kcopy;
    }
    skip_ws(f);
    json_t *v = NULL;
    if (f->p < f->end && *f->p == ':') {
      f->p++;
      v = parse_value(f);
    }
    size_t before = json_object_size(o);
    int bad = !v || json_object_setn_new_nocheck(o, k, klen, v) ||
              (f->reject_duplicates && json_object_size(o) == before); /* the key was there */
    ds_free(kcopy);
    if (bad) goto fail;
    int next = after_item(f, '}');
    if (next < 0) goto fail;
    if (next > 0) return o;
  }
fail:
  json_decref(o);
  return NULL;
}

static json_t *parse_array(struct fj *f) {
  json_t *a = json_array();
  if (!a) return NULL;
  f->p++;
  skip_ws(f);
  if (f->p < f->end && *f->p == ']') {
    f->p++;
    return a;
  }
  for (;;) {
    json_t *v = parse_value(f);
    if (!v || json_array_append_new(a, v)) goto fail;
    int next = after_item(f, ']');
    if (next < 0) goto fail;
    if (next > 0) return a;
  }
fail:
  json_decref(a);
  return NULL;
}

/* The string value at f->p (its opening quote), decoded as parse_string does; false also on
 * a decoded NUL, which jansson refuses. */
static bool string_value(struct fj *f, const char **s, size_t *n) {
  f->p++;
  return parse_string(f, s, n) && !(*s == f->scratch->data && memchr(*s, '\0', *n));
}

/* true, false or null at f->p, consumed: its text (*n bytes), or NULL when it is none of them. */
static const char *read_literal(struct fj *f, size_t *n) {
  const char *word = *f->p == 't' ? "true" : *f->p == 'f' ? "false" : "null";
  *n = strlen(word);
  if ((size_t)(f->end - f->p) < *n || memcmp(f->p, word, *n) != 0) return NULL;
  f->p += *n;
  return word;
}

static json_t *parse_value(struct fj *f) {
  skip_ws(f);
  if (f->p >= f->end) return NULL;
  switch (*f->p) {
  case '{':
  case '[': {
    if (++f->depth > f->max_depth) return NULL;
    json_t *v = *f->p == '{' ? parse_object(f) : parse_array(f);
    f->depth--;
    return v;
  }
  case '"': {
    const char *s;
    size_t n;
    return string_value(f, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
  }
  case 't':
  case 'f':
  case 'n': {
    size_t n;
    const char *word = read_literal(f, &n);
    return !word ? NULL : word[0] == 't' ? json_true() : word[0] == 'f' ? json_false() : json_null();
  }
  default: return parse_number(f);
  }
}

json_t *ds_json_parse_fast(const char *p, size_t n, unsigned max_depth, bool reject_duplicates,
                           struct ds_buf *scratch) {
  struct fj f = {(const unsigned char *)p, (const unsigned char *)p + n, 0,
                 max_depth && max_depth < FJ_HARD_DEPTH ? max_depth : FJ_HARD_DEPTH, reject_duplicates, scratch};
  skip_ws(&f);
  if (f.p >= f.end || (*f.p != '{' && *f.p != '[')) return NULL;
  json_t *v = parse_value(&f);
  if (!v) return NULL;
  skip_ws(&f);
  if (f.p != f.end) {
    json_decref(v);
    return NULL;
  }
  return v;
}

/* ---- writer ---------------------------------------------------------------------- */

static enum ds_status write_string(struct ds_buf *b, const char *s, size_t n) {
  if (ds_buf_putc(b, '"')) return DS_E_NOMEM;
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  for (;;) {
    const unsigned char *run = p;
    while (end - p >= 8) {
      uint64_t x;
      memcpy(&x, p, 8);
      if (has_less(x, 0x20) | has_byte(x, '"') | has_byte(x, '\\')) break;
      p += 8;
    }
    while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') p++;
    if (p > run && ds_buf_put(b, run, (size_t)(p - run))) return DS_E_NOMEM;
    if (p >= end) break;
    unsigned char c = *p++;
    char esc[8];
    const char *e = esc;
    size_t el = 2;
    switch (c) {
    case '"': e = "\\\""; break;
    case '\\': e = "\\\\"; break;
    case '\b': e = "\\b"; break;
    case '\f': e = "\\f"; break;
    case '\n': e = "\\n"; break;
    case '\r': e = "\\r"; break;
    case '\t': e = "\\t"; break;
    default:
      snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
      el = 6;
    }
    if (ds_buf_put(b, e, el)) return DS_E_NOMEM;
  }
  return ds_buf_putc(b, '"');
}

static enum ds_status write_integer(struct ds_buf *b, json_int_t x) {
  char tmp[24], *q = tmp + sizeof tmp;
  uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
  do {
    *--q = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (x < 0) *--q = '-';
  return ds_buf_put(b, q, (size_t)(tmp + sizeof tmp - q));
}

static enum ds_status write_value(struct ds_buf *b, const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_NULL: return ds_buf_put(b, "null", 4);
  case JSON_TRUE: return ds_buf_put(b, "true", 4);
  case JSON_FALSE: return ds_buf_put(b, "false", 5);
  case JSON_STRING: return write_string(b, json_string_value(v), json_string_length(v));
  case JSON_INTEGER: return write_integer(b, json_integer_value(v));
  case JSON_REAL: {
    char tmp[64];
    size_t n = json_dumpb(v, tmp, sizeof tmp, JSON_ENCODE_ANY);
    if (n == 0 || n > sizeof tmp) return DS_E_NOMEM;
    return ds_buf_put(b, tmp, n);
  }
  case JSON_ARRAY: {
    if (ds_buf_putc(b, '[')) return DS_E_NOMEM;
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x) {
      if ((i && ds_buf_putc(b, ',')) || write_value(b, x)) return DS_E_NOMEM;
    }
    return ds_buf_putc(b, ']');
  }
  case JSON_OBJECT: {
    if (ds_buf_putc(b, '{')) return DS_E_NOMEM;
    bool first = true;
    const char *k;
    size_t klen;
    json_t *x;
    json_object_keylen_foreach((json_t *)v, k, klen, x) {
      if ((!first && ds_buf_putc(b, ',')) || write_string(b, k, klen) || ds_buf_putc(b, ':') || write_value(b, x))
        return DS_E_NOMEM;
      first = false;
    }
    return ds_buf_putc(b, '}');
  }
  }
  return DS_OK;
}

enum ds_status ds_json_write_compact(const json_t *v, struct ds_buf *out) { return write_value(out, v); }

/* ---- walking without building values ---------------------------------------------- *
 * Checks text as parse_value does (duplicate keys rejected) and, with an output buffer,
 * writes what write_value would write of the parsed value: the same bytes, without the
 * allocations of a tree. Gives up, like the parser, on anything unusual, and also on an
 * object with an escaped key or more keys than it remembers (duplicates are found by
 * comparing the keys' text). */

#define FJ_COPY_KEYS 16 /* keys remembered per object nested inside a walked value */

/* Steps to the next item of the container being read (its opening byte consumed, n items
 * read): 1 at the item's value (an object member's key read, checked against the n keys
 * before it and appended to keys), 0 past the close, -1 on anything else. With out, the
 * separator and key are written. */
static int step_next(struct fj *f, char close, size_t *n, struct ds_str *keys, size_t max_keys, struct ds_str *key,
                     struct ds_buf *out) {
  skip_ws(f);
  if (f->p >= f->end) return -1;
  if (*f->p == close) {
    f->p++;
    return 0;
  }
  if (*n) {
    if (*f->p++ != ',' || (out && ds_buf_putc(out, ','))) return -1;
    skip_ws(f);
  }
  if (close == '}') {
    if (f->p >= f->end || *f->p != '"') return -1;
    f->p++;
    const char *k;
    size_t klen;
    if (!parse_string(f, &k, &klen) || k == f->scratch->data || *n >= max_keys) return -1;
    for (size_t i = 0; i < *n; i++)
      if (keys[i].len == klen && memcmp(keys[i].p, k, klen) == 0) return -1;
    keys[*n] = (struct ds_str){k, klen};
    if (key) *key = keys[*n];
    skip_ws(f);
    if (f->p >= f->end || *f->p != ':') return -1;
    f->p++;
    if (out && (ds_buf_putc(out, '"') || ds_buf_put(out, k, klen) || ds_buf_put(out, "\":", 2))) return -1;
  }
  (*n)++;
  return 1;
}

static bool copy_value(struct fj *f, struct ds_buf *out);

static bool copy_container(struct fj *f, struct ds_buf *out) {
  char close = *f->p == '{' ? '}' : ']';
  if (out && ds_buf_putc(out, (char)*f->p)) return false;
  f->p++;
  struct ds_str keys[FJ_COPY_KEYS];
  size_t n = 0;
  int r;
  while ((r = step_next(f, close, &n, keys, FJ_COPY_KEYS, NULL, out)) > 0)
    if (!copy_value(f, out)) return false;
  return r == 0 && (!out || !ds_buf_putc(out, close));
}

static bool copy_value(struct fj *f, struct ds_buf *out) {
  skip_ws(f);
  if (f->p >= f->end) return false;
  switch (*f->p) {
  case '{':
  case '[': {
    if (++f->depth > f->max_depth) return false;
    bool ok = copy_container(f, out);
    f->depth--;
    return ok;
  }
  case '"': {
    const char *s;
    size_t n;
    if (!string_value(f, &s, &n)) return false;
    if (s == f->scratch->data) return !out || !write_string(out, s, n); /* it had escapes */
    return !out || (!ds_buf_putc(out, '"') && !ds_buf_put(out, s, n) && !ds_buf_putc(out, '"'));
  }
  case 't':
  case 'f':
  case 'n': {
    size_t n;
    const char *word = read_literal(f, &n);
    return word && (!out || !ds_buf_put(out, word, n));
  }
  default: {
    bool real;
    json_int_t iv;
    double dv;
    if (!read_number(f, &real, &iv, &dv)) return false;
    if (!out) return true;
    if (!real) return !write_integer(out, iv);
    json_t *v = json_real(dv);
    bool ok = v && !write_value(out, v);
    json_decref(v);
    return ok;
  }
  }
}

static struct fj walk_fj(const struct ds_json_walk *w) {
  return (struct fj){(const unsigned char *)w->p, (const unsigned char *)w->end, w->depth, FJ_HARD_DEPTH, true, w->scratch};
}

bool ds_json_walk_open(struct ds_json_walk *w, const char *p, const char *end, unsigned depth, struct ds_buf *scratch) {
  w->p = p;
  w->end = end;
  w->depth = depth;
  w->n = 0;
  w->scratch = scratch;
  struct fj f = walk_fj(w);
  skip_ws(&f);
  if (f.p >= f.end || (*f.p != '{' && *f.p != '[') || depth > FJ_HARD_DEPTH) return false;
  w->close = *f.p == '{' ? '}' : ']';
  w->p = (const char *)f.p + 1;
  return true;
}

int ds_json_walk_next(struct ds_json_walk *w, struct ds_str *key) {
  struct fj f = walk_fj(w);
  int r = step_next(&f, w->close, &w->n, w->keys, DS_JSON_WALK_KEYS, key, NULL);
  w->p = (const char *)f.p;
  return r;
}

bool ds_json_walk_value(struct ds_json_walk *w, struct ds_buf *out, struct ds_str *span) {
  struct fj f = walk_fj(w);
  skip_ws(&f);
  const char *start = (const char *)f.p;
  if (!copy_value(&f, out)) return false;
  w->p = (const char *)f.p;
  if (span) *span = (struct ds_str){start, (size_t)(w->p - start)};
  return true;
}

bool ds_json_walk_string(struct ds_json_walk *w, struct ds_str *s) {
  struct fj f = walk_fj(w);
  skip_ws(&f);
  if (f.p >= f.end || *f.p != '"' || !string_value(&f, &s->p, &s->len)) return false;
  w->p = (const char *)f.p;
  return true;
}

bool ds_json_copy(struct ds_str value, unsigned depth, struct ds_buf *out, struct ds_buf *scratch) {
  struct fj f = {(const unsigned char *)value.p, (const unsigned char *)value.p + value.len, depth, FJ_HARD_DEPTH, true,
                 scratch};
  if (!copy_value(&f, out)) return false;
  skip_ws(&f);
  return f.p == f.end;
}
