/* codex.c: OpenAI Codex CLI rollouts (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl[.zst]), one
 * session per file: the current {timestamp, type, payload} lines (session_meta, turn_context,
 * response_item, event_msg, compacted), the older bare layout (a session-metadata line, then
 * bare ResponseItem lines and {"record_type":"state"} lines) and the TypeScript CLI's
 * rollout-*.json ({session, items}). The payloads are Responses items (responses_items.c). */
#include <string.h>

#include "responses_items.h"

struct pending_event { /* an event_msg that names a call: a mirror of it, decided at the end */
  char *type, *call_id;
};

struct codex {
  json_t *meta;          /* session_meta payload (or the bare metadata line) */
  json_t *msgs;          /* the conversation of the current context (since the last rewrite) */
  struct ri_conv conv;
  json_t *epochs;        /* conversations that a compaction or a rollback rewrote, in order */
  json_t *model;         /* turn_context model in force */
  json_t *models;        /* distinct models seen, in order */
  json_t *cwd;           /* turn_context cwd (when session_meta has none) */
  json_t *time;          /* the first timestamp */
  json_t *calls;         /* call ids of the response items {id: true} */
  unsigned ws_noid;      /* web_search_call items without a call id */
  struct pending_event *ev;
  size_t n_ev, cap_ev;
  json_t *omitted;       /* items of a TypeScript rollout with no chat form, by type */
  char *file, *name;
  uint64_t line;         /* first item */
  uint64_t n_used;       /* items used so far (skipped at the end when no record comes of them) */
  bool started;
};

static const char *const envelope_types[] = {"session_meta", "turn_context", "response_item", "event_msg",
                                             "compacted"};

static bool is_envelope(const json_t *v) {
  const char *t = ds_json_str(v, "type", NULL);
  if (!t || !json_is_object(json_object_get(v, "payload"))) return false;
  for (size_t i = 0; i < DS_ARRAY_LEN(envelope_types); i++)
    if (!strcmp(t, envelope_types[i])) return true;
  return false;
}

/* A bare ResponseItem line of the old layout. */
static bool is_bare_item(const json_t *v) {
  static const char *const types[] = {"message",          "reasoning",          "function_call",
                                      "function_call_output", "local_shell_call", "custom_tool_call",
                                      "custom_tool_call_output", "web_search_call"};
  const char *t = ds_json_str(v, "type", NULL);
  for (size_t i = 0; t && i < DS_ARRAY_LEN(types); i++)
    if (!strcmp(t, types[i])) return true;
  return false;
}

static bool is_bare_meta(const json_t *v) {
  return json_is_object(v) && !json_object_get(v, "type") && !json_object_get(v, "role") &&
         (json_is_string(json_object_get(v, "id")) || json_is_string(json_object_get(v, "timestamp"))) &&
         !json_object_get(v, "messages");
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  size_t env = 0, bare = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i];
    if (is_envelope(v)) env++;
    else if (is_bare_item(v) || !strcmp(ds_json_str(v, "record_type", ""), "state")) bare++;
  }
  if (env && env * 2 >= p->n_items) return 90;
  /* the old layout: a metadata line first, then bare items */
  if (p->n_items >= 2 && is_bare_meta(p->items[0]) && bare && bare + 1 >= p->n_items / 2 + 1) return 85;
  const char *base = strrchr(p->path, '/');
  base = base ? base + 1 : p->path;
  if (p->n_items && is_bare_meta(p->items[0]) && !strncmp(base, "rollout-", 8)) return 80;
  /* the TypeScript CLI: one document {session: {id, timestamp, instructions}, items: [...]} */
  if (p->n_items == 1 && json_is_object(json_object_get(p->items[0], "session")) &&
      json_is_array(json_object_get(p->items[0], "items")))
    return 85;
  snprintf(why, n, "no session_meta/response_item lines");
  return 0;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct codex *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->msgs = json_array()) || !(s->epochs = json_array()) || !(s->calls = json_object()) ||
      !(s->models = json_array())) {
    if (s) {
      json_decref(s->msgs);
      json_decref(s->epochs);
      json_decref(s->calls);
      ds_free(s);
    }
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  ri_init(&s->conv, s->msgs, true);
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct codex *s = state;
  if (!s) return;
  ri_release(&s->conv);
  json_decref(s->meta);
  json_decref(s->msgs);
  json_decref(s->epochs);
  json_decref(s->model);
  json_decref(s->models);
  json_decref(s->cwd);
  json_decref(s->time);
  json_decref(s->calls);
  json_decref(s->omitted);
  for (size_t i = 0; i < s->n_ev; i++) {
    ds_free(s->ev[i].type);
    ds_free(s->ev[i].call_id);
  }
  ds_free(s->ev);
  ds_free(s->file);
  ds_free(s->name);
  ds_free(s);
}

/* ---- conversation rewrites ------------------------------------------------------------ */

static bool is_turn(const json_t *m) {
  const char *r = ds_json_str(m, "role", "");
  return strcmp(r, "system") && strcmp(r, "developer") && !json_is_true(json_object_get(m, "context"));
}

static bool has_turns(const json_t *msgs) {
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) if (is_turn(m)) return true;
  return false;
}

/* Starts a new context with msgs (taken), keeping the old one as an epoch when it has turns. */
static enum ds_status rewrite(struct codex *s, json_t *msgs, const char *why) {
  if (!msgs) return DS_E_NOMEM;
  ri_close(&s->conv);
  if (has_turns(s->msgs)) {
    json_t *e = json_pack("{s:O,s:s}", "messages", s->msgs, "why", why);
    if (!e || json_array_append_new(s->epochs, e)) {
      json_decref(msgs);
      return DS_E_NOMEM;
    }
  }
  json_decref(s->msgs);
  s->msgs = msgs;
  ri_release(&s->conv);
  ri_init(&s->conv, s->msgs, true);
  return DS_OK;
}

/* compacted {message, replacement_history?}: the history is replaced (replacement_history),
 * or, in versions without it, rebuilt as Codex did: the initial context, the user's messages
 * and the summary as a user message. */
static enum ds_status compacted(struct codex *s, const json_t *p, const json_t *time, struct ds_bad_record *bad) {
  json_t *msgs = json_array();
  if (!msgs) return DS_E_NOMEM;
  const json_t *hist = json_object_get(p, "replacement_history");
  enum ds_status st = DS_OK;
  if (json_is_array(hist)) {
    struct ri_conv c;
    ri_init(&c, msgs, true);
    size_t i;
    const json_t *it;
    json_array_foreach(hist, i, it) {
      enum ri_kind k;
      if ((st = ri_add(&c, it, NULL, &k, bad))) break;
    }
    ri_close(&c);
    ri_release(&c);
    /* the summary Codex wrote into the new history is context, not a user turn */
    const char *sum = ds_json_str(p, "message", "");
    json_t *m;
    json_array_foreach(msgs, i, m) {
      const char *t = ds_json_str(m, "content", NULL);
      if (!st && *sum && t && !strcmp(ds_json_str(m, "role", ""), "user") && strstr(t, sum) &&
          json_object_set_new(m, "context", json_true()))
        st = DS_E_NOMEM;
    }
  } else {
    size_t i;
    const json_t *m;
    json_array_foreach(s->msgs, i, m) {
      const char *r = ds_json_str(m, "role", "");
      if ((!strcmp(r, "user") || !strcmp(r, "system") || !strcmp(r, "developer")) && json_array_append(msgs, (json_t *)m)) {
        st = DS_E_NOMEM;
        break;
      }
    }
    json_t *sum = fmt_message("user", ds_json_str(p, "message", ""));
    if (!st && (!sum || json_object_set_new(sum, "context", json_true()) ||
                (time && json_object_set(sum, "time", (json_t *)time)) || json_array_append_new(msgs, sum)))
      st = DS_E_NOMEM;
  }
  if (st) {
    json_decref(msgs);
    return st;
  }
  return rewrite(s, msgs, "compacted");
}

/* event thread_rolled_back {num_turns}: the last num_turns user turns are dropped. */
static enum ds_status rolled_back(struct codex *s, const json_t *p) {
  json_int_t n = json_integer_value(json_object_get(p, "num_turns"));
  if (n <= 0) return DS_OK;
  ri_close(&s->conv);
  size_t cut = json_array_size(s->msgs), i = cut;
  json_int_t seen = 0;
  while (i-- > 0 && seen < n) {
    const json_t *m = json_array_get(s->msgs, i);
    if (!strcmp(ds_json_str(m, "role", ""), "user") && is_turn(m)) {
      cut = i;
      seen++;
    }
  }
  json_t *kept = json_array();
  if (!kept) return DS_E_NOMEM;
  for (i = 0; i < cut; i++)
    if (json_array_append(kept, json_array_get(s->msgs, i))) {
      json_decref(kept);
      return DS_E_NOMEM;
    }
  return rewrite(s, kept, "rolled_back");
}

/* ---- items ------------------------------------------------------------------------------ */

static enum ds_status note_time(struct codex *s, const json_t *ts, json_t **out) {
  *out = NULL;
  if (!json_is_string(ts) && !json_is_number(ts)) return DS_OK;
  struct ds_bad_record b;
  if (corpus_time("timestamp", ts, out, &b) == DS_E_NOMEM) return DS_E_NOMEM;
  if (*out && !s->time) s->time = json_incref(*out);
  return DS_OK;
}

static enum ds_status response_item(struct codex *s, const json_t *p, const json_t *time, const struct fmt_item *it,
                                    struct fmt_out *o) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  size_t before = json_array_size(s->msgs);
  enum ri_kind kind;
  enum ds_status st = ri_add(&s->conv, p, time, &kind, &b);
  if (st == DS_E_NOMEM) return st;
  if (st) return fmt_fail_item(o, it, &b);
  const char *t = ri_type(p);
  if (kind != RI_MESSAGE) {
    char type[96];
    snprintf(type, sizeof type, "response_item:%.60s", t);
    fmt_skip(o, type, 1);
    return DS_OK;
  }
  s->n_used++;
  const char *cid = ds_json_str(p, "call_id", NULL);
  if (cid && strstr(t, "call") && !strstr(t, "output") && json_object_set_new(s->calls, cid, json_true()))
    return DS_E_NOMEM;
  if (!strcmp(t, "web_search_call") && !cid) s->ws_noid++;
  /* the model of the turn, on the assistant messages it wrote */
  for (size_t i = before ? before - 1 : 0; s->model && i < json_array_size(s->msgs); i++) {
    json_t *m = json_array_get(s->msgs, i);
    if (!strcmp(ds_json_str(m, "role", ""), "assistant") && !json_object_get(m, "model") &&
        json_object_set(m, "model", s->model))
      return DS_E_NOMEM;
  }
  return DS_OK;
}

static enum ds_status event_msg(struct codex *s, const json_t *p, struct fmt_out *o) {
  const char *t = ds_json_str(p, "type", "");
  char type[96];
  snprintf(type, sizeof type, "event_msg:%.60s", t);
  static const char *const mirrors[] = {"user_message", "agent_message", "agent_reasoning",
                                        "agent_reasoning_raw_content", "agent_reasoning_section_break"};
  for (size_t i = 0; i < DS_ARRAY_LEN(mirrors); i++) {
    if (!strcmp(t, mirrors[i])) {
      fmt_duplicate(o, type, 1); /* the display log's copy of a response item */
      return DS_OK;
    }
  }
  if (!strcmp(t, "thread_rolled_back")) {
    s->n_used++;
    return rolled_back(s, p);
  }
  const char *cid = ds_json_str(p, "call_id", NULL);
  if (cid || !strncmp(t, "web_search_", 11)) { /* a mirror of a call or its result: decided at the end */
    if (s->n_ev == s->cap_ev) {
      size_t cap = s->cap_ev ? s->cap_ev * 2 : 16;
      struct pending_event *ev = ds_realloc(s->ev, cap * sizeof *ev);
      if (!ev) return DS_E_NOMEM;
      s->ev = ev;
      s->cap_ev = cap;
    }
    struct pending_event *e = &s->ev[s->n_ev];
    e->type = ds_strdup(type);
    e->call_id = cid ? ds_strdup(cid) : NULL;
    if (!e->type || (cid && !e->call_id)) {
      ds_free(e->type);
      return DS_E_NOMEM;
    }
    s->n_ev++;
    return DS_OK;
  }
  fmt_skip(o, type, 1); /* token counts, turn lifecycle, errors: bookkeeping */
  return DS_OK;
}

static enum ds_status set_meta(struct codex *s, const json_t *m, struct fmt_out *o, const char *what) {
  if (s->meta) {
    fmt_skip(o, what, 1); /* a forked or resumed session repeats its parent's header */
    return DS_OK;
  }
  s->meta = json_incref((json_t *)m);
  s->n_used++;
  json_t *t;
  enum ds_status st = note_time(s, json_object_get(m, "timestamp"), &t);
  json_decref(t);
  return st;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct codex *s = state;
  const json_t *v = it->v;
  enum ds_status st = DS_OK;
  if (!s->started) {
    s->started = true;
    s->file = ds_strdup(it->file);
    s->name = ds_strdup(it->name);
    s->line = it->line;
    if (!s->file || !s->name) return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (!json_is_object(v)) {
    corpus_bad(&b, "not_object", "rollout line is not a JSON object");
    return fmt_fail_item(o, it, &b);
  }
  json_t *time = NULL;
  if (note_time(s, json_object_get(v, "timestamp"), &time)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (is_envelope(v)) {
    const char *t = ds_json_str(v, "type", "");
    const json_t *p = json_object_get(v, "payload");
    if (!strcmp(t, "session_meta")) {
      st = set_meta(s, p, o, "session_meta");
    } else if (!strcmp(t, "turn_context")) {
      s->n_used++;
      const json_t *model = json_object_get(p, "model");
      if (json_is_string(model)) {
        json_decref(s->model);
        s->model = json_incref((json_t *)model);
        size_t i;
        const json_t *m;
        bool seen = false;
        json_array_foreach(s->models, i, m) seen |= json_equal(m, model);
        if (!seen && json_array_append(s->models, (json_t *)model)) st = DS_E_NOMEM;
      }
      if (!s->cwd && json_is_string(json_object_get(p, "cwd"))) s->cwd = json_incref(json_object_get(p, "cwd"));
    } else if (!strcmp(t, "response_item")) {
      st = response_item(s, p, time, it, o);
    } else if (!strcmp(t, "event_msg")) {
      st = event_msg(s, p, o);
    } else { /* compacted */
      s->n_used++;
      st = compacted(s, p, time, &b);
      if (st && st != DS_E_NOMEM) st = fmt_fail_item(o, it, &b);
    }
  } else if (json_is_string(json_object_get(v, "type")) && json_object_get(v, "payload")) {
    char type[96]; /* a line type of a later version (world_state, ...) */
    snprintf(type, sizeof type, "%.60s", ds_json_str(v, "type", ""));
    fmt_skip(o, type, 1);
  } else if (!strcmp(ds_json_str(v, "record_type", ""), "state")) {
    fmt_skip(o, "state", 1);
  } else if (json_is_object(json_object_get(v, "session")) && json_is_array(json_object_get(v, "items"))) {
    st = set_meta(s, json_object_get(v, "session"), o, "session");
    size_t i;
    const json_t *ri;
    json_array_foreach(json_object_get(v, "items"), i, ri) {
      enum ri_kind k;
      if (st) break;
      st = ri_add(&s->conv, ri, NULL, &k, &b);
      if (!st && k != RI_MESSAGE) {
        if (!s->omitted && !(s->omitted = json_object())) st = DS_E_NOMEM;
        else if (!corpus_count(s->omitted, ri_type(ri), 1)) st = DS_E_NOMEM;
      }
    }
    if (st && st != DS_E_NOMEM) st = fmt_fail_item(o, it, &b);
  } else if (json_object_get(v, "type") || json_object_get(v, "role")) {
    st = response_item(s, v, time, it, o); /* the old layout's bare ResponseItem */
  } else if (is_bare_meta(v)) {
    st = set_meta(s, v, o, "session_meta");
  } else {
    corpus_bad(&b, "unknown_type", "rollout line has no \"type\"");
    st = fmt_fail_item(o, it, &b);
  }
  json_decref(time);
  return st == DS_E_NOMEM ? ds_fail(err, st, "out of memory") : st;
}

/* ---- the records ------------------------------------------------------------------------ */

/* The session id: session_meta.id, else the uuid at the end of rollout-<ts>-<uuid>.jsonl. */
static json_t *session_id(const struct codex *s) {
  const json_t *id = json_object_get(s->meta, "id");
  if (json_is_string(id) && json_string_length(id)) return json_incref((json_t *)id);
  char buf[256];
  snprintf(buf, sizeof buf, "%s", s->name ? s->name : "codex");
  char *dot = strstr(buf, ".json");
  if (dot) *dot = 0;
  size_t n = strlen(buf);
  return json_string(n > 36 && buf[n - 37] == '-' ? buf + n - 36 : buf);
}

static bool mentions_instructions(const json_t *msgs) {
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    const char *t = ds_json_str(m, "content", "");
    if (json_is_true(json_object_get(m, "context")) &&
        (strstr(t, "AGENTS.md instructions") || strstr(t, "<user_instructions>")))
      return true;
  }
  return false;
}

static enum ds_status emit(struct codex *s, json_t *msgs, const json_t *id, const char *suffix, const json_t *parent,
                           struct fmt_out *o) {
  json_t *rec = json_object(), *all = json_array();
  if (!rec || !all || json_object_set_new(rec, "messages", all)) goto nomem;
  /* the system prompt: base_instructions (later versions); the user instructions of the old
   * layouts, which went to the model with it, when no AGENTS.md message carries them */
  const char *base = ds_json_str(json_object_get(s->meta, "base_instructions"), "text", NULL);
  if (!base) base = ds_json_str(s->meta, "base_instructions", NULL);
  if (base && *base && json_array_append_new(all, fmt_message("system", base))) goto nomem;
  const char *ins = ds_json_str(s->meta, "instructions", NULL);
  if (ins && *ins && !mentions_instructions(msgs) && json_array_append_new(all, fmt_message("system", ins))) goto nomem;
  size_t k;
  const json_t *msg;
  json_array_foreach(msgs, k, msg) { /* copies: epochs share messages, records must not */
    if (json_array_append_new(all, json_deep_copy(msg))) goto nomem;
  }
  if (json_array_size(s->models) <= 1) { /* one model: it is the segment's, not each message's */
    size_t i;
    json_t *m;
    json_array_foreach(all, i, m) json_object_del(m, "model");
  }
  char buf[320];
  snprintf(buf, sizeof buf, "%s%s", json_string_value(id), suffix ? suffix : "");
  if (json_object_set_new(rec, "id", json_string(buf))) goto nomem;
  if (parent && json_object_set(rec, "parent_id", (json_t *)parent)) goto nomem;
  if (s->time && json_object_set(rec, "time", s->time)) goto nomem;
  const json_t *m = s->meta;
  /* source: "cli", "vscode", "exec", ... or a sub-agent's {"subagent": "review" |
   * {"thread_spawn": {parent_thread_id, depth, agent_nickname, agent_role}}} */
  const json_t *src = json_object_get(m, "source");
  const json_t *sub = json_object_get(src, "subagent");
  const json_t *spawn = json_object_get(sub, "thread_spawn");
  char srcbuf[96];
  if (json_is_string(sub)) snprintf(srcbuf, sizeof srcbuf, "subagent:%.60s", json_string_value(sub));
  else if (json_is_object(sub)) snprintf(srcbuf, sizeof srcbuf, "subagent:%.60s", json_object_iter_key(json_object_iter((json_t *)sub)));
  const json_t *role = json_object_get(m, "agent_role");
  if (!json_is_string(role)) role = json_object_get(spawn, "agent_role");
  const json_t *pthread = json_object_get(spawn, "parent_thread_id");
  if (!parent && json_is_string(pthread) && json_object_set(rec, "parent_id", (json_t *)pthread)) goto nomem;
  if (fmt_segment(rec, "agent", json_string("codex")) ||
      fmt_segment(rec, "agent_version", json_incref(json_object_get(m, "cli_version"))) ||
      fmt_segment(rec, "model", json_incref(json_array_get(s->models, json_array_size(s->models) ? json_array_size(s->models) - 1 : 0))) ||
      fmt_segment(rec, "originator", json_incref(json_object_get(m, "originator"))) ||
      fmt_segment(rec, "model_provider", json_incref(json_object_get(m, "model_provider"))) ||
      fmt_segment(rec, "source", json_is_string(src) ? json_incref((json_t *)src) : json_is_object(sub) || json_is_string(sub) ? json_string(srcbuf) : NULL) ||
      fmt_segment(rec, "agent_role", json_is_string(role) ? json_incref((json_t *)role) : NULL))
    goto nomem;
  const json_t *git = json_object_get(m, "git");
  const json_t *cwd = json_object_get(m, "cwd");
  if (fmt_repo(rec, "cwd", json_incref((json_t *)(json_is_string(cwd) ? cwd : s->cwd))) ||
      fmt_repo(rec, "branch", json_incref(json_object_get(git, "branch"))) ||
      fmt_repo(rec, "commit", json_incref(json_object_get(git, "commit_hash"))) ||
      fmt_repo(rec, "path_or_url", json_incref(json_object_get(git, "repository_url") ? json_object_get(git, "repository_url")
                                                                                       : (json_t *)(json_is_string(cwd) ? cwd : s->cwd))))
    goto nomem;
  const json_t *fork = json_object_get(m, "forked_from_id");
  if (json_is_string(fork) && json_object_set(rec, "forked_from_id", (json_t *)fork)) goto nomem;
  /* tools the session added (dynamic_tools); Codex's built-in tools are not logged */
  const json_t *dyn = json_object_get(m, "dynamic_tools");
  if (json_is_array(dyn) && json_array_size(dyn)) {
    json_t *tools = json_array();
    if (!tools || json_object_set_new(rec, "tools", tools)) goto nomem;
    size_t i;
    const json_t *d;
    json_array_foreach(dyn, i, d) {
      json_t *fn = json_pack("{s:s,s:s?,s:O?}", "name", ds_json_str(d, "name", "tool"), "description",
                             ds_json_str(d, "description", NULL), "parameters", json_object_get(d, "input_schema"));
      if (!fn || json_array_append_new(tools, json_pack("{s:s,s:o}", "type", "function", "function", fn))) goto nomem;
    }
  }
  if (s->omitted && json_object_set(rec, "omitted", s->omitted)) goto nomem;
  return fmt_emit(o, rec, s->file, s->line);
nomem:
  json_decref(rec);
  return DS_E_NOMEM;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  struct codex *s = state;
  ri_close(&s->conv);
  /* the event mirrors of calls: a duplicate of a call or result in the response items, else
   * a display-only event (a user's own shell command, say) */
  unsigned ws = s->ws_noid;
  for (size_t i = 0; i < s->n_ev; i++) {
    struct pending_event *e = &s->ev[i];
    bool mirror = e->call_id && json_object_get(s->calls, e->call_id);
    if (!mirror && strstr(e->type, "web_search_end") && ws) {
      ws--;
      mirror = true;
    }
    if (!mirror && strstr(e->type, "web_search_begin") && s->ws_noid) mirror = true;
    if (mirror) fmt_duplicate(o, e->type, 1);
    else fmt_skip(o, e->type, 1);
  }
  enum ds_status st = DS_OK;
  json_t *id = session_id(s);
  if (!id) return ds_fail(err, DS_E_NOMEM, "out of memory");
  size_t n_rec = 0, i;
  const json_t *e;
  json_array_foreach(s->epochs, i, e) {
    char suffix[48];
    snprintf(suffix, sizeof suffix, "/%s-%zu", ds_json_str(e, "why", "epoch"), i + 1);
    if ((st = emit(s, json_object_get(e, "messages"), id, suffix, id, o))) break;
    n_rec++;
  }
  if (!st && has_turns(s->msgs)) {
    st = emit(s, s->msgs, id, NULL, NULL, o);
    n_rec++;
  }
  json_decref(id);
  if (!st && n_rec == 0 && s->n_used) fmt_skip(o, "session without turns", s->n_used);
  return st == DS_E_NOMEM ? ds_fail(err, st, "out of memory") : st;
}

const struct corpus_format corpus_format_codex = {
    .name = "codex",
    .summary = "Codex CLI rollouts ~/.codex/sessions/**/rollout-*.jsonl[.zst]",
    .tested = "Codex CLI 0.63-0.77 rollouts (codex_cli_rs); layouts of openai/codex protocol.rs and models.rs",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
