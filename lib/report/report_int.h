/* report_int.h: internals shared by the report's parts. The data model is one jansson document
 * (the same one `--json` prints, docs/internals/report.md); html*.c and markdown.c only read it.
 * model.c builds a candidate's part from its run database, inputs.c reads and checks the derived
 * files (forecast, validation, realism, gate), samples.c picks and loads the samples the page's
 * browser embeds. */
#ifndef DS_REPORT_INT_H
#define DS_REPORT_INT_H

#include <sqlite3.h>

#include "base/base.h"
#include "depsim/report.h"

struct ds_store;
struct ds_deid;

/* One candidate run being read (its connection has the baseline ATTACHed as "base"). */
struct model_ctx {
  const struct ds_report_params *p;
  struct ds_store *store;
  sqlite3 *db;
  const char *run_path;
  char run_id[65];      /* meta.run_id, "" when the run predates run ids */
  char name[128];       /* the candidate's short name: its file name without .db */
  bool has_target;      /* grades.target exists (sample / original) */
  bool has_base;
  bool base_has_target;
  bool has_tool_steps;  /* the tool_steps table exists (hand-made runs may lack it) */
  char rubric[65];
  char base_rubric[65];
  struct ds_deid *deid; /* the page's de-identifier, shared by every candidate and view */
};

/* Builds the whole model from the parameters (model.c). */
enum ds_status report_model_build(const struct ds_report_params *p, json_t **out_model, struct ds_err *err);
/* The entry {"id": id, ...} of cats (an object by id), added when missing (model.c). */
json_t *report_cat_entry(json_t *cats, const char *id);
json_t *report_paired_from(const json_t *cmp, const char *source);

/* The page's de-identifier (model_parts.c): the replacement of the run's corpus (or the one
 * asked for), keyed by the corpus's key when given; what it does is described in *out_note. */
enum ds_status report_deid_open(struct model_ctx *c, struct ds_deid **out, json_t **out_note, struct ds_err *err);

/* model_parts.c: segments, tool sources and flagged examples of a candidate into m. */
enum ds_status report_segments(struct model_ctx *c, json_t *m, struct ds_err *err);
enum ds_status report_tool_sources(struct model_ctx *c, json_t *m, struct ds_err *err);
enum ds_status report_examples(struct model_ctx *c, json_t *m, struct ds_err *err);

/* Text helpers shared by examples and the sample browser (model_parts.c). */
char *report_message_text(const char *stored);            /* a stored message: content + tool calls */
void report_add_tool_calls_text(struct ds_buf *b, const json_t *calls);
void report_evidence_parse(const char *ev, char **out_text, char **out_detail);
void report_widen_to_words(const char *response, char **ev);
enum ds_status report_scrub(struct ds_deid *d, char **text, struct ds_err *err);
const char *report_col_text(sqlite3_stmt *st, int i);
char *report_clip(char *text, size_t max);                 /* in place or a new string; " … [n more bytes]" */
/* The simulated tool calls of a sample: [{step, tool, arguments, response, source, side_effect}]
 * (NULL when none), text de-identified with d and clipped; *q caches the statement. */
enum ds_status report_sample_steps(struct model_ctx *c, sqlite3_stmt **q, int64_t sample_id, struct ds_deid *d,
                                   json_t **out, struct ds_err *err);
int report_set_str(json_t *o, const char *k, const char *v);

/* inputs.c: the derived files. Each is read, told apart by its format, matched to the candidate
 * whose run id it names (a file naming none is an error naming both runs), and added to that
 * candidate's part of the model: "forecast", "validation", "realism", "verdict". */
struct report_inputs;
enum ds_status report_inputs_load(const struct ds_report_params *p, struct report_inputs **out, struct ds_err *err);
void report_inputs_free(struct report_inputs *in);
/* Adds the files that belong to candidate c to its part m (cats: its categories by id). */
enum ds_status report_inputs_apply(struct report_inputs *in, struct model_ctx *c, json_t *m, json_t *cats,
                                   struct ds_err *err);
/* Every file was matched to some candidate (else DS_E_MISMATCH naming the file and the runs). */
enum ds_status report_inputs_check_used(const struct report_inputs *in, const json_t *runs, struct ds_err *err);

/* samples.c: the sample browser's data for all candidates: {"candidates": [...], "categories",
 * "prefixes": {key: {...}}, "samples": [...], "total", "embedded", "left_out", ...}. */
enum ds_status report_browser_data(struct model_ctx *const *cands, size_t n, json_t **out, struct ds_err *err);

/* Renderers: append to out. */
enum ds_status report_html_render(const json_t *model, struct ds_buf *out, struct ds_err *err);
enum ds_status report_md_render(const json_t *model, struct ds_buf *out, struct ds_err *err);

/* Appends text escaped for HTML (see ds_report_html_escape). */
enum ds_status report_buf_add_escaped(struct ds_buf *b, const char *text, size_t len);

/* "12.3%" style with precision chosen for small rates; out holds at least 32 bytes. */
void report_fmt_pct(double p, char *out, size_t out_len);
/* Appends a model rate object as text: "1.2% [0.5%, 2.4%] (3/250)", "≤ 1.2% (0/250)" for a
 * detection floor, "—" when r is not an object. */
enum ds_status report_fmt_rate(const json_t *r, struct ds_buf *out);
/* The words for a category status ("not applicable", "not graded: needs a judge", ...). */
const char *report_status_label(const char *status);

/* The page's script (browser.js, embedded at build time) and its length. */
extern const char report_browser_js[];
extern const size_t report_browser_js_len;

#endif
