/* toolsim_int.h: internals shared by the tool simulator's files: the tool-call database's
 * lookups and the snapshot's overlay question. */
#ifndef DS_TOOLSIM_INT_H
#define DS_TOOLSIM_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "base/base.h"

struct ts_paths;

char *tooldb_canonical_args(const char *arguments);
char *tooldb_near_key(const char *arguments);
/* The repository a record names (its path_or_url, else its cwd) and its commit and cwd. */
const char *tooldb_repo_of(const json_t *record, const char **out_commit, const char **out_workspace);
enum ds_status tooldb_open(const char *path, sqlite3 **out, struct ds_err *err);

/* One call to look up, with the state it is made on. */
struct tooldb_query {
  const char *conv_id, *tool, *canon, *arguments;
  bool near;                      /* near matches allowed */
  unsigned occurrence;            /* identical calls before it in the conversation */
  const char *repo, *commit;      /* the record's repository (NULL: none) */
  const char *digest;             /* the episode's state digest ("" = nothing changed) */
  const struct ts_paths *changed; /* what the episode changed */
  const struct ts_paths *reads;   /* what the call reads */
};
/* DS_OK with *out_response (owned), or DS_E_NOTFOUND. */
enum ds_status tooldb_lookup(sqlite3 *db, const struct tooldb_query *q, char **out_response, bool *out_near,
                             bool *out_error);
void tooldb_similar(sqlite3 *db, const char *tool, unsigned n, struct ds_buf *out);

struct ds_snapshot;
bool snapshot_changed(struct ds_snapshot *s, const char *path);

#endif
