/* provenance.c: checks that a derived file (forecast, validation, realism, gate decision)
 * belongs to the run it is shown or gated with: same run id (meta.run_id, written when the run
 * was created) and same rubric. A mismatch names both runs. */
#include <stdio.h>
#include <string.h>

#include "depsim/store.h"
#include "stats/provenance.h"

enum ds_status prov_run_id(const char *run_path, char out[65], struct ds_err *err) {
  struct ds_store *s = NULL;
  char *v = NULL;
  out[0] = 0;
  enum ds_status st = ds_store_open(run_path, DS_STORE_READ, &s, err);
  if (st) return st;
  if (ds_store_meta_get(s, "run_id", &v, NULL) == DS_OK) snprintf(out, 65, "%s", v);
  ds_free(v);
  ds_store_close(s);
  return DS_OK;
}

static const char *short_id(const char *id) { return id && *id ? id : "none"; }

enum ds_status prov_check(const json_t *ref, const char *file_path, const char *what, const char *run_path,
                          const char *run_id, const char *rubric, struct ds_err *err) {
  if (!run_id || !*run_id)
    return ds_fail(err, DS_E_MISMATCH,
                   "%s has no run id (an older depsim made it), so %s cannot be checked against it: open the run once "
                   "with a command that writes it (e.g. depsim grade) to give it one",
                   run_path, file_path);
  const char *id = ds_json_str(ref, "run_id", NULL);
  const char *from = ds_json_str(ref, "path", "?");
  if (!id)
    return ds_fail(err, DS_E_MISMATCH,
                   "%s: this %s does not say which run it was made from (no run id; an older depsim or a hand-made "
                   "file), so it cannot be shown with %s (run id %.12s): make it again from that run",
                   file_path, what, run_path, run_id);
  if (strcmp(id, run_id) != 0)
    return ds_fail(err, DS_E_MISMATCH,
                   "%s: this %s belongs to another run: it was made from %s (run id %.12s), not from %s (run id %.12s)",
                   file_path, what, from, short_id(id), run_path, run_id);
  const char *rub = ds_json_str(ref, "rubric_sha256", NULL);
  if (rubric && *rubric && rub && strcmp(rub, rubric) != 0)
    return ds_fail(err, DS_E_MISMATCH,
                   "%s: this %s was made with rubric %.12s of %s, but %s is read with rubric %.12s (pass --rubric %.12s "
                   "to read the same grades)",
                   file_path, what, rub, from, run_path, rubric, rub);
  return DS_OK;
}
