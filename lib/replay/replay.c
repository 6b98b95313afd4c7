/* replay.c: the replay stage's entry point: parameters (new run or resumed from meta), the run
 * database's atomic creation, the agentic set-up, the two phases (corpus -> prefixes, then
 * samples) and the final accounting. The phases live in load.c, queue.c, schedule.c, commit.c. */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/replay.h"
#include "depsim/store.h"
#include "depsim/toolsim.h"
#include "replay/replay_int.h"

/* ---------- seeds ---------- */

/* Scheme 1 (runs made before schema 5): a bijection of [0, 2^31) applied to base + k. */
static int64_t seed_v1(uint64_t run_seed, const char *key, unsigned k) {
  uint64_t base = ds_mix64(run_seed ^ ds_mix64(ds_hash64(key, strlen(key))));
  const uint64_t m = 0x7fffffffu;
  uint64_t x = (base + k) & m;
  x ^= x >> 15;
  x = (x * 0x2c1b3c6dULL) & m;
  x ^= x >> 12;
  x = (x * 0x297a2d39ULL) & m;
  x ^= x >> 15;
  return (int64_t)x;
}

/* Scheme 2: consecutive seeds base + k, base in [0, 2^31 - 2^20): vLLM and llama-server sample
 * choice i of a request seeded s with seed s + i, so one request with n = K seeded with the
 * seed of sample k0 makes samples k0 .. k0+K-1 with their own seeds, as K requests would. */
int64_t ds_replay_sample_seed(uint64_t run_seed, const char *key, unsigned k) {
  uint64_t base = ds_mix64(run_seed ^ ds_mix64(ds_hash64(key, strlen(key))));
  return (int64_t)(base % (0x80000000ULL - DS_REPLAY_MAX_K)) + (int64_t)(k % DS_REPLAY_MAX_K);
}

int64_t rp_sample_seed(const struct replay *r, const char *key, unsigned k) {
  return r->seed_scheme == 1 ? seed_v1(r->seed, key, k) : ds_replay_sample_seed(r->seed, key, k);
}

/* ---------- small helpers ---------- */

enum ds_status rp_db_fail(sqlite3 *db, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", sqlite3_db_filename(db, "main"), what, sqlite3_errmsg(db));
}

enum ds_status rp_prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, struct ds_err *err) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
    return rp_db_fail(db, err, "preparing a statement");
  return DS_OK;
}

/* s must stay valid until the statement is stepped (every caller steps at once) */
void rp_bind_text_or_null(sqlite3_stmt *q, int i, const char *s) {
  if (s) sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
  else sqlite3_bind_null(q, i);
}

/* Binds a JSON value dumped canonically (sorted keys; NULL or JSON null -> SQL NULL). */
enum ds_status rp_bind_json(sqlite3_stmt *q, int i, const json_t *v) {
  if (!v || json_is_null(v)) {
    sqlite3_bind_null(q, i);
    return DS_OK;
  }
  char *s = ds_json_canonical(v);
  if (!s) return DS_E_NOMEM;
  sqlite3_bind_text(q, i, s, -1, ds_free);
  return DS_OK;
}

/* "DS_E_BACKEND" -> "backend": the cause a failed prefix is counted under. */
const char *rp_cause_name(enum ds_status st, char buf[32]) {
  const char *n = ds_status_name(st);
  if (strncmp(n, "DS_E_", 5) == 0) n += 5;
  size_t i = 0;
  for (; n[i] && i < 31; i++) buf[i] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]);
  buf[i] = '\0';
  return buf;
}

/* ---------- meta ---------- */

static enum ds_status meta_setf(struct ds_store *s, const char *key, struct ds_err *err, const char *fmt, ...)
    DS_PRINTF(4, 5);
static enum ds_status meta_setf(struct ds_store *s, const char *key, struct ds_err *err, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return ds_store_meta_set(s, key, buf, err);
}

static char *meta_str(struct ds_store *s, const char *key) {
  char *v = NULL;
  if (ds_store_meta_get(s, key, &v, NULL)) return NULL;
  return v;
}

/* Agentic settings are run parameters: stored as one JSON meta value, restored on resume. */
static enum ds_status write_agentic(struct replay *r, struct ds_err *err) {
  if (!r->agentic) return ds_store_meta_set(r->store, "agentic", "false", err);
  char *v = ds_json_canonical(r->agentic_meta);
  if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
  enum ds_status st = ds_store_meta_set(r->store, "agentic", v, err);
  ds_free(v);
  return st;
}

static enum ds_status open_agentic(struct replay *r, struct ds_replay_params *p, struct ds_err *err) {
  if (p->resume) {
    char *v = meta_str(r->store, "agentic");
    json_error_t je;
    json_t *m = v && strcmp(v, "false") != 0 ? json_loads(v, 0, &je) : NULL;
    ds_free(v);
    if (!json_is_object(m)) {
      json_decref(m);
      return DS_OK;
    }
    r->agentic_meta = m;
    p->agentic = true;
    p->tooldb_path = ds_json_str(m, "tooldb", NULL);
    p->repo_root = ds_json_str(m, "repo_root", NULL);
    p->allow_repo_outside_root = json_is_true(json_object_get(m, "allow_repo_outside_root"));
    p->max_steps = (unsigned)ds_json_num(m, "max_steps", 0);
    p->max_episode_tokens = (long)ds_json_num(m, "max_episode_tokens", 0);
    p->max_episode_seconds = ds_json_num(m, "max_episode_seconds", 0);
    p->simulator_max_tokens = (int)ds_json_num(m, "simulator_max_tokens", 0);
    if (!p->simulator_spec) p->simulator_spec = ds_json_str(m, "simulator", NULL);
  }
  if (!p->agentic) return DS_OK;
  if (r->original) return ds_fail(err, DS_E_INVALID, "--agentic needs a model backend, not 'original'");
  r->agentic = true;
  agent_default_limits(&r->lim);
  if (p->max_steps) r->lim.max_steps = p->max_steps;
  if (p->max_episode_tokens) r->lim.max_tokens = p->max_episode_tokens;
  if (p->max_episode_seconds > 0) r->lim.max_seconds = p->max_episode_seconds;
  enum ds_status st;
  if (p->simulator_spec) {
    struct ds_backend_params bp;
    ds_backend_default_params(&bp);
    bp.spec = p->simulator_spec;
    bp.log = p->log;
    if ((st = ds_backend_open(&bp, &r->simulator, err))) return st;
  }
  struct ds_toolsim_params tp;
  ds_toolsim_default_params(&tp);
  tp.tooldb_path = p->tooldb_path;
  tp.simulator = r->simulator;
  if (p->simulator_max_tokens > 0) tp.simulator_max_tokens = p->simulator_max_tokens;
  /* the root where records' repositories must be, fixed at the start (a resume from another
   * directory keeps it) */
  char *root = realpath(p->repo_root ? p->repo_root : ".", NULL);
  if (!root) return ds_fail(err, DS_E_NOTFOUND, "--repo-root %s: %s", p->repo_root ? p->repo_root : ".", strerror(errno));
  tp.repo_root = root;
  tp.allow_repo_outside_root = p->allow_repo_outside_root;
  tp.log = p->log;
  if ((st = ds_toolsim_open(&tp, &r->toolsim, err))) {
    free(root);
    return st;
  }
  if (!r->agentic_meta) {
    char *db = p->tooldb_path ? realpath(p->tooldb_path, NULL) : NULL;
    r->agentic_meta = json_pack("{s:s?,s:s?,s:s,s:b,s:i,s:I,s:f,s:i}", "tooldb", db ? db : p->tooldb_path,
                                "simulator", r->simulator ? ds_backend_describe(r->simulator) : NULL, "repo_root",
                                root, "allow_repo_outside_root", p->allow_repo_outside_root, "max_steps",
                                (int)r->lim.max_steps, "max_episode_tokens", (json_int_t)r->lim.max_tokens,
                                "max_episode_seconds", r->lim.max_seconds, "simulator_max_tokens",
                                tp.simulator_max_tokens);
    free(db);
  }
  free(root);
  if (!r->agentic_meta) return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

/* How the corpus was de-identified, from its manifest (CORPUS.manifest.json, written by
 * ingest): {"enabled":..,"replace":"surrogate"|"placeholder","keyed":..}, or NULL when the
 * corpus has no readable manifest. The report shows its views with the same replacement. */
static char *corpus_deid_meta(const char *corpus_path) {
  struct ds_buf path, text;
  ds_buf_init(&path, 0);
  ds_buf_init(&text, 0);
  char *out = NULL;
  json_t *m = NULL;
  if (!ds_buf_addf(&path, "%s.manifest.json", corpus_path) && !ds_read_file(path.data, 64u << 20, &text, NULL))
    m = json_loadb(text.data, text.len, 0, NULL);
  json_t *dd = json_object_get(m, "deid");
  if (json_is_object(dd)) {
    json_t *o = json_pack("{s:b,s:s,s:b}", "enabled", json_is_true(json_object_get(dd, "enabled")), "replace",
                          ds_json_str(dd, "replace", "placeholder"), "keyed", json_is_true(json_object_get(dd, "keyed")));
    out = o ? ds_json_canonical(o) : NULL;
    json_decref(o);
  }
  json_decref(m);
  ds_buf_release(&path);
  ds_buf_release(&text);
  return out;
}

static enum ds_status write_params(struct replay *r, const char *corpus_abs, const char *sha,
                                   const char *described, struct ds_err *err) {
  const struct ds_replay_params *p = r->p;
  char cutname[32];
  enum ds_status st;
  char *deid = corpus_deid_meta(corpus_abs);
  if ((st = ds_store_begin(r->store, err))) {
    ds_free(deid);
    return st;
  }
  if ((st = ds_store_meta_set(r->store, "kind", "replay", err)) ||
      (st = ds_store_meta_set(r->store, "corpus_path", corpus_abs, err)) ||
      (st = ds_store_meta_set(r->store, "corpus_sha256", sha, err)) ||
      (deid && (st = ds_store_meta_set(r->store, "corpus_deid", deid, err))) ||
      (st = ds_store_meta_set(r->store, "backend", described, err)) ||
      (st = meta_setf(r->store, "backend_context_length", err, "%u", r->n_ctx)) ||
      (st = meta_setf(r->store, "k", err, "%u", r->k)) ||
      (st = ds_store_meta_set(r->store, "cut", ds_replay_cut_format(p->cut, p->cut_n, cutname, sizeof cutname), err)) ||
      (st = ds_store_meta_set(r->store, "keep_reasoning", p->keep_reasoning ? "1" : "0", err)) ||
      (st = meta_setf(r->store, "seed", err, "%llu", (unsigned long long)r->seed)) ||
      (st = meta_setf(r->store, "temperature", err, "%.17g", r->temperature)) ||
      (st = meta_setf(r->store, "top_p", err, "%.17g", r->top_p)) ||
      (st = meta_setf(r->store, "max_tokens", err, "%d", r->max_tokens)) ||
      (st = ds_store_meta_set(r->store, "trim_front", r->trim_front ? "1" : "0", err)) ||
      (st = ds_store_meta_set(r->store, "order", p->sequential ? "random" : "corpus", err)) ||
      (st = ds_store_meta_set(r->store, "seed_scheme", "2", err)) ||
      (st = meta_setf(r->store, "shard", err, "%u/%u", p->shard_count ? p->shard_index : 0,
                      p->shard_count ? p->shard_count : 1)) ||
      (st = write_agentic(r, err)) ||
      (st = ds_store_event(r->store, "replay_started", described, err))) {
    ds_free(deid);
    ds_store_rollback(r->store);
    return st;
  }
  ds_free(deid);
  return ds_store_commit(r->store, err);
}

/* Creates the run database atomically: schema and parameters are written to PATH.creating,
 * which is renamed to PATH only when complete, so a run killed while it is being created
 * leaves no half-made database that --resume could not read (the next start simply creates
 * it again). */
static enum ds_status create_run(struct replay *r, const char *path, const char *corpus, const char *sha,
                                 const char *described, struct ds_err *err) {
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  if (ds_buf_addf(&tmp, "%s.creating", path)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < DS_ARRAY_LEN(suffixes); i++) {
    char stale[4096];
    snprintf(stale, sizeof stale, "%s%s", tmp.data, suffixes[i]);
    unlink(stale); /* left by a run killed while it was being created */
  }
  enum ds_status st = ds_store_open(tmp.data, DS_STORE_CREATE | DS_STORE_NOLOCK, &r->store, err);
  if (!st) st = write_params(r, corpus, sha, described, err);
  ds_store_close(r->store); /* the last connection: checkpoints and removes the WAL */
  r->store = NULL;
  if (!st && rename(tmp.data, path) != 0)
    st = ds_fail(err, DS_E_IO, "%s: cannot create: %s", path, strerror(errno));
  if (st) unlink(tmp.data);
  ds_buf_release(&tmp);
  if (!st) st = ds_store_open(path, DS_STORE_WRITE | DS_STORE_NOLOCK, &r->store, err);
  return st;
}

/* --limit N of a sequential run: the cursor stops at the draw of the N-th prefix of the run's
 * order (whatever their status), so the first N prefixes drawn are the ones sampled. */
static enum ds_status draw_limit(struct replay *r, uint64_t limit, struct ds_err *err) {
  if (!r->p->sequential)
    return ds_fail(err, DS_E_INVALID, "%s: --limit takes the first prefixes of a random order; this run replays in "
                   "corpus order (start it with --order random)", r->p->db_path);
  sqlite3_stmt *q = NULL;
  enum ds_status st = rp_prep(r->db, "SELECT draw FROM prefixes WHERE draw IS NOT NULL ORDER BY draw LIMIT 1 OFFSET ?1",
                              &q, err);
  if (st) return st;
  sqlite3_bind_int64(q, 1, (sqlite3_int64)(limit - 1));
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) r->cursor_max = sqlite3_column_int64(q, 0);
  else if (rc != SQLITE_DONE) st = rp_db_fail(r->db, err, "finding the limit's prefix");
  sqlite3_finalize(q);
  if (!st) {
    char d[64];
    snprintf(d, sizeof d, "%llu prefixes", (unsigned long long)limit);
    st = ds_store_event(r->store, "replay_limit", d, err);
  }
  return st;
}

static enum ds_status prepare_statements(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  char sql[1024];
  /* a sequential run takes its pending prefixes in draw order (a seeded random order) */
  snprintf(sql, sizeof sql,
           "SELECT p.id,p.conv_id,p.cut_index,%s,p.tools,p.original,p.trimmed,p.repo,p.draw,p.segment FROM prefixes p"
           " WHERE p.status='pending' AND %s ORDER BY %s LIMIT ?3",
           ds_store_sql_prefix_messages(r->store), r->p->sequential ? "p.draw>?1 AND p.draw<=?2" : "p.id>?1 AND p.id<=?2",
           r->p->sequential ? "p.draw" : "p.id");
  if ((st = rp_prep(r->db, sql, &r->q_cursor, err)) ||
      (st = rp_prep(r->db,
                 "SELECT prefix_id,k,status,cause FROM samples WHERE prefix_id BETWEEN ? AND ? ORDER BY prefix_id,k",
                 &r->q_have, err)))
    return st;
  r->sink.store = r->store;
  r->sink.db = r->db;
  return rp_prepare_sink(&r->sink, err);
}

static enum ds_status count_totals(struct replay *r, struct ds_err *err) {
  sqlite3_stmt *q = NULL;
  enum ds_status st = rp_prep(r->db,
                           "SELECT (SELECT count(*) FROM samples),"
                           " (SELECT count(*) FROM samples WHERE status='failed'),"
                           " (SELECT count(*) FROM prefixes WHERE id>?1 AND status='pending' AND"
                           "  (draw IS NULL OR draw<=?2)),"
                           " (SELECT count(*) FROM samples s JOIN prefixes p ON p.id=s.prefix_id"
                           "  WHERE p.id>?1 AND p.status='pending' AND (p.draw IS NULL OR p.draw<=?2))",
                           &q, err);
  if (st) return st;
  sqlite3_bind_int64(q, 1, r->mark_stored);
  sqlite3_bind_int64(q, 2, r->p->sequential ? r->cursor_max : INT64_MAX);
  if (sqlite3_step(q) == SQLITE_ROW) {
    uint64_t stored = (uint64_t)sqlite3_column_int64(q, 0);
    r->pr.samples_done = stored;
    r->pr.samples_failed = (uint64_t)sqlite3_column_int64(q, 1);
    r->pr.samples_total = stored + (uint64_t)sqlite3_column_int64(q, 2) * r->k - (uint64_t)sqlite3_column_int64(q, 3);
    r->done_at_start = stored;
  } else {
    st = rp_db_fail(r->db, err, "counting samples");
  }
  sqlite3_finalize(q);
  return st;
}

static enum ds_status retry_failed(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  if ((st = ds_store_begin(r->store, err))) return st;
  st = ds_store_exec(r->store,
                     "DELETE FROM samples WHERE status='failed' AND prefix_id IN (SELECT id FROM prefixes WHERE status='failed');"
                     "DELETE FROM meta WHERE key='replay_watermark';" /* failed ones become pending */
                     "UPDATE prefixes SET status='pending', reason=NULL WHERE status='failed';",
                     err);
  int n = sqlite3_changes(r->db); /* of the last statement */
  char d[64];
  snprintf(d, sizeof d, "%d prefixes", n);
  if (!st) st = ds_store_event(r->store, "retry_failed", d, err);
  if (st) {
    ds_store_rollback(r->store);
    return st;
  }
  ds_logf(&r->p->log, DS_LOG_INFO, "retrying %d failed prefixes", n);
  return ds_store_commit(r->store, err);
}

/* Parameters of a resumed run come from meta; command-line values are ignored except
 * in_flight and a backend spec that must describe to the same string. */
static enum ds_status read_params(struct replay *r, struct ds_replay_params *p, char **owned, struct ds_err *err) {
  const char *keys[] = {"kind", "corpus_path", "backend", "k", "cut", "seed", "temperature", "top_p", "max_tokens",
                        "trim_front", "shard"};
  char *v[DS_ARRAY_LEN(keys)] = {0};
  enum ds_status st = DS_OK;
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) {
    if (!(v[i] = meta_str(r->store, keys[i]))) {
      st = ds_fail(err, DS_E_INVALID, "%s: not a replay run database (no '%s' in meta)", p->db_path, keys[i]);
      goto out;
    }
  }
  if (strcmp(v[0], "replay") != 0) {
    st = ds_fail(err, DS_E_INVALID, "%s: a '%s' run, not a replay", p->db_path, v[0]);
    goto out;
  }
  owned[0] = v[1];
  v[1] = NULL;
  p->corpus_path = owned[0];
  if (!p->backend_spec) {
    owned[1] = v[2];
    v[2] = NULL;
    p->backend_spec = owned[1];
  }
  p->k = (unsigned)strtoul(v[3], NULL, 10);
  if ((st = ds_replay_cut_parse(v[4], &p->cut, &p->cut_n, err))) goto out;
  char *kr = meta_str(r->store, "keep_reasoning");
  p->keep_reasoning = kr && strcmp(kr, "1") == 0;
  ds_free(kr);
  char *scheme = meta_str(r->store, "seed_scheme"); /* absent before schema 5: scheme 1 */
  r->seed_scheme = scheme ? atoi(scheme) : 1;
  ds_free(scheme);
  char *order = meta_str(r->store, "order"); /* absent before schema 5: corpus order */
  p->sequential = order && strcmp(order, "random") == 0;
  ds_free(order);
  p->seed = strtoull(v[5], NULL, 10);
  p->temperature = strtod(v[6], NULL);
  p->top_p = strtod(v[7], NULL);
  p->max_tokens = atoi(v[8]);
  p->trim_front = strcmp(v[9], "1") == 0;
  if (sscanf(v[10], "%u/%u", &p->shard_index, &p->shard_count) != 2) {
    st = ds_fail(err, DS_E_INVALID, "%s: bad shard '%s' in meta", p->db_path, v[10]);
    goto out;
  }
out:
  for (size_t i = 0; i < DS_ARRAY_LEN(keys); i++) ds_free(v[i]);
  return st;
}

enum ds_status ds_replay_cut_parse(const char *s, enum ds_replay_cut *out_cut, unsigned *out_n, struct ds_err *err) {
  static const struct {
    const char *name;
    enum ds_replay_cut cut;
  } names[] = {{"last", DS_REPLAY_CUT_LAST}, {"every", DS_REPLAY_CUT_EVERY}, {"first", DS_REPLAY_CUT_FIRST},
               {"next", DS_REPLAY_CUT_NEXT}};
  *out_n = 0;
  for (unsigned i = 0; s && i < DS_ARRAY_LEN(names); i++)
    if (strcmp(s, names[i].name) == 0) {
      *out_cut = names[i].cut;
      return DS_OK;
    }
  const char *num = s && strncmp(s, "random:", 7) == 0 ? s + 7 : s;
  char *end = NULL;
  unsigned long n = num && *num >= '1' && *num <= '9' ? strtoul(num, &end, 10) : 0;
  if (n == 0 || n > 1000000 || !end || *end)
    return ds_fail(err, DS_E_INVALID, "cut '%s': expected last, every, first, next, N (the N-th assistant turn) or "
                   "random:M (M turns drawn per conversation)", s ? s : "");
  *out_cut = num == s ? DS_REPLAY_CUT_NTH : DS_REPLAY_CUT_RANDOM;
  *out_n = (unsigned)n;
  return DS_OK;
}

const char *ds_replay_cut_format(enum ds_replay_cut cut, unsigned n, char *buf, size_t len) {
  switch (cut) {
  case DS_REPLAY_CUT_EVERY: snprintf(buf, len, "every"); break;
  case DS_REPLAY_CUT_FIRST: snprintf(buf, len, "first"); break;
  case DS_REPLAY_CUT_NEXT: snprintf(buf, len, "next"); break;
  case DS_REPLAY_CUT_NTH: snprintf(buf, len, "%u", n); break;
  case DS_REPLAY_CUT_RANDOM: snprintf(buf, len, "random:%u", n); break;
  default: snprintf(buf, len, "last"); break;
  }
  return buf;
}

void ds_replay_default_params(struct ds_replay_params *p) {
  memset(p, 0, sizeof *p);
  p->k = 1;
  p->seed = 0;
  p->cut = DS_REPLAY_CUT_LAST;
  p->temperature = -1;
  p->top_p = -1;
  p->max_tokens = 0;
  p->shard_index = 0;
  p->shard_count = 1;
  p->progress_interval_s = 0.2;
  ds_backend_default_params(&p->backend);
}

enum ds_status ds_replay_run(const struct ds_replay_params *in, ds_replay_progress_fn *progress, void *ud,
                             struct ds_replay_summary *out, struct ds_err *err) {
  struct ds_replay_params p = *in;
  struct replay r;
  memset(&r, 0, sizeof r);
  r.p = &p;
  r.progress = progress;
  r.ud = ud;
  r.t0 = r.last_report = ds_now_mono();
  char *owned[2] = {0};
  char *stored_sha = NULL, *stored_backend = NULL;
  enum ds_status st = DS_OK;
  if (out) memset(out, 0, sizeof *out);

  if (!p.db_path) return ds_fail(err, DS_E_INVALID, "no run database given");
  if (!p.resume && !p.corpus_path) return ds_fail(err, DS_E_INVALID, "no corpus given");
  if (!p.resume && !p.backend_spec) return ds_fail(err, DS_E_INVALID, "no backend given");
  if (p.resume && access(p.db_path, F_OK) != 0)
    return ds_fail(err, DS_E_NOTFOUND, "%s: no such run database", p.db_path);
  /* one writer per run: held until the end, by this process's every connection to it */
  if ((st = ds_store_lock(p.db_path, &r.lock, err))) return st;
  if (p.resume) {
    if ((st = ds_store_open(p.db_path, DS_STORE_WRITE | DS_STORE_NOLOCK, &r.store, err))) goto out;
    if ((st = read_params(&r, &p, owned, err))) goto out;
  } else {
    if (access(p.db_path, F_OK) == 0) {
      st = ds_fail(err, DS_E_INVALID, "%s exists; continue it with --resume or choose another file", p.db_path);
      goto out;
    }
    if (p.shard_count == 0 || p.shard_index >= p.shard_count) {
      st = ds_fail(err, DS_E_INVALID, "bad shard %u/%u", p.shard_index, p.shard_count);
      goto out;
    }
  }
  if (p.k == 0 || p.k > DS_REPLAY_MAX_K) {
    st = ds_fail(err, DS_E_INVALID, "K must be from 1 to %u, not %u", DS_REPLAY_MAX_K, p.k);
    goto out;
  }
  if (!p.resume) r.seed_scheme = 2;
  r.original = strcmp(p.backend_spec, DS_REPLAY_BACKEND_ORIGINAL) == 0;
  if (r.original && p.cut == DS_REPLAY_CUT_NEXT) {
    st = ds_fail(err, DS_E_INVALID, "--backend original replays the corpus's own answers; --cut next asks for a turn "
                 "the corpus does not have");
    goto out;
  }
  if ((p.cut == DS_REPLAY_CUT_NTH || p.cut == DS_REPLAY_CUT_RANDOM) && p.cut_n == 0) {
    st = ds_fail(err, DS_E_INVALID, "cut N and random:M need a number of at least 1");
    goto out;
  }
  if (p.emit_batch && (r.original || p.agentic)) {
    st = ds_fail(err, DS_E_INVALID, "--emit-batch writes the requests a model answers in one turn: not with %s",
                 r.original ? "--backend original" : "--agentic");
    goto out;
  }
  if (r.original && p.k != 1) {
    st = ds_fail(err, DS_E_INVALID, "--backend original gives exactly one sample per prefix (K=1), not %u", p.k);
    goto out;
  }
  r.k = p.k;
  r.seed = p.seed;
  if (!(r.events = json_array())) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  r.temperature = p.temperature;
  r.top_p = p.top_p;
  r.max_tokens = p.max_tokens;
  r.trim_front = p.trim_front;

  /* corpus identity: checked on resume while the corpus is still needed */
  char sha[65] = "";
  char *corpus_abs = NULL;
  if (!p.resume) {
    if ((st = ds_sha256_file(p.corpus_path, sha, err))) goto out;
    corpus_abs = realpath(p.corpus_path, NULL);
  }

  /* backend */
  const char *described = DS_REPLAY_BACKEND_ORIGINAL;
  if (!r.original) {
    struct ds_backend_params bp = p.backend;
    bp.spec = p.backend_spec;
    if (p.in_flight) { /* the command line's number wins over the spec's, and over adaptation */
      bp.max_in_flight = p.in_flight;
      bp.in_flight_fixed = true;
    }
    if (!bp.log.fn) bp.log = p.log;
    if ((st = ds_backend_open(&bp, &r.backend, err))) {
      free(corpus_abs);
      goto out;
    }
    described = ds_backend_describe(r.backend);
    r.capacity = ds_backend_capacity(r.backend);
    if (!r.capacity) r.capacity = 1;
    r.n_ctx = p.emit_batch ? 0 : ds_backend_context_length(r.backend); /* an emit sends nothing */
  }

  if ((st = open_agentic(&r, &p, err))) {
    free(corpus_abs);
    goto out;
  }

  if (!p.resume) {
    st = create_run(&r, p.db_path, corpus_abs ? corpus_abs : p.corpus_path, sha, described, err);
    free(corpus_abs);
    if (st) goto out;
  } else {
    stored_backend = meta_str(r.store, "backend");
    char *batch = meta_str(r.store, "batch");
    /* a run that wrote a batch file takes the batch's output in place of its model */
    r.batch_in = batch && !p.emit_batch && strncmp(p.backend_spec, "file:", 5) == 0;
    if (r.batch_in) {
      ds_logf(&p.log, DS_LOG_INFO, "answers from the batch output %s (the run's batch: %s)", p.backend_spec + 5, batch);
      st = ds_store_event(r.store, "batch_output", p.backend_spec + 5, err);
    }
    ds_free(batch);
    if (st) goto out;
    if (!r.batch_in && stored_backend && strcmp(stored_backend, described) != 0) {
      st = ds_fail(err, DS_E_MISMATCH, "%s: run used backend '%s'; '%s' is a different one", p.db_path, stored_backend,
                   described);
      goto out;
    }
    char *ctx = meta_str(r.store, "backend_context_length");
    if (ctx && r.backend && !p.emit_batch && (unsigned)strtoul(ctx, NULL, 10) != r.n_ctx)
      ds_logf(&p.log, DS_LOG_WARN, "the backend's context length changed from %s to %u since the run started", ctx, r.n_ctx);
    ds_free(ctx);
    if ((st = ds_store_event(r.store, p.retry_failed ? "replay_resumed_retry_failed" : "replay_resumed", NULL, err)))
      goto out;
  }
  r.db = ds_store_db(r.store);
  if (r.backend && !r.agentic && r.k > 1 && !p.emit_batch) {
    /* the K samples of a prefix share its prefill: one request with n = K, or K requests on
     * one slot with the server's prompt cache */
    char why[300], detail[400];
    r.share = ds_backend_prefill_share(r.backend, why, sizeof why);
    if (r.share == DS_SHARE_CHOICES && r.seed_scheme == 1) {
      r.share = DS_SHARE_CACHE;
      snprintf(why, sizeof why, "a run made before seeds were consecutive: the K samples of a prefix one after the "
               "other with the server's prompt cache");
    }
    json_t *d = json_pack("{s:s,s:s}", "mode", ds_prefill_share_name(r.share), "why", why);
    char *text = d ? ds_json_compact(d) : NULL;
    json_decref(d);
    snprintf(detail, sizeof detail, "%s", text ? text : "{}");
    ds_free(text);
    ds_logf(&p.log, DS_LOG_INFO, "prefill sharing: %s (%s)", ds_prefill_share_name(r.share), why);
    if ((st = ds_store_event(r.store, "prefill_sharing", detail, err))) goto out;
  }
  if (r.backend && !r.n_ctx && !p.emit_batch)
    ds_logf(&p.log, DS_LOG_INFO, "the backend does not report its context length; prefix lengths are not checked");

  /* phase 1: corpus -> prefixes (idempotent, resumes after the last committed batch) */
  char *load = meta_str(r.store, "corpus_load");
  bool loaded = load && strstr(load, "\"complete\":true");
  ds_free(load);
  if (!loaded) {
    if (p.resume) {
      stored_sha = meta_str(r.store, "corpus_sha256");
      if ((st = ds_sha256_file(p.corpus_path, sha, err))) goto out;
      if (!stored_sha || strcmp(stored_sha, sha) != 0) {
        st = ds_fail(err, DS_E_MISMATCH, "%s changed since the run started (SHA-256 %s, was %s)", p.corpus_path, sha,
                     stored_sha ? stored_sha : "?");
        goto out;
      }
    }
    /* a model backend without the agentic loop loads and commits on the writer thread while
     * the main thread samples; otherwise the whole corpus is loaded first */
    if (!(r.backend && !r.agentic && !p.sequential && !p.emit_batch) && (st = rp_load_corpus(&r, p.corpus_path, err)))
      goto out;
    loaded = loaded || p.sequential || p.emit_batch;
  }
  if (p.retry_failed && (st = retry_failed(&r, err))) goto out;
  if (p.emit_batch) { /* the requests go to a file instead of the model: the run stays pending */
    uint64_t n = 0;
    if ((st = rp_emit_batch(&r, &n, err))) goto out;
    ds_logf(&p.log, DS_LOG_INFO, "%llu requests written to %s", (unsigned long long)n, p.emit_batch);
    if (out) out->batch_emitted = n;
    goto out;
  }

  /* phase 2: samples, from the watermark on */
  r.low_pending = INT64_MAX;
  char *mark = meta_str(r.store, "replay_watermark");
  r.mark_stored = r.mark_next = r.cursor_id = mark ? strtoll(mark, NULL, 10) : 0;
  r.cursor_max = INT64_MAX;
  ds_free(mark);
  if (p.limit && (st = draw_limit(&r, p.limit, err))) goto out;
  if ((st = prepare_statements(&r, err)) || (st = count_totals(&r, err))) goto out;
  if (r.backend && !r.agentic && (st = rp_writer_start(&r, loaded ? NULL : p.corpus_path, err))) goto out;
  st = rp_sample_loop(&r, err);
  if (!st && r.batch_in && r.batch_missing && !r.batch_answered)
    st = ds_fail(err, DS_E_MISMATCH, "%s answers none of the %llu requests %s still has: not the output of this run's "
                 "batch", p.backend_spec + 5, (unsigned long long)r.batch_missing, p.db_path);

out:
  if (r.backend && r.events) {
    /* the level adaptive concurrency ended at, with the changes not yet written */
    struct ds_concurrency c;
    ds_backend_concurrency(r.backend, &c);
    if (c.adaptive) {
      json_t *d = json_pack("{s:i,s:i,s:I,s:s}", "level", (int)c.level, "max", (int)c.max, "changes",
                            (json_int_t)c.changes, "why", c.why);
      char *text = d ? ds_json_compact(d) : NULL;
      json_decref(d);
      if (text) json_array_append_new(r.events, json_pack("[s,s]", "in_flight_final", text));
      ds_free(text);
    }
  }
  /* requests still in flight are dropped: their samples stay pending for the next resume */
  if (r.backend) ds_backend_close(r.backend);
  r.backend = NULL;
  /* the writer finishes the group it holds (committed or not) before anything is freed */
  rp_writer_stop(&r);
  rp_done_release(r.done, r.n_done);
  ds_free(r.done);
  while (r.q_head) {
    struct rp_prefix *n = r.q_head->next_q;
    rp_prefix_free(r.q_head);
    r.q_head = n;
  }
  sqlite3_finalize(r.q_cursor);
  sqlite3_finalize(r.q_have);
  rp_sink_finalize(&r.sink);
  ds_free(r.cont);
  ds_free(r.ready);
  ds_toolsim_close(r.toolsim);
  ds_backend_close(r.simulator);
  if (r.store && (st == DS_OK || st == DS_E_CANCELLED)) {
    size_t ei;
    json_t *ev;
    json_array_foreach(r.events, ei, ev) {
      struct ds_err e2 = {0};
      (void)ds_store_event(r.store, json_string_value(json_array_get(ev, 0)), json_string_value(json_array_get(ev, 1)), &e2);
    }
    if (r.mark_next > r.mark_stored) { /* what the last group finished */
      struct ds_err e2 = {0};
      (void)meta_setf(r.store, "replay_watermark", &e2, "%lld", (long long)r.mark_next);
    }
    struct ds_replay_summary sum;
    struct ds_err e2 = {0};
    if (rp_summary_compute(r.store, &sum, &e2) == DS_OK) {
      sum.backend_calls = r.calls;
      sum.elapsed_s = ds_now_mono() - r.t0;
      sum.batch_emitted = out ? out->batch_emitted : 0;
      sum.batch_missing = r.batch_missing;
      rp_summary_store(r.store, &sum,
                       st != DS_OK ? "replay_cancelled" : p.emit_batch ? "replay_batch_emitted" : "replay_finished", NULL);
      if (out) *out = sum;
      else ds_replay_summary_release(&sum);
    } else if (st == DS_OK) {
      st = ds_fail(err, e2.code, "%s", e2.msg);
    }
  }
  r.pr.phase = "done";
  if (st == DS_OK) rp_report(&r, true);
  json_decref(r.events); /* after the events left in it are written above */
  ds_store_close(r.store);
  ds_store_unlock(r.lock);
  ds_free(owned[0]);
  ds_free(owned[1]);
  ds_free(stored_sha);
  ds_free(stored_backend);
  json_decref(r.agentic_meta);
  return st;
}

