/* cmd_merge.c: `depsim merge`: combines shard run databases (depsim replay --shard i/N) into
 * one run database through ds_merge_run, then prints the merged accounting. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "depsim/replay.h"

static const char usage[] =
    "usage: depsim merge SHARD.db [SHARD.db ...] -o RUN.db\n\n"
    "Combines the shards of one replay (depsim replay --shard i/N) into one run database.\n"
    "Refuses inputs whose parameters differ (every meta key except shard and run state:\n"
    "corpus hash, backend, K, cut, seed, sampling, versions) and a prefix found in two\n"
    "inputs. A missing shard is a warning. The result equals one unsharded run with the\n"
    "same seed. Grades and tool steps already in the shards are carried over.\n"
    "The run is written to RUN.db.merging and renamed to RUN.db when complete: an\n"
    "interrupted merge (Ctrl-C, kill) leaves no RUN.db, and the next merge starts over.\n"
    "A shard that a replay is still writing is refused.\n\n"
    "Options:\n"
    "  -o, --output FILE   the merged run database (must not exist)\n"
    "  -q, --quiet         no notes\n";

static int run(int argc, char **argv) {
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'}, {"quiet", no_argument, NULL, 'q'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (!out) return cli_usage_error("-o RUN.db is required");
  if (optind >= argc) return cli_usage_error("expected at least one shard database");
  struct ds_err err = {0};
  const char *const *inputs = (const char *const *)(argv + optind);
  size_t n = (size_t)(argc - optind);
  cli_cancel_on_signals();
  if (ds_merge_run(inputs, n, out, &cli_log, &err)) return cli_error(&err);
  struct ds_replay_summary s;
  if (ds_replay_summary_read(out, &s, &err)) return cli_error(&err);
  if (!cli_quiet)
    printf("merged %zu databases into %s: %" PRIu64 " prefixes (%" PRIu64 " completed, %" PRIu64 " skipped, %" PRIu64
         " failed, %" PRIu64 " pending), %" PRIu64 " samples ok, %" PRIu64 " failed\n",
         n, out, s.prefixes, s.completed, s.skipped, s.failed, s.pending, s.samples_ok, s.samples_failed);
  ds_replay_summary_release(&s);
  return EXIT_OK;
}

const struct cli_command cmd_merge_info = {"merge", "combine shard run databases into one run", usage, run};
