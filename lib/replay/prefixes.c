/* prefixes.c: a corpus's prefixes without a run database (ds_replay_prefixes, what `depsim
 * plan --corpus` reads): load.c's loader with no store, its prefixes handed to a callback, and
 * the set of (conversation, cut) seen that stands in for the database's UNIQUE constraint. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "replay/replay_int.h"

/* Open addressing over 64-bit hashes of (id, cut); 0 marks an empty slot. Two different
 * (id, cut) share a hash with probability about n^2 / 2^65 (3e-8 at a million prefixes):
 * one would then be counted as a duplicate. */
struct rp_keyset {
  uint64_t *slot;
  size_t cap, n;
};

struct rp_keyset *rp_keyset_new(void) { return ds_calloc(1, sizeof(struct rp_keyset)); }

void rp_keyset_free(struct rp_keyset *s) {
  if (!s) return;
  ds_free(s->slot);
  ds_free(s);
}

static void keyset_put(uint64_t *slot, size_t cap, uint64_t h) {
  size_t i = (size_t)h & (cap - 1);
  while (slot[i]) i = (i + 1) & (cap - 1);
  slot[i] = h;
}

int rp_keyset_add(struct rp_keyset *s, const char *id, size_t cut) {
  uint64_t h = ds_mix64(ds_hash64(id, strlen(id)) ^ ds_mix64((uint64_t)cut + 1));
  if (!h) h = 1;
  if (2 * (s->n + 1) > s->cap) { /* at most half full */
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *slot = ds_calloc(cap, sizeof *slot);
    if (!slot) return -1;
    for (size_t i = 0; i < s->cap; i++)
      if (s->slot[i]) keyset_put(slot, cap, s->slot[i]);
    ds_free(s->slot);
    s->slot = slot;
    s->cap = cap;
  }
  for (size_t i = (size_t)h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
    if (s->slot[i] == h) return 0;
    if (!s->slot[i]) {
      s->slot[i] = h;
      s->n++;
      return 1;
    }
  }
}

enum ds_status ds_replay_prefixes(const struct ds_replay_params *p, ds_replay_prefix_fn *fn, void *ud,
                                  struct ds_replay_corpus_counts *out, struct ds_err *err) {
  if (out) memset(out, 0, sizeof *out);
  if (!p || !fn || !p->corpus_path) return ds_fail(err, DS_E_INVALID, "ds_replay_prefixes: no corpus or callback");
  if (p->shard_count > 1 && p->shard_index >= p->shard_count)
    return ds_fail(err, DS_E_INVALID, "shard %u/%u: the index must be below the count", p->shard_index, p->shard_count);
  struct rp_loader *ld = NULL;
  enum ds_status st = rp_loader_open(p, NULL, p->corpus_path, &ld, err);
  if (st) return st;
  ld->emit = fn;
  ld->emit_ud = ud;
  if (!(ld->seen = rp_keyset_new())) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  while (!st && !ld->complete) {
    st = rp_loader_step(ld, LOAD_BATCH, err);
    if (!st && !ld->complete && ds_log_cancelled(&p->log)) st = ds_fail(err, DS_E_CANCELLED, "cancelled while reading the corpus");
  }
  if (out) {
    out->lines = ld->ls.line;
    out->records = ld->ls.records;
    out->prefixes = ld->ls.cuts;
    out->no_cut = ld->ls.no_cut;
    out->other_shard = ld->ls.other_shard;
    out->duplicates = ld->ls.duplicates;
  }
  rp_keyset_free(ld->seen);
  rp_loader_close(ld);
  return st;
}
