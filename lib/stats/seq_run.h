/* seq_run.h: what a forecast says of a run drawn in a seeded random order (replay --order
 * random): how far the draw went and, when depsim simulate --sequential stopped it, why.
 * Internal to lib/stats. */
#ifndef DS_STATS_SEQ_RUN_H
#define DS_STATS_SEQ_RUN_H

#include <jansson.h>

#include "base/base.h"

/* Sets forecast's "sequential" (docs/internals/forecast.md) from the run at run_path: null for
 * a run in corpus order, else the order's seed, prefixes drawn / pending / total and the stop
 * record (meta "sequential_stop") when there is one. */
enum ds_status stats_sequential_annotate(json_t *forecast, const char *run_path, struct ds_err *err);

#endif
