/* openai.c: OpenAI chat records, one per line or array element: {"messages":[...],
 * "tools":[...], ...} with wire-form tool_calls ({"type":"function","function":{...}}). */
#include "format.h"

static const char *const id_keys[] = {"id", NULL};
static const struct chat_shape shape = {"messages", id_keys, NULL, false, false};

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  const json_t *o = fmt_probe_with(p, "messages");
  if (o && json_is_array(json_object_get(o, "messages"))) return 20;
  snprintf(why, n, "no \"messages\" array");
  return 0;
}

const struct corpus_format corpus_format_openai = {
    .name = "openai",
    .summary = "OpenAI chat records {\"messages\":[...],\"tools\":[...]} (wire-form tool_calls)",
    .tested = "OpenAI Chat Completions message lists; depsim corpus.jsonl",
    .detect = detect,
    .chat = &shape,
};
