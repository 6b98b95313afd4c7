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
#include "depsim/store.h"

extern char **environ;

static const char usage[] =
    "usage: depsim simulate --config SIM.yaml [--sequential [--batch N]] [--dry-run] [--resume] [-q]\n"
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
    "                  with their own stored settings (without it, an existing one is an error)\n"
    "  --sequential    stop when the decision is known: prefixes are drawn in a seeded random\n"
    "                  order (replay --order random; the replay seed, so the same seed draws the\n"
    "                  same prefixes) and replayed in batches, baseline beside each candidate;\n"
    "                  after each batch the candidate is graded, estimated and gated, and it\n"
    "                  stops once every gated category's decision (its rate against max_rate,\n"
    "                  its paired ratio against max_ratio) can no longer change, on anytime-valid\n"
    "                  intervals (confidence sequences, valid however often they are looked at).\n"
    "                  Needs a policy and one sample per prefix. The forecast, the gate's\n"
    "                  Markdown and the report say when it stopped and why; a corpus that runs\n"
    "                  out first is decided as a full run, and they say so\n"
    "  --batch N       with --sequential: prefixes in the first batch (default 100); later\n"
    "                  batches add N or a tenth of what is drawn, whichever is more\n";

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

/* replay + grade of one run; returns the run database path in db (size 4096). limit > 0 (a
 * sequential run): the run is drawn in a seeded random order and only its first `limit`
 * prefixes are replayed; ours says this process created the database (a later batch resumes it). */
static int replay_and_grade(const json_t *cfg, const char *out, const char *corpus, const char *name,
                            const char *backend, const json_t *extra_replay, char *db, uint64_t limit, bool ours) {
  struct argv_buf a = {0};
  char lim[32];
  snprintf(lim, sizeof lim, "%llu", (unsigned long long)limit);
  snprintf(db, 4096, "%s/%s.db", out, name);
  if (!dry_run && access(db, F_OK) == 0) {
    if (!resume && !ours) {
      cli_errorf("%s exists: continue that pipeline with --resume (it keeps the run's own settings), or "
                 "start from an empty 'out' directory", db);
      return EXIT_RUNTIME;
    }
    /* --resume: an earlier simulate left it; continue it with its stored parameters */
    push_all(&a, "depsim", "replay", "--resume", db, NULL);
    if (limit) push_all(&a, "--limit", lim, NULL);
  } else {
    char ref[4096];
    push_all(&a, "depsim", "replay", corpus, "--backend", backend_ref(backend, ref, sizeof ref), "-o", db, NULL);
    if (limit) push_all(&a, "--order", "random", "--limit", lim, NULL);
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

/* ---- --sequential: draw prefixes batch by batch until every gated decision is known ---------- */

static unsigned long long seq_batch; /* --sequential: prefixes in the first batch; 0: a full run */
static bool base_made;               /* the sequential baseline database was made by this process */

struct seq_run {
  const json_t *cfg;
  const char *out, *corpus, *name, *spec;
  const json_t *extra_replay, *baseline; /* the baseline's config block (NULL: none) */
  const char *base_db;                   /* NULL: no baseline */
  const char *policy, *forecast;
};

/* One look at what is drawn so far: estimate, then the gate as JSON (read into *out_gate). */
static int seq_look(const struct seq_run *s, const char *db, const char *gate_json, json_t **out_gate) {
  struct argv_buf a = {0};
  *out_gate = NULL;
  push_all(&a, "depsim", "estimate", db, NULL);
  if (s->base_db) push_all(&a, "--baseline", s->base_db, NULL);
  push_all(&a, "-o", s->forecast, NULL);
  int r = run_with(&a, json_object_get(s->cfg, "estimate"), "estimate");
  argv_release(&a);
  if (r) return r;
  push_all(&a, "depsim", "gate", s->forecast, "--policy", s->policy, "--run", db, "--json", gate_json, NULL);
  if (!push_options(&a, json_object_get(s->cfg, "gate"), "gate")) {
    argv_release(&a);
    return EXIT_USAGE;
  }
  int g = run_stage(&a); /* 0, 1, 2: pass, fail, inconclusive so far */
  argv_release(&a);
  if (g < 0 || g > 2) return EXIT_RUNTIME;
  if (dry_run) return EXIT_OK;
  json_error_t je;
  if (!(*out_gate = json_load_file(gate_json, 0, &je))) return cli_errorf("%s: %s", gate_json, je.text);
  return EXIT_OK;
}

/* Writes the stop record into the run's meta (sequential_stop) and events: the forecast, the
 * gate and the report take it from there. */
static int seq_record(const char *db, const json_t *rec) {
  struct ds_err err = {0};
  struct ds_store *st = NULL;
  char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
  enum ds_status s = text ? DS_OK : ds_fail(&err, DS_E_NOMEM, "out of memory");
  if (!s) s = ds_store_open(db, DS_STORE_WRITE, &st, &err);
  if (!s && !(s = ds_store_begin(st, &err))) {
    if ((s = ds_store_meta_set(st, "sequential_stop", text, &err)) ||
        (s = ds_store_event(st, "sequential_stop", text, &err)))
      ds_store_rollback(st);
    else s = ds_store_commit(st, &err);
  }
  ds_store_close(st);
  free(text);
  return s ? cli_error(&err) : EXIT_OK;
}

/* "a, b, c" of a JSON array of strings */
static void join_ids(const json_t *ids, char *buf, size_t n) {
  size_t i, len = 0;
  const json_t *v;
  buf[0] = '\0';
  json_array_foreach(ids, i, v) {
    int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", json_string_value(v));
    if (w < 0 || (size_t)w >= n - len) break;
    len += (size_t)w;
  }
}

/* The stop record of a run that stopped once decided (last: the categories decided at the last
 * look) or that drew every prefix first (open: what was still undecided, NULL when the first
 * batch drew them all). */
static json_t *seq_stop_record(bool early, const json_t *gate, uint64_t batches, bool resumed, const json_t *last,
                               const json_t *open) {
  const json_t *sq = json_object_get(gate, "sequential");
  json_int_t drawn = (json_int_t)ds_json_num(sq, "prefixes_drawn", 0), total = (json_int_t)ds_json_num(sq, "prefixes_total", 0);
  char reason[2048], ids[1024], looks[96];
  /* a resumed pipeline knows the batches of this session only */
  snprintf(looks, sizeof looks, "%s%llu %s%s", resumed ? "resumed: " : "", (unsigned long long)batches,
           batches == 1 ? "batch" : "batches", resumed ? " this session" : "");
  if (early) {
    size_t i, len = 0;
    const json_t *c;
    len = (size_t)snprintf(reason, sizeof reason, "Stopped early after %lld of %lld prefixes (%s, seeded random "
                           "order): every gated category's decision was known; decided last:",
                           (long long)drawn, (long long)total, looks);
    json_array_foreach(last, i, c) {
      if (len >= sizeof reason) break;
      len += (size_t)snprintf(reason + len, sizeof reason - len, "%s %s %s (%s)", i ? ";" : "",
                              ds_json_str(c, "category", ""), ds_json_str(c, "decision", ""), ds_json_str(c, "how", ""));
    }
    if (len < sizeof reason - 1) snprintf(reason + len, sizeof reason - len, ".");
  } else if (open) {
    join_ids(open, ids, sizeof ids);
    snprintf(reason, sizeof reason, "The corpus ran out: every prefix was drawn (%lld of %lld, %s) before "
             "every gated category was decided (still open: %s).", (long long)drawn, (long long)total, looks,
             *ids ? ids : "none");
  } else if (resumed) {
    snprintf(reason, sizeof reason, "The corpus ran out: every prefix was drawn (%lld of %lld, %s) before every "
             "gated category was decided.", (long long)drawn, (long long)total, looks);
  } else {
    snprintf(reason, sizeof reason, "The corpus ran out: the first batch drew every prefix (%lld of %lld).",
             (long long)drawn, (long long)total);
  }
  return json_pack("{s:b, s:I, s:I, s:I, s:b, s:O, s:O, s:s}", "stopped_early", early, "prefixes_drawn", drawn,
                   "prefixes_total", total, "batches", (json_int_t)batches, "resumed", resumed, "last_decided", early ? last : json_null(),
                   "undecided", !early && open ? open : json_null(), "reason", reason);
}

/* A candidate (and the baseline beside it) drawn batch by batch in a seeded random order, each
 * batch replayed, graded, estimated and gated, until every gated category's decision is final
 * on anytime-valid intervals (lib/gate/sequential.c) or every prefix is drawn. The run's
 * database gets the stop record; the caller then estimates, gates and reports as for a full
 * run. db receives the run database's path, note a few words for the results table. */
static int sequential(const struct seq_run *s, char *db, bool *base_ours, char *note, size_t note_len) {
  uint64_t limit = seq_batch, batches = 0;
  bool ours = false;
  char gate_json[4096], bdb[4096];
  snprintf(gate_json, sizeof gate_json, "%s/%s.sequential-gate.json", s->out, s->name);
  json_t *final = json_object(), *last = json_array(), *open = NULL, *g = NULL, *rec = NULL;
  int rc;
  snprintf(db, 4096, "%s/%s.db", s->out, s->name);
  bool resumed = !dry_run && access(db, F_OK) == 0; /* (simulate --resume; else replay refuses it) */
  for (;;) {
    batches++;
    if (s->base_db) {
      rc = replay_and_grade(s->cfg, s->out, s->corpus, "baseline", ds_json_str(s->baseline, "backend", ""),
                            json_object_get(s->baseline, "replay"), bdb, limit, *base_ours);
      if (rc) goto out;
      *base_ours = true;
    }
    if ((rc = replay_and_grade(s->cfg, s->out, s->corpus, s->name, s->spec, s->extra_replay, db, limit, ours))) goto out;
    ours = true;
    json_decref(g);
    if ((rc = seq_look(s, db, gate_json, &g))) goto out;
    if (dry_run) {
      fprintf(stderr, "depsim simulate: (then more batches, until every gated decision is known)\n");
      goto out;
    }
    const json_t *sq = json_object_get(g, "sequential");
    if (!json_is_object(sq)) {
      rc = cli_errorf("%s: the gate says nothing of a sequential run: was %s replayed in a random order?", gate_json, db);
      goto out;
    }
    bool active = strcmp(ds_json_str(sq, "mode", ""), "anytime-valid") == 0;
    if (active) { /* which categories became final at this look */
      json_array_clear(last);
      size_t i;
      const json_t *c;
      json_array_foreach(json_object_get(g, "categories"), i, c) {
        const json_t *cs = json_object_get(c, "sequential");
        const char *id = ds_json_str(c, "id", "");
        if (!json_is_object(cs) || strcmp(ds_json_str(c, "decision", ""), "not applicable") == 0) continue;
        bool fin = json_is_true(json_object_get(cs, "final"));
        if (fin && !json_object_get(final, id))
          json_array_append_new(last, json_pack("{s:s, s:s, s:s}", "category", id, "decision",
                                                ds_json_str(c, "decision", ""), "how", ds_json_str(c, "reason", "")));
        if (fin) json_object_set_new(final, id, json_true());
        else json_object_del(final, id);
      }
      json_decref(open);
      open = json_incref(json_object_get(sq, "undecided"));
      if (json_is_true(json_object_get(sq, "decided"))) {
        rec = seq_stop_record(true, g, batches, resumed, last, NULL);
        break;
      }
    } else {
      rec = seq_stop_record(false, g, batches, resumed, NULL, open);
      break;
    }
    /* the next batch: at least the first batch's size, and a tenth of what is drawn (a large
     * corpus is looked at a few dozen times, not once per batch) */
    uint64_t drawn = (uint64_t)ds_json_num(sq, "prefixes_drawn", 0), step = drawn / 10;
    limit = drawn + (step > seq_batch ? step : seq_batch);
  }
  if (!rec) {
    rc = cli_errorf("out of memory");
    goto out;
  }
  if ((rc = seq_record(db, rec))) goto out;
  snprintf(note, note_len, json_is_true(json_object_get(rec, "stopped_early")) ? "stopped early: %lld of %lld prefixes"
                                                                               : "drew all %lld of %lld prefixes",
           (long long)ds_json_num(rec, "prefixes_drawn", 0), (long long)ds_json_num(rec, "prefixes_total", 0));
  if (!cli_quiet) fprintf(stderr, "depsim simulate: %s: %s\n", s->name, ds_json_str(rec, "reason", ""));
  unlink(gate_json); /* the last look's decision; the pipeline's gate writes NAME.gate.json */
out:
  json_decref(g);
  json_decref(rec);
  json_decref(final);
  json_decref(last);
  json_decref(open);
  return rc;
}

/* --sequential needs one sample per prefix: the anytime-valid intervals are for independent draws */
static bool seq_k_ok(const json_t *section, const char *where) {
  const json_t *k = json_object_get(section, "k");
  if (k && !(json_is_integer(k) && json_integer_value(k) == 1)) {
    cli_usage_error("--sequential needs one sample per prefix; %s.k is not 1", where);
    return false;
  }
  return true;
}

static int run(int argc, char **argv) {
  const char *config = NULL;
  unsigned long long batch = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    else if (strcmp(argv[i], "--dry-run") == 0) dry_run = true;
    else if (strcmp(argv[i], "--resume") == 0) resume = true;
    else if (strcmp(argv[i], "--sequential") == 0) seq_batch = seq_batch ? seq_batch : 100;
    else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
      if (!cli_parse_u64("--batch", argv[++i], &batch) || batch == 0) return cli_usage_error("--batch: at least 1");
    }
    else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) cli_quiet = 1;
    else return cli_usage_error("unexpected argument '%s'", argv[i]);
  }
  cli_cancel_on_signals();
  if (!config) return cli_usage_error("--config FILE is required");
  if (batch && !seq_batch) return cli_usage_error("--batch goes with --sequential");
  if (batch) seq_batch = batch;
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
  if (seq_batch) {
    size_t ci;
    const json_t *cc;
    bool ok = ds_json_str(cfg, "policy", NULL) != NULL;
    if (!ok) cli_usage_error("--sequential stops once the policy's decisions are known: the config needs a 'policy'");
    ok = ok && seq_k_ok(json_object_get(cfg, "replay"), "replay") &&
         seq_k_ok(json_object_get(json_object_get(cfg, "baseline"), "replay"), "baseline.replay");
    json_array_foreach(cands, ci, cc) ok = ok && seq_k_ok(json_object_get(cc, "replay"), "candidates[].replay");
    if (!ok) {
      rc = EXIT_USAGE;
      goto done;
    }
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
    /* a sequential pipeline draws the baseline batch by batch beside each candidate */
    r = seq_batch ? (snprintf(base_db, sizeof base_db, "%s/baseline.db", out), 0)
                  : replay_and_grade(cfg, out, corpus, "baseline", spec, json_object_get(baseline, "replay"), base_db, 0,
                                     false);
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
    char db[4096], forecast[4096], seq_note[128] = "";
    snprintf(forecast, sizeof forecast, "%s/%s.forecast.json", out, name);
    if (seq_batch) {
      struct seq_run sr = {cfg, out, corpus, name, spec, json_object_get(c, "replay"), baseline, *base_db ? base_db : NULL,
                           policy, forecast};
      r = sequential(&sr, db, &base_made, seq_note, sizeof seq_note);
    } else {
      r = replay_and_grade(cfg, out, corpus, name, spec, json_object_get(c, "replay"), db, 0, false);
    }
    if (r) {
      rc = r;
      goto done;
    }
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
    json_array_append_new(results, json_pack("{s:s,s:s,s:s,s:s}", "name", name, "decision", decision, "report",
                                             json_is_false(rep) ? "" : path, "note", seq_note));
  }
  if (!cli_quiet) printf("\ndepsim simulate: results (in %s)\n", out);
  json_array_foreach(results, i, c) {
    if (cli_quiet) break;
    printf("  %-16s gate: %-12s %s\n", ds_json_str(c, "name", ""), ds_json_str(c, "decision", ""),
           ds_json_str(c, "report", ""));
    if (*ds_json_str(c, "note", "")) printf("  %-16s %s\n", "", ds_json_str(c, "note", "")); /* --sequential */
  }
  rc = worst;
done:
  argv_release(&a);
  json_decref(results);
  json_decref(cfg);
  return rc;
}

const struct cli_command cmd_simulate_info = {"simulate", "run the whole pipeline from one config file", usage, run};
