/* policy.c: reads a gate policy (YAML, libyaml document API) with line-accurate errors and
 * resolves the rule for each category (defaults < severity < category). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gate/policy.h"

static void rule_init(struct policy_rule *r) {
  memset(r, 0, sizeof *r);
  r->max_rate = r->max_ratio = NAN;
  r->band = 1.5;
  r->uncertainty = POLICY_UPPER_BOUND;
}

void policy_release(struct policy *p) {
  for (size_t i = 0; i < p->n_severity; i++) ds_free(p->severity[i].name);
  for (size_t i = 0; i < p->n_category; i++) ds_free(p->category[i].name);
  ds_free(p->severity);
  ds_free(p->category);
  ds_free(p->path);
  memset(p, 0, sizeof *p);
}

struct pctx {
  const char *path;
  yaml_document_t *d;
  struct ds_err *err;
};

static enum ds_status bad(struct pctx *c, yaml_node_t *n, const char *fmt, const char *what) {
  return ds_fail(c->err, DS_E_INVALID, "%s:%zu: %s%s", c->path, n ? n->start_mark.line + 1 : 0, fmt, what ? what : "");
}

static const char *sval(yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL; }

static bool is_null(yaml_node_t *n) {
  const char *s = sval(n);
  return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "none") == 0);
}

static enum ds_status number(struct pctx *c, yaml_node_t *n, const char *key, double *out) {
  const char *s = sval(n);
  char *end;
  if (!s || !*s) return bad(c, n, "expected a number for ", key);
  double v = strtod(s, &end);
  if (*end == 'x' && end[1] == 0) end++; /* "1.5x" for bands and ratios */
  else if (*end == '%' && end[1] == 0) { v /= 100; end++; }
  if (*end || !isfinite(v) || v < 0) return bad(c, n, "expected a non-negative number for ", key);
  *out = v;
  return DS_OK;
}

static enum ds_status parse_rule(struct pctx *c, yaml_node_t *m, struct policy_rule *r) {
  rule_init(r);
  if (!m || m->type != YAML_MAPPING_NODE) return bad(c, m, "expected a mapping of rule keys (max_rate, max_ratio, uncertainty, band, min_n)", NULL);
  enum ds_status st;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->d, p->key), *v = yaml_document_get_node(c->d, p->value);
    const char *key = sval(k);
    if (!key) return bad(c, k, "rule keys must be scalars", NULL);
    double x;
    if (strcmp(key, "max_rate") == 0 || strcmp(key, "max_ratio") == 0) {
      bool rate = key[4] == 'r' && key[5] == 'a' && key[6] == 't' && key[7] == 'e';
      if (is_null(v)) x = NAN;
      else if ((st = number(c, v, key, &x))) return st;
      if (rate) { r->max_rate = x; r->set |= POLICY_SET_MAX_RATE; }
      else { r->max_ratio = x; r->set |= POLICY_SET_MAX_RATIO; }
      if (rate && x > 1) return bad(c, v, "max_rate is a fraction in [0,1] (write 0.001 or 0.1%), not ", sval(v));
    } else if (strcmp(key, "band") == 0) {
      if ((st = number(c, v, key, &x))) return st;
      if (x < 1) return bad(c, v, "band is a factor of at least 1 (e.g. 1.5), not ", sval(v));
      r->band = x;
      r->set |= POLICY_SET_BAND;
    } else if (strcmp(key, "uncertainty") == 0) {
      const char *s = sval(v);
      if (s && strcmp(s, "upper_bound") == 0) r->uncertainty = POLICY_UPPER_BOUND;
      else if (s && strcmp(s, "band") == 0) r->uncertainty = POLICY_BAND;
      else return bad(c, v, "uncertainty must be upper_bound or band, not ", s ? s : "a non-scalar");
      r->set |= POLICY_SET_UNCERTAINTY;
    } else if (strcmp(key, "min_n") == 0) {
      if ((st = number(c, v, key, &x))) return st;
      if (x != floor(x) || x < 0 || x > 1e15)
        return bad(c, v, "min_n must be a whole number from 0 to 10^15, not ", sval(v));
      r->min_n = (uint64_t)x;
      r->set |= POLICY_SET_MIN_N;
    } else if (strcmp(key, "use_corrected") == 0) {
      const char *s = sval(v);
      if (s && strcmp(s, "true") == 0) r->use_corrected = true;
      else if (s && strcmp(s, "false") == 0) r->use_corrected = false;
      else return bad(c, v, "use_corrected must be true or false", NULL);
      r->set |= POLICY_SET_USE_CORRECTED;
    } else {
      return bad(c, k, "unknown rule key ", key);
    }
  }
  return DS_OK;
}

static enum ds_status parse_named(struct pctx *c, yaml_node_t *m, struct policy_named **out, size_t *n_out) {
  if (m->type != YAML_MAPPING_NODE) return bad(c, m, "expected a mapping of name: rule", NULL);
  size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
  struct policy_named *a = ds_calloc(n + 1, sizeof *a);
  if (!a) return ds_fail(c->err, DS_E_NOMEM, "out of memory");
  *out = a;
  enum ds_status st;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->d, p->key), *v = yaml_document_get_node(c->d, p->value);
    if (!sval(k)) return bad(c, k, "names must be scalars", NULL);
    for (size_t i = 0; i < *n_out; i++)
      if (strcmp(a[i].name, sval(k)) == 0) return bad(c, k, "duplicate entry ", sval(k));
    if (!(a[*n_out].name = ds_strdup(sval(k)))) return ds_fail(c->err, DS_E_NOMEM, "out of memory");
    (*n_out)++;
    if ((st = parse_rule(c, v, &a[*n_out - 1].rule))) return st;
  }
  return DS_OK;
}

enum ds_status policy_parse(const char *path, const char *text, size_t len, struct policy *out, struct ds_err *err) {
  memset(out, 0, sizeof *out);
  rule_init(&out->defaults);
  ds_sha256_hex(text, len, out->sha256);
  if (!(out->path = ds_strdup(path))) return ds_fail(err, DS_E_NOMEM, "out of memory");
  yaml_parser_t yp;
  yaml_document_t d;
  if (!yaml_parser_initialize(&yp)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
  enum ds_status st = DS_OK;
  if (!yaml_parser_load(&yp, &d)) {
    st = ds_fail(err, DS_E_PARSE, "%s:%zu: %s", path, yp.problem_mark.line + 1, yp.problem ? yp.problem : "YAML error");
    yaml_parser_delete(&yp);
    policy_release(out);
    return st;
  }
  struct pctx c = {path, &d, err};
  yaml_node_t *root = yaml_document_get_root_node(&d);
  if (!root || root->type != YAML_MAPPING_NODE) {
    st = ds_fail(err, DS_E_INVALID, "%s: a policy is a mapping with defaults, severity and categories", path);
    goto out;
  }
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&d, p->key), *v = yaml_document_get_node(&d, p->value);
    const char *key = sval(k);
    if (!key) {
      st = bad(&c, k, "keys must be scalars", NULL);
      goto out;
    }
    /* a repeated section would be parsed twice into the same arrays */
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
      const char *prev = sval(yaml_document_get_node(&d, q->key));
      if (prev && strcmp(prev, key) == 0) {
        st = bad(&c, k, "duplicate key ", key);
        goto out;
      }
    }
    if (strcmp(key, "version") == 0) {
      if (!sval(v) || strcmp(sval(v), "1") != 0) {
        st = bad(&c, v, "unsupported policy version ", sval(v) ? sval(v) : "?");
        goto out;
      }
    } else if (strcmp(key, "defaults") == 0) {
      if ((st = parse_rule(&c, v, &out->defaults))) goto out;
    } else if (strcmp(key, "severity") == 0) {
      if ((st = parse_named(&c, v, &out->severity, &out->n_severity))) goto out;
    } else if (strcmp(key, "categories") == 0) {
      if ((st = parse_named(&c, v, &out->category, &out->n_category))) goto out;
    } else if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0) {
      /* documentation only */
    } else {
      st = bad(&c, k, "unknown policy key (expected version, name, description, defaults, severity, categories): ",
               key);
      goto out;
    }
  }
out:
  yaml_document_delete(&d);
  yaml_parser_delete(&yp);
  if (st) policy_release(out);
  return st;
}

enum ds_status policy_load(const char *path, struct policy *out, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 1 << 20);
  enum ds_status st = ds_read_file(path, 1 << 20, &b, err);
  if (!st) st = policy_parse(path, b.data, b.len, out, err);
  ds_buf_release(&b);
  return st;
}

static void overlay(struct policy_rule *r, const struct policy_rule *o) {
  if (o->set & POLICY_SET_MAX_RATE) r->max_rate = o->max_rate;
  if (o->set & POLICY_SET_MAX_RATIO) r->max_ratio = o->max_ratio;
  if (o->set & POLICY_SET_BAND) r->band = o->band;
  if (o->set & POLICY_SET_UNCERTAINTY) r->uncertainty = o->uncertainty;
  if (o->set & POLICY_SET_MIN_N) r->min_n = o->min_n;
  if (o->set & POLICY_SET_USE_CORRECTED) r->use_corrected = o->use_corrected;
  r->set |= o->set;
}

void policy_resolve(const struct policy *p, const char *category, const char *severity, struct policy_rule *out) {
  rule_init(out);
  overlay(out, &p->defaults);
  if (severity)
    for (size_t i = 0; i < p->n_severity; i++)
      if (strcmp(p->severity[i].name, severity) == 0) overlay(out, &p->severity[i].rule);
  for (size_t i = 0; i < p->n_category; i++)
    if (strcmp(p->category[i].name, category) == 0) overlay(out, &p->category[i].rule);
}
