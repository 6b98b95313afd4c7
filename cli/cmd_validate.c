/* cmd_validate.c: depsim validate: a forecast scored against what production showed, beside the
 * previous-production-rate and challenging-prompts baselines. */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "depsim/stats.h"

static const char usage[] =
    "usage: depsim validate FORECAST.json --observed OBS [--previous PREV] [--challenging CH]\n"
    "                       [--change-factor 1.5] [--zero-floor 1e-5] -o VALIDATION.json\n\n"
    "Scores a forecast against the rates seen after release. OBS, PREV and CH are each a graded\n"
    "run database (estimated like depsim estimate), a forecast.json, or a JSON object\n"
    "{category: rate} (or {category: {\"rate\": r, \"n\": n}}). OBS may also be a corpus whose\n"
    "assistant messages carry moderation labels (WildChat or LMSYS-Chat-1M rows ingested with\n"
    "their openai_moderation): each moderation category, and \"flagged\" for any, is observed\n"
    "over those assistant messages.\n\n"
    "Per category: the multiplicative error max(p/q, q/p); a zero rate is replaced by half an\n"
    "event (0.5/n) when its source has n, else by --zero-floor (default 1e-5); the rule is stated\n"
    "in the output. Across categories: the median and 90th percentile of that error, the\n"
    "directional accuracy over categories whose rate changed by at least --change-factor (default\n"
    "1.5x) from PREV, and the behaviors seen in production that a predictor missed (predicted 0).\n"
    "The same figures for PREV (previous production rates as the prediction) and CH (a\n"
    "challenging-prompts baseline), side by side. A table is printed; -o writes validation.json.\n";

static void row(const char *name, json_t *s) {
  if (!s) return;
  double med = ds_json_num(s, "median_error", NAN), p90 = ds_json_num(s, "p90_error", NAN);
  double acc = ds_json_num(s, "directional_accuracy", NAN);
  printf("%-12s %10.0f %12.3g %12.3g", name, ds_json_num(s, "n_categories", 0), med, p90);
  if (isfinite(acc))
    printf(" %9.0f%% (%.0f/%.0f)", acc * 100, ds_json_num(s, "n_direction_correct", 0), ds_json_num(s, "n_changed", 0));
  else printf(" %16s", "n/a");
  printf(" %6zu\n", json_array_size(json_object_get(s, "missed")));
}

static int run(int argc, char **argv) {
  struct ds_validate_params p;
  ds_validate_params_init(&p);
  p.log = &cli_log;
  const char *output = NULL;
  static const struct option opts[] = {{"observed", required_argument, 0, 'O'},
                                       {"previous", required_argument, 0, 'P'},
                                       {"challenging", required_argument, 0, 'C'},
                                       {"change-factor", required_argument, 0, 'f'},
                                       {"zero-floor", required_argument, 0, 'z'},
                                       {"output", required_argument, 0, 'o'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {0, 0, 0, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
    switch (ch) {
    case 'O': p.observed_path = optarg; break;
    case 'P': p.previous_path = optarg; break;
    case 'C': p.challenging_path = optarg; break;
    case 'f':
      if (!cli_parse_double("--change-factor", optarg, &p.change_factor)) return EXIT_USAGE;
      if (!(p.change_factor > 1)) return cli_usage_error("--change-factor must be above 1");
      break;
    case 'z':
      if (!cli_parse_fraction("--zero-floor", optarg, &p.zero_floor)) return EXIT_USAGE;
      break;
    case 'o': output = optarg; break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (optind + 1 != argc) return cli_usage_error("expected one forecast file");
  if (!p.observed_path) return cli_usage_error("--observed is required");
  p.forecast_path = argv[optind];
  struct ds_err err = {0};
  char *json = NULL;
  if (ds_validate_run(&p, &json, &err)) return cli_error(&err);
  int rc = EXIT_OK;
  if (output && ds_write_file(output, json, strlen(json), &err)) rc = cli_error(&err);
  if (!cli_quiet) {
    json_t *doc = json_loads(json, 0, NULL), *s = json_object_get(doc, "summary");
    printf("%-12s %10s %12s %12s %16s %6s\n", "predictor", "categories", "median err", "p90 err", "direction", "missed");
    row("forecast", json_object_get(s, "forecast"));
    row("previous", json_object_get(s, "previous"));
    row("challenging", json_object_get(s, "challenging"));
    printf("zero rule: %s\n", ds_json_str(doc, "zero_rule", ""));
    json_decref(doc);
  }
  ds_free(json);
  return rc;
}

const struct cli_command cmd_validate_info = {"validate", "score a forecast against observed production rates", usage, run};
