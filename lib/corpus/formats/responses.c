/* responses.c: OpenAI Responses API logs: response objects (GET /v1/responses/{id}, a logged
 * response body), request/response pairs ({request, response}, a response with its request's
 * "input" or "input_items"), requests alone, SSE event streams one JSON event per line
 * (response.created ... response.completed), and a JSON array of bare items. Responses that
 * name a previous_response_id are stitched into one conversation per chain (across the files
 * of an input), and calls that resend the whole history fold into the longest (stitch.c). A
 * response logged without its request is a one-turn conversation: its instructions and its
 * output, with "request_logged": false. */
#include <string.h>

#include "responses_items.h"
#include "stitch.h"

struct ev {            /* a stream event, kept until its stream ends */
  char *type;
  long index;          /* output_index, or -1 */
};

struct stream {
  json_t *shell;       /* response.created's response */
  json_t *final;       /* response.completed / incomplete / failed's response */
  json_t *done;        /* output_index (as text) -> the item of response.output_item.done */
  json_t *added;       /* output_index -> the item of response.output_item.added */
  json_t *text;        /* output_index -> output_text deltas joined */
  struct ev *ev;
  size_t n_ev, cap_ev;
  char *file;
  uint64_t line;
};

struct responses {
  json_t *nodes;       /* response id -> {input, output, instructions, model, time, tools, prev, ...} */
  json_t *order;       /* response ids in the order they came */
  struct stitch *st;
  struct stream s;
  bool in_stream;
  json_t *bare;        /* bare items of the current file (a JSON array of items) */
  char *bare_file;
  uint64_t bare_line, n_bare;
  unsigned n_anon;     /* responses without an id */
};

/* ---- detection ---------------------------------------------------------------------------- */

static bool is_response(const json_t *v) {
  return json_is_object(v) && (!strcmp(ds_json_str(v, "object", ""), "response") ||
                               (json_is_array(json_object_get(v, "output")) &&
                                !strncmp(ds_json_str(v, "id", ""), "resp_", 5)));
}

static bool is_event(const json_t *v) {
  return !strncmp(ds_json_str(v, "type", ""), "response.", 9) &&
         (json_object_get(v, "sequence_number") || json_object_get(v, "response") || json_object_get(v, "item") ||
          json_object_get(v, "delta"));
}

static bool typed_items(const json_t *list) {
  size_t i;
  const json_t *it;
  json_array_foreach(list, i, it) {
    const char *t = ds_json_str(it, "type", "");
    if (!strcmp(t, "message") || strstr(t, "_call") || !strcmp(t, "reasoning")) return true;
  }
  return false;
}

static bool is_pair(const json_t *v) {
  return json_is_object(v) && is_response(json_object_get(v, "response"));
}

static bool is_request(const json_t *v) {
  const json_t *in = json_object_get(v, "input");
  return json_is_object(v) && !json_object_get(v, "messages") && json_is_string(json_object_get(v, "model")) &&
         (json_is_string(in) || (json_is_array(in) && typed_items(in))) &&
         (json_object_get(v, "instructions") || json_object_get(v, "previous_response_id") || json_is_array(in));
}

static bool is_bare_item(const json_t *v) {
  if (!json_is_object(v) || json_object_get(v, "payload") || json_object_get(v, "messages")) return false;
  const char *t = ri_type(v);
  return strcmp(t, "message") ? ri_known_type(t) : json_is_string(json_object_get(v, "role"));
}

/* An API error body {"error": {"message", "type", "code", ...}}, alone. */
static bool is_api_error(const json_t *v) {
  return json_is_object(v) && json_object_size(v) == 1 && json_is_string(json_object_get(json_object_get(v, "error"), "message"));
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  size_t resp = 0, ev = 0, pair = 0, req = 0, bare = 0, errs = 0, typed = 0, chat = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    const json_t *v = p->items[i];
    resp += is_response(v);
    ev += is_event(v);
    pair += is_pair(v) || (json_is_object(json_object_get(v, "request")) && is_request(json_object_get(v, "request")));
    req += is_request(v);
    bare += is_bare_item(v);
    errs += is_api_error(v);
    typed += ri_known_type(ds_json_str(v, "type", NULL));
    /* what only Chat Completions messages have */
    const char *role = ds_json_str(v, "role", "");
    chat += !strcmp(role, "tool") || !strcmp(role, "function") || json_object_get(v, "tool_calls") ||
            json_object_get(v, "tool_call_id");
  }
  if (resp || ev || pair) return 85;
  if (p->n_items && errs == p->n_items) return 15; /* a logged error body: skipped, counted */
  if (req * 2 > p->n_items) return 50;
  if (!strcmp(p->container, FMT_ARRAY) && bare * 2 > p->n_items && typed && !chat) return 45;
  snprintf(why, n, "no response objects, stream events or requests with typed input items");
  return 0;
}

/* ---- state ---------------------------------------------------------------------------------- */

static void stream_clear(struct stream *s) {
  json_decref(s->shell);
  json_decref(s->final);
  json_decref(s->done);
  json_decref(s->added);
  json_decref(s->text);
  for (size_t i = 0; i < s->n_ev; i++) ds_free(s->ev[i].type);
  ds_free(s->ev);
  ds_free(s->file);
  memset(s, 0, sizeof *s);
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct responses *r = ds_calloc(1, sizeof *r);
  if (!r || !(r->nodes = json_object()) || !(r->order = json_array()) || !(r->st = stitch_new())) {
    if (r) {
      json_decref(r->nodes);
      json_decref(r->order);
      ds_free(r);
    }
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = r;
  return DS_OK;
}

static void end(void *state) {
  struct responses *r = state;
  if (!r) return;
  json_decref(r->nodes);
  json_decref(r->order);
  stitch_free(r->st);
  stream_clear(&r->s);
  json_decref(r->bare);
  ds_free(r->bare_file);
  ds_free(r);
}

/* ---- nodes: one per response ---------------------------------------------------------------- */

/* Input items as a list: a string input is one user message. New, or NULL when there is none. */
static json_t *input_list(const json_t *in) {
  if (json_is_array(in)) return json_incref((json_t *)in);
  if (json_is_object(in) && json_is_array(json_object_get(in, "data"))) return json_incref(json_object_get(in, "data"));
  if (json_is_string(in)) return json_pack("[{s:s,s:s,s:O}]", "type", "message", "role", "user", "content", in);
  return NULL;
}

/* Adds (or completes) the node of a response; req (may be NULL) is its request. Returns the
 * fate of the item: 0 used, 1 a repeat of what is known. */
static enum ds_status add_node(struct responses *r, const json_t *resp, const json_t *req, const struct fmt_item *it,
                               int *repeat, bool *empty) {
  *repeat = 0;
  *empty = false;
  char anon[48];
  const char *id = ds_json_str(resp, "id", NULL);
  if (!id || !*id) id = ds_json_str(req, "id", NULL);
  bool is_anon = !id || !*id;
  if (is_anon) { /* a request alone: a key of our own, and no id in the record */
    snprintf(anon, sizeof anon, " request %u", ++r->n_anon);
    id = anon;
  }
  json_t *in = NULL;
  if (req) in = input_list(json_object_get(req, "input"));
  if (!in && resp) in = input_list(json_object_get(resp, "input_items"));
  if (!in && resp && json_is_array(json_object_get(resp, "input")) && json_array_size(json_object_get(resp, "input")))
    in = input_list(json_object_get(resp, "input"));
  json_t *node = json_object_get(r->nodes, id);
  if (node) {
    bool adds = (in && !json_object_get(node, "input")) || (resp && !json_object_get(node, "output"));
    if (!adds) {
      json_decref(in);
      *repeat = 1;
      return DS_OK;
    }
  } else {
    node = json_object();
    if (!node || json_object_set_new(r->nodes, id, node) || json_array_append_new(r->order, json_string(id))) {
      json_decref(in);
      return DS_E_NOMEM;
    }
    if (is_anon) json_object_set_new(node, "anon", json_true());
    json_object_set_new(node, "file", json_string(it->file));
    json_object_set_new(node, "line", json_integer((json_int_t)it->line));
  }
  if (in && json_object_set_new(node, "input", in)) return DS_E_NOMEM;
  const json_t *srcs[2] = {resp, req};
  static const char *const keys[] = {"instructions", "model", "previous_response_id", "tools", "metadata", "created_at"};
  for (size_t s = 0; s < 2; s++) {
    for (size_t k = 0; srcs[s] && k < DS_ARRAY_LEN(keys); k++) {
      const json_t *v = json_object_get(srcs[s], keys[k]);
      if (v && !json_is_null(v) && !json_object_get(node, keys[k]) && json_object_set(node, keys[k], (json_t *)v))
        return DS_E_NOMEM;
    }
  }
  if (resp && json_is_array(json_object_get(resp, "output")) &&
      json_object_set(node, "output", json_object_get(resp, "output")))
    return DS_E_NOMEM;
  /* a response with nothing in it (a failed or cancelled call logged without its request) */
  *empty = !json_object_get(node, "input") && !json_array_size(json_object_get(node, "output")) &&
           !ds_json_str(node, "instructions", NULL);
  if (*empty && json_object_set_new(node, "empty", json_true())) return DS_E_NOMEM;
  if (!*empty) json_object_del(node, "empty");
  return DS_OK;
}

/* ---- streams -------------------------------------------------------------------------------- */

static long ev_index(const json_t *v) {
  const json_t *i = json_object_get(v, "output_index");
  return json_is_integer(i) ? (long)json_integer_value(i) : -1;
}

/* Ends the stream being read: a node from its final response, or from the items it streamed;
 * each event counted used, duplicate (its content is in an item or the final response) or
 * skipped (status). */
static enum ds_status stream_end(struct responses *r, struct fmt_out *o) {
  struct stream *s = &r->s;
  if (!r->in_stream) return DS_OK;
  r->in_stream = false;
  enum ds_status st = DS_OK;
  json_t *resp = s->final ? json_incref(s->final) : s->shell ? json_deep_copy(s->shell) : json_object();
  if (!resp) return DS_E_NOMEM;
  if (!s->final) { /* a stream cut short: the items it finished, else what it had of them */
    json_t *out = json_array();
    long max = -1;
    for (size_t i = 0; i < s->n_ev; i++) max = s->ev[i].index > max ? s->ev[i].index : max;
    for (long k = 0; out && k <= max; k++) {
      char key[24];
      snprintf(key, sizeof key, "%ld", k);
      json_t *item = json_object_get(s->done, key);
      if (item) {
        json_array_append(out, item);
        continue;
      }
      item = json_object_get(s->added, key);
      if (!item) continue;
      json_t *copy = json_deep_copy(item);
      const char *text = ds_json_str(s->text, key, NULL);
      if (copy && text && !strcmp(ri_type(copy), "message"))
        json_object_set_new(copy, "content", json_pack("[{s:s,s:s}]", "type", "output_text", "text", text));
      if (copy) json_array_append_new(out, copy);
    }
    if (!out || json_object_set_new(resp, "output", out)) {
      json_decref(resp);
      return DS_E_NOMEM;
    }
  }
  struct fmt_item it = {NULL, s->file, NULL, s->line};
  int repeat;
  bool empty;
  st = add_node(r, resp, NULL, &it, &repeat, &empty);
  json_decref(resp);
  for (size_t i = 0; !st && i < s->n_ev; i++) {
    const char *t = s->ev[i].type;
    char key[24];
    snprintf(key, sizeof key, "%ld", s->ev[i].index);
    bool have_done = json_object_get(s->done, key) != NULL;
    if (empty) {
      fmt_skip(o, t, 1); /* a stream that made nothing: a failed call */
      continue;
    }
    if (!strcmp(t, "response.created") || !strcmp(t, "response.completed") || !strcmp(t, "response.incomplete") ||
        !strcmp(t, "response.failed"))
      continue; /* used: the response itself */
    if (!strcmp(t, "response.in_progress") || !strcmp(t, "response.queued")) {
      fmt_skip(o, t, 1); /* status */
    } else if (s->final) {
      fmt_duplicate(o, t, 1); /* its content is in the final response */
    } else if (!strcmp(t, "response.output_item.done")) {
      continue; /* used: the item */
    } else if (!strcmp(t, "response.output_item.added") || !strcmp(t, "response.output_text.delta")) {
      if (have_done) fmt_duplicate(o, t, 1); /* else used: what the stream had of an unfinished item */
    } else if (have_done) {
      fmt_duplicate(o, t, 1);
    } else {
      fmt_skip(o, t, 1); /* progress of an item that never finished */
    }
  }
  stream_clear(s);
  return st;
}

static enum ds_status stream_event(struct responses *r, const json_t *v, const struct fmt_item *it, struct fmt_out *o) {
  struct stream *s = &r->s;
  const char *t = ds_json_str(v, "type", "");
  enum ds_status st;
  if (!strcmp(t, "response.created") && r->in_stream && (st = stream_end(r, o))) return st;
  if (!r->in_stream) {
    r->in_stream = true;
    if (!(s->done = json_object()) || !(s->added = json_object()) || !(s->text = json_object()) ||
        !(s->file = ds_strdup(it->file)))
      return DS_E_NOMEM;
    s->line = it->line;
  }
  if (s->n_ev == s->cap_ev) {
    size_t cap = s->cap_ev ? s->cap_ev * 2 : 64;
    struct ev *e = ds_realloc(s->ev, cap * sizeof *e);
    if (!e) return DS_E_NOMEM;
    s->ev = e;
    s->cap_ev = cap;
  }
  long idx = ev_index(v);
  if (!(s->ev[s->n_ev].type = ds_strdup(t))) return DS_E_NOMEM;
  s->ev[s->n_ev++].index = idx;
  char key[24];
  snprintf(key, sizeof key, "%ld", idx);
  const json_t *resp = json_object_get(v, "response");
  const json_t *item = json_object_get(v, "item");
  if ((!strcmp(t, "response.created") || !strcmp(t, "response.in_progress")) && json_is_object(resp) && !s->shell)
    s->shell = json_incref((json_t *)resp);
  else if (!strcmp(t, "response.output_item.added") && json_is_object(item))
    return json_object_set(s->added, key, (json_t *)item) ? DS_E_NOMEM : DS_OK;
  else if (!strcmp(t, "response.output_item.done") && json_is_object(item))
    return json_object_set(s->done, key, (json_t *)item) ? DS_E_NOMEM : DS_OK;
  else if (!strcmp(t, "response.output_text.delta")) {
    const char *d = ds_json_str(v, "delta", "");
    const char *have = ds_json_str(s->text, key, "");
    struct ds_buf b;
    ds_buf_init(&b, 0);
    st = ds_buf_adds(&b, have) || ds_buf_adds(&b, d) ? DS_E_NOMEM : DS_OK;
    if (!st && json_object_set_new(s->text, key, json_stringn(b.data, b.len))) st = DS_E_NOMEM;
    ds_buf_release(&b);
    return st;
  } else if ((!strcmp(t, "response.completed") || !strcmp(t, "response.incomplete") || !strcmp(t, "response.failed")) &&
             json_is_object(resp)) {
    json_decref(s->final);
    s->final = json_incref((json_t *)resp);
    return stream_end(r, o);
  }
  return DS_OK;
}

/* ---- items ---------------------------------------------------------------------------------- */

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  struct responses *r = state;
  const json_t *v = it->v;
  enum ds_status st = DS_OK;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  int repeat = 0;
  bool empty = false;
  if (is_event(v)) {
    st = stream_event(r, v, it, o);
  } else if (is_response(v)) {
    st = add_node(r, v, NULL, it, &repeat, &empty);
  } else if (is_pair(v)) {
    const json_t *req = json_object_get(v, "request");
    st = add_node(r, json_object_get(v, "response"), json_is_object(req) ? req : NULL, it, &repeat, &empty);
  } else if (json_is_object(json_object_get(v, "request")) && is_request(json_object_get(v, "request"))) {
    st = add_node(r, NULL, json_object_get(v, "request"), it, &repeat, &empty); /* its response failed */
  } else if (is_request(v)) {
    st = add_node(r, NULL, v, it, &repeat, &empty);
  } else if (is_api_error(v)) {
    fmt_skip(o, "api error", 1); /* an error body {"error": {...}}: a failed call, no conversation */
  } else if (!strcmp(ds_json_str(v, "type", ""), "error") && !json_object_get(v, "role")) {
    fmt_skip(o, "error", 1); /* a stream's error event: the failure of a call, no conversation */
  } else if (json_is_object(v) && (json_object_get(v, "type") || json_object_get(v, "role"))) {
    if (!r->bare && (!(r->bare = json_array()) || !(r->bare_file = ds_strdup(it->file)))) return ds_fail(err, DS_E_NOMEM, "out of memory");
    if (!r->n_bare) r->bare_line = it->line;
    r->n_bare++;
    st = json_array_append(r->bare, (json_t *)v) ? DS_E_NOMEM : DS_OK;
  } else {
    corpus_bad(&b, "unknown_type", "not a Responses API response, request, stream event or item");
    return fmt_fail_item(o, it, &b);
  }
  if (st) return ds_fail(err, st, "out of memory");
  if (repeat) fmt_duplicate(o, "response (logged again)", 1);
  else if (empty) fmt_skip(o, "response without output", 1);
  return DS_OK;
}

/* ---- records -------------------------------------------------------------------------------- */

/* Chat-shaped tool definitions: {"type":"function","function":{name, description, parameters}};
 * hosted tools (web_search, file_search, mcp, ...) as they are. New. */
static json_t *chat_tools(const json_t *tools) {
  json_t *out = json_array();
  size_t i;
  const json_t *t;
  json_array_foreach(tools, i, t) {
    json_t *c;
    if (!strcmp(ds_json_str(t, "type", ""), "function") && !json_object_get(t, "function")) {
      json_t *fn = json_pack("{s:s}", "name", ds_json_str(t, "name", "tool"));
      static const char *const keys[] = {"description", "parameters", "strict"};
      for (size_t k = 0; fn && k < DS_ARRAY_LEN(keys); k++) {
        json_t *v = json_object_get(t, keys[k]);
        if (v && !json_is_null(v)) json_object_set(fn, keys[k], v);
      }
      c = fn ? json_pack("{s:s,s:o}", "type", "function", "function", fn) : NULL;
    } else {
      c = json_incref((json_t *)t);
    }
    if (!out || !c || json_array_append_new(out, c)) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}

/* Converts a list of items into msgs; items with no chat form are counted in omitted. */
static enum ds_status convert(struct ri_conv *c, const json_t *items, json_t *omitted, struct ds_bad_record *b) {
  size_t i;
  const json_t *it;
  json_array_foreach(items, i, it) {
    enum ri_kind k;
    enum ds_status st = ri_add(c, it, NULL, &k, b);
    if (st) return st;
    if (k != RI_MESSAGE && !corpus_count(omitted, ri_type(it), 1)) return DS_E_NOMEM;
  }
  return DS_OK;
}

/* The record of the chain that ends at leaf: root first. */
static enum ds_status chain_record(struct responses *r, const char *leaf, const char *rec_id, struct fmt_out *o) {
  json_t *path = json_array(), *msgs = json_array(), *omitted = json_object(), *rec = json_object();
  struct ri_conv c;
  ri_init(&c, msgs, false);
  enum ds_status st = DS_E_NOMEM;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  if (!path || !msgs || !omitted || !rec) goto out;
  const char *id = leaf;
  for (size_t hops = 0; id && hops <= json_array_size(r->order); hops++) {
    json_t *n = json_object_get(r->nodes, id);
    if (!n) break;
    if (json_array_insert(path, 0, n)) goto out;
    id = ds_json_str(n, "previous_response_id", NULL);
  }
  const json_t *lastn = json_array_get(path, json_array_size(path) - 1);
  const json_t *first = json_array_get(path, 0);
  bool logged = true;
  /* instructions are not carried over by previous_response_id: the last call's are the ones
   * the model answered under */
  const char *ins = ds_json_str(lastn, "instructions", NULL);
  if (ins && *ins && json_array_append_new(msgs, fmt_message("system", ins))) goto out;
  size_t i;
  const json_t *n;
  json_array_foreach(path, i, n) {
    const json_t *in = json_object_get(n, "input");
    logged &= in != NULL;
    if ((st = convert(&c, in, omitted, &b)) || (st = convert(&c, json_object_get(n, "output"), omitted, &b))) break;
  }
  ri_close(&c);
  if (st == DS_E_NOMEM) goto out;
  if (st) {
    st = fmt_fail(o, ds_json_str(first, "file", NULL), (uint64_t)json_integer_value(json_object_get(first, "line")),
                  b.reason ? b.reason : "bad_item", "response %s: %s", leaf, b.msg);
    goto out;
  }
  st = DS_E_NOMEM;
  bool all_empty = true;
  json_array_foreach(path, i, n) all_empty &= json_is_true(json_object_get(n, "empty"));
  if (json_array_size(msgs) == 0 && all_empty) { /* failed calls: their items were skipped */
    st = DS_OK;
    goto out;
  }
  if (json_array_size(msgs) == 0) { /* nothing to converse about */
    st = fmt_fail(o, ds_json_str(first, "file", NULL), (uint64_t)json_integer_value(json_object_get(first, "line")),
                  "empty_conversation", "response %s has no input or output items", leaf);
    goto out;
  }
  if ((!json_is_true(json_object_get(first, "anon")) && json_object_set_new(rec, "id", json_string(rec_id))) ||
      json_object_set(rec, "messages", msgs))
    goto out;
  struct ds_bad_record tb;
  const json_t *created = json_object_get(first, "created_at");
  if (created && fmt_set_time(rec, created, &tb) == DS_E_NOMEM) goto out;
  if (fmt_segment(rec, "model", json_incref(json_object_get(lastn, "model")))) goto out;
  const json_t *tools = NULL; /* the tools of the last call that gave them */
  for (size_t k = json_array_size(path); k-- > 0 && !tools;) {
    const json_t *t = json_object_get(json_array_get(path, k), "tools");
    if (json_is_array(t) && json_array_size(t)) tools = t;
  }
  if (json_is_array(tools) && json_array_size(tools)) {
    json_t *ct = chat_tools(tools);
    if (!ct || json_object_set_new(rec, "tools", ct)) goto out;
  }
  const json_t *md = json_object_get(lastn, "metadata");
  if (json_is_object(md) && json_object_size(md) && json_object_set(rec, "metadata", (json_t *)md)) goto out;
  if (json_array_size(path) > 1) {
    json_t *ids = json_array();
    if (!ids || json_object_set_new(rec, "responses", ids)) goto out;
    for (const char *x = leaf; x;) {
      json_t *nx = json_object_get(r->nodes, x);
      if (!nx || json_array_size(ids) > json_array_size(path) || json_array_insert_new(ids, 0, json_string(x))) break;
      x = ds_json_str(nx, "previous_response_id", NULL);
    }
  }
  if (!logged && json_object_set_new(rec, "request_logged", json_false())) goto out;
  if (json_object_size(omitted) && json_object_set(rec, "omitted", omitted)) goto out;
  st = stitch_add(r->st, rec, ds_json_str(first, "file", NULL), (uint64_t)json_integer_value(json_object_get(first, "line")));
  rec = NULL;
out:
  ri_release(&c);
  json_decref(path);
  json_decref(msgs);
  json_decref(omitted);
  json_decref(rec);
  return st;
}

/* The bare items of a file (a JSON array of Responses items) as one conversation. */
static enum ds_status end_bare(struct responses *r, struct fmt_out *o) {
  if (!r->bare) return DS_OK;
  json_t *msgs = json_array(), *omitted = json_object();
  struct ri_conv c;
  ri_init(&c, msgs, false);
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = msgs && omitted ? convert(&c, r->bare, omitted, &b) : DS_E_NOMEM;
  ri_close(&c);
  ri_release(&c);
  if (st && st != DS_E_NOMEM) {
    st = fmt_fail(o, r->bare_file, r->bare_line, b.reason ? b.reason : "bad_item", "%s", b.msg);
  } else if (!st) {
    const char *slash = strrchr(r->bare_file, '/');
    char id[256];
    snprintf(id, sizeof id, "%s", slash ? slash + 1 : r->bare_file);
    char *dot = strrchr(id, '.');
    if (dot && dot != id) *dot = 0;
    json_t *rec = json_pack("{s:s,s:O}", "id", id, "messages", msgs);
    if (rec && json_object_size(omitted)) json_object_set(rec, "omitted", omitted);
    st = rec ? stitch_add(r->st, rec, r->bare_file, r->bare_line) : DS_E_NOMEM;
  }
  json_decref(msgs);
  json_decref(omitted);
  json_decref(r->bare);
  r->bare = NULL;
  ds_free(r->bare_file);
  r->bare_file = NULL;
  r->n_bare = 0;
  return st;
}

/* The end of a file: a stream it left open ends, its bare items are one conversation. */
static enum ds_status unit_end(void *state, struct fmt_out *o, struct ds_err *err) {
  struct responses *r = state;
  enum ds_status st;
  if ((st = stream_end(r, o)) || (st = end_bare(r, o))) return ds_fail(err, st, "out of memory");
  return DS_OK;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  struct responses *r = state;
  enum ds_status st;
  if ((st = stream_end(r, o)) || (st = end_bare(r, o))) return ds_fail(err, st, "out of memory");
  /* leaves: responses no other response continues; a chain with several leaves (a fork)
   * gives one record per leaf, "<root>/<leaf>" */
  json_t *has_child = json_object(), *leaves_of = json_object();
  if (!has_child || !leaves_of) st = DS_E_NOMEM;
  size_t i;
  const json_t *idv;
  json_array_foreach(r->order, i, idv) {
    const char *prev = ds_json_str(json_object_get(r->nodes, json_string_value(idv)), "previous_response_id", NULL);
    if (!st && prev && json_object_get(r->nodes, prev) && json_object_set_new(has_child, prev, json_true())) st = DS_E_NOMEM;
  }
  /* the root of each leaf, and how many leaves each root has */
  json_t *roots = json_object();
  if (!roots) st = DS_E_NOMEM;
  json_array_foreach(r->order, i, idv) {
    const char *id = json_string_value(idv);
    if (st || json_object_get(has_child, id)) continue;
    const char *root = id;
    for (size_t hops = 0; hops <= json_array_size(r->order); hops++) {
      const char *prev = ds_json_str(json_object_get(r->nodes, root), "previous_response_id", NULL);
      if (!prev || !json_object_get(r->nodes, prev)) break;
      root = prev;
    }
    if (json_object_set_new(roots, id, json_string(root)) ||
        !corpus_count(leaves_of, root, 1))
      st = DS_E_NOMEM;
  }
  json_array_foreach(r->order, i, idv) {
    const char *id = json_string_value(idv);
    const char *root = ds_json_str(roots, id, NULL);
    if (st || !root) continue;
    char rec_id[512];
    if (json_integer_value(json_object_get(leaves_of, root)) > 1 && strcmp(root, id))
      snprintf(rec_id, sizeof rec_id, "%s/%s", root, id);
    else
      snprintf(rec_id, sizeof rec_id, "%s", root);
    st = chain_record(r, id, rec_id, o);
  }
  json_decref(has_child);
  json_decref(leaves_of);
  json_decref(roots);
  if (!st) st = stitch_emit(r->st, o);
  return st ? ds_fail(err, st, "out of memory") : DS_OK;
}

const struct corpus_format corpus_format_openai_responses = {
    .name = "openai-responses",
    .summary = "OpenAI Responses API logs and streams; previous_response_id chains",
    .tested = "Responses API bodies and SSE streams as recorded by vercel/ai (2025-2026); openai-python types",
    .flags = FMT_JOIN_UNITS,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
    .unit_end = unit_end,
};
