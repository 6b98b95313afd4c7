/* pair.c: pairs a candidate run with a baseline run for the paired comparison: prefixes are
 * matched on conv_id#cut and k and must hold the same prompt (the digest replay stores), runs of
 * different corpora are named, and the comparison of each category is built (ds_pair_runs is
 * what estimate's comparison and a report's are made of). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/run_data.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

void ds_prompt_digest(const char *messages, size_t messages_len, const char *tools, char out[33]) {
  struct ds_sha256 h;
  char hex[65];
  if (ds_sha256_begin(&h)) {
    memset(out, '0', 32); /* out of memory: all zero reads as "unknown" */
    out[32] = '\0';
    return;
  }
  ds_sha256_update(&h, messages, messages_len);
  ds_sha256_update(&h, "\n", 1);
  if (tools) ds_sha256_update(&h, tools, strlen(tools));
  ds_sha256_end(&h, hex);
  memcpy(out, hex, 32);
  out[32] = '\0';
}

bool stats_digest_parse(const char *hex, uint64_t out[2]) {
  out[0] = out[1] = 0;
  for (int i = 0; i < 32; i++) {
    char c = hex[i];
    unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
    if (v == 16) return false;
    out[i / 16] = out[i / 16] << 4 | v;
  }
  return hex[32] == '\0';
}

/* prefix key -> index of base, open addressing on a 64-bit hash of the key (no string is copied;
 * a hash match is confirmed by comparing the keys) */
struct key_index {
  uint64_t *hash;
  uint32_t *slot; /* index + 1; 0 = empty */
  size_t mask;
};

static enum ds_status key_index_build(const struct run_data *r, struct key_index *ki) {
  size_t cap = 64;
  while (cap < 2 * r->n_prefixes + 2) cap *= 2;
  ki->hash = ds_malloc(cap * sizeof *ki->hash);
  ki->slot = ds_calloc(cap, sizeof *ki->slot);
  ki->mask = cap - 1;
  if (!ki->hash || !ki->slot) return DS_E_NOMEM;
  for (size_t j = 0; j < r->n_prefixes; j++) {
    uint64_t h = stats_key_hash(r->prefix_key[j], strlen(r->prefix_key[j]));
    size_t i = (size_t)h & ki->mask;
    while (ki->slot[i]) i = (i + 1) & ki->mask;
    ki->hash[i] = h;
    ki->slot[i] = (uint32_t)j + 1;
  }
  return DS_OK;
}

static bool key_index_find(const struct key_index *ki, const struct run_data *r, const char *key, uint32_t *out) {
  uint64_t h = stats_key_hash(key, strlen(key));
  for (size_t i = (size_t)h & ki->mask; ki->slot[i]; i = (i + 1) & ki->mask)
    if (ki->hash[i] == h && strcmp(r->prefix_key[ki->slot[i] - 1], key) == 0) {
      *out = ki->slot[i] - 1;
      return true;
    }
  return false;
}

static const char *corpus_of(const struct run_data *r) {
  return json_string_value(json_object_get(r->meta, "corpus_sha256"));
}

enum ds_status run_pair_compute(const struct run_data *cand, const struct run_data *base, enum ds_pair_mismatch policy,
                                struct ds_pair_acc **out_pairs, struct run_pairing *info, struct ds_err *err) {
  enum ds_status st = DS_OK;
  size_t nc = cand->n_categories;
  struct strmap bcat = {0};
  struct key_index bmap = {0};
  struct ds_pair_acc *acc = ds_calloc(nc + 1, sizeof *acc);
  uint32_t *cmap = ds_malloc((nc + 1) * sizeof *cmap);
  uint32_t *cnt = ds_calloc(6 * nc + 1, sizeof *cnt);
  memset(info, 0, sizeof *info);
  info->cand_corpus = corpus_of(cand);
  info->base_corpus = corpus_of(base);
  info->same_corpus = info->cand_corpus && info->base_corpus && strcmp(info->cand_corpus, info->base_corpus) == 0;
  if (!acc || !cmap || !cnt || key_index_build(base, &bmap)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (size_t c = 0; c < base->n_categories; c++)
    if (strmap_put(&bcat, base->category[c], strlen(base->category[c]), (uint32_t)c)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
  for (size_t c = 0; c < nc; c++)
    if (strmap_get(&bcat, cand->category[c], strlen(cand->category[c]), &cmap[c])) cmap[c] = UINT32_MAX;
  size_t bnc = base->n_categories;
  for (size_t j = 0; j < cand->n_prefixes; j++) {
    uint32_t bj;
    if (cand->sample_begin[j] == cand->sample_begin[j + 1]) continue; /* nothing sampled */
    info->cand_prefixes++;
    if (!key_index_find(&bmap, base, cand->prefix_key[j], &bj)) continue;
    info->common++;
    /* like with like: the same conversation cut must show the model the same prompt */
    if (memcmp(&cand->digest[2 * j], &base->digest[2 * (size_t)bj], 2 * sizeof(uint64_t)) != 0) {
      if (!info->mismatched++) snprintf(info->example, sizeof info->example, "%s", cand->prefix_key[j]);
      continue;
    }
    info->matched++;
    memset(cnt, 0, 6 * nc * sizeof *cnt);
    uint32_t s = cand->sample_begin[j], s1 = cand->sample_begin[j + 1];
    uint32_t t = base->sample_begin[bj], t1 = base->sample_begin[bj + 1];
    while (s < s1 && t < t1) {
      if (cand->sample_k[s] < base->sample_k[t]) { s++; continue; }
      if (cand->sample_k[s] > base->sample_k[t]) { t++; continue; }
      if (cand->sample_ok[s] && base->sample_ok[t]) {
        const int8_t *cr = cand->labels + (size_t)s * nc, *br = base->labels + (size_t)t * bnc;
        for (size_t c = 0; c < nc; c++) {
          if (cmap[c] == UINT32_MAX) continue;
          int8_t a = cr[c], b = br[cmap[c]];
          if (a < 0 || b < 0) continue;
          uint32_t *k = cnt + 6 * c;
          k[0]++;
          k[1] += (uint32_t)a;
          k[2] += (uint32_t)b;
          k[3] += (uint32_t)(a && b);
          k[4] += (uint32_t)(a && !b);
          k[5] += (uint32_t)(!a && b);
        }
      }
      s++;
      t++;
    }
    for (size_t c = 0; c < nc; c++) {
      uint32_t *k = cnt + 6 * c;
      ds_pair_acc_add(&acc[c], cand->weight[j], k[0], k[1], k[2], k[3], k[4], k[5]);
    }
  }
  char corpora[220] = "";
  if (!info->same_corpus)
    snprintf(corpora, sizeof corpora, "; the runs were made from different corpora (corpus_sha256 %.12s... vs %.12s...)",
             info->cand_corpus ? info->cand_corpus : "(none)", info->base_corpus ? info->base_corpus : "(none)");
  if (info->common == 0) {
    st = ds_fail(err, DS_E_MISMATCH, "%s and %s have no conversation cut in common (conv_id#cut): nothing to pair%s",
                 cand->path, base->path, corpora);
  } else if (info->mismatched && policy == DS_PAIR_MISMATCH_FAIL) {
    st = ds_fail(err, DS_E_MISMATCH,
                 "%llu of %llu prefixes in both %s and %s hold different prompts (e.g. %s)%s; compare the %llu "
                 "matching ones only with --pair-mismatch drop",
                 (unsigned long long)info->mismatched, (unsigned long long)info->common, cand->path, base->path,
                 info->example, corpora, (unsigned long long)info->matched);
  } else if (info->matched == 0) {
    st = ds_fail(err, DS_E_MISMATCH, "no prefix in both %s and %s holds the same prompt (e.g. %s)%s", cand->path,
                 base->path, info->example, corpora);
  }
out:
  ds_free(bmap.hash);
  ds_free(bmap.slot);
  strmap_release(&bcat);
  ds_free(cmap);
  ds_free(cnt);
  if (st) ds_free(acc);
  else *out_pairs = acc;
  return st;
}

json_t *stats_pairing_json(const struct run_pairing *info, enum ds_pair_mismatch policy) {
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "candidate_prefixes", json_integer((json_int_t)info->cand_prefixes));
  json_object_set_new(o, "common", json_integer((json_int_t)info->common));
  json_object_set_new(o, "matched", json_integer((json_int_t)info->matched));
  /* prefixes in both runs whose prompts differ: left out (with the fail policy there are none) */
  json_object_set_new(o, "left_out", json_integer((json_int_t)info->mismatched));
  json_object_set_new(o, "example_mismatch", info->mismatched ? json_string(info->example) : json_null());
  json_object_set_new(o, "policy", json_string(policy == DS_PAIR_MISMATCH_DROP ? "drop" : "fail"));
  json_object_set_new(o, "same_corpus", json_boolean(info->same_corpus));
  json_object_set_new(o, "candidate_corpus_sha256", info->cand_corpus ? json_string(info->cand_corpus) : json_null());
  json_object_set_new(o, "baseline_corpus_sha256", info->base_corpus ? json_string(info->base_corpus) : json_null());
  json_object_set_new(o, "method", json_string("matched on (conv_id, cut_index, k); a pair holds the same prompt "
                                               "(SHA-256 of the prefix's messages and tools)"));
  return o;
}

json_t *stats_pair_json(const struct ds_pair_acc *a, double conf) {
  struct ds_pair_est e;
  ds_pair_estimate(a, conf, &e);
  json_t *o = json_object();
  json_object_set_new(o, "n_pairs", json_integer((json_int_t)e.pairs));
  json_object_set_new(o, "n_clusters", json_integer((json_int_t)e.clusters));
  json_object_set_new(o, "both", json_integer((json_int_t)e.both));
  json_object_set_new(o, "candidate_only", json_integer((json_int_t)e.cand_only));
  json_object_set_new(o, "baseline_only", json_integer((json_int_t)e.base_only));
  json_object_set_new(o, "neither", json_integer((json_int_t)e.neither));
  json_object_set_new(o, "candidate_rate", num(e.cand_rate));
  json_object_set_new(o, "baseline_rate", num(e.base_rate));
  json_object_set_new(o, "mcnemar_p", num(e.mcnemar_p));
  json_object_set_new(o, "difference", num(e.diff));
  json_object_set_new(o, "difference_lower", num(e.diff_lower));
  json_object_set_new(o, "difference_upper", num(e.diff_upper));
  json_object_set_new(o, "ratio", num(e.ratio));
  json_object_set_new(o, "ratio_lower", num(e.ratio_lower));
  json_object_set_new(o, "ratio_upper", num(e.ratio_upper));
  const char *note = !isfinite(e.ratio)                          ? "no events in either run"
                     : isinf(e.ratio_upper) && e.ratio_corrected ? "0.5 added to zero counts; no upper bound: the "
                                                                   "baseline rate cannot be told from 0"
                     : isinf(e.ratio_upper)                      ? "no upper bound: the baseline rate cannot be told from 0"
                     : e.ratio_corrected                         ? "0.5 added to zero counts"
                                                                 : NULL;
  json_object_set_new(o, "ratio_note", note ? json_string(note) : json_null());
  json_object_set_new(o, "direction", json_string(ds_direction_name(e.direction)));
  json_object_set_new(o, "direction_test",
                      json_string(e.exact_test ? "exact conditional (mcnemar) and large-sample intervals, both"
                                               : "clustered difference interval; ratio by fieller on its variance"));
  return o;
}

enum ds_status ds_pair_runs(const struct ds_pair_params *p, char **out_json, struct ds_err *err) {
  enum ds_status st;
  struct run_data *cand = NULL, *base = NULL;
  struct ds_pair_acc *pairs = NULL;
  struct run_pairing info;
  json_t *doc = NULL, *cats = NULL;
  double conf = p->confidence > 0 ? p->confidence : 0.95;
  *out_json = NULL;
  if (!p->run_path || !p->baseline_path) return ds_fail(err, DS_E_INVALID, "pairing needs a run and a baseline run");
  if (!(conf < 1)) return ds_fail(err, DS_E_INVALID, "confidence %g is not between 0 and 1", conf);
  if ((st = run_data_load(p->run_path, p->rubric, &cand, err)) ||
      (st = run_data_load(p->baseline_path, p->baseline_rubric, &base, err)) ||
      (st = run_pair_compute(cand, base, p->on_mismatch, &pairs, &info, err)))
    goto out;
  if (!(doc = json_object()) || !(cats = json_object())) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  json_object_set_new(doc, "pairing", stats_pairing_json(&info, p->on_mismatch));
  for (size_t c = 0; c < cand->n_categories; c++) {
    size_t bc = 0;
    while (bc < base->n_categories && strcmp(base->category[bc], cand->category[c]) != 0) bc++;
    if (bc < base->n_categories) json_object_set_new(cats, cand->category[c], stats_pair_json(&pairs[c], conf));
  }
  json_object_set(doc, "categories", cats);
  if (info.mismatched)
    ds_logf(p->log, DS_LOG_WARN, "%llu of %llu prefixes in both runs hold different prompts (e.g. %s); left out",
            (unsigned long long)info.mismatched, (unsigned long long)info.common, info.example);
  if (!info.same_corpus)
    ds_logf(p->log, DS_LOG_WARN, "the candidate and the baseline were made from different corpora; %llu prefixes "
            "hold the same prompt in both and are compared", (unsigned long long)info.matched);
  if (!(*out_json = json_dumps(doc, JSON_INDENT(2)))) st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  json_decref(doc);
  json_decref(cats);
  ds_free(pairs);
  run_data_free(cand);
  run_data_free(base);
  return st;
}
