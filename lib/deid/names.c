/* names.c: person names and personal places in prose, the driver. The tagger (tagger.c) scores
 * every capitalized word outside code; the rules (names_context.c, names_shape.c, names_lower.c,
 * names_places.c) add what it cannot see on its own; spans are then built here from runs of
 * tagged words with initials and particles, and filtered (words that only look like names;
 * public figures when asked to keep them). */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include "names_int.h"

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

/* The cue bits of short ASCII words, per thread: deid_cue_word hashes and probes its table for
 * every word the rules ask about, and text repeats its words. A slot keeps the word's folded
 * bytes themselves, so a hit is exact (the cue lists are case-blind: the folded form is the key). */
static _Thread_local struct {
  uint64_t c0, c1, bits;
  size_t n; /* 0 = empty */
} cue_memo[2048];

uint64_t deid_names_cue_word_memo(const char *p, size_t n) {
  uint64_t c0, c1;
  if (!n || n > 16 || !deid_ascii16(p, n, &c0, &c1)) return deid_cue_word(p, n);
  uint64_t h = (c0 * 0x9e3779b97f4a7c15ull) ^ (c1 * 0xc2b2ae3d27d4eb4full) ^ n;
  size_t k = (size_t)(h >> 53);
  if (cue_memo[k].n == n && cue_memo[k].c0 == c0 && cue_memo[k].c1 == c1) return cue_memo[k].bits;
  uint64_t bits = deid_cue_word(p, n);
  cue_memo[k].c0 = c0;
  cue_memo[k].c1 = c1;
  cue_memo[k].n = n;
  cue_memo[k].bits = bits;
  return bits;
}

uint64_t deid_names_cue_slow(const struct nctx *c, size_t i) {
  uint64_t bits = 0;
  size_t n = tlen(c, i);
  const struct deid_tok *k0 = &c->t->v[i];
  if (!(k0->flags & TK_WORD)) {
    /* punctuation: only the apostrophes are cue words */
    const char *p = tptr(c, i);
    if ((n == 1 && p[0] == '\'') || (n == 3 && !memcmp(p, "\xe2\x80\x99", 3))) bits = CUE_APOS;
  } else {
    bits = deid_names_cue_word_memo(tptr(c, i), n);
  }
  c->cues[i] = bits;
  c->t->v[i].flags |= TK_CUED;
  return bits;
}

/* A run of up to max name-like tokens from i (capitalized words, initials, particles
 * between them); returns the index after it, or i. */
size_t deid_names_run(const struct nctx *c, size_t i, int max) {
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

/* The lower-case form of a word elsewhere in the text ("docker" beside "Docker"): a word, not
 * a name. */
bool deid_names_also_lowercase(const struct nctx *c, size_t i) {
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

/* Words that are never a name on their own, whatever the tagger says. */
bool deid_names_never_alone(const struct nctx *c, size_t i) {
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

/* A word spelled like a product or an identifier ("LinkedIn", "IndentationError") is not a
 * name unless a strong cue says so or the lexicon knows it as one; a user handle is. */
static void drop_inner_caps(struct nctx *c) {
  EACH_NAMECAP(c, i) {
    if (c->tag[i] != TAG_PER || !inner_caps(c, i) || punct(c, i - 1, '@')) continue; /* "@BarackObama": a handle */
    const struct lex_entry *e = lex(c, i);
    if (!(e && (e->fn >= 2 || e->sn >= 2))) c->tag[i] = TAG_NOT;
  }
}

static enum ds_status emit(struct nctx *c, struct deid_names *nd, const bool *enabled, struct deid_vec *out) {
  size_t done = 0; /* tokens before this one are in a span already */
  const unsigned char *tags = c->tag;
  size_t nt = c->t->n;
  for (size_t i = 0; i < nt; i++) {
    /* most tokens have no tag: 8 at a time */
    for (uint64_t w8; i + 8 <= nt && (memcpy(&w8, tags + i, 8), !w8);) i += 8;
    while (i < nt && !tags[i]) i++;
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
      if (words == 1 && !strong && deid_names_never_alone(c, a)) continue;
      /* right after a product's name: the product's part ("Google Cloud", "Apache Kafka") */
      if (!strong && a > 0 && product_word(c, a - 1) && is_cap(c, a - 1) && !(c->t->v[a].flags & TK_NL)) continue;
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
        if (!(c->t->v[a].flags & TK_ALLCAPS) && deid_names_also_lowercase(c, a)) continue;
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
  deid_lex_tokens(text, len, t); /* the rules ask about nearly every word */
  if (nd->tags_cap < t->n) {
    unsigned char *v = ds_realloc(nd->tags, t->n);
    uint64_t *cu = ds_realloc(nd->cues, t->n * sizeof *cu);
    if (v) nd->tags = v;
    if (cu) nd->cues = cu;
    if (!v || !cu) return DS_E_NOMEM;
    nd->tags_cap = t->n;
  }
  memset(nd->tags, 0, t->n);
  struct nctx c = {text, len, t, nd->tags, nd->cues, t->caps, t->n_caps, nd, NULL, 0, {0}, 0, 0};
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
  deid_names_rule_known_places(&c);
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
  deid_names_rule_titles(&c);
  deid_names_rule_name_is(&c);
  deid_names_rule_roles(&c);
  deid_names_rule_labels(&c);
  deid_names_rule_places(&c);
  deid_names_rule_lexicon(&c);
  deid_names_rule_pairs(&c);
  deid_names_rule_initials(&c);
  deid_names_rule_initial_names(&c);
  deid_names_rule_particles(&c);
  deid_names_rule_lower_pairs(&c);
  deid_names_rule_cap_lower(&c);
  deid_names_rule_lower_single(&c);
  deid_names_rule_pronouns(&c);
  deid_names_rule_vocatives(&c);
  deid_names_rule_lists(&c);
  deid_names_rule_orgs(&c);
  uint64_t seen[64];
  deid_names_rule_propagate(&c, seen, DS_ARRAY_LEN(seen));
  drop_inner_caps(&c);
  return emit(&c, nd, enabled, out);
}
