/* cmd_sample.c: `depsim sample`: a seeded simple or stratified random sample of a corpus. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "depsim/corpus.h"

static const char usage[] =
    "usage: depsim sample CORPUS -o sample.jsonl -n N [options]\n"
    "\n"
    "Draws a random sample of N records from a canonical corpus (from depsim ingest). The same\n"
    "corpus, options and seed always give the same sample. Records keep their corpus order.\n"
    "A manifest (corpus and sample SHA-256, parameters, strata) goes to OUTPUT.manifest.json.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       sample to write (required)\n"
    "  -n, --count N           records wanted (required; fewer if the corpus is smaller)\n"
    "  --seed S                random seed (default 1)\n"
    "  --stratify FIELD        dotted field (e.g. segment.product): sample each value's records\n"
    "                          separately; each output record gets \"weight\" = population share /\n"
    "                          sample share of its stratum, for weighted estimates\n"
    "  --allocation A          proportional (default: strata sampled in proportion to their size)\n"
    "                          or equal (the same number from every stratum, as far as it has them)\n"
    "  --since T, --until T    only records with \"time\" in [since, until) (RFC 3339 or epoch\n"
    "                          seconds); records without a time are then left out\n"
    "  -q, --quiet             print nothing but errors\n";

static int run(int argc, char **argv) {
  struct ds_sample_params p;
  ds_sample_default_params(&p);
  p.log = cli_log;
  enum { O_SEED = 256, O_STRAT, O_ALLOC, O_SINCE, O_UNTIL };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'}, {"count", required_argument, NULL, 'n'},
      {"seed", required_argument, NULL, O_SEED}, {"stratify", required_argument, NULL, O_STRAT},
      {"allocation", required_argument, NULL, O_ALLOC}, {"since", required_argument, NULL, O_SINCE},
      {"until", required_argument, NULL, O_UNTIL}, {"quiet", no_argument, NULL, 'q'},
      {NULL, 0, NULL, 0},
  };
  unsigned long long v;
  bool have_n = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:n:q", opts, NULL)) != -1) {
    switch (c) {
    case 'o': p.output = optarg; break;
    case 'q': cli_quiet = 1; break;
    case 'n':
      if (!cli_parse_u64("-n", optarg, &v)) return EXIT_USAGE;
      if (v == 0) return cli_usage_error("-n: must be positive");
      p.n = v;
      have_n = true;
      break;
    case O_SEED:
      if (!cli_parse_u64("--seed", optarg, &v)) return EXIT_USAGE;
      p.seed = v;
      break;
    case O_STRAT:
      if (!*optarg) return cli_usage_error("--stratify: empty field");
      p.stratify = optarg;
      break;
    case O_ALLOC:
      if (strcmp(optarg, "proportional") == 0) p.allocation = DS_ALLOCATION_PROPORTIONAL;
      else if (strcmp(optarg, "equal") == 0) p.allocation = DS_ALLOCATION_EQUAL;
      else return cli_usage_error("--allocation: expected proportional or equal, got '%s'", optarg);
      break;
    case O_SINCE:
    case O_UNTIL: {
      int64_t t;
      if (ds_parse_time(optarg, &t)) return cli_usage_error("%s: cannot read time '%s'", c == O_SINCE ? "--since" : "--until", optarg);
      if (c == O_SINCE) {
        p.since = t;
        p.has_since = true;
      } else {
        p.until = t;
        p.has_until = true;
      }
      break;
    }
    default: return cli_usage_error("unknown option");
    }
  }
  if (!p.output) return cli_usage_error("-o/--output is required");
  if (!have_n) return cli_usage_error("-n is required");
  if (optind >= argc) return cli_usage_error("no corpus given");
  if (optind + 1 < argc) return cli_usage_error("one corpus at a time (got %d)", argc - optind);
  if (p.has_since && p.has_until && p.until <= p.since) return cli_usage_error("--until must be after --since");
  p.input = argv[optind];

  struct ds_err err = {0};
  struct ds_sample_summary s;
  if (ds_sample_run(&p, &s, &err)) return cli_error(&err);
  if (!cli_quiet) {
    printf("sampled %llu of %llu eligible records (%llu read", (unsigned long long)s.n_sampled,
           (unsigned long long)s.n_population, (unsigned long long)s.n_read);
    if (p.has_since || p.has_until) printf(", %llu outside the time window", (unsigned long long)s.n_out_of_window);
    printf("), seed %llu -> %s\n", (unsigned long long)p.seed, p.output);
    if (p.stratify) {
      printf("stratified by %s, %s allocation:\n", p.stratify,
             p.allocation == DS_ALLOCATION_EQUAL ? "equal" : "proportional");
      printf("  %-32s %12s %10s %10s\n", "stratum", "population", "sampled", "weight");
      for (size_t i = 0; i < s.n_strata; i++)
        printf("  %-32.32s %12llu %10llu %10.4f\n", s.strata[i].value, (unsigned long long)s.strata[i].population,
               (unsigned long long)s.strata[i].sampled, s.strata[i].weight);
    }
    printf("sha256 %s\n", s.sample_sha256);
  }
  ds_sample_summary_release(&s);
  return EXIT_OK;
}

const struct cli_command cmd_sample_info = {"sample", "draw a seeded simple or stratified random sample of a corpus",
                                            usage, run};
