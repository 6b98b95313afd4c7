/* canonical.c: depsim's own corpus.jsonl, read strictly: every record has its "id". Chosen
 * only by name (--format canonical); by content such records read as openai. */
#include "format.h"

static const char *const id_keys[] = {"id", NULL};
static const struct chat_shape shape = {"messages", id_keys, NULL, false, true};

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  (void)p;
  snprintf(why, n, "chosen only with --format canonical");
  return 0;
}

const struct corpus_format corpus_format_canonical = {
    .name = "canonical",
    .summary = "depsim corpus.jsonl (what ingest writes): every record has an \"id\"",
    .tested = "depsim 0.1",
    .detect = detect,
    .chat = &shape,
};
