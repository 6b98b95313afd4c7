/* store.h: the run database, one SQLite file per run (WAL). It holds the run's parameters
 * and versions (meta), prefixes, samples, simulated tool steps, rubrics and grades. Users
 * may open it with sqlite3; the schema is documented in docs/internals/store.md. A handle is
 * used from one thread. */
#ifndef DEPSIM_STORE_H
#define DEPSIM_STORE_H

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds_store;
struct sqlite3;

#define DS_STORE_SCHEMA_VERSION 5

enum ds_store_mode {
  DS_STORE_READ = 0,      /* must exist; read-only; checked (PRAGMA quick_check) */
  DS_STORE_WRITE = 1,     /* must exist; read-write; takes the run's writer lock */
  DS_STORE_CREATE = 2,    /* created (with the schema) when missing; read-write; takes the lock */
  /* or'ed with WRITE or CREATE: take no lock, the caller holds it (ds_store_lock, or another
   * handle of this process on the same run) */
  DS_STORE_NOLOCK = 0x100,
};

/* Opens a run database. Errors name the file: DS_E_NOTFOUND (missing), DS_E_DB with "corrupt"
 * (a damaged file, or one that fails quick_check on a read-only open), DS_E_INVALID (not a
 * depsim run database), DS_E_UNSUPPORTED (newer schema), DS_E_BUSY (another writer holds it). */
DS_API enum ds_status ds_store_open(const char *path, enum ds_store_mode mode, struct ds_store **out,
                                    struct ds_err *err);
DS_API void ds_store_close(struct ds_store *s);
DS_API const char *ds_store_path(const struct ds_store *s);
/* The file's schema version (a read-only open does not migrate an older file). */
DS_API int ds_store_version(const struct ds_store *s);

/* The SQL expression of a prefix's messages (the JSON text the model was shown) for a row of
 * prefixes aliased p in a query on this store: since version 5 a conversation's messages are
 * stored once (conversations) and each prefix holds how many bytes of them are its own; older
 * files and some rows hold the text in prefixes.messages. Use it instead of p.messages.
 * Users of sqlite3 can read the same through the view prefix_messages(prefix_id, messages). */
DS_API const char *ds_store_sql_prefix_messages(const struct ds_store *s);

/* The underlying connection, borrowed until ds_store_close, for modules that own a table. */
DS_API struct sqlite3 *ds_store_db(struct ds_store *s);

/* Run parameters as key/value text. get: *out_value is ds_malloc'ed; DS_E_NOTFOUND when absent. */
DS_API enum ds_status ds_store_meta_get(struct ds_store *s, const char *key, char **out_value,
                                        struct ds_err *err);
DS_API enum ds_status ds_store_meta_set(struct ds_store *s, const char *key, const char *value,
                                        struct ds_err *err);

/* Transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK). */
DS_API enum ds_status ds_store_begin(struct ds_store *s, struct ds_err *err);
DS_API enum ds_status ds_store_commit(struct ds_store *s, struct ds_err *err);
DS_API void ds_store_rollback(struct ds_store *s);

/* Runs SQL with no result rows (several statements allowed). */
DS_API enum ds_status ds_store_exec(struct ds_store *s, const char *sql, struct ds_err *err);

/* One writer per run: an advisory lock (flock) on PATH-lock, which holds the holder's pid and is
 * removed when released. A second writer is refused at once with DS_E_BUSY, the message naming
 * the holder's pid; a lock left by a killed process is free (the kernel dropped it). */
struct ds_store_lock;
DS_API enum ds_status ds_store_lock(const char *path, struct ds_store_lock **out, struct ds_err *err);
DS_API void ds_store_unlock(struct ds_store_lock *l); /* NULL: nothing */

/* Long statements of this connection stop with an error once *cancel is non-zero (NULL: never);
 * the caller rolls back. cancel must outlive the store or be reset. */
DS_API void ds_store_set_cancel(struct ds_store *s, const volatile int *cancel);

/* Appends a line to the run's event log (run started, resumed, finished, ...). */
DS_API enum ds_status ds_store_event(struct ds_store *s, const char *kind, const char *detail,
                                     struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
