/* deid.h: de-identification of conversation records: detectors for personal data and
 * secrets compiled into one Hyperscan database, validators run on candidates only, typed
 * consistent placeholders ("<EMAIL_1>"), and a post-scan that proves the output clean. */
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
  /* Comma-separated dotted paths of extra record fields to de-identify ("metadata.note,
   * user.display_name"); every string under such a field is processed. */
  const char *fields;
  /* Name of an environment variable holding an HMAC key (NULL = none). When set and the
   * variable is non-empty, placeholders are "<EMAIL_3fa29c0b>" from HMAC-SHA256(key, type,
   * value): the same value gets the same placeholder across the whole corpus. The key is
   * read once and never stored in output, logs or reports. When NULL, placeholders are
   * numbered per conversation ("<EMAIL_1>"). */
  const char *hmac_key_env;
  /* Optional log sink for warnings. */
  struct ds_log log;
};

DS_API void ds_deid_default_params(struct ds_deid_params *p);

/* A de-identifier: compiled patterns, allow-lists, a per-conversation placeholder map and
 * counters. Not thread-safe: use one per thread (they share nothing). Memory stays bounded
 * by the largest record processed. */
struct ds_deid;

/* Compiles the detectors. Errors: DS_E_INVALID (bad type name, bad pattern with file:line),
 * DS_E_IO (unreadable file), DS_E_NOTFOUND (hmac_key_env named but unset or empty). */
DS_API enum ds_status ds_deid_new(const struct ds_deid_params *params, struct ds_deid **out,
                                  struct ds_err *err);
DS_API void ds_deid_free(struct ds_deid *d);

/* Built-in type names, NULL-terminated ("EMAIL", "PHONE", ...). Static. */
DS_API const char *const *ds_deid_type_names(void);

/* Starts a new conversation: forgets the placeholder map (per-conversation numbering). */
DS_API void ds_deid_reset(struct ds_deid *d);

/* De-identifies every text field of a canonical record in place (message content as a
 * string or array of parts, reasoning, tool-call arguments including text inside their
 * JSON escapes, tool results, system prompts, and the configured extra fields). Starts a
 * new conversation (ds_deid_reset) first. Counts go into the report. */
DS_API enum ds_status ds_deid_record(struct ds_deid *d, json_t *record, struct ds_err *err);

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

/* Counts so far as a new JSON object: {"mode","types","records","strings","bytes",
 * "replaced":{TYPE:n},"unique":{TYPE:n},"post_scan":{"records","findings","by_type"}}.
 * Never contains a detected value or the HMAC key. NULL on allocation failure. */
DS_API json_t *ds_deid_report(const struct ds_deid *d);

#ifdef __cplusplus
}
#endif
#endif
