/* replay.h: regenerate assistant turns of real conversations with a candidate model and keep
 * every sample in a run database (resumable, sharded, mergeable). One entry point per stage:
 * ds_replay_run (new run or --resume) and ds_merge_run (shard databases into one run). */
#ifndef DEPSIM_REPLAY_H
#define DEPSIM_REPLAY_H

#include <stdbool.h>

#include "depsim/backend.h"
#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which assistant turns are cut points. The prefix is every message before the cut; the
 * original assistant message is kept in prefixes.original and never shown to the model. */
enum ds_replay_cut {
  DS_REPLAY_CUT_LAST = 0,   /* the last assistant turn of each conversation */
  DS_REPLAY_CUT_EVERY = 1,  /* every assistant turn */
  DS_REPLAY_CUT_FIRST = 2,  /* the first assistant turn */
  DS_REPLAY_CUT_NTH = 3,    /* the cut_n-th assistant turn (1-based), when there is one */
  DS_REPLAY_CUT_RANDOM = 4, /* cut_n assistant turns drawn at random per conversation, seeded by
                             * the run seed and the conversation id */
  DS_REPLAY_CUT_NEXT = 5,   /* a new turn after the last message, when that is a user or tool
                             * message (prompt sets): there is no original answer */
};
/* Parses "last", "every", "first", "N" (N >= 1), "random:M" (M >= 1) or "next". */
DS_API enum ds_status ds_replay_cut_parse(const char *s, enum ds_replay_cut *out_cut, unsigned *out_n,
                                          struct ds_err *err);
/* The text ds_replay_cut_parse reads ("random:3"); buf of at least 32 bytes. */
DS_API const char *ds_replay_cut_format(enum ds_replay_cut cut, unsigned n, char *buf, size_t len);

/* The backend spec that replays the corpus's own assistant messages (no model, K = 1):
 * turns production logs into a gradeable run (a baseline, or the observed run). */
#define DS_REPLAY_BACKEND_ORIGINAL "original"

/* Options; fill with ds_replay_default_params() first. Strings are borrowed for the call. */
struct ds_replay_params {
  const char *db_path;        /* run database; created for a new run */
  bool resume;                /* continue db_path: parameters come from its meta */
  bool retry_failed;          /* with resume: failed prefixes become pending again */
  const char *corpus_path;    /* canonical corpus.jsonl (plain/.gz/.zst); new runs only */
  const char *backend_spec;   /* see backend.h, or "original"; on resume NULL = from meta */
  unsigned k;                 /* samples per prefix (>= 1) */
  uint64_t seed;              /* run seed; per-sample seeds derive from it */
  enum ds_replay_cut cut;
  unsigned cut_n;             /* DS_REPLAY_CUT_NTH: which turn; DS_REPLAY_CUT_RANDOM: how many */
  bool keep_reasoning;        /* send prefix messages' reasoning to the model (as
                               * reasoning_content); by default a prefix carries only role,
                               * content, tool_calls, tool_call_id and name */
  double temperature;         /* < 0: server default */
  double top_p;               /* < 0: server default */
  int max_tokens;             /* <= 0: server default */
  unsigned shard_index, shard_count; /* keep conversations with ds_hash64(id) % count == index */
  unsigned in_flight;         /* requests in flight (0: backend default); not a run parameter */
  bool trim_front;            /* too long prefixes: drop oldest non-system messages (else skip) */
  /* Prefixes are sampled in a seeded random order (prefixes.draw, from the run seed and the
   * prefix key) instead of corpus order, so that the first n finished form a random sample of
   * the corpus at every n: what a run that stops once its decision is known needs. The corpus
   * is loaded whole before sampling starts. A run parameter (meta "order": "random"). */
  bool sequential;
  /* With sequential: sample only the first `limit` prefixes of the run's order (0: all). Not a
   * run parameter: a resumed run given a larger limit draws the next prefixes of the same
   * order, so a run can grow batch by batch until its decision is known. */
  uint64_t limit;
  /* Write the samples still to make as a batch input file (OpenAI Batch API / vLLM run_batch
   * JSONL, or Anthropic Message Batches' {"requests": [...]}) instead of sending them; the run
   * stays pending. The batch's output comes back with resume = true and backend_spec
   * "file:OUTPUT": what it answers is stored, what it lacks stays pending. */
  const char *emit_batch;
  enum ds_batch_format batch_format;
  struct ds_backend_params backend; /* spec is taken from backend_spec; other fields used as is */
  /* Agentic replay: the candidate's tool calls are answered by the tool simulator (never
   * executed) and the conversation goes back to it, until it answers without tool calls or a
   * limit stops the episode. The whole trajectory is stored (samples.trajectory, tool_steps). */
  bool agentic;
  const char *tooldb_path;    /* recorded tool calls (depsim toolsim index), or NULL */
  const char *simulator_spec; /* backend of the tool-simulator model, or NULL */
  int simulator_max_tokens;   /* longest simulated tool output in tokens (0: 512) */
  const char *repo_root;      /* repo.path_or_url of records resolve here (NULL: cwd); a repository
                               * outside it is refused (its connectors off) */
  bool allow_repo_outside_root; /* ... unless this is set: the corpus is trusted */
  unsigned max_steps;         /* model turns per episode (0: 20) */
  long max_episode_tokens;    /* completion tokens per episode (0: 32768) */
  double max_episode_seconds; /* wall time per episode (0: 600) */
  /* warnings and notes (never secrets); log.cancel stops the run cleanly (everything done so
   * far committed, DS_E_CANCELLED, resumable) */
  struct ds_log log;
  double progress_interval_s; /* least time between progress reports (default 0.2) */
};
DS_API void ds_replay_default_params(struct ds_replay_params *p);

/* Progress, reported through the callback at most every progress_interval_s and once at the end. */
struct ds_replay_progress {
  const char *phase;          /* "loading" (corpus -> prefixes), "sampling", "done" */
  uint64_t corpus_lines;      /* lines of the corpus loaded so far */
  uint64_t samples_total;     /* samples this run must hold (pending prefixes x K + done) */
  uint64_t samples_done;      /* stored (ok or failed), including earlier sessions */
  uint64_t samples_failed;
  uint64_t completion_tokens; /* this session */
  unsigned in_flight;
  double elapsed_s;           /* this session */
  double samples_per_s;       /* this session */
  double tokens_per_s;        /* this session, completion tokens */
  double eta_s;               /* < 0: unknown */
  bool corpus_loading;        /* sampling while the corpus is still being loaded: samples_total
                               * counts what is loaded so far (corpus_lines lines), eta_s < 0 */
};
typedef void ds_replay_progress_fn(void *ud, const struct ds_replay_progress *p);

/* Final accounting: prefixes = completed + skipped + failed (+ pending when cancelled).
 * reasons/causes are JSON objects {"reason": count}; owned, freed by ds_replay_summary_release. */
struct ds_replay_summary {
  uint64_t prefixes, completed, skipped, failed, pending;
  uint64_t samples_ok, samples_failed;
  uint64_t backend_calls;     /* requests submitted by this session */
  uint64_t corpus_records, corpus_no_cut, corpus_other_shard, corpus_duplicates;
  json_t *skipped_by_reason;  /* {"context_exceeded": n, ...} */
  json_t *failed_by_cause;    /* {"backend": n, "timeout": n, "empty_completion": n, ...} */
  /* prefixes skipped as longer than the model's context: {"prefixes", "min_tokens",
   * "max_tokens", "context", "estimated" (token counts estimated, not counted)}, or NULL */
  json_t *context_exceeded;
  /* tokens of the samples stored: the prompt of each sample (what independent requests would
   * process), the part of it the server took from its prompt cache (where it said so:
   * prompt_cached_samples of the samples), and the completions */
  uint64_t prompt_tokens, prompt_cached, prompt_cached_samples, completion_tokens;
  /* ok samples whose token usage the backend reported (a prompt of at least one token): a cost
   * of the run is known only when this is samples_ok */
  uint64_t usage_samples;
  uint64_t batch_emitted;     /* emit_batch: requests written to the file */
  uint64_t batch_missing;     /* resumed from a batch's output: samples it did not answer (pending) */
  double elapsed_s;
};
DS_API void ds_replay_summary_release(struct ds_replay_summary *s);
/* Reads the accounting of a run database (recomputed from its tables). */
DS_API enum ds_status ds_replay_summary_read(const char *db_path, struct ds_replay_summary *out,
                                             struct ds_err *err);

/* Runs (or resumes) a replay. Writes are transactional: killed at any moment, the run
 * continues with resume = true and ends with no sample lost and none generated twice
 * (at most the requests in flight at the kill are sent again). progress may be NULL.
 * out (may be NULL) receives the accounting; release it. */
DS_API enum ds_status ds_replay_run(const struct ds_replay_params *p, ds_replay_progress_fn *progress,
                                    void *ud, struct ds_replay_summary *out, struct ds_err *err);

/* One prefix of a corpus as a replay with the same parameters would make it (all borrowed for
 * the callback). */
struct ds_replay_prefix {
  const char *conv_id;       /* the conversation's id */
  size_t cut;                /* index in its messages of the turn regenerated */
  const char *messages;      /* the prefix as the model is sent it: a compact JSON array */
  size_t messages_len;
  const char *tools;         /* the record's tools, canonical JSON array, or NULL */
  const char *original;      /* the message at the cut, compact JSON; "null" with --cut next */
  size_t original_len;
  double weight;
  uint64_t line;             /* the corpus line it came from */
};
typedef enum ds_status ds_replay_prefix_fn(void *ud, const struct ds_replay_prefix *pf, struct ds_err *err);
/* What ds_replay_prefixes read: records = prefixes' records + no_cut + other_shard (a record
 * may give several prefixes); duplicates are cuts of a conversation id seen before. */
struct ds_replay_corpus_counts {
  uint64_t lines, records, prefixes, no_cut, other_shard, duplicates;
};
/* Calls fn with every prefix a replay of p->corpus_path would make with p's cut, cut_n, seed,
 * shard and keep_reasoning (the same code loads a run: lib/replay/load.c), in corpus order,
 * storing nothing and holding one record at a time (plus 8 bytes per prefix to find
 * duplicates). A non-zero status of fn stops the walk and is returned. Errors as replay's: a
 * bad line (file:line: reason), an empty corpus or one with no cut point (DS_E_INVALID). out
 * may be NULL. p->log receives the duplicate warnings; its cancel flag stops the walk. */
DS_API enum ds_status ds_replay_prefixes(const struct ds_replay_params *p, ds_replay_prefix_fn *fn, void *ud,
                                         struct ds_replay_corpus_counts *out, struct ds_err *err);

/* One step of --trim-front on a prefix too long for the context: drops the oldest non-system
 * message, then any non-system messages before the first user message, so the conversation
 * still starts with a user turn; *dropped counts the messages removed. False when no user turn
 * is left (the prefix is then skipped as context_exceeded). */
DS_API bool ds_replay_trim_front(json_t *messages, unsigned *dropped);

/* Merges shard databases into a new run database out_path (must not exist). Refuses inputs
 * whose parameters differ (every meta key except shard, corpus_path, in_flight and run state:
 * DS_E_MISMATCH naming the key) and a prefix present in two inputs. log may be NULL. */
DS_API enum ds_status ds_merge_run(const char *const *inputs, size_t n_inputs, const char *out_path,
                                   const struct ds_log *log, struct ds_err *err);

/* The seed of sample k of a prefix: base + k, with base from ds_mix64 over the run seed and
 * ds_hash64(key), below 2^31 - DS_REPLAY_MAX_K so every server accepts it; distinct for
 * distinct k of one prefix and consecutive, so that one request with n = K seeded with the
 * seed of sample k0 gives samples k0.. on servers that seed choice i with seed + i (vLLM,
 * llama-server). Runs made before schema 5 keep their earlier scheme (meta seed_scheme). */
#define DS_REPLAY_MAX_K (1u << 20)
DS_API int64_t ds_replay_sample_seed(uint64_t run_seed, const char *key, unsigned k);

#ifdef __cplusplus
}
#endif
#endif
