/* realism_int.h: internals of the realism judges (hidden symbols, not part of the public API):
 * the verdict parsers (also for the fuzz target) and the judging state and helpers that the
 * discriminator (realism.c) and the awareness judge (awareness.c) share. */
#ifndef DS_REALISM_INT_H
#define DS_REALISM_INT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "depsim/backend.h"
#include "depsim/realism.h"
#include "depsim/stats.h"
#include "depsim/store.h"

/* Judge verdicts (model output): true with the choice ('A' or 'B') / awareness flag when
 * valid; *out_conf is the stated confidence or NAN. text may be NULL. */
bool realism_parse_discriminate(const char *text, char *out_choice, double *out_conf);
bool realism_parse_awareness(const char *text, bool *out_eval, double *out_conf);

struct item {
  int64_t sample_id, prefix_id;
  char *key;            /* unique per kind and judge: "s12:real_first", "p3:real", "b:file:id" */
  char *group;          /* discriminate: order; awareness: real / simulated / benchmark:NAME */
  json_t *messages;     /* the judge prompt */
  char truth;           /* discriminate: 'A' or 'B', the real one */
  unsigned attempts;
  bool in_flight, done;
};

struct judging {
  const struct ds_realism_params *p;
  const char *kind;
  const char *judge;    /* described spec */
  struct ds_store *store;
  sqlite3_stmt *ins, *seen;
  struct item *items;
  size_t n_items;
  json_t *response_format;
  uint64_t errors;
  size_t n_done;                /* items with a verdict or a final error this session */
  uint64_t requests, failed;    /* requests answered this session, and those that gave no verdict */
  struct ds_err *err;
  enum ds_status st;
};

struct chosen {
  int64_t sample_id, prefix_id;
  uint64_t score;
};

struct group_acc {
  char *name;
  struct ds_prop_acc acc;
};

struct groups {
  struct group_acc *v;
  size_t n;
};

char *rl_render(const json_t *msgs, size_t max_chars);
bool rl_already_judged(struct judging *j, const char *key);
enum ds_status rl_judge_all(struct judging *j, struct ds_backend *b);
enum ds_status rl_open_judging(struct judging *j, const struct ds_realism_params *p, const char *kind,
                               struct ds_backend **out_b, struct ds_err *err);
void rl_close_judging(struct judging *j, struct ds_backend *b);
struct item *rl_add_item(struct judging *j);
enum ds_status rl_choose_samples(struct judging *j, struct chosen **out, size_t *out_n);
enum ds_status rl_load_sample(struct judging *j, int64_t sample_id, json_t **out_prefix, json_t **out_real,
                              json_t **out_sim);
json_t *rl_judge_messages(const char *user);
json_t *rl_figure(const struct ds_prop_acc *a, double conf);
struct ds_prop_acc *rl_group_get(struct groups *g, const char *name);
json_t *rl_groups_json(struct groups *g, double conf);
json_t *rl_error_causes(struct judging *j);

#endif
