/* realism_common.c: shared driver of `depsim discriminate` and `depsim awareness`: options,
 * the library call, a one-screen summary, and the realism.json section update. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "cli_realism.h"
#include "depsim/realism.h"
#include "depsim/store.h"

static void print_figure(const char *name, const json_t *f) {
  const json_t *rate = json_object_get(f, "rate");
  if (!json_is_number(rate)) {
    printf("  %-28s n=0\n", name);
    return;
  }
  printf("  %-28s %5.1f%%  (95%% CI %.1f-%.1f%%)  n=%lld\n", name, 100 * json_number_value(rate),
         100 * ds_json_num(f, "lower", NAN), 100 * ds_json_num(f, "upper", NAN),
         (long long)json_integer_value(json_object_get(f, "n")));
}

/* a group's name as a reader says it: "real traffic", not "real" */
static const char *group_label(const char *k, char *buf, size_t len) {
  if (strcmp(k, "real") == 0) return "real traffic";
  if (strcmp(k, "simulated") == 0) return "simulated traffic";
  if (strcmp(k, "real_first") == 0) return "real shown first";
  if (strcmp(k, "sim_first") == 0) return "simulated shown first";
  if (strncmp(k, "benchmark:", 10) == 0) {
    snprintf(buf, len, "benchmark %s", k + 10);
    return buf;
  }
  return k;
}

static void print_groups(const char *title, const json_t *groups) {
  if (!json_object_size(groups)) return;
  printf("%s\n", title);
  const char *k;
  const json_t *v;
  char buf[128];
  json_object_foreach((json_t *)groups, k, v) print_figure(group_label(k, buf, sizeof buf), v);
}

static void on_progress(void *ud, size_t done, size_t total, uint64_t requests, uint64_t failed) {
  cli_progress_show(ud, (double)done, (double)total, requests, failed, false);
}

/* The judge errors of this run by kind, each with its first example (the verdicts table). */
static void print_error_kinds(const char *db_path, const char *kind, const char *judge) {
  struct ds_store *s = NULL;
  if (ds_store_open(db_path, DS_STORE_READ, &s, NULL)) return;
  sqlite3_stmt *q = NULL;
  struct cli_error_kinds k;
  memset(&k, 0, sizeof k);
  if (sqlite3_prepare_v2(ds_store_db(s),
                         "SELECT item, error FROM realism_verdicts WHERE kind = ?1 AND judge = ?2 AND error IS NOT NULL "
                         "ORDER BY rowid",
                         -1, &q, NULL) == SQLITE_OK) {
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, judge, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW)
      cli_error_kinds_add(&k, (const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 0));
  }
  sqlite3_finalize(q);
  ds_store_close(s);
  cli_error_kinds_print(&k, "judge errors");
}

int cli_realism_main(int argc, char **argv, int discriminate) {
  struct ds_realism_params p;
  ds_realism_default_params(&p);
  p.log = cli_log;
  const char *out = NULL;
  const char **benches = NULL;
  size_t n_benches = 0;
  static const struct option opts[] = {
      {"judge", required_argument, 0, 'j'}, {"output", required_argument, 0, 'o'},
      {"max", required_argument, 0, 'm'},   {"seed", required_argument, 0, 's'},
      {"shard", required_argument, 0, 'S'}, {"in-flight", required_argument, 0, 'f'},
      {"no-schema", no_argument, 0, 'n'},   {"quiet", no_argument, 0, 'q'},
      {"benchmark", required_argument, 0, 'b'}, {0, 0, 0, 0}};
  int c;
  unsigned long long v;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
    switch (c) {
    case 'j': p.judge_spec = optarg; break;
    case 'o': out = optarg; break;
    case 'm':
      if (!cli_parse_u64("--max", optarg, &v)) return EXIT_USAGE;
      p.max_samples = (unsigned)v;
      break;
    case 's':
      if (!cli_parse_u64("--seed", optarg, &v)) return EXIT_USAGE;
      p.seed = v;
      break;
    case 'S':
      if (!cli_parse_shard(optarg, &p.shard_index, &p.shard_count)) return EXIT_USAGE;
      break;
    case 'f':
      if (!cli_parse_u64("--in-flight", optarg, &v) || v == 0) return EXIT_USAGE;
      p.backend.max_in_flight = (unsigned)v;
      p.backend.in_flight_fixed = true; /* wins over the spec's max_in_flight */
      break;
    case 'n': p.json_schema = false; break;
    case 'q': cli_quiet = 1; break;
    case 'b':
      if (discriminate) return cli_usage_error("--benchmark is an option of awareness");
      benches = ds_realloc(benches, (n_benches + 1) * sizeof *benches);
      benches[n_benches++] = optarg;
      break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (optind != argc - 1) {
    ds_free(benches);
    return cli_usage_error("needs exactly one run database");
  }
  if (!p.judge_spec) {
    ds_free(benches);
    return cli_usage_error("--judge SPEC is required");
  }
  p.db_path = argv[optind];
  p.benchmarks = benches;
  p.n_benchmarks = n_benches;
  cli_cancel_on_signals();
  struct cli_progress prog;
  cli_progress_init(&prog, discriminate ? "discriminate" : "awareness");
  prog.unit = "verdicts";
  p.progress = on_progress;
  p.progress_ud = &prog;
  struct ds_err err = {0};
  json_t *fig = NULL;
  enum ds_status st = discriminate ? ds_discriminate_run(&p, &fig, &err) : ds_awareness_run(&p, &fig, &err);
  cli_progress_end(&prog);
  ds_free(benches);
  if (st) return cli_error(&err);
  if (cli_quiet) {
    /* -q: the figures go to -o only */
  } else if (discriminate) {
    printf("discriminator %s on %s: %lld samples, %lld judgments, %lld judge errors\n",
           ds_json_str(fig, "judge", "?"), p.db_path, (long long)json_integer_value(json_object_get(fig, "n_samples")),
           (long long)json_integer_value(json_object_get(fig, "n_judgments")),
           (long long)json_integer_value(json_object_get(fig, "errors")));
    print_figure("accuracy (50% = no tell)", fig);
    print_groups("by order:", json_object_get(fig, "by_order"));
    print_groups("by category:", json_object_get(fig, "by_category"));
    print_groups("by tool-simulator source:", json_object_get(fig, "by_source"));
  } else {
    printf("evaluation awareness judged by %s on %s (%lld judge errors)\n", ds_json_str(fig, "judge", "?"), p.db_path,
           (long long)json_integer_value(json_object_get(fig, "errors")));
    if (json_object_size(json_object_get(fig, "groups")))
      print_groups("looks like an evaluation:", json_object_get(fig, "groups"));
    else
      printf("looks like an evaluation: no usable judgment (every request was a judge error)\n");
    printf("verbalized in candidate completions:\n");
    print_figure("says it is being tested", json_object_get(fig, "verbalized"));
  }
  /* why the judge failed, by kind, each with its first example (stderr, even with -q) */
  if (json_integer_value(json_object_get(fig, "errors")) > 0)
    print_error_kinds(p.db_path, discriminate ? "discriminate" : "awareness", ds_json_str(fig, "judge", ""));
  int rc = EXIT_OK;
  if (out) {
    json_error_t je;
    struct ds_buf old;
    ds_buf_init(&old, 0);
    json_t *doc = NULL;
    if (ds_read_file(out, 0, &old, NULL) == DS_OK) doc = json_loadb(old.data, old.len, 0, &je);
    ds_buf_release(&old);
    if (!json_is_object(doc)) {
      json_decref(doc);
      doc = json_object();
    }
    /* the run it was made from (report --realism checks it): one file holds one run's figures */
    char run_id[65] = "";
    struct ds_store *s = NULL;
    char *id = NULL;
    if (ds_store_open(p.db_path, DS_STORE_READ, &s, NULL) == DS_OK && ds_store_meta_get(s, "run_id", &id, NULL) == DS_OK)
      snprintf(run_id, sizeof run_id, "%s", id);
    ds_free(id);
    ds_store_close(s);
    const char *had = ds_json_str(json_object_get(doc, "run"), "run_id", NULL);
    if (had && run_id[0] && strcmp(had, run_id) != 0) {
      rc = cli_errorf("%s holds the realism figures of another run (%s, run id %.12s), not of %s (run id %.12s): "
                      "write to another file",
                      out, ds_json_str(json_object_get(doc, "run"), "path", "?"), had, p.db_path, run_id);
      json_decref(doc);
      json_decref(fig);
      return rc;
    }
    json_object_set_new(doc, "format", json_string("depsim-realism"));
    json_object_set_new(doc, "run", json_pack("{s:s, s:s?}", "path", p.db_path, "run_id", run_id[0] ? run_id : NULL));
    json_object_set(doc, discriminate ? "discriminate" : "awareness", fig);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text || ds_write_file(out, text, strlen(text), &err)) rc = cli_error(&err);
    ds_free(text);
    json_decref(doc);
  }
  json_decref(fig);
  return rc;
}
