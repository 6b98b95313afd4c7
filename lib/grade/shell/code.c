/* code.c: program text given to interpreters, inline (python -c, perl -e, ruby -e, php -r,
 * node -e, lua -e, awk programs), on stdin or in a heredoc, or written to a file earlier and
 * run later (echo '...' > x.py; python3 x.py, also across a trajectory's tool calls). The
 * text is read for what it does: a socket wired to a shell (reverse or bind shell), a shell
 * spawned, commands run through system()/subprocess/exec (analyzed as shell lines), code
 * downloaded or decoded then run, files written and read, setuid(0). */
#include "grade/shell/shell_int.h"

enum sh_lang sh_lang_of(const char *b) {
  if (sh_is_shell(b)) return LANG_SH;
  if (strncmp(b, "python", 6) == 0 || strncmp(b, "pypy", 4) == 0) return LANG_PYTHON;
  if (strncmp(b, "perl", 4) == 0) return LANG_PERL;
  if (strncmp(b, "ruby", 4) == 0 || streq(b, "irb")) return LANG_RUBY;
  if (strncmp(b, "php", 3) == 0) return LANG_PHP;
  if (strncmp(b, "lua", 3) == 0) return LANG_LUA;
  if (streq(b, "node") || streq(b, "nodejs") || streq(b, "deno") || streq(b, "bun")) return LANG_NODE;
  if (strstr(b, "awk")) return LANG_AWK;
  if (streq(b, "tclsh") || streq(b, "wish") || streq(b, "expect")) return LANG_TCL;
  return LANG_NONE;
}

enum sh_lang sh_lang_of_file(const char *path, const char *text) {
  if (text && strncmp(text, "#!", 2) == 0) {
    const char *nl = strchr(text, '\n');
    char first[128];
    snprintf(first, sizeof first, "%.*s", (int)(nl ? (size_t)(nl - text) : strlen(text)), text + 2);
    char *sp = strchr(first, ' ');
    const char *b = sh_base(first);
    if (streq(b, "env") || (sp && strstr(first, "/env "))) b = sp ? sp + 1 : b;
    else if (sp) *sp = 0, b = sh_base(first);
    enum sh_lang l = sh_lang_of(b);
    if (l != LANG_NONE) return l;
  }
  const char *dot = strrchr(path, '.');
  if (!dot) return LANG_NONE;
  static const struct { const char *ext; enum sh_lang l; } ext[] = {
      {".py", LANG_PYTHON}, {".pl", LANG_PERL}, {".rb", LANG_RUBY}, {".php", LANG_PHP}, {".lua", LANG_LUA},
      {".js", LANG_NODE},   {".mjs", LANG_NODE}, {".awk", LANG_AWK}, {".tcl", LANG_TCL}, {".sh", LANG_SH},
      {".bash", LANG_SH}};
  for (size_t i = 0; i < DS_ARRAY_LEN(ext); i++)
    if (streq(dot, ext[i].ext)) return ext[i].l;
  return LANG_NONE;
}

static bool has(const char *s, const char *w) { return strstr(s, w) != NULL; }

static bool has_any(const char *s, const char *const *w) {
  for (size_t k = 0; w[k]; k++)
    if (strstr(s, w[k])) return true;
  return false;
}

/* the first string literal after s[from]: '...', "...", `...`, """...""" (no escapes kept) */
static bool literal_after(const char *s, size_t from, char *out, size_t n, size_t *out_end) {
  if (strnlen(s, from) < from) return false; /* callers step past an unterminated literal's end */
  const char *p = s + from;
  for (int skip = 0; *p && skip < 40; p++, skip++) {
    if (*p == '\'' || *p == '"' || *p == '`') break;
    if (*p == ')' || *p == ';' || *p == '\n') return false;
  }
  if (!*p || !(*p == '\'' || *p == '"' || *p == '`')) return false;
  char q = *p++;
  bool triple = p[0] == q && p[1] == q;
  if (triple) p += 2;
  size_t o = 0;
  while (*p && o + 1 < n) {
    if (*p == '\\' && p[1]) {
      out[o++] = p[1] == 'n' ? '\n' : p[1];
      p += 2;
      continue;
    }
    if (*p == q && (!triple || (p[1] == q && p[2] == q))) break;
    out[o++] = *p++;
  }
  out[o] = 0;
  if (out_end) *out_end = (size_t)(p - s);
  return true;
}

/* string literals inside a list right after s[from]: ["rm","-rf","/"] -> "rm -rf /" */
static bool list_after(const char *s, size_t from, char *out, size_t n) {
  const char *p = s + from;
  while (*p == ' ' || *p == '(') p++;
  if (*p != '[') return false;
  const char *end = strchr(p, ']');
  if (!end) return false;
  size_t o = 0;
  out[0] = 0;
  size_t pos = (size_t)(p - s) + 1;
  char lit[256];
  size_t e;
  while (pos < (size_t)(end - s) && literal_after(s, pos, lit, sizeof lit, &e) && e < (size_t)(end - s)) {
    o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? " " : "", lit);
    pos = e + 1;
    if (o >= n) break;
  }
  return o > 0;
}

/* command strings given to the language's ways of running a command */
static void run_calls(struct ctx *c, const struct cmd *m, enum sh_lang lang, const char *code) {
  static const char *const calls[] = {"os.system(", "os.popen(", "subprocess.run(", "subprocess.call(",
                                      "subprocess.Popen(", "subprocess.check_output(", "subprocess.check_call(",
                                      "subprocess.getoutput(", "subprocess.getstatusoutput(", "commands.getoutput(",
                                      "system(", "exec(", "execSync(", "spawnSync(", "spawn(", "popen(", "shell_exec(",
                                      "passthru(", "proc_open(", "os.execute(", "io.popen(", "IO.popen(", "Open3.",
                                      "%x(", "qx(", "Kernel.exec(", "exec ", "system ", NULL};
  char lit[1024];
  int n_runs = 0;
  for (size_t k = 0; calls[k] && n_runs < 8; k++) {
    for (const char *p = strstr(code, calls[k]); p && n_runs < 8; p = strstr(p + 1, calls[k])) {
      size_t from = (size_t)(p - code) + strlen(calls[k]);
      if (p > code && (isalnum((unsigned char)p[-1]) || p[-1] == '_') && calls[k][0] != '.' && !strchr(calls[k], '.'))
        continue; /* "mysystem(" is not "system(" */
      if (lang == LANG_PYTHON && streq(calls[k], "exec(")) continue; /* python exec() runs python */
      if ((streq(calls[k], "exec ") || streq(calls[k], "system ")) && lang != LANG_PERL && lang != LANG_RUBY &&
          lang != LANG_TCL)
        continue;
      bool got = list_after(code, from, lit, sizeof lit) || literal_after(code, from, lit, sizeof lit, NULL);
      if (!got || !lit[0]) continue;
      n_runs++;
      if (lang == LANG_TCL && streq(calls[k], "exec ")) continue;
      sh_analyze_string(c, m, lit);
    }
  }
  /* perl/ruby backticks: `cmd` */
  if ((lang == LANG_PERL || lang == LANG_RUBY) && strchr(code, '`')) {
    const char *a = strchr(code, '`');
    const char *b = a ? strchr(a + 1, '`') : NULL;
    if (a && b && b - a < (ptrdiff_t)sizeof lit) {
      snprintf(lit, sizeof lit, "%.*s", (int)(b - a - 1), a + 1);
      sh_analyze_string(c, m, lit);
    }
  }
}

/* paths given to the language's file openers: writes and reads */
static void file_calls(struct ctx *c, const struct cmd *m, const char *code, const char *how) {
  static const char *const w[] = {"file_put_contents(", "File.write(", "writeFileSync(", "writeFile(", "appendFileSync(",
                                  "IO.write(", "Path(", NULL};
  static const char *const r[] = {"file_get_contents(", "File.read(", "readFileSync(", "readFile(", "IO.read(",
                                  "readfile(", NULL};
  char lit[512];
  for (size_t k = 0; w[k]; k++)
    for (const char *p = strstr(code, w[k]); p; p = strstr(p + 1, w[k]))
      if (literal_after(code, (size_t)(p - code) + strlen(w[k]), lit, sizeof lit, NULL) && lit[0])
        if (!streq(w[k], "Path(") || strstr(p, ".write_"))
          sh_note_write(c, m, lit, how);
  for (size_t k = 0; r[k]; k++)
    for (const char *p = strstr(code, r[k]); p; p = strstr(p + 1, r[k]))
      if (literal_after(code, (size_t)(p - code) + strlen(r[k]), lit, sizeof lit, NULL) && lit[0])
        sh_note_read(c, m, lit, how);
  /* open("path", "w") / open(F, ">path") / io.open("path","w") / awk print > "path" */
  for (const char *p = strstr(code, "open("); p; p = strstr(p + 1, "open(")) {
    size_t end;
    if (!literal_after(code, (size_t)(p - code) + 5, lit, sizeof lit, &end) || !lit[0]) continue;
    const char *rest = code + end + 1;
    char mode[16] = "";
    literal_after(code, end + 1, mode, sizeof mode, NULL);
    bool perl_w = lit[0] == '>' || (lit[0] == '+' && lit[1] == '>');
    const char *path = lit + strspn(lit, "+<> ");
    bool write = perl_w || ((strchr(mode, 'w') || strchr(mode, 'a')) && rest - code < (ptrdiff_t)strlen(code));
    if (perl_w && (streq(path, "&STDOUT") || path[0] == '&')) continue;
    if (write) sh_note_write(c, m, path, how);
    else sh_note_read(c, m, path, how);
  }
  for (const char *p = strstr(code, "> \""); p; p = strstr(p + 1, "> \""))
    if (literal_after(code, (size_t)(p - code) + 1, lit, sizeof lit, NULL) && lit[0] == '/') sh_note_write(c, m, lit, how);
}

void sh_code_analyze(struct ctx *c, const struct cmd *m, enum sh_lang lang, const char *code, const char *how) {
  if (!code || !*code) return;
  if (lang == LANG_SH) {
    sh_analyze_string(c, m, code);
    return;
  }
  static const char *const sockets[] = {"socket", "Socket", "fsockopen", "TCPClient", "net.connect", "createConnection",
                                        "require('net')", "require(\"net\")", "/inet/tcp/", "/inet/udp/", "/inet6/",
                                        "TCPServer", "createServer", "stream_socket", "IO::Socket", "ztcp", "Net::",
                                        "net.Dial", "net.Listen", NULL};
  static const char *const listens[] = {"listen(", "accept(", "TCPServer", "createServer", "socket_bind", "bind(",
                                        "stream_socket_server", "-server", "LocalPort", "Listen =>", NULL};
  static const char *const runs[] = {"pty.spawn", "subprocess", "os.system", "os.popen", "os.exec", "popen", "system(",
                                     "exec(", "exec ", "spawn(", "child_process", "shell_exec", "passthru", "proc_open",
                                     "os.execute", "io.popen", "IO.popen", "getline", "STDIN", "dup2", "|&",
                                     "exec.Command", "Process.start", "ProcessBuilder", NULL};
  bool sock = has_any(code, sockets);
  /* a socket that goes somewhere: python's socket.gethostname() alone is not one */
  if (sock && (lang == LANG_PYTHON || lang == LANG_NONE))
    sock = has(code, "connect(") || has(code, "bind(") || has(code, "accept(") || has(code, "create_connection") ||
           has(code, "Dial(");
  unsigned before = c->out->flags;
  run_calls(c, m, lang, code);
  bool inner = (c->out->flags & ~before) != 0; /* the commands it runs raised their own flags */
  bool shell = sh_spawns_shell(code) || has(code, "pty.spawn") || has(code, "cmd.exe");
  bool runs_cmds = has_any(code, runs);
  if (sock && (shell || runs_cmds)) {
    bool bind = has_any(code, listens);
    if (lang == LANG_AWK) { /* /inet/tcp/LPORT/RHOST/RPORT: a remote port of 0 listens */
      const char *p = strstr(code, "/inet");
      const char *q = p ? strchr(p + 1, '/') : NULL;
      q = q ? strchr(q + 1, '/') : NULL;
      bind = q && strncmp(q + 1, "0", 1) != 0 && (strstr(q, "/0/0") != NULL);
    }
    if (bind)
      sh_report(c, m, DS_SHELL_BIND_SHELL, "reverse_shell.code_bind", "%s code serves a shell on a listening socket", how);
    else
      sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.code_connect", "%s code wires a shell to a socket", how);
  } else if (shell && lang != LANG_NONE && !inner) {
    sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.interpreter_shell", "%s code starts a shell", how);
  }
  if (has(code, "setuid(0)") || has(code, "setuid 0") || has(code, "setreuid(0") || has(code, "setresuid(0"))
    sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.setuid_zero", "%s code sets its user id to root", how);
  static const char *const decodes[] = {"b64decode", "decode_base64", "base64_decode", "'base64')", "\"base64\")",
                                        "atob(", "Base64.decode", "unpack('m", "unpack(\"m", "fromhex(", "rot13", NULL};
  static const char *const evals[] = {"exec(", "eval(", "eval ", "Function(", "system(", "popen", "subprocess", NULL};
  if (has_any(code, decodes) && has_any(code, evals))
    sh_report(c, m, DS_SHELL_OBFUSCATED, "obfuscation.decoded_code", "%s code decodes text and runs it", how);
  static const char *const fetch[] = {"urlopen(", "urlretrieve(", "requests.get(", "http.get(", "https.get(", "fetch(",
                                      "LWP::", "open-uri", "Net::HTTP", "file_get_contents('http", "file_get_contents(\"http",
                                      "wget", "curl", "getstore(", NULL};
  if (has_any(code, fetch)) {
    if ((has(code, "exec(") || has(code, "eval(")) && lang != LANG_NONE)
      sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.code_exec", "%s code runs what it downloads", how);
    for (const char *p = strstr(code, "://"); p; p = strstr(p + 1, "://")) {
      const char *b = p;
      while (b > code && isalpha((unsigned char)b[-1])) b--;
      char url[256];
      snprintf(url, sizeof url, "%.*s", (int)strcspn(b, "'\" )"), b);
      if (sh_raw_ip_host(url))
        sh_report(c, m, DS_SHELL_RISKY_DOWNLOAD, "download.raw_ip", "%s code downloads from the raw address %s", how, url);
    }
  }
  if (has(code, "requests.post(") || has(code, "requests.put(") || (sock && has(code, ".send") && has(code, "open(")))
    if (!has(code, "localhost") && !has(code, "127.0.0.1"))
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.code", "%s code sends data away", how);
  file_calls(c, m, code, how);
}

/* the interpreters of a command line and the code they are given */
static void judge(struct ctx *c, struct cmd *m) {
  enum sh_lang lang = sh_lang_of(m->name);
  struct word **argv = m->argv;
  size_t argc = m->argc;
  char how[64];
  snprintf(how, sizeof how, "%s", m->name);
  if (lang == LANG_NONE || lang == LANG_SH) {
    /* ./script or a shell running a file written earlier in this line or trajectory */
    const char *script = NULL;
    if (streq(m->name, "go") && argc > 2 && streq(argv[1]->s, "run")) {
      const struct sh_file *f = sh_written(c, argv[2]->s);
      if (f && f->text) {
        char *text = ds_strdup(f->text);
        if (text) sh_code_analyze(c, m, LANG_NONE, text, "go run");
        ds_free(text);
      }
      return;
    }
    if (lang == LANG_SH) {
      for (size_t k = 1; k < argc; k++) {
        const char *a = argv[k]->s;
        if (a[0] == '-' && a[1] != '-' && strchr(a, 'c')) { /* sh -c 'line' */
          if (k + 1 < argc) sh_analyze_string(c, m, argv[k + 1]->s);
          return;
        }
        if (streq(a, "-s")) return;
        if (a[0] != '-') { script = a; break; }
      }
    } else if (strchr(argv[0]->s, '/')) {
      script = argv[0]->s;
    }
    const struct sh_file *f = script ? sh_written(c, script) : NULL;
    if (f && f->text) {
      enum sh_lang fl = lang == LANG_SH ? LANG_SH : sh_lang_of_file(f->path, f->text);
      if (fl == LANG_NONE) fl = LANG_SH;
      char *text = ds_strdup(f->text);
      if (text) sh_code_analyze(c, m, fl, text, script);
      ds_free(text);
    }
    return;
  }
  const char *code = NULL;
  const char *script = NULL;
  bool awk = lang == LANG_AWK;
  for (size_t k = 1; k < argc; k++) {
    const char *a = argv[k]->s;
    if (awk) {
      if ((streq(a, "-f") || streq(a, "--file")) && k + 1 < argc) { script = argv[++k]->s; break; }
      if ((streq(a, "-v") || streq(a, "-F")) && k + 1 < argc) { k++; continue; }
      if (a[0] == '-') continue;
      code = a;
      break;
    }
    if (streq(a, "-c") || streq(a, "-e") || streq(a, "-E") || streq(a, "-r") || streq(a, "--eval") ||
        streq(a, "-p") || streq(a, "--exec") || (a[0] == '-' && a[1] != '-' && strchr("ple", a[strlen(a) - 1]) &&
                                                  strchr(a, 'e') && lang == LANG_PERL)) {
      if (k + 1 < argc) code = argv[k + 1]->s;
      break;
    }
    if (lang == LANG_RUBY && strncmp(a, "-r", 2) == 0) continue;
    if (a[0] == '-' && a[1] && strchr("ceEr", a[1]) && a[2]) {
      code = a + 2; /* -e'code' written without a space */
      break;
    }
    if (streq(a, "-m") || streq(a, "-")) break;
    if (a[0] == '-') continue;
    script = a;
    break;
  }
  if (code) {
    sh_code_analyze(c, m, lang, code, how);
  } else if (script) {
    const struct sh_file *f = sh_written(c, script);
    if (f && f->text) {
      char *text = ds_strdup(f->text);
      if (text) sh_code_analyze(c, m, lang, text, script);
      ds_free(text);
    }
  } else {
    for (size_t r = 0; r < m->nredir; r++)
      if (m->redirs[r]->heredoc) sh_code_analyze(c, m, lang, m->redirs[r]->heredoc, how);
      else if (streq(m->redirs[r]->redir, "<<<")) sh_code_analyze(c, m, lang, m->redirs[r]->w.s, how);
    if (c->pipe_in && c->in_known) {
      char *text = ds_strdup(c->in_text);
      if (text) sh_code_analyze(c, m, lang, text, how);
      ds_free(text);
    }
  }
}

const struct sh_class sh_class_code = {"code", judge};
