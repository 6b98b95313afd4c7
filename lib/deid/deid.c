/* deid.c: the de-identifier: compiles every detector into one Hyperscan database, scans each
 * text once (plus a JSON-unescaped view when the text holds escapes), validates candidates,
 * replaces detections with typed consistent placeholders, walks records, and counts. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

#define MAX_TEXT ((size_t)1 << 30)

static const char *const builtin_labels[T_BUILTIN_N + 1] = {
  "EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "MAC", "URL_CREDENTIAL", "AWS_KEY", "GITHUB_TOKEN",
  "OPENAI_KEY", "ANTHROPIC_KEY", "SLACK_TOKEN", "GOOGLE_API_KEY", "JWT", "PRIVATE_KEY", "SECRET", "ADDRESS",
  "PERSON", "DOB", "LOCATION", "DATE", "DRIVER_LICENSE", "PASSPORT", "MEDICAL_RECORD", "ACCOUNT", "ID_NUMBER",
  "AGE", NULL};

/* Which detection wins when two overlap (the union keeps the higher one's type). */
static const int builtin_prio[T_BUILTIN_N] = {
  [T_EMAIL] = 80, [T_PHONE] = 60, [T_CARD] = 76, [T_IBAN] = 78, [T_SSN] = 74, [T_IP] = 72, [T_MAC] = 70,
  [T_URL_CREDENTIAL] = 92, [T_AWS_KEY] = 95, [T_GITHUB_TOKEN] = 95, [T_OPENAI_KEY] = 94,
  [T_ANTHROPIC_KEY] = 96, [T_SLACK_TOKEN] = 95, [T_GOOGLE_API_KEY] = 95, [T_JWT] = 93,
  [T_PRIVATE_KEY] = 100, [T_SECRET] = 90, [T_ADDRESS] = 40, [T_PERSON] = 30, [T_DOB] = 50, [T_LOCATION] = 35,
  [T_DATE] = 45, [T_DRIVER_LICENSE] = 68, [T_PASSPORT] = 68, [T_MEDICAL_RECORD] = 68, [T_ACCOUNT] = 66,
  [T_ID_NUMBER] = 64, [T_AGE] = 44};

/* Extra patterns: "LABEL REGEX"; extra first names (folded, hashed). */
struct custom {
  char *re;
  int type;
};
struct custom_list {
  struct custom *v;
  size_t n, cap;
};

const char *const *ds_deid_type_names(void) { return builtin_labels; }

void ds_deid_default_params(struct ds_deid_params *p) {
  memset(p, 0, sizeof *p);
  p->replace = DS_DEID_REPLACE_PLACEHOLDER;
}

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
  struct deid_pcre *v = ds_realloc(d->pcre, (d->n_pcre + 1) * sizeof *v);
  if (!v) {
    pcre2_code_free(re);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  d->pcre = v;
  d->pcre[d->n_pcre++] = (struct deid_pcre){re, t};
  return DS_OK;
bad_label:
  return ds_fail(err, DS_E_INVALID, "%s:%u: label '%s' must match [A-Z][A-Z0-9_]*", path, lineno, line);
}

static enum ds_status extra_name_line(struct ds_deid *d, const char *path, char *line, unsigned lineno,
                                      struct ds_err *err) {
  for (char *q = line; *q; q++)
    if (*q == ' ' || *q == '\t') return ds_fail(err, DS_E_INVALID, "%s:%u: a name is one word", path, lineno);
  char f[128];
  size_t fl = deid_fold(line, strlen(line), f, sizeof f);
  if (fl > sizeof f) return ds_fail(err, DS_E_INVALID, "%s:%u: name too long", path, lineno);
  struct deid_names *nd = &d->names;
  uint64_t *v = ds_realloc(nd->extra, (nd->n_extra + 1) * sizeof *v);
  if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
  nd->extra = v;
  nd->extra[nd->n_extra++] = ds_hash64(f, fl);
  return DS_OK;
}

/* Compiled databases of the built-in patterns, by the set of types turned on (a few sets at
 * most in one process: ingest's, report's, a custom --types); kept until the process ends. */
#define SHARED_DBS 8
static struct {
  uint64_t mask;
  hs_database_t *db;
} shared_dbs[SHARED_DBS];
static size_t n_shared_dbs;
static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;

static hs_database_t *shared_db_get(uint64_t mask) {
  hs_database_t *db = NULL;
  pthread_mutex_lock(&shared_mu);
  for (size_t i = 0; i < n_shared_dbs && !db; i++)
    if (shared_dbs[i].mask == mask) db = shared_dbs[i].db;
  pthread_mutex_unlock(&shared_mu);
  return db;
}

/* Keeps *db for the next de-identifier of the same types; when another thread compiled the same
 * set meanwhile, *db is freed and replaced by that one. False when there is no room (*db stays
 * the caller's own). */
static bool shared_db_put(uint64_t mask, hs_database_t **db) {
  bool shared = false;
  pthread_mutex_lock(&shared_mu);
  for (size_t i = 0; i < n_shared_dbs && !shared; i++)
    if (shared_dbs[i].mask == mask) {
      hs_free_database(*db);
      *db = shared_dbs[i].db;
      shared = true;
    }
  if (!shared && n_shared_dbs < SHARED_DBS) {
    shared_dbs[n_shared_dbs].mask = mask;
    shared_dbs[n_shared_dbs++].db = *db;
    shared = true;
  }
  pthread_mutex_unlock(&shared_mu);
  return shared;
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

static enum ds_status compile(struct ds_deid *d, struct custom_list *cl, struct ds_err *err) {
  size_t cap = deid_n_builtin_patterns + cl->n + 1;
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
  for (size_t i = 0; i < cl->n; i++)
    push_pattern(d, exprs, flags, ids, &n, cl->v[i].re, HS_FLAG_SOM_LEFTMOST, K_CUSTOM, cl->v[i].type, true);
  d->n_pat = n;
  if (n == 0) goto out; /* everything turned off: nothing to scan */
  /* the built-in patterns alone depend only on the types turned on: compiled once per process
   * and shared (a Hyperscan database is read-only; each de-identifier has its own scratch) */
  uint64_t mask = 0;
  bool shareable = cl->n == 0;
  for (size_t i = 0; i < deid_n_builtin_patterns && shareable; i++) {
    int t = deid_builtin_patterns[i].type;
    if (t >= 64) shareable = false;
    else if (d->enabled[t]) mask |= 1ull << t;
  }
  if (shareable && (d->db = shared_db_get(mask))) {
    d->db_shared = true;
  } else {
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &d->db, &ce) != HS_SUCCESS) {
      st = ds_fail(err, DS_E_INVALID, "compiling de-identification patterns failed (pattern %d): %s",
                   ce ? ce->expression : -1, ce ? ce->message : "?");
      hs_free_compile_error(ce);
      goto out;
    }
    if (shareable) d->db_shared = shared_db_put(mask, &d->db);
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

/* The key: from the environment or a file (first line), else random for this process. */
static enum ds_status load_key(struct ds_deid *d, const struct ds_deid_params *p, struct ds_err *err) {
  if (p->hmac_key_env && p->key_file)
    return ds_fail(err, DS_E_INVALID, "give the de-identification key once: an environment variable or a file");
  const char *k = NULL;
  struct ds_buf b;
  ds_buf_init(&b, 1 << 16);
  enum ds_status st = DS_OK;
  if (p->hmac_key_env) {
    k = getenv(p->hmac_key_env);
    if (!k || !*k)
      return ds_fail(err, DS_E_NOTFOUND, "environment variable %s (the de-identification key) is not set or empty",
                     p->hmac_key_env);
  } else if (p->key_file) {
    if ((st = ds_read_file(p->key_file, 1 << 16, &b, err))) return st;
    char *nl = strpbrk(b.data, "\r\n");
    if (nl) *nl = 0;
    k = b.data;
    if (!*k) {
      ds_buf_release(&b);
      return ds_fail(err, DS_E_INVALID, "%s: the de-identification key file is empty", p->key_file);
    }
  }
  if (k) {
    size_t kl = strlen(k);
    if (kl > sizeof d->key) kl = sizeof d->key; /* longer keys are truncated, documented */
    memcpy(d->key, k, kl);
    d->key_len = kl;
    d->hmac = true;
    ds_buf_release(&b);
    return DS_OK;
  }
  if (RAND_bytes(d->key, 32) != 1) return ds_fail(err, DS_E_IO, "no random bytes for the de-identification key");
  d->key_len = 32;
  return DS_OK;
}

enum ds_status ds_deid_new(const struct ds_deid_params *params, struct ds_deid **out, struct ds_err *err) {
  struct ds_deid_params dflt;
  if (!params) {
    ds_deid_default_params(&dflt);
    params = &dflt;
  }
  *out = NULL;
  if ((params->replace != DS_DEID_REPLACE_PLACEHOLDER && params->replace != DS_DEID_REPLACE_SURROGATE))
    return ds_fail(err, DS_E_INVALID, "unknown replacement mode %d", (int)params->replace);
  enum ds_status st = deid_lex_init();
  if (!st) st = deid_tagger_init();
  if (st) return ds_fail(err, st, "loading the built-in name lexicon and tagger failed: %s", ds_status_name(st));
  struct ds_deid *d = ds_calloc(1, sizeof *d);
  if (!d) return ds_fail(err, DS_E_NOMEM, "out of memory");
  struct custom_list cl = {0};
  ds_buf_init(&d->out, MAX_TEXT);
  ds_buf_init(&d->dec, MAX_TEXT);
  ds_buf_init(&d->norm, 0);
  ds_buf_init(&d->sbuf, 0);
  ds_buf_init(&d->sur.tmp, 0);
  d->log = params->log;
  d->replace = params->replace;
  d->code_aware = !params->no_code_regions;
  d->names.keep_public_figures = params->keep_public_figures;
  for (int t = 0; t < T_BUILTIN_N; t++) {
    d->labels[t] = (char *)builtin_labels[t];
    d->prio[t] = builtin_prio[t];
  }
  d->n_types = T_BUILTIN_N;
  if ((st = parse_types(d, params->types, err))) goto fail;
  if ((st = parse_fields(d, params->fields, err))) goto fail;
  if (params->allow_file && (st = each_line(params->allow_file, allow_line, d, err))) goto fail;
  d->building = &cl;
  if (params->names_file && (st = each_line(params->names_file, extra_name_line, d, err))) goto fail;
  if (params->patterns_file && (st = each_line(params->patterns_file, pattern_line, d, err))) goto fail;
  d->building = NULL;
  if ((st = compile(d, &cl, err))) goto fail;
  if (d->n_pcre && !(d->md = pcre2_match_data_create(4, NULL))) goto nomem;
  if ((st = load_key(d, params, err))) goto fail;
  d->conv_salt = ds_hash64(d->key, d->key_len);
  {
    /* the seed of surrogates' marks: from the key, so that processes sharing a key recognize
     * each other's surrogates */
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!HMAC(EVP_sha256(), d->key, (int)d->key_len, (const unsigned char *)"depsim-deid-mark", 16, md, &mdlen))
      goto nomem;
    memcpy(&d->sur.mark_seed, md, sizeof d->sur.mark_seed);
  }
  for (size_t i = 0; i < cl.n; i++) ds_free(cl.v[i].re);
  ds_free(cl.v);
  *out = d;
  return DS_OK;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "out of memory");
fail:
  d->building = NULL;
  for (size_t i = 0; i < cl.n; i++) ds_free(cl.v[i].re);
  ds_free(cl.v);
  ds_deid_free(d);
  return st;
}

void deid_map_clear(struct ds_deid *d) {
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
  deid_map_clear(d);
  ds_free(d->map);
  ds_free(d->reserved);
  if (d->scratch) hs_free_scratch(d->scratch);
  if (d->db && !d->db_shared) hs_free_database(d->db);
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
  ds_free(d->raw.v);
  ds_free(d->code.r);
  deid_names_release(&d->names);
  deid_sur_release(&d->sur);
  ds_buf_release(&d->sbuf);
  ds_buf_release(&d->out);
  ds_buf_release(&d->dec);
  ds_buf_release(&d->norm);
  memset(d->key, 0, sizeof d->key);
  ds_free(d);
}

void ds_deid_reset(struct ds_deid *d) {
  deid_map_clear(d);
  /* a fresh salt per conversation: without a key, one value gets different surrogates in
   * different conversations */
  d->conv_salt = ds_mix64(d->conv_salt + 0x9e3779b97f4a7c15ull + d->records);
}

