/* deid_int.h: internals of the de-identifier shared by its files: types, the pattern table,
 * candidate spans, validators, the allow-list, code regions, tokens, the lexicon, the name
 * tagger and surrogates. Not installed. */
#ifndef DS_DEID_INT_H
#define DS_DEID_INT_H

#include <hs/hs.h>
#include <stdint.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/base.h"
#include "depsim/deid.h"

enum deid_type {
  T_EMAIL, T_PHONE, T_CARD, T_IBAN, T_SSN, T_IP, T_MAC, T_URL_CREDENTIAL,
  T_AWS_KEY, T_GITHUB_TOKEN, T_OPENAI_KEY, T_ANTHROPIC_KEY, T_SLACK_TOKEN, T_GOOGLE_API_KEY,
  T_JWT, T_PRIVATE_KEY, T_SECRET, T_ADDRESS, T_PERSON, T_DOB,
  T_LOCATION, T_DATE, T_DRIVER_LICENSE, T_PASSPORT, T_MEDICAL_RECORD, T_ACCOUNT, T_ID_NUMBER, T_AGE,
  T_BUILTIN_N
};
#define DEID_MAX_TYPES 64

/* Types found inside code (fences, inline code, text that parses as code): secrets and
 * structured identifiers. The rest (names, places, dates, labeled numbers) only in prose, or
 * in code as the value of a key that says what it is ("first_name": "Ada"). */
bool deid_type_in_code(int type);

/* What a pattern's candidates are checked by (one validator each). */
enum deid_kind {
  K_EMAIL, K_PHONE_INTL, K_PHONE_NANP, K_PHONE_GROUPED, K_PHONE_BARE, K_CARD, K_IBAN,
  K_SSN_DASH, K_SSN_CTX, K_IPV4, K_IPV6, K_MAC, K_URL_USERINFO, K_URL_PARAM, K_TOKEN,
  K_JWT, K_PEM, K_ASSIGN, K_ADDR_STREET, K_ADDR_UNIT, K_ADDR_EURO, K_ADDR_EURO_SUFFIX, K_ADDR_EURO_PREFIX,
  K_ADDR_MIL, K_ADDR_CORNER, K_DOB, K_DATE, K_LABELED_ID, K_AGE, K_AGE_LABEL, K_CUSTOM,
  K_ADDR_NUM_PREFIX, /* "63 Avenue du Golf", "31 rue de la Paix": the number before the street type */
  K_ADDR_LABEL,      /* "Address:", "my address is": the line after it (validate_place.c) */
  K_ADDR_TWO_NUMBERS, /* "at 9816 214 Pavlou Drandaki": a postal code, a house number, a name */
  K_ADDR_DIRECTIONAL, /* "111 W Washington, Chicago, IL 60602": no street type, a town after */
  K_ADDR_LOWER,       /* "at 42 smith street": a street in lower case (validate_place.c) */
  K_ADDR_ROUTE,       /* "RR 2 Box 15", "Rural Route 3", "Post Office Box 40": rural routes and boxes */
  K_ADDR_UNIT_STREET, /* "2820 N. Greenview Unit I", "Lot 184": a unit kept only after a street */
  K_ADDR_HIGHWAY,     /* "12 State Route 9", "28402 CR 561": a highway after a house number */
  K_ADDR_STATE_ZIP    /* "123 Maple Club, Springfield, IL 62704": a street line before a town, state, ZIP */
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

/* A detection (validated) or a raw candidate (pattern id in type). */
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

/* Built-in patterns. */
extern const struct deid_pattern deid_builtin_patterns[];
extern const size_t deid_n_builtin_patterns;

/* ---- code regions (code.c) ------------------------------------------------------------ */

/* Sorted, disjoint byte ranges [r[2i], r[2i+1]) of a text that are code. */
struct deid_ranges {
  size_t *r;
  size_t n, cap;
};
enum ds_status deid_code_find(const char *text, size_t len, struct deid_ranges *out);
bool deid_in_ranges(const struct deid_ranges *rg, size_t pos);
/* The personal-data type a key names ("first_name" PERSON, "dob" DOB, ...), or -1. */
int deid_key_type(const char *key, size_t len);
/* Whether a value is data of the type its key names. */
bool deid_key_value_ok(const char *key, size_t klen, int type, const char *v, size_t n);
/* Values of personal keys inside the code ranges, appended to out. */
enum ds_status deid_code_values(const char *t, size_t len, const struct deid_ranges *code, const bool *enabled,
                                struct deid_vec *out);

/* ---- tokens and folding (tokens.c) --------------------------------------------------------- */

enum {
  TK_WORD = 1, TK_CAP = 2, TK_NL = 4, TK_SP = 8, TK_CODE = 16, TK_ALLCAPS = 32, TK_LEXED = 64, TK_CUED = 128,
  TK_LFIRST = 256 /* set by the name rules: a lower-case word that can start a name (names_lower.c) */
};
struct deid_tok {
  uint32_t s, e;
  uint32_t flags;
  uint32_t h; /* unused by the tokenizer: scratch for the name rules */
};
struct deid_toks {
  struct deid_tok *v;
  size_t n, cap;
  const struct lex_entry **lx; /* per token, valid where TK_LEXED */
  size_t lx_cap;
  uint32_t *caps; /* indices of the capitalized words (TK_WORD | TK_CAP) */
  size_t n_caps, caps_cap;
};
/* Code point at p[0..avail) (avail >= 1); an invalid byte reads as U+FFFD of length 1. */
uint32_t deid_decode(const unsigned char *p, size_t avail, size_t *out_len);
bool deid_cp_letter(uint32_t cp);
bool deid_cp_upper(uint32_t cp);
/* Tokens of text (scripts/deidlex.py tokenize); skip: byte ranges not to tokenize (code),
 * or NULL. */
enum ds_status deid_tokenize(const char *text, size_t len, const struct deid_ranges *skip, struct deid_toks *out);
/* Folded form (lower case, Latin diacritics to ASCII) of p[0..n) into out (at most cap
 * bytes); returns the folded length, or cap + 1 when it did not fit. */
size_t deid_fold(const char *p, size_t n, char *out, size_t cap);
/* The end of the run of ASCII letters and digits from b[i] (SSE2), and the plain loop it
 * stands for. */
size_t deid_ascii_word_end(const unsigned char *b, size_t i, size_t len);
size_t deid_ascii_word_end_slow(const unsigned char *b, size_t i, size_t len);
size_t deid_shape(const char *p, size_t n, char out[9]);
size_t deid_n_cps(const char *p, size_t n);
size_t deid_n_cps_slow(const char *p, size_t n); /* the decoding loop deid_n_cps skips for ASCII */
bool deid_all_caps(const char *p, size_t n);
extern const char *const deid_fold_latin[400];
extern const char *const deid_fold_ext[256];

/* ---- lexicon (lexicon.c) ------------------------------------------------------------------- */

enum lex_flag {
  LF_CITY = 1 << 0, LF_COUNTRY = 1 << 1, LF_REGION = 1 << 2, LF_STREET = 1 << 3, LF_UNIT = 1 << 4,
  LF_TITLE = 1 << 5, LF_TIME = 1 << 6, LF_UPPER = 1 << 7, LF_ORG = 1 << 8, LF_STOP = 1 << 11,
  LF_PARTICLE = 1 << 12, LF_PUBLIC = 1 << 13
};
struct lex_entry {
  const char *key; /* folded, NUL-terminated */
  uint8_t klen;
  uint8_t fn, sn, wf; /* first-name, surname, common-word classes (0 = none) */
  uint8_t gender;     /* 0 unknown, 1 F, 2 M, 3 both */
  uint8_t pop;        /* city population class */
  uint16_t flags;     /* enum lex_flag */
  char cc[2];         /* city country code */
};
/* Loads the built-in lexicon once per process (thread-safe). */
enum ds_status deid_lex_init(void);
/* The entry of a folded word or phrase, or NULL. */
const struct lex_entry *deid_lex_get(const char *folded, size_t n);
/* Looks up the folded form of raw text. */
const struct lex_entry *deid_lex_word(const char *p, size_t n);
/* The lexicon's hash of a folded key, and the folded bytes of a short ASCII word read 8 at a
 * time (the fast path of deid_lex_word; false when not ASCII). */
uint64_t deid_lex_key_hash(const char *folded, size_t n);
bool deid_lex_ascii16(const char *p, size_t n, uint64_t *out_c0, uint64_t *out_c1);
/* The folded bytes of a word of 1..16 ASCII bytes as two little-endian words (zero-padded),
 * read only inside p[0..n); false when a byte is not ASCII. Inline: the lexicon and the cue
 * memo call it for most words. */
static inline bool deid_ascii16(const char *p, size_t n, uint64_t *out_c0, uint64_t *out_c1) {
  uint64_t c0 = 0, c1 = 0;
  if (n >= 8) {
    memcpy(&c0, p, 8);
    if (n > 8) {
      memcpy(&c1, p + n - 8, 8);
      c1 >>= 8 * (16 - n);
    }
  } else if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    c0 = a | (((uint64_t)b >> (8 * (8 - n))) << 32); /* n = 4: all of b shifted out */
  } else {
    for (size_t i = 0; i < n; i++) c0 |= (uint64_t)(unsigned char)p[i] << (8 * i);
  }
  const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
  if ((c0 | c1) & high) return false;
  /* A..Z to a..z: a byte >= 'A' and not > 'Z' gets 0x20 */
  *out_c0 = c0 | (((c0 + ones * (0x80 - 'A')) & ~(c0 + ones * (0x80 - 'Z' - 1)) & high) >> 2);
  *out_c1 = c1 | (((c1 + ones * (0x80 - 'A')) & ~(c1 + ones * (0x80 - 'Z' - 1)) & high) >> 2);
  return true;
}
/* The entry of token i, looked up once. */
const struct lex_entry *deid_tok_lex(const char *text, struct deid_toks *t, size_t i);
/* Looks up every word of t of 2 to 16 ASCII bytes (outside code) at once. */
void deid_lex_tokens(const char *text, size_t len, struct deid_toks *t);
/* The same, inline when the token was looked up before (most calls). */
/* The value of the decimal digits p[0..n) (the text need not end in a NUL after them). */
static inline int deid_digits(const char *p, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '9' && v < 100000000; i++) v = v * 10 + (p[i] - '0');
  return v;
}
static inline const struct lex_entry *deid_tok_lex_c(const char *text, struct deid_toks *t, size_t i) {
  return (t->v[i].flags & TK_LEXED) ? t->lx[i] : deid_tok_lex(text, t, i);
}
/* Surrogate pools: first names by gender (1 F, 2 M), surnames, cities, street names. */
enum lex_pool { POOL_FIRST_F, POOL_FIRST_M, POOL_LAST, POOL_CITY, POOL_STREET, POOL_N };
const struct lex_entry *const *deid_lex_pool(enum lex_pool p, size_t *out_n);
extern const char deid_lexicon_names[], deid_lexicon_words[];
extern const size_t deid_lexicon_names_len, deid_lexicon_words_len;

/* ---- tagger (tagger.c) ---------------------------------------------------------------------- */

enum ds_status deid_tagger_init(void);
/* Integer score of candidate token i (capitalized word) given decisions tags[j] for j < i
 * (scripts/deidlex.py features). */
int32_t deid_tagger_score(const char *text, struct deid_toks *t, size_t i, const unsigned char *tags);
/* Whether token i is scored at all (scripts/deidlex.py is_candidate). */
bool deid_tagger_candidate(const char *text, struct deid_toks *t, size_t i);
bool deid_sentence_start(const char *text, const struct deid_toks *t, size_t i);
/* The decision threshold as an integer score. */
int32_t deid_tagger_threshold(void);
extern const char deid_tagger_weights[];
extern const size_t deid_tagger_weights_len;
extern const unsigned deid_tagger_bits;
extern const double deid_tagger_scale, deid_tagger_theta;

/* ---- cue words of the name rules (names_cues.c) ------------------------------------------- */

/* What a word is to the rules (one bit per list). */
#define CUE_TITLE (1ull << 0)
#define CUE_LABEL (1ull << 1)
#define CUE_GREET (1ull << 2)
#define CUE_SIGNOFF (1ull << 3)
#define CUE_NAMED (1ull << 4)
#define CUE_VERB_IN (1ull << 5)
#define CUE_FROM_LEAD (1ull << 6)
#define CUE_TO_LEAD (1ull << 7)
#define CUE_WORKS (1ull << 8)
#define CUE_PLACEWORD (1ull << 9)
#define CUE_KIND (1ull << 10)
#define CUE_MY (1ull << 11)
#define CUE_NAME (1ull << 12)
#define CUE_IS (1ull << 13)
#define CUE_CALL (1ull << 14)
#define CUE_ME (1ull << 15)
#define CUE_I (1ull << 16)
#define CUE_AM (1ull << 17)
#define CUE_THIS (1ull << 18)
#define CUE_APOS (1ull << 19)
#define CUE_M (1ull << 20)
#define CUE_IN (1ull << 21)
#define CUE_NEAR (1ull << 22)
#define CUE_FROM (1ull << 23)
#define CUE_TO (1ull << 24)
#define CUE_UP (1ull << 25)
#define CUE_GREW (1ull << 26)
#define CUE_BY (1ull << 27)
#define CUE_AND (1ull << 28)
#define CUE_REGARDS (1ull << 29)
#define CUE_PRODUCT (1ull << 30)
#define CUE_ORGHEAD (1ull << 31)
#define CUE_VERB (1ull << 32)
#define CUE_CALLS (1ull << 33)
#define CUE_AT (1ull << 34)
#define CUE_IM (1ull << 35) /* "I'm" (one token) */
#define CUE_SAID (1ull << 36) /* verbs with a person right after: "said Maslin", "told Ana" */
#define CUE_KIN (1ull << 37)  /* what only a person has: "Taisiya's birthday", "Ode's husband" */

/* The cue bits of a word (any case; 0 when it is in no list); deid_cues_init first. */
uint64_t deid_cue_word(const char *p, size_t n);
void deid_cues_init(void);

/* ---- names and places (names.c) ----------------------------------------------------------- */

struct deid_names {
  struct deid_toks toks;
  unsigned char *tags; /* and cues: tags_cap entries each */
  size_t tags_cap;
  bool keep_public_figures;
  uint64_t *extra; /* hashes of extra first names (folded), from --names */
  size_t n_extra;
  uint64_t *cues; /* per token: the context lists it is in (names.c) */
  uint32_t *icaps; /* the capitalized words that can be names */
  size_t icaps_cap;
};
void deid_names_release(struct deid_names *nd);
/* Person names and places (in personal contexts) of a text, outside code, appended to out. */
enum ds_status deid_names_find(struct deid_names *nd, const char *text, size_t len, const struct deid_ranges *code,
                               const bool *enabled, struct deid_vec *out);

/* ---- validators (validate*.c) ----------------------------------------------------------- */

/* Validates one candidate [s,e) of the given kind in text, pushing 0..n detections. */
struct deid_vctx {
  const char *text;
  size_t len;
  const struct deid_allow *allow;
  const bool *enabled; /* per type */
  struct deid_vec *out;
  const struct deid_ranges *code; /* code regions of the text, or NULL */
};
enum ds_status deid_validate(struct deid_vctx *c, int kind, int type, size_t s, size_t e);
enum ds_status deid_validate_secret(struct deid_vctx *c, int kind, int type, size_t s, size_t e);
enum ds_status deid_validate_place(struct deid_vctx *c, int kind, int type, size_t s, size_t e);
enum ds_status deid_validate_date(struct deid_vctx *c, int kind, int type, size_t s, size_t e);
enum ds_status deid_validate_address_zip(struct deid_vctx *c, size_t e); /* validate_address_zip.c */

/* Helpers shared by the validators (validate.c). */
enum ds_status deid_push(struct deid_vctx *c, size_t s, size_t e, int type);
size_t deid_window(const struct deid_vctx *c, size_t s, size_t e, size_t before, size_t after, char *buf,
                   size_t cap);
/* words: a static NULL-terminated list (indexed once per thread by its address) */
bool deid_has_word(const char *win, const char *const *words);
bool deid_looks_like_date(const char *p, size_t len);

/* Validators exposed for unit tests. */
bool deid_luhn_ok(const char *p, size_t len);
bool deid_iban_ok(const char *p, size_t len, size_t *out_used);
double deid_entropy(const char *p, size_t len);

/* ---- surrogates (surrogate*.c) ------------------------------------------------------------ */

/* A seeded generator (splitmix64). */
struct deid_rng {
  uint64_t s;
};
uint64_t deid_rng_next(struct deid_rng *r);
uint32_t deid_rng_below(struct deid_rng *r, uint32_t n);

struct deid_sur {
  uint64_t mark_seed;                /* keyed: structured surrogates carry a mark */
  uint64_t *issued; size_t iss_cap, iss_n; /* hashes of issued name/place/date tokens */
  struct ds_buf tmp;
};
/* Writes a surrogate for text[0..len) of the given type into out, from rng. */
enum ds_status deid_surrogate(struct deid_sur *su, int type, const char *text, size_t len, struct deid_rng *rng,
                              struct ds_buf *out);
/* A fresh surrogate of a person-name token in the role (0 first name, 1 surname). */
enum ds_status deid_surrogate_name_token(struct deid_sur *su, const char *tok, size_t n, int role,
                                         struct deid_rng *rng, struct ds_buf *out);
/* Whether a detection of type in text[0..len) is a surrogate this de-identifier issued. */
bool deid_sur_recognized(struct deid_sur *su, int type, const char *text, size_t len);
/* Marks every word token of out as issued (names, places, addresses, dates). */
enum ds_status deid_sur_issue_tokens(struct deid_sur *su, const char *p, size_t n);
/* A constructed value issued without the mark (an e-mail address built from name surrogates):
 * recognized by its normalized form from now on. */
enum ds_status deid_sur_issue_value(struct deid_sur *su, int type, const char *p, size_t n);
void deid_sur_release(struct deid_sur *su);
/* The mark of a structured surrogate: its normalized form hashes to 0 in the low bits. */
bool deid_sur_marked(const struct deid_sur *su, int type, const char *norm, size_t n);
/* Normalized form of a value for consistency and marks (deid.c). */
enum ds_status deid_normalize(int type, const char *p, size_t len, struct ds_buf *out);

#endif

/* ---- the de-identifier object (deid.c config, scan.c detection, replace.c replacement,
 * record.c records) -------------------------------------------------------------------------- */

struct deid_pending {
  size_t s, e;
  uint64_t stamp;
};
struct deid_map_ent {
  uint64_t h;
  char *key; /* NULL = empty slot */
  size_t klen;
  int type;
  char *ph; /* the replacement */
};
struct deid_pcre {
  pcre2_code *re;
  int type;
};

struct ds_deid {
  hs_database_t *db;
  bool db_shared;       /* the process-wide database of the built-in patterns: not freed here */
  hs_scratch_t *scratch;
  unsigned n_pat;
  int *pat_kind, *pat_type;
  bool *pat_som;
  struct deid_pcre *pcre;
  size_t n_pcre;
  pcre2_match_data *md;

  char *labels[DEID_MAX_TYPES];
  int n_types;
  bool enabled[DEID_MAX_TYPES];
  int prio[DEID_MAX_TYPES];
  struct deid_allow allow;
  char **fields;
  size_t n_fields;
  unsigned char key[128];
  size_t key_len;
  bool hmac; /* keyed: consistent across conversations */
  enum ds_deid_replace replace;
  bool code_aware;
  struct ds_log log;
  void *building; /* during ds_deid_new only */

  /* scanning state */
  struct deid_vec cands, spans, dspans, raw;
  struct deid_pending *pend;
  uint64_t stamp;
  unsigned *touched;
  size_t n_touched;
  enum ds_status cb_status;
  struct ds_buf out, dec, norm;
  size_t *dmap;
  size_t dmap_cap;
  struct deid_ranges code;
  struct deid_names names;
  int round; /* replacement round: from 1 on, recognized surrogates are not found again */

  /* per-conversation replacements */
  struct deid_map_ent *map;
  size_t map_cap, map_n;
  unsigned next_idx[DEID_MAX_TYPES];
  uint64_t *reserved;
  size_t res_cap, res_n;
  uint64_t conv_salt;
  struct deid_sur sur;
  struct ds_buf sbuf;

  /* counters */
  uint64_t replaced[DEID_MAX_TYPES], distinct[DEID_MAX_TYPES];
  uint64_t records, strings, bytes, ids_hashed, keys_renamed;
  uint64_t post_records, post_findings, post_by_type[DEID_MAX_TYPES];
};

/* scan.c */
enum ds_status deid_find_all(struct ds_deid *d, const char *text, size_t len);
/* replace.c */
enum ds_status deid_replace_text(struct ds_deid *d, const char *text, size_t len, bool *out_changed);
enum ds_status deid_reserve_tokens(struct ds_deid *d, const char *t, size_t len);
/* The replacement of the whole of p[0..n) as a value of type, into d->out. */
enum ds_status deid_replace_whole(struct ds_deid *d, int type, const char *p, size_t n);
void deid_map_clear(struct ds_deid *d);
/* A keyed hash of an identifier that holds personal data ("id-3fa29c0b5e61d7a2"). */
enum ds_status deid_hash_id(struct ds_deid *d, const char *id, size_t n, struct ds_buf *out);
