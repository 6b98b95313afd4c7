/* surrogate.c: fake values of the same kind and shape for structured identifiers and
 * secrets (e-mail, phone from a fictional range, card of a test range, IBAN, SSN that is
 * never issued, documentation or private IP, MAC, tokens), and how a de-identifier knows its
 * own surrogates again: constructed values carry a keyed mark in their hash; names, places,
 * addresses and dates are remembered by their words (surrogate_text.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

#define MARK_BITS 8
#define MARK_TRIES 20000

uint64_t deid_rng_next(struct deid_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t deid_rng_below(struct deid_rng *r, uint32_t n) {
  return n ? (uint32_t)(((deid_rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0;
}

/* ---- marks and issued words ------------------------------------------------------------- */

bool deid_sur_marked(const struct deid_sur *su, int type, const char *norm, size_t n) {
  uint64_t h = ds_mix64(ds_hash64(norm, n) ^ su->mark_seed ^ ((uint64_t)(type + 1) * 0x9e3779b97f4a7c15ull));
  return (h & ((1u << MARK_BITS) - 1)) == 0;
}

static bool issued_has(const struct deid_sur *su, uint64_t h) {
  if (!su->iss_cap) return false;
  for (size_t i = h & (su->iss_cap - 1);; i = (i + 1) & (su->iss_cap - 1)) {
    if (!su->issued[i]) return false;
    if (su->issued[i] == h) return true;
  }
}

static enum ds_status issued_add(struct deid_sur *su, uint64_t h) {
  if (!h) h = 1;
  if (issued_has(su, h)) return DS_OK;
  if ((su->iss_n + 1) * 2 > su->iss_cap) {
    size_t nc = su->iss_cap ? su->iss_cap * 2 : 1024;
    uint64_t *v = ds_calloc(nc, sizeof *v);
    if (!v) return DS_E_NOMEM;
    for (size_t i = 0; i < su->iss_cap; i++) {
      if (!su->issued[i]) continue;
      size_t j = su->issued[i] & (nc - 1);
      while (v[j]) j = (j + 1) & (nc - 1);
      v[j] = su->issued[i];
    }
    ds_free(su->issued);
    su->issued = v;
    su->iss_cap = nc;
  }
  size_t j = h & (su->iss_cap - 1);
  while (su->issued[j]) j = (j + 1) & (su->iss_cap - 1);
  su->issued[j] = h;
  su->iss_n++;
  return DS_OK;
}

static uint64_t word_hash(const char *p, size_t n) {
  char f[128];
  size_t fl = deid_fold(p, n, f, sizeof f);
  if (fl > sizeof f) return ds_hash64(p, n) ?: 1;
  return ds_hash64(f, fl) ?: 1;
}

static bool wchar(unsigned char c) { return isalnum(c) || c >= 0x80; }

/* The next word of p[*i..n) (letters, digits, inner ' and -): true and [*start, *i) when there
 * is one. */
static bool next_word(const char *p, size_t n, size_t *i, size_t *start) {
  while (*i < n && !wchar((unsigned char)p[*i])) (*i)++;
  if (*i >= n) return false;
  size_t j = *start = *i;
  while (j < n && (wchar((unsigned char)p[j]) || ((p[j] == '\'' || p[j] == '-') && j + 1 < n && wchar((unsigned char)p[j + 1]))))
    j++;
  *i = j;
  return true;
}

enum ds_status deid_sur_issue_tokens(struct deid_sur *su, const char *p, size_t n) {
  size_t i = 0, w;
  while (next_word(p, n, &i, &w)) {
    enum ds_status st = issued_add(su, word_hash(p + w, i - w));
    if (st) return st;
  }
  return DS_OK;
}

/* Words an address, a date or a name keeps as they are (street types, units, titles,
 * months, states, countries, short words). */
static bool structural(const char *p, size_t n) {
  if (n <= 2) return true;
  const struct lex_entry *e = deid_lex_word(p, n);
  return e && (e->flags & (LF_STREET | LF_UNIT | LF_REGION | LF_COUNTRY | LF_TITLE | LF_TIME | LF_STOP | LF_PARTICLE));
}

static bool fuzzy_type(int type) {
  return type == T_PERSON || type == T_LOCATION || type == T_ADDRESS || type == T_DATE || type == T_DOB ||
         type == T_AGE;
}

static uint64_t value_hash(int type, const struct ds_buf *norm) {
  return (ds_hash64(norm->data, norm->len) ^ ds_mix64((uint64_t)type + 0x51)) ?: 1;
}

enum ds_status deid_sur_issue_value(struct deid_sur *su, int type, const char *p, size_t n) {
  struct ds_buf *b = &su->tmp;
  ds_buf_reset(b);
  enum ds_status st = deid_normalize(type, p, n, b);
  return st ? st : issued_add(su, value_hash(type, b));
}

bool deid_sur_recognized(struct deid_sur *su, int type, const char *p, size_t n) {
  if (fuzzy_type(type)) {
    bool any = false;
    size_t i = 0, w;
    while (next_word(p, n, &i, &w)) {
      bool digits = true;
      for (size_t k = w; k < i; k++) digits &= isdigit((unsigned char)p[k]) != 0;
      if (!(structural(p + w, i - w) && !digits) && !issued_has(su, word_hash(p + w, i - w))) return false;
      any = true;
    }
    return any;
  }
  struct ds_buf *b = &su->tmp;
  ds_buf_reset(b);
  if (deid_normalize(type, p, n, b)) return false;
  return deid_sur_marked(su, type, b->data, b->len) || issued_has(su, value_hash(type, b));
}

void deid_sur_release(struct deid_sur *su) {
  ds_free(su->issued);
  ds_buf_release(&su->tmp);
  su->issued = NULL;
  su->iss_cap = su->iss_n = 0;
}

/* ---- shapes -------------------------------------------------------------------------------- */

static char rdigit(struct deid_rng *r) { return (char)('0' + deid_rng_below(r, 10)); }
static char rlower(struct deid_rng *r) { return (char)('a' + deid_rng_below(r, 26)); }
static char rupper(struct deid_rng *r) { return (char)('A' + deid_rng_below(r, 26)); }

/* Every letter and digit of p[keep..n) replaced by a random one of its class; the rest (and
 * JSON escapes) kept. */
static enum ds_status reshape(const char *p, size_t n, size_t keep, struct deid_rng *r, struct ds_buf *out) {
  enum ds_status st = ds_buf_add(out, p, keep < n ? keep : n);
  for (size_t i = keep; i < n && !st; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '\\' && i + 1 < n) {
      size_t k = p[i + 1] == 'u' && i + 5 < n ? 6 : 2;
      st = ds_buf_add(out, p + i, k);
      i += k - 1;
      continue;
    }
    char o = isdigit(c) ? rdigit(r) : isupper(c) ? rupper(r) : islower(c) ? rlower(r) : (char)c;
    st = ds_buf_addc(out, o);
  }
  return st;
}

/* Digits of p replaced, left to right, by the digits of want (separators kept). */
static enum ds_status put_digits(const char *p, size_t n, const char *want, struct ds_buf *out) {
  size_t k = 0;
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < n && !st; i++)
    st = ds_buf_addc(out, isdigit((unsigned char)p[i]) && want[k] ? want[k++] : p[i]);
  return st;
}

static size_t digits_of(const char *p, size_t n, char *out, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < cap; i++)
    if (isdigit((unsigned char)p[i])) out[k++] = p[i];
  out[k] = 0;
  return k;
}

static char luhn_digit(const char *d, size_t n) {
  /* the check digit appended to d[0..n) */
  int sum = 0;
  for (size_t i = 0; i < n; i++) {
    int x = d[n - 1 - i] - '0';
    if (i % 2 == 0) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return (char)('0' + (10 - sum % 10) % 10);
}

/* ---- types ---------------------------------------------------------------------------------- */

static enum ds_status card(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  char d[24];
  size_t nd = digits_of(p, n, d, sizeof d);
  if (nd < 12) return reshape(p, n, 0, r, out);
  /* test ranges of the networks, by the original's brand */
  const char *pre = "400000";
  if (d[0] == '5' || (d[0] == '2' && d[1] >= '2' && d[1] <= '7')) pre = "555555";
  else if (d[0] == '3' && (d[1] == '4' || d[1] == '7')) pre = "378282";
  else if (d[0] == '3') pre = "305693";
  else if (d[0] == '6') pre = "601111";
  char w[24];
  size_t pl = strlen(pre);
  memcpy(w, pre, pl);
  for (size_t i = pl; i + 1 < nd; i++) w[i] = rdigit(r);
  w[nd - 1] = luhn_digit(w, nd - 1);
  w[nd] = 0;
  return put_digits(p, n, w, out);
}

static enum ds_status phone(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  char d[24], w[24];
  size_t nd = digits_of(p, n, d, sizeof d);
  memcpy(w, d, nd + 1);
  size_t at = 0; /* first national digit */
  bool plus = memchr(p, '+', n) != NULL;
  if (plus) at = d[0] == '1' ? 1 : (d[0] == '4' && d[1] == '4') ? 2 : (nd > 10 ? 2 : 1);
  else if (nd == 11 && d[0] == '1') at = 1;
  bool nanp = (plus && d[0] == '1' && nd == 11) || (!plus && nd == 10 && d[0] >= '2') || (!plus && nd == 11 && d[0] == '1');
  if (nanp) {
    /* area code NXX (not N11), exchange 555, line 01XX: the range kept for fiction */
    w[at] = (char)('2' + deid_rng_below(r, 8));
    w[at + 1] = rdigit(r);
    w[at + 2] = w[at + 1] == '1' ? '0' : rdigit(r);
    memcpy(w + at + 3, "55501", 5);
    w[at + 8] = rdigit(r);
    w[at + 9] = rdigit(r);
  } else if (nd >= at + 10 && ((plus && d[0] == '4' && d[1] == '4' && d[2] == '7') || (!plus && d[0] == '0' && d[1] == '7'))) {
    /* UK mobile: 07700 900000-900999 (Ofcom's drama range) */
    size_t b = plus ? 2 : 1;
    memcpy(w + b, "7700900", 7);
    for (size_t i = b + 7; i < nd; i++) w[i] = rdigit(r);
  } else {
    /* elsewhere: the country and trunk prefix kept, the rest random */
    size_t keep = at + (d[at] == '0' ? 2 : 1);
    for (size_t i = keep; i < nd; i++) w[i] = rdigit(r);
  }
  return put_digits(p, n, w, out);
}

static enum ds_status iban(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  char b[40];
  size_t m = 0;
  for (size_t i = 0; i < n && m < sizeof b - 1; i++)
    if (isalnum((unsigned char)p[i])) b[m++] = (char)toupper((unsigned char)p[i]);
  if (m < 5) return reshape(p, n, 0, r, out);
  for (size_t i = 4; i < m; i++) b[i] = isdigit((unsigned char)b[i]) ? rdigit(r) : rupper(r);
  b[2] = b[3] = '0';
  unsigned rem = 0;
  for (size_t k = 0; k < m; k++) {
    char ch = b[(k + 4) % m];
    rem = isdigit((unsigned char)ch) ? (rem * 10 + (unsigned)(ch - '0')) % 97 : (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
  }
  unsigned check = 98 - rem;
  b[2] = (char)('0' + check / 10);
  b[3] = (char)('0' + check % 10);
  size_t k = 0;
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < n && !st; i++) {
    unsigned char c = (unsigned char)p[i];
    if (!isalnum(c)) st = ds_buf_addc(out, (char)c);
    else st = ds_buf_addc(out, islower(c) ? (char)tolower((unsigned char)b[k++]) : b[k++]);
  }
  return st;
}

static enum ds_status ssn(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  /* area numbers 900-999 are never issued as social security numbers */
  char w[10];
  w[0] = '9';
  for (int i = 1; i < 9; i++) w[i] = rdigit(r);
  if (w[3] == '0' && w[4] == '0') w[4] = '1';
  w[9] = 0;
  return put_digits(p, n, w, out);
}

static bool in_block(const unsigned char *a, int first, int second_lo, int second_hi) {
  return a[0] == first && a[1] >= second_lo && a[1] <= second_hi;
}

static enum ds_status ip(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  if (memchr(p, ':', n)) /* IPv6: the documentation prefix 2001:db8::/32 */
    return ds_buf_addf(out, "2001:db8:%x:%x::%x", deid_rng_below(r, 0xffff) + 1, deid_rng_below(r, 0xffff),
                       deid_rng_below(r, 0xffff) + 1);
  unsigned char a[4] = {0};
  int k = 0, v = 0;
  for (size_t i = 0; i <= n && k < 4; i++) {
    if (i == n || p[i] == '.') {
      a[k++] = (unsigned char)(v > 255 ? 255 : v);
      v = 0;
    } else if (isdigit((unsigned char)p[i])) {
      v = v * 10 + (p[i] - '0');
    }
  }
  if (in_block(a, 10, 0, 255))
    return ds_buf_addf(out, "10.%u.%u.%u", deid_rng_below(r, 256), deid_rng_below(r, 256), 1 + deid_rng_below(r, 254));
  if (in_block(a, 172, 16, 31))
    return ds_buf_addf(out, "172.%u.%u.%u", 16 + deid_rng_below(r, 16), deid_rng_below(r, 256), 1 + deid_rng_below(r, 254));
  if (in_block(a, 192, 168, 168))
    return ds_buf_addf(out, "192.168.%u.%u", deid_rng_below(r, 256), 1 + deid_rng_below(r, 254));
  /* public addresses: one of the three documentation networks */
  static const char *const nets[] = {"192.0.2", "198.51.100", "203.0.113"};
  return ds_buf_addf(out, "%s.%u", nets[deid_rng_below(r, 3)], 1 + deid_rng_below(r, 254));
}

static enum ds_status mac(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  static const char hex[] = "0123456789abcdef";
  enum ds_status st = DS_OK;
  int nib = 0;
  for (size_t i = 0; i < n && !st; i++) {
    unsigned char c = (unsigned char)p[i];
    if (!isxdigit(c)) {
      st = ds_buf_addc(out, (char)c);
      continue;
    }
    unsigned v = deid_rng_below(r, 16);
    if (nib == 1) v = (v & ~1u) | 2u; /* locally administered, unicast */
    char o = hex[v];
    st = ds_buf_addc(out, isupper(c) ? (char)toupper((unsigned char)o) : o);
    nib++;
  }
  return st;
}

/* The fixed prefix a token keeps ("AKIA", "ghp_", "sk-proj-", "xoxb-", "AIza"). */
static size_t token_prefix(int type, const char *p, size_t n) {
  switch (type) {
  case T_AWS_KEY:
  case T_GOOGLE_API_KEY: return n >= 4 ? 4 : n;
  case T_GITHUB_TOKEN:
  case T_SLACK_TOKEN:
  case T_OPENAI_KEY:
  case T_ANTHROPIC_KEY: {
    /* up to the last '_' or '-' among the first 14 bytes */
    size_t k = 0;
    for (size_t i = 0; i < n && i < 14; i++)
      if (p[i] == '_' || p[i] == '-') k = i + 1;
    return k;
  }
  case T_PRIVATE_KEY: {
    const char *nl = memchr(p, '\n', n);
    const char *esc = memmem(p, n, "\\n", 2);
    if (esc && (!nl || esc < nl)) nl = esc + 1;
    return nl ? (size_t)(nl - p) + 1 : n;
  }
  default: return 0;
  }
}

static enum ds_status token(int type, const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  size_t keep = token_prefix(type, p, n);
  if (type == T_JWT) {
    /* each part keeps its "eyJ" (a JSON object in base64) */
    enum ds_status st = DS_OK;
    for (size_t i = 0; i < n && !st;) {
      size_t j = i;
      while (j < n && p[j] != '.') j++;
      st = reshape(p + i, j - i, j - i >= 3 && !memcmp(p + i, "eyJ", 3) ? 3 : 0, r, out);
      if (!st && j < n) st = ds_buf_addc(out, '.');
      i = j + 1;
    }
    return st;
  }
  if (type == T_PRIVATE_KEY) {
    /* header and footer lines kept */
    const char *end = NULL;
    for (const char *q = p + keep; (q = memmem(q, (size_t)(p + n - q), "-----END", 8)) != NULL; q++) end = q;
    size_t body_end = end ? (size_t)(end - p) : n;
    enum ds_status st = reshape(p, body_end, keep, r, out);
    if (!st && body_end < n) st = ds_buf_add(out, p + body_end, n - body_end);
    return st;
  }
  return reshape(p, n, keep, r, out);
}

/* ---- e-mail ---------------------------------------------------------------------------------- */

static const char *const free_mail[] = {"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com",
                                        "live.com", "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com",
                                        "gmx.de", "gmx.net", "web.de", "yandex.ru", "mail.ru", "qq.com", "163.com",
                                        NULL};

static const struct lex_entry *pick(enum lex_pool pool, struct deid_rng *r) {
  size_t n;
  const struct lex_entry *const *v = deid_lex_pool(pool, &n);
  return n ? v[deid_rng_below(r, (uint32_t)n)] : NULL;
}

/* A word of the pool in the letters a-z only (an e-mail address's or a domain's): the ASCII
 * letters of a folded entry, drawn again when fewer than two are left ("o'neil" is "oneil"). */
static enum ds_status ascii_word(int pool, struct deid_rng *r, struct ds_buf *out) {
  for (int tries = 0; tries < 8; tries++) {
    const struct lex_entry *e = pick(pool, r);
    if (!e) break;
    size_t letters = 0;
    for (size_t i = 0; i < e->klen; i++) letters += e->key[i] >= 'a' && e->key[i] <= 'z';
    if (letters < 2) continue;
    enum ds_status st = DS_OK;
    for (size_t i = 0; i < e->klen && !st; i++)
      if (e->key[i] >= 'a' && e->key[i] <= 'z') st = ds_buf_addc(out, e->key[i]);
    return st;
  }
  return ds_buf_adds(out, "alex");
}

static enum ds_status email(const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  const char *at = memchr(p, '@', n);
  if (!at) return reshape(p, n, 0, r, out);
  size_t ll = (size_t)(at - p);
  enum ds_status st = DS_OK;
  /* the local part: each run of letters becomes a name (the first a first name, the rest
   * surnames; one letter stays one letter), digits random digits, separators kept */
  int seg = 0;
  for (size_t i = 0; i < ll && !st;) {
    unsigned char c = (unsigned char)p[i];
    if (isalpha(c) || c >= 0x80) {
      size_t j = i;
      while (j < ll && (isalpha((unsigned char)p[j]) || (unsigned char)p[j] >= 0x80)) j++;
      bool upper = isupper(c);
      if (j - i == 1) {
        st = ds_buf_addc(out, upper ? rupper(r) : rlower(r));
      } else {
        size_t from = out->len;
        st = ascii_word(seg == 0 ? (deid_rng_below(r, 2) ? POOL_FIRST_F : POOL_FIRST_M) : POOL_LAST, r, out);
        if (!st && upper) out->data[from] = (char)toupper((unsigned char)out->data[from]);
      }
      seg++;
      i = j;
    } else if (isdigit(c)) {
      st = ds_buf_addc(out, rdigit(r));
      i++;
    } else {
      st = ds_buf_addc(out, (char)c);
      i++;
    }
  }
  if (st || (st = ds_buf_addc(out, '@'))) return st;
  const char *dom = at + 1;
  size_t dl = n - ll - 1;
  for (const char *const *f = free_mail; *f; f++)
    if (strlen(*f) == dl && !strncasecmp(dom, *f, dl)) return ds_buf_add(out, dom, dl);
  /* another organization's domain: words from the lexicon, the same top-level domain */
  const char *tld = dom + dl;
  while (tld > dom && tld[-1] != '.') tld--;
  int labels = 0;
  for (const char *q = dom; q < tld; q++) labels += *q == '.';
  for (int k = 0; k < (labels > 2 ? 2 : labels ? labels : 1) && !st; k++) {
    if (k) st = ds_buf_addc(out, '.');
    if (!st) st = ascii_word(k == 0 ? POOL_LAST : POOL_STREET, r, out);
  }
  if (!st) st = ds_buf_addc(out, '.');
  if (!st) st = ds_buf_add(out, tld, (size_t)(dom + dl - tld));
  return st;
}

/* ---- dispatch ---------------------------------------------------------------------------------- */

enum ds_status deid_surrogate_text(struct deid_sur *su, int type, const char *p, size_t n, struct deid_rng *r,
                                   struct ds_buf *out);

static enum ds_status one(int type, const char *p, size_t n, struct deid_rng *r, struct ds_buf *out) {
  switch (type) {
  case T_EMAIL: return email(p, n, r, out);
  case T_PHONE: return phone(p, n, r, out);
  case T_CARD: return card(p, n, r, out);
  case T_IBAN: return iban(p, n, r, out);
  case T_SSN: return ssn(p, n, r, out);
  case T_IP: return ip(p, n, r, out);
  case T_MAC: return mac(p, n, r, out);
  case T_AWS_KEY:
  case T_GITHUB_TOKEN:
  case T_OPENAI_KEY:
  case T_ANTHROPIC_KEY:
  case T_SLACK_TOKEN:
  case T_GOOGLE_API_KEY:
  case T_JWT:
  case T_PRIVATE_KEY: return token(type, p, n, r, out);
  default: return reshape(p, n, 0, r, out);
  }
}

enum ds_status deid_surrogate(struct deid_sur *su, int type, const char *p, size_t n, struct deid_rng *r,
                              struct ds_buf *out) {
  if (type == T_PERSON || type == T_LOCATION || type == T_ADDRESS || type == T_DATE || type == T_DOB || type == T_AGE) {
    size_t from = out->len;
    enum ds_status st = deid_surrogate_text(su, type, p, n, r, out);
    if (!st) st = deid_sur_issue_tokens(su, out->data + from, out->len - from);
    return st;
  }
  /* SSNs of the 9xx range and IPs of the documentation networks are never detected again;
   * every other constructed value is drawn until it carries the mark */
  bool needs_mark = type != T_SSN && !(type == T_IP && (memchr(p, ':', n) || !(n > 3 && (!strncmp(p, "10.", 3) ||
                                                                                       !strncmp(p, "172.", 4) ||
                                                                                       !strncmp(p, "192.168.", 8)))));
  size_t from = out->len;
  for (int tries = 0;; tries++) {
    out->len = from;
    out->data[from] = 0;
    enum ds_status st = one(type, p, n, r, out);
    if (st) return st;
    if (!needs_mark) return DS_OK;
    struct ds_buf *b = &su->tmp;
    ds_buf_reset(b);
    if ((st = deid_normalize(type, out->data + from, out->len - from, b))) return st;
    bool same = out->len - from == n && !memcmp(out->data + from, p, n);
    if (!same && deid_sur_marked(su, type, b->data, b->len)) return DS_OK;
    if (tries >= MARK_TRIES) return DS_OK; /* a tiny space (a 1-digit value): unmarked */
  }
}
