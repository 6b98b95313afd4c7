/* apply_patch.c: Codex's patch format ("*** Begin Patch", Add/Delete/Update File hunks with
 * "@@" context chunks, "*** Move to:", "*** End of File", "*** End Patch"), parsed the way
 * codex-rs/apply-patch parses it (leniently: padded markers, a heredoc around the patch, a
 * first chunk without "@@") and applied to the overlay with its matching rules (exact, then
 * ignoring trailing whitespace, then surrounding whitespace, then typographic punctuation).
 * The answer is Codex's summary or its error. Nothing reaches the disk. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

struct chunk {
  char *context;       /* NULL: none */
  char **old_lines, **new_lines;
  size_t n_old, n_new;
  bool eof;
};

enum hunk_op { H_ADD, H_DELETE, H_UPDATE };
struct hunk {
  enum hunk_op op;
  char *path, *move_to, *contents;
  struct chunk *chunks;
  size_t n_chunks;
};

struct patch {
  struct hunk *h;
  size_t n;
};

static void chunk_release(struct chunk *c) {
  ds_free(c->context);
  for (size_t k = 0; k < c->n_old; k++) ds_free(c->old_lines[k]);
  for (size_t k = 0; k < c->n_new; k++) ds_free(c->new_lines[k]);
  ds_free(c->old_lines);
  ds_free(c->new_lines);
  memset(c, 0, sizeof *c);
}

static void patch_free(struct patch *p) {
  for (size_t i = 0; i < p->n; i++) {
    struct hunk *h = &p->h[i];
    ds_free(h->path);
    ds_free(h->move_to);
    ds_free(h->contents);
    for (size_t j = 0; j < h->n_chunks; j++) chunk_release(&h->chunks[j]);
    ds_free(h->chunks);
  }
  ds_free(p->h);
  memset(p, 0, sizeof *p);
}

/* A line (pointer and length into the text). */
struct ln {
  const char *p;
  size_t n;
};

static bool ln_eq(struct ln l, const char *s) { return l.n == strlen(s) && memcmp(l.p, s, l.n) == 0; }

static struct ln trim(struct ln l) {
  while (l.n && isspace((unsigned char)l.p[0])) l.p++, l.n--;
  while (l.n && isspace((unsigned char)l.p[l.n - 1])) l.n--;
  return l;
}

static bool starts(struct ln l, const char *prefix, struct ln *rest) {
  size_t k = strlen(prefix);
  if (l.n < k || memcmp(l.p, prefix, k) != 0) return false;
  if (rest) *rest = (struct ln){l.p + k, l.n - k};
  return true;
}

static bool push_str(char ***v, size_t *n, const char *p, size_t len) {
  char **nv = ds_realloc(*v, (*n + 1) * sizeof *nv);
  if (!nv) return false;
  *v = nv;
  nv[*n] = ds_strndup(p, len);
  if (!nv[*n]) return false;
  (*n)++;
  return true;
}

/* The lines of the patch text, trimmed as a whole ("\r\n" endings taken as "\n"). */
static size_t split_lines(const char *text, struct ln **out) {
  struct ln all = trim((struct ln){text, strlen(text)});
  size_t n = 0, cap = 0;
  struct ln *v = NULL;
  size_t i = 0;
  while (i < all.n || (i == 0 && all.n == 0 && false)) {
    const char *nl = memchr(all.p + i, '\n', all.n - i);
    size_t e = nl ? (size_t)(nl - all.p) : all.n;
    size_t len = e - i;
    if (len && all.p[i + len - 1] == '\r') len--;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      struct ln *nv = ds_realloc(v, cap * sizeof *nv);
      if (!nv) break;
      v = nv;
    }
    v[n++] = (struct ln){all.p + i, len};
    i = e + 1;
  }
  *out = v;
  return n;
}

static enum ds_status parse_chunk(struct ln *lines, size_t n, size_t line_no, bool allow_missing_context,
                                  struct chunk *c, size_t *used, struct ds_err *err) {
  memset(c, 0, sizeof *c);
  size_t start = 0;
  struct ln rest;
  if (ln_eq(lines[0], "@@")) {
    start = 1;
  } else if (starts(lines[0], "@@ ", &rest)) {
    c->context = ds_strndup(rest.p, rest.n);
    start = 1;
  } else if (!allow_missing_context) {
    return ds_fail(err, DS_E_PARSE, "invalid hunk at line %zu, Expected update hunk to start with a @@ context marker, got: '%.*s'",
                   line_no, (int)lines[0].n, lines[0].p);
  }
  if (start >= n)
    return ds_fail(err, DS_E_PARSE, "invalid hunk at line %zu, Update hunk does not contain any lines", line_no + 1);
  size_t k = 0;
  for (size_t i = start; i < n; i++) {
    struct ln l = lines[i];
    if (ln_eq(l, "*** End of File")) {
      if (k == 0)
        return ds_fail(err, DS_E_PARSE, "invalid hunk at line %zu, Update hunk does not contain any lines", line_no + 1);
      c->eof = true;
      k++;
      break;
    }
    bool ok = true;
    if (l.n == 0) {
      ok = push_str(&c->old_lines, &c->n_old, "", 0) && push_str(&c->new_lines, &c->n_new, "", 0);
    } else if (l.p[0] == ' ') {
      ok = push_str(&c->old_lines, &c->n_old, l.p + 1, l.n - 1) && push_str(&c->new_lines, &c->n_new, l.p + 1, l.n - 1);
    } else if (l.p[0] == '+') {
      ok = push_str(&c->new_lines, &c->n_new, l.p + 1, l.n - 1);
    } else if (l.p[0] == '-') {
      ok = push_str(&c->old_lines, &c->n_old, l.p + 1, l.n - 1);
    } else {
      if (k == 0)
        return ds_fail(err, DS_E_PARSE,
                       "invalid hunk at line %zu, Unexpected line found in update hunk: '%.*s'. Every line should "
                       "start with ' ' (context line), '+' (added line), or '-' (removed line)",
                       line_no + 1, (int)l.n, l.p);
      break; /* the next hunk */
    }
    if (!ok) return ds_fail(err, DS_E_NOMEM, "out of memory");
    k++;
  }
  *used = k + start;
  return DS_OK;
}

static enum ds_status parse_patch(const char *text, struct patch *out, struct ds_err *err) {
  memset(out, 0, sizeof *out);
  struct ln *lines = NULL;
  size_t n = split_lines(text, &lines);
  enum ds_status st = DS_OK;
  size_t first = 0, last = n ? n - 1 : 0;
  bool strict = n >= 2 && ln_eq(trim(lines[0]), "*** Begin Patch") && ln_eq(trim(lines[n - 1]), "*** End Patch");
  if (!strict && n >= 4 &&
      (ln_eq(lines[0], "<<EOF") || ln_eq(lines[0], "<<'EOF'") || ln_eq(lines[0], "<<\"EOF\"")) &&
      lines[n - 1].n >= 3 && memcmp(lines[n - 1].p + lines[n - 1].n - 3, "EOF", 3) == 0 &&
      ln_eq(trim(lines[1]), "*** Begin Patch") && ln_eq(trim(lines[n - 2]), "*** End Patch")) {
    first = 1;
    last = n - 2;
    strict = true;
  }
  if (!strict) {
    bool begin = n && ln_eq(trim(lines[0]), "*** Begin Patch");
    st = ds_fail(err, DS_E_PARSE, "invalid patch: The %s line of the patch must be '*** %s Patch'",
                 begin ? "last" : "first", begin ? "End" : "Begin");
    goto out;
  }
  size_t i = first + 1, line_no = 2;
  while (i < last && !st) {
    struct ln head = trim(lines[i]), rest;
    struct hunk h = {0};
    size_t used = 1;
    if (starts(head, "*** Add File: ", &rest)) {
      h.op = H_ADD;
      h.path = ds_strndup(rest.p, rest.n);
      struct ds_buf b;
      ds_buf_init(&b, 0);
      while (i + used < last && lines[i + used].n && lines[i + used].p[0] == '+') {
        ds_buf_add(&b, lines[i + used].p + 1, lines[i + used].n - 1);
        ds_buf_addc(&b, '\n');
        used++;
      }
      h.contents = ds_buf_detach(&b, NULL);
    } else if (starts(head, "*** Delete File: ", &rest)) {
      h.op = H_DELETE;
      h.path = ds_strndup(rest.p, rest.n);
    } else if (starts(head, "*** Update File: ", &rest)) {
      h.op = H_UPDATE;
      h.path = ds_strndup(rest.p, rest.n);
      if (i + used < last && starts(lines[i + used], "*** Move to: ", &rest)) {
        h.move_to = ds_strndup(rest.p, rest.n);
        used++;
      }
      while (i + used < last && !st) {
        struct ln l = lines[i + used];
        if (trim(l).n == 0) {
          used++;
          continue;
        }
        if (l.p[0] == '*') break;
        struct chunk c;
        size_t cu = 0;
        st = parse_chunk(lines + i + used, last - (i + used), line_no + used, h.n_chunks == 0, &c, &cu, err);
        if (st) {
          chunk_release(&c);
          break;
        }
        struct chunk *v = ds_realloc(h.chunks, (h.n_chunks + 1) * sizeof *v);
        if (!v) {
          chunk_release(&c);
          st = ds_fail(err, DS_E_NOMEM, "out of memory");
          break;
        }
        h.chunks = v;
        h.chunks[h.n_chunks++] = c;
        used += cu;
      }
      if (!st && h.n_chunks == 0)
        st = ds_fail(err, DS_E_PARSE, "invalid hunk at line %zu, Update file hunk for path '%s' is empty", line_no,
                     h.path ? h.path : "");
    } else {
      st = ds_fail(err, DS_E_PARSE,
                   "invalid hunk at line %zu, '%.*s' is not a valid hunk header. Valid hunk headers: '*** Add File: "
                   "{path}', '*** Delete File: {path}', '*** Update File: {path}'",
                   line_no, (int)head.n, head.p);
    }
    struct hunk *v = ds_realloc(out->h, (out->n + 1) * sizeof *v);
    if (!v) {
      struct patch tmp = {&h, 1};
      patch_free(&tmp);
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    out->h = v;
    out->h[out->n++] = h; /* kept even when it failed, so that it is freed */
    i += used;
    line_no += used;
  }
out:
  ds_free(lines);
  if (st) patch_free(out);
  return st;
}

/* ---- applying ---- */

/* Typographic punctuation folded to ASCII (the last pass of Codex's matching). */
static void normalize(struct ds_buf *b, const char *s) {
  ds_buf_reset(b);
  struct ln t = trim((struct ln){s, strlen(s)});
  for (size_t i = 0; i < t.n;) {
    const unsigned char *u = (const unsigned char *)t.p + i;
    if (u[0] == 0xE2 && i + 2 < t.n + 0 && u[1] == 0x80) {
      unsigned c = u[2];
      char r = 0;
      if (c >= 0x90 && c <= 0x95) r = '-';                 /* hyphens and dashes */
      else if (c == 0x98 || c == 0x99 || c == 0x9A || c == 0x9B) r = '\'';
      else if (c == 0x9C || c == 0x9D || c == 0x9E || c == 0x9F) r = '"';
      else if ((c >= 0x82 && c <= 0x8A) || c == 0xAF) r = ' ';
      if (r) {
        ds_buf_addc(b, r);
        i += 3;
        continue;
      }
    }
    if (u[0] == 0xC2 && i + 1 < t.n && u[1] == 0xA0) {
      ds_buf_addc(b, ' ');
      i += 2;
      continue;
    }
    ds_buf_addc(b, (char)u[0]);
    i++;
  }
}

static bool line_eq(const char *a, const char *b, int pass) {
  if (pass == 0) return strcmp(a, b) == 0;
  struct ln x = {a, strlen(a)}, y = {b, strlen(b)};
  if (pass == 1) {
    while (x.n && isspace((unsigned char)x.p[x.n - 1])) x.n--;
    while (y.n && isspace((unsigned char)y.p[y.n - 1])) y.n--;
    return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
  }
  if (pass == 2) {
    x = trim(x);
    y = trim(y);
    return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
  }
  struct ds_buf u, v;
  ds_buf_init(&u, 0);
  ds_buf_init(&v, 0);
  normalize(&u, a);
  normalize(&v, b);
  bool eq = strcmp(u.data, v.data) == 0;
  ds_buf_release(&u);
  ds_buf_release(&v);
  return eq;
}

/* Where pattern (n lines) occurs in lines at or after start (at the end when eof). */
static long seek(char **lines, size_t n_lines, char **pat, size_t n, size_t start, bool eof) {
  if (n == 0) return (long)start;
  if (n > n_lines) return -1;
  size_t from = eof && n_lines >= n ? n_lines - n : start;
  for (int pass = 0; pass < 4; pass++)
    for (size_t i = from; i + n <= n_lines; i++) {
      size_t k = 0;
      while (k < n && line_eq(lines[i + k], pat[k], pass)) k++;
      if (k == n) return (long)i;
    }
  return -1;
}

struct repl {
  size_t at, n_old;
  char **new_lines;
  size_t n_new;
};

static int cmp_repl(const void *a, const void *b) {
  const struct repl *x = a, *y = b;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* The new content of a file from its update chunks. */
static enum ds_status derive(const char *path, const char *text, const struct hunk *h, struct ds_buf *out,
                             struct ds_err *err) {
  char *copy = ds_strdup(text);
  if (!copy) return ds_fail(err, DS_E_NOMEM, "out of memory");
  size_t n = 0, cap = 0;
  char **lines = NULL;
  for (char *s = copy;;) {
    char *nl = strchr(s, '\n');
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **v = ds_realloc(lines, cap * sizeof *v);
      if (!v) break;
      lines = v;
    }
    lines[n++] = s;
    if (!nl) break;
    *nl = '\0';
    s = nl + 1;
  }
  if (n && lines[n - 1][0] == '\0') n--; /* the final newline */
  struct repl *rs = ds_calloc(h->n_chunks + 1, sizeof *rs);
  size_t n_rs = 0, at = 0;
  enum ds_status st = rs ? DS_OK : ds_fail(err, DS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < h->n_chunks && !st; i++) {
    const struct chunk *c = &h->chunks[i];
    if (c->context) {
      char *ctx[1] = {c->context};
      long k = seek(lines, n, ctx, 1, at, false);
      if (k < 0) {
        st = ds_fail(err, DS_E_INVALID, "Failed to find context '%s' in %s", c->context, path);
        break;
      }
      at = (size_t)k + 1;
    }
    if (c->n_old == 0) {
      rs[n_rs++] = (struct repl){n, 0, c->new_lines, c->n_new};
      continue;
    }
    size_t n_old = c->n_old, n_new = c->n_new;
    long k = seek(lines, n, c->old_lines, n_old, at, c->eof);
    if (k < 0 && n_old && c->old_lines[n_old - 1][0] == '\0') {
      n_old--;
      if (n_new && c->new_lines[n_new - 1][0] == '\0') n_new--;
      k = seek(lines, n, c->old_lines, n_old, at, c->eof);
    }
    if (k < 0) {
      struct ds_buf want;
      ds_buf_init(&want, 0);
      for (size_t j = 0; j < c->n_old; j++) ds_buf_addf(&want, "%s%s", j ? "\n" : "", c->old_lines[j]);
      st = ds_fail(err, DS_E_INVALID, "Failed to find expected lines in %s:\n%.180s", path, want.data);
      ds_buf_release(&want);
      break;
    }
    rs[n_rs++] = (struct repl){(size_t)k, n_old, c->new_lines, n_new};
    at = (size_t)k + n_old;
  }
  if (!st) {
    if (n_rs) qsort(rs, n_rs, sizeof *rs, cmp_repl);
    size_t pos = 0;
    ds_buf_reset(out);
    for (size_t i = 0; i < n_rs; i++) {
      for (; pos < rs[i].at && pos < n; pos++) ds_buf_addf(out, "%s\n", lines[pos]);
      for (size_t j = 0; j < rs[i].n_new; j++) ds_buf_addf(out, "%s\n", rs[i].new_lines[j]);
      pos = rs[i].at + rs[i].n_old > pos ? rs[i].at + rs[i].n_old : pos;
    }
    for (; pos < n; pos++) ds_buf_addf(out, "%s\n", lines[pos]);
  }
  ds_free(rs);
  ds_free(lines);
  ds_free(copy);
  return st;
}

enum ds_status patch_apply_text(struct ts_ctx *c, const char *text, struct ds_buf *out, struct ds_err *err) {
  struct patch p;
  enum ds_status st = parse_patch(text, &p, err);
  if (st) return st;
  if (p.n == 0) {
    patch_free(&p);
    return ds_fail(err, DS_E_INVALID, "No files were modified.");
  }
  struct ds_buf summary, content;
  ds_buf_init(&summary, 0);
  ds_buf_init(&content, 0);
  for (size_t i = 0; i < p.n && !st; i++) {
    const struct hunk *h = &p.h[i];
    char *path = ts_path_in(c, h->path);
    struct ds_err e = {0};
    if (h->op == H_ADD) {
      st = ds_snapshot_write(c->snap, path, h->contents, strlen(h->contents), &e);
      if (!st) ds_buf_addf(&summary, "A %s\n", h->path);
    } else if (h->op == H_DELETE) {
      st = ds_snapshot_delete(c->snap, path, &e);
      if (st == DS_E_NOTFOUND) ds_fail(&e, st, "Failed to delete file %s", h->path);
      if (!st) ds_buf_addf(&summary, "D %s\n", h->path);
    } else {
      char *old = NULL;
      st = ds_snapshot_read(c->snap, path, &old, &e);
      if (st == DS_E_NOTFOUND || (st == DS_E_INVALID && strncmp(e.msg, "refused", 7) != 0))
        ds_fail(&e, st, "Failed to read file to update %s: No such file or directory (os error 2)", h->path);
      if (!st) st = derive(h->path, old, h, &content, &e);
      ds_free(old);
      if (!st && h->move_to) {
        char *dest = ts_path_in(c, h->move_to);
        st = ds_snapshot_write(c->snap, dest, content.data, content.len, &e);
        if (!st) st = ds_snapshot_delete(c->snap, path, &e);
        ds_free(dest);
        if (!st) ds_buf_addf(&summary, "M %s\n", h->move_to);
      } else if (!st) {
        st = ds_snapshot_write(c->snap, path, content.data, content.len, &e);
        if (!st) ds_buf_addf(&summary, "M %s\n", h->path);
      }
    }
    ds_free(path);
    if (st) ds_fail(err, st, "%s", e.msg);
  }
  if (!st) {
    ds_buf_adds(out, "Success. Updated the following files:\n");
    ds_buf_add(out, summary.data, summary.len);
  }
  ds_buf_release(&summary);
  ds_buf_release(&content);
  patch_free(&p);
  return st;
}

void patch_paths(const char *text, const char *ws, const char *cwd, struct ts_paths *writes) {
  struct patch p;
  struct ds_err e = {0};
  if (!text || parse_patch(text, &p, &e) != DS_OK) {
    writes->all = true;
    return;
  }
  for (size_t i = 0; i < p.n; i++) {
    const char *paths[2] = {p.h[i].path, p.h[i].move_to};
    for (int k = 0; k < 2; k++) {
      if (!paths[k]) continue;
      char *n = ts_norm_path(ws, cwd, paths[k]);
      if (n) ts_paths_add(writes, n);
      else writes->all = true;
      ds_free(n);
    }
  }
  if (p.n == 0) writes->all = true;
  patch_free(&p);
}

/* apply_patch in a shell script: "apply_patch <<'EOF'\n...\nEOF" (any delimiter, quoted or
 * not), or apply_patch with the patch as one quoted argument; a leading "cd DIR &&" allowed. */
const char *patch_text_of(const char *line, struct ds_buf *tmp) {
  const char *p = line;
  while (isspace((unsigned char)*p)) p++;
  if (strncmp(p, "cd ", 3) == 0) {
    const char *and = strstr(p, "&&");
    const char *nl = strchr(p, '\n');
    if (!and || (nl && nl < and)) return NULL;
    p = and + 2;
    while (isspace((unsigned char)*p)) p++;
  }
  size_t k = strncmp(p, "apply_patch", 11) == 0 ? 11 : strncmp(p, "applypatch", 10) == 0 ? 10 : 0;
  if (!k || (p[k] && !isspace((unsigned char)p[k]))) return NULL;
  p += k;
  while (*p == ' ' || *p == '\t') p++;
  ds_buf_reset(tmp);
  if (p[0] == '<' && p[1] == '<') {
    p += 2;
    if (*p == '-') p++;
    char q = (*p == '\'' || *p == '"') ? *p++ : 0;
    const char *d = p;
    while (*p && (isalnum((unsigned char)*p) || *p == '_')) p++;
    size_t dl = (size_t)(p - d);
    if (!dl || (q && *p != q)) return NULL;
    char delim[64];
    if (dl >= sizeof delim) return NULL;
    memcpy(delim, d, dl);
    delim[dl] = '\0';
    const char *body = strchr(p, '\n');
    if (!body) return NULL;
    body++;
    for (const char *s = body; *s;) {
      const char *nl = strchr(s, '\n');
      size_t n = nl ? (size_t)(nl - s) : strlen(s);
      if (n == dl && memcmp(s, delim, dl) == 0) return tmp->data;
      ds_buf_add(tmp, s, n);
      ds_buf_addc(tmp, '\n');
      if (!nl) break;
      s = nl + 1;
    }
    return tmp->len ? tmp->data : NULL; /* an unterminated heredoc runs to the end */
  }
  if (*p == '\'' || *p == '"') {
    char q = *p++;
    const char *e = strrchr(p, q);
    if (!e) return NULL;
    ds_buf_add(tmp, p, (size_t)(e - p));
    return tmp->data;
  }
  return NULL;
}
