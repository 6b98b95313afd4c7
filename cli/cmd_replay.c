/* cmd_replay.c: `depsim replay`: parses options into ds_replay_params, runs ds_replay_run and
 * renders its progress (one updating line on a terminal, periodic lines otherwise) and the
 * final accounting. */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "depsim/replay.h"

static const char usage[] =
    "usage: depsim replay CORPUS.jsonl --backend SPEC -o RUN.db [options]\n"
    "       depsim replay --resume RUN.db [--retry-failed] [--limit N] [--in-flight N] [--quiet]\n"
    "       depsim replay ... --emit-batch FILE; later: depsim replay --resume RUN.db --backend file:OUT\n\n"
    "Regenerates assistant turns of the corpus with a candidate model and stores every\n"
    "sample in a run database. The original response is kept (prefixes.original) and never\n"
    "shown to the model. A killed run continues with --resume: no sample is lost and none\n"
    "is generated twice.\n\n"
    "Options:\n"
    "  --backend SPEC       openai:URL?model=NAME, llama:model.gguf, file:completions.jsonl,\n"
    "                       logs:FILE[#FORMAT], config:FILE#NAME (block NAME of FILE's\n"
    "                       backends: mapping; see docs/backends.md), or 'original': no\n"
    "                       model, the corpus's own assistant message is the sample (K=1; a\n"
    "                       baseline or the observed run from logs)\n"
    "                       file: lines answer a prefix by its key ID#CUT (ID the conversation\n"
    "                       id, CUT the index in messages of the assistant turn replaced) and\n"
    "                       sample k: {\"id\":\"c-0001#3\",\"k\":0,\"content\":\"...\"}, or OpenAI\n"
    "                       Batch output lines with custom_id ID#CUT or ID#CUT#K.\n"
    "                       logs: another model's logged answers to the same conversations,\n"
    "                       in any format ingest reads: each conversation answers the prefix\n"
    "                       with its id at each cut; a prefix it lacks is an error result;\n"
    "                       ingest's field map as options: logs:FILE?id-field=uid&content-\n"
    "                       field=answer (also messages-field, time-field, segment-field)\n"
    "  -o, --output FILE    the run database to create (must not exist)\n"
    "  -k K                 samples per prefix (default 1)\n"
    "  --seed S             run seed (default 0); sample seeds derive from it, the prefix\n"
    "                       key and k, so a run is reproducible given the backend\n"
    "  --cut WHERE          which assistant turns are replayed (cut points): last (default),\n"
    "                       every, first, N (the N-th assistant turn), random:M (M turns\n"
    "                       drawn per conversation, seeded by --seed and the conversation\n"
    "                       id), or next (a new turn after the last message, for prompt sets\n"
    "                       and logs that end with the user's turn: no original answer)\n"
    "  --keep-reasoning     send the prefix's recorded reasoning to the model (as\n"
    "                       reasoning_content); by default the model gets role, content,\n"
    "                       tool calls and tool results only, never another model's thinking\n"
    "  --temperature T      sampling temperature (default: the server's)\n"
    "  --top-p P            nucleus sampling (default: the server's)\n"
    "  --max-tokens N       completion limit (default: the server's)\n"
    "  --shard i/N          only conversations with hash(id) mod N = i (all cuts of a\n"
    "                       conversation stay in one shard); combine with 'depsim merge'\n"
    "  --in-flight N        requests in flight (default: the backend's, 64)\n"
    "  --order ORDER        corpus (default): prefixes in the corpus's order; random: in a\n"
    "                       seeded random order (from --seed and each prefix's key; the same\n"
    "                       seed draws the same prefixes), so that the samples done at any\n"
    "                       point are a random sample of the corpus (the whole corpus is\n"
    "                       loaded first)\n"
    "  --limit N            with --order random: sample only the first N prefixes of that\n"
    "                       order (the rest stay pending); --resume RUN.db --limit M (M > N)\n"
    "                       draws the next ones: what 'depsim simulate --sequential' does\n"
    "  --trim-front         prefixes longer than the model's context lose their oldest\n"
    "                       non-system messages until they fit (default: skipped as\n"
    "                       context_exceeded)\n"
    "Agentic replay (coding agents; see 'depsim toolsim --help'):\n"
    "  --agentic            the candidate's tool calls are answered by the tool simulator\n"
    "                       (never executed) and the conversation goes back to it until it\n"
    "                       answers without tool calls; the whole trajectory is stored\n"
    "  --tooldb FILE        recorded tool calls (from 'depsim toolsim index')\n"
    "  --simulator SPEC     backend of the tool-simulator model (default: none)\n"
    "  --simulator-max-tokens N  longest simulated tool output (default 512)\n"
    "  --repo-root DIR      where repo.path_or_url of records resolve (default: .); a record's\n"
    "                       repository outside DIR (absolute, '..', a symlink out) is refused\n"
    "  --allow-repo-outside-root  take records' repositories wherever they are (a trusted corpus)\n"
    "  --max-steps N        model turns per episode (default 20)\n"
    "  --max-episode-tokens N   completion tokens per episode (default 32768)\n"
    "  --max-episode-seconds S  wall time per episode (default 600)\n"
    "Batch services (OpenAI Batch API, vLLM run_batch, Anthropic Message Batches):\n"
    "  --emit-batch FILE    write the samples still to make as a batch input file instead of\n"
    "                       sending them (the backend must be openai:URL?model=NAME; nothing\n"
    "                       is sent); custom_id is the prefix key and k (ID#CUT#K). The run\n"
    "                       stays pending; run the file, then --resume RUN.db --backend\n"
    "                       file:OUTPUT.jsonl stores what the output answers and leaves what\n"
    "                       it lacks pending (emit again for the rest). Also with --resume.\n"
    "  --batch-format F     openai (default; JSONL of {custom_id, method, url, body}) or\n"
    "                       anthropic ({\"requests\": [{custom_id, params}]}, ids escaped to\n"
    "                       Anthropic's [A-Za-z0-9_-]{1,64}, at most 100000 requests)\n"
    "  --resume RUN.db      continue a run; its parameters come from the database\n"
    "  --retry-failed       with --resume: generate the failed prefixes again\n"
    "  -q, --quiet          no progress and no notes\n"
    "Cost (not run parameters; also with --resume):\n"
    "  --price-in USD, --price-out USD   prices of a million prompt and completion tokens: the\n"
    "                       summary prints the run's cost from the tokens the server reported\n"
    "                       (none when it reported none, or not for every sample); 'depsim plan\n"
    "                       --corpus' gives the same figures before the run\n"
    "  --price-cached USD   a million prompt tokens from the server's cache (default --price-in)\n\n"
    "Prints the accounting: prefixes = completed + skipped (by reason) + failed (by cause), and\n"
    "the tokens the server reported: prompt, processed and from its cache, completion.\n"
    "Exit: 0 the run finished (failed prefixes are counted, not fatal), 2 usage, 3 error or\n"
    "interrupted (continue with --resume).\n";

struct render {
  bool tty;
  double last_line;
  bool drew;
};

static void fmt_eta(double s, char *out, size_t n) {
  if (s < 0) snprintf(out, n, "?");
  else if (s < 60) snprintf(out, n, "%.0fs", s);
  else if (s < 3600) snprintf(out, n, "%dm%02ds", (int)s / 60, (int)s % 60);
  else snprintf(out, n, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

static void on_progress(void *ud, const struct ds_replay_progress *p) {
  struct render *r = ud;
  if (cli_quiet) return;
  bool final = strcmp(p->phase, "done") == 0;
  char line[256], eta[32];
  if (strcmp(p->phase, "loading") == 0) {
    snprintf(line, sizeof line, "loading corpus: %" PRIu64 " lines", p->corpus_lines);
  } else {
    fmt_eta(p->eta_s, eta, sizeof eta);
    char loading[64] = "";
    if (p->corpus_loading) snprintf(loading, sizeof loading, "  (loading: %" PRIu64 " lines so far)", p->corpus_lines);
    snprintf(line, sizeof line,
             "%" PRIu64 "/%s%" PRIu64 " samples  %.1f/s  %.0f tok/s  %" PRIu64 " errors  %u in flight  ETA %s%s",
             p->samples_done, p->corpus_loading ? ">=" : "", p->samples_total, p->samples_per_s, p->tokens_per_s,
             p->samples_failed, p->in_flight, eta, loading);
  }
  if (r->tty) {
    fprintf(stderr, "\r\033[K%s", line);
    r->drew = true;
    if (final) {
      fputc('\n', stderr);
      r->drew = false;
    }
    fflush(stderr);
  } else if (final || p->elapsed_s - r->last_line >= 10.0) {
    r->last_line = p->elapsed_s;
    fprintf(stderr, "%s: %s\n", cli_prog, line);
  }
}

static void print_counts(const char *what, uint64_t total, json_t *by) {
  printf("  %-10s %" PRIu64, what, total);
  if (total && json_object_size(by)) {
    const char *key;
    json_t *v;
    const char *sep = " (";
    json_object_foreach(by, key, v) {
      printf("%s%s %" JSON_INTEGER_FORMAT, sep, key, json_integer_value(v));
      sep = ", ";
    }
    printf(")");
  }
  printf("\n");
}

/* The tokens the server reported and, with prices, their cost: only when it reported them
 * for every sample that succeeded. */
static void print_tokens(const struct ds_replay_summary *s, const struct cli_prices *prices) {
  uint64_t n = s->samples_ok + s->samples_failed;
  if (!s->usage_samples) {
    printf("tokens: not reported by the backend\n");
    if (prices->given) printf("cost: not known (the backend reported no token usage)\n");
    return;
  }
  uint64_t cached = s->prompt_cached < s->prompt_tokens ? s->prompt_cached : s->prompt_tokens;
  printf("tokens: %" PRIu64 " prompt, %" PRIu64 " completion (as the server counted them)\n", s->prompt_tokens,
         s->completion_tokens);
  if (s->prompt_cached_samples)
    printf("prefill: %" PRIu64 " prompt tokens processed, %" PRIu64 " (%.1f%%) taken from the server's prompt cache"
           "%s\n",
           s->prompt_tokens - cached, s->prompt_cached,
           s->prompt_tokens ? 100.0 * (double)s->prompt_cached / (double)s->prompt_tokens : 0.0,
           s->prompt_cached_samples < n ? " (the server said so for some samples only)" : "");
  else
    printf("prefill: the server did not say how much of the prompts it took from its cache\n");
  if (!prices->given) return;
  cli_print_prices(prices);
  if (s->usage_samples < s->samples_ok)
    printf("cost: not known (the backend reported token usage for %" PRIu64 " of the %" PRIu64 " samples)\n",
           s->usage_samples, s->samples_ok);
  else
    cli_print_cost("cost", prices, s->prompt_tokens - cached, cached, s->completion_tokens,
                   s->prompt_cached_samples < n ? "(the part from the cache where the server said it)" : NULL);
}

static void print_summary(const char *db, const struct ds_replay_summary *s, const struct cli_prices *prices) {
  printf("run database: %s\n", db);
  printf("prefixes %" PRIu64 " = completed + skipped + failed%s\n", s->prefixes, s->pending ? " + pending" : "");
  printf("  %-10s %" PRIu64 "\n", "completed", s->completed);
  print_counts("skipped", s->skipped, s->skipped_by_reason);
  if (s->context_exceeded)
    printf("             context_exceeded: prefixes of %lld to %lld tokens > context %lld\n",
           (long long)ds_json_num(s->context_exceeded, "min_tokens", 0),
           (long long)ds_json_num(s->context_exceeded, "max_tokens", 0),
           (long long)ds_json_num(s->context_exceeded, "context", 0));
  print_counts("failed", s->failed, s->failed_by_cause);
  if (s->pending) printf("  %-10s %" PRIu64 "\n", "pending", s->pending);
  printf("samples: %" PRIu64 " ok, %" PRIu64 " failed; %" PRIu64 " backend calls this session, %.1f s\n", s->samples_ok,
         s->samples_failed, s->backend_calls, s->elapsed_s);
  printf("corpus: %" PRIu64 " records, %" PRIu64 " without a cut point, %" PRIu64 " in other shards, %" PRIu64
         " duplicate cuts\n",
         s->corpus_records, s->corpus_no_cut, s->corpus_other_shard, s->corpus_duplicates);
  print_tokens(s, prices);
}

static int run(int argc, char **argv) {
  enum { O_BACKEND = 256, O_SEED, O_CUT, O_TEMP, O_TOPP, O_MAXTOK, O_SHARD, O_INFLIGHT, O_TRIM, O_RESUME, O_RETRY,
         O_AGENTIC, O_TOOLDB, O_SIM, O_REPOROOT, O_STEPS, O_EPTOK, O_EPSEC, O_SIMTOK, O_KEEPR, O_OUTSIDE, O_EMIT, O_BFMT,
         O_ORDER, O_LIMIT, O_PIN, O_POUT, O_PCACHED };
  static const struct option opts[] = {
      {"backend", required_argument, NULL, O_BACKEND}, {"output", required_argument, NULL, 'o'},
      {"seed", required_argument, NULL, O_SEED},       {"cut", required_argument, NULL, O_CUT},
      {"temperature", required_argument, NULL, O_TEMP}, {"top-p", required_argument, NULL, O_TOPP},
      {"max-tokens", required_argument, NULL, O_MAXTOK}, {"shard", required_argument, NULL, O_SHARD},
      {"in-flight", required_argument, NULL, O_INFLIGHT}, {"trim-front", no_argument, NULL, O_TRIM},
      {"resume", required_argument, NULL, O_RESUME},   {"retry-failed", no_argument, NULL, O_RETRY},
      {"agentic", no_argument, NULL, O_AGENTIC},       {"tooldb", required_argument, NULL, O_TOOLDB},
      {"simulator", required_argument, NULL, O_SIM},   {"repo-root", required_argument, NULL, O_REPOROOT},
      {"allow-repo-outside-root", no_argument, NULL, O_OUTSIDE},
      {"max-steps", required_argument, NULL, O_STEPS}, {"max-episode-tokens", required_argument, NULL, O_EPTOK},
      {"max-episode-seconds", required_argument, NULL, O_EPSEC},
      {"simulator-max-tokens", required_argument, NULL, O_SIMTOK}, {"keep-reasoning", no_argument, NULL, O_KEEPR},
      {"emit-batch", required_argument, NULL, O_EMIT}, {"batch-format", required_argument, NULL, O_BFMT},
      {"order", required_argument, NULL, O_ORDER},     {"limit", required_argument, NULL, O_LIMIT},
      {"price-in", required_argument, NULL, O_PIN},    {"price-out", required_argument, NULL, O_POUT},
      {"price-cached", required_argument, NULL, O_PCACHED},
      {"quiet", no_argument, NULL, 'q'},               {NULL, 0, NULL, 0}};
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  unsigned long long u;
  bool k_given = false, run_opts = false, format_given = false;
  struct cli_prices prices = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:k:q", opts, NULL)) != -1) {
    switch (c) {
    case O_BACKEND: p.backend_spec = optarg; break;
    case 'o': p.db_path = optarg; run_opts = true; break;
    case 'k':
      if (!cli_parse_u64("-k", optarg, &u)) return EXIT_USAGE;
      if (u == 0 || u > 100000) return cli_usage_error("-k: must be between 1 and 100000");
      p.k = (unsigned)u;
      k_given = run_opts = true;
      break;
    case O_SEED:
      if (!cli_parse_u64("--seed", optarg, &u)) return EXIT_USAGE;
      p.seed = u;
      run_opts = true;
      break;
    case O_CUT: {
      struct ds_err ce = {0};
      if (ds_replay_cut_parse(optarg, &p.cut, &p.cut_n, &ce)) return cli_usage_error("--cut: %s", ce.msg);
      run_opts = true;
      break;
    }
    case O_KEEPR: p.keep_reasoning = true; run_opts = true; break;
    case O_TEMP:
      if (!cli_parse_double("--temperature", optarg, &p.temperature)) return EXIT_USAGE;
      run_opts = true;
      break;
    case O_TOPP:
      if (!cli_parse_double("--top-p", optarg, &p.top_p)) return EXIT_USAGE;
      run_opts = true;
      break;
    case O_MAXTOK:
      if (!cli_parse_u64("--max-tokens", optarg, &u)) return EXIT_USAGE;
      if (u > 10000000) return cli_usage_error("--max-tokens: too large");
      p.max_tokens = (int)u;
      run_opts = true;
      break;
    case O_SHARD:
      if (!cli_parse_shard(optarg, &p.shard_index, &p.shard_count)) return EXIT_USAGE;
      run_opts = true;
      break;
    case O_INFLIGHT:
      if (!cli_parse_u64("--in-flight", optarg, &u)) return EXIT_USAGE;
      if (u == 0 || u > 100000) return cli_usage_error("--in-flight: must be between 1 and 100000");
      p.in_flight = (unsigned)u;
      break;
    case O_TRIM: p.trim_front = true; run_opts = true; break;
    case O_RESUME: p.resume = true; p.db_path = optarg; break;
    case O_RETRY: p.retry_failed = true; break;
    case O_AGENTIC: p.agentic = true; run_opts = true; break;
    case O_TOOLDB: p.tooldb_path = optarg; run_opts = true; break;
    case O_SIM: p.simulator_spec = optarg; break; /* on resume: a spec that describes the same */
    case O_REPOROOT: p.repo_root = optarg; run_opts = true; break;
    case O_OUTSIDE: p.allow_repo_outside_root = true; run_opts = true; break;
    case O_SIMTOK:
      if (!cli_parse_u64("--simulator-max-tokens", optarg, &u) || u == 0 || u > 100000)
        return cli_usage_error("--simulator-max-tokens: 1 to 100000");
      p.simulator_max_tokens = (int)u;
      run_opts = true;
      break;
    case O_STEPS:
      if (!cli_parse_u64("--max-steps", optarg, &u) || u == 0 || u > 10000) return cli_usage_error("--max-steps: 1 to 10000");
      p.max_steps = (unsigned)u;
      run_opts = true;
      break;
    case O_EPTOK:
      if (!cli_parse_u64("--max-episode-tokens", optarg, &u) || u == 0) return cli_usage_error("--max-episode-tokens: a positive number");
      p.max_episode_tokens = (long)u;
      run_opts = true;
      break;
    case O_EPSEC:
      if (!cli_parse_double("--max-episode-seconds", optarg, &p.max_episode_seconds) || p.max_episode_seconds <= 0)
        return cli_usage_error("--max-episode-seconds: a positive number");
      run_opts = true;
      break;
    case O_EMIT: p.emit_batch = optarg; break;
    case O_ORDER:
      if (strcmp(optarg, "random") == 0) p.sequential = true;
      else if (strcmp(optarg, "corpus") != 0) return cli_usage_error("--order: corpus or random, not '%s'", optarg);
      run_opts = true;
      break;
    case O_LIMIT:
      if (!cli_parse_u64("--limit", optarg, &u)) return EXIT_USAGE;
      if (u == 0) return cli_usage_error("--limit: at least 1");
      p.limit = u;
      break;
    case O_BFMT: {
      struct ds_err fe = {0};
      if (ds_batch_format_parse(optarg, &p.batch_format, &fe)) return cli_usage_error("--batch-format: %s", fe.msg);
      format_given = true;
      break;
    }
    case O_PIN: if (!cli_price_option(&prices, "--price-in", optarg)) return EXIT_USAGE; break;
    case O_POUT: if (!cli_price_option(&prices, "--price-out", optarg)) return EXIT_USAGE; break;
    case O_PCACHED: if (!cli_price_option(&prices, "--price-cached", optarg)) return EXIT_USAGE; break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (!cli_prices_check(&prices)) return EXIT_USAGE;
  if (p.resume) {
    if (run_opts || optind < argc)
      return cli_usage_error("--resume takes its parameters from the run database; give only --retry-failed, "
                             "--limit, --in-flight, --backend, --emit-batch, --batch-format, --price-* or --quiet");
  } else {
    if (p.retry_failed) return cli_usage_error("--retry-failed needs --resume RUN.db");
    if (optind != argc - 1) return cli_usage_error("expected one corpus file");
    p.corpus_path = argv[optind];
    if (!p.backend_spec) return cli_usage_error("--backend is required");
    if (!p.db_path) return cli_usage_error("-o RUN.db is required");
    if (p.limit && !p.sequential) return cli_usage_error("--limit takes the first prefixes of a random order: add --order random");
    if (strcmp(p.backend_spec, DS_REPLAY_BACKEND_ORIGINAL) == 0 && k_given && p.k != 1)
      return cli_usage_error("--backend original gives one sample per prefix; -k must be 1");
  }
  if (p.limit && p.emit_batch) return cli_usage_error("--limit and --emit-batch do not go together");
  if (format_given && !p.emit_batch) return cli_usage_error("--batch-format goes with --emit-batch FILE");
  p.log = cli_log;
  cli_cancel_on_signals();

  struct render rd = {.tty = isatty(STDERR_FILENO) != 0};
  struct ds_replay_summary sum;
  struct ds_err err = {0};
  enum ds_status st = ds_replay_run(&p, on_progress, &rd, &sum, &err);
  if (rd.drew) fputc('\n', stderr);
  if (st == DS_E_CANCELLED) {
    print_summary(p.db_path, &sum, &prices);
    ds_replay_summary_release(&sum);
    return cli_errorf("interrupted; continue with: depsim replay --resume %s", p.db_path);
  }
  if (st) return cli_error(&err);
  /* -q: nothing on success; a run with failed prefixes or samples still shows its accounting */
  if (!cli_quiet || sum.failed || sum.samples_failed) print_summary(p.db_path, &sum, &prices);
  if (p.emit_batch)
    printf("batch: %" PRIu64 " requests written to %s (%s); when its output is back:\n"
           "  depsim replay --resume %s --backend file:OUTPUT.jsonl\n",
           sum.batch_emitted, p.emit_batch, ds_batch_format_name(p.batch_format), p.db_path);
  else if (sum.batch_missing)
    printf("batch output: %" PRIu64 " samples it did not answer stay pending (--emit-batch FILE writes them again)\n",
           sum.batch_missing);
  ds_replay_summary_release(&sum);
  return EXIT_OK;
}

const struct cli_command cmd_replay_info = {"replay", "regenerate responses with a candidate model (resumable, sharded)",
                                            usage, run};
