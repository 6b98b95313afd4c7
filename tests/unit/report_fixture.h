/* report_fixture.h: the run databases test_report renders (header only): prefixes from
 * data/sample's chats.jsonl and agent.jsonl, samples from a candidate file, grades from the
 * planted ground truth in truth.jsonl, a rubric of five categories, and an XSS corpus planted
 * in messages, segments, tool names, rubric titles and judge explanations. */
#ifndef DS_TEST_REPORT_FIXTURE_H
#define DS_TEST_REPORT_FIXTURE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/store.h"

static const char *CATS[] = {"sycophancy", "destructive_command", "pii_disclosure", "fabricated_citation",
                             "system_prompt_leak"};
#define RUBRIC_SHA "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
/* A conversation planted by the fixture so that HTML in data reaches every renderer. */
#define EVIL "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
/* more of the XSS corpus, planted in segments, tool names, rubric titles and judge explanations:
 * an element with an id the browser test looks for, a script that ends the data block, an SVG
 * handler */
#define EVIL2 "<b id=\"xss-planted\">b</b></script><script>document.title='PWNED'</script><svg onload=\"document.title='PWNED'\">"
#define EVIL2_YAML "<b id=\\\"xss-planted\\\">b</b></script><script>document.title='PWNED'</script><svg onload=\\\"document.title='PWNED'\\\">"
/* the fixture's rubric: every category applies to chat and agent samples; one title is hostile */
static const char RUBRIC_BODY[] =
    "name: sample-rubric\nversion: 1\ncategories:\n"
    "  - {id: sycophancy, title: \"Sycophancy " EVIL2_YAML "\", description: d, severity: medium, applies_to: both,"
    " graders: [{type: rule, target: response, patterns: [x]}]}\n"
    "  - {id: destructive_command, title: Destructive commands, description: d, severity: critical, applies_to: both,"
    " graders: [{type: rule, target: response, patterns: [x]}]}\n"
    "  - {id: pii_disclosure, title: Personal data, description: d, severity: high, applies_to: both,"
    " graders: [{type: rule, target: response, patterns: [x]}]}\n"
    "  - {id: fabricated_citation, title: Fabricated citations, description: d, severity: medium, applies_to: both,"
    " graders: [{type: rule, target: response, patterns: [x]}]}\n"
    "  - {id: system_prompt_leak, title: System prompt leak, description: d, severity: high, applies_to: both,"
    " graders: [{type: rule, target: response, patterns: [x]}]}\n";

static char tmpdir[256];

static const char *src_dir(void) {
  const char *s = getenv("DS_SRC");
  return s ? s : ".";
}

static json_t *load_jsonl(const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", src_dir(), rel);
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  json_t *arr = json_array();
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    json_t *j = json_loads(line, 0, NULL);
    if (j) json_array_append_new(arr, j);
  }
  free(line);
  fclose(f);
  return arr;
}

static void exec_ok(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "sql: %s: %s\n", sql, msg);
    abort();
  }
}

/* which: "v1", "v2" or "original". Returns 0 on success, -1 when the sample data is absent. */
static int build_run(const char *db_path, const char *which, bool tool_steps, bool evil) {
  json_t *chats = load_jsonl("data/sample/chats.jsonl"), *agent = load_jsonl("data/sample/agent.jsonl");
  json_t *truth = load_jsonl("data/sample/truth.jsonl"), *cand = NULL;
  if (!chats || !agent || !truth) return -1;
  char file[64];
  snprintf(file, sizeof file, "candidate-%s.jsonl", which);
  json_t *by_id = json_object();
  if (strcmp(which, "original")) {
    char rel[128];
    snprintf(rel, sizeof rel, "data/sample/%s", file);
    cand = load_jsonl(rel);
    if (!cand) return -1;
    size_t i;
    json_t *c;
    json_array_foreach(cand, i, c) json_object_set(by_id, ds_json_str(c, "id", ""), c);
  }
  const char *tfile = strcmp(which, "original") ? file : NULL;
  json_t *planted = json_object(); /* prefix key -> truth row */
  size_t i;
  json_t *t;
  json_array_foreach(truth, i, t) {
    if (strcmp(ds_json_str(t, "kind", ""), "behavior")) continue;
    const char *f = ds_json_str(t, "file", "");
    bool mine = tfile ? strcmp(f, tfile) == 0 : (strcmp(f, "chats.jsonl") == 0 || strcmp(f, "agent.jsonl") == 0);
    if (mine) json_object_set(planted, ds_json_str(t, "id", ""), t);
  }
  unlink(db_path);
  struct ds_store *s = NULL;
  struct ds_err err;
  if (ds_store_open(db_path, DS_STORE_CREATE, &s, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    abort();
  }
  sqlite3 *db = ds_store_db(s);
  exec_ok(db, "BEGIN");
  char sql[512];
  snprintf(sql, sizeof sql, "INSERT INTO meta(key, value) VALUES ('model', '%s'), ('backend', 'file'), "
                            "('api_key', 'sk-must-not-appear')", which);
  exec_ok(db, sql);
  sqlite3_stmt *rst;
  sqlite3_prepare_v2(db, "INSERT INTO rubrics VALUES ('" RUBRIC_SHA "', 'sample-rubric', ?1, '2026-11-30T00:00:00Z', "
                         "'0.1.0')", -1, &rst, NULL);
  sqlite3_bind_text(rst, 1, RUBRIC_BODY, -1, SQLITE_STATIC);
  if (sqlite3_step(rst) != SQLITE_DONE) abort();
  sqlite3_finalize(rst);
  sqlite3_stmt *pst, *sst, *gst, *tst;
  sqlite3_prepare_v2(db, "INSERT INTO prefixes(conv_id, cut_index, segment, messages, tools, original, repo, "
                         "status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'done')", -1, &pst, NULL);
  sqlite3_prepare_v2(db, "INSERT INTO samples(prefix_id, k, seed, status, content, tool_calls, finish_reason, "
                         "created_at) VALUES (?1, 0, 0, 'ok', ?2, ?3, 'stop', '2026-11-30T00:00:00Z')", -1, &sst,
                     NULL);
  sqlite3_prepare_v2(db, "INSERT INTO grades(sample_id, rubric_sha256, category, label, confidence, grader, "
                         "evidence, created_at) VALUES (?1, '" RUBRIC_SHA "', ?2, ?3, ?4, 'truth', ?5, "
                         "'2026-11-30T00:00:00Z')", -1, &gst, NULL);
  sqlite3_prepare_v2(db, "INSERT INTO tool_steps(sample_id, step, tool, call_id, arguments, response, source, "
                         "side_effect) VALUES (?1, ?2, ?3, ?4, ?5, 'ok', ?6, ?7)", -1, &tst, NULL);
  json_t *all = json_array();
  json_array_extend(all, chats);
  json_array_extend(all, agent);
  if (evil) {
    json_t *e = json_pack("{s:s, s:b, s:{s:s, s:s}, s:[{s:s, s:s}, {s:s, s:s}]}", "id", "x-evil", "consent", 1,
                          "segment", "product", "chat", "locale", "en " EVIL2, "messages", "role", "user", "content",
                          "Render this for me: " EVIL " | pipe | `tick`", "role", "assistant", "content",
                          "Here it is: " EVIL);
    json_array_append_new(all, e);
  }
  json_t *r;
  json_array_foreach(all, i, r) {
    if (!json_is_true(json_object_get(r, "consent"))) continue;
    json_t *msgs = json_object_get(r, "messages");
    size_t cut = json_array_size(msgs) - 1;
    const char *id = ds_json_str(r, "id", "");
    char key[128];
    snprintf(key, sizeof key, "%s#%zu", id, cut);
    json_t *prefix = json_array();
    for (size_t m = 0; m < cut; m++) json_array_append(prefix, json_array_get(msgs, m));
    char *seg = ds_json_canonical(json_object_get(r, "segment")), *pm = ds_json_compact(prefix);
    char *orig = ds_json_compact(json_array_get(msgs, cut));
    char *tools = json_object_get(r, "tools") ? ds_json_compact(json_object_get(r, "tools")) : NULL;
    char *repo = json_object_get(r, "repo") ? ds_json_compact(json_object_get(r, "repo")) : NULL;
    sqlite3_bind_text(pst, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(pst, 2, (int)cut);
    sqlite3_bind_text(pst, 3, seg, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pst, 4, pm, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pst, 5, tools, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pst, 6, orig, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pst, 7, repo, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(pst) != SQLITE_DONE) abort();
    sqlite3_reset(pst);
    sqlite3_int64 pid = sqlite3_last_insert_rowid(db);
    ds_free(seg);
    ds_free(pm);
    ds_free(orig);
    ds_free(tools);
    ds_free(repo);
    json_decref(prefix);
    const json_t *resp = strcmp(which, "original") ? json_object_get(by_id, key) : json_array_get(msgs, cut);
    if (evil && strcmp(id, "x-evil") == 0) resp = json_array_get(msgs, cut);
    char *calls = json_object_get(resp, "tool_calls") ? ds_json_compact(json_object_get(resp, "tool_calls")) : NULL;
    sqlite3_bind_int64(sst, 1, pid);
    sqlite3_bind_text(sst, 2, ds_json_str(resp, "content", NULL), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(sst, 3, calls, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(sst) != SQLITE_DONE) abort();
    sqlite3_reset(sst);
    sqlite3_int64 sid = sqlite3_last_insert_rowid(db);
    /* tool steps: the calls of the recorded trajectory, answered by a source picked by hash */
    if (tool_steps && json_object_get(r, "tools")) {
      size_t m, step = 0;
      json_t *msg;
      json_array_foreach(msgs, m, msg) {
        size_t c;
        json_t *tc;
        json_array_foreach(json_object_get(msg, "tool_calls"), c, tc) {
          static const char *srcs[] = {"db", "db", "connector", "connector", "simulator"};
          const char *tool = ds_json_str(tc, "name", "?");
          uint64_t hsh = ds_hash64(key, strlen(key)) + step;
          const char *src = strcmp(tool, "write_file") == 0 ? "simulator" : srcs[hsh % 5];
          sqlite3_bind_int64(tst, 1, sid);
          sqlite3_bind_int(tst, 2, (int)step++);
          sqlite3_bind_text(tst, 3, tool, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(tst, 4, ds_json_str(tc, "id", ""), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(tst, 5, ds_json_str(tc, "arguments", ""), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(tst, 6, src, -1, SQLITE_STATIC);
          sqlite3_bind_int(tst, 7, strcmp(tool, "write_file") == 0);
          if (sqlite3_step(tst) != SQLITE_DONE) abort();
          sqlite3_reset(tst);
        }
      }
    }
    ds_free(calls);
    if (evil && strcmp(id, "x-evil") == 0 && tool_steps) {
      /* a hostile tool name, arguments and simulated answer */
      sqlite3_bind_int64(tst, 1, sid);
      sqlite3_bind_int(tst, 2, 0);
      sqlite3_bind_text(tst, 3, "sh" EVIL2, -1, SQLITE_STATIC);
      sqlite3_bind_text(tst, 4, "t1", -1, SQLITE_STATIC);
      sqlite3_bind_text(tst, 5, "{\"cmd\": \"" "echo" "\"} " EVIL2, -1, SQLITE_STATIC);
      sqlite3_bind_text(tst, 6, "error", -1, SQLITE_STATIC);
      sqlite3_bind_int(tst, 7, 0);
      if (sqlite3_step(tst) != SQLITE_DONE) abort();
      sqlite3_reset(tst);
    }
    const json_t *pl = json_object_get(planted, key);
    for (size_t c = 0; c < DS_ARRAY_LEN(CATS); c++) {
      bool hit = pl && strcmp(ds_json_str(pl, "behavior", ""), CATS[c]) == 0;
      const char *ev = hit ? ds_json_str(pl, "evidence", NULL) : NULL;
      bool judge_ev = false;
      if (evil && strcmp(id, "x-evil") == 0 && strcmp(CATS[c], "pii_disclosure") == 0) {
        hit = true;
        ev = "<img src=x onerror=\"document.title='PWNED'\">";
        judge_ev = true;
      }
      sqlite3_bind_int64(gst, 1, sid);
      sqlite3_bind_text(gst, 2, CATS[c], -1, SQLITE_STATIC);
      sqlite3_bind_int(gst, 3, hit);
      double conf = !hit ? 0.9 : !pl ? 0.99 : json_is_true(json_object_get(pl, "subtle")) ? 0.6 : 0.95;
      sqlite3_bind_double(gst, 4, conf);
      /* evidence as depsim grade writes it (a shell finding or a rule match); x-evil's is plain text */
      char *evj = NULL;
      if (ev && pl) {
        json_t *g = strcmp(CATS[c], "destructive_command") == 0
                        ? json_pack("{s:s, s:[{s:s, s:b, s:{s:s, s:s, s:s}}]}", "combine", "any", "graders", "type",
                                    "shell", "label", 1, "finding", "flag", "history_rewrite", "reason",
                                    "planted", "command", ev)
                        : json_pack("{s:s, s:[{s:s, s:b}, {s:s, s:s, s:b}]}", "combine", "any", "graders", "type",
                                    "judge", "label", 0, "type", "rule", "match", ev, "label", 1);
        evj = ds_json_compact(g);
        json_decref(g);
      }
      if (judge_ev) {
        /* a judge's verdict as depsim grade stores it: its evidence is the judge's explanation */
        json_t *g = json_pack("{s:s, s:[{s:s, s:b, s:s, s:[{s:s, s:i, s:s}]}]}", "combine", "any", "graders", "type",
                              "judge", "label", 1, "evidence", ev, "votes", "judge", "openai:" EVIL2, "label", 1,
                              "evidence", "because " EVIL2);
        evj = ds_json_compact(g);
        json_decref(g);
      }
      if (ev) sqlite3_bind_text(gst, 5, evj ? evj : ev, -1, SQLITE_TRANSIENT);
      else sqlite3_bind_null(gst, 5);
      ds_free(evj);
      if (sqlite3_step(gst) != SQLITE_DONE) abort();
      sqlite3_reset(gst);
      sqlite3_clear_bindings(gst);
    }
  }
  exec_ok(db, "COMMIT");
  sqlite3_finalize(pst);
  sqlite3_finalize(sst);
  sqlite3_finalize(gst);
  sqlite3_finalize(tst);
  ds_store_close(s);
  json_decref(all);
  json_decref(chats);
  json_decref(agent);
  json_decref(truth);
  json_decref(cand);
  json_decref(by_id);
  json_decref(planted);
  return 0;
}

#endif
