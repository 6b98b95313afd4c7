/* openai_evals.c: OpenAI hosted Evals exports: the per-eval file of Langfuse's migration script
 * (<eval_id>.json = {eval, rows, runs: [{run, output_items}]}), eval run output items
 * ({"object": "eval.run.output_item", sample: {input, output, model, ...}, results, ...}, one
 * per line or in {"object": "list", "data": [...]} pages), and the data-source rows of
 * files/<file_id>.jsonl ({"item": {...}}). Each output item is a conversation: the sample's
 * input, then its output; the grader results and status are kept beside it. A row is a
 * conversation when its item holds a message list; other rows are the data a run's template
 * was filled with, and are skipped (their rendered prompts are the samples of the output
 * items). */
#include <string.h>

#include "chat_completion.h"

static bool is_output_item(const json_t *v) {
  if (!json_is_object(v)) return false;
  if (!strcmp(ds_json_str(v, "object", ""), "eval.run.output_item")) return true;
  const json_t *s = json_object_get(v, "sample");
  return json_is_array(json_object_get(s, "input")) && json_object_get(s, "output") && json_object_get(v, "run_id");
}

static bool is_export(const json_t *v) {
  return json_is_object(json_object_get(v, "eval")) && json_is_array(json_object_get(v, "runs"));
}

static bool is_row(const json_t *v) {
  if (!json_is_object(v) || !json_is_object(json_object_get(v, "item"))) return false;
  const char *k;
  json_t *x;
  json_object_foreach((json_t *)v, k, x) {
    if (strcmp(k, "item") && strcmp(k, "sample")) return false;
  }
  return true;
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  size_t rows = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i];
    if (is_export(v) || is_output_item(v)) return 85;
    if (!strcmp(ds_json_str(v, "object", ""), "list") && is_output_item(json_array_get(json_object_get(v, "data"), 0)))
      return 85;
    rows += is_row(v);
  }
  if (p->n_items && rows == p->n_items) return 55;
  snprintf(why, n, "no eval export {eval, runs}, output items or {\"item\"} rows");
  return 0;
}

/* The record of one output item; ev and run (may be NULL) are its eval and run. */
static enum ds_status output_item(const json_t *oi, const json_t *ev, const json_t *run, const struct fmt_item *it,
                                  struct fmt_out *o) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  const json_t *s = json_object_get(oi, "sample");
  const json_t *in = json_object_get(s, "input"), *out = json_object_get(s, "output");
  const char *oid = ds_json_str(oi, "id", NULL);
  if (!json_is_array(in))
    return fmt_fail(o, it->file, it->line, "missing_field", "output item %s has no sample.input list", oid ? oid : "?");
  json_t *rec = json_pack("{s:[]}", "messages");
  if (!rec) return DS_E_NOMEM;
  json_t *msgs = json_object_get(rec, "messages");
  enum ds_status st = cc_messages(in, msgs, &b);
  if (!st && json_is_array(out)) {
    /* sample outputs are assistant messages; some exports leave the role out */
    size_t i;
    json_t *m;
    json_t *outs = json_deep_copy(out);
    json_array_foreach(outs, i, m) if (json_is_object(m) && !json_object_get(m, "role")) json_object_set_new(m, "role", json_string("assistant"));
    st = outs ? cc_messages(outs, msgs, &b) : DS_E_NOMEM;
    json_decref(outs);
  }
  if (st) {
    json_decref(rec);
    return st == DS_E_NOMEM ? st : fmt_fail(o, it->file, it->line, b.reason ? b.reason : "bad_record", "output item %s: %s",
                                            oid ? oid : "?", b.msg);
  }
  if (json_array_size(msgs) == 0) {
    json_decref(rec);
    return fmt_fail(o, it->file, it->line, "empty_conversation", "output item %s has an empty sample", oid ? oid : "?");
  }
  st = DS_E_NOMEM;
  if (oid && json_object_set_new(rec, "id", json_string(oid))) goto fail;
  if (json_object_get(oi, "created_at") && fmt_set_time(rec, json_object_get(oi, "created_at"), &b) == DS_E_NOMEM) goto fail;
  const json_t *model = json_object_get(s, "model");
  if (!json_is_string(model)) model = json_object_get(json_object_get(run, "data_source"), "model");
  if (!json_is_string(model)) model = json_object_get(run, "model");
  if (fmt_segment(rec, "model", json_incref((json_t *)model)) ||
      fmt_segment(rec, "eval", json_incref(json_object_get(ev, "name"))) ||
      fmt_segment(rec, "eval_id", json_incref(json_object_get(oi, "eval_id"))) ||
      fmt_segment(rec, "run", json_incref(json_object_get(run, "name"))) ||
      fmt_segment(rec, "run_id", json_incref(json_object_get(oi, "run_id"))))
    goto fail;
  static const char *const keep[] = {"status", "results", "datasource_item", "datasource_item_id"};
  for (size_t i = 0; i < DS_ARRAY_LEN(keep); i++) {
    const json_t *v = json_object_get(oi, keep[i]);
    if (v && !json_is_null(v) && json_object_set(rec, keep[i], (json_t *)v)) goto fail;
  }
  const json_t *err = json_object_get(s, "error");
  if (json_is_object(err) && (json_object_get(err, "code") || json_object_get(err, "message")) &&
      !json_is_null(json_object_get(err, "code")) && json_object_set(rec, "error", (json_t *)err))
    goto fail;
  if (!json_array_size(out) && json_object_set_new(rec, "response_logged", json_false())) goto fail;
  if (json_is_object(json_object_get(s, "usage")) && json_object_set(rec, "usage", json_object_get(s, "usage"))) goto fail;
  return fmt_emit(o, rec, it->file, it->line);
fail:
  json_decref(rec);
  return DS_E_NOMEM;
}

/* A data-source row: a conversation when its item holds a message list. */
static enum ds_status row(const json_t *v, const struct fmt_item *it, struct fmt_out *o) {
  const json_t *item = json_object_get(v, "item");
  static const char *const keys[] = {"messages", "input", "conversation", "prompt"};
  const json_t *list = NULL;
  for (size_t i = 0; i < DS_ARRAY_LEN(keys) && !list; i++) {
    const json_t *l = json_object_get(item, keys[i]);
    if (json_is_array(l) && json_array_size(l) && json_is_string(json_object_get(json_array_get(l, 0), "role"))) list = l;
  }
  if (!list) {
    fmt_skip(o, "eval row (data for a template, no messages)", 1);
    return DS_OK;
  }
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  json_t *rec = json_pack("{s:[],s:O}", "messages", "item", item);
  if (!rec) return DS_E_NOMEM;
  enum ds_status st = cc_messages(list, json_object_get(rec, "messages"), &b);
  /* a row with a pre-generated answer: {"sample": {"output_text"} or {"choices"}} */
  const json_t *sample = json_object_get(v, "sample");
  const char *text = ds_json_str(sample, "output_text", NULL);
  size_t n;
  if (!st && text) st = json_array_append_new(json_object_get(rec, "messages"), fmt_message("assistant", text)) ? DS_E_NOMEM : DS_OK;
  else if (!st && json_object_get(sample, "choices")) {
    st = cc_answer(sample, json_object_get(rec, "messages"), &n, &b);
    if (st == DS_E_NOTFOUND) st = DS_OK;
  }
  if (st) {
    json_decref(rec);
    return st == DS_E_NOMEM ? st : fmt_fail_item(o, it, &b);
  }
  return fmt_emit(o, rec, it->file, it->line);
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)state;
  const json_t *v = it->v;
  enum ds_status st = DS_OK;
  if (is_export(v)) {
    const json_t *ev = json_object_get(v, "eval");
    size_t i, j, n = 0;
    const json_t *r, *oi;
    json_array_foreach(json_object_get(v, "runs"), i, r) {
      json_array_foreach(json_object_get(r, "output_items"), j, oi) {
        if (st) break;
        st = output_item(oi, ev, json_object_get(r, "run"), it, o);
        n++;
      }
    }
    if (!st && n == 0) fmt_skip(o, "eval without output items", 1); /* its rows are in files/ */
  } else if (is_output_item(v)) {
    st = output_item(v, NULL, NULL, it, o);
  } else if (!strcmp(ds_json_str(v, "object", ""), "list") && json_is_array(json_object_get(v, "data"))) {
    size_t i;
    const json_t *oi;
    json_array_foreach(json_object_get(v, "data"), i, oi) {
      if (st) break;
      st = output_item(oi, NULL, NULL, it, o);
    }
    if (!st && json_array_size(json_object_get(v, "data")) == 0) fmt_skip(o, "empty list page", 1);
  } else if (is_row(v)) {
    st = row(v, it, o);
  } else {
    struct ds_bad_record b;
    corpus_bad(&b, "unknown_type", "not an eval export, an output item or a data-source row");
    st = fmt_fail_item(o, it, &b);
  }
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

const struct corpus_format corpus_format_openai_evals = {
    .name = "openai-evals",
    .summary = "OpenAI Evals exports (<eval_id>.json, output items, files/*.jsonl)",
    .tested = "layout of langfuse-docs migrate-from-openai-evals (2026); openai-python EvalRunOutputItem",
    .detect = detect,
    .item = item,
};
