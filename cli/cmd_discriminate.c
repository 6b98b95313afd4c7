/* cmd_discriminate.c: `depsim discriminate`: can a judge tell real continuations from
 * resampled ones? Prints the judge's accuracy with its interval and writes realism.json. */
#include <string.h>

#include "cli.h"
#include "cli_realism.h"

static const char usage[] =
    "usage: depsim discriminate RUN.db --judge SPEC [-o realism.json] [--max N] [--seed S]\n"
    "                           [--shard i/N] [--in-flight N] [--no-schema] [--quiet]\n"
    "\n"
    "For sampled prefixes of a replay run, shows a judge model the real continuation (the\n"
    "original assistant turn) and the resampled one (for agents, the simulated trajectory) in\n"
    "random order, both orders to cancel position bias, and asks which is real. Reports the\n"
    "judge's accuracy with a 95% interval (50% = indistinguishable) overall, by order, by\n"
    "graded category and by tool-simulator source. Every verdict is stored in RUN.db (table\n"
    "realism_verdicts), so an interrupted run resumes where it stopped; an unparseable verdict\n"
    "is retried, then recorded as a judge error (counted, never as a guess).\n"
    "\n"
    "Options:\n"
    "  --judge SPEC      backend spec of the judge (openai:URL?model=M, llama:FILE.gguf, file:...,\n"
    "                    config:FILE#NAME)\n"
    "  -o FILE           write/update the \"discriminate\" section of this JSON file\n"
    "  --max N           judge at most N samples, chosen by seed (default 200; 0 = all)\n"
    "  --seed S          seed of the choice (default 1)\n"
    "  --shard i/N       judge only conversations of shard i (as replay)\n"
    "  --in-flight N     requests in flight\n"
    "  --no-schema       do not ask the server for schema-constrained JSON\n"
    "  --quiet           no progress notes\n";

static int run(int argc, char **argv) { return cli_realism_main(argc, argv, true); }

const struct cli_command cmd_discriminate_info = {"discriminate", "measure how distinguishable simulated traffic is from real",
                                                  usage, run};
