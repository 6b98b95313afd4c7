/* cmd_simulate.c: `depsim simulate --config sim.yaml` runs the whole pipeline (ingest, sample,
 * replay, grade, estimate, gate, report) from one config file. Each stage runs as the depsim
 * command of that name, so a config section is exactly that command's long options. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static const char usage[] =
    "usage: depsim simulate --config SIM.yaml [--dry-run] [--resume] [-q]\n"
    "\n"
    "Runs the whole pipeline from one config file: ingest (with de-identification) -> sample\n"
    "(optional) -> replay of each candidate and of the baseline -> grade -> estimate -> gate\n"
    "-> report. Every stage is the depsim command of that name; a stage's section in the\n"
    "config holds that command's long options (key max_tokens: 256 -> --max-tokens 256; true\n"
    "-> a flag; a list -> the option repeated). Outputs go to the 'out' directory:\n"
    "corpus.jsonl (+ manifest), baseline.db, NAME.db, NAME.forecast.json, NAME.gate.md,\n"
    "NAME.gate.json, NAME.junit.xml, NAME.report.html (the gate's verdict at its top),\n"
    "audit.jsonl. Relative paths in the config are taken from the current directory (not\n"
    "the config file's), except inside 'backends' blocks.\n"
    "\n"
    "Config keys:\n"
    "  out: DIR                      where everything is written (required; created\n"
    "                                if missing, but its parent must exist)\n"
    "  inputs: [FILE, ...]           logs to ingest (required)\n"
    "  ingest: {...}                 options of depsim ingest\n"
    "  sample: {...}                 options of depsim sample (omit to replay every record)\n"
    "  replay: {...}                 options of depsim replay shared by every run\n"
    "  baseline: {backend: SPEC}     the production model, or 'original' for the logged answers\n"
    "  candidates: [{name: N, backend: SPEC, replay: {...}}, ...]   (required)\n"
    "  backends: {NAME: {type: ...}} backend blocks (docs/backends.md); a backend, judge or\n"
    "                                simulator names one as \"#NAME\" (quoted: # starts a\n"
    "                                YAML comment), the same as config:SIM.yaml#NAME; paths\n"
    "                                in a block are taken from SIM.yaml's directory\n"
    "  rubric: FILE                  rubric for depsim grade (required)\n"
    "  grade: {...}                  options of depsim grade\n"
    "  estimate: {...}               options of depsim estimate\n"
    "  policy: FILE                  policy for depsim gate (omit to skip the gate)\n"
    "  gate: {...}                   options of depsim gate\n"
    "  report: {...} or false        options of depsim report, or no report\n"
    "\n"
    "Exit status: 0 every candidate passed its gate (or no gate), 1 a candidate failed,\n"
    "2 usage error or no failure but an inconclusive gate, 3 a stage failed.\n"
    "\n"
    "Options:\n"
    "  --config FILE   the pipeline config (YAML)\n"
    "  --dry-run       print the commands without running them\n"
    "  -q, --quiet     print nothing but errors (every stage runs with -q; the exit status\n"
    "                  still tells the gates' decisions)\n"
    "  --resume        continue a stopped pipeline: run databases already in 'out' are resumed\n"
    "                  with their own stored settings (without it, an existing one is an error)\n";

struct argv_buf {
  char **v;
  size_t n, cap;
};

static void push(struct argv_buf *a, const char *s) {
  if (a->n + 2 > a->cap) {
    a->cap = a->cap ? a->cap * 2 : 16;
    a->v = ds_realloc(a->v, a->cap * sizeof *a->v);
    if (!a->v) abort(); /* the CLI has no way on without its argument vector */
  }
  a->v[a->n++] = ds_strdup(s);
  a->v[a->n] = NULL;
}

/* push() of each argument up to the NULL that ends the list. */
static void push_all(struct argv_buf *a, ...) __attribute__((sentinel));
static void push_all(struct argv_buf *a, ...) {
  va_list ap;
  va_start(ap, a);
  for (const char *s; (s = va_arg(ap, const char *)) != NULL;) push(a, s);
  va_end(ap);
}

static void pushf(struct argv_buf *a, const char *fmt, const char *x, const char *y) {
  char s[4096];
  snprintf(s, sizeof s, fmt, x, y);
  push(a, s);
}

static void argv_release(struct argv_buf *a) {
  for (size_t i = 0; i < a->n; i++) ds_free(a->v[i]);
  ds_free(a->v);
  memset(a, 0, sizeof *a);
}

static const char *config_path; /* --config, for "#NAME" backend references */

/* A backend spec "#NAME" names a block of this config's own backends: mapping and becomes
 * config:SIM.yaml#NAME (buf holds it); any other spec is returned as it is. */
static const char *backend_ref(const char *spec, char *buf, size_t n) {
  if (spec[0] != '#') return spec;
  snprintf(buf, n, "config:%s%s", config_path, spec);
  return buf;
}

/* Options whose value is a backend spec, so "#NAME" works there too. */
static bool is_spec_option(const char *key) {
  return strcmp(key, "backend") == 0 || strcmp(key, "judge") == 0 || strcmp(key, "simulator") == 0;
}

/* Appends a config section as long options: key_name -> --key-name. */
static bool push_options(struct argv_buf *a, const json_t *section, const char *where) {
  if (!section || json_is_null(section)) return true;
  if (!json_is_object(section)) {
    cli_errorf("config: '%s' must be a mapping of options", where);
    return false;
  }
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)section, k, v) {
    char opt[128] = "--";
    size_t n = strlen(k);
    if (n > sizeof opt - 3) n = sizeof opt - 3;
    for (size_t i = 0; i < n; i++) opt[2 + i] = k[i] == '_' ? '-' : k[i];
    opt[2 + n] = '\0';
    const json_t *items = json_is_array(v) ? v : NULL;
    size_t count = items ? json_array_size(items) : 1;
    for (size_t i = 0; i < count; i++) {
      const json_t *x = items ? json_array_get(items, i) : v;
      char num[64];
      if (json_is_true(x)) push(a, opt);
      else if (json_is_false(x) || json_is_null(x)) continue;
      else if (json_is_string(x)) {
        char ref[4096];
        push(a, opt);
        push(a, is_spec_option(k) ? backend_ref(json_string_value(x), ref, sizeof ref) : json_string_value(x));
      } else if (json_is_integer(x)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x));
        push(a, opt);
        push(a, num);
      } else if (json_is_real(x)) {
        /* the shortest text that reads back as the same number: 0.8, not 0.80000000000000004 */
        for (int prec = 15; prec <= 17; prec++) {
          snprintf(num, sizeof num, "%.*g", prec, json_real_value(x));
          if (strtod(num, NULL) == json_real_value(x)) break;
        }
        push(a, opt);
        push(a, num);
      } else {
        cli_errorf("config: %s.%s: expected a scalar or a list of scalars", where, k);
        return false;
      }
    }
  }
  return true;
}

static bool dry_run, resume;

/* mkdir -p */
static int mkdir_p(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* Runs "depsim ARGS..." (this very executable) and returns its exit status, or -1. */
static int run_stage(struct argv_buf *a) {
  /* -q: every stage quiet too, and no echo of the commands */
  if (cli_quiet && !dry_run) push(a, "-q");
  if (!cli_quiet || dry_run) {
    fprintf(stderr, "depsim simulate: $");
    for (size_t i = 0; i < a->n; i++) fprintf(stderr, " %s", a->v[i]);
    fputc('\n', stderr);
  }
  if (dry_run) return 0;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = '\0';
  pid_t pid;
  int rc = posix_spawn(&pid, self, NULL, NULL, a->v, environ);
  if (rc != 0) {
    cli_errorf("cannot start %s: %s", self, strerror(rc));
    return -1;
  }
  int status;
  bool forwarded = false;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
    /* Ctrl-C or SIGTERM: the running stage stops cleanly (what it committed kept), then the
     * pipeline stops; a stage reached by SIGINT through the terminal's group gets it once */
    if (cli_was_cancelled() && !forwarded) {
      kill(pid, SIGTERM);
      forwarded = true;
    }
  }
  if (cli_was_cancelled()) {
    cli_errorf("cancelled during a stage; depsim simulate --resume continues the pipeline");
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Appends a config section's options to a, runs the stage and empties a: EXIT_OK when the stage
 * exited 0, EXIT_USAGE for a bad section (a kept for the caller to release), else EXIT_RUNTIME. */
static int run_with(struct argv_buf *a, const json_t *section, const char *where) {
  if (!push_options(a, section, where)) return EXIT_USAGE;
  if (run_stage(a) != 0) return EXIT_RUNTIME;
  argv_release(a);
  return EXIT_OK;
}

static const char *req_str(const json_t *cfg, const char *key) {
  const char *v = ds_json_str(cfg, key, NULL);
  if (!v) cli_errorf("config: '%s' is required", key);
  return v;
}

/* replay + grade of one run; returns the run database path in db (size 4096). */
static int replay_and_grade(const json_t *cfg, const char *out, const char *corpus, const char *name,
                            const char *backend, const json_t *extra_replay, char *db) {
  struct argv_buf a = {0};
  snprintf(db, 4096, "%s/%s.db", out, name);
  if (!dry_run && access(db, F_OK) == 0) {
    if (!resume) {
      cli_errorf("%s exists: continue that pipeline with --resume (it keeps the run's own settings), or "
                 "start from an empty 'out' directory", db);
      return EXIT_RUNTIME;
    }
    /* --resume: an earlier simulate left it; continue it with its stored parameters */
    push_all(&a, "depsim", "replay", "--resume", db, NULL);
  } else {
    char ref[4096];
    push_all(&a, "depsim", "replay", corpus, "--backend", backend_ref(backend, ref, sizeof ref), "-o", db, NULL);
    if (!push_options(&a, json_object_get(cfg, "replay"), "replay") ||
        !push_options(&a, extra_replay, "candidates[].replay")) {
      argv_release(&a);
      return EXIT_USAGE;
    }
  }
  int rc = run_stage(&a);
  argv_release(&a);
  if (rc != 0) return EXIT_RUNTIME;
  push_all(&a, "depsim", "grade", db, "--rubric", ds_json_str(cfg, "rubric", ""), NULL);
  rc = run_with(&a, json_object_get(cfg, "grade"), "grade");
  argv_release(&a);
  return rc;
}

static int run(int argc, char **argv) {
  const char *config = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    else if (strcmp(argv[i], "--dry-run") == 0) dry_run = true;
    else if (strcmp(argv[i], "--resume") == 0) resume = true;
    else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) cli_quiet = 1;
    else return cli_usage_error("unexpected argument '%s'", argv[i]);
  }
  cli_cancel_on_signals();
  if (!config) return cli_usage_error("--config FILE is required");
  config_path = config;
  struct ds_err err = {0};
  json_t *cfg = NULL;
  if (ds_yaml_load_file(config, &cfg, &err)) return cli_error(&err);
  int rc = EXIT_RUNTIME, r;
  struct argv_buf a = {0};
  json_t *results = json_array();
  const char *out = req_str(cfg, "out");
  const json_t *inputs = json_object_get(cfg, "inputs");
  const json_t *cands = json_object_get(cfg, "candidates");
  if (!out || !req_str(cfg, "rubric")) {
    rc = EXIT_USAGE;
    goto done;
  }
  if (!json_is_array(inputs) || !json_array_size(inputs) || !json_is_array(cands) || !json_array_size(cands)) {
    cli_errorf("config: 'inputs' and 'candidates' must be non-empty lists");
    rc = EXIT_USAGE;
    goto done;
  }
  if (!dry_run && mkdir_p(out) != 0) {
    cli_errorf("%s: cannot create: %s", out, strerror(errno));
    goto done;
  }
  /* ingest */
  char corpus[4096], sample[4096], path[4096];
  snprintf(corpus, sizeof corpus, "%s/corpus.jsonl", out);
  push_all(&a, "depsim", "ingest", NULL);
  size_t i;
  const json_t *in;
  json_array_foreach(inputs, i, in) {
    if (!json_is_string(in)) {
      cli_errorf("config: inputs[%zu] must be a file name", i);
      rc = EXIT_USAGE;
      goto done;
    }
    push(&a, json_string_value(in));
  }
  push_all(&a, "-o", corpus, NULL);
  if ((r = run_with(&a, json_object_get(cfg, "ingest"), "ingest"))) {
    rc = r;
    goto done;
  }
  /* sample */
  if (json_is_object(json_object_get(cfg, "sample"))) {
    snprintf(sample, sizeof sample, "%s/sample.jsonl", out);
    push_all(&a, "depsim", "sample", corpus, "-o", sample, NULL);
    if ((r = run_with(&a, json_object_get(cfg, "sample"), "sample"))) {
      rc = r;
      goto done;
    }
    memcpy(corpus, sample, sizeof corpus);
  }
  /* baseline */
  char base_db[4096] = "";
  const json_t *baseline = json_object_get(cfg, "baseline");
  if (json_is_object(baseline)) {
    const char *spec = ds_json_str(baseline, "backend", NULL);
    if (!spec) {
      cli_errorf("config: baseline.backend is required when baseline is given");
      rc = EXIT_USAGE;
      goto done;
    }
    r = replay_and_grade(cfg, out, corpus, "baseline", spec, json_object_get(baseline, "replay"), base_db);
    if (r) {
      rc = r;
      goto done;
    }
  }
  /* candidates */
  const char *policy = ds_json_str(cfg, "policy", NULL);
  int worst = EXIT_OK; /* 0 pass, 2 inconclusive, 1 fail: fail wins */
  const json_t *c;
  json_array_foreach(cands, i, c) {
    const char *name = ds_json_str(c, "name", NULL), *spec = ds_json_str(c, "backend", NULL);
    if (!name || !spec || strchr(name, '/')) {
      cli_errorf("config: candidates[%zu] needs a name (no '/') and a backend", i);
      rc = EXIT_USAGE;
      goto done;
    }
    char db[4096], forecast[4096];
    r = replay_and_grade(cfg, out, corpus, name, spec, json_object_get(c, "replay"), db);
    if (r) {
      rc = r;
      goto done;
    }
    snprintf(forecast, sizeof forecast, "%s/%s.forecast.json", out, name);
    push_all(&a, "depsim", "estimate", db, NULL);
    if (*base_db) {
      push_all(&a, "--baseline", base_db, NULL);
    }
    push_all(&a, "-o", forecast, NULL);
    if ((r = run_with(&a, json_object_get(cfg, "estimate"), "estimate"))) {
      rc = r;
      goto done;
    }
    const char *decision = "not gated";
    if (policy) {
      push_all(&a, "depsim", "gate", forecast, "--policy", policy, "--run", db, NULL);
      pushf(&a, "--audit=%s/audit.jsonl", out, "");
      pushf(&a, "--json=%s/%s.gate.json", out, name);
      pushf(&a, "--markdown=%s/%s.gate.md", out, name);
      pushf(&a, "--junit=%s/%s.junit.xml", out, name);
      if (!push_options(&a, json_object_get(cfg, "gate"), "gate")) {
        rc = EXIT_USAGE;
        goto done;
      }
      int g = run_stage(&a);
      argv_release(&a);
      if (dry_run) decision = "(dry run)";
      else if (g == 0) decision = "pass";
      else if (g == 1) decision = "FAIL", worst = EXIT_GATE_FAILED;
      else if (g == 2) {
        decision = "inconclusive";
        if (worst == EXIT_OK) worst = 2;
      } else goto done;
    }
    const json_t *rep = json_object_get(cfg, "report");
    if (!json_is_false(rep)) {
      snprintf(path, sizeof path, "%s/%s.report.html", out, name);
      push_all(&a, "depsim", "report", db, NULL);
      if (*base_db) {
        push_all(&a, "--baseline", base_db, NULL);
      }
      push_all(&a, "--forecast", forecast, "-o", path, NULL);
      /* the verdict at the top of the page */
      if (policy) pushf(&a, "--gate=%s/%s.gate.json", out, name);
      if ((r = run_with(&a, json_is_object(rep) ? rep : NULL, "report"))) {
        rc = r;
        goto done;
      }
    }
    json_array_append_new(results, json_pack("{s:s,s:s,s:s}", "name", name, "decision", decision, "report",
                                             json_is_false(rep) ? "" : path));
  }
  if (!cli_quiet) printf("\ndepsim simulate: results (in %s)\n", out);
  json_array_foreach(results, i, c) {
    if (cli_quiet) break;
    printf("  %-16s gate: %-12s %s\n", ds_json_str(c, "name", ""), ds_json_str(c, "decision", ""),
           ds_json_str(c, "report", ""));
  }
  rc = worst;
done:
  argv_release(&a);
  json_decref(results);
  json_decref(cfg);
  return rc;
}

const struct cli_command cmd_simulate_info = {"simulate", "run the whole pipeline from one config file", usage, run};
