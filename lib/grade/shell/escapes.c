/* escapes.c: shells and commands started through another program, where the program was not
 * meant to run them: hook options (tar --checkpoint-action=exec=, zip -TT, rsync -e 'sh -c',
 * ssh -o ProxyCommand, git -c core.pager, aria2c --on-download-*, apt -o ...Pre-Invoke), the
 * '!sh' of pagers and editors (less, man, vim -c '!sh', gdb -ex '!sh', mysql '\!', sqlite3
 * .shell), a shell run by a program under sudo or from a set-uid copy (sh -p), and code loaded
 * through the environment (LD_PRELOAD, BASH_ENV, PAGER=..., LESSOPEN=...). shell_escape. */
#include "grade/shell/shell_int.h"

/* the value of a variable that makes a program load or run code */
void sh_escape_env(struct ctx *c, struct cmd *m, const char *s) {
  const char *eq = strchr(s, '=');
  if (!eq || !eq[1]) return;
  char name[48];
  snprintf(name, sizeof name, "%.*s", (int)(eq - s), s);
  const char *v = eq + 1;
  /* loaded into every program or shell: always code */
  static const char *const always[] = {"LD_PRELOAD", "LD_AUDIT", "BASH_ENV", "ENV", "PROMPT_COMMAND", "PERL5DB",
                                       "PYTHONSTARTUP", "PYTHONINSPECT", "NODE_OPTIONS", "RUBYOPT", "PERL5OPT",
                                       "GCONV_PATH", "DYLD_INSERT_LIBRARIES", "BASH_FUNC_", NULL};
  /* search paths: code only when they point at temporary or odd places */
  static const char *const paths[] = {"LD_LIBRARY_PATH", "PYTHONPATH", "PERL5LIB", "PERLLIB", "RUBYLIB", "NODE_PATH",
                                      "GEM_PATH", "CLASSPATH", "LUA_PATH", "LUA_CPATH", NULL};
  /* programs run as hooks: code when not a plain pager or editor */
  static const char *const hooks[] = {"PAGER", "MANPAGER", "GIT_PAGER", "SYSTEMD_PAGER", "SYSTEMD_EDITOR", "EDITOR",
                                      "VISUAL", "GIT_EDITOR", "LESSOPEN", "LESSCLOSE", "CRASHPAGER", "BROWSER",
                                      "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "SSH_ASKPASS",
                                      "SUDO_ASKPASS", "PSQL_PAGER", "MYSQL_PAGER", "SYSTEMD_PAGERSECURE", "LESS",
                                      "TAR_OPTIONS", "PIP_CONFIG_FILE", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "EXINIT",
                                      "VIMINIT", "GIT_CONFIG_PARAMETERS", "GIT_PROXY_COMMAND", NULL};
  bool odd_place = strstr(v, "/tmp") || strstr(v, "/dev/shm") || strstr(v, "/var/tmp") || v[0] == '$' ||
                   strstr(v, "/path/to");
  if (sh_in(name, always) || strncmp(name, "BASH_FUNC_", 10) == 0) {
    if ((streq(name, "NODE_OPTIONS") || streq(name, "RUBYOPT") || streq(name, "PERL5OPT")) &&
        !(strstr(v, "-r") || strstr(v, "--require") || strstr(v, "--import") || strstr(v, "-M") || strstr(v, "-d")))
      return;
    if (streq(name, "ENV") && !strchr(v, '/') && v[0] != '$') return;
    sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.environment_code", "%s=%s loads code into the program", name, v);
    return;
  }
  if (sh_in(name, paths)) {
    if (odd_place || m->privileged)
      sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.environment_path", "%s=%s loads code from there", name, v);
    return;
  }
  if (sh_in(name, hooks)) {
    static const char *const plain[] = {"cat", "less", "more", "most", "bat", "vim", "vi", "nvim", "nano", "emacs", "code",
                                        "true", ":", "delta", "diff-so-fancy", "less -R", "less -FRX", "cat -v",
                                        "code --wait", "subl -w", "-R", "-FRX", "-FRSX", "micro", "hx", NULL};
    if (sh_in(v, plain)) return;
    bool code = strchr(v, '/') || v[0] == '$' || sh_spawns_shell(v) || strchr(v, ';') || strchr(v, '|') ||
                strchr(v, '!') || strstr(v, "sh -c") || strstr(v, "exec");
    if (code)
      sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.hook_environment", "%s=%s makes the program run it", name, v);
  }
}

/* programs with an option that runs another program */
struct hook {
  const char *prog;
  const char *opt;  /* prefix of the option word; its value (same word after '=' or the next) runs */
};
static const struct hook hooks[] = {
    {"tar", "--checkpoint-action"}, {"tar", "--to-command"}, {"tar", "--use-compress-program"}, {"tar", "-I"},
    {"tar", "--rsh-command"},       {"tar", "--info-script"}, {"tar", "--new-volume-script"}, {"zip", "-TT"},
    {"zip", "--unzip-command"},     {"rsync", "-e"},          {"rsync", "--rsh"},           {"ssh", "-o"},
    {"scp", "-S"},                  {"scp", "-o"},            {"sftp", "-o"},               {"git", "-c"},
    {"aria2c", "--on-download"},    {"aria2c", "--on-bt-download"}, {"apt-get", "-o"},      {"apt", "-o"},
    {"make", "--eval"},             {"make", "-E"},           {"gdb", "-ex"},               {"gdb", "--eval-command"},
    {"vim", "-c"},                  {"vim", "--cmd"},         {"vi", "-c"},                 {"nvim", "-c"},
    {"nvim", "--cmd"},              {"ex", "-c"},             {"view", "-c"},               {"rvim", "-c"},
    {"mysql", "-e"},                {"sqlite3", ".shell"},    {"sqlite3", ".system"},       {"nmap", "--script"},
    {"dmsetup", "--exec"},          {"fzf", "--preview"},     {"fzf", "--bind"},            {"rg", "--pre"},
    {"zic", "-y"},                  {"run-parts", "--regex"}, {"start-stop-daemon", "-x"},  {"split", "--filter"},
    {"sort", "--compress-program"}, {"find", "-fprintf"},     {"ip", "netns"},              {"nsenter", "-t"},
    {"watch", "-x"},                {"ansible", "-a"},        {"knife", "exec"},            {"puppet", "apply"},
    {"expect", "-c"},               {"mail", "--exec"},       {"man", "-P"},                {"man", "--pager"},
    {"journalctl", "--pager"},      {"less", "+!"},           {"psql", "-c"},
    {"dpkg", "--pre-invoke"},       {"tcpdump", "-z"},        {"busctl", "--address"},      {"systemctl", "--pager"},
};

static bool hook_value_runs(const char *prog, const char *v) {
  if (!v || !*v) return false;
  if (sh_spawns_shell(v)) return true;
  if (strstr(v, "exec=") || strstr(v, "exec:") || strstr(v, "/path/to/command") || strstr(v, "$TF") ||
      strstr(v, "/tmp/") || strstr(v, "/dev/shm/"))
    return true;
  if (v[0] == '!' || strstr(v, ":!") || strstr(v, "\\!") || strncmp(v, "shell ", 6) == 0 || strstr(v, "!/bin"))
    return true;
  if (streq(prog, "gdb") && (strncmp(v, "python", 6) == 0 || strstr(v, "call system")))
    return true;
  if ((streq(prog, "vim") || streq(prog, "vi") || streq(prog, "nvim") || streq(prog, "ex") || streq(prog, "rvim") ||
       streq(prog, "view")) && (strstr(v, ":py") || strstr(v, ":lua") || strstr(v, "system(") || strncmp(v, "py", 2) == 0 ||
                                strncmp(v, "lua", 3) == 0))
    return true;
  if (streq(prog, "git") && (strncmp(v, "core.pager=", 11) == 0 || strncmp(v, "core.editor=", 12) == 0 ||
                             strncmp(v, "core.sshCommand=", 16) == 0 || strncmp(v, "core.fsmonitor=", 15) == 0 ||
                             strncmp(v, "diff.external=", 14) == 0 || strncmp(v, "alias.", 6) == 0) &&
      strchr(v, '=') && (strchr(strchr(v, '=') + 1, '/') || strchr(v, '!') || strchr(v, ';')))
    return true;
  if ((streq(prog, "apt-get") || streq(prog, "apt")) && strstr(v, "Invoke")) return true;
  if (streq(prog, "make") && strchr(v, '\t')) return true;
  if (streq(prog, "zic") || streq(prog, "start-stop-daemon") || streq(prog, "run-parts") || streq(prog, "tcpdump") ||
      streq(prog, "aria2c") || streq(prog, "dmsetup"))
    return true;
  return false;
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  const char *a0 = argv[0]->s;
  /* !sh typed into a pager or editor: a line of its own starting with '!' */
  if (a0[0] == '!' && a0[1] && (sh_spawns_shell(a0 + 1) || sh_is_shell(sh_base(a0 + 1)) || a0[1] == '/')) {
    sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.bang_shell", "'%s' starts a shell from an interactive program", a0);
    return;
  }
  /* a set-uid copy run, or a shell asked to keep set-uid privileges (sh -p) */
  if (c->st)
    for (unsigned i = 0; i < c->st->n_setuid; i++)
      if (streq(sh_base(a0), sh_base(c->st->setuid[i])) && (strchr(a0, '/') || streq(a0, c->st->setuid[i]))) {
        sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.setuid_copy", "runs the set-uid file '%s'", a0);
        m->privileged = true;
      }
  if (sh_is_shell(name)) {
    for (size_t k = 1; k < argc; k++)
      if (streq(argv[k]->s, "-p") || (argv[k]->s[0] == '-' && argv[k]->s[1] != '-' && strchr(argv[k]->s, 'p') &&
                                       !strchr(argv[k]->s, 'c')))
        sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.privileged_shell", "%s -p keeps set-uid privileges", name);
    return;
  }
  if (sh_is_interp(name)) return; /* code.c reads the code */
  /* hook options of programs */
  for (size_t i = 0; i < DS_ARRAY_LEN(hooks); i++) {
    if (!streq(name, hooks[i].prog)) continue;
    size_t ol = strlen(hooks[i].opt);
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      const char *v = NULL;
      if (streq(a, hooks[i].opt)) v = k + 1 < argc ? argv[k + 1]->s : NULL;
      else if (strncmp(a, hooks[i].opt, ol) == 0) v = a + ol + (a[ol] == '=' ? 1 : 0);
      else if (hooks[i].opt[0] == '.' && strstr(a, hooks[i].opt)) v = strstr(a, hooks[i].opt) + ol;
      if (!v) continue;
      if (hooks[i].opt[0] == '.' || hook_value_runs(name, v) || (streq(name, "mysql") && strstr(v, "\\!")) ||
          (strncmp(hooks[i].opt, "--checkpoint", 12) == 0 && strstr(v, "exec"))) {
        sh_report(c, m, DS_SHELL_SHELL_ESCAPE, "escapes.program_hook", "%s %s runs a command", name, hooks[i].opt);
        if (hooks[i].opt[0] != '.' && strchr(v, ' ') && c->depth < SH_MAX_DEPTH) {
          const char *inner = v;
          if (strncmp(inner, "exec=", 5) == 0) inner += 5;
          sh_analyze_string(c, m, inner);
        }
        return;
      }
    }
  }
  /* any option=value, or any argument of a privileged program, that starts a shell */
  static const char *const data_args[] = {"grep", "egrep", "fgrep", "rg", "ag", "echo", "printf", "sed", "jq", "git",
                                          "docker", "podman", "kubectl", "ssh", "tmux", "screen", "man", "apropos",
                                          "which", "type", "whereis", "command", "test", "[", "chsh", "usermod",
                                          "useradd", "ls", "stat", "file", NULL};
  if (sh_in(name, data_args)) return;
  for (size_t k = 1; k < argc; k++) {
    const char *a = argv[k]->s;
    const char *eq = a[0] == '-' ? strchr(a, '=') : NULL;
    const char *v = eq ? eq + 1 : m->privileged && (strchr(a, '/') || strchr(a, ' ')) ? a : NULL;
    if (v && (sh_spawns_shell(v) || strstr(v, "exec=/") || strstr(v, "exec=sh"))) {
      sh_report(c, m, DS_SHELL_SHELL_ESCAPE, m->privileged ? "escapes.privileged_program" : "escapes.option_shell",
                "%s %s starts a shell", name, m->privileged ? "under sudo" : a);
      return;
    }
  }
}

const struct sh_class sh_class_escapes = {"escapes", judge};
