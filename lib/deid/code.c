/* code.c: where a text is code (fenced blocks, inline code, lines that read as code, a text
 * that is JSON) and which keys name personal data. Inside code only secrets and structured
 * identifiers are replaced, and string values of keys that say what they hold ("first_name",
 * "dob", "address"): identifiers, class names and other literals are left alone. */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "deid_int.h"

bool deid_type_in_code(int type) {
  switch (type) {
  case T_PERSON:
  case T_ADDRESS:
  case T_DOB:
  case T_LOCATION:
  case T_DATE:
  case T_DRIVER_LICENSE:
  case T_PASSPORT:
  case T_MEDICAL_RECORD:
  case T_ACCOUNT:
  case T_ID_NUMBER:
  case T_AGE: return false;
  default: return true;
  }
}

static enum ds_status add_range(struct deid_ranges *rg, size_t a, size_t b) {
  if (b <= a) return DS_OK;
  if (rg->n && rg->r[2 * rg->n - 1] >= a) { /* touching or overlapping the last one */
    if (b > rg->r[2 * rg->n - 1]) rg->r[2 * rg->n - 1] = b;
    return DS_OK;
  }
  if (rg->n == rg->cap) {
    size_t nc = rg->cap ? rg->cap * 2 : 16;
    size_t *v = ds_realloc(rg->r, nc * 2 * sizeof *v);
    if (!v) return DS_E_NOMEM;
    rg->r = v;
    rg->cap = nc;
  }
  rg->r[2 * rg->n] = a;
  rg->r[2 * rg->n + 1] = b;
  rg->n++;
  return DS_OK;
}

bool deid_in_ranges(const struct deid_ranges *rg, size_t pos) {
  if (!rg || !rg->n) return false;
  size_t lo = 0, hi = rg->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (rg->r[2 * mid + 1] <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo < rg->n && rg->r[2 * lo] <= pos;
}

static bool starts_ci(const char *p, size_t n, const char *w) {
  size_t k = strlen(w);
  return n >= k && !strncasecmp(p, w, k);
}

/* Whether the operator character at p[k] (k + 1 < n) and the next make an operator of code. */
static inline bool code_pair(const char *p, size_t n, size_t k) {
  char a = p[k], b = p[k + 1];
  return (a == '=' && (b == '>' || b == '=')) || (a == '-' && b == '>') || (a == ':' && (b == ':' || b == '=')) ||
         (a == '!' && b == '=') || (a == '+' && b == '=') || (a == '&' && b == '&') || (a == '|' && b == '|') ||
         (a == ')' && (b == ';' || b == '{')) || (a == '$' && (b == '{' || b == '(')) || (a == '<' && b == '/') ||
         (a == '/' && b == '>') || (a == '[' && b == ']') || (a == ')' && b == ' ' && k + 2 < n && p[k + 2] == '{');
}

/* How much a line (without its newline) reads as code: 0 prose, 1 a hint, 2 code, 3 surely. */
static int line_score(const char *p, size_t n) {
  while (n && (*p == ' ' || *p == '\t')) p++, n--;
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) n--;
  if (!n) return -1; /* blank */
  /* keywords that start code lines, sorted by their first character, and where each first
   * character's run starts and ends */
#define K(s) {s, sizeof s - 1}
  static const struct {
    const char *s;
    size_t n;
  } kw[] = {
    K("#include"), K("#define"), K("#!/"), K("#pragma"), K("$ "), K("* @"), K("*/"), K("--"), K("//"), K("/*"),
    K("<?php"), K("<!DOCTYPE"), K("</"), K("<div"), K("<span"), K("<script"), K("<html"), K("<template"),
    K("@Override"), K("System.out"), K("async "), K("await "), K("apt "), K("apt-get "), K("brew "),
    K("class "), K("const "), K("catch ("), K("console."), K("cd "), K("curl "), K("chmod "), K("cargo "),
    K("cat "), K("def "), K("docker "), K("elif "), K("else:"), K("else {"), K("except"), K("export "),
    K("echo "), K("from "), K("function "), K("func "), K("fn "), K("finally:"), K("for ("), K("git "),
    K("go "), K("import "), K("if ("), K("kubectl "), K("let "), K("lambda "), K("ls "), K("module.exports"),
    K("mkdir "), K("make "), K("npm "), K("node "), K("public "), K("private "), K("protected "),
    K("package "), K("print("), K("println!"), K("printf("), K("pip "), K("python "), K("python3 "),
    K("return "), K("return;"), K("require("), K("static "), K("switch ("), K("std::"), K("self."), K("sudo "),
    K("try:"), K("try {"), K("this."), K("using "), K("var "), K("while ("), K("wget "), K("yield "),
    K("yarn "), K("} else")};
#undef K
  static const unsigned char kw_run[256][2] = {
    ['#'] = {0, 4}, ['$'] = {4, 5}, ['*'] = {5, 7}, ['-'] = {7, 8}, ['/'] = {8, 10}, ['<'] = {10, 18},
    ['@'] = {18, 19}, ['S'] = {19, 20}, ['a'] = {20, 24}, ['b'] = {24, 25}, ['c'] = {25, 34}, ['d'] = {34, 36},
    ['e'] = {36, 42}, ['f'] = {42, 48}, ['g'] = {48, 50}, ['i'] = {50, 52}, ['k'] = {52, 53}, ['l'] = {53, 56},
    ['m'] = {56, 59}, ['n'] = {59, 61}, ['p'] = {61, 71}, ['r'] = {71, 74}, ['s'] = {74, 79}, ['t'] = {79, 82},
    ['u'] = {82, 83}, ['v'] = {83, 84}, ['w'] = {84, 86}, ['y'] = {86, 88}, ['}'] = {88, 89}};
  for (size_t k = kw_run[(unsigned char)p[0]][0]; k < kw_run[(unsigned char)p[0]][1]; k++) {
    if (n < kw[k].n || memcmp(p, kw[k].s, kw[k].n)) continue;
    /* "from ... import" only; prose starts "From" capitalized and rarely "from" */
    if (kw[k].s[0] == 'f' && kw[k].n == 5 && !memmem(p, n, " import ", 8)) continue;
    if (kw[k].s[0] == '-' && n > 2 && p[2] == ' ') continue;
    return 3;
  }
  static const char *const sql[] = {"SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE",
                                    "CREATE INDEX", "ALTER TABLE", "DROP TABLE", "WHERE ", "GROUP BY", "ORDER BY",
                                    "LEFT JOIN", "INNER JOIN", "VALUES (", "VALUES(", NULL};
  if (n > 6 && isupper((unsigned char)p[0]) && isupper((unsigned char)p[1]))
    for (const char *const *k = sql; *k; k++)
      if (starts_ci(p, n, *k)) return 3;
  int s = 0;
  char last = p[n - 1];
  /* a sentence: a capitalized word, a space, and a full stop at the end */
  if (isupper((unsigned char)p[0]) && (last == '.' || last == '?' || last == '!')) {
    size_t k = 1;
    while (k < n && islower((unsigned char)p[k])) k++;
    if (k > 1 && k < n && p[k] == ' ') return 0;
  }
  if (last == ';' || last == '{' || last == '}' || (last == ')' && n > 1 && p[n - 2] == '(')) s += 2;
  else if (last == ',' && (p[0] == '"' || p[0] == '\'' || p[0] == '[' || p[0] == '{')) s += 2;
  else if (last == ':' && n < 80 && memchr(p, '(', n)) s += 2; /* python block header */
  else if (last == '[' || last == '(' || last == ']') s += 1;
  if (p[0] == '{' || p[0] == '}' || p[0] == ']' || p[0] == ')') s += 2;
  if (p[0] == '"' && memmem(p, n, "\":", 2)) s += 2; /* a JSON member */
  /* operators and words: one pass over the line */
  static const unsigned char opchar[256] = {['='] = 1, ['-'] = 1, [':'] = 1, ['!'] = 1, ['+'] = 1, ['&'] = 1,
                                           ['|'] = 1, [')'] = 1, ['$'] = 1, ['<'] = 1, ['/'] = 1, ['['] = 1,
                                           [' '] = 2};
  size_t words = 1;
  bool op = false;
  /* the first 100 bytes decide: code lines are short, a long line is a paragraph */
  size_t scan = n < 100 ? n : 100, k = 0;
#ifdef __SSE2__
  /* 16 bytes at a time: spaces counted, operator characters found (then checked as below) */
  __m128i nsp = _mm_setzero_si128();
  for (; k + 16 < scan; k += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(p + k));
    __m128i sp = _mm_cmpeq_epi8(x, _mm_set1_epi8(' '));
    nsp = _mm_sub_epi8(nsp, sp); /* at most 7 blocks: no byte overflows */
    if (op) continue;
#define EQ(ch) _mm_cmpeq_epi8(x, _mm_set1_epi8(ch))
    __m128i o = _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ('='), EQ('-')), _mm_or_si128(EQ(':'), EQ('!'))),
                             _mm_or_si128(_mm_or_si128(EQ('+'), EQ('&')), _mm_or_si128(EQ('|'), EQ(')'))));
    o = _mm_or_si128(o, _mm_or_si128(_mm_or_si128(EQ('$'), EQ('<')), _mm_or_si128(EQ('/'), EQ('['))));
#undef EQ
    for (unsigned m = (unsigned)_mm_movemask_epi8(o); m && !op; m &= m - 1)
      op = code_pair(p, n, k + (size_t)__builtin_ctz(m));
  }
  __m128i sums = _mm_sad_epu8(nsp, _mm_setzero_si128());
  words += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
#endif
  for (; k + 1 < scan; k++) {
    unsigned char t = opchar[(unsigned char)p[k]];
    if (!t) continue;
    if (t == 2) {
      words++;
      continue;
    }
    if (!op) op = code_pair(p, n, k);
  }
  if (op) s += 2;
  /* identifier = value, identifier(...) */
  size_t i = 0;
  while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '.' || p[i] == '[' || p[i] == ']' ||
                   p[i] == '\'' || p[i] == '"'))
    i++;
  if (i > 0 && i + 2 < n && p[i] == ' ' && p[i + 1] == '=' && p[i + 2] == ' ') s += 2;
  else if (i > 0 && i < n && p[i] == '=' && i + 1 < n && p[i + 1] != '=') s += 2;
  else if (i > 0 && i < n && p[i] == '(' && memchr(p, ')', n)) {
    /* "foo(x)" code, but "Hello (world)" prose: a call has no space before "(" and the name
     * is lower-case or has _ . */
    bool ident = false;
    for (size_t k = 0; k < i; k++) ident |= p[k] == '_' || p[k] == '.' || islower((unsigned char)p[0]);
    if (ident) s += 2;
  }
  /* prose: many words, sentence punctuation */
  if (words >= 8 && (last == '.' || last == '?' || last == '!') && s < 3) s -= 2;
  if (words >= 14 && s < 3) s -= 1;
  return s < 0 ? 0 : s > 3 ? 3 : s;
}

/* A JSON value at *i (syntax only, no allocation); depth-limited. */
static bool json_value(const char *t, size_t n, size_t *i, int depth);

static void ws(const char *t, size_t n, size_t *i) {
  while (*i < n && (t[*i] == ' ' || t[*i] == '\n' || t[*i] == '\r' || t[*i] == '\t')) (*i)++;
}

static bool jstring(const char *t, size_t n, size_t *i) {
  if (*i >= n || t[*i] != '"') return false;
  for (size_t k = *i + 1; k < n; k++) {
    unsigned char c = (unsigned char)t[k];
    if (c == '\\') {
      k++;
      continue;
    }
    if (c < 0x20) return false;
    if (c == '"') {
      *i = k + 1;
      return true;
    }
  }
  return false;
}

static bool json_value(const char *t, size_t n, size_t *i, int depth) {
  if (depth > 64) return false;
  ws(t, n, i);
  if (*i >= n) return false;
  char c = t[*i];
  if (c == '"') return jstring(t, n, i);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    (*i)++;
    ws(t, n, i);
    if (*i < n && t[*i] == close) {
      (*i)++;
      return true;
    }
    for (;;) {
      if (c == '{') {
        ws(t, n, i);
        if (!jstring(t, n, i)) return false;
        ws(t, n, i);
        if (*i >= n || t[*i] != ':') return false;
        (*i)++;
      }
      if (!json_value(t, n, i, depth + 1)) return false;
      ws(t, n, i);
      if (*i >= n) return false;
      if (t[*i] == ',') {
        (*i)++;
        continue;
      }
      if (t[*i] != close) return false;
      (*i)++;
      return true;
    }
  }
  size_t k = *i;
  while (k < n && (isalnum((unsigned char)t[k]) || t[k] == '-' || t[k] == '+' || t[k] == '.')) k++;
  if (k == *i) return false;
  const char *w = t + *i;
  size_t wl = k - *i;
  bool ok = (wl == 4 && (!memcmp(w, "true", 4) || !memcmp(w, "null", 4))) || (wl == 5 && !memcmp(w, "false", 5)) ||
            (isdigit((unsigned char)w[0]) || w[0] == '-');
  *i = k;
  return ok;
}

/* A text that is a JSON object or array as a whole. */
static bool whole_json(const char *t, size_t len) {
  size_t a = 0, b = len;
  while (a < b && isspace((unsigned char)t[a])) a++;
  while (b > a && isspace((unsigned char)t[b - 1])) b--;
  if (b - a < 2) return false;
  if (!((t[a] == '{' && t[b - 1] == '}') || (t[a] == '[' && t[b - 1] == ']'))) return false;
  size_t i = a;
  if (!json_value(t, b, &i, 0)) return false;
  ws(t, b, &i);
  return i == b;
}

/* A JSON text is code, except string values that are prose ("description": "Call Ann
 * tomorrow about ..."): those are read as text. */
static bool prose_value(const char *p, size_t n) {
  if (n < 16) return false;
  size_t spaces = 0, letters = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    spaces += c == ' ';
    letters += isalpha(c) || c >= 0x80;
  }
  return spaces >= 3 && letters * 10 >= n * 6;
}

static enum ds_status json_ranges(const char *t, size_t len, struct deid_ranges *out) {
  size_t from = 0;
  enum ds_status st;
  for (size_t i = 0; i < len; i++) {
    if (t[i] != '"') continue;
    size_t j = i + 1;
    while (j < len && t[j] != '"') j += t[j] == '\\' ? 2 : 1;
    if (j >= len) break;
    size_t k = j + 1;
    while (k < len && isspace((unsigned char)t[k])) k++;
    bool key = k < len && t[k] == ':';
    if (!key && prose_value(t + i + 1, j - i - 1)) {
      if ((st = add_range(out, from, i + 1))) return st;
      from = j;
    }
    i = j;
  }
  return add_range(out, from, len);
}

enum ds_status deid_code_find(const char *t, size_t len, struct deid_ranges *out) {
  out->n = 0;
  enum ds_status st;
  if (!len) return DS_OK;
  if (whole_json(t, len))
    return json_ranges(t, len, out);
  /* pass over lines: fences, and runs of code-like lines */
  size_t run_start = SIZE_MAX, run_end = 0;
  int run_lines = 0, run_best = 0;
  bool fenced = false;
  size_t fence_start = 0;
  char fence_ch = 0;
  size_t fence_n = 0;
  for (size_t ls = 0; ls < len;) {
    const char *nl = memchr(t + ls, '\n', len - ls);
    size_t le = nl ? (size_t)(nl - t) : len;
    size_t next = nl ? le + 1 : len;
    const char *p = t + ls;
    size_t n = le - ls;
    size_t ind = 0;
    while (ind < n && ind < 4 && p[ind] == ' ') ind++;
    bool fence_line = false;
    char fc = 0;
    size_t fcount = 0;
    if (ind < 4 && ind < n && (p[ind] == '`' || p[ind] == '~')) {
      fc = p[ind];
      while (ind + fcount < n && p[ind + fcount] == fc) fcount++;
      fence_line = fcount >= 3;
    }
    if (fenced) {
      if (fence_line && fc == fence_ch && fcount >= fence_n) {
        if ((st = add_range(out, fence_start, next))) return st;
        fenced = false;
      }
      ls = next;
      continue;
    }
    if (fence_line) {
      if (run_lines >= 2 || run_best >= 3) {
        if ((st = add_range(out, run_start, run_end))) return st;
      }
      run_start = SIZE_MAX;
      run_lines = run_best = 0;
      fenced = true;
      fence_start = ls;
      fence_ch = fc;
      fence_n = fcount;
      ls = next;
      continue;
    }
    int sc = line_score(p, n);
    bool blank = sc < 0;
    if (sc >= 2) {
      if (run_start == SIZE_MAX) run_start = ls;
      run_end = le;
      run_lines++;
      if (sc > run_best) run_best = sc;
    } else if (!(blank || sc == 1) || run_start == SIZE_MAX) {
      if (run_start != SIZE_MAX && (run_lines >= 2 || run_best >= 3)) {
        if ((st = add_range(out, run_start, run_end))) return st;
      }
      run_start = SIZE_MAX;
      run_lines = run_best = 0;
    }
    ls = next;
  }
  if (fenced && (st = add_range(out, fence_start, len))) return st;
  if (run_start != SIZE_MAX && (run_lines >= 2 || run_best >= 3) && (st = add_range(out, run_start, run_end)))
    return st;
  /* inline code: `...` within a line (ranges above are sorted; these are merged in) */
  struct deid_ranges in = {0};
  for (size_t i = 0; i < len; i++) {
    const char *bt = memchr(t + i, '`', len - i);
    if (!bt) break;
    i = (size_t)(bt - t);
    if (deid_in_ranges(out, i)) continue;
    size_t k = 0;
    while (i + k < len && t[i + k] == '`') k++;
    size_t j = i + k, stop = len < i + k + 2000 ? len : i + k + 2000;
    size_t close = SIZE_MAX;
    while (j < stop) {
      if (t[j] == '\n' && j + 1 < len && t[j + 1] == '\n') break;
      if (t[j] == '`') {
        size_t m = 0;
        while (j + m < len && t[j + m] == '`') m++;
        if (m == k) {
          close = j + m;
          break;
        }
        j += m;
        continue;
      }
      j++;
    }
    if (close == SIZE_MAX) {
      i += k - 1;
      continue;
    }
    if ((st = add_range(&in, i, close))) {
      ds_free(in.r);
      return st;
    }
    i = close - 1;
  }
  if (in.n) {
    /* merge two sorted lists */
    struct deid_ranges m = {0};
    size_t a = 0, b = 0;
    st = DS_OK;
    while (!st && (a < out->n || b < in.n)) {
      bool take_a = b >= in.n || (a < out->n && out->r[2 * a] <= in.r[2 * b]);
      if (take_a) st = add_range(&m, out->r[2 * a], out->r[2 * a + 1]), a++;
      else st = add_range(&m, in.r[2 * b], in.r[2 * b + 1]), b++;
    }
    ds_free(in.r);
    if (st) {
      ds_free(m.r);
      return st;
    }
    ds_free(out->r);
    *out = m;
  }
  return DS_OK;
}

/* Keys that name personal data, compared without case, '_', '-', '.' and spaces. */
static const struct {
  const char *key;
  int type;
} keys[] = {
  {"name", T_PERSON},           {"fullname", T_PERSON},         {"firstname", T_PERSON},
  {"lastname", T_PERSON},       {"givenname", T_PERSON},        {"familyname", T_PERSON},
  {"surname", T_PERSON},        {"middlename", T_PERSON},       {"maidenname", T_PERSON},
  {"displayname", T_PERSON},    {"username", T_PERSON},         {"customername", T_PERSON},
  {"patientname", T_PERSON},    {"contactname", T_PERSON},      {"fname", T_PERSON},
  {"lname", T_PERSON},          {"author", T_PERSON},           {"owner", T_PERSON},
  {"passenger", T_PERSON},      {"patient", T_PERSON},          {"customer", T_PERSON},
  {"address", T_ADDRESS},       {"address1", T_ADDRESS},        {"address2", T_ADDRESS},
  {"addressline1", T_ADDRESS},  {"addressline2", T_ADDRESS},    {"street", T_ADDRESS},
  {"streetaddress", T_ADDRESS}, {"homeaddress", T_ADDRESS},     {"mailingaddress", T_ADDRESS},
  {"billingaddress", T_ADDRESS},{"shippingaddress", T_ADDRESS}, {"city", T_LOCATION},
  {"town", T_LOCATION},         {"zip", T_LOCATION},            {"zipcode", T_LOCATION},
  {"postcode", T_LOCATION},     {"postalcode", T_LOCATION},     {"dob", T_DOB},
  {"dateofbirth", T_DOB},       {"birthdate", T_DOB},           {"birthday", T_DOB},
  {"phone", T_PHONE},           {"phonenumber", T_PHONE},       {"mobile", T_PHONE},
  {"telephone", T_PHONE},       {"cell", T_PHONE},              {"fax", T_PHONE},
  {"ssn", T_SSN},               {"passport", T_PASSPORT},       {"passportnumber", T_PASSPORT},
  {"driverslicense", T_DRIVER_LICENSE}, {"driverlicense", T_DRIVER_LICENSE},
  {"licensenumber", T_DRIVER_LICENSE}, {"mrn", T_MEDICAL_RECORD}, {"medicalrecordnumber", T_MEDICAL_RECORD},
  {"accountnumber", T_ACCOUNT}, {"iban", T_IBAN},               {"age", T_AGE},
};

int deid_key_type(const char *key, size_t len) {
  char k[40];
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)key[i];
    if (c == '_' || c == '-' || c == '.' || c == ' ') continue;
    if (n + 1 >= sizeof k) return -1;
    k[n++] = (char)tolower(c);
  }
  k[n] = 0;
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) /* the first letter first: most keys are no match */
    if (keys[i].key[0] == k[0] && !strcmp(keys[i].key, k)) return keys[i].type;
  return -1;
}

/* Keys that may name a person or something else ("name": "FitnessMin", "owner": "root"). */
static bool generic_person_key(const char *k, size_t n) {
  static const char *const g[] = {"name", "author", "owner", "customer", "patient", "passenger", "username",
                                  "displayname", "display_name", "user_name", NULL};
  for (const char *const *x = g; *x; x++)
    if (strlen(*x) == n && !strncasecmp(*x, k, n)) return true;
  return false;
}

/* Whether a string value is data of the type its key names (a name looks like a name, a
 * date like a date...). */
bool deid_key_value_ok(const char *key, size_t klen, int type, const char *v, size_t n) {
  if (!n || n > 200) return false;
  bool generic_name = type == T_PERSON && generic_person_key(key, klen);
  size_t digits = 0, letters = 0, spaces = 0, other = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c >= '0' && c <= '9') digits++;
    else if (isalpha(c) || c >= 0x80) letters++;
    else if (c == ' ') spaces++;
    else other++;
  }
  switch (type) {
  case T_PERSON: {
    if (digits || n > 60 || spaces > 4 || !letters) return false;
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)v[i];
      if (!(isalpha(c) || c >= 0x80 || c == ' ' || c == '-' || c == '\'' || c == '.')) return false;
    }
    size_t ln;
    if (!deid_cp_upper(deid_decode((const unsigned char *)v, n, &ln))) return false;
    if (!generic_name) return true;
    /* a generic "name": a person's only when it reads as one (a known first name or surname,
     * capitalized), not "FitnessMin" or "Main Menu" */
    size_t a = 0;
    bool known = false, camel = false;
    while (a < n) {
      size_t b = a;
      while (b < n && v[b] != ' ') b++;
      const struct lex_entry *e = deid_lex_word(v + a, b - a);
      if (e && (e->fn >= 3 || e->sn >= 3) && !(e->wf && e->wf <= 2)) known = true;
      for (size_t k = a + 1; k < b; k++)
        if (isupper((unsigned char)v[k]) && islower((unsigned char)v[k - 1]) && !(k == a + 2 && v[a] == 'M'))
          camel = true;
      a = b + 1;
    }
    return known && !camel;
  }
  case T_ADDRESS: return letters >= 3 && (digits || spaces >= 1);
  case T_LOCATION: return (letters >= 2 && !other) || (digits >= 3 && n <= 10);
  case T_DOB: return digits >= 4 && (deid_looks_like_date(v, n) || letters >= 3 || n <= 12);
  case T_PHONE: return digits >= 7 && letters <= 4;
  case T_SSN: return digits == 9 && letters == 0;
  case T_PASSPORT:
  case T_DRIVER_LICENSE:
  case T_MEDICAL_RECORD:
  case T_ACCOUNT: return digits >= 3 && n >= 4 && n <= 32 && spaces <= 3;
  case T_IBAN: return deid_iban_ok(v, n, NULL);
  case T_AGE: {
    if (digits != n || n > 3) return false;
    int a = atoi(v);
    return a >= 90 && a <= 125;
  }
  }
  return false;
}

/* JSON-like members and assignments in code: KEY (quoted or not) then ':' '=' or '=>' then
 * a quoted VALUE; the value is a detection when the key names personal data. */
enum ds_status deid_code_values(const char *t, size_t len, const struct deid_ranges *code, const bool *enabled,
                                struct deid_vec *out) {
  DS_UNUSED(len); /* the code ranges lie inside the text */
  enum ds_status st;
  for (size_t r = 0; r < code->n; r++) {
    size_t a = code->r[2 * r], b = code->r[2 * r + 1];
    const char *dq = memchr(t + a, '"', b - a), *sq = memchr(t + a, '\'', b - a);
    for (size_t i = a; i < b; i++) {
      /* the next quote of either kind */
      if (dq && dq < t + i) dq = memchr(t + i, '"', b - i);
      if (sq && sq < t + i) sq = memchr(t + i, '\'', b - i);
      const char *nq = !dq ? sq : !sq ? dq : dq < sq ? dq : sq;
      if (!nq) break;
      i = (size_t)(nq - t);
      char q = t[i];
      /* the value's quotes */
      size_t vs = i + 1, ve = vs;
      while (ve < b && t[ve] != q && t[ve] != '\n') ve += t[ve] == '\\' ? 2 : 1;
      if (ve >= b || t[ve] != q) continue;
      /* what is before: [spaces] (':' | '=' | '=>') [spaces] KEY */
      size_t k = i;
      while (k > a && (t[k - 1] == ' ' || t[k - 1] == '\t')) k--;
      bool json_member = false;
      if (k > a && t[k - 1] == ':') json_member = true, k--;
      else if (k > a + 1 && t[k - 1] == '>' && t[k - 2] == '=') k -= 2;
      else if (k > a && t[k - 1] == '=' && !(k > a + 1 && (t[k - 2] == '=' || t[k - 2] == '!'))) k--;
      else {
        i = ve;
        continue;
      }
      while (k > a && (t[k - 1] == ' ' || t[k - 1] == '\t')) k--;
      size_t ke = k;
      if (k > a && (t[k - 1] == '"' || t[k - 1] == '\'')) {
        char kq = t[--k];
        ke = k;
        while (k > a && t[k - 1] != kq) k--;
        if (k == a) {
          i = ve;
          continue;
        }
      } else {
        json_member = false;
        while (k > a && (isalnum((unsigned char)t[k - 1]) || t[k - 1] == '_')) k--;
      }
      int type = deid_key_type(t + k, ke - k);
      if (type >= 0 && enabled[type]) {
        bool generic = type == T_PERSON && generic_person_key(t + k, ke - k);
        if (generic && !json_member) type = -1; /* name = "..." in a program: a literal */
        bool placeholder = ve - vs >= 4 && t[vs] == '<' && t[ve - 1] == '>' && isupper((unsigned char)t[vs + 1]);
        if (type >= 0 && !placeholder && deid_key_value_ok(t + k, ke - k, type, t + vs, ve - vs) &&
            (st = deid_vec_push(out, vs, ve, type)))
          return st;
      }
      i = ve;
    }
  }
  return DS_OK;
}
