/* toolsim.h: the tool simulator of agentic replay. It answers a candidate's tool calls
 * without touching anything real, in order: recorded calls (a SQLite index built from the
 * corpus), read-only connectors over the repository as it was (a git commit or a directory
 * snapshot, with an in-memory overlay for the candidate's own writes), then a simulator model.
 * Side-effecting calls are never executed; they are answered and recorded as intended actions.
 * Handles are used from one thread. */
#ifndef DEPSIM_TOOLSIM_H
#define DEPSIM_TOOLSIM_H

#include <jansson.h>
#include <stdbool.h>

#include "depsim/backend.h"
#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which source answered a call (stored as tool_steps.source by name). */
enum ds_tool_source {
  DS_TOOL_SOURCE_DB = 0,        /* exact match in the tool-call database */
  DS_TOOL_SOURCE_DB_NEAR = 1,   /* near match: same tool, same normalized path or command */
  DS_TOOL_SOURCE_CONNECTOR = 2, /* read-only connector over the snapshot (+ overlay) */
  DS_TOOL_SOURCE_SIMULATOR = 3, /* the simulator model */
  DS_TOOL_SOURCE_REFUSED = 4,   /* refused (escape from the snapshot, device file, ...) */
  DS_TOOL_SOURCE_ERROR = 5,     /* malformed call or no source could answer */
};
DS_API const char *ds_tool_source_name(enum ds_tool_source s);   /* "db", "db_near", ... */

/* ---- snapshots: read-only views of a repository as it was ---- */
struct ds_snapshot;

/* A directory (commit NULL) or a git repository at a commit (any revision libgit2 parses).
 * workspace: an absolute path that the recorded agent used for the repository root (for
 * example "/workspace"); absolute paths under it map into the snapshot, others are refused. */
DS_API enum ds_status ds_snapshot_open(const char *path, const char *commit, const char *workspace,
                                       struct ds_snapshot **out, struct ds_err *err);
DS_API void ds_snapshot_free(struct ds_snapshot *s);

/* Each operation returns DS_OK with *out (ds_malloc'ed text the candidate sees), or an error
 * whose message is also meant for the candidate ("refused: path escapes the repository").
 * DS_E_INVALID marks a refusal, DS_E_NOTFOUND a missing path. Reads see the overlay. */
DS_API enum ds_status ds_snapshot_read(struct ds_snapshot *s, const char *path, char **out, struct ds_err *err);
DS_API enum ds_status ds_snapshot_list(struct ds_snapshot *s, const char *path, char **out, struct ds_err *err);
/* Fixed-string search (case-sensitive) under path; "file:line:text" lines, at most max_hits. */
DS_API enum ds_status ds_snapshot_search(struct ds_snapshot *s, const char *needle, const char *path,
                                         unsigned max_hits, char **out, struct ds_err *err);
/* git log [-n N] / show REV[:PATH] / diff (the overlay against the snapshot) / status. */
DS_API enum ds_status ds_snapshot_git(struct ds_snapshot *s, const char *const *argv, int argc, char **out,
                                      struct ds_err *err);
/* Writes and deletes go to the in-memory overlay only; nothing reaches the disk. */
DS_API enum ds_status ds_snapshot_write(struct ds_snapshot *s, const char *path, const char *content,
                                        size_t len, struct ds_err *err);
DS_API enum ds_status ds_snapshot_delete(struct ds_snapshot *s, const char *path, struct ds_err *err);
/* Files in the snapshot (one per line, overlay applied), for the simulator's prompt. */
DS_API enum ds_status ds_snapshot_files(struct ds_snapshot *s, unsigned max_files, char **out, struct ds_err *err);
/* The overlay's changes as a unified-style summary ("" when none). */
DS_API enum ds_status ds_snapshot_changes(struct ds_snapshot *s, char **out, struct ds_err *err);

/* ---- the tool-call database ---- */
/* Builds an index of recorded calls and responses from a canonical corpus (JSONL). */
struct ds_toolsim_index_summary { uint64_t records, calls, indexed, unanswered; };
DS_API enum ds_status ds_toolsim_index(const char *corpus_path, const char *db_path,
                                       struct ds_toolsim_index_summary *out, struct ds_err *err);

/* ---- the simulator ---- */
struct ds_toolsim;
struct ds_toolsim_params {
  const char *tooldb_path;      /* NULL: no database */
  bool near_match;              /* allow near matches (default true) */
  struct ds_backend *simulator; /* borrowed; NULL: no simulator model */
  int simulator_max_tokens;     /* default 512 */
  const char *repo_root;        /* directory that repo paths in records resolve against (NULL: the
                                   current directory); a repository outside it (an absolute path, a
                                   "..", a symlink out) is refused: the record's connectors are off */
  bool allow_repo_outside_root; /* take a record's repository wherever it is (trusted corpora only) */
  const char *workspace;        /* see ds_snapshot_open; default "/workspace" */
  struct ds_log log;
};
DS_API void ds_toolsim_default_params(struct ds_toolsim_params *p);
DS_API enum ds_status ds_toolsim_open(const struct ds_toolsim_params *p, struct ds_toolsim **out,
                                      struct ds_err *err);
DS_API void ds_toolsim_close(struct ds_toolsim *t);

/* One trajectory's world: the record (borrowed; its repo, tools and original messages give
 * the simulator context) and a fresh snapshot with an empty overlay. The record's
 * segment.agent picks the tool dialect (its tools, their output formats, which of them act);
 * its repo.cwd is the workspace that absolute paths map into. The repository is looked for at
 * repo.path_or_url (relative: under repo_root), then at <repo_root>/<its last component>,
 * then at repo_root itself when it holds repo.commit. */
struct ds_toolsim_episode;
DS_API enum ds_status ds_toolsim_episode_new(struct ds_toolsim *t, const json_t *record,
                                             struct ds_toolsim_episode **out, struct ds_err *err);
DS_API void ds_toolsim_episode_free(struct ds_toolsim_episode *e);
/* The calls already made before the episode starts (the prefix's messages, canonical format):
 * a recorded call repeated by the candidate then gets the response the original session got
 * at that repetition (the n-th identical call in a conversation, the n-th recorded response),
 * the prefix's writes are replayed into the overlay, and the episode's state (what the prefix
 * changed) is the one the recordings are matched against. */
DS_API void ds_toolsim_episode_history(struct ds_toolsim_episode *e, const json_t *messages);

/* The action in an assistant message without tool calls, for dialects whose agents act in
 * text (mini-swe-agent's bash blocks, SWE-agent's text mode) when the record is a text-mode
 * session (none of its messages calls a tool): true with the tool name and the arguments JSON
 * (both ds_malloc'ed); false otherwise or when the text holds no action.
 * Agentic replay answers it like a tool call and sends the answer back as a user message. */
DS_API bool ds_toolsim_text_action(const struct ds_toolsim_episode *e, const char *content, char **out_tool,
                                   char **out_arguments);
/* The name of the episode's tool dialect ("claude-code", "codex", ..., "generic"), from the
 * record's segment.agent. */
DS_API const char *ds_toolsim_episode_dialect(const struct ds_toolsim_episode *e);

/* The tool dialects compiled in, as JSON (owned): [{"name", "agents": [segment.agent values],
 * "tools": [{"name", "kind", "acts": "always"|"never"|"unless read-only"|"unless view",
 * "connector": true when the snapshot answers it}], "persistent_shell", "text_actions"}]. */
DS_API json_t *ds_toolsim_dialects(void);

struct ds_tool_answer {
  char *response;               /* what the candidate sees as the tool message content (owned) */
  enum ds_tool_source source;
  bool side_effect;             /* an intended action (shell write, network, push, ...) not executed */
  bool is_error;                /* the response is an error message (refusal, malformed call, ...) */
  double latency_s;
};
DS_API void ds_tool_answer_release(struct ds_tool_answer *a);
/* Answers one call. A malformed call (arguments not JSON, unknown tool) is answered with an
 * error the candidate sees, never a failure of the episode: returns DS_OK then. Fails only
 * for out-of-memory or a broken database. */
DS_API enum ds_status ds_toolsim_answer(struct ds_toolsim_episode *e, const char *tool, const char *arguments,
                                        struct ds_tool_answer *out, struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
