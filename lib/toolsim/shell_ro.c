/* shell_ro.c: a shell for command lines that only read: parses a line (words, quotes, globs,
 * pipes, && || ; lists, stderr redirections), says whether every command in it only reads and
 * what it reads (for the state of a call), and runs it over the snapshot with the read-only
 * commands of shell_cmds.c and shell_grep.c. A line with anything else (a write, a
 * substitution, a command it does not know) is not run at all: nothing is ever executed. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/shell_int.h"

#define MAX_WORDS 4096

/* ---- the read-only commands ---- */

static const struct sh_builtin builtins[] = {
    {"cat", sh_cmd_cat, SH_R_FILES, ""},
    {"head", sh_cmd_head_tail, SH_R_FILES, "nc"},
    {"tail", sh_cmd_head_tail, SH_R_FILES, "nc"},
    {"ls", sh_cmd_ls, SH_R_FILES, "IwT"},
    {"wc", sh_cmd_wc, SH_R_FILES, ""},
    {"sed", sh_cmd_sed, SH_R_SCRIPT, "elf"},
    {"nl", sh_cmd_nl, SH_R_FILES, "bhfnvilswdp"},
    {"sort", sh_cmd_sort, SH_R_FILES, "ktST"},
    {"uniq", sh_cmd_uniq, SH_R_FILES, "fsw"},
    {"echo", sh_cmd_echo, SH_R_NONE, ""},
    {"pwd", sh_cmd_pwd, SH_R_NONE, ""},
    {"true", sh_cmd_true, SH_R_NONE, ""},
    {"false", sh_cmd_false, SH_R_NONE, ""},
    {":", sh_cmd_true, SH_R_NONE, ""},
    {"git", sh_cmd_git, SH_R_ALL, ""},
    {"grep", sh_cmd_grep, SH_R_PATTERN, "efmABCdD"},
    {"egrep", sh_cmd_grep, SH_R_PATTERN, "efmABCdD"},
    {"fgrep", sh_cmd_grep, SH_R_PATTERN, "efmABCdD"},
    {"rg", sh_cmd_rg, SH_R_PATTERN, "efmABCgtTM"},
    {"find", sh_cmd_find, SH_R_FIND, ""},
    /* read-only, answered by recordings or the simulator model */
    {"stat", NULL, SH_R_FILES, "c"},
    {"file", NULL, SH_R_FILES, ""},
    {"tree", NULL, SH_R_FILES, "LIP"},
    {"du", NULL, SH_R_FILES, "d"},
    {"df", NULL, SH_R_NONE, ""},
    {"realpath", NULL, SH_R_FILES, ""},
    {"readlink", NULL, SH_R_FILES, ""},
    {"dirname", NULL, SH_R_NONE, ""},
    {"basename", NULL, SH_R_NONE, ""},
    {"diff", NULL, SH_R_FILES, ""},
    {"cmp", NULL, SH_R_FILES, ""},
    {"md5sum", NULL, SH_R_FILES, ""},
    {"sha256sum", NULL, SH_R_FILES, ""},
    {"sha1sum", NULL, SH_R_FILES, ""},
    {"cut", NULL, SH_R_FILES, "dfcb"},
    {"tr", NULL, SH_R_NONE, ""},
    {"column", NULL, SH_R_FILES, "ts"},
    {"xxd", NULL, SH_R_FILES, "lsc"},
    {"od", NULL, SH_R_FILES, "AjNtw"},
    {"hexdump", NULL, SH_R_FILES, "ns"},
    {"jq", NULL, SH_R_SCRIPT, ""},
    {"less", NULL, SH_R_FILES, ""},
    {"more", NULL, SH_R_FILES, ""},
    {"which", NULL, SH_R_NONE, ""},
    {"type", NULL, SH_R_NONE, ""},
    {"whoami", NULL, SH_R_NONE, ""},
    {"id", NULL, SH_R_NONE, ""},
    {"uname", NULL, SH_R_NONE, ""},
    {"date", NULL, SH_R_NONE, ""},
    {"hostname", NULL, SH_R_NONE, ""},
    {"env", NULL, SH_R_NONE, ""},
    {"printenv", NULL, SH_R_NONE, ""},
    {"ps", NULL, SH_R_NONE, ""},
    {"nproc", NULL, SH_R_NONE, ""},
    {"free", NULL, SH_R_NONE, ""},
    {"uptime", NULL, SH_R_NONE, ""},
    {"printf", NULL, SH_R_NONE, ""},
    {"test", NULL, SH_R_ALL, ""},
    {"[", NULL, SH_R_ALL, ""},
    {"sleep", NULL, SH_R_NONE, ""},
    {NULL, NULL, SH_R_NONE, NULL},
};

const struct sh_builtin *sh_builtin_find(const char *name) {
  for (const struct sh_builtin *b = builtins; b->name; b++)
    if (strcmp(b->name, name) == 0) return b;
  return NULL;
}

/* ---- parsing ---- */

enum tok_type { T_WORD, T_OP, T_REDIR };
struct tok {
  enum tok_type type;
  char *text;   /* word, operator ("|", "||", "&&", ";") or redirection ("2>&1", "2>", ">", ">>", "<") */
  bool glob;    /* a word with unquoted * ? [ */
};

struct toks {
  struct tok *v;
  size_t n, cap;
};

static void toks_free(struct toks *t) {
  for (size_t i = 0; i < t->n; i++) ds_free(t->v[i].text);
  ds_free(t->v);
}

static bool toks_push(struct toks *t, enum tok_type type, char *text, bool glob) {
  if (!text) return false;
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 16;
    if (cap > MAX_WORDS) {
      ds_free(text);
      return false;
    }
    struct tok *v = ds_realloc(t->v, cap * sizeof *v);
    if (!v) {
      ds_free(text);
      return false;
    }
    t->v = v;
    t->cap = cap;
  }
  t->v[t->n++] = (struct tok){type, text, glob};
  return true;
}

/* $ starts an expansion here (a name, {, (, a digit or a special parameter) */
static bool expansion_at(const char *p) {
  return p[0] == '$' && (isalnum((unsigned char)p[1]) || strchr("_{(?*@#!$-", p[1]));
}

/* Splits a line into tokens; false when it holds what this shell never runs (substitutions,
 * expansions, heredocs, background jobs, subshells). */
static bool tokenize(const char *line, struct toks *t) {
  struct ds_buf w;
  ds_buf_init(&w, 0);
  bool in_word = false, glob = false, ok = true;
  const char *p = line;
  for (;;) {
    char c = *p;
    bool end_word = c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || strchr("|&;<>()", c);
    if (end_word && in_word) {
      /* a word of digits right before > or < is a descriptor: part of the redirection */
      bool fd = (c == '>' || c == '<') && w.len == 1 && isdigit((unsigned char)w.data[0]);
      if (!fd) {
        ok = toks_push(t, T_WORD, ds_buf_detach(&w, NULL), glob);
        in_word = glob = false;
        if (!ok) break;
      }
    }
    if (c == '\0') break;
    if (c == ' ' || c == '\t' || c == '\r') {
      p++;
      continue;
    }
    if (c == '\n') {
      ok = toks_push(t, T_OP, ds_strdup(";"), false);
      if (!ok) break;
      p++;
      continue;
    }
    if (c == '#' && !in_word) {
      while (*p && *p != '\n') p++;
      continue;
    }
    if (c == '(' || c == ')' || c == '`') {
      ok = false;
      break;
    }
    if (c == '|' || c == '&' || c == ';') {
      char op[3] = {c, 0, 0};
      if (p[1] == c) op[1] = c;
      if (c == '&' && p[1] == '>') { /* &> file: both streams */
        ds_buf_reset(&w);
        ok = toks_push(t, T_REDIR, ds_strdup(p[2] == '>' ? "&>>" : "&>"), false);
        p += p[2] == '>' ? 3 : 2;
        if (!ok) break;
        continue;
      }
      if (strcmp(op, "&") == 0 || strcmp(op, ";;") == 0) {
        ok = false; /* background jobs, case arms */
        break;
      }
      if (c == '|' && p[1] == '&') { /* |& pipes stderr too */
        ok = toks_push(t, T_REDIR, ds_strdup("2>&1"), false) && toks_push(t, T_OP, ds_strdup("|"), false);
        p += 2;
        if (!ok) break;
        continue;
      }
      ok = toks_push(t, T_OP, ds_strdup(op), false);
      p += strlen(op);
      if (!ok) break;
      continue;
    }
    if (c == '>' || c == '<') {
      struct ds_buf r;
      ds_buf_init(&r, 0);
      if (in_word) { /* the descriptor digit */
        ds_buf_add(&r, w.data, w.len);
        ds_buf_reset(&w);
        in_word = false;
      }
      ds_buf_addc(&r, c);
      p++;
      if (c == '<' && *p == '<') {
        ds_buf_release(&r);
        ok = false; /* heredocs and here-strings */
        break;
      }
      if (c == '>' && (*p == '>' || *p == '|')) ds_buf_addc(&r, *p++);
      if (*p == '&') {
        ds_buf_addc(&r, *p++);
        while (isdigit((unsigned char)*p) || *p == '-') ds_buf_addc(&r, *p++);
      }
      ok = toks_push(t, T_REDIR, ds_buf_detach(&r, NULL), false);
      ds_buf_release(&r);
      if (!ok) break;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const char *e = strchr(p + 1, '\'');
      if (!e) {
        ok = false;
        break;
      }
      ds_buf_add(&w, p + 1, (size_t)(e - p - 1));
      p = e + 1;
    } else if (c == '"') {
      p++;
      while (*p && *p != '"') {
        if (*p == '`' || expansion_at(p)) {
          ok = false;
          break;
        }
        if (*p == '\\' && p[1] && strchr("\\\"$`\n", p[1])) p++;
        ds_buf_addc(&w, *p++);
      }
      if (!ok || !*p) {
        ok = false;
        break;
      }
      p++;
    } else if (c == '\\') {
      if (p[1] == '\n') p += 2;
      else if (p[1]) {
        ds_buf_addc(&w, p[1]);
        p += 2;
      } else {
        p++;
      }
    } else if (expansion_at(p)) {
      ok = false;
      break;
    } else {
      if (c == '*' || c == '?' || c == '[') glob = true;
      ds_buf_addc(&w, c);
      p++;
    }
  }
  ds_buf_release(&w);
  return ok;
}

struct sh_cmd {
  char **argv;
  bool *glob;
  int argc;
  bool err_to_out, err_null, out_null;
  char *in_file;
  bool writes;           /* a redirection into a file */
};

struct sh_line {
  struct sh_cmd *cmds;   /* all commands, in order */
  size_t n;
  char *ops;             /* ops[i]: how command i joins the previous one: '|' pipe, '&' &&, 'o' ||, ';' */
};

static void line_free(struct sh_line *l) {
  for (size_t i = 0; i < l->n; i++) {
    for (int j = 0; j < l->cmds[i].argc; j++) ds_free(l->cmds[i].argv[j]);
    ds_free(l->cmds[i].argv);
    ds_free(l->cmds[i].glob);
    ds_free(l->cmds[i].in_file);
  }
  ds_free(l->cmds);
  ds_free(l->ops);
  memset(l, 0, sizeof *l);
}

static bool is_assignment(const char *w) {
  if (!isalpha((unsigned char)w[0]) && w[0] != '_') return false;
  for (const char *p = w; *p; p++) {
    if (*p == '=') return true;
    if (!isalnum((unsigned char)*p) && *p != '_') return false;
  }
  return false;
}

static bool parse(const char *line, struct sh_line *out) {
  struct toks t = {0};
  memset(out, 0, sizeof *out);
  if (!tokenize(line, &t)) {
    toks_free(&t);
    return false;
  }
  bool ok = true;
  char pending = ';';
  struct sh_cmd *cur = NULL;
  for (size_t i = 0; i < t.n && ok; i++) {
    struct tok *k = &t.v[i];
    if (k->type == T_OP) {
      if (!cur) {
        /* an operator with no command before it: ";" alone is fine, the rest is a syntax error */
        ok = strcmp(k->text, ";") == 0;
        continue;
      }
      pending = strcmp(k->text, "|") == 0 ? '|' : strcmp(k->text, "&&") == 0 ? '&' : strcmp(k->text, "||") == 0 ? 'o' : ';';
      cur = NULL;
      continue;
    }
    if (!cur) {
      struct sh_cmd *v = ds_realloc(out->cmds, (out->n + 1) * sizeof *v);
      char *o = ds_realloc(out->ops, out->n + 1);
      if (!v || !o) {
        if (v) out->cmds = v;
        if (o) out->ops = o;
        ok = false;
        break;
      }
      out->cmds = v;
      out->ops = o;
      cur = &out->cmds[out->n];
      memset(cur, 0, sizeof *cur);
      out->ops[out->n++] = pending;
    }
    if (k->type == T_REDIR) {
      const char *r = k->text;
      if (strcmp(r, "2>&1") == 0) {
        cur->err_to_out = true;
        continue;
      }
      if (strcmp(r, ">&2") == 0 || strcmp(r, "1>&2") == 0) continue; /* stdout to stderr: both shown */
      if (i + 1 >= t.n || t.v[i + 1].type != T_WORD) {
        ok = false;
        break;
      }
      const char *target = t.v[++i].text;
      bool devnull = strcmp(target, "/dev/null") == 0;
      if (strcmp(r, "<") == 0 || strcmp(r, "0<") == 0) {
        ds_free(cur->in_file);
        cur->in_file = ds_strdup(target);
      } else if (devnull && (strcmp(r, "2>") == 0 || strcmp(r, "2>>") == 0)) {
        cur->err_null = true;
      } else if (devnull && (strcmp(r, ">") == 0 || strcmp(r, "1>") == 0 || strcmp(r, ">>") == 0)) {
        cur->out_null = true;
      } else if (devnull && (strcmp(r, "&>") == 0 || strcmp(r, "&>>") == 0)) {
        cur->out_null = cur->err_null = true;
      } else {
        cur->writes = true; /* a redirection into a file: a write */
      }
      continue;
    }
    if (cur->argc == 0 && is_assignment(k->text)) {
      cur->writes = true; /* environment set for the command: not a plain read */
      continue;
    }
    char **av = ds_realloc(cur->argv, (size_t)(cur->argc + 2) * sizeof *av);
    bool *gv = ds_realloc(cur->glob, (size_t)(cur->argc + 1) * sizeof *gv);
    if (av) cur->argv = av;
    if (gv) cur->glob = gv;
    if (!av || !gv) {
      ok = false;
      break;
    }
    cur->argv[cur->argc] = k->text;
    cur->glob[cur->argc] = k->glob;
    k->text = NULL;
    cur->argv[++cur->argc] = NULL;
  }
  toks_free(&t);
  for (size_t i = 0; ok && i < out->n; i++)
    if (out->cmds[i].argc == 0) ok = false; /* a bare redirection */
  if (ok && out->n == 0) ok = false;
  if (!ok) line_free(out);
  return ok;
}

/* ---- classification ---- */

static bool opt_takes_arg(const struct sh_builtin *b, const char *opt) {
  return opt[0] == '-' && opt[1] && opt[1] != '-' && !opt[2] && strchr(b->opts_with_arg, opt[1]);
}

static bool git_reads_only(char **argv, int argc) {
  static const char *const ro[] = {"log", "show", "diff", "status", "branch", "rev-parse", "ls-files", "blame",
                                   "grep", "describe", "shortlog", "ls-tree", "cat-file", "rev-list", "reflog",
                                   "remote", "tag", "config", "whatchanged", "name-rev", "merge-base", NULL};
  int i = 1;
  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "-C") == 0 || strcmp(argv[i], "-c") == 0) i++;
    i++;
  }
  if (i >= argc) return false;
  const char *sub = argv[i];
  bool known = false;
  for (const char *const *r = ro; *r && !known; r++) known = strcmp(*r, sub) == 0;
  if (!known) return false;
  for (int j = i + 1; j < argc; j++) {
    const char *a = argv[j];
    /* forms of these that change something */
    if ((strcmp(sub, "branch") == 0 || strcmp(sub, "tag") == 0) &&
        (a[0] != '-' || strcmp(a, "-d") == 0 || strcmp(a, "-D") == 0 || strcmp(a, "-m") == 0 ||
         strcmp(a, "-M") == 0 || strcmp(a, "--delete") == 0))
      return false;
    if (strcmp(sub, "remote") == 0 && a[0] != '-' && strcmp(a, "show") != 0 && strcmp(a, "get-url") != 0)
      return false;
    if (strcmp(sub, "config") == 0 && a[0] != '-') return j + 1 >= argc; /* config KEY reads, KEY VALUE writes */
    if (strcmp(sub, "reflog") == 0 && (strcmp(a, "expire") == 0 || strcmp(a, "delete") == 0)) return false;
    if (strcmp(a, "--output") == 0 || strncmp(a, "--output=", 9) == 0) return false;
  }
  return true;
}

/* A command this shell considers read-only; adds what it reads to reads. */
static bool cmd_reads_only(const struct sh_cmd *m, const char *ws, const char *cwd, struct ts_paths *reads) {
  if (m->writes) return false;
  const char *name = m->argv[0];
  const struct sh_builtin *b = sh_builtin_find(name);
  if (!b) {
    /* version and help queries of any program only read */
    if (m->argc == 2 && (strcmp(m->argv[1], "--version") == 0 || strcmp(m->argv[1], "-V") == 0 ||
                         strcmp(m->argv[1], "--help") == 0 || strcmp(m->argv[1], "-v") == 0))
      return true;
    return false;
  }
  if (strcmp(name, "git") == 0 && !git_reads_only(m->argv, m->argc)) return false;
  if (strcmp(name, "sed") == 0 || strcmp(name, "sort") == 0) {
    for (int i = 1; i < m->argc; i++) {
      const char *a = m->argv[i];
      if (strcmp(name, "sed") == 0 && (strncmp(a, "-i", 2) == 0 || strncmp(a, "--in-place", 10) == 0)) return false;
      if (strcmp(name, "sort") == 0 && (strncmp(a, "-o", 2) == 0 || strncmp(a, "--output", 8) == 0)) return false;
    }
    if (strcmp(name, "sed") == 0) {
      /* a script with w (write a file) or e (run a command) is not a read */
      for (int i = 1; i < m->argc; i++)
        if (m->argv[i][0] != '-' && (strstr(m->argv[i], "w ") || strchr(m->argv[i], 'e'))) {
          bool cmd_e = false;
          for (const char *q = m->argv[i]; *q; q++)
            if ((*q == 'e' || *q == 'w' || *q == 'W') && (q == m->argv[i] || strchr(";}/0123456789$", q[-1])))
              cmd_e = true;
          if (cmd_e) return false;
          break;
        }
    }
  }
  if (strcmp(name, "find") == 0)
    for (int i = 1; i < m->argc; i++) {
      const char *a = m->argv[i];
      if (strcmp(a, "-delete") == 0 || strncmp(a, "-exec", 5) == 0 || strncmp(a, "-ok", 3) == 0 ||
          strncmp(a, "-fprint", 7) == 0 || strcmp(a, "-fls") == 0)
        return false;
    }
  if (strcmp(name, "env") == 0 && m->argc > 1) return false; /* env VAR=x program: runs a program */
  switch (b->reads) {
  case SH_R_NONE:
    break;
  case SH_R_ALL:
    reads->all = true;
    break;
  case SH_R_FILES:
  case SH_R_PATTERN:
  case SH_R_SCRIPT:
  case SH_R_FIND: {
    bool skip_first = b->reads == SH_R_PATTERN || b->reads == SH_R_SCRIPT, any = false, opts = true;
    for (int i = 1; i < m->argc; i++) {
      const char *a = m->argv[i];
      if (b->reads == SH_R_FIND && (a[0] == '-' || a[0] == '!' || a[0] == '(')) break;
      if (opts && a[0] == '-' && a[1]) {
        if (strcmp(a, "--") == 0) opts = false;
        else if (opt_takes_arg(b, a)) i++;
        if (skip_first && (strcmp(a, "-e") == 0 || strcmp(a, "-f") == 0 || strncmp(a, "--regexp", 8) == 0))
          skip_first = false;
        continue;
      }
      if (skip_first) {
        skip_first = false;
        continue;
      }
      if (m->glob[i]) {
        reads->all = true;
        continue;
      }
      char *n = ts_norm_path(ws, cwd, a);
      if (n) ts_paths_add(reads, n);
      ds_free(n);
      any = true;
    }
    bool recursive = strcmp(name, "rg") == 0 || strcmp(name, "find") == 0 || strcmp(name, "ls") == 0;
    for (int i = 1; i < m->argc && !recursive; i++)
      recursive = m->argv[i][0] == '-' && m->argv[i][1] != '-' && (strchr(m->argv[i], 'r') || strchr(m->argv[i], 'R'));
    if (!any && recursive) {
      char *n = ts_norm_path(ws, cwd, ".");
      if (n) ts_paths_add(reads, n);
      ds_free(n);
    }
    break;
  }
  }
  return true;
}

bool shell_ro_classify(const char *line, const char *ws, const char *cwd, struct ts_paths *reads, char **out_cwd) {
  *out_cwd = NULL;
  struct sh_line l;
  if (!parse(line, &l)) return false;
  bool ro = true, moved = false;
  char *dir = ds_strdup(cwd ? cwd : "");
  for (size_t i = 0; i < l.n && ro; i++) {
    struct sh_cmd *m = &l.cmds[i];
    if (strcmp(m->argv[0], "cd") == 0) {
      if (m->argc != 2 || m->writes || m->glob[1] || m->argv[1][0] == '~' || strcmp(m->argv[1], "-") == 0) {
        ro = false;
        break;
      }
      char *n = ts_norm_path(ws, dir, m->argv[1]);
      ds_free(dir);
      dir = n ? n : ds_strdup("");
      moved = true;
      continue;
    }
    ro = cmd_reads_only(m, ws, dir, reads);
  }
  if (ro && moved) *out_cwd = dir;
  else ds_free(dir);
  line_free(&l);
  return ro;
}

/* ---- running ---- */


struct glob_ctx {
  const char *pattern; /* relative to the root, as the snapshot walks */
  size_t depth;        /* components in the pattern */
  char **hits;
  size_t n, cap;
};

static size_t components(const char *p) {
  size_t n = 1;
  for (; *p; p++)
    if (*p == '/') n++;
  return n;
}

static bool glob_visit(void *ud, const char *rel, bool is_dir) {
  struct glob_ctx *g = ud;
  size_t d = components(rel);
  if (d == g->depth && fnmatch(g->pattern, rel, FNM_PATHNAME | FNM_PERIOD) == 0 && g->n < 10000) {
    if (g->n == g->cap) {
      size_t cap = g->cap ? 2 * g->cap : 16;
      char **v = ds_realloc(g->hits, cap * sizeof *v);
      if (!v) return false;
      g->hits = v;
      g->cap = cap;
    }
    g->hits[g->n] = ds_strdup(rel);
    if (g->hits[g->n]) g->n++;
  }
  return is_dir && d < g->depth;
}

/* Expands one glob word: the matches as the user would see them (relative to the line's
 * directory), sorted; none: the word itself (as bash does). */
static void expand_word(struct sh_run *r, const char *word, char ***argv, int *argc) {
  struct ds_buf rel, prefix;
  ds_buf_init(&rel, 0);
  ds_buf_init(&prefix, 0);
  struct glob_ctx g = {0};
  bool absolute = word[0] == '/';
  /* the pattern relative to the root; what to strip to show it as the user wrote it */
  char *norm = ts_norm_path(r->c->workspace, r->cwd, word);
  if (norm && norm[0] != '/' && r->c->snap) {
    g.pattern = norm;
    g.depth = components(norm);
    unsigned budget = 50000;
    snapshot_walk_tree(r->c->snap, "", glob_visit, &g, &budget);
  }
  size_t cl = strlen(r->cwd);
  for (size_t i = 0; i < g.n; i++) {
    const char *h = g.hits[i];
    struct ds_buf shown;
    ds_buf_init(&shown, 0);
    if (absolute) ds_buf_addf(&shown, "%s/%s", r->c->workspace, h);
    else if (cl && strncmp(h, r->cwd, cl) == 0 && h[cl] == '/') ds_buf_adds(&shown, h + cl + 1);
    else if (!cl) ds_buf_adds(&shown, strncmp(word, "./", 2) == 0 ? "./" : ""), ds_buf_adds(&shown, h);
    else ds_buf_adds(&shown, h);
    char **v = ds_realloc(*argv, (size_t)(*argc + 2) * sizeof *v);
    if (v) {
      *argv = v;
      v[(*argc)++] = ds_buf_detach(&shown, NULL);
      v[*argc] = NULL;
    }
    ds_buf_release(&shown);
    ds_free(g.hits[i]);
  }
  if (g.n == 0) {
    char **v = ds_realloc(*argv, (size_t)(*argc + 2) * sizeof *v);
    if (v) {
      *argv = v;
      v[(*argc)++] = ds_strdup(word);
      v[*argc] = NULL;
    }
  }
  ds_free(g.hits);
  ds_free(norm);
  ds_buf_release(&rel);
  ds_buf_release(&prefix);
}






/* Runs one command; false when the line is not ours after all (nothing shown then). */
static bool run_cmd(struct sh_run *r, struct sh_cmd *m) {
  const struct sh_builtin *b = sh_builtin_find(m->argv[0]);
  if (!b || !b->run || m->writes) return false;
  char **argv = NULL;
  int argc = 0;
  for (int i = 0; i < m->argc; i++) {
    if (m->glob[i] && i > 0 && r->c->snap) {
      expand_word(r, m->argv[i], &argv, &argc);
      continue;
    }
    char **v = ds_realloc(argv, (size_t)(argc + 2) * sizeof *v);
    if (!v) break;
    argv = v;
    argv[argc++] = ds_strdup(m->argv[i]);
    argv[argc] = NULL;
  }
  r->status = 0;
  b->run(r, argv, argc);
  ts_free_argv(argv, argc);
  return !r->not_mine;
}

enum ts_conn shell_ro_run(struct ts_ctx *c, const char *line, struct ds_buf *tty, int *status) {
  if (!c->snap) return TS_NOT_MINE;
  struct sh_line l;
  if (!parse(line, &l)) return TS_NOT_MINE;
  /* every command must be one this shell runs, before anything is shown */
  for (size_t i = 0; i < l.n; i++) {
    const char *name = l.cmds[i].argv[0];
    const struct sh_builtin *b = sh_builtin_find(name);
    bool cd = strcmp(name, "cd") == 0;
    if ((!cd && (!b || !b->run)) || l.cmds[i].writes ||
        (strcmp(name, "git") == 0 && !git_reads_only(l.cmds[i].argv, l.cmds[i].argc))) {
      line_free(&l);
      return TS_NOT_MINE;
    }
  }
  enum ts_conn res = TS_ANSWERED;
  char *cwd = ds_strdup(c->st && c->st->cwd ? c->st->cwd : "");
  struct ds_buf pipe_in, out, err;
  ds_buf_init(&pipe_in, 0);
  ds_buf_init(&out, 0);
  ds_buf_init(&err, 0);
  int last = 0;
  bool have_in = false;
  for (size_t i = 0; i < l.n; i++) {
    char op = l.ops[i];
    if (op == '&' && last != 0) continue;
    if (op == 'o' && last == 0) continue;
    struct sh_cmd *m = &l.cmds[i];
    bool piped_out = i + 1 < l.n && l.ops[i + 1] == '|';
    ds_buf_reset(&out);
    ds_buf_reset(&err);
    struct sh_run r = {.c = c, .cwd = cwd, .out = &out, .err = &err};
    struct ds_buf file_in;
    ds_buf_init(&file_in, 0);
    if (op == '|' && have_in) {
      r.in = pipe_in.data;
      r.in_len = pipe_in.len;
    }
    if (m->in_file) {
      if (sh_read_file(&r, "bash", m->in_file, &file_in) == DS_OK) {
        r.in = file_in.data;
        r.in_len = file_in.len;
      } else {
        ds_buf_release(&file_in);
        if (r.refused) {
          res = TS_REFUSED;
          ds_buf_reset(tty);
          ds_buf_adds(tty, err.data);
          break;
        }
        ds_buf_add(tty, err.data, err.len);
        last = 1;
        have_in = false;
        continue;
      }
    }
    if (strcmp(m->argv[0], "cd") == 0) {
      struct ds_buf rel;
      ds_buf_init(&rel, 0);
      const char *to = m->argc > 1 ? m->argv[1] : "";
      enum ts_node k = m->argc == 2 ? sh_node(&r, to, &rel) : TS_NODE_MISSING;
      if (r.refused) {
        res = TS_REFUSED;
      } else if (m->argc != 2) {
        res = TS_NOT_MINE;
      } else if (k != TS_NODE_DIR) {
        ds_buf_addf(tty, "bash: cd: %s: %s\n", to, k == TS_NODE_FILE ? "Not a directory" : "No such file or directory");
        last = 1;
      } else {
        ds_free(cwd);
        cwd = ds_strdup(rel.data);
        last = 0;
      }
      ds_buf_release(&rel);
      ds_buf_release(&file_in);
      if (res != TS_ANSWERED) {
        if (res == TS_REFUSED) {
          ds_buf_reset(tty);
          ds_buf_adds(tty, err.data);
        }
        break;
      }
      have_in = false;
      continue;
    }
    bool ok = run_cmd(&r, m);
    ds_buf_release(&file_in);
    if (!ok) {
      res = TS_NOT_MINE;
      break;
    }
    if (r.refused) {
      res = TS_REFUSED;
      ds_buf_reset(tty);
      ds_buf_adds(tty, err.data);
      break;
    }
    last = r.status;
    /* stderr: to the pipe or the terminal as redirected */
    if (!m->err_null) {
      if (m->err_to_out && piped_out) ds_buf_add(&out, err.data, err.len);
      else ds_buf_add(tty, err.data, err.len);
    }
    if (piped_out) {
      ds_buf_reset(&pipe_in);
      if (!m->out_null) ds_buf_add(&pipe_in, out.data, out.len);
      have_in = true;
    } else {
      if (!m->out_null) ds_buf_add(tty, out.data, out.len);
      have_in = false;
    }
  }
  if (res == TS_ANSWERED) *status = last;
  ds_free(cwd);
  ds_buf_release(&pipe_in);
  ds_buf_release(&out);
  ds_buf_release(&err);
  line_free(&l);
  return res;
}
