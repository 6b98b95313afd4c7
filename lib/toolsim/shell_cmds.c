/* shell_cmds.c: the read-only commands of the read-only shell, printing what their GNU
 * coreutils namesakes print (non-terminal output): cat, head, tail, ls, wc, sed -n, nl, sort,
 * uniq, echo, pwd, true, false, git log/show/diff/status. An option they do not implement
 * sets not_mine: the line is then answered by a recording or the simulator model instead. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/shell_int.h"

/* Reads the input of a filter: its file operands in order (name "-" or none: stdin). */
static void gather(struct sh_run *r, const char *prog, char **files, int n, struct ds_buf *out) {
  if (n == 0) {
    if (r->in) ds_buf_add(out, r->in, r->in_len);
    return;
  }
  for (int i = 0; i < n && !r->refused; i++) {
    if (strcmp(files[i], "-") == 0) {
      if (r->in) ds_buf_add(out, r->in, r->in_len);
    } else {
      sh_read_file(r, prog, files[i], out);
    }
  }
}

/* Splits argv into single-letter flags (set in flags[c]) and operands; an option not in
 * allowed sets not_mine. Options with an argument (in with_arg) store it in args[c]. */
struct opts {
  bool flag[128];
  const char *arg[128];
  char **ops;
  int n_ops;
};

static bool parse_opts(struct sh_run *r, char **argv, int argc, const char *allowed, const char *with_arg,
                       struct opts *o) {
  memset(o, 0, sizeof *o);
  o->ops = ds_calloc((size_t)argc + 1, sizeof *o->ops);
  if (!o->ops) {
    r->not_mine = true;
    return false;
  }
  bool more = true;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (more && strcmp(a, "--") == 0) {
      more = false;
      continue;
    }
    if (more && a[0] == '-' && a[1] && a[1] != '-') {
      for (const char *p = a + 1; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 128 || (!strchr(allowed, c) && !strchr(with_arg, c))) {
          r->not_mine = true;
          return false;
        }
        o->flag[c] = true;
        if (strchr(with_arg, c)) {
          if (p[1]) o->arg[c] = p + 1;
          else if (i + 1 < argc) o->arg[c] = argv[++i];
          else {
            r->not_mine = true;
            return false;
          }
          break;
        }
      }
      continue;
    }
    if (more && a[0] == '-' && a[1] == '-') {
      r->not_mine = true; /* long options: none of these commands needs one here */
      return false;
    }
    o->ops[o->n_ops++] = argv[i];
  }
  return true;
}

static void opts_free(struct opts *o) { ds_free(o->ops); }

void sh_cmd_cat(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "n", "", &o)) goto out;
  struct ds_buf all;
  ds_buf_init(&all, 0);
  gather(r, "cat", o.ops, o.n_ops, &all);
  if (o.flag['n']) {
    size_t i = 0, no = 1;
    while (i < all.len) {
      const char *nl = memchr(all.data + i, '\n', all.len - i);
      size_t e = nl ? (size_t)(nl - all.data) + 1 : all.len;
      ds_buf_addf(r->out, "%6zu\t", no++);
      ds_buf_add(r->out, all.data + i, e - i);
      i = e;
    }
  } else {
    ds_buf_add(r->out, all.data, all.len);
  }
  ds_buf_release(&all);
out:
  opts_free(&o);
}

static void head_tail_one(struct sh_run *r, bool tail, long n, bool from_start, bool bytes, const char *data,
                          size_t len) {
  if (bytes) {
    size_t k = n < 0 ? 0 : (size_t)n;
    if (!tail) ds_buf_add(r->out, data, k < len ? k : len);
    else if (from_start) ds_buf_add(r->out, data + (k ? k - 1 : 0), k && k - 1 < len ? len - (k - 1) : (k ? 0 : len));
    else ds_buf_add(r->out, data + (k < len ? len - k : 0), k < len ? k : len);
    return;
  }
  if (!tail) {
    size_t i = 0;
    for (long k = 0; k < n && i < len; k++) {
      const char *nl = memchr(data + i, '\n', len - i);
      i = nl ? (size_t)(nl - data) + 1 : len;
    }
    ds_buf_add(r->out, data, i);
    return;
  }
  if (from_start) { /* tail -n +N: from line N on */
    size_t i = 0;
    for (long k = 1; k < n && i < len; k++) {
      const char *nl = memchr(data + i, '\n', len - i);
      i = nl ? (size_t)(nl - data) + 1 : len;
    }
    ds_buf_add(r->out, data + i, len - i);
    return;
  }
  size_t i = len;
  if (i && data[i - 1] == '\n') i--;
  long k = 0;
  while (i > 0 && k < n) {
    if (data[i - 1] == '\n') {
      k++;
      if (k == n) break;
    }
    i--;
  }
  if (n <= 0) i = len;
  ds_buf_add(r->out, data + i, len - i);
}

void sh_cmd_head_tail(struct sh_run *r, char **argv, int argc) {
  bool tail = strcmp(argv[0], "tail") == 0;
  long n = 10;
  bool from_start = false, bytes = false, quiet = false, verbose = false;
  char **files = ds_calloc((size_t)argc + 1, sizeof *files);
  int nf = 0;
  if (!files) {
    r->not_mine = true;
    return;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *num = NULL;
    if ((strcmp(a, "-n") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc) {
      bytes = a[1] == 'c';
      num = argv[++i];
    } else if ((strncmp(a, "-n", 2) == 0 || strncmp(a, "-c", 2) == 0) && a[2]) {
      bytes = a[1] == 'c';
      num = a + 2;
    } else if (strncmp(a, "--lines=", 8) == 0) {
      num = a + 8;
    } else if (a[0] == '-' && isdigit((unsigned char)a[1])) {
      num = a + 1;
    } else if (strcmp(a, "-q") == 0) {
      quiet = true;
    } else if (strcmp(a, "-v") == 0) {
      verbose = true;
    } else if (a[0] == '-' && a[1]) {
      r->not_mine = true;
      ds_free(files);
      return;
    } else {
      files[nf++] = argv[i];
    }
    if (num) {
      if (*num == '+') {
        from_start = true;
        num++;
      } else if (*num == '-' && !tail) {
        r->not_mine = true; /* head -n -N: all but the last N */
        ds_free(files);
        return;
      }
      char *end;
      n = strtol(num, &end, 10);
      if (*end) {
        r->not_mine = true;
        ds_free(files);
        return;
      }
    }
  }
  if (nf == 0) {
    if (r->in) head_tail_one(r, tail, n, from_start, bytes, r->in, r->in_len);
  }
  for (int i = 0; i < nf && !r->refused; i++) {
    struct ds_buf data;
    ds_buf_init(&data, 0);
    size_t mark = r->out->len;
    if (sh_read_file(r, tail ? "tail" : "head", files[i], &data) == DS_OK) {
      if ((nf > 1 && !quiet) || verbose) ds_buf_addf(r->out, "%s==> %s <==\n", mark ? "\n" : "", files[i]);
      head_tail_one(r, tail, n, from_start, bytes, data.data, data.len);
    } else if (!r->refused) {
      /* GNU head/tail: "cannot open 'x' for reading" */
      ds_buf_reset(r->err);
      ds_buf_addf(r->err, "%s: cannot open '%s' for reading: No such file or directory\n", tail ? "tail" : "head",
                  files[i]);
    }
    ds_buf_release(&data);
  }
  ds_free(files);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The entries of a directory as ls shows them (no trailing '/', sorted, hidden ones unless
 * all), one per line; "."/".." first with -a. */
static bool ls_dir(struct sh_run *r, const char *name, bool all, bool almost, bool slash, struct ds_buf *out) {
  char *p = sh_path(r, name);
  char *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = p ? ds_snapshot_list(r->c->snap, p, &text, &e) : DS_E_NOMEM;
  ds_free(p);
  if (st) return false;
  if (all) ds_buf_adds(out, slash ? "./\n../\n" : ".\n..\n");
  char *s = text;
  while (*s) {
    char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    bool dir = n && s[n - 1] == '/';
    if (s[0] != '.' || all || almost) {
      ds_buf_add(out, s, dir ? n - 1 : n);
      if (dir && slash) ds_buf_addc(out, '/');
      ds_buf_addc(out, '\n');
    }
    s += n + (nl ? 1 : 0);
  }
  ds_free(text);
  return true;
}

void sh_cmd_ls(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "aA1pFdR", "", &o)) goto out;
  bool all = o.flag['a'], almost = o.flag['A'], slash = o.flag['p'] || o.flag['F'];
  if (o.flag['R']) {
    r->not_mine = true;
    goto out;
  }
  static char *dot[] = {"."};
  char **ops = o.n_ops ? o.ops : dot;
  int n = o.n_ops ? o.n_ops : 1;
  /* files first, then each directory; missing ones are errors (status 2) */
  char **files = ds_calloc((size_t)n, sizeof *files), **dirs = ds_calloc((size_t)n, sizeof *dirs);
  int nf = 0, nd = 0;
  if (!files || !dirs) {
    r->not_mine = true;
    ds_free(files);
    ds_free(dirs);
    goto out;
  }
  for (int i = 0; i < n && !r->refused; i++) {
    struct ds_buf rel;
    ds_buf_init(&rel, 0);
    enum ts_node k = sh_node(r, ops[i], &rel);
    ds_buf_release(&rel);
    if (r->refused) break;
    if (k == TS_NODE_MISSING) {
      ds_buf_addf(r->err, "ls: cannot access '%s': No such file or directory\n", ops[i]);
      r->status = 2;
    } else if (k == TS_NODE_FILE || o.flag['d']) {
      files[nf++] = ops[i];
    } else {
      dirs[nd++] = ops[i];
    }
  }
  if (!r->refused) {
    if (nf) qsort(files, (size_t)nf, sizeof *files, cmp_str);
    if (nd) qsort(dirs, (size_t)nd, sizeof *dirs, cmp_str);
    for (int i = 0; i < nf; i++) ds_buf_addf(r->out, "%s\n", files[i]);
    bool headers = nd + nf > 1 || (r->status != 0 && nd);
    for (int i = 0; i < nd; i++) {
      if (headers) ds_buf_addf(r->out, "%s%s:\n", (nf || i) ? "\n" : "", dirs[i]);
      if (!ls_dir(r, dirs[i], all, almost, slash, r->out)) r->status = 2;
    }
  }
  ds_free(files);
  ds_free(dirs);
out:
  opts_free(&o);
}

static int digits(unsigned long long v) {
  int d = 1;
  while (v >= 10) {
    v /= 10;
    d++;
  }
  return d;
}

struct wc_count {
  unsigned long long lines, words, bytes;
};

static void wc_of(const char *data, size_t len, struct wc_count *c) {
  bool in = false;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)data[i];
    if (ch == '\n') c->lines++;
    if (isspace(ch)) in = false;
    else if (!in) {
      in = true;
      c->words++;
    }
  }
  c->bytes += len;
}

void sh_cmd_wc(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "lwcm", "", &o)) goto out;
  bool l = o.flag['l'], w = o.flag['w'], c = o.flag['c'] || o.flag['m'];
  if (!l && !w && !c) l = w = c = true;
  int n_counts = l + w + c;
  int n = o.n_ops ? o.n_ops : 1;
  struct wc_count *cs = ds_calloc((size_t)n + 1, sizeof *cs);
  bool *ok = ds_calloc((size_t)n, sizeof *ok);
  if (!cs || !ok) {
    r->not_mine = true;
    ds_free(cs);
    ds_free(ok);
    goto out;
  }
  unsigned long long total_bytes = 0;
  for (int i = 0; i < n && !r->refused; i++) {
    struct ds_buf data;
    ds_buf_init(&data, 0);
    if (!o.n_ops || strcmp(o.ops[i], "-") == 0) {
      if (r->in) ds_buf_add(&data, r->in, r->in_len);
      ok[i] = true;
    } else {
      ok[i] = sh_read_file(r, "wc", o.ops[i], &data) == DS_OK;
    }
    if (ok[i]) {
      wc_of(data.data, data.len, &cs[i]);
      cs[n].lines += cs[i].lines;
      cs[n].words += cs[i].words;
      cs[n].bytes += cs[i].bytes;
      total_bytes += data.len;
    }
    ds_buf_release(&data);
  }
  /* GNU wc: one count of one input unpadded; from files, the width of the total size; else 7 */
  int width = n_counts == 1 && n == 1 ? 1 : o.n_ops ? digits(total_bytes) : 7;
  for (int i = 0; i <= n && !r->refused; i++) {
    if (i == n && n < 2) break;
    if (i < n && !ok[i]) continue;
    const struct wc_count *k = &cs[i];
    bool first = true;
    if (l) {
      ds_buf_addf(r->out, "%*llu", width, k->lines);
      first = false;
    }
    if (w) {
      ds_buf_addf(r->out, first ? "%*llu" : " %*llu", width, k->words);
      first = false;
    }
    if (c) ds_buf_addf(r->out, first ? "%*llu" : " %*llu", width, k->bytes);
    if (i == n) ds_buf_adds(r->out, " total");
    else if (o.n_ops) ds_buf_addf(r->out, " %s", o.ops[i]);
    ds_buf_addc(r->out, '\n');
  }
  ds_free(cs);
  ds_free(ok);
out:
  opts_free(&o);
}

/* sed -n with a script of p commands on line addresses: "10,20p", "5p", "$p", "3,$p",
 * separated by ';' or newlines. */
struct range {
  long from, to; /* to -1: the last line; from -1: the last line */
};

static bool sed_script(const char *s, struct range *rs, size_t *n, size_t max) {
  *n = 0;
  while (*s) {
    while (*s == ';' || *s == '\n' || *s == ' ') s++;
    if (!*s) break;
    if (*n == max) return false;
    struct range rg;
    if (*s == '$') {
      rg.from = -1;
      s++;
    } else if (isdigit((unsigned char)*s)) {
      rg.from = strtol(s, (char **)&s, 10);
    } else {
      return false;
    }
    rg.to = rg.from;
    if (*s == ',') {
      s++;
      if (*s == '$') {
        rg.to = -1;
        s++;
      } else if (isdigit((unsigned char)*s)) {
        rg.to = strtol(s, (char **)&s, 10);
      } else {
        return false;
      }
    }
    while (*s == ' ') s++;
    if (*s != 'p') return false;
    s++;
    rs[(*n)++] = rg;
  }
  return *n > 0;
}

void sh_cmd_sed(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "n", "e", &o) || !o.flag['n']) {
    r->not_mine = true;
    goto out;
  }
  const char *script = o.arg['e'];
  int first = 0;
  if (!script) {
    if (!o.n_ops) {
      r->not_mine = true;
      goto out;
    }
    script = o.ops[0];
    first = 1;
  }
  struct range rs[32];
  size_t n_rs;
  if (!sed_script(script, rs, &n_rs, DS_ARRAY_LEN(rs))) {
    r->not_mine = true;
    goto out;
  }
  struct ds_buf all;
  ds_buf_init(&all, 0);
  gather(r, "sed", o.ops + first, o.n_ops - first, &all);
  char **lines;
  bool trailing = all.len && all.data[all.len - 1] == '\n';
  size_t n = sh_lines(all.data, all.len, &lines);
  for (size_t i = 0; i < n; i++) {
    long ln = (long)i + 1;
    for (size_t k = 0; k < n_rs; k++) {
      long from = rs[k].from < 0 ? (long)n : rs[k].from, to = rs[k].to < 0 ? (long)n : rs[k].to;
      if (ln == from || (ln > from && ln <= to)) ds_buf_addf(r->out, "%s%s", lines[i], i + 1 < n || trailing ? "\n" : "");
    }
  }
  ds_free(lines);
  ds_buf_release(&all);
out:
  opts_free(&o);
}

void sh_cmd_nl(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "", "bw", &o)) goto out;
  bool all = o.arg['b'] && strcmp(o.arg['b'], "a") == 0;
  if ((o.arg['b'] && strcmp(o.arg['b'], "a") != 0 && strcmp(o.arg['b'], "t") != 0)) {
    r->not_mine = true;
    goto out;
  }
  int width = o.arg['w'] ? atoi(o.arg['w']) : 6;
  if (width < 1 || width > 20) width = 6;
  struct ds_buf data;
  ds_buf_init(&data, 0);
  gather(r, "nl", o.ops, o.n_ops, &data);
  char **lines;
  size_t n = sh_lines(data.data, data.len, &lines);
  long no = 1;
  for (size_t i = 0; i < n; i++) {
    if (all || lines[i][0]) ds_buf_addf(r->out, "%*ld\t%s\n", width, no++, lines[i]);
    else ds_buf_addf(r->out, "%*s\n", width + 1, "");
  }
  ds_free(lines);
  ds_buf_release(&data);
out:
  opts_free(&o);
}

static bool numeric_sort;
static int cmp_line(const void *a, const void *b) {
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  if (numeric_sort) {
    double u = strtod(x, NULL), v = strtod(y, NULL);
    if (u != v) return u < v ? -1 : 1;
  }
  return strcmp(x, y);
}

void sh_cmd_sort(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "rnu", "", &o)) goto out;
  struct ds_buf data;
  ds_buf_init(&data, 0);
  gather(r, "sort", o.ops, o.n_ops, &data);
  char **lines;
  size_t n = sh_lines(data.data, data.len, &lines);
  numeric_sort = o.flag['n'];
  if (n) qsort(lines, n, sizeof *lines, cmp_line);
  for (size_t k = 0; k < n; k++) {
    size_t i = o.flag['r'] ? n - 1 - k : k;
    if (o.flag['u'] && k && strcmp(lines[i], lines[o.flag['r'] ? i + 1 : i - 1]) == 0) continue;
    ds_buf_addf(r->out, "%s\n", lines[i]);
  }
  ds_free(lines);
  ds_buf_release(&data);
out:
  opts_free(&o);
}

void sh_cmd_uniq(struct sh_run *r, char **argv, int argc) {
  struct opts o;
  if (!parse_opts(r, argv, argc, "cdu", "", &o) || o.n_ops > 1) {
    r->not_mine = true;
    goto out;
  }
  struct ds_buf data;
  ds_buf_init(&data, 0);
  gather(r, "uniq", o.ops, o.n_ops, &data);
  char **lines;
  size_t n = sh_lines(data.data, data.len, &lines);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && strcmp(lines[j], lines[i]) == 0) j++;
    size_t count = j - i;
    if ((!o.flag['d'] || count > 1) && (!o.flag['u'] || count == 1)) {
      if (o.flag['c']) ds_buf_addf(r->out, "%7zu %s\n", count, lines[i]);
      else ds_buf_addf(r->out, "%s\n", lines[i]);
    }
    i = j;
  }
  ds_free(lines);
  ds_buf_release(&data);
out:
  opts_free(&o);
}

void sh_cmd_echo(struct sh_run *r, char **argv, int argc) {
  int i = 1;
  bool newline = true;
  while (i < argc && argv[i][0] == '-' && argv[i][1]) {
    if (strcmp(argv[i], "-n") == 0) newline = false;
    else if (strcmp(argv[i], "-e") == 0 || strcmp(argv[i], "-E") == 0) { /* escapes: only plain text below */
    } else break;
    i++;
  }
  for (int k = i; k < argc; k++) {
    if (strchr(argv[k], '\\')) {
      r->not_mine = true;
      return;
    }
    ds_buf_addf(r->out, "%s%s", k > i ? " " : "", argv[k]);
  }
  if (newline) ds_buf_addc(r->out, '\n');
}

void sh_cmd_pwd(struct sh_run *r, char **argv, int argc) {
  (void)argv;
  (void)argc;
  char *abs = ts_abs_path(r->c, r->cwd);
  ds_buf_addf(r->out, "%s\n", abs ? abs : "");
  ds_free(abs);
}

void sh_cmd_true(struct sh_run *r, char **argv, int argc) {
  (void)r;
  (void)argv;
  (void)argc;
}

void sh_cmd_false(struct sh_run *r, char **argv, int argc) {
  (void)argv;
  (void)argc;
  r->status = 1;
}

void sh_cmd_git(struct sh_run *r, char **argv, int argc) {
  int i = 1;
  while (i < argc && strcmp(argv[i], "--no-pager") == 0) i++;
  if (i >= argc) {
    r->not_mine = true;
    return;
  }
  const char *sub = argv[i];
  if (strcmp(sub, "log") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "diff") != 0 && strcmp(sub, "status") != 0) {
    r->not_mine = true;
    return;
  }
  /* what the snapshot's git views implement; other options are not answered here */
  static const char *const known[] = {"--oneline", "-n", "--max-count", "--stat", "--no-color", NULL};
  for (int k = i + 1; k < argc; k++) {
    const char *a = argv[k];
    if (a[0] != '-') continue;
    bool ok = isdigit((unsigned char)a[1]);
    for (const char *const *kn = known; *kn && !ok; kn++) ok = strncmp(a, *kn, strlen(*kn)) == 0;
    if (!ok || strcmp(a, "--stat") == 0) {
      r->not_mine = true;
      return;
    }
  }
  char *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_git(r->c->snap, (const char *const *)argv + i, argc - i, &text, &e);
  if (st == DS_OK) {
    ds_buf_adds(r->out, text);
    ds_free(text);
  } else if (st == DS_E_INVALID && strncmp(e.msg, "refused", 7) == 0) {
    r->refused = true;
    ds_buf_reset(r->err);
    ds_buf_adds(r->err, e.msg);
  } else {
    ds_buf_addf(r->err, "%s\n", e.msg);
    r->status = 128;
  }
}
