/* langsmith.c: LangSmith runs, one per line or array element, as the SDK's list_runs and the
 * bulk export write them ({id, name, run_type, inputs, outputs, trace_id, parent_run_id,
 * dotted_order, start_time, extra:{metadata, invocation_params}, ...}). The runs of run_type
 * "llm" are the model calls; their inputs and outputs are LangChain messages (serialized
 * {"lc":1,"type":"constructor",...}, typed dicts, generations), or the OpenAI or Anthropic
 * request and response a wrapped client saw. One conversation per thread (metadata
 * thread_id, session_id or conversation_id) or else per trace, its last call (calls.c). */
#include <string.h>

#include "calls.h"
#include "llm_io.h"

static const char *const k_thread[] = {"thread_id", "session_id", "conversation_id", NULL};

static bool is_run(const json_t *o) {
  return json_is_string(json_object_get(o, "run_type")) &&
         (json_object_get(o, "inputs") || json_object_get(o, "outputs")) &&
         (json_object_get(o, "trace_id") || json_object_get(o, "dotted_order") || json_object_get(o, "parent_run_id"));
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  for (size_t i = 0; i < p->n_items; i++)
    if (is_run(p->items[i])) return 85;
  snprintf(why, n, "no LangSmith run (run_type, inputs, trace_id)");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  DS_UNUSED(p);
  if (!(*state = calls_new())) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static void end(void *state) { calls_free(state); }

static const char *str_in(const json_t *o, const char *const *keys) {
  for (; o && *keys; keys++) {
    const json_t *v = json_object_get(o, *keys);
    if (json_is_string(v) && json_string_length(v)) return json_string_value(v);
  }
  return NULL;
}

/* The trace a run belongs to: trace_id, else the root of dotted_order
 * ("20240101T000000000000Z<uuid>.2024...Z<uuid>"), else the run itself. */
static const char *trace_of(const json_t *run, char *buf, size_t n) {
  const char *t = ds_json_str(run, "trace_id", NULL);
  if (t && *t) return t;
  const char *d = ds_json_str(run, "dotted_order", NULL);
  const char *z = d ? strchr(d, 'Z') : NULL;
  if (z) {
    const char *dot = strchr(z, '.');
    size_t len = dot ? (size_t)(dot - z - 1) : strlen(z + 1);
    if (len && len < n) {
      memcpy(buf, z + 1, len);
      buf[len] = '\0';
      return buf;
    }
  }
  return ds_json_str(run, "id", "");
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct calls *s = state;
  const json_t *run = it->v;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (!json_is_object(run)) {
    corpus_bad(&b, "not_object", "item is not a JSON object");
    return fmt_fail_item(o, it, &b);
  }
  if (!json_is_string(json_object_get(run, "run_type"))) {
    corpus_bad(&b, "missing_field", "not a LangSmith run (no \"run_type\")");
    return fmt_fail_item(o, it, &b);
  }
  size_t ii;
  enum ds_status st = calls_item(s, it, "non-llm-runs", &ii);
  char buf[128];
  const char *trace = trace_of(run, buf, sizeof buf);
  const json_t *meta = json_object_get(json_object_get(run, "extra"), "metadata");
  if (!st) st = calls_session(s, trace, str_in(meta, k_thread));
  if (!st && strcmp(ds_json_str(run, "run_type", ""), "llm") == 0) {
    const json_t *in = json_object_get(run, "inputs"), *out = json_object_get(run, "outputs");
    if ((!in || json_is_null(in) || (json_is_object(in) && !json_object_size(in))) &&
        (!out || json_is_null(out) || (json_is_object(out) && !json_object_size(out))))
      calls_note(s, ii, "llm-runs-without-content");
    else
      st = calls_add(s, ii, trace, ds_json_str(run, "id", ""), calls_time_ns(json_object_get(run, "start_time")),
                     calls_time_ns(json_object_get(run, "end_time")), (json_t *)run);
  }
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

static enum ds_status record(void *ud, const json_t *run, const char *id, const char *session, uint64_t first,
                             json_t **out, struct ds_bad_record *b) {
  DS_UNUSED(ud);
  *out = NULL;
  const char *rid = ds_json_str(run, "id", "");
  const json_t *extra = json_object_get(run, "extra");
  const json_t *meta = json_object_get(extra, "metadata"), *inv = json_object_get(extra, "invocation_params");
  const json_t *outputs = json_object_get(run, "outputs");
  /* a traced function's result is kept under "output" */
  if (json_is_object(outputs) && json_object_size(outputs) == 1 && json_is_object(json_object_get(outputs, "output")))
    outputs = json_object_get(outputs, "output");
  struct llm_conv c;
  json_t *rec = NULL;
  enum ds_status st = DS_E_NOMEM;
  if (!llm_conv_init(&c, rid)) goto out;
  if ((st = llm_input(&c, json_object_get(run, "inputs"), b)) || (st = llm_output(&c, outputs, b))) goto out;
  if (json_array_size(c.msgs) == 0) {
    st = corpus_bad(b, "empty_conversation", "run %.60s has no messages", rid);
    goto out;
  }
  st = DS_E_NOMEM;
  rec = json_object();
  if (!rec || json_object_set_new(rec, "id", json_string(id)) || json_object_set(rec, "messages", c.msgs) ||
      calls_set_time(rec, first ? first : calls_time_ns(json_object_get(run, "start_time"))))
    goto out;
  json_t *tools = c.tools ? json_incref(c.tools) : NULL;
  if (!tools) tools = llm_tools(json_object_get(inv, "tools"));
  if (!tools) tools = llm_tools(json_object_get(inv, "functions"));
  if (tools && json_object_set_new(rec, "tools", tools)) goto out;
  if (c.alts && json_object_set(rec, "other_choices", c.alts)) goto out;
  static const char *const k_model[] = {"ls_model_name", NULL};
  static const char *const k_inv_model[] = {"model", "model_name", NULL};
  const char *model = str_in(inv, k_inv_model);
  if (!model) model = str_in(meta, k_model);
  if (!model) model = c.model;
  static const char *const k_provider[] = {"ls_provider", NULL};
  const char *provider = str_in(meta, k_provider);
  if (fmt_segment(rec, "model", model ? json_string(model) : NULL) ||
      fmt_segment(rec, "provider", provider ? json_string(provider) : NULL) ||
      fmt_segment(rec, "project", json_incref(json_object_get(run, "session_name"))))
    goto out;
  json_t *ls = json_pack("{s:s,s:s}", "run_id", rid, "name", ds_json_str(run, "name", ""));
  if (!ls || json_object_set_new(rec, "langsmith", ls)) goto out;
  static const char *const keep[] = {"trace_id", "parent_run_id", "tags", "error", "status", NULL};
  for (const char *const *k = keep; *k; k++) {
    const json_t *v = json_object_get(run, *k);
    if (v && !json_is_null(v) && json_object_set(ls, *k, (json_t *)v)) goto out;
  }
  if (session && json_object_set_new(ls, "thread_id", json_string(session))) goto out;
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

const struct corpus_format corpus_format_langsmith = {
    .name = "langsmith",
    .summary = "LangSmith runs (JSONL, JSON): the run_type \"llm\" calls, LangChain-serialized, OpenAI or "
               "Anthropic messages",
    .tested = "LangSmith run data format (docs.langchain.com, 2026) as list_runs JSON; LangChain messages "
              "serialized (lc 1) and as dicts, LLMResult generations; wrap_openai / wrap_anthropic runs",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
