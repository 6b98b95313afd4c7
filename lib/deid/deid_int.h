/* deid_int.h: internals of the de-identifier shared by its files: types, the pattern table,
 * candidate spans, validators and the allow-list. Not installed. */
#ifndef DS_DEID_INT_H
#define DS_DEID_INT_H

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/base.h"
#include "depsim/deid.h"

enum deid_type {
  T_EMAIL, T_PHONE, T_CARD, T_IBAN, T_SSN, T_IP, T_MAC, T_URL_CREDENTIAL,
  T_AWS_KEY, T_GITHUB_TOKEN, T_OPENAI_KEY, T_ANTHROPIC_KEY, T_SLACK_TOKEN, T_GOOGLE_API_KEY,
  T_JWT, T_PRIVATE_KEY, T_SECRET, T_ADDRESS, T_PERSON, T_DOB,
  T_BUILTIN_N
};
#define DEID_MAX_TYPES 64

/* What a pattern's candidates are checked by (one validator each). */
enum deid_kind {
  K_EMAIL, K_PHONE_INTL, K_PHONE_NANP, K_PHONE_GROUPED, K_PHONE_BARE, K_CARD, K_IBAN,
  K_SSN_DASH, K_SSN_CTX, K_IPV4, K_IPV6, K_MAC, K_URL_USERINFO, K_URL_PARAM, K_TOKEN,
  K_JWT, K_PEM, K_ASSIGN, K_ADDR_STREET, K_ADDR_UNIT, K_ADDR_EURO, K_ADDR_EURO_SUFFIX, K_ADDR_EURO_PREFIX, K_ADDR_MIL, K_NAME_DICT, K_NAME_SURNAME,
  K_NAME_TITLE, K_NAME_LABEL, K_DOB, K_CUSTOM
};

struct deid_pattern {
  const char *re;
  unsigned flags; /* Hyperscan flags besides the defaults, and NOSOM */
  int type;
  int kind;
};
/* Flag bit of ours (stripped before compiling): the pattern needs no start offset; its
 * validator works from the end of the match (keyword-then-value patterns). */
#define NOSOM (1u << 30)

/* A detection (validated) or a raw candidate (pattern id in kind). */
struct deid_span {
  size_t start, end;
  int type;
};

struct deid_vec {
  struct deid_span *v;
  size_t n, cap;
};
enum ds_status deid_vec_push(struct deid_vec *vec, size_t start, size_t end, int type);

/* Allow-list: literal values, e-mail domains, CIDR ranges. */
struct deid_cidr {
  int family; /* 4 or 6 */
  unsigned char addr[16];
  int bits;
};
struct deid_allow {
  char **literals; size_t n_literals, cap_literals;
  char **domains; size_t n_domains, cap_domains;
  struct deid_cidr *cidrs; size_t n_cidrs, cap_cidrs;
};
enum ds_status deid_allow_add(struct deid_allow *a, const char *entry, struct ds_err *err);
bool deid_allow_value(const struct deid_allow *a, int type, const char *p, size_t len);
void deid_allow_release(struct deid_allow *a);

/* Built-in patterns and dictionaries. */
extern const struct deid_pattern deid_builtin_patterns[];
extern const size_t deid_n_builtin_patterns;
extern const char *const deid_first_names[];
extern const size_t deid_n_first_names;
extern const char *const deid_surnames[];
extern const size_t deid_n_surnames;
bool deid_name_ambiguous(const char *p, size_t len);

/* Validates one candidate [s,e) of the given kind in text, pushing 0..n detections. */
struct deid_vctx {
  const char *text;
  size_t len;
  const struct deid_allow *allow;
  const bool *enabled; /* per type */
  struct deid_vec *out;
};
enum ds_status deid_validate(struct deid_vctx *c, int kind, int type, size_t s, size_t e);

/* Validators exposed for unit tests. */
bool deid_luhn_ok(const char *p, size_t len);
bool deid_iban_ok(const char *p, size_t len, size_t *out_used);
double deid_entropy(const char *p, size_t len);

#endif
