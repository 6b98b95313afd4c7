/* progress.c: the progress line of the commands that wait on a model (grade with judges,
 * discriminate, awareness): done/total, requests per second, errors, ETA; redrawn in place on a
 * terminal, one line every 10 s otherwise, nothing with -q. And the end-of-run summary of errors
 * by kind, each with its first example, so "48 errors" never comes without a reason. */
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void cli_progress_init(struct cli_progress *p, const char *what) {
  memset(p, 0, sizeof *p);
  p->what = what;
  p->tty = isatty(STDERR_FILENO) != 0;
  p->t0 = now_s();
}

static void fmt_eta(double s, char *out, size_t n) {
  if (!(s >= 0) || s > 1e7) snprintf(out, n, "?");
  else if (s < 60) snprintf(out, n, "%.0fs", s);
  else if (s < 3600) snprintf(out, n, "%dm%02ds", (int)s / 60, (int)s % 60);
  else snprintf(out, n, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

void cli_progress_show(struct cli_progress *p, double done, double total, uint64_t requests, uint64_t errors,
                       bool final) {
  if (cli_quiet) return;
  double t = now_s(), el = t - p->t0;
  if (!final && t - p->last < (p->tty ? 0.2 : 10.0)) return;
  p->last = t;
  char eta[32], line[256];
  fmt_eta(done > 0 && total > done ? el * (total - done) / done : done >= total ? 0 : -1, eta, sizeof eta);
  int o = snprintf(line, sizeof line, "%s: %.0f/%.0f", p->what, done, total);
  if (p->unit && o > 0 && (size_t)o < sizeof line) o += snprintf(line + o, sizeof line - (size_t)o, " %s", p->unit);
  if (o > 0 && (size_t)o < sizeof line)
    snprintf(line + o, sizeof line - (size_t)o, "  %llu requests (%.1f/s)  %llu errors  %s %s",
             (unsigned long long)requests, el > 0 ? (double)requests / el : 0.0, (unsigned long long)errors,
             final ? "in" : "ETA", final ? (fmt_eta(el, eta, sizeof eta), eta) : eta);
  if (p->tty) {
    fprintf(stderr, "\r\033[K%s: %s%s", cli_prog, line, final ? "\n" : "");
    p->drawn = !final;
  } else {
    fprintf(stderr, "%s: %s\n", cli_prog, line);
  }
  fflush(stderr);
}

void cli_progress_end(struct cli_progress *p) {
  if (p->drawn && !cli_quiet) fputc('\n', stderr);
  p->drawn = false;
}

/* appends text to out (at most 70 characters in all): URLs become <endpoint>, digit runs N
 * except an HTTP status ("HTTP 400"), newlines spaces */
static void fold(const char *s, const char *end, char *out, size_t len, size_t *o) {
  bool status = false; /* the digits after "HTTP " are kept */
  while (s < end && *s && *o + 12 < len && *o < 110) {
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) {
      while (s < end && *s && *s != ' ' && !(s[0] == ':' && s[1] == ' ')) s++;
      *o += (size_t)snprintf(out + *o, len - *o, "<endpoint>");
      continue;
    }
    if (strncmp(s, "HTTP ", 5) == 0) {
      *o += (size_t)snprintf(out + *o, len - *o, "HTTP ");
      s += 5;
      status = true;
      continue;
    }
    if (isdigit((unsigned char)*s)) {
      const char *d = s;
      while (s < end && isdigit((unsigned char)*s)) s++;
      if (status) *o += (size_t)snprintf(out + *o, len - *o, "%.*s", (int)(s - d > 3 ? 3 : s - d), d);
      else out[(*o)++] = 'N';
      status = false;
      continue;
    }
    status = false;
    out[(*o)++] = *s == '\n' ? ' ' : *s;
    s++;
  }
  out[*o] = 0;
}

void cli_error_kind(const char *msg, char *out, size_t len) {
  /* the message up to its first ": " (the rest is the instance: a body, an id), plus the
   * server's own error message when the rest is a JSON error body; so "HTTP 400 from <endpoint>:
   * the request exceeds the available context size" is one kind whatever the request */
  size_t o = 0;
  out[0] = 0;
  if (!msg) msg = "(no message)";
  const char *cut = strstr(msg, ": ");
  while (cut && cut - msg < 3) cut = strstr(cut + 2, ": ");
  fold(msg, cut ? cut : msg + strlen(msg), out, len, &o);
  if (!cut) return;
  json_t *body = json_loads(cut + 2, JSON_DISABLE_EOF_CHECK, NULL);
  const json_t *e = json_object_get(body, "error");
  const char *why = ds_json_str(json_is_object(e) ? e : body, "message", json_is_string(e) ? json_string_value(e) : NULL);
  /* error bodies are often cut short: the "message" field read by hand */
  char found[160] = "";
  const char *m = !why ? strstr(cut + 2, "\"message\"") : NULL;
  if (m && (m = strchr(m + 9, '"'))) {
    size_t n = strcspn(m + 1, "\"");
    snprintf(found, sizeof found, "%.*s", (int)(n < sizeof found - 1 ? n : sizeof found - 1), m + 1);
    why = found;
  }
  if (why && o + 4 < len) {
    o += (size_t)snprintf(out + o, len - o, ": ");
    fold(why, why + strlen(why), out, len, &o);
  }
  json_decref(body);
}

void cli_error_kinds_add(struct cli_error_kinds *k, const char *msg, const char *where) {
  char kind[128];
  cli_error_kind(msg, kind, sizeof kind);
  k->total++;
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->kind[i], kind) == 0) {
      k->count[i]++;
      return;
    }
  if (k->n == CLI_MAX_ERROR_KINDS) {
    k->other++;
    return;
  }
  snprintf(k->kind[k->n], sizeof k->kind[k->n], "%s", kind);
  snprintf(k->first[k->n], sizeof k->first[k->n], "%s: %s", where ? where : "?", msg ? msg : "");
  k->count[k->n++] = 1;
}

void cli_error_kinds_print(const struct cli_error_kinds *k, const char *noun) {
  if (!k->total) return;
  fprintf(stderr, "%s: %llu %s, by kind:\n", cli_prog, (unsigned long long)k->total, noun);
  for (size_t i = 0; i < k->n; i++) {
    fprintf(stderr, "  %6llu x %s\n", (unsigned long long)k->count[i], k->kind[i]);
    fprintf(stderr, "           first: %.300s\n", k->first[i]);
  }
  if (k->other) fprintf(stderr, "  %6llu x (other kinds)\n", (unsigned long long)k->other);
}
