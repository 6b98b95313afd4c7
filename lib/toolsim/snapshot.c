/* snapshot.c: read-only views of a repository as it was (a directory, or a git commit via
 * libgit2) confined to their root, plus an in-memory overlay that holds the candidate's own
 * writes so later reads see them. Nothing here writes to the disk. The git commands a
 * candidate may run on a snapshot are in snapshot_git.c. */
#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/toolsim.h"
#include "toolsim/snapshot_int.h"
#include "toolsim/dialect.h"
#include "toolsim/toolsim_int.h"

#define MAX_LINKS 16

static bool libgit_ready;

static enum ds_status refuse(struct ds_err *err, const char *why, const char *path) {
  return ds_fail(err, DS_E_INVALID, "refused: %s: %s", why, path);
}

/* True when real (a resolved path) is root or below it. */
static bool under(const char *real, const char *root) {
  size_t n = strlen(root);
  return strcmp(root, "/") == 0 || (strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0'));
}

/* The repository must be the one in the directory: a .git that is a file ("gitdir: PATH", a
 * worktree or submodule) or a link whose target lies outside the directory would have libgit2
 * read another repository (any on the host), so it is refused. */
static enum ds_status check_git_dir(const char *root, struct ds_err *err) {
  char dotgit[PATH_MAX], real[PATH_MAX];
  if (snprintf(dotgit, sizeof dotgit, "%s/.git", root) >= (int)sizeof dotgit) return refuse(err, "path too long", root);
  struct stat st;
  if (lstat(dotgit, &st) != 0) return DS_OK; /* no repository: a plain directory */
  if (S_ISDIR(st.st_mode)) return DS_OK;
  if (S_ISLNK(st.st_mode)) {
    if (!realpath(dotgit, real) || !under(real, root))
      return refuse(err, "its .git is a link to a repository outside it", root);
    return DS_OK;
  }
  if (!S_ISREG(st.st_mode)) return refuse(err, "its .git is not a directory", root);
  char line[PATH_MAX + 16] = "";
  FILE *f = fopen(dotgit, "r");
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    fclose(f);
  }
  line[strcspn(line, "\r\n")] = '\0';
  if (strncmp(line, "gitdir:", 7) != 0) return refuse(err, "its .git file does not name a gitdir", root);
  const char *g = line + 7;
  while (*g == ' ') g++;
  char target[PATH_MAX + sizeof line + 2];
  if (*g == '/') snprintf(target, sizeof target, "%s", g);
  else snprintf(target, sizeof target, "%s/%s", root, g);
  if (!realpath(target, real) || !under(real, root))
    return refuse(err, "its .git file points to a repository outside it (gitdir:)", root);
  return DS_OK;
}

enum ds_status ds_snapshot_open(const char *path, const char *commit, const char *workspace,
                                struct ds_snapshot **out, struct ds_err *err) {
  if (!libgit_ready) {
    git_libgit2_init();
    libgit_ready = true;
  }
  struct ds_snapshot *s = ds_calloc(1, sizeof *s);
  if (!s) return ds_fail(err, DS_E_NOMEM, "out of memory");
  enum ds_status st = DS_OK;
  char real[PATH_MAX];
  if (!realpath(path, real)) {
    st = ds_fail(err, DS_E_NOTFOUND, "%s: repository snapshot not found: %s", path, strerror(errno));
    goto fail;
  }
  s->root = ds_strdup(real);
  if (workspace && *workspace) {
    s->workspace = ds_strdup(workspace);
    size_t n = strlen(s->workspace);
    while (n > 1 && s->workspace[n - 1] == '/') s->workspace[--n] = '\0';
  }
  if ((st = check_git_dir(real, err))) goto fail;
  if (git_repository_open_ext(&s->repo, real, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) s->repo = NULL;
  if (commit && *commit) {
    if (!s->repo) {
      st = ds_fail(err, DS_E_INVALID, "%s: not a git repository (commit %s requested)", path, commit);
      goto fail;
    }
    git_object *obj = NULL;
    if (git_revparse_single(&obj, s->repo, commit) != 0 ||
        git_object_peel((git_object **)&s->commit, obj, GIT_OBJECT_COMMIT) != 0) {
      git_object_free(obj);
      st = ds_fail(err, DS_E_NOTFOUND, "%s: no commit '%s'", path, commit);
      goto fail;
    }
    git_object_free(obj);
    if (git_commit_tree(&s->tree, s->commit) != 0) {
      st = ds_fail(err, DS_E_INVALID, "%s: commit %s has no tree", path, commit);
      goto fail;
    }
  }
  *out = s;
  return DS_OK;
fail:
  ds_snapshot_free(s);
  return st;
}

void ds_snapshot_free(struct ds_snapshot *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_ov; i++) {
    ds_free(s->ov[i].path);
    ds_free(s->ov[i].data);
  }
  ds_free(s->ov);
  git_tree_free(s->tree);
  git_commit_free(s->commit);
  git_repository_free(s->repo);
  ds_free(s->root);
  ds_free(s->workspace);
  ds_free(s);
}

/* ---- path normalization and confinement ---- */

/* Splits path into components appended onto parts (a '/'-joined buffer), resolving "." and
 * "..". Returns false when ".." climbs above the root. */
static bool push_components(struct ds_buf *parts, const char *path) {
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 1 && p[0] == '.') {
      /* nothing */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (parts->len == 0) return false;
      char *slash = strrchr(parts->data, '/');
      parts->len = slash ? (size_t)(slash - parts->data) : 0;
      parts->data[parts->len] = '\0';
    } else {
      if (parts->len) ds_buf_addc(parts, '/');
      ds_buf_add(parts, p, n);
    }
    p += n;
  }
  return true;
}

/* The target of a symlink at rel (dir snapshot: readlink; git: the blob). */
static enum ds_status link_target(struct ds_snapshot *s, const char *rel, struct ds_buf *out) {
  if (s->tree) {
    git_tree_entry *te = NULL;
    if (git_tree_entry_bypath(&te, s->tree, rel) != 0) return DS_E_NOTFOUND;
    git_blob *blob = NULL;
    int rc = git_blob_lookup(&blob, s->repo, git_tree_entry_id(te));
    git_tree_entry_free(te);
    if (rc != 0) return DS_E_NOTFOUND;
    ds_buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
    git_blob_free(blob);
    return DS_OK;
  }
  struct ds_buf full;
  ds_buf_init(&full, 0);
  ds_buf_addf(&full, "%s/%s", s->root, rel);
  char tgt[PATH_MAX];
  ssize_t n = readlink(full.data, tgt, sizeof tgt - 1);
  ds_buf_release(&full);
  if (n < 0) return DS_E_NOTFOUND;
  ds_buf_add(out, tgt, (size_t)n);
  return DS_OK;
}

enum kind { K_MISSING, K_FILE, K_DIR, K_LINK, K_SPECIAL };

static enum kind kind_of(struct ds_snapshot *s, const char *rel) {
  if (!*rel) return K_DIR;
  if (s->tree) {
    git_tree_entry *te = NULL;
    if (git_tree_entry_bypath(&te, s->tree, rel) != 0) return K_MISSING;
    git_filemode_t m = git_tree_entry_filemode(te);
    git_tree_entry_free(te);
    if (m == GIT_FILEMODE_TREE) return K_DIR;
    if (m == GIT_FILEMODE_LINK) return K_LINK;
    if (m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE) return K_FILE;
    return K_SPECIAL; /* submodule */
  }
  struct ds_buf full;
  ds_buf_init(&full, 0);
  ds_buf_addf(&full, "%s/%s", s->root, rel);
  struct stat st;
  int rc = lstat(full.data, &st);
  ds_buf_release(&full);
  if (rc != 0) return K_MISSING;
  if (S_ISLNK(st.st_mode)) return K_LINK;
  if (S_ISDIR(st.st_mode)) return K_DIR;
  if (S_ISREG(st.st_mode)) return K_FILE;
  return K_SPECIAL;
}

static struct overlay_entry *overlay_find(struct ds_snapshot *s, const char *rel) {
  for (size_t i = 0; i < s->n_ov; i++)
    if (strcmp(s->ov[i].path, rel) == 0) return &s->ov[i];
  return NULL;
}

/* Resolves a path the candidate gave into a normalized relative path inside the snapshot,
 * following symlinks only while they stay inside. */
static enum ds_status resolve(struct ds_snapshot *s, const char *path, struct ds_buf *out, struct ds_err *err) {
  ds_buf_reset(out);
  const char *p = path ? path : "";
  if (*p == '~') return refuse(err, "home directory is outside the repository", path);
  if (*p == '/') {
    size_t wl = s->workspace ? strlen(s->workspace) : 0;
    if (wl && strncmp(p, s->workspace, wl) == 0 && (p[wl] == '/' || p[wl] == '\0')) p += wl;
    else return refuse(err, "absolute path outside the repository", path);
  }
  if (!push_components(out, p)) return refuse(err, "path escapes the repository", path);
  /* follow symlinks component by component */
  for (int hops = 0; hops <= MAX_LINKS; hops++) {
    bool again = false;
    size_t i = 0;
    while (i <= out->len) {
      if (i == out->len || out->data[i] == '/') {
        char saved = out->data[i];
        out->data[i] = '\0';
        bool in_overlay = overlay_find(s, out->data) != NULL;
        enum kind k = in_overlay ? K_FILE : kind_of(s, out->data);
        if (k == K_SPECIAL) {
          out->data[i] = saved;
          return refuse(err, "device or special file", path);
        }
        if (k == K_LINK) {
          struct ds_buf tgt, next;
          ds_buf_init(&tgt, 0);
          ds_buf_init(&next, 0);
          link_target(s, out->data, &tgt);
          if (tgt.len && tgt.data[0] == '/') {
            ds_buf_release(&tgt);
            ds_buf_release(&next);
            return refuse(err, "symlink points outside the repository", path);
          }
          /* parent of the link + target + the rest */
          char *slash = strrchr(out->data, '/');
          if (slash) ds_buf_add(&next, out->data, (size_t)(slash - out->data));
          bool ok = push_components(&next, tgt.data);
          if (ok && saved) ok = push_components(&next, out->data + i + 1);
          ds_buf_release(&tgt);
          if (!ok) {
            ds_buf_release(&next);
            return refuse(err, "symlink points outside the repository", path);
          }
          ds_buf_reset(out);
          ds_buf_add(out, next.data, next.len);
          ds_buf_release(&next);
          again = true;
          break;
        }
        out->data[i] = saved;
        if (k == K_MISSING && !in_overlay) break; /* the rest cannot exist on disk */
      }
      i++;
    }
    if (!again) return DS_OK;
  }
  return refuse(err, "too many levels of symbolic links", path);
}

/* True when the candidate's overlay holds path, or something under it when it names a
 * directory: such a call must be answered from the overlay, not from a recording. */
bool snapshot_changed(struct ds_snapshot *s, const char *path) {
  if (s->n_ov == 0) return false;
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  bool hit = false;
  if (resolve(s, path, &rel, NULL) == DS_OK) {
    for (size_t i = 0; i < s->n_ov && !hit; i++) {
      const char *p = s->ov[i].path;
      hit = strcmp(p, rel.data) == 0 || rel.len == 0 || (strncmp(p, rel.data, rel.len) == 0 && p[rel.len] == '/');
    }
  }
  ds_buf_release(&rel);
  return hit;
}

/* ---- reading ---- */

enum ds_status snapshot_read_base(struct ds_snapshot *s, const char *rel, struct ds_buf *out, struct ds_err *err,
                                   const char *shown) {
  if (s->tree) {
    git_tree_entry *te = NULL;
    if (git_tree_entry_bypath(&te, s->tree, rel) != 0)
      return ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", shown);
    git_blob *blob = NULL;
    int rc = git_blob_lookup(&blob, s->repo, git_tree_entry_id(te));
    git_tree_entry_free(te);
    if (rc != 0) return ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", shown);
    size_t n = (size_t)git_blob_rawsize(blob);
    if (n > MAX_READ_BYTES) n = MAX_READ_BYTES;
    ds_buf_add(out, git_blob_rawcontent(blob), n);
    git_blob_free(blob);
    return DS_OK;
  }
  struct ds_buf full;
  ds_buf_init(&full, 0);
  ds_buf_addf(&full, "%s/%s", s->root, rel);
  FILE *f = fopen(full.data, "rb");
  ds_buf_release(&full);
  if (!f) return ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", shown);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len < MAX_READ_BYTES) ds_buf_add(out, chunk, n);
  fclose(f);
  return DS_OK;
}

enum ds_status ds_snapshot_read(struct ds_snapshot *s, const char *path, char **out, struct ds_err *err) {
  struct ds_buf rel, data;
  ds_buf_init(&rel, 0);
  ds_buf_init(&data, 0);
  enum ds_status st = resolve(s, path, &rel, err);
  if (st) goto out;
  struct overlay_entry *o = overlay_find(s, rel.data);
  if (o) {
    if (!o->data) {
      st = ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", path);
      goto out;
    }
    ds_buf_add(&data, o->data, o->len);
  } else {
    enum kind k = kind_of(s, rel.data);
    if (k == K_DIR) {
      st = ds_fail(err, DS_E_INVALID, "%s: Is a directory", path);
      goto out;
    }
    if (k == K_MISSING) {
      st = ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", path);
      goto out;
    }
    if ((st = snapshot_read_base(s, rel.data, &data, err, path))) goto out;
  }
  *out = ds_buf_detach(&data, NULL);
out:
  ds_buf_release(&rel);
  ds_buf_release(&data);
  return st;
}

/* ---- listing and walking ---- */

struct names {
  char **v;
  size_t n, cap;
};

static void names_add(struct names *ns, const char *name, size_t len) {
  for (size_t i = 0; i < ns->n; i++)
    if (strlen(ns->v[i]) == len && memcmp(ns->v[i], name, len) == 0) return;
  if (ns->n == ns->cap) {
    size_t cap = ns->cap ? ns->cap * 2 : 32;
    char **v = ds_realloc(ns->v, cap * sizeof *v);
    if (!v) return;
    ns->v = v;
    ns->cap = cap;
  }
  ns->v[ns->n] = ds_strndup(name, len);
  if (ns->v[ns->n]) ns->n++;
}

static void names_remove(struct names *ns, const char *name) {
  for (size_t i = 0; i < ns->n; i++)
    if (strcmp(ns->v[i], name) == 0) {
      ds_free(ns->v[i]);
      ns->v[i] = ns->v[--ns->n];
      return;
    }
}

static void names_free(struct names *ns) {
  for (size_t i = 0; i < ns->n; i++) ds_free(ns->v[i]);
  ds_free(ns->v);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Entries of directory rel in the base snapshot (names; directories end with '/'). */
static void base_entries(struct ds_snapshot *s, const char *rel, struct names *ns) {
  if (s->tree) {
    git_tree *t = NULL;
    if (!*rel) {
      git_tree_dup(&t, s->tree);
    } else {
      git_tree_entry *te = NULL;
      if (git_tree_entry_bypath(&te, s->tree, rel) != 0) return;
      git_tree_lookup(&t, s->repo, git_tree_entry_id(te));
      git_tree_entry_free(te);
    }
    if (!t) return;
    for (size_t i = 0; i < git_tree_entrycount(t); i++) {
      const git_tree_entry *e = git_tree_entry_byindex(t, i);
      struct ds_buf nb;
      ds_buf_init(&nb, 0);
      ds_buf_addf(&nb, "%s%s", git_tree_entry_name(e), git_tree_entry_type(e) == GIT_OBJECT_TREE ? "/" : "");
      names_add(ns, nb.data, nb.len);
      ds_buf_release(&nb);
    }
    git_tree_free(t);
    return;
  }
  struct ds_buf full;
  ds_buf_init(&full, 0);
  ds_buf_addf(&full, "%s/%s", s->root, rel);
  DIR *d = opendir(full.data);
  if (d) {
    struct dirent *de;
    while ((de = readdir(d))) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
      struct ds_buf nb;
      ds_buf_init(&nb, 0);
      bool dir = de->d_type == DT_DIR;
      ds_buf_addf(&nb, "%s%s", de->d_name, dir ? "/" : "");
      names_add(ns, nb.data, nb.len);
      ds_buf_release(&nb);
    }
    closedir(d);
  }
  ds_buf_release(&full);
}

/* Overlay files directly under directory rel, added or removed. */
static void overlay_entries(struct ds_snapshot *s, const char *rel, struct names *ns) {
  size_t rl = strlen(rel);
  for (size_t i = 0; i < s->n_ov; i++) {
    const char *p = s->ov[i].path;
    if (rl && (strncmp(p, rel, rl) != 0 || p[rl] != '/')) continue;
    const char *rest = rl ? p + rl + 1 : p;
    const char *slash = strchr(rest, '/');
    if (slash) {
      if (s->ov[i].data) {
        struct ds_buf nb;
        ds_buf_init(&nb, 0);
        ds_buf_add(&nb, rest, (size_t)(slash - rest) + 1);
        names_add(ns, nb.data, nb.len);
        ds_buf_release(&nb);
      }
    } else if (s->ov[i].data) {
      names_add(ns, rest, strlen(rest));
    } else {
      names_remove(ns, rest);
    }
  }
}

enum ds_status ds_snapshot_list(struct ds_snapshot *s, const char *path, char **out, struct ds_err *err) {
  struct ds_buf rel, text;
  ds_buf_init(&rel, 0);
  ds_buf_init(&text, 0);
  struct names ns = {0};
  enum ds_status st = resolve(s, path, &rel, err);
  if (st) goto out;
  enum kind k = kind_of(s, rel.data);
  bool overlay_dir = false;
  for (size_t i = 0; i < s->n_ov && !overlay_dir; i++)
    overlay_dir = s->ov[i].data && (!rel.len || (strncmp(s->ov[i].path, rel.data, rel.len) == 0 &&
                                                 s->ov[i].path[rel.len] == '/'));
  if (k == K_FILE || overlay_find(s, rel.data)) {
    ds_buf_addf(&text, "%s\n", path);
    goto done;
  }
  if (k != K_DIR && !overlay_dir) {
    st = ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", path && *path ? path : ".");
    goto out;
  }
  base_entries(s, rel.data, &ns);
  overlay_entries(s, rel.data, &ns);
  if (ns.n) qsort(ns.v, ns.n, sizeof *ns.v, cmp_str); /* ns.v is NULL when empty */
  for (size_t i = 0; i < ns.n; i++) ds_buf_addf(&text, "%s\n", ns.v[i]);
done:
  *out = ds_buf_detach(&text, NULL);
out:
  names_free(&ns);
  ds_buf_release(&rel);
  ds_buf_release(&text);
  return st;
}

/* Visits every regular file under rel (base snapshot with the overlay applied), skipping .git. */
typedef void visit_fn(void *ud, const char *rel, const char *data, size_t len);

static void walk(struct ds_snapshot *s, const char *rel, visit_fn *fn, void *ud, unsigned *budget) {
  struct names ns = {0};
  base_entries(s, rel, &ns);
  overlay_entries(s, rel, &ns);
  if (ns.n) qsort(ns.v, ns.n, sizeof *ns.v, cmp_str); /* ns.v is NULL when empty */
  for (size_t i = 0; i < ns.n && *budget; i++) {
    size_t n = strlen(ns.v[i]);
    bool dir = n && ns.v[i][n - 1] == '/';
    struct ds_buf child;
    ds_buf_init(&child, 0);
    if (*rel) ds_buf_addf(&child, "%s/", rel);
    ds_buf_add(&child, ns.v[i], dir ? n - 1 : n);
    if (dir) {
      if (strcmp(ns.v[i], ".git/") != 0) walk(s, child.data, fn, ud, budget);
    } else {
      struct overlay_entry *o = overlay_find(s, child.data);
      (*budget)--;
      if (o) {
        if (o->data) fn(ud, child.data, o->data, o->len);
      } else if (kind_of(s, child.data) == K_FILE) {
        struct ds_buf data;
        ds_buf_init(&data, 0);
        if (fn && snapshot_read_base(s, child.data, &data, NULL, child.data) == DS_OK) fn(ud, child.data, data.data, data.len);
        ds_buf_release(&data);
      }
    }
    ds_buf_release(&child);
  }
  names_free(&ns);
}

struct search_ctx {
  const char *needle;
  unsigned max_hits, hits;
  struct ds_buf *out;
};

static void search_visit(void *ud, const char *rel, const char *data, size_t len) {
  struct search_ctx *c = ud;
  if (memchr(data, '\0', len < 8192 ? len : 8192)) return; /* binary */
  const char *line = data, *end = data + len;
  unsigned lineno = 1;
  size_t nl = strlen(c->needle);
  while (line < end && c->hits < c->max_hits) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    size_t ll = eol ? (size_t)(eol - line) : (size_t)(end - line);
    if (nl && memmem(line, ll, c->needle, nl)) {
      ds_buf_addf(c->out, "%s:%u:%.*s\n", rel, lineno, (int)(ll > 400 ? 400 : ll), line);
      c->hits++;
    }
    line += ll + 1;
    lineno++;
  }
}

enum ds_status ds_snapshot_search(struct ds_snapshot *s, const char *needle, const char *path, unsigned max_hits,
                                  char **out, struct ds_err *err) {
  if (!needle || !*needle) return ds_fail(err, DS_E_INVALID, "search: empty pattern");
  struct ds_buf rel, text;
  ds_buf_init(&rel, 0);
  ds_buf_init(&text, 0);
  enum ds_status st = resolve(s, path, &rel, err);
  if (st) goto out;
  struct search_ctx c = {needle, max_hits ? max_hits : 200, 0, &text};
  unsigned budget = 20000;
  struct overlay_entry *o = overlay_find(s, rel.data);
  if (o || kind_of(s, rel.data) == K_FILE) {
    char *data = NULL;
    if ((st = ds_snapshot_read(s, path, &data, err))) goto out;
    search_visit(&c, rel.data, data, strlen(data));
    ds_free(data);
  } else {
    walk(s, rel.data, search_visit, &c, &budget);
  }
  *out = ds_buf_detach(&text, NULL);
out:
  ds_buf_release(&rel);
  ds_buf_release(&text);
  return st;
}

static void files_visit(void *ud, const char *rel, const char *data, size_t len) {
  (void)data;
  (void)len;
  ds_buf_addf(ud, "%s\n", rel);
}

enum ds_status ds_snapshot_files(struct ds_snapshot *s, unsigned max_files, char **out, struct ds_err *err) {
  struct ds_buf text;
  ds_buf_init(&text, 0);
  unsigned budget = max_files ? max_files : 500;
  walk(s, "", files_visit, &text, &budget);
  *out = ds_buf_detach(&text, NULL);
  return *out ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
}

/* ---- for the dialects' connectors (dialect.h) ---- */

enum ds_status snapshot_resolve(struct ds_snapshot *s, const char *path, struct ds_buf *rel, struct ds_err *err) {
  return resolve(s, path, rel, err);
}

/* Something of the overlay lies under directory rel ("" is the root). */
static bool overlay_under(struct ds_snapshot *s, const char *rel) {
  size_t rl = strlen(rel);
  for (size_t i = 0; i < s->n_ov; i++)
    if (s->ov[i].data && (!rl || (strncmp(s->ov[i].path, rel, rl) == 0 && s->ov[i].path[rl] == '/'))) return true;
  return false;
}

enum ts_node snapshot_node(struct ds_snapshot *s, const char *rel) {
  struct overlay_entry *o = overlay_find(s, rel);
  if (o) return o->data ? TS_NODE_FILE : TS_NODE_MISSING;
  switch (kind_of(s, rel)) {
  case K_FILE: return TS_NODE_FILE;
  case K_DIR: return TS_NODE_DIR;
  default: return overlay_under(s, rel) ? TS_NODE_DIR : TS_NODE_MISSING;
  }
}

void snapshot_walk_tree(struct ds_snapshot *s, const char *rel, snapshot_visit_fn *fn, void *ud, unsigned *budget) {
  struct names ns = {0};
  base_entries(s, rel, &ns);
  overlay_entries(s, rel, &ns);
  if (ns.n) qsort(ns.v, ns.n, sizeof *ns.v, cmp_str);
  for (size_t i = 0; i < ns.n && *budget; i++) {
    size_t n = strlen(ns.v[i]);
    bool dir = n && ns.v[i][n - 1] == '/';
    if (dir && strcmp(ns.v[i], ".git/") == 0) continue;
    struct ds_buf child;
    ds_buf_init(&child, 0);
    if (*rel) ds_buf_addf(&child, "%s/", rel);
    ds_buf_add(&child, ns.v[i], dir ? n - 1 : n);
    enum ts_node k = snapshot_node(s, child.data);
    /* symbolic links and special files are not followed in a walk (as grep -r and find) */
    if (k == TS_NODE_DIR || (k == TS_NODE_FILE && (overlay_find(s, child.data) || kind_of(s, child.data) == K_FILE))) {
      (*budget)--;
      if (fn(ud, child.data, k == TS_NODE_DIR) && k == TS_NODE_DIR) snapshot_walk_tree(s, child.data, fn, ud, budget);
    }
    ds_buf_release(&child);
  }
  names_free(&ns);
}

/* ---- the overlay ---- */

static enum ds_status overlay_put(struct ds_snapshot *s, const char *rel, const char *data, size_t len,
                                  struct ds_err *err) {
  struct overlay_entry *o = overlay_find(s, rel);
  if (!o) {
    if (s->n_ov == s->cap_ov) {
      size_t cap = s->cap_ov ? s->cap_ov * 2 : 8;
      struct overlay_entry *v = ds_realloc(s->ov, cap * sizeof *v);
      if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
      s->ov = v;
      s->cap_ov = cap;
    }
    o = &s->ov[s->n_ov];
    o->path = ds_strdup(rel);
    o->data = NULL;
    if (!o->path) return ds_fail(err, DS_E_NOMEM, "out of memory");
    s->n_ov++;
  }
  ds_free(o->data);
  o->data = data ? ds_strndup(data, len) : NULL;
  o->len = data ? len : 0;
  return DS_OK;
}

enum ds_status ds_snapshot_write(struct ds_snapshot *s, const char *path, const char *content, size_t len,
                                 struct ds_err *err) {
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  enum ds_status st = resolve(s, path, &rel, err);
  if (!st && rel.len == 0) st = ds_fail(err, DS_E_INVALID, "%s: Is a directory", path);
  if (!st && kind_of(s, rel.data) == K_DIR) st = ds_fail(err, DS_E_INVALID, "%s: Is a directory", path);
  if (!st) st = overlay_put(s, rel.data, content ? content : "", content ? len : 0, err);
  ds_buf_release(&rel);
  return st;
}

enum ds_status ds_snapshot_delete(struct ds_snapshot *s, const char *path, struct ds_err *err) {
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  enum ds_status st = resolve(s, path, &rel, err);
  if (!st) {
    struct overlay_entry *o = overlay_find(s, rel.data);
    if (!(o && o->data) && kind_of(s, rel.data) != K_FILE)
      st = ds_fail(err, DS_E_NOTFOUND, "%s: No such file or directory", path);
    else
      st = overlay_put(s, rel.data, NULL, 0, err);
  }
  ds_buf_release(&rel);
  return st;
}

bool snapshot_base_has(struct ds_snapshot *s, const char *rel) { return kind_of(s, rel) == K_FILE; }

enum ds_status ds_snapshot_changes(struct ds_snapshot *s, char **out, struct ds_err *err) {
  struct ds_buf text;
  ds_buf_init(&text, 0);
  for (size_t i = 0; i < s->n_ov; i++) {
    const struct overlay_entry *o = &s->ov[i];
    const char *what = !o->data ? "deleted" : snapshot_base_has(s, o->path) ? "modified" : "new file";
    ds_buf_addf(&text, "%s: %s\n", what, o->path);
  }
  *out = ds_buf_detach(&text, NULL);
  return *out ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
}
