/* config.c: the "config:FILE#NAME" spec: a named block under a YAML or JSON file's `backends:`
 * mapping, in readable fields, turned into the equivalent openai:, llama: or file: spec and
 * opened through the ordinary path, so every value is checked where the spec form checks it. */
#include <string.h>

#include "backend/backend_ops.h"

enum field_kind {
  F_LOCATION, /* the spec's location: a string (a path, or for openai a URL) */
  F_URLS,     /* openai endpoints: a list of URLs, the first the location, the rest endpoint= */
  F_STR,
  F_INT,
  F_NUM,      /* seconds: an integer or a real */
  F_ONOFF,    /* a boolean, or a string the backend checks (on, off, auto) */
  F_INT_AUTO, /* an integer or "auto" */
};

struct field {
  const char *name;  /* the block's key */
  const char *alias; /* the spec's own name where it differs, accepted too; or NULL */
  const char *param; /* the query parameter it becomes (NULL for the location) */
  enum field_kind kind;
};

static const struct field openai_fields[] = {
    {"url", NULL, NULL, F_LOCATION},
    {"endpoints", NULL, NULL, F_URLS},
    {"model", NULL, "model", F_STR},
    {"key_env", NULL, "key_env", F_STR},
    {"max_in_flight", NULL, "max_in_flight", F_INT_AUTO},
    {"timeout_s", "timeout", "timeout", F_NUM},
    {"attempt_timeout_s", "attempt_timeout", "attempt_timeout", F_NUM},
    {"max_attempts", NULL, "max_attempts", F_INT},
    {"backoff_base_s", "backoff", "backoff", F_NUM},
    {"backoff_max_s", "backoff_max", "backoff_max", F_NUM},
    {"choices", NULL, "choices", F_STR},
};

static const struct field llama_fields[] = {
    {"model", NULL, NULL, F_LOCATION},
    {"ctx", NULL, "ctx", F_INT},
    {"parallel", NULL, "parallel", F_INT},
    {"threads", NULL, "threads", F_INT},
    {"contexts", NULL, "contexts", F_INT_AUTO},
    {"flash_attn", NULL, "flash_attn", F_ONOFF},
};

static const struct field file_fields[] = {
    {"path", NULL, NULL, F_LOCATION},
};

static const struct block_type {
  const char *name;
  const struct field *fields;
  size_t n_fields;
  bool relative_location; /* a relative location is taken from the config file's directory */
  const char *location;   /* what a block without its location lacks */
} types[] = {
    {"openai", openai_fields, DS_ARRAY_LEN(openai_fields), false, "url (or endpoints)"},
    {"llama", llama_fields, DS_ARRAY_LEN(llama_fields), true, "model (the GGUF file)"},
    {"file", file_fields, DS_ARRAY_LEN(file_fields), true, "path"},
};

/* Keys that would put a secret in the file; refused for every type. */
static const char *const secret_keys[] = {"key", "api_key", "apikey", "token"};

/* Appends s with '%', '&', '?' and control bytes percent-encoded: backend_spec_param and
 * backend_spec_path decode them, and nothing in the value can end the path or the parameter. */
static enum ds_status add_encoded(struct ds_buf *b, const char *s, size_t len) {
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < len && !st; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%' || c == '&' || c == '?' || c < 0x20 || c == 0x7f) st = ds_buf_addf(b, "%%%02X", c);
    else st = ds_buf_addc(b, (char)c);
  }
  return st;
}

static const char *kind_wants(enum field_kind k) {
  switch (k) {
  case F_LOCATION:
  case F_STR: return "a string";
  case F_URLS: return "a non-empty list of URL strings";
  case F_INT: return "an integer";
  case F_NUM: return "a number";
  case F_ONOFF: return "true, false or a string (on, off, auto)";
  case F_INT_AUTO: return "an integer or \"auto\"";
  }
  return "?";
}

static bool kind_fits(enum field_kind k, const json_t *v) {
  switch (k) {
  case F_LOCATION:
  case F_STR: return json_is_string(v);
  case F_URLS: {
    if (!json_is_array(v) || json_array_size(v) == 0) return false;
    size_t i;
    const json_t *u;
    json_array_foreach(v, i, u) if (!json_is_string(u)) return false;
    return true;
  }
  case F_INT: return json_is_integer(v);
  case F_NUM: return json_is_number(v);
  case F_ONOFF: return json_is_boolean(v) || json_is_string(v);
  case F_INT_AUTO: return json_is_integer(v) || (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0);
  }
  return false;
}

static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "a mapping";
  case JSON_ARRAY: return "a list";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a real number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  }
  return "?";
}

/* The block's value for f (under its name or its alias), or NULL; both given is an error. */
static enum ds_status field_value(const json_t *block, const struct field *f, const char *where, const json_t **out,
                                  struct ds_err *err) {
  const json_t *v = json_object_get(block, f->name);
  const json_t *a = f->alias ? json_object_get(block, f->alias) : NULL;
  if (v && a)
    return ds_fail(err, DS_E_INVALID, "%s: '%s' and '%s' are the same setting; give one", where, f->name, f->alias);
  *out = v ? v : a;
  return DS_OK;
}

/* A URL goes into the spec as it is (the openai backend does not decode its location), so it
 * must not hold what would end it; an API base has no query anyway. */
static enum ds_status check_url(const char *u, const char *where, const char *what, struct ds_err *err) {
  if (!*u) return ds_fail(err, DS_E_INVALID, "%s: %s is empty", where, what);
  if (backend_url_has_userinfo(u)) /* not echoed: it holds a password */
    return ds_fail(err, DS_E_INVALID,
                   "%s: %s holds user info (user:password@host), which is refused like a key in the file; put the key "
                   "in an environment variable and name it with key_env: VAR",
                   where, what);
  if (strchr(u, '?'))
    return ds_fail(err, DS_E_INVALID, "%s: %s must be the API base URL, without a query ('?'): %.80s", where, what, u);
  return DS_OK;
}

/* A relative path is taken from the config file's directory, as a reader of that file expects. */
static enum ds_status add_location_path(struct ds_buf *b, const char *file, const char *path) {
  const char *slash = strrchr(file, '/');
  enum ds_status st = DS_OK;
  if (path[0] != '/' && slash) st = add_encoded(b, file, (size_t)(slash - file) + 1);
  return st ? st : add_encoded(b, path, strlen(path));
}

static enum ds_status add_param(struct ds_buf *b, const char **sep, const char *param, const json_t *v) {
  enum ds_status st = ds_buf_addf(b, "%s%s=", *sep, param);
  *sep = "&";
  if (st) return st;
  if (json_is_string(v)) return add_encoded(b, json_string_value(v), json_string_length(v));
  if (json_is_integer(v)) return ds_buf_addf(b, "%lld", (long long)json_integer_value(v));
  if (json_is_real(v)) return ds_buf_addf(b, "%.15g", json_real_value(v)); /* what a person wrote reads back */
  return ds_buf_adds(b, json_is_true(v) ? "on" : "off");
}

static enum ds_status list_names(const json_t *backends, struct ds_buf *names) {
  const char *k;
  const json_t *v;
  enum ds_status st = DS_OK;
  json_object_foreach((json_t *)backends, k, v) {
    (void)v;
    if ((st = ds_buf_addf(names, "%s%s", names->len ? ", " : "", k))) break;
  }
  if (!st && !names->len) st = ds_buf_adds(names, "none");
  return st;
}

/* The block -> "type:location?param=value&...", checked field by field. */
static enum ds_status block_spec(const char *file, const char *where, const json_t *block, struct ds_buf *spec,
                                 struct ds_err *err) {
  if (!json_is_object(block))
    return ds_fail(err, DS_E_INVALID, "%s: expected a mapping with a type (openai, llama or file), got %s", where,
                   json_kind(block));
  for (size_t i = 0; i < DS_ARRAY_LEN(secret_keys); i++) {
    json_t *v = json_object_get(block, secret_keys[i]);
    if (!v) continue;
    /* the tree is this call's own and freed soon; the key leaves memory first, as in openai.c */
    if (json_is_string(v)) explicit_bzero((char *)json_string_value(v), json_string_length(v));
    return ds_fail(err, DS_E_INVALID,
                   "%s: an API key in a config file (%s:) is refused; put it in an environment variable and name "
                   "that variable with key_env: VAR", where, secret_keys[i]);
  }
  const json_t *tv = json_object_get(block, "type");
  if (!tv) return ds_fail(err, DS_E_INVALID, "%s: no type (openai, llama or file)", where);
  if (!json_is_string(tv))
    return ds_fail(err, DS_E_INVALID, "%s.type: expected a string (openai, llama or file), got %s", where, json_kind(tv));
  const struct block_type *t = NULL;
  for (size_t i = 0; i < DS_ARRAY_LEN(types); i++)
    if (strcmp(types[i].name, json_string_value(tv)) == 0) t = &types[i];
  if (!t)
    return ds_fail(err, DS_E_INVALID,
                   "%s: unknown type '%.40s' (expected openai, llama or file; llama-server, vLLM, SGLang and "
                   "Ollama are openai)", where, json_string_value(tv));

  /* every key must be one of the type's fields: a typo must not silently change a run */
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)block, k, v) {
    if (strcmp(k, "type") == 0) continue;
    const struct field *f = NULL;
    for (size_t i = 0; i < t->n_fields; i++)
      if (strcmp(t->fields[i].name, k) == 0 || (t->fields[i].alias && strcmp(t->fields[i].alias, k) == 0))
        f = &t->fields[i];
    if (!f) {
      char known[160] = "";
      size_t o = 0;
      for (size_t i = 0; i < t->n_fields && o < sizeof known; i++)
        o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", i ? ", " : "", t->fields[i].name);
      return ds_fail(err, DS_E_INVALID, "%s: unknown field '%.40s' for type %s (known: type, %s)", where, k, t->name,
                     known);
    }
    if (!kind_fits(f->kind, v))
      return ds_fail(err, DS_E_INVALID, "%s.%s: expected %s, got %s%s", where, k, kind_wants(f->kind), json_kind(v),
                     f->kind == F_STR && (json_is_number(v) || json_is_boolean(v)) ? " (quote it)" : "");
  }

  enum ds_status st;
  if ((st = ds_buf_addf(spec, "%s:", t->name))) return st;
  const json_t *endpoints = NULL;
  const char *sep = "?";
  bool have_location = false;
  for (size_t i = 0; i < t->n_fields; i++) {
    const struct field *f = &t->fields[i];
    if ((st = field_value(block, f, where, &v, err))) return st;
    if (!v) continue;
    if (f->kind == F_URLS) {
      endpoints = v;
    } else if (f->kind == F_LOCATION) {
      const char *s = json_string_value(v);
      if (!*s) return ds_fail(err, DS_E_INVALID, "%s.%s is empty", where, f->name);
      if (!t->relative_location && (st = check_url(s, where, f->name, err))) return st;
      st = t->relative_location ? add_location_path(spec, file, s) : ds_buf_adds(spec, s);
      if (st) return st;
      have_location = true;
    }
  }
  if (endpoints) {
    if (have_location) return ds_fail(err, DS_E_INVALID, "%s: give url or endpoints, not both", where);
    size_t i;
    json_array_foreach(endpoints, i, v) {
      char what[32];
      snprintf(what, sizeof what, "endpoints[%zu]", i);
      if ((st = check_url(json_string_value(v), where, what, err))) return st;
      if (i == 0) st = ds_buf_adds(spec, json_string_value(v));
      else st = add_param(spec, &sep, "endpoint", v);
      if (st) return st;
    }
    have_location = true;
  }
  if (!have_location) return ds_fail(err, DS_E_INVALID, "%s: no %s", where, t->location);
  for (size_t i = 0; i < t->n_fields; i++) {
    const struct field *f = &t->fields[i];
    if (!f->param) continue;
    if ((st = field_value(block, f, where, &v, err))) return st;
    if (v && (st = add_param(spec, &sep, f->param, v))) return st;
  }
  return DS_OK;
}

enum ds_status backend_config_resolve(const char *ref, char **out_spec, struct ds_err *err) {
  *out_spec = NULL;
  enum ds_status st = DS_OK;
  json_t *root = NULL;
  char *file = NULL;
  struct ds_buf names, spec, where;
  ds_buf_init(&names, 0);
  ds_buf_init(&spec, 0);
  ds_buf_init(&where, 0);
  const char *hash = strrchr(ref, '#');
  const char *name = hash ? hash + 1 : "";
  if (!(file = ds_strndup(ref, hash ? (size_t)(hash - ref) : strlen(ref)))) goto nomem;
  if (!*file) {
    st = ds_fail(err, DS_E_INVALID, "config spec: no file (config:FILE#NAME)");
    goto out;
  }
  if ((st = ds_yaml_load_file(file, &root, err))) {
    struct ds_err e = *err;
    st = ds_fail(err, st, "backend config: %s", e.msg);
    goto out;
  }
  const json_t *backends = json_object_get(root, "backends");
  if (!json_is_object(backends)) {
    st = ds_fail(err, DS_E_INVALID, "%s: no 'backends:' mapping (backends: {NAME: {type: openai|llama|file, ...}})",
                 file);
    goto out;
  }
  const json_t *block = *name ? json_object_get(backends, name) : NULL;
  if (!block) {
    if (list_names(backends, &names)) goto nomem;
    if (*name) st = ds_fail(err, DS_E_NOTFOUND, "%s: no backend '%.60s' under backends: (defined: %s)", file, name, names.data);
    else st = ds_fail(err, DS_E_INVALID, "config:%s: name a backend, config:%s#NAME (defined: %s)", file, file, names.data);
    goto out;
  }
  if (ds_buf_addf(&where, "%s: backends.%s", file, name)) goto nomem;
  if ((st = block_spec(file, where.data, block, &spec, err))) goto out;
  if (!(*out_spec = ds_buf_detach(&spec, NULL))) goto nomem;
  goto out;
nomem:
  st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  json_decref(root);
  ds_free(file);
  ds_buf_release(&names);
  ds_buf_release(&spec);
  ds_buf_release(&where);
  return st;
}

enum ds_status backend_config_open(const struct ds_backend_params *p, struct ds_backend **out, struct ds_err *err) {
  *out = NULL;
  const char *ref = p->spec + strlen("config:");
  char *spec = NULL;
  enum ds_status st = backend_config_resolve(ref, &spec, err);
  if (st) return st;
  ds_logf(&p->log, DS_LOG_DEBUG, "backend config:%s is %s", ref, spec);
  struct ds_backend_params q = *p;
  q.spec = spec;
  struct ds_err e = {0};
  if ((st = ds_backend_open(&q, out, &e))) ds_fail(err, st, "config:%s: %s", ref, e.msg);
  ds_free(spec);
  return st;
}
