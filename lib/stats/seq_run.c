/* seq_run.c: the forecast's "sequential" block: a run replayed in a seeded random order (the
 * prefixes done form a random sample of the corpus at every point) says how far its draw went
 * and, when depsim simulate --sequential stopped it once every gated decision was known, why
 * (the stop record it wrote in the run's meta). The gate then decides on anytime-valid
 * intervals (lib/gate/sequential.c). */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "depsim/store.h"
#include "stats/seq_run.h"

static char *meta(struct ds_store *s, const char *key) {
  char *v = NULL;
  struct ds_err e = {0};
  if (ds_store_meta_get(s, key, &v, &e)) return NULL;
  return v;
}

enum ds_status stats_sequential_annotate(json_t *forecast, const char *run_path, struct ds_err *err) {
  struct ds_store *s = NULL;
  enum ds_status st = ds_store_open(run_path, DS_STORE_READ, &s, err);
  if (st) return st;
  char *order = meta(s, "order"), *seed = NULL, *stop = NULL;
  json_t *o = NULL;
  if (!order || strcmp(order, "random") != 0) {
    json_object_set_new(forecast, "sequential", json_null());
    goto out;
  }
  seed = meta(s, "seed");
  stop = meta(s, "sequential_stop");
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(ds_store_db(s),
                         "SELECT count(*), coalesce(sum(status='pending'),0) FROM prefixes", -1, &q, NULL) != SQLITE_OK ||
      sqlite3_step(q) != SQLITE_ROW) {
    st = ds_fail(err, DS_E_IO, "%s: counting prefixes: %s", run_path, sqlite3_errmsg(ds_store_db(s)));
    sqlite3_finalize(q);
    goto out;
  }
  json_int_t total = sqlite3_column_int64(q, 0), pending = sqlite3_column_int64(q, 1);
  sqlite3_finalize(q);
  json_t *rec = stop ? json_loads(stop, 0, NULL) : NULL;
  o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:b, s:o, s:s}", "order", "random", "seed",
                (json_int_t)(seed ? strtoull(seed, NULL, 10) : 0), "prefixes_total", total, "prefixes_drawn",
                total - pending, "prefixes_pending", pending, "exhausted", pending == 0, "stop",
                json_is_object(rec) ? rec : json_null(), "note",
                "prefixes were drawn in a seeded random order and may have been looked at after every batch: the "
                "categories' intervals are fixed-n intervals; the gate decides on anytime-valid intervals "
                "(confidence sequences, valid under continuous monitoring) unless every prefix was drawn");
  if (rec && !json_is_object(rec)) json_decref(rec);
  if (!o) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  json_object_set_new(forecast, "sequential", o);
out:
  ds_free(order);
  ds_free(seed);
  ds_free(stop);
  ds_store_close(s);
  return st;
}
