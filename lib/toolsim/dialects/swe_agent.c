/* swe_agent.c: SWE-agent's and mini-swe-agent's tools. SWE-agent: bash, str_replace_editor
 * (Anthropic's editor, also in its text form "str_replace_editor view /path --view_range 1 9"),
 * the windowed file tools open/goto/scroll_up/scroll_down/create (a 100-line window, "[File:
 * ... (N lines total)]"), find_file, search_dir, search_file, and edit/insert/submit (recordings
 * or the simulator model); in text mode the action is the last fenced block of the reply.
 * mini-swe-agent: bash only, each command in a fresh shell, answered as
 * "<returncode>N</returncode>\n<output>\n...</output>"; in text mode the one ```bash (or
 * ```mswea_bash_command) block of the reply is the action. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

#define WINDOW 100
#define OVERLAP 2

/* ---- the windowed file (SWE-agent's open/goto/scroll) ---- */

static long n_lines_of(const char *text) { /* Python's len(text.splitlines()) */
  long n = 0;
  for (const char *p = text; *p; p++)
    if (*p == '\n') n++;
  if (*text && text[strlen(text) - 1] != '\n') n++;
  return n;
}

static void set_first(struct ts_state *st, long value, long n) {
  long v = value;
  if (v > n - WINDOW) v = n - WINDOW;
  if (v < 0) v = 0;
  st->first_line = v;
}

static void print_window(struct ds_buf *out, const char *shown, const char *text, long first) {
  long n = n_lines_of(text);
  long end = first + WINDOW - 1 < n - 1 ? first + WINDOW - 1 : n - 1;
  ds_buf_addf(out, "[File: %s (%ld lines total)]", shown, n);
  if (first > 0) ds_buf_addf(out, "\n(%ld more lines above)", first);
  long no = 0;
  for (const char *s = text;; no++) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    if (no >= first && no <= end) ds_buf_addf(out, "\n%ld:%.*s", no + 1, (int)len, s);
    if (!nl || no >= end) break;
    s = nl + 1;
  }
  if (end < n - 1) ds_buf_addf(out, "\n(%ld more lines below)", n - end - 1);
}

/* Reads the open file (or path): its text and how it is shown. */
static bool window_file(struct ts_ctx *c, const char *path, struct ds_buf *out, char **text, char **rel_out) {
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  char *p = ts_path_in(c, path);
  struct ds_err e = {0};
  enum ds_status st = p ? snapshot_resolve(c->snap, p, &rel, &e) : DS_E_NOMEM;
  ds_free(p);
  bool ok = false;
  if (st == DS_E_INVALID) ds_buf_adds(out, e.msg);
  else if (st || snapshot_node(c->snap, rel.data) == TS_NODE_MISSING) ds_buf_addf(out, "Error: File %s not found", path);
  else if (snapshot_node(c->snap, rel.data) == TS_NODE_DIR)
    ds_buf_addf(out, "Error: %s is a directory. You can only open files. Use cd or ls to navigate directories.", path);
  else ok = ds_snapshot_read(c->snap, rel.data, text, &e) == DS_OK;
  if (ok) *rel_out = ds_buf_detach(&rel, NULL);
  ds_buf_release(&rel);
  return ok;
}

static void aci_open(struct ts_ctx *c, char **argv, int argc, struct ds_buf *out) {
  char *text = NULL, *rel = NULL;
  if (argc < 2) {
    if (!c->st->open_file) {
      ds_buf_adds(out, "Usage: open \"<file>\"");
      return;
    }
    if (ds_snapshot_read(c->snap, c->st->open_file, &text, &(struct ds_err){0}) == DS_OK) {
      char *abs = ts_abs_path(c, c->st->open_file);
      print_window(out, abs, text, c->st->first_line);
      ds_free(abs);
    }
    ds_free(text);
    return;
  }
  if (!window_file(c, argv[1], out, &text, &rel)) return;
  long n = n_lines_of(text), line = 1;
  if (argc > 2) {
    char *end;
    line = strtol(argv[2], &end, 10);
    if (*end) {
      ds_buf_adds(out, "Usage: open \"<file>\" [<line_number>]\nError: <line_number> must be a number");
      goto done;
    }
    if (line > n) {
      ds_buf_addf(out, "Warning: <line_number> (%ld) is greater than the number of lines in the file (%ld)\n"
                       "Warning: Setting <line_number> to %ld\n", line, n, n);
      line = n;
    } else if (line < 1) {
      ds_buf_addf(out, "Warning: <line_number> (%ld) is less than 1\nWarning: Setting <line_number> to 1\n", line);
      line = 1;
    }
  }
  ds_free(c->st->open_file);
  c->st->open_file = rel;
  rel = NULL;
  set_first(c->st, (long)((double)(line - 1) - WINDOW / 6.0), n);
  const char *shown = argv[1];
  while (strncmp(shown, "./", 2) == 0) shown += 2;
  print_window(out, shown, text, c->st->first_line);
done:
  ds_free(text);
  ds_free(rel);
}

static void aci_move(struct ts_ctx *c, const char *how, char **argv, int argc, struct ds_buf *out) {
  if (!c->st->open_file) {
    ds_buf_adds(out, "No file open. Use the open command first.");
    return;
  }
  char *text = NULL;
  if (ds_snapshot_read(c->snap, c->st->open_file, &text, &(struct ds_err){0}) != DS_OK) {
    ds_buf_adds(out, "No file open. Use the open command first.");
    return;
  }
  long n = n_lines_of(text);
  if (strcmp(how, "goto") == 0) {
    if (argc < 2 || !isdigit((unsigned char)argv[1][0])) {
      ds_buf_adds(out, "Usage: goto <line_number>");
      ds_free(text);
      return;
    }
    set_first(c->st, (long)((double)(atol(argv[1]) - 1) - WINDOW / 6.0), n);
  } else if (strcmp(how, "scroll_down") == 0) {
    set_first(c->st, c->st->first_line + WINDOW - OVERLAP, n);
  } else {
    set_first(c->st, c->st->first_line - WINDOW + OVERLAP, n);
  }
  char *abs = ts_abs_path(c, c->st->open_file);
  print_window(out, abs, text, c->st->first_line);
  ds_free(abs);
  ds_free(text);
}

static void aci_create(struct ts_ctx *c, char **argv, int argc, struct ds_buf *out) {
  if (argc < 2) {
    ds_buf_adds(out, "Usage: create <filename>");
    return;
  }
  char *p = ts_path_in(c, argv[1]);
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  struct ds_err e = {0};
  if (snapshot_resolve(c->snap, p, &rel, &e) != DS_OK) {
    ds_buf_adds(out, e.msg);
  } else if (snapshot_node(c->snap, rel.data) != TS_NODE_MISSING) {
    ds_buf_addf(out, "Error: File '%s' already exists.\n", argv[1]);
    char *text = NULL;
    if (ds_snapshot_read(c->snap, rel.data, &text, &e) == DS_OK) print_window(out, argv[1], text, 0);
    ds_free(text);
  } else if (ds_snapshot_write(c->snap, rel.data, "\n", 1, &e) == DS_OK) {
    ds_free(c->st->open_file);
    c->st->open_file = ds_strdup(rel.data);
    c->st->first_line = 0;
    print_window(out, argv[1], "\n", 0);
  } else {
    ds_buf_adds(out, e.msg);
  }
  ds_buf_release(&rel);
  ds_free(p);
}

struct files {
  char **v;
  size_t n, cap;
  const char *name;
  bool skip_hidden;
};

static bool files_visit(void *ud, const char *rel, bool is_dir) {
  struct files *f = ud;
  const char *base = strrchr(rel, '/');
  base = base ? base + 1 : rel;
  if (f->skip_hidden && base[0] == '.') return false;
  if (is_dir) return true;
  if (f->name && !ts_glob_match(f->name, base)) return false;
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 64;
    char **v = ds_realloc(f->v, cap * sizeof *v);
    if (!v) return false;
    f->v = v;
    f->cap = cap;
  }
  f->v[f->n] = ds_strdup(rel);
  if (f->v[f->n]) f->n++;
  return false;
}

static void files_free(struct files *f) {
  for (size_t i = 0; i < f->n; i++) ds_free(f->v[i]);
  ds_free(f->v);
}

/* The directory argument of find_file/search_dir, resolved; its absolute form. */
static bool dir_arg(struct ts_ctx *c, const char *dir, struct ds_buf *rel, char **abs, struct ds_buf *out) {
  char *p = ts_path_in(c, dir ? dir : "");
  struct ds_err e = {0};
  enum ds_status st = p ? snapshot_resolve(c->snap, p, rel, &e) : DS_E_NOMEM;
  ds_free(p);
  if (st == DS_E_INVALID) {
    ds_buf_adds(out, e.msg);
    return false;
  }
  if (st || snapshot_node(c->snap, rel->data) != TS_NODE_DIR) {
    ds_buf_addf(out, "Directory %s not found", dir);
    return false;
  }
  *abs = ts_abs_path(c, rel->data);
  return *abs != NULL;
}

static void aci_find_file(struct ts_ctx *c, char **argv, int argc, struct ds_buf *out) {
  if (argc < 2 || argc > 3) {
    ds_buf_adds(out, "Usage: find_file <file_name> [<dir>]");
    return;
  }
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  char *abs = NULL;
  if (dir_arg(c, argc > 2 ? argv[2] : NULL, &rel, &abs, out)) {
    struct files f = {.name = argv[1]};
    unsigned budget = 100000;
    snapshot_walk_tree(c->snap, rel.data, files_visit, &f, &budget);
    if (!f.n) ds_buf_addf(out, "No matches found for \"%s\" in %s", argv[1], abs);
    else ds_buf_addf(out, "Found %zu matches for \"%s\" in %s:", f.n, argv[1], abs);
    for (size_t i = 0; i < f.n; i++) {
      char *a = ts_abs_path(c, f.v[i]);
      ds_buf_addf(out, "\n%s", a ? a : f.v[i]);
      ds_free(a);
    }
    files_free(&f);
  }
  ds_free(abs);
  ds_buf_release(&rel);
}

static size_t count_matches(struct ts_matcher *m, const char *text, struct ds_buf *lines_out, bool *binary) {
  size_t k = 0;
  long no = 0;
  *binary = memchr(text, '\0', strlen(text) < 8192 ? strlen(text) : 8192) != NULL;
  for (const char *s = text; *s;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    size_t so, eo;
    no++;
    if (ts_matcher_find(m, s, n, 0, &so, &eo)) {
      k++;
      if (lines_out) ds_buf_addf(lines_out, "\nLine %ld:%.*s", no, (int)n, s);
    }
    if (!nl) break;
    s = nl + 1;
  }
  return k;
}

static void aci_search_dir(struct ts_ctx *c, char **argv, int argc, struct ds_buf *out) {
  if (argc < 2 || argc > 3) {
    ds_buf_adds(out, "Usage: search_dir <search_term> [<dir>]");
    return;
  }
  char emsg[200];
  const char *pats[1] = {argv[1]};
  struct ts_matcher *m = ts_matcher_new(pats, 1, TS_RE_BASIC, false, false, false, emsg, sizeof emsg);
  struct ds_buf rel, body;
  ds_buf_init(&rel, 0);
  ds_buf_init(&body, 0);
  char *abs = NULL;
  if (m && dir_arg(c, argc > 2 ? argv[2] : NULL, &rel, &abs, out)) {
    struct files f = {.skip_hidden = true};
    unsigned budget = 100000;
    snapshot_walk_tree(c->snap, rel.data, files_visit, &f, &budget);
    size_t total = 0, n_files = 0;
    for (size_t i = 0; i < f.n; i++) {
      char *text = NULL;
      bool binary;
      if (ds_snapshot_read(c->snap, f.v[i], &text, &(struct ds_err){0}) != DS_OK) continue;
      size_t k = count_matches(m, text, NULL, &binary);
      ds_free(text);
      if (!k || binary) continue;
      char *a = ts_abs_path(c, f.v[i]);
      ds_buf_addf(&body, "%s (%zu matches)\n", a ? a : f.v[i], k);
      ds_free(a);
      total += k;
      n_files++;
    }
    if (!n_files) ds_buf_addf(out, "No matches found for \"%s\" in %s", argv[1], abs);
    else if (n_files > 100)
      ds_buf_addf(out, "More than %zu files matched for \"%s\" in %s. Please narrow your search.", n_files, argv[1], abs);
    else ds_buf_addf(out, "Found %zu matches for \"%s\" in %s:\n%sEnd of matches for \"%s\" in %s", total, argv[1], abs,
                     body.data, argv[1], abs);
    files_free(&f);
  } else if (!m) {
    ds_buf_addf(out, "grep: %s", emsg);
  }
  ts_matcher_free(m);
  ds_free(abs);
  ds_buf_release(&rel);
  ds_buf_release(&body);
}

static void aci_search_file(struct ts_ctx *c, char **argv, int argc, struct ds_buf *out) {
  if (argc < 2 || argc > 3) {
    ds_buf_adds(out, "Usage: search_file <search_term> [<file>]");
    return;
  }
  char *text = NULL, *rel = NULL;
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  if (argc == 3) {
    if (!window_file(c, argv[2], &tmp, &text, &rel)) {
      ds_buf_addf(out, "Usage: search_file <search_term> [<file>]\nError: File name %s not found. Please provide a valid file name.",
                  argv[2]);
      ds_buf_release(&tmp);
      return;
    }
  } else if (!c->st->open_file || ds_snapshot_read(c->snap, c->st->open_file, &text, &(struct ds_err){0}) != DS_OK) {
    ds_buf_adds(out, "No file open. Use the open command first.");
    ds_buf_release(&tmp);
    return;
  } else {
    rel = ds_strdup(c->st->open_file);
  }
  char emsg[200];
  const char *pats[1] = {argv[1]};
  struct ts_matcher *m = ts_matcher_new(pats, 1, TS_RE_BASIC, false, false, false, emsg, sizeof emsg);
  char *abs = ts_abs_path(c, rel);
  if (m) {
    struct ds_buf lines;
    ds_buf_init(&lines, 0);
    bool binary;
    size_t k = count_matches(m, text, &lines, &binary);
    if (!k) ds_buf_addf(out, "No matches found for \"%s\" in %s", argv[1], abs);
    else if (k > 100) ds_buf_addf(out, "More than %zu lines matched for \"%s\" in %s. Please narrow your search.", k, argv[1], abs);
    else ds_buf_addf(out, "Found %zu matches for \"%s\" in %s:%s\nEnd of matches for \"%s\" in %s", k, argv[1], abs,
                     lines.data, argv[1], abs);
    ds_buf_release(&lines);
  } else {
    ds_buf_addf(out, "grep: %s", emsg);
  }
  ts_matcher_free(m);
  ds_free(abs);
  ds_free(text);
  ds_free(rel);
  ds_buf_release(&tmp);
}

/* "str_replace_editor CMD PATH [--file_text T] [--view_range A B] [--old_str S] [--new_str S]
 * [--insert_line N]" as the JSON arguments of the function form. */
static json_t *editor_argv(char **argv, int argc) {
  if (argc < 3) return NULL;
  json_t *o = json_pack("{s:s,s:s}", "command", argv[1], "path", argv[2]);
  for (int i = 3; o && i < argc; i++) {
    const char *k = argv[i];
    if (strcmp(k, "--view_range") == 0 && i + 2 < argc) {
      json_object_set_new(o, "view_range", json_pack("[I,I]", (json_int_t)atol(argv[i + 1]), (json_int_t)atol(argv[i + 2])));
      i += 2;
    } else if (strcmp(k, "--insert_line") == 0 && i + 1 < argc) {
      json_object_set_new(o, "insert_line", json_integer(atol(argv[++i])));
    } else if (strncmp(k, "--", 2) == 0 && i + 1 < argc) {
      json_object_set_new(o, k + 2, json_string(argv[++i]));
    } else {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

/* The ACI commands SWE-agent installs; true when argv[0] is one of them and out holds the answer. */
static bool aci_run(struct ts_ctx *c, char **argv, int argc, struct ds_tool_answer *a, enum ts_conn *r) {
  struct ds_buf out;
  ds_buf_init(&out, 0);
  const char *cmd = argv[0];
  bool mine = true;
  if (strcmp(cmd, "open") == 0) aci_open(c, argv, argc, &out);
  else if (strcmp(cmd, "goto") == 0 || strcmp(cmd, "scroll_down") == 0 || strcmp(cmd, "scroll_up") == 0) aci_move(c, cmd, argv, argc, &out);
  else if (strcmp(cmd, "create") == 0) aci_create(c, argv, argc, &out);
  else if (strcmp(cmd, "find_file") == 0) aci_find_file(c, argv, argc, &out);
  else if (strcmp(cmd, "search_dir") == 0) aci_search_dir(c, argv, argc, &out);
  else if (strcmp(cmd, "search_file") == 0) aci_search_file(c, argv, argc, &out);
  else if (strcmp(cmd, "str_replace_editor") == 0) {
    json_t *args = editor_argv(argv, argc);
    *r = args ? editor_run(c, ED_ANTHROPIC, args, a) : TS_NOT_MINE;
    json_decref(args);
    ds_buf_release(&out);
    return true;
  } else mine = false;
  if (mine) *r = ts_answer(a, ds_buf_detach(&out, NULL), false);
  ds_buf_release(&out);
  return mine;
}

static enum ts_conn swe_bash(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  char *line = ts_shell_command(args);
  if (!c->snap || !line) {
    ds_free(line);
    return TS_NOT_MINE;
  }
  char **argv;
  int argc;
  enum ts_conn r = TS_NOT_MINE;
  bool done = false;
  if (ts_split_simple(line, &argv, &argc)) {
    done = aci_run(c, argv, argc, a, &r);
    ts_free_argv(argv, argc);
  }
  if (!done) {
    struct ds_buf out;
    ds_buf_init(&out, 0);
    int status = 0;
    r = shell_ro_run(c, line, &out, &status);
    if (r == TS_ANSWERED)
      ts_answer(a, out.len ? ds_buf_detach(&out, NULL) : ds_strdup("Your command ran successfully and did not produce any output."),
                false);
    else if (r == TS_REFUSED) {
      ts_answer(a, ds_buf_detach(&out, NULL), true);
      a->source = DS_TOOL_SOURCE_REFUSED;
    }
    ds_buf_release(&out);
  }
  ds_free(line);
  return r;
}

/* The function-call form of an ACI command: its arguments as argv. */
static enum ts_conn swe_aci(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  if (!c->snap) return TS_NOT_MINE;
  static const char *const order[] = {"path", "filename", "file_name", "search_term", "line_number", "dir", "file", NULL};
  char *argv[8] = {(char *)tool};
  int argc = 1;
  char num[32];
  for (const char *const *k = order; *k && argc < 7; k++) {
    const json_t *v = json_object_get(args, *k);
    if (json_is_string(v)) argv[argc++] = (char *)json_string_value(v);
    else if (json_is_integer(v)) {
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      argv[argc++] = num;
    }
  }
  enum ts_conn r = TS_NOT_MINE;
  if (!aci_run(c, argv, argc, a, &r)) return TS_NOT_MINE;
  return r;
}

static enum ts_conn swe_editor(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  return editor_run(c, ED_ANTHROPIC, args, a);
}

/* SWE-agent's shell classification knows its ACI commands. */
static void swe_classify(const char *line, const char *ws, const char *cwd, struct ts_effect *e) {
  char **argv;
  int argc;
  if (ts_split_simple(line, &argv, &argc)) {
    const char *cmd = argv[0];
    bool known = true;
    if (strcmp(cmd, "open") == 0 || strcmp(cmd, "search_file") == 0) {
      const char *p = strcmp(cmd, "open") == 0 ? (argc > 1 ? argv[1] : NULL) : (argc > 2 ? argv[2] : NULL);
      if (p) {
        char *n = ts_norm_path(ws, cwd, p);
        ts_paths_add(&e->reads, n);
        ds_free(n);
      } else {
        e->reads.all = true;
      }
    } else if (strcmp(cmd, "goto") == 0 || strcmp(cmd, "scroll_down") == 0 || strcmp(cmd, "scroll_up") == 0 ||
               strcmp(cmd, "find_file") == 0 || strcmp(cmd, "search_dir") == 0 || strcmp(cmd, "filemap") == 0) {
      e->reads.all = true;
    } else if (strcmp(cmd, "submit") == 0) {
      e->kind = TS_CONTROL;
    } else if (strcmp(cmd, "create") == 0 && argc > 1) {
      e->side_effect = true;
      char *n = ts_norm_path(ws, cwd, argv[1]);
      ts_paths_add(&e->writes, n);
      ts_paths_add(&e->reads, n);
      ds_free(n);
    } else if (strcmp(cmd, "str_replace_editor") == 0 && argc > 2) {
      char *n = ts_norm_path(ws, cwd, argv[2]);
      ts_paths_add(&e->reads, n);
      if (strcmp(argv[1], "view") != 0) {
        e->side_effect = true;
        ts_paths_add(&e->writes, n);
      }
      ds_free(n);
    } else {
      known = false;
    }
    ts_free_argv(argv, argc);
    if (known) return;
  }
  /* edit/insert (multi-line forms) and everything else */
  const char *p = line;
  while (isspace((unsigned char)*p)) p++;
  if (strncmp(p, "edit ", 5) == 0 || strncmp(p, "insert ", 7) == 0 || strncmp(p, "edit\n", 5) == 0) {
    e->kind = TS_EDIT;
    e->side_effect = true;
    e->reads.all = e->writes.all = true;
    return;
  }
  char *new_cwd = NULL;
  if (shell_ro_classify(line, ws, cwd, &e->reads, &new_cwd)) {
    e->new_cwd = new_cwd;
    return;
  }
  ds_free(new_cwd);
  e->side_effect = true;
  e->reads.all = e->writes.all = true;
}

/* SWE-agent's text mode: the last fenced block of the reply is the command. */
static bool last_block(const char *content, const char *const *langs, bool any_lang, bool exactly_one, char **out) {
  const char *best = NULL, *best_end = NULL;
  int count = 0;
  for (const char *p = strstr(content, "```"); p; ) {
    if (p != content && p[-1] != '\n') {
      p = strstr(p + 3, "```");
      continue;
    }
    const char *nl = strchr(p + 3, '\n');
    if (!nl) break;
    size_t ll = (size_t)(nl - (p + 3));
    while (ll && isspace((unsigned char)p[3 + ll - 1])) ll--;
    bool lang_ok = any_lang;
    for (const char *const *l = langs; *l && !lang_ok; l++) lang_ok = ll == strlen(*l) && strncmp(p + 3, *l, ll) == 0;
    const char *end = strstr(nl + 1, "\n```");
    if (!end) end = strncmp(nl + 1, "```", 3) == 0 ? nl : NULL;
    if (!end) break;
    if (lang_ok) {
      best = nl + 1;
      best_end = end;
      count++;
    }
    const char *after = strchr(end + 1, '\n');
    p = after ? strstr(after, "```") : NULL;
    if (!after) break;
  }
  if (!best || (exactly_one && count != 1)) return false;
  *out = ds_strndup(best, best_end >= best ? (size_t)(best_end - best) : 0);
  return *out != NULL;
}

static bool text_call(char *command, char **out_tool, char **out_args) {
  json_t *o = json_pack("{s:s}", "command", command);
  ds_free(command);
  if (!o) return false;
  *out_args = ds_json_canonical(o);
  json_decref(o);
  *out_tool = ds_strdup("bash");
  return *out_args && *out_tool;
}

static bool swe_text_action(const char *content, char **out_tool, char **out_args) {
  static const char *const none[] = {NULL};
  char *cmd = NULL;
  if (!last_block(content, none, true, false, &cmd)) return false;
  return text_call(cmd, out_tool, out_args);
}

static bool mini_text_action(const char *content, char **out_tool, char **out_args) {
  static const char *const langs[] = {"bash", "mswea_bash_command", NULL};
  char *cmd = NULL;
  /* <mswea_bash_command>...</mswea_bash_command>: exactly one */
  const char *t = strstr(content, "<mswea_bash_command>");
  if (t) {
    const char *b = t + 20, *e = strstr(b, "</mswea_bash_command>");
    if (!e || strstr(e, "<mswea_bash_command>")) return false;
    while (b < e && (*b == '\n' || *b == ' ')) b++;
    size_t n = (size_t)(e - b);
    while (n && (b[n - 1] == '\n' || b[n - 1] == ' ')) n--;
    cmd = ds_strndup(b, n);
    return cmd && text_call(cmd, out_tool, out_args);
  }
  if (!last_block(content, langs, false, true, &cmd)) return false;
  return text_call(cmd, out_tool, out_args);
}

/* mini-swe-agent: each command in a fresh subprocess, output wrapped in its template. */
static enum ts_conn mini_bash(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  char *line = ts_shell_command(args);
  if (!c->snap || !line) {
    ds_free(line);
    return TS_NOT_MINE;
  }
  struct ds_buf out;
  ds_buf_init(&out, 0);
  int status = 0;
  char *saved = c->st->cwd;
  c->st->cwd = (char *)"";
  enum ts_conn r = shell_ro_run(c, line, &out, &status);
  c->st->cwd = saved;
  ds_free(line);
  if (r == TS_ANSWERED) {
    struct ds_buf o;
    ds_buf_init(&o, 0);
    if (out.len < 10000) {
      ds_buf_addf(&o, "<returncode>%d</returncode>\n<output>\n%s</output>", status, out.data);
    } else {
      ds_buf_addf(&o,
                  "<returncode>%d</returncode>\n<warning>\nThe output of your last command was too long.\nPlease try a "
                  "different command that produces less output.\nIf you're looking at a file you can try use head, tail "
                  "or sed to view a smaller number of lines selectively.\nIf you're using grep or find and it produced "
                  "too much output, you can use a more selective search pattern.\nIf you really need to see something "
                  "from the full command's output, you can redirect output to a file and then search in that file.\n"
                  "</warning><output_head>\n%.5000s\n</output_head>\n<elided_chars>\n%zu characters elided\n"
                  "</elided_chars>\n<output_tail>\n%s\n</output_tail>",
                  status, out.data, out.len - 10000, out.data + out.len - 5000);
    }
    ts_answer(a, ds_buf_detach(&o, NULL), false);
    ds_buf_release(&o);
  } else if (r == TS_REFUSED) {
    ts_answer(a, ds_buf_detach(&out, NULL), true);
    a->source = DS_TOOL_SOURCE_REFUSED;
  }
  ds_buf_release(&out);
  return r;
}

static const struct ts_tool swe_tools[] = {
    {"bash", TS_SHELL, 0, swe_bash},
    {"str_replace_editor", TS_EDITOR, 0, swe_editor},
    {"open", TS_READ, 0, swe_aci},
    {"goto", TS_READ, 0, swe_aci},
    {"scroll_up", TS_READ, 0, swe_aci},
    {"scroll_down", TS_READ, 0, swe_aci},
    {"find_file", TS_GLOB, 0, swe_aci},
    {"search_dir", TS_SEARCH, 0, swe_aci},
    {"search_file", TS_SEARCH, 0, swe_aci},
    {"filemap", TS_READ, 0, NULL},
    {"create", TS_WRITE, TS_ACTS, swe_aci},
    {"edit", TS_EDIT, TS_ACTS | TS_WRITES_ANY, NULL},
    {"insert", TS_EDIT, TS_ACTS | TS_WRITES_ANY, NULL},
    {"submit", TS_CONTROL, 0, NULL},
    {"exit_forfeit", TS_CONTROL, 0, NULL},
    {"view_image", TS_READ, 0, NULL},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const swe_agents[] = {"swe-agent", "sweagent", "swe_agent", NULL};

const struct ts_dialect ts_dialect_swe_agent = {
    .name = "swe-agent",
    .agents = swe_agents,
    .tools = swe_tools,
    .persistent_shell = true,
    .classify_shell = swe_classify,
    .text_action = swe_text_action,
};

static const struct ts_tool mini_tools[] = {
    {"bash", TS_SHELL, 0, mini_bash},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const mini_agents[] = {"mini-swe-agent", "mini_swe_agent", "mini", NULL};

const struct ts_dialect ts_dialect_mini_swe_agent = {
    .name = "mini-swe-agent",
    .agents = mini_agents,
    .tools = mini_tools,
    .persistent_shell = false,
    .text_action = mini_text_action,
};
