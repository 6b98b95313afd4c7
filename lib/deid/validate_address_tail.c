/* validate_address_tail.c: the rest of an address after its street line: unit, directional,
 * city, state or region, postal code and country, on one line or several (US and common
 * European forms); and what comes before a street (a unit, a postal code). */
#include "validate_words.h"

/* A word of lower-case letters that is no common English word ("tachkent", "revolucije"):
 * part of a name in an address written in lower case or in another language. */
bool deid_addr_foreign_lower(const struct deid_vctx *c, size_t a, size_t b) {
  if (b <= a || b - a > 40) return false;
  size_t ln;
  uint32_t cp = deid_decode((const unsigned char *)c->text + a, c->len - a, &ln);
  if (!deid_cp_letter(cp) || deid_cp_upper(cp)) return false;
  for (size_t k = a; k < b; k++)
    if (is_digit((unsigned char)c->text[k])) return false;
  const struct lex_entry *le = deid_lex_word(c->text + a, b - a);
  return !le || (!le->wf && !(le->flags & (LF_STOP | LF_TIME)));
}

/* Street types written as a word of their own in other languages (libpostal's street_types
 * of hu, et, cs, sk, sl, hr, lt, lv, ro, tr, is, el; the lexicon has those of en, de, fr,
 * es, it, nl, pt, da, sv, nb, fi, pl): "Rákóczi út 13.", "Luite tee 87", "Jana Nerudy 894". */
static const char *const foreign_types[] = {
  "út", "utca", "u.", "útja", "utja", "tér", "ter", "körút", "krt.", "sétány", "köz", "sor", "fasor", "rakpart",
  "tee", "tänav", "tn", "mnt", "maantee", "puiestee", "ulice", "ul.", "ulica", "nám.", "náměstí", "namesti",
  "třída", "nábřeží", "námestie", "cesta", "trg", "pot", "put", "aleja", "iela", "gatvė", "g.", "prospektas",
  "strada", "str.", "calea", "aleea", "bulevardul", "sokak", "sok.", "caddesi", "cad.", "yolu", "gata",
  "vegur", "braut", "stræti", "οδός", "λεωφόρος", "οδος", "λεωφορος", NULL};

bool deid_addr_foreign_type(const struct deid_vctx *c, size_t a, size_t b) {
  for (const char *const *w = foreign_types; *w; w++)
    if (strlen(*w) == b - a && !strncasecmp(c->text + a, *w, b - a)) return true;
  return false;
}

/* ---- the rest of an address ----------------------------------------------------------- */

static const char *const unit_words[] = {"apt", "apartment", "suite", "ste", "unit", "flat", "fl", "flr", "floor",
                                         "room", "rm", "bldg", "building", "lot", "box", "po", "dept", "#", NULL};
static const char *const directionals[] = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East",
                                           "West", "Northeast", "Northwest", "Southeast", "Southwest", NULL};

/* A postal code at i ("62704", "62704-1234", "K1A 0B1", "SW1A 1AA", "30-001", "394 13",
 * "3610-114", "1011 AB"); its end, or i. */
size_t deid_addr_postal_code(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j < c->len && is_digit((unsigned char)c->text[j])) j++;
  size_t nd = j - i;
  if (nd == 2 && j + 4 <= c->len && c->text[j] == '-' && all_digits(c->text + j + 1, 3) &&
      (j + 4 == c->len || !wordc(c, j + 4)))
    return j + 4; /* Polish "30-001" */
  if (nd >= 3 && nd <= 6) {
    if (j + 1 < c->len && (c->text[j] == '-' || c->text[j] == ' ') && is_digit((unsigned char)c->text[j + 1])) {
      size_t k = j + 1;
      while (k < c->len && is_digit((unsigned char)c->text[k])) k++;
      if (k - j - 1 >= 2 && k - j - 1 <= 4 && (k >= c->len || !wordc(c, k))) return k;
    }
    if (nd == 4 && j + 3 <= c->len && c->text[j] == ' ' && is_upper((unsigned char)c->text[j + 1]) &&
        is_upper((unsigned char)c->text[j + 2]) && (j + 3 == c->len || !wordc(c, j + 3)))
      return j + 3; /* Dutch "1011 AB" */
    if (j >= c->len || !wordc(c, j)) return j;
    return i;
  }
  /* Canadian / British shapes: letters and digits, one optional space */
  size_t k = i, letters = 0, digits = 0, spaces = 0, first_digits = 0;
  while (k < c->len && k - i < 8) {
    unsigned char ch = (unsigned char)c->text[k];
    if (is_upper(ch)) letters++;
    else if (is_digit(ch)) digits++, first_digits += !spaces;
    else if (ch == ' ' && !spaces && k > i && k + 1 < c->len && is_digit((unsigned char)c->text[k + 1])) spaces++;
    else break;
    k++;
  }
  /* the outward part holds a digit ("SW1A 2AA", "K1A 0B1"; not a state and a ZIP: "MA 02139") */
  if (letters >= 2 && digits >= 2 && first_digits && k - i >= 5 && (k >= c->len || !wordc(c, k)) &&
      is_upper((unsigned char)c->text[i]))
    return k;
  return i;
}

/* Particles inside a place's name ("Caxias do Sul", "Ostrov nad Ohří", "Frankfurt am Main"). */
static const char *const place_particles[] = {"do", "da", "dos", "das", "de", "del", "della", "di", "du", "la", "le",
                                              "les", "des", "na", "nad", "pod", "u", "am", "im", "an", "der", "sur", "en",
                                              "y", "upon", NULL};

/* After a line break: a list's bullet ("- ", "* ", "• ", "??? " where a bullet was lost); the
 * position after it, or i. */
static size_t skip_bullet(const struct deid_vctx *c, size_t i) {
  size_t k = i;
  while (k < c->len && (c->text[k] == ' ' || c->text[k] == '\t')) k++;
  size_t b = k;
  while (k < c->len && k - b < 3 && (c->text[k] == '?' || c->text[k] == '*' || c->text[k] == '-')) k++;
  if (k == b && k + 3 <= c->len && !memcmp(c->text + k, "\xe2\x80\xa2", 3)) k += 3;
  if (k > b && k < c->len && c->text[k] == ' ') return k + 1;
  return i;
}

/* A run of up to 4 words of a place's name from i (capitalized, particles between, a part in
 * parentheses after: "Cyprus (Greek)", "ΑΓΛΑΝΤΖΙΑ (ΑΓΛΑΓΓΙΑ)"); its end, and the number of
 * words in *out_words. */
static size_t place_run(const struct deid_vctx *c, size_t i, size_t w, int *out_words) {
  size_t k = w;
  int n = 1;
  for (; n < 4; n++) {
    if (k + 1 >= c->len || c->text[k] != ' ') break;
    size_t v = word_end(c, k + 1);
    bool digit = false; /* "London SW1A 2AA": the postal code is no part of the name */
    for (size_t q = k + 1; q < v && !digit; q++) digit = is_digit((unsigned char)c->text[q]);
    if (digit) break;
    if (!capital_word(c, k + 1, v)) {
      const struct lex_entry *pe = word_lex(c, k + 1, v);
      size_t x = v + 1 < c->len ? word_end(c, v + 1) : v;
      if (!((pe && (pe->flags & LF_PARTICLE)) || word_in(c, k + 1, v, place_particles, false)) || v + 1 >= c->len ||
          c->text[v] != ' ' || !capital_word(c, v + 1, x))
        break;
      k = x; /* the word after a particle whatever it is elsewhere ("Caxias do Sul") */
      continue;
    }
    const struct lex_entry *ve = word_lex(c, k + 1, v);
    if (ve && (ve->flags & (LF_STOP | LF_TIME))) {
      /* "Colle Di Tora", "Villa De Leyva": a capitalized particle before a name */
      size_t x = v + 1 < c->len ? word_end(c, v + 1) : v;
      if (!(ve->flags & LF_PARTICLE) || v + 1 >= c->len || c->text[v] != ' ' || !capital_word(c, v + 1, x)) break;
      v = x;
    }
    k = v;
  }
  /* "(Greek)" */
  if (k + 3 < c->len && c->text[k] == ' ' && c->text[k + 1] == '(') {
    size_t v = word_end(c, k + 2);
    if (capital_word(c, k + 2, v) && v < c->len && c->text[v] == ')') k = v + 1;
  }
  *out_words = n;
  return k;
}

/* A known place written in lower case (up to 3 words: "calgary", "south africa"), not a
 * common word; its end, or i. */
static size_t lower_place(const struct deid_vctx *c, size_t i, size_t w) {
  size_t best = i, k = w;
  for (int n = 0; n < 3; n++) {
    char f[96];
    size_t fl = deid_fold(c->text + i, k - i, f, sizeof f);
    const struct lex_entry *le = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
    if (le && (le->flags & (LF_CITY | LF_COUNTRY | LF_REGION)) && !le->wf && !(le->flags & LF_STOP)) best = k;
    if (k + 1 >= c->len || c->text[k] != ' ') break;
    size_t v = word_end(c, k + 1);
    if (v == k + 1) break;
    k = v;
  }
  return best;
}

/* "il 60601", "ok 73170-1234": a state's two letters in lower case and a ZIP code at i; the
 * end, or i. */
static size_t lower_state_zip(const struct deid_vctx *c, size_t i) {
  if (i + 8 > c->len || !(c->text[i] >= 'a' && c->text[i] <= 'z') ||
      !(c->text[i + 1] >= 'a' && c->text[i + 1] <= 'z') || c->text[i + 2] != ' ' || !all_digits(c->text + i + 3, 5))
    return i;
  size_t z = deid_addr_postal_code(c, i + 3);
  return z - i - 3 == 5 || z - i - 3 == 10 ? z : i;
}

/* Extends an address that ends at e over what follows it: unit, directional, city, state or
 * region, postal code, country, separated by commas, spaces or line breaks. */
size_t deid_addr_extend(const struct deid_vctx *c, size_t e) {
  size_t best = e;
  int parts = 0;
  bool pending_city = false;
  size_t city_end = e;
  for (;;) {
    if (parts >= 8 || e >= c->len) {
      /* an unconfirmed city that ends the text, after a street and a unit: the city */
      /* (never shorter: "Orlando, FL 32778" at the end, "FL" read as a floor) */
      if (pending_city && parts >= 2 && e >= c->len && best < city_end) best = city_end;
      break;
    }
    /* the separator: spaces, at most one comma, at most two line breaks (each maybe with a
     * list's bullet after it) */
    size_t i = e;
    int commas = 0, nls = 0;
    while (i < c->len && i - e < 12) {
      char ch = c->text[i];
      if (ch == ',') commas++;
      else if (ch == '\n') {
        nls++;
        i = skip_bullet(c, i + 1);
        continue;
      } else if (ch != ' ' && ch != '\t' && ch != '\r') break;
      i++;
    }
    if (commas > 1 || nls > 2 || i >= c->len) {
      if (pending_city && parts >= 2 && (i >= c->len || nls) && best < city_end) best = city_end;
      break;
    }
    bool sep = commas || nls || i - e >= 2;
    size_t w = word_end(c, i);
    if (c->text[i] == '#' && i + 1 < c->len) {
      size_t h = i + 1 + (i + 2 < c->len && c->text[i + 1] == ' '); /* "#1500", "# 2510" */
      w = word_end(c, h) > h ? word_end(c, h) : i;
    }
    if (w == i) break;
    /* unit: "Apt. 864", "Suite 501", "#4B" */
    if (c->text[i] == '#' || word_in(c, i, w, unit_words, true)) {
      size_t k = w;
      if (c->text[i] != '#') {
        if (k < c->len && c->text[k] == '.') k++;
        while (k < c->len && c->text[k] == ' ') k++;
        if (k < c->len && c->text[k] == '#') k++;
        size_t v = word_end(c, k);
        if (v == k || v - k > 8) break;
        w = v;
      }
      e = best = w;
      parts++;
      continue;
    }
    /* "7th Flr", "4th Floor", "Second Floor", "Ground Floor": a floor */
    static const char *const floors[] = {"floor", "flr", "fl", "level", NULL};
    static const char *const floor_ord[] = {"ground", "first", "second", "third", "fourth", "fifth", "lower",
                                            "upper", "main", "top", NULL};
    if (w + 1 < c->len && c->text[w] == ' ' && (word_in(c, i, w, floor_ord, true) ||
                                               (is_digit((unsigned char)c->text[i]) && w - i >= 3 && w - i <= 5 &&
                                                is_alpha((unsigned char)c->text[w - 1])))) {
      size_t v = word_end(c, w + 1);
      if (word_in(c, w + 1, v, floors, true)) {
        e = best = v;
        parts++;
        continue;
      }
    }
    /* "5º izq.", "3º B": a Spanish floor and door */
    if (is_digit((unsigned char)c->text[i]) && w - i <= 5 &&
        (memmem(c->text + i, w - i, "\xc2\xba", 2) || memmem(c->text + i, w - i, "\xc2\xaa", 2))) {
      size_t k = w;
      if (k + 1 < c->len && c->text[k] == ' ') {
        size_t v = word_end(c, k + 1);
        if (v < c->len && c->text[v] == '.' && v - k - 1 <= 5) k = v + 1;
        else if (v - k - 1 == 1 && is_upper((unsigned char)c->text[k + 1])) k = v;
      }
      e = best = k;
      parts++;
      continue;
    }
    /* "12 Main St in Springfield": the town after "in", a known city */
    if (w - i == 2 && !strncmp(c->text + i, "in", 2) && !sep && w + 1 < c->len && c->text[w] == ' ') {
      size_t v = word_end(c, w + 1);
      if (!capital_word(c, w + 1, v)) break;
      int rw;
      size_t k = place_run(c, w + 1, v, &rw);
      char f[96];
      size_t fl = deid_fold(c->text + w + 1, k - w - 1, f, sizeof f);
      const struct lex_entry *ce = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
      if (!ce || !(ce->flags & LF_CITY)) break;
      e = best = k;
      parts++;
      continue;
    }
    if (word_in(c, i, w, directionals, false) && !sep) {
      e = best = w + (w < c->len && c->text[w] == '.');
      parts++;
      continue;
    }
    size_t pc = deid_addr_postal_code(c, i);
    if (pc > i && (all_digits(c->text + i, w - i) ? w - i >= 4 || sep || pending_city : true)) {
      e = best = pc;
      pending_city = false;
      parts++;
      /* "80469 München", "1012 JM Amsterdam": the town right after its postal code */
      if (pc + 1 < c->len && c->text[pc] == ' ' && capital_word(c, pc + 1, word_end(c, pc + 1))) {
        const struct lex_entry *te = word_lex(c, pc + 1, word_end(c, pc + 1));
        if (!(te && (te->flags & (LF_STOP | LF_TIME)))) {
          int tw;
          e = best = place_run(c, pc + 1, word_end(c, pc + 1), &tw);
          parts++;
        }
      }
      continue;
    }
    /* "nan": a missing field in some exports; it confirms the city before it */
    if (w - i == 3 && !strncmp(c->text + i, "nan", 3) && (sep || pending_city)) {
      if (pending_city) best = w;
      pending_city = false;
      e = w;
      parts++;
      continue;
    }
    /* state or region: two capitals, or a region name; after a city and a comma, one to three
     * capitals ("Muel, Z", "Kaster, VWV", "BUNDALAGUAH, VIC") */
    const struct lex_entry *le = word_lex(c, i, w);
    bool caps = true;
    for (size_t q = i; q < w && caps; q++) caps = is_upper((unsigned char)c->text[q]);
    if ((caps && (w - i == 2 || (w - i <= 3 && pending_city && commas))) ||
        (le && (le->flags & LF_REGION) && capital_word(c, i, w))) {
      if (pending_city) best = city_end;
      e = best = w;
      pending_city = false;
      parts++;
      continue;
    }
    /* city or country: up to 3 capitalized words; in a lower-case address, a known place */
    if (!capital_word(c, i, w)) {
      /* "chicago il 60601", "jamison pa 18929": a town of up to 3 words in lower case before a
       * state and a ZIP code in lower case */
      size_t z = lower_state_zip(c, i);
      for (size_t q = w; z == i && q + 1 < c->len && c->text[q] == ' ' && q - i < 40;) {
        size_t v = word_end(c, q + 1);
        if (v == q + 1 || !(c->text[q + 1] >= 'a' && c->text[q + 1] <= 'z')) break;
        z = lower_state_zip(c, q + 1);
        if (z > q + 1) break;
        z = i;
        q = v;
      }
      if (z > i) {
        e = best = z;
        pending_city = false;
        parts++;
        continue;
      }
      size_t lp = lower_place(c, i, w);
      /* a word in lower case alone on its line ("marke"): a town if what follows confirms it */
      if (lp == i && nls && !pending_city && (w >= c->len || c->text[w] == '\n') && deid_addr_foreign_lower(c, i, w)) {
        pending_city = true;
        city_end = e = w;
        parts++;
        continue;
      }
      if (lp == i) break;
      if (pending_city) best = city_end;
      e = best = lp;
      pending_city = false;
      parts++;
      continue;
    }
    int run_words;
    size_t k = place_run(c, i, w, &run_words);
    /* a place followed by a postal code ("Greenlander 52888", "Cyprus (Greek) 13475"): a
     * country or region closing the address; it confirms the city before it */
    if (k + 1 < c->len && c->text[k] == ' ' && is_alnum((unsigned char)c->text[k + 1])) {
      size_t pk = deid_addr_postal_code(c, k + 1);
      if (pk > k + 1 && pk - k - 1 >= 4) {
        if (pending_city) best = city_end;
        e = best = pk;
        pending_city = false;
        parts++;
        continue;
      }
    }
    /* "POLSING OO", "Veszprém VE": a city and a state's two capitals */
    if (run_words >= 2 && k - 2 > i && c->text[k - 3] == ' ' && is_upper((unsigned char)c->text[k - 2]) &&
        is_upper((unsigned char)c->text[k - 1])) {
      if (pending_city) best = city_end;
      e = best = k;
      pending_city = false;
      parts++;
      continue;
    }
    char f[96];
    size_t fl = deid_fold(c->text + i, k - i, f, sizeof f);
    const struct lex_entry *ce = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
    /* "Coalville South Africa": a city, then a country or state in the same run */
    size_t tail = k;
    if (!ce) {
      for (size_t q = i; q < k; q++) {
        if (c->text[q] != ' ') continue;
        size_t tl = deid_fold(c->text + q + 1, k - q - 1, f, sizeof f);
        const struct lex_entry *te = tl <= sizeof f ? deid_lex_get(f, tl) : NULL;
        if (te && (te->flags & (LF_COUNTRY | LF_REGION))) {
          tail = q;
          break;
        }
      }
    }
    if (tail < k) {
      e = best = k;
      pending_city = false;
      parts++;
      continue;
    }
    /* "Today", "Please" end the address; "Los Osos", "Le Mans" do not */
    if (le && ((le->flags & LF_TIME) || ((le->flags & LF_STOP) && le->wf && le->wf <= 2)) &&
        !(ce && (ce->flags & (LF_CITY | LF_COUNTRY))))
      break;
    if (ce && (ce->flags & LF_COUNTRY) && !(ce->flags & LF_CITY)) {
      if (pending_city) best = city_end;
      e = best = k;
      pending_city = false;
      parts++;
      continue;
    }
    /* a city counts when it is set apart (comma, line break) or known, and is confirmed by
     * what follows (state, postal code, country) or by being known */
    if (pending_city) break; /* two cities in a row: not an address any more */
    pending_city = true;
    city_end = k;
    /* set apart (comma, line break) and known, or on its own line: a city; else it waits for
     * a state, postal code or country to confirm it */
    if ((ce && (ce->flags & LF_CITY) && sep) || nls) best = k;
    /* after a comma, closing the sentence or the text: "31 Seneca Place, Marshland." */
    if (commas && (k >= c->len || c->text[k] == '\n' || c->text[k] == '\r' ||
                   ((c->text[k] == '.' || c->text[k] == '?' || c->text[k] == '!' || c->text[k] == ';') &&
                    (k + 1 >= c->len || c->text[k + 1] == ' ' || c->text[k + 1] == '\n' || c->text[k + 1] == '"'))))
      best = k;
    e = k;
    parts++;
  }
  return best;
}

/* Before an address: a unit ("Apt. 675 ") or a stray number ("6750 Koskikatu 25"). */
size_t deid_addr_extend_back(const struct deid_vctx *c, size_t s) {
  size_t i = s;
  while (i > 0 && c->text[i - 1] == ' ') i--;
  size_t j = i;
  while (j > 0 && is_alnum((unsigned char)c->text[j - 1])) j--;
  if (j == i || i == s) return s;
  if (all_digits(c->text + j, i - j) && i - j <= 6 && (j == 0 || !wordc(c, j - 1))) {
    /* "Apt. 675 62314 Mellemvej 32": a unit before the number too */
    size_t k = j;
    while (k > 0 && c->text[k - 1] == ' ') k--;
    if (k > 0 && c->text[k - 1] == '.') k--;
    size_t u = k;
    while (u > 0 && is_alpha((unsigned char)c->text[u - 1])) u--;
    if (u < k && word_in(c, u, k, unit_words, true)) return u;
    return j;
  }
  return s;
}


bool deid_addr_particle(const struct deid_vctx *c, size_t a, size_t b) {
  return word_in(c, a, b, place_particles, false);
}

bool deid_addr_unit_word(const struct deid_vctx *c, size_t a, size_t b) { return word_in(c, a, b, unit_words, true); }
