/* test_limit.c: adaptive concurrency (lib/net/limit.c) against a model of a server with S slots
 * that batches what it serves and queues the rest: on a GPU-like server (latency grows a little
 * with the batch) the level climbs from 4, settles near S without queueing much, follows the
 * server when it gets slower or faster; on a CPU-bound engine (each request in a batch costs
 * nearly as much as one alone, so a doubling gains little: llama-server on one core) it still
 * reaches the throughput of the best fixed level and does not drift down; it halves on
 * 429/503, and a fixed limit never moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "net/limit.h"

/* The fluid model: b = min(level, S) requests served at once take base (1 + cost b) each; the
 * others wait, so a request's latency is that times level / b. cost 0.05: a GPU (batching is
 * nearly free); 1: an engine on the CPU (measured: llama-server -np 4 -t 1 gave 61, 76, 95 and
 * 109 completions/s at 1, 4, 8 and 16 in flight, bench/in_flight.sh). */
static double batch_cost = 0.05;
static double model_rtt(unsigned level, unsigned slots, double base) {
  unsigned b = level < slots ? level : slots;
  return base * (1 + batch_cost * b) * (double)level / b;
}

/* Completions per second of the model at a level. */
static double tput(unsigned level, unsigned slots, double base) { return level / model_rtt(level, slots, base); }

/* Runs `epochs` rounds of max(level, 8) finished requests each: each finishes with the latency
 * of the level at that moment, level / latency of them per second. Returns the level. */
static unsigned drive(struct net_limit *l, double *now, unsigned slots, double base, unsigned epochs) {
  for (unsigned e = 0; e < epochs; e++) {
    unsigned n = l->level > 8 ? l->level : 8;
    for (unsigned i = 0; i < n; i++) {
      double rtt = model_rtt(l->level, slots, base);
      *now += rtt / l->level;
      net_limit_sample(l, *now, rtt, 200, "http://h/v1");
    }
  }
  return l->level;
}

static void settles_near_the_slots(void **state) {
  (void)state;
  batch_cost = 0.05;
  const unsigned slot_counts[] = {1, 8, 32};
  for (size_t i = 0; i < sizeof slot_counts / sizeof *slot_counts; i++) {
    unsigned S = slot_counts[i];
    struct net_limit l;
    double now = 0;
    net_limit_init(&l, true, 4, 256, now);
    assert_int_equal(l.level, 4);
    drive(&l, &now, S, 0.5, 200);
    printf("# %u slots: settled at %u (now %u) after 200 epochs, %llu changes; last: %s\n", S, l.base, l.level,
           (unsigned long long)l.changes, l.why);
    /* at least 95% of the throughput the server can give, and little queueing; probes go an
     * eighth (at least 1) either side */
    assert_true(tput(l.base, S, 0.5) >= 0.95 * tput(S, S, 0.5));
    assert_true(l.base <= S + S / 8 + 1);
    assert_true(l.level + S / 8 + 1 >= l.base && l.level <= l.base + S / 8 + 1);
  }
}

/* The best throughput any fixed level gives the model. */
static double best_fixed(unsigned slots, double base) {
  double best = 0;
  for (unsigned lv = 1; lv <= 256; lv++) best = fmax(best, tput(lv, slots, base));
  return best;
}

static void cpu_engine_reaches_the_best_fixed_level(void **state) {
  (void)state;
  batch_cost = 1.0;
  const unsigned slot_counts[] = {4, 16};
  for (size_t i = 0; i < sizeof slot_counts / sizeof *slot_counts; i++) {
    unsigned S = slot_counts[i];
    struct net_limit l;
    double now = 0;
    net_limit_init(&l, true, 4, 256, now);
    drive(&l, &now, S, 0.016, 60);
    double early = tput(l.base, S, 0.016);
    drive(&l, &now, S, 0.016, 400);
    printf("# cpu engine, %u slots: settled at %u (%.1f of the best fixed %.1f completions/s), %llu changes; last: "
           "%s\n", S, l.base, tput(l.base, S, 0.016), best_fixed(S, 0.016), (unsigned long long)l.changes, l.why);
    assert_true(early >= 0.9 * best_fixed(S, 0.016));
    /* small losses of the probes downward do not add up */
    assert_true(tput(l.base, S, 0.016) >= 0.9 * best_fixed(S, 0.016));
  }
}

static void follows_a_server_that_changes(void **state) {
  (void)state;
  batch_cost = 0.05;
  struct net_limit l;
  double now = 0;
  net_limit_init(&l, true, 4, 256, now);
  drive(&l, &now, 16, 0.2, 200);
  assert_true(tput(l.base, 16, 0.2) >= 0.95 * tput(16, 16, 0.2) && l.base <= 19);
  /* the server loses half its slots (another tenant): the level comes down */
  drive(&l, &now, 8, 0.2, 300);
  printf("# 16 -> 8 slots: settled at %u\n", l.base);
  assert_true(tput(l.base, 8, 0.2) >= 0.95 * tput(8, 8, 0.2) && l.base <= 10);
  /* and grows again when they come back */
  drive(&l, &now, 16, 0.2, 300);
  printf("# 8 -> 16 slots: settled at %u\n", l.base);
  assert_true(tput(l.base, 16, 0.2) >= 0.95 * tput(16, 16, 0.2) && l.base <= 19);
}

static void halves_on_overload_once_per_burst(void **state) {
  (void)state;
  batch_cost = 0.05;
  struct net_limit l;
  double now = 0;
  net_limit_init(&l, true, 4, 256, now);
  drive(&l, &now, 32, 0.5, 100);
  unsigned before = l.level;
  assert_true(net_limit_sample(&l, now, 0.5, 429, "http://h/v1"));
  assert_int_equal(l.level, before / 2);
  assert_non_null(strstr(l.why, "HTTP 429 from http://h/v1"));
  /* the rest of the same burst does not halve again */
  assert_false(net_limit_sample(&l, now + 0.01, 0.5, 503, "http://h/v1"));
  assert_int_equal(l.level, before / 2);
  /* a later one does */
  assert_true(net_limit_sample(&l, now + 5, 0.5, 503, "http://h/v1"));
  assert_int_equal(l.level, before / 4);
  /* other errors say nothing about the load */
  assert_false(net_limit_sample(&l, now + 10, 0.5, 500, "http://h/v1"));
  assert_false(net_limit_sample(&l, now + 10, 0.5, 0, "http://h/v1"));
  /* never below one */
  for (int i = 0; i < 20; i++) net_limit_sample(&l, now + 20 + 10 * i, 0.5, 429, "h");
  assert_int_equal(l.level, 1);
}

static void fixed_never_moves(void **state) {
  (void)state;
  batch_cost = 0.05;
  struct net_limit l;
  double now = 0;
  net_limit_init(&l, false, 4, 64, now);
  assert_int_equal(l.level, 64);
  drive(&l, &now, 8, 0.5, 50);
  assert_false(net_limit_sample(&l, now, 1, 429, "h"));
  assert_int_equal(l.level, 64);
  assert_int_equal(l.changes, 0);
  /* the ceiling holds */
  net_limit_init(&l, true, 4, 10, now);
  drive(&l, &now, 64, 0.5, 100);
  assert_int_equal(l.level, 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(settles_near_the_slots),
      cmocka_unit_test(cpu_engine_reaches_the_best_fixed_level),
      cmocka_unit_test(follows_a_server_that_changes),
      cmocka_unit_test(halves_on_overload_once_per_burst),
      cmocka_unit_test(fixed_never_moves),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
