/* source.c: the items of one input file (plain, .gz or .zst): JSON Lines, one JSON array
 * split element by element without loading it whole, one (pretty-printed) JSON document, or
 * a CSV file (by its .csv name: an object {column: text} per row); each item parsed under the
 * size and depth limits, or failed with a reason and FILE:LINE. */
#include <string.h>

#include "corpus_int.h"

#include <string.h>

#include "corpus_int.h"

#define CHUNK_CAP (1u << 18)

enum container { C_UNKNOWN, C_JSONL, C_ARRAY, C_DOCUMENT, C_CSV };
/* JSON array states: expecting the first element or ']', an element after ',', inside an
 * element (which runs to the ',' or ']' at its own top level), after the closing ']',
 * finished. */
enum astate { A_FIRST, A_NEXT, A_ELEM, A_END, A_DONE };

struct src_file {
  struct ds_lines *src;
  char *path;
  struct ds_reader_params p;
  enum container container;
  char *chunk;                /* decoded bytes chunk[pos..len) not yet consumed */
  size_t pos, len;
  char *own;                  /* the CHUNK_CAP buffer (chunk points into a document otherwise) */
  struct ds_buf doc;          /* a whole document, once the first line proved to be one */
  bool eof;
  bool first_done;            /* the first item was read (a document is tried only there) */
  uint64_t newlines;          /* '\n' consumed so far: the current line is newlines + 1 */
  struct ds_buf rec;          /* one record's bytes when it spans chunks */
  struct ds_buf scratch;      /* the fast parser's unescaped strings */
  /* array element scan */
  enum astate astate;
  unsigned depth;
  uint64_t elem_line;
  void (*tap)(void *ud, const void *p, size_t n);
  void *tap_ud;
  bool in_str, esc, too_long, too_deep, nul;
  json_t *csv_header;         /* CSV: the column names (first row) */
};

/* bytes the element scanner must look at inside a JSON string, and outside one */
static const unsigned char str_special[256] = {[0] = 1, ['"'] = 1, ['\\'] = 1, ['\n'] = 1};
static const unsigned char tok_special[256] = {[0] = 1,   ['"'] = 1, ['{'] = 1, ['}'] = 1,
                                               ['['] = 1, [']'] = 1, [','] = 1, ['\n'] = 1};

enum ds_status src_file_open(const char *path, const struct ds_reader_params *p, struct src_file **out,
                             struct ds_err *err) {
  *out = NULL;
  struct src_file *r = ds_calloc(1, sizeof *r);
  if (!r) return ds_fail(err, DS_E_NOMEM, "out of memory");
  r->p = *p;
  ds_buf_init(&r->rec, 0);
  ds_buf_init(&r->scratch, 0);
  ds_buf_init(&r->doc, 0);
  r->path = ds_strdup(path);
  r->own = r->chunk = ds_malloc(CHUNK_CAP);
  if (!r->path || !r->chunk) {
    src_file_free(r);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  enum ds_status st = ds_lines_open(path, 0, &r->src, err);
  if (st) {
    src_file_free(r);
    return st;
  }
  *out = r;
  return DS_OK;
}

void src_file_free(struct src_file *r) {
  if (!r) return;
  ds_lines_free(r->src);
  ds_free(r->path);
  ds_free(r->own);
  ds_buf_release(&r->doc);
  ds_buf_release(&r->rec);
  ds_buf_release(&r->scratch);
  json_decref(r->csv_header);
  ds_free(r);
}

const char *src_file_container(const struct src_file *r) {
  switch (r->container) {
  case C_ARRAY: return "json_array";
  case C_DOCUMENT: return "json_document";
  case C_CSV: return "csv";
  default: return "jsonl";
  }
}
uint64_t src_file_bytes(const struct src_file *r) { return ds_lines_bytes(r->src); }

/* Refills the chunk when it is used up. Sets r->eof at the end of input. */
static enum ds_status fill(struct src_file *r, struct ds_err *err) {
  if (r->pos < r->len || r->eof) return DS_OK;
  enum ds_status st = DS_OK;
  if (r->chunk != r->own) { /* the document buffer held the rest of the input */
    r->chunk = r->own;
    r->pos = r->len = 0;
    r->eof = true;
    return DS_OK;
  }
  r->pos = 0;
  r->len = ds_lines_read(r->src, r->chunk, CHUNK_CAP, err, &st);
  if (st) return st;
  if (r->len == 0) r->eof = true;
  else if (r->tap) r->tap(r->tap_ud, r->chunk, r->len);
  return DS_OK;
}

enum ds_status src_file_drain(struct src_file *r, struct ds_err *err) {
  while (!r->eof) {
    r->pos = r->len;
    enum ds_status st = fill(r, err);
    if (st) return st;
  }
  return DS_OK;
}

void src_file_set_tap(struct src_file *r, void (*fn)(void *ud, const void *p, size_t n), void *ud) {
  r->tap = fn;
  r->tap_ud = ud;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* A CSV file by its name: NAME.csv, plain or compressed (.csv.gz, .csv.zst). */
static bool is_csv_name(const char *path) {
  size_t n = strlen(path);
  static const char *const comp[] = {".gz", ".zst", ".zstd", ""};
  for (unsigned i = 0; i < DS_ARRAY_LEN(comp); i++) {
    size_t k = strlen(comp[i]);
    if (n >= k + 4 && strcasecmp(path + n - k, comp[i]) == 0 && strncasecmp(path + n - k - 4, ".csv", 4) == 0)
      return true;
  }
  return false;
}

/* Detects JSON Lines vs one JSON array from the first non-blank byte (after a UTF-8 BOM);
 * UTF-16 and UTF-32 input (a BOM, or NUL bytes between ASCII) is refused with what to do. */
static enum ds_status detect_container(struct src_file *r, struct ds_err *err) {
  enum ds_status st = fill(r, err);
  if (st) return st;
  const unsigned char *u = (const unsigned char *)r->chunk;
  if (r->len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff) ||
                      (r->len >= 4 && ((u[0] && !u[1] && !u[2] && !u[3]) || (!u[0] && !u[1] && !u[2] && u[3]))) ||
                      (r->len >= 4 && ((u[0] && !u[1] && u[2] && !u[3]) || (!u[0] && u[1] && !u[2] && u[3])))))
    return ds_fail(err, DS_E_PARSE,
                   "%s: the input is UTF-16 or UTF-32, not UTF-8 (convert it first, e.g. iconv -f UTF-16 -t UTF-8)",
                   r->path);
  if (r->len >= 3 && memcmp(r->chunk, "\xef\xbb\xbf", 3) == 0) r->pos = 3;
  if (is_csv_name(r->path)) {
    r->container = C_CSV;
    return DS_OK;
  }
  for (;;) {
    if ((st = fill(r, err))) return st;
    if (r->eof) {
      r->container = C_JSONL;
      return DS_OK;
    }
    char c = r->chunk[r->pos];
    if (c == '[') {
      r->container = C_ARRAY;
      r->astate = A_FIRST;
      r->pos++;
      return DS_OK;
    }
    if (!is_ws(c)) {
      r->container = C_JSONL;
      return DS_OK;
    }
    if (c == '\n') r->newlines++;
    r->pos++;
  }
}

/* ---- JSON Lines ------------------------------------------------------------------- */

/* The next non-blank line: *out borrowed until the next call; *too_long when it exceeded
 * the limit (its bytes are then dropped). DS_E_NOTFOUND at end of input. */
static enum ds_status jsonl_next(struct src_file *r, struct ds_str *out, bool *too_long, uint64_t *line,
                                 struct ds_err *err) {
  for (;;) {
    enum ds_status st;
    bool any = false, over = false;
    ds_buf_reset(&r->rec);
    *line = r->newlines + 1;
    const char *p = NULL;
    size_t n = 0;
    for (;;) {
      if ((st = fill(r, err))) return st;
      if (r->eof) break;
      any = true;
      const char *start = r->chunk + r->pos;
      size_t avail = r->len - r->pos;
      const char *nl = memchr(start, '\n', avail);
      size_t take = nl ? (size_t)(nl - start) : avail;
      r->pos += take + (nl ? 1 : 0);
      if (!over && r->rec.len + take > r->p.max_record_bytes) {
        over = true;
        ds_buf_reset(&r->rec);
      }
      if (nl && r->rec.len == 0 && !over) { /* the whole line sits in the chunk: no copy */
        p = start;
        n = take;
        r->newlines++;
        goto have;
      }
      if (!over && ds_buf_add(&r->rec, start, take)) return ds_fail(err, DS_E_NOMEM, "out of memory");
      if (nl) {
        r->newlines++;
        break;
      }
    }
    if (!any) return DS_E_NOTFOUND;
    p = r->rec.data;
    n = r->rec.len;
  have:
    if (over) {
      *too_long = true;
      out->p = "";
      out->len = 0;
      return DS_OK;
    }
    if (n && p[n - 1] == '\r') n--;
    size_t i = 0;
    while (i < n && is_ws(p[i])) i++;
    if (i == n) continue; /* blank line: not a record */
    *too_long = false;
    out->p = p;
    out->len = n;
    return DS_OK;
  }
}

/* ---- JSON array ------------------------------------------------------------------- */

/* Element flags and text: *out borrowed (r->rec) until the next call. *bad_msg set (static)
 * for a structural fault of the array itself, reported as one failed record. */
static enum ds_status array_next(struct src_file *r, struct ds_str *out, uint64_t *line,
                                 const char **bad_msg, struct ds_err *err) {
  enum ds_status st;
  *bad_msg = NULL;
  for (;;) {
    if (r->astate == A_DONE) return DS_E_NOTFOUND;
    if ((st = fill(r, err))) return st;
    if (r->eof) {
      enum astate s = r->astate;
      r->astate = A_DONE;
      if (s == A_END) return DS_E_NOTFOUND;
      *line = r->newlines + 1;
      if (s == A_ELEM) {
        *bad_msg = "unexpected end of input inside an array element";
        return DS_OK;
      }
      *bad_msg = "unexpected end of input: the JSON array is not closed";
      return DS_OK;
    }
    if (r->astate != A_ELEM) {
      char c = r->chunk[r->pos];
      if (is_ws(c)) {
        if (c == '\n') r->newlines++;
        r->pos++;
        continue;
      }
      *line = r->newlines + 1;
      switch (r->astate) {
      case A_FIRST:
        if (c == ']') {
          r->pos++;
          r->astate = A_END;
          continue;
        }
        break;
      case A_NEXT:
        if (c == ']' || c == ',') {
          r->pos++;
          r->astate = c == ']' ? A_END : A_NEXT;
          *bad_msg = c == ']' ? "trailing ',' before ']'" : "empty array element (',,')";
          return DS_OK;
        }
        break;
      case A_END:
        r->astate = A_DONE;
        *bad_msg = "data after the end of the JSON array";
        return DS_OK;
      default:
        break;
      }
      /* an element starts here */
      r->astate = A_ELEM;
      ds_buf_reset(&r->rec);
      r->depth = 0;
      r->in_str = r->esc = r->too_long = r->too_deep = r->nul = false;
      *line = r->newlines + 1;
      r->elem_line = *line;
    }
    /* inside an element: scan to its end or the end of the chunk */
    const unsigned char *s = (const unsigned char *)r->chunk;
    size_t i = r->pos, end = r->len;
    bool done = false;
    char term = 0;
    while (i < end) {
      if (r->in_str) {
        if (r->esc) {
          r->esc = false;
          if (s[i] == '\n') r->newlines++;
          if (s[i] == 0) r->nul = true;
          i++;
          continue;
        }
        while (i < end && !str_special[s[i]]) i++;
        if (i == end) break;
        unsigned char c = s[i++];
        if (c == '"') r->in_str = false;
        else if (c == '\\') r->esc = true;
        else if (c == '\n') r->newlines++;
        else r->nul = true;
        continue;
      }
      while (i < end && !tok_special[s[i]]) i++;
      if (i == end) break;
      unsigned char c = s[i];
      if (c == '"') r->in_str = true;
      else if (c == '{' || c == '[') {
        if (++r->depth > r->p.max_depth) r->too_deep = true;
      } else if (c == '}' || c == ']') {
        if (r->depth == 0) {
          if (c == ']') {
            done = true;
            term = ']';
            break;
          }
          /* a stray '}' stays in the element, which then fails to parse */
        } else {
          r->depth--;
        }
      } else if (c == ',') {
        if (r->depth == 0) {
          done = true;
          term = ',';
          break;
        }
      } else if (c == '\n') {
        r->newlines++;
      } else {
        r->nul = true;
      }
      i++;
    }
    size_t take = i - r->pos;
    if (!r->too_long && r->rec.len + take > r->p.max_record_bytes) {
      r->too_long = true;
      ds_buf_reset(&r->rec);
    }
    if (!r->too_long && ds_buf_add(&r->rec, r->chunk + r->pos, take))
      return ds_fail(err, DS_E_NOMEM, "out of memory");
    r->pos = i;
    if (!done) continue;
    r->pos++; /* the ',' or ']' */
    r->astate = term == ',' ? A_NEXT : A_END;
    *line = r->elem_line;
    size_t n = r->rec.len;
    while (n && is_ws(r->rec.data[n - 1])) n--;
    out->p = r->rec.data;
    out->len = n;
    return DS_OK;
  }
}

/* ---- CSV ---------------------------------------------------------------------------- */

/* The next CSV row (RFC 4180: fields split by ',', quoted with '"' and '""' inside quotes,
 * newlines inside quotes kept, rows ending in LF or CRLF) as a new array of strings in *out,
 * or *out NULL with *bad_msg (static) when the row cannot be used. DS_E_NOTFOUND at the end. */
static enum ds_status csv_next(struct src_file *r, json_t **out, uint64_t *line, const char **bad_msg,
                               struct ds_err *err) {
  *out = NULL;
  *bad_msg = NULL;
  enum ds_status st;
  for (;;) {
    json_t *row = json_array();
    if (!row) return ds_fail(err, DS_E_NOMEM, "out of memory");
    ds_buf_reset(&r->rec);
    bool quoted = false, quote_seen = false, any = false, over = false, field_quoted = false;
    size_t total = 0;
    *line = r->newlines + 1;
    for (;;) {
      if ((st = fill(r, err))) {
        json_decref(row);
        return st;
      }
      if (r->eof) break;
      char c = r->chunk[r->pos++];
      any = true;
      if (++total > r->p.max_record_bytes) over = true;
      if (c == '\n') r->newlines++;
      if (quoted) {
        if (quote_seen) {
          quote_seen = false;
          if (c == '"') {
            if (!over && ds_buf_addc(&r->rec, '"')) goto nomem;
            continue;
          }
          quoted = false; /* the closing quote: c is read as outside quotes below */
        } else if (c == '"') {
          quote_seen = true;
          continue;
        } else {
          if (!over && ds_buf_addc(&r->rec, c)) goto nomem;
          continue;
        }
      }
      if (c == '"' && r->rec.len == 0 && !field_quoted) {
        quoted = field_quoted = true;
        continue;
      }
      if (c == ',' || c == '\n') {
        json_t *f = over ? NULL : json_stringn(r->rec.data, r->rec.len);
        if (!over && ds_utf8_check(r->rec.data, r->rec.len) != r->rec.len) *bad_msg = "invalid UTF-8 in a field";
        else if (!over && (!f || json_array_append_new(row, f))) goto nomem;
        else if (over) json_decref(f);
        ds_buf_reset(&r->rec);
        field_quoted = false;
        if (c == '\n') break;
        continue;
      }
      if (c == '\r') continue;
      if (!over && ds_buf_addc(&r->rec, c)) goto nomem;
    }
    if (!any) {
      json_decref(row);
      return DS_E_NOTFOUND;
    }
    if (r->eof && (r->rec.len || field_quoted || json_array_size(row))) { /* a last row without a newline */
      if (quoted && !quote_seen) *bad_msg = "unexpected end of input inside a quoted field";
      else if (ds_utf8_check(r->rec.data, r->rec.len) != r->rec.len) *bad_msg = "invalid UTF-8 in a field";
      else if (!over && json_array_append_new(row, json_stringn(r->rec.data, r->rec.len))) goto nomem;
    }
    if (over) *bad_msg = "CSV row longer than the record limit (--max-line-bytes)";
    if (json_array_size(row) == 1 && json_string_length(json_array_get(row, 0)) == 0 && !*bad_msg) {
      json_decref(row); /* a blank line */
      if (r->eof) return DS_E_NOTFOUND;
      continue;
    }
    if (*bad_msg) {
      json_decref(row);
      return DS_OK;
    }
    *out = row;
    return DS_OK;
  nomem:
    json_decref(row);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
}

/* The next CSV row as an object {column: text}; the first row names the columns. */
static enum ds_status csv_item(struct src_file *r, json_t **out, uint64_t *out_line, struct ds_bad_record *bad,
                               struct ds_err *err) {
  json_t *row;
  const char *bad_msg;
  enum ds_status st;
  while (!r->csv_header) {
    if ((st = csv_next(r, &row, out_line, &bad_msg, err))) return st;
    if (bad_msg) {
      corpus_bad_at(bad, r->path, *out_line, "bad_csv", bad_msg);
      return DS_OK;
    }
    r->csv_header = row;
  }
  if ((st = csv_next(r, &row, out_line, &bad_msg, err))) return st;
  if (bad_msg) {
    corpus_bad_at(bad, r->path, *out_line, strstr(bad_msg, "UTF-8") ? "invalid_utf8" : strstr(bad_msg, "limit") ? "too_long" : "bad_csv", bad_msg);
    return DS_OK;
  }
  size_t nh = json_array_size(r->csv_header), nr = json_array_size(row);
  if (nr != nh) {
    char detail[120];
    snprintf(detail, sizeof detail, "CSV row has %zu fields, the header has %zu", nr, nh);
    json_decref(row);
    corpus_bad_at(bad, r->path, *out_line, "bad_csv", detail);
    return DS_OK;
  }
  json_t *o = json_object();
  for (size_t i = 0; o && i < nh; i++)
    if (json_object_set(o, json_string_value(json_array_get(r->csv_header, i)), json_array_get(row, i))) {
      json_decref(o);
      o = NULL;
    }
  json_decref(row);
  if (!o) return ds_fail(err, DS_E_NOMEM, "out of memory");
  *out = o;
  return DS_OK;
}

/* ---- items --------------------------------------------------------------------- */

static void set_bad(const struct src_file *r, struct ds_bad_record *bad, uint64_t line, const char *reason,
                    const char *detail) {
  corpus_bad_at(bad, r->path, line, reason, detail);
}

static const char *json_reason(const json_error_t *je) {
  switch (json_error_code(je)) {
  case json_error_invalid_utf8: return "invalid_utf8";
  case json_error_null_character:
  case json_error_null_byte_in_key: return "nul_byte";
  case json_error_stack_overflow: return "too_deep";
  default: return "bad_json";
  }
}

/* Parses one value's text: *out a new value, or NULL with bad filled. *incomplete (when
 * given) tells that the text is valid so far but ends early (a pretty-printed document's
 * first line). */
static enum ds_status parse_text(const char *path, unsigned max_depth, struct ds_buf *scratch, const char *p,
                                 size_t n, uint64_t line, bool nul_seen, bool deep_seen, json_t **out,
                                 struct ds_bad_record *bad, bool *incomplete, struct ds_err *err) {
  char detail[320];
  *out = NULL;
  if (incomplete) *incomplete = false;
  if (nul_seen || memchr(p, '\0', n)) {
    corpus_bad_at(bad, path, line, "nul_byte", "record contains a NUL byte");
    return DS_OK;
  }
  if (deep_seen) {
    snprintf(detail, sizeof detail, "JSON nested deeper than %u levels", max_depth);
    corpus_bad_at(bad, path, line, "too_deep", detail);
    return DS_OK;
  }
  json_error_t je;
  json_t *raw = ds_json_parse_fast(p, n, max_depth, false, scratch);
  bool checked = raw != NULL; /* the fast parser enforces max_depth itself */
  if (!raw) raw = json_loadb(p, n, 0, &je);
  if (!raw) {
    if (json_error_code(&je) == json_error_out_of_memory) return ds_fail(err, DS_E_NOMEM, "out of memory");
    if (incomplete && json_error_code(&je) == json_error_premature_end_of_input) *incomplete = true;
    const char *reason = json_reason(&je);
    uint64_t at = line + (je.line > 1 ? (uint64_t)je.line - 1 : 0);
    if (strcmp(reason, "too_deep") == 0)
      snprintf(detail, sizeof detail, "JSON nested deeper than %u levels", max_depth);
    else if (strcmp(reason, "nul_byte") == 0)
      snprintf(detail, sizeof detail, "a string contains \\u0000 (NUL) (column %d)", je.column);
    else if (strcmp(reason, "invalid_utf8") == 0)
      snprintf(detail, sizeof detail, "invalid UTF-8 (column %d)", je.column);
    else
      snprintf(detail, sizeof detail, "invalid JSON: %s (column %d)", je.text, je.column);
    corpus_bad_at(bad, path, at, reason, detail);
    return DS_OK;
  }
  if (!checked && corpus_too_deep(raw, max_depth)) {
    json_decref(raw);
    snprintf(detail, sizeof detail, "JSON nested deeper than %u levels", max_depth);
    corpus_bad_at(bad, path, line, "too_deep", detail);
    return DS_OK;
  }
  *out = raw;
  return DS_OK;
}

static enum ds_status parse_item(struct src_file *r, const char *p, size_t n, uint64_t line, bool nul_seen,
                                 bool deep_seen, json_t **out, struct ds_bad_record *bad, bool *incomplete,
                                 struct ds_err *err) {
  return parse_text(r->path, r->p.max_depth, &r->scratch, p, n, line, nul_seen, deep_seen, out, bad, incomplete,
                    err);
}

enum ds_status corpus_parse_value(const char *file, const char *p, size_t n, unsigned max_depth,
                                  struct ds_buf *scratch, json_t **v, struct ds_bad_record *bad,
                                  struct ds_err *err) {
  memset(bad, 0, sizeof *bad);
  if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3, n -= 3;
  return parse_text(file, max_depth ? max_depth : CORPUS_DEFAULT_MAX_DEPTH, scratch, p, n, 1, false, false, v, bad,
                    NULL, err);
}

/* The first line started a JSON value that did not end there: read the whole input as one
 * document. When it does not parse as one either, its lines are read as JSON Lines after
 * all (the first one failed), so a broken first line costs nothing but itself. */
static enum ds_status try_document(struct src_file *r, struct ds_str first, uint64_t line, json_t **out,
                                   struct ds_bad_record *bad, struct ds_err *err) {
  size_t max = r->p.max_document_bytes ? r->p.max_document_bytes : CORPUS_DEFAULT_MAX_DOCUMENT;
  struct ds_buf *d = &r->doc;
  ds_buf_reset(d);
  if (ds_buf_add(d, first.p, first.len) || ds_buf_addc(d, '\n')) return ds_fail(err, DS_E_NOMEM, "out of memory");
  size_t rest_at = d->len;
  enum ds_status st;
  bool over = false;
  for (;;) {
    if ((st = fill(r, err))) return st;
    if (r->eof) break;
    size_t take = r->len - r->pos;
    if (d->len + take > max) {
      over = true;
      break;
    }
    if (ds_buf_add(d, r->chunk + r->pos, take)) return ds_fail(err, DS_E_NOMEM, "out of memory");
    r->pos = r->len;
  }
  if (over) {
    /* too big to be read as one: the file fails as a whole (its lines are not records) */
    char detail[200];
    snprintf(detail, sizeof detail, "a JSON document starts here and is larger than %zu bytes "
             "(--max-document-bytes)", max);
    set_bad(r, bad, line, "too_long", detail);
    ds_buf_release(d);
    r->container = C_DOCUMENT;
    return src_file_drain(r, err);
  }
  json_t *v = NULL;
  struct ds_bad_record db;
  memset(&db, 0, sizeof db);
  if ((st = parse_item(r, d->data, d->len, line, false, false, &v, &db, NULL, err))) return st;
  if (v) {
    r->container = C_DOCUMENT;
    r->newlines += 1;
    for (size_t i = rest_at; i < d->len; i++)
      if (d->data[i] == '\n') r->newlines++;
    r->pos = r->len = 0;
    r->eof = true;
    *out = v;
    return DS_OK;
  }
  /* not one document: the first line fails on its own, the rest are read as lines */
  struct ds_bad_record lb;
  memset(&lb, 0, sizeof lb);
  json_t *none = NULL;
  bool inc;
  if ((st = parse_item(r, d->data, rest_at - 1, line, false, false, &none, &lb, &inc, err))) return st;
  json_decref(none);
  *bad = lb;
  r->newlines++; /* the first line's newline */
  r->chunk = d->data;
  r->pos = rest_at;
  r->len = d->len;
  r->eof = false;
  return DS_OK;
}

enum ds_status src_file_next(struct src_file *r, json_t **out, uint64_t *out_line, struct ds_bad_record *bad,
                             struct ds_err *err) {
  *out = NULL;
  memset(bad, 0, sizeof *bad);
  enum ds_status st;
  if (r->container == C_UNKNOWN && (st = detect_container(r, err))) return st;
  if (r->container == C_DOCUMENT) return DS_E_NOTFOUND;
  if (r->container == C_CSV) return csv_item(r, out, out_line, bad, err);
  struct ds_str text = {"", 0};
  uint64_t line = 0;
  char detail[160];
  if (r->container == C_JSONL) {
    bool too_long = false;
    if ((st = jsonl_next(r, &text, &too_long, &line, err))) return st;
    *out_line = line;
    bool first = !r->first_done;
    r->first_done = true;
    if (too_long) {
      snprintf(detail, sizeof detail, "line longer than %zu bytes", r->p.max_record_bytes);
      set_bad(r, bad, line, "too_long", detail);
      return DS_OK;
    }
    bool incomplete = false;
    if ((st = parse_item(r, text.p, text.len, line, false, false, out, bad, first ? &incomplete : NULL, err)))
      return st;
    if (first && incomplete && text.len && text.p[0] == '{') {
      /* jsonl_next counted the first line's newline already: try_document counts from the top */
      r->newlines--;
      struct ds_str copy = text;
      return try_document(r, copy, line, out, bad, err);
    }
    return DS_OK;
  }
  const char *bad_msg;
  if ((st = array_next(r, &text, &line, &bad_msg, err))) return st;
  *out_line = line;
  if (bad_msg) {
    set_bad(r, bad, line, "bad_json", bad_msg);
    return DS_OK;
  }
  if (r->too_long) {
    snprintf(detail, sizeof detail, "array element longer than %zu bytes", r->p.max_record_bytes);
    set_bad(r, bad, line, "too_long", detail);
    return DS_OK;
  }
  return parse_item(r, text.p, text.len, line, r->nul, r->too_deep, out, bad, NULL, err);
}
