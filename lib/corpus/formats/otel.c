/* otel.c: OpenTelemetry traces as the OTLP File Exporter writes them (one TracesData
 * {"resourceSpans":[{"resource","scopeSpans":[{"scope","spans":[...]}]}]} per line, or one JSON
 * document): the spans of model calls, in any of the dialects of otel_dialects.c, grouped into
 * conversations by calls.c. A conversation is a session (session.id, gen_ai.conversation.id on
 * any span of a trace) or else a trace; its last model call (by end time) holds it. Spans of
 * one trace may sit on different lines (the exporter batches): the whole unit is read before
 * records are made, in finish. */
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "otel.h"

static const char *const k_session[] = {"session.id", "gen_ai.conversation.id", "langfuse.session.id",
                                        "traceloop.association.properties.session_id",
                                        "gcp.vertex.agent.session_id", NULL};

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
  if (!(*state = calls_new())) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static void end(void *state) { calls_free(state); }

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
  struct calls *s = state;
  json_t *found = json_array();
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = found ? collect(it->v, found, &b) : DS_E_NOMEM;
  if (st && st != DS_E_NOMEM) {
    json_decref(found);
    return fmt_fail_item(o, it, &b);
  }
  size_t ii;
  if (!st) st = calls_item(s, it, "non-llm-spans", &ii);
  size_t i;
  const json_t *e;
  json_array_foreach(found, i, e) {
    if (st) break;
    const json_t *sp = json_object_get(e, "span");
    json_t *attrs = otel_attrs(json_object_get(sp, "attributes"));
    if (!attrs) {
      st = DS_E_NOMEM;
      break;
    }
    const char *trace = json_string_value(get2(sp, "traceId", "trace_id"));
    enum otel_kind kind = otel_span_kind(attrs, json_object_get(sp, "events"));
    st = calls_session(s, trace, otel_str(attrs, k_session));
    if (!st && kind == OTEL_LLM_NO_CONTENT) calls_note(s, ii, "llm-spans-without-content");
    if (!st && kind == OTEL_LLM) {
      json_t *call = json_pack("{s:O,s:O,s:O,s:O?}", "span", sp, "attrs", attrs, "res", json_object_get(e, "res"),
                               "scope", json_object_get(e, "scope"));
      st = call ? calls_add(s, ii, trace, ds_json_str(sp, "spanId", ds_json_str(sp, "span_id", "")),
                            calls_unix_nano(get2(sp, "startTimeUnixNano", "start_time_unix_nano")),
                            calls_unix_nano(get2(sp, "endTimeUnixNano", "end_time_unix_nano")), call)
                : DS_E_NOMEM;
      json_decref(call);
    }
    json_decref(attrs);
  }
  json_decref(found);
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

/* ---- records ---------------------------------------------------------------------------- */

static const char *const k_model[] = {"gen_ai.response.model", "gen_ai.request.model", "llm.model_name",
                                      "gen_ai.model.name", "ai.response.model", "ai.model.id", NULL};
static const char *const k_provider[] = {"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system",
                                         "ai.model.provider", NULL};
static const char *const k_deploy[] = {"deployment.environment.name", "deployment.environment", NULL};

/* The record of one model call (calls_record_fn); DS_E_INVALID with b filled when its content
 * cannot be read. */
static enum ds_status span_record(void *ud, const json_t *call, const char *id, const char *session, uint64_t first,
                                  json_t **out, struct ds_bad_record *b) {
  DS_UNUSED(ud);
  *out = NULL;
  const json_t *span = json_object_get(call, "span"), *attrs = json_object_get(call, "attrs");
  const json_t *res = json_object_get(call, "res"), *scope = json_object_get(json_object_get(call, "scope"), "name");
  const char *span_id = ds_json_str(span, "spanId", ds_json_str(span, "span_id", ""));
  const char *trace = json_string_value(get2(span, "traceId", "trace_id"));
  struct llm_conv c;
  if (!llm_conv_init(&c, span_id)) {
    llm_conv_release(&c);
    return DS_E_NOMEM;
  }
  const char *dialect = NULL;
  enum ds_status st = otel_span_conv(attrs, json_object_get(span, "events"), &c, &dialect, b);
  json_t *rec = NULL;
  if (st) goto out;
  if (json_array_size(c.msgs) == 0) {
    st = corpus_bad(b, "empty_conversation", "span %.40s holds no messages", span_id);
    goto out;
  }
  st = DS_E_NOMEM;
  rec = json_object();
  if (!rec || json_object_set_new(rec, "id", json_string(id)) || json_object_set(rec, "messages", c.msgs) ||
      calls_set_time(rec, first ? first : calls_unix_nano(get2(span, "startTimeUnixNano", "start_time_unix_nano"))))
    goto out;
  const char *model = otel_str(attrs, k_model), *provider = otel_str(attrs, k_provider), *dep = otel_str(res, k_deploy);
  if (fmt_segment(rec, "model", model ? json_string(model) : c.model ? json_string(c.model) : NULL) ||
      fmt_segment(rec, "provider", provider ? json_string(provider) : NULL) ||
      fmt_segment(rec, "service", json_incref(json_object_get(res, "service.name"))) ||
      fmt_segment(rec, "service_version", json_incref(json_object_get(res, "service.version"))) ||
      fmt_segment(rec, "deployment", dep ? json_string(dep) : NULL) ||
      fmt_segment(rec, "agent", json_incref(json_object_get(attrs, "gen_ai.agent.name"))))
    goto out;
  if (c.tools && json_object_set(rec, "tools", c.tools)) goto out;
  if (c.alts && json_object_set(rec, "other_choices", c.alts)) goto out;
  const json_t *parent = get2(span, "parentSpanId", "parent_span_id");
  json_t *ot = json_pack("{s:s,s:s,s:s,s:O,s:s}", "trace_id", trace ? trace : "", "span_id", span_id, "name",
                         ds_json_str(span, "name", ""), "resource", res, "dialect", dialect);
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

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  return calls_finish(state, span_record, NULL, o, err);
}

const struct corpus_format corpus_format_otel = {
    .name = "otel",
    .summary = "OpenTelemetry traces (OTLP/JSON file exporter): model-call spans in the GenAI semantic "
               "conventions, OpenInference or OpenLLMetry",
    .tested = "OTLP/JSON TracesData (file exporter, one per line, or one document); GenAI semconv 1.28-1.38 "
              "(gen_ai.input/output.messages, gen_ai.system_instructions, per-message events), OpenInference "
              "llm.input_messages (spec 2025), OpenLLMetry gen_ai.prompt.N (0.40+), Vercel AI SDK 4-5 "
              "ai.prompt.messages, Google ADK gcp.vertex.agent.llm_request",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
