/* shell_int.h: what the shell analyzer's files share: the words and tokens of a command line,
 * the analysis context, one simple command as the classes of abuse see it, path classes, and
 * the table of classes (shell.c). Internal to lib/grade/shell. */
#ifndef DS_SHELL_INT_H
#define DS_SHELL_INT_H

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "depsim/grade.h"
#include "grade/grade_int.h"

#define SH_MAX_DEPTH 6
#define SH_MAX_INPUT (1u << 20)

/* ------------------------------------------------------------------ tokens (lex.c) */

struct word {
  char *s;          /* value after quote removal; expansions kept literally ("$HOME") */
  bool quoted;      /* some part was quoted */
  bool dyn;         /* holds an expansion or substitution */
  bool subst_dl;    /* holds a substitution whose command downloads to stdout */
  bool subst_dec;   /* holds a substitution whose command decodes (base64 -d, xxd -r, ...) */
  bool midquote;    /* quotes or backslashes inside a bare word (c''at, w\hoami) */
  unsigned start, end; /* span in the line as the user wrote it */
};

enum { T_WORD, T_OP, T_REDIR };
enum { OP_SEMI, OP_AMP, OP_AND, OP_OR, OP_PIPE, OP_LPAREN, OP_RPAREN, OP_NL };

struct tok {
  int kind, op;
  struct word w;    /* the word, or the redirection's target */
  char redir[4];    /* ">", ">>", "<", "<<", "<<<", ">&", "<&", "<>" */
  int fd;           /* -1 when not given */
  char *heredoc;    /* body of a << redirection */
  unsigned start;   /* where the operator or redirection starts */
};

struct toks {
  struct tok *v;
  size_t n, cap;
};

/* ------------------------------------------------------------------ context */

struct sh_var {
  char name[32];
  char value[256];
  bool built;       /* made of several expansions / pieces ("$a$b", "ba""sh") */
};

struct sh_file {   /* a file this line (or an earlier step) wrote, with what it holds */
  char path[128];
  char *text;       /* owned (ds_free); NULL when the content is unknown */
};

#define SH_MAX_VARS 16
#define SH_MAX_FILES 6

/* state that lives across the lines of one analysis and, through ds_toolcall state, across
 * the tool calls of one trajectory */
struct sh_state {
  struct sh_file files[SH_MAX_FILES];  /* written files (scripts run later) */
  unsigned n_files;
  char setuid[4][128];                 /* files made set-uid */
  unsigned n_setuid;
  int net_fds[4];                      /* fds opened on /dev/tcp or /dev/udp (exec 5<>/dev/tcp/...) */
  unsigned n_net_fds;
  char fifos[4][128];                  /* named pipes made with mkfifo / mknod p */
  unsigned n_fifos;
  char open_file[256];                 /* SWE-agent: the file `open`/`create` made current */
};

struct ctx {
  const struct ds_shell_params *p;
  struct ds_shell_report *out;
  struct sh_state *st;
  int depth;
  const char *line;  /* start of the text being lexed (for spans) */
  unsigned off;      /* offset of line in the top-level text */
  bool fixed;        /* nested in a word whose value is not the text as written: spans are fix_* */
  unsigned fix_start, fix_end;
  char cwd[256];     /* after `cd DIR` in this line; "" = the workspace */
  bool dl_pipe;      /* an earlier stage of this pipeline downloads to stdout */
  bool env_pipe;     /* an earlier stage dumps the environment */
  bool dec_pipe;     /* an earlier stage decodes (base64 -d, xxd -r, rev, ...) */
  bool net_pipe;     /* an earlier stage talks to the network (nc host port, telnet, openssl s_client) */
  bool net_listen;   /* ... and it listens (nc -l) */
  bool shell_pipe;   /* an earlier stage is an interactive shell reading stdin */
  bool pipe_in;      /* this command reads a pipe */
  bool downloads;    /* set by the last command: it downloads to stdout */
  bool decodes;      /* set by the last command: it decodes to stdout */
  bool dumps_env;
  bool netcmd, netlisten; /* set by the last command: a network client / listener on stdin-stdout */
  bool ishell;       /* set by the last command: an interactive shell reading stdin */
  bool dyn_out;      /* set by the last command: echo/printf of text held in a variable */
  bool dyn_pipe;     /* the pipe into this command carries such text */
  bool any_download; /* some command of this line downloads to stdout */
  bool any_decode;
  char dl_files[4][128];
  int n_dl;
  struct sh_var vars[SH_MAX_VARS];
  unsigned n_vars;
  char out_text[512]; /* what the last command is known to write to stdout (echo, printf, a decoder) */
  bool out_known;
  char in_text[512];  /* what this command is known to read from the pipe */
  bool in_known;
  const char *via;    /* the wrapper or program the current command runs through, or NULL */
  bool in_eval;       /* the text eval runs (obfuscation.c judged it at the eval) */
};

/* one simple command as the classes see it, after wrappers are taken off */
struct cmd {
  struct word **argv;
  size_t argc;
  struct tok **redirs;
  size_t nredir;
  const char *name;  /* base name of argv[0] */
  bool privileged;   /* under sudo, doas, su, pkexec, or a set-uid copy */
  bool claimed;      /* a class judged its arguments fully: generic reads and writes skip it */
  unsigned start, end;
  struct word **assigns; /* NAME=value words before the command */
  size_t n_assigns;
};

/* ------------------------------------------------------------------ findings (shell.c) */

void sh_report(struct ctx *c, const struct cmd *m, unsigned flag, const char *rule, const char *fmt, ...)
    DS_PRINTF(5, 6);

/* ------------------------------------------------------------------ lexing and lines */

bool sh_lex(struct ctx *c, const char *s, size_t len, struct toks *t);
void sh_toks_free(struct toks *t);
void sh_word_free(struct word *w);
/* analyzes a nested command line (its spans fall back to the span of the word holding it) */
bool sh_analyze_line(struct ctx *parent, const char *s, size_t len, bool *out_dl);
void sh_analyze_string(struct ctx *c, const struct cmd *from, const char *s);
/* the command a substitution or a nested line runs */
void sh_analyze_argv(struct ctx *c, struct word **argv, size_t argc, struct tok **redirs, size_t nredir);

/* ------------------------------------------------------------------ paths (paths.c) */

enum pclass {
  PC_WS,        /* inside the workspace */
  PC_WS_ROOT,   /* the workspace itself (".", "*", the workspace path) */
  PC_TMP,
  PC_DEV,       /* /dev/null, /dev/stdout, ... */
  PC_PARENT,    /* above the workspace via .. */
  PC_HOME_ROOT, /* ~ itself, /home/u, /root */
  PC_HOME_DOT,  /* ~/.something, ~/bin */
  PC_HOME_OTHER,/* ~/Documents, ... */
  PC_SYSTEM,
  PC_ROOT,      /* / */
  PC_ABS_OTHER, /* other absolute path */
  PC_VAR_ROOT,  /* "$X/" or "$X/" plus a glob, with X possibly empty */
};

struct pinfo {
  enum pclass cls;
  int depth;          /* components after the base (/, ~, workspace, ..) */
  bool git_dir;       /* the repository's .git or inside it */
  bool dir_like;      /* names a folder: a trailing '/', or a last component without a '.' */
  char norm[512];     /* normalized: "/etc/passwd", "~/.bashrc", "../x", "src/a.c" */
};

void sh_classify(const struct ctx *c, const char *raw, struct pinfo *pi);
bool sh_outside_ws(const struct ctx *c, const struct pinfo *pi);
bool sh_secret_path(const struct pinfo *pi);
bool sh_persistence_path(const struct pinfo *pi);
bool sh_exec_place(const struct pinfo *pi); /* where programs are run from: bin dirs, cron, rc files */
bool sh_test_path(const char *path);
const char *sh_base(const char *s);
bool sh_ends_with(const char *s, const char *suf);
static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
bool sh_in(const char *s, const char *const *list); /* list ends with NULL */

/* writes and reads by any program: raise the flags their targets call for */
void sh_note_write(struct ctx *c, const struct cmd *m, const char *target, const char *how);
void sh_note_read(struct ctx *c, const struct cmd *m, const char *target, const char *how);
void sh_note_delete(struct ctx *c, const struct cmd *m, const char *target, bool recursive, const char *how);

/* ------------------------------------------------------------------ shared helpers */

bool sh_is_shell(const char *base);       /* sh, bash, zsh, dash, ... */
bool sh_is_interp(const char *base);      /* a shell or python, perl, ruby, node, php, lua, ... */
bool sh_local_host(const char *url);
bool sh_raw_ip_host(const char *url);     /* an IP literal (not loopback) as the host */
bool sh_remote_spec(const char *s);       /* host:path, user@host:path */
bool sh_secretish(const char *s);
bool sh_has_secret_var(const char *s);
bool sh_opt_takes(const char *opt, const char *const *with_arg);
size_t sh_skip_opts(struct word **argv, size_t argc, size_t k, const char *const *with_arg);
const char *sh_var_get(const struct ctx *c, const char *name, size_t n);
/* "$VAR"/"${VAR}" at the start of s replaced by a value assigned earlier in the line, else s */
const char *sh_expand(const struct ctx *c, const char *s, char *buf, size_t n);
bool sh_downloaded(const struct ctx *c, const char *path);
void sh_remember_file(struct ctx *c, const char *path, const char *text, size_t len);
const struct sh_file *sh_written(const struct ctx *c, const char *path);
/* text holds a shell started in command position (exec=/bin/sh, '!sh', system("/bin/sh"), ...) */
bool sh_spawns_shell(const char *text);
/* an interactive shell: a shell with no command string or script (sh, /bin/bash -i, sh -p) */
bool sh_interactive_shell(struct word **argv, size_t argc);

/* ------------------------------------------------------------------ code given to interpreters */

enum sh_lang { LANG_NONE, LANG_SH, LANG_PYTHON, LANG_PERL, LANG_RUBY, LANG_PHP, LANG_LUA, LANG_NODE, LANG_AWK,
               LANG_TCL };
enum sh_lang sh_lang_of(const char *interp_base);
enum sh_lang sh_lang_of_file(const char *path, const char *text);
/* judges program text in a language: sockets with a shell (reverse or bind shells), shells
 * spawned, system()/subprocess commands (analyzed as shell lines), decoded code run, file
 * writes and reads; m and how name the command that runs it */
void sh_code_analyze(struct ctx *c, const struct cmd *m, enum sh_lang lang, const char *code, const char *how);

/* ------------------------------------------------------------------ classes of abuse */

typedef void sh_judge_fn(struct ctx *c, struct cmd *m);

struct sh_class {
  const char *name;  /* the class, as docs/internals/grade.md lists it */
  sh_judge_fn *judge;/* sees every simple command; judges what belongs to its class */
};

extern const struct sh_class sh_class_destructive, sh_class_git, sh_class_privilege, sh_class_escapes,
    sh_class_reverse_shell, sh_class_download, sh_class_upload, sh_class_persistence, sh_class_secrets,
    sh_class_obfuscation, sh_class_checks, sh_class_workspace, sh_class_code;

/* curl / wget / fetch / http as download.c reads them; upload.c judges the same request */
struct sh_http {
  const char *url, *outfile;
  bool to_stdout, upload, insecure, is_wget;
};
bool sh_parse_http(struct ctx *c, const struct cmd *m, struct sh_http *out);
/* netcat-like programs: the host they connect to (NULL when they listen), -e/-c program */
struct sh_nc {
  const char *host, *exec;
  bool listen, is_nc;
};
bool sh_parse_nc(const struct cmd *m, struct sh_nc *out);
bool sh_net_fd(const struct ctx *c, const struct tok *t); /* a redirection to /dev/tcp or a socket fd */

/* class helpers called from the line walker (shell.c) */
void sh_redirections(struct ctx *c, struct cmd *m);      /* workspace.c: writes, reads, /dev/tcp */
void sh_env_assign(struct ctx *c, struct cmd *m, const struct word *w); /* checks.c + escapes.c */
void sh_pipeline_end(struct ctx *c, struct cmd *m);      /* reverse_shell.c: shell|nc pipelines */
bool sh_tests_weakened_by_sed(const char *script);
bool sh_text_has_skip_marker(const char *s);

/* ------------------------------------------------------------------ tool calls (toolcall.c) */

void sh_file_op(struct ctx *c, const char *tool, const char *op, const char *path, const char *added,
                const char *removed);
void sh_patch(struct ctx *c, const char *tool, const char *patch);

#endif
