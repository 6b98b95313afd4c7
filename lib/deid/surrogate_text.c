/* surrogate_text.c: surrogates of words: a person's name token by one of the same role,
 * gender, ending and length from the lexicon's pools (so that "Ástríður" gets an Icelandic-
 * looking name and "Kowalski" a Polish-looking one), a city by a city of the same country,
 * an address part by part (house numbers, street names, city, postal code; street types,
 * units, states and countries kept), a date moved to another day in the same format, an age
 * over 89 by another. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

static bool wchar(unsigned char c) { return isalnum(c) || c >= 0x80; }
static char rdigit(struct deid_rng *r) { return (char)('0' + deid_rng_below(r, 10)); }

/* The case of src applied to the folded word w: Title, UPPER or lower. */
static enum ds_status cased(const char *src, size_t sn, const char *w, size_t wn, struct ds_buf *out) {
  size_t ln;
  uint32_t c0 = sn ? deid_decode((const unsigned char *)src, sn, &ln) : 'a';
  bool upper_first = deid_cp_upper(c0), all = deid_all_caps(src, sn);
  size_t from = out->len;
  enum ds_status st = ds_buf_add(out, w, wn);
  if (st) return st;
  char *o = out->data + from;
  for (size_t i = 0; i < wn; i++) {
    unsigned char c = (unsigned char)o[i];
    if (c >= 0x80) continue;
    bool up = all || (upper_first && (i == 0 || o[i - 1] == '-' || o[i - 1] == ' ' || o[i - 1] == '\''));
    o[i] = (char)(up ? toupper(c) : c);
  }
  /* a non-ASCII first letter of the surrogate: leave it lower case only when it must be */
  return DS_OK;
}

/* Whether a and b hold the same letters, apostrophes, hyphens and spaces aside ("o'sullivan" is
 * "osullivan": a surrogate never gives the name back). */
static bool same_letters(const char *a, size_t an, const char *b, size_t bn) {
  size_t i = 0, j = 0;
  for (;;) {
    while (i < an && (a[i] == '\'' || a[i] == '-' || a[i] == ' ')) i++;
    while (j < bn && (b[j] == '\'' || b[j] == '-' || b[j] == ' ')) j++;
    if (i == an || j == bn) return i == an && j == bn;
    if (a[i++] != b[j++]) return false;
  }
}

static bool similar_ok(const struct lex_entry *e, const char *f, size_t fl, size_t tail) {
  size_t d = e->klen > fl ? e->klen - fl : fl - e->klen;
  if (d > 2 || (tail && (e->klen < tail || memcmp(e->key + e->klen - tail, f + fl - tail, tail)))) return false;
  return !same_letters(e->key, e->klen, f, fl);
}

/* Draws from a pool: an entry with the same last three bytes and a length within 2 ("Kowalczyk"
 * gets another "-zyk", "Tomasz" another "-sz": the ending carries the origin), else the same
 * last two, else the same length within 2, else any; never the word itself. The first two
 * passes count the whole pool's matches and take one at random, so a rare ending is found when
 * it exists and each match is as likely. */
static const struct lex_entry *similar(enum lex_pool pool, const char *f, size_t fl, struct deid_rng *r) {
  size_t n;
  const struct lex_entry *const *v = deid_lex_pool(pool, &n);
  if (!n) return NULL;
  for (size_t tail = 3; tail >= 2; tail--) {
    if (fl < tail + 1) continue;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) m += similar_ok(v[k], f, fl, tail);
    if (!m) continue;
    size_t pick = deid_rng_below(r, (uint32_t)m);
    for (size_t k = 0; k < n; k++)
      if (similar_ok(v[k], f, fl, tail) && !pick--) return v[k];
  }
  for (int tries = 0; tries < 400; tries++) {
    const struct lex_entry *e = v[deid_rng_below(r, (uint32_t)n)];
    if (similar_ok(e, f, fl, 0)) return e;
  }
  return v[deid_rng_below(r, (uint32_t)n)];
}

enum ds_status deid_surrogate_name_token(struct deid_sur *su, const char *tok, size_t n, int role,
                                         struct deid_rng *r, struct ds_buf *out) {
  DS_UNUSED(su);
  if (deid_n_cps(tok, n) == 1) { /* an initial */
    char c = (char)('A' + deid_rng_below(r, 26));
    return ds_buf_addc(out, c);
  }
  char f[128];
  size_t fl = deid_fold(tok, n, f, sizeof f);
  if (fl > sizeof f) fl = sizeof f;
  const struct lex_entry *e = deid_lex_get(f, fl);
  enum lex_pool pool = POOL_LAST;
  if (role == 0) pool = e && e->gender == 2 ? POOL_FIRST_M : e && e->gender == 1 ? POOL_FIRST_F
                        : deid_rng_below(r, 2) ? POOL_FIRST_F : POOL_FIRST_M;
  const struct lex_entry *s = similar(pool, f, fl, r);
  if (!s) return ds_buf_add(out, "Alex", 4);
  return cased(tok, n, s->key, s->klen, out);
}

/* The end of the word at i of p: letters, digits, UTF-8, and ' or - between them. */
static size_t word_end_at(const char *p, size_t n, size_t i) {
  while (i < n && (wchar((unsigned char)p[i]) ||
                   ((p[i] == '\'' || p[i] == '-') && i + 1 < n && wchar((unsigned char)p[i + 1]))))
    i++;
  return i;
}

/* Words in p, each through fn; what is between words is kept. */
typedef enum ds_status (*word_fn)(void *ud, const char *w, size_t n, bool first, struct deid_rng *r, struct ds_buf *out);
static enum ds_status each_word(const char *p, size_t n, word_fn fn, void *ud, struct deid_rng *r, struct ds_buf *out) {
  enum ds_status st = DS_OK;
  bool first = true;
  for (size_t i = 0; i < n && !st;) {
    if (!wchar((unsigned char)p[i])) {
      st = ds_buf_addc(out, p[i]);
      i++;
      continue;
    }
    size_t j = word_end_at(p, n, i);
    st = fn(ud, p + i, j - i, first, r, out);
    first = false;
    i = j;
  }
  return st;
}

static bool all_digits(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)p[i])) return false;
  return n > 0;
}

/* A number of the same length (no leading zero unless the original had one). */
static enum ds_status number(const char *w, size_t n, struct deid_rng *r, struct ds_buf *out) {
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < n && !st; i++) {
    char c = rdigit(r);
    if (i == 0 && w[0] != '0' && c == '0') c = (char)('1' + deid_rng_below(r, 9));
    st = ds_buf_addc(out, isdigit((unsigned char)w[i]) ? c : w[i]);
  }
  return st;
}

static bool keep_word(const char *w, size_t n) {
  if (n <= 2 && !all_digits(w, n)) return true; /* "NW", "CO", "de" */
  if ((n == 6 && !strncasecmp(w, "corner", 6)) || (n == 3 && !strncasecmp(w, "and", 3))) return true;
  const struct lex_entry *e = deid_lex_word(w, n);
  return e && (e->flags & (LF_STREET | LF_UNIT | LF_REGION | LF_COUNTRY | LF_TITLE | LF_STOP | LF_PARTICLE));
}

static const char *const directional_words[] = {"north", "south", "east", "west", "northeast", "northwest",
                                                "southeast", "southwest", NULL};

/* A city other than the folded f, of the same country as e when e is a city. */
static const struct lex_entry *other_city(const struct lex_entry *e, const char *f, size_t fl, struct deid_rng *r) {
  size_t np;
  const struct lex_entry *const *v = deid_lex_pool(POOL_CITY, &np);
  if (!np) return NULL;
  for (int tries = 0; tries < 2000; tries++) {
    const struct lex_entry *c = v[deid_rng_below(r, (uint32_t)np)];
    if (c->klen == fl && !memcmp(c->key, f, fl)) continue;
    if (e && e->cc[0] && tries < 1500 && memcmp(c->cc, e->cc, 2)) continue;
    return c;
  }
  return v[deid_rng_below(r, (uint32_t)np)];
}

struct addr_state {
  int words; /* name words replaced so far */
};

static enum ds_status addr_word(struct addr_state *a, const char *w, size_t n, struct deid_rng *r, struct ds_buf *out) {
  bool digits = false;
  for (size_t i = 0; i < n; i++) digits |= isdigit((unsigned char)w[i]) != 0;
  if (digits) return number(w, n, r, out); /* house numbers, "5th", postal codes, units */
  if (keep_word(w, n)) return ds_buf_add(out, w, n);
  char f[64];
  size_t fl = deid_fold(w, n, f, sizeof f);
  for (const char *const *d = directional_words; *d && fl <= sizeof f; d++)
    if (strlen(*d) == fl && !memcmp(*d, f, fl)) return ds_buf_add(out, w, n);
  const struct lex_entry *e = deid_lex_word(w, n);
  bool town = a->words > 0 && e && (e->flags & LF_CITY);
  a->words++;
  const struct lex_entry *s;
  if (town) { /* a town of the same country: "London NW1" stays in Britain */
    s = other_city(e, f, fl <= sizeof f ? fl : 0, r);
  } else {
    size_t np;
    const struct lex_entry *const *v = deid_lex_pool(POOL_STREET, &np);
    s = NULL; /* a street name without figures for a word without them ("Paix" never "37th") */
    for (int tries = 0; np && tries < 20 && (!s || strpbrk(s->key, "0123456789")); tries++)
      s = v[deid_rng_below(r, (uint32_t)np)];
  }
  return s ? cased(w, n, s->key, s->klen, out) : ds_buf_add(out, w, n);
}

/* A town of two or three words at i ("San Francisco", "Rio de Janeiro"), after the street:
 * its end, with its entry in *out_e; 0 when none. */
static size_t town_at(const char *p, size_t n, size_t i, const struct lex_entry **out_e) {
  size_t best = 0, j = i;
  for (int words = 1; words <= 3 && j < n; words++) {
    j = word_end_at(p, n, j);
    if (words > 1 && j - i <= 64) {
      char f[128];
      size_t fl = deid_fold(p + i, j - i, f, sizeof f);
      const struct lex_entry *e = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
      if (e && (e->flags & LF_CITY)) best = j, *out_e = e;
    }
    if (j >= n || p[j] != ' ' || j + 1 >= n || !wchar((unsigned char)p[j + 1])) break;
    j++;
  }
  return best;
}

/* An address word by word (addr_word), a town of several words at once. */
static enum ds_status addr_text(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  struct addr_state a = {0};
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < n && !st;) {
    if (!wchar((unsigned char)p[i])) {
      st = ds_buf_addc(out, p[i++]);
      continue;
    }
    const struct lex_entry *e = NULL;
    size_t t = a.words > 0 ? town_at(p, n, i, &e) : 0;
    if (t) {
      char f[128];
      size_t fl = deid_fold(p + i, t - i, f, sizeof f);
      const struct lex_entry *s = other_city(e, f, fl <= sizeof f ? fl : 0, r);
      st = s ? cased(p + i, t - i, s->key, s->klen, out) : ds_buf_add(out, p + i, t - i);
      a.words++;
      i = t;
      continue;
    }
    size_t j = word_end_at(p, n, i);
    st = addr_word(&a, p + i, j - i, r, out);
    i = j;
  }
  return st;
}

static enum ds_status city(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  /* a postal code given as a place ("zip": "62704") */
  if (all_digits(p, n)) return number(p, n, r, out);
  char f[128];
  size_t fl = deid_fold(p, n, f, sizeof f);
  const struct lex_entry *e = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
  const struct lex_entry *s = other_city(e, f, fl <= sizeof f ? fl : 0, r);
  return s ? cased(p, n, s->key, s->klen, out) : ds_buf_add(out, p, n);
}

/* ---- dates ------------------------------------------------------------------------------------ */

static const char *const month_full[] = {"january", "february", "march", "april", "may", "june", "july", "august",
                                         "september", "october", "november", "december"};

/* Digits and month names of a date, replaced: day 1-28, another month, the year moved by a
 * few (a date of birth stays a plausible one); the time of day random. */
struct date_state {
  int field; /* numeric fields seen */
  bool dob;
  int new_month;
};

static enum ds_status date_word(void *ud, const char *w, size_t n, bool first, struct deid_rng *r, struct ds_buf *out) {
  struct date_state *s = ud;
  DS_UNUSED(first);
  if (all_digits(w, n)) {
    if (n == 4) { /* a year */
      int y = deid_digits(w, n); /* the word need not end in a NUL */
      int dy = (int)deid_rng_below(r, s->dob ? 7 : 5) - (s->dob ? 3 : 2);
      if (!dy) dy = 1;
      return ds_buf_addf(out, "%04d", y + dy);
    }
    if (n <= 2) {
      int v = deid_digits(w, n);
      int nv = v <= 12 && s->field < 2 ? 1 + (int)deid_rng_below(r, 12) : 1 + (int)deid_rng_below(r, 28);
      if (v > 31) nv = (int)deid_rng_below(r, 60); /* minutes, seconds, a 2-digit year */
      if (nv == v) nv = nv % 12 + 1;
      s->field++;
      return ds_buf_addf(out, n == 2 ? "%02d" : "%d", nv);
    }
    return number(w, n, r, out);
  }
  char f[32];
  size_t fl = deid_fold(w, n, f, sizeof f);
  if (fl >= 3 && fl <= sizeof f) {
    for (int m = 0; m < 12; m++) {
      size_t ml = strlen(month_full[m]);
      if (memcmp(month_full[m], f, 3) || !(fl == ml || fl == 3 || (fl == 4 && m == 8 && f[3] == 't'))) continue;
      int nm = (m + 1 + (int)deid_rng_below(r, 11)) % 12;
      return cased(w, n, month_full[nm], fl == ml ? strlen(month_full[nm]) : 3, out);
    }
  }
  /* "st", "nd", "th" after a day: kept (a new day may need another, but it reads fine) */
  return ds_buf_add(out, w, n);
}

static enum ds_status person(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out);

enum ds_status deid_surrogate_text(struct deid_sur *su, int type, const char *p, size_t n, struct deid_rng *r,
                                   struct ds_buf *out) {
  switch (type) {
  case T_PERSON: return person(p, n, r, out);
  case T_LOCATION: return city(p, n, r, out);
  case T_ADDRESS: return addr_text(p, n, r, out);
  case T_DATE:
  case T_DOB: {
    struct date_state s = {0, type == T_DOB, 0};
    return each_word(p, n, date_word, &s, r, out);
  }
  case T_AGE: { /* over 89 stays over 89; a younger age moves by up to a tenth (a child stays a child) */
    int a = deid_digits(p, n), b, span = a / 10 + 1;
    if (a >= 90) {
      do b = 90 + (int)deid_rng_below(r, 10);
      while (b == a);
    } else {
      do b = a - span + (int)deid_rng_below(r, (uint32_t)(2 * span + 1));
      while (b == a || b < 1 || b > 89);
    }
    if (n > 0 && !isdigit((unsigned char)p[n - 1])) /* "40th birthday": the suffix of the new number */
      return ds_buf_addf(out, "%d%s", b, b % 100 / 10 == 1 ? "th" : b % 10 == 1 ? "st" : b % 10 == 2 ? "nd"
                                                                : b % 10 == 3 ? "rd" : "th");
    return ds_buf_addf(out, "%d", b);
  }
  }
  DS_UNUSED(su);
  return ds_buf_add(out, p, n);
}

/* A whole name at once (placeholder-free callers; the de-identifier itself goes token by
 * token through its map so that "Ann Lee" and "Ms. Lee" stay one person). */
struct person_state {
  int words;
  size_t total;
};
static enum ds_status person_word(void *ud, const char *w, size_t n, bool first, struct deid_rng *r, struct ds_buf *out) {
  struct person_state *s = ud;
  DS_UNUSED(first);
  if (keep_word(w, n) && deid_n_cps(w, n) > 1) return ds_buf_add(out, w, n);
  int role = s->words == 0 && s->total > 1 ? 0 : s->words == 0 ? 0 : 1;
  s->words++;
  return deid_surrogate_name_token(NULL, w, n, role, r, out);
}
static enum ds_status person(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  struct person_state s = {0, 0};
  for (size_t i = 0; i < n; i++) s.total += p[i] == ' ';
  s.total++;
  return each_word(p, n, person_word, &s, r, out);
}
