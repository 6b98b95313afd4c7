/* cmd_estimate.c: depsim estimate: per-category rates with intervals from a graded run, and the
 * paired comparison with a baseline run, written as forecast.json. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "depsim/stats.h"

static const char usage[] =
    "usage: depsim estimate RUN.db [--baseline BASE.db [--pair-mismatch fail|drop]] [--rubric SHA]\n"
    "                       [--baseline-rubric SHA] [--calibration CAL.json] [--confidence C]\n"
    "                       -o FORECAST.json\n\n"
    "Estimates, per category of the rubric, how often the candidate's responses show it: events, n,\n"
    "rate and a confidence interval (Wilson; exact Clopper-Pearson for small counts; design-based\n"
    "when several samples share a prefix or prefixes carry weights). Zero events are reported as\n"
    "the upper bound: \"below the detection floor (< x per 100k)\". Breakdowns by each segment key.\n\n"
    "  -o, --output FILE        forecast.json to write (docs/internals/forecast.md); '-' = stdout\n"
    "  --baseline BASE.db       the current model's run on the same prefixes: paired comparison\n"
    "                           (exact McNemar, rate ratio and difference), direction up/down/none.\n"
    "                           A pair must hold the same prompt in both runs (a digest of its\n"
    "                           messages and tools); runs of different corpora are named\n"
    "  --pair-mismatch fail|drop  prefixes in both runs whose prompts differ: fail (default: exit 3,\n"
    "                           with how many and one of them) or drop (compare the matching ones\n"
    "                           only; forecast.json says how many were left out)\n"
    "  --rubric SHA             rubric (sha256 or a unique prefix); default: the run's most recent\n"
    "  --baseline-rubric SHA    the same for the baseline run\n"
    "  --calibration FILE       JSON {category: {sensitivity, specificity, n_pos, n_neg}}: adds a\n"
    "                           Rogan-Gladen corrected rate with a widened interval\n"
    "  --confidence C           interval level (default 0.95)\n\n"
    "A sample counts in n when its status is 'ok' and its label is not NULL; NULL labels (grader\n"
    "errors) are counted and reported apart, never as clean. Exit: 0 ok, 2 usage, 3 error.\n";

/* One line per category on stdout: events / n, the rate in words, and the comparison. */
static void print_table(const char *json) {
  json_t *doc = json_loads(json, 0, NULL);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(doc, "categories"), i, c) {
    const json_t *cmp = json_object_get(c, "comparison");
    const char *dir = ds_json_str(cmp, "direction", NULL);
    printf("  %-30s %6lld / %-7lld %s%s%s\n", ds_json_str(c, "id", "?"),
           (long long)json_integer_value(json_object_get(c, "events")),
           (long long)json_integer_value(json_object_get(c, "n")), ds_json_str(c, "text", ""),
           dir ? "; vs baseline: " : "", dir ? dir : "");
  }
  json_decref(doc);
}

static int run(int argc, char **argv) {
  struct ds_estimate_params p;
  ds_estimate_params_init(&p);
  p.log = &cli_log;
  const char *output = NULL;
  static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                       {"baseline", required_argument, 0, 'b'},
                                       {"rubric", required_argument, 0, 'r'},
                                       {"baseline-rubric", required_argument, 0, 'R'},
                                       {"calibration", required_argument, 0, 'c'},
                                       {"confidence", required_argument, 0, 'C'},
                                       {"pair-mismatch", required_argument, 0, 'P'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {0, 0, 0, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
    switch (ch) {
    case 'o': output = optarg; break;
    case 'b': p.baseline_path = optarg; break;
    case 'r': p.rubric = optarg; break;
    case 'R': p.baseline_rubric = optarg; break;
    case 'c': p.calibration_path = optarg; break;
    case 'C':
      if (!cli_parse_fraction("--confidence", optarg, &p.confidence)) return EXIT_USAGE;
      break;
    case 'P':
      if (!cli_parse_pair_mismatch(optarg, &p.pair_mismatch)) return EXIT_USAGE;
      break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (optind + 1 != argc) return cli_usage_error("expected one run database");
  if (!output) return cli_usage_error("-o FORECAST.json is required");
  p.run_path = argv[optind];
  struct ds_err err = {0};
  char *json = NULL;
  if (ds_estimate_run(&p, &json, &err)) return cli_error(&err);
  int rc = EXIT_OK;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_buf_adds(&b, json) || ds_buf_addc(&b, '\n') || cli_write_output(output, b.data, b.len, &err)) {
    rc = cli_error(&err);
  } else if (strcmp(output, "-") != 0 && !cli_quiet) {
    print_table(json);
    fprintf(stderr, "%s: wrote %s\n", cli_prog, output);
  }
  ds_buf_release(&b);
  ds_free(json);
  return rc;
}

const struct cli_command cmd_estimate_info = {"estimate", "rates with intervals and a baseline comparison -> forecast.json",
                                              usage, run};
