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
