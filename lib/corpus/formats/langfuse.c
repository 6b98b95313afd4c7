/* langfuse.c: Langfuse exports: observation rows (blob-storage export observations_v2/ and
 * observations/, snake_case, input/output as text; the UI and public API's camelCase objects,
 * input/output as values; JSON, JSONL or CSV), API pages {"data":[...]}, and traces with their
 * observations embedded (GET /api/public/traces/{id}). The GENERATION observations are the
 * model calls; one conversation per session (session_id) or else per trace, its last
 * generation (calls.c). Trace rows without observations are skipped (their input/output is
 * the application's, not a model call's: read the observations export). */
#include <string.h>

#include "calls.h"
#include "llm_io.h"

static const char *const obs_types[] = {"GENERATION", "SPAN",      "EVENT",     "AGENT",     "TOOL", "CHAIN",
                                        "RETRIEVER",  "EVALUATOR", "EMBEDDING", "GUARDRAIL", NULL};

static const json_t *get2(const json_t *o, const char *snake, const char *camel) {
  const json_t *v = json_object_get(o, snake);
  return v && !json_is_null(v) ? v : json_object_get(o, camel);
}
static const char *str2(const json_t *o, const char *snake, const char *camel) {
  const json_t *v = get2(o, snake, camel);
  return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

static bool is_obs(const json_t *o) {
  const char *type = ds_json_str(o, "type", NULL);
  bool known = false;
  for (const char *const *t = obs_types; type && *t; t++) known |= strcmp(type, *t) == 0;
  return known && get2(o, "trace_id", "traceId") && get2(o, "start_time", "startTime");
}

static bool is_trace(const json_t *o) {
  return json_is_object(o) && json_is_array(json_object_get(o, "observations")) && json_object_get(o, "id") &&
         json_object_get(o, "timestamp");
}

static const json_t *page_first(const json_t *o) {
  const json_t *d = json_object_get(o, "data");
  return json_is_array(d) ? json_array_get(d, 0) : NULL;
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i], *f = page_first(v);
    if (is_obs(v) || is_trace(v) || (f && (is_obs(f) || is_trace(f)))) return 85;
  }
  snprintf(why, n, "no Langfuse observation (type, trace_id, start_time) or trace with observations");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  DS_UNUSED(p);
  if (!(*state = calls_new())) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static void end(void *state) { calls_free(state); }

static bool empty(const json_t *v) { return !v || json_is_null(v) || (json_is_string(v) && !json_string_length(v)); }

/* One observation (trace: the trace it came in, or NULL). */
static enum ds_status observation(struct calls *s, size_t ii, const json_t *obs, const json_t *trace) {
  if (!json_is_object(obs)) return DS_OK;
  const char *tid = str2(obs, "trace_id", "traceId");
  if (!tid && trace) tid = ds_json_str(trace, "id", NULL);
  const char *sess = str2(obs, "session_id", "sessionId");
  if (!sess && trace) sess = str2(trace, "session_id", "sessionId");
  enum ds_status st = calls_session(s, tid, sess);
  if (st) return st;
  const char *type = ds_json_str(obs, "type", "");
  if (strcasecmp(type, "GENERATION") != 0) return DS_OK;
  if (empty(json_object_get(obs, "input")) && empty(json_object_get(obs, "output"))) {
    calls_note(s, ii, "generations-without-content");
    return DS_OK;
  }
  const char *id = ds_json_str(obs, "id", "");
  json_t *call = json_pack("{s:O,s:O?}", "obs", obs, "trace", trace);
  if (!call) return DS_E_NOMEM;
  st = calls_add(s, ii, tid ? tid : id, id, calls_time_ns(get2(obs, "start_time", "startTime")),
                 calls_time_ns(get2(obs, "end_time", "endTime")), call);
  json_decref(call);
  return st;
}

static enum ds_status one(struct calls *s, size_t ii, const json_t *v, bool *trace_row) {
  if (is_trace(v)) {
    size_t i;
    const json_t *o;
    enum ds_status st = DS_OK;
    bool objects = false;
    json_array_foreach(json_object_get(v, "observations"), i, o) {
      objects |= json_is_object(o);
      if ((st = observation(s, ii, o, v))) return st;
    }
    *trace_row |= !objects;
    return st;
  }
  if (json_object_get(v, "timestamp") && !json_object_get(v, "type") && json_object_get(v, "id")) {
    *trace_row = true; /* a trace row of the traces export */
    return calls_session(s, ds_json_str(v, "id", NULL), str2(v, "session_id", "sessionId"));
  }
  return observation(s, ii, v, NULL);
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct calls *s = state;
  const json_t *v = it->v;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (!json_is_object(v)) {
    corpus_bad(&b, "not_object", "item is not a JSON object");
    return fmt_fail_item(o, it, &b);
  }
  const json_t *page = json_object_get(v, "data");
  if (!json_is_array(page) && !is_obs(v) && !is_trace(v) && !json_object_get(v, "timestamp")) {
    corpus_bad(&b, "missing_field", "not a Langfuse observation (no type, trace_id, start_time)");
    return fmt_fail_item(o, it, &b);
  }
  size_t ii;
  enum ds_status st = calls_item(s, it, "non-generation-observations", &ii);
  bool trace_row = false;
  if (!st && json_is_array(page)) {
    size_t i;
    const json_t *e;
    json_array_foreach(page, i, e) if (!st) st = one(s, ii, e, &trace_row);
  } else if (!st) {
    st = one(s, ii, v, &trace_row);
  }
  if (!st && trace_row) calls_note(s, ii, "trace-rows (read the observations export)");
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

/* A text column that holds JSON (CSV and blob exports) as its value; new reference. */
static json_t *value_of(const json_t *v) {
  json_t *p = llm_json_text(v);
  return p ? p : v ? json_incref((json_t *)v) : NULL;
}

static enum ds_status record(void *ud, const json_t *call, const char *id, const char *session, uint64_t first,
                             json_t **out, struct ds_bad_record *b) {
  DS_UNUSED(ud);
  *out = NULL;
  const json_t *obs = json_object_get(call, "obs"), *trace = json_object_get(call, "trace");
  const char *oid = ds_json_str(obs, "id", "");
  struct llm_conv c;
  json_t *rec = NULL;
  enum ds_status st = DS_E_NOMEM;
  if (!llm_conv_init(&c, oid)) goto out;
  if ((st = llm_input(&c, json_object_get(obs, "input"), b)) || (st = llm_output(&c, json_object_get(obs, "output"), b)))
    goto out;
  if (json_array_size(c.msgs) == 0) {
    st = corpus_bad(b, "empty_conversation", "generation %.60s has no messages", oid);
    goto out;
  }
  st = DS_E_NOMEM;
  rec = json_object();
  if (!rec || json_object_set_new(rec, "id", json_string(id)) || json_object_set(rec, "messages", c.msgs) ||
      calls_set_time(rec, first ? first : calls_time_ns(get2(obs, "start_time", "startTime"))))
    goto out;
  json_t *tools = c.tools ? json_incref(c.tools) : NULL;
  if (!tools) {
    json_t *defs = value_of(get2(obs, "tool_definitions", "toolDefinitions"));
    tools = defs ? llm_tools(defs) : NULL;
    json_decref(defs);
  }
  if (tools && json_object_set_new(rec, "tools", tools)) goto out;
  if (c.alts && json_object_set(rec, "other_choices", c.alts)) goto out;
  const char *model = str2(obs, "provided_model_name", "providedModelName");
  if (!model) model = str2(obs, "model", "model");
  if (!model) model = c.model;
  const char *env = str2(obs, "environment", "environment");
  const char *tname = str2(obs, "trace_name", "traceName");
  if (!env && trace) env = str2(trace, "environment", "environment");
  if (!tname && trace) tname = ds_json_str(trace, "name", NULL);
  const char *release = str2(obs, "release", "release");
  if (!release && trace) release = str2(trace, "release", "release");
  if (fmt_segment(rec, "model", model ? json_string(model) : NULL) ||
      fmt_segment(rec, "environment", env ? json_string(env) : NULL) ||
      fmt_segment(rec, "trace_name", tname ? json_string(tname) : NULL) ||
      fmt_segment(rec, "release", release ? json_string(release) : NULL))
    goto out;
  /* what else identifies the call, under its own key */
  json_t *lf = json_object();
  if (!lf || json_object_set_new(rec, "langfuse", lf)) goto out;
  const char *tid = str2(obs, "trace_id", "traceId");
  if (!tid && trace) tid = ds_json_str(trace, "id", NULL);
  static const char *const keep[][2] = {{"name", "name"},
                                        {"parent_observation_id", "parentObservationId"},
                                        {"prompt_name", "promptName"},
                                        {"prompt_version", "promptVersion"},
                                        {"model_parameters", "modelParameters"},
                                        {"metadata", "metadata"},
                                        {"level", "level"},
                                        {"status_message", "statusMessage"},
                                        {"user_id", "userId"},
                                        {"tags", "tags"}};
  if (json_object_set_new(lf, "observation_id", json_string(oid)) ||
      (tid && json_object_set_new(lf, "trace_id", json_string(tid))) ||
      (session && json_object_set_new(lf, "session_id", json_string(session))))
    goto out;
  for (unsigned i = 0; i < DS_ARRAY_LEN(keep); i++) {
    const json_t *v = get2(obs, keep[i][0], keep[i][1]);
    if ((!v || empty(v)) && trace && strcmp(keep[i][0], "name") != 0) v = get2(trace, keep[i][0], keep[i][1]);
    if (empty(v) || (json_is_object(v) && !json_object_size(v))) continue;
    json_t *val = value_of(v);
    if (!val || json_object_set_new(lf, keep[i][0], val)) goto out;
  }
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
  return calls_finish(state, record, NULL, o, err);
}

const struct corpus_format corpus_format_langfuse = {
    .name = "langfuse",
    .summary = "Langfuse observation exports (JSON, JSONL, CSV; blob storage, UI, API) and traces with "
               "observations: the GENERATION calls",
    .tested = "Langfuse blob-storage export observations_v2/ and observations/ (fields of langfuse-docs 2026), "
              "public API v1/v2 observations and traces (camelCase), as JSON, JSONL and CSV",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
