/* validate_secret.c: validators of secrets: keyword = value assignments (the value must
 * look random, not like an identifier, a path or a template), credentials in URLs, tokens
 * of a fixed shape, JSON Web Tokens and private-key blocks. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "deid_int.h"

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }

static size_t count_digits(const char *p, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += is_digit((unsigned char)p[i]);
  return n;
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
  return deid_push(c, s, i, T_SECRET);
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
  return deid_push(c, e, i, T_URL_CREDENTIAL);
}

/* user:password with a password that names itself ("password", "pass", "pwd", ...): a
 * documentation example, as in `curl ftp://username:password@host`, not a credential. */
static bool placeholder_password(const char *p, size_t n) {
  const char *colon = memchr(p, ':', n);
  if (!colon) return false;
  size_t pl = n - (size_t)(colon + 1 - p);
  static const char *const words[] = {"password", "pass", "passwd", "pwd", "pw", "secret", "mypassword",
                                      "yourpassword", "pass123", "password123", NULL};
  for (const char *const *w = words; *w; w++)
    if (strlen(*w) == pl && strncasecmp(colon + 1, *w, pl) == 0) return true;
  return false;
}

static enum ds_status v_url_userinfo(struct deid_vctx *c, size_t s, size_t e) {
  const char *sep = memmem(c->text + s, e - s, "://", 3);
  if (!sep) return DS_OK;
  size_t u = (size_t)(sep - c->text) + 3;
  size_t at = e - 1; /* the '@' */
  if (at <= u || templated(c->text + u, at - u) || placeholder_password(c->text + u, at - u)) return DS_OK;
  return deid_push(c, u, at, T_URL_CREDENTIAL);
}

static enum ds_status v_token(struct deid_vctx *c, int type, size_t s, size_t e) {
  if (type == T_OPENAI_KEY) {
    /* sk-<20+ chars> must look random: digits and letters, high entropy */
    size_t n = e - s;
    if (count_digits(c->text + s, n) == 0 || deid_entropy(c->text + s, n) < 3.5) return DS_OK;
  }
  return deid_push(c, s, e, type);
}

static enum ds_status v_jwt(struct deid_vctx *c, size_t s, size_t e) {
  /* header.payload.signature: the signature part may be empty only for "alg":"none" */
  const char *dot2 = NULL;
  int dots = 0;
  for (size_t i = s; i < e; i++)
    if (c->text[i] == '.' && ++dots == 2) dot2 = c->text + i;
  if (dots < 2 || !dot2) return DS_OK;
  return deid_push(c, s, e, T_JWT);
}

/* A private-key block: from BEGIN to the end of its END line. A block whose body has fewer
 * than 16 base64 characters (counted again after an underscore) holds no key ("-----BEGIN PRIVATE KEY-----\nYOUR_PRIVATE_KEY\n
 * -----END ..." in documentation); a truncated real one ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC
 * ...") still counts. */
static enum ds_status v_pem(struct deid_vctx *c, size_t s, size_t e) {
  const char *end = memmem(c->text + e, c->len - e, "-----END", 8);
  size_t stop = c->len, body_end = end ? (size_t)(end - c->text) : c->len, b64 = 0;
  if (end) {
    const char *close = memmem(end + 8, c->len - (size_t)(end + 8 - c->text), "-----", 5);
    if (close) stop = (size_t)(close - c->text) + 5;
  }
  for (size_t i = e; i < body_end && b64 < 16; i++) {
    unsigned char ch = (unsigned char)c->text[i];
    b64 += isalnum(ch) || ch == '+' || ch == '/';
    if (ch == '_') b64 = 0; /* an identifier-like placeholder, not base64 */
  }
  if (b64 < 16) return DS_OK;
  return deid_push(c, s, stop, T_PRIVATE_KEY);
}

enum ds_status deid_validate_secret(struct deid_vctx *c, int kind, int type, size_t s, size_t e) {
  switch (kind) {
  case K_URL_USERINFO: return v_url_userinfo(c, s, e);
  case K_URL_PARAM: return v_url_param(c, e);
  case K_TOKEN: return v_token(c, type, s, e);
  case K_JWT: return v_jwt(c, s, e);
  case K_PEM: return v_pem(c, s, e);
  case K_ASSIGN: return v_assign(c, e);
  }
  return DS_OK;
}
