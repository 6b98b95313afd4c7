/* names_shape.c: person names found by the lexicon and a name's shape: known first names and
 * surnames, a capitalized word joined to a name, initials between capitalized words, runs of
 * two or three words no dictionary knows. */

#include <string.h>

#include "names_int.h"

/* Word i sits in English prose: after a lower-case English word that is no determiner or
 * preposition of place ("is Natasja", not "the Euro", "in Tauri", "mein Ziel") and before a
 * lower-case word or the end of a clause. */
static bool between_english(const struct nctx *c, size_t i) {
  if (i == 0 || !is_word(c, i - 1) || (c->t->v[i - 1].flags & TK_CAP) || (c->t->v[i].flags & TK_NL)) return false;
  const struct lex_entry *p = lex(c, i - 1);
  if (!p || !(p->wf || (p->flags & LF_STOP)) || (cue(c, i - 1) & (CUE_IN | CUE_AT | CUE_THIS))) return false;
  static const char *const det[] = {"the", "a", "an", "our", "your", "their", "its", NULL};
  if (tok_in(c, i - 1, det, false)) return false;
  if (i + 1 >= c->t->n || (c->t->v[i + 1].flags & TK_NL)) return true;
  if (is_word(c, i + 1)) return !(c->t->v[i + 1].flags & TK_CAP) && lex(c, i + 1) && lex(c, i + 1)->wf;
  return punct(c, i + 1, '.') || punct(c, i + 1, '?') || punct(c, i + 1, '!') || punct(c, i + 1, ',');
}

void deid_names_rule_lexicon(struct nctx *c) {
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
    /* a rarer first name that is no word, alone inside a sentence ("Why is Natasja so
     * impulsive?"), not beside other capitalized words (a title, a product) */
    else if (e && e->fn == 2 && !e->wf && !e->flags && !deid_sentence_start(c->text, c->t, i) &&
             deid_n_cps(tptr(c, i), tlen(c, i)) >= 4 && !inner_caps(c, i) && between_english(c, i))
      c->tag[i] = TAG_PER;
  }
  /* a capitalized word joined to a name, maybe across an initial ("Tomomi Arata", "Karin M.
   * Beike", "Ivan King") */
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || !lettered(c, i)) continue;
    if (deid_names_never_alone(c, i)) {
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

void deid_names_rule_initials(struct nctx *c) {
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

/* Two or three capitalized words that the lexicon does not know (or knows as names), alone
 * in a row: "Hijacinta Godina", "Julcsa Kárpáthy". */
static bool pair_word(const struct nctx *c, size_t i) {
  if (!is_cap(c, i) || (c->t->v[i].flags & TK_ALLCAPS) || product_word(c, i) || c->tag[i] == TAG_NOT ||
      c->tag[i] == TAG_LOC)
    return false;
  if (deid_n_cps(tptr(c, i), tlen(c, i)) < 2 || !lettered(c, i)) return false;
  const struct lex_entry *e = lex(c, i);
  if (deid_names_also_lowercase(c, i)) return false;
  if (!e) return true;
  if (e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_CITY | LF_COUNTRY | LF_REGION | LF_UPPER))
    return false;
  if (e->wf == 0) return true; /* a rare name ("Smárason") is as good as an unknown word */
  return (e->fn >= 2 || e->sn >= 2) && e->wf >= 4;
}

void deid_names_rule_pairs(struct nctx *c) {
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

/* A capitalized word that can stand alone as someone's name: letters only, no capital inside,
 * unknown to the lexicon (and not spelled like a word: "Analytics", "Didn't") or known as a
 * name and not as a common word, a place or a product. caps: all capitals allowed. */
bool deid_names_bare_name(const struct nctx *c, size_t i, bool caps) {
  if (!is_cap(c, i) || !lettered(c, i) || deid_n_cps(tptr(c, i), tlen(c, i)) < 2 || product_word(c, i) ||
      (cue(c, i) & (CUE_I | CUE_TITLE)) || c->tag[i] == TAG_NOT || c->tag[i] == TAG_LOC)
    return false;
  bool allcaps = (c->t->v[i].flags & TK_ALLCAPS) != 0;
  if (allcaps ? !caps || deid_n_cps(tptr(c, i), tlen(c, i)) < 3 : inner_caps(c, i)) return false;
  const struct lex_entry *e = lex(c, i);
  if (!e) return allcaps || !deid_names_wordlike_unknown(c, i);
  if (e->flags & (LF_CITY | LF_REGION | LF_COUNTRY)) return false;
  /* a known name that is no common word ("Dmitri", written capitalized anyway) */
  return unknown_or_rare_name(e) ||
         (!e->wf && (e->fn >= 3 || e->sn >= 3) && !(e->flags & (LF_STOP | LF_TITLE | LF_ORG)));
}

/* Initials before a surname: "J. R. Smith", "A. Kumar" (the period makes the surname look
 * like a sentence's first word). The word must be one that can be a name ("A. Introduction",
 * "B. Docker" stay). */
/* A letter that numbers a line's option or item ("A. Cochlea\nB. Otolith"): at a line's start,
 * with a line starting with the letter before or after it the same way elsewhere in the text. */
static bool enumeration(const struct nctx *c, size_t i) {
  if (i > 0 && !(c->t->v[i].flags & TK_NL) && !punct(c, i - 1, '(') && !punct(c, i - 1, '*') && !punct(c, i - 1, '-'))
    return false;
  char l = tptr(c, i)[0];
  const char *end = c->text + c->len;
  for (const char *p = c->text; p && p + 2 < end; p = memchr(p + 1, '\n', (size_t)(end - p - 1))) {
    const char *q = p + (*p == '\n');
    while (q < end && (*q == ' ' || *q == '\t' || *q == '*' || *q == '-' || *q == '(')) q++;
    if (end - q >= 2 && (q[0] == l + 1 || q[0] == l - 1) && (q[1] == '.' || q[1] == ')')) return true;
  }
  return false;
}

void deid_names_rule_initial_names(struct nctx *c) {
  EACH_NAMECAP(c, j) {
    if (j < 2 || !punct(c, j - 1, '.') || !initial_at(c, j - 2) || (c->t->v[j].flags & TK_NL) ||
        !(c->t->v[j].flags & TK_SP) || (cue(c, j - 2) & CUE_I))
      continue;
    size_t i = j - 2; /* the first initial: "J. R. R." */
    while (i >= 2 && j - i < 8 && !(c->t->v[i].flags & TK_NL) && initial_at(c, i - 2)) i -= 2;
    const struct lex_entry *e = lex(c, j);
    bool name = deid_names_bare_name(c, j, false) || surnamey(e) || first_namey(e) ||
                (e && (e->sn >= 4 || e->fn >= 4) && (!e->wf || e->wf >= 3) &&
                 !(e->flags & (LF_STOP | LF_TIME | LF_TITLE | LF_ORG | LF_STREET | LF_CITY | LF_COUNTRY | LF_REGION)));
    if (!name || (c->t->v[j].flags & TK_ALLCAPS)) continue;
    if (i + 2 == j) {
      /* one letter: an option or a part ("A. Cochlea", "Part A. Petitioner") unless a known name follows */
      if (enumeration(c, i)) continue;
      bool line_start = i == 0 || (c->t->v[i].flags & TK_NL);
      if ((line_start || (is_cap(c, i - 1) && !is_per(c, i - 1))) && !(e && (e->fn >= 2 || e->sn >= 2))) continue;
    }
    size_t end = j + 1;
    if (is_cap(c, end) && !(c->t->v[end].flags & TK_NL) && (c->t->v[end].flags & TK_SP) &&
        (deid_names_bare_name(c, end, false) || surnamey(lex(c, end))))
      end++; /* "A. Kumar Rao" */
    tag_range(c, i, end, TAG_PER);
  }
}

/* Surnames with a particle ("Tendai dos Santos", "Mr. ben Ami", "van Dijk signed", "Aigerim
 * al-Rashid"): a capitalized name word, particles, and a capitalized word that can be a name;
 * or the particles and the word after a title or at a sentence's start. The particles are
 * tagged too (the span then starts with them). */
static bool name_particle(const struct nctx *c, size_t i) {
  static const char *const extra[] = {"ben", "bint", "ap", "mac", "st", NULL}; /* not in the lexicon's list */
  if (!is_word(c, i) || (c->t->v[i].flags & TK_CAP) || tlen(c, i) > 4) return false;
  const struct lex_entry *e = lex(c, i);
  return (e && (e->flags & LF_PARTICLE)) || tok_in(c, i, extra, false);
}

void deid_names_rule_particles(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (i == 0 || !name_particle(c, i - 1) || (c->t->v[i].flags & (TK_NL | TK_ALLCAPS)) || c->tag[i] == TAG_LOC ||
        c->tag[i] == TAG_NOT)
      continue;
    size_t p = i - 1; /* the first particle */
    while (p > 0 && i - p < 3 && name_particle(c, p - 1) && !(c->t->v[p].flags & TK_NL)) p--;
    /* "dos Santos": a surname that is also a city's name */
    const struct lex_entry *e = lex(c, i);
    bool city_surname = e && e->sn >= 3 && !e->wf && !(e->flags & (LF_COUNTRY | LF_REGION | LF_STOP));
    if (!deid_names_bare_name(c, i, false) && !surnamey(e) && !is_per(c, i) && !city_surname) continue;
    /* "Tendai dos Santos": one of the two known as a name ("Genom der Wirtszelle" is no one) */
    const struct lex_entry *x = p > 0 ? lex(c, p - 1) : NULL;
    bool known = (x && (x->fn >= 2 || x->sn >= 2)) || (e && (e->fn >= 2 || e->sn >= 2));
    bool first = p > 0 && !(c->t->v[p].flags & TK_NL) && is_cap(c, p - 1) && !(c->t->v[p - 1].flags & TK_ALLCAPS) &&
                 known && !(x && (x->flags & (LF_STREET | LF_CITY | LF_REGION | LF_COUNTRY))) &&
                 (deid_names_bare_name(c, p - 1, false) || is_per(c, p - 1) || first_namey(x));
    size_t q = p; /* before a title's period */
    if (q >= 2 && punct(c, q - 1, '.') && !(c->t->v[q].flags & TK_NL)) q--;
    bool title = q > 0 && !(c->t->v[q].flags & TK_NL) && is_word(c, q - 1) && (cue(c, q - 1) & CUE_TITLE);
    bool start = q == p && (p == 0 || (c->t->v[p].flags & TK_NL) || deid_sentence_start(c->text, c->t, p) ||
                            punct(c, p - 1, '.') || punct(c, p - 1, '!') || punct(c, p - 1, '?'));
    if (first && c->tag[p - 1] == TAG_NONE) c->tag[p - 1] = TAG_PER;
    if (!first && !title && !start) continue;
    for (size_t k = p; k <= i; k++) c->tag[k] = is_per(c, k) ? c->tag[k] : TAG_PER;
  }
  /* "al-Rashid", "el-Amin", "bin-Laden": one token, a particle and a capitalized name */
  for (size_t i = 0; i < c->t->n; i++) {
    const struct deid_tok *k = &c->t->v[i];
    size_t n = k->e - k->s;
    const char *p = c->text + k->s;
    if (n < 5 || (p[0] != 'a' && p[0] != 'e') || p[1] != 'l' || p[2] != '-' || p[3] < 'A' || p[3] > 'Z') continue;
    if ((k->flags & (TK_CODE | TK_CAP)) || !(k->flags & TK_WORD) || !lettered(c, i)) continue;
    bool lower_rest = true;
    for (size_t m = 4; m < n && lower_rest; m++)
      lower_rest = (p[m] >= 'a' && p[m] <= 'z') || (unsigned char)p[m] >= 0x80;
    /* organizations spelled the same way */
    static const char *const orgs[] = {"al-qaeda", "al-qaida", "al-jazeera", "al-shabaab", "al-nusra", "al-aqsa", NULL};
    if (!lower_rest || tok_in(c, i, orgs, true)) continue;
    c->tag[i] = TAG_PER;
    if (i > 0 && (k->flags & TK_SP) && !(k->flags & TK_NL) && c->tag[i - 1] == TAG_NONE &&
        deid_names_bare_name(c, i - 1, false))
      c->tag[i - 1] = TAG_PER;
  }
}
