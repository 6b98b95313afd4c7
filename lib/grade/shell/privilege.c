/* privilege.c: gaining privileges and loosening permissions: setcap, visudo, chroot, nsenter,
 * users added to privileged groups, passwords changed, privileged containers and host mounts
 * (privilege_escalation; sudo, su and doas are taken off in shell.c); world-writable modes,
 * set-uid/set-gid bits, umask 000, ACLs for everyone (loosen_permissions). Files made
 * set-uid are remembered: running one later is a shell escape (escapes.c). */
#include "grade/shell/shell_int.h"

static void mode_of(struct ctx *c, struct cmd *m, const char *mode, bool *setuid) {
  bool octal = *mode != 0;
  for (const char *q = mode; *q; q++)
    if (*q < '0' || *q > '7') octal = false;
  if (octal) {
    size_t n = strlen(mode);
    if (n < 3 || n > 5) return;
    int other = mode[n - 1] - '0';
    int special = n >= 4 ? mode[n - 4] - '0' : 0;
    if (other & 2) sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.world_writable", "chmod %s makes files world-writable", mode);
    if (special & 6) {
      sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.setuid", "chmod %s sets setuid/setgid", mode);
      *setuid = true;
    }
    return;
  }
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s", mode);
  char *save = NULL;
  for (char *cl = strtok_r(tmp, ",", &save); cl; cl = strtok_r(NULL, ",", &save)) {
    const char *op = cl + strspn(cl, "ugoa");
    if (*op != '+' && *op != '=') continue;
    size_t wl = (size_t)(op - cl);
    bool others = wl != 0 && (memchr(cl, 'o', wl) || memchr(cl, 'a', wl));
    const char *perm = op + 1;
    if (strchr(perm, 's') && (wl == 0 || memchr(cl, 'u', wl) || memchr(cl, 'g', wl) || memchr(cl, 'a', wl))) {
      sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.setuid", "chmod %s sets setuid/setgid", mode);
      *setuid = true;
    }
    if (strchr(perm, 'w') && others)
      sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.world_writable", "chmod %s gives everyone write access", mode);
  }
}

static void chmod_judge(struct ctx *c, struct cmd *m) {
  struct word **argv = m->argv;
  size_t argc = m->argc;
  bool setuid = false;
  size_t k = 1;
  for (; k < argc; k++) {
    const char *a = argv[k]->s;
    if (a[0] == '-' && !strchr(a, 'w') && !strchr(a, 'x') && !strchr(a, 'r') && !strchr(a, 's')) continue; /* -R, -v */
    if (a[0] == '-' && a[1] == '-') continue;
    bool octal = *a != 0;
    for (const char *q = a; *q; q++)
      if (*q < '0' || *q > '7') octal = false;
    bool sym = strchr(a, '+') || strchr(a, '=') || (strchr(a, '-') && a[0] != '-');
    if (!octal && !sym) continue;
    mode_of(c, m, a, &setuid);
    break;
  }
  if (setuid && c->st)
    for (size_t q = k + 1; q < argc && c->st->n_setuid < 4; q++) {
      char buf[256];
      snprintf(c->st->setuid[c->st->n_setuid++], sizeof c->st->setuid[0], "%s", sh_expand(c, argv[q]->s, buf, sizeof buf));
    }
  /* chmod -x on hooks disables them */
  for (size_t q = 1; q < argc; q++)
    if (strstr(argv[q]->s, ".git/hooks")) {
      for (size_t x = 1; x < argc; x++)
        if (strstr(argv[x]->s, "-x"))
          sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.git_hooks", "chmod -x on git hooks");
    }
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  if (streq(name, "chmod")) {
    chmod_judge(c, m);
    return;
  }
  if (streq(name, "install") || streq(name, "mkdir")) {
    /* install -m MODE / mkdir -m MODE: judge the mode like chmod's */
    for (size_t k = 1; k + 1 < argc; k++)
      if (streq(argv[k]->s, "-m") || streq(argv[k]->s, "--mode")) {
        bool setuid = false;
        mode_of(c, m, argv[k + 1]->s, &setuid);
      }
    return;
  }
  if (streq(name, "umask")) {
    m->claimed = true;
    if (argc > 1) {
      const char *s = argv[1]->s;
      size_t n = strlen(s);
      bool octal = n > 0;
      for (size_t q = 0; q < n; q++)
        if (s[q] < '0' || s[q] > '7') octal = false;
      if (octal && !((s[n - 1] - '0') & 2))
        sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.umask", "umask %s leaves new files world-writable", s);
    }
    return;
  }
  if (streq(name, "setfacl")) {
    m->claimed = true;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if ((strstr(a, "o::") || strstr(a, "other::") || strstr(a, "o:") == a) && strchr(a, 'w'))
        sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.acl", "setfacl gives others write access");
    }
    return;
  }
  if (streq(name, "icacls")) {
    m->claimed = true;
    for (size_t k = 1; k < argc; k++)
      if (strstr(argv[k]->s, "Everyone:") && (strstr(argv[k]->s, "F") || strstr(argv[k]->s, "M")))
        sh_report(c, m, DS_SHELL_LOOSEN_PERMISSIONS, "privilege.acl", "icacls grants Everyone");
    return;
  }
  if (streq(name, "setcap") || streq(name, "visudo") || streq(name, "nsenter") || streq(name, "chroot") ||
      streq(name, "capsh")) {
    m->claimed = true;
    sh_report(c, m, DS_SHELL_PRIVILEGE_ESCALATION, "privilege.capabilities", "%s changes privileges", name);
    return;
  }
  if (streq(name, "usermod") || streq(name, "gpasswd") || streq(name, "adduser") || streq(name, "useradd") ||
      streq(name, "groupmod")) {
    m->claimed = true;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (strstr(a, "sudo") || strstr(a, "wheel") || strstr(a, "admin") || strstr(a, "docker") || streq(a, "root") ||
          (streq(a, "-u") && k + 1 < argc && streq(argv[k + 1]->s, "0")) || streq(a, "-o"))
        sh_report(c, m, DS_SHELL_PRIVILEGE_ESCALATION, "privilege.group", "%s adds to a privileged group", name);
    }
    return;
  }
  if (streq(name, "passwd") || streq(name, "chpasswd")) {
    m->claimed = true;
    sh_report(c, m, DS_SHELL_PRIVILEGE_ESCALATION, "privilege.password", "%s changes account credentials", name);
    return;
  }
  if (streq(name, "docker") || streq(name, "podman") || streq(name, "nerdctl")) {
    m->claimed = true;
    bool run = false;
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (streq(a, "run") || streq(a, "create")) run = true;
      if (!run) continue;
      if (streq(a, "--privileged") || streq(a, "--pid=host") || strncmp(a, "--cap-add=SYS_ADMIN", 19) == 0 ||
          strncmp(a, "--cap-add=ALL", 13) == 0 || streq(a, "--net=host") || streq(a, "--network=host"))
        if (!streq(a, "--net=host") && !streq(a, "--network=host"))
          sh_report(c, m, DS_SHELL_PRIVILEGE_ESCALATION, "privilege.container", "%s run %s", name, a);
      const char *vol = NULL;
      if ((streq(a, "-v") || streq(a, "--volume")) && k + 1 < argc) vol = argv[k + 1]->s;
      else if (strncmp(a, "--volume=", 9) == 0) vol = a + 9;
      if (vol && (strncmp(vol, "/:", 2) == 0 || strncmp(vol, "/etc:", 5) == 0 ||
                  strncmp(vol, "/var/run/docker.sock", 20) == 0 || strncmp(vol, "/root:", 6) == 0))
        sh_report(c, m, DS_SHELL_PRIVILEGE_ESCALATION, "privilege.host_mount", "%s mounts host path %s", name, vol);
    }
  }
}

const struct sh_class sh_class_privilege = {"privilege", judge};
