/* main.c: the depsim tool: global options and the command table (generated from the
 * cmd_<name>.c files present, see cli/commands.cmake). */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "depsim/stats.h"
#include "commands.h" /* generated: extern const struct cli_command cmd_<name>_info; ... */

static const struct cli_command *const commands[] = {DS_CLI_COMMANDS NULL};

const char *cli_prog = "depsim";
int cli_quiet;

static void log_to_stderr(void *ud, enum ds_log_level level, const char *msg) {
  (void)ud;
  static const char *names[] = {"debug", "info", "warning", "error"};
  if (level == DS_LOG_DEBUG && !getenv("DEPSIM_DEBUG")) return;
  if (level == DS_LOG_INFO && cli_quiet) return;
  if (level == DS_LOG_INFO) fprintf(stderr, "%s: %s\n", cli_prog, msg);
  else fprintf(stderr, "%s: %s: %s\n", cli_prog, names[level], msg);
}

/* Ctrl-C and SIGTERM: the first asks the running command to stop (through cli_log.cancel, which
 * every library call of the command reads); the library stops within about a second with what
 * it committed kept. A second signal ends the process at once (the signal's default action). */
static volatile int cli_cancelled;
static void on_cancel_signal(int sig) {
  if (cli_cancelled) {
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when the handler returns */
    return;
  }
  cli_cancelled = 1;
}

void cli_cancel_on_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_cancel_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a wait (epoll_wait, poll) returns EINTR and the loop checks */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

bool cli_was_cancelled(void) { return cli_cancelled != 0; }

const struct ds_log cli_log = {log_to_stderr, NULL, &cli_cancelled};

int cli_error(const struct ds_err *err) {
  fprintf(stderr, "%s: error: %s\n", cli_prog, err && err->msg[0] ? err->msg : "failed");
  return EXIT_RUNTIME;
}

int cli_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: error: ", cli_prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return EXIT_RUNTIME;
}

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", cli_prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry '%s --help'.\n", cli_prog);
  va_end(ap);
  return EXIT_USAGE;
}

bool cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return true;
  }
  return false;
}

int cli_print_usage(const struct cli_command *cmd) {
  fputs(cmd->usage, stdout);
  return EXIT_OK;
}

bool cli_parse_double(const char *opt, const char *value, double *out) {
  char *end;
  double v = strtod(value, &end);
  if (end == value || *end) {
    cli_usage_error("%s: not a number: '%s'", opt, value);
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_u64(const char *opt, const char *value, unsigned long long *out) {
  char *end;
  if (*value == '-') {
    cli_usage_error("%s: must not be negative: '%s'", opt, value);
    return false;
  }
  unsigned long long v = strtoull(value, &end, 10);
  if (end == value || *end) {
    cli_usage_error("%s: not a whole number: '%s'", opt, value);
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_shard(const char *value, unsigned *out_index, unsigned *out_count) {
  unsigned i, n;
  char extra;
  if (sscanf(value, "%u/%u%c", &i, &n, &extra) != 2 || n == 0 || i >= n) {
    cli_usage_error("--shard: expected i/N with 0 <= i < N, got '%s'", value);
    return false;
  }
  *out_index = i;
  *out_count = n;
  return true;
}

bool cli_parse_fraction(const char *opt, const char *value, double *out) {
  double v;
  if (!cli_parse_double(opt, value, &v)) return false;
  if (!(v > 0 && v < 1)) {
    cli_usage_error("%s must be in (0,1)", opt);
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_pair_mismatch(const char *value, enum ds_pair_mismatch *out) {
  if (strcmp(value, "fail") == 0) *out = DS_PAIR_MISMATCH_FAIL;
  else if (strcmp(value, "drop") == 0) *out = DS_PAIR_MISMATCH_DROP;
  else return cli_usage_error("--pair-mismatch: expected 'fail' or 'drop', got '%s'", value), false;
  return true;
}

enum ds_status cli_write_output(const char *path, const char *text, size_t len, struct ds_err *err) {
  if (strcmp(path, "-") == 0) {
    fwrite(text, 1, len, stdout);
    return DS_OK;
  }
  return ds_write_file(path, text, len, err);
}

static void print_help(FILE *f) {
  fprintf(f,
          "usage: depsim [--version] [--help] COMMAND [ARGS]\n\n"
          "depsim simulates a model's deployment before it ships: it replays real traffic\n"
          "through a candidate model, grades the new responses for undesired behaviors and\n"
          "forecasts how often each will happen once the model is live.\n\n"
          "Commands:\n");
  for (const struct cli_command *const *c = commands; *c; c++)
    fprintf(f, "  %-13s %s\n", (*c)->name, (*c)->summary);
  fprintf(f,
          "\n'depsim COMMAND --help' describes a command. Exit codes: 0 ok, 1 gate failed,\n"
          "2 usage error (gate: inconclusive), 3 runtime error. See depsim(1).\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_help(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    if (argc > 2) name = argv[2];
    else {
      print_help(stdout);
      return EXIT_OK;
    }
    for (const struct cli_command *const *c = commands; *c; c++)
      if (strcmp((*c)->name, name) == 0) return cli_print_usage(*c);
    fprintf(stderr, "depsim: '%s' is not a command\n", name);
    return EXIT_USAGE;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    struct ds_err err = {0};
    ds_init(&err);
    printf("%s\n", ds_version());
    return EXIT_OK;
  }
  for (const struct cli_command *const *c = commands; *c; c++) {
    if (strcmp((*c)->name, name) != 0) continue;
    static char prog[64];
    snprintf(prog, sizeof prog, "depsim %s", name);
    cli_prog = prog;
    if (cli_wants_help(argc - 1, argv + 1)) return cli_print_usage(*c);
    struct ds_err err = {0};
    if (ds_init(&err)) return cli_error(&err);
    return (*c)->run(argc - 1, argv + 1);
  }
  fprintf(stderr, "depsim: '%s' is not a command; see 'depsim --help'\n", name);
  return EXIT_USAGE;
}
