/* cmd_plan.c: depsim plan: how many prefixes a rate estimate needs, or the detection floor a
 * given number of messages buys; with --corpus, the tokens and price of a replay
 * (plan_corpus.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_plan.h"
#include "depsim/stats.h"

static const char usage[] =
    "usage: depsim plan --rate P --error M [--confidence C]\n"
    "       depsim plan --n N [--confidence C]\n"
    "       depsim plan --corpus CORPUS.jsonl [-k K] [--cut WHERE] [--backend SPEC] [--max-tokens N]\n"
    "                   [--price-in USD --price-out USD [--price-cached USD]]\n\n"
    "--rate/--error: the number of prefixes needed so that the interval of a rate P lies within a\n"
    "multiplicative error M of it ([P/M, P*M]) at confidence C (default 0.95). On the log scale the\n"
    "estimate's standard error is sqrt((1-P)/(n P)), so n = (z / ln M)^2 (1-P)/P (about\n"
    "(z / ln M)^2 / P for rare behaviors). With K samples per prefix that share the prefix, divide by\n"
    "K only if the samples are nearly independent; the design effect of a pilot run tells.\n\n"
    "--n: the detection floor of N messages: the C upper bound on the rate when zero events are\n"
    "seen, 1 - (1-C)^(1/N) (about 3/N at 95%), printed exactly and per 100k.\n\n"
    "--corpus: the cost of 'depsim replay CORPUS' before it runs, sending no completion request:\n"
    "the prefixes and samples it would make (replay's own loading: the same cut points, shards and\n"
    "duplicates), the prompt tokens to expect (sent: every sample's prompt; processed: with K > 1\n"
    "one prompt's worth per prefix when the backend shares a prefix's prefill, as replay does on\n"
    "llama-server, vLLM and OpenAI), the completion tokens (upper bound: --max-tokens x samples, or\n"
    "what the context leaves; typical: as long as the logged answers at the cut), and the price.\n"
    "Tokens are counted by the model's tokenizer when the backend has one (llama-server's\n"
    "/apply-template and /tokenize, a llama: model), else estimated, and then every figure says so.\n"
    "Prefixes longer than the model's context are counted apart (replay skips them, or with\n"
    "--trim-front drops their oldest messages until they fit: then counted as trimmed).\n"
    "  --corpus FILE        the canonical corpus replay would read\n"
    "  -k K                 samples per prefix (default 1)\n"
    "  --cut WHERE, --seed S, --shard i/N, --keep-reasoning, --trim-front   as replay takes them\n"
    "  --backend SPEC       the model replay would use: its tokenizer and context length; with\n"
    "                       -k above 1 it is asked how it shares prefill (on servers other than\n"
    "                       llama-server: one request of one token with n=2)\n"
    "  --max-tokens N       replay's completion limit: the upper bound of completion tokens\n"
    "  --price-in USD       price of a million prompt tokens processed\n"
    "  --price-out USD      price of a million completion tokens\n"
    "  --price-cached USD   price of a million prompt tokens from the server's cache (default:\n"
    "                       --price-in; 0 for a server of your own)\n"
    "  -q, --quiet          no progress line\n"
    "Exit: 0, 2 usage, 3 an unreadable corpus, a bad line, or no prefix to replay.\n";

static int run(int argc, char **argv) {
  double p = NAN, m = NAN, conf = 0.95;
  unsigned long long n = 0;
  bool have_n = false;
  static const struct option opts[] = {{"rate", required_argument, 0, 'p'},
                                       {"error", required_argument, 0, 'm'},
                                       {"confidence", required_argument, 0, 'c'},
                                       {"n", required_argument, 0, 'n'},
                                       {0, 0, 0, 0}};
  int ch;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--corpus") == 0 || strncmp(argv[i], "--corpus=", 9) == 0) return cli_plan_corpus(argc, argv);
  optind = 1;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
    case 'p': if (!cli_parse_double("--rate", optarg, &p)) return EXIT_USAGE; break;
    case 'm': if (!cli_parse_double("--error", optarg, &m)) return EXIT_USAGE; break;
    case 'c': if (!cli_parse_double("--confidence", optarg, &conf)) return EXIT_USAGE; break;
    case 'n':
      if (!cli_parse_u64("--n", optarg, &n)) return EXIT_USAGE;
      have_n = true;
      break;
    default: return cli_usage_error("unknown option");
    }
  }
  if (optind != argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (!(conf > 0 && conf < 1)) return cli_usage_error("--confidence must be in (0,1), got %g", conf);
  if (have_n) {
    if (!isnan(p) || !isnan(m)) return cli_usage_error("--n cannot be combined with --rate/--error");
    if (n == 0) return cli_usage_error("--n must be at least 1");
    double u = ds_stats_floor((double)n, conf);
    printf("messages: %llu\nconfidence: %g\nupper bound with zero events: %.6g (%.4g per 100k)\n"
           "rule of three (3/N): %.6g\n",
           n, conf, u, u * 1e5, 3.0 / (double)n);
    return EXIT_OK;
  }
  if (isnan(p) || isnan(m)) return cli_usage_error("give --rate and --error, or --n");
  if (!(p > 0 && p < 1)) return cli_usage_error("--rate must be in (0,1), got %g", p);
  if (!(m > 1)) return cli_usage_error("--error must be a factor above 1 (e.g. 1.5), got %g", m);
  double need;
  ds_stats_plan_n(p, m, conf, &need);
  double z = ds_stats_z(conf);
  printf("rate: %g\nmultiplicative error: %g\nconfidence: %g\nprefixes needed: %.0f\n"
         "expected events: %.1f\napproximation (z/ln m)^2/p: %.0f\n",
         p, m, conf, need, need * p, ceil(pow(z / log(m), 2) / p));
  return EXIT_OK;
}

const struct cli_command cmd_plan_info = {"plan", "prefixes needed for a target precision; detection floor of N; "
                                          "tokens and price of a replay",
                                          usage, run};
