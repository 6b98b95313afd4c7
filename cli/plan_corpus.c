/* plan_corpus.c: `depsim plan --corpus`: the cost of a replay before it runs: the prefixes and
 * samples it would make (ds_replay_prefixes: replay's own loading), the prompt and completion
 * tokens to expect (by the model's tokenizer when the backend has one, else an estimate said
 * to be one) and their price. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_plan.h"
#include "depsim/backend.h"
#include "depsim/replay.h"

struct plan {
  struct ds_backend *b;     /* NULL: no --backend */
  int counting;             /* -1 not yet known, 1 the backend's tokenizer, 0 estimated */
  char why[300];            /* why estimated */
  int max_tokens;           /* <= 0: none given */
  unsigned n_ctx;           /* the model's context (0: unknown) */
  uint64_t prefixes;        /* that fit the context */
  uint64_t prompt, prompt_max;
  uint64_t answers, answer_tokens;   /* prefixes with a logged answer at the cut, its tokens */
  uint64_t ctx_bound;       /* no --max-tokens, known context: what the context leaves */
  uint64_t too_long;        /* prefixes replay would skip as context_exceeded */
  uint64_t too_long_min, too_long_max;
  bool trim_front;          /* --trim-front: too long prefixes lose their oldest messages */
  uint64_t trimmed;         /* ... and fit then */
  uint64_t seen;
  double t0, last;          /* progress: a line every 10 s (redrawn on a terminal) */
  bool tty, drawn;
};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress(struct plan *pl, bool final) {
  double t = now_s();
  if (cli_quiet || (!final && t - pl->last < (pl->tty ? 0.2 : 10.0)) || (final && !pl->drawn)) return;
  pl->last = t;
  fprintf(stderr, "%s%s: %" PRIu64 " prefixes read, %.1f s%s", pl->tty ? "\r\033[K" : "", cli_prog, pl->seen, t - pl->t0,
          pl->tty && !final ? "" : "\n");
  pl->drawn = pl->tty && !final;
  fflush(stderr);
}

/* The prompt's tokens, counted or estimated; the first prefix decides which for all. */
static enum ds_status prompt_tokens(struct plan *pl, const json_t *msgs, const json_t *tools, uint64_t *out,
                                    struct ds_err *err) {
  if (pl->b && pl->counting != 0) {
    unsigned n = 0;
    struct ds_err e = {0};
    enum ds_status st = ds_backend_count_tokens(pl->b, msgs, tools, &n, &e);
    if (!st) {
      pl->counting = 1;
      *out = n;
      return DS_OK;
    }
    if (pl->counting == 1) /* counted before: a figure half counted, half estimated is no figure */
      return ds_fail(err, st, "counting the prompt's tokens: %s", e.msg);
    pl->counting = 0;
    snprintf(pl->why, sizeof pl->why, "%s", e.msg);
  }
  pl->counting = 0;
  *out = ds_tokens_estimate_messages(msgs, tools);
  return DS_OK;
}

static enum ds_status text_tokens(struct plan *pl, const char *text, size_t len, uint64_t *out, struct ds_err *err) {
  if (pl->counting == 1) {
    unsigned n = 0;
    enum ds_status st = ds_backend_count_text_tokens(pl->b, text, len, &n, err);
    *out = n;
    return st;
  }
  *out = ds_tokens_estimate_text(text, len);
  return DS_OK;
}

/* The tokens of the logged answer at the cut: its content (text parts), reasoning and tool
 * calls (name and arguments), plus its end-of-turn token. */
static enum ds_status answer_tokens(struct plan *pl, const json_t *m, uint64_t *out, struct ds_err *err) {
  struct ds_buf text;
  ds_buf_init(&text, 0);
  const json_t *c = json_object_get(m, "content"), *v;
  size_t i;
  if (json_is_string(c)) ds_buf_add(&text, json_string_value(c), json_string_length(c));
  json_array_foreach(c, i, v) if (json_is_string(json_object_get(v, "text"))) ds_buf_adds(&text, ds_json_str(v, "text", ""));
  const char *r = ds_json_str(m, "reasoning", ds_json_str(m, "reasoning_content", NULL));
  if (r) ds_buf_adds(&text, r);
  json_array_foreach(json_object_get(m, "tool_calls"), i, v) {
    const json_t *f = json_object_get(v, "function");
    if (!f) f = v;
    ds_buf_adds(&text, ds_json_str(f, "name", ""));
    const json_t *a = json_object_get(f, "arguments");
    if (json_is_string(a)) ds_buf_adds(&text, json_string_value(a));
    else if (a) {
      char *s = ds_json_compact(a);
      if (s) ds_buf_adds(&text, s);
      ds_free(s);
    }
  }
  enum ds_status st = text.data ? text_tokens(pl, text.data, text.len, out, err) : DS_OK;
  if (!text.data) *out = 0;
  if (!st) *out += 1;
  ds_buf_release(&text);
  return st;
}

static enum ds_status on_prefix(void *ud, const struct ds_replay_prefix *pf, struct ds_err *err) {
  struct plan *pl = ud;
  json_error_t je;
  json_t *msgs = json_loadb(pf->messages, pf->messages_len, 0, &je);
  json_t *tools = pf->tools ? json_loads(pf->tools, 0, NULL) : NULL;
  json_t *orig = json_loadb(pf->original, pf->original_len, 0, NULL);
  uint64_t n = 0, a = 0;
  enum ds_status st = DS_OK;
  if (!json_is_array(msgs)) {
    st = ds_fail(err, DS_E_PARSE, "line %" PRIu64 ": prefix of '%s': %s", pf->line, pf->conv_id, je.text);
    goto out;
  }
  if ((st = prompt_tokens(pl, msgs, tools, &n, err))) goto out;
  if (pl->n_ctx) { /* what replay does: lib/replay/queue.c, rp_check_context */
    uint64_t reserve = pl->max_tokens > 0 ? (uint64_t)pl->max_tokens : 0, tools_len = pf->tools ? strlen(pf->tools) : 0;
    /* a prefix whose JSON fits needs no count; replay measures one that does not by the
     * backend's count, else as JSON bytes / 3.5, and with --trim-front drops its oldest
     * messages until it fits */
    if (pf->messages_len + tools_len + reserve > pl->n_ctx) {
      uint64_t need = pl->counting == 1 ? n : (uint64_t)ceil((double)(pf->messages_len + tools_len) / 3.5);
      unsigned dropped = 0;
      while (need + reserve > pl->n_ctx && pl->trim_front && ds_replay_trim_front(msgs, &dropped)) {
        if ((st = prompt_tokens(pl, msgs, tools, &n, err))) goto out;
        char *text = pl->counting == 1 ? NULL : ds_json_compact(msgs);
        need = pl->counting == 1 ? n : (uint64_t)ceil((double)((text ? strlen(text) : 0) + tools_len) / 3.5);
        ds_free(text);
      }
      if (need + reserve > pl->n_ctx) {
        if (!pl->too_long || n < pl->too_long_min) pl->too_long_min = n;
        if (n > pl->too_long_max) pl->too_long_max = n;
        pl->too_long++;
        goto out;
      }
      if (dropped) pl->trimmed++;
    }
    if (pl->max_tokens <= 0) pl->ctx_bound += n < pl->n_ctx ? pl->n_ctx - n : 0;
  }
  if (json_is_object(orig)) {
    if ((st = answer_tokens(pl, orig, &a, err))) goto out;
    /* an answer longer than the limit stops there */
    if (pl->max_tokens > 0 && a > (uint64_t)pl->max_tokens) a = (uint64_t)pl->max_tokens;
    else if (pl->max_tokens <= 0 && pl->n_ctx && a + n > pl->n_ctx) a = n < pl->n_ctx ? pl->n_ctx - n : 0;
    pl->answers++;
    pl->answer_tokens += a;
  }
  pl->prefixes++;
  pl->prompt += n;
  if (n > pl->prompt_max) pl->prompt_max = n;
out:
  pl->seen++;
  if (!st) progress(pl, false);
  json_decref(msgs);
  json_decref(tools);
  json_decref(orig);
  return st;
}

/* The figures, once the corpus is read. */
static void print_plan(struct plan *pl, const struct ds_replay_params *p, const struct ds_replay_corpus_counts *c,
                       const struct cli_prices *prices) {
  char cut[32];
  const char *est = pl->counting == 1 ? "" : " (estimated)";
  uint64_t samples = pl->prefixes * p->k, sent = pl->prompt * p->k;
  printf("corpus: %s: %" PRIu64 " records, %" PRIu64 " prefixes (--cut %s); %" PRIu64 " without a cut point, %" PRIu64
         " in other shards, %" PRIu64 " duplicate cuts\n",
         p->corpus_path, c->records, c->prefixes, ds_replay_cut_format(p->cut, p->cut_n, cut, sizeof cut), c->no_cut,
         c->other_shard, c->duplicates);
  if (pl->too_long)
    printf("context: %" PRIu64 " prefixes of %" PRIu64 " to %" PRIu64 " tokens%s do not fit the context (%u)%s%s: replay "
           "skips them (context_exceeded); left out below\n",
           pl->too_long, pl->too_long_min, pl->too_long_max, est, pl->n_ctx, pl->max_tokens > 0 ? " less --max-tokens" : "",
           pl->trim_front ? ", even trimmed" : "");
  if (pl->trimmed)
    printf("context: %" PRIu64 " prefixes fit once their oldest messages are dropped (--trim-front); counted as "
           "trimmed\n",
           pl->trimmed);
  printf("samples: %" PRIu64 " (%" PRIu64 " prefixes x %u)\n", samples, pl->prefixes, p->k);
  if (pl->counting == 1)
    printf("token counts: by the model's tokenizer (%s)\n", ds_backend_describe(pl->b));
  else
    printf("token counts: ESTIMATED, not counted (%s): about a token per 4 letters, 3 digits or other character, 4 "
           "per message (docs/backends.md, \"Token counts\")\n",
           pl->b ? pl->why : "no --backend to count them");
  printf("prompt tokens: %" PRIu64 "%s sent: %" PRIu64 " in the %" PRIu64 " prefixes (mean %.1f, max %" PRIu64
         ") x -k %u\n",
         sent, est, pl->prompt, pl->prefixes, pl->prefixes ? (double)pl->prompt / (double)pl->prefixes : 0.0,
         pl->prompt_max, p->k);
  /* prefill: what the server processes of them, the rest from its prompt cache */
  uint64_t processed = sent, cached = 0;
  enum ds_prefill_share share = DS_SHARE_NONE;
  char why[256] = "";
  if (p->k > 1 && pl->b) share = ds_backend_prefill_share(pl->b, why, sizeof why);
  if (p->k > 1 && share != DS_SHARE_NONE) {
    processed = pl->prompt;
    cached = sent - processed;
    printf("prefill: %" PRIu64 "%s processed, %" PRIu64 " (%.1f%%) from the server's prompt cache: one prompt's worth "
           "per prefix, its %u samples sharing it (%s: %s)\n",
           processed, est, cached, sent ? 100.0 * (double)cached / (double)sent : 0.0, p->k, ds_prefill_share_name(share), why);
  } else if (p->k > 1) {
    printf("prefill: %" PRIu64 "%s processed, every sample its whole prompt (%s); a backend that shares a prefix's prefill "
           "(llama-server, vLLM, OpenAI) would process %" PRIu64 "\n",
           processed, est, pl->b ? why : "no --backend to ask", pl->prompt);
  } else {
    printf("prefill: %" PRIu64 "%s processed (one sample per prefix)\n", processed, est);
  }
  bool bounded = true;
  uint64_t bound = 0;
  if (pl->max_tokens > 0) {
    bound = (uint64_t)pl->max_tokens * samples;
    printf("completion tokens, upper bound: %" PRIu64 " (--max-tokens %d x %" PRIu64 " samples)\n", bound,
           pl->max_tokens, samples);
  } else if (pl->n_ctx) {
    bound = pl->ctx_bound * p->k;
    printf("completion tokens, upper bound: %" PRIu64 "%s (no --max-tokens: what the context (%u) leaves after each "
           "prompt, x %u)\n",
           bound, est, pl->n_ctx, p->k);
  } else {
    bounded = false;
    printf("completion tokens, upper bound: none (no --max-tokens, and the model's context is unknown)\n");
  }
  uint64_t typical = pl->answer_tokens * p->k;
  bool have_typical = pl->answers == pl->prefixes && pl->prefixes;
  if (have_typical)
    printf("completion tokens, typical: %" PRIu64 "%s (as long as the logged answers at the cut, within the limit: %.1f per sample, x %u)\n",
           typical, est, (double)pl->answer_tokens / (double)pl->prefixes, p->k);
  else
    printf("completion tokens, typical: none (%s)\n",
           pl->answers ? "some prefixes have no logged answer at the cut" : "no logged answer at the cut (--cut next)");
  if (!prices->given) return;
  cli_print_prices(prices);
  if (pl->b == NULL && p->k > 1) printf("(without --backend, priced as if every sample processes its whole prompt)\n");
  if (bounded) cli_print_cost("cost, upper bound", prices, processed, cached, bound, pl->counting == 1 ? NULL : "(estimated)");
  else printf("cost, upper bound: none (the completion tokens have no bound: give --max-tokens)\n");
  if (have_typical) cli_print_cost("cost, typical", prices, processed, cached, typical, pl->counting == 1 ? NULL : "(estimated)");
}

/* Warnings (duplicate ids) go to the usual sink; loading's closing note repeats what the
 * plan prints. */
static void log_warnings(void *ud, enum ds_log_level level, const char *msg) {
  (void)ud;
  if (level >= DS_LOG_WARN && cli_log.fn) cli_log.fn(cli_log.ud, level, msg);
}

int cli_plan_corpus(int argc, char **argv) {
  enum { O_CORPUS = 256, O_BACKEND, O_CUT, O_SEED, O_SHARD, O_MAXTOK, O_KEEPR, O_PIN, O_POUT, O_PCACHED, O_TRIM };
  static const struct option opts[] = {
      {"corpus", required_argument, NULL, O_CORPUS},     {"backend", required_argument, NULL, O_BACKEND},
      {"cut", required_argument, NULL, O_CUT},           {"seed", required_argument, NULL, O_SEED},
      {"shard", required_argument, NULL, O_SHARD},       {"max-tokens", required_argument, NULL, O_MAXTOK},
      {"keep-reasoning", no_argument, NULL, O_KEEPR},    {"price-in", required_argument, NULL, O_PIN},
      {"price-out", required_argument, NULL, O_POUT},    {"price-cached", required_argument, NULL, O_PCACHED},
      {"trim-front", no_argument, NULL, O_TRIM},         {"quiet", no_argument, NULL, 'q'},
      {NULL, 0, NULL, 0}};
  struct ds_replay_params p;
  ds_replay_default_params(&p);
  struct plan pl = {.counting = -1};
  struct cli_prices prices = {0};
  const char *spec = NULL;
  unsigned long long u;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:q", opts, NULL)) != -1) {
    switch (c) {
    case O_CORPUS: p.corpus_path = optarg; break;
    case O_BACKEND: spec = optarg; break;
    case 'k':
      if (!cli_parse_u64("-k", optarg, &u)) return EXIT_USAGE;
      if (u == 0 || u > 100000) return cli_usage_error("-k: must be between 1 and 100000");
      p.k = (unsigned)u;
      break;
    case O_CUT: {
      struct ds_err ce = {0};
      if (ds_replay_cut_parse(optarg, &p.cut, &p.cut_n, &ce)) return cli_usage_error("--cut: %s", ce.msg);
      break;
    }
    case O_SEED:
      if (!cli_parse_u64("--seed", optarg, &u)) return EXIT_USAGE;
      p.seed = u;
      break;
    case O_SHARD:
      if (!cli_parse_shard(optarg, &p.shard_index, &p.shard_count)) return EXIT_USAGE;
      break;
    case O_MAXTOK:
      if (!cli_parse_u64("--max-tokens", optarg, &u)) return EXIT_USAGE;
      if (u == 0 || u > 10000000) return cli_usage_error("--max-tokens: 1 to 10000000");
      pl.max_tokens = (int)u;
      break;
    case O_KEEPR: p.keep_reasoning = true; break;
    case O_TRIM: pl.trim_front = true; break;
    case O_PIN: if (!cli_price_option(&prices, "--price-in", optarg)) return EXIT_USAGE; break;
    case O_POUT: if (!cli_price_option(&prices, "--price-out", optarg)) return EXIT_USAGE; break;
    case O_PCACHED: if (!cli_price_option(&prices, "--price-cached", optarg)) return EXIT_USAGE; break;
    case 'q': cli_quiet = 1; break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (optind != argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (!p.corpus_path) return cli_usage_error("--corpus CORPUS.jsonl is required here");
  if (!cli_prices_check(&prices)) return EXIT_USAGE;
  if (spec && strcmp(spec, DS_REPLAY_BACKEND_ORIGINAL) == 0)
    return cli_usage_error("--backend original sends nothing to a model: there is no cost to plan");
  p.log = cli_log;
  p.log.fn = log_warnings;
  p.log.ud = NULL;
  cli_cancel_on_signals();
  struct ds_err err = {0};
  enum ds_status st = DS_OK;
  if (spec) {
    struct ds_backend_params bp;
    ds_backend_default_params(&bp);
    bp.spec = spec;
    bp.log = cli_log;
    if ((st = ds_backend_open(&bp, &pl.b, &err))) return cli_error(&err);
    pl.n_ctx = ds_backend_context_length(pl.b);
  }
  pl.tty = isatty(STDERR_FILENO) != 0;
  pl.t0 = pl.last = now_s();
  struct ds_replay_corpus_counts counts;
  st = ds_replay_prefixes(&p, on_prefix, &pl, &counts, &err);
  progress(&pl, true);
  int rc = EXIT_OK;
  if (st) rc = cli_error(&err);
  else if (!pl.prefixes)
    rc = cli_errorf("%s: no prefix to plan: %" PRIu64 " records, %" PRIu64 " prefixes (%" PRIu64 " in other shards, %" PRIu64
                    " longer than the context)",
                    p.corpus_path, counts.records, counts.prefixes, counts.other_shard, pl.too_long);
  else print_plan(&pl, &p, &counts, &prices);
  ds_backend_close(pl.b);
  return rc;
}
