/* cmd_report.c: `depsim report`: renders a run database as HTML, Markdown or JSON. */
#include <string.h>

#include "cli.h"
#include "depsim/report.h"

static const char usage[] =
    "usage: depsim report RUN.db [options] -o FILE\n"
    "\n"
    "Renders a run database as one self-contained HTML page (inline SVG charts, no network),\n"
    "as Markdown for a pull-request comment (-o FILE.md), or as JSON (--json or -o FILE.json).\n"
    "\n"
    "options:\n"
    "  -o, --output FILE       where to write; the format follows the extension (.html, .md, .json);\n"
    "                          '-' writes to stdout\n"
    "  --baseline BASE.db      a baseline run on the same prefixes: shown beside, paired difference\n"
    "  --forecast F.json       forecast from `depsim estimate` (its intervals are shown as well)\n"
    "  --validation V.json     forecast vs. observed from `depsim validate` (log-log chart)\n"
    "  --realism R.json        discriminator / awareness results\n"
    "  --rubric SHA256         grades of this rubric (default: the newest with grades)\n"
    "  --format html|md|json   override the format chosen by the extension\n"
    "  --json                  same as --format json\n"
    "  --title TEXT            page title\n"
    "  --top N                 flagged examples per category (default 5)\n"
    "  --confidence C          interval level (default 0.95)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 written, 2 usage error, 3 runtime error (nothing written).\n";

extern const struct cli_command cmd_report_info;

static int run(int argc, char **argv) {
  struct ds_report_params p;
  ds_report_default_params(&p);
  const char *out = NULL, *format = NULL;
  bool json = false;
  enum { O_BASE = 256, O_FC, O_VAL, O_REAL, O_RUB, O_FMT, O_JSON, O_TITLE, O_TOP, O_CONF };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},  {"baseline", required_argument, NULL, O_BASE},
      {"forecast", required_argument, NULL, O_FC}, {"validation", required_argument, NULL, O_VAL},
      {"realism", required_argument, NULL, O_REAL}, {"rubric", required_argument, NULL, O_RUB},
      {"format", required_argument, NULL, O_FMT}, {"json", no_argument, NULL, O_JSON},
      {"title", required_argument, NULL, O_TITLE}, {"top", required_argument, NULL, O_TOP},
      {"confidence", required_argument, NULL, O_CONF}, {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  if (cli_wants_help(argc, argv)) return cli_print_usage(&cmd_report_info);
  int c;
  unsigned long long top;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
      case 'o': out = optarg; break;
      case O_BASE: p.baseline_path = optarg; break;
      case O_FC: p.forecast_path = optarg; break;
      case O_VAL: p.validation_path = optarg; break;
      case O_REAL: p.realism_path = optarg; break;
      case O_RUB: p.rubric_sha256 = optarg; break;
      case O_FMT: format = optarg; break;
      case O_JSON: json = true; break;
      case O_TITLE: p.title = optarg; break;
      case O_TOP:
        if (!cli_parse_u64("--top", optarg, &top)) return EXIT_USAGE;
        if (top > 1000) return cli_usage_error("--top: at most 1000");
        p.top_examples = (unsigned)top;
        break;
      case O_CONF:
        if (!cli_parse_double("--confidence", optarg, &p.confidence)) return EXIT_USAGE;
        if (p.confidence <= 0.5 || p.confidence >= 1) return cli_usage_error("--confidence: must be in (0.5, 1)");
        break;
      default: return cli_usage_error("unknown option");
    }
  }
  if (optind != argc - 1) return cli_usage_error("expected one run database");
  p.run_path = argv[optind];
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

const struct cli_command cmd_report_info = {"report", "render a run as HTML, Markdown or JSON", usage, run};
