/* cmd_ingest.c: `depsim ingest`: logs in, canonical corpus.jsonl + manifest out. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "depsim/corpus.h"
#include "depsim/deid.h"

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
    "De-identification (on by default; see depsim deid --help):\n"
    "  --no-deid                write personal data as it is (the manifest says so loudly)\n"
    "  --deid-types LIST        types to detect (default all), e.g. all,-person\n"
    "  --deid-allow FILE        allow-list: literal values, @domain, CIDR ranges\n"
    "  --deid-patterns FILE     extra patterns, lines 'LABEL REGEX'\n"
    "  --deid-names FILE        extra first names\n"
    "  --deid-fields a.b,c      extra record fields to de-identify\n"
    "  --deid-replace MODE      surrogate (default: fake values of the same kind and shape) or\n"
    "                           placeholder (<PERSON_1>)\n"
    "  --deid-key-env VAR       the de-identification key in $VAR: replacements and hashed ids\n"
    "                           consistent across the corpus (--deid-hmac-key-env is the same)\n"
    "  --deid-key-file FILE     the key as the first line of FILE instead\n"
    "  --deid-keep-public-figures  keep names of public figures in ordinary discussion\n"
    "After writing, the corpus is scanned again; any finding fails the run (exit 3) and the\n"
    "corpus is renamed FILE.rejected.\n"
    "\n"
    "Every bad record is reported as FILE:LINE: reason [key] and counted in the manifest:\n"
    "records in = kept + filtered + failed.\n";

/* The de-identifier as ingest's transform: replace, then post-scan the record as written. */
static enum ds_status deid_apply(void *ud, json_t *record, struct ds_err *err) {
  struct ds_deid *d = ud;
  enum ds_status st = ds_deid_record(d, record, err);
  if (!st) st = ds_deid_scan_record(d, record, NULL, err);
  return st;
}
static json_t *deid_report(void *ud) { return ds_deid_report(ud); }

/* Post-scan of the corpus file as written: every record, every configured field. */
static enum ds_status post_scan_file(struct ds_deid *d, const char *path, uint64_t *out_findings,
                                     struct ds_err *err) {
  struct ds_lines *l = NULL;
  *out_findings = 0;
  enum ds_status st = ds_lines_open(path, (size_t)1 << 30, &l, err);
  struct ds_str line;
  bool too_long;
  while (!st && (st = ds_lines_next(l, &line, &too_long, err)) == DS_OK) {
    json_error_t je;
    json_t *rec = json_loadb(line.p, line.len, 0, &je);
    if (!rec) {
      st = ds_fail(err, DS_E_PARSE, "%s:%llu: %s", path, (unsigned long long)ds_lines_lineno(l), je.text);
      break;
    }
    uint64_t n = 0;
    st = ds_deid_scan_record(d, rec, &n, err);
    json_decref(rec);
    if (n)
      fprintf(stderr, "%s: %s:%llu: post-scan found %llu item(s) of personal data\n", cli_prog, path,
              (unsigned long long)ds_lines_lineno(l), (unsigned long long)n);
    *out_findings += n;
  }
  if (st == DS_E_NOTFOUND) st = DS_OK;
  ds_lines_free(l);
  return st;
}

/* --no-deid: the manifest carries a warning nobody can miss. */
static enum ds_status mark_manifest_no_deid(const char *manifest, struct ds_err *err) {
  json_error_t je;
  json_t *m = json_load_file(manifest, 0, &je);
  if (!m) return ds_fail(err, DS_E_PARSE, "%s: %s", manifest, je.text);
  json_t *d = json_pack("{s:b,s:s}", "enabled", 0, "warning",
                        "DE-IDENTIFICATION WAS TURNED OFF (--no-deid): this corpus may contain personal data "
                        "and secrets exactly as they were in the input logs");
  json_object_set_new(m, "deid", d);
  char *s = json_dumps(m, JSON_INDENT(2));
  json_decref(m);
  if (!s) return ds_fail(err, DS_E_NOMEM, "out of memory");
  enum ds_status st = ds_write_file(manifest, s, strlen(s), err);
  ds_free(s);
  return st;
}

static int run(int argc, char **argv) {
  struct ds_ingest_params p;
  ds_ingest_default_params(&p);
  p.log = cli_log;
  enum { O_FORMAT = 256, O_CONSENT, O_ASSUME, O_ONERR, O_MAXLINE, O_MAXDEPTH, O_NODEID, O_DTYPES, O_DALLOW,
         O_DPAT, O_DNAMES, O_DFIELDS, O_DHMAC, O_DREPLACE, O_DKEYFILE, O_DPUBLIC };
  struct ds_deid_params dp;
  ds_deid_default_params(&dp);
  dp.log = cli_log;
  dp.replace = DS_DEID_REPLACE_SURROGATE; /* a corpus for replay: realistic */
  bool no_deid = false, deid_opts = false;
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},        {"format", required_argument, NULL, O_FORMAT},
      {"consent-field", required_argument, NULL, O_CONSENT}, {"assume-consent", no_argument, NULL, O_ASSUME},
      {"on-error", required_argument, NULL, O_ONERR},  {"max-line-bytes", required_argument, NULL, O_MAXLINE},
      {"max-depth", required_argument, NULL, O_MAXDEPTH}, {"quiet", no_argument, NULL, 'q'},
      {"no-deid", no_argument, NULL, O_NODEID}, {"deid-types", required_argument, NULL, O_DTYPES},
      {"deid-allow", required_argument, NULL, O_DALLOW}, {"deid-patterns", required_argument, NULL, O_DPAT},
      {"deid-names", required_argument, NULL, O_DNAMES}, {"deid-fields", required_argument, NULL, O_DFIELDS},
      {"deid-hmac-key-env", required_argument, NULL, O_DHMAC}, {"deid-key-env", required_argument, NULL, O_DHMAC},
      {"deid-replace", required_argument, NULL, O_DREPLACE}, {"deid-key-file", required_argument, NULL, O_DKEYFILE},
      {"deid-keep-public-figures", no_argument, NULL, O_DPUBLIC},
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
    case O_NODEID: no_deid = true; break;
    case O_DTYPES: dp.types = optarg; break;
    case O_DALLOW: dp.allow_file = optarg; break;
    case O_DPAT: dp.patterns_file = optarg; break;
    case O_DNAMES: dp.names_file = optarg; break;
    case O_DFIELDS: dp.fields = optarg; break;
    case O_DHMAC: dp.hmac_key_env = optarg; break;
    case O_DKEYFILE: dp.key_file = optarg, deid_opts = true; break;
    case O_DPUBLIC: dp.keep_public_figures = true, deid_opts = true; break;
    case O_DREPLACE:
      if (!strcmp(optarg, "surrogate")) dp.replace = DS_DEID_REPLACE_SURROGATE;
      else if (!strcmp(optarg, "placeholder")) dp.replace = DS_DEID_REPLACE_PLACEHOLDER;
      else return cli_usage_error("--deid-replace: expected surrogate or placeholder, got '%s'", optarg);
      deid_opts = true;
      break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (!p.output) return cli_usage_error("-o/--output is required");
  if (optind >= argc) return cli_usage_error("no input files");
  p.inputs = (const char *const *)(argv + optind);
  p.n_inputs = (size_t)(argc - optind);

  if (no_deid && (dp.types || dp.allow_file || dp.patterns_file || dp.names_file || dp.fields || dp.hmac_key_env ||
                  deid_opts))
    return cli_usage_error("--no-deid conflicts with the --deid-* options");
  struct ds_deid *deid = NULL;
  if (!no_deid) {
    if (ds_deid_new(&dp, &deid, &err)) return cli_error(&err);
    p.transform = (struct ds_ingest_transform){deid_apply, deid_report, deid};
  } else {
    fprintf(stderr, "%s: warning: de-identification is OFF (--no-deid): the corpus keeps personal data\n",
            cli_prog);
  }

  struct ds_ingest_summary s;
  double t0 = ds_now_mono();
  enum ds_status st = ds_ingest_run(&p, &s, &err);
  double dt = ds_now_mono() - t0;
  if (st) {
    ds_deid_free(deid);
    return cli_error(&err);
  }
  if (no_deid && mark_manifest_no_deid(s.manifest_path, &err)) return cli_error(&err);
  if (deid) {
    uint64_t found = 0;
    st = post_scan_file(deid, p.output, &found, &err);
    ds_deid_free(deid);
    if (st) return cli_error(&err);
    if (found) {
      size_t n = strlen(p.output) + 16;
      char *rej = ds_malloc(n);
      if (rej) {
        snprintf(rej, n, "%s.rejected", p.output);
        if (rename(p.output, rej) == 0) fprintf(stderr, "%s: corpus moved to %s\n", cli_prog, rej);
        ds_free(rej);
      }
      return cli_errorf("post-scan found %llu item(s) of personal data in %s", (unsigned long long)found, p.output);
    }
  }
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
