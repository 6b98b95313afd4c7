/* mapped.c: the long tail of chat logs, read through a field map the user gives (ingest
 * --id-field, --messages-field, --time-field, --segment-field NAME=PATH, --content-field):
 * one record per item, its id, messages, time and segment fields taken from the paths named
 * (JSON pointers or dotted paths), a message content that is an object ({"answer": ...})
 * read from the field named; everything else kept as it came. Used whenever a field map is
 * given; never picked by detection. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

bool ds_field_map_active(const struct ds_field_map *m) {
  return m && (m->id || m->messages || m->time || m->n_segment || m->content);
}

static bool path_ok(const char *p) { return p && *p && strcmp(p, "/") != 0 && strcmp(p, ".") != 0; }

enum ds_status ds_field_map_check(const struct ds_field_map *m, struct ds_err *err) {
  static const char *const flag[] = {"--id-field", "--messages-field", "--time-field"};
  const char *paths[] = {m->id, m->messages, m->time};
  for (unsigned i = 0; i < DS_ARRAY_LEN(paths); i++)
    if (paths[i] && !path_ok(paths[i]))
      return ds_fail(err, DS_E_INVALID, "%s: expected a JSON pointer (/a/b) or dotted path (a.b), got '%s'", flag[i],
                     paths[i]);
  for (size_t i = 0; i < m->n_segment; i++) {
    const char *e = m->segment[i], *eq = e ? strchr(e, '=') : NULL;
    if (!eq || eq == e || !path_ok(eq + 1))
      return ds_fail(err, DS_E_INVALID, "--segment-field: expected NAME=PATH (e.g. model=meta.model), got '%s'",
                     e ? e : "");
  }
  if (m->content && (!*m->content || strchr(m->content, '/') || strchr(m->content, '.')))
    return ds_fail(err, DS_E_INVALID, "--content-field: expected the name of the content object's text field "
                   "(e.g. answer), got '%s'", m->content);
  return DS_OK;
}

/* One component of a path (a JSON pointer's unescaped: ~1 is '/', ~0 is '~') into buf. */
static const char *component(const char *p, bool pointer, char *buf, size_t n, const char **next) {
  char sep = pointer ? '/' : '.';
  size_t k = 0;
  while (*p && *p != sep) {
    char c = *p++;
    if (pointer && c == '~' && (*p == '0' || *p == '1')) c = *p++ == '0' ? '~' : '/';
    if (k + 1 < n) buf[k++] = c;
  }
  buf[k] = '\0';
  *next = *p ? p + 1 : NULL;
  return buf;
}

/* The value at path (borrowed), or NULL. */
static const json_t *path_get(const json_t *v, const char *path) {
  bool pointer = path[0] == '/';
  const char *p = pointer ? path + 1 : path;
  char key[256];
  while (v && p) {
    const char *next;
    component(p, pointer, key, sizeof key, &next);
    if (json_is_array(v)) {
      char *end;
      unsigned long i = strtoul(key, &end, 10);
      v = *key && *end == '\0' && isdigit((unsigned char)key[0]) ? json_array_get(v, i) : NULL;
    } else if (json_is_object(v)) {
      v = json_object_get(v, key);
    } else {
      v = NULL;
    }
    p = next;
  }
  return v;
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "a list";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

/* A message whose content is an object: its text from the named field; the object's other
 * fields stay on the message (content_fields), a reasoning text among them as reasoning. */
static enum ds_status map_content(json_t *m, size_t mi, const char *name, struct ds_bad_record *b) {
  const json_t *c = json_object_get(m, "content");
  if (!json_is_object(c)) return DS_OK;
  const json_t *t = json_object_get(c, name);
  if (!json_is_string(t)) {
    char keys[160] = "";
    size_t k = 0;
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)c, key, x) {
      int w = snprintf(keys + k, sizeof keys - k, "%s%.30s", k ? ", " : "", key);
      if (w < 0 || (size_t)w >= sizeof keys - k) break;
      k += (size_t)w;
    }
    return corpus_bad(b, "wrong_type", "message %zu: the content object has no text field \"%.60s\" (--content-field; "
                      "its fields: %s)", mi, name, keys);
  }
  json_t *rest = json_deep_copy(c);
  if (!rest) return DS_E_NOMEM;
  json_object_del(rest, name);
  static const char *const k_reason[] = {"reasoning", "reasoning_content", "thinking", NULL};
  for (const char *const *k = k_reason; *k; k++) {
    const json_t *r = json_object_get(rest, *k);
    if (json_is_string(r) && !json_object_get(m, "reasoning")) {
      if (fmt_add_reasoning(m, json_string_value(r))) {
        json_decref(rest);
        return DS_E_NOMEM;
      }
      json_object_del(rest, *k);
    }
  }
  if (json_object_set(m, "content", (json_t *)t) ||
      (json_object_size(rest) && json_object_set(m, "content_fields", rest))) {
    json_decref(rest);
    return DS_E_NOMEM;
  }
  json_decref(rest);
  return DS_OK;
}

/* The top-level key a path names when it has one component (the value then moves to "id",
 * "messages", ... instead of staying twice); "" for a deeper path (its parent stays whole). */
static void top_key(const char *path, char *buf, size_t n) {
  const char *next;
  bool pointer = path[0] == '/';
  component(pointer ? path + 1 : path, pointer, buf, n, &next);
  if (next) buf[0] = '\0';
}

static enum ds_status map_item(const struct ds_field_map *fm, const json_t *v, json_t **out_rec,
                               struct ds_bad_record *b) {
  *out_rec = NULL;
  if (!json_is_object(v)) return corpus_bad(b, "not_object", "record is not a JSON object");
  /* the message list */
  const json_t *msgs = NULL;
  const char *from = fm->messages;
  if (from) {
    msgs = path_get(v, from);
    if (!msgs) return corpus_bad(b, "missing_field", "no value at --messages-field %.100s", from);
  } else {
    static const char *const dflt[] = {"messages", "conversation", "conversations", NULL};
    for (const char *const *k = dflt; *k && !msgs; k++)
      if ((msgs = json_object_get(v, *k))) from = *k;
    if (!msgs)
      return corpus_bad(b, "missing_field", "no message list (messages, conversation, conversations): name it with "
                        "--messages-field PATH");
  }
  json_t *parsed = json_is_string(msgs) ? json_loads(json_string_value(msgs), 0, NULL) : NULL; /* a CSV column */
  if (parsed) msgs = parsed;
  enum ds_status st = DS_E_NOMEM;
  json_t *in = NULL, *list = NULL;
  if (!json_is_array(msgs)) {
    st = corpus_bad(b, "wrong_type", "the message list at %.100s is %s, not a list", from, type_name(msgs));
    goto out;
  }
  /* a working copy: the record's other fields as they came, the messages at "messages" */
  if (!(in = json_copy((json_t *)v)) || !(list = json_deep_copy(msgs))) goto out;
  char key[256];
  top_key(from, key, sizeof key);
  json_object_del(in, key);
  json_object_del(in, "messages"); /* the mapped list is the record's */
  size_t i;
  json_t *m;
  json_array_foreach(list, i, m) {
    if (fm->content && json_is_object(m) && (st = map_content(m, i, fm->content, b))) goto out;
  }
  st = DS_E_NOMEM;
  if (json_object_set(in, "messages", list)) goto out;
  if (fm->id) {
    const json_t *id = path_get(v, fm->id);
    if (!id || json_is_null(id)) {
      st = corpus_bad(b, "missing_field", "no value at --id-field %.100s", fm->id);
      goto out;
    }
    if (!json_is_string(id) && !json_is_integer(id)) {
      st = corpus_bad(b, "wrong_type", "--id-field %.100s is %s, not a string or integer", fm->id, type_name(id));
      goto out;
    }
    top_key(fm->id, key, sizeof key);
    json_object_del(in, key);
    if (json_object_set(in, "id", (json_t *)id)) goto out;
  }
  if (fm->time) {
    const json_t *t = path_get(v, fm->time);
    if (!t || json_is_null(t)) {
      st = corpus_bad(b, "missing_field", "no value at --time-field %.100s", fm->time);
      goto out;
    }
    json_t *tt = NULL;
    if ((st = corpus_time(fm->time, t, &tt, b))) goto out;
    st = DS_E_NOMEM;
    top_key(fm->time, key, sizeof key);
    json_object_del(in, key);
    if (json_object_set_new(in, "time", tt)) goto out; /* "time" is the first name the normalizer reads */
  }
  if (fm->n_segment) {
    const json_t *seg = json_object_get(v, "segment");
    json_t *s = json_is_object(seg) ? json_deep_copy(seg) : json_object();
    if (!s || json_object_set_new(in, "segment", s)) goto out;
    for (size_t k = 0; k < fm->n_segment; k++) {
      const char *e = fm->segment[k], *eq = strchr(e, '=');
      const json_t *x = path_get(v, eq + 1);
      if (!x || json_is_null(x)) continue; /* a segment field a record lacks is not an error */
      if (json_object_setn(s, e, (size_t)(eq - e), (json_t *)x)) goto out;
    }
  }
  bool sharegpt = json_is_object(json_array_get(list, 0)) && json_object_get(json_array_get(list, 0), "from") &&
                  !json_object_get(json_array_get(list, 0), "role");
  static const char *const id_keys[] = {"id", NULL};
  const struct chat_shape shape = {"messages", id_keys, NULL, sharegpt, false};
  st = corpus_normalize_chat(in, &shape, out_rec, b);
out:
  json_decref(parsed);
  json_decref(in);
  json_decref(list);
  return st;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  DS_UNUSED(state);
  DS_UNUSED(err);
  json_t *rec = NULL;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = map_item(&fmt_params(o)->fields, it->v, &rec, &b);
  if (st == DS_E_NOMEM) return st;
  if (st) return fmt_fail_item(o, it, &b);
  return fmt_emit(o, rec, it->file, it->line);
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  DS_UNUSED(p);
  snprintf(why, n, "only with --id-field, --messages-field, ... for a log of another shape");
  return 0;
}

const struct corpus_format corpus_format_mapped = {
    .name = "mapped",
    .summary = "any chat log through a field map: --id-field, --messages-field, --time-field, --segment-field, "
               "--content-field",
    .tested = "arena-hard-auto v2 model_answer rows (uid, messages with {\"answer\"} contents); envelopes of "
              "JSON pointers and dotted paths",
    .detect = detect,
    .item = item,
};
