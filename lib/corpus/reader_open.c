/* reader_open.c: opening an input for ds_reader: a file, a zip archive, or a directory walked
 * in name order into units (an event directory of one session is one unit; files no reader
 * takes in a walk are counted as ignored), and picking a unit's format from its first items. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus/reader_int.h"

/* ---- units ---------------------------------------------------------------------------- */

static enum ds_status add_unit(struct ds_reader *r, const char *path, enum ukind kind, bool walked) {
  if (r->n_units == r->cap_units) {
    size_t cap = r->cap_units ? r->cap_units * 2 : 8;
    struct unit *u = ds_realloc(r->units, cap * sizeof *u);
    if (!u) return DS_E_NOMEM;
    r->units = u;
    r->cap_units = cap;
  }
  struct unit *u = &r->units[r->n_units];
  memset(u, 0, sizeof *u);
  u->path = ds_strdup(path);
  if (!u->path) return DS_E_NOMEM;
  u->kind = kind;
  u->walked = walked;
  r->n_units++;
  return DS_OK;
}

void rd_release_unit(struct unit *u) {
  ds_free(u->path);
  for (size_t i = 0; i < u->n_names; i++) ds_free(u->names[i]);
  ds_free(u->names);
}

static int cmp_names(const void *a, const void *b) {
  return fmt_natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

bool rd_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static char *join(const char *dir, const char *name) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  size_t n = strlen(dir);
  if (ds_buf_addf(&b, "%.*s/%s", (int)(n > 1 && dir[n - 1] == '/' ? n - 1 : n), dir, name)) {
    ds_buf_release(&b);
    return NULL;
  }
  return ds_buf_detach(&b, NULL);
}

/* The best format for a probe: a forced one, or the highest detect score (0 when none takes
 * it; why then lists each format's reason). */
const struct corpus_format *rd_pick(const struct ds_reader *r, const struct fmt_probe *pr, char *why,
                                   size_t why_len) {
  if (format_name(r)) return corpus_format_find(format_name(r));
  const struct corpus_format *best = NULL;
  int best_score = 0;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  for (size_t i = 0; corpus_formats[i]; i++) {
    char w[160] = "";
    int s = corpus_formats[i]->detect(pr, w, sizeof w);
    if (s > best_score) {
      best = corpus_formats[i];
      best_score = s;
    }
    if (s <= 0) ds_buf_addf(&b, "%s%s (%s)", b.len ? ", " : "", corpus_formats[i]->name, w[0] ? w : "no match");
  }
  if (why) snprintf(why, why_len, "%s", b.data);
  ds_buf_release(&b);
  return best;
}

/* A directory of one-event JSON files is one session when a format that reads such
 * directories takes its first file. */
static bool event_dir(struct ds_reader *r, const char *dir, char **names, size_t n) {
  if (n == 0) return false;
  char *path = join(dir, names[0]);
  if (!path) return false;
  struct ds_buf text;
  ds_buf_init(&text, 0);
  struct ds_err e = {0};
  json_t *v = NULL;
  struct ds_bad_record bad;
  bool yes = false;
  if (ds_read_file(path, r->p.max_record_bytes, &text, &e) == DS_OK &&
      corpus_parse_value(path, text.data, text.len, r->p.max_depth, &r->scratch, &v, &bad, &e) == DS_OK && v) {
    const json_t *items[1] = {v};
    struct fmt_probe pr = {dir, FMT_EVENT_DIR, items, 1, (const char *const *)names, n};
    const struct corpus_format *f = rd_pick(r, &pr, NULL, 0);
    yes = f && (f->flags & FMT_EVENT_FILES);
  }
  json_decref(v);
  ds_buf_release(&text);
  ds_free(path);
  return yes;
}

static enum ds_status walk(struct ds_reader *r, const char *dir, unsigned depth, struct ds_err *err) {
  if (depth > WALK_MAX_DEPTH) return ds_fail(err, DS_E_LIMIT, "%s: directories nested deeper than %d", dir, WALK_MAX_DEPTH);
  DIR *d = opendir(dir);
  if (!d) return ds_fail(err, DS_E_IO, "%s: cannot open directory: %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  enum ds_status st = DS_OK;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue; /* ., .., and hidden files */
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **nn = ds_realloc(names, cap * sizeof *nn);
      if (!nn) {
        st = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      names = nn;
    }
    if (!(names[n] = ds_strdup(de->d_name))) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    n++;
  }
  closedir(d);
  if (st) goto out;
  qsort(names, n, sizeof *names, cmp_names);
  /* the files, then the subdirectories */
  char **json = ds_malloc((n ? n : 1) * sizeof *json);
  char **dirs = ds_malloc((n ? n : 1) * sizeof *dirs);
  size_t nj = 0, nd = 0;
  if (!json || !dirs) {
    ds_free(json);
    ds_free(dirs);
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    char *p = join(dir, names[i]);
    struct stat sb, lsb;
    if (!p) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    if (lstat(p, &lsb) == 0 && S_ISDIR(lsb.st_mode)) dirs[nd++] = names[i];
    else if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && rd_ends_with(names[i], ".json")) json[nj++] = names[i];
    ds_free(p);
  }
  bool events = !st && event_dir(r, dir, json, nj);
  if (!st && events) {
    if ((st = add_unit(r, dir, U_EVENTS, true))) {
      st = ds_fail(err, st, "out of memory");
    } else {
      struct unit *u = &r->units[r->n_units - 1];
      u->names = ds_malloc(nj * sizeof *u->names);
      if (!u->names) st = ds_fail(err, DS_E_NOMEM, "out of memory");
      for (size_t i = 0; !st && i < nj; i++) {
        if (!(u->names[i] = ds_strdup(json[i]))) st = ds_fail(err, DS_E_NOMEM, "out of memory");
        else u->n_names++;
      }
    }
  }
  for (size_t i = 0; !st && i < n; i++) {
    bool is_dir = false, in_events = false;
    for (size_t k = 0; k < nd; k++) is_dir |= dirs[k] == names[i];
    for (size_t k = 0; events && k < nj; k++) in_events |= json[k] == names[i];
    if (is_dir || in_events) continue;
    char *p = join(dir, names[i]);
    struct stat sb;
    if (!p) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && add_unit(r, p, zip_is_zip(p) ? U_ZIP : U_FILE, true))
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
    ds_free(p);
  }
  for (size_t k = 0; !st && k < nd; k++) {
    char *p = join(dir, dirs[k]);
    if (!p) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    st = walk(r, p, depth + 1, err);
    ds_free(p);
  }
  ds_free(json);
  ds_free(dirs);
out:
  for (size_t i = 0; i < n; i++) ds_free(names[i]);
  ds_free(names);
  return st;
}

enum ds_status ds_reader_open(const char *path, const struct ds_reader_params *p, struct ds_reader **out,
                              struct ds_err *err) {
  *out = NULL;
  if (p && p->format && ds_format_check(p->format, err)) return DS_E_INVALID;
  if (p && ds_field_map_active(&p->fields)) {
    if (ds_field_map_check(&p->fields, err)) return DS_E_INVALID;
    if (p->format && strcmp(p->format, "auto") != 0 && strcmp(p->format, "mapped") != 0)
      return ds_fail(err, DS_E_INVALID, "field maps (--id-field, --messages-field, --time-field, --segment-field, "
                     "--content-field) are read by the mapped reader, not by --format %s", p->format);
  }
  struct ds_reader *r = ds_calloc(1, sizeof *r);
  if (!r) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (p) r->p = *p;
  else ds_reader_default_params(&r->p);
  if (!r->p.max_record_bytes) r->p.max_record_bytes = CORPUS_DEFAULT_MAX_RECORD;
  if (!r->p.max_depth) r->p.max_depth = CORPUS_DEFAULT_MAX_DEPTH;
  if (!r->p.max_document_bytes) r->p.max_document_bytes = CORPUS_DEFAULT_MAX_DOCUMENT;
  r->out.r = r;
  ds_buf_init(&r->mbuf, 0);
  ds_buf_init(&r->scratch, 0);
  ds_buf_init(&r->name_buf, 0);
  ds_buf_init(&r->tree, 0);
  r->path = ds_strdup(path);
  r->units_json = json_array();
  enum ds_status st = DS_OK;
  if (!r->path || !r->units_json) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  struct stat sb;
  if (strcmp(path, "-") != 0 && stat(path, &sb) != 0) {
    st = ds_fail(err, DS_E_IO, "%s: cannot open: %s", path, strerror(errno));
    goto out;
  }
  if (strcmp(path, "-") != 0 && S_ISDIR(sb.st_mode)) {
    r->is_dir = true;
    if ((st = walk(r, path, 0, err))) goto out;
  } else if ((st = add_unit(r, path, strcmp(path, "-") != 0 && zip_is_zip(path) ? U_ZIP : U_FILE, false))) {
    st = ds_fail(err, st, "out of memory");
    goto out;
  } else if (r->units[0].kind == U_FILE && strcmp(path, "-") != 0) {
    /* fail early, as before, when the file cannot be opened */
    struct src_file *f;
    if ((st = src_file_open(path, &r->p, &f, err))) goto out;
    src_file_free(f);
  }
out:
  if (st) {
    ds_reader_free(r);
    return st;
  }
  *out = r;
  return DS_OK;
}
