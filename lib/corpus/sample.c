/* sample.c: ds_sample_run: seeded, reproducible simple random sampling (one reservoir, one
 * pass) and stratified sampling (pass 1 counts strata, pass 2 keeps one reservoir per
 * stratum sized by the allocation), written in corpus order with stratum weights. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus_int.h"

void ds_sample_default_params(struct ds_sample_params *p) {
  memset(p, 0, sizeof *p);
  p->seed = 1;
  p->allocation = DS_ALLOCATION_PROPORTIONAL;
}

void ds_sample_summary_release(struct ds_sample_summary *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_strata; i++) ds_free(s->strata[i].value);
  ds_free(s->strata);
  s->strata = NULL;
  s->n_strata = 0;
}

/* xoshiro256** seeded through splitmix64: fast, and the same on every platform. */
struct rng {
  uint64_t s[4];
};
static void rng_seed(struct rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) {
    x += 0x9e3779b97f4a7c15ULL;
    r->s[i] = ds_mix64(x);
  }
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(struct rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}
/* Uniform in [0, n), n > 0, without modulo bias. */
static uint64_t rng_below(struct rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng_next(r);
  while (x >= limit);
  return x % n;
}

struct item {
  uint64_t index; /* position in the corpus */
  char *text;     /* the record's JSON line (without newline) */
};

struct stratum {
  char *value;
  uint64_t population, want, seen;
  struct item *res;  /* reservoir: up to want items */
  size_t n_res, cap_res;
  double weight;
};

struct sampler {
  const struct ds_sample_params *p;
  struct stratum *st;
  size_t n_st, cap_st;
  /* value -> stratum index, open addressing on ds_hash64 */
  size_t *map;
  size_t map_cap;
  struct ds_buf tmp;
  struct rng rng;
};

static enum ds_status stratum_label(struct sampler *s, const json_t *rec, const char **out) {
  if (!s->p->stratify) {
    *out = "(all)";
    return DS_OK;
  }
  const json_t *v = corpus_get_path(rec, s->p->stratify);
  if (!v) {
    *out = "(missing)";
    return DS_OK;
  }
  if (json_is_string(v)) {
    *out = json_string_value(v);
    return DS_OK;
  }
  if (corpus_dump(v, JSON_COMPACT | JSON_SORT_KEYS, &s->tmp)) return DS_E_NOMEM;
  *out = s->tmp.data;
  return DS_OK;
}

/* Rebuilds the value -> index map with ncap slots (a power of two). */
static enum ds_status map_rebuild(struct sampler *s, size_t ncap) {
  size_t *nm = ds_malloc(ncap * sizeof *nm);
  if (!nm) return DS_E_NOMEM;
  for (size_t i = 0; i < ncap; i++) nm[i] = SIZE_MAX;
  for (size_t k = 0; k < s->n_st; k++) {
    size_t h = (size_t)ds_hash64(s->st[k].value, strlen(s->st[k].value)) & (ncap - 1);
    while (nm[h] != SIZE_MAX) h = (h + 1) & (ncap - 1);
    nm[h] = k;
  }
  ds_free(s->map);
  s->map = nm;
  s->map_cap = ncap;
  return DS_OK;
}

/* Finds (or, when add, creates) the stratum for label; *out_i = SIZE_MAX when absent. */
static enum ds_status stratum_find(struct sampler *s, const char *label, bool add, size_t *out_i) {
  if ((s->n_st + 1) * 2 > s->map_cap && map_rebuild(s, s->map_cap ? s->map_cap * 2 : 64)) return DS_E_NOMEM;
  size_t h = (size_t)ds_hash64(label, strlen(label)) & (s->map_cap - 1);
  while (s->map[h] != SIZE_MAX) {
    if (strcmp(s->st[s->map[h]].value, label) == 0) {
      *out_i = s->map[h];
      return DS_OK;
    }
    h = (h + 1) & (s->map_cap - 1);
  }
  if (!add) {
    *out_i = SIZE_MAX;
    return DS_OK;
  }
  if (s->n_st == s->cap_st) {
    size_t ncap = s->cap_st ? s->cap_st * 2 : 16;
    struct stratum *ns = ds_realloc(s->st, ncap * sizeof *ns);
    if (!ns) return DS_E_NOMEM;
    s->st = ns;
    s->cap_st = ncap;
  }
  struct stratum *t = &s->st[s->n_st];
  memset(t, 0, sizeof *t);
  t->value = ds_strdup(label);
  if (!t->value) return DS_E_NOMEM;
  s->map[h] = s->n_st;
  *out_i = s->n_st++;
  return DS_OK;
}

/* True when the record is inside the time window (always, when there is none). */
static bool in_window(const struct ds_sample_params *p, const json_t *rec) {
  if (!p->has_since && !p->has_until) return true;
  const json_t *t = json_object_get(rec, "time");
  int64_t e;
  if (!json_is_string(t) || ds_parse_time(json_string_value(t), &e)) return false;
  if (p->has_since && e < p->since) return false;
  if (p->has_until && e >= p->until) return false;
  return true;
}

/* Calls fn for every eligible record of the corpus; counts what it reads. */
typedef enum ds_status (*visit_fn)(struct sampler *s, json_t *rec, uint64_t index, struct ds_err *err);
static enum ds_status each_record(struct sampler *s, visit_fn fn, struct ds_sample_summary *sum,
                                  struct ds_err *err) {
  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  rp.format = "canonical";
  struct ds_reader *r;
  enum ds_status st = ds_reader_open(s->p->input, &rp, &r, err);
  if (st) return st;
  uint64_t index = 0;
  sum->n_read = sum->n_out_of_window = sum->n_population = 0;
  for (;;) {
    json_t *rec;
    struct ds_bad_record bad;
    st = ds_reader_next(r, &rec, &bad, err);
    if (st == DS_E_NOTFOUND) {
      st = DS_OK;
      break;
    }
    if (st) break;
    if (!rec) {
      st = ds_fail(err, DS_E_PARSE, "%s (not a canonical corpus? run depsim ingest first)", bad.msg);
      break;
    }
    sum->n_read++;
    if (!in_window(s->p, rec)) {
      sum->n_out_of_window++;
      json_decref(rec);
      continue;
    }
    sum->n_population++;
    st = fn(s, rec, index++, err);
    json_decref(rec);
    if (st) break;
  }
  ds_reader_free(r);
  return st;
}

static enum ds_status count_visit(struct sampler *s, json_t *rec, uint64_t index, struct ds_err *err) {
  const char *label;
  size_t i;
  if (stratum_label(s, rec, &label) || stratum_find(s, label, true, &i))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  s->st[i].population++;
  return DS_OK;
}

static enum ds_status keep_visit(struct sampler *s, json_t *rec, uint64_t index, struct ds_err *err) {
  const char *label;
  size_t i;
  bool add = s->p->stratify == NULL; /* unstratified: the one stratum grows as we read */
  if (stratum_label(s, rec, &label) || stratum_find(s, label, add, &i))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (i == SIZE_MAX) return ds_fail(err, DS_E_MISMATCH, "%s changed while it was read", s->p->input);
  struct stratum *t = &s->st[i];
  if (add) t->population++;
  uint64_t k = t->seen++;
  size_t slot;
  if (k < t->want) { /* algorithm R: the first want items fill the reservoir */
    if (t->n_res == t->cap_res) {
      size_t ncap = t->cap_res ? t->cap_res * 2 : 64;
      struct item *nr = ds_realloc(t->res, ncap * sizeof *nr);
      if (!nr) return ds_fail(err, DS_E_NOMEM, "out of memory");
      t->res = nr;
      t->cap_res = ncap;
    }
    slot = t->n_res++;
    t->res[slot].text = NULL;
  } else { /* then item k replaces a random one with probability want / (k + 1) */
    uint64_t j = rng_below(&s->rng, k + 1);
    if (j >= t->want) return DS_OK;
    slot = (size_t)j;
    ds_free(t->res[slot].text);
    t->res[slot].text = NULL;
  }
  if (s->p->stratify) {
    if (json_object_set_new(rec, "weight", json_real(t->weight))) return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  ds_buf_reset(&s->tmp);
  if (ds_json_write_compact(rec, &s->tmp)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  t->res[slot].index = index;
  t->res[slot].text = ds_strndup(s->tmp.data, s->tmp.len);
  if (!t->res[slot].text) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static int cmp_strata(const void *a, const void *b) {
  return strcmp(((const struct stratum *)a)->value, ((const struct stratum *)b)->value);
}
static int cmp_items(const void *a, const void *b) {
  uint64_t x = ((const struct item *)a)->index, y = ((const struct item *)b)->index;
  return x < y ? -1 : x > y;
}

/* Sample sizes per stratum: proportional (largest remainder) or equal (capped by the
 * stratum's size, the rest spread over strata with room). */
static void allocate(struct sampler *s, uint64_t n, uint64_t total) {
  if (n >= total) {
    for (size_t i = 0; i < s->n_st; i++) s->st[i].want = s->st[i].population;
    return;
  }
  if (s->p->allocation == DS_ALLOCATION_PROPORTIONAL) {
    uint64_t given = 0;
    double *frac = ds_calloc(s->n_st ? s->n_st : 1, sizeof *frac);
    for (size_t i = 0; i < s->n_st; i++) {
      double ideal = (double)n * (double)s->st[i].population / (double)total;
      s->st[i].want = (uint64_t)ideal;
      if (s->st[i].want > s->st[i].population) s->st[i].want = s->st[i].population;
      if (frac) frac[i] = ideal - (double)s->st[i].want;
      given += s->st[i].want;
    }
    while (given < n) {
      size_t best = SIZE_MAX;
      for (size_t i = 0; i < s->n_st; i++) {
        if (s->st[i].want >= s->st[i].population) continue;
        if (best == SIZE_MAX || (frac && frac[i] > frac[best])) best = i;
      }
      if (best == SIZE_MAX) break;
      s->st[best].want++;
      if (frac) frac[best] = -1.0;
      given++;
    }
    ds_free(frac);
    return;
  }
  for (size_t i = 0; i < s->n_st; i++) s->st[i].want = 0;
  uint64_t left = n;
  while (left > 0) {
    size_t open = 0;
    for (size_t i = 0; i < s->n_st; i++) open += s->st[i].want < s->st[i].population;
    if (!open) break;
    uint64_t share = left / open ? left / open : 1;
    for (size_t i = 0; i < s->n_st && left > 0; i++) {
      uint64_t room = s->st[i].population - s->st[i].want;
      uint64_t g = room < share ? room : share;
      s->st[i].want += g;
      left -= g;
    }
  }
}

static enum ds_status write_output(struct sampler *s, struct ds_sample_summary *sum, struct ds_err *err) {
  enum ds_status st = DS_OK;
  size_t n = 0;
  for (size_t i = 0; i < s->n_st; i++) n += s->st[i].n_res;
  struct item *all = ds_calloc(n ? n : 1, sizeof *all);
  struct ds_buf tmp, body;
  ds_buf_init(&tmp, 0);
  ds_buf_init(&body, 0);
  FILE *f = NULL;
  if (!all || ds_buf_addf(&tmp, "%s.tmp.%d", s->p->output, (int)getpid())) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  size_t k = 0;
  for (size_t i = 0; i < s->n_st; i++)
    for (size_t j = 0; j < s->st[i].n_res; j++) all[k++] = s->st[i].res[j];
  qsort(all, n, sizeof *all, cmp_items);
  f = fopen(tmp.data, "wb");
  if (!f) {
    st = ds_fail(err, DS_E_IO, "%s: cannot create: %s", tmp.data, strerror(errno));
    goto out;
  }
  struct ds_sha256 h;
  if (ds_sha256_begin(&h)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(all[i].text);
    ok = ok && fwrite(all[i].text, 1, len, f) == len && fputc('\n', f) != EOF;
    ds_sha256_update(&h, all[i].text, len);
    ds_sha256_update(&h, "\n", 1);
  }
  ds_sha256_end(&h, sum->sample_sha256);
  ok = fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = fclose(f) == 0 && ok;
  f = NULL;
  if (!ok || rename(tmp.data, s->p->output) != 0) {
    st = ds_fail(err, DS_E_IO, "%s: write failed: %s", s->p->output, strerror(errno));
    unlink(tmp.data);
    goto out;
  }
  sum->n_sampled = n;
out:
  if (f) {
    fclose(f);
    unlink(tmp.data);
  }
  ds_free(all);
  ds_buf_release(&tmp);
  ds_buf_release(&body);
  return st;
}

static enum ds_status write_manifest(struct sampler *s, const struct ds_sample_summary *sum, struct ds_err *err) {
  const struct ds_sample_params *p = s->p;
  enum ds_status st = DS_OK;
  char sha[65] = "";
  if (strcmp(p->input, "-") != 0 && (st = ds_sha256_file(p->input, sha, err))) return st;
  json_t *m = json_object();
  json_t *strata = json_array();
  char *text = NULL;
  struct ds_buf path, body;
  ds_buf_init(&path, 0);
  ds_buf_init(&body, 0);
  if (!m || !strata) goto nomem;
  char buf[32];
  json_object_set_new(m, "depsim_version", json_string(DS_VERSION));
  json_t *c = json_object();
  json_object_set_new(c, "path", json_string(p->input));
  json_object_set_new(c, "sha256", sha[0] ? json_string(sha) : json_null());
  json_object_set_new(c, "records", json_integer((json_int_t)sum->n_read));
  json_object_set_new(m, "corpus", c);
  json_t *sm = json_object();
  json_object_set_new(sm, "path", json_string(p->output));
  json_object_set_new(sm, "sha256", json_string(sum->sample_sha256));
  json_object_set_new(sm, "records", json_integer((json_int_t)sum->n_sampled));
  json_object_set_new(m, "sample", sm);
  json_t *pr = json_object();
  json_object_set_new(pr, "n", json_integer((json_int_t)p->n));
  json_object_set_new(pr, "seed", json_integer((json_int_t)p->seed));
  json_object_set_new(pr, "stratify", p->stratify ? json_string(p->stratify) : json_null());
  json_object_set_new(pr, "allocation",
                      json_string(p->allocation == DS_ALLOCATION_EQUAL ? "equal" : "proportional"));
  ds_format_time(p->since, buf);
  json_object_set_new(pr, "since", p->has_since ? json_string(buf) : json_null());
  ds_format_time(p->until, buf);
  json_object_set_new(pr, "until", p->has_until ? json_string(buf) : json_null());
  json_object_set_new(m, "params", pr);
  json_object_set_new(m, "out_of_window", json_integer((json_int_t)sum->n_out_of_window));
  json_object_set_new(m, "population", json_integer((json_int_t)sum->n_population));
  for (size_t i = 0; i < sum->n_strata; i++) {
    json_t *o = json_object();
    if (!o || json_array_append_new(strata, o)) goto nomem;
    json_object_set_new(o, "value", json_string(sum->strata[i].value));
    json_object_set_new(o, "population", json_integer((json_int_t)sum->strata[i].population));
    json_object_set_new(o, "sampled", json_integer((json_int_t)sum->strata[i].sampled));
    json_object_set_new(o, "weight", sum->strata[i].sampled ? json_real(sum->strata[i].weight) : json_null());
  }
  json_object_set(m, "strata", strata);
  text = json_dumps(m, JSON_INDENT(2));
  if (!text || ds_buf_addf(&path, "%s.manifest.json", p->output) || ds_buf_adds(&body, text) ||
      ds_buf_addc(&body, '\n'))
    goto nomem;
  st = ds_write_file(path.data, body.data, body.len, err);
  goto out;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  ds_free(text);
  json_decref(m);
  json_decref(strata);
  ds_buf_release(&path);
  ds_buf_release(&body);
  return st;
}

enum ds_status ds_sample_run(const struct ds_sample_params *p, struct ds_sample_summary *out, struct ds_err *err) {
  if (!p || !p->input || !p->output) return ds_fail(err, DS_E_INVALID, "sample: input and output are required");
  if (p->n == 0) return ds_fail(err, DS_E_INVALID, "sample: n must be positive");
  enum ds_status st = DS_OK;
  struct ds_sample_summary sum;
  memset(&sum, 0, sizeof sum);
  struct sampler s;
  memset(&s, 0, sizeof s);
  s.p = p;
  ds_buf_init(&s.tmp, 0);
  rng_seed(&s.rng, p->seed);

  if (p->stratify) {
    /* pass 1: stratum sizes, then the allocation and the weights */
    if ((st = each_record(&s, count_visit, &sum, err))) goto out;
    /* order strata by value so that allocation ties break the same way every run */
    if (s.n_st) qsort(s.st, s.n_st, sizeof *s.st, cmp_strata);
    if (map_rebuild(&s, s.map_cap ? s.map_cap : 64)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    allocate(&s, p->n, sum.n_population);
    uint64_t n_total = 0;
    for (size_t i = 0; i < s.n_st; i++) n_total += s.st[i].want;
    for (size_t i = 0; i < s.n_st; i++) {
      struct stratum *t = &s.st[i];
      t->weight = t->want && n_total ? ((double)t->population / (double)sum.n_population) /
                                           ((double)t->want / (double)n_total)
                                     : 0.0;
    }
    /* pass 2: one reservoir per stratum */
    if ((st = each_record(&s, keep_visit, &sum, err))) goto out;
  } else {
    size_t i;
    if (stratum_find(&s, "(all)", true, &i)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    s.st[i].want = p->n;
    s.st[i].weight = 1.0;
    if ((st = each_record(&s, keep_visit, &sum, err))) goto out;
  }
  if ((st = write_output(&s, &sum, err))) goto out;
  sum.strata = ds_calloc(s.n_st ? s.n_st : 1, sizeof *sum.strata);
  if (!sum.strata) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < s.n_st; i++) {
    struct ds_sample_stratum *o = &sum.strata[sum.n_strata++];
    o->value = ds_strdup(s.st[i].value);
    o->population = s.st[i].population;
    o->sampled = s.st[i].n_res;
    o->weight = p->stratify ? s.st[i].weight : 1.0;
  }
  st = write_manifest(&s, &sum, err);
out:
  for (size_t i = 0; i < s.n_st; i++) {
    for (size_t j = 0; j < s.st[i].n_res; j++) ds_free(s.st[i].res[j].text);
    ds_free(s.st[i].res);
    ds_free(s.st[i].value);
  }
  ds_free(s.st);
  ds_free(s.map);
  ds_buf_release(&s.tmp);
  if (st) ds_sample_summary_release(&sum);
  if (out) *out = sum;
  else ds_sample_summary_release(&sum);
  return st;
}
