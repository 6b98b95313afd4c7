/* coverage.c: which samples each rubric category applies to (chat, agent or both), so that a
 * category with no graded sample says why: not applicable, not graded for want of a judge, or
 * graded with errors only. One SQL pass counts chat and agent samples the way the grade stage
 * tells them apart (ds_sample_is_agent: prefix tools, tool messages or tool calls, tool steps). */
#include <stdio.h>
#include <string.h>

#include "depsim/grade.h"
#include "depsim/store.h"
#include "stats/coverage.h"

/* A sample is an agent sample when its prefix offers tools or holds a tool message or a tool
 * call, or when it made tool calls itself: ds_sample_is_agent in SQL. instr() spares the JSON
 * walk for the many prefixes that never mention a tool. */
#define AGENT_SQL                                                                                              \
  "SELECT COUNT(*), COALESCE(SUM(agent), 0) FROM (SELECT ("                                                      \
  "(json_valid(x.tools) AND json_type(x.tools) = 'array' AND json_array_length(x.tools) > 0) OR "               \
  "(json_valid(x.tool_calls) AND json_type(x.tool_calls) = 'array' AND json_array_length(x.tool_calls) > 0) OR " \
  "%s OR "                                                                                                     \
  "(instr(x.pm, '\"tool') > 0 AND json_valid(x.pm) AND EXISTS (SELECT 1 FROM json_each(x.pm) m "               \
  "WHERE json_extract(m.value, '$.role') IN ('tool', 'function') OR (json_type(m.value, '$.tool_calls') = "       \
  "'array' AND json_array_length(m.value, '$.tool_calls') > 0))) OR "                                            \
  "(instr(x.trajectory, '\"tool') > 0 AND json_valid(x.trajectory) AND EXISTS (SELECT 1 FROM "                   \
  "json_each(x.trajectory) m WHERE json_extract(m.value, '$.role') = 'tool' OR (json_type(m.value, "             \
  "'$.tool_calls') = 'array' AND json_array_length(m.value, '$.tool_calls') > 0)))) AS agent "                   \
  "FROM (SELECT s.id, s.tool_calls, s.trajectory, p.tools, %s AS pm "                                            \
  "FROM %s.samples s JOIN %s.prefixes p ON p.id = s.prefix_id WHERE s.status = 'ok') x)"

/* The prefix's messages of schema's run: since schema 5 stored once per conversation (the
 * prefix is the start of its conversation's text; store.h, ds_store_sql_prefix_messages). */
#define PREFIX_MESSAGES_SQL                                                                                    \
  "(CASE WHEN p.conversation IS NULL THEN p.messages ELSE (SELECT CAST(substr(CAST(c_.messages AS BLOB), 1,"   \
  " p.messages_end) AS TEXT) || ']' FROM %s.conversations c_ WHERE c_.id = p.conversation) END)"

static const char *applies_name(enum ds_applies a) {
  return a == DS_APPLIES_CHAT ? "chat" : a == DS_APPLIES_AGENT ? "agent" : "both";
}

enum ds_status stats_coverage_load(sqlite3 *db, const char *schema, const char *rubric_sha256, json_t **out,
                                   struct ds_err *err) {
  char sql[3072];
  sqlite3_stmt *q = NULL;
  json_t *o = json_object(), *cats = json_object(), *order = json_array();
  struct ds_rubric *rub = NULL;
  enum ds_status st = DS_OK;
  *out = NULL;
  if (!o || !cats || !order) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  /* a hand-made run may lack tool_steps (it is created with the schema, but sqlite3 users...) */
  char steps[256] = "0", probe[160];
  snprintf(probe, sizeof probe, "SELECT 1 FROM %s.sqlite_master WHERE type = 'table' AND name = 'tool_steps'", schema);
  if (sqlite3_prepare_v2(db, probe, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
    snprintf(steps, sizeof steps, "EXISTS (SELECT 1 FROM %s.tool_steps t WHERE t.sample_id = x.id)", schema);
  sqlite3_finalize(q);
  q = NULL;
  char pm[400] = "p.messages";
  snprintf(probe, sizeof probe, "SELECT 1 FROM %s.sqlite_master WHERE type = 'table' AND name = 'conversations'", schema);
  if (sqlite3_prepare_v2(db, probe, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
    snprintf(pm, sizeof pm, PREFIX_MESSAGES_SQL, schema);
  sqlite3_finalize(q);
  q = NULL;
  snprintf(sql, sizeof sql, AGENT_SQL, steps, pm, schema, schema);
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
    st = ds_fail(err, DS_E_DB, "counting chat and agent samples: %s", sqlite3_errmsg(db));
    goto out;
  }
  json_int_t n_ok = sqlite3_column_int64(q, 0), n_agent = sqlite3_column_int64(q, 1);
  sqlite3_finalize(q);
  q = NULL;
  json_object_set_new(o, "n_ok", json_integer(n_ok));
  json_object_set_new(o, "n_chat", json_integer(n_ok - n_agent));
  json_object_set_new(o, "n_agent", json_integer(n_agent));
  snprintf(sql, sizeof sql, "SELECT body FROM %s.rubrics WHERE sha256 = ?1", schema);
  if (rubric_sha256 && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
    sqlite3_bind_text(q, 1, rubric_sha256, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
      struct ds_err e2 = {0};
      /* a body this depsim cannot parse leaves the statuses to the counts alone */
      (void)ds_rubric_parse((const char *)sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0),
                            "stored rubric", &rub, &e2);
    }
  }
  for (unsigned i = 0; rub && i < ds_rubric_n_categories(rub); i++) {
    struct ds_category_info ci;
    if (ds_rubric_category(rub, i, &ci)) continue;
    json_int_t app = ((ci.applies_to & DS_APPLIES_CHAT) ? n_ok - n_agent : 0) +
                     ((ci.applies_to & DS_APPLIES_AGENT) ? n_agent : 0);
    json_object_set_new(cats, ci.id,
                        json_pack("{s:s, s:b, s:I, s:s?, s:s?}", "applies_to", applies_name(ci.applies_to),
                                  "needs_judge", ci.needs_judge, "applicable", app, "title", ci.title, "severity",
                                  ci.severity));
    json_array_append_new(order, json_string(ci.id));
  }
  json_object_set_new(o, "categories", cats);
  json_object_set_new(o, "order", order);
  order = NULL;
  cats = NULL;
  *out = o;
  o = NULL;
out:
  sqlite3_finalize(q);
  ds_rubric_free(rub);
  json_decref(cats);
  json_decref(order);
  json_decref(o);
  return st;
}

const char *stats_coverage_status(const json_t *cov, const char *category, uint64_t n, uint64_t grader_errors,
                                  char *reason, size_t reason_len) {
  const json_t *c = json_object_get(json_object_get(cov, "categories"), category);
  reason[0] = 0;
  if (c) {
    json_int_t app = json_integer_value(json_object_get(c, "applicable"));
    const char *to = ds_json_str(c, "applies_to", "both");
    if (app == 0 && n == 0 && grader_errors == 0) {
      snprintf(reason, reason_len, "not applicable: it applies to %s samples and this run has none",
               strcmp(to, "both") == 0 ? "chat or agent" : to);
      return "not_applicable";
    }
    uint64_t ungraded = (uint64_t)app > n + grader_errors ? (uint64_t)app - n - grader_errors : 0;
    bool judge = json_is_true(json_object_get(c, "needs_judge"));
    if (n == 0 && grader_errors == 0) {
      if (judge)
        snprintf(reason, reason_len, "not graded: needs a judge (%llu applicable samples; depsim grade --judge SPEC)",
                 (unsigned long long)ungraded);
      else
        snprintf(reason, reason_len, "not graded: none of %llu applicable samples has a grade (run depsim grade)",
                 (unsigned long long)ungraded);
      return judge ? "needs_judge" : "not_graded";
    }
    if (n == 0) {
      snprintf(reason, reason_len, "graded with errors only: %llu grader errors, no usable grade",
               (unsigned long long)grader_errors);
      return "errors";
    }
    if (grader_errors && ungraded)
      snprintf(reason, reason_len, "%llu grader errors and %llu ungraded samples are not in n",
               (unsigned long long)grader_errors, (unsigned long long)ungraded);
    else if (grader_errors)
      snprintf(reason, reason_len, "%llu grader errors are not in n", (unsigned long long)grader_errors);
    else if (ungraded)
      snprintf(reason, reason_len, "%llu of %lld applicable samples are not graded%s", (unsigned long long)ungraded,
               (long long)app, judge ? " (needs a judge?)" : "");
    return "graded";
  }
  /* not in the rubric body: only the counts speak */
  if (n == 0 && grader_errors) {
    snprintf(reason, reason_len, "graded with errors only: %llu grader errors, no usable grade",
             (unsigned long long)grader_errors);
    return "errors";
  }
  if (n == 0) {
    snprintf(reason, reason_len, "no graded sample");
    return "not_graded";
  }
  if (grader_errors) snprintf(reason, reason_len, "%llu grader errors are not in n", (unsigned long long)grader_errors);
  return "graded";
}

const char *stats_coverage_label(const char *status) {
  if (!status || strcmp(status, "graded") == 0) return "graded";
  if (strcmp(status, "not_applicable") == 0) return "not applicable";
  if (strcmp(status, "needs_judge") == 0) return "not graded: needs a judge";
  if (strcmp(status, "errors") == 0) return "graded with errors only";
  return "not graded";
}

enum ds_status stats_coverage_annotate(json_t *forecast, const char *run_path, struct ds_err *err) {
  struct ds_store *s = NULL;
  json_t *cov = NULL;
  enum ds_status st = ds_store_open(run_path, DS_STORE_READ, &s, err);
  if (!st) st = stats_coverage_load(ds_store_db(s), "main", ds_json_str(forecast, "rubric_sha256", NULL), &cov, err);
  ds_store_close(s);
  if (st) return st;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(forecast, "categories"), i, c) {
    const char *id = ds_json_str(c, "id", "");
    char why[256];
    const char *status = stats_coverage_status(cov, id, (uint64_t)ds_json_num(c, "n", 0),
                                               (uint64_t)ds_json_num(c, "grader_errors", 0), why, sizeof why);
    const json_t *e = json_object_get(json_object_get(cov, "categories"), id);
    json_object_set_new(c, "applicable", e ? json_incref(json_object_get(e, "applicable")) : json_null());
    json_object_set_new(c, "status", json_string(status));
    json_object_set_new(c, "status_reason", json_string(why));
    /* what a human reads for a category with no usable grade says why, not "no graded samples" */
    if (strcmp(status, "graded") && !(ds_json_num(c, "n", 0) > 0))
      json_object_set_new(c, "text", json_string(stats_coverage_label(status)));
    /* an agent category on chat traffic is no defect: only the others warn */
    if (strcmp(status, "graded") && strcmp(status, "not_applicable") && json_is_array(json_object_get(forecast, "warnings")))
      json_array_append_new(json_object_get(forecast, "warnings"), json_sprintf("category '%s': %s", id, why));
  }
  json_decref(cov);
  return DS_OK;
}
