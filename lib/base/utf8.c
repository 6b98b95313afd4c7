/* utf8.c: strict UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF); the
 * per-sequence rule is ds_utf8_seq in base.h, shared with the corpus JSON scanner. */
#include "base.h"

size_t ds_utf8_check(const char *p, size_t len) {
  const unsigned char *s = (const unsigned char *)p;
  size_t i = 0;
  while (i < len) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    size_t n = ds_utf8_seq(s + i, len - i);
    if (!n) return i;
    i += n;
  }
  return len;
}
