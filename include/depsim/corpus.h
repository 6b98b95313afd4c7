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

/* Log formats are read by the readers of lib/corpus/formats/ (one per format, behind one
 * table), chosen by content for each input file unless one is forced by name. */
struct ds_format_info {
  const char *name;    /* what --format takes: "openai", "claude-code", ... */
  const char *summary; /* one line: what it reads */
  const char *tested;  /* the versions and sources it was tested on */
};
/* The i-th format (0-based) of the table; false past the end. */
DS_API bool ds_format_info_at(size_t i, struct ds_format_info *out);
/* DS_OK when name is "auto" or a format's name; DS_E_INVALID listing the names otherwise. */
DS_API enum ds_status ds_format_check(const char *name, struct ds_err *err);

/* Where a log with its own envelope keeps a record's parts (ingest --id-field ...). Paths are
 * JSON pointers ("/data/turns") or dotted paths ("data.turns"; a number indexes an array).
 * Any of them set makes the "mapped" reader read every input (ds_reader_open refuses another
 * forced format). All pointers are borrowed for the reader's life. */
struct ds_field_map {
  const char *id;             /* the conversation id (default: "id") */
  const char *messages;       /* the message list (default: messages, conversation, conversations) */
  const char *time;           /* the time (default: time, timestamp, created_at, created) */
  const char *const *segment; /* n_segment entries "NAME=PATH": segment.NAME from PATH */
  size_t n_segment;
  const char *content;        /* a message content that is an object: the field holding its text */
};
/* True when any field of m is set. */
DS_API bool ds_field_map_active(const struct ds_field_map *m);
/* DS_OK, or DS_E_INVALID saying which path or NAME=PATH entry is malformed. */
DS_API enum ds_status ds_field_map_check(const struct ds_field_map *m, struct ds_err *err);

/* Reader options; fill with ds_reader_default_params() first. */
struct ds_reader_params {
  const char *format;        /* NULL or "auto": picked by content per input file; else forced */
  size_t max_record_bytes;   /* a line / array element longer than this fails (default 16 MiB) */
  unsigned max_depth;        /* JSON nested deeper than this fails (default 64; top object = 1) */
  size_t max_document_bytes; /* one whole JSON document or zip member (default 1 GiB) */
  struct ds_field_map fields; /* where the parts of a record are (all NULL: each format's own) */
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
  char msg[4096];          /* room for every reader's reason when none takes an input */
};

/* A streaming reader of one input: a file ("-" is standard input; plain, .gz or .zst; JSON
 * Lines, one JSON array, or one pretty-printed JSON document), a zip archive (Inspect .eval),
 * or a directory, read recursively in name order (a directory of one-event JSON files is one
 * session). Each file's format is detected from its first items. Memory stays bounded by the
 * record limits for record-per-line formats; session formats hold one session at a time. */
struct ds_reader;
/* path is copied. Fails with DS_E_IO when the input cannot be opened, DS_E_INVALID for an
 * unknown forced format. */
DS_API enum ds_status ds_reader_open(const char *path, const struct ds_reader_params *p,
                                     struct ds_reader **out, struct ds_err *err);
/* The next record:
 *   DS_OK with *out_record = a new reference to a canonical record (caller json_decref()s);
 *   DS_OK with *out_record = NULL and *out_bad filled: an input item failed, reading goes on;
 *   DS_E_NOTFOUND at the end of input;
 *   anything else is fatal for this input (I/O error, corrupt .gz/.zst/zip, out of memory).
 * Records are canonical: OpenAI-chat-shaped messages (tool calls {id,name,arguments as JSON
 * text}, tool results as role "tool"), "reasoning" apart from content, "time" RFC 3339 UTC,
 * the agent, its version and the model in "segment", the working directory, branch and commit
 * in "repo"; unknown fields kept. A record without an id in its input has none here. */
DS_API enum ds_status ds_reader_next(struct ds_reader *r, json_t **out_record,
                                     struct ds_bad_record *out_bad, struct ds_err *err);
/* The format of the file the last record came from ("auto" before the first). */
DS_API const char *ds_reader_format(const struct ds_reader *r);
/* Its container: "jsonl", "json_array", "json_document", "zip", "event_files". */
DS_API const char *ds_reader_container(const struct ds_reader *r);
/* File and 1-based line where the record last returned (good or bad) starts. */
DS_API const char *ds_reader_file(const struct ds_reader *r);
DS_API uint64_t ds_reader_line(const struct ds_reader *r);
/* Uncompressed bytes consumed so far. */
DS_API uint64_t ds_reader_bytes(const struct ds_reader *r);
/* Items (lines, elements, events, members) and what became of them, over the whole input:
 * in == used + skipped + duplicate + failed once reading has ended. */
struct ds_reader_items {
  uint64_t in, used, skipped, duplicate, failed;
};
DS_API void ds_reader_items(const struct ds_reader *r, struct ds_reader_items *out);
/* One object per file read (borrowed until ds_reader_free): {"path","format","tested",
 * "container","items","skipped":{TYPE:n},"duplicate":{TYPE:n},"failed","records"}, plus
 * files a directory walk ignored: {"path","ignored":REASON}. */
DS_API const json_t *ds_reader_units(const struct ds_reader *r);
/* SHA-256 of the input once read to the end: of the file, or for a directory of the sorted
 * list of its files' relative paths and SHA-256s. Empty string before the end. */
DS_API const char *ds_reader_sha256(const struct ds_reader *r);
/* ds_reader_free(NULL) does nothing. */
DS_API void ds_reader_free(struct ds_reader *r);

/* Converts one already-parsed input record (borrowed) to a new canonical record with the
 * named record-per-line format ("openai", "sharegpt", ...). On a bad record returns
 * DS_E_INVALID with out_bad->reason and msg (msg without the FILE:LINE prefix). */
DS_API enum ds_status ds_record_normalize(const json_t *in, const char *format, json_t **out_record,
                                          struct ds_bad_record *out_bad);

/* Hook for de-identification, applied by ingest to every kept record before it is written. */
struct ds_ingest_transform {
  enum ds_status (*apply)(void *ud, json_t *record, struct ds_err *err); /* edits record in place */
  json_t *(*report)(void *ud); /* new reference, embedded in the manifest as "deid"; may be NULL */
  /* Scans the corpus as written (before it is renamed into place and before the manifest):
   * *findings items of personal data found (each reported through the log); may be NULL. */
  enum ds_status (*scan_file)(void *ud, const char *path, uint64_t *findings, struct ds_err *err);
  void *ud;
};

/* Ingest options; fill with ds_ingest_default_params() first. All pointers are borrowed for
 * the duration of ds_ingest_run. */
struct ds_ingest_params {
  const char *const *inputs;   /* input files or directories (plain, .gz, .zst, zip) */
  size_t n_inputs;
  const char *output;          /* corpus.jsonl; the manifest goes to OUTPUT.manifest.json */
  struct ds_reader_params reader;
  const char *consent_field;   /* dotted path in the record (default "consent") */
  bool assume_consent;         /* records without the consent field count as consented */
  bool fail_on_error;          /* stop at the first bad record (--on-error=fail) */
  bool allow_empty;            /* a run that keeps no record is not an error */
  bool keep_duplicates;        /* keep exact duplicates (counted in the manifest as kept
                                * duplicates); their ids get "#dupN" when they repeat */
  double max_failed;           /* share of records in (0..1) that may fail before the run is an
                                * error; < 0 (default): any share but all */
  unsigned max_warnings;       /* bad records reported one by one (default 20; then a summary) */
  struct ds_ingest_transform transform; /* apply == NULL: none; manifest "deid":{"enabled":false} */
  struct ds_log log;           /* each bad record ("FILE:LINE: reason") as a warning; progress */
};
DS_API void ds_ingest_default_params(struct ds_ingest_params *p);

struct ds_ingest_summary {
  uint64_t n_in, n_kept, n_filtered, n_failed; /* n_in == n_kept + n_filtered + n_failed */
  uint64_t n_duplicate, n_no_consent;          /* parts of n_filtered */
  uint64_t n_duplicate_kept;                   /* exact duplicates kept (--keep-duplicates) */
  uint64_t bytes_in;                           /* uncompressed input bytes read */
  uint64_t bytes_out;                          /* corpus bytes written */
  uint64_t items_in, items_skipped, items_duplicate; /* lines/events of session logs */
  uint64_t pii_findings;                       /* found by the scan of the written corpus */
  char corpus_sha256[65];
  char manifest_path[4096];
};

/* Reads every input, keeps consented records, drops exact duplicates (same messages and
 * tools), gives each record a stable id (its own, else "c-" + 16 hex digits of its content
 * hash), applies the transform, and writes OUTPUT through a temporary file (stale temporaries
 * of the same OUTPUT left by killed runs are removed first), scans it (transform.scan_file),
 * renames it into place and writes OUTPUT.manifest.json last: a manifest marks a complete
 * corpus. Bad records are counted and logged (the first max_warnings one by one, then one
 * summary line by reason; all in the manifest). Errors: no record kept (DS_E_INVALID, unless
 * allow_empty), more failed than max_failed allows (DS_E_INVALID, the corpus kept as
 * OUTPUT.rejected), personal data found by the scan (DS_E_PII, corpus kept as
 * OUTPUT.rejected). With fail_on_error the first bad record stops the run
 * (DS_E_PARSE/DS_E_INVALID/DS_E_LIMIT): OUTPUT is left as it was and the complete records read
 * before the bad one are kept in OUTPUT.partial (with its manifest). A record without the
 * consent field, when assume_consent is false, stops the run with DS_E_INVALID and an
 * explanation. out may be NULL. */
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
