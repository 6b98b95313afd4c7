/* openhands.c: OpenHands' tools, V0 (execute_bash, str_replace_editor, execute_ipython_cell,
 * think, finish, browser, edit_file, delegate) and V1 (terminal, file_editor, task_tracker,
 * finish, think, browser_*). Read-only command lines are answered with V0's exit-code line or
 * V1's plain output, the editor as OpenHands' editor answers, think and the task list as
 * OpenHands acknowledges them. Code, browser actions and delegation are recordings or the
 * simulator model only: never executed. */
#include <string.h>

#include "toolsim/dialect.h"

static enum ts_conn run_bash(struct ts_ctx *c, const json_t *args, bool v1, struct ds_tool_answer *a) {
  const char *line = ds_json_str(args, "command", NULL);
  if (!line || json_is_true(json_object_get(args, "is_input"))) return TS_NOT_MINE;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  int status = 0;
  enum ts_conn r = shell_ro_run(c, line, &out, &status);
  if (r == TS_ANSWERED) {
    while (out.len && out.data[out.len - 1] == '\n') out.data[--out.len] = '\0';
    if (!v1) ds_buf_addf(&out, "\n[The command completed with exit code %d.]", status);
    ts_answer(a, ds_buf_detach(&out, NULL), status != 0);
  } else if (r == TS_REFUSED) {
    ts_answer(a, ds_buf_detach(&out, NULL), true);
    a->source = DS_TOOL_SOURCE_REFUSED;
  }
  ds_buf_release(&out);
  return r;
}

static enum ts_conn oh_bash(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  return run_bash(c, args, strcmp(tool, "terminal") == 0, a);
}

static enum ts_conn oh_editor(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  return editor_run(c, ED_OPENHANDS, args, a);
}

static enum ts_conn oh_think(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)c;
  (void)tool;
  (void)args;
  return ts_answer(a, ds_strdup("Your thought has been logged."), false);
}

static enum ts_conn oh_finish(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)c;
  (void)tool;
  const char *msg = ds_json_str(args, "message", ds_json_str(args, "final_thought", NULL));
  if (!msg) return TS_NOT_MINE;
  return ts_answer(a, ds_strdup(msg), false);
}

/* task_tracker: "plan" stores the list, "view" shows it. */
static enum ts_conn oh_tasks(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *cmd = ds_json_str(args, "command", "");
  if (strcmp(cmd, "plan") == 0) {
    const json_t *list = json_object_get(args, "task_list");
    if (!json_is_array(list)) return TS_NOT_MINE;
    json_decref(c->st->plan);
    c->st->plan = json_deep_copy(list);
    return ts_answerf(a, false, "Task list has been updated with %zu item(s).", json_array_size(list));
  }
  if (strcmp(cmd, "view") != 0 || !c->st->plan) return TS_NOT_MINE;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  ds_buf_adds(&out, "# Task List");
  size_t i;
  const json_t *t;
  json_array_foreach(c->st->plan, i, t) {
    const char *status = ds_json_str(t, "status", "todo"), *notes = ds_json_str(t, "notes", "");
    const char *icon = strcmp(status, "done") == 0 ? "\xe2\x9c\x85" : strcmp(status, "in_progress") == 0 ? "\xf0\x9f\x94\x84" : "\xe2\x8f\xb3";
    ds_buf_addf(&out, "\n\n%zu. %s %s", i + 1, icon, ds_json_str(t, "title", ""));
    if (*notes) ds_buf_addf(&out, "\n   %s", notes);
  }
  return ts_answer(a, ds_buf_detach(&out, NULL), false);
}

static const struct ts_tool tools[] = {
    {"execute_bash", TS_SHELL, 0, oh_bash},
    {"terminal", TS_SHELL, 0, oh_bash},
    {"bash", TS_SHELL, 0, oh_bash},
    {"str_replace_editor", TS_EDITOR, 0, oh_editor},
    {"file_editor", TS_EDITOR, 0, oh_editor},
    {"think", TS_PLAN, 0, oh_think},
    {"task_tracker", TS_PLAN, 0, oh_tasks},
    {"finish", TS_CONTROL, 0, oh_finish},
    {"execute_ipython_cell", TS_CODE, 0, NULL},
    {"edit_file", TS_EDIT, TS_ACTS, NULL},
    {"browser", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_read", TS_EXTERNAL, TS_ACTS, NULL},
    {"fetch", TS_EXTERNAL, TS_ACTS, NULL},
    {"delegate", TS_EXTERNAL, TS_ACTS | TS_WRITES_ANY, NULL},
    {"browser_navigate", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_click", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_type", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_scroll", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_get_state", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_get_content", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_go_back", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_list_tabs", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_switch_tab", TS_EXTERNAL, TS_ACTS, NULL},
    {"browser_close_tab", TS_EXTERNAL, TS_ACTS, NULL},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const agents[] = {"openhands", "open-hands", "opendevin", NULL};

const struct ts_dialect ts_dialect_openhands = {
    .name = "openhands",
    .agents = agents,
    .tools = tools,
    .persistent_shell = true,
};
