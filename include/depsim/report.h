/* report.h: renders one or several candidate run databases (plus an optional baseline run,
 * forecast, validation, realism and gate files) as one self-contained HTML page: the verdict at
 * the top, every category accounted for, inline SVG charts, and a sample browser whose data is
 * embedded as JSON and drawn with textContent by the page's one inline script (allowed by hash
 * in a strict Content-Security-Policy). Also Markdown for a pull-request comment and JSON for
 * machines. Text from the data is never markup. */
#ifndef DEPSIM_REPORT_H
#define DEPSIM_REPORT_H

#include <stdbool.h>

#include "depsim/depsim.h"
#include "depsim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ds_report_format {
  DS_REPORT_FORMAT_HTML = 0,
  DS_REPORT_FORMAT_MARKDOWN = 1,
  DS_REPORT_FORMAT_JSON = 2,
};

/* What to render. Strings are borrowed for the duration of the call. Fill with
 * ds_report_default_params() first, then set run_path (or run_paths) and the optional inputs.
 *
 * Derived files (forecast, validation, realism, gate decision) record the run they were made
 * from (its path, its run id and the rubric): each is shown beside the candidate whose run id it
 * names, and one that names none of them is refused (DS_E_MISMATCH, naming both runs). With
 * several candidates, give one file of a kind per candidate (in the *_paths arrays). */
struct ds_report_params {
  const char *run_path;        /* the candidate run database, opened read-only */
  const char *const *run_paths;/* several candidates on one page; used instead of run_path when n_runs > 0 */
  size_t n_runs;
  const char *baseline_path;   /* baseline run database on the same prefixes, or NULL */
  enum ds_pair_mismatch pair_mismatch; /* prefixes of both runs holding different prompts: refuse
                                          (default) or leave them out, counted (stats.h) */
  const char *forecast_path;   /* forecast.json from `depsim estimate`, or NULL */
  const char *validation_path; /* validation JSON from `depsim validate`, or NULL */
  const char *realism_path;    /* realism JSON (discriminate / awareness), or NULL */
  const char *gate_path;       /* the decision of `depsim gate --json`: the verdict banner, or NULL */
  const char *policy_path;     /* or a policy applied here to the forecast (computed when not given) */
  const char *const *extra_paths; /* more forecast / validation / realism / gate files (one per candidate),
                                     told apart by their "format" and matched by run id */
  size_t n_extra;
  const char *rubric_sha256;   /* grades of this rubric; NULL = the run's newest rubric with grades */
  const char *title;           /* page title; NULL = "depsim report: <run file name>" */
  enum ds_report_format format;
  unsigned top_examples;       /* flagged examples shown per category (default 5; 0 = none) */
  unsigned max_samples;        /* samples embedded for the sample browser (default 2000; 0 = none); every
                                  flagged one is kept first, the rest stratified; the count left out is stated */
  double confidence;           /* interval level for rates computed here (default 0.95) */
  size_t max_text_len;         /* longest excerpt of one message shown (default 4000) */
  int deid_replace;            /* personal data in the text shown: -1 (default) replaced as the run's
                                  corpus was (surrogates or placeholders, from its manifest;
                                  placeholders when unknown), else a ds_deid_replace */
  const char *deid_key_env;    /* the corpus's de-identification key, in this environment variable */
  const char *deid_key_file;   /* or in this file: values get the surrogates the corpus gave them */
};

DS_API void ds_report_default_params(struct ds_report_params *p);

/* The format implied by an output file name: .md/.markdown -> Markdown, .json -> JSON,
 * anything else -> HTML. */
DS_API enum ds_report_format ds_report_format_for_path(const char *path);

/* Renders the report into a fresh NUL-terminated string (*out_text, ds_free it; its length in
 * *out_len when out_len is non-NULL). Reads the run database and optional files only; writes
 * nothing. Errors: DS_E_NOTFOUND (a file is missing), DS_E_DB (not a readable run database),
 * DS_E_PARSE / DS_E_INVALID (a JSON input is malformed, naming the file), DS_E_NOMEM. */
DS_API enum ds_status ds_report_render(const struct ds_report_params *p, char **out_text, size_t *out_len,
                                       struct ds_err *err);

/* Renders and writes to out_path atomically (path.tmp, then rename), so a failed render leaves
 * an existing report untouched. */
DS_API enum ds_status ds_report_write(const struct ds_report_params *p, const char *out_path,
                                      struct ds_err *err);

/* Escapes text for HTML element content and attribute values (& < > " ' become entities;
 * invalid UTF-8 bytes become U+FFFD). Returns a fresh string or NULL when out of memory. */
DS_API char *ds_report_html_escape(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
