/* fuzz_plan_prefixes.c: libFuzzer target for what `depsim plan --corpus` reads: a corpus walked
 * by ds_replay_prefixes (replay's loader without a store; the first byte picks the cut mode,
 * shards and --keep-reasoning) and the token estimate of every prefix and answer. Every prefix
 * handed out is a JSON array and its original JSON; an estimate never has more tokens than
 * the text has bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/backend.h"
#include "depsim/replay.h"
#include "fuzz_file.h"

static enum ds_status on_prefix(void *ud, const struct ds_replay_prefix *pf, struct ds_err *err) {
  (void)err;
  ++*(uint64_t *)ud;
  json_t *msgs = json_loadb(pf->messages, pf->messages_len, 0, NULL);
  json_t *orig = json_loadb(pf->original, pf->original_len, JSON_DECODE_ANY, NULL);
  json_t *tools = pf->tools ? json_loads(pf->tools, 0, NULL) : NULL;
  if (!json_is_array(msgs) || !orig || (pf->tools && !json_is_array(tools))) abort();
  (void)ds_tokens_estimate_messages(msgs, tools);
  if (ds_tokens_estimate_text(pf->messages, pf->messages_len) > pf->messages_len) abort();
  json_decref(msgs);
  json_decref(orig);
  json_decref(tools);
  return DS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const char *path = fuzz_file("fuzz_plan_prefixes", NULL, NULL, data + 1, size - 1);
  if (!path) return 0;
  if (ds_tokens_estimate_text((const char *)data, size) > size) abort();
  static const char *const cuts[] = {"last", "every", "first", "2", "random:2", "next"};
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  struct ds_err err = {0};
  if (ds_replay_cut_parse(cuts[data[0] % 6], &p.cut, &p.cut_n, &err)) abort();
  p.keep_reasoning = (data[0] & 0x40) != 0;
  if (data[0] & 0x80) {
    p.shard_count = 2;
    p.shard_index = (data[0] >> 3) & 1;
  }
  p.corpus_path = path;
  uint64_t seen = 0;
  struct ds_replay_corpus_counts n;
  enum ds_status st = ds_replay_prefixes(&p, on_prefix, &seen, &n, &err);
  if (!st && seen != n.prefixes) abort(); /* a walk that succeeds hands out what it counts */
  if (st && !err.msg[0]) abort();                     /* every failure is explained */
  unlink(path);
  return 0;
}
