/* html_int.h: what the HTML renderer's files share: the output buffer with a sticky error,
 * writers that escape every string taken from data, and the charts (html_charts.c). */
#ifndef DS_REPORT_HTML_INT_H
#define DS_REPORT_HTML_INT_H

#include "report/report_int.h"

#define C_CAND "#2563eb"
#define C_BASE "#6b7280"
#define C_FC "#9333ea"

struct html {
  struct ds_buf *b;
  enum ds_status rc;
  const char *pfx; /* put in anchors (ex-, row-, verdict) so several candidates' do not collide */
};

void h_raw(struct html *h, const char *s);                       /* markup of our own */
void h_fmt(struct html *h, const char *f, ...) DS_PRINTF(2, 3); /* our own; %s only with our own text */
void h_esc(struct html *h, const char *s);                       /* text from data, escaped */
void h_escn(struct html *h, const char *s, size_t n);
void h_pct(struct html *h, double p);
void h_rate(struct html *h, const json_t *r);                    /* "1.2% [0.5%, 2.4%] (3/250)" */
/* Text that folds when long: the first part shown, the rest inside <details>. ev (may be NULL)
 * is wrapped in <mark> wherever it occurs. */
void h_text_block(struct html *h, const char *text, const char *ev);
double h_num(const json_t *o, const char *k);

/* Charts (inline SVG; ids are what the tests look for). */
void chart_rates(struct html *h, const json_t *cats);            /* chart-rates */
void chart_validation(struct html *h, const json_t *val);        /* chart-validation */
void chart_tools(struct html *h, const json_t *tools);           /* chart-tools */
/* A horizontal bar chart of figures {label, rate, lo, hi, n} on [0, xmax], with a reference line
 * at ref (NAN: none): chart-realism (accuracy, 50% line) and chart-awareness (its own scale). */
void chart_bars(struct html *h, const char *id, const json_t *rows, double xmax, double ref, const char *ref_label);

/* The colour of a tool-simulator source (db, db_near, connector, simulator, refused, error). */
const char *source_color(const char *s);

#endif
