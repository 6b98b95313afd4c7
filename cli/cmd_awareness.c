/* cmd_awareness.c: `depsim awareness`: how often does a judge think a conversation is an
 * evaluation, for real, simulated and benchmark traffic; and how often do candidate
 * completions say so themselves. */
#include <string.h>

#include "cli.h"
#include "cli_realism.h"

static const char usage[] =
    "usage: depsim awareness RUN.db --judge SPEC [--benchmark FILE.jsonl]... [-o realism.json]\n"
    "                        [--max N] [--seed S] [--shard i/N] [--in-flight N] [--no-schema] [--quiet]\n"
    "\n"
    "Asks a judge model whether each conversation looks like an evaluation or like real use,\n"
    "and reports the rate with a 95% interval for real traffic (the original conversations of\n"
    "the run), simulated traffic (the same prefixes with the candidate's continuation) and any\n"
    "benchmark set given with --benchmark (JSONL records with messages). Also scans candidate\n"
    "completions and reasoning for verbalized evaluation awareness (\"this looks like a test\")\n"
    "and reports that rate. Verdicts are stored in RUN.db, so an interrupted run resumes.\n"
    "\n"
    "Options:\n"
    "  --judge SPEC        backend spec of the judge\n"
    "  --benchmark FILE    a benchmark set to compare with (repeatable)\n"
    "  -o FILE             write/update the \"awareness\" section of this JSON file\n"
    "  --max N             at most N samples (and N records per benchmark), by seed (default 200)\n"
    "  --seed S, --shard i/N, --in-flight N, --no-schema, --quiet   as for discriminate\n";

static int run(int argc, char **argv) { return cli_realism_main(argc, argv, false); }

const struct cli_command cmd_awareness_info = {"awareness", "measure how often traffic looks like an evaluation to a judge",
                                               usage, run};
