/* limit.h: adaptive concurrency for http_pool: how many requests to keep in flight, found by
 * climbing the throughput curve of the server: start low, raise while throughput rises (a raise
 * that brings no more throughput is undone: the requests would only queue in the server),
 * probe lower now and then (the same throughput with less latency is kept), lower when latency
 * grows at the same throughput (queueing), halve on 429/503. Pure state, no I/O. Internal. */
#ifndef DS_NET_LIMIT_H
#define DS_NET_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct net_limit {
  bool adaptive;          /* false: level stays at max */
  unsigned level, max;    /* requests in flight allowed now; the ceiling */
  bool slow_start;        /* doubling until a raise brings nothing */
  int probe;              /* +1 / -1: this epoch tries a level above / below base; 0 holds */
  unsigned base;          /* the level the last accepted measurement was made at */
  double base_tput, base_rtt; /* its completions/s and mean latency (0: not measured yet) */
  double peak_tput;       /* the best settled throughput since the server last changed (0 then) */
  unsigned holds;         /* epochs held since the last probe */
  bool next_down;         /* the next probe goes down (probes alternate once settled) */
  unsigned epoch_n;       /* attempts finished in this epoch */
  double epoch_t0, epoch_rtt; /* its start, its latencies' sum */
  double last_backoff;    /* when 429/503 last lowered the level */
  uint64_t changes;       /* changes of the settled level (base) so far; probes are not counted */
  char why[256];          /* the last such change and its reason */
};

/* level = max when !adaptive, else start (at least 1, at most max). */
void net_limit_init(struct net_limit *l, bool adaptive, unsigned start, unsigned max, double now);
/* One finished attempt: its latency and HTTP status (0: none came). True when the settled
 * level (base) changed (l->why says why); level also moves for probes. */
bool net_limit_sample(struct net_limit *l, double now, double rtt, int http_status, const char *endpoint);

#endif
