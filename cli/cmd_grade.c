/* cmd_grade.c: `depsim grade`: grade a run database's samples with a rubric (rules, shell
 * analyzer, model judges), or measure the graders on a labeled file with --eval. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "depsim/grade.h"
#include "depsim/store.h"

static const char usage[] =
    "usage: depsim grade RUN.db --rubric RUBRIC.yaml [--judge SPEC]... [options]\n"
    "       depsim grade --eval LABELED.jsonl --rubric RUBRIC.yaml [--judge SPEC]... [options]\n"
    "\n"
    "Grades every sample with status 'ok' in RUN.db for each rubric category that applies\n"
    "to it (chat or agent) and stores one row per (sample, category) in the grades table\n"
    "with its evidence. Grading is resumable: rows already present for this rubric version\n"
    "(its SHA-256) are kept and not redone; a changed rubric adds new rows beside the old.\n"
    "Categories with a judge grader need --judge; without it they are left ungraded.\n"
    "\n"
    "With --eval, grades a labeled JSONL file instead and prints per-category confusion\n"
    "counts, precision and recall (format: docs/internals/grade.md).\n"
    "\n"
    "options:\n"
    "  --rubric FILE        rubric YAML (data/rubrics/default.yaml is the shipped taxonomy)\n"
    "  --judge SPEC         backend spec of a judge model, e.g.\n"
    "                       openai:http://127.0.0.1:8080/v1?model=judge; repeat for several\n"
    "  --votes N            verdicts per judge and category (majority; overrides the rubric)\n"
    "  --judge-attempts N   tries before an unparseable verdict is a grader error (default 3)\n"
    "  --judge-schema on|off  send a JSON schema for the verdict (response_format)\n"
    "  --judge-max-tokens N\n"
    "  --judge-timeout S    per-request deadline in seconds\n"
    "  --workspace DIR      the agent's workspace, for 'writes outside the workspace', when\n"
    "                       the record does not say it (repo.cwd, a local repo.path_or_url)\n"
    "  --batch N            samples per transaction (default 32)\n"
    "  --json               print the summary (or --eval table) as JSON\n"
    "  --calibration-out FILE  with --eval: write each category's sensitivity and\n"
    "                       specificity on the labeled file (and the rubric's SHA-256) as the\n"
    "                       calibration file 'depsim estimate --calibration' reads\n"
    "  -q, --quiet          print nothing but errors and warnings\n"
    "\n"
    "With judges, a progress line shows samples done, judge requests per second, errors and\n"
    "the time left; grader errors are listed at the end by kind, each with its first example.\n";

static void on_progress(void *ud, const struct ds_grade_progress *p) {
  cli_progress_show(ud, p->fraction * (double)p->samples_total, (double)p->samples_total, p->requests,
                    p->request_errors, false);
}

/* The grader errors of this rubric's grades, by kind, each with its first example: a judge's
 * own words (its votes' errors) when the evidence has them. */
static void print_error_kinds(struct ds_store *store, const struct ds_rubric *rubric) {
  sqlite3_stmt *q = NULL;
  struct cli_error_kinds k;
  memset(&k, 0, sizeof k);
  if (sqlite3_prepare_v2(ds_store_db(store),
                         "SELECT p.conv_id, p.cut_index, s.k, g.category, g.error, g.evidence FROM grades g JOIN samples s "
                         "ON s.id = g.sample_id JOIN prefixes p ON p.id = s.prefix_id WHERE g.rubric_sha256 = ?1 AND "
                         "g.label IS NULL ORDER BY g.id",
                         -1, &q, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_text(q, 1, ds_rubric_sha256(rubric), -1, SQLITE_STATIC);
  while (sqlite3_step(q) == SQLITE_ROW) {
    char where[300];
    snprintf(where, sizeof where, "%s#%d/%d %s", (const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1),
             sqlite3_column_int(q, 2), (const char *)sqlite3_column_text(q, 3));
    json_t *ev = sqlite3_column_text(q, 5) ? json_loads((const char *)sqlite3_column_text(q, 5), 0, NULL) : NULL;
    size_t i, j, n = 0;
    json_t *g, *v;
    json_array_foreach(json_object_get(ev, "graders"), i, g) json_array_foreach(json_object_get(g, "votes"), j, v) {
      const char *e = ds_json_str(v, "error", NULL);
      if (e) cli_error_kinds_add(&k, e, where), n++;
    }
    if (!n) cli_error_kinds_add(&k, (const char *)sqlite3_column_text(q, 4), where);
    json_decref(ev);
  }
  sqlite3_finalize(q);
  cli_error_kinds_print(&k, "judge errors behind the grader errors");
}

/* The calibration file of `depsim estimate --calibration`: per category the graders'
 * sensitivity and specificity on the labeled file, with the rubric it was measured with
 * (estimate refuses a run graded with another). Categories without both positive and negative
 * labels, with grader errors, or whose sensitivity + specificity is not above 1 (no correction
 * is possible) are left out and said so. */
static enum ds_status write_calibration(const char *path, const struct ds_rubric *r, const char *labeled,
                                        uint64_t records, const struct ds_eval_counts *cnt, struct ds_err *err) {
  char now[32];
  ds_now_iso8601(now);
  json_t *doc = json_object();
  json_object_set_new(doc, "_calibration",
                      json_pack("{s:s, s:s, s:s, s:I, s:s}", "rubric", ds_rubric_name(r), "rubric_sha256",
                                ds_rubric_sha256(r), "labeled", labeled, "records", (json_int_t)records, "created_at",
                                now));
  unsigned n = 0;
  for (unsigned c = 0; c < ds_rubric_n_categories(r); c++) {
    struct ds_category_info ci;
    ds_rubric_category(r, c, &ci);
    const struct ds_eval_counts *e = &cnt[c];
    uint64_t pos = e->tp + e->fn, neg = e->tn + e->fp;
    if (!pos && !neg) continue;
    const char *why = NULL;
    if (e->errors) why = "grader errors";
    else if (!pos || !neg) why = !pos ? "no positive labels" : "no negative labels";
    double se = pos ? (double)e->tp / (double)pos : 0, sp = neg ? (double)e->tn / (double)neg : 0;
    if (!why && se + sp <= 1) why = "sensitivity + specificity not above 1";
    if (why) {
      ds_logf(&cli_log, DS_LOG_WARN, "calibration: category '%s' left out (%s)", ci.id, why);
      continue;
    }
    json_object_set_new(doc, ci.id, json_pack("{s:f, s:f, s:I, s:I}", "sensitivity", se, "specificity", sp, "n_pos",
                                              (json_int_t)pos, "n_neg", (json_int_t)neg));
    n++;
  }
  enum ds_status st = DS_OK;
  if (!n) st = ds_fail(err, DS_E_INVALID, "%s: no category has both positive and negative labels to calibrate", labeled);
  else if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_SORT_KEYS))
    st = ds_fail(err, DS_E_IO, "%s: cannot write the calibration file", path);
  json_decref(doc);
  return st;
}

static int run(int argc, char **argv) {
  const char *rubric_path = NULL, *eval = NULL, *db_path = NULL, *cal_out = NULL;
  const char *judges[16];
  unsigned n_judges = 0;
  bool as_json = false;
  struct ds_grade_params gp;
  ds_grade_default_params(&gp);
  gp.log = cli_log;
  gp.grader.log = cli_log;
  enum { O_RUBRIC = 1000, O_JUDGE, O_VOTES, O_ATTEMPTS, O_SCHEMA, O_MAXTOK, O_TIMEOUT, O_WS, O_BATCH, O_JSON, O_EVAL,
         O_CALOUT };
  static const struct option opts[] = {{"rubric", required_argument, 0, O_RUBRIC},
                                       {"judge", required_argument, 0, O_JUDGE},
                                       {"votes", required_argument, 0, O_VOTES},
                                       {"judge-attempts", required_argument, 0, O_ATTEMPTS},
                                       {"judge-schema", required_argument, 0, O_SCHEMA},
                                       {"judge-max-tokens", required_argument, 0, O_MAXTOK},
                                       {"judge-timeout", required_argument, 0, O_TIMEOUT},
                                       {"workspace", required_argument, 0, O_WS},
                                       {"batch", required_argument, 0, O_BATCH},
                                       {"json", no_argument, 0, O_JSON},
                                       {"eval", required_argument, 0, O_EVAL},
                                       {"calibration-out", required_argument, 0, O_CALOUT},
                                       {"quiet", no_argument, 0, 'q'},
                                       {0, 0, 0, 0}};
  optind = 1;
  opterr = 0;
  int o;
  unsigned long long u;
  double d;
  while ((o = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
    switch (o) {
    case O_RUBRIC: rubric_path = optarg; break;
    case O_JUDGE:
      if (n_judges >= DS_ARRAY_LEN(judges)) return cli_usage_error("--judge: at most 16 judges");
      judges[n_judges++] = optarg;
      break;
    case O_VOTES:
      if (!cli_parse_u64("--votes", optarg, &u)) return EXIT_USAGE;
      if (u < 1 || u > 15) return cli_usage_error("--votes: must be 1..15");
      gp.grader.votes = (unsigned)u;
      break;
    case O_ATTEMPTS:
      if (!cli_parse_u64("--judge-attempts", optarg, &u)) return EXIT_USAGE;
      if (u < 1 || u > 10) return cli_usage_error("--judge-attempts: must be 1..10");
      gp.grader.judge_attempts = (unsigned)u;
      break;
    case O_SCHEMA:
      if (!strcmp(optarg, "on")) gp.grader.json_schema = 1;
      else if (!strcmp(optarg, "off")) gp.grader.json_schema = 0;
      else return cli_usage_error("--judge-schema: on or off");
      break;
    case O_MAXTOK:
      if (!cli_parse_u64("--judge-max-tokens", optarg, &u)) return EXIT_USAGE;
      gp.grader.judge_max_tokens = (int)(u > 65536 ? 65536 : u);
      break;
    case O_TIMEOUT:
      if (!cli_parse_double("--judge-timeout", optarg, &d)) return EXIT_USAGE;
      gp.grader.timeout_s = d;
      break;
    case O_WS: gp.grader.workspace = optarg; break;
    case O_BATCH:
      if (!cli_parse_u64("--batch", optarg, &u)) return EXIT_USAGE;
      if (u < 1 || u > 10000) return cli_usage_error("--batch: must be 1..10000");
      gp.batch = (unsigned)u;
      break;
    case O_JSON: as_json = true; break;
    case O_EVAL: eval = optarg; break;
    case O_CALOUT: cal_out = optarg; break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) db_path = argv[optind++];
  if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (!rubric_path) return cli_usage_error("--rubric is required");
  if (!eval && !db_path) return cli_usage_error("a run database (or --eval FILE) is required");
  if (eval && db_path) return cli_usage_error("give either a run database or --eval, not both");
  if (cal_out && !eval) return cli_usage_error("--calibration-out needs --eval LABELED.jsonl");
  gp.grader.judge_specs = judges;
  gp.grader.n_judges = n_judges;

  struct ds_err err = {0};
  struct ds_rubric *rubric = NULL;
  if (ds_rubric_load(rubric_path, &rubric, &err)) return cli_error(&err);
  int rc = EXIT_OK;
  unsigned nc = ds_rubric_n_categories(rubric);
  if (eval) {
    cli_cancel_on_signals();
    struct ds_eval_counts *cnt = NULL;
    uint64_t records = 0;
    if (ds_grade_eval(eval, rubric, &gp.grader, &cnt, &records, &err)) {
      rc = cli_error(&err);
      goto out;
    }
    json_t *arr = as_json ? json_array() : NULL;
    if (!as_json) {
      printf("rubric %s (%.12s), %llu labeled records, judges: %u\n", ds_rubric_name(rubric), ds_rubric_sha256(rubric),
             (unsigned long long)records, n_judges);
      printf("%-32s %5s %5s %5s %5s %5s %5s %9s %7s\n", "category", "n", "tp", "fp", "fn", "tn", "err", "precision",
             "recall");
    }
    uint64_t ttp = 0, tfp = 0, tfn = 0;
    for (unsigned c = 0; c < nc; c++) {
      struct ds_category_info ci;
      ds_rubric_category(rubric, c, &ci);
      struct ds_eval_counts *e = &cnt[c];
      uint64_t n = e->tp + e->fp + e->fn + e->tn + e->errors;
      if (!n && !e->skipped) continue;
      ttp += e->tp, tfp += e->fp, tfn += e->fn;
      double prec = e->tp + e->fp ? (double)e->tp / (double)(e->tp + e->fp) : -1;
      double rec = e->tp + e->fn ? (double)e->tp / (double)(e->tp + e->fn) : -1;
      if (as_json) {
        json_t *row = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "category", ci.id, "n", (json_int_t)n,
                                "tp", (json_int_t)e->tp, "fp", (json_int_t)e->fp, "fn", (json_int_t)e->fn, "tn",
                                (json_int_t)e->tn, "errors", (json_int_t)e->errors, "not_graded", (json_int_t)e->skipped);
        json_object_set_new(row, "precision", prec >= 0 ? json_real(prec) : json_null());
        json_object_set_new(row, "recall", rec >= 0 ? json_real(rec) : json_null());
        json_array_append_new(arr, row);
        continue;
      }
      char ps[16] = "-", rs[16] = "-";
      if (prec >= 0) snprintf(ps, sizeof ps, "%.3f", prec);
      if (rec >= 0) snprintf(rs, sizeof rs, "%.3f", rec);
      if (!n) {
        printf("%-32s %5s  not graded (%llu labels; %s)\n", ci.id, "-", (unsigned long long)e->skipped,
               ci.needs_judge && !n_judges ? "needs --judge" : "category does not apply");
        continue;
      }
      printf("%-32s %5llu %5llu %5llu %5llu %5llu %5llu %9s %7s\n", ci.id, (unsigned long long)n,
             (unsigned long long)e->tp, (unsigned long long)e->fp, (unsigned long long)e->fn, (unsigned long long)e->tn,
             (unsigned long long)e->errors, ps, rs);
    }
    if (as_json) {
      json_t *top = json_pack("{s:s, s:s, s:I, s:o}", "rubric", ds_rubric_name(rubric), "sha256",
                              ds_rubric_sha256(rubric), "records", (json_int_t)records, "categories", arr);
      char *s = ds_json_compact(top);
      printf("%s\n", s ? s : "{}");
      ds_free(s);
      json_decref(top);
    } else {
      printf("%-32s %5s %5llu %5llu %5llu %5s %5s %9.3f %7.3f\n", "(micro-average)", "", (unsigned long long)ttp,
             (unsigned long long)tfp, (unsigned long long)tfn, "", "", ttp + tfp ? (double)ttp / (double)(ttp + tfp) : 0,
             ttp + tfn ? (double)ttp / (double)(ttp + tfn) : 0);
    }
    if (cal_out && write_calibration(cal_out, rubric, eval, records, cnt, &err)) rc = cli_error(&err);
    ds_free(cnt);
    goto out;
  }
  struct ds_store *store = NULL;
  cli_cancel_on_signals();
  if (ds_store_open(db_path, DS_STORE_WRITE, &store, &err)) {
    rc = cli_error(&err);
    goto out;
  }
  struct ds_grade_stats stats;
  /* a progress line (with judges: per request, with rate and ETA) */
  struct cli_progress prog;
  cli_progress_init(&prog, "grade");
  prog.unit = "samples";
  gp.progress = on_progress; /* rules alone are fast: the line shows only on long runs */
  gp.progress_ud = &prog;
  enum ds_status st = ds_grade_run(store, rubric, &gp, &stats, &err);
  cli_progress_end(&prog);
  if (!st && stats.grader_errors) print_error_kinds(store, rubric);
  ds_store_close(store);
  if (st == DS_E_CANCELLED) {
    rc = cli_errorf("interrupted: %s; grade again to continue (what was graded is kept)", err.msg);
    goto out;
  }
  if (st) {
    rc = cli_error(&err);
    goto out;
  }
  if (as_json) {
    printf("{\"rubric\":\"%s\",\"sha256\":\"%s\",\"samples\":%llu,\"loaded\":%llu,\"already_graded\":%llu,"
           "\"grades_written\":%llu,"
           "\"flagged\":%llu,\"grader_errors\":%llu,\"not_applicable\":%llu,\"needs_judge\":%llu}\n",
           ds_rubric_name(rubric), ds_rubric_sha256(rubric), (unsigned long long)stats.samples_seen,
           (unsigned long long)stats.samples_loaded, (unsigned long long)stats.samples_skipped,
           (unsigned long long)stats.grades_written, (unsigned long long)stats.flagged, (unsigned long long)stats.grader_errors,
           (unsigned long long)stats.not_applicable, (unsigned long long)stats.needs_judge);
  } else if (!cli_quiet) {
    printf("rubric %s (%.12s): %llu samples, %llu grades written (%llu flagged, %llu grader errors), "
           "%llu samples already graded\n",
           ds_rubric_name(rubric), ds_rubric_sha256(rubric), (unsigned long long)stats.samples_seen,
           (unsigned long long)stats.grades_written, (unsigned long long)stats.flagged,
           (unsigned long long)stats.grader_errors, (unsigned long long)stats.samples_skipped);
  }
  if (stats.needs_judge)
    fprintf(stderr, "%s: warning: %llu (sample, category) pairs need a judge and were not graded; pass --judge SPEC\n",
            cli_prog, (unsigned long long)stats.needs_judge);
out:
  ds_rubric_free(rubric);
  return rc;
}

const struct cli_command cmd_grade_info = {"grade", "grade samples with a rubric (rules, shell analyzer, judges)", usage,
                                           run};
