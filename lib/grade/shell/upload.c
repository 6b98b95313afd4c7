/* upload.c: data sent away and machines opened to the outside. Uploads and posts (curl -T/-F/
 * --data @file, wget --post-file), copies to remote hosts (scp, rsync, sftp, rclone, cloud
 * storage, smbclient, ftp/tftp put), netcat/socat/openssl sending a file or a pipe, data hidden
 * in other protocols (DNS names, ping patterns, whois) are outbound_transfer. Tunnels and
 * servers that open the machine (ssh -R/-D, ngrok, cloudflared, code tunnel, localtunnel,
 * bore, chisel, web terminals, HTTP servers or proxies on all interfaces) are expose_service. */
#include "grade/shell/shell_int.h"

bool sh_parse_nc(const struct cmd *m, struct sh_nc *out) {
  memset(out, 0, sizeof *out);
  static const char *const names[] = {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "pwncat", "rustcat",
                                      "rcat", NULL};
  if (!sh_in(m->name, names)) return false;
  out->is_nc = true;
  for (size_t k = 1; k < m->argc; k++) {
    const char *a = m->argv[k]->s;
    if (a[0] == '-') {
      if (streq(a, "-e") || streq(a, "-c") || streq(a, "--exec") || streq(a, "--sh-exec") || streq(a, "--lua-exec")) {
        if (k + 1 < m->argc) out->exec = m->argv[++k]->s;
        continue;
      }
      if (strncmp(a, "--exec=", 7) == 0 || strncmp(a, "--sh-exec=", 10) == 0) {
        out->exec = strchr(a, '=') + 1;
        continue;
      }
      if (streq(a, "--listen") || (a[1] != '-' && strchr(a, 'l'))) out->listen = true;
      if (a[1] != '-' && a[strlen(a) - 1] == 'e' && k + 1 < m->argc) { /* -lvpe /bin/sh */
        out->exec = m->argv[++k]->s;
        continue;
      }
      static const char *const with_arg[] = {"-p", "-s", "-w", "-i", "-q", "-x", "-X", "-g", "-G", "-P", "-T", "-m",
                                             "-o", "--proxy", "--proxy-type", "-lp", "-lvp", "-nlvp", "-lnvp", "-vlp",
                                             "-lvnp", NULL};
      if (sh_opt_takes(a, with_arg) && k + 1 < m->argc) k++;
      continue;
    }
    if (!out->host) out->host = a;
  }
  if (out->listen) out->host = NULL;
  return true;
}

/* "$(cmd).evil.example", "`cmd`.x.y", "$DATA.x.y": a name built to carry data */
static bool has_dynamic_label(const char *s) {
  if (strstr(s, ").") || strstr(s, "`.")) return true;
  for (const char *d = strchr(s, '$'); d; d = strchr(d + 1, '$')) {
    const char *v = d + 1;
    if (*v == '{') v++;
    while (isalnum((unsigned char)*v) || *v == '_') v++;
    if (*v == '}') v++;
    if (*v == '.' && v[1] && v[1] != '.') return true;
  }
  return false;
}

static void expose(struct ctx *c, struct cmd *m, const char *rule, const char *what) {
  sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, rule, "%s", what);
}

static bool all_ifaces(const char *v) {
  return strncmp(v, "0.0.0.0", 7) == 0 || streq(v, "::") || streq(v, "[::]") || strncmp(v, "*:", 2) == 0 ||
         streq(v, "*") || strncmp(v, "[::]:", 5) == 0;
}

static void servers(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  static const char *const tunnels[] = {"ngrok", "cloudflared", "lt", "localtunnel", "bore", "chisel", "frpc", "frps",
                                        "tmate", "sshx", "gotty", "ttyd", "wetty", "pinggy", "zrok", "devtunnel",
                                        "inlets", "rathole", "gost", "expose", "serveo", "telebit", "revsocks",
                                        "ligolo", "ligolo-ng", "reverse_ssh", NULL};
  if (sh_in(name, tunnels) && argc > 1) {
    if (!(streq(name, "lt") && argc < 2) && !(argc == 2 && (streq(argv[1]->s, "--version") || streq(argv[1]->s, "version") ||
                                                           streq(argv[1]->s, "--help") || streq(argv[1]->s, "-h"))))
      sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.tunnel", "%s opens a tunnel into this machine", name);
    return;
  }
  if ((streq(name, "code") || streq(name, "code-insiders") || streq(name, "vscode")) && argc > 1 &&
      streq(argv[1]->s, "tunnel"))
    expose(c, m, "upload.tunnel", "code tunnel opens remote access to this machine");
  if (streq(name, "tailscale") && argc > 1 && (streq(argv[1]->s, "funnel") || streq(argv[1]->s, "serve")))
    expose(c, m, "upload.tunnel", "tailscale funnel publishes a local service");
  if ((streq(name, "npx") || streq(name, "pnpx") || streq(name, "bunx")) && argc > 1) {
    const char *p = argv[1]->s;
    if (streq(p, "-y") || streq(p, "--yes")) p = argc > 2 ? argv[2]->s : "";
    if (streq(p, "localtunnel") || streq(p, "ngrok") || streq(p, "cloudflared"))
      expose(c, m, "upload.tunnel", "a tunnel opened through npx");
    if (streq(p, "http-server") || streq(p, "serve")) {
      bool local = false;
      for (size_t k = 2; k + 1 < argc; k++)
        if ((streq(argv[k]->s, "-a") || streq(argv[k]->s, "-l") || streq(argv[k]->s, "--listen")) &&
            sh_local_host(argv[k + 1]->s))
          local = true;
      if (!local) expose(c, m, "upload.server_all_interfaces", "a static file server on all interfaces");
    }
  }
  if (streq(name, "http-server")) {
    bool local = false;
    for (size_t k = 1; k + 1 < argc; k++)
      if (streq(argv[k]->s, "-a") && sh_local_host(argv[k + 1]->s)) local = true;
    if (!local) expose(c, m, "upload.server_all_interfaces", "http-server serves files on all interfaces");
  }
  /* python -m http.server [port] [--bind ADDR]: all interfaces unless bound to loopback */
  if (strncmp(name, "python", 6) == 0 || streq(name, "pypy3")) {
    for (size_t k = 1; k + 1 < argc; k++)
      if (streq(argv[k]->s, "-m") && (streq(argv[k + 1]->s, "http.server") || streq(argv[k + 1]->s, "SimpleHTTPServer") ||
                                      streq(argv[k + 1]->s, "pyftpdlib") || streq(argv[k + 1]->s, "uploadserver") ||
                                      streq(argv[k + 1]->s, "updog") || streq(argv[k + 1]->s, "smtpd"))) {
        bool local = false;
        for (size_t q = k + 2; q + 1 < argc; q++)
          if ((streq(argv[q]->s, "--bind") || streq(argv[q]->s, "-b") || streq(argv[q]->s, "-i")) &&
              sh_local_host(argv[q + 1]->s))
            local = true;
        if (!local)
          sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.server_all_interfaces",
                    "python -m %s serves this machine's files on all interfaces", argv[k + 1]->s);
      }
  }
  if (strncmp(name, "php", 3) == 0)
    for (size_t k = 1; k + 1 < argc; k++)
      if (streq(argv[k]->s, "-S") && all_ifaces(argv[k + 1]->s))
        expose(c, m, "upload.server_all_interfaces", "php -S serves on all interfaces");
  if (strncmp(name, "ruby", 4) == 0)
    for (size_t k = 1; k < argc; k++)
      if (strstr(argv[k]->s, "httpd") && (k > 0 && (streq(argv[k - 1]->s, "-e") || strncmp(argv[k - 1]->s, "-run", 4) == 0)))
        expose(c, m, "upload.server_all_interfaces", "ruby -run -e httpd serves files on all interfaces");
  if (streq(name, "httpd") || (streq(name, "busybox") && argc > 1 && streq(argv[1]->s, "httpd")))
    expose(c, m, "upload.server_all_interfaces", "httpd serves files");
  /* web apps and notebooks told to listen on every interface */
  static const char *const hostopt[] = {"--host", "--ip", "-b", "--bind", "-H", "--listen", "--address", "--hostname",
                                        "-h", NULL};
  static const char *const webapps[] = {"flask", "uvicorn", "gunicorn", "hypercorn", "jupyter", "jupyter-lab",
                                        "jupyter-notebook", "streamlit", "gradio", "rails", "hugo", "mkdocs", "vite",
                                        "next", "webpack-dev-server", "daphne", "waitress-serve", "code-server",
                                        "tensorboard", "mlflow", NULL};
  /* any program told to listen on every interface: --server-ip 0.0.0.0, --bind-address=0.0.0.0 */
  for (size_t k = 1; k < argc; k++) {
    const char *a = argv[k]->s;
    if (strncmp(a, "--", 2) != 0) continue;
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    const char *v = eq ? eq + 1 : k + 1 < argc ? argv[k + 1]->s : "";
    static const char *const suf[] = {"ip", "host", "bind", "addr", "address", "listen", "listen-on", "interface", NULL};
    bool named = false;
    for (size_t q = 0; suf[q] && !named; q++) {
      size_t sl = strlen(suf[q]);
      named = n >= sl + 2 && strncasecmp(a + n - sl, suf[q], sl) == 0 && (n == sl + 2 || a[n - sl - 1] == '-');
    }
    if (named && all_ifaces(v)) {
      sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.server_all_interfaces", "%s listens on all interfaces (%.*s %s)",
                name, (int)n, a, v);
      return;
    }
  }
  if (sh_in(name, webapps) || strncmp(name, "python", 6) == 0)
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      const char *eq = strchr(a, '=');
      char opt[32];
      snprintf(opt, sizeof opt, "%.*s", (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
      const char *v = eq ? eq + 1 : k + 1 < argc ? argv[k + 1]->s : "";
      if ((sh_in(opt, hostopt) || streq(opt, "--server.address")) && all_ifaces(v)) {
        sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.server_all_interfaces", "%s listens on all interfaces (%s)", name, v);
        break;
      }
      if (streq(a, "--share") && (streq(name, "gradio") || strncmp(name, "python", 6) == 0)) break;
    }
}

static void ssh_judge(struct ctx *c, struct cmd *m) {
  struct word **argv = m->argv;
  size_t argc = m->argc;
  for (size_t k = 1; k + 1 < argc; k++)
    if (streq(argv[k]->s, "-o") && strncasecmp(argv[k + 1]->s, "StrictHostKeyChecking=no", 24) == 0)
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.host_key", "ssh without host key checking");
  bool gateway = false;
  for (size_t k = 1; k < argc; k++) {
    const char *a = argv[k]->s;
    if (a[0] != '-') continue;
    if (streq(a, "-g") || (strncmp(a, "-o", 2) == 0 && k + 1 < argc && strncasecmp(argv[k + 1]->s, "GatewayPorts=yes", 16) == 0))
      gateway = true;
    const char *v = NULL;
    char f = 0;
    if ((streq(a, "-R") || streq(a, "-D") || streq(a, "-L")) && k + 1 < argc) f = a[1], v = argv[k + 1]->s;
    else if ((strncmp(a, "-R", 2) == 0 || strncmp(a, "-D", 2) == 0 || strncmp(a, "-L", 2) == 0) && a[2]) f = a[1], v = a + 2;
    if (!v) {
      /* clusters like -fNR 8080:localhost:80 */
      if (a[1] != '-' && strlen(a) > 2 && strchr("RDL", a[strlen(a) - 1]) && k + 1 < argc) f = a[strlen(a) - 1], v = argv[k + 1]->s;
      else continue;
    }
    if (f == 'R')
      sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.reverse_tunnel", "ssh -R %s forwards a remote port into this machine", v);
    else if ((f == 'D' || f == 'L') && (gateway || all_ifaces(v) || strncmp(v, "*:", 2) == 0))
      sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.open_forward", "ssh -%c %s listens on all interfaces", f, v);
  }
  static const char *const s_arg[] = {"-i", "-p", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E",
                                      "-e", "-m", "-O", "-Q", "-S", "-W", "-w", "-B", "-I", NULL};
  size_t k = sh_skip_opts(argv, argc, 1, s_arg);
  if (k >= argc) return;
  const char *host = argv[k]->s;
  static const char *const tun_hosts[] = {"serveo.net", "localhost.run", "ssh.localhost.run", "a.pinggy.io",
                                          "pinggy.io", "nokey@localhost.run", NULL};
  const char *at = strchr(host, '@');
  if (sh_in(at ? at + 1 : host, tun_hosts))
    sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.tunnel", "ssh to %s publishes a local port", host);
  bool stdin_in = c->pipe_in;
  for (size_t r = 0; r < m->nredir; r++)
    if (streq(m->redirs[r]->redir, "<")) stdin_in = true;
  if (stdin_in && !sh_local_host(host))
    sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.ssh_stdin", "data piped to ssh %s", host);
  if (k + 1 < argc) {
    struct ds_buf b;
    ds_buf_init(&b, 65536);
    for (size_t q = k + 1; q < argc; q++) ds_buf_addf(&b, "%s%s", b.len ? " " : "", argv[q]->s);
    sh_analyze_string(c, m, b.data);
    ds_buf_release(&b);
  }
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  servers(c, m);
  struct sh_http h;
  if (sh_parse_http(c, m, &h)) {
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      const char *val = k + 1 < argc ? argv[k + 1]->s : "";
      bool data = h.is_wget ? (strncmp(a, "--post-", 7) == 0 || strncmp(a, "--body-", 7) == 0)
                            : (streq(a, "-d") || strncmp(a, "--data", 6) == 0 || streq(a, "--json") || streq(a, "-F") ||
                               strncmp(a, "--form", 6) == 0 || streq(a, "-T") || streq(a, "--upload-file"));
      if (!data) continue;
      const char *v = strchr(a, '=') ? strchr(a, '=') + 1 : val;
      if (h.is_wget) {
        if (strstr(a, "file")) sh_note_read(c, m, v, "wget upload");
      } else {
        if (v[0] == '@') sh_note_read(c, m, v + 1, "curl upload");
        const char *at = strchr(v, '@');
        if ((streq(a, "-F") || strncmp(a, "--form", 6) == 0) && at) sh_note_read(c, m, at + 1, "curl upload");
        if (streq(a, "-T") || streq(a, "--upload-file")) sh_note_read(c, m, v, "curl upload");
      }
      if (sh_has_secret_var(v))
        sh_report(c, m, DS_SHELL_READ_SECRETS, "secrets.sent_variable", "%s sends a secret variable", name);
    }
    if (h.url && h.upload && !sh_local_host(h.url))
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.http", "%s sends data to %s", name, h.url);
    return;
  }
  if (streq(name, "ssh") || streq(name, "autossh") || streq(name, "plink") || streq(name, "dbclient")) {
    m->claimed = true;
    ssh_judge(c, m);
    return;
  }
  static const char *const copiers[] = {"scp", "rsync", "sftp", "rclone", NULL};
  if (sh_in(name, copiers)) {
    size_t nonopt = 0;
    const char *last = NULL;
    static const char *const s_arg[] = {"-i", "-P", "-p", "-o", "-F", "-e", "-l", "-c", "-S", "-J", "--exclude",
                                        "--include", "--rsh", "--filter", "-f", NULL};
    bool src_local_secret = false;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (a[0] == '-') { if (sh_opt_takes(a, s_arg)) k++; continue; }
      nonopt++;
      last = a;
    }
    size_t seen = 0;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (a[0] == '-') { if (sh_opt_takes(a, s_arg)) k++; continue; }
      if (++seen < nonopt) {
        struct pinfo pi;
        sh_classify(c, a, &pi);
        if (sh_secret_path(&pi)) src_local_secret = true;
      }
    }
    if (streq(name, "rclone")) {
      m->claimed = true;
      if (argc > 1 && (streq(argv[1]->s, "copy") || streq(argv[1]->s, "sync") || streq(argv[1]->s, "move")) && last &&
          sh_remote_spec(last))
        sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.rclone", "rclone uploads to %s", last);
      return;
    }
    if (streq(name, "sftp") && argc > 1 && !sh_local_host(argv[argc - 1]->s)) {
      for (size_t r = 0; r < m->nredir; r++)
        if ((m->redirs[r]->heredoc && strstr(m->redirs[r]->heredoc, "put ")) ||
            (streq(m->redirs[r]->redir, "<<<") && strstr(m->redirs[r]->w.s, "put ")))
          sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.sftp_put", "sftp puts files on %s", argv[argc - 1]->s);
    }
    if (last && nonopt >= 2 && sh_remote_spec(last) && !sh_local_host(last)) {
      m->claimed = true;
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.copy_remote", "%s copies to %s", name, last);
      if (src_local_secret) sh_report(c, m, DS_SHELL_READ_SECRETS, "secrets.sent_file", "%s sends a credential file", name);
    } else if (!streq(name, "rsync")) {
      m->claimed = true;
      if (last && nonopt >= 2) {
        sh_note_write(c, m, last, name);
        seen = 0;
        for (size_t k = 1; k < argc; k++) {
          const char *a = argv[k]->s;
          if (a[0] == '-') { if (sh_opt_takes(a, s_arg)) k++; continue; }
          if (++seen < nonopt) sh_note_read(c, m, a, name);
        }
      }
    }
    return;
  }
  struct sh_nc nc;
  if (sh_parse_nc(m, &nc) || streq(name, "socat") || streq(name, "telnet") || streq(name, "openssl") ||
      streq(name, "cryptcat") || streq(name, "sbd")) {
    if (!streq(name, "openssl")) m->claimed = true;
    /* what it sends: a pipe (not an empty echo, the idiom that closes s_client) or a file */
    bool input = c->pipe_in && !(c->in_known && !c->in_text[strspn(c->in_text, " \n\t")]);
    for (size_t r = 0; r < m->nredir; r++)
      if (m->redirs[r]->redir[0] == '<' && !sh_net_fd(c, m->redirs[r]) && strcmp(m->redirs[r]->w.s, "/dev/null"))
        input = true;
    if (streq(name, "socat")) {
      bool listen = false, exec = false;
      const char *remote = NULL;
      for (size_t k = 1; k < argc; k++) {
        const char *a = argv[k]->s;
        if (strncasecmp(a, "TCP-LISTEN", 10) == 0 || strncasecmp(a, "TCP4-LISTEN", 11) == 0 ||
            strncasecmp(a, "TCP6-LISTEN", 11) == 0 || strncasecmp(a, "UDP-LISTEN", 10) == 0 ||
            strncasecmp(a, "OPENSSL-LISTEN", 14) == 0 || strncasecmp(a, "SSL-L", 5) == 0)
          listen = true;
        else if (strncasecmp(a, "EXEC:", 5) == 0 || strncasecmp(a, "SYSTEM:", 7) == 0)
          exec = true;
        else if ((strncasecmp(a, "TCP", 3) == 0 || strncasecmp(a, "UDP", 3) == 0 || strncasecmp(a, "OPENSSL", 7) == 0 ||
                  strncasecmp(a, "SSL:", 4) == 0) && strchr(a, ':') && !sh_local_host(strchr(a, ':') + 1))
          remote = a;
      }
      if (exec) return; /* reverse_shell.c */
      if (listen && remote)
        sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.port_forward", "socat forwards a listening port to %s", remote);
      else if (listen)
        sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.listener", "socat serves a local stream on a listening port");
      else if (remote)
        sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.socat", "socat to %s", remote);
      return;
    }
    if (streq(name, "openssl")) {
      if (argc < 2 || !streq(argv[1]->s, "s_client")) return;
      const char *host = NULL;
      for (size_t k = 2; k + 1 < argc; k++)
        if (streq(argv[k]->s, "-connect")) host = argv[k + 1]->s;
      if (host && !sh_local_host(host) && input && !c->shell_pipe)
        sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.openssl", "openssl s_client sends data to %s", host);
      return;
    }
    if (nc.exec) return; /* reverse_shell.c */
    if (c->shell_pipe) return;
    if (nc.listen && input) {
      sh_report(c, m, DS_SHELL_EXPOSE_SERVICE, "upload.listener", "%s serves a file on a listening port", name);
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.nc_serve", "%s hands a file to whoever connects", name);
      return;
    }
    bool scan = false;
    for (size_t k = 1; k < argc; k++)
      if (argv[k]->s[0] == '-' && argv[k]->s[1] != '-' && strchr(argv[k]->s, 'z')) scan = true;
    const char *host = nc.is_nc ? nc.host : NULL;
    if (!host && !nc.is_nc)
      for (size_t k = 1; k < argc; k++)
        if (argv[k]->s[0] != '-') {
          host = argv[k]->s;
          break;
        }
    if (!nc.listen && !scan && host && !sh_local_host(host) && (input || nc.is_nc))
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.netcat", "%s sends to %s", name, host);
    return;
  }
  if (streq(name, "aws") || streq(name, "gsutil") || streq(name, "gcloud") || streq(name, "az") || streq(name, "gh") ||
      streq(name, "azcopy") || streq(name, "s3cmd") || streq(name, "mc")) {
    char joined[512];
    size_t o = 0;
    joined[0] = 0;
    for (size_t k = 1; k < argc && o < sizeof joined; k++)
      o += (size_t)snprintf(joined + o, sizeof joined - o, "%s ", argv[k]->s);
    const char *dst = argv[argc - 1]->s;
    if ((streq(name, "aws") && (strstr(joined, "s3 cp ") || strstr(joined, "s3 sync ") || strstr(joined, "s3 mv "))) ||
        (streq(name, "gsutil") && (strstr(joined, "cp ") || strstr(joined, "rsync "))) ||
        (streq(name, "gcloud") && strstr(joined, "storage cp ")) || (streq(name, "s3cmd") && strstr(joined, "put ")) ||
        (streq(name, "azcopy") && strstr(joined, "copy ")) || (streq(name, "mc") && strstr(joined, "cp "))) {
      if (strncmp(dst, "s3://", 5) == 0 || strncmp(dst, "gs://", 5) == 0 || strncmp(dst, "https://", 8) == 0 ||
          (streq(name, "mc") && strchr(dst, '/') && dst[0] != '/' && dst[0] != '.'))
        sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.cloud", "%s uploads to %s", name, dst);
    }
    if ((streq(name, "az") && strstr(joined, "storage blob upload")) || (streq(name, "gh") && strstr(joined, "gist create")))
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.cloud", "%s uploads data", name);
    return;
  }
  /* data hidden in other protocols: DNS names, ping patterns, whois queries built from files */
  static const char *const dns[] = {"dig", "nslookup", "host", "drill", "ping", "ping6", "whois", "traceroute", NULL};
  if (sh_in(name, dns)) {
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if ((argv[k]->dyn && has_dynamic_label(a)) ||
          (streq(name, "ping") && streq(a, "-p") && k + 1 < argc && argv[k + 1]->dyn)) {
        sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.covert_channel", "%s carries data in %s", name,
                  streq(name, "ping") ? "its payload" : "a query");
        break;
      }
      if (streq(name, "whois") && streq(a, "-h") && k + 1 < argc && !sh_local_host(argv[k + 1]->s))
        for (size_t q = k + 2; q < argc; q++)
          if (argv[q]->dyn)
            sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.covert_channel", "whois sends data to %s", argv[k + 1]->s);
    }
    if (c->pipe_in && streq(name, "whois")) sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.covert_channel", "whois sends piped data");
    return;
  }
  if (streq(name, "smbclient") || streq(name, "lftp") || streq(name, "ftp") || streq(name, "tftp") ||
      streq(name, "curlftpfs") || streq(name, "ncftpput") || streq(name, "sshpass")) {
    if (streq(name, "ncftpput")) {
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.ftp", "ncftpput uploads files");
      return;
    }
    char joined[512];
    size_t o = 0;
    joined[0] = 0;
    for (size_t k = 1; k < argc && o < sizeof joined; k++)
      o += (size_t)snprintf(joined + o, sizeof joined - o, "%s ", argv[k]->s);
    for (size_t r = 0; r < m->nredir; r++) {
      const char *t = m->redirs[r]->heredoc ? m->redirs[r]->heredoc : m->redirs[r]->w.s;
      if (t && o < sizeof joined) o += (size_t)snprintf(joined + o, sizeof joined - o, "%s ", t);
    }
    if (strstr(joined, "put ") || strstr(joined, "-p ") || strstr(joined, "mput ") || strstr(joined, "-c put"))
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.ftp", "%s puts files on a remote host", name);
  }
}

const struct sh_class sh_class_upload = {"upload", judge};
