/* validate_date.c: validators of dates of birth and other dates tied to a person, numbers
 * named by a label (driver's licence, passport, medical record, account, other identifiers)
 * and ages over 89. Addresses are in validate_place.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deid_int.h"

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static bool wordc(const struct deid_vctx *c, size_t i) {
  unsigned char ch = (unsigned char)c->text[i];
  return is_alnum(ch) || ch >= 0x80;
}

/* The word (letters, digits, UTF-8, inner ' - .) starting at i; its end. */
static size_t word_end(const struct deid_vctx *c, size_t i) {
  size_t j = i;
  while (j < c->len && (wordc(c, j) || ((c->text[j] == '\'' || c->text[j] == '-') && j + 1 < c->len && wordc(c, j + 1) && j > i)))
    j++;
  return j;
}

/* ---- dates ------------------------------------------------------------------------------- */

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                     "nov", "dec", NULL};

static int month_at(const struct deid_vctx *c, size_t i, size_t *out_end) {
  size_t j = i;
  while (j < c->len && is_alpha((unsigned char)c->text[j])) j++;
  if (j - i < 3) return 0;
  char m[4] = {(char)tolower((unsigned char)c->text[i]), (char)tolower((unsigned char)c->text[i + 1]),
               (char)tolower((unsigned char)c->text[i + 2]), 0};
  for (int k = 0; months[k]; k++)
    if (!strcmp(m, months[k])) {
      static const char *const full[] = {"january", "february", "march", "april", "may", "june", "july",
                                         "august", "september", "october", "november", "december"};
      size_t n = j - i;
      if (n > 3 && !(n == 4 && c->text[i + 3] == 't') && strncasecmp(c->text + i, full[k], n)) return 0;
      if (n > strlen(full[k])) return 0;
      *out_end = j < c->len && c->text[j] == '.' ? j + 1 : j;
      return k + 1;
    }
  return 0;
}

/* The extent of a date starting at i: numeric (2/8/1935, 1978-04-13, 13.04.1978) or with a
 * month name (April 5, 1990; 5th of April 1990; Apr 5), with a time of day after it. */
static size_t date_end(const struct deid_vctx *c, size_t i, bool *out_full) {
  *out_full = false;
  size_t j = i;
  size_t me;
  if (j < c->len && is_digit((unsigned char)c->text[j])) {
    size_t k = j;
    while (k < c->len && (is_digit((unsigned char)c->text[k]) || c->text[k] == '/' || c->text[k] == '-' ||
                          c->text[k] == '.'))
      k++;
    while (k > j && !is_digit((unsigned char)c->text[k - 1])) k--;
    if (deid_looks_like_date(c->text + j, k - j)) {
      *out_full = true;
      j = k;
    } else {
      /* "5 April 1990", "5th of April" */
      size_t d = j;
      while (d < c->len && is_digit((unsigned char)c->text[d])) d++;
      if (d - j > 2) return i;
      if (d + 2 <= c->len && (!strncmp(c->text + d, "st", 2) || !strncmp(c->text + d, "nd", 2) ||
                              !strncmp(c->text + d, "rd", 2) || !strncmp(c->text + d, "th", 2)))
        d += 2;
      if (d < c->len && c->text[d] == ' ') d++;
      if (d + 3 <= c->len && !strncmp(c->text + d, "of ", 3)) d += 3;
      if (!month_at(c, d, &me)) return i;
      j = me;
      size_t y = j;
      if (y < c->len && c->text[y] == ',') y++;
      if (y < c->len && c->text[y] == ' ') y++;
      size_t ye = y;
      while (ye < c->len && is_digit((unsigned char)c->text[ye])) ye++;
      if (ye - y == 4) j = ye;
      *out_full = true;
    }
  } else if (month_at(c, j, &me)) {
    size_t d = me;
    if (d < c->len && c->text[d] == ' ') d++;
    size_t de = d;
    while (de < c->len && is_digit((unsigned char)c->text[de])) de++;
    if (de == d || de - d > 2) return i;
    int day = deid_digits(c->text + d, de - d);
    if (day < 1 || day > 31) return i;
    j = de;
    if (j + 2 <= c->len && (!strncmp(c->text + j, "st", 2) || !strncmp(c->text + j, "nd", 2) ||
                            !strncmp(c->text + j, "rd", 2) || !strncmp(c->text + j, "th", 2)))
      j += 2;
    size_t y = j;
    if (y < c->len && c->text[y] == ',') y++;
    if (y < c->len && c->text[y] == ' ') y++;
    size_t ye = y;
    while (ye < c->len && is_digit((unsigned char)c->text[ye])) ye++;
    if (ye - y == 4 && (ye >= c->len || !wordc(c, ye))) j = ye;
    *out_full = true;
  } else {
    return i;
  }
  if (j < c->len && wordc(c, j)) return i;
  /* a time of day: " 11:34:35", "T12:00:00Z", " at 3pm" (not the last) */
  size_t t = j;
  if (t < c->len && (c->text[t] == ' ' || c->text[t] == 'T')) t++;
  size_t h = t;
  while (h < c->len && is_digit((unsigned char)c->text[h])) h++;
  if (h > t && h - t <= 2 && h < c->len && c->text[h] == ':') {
    size_t k = h;
    while (k < c->len && (is_digit((unsigned char)c->text[k]) || c->text[k] == ':' || c->text[k] == '.')) k++;
    if (k < c->len && c->text[k] == 'Z') k++;
    j = k;
  }
  return j;
}

/* Pronouns tie a date to a person only near it ("my birthday is on May 3", not "Based on my
 * search, here is the news of May 3"); the other words anywhere in its sentence. */
static const char *const pronoun_cues[] = {
  "i ", "i'", "me ", "me.", "me,", "my ", "mine", "we ", "our ", "us ", "he ", "him", "his ", "she ", "her ",
  "hers", "they ", "them", "their", "you ", "your", NULL};
static const char *const person_cues[] = {
  "born", "birth", "died", "death", "passed away", "married",
  "wedding", "divorce", "appointment", "visit", "admitted", "admission", "discharge", "surgery", "diagnos",
  "hospital", "patient", "flew", "flight", "arriv", "depart", "travel", "trip", "hired", "joined", "graduat",
  "moved", "anniversary", "dob", "date:", "when:", "name:", "mr.", "mrs.", "ms.", "dr.", "son ", "daughter",
  "wife", "husband", "mother", "father", "mom", "dad", "brother", "sister", "baby", "child", "kid", "employee",
  "customer ", "customer,", "customer.", "customer'", "client", "tenant", "member", "student", "passenger",
  "booking", "reservation", "check-in", "check in", "check-out", "leave", "vacation", "interview", "started",
  "quit", "fired", "lease", NULL};

/* Lower-cased text of [a, b) with the date [s, e) left out as "|", padded with spaces. */
static void date_window(const struct deid_vctx *c, size_t a, size_t b, size_t s, size_t e, char *win, size_t cap) {
  size_t n = 0;
  win[n++] = ' ';
  for (size_t i = a; i < b && n + 2 < cap; i++) {
    if (i == s) {
      win[n++] = '|';
      i = e - 1;
      continue;
    }
    win[n++] = (char)tolower((unsigned char)c->text[i]);
  }
  win[n++] = ' ';
  win[n] = 0;
}

/* A date tied to a person: a personal word in its sentence, or a pronoun near it. Dates with
 * a label (birth, "Date:", "When:") always count. */
static bool tied_to_person(const struct deid_vctx *c, size_t s, size_t e) {
  size_t a = s, b = e;
  while (a > 0 && s - a < 160 && !(c->text[a - 1] == '\n' || ((c->text[a - 1] == '.' || c->text[a - 1] == '!' ||
                                                                c->text[a - 1] == '?') && a < s && c->text[a] == ' ')))
    a--;
  while (b < c->len && b - e < 120 && c->text[b] != '\n' && !(c->text[b] == '.' && b + 1 < c->len && c->text[b + 1] == ' '))
    b++;
  char win[300];
  date_window(c, a, b, s, e, win, sizeof win);
  if (deid_has_word(win, person_cues)) return true;
  date_window(c, s - a > 40 ? s - 40 : a, b - e > 24 ? e + 24 : b, s, e, win, sizeof win);
  return deid_has_word(win, pronoun_cues);
}

static enum ds_status v_date(struct deid_vctx *c, size_t s, size_t e) {
  DS_UNUSED(e);
  if (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '/' || c->text[s - 1] == '-' || c->text[s - 1] == '.' ||
                c->text[s - 1] == ':'))
    return DS_OK;
  bool full;
  size_t end = date_end(c, s, &full);
  if (end == s || !full) return DS_OK;
  if (end < c->len && (c->text[end] == '/' || (c->text[end] == '-' && end + 1 < c->len && is_digit((unsigned char)c->text[end + 1]))))
    return DS_OK;
  /* a labeled date of birth is the DOB pattern's; this one needs a person */
  if (!tied_to_person(c, s, end)) return DS_OK;
  return deid_push(c, s, end, T_DATE);
}

static enum ds_status v_dob(struct deid_vctx *c, size_t e) {
  while (e < c->len && (c->text[e] == ' ' || c->text[e] == '\t' || c->text[e] == ':' || c->text[e] == '-' ||
                        c->text[e] == '='))
    e++;
  if (e + 3 <= c->len && !strncasecmp(c->text + e, "is ", 3)) e += 3;
  if (e + 3 <= c->len && !strncasecmp(c->text + e, "on ", 3)) e += 3;
  bool full;
  size_t end = date_end(c, e, &full);
  if (end == e) return DS_OK;
  return deid_push(c, e, end, T_DOB);
}

/* ---- numbers named by a label ----------------------------------------------------------- */

static enum ds_status v_labeled_id(struct deid_vctx *c, int type, size_t e) {
  static const char *const fillers[] = {"number", "numbers", "no", "no.", "num", "nr", "nbr", "#", "is", "was",
                                        "id", "of", "code", "ending", "in", "reads", ":", NULL};
  size_t i = e;
  for (int rounds = 0; rounds < 6; rounds++) {
    while (i < c->len && (c->text[i] == ' ' || c->text[i] == '\t' || c->text[i] == ':' || c->text[i] == '=' ||
                          c->text[i] == '#' || c->text[i] == '-' || c->text[i] == '"' || c->text[i] == '\''))
      i++;
    size_t w = word_end(c, i);
    if (w < c->len && c->text[w] == '.' && w - i == 2) w++;
    bool filler = false;
    for (const char *const *f = fillers; *f; f++)
      if (strlen(*f) == w - i && !strncasecmp(c->text + i, *f, w - i)) filler = true;
    if (!filler || w == i) break;
    i = w;
  }
  /* the value: alphanumeric groups joined by - . / or one space before a digit group */
  size_t s = i, j = i;
  size_t digits = 0, letters = 0;
  while (j < c->len && j - s < 32) {
    unsigned char ch = (unsigned char)c->text[j];
    if (is_digit(ch)) digits++;
    else if (is_alpha(ch)) letters++;
    else if ((ch == '-' || ch == '.' || ch == '/' || ch == ' ') && j > s && j + 1 < c->len &&
             is_alnum((unsigned char)c->text[j + 1]) && (ch != ' ' || is_digit((unsigned char)c->text[j + 1])) &&
             (ch != '.' || is_digit((unsigned char)c->text[j - 1])))
      ;
    else break;
    j++;
  }
  if (j < c->len && wordc(c, j)) return DS_OK;
  if (digits < 3 || j - s < 4 || (letters > digits * 3)) return DS_OK;
  /* a year or a small count is not an identifier */
  if (!letters && digits == 4 && j - s == 4) return DS_OK;
  return deid_push(c, s, j, type);
}

/* ---- ages over 89 ------------------------------------------------------------------------- */

static enum ds_status v_age(struct deid_vctx *c, int kind, size_t s, size_t e) {
  size_t a, b;
  if (kind == K_AGE) { /* "93 years old", "93-year-old", "93 y/o": the number starts the match */
    a = s;
    b = s;
    while (b < e && is_digit((unsigned char)c->text[b])) b++;
  } else { /* "aged 93", "turned 93": the number ends it */
    b = e;
    a = e;
    while (a > s && is_digit((unsigned char)c->text[a - 1])) a--;
  }
  if (b == a || b - a > 3 || (a > 0 && wordc(c, a - 1)) || (b < c->len && wordc(c, b))) return DS_OK;
  int age = deid_digits(c->text + a, b - a);
  if (age < 90 || age > 125) return DS_OK;
  return deid_push(c, a, b, T_AGE);
}

enum ds_status deid_validate_date(struct deid_vctx *c, int kind, int type, size_t s, size_t e) {
  switch (kind) {
  case K_DOB: return v_dob(c, e);
  case K_DATE: return v_date(c, s, e);
  case K_LABELED_ID: return v_labeled_id(c, type, e);
  case K_AGE:
  case K_AGE_LABEL: return v_age(c, kind, s, e);
  }
  return DS_OK;
}
