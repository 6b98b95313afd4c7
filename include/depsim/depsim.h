/* depsim.h: the public core of libdepsim: status codes, error details, allocation, version.
 * Every other public header includes this one. Only ds_ symbols are exported. */
#ifndef DEPSIM_DEPSIM_H
#define DEPSIM_DEPSIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DS_API __attribute__((visibility("default")))
#define DS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DS_API
#define DS_PRINTF(a, b)
#endif

#define DS_VERSION "0.1.0"

/* Result of every fallible call. Values are stable and never reused. */
enum ds_status {
  DS_OK = 0,
  DS_E_NOMEM = 1,       /* an allocation failed */
  DS_E_IO = 2,          /* reading or writing a file failed */
  DS_E_PARSE = 3,       /* input is not well-formed (JSON, YAML, UTF-8, ...) */
  DS_E_INVALID = 4,     /* well-formed input with a wrong or missing field, or a bad argument */
  DS_E_LIMIT = 5,       /* a size, depth or count limit was reached */
  DS_E_NOTFOUND = 6,    /* a named thing (id, file, category) does not exist */
  DS_E_DB = 7,          /* the run database reported an error */
  DS_E_NET = 8,         /* a transport error (connect, reset, TLS) */
  DS_E_BACKEND = 9,     /* the model server answered with an error */
  DS_E_UNSUPPORTED = 10,/* a feature not compiled in or not available */
  DS_E_MISMATCH = 11,   /* inputs that must agree do not (merge of different runs, ...) */
  DS_E_TIMEOUT = 12,    /* a deadline passed */
  DS_E_CANCELLED = 13,  /* stopped on request */
  DS_E_PII = 14,        /* de-identification assurance found personal data in output */
  DS_E_TAMPERED = 15,   /* an audit chain does not verify */
  DS_E_CONTEXT = 16,    /* a prompt does not fit the model's context */
  DS_E_BUSY = 17,       /* a run database is held by another writer (its pid in the message) */
};

/* The symbolic name of a status ("DS_E_PARSE"); never NULL. */
DS_API const char *ds_status_name(enum ds_status s);

/* Error details, filled only on failure so calls chain:
 *   if (ds_a(..., err) || ds_b(..., err)) goto out;
 * A NULL err is allowed everywhere and means "no details wanted". */
struct ds_err {
  enum ds_status code;
  char msg[256];
};

/* Sets err (when non-NULL) and returns code. */
DS_API enum ds_status ds_fail(struct ds_err *err, enum ds_status code, const char *fmt, ...) DS_PRINTF(3, 4);

/* All of libdepsim allocates through these (jansson too, once ds_init ran). */
DS_API void *ds_malloc(size_t n);
DS_API void *ds_calloc(size_t n, size_t size);
DS_API void *ds_realloc(void *p, size_t n);
DS_API void ds_free(void *p);
DS_API char *ds_strdup(const char *s);
DS_API char *ds_strndup(const char *s, size_t n);

/* Fault injection for tests: the n-th allocation from now fails (0 turns it off). */
DS_API void ds_alloc_fail_at(uint64_t n);

/* Process-wide set-up: allocators for jansson, SQLite and libcurl globals.
 * Call once before any other ds_ function; safe to call again. Not thread-safe. */
DS_API enum ds_status ds_init(struct ds_err *err);

/* "depsim 0.1.0" plus the versions of the libraries it was built with. Static string. */
DS_API const char *ds_version(void);

/* The caller's channel to a library call: a log/progress sink (fn may be NULL: silent) and a
 * cancellation flag. Long calls (replay, grade, discriminate, awareness, merge, ingest) stop
 * within about a second once *cancel is non-zero: what they committed is kept, the run can be
 * resumed, and they return DS_E_CANCELLED. cancel may be NULL (never cancelled); it is only
 * read, from any thread, so a signal handler may set it (a volatile int, as sig_atomic_t). */
enum ds_log_level { DS_LOG_DEBUG, DS_LOG_INFO, DS_LOG_WARN, DS_LOG_ERROR };
struct ds_log {
  void (*fn)(void *ud, enum ds_log_level level, const char *msg);
  void *ud;
  const volatile int *cancel;
};
DS_API void ds_logf(const struct ds_log *log, enum ds_log_level level, const char *fmt, ...) DS_PRINTF(3, 4);
/* True when the caller asked the call that took log to stop (log may be NULL). */
static inline int ds_log_cancelled(const struct ds_log *log) { return log && log->cancel && *log->cancel; }


#ifdef __cplusplus
}
#endif
#endif
