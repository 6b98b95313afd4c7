/* validate_address_zip.c: a US street line found back from its town, state and ZIP code
 * ("123 Maple Club, Springfield, IL 62704", "771 Tran River Apt. 4\nNew Sarah, OH 44101"):
 * the street's type may be any word (USPS has 200 of them, many common nouns: Club, River,
 * Bridge, Mountains), since the state and ZIP after it say it is an address. */
#include "validate_words.h"

static const char *const us_states[] = {
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
  "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
  "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP", "AA",
  "AE", "AP", NULL};

/* Words of a street line between its name and the town: units and their numbers ("Apt. 321",
 * "Suite 9", "#5", "Unit 4B"). */
static bool unit_or_number(const struct deid_vctx *c, size_t a, size_t b) {
  if (c->text[a] == '#') return true;
  if (b > a + 1 && c->text[b - 1] == '.') b--;
  if (deid_addr_unit_word(c, a, b)) return true;
  size_t d = a;
  while (d < b && is_digit((unsigned char)c->text[d])) d++;
  return d > a && b - d <= 1;
}

/* The start of the word that ends at i (words of the street line: letters, digits, ' - . #). */
static size_t word_back(const struct deid_vctx *c, size_t i) {
  while (i > 0 && (wordc(c, i - 1) || c->text[i - 1] == '\'' || c->text[i - 1] == '-' || c->text[i - 1] == '.' ||
                   c->text[i - 1] == '#'))
    i--;
  return i;
}

/* NOSOM ", IL 62704" ending at e: back over the state, the town (1-3 capitalized words, after
 * ", " or a line break), then the street line: units, then 1-4 name words, each capitalized or
 * an ordinal, then a house number of 1-6 digits at a word's start. */
enum ds_status deid_validate_address_zip(struct deid_vctx *c, size_t e) {
  size_t z = e;
  while (z > 0 && (is_digit((unsigned char)c->text[z - 1]) || c->text[z - 1] == '-')) z--;
  if (z < 6 || c->text[z - 1] != ' ') return DS_OK;
  size_t st = z - 1;
  if (c->text[st - 1] == ',') st--;
  st -= 2; /* the state's two capitals */
  if (st < 4 || !word_in(c, st, st + 2, us_states, false) || c->text[st - 1] != ' ' || c->text[st - 2] != ',')
    return DS_OK;
  /* the town: capitalized words back to ", " or a line break */
  size_t i = st - 2, t = SIZE_MAX;
  for (int words = 0; words < 3; words++) {
    size_t j = word_back(c, i);
    if (j == i || !capital_word(c, j, i)) break;
    t = j;
    if (j < 2 || c->text[j - 1] != ' ' || c->text[j - 2] == ',') break;
    i = j - 1;
  }
  if (t == SIZE_MAX) return DS_OK;
  size_t p; /* the street line's end */
  if (t >= 1 && c->text[t - 1] == '\n') p = t - 1;
  else if (t >= 2 && c->text[t - 1] == ' ' && c->text[t - 2] == ',') p = t - 2;
  else return DS_OK;
  if (p > 0 && c->text[p - 1] == '\r') p--;
  /* the street line, from its end back */
  size_t k = p;
  int name_words = 0;
  for (int words = 0; words < 10 && k > 0; words++) {
    size_t j = word_back(c, k);
    if (j == k) return DS_OK;
    if (name_words > 0 && k - j <= 6 && all_digits(c->text + j, k - j)) { /* the house number */
      if (j > 0 && (wordc(c, j - 1) || c->text[j - 1] == '$' || c->text[j - 1] == '.' || c->text[j - 1] == '-'))
        return DS_OK;
      return deid_push(c, j, e, T_ADDRESS);
    }
    if (name_words == 0 && unit_or_number(c, j, k)) {
      /* a unit after the name */
    } else if (street_name_word(c, j, k)) {
      if (++name_words > 4) return DS_OK;
    } else {
      return DS_OK;
    }
    if (j == 0 || c->text[j - 1] != ' ') return DS_OK;
    k = j - 1;
  }
  return DS_OK;
}
