/* inspect.c: Inspect AI eval logs. ".eval" is a zip whose members the driver hands over in
 * natural name order (_journal/start.json, header.json, reductions.json, samples/<id>_epoch_
 * <n>.json, summaries.json): the header (or the journal's start, for a run that never wrote
 * its header) gives the eval, each sample one record. ".json" is one EvalLog document {eval,
 * samples[]}. A sample's "messages" is its whole conversation (system, user, assistant with
 * tool calls whose arguments are objects, tool results); reasoning content parts go to the
 * message's reasoning; "attachment://<hash>" strings are resolved from sample.attachments;
 * the tools are those of the sample's last model event. Record id: <run_id>/<sample id>#<epoch>. */
#include <string.h>

#include "agent_common.h"

#define AGENT "inspect"
#define ATTACH "attachment://"

/* ---- attachments ---------------------------------------------------------------------------- */

/* Replaces, in place, every string of v that is "attachment://<hash>" by its text. A reference
 * to an attachment the sample lacks fails: the text is not in the log. */
static enum ds_status resolve(json_t *v, const json_t *att, struct ds_bad_record *bad) {
  size_t i;
  json_t *x;
  const char *k;
  enum ds_status st;
  if (json_is_array(v)) {
    json_array_foreach(v, i, x) {
      if (json_is_string(x) && strncmp(json_string_value(x), ATTACH, strlen(ATTACH)) == 0) {
        const json_t *t = json_object_get(att, json_string_value(x) + strlen(ATTACH));
        if (!json_is_string(t)) return corpus_bad(bad, "missing_attachment", "%.80s is not in the sample's attachments", json_string_value(x));
        if (json_array_set(v, i, (json_t *)t)) return DS_E_NOMEM;
      } else if ((st = resolve(x, att, bad))) {
        return st;
      }
    }
  } else if (json_is_object(v)) {
    json_object_foreach(v, k, x) {
      if (json_is_string(x) && strncmp(json_string_value(x), ATTACH, strlen(ATTACH)) == 0) {
        const json_t *t = json_object_get(att, json_string_value(x) + strlen(ATTACH));
        if (!json_is_string(t)) return corpus_bad(bad, "missing_attachment", "%.80s is not in the sample's attachments", json_string_value(x));
        if (json_object_set(v, k, (json_t *)t)) return DS_E_NOMEM;
      } else if ((st = resolve(x, att, bad))) {
        return st;
      }
    }
  }
  return DS_OK;
}

/* ---- messages -------------------------------------------------------------------------------- */

static enum ds_status message(json_t *rec, const json_t *m, size_t mi, struct ds_bad_record *bad) {
  if (!json_is_object(m)) return corpus_bad(bad, "wrong_type", "message %zu is not an object", mi);
  const char *role = ds_json_str(m, "role", NULL);
  json_t *msg = NULL;
  enum ds_status st = agent_chat_message(m, role, mi, &msg, bad);
  if (st) return st;
  if (strcmp(role, "tool") == 0) {
    const char *fn = ds_json_str(m, "function", NULL);
    const json_t *err = json_object_get(m, "error");
    if (fn && json_object_set_new(msg, "name", json_string(fn))) st = DS_E_NOMEM;
    if (!st && json_is_object(err)) {
      /* a failed call's result is its error: what the model was shown */
      const json_t *c = json_object_get(msg, "content");
      if (json_is_string(c) && json_string_length(c) == 0)
        st = json_object_set_new(msg, "content", json_string(ds_json_str(err, "message", ""))) ? DS_E_NOMEM : DS_OK;
      if (!st && json_object_set(msg, "error", (json_t *)err)) st = DS_E_NOMEM;
    }
  }
  const char *src = ds_json_str(m, "source", NULL);
  if (!st && src && json_object_set_new(msg, "source", json_string(src))) st = DS_E_NOMEM;
  if (!st && json_array_append_new(json_object_get(rec, "messages"), msg)) return DS_E_NOMEM;
  if (st) json_decref(msg);
  return st;
}

/* The tools of the sample's last model event, as OpenAI function tools (descriptions may be
 * attachments: only this list is copied to resolve them, not the events). */
static enum ds_status tools(json_t *rec, const json_t *events, const json_t *att, struct ds_bad_record *bad) {
  const json_t *last = NULL;
  size_t i;
  const json_t *e;
  json_array_foreach(events, i, e) {
    if (strcmp(ds_json_str(e, "event", ""), "model") == 0 && json_is_array(json_object_get(e, "tools"))) last = e;
  }
  if (!last || !json_array_size(json_object_get(last, "tools"))) return DS_OK;
  json_t *list = json_deep_copy(json_object_get(last, "tools"));
  if (!list) return DS_E_NOMEM;
  enum ds_status st = resolve(list, att, bad);
  json_t *out = st ? NULL : json_array();
  if (!st && (!out || json_object_set_new(rec, "tools", out))) st = DS_E_NOMEM;
  json_array_foreach(st ? NULL : list, i, e) {
    const char *name = ds_json_str(e, "name", NULL);
    if (!name) continue;
    json_t *fn = json_pack("{s:s,s:s}", "name", name, "description", ds_json_str(e, "description", ""));
    json_t *t = fn ? json_pack("{s:s,s:o}", "type", "function", "function", fn) : NULL;
    const json_t *params = json_object_get(e, "parameters");
    if (!t || (params && json_object_set(fn, "parameters", (json_t *)params)) || json_array_append_new(out, t)) {
      st = DS_E_NOMEM;
      break;
    }
  }
  json_decref(list);
  return st;
}

/* ---- samples --------------------------------------------------------------------------------- */

static enum ds_status sample_id(const json_t *smp, const json_t *eval, struct ds_buf *b) {
  const char *run = ds_json_str(eval, "run_id", ds_json_str(eval, "eval_id", "inspect"));
  const json_t *id = json_object_get(smp, "id");
  const json_t *ep = json_object_get(smp, "epoch");
  json_int_t epoch = json_is_integer(ep) ? json_integer_value(ep) : 1;
  if (json_is_integer(id))
    return ds_buf_addf(b, "%s/%" JSON_INTEGER_FORMAT "#%" JSON_INTEGER_FORMAT, run, json_integer_value(id), epoch);
  return ds_buf_addf(b, "%s/%s#%" JSON_INTEGER_FORMAT, run, json_is_string(id) ? json_string_value(id) : "?", epoch);
}

static enum ds_status sample(const json_t *smp, const json_t *eval, json_t **out, struct ds_bad_record *bad) {
  *out = NULL;
  if (!json_is_object(smp)) return corpus_bad(bad, "wrong_type", "sample is not an object");
  const json_t *id = json_object_get(smp, "id");
  if (!json_is_string(id) && !json_is_integer(id)) return corpus_bad(bad, "missing_field", "sample has no \"id\"");
  json_t *rec = agent_record(AGENT);
  json_t *msgs = json_deep_copy(json_object_get(smp, "messages"));
  enum ds_status st = DS_E_NOMEM;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (!rec || (json_object_get(smp, "messages") && !msgs)) goto out;
  if (!json_array_size(msgs)) {
    /* a sample that failed before generating: its input is the conversation */
    const json_t *in = json_object_get(smp, "input");
    json_decref(msgs);
    msgs = json_is_string(in) ? json_pack("[{s:s,s:O}]", "role", "user", "content", in) : json_deep_copy(in);
    if (in && !msgs) goto out;
  }
  if (!json_is_array(msgs) || !json_array_size(msgs)) {
    st = corpus_bad(bad, "empty_conversation", "sample has no messages and no input");
    goto out;
  }
  const json_t *att = json_object_get(smp, "attachments");
  if ((st = resolve(msgs, att, bad))) goto out;
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    if ((st = message(rec, m, i, bad))) goto out;
  }
  if ((st = tools(rec, json_object_get(smp, "events"), att, bad))) goto out;
  st = DS_E_NOMEM;
  if (sample_id(smp, eval, &b) || json_object_set_new(rec, "id", json_string(b.data))) goto out;
  /* time: the sample's start, its first event, or the eval's creation */
  const json_t *t = json_object_get(smp, "started_at");
  if (!json_is_string(t)) t = json_object_get(json_array_get(json_object_get(smp, "events"), 0), "timestamp");
  if (!json_is_string(t)) t = json_object_get(eval, "created");
  struct ds_bad_record tb;
  if (json_is_string(t) && fmt_set_time(rec, t, &tb) == DS_E_NOMEM) goto out;
  const json_t *ep = json_object_get(smp, "epoch");
  json_t *sid = json_is_string(id) ? json_incref((json_t *)id) : json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
  if ((st = agent_seg_str(rec, "agent_version", agent_str_at(eval, "packages.inspect_ai"))) ||
      (st = agent_seg_str(rec, "model", ds_json_str(eval, "model", NULL))) ||
      (st = agent_seg_str(rec, "task", ds_json_str(eval, "task", NULL))) ||
      (st = fmt_segment(rec, "epoch", json_is_integer(ep) ? json_incref((json_t *)ep) : json_integer(1))) ||
      (st = fmt_segment(rec, "sample_id", sid)) ||
      (st = agent_seg_str(rec, "dataset", agent_str_at(eval, "dataset.name"))))
    goto out;
  /* the repository a task names in its sample metadata (SWE-bench style) */
  const json_t *md = json_object_get(smp, "metadata");
  const char *repo = ds_json_str(md, "repo", NULL);
  char url[300] = "";
  if (repo && !strstr(repo, "://") && strchr(repo, '/')) snprintf(url, sizeof url, "https://github.com/%s", repo);
  if ((st = agent_repo_str(rec, "path_or_url", url[0] ? url : repo)) ||
      (st = agent_repo_str(rec, "commit", ds_json_str(md, "base_commit", NULL))) ||
      (st = agent_keep(rec, "scores", json_object_get(smp, "scores"))) ||
      (st = agent_keep(rec, "target", json_object_get(smp, "target"))) ||
      (st = agent_keep(rec, "error", json_object_get(smp, "error"))) ||
      (st = agent_keep(rec, "task_revision", json_object_get(eval, "revision"))))
    goto out;
  st = DS_OK;
out:
  ds_buf_release(&b);
  json_decref(msgs);
  if (st) {
    json_decref(rec);
    return st;
  }
  *out = rec;
  return DS_OK;
}

/* ---- the reader ------------------------------------------------------------------------------ */

static bool is_log(const json_t *v) {
  const json_t *e = json_object_get(v, "eval");
  return json_is_object(e) && json_is_string(json_object_get(e, "task")) &&
         (json_object_get(v, "samples") || json_object_get(v, "status") || json_object_get(v, "version"));
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  if (strcmp(p->container, FMT_ZIP) == 0) {
    bool header = false;
    for (size_t i = 0; i < p->n_names; i++)
      header |= strcmp(p->names[i], "header.json") == 0 || strcmp(p->names[i], "_journal/start.json") == 0;
    if (header) return 90;
    snprintf(why, n, "a zip without header.json");
    return 0;
  }
  if (p->n_items == 1 && is_log(p->items[0])) return 90;
  snprintf(why, n, "no eval.task");
  return 0;
}

struct state {
  json_t *eval; /* the eval of the header (or of the journal's start) */
  bool zip;     /* an .eval archive (else a .json log) */
};

static enum ds_status begin(void **out, const struct fmt_probe *p, struct ds_err *err) {
  struct state *s = ds_calloc(1, sizeof *s);
  if (!s) return ds_fail(err, DS_E_NOMEM, "out of memory");
  s->zip = strcmp(p->container, FMT_ZIP) == 0;
  *out = s;
  return DS_OK;
}

static enum ds_status emit_sample(const json_t *smp, const json_t *eval, const struct fmt_item *it, struct fmt_out *o,
                                  const char *where) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  json_t *rec = NULL;
  enum ds_status st = sample(smp, eval, &rec, &b);
  if (st == DS_E_NOMEM) return st;
  if (st) return where ? fmt_fail(o, it->file, it->line, b.reason, "%s: %s", where, b.msg) : fmt_fail_item(o, it, &b);
  return fmt_emit(o, rec, it->file, it->line);
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  const char *name = it->name ? it->name : "";
  if (!s->zip) {
    if (!is_log(it->v)) {
      corpus_bad(&b, "wrong_type", "not an Inspect EvalLog {eval:{task}, samples}");
      return fmt_fail_item(o, it, &b);
    }
    /* a .json log: every sample in one document */
    const json_t *eval = json_object_get(it->v, "eval");
    size_t i;
    const json_t *smp;
    enum ds_status st = DS_OK;
    json_array_foreach(json_object_get(it->v, "samples"), i, smp) {
      char where[32];
      snprintf(where, sizeof where, "sample %zu", i);
      if ((st = emit_sample(smp, eval, it, o, where))) break;
    }
    if (!st && !json_array_size(json_object_get(it->v, "samples"))) fmt_skip(o, "eval_log_without_samples", 1);
    return st;
  }
  if (strcmp(name, "header.json") == 0 || strcmp(name, "_journal/start.json") == 0) {
    const json_t *eval = json_object_get(it->v, "eval");
    if (!json_is_object(eval)) {
      corpus_bad(&b, "missing_field", "%s has no \"eval\" object", name);
      return fmt_fail_item(o, it, &b);
    }
    json_decref(s->eval);
    s->eval = json_incref((json_t *)eval);
    return DS_OK;
  }
  if (strncmp(name, "samples/", 8) == 0) {
    if (!s->eval) {
      corpus_bad(&b, "missing_field", "sample before any header.json or _journal/start.json");
      return fmt_fail_item(o, it, &b);
    }
    return emit_sample(it->v, s->eval, it, o, NULL);
  }
  /* summaries.json, reductions.json, _journal/summaries/<n>.json: digests of the samples */
  const char *slash = strchr(name, '/');
  char type[64];
  snprintf(type, sizeof type, "%.*s", slash ? (int)(slash - name) : (int)strlen(name), name);
  fmt_skip(o, type, 1);
  return DS_OK;
}

static void end(void *state) {
  struct state *s = state;
  if (!s) return;
  json_decref(s->eval);
  ds_free(s);
}

const struct corpus_format corpus_format_inspect = {
    .name = "inspect",
    .summary = "Inspect AI eval logs: .eval (zip: header.json, samples/*.json; deflate or zstd) and .json EvalLog",
    .tested = "Inspect 0.3.41-0.3.135 (.json and .eval, deflate); zstd members as Inspect >= 0.3.206 writes them",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .end = end,
};
