/* record.c: the canonical record: normalization of OpenAI-shaped chat messages and whole
 * chat records (shared by the chat formats), and the content hash that defines "exact
 * duplicate". The record validator and the builders other readers use are in build.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"

enum ds_status corpus_bad(struct ds_bad_record *b, const char *reason, const char *fmt, ...) {
  if (b) {
    va_list ap;
    va_start(ap, fmt);
    b->reason = reason;
    vsnprintf(b->msg, sizeof b->msg, fmt, ap);
    va_end(ap);
  }
  return DS_E_INVALID;
}

static void append(char *dst, size_t cap, const char *s) {
  size_t n = strlen(dst), k = strlen(s);
  if (n + k >= cap) k = cap - 1 - n;
  memcpy(dst + n, s, k);
  dst[n + k] = '\0';
}

void corpus_bad_at(struct ds_bad_record *b, const char *path, uint64_t line, const char *reason, const char *detail) {
  char num[24];
  snprintf(num, sizeof num, "%llu", (unsigned long long)line);
  char tmp[sizeof b->msg];
  snprintf(tmp, sizeof tmp, "%s", detail); /* detail may be b->msg itself */
  b->reason = reason;
  b->line = line;
  b->msg[0] = '\0';
  const char *parts[] = {path, ":", num, ": ", tmp, " [", reason, "]"};
  for (unsigned i = 0; i < DS_ARRAY_LEN(parts); i++) append(b->msg, sizeof b->msg, parts[i]);
}

bool corpus_too_deep(const json_t *v, unsigned max) {
  if (!json_is_object(v) && !json_is_array(v)) return false;
  if (max == 0) return true;
  if (json_is_array(v)) {
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x) if (corpus_too_deep(x, max - 1)) return true;
  } else {
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)v, k, x) if (corpus_too_deep(x, max - 1)) return true;
  }
  return false;
}

json_t *corpus_get_path(const json_t *rec, const char *path) {
  const json_t *cur = rec;
  const char *p = path;
  while (cur && *p) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (!json_is_object(cur)) return NULL;
    cur = json_object_getn(cur, p, n);
    p += n + (dot ? 1 : 0);
    if (dot && !*p) return NULL;
  }
  return (json_t *)cur;
}

int corpus_dump_to_buf(const char *p, size_t len, void *ud) {
  return ds_buf_add(ud, p, len) == DS_OK ? 0 : -1;
}

enum ds_status corpus_dump(const json_t *v, size_t flags, struct ds_buf *out) {
  ds_buf_reset(out);
  if (json_dump_callback(v, corpus_dump_to_buf, out, flags | JSON_ENCODE_ANY) != 0) return DS_E_NOMEM;
  return DS_OK;
}

bool corpus_count(json_t *obj, const char *key, json_int_t by) {
  json_t *v = json_object_get(obj, key);
  if (json_is_integer(v)) return json_integer_set(v, json_integer_value(v) + by) == 0;
  return json_object_set_new(obj, key, json_integer(by)) == 0;
}

/* ---- content hash ---------------------------------------------------------------- */

static enum ds_status enc_u64(struct ds_buf *b, uint64_t v) { return ds_buf_put(b, &v, sizeof v); }

static int cmp_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum ds_status enc_value(struct ds_buf *b, const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_NULL: return ds_buf_putc(b, 'n');
  case JSON_TRUE: return ds_buf_putc(b, 't');
  case JSON_FALSE: return ds_buf_putc(b, 'f');
  case JSON_INTEGER:
    if (ds_buf_putc(b, 'i')) return DS_E_NOMEM;
    return enc_u64(b, (uint64_t)json_integer_value(v));
  case JSON_REAL: {
    double d = json_real_value(v);
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    if (ds_buf_putc(b, 'r')) return DS_E_NOMEM;
    return enc_u64(b, bits);
  }
  case JSON_STRING:
    if (ds_buf_putc(b, 's') || enc_u64(b, json_string_length(v))) return DS_E_NOMEM;
    return ds_buf_put(b, json_string_value(v), json_string_length(v));
  case JSON_ARRAY: {
    if (ds_buf_putc(b, 'a') || enc_u64(b, json_array_size(v))) return DS_E_NOMEM;
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x) if (enc_value(b, x)) return DS_E_NOMEM;
    return DS_OK;
  }
  case JSON_OBJECT: {
    size_t n = json_object_size(v);
    if (ds_buf_putc(b, 'o') || enc_u64(b, n)) return DS_E_NOMEM;
    const char *small[16];
    const char **keys = n <= DS_ARRAY_LEN(small) ? small : ds_malloc(n * sizeof *keys);
    if (!keys) return DS_E_NOMEM;
    size_t k = 0;
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)v, key, x) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_keys);
    enum ds_status st = DS_OK;
    for (size_t i = 0; i < k && !st; i++) {
      size_t kl = strlen(keys[i]);
      if (enc_u64(b, kl) || ds_buf_put(b, keys[i], kl) || enc_value(b, json_object_get(v, keys[i])))
        st = DS_E_NOMEM;
    }
    if (keys != small) ds_free(keys);
    return st;
  }
  }
  return DS_OK;
}

enum ds_status corpus_content_hash(const json_t *rec, struct ds_buf *scratch, unsigned char out[32]) {
  ds_buf_reset(scratch);
  const json_t *tools = json_object_get(rec, "tools");
  if (enc_value(scratch, json_object_get(rec, "messages"))) return DS_E_NOMEM;
  if (tools && !json_is_null(tools) && enc_value(scratch, tools)) return DS_E_NOMEM;
  char hex[65];
  ds_sha256_hex(scratch->data, scratch->len, hex);
  if (!hex[0]) return DS_E_NOMEM;
  for (int i = 0; i < 32; i++) {
    unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
    unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10);
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return DS_OK;
}

/* ---- normalization ------------------------------------------------------------------ */

/* Sets rec[key] = v (a new reference it takes); false on allocation failure. */
static bool put(json_t *rec, const char *key, json_t *v) { return v && json_object_set_new(rec, key, v) == 0; }

static bool key_in(const char *key, const char *const *set) {
  for (; *set; set++)
    if (strcmp(key, *set) == 0) return true;
  return false;
}

/* Copies the keys of in that are not in skip, in their input order. */
static bool copy_rest(json_t *out, const json_t *in, const char *const *skip) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)in, k, v) {
    if (key_in(k, skip) || json_object_get(out, k)) continue;
    if (json_object_set(out, k, v)) return false;
  }
  return true;
}

static enum ds_status convert_tool_calls(const json_t *tcs, size_t mi, json_t *msg, struct ds_bad_record *bad) {
  if (!tcs || json_is_null(tcs)) return DS_OK;
  if (!json_is_array(tcs)) return corpus_bad(bad, "bad_tool_call", "message %zu: tool_calls is not an array", mi);
  if (json_array_size(tcs) == 0) return DS_OK;
  json_t *arr = json_array();
  if (!arr || json_object_set_new(msg, "tool_calls", arr)) return DS_E_NOMEM;
  size_t i;
  const json_t *tc;
  json_array_foreach(tcs, i, tc) {
    if (!json_is_object(tc))
      return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu is not an object", mi, i);
    const json_t *fn = json_object_get(tc, "function");
    const json_t *src = json_is_object(fn) ? fn : tc;
    const json_t *id = json_object_get(tc, "id");
    const json_t *name = json_object_get(src, "name");
    const json_t *args = json_object_get(src, "arguments");
    if (!json_is_string(id) || json_string_length(id) == 0)
      return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu has no string \"id\"", mi, i);
    if (!json_is_string(name) || json_string_length(name) == 0)
      return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu has no function name", mi, i);
    json_t *out = json_object();
    if (!out || json_array_append_new(arr, out)) return DS_E_NOMEM;
    if (!put(out, "id", json_incref((json_t *)id)) || !put(out, "name", json_incref((json_t *)name)))
      return DS_E_NOMEM;
    if (json_is_string(args)) {
      if (!put(out, "arguments", json_incref((json_t *)args))) return DS_E_NOMEM;
    } else if (json_is_object(args) || json_is_array(args)) {
      /* some logs keep arguments parsed; the canonical form is the JSON text */
      char *text = ds_json_compact(args);
      if (!text) return DS_E_NOMEM;
      json_t *s = json_string(text);
      ds_free(text);
      if (!put(out, "arguments", s)) return DS_E_NOMEM;
    } else {
      return corpus_bad(bad, "bad_tool_call", "message %zu: tool call %zu has no \"arguments\" string", mi, i);
    }
    static const char *const skip[] = {"id", "type", "function", "name", "arguments", NULL};
    if (!copy_rest(out, tc, skip)) return DS_E_NOMEM;
  }
  return DS_OK;
}

static const char *sharegpt_role(const char *from) {
  static const char *const map[][2] = {
      {"human", "user"},          {"user", "user"},     {"gpt", "assistant"}, {"chatgpt", "assistant"},
      {"assistant", "assistant"}, {"system", "system"},
  };
  for (unsigned i = 0; i < DS_ARRAY_LEN(map); i++)
    if (strcmp(from, map[i][0]) == 0) return map[i][1];
  return NULL;
}

static bool known_role(const char *role) {
  static const char *const roles[] = {"system", "developer", "user", "assistant", "tool", NULL};
  return key_in(role, roles);
}

enum ds_status corpus_convert_message(const json_t *m, size_t mi, bool sharegpt, json_t *out_msgs,
                                      struct ds_bad_record *bad) {
  if (!json_is_object(m)) return corpus_bad(bad, "wrong_type", "message %zu is not an object", mi);
  const char *role;
  const json_t *content;
  if (sharegpt) {
    const json_t *from = json_object_get(m, "from");
    if (!from) return corpus_bad(bad, "missing_field", "message %zu has no \"from\"", mi);
    if (!json_is_string(from)) return corpus_bad(bad, "wrong_type", "message %zu: \"from\" is not a string", mi);
    role = sharegpt_role(json_string_value(from));
    if (!role)
      return corpus_bad(bad, "unknown_role", "message %zu: unknown speaker \"%.60s\" (expected human, user, gpt, chatgpt, assistant or system)",
                        mi, json_string_value(from));
    content = json_object_get(m, "value");
    if (!content) return corpus_bad(bad, "missing_field", "message %zu has no \"value\"", mi);
    if (!json_is_string(content)) return corpus_bad(bad, "wrong_type", "message %zu: \"value\" is not a string", mi);
  } else {
    const json_t *r = json_object_get(m, "role");
    if (!r) return corpus_bad(bad, "missing_field", "message %zu has no \"role\"", mi);
    if (!json_is_string(r)) return corpus_bad(bad, "wrong_type", "message %zu: \"role\" is not a string", mi);
    role = json_string_value(r);
    if (!known_role(role))
      return corpus_bad(bad, "unknown_role", "message %zu: unknown role \"%.60s\" (expected system, developer, user, assistant or tool)",
                        mi, role);
    content = json_object_get(m, "content");
  }
  const json_t *tcs = json_object_get(m, "tool_calls");
  bool is_assistant = strcmp(role, "assistant") == 0;
  bool has_calls = json_is_array(tcs) && json_array_size(tcs) > 0;
  if (!content && !(is_assistant && has_calls))
    return corpus_bad(bad, "missing_field", "message %zu (%s) has no \"content\"", mi, role);
  if (json_is_object(content)) {
    /* a content kept as an object with its text in one field ({"answer": ...}) */
    const char *name = NULL, *k;
    const json_t *x;
    json_object_foreach((json_t *)content, k, x) if (!name && json_is_string(x)) name = k;
    if (name)
      return corpus_bad(bad, "wrong_type", "message %zu: \"content\" is an object, not text; name the field that "
                        "holds its text with --content-field (e.g. --content-field %.60s)", mi, name);
    return corpus_bad(bad, "wrong_type", "message %zu: \"content\" is an object, not text; name the field that holds "
                      "its text with --content-field NAME", mi);
  }
  if (content && !json_is_string(content) && !json_is_null(content) && !json_is_array(content))
    return corpus_bad(bad, "wrong_type", "message %zu: \"content\" is not a string, null or an array of parts", mi);
  if (json_is_null(content) && !is_assistant)
    return corpus_bad(bad, "wrong_type", "message %zu (%s): \"content\" is null", mi, role);
  if (tcs && !json_is_null(tcs) && !is_assistant)
    return corpus_bad(bad, "bad_tool_call", "message %zu: tool_calls on a %s message", mi, role);

  json_t *out = json_object();
  if (!out || json_array_append_new(out_msgs, out)) return DS_E_NOMEM;
  if (!put(out, "role", json_string(role))) return DS_E_NOMEM;
  if (!put(out, "content", content ? json_incref((json_t *)content) : json_null())) return DS_E_NOMEM;
  enum ds_status st = convert_tool_calls(tcs, mi, out, bad);
  if (st) return st;
  if (strcmp(role, "tool") == 0) {
    const json_t *id = json_object_get(m, "tool_call_id");
    if (!id) return corpus_bad(bad, "missing_field", "message %zu (tool) has no \"tool_call_id\"", mi);
    if (!json_is_string(id)) return corpus_bad(bad, "wrong_type", "message %zu: \"tool_call_id\" is not a string", mi);
    if (!put(out, "tool_call_id", json_incref((json_t *)id))) return DS_E_NOMEM;
  }
  static const char *const skip_openai[] = {"role", "content", "tool_calls", "tool_call_id", NULL};
  static const char *const skip_sharegpt[] = {"from", "value", "role", "content", "tool_calls", NULL};
  if (!copy_rest(out, m, sharegpt ? skip_sharegpt : skip_openai)) return DS_E_NOMEM;
  return DS_OK;
}

/* Normalizes a time value (RFC 3339 / ISO 8601 string or epoch number) to RFC 3339 UTC. */
enum ds_status corpus_time(const char *key, const json_t *v, json_t **out, struct ds_bad_record *bad) {
  int64_t epoch;
  if (json_is_number(v)) {
    double d = json_number_value(v);
    if (d > 1e11) d /= 1000.0; /* milliseconds */
    if (!isfinite(d) || d < 0 || d > 253402300799.0)
      return corpus_bad(bad, "bad_time", "\"%s\" is not a usable epoch time", key);
    epoch = (int64_t)d;
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    /* guard ds_parse_time's numeric branch against values no clock can hold */
    char *end;
    double d = strtod(s, &end);
    if (end != s && *end == '\0' && strchr(s, '-') == NULL && (!isfinite(d) || d < 0 || d > 253402300799000.0))
      return corpus_bad(bad, "bad_time", "\"%s\" is not a usable epoch time", key);
    if (ds_parse_time(s, &epoch) != DS_OK)
      return corpus_bad(bad, "bad_time", "\"%s\": cannot read time \"%.60s\" (expected RFC 3339 or epoch seconds)", key, s);
    if (epoch < 0 || epoch > 253402300799)
      return corpus_bad(bad, "bad_time", "\"%s\": time \"%.60s\" is outside 1970..9999", key, s);
  } else {
    return corpus_bad(bad, "bad_time", "\"%s\" is neither a string nor a number", key);
  }
  char buf[32];
  ds_format_time(epoch, buf);
  *out = json_string(buf);
  return *out ? DS_OK : DS_E_NOMEM;
}

static enum ds_status set_id(json_t *rec, const char *key, const json_t *v, struct ds_bad_record *bad) {
  if (json_is_string(v)) {
    if (json_string_length(v) == 0) return corpus_bad(bad, "wrong_type", "\"%s\" is empty", key);
    return put(rec, "id", json_incref((json_t *)v)) ? DS_OK : DS_E_NOMEM;
  }
  if (json_is_integer(v)) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return put(rec, "id", json_string(buf)) ? DS_OK : DS_E_NOMEM;
  }
  return corpus_bad(bad, "wrong_type", "\"%s\" is not a string or integer", key);
}

enum ds_status corpus_normalize_chat(const json_t *in, const struct chat_shape *shape, json_t **out_record,
                                     struct ds_bad_record *bad) {
  *out_record = NULL;
  if (!json_is_object(in)) return corpus_bad(bad, "not_object", "record is not a JSON object");
  const char *msgs_key = shape->msgs_key;
  const json_t *msgs = json_object_get(in, msgs_key);
  if (!msgs) return corpus_bad(bad, "missing_field", "record has no \"%s\"", msgs_key);
  if (!json_is_array(msgs)) return corpus_bad(bad, "wrong_type", "\"%s\" is not an array", msgs_key);
  if (json_array_size(msgs) == 0) return corpus_bad(bad, "empty_conversation", "\"%s\" is empty", msgs_key);

  enum ds_status st = DS_E_NOMEM;
  json_t *rec = json_object();
  if (!rec) return DS_E_NOMEM;

  /* id: the record's own, under the name its format uses */
  const char *id_key = NULL;
  for (const char *const *k = shape->id_keys; k && *k && !id_key; k++) {
    const json_t *v = json_object_get(in, *k);
    if (!v || json_is_null(v)) continue;
    id_key = *k;
    if ((st = set_id(rec, *k, v, bad))) goto out;
  }
  if (!id_key && shape->require_id) {
    st = corpus_bad(bad, "missing_field", "canonical record has no \"id\"");
    goto out;
  }

  /* time: the first of the usual names; normalized to RFC 3339 UTC */
  static const char *const time_keys[] = {"time", "timestamp", "created_at", "created", NULL};
  const char *time_key = NULL;
  for (const char *const *k = time_keys; *k && !time_key; k++) {
    const json_t *v = json_object_get(in, *k);
    if (!v || json_is_null(v)) continue;
    time_key = *k;
    json_t *t = NULL;
    if ((st = corpus_time(*k, v, &t, bad))) goto out;
    if (!put(rec, "time", t)) {
      st = DS_E_NOMEM;
      goto out;
    }
  }

  st = DS_E_NOMEM; /* what a failed allocation below reports */
  const json_t *consent = json_object_get(in, "consent");
  if (consent && json_object_set(rec, "consent", (json_t *)consent)) goto out;

  /* segment: kept as given; the format's segment fields (WildChat's model, language,
   * country) are added to it */
  const json_t *seg = json_object_get(in, "segment");
  if (seg && !json_is_object(seg) && !json_is_null(seg)) {
    st = corpus_bad(bad, "wrong_type", "\"segment\" is not an object");
    goto out;
  }
  if (shape->seg_keys) {
    json_t *s = json_is_object(seg) ? json_deep_copy(seg) : json_object();
    if (!s || json_object_set_new(rec, "segment", s)) goto out;
    for (const char *const *k = shape->seg_keys; *k; k++) {
      json_t *v = json_object_get(in, *k);
      if (v && !json_is_null(v) && !json_object_get(s, *k) && json_object_set(s, *k, v)) goto out;
    }
  } else if (json_is_object(seg)) {
    if (json_object_set(rec, "segment", (json_t *)seg)) goto out;
  }

  json_t *out_msgs = json_array();
  if (!out_msgs || json_object_set_new(rec, "messages", out_msgs)) goto out;
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    if ((st = corpus_convert_message(m, i, shape->sharegpt, out_msgs, bad))) goto out;
  }
  st = DS_E_NOMEM;

  const json_t *tools = json_object_get(in, "tools");
  if (tools && !json_is_null(tools)) {
    if (!json_is_array(tools)) {
      st = corpus_bad(bad, "wrong_type", "\"tools\" is not an array");
      goto out;
    }
    if (json_object_set(rec, "tools", (json_t *)tools)) goto out;
  }
  const json_t *repo = json_object_get(in, "repo");
  if (repo && !json_is_null(repo) && !json_is_object(repo)) {
    st = corpus_bad(bad, "wrong_type", "\"repo\" is not an object");
    goto out;
  }

  /* everything else is kept as it came */
  const char *skip[24];
  size_t ns = 0;
  skip[ns++] = msgs_key;
  skip[ns++] = "segment";
  skip[ns++] = "tools";
  skip[ns++] = "consent";
  if (id_key) skip[ns++] = id_key;
  if (time_key) skip[ns++] = time_key;
  for (const char *const *k = shape->seg_keys; k && *k && ns < DS_ARRAY_LEN(skip) - 1; k++) skip[ns++] = *k;
  skip[ns] = NULL;
  if (!copy_rest(rec, in, skip)) goto out;
  st = DS_OK;
out:
  if (st) {
    json_decref(rec);
    return st;
  }
  *out_record = rec;
  return DS_OK;
}
