/* snapshot_git.c: the git commands a candidate may run on a read-only snapshot (log, show,
 * diff, status), answered from libgit2 and the overlay; with a pinned commit, history ends
 * there: HEAD is that commit and only it and its ancestors can be named. */
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/toolsim.h"
#include "toolsim/snapshot_int.h"

/* ---- git views ---- */

static git_commit *head_commit(struct ds_snapshot *s) {
  if (s->commit) {
    git_commit *c = NULL;
    git_commit_dup(&c, s->commit);
    return c;
  }
  if (!s->repo) return NULL;
  git_object *obj = NULL;
  if (git_revparse_single(&obj, s->repo, "HEAD") != 0) return NULL;
  git_commit *c = NULL;
  git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT);
  git_object_free(obj);
  return c;
}

static void format_commit(struct ds_buf *out, git_commit *c, bool oneline) {
  char sha[GIT_OID_HEXSZ + 1];
  git_oid_tostr(sha, sizeof sha, git_commit_id(c));
  const char *msg = git_commit_message(c);
  if (oneline) {
    const char *nl = strchr(msg, '\n');
    ds_buf_addf(out, "%.7s %.*s\n", sha, (int)(nl ? nl - msg : (long)strlen(msg)), msg);
    return;
  }
  const git_signature *a = git_commit_author(c);
  char when[32];
  ds_format_time((int64_t)a->when.time, when);
  /* author e-mail addresses are personal data: only the name is shown */
  ds_buf_addf(out, "commit %s\nAuthor: %s\nDate:   %s\n\n", sha, a->name, when);
  const char *p = msg;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    ds_buf_addf(out, "    %.*s\n", (int)n, p);
    p += n + (nl ? 1 : 0);
  }
  ds_buf_addc(out, '\n');
}

static int diff_line_cb(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l, void *ud) {
  (void)d;
  (void)h;
  struct ds_buf *out = ud;
  if (l->origin == GIT_DIFF_LINE_CONTEXT || l->origin == GIT_DIFF_LINE_ADDITION || l->origin == GIT_DIFF_LINE_DELETION)
    ds_buf_addc(out, l->origin);
  ds_buf_add(out, l->content, l->content_len);
  return 0;
}

static enum ds_status git_diff_overlay(struct ds_snapshot *s, struct ds_buf *out) {
  for (size_t i = 0; i < s->n_ov; i++) {
    const struct overlay_entry *o = &s->ov[i];
    struct ds_buf old;
    ds_buf_init(&old, 0);
    bool had = snapshot_base_has(s, o->path);
    if (had) snapshot_read_base(s, o->path, &old, NULL, o->path);
    git_patch *patch = NULL;
    git_diff_options opts;
    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    if (git_patch_from_buffers(&patch, had ? old.data : NULL, old.len, o->path, o->data, o->data ? o->len : 0,
                               o->path, &opts) == 0) {
      git_patch_print(patch, diff_line_cb, out);
      git_patch_free(patch);
    }
    ds_buf_release(&old);
  }
  return DS_OK;
}

/* The commit a revision names, as the snapshot sees history: HEAD is the pinned commit, and with
 * a pinned commit only it and its ancestors exist (a later commit, another branch or tag is the
 * future of the recorded moment: "bad revision", as git says of one that does not exist). */
static enum ds_status rev_commit(struct ds_snapshot *s, const char *rev, git_commit **out, struct ds_err *err) {
  *out = NULL;
  char buf[512];
  if (s->commit && strncmp(rev, "HEAD", 4) == 0 && (rev[4] == '\0' || rev[4] == '~' || rev[4] == '^')) {
    char sha[GIT_OID_HEXSZ + 1];
    git_oid_tostr(sha, sizeof sha, git_commit_id(s->commit));
    snprintf(buf, sizeof buf, "%s%s", sha, rev + 4);
    rev = buf;
  }
  git_object *obj = NULL;
  git_commit *c = NULL;
  if (git_revparse_single(&obj, s->repo, rev) == 0) git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT);
  git_object_free(obj);
  if (c && s->commit && !git_oid_equal(git_commit_id(c), git_commit_id(s->commit)) &&
      git_graph_descendant_of(s->repo, git_commit_id(s->commit), git_commit_id(c)) != 1) {
    git_commit_free(c);
    c = NULL;
  }
  if (!c) return ds_fail(err, DS_E_NOTFOUND, "fatal: bad revision '%s'", rev == buf ? "HEAD" : rev);
  *out = c;
  return DS_OK;
}

enum ds_status ds_snapshot_git(struct ds_snapshot *s, const char *const *argv, int argc, char **out,
                               struct ds_err *err) {
  if (argc < 1) return ds_fail(err, DS_E_INVALID, "usage: git <log|show|diff|status>");
  if (!s->repo) return ds_fail(err, DS_E_INVALID, "fatal: not a git repository");
  struct ds_buf text;
  ds_buf_init(&text, 0);
  enum ds_status st = DS_OK;
  const char *cmd = argv[0];
  if (strcmp(cmd, "log") == 0) {
    long n = 10;
    bool oneline = false;
    for (int i = 1; i < argc; i++) {
      if (strcmp(argv[i], "--oneline") == 0) oneline = true;
      else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) n = strtol(argv[++i], NULL, 10);
      else if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9') n = strtol(argv[i] + 1, NULL, 10);
      else if (strncmp(argv[i], "--max-count=", 12) == 0) n = strtol(argv[i] + 12, NULL, 10);
    }
    git_commit *c = head_commit(s);
    git_revwalk *w = NULL;
    if (!c || git_revwalk_new(&w, s->repo) != 0) {
      git_commit_free(c);
      st = ds_fail(err, DS_E_INVALID, "fatal: no commits");
      goto out;
    }
    git_revwalk_sorting(w, GIT_SORT_TIME);
    git_revwalk_push(w, git_commit_id(c));
    git_commit_free(c);
    git_oid oid;
    for (long i = 0; i < n && git_revwalk_next(&oid, w) == 0; i++) {
      git_commit *cc = NULL;
      if (git_commit_lookup(&cc, s->repo, &oid) == 0) format_commit(&text, cc, oneline);
      git_commit_free(cc);
    }
    git_revwalk_free(w);
  } else if (strcmp(cmd, "show") == 0) {
    const char *rev = argc > 1 ? argv[argc - 1] : "HEAD";
    const char *colon = strchr(rev, ':');
    if (colon) {
      /* REV:PATH, confined like any other read, REV within the pinned history */
      struct ds_buf r;
      ds_buf_init(&r, 0);
      ds_buf_add(&r, rev, (size_t)(colon - rev));
      git_commit *c = NULL;
      st = rev_commit(s, r.len ? r.data : "HEAD", &c, err);
      ds_buf_release(&r);
      if (st) goto out;
      char sha[GIT_OID_HEXSZ + 1];
      git_oid_tostr(sha, sizeof sha, git_commit_id(c));
      git_commit_free(c);
      struct ds_snapshot *at = NULL;
      st = ds_snapshot_open(s->root, sha, s->workspace, &at, err);
      if (st) goto out;
      char *data = NULL;
      st = ds_snapshot_read(at, colon + 1, &data, err);
      ds_snapshot_free(at);
      if (st) goto out;
      ds_buf_adds(&text, data);
      ds_free(data);
    } else {
      git_commit *c = NULL;
      if ((st = rev_commit(s, rev, &c, err))) goto out;
      format_commit(&text, c, false);
      git_commit *parent = NULL;
      git_tree *t1 = NULL, *t0 = NULL;
      git_commit_tree(&t1, c);
      if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0) == 0) git_commit_tree(&t0, parent);
      git_diff *diff = NULL;
      if (git_diff_tree_to_tree(&diff, s->repo, t0, t1, NULL) == 0) {
        git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, diff_line_cb, &text);
        git_diff_free(diff);
      }
      git_tree_free(t0);
      git_tree_free(t1);
      git_commit_free(parent);
      git_commit_free(c);
    }
  } else if (strcmp(cmd, "diff") == 0) {
    git_diff_overlay(s, &text);
  } else if (strcmp(cmd, "status") == 0) {
    git_commit *c = head_commit(s);
    if (c) {
      char sha[GIT_OID_HEXSZ + 1];
      git_oid_tostr(sha, sizeof sha, git_commit_id(c));
      ds_buf_addf(&text, "HEAD detached at %.7s\n", sha);
      git_commit_free(c);
    }
    if (s->n_ov == 0) ds_buf_adds(&text, "nothing to commit, working tree clean\n");
    else {
      ds_buf_adds(&text, "Changes not staged for commit:\n");
      for (size_t i = 0; i < s->n_ov; i++) {
        const struct overlay_entry *o = &s->ov[i];
        const char *what = !o->data ? "deleted:   " : snapshot_base_has(s, o->path) ? "modified:  " : "new file:  ";
        ds_buf_addf(&text, "\t%s%s\n", what, o->path);
      }
    }
  } else {
    st = ds_fail(err, DS_E_INVALID, "git %s: not available in a read-only snapshot", cmd);
    goto out;
  }
  *out = ds_buf_detach(&text, NULL);
out:
  ds_buf_release(&text);
  return st;
}
