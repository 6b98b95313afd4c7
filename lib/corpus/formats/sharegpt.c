/* sharegpt.c: ShareGPT records {"id","conversations":[{"from","value"}]}. */
#include "format.h"

static const char *const id_keys[] = {"id", NULL};
static const struct chat_shape shape = {"conversations", id_keys, NULL, true, false};

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  const json_t *o = fmt_probe_with(p, "conversations");
  if (o && json_is_array(json_object_get(o, "conversations"))) return 40;
  snprintf(why, n, "no \"conversations\" array");
  return 0;
}

const struct corpus_format corpus_format_sharegpt = {
    .name = "sharegpt",
    .summary = "ShareGPT {\"id\",\"conversations\":[{\"from\",\"value\"}]}",
    .tested = "ShareGPT-Vicuna dumps",
    .detect = detect,
    .chat = &shape,
};
