/* cli.h: what every cmd_<name>.c shares: the command descriptor, exit codes, option
 * helpers and error reporting. A command parses options into a params struct, calls one
 * library entry point and renders the result. */
#ifndef DS_CLI_H
#define DS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "depsim/depsim.h"
#include "depsim/stats.h"

/* Documented exit codes (depsim(1)). gate uses 0 pass, 1 fail, 2 inconclusive, 3 error. */
enum { EXIT_OK = 0, EXIT_GATE_FAILED = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* One per cmd_<name>.c, named cmd_<name>_info; cli/CMakeLists collects them by file name. */
struct cli_command {
  const char *name;
  const char *summary;   /* one line for `depsim --help` */
  const char *usage;     /* full text for `depsim NAME --help` */
  int (*run)(int argc, char **argv);
};

extern const char *cli_prog;      /* "depsim ingest" while a command runs */
extern int cli_quiet;             /* --quiet given */

/* Prints "depsim CMD: error: msg" to stderr; returns EXIT_RUNTIME. */
int cli_error(const struct ds_err *err);
int cli_errorf(const char *fmt, ...) DS_PRINTF(1, 2);
/* Prints the error and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) DS_PRINTF(1, 2);
/* True when argv holds -h or --help: the caller prints usage and returns 0. */
bool cli_wants_help(int argc, char **argv);
/* Prints the command's usage text to stdout and returns EXIT_OK. */
int cli_print_usage(const struct cli_command *cmd);

/* Parse helpers: return false (after printing a usage error) when value is bad. */
bool cli_parse_double(const char *opt, const char *value, double *out);
bool cli_parse_u64(const char *opt, const char *value, unsigned long long *out);
bool cli_parse_shard(const char *value, unsigned *out_index, unsigned *out_count);
/* A number strictly between 0 and 1 (a confidence level, a floor rate): "OPT must be in (0,1)". */
bool cli_parse_fraction(const char *opt, const char *value, double *out);
/* --pair-mismatch fail|drop (prints a usage error and returns false otherwise). */
bool cli_parse_pair_mismatch(const char *value, enum ds_pair_mismatch *out);

/* Prices in USD per million tokens (cost.c): --price-in and --price-out together, and
 * --price-cached for prompt tokens the server took from its cache (default: --price-in, since
 * a server that does not say otherwise bills them in full). */
struct cli_prices {
  double in, out, cached;
  bool have_in, have_out, have_cached;
  bool given; /* set by cli_prices_check: in and out were given */
};
/* Takes the value of OPT (one of the three); false after a usage error. */
bool cli_price_option(struct cli_prices *p, const char *opt, const char *value);
/* After the options: both or none of --price-in/--price-out; false after a usage error. */
bool cli_prices_check(struct cli_prices *p);
double cli_cost(const struct cli_prices *p, uint64_t processed, uint64_t cached, uint64_t completion);
/* "prices (USD per million tokens): ..." */
void cli_print_prices(const struct cli_prices *p);
/* "LABEL: $X (N prompt tokens processed, M from the cache, C completion) NOTE" */
void cli_print_cost(const char *label, const struct cli_prices *p, uint64_t processed, uint64_t cached,
                    uint64_t completion, const char *note);

/* Writes text to path (atomically, through ds_write_file), or to stdout when path is "-". */
enum ds_status cli_write_output(const char *path, const char *text, size_t len, struct ds_err *err);

/* A progress line for commands that wait on a model (progress.c): on a terminal redrawn in
 * place at most 5 times a second, else one line every 10 s; nothing with -q. */
struct cli_progress {
  const char *what, *unit; /* "grade", "samples" */
  bool tty, drawn;
  double t0, last;
};
void cli_progress_init(struct cli_progress *p, const char *what);
void cli_progress_show(struct cli_progress *p, double done, double total, uint64_t requests, uint64_t errors,
                       bool final);
void cli_progress_end(struct cli_progress *p);

/* Errors grouped by kind (the message before its first ": ", digits folded), with the first
 * example of each, printed to stderr at the end of a run. */
#define CLI_MAX_ERROR_KINDS 12
struct cli_error_kinds {
  size_t n;
  uint64_t total, other, count[CLI_MAX_ERROR_KINDS];
  char kind[CLI_MAX_ERROR_KINDS][128];
  char first[CLI_MAX_ERROR_KINDS][400];
};
void cli_error_kind(const char *msg, char *out, size_t len);
void cli_error_kinds_add(struct cli_error_kinds *k, const char *msg, const char *where);
void cli_error_kinds_print(const struct cli_error_kinds *k, const char *noun);

/* A ds_log sink that writes "depsim: level: msg" lines to stderr; its cancel flag is set by
 * the handlers of cli_cancel_on_signals. */
extern const struct ds_log cli_log;
/* Long commands call this before their library call: SIGINT/SIGTERM then stop the command
 * cleanly (the library returns DS_E_CANCELLED within about a second, what was committed kept);
 * a second signal ends the process at once. Without it a signal ends the process at once. */
void cli_cancel_on_signals(void);
/* True once a handler of cli_cancel_on_signals caught a signal. */
bool cli_was_cancelled(void);

#endif
