/* fuzz_report.c: libFuzzer target for the report's readers of the forecast, validation, realism
 * and gate JSON files (user-supplied paths): the bytes become those files, rendered against a
 * small run database made once in /tmp, in every output format. The raw bytes exercise parsing
 * and the check that a file belongs to the run (almost always a refusal); when they parse as a
 * JSON object, a copy that names the run is rendered too, so the readers behind the check run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "depsim/report.h"
#include "depsim/store.h"

static char db_path[64], json_path[64], own_path[64], run_id[65];

static void setup(void) {
  ds_init(NULL);
  snprintf(db_path, sizeof db_path, "/tmp/ds_fuzz_report_%d.db", (int)getpid());
  snprintf(json_path, sizeof json_path, "/tmp/ds_fuzz_report_%d.json", (int)getpid());
  snprintf(own_path, sizeof own_path, "/tmp/ds_fuzz_report_%d.own.json", (int)getpid());
  unlink(db_path);
  struct ds_store *s = NULL;
  struct ds_err err;
  if (ds_store_open(db_path, DS_STORE_CREATE, &s, &err) ||
      ds_store_exec(s,
                    "BEGIN;"
                    "INSERT INTO meta(key, value) VALUES ('model', 'm<b>'), ('backend', 'file');"
                    "INSERT INTO rubrics VALUES ('r1', 'rubric', 'categories: [{id: harm, severity: high}]',"
                    " '2026-11-30T00:00:00Z', '0.1.0');"
                    "INSERT INTO prefixes(conv_id, cut_index, segment, messages, status) VALUES"
                    " ('c1', 1, '{\"product\":\"chat\"}', '[{\"role\":\"user\",\"content\":\"hi <i>\"}]', 'done'),"
                    " ('c2', 1, '{\"product\":\"agent\"}', '[{\"role\":\"user\",\"content\":\"yo\"}]', 'done');"
                    "INSERT INTO samples(prefix_id, k, seed, status, content, created_at) VALUES"
                    " (1, 0, 0, 'ok', 'answer one', '2026-11-30T00:00:00Z'),"
                    " (2, 0, 0, 'ok', 'answer two', '2026-11-30T00:00:00Z');"
                    "INSERT INTO grades(sample_id, rubric_sha256, category, label, grader, evidence, created_at)"
                    " VALUES (1, 'r1', 'harm', 1, 'rule', 'answer', '2026-11-30T00:00:00Z'),"
                    " (2, 'r1', 'harm', 0, 'rule', NULL, '2026-11-30T00:00:00Z');"
                    "COMMIT;",
                    &err)) {
    fprintf(stderr, "fuzz_report: %s\n", err.msg);
    abort();
  }
  char *id = NULL;
  if (ds_store_meta_get(s, "run_id", &id, &err)) abort();
  snprintf(run_id, sizeof run_id, "%s", id);
  ds_free(id);
  ds_store_close(s);
}

static void render(const char *forecast, const char *validation, const char *realism, const char *gate,
                   enum ds_report_format fmt) {
  struct ds_report_params p;
  ds_report_default_params(&p);
  p.run_path = db_path;
  p.forecast_path = forecast;
  p.validation_path = validation;
  p.realism_path = realism;
  p.gate_path = gate;
  p.format = fmt;
  /* examples and browsed samples come from the database, and de-identification's set-up takes seconds */
  p.top_examples = 0;
  p.max_samples = 0;
  char *text = NULL;
  size_t len = 0;
  struct ds_err err;
  memset(&err, 0, sizeof err);
  if (ds_report_render(&p, &text, &len, &err) == DS_OK) {
    if (!text || strlen(text) != len) __builtin_trap();
    ds_free(text);
  } else if (text || !err.msg[0]) {
    __builtin_trap(); /* a failure says why and hands nothing out */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!db_path[0]) setup();
  FILE *f = fopen(json_path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  unsigned pick = size ? data[0] % 3 : 0;
  /* the raw bytes as each kind of file */
  render(json_path, NULL, NULL, NULL, (enum ds_report_format)pick);
  render(NULL, json_path, json_path, NULL, (enum ds_report_format)((pick + 1) % 3));
  render(NULL, NULL, NULL, json_path, (enum ds_report_format)((pick + 2) % 3));
  /* the same document, made to name this run and its rubric */
  json_t *doc = json_loadb((const char *)data, size, 0, NULL);
  if (json_is_object(doc)) {
    json_object_set_new(doc, "run", json_pack("{s:s, s:s, s:s}", "path", db_path, "run_id", run_id, "rubric_sha256", "r1"));
    if (json_dump_file(doc, own_path, 0) == 0) {
      render(own_path, NULL, NULL, NULL, (enum ds_report_format)pick);
      render(NULL, own_path, NULL, NULL, (enum ds_report_format)((pick + 1) % 3));
      render(NULL, NULL, own_path, NULL, (enum ds_report_format)((pick + 2) % 3));
      render(NULL, NULL, NULL, own_path, (enum ds_report_format)pick);
    }
  }
  json_decref(doc);
  return 0;
}
