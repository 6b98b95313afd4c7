/* cmd_report.c: `depsim report`: renders one or several run databases as HTML, Markdown or JSON,
 * with the gate's verdict at the top. */
#include <string.h>

#include "cli.h"
#include "depsim/deid.h"
#include "depsim/report.h"

static const char usage[] =
    "usage: depsim report RUN.db [RUN2.db ...] [options] -o FILE\n"
    "\n"
    "Renders run databases as one self-contained HTML page (no network; inline SVG charts; a\n"
    "sample browser whose data is embedded and drawn by the page's one script, allowed by its\n"
    "hash), as Markdown for a pull-request comment (-o FILE.md), or as JSON (--json, -o FILE.json).\n"
    "The page opens with the verdict (--gate or --policy), then every category of the rubric:\n"
    "its rate, or why it has none (not applicable, not graded: needs a judge, errors only).\n"
    "Several RUN.db: the candidates side by side, each against the baseline, and every\n"
    "candidate's answer to the same prompt.\n"
    "\n"
    "A forecast, validation, realism or gate file records the run it was made from (its run\n"
    "id) and is shown beside that candidate; a file of another run is refused, naming both.\n"
    "With several candidates, repeat --forecast (etc.), one per candidate.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE       where to write; the format follows the extension (.html, .md, .json);\n"
    "                          '-' writes to stdout\n"
    "  --baseline BASE.db      a baseline run on the same prefixes: shown beside, paired difference\n"
    "                          (a pair holds the same prompt in both runs, by digest)\n"
    "  --pair-mismatch fail|drop  prefixes of both runs whose prompts differ: fail (default,\n"
    "                          exit 3, naming how many and one) or drop (left out and counted)\n"
    "  --gate GATE.json        the decision of `depsim gate --json`: the verdict banner at the top\n"
    "  --policy POLICY.yaml    or apply a policy here (to --forecast, else to a forecast computed now)\n"
    "  --forecast F.json       forecast from `depsim estimate` (its intervals are shown as well)\n"
    "  --validation V.json     forecast vs. observed from `depsim validate` (log-log chart)\n"
    "  --realism R.json        from `depsim discriminate` / `depsim awareness` -o\n"
    "  --rubric SHA256         grades of this rubric (default: the newest with grades)\n"
    "  --max-samples N         samples embedded for the sample browser (default 2000; 0 = none):\n"
    "                          flagged ones first, the rest stratified; the count left out is stated\n"
    "  --format html|md|json   override the format chosen by the extension\n"
    "  --json                  same as --format json\n"
    "  --title TEXT            page title\n"
    "  --top N                 flagged examples per category shown as static HTML (default 5)\n"
    "  --confidence C          interval level (default 0.95)\n"
    "  --deid-replace MODE     personal data in the text shown: as the run's corpus was de-identified\n"
    "                          (default; from its manifest), surrogate or placeholder (<PERSON_1>)\n"
    "  --deid-key-env VAR      the corpus's de-identification key in $VAR: values get the surrogates\n"
    "                          the corpus gave them\n"
    "  --deid-key-file FILE    the key as the first line of FILE instead\n"
    "  -q, --quiet             print nothing but errors\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 written, 2 usage error, 3 runtime error (nothing written).\n";

extern const struct cli_command cmd_report_info;

#define MAX_FILES 64

static int run(int argc, char **argv) {
  struct ds_report_params p;
  ds_report_default_params(&p);
  const char *out = NULL, *format = NULL;
  const char *extra[MAX_FILES];
  size_t n_extra = 0;
  bool json = false;
  enum { O_BASE = 256, O_FC, O_VAL, O_REAL, O_RUB, O_FMT, O_JSON, O_TITLE, O_TOP, O_CONF, O_GATE, O_POLICY, O_MAXS, O_PAIR,
         O_DREPLACE, O_DKEYENV, O_DKEYFILE };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},  {"baseline", required_argument, NULL, O_BASE},
      {"forecast", required_argument, NULL, O_FC}, {"validation", required_argument, NULL, O_VAL},
      {"realism", required_argument, NULL, O_REAL}, {"rubric", required_argument, NULL, O_RUB},
      {"format", required_argument, NULL, O_FMT}, {"json", no_argument, NULL, O_JSON},
      {"title", required_argument, NULL, O_TITLE}, {"top", required_argument, NULL, O_TOP},
      {"confidence", required_argument, NULL, O_CONF}, {"gate", required_argument, NULL, O_GATE},
      {"policy", required_argument, NULL, O_POLICY}, {"max-samples", required_argument, NULL, O_MAXS},
      {"pair-mismatch", required_argument, NULL, O_PAIR}, {"deid-replace", required_argument, NULL, O_DREPLACE},
      {"deid-key-env", required_argument, NULL, O_DKEYENV}, {"deid-key-file", required_argument, NULL, O_DKEYFILE},
      {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  if (cli_wants_help(argc, argv)) return cli_print_usage(&cmd_report_info);
  int c;
  unsigned long long u;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char **slot = NULL;
    switch (c) {
      case 'o': out = optarg; break;
      case O_BASE: p.baseline_path = optarg; break;
      case O_PAIR:
        if (!cli_parse_pair_mismatch(optarg, &p.pair_mismatch)) return EXIT_USAGE;
        break;
      case O_FC: slot = &p.forecast_path; break;
      case O_VAL: slot = &p.validation_path; break;
      case O_REAL: slot = &p.realism_path; break;
      case O_GATE: slot = &p.gate_path; break;
      case O_POLICY: p.policy_path = optarg; break;
      case O_DREPLACE:
        if (!strcmp(optarg, "surrogate")) p.deid_replace = DS_DEID_REPLACE_SURROGATE;
        else if (!strcmp(optarg, "placeholder")) p.deid_replace = DS_DEID_REPLACE_PLACEHOLDER;
        else return cli_usage_error("--deid-replace: expected surrogate or placeholder, got '%s'", optarg);
        break;
      case O_DKEYENV: p.deid_key_env = optarg; break;
      case O_DKEYFILE: p.deid_key_file = optarg; break;
      case O_RUB: p.rubric_sha256 = optarg; break;
      case O_FMT: format = optarg; break;
      case O_JSON: json = true; break;
      case O_TITLE: p.title = optarg; break;
      case 'q': cli_quiet = 1; break;
      case O_TOP:
        if (!cli_parse_u64("--top", optarg, &u)) return EXIT_USAGE;
        if (u > 1000) return cli_usage_error("--top: at most 1000");
        p.top_examples = (unsigned)u;
        break;
      case O_MAXS:
        if (!cli_parse_u64("--max-samples", optarg, &u)) return EXIT_USAGE;
        if (u > 1000000) return cli_usage_error("--max-samples: at most 1000000");
        p.max_samples = (unsigned)u;
        break;
      case O_CONF:
        if (!cli_parse_double("--confidence", optarg, &p.confidence)) return EXIT_USAGE;
        if (p.confidence <= 0.5 || p.confidence >= 1) return cli_usage_error("--confidence: must be in (0.5, 1)");
        break;
      default: return cli_usage_error("unknown option");
    }
    /* the first file of a kind fills its slot; more (one per candidate) are told apart by format */
    if (slot && !*slot) {
      *slot = optarg;
    } else if (slot) {
      if (n_extra == MAX_FILES) return cli_usage_error("at most %d forecast, validation, realism and gate files", MAX_FILES);
      extra[n_extra++] = optarg;
    }
  }
  if (optind >= argc) return cli_usage_error("expected a run database");
  if (p.gate_path && p.policy_path) return cli_usage_error("give --gate or --policy, not both");
  p.run_paths = (const char *const *)(argv + optind);
  p.n_runs = (size_t)(argc - optind);
  p.run_path = argv[optind];
  p.extra_paths = extra;
  p.n_extra = n_extra;
  if (!out && !json) return cli_usage_error("no output: give -o FILE (or --json for stdout)");
  p.format = out && strcmp(out, "-") ? ds_report_format_for_path(out) : DS_REPORT_FORMAT_HTML;
  if (json) p.format = DS_REPORT_FORMAT_JSON;
  if (format) {
    if (strcmp(format, "html") == 0) p.format = DS_REPORT_FORMAT_HTML;
    else if (strcmp(format, "md") == 0 || strcmp(format, "markdown") == 0) p.format = DS_REPORT_FORMAT_MARKDOWN;
    else if (strcmp(format, "json") == 0) p.format = DS_REPORT_FORMAT_JSON;
    else return cli_usage_error("--format: expected html, md or json, got '%s'", format);
  }
  struct ds_err err = {0};
  if (!out || strcmp(out, "-") == 0) {
    char *text = NULL;
    size_t len = 0;
    if (ds_report_render(&p, &text, &len, &err)) return cli_error(&err);
    fwrite(text, 1, len, stdout);
    ds_free(text);
    return fflush(stdout) == 0 ? EXIT_OK : cli_errorf("writing stdout failed");
  }
  if (ds_report_write(&p, out, &err)) return cli_error(&err);
  if (!cli_quiet) fprintf(stderr, "%s: wrote %s\n", cli_prog, out);
  return EXIT_OK;
}

const struct cli_command cmd_report_info = {"report", "render runs as HTML (verdict first, every sample), Markdown or JSON",
                                            usage, run};
