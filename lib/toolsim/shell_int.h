/* shell_int.h: what the read-only shell's parser and runner (shell_ro.c) share with its
 * commands (shell_cmds.c). Internal to lib/toolsim. */
#ifndef DS_TOOLSIM_SHELL_INT_H
#define DS_TOOLSIM_SHELL_INT_H

#include "toolsim/dialect.h"

/* One command being run: its stdin, where its output goes, its exit status. */
struct sh_run {
  struct ts_ctx *c;
  const char *cwd;        /* the line's directory, relative to the root ("" = the root) */
  const char *in;         /* stdin (NULL: none, a terminal that gives nothing) */
  size_t in_len;
  struct ds_buf *out;     /* stdout */
  struct ds_buf *err;     /* stderr */
  int status;
  bool not_mine;          /* an option or form this shell does not answer: nothing is shown */
  bool refused;           /* a path outside the repository: err holds the refusal */
};

typedef void sh_cmd_fn(struct sh_run *r, char **argv, int argc);

/* How a read-only command's operands name what it reads (for classification). */
enum sh_reads {
  SH_R_NONE,   /* nothing of the repository (echo, pwd) or only stdin when no operand */
  SH_R_FILES,  /* every operand is a path; none: stdin (or "." for ls) */
  SH_R_PATTERN,/* the first operand is a pattern, the rest paths (grep, rg) */
  SH_R_SCRIPT, /* the first operand is a script (sed, awk), the rest paths */
  SH_R_FIND,   /* the operands before the first expression are paths */
  SH_R_ALL,    /* unknown: the whole tree (git, du, tree, ...) */
};

struct sh_builtin {
  const char *name;
  sh_cmd_fn *run;            /* NULL: read-only, but not answered here */
  enum sh_reads reads;
  const char *opts_with_arg; /* short options that take an argument ("nc" for head) */
};
const struct sh_builtin *sh_builtin_find(const char *name);

/* Reads a file named as the user wrote it (relative to the line's directory): DS_OK with its
 * content, else a message in the style of prog ("cat: x: No such file or directory") on err
 * and status set; a refusal marks r->refused. */
enum ds_status sh_read_file(struct sh_run *r, const char *prog, const char *name, struct ds_buf *out);
/* The path of an operand as the snapshot sees it (owned). */
char *sh_path(struct sh_run *r, const char *name);
/* The node an operand names (resolving it; a refusal marks r->refused). */
enum ts_node sh_node(struct sh_run *r, const char *name, struct ds_buf *rel);
/* Splits text into lines (without their '\n'): returns the count; *out_lines owned (the
 * pointers into text, which is modified). A final line without '\n' counts. */
size_t sh_lines(char *text, size_t len, char ***out_lines);
bool sh_is_binary(const char *data, size_t len);
/* Whether a path (relative) matches a glob pattern, fnmatch-style. */
bool sh_glob_match(const char *pattern, const char *name, bool icase);

/* Commands (shell_cmds.c, shell_grep.c). */
void sh_cmd_cat(struct sh_run *r, char **argv, int argc);
void sh_cmd_head_tail(struct sh_run *r, char **argv, int argc);
void sh_cmd_ls(struct sh_run *r, char **argv, int argc);
void sh_cmd_wc(struct sh_run *r, char **argv, int argc);
void sh_cmd_sed(struct sh_run *r, char **argv, int argc);
void sh_cmd_nl(struct sh_run *r, char **argv, int argc);
void sh_cmd_sort(struct sh_run *r, char **argv, int argc);
void sh_cmd_uniq(struct sh_run *r, char **argv, int argc);
void sh_cmd_echo(struct sh_run *r, char **argv, int argc);
void sh_cmd_pwd(struct sh_run *r, char **argv, int argc);
void sh_cmd_true(struct sh_run *r, char **argv, int argc);
void sh_cmd_false(struct sh_run *r, char **argv, int argc);
void sh_cmd_git(struct sh_run *r, char **argv, int argc);
void sh_cmd_grep(struct sh_run *r, char **argv, int argc);
void sh_cmd_rg(struct sh_run *r, char **argv, int argc);
void sh_cmd_find(struct sh_run *r, char **argv, int argc);

#endif
