/* shell_grep.c: pattern matching (POSIX basic and extended expressions, PCRE2 for rg and -P,
 * fixed strings) and the searching commands of the read-only shell: grep (GNU grep's output:
 * name:line:text, context groups, -l/-c/-o, binary files), rg (ripgrep's non-terminal output)
 * and find (-name/-path/-type/-maxdepth). Directory walks are sorted by name. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/shell_int.h"

/* ---- matchers ---- */

struct one_re {
  regex_t posix;
  bool have_posix;
  pcre2_code *pcre;
  pcre2_match_data *md;
  char *fixed;
};

struct ts_matcher {
  struct one_re *v;
  size_t n;
  enum ts_syntax syn;
  bool icase, word, line;
};

void ts_matcher_free(struct ts_matcher *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) {
    if (m->v[i].have_posix) regfree(&m->v[i].posix);
    pcre2_match_data_free(m->v[i].md);
    pcre2_code_free(m->v[i].pcre);
    ds_free(m->v[i].fixed);
  }
  ds_free(m->v);
  ds_free(m);
}

struct ts_matcher *ts_matcher_new(const char *const *patterns, size_t n, enum ts_syntax syn, bool icase, bool word,
                                  bool line, char *err, size_t err_len) {
  struct ts_matcher *m = ds_calloc(1, sizeof *m);
  if (!m || !(m->v = ds_calloc(n ? n : 1, sizeof *m->v))) {
    ds_free(m);
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  m->syn = syn;
  m->icase = icase;
  m->word = word;
  m->line = line;
  for (size_t i = 0; i < n; i++, m->n++) {
    struct one_re *r = &m->v[i];
    const char *p = patterns[i];
    if (syn == TS_RE_FIXED) {
      r->fixed = ds_strdup(p);
      continue;
    }
    if (syn == TS_RE_PCRE) {
      int ec;
      PCRE2_SIZE off;
      r->pcre = pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, (icase ? PCRE2_CASELESS : 0) | PCRE2_UTF |
                              PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
      if (!r->pcre) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(err, err_len, "regex parse error: %s", (const char *)msg);
        m->n++;
        ts_matcher_free(m);
        return NULL;
      }
      r->md = pcre2_match_data_create_from_pattern(r->pcre, NULL);
      continue;
    }
    int rc = regcomp(&r->posix, p, (syn == TS_RE_EXTENDED ? REG_EXTENDED : 0) | (icase ? REG_ICASE : 0));
    if (rc) {
      char msg[160];
      regerror(rc, &r->posix, msg, sizeof msg);
      snprintf(err, err_len, "%s", msg);
      ts_matcher_free(m);
      return NULL;
    }
    r->have_posix = true;
  }
  return m;
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* The first match of one pattern at or after start. */
static bool find_one(struct ts_matcher *m, struct one_re *r, const char *s, size_t len, size_t start, size_t *so,
                     size_t *eo) {
  if (start > len) return false;
  if (r->fixed) {
    size_t fl = strlen(r->fixed);
    for (size_t i = start; i + fl <= len; i++) {
      bool eq = m->icase ? strncasecmp(s + i, r->fixed, fl) == 0 : memcmp(s + i, r->fixed, fl) == 0;
      if (eq) {
        *so = i;
        *eo = i + fl;
        return true;
      }
    }
    return false;
  }
  if (r->pcre) {
    int rc = pcre2_match(r->pcre, (PCRE2_SPTR)s, len, start, 0, r->md, NULL);
    if (rc < 0) return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    *so = ov[0];
    *eo = ov[1];
    return true;
  }
  regmatch_t pm;
  pm.rm_so = (regoff_t)start;
  pm.rm_eo = (regoff_t)len;
  if (regexec(&r->posix, s, 1, &pm, REG_STARTEND | (start ? REG_NOTBOL : 0)) != 0) return false;
  *so = (size_t)pm.rm_so;
  *eo = (size_t)pm.rm_eo;
  return true;
}

bool ts_matcher_find(struct ts_matcher *m, const char *s, size_t len, size_t start, size_t *so, size_t *eo) {
  bool found = false;
  size_t best_so = 0, best_eo = 0;
  for (size_t i = 0; i < m->n; i++) {
    size_t from = start;
    size_t a, b;
    while (find_one(m, &m->v[i], s, len, from, &a, &b)) {
      bool ok = true;
      if (m->line) ok = a == 0 && b == len;
      if (ok && m->word) ok = (a == 0 || !word_char(s[a - 1])) && (b == len || !word_char(s[b])) && b > a;
      if (ok) {
        if (!found || a < best_so) {
          best_so = a;
          best_eo = b;
        }
        found = true;
        break;
      }
      if (m->line) break;
      from = a + 1;
      if (from > len) break;
    }
  }
  if (found) {
    *so = best_so;
    *eo = best_eo;
  }
  return found;
}

/* ---- grep and rg ---- */

struct gopts {
  bool rg, recursive, number, files_with, files_without, count, invert, only, quiet, silent, skip_binary, hidden;
  bool no_name, with_name, files_list;
  long after, before, max;
  enum ts_syntax syn;
  bool icase, smart_case, word, xline;
  const char *pats[64];
  size_t n_pats;
  const char *include[16], *exclude[16], *exclude_dir[16];
  size_t n_inc, n_exc, n_exd;
};

struct gstate {
  struct sh_run *r;
  struct gopts *o;
  struct ts_matcher *m;
  bool any;        /* a line was selected somewhere */
};

static void prefix(struct gstate *g, const char *name, bool show_name, size_t lineno, char sep) {
  if (show_name) ds_buf_addf(g->r->out, "%s%c", name, sep);
  if (g->o->number) ds_buf_addf(g->r->out, "%zu%c", lineno, sep);
}

/* Searches one buffer; prints as grep (or rg) would. */
static void search_data(struct gstate *g, const char *name, bool show_name, const char *data, size_t len) {
  struct gopts *o = g->o;
  bool binary = sh_is_binary(data, len);
  if (binary && o->skip_binary) return;
  size_t selected = 0, lineno = 0, last_printed = 0, after_left = 0;
  bool printed_any = false;
  /* line starts, for before-context */
  size_t cap = 0, n_lines = 0;
  size_t *starts = NULL;
  if (o->before > 0) {
    for (size_t i = 0; i <= len; i++)
      if (i == 0 || data[i - 1] == '\n') {
        if (i == len && len && data[len - 1] == '\n') break;
        if (n_lines == cap) {
          cap = cap ? 2 * cap : 256;
          size_t *v = ds_realloc(starts, cap * sizeof *v);
          if (!v) break;
          starts = v;
        }
        starts[n_lines++] = i;
      }
  }
  size_t pos = 0;
  while (pos < len || (pos == len && len == 0 && false)) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t ll = nl ? (size_t)(nl - data) - pos : len - pos;
    const char *line = data + pos;
    lineno++;
    size_t so, eo;
    bool hit = ts_matcher_find(g->m, line, ll, 0, &so, &eo);
    bool sel = hit != o->invert;
    if (sel && (o->max <= 0 || (long)selected < o->max)) {
      selected++;
      g->any = true;
      if (o->quiet || o->files_with || o->files_without || o->count || binary) {
        if (o->quiet || o->files_with) break;
      } else {
        /* before-context, and the group separator */
        size_t from = lineno;
        if (o->before > 0) {
          from = lineno > (size_t)o->before ? lineno - (size_t)o->before : 1;
          if (from <= last_printed) from = last_printed + 1;
        }
        if ((o->before > 0 || o->after > 0) && printed_any && from > last_printed + 1) ds_buf_adds(g->r->out, "--\n");
        for (size_t k = from; k < lineno && starts && k - 1 < n_lines; k++) {
          size_t s = starts[k - 1];
          const char *e = memchr(data + s, '\n', len - s);
          prefix(g, name, show_name, k, '-');
          ds_buf_add(g->r->out, data + s, e ? (size_t)(e - data) - s : len - s);
          ds_buf_addc(g->r->out, '\n');
        }
        if (o->only) {
          size_t at = 0;
          while (!o->invert && at <= ll && ts_matcher_find(g->m, line, ll, at, &so, &eo)) {
            if (eo > so) {
              prefix(g, name, show_name, lineno, ':');
              ds_buf_add(g->r->out, line + so, eo - so);
              ds_buf_addc(g->r->out, '\n');
            }
            at = eo > so ? eo : so + 1;
          }
        } else {
          prefix(g, name, show_name, lineno, ':');
          ds_buf_add(g->r->out, line, ll);
          ds_buf_addc(g->r->out, '\n');
        }
        last_printed = lineno;
        printed_any = true;
        after_left = o->after > 0 ? (size_t)o->after : 0;
      }
    } else if (!sel && after_left > 0 && !o->count && !o->files_with && !o->files_without && !binary) {
      prefix(g, name, show_name, lineno, '-');
      ds_buf_add(g->r->out, line, ll);
      ds_buf_addc(g->r->out, '\n');
      last_printed = lineno;
      after_left--;
    } else if (o->max > 0 && (long)selected >= o->max && after_left == 0) {
      break;
    }
    if (!nl) break;
    pos += ll + 1;
  }
  ds_free(starts);
  if (o->quiet) return;
  if (o->count) {
    if (show_name) ds_buf_addf(g->r->out, "%s:", name);
    ds_buf_addf(g->r->out, "%zu\n", selected);
  } else if (o->files_with) {
    if (selected) ds_buf_addf(g->r->out, "%s\n", name);
  } else if (o->files_without) {
    if (!selected) ds_buf_addf(g->r->out, "%s\n", name);
  } else if (binary && selected) {
    if (o->rg) ds_buf_addf(g->r->out, "binary file matches (found \"\\0\" byte around offset 0)\n");
    else ds_buf_addf(g->r->out, "grep: %s: binary file matches\n", name);
  }
}

struct gwalk {
  char **files;   /* relative to the root */
  size_t n, cap;
  struct gopts *o;
};

static bool excluded(struct gopts *o, const char *base, bool is_dir) {
  if (is_dir) {
    for (size_t i = 0; i < o->n_exd; i++)
      if (sh_glob_match(o->exclude_dir[i], base, false)) return true;
    return false;
  }
  for (size_t i = 0; i < o->n_exc; i++)
    if (sh_glob_match(o->exclude[i], base, false)) return true;
  if (o->n_inc) {
    for (size_t i = 0; i < o->n_inc; i++)
      if (sh_glob_match(o->include[i], base, false)) return false;
    return true;
  }
  return false;
}

static bool gwalk_visit(void *ud, const char *rel, bool is_dir) {
  struct gwalk *w = ud;
  const char *base = strrchr(rel, '/');
  base = base ? base + 1 : rel;
  if (w->o->rg && !w->o->hidden && base[0] == '.') return false;
  if (excluded(w->o, base, is_dir)) return false;
  if (is_dir) return true;
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 64;
    char **v = ds_realloc(w->files, cap * sizeof *v);
    if (!v) return false;
    w->files = v;
    w->cap = cap;
  }
  w->files[w->n] = ds_strdup(rel);
  if (w->files[w->n]) w->n++;
  return false;
}

/* How a file found under operand (rel the operand's resolved path) is shown. */
static void shown_name(struct ds_buf *b, const char *operand, const char *op_rel, const char *file_rel) {
  size_t ol = strlen(op_rel);
  const char *rest = ol ? file_rel + ol + (file_rel[ol] == '/' ? 1 : 0) : file_rel;
  ds_buf_reset(b);
  if (!operand) {
    ds_buf_adds(b, rest);
    return;
  }
  size_t n = strlen(operand);
  ds_buf_adds(b, operand);
  if (n && operand[n - 1] != '/') ds_buf_addc(b, '/');
  ds_buf_adds(b, rest);
}

static void search_operand(struct gstate *g, const char *operand, bool show_name) {
  struct sh_run *r = g->r;
  const char *prog = g->o->rg ? "rg" : "grep";
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  enum ts_node k = sh_node(r, operand ? operand : ".", &rel);
  if (r->refused) goto out;
  if (k == TS_NODE_MISSING) {
    if (!g->o->silent) {
      if (g->o->rg) ds_buf_addf(r->err, "rg: %s: IO error for operation on %s: No such file or directory (os error 2)\n",
                                operand, operand);
      else ds_buf_addf(r->err, "grep: %s: No such file or directory\n", operand);
    }
    r->status = 2;
    goto out;
  }
  if (k == TS_NODE_FILE) {
    struct ds_buf data;
    ds_buf_init(&data, 0);
    if (sh_read_file(r, prog, operand, &data) == DS_OK) search_data(g, operand, show_name, data.data, data.len);
    ds_buf_release(&data);
    goto out;
  }
  if (!g->o->recursive) {
    if (!g->o->silent) ds_buf_addf(r->err, "grep: %s: Is a directory\n", operand);
    r->status = 2;
    goto out;
  }
  struct gwalk w = {.o = g->o};
  unsigned budget = 50000;
  snapshot_walk_tree(r->c->snap, rel.data, gwalk_visit, &w, &budget);
  struct ds_buf name, data;
  ds_buf_init(&name, 0);
  ds_buf_init(&data, 0);
  for (size_t i = 0; i < w.n; i++) {
    shown_name(&name, operand, rel.data, w.files[i]);
    ds_buf_reset(&data);
    char *text = NULL;
    struct ds_err e = {0};
    if (ds_snapshot_read(r->c->snap, w.files[i], &text, &e) == DS_OK) {
      if (g->o->files_list) ds_buf_addf(r->out, "%s\n", name.data);
      else search_data(g, name.data, show_name, text, strlen(text));
      ds_free(text);
    }
    ds_free(w.files[i]);
    if (g->o->quiet && g->any) {
      for (size_t j = i + 1; j < w.n; j++) ds_free(w.files[j]);
      break;
    }
  }
  ds_free(w.files);
  ds_buf_release(&name);
  ds_buf_release(&data);
out:
  ds_buf_release(&rel);
}

static bool long_opt(struct gopts *o, const char *a) {
  const char *v = strchr(a, '=');
  size_t n = v ? (size_t)(v - a) : strlen(a);
#define IS(s) (n == strlen(s) && strncmp(a, s, n) == 0)
  if (IS("--include") && v && o->n_inc < 16) o->include[o->n_inc++] = v + 1;
  else if (IS("--exclude") && v && o->n_exc < 16) o->exclude[o->n_exc++] = v + 1;
  else if (IS("--exclude-dir") && v && o->n_exd < 16) o->exclude_dir[o->n_exd++] = v + 1;
  else if (IS("--color") || IS("--colour") || IS("--no-heading") || IS("--no-messages") || IS("--color=never")) {
  } else if (IS("--line-number")) o->number = true;
  else if (IS("--recursive")) o->recursive = true;
  else if (IS("--ignore-case")) o->icase = true;
  else if (IS("--files-with-matches")) o->files_with = true;
  else if (IS("--files-without-match")) o->files_without = true;
  else if (IS("--count")) o->count = true;
  else if (IS("--no-filename")) o->no_name = true;
  else if (IS("--with-filename")) o->with_name = true;
  else if (IS("--fixed-strings")) o->syn = TS_RE_FIXED;
  else if (IS("--extended-regexp")) o->syn = TS_RE_EXTENDED;
  else if (IS("--word-regexp")) o->word = true;
  else if (IS("--hidden") && o->rg) o->hidden = true;
  else if (IS("--files") && o->rg) o->files_list = true;
  else if (IS("--no-ignore") && o->rg) {
  } else if (IS("--sort") && o->rg && v && strcmp(v + 1, "path") == 0) {
  } else return false;
#undef IS
  return true;
}

static void grep_main(struct sh_run *r, char **argv, int argc, bool rg) {
  struct gopts o = {.rg = rg, .recursive = rg, .syn = rg ? TS_RE_PCRE : TS_RE_BASIC, .max = -1};
  if (strcmp(argv[0], "egrep") == 0) o.syn = TS_RE_EXTENDED;
  if (strcmp(argv[0], "fgrep") == 0) o.syn = TS_RE_FIXED;
  const char *with_arg = rg ? "efmABCgtTM" : "efmABCdD";
  char **ops = ds_calloc((size_t)argc + 1, sizeof *ops);
  int n_ops = 0;
  bool more = true, number_off = false;
  if (!ops) {
    r->not_mine = true;
    return;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (more && strcmp(a, "--") == 0) {
      more = false;
      continue;
    }
    if (more && a[0] == '-' && a[1] == '-') {
      if (!long_opt(&o, a)) goto not_mine;
      continue;
    }
    if (more && a[0] == '-' && a[1]) {
      for (const char *p = a + 1; *p; p++) {
        char c = *p;
        if (strchr(with_arg, c)) {
          const char *v = p[1] ? p + 1 : i + 1 < argc ? argv[++i] : NULL;
          if (!v) goto not_mine;
          if (c == 'e' && o.n_pats < 64) o.pats[o.n_pats++] = v;
          else if (c == 'm') o.max = atol(v);
          else if (c == 'A') o.after = atol(v);
          else if (c == 'B') o.before = atol(v);
          else if (c == 'C') o.after = o.before = atol(v);
          else if (c == 'g' && rg) {
            if (v[0] == '!' && o.n_exc < 16) o.exclude[o.n_exc++] = v + 1;
            else if (o.n_inc < 16) o.include[o.n_inc++] = v;
          } else goto not_mine; /* -f FILE, -t TYPE, -d ACTION, ... */
          break;
        }
        switch (c) {
        case 'r': case 'R': o.recursive = true; break;
        case 'n': o.number = true; break;
        case 'N': number_off = true; break;
        case 'i': o.icase = true; break;
        case 'S': if (rg) o.smart_case = true; else goto not_mine; break;
        case 'l': o.files_with = true; break;
        case 'L': o.files_without = true; break;
        case 'c': o.count = true; break;
        case 'v': o.invert = true; break;
        case 'w': o.word = true; break;
        case 'x': o.xline = true; break;
        case 'E': o.syn = TS_RE_EXTENDED; break;
        case 'F': o.syn = TS_RE_FIXED; break;
        case 'G': o.syn = TS_RE_BASIC; break;
        case 'P': o.syn = TS_RE_PCRE; break;
        case 'h': o.no_name = true; break;
        case 'H': o.with_name = true; break;
        case 'o': o.only = true; break;
        case 'q': o.quiet = true; break;
        case 's': if (!rg) o.silent = true; else goto not_mine; break;
        case 'I': o.skip_binary = true; break;
        case 'a': break;
        case 'u': if (rg) o.hidden = true; else goto not_mine; break;
        default: goto not_mine;
        }
      }
      continue;
    }
    ops[n_ops++] = argv[i];
  }
  if (number_off) o.number = false;
  int first = 0;
  if (o.n_pats == 0 && !o.files_list) {
    if (n_ops == 0) {
      ds_buf_addf(r->err, rg ? "rg: no pattern given\n" : "Usage: grep [OPTION]... PATTERNS [FILE]...\n");
      r->status = 2;
      ds_free(ops);
      return;
    }
    /* a pattern with newlines is several patterns */
    char *p = ops[0];
    first = 1;
    char *s = p;
    while (o.n_pats < 64) {
      char *nl = strchr(s, '\n');
      if (nl) *nl = '\0';
      o.pats[o.n_pats++] = s;
      if (!nl) break;
      s = nl + 1;
    }
  }
  if (o.smart_case) {
    bool upper = false;
    for (size_t i = 0; i < o.n_pats; i++)
      for (const char *q = o.pats[i]; *q; q++) upper |= isupper((unsigned char)*q);
    o.icase = !upper;
  }
  char emsg[200] = "";
  struct ts_matcher *m = o.files_list ? NULL : ts_matcher_new(o.pats, o.n_pats, o.syn, o.icase, o.word, o.xline, emsg, sizeof emsg);
  if (!m && !o.files_list) {
    ds_buf_addf(r->err, "%s: %s\n", rg ? "rg" : "grep", emsg);
    r->status = 2;
    ds_free(ops);
    return;
  }
  struct gstate g = {.r = r, .o = &o, .m = m};
  int n_files = n_ops - first;
  if (n_files == 0 && (o.recursive || rg)) {
    bool show = !o.no_name;
    if (rg && !o.number && !number_off) o.number = false;
    search_operand(&g, NULL, show || o.with_name);
  } else if (n_files == 0) {
    if (r->in) search_data(&g, "(standard input)", o.with_name, r->in, r->in_len);
  } else {
    for (int i = first; i < n_ops && !r->refused; i++) {
      struct ds_buf rel;
      ds_buf_init(&rel, 0);
      enum ts_node k = sh_node(r, ops[i], &rel);
      ds_buf_release(&rel);
      bool show = o.with_name || (!o.no_name && (n_files > 1 || (k == TS_NODE_DIR && o.recursive)));
      if (strcmp(ops[i], "-") == 0) {
        if (r->in) search_data(&g, "(standard input)", show, r->in, r->in_len);
        continue;
      }
      search_operand(&g, ops[i], show);
    }
  }
  if (r->status != 2 || o.quiet) r->status = g.any ? 0 : (r->status == 2 ? 2 : 1);
  if (o.quiet && g.any) r->status = 0;
  if (o.files_list) r->status = r->out->len ? 0 : 1;
  ts_matcher_free(m);
  ds_free(ops);
  return;
not_mine:
  r->not_mine = true;
  ds_free(ops);
}

void sh_cmd_grep(struct sh_run *r, char **argv, int argc) { grep_main(r, argv, argc, false); }
void sh_cmd_rg(struct sh_run *r, char **argv, int argc) { grep_main(r, argv, argc, true); }

/* ---- find ---- */

/* An expression tree: primaries joined by -a (implicit) and -o, negated by ! or -not, grouped
 * by ( ). */
enum fnode_type { F_NAME, F_INAME, F_PATH, F_IPATH, F_TYPE, F_TRUE, F_AND, F_OR, F_NOT };
struct fnode {
  enum fnode_type type;
  const char *arg;
  int a, b; /* children (indexes), -1 when none */
};

struct fctx {
  struct sh_run *r;
  struct fnode nodes[128];
  int n_nodes, root;
  long maxdepth, mindepth;
  const char *operand;
  const char *op_rel;
  size_t op_depth;
  struct ds_buf name;
  char **argv;
  int argc, pos;
  bool bad;
};

static int f_new(struct fctx *f, enum fnode_type t, const char *arg, int a, int b) {
  if (f->n_nodes == (int)DS_ARRAY_LEN(f->nodes)) {
    f->bad = true;
    return -1;
  }
  f->nodes[f->n_nodes] = (struct fnode){t, arg, a, b};
  return f->n_nodes++;
}

static int f_or(struct fctx *f);

static int f_unary(struct fctx *f) {
  while (f->pos < f->argc && !f->bad) {
    const char *a = f->argv[f->pos];
    const char *v = f->pos + 1 < f->argc ? f->argv[f->pos + 1] : NULL;
    if (strcmp(a, "!") == 0 || strcmp(a, "-not") == 0) {
      f->pos++;
      int x = f_unary(f);
      return f_new(f, F_NOT, NULL, x, -1);
    }
    if (strcmp(a, "(") == 0) {
      f->pos++;
      int x = f_or(f);
      if (f->pos >= f->argc || strcmp(f->argv[f->pos], ")") != 0) {
        f->bad = true;
        return -1;
      }
      f->pos++;
      return x;
    }
    if (strcmp(a, "-print") == 0) {
      f->pos++;
      return f_new(f, F_TRUE, NULL, -1, -1);
    }
    if ((strcmp(a, "-maxdepth") == 0 || strcmp(a, "-mindepth") == 0) && v) {
      *(a[2] == 'a' ? &f->maxdepth : &f->mindepth) = atol(v);
      f->pos += 2;
      return f_new(f, F_TRUE, NULL, -1, -1);
    }
    enum fnode_type t;
    if (strcmp(a, "-name") == 0) t = F_NAME;
    else if (strcmp(a, "-iname") == 0) t = F_INAME;
    else if (strcmp(a, "-path") == 0 || strcmp(a, "-wholename") == 0) t = F_PATH;
    else if (strcmp(a, "-ipath") == 0 || strcmp(a, "-iwholename") == 0) t = F_IPATH;
    else if (strcmp(a, "-type") == 0) t = F_TYPE;
    else {
      f->bad = true; /* -size, -newer, -exec, ... */
      return -1;
    }
    if (!v || (t == F_TYPE && strcmp(v, "f") != 0 && strcmp(v, "d") != 0)) {
      f->bad = true;
      return -1;
    }
    f->pos += 2;
    return f_new(f, t, v, -1, -1);
  }
  f->bad = true;
  return -1;
}

static int f_and(struct fctx *f) {
  int x = f_unary(f);
  while (!f->bad && f->pos < f->argc) {
    const char *a = f->argv[f->pos];
    if (strcmp(a, "-o") == 0 || strcmp(a, "-or") == 0 || strcmp(a, ")") == 0) break;
    if (strcmp(a, "-a") == 0 || strcmp(a, "-and") == 0) f->pos++;
    int y = f_unary(f);
    x = f_new(f, F_AND, NULL, x, y);
  }
  return x;
}

static int f_or(struct fctx *f) {
  int x = f_and(f);
  while (!f->bad && f->pos < f->argc && (strcmp(f->argv[f->pos], "-o") == 0 || strcmp(f->argv[f->pos], "-or") == 0)) {
    f->pos++;
    int y = f_and(f);
    x = f_new(f, F_OR, NULL, x, y);
  }
  return x;
}

static bool f_eval(struct fctx *f, int i, const char *shown, const char *base, bool is_dir) {
  if (i < 0) return true;
  const struct fnode *e = &f->nodes[i];
  switch (e->type) {
  case F_NAME: return fnmatch(e->arg, base, 0) == 0;
  case F_INAME: return fnmatch(e->arg, base, FNM_CASEFOLD) == 0;
  case F_PATH: return fnmatch(e->arg, shown, 0) == 0;
  case F_IPATH: return fnmatch(e->arg, shown, FNM_CASEFOLD) == 0;
  case F_TYPE: return (e->arg[0] == 'd') == is_dir;
  case F_TRUE: return true;
  case F_AND: return f_eval(f, e->a, shown, base, is_dir) && f_eval(f, e->b, shown, base, is_dir);
  case F_OR: return f_eval(f, e->a, shown, base, is_dir) || f_eval(f, e->b, shown, base, is_dir);
  case F_NOT: return !f_eval(f, e->a, shown, base, is_dir);
  }
  return false;
}

static bool f_match(struct fctx *f, const char *shown, bool is_dir) {
  const char *base = strrchr(shown, '/');
  base = base && base[1] ? base + 1 : shown;
  return f_eval(f, f->root, shown, base, is_dir);
}

static bool find_visit(void *ud, const char *rel, bool is_dir) {
  struct fctx *f = ud;
  size_t depth = 1;
  const char *rest = rel + f->op_depth;
  if (*rest == '/') rest++;
  for (const char *p = rest; *p; p++)
    if (*p == '/') depth++;
  if (f->maxdepth >= 0 && (long)depth > f->maxdepth) return false;
  shown_name(&f->name, f->operand, f->op_rel, rel);
  if ((long)depth >= f->mindepth && f_match(f, f->name.data, is_dir)) ds_buf_addf(f->r->out, "%s\n", f->name.data);
  return is_dir && (f->maxdepth < 0 || (long)depth < f->maxdepth);
}

void sh_cmd_find(struct sh_run *r, char **argv, int argc) {
  struct fctx f = {.r = r, .maxdepth = -1, .mindepth = 0, .root = -1, .argv = argv, .argc = argc};
  ds_buf_init(&f.name, 0);
  int i = 1;
  char **ops = ds_calloc((size_t)argc + 1, sizeof *ops);
  int n_ops = 0;
  if (!ops) {
    r->not_mine = true;
    return;
  }
  while (i < argc && argv[i][0] != '-' && strcmp(argv[i], "!") != 0 && strcmp(argv[i], "(") != 0) ops[n_ops++] = argv[i++];
  f.pos = i;
  if (f.pos < argc) f.root = f_or(&f);
  if (f.bad || f.pos < argc) {
    r->not_mine = true;
    goto out;
  }
  static char *dot[] = {"."};
  char **list = n_ops ? ops : dot;
  int n = n_ops ? n_ops : 1;
  for (int k = 0; k < n && !r->refused; k++) {
    struct ds_buf rel;
    ds_buf_init(&rel, 0);
    enum ts_node node = sh_node(r, list[k], &rel);
    if (r->refused) {
      ds_buf_release(&rel);
      break;
    }
    if (node == TS_NODE_MISSING) {
      ds_buf_addf(r->err, "find: '%s': No such file or directory\n", list[k]);
      r->status = 1;
      ds_buf_release(&rel);
      continue;
    }
    f.operand = list[k];
    f.op_rel = rel.data;
    f.op_depth = rel.len;
    if (f.mindepth <= 0 && f_match(&f, list[k], node == TS_NODE_DIR)) ds_buf_addf(r->out, "%s\n", list[k]);
    if (node == TS_NODE_DIR && f.maxdepth != 0) {
      unsigned budget = 50000;
      snapshot_walk_tree(r->c->snap, rel.data, find_visit, &f, &budget);
    }
    ds_buf_release(&rel);
  }
out:
  ds_buf_release(&f.name);
  ds_free(ops);
}
