/* names_int.h: what the person-name files share (names.c: spans and the driver; names_context.c:
 * cues around a name; names_shape.c: the lexicon and a name's shape; names_lower.c: names in
 * lower case; names_places.c: places): the per-text context, the token helpers and the rules. */
#ifndef DEID_NAMES_INT_H
#define DEID_NAMES_INT_H

#include <string.h>
#include <strings.h>

#include "deid_int.h"

/* A token's tag: a person (strong: from a cue that needs no confirmation), a place, or
 * known not to be a name. */
enum { TAG_NONE, TAG_PER, TAG_PER_STRONG, TAG_LOC, TAG_NOT };

struct nctx {
  const char *text;
  size_t len;
  struct deid_toks *t;
  unsigned char *tag;
  uint64_t *cues;
  const uint32_t *caps; /* indices of the capitalized words outside code, in order */
  size_t n_caps;
  struct deid_names *nd;
  const uint32_t *icaps; /* the ones that can be names (not a common word at a sentence start) */
  size_t n_icaps;
  uint64_t lc_memo[32]; /* also_lowercase's answers for this text: hash | 2 | answer; 0 = none */
  size_t lf_lo, lf_hi; /* the words rule_lower_pairs marked TK_LFIRST lie in [lf_lo, lf_hi) */
};
/* Each capitalized word that can be a name, outside code. */
#define EACH_NAMECAP(c, i)                                                                        \
  for (size_t q_ = 0, i; q_ < (c)->n_icaps && ((i = (c)->icaps[q_]), 1); q_++)                      \
    if (!((c)->t->v[i].flags & TK_CODE))
/* Each capitalized word outside code (placeholders count as code). */
#define EACH_CAP(c, i)                                                                            \
  for (size_t q_ = 0, i; q_ < (c)->n_caps && ((i = (c)->caps[q_]), 1); q_++)                        \
    if (!((c)->t->v[i].flags & TK_CODE))

uint64_t deid_names_cue_slow(const struct nctx *c, size_t i);
/* deid_cue_word of p[0..n), remembered per thread for short ASCII words (names.c). */
uint64_t deid_names_cue_word_memo(const char *p, size_t n);
size_t deid_names_run(const struct nctx *c, size_t i, int max);
bool deid_names_also_lowercase(const struct nctx *c, size_t i);
bool deid_names_never_alone(const struct nctx *c, size_t i);
bool deid_names_wordlike_unknown(const struct nctx *c, size_t i);

static inline bool is_word(const struct nctx *c, size_t i) { return i < c->t->n && (c->t->v[i].flags & TK_WORD); }

static inline bool is_cap(const struct nctx *c, size_t i) {
  return i < c->t->n && (c->t->v[i].flags & (TK_WORD | TK_CAP | TK_CODE)) == (TK_WORD | TK_CAP);
}

static inline size_t tlen(const struct nctx *c, size_t i) { return c->t->v[i].e - c->t->v[i].s; }

static inline const char *tptr(const struct nctx *c, size_t i) { return c->text + c->t->v[i].s; }

static inline uint64_t cue(const struct nctx *c, size_t i) {
  if (i >= c->t->n) return 0;
  if (c->t->v[i].flags & TK_CUED) return c->cues[i];
  return deid_names_cue_slow(c, i);
}

static inline bool punct(const struct nctx *c, size_t i, char ch) {
  return i < c->t->n && !(c->t->v[i].flags & TK_WORD) && tlen(c, i) == 1 && tptr(c, i)[0] == ch;
}

static inline const struct lex_entry *lex(const struct nctx *c, size_t i) { return deid_tok_lex_c(c->text, c->t, i); }

/* An initial: one capital letter followed by '.' */
static inline bool initial_at(const struct nctx *c, size_t i) {
  return is_cap(c, i) && deid_n_cps(tptr(c, i), tlen(c, i)) == 1 && punct(c, i + 1, '.');
}

static inline void tag_range(struct nctx *c, size_t a, size_t b, unsigned char tag) {
  for (size_t k = a; k < b; k++)
    if (is_word(c, k) && (is_cap(c, k) || initial_at(c, k))) c->tag[k] = tag;
    else if (initial_at(c, k)) c->tag[k] = tag;
}

/* Known first name, or surname, or the tagger liked it. */
static inline bool namelike(const struct nctx *c, size_t i) {
  if (!is_cap(c, i)) return false;
  if (c->tag[i] == TAG_PER || c->tag[i] == TAG_PER_STRONG) return true;
  const struct lex_entry *e = lex(c, i);
  return e && (e->fn >= 2 || e->sn >= 2) && !(e->flags & (LF_STOP | LF_TIME)) && e->wf != 1;
}

/* A word that can be a name: letters (and ' -) only. */
static inline bool lettered(const struct nctx *c, size_t i) {
  const char *p = tptr(c, i);
  for (size_t k = 0; k < tlen(c, i); k++)
    if (p[k] >= '0' && p[k] <= '9') return false;
  return true;
}

/* Unknown to the lexicon, or known as a name (of any frequency) and not as a common word,
 * a place or a function word: a word that can be someone's name. */
static inline bool unknown_or_name(const struct lex_entry *e) {
  if (!e) return true;
  if (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY)) return false;
  if (e->wf && e->wf <= 3 && e->fn < 3 && e->sn < 3) return false;
  return e->fn || e->sn;
}

/* Stricter: unknown, or a name that is no common word at all ("Halldór", not "Azure"). */
static inline bool unknown_or_rare_name(const struct lex_entry *e) {
  return !e || (unknown_or_name(e) && !e->wf && (!(e->flags & LF_UPPER) || e->fn >= 5 || e->sn >= 5));
}

/* Words that are not names however they are used (assistants, products). */
static inline bool product_word(const struct nctx *c, size_t i) { return (cue(c, i) & CUE_PRODUCT) != 0; }

/* The lexicon on its own: a known first name that is not a common word is a name, and so
 * is a capitalized word right after it (the surname, known or not); a known surname that is
 * not a common word or a place is a name inside a sentence. */
static inline bool first_namey(const struct lex_entry *e) {
  /* a word written capitalized anyway (a language, a nationality, "America") is a name only
   * when it is a very common one */
  return e && e->fn >= 3 && (e->wf == 0 || (e->fn >= 5 && e->wf >= 3)) && (!(e->flags & LF_UPPER) || e->fn >= 6) &&
         !(e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY));
}

static inline bool surnamey(const struct lex_entry *e) {
  return e && e->sn >= 3 && e->wf == 0 && (!(e->flags & LF_UPPER) || e->sn >= 5) &&
         !(e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY | LF_REGION | LF_CITY));
}

static inline bool is_per(const struct nctx *c, size_t i) {
  return i < c->t->n && (c->tag[i] == TAG_PER || c->tag[i] == TAG_PER_STRONG);
}

/* Whether token i is a word of words (NULL-terminated, ASCII lower case); ci: compared in any
 * case, else as written. */
static inline bool tok_in(const struct nctx *c, size_t i, const char *const *words, bool ci) {
  if (!is_word(c, i)) return false;
  size_t n = tlen(c, i);
  for (; *words; words++)
    if (strlen(*words) == n && (ci ? !strncasecmp(tptr(c, i), *words, n) : !memcmp(tptr(c, i), *words, n))) return true;
  return false;
}

/* What can follow a name that ends a verb's object: punctuation, the end of the line, or a
 * function or time word ("asked Ubul to", "met Ana yesterday"; not "ask Zendesk support"). */
static inline bool ends_phrase(const struct nctx *c, size_t j) {
  if (j >= c->t->n || (c->t->v[j].flags & TK_NL) || !is_word(c, j)) return true;
  if (c->t->v[j].flags & TK_CAP) return false;
  static const char *const w[] = {"to",     "about", "and",     "or",       "for",       "that",  "if",    "when",
                                  "at",     "on",    "in",      "with",     "again",     "today", "now",   "then",
                                  "later",  "too",   "please",  "so",       "but",       "before", "after", "what",
                                  "how",    "why",   "whether", "tomorrow", "yesterday", "tonight", "once", "back",
                                  NULL};
  return tok_in(c, j, w, false);
}

/* A capital letter inside the word ("CouchDB", "LinkedIn", "JavaScript"), but not a name's
 * ("McDonald", "MacLeod", "O'Neil", "Jean-Luc", "DeShawn", "LaToya", "VanDyke"): a product's or
 * an identifier's spelling. */
static inline bool inner_caps(const struct nctx *c, size_t i) {
  const char *p = tptr(c, i);
  size_t n = tlen(c, i);
  for (size_t k = 1; k < n; k++) {
    if (p[k] < 'A' || p[k] > 'Z') continue;
    if (p[k - 1] < 'a' || p[k - 1] > 'z') continue; /* "JOHNNY", "O'Neil", "Jean-Luc": not after a lower-case letter */
    static const char *const pre[] = {"Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "St"};
    bool name_prefix = false;
    for (size_t q = 0; q < DS_ARRAY_LEN(pre) && !name_prefix; q++)
      name_prefix = strlen(pre[q]) == k && !strncmp(p, pre[q], k);
    if (!name_prefix) return true;
  }
  return false;
}

/* The rules, in the order deid_names_find runs them. Each tags tokens in c->tag. */
void deid_names_rule_known_places(struct nctx *c);
void deid_names_rule_titles(struct nctx *c);
void deid_names_rule_name_is(struct nctx *c);
void deid_names_rule_roles(struct nctx *c);
void deid_names_rule_labels(struct nctx *c);
void deid_names_rule_places(struct nctx *c);
void deid_names_rule_lexicon(struct nctx *c);
void deid_names_rule_pairs(struct nctx *c);
void deid_names_rule_initials(struct nctx *c);
void deid_names_rule_lower_pairs(struct nctx *c);
void deid_names_rule_cap_lower(struct nctx *c);
void deid_names_rule_lower_single(struct nctx *c);
void deid_names_rule_pronouns(struct nctx *c);
void deid_names_rule_lists(struct nctx *c);
void deid_names_rule_orgs(struct nctx *c);
void deid_names_rule_initial_names(struct nctx *c);
void deid_names_rule_particles(struct nctx *c);
void deid_names_rule_vocatives(struct nctx *c);
void deid_names_rule_propagate(struct nctx *c, uint64_t *seen, size_t cap);

/* A capitalized word that can stand alone as a name (names_shape.c); caps: all capitals allowed. */
bool deid_names_bare_name(const struct nctx *c, size_t i, bool caps);

#endif
