/* cmd_ingest.c: `depsim ingest`: logs in, canonical corpus.jsonl + manifest out. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "depsim/corpus.h"
#include "depsim/deid.h"

static const char usage_head[] =
    "usage: depsim ingest IN... -o corpus.jsonl [options]\n"
    "\n"
    "Reads conversation logs and agent sessions, keeps records whose users consented, drops\n"
    "exact duplicates, gives every record a stable id and writes the canonical corpus (one JSON\n"
    "object per line) plus OUTPUT.manifest.json (SHA-256 of corpus and inputs, counts, time\n"
    "range, segments), written last: a manifest marks a complete corpus.\n"
    "IN is a file (plain, .gz or .zst; JSON Lines, one JSON array, or one pretty-printed JSON\n"
    "document), a zip archive (Inspect .eval) or a directory, read recursively (a directory of\n"
    "one-event JSON files is one session). The format of each file is detected from its first\n"
    "items unless --format is given; a file no reader takes is an error that says why each\n"
    "reader declined (in a directory it is listed as ignored).\n"
    "\n"
    "Formats:\n";
static const char usage_tail[] =
    "\n"
    "Options:\n"
    "  -o, --output FILE        corpus to write (required); written to a temporary file and\n"
    "                           renamed, so a failed run leaves no half corpus under FILE\n"
    "  --format NAME            auto (default) or one of the formats above, for every input\n"
    "  --id-field PATH          where a record keeps its id (PATH: a JSON pointer /a/b or a dotted\n"
    "                           path a.b; a number indexes a list), e.g. --id-field uid\n"
    "  --messages-field PATH    where it keeps its message list (default: messages, conversation)\n"
    "  --time-field PATH        where it keeps its time (RFC 3339 or epoch seconds/milliseconds)\n"
    "  --segment-field NAME=PATH  segment.NAME from PATH (repeatable), e.g. model=meta.model\n"
    "  --content-field NAME     a message content that is an object ({\"answer\": ...}): the field\n"
    "                           holding its text. Any of these five reads every input with the\n"
    "                           mapped reader; a path a record lacks fails that record\n"
    "  --consent-field PATH     dotted field holding consent (default: consent); true, a non-zero\n"
    "                           number, \"true\", \"yes\" or \"granted\" mean consented\n"
    "  --assume-consent         records without the consent field count as consented\n"
    "                           (without it such a record stops the run)\n"
    "  --on-error skip|fail     a bad record is counted and skipped (default), or stops the run\n"
    "                           (exit 3; records before it are kept in FILE.partial)\n"
    "  --max-failed PCT         exit 3 when more than PCT% of the records fail (default: only\n"
    "                           when all fail); the corpus is then kept as FILE.rejected\n"
    "  --allow-empty            a run that keeps no record is not an error (by default it is)\n"
    "  --keep-duplicates        keep exact duplicates (a prompt set replayed as it is); they are\n"
    "                           counted, and a repeated id becomes ID#dupN\n"
    "  --max-line-bytes N       longest record line accepted (default 16777216)\n"
    "  --max-document-bytes N   largest whole JSON document or zip member (default 1073741824)\n"
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
    "  --deid-hmac-key-env VAR  corpus-wide placeholders keyed by the HMAC key in $VAR\n"
    "Before the corpus is renamed into place it is scanned again; any finding fails the run\n"
    "(exit 3) and the corpus is kept as FILE.rejected.\n"
    "\n"
    "Every bad record is reported as FILE:LINE: reason [key] (the first 20, then a summary by\n"
    "reason) and listed in the manifest: records in = kept + filtered + failed. Lines of session\n"
    "logs that are bookkeeping (not conversation) are counted as skipped, by type.\n"
    "Exit 3 also when no record is kept (unless --allow-empty).\n";

static char usage[8192];

static const char *build_usage(void) {
  if (usage[0]) return usage;
  size_t n = (size_t)snprintf(usage, sizeof usage, "%s", usage_head);
  struct ds_format_info fi;
  for (size_t i = 0; ds_format_info_at(i, &fi) && n < sizeof usage; i++)
    n += (size_t)snprintf(usage + n, sizeof usage - n, "  %-18s %s\n", fi.name, fi.summary);
  if (n < sizeof usage) snprintf(usage + n, sizeof usage - n, "%s", usage_tail);
  return usage;
}

/* The de-identifier as ingest's transform: replace, then post-scan the record as written. */
static enum ds_status deid_apply(void *ud, json_t *record, struct ds_err *err) {
  struct ds_deid *d = ud;
  enum ds_status st = ds_deid_record(d, record, err);
  if (!st) st = ds_deid_scan_record(d, record, NULL, err);
  return st;
}
static json_t *deid_report(void *ud) { return ds_deid_report(ud); }

/* Post-scan of the corpus file as written: every record, every configured field. */
static enum ds_status post_scan_file(void *ud, const char *path, uint64_t *out_findings, struct ds_err *err) {
  struct ds_deid *d = ud;
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
         O_DPAT, O_DNAMES, O_DFIELDS, O_DHMAC, O_MAXFAILED, O_ALLOWEMPTY, O_MAXDOC, O_KEEPDUP, O_IDF, O_MSGF, O_TIMEF,
         O_SEGF, O_CONTF };
  static const char *segs[64];
  size_t n_segs = 0;
  struct ds_deid_params dp;
  ds_deid_default_params(&dp);
  dp.log = cli_log;
  bool no_deid = false;
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},        {"format", required_argument, NULL, O_FORMAT},
      {"consent-field", required_argument, NULL, O_CONSENT}, {"assume-consent", no_argument, NULL, O_ASSUME},
      {"on-error", required_argument, NULL, O_ONERR},  {"max-line-bytes", required_argument, NULL, O_MAXLINE},
      {"max-depth", required_argument, NULL, O_MAXDEPTH}, {"quiet", no_argument, NULL, 'q'},
      {"no-deid", no_argument, NULL, O_NODEID}, {"deid-types", required_argument, NULL, O_DTYPES},
      {"deid-allow", required_argument, NULL, O_DALLOW}, {"deid-patterns", required_argument, NULL, O_DPAT},
      {"deid-names", required_argument, NULL, O_DNAMES}, {"deid-fields", required_argument, NULL, O_DFIELDS},
      {"deid-hmac-key-env", required_argument, NULL, O_DHMAC}, {"max-failed", required_argument, NULL, O_MAXFAILED},
      {"allow-empty", no_argument, NULL, O_ALLOWEMPTY}, {"max-document-bytes", required_argument, NULL, O_MAXDOC},
      {"keep-duplicates", no_argument, NULL, O_KEEPDUP},
      {"id-field", required_argument, NULL, O_IDF}, {"messages-field", required_argument, NULL, O_MSGF},
      {"time-field", required_argument, NULL, O_TIMEF}, {"segment-field", required_argument, NULL, O_SEGF},
      {"content-field", required_argument, NULL, O_CONTF},
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
      if (ds_format_check(optarg, &err)) return cli_usage_error("--format: %s", err.msg);
      p.reader.format = optarg;
      break;
    case O_MAXFAILED: {
      char *end;
      double pct = strtod(optarg, &end);
      if (end == optarg || (*end && strcmp(end, "%") != 0) || !(pct >= 0 && pct <= 100))
        return cli_usage_error("--max-failed: expected a percentage 0..100, got '%s'", optarg);
      p.max_failed = pct / 100.0;
      break;
    }
    case O_ALLOWEMPTY: p.allow_empty = true; break;
    case O_KEEPDUP: p.keep_duplicates = true; break;
    case O_IDF: p.reader.fields.id = optarg; break;
    case O_MSGF: p.reader.fields.messages = optarg; break;
    case O_TIMEF: p.reader.fields.time = optarg; break;
    case O_CONTF: p.reader.fields.content = optarg; break;
    case O_SEGF:
      if (n_segs == DS_ARRAY_LEN(segs)) return cli_usage_error("--segment-field: at most %zu", DS_ARRAY_LEN(segs));
      segs[n_segs++] = optarg;
      p.reader.fields.segment = segs;
      p.reader.fields.n_segment = n_segs;
      break;
    case O_MAXDOC:
      if (!cli_parse_u64("--max-document-bytes", optarg, &v)) return EXIT_USAGE;
      if (v == 0) return cli_usage_error("--max-document-bytes: must be positive");
      p.reader.max_document_bytes = (size_t)v;
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
    default: return cli_usage_error("unknown option");
    }
  }
  if (ds_field_map_active(&p.reader.fields) && ds_field_map_check(&p.reader.fields, &err))
    return cli_usage_error("%s", err.msg);
  if (ds_field_map_active(&p.reader.fields) && p.reader.format && strcmp(p.reader.format, "auto") != 0 &&
      strcmp(p.reader.format, "mapped") != 0)
    return cli_usage_error("--format %s: the field flags are read by the mapped reader; drop --format", p.reader.format);
  if (!p.output) return cli_usage_error("-o/--output is required");
  if (optind >= argc) return cli_usage_error("no input files");
  p.inputs = (const char *const *)(argv + optind);
  p.n_inputs = (size_t)(argc - optind);

  if (no_deid && (dp.types || dp.allow_file || dp.patterns_file || dp.names_file || dp.fields || dp.hmac_key_env))
    return cli_usage_error("--no-deid conflicts with the --deid-* options");
  struct ds_deid *deid = NULL;
  if (!no_deid) {
    if (ds_deid_new(&dp, &deid, &err)) return cli_error(&err);
    p.transform = (struct ds_ingest_transform){deid_apply, deid_report, post_scan_file, deid};
  } else {
    fprintf(stderr, "%s: warning: de-identification is OFF (--no-deid): the corpus keeps personal data\n",
            cli_prog);
  }

  struct ds_ingest_summary s;
  cli_cancel_on_signals();
  double t0 = ds_now_mono();
  enum ds_status st = ds_ingest_run(&p, &s, &err);
  double dt = ds_now_mono() - t0;
  if (st) {
    ds_deid_free(deid);
    return cli_error(&err);
  }
  ds_deid_free(deid);
  if (no_deid && mark_manifest_no_deid(s.manifest_path, &err)) return cli_error(&err);
  /* -q: nothing on success; records that failed are still reported */
  if (cli_quiet && !s.n_failed) return EXIT_OK;
  if (s.n_duplicate_kept) printf("kept %llu exact duplicates (--keep-duplicates)\n", (unsigned long long)s.n_duplicate_kept);
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
__attribute__((constructor)) static void init_usage(void) { build_usage(); }
