/* reader.c: ds_reader: an input (a file, a zip archive or a directory walked in name order)
 * read as units; each unit's format picked from its first items (or forced by name), its items
 * handed to that format's reader (formats/), the records and failures it makes queued in
 * order, and every item accounted for as used, skipped, duplicate or failed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/reader_int.h"

void ds_reader_default_params(struct ds_reader_params *p) {
  memset(p, 0, sizeof *p);
  p->max_record_bytes = CORPUS_DEFAULT_MAX_RECORD;
  p->max_depth = CORPUS_DEFAULT_MAX_DEPTH;
  p->max_document_bytes = CORPUS_DEFAULT_MAX_DOCUMENT;
}

/* ---- the queue ------------------------------------------------------------------------ */

static enum ds_status enqueue(struct ds_reader *r, json_t *rec, const char *file, uint64_t line,
                              const struct ds_bad_record *bad) {
  if (r->qn == r->qcap) {
    size_t cap = r->qcap ? r->qcap * 2 : 16;
    struct qent *q = ds_malloc(cap * sizeof *q);
    if (!q) {
      json_decref(rec);
      return DS_E_NOMEM;
    }
    for (size_t i = 0; i < r->qn; i++) q[i] = r->q[(r->qh + i) % r->qcap];
    ds_free(r->q);
    r->q = q;
    r->qh = 0;
    r->qcap = cap;
  }
  struct qent *e = &r->q[(r->qh + r->qn) % r->qcap];
  memset(e, 0, sizeof *e);
  e->rec = rec;
  e->file = ds_strdup(file ? file : r->path);
  e->line = line;
  e->format = r->fmt ? r->fmt->name : "auto";
  e->container = r->container ? r->container : FMT_JSONL;
  if (bad) e->bad = *bad;
  if (!e->file) {
    json_decref(rec);
    return DS_E_NOMEM;
  }
  r->qn++;
  return DS_OK;
}

/* ---- what readers call -------------------------------------------------------------- */

/* While a FMT_JOIN_UNITS state finishes, its records and failures count to the file they
 * come from (their unit has been written already). */
static void count_joined(struct ds_reader *r, const char *file, const char *key) {
  json_t *u = r->join_files && file ? json_object_get(r->join_files, file) : NULL;
  if (!u) return;
  json_object_set_new(u, key, json_integer(json_integer_value(json_object_get(u, key)) + 1));
  if (!strcmp(key, "records")) r->u_records--;
  else r->u_failed--;
}

enum ds_status fmt_emit(struct fmt_out *o, json_t *rec, const char *file, uint64_t line) {
  struct ds_reader *r = o->r;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (corpus_record_check(rec, &b) != DS_OK) {
    json_decref(rec);
    char detail[sizeof b.msg + 64];
    snprintf(detail, sizeof detail, "%s reader made an invalid record: %.300s", r->fmt ? r->fmt->name : "?", b.msg);
    corpus_bad_at(&b, file ? file : r->path, line, b.reason, detail);
    r->u_failed++;
    count_joined(r, file, "failed");
    return enqueue(r, NULL, file, line, &b);
  }
  r->u_records++;
  count_joined(r, file, "records");
  return enqueue(r, rec, file, line, NULL);
}

static void bump(json_t *obj, const char *type, uint64_t n) {
  if (obj && n) corpus_count(obj, type && *type ? type : "(untyped)", (json_int_t)n);
}

void fmt_skip(struct fmt_out *o, const char *type, uint64_t n) {
  o->r->items.skipped += n;
  bump(o->r->u_skipped, type, n);
}

void fmt_duplicate(struct fmt_out *o, const char *type, uint64_t n) {
  o->r->items.duplicate += n;
  bump(o->r->u_dup, type, n);
}

enum ds_status fmt_fail(struct fmt_out *o, const char *file, uint64_t line, const char *reason, const char *fmt, ...) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  char detail[sizeof b.msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  corpus_bad_at(&b, file ? file : o->r->path, line, reason, detail);
  o->r->u_failed++;
  count_joined(o->r, file, "failed");
  return enqueue(o->r, NULL, file, line, &b);
}

enum ds_status fmt_fail_item(struct fmt_out *o, const struct fmt_item *it, const struct ds_bad_record *b) {
  o->r->items.failed++;
  return fmt_fail(o, it->file, it->line, b->reason ? b->reason : "bad_record", "%s", b->msg);
}

const struct ds_reader_params *fmt_params(const struct fmt_out *o) { return &o->r->p; }

/* ---- reading a unit ------------------------------------------------------------------- */

static void sha_tap(void *ud, const void *p, size_t n) { ds_sha256_update(ud, p, n); }

/* True when path starts with a gzip or zstd magic number. */
static bool is_compressed(const char *path) {
  unsigned char m[4] = {0};
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  size_t n = fread(m, 1, 4, f);
  fclose(f);
  return (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) || (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd);
}

/* Adds one file's hash to the directory's list (relative path, hash). */
static enum ds_status tree_add(struct ds_reader *r, const char *file, const char *hex) {
  if (!r->is_dir) {
    snprintf(r->sha_hex, sizeof r->sha_hex, "%s", hex);
    return DS_OK;
  }
  size_t n = strlen(r->path);
  const char *rel = strncmp(file, r->path, n) == 0 && file[n] == '/' ? file + n + 1 : file;
  if (ds_buf_adds(&r->tree, rel) || ds_buf_addc(&r->tree, '\0') || ds_buf_adds(&r->tree, hex) ||
      ds_buf_addc(&r->tree, '\n'))
    return DS_E_NOMEM;
  return DS_OK;
}

static int cmp_members(const void *a, const void *b, void *z) {
  return fmt_natural_cmp(zip_name(z, *(const size_t *)a), zip_name(z, *(const size_t *)b));
}

/* The next raw item of the current unit: DS_OK with *v (new) or a failure in bad; DS_E_NOTFOUND
 * at its end. file/name point into the reader until the next call. */
static enum ds_status next_raw(struct ds_reader *r, json_t **v, const char **file, const char **name,
                               uint64_t *line, struct ds_bad_record *bad, struct ds_err *err) {
  *v = NULL;
  memset(bad, 0, sizeof *bad);
  struct unit *u = r->u;
  enum ds_status st;
  if (u->kind == U_FILE) {
    st = src_file_next(r->file, v, line, bad, err);
    r->container = src_file_container(r->file);
    *file = u->path;
    const char *slash = strrchr(u->path, '/');
    *name = slash ? slash + 1 : u->path;
    return st;
  }
  ds_buf_reset(&r->name_buf);
  if (u->kind == U_ZIP) {
    if (r->mi >= r->n_members) return DS_E_NOTFOUND;
    size_t k = r->members[r->mi++];
    if (ds_buf_addf(&r->name_buf, "%s!%s", u->path, zip_name(r->zip, k))) return ds_fail(err, DS_E_NOMEM, "out of memory");
    *file = r->name_buf.data;
    *name = zip_name(r->zip, k);
    *line = 1;
    struct ds_err ze = {0};
    st = zip_read(r->zip, k, r->p.max_document_bytes, &r->mbuf, &ze);
    if (st == DS_E_NOMEM) return ds_fail(err, st, "%s", ze.msg);
    if (st) {
      /* a damaged or oversized member fails alone; the others are read */
      corpus_bad_at(bad, *file, 1, st == DS_E_LIMIT ? "too_long" : "bad_member", ze.msg);
      return DS_OK;
    }
    return corpus_parse_value(*file, r->mbuf.data, r->mbuf.len, r->p.max_depth, &r->scratch, v, bad, err);
  }
  /* U_EVENTS */
  if (r->ei >= u->n_names) return DS_E_NOTFOUND;
  const char *n = u->names[r->ei++];
  if (ds_buf_addf(&r->name_buf, "%s/%s", u->path, n)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  *file = r->name_buf.data;
  *name = n;
  *line = 1;
  ds_buf_reset(&r->mbuf);
  struct ds_err fe = {0};
  st = ds_read_file(*file, r->p.max_document_bytes, &r->mbuf, &fe);
  if (st == DS_E_NOMEM) return ds_fail(err, st, "out of memory");
  if (st == DS_E_IO) return ds_fail(err, st, "%s", fe.msg);
  char hex[65];
  ds_sha256_hex(r->mbuf.data, r->mbuf.len, hex);
  if (tree_add(r, *file, hex)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  r->bytes_done += r->mbuf.len;
  if (st) {
    corpus_bad_at(bad, *file, 1, st == DS_E_LIMIT ? "too_long" : "bad_json", fe.msg);
    return DS_OK;
  }
  return corpus_parse_value(*file, r->mbuf.data, r->mbuf.len, r->p.max_depth, &r->scratch, v, bad, err);
}

static void clear_probe(struct ds_reader *r) {
  for (size_t i = 0; i < r->n_probe; i++) {
    json_decref(r->probe[i].v);
    ds_free(r->probe[i].file);
    ds_free(r->probe[i].name);
  }
  r->n_probe = r->probe_pos = 0;
}

/* The unit's state for a FMT_JOIN_UNITS format: the one an earlier unit of the input began,
 * or a new one kept for the next units (past MAX_JOINS formats, a state per unit). */
static enum ds_status join_begin(struct ds_reader *r, const struct fmt_probe *pr, struct ds_err *err) {
  for (size_t i = 0; i < r->n_joins; i++) {
    if (r->joins[i].fmt == r->fmt) {
      r->fstate = r->joins[i].state;
      r->joined = true;
      return DS_OK;
    }
  }
  enum ds_status st = r->fmt->begin ? r->fmt->begin(&r->fstate, pr, err) : DS_OK;
  if (st || r->n_joins == MAX_JOINS) return st;
  r->joins[r->n_joins++] = (struct join){r->fmt, r->fstate, 0, false};
  r->joined = true;
  return DS_OK;
}

/* Opens the next unit, reads its first items and picks its format. */
static enum ds_status start_unit(struct ds_reader *r, struct ds_err *err) {
  struct unit *u = r->u = &r->units[r->next_unit++];
  enum ds_status st;
  r->fmt = NULL;
  r->fstate = NULL;
  r->unknown = false;
  r->u_items = r->u_failed = r->u_records = 0;
  r->mi = r->ei = 0;
  json_decref(r->u_skipped);
  json_decref(r->u_dup);
  r->u_skipped = json_object();
  r->u_dup = json_object();
  if (!r->u_skipped || !r->u_dup) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (u->kind == U_FILE) {
    r->container = FMT_JSONL;
    if ((st = src_file_open(u->path, &r->p, &r->file, err))) return st;
    if (strcmp(u->path, "-") != 0 && !is_compressed(u->path)) {
      if (ds_sha256_begin(&r->usha)) return ds_fail(err, DS_E_NOMEM, "out of memory");
      r->usha_open = true;
      src_file_set_tap(r->file, sha_tap, &r->usha);
    }
  } else if (u->kind == U_ZIP) {
    r->container = FMT_ZIP;
    if ((st = zip_open(u->path, &r->zip, err))) return st;
    size_t n = zip_count(r->zip);
    r->members = ds_malloc((n ? n : 1) * sizeof *r->members);
    if (!r->members) return ds_fail(err, DS_E_NOMEM, "out of memory");
    r->n_members = 0;
    for (size_t i = 0; i < n; i++) {
      const char *nm = zip_name(r->zip, i);
      if (*nm && nm[strlen(nm) - 1] != '/' && rd_ends_with(nm, ".json")) r->members[r->n_members++] = i;
    }
    qsort_r(r->members, r->n_members, sizeof *r->members, cmp_members, r->zip);
  } else {
    r->container = FMT_EVENT_DIR;
  }
  /* probe */
  const json_t *items[FMT_PROBE_ITEMS];
  size_t n_items = 0;
  while (r->n_probe < PROBE_MAX_TRIES && n_items < FMT_PROBE_ITEMS) {
    struct pend *pe = &r->probe[r->n_probe];
    const char *file = NULL, *name = NULL;
    json_t *v;
    uint64_t line = 0;
    st = next_raw(r, &v, &file, &name, &line, &pe->bad, err);
    if (st == DS_E_NOTFOUND) break;
    if (st) return st;
    pe->v = v;
    pe->line = line;
    pe->file = ds_strdup(file);
    pe->name = ds_strdup(name);
    r->n_probe++;
    if (!pe->file || !pe->name) return ds_fail(err, DS_E_NOMEM, "out of memory");
    if (v) items[n_items++] = v;
  }
  const char *names_buf[1];
  const char *const *names = u->kind == U_EVENTS ? (const char *const *)u->names : names_buf;
  size_t n_names = u->kind == U_EVENTS ? u->n_names : 0;
  const char **zn = NULL;
  if (u->kind == U_ZIP) {
    zn = ds_malloc((zip_count(r->zip) ? zip_count(r->zip) : 1) * sizeof *zn);
    if (!zn) return ds_fail(err, DS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < zip_count(r->zip); i++) zn[i] = zip_name(r->zip, i);
    names = zn;
    n_names = zip_count(r->zip);
  }
  struct fmt_probe pr = {u->path, r->container, items, n_items, n_names ? names : NULL, n_names};
  char why[3800];
  r->fmt = rd_pick(r, &pr, why, sizeof why);
  st = DS_OK;
  if (!r->fmt) {
    r->unknown = true;
    char first[110] = "";
    if (n_items) {
      char *t = ds_json_compact(items[0]);
      if (t) {
        snprintf(first, sizeof first, "%s%s", t, strlen(t) > 100 ? "..." : "");
        if (strlen(t) > 100) memcpy(first + 100, "...", 4);
        ds_free(t);
      }
    }
    snprintf(r->unknown_msg, sizeof r->unknown_msg, "no reader takes this input: %.3760s%s%s%s", why,
             n_items ? "; first item: " : "; nothing in it parsed as JSON", first, "");
  } else if (r->fmt->flags & FMT_JOIN_UNITS) {
    st = join_begin(r, &pr, err);
  } else if (r->fmt->begin) {
    st = r->fmt->begin(&r->fstate, &pr, err);
  }
  ds_free(zn);
  r->active = true;
  return st;
}

/* The unit's object for ds_reader_units. */
static enum ds_status unit_json(struct ds_reader *r, const char *ignored) {
  json_t *o = json_object();
  if (!o || json_array_append_new(r->units_json, o)) return DS_E_NOMEM;
  json_object_set_new(o, "path", json_string(r->u->path));
  if (ignored) {
    json_object_set_new(o, "ignored", json_string(ignored));
    return DS_OK;
  }
  json_object_set_new(o, "format", json_string(r->fmt ? r->fmt->name : "unknown"));
  if (r->fmt) json_object_set_new(o, "reader_version", json_integer(r->fmt->version ? r->fmt->version : 1));
  if (r->fmt) json_object_set_new(o, "tested", json_string(r->fmt->tested));
  json_object_set_new(o, "container", json_string(r->container));
  json_object_set_new(o, "items", json_integer((json_int_t)r->u_items));
  json_object_set(o, "skipped", r->u_skipped);
  json_object_set(o, "duplicate", r->u_dup);
  json_object_set_new(o, "failed", json_integer((json_int_t)r->u_failed));
  json_object_set_new(o, "records", json_integer((json_int_t)r->u_records));
  return DS_OK;
}

static enum ds_status end_unit(struct ds_reader *r, bool finished, struct ds_err *err) {
  enum ds_status st = DS_OK;
  if (finished && r->fmt && r->fmt->finish && !r->unknown && !r->joined) st = r->fmt->finish(r->fstate, &r->out, err);
  if (finished && r->joined && r->fmt->unit_end) st = r->fmt->unit_end(r->fstate, &r->out, err);
  if (r->fmt && r->fmt->end && !r->joined) r->fmt->end(r->fstate);
  r->fstate = NULL;
  if (r->file) {
    if (!st && r->usha_open) st = src_file_drain(r->file, err);
    r->bytes_done += src_file_bytes(r->file);
    src_file_free(r->file);
    r->file = NULL;
  }
  bool ignored = r->unknown && r->u->walked; /* not read: not part of the input's hash */
  char hex[65] = "";
  if (r->usha_open) {
    ds_sha256_end(&r->usha, hex);
    r->usha_open = false;
  } else if (finished && !st && !ignored && r->u->kind != U_EVENTS && strcmp(r->u->path, "-") != 0) {
    st = ds_sha256_file(r->u->path, hex, err);
  }
  if (!st && hex[0] && !ignored && tree_add(r, r->u->path, hex)) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  if (r->zip) {
    zip_free(r->zip);
    r->zip = NULL;
  }
  ds_free(r->members);
  r->members = NULL;
  clear_probe(r);
  if (finished && !st) {
    if (unit_json(r, ignored ? r->unknown_msg : NULL)) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; r->joined && !st && i < r->n_joins; i++) {
    if (r->joins[i].fmt == r->fmt) {
      r->joins[i].unit = json_array_size(r->units_json) - 1;
      r->joins[i].has_unit = true;
    }
  }
  r->joined = false;
  r->active = false;
  return st;
}

/* After the input's last unit: each FMT_JOIN_UNITS state makes its remaining records, counted
 * to the last file its format read. */
static enum ds_status finish_joins(struct ds_reader *r, struct ds_err *err) {
  enum ds_status st = DS_OK;
  if (!(r->join_files = json_object())) return ds_fail(err, DS_E_NOMEM, "out of memory");
  size_t k;
  json_t *uo;
  json_array_foreach(r->units_json, k, uo) {
    const char *path = ds_json_str(uo, "path", NULL);
    if (path && json_object_get(uo, "format") && json_object_set(r->join_files, path, uo))
      return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < r->n_joins; i++) {
    struct join *j = &r->joins[i];
    json_t *u = j->has_unit ? json_array_get(r->units_json, j->unit) : NULL;
    r->fmt = j->fmt;
    r->container = ds_json_str(u, "container", FMT_JSONL);
    r->u_records = r->u_failed = 0;
    json_decref(r->u_skipped);
    json_decref(r->u_dup);
    r->u_skipped = u ? json_incref(json_object_get(u, "skipped")) : NULL;
    r->u_dup = u ? json_incref(json_object_get(u, "duplicate")) : NULL;
    if (!st && j->fmt->finish) st = j->fmt->finish(j->state, &r->out, err);
    if (j->fmt->end) j->fmt->end(j->state);
    if (u) {
      json_object_set_new(u, "records", json_integer(json_integer_value(json_object_get(u, "records")) + (json_int_t)r->u_records));
      json_object_set_new(u, "failed", json_integer(json_integer_value(json_object_get(u, "failed")) + (json_int_t)r->u_failed));
    }
  }
  r->n_joins = 0;
  r->fmt = NULL;
  json_decref(r->join_files);
  r->join_files = NULL;
  return st;
}

/* Hands one item to the format (or fails it when no format takes the unit). */
static enum ds_status dispatch(struct ds_reader *r, json_t *v, const char *file, const char *name, uint64_t line,
                               const struct ds_bad_record *bad, struct ds_err *err) {
  enum ds_status st;
  r->items.in++;
  r->u_items++;
  if (!v) {
    r->items.failed++;
    r->u_failed++;
    return enqueue(r, NULL, file, line, bad) ? ds_fail(err, DS_E_NOMEM, "out of memory") : DS_OK;
  }
  if (r->unknown) {
    struct ds_bad_record b;
    memset(&b, 0, sizeof b);
    char detail[sizeof b.msg];
    if (r->u_failed == 0) snprintf(detail, sizeof detail, "%s", r->unknown_msg);
    else snprintf(detail, sizeof detail, "no reader takes this input (see its first item)");
    corpus_bad_at(&b, file, line, "unknown_format", detail);
    r->items.failed++;
    r->u_failed++;
    return enqueue(r, NULL, file, line, &b) ? ds_fail(err, DS_E_NOMEM, "out of memory") : DS_OK;
  }
  struct fmt_item it = {v, file, name, line};
  if (r->fmt->item) st = r->fmt->item(r->fstate, &it, &r->out, err);
  else st = fmt_chat_item(r->fmt->chat, &it, &r->out);
  if (st == DS_E_NOMEM) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return st;
}

/* One step: the next item of the unit, or the end of the unit. */
static enum ds_status step(struct ds_reader *r, struct ds_err *err) {
  enum ds_status st;
  if (r->unknown && r->u->walked) return end_unit(r, true, err); /* ignored: not read further */
  if (r->probe_pos < r->n_probe) {
    struct pend *pe = &r->probe[r->probe_pos++];
    json_t *v = pe->v;
    pe->v = NULL;
    st = dispatch(r, v, pe->file, pe->name, pe->line, &pe->bad, err);
    json_decref(v);
    return st;
  }
  json_t *v;
  const char *file, *name;
  uint64_t line = 0;
  struct ds_bad_record bad;
  st = next_raw(r, &v, &file, &name, &line, &bad, err);
  if (st == DS_E_NOTFOUND) return end_unit(r, true, err);
  if (st) return st;
  st = dispatch(r, v, file, name, line, &bad, err);
  json_decref(v);
  return st;
}

enum ds_status ds_reader_next(struct ds_reader *r, json_t **out_record, struct ds_bad_record *out_bad,
                              struct ds_err *err) {
  *out_record = NULL;
  memset(out_bad, 0, sizeof *out_bad);
  for (;;) {
    if (r->qn) {
      struct qent *e = &r->q[r->qh];
      r->qh = (r->qh + 1) % r->qcap;
      r->qn--;
      ds_free(r->last.file);
      r->last = *e;
      *out_record = e->rec;
      r->last.rec = NULL;
      if (!e->rec) *out_bad = e->bad;
      out_bad->line = e->line;
      return DS_OK;
    }
    enum ds_status st;
    if (!r->active) {
      if (r->next_unit >= r->n_units) {
        if (r->n_joins) {
          if ((st = finish_joins(r, err))) return st;
          continue;
        }
        if (r->is_dir && !r->sha_hex[0]) ds_sha256_hex(r->tree.data, r->tree.len, r->sha_hex);
        return DS_E_NOTFOUND;
      }
      if ((st = start_unit(r, err))) return st;
      continue;
    }
    if ((st = step(r, err))) return st;
  }
}

const char *ds_reader_format(const struct ds_reader *r) { return r->last.format ? r->last.format : "auto"; }
const char *ds_reader_container(const struct ds_reader *r) {
  return r->last.container ? r->last.container : r->container ? r->container : FMT_JSONL;
}
const char *ds_reader_file(const struct ds_reader *r) { return r->last.file ? r->last.file : r->path; }
uint64_t ds_reader_line(const struct ds_reader *r) { return r->last.line; }
uint64_t ds_reader_bytes(const struct ds_reader *r) {
  return r->bytes_done + (r->file ? src_file_bytes(r->file) : 0);
}
void ds_reader_items(const struct ds_reader *r, struct ds_reader_items *out) {
  *out = r->items;
  out->used = r->items.in - r->items.skipped - r->items.duplicate - r->items.failed;
}
const json_t *ds_reader_units(const struct ds_reader *r) { return r->units_json; }
const char *ds_reader_sha256(const struct ds_reader *r) { return r->sha_hex; }

void ds_reader_free(struct ds_reader *r) {
  if (!r) return;
  if (r->active && r->fmt && r->fmt->end && !r->joined) r->fmt->end(r->fstate);
  for (size_t i = 0; i < r->n_joins; i++)
    if (r->joins[i].fmt->end) r->joins[i].fmt->end(r->joins[i].state);
  if (r->usha_open) {
    char hex[65];
    ds_sha256_end(&r->usha, hex);
  }
  src_file_free(r->file);
  zip_free(r->zip);
  ds_free(r->members);
  clear_probe(r);
  while (r->qn) {
    struct qent *e = &r->q[r->qh];
    json_decref(e->rec);
    ds_free(e->file);
    r->qh = (r->qh + 1) % r->qcap;
    r->qn--;
  }
  ds_free(r->q);
  ds_free(r->last.file);
  for (size_t i = 0; i < r->n_units; i++) rd_release_unit(&r->units[i]);
  ds_free(r->units);
  json_decref(r->u_skipped);
  json_decref(r->u_dup);
  json_decref(r->units_json);
  ds_buf_release(&r->mbuf);
  ds_buf_release(&r->scratch);
  ds_buf_release(&r->name_buf);
  ds_buf_release(&r->tree);
  json_decref(r->join_files);
  ds_free(r->path);
  ds_free(r);
}
