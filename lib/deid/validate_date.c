/* validate_date.c: validators of dates of birth and other dates tied to a person, numbers
 * named by a label (driver's licence, passport, medical record, account, other identifiers)
 * and ages of a person. Addresses are in validate_place.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "validate_words.h"

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
      /* the dot of an abbreviation ("Sept.", "Dec."), not a full stop after "May" */
      *out_end = j < c->len && c->text[j] == '.' && n < strlen(full[k]) ? j + 1 : j;
      return k + 1;
    }
  return 0;
}

/* Whether a day exists in month m (1-12): "February 30" is no date. */
static bool day_ok(int day, int m) {
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m >= 1 && m <= 12 && day >= 1 && day <= days[m - 1];
}

/* "may" in lower case at [i, e): a verb unless a year says otherwise. */
static bool lower_may(const struct deid_vctx *c, size_t i, size_t e) {
  return e - i == 3 && !strncmp(c->text + i, "may", 3);
}

static size_t ordinal_end(const struct deid_vctx *c, size_t j) {
  if (j + 2 <= c->len && (!strncasecmp(c->text + j, "st", 2) || !strncasecmp(c->text + j, "nd", 2) ||
                          !strncasecmp(c->text + j, "rd", 2) || !strncasecmp(c->text + j, "th", 2)))
    return j + 2;
  return j;
}

/* The end of a year after a day and month ending at j ("5 April, 1990", "23-Jul-2021",
 * "Jul-23-21"), or j. Two-digit years only after - or /. */
static size_t year_end(const struct deid_vctx *c, size_t j) {
  size_t y = j;
  char sep = y < c->len ? c->text[y] : 0;
  if (sep == '-' || sep == '/') {
    y++;
  } else {
    if (y < c->len && c->text[y] == ',') y++;
    if (y < c->len && c->text[y] == ' ') y++;
  }
  size_t ye = y;
  while (ye < c->len && is_digit((unsigned char)c->text[ye])) ye++;
  if (ye < c->len && wordc(c, ye)) return j;
  if (ye - y == 4 || (ye - y == 2 && (sep == '-' || sep == '/'))) return ye;
  return j;
}

/* The end of a time of day after a date ending at j: " 11:34:35", "T12:00:00Z", ", 3:45 PM",
 * " at 10:30"; or j. */
static size_t time_end(const struct deid_vctx *c, size_t j) {
  size_t t = j;
  if (t + 1 < c->len && c->text[t] == ',' && c->text[t + 1] == ' ') t++;
  if (t < c->len && (c->text[t] == ' ' || c->text[t] == 'T')) t++;
  if (t + 3 <= c->len && !strncasecmp(c->text + t, "at ", 3)) t += 3;
  size_t h = t;
  while (h < c->len && is_digit((unsigned char)c->text[h])) h++;
  if (!(h > t && h - t <= 2 && h + 1 < c->len && c->text[h] == ':' && is_digit((unsigned char)c->text[h + 1])))
    return j;
  size_t k = h;
  while (k < c->len && (is_digit((unsigned char)c->text[k]) || c->text[k] == ':' ||
                        (c->text[k] == '.' && k + 1 < c->len && is_digit((unsigned char)c->text[k + 1]))))
    k++;
  if (k < c->len && c->text[k] == 'Z') k++;
  size_t m = k < c->len && c->text[k] == ' ' ? k + 1 : k;
  if (m + 2 <= c->len && (c->text[m] == 'a' || c->text[m] == 'A' || c->text[m] == 'p' || c->text[m] == 'P') &&
      (c->text[m + 1] == 'm' || c->text[m + 1] == 'M') && (m + 2 == c->len || !wordc(c, m + 2)))
    k = m + 2;
  return k;
}

/* The extent of a date starting at i: numeric (2/8/1935, 1978-04-13, 13.04.1978) or with a
 * month name (April 5, 1990; 5th of April 1990; Apr 5; 23-Jul-2021; March the 5th; June
 * 2019), with a time of day after it. out_full: a day and a month, or a month and a year. */
static size_t date_end(const struct deid_vctx *c, size_t i, bool *out_full) {
  *out_full = false;
  size_t j = i;
  size_t me;
  int mon;
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
      /* "5 April 1990", "5th of April", "23-Jul-2021" */
      size_t d = j;
      while (d < c->len && is_digit((unsigned char)c->text[d])) d++;
      if (d - j > 2) return i;
      size_t o = ordinal_end(c, d);
      if (o < c->len && (c->text[o] == ' ' || (o == d && (c->text[o] == '-' || c->text[o] == '/')))) o++;
      if (o + 3 <= c->len && !strncmp(c->text + o, "of ", 3)) o += 3;
      mon = month_at(c, o, &me);
      if (!mon || !day_ok(deid_digits(c->text + j, d - j), mon)) return i;
      j = year_end(c, me);
      if (j == me && lower_may(c, o, me)) return i; /* "option 2 may work" */
      *out_full = true;
    }
  } else if ((mon = month_at(c, j, &me)) != 0) {
    size_t d = me;
    char sep = d < c->len ? c->text[d] : 0;
    if (sep == '-' || sep == '/') d++;
    else if (sep == ',' && d + 1 < c->len && c->text[d + 1] == ' ') d += 2;
    else if (sep == ' ') d++;
    else return i;
    if (sep == ' ' && d + 4 <= c->len && !strncasecmp(c->text + d, "the ", 4)) d += 4; /* "March the 5th" */
    size_t de = d;
    while (de < c->len && is_digit((unsigned char)c->text[de])) de++;
    int year = de - d == 4 ? deid_digits(c->text + d, 4) : 0;
    if (year >= 1900 && year <= 2099 && (de >= c->len || !wordc(c, de))) {
      j = de; /* a month and a year: "June 2019", "Aug. 2017" */
    } else if (lower_may(c, j, me)) {
      return i; /* "you may 2 ..." */
    } else {
      if (de == d || de - d > 2) return i;
      if (!day_ok(deid_digits(c->text + d, de - d), mon)) return i;
      j = ordinal_end(c, de);
      if ((sep == '-' || sep == '/') && (j >= c->len || c->text[j] != sep)) return i; /* "Jul-23-2021" whole */
      j = year_end(c, j);
    }
    *out_full = true;
  } else {
    return i;
  }
  if (j < c->len && wordc(c, j) && !(c->text[j] == 'T' && j + 1 < c->len && is_digit((unsigned char)c->text[j + 1])))
    return i;
  size_t t = time_end(c, j);
  return t == j && j < c->len && c->text[j] == 'T' ? i : t;
}

/* Words that tie a date to a person wherever they are in its sentence: events of a life,
 * records about a person, people. They outweigh the technical words below. */
static const char *const person_cues[] = {
  "born", "birth", "bday", "b-day", "died", "death", "passed away", "funeral", "married", "wedding", "engaged",
  "divorce", "pregnan", "due date", "appointment", "admitted", "admission", "discharge", "surgery", "operation",
  "diagnos", "hospital", "patient", "doctor", "dentist", "clinic", "treatment", "hired", "graduat", "anniversary",
  "dob", "mr.", "mrs.", "ms.", "dr.", "son ", "son'", "sons", "daughter", "wife", "husband", "mother", "father",
  "mom", "mum", "dad", "brother", "sister", "grandm", "grandf", "grandp", "aunt", "uncle", "cousin", "nephew",
  "niece", "fianc", "boyfriend", "girlfriend", "partner's", "baby", "child", "kid", "tenant", "passenger",
  "resign", "retire", "fired", "laid off", "got ", "arrested", "sentenced", "court date", "hearing", NULL};
/* Words that tie a date to a person unless the sentence is technical or public. */
static const char *const weak_cues[] = {
  "visit", "flew", "fly ", "flies", "flying", "flight", "arriv", "depart", "travel", "trip", "joined", "started",
  "moved", "leave", "vacation", "booking", "booked", "reservation", "check-in", "check in", "check-out",
  "interview", "quit", "lease", "rent", "customer ", "customer,", "customer.", "customer'", "client", "member",
  "student", "employee", "meet", "met ", "party", "dinner", "date:", "when:", "name:", "expir", "renew", "paid",
  "payment", "order", "delivery", "shift ", "class", "exam", "lesson", "session", NULL};
/* Words of technical text, publications and public events: a date there is not a person's
 * ("Version 2.4 was released on ...", "As of my last update in January 2022", "the news of
 * May 3") unless a word of person_cues says otherwise. */
static const char *const tech_cues[] = {
  "release", "version", "changelog", "last update", "updated:", "update:", "deprecat", "publish", "commit",
  "merge", "cutoff", "cut-off", "knowledge", "launch", "announc", "format", "timestamp", "iso ", "iso-", "utc",
  "gmt", "error", "warn", "debug", "api", "sdk", "library", "npm", "pip ", "patch", "deploy", "build",
  "log ", "logs", "copyright", "article", "news", "paper", "journal", "blog", "posted", "stock market",
  "stock price", "shares", "government", "president", "minister", "election", "treaty", "war ", "battle",
  "founded", "inc.", "ltd", "act of", "law ", "court ", "mission", "board ", "committee", "council", "album",
  "film", "movie", "season", "episode", "festival", "history", "historical", "happened", "century",
  "earthquake", "hurricane", "attack", "dataset", "column", "query", "example", "e.g.", "sample", "template",
  "current date", "holidays", "national day", "calendar", "headline", "industry", NULL};
/* Pronouns and possessives of a person: anywhere in the sentence, except the second person
 * (everywhere in requests to an assistant: "Can you summarize the article of May 3?"),
 * which counts only near the date; "they", "them" are as often things as people. */
static const char *const pronoun_cues[] = {
  "i ", "i'", "me ", "me.", "me,", "my ", "mine", "we ", "we'", "our ", "us ", "us.", "us,", "he ", "he'",
  "him", "his ", "she ", "she'", "her ", "hers", NULL};
static const char *const near_cues[] = {"you ", "you'", "you,", "you.", "your", NULL};

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

/* A person named in [a, b) outside the date [s, e): a capitalized word followed by 's
 * ("Kim's wedding"), or a frequent first name or surname of the lexicon that is no common word. Names
 * found by the name rules come later (scan.c runs validators first); this is their cheap part. */
static bool names_person(const struct deid_vctx *c, size_t a, size_t b, size_t s, size_t e) {
  static const char *const not_names[] = {"it", "let", "that", "what", "there", "here", "today", "tomorrow",
                                          "yesterday", "who", "where", "he", "she", "this", "everyone", NULL};
  bool first = true;
  for (size_t i = a; i < b;) {
    if (!wordc(c, i)) {
      first = first && !is_alnum((unsigned char)c->text[i]) && (c->text[i] == ' ' || c->text[i] == '\n' ||
                                                                c->text[i] == '"' || c->text[i] == '(');
      i++;
      continue;
    }
    size_t w = word_end(c, i);
    bool cap = c->text[i] >= 'A' && c->text[i] <= 'Z' && w - i >= 2 && c->text[i + 1] >= 'a' && c->text[i + 1] <= 'z';
    if (cap && (i >= e || w <= s)) {
      size_t n = w - i;
      if (n > 2 && c->text[w - 2] == '\'' && (c->text[w - 1] == 's' || c->text[w - 1] == 'S')) {
        bool stop = false;
        for (const char *const *x = not_names; *x; x++)
          stop |= strlen(*x) == n - 2 && !strncasecmp(c->text + i, *x, n - 2);
        if (!stop) return true;
      } else {
        /* at a sentence start, only a frequent name that is a rare word ("Maria is 29") */
        const struct lex_entry *le = deid_lex_word(c->text + i, n);
        if (le && (le->fn >= (first ? 5 : 3) || le->sn >= (first ? 5 : 4)) && (!le->wf || le->wf >= (first ? 3 : 4)) &&
            !(le->flags & (LF_TIME | LF_STOP | LF_CITY | LF_COUNTRY | LF_REGION | LF_ORG | LF_STREET | LF_PUBLIC)))
          return true;
      }
    }
    first = false;
    i = w;
  }
  return false;
}

/* How strongly a date is tied to a person: 3 a personal word in its sentence; in a sentence
 * with no technical word, 2 a personal word of the weak kind, 1 a first- or third-person
 * pronoun, a person named, or a second-person pronoun near it; else 0. */
static int tied_to_person(const struct deid_vctx *c, size_t s, size_t e) {
  size_t a = s, b = e;
  while (a > 0 && s - a < 160 && !(c->text[a - 1] == '\n' || ((c->text[a - 1] == '.' || c->text[a - 1] == '!' ||
                                                                c->text[a - 1] == '?') && a < s && c->text[a] == ' ')))
    a--;
  while (b < c->len && b - e < 120 && c->text[b] != '\n' &&
         !((c->text[b] == '.' || c->text[b] == '!' || c->text[b] == '?') && (b + 1 == c->len || c->text[b + 1] == ' ')))
    b++;
  char win[300];
  date_window(c, a, b, s, e, win, sizeof win);
  if (deid_has_word(win, person_cues)) return 3;
  if (deid_has_word(win, tech_cues)) return 0;
  if (deid_has_word(win, weak_cues)) return 2;
  if (deid_has_word(win, pronoun_cues) || names_person(c, a, b, s, e)) return 1;
  date_window(c, s - a > 40 ? s - 40 : a, b - e > 24 ? e + 24 : b, s, e, win, sizeof win);
  return deid_has_word(win, near_cues) ? 1 : 0;
}

/* "on 5/3", "from 3/14 to 3/18": a day and a month in figures after the preposition at s
 * (either order); its end, or s. Fractions read the same ("cut it by 1/3"), so these need a
 * personal word, not a pronoun only; a month alone after a preposition ("married in June")
 * needs a word of the strong kind. */
static size_t short_date_end(const struct deid_vctx *c, size_t s) {
  size_t i = s;
  while (i < c->len && is_alpha((unsigned char)c->text[i])) i++;
  if (i >= c->len || c->text[i] != ' ') return s;
  size_t a = ++i;
  while (i < c->len && is_digit((unsigned char)c->text[i])) i++;
  if (i - a < 1 || i - a > 2 || i >= c->len || c->text[i] != '/') return s;
  size_t b = ++i;
  while (i < c->len && is_digit((unsigned char)c->text[i])) i++;
  if (i - b < 1 || i - b > 2) return s;
  if (i < c->len && (wordc(c, i) || c->text[i] == '/' || c->text[i] == '-' ||
                     (c->text[i] == '.' && i + 1 < c->len && is_digit((unsigned char)c->text[i + 1]))))
    return s;
  int x = deid_digits(c->text + a, i - a), y = deid_digits(c->text + b, i - b);
  return (x <= 12 && day_ok(y, x)) || (y <= 12 && day_ok(x, y)) ? i : s;
}

static enum ds_status v_date(struct deid_vctx *c, size_t s, size_t e) {
  size_t end;
  if (s == e) { /* " 5/3" (a pattern without a start): back to the preposition before it */
    static const char *const preps[] = {"on", "from", "to", "until", "till", "by", "before", "after", "since", NULL};
    size_t at = e;
    while (at > 0 && (is_digit((unsigned char)c->text[at - 1]) || c->text[at - 1] == '/')) at--;
    if (at < 2 || c->text[at - 1] != ' ') return DS_OK;
    s = at - 1;
    while (s > 0 && is_alpha((unsigned char)c->text[s - 1])) s--;
    if (!word_in(c, s, at - 1, preps, true) || (s > 0 && wordc(c, s - 1))) return DS_OK;
  }
  if (s > 0 && (wordc(c, s - 1) || c->text[s - 1] == '/' || c->text[s - 1] == '-' || c->text[s - 1] == '.' ||
                c->text[s - 1] == ':'))
    return DS_OK;
  if (is_alpha((unsigned char)c->text[s]) && !month_at(c, s, &end)) { /* "on 5/3", "in June" */
    size_t at = word_end(c, s) + 1;
    bool full;
    int need = 2;
    if (at < c->len && month_at(c, at, &end)) { /* a month alone, when date_end finds no more */
      if (date_end(c, at, &full) != at || lower_may(c, at, end)) return DS_OK;
      if (end > at && c->text[end - 1] == '.') end--;
      need = 3; /* "we got married in June"; not "visit from December to May" */
    } else {
      end = short_date_end(c, s);
    }
    return end > at && tied_to_person(c, at, end) >= need ? deid_push(c, at, end, T_DATE) : DS_OK;
  }
  bool full;
  end = date_end(c, s, &full);
  if (end == s || !full) return DS_OK;
  if (end < c->len && (c->text[end] == '/' ||
                       (c->text[end] == '-' && end + 1 < c->len && is_digit((unsigned char)c->text[end + 1]))))
    return DS_OK;
  /* a labeled date of birth is the DOB pattern's; this one needs a person */
  if (!tied_to_person(c, s, end)) return DS_OK;
  return deid_push(c, s, end, T_DATE);
}

/* A date of birth after its label: a full date, a day and a month ("11/07" too), or a month
 * alone ("born in March": a date element HIPAA removes). A year alone is kept. */
static enum ds_status v_dob(struct deid_vctx *c, size_t e) {
  static const char *const skip[] = {"is ", "was ", "on ", "in ", "the ", NULL};
  for (int rounds = 0; rounds < 4; rounds++) {
    while (e < c->len && (c->text[e] == ' ' || c->text[e] == '\t' || c->text[e] == ':' || c->text[e] == '-' ||
                          c->text[e] == '='))
      e++;
    size_t was = e;
    for (const char *const *k = skip; *k; k++)
      if (e + strlen(*k) <= c->len && !strncasecmp(c->text + e, *k, strlen(*k))) e += strlen(*k);
    if (e == was) break;
  }
  if (e > 0 && wordc(c, e - 1)) return DS_OK;
  bool full;
  size_t end = date_end(c, e, &full), me;
  if (end == e && month_at(c, e, &me) && (me >= c->len || !wordc(c, me)) &&
      !(me + 1 < c->len && c->text[me] == ' ' && is_digit((unsigned char)c->text[me + 1])))
    end = me > e && c->text[me - 1] == '.' ? me - 1 : me;
  if (end == e && e < c->len && is_digit((unsigned char)c->text[e])) { /* "11/07", "7-11" */
    size_t k = e;
    while (k < c->len && k - e < 5 && (is_digit((unsigned char)c->text[k]) || c->text[k] == '/' || c->text[k] == '-'))
      k++;
    if (k - e >= 3 && (k >= c->len || !(wordc(c, k) || c->text[k] == '/' || c->text[k] == '-'))) {
      size_t sep = e;
      while (sep < k && is_digit((unsigned char)c->text[sep])) sep++;
      int a = deid_digits(c->text + e, sep - e), b = sep + 1 < k ? deid_digits(c->text + sep + 1, k - sep - 1) : 0;
      if (sep - e <= 2 && k - sep - 1 >= 1 && k - sep - 1 <= 2 && a >= 1 && b >= 1 && a <= 31 && b <= 31 &&
          (a <= 12 || b <= 12))
        end = k;
    }
  }
  if (end == e) return DS_OK;
  return deid_push(c, e, end, T_DOB);
}

/* ---- numbers named by a label ----------------------------------------------------------- */

/* After a label: filler words ("number", "is", "#", ":"), then the value, at most 6 of them;
 * "for <name> is" too ("Driver's License Number for Maria is W426-..."). */
static size_t skip_fillers(const struct deid_vctx *c, size_t i, bool *out_ending) {
  static const char *const fillers[] = {"number", "numbers", "no", "no.", "num", "nr", "nbr", "#", "is", "was",
                                        "id", "of", "code", "ending", "in", "reads", ":", "card", "on", "file",
                                        "are", "be", "the", "last", "digits", "it", "it's", NULL};
  for (int rounds = 0; rounds < 8; rounds++) {
    size_t from = i;
    while (i < c->len && (c->text[i] == ' ' || c->text[i] == '\t' || c->text[i] == ':' || c->text[i] == '=' ||
                          c->text[i] == '#' || c->text[i] == '-' || c->text[i] == '"' || c->text[i] == '\'' ||
                          c->text[i] == '(' || c->text[i] == ')' || (c->text[i] == ',' && i == from)))
      i++;
    /* the issuing state or country in brackets: "licence (GB) SMITH753116SM9IJ", "DL (NY) 123" */
    if (i > 0 && i + 3 < c->len && c->text[i - 1] == '(' && is_upper((unsigned char)c->text[i]) &&
        is_upper((unsigned char)c->text[i + 1]) && c->text[i + 2] == ')') {
      i += 3;
      continue;
    }
    size_t w = word_end(c, i);
    if (w < c->len && c->text[w] == '.' && w - i == 2) w++;
    bool filler = false;
    for (const char *const *f = fillers; *f; f++)
      if (strlen(*f) == w - i && !strncasecmp(c->text + i, *f, w - i)) filler = true;
    if (filler && ((w - i == 6 && !strncasecmp(c->text + i, "ending", 6)) ||
                   (w - i == 4 && !strncasecmp(c->text + i, "last", 4))))
      *out_ending = true;
    if (!filler && w - i == 3 && !strncasecmp(c->text + i, "for", 3)) {
      /* "for <one to three words> is|:" */
      size_t k = w;
      for (int n = 0; n < 3 && k < c->len; n++) {
        while (k < c->len && c->text[k] == ' ') k++;
        size_t kw = word_end(c, k);
        if (kw == k) break;
        if ((kw - k == 2 && !strncasecmp(c->text + k, "is", 2)) || (kw < c->len && c->text[kw] == ':')) {
          w = kw < c->len && c->text[kw] == ':' ? kw + 1 : k;
          filler = true;
          break;
        }
        k = kw;
      }
    }
    if (!filler || w == i) break;
    i = w;
  }
  return i;
}

/* A number named by a label ending at e: alphanumeric groups joined by - . / or a space
 * ("MORGA 753116 SM9IJ"; every group after a space holds a digit), with 3 digits or more; not
 * a date, a year or a word. A bare "DL" (also deep learning) needs a filler and a value with
 * a letter and 6 digits or 7 digits, and at most 3 letters; so does "License:". */
static enum ds_status v_labeled_id(struct deid_vctx *c, int type, size_t e) {
  if (e > 0 && e < c->len && wordc(c, e - 1) && wordc(c, e)) return DS_OK; /* "account num|ber" */
  bool bare_dl = e >= 2 && c->text[e - 2] == 'D' && c->text[e - 1] == 'L', ending = false;
  if (type == T_DRIVER_LICENSE && e >= 8 && (c->text[e - 1] == ':' || c->text[e - 1] == '#')) {
    /* "License: X" alone is as often software's ("License: Apache-2.0", a licence key) */
    size_t k = e - 1;
    while (k > 0 && (c->text[k - 1] == ' ' || c->text[k - 1] == ':' || c->text[k - 1] == '#')) k--;
    if (k >= 2 && !strncasecmp(c->text + k - 2, "id", 2)) k = k >= 3 ? k - 3 : 0;
    if (k >= 7 && (!strncasecmp(c->text + k - 7, "license", 7) || !strncasecmp(c->text + k - 7, "licence", 7)) &&
        !(k >= 9 && (c->text[k - 9] == 's' || c->text[k - 9] == 'S' || c->text[k - 9] == 'g')))
      bare_dl = true; /* not "driver's license:", "driving licence:" */
  }
  size_t i = skip_fillers(c, e, &ending);
  if (i > 0 && i < c->len && wordc(c, i - 1)) return DS_OK;
  size_t s = i, j = i;
  size_t digits = 0, letters = 0;
  bool group_digit = false;
  while (j < c->len && j - s < 32) {
    unsigned char ch = (unsigned char)c->text[j];
    if (is_digit(ch)) digits++, group_digit = true;
    else if (is_alpha(ch)) letters++;
    else if ((ch == '-' || ch == '.' || ch == '/' || ch == ' ') && j > s && j + 1 < c->len &&
             is_alnum((unsigned char)c->text[j + 1]) && (ch != '.' || is_digit((unsigned char)c->text[j - 1]))) {
      if (ch == ' ') {
        /* a space joins groups that hold digits; a first group of up to 5 capitals may not */
        size_t g = j + 1, gd = 0;
        while (g < c->len && is_alnum((unsigned char)c->text[g])) gd += is_digit((unsigned char)c->text[g++]);
        bool first_caps = !group_digit && j - s <= 5 && c->text[s] >= 'A' && c->text[s] <= 'Z' &&
                          (j - s < 2 || (c->text[s + 1] >= 'A' && c->text[s + 1] <= 'Z'));
        if (!gd || (!group_digit && !first_caps)) break;
      }
      group_digit = false;
    } else break;
    j++;
  }
  if (j < c->len && wordc(c, j)) return DS_OK;
  if (digits < 3 || j - s < 4 || (letters > digits * 3)) return DS_OK;
  /* a year or a small count is not an identifier; the last 4 digits are, when said so */
  if (!letters && digits == 4 && j - s == 4 && !ending) return DS_OK;
  if (deid_looks_like_date(c->text + s, j - s)) return DS_OK; /* an expiry or issue date */
  if (bare_dl && (i == e || !(digits >= 7 || (letters && digits >= 6)) || letters > 3)) return DS_OK;
  return deid_push(c, s, j, type);
}

/* ---- ages --------------------------------------------------------------------------------- */

/* Ages are replaced when they are a person's (a quasi-identifier in a replay corpus, with a
 * surrogate of the same stage of life); HIPAA asks for ages over 89 only, which need nothing
 * more than their form. */
static const char *const age_nouns[] = {
  "son", "sons", "daughter", "daughters", "boy", "boys", "girl", "girls", "kid", "kids", "child", "children",
  "baby", "babies", "toddler", "man", "men", "woman", "women", "male", "female", "patient", "brother", "sister",
  "mother", "father", "mom", "mum", "dad", "grandson", "granddaughter", "grandmother", "grandfather", "twins",
  "nephew", "niece", "cousin", "student", "person", "guy", "lady", "gentleman", "wife", "husband", "friend",
  "infant", "teen", "teenager", "adult", "client", "individual", "niece", NULL};
static const char *const age_subjects[] = {
  "i ", "i'm", "im ", "he ", "he's", "she ", "she's", "you're", "we ", "we're", "my son", "my daughter", "son ",
  "son,", "son'", "daughter", "boy", "girl", "kid", "child", "baby", "toddler", "man ", "woman", "brother",
  "sister", "mother", "father", "mom ", "mum ", "dad ", "grandm", "grandf", "grandp", "grandson", "nephew",
  "niece", "cousin", "wife", "husband", "friend", "patient", "uncle", "aunt", "boss", "teacher", "student",
  "partner", "fianc", "boyfriend", "girlfriend", "twins", "people", NULL};
/* Words after an age said with a subject ("I'm 34 now"); anything else ("I am 12 minutes
 * late", "she was 3 points ahead") makes the number something else. */
static const char *const age_after[] = {"years", "year", "yrs", "yr", "y/o", "yo", "and", "now", "today", "this",
                                        "next", "but", "so", "when", "in", "too", "already", "soon", "with",
                                        "myself", "at", "then", "if", "going", "turning", "from", "who",
                                        "living", "based", "here", NULL};
/* Units after a number that is no age ("turned 90 degrees", "aged 3 minutes"). */
static const char *const age_units[] = {
  "degrees", "degree", "percent", "points", "point", "times", "minutes", "seconds", "hours", "days", "weeks",
  "months", "dollars", "euros", "pounds", "miles", "km", "meters", "metres", "feet", "ft", "cm", "kg", "lbs",
  "mph", "pages", "items", "units", "pieces", "left", "right", "%", NULL};

/* A person in the sentence of the age [a, b): within 60 bytes before it or 30 after. */
static bool age_subject(const struct deid_vctx *c, size_t a, size_t b) {
  size_t from = a, to = b;
  while (from > 0 && a - from < 60 && c->text[from - 1] != '\n' &&
         !((c->text[from - 1] == '.' || c->text[from - 1] == '!' || c->text[from - 1] == '?') && from < a &&
           c->text[from] == ' '))
    from--;
  while (to < c->len && to - b < 30 && c->text[to] != '\n' && c->text[to] != '.' && c->text[to] != '!' &&
         c->text[to] != '?')
    to++;
  char win[128];
  date_window(c, from, to, a, b, win, sizeof win);
  return deid_has_word(win, age_subjects) || names_person(c, from, to, a, b);
}

/* A person right before [s, ...) in its sentence (30 bytes): "My son is 9", "Maria was 45". */
static bool subject_before(const struct deid_vctx *c, size_t s) {
  size_t from = s;
  while (from > 0 && s - from < 30 && c->text[from - 1] != '\n' && c->text[from - 1] != '.' &&
         c->text[from - 1] != '!' && c->text[from - 1] != '?' && c->text[from - 1] != ',')
    from--;
  char win[48];
  date_window(c, from, s, s, s, win, sizeof win);
  if (deid_has_word(win, age_subjects)) return true;
  size_t w = s;
  while (w > from && c->text[w - 1] == ' ') w--;
  size_t i = w;
  while (i > from && is_alpha((unsigned char)c->text[i - 1])) i--;
  if (w - i < 2 || c->text[i] < 'A' || c->text[i] > 'Z') return false;
  const struct lex_entry *le = deid_lex_word(c->text + i, w - i);
  return le && le->fn >= 3 && (!le->wf || le->wf >= 3) &&
         !(le->flags & (LF_TIME | LF_STOP | LF_CITY | LF_COUNTRY | LF_REGION | LF_ORG | LF_STREET | LF_PUBLIC));
}

/* "is 5 years younger", "was 3 years ago": a span of years, not an age. */
static bool years_span(const struct deid_vctx *c, size_t f, size_t fw) {
  static const char *const years[] = {"years", "year", "yrs", "yr", NULL};
  static const char *const spans[] = {"younger", "older", "ago", "later", "before", "after", "earlier", "apart",
                                      "in", "since", "experience", "from", "into", "each", NULL};
  if (!word_in(c, f, fw, years, true)) return false;
  size_t n = fw;
  while (n < c->len && c->text[n] == ' ') n++;
  size_t nw = word_end(c, n);
  return nw > n && word_in(c, n, nw, spans, true);
}

/* Whether the word [i, w) is a name of the lexicon ("Smith, 45,"). */
static bool lex_name(const struct deid_vctx *c, size_t i, size_t w) {
  const struct lex_entry *le = deid_lex_word(c->text + i, w - i);
  return le && (le->fn >= 5 || le->sn >= 5 || ((le->fn >= 3 || le->sn >= 3) && (!le->wf || le->wf >= 4))) &&
         !(le->flags & (LF_TIME | LF_STOP | LF_CITY | LF_COUNTRY | LF_REGION | LF_ORG | LF_STREET));
}

enum age_form { AF_OLD, AF_LABEL, AF_SUBJECT, AF_COPULA, AF_APPOS };

static enum ds_status v_age(struct deid_vctx *c, int kind, size_t s, size_t e) {
  size_t a, b;
  enum age_form form = AF_OLD;
  if (kind == K_AGE) { /* "93 years old", "93-year-old", "93 y/o", "40th birthday": the number starts */
    a = s;
    b = s;
    while (b < e && is_digit((unsigned char)c->text[b])) b++;
    if (b < c->len && is_alpha((unsigned char)c->text[b])) { /* "31yo", "40th birthday" */
      size_t o = ordinal_end(c, b);
      if (o > b && o + 9 <= c->len && !strncasecmp(c->text + o, " birthday", 9)) return deid_push(c, a, o, T_AGE);
    }
  } else { /* "aged 93", "turned 93", "I'm 34", "Maria is 45", "Smith, 45,": the number ends it */
    b = e > s && (c->text[e - 1] == ',' || c->text[e - 1] == ')') ? e - 1 : e;
    a = b;
    while (a > s && is_digit((unsigned char)c->text[a - 1])) a--;
    static const char *const subjects[] = {"i'm", "i", "im", "he's", "she's", "he", "she", "you're", "you", NULL};
    static const char *const copulas[] = {"is", "was", "will", NULL};
    if (s == e) { /* the number set apart after a name (a pattern without a start): the name's start */
      if (e == 0) return DS_OK;
      b = e - 1;
      a = b;
      while (a > 0 && is_digit((unsigned char)c->text[a - 1])) a--;
      if (a < 3) return DS_OK;
      if (c->text[b] == ')' ? c->text[a - 1] != '(' || c->text[a - 2] != ' '
                            : c->text[a - 1] != ' ' || c->text[a - 2] != ',')
        return DS_OK;
      s = a - 2;
      while (s > 0 && is_alpha((unsigned char)c->text[s - 1])) s--;
      if (s == a - 2 || c->text[s] < 'A' || c->text[s] > 'Z' || (s > 0 && wordc(c, s - 1))) return DS_OK;
      form = AF_APPOS;
    } else {
      size_t w = word_end(c, s);
      form = word_in(c, s, w, subjects, true) ? AF_SUBJECT : word_in(c, s, w, copulas, true) ? AF_COPULA : AF_LABEL;
    }
  }
  if (b == a || b - a > 3 || (a > 0 && wordc(c, a - 1)) || (form != AF_OLD && b < c->len && wordc(c, b)))
    return DS_OK;
  /* a range ("aged 18-30", "23-30 years old", "age 6 to 13") is of a group, not a person */
  if ((b + 1 < c->len && c->text[b] == '-' && is_digit((unsigned char)c->text[b + 1])) ||
      (b + 4 < c->len && !strncmp(c->text + b, " to ", 4) && is_digit((unsigned char)c->text[b + 4])) ||
      (a >= 2 && c->text[a - 1] == '-' && is_digit((unsigned char)c->text[a - 2])))
    return DS_OK;
  int age = deid_digits(c->text + a, b - a);
  if (age > 125) return DS_OK;
  if (form == AF_APPOS) /* "Smith, 45, of Leeds", "Ana (7)": a name, then the age set apart */
    return b < c->len && (c->text[b] == ')' ? c->text[a - 1] == '(' : c->text[b] == ',') &&
                   lex_name(c, s, word_end(c, s))
             ? deid_push(c, a, b, T_AGE)
             : DS_OK;
  /* what follows: a unit or a number goes on ("aged 12 years" of whisky is caught below) */
  size_t f = b;
  if (f < c->len && (c->text[f] == '%' || c->text[f] == '\'' || c->text[f] == '/' || c->text[f] == ':' ||
                     c->text[f] == '$' || ((c->text[f] == '.' || c->text[f] == ',') && f + 1 < c->len &&
                                           is_digit((unsigned char)c->text[f + 1]))))
    return DS_OK;
  while (f < c->len && c->text[f] == ' ') f++;
  size_t fw = word_end(c, f);
  if (form == AF_OLD) {
    /* after "old": a person ("a 7-year-old son"), or nothing and a person before */
    size_t o = e;
    while (o < c->len && (c->text[o] == ' ' || c->text[o] == '-')) o++;
    size_t ow = word_end(c, o);
    if (ow > o && word_in(c, o, ow, age_nouns, true)) return deid_push(c, a, b, T_AGE);
    if (ow > o && !word_in(c, o, ow, age_after, true)) return DS_OK; /* "a 10-year-old laptop" */
    return age >= 90 || age_subject(c, a, b) ? deid_push(c, a, b, T_AGE) : DS_OK;
  }
  if (form == AF_SUBJECT || form == AF_COPULA) {
    bool ends = fw == f && (f >= c->len || c->text[f] == '.' || c->text[f] == ',' || c->text[f] == '!' ||
                            c->text[f] == '?' || c->text[f] == ';' || c->text[f] == ')' || c->text[f] == '\n');
    if ((!ends && !(fw > f && word_in(c, f, fw, age_after, true))) || years_span(c, f, fw)) return DS_OK;
    return form == AF_SUBJECT || subject_before(c, s) ? deid_push(c, a, b, T_AGE) : DS_OK;
  }
  if (fw > f && word_in(c, f, fw, age_units, true)) return DS_OK; /* "turned 90 degrees" */
  if (age >= 90) return deid_push(c, a, b, T_AGE);
  /* "age: 34" is a field of a person; "aged 34", "turned 47" need one */
  bool field = memchr(c->text + s, ':', a - s) != NULL;
  return field || age_subject(c, s, b) ? deid_push(c, a, b, T_AGE) : DS_OK;
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
