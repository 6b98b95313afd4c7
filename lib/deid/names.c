/* names.c: person names and personal places in prose. The tagger (tagger.c) scores every
 * capitalized word outside code; context rules add what it cannot see on its own (titles,
 * "my name is", salutations and sign-offs, labels, lists of names, a name repeated after
 * its full form) and places where a person lives or comes from; spans are then built from
 * runs of tagged words with initials and particles, and filtered (words that only look like
 * names; public figures when asked to keep them). */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include "deid_int.h"

enum { TAG_NONE, TAG_PER, TAG_PER_STRONG, TAG_LOC, TAG_NOT };

void deid_names_release(struct deid_names *nd) {
  ds_free(nd->toks.v);
  ds_free(nd->toks.lx);
  ds_free(nd->tags);
  ds_free(nd->extra);
  ds_free(nd->cues);
  ds_free(nd->toks.caps);
  ds_free(nd->icaps);
  memset(nd, 0, sizeof *nd);
}

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
};
/* Each capitalized word that can be a name, outside code. */
#define EACH_NAMECAP(c, i)                                                                        \
  for (size_t q_ = 0, i; q_ < (c)->n_icaps && ((i = (c)->icaps[q_]), 1); q_++)                      \
    if (!((c)->t->v[i].flags & TK_CODE))
/* Each capitalized word outside code (placeholders count as code). */
#define EACH_CAP(c, i)                                                                            \
  for (size_t q_ = 0, i; q_ < (c)->n_caps && ((i = (c)->caps[q_]), 1); q_++)                        \
    if (!((c)->t->v[i].flags & TK_CODE))

static bool is_word(const struct nctx *c, size_t i) { return i < c->t->n && (c->t->v[i].flags & TK_WORD); }
static bool is_cap(const struct nctx *c, size_t i) {
  return i < c->t->n && (c->t->v[i].flags & (TK_WORD | TK_CAP | TK_CODE)) == (TK_WORD | TK_CAP);
}
static size_t tlen(const struct nctx *c, size_t i) { return c->t->v[i].e - c->t->v[i].s; }
static const char *tptr(const struct nctx *c, size_t i) { return c->text + c->t->v[i].s; }

/* The cue bits of token i (its lower-cased form looked up once). */
static uint64_t cue_slow(const struct nctx *c, size_t i);
static inline uint64_t cue(const struct nctx *c, size_t i) {
  if (i >= c->t->n) return 0;
  if (c->t->v[i].flags & TK_CUED) return c->cues[i];
  return cue_slow(c, i);
}
static uint64_t cue_slow(const struct nctx *c, size_t i) {
  uint64_t bits = 0;
  size_t n = tlen(c, i);
  const struct deid_tok *k0 = &c->t->v[i];
  if (!(k0->flags & TK_WORD)) {
    /* punctuation: only the apostrophes are cue words */
    const char *p = tptr(c, i);
    if ((n == 1 && p[0] == '\'') || (n == 3 && !memcmp(p, "\xe2\x80\x99", 3))) bits = CUE_APOS;
  } else {
    bits = deid_cue_word(tptr(c, i), n);
  }
  c->cues[i] = bits;
  c->t->v[i].flags |= TK_CUED;
  return bits;
}

static bool punct(const struct nctx *c, size_t i, char ch) {
  return i < c->t->n && !(c->t->v[i].flags & TK_WORD) && tlen(c, i) == 1 && tptr(c, i)[0] == ch;
}
static const struct lex_entry *lex(const struct nctx *c, size_t i) { return deid_tok_lex_c(c->text, c->t, i); }

/* An initial: one capital letter followed by '.' */
static bool initial_at(const struct nctx *c, size_t i) {
  return is_cap(c, i) && deid_n_cps(tptr(c, i), tlen(c, i)) == 1 && punct(c, i + 1, '.');
}


/* A run of up to max name-like tokens from i (capitalized words, initials, particles
 * between them); returns the index after it, or i. */
static size_t name_run(const struct nctx *c, size_t i, int max) {
  size_t j = i, end = i;
  int n = 0;
  while (j < c->t->n && n < max) {
    if (j > i && (c->t->v[j].flags & TK_NL)) break;
    if (initial_at(c, j)) {
      j += 2;
      n++;
      continue;
    }
    if (is_cap(c, j)) {
      if (cue(c, j) & CUE_I) break; /* "I", "I'm" */
      const struct lex_entry *e = lex(c, j);
      if (e && (e->flags & (LF_STOP | LF_TIME)) && !(e->fn >= 3 || e->sn >= 3)) break;
      j++;
      end = j;
      n++;
      continue;
    }
    if (j > i && is_word(c, j)) {
      const struct lex_entry *e = lex(c, j);
      if (e && (e->flags & LF_PARTICLE) && is_cap(c, j + 1)) {
        j++;
        continue;
      }
    }
    break;
  }
  return end;
}

static void tag_range(struct nctx *c, size_t a, size_t b, unsigned char tag) {
  for (size_t k = a; k < b; k++)
    if (is_word(c, k) && (is_cap(c, k) || initial_at(c, k))) c->tag[k] = tag;
    else if (initial_at(c, k)) c->tag[k] = tag;
}

/* Known first name, or surname, or the tagger liked it. */
static bool namelike(const struct nctx *c, size_t i) {
  if (!is_cap(c, i)) return false;
  if (c->tag[i] == TAG_PER || c->tag[i] == TAG_PER_STRONG) return true;
  const struct lex_entry *e = lex(c, i);
  return e && (e->fn >= 2 || e->sn >= 2) && !(e->flags & (LF_STOP | LF_TIME)) && e->wf != 1;
}

static void rule_titles(struct nctx *c) {
  EACH_NAMECAP(c, j) {
    if (j == 0 || (c->t->v[j].flags & TK_NL)) continue;
    size_t i = j - 1;
    if (punct(c, i, '.') && i > 0) i--;
    if (!is_word(c, i) || !(cue(c, i) & CUE_TITLE)) continue; /* "Mr", "ms.", "Dr" in any case */
    /* "General Motors", "Doctor Who": after a long title word, the next word must be a name */
    if (tlen(c, i) > 4 && !namelike(c, j)) continue;
    size_t e = name_run(c, j, 3);
    if (e > j) tag_range(c, j, e, TAG_PER_STRONG);
  }
}

/* A word that can be a name: letters (and ' -) only. */
static bool lettered(const struct nctx *c, size_t i) {
  const char *p = tptr(c, i);
  for (size_t k = 0; k < tlen(c, i); k++)
    if (p[k] >= '0' && p[k] <= '9') return false;
  return true;
}

/* Unknown to the lexicon, or known as a name (of any frequency) and not as a common word,
 * a place or a function word: a word that can be someone's name. */
static bool unknown_or_name(const struct lex_entry *e) {
  if (!e) return true;
  if (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY)) return false;
  if (e->wf && e->wf <= 3 && e->fn < 3 && e->sn < 3) return false;
  return e->fn || e->sn;
}

/* Stricter: unknown, or a name that is no common word at all ("Halldór", not "Azure"). */
static bool unknown_or_rare_name(const struct lex_entry *e) {
  return !e || (unknown_or_name(e) && !e->wf && (!(e->flags & LF_UPPER) || e->fn >= 5 || e->sn >= 5));
}

/* Words that are not names however they are used (assistants, products). */
static bool product_word(const struct nctx *c, size_t i) { return (cue(c, i) & CUE_PRODUCT) != 0; }

/* "my name is vitoria", "everyone calls me Ján": after these the next words are the name,
 * capitalized or not (lower-case words only when they are not common words). */
static void rule_name_is(struct nctx *c) {
  const struct deid_tok *v = c->t->v; /* every token is looked at: hoisted out of the loop */
  size_t nt = c->t->n;
  for (size_t i = 1; i + 1 < nt; i++) {
    const struct deid_tok *k = &v[i];
    if (k->e - k->s != 2) continue;
    const char *p = c->text + k->s;
    bool is_is = (p[0] | 32) == 'i' && (p[1] | 32) == 's';
    bool is_me = (p[0] | 32) == 'm' && (p[1] | 32) == 'e';
    if (!is_is && !is_me) continue;
    /* the cue words before: "name" (is), "call", "calls", "called" (me) */
    size_t pl = tlen(c, i - 1);
    char p0 = (char)(tptr(c, i - 1)[0] | 32);
    if (pl < 4 || pl > 6 || p0 != (is_is ? 'n' : 'c')) continue;
    uint64_t prev = cue(c, i - 1);
    bool name = is_is ? (prev & CUE_NAME) != 0 : (prev & (CUE_CALL | CUE_CALLS)) != 0;
    if (!name) continue;
    size_t j = i + 1, end = j;
    for (int words = 0; words < 3 && j < c->t->n; words++) {
      if (!is_word(c, j) || (c->t->v[j].flags & (TK_NL | TK_CODE))) break;
      const struct lex_entry *e = lex(c, j);
      bool cap = (c->t->v[j].flags & TK_CAP) != 0;
      /* a word in lower case: a name only when the lexicon knows it as one and not as a word */
      if (!cap && e && ((e->wf && e->wf <= 3) || (e->flags & LF_STOP) || !(e->fn || e->sn))) break;
      /* a lower-case word the lexicon does not know: a name when it has a name's letters */
      if (!cap && !e && (!lettered(c, j) || deid_n_cps(tptr(c, j), tlen(c, j)) < 2)) break;
      if (e && (e->flags & (LF_STOP | LF_TIME)) && !(e->fn >= 3)) break;
      if (deid_n_cps(tptr(c, j), tlen(c, j)) == 1 && punct(c, j + 1, '.')) j++; /* an initial */
      end = ++j;
    }
    for (size_t q = i + 1; q < end; q++)
      if (is_word(c, q)) c->tag[q] = TAG_PER_STRONG;
  }
}

/* What follows a name that someone is addressed by ("Aloisia, can I ...", "Vide, please
 * ..."): a request, a question or a pronoun. */
static bool addressed_after(const struct nctx *c, size_t j, bool requests_only) {
  /* after a word the lexicon does not know only a request or a question ("Haha, I knew it"
   * is no one addressed) */
  static const char *const w[] = {"can", "could", "would", "will", "please", "do", "did", "are", "have",
                                  "what", "how", "where", "when", "why", "listen", "look", "wait", "come",
                                  "stop", "tell", "give", "meet", "i", "you", "we", "thank", "thanks", "let's",
                                  "i'm", "don't"};
  size_t nw = requests_only ? 22 : DS_ARRAY_LEN(w);
  if (!is_word(c, j)) return false;
  size_t n = tlen(c, j);
  const char *p = tptr(c, j);
  if (n > 6 || (n > 1 && (c->t->v[j].flags & TK_CAP) && !(n == 3 && p[1] == '\''))) return false;
  for (size_t k = 0; k < nw; k++)
    if (strlen(w[k]) == n && !strncasecmp(w[k], p, n)) return true;
  return false;
}

/* "Ubul: What a wife." (a speaker), "Aloisia, can I ..." (someone addressed), "Trivo lives
 * on ..." (someone doing what people do). */
static void rule_roles(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || product_word(c, i) || !lettered(c, i)) continue;
    const struct lex_entry *e = lex(c, i);
    bool common = e && e->wf && e->wf <= 3 && e->fn < 3;
    bool place = e && (e->flags & (LF_CITY | LF_COUNTRY | LF_REGION | LF_ORG | LF_STOP | LF_TIME | LF_STREET));
    if (common || place) continue;
    bool line_start = i == 0 || (c->t->v[i].flags & TK_NL);
    if (line_start && punct(c, i + 1, ':') && !(cue(c, i) & CUE_LABEL) && unknown_or_rare_name(e)) {
      c->tag[i] = TAG_PER;
      continue;
    }
    if (deid_sentence_start(c->text, c->t, i) && punct(c, i + 1, ',') &&
        ((e && (e->fn >= 2 || e->sn >= 2)) || (unknown_or_rare_name(e) && addressed_after(c, i + 2, !e)))) {
      c->tag[i] = TAG_PER;
      continue;
    }
    if (i + 1 < c->t->n && is_word(c, i + 1) && !(c->t->v[i + 1].flags & TK_CAP)) {
      uint64_t n1 = cue(c, i + 1);
      if ((n1 & CUE_VERB) || ((n1 & CUE_IS) && (cue(c, i + 2) & CUE_FROM))) c->tag[i] = TAG_PER;
    }
  }
}

/* A he/she pronoun within the next few words on the same line: the capitalized word before it
 * is likely a person ("Pyrion continues his streak", "Natasja is very reliable. You can
 * always depend on him."). */
static bool pronoun_after(const struct nctx *c, size_t i) {
  static const char *const w[] = {"he", "she", "him", "her", "his", "hers", "himself", "herself", "he's", "she's"};
  for (size_t j = i + 1; j < c->t->n && j <= i + 24; j++) {
    const struct deid_tok *k = &c->t->v[j];
    if (k->flags & TK_NL) return false;
    if (!(k->flags & TK_WORD)) continue;
    size_t n = k->e - k->s;
    const char *p = c->text + k->s;
    if (n < 2 || n > 7 || ((p[0] | 32) != 'h' && (p[0] | 32) != 's')) continue;
    if (j > i + 1 && (k->flags & TK_CAP) && !deid_sentence_start(c->text, c->t, j) && (p[0] | 32) != 'h') continue;
    for (size_t q = 0; q < DS_ARRAY_LEN(w); q++)
      if (strlen(w[q]) == n && !strncasecmp(w[q], p, n)) return true;
  }
  return false;
}

/* A word the lexicon does not know that still reads as a word, not a name: a contraction
 * ("Didn't") or an English derivational ending ("Analytics", "Industriousness"). */
static bool wordlike_unknown(const struct nctx *c, size_t i) {
  static const char *const suf[] = {"ics", "ness", "ment", "tion", "sion", "ity", "ism", "ogy", "ship", "ware",
                                    "able", "ible", "ment", "ings", "ance", "ence", "ful", "less", "ous"};
  const char *p = tptr(c, i);
  size_t n = tlen(c, i);
  if (memchr(p, '\'', n) || (n > 3 && memmem(p, n, "\xe2\x80\x99", 3))) return true;
  for (size_t k = 0; k < DS_ARRAY_LEN(suf); k++) {
    size_t m = strlen(suf[k]);
    if (n > m + 2 && !strncasecmp(p + n - m, suf[k], m)) return true;
  }
  return false;
}

/* An unknown or rare capitalized word that a he/she pronoun refers to: the subject of its
 * sentence, or the object of a verb or preposition right before. */
static void rule_pronouns(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || product_word(c, i) || !lettered(c, i) || (c->t->v[i].flags & TK_ALLCAPS) ||
        deid_n_cps(tptr(c, i), tlen(c, i)) < 3)
      continue;
    const struct lex_entry *e = lex(c, i);
    if (!unknown_or_rare_name(e) || (e && (e->flags & (LF_CITY | LF_REGION))) || (!e && wordlike_unknown(c, i)))
      continue;
    if (is_cap(c, i + 1) || (i > 0 && is_cap(c, i - 1) && !(c->t->v[i].flags & TK_NL))) continue; /* runs: other rules */
    /* the next word: a verb or function word in lower case, or punctuation */
    if (i + 1 < c->t->n && is_word(c, i + 1) && (c->t->v[i + 1].flags & TK_CAP)) continue;
    if (pronoun_after(c, i)) c->tag[i] = TAG_PER;
  }
}

/* Labels and phrases after which a name follows. strong: tag the run whatever it is; weak:
 * only when it looks like a name. */
static void rule_labels(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (!is_cap(c, i) || c->tag[i] == TAG_PER_STRONG) continue;
    bool strong = false, weak = false;
    uint64_t p1 = i >= 1 ? cue(c, i - 1) : 0, p2 = 0, p3 = 0;
    if (p1 & (CUE_IS | CUE_ME | CUE_AM | CUE_M)) {
      p2 = i >= 2 ? cue(c, i - 2) : 0;
      p3 = (p1 & CUE_M) && i >= 3 ? cue(c, i - 3) : 0;
    }
    if (((p1 & CUE_IS) && (p2 & CUE_NAME)) || ((p1 & CUE_ME) && (p2 & CUE_CALL)))
      strong = true; /* "my name is", "name is", "call me" */
    else if (((p1 & CUE_AM) && (p2 & CUE_I)) || ((p1 & CUE_M) && (p2 & CUE_APOS) && (p3 & CUE_I)) ||
             (p1 & CUE_IM) || ((p1 & CUE_IS) && (p2 & CUE_THIS)))
      weak = true; /* "I am", "I'm", "this is" */
    else if (i >= 2 && (punct(c, i - 1, ':') || punct(c, i - 1, '-')) && (cue(c, i - 2) & CUE_LABEL))
      strong = true;
    else if ((p1 & CUE_LABEL) && (c->t->v[i - 1].flags & TK_NL))
      weak = true; /* a label opening a line: "Patient Jane Doe" */
    else if ((p1 & CUE_GREET) && !(c->t->v[i].flags & TK_NL))
      weak = true;
    else if (i >= 2 && punct(c, i - 1, ',') && (cue(c, i - 2) & CUE_GREET) && (c->t->v[i].flags & TK_NL) == 0)
      weak = true;
    else if (p1 & CUE_NAMED)
      weak = true;
    else if (c->t->v[i].flags & TK_NL) {
      /* a sign-off: "Regards,\nJane Doe" (the name alone on its line) */
      size_t k = i;
      if (k >= 2 && punct(c, k - 1, ',') && (cue(c, k - 2) & CUE_SIGNOFF)) strong = true;
      else if (k >= 3 && punct(c, k - 1, ',') && (cue(c, k - 2) & CUE_REGARDS) && (cue(c, k - 3) & CUE_KIND))
        strong = true;
      if (strong) {
        size_t e = name_run(c, i, 4);
        if (e < c->t->n && !(c->t->v[e].flags & TK_NL)) strong = false;
      }
    }
    if (!strong && !weak) continue;
    size_t e = name_run(c, i, 4);
    if (e == i) continue;
    if (weak) {
      bool ok = false;
      for (size_t k = i; k < e && !ok; k++)
        ok = (namelike(c, k) && lex(c, k) && (lex(c, k)->fn >= 2 || lex(c, k)->sn >= 3)) ||
             (k > i && initial_at(c, k)); /* "Jaroslava P. Sedláčková" has a name's shape */
      if (!ok && e - i >= 2) {
        /* "I'm Bojka Žilih," : two or three words, none of them a common word or a place */
        ok = e - i <= 3;
        for (size_t k = i; k < e && ok; k++)
          ok = initial_at(c, k) || (is_cap(c, k) && lettered(c, k) && !(c->t->v[k].flags & TK_ALLCAPS) &&
                                    unknown_or_rare_name(lex(c, k)) && !product_word(c, k) &&
                                    !(lex(c, k) && (lex(c, k)->flags & (LF_CITY | LF_REGION))));
      }
      if (!ok && (e - i < 2 || !namelike(c, i))) continue;
      /* a weak cue before a common word ("Hi Team", "Thanks Again") is not a name */
      const struct lex_entry *le = lex(c, i);
      if (le && le->wf && le->wf <= 2 && !(le->fn >= 4)) continue;
    }
    tag_range(c, i, e, TAG_PER_STRONG);
  }
}

static bool never_alone(const struct nctx *c, size_t i);

/* The lexicon on its own: a known first name that is not a common word is a name, and so
 * is a capitalized word right after it (the surname, known or not); a known surname that is
 * not a common word or a place is a name inside a sentence. */
static bool first_namey(const struct lex_entry *e) {
  /* a word written capitalized anyway (a language, a nationality, "America") is a name only
   * when it is a very common one */
  return e && e->fn >= 3 && (e->wf == 0 || (e->fn >= 5 && e->wf >= 3)) && (!(e->flags & LF_UPPER) || e->fn >= 6) &&
         !(e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY));
}
static bool surnamey(const struct lex_entry *e) {
  return e && e->sn >= 3 && e->wf == 0 && (!(e->flags & LF_UPPER) || e->sn >= 5) &&
         !(e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_COUNTRY | LF_REGION | LF_CITY));
}
static bool is_per(const struct nctx *c, size_t i) {
  return i < c->t->n && (c->tag[i] == TAG_PER || c->tag[i] == TAG_PER_STRONG);
}

static void rule_lexicon(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || (c->t->v[i].flags & TK_ALLCAPS) || !lettered(c, i)) continue;
    const struct lex_entry *e = lex(c, i);
    uint64_t p1 = i ? cue(c, i - 1) : 0;
    /* "to Antonio" a person, "to Paris" a place */
    bool after_prep = ((p1 & (CUE_IN | CUE_NEAR | CUE_FROM | CUE_TO)) != 0 || (i && (cue(c, i - 1) & CUE_AT))) &&
                      e && (e->flags & (LF_CITY | LF_REGION | LF_COUNTRY));
    if (first_namey(e) && !after_prep) {
      c->tag[i] = TAG_PER;
      continue;
    }
    if (surnamey(e) && !after_prep && !deid_sentence_start(c->text, c->t, i)) c->tag[i] = TAG_PER;
  }
  /* a capitalized word joined to a name, maybe across an initial ("Tomomi Arata", "Karin M.
   * Beike", "Ivan King") */
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || !lettered(c, i)) continue;
    if (never_alone(c, i)) {
      /* "Ivan King", "Sarah Bishop": a title word that is also a surname, after a first name */
      const struct lex_entry *e = lex(c, i);
      if (e && (e->flags & LF_TITLE) && !(e->flags & LF_STOP) && e->sn >= 3 && i > 0 && is_per(c, i - 1) &&
          first_namey(lex(c, i - 1)) && (c->t->v[i].flags & TK_SP) && !(c->t->v[i].flags & TK_NL) &&
          !is_cap(c, i + 1))
        c->tag[i] = TAG_PER;
      continue;
    }
    if ((c->t->v[i].flags & TK_ALLCAPS) && !(i > 0 && (c->t->v[i - 1].flags & TK_ALLCAPS))) continue;
    const struct lex_entry *e = lex(c, i);
    if (e && (((e->wf && e->wf <= 2) && e->sn < 2) || (e->flags & (LF_ORG | LF_STREET | LF_COUNTRY | LF_REGION))))
      continue;
    size_t prev = i;
    if (i >= 3 && punct(c, i - 1, '.') && initial_at(c, i - 2)) prev = i - 2;
    /* at a sentence start only a word that can be a name ("Krisztián Szöllösy listed") */
    bool before = i + 1 < c->t->n && is_per(c, i + 1) && !(c->t->v[i + 1].flags & TK_NL) &&
                  !first_namey(lex(c, i + 1)) &&
                  (!deid_sentence_start(c->text, c->t, i) || (unknown_or_rare_name(e) && (c->t->v[i + 1].flags & TK_SP))) &&
                  !(e && (e->flags & LF_CITY));
    bool after = prev > 0 && (is_per(c, prev - 1) || (prev < i && is_per(c, prev - 1))) &&
                 !(c->t->v[i].flags & TK_NL) && (c->t->v[i].flags & TK_SP);
    if (before || after) c->tag[i] = TAG_PER;
  }
}

/* A name's shape: a capitalized word, a one-letter initial (with or without its period) and
 * another capitalized word on one line, neither a common word ("Soib K. Kishiev", "Landerico
 * B Hidalgo"). */
static bool uncommon_cap(const struct nctx *c, size_t i) {
  if (i >= c->t->n || !is_cap(c, i) || !lettered(c, i) || tlen(c, i) < 2 || (c->t->v[i].flags & TK_ALLCAPS) ||
      (cue(c, i) & CUE_I))
    return false;
  const struct lex_entry *e = lex(c, i);
  return !e || ((!e->wf || e->wf > 2 || e->fn >= 3 || e->sn >= 3) && !(e->flags & (LF_STOP | LF_TIME)));
}

static void rule_initials(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (!uncommon_cap(c, i) || product_word(c, i)) continue;
    size_t k = i + 1;
    if (k >= c->t->n || !is_cap(c, k) || deid_n_cps(tptr(c, k), tlen(c, k)) != 1 || (c->t->v[k].flags & TK_NL) ||
        !(c->t->v[k].flags & TK_SP) || (cue(c, k) & CUE_I))
      continue;
    size_t l = punct(c, k + 1, '.') ? k + 2 : k + 1;
    if (l >= c->t->n || (c->t->v[l].flags & TK_NL) || !(c->t->v[l].flags & TK_SP) || !uncommon_cap(c, l)) continue;
    for (size_t m = i; m <= l; m++)
      if (is_word(c, m) && c->tag[m] == TAG_NONE) c->tag[m] = TAG_PER;
  }
}

static bool english_side(const struct nctx *c, size_t k, bool before);

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

/* Beside a name in lower case: the text's edge, punctuation, a line break, or an English
 * common word (in text of another language "sie hatte", "que puede" are not names). */
static bool english_side(const struct nctx *c, size_t k, bool before) {
  if (k >= c->t->n) return true;
  if (!is_word(c, k)) return true;
  if (before ? (c->t->v[k + 1].flags & TK_NL) : (c->t->v[k].flags & TK_NL)) return true;
  const struct lex_entry *e = lex(c, k);
  return e && (e->wf || (e->flags & LF_STOP)) && !(e->fn >= 3 && !e->wf);
}

/* Names written in lower case ("follow up with patricia desrosiers", "benjamin a seiler",
 * "i love rick astley"): a first name, maybe an initial, and a surname or an unknown word,
 * between English words. */
static void rule_lower_pairs(struct nctx *c) {
  const struct deid_tok *v = c->t->v;
  size_t nt = c->t->n;
  for (size_t i = 0; i + 1 < nt; i++) {
    if ((v[i].flags & (TK_WORD | TK_CAP)) != TK_WORD || c->tag[i] != TAG_NONE) continue;
    size_t j = i + 1;
    if (!(v[j].flags & TK_SP)) continue; /* the next word right after one space */
    if (!lower_first(c, i)) continue;
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

/* Organizations named after people ("Davis, Reynolds and Williamson Orchestra", "Kroll Bond
 * Ratings", "Weber-Santana Inc"): the names before an organization word are not people. */
static void rule_orgs(struct nctx *c) {
  EACH_CAP(c, i) {
    if (i == 0 || !(cue(c, i) & CUE_ORGHEAD)) continue;
    /* back over the names and their commas and "and" */
    for (size_t j = i; j-- > 0;) {
      if (is_cap(c, j)) {
        c->tag[j] = TAG_NOT;
        continue;
      }
      if (punct(c, j, ',') || punct(c, j, '&') || (cue(c, j) & CUE_AND) || punct(c, j, '-')) continue;
      break;
    }
  }
}

static bool also_lowercase(const struct nctx *c, size_t i);

/* Two or three capitalized words that the lexicon does not know (or knows as names), alone
 * in a row: "Hijacinta Godina", "Julcsa Kárpáthy". */
static bool pair_word(const struct nctx *c, size_t i) {
  if (!is_cap(c, i) || (c->t->v[i].flags & TK_ALLCAPS) || product_word(c, i) || c->tag[i] == TAG_NOT ||
      c->tag[i] == TAG_LOC)
    return false;
  if (deid_n_cps(tptr(c, i), tlen(c, i)) < 2 || !lettered(c, i)) return false;
  const struct lex_entry *e = lex(c, i);
  if (also_lowercase(c, i)) return false;
  if (!e) return true;
  if (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_CITY | LF_COUNTRY | LF_REGION | LF_UPPER))
    return false;
  return (e->fn >= 2 || e->sn >= 2) && (e->wf == 0 || e->wf >= 4);
}

static void rule_pairs(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (i > 0 && is_cap(c, i - 1) && !(c->t->v[i].flags & TK_NL)) continue; /* not the first of its run */
    /* the run of capitalized words joined by single spaces (cheap checks first) */
    size_t j = i + 1;
    while (j < c->t->n && j - i <= 3 && is_cap(c, j) && !(c->t->v[j].flags & TK_NL) && (c->t->v[j].flags & TK_SP)) j++;
    size_t n = j - i;
    if (n < 2 || n > 3) continue;
    bool ok = true;
    for (size_t k = i; k < j && ok; k++) ok = pair_word(c, k);
    if (!ok) continue;
    for (size_t k = i; k < j; k++)
      if (c->tag[k] == TAG_NONE) c->tag[k] = TAG_PER;
  }
}

/* A run of capitalized words that the lexicon knows as a place ("New York", "Uttar Pradesh",
 * "Latin America") is not a name. */
static void rule_known_places(struct nctx *c) {
  EACH_CAP(c, i) {
    if (i > 0 && is_cap(c, i - 1) && !(c->t->v[i].flags & TK_NL)) continue;
    size_t j = i + 1;
    while (j < c->t->n && j - i < 4 && is_cap(c, j) && !(c->t->v[j].flags & TK_NL) && (c->t->v[j].flags & TK_SP)) j++;
    for (size_t e = j; e > i + 1; e--) {
      char f[128];
      size_t fl = deid_fold(tptr(c, i), c->t->v[e - 1].e - c->t->v[i].s, f, sizeof f);
      const struct lex_entry *le = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
      if (le && (le->flags & (LF_CITY | LF_REGION | LF_COUNTRY))) {
        for (size_t k = i; k < e; k++)
          if (c->tag[k] != TAG_PER_STRONG) c->tag[k] = TAG_NOT;
        break;
      }
    }
  }
}

/* The lower-case form of a word elsewhere in the text ("docker" beside "Docker"): a word, not
 * a name. */
static bool also_lowercase(const struct nctx *c, size_t i) {
  size_t n = tlen(c, i);
  const char *p = tptr(c, i);
  if (n < 3 || n > 32) return false;
  /* only words the lexicon does not know as names: "Docker" beside "docker" */
  const struct lex_entry *e = lex(c, i);
  if (e && (e->fn >= 2 || e->sn >= 2)) return false;
  char w[33];
  for (size_t k = 0; k < n; k++) {
    if ((unsigned char)p[k] >= 0x80) return false;
    w[k] = (char)tolower((unsigned char)p[k]);
  }
  /* a word repeated in a long text is looked for once (the memo keeps its 64-bit hash) */
  uint64_t h = ds_hash64(w, n) | 2, *m = &((struct nctx *)c)->lc_memo[(h >> 2) & 31];
  if ((*m | 1) == (h | 1)) return *m & 1;
  bool found = false;
  const char *end = c->text + c->len;
  for (const char *f = memchr(c->text, w[0], c->len); f; f = memchr(f + 1, w[0], (size_t)(end - f - 1))) {
    if ((size_t)(end - f) < n) break;
    if (f[1] != w[1] || memcmp(f, w, n)) continue;
    bool left = f == c->text || !isalnum((unsigned char)f[-1]);
    bool right = f + n == end || !isalnum((unsigned char)f[n]);
    if (left && right) {
      found = true;
      break;
    }
    if (f + 1 >= end) break;
  }
  *m = (h & ~(uint64_t)1) | found;
  return found;
}

/* "Alice, Bob and Carol": names in a list are names. */
static void rule_lists(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (i + 2 >= c->t->n) break;
    if (c->tag[i] != TAG_PER && c->tag[i] != TAG_PER_STRONG) continue;
    /* forward: , X / and X / & X */
    size_t j = i + 1;
    while (j + 1 < c->t->n && (punct(c, j, ',') || (cue(c, j) & CUE_AND) || punct(c, j, '&'))) {
      size_t k = j + 1;
      if (cue(c, k) & CUE_AND) k++;
      if (!is_cap(c, k) || c->tag[k] == TAG_LOC || c->tag[k] == TAG_NOT) break;
      const struct lex_entry *e = lex(c, k);
      /* "Morrison, Rogers and Torres", "Bowman and White": a frequent surname after names */
      bool surname = e && e->sn >= 4 && !(e->flags & (LF_COUNTRY | LF_STOP | LF_ORG)) && (cue(c, j) & CUE_AND) &&
                     i >= 2 && punct(c, i - 1, ',') && is_per(c, i - 2);
      if (!surname && e && ((e->wf && e->wf <= 2 && e->fn < 3) || (e->flags & (LF_CITY | LF_COUNTRY | LF_STOP | LF_ORG))))
        break;
      if (c->tag[k] == TAG_NONE) c->tag[k] = TAG_PER;
      j = k + 1;
      while (j < c->t->n && is_cap(c, j) && c->tag[j] != TAG_NONE) j++;
    }
    /* backward: "founders: Kónya, Becker and Vasquez" from Vasquez, when that one is a name
     * the lexicon knows and so are the others */
    const struct lex_entry *anchor = lex(c, i);
    if (!anchor || !unknown_or_rare_name(anchor) || !(anchor->fn >= 3 || anchor->sn >= 3)) continue;
    for (size_t k = i; k >= 2;) {
      size_t p = k - 1;
      if (!(punct(c, p, ',') || (cue(c, p) & CUE_AND) || punct(c, p, '&'))) break;
      if (p >= 1 && punct(c, p - 1, ',') && (cue(c, p) & CUE_AND)) p--; /* ", and" */
      if (p == 0) break;
      size_t q = p - 1;
      if (!is_cap(c, q) || c->tag[q] == TAG_LOC || c->tag[q] == TAG_NOT || product_word(c, q) || !lettered(c, q) ||
          (c->t->v[q].flags & TK_ALLCAPS))
        break;
      const struct lex_entry *e = lex(c, q);
      if (!e || !unknown_or_rare_name(e) || !(e->fn >= 2 || e->sn >= 2) || (e->flags & (LF_REGION | LF_CITY))) break;
      if (c->tag[q] == TAG_NONE) c->tag[q] = TAG_PER;
      k = q;
    }
  }
}

/* A name seen in full ("Joshua Norton", or after a strong cue) is a name elsewhere in the
 * same text ("Norton said"). */
static void rule_propagate(struct nctx *c, uint64_t *seen, size_t cap) {
  size_t n = 0;
  EACH_NAMECAP(c, i) {
    if (n >= cap) break;
    if (c->tag[i] != TAG_PER && c->tag[i] != TAG_PER_STRONG) continue;
    bool full = c->tag[i] == TAG_PER_STRONG || (i + 1 < c->t->n && (c->tag[i + 1] == TAG_PER || c->tag[i + 1] == TAG_PER_STRONG)) ||
                (i > 0 && (c->tag[i - 1] == TAG_PER || c->tag[i - 1] == TAG_PER_STRONG));
    if (!full || deid_n_cps(tptr(c, i), tlen(c, i)) < 3) continue;
    char f[64];
    size_t fl = deid_fold(tptr(c, i), tlen(c, i), f, sizeof f);
    if (fl > sizeof f) continue;
    seen[n++] = ds_hash64(f, fl);
  }
  if (!n) return;
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || !is_cap(c, i)) continue;
    char f[64];
    size_t fl = deid_fold(tptr(c, i), tlen(c, i), f, sizeof f);
    if (fl > sizeof f) continue;
    uint64_t h = ds_hash64(f, fl);
    for (size_t k = 0; k < n; k++)
      if (seen[k] == h) {
        const struct lex_entry *e = lex(c, i);
        if (!(e && e->wf && e->wf <= 2)) c->tag[i] = TAG_PER;
        break;
      }
  }
}

/* Places where a person lives, comes from, grew up or moved: "I live in Springfield",
 * "originally from Kenosha", "moved here from Aalborg". Cities and towns only: states and
 * countries are kept (HIPAA's Safe Harbor allows them). */
static void rule_places(struct nctx *c) {
  EACH_CAP(c, i) {
    if (i == 0 || !is_word(c, i - 1) || tlen(c, i - 1) < 2 || tlen(c, i - 1) > 7) continue; /* in to from near is */
    bool ctx = false;
    uint64_t p1 = cue(c, i - 1);
    if ((p1 & (CUE_IN | CUE_NEAR)) && i >= 2 && (cue(c, i - 2) & CUE_VERB_IN))
      ctx = true;
    else if ((p1 & CUE_IN) && i >= 3 && (cue(c, i - 2) & CUE_UP) && (cue(c, i - 3) & CUE_GREW))
      ctx = true;
    else if ((p1 & CUE_FROM) && i >= 2 && (cue(c, i - 2) & CUE_FROM_LEAD))
      ctx = true;
    else if ((p1 & CUE_TO) && i >= 2 && (cue(c, i - 2) & CUE_TO_LEAD))
      ctx = true;
    else if ((p1 & CUE_IS) && i >= 2 && (cue(c, i - 2) & CUE_PLACEWORD))
      ctx = true;
    if (!ctx) continue;
    /* the place: up to 4 capitalized words ("New York City", "St. Louis") */
    size_t j = i, end = i;
    for (int n = 0; n < 4 && j < c->t->n; n++) {
      if (n && (c->t->v[j].flags & TK_NL)) break;
      if (!is_cap(c, j)) break;
      j++;
      if (punct(c, j, '.') && deid_n_cps(tptr(c, j - 1), tlen(c, j - 1)) <= 3 && is_cap(c, j + 1)) j++;
      end = j;
    }
    if (end == i) continue;
    /* a country or state alone is not identifying */
    char f[128];
    size_t fl = deid_fold(tptr(c, i), c->t->v[end - 1].e - c->t->v[i].s, f, sizeof f);
    const struct lex_entry *e = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
    if (e && (e->flags & (LF_COUNTRY | LF_REGION)) && !(e->flags & LF_CITY)) continue;
    const struct lex_entry *w = lex(c, i);
    if (w && (w->flags & (LF_COUNTRY | LF_REGION | LF_STOP | LF_TIME)) && !(w->flags & LF_CITY) && end == i + 1) continue;
    for (size_t k = i; k < end; k++)
      if (is_word(c, k)) c->tag[k] = TAG_LOC;
  }
}

/* Words that are never a name on their own, whatever the tagger says. */
static bool never_alone(const struct nctx *c, size_t i) {
  if (product_word(c, i)) return true;
  const struct lex_entry *e = lex(c, i);
  if (!e) return false;
  if (e->flags & (LF_STOP | LF_TIME | LF_TITLE)) return true;
  if ((e->flags & (LF_COUNTRY | LF_REGION)) && e->fn < 4) return true;
  return false;
}

/* --keep-public-figures: names in discussion of public figures are kept: a famous surname
 * (scripts/train-names.py: SCOWL's proper names that are not common names), or an author
 * named after "by" near a work ("a book by X", "\"Title\" by X"). */
static bool public_figure(const struct nctx *c, size_t a, size_t b) {
  size_t last = b;
  while (last > a && !is_word(c, last - 1)) last--;
  if (last == a) return false;
  const struct lex_entry *e = lex(c, last - 1);
  if (e && (e->flags & LF_PUBLIC)) return true;
  if (a >= 1 && (cue(c, a - 1) & CUE_BY)) {
    for (size_t k = a - 1; k > 0 && a - 1 - k < 12; k--) {
      if ((cue(c, k - 1) & CUE_WORKS)) return true;
      if (punct(c, k - 1, '"') || (tlen(c, k - 1) == 3 && !memcmp(tptr(c, k - 1), "\xe2\x80\x9d", 3))) return true;
      if (punct(c, k - 1, '.') || punct(c, k - 1, '\n')) break;
    }
  }
  return false;
}

static enum ds_status emit(struct nctx *c, struct deid_names *nd, const bool *enabled, struct deid_vec *out) {
  size_t done = 0; /* tokens before this one are in a span already */
  const unsigned char *tags = c->tag;
  size_t nt = c->t->n;
  for (size_t i = 0; i < nt; i++) {
    while (i < nt && !tags[i]) i++; /* most tokens have no tag */
    if (i >= nt) break;
    if (i < done) continue;
    unsigned char tg = c->tag[i];
    bool per = tg == TAG_PER || tg == TAG_PER_STRONG;
    if (!per && tg != TAG_LOC) continue;
    if (per && (cue(c, i) & CUE_I)) continue; /* "I", "I'm": never a name, whatever the tagger says */
    size_t a = i, b = i + 1;
    bool strong = tg == TAG_PER_STRONG;
    int words = 1;
    /* extend: same kind of tag, joined by a space, an initial's period or a particle */
    for (;;) {
      size_t j = b;
      if (per && punct(c, j, '.') && deid_n_cps(tptr(c, j - 1), tlen(c, j - 1)) == 1) j++;
      for (int k = 0; k < 3 && per && is_word(c, j) && !is_cap(c, j) && lex(c, j) && (lex(c, j)->flags & LF_PARTICLE); k++)
        j++; /* "van de", "de la" */
      if (j >= c->t->n || (c->t->v[j].flags & TK_NL)) break;
      unsigned char tj = c->tag[j];
      bool same = per ? (tj == TAG_PER || tj == TAG_PER_STRONG) : tj == TAG_LOC;
      if (!same && per && j > b && is_cap(c, j) && !(cue(c, j) & CUE_I))
        same = true; /* a capitalized word after a name and particles: "Maria van de Noort" */
      if (!same && per && initial_at(c, j) && j + 2 < c->t->n &&
          (c->tag[j + 2] == TAG_PER || c->tag[j + 2] == TAG_PER_STRONG))
        same = true;
      if (same && per && (cue(c, j) & CUE_I)) same = false;
      if (!same) break;
      strong |= tj == TAG_PER_STRONG;
      b = j + 1;
      words++;
    }
    /* an initial right before the name ("J. Smith") */
    if (per && a >= 2 && punct(c, a - 1, '.') && initial_at(c, a - 2)) a -= 2;
    done = b;
    if (per) {
      if (words == 1 && !strong && never_alone(c, a)) continue;
      if (words == 1 && !strong && is_word(c, a)) {
        /* "URL", "KPIs": an acronym alone is a name only when the lexicon says so */
        const struct lex_entry *le = lex(c, a);
        const char *w = tptr(c, a);
        bool acronym = tlen(c, a) >= 2 && isupper((unsigned char)w[0]) && isupper((unsigned char)w[1]);
        if (acronym && !(le && (le->fn >= 3 || le->sn >= 3))) continue;
        if (!lettered(c, a)) continue;
        /* "E-mail", "X-ray": a hyphenated word ending in a common word */
        const char *hy = memchr(w, '-', tlen(c, a));
        if (hy) {
          size_t rest = tlen(c, a) - (size_t)(hy + 1 - w);
          const struct lex_entry *re = deid_lex_word(hy + 1, rest);
          if (re && re->wf && re->wf <= 2 && re->fn < 3 && re->sn < 3) continue;
        }
        if (!(c->t->v[a].flags & TK_ALLCAPS) && also_lowercase(c, a)) continue;
        /* "Mark Scheme", "Will Power": a common word before a capitalized common word */
        if (le && le->wf && le->wf <= 2 && a + 1 < c->t->n && is_cap(c, a + 1)) {
          const struct lex_entry *ne = lex(c, a + 1);
          if (ne && ne->wf && ne->wf <= 3 && ne->sn < 3) continue;
        }
      }
      if (nd->keep_public_figures && public_figure(c, a, b)) continue;
      if (!enabled[T_PERSON]) continue;
    } else if (!enabled[T_LOCATION]) {
      continue;
    }
    size_t s = c->t->v[a].s, e = c->t->v[b - 1].e;
    if (punct(c, b, '.') && b - 1 >= a && deid_n_cps(tptr(c, b - 1), tlen(c, b - 1)) == 1 && per) e++;
    enum ds_status st = deid_vec_push(out, s, e, per ? T_PERSON : T_LOCATION);
    if (st) return st;
  }
  return DS_OK;
}

static int32_t theta_value;
static void set_theta(void) { theta_value = deid_tagger_threshold(); }

enum ds_status deid_names_find(struct deid_names *nd, const char *text, size_t len, const struct deid_ranges *code,
                               const bool *enabled, struct deid_vec *out) {
  if (!enabled[T_PERSON] && !enabled[T_LOCATION]) return DS_OK;
  deid_cues_init();
  enum ds_status st = deid_tokenize(text, len, code, &nd->toks);
  if (st) return st;
  struct deid_toks *t = &nd->toks;
  if (!t->n) return DS_OK;
  /* placeholders already in the text ("<PERSON_1>") are not words to tag */
  for (const char *lt = memchr(text, '<', len); lt; lt = memchr(lt + 1, '<', len - (size_t)(lt + 1 - text))) {
    size_t k = (size_t)(lt - text) + 1;
    if (k >= len || !isupper((unsigned char)text[k])) continue;
    size_t e = k;
    while (e < len && (isalnum((unsigned char)text[e]) || text[e] == '_')) e++;
    if (e >= len || text[e] != '>') continue;
    for (size_t i = 0; i < t->n; i++) /* rare: a linear look is fine */
      if (t->v[i].s >= k && t->v[i].e <= e) t->v[i].flags |= TK_CODE;
  }
  /* the capitalized words are the only ones most rules and the tagger look at; a text of
   * one word has no name in lower case either */
  if (!t->n_caps && t->n < 2) return DS_OK;
  if (nd->tags_cap < t->n) {
    unsigned char *v = ds_realloc(nd->tags, t->n);
    uint64_t *cu = ds_realloc(nd->cues, t->n * sizeof *cu);
    if (v) nd->tags = v;
    if (cu) nd->cues = cu;
    if (!v || !cu) return DS_E_NOMEM;
    nd->tags_cap = t->n;
  }
  memset(nd->tags, 0, t->n);
  struct nctx c = {text, len, t, nd->tags, nd->cues, t->caps, t->n_caps, nd, NULL, 0, {0}};
  static pthread_once_t theta_once = PTHREAD_ONCE_INIT;
  pthread_once(&theta_once, set_theta);
  int32_t theta = theta_value;
  if (nd->icaps_cap < t->n_caps) {
    uint32_t *v = ds_realloc(nd->icaps, t->n_caps * sizeof *v);
    if (!v) return DS_E_NOMEM;
    nd->icaps = v;
    nd->icaps_cap = t->n_caps;
  }
  c.icaps = nd->icaps;
  EACH_CAP(&c, i) {
    if (!deid_tagger_candidate(text, t, i)) continue;
    nd->icaps[c.n_icaps++] = (uint32_t)i;
    /* a well-known first name inside a sentence needs no tagger (rule_lexicon takes it) */
    if (first_namey(lex(&c, i)) && !(t->v[i].flags & TK_ALLCAPS) && !deid_sentence_start(text, t, i)) {
      nd->tags[i] = TAG_PER;
      continue;
    }
    if (deid_tagger_score(text, t, i, nd->tags) > theta) nd->tags[i] = TAG_PER;
  }
  rule_known_places(&c);
  /* extra names given by the user are names */
  if (nd->n_extra) {
    EACH_NAMECAP(&c, i) {
      char f[128];
      size_t fl = deid_fold(text + t->v[i].s, t->v[i].e - t->v[i].s, f, sizeof f);
      if (fl > sizeof f) continue;
      uint64_t h = ds_hash64(f, fl);
      for (size_t k = 0; k < nd->n_extra; k++)
        if (nd->extra[k] == h) nd->tags[i] = TAG_PER_STRONG;
    }
  }
  rule_titles(&c);
  rule_name_is(&c);
  rule_roles(&c);
  rule_labels(&c);
  rule_places(&c);
  rule_lexicon(&c);
  rule_pairs(&c);
  rule_initials(&c);
  rule_lower_pairs(&c);
  rule_pronouns(&c);
  rule_lists(&c);
  rule_orgs(&c);
  uint64_t seen[64];
  rule_propagate(&c, seen, DS_ARRAY_LEN(seen));
  return emit(&c, nd, enabled, out);
}
