/* snapshot_int.h: what snapshot.c and snapshot_git.c share of a snapshot. Internal. */
#ifndef DS_TOOLSIM_SNAPSHOT_INT_H
#define DS_TOOLSIM_SNAPSHOT_INT_H

#include <git2.h>
#include <stdbool.h>

#include "base/base.h"

#define MAX_READ_BYTES (1u << 20)

struct overlay_entry {
  char *path;       /* normalized relative path */
  char *data;       /* NULL: deleted */
  size_t len;
};

struct ds_snapshot {
  char *root;                 /* directory root (dir snapshots) or the repository's path */
  char *workspace;            /* absolute prefix that maps to the root, or NULL */
  git_repository *repo;       /* git snapshots (and dir snapshots of a repository, for git log) */
  git_commit *commit;         /* git snapshots only */
  git_tree *tree;             /* git snapshots only */
  struct overlay_entry *ov;
  size_t n_ov, cap_ov;
};

/* The snapshot itself has a regular file at rel (the overlay aside). */
bool snapshot_base_has(struct ds_snapshot *s, const char *rel);
/* Appends the snapshot's own content of rel (at most MAX_READ_BYTES); shown names it in errors. */
enum ds_status snapshot_read_base(struct ds_snapshot *s, const char *rel, struct ds_buf *out, struct ds_err *err,
                                  const char *shown);

#endif
