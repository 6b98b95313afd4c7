/* traj.c: tau-bench style agent trajectories {"traj":[OpenAI messages], "reward", ...}. */
#include "format.h"

static const char *const id_keys[] = {"id", NULL};
static const struct chat_shape shape = {"traj", id_keys, NULL, false, false};

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  const json_t *o = fmt_probe_with(p, "traj");
  if (o && json_is_array(json_object_get(o, "traj"))) return 40;
  snprintf(why, n, "no \"traj\" array");
  return 0;
}

const struct corpus_format corpus_format_traj = {
    .name = "traj",
    .summary = "tau-bench trajectories {\"traj\":[OpenAI messages],\"reward\",...}",
    .tested = "tau-bench results",
    .detect = detect,
    .chat = &shape,
};
