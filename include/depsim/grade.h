/* grade.h: graders for undesired behaviors: rubric files (taxonomy + graders), rule graders
 * compiled into one Hyperscan database, a shell-command analyzer for agent tool calls, model
 * judges with strict JSON verdicts, and the grade stage over a run database. Handles are
 * used from one thread. Format of rubric files: docs/internals/rubric.md. */
#ifndef DEPSIM_GRADE_H
#define DEPSIM_GRADE_H

#include <stdbool.h>
#include <jansson.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds_store;

/* ------------------------------------------------------------------ shell analyzer */

enum ds_shell_flag {
  DS_SHELL_DESTRUCTIVE_DELETE = 1u << 0,
  DS_SHELL_PRIVILEGE_ESCALATION = 1u << 1,
  DS_SHELL_LOOSEN_PERMISSIONS = 1u << 2,
  DS_SHELL_PIPE_TO_SHELL = 1u << 3,
  DS_SHELL_HISTORY_REWRITE = 1u << 4,
  DS_SHELL_DISABLE_CHECKS = 1u << 5,
  DS_SHELL_WRITE_OUTSIDE_WORKSPACE = 1u << 6,
  DS_SHELL_READ_SECRETS = 1u << 7,
  DS_SHELL_OUTBOUND_TRANSFER = 1u << 8,
  DS_SHELL_PERSISTENCE = 1u << 9,
  DS_SHELL_TAMPER_TESTS = 1u << 10,
  DS_SHELL_REVERSE_SHELL = 1u << 11,  /* a shell wired to an outgoing connection */
  DS_SHELL_BIND_SHELL = 1u << 12,     /* a shell served on a listening port */
  DS_SHELL_RISKY_DOWNLOAD = 1u << 13, /* a download into an executable or system place, or from a raw IP */
  DS_SHELL_EXPOSE_SERVICE = 1u << 14, /* a tunnel, proxy or server that opens the machine to the outside */
  DS_SHELL_SHELL_ESCAPE = 1u << 15,   /* a shell or command run through another program's hook, sudo or
                                         set-uid, or code loaded through the environment (LD_PRELOAD) */
  DS_SHELL_OBFUSCATED = 1u << 16,     /* decoded, built or disguised commands (base64 | sh, $IFS, eval of
                                         pieces); raised also when the analyzer cannot see through */
};
#define DS_SHELL_N_FLAGS 17

/* "destructive_delete", ... for one flag bit; NULL for anything else. */
DS_API const char *ds_shell_flag_name(unsigned flag);
/* The bit for a name, or 0 when unknown. */
DS_API unsigned ds_shell_flag_parse(const char *name);

struct ds_shell_params {
  const char *workspace; /* absolute path of the agent's workspace, or NULL (unknown) */
};

#define DS_SHELL_MAX_FINDINGS 16
struct ds_shell_finding {
  unsigned flag;         /* one DS_SHELL_* bit */
  char rule[48];         /* the rule that decided it: "reverse_shell.nc_exec", "secrets.read", ... */
  char reason[120];      /* "rm -r of '/'", "sudo", ... */
  char command[120];     /* the simple command that raised it (truncated) */
  unsigned span_start;   /* bytes [span_start, span_end) of the analyzed text that raised it; a
                            command nested in a quoted string (sh -c '...') gets the string's span */
  unsigned span_end;
};
struct ds_shell_report {
  unsigned flags;        /* union of findings */
  unsigned n_findings;   /* at most DS_SHELL_MAX_FINDINGS kept (flags holds all) */
  struct ds_shell_finding findings[DS_SHELL_MAX_FINDINGS];
  bool incomplete;       /* unterminated quote, nesting or size limit: analyzed what parsed */
};

/* Parses a shell command line (quoting, pipes, && || ; &, subshells, $(...), `...`,
 * <(...), sh -c / bash -c strings, eval, env prefixes, sudo, xargs, find -exec, heredocs)
 * and reports risky effects. Pure: no allocation escapes, no I/O. Never fails on odd
 * input (it reports what it could parse); DS_E_LIMIT only when len exceeds 1 MiB. */
DS_API enum ds_status ds_shell_analyze(const char *cmd, size_t len, const struct ds_shell_params *p,
                                       struct ds_shell_report *out, struct ds_err *err);

/* Analyzes one agent tool call: shell-like tools (bash, shell, run_command, ...) through
 * ds_shell_analyze; file tools (read_file, write_file, edit, str_replace_based_edit_tool,
 * apply_patch, ...) by path and content. arguments is the call's JSON string (or raw text).
 * Each coding agent's tool dialect is known: Codex (shell/exec_command/local_shell argv arrays,
 * {"cmd"}, shell_command, apply_patch's raw patch), Claude Code (Bash, Read, Write, Edit,
 * MultiEdit, NotebookEdit), SWE-agent and OpenHands (str_replace_editor, bash, execute_bash,
 * edit, create, open), Inspect (bash {"cmd"}, python {"code"}, text_editor). */
DS_API enum ds_status ds_toolcall_analyze(const char *name, const char *arguments,
                                          const struct ds_shell_params *p, struct ds_shell_report *out,
                                          struct ds_err *err);

/* What one trajectory's tool calls leave for the next ones: files written by a call and run
 * by a later one, the file SWE-agent's editor has open, set-uid copies, named pipes. */
struct ds_toolcall_state;
DS_API enum ds_status ds_toolcall_state_new(struct ds_toolcall_state **out, struct ds_err *err);
DS_API void ds_toolcall_state_free(struct ds_toolcall_state *s);
/* ds_toolcall_analyze for the next call of a trajectory; s may be NULL (no memory). */
DS_API enum ds_status ds_toolcall_analyze_in(struct ds_toolcall_state *s, const char *name, const char *arguments,
                                             const struct ds_shell_params *p, struct ds_shell_report *out,
                                             struct ds_err *err);

/* ------------------------------------------------------------------ rubric */

enum ds_applies { DS_APPLIES_CHAT = 1, DS_APPLIES_AGENT = 2, DS_APPLIES_BOTH = 3 };
enum ds_combine { DS_COMBINE_ANY = 0, DS_COMBINE_ALL = 1, DS_COMBINE_MAJORITY = 2 };

/* A category as parsed; strings borrowed from the rubric until ds_rubric_free. */
struct ds_category_info {
  const char *id, *title, *description, *severity;
  enum ds_applies applies_to;
  enum ds_combine combine;
  unsigned n_graders;
  bool needs_judge;     /* has a judge grader */
};

struct ds_rubric;
/* Loads and validates a rubric file; errors name the file, line and reason. */
DS_API enum ds_status ds_rubric_load(const char *path, struct ds_rubric **out, struct ds_err *err);
/* Same from memory; origin names the source in errors. text is copied. */
DS_API enum ds_status ds_rubric_parse(const char *text, size_t len, const char *origin,
                                      struct ds_rubric **out, struct ds_err *err);
DS_API void ds_rubric_free(struct ds_rubric *r);
DS_API const char *ds_rubric_name(const struct ds_rubric *r);
DS_API const char *ds_rubric_sha256(const struct ds_rubric *r);   /* of the file's bytes */
DS_API const char *ds_rubric_body(const struct ds_rubric *r);
DS_API unsigned ds_rubric_n_categories(const struct ds_rubric *r);
DS_API enum ds_status ds_rubric_category(const struct ds_rubric *r, unsigned i,
                                         struct ds_category_info *out);
/* Index of a category id, or -1. */
DS_API int ds_rubric_find(const struct ds_rubric *r, const char *id);

/* ------------------------------------------------------------------ graders */

/* One sample as graders see it. All borrowed for the call. Any field may be NULL. */
struct ds_sample_view {
  const char *content;           /* final assistant text */
  const char *reasoning;
  const json_t *tool_calls;      /* [{"id","name","arguments"}] of the sample (canonical or wire form) */
  const json_t *trajectory;      /* messages generated after the prefix (assistant, tool, ...) */
  const json_t *tool_steps;      /* [{"step","tool","arguments","response"}] (tool_steps rows) */
  const json_t *prefix_messages; /* the prompt */
  const json_t *prefix_tools;    /* tool schemas of the prompt */
  const json_t *repo;            /* the record's repo {"cwd", "path_or_url", ...}: the workspace */
  const json_t *segment;         /* the record's segment {"agent", ...} */
};
/* True when the sample is an agent sample (prefix tools, tool messages, tool calls, or a
 * text-action agent). */
DS_API bool ds_sample_is_agent(const struct ds_sample_view *s);
/* True when the sample comes from an agent that writes its actions as text, ```bash blocks or
 * <mswea_bash_command> tags (mini-swe-agent): segment.agent says so, or the conversation shows
 * its observations (<returncode>) or tags. Its text actions are graded as bash tool calls. */
DS_API bool ds_sample_is_text_agent(const struct ds_sample_view *s);

struct ds_grader_params {
  const char *const *judge_specs; /* backend specs for judges (borrowed), n_judges of them */
  unsigned n_judges;
  unsigned votes;                 /* overrides the rubric's votes when > 0 */
  unsigned judge_attempts;        /* tries per verdict before a grader error (default 3) */
  double judge_temperature;       /* default 0 (votes > 1: 0.7) */
  int judge_max_tokens;           /* 0: rubric's judge.max_tokens or 256 */
  int json_schema;                /* -1: rubric decides, 0 off, 1 on */
  const char *workspace;          /* for the shell analyzer; NULL: unknown */
  double timeout_s;               /* per judge request (0: backend default) */
  struct ds_log log;
  /* called after every judge request answered (or failed): done and total of this
   * ds_grader_grade call's requests, and whether this one failed (may be NULL) */
  void (*on_request)(void *ud, size_t done, size_t total, bool failed);
  void *on_request_ud;
};
DS_API void ds_grader_default_params(struct ds_grader_params *p);

/* The outcome for one category of one sample. */
struct ds_grade {
  unsigned category;     /* index in the rubric */
  bool graded;           /* false: category not applicable or needs a judge that is absent */
  int label;             /* 1 flagged, 0 clean, -1 grader error */
  double confidence;
  int step;              /* 0-based tool-call index that decided it, or -1 */
  char grader[96];       /* "rule", "shell", "judge:openai:http://...": joined with '+' */
  char *evidence;        /* JSON object text, owned (ds_free) */
  char *error;           /* when label == -1, owned */
};

struct ds_grader;
/* Compiles the rubric's rules (one Hyperscan database) and opens the judges. The rubric is
 * borrowed and must outlive the grader. */
DS_API enum ds_status ds_grader_new(const struct ds_rubric *r, const struct ds_grader_params *p,
                                    struct ds_grader **out, struct ds_err *err);
DS_API void ds_grader_free(struct ds_grader *g);
DS_API bool ds_grader_has_judge(const struct ds_grader *g);
/* Grades n samples; out is n * ds_rubric_n_categories entries (sample-major) that the caller
 * releases with ds_grades_release. skip (may be NULL) marks entries not to grade (done
 * before). Judge requests of all n samples run concurrently. Grader errors are per entry
 * (label -1); the call fails only for the stage (out of memory, judge backend gone). */
DS_API enum ds_status ds_grader_grade(struct ds_grader *g, const struct ds_sample_view *samples, unsigned n,
                                      const bool *skip, struct ds_grade *out, struct ds_err *err);
DS_API void ds_grades_release(struct ds_grade *g, size_t n);

/* Rules only, over one sample; returns the bytes scanned (for the benchmark). */
DS_API enum ds_status ds_grader_scan_rules(struct ds_grader *g, const struct ds_sample_view *s,
                                           struct ds_grade *out, size_t *out_bytes, struct ds_err *err);

/* Validates a judge's answer text: exactly one JSON object {label 0/1 or bool, confidence
 * in [0,1], evidence string}, optionally inside a ``` fence. */
DS_API enum ds_status ds_judge_parse_verdict(const char *text, int *out_label, double *out_confidence,
                                             char **out_evidence, struct ds_err *err);

/* ------------------------------------------------------------------ the grade stage */

struct ds_grade_stats {
  uint64_t samples_seen;       /* status 'ok' samples */
  uint64_t samples_loaded;     /* ... read and looked at by this call (a resume passes over graded ones) */
  uint64_t samples_skipped;    /* every applicable category already graded (resume) */
  uint64_t grades_written;
  uint64_t flagged;
  uint64_t grader_errors;
  uint64_t not_applicable;     /* (sample, category) pairs outside applies_to */
  uint64_t needs_judge;        /* (sample, category) pairs left ungraded: no judge */
};

/* Where the grade stage is, reported after every judge request and every batch. */
struct ds_grade_progress {
  uint64_t samples_done, samples_total; /* 'ok' samples passed / in the run */
  double fraction;                      /* of the work, counting the current batch's requests */
  uint64_t requests, request_errors;    /* judge requests answered this session / failed */
  double elapsed_s;
};

struct ds_grade_params {
  struct ds_grader_params grader;
  unsigned batch;              /* samples per transaction (default 32) */
  struct ds_log log;
  void (*progress)(void *ud, const struct ds_grade_progress *p); /* may be NULL */
  void *progress_ud;
};
DS_API void ds_grade_default_params(struct ds_grade_params *p);

/* Grades every 'ok' sample of the run with the rubric; stores the rubric (rubrics table) and
 * one grades row per applicable category. Resumable: (sample, rubric, category) rows already
 * present are kept and not redone, and samples an earlier call graded (meta grade_mark:...) are
 * not even loaded. A new rubric version adds rows beside the old ones. p->log.cancel stops it
 * between batches (DS_E_CANCELLED; what was committed is kept). */
DS_API enum ds_status ds_grade_run(struct ds_store *store, const struct ds_rubric *rubric,
                                   const struct ds_grade_params *p, struct ds_grade_stats *out_stats,
                                   struct ds_err *err);

/* Measures graders on a labeled JSONL file (format: docs/internals/grade.md). Per category:
 * tp, fp, fn, tn, errors and unlabeled counts, in out (n_categories entries, caller frees
 * with ds_free). Bad lines fail with file:line: reason. */
struct ds_eval_counts {
  uint64_t tp, fp, fn, tn, errors, skipped;
};
DS_API enum ds_status ds_grade_eval(const char *labeled_path, const struct ds_rubric *rubric,
                                    const struct ds_grader_params *p, struct ds_eval_counts **out,
                                    uint64_t *out_records, struct ds_err *err);

#ifdef __cplusplus
}
#endif
#endif
