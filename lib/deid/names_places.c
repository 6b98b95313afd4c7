/* names_places.c: places in prose: runs of capitalized words the lexicon knows as a place
 * (not names), and the city where a person lives or comes from (a LOCATION). */

#include "names_int.h"

/* A run of capitalized words that the lexicon knows as a place ("New York", "Uttar Pradesh",
 * "Latin America") is not a name. */
void deid_names_rule_known_places(struct nctx *c) {
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

/* Places where a person lives, comes from, grew up or moved: "I live in Springfield",
 * "originally from Kenosha", "moved here from Aalborg". Cities and towns only: states and
 * countries are kept (HIPAA's Safe Harbor allows them). */
void deid_names_rule_places(struct nctx *c) {
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
