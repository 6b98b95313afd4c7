/* limit.c: adaptive concurrency (see limit.h) by hill climbing on measured throughput. An epoch
 * is at least max(2 level, 16) finished attempts (every request in flight turns over twice),
 * giving a throughput and a mean latency. From a measured base level the next epoch probes a
 * level above: in slow start double, kept when the throughput rose at all (5%: an engine that
 * computes on the CPU gains little per doubling, a GPU nearly 2x, and either is worth having);
 * once settled one eighth more, kept when throughput rose by at least 40% of the raise (1% at
 * least); else the level goes back and holds for HOLD epochs. Once settled, probes alternate
 * upward and downward; a lower level is kept when its throughput is within 3% of the best
 * measured since the server last changed (not of the last level: small losses would add up)
 * and its latency is lower.
 * While holding, latency 1.5x the base's at no more throughput means the server is queueing
 * (another tenant, a slower phase): the level drops by a fifth. 429/503: halved. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "net/limit.h"

#define HOLD 4        /* epochs at a settled level between probes */
#define RAISE_GAIN 1.05
#define LOWER_LOSS 0.97
#define SLOW_START_GAIN 0.05 /* a doubling kept in slow start when throughput rose this much */

void net_limit_init(struct net_limit *l, bool adaptive, unsigned start, unsigned max, double now) {
  memset(l, 0, sizeof *l);
  l->adaptive = adaptive;
  l->max = max ? max : 1;
  l->level = adaptive ? (start < 1 ? 1 : start > l->max ? l->max : start) : l->max;
  l->base = l->level;
  l->slow_start = true;
  l->epoch_t0 = now;
  l->last_backoff = -INFINITY;
  snprintf(l->why, sizeof l->why,
           adaptive ? "start: %u in flight, raised while the throughput rises" : "fixed at %u in flight", l->level);
}

static void new_epoch(struct net_limit *l, double now) {
  l->epoch_n = 0;
  l->epoch_rtt = 0;
  l->epoch_t0 = now;
}

/* A probe from the base: up (doubling in slow start) or down, by an eighth (at least 1). */
static void start_probe(struct net_limit *l, int dir) {
  unsigned step = l->base / 8 > 1 ? l->base / 8 : 1;
  if (dir > 0) {
    unsigned up = l->slow_start ? l->base * 2 : l->base + step;
    if (up > l->max) up = l->max;
    if (up == l->base) return;
    l->level = up;
  } else {
    if (l->base <= 1) return;
    l->level = l->base > step ? l->base - step : 1;
  }
  l->probe = dir;
}

bool net_limit_sample(struct net_limit *l, double now, double rtt, int http_status, const char *endpoint) {
  if (!l->adaptive) return false;
  unsigned old = l->level, old_base = l->base;
  if (http_status == 429 || http_status == 503) {
    /* one overload answers many requests at once: it lowers the level once per latency */
    double gap = l->base_rtt > 0 ? l->base_rtt : 1.0;
    if (now - l->last_backoff < gap) return false;
    l->last_backoff = now;
    l->slow_start = false;
    l->probe = 0;
    l->holds = 0;
    l->level = l->base = old > 1 ? old / 2 : 1;
    l->base_tput = l->base_rtt = l->peak_tput = 0; /* measured again at the new level */
    new_epoch(l, now);
    if (l->level == old) return false;
    l->changes++;
    snprintf(l->why, sizeof l->why, "HTTP %d from %.100s: the server is overloaded; in flight %u -> %u", http_status,
             endpoint ? endpoint : "the server", old, l->level);
    return true;
  }
  if (http_status < 200 || http_status >= 300) return false; /* an error says nothing of the load */
  l->epoch_n++;
  l->epoch_rtt += rtt;
  unsigned need = 2 * l->level > 16 ? 2 * l->level : 16;
  if (l->epoch_n < need || now - l->epoch_t0 <= 0) return false;
  double mean = l->epoch_rtt / l->epoch_n, tput = l->epoch_n / (now - l->epoch_t0);
  new_epoch(l, now);
  if (l->probe > 0) {
    /* worth it when the throughput rose by at least 40% of the raise (1% at least): beyond the
     * server's slots it does not rise at all */
    double want = l->slow_start ? SLOW_START_GAIN : 0.4 * ((double)l->level / l->base - 1);
    if (want < 0.01) want = 0.01;
    if (tput >= l->base_tput * (1 + want)) { /* the new base, and on up */
      snprintf(l->why, sizeof l->why,
               "at %u in flight %.3g completions/s (%.3g at %u), latency %.3g s: raised", l->level, tput, l->base_tput,
               l->base, mean);
      l->base = l->level;
      l->base_tput = tput;
      l->base_rtt = mean;
      if (tput > l->peak_tput) l->peak_tput = tput;
      start_probe(l, +1);
      if (!l->probe) l->holds = 0;
    } else { /* no more throughput: the requests would only queue */
      l->level = l->base;
      l->slow_start = false;
      l->probe = 0;
      l->holds = 0;
      l->next_down = true;
    }
  } else if (l->probe < 0) {
    /* as much for less latency (peak_tput >= base_tput: the best since the server changed) */
    if (tput >= l->peak_tput * LOWER_LOSS && mean < l->base_rtt) {
      snprintf(l->why, sizeof l->why,
               "at %u in flight %.3g completions/s (%.3g at %u) with latency %.3g s (%.3g s): lowered", l->level, tput,
               l->base_tput, l->base, mean, l->base_rtt);
      l->base = l->level;
      l->base_tput = tput;
      l->base_rtt = mean;
      start_probe(l, -1);
      if (!l->probe) l->holds = 0;
    } else {
      l->level = l->base;
      l->probe = 0;
      l->holds = 0;
      l->next_down = false;
    }
  } else if (l->base_tput > 0 && mean > 1.5 * l->base_rtt && tput < l->base_tput * RAISE_GAIN && l->level > 1) {
    /* latency grew at the same throughput: queueing in the server */
    l->level = l->level - (l->level / 5 > 1 ? l->level / 5 : 1);
    snprintf(l->why, sizeof l->why,
             "latency %.3g s is %.2fx that at %u in flight (%.3g s) with no more throughput (%.3g completions/s): "
             "requests queue in the server; in flight %u -> %u",
             mean, mean / l->base_rtt, old, l->base_rtt, tput, old, l->level);
    l->base = l->level;
    l->base_tput = l->base_rtt = l->peak_tput = 0; /* the server changed: measured afresh */
    l->holds = 0;
  } else {
    /* the base measured (again): a fresh figure, then a probe now and then */
    l->base_tput = l->base_tput > 0 ? 0.5 * (l->base_tput + tput) : tput;
    l->base_rtt = l->base_rtt > 0 ? 0.5 * (l->base_rtt + mean) : mean;
    l->peak_tput = fmax(l->peak_tput, l->base_tput);
    if (l->slow_start || ++l->holds >= HOLD) {
      l->holds = 0;
      start_probe(l, l->next_down && !l->slow_start ? -1 : +1);
      if (!l->probe && !l->slow_start) start_probe(l, l->next_down ? +1 : -1);
      l->next_down = !l->next_down;
    }
  }
  if (l->base == old_base) return false;
  l->changes++;
  return true;
}
