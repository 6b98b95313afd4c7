/* bench_deid.c: de-identification accuracy and speed. Accuracy: per-type precision and
 * recall against labeled character spans (presidio-research format); speed: MB/s of
 * ds_deid_find over the text of a chat-traffic JSONL file (ShareGPT or canonical), one call
 * per message as in ingest, on one core.
 *   bench_deid [--labeled FILE.json] [--traffic FILE.jsonl] [--show-errors] [--rounds N]
 * Defaults: ../shared/data/pii/presidio-synth-1500.json, ../shared/data/traffic/sharegpt-1000.jsonl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "bench_cpu.h"
#include "depsim/deid.h"

/* Labeled entity type -> our type; types we do not detect are listed as unscored. */
static const char *const type_map[][2] = {
  {"EMAIL_ADDRESS", "EMAIL"}, {"PHONE_NUMBER", "PHONE"}, {"CREDIT_CARD", "CARD"}, {"IBAN_CODE", "IBAN"},
  {"US_SSN", "SSN"}, {"IP_ADDRESS", "IP"}, {"PERSON", "PERSON"}, {"STREET_ADDRESS", "ADDRESS"},
  {"EMAIL", "EMAIL"}, {"PHONE", "PHONE"}, {"ADDRESS", "ADDRESS"}, {"NAME", "PERSON"}, {"IBAN", "IBAN"},
  {"SSN", "SSN"}, {"IP", "IP"}, {"CARD", "CARD"},
};
static const char *const scored[] = {"EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "PERSON", "ADDRESS"};
#define N_SCORED 8

static const char *map_type(const char *t) {
  for (size_t i = 0; i < DS_ARRAY_LEN(type_map); i++)
    if (!strcmp(type_map[i][0], t)) return type_map[i][1];
  return NULL;
}
static int scored_idx(const char *t) {
  for (int i = 0; i < N_SCORED; i++)
    if (t && !strcmp(scored[i], t)) return i;
  return -1;
}

/* Character offsets (code points) to byte offsets in UTF-8 text. */
static size_t cp_to_byte(const char *s, size_t len, size_t cp) {
  size_t b = 0, c = 0;
  while (b < len && c < cp) {
    unsigned char ch = (unsigned char)s[b];
    b += ch < 0x80 ? 1 : ch < 0xe0 ? 2 : ch < 0xf0 ? 3 : 4;
    c++;
  }
  return b > len ? len : b;
}

static bool is_alnum_byte(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0x80; }

/* part: 0 all, 1 dev (even template ids: what the rules were tuned on), 2 test (odd). */
static int accuracy(struct ds_deid *d, const char *path, bool show, int part) {
  json_error_t je;
  json_t *all = json_load_file(path, 0, &je);
  if (!all) {
    fprintf(stderr, "bench_deid: %s: %s (line %d)\n", path, je.text, je.line);
    return 1;
  }
  unsigned long tp[N_SCORED] = {0}, fp[N_SCORED] = {0}, gold[N_SCORED] = {0}, found[N_SCORED] = {0};
  size_t i;
  json_t *rec;
  json_array_foreach(all, i, rec) {
    const char *text = json_string_value(json_object_get(rec, "full_text"));
    if (!text) continue;
    json_t *tid = json_object_get(rec, "template_id");
    if (part && json_is_integer(tid) && (json_integer_value(tid) % 2 == 0) != (part == 1)) continue;
    size_t len = strlen(text);
    struct ds_deid_span *sp;
    size_t n;
    struct ds_err err = {0};
    if (ds_deid_find(d, text, len, &sp, &n, &err)) {
      fprintf(stderr, "bench_deid: %s\n", err.msg);
      return 1;
    }
    json_t *spans = json_object_get(rec, "spans");
    size_t ng = json_array_size(spans);
    /* recall: every alphanumeric byte of a gold span covered by a detection of its type */
    for (size_t g = 0; g < ng; g++) {
      json_t *s = json_array_get(spans, g);
      int k = scored_idx(map_type(json_string_value(json_object_get(s, "entity_type"))));
      if (k < 0) continue;
      size_t a = cp_to_byte(text, len, (size_t)json_integer_value(json_object_get(s, "start_position")));
      size_t b = cp_to_byte(text, len, (size_t)json_integer_value(json_object_get(s, "end_position")));
      gold[k]++;
      bool ok = true;
      for (size_t x = a; x < b && ok; x++) {
        if (!is_alnum_byte((unsigned char)text[x])) continue;
        bool cov = false;
        for (size_t j = 0; j < n && !cov; j++) cov = sp[j].start <= x && x < sp[j].end && scored_idx(sp[j].type) == k;
        ok = cov;
      }
      if (ok) found[k]++;
      else if (show) printf("FN %-8s %.*s\t| %.60s\n", scored[k], (int)(b - a), text + a, text + (a > 30 ? a - 30 : 0));
    }
    /* precision: a detection is right when it overlaps a gold span of its type */
    for (size_t j = 0; j < n; j++) {
      int k = scored_idx(sp[j].type);
      if (k < 0) continue;
      bool hit = false;
      for (size_t g = 0; g < ng && !hit; g++) {
        json_t *s = json_array_get(spans, g);
        if (scored_idx(map_type(json_string_value(json_object_get(s, "entity_type")))) != k) continue;
        size_t a = cp_to_byte(text, len, (size_t)json_integer_value(json_object_get(s, "start_position")));
        size_t b = cp_to_byte(text, len, (size_t)json_integer_value(json_object_get(s, "end_position")));
        hit = sp[j].start < b && a < sp[j].end;
      }
      if (hit) tp[k]++;
      else {
        fp[k]++;
        if (show)
          printf("FP %-8s %.*s\t| %.60s\n", scored[k], (int)(sp[j].end - sp[j].start), text + sp[j].start,
                 text + (sp[j].start > 30 ? sp[j].start - 30 : 0));
      }
    }
    ds_free(sp);
  }
  printf("accuracy on %s (%zu records)\n", path, json_array_size(all));
  printf("%-8s %6s %6s %6s %6s %9s %9s\n", "type", "gold", "found", "det", "fp", "recall", "precision");
  for (int k = 0; k < N_SCORED; k++) {
    unsigned long det = tp[k] + fp[k];
    printf("%-8s %6lu %6lu %6lu %6lu %9.4f %9.4f\n", scored[k], gold[k], found[k], det, fp[k],
           gold[k] ? (double)found[k] / (double)gold[k] : 0.0, det ? (double)tp[k] / (double)det : 0.0);
  }
  json_decref(all);
  return 0;
}

static void collect_strings(json_t *v, struct ds_buf *texts, size_t **offs, size_t *n, size_t *cap) {
  if (json_is_string(v)) {
    if (*n == *cap) {
      *cap = *cap ? *cap * 2 : 1024;
      *offs = ds_realloc(*offs, *cap * 2 * sizeof **offs);
    }
    (*offs)[2 * *n] = texts->len;
    (*offs)[2 * *n + 1] = json_string_length(v);
    ds_buf_add(texts, json_string_value(v), json_string_length(v));
    (*n)++;
    return;
  }
  const char *k;
  json_t *x;
  size_t i;
  if (json_is_object(v)) json_object_foreach(v, k, x) {
      if (!strcmp(k, "value") || !strcmp(k, "content") || json_is_array(x) || json_is_object(x))
        collect_strings(x, texts, offs, n, cap);
    }
  if (json_is_array(v)) json_array_foreach(v, i, x) collect_strings(x, texts, offs, n, cap);
}

static const char *dump_type; /* --dump TYPE: print each detection of TYPE in the traffic */

static int speed(struct ds_deid *d, const char *path, int rounds) {
  struct ds_lines *l;
  struct ds_err err = {0};
  if (ds_lines_open(path, 64u << 20, &l, &err)) {
    fprintf(stderr, "bench_deid: %s\n", err.msg);
    return 1;
  }
  struct ds_buf texts;
  ds_buf_init(&texts, 0);
  size_t *offs = NULL, n = 0, cap = 0;
  struct ds_str line;
  bool too_long;
  while (ds_lines_next(l, &line, &too_long, &err) == DS_OK) {
    json_t *rec = json_loadb(line.p, line.len, 0, NULL);
    if (rec) collect_strings(rec, &texts, &offs, &n, &cap);
    json_decref(rec);
  }
  ds_lines_free(l);
  size_t total = 0, found = 0;
  double best = 1e9;
  for (int r = 0; r < rounds; r++) {
    double t0 = bench_cpu_self();
    found = 0;
    for (size_t i = 0; i < n; i++) {
      struct ds_deid_span *sp;
      size_t k;
      ds_deid_find(d, texts.data + offs[2 * i], offs[2 * i + 1], &sp, &k, NULL);
      found += k;
      for (size_t j = 0; dump_type && r == 0 && j < k; j++)
        if (!strcmp(sp[j].type, dump_type))
          printf("%s\t%.*s\n", dump_type, (int)(sp[j].end - sp[j].start), texts.data + offs[2 * i] + sp[j].start);
      ds_free(sp);
    }
    double dt = bench_cpu_self() - t0;
    if (dt < best) best = dt;
  }
  for (size_t i = 0; i < n; i++) total += offs[2 * i + 1];
  printf("speed on %s: %zu strings, %.1f MB, %zu detections, best of %d: %.3f CPU s = %.0f MB/s per core\n", path, n,
         (double)total / 1e6, found, rounds, best, (double)total / 1e6 / best);
  ds_free(offs);
  ds_buf_release(&texts);
  return 0;
}

int main(int argc, char **argv) {
  const char *labeled = "../shared/data/pii/presidio-synth-1500.json";
  const char *traffic = "../shared/data/traffic/sharegpt-1000.jsonl";
  const char *types = NULL;
  bool show = false;
  int rounds = 5, part = 0;
  const char *text = NULL;
  bool surrogate = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--labeled") && i + 1 < argc) labeled = argv[++i];
    else if (!strcmp(argv[i], "--traffic") && i + 1 < argc) traffic = argv[++i];
    else if (!strcmp(argv[i], "--types") && i + 1 < argc) types = argv[++i];
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--show-errors")) show = true;
    else if (!strcmp(argv[i], "--text") && i + 1 < argc) text = argv[++i];
    else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump_type = argv[++i];
    else if (!strcmp(argv[i], "--surrogate")) surrogate = true;
    else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
      i++;
      part = !strcmp(argv[i], "dev") ? 1 : !strcmp(argv[i], "test") ? 2 : 0;
    }
    else {
      fprintf(stderr, "usage: bench_deid [--labeled F.json] [--traffic F.jsonl] [--types LIST] [--rounds N] [--show-errors]\n");
      return 2;
    }
  }
  struct ds_err err = {0};
  if (ds_init(&err)) return 1;
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.types = types;
  if (surrogate) p.replace = DS_DEID_REPLACE_SURROGATE;
  struct ds_deid *d;
  if (ds_deid_new(&p, &d, &err)) {
    fprintf(stderr, "bench_deid: %s\n", err.msg);
    return 1;
  }
  int rc = 0;
  if (text) { /* what is found in one text, and what it becomes */
    struct ds_deid_span *sp;
    size_t n;
    if (ds_deid_find(d, text, strlen(text), &sp, &n, &err) == DS_OK) {
      for (size_t i = 0; i < n; i++)
        printf("%-14s %.*s\n", sp[i].type, (int)(sp[i].end - sp[i].start), text + sp[i].start);
      ds_free(sp);
    }
    char *out;
    if (ds_deid_text(d, text, strlen(text), &out, NULL, &err) == DS_OK) {
      printf("-> %s\n", out);
      ds_free(out);
    }
    ds_deid_free(d);
    return 0;
  }
  if (*labeled) rc |= accuracy(d, labeled, show, part);
  if (*traffic) rc |= speed(d, traffic, rounds < 1 ? 1 : rounds);
  ds_deid_free(d);
  return rc;
}
