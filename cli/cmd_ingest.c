/* cmd_ingest.c: `depsim ingest`: logs in, canonical corpus.jsonl + manifest out. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "depsim/corpus.h"

static const char usage[] =
    "usage: depsim ingest IN... -o corpus.jsonl [options]\n"
    "\n"
    "Reads conversation logs, keeps records whose users consented, drops exact duplicates,\n"
    "gives every record a stable id and writes the canonical corpus (one JSON object per line)\n"
    "plus OUTPUT.manifest.json (SHA-256 of corpus and inputs, counts, time range, segments).\n"
    "Inputs may be plain, .gz or .zst, JSON Lines or one JSON array of records.\n"
    "\n"
    "Formats (detected from the first record unless --format is given):\n"
    "  openai     {\"messages\":[...], \"tools\":[...]}   OpenAI chat, wire-form tool_calls\n"
    "  sharegpt   {\"id\",\"conversations\":[{\"from\",\"value\"}]}\n"
    "  traj       {\"traj\":[OpenAI messages], \"reward\",...}   agent trajectories\n"
    "  wildchat   {\"conversation_hash\",\"conversation\":[{\"role\",\"content\"}],\"model\",...}\n"
    "  canonical  depsim corpus.jsonl\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE        corpus to write (required); written to a temporary file and\n"
    "                           renamed, so a failed run leaves no half corpus under FILE\n"
    "  --format NAME            auto (default), openai, sharegpt, traj, wildchat, canonical\n"
    "  --consent-field PATH     dotted field holding consent (default: consent); true, a non-zero\n"
    "                           number, \"true\", \"yes\" or \"granted\" mean consented\n"
    "  --assume-consent         records without the consent field count as consented\n"
    "                           (without it such a record stops the run)\n"
    "  --on-error skip|fail     a bad record is counted and skipped (default), or stops the run\n"
    "                           (exit 3; records before it are kept in FILE.partial)\n"
    "  --max-line-bytes N       longest record accepted (default 16777216)\n"
    "  --max-depth N            deepest JSON nesting accepted (default 64)\n"
    "  -q, --quiet              no progress lines\n"
    "\n"
    "Every bad record is reported as FILE:LINE: reason [key] and counted in the manifest:\n"
    "records in = kept + filtered + failed.\n";

static int run(int argc, char **argv) {
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  p.log = cli_log;
  enum { O_FORMAT = 256, O_CONSENT, O_ASSUME, O_ONERR, O_MAXLINE, O_MAXDEPTH };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},        {"format", required_argument, NULL, O_FORMAT},
      {"consent-field", required_argument, NULL, O_CONSENT}, {"assume-consent", no_argument, NULL, O_ASSUME},
      {"on-error", required_argument, NULL, O_ONERR},  {"max-line-bytes", required_argument, NULL, O_MAXLINE},
      {"max-depth", required_argument, NULL, O_MAXDEPTH}, {"quiet", no_argument, NULL, 'q'},
      {NULL, 0, NULL, 0},
  };
  struct ds_err err = {0};
  unsigned long long v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
    switch (c) {
    case 'o': p.output = optarg; break;
    case 'q': cli_quiet = 1; break;
    case O_FORMAT:
      if (ds_format_from_name(optarg, &p.reader.format, &err)) return cli_usage_error("--format: %s", err.msg);
      break;
    case O_CONSENT:
      if (!*optarg) return cli_usage_error("--consent-field: empty path");
      p.consent_field = optarg;
      break;
    case O_ASSUME: p.assume_consent = true; break;
    case O_ONERR:
      if (strcmp(optarg, "skip") == 0) p.fail_on_error = false;
      else if (strcmp(optarg, "fail") == 0) p.fail_on_error = true;
      else return cli_usage_error("--on-error: expected skip or fail, got '%s'", optarg);
      break;
    case O_MAXLINE:
      if (!cli_parse_u64("--max-line-bytes", optarg, &v)) return EXIT_USAGE;
      if (v == 0) return cli_usage_error("--max-line-bytes: must be positive");
      p.reader.max_record_bytes = (size_t)v;
      break;
    case O_MAXDEPTH:
      if (!cli_parse_u64("--max-depth", optarg, &v)) return EXIT_USAGE;
      if (v == 0 || v > 2000) return cli_usage_error("--max-depth: must be 1..2000");
      p.reader.max_depth = (unsigned)v;
      break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (!p.output) return cli_usage_error("-o/--output is required");
  if (optind >= argc) return cli_usage_error("no input files");
  p.inputs = (const char *const *)(argv + optind);
  p.n_inputs = (size_t)(argc - optind);

  struct ds_ingest_summary s;
  double t0 = ds_now_mono();
  enum ds_status st = ds_ingest_run(&p, &s, &err);
  double dt = ds_now_mono() - t0;
  if (st) return cli_error(&err);
  printf("ingested %llu records from %zu input%s in %.2fs: %llu kept, %llu filtered (%llu duplicate, %llu no "
         "consent), %llu failed\n",
         (unsigned long long)s.n_in, p.n_inputs, p.n_inputs == 1 ? "" : "s", dt, (unsigned long long)s.n_kept,
         (unsigned long long)s.n_filtered, (unsigned long long)s.n_duplicate, (unsigned long long)s.n_no_consent,
         (unsigned long long)s.n_failed);
  printf("corpus   %s (sha256 %s)\nmanifest %s\n", p.output, s.corpus_sha256, s.manifest_path);
  return EXIT_OK;
}

const struct cli_command cmd_ingest_info = {"ingest", "normalize logs into a consented, deduplicated canonical corpus",
                                            usage, run};
