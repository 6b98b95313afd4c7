/* corpus.h: the canonical corpus: streaming readers that turn logs (OpenAI chat JSONL,
 * ShareGPT, trajectory arrays, WildChat-style JSONL, canonical corpus.jsonl; plain, .gz or
 * .zst) into canonical records, `ingest` (consent, dedupe, ids, manifest) and `sample`. */
#ifndef DEPSIM_CORPUS_H
#define DEPSIM_CORPUS_H

#include <stdbool.h>
#include <jansson.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Record formats. The container (JSON Lines, or one JSON array of records) is detected
 * from the first byte of the decoded input for every format. */
enum ds_format {
  DS_FORMAT_AUTO = 0,      /* decide from the first well-formed record's keys */
  DS_FORMAT_CANONICAL = 1, /* corpus.jsonl: "messages" plus a string "id" */
  DS_FORMAT_OPENAI = 2,    /* {"messages":[...], "tools":[...]}: OpenAI chat (wire tool_calls) */
  DS_FORMAT_SHAREGPT = 3,  /* {"id","conversations":[{"from","value"}]} */
  DS_FORMAT_TRAJ = 4,      /* {"traj":[OpenAI messages], "reward", ...} (tau-bench style) */
  DS_FORMAT_WILDCHAT = 5,  /* {"conversation_hash","conversation":[{"role","content"}], ...} */
};
/* "auto", "canonical", "openai", "sharegpt", "traj", "wildchat"; never NULL. */
DS_API const char *ds_format_name(enum ds_format f);
/* Parses a format name (as above); DS_E_INVALID with the accepted names otherwise. */
DS_API enum ds_status ds_format_from_name(const char *name, enum ds_format *out, struct ds_err *err);

/* Reader options; fill with ds_reader_default_params() first. */
struct ds_reader_params {
  enum ds_format format;   /* DS_FORMAT_AUTO: detected from the first record */
  size_t max_record_bytes; /* a line / array element longer than this fails (default 16 MiB) */
  unsigned max_depth;      /* JSON nested deeper than this fails (default 64; top object = 1) */
};
DS_API void ds_reader_default_params(struct ds_reader_params *p);

/* Why one input record could not be used. reason is a stable key (a static string):
 * "bad_json", "invalid_utf8", "nul_byte", "too_long", "too_deep", "not_object",
 * "unknown_format", "missing_field", "wrong_type", "unknown_role", "empty_conversation",
 * "bad_time", "bad_tool_call", "no_consent_field", "duplicate_id". msg is the line a user
 * sees: "FILE:LINE: reason". */
struct ds_bad_record {
  const char *reason;
  uint64_t line;           /* 1-based line where the record starts */
  char msg[384];
};

/* A streaming reader of one input file ("-" is standard input). Memory stays bounded by
 * max_record_bytes whatever the file size: JSON arrays are split element by element. */
struct ds_reader;
/* path is copied. Fails with DS_E_IO when the file cannot be opened. */
DS_API enum ds_status ds_reader_open(const char *path, const struct ds_reader_params *p,
                                     struct ds_reader **out, struct ds_err *err);
/* The next record:
 *   DS_OK with *out_record = a new reference to a canonical record (caller json_decref()s);
 *   DS_OK with *out_record = NULL and *out_bad filled: that record failed, reading goes on;
 *   DS_E_NOTFOUND at the end of input;
 *   anything else is fatal for this file (I/O error, corrupt .gz/.zst stream, out of memory).
 * Records are normalized: wire-form tool_calls flattened to {"id","name","arguments"},
 * ShareGPT/WildChat turns mapped to role/content, "time" to RFC 3339 UTC; unknown fields
 * kept. A record without an id in its input has none here (ingest derives one). */
DS_API enum ds_status ds_reader_next(struct ds_reader *r, json_t **out_record,
                                     struct ds_bad_record *out_bad, struct ds_err *err);
/* The record format in use: the requested one, or the detected one after the first record
 * (DS_FORMAT_AUTO until then). */
DS_API enum ds_format ds_reader_format(const struct ds_reader *r);
/* True when the input is one JSON array rather than JSON Lines (known after the first call). */
DS_API bool ds_reader_is_array(const struct ds_reader *r);
/* 1-based line where the record last returned (good or bad) starts. */
DS_API uint64_t ds_reader_line(const struct ds_reader *r);
/* Uncompressed bytes consumed so far. */
DS_API uint64_t ds_reader_bytes(const struct ds_reader *r);
/* ds_reader_free(NULL) does nothing. */
DS_API void ds_reader_free(struct ds_reader *r);

/* Converts one already-parsed input record (borrowed) to a new canonical record. format
 * must not be AUTO. On a bad record returns DS_E_INVALID with out_bad->reason and msg (msg
 * without the FILE:LINE prefix). */
DS_API enum ds_status ds_record_normalize(const json_t *in, enum ds_format format,
                                          json_t **out_record, struct ds_bad_record *out_bad);

/* Hook for de-identification, applied by ingest to every kept record before it is written. */
struct ds_ingest_transform {
  enum ds_status (*apply)(void *ud, json_t *record, struct ds_err *err); /* edits record in place */
  json_t *(*report)(void *ud); /* new reference, embedded in the manifest as "deid"; may be NULL */
  void *ud;
};

/* Ingest options; fill with ds_ingest_default_params() first. All pointers are borrowed for
 * the duration of ds_ingest_run. */
struct ds_ingest_params {
  const char *const *inputs;   /* input files (plain, .gz or .zst) */
  size_t n_inputs;
  const char *output;          /* corpus.jsonl; the manifest goes to OUTPUT.manifest.json */
  struct ds_reader_params reader;
  const char *consent_field;   /* dotted path in the record (default "consent") */
  bool assume_consent;         /* records without the consent field count as consented */
  bool fail_on_error;          /* stop at the first bad record (--on-error=fail) */
  struct ds_ingest_transform transform; /* apply == NULL: none; manifest "deid":{"enabled":false} */
  struct ds_log log;           /* each bad record ("FILE:LINE: reason") as a warning; progress */
};
DS_API void ds_ingest_default_params(struct ds_ingest_params *p);

struct ds_ingest_summary {
  uint64_t n_in, n_kept, n_filtered, n_failed; /* n_in == n_kept + n_filtered + n_failed */
  uint64_t n_duplicate, n_no_consent;          /* parts of n_filtered */
  uint64_t bytes_in;                           /* uncompressed input bytes read */
  uint64_t bytes_out;                          /* corpus bytes written */
  char corpus_sha256[65];
  char manifest_path[4096];
};

/* Reads every input, keeps consented records, drops exact duplicates (same messages and
 * tools), gives each record a stable id (its own, else "c-" + 16 hex digits of its content
 * hash), applies the transform, and writes OUTPUT (through a temporary file renamed at the
 * end) plus OUTPUT.manifest.json. Bad records are counted and logged; with fail_on_error
 * the first one stops the run (DS_E_PARSE/DS_E_INVALID/DS_E_LIMIT): OUTPUT is left as it was
 * and the complete records read before the bad one are kept in OUTPUT.partial (with its
 * manifest). A record without the consent field, when assume_consent is false, stops the
 * run with DS_E_INVALID and an explanation. out may be NULL. */
DS_API enum ds_status ds_ingest_run(const struct ds_ingest_params *p, struct ds_ingest_summary *out,
                                    struct ds_err *err);

enum ds_allocation { DS_ALLOCATION_PROPORTIONAL = 0, DS_ALLOCATION_EQUAL = 1 };

/* Sample options; fill with ds_sample_default_params() first. */
struct ds_sample_params {
  const char *input;           /* canonical corpus.jsonl (plain, .gz or .zst) */
  const char *output;          /* sample.jsonl; a manifest goes to OUTPUT.manifest.json */
  uint64_t n;                  /* records wanted (fewer when the population is smaller) */
  uint64_t seed;
  const char *stratify;        /* dotted field path (e.g. "segment.product") or NULL */
  enum ds_allocation allocation;
  bool has_since, has_until;   /* time window [since, until) on the record's "time" */
  int64_t since, until;        /* epoch seconds */
  struct ds_log log;
};
DS_API void ds_sample_default_params(struct ds_sample_params *p);

/* One stratum of a stratified sample (or the whole population otherwise). */
struct ds_sample_stratum {
  char *value;                 /* the field value as canonical JSON text, "(missing)" when absent */
  uint64_t population, sampled;
  double weight;               /* population share / sample share */
};

struct ds_sample_summary {
  uint64_t n_read;             /* records in the corpus */
  uint64_t n_out_of_window;    /* excluded by since/until (a record without "time" is excluded
                                * whenever a window is given) */
  uint64_t n_population;       /* records eligible */
  uint64_t n_sampled;
  struct ds_sample_stratum *strata; /* owned; release with ds_sample_summary_release */
  size_t n_strata;
  char sample_sha256[65];
};
DS_API void ds_sample_summary_release(struct ds_sample_summary *s);

/* Draws a simple random sample (reservoir sampling, one pass) or a stratified one (two
 * passes: count strata, then one reservoir per stratum) with a seeded generator: the same
 * corpus, parameters and seed give a byte-identical sample. Output keeps corpus order.
 * Stratified samples add "weight" (population share / sample share of the stratum) to
 * each record. Memory holds only the sampled records. */
DS_API enum ds_status ds_sample_run(const struct ds_sample_params *p, struct ds_sample_summary *out,
                                    struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
