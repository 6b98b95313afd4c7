/* bench_deid.c: de-identification accuracy, damage to code, and speed.
 *  - accuracy per type on the labeled presidio-research set, split by template: dev (even
 *    template ids, what the rules were tuned on) and test (odd ids, never looked at);
 *  - person-name accuracy on the held-apart parts of the NER corpora (WNUT-17 test, Broad
 *    Twitter Corpus section H, UNER English-EWT test), never trained or tuned on;
 *  - street-address recall on usaddress-labeled (real US addresses in carrier sentences): dev
 *    (training files, tuned on) and test (test_data, held apart);
 *  - code damage: detections inside fenced code blocks of real traffic, per 1,000 blocks,
 *    with code regions on (the default) and off (everything read as prose);
 *  - MB/s of ds_deid_find per core (CPU time) over the traffic, one call per message.
 *   bench_deid [--labeled F.json] [--ner DIR] [--usaddress DIR] [--traffic F.jsonl] [--types LIST] [--rounds N]
 *              [--part dev|test|all] [--show-errors] [--surrogate] [--text T] [--dump TYPE]
 *              [--dump-all FILE]
 * --dump-all writes every detection of the traffic (code regions on and off) and a hash of each
 * string's placeholder and keyed-surrogate text to FILE, to diff before and after a change.
 * Defaults: ../shared/data/pii/presidio-synth-1500.json, ../shared/data/ner,
 * ../shared/data/ner/usaddress-labeled, ../shared/data/traffic/sharegpt-1000.jsonl. An empty argument skips
 * that part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "bench_cpu.h"
#include "depsim/deid.h"

/* Scored rows, and the detection types that count for each labeled type. */
static const char *const rows[] = {"EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "PERSON", "ADDRESS",
                                   "DATE", "LICENSE", "LOCATION", "AGE"};
#define N_ROWS 12
static const struct {
  const char *label; /* in the labeled file */
  int row;
  const char *accept[3]; /* our types that find it */
} gold_map[] = {
  {"EMAIL_ADDRESS", 0, {"EMAIL"}}, {"PHONE_NUMBER", 1, {"PHONE"}}, {"CREDIT_CARD", 2, {"CARD"}},
  {"IBAN_CODE", 3, {"IBAN"}}, {"US_SSN", 4, {"SSN"}}, {"IP_ADDRESS", 5, {"IP"}}, {"PERSON", 6, {"PERSON"}},
  {"STREET_ADDRESS", 7, {"ADDRESS"}}, {"DATE_TIME", 8, {"DATE", "DOB"}},
  {"US_DRIVER_LICENSE", 9, {"DRIVER_LICENSE", "ID_NUMBER"}}, {"GPE", 10, {"LOCATION", "ADDRESS"}},
  {"AGE", 11, {"AGE"}},
};
/* Our type -> the row its detections are judged in. */
static int row_of_detection(const char *t) {
  static const char *const m[][2] = {{"EMAIL", "EMAIL"}, {"PHONE", "PHONE"}, {"CARD", "CARD"}, {"IBAN", "IBAN"},
                                     {"SSN", "SSN"}, {"IP", "IP"}, {"PERSON", "PERSON"}, {"ADDRESS", "ADDRESS"},
                                     {"DATE", "DATE"}, {"DOB", "DATE"}, {"DRIVER_LICENSE", "LICENSE"},
                                     {"LOCATION", "LOCATION"}, {"AGE", "AGE"}};
  for (size_t i = 0; i < DS_ARRAY_LEN(m); i++)
    if (!strcmp(m[i][0], t))
      for (int r = 0; r < N_ROWS; r++)
        if (!strcmp(rows[r], m[i][1])) return r;
  return -1;
}
static int gold_index(const char *label) {
  for (size_t i = 0; i < DS_ARRAY_LEN(gold_map); i++)
    if (!strcmp(gold_map[i].label, label)) return (int)i;
  return -1;
}
static bool accepts(int g, const char *type) {
  for (int k = 0; k < 3 && gold_map[g].accept[k]; k++)
    if (!strcmp(gold_map[g].accept[k], type)) return true;
  return false;
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

static bool alnum_byte(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0x80; }

struct gold {
  size_t a, b;
  int g; /* index in gold_map */
};
struct tally {
  unsigned long gold[N_ROWS], found[N_ROWS], tp[N_ROWS], fp[N_ROWS];
};

static bool show_errors;

/* Recall: a gold span counts as found when every alphanumeric byte of it is covered by a
 * detection of an accepted type. Precision: a detection is right when it overlaps a gold
 * span that accepts its type. */
static int score_text(struct ds_deid *d, const char *text, size_t len, const struct gold *gs, size_t ng,
                      struct tally *t) {
  struct ds_deid_span *sp;
  size_t n;
  struct ds_err err = {0};
  if (ds_deid_find(d, text, len, &sp, &n, &err)) {
    fprintf(stderr, "bench_deid: %s\n", err.msg);
    return 1;
  }
  for (size_t i = 0; i < ng; i++) {
    int r = gold_map[gs[i].g].row;
    bool any = false; /* a span without a letter or digit ("@" in tweets) is not scored */
    for (size_t x = gs[i].a; x < gs[i].b && !any; x++) any = alnum_byte((unsigned char)text[x]);
    if (!any) continue;
    t->gold[r]++;
    bool ok = true;
    for (size_t x = gs[i].a; x < gs[i].b && ok; x++) {
      if (!alnum_byte((unsigned char)text[x])) continue;
      bool cov = false;
      for (size_t j = 0; j < n && !cov; j++) cov = sp[j].start <= x && x < sp[j].end && accepts(gs[i].g, sp[j].type);
      ok = cov;
    }
    if (ok) t->found[r]++;
    else if (show_errors)
      printf("FN %-8s %.*s\t| %.70s\n", rows[r], (int)(gs[i].b - gs[i].a), text + gs[i].a,
             text + (gs[i].a > 30 ? gs[i].a - 30 : 0));
  }
  for (size_t j = 0; j < n; j++) {
    int r = row_of_detection(sp[j].type);
    if (r < 0) continue;
    bool hit = false;
    for (size_t i = 0; i < ng && !hit; i++) hit = accepts(gs[i].g, sp[j].type) && sp[j].start < gs[i].b && gs[i].a < sp[j].end;
    if (hit) t->tp[r]++;
    else {
      t->fp[r]++;
      if (show_errors)
        printf("FP %-8s %.*s\t| %.70s\n", rows[r], (int)(sp[j].end - sp[j].start), text + sp[j].start,
               text + (sp[j].start > 30 ? sp[j].start - 30 : 0));
    }
  }
  ds_free(sp);
  return 0;
}

static void print_tally(const char *title, const struct tally *t, bool only_person) {
  printf("%s\n%-9s %6s %6s %6s %6s %9s %9s\n", title, "type", "gold", "found", "det", "fp", "recall", "precision");
  for (int r = 0; r < N_ROWS; r++) {
    if (only_person && strcmp(rows[r], "PERSON")) continue;
    unsigned long det = t->tp[r] + t->fp[r];
    if (!t->gold[r] && !det) continue;
    printf("%-9s %6lu %6lu %6lu %6lu %9.4f %9.4f\n", rows[r], t->gold[r], t->found[r], det, t->fp[r],
           t->gold[r] ? (double)t->found[r] / (double)t->gold[r] : 0.0, det ? (double)t->tp[r] / (double)det : 0.0);
  }
}

/* part: 0 all, 1 dev (even template ids), 2 test (odd). */
static int presidio(struct ds_deid *d, const char *path, int part) {
  json_error_t je;
  json_t *all = json_load_file(path, 0, &je);
  if (!all) {
    fprintf(stderr, "bench_deid: %s: %s (line %d)\n", path, je.text, je.line);
    return 1;
  }
  struct tally t = {0};
  size_t i, used = 0;
  json_t *rec;
  struct gold gs[64];
  json_array_foreach(all, i, rec) {
    const char *text = json_string_value(json_object_get(rec, "full_text"));
    if (!text) continue;
    json_t *tid = json_object_get(rec, "template_id");
    if (part && json_is_integer(tid) && (json_integer_value(tid) % 2 == 0) != (part == 1)) continue;
    size_t len = strlen(text), ng = 0;
    json_t *spans = json_object_get(rec, "spans"), *s;
    size_t k;
    json_array_foreach(spans, k, s) {
      const char *lab = json_string_value(json_object_get(s, "entity_type"));
      int g = lab ? gold_index(lab) : -1;
      if (g < 0 || ng == DS_ARRAY_LEN(gs)) continue;
      gs[ng++] = (struct gold){cp_to_byte(text, len, (size_t)json_integer_value(json_object_get(s, "start_position"))),
                               cp_to_byte(text, len, (size_t)json_integer_value(json_object_get(s, "end_position"))), g};
    }
    if (score_text(d, text, len, gs, ng, &t)) return 1;
    used++;
  }
  char title[512];
  snprintf(title, sizeof title, "accuracy on %s, %s (%zu records)", path,
           part == 1 ? "dev part: even template ids, tuned on" : part == 2 ? "test part: odd template ids, held apart"
                                                                 : "all",
           used);
  print_tally(title, &t, false);
  json_decref(all);
  return 0;
}

/* One held-apart NER file: CoNLL "token<TAB>tag" (WNUT, BTC) or IOB2 with "# text =" lines
 * (UNER). The text is the given one, else the tokens joined by single spaces; person spans
 * come from B-/I- tags of the person label. */
static int ner_file(struct ds_deid *d, const char *path, const char *per, bool iob2, struct tally *t) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "bench_deid: %s: not found (skipped)\n", path);
    return 0;
  }
  struct ds_buf text;
  ds_buf_init(&text, 0);
  bool given = false;
  struct gold gs[64];
  size_t ng = 0, pos = 0, open_s = 0, open_e = 0;
  bool open = false;
  char line[8192];
  int rc = 0;
  for (;;) {
    char *got = fgets(line, sizeof line, f);
    size_t n = got ? strcspn(line, "\r\n") : 0;
    if (got) line[n] = 0;
    if (!got || n == 0) { /* the end of a sentence */
      if (open && ng < DS_ARRAY_LEN(gs)) gs[ng++] = (struct gold){open_s, open_e, gold_index("PERSON")};
      open = false;
      if (text.len && (rc = score_text(d, text.data, text.len, gs, ng, t))) break;
      ds_buf_reset(&text);
      given = false;
      ng = pos = 0;
      if (!got) break;
      continue;
    }
    if (iob2 && !strncmp(line, "# text = ", 9)) {
      ds_buf_adds(&text, line + 9);
      given = true;
      continue;
    }
    if (line[0] == '#') continue;
    char *fields[6];
    int nf = 0;
    for (char *p = line; nf < 6;) {
      fields[nf++] = p;
      char *tab = strchr(p, '\t');
      if (!tab) break;
      *tab = 0;
      p = tab + 1;
    }
    const char *tok = iob2 ? (nf > 1 ? fields[1] : "") : fields[0];
    const char *tag = iob2 ? (nf > 2 ? fields[2] : "O") : (nf > 1 ? fields[nf - 1] : "O");
    size_t at, end;
    if (given) { /* the token's place in the given text */
      const char *hit = strstr(text.data + pos, tok);
      at = hit ? (size_t)(hit - text.data) : pos;
      end = hit ? at + strlen(tok) : pos;
    } else {
      if (text.len) ds_buf_addc(&text, ' ');
      at = text.len;
      ds_buf_adds(&text, tok);
      end = text.len;
    }
    pos = end;
    bool b = !strncmp(tag, "B-", 2) && !strcmp(tag + 2, per);
    bool in = !strncmp(tag, "I-", 2) && !strcmp(tag + 2, per);
    if (open && !in) {
      if (ng < DS_ARRAY_LEN(gs)) gs[ng++] = (struct gold){open_s, open_e, gold_index("PERSON")};
      open = false;
    }
    if (b || (in && !open)) {
      open = true;
      open_s = at;
    }
    if (open) open_e = end;
  }
  fclose(f);
  ds_buf_release(&text);
  return rc;
}

struct ner_part {
  const char *name, *file, *per;
  bool iob2;
};

/* dev: the development parts (rules tuned on them), else the held-apart test parts. */
static int ner(struct ds_deid *d, const char *dir, bool dev) {
  static const struct ner_part test_parts[] = {{"wnut17-test", "wnut17/emerging.test.annotated", "person", false},
                                               {"btc-h", "broad-twitter-corpus/h.conll", "PER", false},
                                               {"uner-ewt-test", "uner-english-ewt/en_ewt-ud-test.iob2", "PER", true}};
  static const struct ner_part dev_parts[] = {{"wnut17-dev", "wnut17/emerging.dev.conll", "person", false},
                                              {"btc-e", "broad-twitter-corpus/e.conll", "PER", false},
                                              {"uner-ewt-dev", "uner-english-ewt/en_ewt-ud-dev.iob2", "PER", true}};
  const struct ner_part *parts = dev ? dev_parts : test_parts;
  struct tally total = {0};
  if (dev)
    printf("person names on the NER development parts in %s (rules tuned on them):\n", dir);
  else
    printf("person names on the held-apart NER test parts in %s (never trained or tuned on):\n", dir);
  printf("%-14s %6s %6s %6s %6s %9s %9s\n", "part", "gold", "found", "det", "fp", "recall", "precision");
  for (size_t i = 0; i < 3; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, parts[i].file);
    struct tally t = {0};
    if (ner_file(d, path, parts[i].per, parts[i].iob2, &t)) return 1;
    int r = 6; /* PERSON */
    unsigned long det = t.tp[r] + t.fp[r];
    printf("%-14s %6lu %6lu %6lu %6lu %9.4f %9.4f\n", parts[i].name, t.gold[r], t.found[r], det, t.fp[r],
           t.gold[r] ? (double)t.found[r] / (double)t.gold[r] : 0.0, det ? (double)t.tp[r] / (double)det : 0.0);
    for (int k = 0; k < N_ROWS; k++) {
      total.gold[k] += t.gold[k];
      total.found[k] += t.found[k];
      total.tp[k] += t.tp[k];
      total.fp[k] += t.fp[k];
    }
  }
  unsigned long det = total.tp[6] + total.fp[6];
  printf("%-14s %6lu %6lu %6lu %6lu %9.4f %9.4f\n", "all", total.gold[6], total.found[6], det, total.fp[6],
         total.gold[6] ? (double)total.found[6] / (double)total.gold[6] : 0.0, det ? (double)total.tp[6] / (double)det : 0.0);
  return 0;
}

/* ---- street addresses: usaddress-labeled ------------------------------------------------ */

/* Recall of street addresses on usaddress-labeled (hand-labelled real US addresses, one
 * <AddressString> of tagged tokens each). Each address, its tokens joined by single spaces,
 * is set in three neutral carrier sentences. Its street part is the tokens tagged
 * AddressNumber*, StreetName* (pre/post type, directional, modifier) and USPSBox* (a PO box,
 * a rural route); an address with no street part (a recipient, a town) is not scored. It is
 * found in a sentence when ADDRESS detections cover at least 80% of the letters and digits of
 * its street part. dev: training/labeled.xml and us50_*.xml (tuned on); test: every file of
 * measure_performance/test_data (held apart, its summary only). */
static const char *const carriers[][2] = {
  {"Please send it to ", "."}, {"My address is ", ""}, {"I moved to ", " last year."}};

/* The next <AddressString> of an XML text from *pos: the tokens joined into out, and in
 * street the byte ranges of its street part (pairs, up to cap). false at the end. */
static bool next_address(const char *x, size_t len, size_t *pos, struct ds_buf *out, size_t *street, size_t *n_street,
                         size_t cap) {
  const char *a = memmem(x + *pos, len - *pos, "<AddressString>", 15);
  if (!a) return false;
  const char *end = memmem(a, (size_t)(x + len - a), "</AddressString>", 16);
  if (!end) return false;
  *pos = (size_t)(end - x) + 16;
  ds_buf_reset(out);
  *n_street = 0;
  for (const char *p = a + 15; p < end;) {
    const char *lt = memchr(p, '<', (size_t)(end - p));
    if (!lt) break;
    const char *gt = memchr(lt, '>', (size_t)(end - lt));
    if (!gt) break;
    size_t tl = (size_t)(gt - lt - 1);
    const char *close = memmem(gt + 1, (size_t)(end - gt - 1), "</", 2);
    if (!close) break;
    bool st = (tl >= 13 && !strncmp(lt + 1, "AddressNumber", 13)) || (tl >= 10 && !strncmp(lt + 1, "StreetName", 10)) ||
              (tl >= 7 && !strncmp(lt + 1, "USPSBox", 7));
    const char *v = gt + 1, *ve = close;
    while (v < ve && (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t')) v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\n' || ve[-1] == '\r' || ve[-1] == '\t')) ve--;
    if (ve > v) {
      if (out->len) ds_buf_addc(out, ' ');
      size_t ts = out->len;
      for (const char *q = v; q < ve; q++) { /* &amp; &#8212; */
        const char *semi = *q == '&' ? memchr(q, ';', (size_t)(ve - q)) : NULL;
        if (semi && semi - q <= 8) {
          if (!strncmp(q, "&amp;", 5)) ds_buf_addc(out, '&');
          else ds_buf_addc(out, ' ');
          q = semi;
        } else ds_buf_addc(out, *q);
      }
      if (st && *n_street < cap) street[2 * *n_street] = ts, street[2 * *n_street + 1] = out->len, (*n_street)++;
    }
    const char *ce = memchr(close, '>', (size_t)(end - close));
    p = ce ? ce + 1 : end;
  }
  return true;
}

/* One file: addresses scored, sentences and sentences where the address was found. */
static int usaddress_file(struct ds_deid *d, const char *path, bool errors, unsigned long *out_n,
                          unsigned long *out_sent, unsigned long *out_found) {
  struct ds_buf x, addr, sent;
  struct ds_err err = {0};
  ds_buf_init(&x, 0);
  if (ds_read_file(path, 16u << 20, &x, &err)) {
    fprintf(stderr, "bench_deid: %s (skipped)\n", err.msg);
    ds_buf_release(&x);
    return 0;
  }
  ds_buf_init(&addr, 0);
  ds_buf_init(&sent, 0);
  size_t pos = 0, street[64], ns;
  while (next_address(x.data, x.len, &pos, &addr, street, &ns, 32)) {
    size_t want = 0;
    for (size_t k = 0; k < ns; k++)
      for (size_t b = street[2 * k]; b < street[2 * k + 1]; b++) want += alnum_byte((unsigned char)addr.data[b]);
    if (!want) continue;
    size_t al = addr.len; /* "Road," at its end: the carrier's punctuation instead */
    while (al > 0 && (addr.data[al - 1] == ',' || addr.data[al - 1] == ';')) al--;
    (*out_n)++;
    for (size_t ci = 0; ci < DS_ARRAY_LEN(carriers); ci++) {
      ds_buf_reset(&sent);
      ds_buf_adds(&sent, carriers[ci][0]);
      size_t off = sent.len;
      ds_buf_add(&sent, addr.data, al);
      const char *tail = carriers[ci][1];
      ds_buf_adds(&sent, al && addr.data[al - 1] == '.' && *tail == '.' ? tail + 1 : tail);
      struct ds_deid_span *sp;
      size_t n;
      if (ds_deid_find(d, sent.data, sent.len, &sp, &n, &err)) {
        fprintf(stderr, "bench_deid: %s\n", err.msg);
        return 1;
      }
      size_t cov = 0;
      for (size_t k = 0; k < ns; k++)
        for (size_t b = street[2 * k]; b < street[2 * k + 1] && b < al; b++) {
          if (!alnum_byte((unsigned char)addr.data[b])) continue;
          for (size_t j = 0; j < n; j++)
            if (sp[j].start <= off + b && off + b < sp[j].end && !strcmp(sp[j].type, "ADDRESS")) {
              cov++;
              break;
            }
        }
      (*out_sent)++;
      if (10 * cov >= 8 * want) (*out_found)++;
      else if (errors) {
        printf("FN ADDRESS %s\t|", sent.data);
        for (size_t j = 0; j < n; j++)
          printf(" [%s %.*s]", sp[j].type, (int)(sp[j].end - sp[j].start), sent.data + sp[j].start);
        printf("\n");
      }
      ds_free(sp);
    }
  }
  ds_buf_release(&x);
  ds_buf_release(&addr);
  ds_buf_release(&sent);
  return 0;
}

/* dev: the training files (tuned on; --show-errors prints the misses); else the held-apart
 * test files (summary only). */
static int usaddress(struct ds_deid *d, const char *dir, bool dev) {
  static const char *const dev_files[] = {"training/labeled.xml", "training/us50_train_tagged.xml",
                                          "training/us50_messiest_manual_label.xml", NULL};
  static const char *const test_files[] = {"measure_performance/test_data/labeled.xml",
                                           "measure_performance/test_data/us50_test_tagged.xml",
                                           "measure_performance/test_data/multi_word_state_addresses.xml",
                                           "measure_performance/test_data/simple_address_patterns.xml", NULL};
  printf("street addresses on %s, %s;\nfound: ADDRESS covers >= 80%% of the street part (number, street, "
         "PO box), scored per sentence, %zu carrier sentences per address\n",
         dir, dev ? "dev part: training files, tuned on" : "test part: test_data files, held apart",
         DS_ARRAY_LEN(carriers));
  printf("%-42s %9s %9s %9s %9s\n", "file", "addresses", "sentences", "found", "recall");
  unsigned long tn = 0, ts = 0, tf = 0;
  for (const char *const *f = dev ? dev_files : test_files; *f; f++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, *f);
    unsigned long n = 0, s = 0, found = 0;
    if (usaddress_file(d, path, dev && show_errors, &n, &s, &found)) return 1;
    printf("%-42s %9lu %9lu %9lu %9.4f\n", strrchr(*f, '/') + 1, n, s, found, s ? (double)found / (double)s : 0.0);
    tn += n, ts += s, tf += found;
  }
  printf("%-42s %9lu %9lu %9lu %9.4f\n", "all", tn, ts, tf, ts ? (double)tf / (double)ts : 0.0);
  return 0;
}

/* ---- traffic: speed and code damage --------------------------------------------------- */

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
static const char *dump_all;  /* --dump-all FILE */

static uint64_t fnv64(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

/* Every detection ("D" code regions on, "P" off: string, type, offsets, text with tabs and
 * newlines escaped) and per string the FNV-1a of its placeholder ("T") and keyed surrogate ("S")
 * text, each string a conversation of its own. */
static int dump_all_to(struct ds_deid *d, struct ds_deid *prose, const char *texts, const size_t *offs, size_t n) {
  FILE *f = fopen(dump_all, "w");
  if (!f) {
    perror(dump_all);
    return 1;
  }
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.replace = DS_DEID_REPLACE_SURROGATE;
  p.hmac_key_env = "DS_BENCH_DUMP_KEY";
  setenv("DS_BENCH_DUMP_KEY", "bench-dump-all", 1);
  struct ds_deid *sur;
  struct ds_err err = {0};
  if (ds_deid_new(&p, &sur, &err)) {
    fprintf(stderr, "bench_deid: %s\n", err.msg);
    fclose(f);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    const char *t = texts + offs[2 * i];
    size_t len = offs[2 * i + 1];
    for (int pass = 0; pass < 2; pass++) {
      struct ds_deid_span *sp;
      size_t k;
      if (ds_deid_find(pass ? prose : d, t, len, &sp, &k, NULL)) continue;
      for (size_t j = 0; j < k; j++) {
        fprintf(f, "%c %zu %s %zu %zu ", pass ? 'P' : 'D', i, sp[j].type, sp[j].start, sp[j].end);
        for (size_t x = sp[j].start; x < sp[j].end; x++)
          if (t[x] == '\n' || t[x] == '\t' || t[x] == '\\') fprintf(f, "\\%c", t[x] == '\n' ? 'n' : t[x] == '\t' ? 't' : '\\');
          else fputc(t[x], f);
        fputc('\n', f);
      }
      ds_free(sp);
    }
    for (int pass = 0; pass < 2; pass++) {
      struct ds_deid *x = pass ? sur : d;
      char *out;
      size_t out_len;
      ds_deid_reset(x);
      if (ds_deid_text(x, t, len, &out, &out_len, NULL) == DS_OK) {
        fprintf(f, "%c %zu %016llx\n", pass ? 'S' : 'T', i, (unsigned long long)fnv64(out, out_len));
        ds_free(out);
      }
    }
  }
  ds_deid_free(sur);
  return fclose(f) ? 1 : 0;
}

/* One timed pass over every string (its own function, for callgrind --toggle-collect). */
__attribute__((noinline)) static size_t speed_pass(struct ds_deid *d, const char *texts, const size_t *offs, size_t n,
                                                   bool dump) {
  size_t found = 0;
  for (size_t i = 0; i < n; i++) {
    struct ds_deid_span *sp;
    size_t k;
    ds_deid_find(d, texts + offs[2 * i], offs[2 * i + 1], &sp, &k, NULL);
    found += k;
    for (size_t j = 0; dump && j < k; j++)
      if (!strcmp(sp[j].type, dump_type))
        printf("%s\t%.*s\n", dump_type, (int)(sp[j].end - sp[j].start), texts + offs[2 * i] + sp[j].start);
    ds_free(sp);
  }
  return found;
}

/* Fenced code blocks (``` or ~~~ at a line start, to the closing fence) of a text. */
static size_t fences(const char *t, size_t len, size_t *r, size_t cap) {
  size_t n = 0, open = SIZE_MAX;
  for (size_t ls = 0; ls < len;) {
    const char *nl = memchr(t + ls, '\n', len - ls);
    size_t le = nl ? (size_t)(nl - t) : len, i = ls;
    while (i < le && i - ls < 4 && t[i] == ' ') i++;
    if (i + 3 <= le && (!strncmp(t + i, "```", 3) || !strncmp(t + i, "~~~", 3))) {
      if (open == SIZE_MAX) open = ls;
      else {
        if (n < cap) r[2 * n] = open, r[2 * n + 1] = le, n++;
        open = SIZE_MAX;
      }
    }
    ls = nl ? le + 1 : len;
  }
  if (open != SIZE_MAX && n < cap) r[2 * n] = open, r[2 * n + 1] = len, n++;
  return n;
}

static int traffic(struct ds_deid *d, struct ds_deid *prose, const char *path, int rounds) {
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
  /* code damage: detections starting inside fenced blocks, code regions on and off */
  size_t blocks = 0, in_code = 0, in_code_prose = 0;
  for (size_t i = 0; i < n; i++) {
    const char *t = texts.data + offs[2 * i];
    size_t len = offs[2 * i + 1], r[256];
    size_t nb = fences(t, len, r, 128);
    if (!nb) continue;
    blocks += nb;
    for (int pass = 0; pass < 2; pass++) {
      struct ds_deid_span *sp;
      size_t k;
      if (ds_deid_find(pass ? prose : d, t, len, &sp, &k, NULL)) continue;
      for (size_t j = 0; j < k; j++)
        for (size_t b = 0; b < nb; b++)
          if (sp[j].start >= r[2 * b] && sp[j].start < r[2 * b + 1]) {
            if (pass) in_code_prose++;
            else {
              in_code++;
              if (show_errors) printf("CODE %-10s %.*s\n", sp[j].type, (int)(sp[j].end - sp[j].start), t + sp[j].start);
            }
          }
      ds_free(sp);
    }
  }
  if (blocks)
    printf("code damage on %s: %zu fenced code blocks; detections inside them per 1,000 blocks: %.1f "
           "(code read as prose: %.1f)\n",
           path, blocks, 1000.0 * (double)in_code / (double)blocks, 1000.0 * (double)in_code_prose / (double)blocks);
  if (dump_all && dump_all_to(d, prose, texts.data, offs, n)) return 1;
  size_t total = 0, found = 0;
  double best = 1e9;
  for (int r = 0; r < rounds; r++) {
    double t0 = bench_cpu_self();
    found = speed_pass(d, texts.data, offs, n, dump_type && r == 0);
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
  const char *traffic_path = "../shared/data/traffic/sharegpt-1000.jsonl";
  const char *ner_dir = "../shared/data/ner";
  const char *usaddress_dir = "../shared/data/ner/usaddress-labeled";
  const char *types = NULL, *text = NULL;
  int rounds = 5, part = -1; /* --part dev also reads the NER development parts */
  bool surrogate = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--labeled") && i + 1 < argc) labeled = argv[++i];
    else if (!strcmp(argv[i], "--traffic") && i + 1 < argc) traffic_path = argv[++i];
    else if (!strcmp(argv[i], "--ner") && i + 1 < argc) ner_dir = argv[++i];
    else if (!strcmp(argv[i], "--usaddress") && i + 1 < argc) usaddress_dir = argv[++i];
    else if (!strcmp(argv[i], "--types") && i + 1 < argc) types = argv[++i];
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--show-errors")) show_errors = true;
    else if (!strcmp(argv[i], "--surrogate")) surrogate = true;
    else if (!strcmp(argv[i], "--text") && i + 1 < argc) text = argv[++i];
    else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump_type = argv[++i];
    else if (!strcmp(argv[i], "--dump-all") && i + 1 < argc) dump_all = argv[++i];
    else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
      i++;
      part = !strcmp(argv[i], "dev") ? 1 : !strcmp(argv[i], "test") ? 2 : 0;
    } else {
      fprintf(stderr, "usage: bench_deid [--labeled F.json] [--ner DIR] [--usaddress DIR] [--traffic F.jsonl] "
                      "[--types LIST] [--rounds N] [--part dev|test|all] [--show-errors] [--surrogate] [--text T] "
                      "[--dump TYPE] [--dump-all FILE]\n");
      return 2;
    }
  }
  struct ds_err err = {0};
  if (ds_init(&err)) return 1;
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.types = types;
  if (surrogate) p.replace = DS_DEID_REPLACE_SURROGATE;
  struct ds_deid *d, *prose;
  double t0 = ds_now_mono();
  if (ds_deid_new(&p, &d, &err)) {
    fprintf(stderr, "bench_deid: %s\n", err.msg);
    return 1;
  }
  double t_new = ds_now_mono() - t0;
  p.no_code_regions = true;
  if (ds_deid_new(&p, &prose, &err)) {
    fprintf(stderr, "bench_deid: %s\n", err.msg);
    return 1;
  }
  int rc = 0;
  if (text) { /* what is found in one text, and what it becomes */
    struct ds_deid_span *sp;
    size_t n;
    if (ds_deid_find(d, text, strlen(text), &sp, &n, &err) == DS_OK) {
      for (size_t i = 0; i < n; i++) printf("%-14s %.*s\n", sp[i].type, (int)(sp[i].end - sp[i].start), text + sp[i].start);
      ds_free(sp);
    }
    char *out;
    if (ds_deid_text(d, text, strlen(text), &out, NULL, &err) == DS_OK) {
      printf("-> %s\n", out);
      ds_free(out);
    }
  } else {
    printf("first de-identifier of the process ready in %.2f s (lexicon, tagger, patterns)\n", t_new);
    if (*labeled) {
      if (part < 0) rc |= presidio(d, labeled, 1) || presidio(d, labeled, 2);
      else rc |= presidio(d, labeled, part);
    }
    if (*ner_dir) rc |= ner(d, ner_dir, part == 1);
    if (*usaddress_dir) {
      if (part != 2) rc |= usaddress(d, usaddress_dir, true);
      if (part != 1) rc |= usaddress(d, usaddress_dir, false);
    }
    if (*traffic_path) rc |= traffic(d, prose, traffic_path, rounds < 1 ? 1 : rounds);
  }
  ds_deid_free(d);
  ds_deid_free(prose);
  return rc;
}
