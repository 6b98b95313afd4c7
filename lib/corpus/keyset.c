/* keyset.c: open-addressing (linear probing) set of 16-byte digests. An all-zero slot is
 * empty, so a key that is all zero is stored with its first byte set to 1. */
#include <string.h>

#include "keyset.h"

void keyset_init(struct keyset *s) { memset(s, 0, sizeof *s); }

void keyset_release(struct keyset *s) {
  ds_free(s->slots);
  memset(s, 0, sizeof *s);
}

static bool is_empty(const unsigned char *k) {
  static const unsigned char zero[16];
  return memcmp(k, zero, 16) == 0;
}

static size_t slot_of(const unsigned char *k, size_t cap) {
  uint64_t h;
  memcpy(&h, k, sizeof h);
  return (size_t)(h & (cap - 1));
}

static void insert(unsigned char (*slots)[16], size_t cap, const unsigned char *k) {
  size_t i = slot_of(k, cap);
  while (!is_empty(slots[i])) i = (i + 1) & (cap - 1);
  memcpy(slots[i], k, 16);
}

enum ds_status keyset_add(struct keyset *s, const unsigned char key[16], bool *out_added) {
  unsigned char k[16];
  memcpy(k, key, 16);
  if (is_empty(k)) k[0] = 1;
  if ((s->n + 1) * 10 > s->cap * 7) {
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    unsigned char(*ns)[16] = ds_calloc(ncap, 16);
    if (!ns) return DS_E_NOMEM;
    for (size_t i = 0; i < s->cap; i++)
      if (!is_empty(s->slots[i])) insert(ns, ncap, s->slots[i]);
    ds_free(s->slots);
    s->slots = ns;
    s->cap = ncap;
  }
  size_t i = slot_of(k, s->cap);
  while (!is_empty(s->slots[i])) {
    if (memcmp(s->slots[i], k, 16) == 0) {
      *out_added = false;
      return DS_OK;
    }
    i = (i + 1) & (s->cap - 1);
  }
  memcpy(s->slots[i], k, 16);
  s->n++;
  *out_added = true;
  return DS_OK;
}
