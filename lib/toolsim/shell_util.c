/* shell_util.c: what the read-only shell's commands share: operands as the snapshot sees them
 * (relative to the line's directory, refusals kept), reading a file with the error a command
 * prints, lines, binary files and glob patterns. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/shell_int.h"

bool sh_glob_match(const char *pattern, const char *name, bool icase) {
  return fnmatch(pattern, name, icase ? FNM_CASEFOLD : 0) == 0;
}

char *sh_path(struct sh_run *r, const char *name) {
  if (name[0] == '/' || name[0] == '~' || !*r->cwd) return ds_strdup(name);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_addf(&b, "%s/%s", r->cwd, name);
  return ds_buf_detach(&b, NULL);
}

enum ts_node sh_node(struct sh_run *r, const char *name, struct ds_buf *rel) {
  char *p = sh_path(r, name);
  struct ds_err e = {0};
  enum ds_status st = p ? snapshot_resolve(r->c->snap, p, rel, &e) : DS_E_NOMEM;
  ds_free(p);
  if (st == DS_E_INVALID) {
    r->refused = true;
    ds_buf_reset(r->err);
    ds_buf_adds(r->err, e.msg);
    return TS_NODE_MISSING;
  }
  if (st) return TS_NODE_MISSING;
  return snapshot_node(r->c->snap, rel->data);
}

enum ds_status sh_read_file(struct sh_run *r, const char *prog, const char *name, struct ds_buf *out) {
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  enum ts_node k = sh_node(r, name, &rel);
  enum ds_status st = DS_OK;
  if (r->refused) {
    st = DS_E_INVALID;
  } else if (k == TS_NODE_MISSING) {
    ds_buf_addf(r->err, "%s: %s: No such file or directory\n", prog, name);
    r->status = 1;
    st = DS_E_NOTFOUND;
  } else if (k == TS_NODE_DIR) {
    ds_buf_addf(r->err, "%s: %s: Is a directory\n", prog, name);
    r->status = 1;
    st = DS_E_INVALID;
  } else {
    char *text = NULL;
    struct ds_err e = {0};
    st = ds_snapshot_read(r->c->snap, rel.data, &text, &e);
    if (st == DS_OK) {
      ds_buf_adds(out, text);
      ds_free(text);
    } else {
      ds_buf_addf(r->err, "%s: %s: No such file or directory\n", prog, name);
      r->status = 1;
    }
  }
  ds_buf_release(&rel);
  return st;
}

size_t sh_lines(char *text, size_t len, char ***out_lines) {
  size_t n = 0, cap = 0;
  char **v = NULL;
  size_t i = 0;
  while (i < len) {
    char *nl = memchr(text + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - text) : len;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **nv = ds_realloc(v, cap * sizeof *v);
      if (!nv) break;
      v = nv;
    }
    text[e] = '\0';
    v[n++] = text + i;
    i = e + 1;
  }
  *out_lines = v;
  return n;
}

bool sh_is_binary(const char *data, size_t len) { return memchr(data, '\0', len < 8192 ? len : 8192) != NULL; }
