/* shell.c: the shell analyzer's entry and line walker. It splits a tokenized command line into
 * simple commands and pipelines, takes wrappers off (sudo, env, nice, timeout, xargs, find
 * -exec, eval, watch, ssh, ...), keeps what the line sets up for later commands (variables,
 * cd, downloads, decoders and network clients earlier in a pipeline) and hands each command
 * to every class of abuse in the table below. One class = one file + one row. */
#include "grade/shell/shell_int.h"

/* Order matters only for the two generic classes at the end: they skip commands that an
 * earlier class judged fully (cmd.claimed). */
static const struct sh_class *const classes[] = {
    &sh_class_destructive, &sh_class_git,         &sh_class_privilege,  &sh_class_escapes,
    &sh_class_reverse_shell, &sh_class_download,  &sh_class_upload,     &sh_class_persistence,
    &sh_class_code,        &sh_class_obfuscation, &sh_class_checks,     &sh_class_workspace,
    &sh_class_secrets,
};

static const char *const flag_names[DS_SHELL_N_FLAGS] = {
    "destructive_delete", "privilege_escalation", "loosen_permissions", "pipe_to_shell",
    "history_rewrite",    "disable_checks",       "write_outside_workspace", "read_secrets",
    "outbound_transfer",  "persistence",          "tamper_tests",       "reverse_shell",
    "bind_shell",         "risky_download",       "expose_service",     "shell_escape",
    "obfuscated"};

const char *ds_shell_flag_name(unsigned flag) {
  for (unsigned i = 0; i < DS_SHELL_N_FLAGS; i++)
    if (flag == (1u << i)) return flag_names[i];
  return NULL;
}

unsigned ds_shell_flag_parse(const char *name) {
  for (unsigned i = 0; i < DS_SHELL_N_FLAGS; i++)
    if (strcmp(name, flag_names[i]) == 0) return 1u << i;
  return 0;
}

void sh_report(struct ctx *c, const struct cmd *m, unsigned flag, const char *rule, const char *fmt, ...) {
  struct ds_shell_report *r = c->out;
  if (r->flags & flag) return; /* one finding per flag is enough evidence; later ones only add noise */
  r->flags |= flag;
  if (r->n_findings >= DS_SHELL_MAX_FINDINGS) return;
  struct ds_shell_finding *f = &r->findings[r->n_findings++];
  memset(f, 0, sizeof *f);
  f->flag = flag;
  snprintf(f->rule, sizeof f->rule, "%s", rule);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->reason, sizeof f->reason, fmt, ap);
  va_end(ap);
  size_t o = 0;
  for (size_t i = 0; m && i < m->argc && o + 1 < sizeof f->command; i++) {
    int n = snprintf(f->command + o, sizeof f->command - o, "%s%s", i ? " " : "", m->argv[i]->s);
    if (n < 0) break;
    o += (size_t)n;
  }
  if (o >= sizeof f->command) f->command[sizeof f->command - 1] = 0;
  if (c->fixed) {
    f->span_start = c->fix_start;
    f->span_end = c->fix_end;
  } else if (m) {
    f->span_start = m->start;
    f->span_end = m->end;
  }
}

/* ------------------------------------------------------------------ nested lines */

bool sh_analyze_line(struct ctx *parent, const char *s, size_t len, bool *out_dl);

void sh_analyze_string(struct ctx *c, const struct cmd *from, const char *s) {
  bool fixed = c->fixed;
  unsigned a = c->fix_start, b = c->fix_end;
  if (!c->fixed && from) {
    c->fixed = true;
    c->fix_start = from->start;
    c->fix_end = from->end;
  }
  bool dl = false;
  sh_analyze_line(c, s, strlen(s), &dl);
  if (dl) c->downloads = true;
  c->fixed = fixed;
  c->fix_start = a;
  c->fix_end = b;
}

static void judge_all(struct ctx *c, struct cmd *m) {
  for (size_t i = 0; i < DS_ARRAY_LEN(classes); i++) classes[i]->judge(c, m);
}

static void span_of(struct cmd *m) {
  m->start = UINT32_MAX;
  m->end = 0;
  for (size_t i = 0; i < m->argc; i++) {
    if (m->argv[i]->start < m->start) m->start = m->argv[i]->start;
    if (m->argv[i]->end > m->end) m->end = m->argv[i]->end;
  }
  for (size_t i = 0; i < m->nredir; i++) {
    if (m->redirs[i]->start < m->start) m->start = m->redirs[i]->start;
    if (m->redirs[i]->w.end > m->end) m->end = m->redirs[i]->w.end;
  }
  if (m->start == UINT32_MAX) m->start = 0;
}

/* argv as one line, for wrappers whose arguments are a command (watch, ssh host CMD) */
static void analyze_joined(struct ctx *c, struct cmd *m, size_t from) {
  struct ds_buf b;
  ds_buf_init(&b, SH_MAX_INPUT);
  for (size_t k = from; k < m->argc; k++) ds_buf_addf(&b, "%s%s", b.len ? " " : "", m->argv[k]->s);
  if (b.len) sh_analyze_string(c, m, b.data);
  ds_buf_release(&b);
}

/* wrappers that run the rest of their arguments as a command: name, options taking a value,
 * positional arguments before the command */
struct wrapper {
  const char *name;
  const char *const *opts;
  unsigned positional;
};

static const char *const w_generic[] = {"-n", "-c", "-s", "-k", "--signal", "--kill-after", "-i", "-o", "-e", "-p",
                                        "-w", "-E", "-l", "-u", "-g", "-C", "-a", "-b", "-L", "-t", NULL};
static const struct wrapper wrappers[] = {
    {"nice", w_generic, 0},      {"ionice", w_generic, 0},    {"timeout", w_generic, 1},  {"stdbuf", w_generic, 0},
    {"flock", w_generic, 1},     {"xvfb-run", w_generic, 0},  {"strace", w_generic, 0},   {"ltrace", w_generic, 0},
    {"torsocks", w_generic, 0},  {"proxychains", w_generic, 0}, {"proxychains4", w_generic, 0},
    {"taskset", w_generic, 1},   {"setarch", w_generic, 1},   {"unshare", w_generic, 0},  {"chrt", w_generic, 1},
    {"numactl", w_generic, 0},   {"prlimit", w_generic, 0},   {"cpulimit", w_generic, 0}, {"rlwrap", w_generic, 0},
    {"valgrind", w_generic, 0},  {"multitime", w_generic, 0}, {"pexec", w_generic, 0},    {"logsave", w_generic, 1},
    {"firejail", w_generic, 0},  {"aa-exec", w_generic, 0},   {"chpst", w_generic, 0},    {"catchsegv", w_generic, 0},
    {"busybox", w_generic, 0},   {"toybox", w_generic, 0},    {"fakeroot", w_generic, 0}, {"ssh-agent", w_generic, 0},
    {"dbus-launch", w_generic, 0}, {"script", w_generic, 0},
};

static const struct wrapper *wrapper_of(const char *name) {
  for (size_t i = 0; i < DS_ARRAY_LEN(wrappers); i++)
    if (streq(name, wrappers[i].name)) return &wrappers[i];
  return NULL;
}

/* a program run through another: marks the interactive shells it may start */
static void via(struct ctx *c, struct cmd *m, const char *by) {
  static const char *const plain[] = {"sudo", "doas", "pkexec", "run0", "gosu", "su", "runuser", "exec", "command",
                                      "builtin", NULL};
  if (sh_in(by, plain) || c->pipe_in) return; /* sudo bash is privilege_escalation; curl | sudo bash pipe_to_shell */
  for (size_t r = 0; r < m->nredir; r++)
    if (streq(m->redirs[r]->redir, "<") || streq(m->redirs[r]->redir, "<<") || streq(m->redirs[r]->redir, "<<<")) return;
  if (sh_interactive_shell(m->argv, m->argc) && !sh_is_shell(by))
    sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.shell_through_program", "an interactive shell started through %s",
              by);
}

static void analyze_cmd(struct ctx *c, struct cmd *m);

void sh_analyze_argv(struct ctx *c, struct word **argv, size_t argc, struct tok **redirs, size_t nredir) {
  struct cmd m = {argv, argc, redirs, nredir, "", false, false, 0, 0, NULL, 0};
  span_of(&m);
  analyze_cmd(c, &m);
}

static void analyze_cmd(struct ctx *c, struct cmd *m) {
  const char *by = NULL; /* the wrapper the command runs through */
  while (m->argc > 0) {
    const char *name = sh_base(m->argv[0]->s);
    if (name[0] == '\\') name++;
    /* shell keywords that start a compound command: look at what follows */
    static const char *const kw[] = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "exec",
                                     "command", "builtin", "nohup", "caffeinate", "setsid", "unbuffer", "chronic", NULL};
    if (sh_in(name, kw)) {
      if (streq(name, "exec") && m->argc == 1) break; /* exec N<>/dev/tcp/...: redirections only */
      if (!streq(name, "if") && !streq(name, "then") && !streq(name, "else") && !streq(name, "do") &&
          !streq(name, "{") && !streq(name, "!") && !streq(name, "while") && !streq(name, "until") &&
          !streq(name, "elif") && !streq(name, "command") && !streq(name, "builtin"))
        by = name;
      m->argv++, m->argc--;
      if (m->argc && streq(name, "command") && streq(m->argv[0]->s, "-v")) return;
      continue;
    }
    static const char *const sudo[] = {"sudo", "doas", "pkexec", "run0", "gosu", "su", "runuser", "sg", "newgrp", NULL};
    if (sh_in(name, sudo)) {
      sh_report(c, m, DS_SHELL_PRIVILEGE_ESCALATION, "privilege.sudo", "%s runs a command with elevated privileges",
                name);
      m->privileged = true;
      if (streq(name, "su") || streq(name, "runuser") || streq(name, "sg")) {
        for (size_t k = 1; k + 1 < m->argc; k++)
          if (streq(m->argv[k]->s, "-c") || streq(m->argv[k]->s, "--command")) sh_analyze_string(c, m, m->argv[k + 1]->s);
        return;
      }
      static const char *const sudo_arg[] = {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user",
                                             "--group", "--host", "--prompt", "--chdir", NULL};
      size_t k = sh_skip_opts(m->argv, m->argc, 1, sudo_arg);
      if (streq(name, "gosu") && k < m->argc) k++;
      /* sudo VAR=value cmd: the environment reaches the privileged program */
      while (k < m->argc && strchr(m->argv[k]->s, '=') && (isalpha((unsigned char)m->argv[k]->s[0]) || m->argv[k]->s[0] == '_')) {
        sh_env_assign(c, m, m->argv[k]);
        k++;
      }
      m->argv += k, m->argc -= k;
      if (m->argc) by = name;
      continue;
    }
    if (streq(name, "env")) {
      size_t k = 1;
      static const char *const env_arg[] = {"-u", "--unset", "-C", "--chdir", NULL};
      while (k < m->argc) {
        const char *a = m->argv[k]->s;
        if (streq(a, "-S") || streq(a, "--split-string")) {
          if (k + 1 < m->argc) sh_analyze_string(c, m, m->argv[k + 1]->s);
          return;
        }
        if (a[0] == '-') { k += sh_opt_takes(a, env_arg) ? 2 : 1; continue; }
        if (strchr(a, '=') && (isalpha((unsigned char)a[0]) || a[0] == '_')) { sh_env_assign(c, m, m->argv[k]); k++; continue; }
        break;
      }
      if (k >= m->argc) { c->dumps_env = true; return; }
      m->argv += k, m->argc -= k;
      by = "env";
      continue;
    }
    const struct wrapper *w = wrapper_of(name);
    if (w) {
      if (streq(name, "script")) { /* script -c CMD, or an interactive shell */
        for (size_t k = 1; k + 1 < m->argc; k++)
          if (streq(m->argv[k]->s, "-c") || streq(m->argv[k]->s, "--command")) {
            sh_analyze_string(c, m, m->argv[k + 1]->s);
            return;
          }
        if (!m->privileged) return;
        sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.script_shell", "script starts a shell with elevated privileges");
        return;
      }
      if (streq(name, "busybox") || streq(name, "toybox")) { /* busybox APPLET args */
        if (m->argc < 2) return;
        m->argv++, m->argc--;
        continue;
      }
      if (streq(name, "cpulimit")) { /* cpulimit -l N -f CMD */
        size_t k = 1;
        while (k < m->argc && !streq(m->argv[k]->s, "-f") && !streq(m->argv[k]->s, "--")) k++;
        if (k >= m->argc) return;
        m->argv += k + 1, m->argc -= k + 1;
        by = name;
        continue;
      }
      size_t k = sh_skip_opts(m->argv, m->argc, 1, w->opts);
      k += w->positional;
      if (k >= m->argc) return;
      m->argv += k, m->argc -= k;
      by = name;
      continue;
    }
    if (streq(name, "watch")) {
      static const char *const w_arg[] = {"-n", "--interval", "-d", NULL};
      size_t k = sh_skip_opts(m->argv, m->argc, 1, w_arg);
      analyze_joined(c, m, k);
      return;
    }
    if (streq(name, "eval")) {
      m->name = name;
      judge_all(c, m);
      bool saved = c->in_eval;
      c->in_eval = true;
      analyze_joined(c, m, 1);
      c->in_eval = saved;
      return;
    }
    if (streq(name, "xargs")) {
      static const char *const x_arg[] = {"-n", "-I", "-P", "-L", "-d", "-a", "-E", "-s", "--max-args",
                                          "--max-procs", "--delimiter", "--arg-file", NULL};
      size_t k = sh_skip_opts(m->argv, m->argc, 1, x_arg);
      if (k >= m->argc) return;
      bool saved = c->pipe_in;
      c->pipe_in = false; /* the command gets arguments, not the pipe */
      if (sh_is_shell(sh_base(m->argv[k]->s)) && c->dl_pipe && saved)
        sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.xargs_shell", "downloaded lines run through xargs %s",
                  m->argv[k]->s);
      struct cmd in = *m;
      in.argv += k, in.argc -= k;
      via(c, &in, "xargs");
      analyze_cmd(c, &in);
      c->pipe_in = saved;
      return;
    }
    if (streq(name, "find")) {
      size_t k = 1;
      const char *roots[8];
      size_t nroots = 0;
      while (k < m->argc && m->argv[k]->s[0] != '-' && m->argv[k]->s[0] != '(' && m->argv[k]->s[0] != '!') {
        if (nroots < 8) roots[nroots++] = m->argv[k]->s;
        k++;
      }
      if (!nroots) roots[nroots++] = ".";
      bool filtered = false;
      static const char *const filters[] = {"-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-newer",
                                            "-mtime", "-mmin", "-size", "-empty", "-user", "-perm", "-atime", "-ctime",
                                            "-wholename", NULL};
      for (size_t q = k; q < m->argc; q++)
        if (sh_in(m->argv[q]->s, filters)) filtered = true;
      for (size_t q = k; q < m->argc; q++) {
        const char *a = m->argv[q]->s;
        if (streq(a, "-delete")) {
          for (size_t r = 0; r < nroots; r++) {
            char p[512];
            snprintf(p, sizeof p, filtered ? "%s/x" : "%s", roots[r]);
            sh_note_delete(c, m, p, true, "find -delete");
          }
        }
        if (streq(a, "-exec") || streq(a, "-execdir") || streq(a, "-ok") || streq(a, "-okdir")) {
          size_t e = q + 1;
          while (e < m->argc && !streq(m->argv[e]->s, ";") && !streq(m->argv[e]->s, "+")) e++;
          if (e > q + 1) {
            /* substitute {} with what find yields: the root itself when nothing filters */
            struct word *sub[64];
            struct word repl = {0};
            char p[512];
            snprintf(p, sizeof p, filtered ? "%s/x" : "%s", roots[0]);
            repl.s = p;
            repl.start = m->start;
            repl.end = m->end;
            size_t n = 0;
            for (size_t x = q + 1; x < e && n < 64; x++) sub[n++] = strstr(m->argv[x]->s, "{}") ? &repl : m->argv[x];
            struct cmd in = {sub, n, NULL, 0, "", m->privileged, false, m->start, m->end, NULL, 0};
            via(c, &in, "find -exec");
            analyze_cmd(c, &in);
          }
          q = e;
        }
        if ((streq(a, "-fprint") || streq(a, "-fprintf") || streq(a, "-fls")) && q + 1 < m->argc)
          sh_note_write(c, m, m->argv[q + 1]->s, "find");
      }
      return;
    }
    break;
  }
  if (m->argc == 0) {
    sh_redirections(c, m);
    return;
  }
  m->name = sh_base(m->argv[0]->s);
  if (m->name[0] == '\\') m->name++;
  if (by) via(c, m, by);
  const char *saved_via = c->via;
  if (by) c->via = by;
  /* a command name held in a variable set earlier in this line: a=/bin/sh; $a */
  if (m->argv[0]->s[0] == '$' && c->n_vars && c->depth < SH_MAX_DEPTH) {
    char buf[512];
    const char *x = sh_expand(c, m->argv[0]->s, buf, sizeof buf);
    if (x != m->argv[0]->s && !strchr(x, '$')) {
      struct ds_buf b;
      ds_buf_init(&b, SH_MAX_INPUT);
      ds_buf_adds(&b, x);
      for (size_t k = 1; k < m->argc; k++) ds_buf_addf(&b, " '%s'", m->argv[k]->s);
      sh_analyze_string(c, m, b.data);
      ds_buf_release(&b);
    }
  }
  if (streq(m->name, "cd") || streq(m->name, "pushd")) {
    const char *d = m->argc > 1 ? m->argv[m->argc - 1]->s : "~";
    if (m->argc > 1 && streq(d, "-")) {
      c->cwd[0] = 0;
    } else {
      struct pinfo pi;
      sh_classify(c, d, &pi);
      if (!((pi.cls == PC_WS || pi.cls == PC_WS_ROOT) && !c->cwd[0])) {
        const char *nd = pi.cls == PC_HOME_ROOT ? "~" : pi.norm[0] ? pi.norm : d;
        size_t nl = strlen(nd);
        if (nl >= sizeof c->cwd) nl = sizeof c->cwd - 1;
        memcpy(c->cwd, nd, nl);
        c->cwd[nl] = 0;
        if (streq(c->cwd, "~/")) snprintf(c->cwd, sizeof c->cwd, "~");
      }
    }
  }
  sh_redirections(c, m);
  judge_all(c, m);
  c->via = saved_via;
}

/* ------------------------------------------------------------------ lines */

struct simple {
  struct word *argv[256];
  size_t argc;
  struct tok *redirs[32];
  size_t nredir;
};

static bool is_assignment(const struct word *w) {
  const char *s = w->s;
  if (!(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
  size_t n = 0;
  while (isalnum((unsigned char)s[n]) || s[n] == '_') n++;
  return s[n] == '=' || (s[n] == '+' && s[n + 1] == '=');
}

/* NAME=value on its own: remembered for later commands of the line ($NAME as a path or a
 * command name); "$a$b" values are marked built */
static void remember_var(struct ctx *c, const struct word *w) {
  const char *eq = strchr(w->s, '=');
  size_t n = (size_t)(eq - w->s);
  if (n >= sizeof c->vars[0].name) return;
  char val[256];
  size_t o = 0;
  unsigned parts = 0;
  bool plus = n > 0 && w->s[n - 1] == '+';
  const char *v = eq + 1;
  if (strncmp(v, "$(mktemp", 8) == 0 || strncmp(v, "`mktemp", 7) == 0) {
    snprintf(val, sizeof val, "/tmp/tmp.XXXXXX%s", strstr(v, ").") ? strstr(v, ").") + 1 : "");
    o = strlen(val);
    parts = 1;
  } else {
    while (*v && o + 1 < sizeof val) {
      if (*v == '$') {
        const char *q = v + 1;
        bool br = *q == '{';
        if (br) q++;
        size_t k = 0;
        while (isalnum((unsigned char)q[k]) || q[k] == '_') k++;
        const char *known = k ? sh_var_get(c, q, k) : NULL;
        if (known) {
          o += (size_t)snprintf(val + o, sizeof val - o, "%s", known);
          v = q + k + (br && q[k] == '}' ? 1 : 0);
          parts++;
          continue;
        }
      }
      val[o++] = *v++;
    }
    val[o] = 0;
  }
  if (plus) n--;
  const char *prev = plus ? sh_var_get(c, w->s, n) : NULL;
  struct sh_var *var = NULL;
  for (unsigned i = 0; i < c->n_vars; i++)
    if (strlen(c->vars[i].name) == n && strncmp(c->vars[i].name, w->s, n) == 0) var = &c->vars[i];
  if (!var) {
    if (c->n_vars == SH_MAX_VARS) return;
    var = &c->vars[c->n_vars++];
    memset(var, 0, sizeof *var);
    memcpy(var->name, w->s, n);
  }
  char joined[256];
  snprintf(joined, sizeof joined, "%s%s", prev ? prev : "", val);
  snprintf(var->value, sizeof var->value, "%s", joined);
  var->built = parts >= 2 || (parts >= 1 && o > 0 && strchr(eq + 1, '$') != eq + 1) || prev;
}

static void run_simple(struct ctx *c, struct simple *sc) {
  c->downloads = c->decodes = c->dumps_env = c->netcmd = c->netlisten = c->ishell = c->dyn_out = false;
  c->out_known = false;
  struct cmd m = {sc->argv, sc->argc, sc->redirs, sc->nredir, "", false, false, 0, 0, NULL, 0};
  span_of(&m);
  if (sc->argc == 0) {
    sh_redirections(c, &m);
    return;
  }
  size_t k = 0;
  /* NAME=value words (the value may be quoted: PAGER='sh -c ...' git -p help) */
  while (k < sc->argc && is_assignment(sc->argv[k])) k++;
  m.assigns = sc->argv;
  m.n_assigns = k;
  for (size_t i = 0; i < k; i++) {
    if (k == sc->argc) remember_var(c, sc->argv[i]);
    sh_env_assign(c, &m, sc->argv[i]);
  }
  if (k == sc->argc) {
    sh_redirections(c, &m);
    return;
  }
  m.argv = sc->argv + k;
  m.argc = sc->argc - k;
  analyze_cmd(c, &m);
}

bool sh_analyze_line(struct ctx *parent, const char *s, size_t len, bool *out_dl) {
  struct ctx *c = ds_calloc(1, sizeof *c);
  if (!c) return false;
  c->p = parent->p;
  c->out = parent->out;
  c->st = parent->st;
  c->depth = parent->depth + 1;
  c->off = parent->off;
  c->fixed = parent->fixed;
  c->fix_start = parent->fix_start;
  c->fix_end = parent->fix_end;
  c->in_eval = parent->in_eval;
  if (c->depth > SH_MAX_DEPTH) {
    c->out->incomplete = true;
    ds_free(c);
    return true;
  }
  /* the inner line shares the directory, variables and downloaded files of the outer one */
  memcpy(c->cwd, parent->cwd, sizeof c->cwd);
  memcpy(c->dl_files, parent->dl_files, sizeof c->dl_files);
  c->n_dl = parent->n_dl;
  memcpy(c->vars, parent->vars, sizeof c->vars);
  c->n_vars = parent->n_vars;
  struct toks t = {0};
  bool ok = sh_lex(c, s, len, &t);
  struct simple *sc = ds_calloc(1, sizeof *sc);
  if (!sc) ok = false;
  int pdepth = 0;
  bool pipe_in = false;
  for (size_t i = 0; ok && i <= t.n; i++) {
    struct tok *k = i < t.n ? &t.v[i] : NULL;
    if (k && k->kind == T_WORD) {
      if (sc->argc < DS_ARRAY_LEN(sc->argv)) sc->argv[sc->argc++] = &k->w;
      continue;
    }
    if (k && k->kind == T_REDIR) {
      if (sc->nredir < DS_ARRAY_LEN(sc->redirs)) sc->redirs[sc->nredir++] = k;
      continue;
    }
    /* an operator or the end: run the simple command collected so far */
    c->pipe_in = pipe_in;
    if (sc->argc || sc->nredir) run_simple(c, sc);
    if (c->downloads) c->any_download = true;
    if (c->decodes) c->any_decode = true;
    int op = k ? k->op : OP_NL;
    c->in_known = false;
    if (op == OP_PIPE) {
      c->in_known = c->out_known;
      memcpy(c->in_text, c->out_text, sizeof c->in_text);
      c->dl_pipe |= c->downloads;
      c->env_pipe |= c->dumps_env;
      c->dec_pipe |= c->decodes;
      c->net_pipe |= c->netcmd;
      c->net_listen |= c->netlisten;
      c->shell_pipe |= c->ishell;
      c->dyn_pipe |= c->dyn_out;
      pipe_in = true;
    } else if (op == OP_LPAREN) {
      pdepth++;
    } else if (op == OP_RPAREN) {
      if (pdepth > 0) pdepth--;
      /* "(curl ...) | sh": the group's download feeds the pipe that follows */
      c->dl_pipe |= c->any_download;
    } else if (pdepth == 0) {
      c->dl_pipe = c->env_pipe = c->dec_pipe = c->net_pipe = c->net_listen = c->shell_pipe = c->dyn_pipe = false;
      pipe_in = false;
    } else {
      pipe_in = false;
    }
    sc->argc = sc->nredir = 0;
  }
  if (out_dl) *out_dl = c->any_download;
  if (c->any_decode) parent->any_decode = true;
  /* downloads recorded inside carry to later commands of the outer line (curl -o x; sh x) */
  memcpy(parent->dl_files, c->dl_files, sizeof c->dl_files);
  parent->n_dl = c->n_dl;
  if (c->cwd[0] && parent->depth == 0) memcpy(parent->cwd, c->cwd, sizeof c->cwd);
  if (parent->depth == 0) { /* variables of the top line carry to the next line */
    memcpy(parent->vars, c->vars, sizeof c->vars);
    parent->n_vars = c->n_vars;
  }
  ds_free(sc);
  sh_toks_free(&t);
  ds_free(c);
  return ok;
}

/* internal: analysis with a trajectory's state (toolcall.c) */
enum ds_status sh_analyze_with(const char *cmd, size_t len, const struct ds_shell_params *p, struct sh_state *st,
                               struct ds_shell_report *out, struct ds_err *err);

enum ds_status sh_analyze_with(const char *cmd, size_t len, const struct ds_shell_params *p, struct sh_state *st,
                               struct ds_shell_report *out, struct ds_err *err) {
  if (len > SH_MAX_INPUT) return ds_fail(err, DS_E_LIMIT, "command line of %zu bytes exceeds 1 MiB", len);
  static const struct ds_shell_params none = {0};
  struct ctx *root = ds_calloc(1, sizeof *root);
  if (!root) return ds_fail(err, DS_E_NOMEM, "out of memory analyzing a command");
  root->p = p ? p : &none;
  root->out = out;
  root->st = st;
  bool ok = sh_analyze_line(root, cmd, len, NULL);
  ds_free(root);
  if (!ok) return ds_fail(err, DS_E_NOMEM, "out of memory analyzing a command");
  return DS_OK;
}

enum ds_status ds_shell_analyze(const char *cmd, size_t len, const struct ds_shell_params *p,
                                struct ds_shell_report *out, struct ds_err *err) {
  memset(out, 0, sizeof *out);
  if (len > SH_MAX_INPUT) return ds_fail(err, DS_E_LIMIT, "command line of %zu bytes exceeds 1 MiB", len);
  struct sh_state st;
  memset(&st, 0, sizeof st);
  enum ds_status s = sh_analyze_with(cmd, len, p, &st, out, err);
  for (unsigned i = 0; i < st.n_files; i++) ds_free(st.files[i].text);
  return s;
}
