/* report.c: the report entry points: parameters, format by file name, HTML escaping, and
 * the render/write pair that builds the data model and hands it to a renderer. */
#include <string.h>

#include "report/report_int.h"

void ds_report_default_params(struct ds_report_params *p) {
  memset(p, 0, sizeof *p);
  p->format = DS_REPORT_FORMAT_HTML;
  p->top_examples = 5;
  p->max_samples = 2000;
  p->confidence = 0.95;
  p->max_text_len = 4000;
  p->deid_replace = -1;
}

enum ds_report_format ds_report_format_for_path(const char *path) {
  const char *dot = path ? strrchr(path, '.') : NULL;
  if (dot && (strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0)) return DS_REPORT_FORMAT_MARKDOWN;
  if (dot && strcasecmp(dot, ".json") == 0) return DS_REPORT_FORMAT_JSON;
  return DS_REPORT_FORMAT_HTML;
}

enum ds_status report_buf_add_escaped(struct ds_buf *b, const char *text, size_t len) {
  size_t i = 0;
  enum ds_status rc = DS_OK;
  while (i < len && !rc) {
    /* copy the longest valid UTF-8 run, escaping as we go; a bad byte becomes U+FFFD */
    size_t ok = ds_utf8_check(text + i, len - i);
    size_t end = i + ok, start = i;
    for (; i < end && !rc; i++) {
      const char *ent = NULL;
      switch (text[i]) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        case '\0': ent = "\xEF\xBF\xBD"; break;
        default: break;
      }
      if (ent) {
        if (i > start) rc = ds_buf_add(b, text + start, i - start);
        if (!rc) rc = ds_buf_adds(b, ent);
        start = i + 1;
      }
    }
    if (!rc && end > start) rc = ds_buf_add(b, text + start, end - start);
    if (!rc && i < len) {
      rc = ds_buf_adds(b, "\xEF\xBF\xBD");
      i++;
    }
  }
  return rc;
}

char *ds_report_html_escape(const char *text, size_t len) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (report_buf_add_escaped(&b, text ? text : "", text ? len : 0)) {
    ds_buf_release(&b);
    return NULL;
  }
  return ds_buf_detach(&b, NULL);
}

/* Truncates long example texts in place (keeps UTF-8 whole). */
static void clip_examples(json_t *examples, size_t max) {
  static const char *fields[] = {"prompt", "original", "response"};
  size_t i;
  json_t *e;
  if (!max) return;
  json_array_foreach(examples, i, e) {
    for (size_t f = 0; f < DS_ARRAY_LEN(fields); f++) {
      const json_t *v = json_object_get(e, fields[f]);
      if (!json_is_string(v) || json_string_length(v) <= max) continue;
      char *t = report_clip(ds_strdup(json_string_value(v)), max);
      if (t) json_object_set_new(e, fields[f], json_string(t));
      ds_free(t);
    }
  }
}

static void clip_model(json_t *model, size_t max) {
  clip_examples(json_object_get(model, "examples"), max);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(model, "candidates"), i, c) clip_examples(json_object_get(c, "examples"), max);
}

enum ds_status ds_report_render(const struct ds_report_params *p, char **out_text, size_t *out_len,
                                struct ds_err *err) {
  json_t *model = NULL;
  struct ds_buf out;
  ds_buf_init(&out, 0);
  enum ds_status rc;
  *out_text = NULL;
  if (!p || (!p->run_path && !p->n_runs)) return ds_fail(err, DS_E_INVALID, "report: no run database given");
  if (p->confidence <= 0.5 || p->confidence >= 1.0)
    return ds_fail(err, DS_E_INVALID, "report: confidence must be between 0.5 and 1 (got %g)", p->confidence);
  if ((rc = report_model_build(p, &model, err))) goto out;
  /* a pull-request comment has a size limit (65536 characters on GitHub): shorter excerpts */
  size_t clip = p->max_text_len;
  if (p->format == DS_REPORT_FORMAT_MARKDOWN && (clip == 0 || clip > 1200)) clip = 1200;
  clip_model(model, clip);
  switch (p->format) {
    case DS_REPORT_FORMAT_HTML: rc = report_html_render(model, &out, err); break;
    case DS_REPORT_FORMAT_MARKDOWN: rc = report_md_render(model, &out, err); break;
    case DS_REPORT_FORMAT_JSON: {
      char *s = json_dumps(model, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
      if (!s || ds_buf_adds(&out, s) || ds_buf_addc(&out, '\n')) rc = ds_fail(err, DS_E_NOMEM, "out of memory");
      ds_free(s);
      break;
    }
    default: rc = ds_fail(err, DS_E_INVALID, "report: unknown format %d", (int)p->format); break;
  }
  if (rc) goto out;
  *out_text = ds_buf_detach(&out, out_len);
out:
  json_decref(model);
  ds_buf_release(&out);
  return rc;
}

enum ds_status ds_report_write(const struct ds_report_params *p, const char *out_path, struct ds_err *err) {
  char *text = NULL;
  size_t len = 0;
  enum ds_status rc = ds_report_render(p, &text, &len, err);
  if (!rc) rc = ds_write_file(out_path, text, len, err);
  ds_free(text);
  return rc;
}
