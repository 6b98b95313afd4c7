/* sequential.c: the gate of a run drawn in a seeded random order and looked at after every
 * batch (depsim simulate --sequential): each category is decided on anytime-valid intervals
 * (a confidence sequence for its rate, the paired sequential ratio test against the baseline;
 * lib/stats/sequential.c) instead of the fixed-n ones, and is "final" once no later sample can
 * change its decision. A run whose every prefix was drawn is gated as a full run. */
#include <math.h>
#include <string.h>

#include "depsim/stats.h"
#include "gate/gate_int.h"

bool gate_seq_active(const json_t *forecast) {
  const json_t *s = json_object_get(forecast, "sequential");
  return json_is_object(s) && !json_is_true(json_object_get(s, "exhausted"));
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* a count of the forecast as an integer; null when it is none (absent, NaN, beyond 2^53) */
static json_t *whole(double v) { return fabs(v) <= 9007199254740992.0 ? json_integer((json_int_t)v) : json_null(); }

/* A count of the forecast: a whole number in [0, 2^53], else false (a forecast is outside input). */
static bool count(const json_t *o, const char *k, uint64_t *out) {
  double v = ds_json_num(o, k, 0);
  if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v)) return false;
  *out = (uint64_t)v;
  return true;
}

/* One check's outcome: its decision and whether more samples could still change it. */
struct check {
  enum ds_gate_decision d;
  bool final;
};

static void fold(struct check *all, bool *any_final_fail, struct check c) {
  all->d = gate_worse(all->d, c.d);
  all->final = all->final && c.final;
  if (c.d == DS_GATE_FAIL && c.final) *any_final_fail = true;
}

enum ds_gate_decision gate_seq_decide(const json_t *forecast, const json_t *cat, const struct policy_rule *r,
                                      struct ds_buf *why, json_t *entry, bool *out_final) {
  double n = ds_json_num(cat, "n", NAN);
  uint64_t un = 0, ue = 0;
  double alpha = 1 - ds_json_num(forecast, "confidence", 0.95);
  const json_t *run = json_object_get(forecast, "run");
  json_t *seq = json_object();
  struct check all = {DS_GATE_PASS, true};
  bool final_fail = false;
  if (!(n > 0)) {
    /* nothing graded: a category left without its judge stays so however many samples come */
    const char *status = ds_json_str(cat, "status", "not_graded");
    enum ds_gate_decision d = gate_decide(cat, r, why);
    bool fin = strcmp(status, "needs_judge") == 0 || strcmp(status, "not_graded") == 0;
    json_object_set_new(seq, "final", json_boolean(fin));
    json_object_set_new(entry, "sequential", seq);
    *out_final = fin;
    return d;
  }
  bool counts = alpha > 0 && alpha < 1 && count(cat, "n", &un) && count(cat, "events", &ue) && ue <= un;
  if (!counts || json_is_true(json_object_get(run, "clustered")) || json_is_true(json_object_get(run, "weighted"))) {
    /* the confidence sequence is for independent draws of equal weight */
    enum ds_gate_decision d = gate_decide(cat, r, why);
    gate_say(why, counts ? "fixed-n interval: anytime-valid intervals need one sample per prefix and equal weights, so the "
                      "run cannot stop early"
                    : "fixed-n interval: the forecast's counts or confidence give no anytime-valid interval");
    json_object_set_new(seq, "final", json_false());
    json_object_set_new(entry, "sequential", seq);
    *out_final = false;
    return d;
  }
  if (r->use_corrected && json_is_object(json_object_get(cat, "corrected")))
    gate_say(why, "anytime-valid interval of the observed labels (no judge correction)");
  if (r->min_n && n < (double)r->min_n) {
    gate_say(why, "n = %.0f is below min_n = %llu", n, (unsigned long long)r->min_n);
    fold(&all, &final_fail, (struct check){DS_GATE_INCONCLUSIVE, false});
  }
  if (!isnan(r->max_rate)) {
    double m = r->max_rate, lo = 0, hi = 1;
    struct ds_cs_prior pr;
    ds_cs_prior_for(m, &pr);
    struct check c = {DS_GATE_INCONCLUSIVE, false};
    if (ds_cs_bernoulli(ue, un, alpha, &pr, &lo, &hi) == DS_OK) {
      enum ds_seq_side side = ds_cs_side(lo, hi, m);
      if (side == DS_SEQ_BELOW) {
        gate_say(why, "anytime-valid interval [%.3g, %.3g] is below max_rate %.3g", lo, hi, m);
        c = (struct check){DS_GATE_PASS, true};
      } else if (side == DS_SEQ_ABOVE) {
        gate_say(why, "anytime-valid interval [%.3g, %.3g] is above max_rate %.3g", lo, hi, m);
        c = (struct check){DS_GATE_FAIL, true};
      } else {
        gate_say(why, "anytime-valid interval [%.3g, %.3g] contains max_rate %.3g: more prefixes needed", lo, hi, m);
      }
      json_object_set_new(seq, "lower", num(lo));
      json_object_set_new(seq, "upper", num(hi));
      json_object_set_new(seq, "side", json_string(ds_seq_side_name(side)));
    }
    if (r->uncertainty == POLICY_BAND) gate_say(why, "(the band applies to fixed-n decisions only)");
    fold(&all, &final_fail, c);
  }
  if (!isnan(r->max_ratio)) {
    const json_t *cmp = json_object_get(cat, "comparison");
    double m = r->max_ratio;
    if (!json_is_object(cmp)) {
      gate_say(why, "max_ratio %.3g needs a baseline comparison, which the forecast lacks", m);
      fold(&all, &final_fail, (struct check){DS_GATE_INCONCLUSIVE, true});
    } else {
      struct ds_seq_ratio s;
      uint64_t cell[4] = {0};
      bool ok = count(cmp, "both", &cell[0]) && count(cmp, "candidate_only", &cell[1]) &&
                count(cmp, "baseline_only", &cell[2]) && count(cmp, "neither", &cell[3]);
      ds_seq_ratio_init(&s, m);
      ds_seq_ratio_add_n(&s, true, true, cell[0]);
      ds_seq_ratio_add_n(&s, true, false, cell[1]);
      ds_seq_ratio_add_n(&s, false, true, cell[2]);
      ds_seq_ratio_add_n(&s, false, false, cell[3]);
      double up, down;
      enum ds_seq_side side = ok ? ds_seq_ratio_side(&s, alpha, &up, &down) : DS_SEQ_OPEN;
      if (!ok) up = down = NAN;
      struct check c = {DS_GATE_INCONCLUSIVE, false};
      if (!ok) {
        gate_say(why, "paired sequential test: the comparison's counts are not whole numbers of pairs");
      } else if (side == DS_SEQ_BELOW) {
        gate_say(why, "paired sequential test: ratio below max_ratio %.3g (evidence %.3g >= %.3g)", m, exp(down), 2 / alpha);
        c = (struct check){DS_GATE_PASS, true};
      } else if (side == DS_SEQ_ABOVE) {
        gate_say(why, "paired sequential test: ratio above max_ratio %.3g (evidence %.3g >= %.3g)", m, exp(up), 2 / alpha);
        c = (struct check){DS_GATE_FAIL, true};
      } else if (ok) {
        gate_say(why, "paired sequential test: ratio against max_ratio %.3g not decided yet (evidence %.3g and %.3g < %.3g)",
            m, exp(up), exp(down), 2 / alpha);
      }
      json_object_set_new(seq, "ratio_side", json_string(ds_seq_side_name(side)));
      json_object_set_new(seq, "ratio_log_evidence_above", num(up));
      json_object_set_new(seq, "ratio_log_evidence_below", num(down));
      fold(&all, &final_fail, c);
    }
  }
  if (isnan(r->max_rate) && isnan(r->max_ratio) && !r->min_n) gate_say(why, "no rule applies");
  bool fin = all.final || final_fail;
  json_object_set_new(seq, "final", json_boolean(fin));
  json_object_set_new(entry, "sequential", seq);
  *out_final = fin;
  return all.d;
}

json_t *gate_seq_summary(const json_t *forecast, const json_t *categories) {
  const json_t *fs = json_object_get(forecast, "sequential");
  if (!json_is_object(fs)) return json_null();
  bool active = gate_seq_active(forecast);
  json_t *open = json_array();
  size_t i;
  const json_t *c;
  json_array_foreach(categories, i, c) {
    const json_t *s = json_object_get(c, "sequential");
    if (json_is_object(s) && !json_is_true(json_object_get(s, "final")))
      json_array_append_new(open, json_string(ds_json_str(c, "id", "")));
  }
  double drawn = ds_json_num(fs, "prefixes_drawn", 0), total = ds_json_num(fs, "prefixes_total", 0);
  const json_t *stop = json_object_get(fs, "stop");
  struct ds_buf line;
  ds_buf_init(&line, 0);
  if (json_is_object(stop) && ds_json_str(stop, "reason", NULL)) ds_buf_addf(&line, "%s ", ds_json_str(stop, "reason", ""));
  if (active) {
    if (!json_is_object(stop)) {
      ds_buf_addf(&line, "Sequential run: %.0f of %.0f prefixes drawn in a seeded random order (seed %.0f); ", drawn,
                  total, ds_json_num(fs, "seed", 0));
      if (json_array_size(open)) ds_buf_addf(&line, "%zu categories still open. ", json_array_size(open));
      else ds_buf_adds(&line, "every decision is known. ");
    }
    ds_buf_adds(&line, "Decided on anytime-valid intervals (confidence sequences, valid under continuous "
                       "monitoring), not on the fixed-n intervals shown.");
  } else {
    if (!json_is_object(stop))
      ds_buf_addf(&line, "Sequential run: every prefix was drawn (%.0f of %.0f). ", drawn, total);
    ds_buf_adds(&line, "Decided as a full run, on the fixed-n intervals.");
  }
  json_t *o = json_pack("{s:s, s:b, s:o, s:o, s:o, s:O, s:s}", "mode", active ? "anytime-valid" : "full run",
                        "decided", active && json_array_size(open) == 0, "undecided", open, "prefixes_drawn",
                        whole(drawn), "prefixes_total", whole(total), "stop",
                        json_is_object(stop) ? stop : json_null(), "line", line.data ? line.data : "");
  ds_buf_release(&line);
  return o;
}
