/* replay_int.h: what the files of lib/replay share. Internal. One run of ds_replay_run is a
 * struct replay; its phases and their files:
 *   replay.c    entry point, parameters and meta, run creation/resume, the accounting at the end
 *   load.c      corpus -> prefixes (struct rp_loader), on the main thread or the writer thread
 *   queue.c     prefixes in memory (struct rp_prefix), context check, the queue of pending ones
 *   schedule.c  the run loop: submit within the window, poll, agentic turns, progress, cancel
 *   commit.c    commit groups (struct rp_done -> struct rp_sink) and the writer thread
 *   summary.c   accounting; merge.c shard databases into one run; agent.c an agentic episode
 * Ownership: the main thread owns struct replay and the queue; the writer thread owns its sink
 * and loader, and shares with the main thread only what struct rp_writer marks "under mu". */
#ifndef DS_REPLAY_INT_H
#define DS_REPLAY_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "base/base.h"
#include "depsim/replay.h"
#include "depsim/store.h"
#include "depsim/toolsim.h"
#include "replay/agent.h"

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
  int64_t draw;                 /* sequential runs: the place in the seeded random order */
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
  json_t *segment;              /* agentic: the record's segment (its agent picks the tool dialect) */
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
  unsigned request_n;        /* samples the request made (n > 1: its usage was split) */
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
  json_t *events;             /* ... and the events: [[kind, detail], ...] */
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
  struct ds_store_lock *lock; /* the run's writer lock, for the whole call */
  struct ds_store *store;
  sqlite3 *db;
  struct ds_backend *backend; /* NULL for "original" */
  bool original;
  unsigned k;
  uint64_t seed;
  int seed_scheme;          /* meta seed_scheme: 2 since schema 5, 1 before (rp_sample_seed) */
  enum ds_prefill_share share; /* how the K samples of a prefix share its prefill (K > 1) */
  struct rp_prefix **ready; /* share CACHE: prefixes whose previous sample came back */
  json_t *events;           /* events for the next commit group: [[kind, detail], ...] */
  uint64_t conc_changes;    /* the backend's concurrency changes already noted */
  double conc_noted_t;      /* when the last one was noted as an event */
  size_t n_ready, cap_ready;
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
  int64_t cursor_draw;      /* ... its draw, in a sequential run (the cursor follows draw order) */
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

  /* batch files (batch.c): a resumed run answered by its batch's output (file: backend) keeps
   * the samples the output lacks pending instead of failing them */
  bool batch_in;
  uint64_t batch_answered, batch_missing;
};

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
  sqlite3_stmt *q, *q_conv;
  const char *path;
  struct ds_lines *lines;
  struct load_state ls;
  uint64_t start_cuts; /* cuts loaded by earlier sessions */
  bool complete;
  struct ds_buf scratch, prefix, original, id, time; /* reused per record */
  struct ds_buf conv;         /* the record's conversation text (insert_conversation) */
  size_t *conv_end;           /* ... where each of its messages ends (cap_msgs + 1) */
  int64_t conv_row;           /* ... its conversations row, 0 when stored before (duplicate id) */
  unsigned char *roles;       /* per message of the record: ROLE_* */
  struct ds_str *spans;       /* ... and its text (load_walk) */
  size_t *cut_buf;            /* the record's cut points */
  size_t cap_msgs;
  struct rp_memo memo[3];     /* segment, tools, repo */
  char *owned[3];             /* ... canonical texts of load_tree */
  /* without a store (ds_replay_prefixes): each new prefix goes to emit instead of the
   * database, and seen stands in for the UNIQUE(conv_id, cut_index) that finds duplicates */
  ds_replay_prefix_fn *emit;
  void *emit_ud;
  struct rp_keyset *seen;
  /* on the writer thread: the step's new prefixes, handed over once it commits */
  bool hand_over;
  unsigned k;
  struct rp_prefix *step_head, *step_tail;
  size_t step_n, step_bytes;
};


/* ---------- replay.c: shared helpers ---------- */
/* The seed of sample k of a prefix under the run's seed scheme. */
int64_t rp_sample_seed(const struct replay *r, const char *key, unsigned k);
enum ds_status rp_db_fail(sqlite3 *db, struct ds_err *err, const char *what);
/* A persistent prepared statement on db. */
enum ds_status rp_prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, struct ds_err *err);
/* s must stay valid until the statement is stepped. */
void rp_bind_text_or_null(sqlite3_stmt *q, int i, const char *s);
/* A JSON value dumped canonically (NULL or JSON null -> SQL NULL). */
enum ds_status rp_bind_json(sqlite3_stmt *q, int i, const json_t *v);
/* "DS_E_BACKEND" -> "backend" (buf holds the result). */
const char *rp_cause_name(enum ds_status st, char buf[32]);

/* ---------- summary.c ---------- */
/* Accounting recomputed from the prefixes and samples tables and meta corpus_load. */
enum ds_status rp_summary_compute(struct ds_store *s, struct ds_replay_summary *out, struct ds_err *err);
/* Writes meta "summary" (JSON) and an event of the given kind, in one transaction. */
enum ds_status rp_summary_store(struct ds_store *s, const struct ds_replay_summary *sum, const char *event,
                                struct ds_err *err);

/* ---------- prefixes.c ---------- */
/* The (conversation, cut) pairs a store-less loading has seen, as 64-bit hashes. */
struct rp_keyset;
struct rp_keyset *rp_keyset_new(void);
void rp_keyset_free(struct rp_keyset *s);
/* Adds (id, cut): 1 added, 0 already there, -1 out of memory. */
int rp_keyset_add(struct rp_keyset *s, const char *id, size_t cut);

/* ---------- load.c ---------- */
/* A loader on store's connection (store NULL: ld->emit receives the prefixes, see prefixes.c), positioned after the last committed step; complete already
 * when an earlier session loaded everything. */
enum ds_status rp_loader_open(const struct ds_replay_params *p, struct ds_store *store, const char *path,
                              struct rp_loader **out, struct ds_err *err);
/* Loads up to max_lines more lines in one transaction; sets ld->complete at the end. With
 * ld->hand_over, the step's committed prefixes are in ld->step_head..step_tail. */
enum ds_status rp_loader_step(struct rp_loader *ld, unsigned max_lines, struct ds_err *err);
void rp_loader_close(struct rp_loader *ld);
/* The whole corpus on the calling thread (before sampling). */
enum ds_status rp_load_corpus(struct replay *r, const char *path, struct ds_err *err);

/* ---------- queue.c ---------- */
/* A pending prefix (key "conv#cut", messages text kept unless NULL, K ks to do); NULL: no memory. */
struct rp_prefix *rp_prefix_new(int64_t id, const char *conv, int64_t cut, const char *messages, size_t messages_len,
                                const char *tools, const char *repo, unsigned k);
void rp_prefix_free(struct rp_prefix *pf);
void rp_prefix_list_free(struct rp_prefix *pf);
/* The prefix's messages, parsed on first use (NULL when the stored text is not an array). */
json_t *rp_prefix_messages(struct rp_prefix *pf);
/* Decides whether pf fits the context: sets pf->skip_reason or trims pf->messages. */
void rp_check_context(struct replay *r, struct rp_prefix *pf);
/* Takes the next pending prefixes into the queue. DS_E_LIMIT when none is there yet. */
enum ds_status rp_load_pending(struct replay *r, struct ds_err *err);
/* Queues a finished result (k UINT_MAX, res NULL: only the prefix's final status). */
enum ds_status rp_push_done(struct replay *r, struct rp_prefix *pf, unsigned k, int64_t seed, struct ds_result *res);
/* The last result rp_push_done queued. */
#define RP_LAST_DONE(r) (&(r)->done[(r)->n_done - 1])

/* ---------- batch.c ---------- */
/* Writes the samples still to make as p->emit_batch (atomically) and notes it in meta "batch"
 * and an event; *out_n: the requests written. */
enum ds_status rp_emit_batch(struct replay *r, uint64_t *out_n, struct ds_err *err);

/* ---------- schedule.c ---------- */
/* Calls the progress callback (at most every progress_interval_s unless force). */
void rp_report(struct replay *r, bool force);
/* Phase 2: samples every pending prefix; DS_E_CANCELLED (what came back committed) on cancel. */
enum ds_status rp_sample_loop(struct replay *r, struct ds_err *err);

/* ---------- commit.c ---------- */
enum ds_status rp_prepare_sink(struct rp_sink *s, struct ds_err *err);
void rp_sink_finalize(struct rp_sink *s);
/* Commits every waiting result now (through the writer when there is one). */
enum ds_status rp_commit_done(struct replay *r, struct ds_err *err);
void rp_done_release(struct rp_done *done, size_t n);
/* Starts the writer thread; with corpus_path it also loads the rest of the corpus. */
enum ds_status rp_writer_start(struct replay *r, const char *corpus_path, struct ds_err *err);
/* Waits for the group being written, stops the thread, closes its connection. */
void rp_writer_stop(struct replay *r);
/* Takes in the writer's loading progress and its error, if loading failed. */
enum ds_status rp_writer_load_progress(struct replay *r, struct ds_err *err);
/* Takes up to max prefixes loading handed over; *all when nothing more will come. */
unsigned rp_take_loaded(struct replay *r, unsigned max, struct rp_prefix **first, struct rp_prefix **last, bool *all);
/* Waits at most timeout_s for the next loading step or the end of the group being written. */
void rp_writer_wait(struct replay *r, double timeout_s);
/* Collects the writer's finished group; DS_E_NOTFOUND when still writing and !block. */
enum ds_status rp_writer_collect(struct replay *r, bool block, struct ds_err *err);
/* Hands the waiting results to the idle writer. */
enum ds_status rp_writer_handoff(struct replay *r, struct ds_err *err);

#endif
