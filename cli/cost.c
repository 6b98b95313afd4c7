/* cost.c: prices per million tokens (--price-in, --price-out, --price-cached), shared by
 * `depsim plan --corpus` (the cost to expect) and `depsim replay` (the cost measured). */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli.h"

bool cli_price_option(struct cli_prices *p, const char *opt, const char *value) {
  double v;
  if (!cli_parse_double(opt, value, &v)) return false;
  if (!(v >= 0 && isfinite(v))) {
    cli_usage_error("%s: a price in USD per million tokens, 0 or more, got '%s'", opt, value);
    return false;
  }
  if (strcmp(opt, "--price-in") == 0) p->in = v, p->have_in = true;
  else if (strcmp(opt, "--price-out") == 0) p->out = v, p->have_out = true;
  else p->cached = v, p->have_cached = true;
  return true;
}

bool cli_prices_check(struct cli_prices *p) {
  if (!p->have_in && !p->have_out && !p->have_cached) return true;
  if (!p->have_in || !p->have_out) {
    cli_usage_error("give both --price-in and --price-out (USD per million tokens)");
    return false;
  }
  if (!p->have_cached) p->cached = p->in;
  p->given = true;
  return true;
}

double cli_cost(const struct cli_prices *p, uint64_t processed, uint64_t cached, uint64_t completion) {
  return ((double)processed * p->in + (double)cached * p->cached + (double)completion * p->out) / 1e6;
}

void cli_print_prices(const struct cli_prices *p) {
  printf("prices (USD per million tokens): %g prompt, %g prompt from the cache%s, %g completion\n", p->in, p->cached,
         p->have_cached ? "" : " (--price-in; --price-cached for the server's discount)", p->out);
}

void cli_print_cost(const char *label, const struct cli_prices *p, uint64_t processed, uint64_t cached,
                    uint64_t completion, const char *note) {
  printf("%s: $%.6f (%" PRIu64 " prompt tokens processed, %" PRIu64 " from the cache, %" PRIu64 " completion)%s%s\n",
         label, cli_cost(p, processed, cached, completion), processed, cached, completion, note ? " " : "",
         note ? note : "");
}
