/* validate_place.c: validators of addresses (a street line extended over unit, city, state
 * or region, postal code and country, in US and common European forms). Dates, labeled
 * numbers and ages are in validate_date.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deid_int.h"

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool wordc(const struct deid_vctx *c, size_t i) {
  unsigned char ch = (unsigned char)c->text[i];
  return is_alnum(ch) || ch >= 0x80;
}

/* ---- words ------------------------------------------------------------------------------ */

/* The word (letters, digits, UTF-8, inner ' - .) starting at i; its end. */
static size_t word_end(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j < c->len && (wordc(c, j) || ((c->text[j] == '\'' || c->text[j] == '-') && j + 1 < c->len && wordc(c, j + 1) && j > i)))
    j++;
  return j;
}

static const struct lex_entry *word_lex(const struct deid_vctx *c, size_t a, size_t b) {
  return deid_lex_word(c->text + a, b - a);
}

static bool capital_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a) return false;
  size_t ln;
  uint32_t cp = deid_decode((const unsigned char *)c->text + a, c->len - a, &ln);
  /* a sign used as a letter in upper-case names ("∆ΟΜΕΤΙΟΣ", U+2206 for a Delta) */
  if (cp >= 0x80 && !deid_cp_letter(cp) && a + ln < b)
    cp = deid_decode((const unsigned char *)c->text + a + ln, c->len - a - ln, &ln);
  return deid_cp_upper(cp) && b - a >= 2;
}

/* A word of lower-case letters that is no common English word ("tachkent", "revolucije"):
 * part of a name in an address written in lower case or in another language. */
static bool foreign_lower_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a || b - a > 40) return false;
  size_t ln;
  uint32_t cp = deid_decode((const unsigned char *)c->text + a, c->len - a, &ln);
  if (!deid_cp_letter(cp) || deid_cp_upper(cp)) return false;
  for (size_t k = a; k < b; k++)
    if (is_digit((unsigned char)c->text[k])) return false;
  const struct lex_entry *le = deid_lex_word(c->text + a, b - a);
  return !le || (!le->wf && !(le->flags & (LF_STOP | LF_TIME)));
}

/* Street types written as a word of their own in other languages (libpostal's street_types
 * of hu, et, cs, sk, sl, hr, lt, lv, ro, tr, is, el; the lexicon has those of en, de, fr,
 * es, it, nl, pt, da, sv, nb, fi, pl): "Rákóczi út 13.", "Luite tee 87", "Jana Nerudy 894". */
static const char *const foreign_types[] = {
  "út", "utca", "u.", "útja", "utja", "tér", "ter", "körút", "krt.", "sétány", "köz", "sor", "fasor", "rakpart",
  "tee", "tänav", "tn", "mnt", "maantee", "puiestee", "ulice", "ul.", "ulica", "nám.", "náměstí", "namesti",
  "třída", "nábřeží", "námestie", "cesta", "trg", "pot", "put", "aleja", "iela", "gatvė", "g.", "prospektas",
  "strada", "str.", "calea", "aleea", "bulevardul", "sokak", "sok.", "caddesi", "cad.", "yolu", "gata",
  "vegur", "braut", "stræti", "οδός", "λεωφόρος", "οδος", "λεωφορος", NULL};

static bool foreign_type(const struct deid_vctx *c, size_t a, size_t b) {
  for (const char *const *w = foreign_types; *w; w++)
    if (strlen(*w) == b - a && !strncasecmp(c->text + a, *w, b - a)) return true;
  return false;
}

static bool all_digits(const char *p, size_t n) {
  if (!n) return false;
  for (size_t i = 0; i < n; i++)
    if (!is_digit((unsigned char)p[i])) return false;
  return true;
}

/* ---- street lines -------------------------------------------------------------------------- */

/* A word that can be part of a street's name: capitalized, an ordinal ("5th"), a
 * directional, or a number of a route. */
static bool street_name_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a) return false;
  if (capital_word(c, a, b)) return true;
  size_t d = a;
  while (d < b && is_digit((unsigned char)c->text[d])) d++;
  if (d > a && b - d == 2) {
    const char *s = c->text + d;
    return !strncmp(s, "st", 2) || !strncmp(s, "nd", 2) || !strncmp(s, "rd", 2) || !strncmp(s, "th", 2);
  }
  return false;
}

/* NOSOM street: from the end, back over the suffix and up to 5 name words to the nearest
 * house number. */
static size_t street_start(const struct deid_vctx *c, size_t e) {
  size_t i = e;
  if (i > 0 && c->text[i - 1] == '.') i--;
  while (i > 0 && is_alpha((unsigned char)c->text[i - 1])) i--; /* the suffix */
  for (int words = 0; words <= 5; words++) {
    if (i == 0 || c->text[i - 1] != ' ') return SIZE_MAX;
    while (i > 0 && c->text[i - 1] == ' ') i--;
    if (i > 0 && c->text[i - 1] == '.') i--; /* "U.S. Hwy", "N. Main" */
    size_t j = i;
    while (j > 0 && (wordc(c, j - 1) || c->text[j - 1] == '\'' || c->text[j - 1] == '-' || c->text[j - 1] == '.'))
      j--;
    if (j == i) return SIZE_MAX;
    if (is_digit((unsigned char)c->text[j]) && !street_name_word(c, j, i)) {
      size_t nd = 0;
      while (j + nd < i && is_digit((unsigned char)c->text[j + nd])) nd++;
      if (words == 0 || nd > 6 || i - j - nd > 1) return SIZE_MAX;
      if (j > 0 && (wordc(c, j - 1) || c->text[j - 1] == '$' || c->text[j - 1] == '.')) return SIZE_MAX;
      return j;
    }
    if (!street_name_word(c, j, i) && !(i - j <= 3 && is_upper((unsigned char)c->text[j]))) return SIZE_MAX;
    i = j;
  }
  return SIZE_MAX;
}

/* NOSOM "Name-suffix 12": back over the number, one space and the word. */
static size_t euro_start(const struct deid_vctx *c, size_t e) {
  size_t i = e;
  while (i > 0 && is_alnum((unsigned char)c->text[i - 1])) i--;
  if (i == 0 || c->text[i - 1] != ' ') return SIZE_MAX;
  i--;
  while (i > 0 && (is_alpha((unsigned char)c->text[i - 1]) || (unsigned char)c->text[i - 1] >= 0x80 ||
                   c->text[i - 1] == '.'))
    i--;
  return is_upper((unsigned char)c->text[i]) ? i : SIZE_MAX;
}

/* NOSOM "Via Roma 10": back over the number and up to 4 words to the street word. */
static size_t euro_prefix_start(const struct deid_vctx *c, size_t e) {
  static const char *const heads[] = {"Rue", "Avenue", "Via", "Viale", "Piazza", "Corso", "Calle", "Avenida",
                                      "Rua", "Carrer", "Paseo", "Ulica", "Ul.", "ul.", "Plaza", "Travessa",
                                      "Largo", "Strada", "Boulevard", "Chemin", "Allée", "Place", "C/", "Trg", "trg",
                                      "Calea", "Rambla", "Praça", "Rúa", "Λεωφόρος", "Οδός", NULL};
  size_t i = e;
  while (i > 0 && is_alnum((unsigned char)c->text[i - 1])) i--;
  if (i > 0 && c->text[i - 1] == ' ') i--;
  if (i > 0 && c->text[i - 1] == ',') i--;
  for (int w = 0; w < 6; w++) {
    size_t j = i;
    while (j > 0 && c->text[j - 1] != ' ' && c->text[j - 1] != '\n' && i - j < 40) j--;
    for (const char *const *h = heads; *h; h++)
      if (strlen(*h) == i - j && !strncmp(c->text + j, *h, i - j)) return w ? j : SIZE_MAX;
    if (j == 0 || c->text[j - 1] != ' ') return SIZE_MAX;
    i = j - 1;
  }
  return SIZE_MAX;
}

/* ---- the rest of an address ----------------------------------------------------------- */

static const char *const unit_words[] = {"apt", "apartment", "suite", "ste", "unit", "flat", "fl", "floor", "room",
                                         "rm", "bldg", "building", "lot", "box", "po", "dept", "#", NULL};
static const char *const directionals[] = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East",
                                           "West", "Northeast", "Northwest", "Southeast", "Southwest", NULL};

static bool word_in(const struct deid_vctx *c, size_t a, size_t b, const char *const *ws, bool ci) {
  for (; *ws; ws++)
    if (strlen(*ws) == b - a && (ci ? !strncasecmp(c->text + a, *ws, b - a) : !strncmp(c->text + a, *ws, b - a)))
      return true;
  return false;
}

/* A postal code at i ("62704", "62704-1234", "K1A 0B1", "SW1A 1AA", "53-320", "394 13",
 * "3610-114", "1011 AB"); its end, or i. */
static size_t postal_code(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j < c->len && is_digit((unsigned char)c->text[j])) j++;
  size_t nd = j - i;
  if (nd >= 3 && nd <= 6) {
    if (j + 1 < c->len && (c->text[j] == '-' || c->text[j] == ' ') && is_digit((unsigned char)c->text[j + 1])) {
      size_t k = j + 1;
      while (k < c->len && is_digit((unsigned char)c->text[k])) k++;
      if (k - j - 1 >= 2 && k - j - 1 <= 4 && (k >= c->len || !wordc(c, k))) return k;
    }
    if (nd == 4 && j + 3 <= c->len && c->text[j] == ' ' && is_upper((unsigned char)c->text[j + 1]) &&
        is_upper((unsigned char)c->text[j + 2]) && (j + 3 == c->len || !wordc(c, j + 3)))
      return j + 3; /* Dutch "1011 AB" */
    if (j >= c->len || !wordc(c, j)) return j;
    return i;
  }
  /* Canadian / British shapes: letters and digits, one optional space */
  size_t k = i, letters = 0, digits = 0, spaces = 0;
  while (k < c->len && k - i < 8) {
    unsigned char ch = (unsigned char)c->text[k];
    if (is_upper(ch)) letters++;
    else if (is_digit(ch)) digits++;
    else if (ch == ' ' && !spaces && k > i && k + 1 < c->len && is_alnum((unsigned char)c->text[k + 1])) spaces++;
    else break;
    k++;
  }
  if (letters >= 2 && digits >= 2 && k - i >= 5 && (k >= c->len || !wordc(c, k)) && is_upper((unsigned char)c->text[i]))
    return k;
  return i;
}

/* Particles inside a place's name ("Caxias do Sul", "Ostrov nad Ohří", "Frankfurt am Main"). */
static const char *const place_particles[] = {"do", "da", "dos", "das", "de", "del", "della", "di", "du", "la", "le",
                                              "les", "des", "na", "nad", "pod", "u", "am", "im", "an", "der", "sur", "en",
                                              "y", "upon", NULL};

/* After a line break: a list's bullet ("- ", "* ", "• ", "??? " where a bullet was lost); the
 * position after it, or i. */
static size_t skip_bullet(const struct deid_vctx *c, size_t i) {
  size_t k = i;
  while (k < c->len && (c->text[k] == ' ' || c->text[k] == '\t')) k++;
  size_t b = k;
  while (k < c->len && k - b < 3 && (c->text[k] == '?' || c->text[k] == '*' || c->text[k] == '-')) k++;
  if (k == b && k + 3 <= c->len && !memcmp(c->text + k, "\xe2\x80\xa2", 3)) k += 3;
  if (k > b && k < c->len && c->text[k] == ' ') return k + 1;
  return i;
}

/* A run of up to 4 words of a place's name from i (capitalized, particles between, a part in
 * parentheses after: "Cyprus (Greek)", "ΑΓΛΑΝΤΖΙΑ (ΑΓΛΑΓΓΙΑ)"); its end, and the number of
 * words in *out_words. */
static size_t place_run(const struct deid_vctx *c, size_t i, size_t w, int *out_words) {
  size_t k = w;
  int n = 1;
  for (; n < 4; n++) {
    if (k + 1 >= c->len || c->text[k] != ' ') break;
    size_t v = word_end(c, k + 1);
    if (!capital_word(c, k + 1, v)) {
      const struct lex_entry *pe = word_lex(c, k + 1, v);
      size_t x = v + 1 < c->len ? word_end(c, v + 1) : v;
      if (!((pe && (pe->flags & LF_PARTICLE)) || word_in(c, k + 1, v, place_particles, false)) || v + 1 >= c->len ||
          c->text[v] != ' ' || !capital_word(c, v + 1, x))
        break;
      k = x; /* the word after a particle whatever it is elsewhere ("Caxias do Sul") */
      continue;
    }
    const struct lex_entry *ve = word_lex(c, k + 1, v);
    if (ve && (ve->flags & (LF_STOP | LF_TIME))) break;
    k = v;
  }
  /* "(Greek)" */
  if (k + 3 < c->len && c->text[k] == ' ' && c->text[k + 1] == '(') {
    size_t v = word_end(c, k + 2);
    if (capital_word(c, k + 2, v) && v < c->len && c->text[v] == ')') k = v + 1;
  }
  *out_words = n;
  return k;
}

/* A known place written in lower case (up to 3 words: "calgary", "south africa"), not a
 * common word; its end, or i. */
static size_t lower_place(const struct deid_vctx *c, size_t i, size_t w) {
  size_t best = i, k = w;
  for (int n = 0; n < 3; n++) {
    char f[96];
    size_t fl = deid_fold(c->text + i, k - i, f, sizeof f);
    const struct lex_entry *le = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
    if (le && (le->flags & (LF_CITY | LF_COUNTRY | LF_REGION)) && !le->wf && !(le->flags & LF_STOP)) best = k;
    if (k + 1 >= c->len || c->text[k] != ' ') break;
    size_t v = word_end(c, k + 1);
    if (v == k + 1) break;
    k = v;
  }
  return best;
}

/* Extends an address that ends at e over what follows it: unit, directional, city, state or
 * region, postal code, country, separated by commas, spaces or line breaks. */
static size_t extend_address(const struct deid_vctx *c, size_t e) {
  size_t best = e;
  int parts = 0;
  bool pending_city = false;
  size_t city_end = e;
  for (;;) {
    if (parts >= 8 || e >= c->len) {
      /* an unconfirmed city that ends the text, after a street and a unit: the city */
      if (pending_city && parts >= 2 && e >= c->len) best = city_end;
      break;
    }
    /* the separator: spaces, at most one comma, at most two line breaks (each maybe with a
     * list's bullet after it) */
    size_t i = e;
    int commas = 0, nls = 0;
    while (i < c->len && i - e < 12) {
      char ch = c->text[i];
      if (ch == ',') commas++;
      else if (ch == '\n') {
        nls++;
        i = skip_bullet(c, i + 1);
        continue;
      } else if (ch != ' ' && ch != '\t' && ch != '\r') break;
      i++;
    }
    if (commas > 1 || nls > 2 || i >= c->len) {
      if (pending_city && parts >= 2 && (i >= c->len || nls)) best = city_end;
      break;
    }
    bool sep = commas || nls || i - e >= 2;
    size_t w = word_end(c, i);
    if (c->text[i] == '#' && i + 1 < c->len) w = word_end(c, i + 1) > i + 1 ? word_end(c, i + 1) : i;
    if (w == i) break;
    /* unit: "Apt. 864", "Suite 501", "#4B" */
    if (c->text[i] == '#' || word_in(c, i, w, unit_words, true)) {
      size_t k = w;
      if (c->text[i] != '#') {
        if (k < c->len && c->text[k] == '.') k++;
        while (k < c->len && c->text[k] == ' ') k++;
        if (k < c->len && c->text[k] == '#') k++;
        size_t v = word_end(c, k);
        if (v == k || v - k > 8) break;
        w = v;
      }
      e = best = w;
      parts++;
      continue;
    }
    if (word_in(c, i, w, directionals, false) && !sep) {
      e = best = w + (w < c->len && c->text[w] == '.');
      parts++;
      continue;
    }
    size_t pc = postal_code(c, i);
    if (pc > i && (all_digits(c->text + i, w - i) ? w - i >= 4 || sep || pending_city : true)) {
      e = best = pc;
      pending_city = false;
      parts++;
      continue;
    }
    /* "nan": a missing field in some exports; it confirms the city before it */
    if (w - i == 3 && !strncmp(c->text + i, "nan", 3) && (sep || pending_city)) {
      if (pending_city) best = w;
      pending_city = false;
      e = w;
      parts++;
      continue;
    }
    /* state or region: two capitals, or a region name; after a city and a comma, one to three
     * capitals ("Muel, Z", "Kaster, VWV", "BUNDALAGUAH, VIC") */
    const struct lex_entry *le = word_lex(c, i, w);
    bool caps = true;
    for (size_t q = i; q < w && caps; q++) caps = is_upper((unsigned char)c->text[q]);
    if ((caps && (w - i == 2 || (w - i <= 3 && pending_city && commas))) ||
        (le && (le->flags & LF_REGION) && capital_word(c, i, w))) {
      if (pending_city) best = city_end;
      e = best = w;
      pending_city = false;
      parts++;
      continue;
    }
    /* city or country: up to 3 capitalized words; in a lower-case address, a known place */
    if (!capital_word(c, i, w)) {
      size_t lp = lower_place(c, i, w);
      if (lp == i) break;
      if (pending_city) best = city_end;
      e = best = lp;
      pending_city = false;
      parts++;
      continue;
    }
    int run_words;
    size_t k = place_run(c, i, w, &run_words);
    /* a place followed by a postal code ("Greenlander 52888", "Cyprus (Greek) 13475"): a
     * country or region closing the address; it confirms the city before it */
    if (k + 1 < c->len && c->text[k] == ' ' && is_digit((unsigned char)c->text[k + 1])) {
      size_t pk = postal_code(c, k + 1);
      if (pk > k + 1 && pk - k - 1 >= 4) {
        if (pending_city) best = city_end;
        e = best = pk;
        pending_city = false;
        parts++;
        continue;
      }
    }
    /* "POLSING OO", "Veszprém VE": a city and a state's two capitals */
    if (run_words >= 2 && k - 2 > i && c->text[k - 3] == ' ' && is_upper((unsigned char)c->text[k - 2]) &&
        is_upper((unsigned char)c->text[k - 1])) {
      if (pending_city) best = city_end;
      e = best = k;
      pending_city = false;
      parts++;
      continue;
    }
    char f[96];
    size_t fl = deid_fold(c->text + i, k - i, f, sizeof f);
    const struct lex_entry *ce = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
    /* "Coalville South Africa": a city, then a country or state in the same run */
    size_t tail = k;
    if (!ce) {
      for (size_t q = i; q < k; q++) {
        if (c->text[q] != ' ') continue;
        size_t tl = deid_fold(c->text + q + 1, k - q - 1, f, sizeof f);
        const struct lex_entry *te = tl <= sizeof f ? deid_lex_get(f, tl) : NULL;
        if (te && (te->flags & (LF_COUNTRY | LF_REGION))) {
          tail = q;
          break;
        }
      }
    }
    if (tail < k) {
      e = best = k;
      pending_city = false;
      parts++;
      continue;
    }
    if (le && (le->flags & (LF_STOP | LF_TIME)) && !(ce && (ce->flags & (LF_CITY | LF_COUNTRY)))) break;
    if (ce && (ce->flags & LF_COUNTRY) && !(ce->flags & LF_CITY)) {
      if (pending_city) best = city_end;
      e = best = k;
      pending_city = false;
      parts++;
      continue;
    }
    /* a city counts when it is set apart (comma, line break) or known, and is confirmed by
     * what follows (state, postal code, country) or by being known */
    if (pending_city) break; /* two cities in a row: not an address any more */
    pending_city = true;
    city_end = k;
    /* set apart (comma, line break) and known, or on its own line: a city; else it waits for
     * a state, postal code or country to confirm it */
    if ((ce && (ce->flags & LF_CITY) && sep) || nls) best = k;
    /* after a comma, closing the sentence or the text: "31 Seneca Place, Marshland." */
    if (commas && (k >= c->len || c->text[k] == '\n' || c->text[k] == '\r' ||
                   ((c->text[k] == '.' || c->text[k] == '?' || c->text[k] == '!' || c->text[k] == ';') &&
                    (k + 1 >= c->len || c->text[k + 1] == ' ' || c->text[k + 1] == '\n' || c->text[k + 1] == '"'))))
      best = k;
    e = k;
    parts++;
  }
  return best;
}

/* Before an address: a unit ("Apt. 675 ") or a stray number ("6750 Koskikatu 25"). */
static size_t extend_back(const struct deid_vctx *c, size_t s) {
  size_t i = s;
  while (i > 0 && c->text[i - 1] == ' ') i--;
  size_t j = i;
  while (j > 0 && is_alnum((unsigned char)c->text[j - 1])) j--;
  if (j == i || i == s) return s;
  if (all_digits(c->text + j, i - j) && i - j <= 6 && (j == 0 || !wordc(c, j - 1))) {
    /* "Apt. 675 62314 Mellemvej 32": a unit before the number too */
    size_t k = j;
    while (k > 0 && c->text[k - 1] == ' ') k--;
    if (k > 0 && c->text[k - 1] == '.') k--;
    size_t u = k;
    while (u > 0 && is_alpha((unsigned char)c->text[u - 1])) u--;
    if (u < k && word_in(c, u, k, unit_words, true)) return u;
    return j;
  }
  return s;
}

/* A word of a street's name, before or after its number: capitalized ("Heatherleigh"), a
 * street type or particle, an abbreviation ("ul.", "u."), a street type of another language,
 * or an unknown word in lower case ("trg revolucije"). */
static bool street_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a || b - a > 40) return false;
  if (capital_word(c, a, b) || foreign_type(c, a, b) || foreign_lower_word(c, a, b)) return true;
  const struct lex_entry *le = word_lex(c, a, b);
  if (le && (le->flags & (LF_STREET | LF_PARTICLE))) return true;
  return b - a <= 4 && c->text[b - 1] == '.' && is_alpha((unsigned char)c->text[a]);
}

/* A house number: 1-6 digits, maybe a letter or a period after ("12B", "13."). */
static bool house_number(const struct deid_vctx *c, size_t a, size_t b) {
  size_t d = a;
  while (d < b && is_digit((unsigned char)c->text[d])) d++;
  if (d == a || d - a > 6) return false;
  if (d < b && (is_alpha((unsigned char)c->text[d]) || c->text[d] == '.')) d++;
  return d == b;
}

/* The token (no space, comma or line break in it) that ends at i; its start. */
static size_t token_before(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j > 0 && c->text[j - 1] != ' ' && c->text[j - 1] != '\n' && c->text[j - 1] != ',' &&
         c->text[j - 1] != '\t' && i - j < 40)
    j--;
  return j;
}

/* Before a unit ("Suite 620", "apt. 858"): the street it belongs to when no street type says
 * so: a number and up to 4 name words ("2505 Heatherleigh Suite 620"), or up to 4 name words
 * and a number ("Hlíðarvegur 97 Suite 568", "trg revolucije 17 apt. 858"); its start, or s. */
static size_t street_before_unit(const struct deid_vctx *c, size_t s) {
  size_t q = s;
  if (q > 0 && c->text[q - 1] == ' ') q--;
  if (q > 0 && c->text[q - 1] == ',') q--;
  if (q == s || q == 0) return s;
  size_t a = token_before(c, q);
  if (a == q) return s;
  size_t start = SIZE_MAX;
  int words = 0;
  if (house_number(c, a, q)) { /* Euro: the name before the number */
    for (size_t pos = a; words < 4 && pos > 1 && c->text[pos - 1] == ' ';) {
      size_t t = token_before(c, pos - 1);
      if (t == pos - 1 || !street_word(c, t, pos - 1)) break;
      words++;
      start = pos = t;
    }
  } else { /* US: the number before the name */
    for (size_t pos = q; words <= 4;) {
      size_t t = token_before(c, pos);
      if (t == pos) break;
      if (all_digits(c->text + t, pos - t) && pos - t <= 6) {
        if (words) start = t;
        break;
      }
      if (!street_word(c, t, pos)) break;
      words++;
      if (t < 2 || c->text[t - 1] != ' ') break;
      pos = t - 1;
    }
  }
  if (start == SIZE_MAX) return s;
  return extend_back(c, start);
}

/* Words that say an address is near. */
static const char *const address_cues[] = {"address", "lives", "live", "living", "located", "office", "corner",
                                           "street", "avenue", "road", "drops you off", "meet me", "send", "sent",
                                           "ship", "deliver", "mail", "return to", "taxi to", "moved to", "resides",
                                           "house", "home", "apartment", "flat", " at ", " on ", NULL};

/* NOSOM "Words 12": back from the number over up to 5 words (the first capitalized) to a
 * possible postal code or house number; kept only with evidence of an address. */
static enum ds_status v_addr_euro(struct deid_vctx *c, size_t e) {
  size_t i = e;
  while (i > 0 && (is_alnum((unsigned char)c->text[i - 1]))) i--;
  size_t num = i;
  if (!is_digit((unsigned char)c->text[num])) return DS_OK;
  if (e < c->len && (c->text[e] == '%' || c->text[e] == ':' || c->text[e] == '/' ||
                     (c->text[e] == '.' && e + 1 < c->len && is_digit((unsigned char)c->text[e + 1]))))
    return DS_OK;
  if (i == 0 || c->text[i - 1] != ' ') return DS_OK;
  i--;
  size_t first = SIZE_MAX;
  int words = 0;
  bool common = false, typed = false;
  for (; words < 5 && i > 0;) {
    size_t j = i;
    while (j > 0 && c->text[j - 1] != ' ' && c->text[j - 1] != '\n' && c->text[j - 1] != ',' && i - j < 40) j--;
    if (j == i) break;
    bool digits = true;
    for (size_t k = j; k < i; k++) digits &= is_digit((unsigned char)c->text[k]) != 0;
    if (digits) break; /* a postal code or house number before the name */
    const struct lex_entry *le = word_lex(c, j, i);
    /* a street type of another language right before the number ("Rákóczi út 13.", "Luite
     * tee 87"): the name before it may be in lower case ("Árpád fejedelem útja 3.") */
    if (words == 0 && foreign_type(c, j, i)) typed = true;
    bool cap = capital_word(c, j, i) || (i - j <= 4 && c->text[i - 1] == '.'); /* "ul.", "u.", "Av" */
    if (!cap && !(le && (le->flags & (LF_STREET | LF_PARTICLE))) && !(typed && (words == 0 || foreign_lower_word(c, j, i))))
      break; /* "on", "of", "version" */
    if (le && le->wf && le->wf <= 2 && !(le->flags & (LF_STREET | LF_PARTICLE)) && !le->fn && !le->sn &&
        !(typed && words == 0))
      common = true;
    if (cap) first = j;
    words++;
    if (j == 0 || c->text[j - 1] != ' ') {
      i = j;
      break;
    }
    i = j - 1;
  }
  if (first == SIZE_MAX || common) return DS_OK;
  size_t s = first;
  /* the evidence */
  bool lead_number = false;
  size_t k = s;
  while (k > 0 && c->text[k - 1] == ' ') k--;
  size_t d = k;
  while (d > 0 && is_digit((unsigned char)c->text[d - 1])) d--;
  if (d < k && k - d >= 2 && k - d <= 6 && (d == 0 || !wordc(c, d - 1))) lead_number = true;
  bool more = false;
  if (e < c->len) {
    size_t m = e;
    while (m < c->len && (c->text[m] == ' ' || c->text[m] == ',')) m++;
    size_t w = word_end(c, m);
    /* a unit word, or a street, city or country word written as a name ("and", "app" are
     * places somewhere too) */
    more = (m > e && (word_in(c, m, w, unit_words, true) ||
                      (w > m && is_upper((unsigned char)c->text[m]) && word_lex(c, m, w) &&
                       (word_lex(c, m, w)->flags & (LF_STREET | LF_CITY | LF_COUNTRY))))) ||
           (m < c->len && c->text[m] == '\n' && m + 1 < c->len && is_upper((unsigned char)c->text[m + 1]));
    if (c->text[e] == ',' && m < c->len && is_upper((unsigned char)c->text[m])) more = true;
  }
  if (!lead_number && !more && !(typed && words >= 2)) {
    /* the costliest evidence last: an address word before it */
    char win[96];
    deid_window(c, s, e, 48, 0, win, sizeof win);
    if (!deid_has_word(win, address_cues)) return DS_OK;
  }
  /* a year after a name is a date, not a house ("Windows 2000", "May 2021") */
  if (!lead_number && e - num == 4) {
    int y = deid_digits(c->text + num, e - num);
    if (y >= 1800 && y <= 2099) return DS_OK;
  }
  if (lead_number) s = d;
  return deid_push(c, extend_back(c, s), extend_address(c, e), T_ADDRESS);
}

/* NOSOM "63 Avenue du Golf Arabe", "31 rue tachkent": from the number before the street type,
 * over up to 6 name words after it (capitalized, particles, words that are no common English
 * word); at least one of them no common word ("3 Route Map", "5 via Slack" are not streets). */
static enum ds_status v_addr_num_prefix(struct deid_vctx *c, size_t e) {
  size_t i = e - 1; /* the space after the type */
  if (i > 0 && c->text[i - 1] == '.') i--;
  while (i > 0 && (is_alpha((unsigned char)c->text[i - 1]) || (unsigned char)c->text[i - 1] >= 0x80 ||
                   c->text[i - 1] == '/'))
    i--;
  if (i == 0 || c->text[i - 1] != ' ') return DS_OK;
  i--;
  if (i > 0 && c->text[i - 1] == ',') i--;
  if (i > 0 && is_alpha((unsigned char)c->text[i - 1])) i--;
  size_t s = i;
  while (s > 0 && is_digit((unsigned char)c->text[s - 1])) s--;
  if (s == i || (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '.' || c->text[s - 1] == '$'))) return DS_OK;
  size_t k = e, end = SIZE_MAX;
  int words = 0;
  bool named = false;
  while (k < c->len && words < 6) {
    size_t w = word_end(c, k);
    if (w == k || word_in(c, k, w, unit_words, true)) break;
    const struct lex_entry *le = word_lex(c, k, w);
    bool particle = (le && (le->flags & LF_PARTICLE)) || word_in(c, k, w, place_particles, false) ||
                    (w - k == 2 && c->text[k] == 'd' && c->text[k + 1] == '\'');
    if (particle) {
      /* "d'Italie", "de la Paix": a particle is never the last word */
    } else if (capital_word(c, k, w) || foreign_lower_word(c, k, w)) {
      if (!le || (!le->wf && !(le->flags & LF_STOP))) named = true;
      else if (!capital_word(c, k, w) || (le->flags & LF_STOP)) break;
      end = w;
    } else {
      break;
    }
    words++;
    if (w >= c->len || c->text[w] != ' ') break;
    k = w + 1;
  }
  if (!named || end == SIZE_MAX) return DS_OK;
  return deid_push(c, extend_back(c, s), extend_address(c, end), T_ADDRESS);
}

/* "the corner of A and B": two streets, each with a number or a street word. */
static enum ds_status v_addr_corner(struct deid_vctx *c, size_t s, size_t e) {
  size_t i = e, streets = 0, evidence = 0, end = e;
  for (int part = 0; part < 2; part++) {
    size_t a = i;
    int words = 0;
    while (i < c->len && words < 7) {
      size_t w = word_end(c, i);
      if (c->text[i] == '#' || c->text[i] == '.') {
        i++;
        continue;
      }
      if (w == i) break;
      const struct lex_entry *le = word_lex(c, i, w);
      if (words && w - i == 3 && !strncmp(c->text + i, "and", 3)) break;
      if (le && (le->flags & LF_STREET)) evidence++;
      if (is_digit((unsigned char)c->text[i])) evidence++;
      else if (!capital_word(c, i, w) && !(le && (le->flags & (LF_STREET | LF_PARTICLE | LF_UNIT))) &&
               !(w - i <= 3 && w < c->len && c->text[w] == '.'))
        break;
      words++;
      i = w;
      if (i < c->len && c->text[i] == '.' && i + 1 < c->len && c->text[i + 1] == ' ') i++;
      if (i < c->len && c->text[i] == ' ') i++;
      else break;
    }
    if (!words) break;
    streets++;
    end = i;
    while (end > a && (c->text[end - 1] == ' ')) end--;
    if (part == 0) {
      if (i + 4 > c->len || strncmp(c->text + i, "and ", 4)) break;
      i += 4;
    }
  }
  if (streets < 1 || !evidence) return DS_OK;
  return deid_push(c, s, extend_address(c, end), T_ADDRESS);
}

static enum ds_status v_addr(struct deid_vctx *c, int kind, size_t s, size_t e) {
  if (kind == K_ADDR_EURO) return v_addr_euro(c, e);
  if (kind == K_ADDR_CORNER) return v_addr_corner(c, s, e);
  if (kind == K_ADDR_EURO_PREFIX) {
    if ((s = euro_prefix_start(c, e)) == SIZE_MAX) return DS_OK;
  } else if (kind == K_ADDR_STREET || kind == K_ADDR_EURO_SUFFIX) {
    s = kind == K_ADDR_STREET ? street_start(c, e) : euro_start(c, e);
    if (s == SIZE_MAX) return DS_OK;
    if (kind == K_ADDR_STREET) {
      /* "Hwy 50", "Route 66": the route number after the suffix */
      size_t k = e;
      if (k + 1 < c->len && c->text[k] == ' ' && is_digit((unsigned char)c->text[k + 1])) {
        size_t v = k + 1;
        while (v < c->len && is_alnum((unsigned char)c->text[v])) v++;
        const char *sfx = c->text + e - 3;
        if (e >= 3 && (!strncasecmp(sfx, "hwy", 3) || !strncasecmp(sfx, "ute", 3) || !strncasecmp(sfx, "Rte", 3) ||
                       !strncasecmp(sfx, "way", 3)))
          e = v;
      }
      size_t sfx = e;
      while (sfx > 0 && is_alpha((unsigned char)c->text[sfx - 1])) sfx--;
      if (e < c->len && c->text[e] == '.' && e - sfx <= 4 && e > sfx) { /* "St.", "Ave.", "Blvd." */
        /* "St." is the abbreviation's period unless a sentence ends there */
        if (!(e + 2 < c->len && c->text[e + 1] == ' ' && is_upper((unsigned char)c->text[e + 2]) &&
              !deid_lex_word(c->text + e + 2, word_end(c, e + 2) - e - 2)))
          e++;
      }
    }
  } else if (kind == K_ADDR_UNIT || kind == K_ADDR_MIL) {
    if (s > 0 && wordc(c, s - 1)) return DS_OK;
    static const char *const apt[] = {"apt", "apartment", "suite", "ste", NULL};
    size_t w = s;
    while (w < e && is_alpha((unsigned char)c->text[w])) w++;
    size_t b = kind == K_ADDR_UNIT && word_in(c, s, w, apt, true) ? street_before_unit(c, s) : s;
    if (b == s) b = extend_back(c, s);
    return deid_push(c, b, extend_address(c, e), T_ADDRESS);
  }
  s = extend_back(c, s);
  return deid_push(c, s, extend_address(c, e), T_ADDRESS);
}

enum ds_status deid_validate_place(struct deid_vctx *c, int kind, int type, size_t s, size_t e) {
  switch (kind) {
  case K_ADDR_STREET:
  case K_ADDR_UNIT:
  case K_ADDR_EURO:
  case K_ADDR_EURO_SUFFIX:
  case K_ADDR_EURO_PREFIX:
  case K_ADDR_MIL:
  case K_ADDR_CORNER: return v_addr(c, kind, s, e);
  case K_ADDR_NUM_PREFIX: return v_addr_num_prefix(c, e);
  default: return deid_validate_date(c, kind, type, s, e);
  }
}
