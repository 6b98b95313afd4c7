/* obfuscation.c: commands hidden from the reader: base64, hex, rot13 or reversed text decoded
 * into a shell or an interpreter, eval of strings built from pieces, $IFS for spaces, brace
 * lists as commands, quotes or hex escapes inside a command name, globs for a command's path,
 * command names made from variables or substitutions. When the text is known (echo X | base64
 * -d | sh) it is decoded and analyzed like any command line; when it is not, the command is
 * still flagged obfuscated rather than passed as clean. */
#include "grade/shell/shell_int.h"

static int b64v(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+' || ch == '-') return 62;
  if (ch == '/' || ch == '_') return 63;
  return -1;
}

/* decodes base64 text into out; false when it is not base64 or does not decode to text */
static bool b64_decode(const char *in, char *out, size_t n) {
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (const char *p = in; *p; p++) {
    if (*p == '=' || *p == '\n' || *p == ' ' || *p == '\r') continue;
    int v = b64v(*p);
    if (v < 0) return false;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      char ch = (char)((acc >> bits) & 0xff);
      if (o + 1 >= n) break;
      if ((unsigned char)ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') return false;
      out[o++] = ch;
    }
  }
  out[o] = 0;
  return o > 0;
}

static bool hex_decode(const char *in, char *out, size_t n) {
  size_t o = 0;
  for (const char *p = in; *p && o + 1 < n;) {
    if (*p == ' ' || *p == '\n' || *p == '\\' || *p == 'x' || *p == ',') {
      p++;
      continue;
    }
    if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1])) return false;
    char hx[3] = {p[0], p[1], 0};
    out[o++] = (char)strtol(hx, NULL, 16);
    p += 2;
  }
  out[o] = 0;
  return o > 0;
}

/* printf / echo -e escapes: \xHH, \NNN; true when any escape was seen */
static bool unescape(const char *in, char *out, size_t n) {
  size_t o = 0;
  bool any = false;
  for (const char *p = in; *p && o + 1 < n; p++) {
    if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2])) {
      char hx[3] = {p[2], isxdigit((unsigned char)p[3]) ? p[3] : 0, 0};
      out[o++] = (char)strtol(hx, NULL, 16);
      p += hx[1] ? 3 : 2;
      any = true;
    } else if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
      int v = 0, k = 1;
      for (; k <= 3 && p[k] >= '0' && p[k] <= '7'; k++) v = v * 8 + (p[k] - '0');
      out[o++] = (char)v;
      p += k - 1;
      any = true;
    } else if (p[0] == '\\' && p[1] == 'n') {
      out[o++] = '\n';
      p++;
    } else {
      out[o++] = *p;
    }
  }
  out[o] = 0;
  return any;
}

static void set_out(struct ctx *c, const char *s) {
  snprintf(c->out_text, sizeof c->out_text, "%s", s);
  c->out_known = true;
}

/* the literal text this command reads: the pipe, or a here-string */
static const char *input_of(struct ctx *c, const struct cmd *m) {
  for (size_t r = 0; r < m->nredir; r++)
    if (streq(m->redirs[r]->redir, "<<<") && !m->redirs[r]->w.dyn) return m->redirs[r]->w.s;
    else if (m->redirs[r]->heredoc) return m->redirs[r]->heredoc;
  if (c->pipe_in && c->in_known) return c->in_text;
  return NULL;
}

static bool has_flag(const struct cmd *m, const char *const *flags) {
  for (size_t k = 1; k < m->argc; k++) {
    if (sh_in(m->argv[k]->s, flags)) return true;
    const char *a = m->argv[k]->s;
    if (a[0] == '-' && a[1] != '-' && strchr(a, flags[0][1])) return true; /* -di */
  }
  return false;
}

/* decoders and literal producers: what flows down the pipe */
static void producers(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  const char *in = input_of(c, m);
  char buf[512];
  static const char *const dflags[] = {"-d", "--decode", "-D", NULL};
  if (streq(name, "echo") || streq(name, "printf")) {
    struct ds_buf b;
    ds_buf_init(&b, 4096);
    size_t k = 1;
    while (k < m->argc && streq(name, "echo") && m->argv[k]->s[0] == '-' && strlen(m->argv[k]->s) <= 3) k++;
    for (; k < m->argc; k++) {
      ds_buf_addf(&b, "%s%s", b.len ? " " : "", m->argv[k]->s);
      if (m->argv[k]->dyn && !m->argv[k]->subst_dl) c->dyn_out = true;
    }
    bool esc = unescape(b.data, buf, sizeof buf);
    set_out(c, esc ? buf : b.data);
    if (esc) c->decodes = true;
    ds_buf_release(&b);
    return;
  }
  if (streq(name, "cat") && m->argc == 1 && in) {
    set_out(c, in);
    return;
  }
  bool dec = false, known = false;
  if ((streq(name, "base64") || streq(name, "base32") || streq(name, "basenc") || streq(name, "b64")) &&
      has_flag(m, dflags)) {
    dec = true;
    known = in && streq(name, "base64") && b64_decode(in, buf, sizeof buf);
  } else if (streq(name, "openssl") && m->argc > 1) {
    bool d = false, b64 = false;
    for (size_t k = 1; k < m->argc; k++) {
      if (streq(m->argv[k]->s, "-d")) d = true;
      if (streq(m->argv[k]->s, "base64") || streq(m->argv[k]->s, "-base64") || streq(m->argv[k]->s, "-a")) b64 = true;
    }
    if (d) {
      dec = true;
      known = b64 && in && b64_decode(in, buf, sizeof buf);
    }
  } else if (streq(name, "xxd") && m->argc > 1) {
    for (size_t k = 1; k < m->argc; k++)
      if (streq(m->argv[k]->s, "-r") || strstr(m->argv[k]->s, "-r")) dec = true;
    known = dec && in && hex_decode(in, buf, sizeof buf);
  } else if (streq(name, "uudecode") || streq(name, "gunzip") || streq(name, "zcat") || streq(name, "bzcat") ||
             streq(name, "xzcat") || (streq(name, "gzip") && has_flag(m, dflags))) {
    dec = true; /* compressed code: nothing to see through */
  } else if (streq(name, "rev") && (c->pipe_in || in)) {
    dec = true;
    if (in) {
      size_t n = strlen(in);
      while (n && (in[n - 1] == '\n' || in[n - 1] == ' ')) n--;
      if (n >= sizeof buf) n = sizeof buf - 1;
      for (size_t i = 0; i < n; i++) buf[i] = in[n - 1 - i];
      buf[n] = 0;
      known = true;
    }
  } else if (streq(name, "tr") && m->argc >= 3 && (strstr(m->argv[2]->s, "N-ZA-M") || strstr(m->argv[2]->s, "n-za-m"))) {
    dec = true;
    if (in) {
      size_t n = 0;
      for (; in[n] && n + 1 < sizeof buf; n++) {
        char ch = in[n];
        if (isalpha((unsigned char)ch)) {
          char base = isupper((unsigned char)ch) ? 'A' : 'a';
          ch = (char)(base + (ch - base + 13) % 26);
        }
        buf[n] = ch;
      }
      buf[n] = 0;
      known = true;
    }
  }
  if (!dec) return;
  c->decodes = true;
  if (known) set_out(c, buf);
}

/* a word that hides its command: $IFS, brace lists, quotes in the name, globs, substitutions */
static void disguised(struct ctx *c, struct cmd *m) {
  const struct word *w0 = m->argv[0];
  const char *a0 = w0->s;
  for (size_t k = 0; k < m->argc; k++)
    if (strstr(m->argv[k]->s, "$IFS") || strstr(m->argv[k]->s, "${IFS")) {
      sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.ifs", "$IFS stands in for spaces");
      /* see through: the line with $IFS read as a space */
      struct ds_buf b;
      ds_buf_init(&b, 65536);
      for (size_t q = 0; q < m->argc; q++) {
        const char *s = m->argv[q]->s;
        if (q) ds_buf_addc(&b, ' ');
        while (*s) {
          if (strncmp(s, "${IFS}", 6) == 0) ds_buf_addc(&b, ' '), s += 6;
          else if (strncmp(s, "$IFS", 4) == 0) ds_buf_addc(&b, ' '), s += 4;
          else ds_buf_addc(&b, *s++);
        }
      }
      if (c->depth < SH_MAX_DEPTH) sh_analyze_string(c, m, b.data);
      ds_buf_release(&b);
      return;
    }
  if (a0[0] == '{' && strchr(a0, ',') && a0[strlen(a0) - 1] == '}') {
    sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.brace_command", "a brace list spells the command %s", a0);
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s", (int)strlen(a0) - 2, a0 + 1);
    for (char *p = buf; *p; p++)
      if (*p == ',') *p = ' ';
    if (c->depth < SH_MAX_DEPTH) sh_analyze_string(c, m, buf);
    return;
  }
  if (w0->midquote) {
    sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.quoted_name", "quotes or escapes inside the command name '%s'", a0);
    return;
  }
  if (!w0->quoted && (strchr(a0, '?') || (strchr(a0, '[') && strchr(a0, ']') && a0[0] != '[')) && strchr(a0, '/')) {
    sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.glob_name", "a glob '%s' stands for the command", a0);
    return;
  }
  if ((strncmp(a0, "$(", 2) == 0 || a0[0] == '`') && !c->in_eval) { /* eval judges its own argument */
    static const char *const fine[] = {"which ", "command -v", "--prefix", "dirname", "rev-parse", "pwd", "npm bin",
                                       "go env", "python", "find ", "ls ", "brew ", "xcrun", NULL};
    bool ok = false;
    for (size_t k = 0; fine[k]; k++) ok |= strstr(a0, fine[k]) != NULL;
    if (w0->subst_dec || (!ok && !w0->subst_dl)) { /* $(curl ...) as a command: download.c */
      sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.substituted_name", "the command name comes from running %s", a0);
      return;
    }
  }
  if (a0[0] == '$' && c->n_vars) {
    const char *v = a0 + 1;
    if (*v == '{') v++;
    size_t n = 0;
    while (isalnum((unsigned char)v[n]) || v[n] == '_') n++;
    bool built = strchr(v + n, '$') != NULL;
    for (unsigned i = 0; i < c->n_vars && !built; i++)
      if (strlen(c->vars[i].name) == n && strncmp(c->vars[i].name, v, n) == 0 && c->vars[i].built) built = true;
    if (built) sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.built_name", "the command name is built from variables");
  }
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  disguised(c, m);
  producers(c, m);
  if (streq(name, "eval")) {
    unsigned parts = 0;
    for (size_t k = 1; k < m->argc; k++) {
      if (m->argv[k]->subst_dec) {
        sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.eval_decoded", "eval of decoded text");
        return;
      }
      for (const char *p = strchr(m->argv[k]->s, '$'); p; p = strchr(p + 1, '$')) parts++;
    }
    if (parts >= 2) sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.eval_built", "eval of a command built from pieces");
    return;
  }
  bool shell = sh_is_shell(name);
  enum sh_lang lang = sh_lang_of(name);
  if (!shell && lang == LANG_NONE) return;
  /* code handed over as a decoded substitution: bash -c "$(echo .. | base64 -d)", sh <(...) */
  for (size_t k = 1; k < m->argc; k++)
    if (m->argv[k]->subst_dec) {
      sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.decoded_substitution", "%s runs decoded text", name);
      return;
    }
  for (size_t r = 0; r < m->nredir; r++)
    if (m->redirs[r]->w.subst_dec) {
      sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.decoded_substitution", "%s runs decoded text", name);
      return;
    }
  /* code on stdin: decoded (obfuscated), and read when known */
  bool script = false;
  for (size_t k = 1; k < m->argc; k++) {
    const char *a = m->argv[k]->s;
    if (a[0] != '-' || (a[1] != '-' && strchr(a, 'c')) || streq(a, "-e") || streq(a, "-r")) {
      script = !streq(a, "-") && !streq(a, "-s") && !streq(a, "-i");
      break;
    }
  }
  /* bash -c "$CMD": the script is a variable the analyzer cannot see into */
  for (size_t k = 1; shell && k + 1 < m->argc; k++)
    if (m->argv[k]->s[0] == '-' && strchr(m->argv[k]->s, 'c') && m->argv[k + 1]->dyn && m->argv[k + 1]->s[0] == '$' &&
        !m->argv[k + 1]->subst_dl && !m->argv[k + 1]->subst_dec) {
      sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.variable_script", "%s runs a command held in %s", name,
                m->argv[k + 1]->s);
      return;
    }
  if (script || !c->pipe_in) {
    if (shell && !script)
      for (size_t r = 0; r < m->nredir; r++)
        if (streq(m->redirs[r]->redir, "<<<") && !m->redirs[r]->w.dyn && c->depth < SH_MAX_DEPTH)
          sh_analyze_string(c, m, m->redirs[r]->w.s);
    return;
  }
  if (c->dec_pipe)
    sh_report(c, m, DS_SHELL_OBFUSCATED, c->in_known ? "obfuscation.decoded_pipe" : "obfuscation.opaque_pipe",
              c->in_known ? "decoded text piped into %s" : "%s runs text the analyzer cannot decode", name);
  else if (shell && c->dyn_pipe)
    sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.variable_pipe", "%s runs text held in a variable", name);
  if (c->in_known && shell && c->depth < SH_MAX_DEPTH) {
    char text[512];
    snprintf(text, sizeof text, "%s", c->in_text);
    sh_analyze_string(c, m, text);
  }
}

const struct sh_class sh_class_obfuscation = {"obfuscation", judge};
