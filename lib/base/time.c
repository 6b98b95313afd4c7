/* time.c: clocks and ISO 8601 / RFC 3339 timestamps. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"

double ds_now_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ds_format_time(int64_t epoch, char out[32]) {
  time_t t = (time_t)epoch;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ds_now_iso8601(char out[32]) { ds_format_time((int64_t)time(NULL), out); }

static int digits(const char **s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)**s)) return -1;
    v = v * 10 + (**s - '0');
    (*s)++;
  }
  *out = v;
  return 0;
}

/* days from civil, Howard Hinnant's algorithm: no timezone state, no timegm portability issues */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

enum ds_status ds_parse_time(const char *str, int64_t *out_epoch) {
  if (!str || !*str) return DS_E_PARSE;
  const char *s = str;
  /* pure number: epoch seconds (or milliseconds when it is clearly too large) */
  char *end;
  double num = strtod(s, &end);
  if (end != s && *end == '\0' && strchr(s, '-') == NULL) {
    if (!(num >= 0 && num < 1e15)) return DS_E_PARSE; /* NaN, negative or absurd: not a time */
    if (num > 1e11) num /= 1000.0;
    *out_epoch = (int64_t)num;
    return DS_OK;
  }
  int Y, M, D, h = 0, m = 0, sec = 0;
  if (digits(&s, 4, &Y) || *s++ != '-' || digits(&s, 2, &M) || *s++ != '-' || digits(&s, 2, &D))
    return DS_E_PARSE;
  if (M < 1 || M > 12 || D < 1 || D > 31) return DS_E_PARSE;
  int64_t offset = 0;
  if (*s == 'T' || *s == 't' || *s == ' ') {
    s++;
    if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &m)) return DS_E_PARSE;
    if (*s == ':') {
      s++;
      if (digits(&s, 2, &sec)) return DS_E_PARSE;
    }
    if (*s == '.' || *s == ',') {
      s++;
      while (isdigit((unsigned char)*s)) s++;
    }
    if (*s == 'Z' || *s == 'z') s++;
    else if (*s == '+' || *s == '-') {
      int sign = *s == '-' ? -1 : 1, oh, om = 0;
      s++;
      if (digits(&s, 2, &oh)) return DS_E_PARSE;
      if (*s == ':') s++;
      if (isdigit((unsigned char)*s) && digits(&s, 2, &om)) return DS_E_PARSE;
      offset = sign * (oh * 3600 + om * 60);
    }
    if (h > 23 || m > 59 || sec > 60) return DS_E_PARSE;
  }
  if (*s != '\0') return DS_E_PARSE;
  *out_epoch = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec - offset;
  return DS_OK;
}
