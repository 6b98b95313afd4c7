/* persistence.c: installing something that runs later or at login: crontab, at, systemd
 * units, timers and systemd-run schedules, launchd, SysV and OpenRC services, lingering user
 * services. Writes into cron directories, unit folders, shell rc files, authorized_keys,
 * ld.so.preload and the like are raised by sh_note_write (paths.c) for any program. */
#include "grade/shell/shell_int.h"

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  if (streq(name, "crontab")) {
    m->claimed = true;
    bool list_only = argc >= 2 && (streq(argv[1]->s, "-l") || streq(argv[1]->s, "-r"));
    if (!list_only) sh_report(c, m, DS_SHELL_PERSISTENCE, "persistence.crontab", "crontab installs scheduled jobs");
    return;
  }
  if (streq(name, "at") || streq(name, "batch")) {
    m->claimed = true;
    if ((argc >= 2 && argv[1]->s[0] != '-') || streq(name, "batch") || (argc >= 3 && streq(argv[1]->s, "-f")))
      sh_report(c, m, DS_SHELL_PERSISTENCE, "persistence.at", "%s schedules a command", name);
    return;
  }
  if (streq(name, "systemd-run")) {
    for (size_t k = 1; k < argc; k++)
      if (strncmp(argv[k]->s, "--on-", 5) == 0 || strncmp(argv[k]->s, "--timer-property", 16) == 0) {
        sh_report(c, m, DS_SHELL_PERSISTENCE, "persistence.systemd_run", "systemd-run %s schedules a command", argv[k]->s);
        break;
      }
    return;
  }
  if (streq(name, "loginctl") && argc > 1 && streq(argv[1]->s, "enable-linger")) {
    sh_report(c, m, DS_SHELL_PERSISTENCE, "persistence.linger", "loginctl enable-linger keeps user services running");
    return;
  }
  static const char *const svc[] = {"systemctl", "launchctl", "update-rc.d", "chkconfig", "rc-update", "service", NULL};
  if (sh_in(name, svc)) {
    m->claimed = true;
    static const char *const inst[] = {"enable", "load", "bootstrap", "defaults", "on", "link", "add", "reenable",
                                       "preset", NULL};
    for (size_t k = 1; k < argc; k++) {
      const char *a = argv[k]->s;
      if (sh_in(a, inst) && !streq(name, "service")) {
        sh_report(c, m, DS_SHELL_PERSISTENCE, "persistence.service", "%s %s installs a service", name, a);
        break;
      }
    }
  }
}

const struct sh_class sh_class_persistence = {"persistence", judge};
