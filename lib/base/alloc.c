/* alloc.c: the one allocator of libdepsim, with a counter that lets tests fail the
 * n-th allocation (curl's torture mode) and hooks that route jansson through it. */
#include <stdlib.h>
#include <string.h>

#include "base.h"

static uint64_t fail_at;   /* 0: off; otherwise allocations left before one fails */

void ds_alloc_fail_at(uint64_t n) { fail_at = n; }

static bool should_fail(void) {
  if (fail_at == 0) return false;
  if (--fail_at == 0) return true;
  return false;
}

void *ds_malloc(size_t n) {
  if (should_fail()) return NULL;
  return malloc(n ? n : 1);
}

void *ds_calloc(size_t n, size_t size) {
  if (should_fail()) return NULL;
  return calloc(n ? n : 1, size ? size : 1);
}

void *ds_realloc(void *p, size_t n) {
  if (should_fail()) return NULL;
  return realloc(p, n ? n : 1);
}

void ds_free(void *p) { free(p); }

char *ds_strndup(const char *s, size_t n) {
  char *d = ds_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *ds_strdup(const char *s) { return s ? ds_strndup(s, strlen(s)) : NULL; }
