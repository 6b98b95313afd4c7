/* format.h: the contract between the corpus reader and the log readers of
 * lib/corpus/formats/ (one file per format, one row in table.c, as curl adds a TLS backend),
 * and the helpers readers share to build canonical records. */
#ifndef DS_CORPUS_FORMAT_H
#define DS_CORPUS_FORMAT_H

#include "corpus/corpus_int.h"

/* How many items the reader parses ahead to pick a format. */
#define FMT_PROBE_ITEMS 16

/* Containers an input can come in (fmt_probe.container, manifest "container"). */
#define FMT_JSONL "jsonl"             /* one JSON value per line */
#define FMT_ARRAY "json_array"        /* one JSON array: an item per element */
#define FMT_DOCUMENT "json_document"  /* one (pretty-printed) JSON value: one item */
#define FMT_ZIP "zip"                 /* an item per .json member, in name order */
#define FMT_EVENT_DIR "event_files"   /* a directory of one-event JSON files: an item per file */
#define FMT_CSV "csv"                 /* a .csv file: an item {column: text} per row after the header */

/* One JSON value handed to a reader. */
struct fmt_item {
  const json_t *v;  /* borrowed for the call; a reader that keeps it takes a reference */
  const char *file; /* path for messages: the file, or "FILE!MEMBER" for a zip member */
  const char *name; /* base name of the file or member ("event-00003-ab.json") */
  uint64_t line;    /* 1-based line where the item starts in file (1 for a member) */
};

/* What detection sees of a unit (a file, a zip, or a directory of event files). */
struct fmt_probe {
  const char *path;            /* the unit: file, zip or directory path */
  const char *container;       /* FMT_JSONL ... */
  const json_t *const *items;  /* the first items that parsed (up to FMT_PROBE_ITEMS), in order */
  size_t n_items;
  const char *const *names;    /* zip members or event file names of the unit (all), or NULL */
  size_t n_names;
};

/* Where a reader puts what it made of the items: records, and the fate of items that do not
 * end up in a record. Every item is, in the end, part of a record (the default), skipped
 * (bookkeeping, by type), a duplicate, or failed (file, line, reason). */
struct fmt_out;
/* Emits a canonical record (the reference is taken, also on failure). file/line: where the
 * record starts, for messages about it later (consent, duplicate id, de-identification).
 * The record is checked (corpus_record_check): a reader bug becomes a failed record. */
enum ds_status fmt_emit(struct fmt_out *o, json_t *rec, const char *file, uint64_t line);
/* n items kept out on purpose: bookkeeping of this type ("file-history-snapshot"). */
void fmt_skip(struct fmt_out *o, const char *type, uint64_t n);
/* n items that repeat others (a streamed message split over lines, a mirrored event). */
void fmt_duplicate(struct fmt_out *o, const char *type, uint64_t n);
/* An item (or a record being assembled) that cannot be used: counted failed and reported as
 * "FILE:LINE: detail [reason]". Returns DS_OK (reading goes on) or DS_E_NOMEM. */
enum ds_status fmt_fail(struct fmt_out *o, const char *file, uint64_t line, const char *reason, const char *fmt, ...)
    DS_PRINTF(5, 6);
/* fmt_fail at the item, with a reason and message from corpus_bad. */
enum ds_status fmt_fail_item(struct fmt_out *o, const struct fmt_item *it, const struct ds_bad_record *b);
/* The reader parameters in force (field maps, limits, the reasoning policy). */
const struct ds_reader_params *fmt_params(const struct fmt_out *o);

/* Normalizes one whole chat record (OpenAI {messages}, ShareGPT {conversations}, tau-bench
 * {traj}, WildChat {conversation}): msgs_key names the message list; id_keys and seg_keys
 * (NULL-terminated) name the id fields to try and the top-level fields that become segment
 * fields; require_id fails a record without one. */
struct chat_shape {
  const char *msgs_key;
  const char *const *id_keys;
  const char *const *seg_keys;
  bool sharegpt, require_id;
};
/* Format flags. */
enum {
  FMT_SESSION = 1u << 0,     /* the items of a unit are one session's events: finish() assembles */
  FMT_EVENT_FILES = 1u << 1, /* its sessions come as directories of one-event JSON files */
  /* Its records join items of several files of one input (a completion and its messages
   * listed apart, a Batch input file and its output file, a chain of responses): the units
   * of an input that it reads share one state (begin at the first, finish once after the
   * input's last unit; finish's records count to the last file it read). */
  FMT_JOIN_UNITS = 1u << 2,
};

/* One log format. detect looks at the first items of a unit and says how well they fit: 0 =
 * not this format (why: a short clause saying what is missing), else a score, higher for more
 * specific formats (generic chat records about 20, a tool's own session log about 90). The
 * reader then calls begin once per unit, item for every item in order (failed items are
 * counted by the reader and never reach it), finish at the end of the unit, end to free. */
struct corpus_format {
  const char *name;    /* --format NAME, manifest "format" */
  const char *summary; /* one line for --help: what it reads */
  const char *tested;  /* what it was tested on (versions), for the manifest and docs */
  unsigned flags;
  unsigned version;    /* bumped when what it makes of the same input changes; manifest
                        * "reader_version" (0 reads as 1) */
  int (*detect)(const struct fmt_probe *p, char *why, size_t why_len);
  /* A record-per-item chat format gives its shape here and no functions below: each item is
   * normalized with corpus_normalize_chat. One that adds to the normalized record (WildChat's
   * per-message moderation) gives item too, which then reads the items; the shape stays what
   * ds_record_normalize uses. */
  const struct chat_shape *chat;
  /* may be NULL (no state). *state is passed to item/finish/end. */
  enum ds_status (*begin)(void **state, const struct fmt_probe *p, struct ds_err *err);
  enum ds_status (*item)(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err);
  enum ds_status (*finish)(void *state, struct fmt_out *o, struct ds_err *err); /* may be NULL */
  void (*end)(void *state);                                                     /* may be NULL */
  /* FMT_JOIN_UNITS: called at the end of each unit it read, before the unit's accounting is
   * written (what it decides there counts to that file); may be NULL. */
  enum ds_status (*unit_end)(void *state, struct fmt_out *o, struct ds_err *err);
};

/* The table (table.c), NULL-terminated, in the order formats are listed to users. */
extern const struct corpus_format *const corpus_formats[];
const struct corpus_format *corpus_format_find(const char *name);

/* ---- helpers for readers ------------------------------------------------------------ */

/* The canonical-record validator: id (string, when present), time (RFC 3339 UTC), consent,
 * segment (object), repo (object), messages (non-empty; known roles; content a string, null
 * on an assistant turn with tool calls, or an array of parts; tool_calls {id,name,arguments
 * as JSON text}; tool messages with tool_call_id; reasoning a string). */
enum ds_status corpus_record_check(const json_t *rec, struct ds_bad_record *bad);

/* A new message {"role", "content"} (content NULL = JSON null). NULL on allocation failure. */
json_t *fmt_message(const char *role, const char *content);
/* Appends {"id","name","arguments"} to msg.tool_calls; args may be a JSON string (kept as it
 * is), an object or array (serialized canonically: sorted keys, compact), or NULL ("{}"). */
enum ds_status fmt_add_tool_call(json_t *msg, const char *id, const char *name, const json_t *args);
/* Appends text to msg.reasoning (joined by a blank line). */
enum ds_status fmt_add_reasoning(json_t *msg, const char *text);
/* Appends text to a string content (joined by a blank line; null content becomes text). */
enum ds_status fmt_append_content(json_t *msg, const char *text);
/* A time value (RFC 3339 / ISO 8601 string or epoch number, seconds or milliseconds) as an
 * RFC 3339 UTC string in *out; key names it in the message of a failure. */
enum ds_status corpus_time(const char *key, const json_t *v, json_t **out, struct ds_bad_record *b);
/* rec.time from an RFC 3339 string or epoch number (seconds or milliseconds); DS_E_INVALID
 * with b filled when it cannot be read. */
enum ds_status fmt_set_time(json_t *rec, const json_t *v, struct ds_bad_record *b);
/* rec.segment[key] = v (a new reference it takes; NULL/null values are ignored). */
enum ds_status fmt_segment(json_t *rec, const char *key, json_t *v);
/* rec.repo[key] = v (same rules). */
enum ds_status fmt_repo(json_t *rec, const char *key, json_t *v);
/* The text of a content that is a string or a list of parts with "text" (other parts are
 * described as "[image]" etc.); a new string, or NULL when there is no text at all. */
char *fmt_parts_text(const json_t *content);

/* Converts one OpenAI-shaped message (role/content/tool_calls/tool_call_id, or ShareGPT
 * from/value with sharegpt) into the canonical one appended to out_msgs. mi numbers it in
 * messages. */
enum ds_status corpus_convert_message(const json_t *m, size_t mi, bool sharegpt, json_t *out_msgs,
                                      struct ds_bad_record *bad);
enum ds_status corpus_normalize_chat(const json_t *in, const struct chat_shape *shape, json_t **out_record,
                                     struct ds_bad_record *bad);

/* Normalizes an item with a chat shape and emits it, or fails it with the reason. */
enum ds_status fmt_chat_item(const struct chat_shape *shape, const struct fmt_item *it, struct fmt_out *o);
/* The first probe item that is an object with key, or NULL. */
const json_t *fmt_probe_with(const struct fmt_probe *p, const char *key);

/* Natural order of names ("event-2" before "event-10"), for event files and members. */
int fmt_natural_cmp(const char *a, const char *b);

#endif
