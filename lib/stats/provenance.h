/* provenance.h: which run a derived file (forecast, validation, realism, gate decision) was
 * made from. Each records {"path", "run_id", "rubric_sha256"} of its run; report and gate
 * check it against the run they are given and refuse a file of another run, naming both.
 * Internal. */
#ifndef DS_STATS_PROVENANCE_H
#define DS_STATS_PROVENANCE_H

#include <jansson.h>

#include "base/base.h"

/* meta.run_id of the run database at path into out (33 bytes; "" when the file predates run
 * ids). Errors: the file cannot be opened as a run database. */
enum ds_status prov_run_id(const char *run_path, char out[65], struct ds_err *err);

/* Checks a derived file's run reference ref ({path, run_id, rubric_sha256}) against the run
 * (run_path, its run_id, the rubric it is read with; rubric NULL = not checked). what names the
 * file's kind ("forecast", "validation", ...). DS_E_MISMATCH names both runs. */
enum ds_status prov_check(const json_t *ref, const char *file_path, const char *what, const char *run_path,
                          const char *run_id, const char *rubric, struct ds_err *err);

#endif
