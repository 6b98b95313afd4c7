/* deid.c: the de-identifier: compiles every detector into one Hyperscan database, scans each
 * text once (plus a JSON-unescaped view when the text holds escapes), validates candidates,
 * replaces detections with typed consistent placeholders, walks records, and counts. */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

#define MAX_TEXT ((size_t)1 << 30)

static const char *const builtin_labels[T_BUILTIN_N + 1] = {
  "EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "MAC", "URL_CREDENTIAL", "AWS_KEY", "GITHUB_TOKEN",
  "OPENAI_KEY", "ANTHROPIC_KEY", "SLACK_TOKEN", "GOOGLE_API_KEY", "JWT", "PRIVATE_KEY", "SECRET", "ADDRESS",
  "PERSON", "DOB", NULL};

/* Which detection wins when two overlap (the union keeps the higher one's type). */
static const int builtin_prio[T_BUILTIN_N] = {
  [T_EMAIL] = 80, [T_PHONE] = 60, [T_CARD] = 76, [T_IBAN] = 78, [T_SSN] = 74, [T_IP] = 72, [T_MAC] = 70,
  [T_URL_CREDENTIAL] = 92, [T_AWS_KEY] = 95, [T_GITHUB_TOKEN] = 95, [T_OPENAI_KEY] = 94,
  [T_ANTHROPIC_KEY] = 96, [T_SLACK_TOKEN] = 95, [T_GOOGLE_API_KEY] = 95, [T_JWT] = 93,
  [T_PRIVATE_KEY] = 100, [T_SECRET] = 90, [T_ADDRESS] = 40, [T_PERSON] = 30, [T_DOB] = 50};

struct pending {
  size_t s, e;
  uint64_t stamp;
};

struct map_ent {
  uint64_t h;
  char *key; /* NULL = empty slot */
  size_t klen;
  int type;
  char *ph; /* placeholder */
};

struct pcre_pat {
  pcre2_code *re;
  int type;
};

/* Extra patterns: "LABEL REGEX". */
struct custom {
  char *re;
  int type;
};
struct custom_list {
  struct custom *v;
  size_t n, cap;
  struct ds_buf *names_re;
};

struct ds_deid {
  hs_database_t *db;
  hs_scratch_t *scratch;
  unsigned n_pat;
  int *pat_kind, *pat_type;
  bool *pat_som;
  struct pcre_pat *pcre;
  size_t n_pcre;
  pcre2_match_data *md;

  char *labels[DEID_MAX_TYPES];
  int n_types;
  bool enabled[DEID_MAX_TYPES];
  int prio[DEID_MAX_TYPES];
  struct deid_allow allow;
  char **fields;
  size_t n_fields;
  unsigned char key[128];
  size_t key_len;
  bool hmac;
  struct ds_log log;
  struct custom_list *building; /* during ds_deid_new only */

  /* scanning state */
  const char *scan_text;
  size_t scan_len;
  struct deid_vec cands, spans, dspans;
  struct pending *pend;
  uint64_t stamp;
  unsigned *touched;
  size_t n_touched;
  enum ds_status cb_status;
  struct ds_buf out, dec, norm;
  size_t *dmap;
  size_t dmap_cap;

  /* per-conversation placeholders */
  struct map_ent *map;
  size_t map_cap, map_n;
  unsigned next_idx[DEID_MAX_TYPES];
  uint64_t *reserved;
  size_t res_cap, res_n;

  /* counters */
  uint64_t replaced[DEID_MAX_TYPES], distinct[DEID_MAX_TYPES];
  uint64_t records, strings, bytes;
  uint64_t post_records, post_findings, post_by_type[DEID_MAX_TYPES];
};

const char *const *ds_deid_type_names(void) { return builtin_labels; }

void ds_deid_default_params(struct ds_deid_params *p) { memset(p, 0, sizeof *p); }

enum ds_status deid_vec_push(struct deid_vec *vec, size_t start, size_t end, int type) {
  if (vec->n == vec->cap) {
    size_t nc = vec->cap ? vec->cap * 2 : 64;
    struct deid_span *v = ds_realloc(vec->v, nc * sizeof *v);
    if (!v) return DS_E_NOMEM;
    vec->v = v;
    vec->cap = nc;
  }
  vec->v[vec->n++] = (struct deid_span){start, end, type};
  return DS_OK;
}

/* ---- configuration ---------------------------------------------------------------- */

static int type_by_name(const struct ds_deid *d, const char *name, size_t n) {
  for (int t = 0; t < d->n_types; t++)
    if (strlen(d->labels[t]) == n && strncasecmp(d->labels[t], name, n) == 0) return t;
  return -1;
}

static enum ds_status parse_types(struct ds_deid *d, const char *spec, struct ds_err *err) {
  if (!spec || !*spec) {
    for (int t = 0; t < T_BUILTIN_N; t++) d->enabled[t] = true;
    return DS_OK;
  }
  const char *p = spec;
  bool any_positive = false;
  /* a list of only removals starts from "all" */
  for (const char *q = spec; *q;) {
    while (*q == ',' || *q == ' ') q++;
    if (*q && *q != '-') any_positive = true;
    while (*q && *q != ',') q++;
  }
  if (!any_positive)
    for (int t = 0; t < T_BUILTIN_N; t++) d->enabled[t] = true;
  while (*p) {
    while (*p == ',' || *p == ' ') p++;
    if (!*p) break;
    bool neg = *p == '-';
    if (neg) p++;
    const char *s = p;
    while (*p && *p != ',') p++;
    size_t n = (size_t)(p - s);
    while (n && s[n - 1] == ' ') n--;
    if (n == 3 && !strncasecmp(s, "all", 3)) {
      for (int t = 0; t < T_BUILTIN_N; t++) d->enabled[t] = !neg;
      continue;
    }
    if (n == 7 && !strncasecmp(s, "secrets", 7)) {
      for (int t = T_URL_CREDENTIAL; t <= T_SECRET; t++) d->enabled[t] = !neg;
      continue;
    }
    int t = type_by_name(d, s, n);
    if (t < 0 && ((n == 4 && !strncasecmp(s, "ipv4", 4)) || (n == 4 && !strncasecmp(s, "ipv6", 4)))) t = T_IP;
    if (t < 0 && n == 11 && !strncasecmp(s, "credit_card", 11)) t = T_CARD;
    if (t < 0 && n == 4 && !strncasecmp(s, "name", 4)) t = T_PERSON;
    if (t < 0) {
      struct ds_buf names;
      ds_buf_init(&names, 0);
      for (int k = 0; k < T_BUILTIN_N; k++) ds_buf_addf(&names, "%s%s", k ? " " : "", builtin_labels[k]);
      enum ds_status st = ds_fail(err, DS_E_INVALID, "unknown de-identification type '%.*s' (known: all secrets %s)",
                                  (int)n, s, names.data);
      ds_buf_release(&names);
      return st;
    }
    d->enabled[t] = !neg;
  }
  return DS_OK;
}

static enum ds_status read_lines(const char *path, struct ds_buf *buf, struct ds_err *err) {
  return ds_read_file(path, 64u << 20, buf, err);
}

/* Calls fn for each non-empty, non-comment line with its 1-based number. */
static enum ds_status each_line(const char *path, enum ds_status (*fn)(struct ds_deid *, const char *, char *,
                                                                      unsigned, struct ds_err *),
                                struct ds_deid *d, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  enum ds_status st = read_lines(path, &b, err);
  if (st) goto out;
  unsigned lineno = 0;
  for (char *p = b.data, *nl; p && *p; p = nl ? nl + 1 : NULL) {
    nl = strchr(p, '\n');
    if (nl) *nl = 0;
    lineno++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) p[--n] = 0;
    char *s = p;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s || *s == '#') continue;
    if ((st = fn(d, path, s, lineno, err))) goto out;
  }
out:
  ds_buf_release(&b);
  return st;
}

static enum ds_status allow_line(struct ds_deid *d, const char *path, char *line, unsigned lineno,
                                 struct ds_err *err) {
  DS_UNUSED(path);
  DS_UNUSED(lineno);
  return deid_allow_add(&d->allow, line, err);
}

static enum ds_status add_name(struct ds_buf *re, const char *name, size_t n) {
  enum ds_status st = DS_OK;
  if (re->len > 0 && re->data[re->len - 1] != '(' && re->data[re->len - 1] != ':') st = ds_buf_addc(re, '|');
  for (size_t i = 0; i < n && !st; i++) {
    unsigned char ch = (unsigned char)name[i];
    st = isalnum(ch) ? ds_buf_addc(re, (char)ch) : ds_buf_addf(re, "\\x%02x", ch);
  }
  return st;
}

static enum ds_status pattern_line(struct ds_deid *d, const char *path, char *line, unsigned lineno,
                                   struct ds_err *err) {
  char *sp = line;
  while (*sp && *sp != ' ' && *sp != '\t') sp++;
  if (!*sp) return ds_fail(err, DS_E_INVALID, "%s:%u: expected 'LABEL REGEX'", path, lineno);
  *sp++ = 0;
  while (*sp == ' ' || *sp == '\t') sp++;
  if (!(line[0] >= 'A' && line[0] <= 'Z')) goto bad_label;
  for (char *q = line; *q; q++)
    if (!((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')) goto bad_label;
  int t = type_by_name(d, line, strlen(line));
  if (t < 0) {
    if (d->n_types >= DEID_MAX_TYPES) return ds_fail(err, DS_E_LIMIT, "%s:%u: too many pattern labels", path, lineno);
    t = d->n_types++;
    if (!(d->labels[t] = ds_strdup(line))) return ds_fail(err, DS_E_NOMEM, "out of memory");
    d->prio[t] = 85;
  }
  d->enabled[t] = true;
  /* Hyperscan first; PCRE2 for what it cannot compile */
  hs_database_t *db = NULL;
  hs_compile_error_t *ce = NULL;
  if (hs_compile(sp, HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS) {
    hs_free_database(db);
    struct custom_list *cl = d->building;
    if (cl->n == cl->cap) {
      size_t nc = cl->cap ? cl->cap * 2 : 8;
      struct custom *v = ds_realloc(cl->v, nc * sizeof *v);
      if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
      cl->v = v;
      cl->cap = nc;
    }
    if (!(cl->v[cl->n].re = ds_strdup(sp))) return ds_fail(err, DS_E_NOMEM, "out of memory");
    cl->v[cl->n++].type = t;
    return DS_OK;
  }
  char hs_msg[160];
  snprintf(hs_msg, sizeof hs_msg, "%s", ce ? ce->message : "?");
  hs_free_compile_error(ce);
  int ec;
  PCRE2_SIZE eo;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)sp, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
  if (!re) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(ec, msg, sizeof msg);
    return ds_fail(err, DS_E_INVALID, "%s:%u: bad pattern: %s (Hyperscan: %s)", path, lineno, (char *)msg, hs_msg);
  }
  struct pcre_pat *v = ds_realloc(d->pcre, (d->n_pcre + 1) * sizeof *v);
  if (!v) {
    pcre2_code_free(re);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  d->pcre = v;
  d->pcre[d->n_pcre++] = (struct pcre_pat){re, t};
  return DS_OK;
bad_label:
  return ds_fail(err, DS_E_INVALID, "%s:%u: label '%s' must match [A-Z][A-Z0-9_]*", path, lineno, line);
}

static enum ds_status extra_name_line(struct ds_deid *d, const char *path, char *line, unsigned lineno,
                                      struct ds_err *err) {
  for (char *q = line; *q; q++)
    if (*q == ' ' || *q == '\t' || *q == '|' || *q == '(' || *q == ')')
      return ds_fail(err, DS_E_INVALID, "%s:%u: a name is one word", path, lineno);
  if (add_name(d->building->names_re, line, strlen(line))) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

/* Appends pattern n of the database being compiled, with what a match of it means. */
static void push_pattern(struct ds_deid *d, const char **exprs, unsigned *flags, unsigned *ids, unsigned *n,
                         const char *re, unsigned hs_flags, int kind, int type, bool som) {
  exprs[*n] = re;
  flags[*n] = hs_flags;
  d->pat_kind[*n] = kind;
  d->pat_type[*n] = type;
  d->pat_som[*n] = som;
  ids[*n] = *n;
  (*n)++;
}

static enum ds_status compile(struct ds_deid *d, struct custom_list *cl, struct ds_buf *names_re,
                              struct ds_buf *surnames_re, struct ds_err *err) {
  size_t cap = deid_n_builtin_patterns + 2 + cl->n;
  const char **exprs = ds_calloc(cap, sizeof *exprs);
  unsigned *flags = ds_calloc(cap, sizeof *flags), *ids = ds_calloc(cap, sizeof *ids);
  d->pat_kind = ds_calloc(cap, sizeof *d->pat_kind);
  d->pat_type = ds_calloc(cap, sizeof *d->pat_type);
  d->pat_som = ds_calloc(cap, sizeof *d->pat_som);
  enum ds_status st = DS_OK;
  if (!exprs || !flags || !ids || !d->pat_kind || !d->pat_type || !d->pat_som) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  unsigned n = 0;
  for (size_t i = 0; i < deid_n_builtin_patterns; i++) {
    const struct deid_pattern *p = &deid_builtin_patterns[i];
    if (!d->enabled[p->type]) continue;
    bool som = !(p->flags & NOSOM);
    push_pattern(d, exprs, flags, ids, &n, p->re, (p->flags & ~NOSOM) | (som ? HS_FLAG_SOM_LEFTMOST : 0), p->kind,
                 p->type, som);
  }
  if (d->enabled[T_PERSON]) {
    push_pattern(d, exprs, flags, ids, &n, names_re->data, 0, K_NAME_DICT, T_PERSON, false);
    push_pattern(d, exprs, flags, ids, &n, surnames_re->data, 0, K_NAME_SURNAME, T_PERSON, false);
  }
  for (size_t i = 0; i < cl->n; i++)
    push_pattern(d, exprs, flags, ids, &n, cl->v[i].re, HS_FLAG_SOM_LEFTMOST, K_CUSTOM, cl->v[i].type, true);
  d->n_pat = n;
  if (n == 0) goto out; /* everything turned off: nothing to scan */
  hs_compile_error_t *ce = NULL;
  if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &d->db, &ce) != HS_SUCCESS) {
    st = ds_fail(err, DS_E_INVALID, "compiling de-identification patterns failed (pattern %d): %s",
                 ce ? ce->expression : -1, ce ? ce->message : "?");
    hs_free_compile_error(ce);
    goto out;
  }
  if (hs_alloc_scratch(d->db, &d->scratch) != HS_SUCCESS) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory for Hyperscan scratch");
    goto out;
  }
  if (!(d->pend = ds_calloc(n, sizeof *d->pend)) || !(d->touched = ds_calloc(n, sizeof *d->touched)))
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  ds_free(exprs);
  ds_free(flags);
  ds_free(ids);
  return st;
}

static enum ds_status parse_fields(struct ds_deid *d, const char *spec, struct ds_err *err) {
  if (!spec) return DS_OK;
  for (const char *p = spec; *p;) {
    while (*p == ',' || *p == ' ') p++;
    const char *s = p;
    while (*p && *p != ',') p++;
    size_t n = (size_t)(p - s);
    while (n && s[n - 1] == ' ') n--;
    if (!n) continue;
    char **v = ds_realloc(d->fields, (d->n_fields + 1) * sizeof *v);
    if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
    d->fields = v;
    if (!(d->fields[d->n_fields] = ds_strndup(s, n))) return ds_fail(err, DS_E_NOMEM, "out of memory");
    d->n_fields++;
  }
  return DS_OK;
}

enum ds_status ds_deid_new(const struct ds_deid_params *params, struct ds_deid **out, struct ds_err *err) {
  struct ds_deid_params dflt;
  if (!params) {
    ds_deid_default_params(&dflt);
    params = &dflt;
  }
  *out = NULL;
  struct ds_deid *d = ds_calloc(1, sizeof *d);
  if (!d) return ds_fail(err, DS_E_NOMEM, "out of memory");
  struct custom_list cl = {0};
  struct ds_buf names_re, surnames_re;
  ds_buf_init(&names_re, 0);
  ds_buf_init(&surnames_re, 0);
  ds_buf_init(&d->out, MAX_TEXT);
  ds_buf_init(&d->dec, MAX_TEXT);
  ds_buf_init(&d->norm, 0);
  d->log = params->log;
  enum ds_status st = DS_OK;
  for (int t = 0; t < T_BUILTIN_N; t++) {
    d->labels[t] = (char *)builtin_labels[t];
    d->prio[t] = builtin_prio[t];
  }
  d->n_types = T_BUILTIN_N;
  if ((st = parse_types(d, params->types, err))) goto fail;
  if ((st = parse_fields(d, params->fields, err))) goto fail;
  if (params->allow_file && (st = each_line(params->allow_file, allow_line, d, err))) goto fail;
  if ((st = ds_buf_adds(&names_re, "(?:"))) goto nomem;
  for (size_t i = 0; i < deid_n_first_names; i++)
    if (add_name(&names_re, deid_first_names[i], strlen(deid_first_names[i]))) goto nomem;
  cl.names_re = &names_re;
  d->building = &cl;
  if (params->names_file && (st = each_line(params->names_file, extra_name_line, d, err))) goto fail;
  if (ds_buf_adds(&names_re, ")")) goto nomem;
  if (params->patterns_file && (st = each_line(params->patterns_file, pattern_line, d, err))) goto fail;
  d->building = NULL;
  if (ds_buf_adds(&surnames_re, "(?:")) goto nomem;
  for (size_t i = 0; i < deid_n_surnames; i++)
    if (add_name(&surnames_re, deid_surnames[i], strlen(deid_surnames[i]))) goto nomem;
  if (ds_buf_adds(&surnames_re, ")")) goto nomem;
  if ((st = compile(d, &cl, &names_re, &surnames_re, err))) goto fail;
  if (d->n_pcre && !(d->md = pcre2_match_data_create(4, NULL))) goto nomem;
  if (params->hmac_key_env) {
    const char *k = getenv(params->hmac_key_env);
    if (!k || !*k) {
      st = ds_fail(err, DS_E_NOTFOUND, "environment variable %s (the HMAC key) is not set or empty",
                   params->hmac_key_env);
      goto fail;
    }
    size_t kl = strlen(k);
    if (kl > sizeof d->key) kl = sizeof d->key; /* longer keys are truncated, documented */
    memcpy(d->key, k, kl);
    d->key_len = kl;
    d->hmac = true;
  }
  for (size_t i = 0; i < cl.n; i++) ds_free(cl.v[i].re);
  ds_free(cl.v);
  ds_buf_release(&names_re);
  ds_buf_release(&surnames_re);
  *out = d;
  return DS_OK;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "out of memory");
fail:
  d->building = NULL;
  for (size_t i = 0; i < cl.n; i++) ds_free(cl.v[i].re);
  ds_free(cl.v);
  ds_buf_release(&names_re);
  ds_buf_release(&surnames_re);
  ds_deid_free(d);
  return st;
}

static void map_clear(struct ds_deid *d) {
  for (size_t i = 0; i < d->map_cap; i++) {
    if (d->map[i].key) {
      ds_free(d->map[i].key);
      ds_free(d->map[i].ph);
      d->map[i].key = NULL;
      d->map[i].ph = NULL;
    }
  }
  d->map_n = 0;
  memset(d->next_idx, 0, sizeof d->next_idx);
  d->res_n = 0;
  if (d->reserved) memset(d->reserved, 0, d->res_cap * sizeof *d->reserved);
}

void ds_deid_free(struct ds_deid *d) {
  if (!d) return;
  map_clear(d);
  ds_free(d->map);
  ds_free(d->reserved);
  if (d->scratch) hs_free_scratch(d->scratch);
  if (d->db) hs_free_database(d->db);
  for (size_t i = 0; i < d->n_pcre; i++) pcre2_code_free(d->pcre[i].re);
  ds_free(d->pcre);
  if (d->md) pcre2_match_data_free(d->md);
  for (int t = T_BUILTIN_N; t < d->n_types; t++) ds_free(d->labels[t]);
  for (size_t i = 0; i < d->n_fields; i++) ds_free(d->fields[i]);
  ds_free(d->fields);
  deid_allow_release(&d->allow);
  ds_free(d->pat_kind);
  ds_free(d->pat_type);
  ds_free(d->pat_som);
  ds_free(d->pend);
  ds_free(d->touched);
  ds_free(d->cands.v);
  ds_free(d->spans.v);
  ds_free(d->dspans.v);
  ds_free(d->dmap);
  ds_buf_release(&d->out);
  ds_buf_release(&d->dec);
  ds_buf_release(&d->norm);
  memset(d->key, 0, sizeof d->key);
  ds_free(d);
}

void ds_deid_reset(struct ds_deid *d) { map_clear(d); }

/* ---- detection --------------------------------------------------------------------- */

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx) {
  DS_UNUSED(flags);
  struct ds_deid *d = ctx;
  if (!d->pat_som[id]) {
    if (deid_vec_push(&d->cands, (size_t)to, (size_t)to, (int)id)) goto nomem;
    return 0;
  }
  struct pending *p = &d->pend[id];
  if (p->stamp == d->stamp && from <= p->e) {
    if (to > p->e) p->e = (size_t)to;
    if (from < p->s) p->s = (size_t)from;
    return 0;
  }
  if (p->stamp == d->stamp) {
    if (deid_vec_push(&d->cands, p->s, p->e, (int)id)) goto nomem;
  } else {
    d->touched[d->n_touched++] = id;
  }
  *p = (struct pending){(size_t)from, (size_t)to, d->stamp};
  return 0;
nomem:
  d->cb_status = DS_E_NOMEM;
  return 1;
}

static int span_cmp(const void *a, const void *b) {
  const struct deid_span *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->end != y->end) return x->end > y->end ? -1 : 1;
  return x->type - y->type;
}

/* Sorts spans and unions overlapping ones; the union takes the highest-priority type. */
static void merge_spans(struct ds_deid *d, struct deid_vec *v) {
  if (v->n < 2) return;
  qsort(v->v, v->n, sizeof *v->v, span_cmp);
  size_t w = 0;
  for (size_t i = 1; i < v->n; i++) {
    struct deid_span *cur = &v->v[w], *nx = &v->v[i];
    if (nx->start < cur->end) {
      if (nx->end > cur->end) cur->end = nx->end;
      if (d->prio[nx->type] > d->prio[cur->type]) cur->type = nx->type;
    } else {
      v->v[++w] = *nx;
    }
  }
  v->n = w + 1;
}

/* Detections in text into out (appended, then merged). */
static enum ds_status detect(struct ds_deid *d, const char *text, size_t len, struct deid_vec *out) {
  if (!d->db && !d->n_pcre) return DS_OK;
  if (len > MAX_TEXT) return DS_E_LIMIT;
  d->cands.n = 0;
  d->n_touched = 0;
  d->stamp++;
  d->cb_status = DS_OK;
  if (d->db) {
    hs_error_t he = hs_scan(d->db, len ? text : "", (unsigned)len, 0, d->scratch, on_match, d);
    if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED) return DS_E_INVALID;
    if (d->cb_status) return d->cb_status;
    for (size_t i = 0; i < d->n_touched; i++) {
      struct pending *p = &d->pend[d->touched[i]];
      if (deid_vec_push(&d->cands, p->s, p->e, (int)d->touched[i])) return DS_E_NOMEM;
    }
  }
  struct deid_vctx c = {text, len, &d->allow, d->enabled, out};
  enum ds_status st;
  for (size_t i = 0; i < d->cands.n; i++) {
    struct deid_span *k = &d->cands.v[i];
    if ((st = deid_validate(&c, d->pat_kind[k->type], d->pat_type[k->type], k->start, k->end))) return st;
  }
  for (size_t i = 0; i < d->n_pcre; i++) {
    PCRE2_SIZE off = 0;
    while (off <= len) {
      int rc = pcre2_match(d->pcre[i].re, (PCRE2_SPTR)(len ? text : ""), len, off, 0, d->md, NULL);
      if (rc < 0) break;
      PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
      if ((st = deid_validate(&c, K_CUSTOM, d->pcre[i].type, ov[0], ov[1]))) return st;
      off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
  }
  merge_spans(d, out);
  return DS_OK;
}

/* JSON-unescaped view of text: \" \\ \/ \b \f \n \r \t \uXXXX (surrogate pairs too).
 * d->dmap[i] is the raw offset of decoded byte i; dmap[n] = len. */
static enum ds_status decode_view(struct ds_deid *d, const char *t, size_t len) {
  ds_buf_reset(&d->dec);
  if (ds_buf_grow(&d->dec, len)) return DS_E_NOMEM;
  if (d->dmap_cap < len + 1) {
    size_t *m = ds_realloc(d->dmap, (len + 1) * sizeof *m);
    if (!m) return DS_E_NOMEM;
    d->dmap = m;
    d->dmap_cap = len + 1;
  }
  char *o = d->dec.data;
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    size_t at = i;
    unsigned char ch = (unsigned char)t[i];
    if (ch != '\\' || i + 1 >= len) {
      d->dmap[n] = at;
      o[n++] = (char)ch;
      i++;
      continue;
    }
    char e = t[i + 1];
    char simple = e == '"' ? '"' : e == '\\' ? '\\' : e == '/' ? '/' : e == 'b' ? '\b' : e == 'f' ? '\f'
                  : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : 0;
    if (simple) {
      d->dmap[n] = at;
      o[n++] = simple;
      i += 2;
      continue;
    }
    unsigned cp = 0;
    bool ok = e == 'u' && i + 6 <= len;
    for (int k = 0; ok && k < 4; k++) {
      int h = t[i + 2 + k];
      cp = cp * 16 + (unsigned)(isdigit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                                                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : (ok = false, 0));
    }
    if (!ok) {
      d->dmap[n] = at;
      o[n++] = (char)ch;
      i++;
      continue;
    }
    size_t used = 6;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 12 <= len && t[i + 6] == '\\' && t[i + 7] == 'u') {
      unsigned lo = 0;
      bool ok2 = true;
      for (int k = 0; ok2 && k < 4; k++) {
        int h = t[i + 8 + k];
        lo = lo * 16 + (unsigned)(isdigit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                                                       : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : (ok2 = false, 0));
      }
      if (ok2 && lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        used = 12;
      }
    }
    unsigned char u[4];
    int un;
    if (cp < 0x80) u[0] = (unsigned char)cp, un = 1;
    else if (cp < 0x800) u[0] = (unsigned char)(0xc0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3f)), un = 2;
    else if (cp < 0x10000)
      u[0] = (unsigned char)(0xe0 | cp >> 12), u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
      u[2] = (unsigned char)(0x80 | (cp & 0x3f)), un = 3;
    else
      u[0] = (unsigned char)(0xf0 | cp >> 18), u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f)),
      u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (unsigned char)(0x80 | (cp & 0x3f)), un = 4;
    for (int k = 0; k < un; k++) {
      d->dmap[n] = at;
      o[n++] = (char)u[k];
    }
    i += used;
  }
  d->dmap[n] = len;
  o[n] = 0;
  d->dec.len = n;
  return DS_OK;
}

static bool has_escape(const char *t, size_t len) {
  const char *b = memchr(t, '\\', len);
  return b != NULL;
}

/* All detections in text (raw, plus the unescaped view mapped back), merged, in d->spans. */
static enum ds_status find_all(struct ds_deid *d, const char *text, size_t len) {
  d->spans.n = 0;
  enum ds_status st = detect(d, text, len, &d->spans);
  if (st || !has_escape(text, len)) return st;
  if ((st = decode_view(d, text, len))) return st;
  if (d->dec.len == len) return DS_OK; /* nothing was an escape */
  d->dspans.n = 0;
  if ((st = detect(d, d->dec.data, d->dec.len, &d->dspans))) return st;
  for (size_t i = 0; i < d->dspans.n; i++) {
    struct deid_span *s = &d->dspans.v[i];
    size_t rs = d->dmap[s->start];
    /* the raw end is where the escape of the byte after the span starts */
    size_t re = d->dmap[s->end];
    if (deid_vec_push(&d->spans, rs, re, s->type)) return DS_E_NOMEM;
  }
  merge_spans(d, &d->spans);
  return DS_OK;
}

enum ds_status ds_deid_find(struct ds_deid *d, const char *text, size_t len, struct ds_deid_span **out_spans,
                            size_t *out_n, struct ds_err *err) {
  *out_spans = NULL;
  *out_n = 0;
  enum ds_status st = find_all(d, text, len);
  if (st) return ds_fail(err, st, "de-identification scan failed: %s", ds_status_name(st));
  if (!d->spans.n) return DS_OK;
  struct ds_deid_span *v = ds_malloc(d->spans.n * sizeof *v);
  if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < d->spans.n; i++)
    v[i] = (struct ds_deid_span){d->spans.v[i].start, d->spans.v[i].end, d->labels[d->spans.v[i].type]};
  *out_spans = v;
  *out_n = d->spans.n;
  return DS_OK;
}

/* ---- placeholders ---------------------------------------------------------------- */

/* Normalized value for consistency: escapes decoded; e-mail, IP, MAC lower-cased; numbers
 * reduced to digits; IBAN upper-cased without spaces. */
static enum ds_status normalize(struct ds_deid *d, int type, const char *p, size_t len) {
  ds_buf_reset(&d->norm);
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch == '\\' && i + 5 < len && p[i + 1] == 'u') {
      unsigned cp = (unsigned)strtoul((char[]){p[i + 2], p[i + 3], p[i + 4], p[i + 5], 0}, NULL, 16);
      if (cp < 0x80) {
        ch = (unsigned char)cp;
        i += 5;
      }
    } else if (ch == '\\' && i + 1 < len) {
      continue;
    }
    switch (type) {
    case T_PHONE:
    case T_CARD:
    case T_SSN:
      if (!isdigit(ch)) continue;
      break;
    case T_IBAN:
      if (ch == ' ') continue;
      ch = (unsigned char)toupper(ch);
      break;
    case T_EMAIL:
    case T_IP:
    case T_MAC:
      ch = (unsigned char)tolower(ch);
      break;
    default: break;
    }
    if (ds_buf_addc(&d->norm, (char)ch)) return DS_E_NOMEM;
  }
  return DS_OK;
}

static bool reserved_has(const struct ds_deid *d, uint64_t h) {
  if (!d->res_cap) return false;
  for (size_t i = h & (d->res_cap - 1);; i = (i + 1) & (d->res_cap - 1)) {
    if (d->reserved[i] == 0) return false;
    if (d->reserved[i] == h) return true;
  }
}

static enum ds_status reserved_add(struct ds_deid *d, uint64_t h) {
  if (!h) h = 1;
  if (reserved_has(d, h)) return DS_OK;
  if ((d->res_n + 1) * 2 > d->res_cap) {
    size_t nc = d->res_cap ? d->res_cap * 2 : 64;
    uint64_t *v = ds_calloc(nc, sizeof *v);
    if (!v) return DS_E_NOMEM;
    for (size_t i = 0; i < d->res_cap; i++) {
      if (!d->reserved[i]) continue;
      size_t j = d->reserved[i] & (nc - 1);
      while (v[j]) j = (j + 1) & (nc - 1);
      v[j] = d->reserved[i];
    }
    ds_free(d->reserved);
    d->reserved = v;
    d->res_cap = nc;
  }
  size_t j = h & (d->res_cap - 1);
  while (d->reserved[j]) j = (j + 1) & (d->res_cap - 1);
  d->reserved[j] = h;
  d->res_n++;
  return DS_OK;
}

/* Placeholder-looking tokens already in the text ("<EMAIL_1>") are reserved so that a new
 * placeholder never equals one of them. */
static enum ds_status reserve_tokens(struct ds_deid *d, const char *t, size_t len) {
  for (const char *p = memchr(t, '<', len); p; p = memchr(p + 1, '<', len - (size_t)(p + 1 - t))) {
    size_t rest = len - (size_t)(p - t);
    size_t i = 1;
    if (i >= rest || !isupper((unsigned char)p[i])) continue;
    while (i < rest && (isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '_')) i++;
    if (i >= rest || p[i] != '>' || p[i - 1] == '_') continue;
    enum ds_status st = reserved_add(d, ds_hash64(p, i + 1));
    if (st) return st;
    if (i + 1 >= rest) break;
  }
  return DS_OK;
}

static enum ds_status make_placeholder(struct ds_deid *d, int type, char **out) {
  char buf[160];
  const char *label = d->labels[type];
  if (d->hmac) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    struct ds_buf msg;
    ds_buf_init(&msg, 0);
    if (ds_buf_adds(&msg, label) || ds_buf_addc(&msg, 0) || ds_buf_add(&msg, d->norm.data, d->norm.len)) {
      ds_buf_release(&msg);
      return DS_E_NOMEM;
    }
    unsigned char *r = HMAC(EVP_sha256(), d->key, (int)d->key_len, (unsigned char *)msg.data, msg.len, md, &mdlen);
    ds_buf_release(&msg);
    if (!r) return DS_E_INVALID;
    for (int width = 4; width <= 16; width += 4) {
      int n = snprintf(buf, sizeof buf, "<%s_", label);
      for (int k = 0; k < width; k++) n += snprintf(buf + n, sizeof buf - (size_t)n, "%02x", md[k]);
      snprintf(buf + n, sizeof buf - (size_t)n, ">");
      if (!reserved_has(d, ds_hash64(buf, strlen(buf)) ?: 1)) break;
    }
  } else {
    do {
      snprintf(buf, sizeof buf, "<%s_%u>", label, ++d->next_idx[type]);
    } while (reserved_has(d, ds_hash64(buf, strlen(buf)) ?: 1));
  }
  return (*out = ds_strdup(buf)) ? DS_OK : DS_E_NOMEM;
}

/* The placeholder for (type, d->norm), created on first use in this conversation. */
static enum ds_status placeholder(struct ds_deid *d, int type, const char **out) {
  uint64_t h = ds_hash64(d->norm.data, d->norm.len) ^ ds_mix64((uint64_t)type + 1);
  if ((d->map_n + 1) * 2 > d->map_cap) {
    size_t nc = d->map_cap ? d->map_cap * 2 : 64;
    struct map_ent *v = ds_calloc(nc, sizeof *v);
    if (!v) return DS_E_NOMEM;
    for (size_t i = 0; i < d->map_cap; i++) {
      if (!d->map[i].key) continue;
      size_t j = d->map[i].h & (nc - 1);
      while (v[j].key) j = (j + 1) & (nc - 1);
      v[j] = d->map[i];
    }
    ds_free(d->map);
    d->map = v;
    d->map_cap = nc;
  }
  size_t j = h & (d->map_cap - 1);
  for (; d->map[j].key; j = (j + 1) & (d->map_cap - 1)) {
    struct map_ent *m = &d->map[j];
    if (m->h == h && m->type == type && m->klen == d->norm.len && !memcmp(m->key, d->norm.data, m->klen)) {
      *out = m->ph;
      return DS_OK;
    }
  }
  struct map_ent m = {h, NULL, d->norm.len, type, NULL};
  if (!(m.key = ds_strndup(d->norm.data, d->norm.len))) return DS_E_NOMEM;
  enum ds_status st = make_placeholder(d, type, &m.ph);
  if (st) {
    ds_free(m.key);
    return st;
  }
  /* the new placeholder is itself reserved: a later value can never get the same text */
  if ((st = reserved_add(d, ds_hash64(m.ph, strlen(m.ph)) ?: 1))) {
    ds_free(m.key);
    ds_free(m.ph);
    return st;
  }
  d->map[j] = m;
  d->map_n++;
  d->distinct[type]++;
  *out = m.ph;
  return DS_OK;
}

/* De-identifies text into d->out; *out_changed tells whether anything was replaced. */
static enum ds_status replace_text(struct ds_deid *d, const char *text, size_t len, bool *out_changed) {
  *out_changed = false;
  enum ds_status st = reserve_tokens(d, text, len);
  if (st) return st;
  const char *cur = text;
  size_t cur_len = len;
  char *tmp = NULL;
  /* a replacement can make a neighbouring value detectable (or not); re-scan the result
   * until it is clean, at most a few rounds, so the post-scan agrees */
  for (int round = 0; round < 4; round++) {
    if ((st = find_all(d, cur, cur_len))) goto out;
    if (!d->spans.n) break;
    ds_buf_reset(&d->out);
    size_t at = 0;
    for (size_t i = 0; i < d->spans.n; i++) {
      struct deid_span *s = &d->spans.v[i];
      const char *ph;
      if ((st = ds_buf_add(&d->out, cur + at, s->start - at)) || (st = normalize(d, s->type, cur + s->start, s->end - s->start)) ||
          (st = placeholder(d, s->type, &ph)) || (st = ds_buf_adds(&d->out, ph)))
        goto out;
      d->replaced[s->type]++;
      at = s->end;
    }
    if ((st = ds_buf_add(&d->out, cur + at, cur_len - at))) goto out;
    *out_changed = true;
    ds_free(tmp);
    size_t n;
    tmp = ds_buf_detach(&d->out, &n);
    ds_buf_init(&d->out, MAX_TEXT);
    cur = tmp;
    cur_len = n;
  }
  if (*out_changed) {
    ds_buf_reset(&d->out);
    st = ds_buf_add(&d->out, cur, cur_len);
  }
out:
  ds_free(tmp);
  return st;
}

enum ds_status ds_deid_text(struct ds_deid *d, const char *text, size_t len, char **out_text, size_t *out_len,
                            struct ds_err *err) {
  *out_text = NULL;
  bool changed;
  enum ds_status st = replace_text(d, text, len, &changed);
  if (st) return ds_fail(err, st, "de-identification failed: %s", ds_status_name(st));
  d->strings++;
  d->bytes += len;
  char *r = changed ? ds_strndup(d->out.data, d->out.len) : ds_strndup(text, len);
  if (!r) return ds_fail(err, DS_E_NOMEM, "out of memory");
  *out_text = r;
  if (out_len) *out_len = changed ? d->out.len : len;
  return DS_OK;
}

/* ---- records ----------------------------------------------------------------------- */

enum walk_mode { W_RESERVE, W_REPLACE, W_SCAN };

struct walk {
  struct ds_deid *d;
  enum walk_mode mode;
  uint64_t findings;
  uint64_t by_type[DEID_MAX_TYPES];
};

static bool is_blob(const char *s, size_t n) {
  return n > 5 && !strncmp(s, "data:", 5) && memmem(s, n < 200 ? n : 200, ";base64,", 8);
}

static enum ds_status visit_string(struct walk *w, json_t *str) {
  struct ds_deid *d = w->d;
  const char *s = json_string_value(str);
  size_t n = json_string_length(str);
  if (!n || is_blob(s, n)) return DS_OK;
  enum ds_status st;
  switch (w->mode) {
  case W_RESERVE: return reserve_tokens(d, s, n);
  case W_SCAN:
    if ((st = find_all(d, s, n))) return st;
    for (size_t i = 0; i < d->spans.n; i++) w->by_type[d->spans.v[i].type]++;
    w->findings += d->spans.n;
    return DS_OK;
  case W_REPLACE: {
    bool changed;
    d->strings++;
    d->bytes += n;
    if ((st = replace_text(d, s, n, &changed))) return st;
    if (changed && json_string_setn(str, d->out.data, d->out.len)) return DS_E_NOMEM;
    return DS_OK;
  }
  }
  return DS_OK;
}

static bool key_in(const char *k, const char *const *set) {
  for (; *set; set++)
    if (!strcmp(k, *set)) return true;
  return false;
}

static const char *const skip_value_keys[] = {"type", "id", "role", "tool_call_id", NULL};
static const char *const skip_call_keys[] = {"type", "id", "name", NULL};

/* Every string under v; object keys in skip are left alone. */
static enum ds_status walk_value(struct walk *w, json_t *v, const char *const *skip, int depth) {
  if (depth > 64) return DS_OK;
  enum ds_status st;
  if (json_is_string(v)) return visit_string(w, v);
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if ((st = walk_value(w, x, skip, depth + 1))) return st;
    return DS_OK;
  }
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      if (key_in(k, skip)) continue;
      if (!strcmp(k, "tool_calls") || !strcmp(k, "function") || !strcmp(k, "function_call")) {
        if ((st = walk_value(w, x, skip_call_keys, depth + 1))) return st;
        continue;
      }
      if ((st = walk_value(w, x, skip, depth + 1))) return st;
    }
  }
  return DS_OK;
}

static json_t *path_get(json_t *rec, const char *path) {
  json_t *cur = rec;
  const char *p = path;
  while (cur && *p) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    char key[128];
    if (n >= sizeof key) return NULL;
    memcpy(key, p, n);
    key[n] = 0;
    cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
    p = dot ? dot + 1 : p + n;
  }
  return cur;
}

static enum ds_status walk_record(struct walk *w, json_t *rec) {
  enum ds_status st;
  if (!json_is_object(rec)) return DS_E_INVALID;
  json_t *msgs = json_object_get(rec, "messages");
  if (msgs && (st = walk_value(w, msgs, skip_value_keys, 0))) return st;
  static const char *const top[] = {"system", "instructions", "prompt", NULL};
  for (const char *const *k = top; *k; k++) {
    json_t *v = json_object_get(rec, *k);
    if (v && (st = walk_value(w, v, skip_value_keys, 0))) return st;
  }
  for (size_t i = 0; i < w->d->n_fields; i++) {
    json_t *v = path_get(rec, w->d->fields[i]);
    if (v && (st = walk_value(w, v, skip_value_keys, 0))) return st;
  }
  return DS_OK;
}

enum ds_status ds_deid_record(struct ds_deid *d, json_t *record, struct ds_err *err) {
  if (!json_is_object(record)) return ds_fail(err, DS_E_INVALID, "record is not a JSON object");
  ds_deid_reset(d);
  struct walk w = {.d = d, .mode = W_RESERVE};
  enum ds_status st = walk_record(&w, record);
  if (!st) {
    w.mode = W_REPLACE;
    st = walk_record(&w, record);
  }
  if (st) return ds_fail(err, st, "de-identification of the record failed: %s", ds_status_name(st));
  d->records++;
  return DS_OK;
}

enum ds_status ds_deid_scan_record(struct ds_deid *d, const json_t *record, uint64_t *out_findings,
                                   struct ds_err *err) {
  if (out_findings) *out_findings = 0;
  if (!json_is_object(record)) return ds_fail(err, DS_E_INVALID, "record is not a JSON object");
  struct walk w = {.d = d, .mode = W_SCAN};
  /* the walk never modifies in scan mode */
  enum ds_status st = walk_record(&w, (json_t *)record);
  if (st) return ds_fail(err, st, "post-scan of the record failed: %s", ds_status_name(st));
  d->post_records++;
  d->post_findings += w.findings;
  for (int t = 0; t < d->n_types; t++) d->post_by_type[t] += w.by_type[t];
  if (out_findings) *out_findings = w.findings;
  return DS_OK;
}

uint64_t ds_deid_post_findings(const struct ds_deid *d) { return d->post_findings; }

json_t *ds_deid_report(const struct ds_deid *d) {
  json_t *r = json_object(), *types = json_array(), *rep = json_object(), *uniq = json_object(),
         *post = json_object(), *pbt = json_object();
  if (!r || !types || !rep || !uniq || !post || !pbt) goto fail;
  for (int t = 0; t < d->n_types; t++) {
    if (!d->enabled[t]) continue;
    json_array_append_new(types, json_string(d->labels[t]));
    json_object_set_new(rep, d->labels[t], json_integer((json_int_t)d->replaced[t]));
    json_object_set_new(uniq, d->labels[t], json_integer((json_int_t)d->distinct[t]));
    if (d->post_by_type[t]) json_object_set_new(pbt, d->labels[t], json_integer((json_int_t)d->post_by_type[t]));
  }
  uint64_t total = 0;
  for (int t = 0; t < d->n_types; t++) total += d->replaced[t];
  json_object_set_new(r, "enabled", json_true());
  json_object_set_new(r, "mode", json_string(d->hmac ? "hmac" : "per-conversation"));
  json_object_set_new(r, "types", types);
  json_object_set_new(r, "records", json_integer((json_int_t)d->records));
  json_object_set_new(r, "strings", json_integer((json_int_t)d->strings));
  json_object_set_new(r, "bytes", json_integer((json_int_t)d->bytes));
  json_object_set_new(r, "replaced_total", json_integer((json_int_t)total));
  json_object_set_new(r, "replaced", rep);
  json_object_set_new(r, "distinct_per_conversation", uniq);
  json_object_set_new(post, "records", json_integer((json_int_t)d->post_records));
  json_object_set_new(post, "findings", json_integer((json_int_t)d->post_findings));
  json_object_set_new(post, "by_type", pbt);
  json_object_set_new(r, "post_scan", post);
  return r;
fail:
  json_decref(r);
  json_decref(types);
  json_decref(rep);
  json_decref(uniq);
  json_decref(post);
  json_decref(pbt);
  return NULL;
}
