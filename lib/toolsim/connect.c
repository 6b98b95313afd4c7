/* connect.c: helpers every connector shares: the command line of a shell call (strings and
 * argv arrays), simple word splitting, answers and errors, paths as the session wrote them, and
 * agent versions. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

const char *ts_kind_name(enum ts_kind k) {
  static const char *const names[] = {"other", "read", "list", "search", "glob", "shell", "write", "edit",
                                      "patch", "delete", "editor", "plan", "control", "code", "external"};
  return (unsigned)k < DS_ARRAY_LEN(names) ? names[k] : "other";
}

void shell_quote(struct ds_buf *b, const char *w) {
  bool plain = *w != '\0';
  for (const char *p = w; *p && plain; p++)
    plain = isalnum((unsigned char)*p) || strchr("@%+=:,./_-", *p);
  if (plain) {
    ds_buf_adds(b, w);
    return;
  }
  ds_buf_addc(b, '\'');
  for (const char *p = w; *p; p++) {
    if (*p == '\'') ds_buf_adds(b, "'\\''");
    else ds_buf_addc(b, *p);
  }
  ds_buf_addc(b, '\'');
}

static bool is_shell_name(const char *s) {
  const char *base = strrchr(s, '/');
  base = base ? base + 1 : s;
  return strcmp(base, "bash") == 0 || strcmp(base, "sh") == 0 || strcmp(base, "zsh") == 0 ||
         strcmp(base, "dash") == 0;
}

/* argv as one command line: a shell's -c script as it is, other words quoted and joined */
static char *argv_line(const json_t *arr) {
  size_t n = json_array_size(arr);
  const char *w0 = json_string_value(json_array_get(arr, 0));
  if (n >= 3 && w0 && is_shell_name(w0)) {
    const char *flag = json_string_value(json_array_get(arr, n - 2));
    const char *script = json_string_value(json_array_get(arr, n - 1));
    if (flag && script && flag[0] == '-' && strchr(flag, 'c')) return ds_strdup(script);
  }
  struct ds_buf b;
  ds_buf_init(&b, 0);
  for (size_t i = 0; i < n; i++) {
    const char *w = json_string_value(json_array_get(arr, i));
    if (!w) {
      ds_buf_release(&b);
      return NULL;
    }
    if (i) ds_buf_addc(&b, ' ');
    shell_quote(&b, w);
  }
  return ds_buf_detach(&b, NULL);
}

char *ts_shell_command(const json_t *args) {
  static const char *const keys[] = {"command", "cmd", "script", "code", NULL};
  for (const char *const *k = keys; *k; k++) {
    const json_t *v = json_object_get(args, *k);
    if (json_is_string(v)) return ds_strdup(json_string_value(v));
    if (json_is_array(v) && json_array_size(v)) return argv_line(v);
  }
  return NULL;
}

bool ts_split_simple(const char *line, char ***out_argv, int *out_argc) {
  char **argv = NULL;
  int argc = 0, cap = 0;
  struct ds_buf w;
  ds_buf_init(&w, 0);
  bool in_word = false, ok = true;
  for (const char *p = line;; p++) {
    char c = *p;
    if (c == '\0' || isspace((unsigned char)c)) {
      if (in_word) {
        if (argc + 2 > cap) {
          cap = cap ? cap * 2 : 8;
          char **v = ds_realloc(argv, (size_t)cap * sizeof *argv);
          if (!v) {
            ok = false;
            break;
          }
          argv = v;
        }
        argv[argc++] = ds_buf_detach(&w, NULL);
        argv[argc] = NULL;
        in_word = false;
      }
      if (c == '\0') break;
      continue;
    }
    if (strchr("|&;<>`(){}", c) || (c == '$' && p[1] == '(')) {
      ok = false;
      break;
    }
    in_word = true;
    if (c == '\'') {
      const char *e = strchr(p + 1, '\'');
      if (!e) {
        ok = false;
        break;
      }
      ds_buf_add(&w, p + 1, (size_t)(e - p - 1));
      p = e;
    } else if (c == '"') {
      p++;
      while (*p && *p != '"') {
        if (*p == '\\' && p[1]) p++;
        if (*p == '$' || *p == '`') {
          ok = false;
          break;
        }
        ds_buf_addc(&w, *p++);
      }
      if (!ok || !*p) {
        ok = false;
        break;
      }
    } else if (c == '\\' && p[1]) {
      ds_buf_addc(&w, *++p);
    } else {
      ds_buf_addc(&w, c);
    }
  }
  ds_buf_release(&w);
  if (!ok || argc == 0) {
    ts_free_argv(argv, argc);
    return false;
  }
  *out_argv = argv;
  *out_argc = argc;
  return true;
}

void ts_free_argv(char **argv, int argc) {
  for (int i = 0; i < argc; i++) ds_free(argv[i]);
  ds_free(argv);
}

enum ts_conn ts_answer(struct ds_tool_answer *a, char *text, bool error) {
  a->response = text;
  a->source = DS_TOOL_SOURCE_CONNECTOR;
  a->is_error = error;
  return TS_ANSWERED;
}

enum ts_conn ts_answerf(struct ds_tool_answer *a, bool error, const char *fmt, ...) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  va_list ap;
  va_start(ap, fmt);
  ds_buf_vaddf(&b, fmt, ap);
  va_end(ap);
  return ts_answer(a, ds_buf_detach(&b, NULL), error);
}

enum ts_conn ts_answer_status(struct ds_tool_answer *a, enum ds_status st, char *text, const struct ds_err *e) {
  if (st == DS_OK) return ts_answer(a, text, false);
  ds_free(text);
  a->response = ds_strdup(e->msg);
  a->is_error = true;
  bool refused = st == DS_E_INVALID && strncmp(e->msg, "refused", 7) == 0;
  a->source = refused ? DS_TOOL_SOURCE_REFUSED : DS_TOOL_SOURCE_CONNECTOR;
  return refused ? TS_REFUSED : TS_ANSWERED;
}

char *ts_path_in(struct ts_ctx *c, const char *path) {
  const char *cwd = c->st && c->st->cwd ? c->st->cwd : "";
  if (!path) path = "";
  if (path[0] == '/' || path[0] == '~' || !*cwd) return ds_strdup(path);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_addf(&b, "%s/%s", cwd, path);
  return ds_buf_detach(&b, NULL);
}

char *ts_abs_path(struct ts_ctx *c, const char *rel) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  const char *ws = c->workspace && *c->workspace ? c->workspace : "/workspace";
  size_t wl = strlen(ws);
  while (wl > 1 && ws[wl - 1] == '/') wl--;
  if (rel && rel[0] == '/') ds_buf_adds(&b, rel);
  else if (!rel || !*rel) ds_buf_add(&b, ws, wl);
  else ds_buf_addf(&b, "%.*s/%s", (int)wl, ws, rel);
  return ds_buf_detach(&b, NULL);
}

int ts_version_cmp(const char *version, int major, int minor, int patch) {
  if (!version || !isdigit((unsigned char)version[0])) return 1;
  long v[3] = {0, 0, 0};
  const char *p = version;
  for (int i = 0; i < 3 && isdigit((unsigned char)*p); i++) {
    v[i] = strtol(p, (char **)&p, 10);
    if (*p == '.') p++;
    else break;
  }
  long w[3] = {major, minor, patch};
  for (int i = 0; i < 3; i++)
    if (v[i] != w[i]) return v[i] < w[i] ? -1 : 1;
  return 0;
}

/* ---- globs with ** and {a,b} (Claude Code's Glob and Grep's glob filter) ---- */

#include <fnmatch.h>

/* Segment-wise match: "**" matches zero or more whole segments. */
static bool glob_segments(const char *pat, const char *path) {
  if (!*pat) return !*path;
  const char *pe = strchr(pat, '/');
  size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
  if (pl == 2 && pat[0] == '*' && pat[1] == '*') {
    const char *rest = pe ? pe + 1 : "";
    if (glob_segments(rest, path)) return true;
    for (const char *p = path; *p; p++)
      if (*p == '/' && glob_segments(rest, p + 1)) return true;
    return !*rest && *path; /* a trailing ** matches everything below */
  }
  const char *se = strchr(path, '/');
  size_t sl = se ? (size_t)(se - path) : strlen(path);
  char ps[512], ss[512];
  if (pl >= sizeof ps || sl >= sizeof ss) return false;
  memcpy(ps, pat, pl);
  ps[pl] = '\0';
  memcpy(ss, path, sl);
  ss[sl] = '\0';
  if (fnmatch(ps, ss, 0) != 0) return false;
  if (!pe) return !se;
  if (!se) return false;
  return glob_segments(pe + 1, se + 1);
}

/* Expands the first {a,b,...} of pattern and matches each alternative. */
bool ts_glob_match(const char *pattern, const char *path) {
  const char *open = strchr(pattern, '{');
  const char *close = open ? strchr(open, '}') : NULL;
  if (!open || !close) return glob_segments(pattern, path);
  const char *alt = open + 1;
  for (;;) {
    const char *comma = alt;
    int depth = 0;
    while (comma < close && (*comma != ',' || depth)) {
      if (*comma == '{') depth++;
      if (*comma == '}') depth--;
      comma++;
    }
    struct ds_buf b;
    ds_buf_init(&b, 0);
    ds_buf_add(&b, pattern, (size_t)(open - pattern));
    ds_buf_add(&b, alt, (size_t)(comma - alt));
    ds_buf_adds(&b, close + 1);
    bool hit = ts_glob_match(b.data, path);
    ds_buf_release(&b);
    if (hit) return true;
    if (comma >= close) break;
    alt = comma + 1;
  }
  return false;
}
