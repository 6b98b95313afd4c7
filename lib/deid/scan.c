/* scan.c: detection in one text: the Hyperscan pass and its validators, code regions,
 * person names and places (names.c), values of personal keys in code, extra PCRE2 patterns;
 * the same again on a JSON-unescaped view when the text holds escapes; overlaps united. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

#define MAX_TEXT ((size_t)1 << 30)

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx) {
  DS_UNUSED(flags);
  struct ds_deid *d = ctx;
  if (!d->pat_som[id]) {
    if (deid_vec_push(&d->cands, (size_t)to, (size_t)to, (int)id)) goto nomem;
    return 0;
  }
  struct deid_pending *p = &d->pend[id];
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
  *p = (struct deid_pending){(size_t)from, (size_t)to, d->stamp};
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
  size_t k = 0;
  for (size_t i = 0; i < v->n; i++)
    if (v->v[i].end > v->v[i].start) v->v[k++] = v->v[i];
  v->n = k;
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

/* Drops detections of prose-only types that start inside code. */
static void filter(struct ds_deid *d, struct deid_vec *v, size_t from) {
  size_t w = from;
  for (size_t i = from; i < v->n; i++) {
    struct deid_span *s = &v->v[i];
    if (d->code.n && !deid_type_in_code(s->type) && deid_in_ranges(&d->code, s->start)) continue;
    v->v[w++] = *s;
  }
  v->n = w;
}

/* Detections in text into out (appended, then merged). */
static enum ds_status detect(struct ds_deid *d, const char *text, size_t len, struct deid_vec *out) {
  if (len > MAX_TEXT) return DS_E_LIMIT;
  enum ds_status st;
  d->code.n = 0;
  if (d->code_aware && (st = deid_code_find(text, len, &d->code))) return st;
  size_t from = out->n;
  if (d->db) {
    d->cands.n = 0;
    d->n_touched = 0;
    d->stamp++;
    d->cb_status = DS_OK;
    hs_error_t he = hs_scan(d->db, len ? text : "", (unsigned)len, 0, d->scratch, on_match, d);
    if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED) return DS_E_INVALID;
    if (d->cb_status) return d->cb_status;
    for (size_t i = 0; i < d->n_touched; i++) {
      struct deid_pending *p = &d->pend[d->touched[i]];
      if (deid_vec_push(&d->cands, p->s, p->e, (int)d->touched[i])) return DS_E_NOMEM;
    }
    struct deid_vctx c = {text, len, &d->allow, d->enabled, out, d->code.n ? &d->code : NULL};
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
  }
  if ((st = deid_names_find(&d->names, text, len, d->code.n ? &d->code : NULL, d->enabled, out))) return st;
  filter(d, out, from);
  /* values of personal keys in code are personal data whatever the code rule says */
  size_t kv = out->n;
  if (d->code.n && (st = deid_code_values(text, len, &d->code, d->enabled, out))) return st;
  for (size_t i = kv; i < out->n; i++)
    if (deid_allow_value(&d->allow, out->v[i].type, text + out->v[i].start, out->v[i].end - out->v[i].start))
      out->v[i].end = out->v[i].start; /* dropped by the merge below */
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
    if (ch != '\\') { /* a run without escapes, copied whole */
      const char *bs = memchr(t + i, '\\', len - i);
      size_t j = bs ? (size_t)(bs - t) : len;
      memcpy(o + n, t + i, j - i);
      for (; i < j; i++) d->dmap[n++] = i;
      continue;
    }
    if (i + 1 >= len) {
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
/* From the second replacement round on, what this de-identifier put in (a surrogate, judged
 * whole, as the post-scan judges it) is not found again. */
static void drop_recognized(struct ds_deid *d, const char *text) {
  if (d->round == 0 || d->replace != DS_DEID_REPLACE_SURROGATE) return;
  size_t w = 0;
  for (size_t i = 0; i < d->spans.n; i++) {
    struct deid_span *s = &d->spans.v[i];
    if (s->type < T_BUILTIN_N && deid_sur_recognized(&d->sur, s->type, text + s->start, s->end - s->start)) continue;
    d->spans.v[w++] = *s;
  }
  d->spans.n = w;
}

enum ds_status deid_find_all(struct ds_deid *d, const char *text, size_t len) {
  d->spans.n = 0;
  enum ds_status st = detect(d, text, len, &d->spans);
  if (st) return st;
  if (!has_escape(text, len)) {
    drop_recognized(d, text);
    return DS_OK;
  }
  if ((st = decode_view(d, text, len))) return st;
  if (d->dec.len == len) { /* nothing was an escape */
    drop_recognized(d, text);
    return DS_OK;
  }
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
  drop_recognized(d, text);
  return DS_OK;
}


enum ds_status ds_deid_find(struct ds_deid *d, const char *text, size_t len, struct ds_deid_span **out_spans,
                            size_t *out_n, struct ds_err *err) {
  *out_spans = NULL;
  *out_n = 0;
  enum ds_status st = deid_find_all(d, text, len);
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

