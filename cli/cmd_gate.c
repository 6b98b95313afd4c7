/* cmd_gate.c: depsim gate: a policy applied to a forecast -> pass / fail / inconclusive, with a
 * Markdown summary, JUnit XML, a JSON decision and an audit record. */
#include <string.h>

#include "cli.h"
#include "depsim/gate.h"

static const char usage[] =
    "usage: depsim gate FORECAST.json --policy POLICY.yaml [--run RUN.db] [--markdown FILE]\n"
    "                   [--junit FILE] [--json FILE] [--audit LOG] [-q]\n\n"
    "Applies a release policy to a forecast (depsim estimate) and decides, per category and\n"
    "overall: pass, fail or inconclusive, with the reason for each category. A category no\n"
    "sample applies to (agent categories on chat traffic) is listed as not applicable and does\n"
    "not weigh on the decision; one left ungraded (a judge category without --judge) is\n"
    "inconclusive when a rule covers it, and says so.\n"
    "A forecast of a run drawn in a random order and not drawn to its end (depsim simulate\n"
    "--sequential, replay --order random --limit N) is decided on anytime-valid intervals (a\n"
    "confidence sequence per rate, a paired sequential ratio test), and the decision says so.\n\n"
    "  --policy FILE    policy YAML (data/policies/default.yaml documents the format): per\n"
    "                   category or severity a max_rate, a max_ratio to the baseline, and how\n"
    "                   uncertainty counts (uncertainty: upper_bound | band, band: 1.5), min_n\n"
    "  --markdown FILE  a Markdown summary for a pull-request comment ('-' = stdout)\n"
    "  --junit FILE     JUnit XML, a test case per category (fail = failure, inconclusive = skipped)\n"
    "  --run RUN.db     refuse a forecast that was not made from this run database (its run id)\n"
    "  --json FILE      the decision as JSON (what depsim report --gate shows); records the run\n"
    "  --audit LOG      append a record to a tamper-evident audit log (see depsim audit)\n"
    "  -q, --quiet      print nothing but errors (the exit code still tells the decision)\n\n"
    "Exit codes: 0 pass, 1 fail, 2 inconclusive, 3 error (bad input; nothing decided).\n";

static enum ds_status put(const char *path, const char *text, struct ds_err *err) {
  return cli_write_output(path, text, strlen(text), err);
}

static int run(int argc, char **argv) {
  const char *policy = NULL, *md = NULL, *junit = NULL, *json = NULL, *audit = NULL, *run_db = NULL;
  static const struct option opts[] = {{"policy", required_argument, 0, 'p'}, {"markdown", required_argument, 0, 'm'},
                                       {"junit", required_argument, 0, 'j'},  {"json", required_argument, 0, 'J'},
                                       {"audit", required_argument, 0, 'a'},  {"quiet", no_argument, 0, 'q'},
                                       {"run", required_argument, 0, 'r'},
                                       {0, 0, 0, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
    switch (ch) {
    case 'p': policy = optarg; break;
    case 'm': md = optarg; break;
    case 'j': junit = optarg; break;
    case 'J': json = optarg; break;
    case 'a': audit = optarg; break;
    case 'r': run_db = optarg; break;
    case 'q': cli_quiet = 1; break;
    default: cli_usage_error("unknown option"); return EXIT_RUNTIME;
    }
  }
  /* usage errors exit 3 here: 2 means inconclusive for this command */
  if (optind + 1 != argc) {
    cli_usage_error("expected one forecast file");
    return EXIT_RUNTIME;
  }
  if (!policy) {
    cli_usage_error("--policy is required");
    return EXIT_RUNTIME;
  }
  struct ds_err err = {0};
  struct ds_gate_result *r = NULL;
  char *text = NULL;
  int rc = EXIT_RUNTIME;
  if (ds_gate_run(argv[optind], policy, &r, &err)) goto fail;
  if (run_db && ds_gate_result_check_run(r, run_db, &err)) goto fail;
  if (md) {
    if (ds_gate_result_markdown(r, &text, &err) || put(md, text, &err)) goto fail;
    ds_free(text);
    text = NULL;
  }
  if (junit) {
    if (ds_gate_result_junit(r, &text, &err) || put(junit, text, &err)) goto fail;
    ds_free(text);
    text = NULL;
  }
  if (json) {
    if (ds_gate_result_json(r, &text, &err) || put(json, text, &err)) goto fail;
    ds_free(text);
    text = NULL;
  }
  if (audit) {
    char head[65];
    if (ds_audit_append(audit, r, head, &err)) goto fail;
    if (!cli_quiet) fprintf(stderr, "%s: audit record %.16s… appended to %s\n", cli_prog, head, audit);
  }
  rc = (int)ds_gate_result_decision(r);
  if (!cli_quiet) ds_gate_result_warn(r, &cli_log);
  if (!cli_quiet) fprintf(stderr, "%s: %s\n", cli_prog, ds_gate_decision_name(ds_gate_result_decision(r)));
  ds_gate_result_free(r);
  return rc;
fail:
  ds_free(text);
  ds_gate_result_free(r);
  return cli_error(&err);
}

const struct cli_command cmd_gate_info = {"gate", "policy + forecast -> pass/fail/inconclusive (exit 0/1/2), audit record",
                                          usage, run};
