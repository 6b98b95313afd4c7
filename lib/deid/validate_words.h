/* validate_words.h: what the validators of places and dates share (validate_place.c: street
 * lines; validate_address_tail.c: what follows a street; validate_date.c: dates, labeled
 * numbers, ages): character classes and words of the text given to a validator, which need
 * not end in a NUL (every read is bounded by c->len). */
#ifndef DEID_VALIDATE_WORDS_H
#define DEID_VALIDATE_WORDS_H

#include <string.h>
#include <strings.h>

#include "deid_int.h"

static inline bool is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static inline bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static inline bool wordc(const struct deid_vctx *c, size_t i) {
  unsigned char ch = (unsigned char)c->text[i];
  return is_alnum(ch) || ch >= 0x80;
}

/* ---- words ------------------------------------------------------------------------------ */

/* The word (letters, digits, UTF-8, inner ' - .) starting at i; its end. */
static inline size_t word_end(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j < c->len && (wordc(c, j) || ((c->text[j] == '\'' || c->text[j] == '-') && j + 1 < c->len && wordc(c, j + 1) && j > i)))
    j++;
  return j;
}

static inline const struct lex_entry *word_lex(const struct deid_vctx *c, size_t a, size_t b) {
  return deid_lex_word(c->text + a, b - a);
}

static inline bool capital_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a) return false;
  size_t ln;
  uint32_t cp = deid_decode((const unsigned char *)c->text + a, c->len - a, &ln);
  /* a sign used as a letter in upper-case names ("∆ΟΜΕΤΙΟΣ", U+2206 for a Delta) */
  if (cp >= 0x80 && !deid_cp_letter(cp) && a + ln < b)
    cp = deid_decode((const unsigned char *)c->text + a + ln, c->len - a - ln, &ln);
  return deid_cp_upper(cp) && b - a >= 2;
}

/* A word that can be part of a street's name: capitalized, an ordinal ("5th"), a
 * directional, or a number of a route. */
static inline bool street_name_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a) return false;
  if (capital_word(c, a, b)) return true;
  size_t d = a;
  while (d < b && is_digit((unsigned char)c->text[d])) d++;
  if (d > a && b - d == 2) {
    const char *s = c->text + d;
    return !strncasecmp(s, "st", 2) || !strncasecmp(s, "nd", 2) || !strncasecmp(s, "rd", 2) ||
           !strncasecmp(s, "th", 2); /* "5th", "18TH" */
  }
  return false;
}

static inline bool all_digits(const char *p, size_t n) {
  if (!n) return false;
  for (size_t i = 0; i < n; i++)
    if (!is_digit((unsigned char)p[i])) return false;
  return true;
}

static inline bool word_in(const struct deid_vctx *c, size_t a, size_t b, const char *const *ws, bool ci) {
  for (; *ws; ws++)
    if (strlen(*ws) == b - a && (ci ? !strncasecmp(c->text + a, *ws, b - a) : !strncmp(c->text + a, *ws, b - a)))
      return true;
  return false;
}

/* Words of a street's or a place's name in other languages (validate_address_tail.c). */
bool deid_addr_foreign_lower(const struct deid_vctx *c, size_t a, size_t b);
bool deid_addr_foreign_type(const struct deid_vctx *c, size_t a, size_t b);
bool deid_addr_particle(const struct deid_vctx *c, size_t a, size_t b);
bool deid_addr_unit_word(const struct deid_vctx *c, size_t a, size_t b);
/* A postal code at i; its end, or i. */
size_t deid_addr_postal_code(const struct deid_vctx *c, size_t i);
/* What follows a street that ends at e (unit, city, region, postal code, country); its end. */
size_t deid_addr_extend(const struct deid_vctx *c, size_t e);
/* What comes before an address that starts at s (a unit, a postal code); its start. */
size_t deid_addr_extend_back(const struct deid_vctx *c, size_t s);

#endif
