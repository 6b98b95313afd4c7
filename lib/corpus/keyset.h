/* keyset.h: an open-addressing set of 16-byte digests (dedupe of contents and ids during
 * ingest): 16 bytes per entry, so a million records cost about 32 MiB at worst. */
#ifndef DS_CORPUS_KEYSET_H
#define DS_CORPUS_KEYSET_H

#include "corpus_int.h"

struct keyset {
  unsigned char (*slots)[16];
  size_t cap, n;
};

void keyset_init(struct keyset *s);
void keyset_release(struct keyset *s);
/* Adds key; *out_added false when it was already there. DS_E_NOMEM when growing fails. */
enum ds_status keyset_add(struct keyset *s, const unsigned char key[16], bool *out_added);

#endif
