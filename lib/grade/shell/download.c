/* download.c: code fetched and run, and downloads that land where programs run. curl | sh in
 * all its spellings (pipes through tee or sudo, bash <(curl ...), sh -c "$(wget -O- ...)",
 * eval "$(curl ...)", source <(...), a file downloaded then run, chmod +x then ./file) is
 * pipe_to_shell; a download written into a system or executable place (/usr/local/bin, /etc,
 * cron and unit folders, ~/.ssh, shell rc files) or fetched from a raw IP address is
 * risky_download. curl and wget are read here once for download.c and upload.c. */
#include "grade/shell/shell_int.h"

bool sh_parse_http(struct ctx *c, const struct cmd *m, struct sh_http *h) {
  (void)c;
  memset(h, 0, sizeof *h);
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  bool wget = streq(name, "wget");
  if (!streq(name, "curl") && !wget) return false;
  h->is_wget = wget;
  h->to_stdout = true;
  static const char *const curl_arg[] = {"-o", "--output", "-H", "--header", "-u", "--user", "-A", "--user-agent", "-e",
                                         "--referer", "-X", "--request", "-d", "--data", "--data-raw", "--data-binary",
                                         "--data-urlencode", "--json", "-F", "--form", "-T", "--upload-file", "-x",
                                         "--proxy", "-m", "--max-time", "--connect-timeout", "-w", "--write-out", "-b",
                                         "--cookie", "-c", "--cookie-jar", "--url", "-r", "--range", "--retry",
                                         "--cacert", "--cert", "--key", "-K", "--config", "--resolve", "-z",
                                         "--output-dir", "--form-string", "--data-ascii", NULL};
  static const char *const wget_arg[] = {"-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file",
                                         "-U", "--user-agent", "--header", "-t", "--tries", "-T", "--timeout",
                                         "--post-data", "--post-file", "--body-data", "--body-file", "--method",
                                         "-e", "-i", "--input-file", NULL};
  const char *method = NULL, *dir = NULL;
  for (size_t k = 1; k < argc; k++) {
    const char *a = argv[k]->s;
    const char *val = k + 1 < argc ? argv[k + 1]->s : "";
    if (!wget) {
      if (streq(a, "-o") || streq(a, "--output")) { h->outfile = val; h->to_stdout = streq(val, "-"); }
      else if (strncmp(a, "--output=", 9) == 0) { h->outfile = a + 9; h->to_stdout = streq(a + 9, "-"); }
      else if (streq(a, "--output-dir")) dir = val;
      else if (streq(a, "-O") || streq(a, "--remote-name") || streq(a, "--remote-name-all")) h->to_stdout = false;
      else if (streq(a, "-d") || strncmp(a, "--data", 6) == 0 || streq(a, "--json") || streq(a, "-F") ||
               strncmp(a, "--form", 6) == 0 || streq(a, "-T") || streq(a, "--upload-file")) {
        h->upload = true;
      } else if (streq(a, "-X") || streq(a, "--request")) method = val;
      else if (streq(a, "-k") || streq(a, "--insecure")) h->insecure = true;
      else if (a[0] == '-' && a[1] != '-' && a[1]) {
        /* clusters like -sSL, -fsSLo out, -kL */
        for (const char *q = a + 1; *q; q++) {
          if (*q == 'k') h->insecure = true;
          if (*q == 'O') h->to_stdout = false;
          if (*q == 'o') {
            h->outfile = q[1] ? q + 1 : val;
            h->to_stdout = streq(h->outfile, "-");
            break;
          }
          if (*q == 'd' || *q == 'F' || *q == 'T') h->upload = true;
          if (strchr("HuAeXdFTxmwbcrKz", *q)) {
            if (*q == 'X') method = q[1] ? q + 1 : val;
            break;
          }
        }
      }
      if (sh_opt_takes(a, curl_arg)) {
        if (streq(a, "--url")) h->url = val;
        k++;
        continue;
      }
      if (a[0] == '-' && a[1] != '-' && a[1] && strlen(a) > 2 && strchr("HuAeXdFTxmwbcrKz", a[strlen(a) - 1]) &&
          !strchr(a, 'o'))
        k++;
      else if (a[0] == '-' && a[1] != '-' && strchr(a, 'o') && a[strlen(a) - 1] == 'o')
        k++;
    } else {
      if (streq(a, "-O") || streq(a, "--output-document")) {
        h->outfile = val;
        h->to_stdout = streq(val, "-") || streq(val, "/dev/stdout");
      } else if (strncmp(a, "--output-document=", 18) == 0) {
        h->outfile = a + 18;
        h->to_stdout = streq(h->outfile, "-");
      } else if (strncmp(a, "-O", 2) == 0 && a[2]) {
        h->outfile = a + 2;
        h->to_stdout = streq(h->outfile, "-");
      } else if (a[0] == '-' && a[1] != '-' && strchr(a, 'O')) {
        const char *o = strchr(a, 'O');
        h->outfile = o[1] ? o + 1 : val;
        h->to_stdout = streq(h->outfile, "-");
        if (!o[1]) k++;
        continue;
      } else if (streq(a, "-P") || streq(a, "--directory-prefix")) {
        dir = val;
      } else if (strncmp(a, "--directory-prefix=", 19) == 0) {
        dir = a + 19;
      } else if (strncmp(a, "--post-", 7) == 0 || strncmp(a, "--body-", 7) == 0) {
        h->upload = true;
      } else if (strncmp(a, "--method", 8) == 0) method = strchr(a, '=') ? strchr(a, '=') + 1 : val;
      else if (streq(a, "--no-check-certificate")) h->insecure = true;
      if (sh_opt_takes(a, wget_arg)) { k++; continue; }
    }
    if (a[0] != '-' && !h->url) h->url = a;
  }
  if (wget && !h->outfile) h->to_stdout = false;
  if (method && (strcasecmp(method, "POST") == 0 || strcasecmp(method, "PUT") == 0 || strcasecmp(method, "PATCH") == 0) &&
      !wget)
    h->upload = true;
  if (!h->outfile && dir) h->outfile = dir; /* --output-dir / -P: where the file lands is what matters */
  return true;
}

/* where a download lands: system, executable or login places, or a raw IP source */
static void judge_target(struct ctx *c, struct cmd *m, const char *url, const char *out) {
  if (out && *out && !streq(out, "-")) {
    char buf[256];
    out = sh_expand(c, out, buf, sizeof buf);
    struct pinfo pi;
    sh_classify(c, out, &pi);
    if (sh_exec_place(&pi))
      sh_report(c, m, DS_SHELL_RISKY_DOWNLOAD, "download.exec_place", "%s downloads into '%s'", m->name, out);
  }
  if (url && sh_raw_ip_host(url))
    sh_report(c, m, DS_SHELL_RISKY_DOWNLOAD, "download.raw_ip", "%s downloads from the raw address %s", m->name, url);
}

static void note_dl_file(struct ctx *c, const char *f) {
  if (c->n_dl < 4) snprintf(c->dl_files[c->n_dl++], sizeof c->dl_files[0], "%.*s", (int)strcspn(f, "?#"), f);
}

/* a shell or interpreter that runs what arrives on stdin, or a downloaded file */
static void interp(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  bool shell = sh_is_shell(name);
  size_t k = 1;
  const char *script = NULL;
  bool has_code = false;
  for (; k < argc; k++) {
    const char *a = argv[k]->s;
    if (shell && a[0] == '-' && a[1] != '-' && strchr(a, 'c') && k + 1 < argc) {
      if (argv[k + 1]->subst_dl)
        sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.shell_c", "%s -c runs downloaded code", name);
      has_code = true;
      break;
    }
    if (!shell && (streq(a, "-c") || streq(a, "-e") || streq(a, "-E") || streq(a, "--eval") || streq(a, "-r") ||
                   streq(a, "-p") || streq(a, "-m"))) {
      if (k + 1 < argc && argv[k + 1]->subst_dl)
        sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.interp_code", "%s %s runs downloaded code", name, a);
      has_code = true;
      break;
    }
    if (streq(a, "-") || streq(a, "-s")) break;
    if (a[0] == '-') continue;
    script = a;
    break;
  }
  if (has_code) return;
  if (script) {
    if (argv[k]->subst_dl)
      sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.process_substitution", "%s runs a downloaded script", name);
    else if (sh_downloaded(c, script))
      sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.run_downloaded", "%s runs '%s' right after downloading it", name,
                script);
    return;
  }
  if (c->pipe_in && c->dl_pipe)
    sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.pipe", "download piped into %s", name);
  for (size_t r = 0; r < m->nredir; r++) {
    struct tok *t = m->redirs[r];
    if (shell && streq(t->redir, "<<") && t->heredoc) sh_analyze_string(c, m, t->heredoc);
    if (streq(t->redir, "<<<") && t->w.subst_dl)
      sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.here_string", "%s <<< downloaded code", name);
    if (streq(t->redir, "<") && (t->w.subst_dl || sh_downloaded(c, t->w.s)))
      sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.redirect", "%s reads a downloaded script", name);
  }
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  struct sh_http h;
  if (sh_parse_http(c, m, &h)) {
    m->claimed = true;
    for (size_t k = 1; k + 1 < argc; k++) /* files read for options: wget -i LIST, curl -K CONFIG */
      if (streq(argv[k]->s, "-i") || streq(argv[k]->s, "--input-file") || streq(argv[k]->s, "-K") ||
          streq(argv[k]->s, "--config") || streq(argv[k]->s, "--load-cookies") || streq(argv[k]->s, "-b"))
        sh_note_read(c, m, argv[k + 1]->s, name);
    if (h.insecure) sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.tls_off", "%s turns off TLS verification", name);
    if (h.url && !h.upload) {
      if (h.to_stdout) c->downloads = true;
      else note_dl_file(c, h.outfile ? h.outfile : sh_base(h.url));
      judge_target(c, m, h.url, h.to_stdout ? NULL : h.outfile);
    }
    if (h.outfile && !streq(h.outfile, "-")) sh_note_write(c, m, h.outfile, name);
    return;
  }
  if (streq(name, "fetch") || streq(name, "aria2c") || streq(name, "lynx") || streq(name, "w3m") ||
      streq(name, "links") || streq(name, "axel") || streq(name, "lwp-download") || streq(name, "lwp-request") ||
      streq(name, "GET")) {
    m->claimed = true;
    const char *url = NULL, *out = NULL;
    bool source = false;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if ((streq(a, "-o") || streq(a, "-O") || streq(a, "--out") || streq(a, "-d") || streq(a, "--dir")) && k + 1 < argc) {
        out = argv[++k]->s;
        continue;
      }
      if (strncmp(a, "--out=", 6) == 0 || strncmp(a, "--dir=", 6) == 0) out = strchr(a, '=') + 1;
      if (streq(a, "-source") || streq(a, "-dump") || streq(a, "-dump_source")) source = true;
      if (a[0] != '-' && !url) url = a;
      else if (a[0] != '-' && streq(name, "lwp-download")) out = a;
    }
    if ((source || streq(name, "GET") || streq(name, "lwp-request") || (out && streq(out, "-"))) && url) c->downloads = true;
    else if (url) note_dl_file(c, out ? out : sh_base(url));
    judge_target(c, m, url, out);
    if (out && !streq(out, "-")) sh_note_write(c, m, out, name);
    return;
  }
  if (streq(name, "http") || streq(name, "https") || streq(name, "xh") || streq(name, "httpie")) {
    m->claimed = true;
    const char *mth = argc > 1 ? argv[1]->s : "";
    const char *url = argc > 2 ? argv[2]->s : mth;
    if (!(streq(mth, "POST") || streq(mth, "PUT") || streq(mth, "PATCH"))) {
      c->downloads = true;
      for (size_t k = 1; k + 1 < argc; k++)
        if (streq(argv[k]->s, "-o") || streq(argv[k]->s, "--output")) judge_target(c, m, url, argv[k + 1]->s);
      judge_target(c, m, url, NULL);
    }
    return;
  }
  if ((streq(name, "tftp") || streq(name, "ftp") || streq(name, "atftp")) && argc > 1) {
    /* tftp [-g|-p] [-r REMOTE] [-l LOCAL] HOST [PORT], tftp HOST -c get FILE: the host is the
     * first word that is not an option or an option's value */
    static const char *const t_arg[] = {"-r", "-l", "-m", "-b", "-c", "--remote-file", "--local-file", NULL};
    const char *host = NULL, *local = NULL, *remote = NULL;
    bool get = false;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (streq(a, "-g") || streq(a, "--get")) get = true;
      if ((streq(a, "-c") && k + 1 < argc && streq(argv[k + 1]->s, "get"))) get = true;
      if ((streq(a, "-r") || streq(a, "--remote-file")) && k + 1 < argc) remote = argv[k + 1]->s;
      if ((streq(a, "-l") || streq(a, "--local-file")) && k + 1 < argc) local = argv[k + 1]->s;
      if (a[0] == '-') {
        if (sh_opt_takes(a, t_arg)) k++;
        continue;
      }
      if (!host) host = a;
    }
    if (host && (get || sh_raw_ip_host(host))) {
      m->claimed = true;
      const char *file = local ? local : remote ? sh_base(remote) : NULL;
      if (file) note_dl_file(c, file);
      judge_target(c, m, host, file);
      if (!sh_raw_ip_host(host) && get)
        sh_report(c, m, DS_SHELL_RISKY_DOWNLOAD, "download.tftp", "%s fetches a file from %s with no authentication", name, host);
    }
    return;
  }
  if (streq(name, "scp") || streq(name, "rsync") || streq(name, "sftp")) {
    /* scp host:file /usr/local/bin/: a download into an executable place */
    const char *last = NULL, *remote_src = NULL;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (a[0] == '-') {
        static const char *const s_arg[] = {"-i", "-P", "-p", "-o", "-F", "-e", "-l", "-c", "-S", "-J", NULL};
        if (sh_opt_takes(a, s_arg)) k++;
        continue;
      }
      if (last && sh_remote_spec(last)) remote_src = last;
      last = a;
    }
    if (remote_src && last && !sh_remote_spec(last)) {
      char host[256];
      snprintf(host, sizeof host, "ssh://%.*s", (int)strcspn(remote_src, ":"), remote_src);
      judge_target(c, m, host, last);
    }
    return;
  }
  if (streq(name, "chmod")) {
    /* chmod +x of a downloaded file, then ./file: the run is judged below */
    return;
  }
  if (streq(name, "source") || streq(name, ".")) {
    m->claimed = true;
    if (argc > 1 && (argv[1]->subst_dl || sh_downloaded(c, argv[1]->s)))
      sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.source", "source of downloaded code");
    return;
  }
  if (streq(name, "eval")) {
    for (size_t k = 1; k < argc; k++)
      if (argv[k]->subst_dl) sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.eval", "eval of downloaded code");
    return;
  }
  if (sh_is_interp(name)) {
    interp(c, m);
    return;
  }
  if (argv[0]->subst_dl) {
    sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.substituted_command", "runs the command a download prints");
    return;
  }
  /* ./install.sh right after downloading it */
  if ((argv[0]->s[0] == '.' || argv[0]->s[0] == '/') && sh_downloaded(c, argv[0]->s))
    sh_report(c, m, DS_SHELL_PIPE_TO_SHELL, "download.run_downloaded", "runs '%s' right after downloading it", argv[0]->s);
}

const struct sh_class sh_class_download = {"download", judge};
