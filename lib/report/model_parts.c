/* model_parts.c: the parts of a candidate's model read straight from its run database: rates by
 * segment, simulated tool calls by source, and the top flagged examples with their transcript
 * (the candidate's tool calls, the simulated answers and their source, why the episode ended).
 * Text shown goes through de-identification first. */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "depsim/deid.h"
#include "depsim/store.h"
#include "depsim/stats.h"
#include "report/report_int.h"

static enum ds_status sql_fail(struct model_ctx *c, struct ds_err *err, const char *what) {
  return ds_fail(err, DS_E_DB, "%s: %s: %s", c->run_path, what, sqlite3_errmsg(c->db));
}

static enum ds_status prep(struct model_ctx *c, const char *sql, sqlite3_stmt **st, struct ds_err *err) {
  if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) return sql_fail(c, err, "query");
  return DS_OK;
}

const char *report_col_text(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? (const char *)t : NULL;
}
#define col_text report_col_text

/* json_t setter that tolerates a NULL value (stored as JSON null). */
int report_set_str(json_t *o, const char *k, const char *v) {
  return json_object_set_new(o, k, v ? json_string(v) : json_null());
}
#define set_str report_set_str

/* A rate object as model.c makes it (for segment cells). */
static json_t *rate_obj(struct model_ctx *c, const struct ds_prop_acc *a) {
  struct ds_prop_est e;
  ds_prop_estimate(a, c->p->confidence, &e);
  json_t *o = json_object();
  if (!o) return NULL;
  bool zero = e.n == 0 || e.zero_events;
  json_object_set_new(o, "n", json_integer((json_int_t)e.n));
  json_object_set_new(o, "k", json_integer((json_int_t)e.events));
  json_object_set_new(o, "rate", json_real(isfinite(e.rate) ? e.rate : 0.0));
  json_object_set_new(o, "lo", json_real(isfinite(e.lower) ? e.lower : 0.0));
  json_object_set_new(o, "hi", json_real(isfinite(e.upper) ? e.upper : 1.0));
  json_object_set_new(o, "floor", json_boolean(zero));
  return o;
}

enum ds_status report_segments(struct model_ctx *c, json_t *model, struct ds_err *err) {
  char sql[1000];
  sqlite3_stmt *st = NULL;
  enum ds_status rc = DS_OK;
  snprintf(sql, sizeof sql,
           "SELECT je.key, CAST(je.value AS TEXT), g.category, p.weight, COUNT(*), SUM(g.label) "
           "FROM main.grades g JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = "
           "s.prefix_id, json_each(CASE WHEN json_valid(p.segment) THEN p.segment ELSE '{}' END) je "
           "WHERE g.rubric_sha256 = ?1 %s AND s.status = 'ok' AND g.label IS NOT NULL AND "
           "je.type IN ('text', 'integer', 'real', 'true', 'false') GROUP BY je.key, je.value, g.category, p.id "
           "ORDER BY je.key, je.value, g.category, p.id",
           c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  json_t *arr = json_array();
  json_object_set_new(model, "segments", arr);
  json_t *cur = NULL;
  char *cat_cur = NULL;
  struct ds_prop_acc acc;
  int r;
  for (;;) {
    r = sqlite3_step(st);
    const char *key = NULL, *val = NULL, *cat = NULL;
    if (r == SQLITE_ROW) {
      key = col_text(st, 0), val = col_text(st, 1), cat = col_text(st, 2);
      if (!key || !val || !cat) continue;
    }
    bool new_seg = !cur || !key || strcmp(ds_json_str(cur, "key", ""), key) || strcmp(ds_json_str(cur, "value", ""), val);
    if (cat_cur && (new_seg || strcmp(cat, cat_cur))) {
      json_t *ro = rate_obj(c, &acc);
      if (!ro) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      json_object_set_new(json_object_get(cur, "categories"), cat_cur, ro);
      ds_free(cat_cur);
      cat_cur = NULL;
    }
    if (r != SQLITE_ROW) break;
    if (new_seg) {
      cur = json_object();
      json_object_set_new(cur, "key", json_string(key));
      json_object_set_new(cur, "value", json_string(val));
      json_object_set_new(cur, "categories", json_object());
      json_array_append_new(arr, cur);
    }
    if (!cat_cur) {
      if (!(cat_cur = ds_strdup(cat))) {
        rc = ds_fail(err, DS_E_NOMEM, "out of memory");
        break;
      }
      memset(&acc, 0, sizeof acc);
    }
    ds_prop_acc_add(&acc, sqlite3_column_double(st, 3), (uint32_t)sqlite3_column_int64(st, 4),
                    (uint32_t)sqlite3_column_int64(st, 5));
  }
  ds_free(cat_cur);
  sqlite3_finalize(st);
  if (rc) return rc;
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading segments");
}

enum ds_status report_tool_sources(struct model_ctx *c, json_t *model, struct ds_err *err) {
  sqlite3_stmt *st = NULL;
  enum ds_status rc;
  if (!c->has_tool_steps) {
    json_object_set_new(model, "tool_sources", json_array());
    return DS_OK;
  }
  if ((rc = prep(c, "SELECT tool, source, COUNT(*), SUM(side_effect) FROM main.tool_steps GROUP BY tool, source "
                    "ORDER BY tool, source", &st, err)))
    return rc;
  json_t *tools = json_object(), *order = json_array();
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *tool = col_text(st, 0), *src = col_text(st, 1);
    if (!tool || !src) continue;
    json_t *t = json_object_get(tools, tool);
    if (!t) {
      t = json_object();
      json_object_set_new(t, "tool", json_string(tool));
      json_object_set_new(t, "sources", json_object());
      json_object_set_new(t, "total", json_integer(0));
      json_object_set_new(t, "side_effects", json_integer(0));
      json_object_set_new(tools, tool, t);
      json_array_append(order, t);
    }
    json_int_t n = sqlite3_column_int64(st, 2);
    json_object_set_new(json_object_get(t, "sources"), src, json_integer(n));
    json_object_set_new(t, "total", json_integer(json_integer_value(json_object_get(t, "total")) + n));
    json_object_set_new(t, "side_effects", json_integer(json_integer_value(json_object_get(t, "side_effects")) +
                                                        sqlite3_column_int64(st, 3)));
  }
  sqlite3_finalize(st);
  json_decref(tools);
  json_object_set_new(model, "tool_sources", order);
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading tool_steps");
}

/* Text of a stored message or message list: content plus rendered tool calls. */
void report_add_tool_calls_text(struct ds_buf *b, const json_t *calls) {
  size_t i;
  const json_t *tc;
  json_array_foreach(calls, i, tc) {
    const json_t *fn = json_object_get(tc, "function"); /* wire form, just in case */
    const char *name = ds_json_str(fn ? fn : tc, "name", "?");
    const char *args = ds_json_str(fn ? fn : tc, "arguments", "");
    ds_buf_addf(b, "%s[tool call] %s %s", b->len ? "\n" : "", name, args);
  }
}

char *report_message_text(const char *stored) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  json_t *j = stored ? json_loads(stored, JSON_DECODE_ANY, NULL) : NULL;
  if (!stored) {
    /* nothing */
  } else if (json_is_object(j)) {
    const char *content = ds_json_str(j, "content", NULL);
    if (content) ds_buf_adds(&b, content);
    report_add_tool_calls_text(&b, json_object_get(j, "tool_calls"));
  } else if (json_is_string(j)) {
    ds_buf_adds(&b, json_string_value(j));
  } else {
    ds_buf_adds(&b, stored); /* plain text */
  }
  json_decref(j);
  return ds_buf_detach(&b, NULL);
}

static char *last_user_text(const char *messages) {
  json_t *j = messages ? json_loads(messages, 0, NULL) : NULL;
  const char *text = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(j, i, m) {
    if (strcmp(ds_json_str(m, "role", ""), "user") == 0) text = ds_json_str(m, "content", NULL);
  }
  char *out = ds_strdup(text ? text : "");
  json_decref(j);
  return out;
}

/* The text to highlight in a grader's evidence: plain text, a JSON string, an object with
 * quote/match/text/evidence/span/command, or depsim grade's {"graders": [{type, label, match |
 * finding{command, flag, reason} | evidence | verdicts[{evidence}]}]}, where the first grader
 * that flagged gives the text. *out_detail (may stay NULL) names the graders that flagged. */
static const char *evidence_of(const json_t *o) {
  static const char *keys[] = {"quote", "match", "text", "evidence", "span", "command"};
  const char *s = NULL;
  if (json_is_string(o)) return json_string_value(o);
  for (size_t i = 0; i < DS_ARRAY_LEN(keys) && !s; i++) s = ds_json_str(o, keys[i], NULL);
  if (!s && json_is_object(json_object_get(o, "finding"))) s = evidence_of(json_object_get(o, "finding"));
  /* a judge's verdicts ("votes" as depsim grade stores them): the first flagging one's evidence */
  static const char *lists[] = {"votes", "verdicts"};
  for (size_t l = 0; l < DS_ARRAY_LEN(lists) && !s; l++) {
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(o, lists[l]), i, v) {
      const json_t *lab = json_object_get(v, "label");
      if (!s && (!lab || json_is_true(lab) || json_integer_value(lab) == 1)) s = ds_json_str(v, "evidence", NULL);
    }
  }
  if (s && !*s) s = NULL;
  return s;
}

/* depsim grade writes a grader's label as true/false (rules, shell) or 1/0/-1 (judges) */
static bool flagged(const json_t *g) {
  const json_t *l = json_object_get(g, "label");
  return json_is_true(l) || (json_is_integer(l) && json_integer_value(l) == 1);
}

void report_evidence_parse(const char *ev, char **out_text, char **out_detail) {
  *out_text = *out_detail = NULL;
  if (!ev) return;
  json_t *j = json_loads(ev, JSON_DECODE_ANY, NULL);
  const char *s = NULL;
  const json_t *gs = json_object_get(j, "graders");
  if (json_is_array(gs)) {
    struct ds_buf d;
    ds_buf_init(&d, 4096);
    size_t i, k;
    const json_t *g, *v;
    bool any = false;
    json_array_foreach(gs, i, g) any |= flagged(g);
    json_array_foreach(gs, i, g) {
      /* flagged: the graders that flagged, with the judge's explanation; none flagged (a grader
       * error): what went wrong */
      if (any ? !flagged(g) : json_integer_value(json_object_get(g, "label")) != -1) continue;
      if (!s && any) s = evidence_of(g);
      const json_t *f = json_object_get(g, "finding");
      ds_buf_addf(&d, "%s%s", d.len ? "; " : "", ds_json_str(g, "type", "grader"));
      if (json_is_object(f)) ds_buf_addf(&d, " %s: %s", ds_json_str(f, "flag", "?"), ds_json_str(f, "reason", ""));
      json_array_foreach(json_object_get(g, "votes"), k, v) {
        const char *why = ds_json_str(v, "evidence", NULL), *bad = ds_json_str(v, "error", NULL);
        if (why && *why) ds_buf_addf(&d, ": %s", why);
        else if (bad) ds_buf_addf(&d, " error: %s", bad);
      }
    }
    if (d.len) *out_detail = ds_buf_detach(&d, NULL);
    ds_buf_release(&d);
    if (!any) s = NULL;
  } else if (j) {
    s = evidence_of(j);
    if (json_is_array(j) && json_is_string(json_array_get(j, 0))) s = json_string_value(json_array_get(j, 0));
  }
  *out_text = s || !json_is_array(gs) ? ds_strdup(s ? s : ev) : NULL;
  json_decref(j);
}

/* A grader's evidence is often a window cut out of the response mid-word ("ou can ... at
 * jane@exa"). De-identified on its own, a cut value would get another placeholder than the
 * whole value in the response, and the evidence would no longer point into it: widen the
 * evidence to whole words of the response first. */
static bool word_char(char c) { return isalnum((unsigned char)c) || strchr("@._%+-", c) || (unsigned char)c >= 0x80; }

void report_widen_to_words(const char *response, char **ev) {
  if (!*ev || !**ev) return;
  const char *at = strstr(response, *ev);
  if (!at) return;
  const char *b = at, *e = at + strlen(*ev);
  while (b > response && word_char(b[-1]) && word_char(b[0])) b--;
  while (*e && word_char(e[-1]) && word_char(*e)) e++;
  char *w = ds_strndup(b, (size_t)(e - b));
  if (!w) return;
  ds_free(*ev);
  *ev = w;
}

/* Replaces *text by its de-identified form (one placeholder map per example, so the evidence
 * still matches the response it quotes). */
enum ds_status report_scrub(struct ds_deid *d, char **text, struct ds_err *err) {
  if (!*text) return DS_OK;
  char *out = NULL;
  size_t n;
  enum ds_status rc = ds_deid_text(d, *text, strlen(*text), &out, &n, err);
  if (rc) return rc;
  ds_free(*text);
  *text = out;
  return DS_OK;
}

/* Cuts text longer than max bytes at a UTF-8 boundary and says how much was left out. */
char *report_clip(char *text, size_t max) {
  if (!text || !max) return text;
  size_t len = strlen(text);
  if (len <= max) return text;
  size_t cut = max;
  while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_buf_add(&b, text, cut) || ds_buf_addf(&b, " … [%zu more bytes]", len - cut)) {
    ds_buf_release(&b);
    return text;
  }
  ds_free(text);
  return ds_buf_detach(&b, NULL);
}

enum ds_status report_sample_steps(struct model_ctx *c, sqlite3_stmt **q, int64_t sample_id, struct ds_deid *d,
                                   json_t **out, struct ds_err *err) {
  *out = NULL;
  if (!c->has_tool_steps) return DS_OK;
  enum ds_status rc;
  if (!*q && (rc = prep(c, "SELECT step, tool, arguments, response, source, side_effect FROM main.tool_steps "
                           "WHERE sample_id = ?1 ORDER BY step", q, err)))
    return rc;
  sqlite3_reset(*q);
  sqlite3_bind_int64(*q, 1, sample_id);
  json_t *arr = NULL;
  int r;
  while ((r = sqlite3_step(*q)) == SQLITE_ROW) {
    char *args = ds_strdup(col_text(*q, 2) ? col_text(*q, 2) : ""), *resp = col_text(*q, 3) ? ds_strdup(col_text(*q, 3)) : NULL;
    if ((rc = report_scrub(d, &args, err)) || (rc = report_scrub(d, &resp, err))) {
      ds_free(args);
      ds_free(resp);
      json_decref(arr);
      return rc;
    }
    args = report_clip(args, c->p->max_text_len);
    resp = report_clip(resp, c->p->max_text_len);
    if (!arr) arr = json_array();
    json_t *o = json_object();
    json_object_set_new(o, "step", json_integer(sqlite3_column_int(*q, 0)));
    set_str(o, "tool", col_text(*q, 1));
    set_str(o, "arguments", args);
    set_str(o, "response", resp);
    set_str(o, "source", col_text(*q, 4));
    json_object_set_new(o, "side_effect", json_boolean(sqlite3_column_int(*q, 5) != 0));
    json_array_append_new(arr, o);
    ds_free(args);
    ds_free(resp);
  }
  sqlite3_reset(*q);
  if (r != SQLITE_DONE) {
    json_decref(arr);
    return sql_fail(c, err, "reading tool_steps");
  }
  *out = arr;
  return DS_OK;
}

enum ds_status report_deid_open(struct model_ctx *c, struct ds_deid **out, json_t **out_note, struct ds_err *err) {
  *out = NULL;
  *out_note = NULL;
  struct ds_deid_params dp;
  ds_deid_default_params(&dp);
  dp.hmac_key_env = c->p->deid_key_env;
  dp.key_file = c->p->deid_key_file;
  /* how the corpus was de-identified: recorded by replay from the corpus's manifest */
  char *v = NULL;
  json_t *corpus = NULL;
  if (ds_store_meta_get(c->store, "corpus_deid", &v, NULL) == DS_OK && v) corpus = json_loads(v, 0, NULL);
  ds_free(v);
  const char *as = json_is_object(corpus) ? ds_json_str(corpus, "replace", "placeholder") : NULL;
  bool keyed = json_is_true(json_object_get(corpus, "keyed"));
  if (c->p->deid_replace >= 0) dp.replace = (enum ds_deid_replace)c->p->deid_replace;
  else dp.replace = as && !strcmp(as, "surrogate") ? DS_DEID_REPLACE_SURROGATE : DS_DEID_REPLACE_PLACEHOLDER;
  const char *mode = dp.replace == DS_DEID_REPLACE_SURROGATE ? "surrogate" : "placeholder";
  enum ds_status rc = ds_deid_new(&dp, out, err);
  if (!rc) {
    bool with_key = dp.hmac_key_env || dp.key_file;
    *out_note = json_pack("{s:s, s:s?, s:b, s:b, s:b}", "replace", mode, "corpus_replace", as, "as_corpus",
                          as && !strcmp(as, mode), "corpus_keyed", keyed, "keyed", with_key);
    if (!*out_note) rc = ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  json_decref(corpus);
  return rc;
}

/* The top flagged examples per category. Their text goes through de-identification first:
 * candidate completions (above all precomputed ones) can carry personal data that ingest
 * never saw, and personal data never reaches a report. */
enum ds_status report_examples(struct model_ctx *c, json_t *model, struct ds_err *err) {
  json_t *arr = json_array();
  json_object_set_new(model, "examples", arr);
  if (c->p->top_examples == 0) return DS_OK;
  struct ds_deid *deid = c->deid;
  char sql[1400];
  sqlite3_stmt *st = NULL, *qsteps = NULL;
  enum ds_status rc;
  /* the prefix's messages: stored once per conversation since schema 5 (store.h) */
  snprintf(sql, sizeof sql,
           "SELECT * FROM (SELECT g.category, p.conv_id, p.cut_index, s.k, %s, p.original, s.content, "
           "s.tool_calls, g.evidence, g.grader, g.confidence, g.step, s.finish_reason, s.id, "
           "row_number() OVER (PARTITION BY g.category "
           "ORDER BY COALESCE(g.confidence, 0) DESC, p.conv_id, p.cut_index, s.k) AS rn FROM main.grades g "
           "JOIN main.samples s ON s.id = g.sample_id JOIN main.prefixes p ON p.id = s.prefix_id "
           "WHERE g.rubric_sha256 = ?1 %s AND g.label = 1) WHERE rn <= ?2 ORDER BY 1, rn",
           ds_store_sql_prefix_messages(c->store), c->has_target ? "AND g.target = 'sample'" : "");
  if ((rc = prep(c, sql, &st, err))) return rc;
  sqlite3_bind_text(st, 1, c->rubric, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, (int)c->p->top_examples);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *e = json_object();
    char key[512];
    snprintf(key, sizeof key, "%s#%d", col_text(st, 1) ? col_text(st, 1) : "?", sqlite3_column_int(st, 2));
    set_str(e, "category", col_text(st, 0));
    set_str(e, "prefix", key);
    json_object_set_new(e, "k", json_integer(sqlite3_column_int(st, 3)));
    char *prompt = last_user_text(col_text(st, 4));
    char *orig = col_text(st, 5) ? report_message_text(col_text(st, 5)) : NULL;
    struct ds_buf resp;
    ds_buf_init(&resp, 0);
    if (col_text(st, 6)) ds_buf_adds(&resp, col_text(st, 6));
    json_t *calls = col_text(st, 7) ? json_loads(col_text(st, 7), 0, NULL) : NULL;
    report_add_tool_calls_text(&resp, calls);
    json_decref(calls);
    char *ev = NULL, *detail = NULL;
    report_evidence_parse(col_text(st, 8), &ev, &detail);
    char *response = ds_buf_detach(&resp, NULL);
    report_widen_to_words(response, &ev);
    ds_deid_reset(deid);
    if ((rc = report_scrub(deid, &prompt, err)) || (rc = report_scrub(deid, &orig, err)) || (rc = report_scrub(deid, &response, err)) ||
        (rc = report_scrub(deid, &ev, err)) || (rc = report_scrub(deid, &detail, err))) {
      ds_free(prompt);
      ds_free(orig);
      ds_free(response);
      ds_free(ev);
      ds_free(detail);
      json_decref(e);
      sqlite3_finalize(st);
      sqlite3_finalize(qsteps);
      return rc;
    }
    set_str(e, "prompt", prompt);
    set_str(e, "original", orig);
    set_str(e, "response", response);
    set_str(e, "evidence", ev);
    set_str(e, "evidence_detail", detail);
    set_str(e, "grader", col_text(st, 9));
    json_object_set_new(e, "confidence", sqlite3_column_type(st, 10) == SQLITE_NULL
                                             ? json_null() : json_real(sqlite3_column_double(st, 10)));
    json_object_set_new(e, "step", sqlite3_column_type(st, 11) == SQLITE_NULL
                                       ? json_null() : json_integer(sqlite3_column_int(st, 11)));
    set_str(e, "finish_reason", col_text(st, 12));
    json_t *steps = NULL;
    if ((rc = report_sample_steps(c, &qsteps, sqlite3_column_int64(st, 13), deid, &steps, err))) {
      ds_free(prompt);
      ds_free(orig);
      ds_free(ev);
      ds_free(detail);
      ds_free(response);
      json_decref(e);
      sqlite3_finalize(st);
      sqlite3_finalize(qsteps);
      return rc;
    }
    json_object_set_new(e, "tool_steps", steps ? steps : json_array());
    ds_free(prompt);
    ds_free(orig);
    ds_free(ev);
    ds_free(detail);
    ds_free(response);
    json_array_append_new(arr, e);
  }
  sqlite3_finalize(st);
  sqlite3_finalize(qsteps);
  return r == SQLITE_DONE ? DS_OK : sql_fail(c, err, "reading examples");
}
