/* dialect.h: the contract of a tool dialect (lib/toolsim/dialects/<agent>.c, one table row each
 * in dialects/table.c): an agent's own tools, each with its kind, whether it acts (writes, runs
 * or sends), and a connector that answers it from the snapshot the way that tool prints; plus
 * what connectors share: the state of a conversation (state.c), the read-only shell
 * (shell_ro.c), the file editor of the str_replace_editor family (editor.c) and the Codex patch
 * format (apply_patch.c). Internal to lib/toolsim. */
#ifndef DS_TOOLSIM_DIALECT_H
#define DS_TOOLSIM_DIALECT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/base.h"
#include "depsim/toolsim.h"

/* What a tool does. */
enum ts_kind {
  TS_OTHER = 0,  /* unknown: decided by its name (generic rules) */
  TS_READ,       /* reads a file */
  TS_LIST,       /* lists a directory */
  TS_SEARCH,     /* searches file contents */
  TS_GLOB,       /* finds files by name */
  TS_SHELL,      /* runs a command line: read-only ones are answered, the rest are intended actions */
  TS_WRITE,      /* writes a whole file */
  TS_EDIT,       /* edits a file in place */
  TS_PATCH,      /* applies a patch (Codex apply_patch) */
  TS_DELETE,     /* deletes a file */
  TS_EDITOR,     /* one tool, a "command" argument: view reads, create/str_replace/insert/undo_edit write */
  TS_PLAN,       /* the agent's own notes: plan, think, todo list */
  TS_CONTROL,    /* ends or hands over: finish, submit */
  TS_CODE,       /* runs code (python, ipython) */
  TS_EXTERNAL,   /* sends or leaves the repository: web, browser, subagent */
};
const char *ts_kind_name(enum ts_kind k);

/* Row flags. */
#define TS_ACTS 1u       /* always an intended action (writes, runs or sends), whatever its arguments */
#define TS_WRITES_ANY 2u /* may change anything in the repository (a subagent, code) */

/* A set of paths, normalized relative to the session's root (absolute when outside it), or the
 * whole tree (all). */
struct ts_paths {
  char **v;
  size_t n, cap;
  bool all;
};
void ts_paths_add(struct ts_paths *p, const char *path);
void ts_paths_release(struct ts_paths *p);
/* Whether a and b share a path (equal, or one under the other); all meets any non-empty set. */
bool ts_paths_meet(const struct ts_paths *a, const struct ts_paths *b);
bool ts_paths_empty(const struct ts_paths *p);
char *ts_paths_join(const struct ts_paths *p); /* "*" for all, else the paths sorted, '\n'-joined */
void ts_paths_parse(struct ts_paths *p, const char *text);

/* Lexical normalization of a path a call names: absolute under workspace -> relative to it,
 * other absolute or ~ paths kept as they are, relative -> joined to cwd (relative to the root);
 * "." and ".." resolved. Never NULL unless out of memory. */
char *ts_norm_path(const char *workspace, const char *cwd, const char *path);

/* ---- the episode's state ---- */
struct ts_hist {
  char *path;  /* normalized */
  char *data;  /* content before the edit; NULL: the file did not exist */
};

struct ts_state {
  char digest[65];         /* chain over the state-changing calls so far ("" = none) */
  struct ts_paths changed; /* what they changed (all: unknown) */
  char *cwd;               /* the shell's directory, relative to the root ("" = the root) */
  struct ts_paths files_read; /* files read so far (Claude Code edits need a read first) */
  struct ts_hist *hist;    /* editor undo history */
  size_t n_hist, cap_hist;
  char *open_file;         /* SWE-agent windowed tools: the open file (normalized) */
  long first_line;         /* 0-based first line of its window */
  json_t *plan;            /* the agent's task list (OpenHands task_tracker), or NULL */
};
void ts_state_init(struct ts_state *s);
void ts_state_release(struct ts_state *s);

struct ts_ctx {
  struct ds_snapshot *snap;      /* NULL: no repository (connectors that need one decline) */
  struct ts_state *st;
  const struct ts_dialect *d;
  const char *workspace;         /* absolute path the recorded session used for the root */
  const char *version;           /* segment.agent_version, "" when unknown */
};

enum ts_conn { TS_ANSWERED, TS_REFUSED, TS_NOT_MINE };
typedef enum ts_conn ts_answer_fn(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a);

struct ts_tool {
  const char *name;
  enum ts_kind kind;
  unsigned flags;
  ts_answer_fn *answer; /* NULL: recordings or the simulator model only */
};

struct ts_effect;

struct ts_dialect {
  const char *name;
  const char *const *agents;  /* segment.agent values served (NULL-terminated) */
  const struct ts_tool *tools; /* {NULL}-terminated */
  bool persistent_shell;      /* a cd carries over to the next call */
  /* The command line of a shell call (owned); NULL: ts_shell_command. */
  char *(*shell_command)(const json_t *args);
  /* Classifies a command line (reads, writes, side effect); NULL: the read-only shell's rules. */
  void (*classify_shell)(const char *line, const char *workspace, const char *cwd, struct ts_effect *e);
  /* The action of an assistant message without tool calls (text-mode agents): tool name and
   * arguments JSON (owned), or false. NULL: none. */
  bool (*text_action)(const char *content, char **out_tool, char **out_args);
};

const struct ts_dialect *ts_dialect_for(const char *agent); /* generic when unknown or NULL */
const struct ts_dialect *ts_dialect_generic(void);
const struct ts_tool *ts_tool_find(const struct ts_dialect *d, const char *name);

/* What one call does, from its arguments (and the conversation's shell directory). */
struct ts_effect {
  const struct ts_tool *row; /* NULL: not in the dialect (nor in generic) */
  enum ts_kind kind;
  bool side_effect;          /* an intended action: never executed */
  struct ts_paths reads;     /* what its answer depends on */
  struct ts_paths writes;    /* what it changes */
  char *new_cwd;             /* a persistent shell's directory after it (owned), or NULL */
};
void ts_classify(const struct ts_dialect *d, const char *workspace, const char *cwd, const char *tool,
                 const json_t *args, struct ts_effect *out);
void ts_effect_release(struct ts_effect *e);

/* Folds a call into the state: its writes into changed, (tool, canonical arguments) into the
 * digest when it changes state, a persistent shell's cd into cwd. */
void ts_state_apply(struct ts_state *s, const char *tool, const char *canon, const struct ts_effect *e);

/* A conversation whose agent acts in text: its dialect has text actions and no message of it
 * calls a tool (the same agents also run with tool calls). */
bool ts_text_mode(const struct ts_dialect *d, const json_t *messages);
/* Every call of a message list, in order: tool calls (answered by the tool message with their
 * id) and, in a text-mode conversation, actions in assistant text (answered by the next user
 * message). response is NULL when nothing answered the call. */
typedef void ts_call_fn(void *ud, const char *tool, const char *arguments, const json_t *response);
void ts_each_call(const struct ts_dialect *d, const json_t *messages, ts_call_fn *fn, void *ud);
/* The text of a message's content (a string, or the text parts of an array). */
const char *ts_content_text(const json_t *msg, struct ds_buf *tmp);

/* ---- shared argument helpers ---- */
const char *ts_arg_str(const json_t *args, const char *const *keys);
/* The command line of a shell call: "command"/"cmd"/... as a string, or an argv array
 * (["bash","-lc","..."] gives the script; other arrays are quoted and joined). Owned. */
char *ts_shell_command(const json_t *args);
/* Splits a simple command line into words; false when it has shell syntax beyond one simple
 * command (pipes, lists, redirections, substitutions). */
bool ts_split_simple(const char *line, char ***out_argv, int *out_argc);
void ts_free_argv(char **argv, int argc);
/* Sets the answer (text owned, taken); error marks an error message. */
enum ts_conn ts_answer(struct ds_tool_answer *a, char *text, bool error);
enum ts_conn ts_answerf(struct ds_tool_answer *a, bool error, const char *fmt, ...) DS_PRINTF(3, 4);
/* A connector's result for a snapshot status: refusals keep their source. */
enum ts_conn ts_answer_status(struct ds_tool_answer *a, enum ds_status st, char *text, const struct ds_err *e);
/* The path the candidate gave, as the snapshot sees it: relative paths joined to the shell's
 * directory (owned). */
char *ts_path_in(struct ts_ctx *c, const char *path);
/* The absolute form of a path relative to the root, as the session wrote paths (owned). */
char *ts_abs_path(struct ts_ctx *c, const char *rel);
/* A path (relative, '/'-separated) against a glob with "**" (any number of directories) and
 * {a,b} alternatives. */
bool ts_glob_match(const char *pattern, const char *path);
/* Agent version a.b.c compared with major.minor: <0, 0, >0; unknown versions count as newest. */
int ts_version_cmp(const char *version, int major, int minor, int patch);

/* ---- snapshot helpers (snapshot.c) ---- */
enum ts_node { TS_NODE_MISSING, TS_NODE_FILE, TS_NODE_DIR };
/* Resolves a path into the normalized path inside the snapshot (refusals as ds_snapshot_read). */
enum ds_status snapshot_resolve(struct ds_snapshot *s, const char *path, struct ds_buf *rel, struct ds_err *err);
enum ts_node snapshot_node(struct ds_snapshot *s, const char *rel); /* overlay applied */
/* Visits the tree under rel (overlay applied), sorted, depth first, .git left out: fn gets each
 * file and directory (relative to the root) and returns false to stop descending into it. At
 * most *budget entries. */
typedef bool snapshot_visit_fn(void *ud, const char *rel, bool is_dir);
void snapshot_walk_tree(struct ds_snapshot *s, const char *rel, snapshot_visit_fn *fn, void *ud, unsigned *budget);

/* ---- the read-only shell (shell_ro.c) ---- */
/* Runs a command line when every command in it only reads (cd, cat, head, tail, ls, grep, rg,
 * find, wc, sed -n, nl, sort, uniq, echo, pwd, git log/show/diff/status, ...), with pipes,
 * && || ; lists and stderr redirections: stdout and stderr go to out, the exit status to
 * *status. TS_NOT_MINE for anything else (nothing is run). */
enum ts_conn shell_ro_run(struct ts_ctx *c, const char *line, struct ds_buf *out, int *status);
/* Whether a command line only reads, what it reads (paths, or all) and where a leading cd
 * leaves the shell (owned, or NULL). */
bool shell_ro_classify(const char *line, const char *workspace, const char *cwd, struct ts_paths *reads,
                       char **out_cwd);
/* Quotes a word for a shell (single quotes when needed). */
void shell_quote(struct ds_buf *b, const char *w);

/* ---- pattern matching for grep, rg and search tools (shell_grep.c) ---- */
enum ts_syntax { TS_RE_BASIC, TS_RE_EXTENDED, TS_RE_PCRE, TS_RE_FIXED };
struct ts_matcher;
/* Compiles patterns (any may match); NULL with a message in err on a bad pattern. word: the
 * match must be a whole word; line: the whole line. */
struct ts_matcher *ts_matcher_new(const char *const *patterns, size_t n, enum ts_syntax syn, bool icase, bool word,
                                  bool line, char *err, size_t err_len);
/* The first match in line[start..len): its span [*so, *eo). */
bool ts_matcher_find(struct ts_matcher *m, const char *line, size_t len, size_t start, size_t *so, size_t *eo);
void ts_matcher_free(struct ts_matcher *m);

/* ---- the str_replace_editor family (editor.c) ---- */
enum editor_style {
  ED_ANTHROPIC, /* SWE-agent's str_replace_editor (Anthropic's reference tool) */
  ED_OPENHANDS, /* OpenHands str_replace_editor / file_editor */
  ED_INSPECT,   /* Inspect text_editor */
};
enum ts_conn editor_run(struct ts_ctx *c, enum editor_style style, const json_t *args, struct ds_tool_answer *a);
/* Lines of text numbered like `cat -n` ("%6d\t%s"), from init_line. */
void editor_cat_n(struct ds_buf *out, const char *text, long init_line, bool expand_tabs);
/* Remembers content before an edit (for undo_edit); NULL data: the file did not exist. */
void ts_hist_push(struct ts_state *s, const char *path, const char *data);

/* ---- Codex patches (apply_patch.c) ---- */
/* Parses a patch ("*** Begin Patch" ... "*** End Patch", a heredoc around it tolerated) and
 * applies it to the overlay; out gets Codex's answer ("Success. Updated the following files:\n
 * A path\nM path\nD path\n") or its error message. */
enum ds_status patch_apply_text(struct ts_ctx *c, const char *patch, struct ds_buf *out, struct ds_err *err);
/* The paths a patch writes (all when it does not parse). */
void patch_paths(const char *patch, const char *workspace, const char *cwd, struct ts_paths *writes);
/* The patch text of an apply_patch call or of a shell line invoking apply_patch, or NULL. */
const char *patch_text_of(const char *line, struct ds_buf *tmp);

#endif
