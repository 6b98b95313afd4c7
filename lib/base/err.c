/* err.c: status names, error details, assertions and the init/version entry points. */
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "base.h"

const char *ds_status_name(enum ds_status s) {
  switch (s) {
  case DS_OK: return "DS_OK";
  case DS_E_NOMEM: return "DS_E_NOMEM";
  case DS_E_IO: return "DS_E_IO";
  case DS_E_PARSE: return "DS_E_PARSE";
  case DS_E_INVALID: return "DS_E_INVALID";
  case DS_E_LIMIT: return "DS_E_LIMIT";
  case DS_E_NOTFOUND: return "DS_E_NOTFOUND";
  case DS_E_DB: return "DS_E_DB";
  case DS_E_NET: return "DS_E_NET";
  case DS_E_BACKEND: return "DS_E_BACKEND";
  case DS_E_UNSUPPORTED: return "DS_E_UNSUPPORTED";
  case DS_E_MISMATCH: return "DS_E_MISMATCH";
  case DS_E_TIMEOUT: return "DS_E_TIMEOUT";
  case DS_E_CANCELLED: return "DS_E_CANCELLED";
  case DS_E_PII: return "DS_E_PII";
  case DS_E_TAMPERED: return "DS_E_TAMPERED";
  case DS_E_CONTEXT: return "DS_E_CONTEXT";
  case DS_E_BUSY: return "DS_E_BUSY";
  }
  return "DS_E_UNKNOWN";
}

enum ds_status ds_fail(struct ds_err *err, enum ds_status code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void ds_assert_fail(const char *expr, const char *file, int line) {
  fprintf(stderr, "depsim: BUG: %s:%d: assertion failed: %s\n", file, line, expr);
  abort();
}

void ds_logf(const struct ds_log *log, enum ds_log_level level, const char *fmt, ...) {
  if (!log || !log->fn) return;
  char msg[4608]; /* a bad record's message (up to 4096) with its prefix */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  log->fn(log->ud, level, msg);
}

static bool initialized;

enum ds_status ds_init(struct ds_err *err) {
  if (initialized) return DS_OK;
  json_set_alloc_funcs(ds_malloc, ds_free);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return ds_fail(err, DS_E_NET, "curl_global_init failed");
  if (sqlite3_initialize() != SQLITE_OK) return ds_fail(err, DS_E_DB, "sqlite3_initialize failed");
  initialized = true;
  return DS_OK;
}

const char *ds_version(void) {
  static char v[256];
  if (!v[0])
    snprintf(v, sizeof v, "depsim %s (sqlite %s, jansson %s, %s)", DS_VERSION, sqlite3_libversion(),
             JANSSON_VERSION, curl_version());
  return v;
}
