/* calls.c: model calls of one unit grouped into conversations (sessions, else traces), the
 * last call of each made the record, earlier ones counted as repeats or made records of their
 * own; every item counted. Shared by the otel, langfuse and langsmith readers (calls.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

struct citem {
  char *file;
  uint64_t line;
  const char *skip_type;
  bool used, failed, dup;
};

struct call {
  size_t item;
  char *group, *id;
  uint64_t start, end;
  json_t *payload;
};

struct calls {
  struct citem *items;
  size_t n_items, cap_items;
  struct call *calls;
  size_t n_calls, cap_calls;
  json_t *sessions; /* group -> session */
};

struct calls *calls_new(void) {
  struct calls *c = ds_calloc(1, sizeof *c);
  if (c && !(c->sessions = json_object())) {
    ds_free(c);
    return NULL;
  }
  return c;
}

void calls_free(struct calls *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_items; i++) ds_free(c->items[i].file);
  for (size_t i = 0; i < c->n_calls; i++) {
    ds_free(c->calls[i].group);
    ds_free(c->calls[i].id);
    json_decref(c->calls[i].payload);
  }
  ds_free(c->items);
  ds_free(c->calls);
  json_decref(c->sessions);
  ds_free(c);
}

static bool grow(void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return true;
  size_t k = *cap ? *cap * 2 : 16;
  void *p = ds_realloc(*arr, k * size);
  if (!p) return false;
  *arr = p;
  *cap = k;
  return true;
}

enum ds_status calls_item(struct calls *c, const struct fmt_item *it, const char *skip_type, size_t *out_index) {
  if (!grow((void **)&c->items, &c->cap_items, c->n_items, sizeof *c->items)) return DS_E_NOMEM;
  struct citem *x = &c->items[c->n_items];
  memset(x, 0, sizeof *x);
  if (!(x->file = ds_strdup(it->file))) return DS_E_NOMEM;
  x->line = it->line;
  x->skip_type = skip_type;
  *out_index = c->n_items++;
  return DS_OK;
}

void calls_note(struct calls *c, size_t item, const char *skip_type) {
  if (item < c->n_items) c->items[item].skip_type = skip_type;
}

enum ds_status calls_session(struct calls *c, const char *group, const char *session) {
  if (!group || !session || !*session || json_object_get(c->sessions, group)) return DS_OK;
  return json_object_set_new(c->sessions, group, json_string(session)) ? DS_E_NOMEM : DS_OK;
}

enum ds_status calls_add(struct calls *c, size_t item, const char *group, const char *call_id, uint64_t start_ns,
                         uint64_t end_ns, json_t *payload) {
  if (!grow((void **)&c->calls, &c->cap_calls, c->n_calls, sizeof *c->calls)) return DS_E_NOMEM;
  struct call *x = &c->calls[c->n_calls];
  memset(x, 0, sizeof *x);
  x->item = item;
  x->group = ds_strdup(group ? group : "");
  x->id = ds_strdup(call_id ? call_id : "");
  x->start = start_ns;
  x->end = end_ns ? end_ns : start_ns;
  if (!x->group || !x->id) {
    ds_free(x->group);
    ds_free(x->id);
    return DS_E_NOMEM;
  }
  x->payload = json_incref(payload);
  c->n_calls++;
  return DS_OK;
}

/* ---- times ------------------------------------------------------------------------------ */

uint64_t calls_time_ns(const json_t *v) {
  double d = -1;
  if (json_is_integer(v)) d = (double)json_integer_value(v);
  else if (json_is_real(v)) d = json_real_value(v);
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    if (*s >= '0' && *s <= '9') {
      unsigned long long n = strtoull(s, &end, 10);
      if (*end == '\0') {
        if (n > 1000000000000000ull) return (uint64_t)n; /* nanoseconds (OTLP) */
        d = (double)n;
      }
    }
    if (d < 0) {
      int64_t secs;
      if (ds_parse_time(s, &secs) || secs < 0) return 0;
      /* the fraction ds_parse_time skips: digits after the seconds' '.' */
      uint64_t frac = 0, scale = 1000000000u;
      const char *t = strpbrk(s, "Tt ");
      const char *dot = t ? strchr(t, '.') : NULL;
      if (dot)
        for (const char *p = dot + 1; isdigit((unsigned char)*p) && scale > 1; p++) {
          scale /= 10;
          frac += (uint64_t)(*p - '0') * scale;
        }
      return (uint64_t)secs * 1000000000u + frac;
    }
  }
  if (!(d > 0) || d > 1.8e19) return 0;
  if (d > 1e15) return (uint64_t)d;               /* nanoseconds */
  if (d > 1e11) return (uint64_t)(d * 1e6);       /* milliseconds */
  return (uint64_t)(d * 1e9);                     /* seconds */
}

uint64_t calls_unix_nano(const json_t *v) {
  if (json_is_integer(v)) return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
  if (json_is_real(v)) return json_real_value(v) > 0 && json_real_value(v) < 1.8e19 ? (uint64_t)json_real_value(v) : 0;
  if (!json_is_string(v) || !isdigit((unsigned char)*json_string_value(v))) return 0;
  char *e;
  unsigned long long n = strtoull(json_string_value(v), &e, 10);
  return *e == '\0' ? (uint64_t)n : 0;
}

enum ds_status calls_set_time(json_t *rec, uint64_t ns) {
  if (!ns) return DS_OK;
  char buf[32];
  ds_format_time((int64_t)(ns / 1000000000u), buf);
  return json_object_set_new(rec, "time", json_string(buf)) ? DS_E_NOMEM : DS_OK;
}

/* ---- conversations ------------------------------------------------------------------- */

static bool same_turn(const json_t *a, const json_t *b) {
  if (strcmp(ds_json_str(a, "role", ""), ds_json_str(b, "role", "")) != 0) return false;
  char *ta = fmt_parts_text(json_object_get(a, "content")), *tb = fmt_parts_text(json_object_get(b, "content"));
  bool same = (!ta && !tb) || (ta && tb && strcmp(ta, tb) == 0);
  ds_free(ta);
  ds_free(tb);
  return same && json_array_size(json_object_get(a, "tool_calls")) == json_array_size(json_object_get(b, "tool_calls"));
}

/* True when the turns of part start whole (a later call resent an earlier one's turns). */
static bool is_prefix(const json_t *part, const json_t *whole) {
  const json_t *pm = json_object_get(part, "messages"), *wm = json_object_get(whole, "messages");
  if (json_array_size(pm) > json_array_size(wm)) return false;
  for (size_t i = 0; i < json_array_size(pm); i++)
    if (!same_turn(json_array_get(pm, i), json_array_get(wm, i))) return false;
  return true;
}

static int by_time(const void *a, const void *b, void *ctx) {
  const struct call *s = ctx;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  const struct call *x = &s[i], *y = &s[j];
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return i < j ? -1 : i > j ? 1 : 0;
}

static enum ds_status fail_call(struct calls *c, const struct call *x, struct fmt_out *o, struct ds_bad_record *b) {
  struct citem *ci = &c->items[x->item];
  if (!ci->failed && !ci->used) {
    ci->failed = true;
    struct fmt_item it = {NULL, ci->file, NULL, ci->line};
    return fmt_fail_item(o, &it, b);
  }
  return fmt_fail(o, ci->file, ci->line, b->reason ? b->reason : "bad_record", "%s", b->msg);
}

/* One conversation: its calls' indexes, by time. */
static enum ds_status conversation(struct calls *c, const size_t *idx, size_t n, const char *id, const char *session,
                                   calls_record_fn fn, void *ud, struct fmt_out *o) {
  uint64_t first = 0;
  for (size_t i = 0; i < n; i++)
    if (c->calls[idx[i]].start && (!first || c->calls[idx[i]].start < first)) first = c->calls[idx[i]].start;
  json_t *main = NULL;
  struct ds_bad_record b;
  enum ds_status st;
  size_t k = n;
  /* the last call that reads is the conversation; later ones that do not read fail */
  while (k > 0) {
    const struct call *x = &c->calls[idx[--k]];
    memset(&b, 0, sizeof b);
    st = fn(ud, x->payload, id, session, first, &main, &b);
    if (st == DS_E_NOMEM) return st;
    if (!st) break;
    main = NULL;
    if ((st = fail_call(c, x, o, &b))) return st;
  }
  if (!main) return DS_OK;
  const struct call *last = &c->calls[idx[k]];
  c->items[last->item].used = true;
  json_incref(main); /* compared with the earlier calls below */
  st = fmt_emit(o, main, c->items[last->item].file, c->items[last->item].line);
  for (size_t i = 0; i < k && !st; i++) {
    const struct call *x = &c->calls[idx[i]];
    struct citem *ci = &c->items[x->item];
    struct ds_buf sid;
    ds_buf_init(&sid, 0);
    if (ds_buf_addf(&sid, "%s/%s", id, x->id)) {
      st = DS_E_NOMEM;
      break;
    }
    json_t *r = NULL;
    memset(&b, 0, sizeof b);
    st = fn(ud, x->payload, sid.data, session, 0, &r, &b);
    ds_buf_release(&sid);
    if (st == DS_E_NOMEM) break;
    if (st) {
      st = fail_call(c, x, o, &b);
    } else if (is_prefix(r, main)) {
      json_decref(r);
      ci->dup = true;
    } else {
      ci->used = true;
      st = json_object_set_new(r, "parent_id", json_string(id)) ? DS_E_NOMEM : fmt_emit(o, r, ci->file, ci->line);
    }
  }
  json_decref(main);
  return st;
}

enum ds_status calls_finish(struct calls *c, calls_record_fn fn, void *ud, struct fmt_out *o, struct ds_err *err) {
  enum ds_status st = DS_OK;
  /* conversation key ("s:" session or "g:" group) -> call indexes, in order of first appearance */
  json_t *groups = json_object(), *order = json_array();
  if (!groups || !order) st = DS_E_NOMEM;
  struct ds_buf key;
  ds_buf_init(&key, 0);
  for (size_t i = 0; i < c->n_calls && !st; i++) {
    const struct call *x = &c->calls[i];
    const char *sess = ds_json_str(c->sessions, x->group, NULL);
    ds_buf_reset(&key);
    if (ds_buf_addf(&key, "%s:%s", sess ? "s" : "g", sess ? sess : x->group)) {
      st = DS_E_NOMEM;
      break;
    }
    json_t *g = json_object_get(groups, key.data);
    if (!g) {
      g = json_array();
      if (!g || json_object_set_new(groups, key.data, g) || json_array_append_new(order, json_string(key.data))) {
        st = DS_E_NOMEM;
        break;
      }
    }
    if (json_array_append_new(g, json_integer((json_int_t)i))) st = DS_E_NOMEM;
  }
  ds_buf_release(&key);
  size_t gi;
  const json_t *gk;
  json_array_foreach(order, gi, gk) {
    if (st) break;
    const json_t *g = json_object_get(groups, json_string_value(gk));
    size_t n = json_array_size(g);
    size_t *idx = ds_malloc(n * sizeof *idx);
    if (!idx) {
      st = DS_E_NOMEM;
      break;
    }
    for (size_t i = 0; i < n; i++) idx[i] = (size_t)json_integer_value(json_array_get(g, i));
    qsort_r(idx, n, sizeof *idx, by_time, c->calls);
    const char *k = json_string_value(gk);
    st = conversation(c, idx, n, k + 2, k[0] == 's' ? k + 2 : NULL, fn, ud, o);
    ds_free(idx);
  }
  json_decref(groups);
  json_decref(order);
  if (st) return ds_fail(err, st, "out of memory");
  for (size_t i = 0; i < c->n_items; i++) {
    const struct citem *ci = &c->items[i];
    if (ci->used || ci->failed) continue;
    if (ci->dup) fmt_duplicate(o, "earlier-llm-call", 1);
    else fmt_skip(o, ci->skip_type, 1);
  }
  return DS_OK;
}
