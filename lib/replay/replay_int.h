/* replay_int.h: what replay.c, summary.c and merge.c share inside lib/replay. Internal. */
#ifndef DS_REPLAY_INT_H
#define DS_REPLAY_INT_H

#include <sqlite3.h>

#include "depsim/replay.h"
#include "depsim/store.h"

enum ds_status rp_db_fail(sqlite3 *db, struct ds_err *err, const char *what);
/* "DS_E_BACKEND" -> "backend" (buf holds the result). */
const char *rp_cause_name(enum ds_status st, char buf[32]);
/* Accounting recomputed from the prefixes and samples tables and meta corpus_load. */
enum ds_status rp_summary_compute(struct ds_store *s, struct ds_replay_summary *out, struct ds_err *err);
/* Writes meta "summary" (JSON) and an event of the given kind, in one transaction. */
enum ds_status rp_summary_store(struct ds_store *s, const struct ds_replay_summary *sum, const char *event,
                                struct ds_err *err);

#endif
