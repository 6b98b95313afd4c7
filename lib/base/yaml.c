/* yaml.c: YAML documents (config, rubric, policy files) read into jansson values, so every
 * module walks one familiar tree. Errors name the file, line and reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/base.h"

#define MAX_DEPTH 64

/* Plain scalars get YAML 1.2 core types; quoted ones stay strings. */
static json_t *scalar(const yaml_event_t *ev) {
  const char *v = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return json_stringn(v, n);
  if (n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0)
    return json_null();
  if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0) return json_true();
  if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0) return json_false();
  char *end;
  errno = 0;
  long long i = strtoll(v, &end, 10);
  if (*end == '\0' && errno == 0 && end != v) return json_integer(i);
  double d = strtod(v, &end);
  if (*end == '\0' && end != v && strspn(v, "0123456789+-.eE") == n) return json_real(d);
  return json_stringn(v, n);
}

/* Builds the value that starts with ev (already consumed). */
static enum ds_status build(yaml_parser_t *p, yaml_event_t *ev, int depth, const char *path, json_t **out,
                            struct ds_err *err) {
  if (depth > MAX_DEPTH) return ds_fail(err, DS_E_LIMIT, "%s:%zu: nested deeper than %d", path, ev->start_mark.line + 1, MAX_DEPTH);
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    *out = scalar(ev);
    return *out ? DS_OK : ds_fail(err, DS_E_PARSE, "%s:%zu: invalid scalar (bad UTF-8?)", path, ev->start_mark.line + 1);
  case YAML_ALIAS_EVENT:
    return ds_fail(err, DS_E_UNSUPPORTED, "%s:%zu: YAML aliases are not supported", path, ev->start_mark.line + 1);
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    json_t *c = map ? json_object() : json_array();
    if (!c) return ds_fail(err, DS_E_NOMEM, "out of memory");
    for (;;) {
      yaml_event_t e;
      if (!yaml_parser_parse(p, &e)) {
        json_decref(c);
        return ds_fail(err, DS_E_PARSE, "%s:%zu: %s", path, p->problem_mark.line + 1, p->problem ? p->problem : "syntax error");
      }
      if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
        yaml_event_delete(&e);
        break;
      }
      if (map) {
        if (e.type != YAML_SCALAR_EVENT) {
          size_t line = e.start_mark.line + 1;
          yaml_event_delete(&e);
          json_decref(c);
          return ds_fail(err, DS_E_INVALID, "%s:%zu: mapping keys must be plain scalars", path, line);
        }
        char *key = ds_strndup((const char *)e.data.scalar.value, e.data.scalar.length);
        size_t line = e.start_mark.line + 1;
        yaml_event_delete(&e);
        if (!key || json_object_get(c, key)) {
          enum ds_status st = key ? ds_fail(err, DS_E_INVALID, "%s:%zu: duplicate key '%s'", path, line, key)
                                  : ds_fail(err, DS_E_NOMEM, "out of memory");
          ds_free(key);
          json_decref(c);
          return st;
        }
        yaml_event_t ve;
        if (!yaml_parser_parse(p, &ve)) {
          ds_free(key);
          json_decref(c);
          return ds_fail(err, DS_E_PARSE, "%s:%zu: %s", path, p->problem_mark.line + 1, p->problem ? p->problem : "syntax error");
        }
        json_t *v = NULL;
        enum ds_status st = build(p, &ve, depth + 1, path, &v, err);
        yaml_event_delete(&ve);
        if (st) {
          ds_free(key);
          json_decref(c);
          return st;
        }
        json_object_set_new(c, key, v);
        ds_free(key);
      } else {
        json_t *v = NULL;
        enum ds_status st = build(p, &e, depth + 1, path, &v, err);
        yaml_event_delete(&e);
        if (st) {
          json_decref(c);
          return st;
        }
        json_array_append_new(c, v);
      }
    }
    *out = c;
    return DS_OK;
  }
  default:
    return ds_fail(err, DS_E_PARSE, "%s:%zu: unexpected YAML event", path, ev->start_mark.line + 1);
  }
}

enum ds_status ds_yaml_parse(const char *text, size_t len, const char *path, json_t **out, struct ds_err *err) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  enum ds_status st = DS_OK;
  json_t *doc = NULL;
  bool in_doc = false;
  for (;;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&p, &e)) {
      st = ds_fail(err, DS_E_PARSE, "%s:%zu: %s", path, p.problem_mark.line + 1, p.problem ? p.problem : "syntax error");
      break;
    }
    yaml_event_type_t t = e.type;
    if (t == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&e);
      break;
    }
    if (t == YAML_DOCUMENT_START_EVENT) {
      if (doc) {
        st = ds_fail(err, DS_E_INVALID, "%s:%zu: only one YAML document is allowed", path, e.start_mark.line + 1);
        yaml_event_delete(&e);
        break;
      }
      in_doc = true;
    } else if (in_doc && t != YAML_DOCUMENT_END_EVENT && !doc) {
      st = build(&p, &e, 0, path, &doc, err);
    }
    yaml_event_delete(&e);
    if (st) break;
  }
  yaml_parser_delete(&p);
  if (st) {
    json_decref(doc);
    return st;
  }
  *out = doc ? doc : json_null();
  return DS_OK;
}

enum ds_status ds_yaml_load_file(const char *path, json_t **out, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  enum ds_status st = ds_read_file(path, 16u << 20, &b, err);
  if (!st) st = ds_yaml_parse(b.data, b.len, path, out, err);
  ds_buf_release(&b);
  return st;
}
