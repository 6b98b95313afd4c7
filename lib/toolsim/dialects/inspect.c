/* inspect.c: the tools of Inspect (UK AISI inspect_ai) agents: bash (its stderr, then its
 * stdout, as Inspect's bash tool returns them), python, text_editor (Anthropic's editor), think,
 * submit, and the web_browser_* and web_search tools (recordings or the simulator model only:
 * never executed). */
#include <string.h>

#include "toolsim/dialect.h"

static enum ts_conn in_bash(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  const char *line = ds_json_str(args, "cmd", ds_json_str(args, "command", NULL));
  if (!line) return TS_NOT_MINE;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  int status = 0;
  enum ts_conn r = shell_ro_run(c, line, &out, &status);
  if (r == TS_ANSWERED) {
    ts_answer(a, ds_buf_detach(&out, NULL), status != 0);
  } else if (r == TS_REFUSED) {
    ts_answer(a, ds_buf_detach(&out, NULL), true);
    a->source = DS_TOOL_SOURCE_REFUSED;
  }
  ds_buf_release(&out);
  return r;
}

static enum ts_conn in_editor(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)tool;
  return editor_run(c, ED_INSPECT, args, a);
}

static enum ts_conn in_think(struct ts_ctx *c, const char *tool, const json_t *args, struct ds_tool_answer *a) {
  (void)c;
  (void)tool;
  (void)args;
  return ts_answer(a, ds_strdup(""), false);
}

static const struct ts_tool tools[] = {
    {"bash", TS_SHELL, 0, in_bash},
    {"text_editor", TS_EDITOR, 0, in_editor},
    {"think", TS_PLAN, 0, in_think},
    {"submit", TS_CONTROL, 0, NULL},
    {"python", TS_CODE, 0, NULL},
    {"bash_session", TS_CODE, 0, NULL},
    {"web_search", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_go", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_click", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_type", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_type_submit", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_scroll", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_back", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_forward", TS_EXTERNAL, TS_ACTS, NULL},
    {"web_browser_refresh", TS_EXTERNAL, TS_ACTS, NULL},
    {"computer", TS_EXTERNAL, TS_ACTS | TS_WRITES_ANY, NULL},
    {NULL, TS_OTHER, 0, NULL},
};

static const char *const agents[] = {"inspect", "inspect_ai", "inspect-ai", NULL};

const struct ts_dialect ts_dialect_inspect = {
    .name = "inspect",
    .agents = agents,
    .tools = tools,
    .persistent_shell = false,
};
