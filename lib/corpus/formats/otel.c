/* otel.c: OpenTelemetry traces as the OTLP File Exporter writes them (one TracesData
 * {"resourceSpans":[{"resource","scopeSpans":[{"scope","spans":[...]}]}]} per line, or one JSON
 * document): the spans of model calls, in any of the dialects of otel_dialects.c, grouped into
 * conversations. A conversation is a session (session.id, gen_ai.conversation.id on any span
 * of a trace) or else a trace; its last model call (by end time) holds the conversation. An
 * earlier call whose turns are a prefix of it repeats them (duplicate); one that is not (a side
 * call: a title, a summary, a subagent) is a record of its own, <conversation>/<span id>.
 * Spans of one trace may sit on different lines (the exporter batches): the whole unit is
 * read before records are made, in finish. */
#include <stdlib.h>
#include <string.h>

#include "otel.h"

static const char *const k_session[] = {"session.id", "gen_ai.conversation.id", "langfuse.session.id",
                                        "traceloop.association.properties.session_id", NULL};

struct oitem { /* a line (TracesData) */
  char *file;
  uint64_t line;
  bool no_content, used, failed, dup;
};

struct ospan { /* a model call kept until the end of the unit */
  json_t *span;  /* the span object (reference) */
  json_t *attrs; /* its attributes, decoded */
  json_t *res;   /* its resource's attributes, decoded (reference, shared) */
  json_t *scope; /* its instrumentation scope (reference) or NULL */
  size_t item;
  uint64_t start, end;
  const char *trace, *id; /* in span */
};

struct ostate {
  struct oitem *items;
  size_t n_items, cap_items;
  struct ospan *spans;
  size_t n_spans, cap_spans;
  json_t *sessions; /* trace id -> session id */
};

static const json_t *get2(const json_t *o, const char *camel, const char *snake) {
  const json_t *v = json_object_get(o, camel);
  return v ? v : json_object_get(o, snake);
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i];
    if (json_is_array(get2(v, "resourceSpans", "resource_spans"))) return 90;
  }
  for (size_t i = 0; i < p->n_items; i++) {
    if (get2(p->items[i], "resourceLogs", "resource_logs") || get2(p->items[i], "resourceMetrics", "resource_metrics")) {
      snprintf(why, n, "OTLP logs or metrics, not traces (export the traces signal)");
      return 0;
    }
  }
  snprintf(why, n, "no \"resourceSpans\" array");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  DS_UNUSED(p);
  struct ostate *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->sessions = json_object())) {
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct ostate *s = state;
  if (!s) return;
  for (size_t i = 0; i < s->n_items; i++) ds_free(s->items[i].file);
  for (size_t i = 0; i < s->n_spans; i++) {
    json_decref(s->spans[i].span);
    json_decref(s->spans[i].attrs);
    json_decref(s->spans[i].res);
    json_decref(s->spans[i].scope);
  }
  ds_free(s->items);
  ds_free(s->spans);
  json_decref(s->sessions);
  ds_free(s);
}

/* Nanoseconds since the epoch from a string or number; 0 when absent or unreadable. */
static uint64_t nanos(const json_t *v) {
  if (json_is_integer(v)) return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
  if (json_is_real(v)) return json_real_value(v) > 0 && json_real_value(v) < 1.8e19 ? (uint64_t)json_real_value(v) : 0;
  if (!json_is_string(v)) return 0;
  char *e;
  unsigned long long n = strtoull(json_string_value(v), &e, 10);
  return *e == '\0' ? (uint64_t)n : 0;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return true;
  size_t c = *cap ? *cap * 2 : 16;
  void *p = ds_realloc(*arr, c * size);
  if (!p) return false;
  *arr = p;
  *cap = c;
  return true;
}

/* The spans of one TracesData, checked before any is kept: [ {span, resource, scope} ]. */
static enum ds_status collect(const json_t *td, json_t *out, struct ds_bad_record *b) {
  const json_t *rss = get2(td, "resourceSpans", "resource_spans");
  if (!json_is_object(td)) return corpus_bad(b, "not_object", "line is not a JSON object");
  if (!rss) return corpus_bad(b, "missing_field", "no \"resourceSpans\": not an OTLP TracesData");
  if (!json_is_array(rss)) return corpus_bad(b, "wrong_type", "\"resourceSpans\" is not an array");
  size_t i, j, k;
  const json_t *rs, *ss, *sp;
  json_array_foreach(rss, i, rs) {
    if (!json_is_object(rs)) return corpus_bad(b, "wrong_type", "resourceSpans[%zu] is not an object", i);
    const json_t *sss = get2(rs, "scopeSpans", "scope_spans");
    if (!sss) sss = get2(rs, "instrumentationLibrarySpans", "instrumentation_library_spans"); /* before OTLP 0.15 */
    if (sss && !json_is_array(sss)) return corpus_bad(b, "wrong_type", "resourceSpans[%zu].scopeSpans is not an array", i);
    json_t *res = otel_attrs(json_object_get(json_object_get(rs, "resource"), "attributes"));
    if (!res) return DS_E_NOMEM;
    json_array_foreach(sss, j, ss) {
      const json_t *spans = json_object_get(ss, "spans");
      if (spans && !json_is_array(spans)) {
        json_decref(res);
        return corpus_bad(b, "wrong_type", "resourceSpans[%zu].scopeSpans[%zu].spans is not an array", i, j);
      }
      const json_t *scope = get2(ss, "scope", "instrumentationLibrary");
      json_array_foreach(spans, k, sp) {
        if (!json_is_object(sp) || !json_is_string(get2(sp, "traceId", "trace_id"))) {
          json_decref(res);
          return corpus_bad(b, "wrong_type", "resourceSpans[%zu].scopeSpans[%zu].spans[%zu] is not a span with a traceId",
                            i, j, k);
        }
        json_t *e = json_pack("{s:O,s:O,s:O?}", "span", sp, "res", res, "scope", scope);
        if (!e || json_array_append_new(out, e)) {
          json_decref(res);
          return DS_E_NOMEM;
        }
      }
    }
    json_decref(res);
  }
  return DS_OK;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct ostate *s = state;
  if (!grow((void **)&s->items, &s->cap_items, s->n_items, sizeof *s->items))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  json_t *found = json_array();
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = found ? collect(it->v, found, &b) : DS_E_NOMEM;
  if (st == DS_E_NOMEM) {
    json_decref(found);
    return ds_fail(err, st, "out of memory");
  }
  if (st) {
    json_decref(found);
    return fmt_fail_item(o, it, &b);
  }
  size_t ii = s->n_items;
  struct oitem *oi = &s->items[s->n_items++];
  memset(oi, 0, sizeof *oi);
  oi->line = it->line;
  if (!(oi->file = ds_strdup(it->file))) goto nomem;
  size_t i;
  const json_t *e;
  json_array_foreach(found, i, e) {
    const json_t *sp = json_object_get(e, "span");
    json_t *attrs = otel_attrs(json_object_get(sp, "attributes"));
    if (!attrs) goto nomem;
    const char *trace = json_string_value(get2(sp, "traceId", "trace_id"));
    const char *sess = otel_str(attrs, k_session);
    if (sess && !json_object_get(s->sessions, trace) && json_object_set_new(s->sessions, trace, json_string(sess))) {
      json_decref(attrs);
      goto nomem;
    }
    enum otel_kind kind = otel_span_kind(attrs, json_object_get(sp, "events"));
    if (kind != OTEL_LLM) {
      oi->no_content |= kind == OTEL_LLM_NO_CONTENT;
      json_decref(attrs);
      continue;
    }
    if (!grow((void **)&s->spans, &s->cap_spans, s->n_spans, sizeof *s->spans)) {
      json_decref(attrs);
      goto nomem;
    }
    struct ospan *x = &s->spans[s->n_spans++];
    x->span = json_incref((json_t *)sp);
    x->attrs = attrs;
    x->res = json_incref(json_object_get(e, "res"));
    x->scope = json_incref(json_object_get(e, "scope"));
    x->item = ii;
    x->start = nanos(get2(sp, "startTimeUnixNano", "start_time_unix_nano"));
    x->end = nanos(get2(sp, "endTimeUnixNano", "end_time_unix_nano"));
    if (!x->end) x->end = x->start;
    x->trace = trace;
    x->id = ds_json_str(sp, "spanId", ds_json_str(sp, "span_id", ""));
  }
  json_decref(found);
  return DS_OK;
nomem:
  json_decref(found);
  return ds_fail(err, DS_E_NOMEM, "out of memory");
}

/* ---- records ---------------------------------------------------------------------------- */

static const char *const k_model[] = {"gen_ai.response.model", "gen_ai.request.model", "llm.model_name",
                                      "gen_ai.model.name", NULL};
static const char *const k_provider[] = {"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", NULL};
static const char *const k_deploy[] = {"deployment.environment.name", "deployment.environment", NULL};

static json_t *time_of(uint64_t ns) {
  if (!ns) return NULL;
  char buf[32];
  ds_format_time((int64_t)(ns / 1000000000u), buf);
  return json_string(buf);
}

/* The record of one model call; DS_E_INVALID with b filled when its content cannot be read. */
static enum ds_status span_record(const struct ospan *x, const char *id, const char *session, uint64_t first,
                                  json_t **out, struct ds_bad_record *b) {
  *out = NULL;
  struct llm_conv c;
  if (!llm_conv_init(&c, x->id)) {
    llm_conv_release(&c);
    return DS_E_NOMEM;
  }
  const char *dialect = NULL;
  enum ds_status st = otel_span_conv(x->attrs, json_object_get(x->span, "events"), &c, &dialect, b);
  json_t *rec = NULL;
  if (st) goto out;
  if (json_array_size(c.msgs) == 0) {
    st = corpus_bad(b, "empty_conversation", "span %.40s holds no messages", x->id);
    goto out;
  }
  st = DS_E_NOMEM;
  rec = json_object();
  if (!rec || json_object_set_new(rec, "id", json_string(id)) || json_object_set(rec, "messages", c.msgs)) goto out;
  json_t *t = time_of(first ? first : x->start);
  if (t && json_object_set_new(rec, "time", t)) goto out;
  const char *model = otel_str(x->attrs, k_model);
  if (fmt_segment(rec, "model", model ? json_string(model) : c.model ? json_string(c.model) : NULL) ||
      fmt_segment(rec, "provider", otel_str(x->attrs, k_provider) ? json_string(otel_str(x->attrs, k_provider)) : NULL) ||
      fmt_segment(rec, "service", json_incref(json_object_get(x->res, "service.name"))) ||
      fmt_segment(rec, "service_version", json_incref(json_object_get(x->res, "service.version"))) ||
      fmt_segment(rec, "deployment", otel_str(x->res, k_deploy) ? json_string(otel_str(x->res, k_deploy)) : NULL) ||
      fmt_segment(rec, "agent", json_incref(json_object_get(x->attrs, "gen_ai.agent.name"))))
    goto out;
  if (c.tools && json_object_set(rec, "tools", c.tools)) goto out;
  if (c.alts && json_object_set(rec, "other_choices", c.alts)) goto out;
  const json_t *parent = get2(x->span, "parentSpanId", "parent_span_id");
  json_t *ot = json_pack("{s:s,s:s,s:s,s:O,s:s}", "trace_id", x->trace, "span_id", x->id, "name",
                         ds_json_str(x->span, "name", ""), "resource", x->res, "dialect", dialect);
  const json_t *scope = json_object_get(x->scope, "name");
  if (!ot || (session && json_object_set_new(ot, "session_id", json_string(session))) ||
      (json_is_string(parent) && json_string_length(parent) && json_object_set(ot, "parent_span_id", (json_t *)parent)) ||
      (json_is_string(scope) && json_object_set(ot, "scope", (json_t *)scope)) || json_object_set_new(rec, "otel", ot))
    goto out;
  st = DS_OK;
out:
  llm_conv_release(&c);
  if (st) {
    json_decref(rec);
    return st;
  }
  *out = rec;
  return DS_OK;
}

/* The text of a canonical content, for comparing turns. */
static bool same_turn(const json_t *a, const json_t *b) {
  if (strcmp(ds_json_str(a, "role", ""), ds_json_str(b, "role", "")) != 0) return false;
  char *ta = fmt_parts_text(json_object_get(a, "content")), *tb = fmt_parts_text(json_object_get(b, "content"));
  bool same = (!ta && !tb) || (ta && tb && strcmp(ta, tb) == 0);
  ds_free(ta);
  ds_free(tb);
  return same && json_array_size(json_object_get(a, "tool_calls")) == json_array_size(json_object_get(b, "tool_calls"));
}

/* True when every turn of part starts whole (the later call resent the earlier one's turns). */
static bool is_prefix(const json_t *part, const json_t *whole) {
  const json_t *pm = json_object_get(part, "messages"), *wm = json_object_get(whole, "messages");
  if (json_array_size(pm) > json_array_size(wm)) return false;
  for (size_t i = 0; i < json_array_size(pm); i++)
    if (!same_turn(json_array_get(pm, i), json_array_get(wm, i))) return false;
  return true;
}

static int by_time(const void *a, const void *b, void *ctx) {
  const struct ospan *s = ctx;
  const struct ospan *x = &s[*(const size_t *)a], *y = &s[*(const size_t *)b];
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static enum ds_status fail_span(struct ostate *s, const struct ospan *x, struct fmt_out *o, struct ds_bad_record *b) {
  struct oitem *oi = &s->items[x->item];
  if (!oi->failed && !oi->used) {
    oi->failed = true;
    struct fmt_item it = {NULL, oi->file, NULL, oi->line};
    return fmt_fail_item(o, &it, b);
  }
  return fmt_fail(o, oi->file, oi->line, b->reason ? b->reason : "bad_record", "%s", b->msg);
}

/* One conversation: its spans' indexes, by time. */
static enum ds_status conversation(struct ostate *s, size_t *idx, size_t n, const char *id, const char *session,
                                   struct fmt_out *o) {
  uint64_t first = 0;
  for (size_t i = 0; i < n; i++)
    if (s->spans[idx[i]].start && (!first || s->spans[idx[i]].start < first)) first = s->spans[idx[i]].start;
  json_t *main = NULL;
  struct ds_bad_record b;
  enum ds_status st;
  size_t k = n;
  /* the last call that reads is the conversation; later ones that do not read fail */
  while (k > 0) {
    const struct ospan *x = &s->spans[idx[--k]];
    memset(&b, 0, sizeof b);
    st = span_record(x, id, session, first, &main, &b);
    if (st == DS_E_NOMEM) return st;
    if (!st) break;
    if ((st = fail_span(s, x, o, &b))) return st;
  }
  if (!main) return DS_OK;
  const struct ospan *last = &s->spans[idx[k]];
  s->items[last->item].used = true;
  json_incref(main); /* compared with the earlier calls below */
  st = fmt_emit(o, main, s->items[last->item].file, s->items[last->item].line);
  /* earlier calls: a prefix of it repeats it; otherwise a record of its own */
  for (size_t i = 0; i < k && !st; i++) {
    const struct ospan *x = &s->spans[idx[i]];
    struct oitem *oi = &s->items[x->item];
    char sid[256];
    snprintf(sid, sizeof sid, "%s/%s", id, x->id);
    json_t *r = NULL;
    memset(&b, 0, sizeof b);
    st = span_record(x, sid, session, 0, &r, &b);
    if (st == DS_E_NOMEM) break;
    if (st) {
      st = fail_span(s, x, o, &b);
    } else if (is_prefix(r, main)) {
      json_decref(r);
      oi->dup = true;
    } else {
      oi->used = true;
      st = json_object_set_new(r, "parent_id", json_string(id)) ? DS_E_NOMEM : fmt_emit(o, r, oi->file, oi->line);
    }
  }
  json_decref(main);
  return st;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  struct ostate *s = state;
  enum ds_status st = DS_OK;
  /* group: conversation key -> span indexes, in order of first appearance */
  json_t *groups = json_object(), *order = json_array();
  if (!groups || !order) st = DS_E_NOMEM;
  struct ds_buf key;
  ds_buf_init(&key, 0);
  for (size_t i = 0; i < s->n_spans && !st; i++) {
    const struct ospan *x = &s->spans[i];
    const char *sess = ds_json_str(s->sessions, x->trace, NULL);
    ds_buf_reset(&key);
    if (ds_buf_addf(&key, "%s:%s", sess ? "s" : "t", sess ? sess : x->trace)) {
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
    qsort_r(idx, n, sizeof *idx, by_time, s->spans);
    const char *k = json_string_value(gk);
    bool is_session = k[0] == 's';
    st = conversation(s, idx, n, k + 2, is_session ? k + 2 : NULL, o);
    ds_free(idx);
  }
  json_decref(groups);
  json_decref(order);
  if (st) return ds_fail(err, st, "out of memory");
  /* lines that made no record */
  for (size_t i = 0; i < s->n_items; i++) {
    const struct oitem *oi = &s->items[i];
    if (oi->used || oi->failed) continue;
    if (oi->dup) fmt_duplicate(o, "earlier-llm-call", 1);
    else if (oi->no_content) fmt_skip(o, "llm-spans-without-content", 1);
    else fmt_skip(o, "non-llm-spans", 1);
  }
  return DS_OK;
}

const struct corpus_format corpus_format_otel = {
    .name = "otel",
    .summary = "OpenTelemetry traces (OTLP/JSON file exporter): model-call spans in the GenAI semantic "
               "conventions, OpenInference or OpenLLMetry",
    .tested = "OTLP/JSON TracesData (file exporter, one per line, or one document); GenAI semconv 1.28-1.38 "
              "(gen_ai.input/output.messages, gen_ai.system_instructions, per-message events), OpenInference "
              "llm.input_messages (spec 2025), OpenLLMetry gen_ai.prompt.N (0.40+)",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
