/* validate.c: checks run on Hyperscan candidates only: Luhn, IBAN mod-97 with the country
 * length table, SSN ranges, inet_pton, entropy of secret values, context words near a
 * number, and the extent of names, addresses and labeled dates. */
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
static bool is_lower_or_utf8(int c) { return (c >= 'a' && c <= 'z') || (unsigned char)c >= 0x80; }

static enum ds_status push(struct deid_vctx *c, size_t s, size_t e, int type) {
  if (e <= s || !c->enabled[type]) return DS_OK;
  if (deid_allow_value(c->allow, type, c->text + s, e - s)) return DS_OK;
  /* the same span from overlapping candidates of one pattern is kept once */
  if (c->out->n) {
    struct deid_span *last = &c->out->v[c->out->n - 1];
    if (last->start == s && last->end == e && last->type == type) return DS_OK;
  }
  return deid_vec_push(c->out, s, e, type);
}

static size_t count_digits(const char *p, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += is_digit((unsigned char)p[i]);
  return n;
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

/* IBAN lengths by country (ISO 13616 registry). */
static const struct { char cc[3]; unsigned char len; } iban_len[] = {
  {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
  {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
  {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27},
  {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22},
  {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
  {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
  {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
  {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
  {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23},
  {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
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
  if (want ? (int)n != want : (n < 15 || n > 34)) return false;
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
static size_t window(const struct deid_vctx *c, size_t s, size_t e, size_t before, size_t after, char *buf,
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

/* True when one of words occurs in the window, starting at a word boundary. */
static bool has_word(const char *win, const char *const *words) {
  for (; *words; words++) {
    for (const char *f = win; (f = strstr(f, *words)) != NULL; f++)
      if (f == win || !is_alnum((unsigned char)f[-1])) return true;
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
static bool looks_like_date(const char *p, size_t len) {
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
  if (!right_clear(c, e)) return DS_OK;
  if (s > 0 && (is_alnum((unsigned char)c->text[s - 1]) || c->text[s - 1] == '_')) return DS_OK;
  if (kind != K_PHONE_INTL && s > 0 && c->text[s - 1] == '+') return DS_OK; /* the INTL pattern has it */
  if (continues(c, s, e)) return DS_OK;
  if (looks_like_date(p, ext_at)) return DS_OK;
  char win[96], line[96];
  window(c, s, e, 40, 16, win, sizeof win);
  bool ctx = has_word(win, phone_words);
  /* words that make a number something else count on the same line only */
  size_t ls = s, le = e;
  while (ls > 0 && s - ls < 40 && c->text[ls - 1] != '\n') ls--;
  while (le < c->len && le - e < 16 && c->text[le] != '\n') le++;
  window(c, s, e, s - ls, le - e, line, sizeof line);
  bool neg = has_word(line, not_phone_words) && !has_word(line, strong_phone_words);
  /* "2202 Rissik St", "106 Rue ...": a number followed by a capitalized word that is not a
   * phone label is a house number or an amount */
  bool trunk_shape = (p[0] == '0' || p[0] == '(') && nd >= 9;
  if ((kind == K_PHONE_GROUPED || kind == K_PHONE_BARE) && !trunk_shape && e + 1 < c->len && c->text[e] == ' ' &&
      is_upper((unsigned char)c->text[e + 1])) {
    static const char *const labels[] = {"office", "fax", "mobile", "home", "work", "cell", "tel", "desk",
                                         "ext", "phone", NULL};
    bool label = false;
    for (const char *const *l = labels; *l; l++)
      label |= !strncasecmp(c->text + e + 1, *l, strlen(*l));
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
  return push(c, s, e, T_PHONE);
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
  window(c, s, e, 48, 16, win, sizeof win);
  bool ctx = has_word(win, card_words);
  if (!ctx && (n == 12 || !card_iin(d, n))) return DS_OK;
  return push(c, s, e, T_CARD);
}

static enum ds_status v_iban(struct deid_vctx *c, size_t s, size_t e) {
  size_t used;
  if (!left_clear(c, s)) return DS_OK;
  if (!deid_iban_ok(c->text + s, e - s, &used)) return DS_OK;
  if (!right_clear(c, s + used)) return DS_OK;
  return push(c, s, s + used, T_IBAN);
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
  window(c, s, e, 48, 8, win, sizeof win);
  if (kind == K_SSN_CTX && !has_word(win, ssn_words)) return DS_OK;
  return push(c, s, e, T_SSN);
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
  return push(c, s, e, T_IP);
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
  return push(c, s, e, T_IP);
}

static enum ds_status v_mac(struct deid_vctx *c, size_t s, size_t e) {
  if (s > 0 && (c->text[s - 1] == ':' || c->text[s - 1] == '-' || c->text[s - 1] == '.')) return DS_OK;
  if (e < c->len && (c->text[e] == ':' || (c->text[e] == '-' && e + 1 < c->len && hexc((unsigned char)c->text[e + 1]))))
    return DS_OK;
  bool digit = false;
  for (size_t i = s; i < e; i++) digit |= is_digit((unsigned char)c->text[i]);
  if (!digit) return DS_OK;
  return push(c, s, e, T_MAC);
}

/* A value that is a template or a reference, not a secret. */
static bool templated(const char *p, size_t n) {
  static const char *const words[] = {"your", "xxx", "***", "example", "placeholder", "redacted", "dummy",
                                      "changeme", "secret_here", "insert", "replace", "<", "${", "{{", "%(",
                                      "process.env", "os.environ", "getenv", "env(", "env.", NULL};
  char low[64];
  size_t m = n < sizeof low - 1 ? n : sizeof low - 1;
  for (size_t i = 0; i < m; i++) low[i] = (char)tolower((unsigned char)p[i]);
  low[m] = 0;
  for (const char *const *w = words; *w; w++)
    if (strstr(low, *w)) return true;
  return false;
}

/* Is the value a secret-looking string (not an identifier, a word or a template)? */
static bool secret_like(const char *p, size_t n) {
  if (n < 8 || templated(p, n)) return false;
  /* prose, paths and file names are not secrets */
  if (memchr(p, ' ', n) || p[0] == '/' || p[0] == '.' || p[0] == '~' || p[0] == ',') return false;
  if (n > 5 && (!strncmp(p + n - 5, ".json", 5) || !strncmp(p + n - 4, ".txt", 4) || !strncmp(p + n - 4, ".pem", 4) ||
                !strncmp(p + n - 4, ".key", 4) || !strncmp(p + n - 4, ".yml", 4) || !strncmp(p + n - 5, ".yaml", 5)))
    return false;
  int lower = 0, upper = 0, digit = 0, other = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch >= 'a' && ch <= 'z') lower = 1;
    else if (is_upper(ch)) upper = 1;
    else if (is_digit(ch)) digit = 1;
    else other = 1;
  }
  /* identifiers and dotted references (self.password, config.api_key) */
  if (!digit && !other) return n >= 20 && lower && upper && deid_entropy(p, n) >= 4.0;
  if (!digit) {
    bool ident = true;
    for (size_t i = 0; i < n; i++) {
      unsigned char ch = (unsigned char)p[i];
      ident &= is_alnum(ch) || ch == '_' || ch == '.' || ch == '-' || ch == '[' || ch == ']';
    }
    if (ident) return false;
  }
  int classes = lower + upper + digit + other;
  double h = deid_entropy(p, n);
  if (n >= 16) return h >= 3.0 && classes >= 2;
  return classes >= 3 && h >= 2.5;
}

static enum ds_status v_assign(struct deid_vctx *c, size_t e) {
  size_t i = e;
  while (i < c->len && (c->text[i] == ' ' || c->text[i] == '\t')) i++;
  char q = 0;
  if (i < c->len && (c->text[i] == '"' || c->text[i] == '\'' || c->text[i] == '`')) q = c->text[i++];
  size_t s = i;
  while (i < c->len) {
    unsigned char ch = (unsigned char)c->text[i];
    if (q ? ch == (unsigned char)q || ch == '\n' : (ch <= ' ' || ch == '"' || ch == '\'' || ch == ',' ||
                                                      ch == ';' || ch == ')' || ch == '}' || ch == ']' ||
                                                      ch == '(' || ch == '<' || ch == '>' || ch == '`'))
      break;
    if (ch == '\\') break; /* escaped quote in a JSON view: stop */
    i++;
    if (i - s > 512) break;
  }
  if (!secret_like(c->text + s, i - s)) return DS_OK;
  return push(c, s, i, T_SECRET);
}

static enum ds_status v_url_param(struct deid_vctx *c, size_t e) {
  size_t i = e;
  while (i < c->len) {
    unsigned char ch = (unsigned char)c->text[i];
    if (ch <= ' ' || ch == '&' || ch == '#' || ch == '"' || ch == '\'' || ch == '<' || ch == '>' || ch == ')' ||
        ch == '\\' || ch == '`')
      break;
    i++;
  }
  if (i - e < 8 || templated(c->text + e, i - e)) return DS_OK;
  return push(c, e, i, T_URL_CREDENTIAL);
}

static enum ds_status v_url_userinfo(struct deid_vctx *c, size_t s, size_t e) {
  const char *sep = memmem(c->text + s, e - s, "://", 3);
  if (!sep) return DS_OK;
  size_t u = (size_t)(sep - c->text) + 3;
  size_t at = e - 1; /* the '@' */
  if (at <= u || templated(c->text + u, at - u)) return DS_OK;
  return push(c, u, at, T_URL_CREDENTIAL);
}

static enum ds_status v_token(struct deid_vctx *c, int type, size_t s, size_t e) {
  if (type == T_OPENAI_KEY) {
    /* sk-<20+ chars> must look random: digits and letters, high entropy */
    size_t n = e - s;
    if (count_digits(c->text + s, n) == 0 || deid_entropy(c->text + s, n) < 3.5) return DS_OK;
  }
  return push(c, s, e, type);
}

static enum ds_status v_jwt(struct deid_vctx *c, size_t s, size_t e) {
  /* header.payload.signature: the signature part may be empty only for "alg":"none" */
  const char *dot2 = NULL;
  int dots = 0;
  for (size_t i = s; i < e; i++)
    if (c->text[i] == '.' && ++dots == 2) dot2 = c->text + i;
  if (dots < 2 || !dot2) return DS_OK;
  return push(c, s, e, T_JWT);
}

static enum ds_status v_pem(struct deid_vctx *c, size_t s, size_t e) {
  const char *end = memmem(c->text + e, c->len - e, "-----END", 8);
  size_t stop = c->len;
  if (end) {
    const char *close = memmem(end + 8, c->len - (size_t)(end + 8 - c->text), "-----", 5);
    if (close) stop = (size_t)(close - c->text) + 5;
  }
  return push(c, s, stop, T_PRIVATE_KEY);
}

/* One capitalized name token at i ("Smith", "O'Neil", "Šušulić", "N."); returns its end. */
static size_t name_token(const struct deid_vctx *c, size_t i) {
  if (i >= c->len) return i;
  unsigned char ch = (unsigned char)c->text[i];
  if (!is_upper(ch) && !(ch >= 0xc3 && ch <= 0xc5)) return i; /* Latin-1/Extended-A capitals */
  size_t j = i + (ch >= 0x80 ? 2 : 1);
  if (j > c->len) return i;
  if (j < c->len && c->text[j] == '.' && j == i + 1) return j + 1; /* initial */
  size_t k = j;
  while (k < c->len && (is_lower_or_utf8((unsigned char)c->text[k]) || c->text[k] == '\'' ||
                        (c->text[k] == '-' && k + 1 < c->len && is_alpha((unsigned char)c->text[k + 1]))))
    k++;
  if (k == j) return i; /* single capital letter: an acronym or a pronoun */
  if (k < c->len && (is_upper((unsigned char)c->text[k]) || is_digit((unsigned char)c->text[k]))) return i;
  return k;
}

/* Following name tokens after position i (separated by one space); returns the end. */
static size_t name_run(const struct deid_vctx *c, size_t i, int max_tokens, int *out_n) {
  size_t end = i;
  int n = 0;
  while (n < max_tokens) {
    size_t j = end;
    if (n > 0) {
      if (j >= c->len || c->text[j] != ' ') break;
      j++;
    }
    size_t k = name_token(c, j);
    if (k == j) break;
    end = k;
    n++;
  }
  /* an initial never ends a name */
  while (end > i && c->text[end - 1] == '.' && end >= 2 && is_upper((unsigned char)c->text[end - 2]) &&
         (end - 2 == i || c->text[end - 3] == ' ')) {
    end -= 2;
    while (end > i && c->text[end - 1] == ' ') end--;
    n--;
  }
  *out_n = n;
  return end;
}

static bool in_dictionary(const char *p, size_t n);

/* A street-type word ("Street", "Bypass", "Cliffs"): a name followed by one is a street name. */
static bool street_word(const char *p, size_t n) {
  static const char *const words[] = {"Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd",
                                      "Lane", "Ln", "Drive", "Dr", "Court", "Ct", "Place", "Pl", "Square",
                                      "Terrace", "Way", "Parkway", "Circle", "Highway", "Trail", "Crescent",
                                      "Close", "Row", "Mews", "Alley", "Plaza", "Grove", "Gardens", "Heights",
                                      "Hill", "Hills", "Park", "Bypass", "Flat", "Flats", "Cliff", "Cliffs",
                                      "Lodge", "Fort", "Extension", "Extensions", "Island", "Islands", "Bridge",
                                      "Port", "Mill", "Mills", "Valley", "Spring", "Springs", "Falls", "Lake",
                                      "Lakes", "Creek", "Ridge", "View", "Point", "Station", "Square", "Green",
                                      "Gate", "Walk", "Forge", "Forges", "Rapids", "Village", "Villages", NULL};
  if (n && p[n - 1] == '.') n--;
  for (const char *const *w = words; *w; w++)
    if (strlen(*w) == n && !strncmp(*w, p, n)) return true;
  /* plurals of the above ("Squares", "Streets") */
  if (n > 3 && p[n - 1] == 's') return street_word(p, n - 1);
  return false;
}

/* True when a name token in [s,e) or the word right after e is a street word. */
static bool street_named(const struct deid_vctx *c, size_t s, size_t e) {
  size_t i = s;
  while (i < e) {
    size_t j = i;
    while (j < e && c->text[j] != ' ') j++;
    if (i > s && street_word(c->text + i, j - i)) return true;
    i = j + 1;
  }
  if (e + 1 < c->len && c->text[e] == ' ') {
    size_t j = e + 1;
    while (j < c->len && is_alpha((unsigned char)c->text[j])) j++;
    if (street_word(c->text + e + 1, j - e - 1)) return true;
  }
  return false;
}

static enum ds_status v_name_dict(struct deid_vctx *c, size_t e) {
  size_t s = e;
  while (s > 0 && is_alpha((unsigned char)c->text[s - 1])) s--;
  if (!left_clear(c, s) || (s > 0 && (unsigned char)c->text[s - 1] >= 0x80)) return DS_OK;
  if (e < c->len && ((unsigned char)c->text[e] >= 0x80 || is_alnum((unsigned char)c->text[e]) || c->text[e] == '_'))
    return DS_OK;
  int extra = 0;
  size_t end = e;
  if (e < c->len && c->text[e] == ' ') {
    size_t k = name_run(c, e + 1, 3, &extra);
    if (extra) end = k;
  }
  if (street_named(c, s, end)) return DS_OK;
  if (extra == 0) {
    if (deid_name_ambiguous(c->text + s, e - s)) return DS_OK;
    /* a lone first name at the start of a sentence may be a word ("Will", "Mark"); the
     * ambiguous ones are filtered above, the rest count */
  }
  return push(c, s, end, T_PERSON);
}

/* "Lewis Forbes", "Maja S Hermansen", "Ástríður Steinarsdóttir": a dictionary surname right after
 * a capitalized name token (optionally an initial between). */
static enum ds_status v_name_surname(struct deid_vctx *c, size_t e) {
  static const char *const stop[] = {"The", "A", "An", "In", "On", "At", "Of", "To", "And", "But", "For", "With",
                                     "From", "By", "My", "Our", "Your", "His", "Her", "Their", "This", "That",
                                     "These", "Those", "As", "If", "When", "Dear", "Hi", "Hello", "Mr", "Mrs",
                                     "Ms", "Dr", "Prof", "Saint", "St", "New", "Old", "North", "South", "East",
                                     "West", "Great", "Little", "Big", "Lake", "Mount", "Fort", "Port", "Via",
                                     NULL};
  size_t s = e;
  while (s > 0 && (is_alpha((unsigned char)c->text[s - 1]) || (unsigned char)c->text[s - 1] >= 0x80 ||
                   c->text[s - 1] == '\''))
    s--;
  if (s == e || !left_clear(c, s)) return DS_OK;
  if (e < c->len && (is_alnum((unsigned char)c->text[e]) || (unsigned char)c->text[e] >= 0x80)) return DS_OK;
  /* the word must be exactly a dictionary surname (the hit may end inside a longer word) */
  size_t i = s;
  if (i < 2 || c->text[i - 1] != ' ') return DS_OK;
  i--;
  /* an initial: "S " or "S. " */
  size_t j = i;
  if (j >= 2 && c->text[j - 1] == '.' && is_upper((unsigned char)c->text[j - 2]) && (j == 2 || c->text[j - 3] == ' '))
    j = j >= 3 ? j - 3 : 0;
  else if (j >= 1 && is_upper((unsigned char)c->text[j - 1]) && (j == 1 || c->text[j - 2] == ' '))
    j = j >= 2 ? j - 2 : 0;
  if (j != i) {
    if (j == 0 || c->text[j] != ' ') j = i; /* not an initial after all */
  }
  size_t a = j;
  while (a > 0 && (is_alpha((unsigned char)c->text[a - 1]) || (unsigned char)c->text[a - 1] >= 0x80 ||
                   c->text[a - 1] == '-'))
    a--;
  if (a == j || name_token(c, a) != j) return DS_OK;
  for (const char *const *w = stop; *w; w++)
    if (strlen(*w) == j - a && !strncmp(*w, c->text + a, j - a)) return DS_OK;
  if (street_named(c, a, e)) return DS_OK;
  return push(c, a, e, T_PERSON);
}

static enum ds_status v_name_title(struct deid_vctx *c, size_t e) {
  int n;
  size_t end = name_run(c, e, 3, &n);
  if (!n) return DS_OK;
  return push(c, e, end, T_PERSON);
}

static enum ds_status v_name_label(struct deid_vctx *c, size_t s, size_t e) {
  /* which label: find where the label word starts (s is unknown: NOSOM) */
  size_t a = e;
  while (a > 0 && (c->text[a - 1] == ' ' || c->text[a - 1] == '\t' || c->text[a - 1] == '\n' ||
                   c->text[a - 1] == '\r' || c->text[a - 1] == ':' || c->text[a - 1] == ','))
    a--;
  bool colon = memchr(c->text + a, ':', e - a) != NULL;
  size_t w = a;
  while (w > 0 && (is_alpha((unsigned char)c->text[w - 1]) || c->text[w - 1] == '\'')) w--;
  char word[16];
  size_t wl = a - w < sizeof word - 1 ? a - w : sizeof word - 1;
  for (size_t i = 0; i < wl; i++) word[i] = (char)tolower((unsigned char)c->text[w + i]);
  word[wl] = 0;
  DS_UNUSED(s);
  int n;
  size_t end = name_run(c, e, 4, &n);
  if (!n) return DS_OK;
  bool dict = in_dictionary(c->text + e, name_token(c, e) - e);
  bool strong;
  bool qmark = memchr(c->text + a, '?', e - a) != NULL;
  if (!strcmp(word, "is") || !strcmp(word, "dear") || !strcmp(word, "attn")) strong = true; /* my name is */
  else if (!strcmp(word, "name") || !strcmp(word, "person") || !strcmp(word, "patient") ||
           !strcmp(word, "customer") || !strcmp(word, "applicant") || !strcmp(word, "employee") ||
           !strcmp(word, "user") || !strcmp(word, "holder") || !strcmp(word, "guardian") ||
           !strcmp(word, "spouse") || !strcmp(word, "author") || !strcmp(word, "surname"))
    strong = colon || qmark;
  else if (!strcmp(word, "from") || !strcmp(word, "to") || !strcmp(word, "cc")) {
    if (!colon) return DS_OK;
    strong = false;
  } else if (!strcmp(word, "named") || !strcmp(word, "called") || !strcmp(word, "says") || !strcmp(word, "said") ||
             !strcmp(word, "to")) {
    /* prose: a full name (two or more name tokens) or a dictionary first name */
    if (!(dict || n >= 2) || street_named(c, e, end)) return DS_OK;
    return push(c, e, end, T_PERSON);
  } else strong = false; /* i am, regards, sincerely, thanks, ... */
  if (!strong && !dict && n < 2) return DS_OK;
  if (!strong && !dict) {
    /* two capitalized words after "I am"/"Thanks": still weak; accept only after a comma
     * or newline sign-off ("Regards,\nJane Doe") */
    bool signoff = memchr(c->text + a, '\n', e - a) || memchr(c->text + a, ',', e - a);
    if (!signoff) return DS_OK;
  }
  return push(c, e, end, T_PERSON);
}

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                     "nov", "dec", NULL};

static enum ds_status v_dob(struct deid_vctx *c, size_t e) {
  /* a date right after the label: digits with / - . separators, or a month name form */
  while (e < c->len && (c->text[e] == ' ' || c->text[e] == '\t' || c->text[e] == ':' || c->text[e] == '-')) e++;
  size_t i = e, end = e;
  int digits = 0, alpha_month = 0;
  while (i < c->len && i - e < 32) {
    unsigned char ch = (unsigned char)c->text[i];
    if (is_digit(ch)) {
      digits++;
      end = i + 1;
    } else if (ch == '/' || ch == '-' || ch == '.' || ch == ' ' || ch == ',') {
      if (ch == '.' && i + 1 < c->len && !is_digit((unsigned char)c->text[i + 1])) break;
    } else if (is_alpha(ch)) {
      size_t j = i;
      while (j < c->len && is_alpha((unsigned char)c->text[j])) j++;
      bool month = false;
      if (j - i >= 3) {
        char m[4] = {(char)tolower(ch), (char)tolower((unsigned char)c->text[i + 1]),
                     (char)tolower((unsigned char)c->text[i + 2]), 0};
        for (const char *const *mm = months; *mm; mm++) month |= !strcmp(m, *mm);
      }
      bool suffix = j - i == 2 && digits && (!strncmp(c->text + i, "st", 2) || !strncmp(c->text + i, "nd", 2) ||
                                             !strncmp(c->text + i, "rd", 2) || !strncmp(c->text + i, "th", 2));
      if (!month && !suffix) break;
      alpha_month += month;
      i = j;
      end = j;
      continue;
    } else break;
    i++;
  }
  if (digits < 2 || (digits < 4 && !alpha_month)) return DS_OK;
  return push(c, e, end, T_DOB);
}

/* NOSOM street: from the end, back over the suffix and up to 4 capitalized words to the
 * nearest house number. */
static size_t street_start(const struct deid_vctx *c, size_t e) {
  size_t i = e;
  if (i > 0 && c->text[i - 1] == '.') i--;
  while (i > 0 && is_alpha((unsigned char)c->text[i - 1])) i--; /* the suffix */
  for (int words = 0; words <= 5; words++) {
    if (i == 0 || c->text[i - 1] != ' ') return SIZE_MAX;
    while (i > 0 && c->text[i - 1] == ' ') i--;
    size_t j = i;
    while (j > 0 && (is_alnum((unsigned char)c->text[j - 1]) || c->text[j - 1] == '\'' || c->text[j - 1] == '-')) j--;
    if (j == i) return SIZE_MAX;
    if (is_digit((unsigned char)c->text[j])) {
      size_t nd = 0;
      while (j + nd < i && is_digit((unsigned char)c->text[j + nd])) nd++;
      if (words == 0 || nd > 6 || i - j - nd > 1) return SIZE_MAX;
      return j;
    }
    if (!is_upper((unsigned char)c->text[j])) return SIZE_MAX;
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
                                      "Rua", "Carrer", "Paseo", "Ulica", "Ul.", NULL};
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

static enum ds_status v_addr(struct deid_vctx *c, int kind, size_t s, size_t e) {
  if (kind == K_ADDR_EURO_PREFIX) {
    if ((s = euro_prefix_start(c, e)) == SIZE_MAX) return DS_OK;
    return push(c, s, e, T_ADDRESS);
  }
  if (kind == K_ADDR_STREET || kind == K_ADDR_EURO_SUFFIX) {
    s = kind == K_ADDR_STREET ? street_start(c, e) : euro_start(c, e);
    if (s == SIZE_MAX) return DS_OK;
    return push(c, s, e, T_ADDRESS);
  }
  if (!left_clear(c, s)) return DS_OK;
  if (kind == K_ADDR_STREET) {
    /* "3 Main St" ok; but "10 Years Ago Road" etc. can't be told; require the number to be
     * a house number (not followed by '%', not a year-like long number) */
    size_t nd = 0;
    while (s + nd < e && is_digit((unsigned char)c->text[s + nd])) nd++;
    if (nd > 5) return DS_OK;
  }
  return push(c, s, e, T_ADDRESS);
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
  return push(c, s, e, T_EMAIL);
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
  case K_URL_USERINFO: return v_url_userinfo(c, s, e);
  case K_URL_PARAM: return v_url_param(c, e);
  case K_TOKEN: return v_token(c, type, s, e);
  case K_JWT: return v_jwt(c, s, e);
  case K_PEM: return v_pem(c, s, e);
  case K_ASSIGN: return v_assign(c, e);
  case K_ADDR_STREET:
  case K_ADDR_UNIT:
  case K_ADDR_EURO:
  case K_ADDR_EURO_SUFFIX:
  case K_ADDR_EURO_PREFIX:
  case K_ADDR_MIL: return v_addr(c, kind, s, e);
  case K_NAME_DICT: return v_name_dict(c, e);
  case K_NAME_SURNAME: return v_name_surname(c, e);
  case K_NAME_TITLE: return v_name_title(c, e);
  case K_NAME_LABEL: return v_name_label(c, s, e);
  case K_DOB: return v_dob(c, e);
  case K_CUSTOM: return push(c, s, e, type);
  }
  return DS_OK;
}

/* The dictionary lookup for label-introduced names (binary search over the sorted list). */
static bool in_dictionary(const char *p, size_t n) {
  size_t lo = 0, hi = deid_n_first_names;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const char *m = deid_first_names[mid];
    size_t ml = strlen(m);
    int r = strncmp(m, p, n < ml ? n : ml);
    if (r == 0) r = ml < n ? -1 : ml > n ? 1 : 0;
    if (r == 0) return true;
    if (r < 0) lo = mid + 1;
    else hi = mid;
  }
  return false;
}
