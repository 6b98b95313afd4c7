/* tokens.c: code points, letter classes, case folding and the word tokenizer the name tagger
 * reads. Twin of scripts/deidlex.py (decode, is_letter, is_upper, fold_bytes, tokenize, shape):
 * the trained weights are only valid while the two agree, which test_deid_names checks. */
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "deid_int.h"

uint32_t deid_decode(const unsigned char *p, size_t avail, size_t *out_len) {
  unsigned c = p[0];
  *out_len = 1;
  if (c < 0x80) return c;
  if (c >= 0xc2 && c <= 0xdf && avail >= 2 && (p[1] & 0xc0) == 0x80) {
    *out_len = 2;
    return ((c & 0x1fu) << 6) | (p[1] & 0x3fu);
  }
  if (c >= 0xe0 && c <= 0xef && avail >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
    uint32_t cp = ((c & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
    if (cp >= 0x800 && !(cp >= 0xd800 && cp <= 0xdfff)) {
      *out_len = 3;
      return cp;
    }
  }
  if (c >= 0xf0 && c <= 0xf4 && avail >= 4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
      (p[3] & 0xc0) == 0x80) {
    uint32_t cp = ((c & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
    if (cp >= 0x10000 && cp <= 0x10ffff) {
      *out_len = 4;
      return cp;
    }
  }
  *out_len = 1;
  return 0xfffd;
}

bool deid_cp_letter(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
  if (cp >= 0xc0 && cp <= 0x24f) return cp != 0xd7 && cp != 0xf7;
  if (cp >= 0x386 && cp <= 0x3ce) return cp != 0x387;
  if (cp >= 0x400 && cp <= 0x52f) return !(cp >= 0x482 && cp <= 0x489);
  if ((cp >= 0x5d0 && cp <= 0x5ea) || (cp >= 0x620 && cp <= 0x64a) || (cp >= 0x900 && cp <= 0x97f)) return true;
  if (cp >= 0x1e00 && cp <= 0x1eff) return true;
  if ((cp >= 0x3040 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af)) return true;
  return false;
}

bool deid_cp_upper(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  if (cp >= 0xc0 && cp <= 0xde) return cp != 0xd7;
  if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14a && cp <= 0x177)) return cp % 2 == 0;
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) return cp % 2 == 1;
  if (cp == 0x178) return true;
  if (cp == 0x386 || (cp >= 0x388 && cp <= 0x38f) || (cp >= 0x391 && cp <= 0x3ab))
    return cp != 0x38b && cp != 0x38d && cp != 0x3a2;
  if (cp >= 0x400 && cp <= 0x42f) return true;
  if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48a && cp <= 0x52f)) return cp % 2 == 0;
  if (cp >= 0x1e00 && cp <= 0x1eff) return cp % 2 == 0;
  return false;
}

enum { C_LETTER, C_DIGIT, C_APOS, C_HYPHEN, C_SPACE, C_NL, C_PUNCT };

static int cclass(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp | 32) >= 'a' && (cp | 32) <= 'z') return C_LETTER;
    if (cp >= '0' && cp <= '9') return C_DIGIT;
    if (cp == '\'') return C_APOS;
    if (cp == '-') return C_HYPHEN;
    if (cp == ' ' || cp == '\t' || cp == 0x0b || cp == 0x0c) return C_SPACE;
    if (cp == '\n' || cp == '\r') return C_NL;
    return C_PUNCT;
  }
  if (deid_cp_letter(cp)) return C_LETTER;
  if (cp == 0x2019) return C_APOS;
  if (cp == 0xa0) return C_SPACE;
  return C_PUNCT;
}

/* Class + 1 of ASCII bytes (0 for bytes >= 0x80); letters and digits share C_LETTER + 1 here
 * (the word loop treats them alike). */
#define L (C_LETTER + 1)
#define S (C_SPACE + 1)
#define N (C_NL + 1)
#define A (C_APOS + 1)
#define H (C_HYPHEN + 1)
#define P (C_PUNCT + 1)
static const unsigned char ascii_class[256] = {
  P, P, P, P, P, P, P, P, P, S, N, S, S, N, P, P,
  P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
  S, P, P, P, P, P, P, A, P, P, P, P, P, H, P, P,
  L, L, L, L, L, L, L, L, L, L, P, P, P, P, P, P,
  P, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
  L, L, L, L, L, L, L, L, L, L, L, P, P, P, P, P,
  P, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
  L, L, L, L, L, L, L, L, L, L, L, P, P, P, P, P,
};
#undef L
#undef S
#undef N
#undef A
#undef H
#undef P

/* The end of a run of ASCII letters and digits from i: 16 bytes at a time with SSE2 (a word
 * is rarely longer), then byte by byte; deid_ascii_word_end_slow is the plain loop it stands
 * for (test_deid_speed_paths). */
size_t deid_ascii_word_end_slow(const unsigned char *b, size_t i, size_t len) {
  while (i < len && ascii_class[b[i]] == C_LETTER + 1) i++;
  return i;
}

static inline size_t word_end(const unsigned char *b, size_t i, size_t len) {
#ifdef __SSE2__
  const __m128i a1 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1), d1 = _mm_set1_epi8('0' - 1),
                d9 = _mm_set1_epi8('9' + 1), bit5 = _mm_set1_epi8(0x20);
  while (i + 16 <= len) {
    __m128i x = _mm_loadu_si128((const __m128i *)(b + i)), lo = _mm_or_si128(x, bit5);
    /* signed compares: bytes >= 0x80 are negative, so neither letters nor digits */
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lo, a1), _mm_cmpgt_epi8(z1, lo));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, d1), _mm_cmpgt_epi8(d9, x));
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit)) ^ 0xffffu;
    if (m) return i + (size_t)__builtin_ctz(m);
    i += 16;
  }
#endif
  while (i < len && ascii_class[b[i]] == C_LETTER + 1) i++;
  return i;
}
size_t deid_ascii_word_end(const unsigned char *b, size_t i, size_t len) { return word_end(b, i, len); }

static enum ds_status grow(struct deid_toks *t) {
  size_t nc = t->cap ? t->cap * 2 : 256;
  struct deid_tok *v = ds_realloc(t->v, nc * sizeof *v);
  if (!v) return DS_E_NOMEM;
  t->v = v;
  t->cap = nc;
  return DS_OK;
}

static enum ds_status push_cap(struct deid_toks *t) {
  if (t->n_caps == t->caps_cap) {
    size_t nc = t->caps_cap ? t->caps_cap * 2 : 64;
    uint32_t *v = ds_realloc(t->caps, nc * sizeof *v);
    if (!v) return DS_E_NOMEM;
    t->caps = v;
    t->caps_cap = nc;
  }
  t->caps[t->n_caps++] = (uint32_t)(t->n - 1);
  return DS_OK;
}

static inline enum ds_status push_tok(struct deid_toks *t, size_t s, size_t e, uint32_t flags) {
  if (t->n == t->cap && grow(t)) return DS_E_NOMEM;
  t->v[t->n++] = (struct deid_tok){(uint32_t)s, (uint32_t)e, flags, 0};
  return (flags & TK_CAP) ? push_cap(t) : DS_OK;
}


enum ds_status deid_tokenize(const char *text, size_t len, const struct deid_ranges *skip, struct deid_toks *out) {
  const unsigned char *b = (const unsigned char *)text;
  out->n = 0;
  out->n_caps = 0;
  uint32_t pend = 0; /* TK_NL | TK_SP seen since the last token */
  size_t i = 0, r = 0;
  size_t next_skip = skip && skip->n ? skip->r[0] : SIZE_MAX;
  while (i < len) {
    /* code is not tokenized: its words are never names; it reads as a line break */
    if (i >= next_skip) {
      if (i < skip->r[2 * r + 1]) {
        i = skip->r[2 * r + 1];
        pend |= TK_NL | TK_SP;
      }
      r++;
      next_skip = r < skip->n ? skip->r[2 * r] : SIZE_MAX;
      continue;
    }
    unsigned char c0 = b[i];
    /* ASCII fast paths: spaces and lower-case letters dominate */
    if (c0 == ' ') {
      pend |= TK_SP;
      i++;
      continue;
    }
    unsigned char k0 = ascii_class[c0];
    if (k0 == C_LETTER + 1) {
      /* an ASCII word followed by ASCII space or punctuation (most words) */
      size_t s = i++;
      i = word_end(b, i, len);
      if (i >= len || ascii_class[b[i]] >= C_SPACE + 1) {
        uint32_t flags = TK_WORD | pend;
        if (c0 >= 'A' && c0 <= 'Z') {
          flags |= TK_CAP;
          if (i - s > 1 && !(b[s + 1] >= 'a' && b[s + 1] <= 'z') && deid_all_caps(text + s, i - s))
            flags |= TK_ALLCAPS;
        }
        enum ds_status st = push_tok(out, s, i, flags);
        if (st) return st;
        pend = 0;
        if (i < len && i < next_skip && b[i] == ' ') { /* the space after the word, here */
          pend = TK_SP;
          i++;
        }
        continue;
      }
      i = s; /* ' - or a non-ASCII letter next: the general path */
    } else if (k0 == C_PUNCT + 1) {
      enum ds_status st = push_tok(out, i, i + 1, pend);
      if (st) return st;
      i++;
      pend = 0;
      continue;
    } else if (k0 == C_NL + 1 || k0 == C_SPACE + 1) {
      pend |= k0 == C_NL + 1 ? TK_NL | TK_SP : TK_SP;
      i++;
      continue;
    }
    size_t ln;
    uint32_t cp = c0 < 0x80 ? c0 : deid_decode(b + i, len - i, &ln);
    if (c0 < 0x80) ln = 1;
    int c = cclass(cp);
    if (c == C_SPACE) {
      pend |= TK_SP;
      i += ln;
      continue;
    }
    if (c == C_NL) {
      pend |= TK_NL | TK_SP;
      i += ln;
      continue;
    }
    enum ds_status st;
    if (c == C_LETTER || c == C_DIGIT) {
      size_t s = i;
      uint32_t flags = TK_WORD | pend | (deid_cp_upper(cp) ? TK_CAP : 0);
      i += ln;
      while (i < len) {
        unsigned char d = b[i];
        if (d < 0x80 && (((d | 32) >= 'a' && (d | 32) <= 'z') || (d >= '0' && d <= '9'))) {
          i++;
          continue;
        }
        size_t l2;
        uint32_t cp2 = d < 0x80 ? d : deid_decode(b + i, len - i, &l2);
        if (d < 0x80) l2 = 1;
        int c2 = cclass(cp2);
        if (c2 == C_LETTER || c2 == C_DIGIT) {
          i += l2;
          continue;
        }
        if ((c2 == C_APOS || c2 == C_HYPHEN) && i + l2 < len) {
          size_t l3;
          uint32_t cp3 = deid_decode(b + i + l2, len - i - l2, &l3);
          int c3 = cclass(cp3);
          if (c3 == C_LETTER || c3 == C_DIGIT) {
            if (c2 == C_APOS && (cp3 == 's' || cp3 == 'S')) {
              size_t after = i + l2 + l3;
              if (after >= len) break;
              size_t l4;
              int c4 = cclass(deid_decode(b + after, len - after, &l4));
              if (c4 != C_LETTER && c4 != C_DIGIT) break;
            }
            i += l2 + l3;
            continue;
          }
        }
        break;
      }
      if ((flags & TK_CAP) && i - s > 1 && deid_all_caps(text + s, i - s)) flags |= TK_ALLCAPS;
      st = push_tok(out, s, i, flags);
    } else {
      st = push_tok(out, i, i + ln, pend);
      i += ln;
    }
    if (st) return st;
    pend = 0;
  }
  return DS_OK;
}

/* The folded bytes of one code point into o (at least 4 bytes); returns their count. */
static size_t fold_cp(uint32_t cp, char *o) {
  if (cp < 0x80) {
    o[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    return 1;
  }
  const char *f = NULL;
  if (cp >= 0xc0 && cp <= 0x24f) f = deid_fold_latin[cp - 0xc0];
  else if (cp >= 0x1e00 && cp <= 0x1eff) f = deid_fold_ext[cp - 0x1e00];
  if (f) {
    size_t n = strlen(f);
    memcpy(o, f, n);
    return n;
  }
  if (cp >= 0x391 && cp <= 0x3ab) cp += 0x20;
  else if (cp == 0x386) cp = 0x3ac;
  else if (cp >= 0x388 && cp <= 0x38a) cp += 0x25;
  else if (cp == 0x38c) cp = 0x3cc;
  else if (cp >= 0x38e && cp <= 0x38f) cp += 0x3f;
  else if (cp >= 0x410 && cp <= 0x42f) cp += 0x20;
  else if (cp >= 0x400 && cp <= 0x40f) cp += 0x50;
  else if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48a && cp <= 0x52f)) && cp % 2 == 0) cp += 1;
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | cp >> 18);
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

size_t deid_fold(const char *p, size_t n, char *out, size_t cap) {
  const unsigned char *b = (const unsigned char *)p;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    char tmp[4];
    size_t ln, k;
    if (b[i] < 0x80) {
      if (o >= cap) return cap + 1;
      unsigned char c = b[i++];
      out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    uint32_t cp = deid_decode(b + i, n - i, &ln);
    if (cp == 0xfffd) { /* kept as it is (an invalid byte, or U+FFFD itself) */
      memcpy(tmp, b + i, ln);
      k = ln;
    } else {
      k = fold_cp(cp, tmp);
    }
    if (o + k > cap) return cap + 1;
    memcpy(out + o, tmp, k);
    o += k;
    i += ln;
  }
  return o;
}

size_t deid_shape(const char *p, size_t n, char out[9]) {
  const unsigned char *b = (const unsigned char *)p;
  size_t o = 0;
  for (size_t i = 0; i < n && o < 8;) {
    size_t ln;
    uint32_t cp = deid_decode(b + i, n - i, &ln);
    int c = cclass(cp);
    char ch = c == C_LETTER ? (deid_cp_upper(cp) ? 'U' : 'l') : c == C_DIGIT ? 'd' : c == C_APOS ? '\''
              : c == C_HYPHEN ? '-' : 'p';
    if (!o || out[o - 1] != ch) out[o++] = ch;
    i += ln;
  }
  out[o] = 0;
  return o;
}

size_t deid_n_cps(const char *p, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; k++) {
    size_t ln;
    deid_decode((const unsigned char *)p + i, n - i, &ln);
    i += ln;
  }
  return k;
}

bool deid_all_caps(const char *p, size_t n) {
  int letters = 0;
  for (size_t i = 0; i < n;) {
    size_t ln;
    uint32_t cp = deid_decode((const unsigned char *)p + i, n - i, &ln);
    if (deid_cp_letter(cp)) {
      if (!deid_cp_upper(cp)) return false;
      letters++;
    }
    i += ln;
  }
  return letters >= 2;
}

const struct lex_entry *deid_tok_lex(const char *text, struct deid_toks *t, size_t i) {
  struct deid_tok *k = &t->v[i];
  if (!(k->flags & TK_LEXED)) {
    if (__builtin_expect(t->lx_cap < t->n, 0)) {
      /* grown on demand; a failed allocation only costs the cache */
      size_t nc = t->n + 256;
      const struct lex_entry **v = ds_realloc(t->lx, nc * sizeof *v);
      if (!v) return deid_lex_word(text + k->s, k->e - k->s);
      t->lx = v;
      t->lx_cap = nc;
    }
    t->lx[i] = deid_lex_word(text + k->s, k->e - k->s);
    k->flags |= TK_LEXED;
  }
  return t->lx[i];
}
