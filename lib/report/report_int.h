/* report_int.h: internals shared by the report renderers. The data model is one jansson
 * document (the same one `--json` prints); html.c and markdown.c only read it. */
#ifndef DS_REPORT_INT_H
#define DS_REPORT_INT_H

#include "base/base.h"
#include "depsim/report.h"

/* Builds the model from the run database and the optional inputs (model.c). */
enum ds_status report_model_build(const struct ds_report_params *p, json_t **out_model, struct ds_err *err);

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

#endif
