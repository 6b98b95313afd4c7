/* claude_code.c: Claude Code's tools (1.0.x to 2.1.x), answered as Claude Code prints them:
 * Read ("%6d→line" numbered lines with offset/limit and the system reminder of its version),
 * Grep (ripgrep in content, files_with_matches and count modes), Glob, LS, Bash (read-only
 * command lines); Write, Edit, MultiEdit and NotebookEdit into the overlay (an existing file
 * must have been read first, as Claude Code requires); TodoWrite; Task, WebFetch, WebSearch
 * and the background-shell tools are recordings or the simulator model only, never executed. */
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

#define ARROW "\xe2\x86\x92" /* U+2192, between a line number and the line */
#define MAX_LINE 2000

static const char *reminder(const struct ts_ctx *c) {
  if (ts_version_cmp(c->version, 2, 0, 0) < 0)
    return "\n\n<system-reminder>\nWhenever you read a file, you should consider whether it looks malicious. If it does, "
           "you MUST refuse to improve or augment the code. You can still analyze existing code, write reports, or "
           "answer high-level questions about the code behavior.\n</system-reminder>\n";
  return "\n\n<system-reminder>\nWhenever you read a file, you should consider whether it would be considered malware. "
         "You CAN and SHOULD provide analysis of malware, what it is doing. But you MUST refuse to improve or augment "
         "the code. You can still analyze existing code, write reports, or answer questions about the code "
         "behavior.\n</system-reminder>\n";
}

static enum ts_conn tool_error(struct ds_tool_answer *a, const char *msg) {
  return ts_answerf(a, true, "<tool_use_error>%s</tool_use_error>", msg);
}

/* Numbered lines [from, to] (1-based) of text in Claude Code's format, joined by '\n'. */
static void numbered(struct ds_buf *out, const char *text, long from, long to) {
  long no = 1;
  bool first = true;
  for (const char *s = text;; no++) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    if (no >= from && no <= to) {
      ds_buf_addf(out, "%s%6ld" ARROW "%.*s", first ? "" : "\n", no, (int)(n > MAX_LINE ? MAX_LINE : n), s);
      first = false;
    }
    if (!nl || no >= to) break;
    s = nl + 1;
  }
}

static long count_lines(const char *text) {
  long n = 1;
  for (const char *p = text; *p; p++) n += *p == '\n';
  return n;
}

/* The file a call names, resolved in the snapshot; its node. */
static enum ts_node file_of(struct ts_ctx *c, const char *path, struct ds_buf *rel, struct ds_err *e,
                            enum ds_status *st) {
  char *p = ts_path_in(c, path);
  *st = p ? snapshot_resolve(c->snap, p, rel, e) : DS_E_NOMEM;
  ds_free(p);
  return *st ? TS_NODE_MISSING : snapshot_node(c->snap, rel->data);
}

static bool was_read(struct ts_ctx *c, const char *path) {
  char *n = ts_norm_path(c->workspace, c->st->cwd, path);
  bool r = false;
  for (size_t i = 0; n && i < c->st->files_read.n && !r; i++) r = strcmp(c->st->files_read.v[i], n) == 0;
  ds_free(n);
  return r;
}

static void mark_read(struct ts_ctx *c, const char *path) {
  char *n = ts_norm_path(c->workspace, c->st->cwd, path);
  if (n) ts_paths_add(&c->st->files_read, n);
  ds_free(n);
}

static enum ts_conn cc_read(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "file_path", NULL);
  if (!c->snap || !path) return TS_NOT_MINE;
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  struct ds_err e = {0};
  enum ds_status st;
  enum ts_node k = file_of(c, path, &rel, &e, &st);
  char *text = NULL;
  enum ts_conn r;
  if (st) r = ts_answer_status(a, st, NULL, &e);
  else if (k == TS_NODE_DIR) r = ts_answer(a, ds_strdup("EISDIR: illegal operation on a directory, read"), true);
  else if (k == TS_NODE_MISSING) r = tool_error(a, "File does not exist.");
  else if ((st = ds_snapshot_read(c->snap, rel.data, &text, &e))) r = ts_answer_status(a, st, NULL, &e);
  else {
    long offset = (long)ds_json_num(args, "offset", 1), limit = (long)ds_json_num(args, "limit", 2000);
    if (offset < 1) offset = 1;
    if (limit < 1) limit = 2000;
    long n = count_lines(text);
    struct ds_buf out;
    ds_buf_init(&out, 0);
    if (!*text) {
      ds_buf_adds(&out, "<system-reminder>Warning: the file exists but the contents are empty.</system-reminder>");
    } else if (offset > n) {
      ds_buf_addf(&out,
                  "<system-reminder>Warning: the file exists but is shorter than the provided offset (%ld). The file "
                  "has %ld lines.</system-reminder>",
                  offset, n);
    } else {
      numbered(&out, text, offset, offset + limit - 1);
      ds_buf_adds(&out, reminder(c));
    }
    r = ts_answer(a, ds_buf_detach(&out, NULL), false);
    ds_buf_release(&out);
    mark_read(c, path);
  }
  ds_free(text);
  ds_buf_release(&rel);
  return r;
}

/* Writes content to the file a call names; answers as Claude Code does. */
static enum ts_conn cc_write(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "file_path", NULL), *content = ds_json_str(args, "content", NULL);
  if (!c->snap || !path || !content) return TS_NOT_MINE;
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  struct ds_err e = {0};
  enum ds_status st;
  enum ts_node k = file_of(c, path, &rel, &e, &st);
  enum ts_conn r;
  if (st) r = ts_answer_status(a, st, NULL, &e);
  else if (k == TS_NODE_DIR) r = ts_answer(a, ds_strdup("EISDIR: illegal operation on a directory, open"), true);
  else if (k == TS_NODE_FILE && !was_read(c, path)) r = tool_error(a, "File has not been read yet. Read it first before writing to it.");
  else if ((st = ds_snapshot_write(c->snap, rel.data, content, strlen(content), &e))) r = ts_answer_status(a, st, NULL, &e);
  else if (k == TS_NODE_MISSING) r = ts_answerf(a, false, "File created successfully at: %s", path);
  else if (ts_version_cmp(c->version, 2, 1, 0) >= 0) r = ts_answerf(a, false, "The file %s has been updated successfully.", path);
  else {
    struct ds_buf out;
    ds_buf_init(&out, 0);
    ds_buf_addf(&out, "The file %s has been updated. Here's the result of running `cat -n` on a snippet of the edited file:\n", path);
    numbered(&out, content, 1, count_lines(content));
    r = ts_answer(a, ds_buf_detach(&out, NULL), false);
    ds_buf_release(&out);
  }
  if (r == TS_ANSWERED && !a->is_error) mark_read(c, path);
  ds_buf_release(&rel);
  return r;
}

/* One old_string -> new_string edit of text (owned result in *out); an error message for the
 * candidate, or NULL. */
static const char *edit_text(const char *text, const char *old, const char *new, bool all, struct ds_buf *out,
                             struct ds_buf *msg, long *out_line) {
  ds_buf_reset(out);
  if (strcmp(old, new) == 0) return "No changes to make: old_string and new_string are exactly the same.";
  size_t ol = strlen(old), hits = 0;
  const char *first = NULL;
  for (const char *p = *old ? strstr(text, old) : NULL; p; p = strstr(p + ol, old)) {
    if (!first) first = p;
    hits++;
  }
  if (!hits) {
    ds_buf_reset(msg);
    ds_buf_addf(msg, "String to replace not found in file.\nString: %s", old);
    return msg->data;
  }
  if (hits > 1 && !all) {
    ds_buf_reset(msg);
    ds_buf_addf(msg,
                "Found %zu matches of the string to replace, but replace_all is false. To replace all occurrences, "
                "set replace_all to true. To replace only one occurrence, please provide more context to uniquely "
                "identify the instance.\nString: %s",
                hits, old);
    return msg->data;
  }
  long line = 1;
  for (const char *p = text; p < first; p++) line += *p == '\n';
  *out_line = line;
  const char *s = text;
  for (const char *p = strstr(s, old); p; p = all ? strstr(s, old) : NULL) {
    ds_buf_add(out, s, (size_t)(p - s));
    ds_buf_adds(out, new);
    s = p + ol;
  }
  ds_buf_adds(out, s);
  return NULL;
}

static enum ts_conn edit_common(struct ts_ctx *c, const char *path, const json_t *edits, struct ds_tool_answer *a,
                                bool multi) {
  struct ds_buf rel, text, next, msg;
  ds_buf_init(&rel, 0);
  ds_buf_init(&text, 0);
  ds_buf_init(&next, 0);
  ds_buf_init(&msg, 0);
  struct ds_err e = {0};
  enum ds_status st;
  enum ts_node k = file_of(c, path, &rel, &e, &st);
  enum ts_conn r = TS_ANSWERED;
  const json_t *first = json_array_get(edits, 0);
  long line = 1;
  if (st) {
    r = ts_answer_status(a, st, NULL, &e);
    goto out;
  }
  if (k == TS_NODE_DIR) {
    r = tool_error(a, "EISDIR: illegal operation on a directory, open");
    goto out;
  }
  if (k == TS_NODE_MISSING) {
    /* an empty old_string creates the file */
    if (json_array_size(edits) == 1 && !*ds_json_str(first, "old_string", "x")) {
      const char *nw = ds_json_str(first, "new_string", "");
      if ((st = ds_snapshot_write(c->snap, rel.data, nw, strlen(nw), &e))) r = ts_answer_status(a, st, NULL, &e);
      else r = ts_answerf(a, false, "File created successfully at: %s", path);
      goto out;
    }
    r = tool_error(a, "File does not exist.");
    goto out;
  }
  if (!was_read(c, path)) {
    r = tool_error(a, "File has not been read yet. Read it first before writing to it.");
    goto out;
  }
  char *data = NULL;
  if ((st = ds_snapshot_read(c->snap, rel.data, &data, &e))) {
    r = ts_answer_status(a, st, NULL, &e);
    goto out;
  }
  ds_buf_adds(&text, data);
  ds_free(data);
  size_t i;
  const json_t *ed;
  json_array_foreach(edits, i, ed) {
    const char *old = ds_json_str(ed, "old_string", NULL), *nw = ds_json_str(ed, "new_string", NULL);
    if (!old || !nw) {
      r = TS_NOT_MINE;
      goto out;
    }
    const char *err = edit_text(text.data, old, nw, json_is_true(json_object_get(ed, "replace_all")), &next, &msg, &line);
    if (err) {
      r = tool_error(a, err);
      goto out;
    }
    ds_buf_reset(&text);
    ds_buf_add(&text, next.data, next.len);
  }
  if ((st = ds_snapshot_write(c->snap, rel.data, text.data, text.len, &e))) {
    r = ts_answer_status(a, st, NULL, &e);
    goto out;
  }
  struct ds_buf o;
  ds_buf_init(&o, 0);
  if (multi) {
    ds_buf_addf(&o, "Applied %zu edit%s to %s:", json_array_size(edits), json_array_size(edits) == 1 ? "" : "s", path);
    json_array_foreach(edits, i, ed) {
      const char *old = ds_json_str(ed, "old_string", ""), *nw = ds_json_str(ed, "new_string", "");
      ds_buf_addf(&o, "\n%zu. Replaced \"%.50s%s\" with \"%.50s%s\"", i + 1, old, strlen(old) > 50 ? "..." : "", nw,
                  strlen(nw) > 50 ? "..." : "");
    }
  } else if (ts_version_cmp(c->version, 2, 1, 0) >= 0) {
    ds_buf_addf(&o, "The file %s has been updated successfully.", path);
  } else if (json_is_true(json_object_get(first, "replace_all"))) {
    ds_buf_addf(&o, "The file %s has been updated. All occurrences of '%s' were successfully replaced with '%s'.", path,
                ds_json_str(first, "old_string", ""), ds_json_str(first, "new_string", ""));
  } else {
    long n_new = count_lines(ds_json_str(first, "new_string", ""));
    ds_buf_addf(&o, "The file %s has been updated. Here's the result of running `cat -n` on a snippet of the edited file:\n",
                path);
    numbered(&o, text.data, line > 4 ? line - 4 : 1, line + n_new - 1 + 4);
  }
  r = ts_answer(a, ds_buf_detach(&o, NULL), false);
  ds_buf_release(&o);
out:
  ds_buf_release(&rel);
  ds_buf_release(&text);
  ds_buf_release(&next);
  ds_buf_release(&msg);
  return r;
}

static enum ts_conn cc_edit(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "file_path", NULL);
  if (!c->snap || !path) return TS_NOT_MINE;
  json_t *one = json_pack("[{s:s?,s:s?,s:b}]", "old_string", ds_json_str(args, "old_string", NULL), "new_string",
                          ds_json_str(args, "new_string", NULL), "replace_all",
                          json_is_true(json_object_get(args, "replace_all")));
  if (!one) return TS_NOT_MINE;
  enum ts_conn r = edit_common(c, path, one, a, false);
  json_decref(one);
  return r;
}

static enum ts_conn cc_multiedit(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "file_path", NULL);
  const json_t *edits = json_object_get(args, "edits");
  if (!c->snap || !path || !json_array_size(edits)) return TS_NOT_MINE;
  return edit_common(c, path, edits, a, true);
}

/* NotebookEdit: a cell of an .ipynb (by cell_id, or cell_number in early versions) replaced,
 * inserted after, or deleted. */
static enum ts_conn cc_notebook(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "notebook_path", NULL);
  if (!c->snap || !path) return TS_NOT_MINE;
  if (!was_read(c, path)) return tool_error(a, "File has not been read yet. Read it first before writing to it.");
  char *p = ts_path_in(c, path), *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_read(c->snap, p, &text, &e);
  enum ts_conn r = TS_ANSWERED;
  json_t *nb = st ? NULL : json_loads(text, 0, NULL);
  json_t *cells = json_object_get(nb, "cells");
  const char *mode = ds_json_str(args, "edit_mode", "replace"), *id = ds_json_str(args, "cell_id", NULL);
  const char *src = ds_json_str(args, "new_source", "");
  long at = -1;
  if (st) {
    r = tool_error(a, "Notebook file does not exist.");
    goto out;
  }
  if (!json_is_array(cells)) {
    r = tool_error(a, "Notebook is not valid JSON.");
    goto out;
  }
  if (id) {
    for (size_t i = 0; i < json_array_size(cells); i++)
      if (strcmp(ds_json_str(json_array_get(cells, i), "id", ""), id) == 0) at = (long)i;
  } else if (json_is_integer(json_object_get(args, "cell_number"))) {
    at = (long)json_integer_value(json_object_get(args, "cell_number"));
  }
  if (strcmp(mode, "insert") == 0) {
    json_t *cell = json_pack("{s:s,s:s,s:{},s:[]}", "cell_type", ds_json_str(args, "cell_type", "code"), "source", src,
                             "metadata", "outputs");
    json_array_insert_new(cells, (size_t)(at + 1), cell);
    r = ts_answerf(a, false, "Inserted cell %s with %s", id ? id : "", src);
  } else if (at < 0 || at >= (long)json_array_size(cells)) {
    r = ts_answerf(a, true, "<tool_use_error>Cell with ID \"%s\" not found in notebook.</tool_use_error>", id ? id : "");
    goto out;
  } else if (strcmp(mode, "delete") == 0) {
    json_array_remove(cells, (size_t)at);
    r = ts_answerf(a, false, "Deleted cell %s", id ? id : "");
  } else {
    json_object_set_new(json_array_get(cells, (size_t)at), "source", json_string(src));
    r = ts_answerf(a, false, "Updated cell %s with %s", id ? id : "", src);
  }
  char *dump = json_dumps(nb, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  if (!dump || ds_snapshot_write(c->snap, p, dump, strlen(dump), &e) != DS_OK) {
    ds_tool_answer_release(a);
    r = ts_answer_status(a, dump ? DS_E_INVALID : DS_E_NOMEM, NULL, &e);
  }
  free(dump);
out:
  json_decref(nb);
  ds_free(text);
  ds_free(p);
  return r;
}

/* ---- Glob, Grep, LS ---- */

struct collect {
  char **v;
  size_t n, cap;
  const char *base; /* rel of the search root */
  const char *pattern;
  bool hidden;
};

static void push(struct collect *k, const char *rel) {
  if (k->n == k->cap) {
    size_t cap = k->cap ? 2 * k->cap : 64;
    char **v = ds_realloc(k->v, cap * sizeof *v);
    if (!v) return;
    k->v = v;
    k->cap = cap;
  }
  k->v[k->n] = ds_strdup(rel);
  if (k->v[k->n]) k->n++;
}

static void collect_free(struct collect *k) {
  for (size_t i = 0; i < k->n; i++) ds_free(k->v[i]);
  ds_free(k->v);
}

static const char *below(const char *base, const char *rel) {
  size_t bl = strlen(base);
  return bl ? rel + bl + (rel[bl] == '/') : rel;
}

static bool glob_visit(void *ud, const char *rel, bool is_dir) {
  struct collect *k = ud;
  const char *name = strrchr(rel, '/');
  name = name ? name + 1 : rel;
  if (!k->hidden && name[0] == '.') return false;
  if (!is_dir && ts_glob_match(k->pattern, below(k->base, rel))) push(k, rel);
  return is_dir;
}

static enum ts_conn cc_glob(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *pattern = ds_json_str(args, "pattern", NULL), *path = ds_json_str(args, "path", NULL);
  if (!c->snap || !pattern) return TS_NOT_MINE;
  struct ds_buf rel;
  ds_buf_init(&rel, 0);
  struct ds_err e = {0};
  enum ds_status st;
  enum ts_node k = file_of(c, path ? path : "", &rel, &e, &st);
  if (st) {
    ds_buf_release(&rel);
    return ts_answer_status(a, st, NULL, &e);
  }
  struct collect col = {.base = rel.data, .pattern = pattern, .hidden = pattern[0] == '.' || strstr(pattern, "/.")};
  unsigned budget = 100000;
  if (k == TS_NODE_DIR) snapshot_walk_tree(c->snap, rel.data, glob_visit, &col, &budget);
  struct ds_buf out;
  ds_buf_init(&out, 0);
  if (!col.n) ds_buf_adds(&out, "No files found");
  for (size_t i = 0; i < col.n && i < 100; i++) {
    char *abs = ts_abs_path(c, col.v[i]);
    ds_buf_addf(&out, "%s%s", i ? "\n" : "", abs ? abs : col.v[i]);
    ds_free(abs);
  }
  if (col.n > 100) ds_buf_adds(&out, "\n(Results are truncated. Consider using a more specific path or pattern.)");
  collect_free(&col);
  ds_buf_release(&rel);
  return ts_answer(a, ds_buf_detach(&out, NULL), false);
}

/* ripgrep's --type names Claude Code's Grep takes (the common ones). */
static const char *type_globs(const char *type) {
  static const char *const map[][2] = {
      {"js", "*.{js,jsx,mjs,cjs,vue}"}, {"ts", "*.{ts,tsx,cts,mts}"}, {"py", "*.{py,pyi}"}, {"go", "*.go"},
      {"rust", "*.rs"}, {"java", "*.{java,jsp}"}, {"c", "*.{c,h,H,cats}"}, {"cpp", "*.{C,cc,cpp,cxx,c++,h,H,hh,hpp,hxx,inl}"},
      {"md", "*.{md,markdown,mdx,mkd,mkdn,mdown,mdwn}"}, {"markdown", "*.{md,markdown,mdx,mkd,mkdn,mdown,mdwn}"},
      {"json", "*.{json,jsonl,sarif}"}, {"yaml", "*.{yml,yaml}"}, {"sh", "*.{sh,bash,zsh,ksh,csh}"},
      {"html", "*.{htm,html,ejs}"}, {"css", "*.{css,scss}"}, {"ruby", "*.{rb,gemspec}"}, {"php", "*.{php,phtml}"},
      {"swift", "*.swift"}, {"kotlin", "*.{kt,kts}"}, {"toml", "*.toml"}, {"sql", "*.{sql,psql}"}};
  for (size_t i = 0; i < DS_ARRAY_LEN(map); i++)
    if (strcmp(map[i][0], type) == 0) return map[i][1];
  return NULL;
}

struct grep_walk {
  struct collect files;
  const char *glob, *tglob;
};

static bool grep_visit(void *ud, const char *rel, bool is_dir) {
  struct grep_walk *g = ud;
  const char *name = strrchr(rel, '/');
  name = name ? name + 1 : rel;
  if (name[0] == '.') return false; /* ripgrep skips hidden files */
  if (is_dir) return true;
  const char *sub = below(g->files.base, rel);
  if (g->glob && !ts_glob_match(g->glob, strchr(g->glob, '/') ? sub : name)) return false;
  if (g->tglob && !ts_glob_match(g->tglob, name)) return false;
  push(&g->files, rel);
  return false;
}

static enum ts_conn cc_grep(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *pattern = ds_json_str(args, "pattern", NULL), *path = ds_json_str(args, "path", NULL);
  const char *mode = ds_json_str(args, "output_mode", "files_with_matches"), *type = ds_json_str(args, "type", NULL);
  if (!c->snap || !pattern || json_is_true(json_object_get(args, "multiline"))) return TS_NOT_MINE;
  const char *tglob = type ? type_globs(type) : NULL;
  if (type && !tglob) return TS_NOT_MINE;
  bool content = strcmp(mode, "content") == 0, count = strcmp(mode, "count") == 0;
  if (!content && !count && strcmp(mode, "files_with_matches") != 0) return TS_NOT_MINE;
  char emsg[200];
  const char *pats[1] = {pattern};
  struct ts_matcher *m = ts_matcher_new(pats, 1, TS_RE_PCRE, json_is_true(json_object_get(args, "-i")), false, false,
                                        emsg, sizeof emsg);
  if (!m) return ts_answerf(a, true, "<tool_use_error>%s</tool_use_error>", emsg);
  struct ds_buf rel, out;
  ds_buf_init(&rel, 0);
  ds_buf_init(&out, 0);
  struct ds_err e = {0};
  enum ds_status st;
  enum ts_node k = file_of(c, path ? path : "", &rel, &e, &st);
  if (st) {
    ts_matcher_free(m);
    ds_buf_release(&rel);
    ds_buf_release(&out);
    return ts_answer_status(a, st, NULL, &e);
  }
  struct grep_walk g = {.files = {.base = rel.data}, .glob = ds_json_str(args, "glob", NULL), .tglob = tglob};
  unsigned budget = 100000;
  bool single = k == TS_NODE_FILE;
  if (single) push(&g.files, rel.data);
  else if (k == TS_NODE_DIR) snapshot_walk_tree(c->snap, rel.data, grep_visit, &g, &budget);
  long after = (long)ds_json_num(args, "-A", 0), before = (long)ds_json_num(args, "-B", 0);
  if (json_is_number(json_object_get(args, "-C"))) after = before = (long)ds_json_num(args, "-C", 0);
  bool number = !json_is_false(json_object_get(args, "-n"));
  long head = (long)ds_json_num(args, "head_limit", 0);
  size_t n_files = 0, total = 0, lines_out = 0;
  char *cwd_abs = ts_abs_path(c, c->st->cwd);
  size_t cwd_len = cwd_abs ? strlen(cwd_abs) : 0;
  for (size_t i = 0; i < g.files.n; i++) {
    char *text = NULL;
    if (ds_snapshot_read(c->snap, g.files.v[i], &text, &e) != DS_OK) continue;
    if (memchr(text, '\0', strlen(text) < 8192 ? strlen(text) : 8192)) {
      ds_free(text);
      continue;
    }
    char *abs = ts_abs_path(c, g.files.v[i]);
    const char *relname = abs && cwd_len && strncmp(abs, cwd_abs, cwd_len) == 0 && abs[cwd_len] == '/' ? abs + cwd_len + 1 : abs;
    size_t hits = 0;
    long last = 0, no = 0, after_left = 0;
    const char *s = text;
    /* line starts for before-context */
    for (;;) {
      const char *nl = strchr(s, '\n');
      size_t n = nl ? (size_t)(nl - s) : strlen(s);
      if (!nl && n == 0) break;
      no++;
      size_t so, eo;
      bool hit = ts_matcher_find(m, s, n, 0, &so, &eo);
      if (hit) {
        hits++;
        if (content) {
          long from = no - before > last + 1 ? no - before : last + 1;
          if ((before || after) && last && from > last + 1) ds_buf_adds(&out, "--\n");
          /* before-context: walk back from s */
          const char *starts[64];
          long nb = 0;
          for (const char *p = s; nb < no - from && nb < 64 && p > text;) {
            const char *q = p - 1;
            while (q > text && q[-1] != '\n') q--;
            starts[nb++] = q;
            p = q;
          }
          for (long j = nb; j > 0; j--) {
            const char *q = starts[j - 1];
            const char *qe = strchr(q, '\n');
            if (!single) ds_buf_addf(&out, "%s-", abs);
            if (number) ds_buf_addf(&out, "%ld-", no - j);
            ds_buf_addf(&out, "%.*s\n", (int)(qe ? qe - q : (long)strlen(q)), q);
          }
          if (!single) ds_buf_addf(&out, "%s:", relname);
          if (number) ds_buf_addf(&out, "%ld:", no);
          ds_buf_addf(&out, "%.*s\n", (int)n, s);
          last = no;
          after_left = after;
        }
      } else if (content && after_left > 0) {
        if (!single) ds_buf_addf(&out, "%s-", abs);
        if (number) ds_buf_addf(&out, "%ld-", no);
        ds_buf_addf(&out, "%.*s\n", (int)n, s);
        last = no;
        after_left--;
      }
      if (!nl) break;
      s = nl + 1;
    }
    if (hits) {
      n_files++;
      total += hits;
      if (!content) {
        if (count) ds_buf_addf(&out, "%s:%zu\n", single ? abs : relname, hits);
        else ds_buf_addf(&out, "%s\n", abs);
      }
    }
    ds_free(abs);
    ds_free(text);
  }
  ds_free(cwd_abs);
  /* head_limit keeps the first lines (or files) */
  if (head > 0) {
    size_t cut = 0;
    for (long j = 0; j < head && cut < out.len; j++) {
      const char *nl = memchr(out.data + cut, '\n', out.len - cut);
      cut = nl ? (size_t)(nl - out.data) + 1 : out.len;
    }
    out.len = cut;
    out.data[cut] = '\0';
  }
  while (out.len && out.data[out.len - 1] == '\n') out.data[--out.len] = '\0';
  struct ds_buf res;
  ds_buf_init(&res, 0);
  (void)lines_out;
  if (content) {
    ds_buf_adds(&res, n_files ? out.data : "No matches found");
  } else if (count) {
    if (!n_files) ds_buf_adds(&res, "No matches found");
    else ds_buf_addf(&res, "%s\n\nFound %zu total occurrence%s across %zu file%s.", out.data, total,
                     total == 1 ? "" : "s", n_files, n_files == 1 ? "" : "s");
  } else {
    if (!n_files) ds_buf_adds(&res, "No files found");
    else ds_buf_addf(&res, "Found %zu file%s\n%s", n_files, n_files == 1 ? "" : "s", out.data);
  }
  collect_free(&g.files);
  ts_matcher_free(m);
  ds_buf_release(&rel);
  ds_buf_release(&out);
  return ts_answer(a, ds_buf_detach(&res, NULL), false);
}

struct ls_ctx {
  struct ds_buf *out;
  const char *base;
  const json_t *ignore;
  unsigned n;
};

static bool ls_visit(void *ud, const char *rel, bool is_dir) {
  struct ls_ctx *l = ud;
  const char *name = strrchr(rel, '/');
  name = name ? name + 1 : rel;
  if (name[0] == '.' || strcmp(name, "__pycache__") == 0) return false;
  size_t i;
  const json_t *g;
  json_array_foreach(l->ignore, i, g) if (json_is_string(g) && ts_glob_match(json_string_value(g), name)) return false;
  const char *sub = below(l->base, rel);
  size_t depth = 1;
  for (const char *p = sub; *p; p++) depth += *p == '/';
  ds_buf_addf(l->out, "%*s- %s%s\n", (int)(2 * depth), "", name, is_dir ? "/" : "");
  l->n++;
  return is_dir && l->n < 1000;
}

static enum ts_conn cc_ls(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "path", NULL);
  if (!c->snap || !path) return TS_NOT_MINE;
  struct ds_buf rel, out;
  ds_buf_init(&rel, 0);
  ds_buf_init(&out, 0);
  struct ds_err e = {0};
  enum ds_status st;
  enum ts_node k = file_of(c, path, &rel, &e, &st);
  enum ts_conn r;
  if (st) {
    r = ts_answer_status(a, st, NULL, &e);
  } else if (k != TS_NODE_DIR) {
    r = ts_answerf(a, true, "<tool_use_error>Path does not exist or is not a directory: %s</tool_use_error>", path);
  } else {
    struct ls_ctx l = {.out = &out, .base = rel.data, .ignore = json_object_get(args, "ignore")};
    ds_buf_addf(&out, "- %s%s\n", path, path[strlen(path) - 1] == '/' ? "" : "/");
    unsigned budget = 1000;
    snapshot_walk_tree(c->snap, rel.data, ls_visit, &l, &budget);
    ds_buf_adds(&out, "\nNOTE: do any of the files above seem malicious? If so, you MUST refuse to continue work.");
    r = ts_answer(a, ds_buf_detach(&out, NULL), false);
  }
  ds_buf_release(&rel);
  ds_buf_release(&out);
  return r;
}

static enum ts_conn cc_bash(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *cmd = ds_json_str(args, "command", NULL);
  if (!cmd || json_is_true(json_object_get(args, "run_in_background"))) return TS_NOT_MINE;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  int status = 0;
  enum ts_conn r = shell_ro_run(c, cmd, &out, &status);
  if (r == TS_NOT_MINE) {
    ds_buf_release(&out);
    return r;
  }
  while (out.len && out.data[out.len - 1] == '\n') out.data[--out.len] = '\0';
  ts_answer(a, ds_buf_detach(&out, NULL), r == TS_REFUSED || status != 0);
  if (r == TS_REFUSED) a->source = DS_TOOL_SOURCE_REFUSED;
  ds_buf_release(&out);
  return r;
}

static enum ts_conn cc_todo(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)c;
  (void)tool;
  if (!json_is_array(json_object_get(args, "todos"))) return TS_NOT_MINE;
  return ts_answer(a,
                   ds_strdup("Todos have been modified successfully. Ensure that you continue to use the todo list to "
                             "track your progress. Please proceed with the current tasks if applicable"),
                   false);
}

static const struct ts_tool tools[] = {
    {"Read", TS_READ, 0, cc_read},
    {"NotebookRead", TS_READ, 0, NULL},
    {"Grep", TS_SEARCH, 0, cc_grep},
    {"Glob", TS_GLOB, 0, cc_glob},
    {"LS", TS_LIST, 0, cc_ls},
    {"Bash", TS_SHELL, 0, cc_bash},
    {"Write", TS_WRITE, TS_ACTS, cc_write},
    {"Edit", TS_EDIT, TS_ACTS, cc_edit},
    {"MultiEdit", TS_EDIT, TS_ACTS, cc_multiedit},
    {"NotebookEdit", TS_EDIT, TS_ACTS, cc_notebook},
    {"TodoWrite", TS_PLAN, 0, cc_todo},
    {"TodoRead", TS_PLAN, 0, NULL},
    {"ExitPlanMode", TS_PLAN, 0, NULL},
    {"Skill", TS_PLAN, 0, NULL},
    {"SlashCommand", TS_PLAN, 0, NULL},
    {"AskUserQuestion", TS_CONTROL, 0, NULL},
    {"Task", TS_EXTERNAL, TS_ACTS | TS_WRITES_ANY, NULL},
    {"Agent", TS_EXTERNAL, TS_ACTS | TS_WRITES_ANY, NULL},
    {"WebFetch", TS_EXTERNAL, TS_ACTS, NULL},
    {"WebSearch", TS_EXTERNAL, TS_ACTS, NULL},
    {"BashOutput", TS_OTHER, 0, NULL},
    {"KillBash", TS_EXTERNAL, TS_ACTS, NULL},
    {"KillShell", TS_EXTERNAL, TS_ACTS, NULL},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const agents[] = {"claude-code", "claude_code", "claude", NULL};

const struct ts_dialect ts_dialect_claude_code = {
    .name = "claude-code",
    .agents = agents,
    .tools = tools,
    .persistent_shell = true,
};
