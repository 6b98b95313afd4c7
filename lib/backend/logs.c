/* logs.c: the "logs" backend: another model's logged answers to the same conversations, in
 * any format ingest reads (`logs:FILE[#FORMAT][?id-field=...&content-field=...]`, the field
 * map of ingest's --id-field, --messages-field, --time-field, --segment-field, --content-field). Each logged conversation answers the prefix
 * with its id at every cut (an assistant turn after a user or tool turn) with that assistant
 * turn, after the same normalization as the corpus. A prefix the log does not have, or whose
 * logged conversation differs before the cut, ends as an error result, never as an empty
 * completion. Served through the file backend's index (file.c). */
#include <string.h>

#include "backend/backend_ops.h"
#include "depsim/corpus.h"

/* The text of a canonical content: a string, or the text parts of a list joined by newlines. */
static char *content_text(const json_t *c) {
  if (json_is_string(c)) return ds_strdup(json_string_value(c));
  struct ds_buf b;
  ds_buf_init(&b, 0);
  size_t i;
  const json_t *part;
  json_array_foreach(c, i, part) {
    const char *t = json_is_string(part) ? json_string_value(part) : ds_json_str(part, "text", NULL);
    if (t && ((b.len && ds_buf_addc(&b, '\n')) || ds_buf_adds(&b, t))) {
      ds_buf_release(&b);
      return NULL;
    }
  }
  return ds_buf_detach(&b, NULL);
}

/* Adds every cut of one logged conversation to the index. */
static enum ds_status index_record(struct ds_backend *b, const json_t *rec, uint64_t line, uint64_t *n_cuts,
                                   struct ds_err *err) {
  const char *id = ds_json_str(rec, "id", NULL);
  const json_t *msgs = json_object_get(rec, "messages");
  char key[512];
  struct ds_buf cuts;
  ds_buf_init(&cuts, 0);
  for (size_t i = 1; i < json_array_size(msgs); i++) {
    const json_t *m = json_array_get(msgs, i);
    const char *prev = ds_json_str(json_array_get(msgs, i - 1), "role", "");
    if (strcmp(ds_json_str(m, "role", ""), "assistant") != 0 || (strcmp(prev, "user") && strcmp(prev, "tool")))
      continue;
    snprintf(key, sizeof key, "%s#%zu", id, i);
    char *text = content_text(json_object_get(m, "content"));
    char *roles = file_roles(msgs, i);
    enum ds_status st = DS_E_NOMEM;
    if (text && roles)
      st = file_index_add(b, key, 0, text, ds_json_str(m, "reasoning", NULL), json_object_get(m, "tool_calls"), roles,
                          line, NULL, err);
    else
      ds_fail(err, st, "out of memory");
    ds_free(text);
    ds_free(roles);
    if (!st && ds_buf_addf(&cuts, "%s%zu", cuts.len ? ", " : "its answers are at cut ", i))
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
    if (st) {
      ds_buf_release(&cuts);
      return st;
    }
    (*n_cuts)++;
  }
  if (!cuts.len) ds_buf_adds(&cuts, "it has no assistant turn after a user or tool turn");
  enum ds_status st = file_index_add(b, id, FILE_CONV_K, NULL, NULL, NULL, NULL, line, cuts.data, err);
  ds_buf_release(&cuts);
  return st;
}

static enum ds_status logs_open(struct ds_backend *b, const char *rest, const struct ds_backend_params *p,
                                struct ds_err *err) {
  char *path = backend_spec_path(rest);
  char *format = backend_spec_param(rest, "format", 0);
  if (!path) {
    ds_free(format);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  /* logs:FILE#FORMAT names the format after the last '#' */
  char *hash = strrchr(path, '#');
  if (hash && !format) {
    format = ds_strdup(hash + 1);
    *hash = '\0';
  }
  enum ds_status st = DS_OK;
  struct ds_reader *r = NULL;
  uint64_t n_records = 0, n_failed = 0, n_no_id = 0, n_cuts = 0;
  /* a field map, as ingest takes it: ?id-field=uid&content-field=answer&segment-field=NAME=PATH */
  char *map[4] = {0}, *seg[16] = {0};
  static const char *const map_keys[] = {"id-field", "messages-field", "time-field", "content-field"};
  for (unsigned i = 0; i < 4; i++) map[i] = backend_spec_param(rest, map_keys[i], 0);
  size_t n_seg = 0;
  while (n_seg < DS_ARRAY_LEN(seg) && (seg[n_seg] = backend_spec_param(rest, "segment-field", (unsigned)n_seg))) n_seg++;
  if (!*path) {
    st = ds_fail(err, DS_E_INVALID, "logs backend: no path in spec (logs:FILE[#FORMAT])");
    goto out;
  }
  if ((st = file_index_new(b, path, err))) goto out;
  struct ds_reader_params rp;
  ds_reader_default_params(&rp);
  rp.format = format && *format ? format : NULL;
  rp.fields = (struct ds_field_map){map[0], map[1], map[2], (const char *const *)seg, n_seg, map[3]};
  if ((st = ds_reader_open(path, &rp, &r, err))) goto out;
  for (;;) {
    json_t *rec;
    struct ds_bad_record bad;
    st = ds_reader_next(r, &rec, &bad, err);
    if (st == DS_E_NOTFOUND) {
      st = DS_OK;
      break;
    }
    if (st) goto out;
    if (!rec) {
      if (n_failed++ < 5) ds_logf(&p->log, DS_LOG_WARN, "logs backend: %s", bad.msg);
      continue;
    }
    n_records++;
    if (!json_is_string(json_object_get(rec, "id"))) {
      /* without its own id a logged conversation cannot be matched to a prefix */
      n_no_id++;
    } else {
      st = index_record(b, rec, ds_reader_line(r), &n_cuts, err);
    }
    json_decref(rec);
    if (st) goto out;
  }
  if (n_cuts == 0) {
    st = ds_fail(err, DS_E_INVALID,
                 "logs backend: %s: no answer to index (%llu conversations read, %llu failed, %llu without an id; "
                 "a logged conversation answers the prefix with its id: name the id field with "
                 "logs:FILE?id-field=PATH if it has another name)",
                 path, (unsigned long long)n_records, (unsigned long long)n_failed, (unsigned long long)n_no_id);
    goto out;
  }
  {
    struct ds_buf d;
    ds_buf_init(&d, 0);
    ds_buf_addf(&d, "logs:%s%s%s", path, rp.format ? "#" : "", rp.format ? rp.format : "");
    b->described = ds_buf_detach(&d, NULL);
  }
  b->capacity = p->max_in_flight ? p->max_in_flight : 1;
  ds_logf(&p->log, DS_LOG_INFO,
          "logs backend: %llu answers indexed from %llu conversations of %s (%s)%s%llu failed, %llu without an id",
          (unsigned long long)n_cuts, (unsigned long long)n_records, path, ds_reader_format(r), "; ",
          (unsigned long long)n_failed, (unsigned long long)n_no_id);
out:
  ds_reader_free(r);
  ds_free(path);
  ds_free(format);
  for (unsigned i = 0; i < 4; i++) ds_free(map[i]);
  for (size_t i = 0; i < n_seg; i++) ds_free(seg[i]);
  return st;
}

const struct ds_backend_ops ds_logs_ops = {
    .name = "logs",
    .version = 1,
    .open = logs_open,
    .submit = file_submit,
    .poll = file_poll,
    .in_flight = file_in_flight,
    .context_length = NULL,
    .count_tokens = NULL,
    .close = file_close,
};
