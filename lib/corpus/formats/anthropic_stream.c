/* anthropic_stream.c: a streamed Anthropic Messages response (server-sent events:
 * message_start, content_block_start/delta/stop, message_delta, message_stop) assembled into
 * the Message it streams, as the SDKs' accumulators do; used by the Messages API reader for
 * stream logs (one event per line) and for streamed bodies inside request/response envelopes. */
#include <stdlib.h>
#include <string.h>

#include "anthropic.h"

struct ab_stream {
  json_t *msg;         /* the message being assembled, or NULL */
  struct ds_buf *json; /* per content block: its input_json_delta text so far */
  size_t n_json;
};

struct ab_stream *ab_stream_new(void) { return ds_calloc(1, sizeof(struct ab_stream)); }

static void reset(struct ab_stream *s) {
  json_decref(s->msg);
  s->msg = NULL;
  for (size_t i = 0; i < s->n_json; i++) ds_buf_release(&s->json[i]);
  ds_free(s->json);
  s->json = NULL;
  s->n_json = 0;
}

void ab_stream_free(struct ab_stream *s) {
  if (!s) return;
  reset(s);
  ds_free(s);
}

bool ab_stream_open(const struct ab_stream *s) { return s->msg != NULL; }

bool ab_stream_is_event(const json_t *ev) {
  static const char *const types[] = {"message_start", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop", "ping", NULL};
  const char *t = ds_json_str(ev, "type", NULL);
  if (!t) return false;
  for (const char *const *k = types; *k; k++)
    if (strcmp(t, *k) == 0) return true;
  return false;
}

json_t *ab_stream_take(struct ab_stream *s) {
  json_t *m = s->msg ? json_incref(s->msg) : NULL;
  reset(s);
  return m;
}

/* Appends the string v to obj[key] (created when absent or not a string). */
static enum ds_status append_str(json_t *obj, const char *key, const json_t *v) {
  const json_t *cur = json_object_get(obj, key);
  if (!json_is_string(cur)) return json_object_set_new(obj, key, json_stringn(json_string_value(v), json_string_length(v))) ? DS_E_NOMEM : DS_OK;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_buf_add(&b, json_string_value(cur), json_string_length(cur)) ||
      ds_buf_add(&b, json_string_value(v), json_string_length(v))) {
    ds_buf_release(&b);
    return DS_E_NOMEM;
  }
  json_t *s = json_stringn(b.data ? b.data : "", b.len);
  ds_buf_release(&b);
  return !s || json_object_set_new(obj, key, s) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status fail(struct ab_stream *s, struct ds_bad_record *bad, const char *reason, const char *what,
                           const char *type) {
  reset(s);
  return corpus_bad(bad, reason, "stream: %s (event %.40s)", what, type);
}

/* The block an event names by "index", or NULL. */
static json_t *block_at(struct ab_stream *s, const json_t *ev, size_t *out_i) {
  const json_t *ix = json_object_get(ev, "index");
  json_t *content = json_object_get(s->msg, "content");
  if (!json_is_integer(ix) || json_integer_value(ix) < 0 || (size_t)json_integer_value(ix) >= json_array_size(content))
    return NULL;
  *out_i = (size_t)json_integer_value(ix);
  return json_array_get(content, *out_i);
}

static enum ds_status on_delta(struct ab_stream *s, const json_t *ev, struct ds_bad_record *bad) {
  size_t i;
  json_t *blk = block_at(s, ev, &i);
  const json_t *d = json_object_get(ev, "delta");
  if (!blk || !json_is_object(d)) return fail(s, bad, "bad_stream", "delta for no open content block", "content_block_delta");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)d, k, v) {
    if (strcmp(k, "type") == 0) continue;
    if (strcmp(k, "partial_json") == 0 && json_is_string(v)) {
      if (ds_buf_add(&s->json[i], json_string_value(v), json_string_length(v))) return DS_E_NOMEM;
    } else if (strcmp(k, "citation") == 0) {
      json_t *c = json_object_get(blk, "citations");
      if (!json_is_array(c)) {
        c = json_array();
        if (!c || json_object_set_new(blk, "citations", c)) return DS_E_NOMEM;
      }
      if (json_array_append_new(c, json_deep_copy(v))) return DS_E_NOMEM;
    } else if (json_is_string(v)) {
      /* text_delta, thinking_delta, signature_delta and deltas to come: appended to the field
       * of the same name */
      if (append_str(blk, k, v)) return DS_E_NOMEM;
    } else if (json_object_set_new(blk, k, json_deep_copy(v))) {
      return DS_E_NOMEM;
    }
  }
  return DS_OK;
}

enum ds_status ab_stream_feed(struct ab_stream *s, const json_t *ev, bool *out_done, struct ds_bad_record *bad) {
  *out_done = false;
  const char *type = ds_json_str(ev, "type", "");
  if (strcmp(type, "ping") == 0) return DS_OK;
  if (strcmp(type, "error") == 0) {
    const json_t *e = json_object_get(ev, "error");
    char what[200];
    snprintf(what, sizeof what, "the API sent an error: %.80s: %.80s", ds_json_str(e, "type", "?"), ds_json_str(e, "message", ""));
    return fail(s, bad, "api_error", what, type);
  }
  if (strcmp(type, "message_start") == 0) {
    const json_t *m = json_object_get(ev, "message");
    if (s->msg) return fail(s, bad, "bad_stream", "message_start inside an unfinished message", type);
    if (!json_is_object(m)) return fail(s, bad, "bad_stream", "message_start without a message object", type);
    s->msg = json_deep_copy(m);
    if (!s->msg || json_object_set_new(s->msg, "content", json_array())) return DS_E_NOMEM;
    return DS_OK;
  }
  if (!s->msg) return corpus_bad(bad, "bad_stream", "stream: %.40s before message_start", type);
  if (strcmp(type, "content_block_start") == 0) {
    const json_t *ix = json_object_get(ev, "index");
    const json_t *b = json_object_get(ev, "content_block");
    json_t *content = json_object_get(s->msg, "content");
    if (!json_is_object(b) || !json_is_integer(ix) || json_integer_value(ix) != (json_int_t)json_array_size(content))
      return fail(s, bad, "bad_stream", "content_block_start out of order or without a block", type);
    struct ds_buf *nj = ds_realloc(s->json, (s->n_json + 1) * sizeof *nj);
    if (!nj) return DS_E_NOMEM;
    s->json = nj;
    ds_buf_init(&s->json[s->n_json++], 0);
    return json_array_append_new(content, json_deep_copy(b)) ? DS_E_NOMEM : DS_OK;
  }
  if (strcmp(type, "content_block_delta") == 0) return on_delta(s, ev, bad);
  if (strcmp(type, "content_block_stop") == 0) {
    size_t i;
    json_t *blk = block_at(s, ev, &i);
    if (!blk) return fail(s, bad, "bad_stream", "stop of no open content block", type);
    if (s->json[i].len) {
      json_error_t je;
      json_t *input = json_loadb(s->json[i].data, s->json[i].len, JSON_DECODE_ANY, &je);
      if (!input) return fail(s, bad, "bad_stream", "a block's streamed input is not JSON", type);
      if (json_object_set_new(blk, "input", input)) return DS_E_NOMEM;
      ds_buf_reset(&s->json[i]);
    }
    return DS_OK;
  }
  if (strcmp(type, "message_delta") == 0) {
    const json_t *d = json_object_get(ev, "delta");
    const char *k;
    const json_t *v;
    if (json_is_object(d)) {
      json_object_foreach((json_t *)d, k, v) if (json_object_set_new(s->msg, k, json_deep_copy(v))) return DS_E_NOMEM;
    }
    const json_t *u = json_object_get(ev, "usage");
    if (json_is_object(u)) {
      json_t *mu = json_object_get(s->msg, "usage");
      if (!json_is_object(mu)) {
        mu = json_object();
        if (!mu || json_object_set_new(s->msg, "usage", mu)) return DS_E_NOMEM;
      }
      json_object_foreach((json_t *)u, k, v) if (!json_is_null(v) && json_object_set_new(mu, k, json_deep_copy(v))) return DS_E_NOMEM;
    }
    return DS_OK;
  }
  if (strcmp(type, "message_stop") == 0) {
    *out_done = true;
    return DS_OK;
  }
  return corpus_bad(bad, "bad_stream", "stream: unknown event type \"%.40s\"", type);
}

/* Feeds the event of one JSON text. */
static enum ds_status feed_text(struct ab_stream *s, const char *p, size_t n, bool *done, struct ds_bad_record *bad) {
  json_error_t je;
  json_t *ev = json_loadb(p, n, 0, &je);
  if (!ev) {
    reset(s);
    return corpus_bad(bad, "bad_stream", "stream: an event is not JSON (%.80s)", je.text);
  }
  enum ds_status st = ab_stream_feed(s, ev, done, bad);
  json_decref(ev);
  return st;
}

enum ds_status ab_stream_assemble(const json_t *events, json_t **out, struct ds_bad_record *bad) {
  *out = NULL;
  struct ab_stream *s = ab_stream_new();
  if (!s) return DS_E_NOMEM;
  enum ds_status st = DS_OK;
  bool done = false;
  if (json_is_array(events)) {
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
      if (done) break;
      if (!json_is_object(ev)) {
        st = corpus_bad(bad, "bad_stream", "stream: event %zu is not an object", i);
        break;
      }
      if ((st = ab_stream_feed(s, ev, &done, bad))) break;
    }
  } else if (json_is_string(events)) {
    /* an SSE body: "data: {...}" lines (event:, id:, comments and blank lines ignored), or
     * bare JSON events, one per line */
    const char *p = json_string_value(events), *end = p + json_string_length(events);
    while (p < end && !done && !st) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      const char *e = nl ? nl : end;
      const char *q = p;
      size_t n = (size_t)(e - p);
      if (n && q[n - 1] == '\r') n--;
      if (n >= 5 && strncmp(q, "data:", 5) == 0) {
        q += 5;
        n -= 5;
        while (n && (*q == ' ' || *q == '\t')) q++, n--;
        if (n && !(n == 6 && strncmp(q, "[DONE]", 6) == 0)) st = feed_text(s, q, n, &done, bad);
      } else if (n && *q == '{') {
        st = feed_text(s, q, n, &done, bad);
      }
      p = nl ? nl + 1 : end;
    }
  } else {
    st = corpus_bad(bad, "bad_stream", "a streamed response is neither an array of events nor SSE text");
  }
  if (!st && !done)
    st = corpus_bad(bad, "truncated_stream", "stream: ends before message_stop%s", ab_stream_open(s) ? "" : " (no message_start)");
  if (!st && !(*out = ab_stream_take(s))) st = DS_E_NOMEM;
  ab_stream_free(s);
  return st;
}
