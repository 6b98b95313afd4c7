/* reader_int.h: what the parts of ds_reader share: the reader's state (units, the unit being
 * read, the probe, the queue of records and failures, the accounting). reader_open.c opens an
 * input and finds its units; reader.c reads them. */
#ifndef DS_CORPUS_READER_INT_H
#define DS_CORPUS_READER_INT_H

#include "formats/format.h"

#define PROBE_MAX_TRIES 64  /* items read while looking for FMT_PROBE_ITEMS that parse */
#define WALK_MAX_DEPTH 32
#define MAX_JOINS 8         /* FMT_JOIN_UNITS formats with a state open at once in one input */

enum ukind { U_FILE, U_ZIP, U_EVENTS };

struct unit {
  char *path;          /* the file, zip or event directory */
  enum ukind kind;
  char **names;        /* U_EVENTS: the event files' names, natural order */
  size_t n_names;
  bool walked;         /* found by a directory walk: a unit no reader takes is ignored */
};

struct pend {          /* an item read while probing, waiting for the format */
  json_t *v;           /* or NULL: a failed item (bad) */
  char *file, *name;
  uint64_t line;
  struct ds_bad_record bad;
};

struct qent {          /* a record or a failure, in the order they were made */
  json_t *rec;
  char *file;
  uint64_t line;
  const char *format, *container;
  struct ds_bad_record bad;
};

struct fmt_out {
  struct ds_reader *r;
};

struct join {          /* the state of a FMT_JOIN_UNITS format, shared by the units it reads */
  const struct corpus_format *fmt;
  void *state;
  size_t unit;         /* index in units_json of the last unit it read */
  bool has_unit;
};

struct ds_reader {
  struct ds_reader_params p;
  char *path;
  bool is_dir;
  struct unit *units;
  size_t n_units, cap_units, next_unit;
  /* the unit being read */
  struct unit *u;
  bool active, unknown;
  const struct corpus_format *fmt;
  void *fstate;
  bool joined;                    /* fstate belongs to joins[] */
  json_t *join_files;             /* while joins finish: file path -> its object in units_json */
  struct join joins[MAX_JOINS];
  size_t n_joins;
  const char *container;
  struct src_file *file;
  struct zip_archive *zip;
  size_t *members, n_members, mi; /* zip: indexes of the .json members, natural order */
  size_t ei;                      /* event files: the next one */
  struct ds_buf mbuf, scratch, name_buf;
  struct pend probe[PROBE_MAX_TRIES];
  size_t n_probe, probe_pos;
  char unknown_msg[4096];
  /* the unit's accounting */
  uint64_t u_items, u_failed, u_records;
  json_t *u_skipped, *u_dup;
  struct ds_sha256 usha;
  bool usha_open;
  /* the input's accounting */
  struct ds_reader_items items;
  json_t *units_json;
  struct ds_buf tree; /* directory: "relpath\0sha256\n" of every file read */
  char sha_hex[65];
  uint64_t bytes_done;
  /* queue */
  struct qent *q;
  size_t qh, qn, qcap;
  /* the entry last returned */
  struct qent last;
  struct fmt_out out;
};

static inline bool forced(const struct ds_reader *r) { return r->p.format && strcmp(r->p.format, "auto") != 0; }

/* A field map is read by the mapped reader, for every unit. */
static inline const char *format_name(const struct ds_reader *r) {
  if (ds_field_map_active(&r->p.fields)) return "mapped";
  return forced(r) ? r->p.format : NULL;
}

void rd_release_unit(struct unit *u);
bool rd_ends_with(const char *s, const char *suffix);
/* The format of a unit from its probe (or the forced one); NULL with the reasons in why. */
const struct corpus_format *rd_pick(const struct ds_reader *r, const struct fmt_probe *pr, char *why,
                                   size_t why_len);

#endif
