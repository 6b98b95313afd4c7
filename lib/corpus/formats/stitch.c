/* stitch.c: folds per-call records that are earlier steps of a longer logged conversation
 * into it. Messages are compared by what a model sees of them (role, content, tool calls,
 * tool_call_id; not times, ids or reasoning), through a chain of SHA-256 digests over the
 * message list, so one pass over every record's messages finds every prefix. */
#include <string.h>

#include "stitch.h"

struct srec {
  json_t *rec;
  char *file;
  uint64_t line;
  long into;     /* the record that holds this one, or -1 */
};

struct stitch {
  struct srec *r;
  size_t n, cap;
};

struct stitch *stitch_new(void) { return ds_calloc(1, sizeof(struct stitch)); }

static void clear(struct stitch *s) {
  for (size_t i = 0; i < s->n; i++) {
    json_decref(s->r[i].rec);
    ds_free(s->r[i].file);
  }
  s->n = 0;
}

void stitch_free(struct stitch *s) {
  if (!s) return;
  clear(s);
  ds_free(s->r);
  ds_free(s);
}

enum ds_status stitch_add(struct stitch *s, json_t *rec, const char *file, uint64_t line) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    struct srec *r = ds_realloc(s->r, cap * sizeof *r);
    if (!r) {
      json_decref(rec);
      return DS_E_NOMEM;
    }
    s->r = r;
    s->cap = cap;
  }
  char *f = ds_strdup(file ? file : "");
  if (!f) {
    json_decref(rec);
    return DS_E_NOMEM;
  }
  s->r[s->n++] = (struct srec){rec, f, line, -1};
  return DS_OK;
}

/* The part of a message that a model sees (role, text, tool calls, tool_call_id), as
 * canonical JSON text appended to b. */
static enum ds_status message_key(const json_t *m, struct ds_buf *b) {
  json_t *k = json_object();
  if (!k) return DS_E_NOMEM;
  static const char *const keys[] = {"role", "tool_call_id"};
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) {
    json_t *v = json_object_get(m, keys[i]);
    if (v && json_object_set(k, keys[i], v)) goto nomem;
  }
  /* the text: one string and a list of text parts (cache_control and all) read the same */
  char *text = fmt_parts_text(json_object_get(m, "content"));
  json_t *tv = json_string(text ? text : "");
  ds_free(text);
  if (!tv || json_object_set_new(k, "content", tv)) goto nomem;
  json_t *calls = json_array();
  if (!calls || json_object_set_new(k, "tool_calls", calls)) goto nomem;
  size_t i;
  const json_t *tc;
  json_array_foreach(json_object_get(m, "tool_calls"), i, tc) {
    json_t *c = json_pack("{s:O?,s:O?,s:O?}", "id", json_object_get(tc, "id"), "name", json_object_get(tc, "name"),
                          "arguments", json_object_get(tc, "arguments"));
    if (!c || json_array_append_new(calls, c)) goto nomem;
  }
  char *t = ds_json_canonical(k);
  json_decref(k);
  if (!t) return DS_E_NOMEM;
  enum ds_status st = ds_buf_adds(b, t);
  ds_free(t);
  return st;
nomem:
  json_decref(k);
  return DS_E_NOMEM;
}

/* digests[i] = SHA-256 of (digests[i-1] || key of message i), hex, for every message of rec:
 * a new array of n strings. */
static json_t *chain(const json_t *rec) {
  json_t *out = json_array();
  struct ds_buf b;
  ds_buf_init(&b, 0);
  char hex[65] = "";
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(rec, "messages"), i, m) {
    ds_buf_reset(&b);
    if (!out || ds_buf_adds(&b, hex) || message_key(m, &b)) goto fail;
    ds_sha256_hex(b.data, b.len, hex);
    if (json_array_append_new(out, json_string(hex))) goto fail;
  }
  ds_buf_release(&b);
  return out;
fail:
  ds_buf_release(&b);
  json_decref(out);
  return NULL;
}

enum ds_status stitch_emit(struct stitch *s, struct fmt_out *o) {
  enum ds_status st = DS_E_NOMEM;
  json_t *whole = json_object(); /* digest of a whole conversation -> its record */
  json_t **chains = ds_calloc(s->n ? s->n : 1, sizeof *chains);
  if (!whole || !chains) goto out;
  for (size_t i = 0; i < s->n; i++) {
    if (!(chains[i] = chain(s->r[i].rec))) goto out;
    size_t n = json_array_size(chains[i]);
    if (!n) continue;
    const char *d = json_string_value(json_array_get(chains[i], n - 1));
    json_t *seen = json_object_get(whole, d);
    if (seen) s->r[i].into = (long)json_integer_value(seen); /* logged twice: the first holds it */
    else if (json_object_set_new(whole, d, json_integer((json_int_t)i))) goto out;
  }
  for (size_t i = 0; i < s->n; i++) {
    size_t n = json_array_size(chains[i]);
    for (size_t k = 0; k + 1 < n; k++) {
      json_t *hit = json_object_get(whole, json_string_value(json_array_get(chains[i], k)));
      if (!hit) continue;
      size_t j = (size_t)json_integer_value(hit);
      if (j != i && s->r[j].into < 0) s->r[j].into = (long)i;
    }
  }
  /* what a folded record knows goes to the record that holds it (through folds of folds):
   * its earlier start time, and the segment fields and tools the holder lacks */
  for (size_t i = 0; i < s->n; i++) {
    const json_t *rec = s->r[i].rec;
    long j = s->r[i].into;
    for (size_t hops = 0; j >= 0 && hops < s->n && s->r[j].into >= 0; hops++) j = s->r[j].into;
    if (j < 0) continue;
    json_t *top = s->r[j].rec;
    const json_t *t = json_object_get(rec, "time");
    const char *have = ds_json_str(top, "time", NULL);
    if (json_is_string(t) && (!have || strcmp(json_string_value(t), have) < 0) && json_object_set(top, "time", (json_t *)t))
      goto out;
    const json_t *tools = json_object_get(rec, "tools");
    if (tools && !json_object_get(top, "tools") && json_object_set(top, "tools", (json_t *)tools)) goto out;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(rec, "segment"), k, v) {
      if (!json_object_get(json_object_get(top, "segment"), k) && fmt_segment(top, k, json_incref(v))) goto out;
    }
  }
  st = DS_OK;
  for (size_t i = 0; i < s->n && !st; i++) {
    if (s->r[i].into >= 0) continue;
    st = fmt_emit(o, s->r[i].rec, s->r[i].file, s->r[i].line);
    s->r[i].rec = NULL;
  }
out:
  for (size_t i = 0; chains && i < s->n; i++) json_decref(chains[i]);
  ds_free(chains);
  json_decref(whole);
  clear(s);
  return st;
}
