/* buf.c: growable, always NUL-terminated byte buffers with an optional cap. */
#include <stdio.h>
#include <string.h>

#include "base.h"

static char empty[1];

void ds_buf_init(struct ds_buf *b, size_t max) {
  b->data = empty;
  b->len = b->cap = 0;
  b->max = max;
}

void ds_buf_release(struct ds_buf *b) {
  if (b->cap) ds_free(b->data);
  ds_buf_init(b, b->max);
}

void ds_buf_reset(struct ds_buf *b) {
  b->len = 0;
  b->data[0] = '\0';
}

enum ds_status ds_buf_grow(struct ds_buf *b, size_t extra) {
  if (extra > SIZE_MAX / 2 - b->len) return DS_E_LIMIT;
  size_t need = b->len + extra + 1;
  if (b->max && need > b->max + 1) return DS_E_LIMIT;
  if (need <= b->cap) return DS_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  if (b->max && cap > b->max + 1) cap = b->max + 1;
  char *p = b->cap ? ds_realloc(b->data, cap) : ds_malloc(cap);
  if (!p) return DS_E_NOMEM;
  if (!b->cap) p[0] = '\0';
  b->data = p;
  b->cap = cap;
  return DS_OK;
}

enum ds_status ds_buf_add(struct ds_buf *b, const void *p, size_t len) {
  enum ds_status st = ds_buf_grow(b, len);
  if (st) return st;
  if (len) memcpy(b->data + b->len, p, len);
  b->len += len;
  b->data[b->len] = '\0';
  return DS_OK;
}

enum ds_status ds_buf_adds(struct ds_buf *b, const char *s) { return ds_buf_add(b, s, strlen(s)); }

enum ds_status ds_buf_addc(struct ds_buf *b, char c) { return ds_buf_add(b, &c, 1); }

enum ds_status ds_buf_vaddf(struct ds_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(b->data + b->len, b->cap ? b->cap - b->len : 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return DS_E_INVALID;
  if ((size_t)n + 1 > (b->cap ? b->cap - b->len : 0)) {
    enum ds_status st = ds_buf_grow(b, (size_t)n);
    if (st) return st;
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
  }
  b->len += (size_t)n;
  return DS_OK;
}

enum ds_status ds_buf_addf(struct ds_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  enum ds_status st = ds_buf_vaddf(b, fmt, ap);
  va_end(ap);
  return st;
}

char *ds_buf_detach(struct ds_buf *b, size_t *out_len) {
  char *p = b->cap ? b->data : ds_strndup("", 0);
  if (out_len) *out_len = b->len;
  ds_buf_init(b, b->max);
  return p;
}
