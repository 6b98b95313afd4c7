/* table.c: the dialects compiled in, one row each (a new agent's tool set is one file in this
 * folder and one row here), and the lookups: by the record's segment.agent, and a tool by name. */
#include <string.h>
#include <strings.h>

#include "toolsim/dialect.h"

extern const struct ts_dialect ts_dialect_generic_def, ts_dialect_claude_code, ts_dialect_codex,
    ts_dialect_swe_agent, ts_dialect_mini_swe_agent, ts_dialect_openhands, ts_dialect_inspect;

static const struct ts_dialect *const table[] = {
    &ts_dialect_claude_code, &ts_dialect_codex,     &ts_dialect_swe_agent, &ts_dialect_mini_swe_agent,
    &ts_dialect_openhands,   &ts_dialect_inspect,   &ts_dialect_generic_def,
};

const struct ts_dialect *ts_dialect_generic(void) { return &ts_dialect_generic_def; }

const struct ts_dialect *ts_dialect_for(const char *agent) {
  if (!agent || !*agent) return &ts_dialect_generic_def;
  for (size_t i = 0; i < DS_ARRAY_LEN(table); i++)
    for (const char *const *a = table[i]->agents; *a; a++)
      if (strcasecmp(*a, agent) == 0) return table[i];
  return &ts_dialect_generic_def;
}

const struct ts_tool *ts_tool_find(const struct ts_dialect *d, const char *name) {
  if (!d || !name) return NULL;
  for (const struct ts_tool *t = d->tools; t->name; t++)
    if (strcmp(t->name, name) == 0) return t;
  return NULL;
}

json_t *ds_toolsim_dialects(void) {
  json_t *out = json_array();
  for (size_t i = 0; out && i < DS_ARRAY_LEN(table); i++) {
    const struct ts_dialect *d = table[i];
    json_t *agents = json_array(), *tools = json_array();
    for (const char *const *a = d->agents; *a; a++) json_array_append_new(agents, json_string(*a));
    for (const struct ts_tool *t = d->tools; t->name; t++) {
      bool acts = (t->flags & TS_ACTS) || t->kind == TS_EXTERNAL || t->kind == TS_CODE || t->kind == TS_WRITE ||
                  t->kind == TS_EDIT || t->kind == TS_PATCH || t->kind == TS_DELETE;
      const char *when = acts ? "always" : t->kind == TS_SHELL ? "unless read-only"
                                       : t->kind == TS_EDITOR ? "unless view" : "never";
      json_array_append_new(tools, json_pack("{s:s,s:s,s:s,s:b}", "name", t->name, "kind", ts_kind_name(t->kind),
                                             "acts", when, "connector", t->answer != NULL));
    }
    json_array_append_new(out, json_pack("{s:s,s:o,s:o,s:b,s:b}", "name", d->name, "agents", agents, "tools", tools,
                                         "persistent_shell", d->persistent_shell, "text_actions",
                                         d->text_action != NULL));
  }
  return out;
}
