/* codex.c: OpenAI Codex CLI's tools: shell and local_shell (an argv array, usually
 * ["bash","-lc","..."], answered in the JSON envelope {"output","metadata":{"exit_code",
 * "duration_seconds"}}), shell_command (a command string, "Exit code: / Wall time: / Output:"),
 * exec_command (unified exec: "Chunk ID / Wall time / Process exited with code / Original
 * token count / Output:"), apply_patch (the patch parsed and applied to the overlay, answered
 * with Codex's summary), read_file ("L1: ..." lines), update_plan. Wall times are 0: nothing
 * runs. write_stdin, web_search and view_image are recordings or the simulator model only. */
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

/* The command line of a Codex exec call, in its working directory. */
static char *codex_command(const json_t *args) {
  const json_t *cmd = json_object_get(args, "command");
  if (!cmd) cmd = json_object_get(args, "cmd");
  json_t *tmp = json_pack("{s:O}", "command", cmd ? cmd : json_null());
  char *line = tmp ? ts_shell_command(tmp) : NULL;
  json_decref(tmp);
  if (!line) return NULL;
  const char *wd = ds_json_str(args, "workdir", ds_json_str(args, "working_directory", NULL));
  if (!wd || !*wd) return line;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  ds_buf_adds(&b, "cd ");
  shell_quote(&b, wd);
  ds_buf_addf(&b, " && %s", line);
  ds_free(line);
  return ds_buf_detach(&b, NULL);
}

/* An argv of ["apply_patch", PATCH]: the patch. */
static const char *argv_patch(const json_t *args) {
  const json_t *cmd = json_object_get(args, "command");
  if (!cmd) cmd = json_object_get(args, "cmd");
  const char *w0 = json_string_value(json_array_get(cmd, 0));
  if (json_array_size(cmd) == 2 && w0 && (strcmp(w0, "apply_patch") == 0 || strcmp(w0, "applypatch") == 0))
    return json_string_value(json_array_get(cmd, 1));
  return NULL;
}

enum envelope { ENV_JSON, ENV_FREEFORM, ENV_UNIFIED };

static char *envelope(enum envelope kind, const char *output, int code) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (kind == ENV_JSON) {
    json_t *o = json_pack("{s:s,s:{s:i,s:f}}", "output", output, "metadata", "exit_code", code, "duration_seconds", 0.0);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (s) ds_buf_adds(&b, s);
    free(s);
  } else if (kind == ENV_FREEFORM) {
    ds_buf_addf(&b, "Exit code: %d\nWall time: 0 seconds\nOutput:\n%s", code, output);
  } else {
    ds_buf_addf(&b, "Chunk ID: 000000\nWall time: 0.0000 seconds\nProcess exited with code %d\nOriginal token count: %zu\nOutput:\n%s",
                code, (strlen(output) + 3) / 4, output);
  }
  return ds_buf_detach(&b, NULL);
}

/* A patch applied to the overlay, as Codex answers it (exit code 1 and the error when it fails). */
static enum ts_conn patch_answer(struct ts_ctx *c, const char *patch, enum envelope kind, struct ds_tool_answer *a) {
  struct ds_buf out;
  ds_buf_init(&out, 0);
  struct ds_err e = {0};
  enum ds_status st = patch_apply_text(c, patch, &out, &e);
  if (st == DS_E_INVALID && strncmp(e.msg, "refused", 7) == 0) {
    ds_buf_release(&out);
    return ts_answer_status(a, st, NULL, &e);
  }
  char *text = envelope(kind, st ? e.msg : out.data, st ? 1 : 0);
  ds_buf_release(&out);
  return ts_answer(a, text, st != DS_OK);
}

static enum ts_conn run_exec(struct ts_ctx *c, const json_t *args, enum envelope kind, struct ds_tool_answer *a) {
  const char *patch = argv_patch(args);
  if (patch && c->snap) return patch_answer(c, patch, kind, a);
  char *line = codex_command(args);
  if (!line) return TS_NOT_MINE;
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  const char *heredoc = patch_text_of(line, &tmp);
  enum ts_conn r;
  if (heredoc && c->snap) {
    r = patch_answer(c, heredoc, kind, a);
  } else {
    struct ds_buf out;
    ds_buf_init(&out, 0);
    int status = 0;
    r = shell_ro_run(c, line, &out, &status);
    if (r == TS_ANSWERED) {
      ts_answer(a, envelope(kind, out.data, status), status != 0);
    } else if (r == TS_REFUSED) {
      ts_answer(a, ds_buf_detach(&out, NULL), true);
      a->source = DS_TOOL_SOURCE_REFUSED;
    }
    ds_buf_release(&out);
  }
  ds_buf_release(&tmp);
  ds_free(line);
  return r;
}

static enum ts_conn cx_shell(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  return run_exec(c, args, ENV_JSON, a);
}

static enum ts_conn cx_shell_command(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  return run_exec(c, args, ENV_FREEFORM, a);
}

static enum ts_conn cx_exec_command(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  return run_exec(c, args, ENV_UNIFIED, a);
}

static enum ts_conn cx_apply_patch(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  static const char *const keys[] = {"input", "patch", NULL};
  const char *patch = ts_arg_str(args, keys);
  if (!patch) patch = argv_patch(args);
  if (!c->snap || !patch) return TS_NOT_MINE;
  return patch_answer(c, patch, ENV_JSON, a);
}

static enum ts_conn cx_read_file(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *path = ds_json_str(args, "file_path", ds_json_str(args, "path", NULL));
  if (!c->snap || !path) return TS_NOT_MINE;
  char *p = ts_path_in(c, path), *text = NULL;
  struct ds_err e = {0};
  enum ds_status st = ds_snapshot_read(c->snap, p, &text, &e);
  ds_free(p);
  if (st) return ts_answer_status(a, st, NULL, &e);
  long offset = (long)ds_json_num(args, "offset", 1), limit = (long)ds_json_num(args, "limit", 2000), no = 1;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  for (const char *s = text; *s && no < offset + limit; no++) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    if (no >= offset) ds_buf_addf(&out, "%sL%ld: %.*s", out.len ? "\n" : "", no, (int)n, s);
    if (!nl) break;
    s = nl + 1;
  }
  ds_free(text);
  return ts_answer(a, ds_buf_detach(&out, NULL), false);
}

static enum ts_conn cx_plan(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)c;
  (void)tool;
  if (!json_is_array(json_object_get(args, "plan"))) return TS_NOT_MINE;
  return ts_answer(a, ds_strdup("Plan updated"), false);
}

static const struct ts_tool tools[] = {
    {"shell", TS_SHELL, 0, cx_shell},
    {"container.exec", TS_SHELL, 0, cx_shell},
    {"local_shell", TS_SHELL, 0, cx_shell},
    {"shell_command", TS_SHELL, 0, cx_shell_command},
    {"exec_command", TS_SHELL, 0, cx_exec_command},
    {"apply_patch", TS_PATCH, TS_ACTS, cx_apply_patch},
    {"read_file", TS_READ, 0, cx_read_file},
    {"list_dir", TS_LIST, 0, NULL},
    {"grep_files", TS_SEARCH, 0, NULL},
    {"view_image", TS_READ, 0, NULL},
    {"update_plan", TS_PLAN, 0, cx_plan},
    {"write_stdin", TS_EXTERNAL, TS_ACTS | TS_WRITES_ANY, NULL},
    {"web_search", TS_EXTERNAL, TS_ACTS, NULL},
    {"spawn_agent", TS_EXTERNAL, TS_ACTS | TS_WRITES_ANY, NULL},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const agents[] = {"codex", "codex-cli", "codex_cli_rs", NULL};

const struct ts_dialect ts_dialect_codex = {
    .name = "codex",
    .agents = agents,
    .tools = tools,
    .persistent_shell = false,
    .shell_command = codex_command,
};
