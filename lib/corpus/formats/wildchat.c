/* wildchat.c: WildChat-style rows {"conversation_hash"|"conversation_id","conversation":[
 * {"role","content"}],"model","language","country",...}; model, language and country go to
 * the segment. */
#include "format.h"

static const char *const id_keys[] = {"conversation_id", "conversation_hash", "id", NULL};
static const char *const seg_keys[] = {"model", "language", "country", NULL};
static const struct chat_shape shape = {"conversation", id_keys, seg_keys, false, false};

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  const json_t *o = fmt_probe_with(p, "conversation");
  if (o && json_is_array(json_object_get(o, "conversation"))) return 40;
  snprintf(why, n, "no \"conversation\" array");
  return 0;
}

const struct corpus_format corpus_format_wildchat = {
    .name = "wildchat",
    .summary = "WildChat/LMSYS rows {\"conversation_hash\",\"conversation\":[{\"role\",\"content\"}],...}",
    .tested = "WildChat-1M and LMSYS-Chat-1M rows as JSON",
    .detect = detect,
    .chat = &shape,
};
