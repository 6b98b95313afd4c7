/* replay.c: the replay stage: streams the corpus into prefixes (cut points, shard filter),
 * then generates K samples per pending prefix through a backend, committing each poll's
 * results in one transaction so that a killed run resumes with nothing lost or done twice. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/replay.h"
#include "depsim/store.h"
#include "depsim/toolsim.h"
#include "replay/agent.h"
#include "replay/replay_int.h"

#define LOAD_BATCH 2000       /* corpus records per loading transaction */
#define WRITER_LOAD_STEP 512  /* ... when the writer thread loads between commit groups */
#define LOAD_AHEAD 8192       /* ... and keeps at most this many loaded prefixes not yet taken */
#define LOAD_AHEAD_BYTES (32u << 20) /* ... holding at most about this many bytes */
#define LOAD_STEP_BYTES (8u << 20)   /* a loading step ends early past this many bytes handed over */
#define WAIT_WINDOWS 32       /* results in flight or waiting for their commit, in windows */
#define CURSOR_BATCH 1024     /* pending prefixes read per cursor step */
#define ORIGINAL_BATCH 512    /* "original" samples per commit */
#define MAX_LINE (256u << 20) /* longest corpus line accepted */

/* A pending prefix held in memory while its samples are generated. */
struct rp_prefix {
  int64_t id;
  char *key;
  char *messages_raw;           /* the stored messages text, sent as is; NULL once parsed and changed */
  json_t *messages;             /* parsed on demand (agentic, token counts, trimming), or NULL */
  json_t *tools, *original;
  unsigned *todo, n_todo, next; /* ks still to submit */
  unsigned outstanding;         /* submitted, not yet committed */
  unsigned unhanded;            /* submitted, not yet in a commit group */
  bool checked;                 /* context checked (and trimmed) */
  const char *skip_reason;      /* set when the prefix is skipped instead of sampled */
  long prompt_tokens;           /* -1 unknown */
  bool tokens_estimated;
  unsigned trimmed;
  bool trim_dirty;              /* messages changed by trimming: written at finalization */
  bool finalized;               /* its final status is in a commit group */
  size_t load_bytes;            /* handed over by loading: the memory it holds */
  unsigned n_stored, n_ok;      /* samples stored (any session) */
  unsigned fail_k;              /* lowest k of a failed sample (UINT_MAX: none) */
  char *fail_cause;             /* its cause */
  json_t *repo;                 /* agentic: the record's repository reference */
  json_t *record;               /* agentic: what the tool simulator sees of the record */
  struct agent **agents;        /* agentic: the running episode of each k (n_agents = K), or NULL */
  unsigned n_agents;
  struct rp_prefix *next_q;
};

/* An agentic episode whose next model turn waits to be submitted. */
struct rp_cont {
  struct rp_prefix *pf;
  unsigned k;
};

/* A finished request waiting for its commit. */
struct rp_done {
  struct rp_prefix *pf;
  unsigned k;
  int64_t seed;
  struct ds_result res;
  /* filled by group_prepare on the main thread, read by the write */
  int64_t pf_id;
  const char *cause, *error; /* cause NULL: the sample is ok */
  char cause_buf[32];
  const char *final_status;  /* non-NULL: this result completes its prefix */
  const char *final_reason;
  char *final_messages;      /* trimmed prefix messages (owned), or NULL */
  long prompt_tokens;
  bool tokens_estimated;
  unsigned trimmed;
};

/* A connection and the statements a commit group needs. */
struct rp_sink {
  struct ds_store *store;
  sqlite3 *db;
  sqlite3_stmt *q_insert, *q_final, *q_final_trim, *q_traj, *q_mark;
};

struct rp_loader;

/* The writer thread: commits one group at a time on its own connection. The main thread owns
 * every field except those under mu (job, finished, quit, st, err). */
struct rp_writer {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool sync_init, running;
  bool busy;                  /* a group was handed over and not yet collected */
  bool job, finished, quit;   /* under mu */
  enum ds_status st;          /* under mu: the group's outcome */
  struct ds_err err;          /* under mu */
  struct rp_sink sink;
  struct rp_done *done;       /* the group being written */
  size_t n_done, cap_done;
  int64_t mark;               /* the watermark the group writes (0: none) */
  char now[32];
  /* loading on this thread while the main thread samples (NULL: loaded before sampling) */
  struct rp_loader *loader;
  bool load_done, load_failed;  /* under mu */
  enum ds_status load_st;       /* under mu */
  struct ds_err load_err;       /* under mu */
  uint64_t loaded_lines, loaded_cuts; /* under mu: corpus lines read, cuts added this session */
  uint64_t load_steps;          /* under mu: bumped by every step (the main thread waits on it) */
  /* under mu: prefixes committed by loading steps and handed to the main thread, which takes
   * them from here instead of reading them back from the database */
  struct rp_prefix *loaded_head, *loaded_tail;
  size_t loaded_n, loaded_bytes;
};

struct replay {
  const struct ds_replay_params *p;
  struct ds_store *store;
  sqlite3 *db;
  struct ds_backend *backend; /* NULL for "original" */
  bool original;
  unsigned k;
  uint64_t seed;
  double temperature, top_p;
  int max_tokens;
  bool trim_front;
  unsigned n_ctx;
  bool warned_estimate;

  sqlite3_stmt *q_cursor, *q_have;
  struct rp_sink sink;    /* the main connection's write statements */
  struct rp_writer *writer; /* NULL: groups are committed on the main thread */
  bool loading;             /* the writer thread is still loading the corpus */
  bool writer_loads;        /* ... was at the start: past cursor_max, prefixes are handed over */
  uint64_t cuts_seen;       /* its loaded cuts already counted in samples_total */
  int64_t cursor_id;        /* the last pending prefix taken into the queue */
  int64_t cursor_max;       /* the cursor reads up to this id; later ones are handed over */
  bool cursor_read;         /* the cursor found everything up to cursor_max */
  bool cursor_done;         /* no pending prefix is left to take */
  /* meta.replay_watermark: every prefix with an id up to it has its final status committed.
   * The cursor of a resumed run starts there, so finding pending prefixes never reads the
   * finished part of the table (prefixes.status has no index: see store.c). */
  int64_t mark_stored;      /* in the database */
  int64_t mark_next;        /* true of what is committed; written with the next group */
  int64_t low_pending;      /* lowest id of a prefix let go while still pending (INT64_MAX) */
  struct rp_prefix *q_head, *q_tail; /* prefixes with work or outstanding samples */
  struct rp_prefix *q_work;          /* first prefix that may still have samples to submit */
  struct rp_done *done;
  size_t n_done, cap_done;
  double first_done_t; /* when the oldest uncommitted result arrived */
  unsigned capacity;

  /* progress */
  ds_replay_progress_fn *progress;
  void *ud;
  struct ds_replay_progress pr;
  double t0, last_report;
  uint64_t done_at_start, calls;

  /* agentic replay */
  bool agentic;
  struct ds_toolsim *toolsim;
  struct ds_backend *simulator;
  struct agent_limits lim;
  json_t *agentic_meta;
  struct rp_cont *cont;
  size_t n_cont, cap_cont;
};

/* ---------- seeds ---------- */

int64_t ds_replay_sample_seed(uint64_t run_seed, const char *key, unsigned k) {
  uint64_t base = ds_mix64(run_seed ^ ds_mix64(ds_hash64(key, strlen(key))));
  /* (base + k) mod 2^31 through a bijection of [0, 2^31): distinct k give distinct seeds */
  const uint64_t m = 0x7fffffffu;
  uint64_t x = (base + k) & m;
  x ^= x >> 15;
  x = (x * 0x2c1b3c6dULL) & m;
  x ^= x >> 12;
  x = (x * 0x297a2d39ULL) & m;
  x ^= x >> 15;
  return (int64_t)x;
}

/* ---------- small helpers ---------- */

enum ds_status rp_db_fail(sqlite3 *db, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", sqlite3_db_filename(db, "main"), what, sqlite3_errmsg(db));
}

static enum ds_status prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, struct ds_err *err) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
    return rp_db_fail(db, err, "preparing a statement");
  return DS_OK;
}

/* s must stay valid until the statement is stepped (every caller steps at once) */
static void bind_text_or_null(sqlite3_stmt *q, int i, const char *s) {
  if (s) sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
  else sqlite3_bind_null(q, i);
}

/* Binds a JSON value dumped canonically (sorted keys; NULL or JSON null -> SQL NULL). */
static enum ds_status bind_json(sqlite3_stmt *q, int i, const json_t *v) {
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

static void prefix_free(struct rp_prefix *pf) {
  if (!pf) return;
  ds_free(pf->key);
  ds_free(pf->messages_raw);
  json_decref(pf->messages);
  json_decref(pf->tools);
  json_decref(pf->original);
  json_decref(pf->repo);
  json_decref(pf->record);
  for (unsigned k = 0; k < pf->n_agents; k++) agent_free(pf->agents[k]);
  ds_free(pf->agents);
  ds_free(pf->todo);
  ds_free(pf->fail_cause);
  ds_free(pf);
}

static void prefix_list_free(struct rp_prefix *pf) {
  while (pf) {
    struct rp_prefix *n = pf->next_q;
    prefix_free(pf);
    pf = n;
  }
}

/* A pending prefix as the queue holds it: key "conv#cut", its stored messages text (kept
 * unless NULL), tools and repository parsed, and room for its K ks to do. NULL when out of
 * memory. */
static struct rp_prefix *prefix_new(int64_t id, const char *conv, int64_t cut, const char *messages, size_t messages_len,
                                    const char *tools, const char *repo, unsigned k) {
  struct rp_prefix *pf = ds_calloc(1, sizeof *pf);
  if (!pf) return NULL;
  pf->id = id;
  pf->prompt_tokens = -1;
  pf->fail_k = UINT_MAX;
  char num[24];
  int nl = snprintf(num, sizeof num, "#%lld", (long long)cut);
  size_t cl = strlen(conv);
  if ((pf->key = ds_malloc(cl + (size_t)nl + 1))) {
    memcpy(pf->key, conv, cl);
    memcpy(pf->key + cl, num, (size_t)nl + 1);
  }
  if (messages) pf->messages_raw = ds_strndup(messages, messages_len);
  pf->tools = tools ? json_loads(tools, 0, NULL) : NULL;
  pf->repo = repo ? json_loads(repo, 0, NULL) : NULL;
  pf->todo = ds_calloc(k ? k : 1, sizeof *pf->todo);
  if (!pf->key || (messages && !pf->messages_raw) || !pf->todo) {
    prefix_free(pf);
    return NULL;
  }
  return pf;
}

/* ---------- progress ---------- */

static void report(struct replay *r, bool force) {
  if (!r->progress) return;
  double now = ds_now_mono();
  if (!force && now - r->last_report < r->p->progress_interval_s) return;
  r->last_report = now;
  struct ds_replay_progress *pr = &r->pr;
  pr->elapsed_s = now - r->t0;
  pr->in_flight = r->backend ? ds_backend_in_flight(r->backend) : 0;
  uint64_t this_session = pr->samples_done - r->done_at_start;
  pr->samples_per_s = pr->elapsed_s > 0 ? (double)this_session / pr->elapsed_s : 0;
  pr->tokens_per_s = pr->elapsed_s > 0 ? (double)pr->completion_tokens / pr->elapsed_s : 0;
  uint64_t left = pr->samples_total > pr->samples_done ? pr->samples_total - pr->samples_done : 0;
  pr->corpus_loading = r->loading;
  pr->eta_s = r->loading ? -1 : pr->samples_per_s > 0 ? (double)left / pr->samples_per_s : (left ? -1 : 0);
  r->progress(r->ud, pr);
}

/* ---------- loading: corpus -> prefixes ---------- */

struct load_state {
  uint64_t line, records, cuts, no_cut, other_shard, duplicates;
};

/* A value's canonical text remembered from the record before: records repeat segments,
 * tools and repositories. */
struct rp_memo {
  struct ds_buf raw;
  char *canon;
};

/* Loads the corpus in steps, each one transaction on its connection: on the main thread
 * before sampling, or on the writer thread between commit groups while the main thread
 * samples what is already loaded. */
struct rp_loader {
  const struct ds_replay_params *p;
  struct ds_store *store;
  sqlite3 *db;
  sqlite3_stmt *q;
  const char *path;
  struct ds_lines *lines;
  struct load_state ls;
  uint64_t start_cuts; /* cuts loaded by earlier sessions */
  bool complete;
  struct ds_buf scratch, prefix, original, id, time; /* reused per record */
  unsigned char *roles;       /* per message of the record: ROLE_* */
  struct ds_str *spans;       /* ... and its text (load_walk) */
  size_t cap_msgs;
  struct rp_memo memo[3];     /* segment, tools, repo */
  char *owned[3];             /* ... canonical texts of load_tree */
  /* on the writer thread: the step's new prefixes, handed over once it commits */
  bool hand_over;
  unsigned k;
  struct rp_prefix *step_head, *step_tail;
  size_t step_n, step_bytes;
};

static void load_state_parse(const char *s, struct load_state *ls) {
  memset(ls, 0, sizeof *ls);
  json_t *j = s ? json_loads(s, 0, NULL) : NULL;
  if (!j) return;
  ls->line = (uint64_t)ds_json_num(j, "line", 0);
  ls->records = (uint64_t)ds_json_num(j, "records", 0);
  ls->cuts = (uint64_t)ds_json_num(j, "cuts", 0);
  ls->no_cut = (uint64_t)ds_json_num(j, "no_cut", 0);
  ls->other_shard = (uint64_t)ds_json_num(j, "other_shard", 0);
  ls->duplicates = (uint64_t)ds_json_num(j, "duplicates", 0);
  json_decref(j);
}

static enum ds_status load_state_save(struct rp_loader *ld, bool complete, struct ds_err *err) {
  const struct load_state *ls = &ld->ls;
  char buf[256];
  snprintf(buf, sizeof buf,
           "{\"line\":%llu,\"records\":%llu,\"cuts\":%llu,\"no_cut\":%llu,\"other_shard\":%llu,"
           "\"duplicates\":%llu,\"complete\":%s}",
           (unsigned long long)ls->line, (unsigned long long)ls->records, (unsigned long long)ls->cuts,
           (unsigned long long)ls->no_cut, (unsigned long long)ls->other_shard,
           (unsigned long long)ls->duplicates, complete ? "true" : "false");
  return ds_store_meta_set(ld->store, "corpus_load", buf, err);
}

/* What loading needs of a corpus record, read by the walk (load_walk) or, for records it
 * gives up on, from the parsed record (load_tree). Texts are compact JSON. */
enum { ROLE_OTHER, ROLE_USER, ROLE_TOOL, ROLE_ASSISTANT };
struct rp_record {
  const char *id;                     /* NUL-terminated */
  double weight;
  const char *time;                   /* or NULL */
  const char *segment, *tools, *repo; /* canonical JSON, or NULL */
  size_t n_msgs;                      /* roles, and spans (walk) or msgs (tree), hold them */
  const json_t *msgs;
};

static unsigned char role_of(const char *s, size_t n) {
  if (n == 4 && memcmp(s, "user", 4) == 0) return ROLE_USER;
  if (n == 4 && memcmp(s, "tool", 4) == 0) return ROLE_TOOL;
  if (n == 9 && memcmp(s, "assistant", 9) == 0) return ROLE_ASSISTANT;
  return ROLE_OTHER;
}

/* Message i is a cut: an assistant turn after a user or tool turn. */
static bool is_cut(const unsigned char *roles, size_t i) {
  if (roles[i] != ROLE_ASSISTANT) return false;
  for (size_t j = 0; j < i; j++)
    if (roles[j] == ROLE_USER || roles[j] == ROLE_TOOL) return true;
  return false;
}

/* Appends message j of the record as compact JSON. */
static bool put_message(struct rp_loader *ld, const struct rp_record *rc, size_t j, struct ds_buf *out) {
  if (rc->msgs) return ds_json_write_compact(json_array_get(rc->msgs, j), out) == DS_OK;
  return ds_json_copy(ld->spans[j], 2, out, &ld->scratch);
}

static enum ds_status insert_prefix(struct rp_loader *ld, const struct rp_record *rc, size_t cut, struct ds_err *err) {
  sqlite3_stmt *q = ld->q;
  /* the prefix and the original as compact JSON (what json_dumps writes, faster) */
  ds_buf_reset(&ld->prefix);
  ds_buf_reset(&ld->original);
  bool ok = !ds_buf_putc(&ld->prefix, '[');
  for (size_t j = 0; j < cut && ok; j++) ok = !(j && ds_buf_putc(&ld->prefix, ',')) && put_message(ld, rc, j, &ld->prefix);
  if (!ok || ds_buf_putc(&ld->prefix, ']') || !put_message(ld, rc, cut, &ld->original))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  sqlite3_reset(q);
  sqlite3_bind_text(q, 1, rc->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q, 2, (sqlite3_int64)cut);
  sqlite3_bind_text(q, 3, rc->segment ? rc->segment : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_double(q, 4, rc->weight);
  bind_text_or_null(q, 5, rc->time);
  sqlite3_bind_text(q, 6, ld->prefix.data, (int)ld->prefix.len, SQLITE_STATIC);
  bind_text_or_null(q, 7, rc->tools);
  sqlite3_bind_text(q, 8, ld->original.data, (int)ld->original.len, SQLITE_STATIC);
  bind_text_or_null(q, 9, rc->repo);
  if (sqlite3_step(q) != SQLITE_DONE) return rp_db_fail(ld->db, err, "inserting a prefix");
  if (sqlite3_changes(ld->db) == 0) {
    ld->ls.duplicates++;
    ds_logf(&ld->p->log, DS_LOG_WARN, "%s:%llu: conversation '%s' cut %zu already loaded (duplicate id); counted as duplicate",
            ld->path, (unsigned long long)ld->ls.line, rc->id, cut);
    return DS_OK;
  }
  ld->ls.cuts++;
  if (ld->hand_over) {
    struct rp_prefix *pf = prefix_new(sqlite3_last_insert_rowid(ld->db), rc->id, (int64_t)cut, ld->prefix.data,
                                      ld->prefix.len, rc->tools, rc->repo, ld->k);
    if (!pf) return ds_fail(err, DS_E_NOMEM, "out of memory");
    if (ld->step_tail) ld->step_tail->next_q = pf;
    else ld->step_head = pf;
    ld->step_tail = pf;
    ld->step_n++;
    pf->load_bytes = sizeof *pf + ld->prefix.len + strlen(pf->key) + (rc->tools ? strlen(rc->tools) : 0) +
                     (rc->repo ? strlen(rc->repo) : 0);
    ld->step_bytes += pf->load_bytes;
  }
  return DS_OK;
}

/* Room for the roles (and spans) of n messages. */
static bool reserve_messages(struct rp_loader *ld, size_t n) {
  if (n <= ld->cap_msgs) return true;
  size_t cap = ld->cap_msgs ? ld->cap_msgs * 2 : 64;
  while (cap < n) cap *= 2;
  unsigned char *roles = ds_realloc(ld->roles, cap);
  if (roles) ld->roles = roles;
  struct ds_str *spans = roles ? ds_realloc(ld->spans, cap * sizeof *spans) : NULL;
  if (spans) ld->spans = spans;
  if (!spans) return false;
  ld->cap_msgs = cap;
  return true;
}

/* Copies a decoded string into buf, NUL-terminated. */
static bool keep_string(struct ds_buf *buf, struct ds_str s) {
  ds_buf_reset(buf);
  return !ds_buf_add(buf, s.p, s.len);
}

/* The canonical text of a value of the wanted type ('{' object, '[' array), NULL for any
 * other value. False when out of memory. */
static bool memo_canonical(struct rp_loader *ld, struct rp_memo *m, struct ds_str v, char want, const char **out) {
  *out = NULL;
  if (!v.p || v.p[0] != want) return true;
  if (m->canon && m->raw.len == v.len && memcmp(m->raw.data, v.p, v.len) == 0) {
    *out = m->canon;
    return true;
  }
  ds_free(m->canon);
  m->canon = NULL;
  json_t *j = ds_json_parse_fast(v.p, v.len, 0, true, &ld->scratch);
  m->canon = j ? ds_json_canonical(j) : NULL;
  json_decref(j);
  if (!m->canon || !keep_string(&m->raw, v)) return false;
  *out = m->canon;
  return true;
}

/* The messages array at w->p: each one's role and text. False to give up on the record. */
static bool walk_messages(struct rp_loader *ld, struct ds_json_walk *top, size_t *n_msgs) {
  struct ds_json_walk arr, m;
  if (!ds_json_walk_open(&arr, top->p, top->end, 2, &ld->scratch) || arr.close != ']') return false;
  size_t n = 0;
  int r;
  while ((r = ds_json_walk_next(&arr, NULL)) > 0) {
    if (!ds_json_walk_open(&m, arr.p, arr.end, 3, &ld->scratch) || m.close != '}' || !reserve_messages(ld, n + 1))
      return false;
    const char *start = m.p - 1;
    unsigned char role = ROLE_OTHER;
    struct ds_str key, s;
    int rm;
    while ((rm = ds_json_walk_next(&m, &key)) > 0) {
      if (key.len == 4 && memcmp(key.p, "role", 4) == 0 && ds_json_walk_string(&m, &s)) role = role_of(s.p, s.len);
      else if (!ds_json_walk_value(&m, NULL, NULL)) return false;
    }
    if (rm < 0) return false;
    ld->roles[n] = role;
    ld->spans[n++] = (struct ds_str){start, (size_t)(m.p - start)};
    arr.p = m.p;
  }
  top->p = arr.p;
  *n_msgs = n;
  return r == 0;
}

#define KEY_IS(k, lit) ((k).len == sizeof(lit) - 1 && memcmp((k).p, lit, sizeof(lit) - 1) == 0)

/* Reads a record without parsing it into values: the common case. False to give up on it
 * (invalid, unusual or not a valid record): load_tree then decides, and explains errors. */
static bool load_walk(struct rp_loader *ld, struct ds_str line, struct rp_record *rc) {
  struct ds_json_walk top;
  if (!ds_json_walk_open(&top, line.p, line.p + line.len, 1, &ld->scratch) || top.close != '}') return false;
  memset(rc, 0, sizeof *rc);
  rc->weight = 1.0;
  bool have_id = false, have_msgs = false;
  struct ds_str key, s, v, seg = {0}, tools = {0}, repo = {0};
  int r;
  while ((r = ds_json_walk_next(&top, &key)) > 0) {
    if (KEY_IS(key, "id") || KEY_IS(key, "time")) {
      bool id = key.p[0] == 'i';
      if (ds_json_walk_string(&top, &s)) {
        if (!keep_string(id ? &ld->id : &ld->time, s)) return false;
        if (id) have_id = true;
        else rc->time = ld->time.data ? ld->time.data : "";
        continue;
      }
      if (id) return false; /* not a string: load_tree reports it */
    } else if (KEY_IS(key, "messages")) {
      if (!walk_messages(ld, &top, &rc->n_msgs)) return false;
      have_msgs = true;
      continue;
    }
    if (!ds_json_walk_value(&top, NULL, &v)) return false;
    if (KEY_IS(key, "segment")) seg = v;
    else if (KEY_IS(key, "tools")) tools = v;
    else if (KEY_IS(key, "repo")) repo = v;
    else if (KEY_IS(key, "weight") && (v.p[0] == '-' || (v.p[0] >= '0' && v.p[0] <= '9'))) rc->weight = strtod(v.p, NULL);
  }
  const char *end = top.p;
  while (end < top.end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
  if (r < 0 || end != top.end || !have_id || !ld->id.len || !have_msgs) return false;
  rc->id = ld->id.data;
  return memo_canonical(ld, &ld->memo[0], seg, '{', &rc->segment) && memo_canonical(ld, &ld->memo[1], tools, '[', &rc->tools) &&
         memo_canonical(ld, &ld->memo[2], repo, '{', &rc->repo);
}

/* Reads a record the walk gave up on, from its parsed values: the reference the walk
 * matches, and the errors' wording. *rec is the parsed record (to free). */
static enum ds_status load_tree(struct rp_loader *ld, struct ds_str line, struct rp_record *rc, json_t **rec,
                                struct ds_err *err) {
  json_error_t je;
  unsigned long long ln = (unsigned long long)ld->ls.line;
  *rec = ds_json_parse_fast(line.p, line.len, 0, true, &ld->scratch);
  if (!*rec) *rec = json_loadb(line.p, line.len, JSON_REJECT_DUPLICATES, &je); /* and its error */
  if (!*rec) return ds_fail(err, DS_E_PARSE, "%s:%llu: invalid JSON: %s", ld->path, ln, je.text);
  const char *id = ds_json_str(*rec, "id", NULL);
  const json_t *msgs = json_object_get(*rec, "messages");
  if (!json_is_object(*rec) || !id || !*id) return ds_fail(err, DS_E_INVALID, "%s:%llu: record has no string \"id\"", ld->path, ln);
  if (!json_is_array(msgs))
    return ds_fail(err, DS_E_INVALID, "%s:%llu: record '%s' has no \"messages\" array", ld->path, ln, id);
  size_t n = json_array_size(msgs);
  if (!reserve_messages(ld, n)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const json_t *m = json_array_get(msgs, i), *role = json_object_get(m, "role");
    if (!json_is_object(m))
      return ds_fail(err, DS_E_INVALID, "%s:%llu: record '%s' message %zu is not an object", ld->path, ln, id, i);
    ld->roles[i] = json_is_string(role) ? role_of(json_string_value(role), json_string_length(role)) : ROLE_OTHER;
  }
  const json_t *seg = json_object_get(*rec, "segment"), *w = json_object_get(*rec, "weight");
  const json_t *tools = json_object_get(*rec, "tools"), *repo = json_object_get(*rec, "repo");
  memset(rc, 0, sizeof *rc);
  rc->id = id;
  rc->msgs = msgs;
  rc->n_msgs = n;
  rc->weight = json_is_number(w) ? json_number_value(w) : 1.0;
  rc->time = ds_json_str(*rec, "time", NULL);
  for (int i = 0; i < 3; i++) {
    ds_free(ld->owned[i]);
    ld->owned[i] = NULL;
  }
  if ((json_is_object(seg) && !(rc->segment = ld->owned[0] = ds_json_canonical(seg))) ||
      (json_is_array(tools) && !(rc->tools = ld->owned[1] = ds_json_canonical(tools))) ||
      (json_is_object(repo) && !(rc->repo = ld->owned[2] = ds_json_canonical(repo))))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static enum ds_status load_record(struct rp_loader *ld, struct ds_str line, struct ds_err *err) {
  enum ds_status st = DS_OK;
  const struct ds_replay_params *p = ld->p;
  struct rp_record rc;
  json_t *rec = NULL;
  if (!load_walk(ld, line, &rc) && (st = load_tree(ld, line, &rc, &rec, err))) goto out;
  ld->ls.records++;
  if (p->shard_count > 1 && ds_hash64(rc.id, strlen(rc.id)) % p->shard_count != p->shard_index) {
    ld->ls.other_shard++;
    goto out;
  }
  size_t n = rc.n_msgs, n_cuts = 0;
  if (p->cut == DS_REPLAY_CUT_LAST) {
    for (size_t i = n; i-- > 0;)
      if (is_cut(ld->roles, i)) {
        if ((st = insert_prefix(ld, &rc, i, err))) goto out;
        n_cuts++;
        break;
      }
  } else {
    for (size_t i = 0; i < n; i++)
      if (is_cut(ld->roles, i)) {
        if ((st = insert_prefix(ld, &rc, i, err))) goto out;
        n_cuts++;
      }
  }
  if (!n_cuts) ld->ls.no_cut++;
out:
  json_decref(rec);
  return st;
}

static void loader_close(struct rp_loader *ld) {
  if (!ld) return;
  ds_buf_release(&ld->scratch);
  ds_buf_release(&ld->prefix);
  ds_buf_release(&ld->original);
  ds_buf_release(&ld->id);
  ds_buf_release(&ld->time);
  prefix_list_free(ld->step_head);
  ds_free(ld->roles);
  ds_free(ld->spans);
  for (int i = 0; i < 3; i++) {
    ds_buf_release(&ld->memo[i].raw);
    ds_free(ld->memo[i].canon);
    ds_free(ld->owned[i]);
  }
  sqlite3_finalize(ld->q);
  ds_lines_free(ld->lines);
  ds_free(ld);
}

/* A loader on store's connection, positioned after the last committed step; complete
 * already when an earlier session loaded everything. */
static enum ds_status loader_open(const struct ds_replay_params *p, struct ds_store *store, const char *path,
                                  struct rp_loader **out, struct ds_err *err) {
  struct rp_loader *ld = ds_calloc(1, sizeof *ld);
  if (!ld) return ds_fail(err, DS_E_NOMEM, "out of memory");
  ld->p = p;
  ld->store = store;
  ld->db = ds_store_db(store);
  ld->path = path;
  ds_buf_init(&ld->scratch, 0);
  ds_buf_init(&ld->prefix, 0);
  ds_buf_init(&ld->original, 0);
  ds_buf_init(&ld->id, 0);
  ds_buf_init(&ld->time, 0);
  for (int i = 0; i < 3; i++) ds_buf_init(&ld->memo[i].raw, 0);
  char *state = NULL;
  ds_store_meta_get(store, "corpus_load", &state, NULL);
  ld->complete = state && strstr(state, "\"complete\":true");
  load_state_parse(state, &ld->ls);
  ds_free(state);
  ld->start_cuts = ld->ls.cuts;
  enum ds_status st = DS_OK;
  if (!ld->complete &&
      ((st = ds_store_exec(store, "PRAGMA ignore_check_constraints=ON;", err)) || /* see prepare_sink */
       (st = ds_lines_open(path, MAX_LINE, &ld->lines, err)) ||
       (st = prep(ld->db,
                  "INSERT INTO prefixes(conv_id,cut_index,segment,weight,time,messages,tools,original,repo)"
                  " VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(conv_id,cut_index) DO NOTHING",
                  &ld->q, err)))) {
    loader_close(ld);
    return st;
  }
  /* skip what earlier sessions committed */
  for (uint64_t skip = ld->ls.line; !ld->complete && skip > 0; skip--) {
    struct ds_str line;
    bool too_long = false;
    st = ds_lines_next(ld->lines, &line, &too_long, err);
    if (st == DS_E_NOTFOUND) break;
    if (st) {
      loader_close(ld);
      return st;
    }
  }
  *out = ld;
  return DS_OK;
}

/* Loads up to max_lines more lines in one transaction (fewer once the prefixes to hand over
 * pass LOAD_STEP_BYTES); sets ld->complete at the end. */
static enum ds_status loader_step(struct rp_loader *ld, unsigned max_lines, struct ds_err *err) {
  if (ld->complete) return DS_OK;
  enum ds_status st = ds_store_begin(ld->store, err);
  if (st) return st;
  for (unsigned n = 0; n < max_lines;) {
    struct ds_str line;
    bool too_long = false;
    st = ds_lines_next(ld->lines, &line, &too_long, err);
    if (st == DS_E_NOTFOUND) {
      st = DS_OK;
      ld->complete = true;
      break;
    }
    if (st) goto out;
    ld->ls.line = ds_lines_lineno(ld->lines);
    if (too_long) {
      st = ds_fail(err, DS_E_LIMIT, "%s:%llu: line longer than %u bytes", ld->path, (unsigned long long)ld->ls.line,
                   MAX_LINE);
      goto out;
    }
    size_t k = 0;
    while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t')) k++;
    if (k == line.len) continue; /* blank line */
    if ((st = load_record(ld, line, err))) goto out;
    n++;
    if (ld->step_bytes >= LOAD_STEP_BYTES) break;
  }
  if ((st = load_state_save(ld, ld->complete, err))) goto out;
  st = ds_store_commit(ld->store, err);
  if (!st && ld->complete)
    ds_logf(&ld->p->log, DS_LOG_INFO, "corpus: %llu records, %llu prefixes, %llu without a cut point, %llu in other shards, %llu duplicates",
            (unsigned long long)ld->ls.records, (unsigned long long)ld->ls.cuts, (unsigned long long)ld->ls.no_cut,
            (unsigned long long)ld->ls.other_shard, (unsigned long long)ld->ls.duplicates);
out:
  if (st) {
    ds_store_rollback(ld->store);
    ld->complete = false;
    prefix_list_free(ld->step_head); /* never committed: nothing to hand over */
    ld->step_head = ld->step_tail = NULL;
    ld->step_n = ld->step_bytes = 0;
  }
  return st;
}

/* The whole corpus on the calling thread (before sampling). */
static enum ds_status load_corpus(struct replay *r, const char *path, struct ds_err *err) {
  struct rp_loader *ld = NULL;
  enum ds_status st = loader_open(r->p, r->store, path, &ld, err);
  if (st) return st;
  r->pr.phase = "loading";
  while (!st && !ld->complete) {
    if ((st = loader_step(ld, LOAD_BATCH, err))) break;
    r->pr.corpus_lines = ld->ls.line;
    report(r, false);
    if (!ld->complete && r->p->cancel && *r->p->cancel) st = ds_fail(err, DS_E_CANCELLED, "cancelled while loading the corpus");
  }
  loader_close(ld);
  return st;
}

/* ---------- context length ---------- */

/* The prefix's messages, parsed on first use (NULL when the stored text is not an array). */
static json_t *prefix_messages(struct rp_prefix *pf) {
  if (!pf->messages && pf->messages_raw) {
    pf->messages = json_loads(pf->messages_raw, 0, NULL);
    if (!json_is_array(pf->messages)) {
      json_decref(pf->messages);
      pf->messages = NULL;
    }
  }
  return pf->messages;
}

/* Compact JSON bytes of the prefix's messages and tools (the stored text is compact JSON). */
static size_t json_bytes(struct rp_prefix *pf) {
  char *a = pf->messages_raw ? NULL : ds_json_compact(pf->messages);
  char *b = pf->tools ? ds_json_compact(pf->tools) : NULL;
  size_t n = (pf->messages_raw ? strlen(pf->messages_raw) : a ? strlen(a) : 0) + (b ? strlen(b) : 0);
  ds_free(a);
  ds_free(b);
  return n;
}

/* conservative: JSON bytes (syntax included) / 3.5, rounded up */
static unsigned estimate_tokens(struct rp_prefix *pf) { return (unsigned)ceil((double)json_bytes(pf) / 3.5); }

static long count_tokens(struct replay *r, struct rp_prefix *pf) {
  unsigned n = 0;
  struct ds_err e = {0};
  enum ds_status st = prefix_messages(pf) ? ds_backend_count_tokens(r->backend, pf->messages, pf->tools, &n, &e)
                                          : ds_fail(&e, DS_E_INVALID, "stored messages are not a JSON array");
  if (st == DS_OK) {
    pf->tokens_estimated = false;
    return (long)n;
  }
  if (!r->warned_estimate) {
    r->warned_estimate = true;
    ds_logf(&r->p->log, DS_LOG_WARN, "the backend cannot count tokens (%s); estimating conservatively as bytes/3.5",
            st == DS_E_UNSUPPORTED ? "unsupported" : e.msg);
  }
  pf->tokens_estimated = true;
  return (long)estimate_tokens(pf);
}

/* Drops the oldest non-system message, then any non-system messages before the first user
 * message, so the conversation still starts with a user turn. False when nothing is left. */
static bool trim_one(json_t *msgs, unsigned *dropped) {
  size_t n = json_array_size(msgs);
  bool removed = false;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(ds_json_str(json_array_get(msgs, i), "role", ""), "system") != 0) {
      json_array_remove(msgs, i);
      (*dropped)++;
      removed = true;
      break;
    }
  }
  if (!removed) return false;
  for (size_t i = 0; i < json_array_size(msgs);) {
    const char *role = ds_json_str(json_array_get(msgs, i), "role", "");
    if (strcmp(role, "system") == 0) {
      i++;
      continue;
    }
    if (strcmp(role, "user") == 0) return true;
    json_array_remove(msgs, i);
    (*dropped)++;
  }
  return false;
}

/* Decides whether pf fits the context: sets pf->skip_reason or trims pf->messages. */
static void check_context(struct replay *r, struct rp_prefix *pf) {
  pf->checked = true;
  if (!r->backend || !r->n_ctx) return;
  unsigned reserve = r->max_tokens > 0 ? (unsigned)r->max_tokens : 0;
  /* A token covers at least one byte and the compact JSON of the messages is longer than
   * their templated text, so a prefix whose JSON fits needs no (network) token count. */
  if (json_bytes(pf) + reserve <= r->n_ctx) return;
  long need = count_tokens(r, pf);
  pf->prompt_tokens = need;
  if (need + (long)reserve <= (long)r->n_ctx) return;
  if (!r->trim_front) {
    pf->skip_reason = "context_exceeded";
    return;
  }
  while (need + (long)reserve > (long)r->n_ctx) {
    if (!prefix_messages(pf) || !trim_one(pf->messages, &pf->trimmed)) {
      pf->skip_reason = "context_exceeded";
      return;
    }
    pf->trim_dirty = true;
    ds_free(pf->messages_raw); /* stale: the parsed messages are sent from now on */
    pf->messages_raw = NULL;
    need = count_tokens(r, pf);
    pf->prompt_tokens = need;
  }
}

/* ---------- the work queue ---------- */

static enum ds_status push_done(struct replay *r, struct rp_prefix *pf, unsigned k, int64_t seed,
                                struct ds_result *res);
static enum ds_status writer_load_progress(struct replay *r, struct ds_err *err);
static unsigned take_loaded(struct replay *r, unsigned max, struct rp_prefix **first, struct rp_prefix **last, bool *all);

/* Reads the next batch of pending prefixes after the cursor, up to cursor_max. */
static enum ds_status read_cursor(struct replay *r, struct rp_prefix **out_first, struct rp_prefix **out_last,
                                  unsigned *got, struct ds_err *err) {
  sqlite3_stmt *q = r->q_cursor;
  enum ds_status st = DS_OK;
  int rc;
  sqlite3_reset(q);
  sqlite3_bind_int64(q, 1, r->cursor_id);
  sqlite3_bind_int64(q, 2, r->cursor_max);
  sqlite3_bind_int(q, 3, CURSOR_BATCH);
  struct rp_prefix *first = NULL, *last = NULL;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    ++*got;
    const char *conv = (const char *)sqlite3_column_text(q, 1);
    const char *ms = (const char *)sqlite3_column_text(q, 3);
    const char *ts = (const char *)sqlite3_column_text(q, 4);
    const char *os = (const char *)sqlite3_column_text(q, 5);
    const char *rs = (const char *)sqlite3_column_text(q, 7);
    /* the original only for the "original" backend, the prefix only for a model (its text,
     * parsed only when something needs its structure) */
    struct rp_prefix *pf = prefix_new(sqlite3_column_int64(q, 0), conv ? conv : "", sqlite3_column_int64(q, 2),
                                      r->original ? NULL : ms, ms ? (size_t)sqlite3_column_bytes(q, 3) : 0,
                                      r->original ? NULL : ts, rs, r->k);
    if (!pf) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
    r->cursor_id = pf->id;
    if (!ms || r->original) pf->messages = json_array();
    else if (r->agentic) prefix_messages(pf);
    pf->original = os && r->original ? json_loads(os, 0, NULL) : NULL;
    pf->trimmed = (unsigned)sqlite3_column_int(q, 6);
    if (last) last->next_q = pf;
    else first = pf;
    last = pf;
    if (!pf->messages && (r->agentic || !pf->messages_raw || pf->messages_raw[0] != '[')) {
      st = ds_fail(err, DS_E_INVALID, "prefix %lld: stored messages are not a JSON array", (long long)pf->id);
      break;
    }
  }
  if (!st && rc != SQLITE_DONE && rc != SQLITE_ROW) st = rp_db_fail(r->db, err, "reading pending prefixes");
  sqlite3_reset(q);
  if (!st && *got < CURSOR_BATCH) r->cursor_read = true;
  /* which samples each prefix already has: one range query per batch, merged with the list */
  if (!st && first) {
    sqlite3_reset(r->q_have);
    sqlite3_bind_int64(r->q_have, 1, first->id);
    sqlite3_bind_int64(r->q_have, 2, last->id);
    struct rp_prefix *pf = first;
    while ((rc = sqlite3_step(r->q_have)) == SQLITE_ROW) {
      int64_t id = sqlite3_column_int64(r->q_have, 0), k = sqlite3_column_int64(r->q_have, 1);
      while (pf && pf->id < id) pf = pf->next_q;
      if (!pf || pf->id != id || k < 0 || k >= (int64_t)r->k) continue;
      pf->todo[k] = 1; /* marks k stored; turned into the list of ks to do by load_pending */
      pf->n_stored++;
      if (strcmp((const char *)sqlite3_column_text(r->q_have, 2), "ok") == 0) {
        pf->n_ok++;
      } else if ((unsigned)k < pf->fail_k) {
        const char *c = (const char *)sqlite3_column_text(r->q_have, 3);
        pf->fail_k = (unsigned)k;
        ds_free(pf->fail_cause);
        pf->fail_cause = ds_strdup(c ? c : "unknown");
      }
    }
    if (rc != SQLITE_DONE) st = rp_db_fail(r->db, err, "reading stored samples");
    sqlite3_reset(r->q_have);
  }
  *out_first = first;
  *out_last = last;
  return st;
}

/* Takes the next pending prefixes into the queue: from the database up to cursor_max, then
 * (while the writer loads the corpus) those loading hands over. DS_E_LIMIT when none is
 * there yet. */
static enum ds_status load_pending(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  unsigned got = 0;
  if ((st = writer_load_progress(r, err))) return st;
  struct rp_prefix *first = NULL, *last = NULL;
  if (!r->cursor_read) {
    st = read_cursor(r, &first, &last, &got, err);
    if (!st && r->cursor_read && !r->writer_loads) r->cursor_done = true;
  } else {
    bool all = false;
    got = take_loaded(r, CURSOR_BATCH, &first, &last, &all);
    if (last) r->cursor_id = last->id;
    if (all) r->cursor_done = true;
    else if (!got) return DS_E_LIMIT; /* nothing loaded beyond the cursor yet: later */
  }
  if (st) {
    prefix_list_free(first);
    return st;
  }
  for (struct rp_prefix *pf = first; pf; pf = pf->next_q) {
    unsigned n = 0;
    for (unsigned k = 0; k < r->k; k++)
      if (!pf->todo[k]) pf->todo[n++] = k;
    pf->n_todo = n;
    for (unsigned k = n; k < r->k; k++) pf->todo[k] = 0;
  }
  if (first) {
    if (r->q_tail) r->q_tail->next_q = first;
    else r->q_head = first;
    r->q_tail = last;
    if (!r->q_work) r->q_work = first;
  }
  /* a prefix with all K samples stored but still pending (killed between the two) is
   * finalized with the next commit */
  for (struct rp_prefix *pf = first; pf; pf = pf->next_q) {
    if (pf->n_todo == 0) {
      pf->checked = true;
      if (push_done(r, pf, UINT_MAX, 0, NULL)) return ds_fail(err, DS_E_NOMEM, "out of memory");
      pf->outstanding++;
      pf->unhanded++;
    }
  }
  return DS_OK;
}

static enum ds_status push_done(struct replay *r, struct rp_prefix *pf, unsigned k, int64_t seed,
                                struct ds_result *res) {
  if (r->n_done == r->cap_done) {
    size_t cap = r->cap_done ? r->cap_done * 2 : 64;
    struct rp_done *d = ds_realloc(r->done, cap * sizeof *d);
    if (!d) return DS_E_NOMEM;
    r->done = d;
    r->cap_done = cap;
  }
  if (r->n_done == 0) r->first_done_t = ds_now_mono();
  struct rp_done *d = &r->done[r->n_done++];
  memset(d, 0, sizeof *d);
  d->pf = pf;
  d->k = k;
  d->seed = seed;
  if (res) ds_result_move(&d->res, res);
  return DS_OK;
}

/* ---------- agentic episodes ---------- */

/* What the tool simulator sees of a prefix's record: its id, repository, tools and the
 * conversation up to and including the original turn (the recorded rollout). */
static json_t *agent_record(const struct rp_prefix *pf) {
  const char *hash = strrchr(pf->key, '#');
  json_t *rec = json_object();
  if (!rec) return NULL;
  json_object_set_new(rec, "id", json_stringn(pf->key, hash ? (size_t)(hash - pf->key) : strlen(pf->key)));
  if (pf->repo) json_object_set(rec, "repo", pf->repo);
  if (pf->tools) json_object_set(rec, "tools", pf->tools);
  json_t *msgs = json_deep_copy(pf->messages);
  if (msgs && pf->original) json_array_append(msgs, pf->original);
  json_object_set_new(rec, "messages", msgs ? msgs : json_array());
  return rec;
}

static bool push_cont(struct replay *r, struct rp_prefix *pf, unsigned k) {
  if (r->n_cont == r->cap_cont) {
    size_t cap = r->cap_cont ? r->cap_cont * 2 : 16;
    struct rp_cont *v = ds_realloc(r->cont, cap * sizeof *v);
    if (!v) return false;
    r->cont = v;
    r->cap_cont = cap;
  }
  r->cont[r->n_cont++] = (struct rp_cont){pf, k};
  return true;
}

/* Feeds a model turn to the sample's episode. True when the episode goes on (the next turn
 * is queued and res released); false when res is the sample's final result. */
static bool agent_continues(struct replay *r, struct rp_prefix *pf, unsigned k, struct ds_result *res) {
  if (!pf->agents) {
    pf->agents = ds_calloc(r->k, sizeof *pf->agents);
    if (!pf->agents) return false;
    pf->n_agents = r->k;
  }
  struct agent **slot = &pf->agents[k];
  if (!*slot) {
    if (res->status != DS_OK) return false;
    if (!pf->record && !(pf->record = agent_record(pf))) return false;
    struct ds_err e = {0};
    if (agent_new(r->toolsim, pf->record, pf->messages, &r->lim, slot, &e) != DS_OK) {
      ds_logf(&r->p->log, DS_LOG_WARN, "%s: cannot start an agent episode: %s", pf->key, e.msg);
      return false;
    }
  }
  const json_t *next = NULL;
  if (!agent_feed(*slot, res, &next)) return false;
  if (!push_cont(r, pf, k)) {
    /* out of memory: end the episode here; what it did so far is stored */
    ds_free(res->finish_reason);
    res->finish_reason = ds_strdup("error");
    return false;
  }
  if (res->completion_tokens > 0) r->pr.completion_tokens += (uint64_t)res->completion_tokens;
  ds_result_release(res);
  return true;
}

/* Submits the next model turn of waiting episodes. DS_E_LIMIT when the backend is full. */
static enum ds_status submit_cont(struct replay *r, struct ds_err *err) {
  while (r->n_cont) {
    if (ds_backend_in_flight(r->backend) >= r->capacity) return DS_E_LIMIT;
    struct rp_cont c = r->cont[r->n_cont - 1];
    struct agent *a = c.pf->agents[c.k];
    struct ds_request req;
    ds_request_init(&req);
    req.id = ((uint64_t)c.pf->id << 32) | c.k;
    req.key = c.pf->key;
    req.k = c.k;
    req.messages = agent_messages(a);
    req.tools = c.pf->tools;
    req.temperature = r->temperature;
    req.top_p = r->top_p;
    req.max_tokens = r->max_tokens;
    /* each turn of an episode gets its own seed, derived from the sample's */
    req.seed = (ds_replay_sample_seed(r->seed, c.pf->key, c.k) + (int64_t)agent_steps(a)) & 0x7fffffff;
    req.ud = c.pf;
    enum ds_status st = ds_backend_submit(r->backend, &req, err);
    if (st) return st;
    r->calls++;
    r->n_cont--;
  }
  return DS_OK;
}

/* Stores an ended episode's trajectory and tool steps with its sample. */
static enum ds_status agent_store(struct replay *r, struct rp_sink *s, struct rp_prefix *pf, unsigned k,
                                  struct ds_err *err) {
  if (!pf->agents || k >= pf->n_agents || !pf->agents[k]) return DS_OK;
  struct agent *a = pf->agents[k];
  (void)r;
  int64_t sample_id = sqlite3_last_insert_rowid(s->db);
  char *traj = ds_json_compact(agent_trajectory(a));
  enum ds_status st = DS_OK;
  if (!traj) st = ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!st) {
    sqlite3_reset(s->q_traj);
    sqlite3_bind_text(s->q_traj, 1, traj, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->q_traj, 2, sample_id);
    if (sqlite3_step(s->q_traj) != SQLITE_DONE) st = rp_db_fail(s->db, err, "storing a trajectory");
    sqlite3_reset(s->q_traj);
  }
  ds_free(traj);
  if (!st) st = agent_store_steps(a, s->db, sample_id, err);
  agent_free(a);
  pf->agents[k] = NULL;
  return st;
}

/* The backend's done callback: results wait in r->done for the poll's commit. */
static void on_done(void *ud, struct ds_result *res) {
  struct replay *r = ud;
  struct rp_prefix *pf = res->ud;
  unsigned k = (unsigned)(res->id & 0xffffffffu);
  if (r->agentic && agent_continues(r, pf, k, res)) return;
  if (push_done(r, pf, k, ds_replay_sample_seed(r->seed, pf->key, k), res) != DS_OK) {
    /* out of memory: the sample stays pending and is generated again on resume */
    ds_result_release(res);
    pf->outstanding--;
    pf->unhanded--;
  }
}

/* "original" backend: the corpus's own assistant message becomes sample 0. */
static void original_result(struct rp_prefix *pf, struct ds_result *res) {
  memset(res, 0, sizeof *res);
  res->status = DS_OK;
  const json_t *o = pf->original;
  const char *c = ds_json_str(o, "content", NULL);
  const json_t *cj = json_object_get(o, "content");
  if (c) res->content = ds_strdup(c);
  else if (cj && !json_is_null(cj)) res->content = ds_json_compact(cj); /* content parts */
  const char *rs = ds_json_str(o, "reasoning_content", ds_json_str(o, "reasoning", NULL));
  if (rs) res->reasoning = ds_strdup(rs);
  const json_t *tc = json_object_get(o, "tool_calls");
  if (json_is_array(tc) && json_array_size(tc)) res->tool_calls = json_deep_copy(tc);
  const char *fr = ds_json_str(o, "finish_reason", NULL);
  if (fr) res->finish_reason = ds_strdup(fr);
  res->attempts = 0;
}

/* Submits one sample of the queue's first prefix with work. Returns DS_E_NOTFOUND when no
 * work is left, DS_E_LIMIT when the backend is full. */
static enum ds_status submit_next(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  /* prefixes only ever run out of work, so the first one with work moves forward */
  struct rp_prefix *pf = r->q_work;
  while (pf && (pf->next >= pf->n_todo || pf->skip_reason)) pf = pf->next_q;
  r->q_work = pf;
  if (!pf) {
    if (r->cursor_done) return DS_E_NOTFOUND;
    if ((st = load_pending(r, err))) return st;
    return DS_OK; /* try again with the new batch */
  }
  if (!pf->checked) {
    check_context(r, pf);
    if (pf->skip_reason) {
      r->pr.samples_total -= pf->n_todo;
      if ((st = push_done(r, pf, UINT_MAX, 0, NULL))) return ds_fail(err, st, "out of memory");
      pf->outstanding++;
      pf->unhanded++;
      return DS_OK;
    }
  }
  unsigned k = pf->todo[pf->next];
  int64_t seed = ds_replay_sample_seed(r->seed, pf->key, k);
  if (r->original) {
    struct ds_result res;
    original_result(pf, &res);
    st = push_done(r, pf, k, seed, &res);
    ds_result_release(&res);
    if (st) return ds_fail(err, st, "out of memory");
    pf->next++;
    pf->outstanding++;
    pf->unhanded++;
    return DS_OK;
  }
  /* at most capacity requests in flight, and with the results not yet committed at most
   * WAIT_WINDOWS x capacity, so that requests keep going while the writer commits (larger groups
   * commit cheaper per row) and a kill loses (a resume sends again) at most that many */
  size_t writing = r->writer ? r->writer->n_done : 0;
  unsigned in_flight = ds_backend_in_flight(r->backend);
  if (in_flight >= r->capacity || in_flight + r->n_done + writing >= WAIT_WINDOWS * (size_t)r->capacity)
    return DS_E_LIMIT;
  struct ds_request req;
  ds_request_init(&req);
  req.id = ((uint64_t)pf->id << 32) | k;
  req.key = pf->key;
  req.k = k;
  if (pf->messages_raw) req.messages_json = pf->messages_raw;
  else req.messages = pf->messages;
  req.tools = pf->tools;
  req.temperature = r->temperature;
  req.top_p = r->top_p;
  req.max_tokens = r->max_tokens;
  req.seed = seed;
  req.ud = pf;
  struct ds_err e = {0};
  st = ds_backend_submit(r->backend, &req, &e);
  if (st == DS_E_LIMIT) return st;
  if (st == DS_E_NOMEM) return ds_fail(err, st, "%s", e.msg);
  if (st) {
    /* the backend refused this request (e.g. a message it cannot send): that sample fails
     * with its cause; the run goes on */
    struct ds_result res;
    memset(&res, 0, sizeof res);
    res.status = st;
    snprintf(res.error, sizeof res.error, "%s", e.msg[0] ? e.msg : ds_status_name(st));
    st = push_done(r, pf, k, seed, &res);
    ds_result_release(&res);
    if (st) return ds_fail(err, st, "out of memory");
    pf->next++;
    pf->outstanding++;
    pf->unhanded++;
    return DS_OK;
  }
  r->calls++;
  pf->next++;
  pf->outstanding++;
  pf->unhanded++;
  return DS_OK;
}

/* The write statements of a commit group, on the sink's connection. */
static enum ds_status prepare_sink(struct rp_sink *s, struct ds_err *err) {
  enum ds_status st;
  /* The statuses replay writes are constants of this file, so the schema's CHECK(status IN
   * (...)) is not evaluated on its connections: SQLite builds a temporary index of the list
   * on every execution, a third of the cost of a prefix's update. */
  if ((st = ds_store_exec(s->store, "PRAGMA ignore_check_constraints=ON;", err))) return st;
  if ((st = prep(s->db,
                 "INSERT INTO samples(prefix_id,k,seed,status,content,reasoning,tool_calls,finish_reason,"
                 "prompt_tokens,completion_tokens,latency_s,attempts,error,cause,created_at)"
                 " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                 &s->q_insert, err)) ||
      (st = prep(s->db,
                 "UPDATE prefixes SET status=?1, reason=?2, prompt_tokens=?3, tokens_estimated=?4, trimmed=?5"
                 " WHERE id=?6",
                 &s->q_final, err)) ||
      (st = prep(s->db,
                 "UPDATE prefixes SET status=?1, reason=?2, prompt_tokens=?3, tokens_estimated=?4, trimmed=?5,"
                 " messages=?7 WHERE id=?6",
                 &s->q_final_trim, err)) ||
      (st = prep(s->db, "UPDATE samples SET trajectory=?1 WHERE id=?2", &s->q_traj, err)) ||
      (st = prep(s->db,
                 "INSERT INTO meta(key,value) VALUES('replay_watermark',?1)"
                 " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                 &s->q_mark, err)))
    return st;
  return DS_OK;
}

static void sink_finalize(struct rp_sink *s) {
  sqlite3_finalize(s->q_insert);
  sqlite3_finalize(s->q_final);
  sqlite3_finalize(s->q_final_trim);
  sqlite3_finalize(s->q_traj);
  sqlite3_finalize(s->q_mark);
  s->q_insert = s->q_final = s->q_final_trim = s->q_traj = s->q_mark = NULL;
}

/* ---------- commits ----------
 * A group of finished results goes through three steps: group_prepare (main thread: each
 * sample's status and each completed prefix's final status, from the prefix's counters),
 * group_write (one transaction on a connection: the main one, or the writer thread's) and
 * group_ack (main thread, once committed: the results count as done, finished prefixes are
 * freed). With a model backend and no agentic loop the write runs on the writer thread while
 * the main thread keeps the backend busy; requests in flight plus results handed to the writer
 * or waiting for it never exceed the window, and a result counts as done only once committed. */

/* Classifies one sample: status, cause and error message (inside d). */
static void classify_sample(struct replay *r, struct rp_done *d) {
  struct ds_result *res = &d->res;
  bool has_tools = res->tool_calls && json_array_size(res->tool_calls) > 0;
  d->cause = NULL;
  d->error = NULL;
  if (res->status != DS_OK) {
    d->cause = rp_cause_name(res->status, d->cause_buf);
    d->error = res->error[0] ? res->error : ds_status_name(res->status);
  } else if (!r->original && (!res->content || !*res->content) && !has_tools &&
             (!res->finish_reason || !*res->finish_reason)) {
    d->cause = "empty_completion";
    d->error = "empty content, no tool calls and no finish_reason";
  }
}

/* Main thread: fills in what the write needs and advances the prefixes' counters. */
static enum ds_status group_prepare(struct replay *r, struct rp_done *done, size_t n, struct ds_err *err) {
  for (size_t i = 0; i < n; i++) {
    struct rp_done *d = &done[i];
    struct rp_prefix *pf = d->pf;
    d->pf_id = pf->id;
    if (d->k != UINT_MAX) {
      classify_sample(r, d);
      pf->n_stored++;
      if (!d->cause) {
        pf->n_ok++;
      } else if (d->k < pf->fail_k) {
        pf->fail_k = d->k;
        ds_free(pf->fail_cause);
        if (!(pf->fail_cause = ds_strdup(d->cause))) return ds_fail(err, DS_E_NOMEM, "out of memory");
      }
    }
    pf->unhanded--;
    d->final_status = NULL;
    if (pf->unhanded != 0 || (pf->next < pf->n_todo && !pf->skip_reason)) continue;
    /* all samples of pf are in this group or an earlier one (or it was skipped) */
    if (pf->skip_reason) {
      d->final_status = "skipped";
      d->final_reason = pf->skip_reason;
    } else if (pf->n_stored < r->k) {
      continue; /* not complete (a sample lost to OOM): stays pending */
    } else if (pf->n_ok == pf->n_stored) {
      d->final_status = "done";
      d->final_reason = NULL;
    } else {
      d->final_status = "failed";
      d->final_reason = pf->fail_cause ? pf->fail_cause : "unknown";
    }
    pf->finalized = true;
    d->prompt_tokens = pf->prompt_tokens;
    d->tokens_estimated = pf->tokens_estimated;
    d->trimmed = pf->trimmed;
    if (pf->trim_dirty && !(d->final_messages = ds_json_canonical(pf->messages)))
      return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  return DS_OK;
}

/* Stores one finished sample (inside the commit transaction). */
static enum ds_status store_sample(struct rp_sink *s, struct rp_done *d, const char *now, struct ds_err *err) {
  struct ds_result *res = &d->res;
  sqlite3_stmt *q = s->q_insert;
  bool has_tools = res->tool_calls && json_array_size(res->tool_calls) > 0;
  sqlite3_reset(q);
  sqlite3_bind_int64(q, 1, d->pf_id);
  sqlite3_bind_int64(q, 2, d->k);
  sqlite3_bind_int64(q, 3, d->seed);
  sqlite3_bind_text(q, 4, d->cause ? "failed" : "ok", -1, SQLITE_STATIC);
  bind_text_or_null(q, 5, res->content);
  bind_text_or_null(q, 6, res->reasoning);
  if (bind_json(q, 7, has_tools ? res->tool_calls : NULL)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  bind_text_or_null(q, 8, res->finish_reason);
  if (res->status == DS_OK || res->prompt_tokens > 0) sqlite3_bind_int64(q, 9, res->prompt_tokens);
  else sqlite3_bind_null(q, 9);
  if (res->status == DS_OK || res->completion_tokens > 0) sqlite3_bind_int64(q, 10, res->completion_tokens);
  else sqlite3_bind_null(q, 10);
  sqlite3_bind_double(q, 11, res->latency_s);
  sqlite3_bind_int(q, 12, (int)res->attempts);
  bind_text_or_null(q, 13, d->error);
  bind_text_or_null(q, 14, d->cause);
  sqlite3_bind_text(q, 15, now, -1, SQLITE_STATIC);
  enum ds_status st = DS_OK;
  if (sqlite3_step(q) != SQLITE_DONE) st = rp_db_fail(s->db, err, "storing a sample");
  sqlite3_reset(q);
  return st;
}

/* The prefix's final status, in the same transaction as its last sample. */
static enum ds_status finalize_prefix(struct rp_sink *s, const struct rp_done *d, struct ds_err *err) {
  sqlite3_stmt *q = d->final_messages ? s->q_final_trim : s->q_final;
  sqlite3_reset(q);
  sqlite3_bind_text(q, 1, d->final_status, -1, SQLITE_STATIC);
  bind_text_or_null(q, 2, d->final_reason);
  if (d->prompt_tokens >= 0) sqlite3_bind_int64(q, 3, d->prompt_tokens);
  else sqlite3_bind_null(q, 3);
  sqlite3_bind_int(q, 4, d->tokens_estimated);
  sqlite3_bind_int(q, 5, (int)d->trimmed);
  sqlite3_bind_int64(q, 6, d->pf_id);
  if (d->final_messages) sqlite3_bind_text(q, 7, d->final_messages, -1, SQLITE_STATIC);
  enum ds_status st = DS_OK;
  if (sqlite3_step(q) != SQLITE_DONE) st = rp_db_fail(s->db, err, "finishing a prefix");
  sqlite3_reset(q);
  return st;
}

/* One transaction with every sample of the group and the final status of the prefixes it
 * completes. r is given only on the main thread (agentic episodes are stored from it). */
static enum ds_status group_write(struct rp_sink *s, struct replay *r, struct rp_done *done, size_t n,
                                  int64_t mark, const char *now, struct ds_err *err) {
  enum ds_status st = ds_store_begin(s->store, err);
  if (!st && mark > 0) {
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)mark);
    sqlite3_reset(s->q_mark);
    sqlite3_bind_text(s->q_mark, 1, v, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s->q_mark) != SQLITE_DONE) st = rp_db_fail(s->db, err, "storing the watermark");
    sqlite3_reset(s->q_mark);
  }
  for (size_t i = 0; !st && i < n; i++) {
    struct rp_done *d = &done[i];
    if (d->k != UINT_MAX) {
      st = store_sample(s, d, now, err);
      if (!st && r && r->agentic) st = agent_store(r, s, d->pf, d->k, err);
    }
    if (!st && d->final_status) st = finalize_prefix(s, d, err);
  }
  if (!st) st = ds_store_commit(s->store, err);
  if (st) ds_store_rollback(s->store);
  return st;
}

/* Main thread, after the group's commit: its results count as done; finished prefixes at the
 * head of the queue are freed. */
static void group_ack(struct replay *r, struct rp_done *done, size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct rp_done *d = &done[i];
    if (d->k != UINT_MAX) {
      r->pr.samples_done++;
      if (d->cause) r->pr.samples_failed++;
      if (d->res.completion_tokens > 0) r->pr.completion_tokens += (uint64_t)d->res.completion_tokens;
    }
    d->pf->outstanding--;
  }
  while (r->q_head && r->q_head->outstanding == 0 &&
         (r->q_head->next >= r->q_head->n_todo || r->q_head->skip_reason)) {
    struct rp_prefix *pf = r->q_head;
    r->q_head = pf->next_q;
    if (!r->q_head) r->q_tail = NULL;
    if (r->q_work == pf) r->q_work = pf->next_q;
    if (!pf->finalized && pf->id < r->low_pending) r->low_pending = pf->id;
    prefix_free(pf);
  }
  int64_t mark = r->q_head ? r->q_head->id - 1 : r->cursor_id;
  if (r->low_pending <= mark) mark = r->low_pending - 1;
  if (mark > r->mark_next) r->mark_next = mark;
}

/* The watermark the next group writes: 0 when the stored one is still current. */
static int64_t take_mark(struct replay *r) {
  if (r->mark_next <= r->mark_stored) return 0;
  r->mark_stored = r->mark_next;
  return r->mark_stored;
}

static void done_release(struct rp_done *done, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ds_result_release(&done[i].res);
    ds_free(done[i].final_messages);
    done[i].final_messages = NULL;
  }
}

/* ---------- the writer thread ---------- */

/* Commit groups first; between them, one loading step at a time while the corpus lasts. */
static void *writer_main(void *arg) {
  struct rp_writer *w = arg;
  /* commits can wait (the window holds twice the requests in flight); the requests and the
   * server on the same machine cannot: the writer yields the CPU to them when they compete */
  (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
  pthread_mutex_lock(&w->mu);
  for (;;) {
    /* loading keeps ahead of sampling, not further: it spreads over the run instead of taking a
     * core from the requests at the start */
    while (!w->job && !w->quit &&
           !(w->loader && !w->load_done && !w->load_failed && w->loaded_n < LOAD_AHEAD &&
             w->loaded_bytes < LOAD_AHEAD_BYTES))
      pthread_cond_wait(&w->cv, &w->mu);
    if (w->job) {
      pthread_mutex_unlock(&w->mu);
      struct ds_err e = {0};
      enum ds_status st = group_write(&w->sink, NULL, w->done, w->n_done, w->mark, w->now, &e);
      pthread_mutex_lock(&w->mu);
      w->st = st;
      w->err = e;
      w->job = false;
      w->finished = true;
      pthread_cond_broadcast(&w->cv);
      continue;
    }
    if (w->quit) break;
    pthread_mutex_unlock(&w->mu);
    struct ds_err e = {0};
    struct rp_loader *ld = w->loader;
    enum ds_status st = loader_step(ld, WRITER_LOAD_STEP, &e);
    pthread_mutex_lock(&w->mu);
    if (st) {
      w->load_failed = true;
      w->load_st = st;
      w->load_err = e;
    } else if (ld->step_head) { /* committed: the main thread may take its prefixes */
      if (w->loaded_tail) w->loaded_tail->next_q = ld->step_head;
      else w->loaded_head = ld->step_head;
      w->loaded_tail = ld->step_tail;
      w->loaded_n += ld->step_n;
      w->loaded_bytes += ld->step_bytes;
      ld->step_head = ld->step_tail = NULL;
      ld->step_n = ld->step_bytes = 0;
    }
    w->load_done = w->loader->complete;
    w->loaded_lines = w->loader->ls.line;
    w->loaded_cuts = w->loader->ls.cuts - w->loader->start_cuts;
    w->load_steps++;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* Main thread: takes in the writer's loading progress (lines, new prefixes to sample) and
 * its error, if loading failed. */
static enum ds_status writer_load_progress(struct replay *r, struct ds_err *err) {
  struct rp_writer *w = r->writer;
  if (!r->loading) return DS_OK;
  pthread_mutex_lock(&w->mu);
  bool done = w->load_done, failed = w->load_failed;
  uint64_t lines = w->loaded_lines, cuts = w->loaded_cuts;
  enum ds_status st = w->load_st;
  struct ds_err e = w->load_err;
  pthread_mutex_unlock(&w->mu);
  r->pr.corpus_lines = lines;
  r->pr.samples_total += (cuts - r->cuts_seen) * r->k;
  r->cuts_seen = cuts;
  if (failed) return ds_fail(err, st, "%s", e.msg);
  if (done) r->loading = false;
  return DS_OK;
}

/* Main thread: takes up to max prefixes that loading handed over, in id order; the writer may
 * then load further. *all is set when loading is over and nothing is left to take. */
static unsigned take_loaded(struct replay *r, unsigned max, struct rp_prefix **first, struct rp_prefix **last, bool *all) {
  struct rp_writer *w = r->writer;
  unsigned n = 0;
  pthread_mutex_lock(&w->mu);
  struct rp_prefix *head = w->loaded_head, *pf = NULL;
  size_t bytes = 0;
  for (struct rp_prefix *x = head; x && n < max; x = x->next_q, n++) {
    pf = x;
    bytes += x->load_bytes;
  }
  if (n) {
    w->loaded_head = pf->next_q;
    if (!w->loaded_head) w->loaded_tail = NULL;
    pf->next_q = NULL;
    w->loaded_n -= n;
    w->loaded_bytes -= bytes;
    pthread_cond_broadcast(&w->cv);
  }
  *all = !w->loaded_head && (w->load_done || w->load_failed);
  pthread_mutex_unlock(&w->mu);
  *first = n ? head : NULL;
  *last = pf;
  return n;
}

/* Main thread with nothing to send or commit: waits (at most timeout_s) for the next loading
 * step or the end of the group being written. */
static void writer_wait(struct replay *r, double timeout_s) {
  struct rp_writer *w = r->writer;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += (long)(timeout_s * 1e9);
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&w->mu);
  uint64_t steps = w->load_steps;
  while (w->load_steps == steps && !w->finished && !w->load_failed &&
         pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {
  }
  pthread_mutex_unlock(&w->mu);
}

/* Collects the writer's finished group: blocking waits for it. DS_E_NOTFOUND when it is
 * still writing and block is false. */
static enum ds_status writer_collect(struct replay *r, bool block, struct ds_err *err) {
  struct rp_writer *w = r->writer;
  if (!w->busy) return DS_OK;
  pthread_mutex_lock(&w->mu);
  while (block && !w->finished) pthread_cond_wait(&w->cv, &w->mu);
  bool finished = w->finished;
  enum ds_status st = w->st;
  struct ds_err e = w->err;
  w->finished = false;
  pthread_mutex_unlock(&w->mu);
  if (!finished) return DS_E_NOTFOUND;
  w->busy = false;
  if (!st) group_ack(r, w->done, w->n_done);
  done_release(w->done, w->n_done);
  w->n_done = 0;
  if (st) return ds_fail(err, st, "%s", e.msg);
  return DS_OK;
}

/* Hands the waiting results to the idle writer (their buffers swap). */
static enum ds_status writer_handoff(struct replay *r, struct ds_err *err) {
  struct rp_writer *w = r->writer;
  enum ds_status st = group_prepare(r, r->done, r->n_done, err);
  if (st) return st;
  struct rp_done *tmp = w->done;
  size_t cap = w->cap_done;
  w->done = r->done;
  w->cap_done = r->cap_done;
  w->n_done = r->n_done;
  w->mark = take_mark(r);
  r->done = tmp;
  r->cap_done = cap;
  r->n_done = 0;
  ds_now_iso8601(w->now);
  w->busy = true;
  pthread_mutex_lock(&w->mu);
  w->job = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return DS_OK;
}

/* Starts the writer thread; with corpus_path it also loads the rest of the corpus. */
static enum ds_status writer_start(struct replay *r, const char *corpus_path, struct ds_err *err) {
  struct rp_writer *w = ds_calloc(1, sizeof *w);
  if (!w) return ds_fail(err, DS_E_NOMEM, "out of memory");
  r->writer = w;
  enum ds_status st = ds_store_open(r->p->db_path, DS_STORE_WRITE, &w->sink.store, err);
  if (st) return st;
  w->sink.db = ds_store_db(w->sink.store);
  if ((st = prepare_sink(&w->sink, err))) return st;
  if (corpus_path && (st = loader_open(r->p, w->sink.store, corpus_path, &w->loader, err))) return st;
  r->loading = r->writer_loads = w->loader && !w->loader->complete;
  w->load_done = !r->loading;
  if (r->loading) {
    /* what earlier sessions loaded is read from the database; what this one loads is handed over */
    sqlite3_stmt *q = NULL;
    if ((st = prep(r->db, "SELECT coalesce(max(id),0) FROM prefixes", &q, err))) return st;
    if (sqlite3_step(q) == SQLITE_ROW) r->cursor_max = sqlite3_column_int64(q, 0);
    else st = rp_db_fail(r->db, err, "reading the last prefix id");
    sqlite3_finalize(q);
    if (st) return st;
    w->loader->hand_over = true;
    w->loader->k = r->k;
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  w->sync_init = true;
  if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
    return ds_fail(err, DS_E_NOMEM, "cannot start the writer thread");
  w->running = true;
  return DS_OK;
}

/* Waits for the group being written (its results are committed or the error is dropped),
 * stops the thread and closes its connection. */
static void writer_stop(struct replay *r) {
  struct rp_writer *w = r->writer;
  if (!w) return;
  if (w->running) {
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
  }
  if (w->busy && w->finished && !w->st) group_ack(r, w->done, w->n_done);
  done_release(w->done, w->n_done);
  ds_free(w->done);
  if (w->sync_init) {
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
  }
  loader_close(w->loader);
  prefix_list_free(w->loaded_head);
  sink_finalize(&w->sink);
  ds_store_close(w->sink.store);
  ds_free(w);
  r->writer = NULL;
  r->loading = false;
}

/* Commits every waiting result now, on the calling thread or through the writer (waiting for
 * it); the window is then empty of uncommitted results. */
static enum ds_status commit_done(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  if (r->writer) {
    if ((st = writer_collect(r, true, err))) return st;
    if (!r->n_done) return DS_OK;
    if ((st = writer_handoff(r, err))) return st;
    return writer_collect(r, true, err);
  }
  if (!r->n_done) return DS_OK;
  char now[32];
  ds_now_iso8601(now);
  st = group_prepare(r, r->done, r->n_done, err);
  if (!st) st = group_write(&r->sink, r, r->done, r->n_done, take_mark(r), now, err);
  if (!st) group_ack(r, r->done, r->n_done);
  done_release(r->done, r->n_done);
  r->n_done = 0;
  return st;
}

static enum ds_status sample_loop(struct replay *r, struct ds_err *err) {
  enum ds_status st = DS_OK;
  r->pr.phase = "sampling";
  for (;;) {
    bool no_more = false;
    if (r->p->cancel && *r->p->cancel) {
      /* keep what already came back; requests still in flight are sent again on resume */
      if ((st = commit_done(r, err))) goto out;
      st = ds_fail(err, DS_E_CANCELLED, "cancelled; resume with --resume");
      break;
    }
    if (r->writer && (st = writer_collect(r, false, err)) && st != DS_E_NOTFOUND) goto out;
    st = DS_OK;
    /* fill the backend (or one commit batch of originals) */
    for (;;) {
      if (r->original && r->n_done >= ORIGINAL_BATCH) break;
      if (r->n_cont) {
        st = submit_cont(r, err);
        if (st == DS_E_LIMIT) {
          st = DS_OK;
          break;
        }
        if (st) goto out;
      }
      st = submit_next(r, err);
      if (st == DS_E_LIMIT) {
        st = DS_OK;
        break;
      }
      if (st == DS_E_NOTFOUND) {
        st = DS_OK;
        no_more = true;
        break;
      }
      if (st) goto out;
    }
    if (r->backend && ds_backend_in_flight(r->backend) > 0) {
      if ((st = ds_backend_poll(r->backend, 50, on_done, r, err))) goto out;
    } else if (r->loading && !r->n_done && !r->n_cont && !r->writer->busy) {
      writer_wait(r, 0.05); /* everything loaded so far is done: wait for the next step */
      if ((st = writer_load_progress(r, err))) goto out;
    }
    unsigned in_flight = r->backend ? ds_backend_in_flight(r->backend) : 0;
    if (r->writer) {
      /* the writer takes a group as soon as it is free; nothing else to do: wait for it */
      if (r->writer->busy && (in_flight == 0 || (r->p->cancel && *r->p->cancel))) {
        if ((st = writer_collect(r, true, err))) goto out;
      } else if (r->writer->busy && (st = writer_collect(r, false, err)) && st != DS_E_NOTFOUND) {
        goto out;
      }
      st = DS_OK;
      if (!r->writer->busy && r->n_done &&
          (r->n_done * 4 >= r->capacity || in_flight == 0 || ds_now_mono() - r->first_done_t >= 0.05) &&
          (st = writer_handoff(r, err)))
        goto out;
    } else if (r->n_done && (r->n_done * 2 >= r->capacity || in_flight == 0 ||
                             ds_now_mono() - r->first_done_t >= 0.05 || (r->p->cancel && *r->p->cancel))) {
      /* group commit: half the window, 50 ms old, or nothing else to wait for */
      if ((st = commit_done(r, err))) goto out;
    }
    report(r, false);
    if (no_more && in_flight == 0 && r->n_done == 0 && r->n_cont == 0 && (!r->writer || !r->writer->busy)) break;
  }
out:
  return st;
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
  tp.repo_root = p->repo_root;
  tp.log = p->log;
  if ((st = ds_toolsim_open(&tp, &r->toolsim, err))) return st;
  if (!r->agentic_meta) {
    char *root = p->repo_root ? realpath(p->repo_root, NULL) : NULL;
    char *db = p->tooldb_path ? realpath(p->tooldb_path, NULL) : NULL;
    r->agentic_meta = json_pack("{s:s?,s:s?,s:s?,s:i,s:I,s:f,s:i}", "tooldb", db ? db : p->tooldb_path,
                                "simulator", r->simulator ? ds_backend_describe(r->simulator) : NULL, "repo_root",
                                root ? root : p->repo_root, "max_steps", (int)r->lim.max_steps,
                                "max_episode_tokens", (json_int_t)r->lim.max_tokens, "max_episode_seconds",
                                r->lim.max_seconds, "simulator_max_tokens", tp.simulator_max_tokens);
    free(root);
    free(db);
    if (!r->agentic_meta) return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  return DS_OK;
}

static enum ds_status write_params(struct replay *r, const char *corpus_abs, const char *sha,
                                   const char *described, struct ds_err *err) {
  const struct ds_replay_params *p = r->p;
  enum ds_status st;
  if ((st = ds_store_begin(r->store, err))) return st;
  if ((st = ds_store_meta_set(r->store, "kind", "replay", err)) ||
      (st = ds_store_meta_set(r->store, "corpus_path", corpus_abs, err)) ||
      (st = ds_store_meta_set(r->store, "corpus_sha256", sha, err)) ||
      (st = ds_store_meta_set(r->store, "backend", described, err)) ||
      (st = meta_setf(r->store, "backend_context_length", err, "%u", r->n_ctx)) ||
      (st = meta_setf(r->store, "k", err, "%u", r->k)) ||
      (st = ds_store_meta_set(r->store, "cut", p->cut == DS_REPLAY_CUT_EVERY ? "every" : "last", err)) ||
      (st = meta_setf(r->store, "seed", err, "%llu", (unsigned long long)r->seed)) ||
      (st = meta_setf(r->store, "temperature", err, "%.17g", r->temperature)) ||
      (st = meta_setf(r->store, "top_p", err, "%.17g", r->top_p)) ||
      (st = meta_setf(r->store, "max_tokens", err, "%d", r->max_tokens)) ||
      (st = ds_store_meta_set(r->store, "trim_front", r->trim_front ? "1" : "0", err)) ||
      (st = meta_setf(r->store, "shard", err, "%u/%u", p->shard_count ? p->shard_index : 0,
                      p->shard_count ? p->shard_count : 1)) ||
      (st = write_agentic(r, err)) ||
      (st = ds_store_event(r->store, "replay_started", described, err))) {
    ds_store_rollback(r->store);
    return st;
  }
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
  enum ds_status st = ds_store_open(tmp.data, DS_STORE_CREATE, &r->store, err);
  if (!st) st = write_params(r, corpus, sha, described, err);
  ds_store_close(r->store); /* the last connection: checkpoints and removes the WAL */
  r->store = NULL;
  if (!st && rename(tmp.data, path) != 0)
    st = ds_fail(err, DS_E_IO, "%s: cannot create: %s", path, strerror(errno));
  if (st) unlink(tmp.data);
  ds_buf_release(&tmp);
  if (!st) st = ds_store_open(path, DS_STORE_WRITE, &r->store, err);
  return st;
}

static enum ds_status prepare_statements(struct replay *r, struct ds_err *err) {
  enum ds_status st;
  if ((st = prep(r->db,
                 "SELECT id,conv_id,cut_index,messages,tools,original,trimmed,repo FROM prefixes"
                 " WHERE status='pending' AND id>? AND id<=? ORDER BY id LIMIT ?",
                 &r->q_cursor, err)) ||
      (st = prep(r->db,
                 "SELECT prefix_id,k,status,cause FROM samples WHERE prefix_id BETWEEN ? AND ? ORDER BY prefix_id,k",
                 &r->q_have, err)))
    return st;
  r->sink.store = r->store;
  r->sink.db = r->db;
  return prepare_sink(&r->sink, err);
}

static enum ds_status count_totals(struct replay *r, struct ds_err *err) {
  sqlite3_stmt *q = NULL;
  enum ds_status st = prep(r->db,
                           "SELECT (SELECT count(*) FROM samples),"
                           " (SELECT count(*) FROM samples WHERE status='failed'),"
                           " (SELECT count(*) FROM prefixes WHERE id>?1 AND status='pending'),"
                           " (SELECT count(*) FROM samples s JOIN prefixes p ON p.id=s.prefix_id"
                           "  WHERE p.id>?1 AND p.status='pending')",
                           &q, err);
  if (st) return st;
  sqlite3_bind_int64(q, 1, r->mark_stored);
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
  p->cut = strcmp(v[4], "every") == 0 ? DS_REPLAY_CUT_EVERY : DS_REPLAY_CUT_LAST;
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
  if (p.resume) {
    if ((st = ds_store_open(p.db_path, DS_STORE_WRITE, &r.store, err))) goto out;
    if ((st = read_params(&r, &p, owned, err))) goto out;
  } else {
    if (!p.corpus_path) return ds_fail(err, DS_E_INVALID, "no corpus given");
    if (!p.backend_spec) return ds_fail(err, DS_E_INVALID, "no backend given");
    if (access(p.db_path, F_OK) == 0)
      return ds_fail(err, DS_E_INVALID, "%s exists; continue it with --resume or choose another file", p.db_path);
    if (p.shard_count == 0 || p.shard_index >= p.shard_count)
      return ds_fail(err, DS_E_INVALID, "bad shard %u/%u", p.shard_index, p.shard_count);
  }
  if (p.k == 0) {
    st = ds_fail(err, DS_E_INVALID, "K must be at least 1");
    goto out;
  }
  r.original = strcmp(p.backend_spec, DS_REPLAY_BACKEND_ORIGINAL) == 0;
  if (r.original && p.k != 1) {
    st = ds_fail(err, DS_E_INVALID, "--backend original gives exactly one sample per prefix (K=1), not %u", p.k);
    goto out;
  }
  r.k = p.k;
  r.seed = p.seed;
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
    if (p.in_flight) bp.max_in_flight = p.in_flight;
    if (!bp.log.fn) bp.log = p.log;
    if ((st = ds_backend_open(&bp, &r.backend, err))) {
      free(corpus_abs);
      goto out;
    }
    described = ds_backend_describe(r.backend);
    r.capacity = ds_backend_capacity(r.backend);
    if (!r.capacity) r.capacity = 1;
    r.n_ctx = ds_backend_context_length(r.backend);
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
    if (stored_backend && strcmp(stored_backend, described) != 0) {
      st = ds_fail(err, DS_E_MISMATCH, "%s: run used backend '%s'; '%s' is a different one", p.db_path, stored_backend,
                   described);
      goto out;
    }
    char *ctx = meta_str(r.store, "backend_context_length");
    if (ctx && r.backend && (unsigned)strtoul(ctx, NULL, 10) != r.n_ctx)
      ds_logf(&p.log, DS_LOG_WARN, "the backend's context length changed from %s to %u since the run started", ctx, r.n_ctx);
    ds_free(ctx);
    if ((st = ds_store_event(r.store, p.retry_failed ? "replay_resumed_retry_failed" : "replay_resumed", NULL, err)))
      goto out;
  }
  r.db = ds_store_db(r.store);
  if (r.backend && !r.n_ctx)
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
    if (!(r.backend && !r.agentic) && (st = load_corpus(&r, p.corpus_path, err))) goto out;
  }
  if (p.retry_failed && (st = retry_failed(&r, err))) goto out;

  /* phase 2: samples, from the watermark on */
  r.low_pending = INT64_MAX;
  char *mark = meta_str(r.store, "replay_watermark");
  r.mark_stored = r.mark_next = r.cursor_id = mark ? strtoll(mark, NULL, 10) : 0;
  r.cursor_max = INT64_MAX;
  ds_free(mark);
  if ((st = prepare_statements(&r, err)) || (st = count_totals(&r, err))) goto out;
  if (r.backend && !r.agentic && (st = writer_start(&r, loaded ? NULL : p.corpus_path, err))) goto out;
  st = sample_loop(&r, err);

out:
  /* requests still in flight are dropped: their samples stay pending for the next resume */
  if (r.backend) ds_backend_close(r.backend);
  r.backend = NULL;
  /* the writer finishes the group it holds (committed or not) before anything is freed */
  writer_stop(&r);
  done_release(r.done, r.n_done);
  ds_free(r.done);
  while (r.q_head) {
    struct rp_prefix *n = r.q_head->next_q;
    prefix_free(r.q_head);
    r.q_head = n;
  }
  sqlite3_finalize(r.q_cursor);
  sqlite3_finalize(r.q_have);
  sink_finalize(&r.sink);
  ds_free(r.cont);
  ds_toolsim_close(r.toolsim);
  ds_backend_close(r.simulator);
  if (r.store && (st == DS_OK || st == DS_E_CANCELLED)) {
    if (r.mark_next > r.mark_stored) { /* what the last group finished */
      struct ds_err e2 = {0};
      (void)meta_setf(r.store, "replay_watermark", &e2, "%lld", (long long)r.mark_next);
    }
    struct ds_replay_summary sum;
    struct ds_err e2 = {0};
    if (rp_summary_compute(r.store, &sum, &e2) == DS_OK) {
      sum.backend_calls = r.calls;
      sum.elapsed_s = ds_now_mono() - r.t0;
      rp_summary_store(r.store, &sum, st == DS_OK ? "replay_finished" : "replay_cancelled", NULL);
      if (out) *out = sum;
      else ds_replay_summary_release(&sum);
    } else if (st == DS_OK) {
      st = ds_fail(err, e2.code, "%s", e2.msg);
    }
  }
  r.pr.phase = "done";
  if (st == DS_OK) report(&r, true);
  ds_store_close(r.store);
  ds_free(owned[0]);
  ds_free(owned[1]);
  ds_free(stored_sha);
  ds_free(stored_backend);
  json_decref(r.agentic_meta);
  return st;
}
