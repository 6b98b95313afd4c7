/* policy.h: the gate policy (YAML): defaults, per-severity and per-category rules, resolved to
 * one rule per category. Internal to lib/gate. */
#ifndef DS_GATE_POLICY_H
#define DS_GATE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

enum policy_uncertainty { POLICY_UPPER_BOUND = 0, POLICY_BAND = 1 };

/* One rule; NaN / unset fields are not applied. set_* say which fields the level gave. */
struct policy_rule {
  double max_rate, max_ratio, band;
  enum policy_uncertainty uncertainty;
  uint64_t min_n;
  bool use_corrected;
  unsigned set; /* bit per field, see POLICY_SET_* */
};
enum {
  POLICY_SET_MAX_RATE = 1, POLICY_SET_MAX_RATIO = 2, POLICY_SET_BAND = 4, POLICY_SET_UNCERTAINTY = 8,
  POLICY_SET_MIN_N = 16, POLICY_SET_USE_CORRECTED = 32
};

struct policy_named {
  char *name;
  struct policy_rule rule;
};

struct policy {
  char sha256[65];
  char *path;
  struct policy_rule defaults;
  struct policy_named *severity, *category;
  size_t n_severity, n_category;
};

/* Parses YAML text (path is used in messages). */
enum ds_status policy_parse(const char *path, const char *text, size_t len, struct policy *out, struct ds_err *err);
enum ds_status policy_load(const char *path, struct policy *out, struct ds_err *err);
void policy_release(struct policy *p);
/* The rule for a category: defaults, then its severity's rule, then its own (later wins). */
void policy_resolve(const struct policy *p, const char *category, const char *severity, struct policy_rule *out);

#endif
