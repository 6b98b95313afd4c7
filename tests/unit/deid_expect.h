/* deid_expect.h: what the de-identification unit tests share: a de-identifier with default
 * parameters, the spans of one type found in a text, and EXPECT_FOUND over them. Included by
 * tests/unit/test_deid_*.c after cmocka.h. */
#ifndef DS_TEST_DEID_EXPECT_H
#define DS_TEST_DEID_EXPECT_H

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "deid/deid_int.h"

static inline struct ds_deid *mk(enum ds_deid_replace mode) {
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.replace = mode;
  struct ds_deid *d = NULL;
  struct ds_err err = {0};
  if (ds_deid_new(&p, &d, &err)) fail_msg("ds_deid_new: %s", err.msg);
  return d;
}

/* The spans of one type (any type: NULL) found in text, as "a|b|c"; the text is given in a
 * buffer of its exact length (no NUL after it), so a read past its end fails under ASan. */
static inline char *found(struct ds_deid *d, const char *text, const char *type) {
  size_t len = strlen(text);
  char *exact = malloc(len ? len : 1);
  memcpy(exact, text, len);
  struct ds_deid_span *sp;
  size_t n;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_deid_find(d, exact, len, &sp, &n, NULL)) fail();
  for (size_t i = 0; i < n; i++) {
    if (type && strcmp(sp[i].type, type)) continue;
    if (b.len) ds_buf_addc(&b, '|');
    ds_buf_add(&b, text + sp[i].start, sp[i].end - sp[i].start);
  }
  ds_free(sp);
  free(exact);
  return ds_buf_detach(&b, NULL);
}

#define EXPECT_FOUND(d, text, type, want)                                                           \
  do {                                                                                              \
    char *got_ = found(d, text, type);                                                              \
    if (strcmp(got_, want)) fail_msg("'%s': %s found [%s], expected [%s]", text, type, got_, want); \
    ds_free(got_);                                                                                  \
  } while (0)

#endif
