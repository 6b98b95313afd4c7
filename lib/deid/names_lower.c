/* names_lower.c: person names written in lower case ("follow up with patricia desrosiers"):
 * a well-known first name, maybe an initial, and a surname or an unknown word, between
 * English words. */

#include <string.h>
#include <strings.h>

#include "names_int.h"

/* A lower-case word that can start a name: a well-known first name that is not a common word
 * ("naomi", "patricia"), not a place or a function word. */
static bool lower_first(const struct nctx *c, size_t i) {
  const struct deid_tok *k = &c->t->v[i];
  if ((k->flags & (TK_WORD | TK_CAP | TK_CODE)) != TK_WORD) return false;
  size_t n = k->e - k->s;
  unsigned char b = (unsigned char)c->text[k->s];
  if (n < 3 || n > 16 || !((b >= 'a' && b <= 'z') || b >= 0xc3)) return false;
  const struct lex_entry *e = lex(c, i);
  if (!e || e->fn < 3 || e->wf || (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY)))
    return false;
  /* a place or a word written capitalized anyway only when it is a very common name ("paul") */
  if ((e->flags & (LF_REGION | LF_CITY)) && e->fn < 6) return false;
  if ((e->flags & LF_UPPER) && e->fn < 4) return false;
  return lettered(c, i);
}

/* A lower-case word that can end one: a surname that is not a common word ("desrosiers"; a
 * rare word if a frequent surname: "walker"), 2; a word the lexicon does not know at all
 * ("jerković"), 1; else 0. */
static int lower_last(const struct nctx *c, size_t j) {
  if (j >= c->t->n) return 0;
  const struct deid_tok *k = &c->t->v[j];
  if ((k->flags & (TK_WORD | TK_CAP | TK_CODE | TK_NL)) != TK_WORD || !(k->flags & TK_SP)) return 0;
  if (deid_n_cps(tptr(c, j), tlen(c, j)) < 3 || !lettered(c, j)) return 0;
  const struct lex_entry *e = lex(c, j);
  if (!e) return 1;
  if (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY)) return 0;
  if (e->sn >= 2 && (e->wf == 0 || (e->wf >= 3 && e->sn >= 4) || e->sn >= 6)) return 2;
  return !e->wf && (e->fn || e->sn) ? 1 : 0; /* a rare name, as good as unknown */
}

/* Beside a name in lower case: the text's edge, punctuation, a line break, or an English
 * common word (in text of another language "sie hatte", "que puede" are not names). */
static bool english_side(const struct nctx *c, size_t k, bool before) {
  if (k >= c->t->n) return true;
  if (!is_word(c, k)) return true;
  if (before ? (c->t->v[k + 1].flags & TK_NL) : (c->t->v[k].flags & TK_NL)) return true;
  const struct lex_entry *e = lex(c, k);
  return e && (e->wf || (e->flags & LF_STOP)) && !(e->fn >= 3 && !e->wf);
}

/* A pair with an unknown last word needs a frequent first name and an English word beside
 * it ("salute to sitaram katel"; not "sie selbst"). */
static bool lower_pair_ok(const struct nctx *c, size_t i, size_t k, int last) {
  bool left_word = i > 0 && is_word(c, i - 1) && !(c->t->v[i].flags & TK_NL);
  bool right_word = k + 1 < c->t->n && is_word(c, k + 1) && !(c->t->v[k + 1].flags & TK_NL);
  if ((i > 0 && !english_side(c, i - 1, true)) || !english_side(c, k + 1, false)) return false;
  if (last == 2) return true;
  /* "olga krylova's killers": a possessive counts as English beside it */
  if (!right_word && punct(c, k + 1, '\'') && k + 2 < c->t->n && tlen(c, k + 2) == 1 && tptr(c, k + 2)[0] == 's')
    right_word = true;
  /* alone on its line: "leone mazzi" */
  if (!left_word && !right_word && (i == 0 || (c->t->v[i].flags & TK_NL)) &&
      (k + 1 >= c->t->n || (c->t->v[k + 1].flags & TK_NL)))
    return true;
  return (lex(c, i)->fn >= 5 || (lex(c, i)->fn >= 4 && left_word && right_word)) && (left_word || right_word);
}

/* A lower-case frequent surname that is no word and no place ("zhang", "nguyen"). */
static bool surname_first(const struct nctx *c, size_t i) {
  /* the entry first (most words looked up already by lower_first), the letters only then */
  if (tlen(c, i) < 2 || (unsigned char)tptr(c, i)[0] >= 0x80 || (c->t->v[i].flags & TK_CODE)) return false;
  const struct lex_entry *e = lex(c, i);
  if (!e || e->sn < 4 || e->wf ||
      (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY | LF_REGION | LF_CITY)))
    return false;
  /* ASCII only: "cāo chǎng" is pinyin, not a name */
  return deid_n_cps(tptr(c, i), tlen(c, i)) == tlen(c, i) && lettered(c, i);
}

/* The first name after it: lower case, known as a first name, no word, no place. */
static bool given_after(const struct nctx *c, size_t j) {
  const struct deid_tok *k = &c->t->v[j];
  if ((k->flags & (TK_WORD | TK_CAP | TK_CODE | TK_NL)) != TK_WORD || !lettered(c, j)) return false;
  const struct lex_entry *e = lex(c, j);
  return e && e->fn >= 3 && !e->wf && !(e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_CITY));
}

/* Names written in lower case ("follow up with patricia desrosiers", "benjamin a seiler",
 * "i love rick astley"): a first name, maybe an initial, and a surname or an unknown word,
 * between English words. */
void deid_names_rule_lower_pairs(struct nctx *c) {
  const struct deid_tok *v = c->t->v;
  size_t nt = c->t->n;
  for (size_t i = 0; i + 1 < nt; i++) {
    if ((v[i].flags & (TK_WORD | TK_CAP | TK_CODE)) != TK_WORD || c->tag[i] != TAG_NONE) continue;
    size_t j = i + 1;
    /* lower_first and surname_first in one step: what each looks up is read once, and a common
     * word or one the lexicon does not know is neither (most words) */
    size_t n = v[i].e - v[i].s;
    unsigned char b = (unsigned char)c->text[v[i].s];
    bool sp = (v[j].flags & TK_SP) != 0; /* the next word right after one space */
    bool may_first = n >= 3 && n <= 16 && ((b >= 'a' && b <= 'z') || b >= 0xc3);
    bool may_surname = sp && n >= 2 && b < 0x80;
    if (!may_first && !may_surname) continue;
    const struct lex_entry *e = lex(c, i);
    if (!e || e->wf) continue;
    bool first = may_first && lower_first(c, i);
    if (first) { /* for rule_lower_single: asked once per word */
      c->t->v[i].flags |= TK_LFIRST;
      if (!c->lf_hi) c->lf_lo = i;
      c->lf_hi = i + 1;
    }
    if (!sp) continue;
    if (!first) {
      /* surname first ("contact zhang wei", "ask nguyen lan"): a frequent surname that is no
       * word, then a first name that is no word either */
      if (may_surname && surname_first(c, i) && given_after(c, j) && lower_pair_ok(c, i, j, 2)) {
        c->tag[i] = c->tag[j] = TAG_PER;
        i = j;
      }
      continue;
    }
    /* an initial between: "benjamin a seiler", "eric g. samoylova" */
    if (is_word(c, j) && !(v[j].flags & TK_CAP) && deid_n_cps(tptr(c, j), tlen(c, j)) == 1 &&
        !(cue(c, j) & CUE_AND)) {
      size_t k = punct(c, j + 1, '.') ? j + 2 : j + 1;
      int last = k < nt ? lower_last(c, k) : 0;
      if (last && lower_pair_ok(c, i, k, last)) {
        for (size_t m = i; m <= k; m++)
          if (is_word(c, m)) c->tag[m] = TAG_PER;
        i = k;
      }
      continue;
    }
    int last = lower_last(c, j);
    if (!last || !lower_pair_ok(c, i, j, last)) continue;
    c->tag[i] = c->tag[j] = TAG_PER;
    i = j;
  }
}

/* A capitalized first name followed by a surname in lower case ("Donald trump", "Kylie
 * minogue"): a surname that is not a common word, or, after a frequent first name, a word no
 * dictionary knows, with English or punctuation after it. */
void deid_names_rule_cap_lower(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (!is_per(c, i) || (c->t->v[i].flags & TK_ALLCAPS) || (is_per(c, i + 1) && is_cap(c, i + 1))) continue;
    const struct lex_entry *f = lex(c, i);
    if (!first_namey(f)) continue;
    size_t j = i + 1;
    int last = lower_last(c, j);
    if (!last || is_per(c, j) || (cue(c, j) & (CUE_VERB | CUE_IS | CUE_AND))) continue;
    if (last == 1 && f->fn < 4) continue;
    if (!english_side(c, j + 1, false)) continue;
    c->tag[j] = TAG_PER;
  }
}


/* "Posted by darin", "written by", "By samantha": the word at j is an author's "by". */
static bool by_author(const struct nctx *c, size_t j) {
  if (!(cue(c, j) & CUE_BY)) return false;
  if (j == 0 || (c->t->v[j].flags & TK_NL)) return true;
  static const char *const w[] = {"posted",    "written",  "sent",    "signed",
                                  "submitted", "reported", "created", "authored", NULL};
  return tok_in(c, j - 1, w, true);
}

/* After a name: what ends a phrase, a function word, a possessive, or a verb's -ed or -ing
 * form ("with dmitri yesterday", "to kamala's", "with olga talking"; not "with avian features"). */
static bool name_may_follow(const struct nctx *c, size_t j) {
  if (ends_phrase(c, j) || punct(c, j, '\'')) return true;
  const struct lex_entry *e = lex(c, j);
  if (e && (e->flags & LF_STOP)) return true;
  size_t n = tlen(c, j);
  const char *p = tptr(c, j);
  return (n > 4 && !memcmp(p + n - 2, "ed", 2)) || (n > 5 && !memcmp(p + n - 3, "ing", 3));
}

/* A well-known first name alone in lower case where a person stands: after a verb done to
 * a person or "with", "to", "and" ("i went out with dmitri", "ask kamala if"), before a verb
 * people do ("rajesh said", "hiroshi is coming"), or addressed ("thank you, agnieszka!"),
 * with English on both sides. */
void deid_names_rule_lower_single(struct nctx *c) {
  static const char *const with_to[] = {"with", "to", NULL};
  static const char *const before[] = {"did", "is", "ask", "tell", "call", NULL};
  static const char *const after[] = {"is",   "was",    "has",    "had",    "will",   "would", "can",  "could",
                                      "did",  "does",   "said",   "says",   "called", "wants", "thinks", "knows",
                                      "likes", NULL};
  static const char *const owner[] = {"the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "this",
                                      "that", "last", "first", "next", "new", "old", "each", "every", "any", "s",
                                      "some", "no", NULL};
  static const char *const hail[] = {"you",   "thanks", "hi",       "hey",             "hello",   "bye",  "morning",
                                     "evening", "night", "sorry", "congrats", "congratulations", "welcome", "dear", NULL};
  const struct deid_tok *v = c->t->v;
  size_t nt = c->t->n;
  for (size_t i = c->lf_lo; i < nt; i++) {
    /* rule_lower_pairs asked every word but the last (TK_LFIRST: a lower-case word, rare; all
     * in [lf_lo, lf_hi)) */
    if (i + 1 < nt) {
      if (i >= c->lf_hi) i = nt - 2; /* the last word next */
      if (!(v[i].flags & TK_LFIRST)) continue;
    } else if ((v[i].flags & (TK_WORD | TK_CAP)) != TK_WORD || !lower_first(c, i)) {
      continue;
    }
    if (c->tag[i] != TAG_NONE) continue;
    bool left_edge = i == 0 || (v[i].flags & TK_NL) || !is_word(c, i - 1);
    bool right_edge = i + 1 >= nt || (v[i + 1].flags & TK_NL) || !is_word(c, i + 1);
    if ((!left_edge && !english_side(c, i - 1, true)) || (!right_edge && !english_side(c, i + 1, false))) continue;
    if (!right_edge && lower_last(c, i + 1)) continue; /* a pair: rule_lower_pairs */
    bool ok = false;
    if (!left_edge) {
      /* after "with" or "to" only a frequent name ("with dmitri"; not "to login", "with max" is) */
      ok = (cue(c, i - 1) & CUE_SAID) != 0 || by_author(c, i - 1) || tok_in(c, i - 1, before, false) ||
           (tok_in(c, i - 1, with_to, false) && lex(c, i)->fn >= 4 && name_may_follow(c, i + 1));
    }
    /* a verb after, never after a determiner or a possessive ("dmitri was late", "i think rajesh
     * is right"; not "the login was", "Kevin's login was", "my chai was") */
    if (!ok && !right_edge && (left_edge || !tok_in(c, i - 1, owner, false)))
      ok = (cue(c, i + 1) & CUE_VERB) != 0 || tok_in(c, i + 1, after, false);
    /* "thank you, agnieszka!", "hey nadia," */
    if (!ok && i > 1 && punct(c, i - 1, ',') && is_word(c, i - 2)) {
      /* at the end of a sentence of a few words, or before a comma after a greeting */
      if (i + 1 >= nt || punct(c, i + 1, '!') || punct(c, i + 1, '?') || (v[i + 1].flags & TK_NL))
        ok = i >= 4 && !punct(c, i - 3, ',') && lex(c, i - 2) && (lex(c, i - 2)->wf || (lex(c, i - 2)->flags & LF_STOP));
      else if (punct(c, i + 1, ','))
        ok = tok_in(c, i - 2, hail, true);
    }
    if (ok) c->tag[i] = TAG_PER;
  }
}
