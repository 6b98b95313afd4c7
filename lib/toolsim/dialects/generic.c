/* generic.c: the dialect of tools no agent dialect claims, decided by name: read_file,
 * list_dir, search, write_file, edit_file/str_replace, delete_file and common aliases, and
 * shell-like tools (shell, bash, run_command, ...) whose read-only command lines the read-only
 * shell answers. Every other tool is decided by its name (book_*, send_*, ...: an intended
 * action). Agent dialects fall back to these rows for names they do not have. */
#include <string.h>

#include "toolsim/dialect.h"

static const char *const path_keys[] = {"path", "file", "file_path", "filename", "filepath", "dir", "directory",
                                        "target", NULL};
static const char *const content_keys[] = {"content", "contents", "text", "data", "file_text", NULL};
static const char *const pattern_keys[] = {"pattern", "query", "regex", "text", "needle", "search", NULL};

static enum ts_conn need_snapshot(struct ts_ctx *c) { return c->snap ? TS_ANSWERED : TS_NOT_MINE; }

static enum ts_conn g_read(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ts_arg_str(args, path_keys);
  if (need_snapshot(c) != TS_ANSWERED || !path) return TS_NOT_MINE;
  char *p = ts_path_in(c, path), *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_read(c->snap, p, &text, &e);
  ds_free(p);
  return ts_answer_status(a, st, text, &e);
}

static enum ts_conn g_list(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  if (need_snapshot(c) != TS_ANSWERED) return TS_NOT_MINE;
  const char *path = ts_arg_str(args, path_keys);
  char *p = ts_path_in(c, path ? path : ""), *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_list(c->snap, p, &text, &e);
  ds_free(p);
  return ts_answer_status(a, st, text, &e);
}

static enum ts_conn g_search(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *pat = ts_arg_str(args, pattern_keys);
  if (need_snapshot(c) != TS_ANSWERED || !pat) return TS_NOT_MINE;
  const char *path = ts_arg_str(args, path_keys);
  char *p = ts_path_in(c, path ? path : ""), *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_search(c->snap, pat, p, 200, &text, &e);
  ds_free(p);
  return ts_answer_status(a, st, text, &e);
}

static enum ts_conn g_write(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ts_arg_str(args, path_keys), *content = ts_arg_str(args, content_keys);
  if (need_snapshot(c) != TS_ANSWERED || !path || !content) return TS_NOT_MINE;
  char *p = ts_path_in(c, path);
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_write(c->snap, p, content, strlen(content), &e);
  ds_free(p);
  if (st) return ts_answer_status(a, st, NULL, &e);
  return ts_answerf(a, false, "Wrote %zu bytes to %s", strlen(content), path);
}

static enum ts_conn g_edit(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ts_arg_str(args, path_keys);
  const char *old = ds_json_str(args, "old_str", ds_json_str(args, "old", ds_json_str(args, "search", NULL)));
  const char *new = ds_json_str(args, "new_str", ds_json_str(args, "new", ds_json_str(args, "replace", NULL)));
  if (need_snapshot(c) != TS_ANSWERED || !path || !old || !new) return TS_NOT_MINE;
  char *p = ts_path_in(c, path), *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_read(c->snap, p, &text, &e);
  if (st == DS_OK) {
    char *hit = *old ? strstr(text, old) : NULL;
    if (!hit) {
      st = ds_fail(&e, DS_E_NOTFOUND, "No replacement was performed: old_str not found in %s", path);
    } else {
      struct ds_buf b;
      ds_buf_init(&b, 0);
      ds_buf_add(&b, text, (size_t)(hit - text));
      ds_buf_adds(&b, new);
      ds_buf_adds(&b, hit + strlen(old));
      st = ds_snapshot_write(c->snap, p, b.data, b.len, &e);
      ds_buf_release(&b);
    }
  }
  ds_free(text);
  ds_free(p);
  if (st) return ts_answer_status(a, st, NULL, &e);
  return ts_answerf(a, false, "Edited %s", path);
}

static enum ts_conn g_delete(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ts_arg_str(args, path_keys);
  if (need_snapshot(c) != TS_ANSWERED || !path) return TS_NOT_MINE;
  char *p = ts_path_in(c, path);
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_delete(c->snap, p, &e);
  ds_free(p);
  return ts_answer_status(a, st, st ? NULL : ds_strdup(""), &e);
}

static enum ts_conn g_shell(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  char *line = ts_shell_command(args);
  if (!line) return TS_NOT_MINE;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  int status = 0;
  enum ts_conn r = shell_ro_run(c, line, &out, &status);
  ds_free(line);
  if (r == TS_NOT_MINE) {
    ds_buf_release(&out);
    return r;
  }
  ts_answer(a, ds_buf_detach(&out, NULL), r == TS_REFUSED);
  if (r == TS_REFUSED) a->source = DS_TOOL_SOURCE_REFUSED;
  ds_buf_release(&out);
  return r;
}

static const struct ts_tool tools[] = {
    {"read_file", TS_READ, 0, g_read},     {"open_file", TS_READ, 0, g_read},
    {"view", TS_READ, 0, g_read},          {"view_file", TS_READ, 0, g_read},
    {"cat", TS_READ, 0, g_read},           {"read", TS_READ, 0, g_read},
    {"list_dir", TS_LIST, 0, g_list},      {"list_directory", TS_LIST, 0, g_list},
    {"ls", TS_LIST, 0, g_list},            {"list_files", TS_LIST, 0, g_list},
    {"search", TS_SEARCH, 0, g_search},    {"grep", TS_SEARCH, 0, g_search},
    {"search_code", TS_SEARCH, 0, g_search}, {"search_files", TS_SEARCH, 0, g_search},
    {"find_in_files", TS_SEARCH, 0, g_search},
    {"write_file", TS_WRITE, TS_ACTS, g_write}, {"create_file", TS_WRITE, TS_ACTS, g_write},
    {"write", TS_WRITE, TS_ACTS, g_write},      {"save_file", TS_WRITE, TS_ACTS, g_write},
    {"edit_file", TS_EDIT, TS_ACTS, g_edit},    {"str_replace", TS_EDIT, TS_ACTS, g_edit},
    {"replace_in_file", TS_EDIT, TS_ACTS, g_edit}, {"apply_edit", TS_EDIT, TS_ACTS, g_edit},
    {"delete_file", TS_DELETE, TS_ACTS, g_delete}, {"remove_file", TS_DELETE, TS_ACTS, g_delete},
    {"rm", TS_DELETE, TS_ACTS, g_delete},
    {"shell", TS_SHELL, 0, g_shell},       {"bash", TS_SHELL, 0, g_shell},
    {"run", TS_SHELL, 0, g_shell},         {"run_command", TS_SHELL, 0, g_shell},
    {"execute", TS_SHELL, 0, g_shell},     {"terminal", TS_SHELL, 0, g_shell},
    {"exec", TS_SHELL, 0, g_shell},        {"run_shell", TS_SHELL, 0, g_shell},
    {"sh", TS_SHELL, 0, g_shell},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const agents[] = {NULL};

const struct ts_dialect ts_dialect_generic_def = {
    .name = "generic",
    .agents = agents,
    .tools = tools,
    .persistent_shell = false,
};
