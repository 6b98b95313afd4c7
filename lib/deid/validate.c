/* validate.c: checks run on Hyperscan candidates of numbers and addresses only: Luhn, IBAN
 * mod-97 with the country length table, SSN ranges, inet_pton, context words near a number,
 * e-mail extents; the dispatch to every validator. Secrets: validate_secret.c; addresses,
 * dates and labeled numbers: validate_place.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deid_int.h"

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }

enum ds_status deid_push(struct deid_vctx *c, size_t s, size_t e, int type) {
  if (e <= s || !c->enabled[type]) return DS_OK;
  if (deid_allow_value(c->allow, type, c->text + s, e - s)) return DS_OK;
  /* the same span from overlapping candidates of one pattern is kept once */
  if (c->out->n) {
    struct deid_span *last = &c->out->v[c->out->n - 1];
    if (last->start == s && last->end == e && last->type == type) return DS_OK;
  }
  return deid_vec_push(c->out, s, e, type);
}

bool deid_luhn_ok(const char *p, size_t len) {
  int sum = 0, n = 0;
  for (size_t i = len; i-- > 0;) {
    if (!is_digit((unsigned char)p[i])) continue;
    int x = p[i] - '0';
    if (n++ & 1) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return n > 0 && sum % 10 == 0;
}

/* IBAN lengths by country (ISO 13616 registry, and the national IBAN-format accounts of
 * countries outside it: Algeria, Angola, the BCEAO/BEAC states, Iran, Morocco, ...). */
static const struct { char cc[3]; unsigned char len; } iban_len[] = {
  {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AO", 25}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BF", 28},
  {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BJ", 28}, {"BR", 29}, {"BY", 28}, {"CF", 27}, {"CG", 27}, {"CH", 21},
  {"CI", 28}, {"CM", 27}, {"CR", 22}, {"CV", 25}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18},
  {"DO", 28}, {"DZ", 26}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27},
  {"GA", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GQ", 27}, {"GR", 27}, {"GT", 28}, {"GW", 25},
  {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IR", 26}, {"IS", 26}, {"IT", 27},
  {"JO", 30}, {"KM", 27}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
  {"LV", 21}, {"LY", 25}, {"MA", 28}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MG", 27}, {"MK", 19}, {"ML", 28},
  {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"MZ", 25}, {"NE", 28}, {"NI", 28}, {"NL", 18}, {"NO", 15},
  {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
  {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SN", 28}, {"SO", 23},
  {"ST", 25}, {"SV", 28}, {"TD", 27}, {"TG", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22},
  {"VG", 24}, {"XK", 20},
};

static int iban_country_len(char a, char b) {
  a = (char)toupper((unsigned char)a);
  b = (char)toupper((unsigned char)b);
  for (size_t i = 0; i < DS_ARRAY_LEN(iban_len); i++)
    if (iban_len[i].cc[0] == a && iban_len[i].cc[1] == b) return iban_len[i].len;
  return 0;
}

/* Checks an IBAN at p (spaces between characters allowed); *out_used = bytes it covers. */
bool deid_iban_ok(const char *p, size_t len, size_t *out_used) {
  if (len < 4) return false;
  int want = iban_country_len(p[0], p[1]);
  char buf[40];
  size_t n = 0, i = 0, used = 0;
  for (; i < len && n < sizeof buf; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch == ' ') continue;
    if (!is_alnum(ch)) break;
    buf[n++] = (char)toupper(ch);
    used = i + 1;
    if (want && (int)n == want) break;
  }
  if (!want || (int)n != want) return false; /* no IBAN country: an identifier, not an IBAN ("eb688533deef0cd1") */
  if (!is_alpha(buf[0]) || !is_alpha(buf[1]) || !is_digit(buf[2]) || !is_digit(buf[3])) return false;
  unsigned rem = 0;
  for (size_t k = 0; k < n; k++) {
    char ch = buf[(k + 4) % n];
    if (is_digit(ch)) rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
    else if (is_upper(ch)) rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
    else return false;
  }
  if (rem != 1) return false;
  if (out_used) *out_used = used;
  return true;
}

double deid_entropy(const char *p, size_t len) {
  if (!len) return 0;
  unsigned cnt[256] = {0};
  for (size_t i = 0; i < len; i++) cnt[(unsigned char)p[i]]++;
  double h = 0;
  for (int i = 0; i < 256; i++) {
    if (!cnt[i]) continue;
    double q = (double)cnt[i] / (double)len;
    h -= q * log2(q);
  }
  return h;
}

/* Lower-cased window of up to `before` bytes before s and `after` bytes after e. */
size_t deid_window(const struct deid_vctx *c, size_t s, size_t e, size_t before, size_t after, char *buf,
                     size_t cap) {
  size_t a = s > before ? s - before : 0;
  size_t b = e + after < c->len ? e + after : c->len;
  size_t n = 0;
  for (size_t i = a; i < b && n + 1 < cap; i++) {
    if (i == s) {
      buf[n++] = '|'; /* the candidate itself is left out */
      i = e - 1;
      continue;
    }
    buf[n++] = (char)tolower((unsigned char)c->text[i]);
  }
  buf[n] = 0;
  return n;
}

/* The words of one list by their first two bytes, for deid_has_word: a chain of word indexes
 * per hash of the first two bytes (1-byte words by the byte alone). */
#define HW_MAX 256
struct hw_index {
  const char *const *words; /* the list indexed (NULL: none) */
  bool empty;               /* the list holds "" */
  unsigned char head[64], next[HW_MAX]; /* index + 1; 0 ends a chain */
};

static unsigned hw_hash(unsigned char c0, unsigned char c1) { return (c0 * 31u + c1) & 63; }

/* The index of words from a small per-thread cache (the lists are static), or NULL when the list
 * is too long to index. */
static const struct hw_index *hw_get(const char *const *words) {
  static _Thread_local struct hw_index cache[8];
  struct hw_index *x = &cache[((uintptr_t)words >> 4) & 7];
  if (x->words == words) return x;
  size_t n = 0;
  while (words[n]) n++;
  if (n >= HW_MAX) return NULL;
  memset(x, 0, sizeof *x);
  for (size_t i = n; i-- > 0;) { /* chains in list order */
    unsigned char c0 = (unsigned char)words[i][0], c1 = c0 ? (unsigned char)words[i][1] : 0;
    if (!c0) x->empty = true;
    unsigned h = hw_hash(c0, c1);
    x->next[i] = x->head[h];
    x->head[h] = (unsigned char)(i + 1);
  }
  x->words = words;
  return x;
}

static bool hw_at(const char *f, const char *w) {
  while (*w && *f == *w) f++, w++;
  return !*w;
}

/* True when one of words occurs in the window, starting at a word boundary. One pass over the
 * window (a strstr per word went over it once for each word): at a boundary position only the
 * words that start with its first byte, or its first two bytes, are compared. */
bool deid_has_word(const char *win, const char *const *words) {
  const struct hw_index *x = hw_get(words);
  if (!x) {
    for (; *words; words++) {
      for (const char *f = win; (f = strstr(f, *words)) != NULL; f++)
        if (f == win || !is_alnum((unsigned char)f[-1])) return true;
    }
    return false;
  }
  if (x->empty) return true; /* "" occurs at the start of any window */
  bool boundary = true;
  for (const char *f = win; *f; f++) {
    unsigned char ch = (unsigned char)f[0];
    if (boundary) {
      for (unsigned k = x->head[hw_hash(ch, 0)]; k; k = x->next[k - 1])
        if (hw_at(f, words[k - 1])) return true;
      for (unsigned k = x->head[hw_hash(ch, (unsigned char)f[1])]; k; k = x->next[k - 1])
        if (hw_at(f, words[k - 1])) return true;
    }
    boundary = !is_alnum(ch);
  }
  return false;
}

static const char *const phone_words[] = {
  "phone", "tel", "mobile", "mob:", "cell", "fax", "desk", "office", "call", "sms", "text me", "texting",
  "whatsapp", "telegram", "dial", "contact", "reach", "hotline", "landline", "ring me", "messag", "answer",
  "voicemail", "number", "extension", "ph:", "ph.", "handy", "telefon", "téléphone", "móvil", "celular", NULL};
static const char *const not_phone_words[] = {
  "order", "invoice", "account", "tracking", "ticket", "case", "serial", "model", "version", "isbn", "ref",
  "id:", "id ", "zip", "postal", "postcode", "po box", "box ", "amount", "total", "price", "$", "€", "£",
  "card", "iban", "ssn", "social security", "routing", "sort code", "swift", "license", "licence",
  "passport", "permit", NULL};
static const char *const strong_phone_words[] = {"phone", "tel", "mobile", "cell", "fax", "call", "whatsapp",
                                                 "sms", NULL};
static const char *const card_words[] = {
  "card", "cc", "visa", "mastercard", "master card", "amex", "american express", "discover", "maestro", "jcb",
  "diners", "credit", "debit", "payment", "pan", "cvv", "expir", "charge", NULL};
static const char *const ssn_words[] = {"ssn", "social security", "social sec", "ss#", "ss no", "ss number",
                                        "tin", "taxpayer", NULL};

static bool left_clear(const struct deid_vctx *c, size_t s) {
  return s == 0 || !is_alnum((unsigned char)c->text[s - 1]);
}
static bool right_clear(const struct deid_vctx *c, size_t e) {
  return e >= c->len || !is_alnum((unsigned char)c->text[e]);
}

/* A number that continues as a dotted/dashed sequence beyond the candidate is part of
 * something else (a version, a longer id, a date). */
static bool continues(const struct deid_vctx *c, size_t s, size_t e) {
  if (s >= 2 && (c->text[s - 1] == '.' || c->text[s - 1] == '-' || c->text[s - 1] == '/') &&
      is_digit((unsigned char)c->text[s - 2]))
    return true;
  if (e + 1 < c->len && (c->text[e] == '.' || c->text[e] == '-' || c->text[e] == '/') &&
      is_digit((unsigned char)c->text[e + 1]))
    return true;
  return false;
}

/* dd?[./-]dd?[./-]dd(dd)? or dddd[./-]dd[./-]dd with plausible month/day: a date. */
bool deid_looks_like_date(const char *p, size_t len) {
  int g[4] = {0}, gl[4] = {0}, ng = 0;
  char sep = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (is_digit(ch)) {
      if (ng == 0) ng = 1;
      if (++gl[ng - 1] > 4) return false;
      g[ng - 1] = g[ng - 1] * 10 + (ch - '0');
    } else if (ch == '.' || ch == '-' || ch == '/' || ch == ' ') {
      if (sep && ch != sep) return false;
      sep = (char)ch;
      if (ng >= 3) return false;
      ng++;
    } else return false;
  }
  if (ng != 3) return false;
  if (gl[0] == 4 && gl[1] <= 2 && gl[2] <= 2) return g[1] >= 1 && g[1] <= 12 && g[2] >= 1 && g[2] <= 31;
  if (gl[0] <= 2 && gl[1] <= 2 && (gl[2] == 4 || gl[2] == 2))
    return g[0] >= 1 && g[0] <= 31 && g[1] >= 1 && g[1] <= 31 && (g[0] <= 12 || g[1] <= 12);
  return false;
}

/* Digits before an extension marker ("x123", "ext. 4"). */
static size_t phone_digits(const char *p, size_t len, size_t *out_ext_at) {
  size_t n = 0;
  *out_ext_at = len;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch == 'x' || ch == 'e') {
      *out_ext_at = i;
      break;
    }
    n += is_digit(ch);
  }
  return n;
}

static size_t n_groups(const char *p, size_t len) {
  size_t g = 0;
  bool in = false;
  for (size_t i = 0; i < len; i++) {
    bool d = is_digit((unsigned char)p[i]);
    if (d && !in) g++;
    in = d;
  }
  return g;
}

/* NOSOM grouped number: back from the end over digit groups joined by one separator, an
 * optional "(area)" group and an extension; the start of the whole run. */
static size_t grouped_start(const struct deid_vctx *c, size_t e) {
  size_t i = e, nd = 0;
  /* extension */
  for (size_t k = e; k > 0 && e - k < 12; k--) {
    unsigned char ch = (unsigned char)c->text[k - 1];
    if (ch == 'x' || (ch == 't' && k >= 3 && !strncmp(c->text + k - 3, "ext", 3))) {
      size_t j = ch == 'x' ? k - 1 : k - 3;
      while (j > 0 && c->text[j - 1] == ' ') j--;
      i = j;
      break;
    }
    if (!is_digit(ch) && ch != ' ' && ch != '.') break;
  }
  for (;;) {
    size_t j = i;
    while (j > 0 && is_digit((unsigned char)c->text[j - 1])) j--;
    if (j == i) return SIZE_MAX;
    nd += i - j;
    if (nd > 16) return SIZE_MAX;
    i = j;
    if (i >= 2 && (c->text[i - 1] == ' ' || c->text[i - 1] == '.' || c->text[i - 1] == '-') &&
        is_digit((unsigned char)c->text[i - 2])) {
      i--;
      continue;
    }
    /* "(08) 8747" / "(579)888" */
    size_t k = i;
    if (k >= 1 && c->text[k - 1] == ' ') k--;
    if (k >= 3 && c->text[k - 1] == ')' && is_digit((unsigned char)c->text[k - 2])) {
      size_t j2 = k - 1;
      while (j2 > 0 && is_digit((unsigned char)c->text[j2 - 1])) j2--;
      if (j2 > 0 && c->text[j2 - 1] == '(' && k - 1 - j2 <= 5) return j2 - 1;
    }
    return i;
  }
}

/* Four groups of 1-3 digits joined by dots, each at most 255: an IPv4 address. */
static bool dotted_quad(const char *p, size_t n) {
  int groups = 0, digits = 0, val = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || p[i] == '.') {
      if (!digits || val > 255) return false;
      groups++;
      digits = val = 0;
      continue;
    }
    if (!is_digit((unsigned char)p[i]) || ++digits > 3) return false;
    val = val * 10 + (p[i] - '0');
  }
  return groups == 4;
}

static enum ds_status v_phone(struct deid_vctx *c, int kind, size_t s, size_t e) {
  if (kind == K_PHONE_GROUPED) {
    if ((s = grouped_start(c, e)) == SIZE_MAX) return DS_OK;
    /* judge the whole run of groups, not a prefix of it */
    while (e + 1 < c->len && (c->text[e] == ' ' || c->text[e] == '.' || c->text[e] == '-') &&
           is_digit((unsigned char)c->text[e + 1])) {
      e++;
      while (e < c->len && is_digit((unsigned char)c->text[e])) e++;
    }
  }
  const char *p = c->text + s;
  /* drop a trailing separator the grouped pattern cannot end on */
  while (e > s && !is_digit((unsigned char)c->text[e - 1])) e--;
  size_t len = e - s, ext_at;
  size_t nd = phone_digits(p, len, &ext_at);
  if (nd < 7 || nd > 15) return DS_OK;
  /* an IPv4 address (or a dotted run of the same shape, a version) is never a phone
   * number, and neither is a number inside a URL's host */
  if (dotted_quad(p, len)) return DS_OK;
  /* in code a bare or grouped run of digits is a number, not a phone */
  if ((kind == K_PHONE_GROUPED || kind == K_PHONE_BARE) && deid_in_ranges(c->code, s)) return DS_OK;
  if (s >= 3 && !memcmp(c->text + s - 3, "://", 3)) return DS_OK;
  if (e < c->len && (c->text[e] == '/' || (c->text[e] == ':' && e + 1 < c->len && is_digit((unsigned char)c->text[e + 1]))))
    return DS_OK;
  if (!right_clear(c, e)) return DS_OK;
  if (s > 0 && (is_alnum((unsigned char)c->text[s - 1]) || c->text[s - 1] == '_')) return DS_OK;
  if (kind != K_PHONE_INTL && s > 0 && c->text[s - 1] == '+') return DS_OK; /* the INTL pattern has it */
  if (continues(c, s, e)) return DS_OK;
  if (deid_looks_like_date(p, ext_at)) return DS_OK;
  char win[96], line[96];
  deid_window(c, s, e, 40, 16, win, sizeof win);
  bool ctx = deid_has_word(win, phone_words);
  /* words that make a number something else count on the same line only */
  size_t ls = s, le = e;
  while (ls > 0 && s - ls < 40 && c->text[ls - 1] != '\n') ls--;
  while (le < c->len && le - e < 16 && c->text[le] != '\n') le++;
  deid_window(c, s, e, s - ls, le - e, line, sizeof line);
  bool neg = deid_has_word(line, not_phone_words) && !deid_has_word(line, strong_phone_words);
  /* "2202 Rissik St", "106 Rue ...": a number followed by a capitalized word that is not a
   * phone label is a house number or an amount */
  bool trunk_shape = (p[0] == '0' || p[0] == '(') && nd >= 9;
  if ((kind == K_PHONE_GROUPED || kind == K_PHONE_BARE) && !trunk_shape && e + 1 < c->len && c->text[e] == ' ' &&
      is_upper((unsigned char)c->text[e + 1])) {
    static const char *const labels[] = {"office", "fax", "mobile", "home", "work", "cell", "tel", "desk",
                                         "ext", "phone", NULL};
    bool label = false;
    /* the text is given with its length and may not end with a NUL: compare only what is
     * there (the fuzzer found strncasecmp reading past the end here) */
    for (const char *const *l = labels; *l; l++) {
      size_t ll = strlen(*l);
      label |= c->len - (e + 1) >= ll && !strncasecmp(c->text + e + 1, *l, ll);
    }
    if (!label) return DS_OK;
  }
  switch (kind) {
  case K_PHONE_INTL:
    if (nd < 8) return DS_OK;
    break;
  case K_PHONE_NANP:
    if (neg && !ctx) return DS_OK;
    break;
  case K_PHONE_GROUPED: {
    size_t g = n_groups(p, ext_at);
    bool paren = p[0] == '(';
    bool trunk = p[0] == '0' && nd >= 9 && nd <= 12 && g >= 3;
    if (neg) return DS_OK;
    if (!ctx && !(paren && nd >= 8) && !trunk) return DS_OK;
    /* a list of small numbers ("10 20 30 40") is not a phone (French "01 84 17 61 18" is) */
    if (g >= 4 && nd == g * 2 && (!ctx || (g >= 5 && p[0] != '0'))) return DS_OK;
    break;
  }
  case K_PHONE_BARE:
    if (!ctx || neg || nd < 7) return DS_OK;
    break;
  }
  return deid_push(c, s, e, T_PHONE);
}

static bool card_iin(const char *d, size_t n) {
  int p2 = (d[0] - '0') * 10 + (d[1] - '0');
  int p4 = p2 * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;
  if (p2 >= 51 && p2 <= 55) return n == 16;
  if (p4 >= 2221 && p4 <= 2720) return n == 16;
  if (p2 == 34 || p2 == 37) return n == 15;
  if (p2 == 35 || p2 == 36 || p2 == 38 || p2 == 39 || p2 == 30) return n >= 14 && n <= 19;
  if (d[0] == '6') return n >= 13 && n <= 19;
  if (d[0] == '5') return n >= 12 && n <= 19; /* Maestro */
  if (p4 == 2131 || p4 == 1800) return n == 15;
  if (p4 == 604 /* 0604 */) return n >= 12;
  return false;
}

static enum ds_status v_card(struct deid_vctx *c, size_t s, size_t e) {
  char d[24];
  size_t n = 0;
  char sep = 0;
  for (size_t i = s; i < e; i++) {
    unsigned char ch = (unsigned char)c->text[i];
    if (is_digit(ch)) {
      if (n >= 19) return DS_OK;
      d[n++] = (char)ch;
    } else {
      if (sep && ch != sep) return DS_OK;
      sep = (char)ch;
    }
  }
  if (n < 12 || n > 19) return DS_OK;
  if (s > 0 && (c->text[s - 1] == '+' || c->text[s - 1] == '.' || c->text[s - 1] == ',')) return DS_OK;
  if (continues(c, s, e)) return DS_OK;
  if (!deid_luhn_ok(d, n)) return DS_OK;
  bool same = true;
  for (size_t i = 1; i < n; i++) same &= d[i] == d[0];
  if (same) return DS_OK;
  char win[96];
  deid_window(c, s, e, 48, 16, win, sizeof win);
  bool ctx = deid_has_word(win, card_words);
  if (!ctx && (n == 12 || !card_iin(d, n))) return DS_OK;
  return deid_push(c, s, e, T_CARD);
}

static enum ds_status v_iban(struct deid_vctx *c, size_t s, size_t e) {
  size_t used;
  if (!left_clear(c, s)) return DS_OK;
  if (!deid_iban_ok(c->text + s, e - s, &used)) return DS_OK;
  if (!right_clear(c, s + used)) return DS_OK;
  return deid_push(c, s, s + used, T_IBAN);
}

static enum ds_status v_ssn(struct deid_vctx *c, int kind, size_t s, size_t e) {
  char d[9];
  size_t n = 0;
  for (size_t i = s; i < e && n < 9; i++)
    if (is_digit((unsigned char)c->text[i])) d[n++] = c->text[i];
  if (n != 9 || continues(c, s, e)) return DS_OK;
  int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
  int group = (d[3] - '0') * 10 + (d[4] - '0');
  int serial = atoi((char[]){d[5], d[6], d[7], d[8], 0});
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return DS_OK;
  char win[96];
  deid_window(c, s, e, 48, 8, win, sizeof win);
  if (kind == K_SSN_CTX && !deid_has_word(win, ssn_words)) return DS_OK;
  return deid_push(c, s, e, T_SSN);
}

static enum ds_status v_ipv4(struct deid_vctx *c, size_t s, size_t e) {
  if (continues(c, s, e)) return DS_OK;
  if (s > 0 && c->text[s - 1] == '.') return DS_OK;
  const char *p = c->text + s;
  int oct = 0, ndig = 0, n = 0;
  for (size_t i = 0; i <= e - s; i++) {
    char ch = i < e - s ? p[i] : '.';
    if (ch == '.') {
      if (!ndig || oct > 255) return DS_OK;
      if (ndig > 1 && p[i - ndig] == '0') return DS_OK; /* leading zero: not an address */
      n++;
      oct = ndig = 0;
    } else {
      oct = oct * 10 + (ch - '0');
      ndig++;
    }
  }
  if (n != 4) return DS_OK;
  return deid_push(c, s, e, T_IP);
}

static bool hexc(int ch) { return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); }

static enum ds_status v_ipv6(struct deid_vctx *c, size_t e) {
  /* expand from the hit to the whole token of hex digits, colons and dots */
  size_t s = e;
  while (s > 0 && (hexc((unsigned char)c->text[s - 1]) || c->text[s - 1] == ':' || c->text[s - 1] == '.')) s--;
  while (e < c->len && (hexc((unsigned char)c->text[e]) || c->text[e] == ':' || c->text[e] == '.')) e++;
  while (e > s && c->text[e - 1] == '.') e--;
  while (s < e && c->text[s] == '.') s++;
  if (e - s < 3 || e - s > 45) return DS_OK;
  if (s > 0 && (is_alnum((unsigned char)c->text[s - 1]) || c->text[s - 1] == '_')) return DS_OK;
  if (e < c->len && (is_alnum((unsigned char)c->text[e]) || c->text[e] == '_')) return DS_OK;
  /* the same token already accepted from an earlier hit */
  if (c->out->n) {
    struct deid_span *last = &c->out->v[c->out->n - 1];
    if (last->start == s && last->type == T_IP) return DS_OK;
  }
  char buf[48];
  memcpy(buf, c->text + s, e - s);
  buf[e - s] = 0;
  bool digit = false;
  for (size_t i = 0; buf[i]; i++) digit |= is_digit((unsigned char)buf[i]);
  if (!digit) return DS_OK;
  unsigned char addr[16];
  if (inet_pton(AF_INET6, buf, addr) != 1) {
    /* "addr:port"-like tails or a trailing colon: try without the last ':' part */
    char *colon = strrchr(buf, ':');
    if (!colon || colon == buf) return DS_OK;
    *colon = 0;
    if (inet_pton(AF_INET6, buf, addr) != 1) return DS_OK;
    e = s + (size_t)(colon - buf);
  }
  return deid_push(c, s, e, T_IP);
}

static enum ds_status v_mac(struct deid_vctx *c, size_t s, size_t e) {
  if (s > 0 && (c->text[s - 1] == ':' || c->text[s - 1] == '-' || c->text[s - 1] == '.')) return DS_OK;
  if (e < c->len && (c->text[e] == ':' || (c->text[e] == '-' && e + 1 < c->len && hexc((unsigned char)c->text[e + 1]))))
    return DS_OK;
  bool digit = false;
  for (size_t i = s; i < e; i++) digit |= is_digit((unsigned char)c->text[i]);
  if (!digit) return DS_OK;
  return deid_push(c, s, e, T_MAC);
}


static bool local_char(int ch) {
  return is_alnum(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-' || ch == '\'';
}

static enum ds_status v_email(struct deid_vctx *c, size_t e) {
  /* NOSOM: the hit ends inside the domain; forward to the end of the domain (labels of
   * [A-Za-z0-9-] joined by dots, the last one 2+ letters), then back over the local part */
  size_t f = e, last_dot = 0;
  while (f < c->len) {
    unsigned char ch = (unsigned char)c->text[f];
    if (ch == '.' && f + 1 < c->len && is_alnum((unsigned char)c->text[f + 1])) last_dot = f;
    else if (!is_alnum(ch) && ch != '-') break;
    f++;
  }
  if (last_dot == 0) {
    for (size_t k = e; k > 0 && c->text[k - 1] != '@'; k--)
      if (c->text[k - 1] == '.') last_dot = k - 1;
  }
  if (f < c->len && c->text[f] == '_') return DS_OK;
  /* the top-level label: letters only, 2..24 */
  if (!last_dot || f - last_dot - 1 < 2 || f - last_dot - 1 > 24) return DS_OK;
  for (size_t k = last_dot + 1; k < f; k++)
    if (!is_alpha((unsigned char)c->text[k])) return DS_OK;
  e = f;
  size_t i = e;
  while (i > 0 && c->text[i - 1] != '@') {
    unsigned char ch = (unsigned char)c->text[i - 1];
    if (!is_alnum(ch) && ch != '.' && ch != '-') return DS_OK;
    i--;
  }
  if (i == 0) return DS_OK;
  size_t s = i - 1;
  while (s > 0 && local_char((unsigned char)c->text[s - 1]) && i - s < 256) s--;
  while (s < e && (c->text[s] == '.' || c->text[s] == '-' || c->text[s] == '\'')) s++;
  const char *at = c->text + i - 1;
  if (at == c->text + s) return DS_OK;
  /* file names like icon@2x.png are not addresses */
  const char *dot = c->text + e;
  while (dot > at && dot[-1] != '.') dot--;
  static const char *const ext[] = {"png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "css", "json",
                                    "py", "md", "txt", "html", "lock", "tgz", "zip", "map", NULL};
  size_t tl = (size_t)(c->text + e - dot);
  for (const char *const *x = ext; *x; x++)
    if (strlen(*x) == tl && !strncasecmp(dot, *x, tl)) return DS_OK;
  return deid_push(c, s, e, T_EMAIL);
}


enum ds_status deid_validate(struct deid_vctx *c, int kind, int type, size_t s, size_t e) {
  switch (kind) {
  case K_EMAIL: return v_email(c, e);
  case K_PHONE_INTL:
  case K_PHONE_NANP:
  case K_PHONE_GROUPED:
  case K_PHONE_BARE: return v_phone(c, kind, s, e);
  case K_CARD: return v_card(c, s, e);
  case K_IBAN: return v_iban(c, s, e);
  case K_SSN_DASH:
  case K_SSN_CTX: return v_ssn(c, kind, s, e);
  case K_IPV4: return v_ipv4(c, s, e);
  case K_IPV6: return v_ipv6(c, e);
  case K_MAC: return v_mac(c, s, e);
  case K_URL_USERINFO:
  case K_URL_PARAM:
  case K_TOKEN:
  case K_JWT:
  case K_PEM:
  case K_ASSIGN: return deid_validate_secret(c, kind, type, s, e);
  case K_CUSTOM: return deid_push(c, s, e, type);
  default: return deid_validate_place(c, kind, type, s, e);
  }
}
