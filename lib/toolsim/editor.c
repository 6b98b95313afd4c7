/* editor.c: the str_replace_editor family (Anthropic's reference text editor, as SWE-agent,
 * OpenHands and Inspect ship it): view (files numbered like `cat -n`, view_range, directories
 * two levels deep), create, str_replace, insert and undo_edit, with their messages and error
 * texts. Edits go to the overlay, with an undo history in the episode's state. */
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

#define MAX_RESPONSE_LEN 16000
#define SNIPPET_LINES 4

static const char *truncated_note(enum editor_style s) {
  return s == ED_OPENHANDS
             ? "<response clipped><NOTE>Due to the max output limit, only part of this file has been shown to you. "
               "You should retry this tool after you have searched inside the file with `grep -n` in order to find "
               "the line numbers of what you are looking for.</NOTE>"
             : "<response clipped><NOTE>To save on context only part of this file has been shown to you. You should "
               "retry this tool after you have searched inside the file with `grep -n` in order to find the line "
               "numbers of what you are looking for.</NOTE>";
}

/* Python's str.expandtabs(8). */
static void expandtabs(struct ds_buf *out, const char *s, size_t n) {
  size_t col = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\t') {
      size_t k = 8 - col % 8;
      for (size_t j = 0; j < k; j++) ds_buf_addc(out, ' ');
      col += k;
    } else {
      ds_buf_addc(out, c);
      col = c == '\n' || c == '\r' ? 0 : col + 1;
    }
  }
}

void editor_cat_n(struct ds_buf *out, const char *text, long init_line, bool expand_tabs) {
  struct ds_buf t;
  ds_buf_init(&t, 0);
  if (expand_tabs) expandtabs(&t, text, strlen(text));
  else ds_buf_adds(&t, text);
  long no = init_line;
  const char *s = t.data;
  for (;;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    ds_buf_addf(out, "%s%6ld\t%.*s", no == init_line ? "" : "\n", no, (int)n, s);
    no++;
    if (!nl) break;
    s = nl + 1;
  }
  ds_buf_release(&t);
}

/* "Here's the result of running `cat -n` on {what}:\n" + numbered lines + "\n" */
static void make_output(struct ds_buf *out, enum editor_style style, const char *content, const char *what,
                        long init_line) {
  struct ds_buf c;
  ds_buf_init(&c, 0);
  size_t len = strlen(content);
  ds_buf_add(&c, content, len > MAX_RESPONSE_LEN ? MAX_RESPONSE_LEN : len);
  if (len > MAX_RESPONSE_LEN) ds_buf_adds(&c, truncated_note(style));
  ds_buf_addf(out, "Here's the result of running `cat -n` on %s:\n", what);
  editor_cat_n(out, c.data, init_line, true);
  ds_buf_addc(out, '\n');
  ds_buf_release(&c);
}

void ts_hist_push(struct ts_state *s, const char *path, const char *data) {
  if (s->n_hist == s->cap_hist) {
    size_t cap = s->cap_hist ? 2 * s->cap_hist : 8;
    struct ts_hist *v = ds_realloc(s->hist, cap * sizeof *v);
    if (!v) return;
    s->hist = v;
    s->cap_hist = cap;
  }
  s->hist[s->n_hist].path = ds_strdup(path);
  s->hist[s->n_hist].data = data ? ds_strdup(data) : NULL;
  s->n_hist++;
}

/* The last saved content of path (owned), removed from the history; false when none. */
static bool hist_pop(struct ts_state *s, const char *path, char **out) {
  for (size_t i = s->n_hist; i > 0; i--)
    if (strcmp(s->hist[i - 1].path, path) == 0) {
      *out = s->hist[i - 1].data;
      ds_free(s->hist[i - 1].path);
      memmove(&s->hist[i - 1], &s->hist[i], (s->n_hist - i) * sizeof *s->hist);
      s->n_hist--;
      return true;
    }
  return false;
}

/* Lines of text split on '\n' (Python's split: n+1 pieces for n newlines). */
static size_t split_nl(const char *text, const char ***out, size_t **lens) {
  size_t n = 1;
  for (const char *p = text; *p; p++)
    if (*p == '\n') n++;
  const char **v = ds_calloc(n, sizeof *v);
  size_t *l = ds_calloc(n, sizeof *l);
  if (!v || !l) {
    ds_free(v);
    ds_free(l);
    *out = NULL;
    *lens = NULL;
    return 0;
  }
  size_t i = 0;
  for (const char *s = text;; i++) {
    const char *nl = strchr(s, '\n');
    v[i] = s;
    l[i] = nl ? (size_t)(nl - s) : strlen(s);
    if (!nl) break;
    s = nl + 1;
  }
  *out = v;
  *lens = l;
  return n;
}

static void join_range(struct ds_buf *out, const char **v, const size_t *l, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) {
    if (i > from) ds_buf_addc(out, '\n');
    ds_buf_add(out, v[i], l[i]);
  }
}

struct dir_ctx {
  struct ds_buf *out;
  size_t base_depth;
  const char *abs_root; /* how the directory was named */
  const char *rel_root;
  unsigned hidden;
};

static bool dir_visit(void *ud, const char *rel, bool is_dir) {
  struct dir_ctx *d = ud;
  const char *rest = rel + strlen(d->rel_root);
  if (*rest == '/') rest++;
  size_t depth = 1;
  for (const char *p = rest; *p; p++)
    if (*p == '/') depth++;
  const char *base = strrchr(rel, '/');
  base = base ? base + 1 : rel;
  if (base[0] == '.') {
    if (depth == 1) d->hidden++;
    return false;
  }
  ds_buf_addf(d->out, "%s%s%s%s\n", d->abs_root, d->abs_root[strlen(d->abs_root) - 1] == '/' ? "" : "/", rest,
              is_dir ? "/" : "");
  return is_dir && depth < 2;
}

static enum ts_conn view_dir(struct ts_ctx *c, enum editor_style style, const char *path, const char *rel,
                             struct ds_tool_answer *a) {
  struct ds_buf out, list;
  ds_buf_init(&out, 0);
  ds_buf_init(&list, 0);
  struct dir_ctx d = {.out = &list, .abs_root = path, .rel_root = rel};
  unsigned budget = 20000;
  if (style == ED_OPENHANDS) ds_buf_addf(&list, "%s%s\n", path, path[strlen(path) - 1] == '/' ? "" : "/");
  else ds_buf_addf(&list, "%s\n", path);
  snapshot_walk_tree(c->snap, rel, dir_visit, &d, &budget);
  ds_buf_addf(&out, "Here's the files and directories up to 2 levels deep in %s, excluding hidden items:\n%s", path,
              list.data);
  if (style == ED_OPENHANDS && d.hidden)
    ds_buf_addf(&out, "\n%u hidden files/directories in this directory are excluded. You can use 'ls -la %s' to see them.",
                d.hidden, path);
  else if (style != ED_OPENHANDS)
    ds_buf_addc(&out, '\n');
  ds_buf_release(&list);
  return ts_answer(a, ds_buf_detach(&out, NULL), false);
}

/* Python's repr of a list of line numbers: "[3, 7]". */
static void lines_repr(struct ds_buf *b, const char *content, const char *old) {
  ds_buf_addc(b, '[');
  const char **v;
  size_t *l;
  size_t n = split_nl(content, &v, &l);
  bool first = true;
  size_t ol = strlen(old);
  for (size_t i = 0; i < n; i++)
    if (ol && l[i] >= ol && memmem(v[i], l[i], old, ol)) {
      ds_buf_addf(b, first ? "%zu" : ", %zu", i + 1);
      first = false;
    }
  ds_buf_addc(b, ']');
  ds_free(v);
  ds_free(l);
}

static size_t count_of(const char *hay, const char *needle) {
  size_t n = 0, k = strlen(needle);
  if (!k) return 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle)) n++;
  return n;
}

static size_t newlines(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == '\n';
  return k;
}

enum ts_conn editor_run(struct ts_ctx *c, enum editor_style style, const json_t *args, struct ds_tool_answer *a) {
  if (!c->snap) return TS_NOT_MINE;
  const char *cmd = ds_json_str(args, "command", NULL);
  const char *path = ds_json_str(args, "path", NULL);
  const char *tool_name = style == ED_INSPECT ? "text_editor" : "str_replace_editor";
  if (!cmd || !path) return TS_NOT_MINE;
  static const char *const cmds[] = {"view", "create", "str_replace", "insert", "undo_edit", NULL};
  bool known = false;
  for (const char *const *k = cmds; *k && !known; k++) known = strcmp(*k, cmd) == 0;
  if (!known)
    return ts_answerf(a, true,
                      "Unrecognized command %s. The allowed commands for the %s tool are: \"view\", \"create\", "
                      "\"str_replace\", \"insert\", \"undo_edit\"",
                      cmd, tool_name);
  if (path[0] != '/') {
    char *abs = ts_abs_path(c, c->st->cwd);
    enum ts_conn r = ts_answerf(a, true,
                                "The path %s is not an absolute path, it should start with `/`. Maybe you meant %s/%s?",
                                path, abs ? abs : "", path);
    ds_free(abs);
    return r;
  }
  struct ds_buf rel, out;
  ds_buf_init(&rel, 0);
  ds_buf_init(&out, 0);
  struct ds_err e = {0};
  enum ds_status st = snapshot_resolve(c->snap, path, &rel, &e);
  if (st) {
    ds_buf_release(&rel);
    ds_buf_release(&out);
    return ts_answer_status(a, st, NULL, &e);
  }
  enum ts_node node = snapshot_node(c->snap, rel.data);
  bool create = strcmp(cmd, "create") == 0;
  enum ts_conn res = TS_ANSWERED;
  char *content = NULL;
  if (node == TS_NODE_MISSING && !create) {
    res = ts_answerf(a, true, "The path %s does not exist. Please provide a valid path.", path);
    goto out;
  }
  if (node != TS_NODE_MISSING && create) {
    res = ts_answerf(a, true, "File already exists at: %s. Cannot overwrite files using command `create`.", path);
    goto out;
  }
  if (node == TS_NODE_DIR && strcmp(cmd, "view") != 0) {
    res = ts_answerf(a, true, "The path %s is a directory and only the `view` command can be used on directories", path);
    goto out;
  }
  if (node == TS_NODE_DIR) {
    if (json_object_get(args, "view_range") && !json_is_null(json_object_get(args, "view_range"))) {
      res = ts_answerf(a, true, "The `view_range` parameter is not allowed when `path` points to a directory.");
      goto out;
    }
    res = view_dir(c, style, path, rel.data, a);
    goto out;
  }
  if (!create && ds_snapshot_read(c->snap, rel.data, &content, &e) != DS_OK) {
    res = ts_answer_status(a, DS_E_NOTFOUND, NULL, &e);
    goto out;
  }
  if (strcmp(cmd, "view") == 0) {
    const json_t *vr = json_object_get(args, "view_range");
    long init = 1;
    struct ds_buf shown;
    ds_buf_init(&shown, 0);
    if (json_is_array(vr) && json_array_size(vr)) {
      if (json_array_size(vr) != 2 || !json_is_integer(json_array_get(vr, 0)) || !json_is_integer(json_array_get(vr, 1))) {
        res = ts_answerf(a, true, "Invalid `view_range`. It should be a list of two integers.");
        ds_buf_release(&shown);
        goto out;
      }
      long from = (long)json_integer_value(json_array_get(vr, 0)), to = (long)json_integer_value(json_array_get(vr, 1));
      const char **v;
      size_t *l;
      long n = (long)split_nl(content, &v, &l);
      if (from < 1 || from > n)
        res = ts_answerf(a, true,
                         "Invalid `view_range`: [%ld, %ld]. Its first element `%ld` should be within the range of lines "
                         "of the file: [1, %ld]",
                         from, to, from, n);
      else if (to > n)
        res = ts_answerf(a, true,
                         "Invalid `view_range`: [%ld, %ld]. Its second element `%ld` should be smaller than the number "
                         "of lines in the file: `%ld`",
                         from, to, to, n);
      else if (to != -1 && to < from)
        res = ts_answerf(a, true,
                         "Invalid `view_range`: [%ld, %ld]. Its second element `%ld` should be larger or equal than its "
                         "first `%ld`",
                         from, to, to, from);
      else join_range(&shown, v, l, (size_t)from - 1, (size_t)(to == -1 ? n : to));
      ds_free(v);
      ds_free(l);
      init = from;
      if (a->response) {
        ds_buf_release(&shown);
        goto out;
      }
    } else {
      ds_buf_adds(&shown, content);
    }
    make_output(&out, style, shown.data, path, init);
    ds_buf_release(&shown);
    res = ts_answer(a, ds_buf_detach(&out, NULL), false);
    goto out;
  }
  if (create) {
    const char *text = ds_json_str(args, "file_text", NULL);
    if (!text) {
      res = ts_answerf(a, true, "Parameter `file_text` is required for command: create");
      goto out;
    }
    struct ds_buf parent;
    ds_buf_init(&parent, 0);
    const char *slash = strrchr(rel.data, '/');
    if (slash) ds_buf_add(&parent, rel.data, (size_t)(slash - rel.data));
    bool ok = !slash || snapshot_node(c->snap, parent.data) == TS_NODE_DIR;
    ds_buf_release(&parent);
    if (!ok) {
      const char *ps = strrchr(path, '/');
      res = ts_answerf(a, true, "The parent directory %.*s does not exist. Please create it first.",
                       (int)(ps ? ps - path : 0), path);
      goto out;
    }
    if ((st = ds_snapshot_write(c->snap, rel.data, text, strlen(text), &e))) {
      res = ts_answer_status(a, st, NULL, &e);
      goto out;
    }
    ts_hist_push(c->st, rel.data, NULL);
    res = ts_answerf(a, false, "File created successfully at: %s", path);
    goto out;
  }
  if (strcmp(cmd, "undo_edit") == 0) {
    char *old = NULL;
    if (!hist_pop(c->st, rel.data, &old)) {
      res = ts_answerf(a, true, "No edit history found for %s.", path);
      goto out;
    }
    st = old ? ds_snapshot_write(c->snap, rel.data, old, strlen(old), &e) : ds_snapshot_delete(c->snap, rel.data, &e);
    if (st) {
      ds_free(old);
      res = ts_answer_status(a, st, NULL, &e);
      goto out;
    }
    ds_buf_addf(&out, "Last edit to %s undone successfully. ", path);
    make_output(&out, style, old ? old : "", path, 1);
    ds_free(old);
    res = ts_answer(a, ds_buf_detach(&out, NULL), false);
    goto out;
  }
  /* str_replace and insert work on the text with tabs expanded, as the reference tool does */
  struct ds_buf text;
  ds_buf_init(&text, 0);
  expandtabs(&text, content, strlen(content));
  if (strcmp(cmd, "str_replace") == 0) {
    const char *old_raw = ds_json_str(args, "old_str", NULL), *new_raw = ds_json_str(args, "new_str", "");
    if (!old_raw) {
      res = ts_answerf(a, true, "Parameter `old_str` is required for command: str_replace");
      ds_buf_release(&text);
      goto out;
    }
    struct ds_buf old, new;
    ds_buf_init(&old, 0);
    ds_buf_init(&new, 0);
    expandtabs(&old, old_raw, strlen(old_raw));
    expandtabs(&new, new_raw, strlen(new_raw));
    size_t occ = count_of(text.data, old.data);
    if (occ == 0) {
      res = ts_answerf(a, true, "No replacement was performed, old_str `%s` did not appear verbatim in %s.", old.data, path);
    } else if (occ > 1) {
      struct ds_buf lines;
      ds_buf_init(&lines, 0);
      lines_repr(&lines, text.data, old.data);
      res = ts_answerf(a, true, "No replacement was performed. Multiple occurrences of old_str `%s` in lines %s. Please ensure it is unique%s",
                       old.data, lines.data, style == ED_OPENHANDS ? "." : "");
      ds_buf_release(&lines);
    } else if (style == ED_ANTHROPIC && strcmp(old.data, new.data) == 0) {
      res = ts_answerf(a, true, "No replacement was performed, old_str `%s` is the same as new_str `%s`.", old.data, new.data);
    } else {
      const char *hit = strstr(text.data, old.data);
      struct ds_buf next;
      ds_buf_init(&next, 0);
      ds_buf_add(&next, text.data, (size_t)(hit - text.data));
      ds_buf_add(&next, new.data, new.len);
      ds_buf_adds(&next, hit + old.len);
      if ((st = ds_snapshot_write(c->snap, rel.data, next.data, next.len, &e))) {
        res = ts_answer_status(a, st, NULL, &e);
      } else {
        ts_hist_push(c->st, rel.data, text.data);
        long line = (long)newlines(text.data, (size_t)(hit - text.data));
        long start = line - SNIPPET_LINES > 1 ? line - SNIPPET_LINES : 1;
        const char **v;
        size_t *l;
        size_t n = split_nl(next.data, &v, &l);
        long n_lines = (long)n - (next.len && next.data[next.len - 1] == '\n' ? 1 : 0);
        long end = line + SNIPPET_LINES + (long)newlines(new.data, new.len);
        if (end > n_lines) end = n_lines;
        struct ds_buf snip, what;
        ds_buf_init(&snip, 0);
        ds_buf_init(&what, 0);
        if (end >= start) join_range(&snip, v, l, (size_t)start - 1, (size_t)end);
        ds_buf_addf(&what, "a snippet of %s", path);
        ds_buf_addf(&out, "The file %s has been edited. ", path);
        make_output(&out, style, snip.data, what.data, start);
        ds_buf_adds(&out, "Review the changes and make sure they are as expected. Edit the file again if necessary.");
        res = ts_answer(a, ds_buf_detach(&out, NULL), false);
        ds_buf_release(&snip);
        ds_buf_release(&what);
        ds_free(v);
        ds_free(l);
      }
      ds_buf_release(&next);
    }
    ds_buf_release(&old);
    ds_buf_release(&new);
  } else { /* insert */
    const json_t *il = json_object_get(args, "insert_line");
    const char *new_raw = ds_json_str(args, "new_str", NULL);
    if (!json_is_integer(il) || !new_raw) {
      res = ts_answerf(a, true, "Parameter `%s` is required for command: insert", !json_is_integer(il) ? "insert_line" : "new_str");
    } else {
      long at = (long)json_integer_value(il);
      const char **v;
      size_t *l;
      long n = (long)split_nl(text.data, &v, &l);
      if (at < 0 || at > n) {
        res = ts_answerf(a, true, "Invalid `insert_line` parameter: %ld. It should be within the range of lines of the file: [0, %ld]",
                         at, n);
      } else {
        struct ds_buf new, next, snip;
        ds_buf_init(&new, 0);
        ds_buf_init(&next, 0);
        ds_buf_init(&snip, 0);
        expandtabs(&new, new_raw, strlen(new_raw));
        join_range(&next, v, l, 0, (size_t)at);
        if (at > 0) ds_buf_addc(&next, '\n');
        ds_buf_add(&next, new.data, new.len);
        if (at < n) {
          ds_buf_addc(&next, '\n');
          join_range(&next, v, l, (size_t)at, (size_t)n);
        }
        long from = at - SNIPPET_LINES > 0 ? at - SNIPPET_LINES : 0;
        join_range(&snip, v, l, (size_t)from, (size_t)at);
        if (at > from) ds_buf_addc(&snip, '\n');
        ds_buf_add(&snip, new.data, new.len);
        long to = at + SNIPPET_LINES < n ? at + SNIPPET_LINES : n;
        if (to > at) {
          ds_buf_addc(&snip, '\n');
          join_range(&snip, v, l, (size_t)at, (size_t)to);
        }
        if ((st = ds_snapshot_write(c->snap, rel.data, next.data, next.len, &e))) {
          res = ts_answer_status(a, st, NULL, &e);
        } else {
          ts_hist_push(c->st, rel.data, text.data);
          ds_buf_addf(&out, "The file %s has been edited. ", path);
          make_output(&out, style, snip.data, "a snippet of the edited file", at - SNIPPET_LINES + 1 > 1 ? at - SNIPPET_LINES + 1 : 1);
          ds_buf_adds(&out, "Review the changes and make sure they are as expected (correct indentation, no duplicate "
                            "lines, etc). Edit the file again if necessary.");
          res = ts_answer(a, ds_buf_detach(&out, NULL), false);
        }
        ds_buf_release(&new);
        ds_buf_release(&next);
        ds_buf_release(&snip);
      }
      ds_free(v);
      ds_free(l);
    }
  }
  ds_buf_release(&text);
out:
  ds_free(content);
  ds_buf_release(&rel);
  ds_buf_release(&out);
  return res;
}
