/* tagger.c: the person-name tagger: an averaged perceptron over hashed features of a
 * capitalized word and its neighbours, trained by scripts/train-names.py (weights in
 * tagger_model.c). The features here are the twin of scripts/deidlex.py features(): a change
 * to one is a change to both, and a retraining. */
#include <pthread.h>
#include <stdlib.h>

#include "deid_int.h"

static int16_t *weights;
static uint32_t wmask;
static enum ds_status tg_status;
static pthread_once_t tg_once = PTHREAD_ONCE_INIT;

static int b64(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* A variable-length number: 5 bits a digit, high digits first, 32 = more digits follow;
 * zigzag-decoded. */
static bool read_num(const char *p, size_t len, size_t *i, int64_t *out) {
  uint64_t z = 0;
  for (;;) {
    if (*i >= len) return false;
    int d = b64(p[(*i)++]);
    if (d < 0) return false;
    z = (z << 5) | (uint64_t)(d & 31);
    if (!(d & 32)) break;
  }
  *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  return true;
}

static void hash_constants(void);

static void load(void) {
  if (deid_tagger_bits < 8 || deid_tagger_bits > 24) {
    tg_status = DS_E_INVALID;
    return;
  }
  size_t n = (size_t)1 << deid_tagger_bits;
  weights = ds_calloc(n, sizeof *weights);
  if (!weights) {
    tg_status = DS_E_NOMEM;
    return;
  }
  wmask = (uint32_t)(n - 1);
  hash_constants();
  size_t i = 0;
  int64_t pos = -1;
  while (i < deid_tagger_weights_len) {
    int64_t gap, w;
    if (!read_num(deid_tagger_weights, deid_tagger_weights_len, &i, &gap) ||
        !read_num(deid_tagger_weights, deid_tagger_weights_len, &i, &w) || gap < 0 || w < INT16_MIN ||
        w > INT16_MAX) {
      tg_status = DS_E_INVALID;
      return;
    }
    pos += gap + 1;
    if (pos >= (int64_t)n) {
      tg_status = DS_E_INVALID;
      return;
    }
    weights[pos] = (int16_t)w;
  }
}

enum ds_status deid_tagger_init(void) {
  pthread_once(&tg_once, load);
  return tg_status;
}

int32_t deid_tagger_threshold(void) {
  double t = deid_tagger_theta * deid_tagger_scale;
  return (int32_t)(t < 0 ? t - 0.5 : t + 0.5);
}

/* FNV-1a 32 over the feature's bytes, built in parts. */
struct feat {
  int32_t sum;
};
static inline uint32_t fnv(uint32_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x01000193u;
  return h;
}
#define FNV0 0x811c9dc5u
static inline void add(struct feat *f, uint32_t h) { f->sum += weights[h & wmask]; }

/* The (first-name, surname, common-word) classes of an entry, compressed to 0-2 each and
 * numbered a*9 + b*3 + c (its text is "abc"). */
static int lex_cross(const struct lex_entry *e) {
  if (!e) return 0;
  int a = e->fn == 0 ? 0 : e->fn <= 3 ? 1 : 2;
  int b = e->sn == 0 ? 0 : e->sn <= 3 ? 1 : 2;
  int c = e->wf == 0 ? 0 : e->wf <= 2 ? 2 : 1;
  return a * 9 + b * 3 + c;
}

/* Hashes of the constant features and prefixes, computed once. */
static struct {
  uint32_t b, w, s3, s2, sh, initial, caps, st;
  uint32_t len[11], fn[8], sn[8], wf[8], fl[14];
  uint32_t lx[27], caps_lx[27], st_lx[27];
  uint32_t ctx_eq[4], ctx_start[4], ctx_end[4], ctx_cap[4], ctx_lx[4][27], p1t[2];
} H;

static uint32_t hs(const char *s) { return fnv(FNV0, s, strlen(s)); }

static void hash_constants(void) {
  char buf[32];
  H.b = hs("b");
  H.w = hs("w=");
  H.s3 = hs("s3=");
  H.s2 = hs("s2=");
  H.sh = hs("sh=");
  H.initial = hs("initial");
  H.caps = hs("caps");
  H.st = hs("st");
  for (int k = 0; k <= 10; k++) snprintf(buf, sizeof buf, "len=%d", k), H.len[k] = hs(buf);
  for (int k = 0; k < 8; k++) {
    snprintf(buf, sizeof buf, "fn=%d", k), H.fn[k] = hs(buf);
    snprintf(buf, sizeof buf, "sn=%d", k), H.sn[k] = hs(buf);
    snprintf(buf, sizeof buf, "wf=%d", k), H.wf[k] = hs(buf);
  }
  static const char *const names[] = {"fl=city", "fl=country", "fl=region", "fl=street", "fl=unit", "fl=title",
                                      "fl=time", "fl=upper", "fl=org", NULL, NULL, "fl=stop", "fl=particle", NULL};
  for (int k = 0; k < 14; k++) H.fl[k] = names[k] ? hs(names[k]) : 0;
  static const char *const pre[] = {"p1", "p2", "n1", "n2"};
  for (int x = 0; x < 27; x++) {
    char lx[4] = {(char)('0' + x / 9), (char)('0' + x / 3 % 3), (char)('0' + x % 3), 0};
    snprintf(buf, sizeof buf, "lx=%s", lx), H.lx[x] = hs(buf);
    snprintf(buf, sizeof buf, "caps|lx=%s", lx), H.caps_lx[x] = hs(buf);
    snprintf(buf, sizeof buf, "st|lx=%s", lx), H.st_lx[x] = hs(buf);
    for (int p = 0; p < 4; p++) snprintf(buf, sizeof buf, "%slx=%s", pre[p], lx), H.ctx_lx[p][x] = hs(buf);
  }
  for (int p = 0; p < 4; p++) {
    snprintf(buf, sizeof buf, "%s=", pre[p]), H.ctx_eq[p] = hs(buf);
    snprintf(buf, sizeof buf, "%s=^", pre[p]), H.ctx_start[p] = hs(buf);
    snprintf(buf, sizeof buf, "%s=$", pre[p]), H.ctx_end[p] = hs(buf);
    snprintf(buf, sizeof buf, "%s=C", pre[p]), H.ctx_cap[p] = hs(buf);
  }
  H.p1t[0] = hs("p1t=0");
  H.p1t[1] = hs("p1t=1");
}

bool deid_sentence_start(const char *text, const struct deid_toks *t, size_t i) {
  if (i == 0 || (t->v[i].flags & TK_NL)) return true;
  const struct deid_tok *p = &t->v[i - 1];
  if (p->flags & TK_WORD) return false;
  const char *s = text + p->s;
  size_t n = p->e - p->s;
  if (n == 1) return s[0] && strchr(".!?:;\"([*>#|-", s[0]) != NULL;
  if (n == 3) return !memcmp(s, "\xe2\x80\x9c", 3) || !memcmp(s, "\xe2\x80\x9d", 3) || !memcmp(s, "\xe2\x80\xa2", 3);
  return false;
}

static void ctx(struct feat *f, int p, const char *text, struct deid_toks *t, ptrdiff_t j,
                const unsigned char *tags) {
  if (j < 0) {
    add(f, H.ctx_start[p]);
    return;
  }
  if ((size_t)j >= t->n) {
    add(f, H.ctx_end[p]);
    return;
  }
  const struct deid_tok *k = &t->v[j];
  if (!(k->flags & TK_WORD)) {
    add(f, fnv(H.ctx_eq[p], text + k->s, k->e - k->s));
    return;
  }
  if (k->flags & TK_CAP) {
    add(f, H.ctx_cap[p]);
    add(f, H.ctx_lx[p][lex_cross(deid_tok_lex_c(text, t, (size_t)j))]);
    if (tags) add(f, H.p1t[tags[j] ? 1 : 0]);
    return;
  }
  /* the first 24 folded bytes; a plain lower-case ASCII word is its own fold */
  const char *w = text + k->s;
  size_t wl = k->e - k->s, m = wl < 24 ? wl : 24;
  bool plain = true;
  uint32_t h = H.ctx_eq[p]; /* hashed while checked (one pass) */
  for (size_t q = 0; q < m && plain; q++) {
    unsigned char ch = (unsigned char)w[q];
    plain = ch < 0x80 && !(ch >= 'A' && ch <= 'Z');
    h = (h ^ ch) * 0x01000193u;
  }
  if (plain) {
    add(f, h);
    return;
  }
  char fold[64];
  size_t fl = deid_fold(w, wl, fold, sizeof fold);
  if (fl > sizeof fold) fl = sizeof fold; /* only the first 24 bytes count */
  add(f, fnv(H.ctx_eq[p], fold, fl < 24 ? fl : 24));
}

/* The features of the word alone (its bytes decide them all) are summed once per word: a
 * small per-thread cache of words up to 24 bytes and their sums (text repeats its words). */
#define UNI_SLOTS 2048
static _Thread_local struct {
  uint8_t n; /* 0 = empty */
  char w[24];
  int32_t sum;
} uni_cache[UNI_SLOTS];

static int32_t unigram(const char *text, struct deid_toks *t, size_t i, size_t *out_ncp);

int32_t deid_tagger_score(const char *text, struct deid_toks *t, size_t i, const unsigned char *tags) {
  const struct deid_tok *k = &t->v[i];
  const char *w = text + k->s;
  size_t wl = k->e - k->s, ncp;
  struct feat f = {0};
  if (wl <= sizeof uni_cache[0].w) {
    uint32_t h = fnv(FNV0, w, wl) & (UNI_SLOTS - 1);
    if (uni_cache[h].n == wl && !memcmp(uni_cache[h].w, w, wl)) {
      f.sum = uni_cache[h].sum;
      ncp = (size_t)-1; /* counted below only when needed */
    } else {
      f.sum = unigram(text, t, i, &ncp);
      uni_cache[h].n = (uint8_t)wl;
      memcpy(uni_cache[h].w, w, wl);
      uni_cache[h].sum = f.sum;
    }
  } else {
    f.sum = unigram(text, t, i, &ncp);
  }
  if (deid_sentence_start(text, t, i)) {
    int lx = lex_cross(deid_tok_lex_c(text, t, i));
    add(&f, H.st);
    add(&f, H.st_lx[lx]);
  }
  if (i + 1 < t->n && !(t->v[i + 1].flags & TK_WORD) && t->v[i + 1].e - t->v[i + 1].s == 1 &&
      text[t->v[i + 1].s] == '.' && (ncp == (size_t)-1 ? deid_n_cps(w, wl) : ncp) == 1)
    add(&f, H.initial);
  ctx(&f, 0, text, t, (ptrdiff_t)i - 1, tags);
  ctx(&f, 1, text, t, (ptrdiff_t)i - 2, NULL);
  ctx(&f, 2, text, t, (ptrdiff_t)i + 1, NULL);
  ctx(&f, 3, text, t, (ptrdiff_t)i + 2, NULL);
  return f.sum;
}

/* The sum of the features of the word alone (and its code point count). */
static int32_t unigram(const char *text, struct deid_toks *t, size_t i, size_t *out_ncp) {
  const struct deid_tok *k = &t->v[i];
  const char *w = text + k->s;
  size_t wl = k->e - k->s;
  struct feat f = {0};
  char fold[256];
  char shp[9];
  size_t sl = 0, ncp, fl;
  bool ascii = wl <= sizeof fold;
  for (size_t q = 0; q < wl && ascii; q++) ascii = (unsigned char)w[q] < 0x80;
  if (ascii) {
    /* the common case in one pass: fold, shape, length */
    for (size_t q = 0; q < wl; q++) {
      unsigned char ch = (unsigned char)w[q];
      char kind;
      if (ch >= 'A' && ch <= 'Z') fold[q] = (char)(ch + 32), kind = 'U';
      else fold[q] = (char)ch, kind = ch >= 'a' && ch <= 'z' ? 'l' : ch >= '0' && ch <= '9' ? 'd'
                                                 : ch == '\'' ? '\'' : ch == '-' ? '-' : 'p';
      if (sl < 8 && (!sl || shp[sl - 1] != kind)) shp[sl++] = kind;
    }
    shp[sl] = 0;
    fl = wl;
    ncp = wl;
  } else {
    fl = deid_fold(w, wl, fold, sizeof fold);
    sl = deid_shape(w, wl, shp);
    ncp = deid_n_cps(w, wl);
  }
  const struct lex_entry *e = deid_tok_lex_c(text, t, i);
  const char *tail = fold;
  size_t tl = fl;
  char tbuf[32];
  if (fl > sizeof fold) {
    /* a very long word: its first bytes are in fold; the suffixes come from folding its last
     * three code points (folding goes code point by code point) */
    fl = sizeof fold;
    size_t a = wl;
    for (int q = 0; q < 3 && a > 0; q++) {
      a--;
      while (a > 0 && ((unsigned char)w[a] & 0xc0) == 0x80) a--;
    }
    tl = deid_fold(w + a, wl - a, tbuf, sizeof tbuf);
    if (tl > sizeof tbuf) tl = 0;
    tail = tbuf;
  }
  add(&f, H.b);
  add(&f, fnv(H.w, fold, fl < 24 ? fl : 24));
  add(&f, fnv(H.s3, tail + (tl > 3 ? tl - 3 : 0), tl < 3 ? tl : 3));
  add(&f, fnv(H.s2, tail + (tl > 2 ? tl - 2 : 0), tl < 2 ? tl : 2));
  add(&f, fnv(H.sh, shp, sl));
  add(&f, H.len[ncp < 10 ? ncp : 10]);
  int lx = lex_cross(e);
  add(&f, H.lx[lx]);
  if (e) {
    add(&f, H.fn[e->fn & 7]);
    add(&f, H.sn[e->sn & 7]);
    add(&f, H.wf[e->wf & 7]);
    for (int b = 0; b < 14; b++)
      if ((e->flags & (1u << b)) && H.fl[b]) add(&f, H.fl[b]);
  }
  if (k->flags & TK_ALLCAPS) {
    add(&f, H.caps);
    add(&f, H.caps_lx[lx]);
  }
  *out_ncp = ncp;
  return f.sum;
}

bool deid_tagger_candidate(const char *text, struct deid_toks *t, size_t i) {
  const struct deid_tok *k = &t->v[i];
  if ((k->flags & (TK_WORD | TK_CAP)) != (TK_WORD | TK_CAP)) return false;
  if (k->e - k->s == 1 && text[k->s] == 'I') return false;
  const struct lex_entry *e = deid_tok_lex_c(text, t, i);
  if (e && !e->fn && !e->sn && ((e->wf >= 1 && e->wf <= 3) || (e->flags & (LF_STOP | LF_TIME)))) {
    bool near_cap = (i > 0 && (t->v[i - 1].flags & (TK_WORD | TK_CAP)) == (TK_WORD | TK_CAP)) ||
                    (i + 1 < t->n && (t->v[i + 1].flags & (TK_WORD | TK_CAP)) == (TK_WORD | TK_CAP));
    if (deid_sentence_start(text, t, i) || !near_cap) return false;
  }
  return true;
}
