/* names_context.c: person names found by what surrounds them: titles, "my name is", speakers
 * and people addressed, pronouns that refer back, labels, greetings and sign-offs, lists of
 * names, organizations named after people, and a name repeated after its full form. */
#include <string.h>
#include <strings.h>

#include "names_int.h"

void deid_names_rule_titles(struct nctx *c) {
  EACH_NAMECAP(c, j) {
    if (j == 0 || (c->t->v[j].flags & TK_NL)) continue;
    size_t i = j - 1;
    if (punct(c, i, '.') && i > 0) i--;
    if (!is_word(c, i) || !(cue(c, i) & CUE_TITLE)) continue; /* "Mr", "ms.", "Dr" in any case */
    /* "General Motors", "Doctor Who": after a long title word, the next word must be a name;
     * after a word for a relative or a role only people have ("Father Lungu", "Grandma Nomsa"),
     * one that can be a name, alone */
    if (tlen(c, i) > 4 && !namelike(c, j)) {
      static const char *const roles[] = {"grandma", "grandpa", "auntie", "father", "sister", "brother", "cousin",
                                          "officer", "detective", "sergeant", "inspector", "nurse", "pastor",
                                          "reverend", "professor", "coach", "agent", "uncle", NULL};
      bool alone = !is_cap(c, j + 1) || (c->t->v[j + 1].flags & TK_NL);
      if (!alone || !tok_in(c, i, roles, true) || !deid_names_bare_name(c, j, false)) continue;
    }
    size_t e = deid_names_run(c, j, 3);
    if (e > j) tag_range(c, j, e, TAG_PER_STRONG);
  }
}

/* "my name is vitoria", "everyone calls me Ján": after these the next words are the name,
 * capitalized or not (lower-case words only when they are not common words). */
void deid_names_rule_name_is(struct nctx *c) {
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

/* A word the lexicon does not know that still reads as a word, not a name: a contraction
 * ("Didn't") or an English derivational ending ("Analytics", "Industriousness"). */
bool deid_names_wordlike_unknown(const struct nctx *c, size_t i) {
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

/* A preposition and the word before it that make what follows a person ("thanks to Nkemdirim",
 * "waiting on Pavlina", "talked to Iwu", "lunch with Tendai"); not "according to": a source is
 * as often a company ("according to Proterra"). */
static bool person_object(const struct nctx *c, size_t i) {
  static const char *const to_lead[] = {"thanks", "talk", "talked", "talking", "spoke", "speak",
                                        "speaking", "listen", "listened", "introduced", "engaged", "wrote", NULL};
  static const char *const on_lead[] = {"waiting", "wait", "waited", "depend", "depending", "count", "rely", NULL};
  static const char *const with_lead[] = {"met", "meeting", "talked", "spoke", "chatted", "lunch", "dinner", "coffee",
                                          "call", "chat", "meet", "dating", NULL};
  static const char *const to[] = {"to", NULL}, *const on[] = {"on", "for", NULL}, *const with[] = {"with", NULL};
  if (i < 2 || !is_word(c, i - 1) || !is_word(c, i - 2)) return false;
  return (tok_in(c, i - 1, to, false) && tok_in(c, i - 2, to_lead, true)) ||
         (tok_in(c, i - 1, on, false) && tok_in(c, i - 2, on_lead, true)) ||
         (tok_in(c, i - 1, with, false) && tok_in(c, i - 2, with_lead, true));
}

/* "Ubul: What a wife." (a speaker), "Aloisia, can I ..." (someone addressed), "Trivo lives
 * on ..." (someone doing what people do). */
void deid_names_rule_roles(struct nctx *c) {
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
    /* "said Maslin", "told Ana", "waiting on Moyo": after a verb of speech or one done to a person */
    if (i > 0 && ((cue(c, i - 1) & CUE_SAID) || person_object(c, i)) && !(c->t->v[i - 1].flags & TK_CAP) &&
        !(c->t->v[i].flags & (TK_NL | TK_ALLCAPS)) && unknown_or_rare_name(e) &&
        !(!e && deid_names_wordlike_unknown(c, i)) && !inner_caps(c, i) &&
        deid_n_cps(tptr(c, i), tlen(c, i)) >= 3 && ends_phrase(c, i + 1)) {
      c->tag[i] = TAG_PER;
      continue;
    }
    /* "Hi team, Vusi here.": a name introducing its writer */
    if (i + 2 <= c->t->n && is_word(c, i + 1) && tlen(c, i + 1) == 4 && !memcmp(tptr(c, i + 1), "here", 4) &&
        ends_phrase(c, i + 2) && (i == 0 || (c->t->v[i].flags & TK_NL) || punct(c, i - 1, ',')) &&
        unknown_or_rare_name(e) && !inner_caps(c, i) && !(!e && deid_names_wordlike_unknown(c, i))) {
      c->tag[i] = TAG_PER;
      continue;
    }
    /* "Taisiya's birthday", "Ode's husband": a possessive before what only a person has */
    if (punct(c, i + 1, '\'') && i + 3 < c->t->n && tlen(c, i + 2) == 1 && tptr(c, i + 2)[0] == 's' &&
        (cue(c, i + 3) & CUE_KIN) && !(c->t->v[i + 3].flags & TK_CAP) && unknown_or_rare_name(e) && !inner_caps(c, i) &&
        !(!e && deid_names_wordlike_unknown(c, i))) {
      c->tag[i] = TAG_PER;
      continue;
    }
    if (i + 1 < c->t->n && is_word(c, i + 1) && !(c->t->v[i + 1].flags & TK_CAP)) {
      uint64_t n1 = cue(c, i + 1);
      /* "DOM called JSDOM": an acronym before a verb is no one */
      bool acronym = (c->t->v[i].flags & TK_ALLCAPS) && (n1 & CUE_CALLS) && tlen(c, i) > 1;
      if (((n1 & CUE_VERB) && !acronym) || ((n1 & CUE_IS) && (cue(c, i + 2) & CUE_FROM))) c->tag[i] = TAG_PER;
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

/* An unknown or rare capitalized word that a he/she pronoun refers to: the subject of its
 * sentence, or the object of a verb or preposition right before. */
void deid_names_rule_pronouns(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE || product_word(c, i) || !lettered(c, i) || (c->t->v[i].flags & TK_ALLCAPS) ||
        deid_n_cps(tptr(c, i), tlen(c, i)) < 3)
      continue;
    const struct lex_entry *e = lex(c, i);
    if (!unknown_or_rare_name(e) || (e && (e->flags & (LF_CITY | LF_REGION))) || (!e && deid_names_wordlike_unknown(c, i)))
      continue;
    if (is_cap(c, i + 1) || (i > 0 && is_cap(c, i - 1) && !(c->t->v[i].flags & TK_NL))) continue; /* runs: other rules */
    /* the next word: a verb or function word in lower case, or punctuation */
    if (i + 1 < c->t->n && is_word(c, i + 1) && (c->t->v[i + 1].flags & TK_CAP)) continue;
    if (pronoun_after(c, i)) c->tag[i] = TAG_PER;
  }
}

/* Labels and phrases after which a name follows. strong: tag the run whatever it is; weak:
 * only when it looks like a name. */
/* The run of capitalized words from i is an e-mail address's display name: it is followed
 * (after a closing quote that one opened before it) by "<" and an address. */
static bool display_name(const struct nctx *c, size_t i) {
  if (i > 0 && is_cap(c, i - 1) && !(c->t->v[i].flags & TK_NL)) return false;
  size_t e = deid_names_run(c, i, 4);
  if (e == i || e >= c->t->n) return false;
  bool quoted = i > 0 && punct(c, i - 1, '"');
  if (quoted && !punct(c, e++, '"')) return false;
  if (e >= c->t->n || !punct(c, e, '<')) return false;
  size_t at = c->t->v[e].e, stop = at + 80 < c->len ? at + 80 : c->len;
  const char *gt = memchr(c->text + at, '>', stop - at), *a = memchr(c->text + at, '@', stop - at);
  return gt && a && a < gt;
}

/* A transcript's speaker line: at a line's start (after a quote mark or a dash), a run of
 * capitalized words and a time ("Lizy Thomson 00:03", "Ann Lee  10:32 AM"), then the line ends. */
static bool speaker_with_time(const struct nctx *c, size_t i) {
  size_t k = i;
  if (k > 0 && !(c->t->v[k].flags & TK_NL) && (punct(c, k - 1, '>') || punct(c, k - 1, '-'))) k--;
  if (k > 0 && !(c->t->v[k].flags & TK_NL)) return false;
  size_t e = deid_names_run(c, i, 4);
  if (e == i || e >= c->t->n || (c->t->v[e].flags & TK_NL)) return false;
  const char *p = c->text + c->t->v[e].s, *end = c->text + c->len;
  size_t d = 0;
  while (p < end && *p >= '0' && *p <= '9' && d < 3) p++, d++;
  if (!d || d > 2 || p >= end || *p != ':') return false;
  for (int part = 0; part < 2 && p < end && *p == ':'; part++) {
    p++;
    if (end - p < 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return false;
    p += 2;
  }
  while (p < end && *p == ' ') p++;
  if (end - p >= 2 && (p[0] == 'A' || p[0] == 'P' || p[0] == 'a' || p[0] == 'p') && (p[1] == 'M' || p[1] == 'm')) p += 2;
  while (p < end && (*p == ' ' || *p == '\r')) p++;
  return p == end || *p == '\n';
}

void deid_names_rule_labels(struct nctx *c) {
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
    else if (display_name(c, i))
      weak = true; /* "Les Spahnn" <spahnn@hnks.com>, Ann Lee <ann@x.io> */
    else if (speaker_with_time(c, i))
      weak = true; /* a transcript's speaker line: "> Lizy Thomson 00:03" */
    else if (c->t->v[i].flags & TK_NL) {
      /* a sign-off: "Regards,\nJane Doe" (the name alone on its line) */
      size_t k = i;
      if (k >= 2 && punct(c, k - 1, ',') && (cue(c, k - 2) & CUE_SIGNOFF)) strong = true;
      else if (k >= 3 && punct(c, k - 1, ',') && (cue(c, k - 2) & CUE_REGARDS) && (cue(c, k - 3) & CUE_KIND))
        strong = true;
      if (strong) {
        size_t e = deid_names_run(c, i, 4);
        if (e < c->t->n && !(c->t->v[e].flags & TK_NL)) strong = false;
      }
    }
    if (!strong && !weak) continue;
    size_t e = deid_names_run(c, i, 4);
    if (e == i) continue;
    if (weak) {
      bool ok = false;
      for (size_t k = i; k < e && !ok; k++)
        ok = (namelike(c, k) && lex(c, k) && (lex(c, k)->fn >= 2 || lex(c, k)->sn >= 3)) ||
             (k > i && initial_at(c, k)); /* "Jaroslava P. Sedláčková" has a name's shape */
      if (!ok && e - i >= 2) {
        /* "I'm Bojka Žilih," : two or three words, none of them a common word or a place; in
         * capitals only after a cue in capitals ("DEAR WANJIRU OYELARAN,") */
        size_t w = i;
        while (w > 0 && !is_word(c, w - 1)) w--;
        bool shout = w > 0 && (c->t->v[w - 1].flags & TK_ALLCAPS) && tlen(c, w - 1) >= 2;
        ok = e - i <= 3;
        for (size_t k = i; k < e && ok; k++)
          ok = initial_at(c, k) || (is_cap(c, k) && lettered(c, k) && (shout || !(c->t->v[k].flags & TK_ALLCAPS)) &&
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

/* "Alice, Bob and Carol": names in a list are names. */
/* Backward from a known name over a list: "founders: Kónya, Becker and Vasquez" from Vasquez.
 * The others are names the lexicon knows, or unknown words with letters of another alphabet
 * than English ("Kónya", "Šušulić"; "Docker, Kubernetes and Jenkins" stays). */
static void list_backward(struct nctx *c, size_t i) {
  const struct lex_entry *anchor = lex(c, i);
  if (!anchor || !unknown_or_rare_name(anchor) || !(anchor->fn >= 3 || anchor->sn >= 3)) return;
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
    if (!e) {
      bool accented = false;
      for (size_t m = 0; m < tlen(c, q) && !accented; m++) accented = (unsigned char)tptr(c, q)[m] >= 0x80;
      if (!accented || inner_caps(c, q) || deid_names_wordlike_unknown(c, q)) break;
    } else if (!unknown_or_rare_name(e) || !(e->fn >= 2 || e->sn >= 2) || (e->flags & (LF_REGION | LF_CITY))) {
      break;
    }
    if (c->tag[q] == TAG_NONE) c->tag[q] = TAG_PER;
    k = q;
  }
}

void deid_names_rule_lists(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_PER && c->tag[i] != TAG_PER_STRONG) continue;
    list_backward(c, i);
    if (i + 2 >= c->t->n) break;
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
  }
}

/* Organizations named after people ("Davis, Reynolds and Williamson Orchestra", "Kroll Bond
 * Ratings", "Weber-Santana Inc"): the names before an organization word are not people. */
void deid_names_rule_orgs(struct nctx *c) {
  EACH_CAP(c, i) {
    if (i == 0 || !(cue(c, i) & CUE_ORGHEAD)) continue;
    /* back over the names and their commas and "and" */
    for (size_t j = i; j-- > 0;) {
      if (is_cap(c, j)) {
        c->tag[j] = TAG_NOT;
        continue;
      }
      if (punct(c, j, ',') || punct(c, j, '&') || (cue(c, j) & CUE_AND) || punct(c, j, '-')) continue;
      if (punct(c, j, '.') && j > 0 && j + 1 < i && initial_at(c, j - 1)) continue; /* "J.M. Huber Corporation" */
      break;
    }
  }
}

/* A name seen in full ("Joshua Norton", or after a strong cue) is a name elsewhere in the
 * same text ("Norton said"). */
void deid_names_rule_propagate(struct nctx *c, uint64_t *seen, size_t cap) {
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

/* Someone addressed at the end of a short opening or closing phrase: "Thanks, Priya!", "Sorry
 * Zanele, I missed your call", "Good job, Nodir!", "See you soon, Femi.", "Regards, Tendai"; and
 * "Lwazi and I went". The name is one word that can stand alone as one, and ends the phrase. */
static bool vocative_lead(const struct nctx *c, size_t p) {
  static const char *const lead[] = {"thanks",  "thx",       "sure",      "sorry",   "okay",     "ok",    "yes",
                                     "yeah",    "hey",       "hi",        "hello",   "hiya",     "howdy", "congrats",
                                     "cheers",  "regards",   "bye",       "goodbye", "dear",     "soon",  "later",
                                     "morning", "afternoon", "evening",   "night",   "birthday", "wishes", "problem",
                                     "welcome", "congratulations", NULL};
  /* good job, well done, welcome back, thank you, see you */
  static const char *const two[] = {"job", "done", "back", "you", NULL};
  static const char *const two_lead[] = {"good", "great", "nice", "well", "welcome", "thank", "see", NULL};
  if (tok_in(c, p, lead, true)) return true;
  return p > 0 && tok_in(c, p, two, true) && tok_in(c, p - 1, two_lead, true);
}

/* A signature after a dash on the text's last line ("...\n- Pavlina", "-- Nodir Osei"), the
 * line before it no item of a list: the name is the line's rest. */
static bool dash_signature(const struct nctx *c, size_t i) {
  bool em_dash = i > 0 && tlen(c, i - 1) == 3 && !memcmp(tptr(c, i - 1), "\xe2\x80\x94", 3);
  if (i == 0 || !(punct(c, i - 1, '-') || em_dash)) return false;
  size_t d = i - 1;
  if (d > 0 && punct(c, d - 1, '-') && !(c->t->v[d].flags & TK_NL)) d--; /* "--" */
  if (d == 0 || !(c->t->v[d].flags & TK_NL)) return false;
  size_t e = i + 1;
  if (is_cap(c, e) && !(c->t->v[e].flags & TK_NL)) e++;
  while (e < c->t->n && (punct(c, e, '.') || punct(c, e, '!')) && !(c->t->v[e].flags & TK_NL)) e++;
  if (e < c->t->n) return false; /* the text's last line */
  /* the line before: not "- item" or "* item", nor one that opens a list ("Tools:") */
  if (punct(c, d - 1, ':')) return false;
  size_t k = d - 1;
  while (k > 0 && !(c->t->v[k].flags & TK_NL)) k--;
  return !(punct(c, k, '-') || punct(c, k, '*') || punct(c, k, '+'));
}

void deid_names_rule_vocatives(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_NONE) continue;
    if (dash_signature(c, i) && deid_names_bare_name(c, i, false) &&
        (!is_cap(c, i + 1) || (c->t->v[i + 1].flags & TK_NL) || deid_names_bare_name(c, i + 1, false))) {
      tag_range(c, i, is_cap(c, i + 1) && !(c->t->v[i + 1].flags & TK_NL) ? i + 2 : i + 1, TAG_PER);
      continue;
    }
    /* "Lwazi and I", "me and Lwazi" */
    bool and_i = i + 2 < c->t->n && (cue(c, i + 1) & CUE_AND) && tlen(c, i + 2) == 1 && tptr(c, i + 2)[0] == 'I';
    bool me_and = i >= 2 && (cue(c, i - 1) & CUE_AND) && (cue(c, i - 2) & CUE_ME) && !(c->t->v[i - 2].flags & TK_CAP);
    if ((and_i || me_and) && deid_names_bare_name(c, i, false)) {
      c->tag[i] = TAG_PER;
      continue;
    }
    if (i == 0 || (c->t->v[i].flags & TK_NL)) continue;
    /* the name ends its phrase */
    size_t n = i + 1;
    if (!(n >= c->t->n || (c->t->v[n].flags & TK_NL) || punct(c, n, '.') || punct(c, n, '!') || punct(c, n, '?') ||
          punct(c, n, ',')))
      continue;
    size_t p = punct(c, i - 1, ',') ? i - 2 : i - 1;
    if (p >= i || !is_word(c, p) || (c->t->v[i - 1].flags & TK_NL) || !vocative_lead(c, p)) continue;
    /* the phrase opens its sentence: at most three words before the lead, none capitalized after the first */
    size_t k = p;
    while (k > 0 && p - k < 3 && is_word(c, k - 1) && !(c->t->v[k].flags & TK_NL) &&
           (!(c->t->v[k - 1].flags & TK_CAP) || k - 1 == 0 || !is_word(c, k - 2) || (c->t->v[k - 1].flags & TK_NL)))
      k--;
    if (!(k == 0 || (c->t->v[k].flags & TK_NL) || punct(c, k - 1, '.') || punct(c, k - 1, '!') || punct(c, k - 1, '?')))
      continue;
    /* all capitals only where the whole phrase shouts: "HI WIKTOR!" */
    bool shout = (c->t->v[p].flags & TK_ALLCAPS) && tlen(c, p) >= 2;
    if (deid_names_bare_name(c, i, shout))
      c->tag[i] = (c->t->v[i].flags & TK_ALLCAPS) ? TAG_PER_STRONG : TAG_PER; /* not an acronym: the cue shouts too */
  }
}
