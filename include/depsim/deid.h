/* deid.h: de-identification of conversation records: detectors for personal data and
 * secrets (one Hyperscan database for patterns, validators run on candidates only, a trained
 * tagger and context rules for person names and places, code left alone), replacement by
 * realistic surrogates of the same kind and shape or by typed placeholders ("<EMAIL_1>"),
 * consistent within a conversation (or, keyed, across a corpus), and a post-scan that proves
 * the output clean. docs/internals/deid.md has the details. */
#ifndef DEPSIM_DEID_H
#define DEPSIM_DEID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a found value is replaced by. */
enum ds_deid_replace {
  /* "<PERSON_1>": for audit views (reports); what a reader must see was removed */
  DS_DEID_REPLACE_PLACEHOLDER = 0,
  /* a fake value of the same kind and shape ("Ana Ruiz" for "Eva Diaz", a card number of a
   * test range, a phone number of a fictional range): for replay corpora, where placeholders
   * would tell a model it is being tested */
  DS_DEID_REPLACE_SURROGATE = 1,
};

/* Options. Fill with ds_deid_default_params() and change what you need. Strings are
 * borrowed for the duration of ds_deid_new() only. */
struct ds_deid_params {
  /* Comma-separated list of types to detect: names from ds_deid_type_names() (case-
   * insensitive), "all", group "secrets", and "-name" to remove one ("all,-person").
   * NULL or "" = all built-in types. Types from patterns_file are always on. */
  const char *types;
  /* Allow-list file (NULL = none): one entry a line, '#' comments. An entry is a literal
   * value (matched case-insensitively after normalization), "@domain" (e-mail addresses at
   * that domain or its subdomains), or an IPv4/IPv6 CIDR range ("10.0.0.0/8"). The
   * built-in list (example.com/.org/.net, .example/.test/.invalid, documentation IP ranges
   * 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 2001:db8::/32, loopback) always applies. */
  const char *allow_file;
  /* Extra patterns file (NULL = none): lines "LABEL REGEX" (LABEL is [A-Z][A-Z0-9_]*). Each
   * regex is compiled into the Hyperscan database; one Hyperscan cannot compile (lookaround,
   * backreferences) is compiled with PCRE2 instead. Matches become "<LABEL_n>". */
  const char *patterns_file;
  /* Extra first-name dictionary (NULL = built-in only): one name a line. */
  const char *names_file;
  /* Kept for compatibility: every string of a record is de-identified now (see
   * ds_deid_record); dotted paths listed here are checked to be strings or containers. */
  const char *fields;
  /* Name of an environment variable holding the de-identification key (NULL = none). With
   * a key, replacements come from HMAC-SHA256(key, type, value): the same value gets the same
   * surrogate (or "<EMAIL_3fa29c0b>" placeholder) across the whole corpus, and ids holding
   * personal data the same keyed hash. The key is read once and never stored in output, logs
   * or reports; without it nobody can map a replacement back to its value. Without a key,
   * replacements are consistent within a conversation only, from a random per-process key. */
  const char *hmac_key_env;
  /* A file holding the key instead (its first line; NULL = none). At most one of the two. */
  const char *key_file;
  /* Placeholders (the default) or surrogates. */
  enum ds_deid_replace replace;
  /* Keep the names of public figures in ordinary discussion (famous surnames, an author
   * after "a book by"); default false: every name is replaced. docs/internals/deid.md. */
  bool keep_public_figures;
  /* Treat code (fences, inline code, text that parses as code) like prose: every type is
   * looked for there too. Default false: in code only secrets, structured identifiers and
   * values of personal keys ("first_name": ...) are replaced. */
  bool no_code_regions;
  /* Optional log sink for warnings. */
  struct ds_log log;
};

DS_API void ds_deid_default_params(struct ds_deid_params *p);

/* A de-identifier: compiled patterns, allow-lists, a per-conversation placeholder map and
 * counters. Not thread-safe: use one per thread (they share nothing). Memory stays bounded
 * by the largest record processed. */
struct ds_deid;

/* Compiles the detectors (the built-in lexicon and tagger are loaded once per process).
 * Errors: DS_E_INVALID (bad type name, bad pattern with file:line, both key sources),
 * DS_E_IO (unreadable file), DS_E_NOTFOUND (hmac_key_env named but unset or empty). */
DS_API enum ds_status ds_deid_new(const struct ds_deid_params *params, struct ds_deid **out,
                                  struct ds_err *err);
DS_API void ds_deid_free(struct ds_deid *d);

/* Built-in type names, NULL-terminated ("EMAIL", "PHONE", ...). Static. */
DS_API const char *const *ds_deid_type_names(void);

/* Starts a new conversation: forgets the placeholder map (per-conversation numbering). */
DS_API void ds_deid_reset(struct ds_deid *d);

/* De-identifies every string of a canonical record in place: messages (content as a string
 * or parts, reasoning, tool-call arguments including text inside their JSON escapes, tool
 * results), tools and their descriptions, segment, user, repo and any unknown field, and
 * object keys that hold personal data. Left as they are: role, type, time, consent and
 * function names. Identifiers ("id", "tool_call_id", a tool call's "id") that hold personal
 * data are replaced whole by a keyed hash ("id-3fa29c0b5e61d7a2"), the same for the same id.
 * Starts a new conversation (ds_deid_reset) first. Counts go into the report. */
DS_API enum ds_status ds_deid_record(struct ds_deid *d, json_t *record, struct ds_err *err);

/* De-identifies every string under a JSON value in place (tool calls, trajectories of a
 * completion) with the current conversation's map; object keys listed in skip (NULL-
 * terminated, may be NULL) keep their values. */
DS_API enum ds_status ds_deid_json(struct ds_deid *d, json_t *value, const char *const *skip, struct ds_err *err);

/* De-identifies one string with the current conversation's map. *out_text is a fresh
 * NUL-terminated string (free with ds_free), *out_len its length. */
DS_API enum ds_status ds_deid_text(struct ds_deid *d, const char *text, size_t len, char **out_text,
                                   size_t *out_len, struct ds_err *err);

/* One detection: byte range [start, end) and its type label (static or owned by d). */
struct ds_deid_span {
  size_t start, end;
  const char *type;
};

/* Detections in one string (validated, overlaps merged, allow-listed values left out),
 * sorted by start. *out_spans is fresh (ds_free) or NULL when *out_n is 0. Counts nothing. */
DS_API enum ds_status ds_deid_find(struct ds_deid *d, const char *text, size_t len,
                                   struct ds_deid_span **out_spans, size_t *out_n, struct ds_err *err);

/* Post-scan: runs the detectors over the same fields of an already de-identified record and
 * adds what they find to the report's "post_scan" counts. *out_findings (may be NULL)
 * receives this record's findings. Nothing is changed. */
DS_API enum ds_status ds_deid_scan_record(struct ds_deid *d, const json_t *record,
                                          uint64_t *out_findings, struct ds_err *err);

/* Total post-scan findings so far. */
DS_API uint64_t ds_deid_post_findings(const struct ds_deid *d);

/* Counts so far as a new JSON object: {"mode","replace","keyed","types","records","strings",
 * "bytes","replaced":{TYPE:n},"distinct_per_conversation":{TYPE:n},"ids_hashed",
 * "post_scan":{"records","findings","by_type"}}. Never contains a detected value or the key.
 * NULL on allocation failure. */
DS_API json_t *ds_deid_report(const struct ds_deid *d);

#ifdef __cplusplus
}
#endif
#endif
