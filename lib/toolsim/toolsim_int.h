/* toolsim_int.h: internals shared by the tool simulator's files. */
#ifndef DS_TOOLSIM_INT_H
#define DS_TOOLSIM_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "base/base.h"

char *tooldb_canonical_args(const char *arguments);
char *tooldb_near_key(const char *arguments);
enum ds_status tooldb_open(const char *path, sqlite3 **out, struct ds_err *err);
enum ds_status tooldb_lookup(sqlite3 *db, const char *conv_id, const char *tool, const char *canon_args,
                             const char *arguments, bool near, unsigned occurrence, char **out_response,
                             bool *out_near);
void tooldb_similar(sqlite3 *db, const char *tool, unsigned n, struct ds_buf *out);

struct ds_snapshot;
bool snapshot_changed(struct ds_snapshot *s, const char *path);

#endif
