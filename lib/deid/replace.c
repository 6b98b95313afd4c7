/* replace.c: replacement of detections: typed placeholders ("<EMAIL_1>", numbered per
 * conversation or keyed) or surrogates (surrogate*.c), one replacement per value and
 * conversation (a person's name token by token, so "Ann Lee" and "Ms. Lee" stay one person),
 * rounds of re-scanning until the text is clean, and keyed hashes for identifiers. */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

#define MAX_TEXT ((size_t)1 << 30)

/* Normalized value for consistency: escapes decoded; e-mail, IP, MAC lower-cased; numbers
 * reduced to digits; IBAN upper-cased without spaces. */
enum ds_status deid_normalize(int type, const char *p, size_t len, struct ds_buf *out) {
  ds_buf_reset(out);
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)p[i];
    /* JSON escapes decoded, so that a value reads the same in a raw and an unescaped view */
    if (ch == '\\' && i + 5 < len && p[i + 1] == 'u' && isxdigit((unsigned char)p[i + 2]) &&
        isxdigit((unsigned char)p[i + 3]) && isxdigit((unsigned char)p[i + 4]) && isxdigit((unsigned char)p[i + 5])) {
      unsigned cp = (unsigned)strtoul((char[]){p[i + 2], p[i + 3], p[i + 4], p[i + 5], 0}, NULL, 16);
      i += 5;
      if (cp >= 0x80) {
        char u[3];
        int k = 0;
        if (cp < 0x800) u[k++] = (char)(0xc0 | cp >> 6), u[k++] = (char)(0x80 | (cp & 0x3f));
        else u[k++] = (char)(0xe0 | cp >> 12), u[k++] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[k++] = (char)(0x80 | (cp & 0x3f));
        if (type != T_PHONE && type != T_CARD && type != T_SSN && ds_buf_add(out, u, (size_t)k)) return DS_E_NOMEM;
        continue;
      }
      ch = (unsigned char)cp;
    } else if (ch == '\\' && i + 1 < len) {
      char e = p[++i];
      ch = (unsigned char)(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e);
    }
    switch (type) {
    case T_PHONE:
    case T_CARD:
    case T_SSN:
      if (!isdigit(ch)) continue;
      break;
    case T_IBAN:
      if (ch == ' ') continue;
      ch = (unsigned char)toupper(ch);
      break;
    case T_EMAIL:
    case T_IP:
    case T_MAC:
      ch = (unsigned char)tolower(ch);
      break;
    default: break;
    }
    if (ds_buf_addc(out, (char)ch)) return DS_E_NOMEM;
  }
  return DS_OK;
}

static bool reserved_has(const struct ds_deid *d, uint64_t h) {
  if (!d->res_cap) return false;
  for (size_t i = h & (d->res_cap - 1);; i = (i + 1) & (d->res_cap - 1)) {
    if (d->reserved[i] == 0) return false;
    if (d->reserved[i] == h) return true;
  }
}

static enum ds_status reserved_add(struct ds_deid *d, uint64_t h) {
  if (!h) h = 1;
  if (reserved_has(d, h)) return DS_OK;
  if ((d->res_n + 1) * 2 > d->res_cap) {
    size_t nc = d->res_cap ? d->res_cap * 2 : 64;
    uint64_t *v = ds_calloc(nc, sizeof *v);
    if (!v) return DS_E_NOMEM;
    for (size_t i = 0; i < d->res_cap; i++) {
      if (!d->reserved[i]) continue;
      size_t j = d->reserved[i] & (nc - 1);
      while (v[j]) j = (j + 1) & (nc - 1);
      v[j] = d->reserved[i];
    }
    ds_free(d->reserved);
    d->reserved = v;
    d->res_cap = nc;
  }
  size_t j = h & (d->res_cap - 1);
  while (d->reserved[j]) j = (j + 1) & (d->res_cap - 1);
  d->reserved[j] = h;
  d->res_n++;
  return DS_OK;
}

/* Placeholder-looking tokens already in the text ("<EMAIL_1>") are reserved so that a new
 * placeholder never equals one of them. */
enum ds_status deid_reserve_tokens(struct ds_deid *d, const char *t, size_t len) {
  for (const char *p = memchr(t, '<', len); p; p = memchr(p + 1, '<', len - (size_t)(p + 1 - t))) {
    size_t rest = len - (size_t)(p - t);
    size_t i = 1;
    if (i >= rest || !isupper((unsigned char)p[i])) continue;
    while (i < rest && (isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '_')) i++;
    if (i >= rest || p[i] != '>' || p[i - 1] == '_') continue;
    enum ds_status st = reserved_add(d, ds_hash64(p, i + 1));
    if (st) return st;
    if (i + 1 >= rest) break;
  }
  return DS_OK;
}

static enum ds_status make_placeholder(struct ds_deid *d, int type, const char *src, size_t src_len, char **out) {
  DS_UNUSED(src);
  DS_UNUSED(src_len);
  char buf[160];
  const char *label = d->labels[type];
  if (d->hmac) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    struct ds_buf msg;
    ds_buf_init(&msg, 0);
    if (ds_buf_adds(&msg, label) || ds_buf_addc(&msg, 0) || ds_buf_add(&msg, d->norm.data, d->norm.len)) {
      ds_buf_release(&msg);
      return DS_E_NOMEM;
    }
    unsigned char *r = HMAC(EVP_sha256(), d->key, (int)d->key_len, (unsigned char *)msg.data, msg.len, md, &mdlen);
    ds_buf_release(&msg);
    if (!r) return DS_E_INVALID;
    for (int width = 4; width <= 16; width += 4) {
      int n = snprintf(buf, sizeof buf, "<%s_", label);
      for (int k = 0; k < width; k++) n += snprintf(buf + n, sizeof buf - (size_t)n, "%02x", md[k]);
      snprintf(buf + n, sizeof buf - (size_t)n, ">");
      if (!reserved_has(d, ds_hash64(buf, strlen(buf)) ?: 1)) break;
    }
  } else {
    do {
      snprintf(buf, sizeof buf, "<%s_%u>", label, ++d->next_idx[type]);
    } while (reserved_has(d, ds_hash64(buf, strlen(buf)) ?: 1));
  }
  return (*out = ds_strdup(buf)) ? DS_OK : DS_E_NOMEM;
}

/* The placeholder for (type, d->norm), created on first use in this conversation. */
/* The replacement for (type, d->norm) in this conversation, created on first use by make. */
static enum ds_status lookup(struct ds_deid *d, int type, const char **out,
                             enum ds_status (*make)(struct ds_deid *, int, const char *, size_t, char **),
                             const char *src, size_t src_len) {
  uint64_t h = ds_hash64(d->norm.data, d->norm.len) ^ ds_mix64((uint64_t)type + 1);
  if ((d->map_n + 1) * 2 > d->map_cap) {
    size_t nc = d->map_cap ? d->map_cap * 2 : 64;
    struct deid_map_ent *v = ds_calloc(nc, sizeof *v);
    if (!v) return DS_E_NOMEM;
    for (size_t i = 0; i < d->map_cap; i++) {
      if (!d->map[i].key) continue;
      size_t j = d->map[i].h & (nc - 1);
      while (v[j].key) j = (j + 1) & (nc - 1);
      v[j] = d->map[i];
    }
    ds_free(d->map);
    d->map = v;
    d->map_cap = nc;
  }
  size_t j = h & (d->map_cap - 1);
  for (; d->map[j].key; j = (j + 1) & (d->map_cap - 1)) {
    struct deid_map_ent *m = &d->map[j];
    if (m->h == h && m->type == type && m->klen == d->norm.len && !memcmp(m->key, d->norm.data, m->klen)) {
      *out = m->ph;
      return DS_OK;
    }
  }
  struct deid_map_ent m = {h, NULL, d->norm.len, type, NULL};
  if (!(m.key = ds_strndup(d->norm.data, d->norm.len))) return DS_E_NOMEM;
  enum ds_status st = make(d, type, src, src_len, &m.ph);
  if (st) {
    ds_free(m.key);
    return st;
  }
  /* the new placeholder is itself reserved: a later value can never get the same text */
  if ((st = reserved_add(d, ds_hash64(m.ph, strlen(m.ph)) ?: 1))) {
    ds_free(m.key);
    ds_free(m.ph);
    return st;
  }
  d->map[j] = m;
  d->map_n++;
  d->distinct[type]++;
  *out = m.ph;
  return DS_OK;
}

/* A seed for the surrogate of (type, key): keyed, so that nobody without the key can tell
 * which value a surrogate stands for; with a user key the same everywhere, without one also
 * salted per conversation. */
static uint64_t seed_of(struct ds_deid *d, int type, const char *k, size_t kn) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  uint64_t s = 0;
  unsigned char hdr[12] = {'S', (unsigned char)type, 0, 0};
  uint64_t salt = d->hmac ? 0 : d->conv_salt;
  memcpy(hdr + 4, &salt, 8);
  ds_buf_reset(&d->sbuf);
  if (!ds_buf_add(&d->sbuf, hdr, sizeof hdr) && !ds_buf_add(&d->sbuf, k, kn) &&
      HMAC(EVP_sha256(), d->key, (int)d->key_len, (const unsigned char *)d->sbuf.data, d->sbuf.len, md, &mdlen))
    memcpy(&s, md, sizeof s);
  else
    s = ds_hash64(k, kn) ^ salt ^ (uint64_t)type;
  return s;
}

/* JSON escapes of a raw span decoded (\" \\ \/ \n ... \uXXXX), for generating from. */
static enum ds_status unescape(const char *p, size_t n, struct ds_buf *out) {
  ds_buf_reset(out);
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c != '\\' || i + 1 >= n) {
      if (ds_buf_addc(out, c)) return DS_E_NOMEM;
      continue;
    }
    char e = p[++i];
    if (e == 'u' && i + 4 < n) {
      unsigned cp = (unsigned)strtoul((char[]){p[i + 1], p[i + 2], p[i + 3], p[i + 4], 0}, NULL, 16);
      i += 4;
      char u[4];
      int k = 0;
      if (cp < 0x80) u[k++] = (char)cp;
      else if (cp < 0x800) u[k++] = (char)(0xc0 | cp >> 6), u[k++] = (char)(0x80 | (cp & 0x3f));
      else u[k++] = (char)(0xe0 | cp >> 12), u[k++] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[k++] = (char)(0x80 | (cp & 0x3f));
      if (ds_buf_add(out, u, (size_t)k)) return DS_E_NOMEM;
      continue;
    }
    char s = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
    if (ds_buf_addc(out, s)) return DS_E_NOMEM;
  }
  return DS_OK;
}

/* The surrogate written as it must appear where the original had JSON escapes. */
static enum ds_status escape_into(const char *p, size_t n, struct ds_buf *out) {
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < n && !st; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\\') st = ds_buf_addc(out, '\\'), st = st ? st : ds_buf_addc(out, (char)c);
    else if (c == '\n') st = ds_buf_adds(out, "\\n");
    else if (c == '\r') st = ds_buf_adds(out, "\\r");
    else if (c == '\t') st = ds_buf_adds(out, "\\t");
    else if (c < 0x20) st = ds_buf_addf(out, "\\u%04x", c);
    else st = ds_buf_addc(out, (char)c);
  }
  return st;
}

static enum ds_status email_keeps_names(struct ds_deid *d, const char *p, size_t n, struct ds_buf *gen);

static enum ds_status make_surrogate(struct ds_deid *d, int type, const char *src, size_t n, char **out) {
  struct ds_buf gen, raw;
  ds_buf_init(&gen, 0);
  ds_buf_init(&raw, 0);
  bool esc = memchr(src, '\\', n) != NULL;
  enum ds_status st = DS_OK;
  const char *p = src;
  if (esc) {
    if ((st = unescape(src, n, &raw))) goto out;
    p = raw.data;
    n = raw.len;
  }
  struct deid_rng r = {seed_of(d, type, d->norm.data, d->norm.len)};
  for (int tries = 0; tries < 16; tries++) {
    ds_buf_reset(&gen);
    if ((st = deid_surrogate(&d->sur, type, p, n, &r, &gen))) goto out;
    if (type == T_EMAIL && (st = email_keeps_names(d, p, n, &gen))) goto out;
    /* one surrogate, one value: taken in this conversation already means draw again */
    if (!reserved_has(d, ds_hash64(gen.data, gen.len) ?: 1)) break;
  }
  if (esc) {
    ds_buf_reset(&raw);
    if ((st = escape_into(gen.data, gen.len, &raw))) goto out;
    *out = ds_buf_detach(&raw, NULL);
  } else {
    *out = ds_buf_detach(&gen, NULL);
  }
out:
  ds_buf_release(&gen);
  ds_buf_release(&raw);
  return st;
}

/* A person's name token's surrogate: d->norm holds the role letter and the folded token. */
static enum ds_status make_name_token(struct ds_deid *d, int type, const char *src, size_t n, char **out) {
  struct ds_buf gen;
  ds_buf_init(&gen, 0);
  struct deid_rng r = {seed_of(d, type, d->norm.data, d->norm.len)};
  enum ds_status st = DS_OK;
  for (int tries = 0; tries < 16; tries++) {
    ds_buf_reset(&gen);
    if ((st = deid_surrogate_name_token(&d->sur, src, n, d->norm.data[0] == 'f' ? 0 : 1, &r, &gen))) break;
    if (!reserved_has(d, ds_hash64(gen.data, gen.len) ?: 1)) break;
  }
  if (!st) st = deid_sur_issue_tokens(&d->sur, gen.data, gen.len);
  if (!st) *out = ds_buf_detach(&gen, NULL);
  ds_buf_release(&gen);
  return st;
}

/* The surrogate this conversation gave the name word f in the role, or NULL. */
static const char *mapped_name(const struct ds_deid *d, char role, const char *f, size_t fl) {
  if (!d->map_cap || fl + 1 > 127) return NULL;
  char key[128];
  key[0] = role;
  memcpy(key + 1, f, fl);
  uint64_t h = ds_hash64(key, fl + 1) ^ ds_mix64((uint64_t)T_PERSON + 1);
  for (size_t j = h & (d->map_cap - 1); d->map[j].key; j = (j + 1) & (d->map_cap - 1)) {
    const struct deid_map_ent *m = &d->map[j];
    if (m->h == h && m->type == T_PERSON && m->klen == fl + 1 && !memcmp(m->key, key, fl + 1)) return m->ph;
  }
  return NULL;
}

static bool has_role(struct ds_deid *d, char role, const char *f, size_t fl) { return mapped_name(d, role, f, fl) != NULL; }

/* An e-mail address whose local part holds a name this conversation replaced ("ann.lee@")
 * takes that name's surrogate ("maya.quist@"), so that the text still agrees with itself.
 * gen is the generated surrogate: its local part has the runs of the source's (letters,
 * digits, separators in the same places), so a run of the source that is a replaced name
 * swaps in that name's surrogate and every other run stays generated. */
static enum ds_status email_keeps_names(struct ds_deid *d, const char *p, size_t n, struct ds_buf *gen) {
  const char *at = memchr(p, '@', n), *gat = memchr(gen->data, '@', gen->len);
  if (!at || !gat) return DS_OK;
  size_t ll = (size_t)(at - p), gl = (size_t)(gat - gen->data);
  struct ds_buf loc;
  ds_buf_init(&loc, 0);
  enum ds_status st = DS_OK;
  size_t i = 0, g = 0, runs = 0, named = 0;
  while (i < ll && g < gl && !st) {
    bool sa = isalpha((unsigned char)p[i]) != 0, ga = isalpha((unsigned char)gen->data[g]) != 0;
    if (!sa || !ga) {
      if (sa != ga) break; /* not the same shape: keep the generated one */
      st = ds_buf_addc(&loc, gen->data[g]);
      i++, g++;
      continue;
    }
    size_t j = i, k = g;
    while (j < ll && isalpha((unsigned char)p[j])) j++;
    while (k < gl && isalpha((unsigned char)gen->data[k])) k++;
    runs++;
    char f[64], sf[64];
    size_t fl = deid_fold(p + i, j - i, f, sizeof f), sl = 0;
    const char *s = NULL;
    if (j - i >= 2 && fl <= sizeof f && !(s = mapped_name(d, runs == 1 ? 'f' : 'l', f, fl)))
      s = mapped_name(d, runs == 1 ? 'l' : 'f', f, fl);
    if (s) sl = deid_fold(s, strlen(s), sf, sizeof sf);
    if (s && sl <= sizeof sf) { /* letters only: "Jean-Luc" is "jeanluc" in an address */
      size_t w = 0;
      for (size_t q = 0; q < sl; q++)
        if (isalpha((unsigned char)sf[q])) sf[w++] = sf[q];
      sl = w;
    }
    if (s && sl >= 2 && sl <= sizeof sf) {
      if (isupper((unsigned char)p[i])) sf[0] = (char)toupper((unsigned char)sf[0]);
      st = ds_buf_add(&loc, sf, sl);
      named++;
    } else {
      st = ds_buf_add(&loc, gen->data + g, k - g);
    }
    i = j, g = k;
  }
  if (!st && named && i == ll && g == gl) {
    st = ds_buf_add(&loc, gat, gen->len - gl);
    if (!st) {
      ds_buf_reset(gen);
      st = ds_buf_add(gen, loc.data, loc.len);
    }
    if (!st) st = deid_sur_issue_value(&d->sur, T_EMAIL, gen->data, gen->len);
  }
  ds_buf_release(&loc);
  return st;
}

static bool name_word(const char *w, size_t n) {
  if (deid_n_cps(w, n) == 1) return true; /* an initial */
  const struct lex_entry *e = deid_lex_word(w, n);
  return !(e && (e->flags & (LF_TITLE | LF_PARTICLE)) && !e->fn && !e->sn);
}

/* A person's name, word by word through the map. */
static enum ds_status person_surrogate(struct ds_deid *d, const char *p, size_t n, struct ds_buf *out) {
  size_t words = 0;
  for (size_t i = 0; i < n;) {
    while (i < n && !(isalpha((unsigned char)p[i]) || (unsigned char)p[i] >= 0x80)) i++;
    size_t j = i;
    while (j < n && p[j] != ' ' && p[j] != '.' && p[j] != ',') j++;
    if (j > i && name_word(p + i, j - i)) words++;
    i = j;
  }
  size_t k = 0;
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < n && !st;) {
    unsigned char c = (unsigned char)p[i];
    if (!(isalpha(c) || c >= 0x80)) {
      st = ds_buf_addc(out, (char)c);
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && p[j] != ' ' && p[j] != '.' && p[j] != ',') j++;
    if (!name_word(p + i, j - i)) {
      st = ds_buf_add(out, p + i, j - i);
      i = j;
      continue;
    }
    /* the role: the first of several is a first name, the last a surname; one alone is a
     * first name when it is known as one */
    char role = 'l';
    char f[128];
    size_t fl = deid_fold(p + i, j - i, f, sizeof f);
    if (fl > sizeof f) fl = sizeof f;
    if (deid_n_cps(p + i, j - i) == 1) role = 'i';
    else if (words > 1 && k + 1 < words) role = 'f';
    else if (words == 1) {
      /* one word alone: the role it had earlier in the conversation ("Ann Lee" ... "Ms. Lee"),
       * else a first name when it is better known as one */
      if (has_role(d, 'l', f, fl)) role = 'l';
      else if (has_role(d, 'f', f, fl)) role = 'f';
      else {
        const struct lex_entry *e = deid_lex_word(p + i, j - i);
        if (e && e->fn >= 2 && e->fn >= e->sn) role = 'f';
      }
    }
    k++;
    ds_buf_reset(&d->norm);
    const char *ph;
    if ((st = ds_buf_addc(&d->norm, role)) || (st = ds_buf_add(&d->norm, f, fl)) ||
        (st = lookup(d, T_PERSON, &ph, make_name_token, p + i, j - i)))
      break;
    st = ds_buf_adds(out, ph);
    i = j;
  }
  return st;
}

/* The replacement of one detection, appended to d->out. */
static enum ds_status replace_one(struct ds_deid *d, int type, const char *p, size_t n) {
  enum ds_status st;
  const char *ph;
  if (d->replace == DS_DEID_REPLACE_SURROGATE && type < T_BUILTIN_N) {
    if (type == T_PERSON && !memchr(p, '\\', n)) return person_surrogate(d, p, n, &d->out);
    if ((st = deid_normalize(type, p, n, &d->norm)) || (st = lookup(d, type, &ph, make_surrogate, p, n))) return st;
    return ds_buf_adds(&d->out, ph);
  }
  if ((st = deid_normalize(type, p, n, &d->norm)) || (st = lookup(d, type, &ph, make_placeholder, p, n))) return st;
  return ds_buf_adds(&d->out, ph);
}

enum ds_status deid_replace_whole(struct ds_deid *d, int type, const char *p, size_t n) {
  enum ds_status st = deid_reserve_tokens(d, p, n);
  if (st) return st;
  ds_buf_reset(&d->out);
  if ((st = replace_one(d, type, p, n))) return st;
  d->replaced[type]++;
  return DS_OK;
}

/* With surrogates, the names of a text are mapped before its e-mail addresses, so that an
 * address holding a name takes that name's surrogate wherever the name stands. */
static enum ds_status names_before_emails(struct ds_deid *d, const char *text) {
  if (d->replace != DS_DEID_REPLACE_SURROGATE) return DS_OK;
  bool email = false;
  for (size_t i = 0; i < d->spans.n && !email; i++) email = d->spans.v[i].type == T_EMAIL;
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < d->spans.n && email && !st; i++) {
    const struct deid_span *s = &d->spans.v[i];
    if (s->type != T_PERSON || memchr(text + s->start, '\\', s->end - s->start)) continue;
    ds_buf_reset(&d->out);
    st = person_surrogate(d, text + s->start, s->end - s->start, &d->out);
  }
  return st;
}

enum ds_status deid_replace_text(struct ds_deid *d, const char *text, size_t len, bool *out_changed) {
  *out_changed = false;
  enum ds_status st = deid_reserve_tokens(d, text, len);
  if (st) return st;
  const char *cur = text;
  size_t cur_len = len;
  char *tmp = NULL;
  /* a replacement can make a neighbouring value detectable (or not); re-scan the result
   * until it is clean, at most a few rounds, so the post-scan agrees. From the second round
   * on, surrogates are recognized and left alone. */
  for (int round = 0; round < 4; round++) {
    d->round = round;
    st = deid_find_all(d, cur, cur_len);
    d->round = 0;
    if (st) goto out;
    if (!d->spans.n) break;
    if ((st = names_before_emails(d, cur))) goto out;
    ds_buf_reset(&d->out);
    size_t at = 0;
    for (size_t i = 0; i < d->spans.n; i++) {
      struct deid_span *s = &d->spans.v[i];
      if ((st = ds_buf_add(&d->out, cur + at, s->start - at)) ||
          (st = replace_one(d, s->type, cur + s->start, s->end - s->start)))
        goto out;
      d->replaced[s->type]++;
      at = s->end;
    }
    if ((st = ds_buf_add(&d->out, cur + at, cur_len - at))) goto out;
    *out_changed = true;
    ds_free(tmp);
    size_t n;
    tmp = ds_buf_detach(&d->out, &n);
    ds_buf_init(&d->out, MAX_TEXT);
    cur = tmp;
    cur_len = n;
  }
  if (*out_changed) {
    ds_buf_reset(&d->out);
    st = ds_buf_add(&d->out, cur, cur_len);
  }
out:
  ds_free(tmp);
  return st;
}

enum ds_status ds_deid_text(struct ds_deid *d, const char *text, size_t len, char **out_text, size_t *out_len,
                            struct ds_err *err) {
  *out_text = NULL;
  bool changed;
  enum ds_status st = deid_replace_text(d, text, len, &changed);
  if (st) return ds_fail(err, st, "de-identification failed: %s", ds_status_name(st));
  d->strings++;
  d->bytes += len;
  char *r = changed ? ds_strndup(d->out.data, d->out.len) : ds_strndup(text, len);
  if (!r) return ds_fail(err, DS_E_NOMEM, "out of memory");
  *out_text = r;
  if (out_len) *out_len = changed ? d->out.len : len;
  return DS_OK;
}

enum ds_status deid_hash_id(struct ds_deid *d, const char *id, size_t n, struct ds_buf *out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  ds_buf_reset(&d->sbuf);
  if (ds_buf_add(&d->sbuf, "id", 3) || ds_buf_add(&d->sbuf, id, n)) return DS_E_NOMEM;
  if (!HMAC(EVP_sha256(), d->key, (int)d->key_len, (const unsigned char *)d->sbuf.data, d->sbuf.len, md, &mdlen))
    return DS_E_INVALID;
  enum ds_status st = ds_buf_adds(out, "id-");
  for (int i = 0; i < 8 && !st; i++) st = ds_buf_addf(out, "%02x", md[i]);
  return st;
}
