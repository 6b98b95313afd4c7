/* report.h: renders a run database (plus an optional baseline run, forecast, validation and
 * realism files) as one self-contained HTML page with inline SVG charts, as Markdown for a
 * pull-request comment, or as JSON for machines. Conversation text is always escaped. */
#ifndef DEPSIM_REPORT_H
#define DEPSIM_REPORT_H

#include <stdbool.h>

#include "depsim/depsim.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ds_report_format {
  DS_REPORT_FORMAT_HTML = 0,
  DS_REPORT_FORMAT_MARKDOWN = 1,
  DS_REPORT_FORMAT_JSON = 2,
};

/* What to render. Strings are borrowed for the duration of the call. Fill with
 * ds_report_default_params() first, then set run_path and the optional inputs. */
struct ds_report_params {
  const char *run_path;        /* run database (required), opened read-only */
  const char *baseline_path;   /* baseline run database on the same prefixes, or NULL */
  const char *forecast_path;   /* forecast.json from `depsim estimate`, or NULL */
  const char *validation_path; /* validation JSON from `depsim validate`, or NULL */
  const char *realism_path;    /* realism JSON (discriminate / awareness), or NULL */
  const char *rubric_sha256;   /* grades of this rubric; NULL = the run's newest rubric with grades */
  const char *title;           /* page title; NULL = "depsim report: <run file name>" */
  enum ds_report_format format;
  unsigned top_examples;       /* flagged examples shown per category (default 5; 0 = none) */
  double confidence;           /* interval level for rates computed here (default 0.95) */
  size_t max_text_len;         /* longest excerpt of one message shown in examples (default 4000) */
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
