/* names_places.c: places in prose: runs of capitalized words the lexicon knows as a place
 * (not names), and the city where a person lives or comes from (a LOCATION). */

#include <strings.h>

#include "names_int.h"

/* A run of capitalized words that the lexicon knows as a place ("New York", "Uttar Pradesh",
 * "Latin America") is not a name; nor a large city alone after "in" or "near" ("offices in
 * Austin", "the conference in Charlotte"; not "in Austin's room"). A personal place is tagged
 * later (rule_places). */
void deid_names_rule_known_places(struct nctx *c) {
  static const char *const in_near[] = {"in", "near", NULL};
  EACH_CAP(c, i) {
    if (i > 0 && is_cap(c, i - 1) && !(c->t->v[i].flags & TK_NL)) continue;
    size_t j = i + 1;
    while (j < c->t->n && j - i < 4 && is_cap(c, j) && !(c->t->v[j].flags & TK_NL) && (c->t->v[j].flags & TK_SP)) j++;
    if (j == i + 1 && i > 0 && c->tag[i] == TAG_PER && tok_in(c, i - 1, in_near, true) && !punct(c, i + 1, '\'')) {
      const struct lex_entry *le = lex(c, i);
      if (le && (le->flags & LF_CITY) && le->pop >= 3) c->tag[i] = TAG_NOT;
    }
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

/* Verbs of travel before "to" / "at" / "in" / "back to": "we returned to Deanwell", "arrived at
 * Khandallah", "flew back to Edmonton". */
static const char *const travel_verbs[] = {"returned", "returning", "flew", "drove", "travelled", "traveled",
                                           "traveling", "travelling", "arrived", "arriving", "landed", "commute",
                                           "commuting", "relocate", NULL};
/* "arrived at Khandallah this morning": a town or a station, unless a person's name */
static const char *const arrival_verbs[] = {"arrived", "arriving", "landed", "stopped", NULL};
/* "went to Harvard", "go to Settings": only a known city */
static const char *const go_verbs[] = {"went", "go", "going", "goes", "headed", "heading", "back", "return",
                                       "fly", "flying", "arrive", "visit", "visiting", "visited", NULL};
/* Third-person and weak leads before "from" ("Diana is from Cloudmade": a company as often as
 * a town): the place must be a known city. */
static const char *const weak_from[] = {"is", "are", "was", "were", "family", "parents", "s", NULL};

/* The context before capitalized word i that makes it a personal place: 0 none, 1 strong, 2
 * only if it is a known city, 3 a known city or a word that is no name ("issues remitted to
 * Macready AsJ"). */
static int place_context(const struct nctx *c, size_t i) {
  if (i == 0 || !is_word(c, i - 1) || tlen(c, i - 1) < 2 || tlen(c, i - 1) > 7) return 0; /* in to from near is */
  uint64_t p1 = cue(c, i - 1);
  if ((p1 & (CUE_IN | CUE_NEAR)) && i >= 2 && (cue(c, i - 2) & CUE_VERB_IN)) return 1;
  if ((p1 & CUE_IN) && i >= 3 && (cue(c, i - 2) & CUE_UP) && (cue(c, i - 3) & CUE_GREW)) return 1;
  if ((p1 & CUE_FROM) && i >= 2 && (cue(c, i - 2) & CUE_FROM_LEAD)) return tok_in(c, i - 2, weak_from, true) ? 2 : 1;
  if ((p1 & CUE_TO) && i >= 2 && (cue(c, i - 2) & CUE_TO_LEAD)) return 1;
  if ((p1 & CUE_IS) && i >= 2 && (cue(c, i - 2) & CUE_PLACEWORD)) return 1;
  /* "I am in Sutri", "I'm in Kiel": where the writer is */
  if ((p1 & CUE_IN) && i >= 2 && ((cue(c, i - 2) & CUE_IM) || ((cue(c, i - 2) & (CUE_AM | CUE_M)) && i >= 3 &&
                                                               (cue(c, i - 3) & (CUE_I | CUE_APOS)))))
    return 1;
  /* "we returned to Deanwell", "arrived at Khandallah", "arrived in Fala" */
  if ((p1 & (CUE_TO | CUE_IN)) && i >= 2 && tok_in(c, i - 2, travel_verbs, true)) return 3;
  if ((p1 & CUE_AT) && i >= 2 && tok_in(c, i - 2, arrival_verbs, true)) return 3;
  if ((p1 & (CUE_TO | CUE_IN | CUE_AT)) && i >= 2 && (tok_in(c, i - 2, travel_verbs, true) || tok_in(c, i - 2, go_verbs, true)))
    return 2;
  /* "1668 Glyn St street in Highveld": the town of a street */
  static const char *const street_words[] = {"street", "st", "road", "rd", "avenue", "ave", "lane", "boulevard",
                                              "blvd", "drive", "square", "straße", "strasse", NULL};
  if ((p1 & CUE_IN) && i >= 2 && !is_cap(c, i - 2) && tok_in(c, i - 2, street_words, true)) return 1;
  /* "a year at Walk Score in Ålesund": where someone worked or studied, a known city */
  if ((p1 & CUE_IN) && i >= 3 && is_cap(c, i - 2))
    for (size_t k = i - 2, n = 0; k > 0 && n < 4; k--, n++) {
      if (cue(c, k - 1) & CUE_AT) return 2;
      if (!is_cap(c, k - 1)) break;
    }
  return 0;
}

/* Places where a person lives, comes from, grew up, moved or travels: "I live in Springfield",
 * "originally from Kenosha", "moved here from Aalborg", "I am in Sutri", "we returned to
 * Deanwell". Cities and towns only: states and countries are kept (HIPAA's Safe Harbor allows
 * them). */
void deid_names_rule_places(struct nctx *c) {
  EACH_CAP(c, i) {
    int ctx = place_context(c, i);
    if (!ctx) continue;
    /* the place: up to 4 capitalized words ("New York City", "St. Louis", "PORT O' WARREN") */
    size_t j = i, end = i;
    for (int n = 0; n < 4 && j < c->t->n; n++) {
      if (n && (c->t->v[j].flags & TK_NL)) break;
      if (!is_cap(c, j)) break;
      j++;
      if (punct(c, j, '.') && deid_n_cps(tptr(c, j - 1), tlen(c, j - 1)) <= 3 && is_cap(c, j + 1) &&
          !(lex(c, j + 1) && (lex(c, j + 1)->flags & LF_STOP)))
        j++; /* "St. Louis", not "Cid. It" */
      else if (is_word(c, j) && !is_cap(c, j) && lex(c, j) && (lex(c, j)->flags & LF_PARTICLE) && is_cap(c, j + 1) &&
               tlen(c, j) <= 4)
        j++; /* "Villafranca del Cid" */
      else if ((punct(c, j, '\'') || punct(c, j, '-')) && !(c->t->v[j].flags & TK_SP) && is_cap(c, j + 1)) j++;
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
    /* a known city, or a town's name ending in a place word ("Mill Village", "Cedar Falls") */
    const struct lex_entry *first = lex(c, i), *last = lex(c, end - 1);
    bool city = (e && (e->flags & LF_CITY)) ||
                (first && (first->flags & LF_CITY) && !first->wf && end > i + 1 && tlen(c, i + 1) >= 3) ||
                (end > i + 1 && last && (last->flags & LF_STREET) && !(last->flags & LF_STOP) && tlen(c, end - 1) >= 4);
    if (ctx >= 2 && !city && (ctx == 2 || is_per(c, i) || namelike(c, i))) continue;
    /* "Areavibes Inc", "Civic Impulse LLC": a company */
    if (last && (last->flags & LF_ORG) && end > i + 1) continue;
    if (product_word(c, i)) continue;
    for (size_t k = i; k < end; k++)
      if (is_word(c, k)) c->tag[k] = TAG_LOC;
  }
}
