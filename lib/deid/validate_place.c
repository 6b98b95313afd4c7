/* validate_place.c: validators of addresses: street lines in US and common European forms
 * (number, name and street type; a name and a number; a street type first; a unit after a
 * street without a type; PO boxes, military addresses, street corners), each then extended
 * over what follows it (validate_address_tail.c). Dates, labeled numbers and ages are in
 * validate_date.c. */
#include "validate_words.h"

/* ---- street lines -------------------------------------------------------------------------- */

/* A house number written as a word ("One S. Wacker Dr.", "ONE NORTH JEFFERSON AVE"). */
static bool number_word(const struct deid_vctx *c, size_t a, size_t b) {
  static const char *const ws[] = {"One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
                                   "Eleven", "Twelve", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy",
                                   "Eighty", "Ninety", "Hundred", NULL};
  if (!is_upper((unsigned char)c->text[a])) return false;
  return word_in(c, a, b, ws, true);
}

/* A word of a street's name that says it is one: a directional, or no English word. */
static bool telling_name_word(const struct deid_vctx *c, size_t a, size_t b) {
  static const char *const dirs[] = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West",
                                     NULL};
  if (word_in(c, a, b, dirs, true)) return true;
  const struct lex_entry *le = word_lex(c, a, b);
  return !le || !le->wf;
}

/* NOSOM street: from the end, back over the suffix and up to 5 name words to the nearest
 * house number: digits ("12", "12B", a range "313-317", "9820-B", a half "2615 1/2"), or a
 * number word before a telling name ("One S. Wacker Dr."). */
static size_t street_start(const struct deid_vctx *c, size_t e) {
  size_t i = e;
  if (i > 0 && c->text[i - 1] == '.') i--;
  while (i > 0 && is_alpha((unsigned char)c->text[i - 1])) i--; /* the suffix */
  size_t i0 = i, numw = SIZE_MAX;
  bool telling = false;
  for (int words = 0; words <= 5; words++) {
    if (i == 0 || c->text[i - 1] != ' ') return numw;
    while (i > 0 && c->text[i - 1] == ' ') i--;
    if (i > 0 && c->text[i - 1] == '.') i--; /* "U.S. Hwy", "N. Main" */
    size_t j = i;
    while (j > 0 && (wordc(c, j - 1) || c->text[j - 1] == '\'' || c->text[j - 1] == '-' || c->text[j - 1] == '.'))
      j--;
    if (j == i) return numw;
    if (is_digit((unsigned char)c->text[j]) && !street_name_word(c, j, i)) {
      size_t nd = 0;
      while (j + nd < i && is_digit((unsigned char)c->text[j + nd])) nd++;
      size_t rest = i - j - nd;
      /* "313-317", "9820-B", "120-55": a range or a lettered number */
      if (rest >= 2 && c->text[j + nd] == '-' && (all_digits(c->text + j + nd + 1, rest - 1) ||
                                                    (rest == 2 && is_alpha((unsigned char)c->text[j + nd + 1]))))
        rest = 0;
      if ((words == 0 && !(e - i0 == 8 && !strncmp(c->text + i0, "Broadway", 8))) || nd > 6 || rest > 1)
        return SIZE_MAX; /* a name before the type, but "1585 Broadway" */
      if (j + nd < c->len && c->text[j + nd] == '.') return SIZE_MAX; /* "2. River Walk": a list's item */
      /* "2615 1/2 Gary Avenue": the house number before a half */
      if (j >= 4 && c->text[j - 1] == '/' && i - j == 1 && is_digit((unsigned char)c->text[j - 2]) &&
          c->text[j - 3] == ' ' && is_digit((unsigned char)c->text[j - 4])) {
        size_t h = j - 3;
        while (h > 0 && is_digit((unsigned char)c->text[h - 1])) h--;
        if (j - 3 - h <= 6 && (h == 0 || !wordc(c, h - 1))) return h;
      }
      if (j > 0 && (wordc(c, j - 1) || c->text[j - 1] == '$' || c->text[j - 1] == '.')) return SIZE_MAX;
      return j;
    }
    if (!street_name_word(c, j, i) && !(i - j <= 3 && is_upper((unsigned char)c->text[j]))) return numw;
    numw = words && telling && number_word(c, j, i) ? j : SIZE_MAX;
    telling |= telling_name_word(c, j, i);
    i = j;
  }
  return numw;
}

/* NOSOM "shows on Marina Fort Street were": a street without a number, after a preposition of
 * place, with a full street type (not "Drive", "Way", "Park": "Google Drive", "on Park"; any
 * after "live on": "I live on Elmwood Drive"), and a name that is no common word ("on Main
 * Street", "on Wall Street" are left); its start. */
static size_t street_no_number(const struct deid_vctx *c, size_t e) {
  static const char *const types[] = {"Street", "Avenue", "Road", "Boulevard", "Lane", "Terrace", "Crescent", NULL};
  static const char *const preps[] = {"on", "at", "off", "onto", NULL};
  size_t i = e;
  while (i > 0 && is_alpha((unsigned char)c->text[i - 1])) i--;
  bool typed = word_in(c, i, e, types, false);
  if (!is_upper((unsigned char)c->text[i]) || e - i < 4) return SIZE_MAX; /* "Dr", "St": no abbreviation */
  size_t first = SIZE_MAX;
  for (int words = 0; words < 4; words++) {
    if (i < 2 || c->text[i - 1] != ' ') return SIZE_MAX;
    size_t j = i - 1;
    while (j > 0 && (wordc(c, j - 1) || c->text[j - 1] == '\'' || c->text[j - 1] == '-')) j--;
    if (j == i - 1) return SIZE_MAX;
    if (word_in(c, j, i - 1, preps, false)) {
      if (!words || first == SIZE_MAX) return SIZE_MAX;
      /* "I live on Elmwood Drive": after a verb of living any street type will do */
      static const char *const living[] = {"live", "lives", "lived", "living", "reside", "resides", "located", NULL};
      size_t v = j >= 2 && c->text[j - 1] == ' ' ? j - 1 : j, u = v;
      while (u > 0 && is_alpha((unsigned char)c->text[u - 1])) u--;
      if (!typed && !word_in(c, u, v, living, true)) return SIZE_MAX;
      const struct lex_entry *le = word_lex(c, first, word_end(c, first));
      if (le && ((le->wf && le->wf <= 2) || (le->flags & (LF_STOP | LF_TIME | LF_COUNTRY)))) return SIZE_MAX;
      return first;
    }
    if (!capital_word(c, j, i - 1)) return SIZE_MAX;
    const struct lex_entry *le = word_lex(c, j, i - 1);
    if (le && (le->flags & (LF_STOP | LF_TIME))) return SIZE_MAX;
    first = i = j;
  }
  return SIZE_MAX;
}

/* NOSOM "Name-suffix 12": back over the number, one space and the word. */
static size_t euro_start(const struct deid_vctx *c, size_t e) {
  size_t i = e;
  while (i > 0 && is_alnum((unsigned char)c->text[i - 1])) i--;
  if (i == 0 || c->text[i - 1] != ' ') return SIZE_MAX;
  i--;
  while (i > 0 && (is_alpha((unsigned char)c->text[i - 1]) || (unsigned char)c->text[i - 1] >= 0x80 ||
                   c->text[i - 1] == '.'))
    i--;
  return is_upper((unsigned char)c->text[i]) ? i : SIZE_MAX;
}

/* NOSOM "Via Roma 10": back over the number and up to 4 words to the street word. */
static size_t euro_prefix_start(const struct deid_vctx *c, size_t e) {
  static const char *const heads[] = {"Rue", "Avenue", "Via", "Viale", "Piazza", "Corso", "Calle", "Avenida",
                                      "Rua", "Carrer", "Paseo", "Ulica", "Ul.", "ul.", "Plaza", "Travessa",
                                      "Largo", "Strada", "Boulevard", "Chemin", "Allée", "Place", "C/", "Trg", "trg",
                                      "Calea", "Rambla", "Praça", "Rúa", "Λεωφόρος", "Οδός", NULL};
  size_t i = e;
  while (i > 0 && is_alnum((unsigned char)c->text[i - 1])) i--;
  if (i > 0 && c->text[i - 1] == ' ') i--;
  if (i > 0 && c->text[i - 1] == ',') i--;
  for (int w = 0; w < 8; w++) {
    size_t j = i;
    while (j > 0 && c->text[j - 1] != ' ' && c->text[j - 1] != '\n' && i - j < 40) j--;
    for (const char *const *h = heads; *h; h++)
      if (strlen(*h) == i - j && !strncmp(c->text + j, *h, i - j)) return w ? j : SIZE_MAX;
    if (j == 0 || c->text[j - 1] != ' ') return SIZE_MAX;
    i = j - 1;
  }
  return SIZE_MAX;
}

/* A word of a street's name, before or after its number: capitalized ("Heatherleigh"), a
 * street type or particle, an abbreviation ("ul.", "u."), a street type of another language,
 * or an unknown word in lower case ("trg revolucije"). */
static bool street_word(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a || b - a > 40) return false;
  if (capital_word(c, a, b) || deid_addr_foreign_type(c, a, b) || deid_addr_foreign_lower(c, a, b)) return true;
  static const char *const ordinals[] = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                                         "ninth", "tenth", NULL};
  if (word_in(c, a, b, ordinals, true)) return true; /* "3911 fourth avenue suite 112" */
  const struct lex_entry *le = word_lex(c, a, b);
  if (le && ((le->flags & LF_PARTICLE) || ((le->flags & LF_STREET) && !(le->flags & LF_STOP)))) return true; /* not "is" */
  return b - a <= 4 && c->text[b - 1] == '.' && is_alpha((unsigned char)c->text[a]);
}

/* A house number: 1-6 digits, maybe a letter or a period after ("12B", "13."). */
static bool house_number(const struct deid_vctx *c, size_t a, size_t b) {
  size_t d = a;
  while (d < b && is_digit((unsigned char)c->text[d])) d++;
  if (d == a || d - a > 6) return false;
  if (d < b && (is_alpha((unsigned char)c->text[d]) || c->text[d] == '.')) d++;
  return d == b;
}

/* The token (no space, comma or line break in it) that ends at i; its start. */
static size_t token_before(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j > 0 && c->text[j - 1] != ' ' && c->text[j - 1] != '\n' && c->text[j - 1] != ',' &&
         c->text[j - 1] != '\t' && i - j < 40)
    j--;
  return j;
}

/* Before a unit ("Suite 620", "apt. 858"): the street it belongs to when no street type says
 * so: a number and up to 4 name words ("2505 Heatherleigh Suite 620"), or up to 4 name words
 * and a number ("Hlíðarvegur 97 Suite 568", "trg revolucije 17 apt. 858"); its start, or s. */
static size_t street_before_unit(const struct deid_vctx *c, size_t s, bool us_only) {
  size_t q = s;
  if (q > 0 && c->text[q - 1] == ' ') q--;
  if (q > 0 && c->text[q - 1] == ',') q--;
  if (q == s || q == 0) return s;
  size_t a = token_before(c, q);
  if (a == q) return s;
  size_t start = SIZE_MAX;
  int words = 0;
  if (house_number(c, a, q)) { /* Euro: the name before the number */
    if (us_only) return s; /* "Grade 10 Unit 1" */
    for (size_t pos = a; words < 4 && pos > 1 && c->text[pos - 1] == ' ';) {
      size_t t = token_before(c, pos - 1);
      if (t == pos - 1 || !street_word(c, t, pos - 1)) break;
      words++;
      start = pos = t;
    }
  } else { /* US: the number before the name */
    for (size_t pos = q; words <= 4;) {
      size_t t = token_before(c, pos);
      if (t == pos) break;
      if (all_digits(c->text + t, pos - t) && pos - t <= 6) {
        if (words) start = t;
        break;
      }
      if (!street_word(c, t, pos)) break;
      words++;
      if (t < 2 || c->text[t - 1] != ' ') break;
      pos = t - 1;
    }
  }
  if (start == SIZE_MAX) return s;
  return deid_addr_extend_back(c, start);
}

/* Words that say an address is near. */
static const char *const address_cues[] = {"address", "lives", "live", "living", "located", "office", "corner",
                                           "street", "avenue", "road", "drops you off", "meet me", "send", "sent",
                                           "ship", "deliver", "mail", "return to", "taxi to", "moved to", "resides",
                                           "house", "home", "apartment", "flat", " at ", " on ", NULL};

/* At p: one or two capitalized words and a number of 1-3 digits ending the item ("Wisdom 12",
 * "Native Hawaiian 19"): an item of a list or table of scores, not a town. */
static bool scored_item(const struct deid_vctx *c, size_t p) {
  for (int n = 0; n < 2; n++) {
    size_t w = word_end(c, p);
    if (!capital_word(c, p, w) || w + 1 >= c->len || c->text[w] != ' ') return false;
    p = w + 1;
    size_t d = p;
    while (d < c->len && is_digit((unsigned char)c->text[d])) d++;
    if (d > p && d - p <= 3) return d >= c->len || !wordc(c, d);
  }
  return false;
}

/* A postal code at p (a town's, after a street). */
static bool pc_after(const struct deid_vctx *c, size_t p) { return deid_addr_postal_code(c, p) > p; }

/* NOSOM "Words 12": back from the number over up to 5 words (the first capitalized) to a
 * possible postal code or house number; kept only with evidence of an address. */
static enum ds_status v_addr_euro(struct deid_vctx *c, size_t e) {
  size_t i = e;
  while (i > 0 && (is_alnum((unsigned char)c->text[i - 1]))) i--;
  size_t num = i;
  if (!is_digit((unsigned char)c->text[num])) return DS_OK;
  if (e < c->len && (c->text[e] == '%' || c->text[e] == ':' || c->text[e] == '/' ||
                     (c->text[e] == '.' && e + 1 < c->len && is_digit((unsigned char)c->text[e + 1]))))
    return DS_OK;
  if (i == 0 || c->text[i - 1] != ' ') return DS_OK;
  i--;
  size_t first = SIZE_MAX;
  int words = 0;
  bool common = false, typed = false, label = false;
  for (; words < 5 && i > 0;) {
    size_t j = i;
    while (j > 0 && c->text[j - 1] != ' ' && c->text[j - 1] != '\n' && c->text[j - 1] != ',' && i - j < 40) j--;
    if (j == i) break;
    if (c->text[i - 1] == ':') { /* "Address: Rákóczi út 13.", "Meine Adresse: Hauptstraße 5" */
      label = true;
      break;
    }
    bool digits = true;
    for (size_t k = j; k < i; k++) digits &= is_digit((unsigned char)c->text[k]) != 0;
    if (digits) break; /* a postal code or house number before the name */
    const struct lex_entry *le = word_lex(c, j, i);
    if (le && (le->flags & LF_TIME)) return DS_OK; /* "18 November 2002", "Feb 9" */
    /* a stop word of another language ends the name ("Meine", "Am Markt 5" is "Markt 5") */
    if (le && (le->flags & LF_STOP) && !(le->flags & (LF_STREET | LF_PARTICLE)) && !(le->wf && le->wf <= 2)) break;
    /* a street type of another language right before the number ("Rákóczi út 13.", "Luite
     * tee 87"): the name before it may be in lower case ("Árpád fejedelem útja 3.") */
    if (words == 0 && deid_addr_foreign_type(c, j, i)) typed = true;
    bool cap = capital_word(c, j, i) || (i - j <= 4 && c->text[i - 1] == '.'); /* "ul.", "u.", "Av" */
    if (!cap && !(le && (le->flags & (LF_STREET | LF_PARTICLE))) &&
        !(typed && (words == 0 || deid_addr_foreign_lower(c, j, i))))
      break; /* "on", "of", "version" */
    if (le && le->wf && le->wf <= 2 && !(le->flags & (LF_STREET | LF_PARTICLE)) && !le->fn && !le->sn &&
        !(typed && words == 0))
      common = true;
    if (cap || (typed && words)) first = j; /* "hegyalja út 98." */
    words++;
    if (j == 0 || c->text[j - 1] != ' ') {
      i = j;
      break;
    }
    i = j - 1;
  }
  if (first == SIZE_MAX || common) return DS_OK;
  size_t s = first;
  /* "NSWSC 1368", "254 CLR 185", "HCA 36": a citation's court or report, not a street */
  if (words == 1 && e - num < 6) {
    size_t fe = word_end(c, s), nu = 0;
    for (size_t q = s; q < fe; q++) nu += is_upper((unsigned char)c->text[q]) != 0;
    if (nu == fe - s && nu >= 2 && nu <= 6) return DS_OK;
  }
  /* the evidence */
  bool lead_number = false;
  size_t k = s;
  while (k > 0 && c->text[k - 1] == ' ') k--;
  size_t d = k;
  while (d > 0 && is_digit((unsigned char)c->text[d - 1])) d--;
  if (d < k && k - d >= 2 && k - d <= 6 && (d == 0 || !wordc(c, d - 1))) lead_number = true;
  bool more = false;
  if (e < c->len) {
    size_t m = e;
    while (m < c->len && (c->text[m] == ' ' || c->text[m] == ',')) m++;
    size_t w = word_end(c, m);
    /* a unit word, or a street, city or country word written as a name ("and", "app" are
     * places somewhere too) */
    static const char *const apt[] = {"apt", "apartment", "suite", "ste", "flat", NULL}; /* not "Grade 10 Unit 1" */
    more = (m > e && (word_in(c, m, w, apt, true) ||
                      (w > m && is_upper((unsigned char)c->text[m]) && word_lex(c, m, w) &&
                       (word_lex(c, m, w)->flags & (LF_STREET | LF_CITY | LF_COUNTRY))))) ||
           (m < c->len && c->text[m] == '\n' && m + 1 < c->len && is_upper((unsigned char)c->text[m + 1]));
    /* ", Berlin" (not after a label: "Ability Scores: Dexterity 16, Intelligence 14") */
    if (c->text[e] == ',' && m < c->len && is_upper((unsigned char)c->text[m]) && !label) more = true;
    /* ", 04109 Leipzig": a postal code and a town */
    size_t pc = c->text[e] == ',' ? deid_addr_postal_code(c, m) : m;
    if (pc > m && pc - m >= 4 && pc + 1 < c->len && c->text[pc] == ' ' && capital_word(c, pc + 1, word_end(c, pc + 1)))
      more = true;
    /* "Strength 12, Wisdom 8", "White 157\nAsian 19": an item of a list or a table of scores */
    if (more && !pc_after(c, m) && scored_item(c, m + (m < c->len && c->text[m] == '\n'))) more = false;
  }
  if (!lead_number && !more && !(typed && words >= 2)) {
    /* the costliest evidence last: an address word before it */
    char win[96];
    deid_window(c, s, e, 48, 0, win, sizeof win);
    if (!deid_has_word(win, address_cues)) return DS_OK;
  }
  /* a year after a name is a date, not a house ("Windows 2000", "May 2021") */
  if (!lead_number && e - num == 4) {
    int y = deid_digits(c->text + num, e - num);
    if (y >= 1800 && y <= 2099) return DS_OK;
  }
  if (lead_number) s = d;
  if (typed && e < c->len && c->text[e] == '.') e++; /* "Rákóczi út 13." */
  return deid_push(c, deid_addr_extend_back(c, s), deid_addr_extend(c, e), T_ADDRESS);
}

/* NOSOM "63 Avenue du Golf Arabe", "31 rue tachkent": from the number before the street type,
 * over up to 6 name words after it (capitalized, particles, words that are no common English
 * word); at least one of them no common word ("3 Route Map", "5 via Slack" are not streets). */
static enum ds_status v_addr_num_prefix(struct deid_vctx *c, size_t e) {
  size_t i = e - 1; /* the space after the type */
  if (i > 0 && c->text[i - 1] == '.') i--;
  while (i > 0 && (is_alpha((unsigned char)c->text[i - 1]) || (unsigned char)c->text[i - 1] >= 0x80 ||
                   c->text[i - 1] == '/'))
    i--;
  if (i == 0 || c->text[i - 1] != ' ') return DS_OK;
  i--;
  if (i > 0 && c->text[i - 1] == ',') i--;
  if (i >= 4 && (!strncmp(c->text + i - 4, " bis", 4) || !strncmp(c->text + i - 4, " ter", 4))) i -= 4;
  if (i > 0 && is_alpha((unsigned char)c->text[i - 1])) i--;
  size_t s = i;
  while (s > 0 && is_digit((unsigned char)c->text[s - 1])) s--;
  if (s == i || (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '.' || c->text[s - 1] == '$'))) return DS_OK;
  size_t k = e, end = SIZE_MAX;
  int words = 0;
  bool named = false, after_particle = false;
  while (k < c->len && words < 6) {
    size_t w = word_end(c, k);
    if (w == k || deid_addr_unit_word(c, k, w)) break;
    const struct lex_entry *le = word_lex(c, k, w);
    bool particle = (le && (le->flags & LF_PARTICLE)) || deid_addr_particle(c, k, w) ||
                    (w - k == 2 && c->text[k] == 'd' && c->text[k + 1] == '\'');
    if (particle) {
      /* "d'Italie", "de la Paix": a particle is never the last word */
      after_particle = true;
    } else if (after_particle && !capital_word(c, k, w) && is_alpha((unsigned char)c->text[k]) &&
               !(le && (le->flags & LF_STOP))) {
      named = true; /* after a particle, even a common word is a name ("rue du centre") */
      end = w;
      after_particle = false;
    } else if (capital_word(c, k, w) || deid_addr_foreign_lower(c, k, w)) {
      after_particle = false;
      if (!le || (!le->wf && !(le->flags & LF_STOP))) named = true;
      else if (!capital_word(c, k, w) || (le->flags & LF_STOP)) break;
      end = w;
    } else {
      break;
    }
    words++;
    if (w >= c->len || c->text[w] != ' ') break;
    k = w + 1;
  }
  if (!named || end == SIZE_MAX) return DS_OK;
  /* "rue du centre 320", "rúa olmos 44": a house number after the name too */
  if (end + 1 < c->len && c->text[end] == ' ' && is_digit((unsigned char)c->text[end + 1])) {
    size_t v = word_end(c, end + 1);
    if (house_number(c, end + 1, v) && v - end - 1 <= 5) end = v;
  }
  return deid_push(c, deid_addr_extend_back(c, s), deid_addr_extend(c, end), T_ADDRESS);
}

/* NOSOM "Address:" then a line that starts with a house number (a postal code before it
 * too), has a word of a name (capitalized, a street type, no common word) and ends the line or
 * the sentence within 100 bytes: the whole line, in any case ("947 trg revolucije 17 apt. 858
 * begunje na gorenjskem slovenia"); then what follows it on the next lines. An IP, a hex
 * address or an e-mail after the label starts with no house number. */
static enum ds_status v_addr_label(struct deid_vctx *c, size_t e) {
  size_t s = e, k = e;
  while (k < c->len && is_digit((unsigned char)c->text[k])) k++;
  if (k == s || k - s > 6 || k >= c->len || c->text[k] != ' ') return DS_OK;
  size_t end = SIZE_MAX;
  bool named = false;
  int words = 0;
  size_t i = k;
  while (i < c->len && i - s <= 100) {
    char ch = c->text[i];
    if (ch == '\n' || ch == '\r' || ch == '?' || ch == '!' || ch == ';' || ch == '@' || ch == '/' || ch == '<' ||
        (ch == '.' && i + 2 < c->len && c->text[i + 1] == ' ' && is_upper((unsigned char)c->text[i + 2]))) {
      end = i;
      break;
    }
    if (ch == ' ' || ch == ',' || ch == '.' || ch == '#' || ch == '(' || ch == ')') {
      i++;
      continue;
    }
    size_t w = word_end(c, i);
    if (w == i) return DS_OK; /* a sign no address has */
    if (++words > 14) return DS_OK;
    const struct lex_entry *le = word_lex(c, i, w);
    if (!is_digit((unsigned char)c->text[i]) &&
        (deid_addr_foreign_type(c, i, w) || deid_addr_foreign_lower(c, i, w) ||
         (le && (le->flags & (LF_STREET | LF_CITY | LF_COUNTRY))) || (capital_word(c, i, w) && (!le || !le->wf))))
      named = true;
    i = w;
  }
  if (i >= c->len) end = c->len;
  if (end == SIZE_MAX || !named || words < 2) return DS_OK;
  while (end > s && (c->text[end - 1] == ' ' || c->text[end - 1] == ',' || c->text[end - 1] == '.')) end--;
  return deid_push(c, s, deid_addr_extend(c, end), T_ADDRESS);
}

/* NOSOM "at 9816 214 Pavlou Drandaki": a postal code (4-6 digits), a house number, then 1-3
 * capitalized words that are no common words; kept after "at", "to", "address:". */
static enum ds_status v_addr_two_numbers(struct deid_vctx *c, size_t e) {
  size_t n = e - 2; /* the space before the name */
  size_t h = n;
  while (h > 0 && is_alnum((unsigned char)c->text[h - 1])) h--;
  if (h < 2 || c->text[h - 1] != ' ') return DS_OK;
  size_t s = h - 1;
  while (s > 0 && is_digit((unsigned char)c->text[s - 1])) s--;
  if (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '.' || c->text[s - 1] == ',' || c->text[s - 1] == '$' ||
                c->text[s - 1] == '-' || c->text[s - 1] == ':'))
    return DS_OK;
  size_t k = n + 1, end = SIZE_MAX;
  for (int words = 0; words < 3; words++) {
    size_t w = word_end(c, k);
    if (!capital_word(c, k, w)) break;
    const struct lex_entry *le = word_lex(c, k, w);
    if (le && ((le->wf && le->wf <= 3) || (le->flags & (LF_STOP | LF_TIME)))) return DS_OK;
    end = w;
    if (w + 1 >= c->len || c->text[w] != ' ') break;
    k = w + 1;
  }
  if (end == SIZE_MAX) return DS_OK;
  /* the word before it: "at", "to", "address:" */
  static const char *const preps[] = {"at", "to", "on", "near", "from", "address", "address:", NULL};
  size_t pe = s;
  while (pe > 0 && c->text[pe - 1] == ' ') pe--;
  size_t ps = pe;
  while (ps > 0 && (is_alpha((unsigned char)c->text[ps - 1]) || c->text[ps - 1] == ':')) ps--;
  if (pe == s || !word_in(c, ps, pe, preps, true)) return DS_OK;
  return deid_push(c, s, deid_addr_extend(c, end), T_ADDRESS);
}

/* NOSOM "111 W Washington, Chicago, IL 60602": from the number over the directional and 1-3
 * capitalized words; kept only when what follows extends it (a unit, a town confirmed by a
 * state or postal code). */
static enum ds_status v_addr_directional(struct deid_vctx *c, size_t e) {
  size_t k = e - 1, s = k - 1; /* the space before the name */
  while (s > 0 && c->text[s - 1] != ' ') s--; /* the directional, maybe with a period */
  if (s < 2) return DS_OK;
  s--;
  while (s > 0 && is_digit((unsigned char)c->text[s - 1])) s--;
  if (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '.' || c->text[s - 1] == '$' || c->text[s - 1] == '-'))
    return DS_OK;
  size_t end = SIZE_MAX;
  for (int words = 0; words < 3; words++) {
    size_t w = word_end(c, k);
    if (!capital_word(c, k, w) && !street_name_word(c, k, w)) break;
    const struct lex_entry *le = word_lex(c, k, w);
    if (le && (le->flags & (LF_STOP | LF_TIME)) && !(le->flags & LF_PARTICLE)) break; /* "W. Van Buren" */
    end = w;
    if (w + 1 >= c->len || c->text[w] != ' ') break;
    k = w + 1;
  }
  if (end == SIZE_MAX) return DS_OK;
  size_t x = deid_addr_extend(c, end);
  if (x == end) {
    /* "I moved to 500 South Central last year", "send it to 7257 S. State.": with nothing
     * after it, an address word before it and no region named ("5 North Carolina towns") */
    size_t d0 = s;
    while (d0 < k && c->text[d0] != ' ') d0++;
    char f[96];
    size_t fl = deid_fold(c->text + d0 + 1, end - d0 - 1, f, sizeof f);
    const struct lex_entry *pe = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
    if (pe && (pe->flags & (LF_COUNTRY | LF_REGION | LF_CITY))) return DS_OK;
    char win[96];
    deid_window(c, s, end, 40, 0, win, sizeof win);
    if (!deid_has_word(win, address_cues)) return DS_OK;
  }
  return deid_push(c, s, x, T_ADDRESS);
}

/* A US ZIP code (5 digits) within the next few words of the same line after e (a town and
 * a state in any case between: "12605 lapis lane oklahoma city ok 73170"). */
static bool zip_ahead(const struct deid_vctx *c, size_t e) {
  size_t k = e;
  for (int words = 0; words < 6 && k < c->len; words++) {
    while (k < c->len && (c->text[k] == ' ' || c->text[k] == ',' || c->text[k] == '.')) k++;
    size_t w = word_end(c, k);
    if (w == k) return false;
    if (is_digit((unsigned char)c->text[k])) return w - k == 5 && all_digits(c->text + k, 5);
    k = w;
  }
  return false;
}

/* "at 42 smith street", "300 east randolph st chicago il 60601": a number, maybe a
 * directional, 1-4 words in lower case that are names, ordinals or no common words, a street
 * type; after "at", "to", "on", "address", "live(s)", or with a ZIP code a few words after. */
static enum ds_status v_addr_lower(struct deid_vctx *c, size_t s, size_t e) {
  static const char *const preps[] = {"at", "to", "on", "address", "address:", "live", "lives", "is", NULL};
  static const char *const dirs[] = {"n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
                                     NULL};
  static const char *const types[] = {"street", "st", "avenue", "ave", "av", "road", "rd", "drive", "dr", "lane",
                                      "ln", "boulevard", "blvd", "court", "ct", "place", "pl", "way", "terrace", "ter",
                                      "circle", "cir", "parkway", "pkwy", "highway", "hwy", "trail", "trl", "freeway",
                                      "fwy", "expressway", "expy", "square", "sq", "plaza", "turnpike", "tpke",
                                      "causeway", "cswy", "pike", NULL};
  if (e >= 2 && c->text[e - 2] == ' ') { /* "5050 s d...", "1732 1st a...": the type up to 5 words on */
    size_t k = e - 1, found = SIZE_MAX;
    size_t t = token_before(c, e - 2); /* a directional, or an ordinal: the street's name */
    bool ordinal = is_digit((unsigned char)c->text[t]) && is_alpha((unsigned char)c->text[e - 3]);
    for (int n = 0; n < 6 && found == SIZE_MAX; n++) {
      size_t w = word_end(c, k);
      if (w == k || w - k > 20) return DS_OK;
      if ((n || ordinal) && word_in(c, k, w, types, false)) found = w; /* "1732 1st ave"; not "5050 s dr martin" */
      if (w + 1 >= c->len || (c->text[w] != ' ' && !(c->text[w] == '.' && w + 2 < c->len && c->text[w + 1] == ' ')))
        break;
      k = w + 1 + (c->text[w] == '.');
    }
    if (found == SIZE_MAX) return DS_OK;
    e = found;
  }
  size_t pe = s;
  while (pe > 0 && c->text[pe - 1] == ' ') pe--;
  size_t ps = pe;
  while (ps > 0 && (is_alpha((unsigned char)c->text[ps - 1]) || c->text[ps - 1] == ':')) ps--;
  if ((pe == s || !word_in(c, ps, pe, preps, true)) && !zip_ahead(c, e)) return DS_OK;
  size_t k = s;
  while (k < e && is_digit((unsigned char)c->text[k])) k++;
  if (k < e && is_alpha((unsigned char)c->text[k])) k++; /* "3529a" */
  size_t te = e;
  while (te > k && c->text[te - 1] != ' ') te--; /* the type's start */
  bool named = false;
  for (size_t i = k + 1; i < te;) {
    size_t w = word_end(c, i);
    if ((word_in(c, i, w, dirs, false) && i == k + 1) || (w < te && c->text[w] == '.')) { /* "3000 e. boundary" */
      i = w + (w < c->len && c->text[w] == '.') + 1;
      continue;
    }
    const struct lex_entry *le = word_lex(c, i, w);
    bool ok = street_word(c, i, w) || !le || le->fn >= 2 || le->sn >= 2 || !le->wf || le->wf >= 4;
    if (!ok || (le && (le->flags & (LF_STOP | LF_TIME)))) return DS_OK;
    named = true;
    i = w + 1;
  }
  if (!named) return DS_OK;
  return deid_push(c, deid_addr_extend_back(c, s), deid_addr_extend(c, e), T_ADDRESS);
}

/* "RR 2 Box 15", "Box # 63", "Post Office Box 40", "Rural Route 3": a box after a route or a
 * post office is kept; a bare box needs a "#", a postal code after it or an address word near. */
static enum ds_status v_addr_route(struct deid_vctx *c, size_t s, size_t e) {
  if (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '.' || c->text[s - 1] == '$' || c->text[s - 1] == '-' ||
                c->text[s - 1] == '/'))
    return DS_OK;
  if (e < c->len && (c->text[e] == '.' || c->text[e] == ',' || c->text[e] == '-' || c->text[e] == '/') &&
      e + 1 < c->len && is_digit((unsigned char)c->text[e + 1]))
    return DS_OK; /* "Box 3.5", "Box 1,000" */
  size_t x = deid_addr_extend(c, e);
  size_t b = s; /* what is before "Box" */
  while (b < e && strncasecmp(c->text + b, "box", 3)) b++;
  bool hash = memchr(c->text + s, '#', e - s) != NULL, zip = false;
  for (size_t q = e; q < x && !zip; q++) zip = is_digit((unsigned char)c->text[q]);
  if (b == s && !hash && !zip) {
    char win[96];
    deid_window(c, s, e, 48, 0, win, sizeof win);
    if (!deid_has_word(win, address_cues)) return DS_OK;
  }
  if (e < c->len && is_alpha((unsigned char)c->text[e]) && (e + 1 >= c->len || !wordc(c, e + 1))) e++; /* "283e" */
  return deid_push(c, deid_addr_extend_back(c, s), deid_addr_extend(c, e), T_ADDRESS);
}

/* NOSOM "12 State Route 9", "28402 CR 561", "1470 hwy 104", "5017 I-49": back from the route's
 * number over its word ("I" only with a dash) and maybe a qualifier ("State", "County", "US",
 * "Old", a directional) to a house number; a year is no house number before an abbreviation
 * ("In 2020 US 10-year"). */
static enum ds_status v_addr_highway(struct deid_vctx *c, size_t e) {
  size_t r = e;
  while (r > 0 && is_alnum((unsigned char)c->text[r - 1])) r--;
  while (r > 0 && is_alpha((unsigned char)c->text[r])) r++; /* "I80": the letters are the word's */
  size_t we = r;
  if (we > 0 && c->text[we - 1] == '-') we--;
  bool dash = we < r;
  if (we > 0 && c->text[we - 1] == ' ') we--;
  size_t ws = we;
  while (ws > 0 && is_alpha((unsigned char)c->text[ws - 1])) ws--;
  if (ws == we || ws < 2 || c->text[ws - 1] != ' ') return DS_OK;
  if (we - ws == 1 && !dash) return DS_OK; /* "I" alone */
  static const char *const full[] = {"route", "rte", "road", "rd", "highway", "hwy", "rt", "interstate", NULL};
  bool spelled = word_in(c, ws, we, full, true);
  static const char *const quals[] = {"State", "County", "US", "U.S.", "Old", "Scenic", "N", "S", "E", "W", "N.",
                                      "S.", "E.", "W.", NULL};
  size_t h = ws - 1; /* the end of the house number */
  size_t q = token_before(c, h);
  if (q < h && word_in(c, q, h, quals, true) && q >= 2 && c->text[q - 1] == ' ') h = q - 1;
  size_t hs = token_before(c, h);
  if (!house_number(c, hs, h) || (hs > 0 && (c->text[hs - 1] == '$' || c->text[hs - 1] == '.' ||
                                             c->text[hs - 1] == '-' || c->text[hs - 1] == '/')))
    return DS_OK;
  int num = deid_digits(c->text + hs, h - hs);
  if (!spelled && num >= 1800 && num <= 2099 && h - hs == 4) return DS_OK;
  return deid_push(c, deid_addr_extend_back(c, hs), deid_addr_extend(c, e), T_ADDRESS);
}

/* "2820 N. Greenview Unit I", "17402 Circa Del Norte Lot 184", "2225 COMMONWEALTH APT F": a
 * unit (lettered, or a lot, building or room) kept only after a street without a type. */
static enum ds_status v_addr_unit_street(struct deid_vctx *c, size_t s, size_t e) {
  if (s > 0 && wordc(c, s - 1)) return DS_OK;
  size_t b = street_before_unit(c, s, true);
  if (b == s) return DS_OK;
  return deid_push(c, b, deid_addr_extend(c, e), T_ADDRESS);
}

/* "the corner of A and B": two streets, each with a number or a street word. */
static enum ds_status v_addr_corner(struct deid_vctx *c, size_t s, size_t e) {
  size_t i = e, streets = 0, evidence = 0, end = e;
  for (int part = 0; part < 2; part++) {
    size_t a = i;
    int words = 0;
    while (i < c->len && words < 7) {
      size_t w = word_end(c, i);
      if (c->text[i] == '#' || c->text[i] == '.') {
        i++;
        continue;
      }
      if (w == i) break;
      const struct lex_entry *le = word_lex(c, i, w);
      if (words && w - i == 3 && !strncmp(c->text + i, "and", 3)) break;
      if (le && (le->flags & LF_STREET)) evidence++;
      if (is_digit((unsigned char)c->text[i])) evidence++;
      else if (!capital_word(c, i, w) && !(le && (le->flags & (LF_STREET | LF_PARTICLE | LF_UNIT))) &&
               !(w - i <= 3 && w < c->len && c->text[w] == '.'))
        break;
      words++;
      i = w;
      if (i < c->len && c->text[i] == '.' && i + 1 < c->len && c->text[i + 1] == ' ') i++;
      if (i < c->len && c->text[i] == ' ') i++;
      else break;
    }
    if (!words) break;
    streets++;
    end = i;
    while (end > a && (c->text[end - 1] == ' ')) end--;
    if (part == 0) {
      if (i + 4 > c->len || strncmp(c->text + i, "and ", 4)) break;
      i += 4;
    }
  }
  if (streets < 1 || !evidence) return DS_OK;
  return deid_push(c, s, deid_addr_extend(c, end), T_ADDRESS);
}

/* Street suffixes in capitals that are common nouns too (need evidence), and what comes before
 * a Saint. */
static const char *const weak_suffixes[] = {"VIEW", "HILL", "CENTER", "CTR", "WALK", "PATH", "LOOP", "POINT", NULL};
static const char *const saint_before[] = {"N", "S", "E", "W", "North", "South", "East", "West", NULL};

static enum ds_status v_addr(struct deid_vctx *c, int kind, size_t s, size_t e) {
  if (kind == K_ADDR_EURO) return v_addr_euro(c, e);
  if (kind == K_ADDR_CORNER) return v_addr_corner(c, s, e);
  if (kind == K_ADDR_EURO_PREFIX) {
    if ((s = euro_prefix_start(c, e)) == SIZE_MAX) return DS_OK;
  } else if (kind == K_ADDR_STREET || kind == K_ADDR_EURO_SUFFIX) {
    s = kind == K_ADDR_STREET ? street_start(c, e) : euro_start(c, e);
    if (s == SIZE_MAX && kind == K_ADDR_STREET && (s = street_no_number(c, e)) != SIZE_MAX)
      return deid_push(c, s, deid_addr_extend(c, e), T_ADDRESS);
    if (s == SIZE_MAX) return DS_OK;
    if (kind == K_ADDR_STREET) {
      /* "Hwy 50", "Route 66": the route number after the suffix */
      size_t k = e;
      if (k + 1 < c->len && c->text[k] == ' ' && is_digit((unsigned char)c->text[k + 1])) {
        size_t v = k + 1;
        while (v < c->len && is_alnum((unsigned char)c->text[v])) v++;
        const char *sfx = c->text + e - 3;
        if (e >= 3 && (!strncasecmp(sfx, "hwy", 3) || !strncasecmp(sfx, "ute", 3) || !strncasecmp(sfx, "Rte", 3) ||
                       !strncasecmp(sfx, "way", 3)))
          e = v;
      }
      size_t sfx = e;
      while (sfx > 0 && is_alpha((unsigned char)c->text[sfx - 1])) sfx--;
      /* "5500 N. St. Louis", "123R S St thomas av": "St" right after the number or a
       * directional is a Saint, the name after it */
      if (e - sfx == 2 && (c->text[sfx + 1] == 't' || c->text[sfx + 1] == 'T')) {
        size_t b = sfx;
        while (b > s && c->text[b - 1] == ' ') b--;
        if (b > s && c->text[b - 1] == '.') b--;
        size_t a = b;
        while (a > s && is_alnum((unsigned char)c->text[a - 1])) a--;
        size_t k = e + (e < c->len && c->text[e] == '.');
        if (k + 1 < c->len && c->text[k] == ' ' && (a == s || word_in(c, a, b, saint_before, true))) {
          size_t w = word_end(c, k + 1);
          const struct lex_entry *le = word_lex(c, k + 1, w);
          if (w > k + 1 && is_alpha((unsigned char)c->text[k + 1]) &&
              !(le && ((le->flags & (LF_STOP | LF_TIME)) || (le->wf && le->wf <= 2))))
            e = w;
        }
      }
      if (e < c->len && c->text[e] == '.' && e - sfx <= 4 && e > sfx) { /* "St.", "Ave.", "Blvd." */
        /* "St." is the abbreviation's period unless a sentence ends there */
        if (!(e + 2 < c->len && c->text[e + 1] == ' ' && is_upper((unsigned char)c->text[e + 2]) &&
              !deid_lex_word(c->text + e + 2, word_end(c, e + 2) - e - 2)))
          e++;
      }
      /* a suffix in capitals that is also a common noun ("TOP 10 GREEN VIEW", "STEP 2 BASE
       * CAMP"): only with more address after it or an address word near */
      if (word_in(c, sfx, e, weak_suffixes, false) && deid_addr_extend(c, e) == e) {
        char win[96];
        deid_window(c, s, e, 48, 0, win, sizeof win);
        if (!deid_has_word(win, address_cues)) return DS_OK;
      }
    }
  } else if (kind == K_ADDR_UNIT || kind == K_ADDR_MIL) {
    if (s > 0 && wordc(c, s - 1)) return DS_OK;
    /* "unit 0": no unit is numbered 0 */
    if (kind == K_ADDR_UNIT && e - s >= 2 && c->text[e - 1] == '0' && !is_digit((unsigned char)c->text[e - 2]))
      return DS_OK;
    /* "USS Arizona" in a history is a ship; an address names its FPO / APO after it */
    if (kind == K_ADDR_MIL && c->text[s] == 'U' && c->text[s + 1] == 'S') {
      size_t q = e;
      while (q < c->len && q - e < 4 && (c->text[q] == ' ' || c->text[q] == ',' || c->text[q] == '\n')) q++;
      if (q + 3 > c->len || (strncmp(c->text + q, "FPO", 3) && strncmp(c->text + q, "APO", 3) &&
                             strncmp(c->text + q, "DPO", 3)))
        return DS_OK;
    }
    static const char *const apt[] = {"apt", "apartment", "suite", "ste", NULL};
    static const char *const unit[] = {"unit", "flat", NULL};
    size_t w = s;
    while (w < e && is_alpha((unsigned char)c->text[w])) w++;
    size_t b = s;
    if (kind == K_ADDR_UNIT && word_in(c, s, w, apt, true)) b = street_before_unit(c, s, false);
    else if (kind == K_ADDR_UNIT && word_in(c, s, w, unit, true)) b = street_before_unit(c, s, true);
    if (b == s) b = deid_addr_extend_back(c, s);
    return deid_push(c, b, deid_addr_extend(c, e), T_ADDRESS);
  }
  s = deid_addr_extend_back(c, s);
  return deid_push(c, s, deid_addr_extend(c, e), T_ADDRESS);
}

enum ds_status deid_validate_place(struct deid_vctx *c, int kind, int type, size_t s, size_t e) {
  switch (kind) {
  case K_ADDR_STREET:
  case K_ADDR_UNIT:
  case K_ADDR_EURO:
  case K_ADDR_EURO_SUFFIX:
  case K_ADDR_EURO_PREFIX:
  case K_ADDR_MIL:
  case K_ADDR_CORNER: return v_addr(c, kind, s, e);
  case K_ADDR_NUM_PREFIX: return v_addr_num_prefix(c, e);
  case K_ADDR_LABEL: return v_addr_label(c, e);
  case K_ADDR_TWO_NUMBERS: return v_addr_two_numbers(c, e);
  case K_ADDR_DIRECTIONAL: return v_addr_directional(c, e);
  case K_ADDR_LOWER: return v_addr_lower(c, s, e);
  case K_ADDR_ROUTE: return v_addr_route(c, s, e);
  case K_ADDR_HIGHWAY: return v_addr_highway(c, e);
  case K_ADDR_UNIT_STREET: return v_addr_unit_street(c, s, e);
  case K_ADDR_STATE_ZIP: return deid_validate_address_zip(c, e);
  default: return deid_validate_date(c, kind, type, s, e);
  }
}
