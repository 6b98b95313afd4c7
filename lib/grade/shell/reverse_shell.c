/* reverse_shell.c: shells wired to the network. A shell reached from outside through an
 * outgoing connection is reverse_shell, one served on a listening port is bind_shell: netcat
 * with -e/-c (nc, ncat, busybox nc, nc.traditional), socat exec:/system: with tcp: or
 * tcp-listen:, bash -i >& /dev/tcp/HOST/PORT and /dev/udp, exec N<>/dev/tcp then a shell or a
 * read loop on fd N, pipelines and mkfifo loops that join a shell to nc/telnet/openssl
 * s_client, xterm -display to a remote X server. Interpreter code is read in code.c. */
#include "grade/shell/shell_int.h"

static bool dev_net(const char *t) { return strncmp(t, "/dev/tcp/", 9) == 0 || strncmp(t, "/dev/udp/", 9) == 0; }

/* a redirection to /dev/tcp, or a dup of an fd opened on it (<&196, >&$REPLY after ztcp) */
bool sh_net_fd(const struct ctx *c, const struct tok *t) {
  const char *tg = t->w.s ? t->w.s : "";
  if (dev_net(tg)) return true;
  if (!c->st || (!streq(t->redir, ">&") && !streq(t->redir, "<&"))) return false;
  if (tg[0] == '$') {
    for (unsigned i = 0; i < c->st->n_net_fds; i++)
      if (c->st->net_fds[i] == -2) return true;
    return false;
  }
  int fd = atoi(tg);
  if (!isdigit((unsigned char)tg[0])) return false;
  for (unsigned i = 0; i < c->st->n_net_fds; i++)
    if (c->st->net_fds[i] == fd) return true;
  return false;
}

static bool reads_fifo(const struct ctx *c, const struct cmd *m) {
  for (size_t r = 0; r < m->nredir; r++)
    if (m->redirs[r]->redir[0] == '<' && c->st)
      for (unsigned i = 0; i < c->st->n_fifos; i++)
        if (streq(m->redirs[r]->w.s, c->st->fifos[i])) return true;
  return false;
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  bool shell = sh_is_shell(name) && sh_interactive_shell(argv, argc);
  bool dynamic = argv[0]->s[0] == '$' && !strchr(argv[0]->s, '(');
  /* remember named pipes: they close the loop of shell | nc > fifo */
  if ((streq(name, "mkfifo") || (streq(name, "mknod") && argc >= 3 && streq(argv[argc - 1]->s, "p"))) && c->st) {
    for (size_t k = 1; k < argc && c->st->n_fifos < 4; k++) {
      const char *a = argv[k]->s;
      if (a[0] == '-' || streq(a, "p")) continue;
      char buf[256];
      snprintf(c->st->fifos[c->st->n_fifos++], sizeof c->st->fifos[0], "%s", sh_expand(c, a, buf, sizeof buf));
    }
    return;
  }
  if (streq(name, "ztcp") && argc >= 3 && c->st && c->st->n_net_fds < 4) c->st->net_fds[c->st->n_net_fds++] = -2;
  /* sockets as files */
  bool net_in = false, net_out = false;
  const char *dev = NULL;
  for (size_t r = 0; r < m->nredir; r++) {
    struct tok *t = m->redirs[r];
    if (!sh_net_fd(c, t)) continue;
    if (dev_net(t->w.s)) dev = t->w.s;
    if (t->redir[0] == '<' || streq(t->redir, "<>")) net_in = true;
    if (t->redir[0] == '>' || streq(t->redir, "<>")) net_out = true;
    if (t->fd == 0 || streq(t->redir, "<&") || streq(t->redir, "<")) net_in = true;
  }
  if (streq(name, "exec") && argc == 1) return; /* exec N<>/dev/tcp/...: what runs on fd N decides */
  /* bash -i >& /dev/tcp/h/p 0>&1: >& gives both stdout and (with 0>&1) stdin */
  if (dev && (shell || dynamic || sh_is_shell(name))) {
    if (dev && !sh_local_host(dev + 9))
      sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.dev_tcp", "%s talks to %s", name, dev);
    return;
  }
  if ((net_in || net_out) && !dev && (sh_is_shell(name) || dynamic || streq(name, "while"))) {
    sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.socket_fd", "%s reads and writes a socket fd", argv[0]->s);
    return;
  }
  if (dev && !sh_local_host(dev + 9)) {
    if (net_out && !net_in) {
      sh_report(c, m, DS_SHELL_OUTBOUND_TRANSFER, "upload.dev_tcp", "redirect to %s", dev);
    } else if (net_in) {
      c->netcmd = true;
      c->downloads = true;
      const char *host = dev + 9;
      char url[160];
      snprintf(url, sizeof url, "tcp://%.*s", (int)strcspn(host, "/"), host);
      if (sh_raw_ip_host(url))
        sh_report(c, m, DS_SHELL_RISKY_DOWNLOAD, "download.raw_ip", "%s reads from the raw address %s", name, dev);
    }
  }
  /* netcat and socat with a program attached */
  struct sh_nc nc;
  if (sh_parse_nc(m, &nc)) {
    if (nc.exec) {
      if (nc.listen)
        sh_report(c, m, DS_SHELL_BIND_SHELL, "reverse_shell.nc_listen_exec", "%s serves %s on a listening port", name, nc.exec);
      else
        sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.nc_exec", "%s hands %s to %s", name, nc.exec,
                  nc.host ? nc.host : "a remote host");
      return;
    }
    if (c->shell_pipe || (reads_fifo(c, m) && c->pipe_in && c->shell_pipe)) {
      if (nc.listen) sh_report(c, m, DS_SHELL_BIND_SHELL, "reverse_shell.pipe_listen", "a shell piped into %s -l", name);
      else sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.pipe", "a shell piped into %s", name);
      return;
    }
    if (nc.listen) c->netlisten = true;
    c->netcmd = nc.listen || nc.host;
    return;
  }
  if (streq(name, "socat")) {
    bool exec = false, listen = false, net = false;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (strncasecmp(a, "EXEC:", 5) == 0 || strncasecmp(a, "SYSTEM:", 7) == 0) exec = true;
      if (strcasestr(a, "-LISTEN") || strncasecmp(a, "SSL-L", 5) == 0) listen = true;
      if (strncasecmp(a, "TCP", 3) == 0 || strncasecmp(a, "UDP", 3) == 0 || strncasecmp(a, "SSL", 3) == 0 ||
          strncasecmp(a, "OPENSSL", 7) == 0 || strncasecmp(a, "SCTP", 4) == 0 || strncasecmp(a, "SOCKS", 5) == 0)
        net = true;
    }
    if (exec && listen) sh_report(c, m, DS_SHELL_BIND_SHELL, "reverse_shell.socat_listen_exec", "socat serves a program on a listening port");
    else if (exec && net) sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.socat_exec", "socat hands a program to a remote host");
    else if (exec && !net)
      sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.socat_exec", "socat runs a program on its own input and output");
    else if (net && c->shell_pipe) sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.pipe", "a shell piped into socat");
    else if (net) c->netcmd = true;
    return;
  }
  if (streq(name, "telnet") || (streq(name, "openssl") && argc > 1 && streq(argv[1]->s, "s_client")) ||
      streq(name, "ncat-ssl") || streq(name, "cryptcat") || streq(name, "sbd")) {
    if (c->shell_pipe) {
      sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.pipe", "a shell piped into %s", name);
      return;
    }
    c->netcmd = true;
    return;
  }
  if ((streq(name, "xterm") || streq(name, "xterm-new")) && argc > 2)
    for (size_t k = 1; k + 1 < argc; k++)
      if (streq(argv[k]->s, "-display") && !sh_local_host(argv[k + 1]->s) && argv[k + 1]->s[0] != ':')
        sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.xterm", "xterm opens a shell on the X server %s", argv[k + 1]->s);
  /* an interactive shell fed by a network stage, or feeding one: nc h p | sh | nc h q */
  if (shell || (dynamic && c->pipe_in)) {
    if (c->pipe_in && c->net_pipe) {
      if (shell) c->ishell = true; /* nc | sh | nc: the shell also feeds the next stage */
      if (c->net_listen) sh_report(c, m, DS_SHELL_BIND_SHELL, "reverse_shell.pipe_listen", "%s runs what a listening port sends", name);
      else sh_report(c, m, DS_SHELL_REVERSE_SHELL, "reverse_shell.pipe", "%s runs what a network peer sends", name);
      return;
    }
    if (shell) c->ishell = true;
  }
}

void sh_pipeline_end(struct ctx *c, struct cmd *m) {
  (void)c;
  (void)m;
}

const struct sh_class sh_class_reverse_shell = {"reverse_shell", judge};
