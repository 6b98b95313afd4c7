/* cmd_deid.c: `depsim deid`: de-identifies canonical JSONL records (every string of each),
 * post-scans what it wrote and fails (exit 3, no output kept) when the post-scan finds
 * anything. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "depsim/deid.h"

static const char usage[] =
  "usage: depsim deid IN.jsonl -o OUT.jsonl [options]\n"
  "\n"
  "Replaces personal data and secrets in every string of canonical records (messages, tool\n"
  "calls and results including text inside their JSON escapes, tools, segment, user and\n"
  "unknown fields; ids holding personal data become a keyed hash) by realistic surrogates\n"
  "of the same kind and shape (default) or typed placeholders (<EMAIL_1>). One value keeps\n"
  "one replacement within a conversation, or across the corpus with a key. Person names\n"
  "come from a trained tagger, name lists and context; in code (fences, inline code, text\n"
  "that parses as code) only secrets, structured identifiers and values of personal keys\n"
  "are replaced. The output is then scanned again; any finding fails the run (exit 3) and\n"
  "no output is kept.\n"
  "\n"
  "Options:\n"
  "  -o, --output FILE        output JSONL (required; written atomically)\n"
  "  --replace MODE           surrogate (default: fake values that read like real ones) or\n"
  "                           placeholder (<PERSON_1>: for audit views)\n"
  "  --types LIST             types to detect, e.g. all,-person or email,phone,secrets\n"
  "                           (EMAIL PHONE CARD IBAN SSN IP MAC URL_CREDENTIAL AWS_KEY\n"
  "                           GITHUB_TOKEN OPENAI_KEY ANTHROPIC_KEY SLACK_TOKEN GOOGLE_API_KEY\n"
  "                           JWT PRIVATE_KEY SECRET ADDRESS PERSON DOB LOCATION DATE\n"
  "                           DRIVER_LICENSE PASSPORT MEDICAL_RECORD ACCOUNT ID_NUMBER AGE)\n"
  "  --keep-public-figures    keep names of public figures in ordinary discussion (famous\n"
  "                           surnames, an author after \"a book by\"); default: replace all\n"
  "  --allow FILE             allow-list: literal values, @domain, CIDR ranges\n"
  "  --patterns FILE          extra patterns, lines 'LABEL REGEX'\n"
  "  --names FILE             extra first names, one a line\n"
  "  --fields a.b,c           (kept for compatibility: every field is de-identified)\n"
  "  --key-env VAR            the de-identification key in $VAR: replacements consistent\n"
  "                           across the corpus (keyed HMAC-SHA256), never reversible without\n"
  "                           the key (--hmac-key-env is the same)\n"
  "  --key-file FILE          the key as the first line of FILE instead\n"
  "  --report FILE            write the full counts (JSON) to FILE (stderr gets one summary line)\n"
  "  --on-error skip|fail     a bad input line: report and skip it (default), or stop\n"
  "  -q, --quiet              no progress lines\n"
  "\n"
  "Exit: 0 ok, 2 usage, 3 error or personal data found by the post-scan.\n";

static int run(int argc, char **argv) {
  static const struct option opts[] = {
    {"output", required_argument, NULL, 'o'}, {"types", required_argument, NULL, 't'},
    {"allow", required_argument, NULL, 'a'},  {"patterns", required_argument, NULL, 'p'},
    {"names", required_argument, NULL, 'n'},  {"fields", required_argument, NULL, 'f'},
    {"hmac-key-env", required_argument, NULL, 'k'}, {"report", required_argument, NULL, 'r'},
    {"on-error", required_argument, NULL, 'e'}, {"quiet", no_argument, NULL, 'q'},
    {"replace", required_argument, NULL, 'R'}, {"key-env", required_argument, NULL, 'k'},
    {"key-file", required_argument, NULL, 'K'}, {"keep-public-figures", no_argument, NULL, 'P'},
    {NULL, 0, NULL, 0}};
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.log = cli_log;
  p.replace = DS_DEID_REPLACE_SURROGATE; /* a corpus for replay: realistic */
  const char *out_path = NULL, *report_path = NULL;
  bool fail_on_error = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out_path = optarg; break;
    case 't': p.types = optarg; break;
    case 'a': p.allow_file = optarg; break;
    case 'p': p.patterns_file = optarg; break;
    case 'n': p.names_file = optarg; break;
    case 'f': p.fields = optarg; break;
    case 'k': p.hmac_key_env = optarg; break;
    case 'K': p.key_file = optarg; break;
    case 'P': p.keep_public_figures = true; break;
    case 'R':
      if (!strcmp(optarg, "surrogate")) p.replace = DS_DEID_REPLACE_SURROGATE;
      else if (!strcmp(optarg, "placeholder")) p.replace = DS_DEID_REPLACE_PLACEHOLDER;
      else return cli_usage_error("--replace: expected surrogate or placeholder, got '%s'", optarg);
      break;
    case 'r': report_path = optarg; break;
    case 'e':
      if (!strcmp(optarg, "fail")) fail_on_error = true;
      else if (strcmp(optarg, "skip")) return cli_usage_error("--on-error: expected skip or fail, got '%s'", optarg);
      break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (optind + 1 != argc) return cli_usage_error("expected one input file");
  if (p.hmac_key_env && p.key_file) return cli_usage_error("--key-env and --key-file: give the key once");
  if (!out_path) return cli_usage_error("-o OUT.jsonl is required");
  const char *in_path = argv[optind];

  int rc = EXIT_RUNTIME;
  struct ds_err err = {0};
  struct ds_deid *d = NULL;
  struct ds_lines *lines = NULL;
  FILE *out = NULL;
  json_t *report = NULL;
  char *tmp = NULL;
  uint64_t n_in = 0, n_out = 0, n_bad = 0;
  if (ds_deid_new(&p, &d, &err) || ds_lines_open(in_path, 256u << 20, &lines, &err)) {
    rc = cli_error(&err);
    goto out;
  }
  size_t tl = strlen(out_path) + 8;
  tmp = ds_malloc(tl);
  if (!tmp) goto out;
  snprintf(tmp, tl, "%s.tmp", out_path);
  if (!(out = fopen(tmp, "wb"))) {
    rc = cli_errorf("%s: cannot write: %s", tmp, strerror(errno));
    goto out;
  }
  struct ds_str line;
  bool too_long;
  enum ds_status st;
  while ((st = ds_lines_next(lines, &line, &too_long, &err)) == DS_OK) {
    uint64_t lineno = ds_lines_lineno(lines);
    if (!line.len && !too_long) continue;
    n_in++;
    json_error_t je;
    json_t *rec = too_long ? NULL : json_loadb(line.p, line.len, 0, &je);
    const char *why = too_long ? "line too long" : !rec ? je.text : !json_is_object(rec) ? "not a JSON object" : NULL;
    if (!why && ds_deid_record(d, rec, &err)) why = err.msg;
    if (why) {
      n_bad++;
      fprintf(stderr, "%s: %s:%llu: %s\n", cli_prog, in_path, (unsigned long long)lineno, why);
      json_decref(rec);
      if (fail_on_error) goto out;
      continue;
    }
    char *s = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!s) goto out;
    /* post-scan what is written, exactly as written */
    json_t *back = json_loads(s, 0, NULL);
    uint64_t found = 0;
    if (!back || ds_deid_scan_record(d, back, &found, &err)) {
      json_decref(back);
      ds_free(s);
      rc = cli_error(&err);
      goto out;
    }
    json_decref(back);
    if (found)
      fprintf(stderr, "%s: %s:%llu: post-scan found %llu item(s) of personal data left\n", cli_prog, in_path,
              (unsigned long long)lineno, (unsigned long long)found);
    if (fputs(s, out) == EOF || fputc('\n', out) == EOF) {
      ds_free(s);
      rc = cli_errorf("%s: write failed: %s", tmp, strerror(errno));
      goto out;
    }
    ds_free(s);
    n_out++;
  }
  if (st != DS_E_NOTFOUND) {
    rc = cli_error(&err);
    goto out;
  }
  if (fclose(out) != 0) {
    out = NULL;
    rc = cli_errorf("%s: write failed: %s", tmp, strerror(errno));
    goto out;
  }
  out = NULL;
  report = ds_deid_report(d);
  if (!report) goto out;
  json_object_set_new(report, "input_records", json_integer((json_int_t)n_in));
  json_object_set_new(report, "output_records", json_integer((json_int_t)n_out));
  json_object_set_new(report, "bad_records", json_integer((json_int_t)n_bad));
  char *rs = json_dumps(report, JSON_INDENT(2));
  if (rs) {
    if (!cli_quiet) {
      /* one summary line; the full counts go to --report */
      fprintf(stderr, "%s: %llu records in, %llu written, %llu bad; %lld values replaced", cli_prog,
              (unsigned long long)n_in, (unsigned long long)n_out, (unsigned long long)n_bad,
              (long long)json_integer_value(json_object_get(report, "replaced_total")));
      const char *k;
      json_t *v;
      const char *sep = " (";
      json_object_foreach(json_object_get(report, "replaced"), k, v) {
        if (!json_integer_value(v)) continue;
        fprintf(stderr, "%s%s %lld", sep, k, (long long)json_integer_value(v));
        sep = ", ";
      }
      fprintf(stderr, "%s; post-scan clean\n", strcmp(sep, ", ") == 0 ? ")" : "");
    }
    if (report_path && ds_write_file(report_path, rs, strlen(rs), &err)) {
      ds_free(rs);
      rc = cli_error(&err);
      goto out;
    }
    ds_free(rs);
  }
  if (ds_deid_post_findings(d)) {
    rc = cli_errorf("post-scan found %llu item(s) of personal data in the output; %s not written",
                    (unsigned long long)ds_deid_post_findings(d), out_path);
    goto out;
  }
  if (rename(tmp, out_path) != 0) {
    rc = cli_errorf("%s: cannot rename to %s: %s", tmp, out_path, strerror(errno));
    goto out;
  }
  rc = EXIT_OK;
out:
  if (out) fclose(out);
  if (rc != EXIT_OK && tmp) unlink(tmp);
  ds_free(tmp);
  json_decref(report);
  ds_lines_free(lines);
  ds_deid_free(d);
  return rc;
}

const struct cli_command cmd_deid_info = {"deid", "replace personal data and secrets in a corpus with placeholders",
                                          usage, run};
