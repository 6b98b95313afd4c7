/* load.c: replay's first phase: streams the canonical corpus into prefixes (cut points, shard
 * filter, duplicates), one transaction per step with meta.corpus_load, so that a resumed run
 * skips exactly the committed lines. Runs before sampling or on the writer thread (commit.c). */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "depsim/stats.h"
#include "replay/replay_int.h"

/* ---------- loading: corpus -> prefixes ---------- */

static void load_state_parse(const char *s, struct load_state *ls) {
  memset(ls, 0, sizeof *ls);
  json_t *j = s ? json_loads(s, 0, NULL) : NULL;
  if (!j) return;
  ls->line = (uint64_t)ds_json_num(j, "line", 0);
  ls->records = (uint64_t)ds_json_num(j, "records", 0);
  ls->cuts = (uint64_t)ds_json_num(j, "cuts", 0);
  ls->no_cut = (uint64_t)ds_json_num(j, "no_cut", 0);
  ls->other_shard = (uint64_t)ds_json_num(j, "other_shard", 0);
  ls->duplicates = (uint64_t)ds_json_num(j, "duplicates", 0);
  json_decref(j);
}

static enum ds_status load_state_save(struct rp_loader *ld, bool complete, struct ds_err *err) {
  const struct load_state *ls = &ld->ls;
  char buf[256];
  snprintf(buf, sizeof buf,
           "{\"line\":%llu,\"records\":%llu,\"cuts\":%llu,\"no_cut\":%llu,\"other_shard\":%llu,"
           "\"duplicates\":%llu,\"complete\":%s}",
           (unsigned long long)ls->line, (unsigned long long)ls->records, (unsigned long long)ls->cuts,
           (unsigned long long)ls->no_cut, (unsigned long long)ls->other_shard,
           (unsigned long long)ls->duplicates, complete ? "true" : "false");
  return ds_store_meta_set(ld->store, "corpus_load", buf, err);
}

/* What loading needs of a corpus record, read by the walk (load_walk) or, for records it
 * gives up on, from the parsed record (load_tree). Texts are compact JSON. */
enum { ROLE_OTHER, ROLE_USER, ROLE_TOOL, ROLE_ASSISTANT };
struct rp_record {
  const char *id;                     /* NUL-terminated */
  double weight;
  const char *time;                   /* or NULL */
  const char *segment, *tools, *repo; /* canonical JSON, or NULL */
  size_t n_msgs;                      /* roles, and spans (walk) or msgs (tree), hold them */
  const json_t *msgs;
};

static unsigned char role_of(const char *s, size_t n) {
  if (n == 4 && memcmp(s, "user", 4) == 0) return ROLE_USER;
  if (n == 4 && memcmp(s, "tool", 4) == 0) return ROLE_TOOL;
  if (n == 9 && memcmp(s, "assistant", 9) == 0) return ROLE_ASSISTANT;
  return ROLE_OTHER;
}

/* roles[] also marks a message with members a model is not sent (reasoning, time, ...), and
 * one that is context rather than a turn ("context": true: a demonstration, injected
 * scaffolding). */
#define ROLE_MASK 0x3f
#define ROLE_CONTEXT 0x40
#define ROLE_EXTRA 0x80

/* Message i is a cut: an assistant turn after a user or tool turn, neither of them context. */
static bool is_cut(const unsigned char *roles, size_t i) {
  if ((roles[i] & ROLE_MASK) != ROLE_ASSISTANT || (roles[i] & ROLE_CONTEXT)) return false;
  for (size_t j = 0; j < i; j++)
    if (!(roles[j] & ROLE_CONTEXT) && ((roles[j] & ROLE_MASK) == ROLE_USER || (roles[j] & ROLE_MASK) == ROLE_TOOL))
      return true;
  return false;
}

/* The members of a message that a model is sent (reasoning only with --keep-reasoning, as
 * reasoning_content); the rest (reasoning, times, source ids, context marks) stays in the
 * corpus and in prefixes.original. */
static bool sent_member(const char *k, size_t n) {
  static const char *const keep[] = {"role", "content", "tool_calls", "tool_call_id", "name"};
  for (unsigned i = 0; i < DS_ARRAY_LEN(keep); i++)
    if (strlen(keep[i]) == n && memcmp(keep[i], k, n) == 0) return true;
  return false;
}

/* Appends message j of the record as compact JSON, whole. */
static bool put_message(struct rp_loader *ld, const struct rp_record *rc, size_t j, struct ds_buf *out) {
  if (rc->msgs) return ds_json_write_compact(json_array_get(rc->msgs, j), out) == DS_OK;
  return ds_json_copy(ld->spans[j], 2, out, &ld->scratch);
}

/* Appends message j as the model is sent it: its sent members only. */
static bool put_prefix_message(struct rp_loader *ld, const struct rp_record *rc, size_t j, struct ds_buf *out) {
  if (!(ld->roles[j] & ROLE_EXTRA)) return put_message(ld, rc, j, out);
  json_t *m = rc->msgs ? json_incref(json_array_get(rc->msgs, j))
                       : ds_json_parse_fast(ld->spans[j].p, ld->spans[j].len, 0, false, &ld->scratch);
  if (!m) m = json_loadb(ld->spans[j].p, ld->spans[j].len, 0, NULL);
  json_t *o = json_object();
  bool ok = m && o;
  const char *k;
  json_t *v;
  json_object_foreach(m, k, v) {
    if (!ok) break;
    if (sent_member(k, strlen(k))) ok = json_object_set(o, k, v) == 0;
    else if (ld->p->keep_reasoning && strcmp(k, "reasoning") == 0) ok = json_object_set(o, "reasoning_content", v) == 0;
  }
  ok = ok && ds_json_write_compact(o, out) == DS_OK;
  json_decref(o);
  json_decref(m);
  return ok;
}

/* The record's conversation as the model is sent it, up to its last cut taken, stored once
 * (conversations); conv_end[j] is where message j ends in that text, so the prefix of a cut at
 * i is its first conv_end[i-1] bytes (1 for i = 0: "[") plus ']'. A conversation id stored
 * before (a duplicate record) leaves ld->conv_row 0: its prefixes then keep their own text. */
static enum ds_status insert_conversation(struct rp_loader *ld, const struct rp_record *rc, size_t upto,
                                          struct ds_err *err) {
  ds_buf_reset(&ld->conv);
  ld->conv_row = 0;
  bool ok = !ds_buf_putc(&ld->conv, '[');
  ld->conv_end[0] = 1;
  for (size_t j = 0; j < upto && ok; j++) {
    ok = !(j && ds_buf_putc(&ld->conv, ',')) && put_prefix_message(ld, rc, j, &ld->conv);
    ld->conv_end[j + 1] = ld->conv.len;
  }
  if (!ok || ds_buf_putc(&ld->conv, ']')) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!ld->store) return DS_OK;
  sqlite3_stmt *q = ld->q_conv;
  sqlite3_reset(q);
  sqlite3_bind_text(q, 1, rc->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, ld->conv.data, (int)ld->conv.len, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE) return rp_db_fail(ld->db, err, "inserting a conversation");
  if (sqlite3_changes(ld->db) > 0) ld->conv_row = sqlite3_last_insert_rowid(ld->db);
  return DS_OK;
}

static void note_duplicate(struct rp_loader *ld, const struct rp_record *rc, size_t cut) {
  ld->ls.duplicates++;
  ds_logf(&ld->p->log, DS_LOG_WARN, "%s:%llu: conversation '%s' cut %zu already loaded (duplicate id); counted as duplicate",
          ld->path, (unsigned long long)ld->ls.line, rc->id, cut);
}

/* A store-less loading (ds_replay_prefixes): the prefix built in ld->prefix and ld->original
 * goes to the caller, unless its (conversation, cut) came before. */
static enum ds_status emit_prefix(struct rp_loader *ld, const struct rp_record *rc, size_t cut, struct ds_err *err) {
  int added = rp_keyset_add(ld->seen, rc->id, cut);
  if (added < 0) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!added) {
    note_duplicate(ld, rc, cut);
    return DS_OK;
  }
  ld->ls.cuts++;
  struct ds_replay_prefix v = {.conv_id = rc->id, .cut = cut, .messages = ld->prefix.data,
                               .messages_len = ld->prefix.len, .tools = rc->tools,
                               .original = ld->original.data, .original_len = ld->original.len,
                               .weight = rc->weight, .line = ld->ls.line};
  return ld->emit(ld->emit_ud, &v, err);
}

static enum ds_status insert_prefix(struct rp_loader *ld, const struct rp_record *rc, size_t cut, struct ds_err *err) {
  sqlite3_stmt *q = ld->q;
  /* the prefix is the start of the conversation's text; the original, compact JSON of the
   * message at the cut (what json_dumps writes, faster) */
  size_t end = ld->conv_end[cut];
  ds_buf_reset(&ld->prefix);
  ds_buf_reset(&ld->original);
  if (ds_buf_add(&ld->prefix, ld->conv.data, end) || ds_buf_putc(&ld->prefix, ']') ||
      /* a cut after the last message (--cut next) has no original answer */
      (cut < rc->n_msgs ? !put_message(ld, rc, cut, &ld->original) : ds_buf_adds(&ld->original, "null") != DS_OK))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  if (!ld->store) return emit_prefix(ld, rc, cut, err);
  sqlite3_reset(q);
  sqlite3_bind_text(q, 1, rc->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q, 2, (sqlite3_int64)cut);
  sqlite3_bind_text(q, 3, rc->segment ? rc->segment : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_double(q, 4, rc->weight);
  rp_bind_text_or_null(q, 5, rc->time);
  if (ld->conv_row) {
    sqlite3_bind_text(q, 6, "", 0, SQLITE_STATIC);
    sqlite3_bind_int64(q, 10, ld->conv_row);
    sqlite3_bind_int64(q, 11, (sqlite3_int64)end);
  } else {
    sqlite3_bind_text(q, 6, ld->prefix.data, (int)ld->prefix.len, SQLITE_STATIC);
    sqlite3_bind_null(q, 10);
    sqlite3_bind_null(q, 11);
  }
  rp_bind_text_or_null(q, 7, rc->tools);
  sqlite3_bind_text(q, 8, ld->original.data, (int)ld->original.len, SQLITE_STATIC);
  rp_bind_text_or_null(q, 9, rc->repo);
  if (ld->p->sequential) { /* the prefix's place in the run's seeded random order */
    uint64_t h = ds_mix64(ld->p->seed ^ ds_mix64(ds_hash64(rc->id, strlen(rc->id)) + cut));
    sqlite3_bind_int64(q, 12, (sqlite3_int64)(h >> 1));
  } else {
    sqlite3_bind_null(q, 12);
  }
  /* what pairs this prefix with the same one of another run (a baseline): the prompt as loaded */
  char digest[33];
  ds_prompt_digest(ld->prefix.data, ld->prefix.len, rc->tools, digest);
  sqlite3_bind_text(q, 13, digest, 32, SQLITE_TRANSIENT);
  if (sqlite3_step(q) != SQLITE_DONE) return rp_db_fail(ld->db, err, "inserting a prefix");
  if (sqlite3_changes(ld->db) == 0) {
    note_duplicate(ld, rc, cut);
    return DS_OK;
  }
  ld->ls.cuts++;
  if (ld->hand_over) {
    struct rp_prefix *pf = rp_prefix_new(sqlite3_last_insert_rowid(ld->db), rc->id, (int64_t)cut, ld->prefix.data,
                                      ld->prefix.len, rc->tools, rc->repo, ld->k);
    if (!pf) return ds_fail(err, DS_E_NOMEM, "out of memory");
    if (ld->p->agentic && rc->segment) pf->segment = json_loads(rc->segment, 0, NULL);
    if (ld->step_tail) ld->step_tail->next_q = pf;
    else ld->step_head = pf;
    ld->step_tail = pf;
    ld->step_n++;
    pf->load_bytes = sizeof *pf + ld->prefix.len + strlen(pf->key) + (rc->tools ? strlen(rc->tools) : 0) +
                     (rc->repo ? strlen(rc->repo) : 0);
    ld->step_bytes += pf->load_bytes;
  }
  return DS_OK;
}

/* Room for the roles (and spans, and cut points) of n messages. */
static bool reserve_messages(struct rp_loader *ld, size_t n) {
  if (n + 1 <= ld->cap_msgs) return true;
  size_t cap = ld->cap_msgs ? ld->cap_msgs * 2 : 64;
  while (cap < n + 1) cap *= 2;
  unsigned char *roles = ds_realloc(ld->roles, cap);
  if (roles) ld->roles = roles;
  struct ds_str *spans = roles ? ds_realloc(ld->spans, cap * sizeof *spans) : NULL;
  if (spans) ld->spans = spans;
  size_t *cuts = spans ? ds_realloc(ld->cut_buf, cap * sizeof *cuts) : NULL;
  if (cuts) ld->cut_buf = cuts;
  size_t *ends = cuts ? ds_realloc(ld->conv_end, (cap + 1) * sizeof *ends) : NULL;
  if (ends) ld->conv_end = ends;
  if (!ends) return false;
  ld->cap_msgs = cap;
  return true;
}

/* Copies a decoded string into buf, NUL-terminated. */
static bool keep_string(struct ds_buf *buf, struct ds_str s) {
  ds_buf_reset(buf);
  return !ds_buf_add(buf, s.p, s.len);
}

/* The canonical text of a value of the wanted type ('{' object, '[' array), NULL for any
 * other value. False when out of memory. */
static bool memo_canonical(struct rp_loader *ld, struct rp_memo *m, struct ds_str v, char want, const char **out) {
  *out = NULL;
  if (!v.p || v.p[0] != want) return true;
  if (m->canon && m->raw.len == v.len && memcmp(m->raw.data, v.p, v.len) == 0) {
    *out = m->canon;
    return true;
  }
  ds_free(m->canon);
  m->canon = NULL;
  json_t *j = ds_json_parse_fast(v.p, v.len, 0, true, &ld->scratch);
  m->canon = j ? ds_json_canonical(j) : NULL;
  json_decref(j);
  if (!m->canon || !keep_string(&m->raw, v)) return false;
  *out = m->canon;
  return true;
}

/* The messages array at w->p: each one's role and text. False to give up on the record. */
static bool walk_messages(struct rp_loader *ld, struct ds_json_walk *top, size_t *n_msgs) {
  struct ds_json_walk arr, m;
  if (!ds_json_walk_open(&arr, top->p, top->end, 2, &ld->scratch) || arr.close != ']') return false;
  size_t n = 0;
  int r;
  while ((r = ds_json_walk_next(&arr, NULL)) > 0) {
    if (!ds_json_walk_open(&m, arr.p, arr.end, 3, &ld->scratch) || m.close != '}' || !reserve_messages(ld, n + 1))
      return false;
    const char *start = m.p - 1;
    unsigned char role = ROLE_OTHER;
    bool extra = false, context = false;
    struct ds_str key, s, v;
    int rm;
    while ((rm = ds_json_walk_next(&m, &key)) > 0) {
      if (!sent_member(key.p, key.len)) extra = true;
      if (key.len == 4 && memcmp(key.p, "role", 4) == 0 && ds_json_walk_string(&m, &s)) role = role_of(s.p, s.len);
      else if (!ds_json_walk_value(&m, NULL, &v)) return false;
      else if (key.len == 7 && memcmp(key.p, "context", 7) == 0 && v.len == 4 && memcmp(v.p, "true", 4) == 0)
        context = true;
    }
    if (rm < 0) return false;
    ld->roles[n] = role | (extra ? ROLE_EXTRA : 0) | (context ? ROLE_CONTEXT : 0);
    ld->spans[n++] = (struct ds_str){start, (size_t)(m.p - start)};
    arr.p = m.p;
  }
  top->p = arr.p;
  *n_msgs = n;
  return r == 0;
}

#define KEY_IS(k, lit) ((k).len == sizeof(lit) - 1 && memcmp((k).p, lit, sizeof(lit) - 1) == 0)

/* Reads a record without parsing it into values: the common case. False to give up on it
 * (invalid, unusual or not a valid record): load_tree then decides, and explains errors. */
static bool load_walk(struct rp_loader *ld, struct ds_str line, struct rp_record *rc) {
  struct ds_json_walk top;
  if (!ds_json_walk_open(&top, line.p, line.p + line.len, 1, &ld->scratch) || top.close != '}') return false;
  memset(rc, 0, sizeof *rc);
  rc->weight = 1.0;
  bool have_id = false, have_msgs = false;
  struct ds_str key, s, v, seg = {0}, tools = {0}, repo = {0};
  int r;
  while ((r = ds_json_walk_next(&top, &key)) > 0) {
    if (KEY_IS(key, "id") || KEY_IS(key, "time")) {
      bool id = key.p[0] == 'i';
      if (ds_json_walk_string(&top, &s)) {
        if (!keep_string(id ? &ld->id : &ld->time, s)) return false;
        if (id) have_id = true;
        else rc->time = ld->time.data ? ld->time.data : "";
        continue;
      }
      if (id) return false; /* not a string: load_tree reports it */
    } else if (KEY_IS(key, "messages")) {
      if (!walk_messages(ld, &top, &rc->n_msgs)) return false;
      have_msgs = true;
      continue;
    }
    if (!ds_json_walk_value(&top, NULL, &v)) return false;
    if (KEY_IS(key, "segment")) seg = v;
    else if (KEY_IS(key, "tools")) tools = v;
    else if (KEY_IS(key, "repo")) repo = v;
    else if (KEY_IS(key, "weight") && (v.p[0] == '-' || (v.p[0] >= '0' && v.p[0] <= '9'))) rc->weight = strtod(v.p, NULL);
  }
  const char *end = top.p;
  while (end < top.end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
  if (r < 0 || end != top.end || !have_id || !ld->id.len || !have_msgs) return false;
  rc->id = ld->id.data;
  return memo_canonical(ld, &ld->memo[0], seg, '{', &rc->segment) && memo_canonical(ld, &ld->memo[1], tools, '[', &rc->tools) &&
         memo_canonical(ld, &ld->memo[2], repo, '{', &rc->repo);
}

/* Reads a record the walk gave up on, from its parsed values: the reference the walk
 * matches, and the errors' wording. *rec is the parsed record (to free). */
static enum ds_status load_tree(struct rp_loader *ld, struct ds_str line, struct rp_record *rc, json_t **rec,
                                struct ds_err *err) {
  json_error_t je;
  unsigned long long ln = (unsigned long long)ld->ls.line;
  *rec = ds_json_parse_fast(line.p, line.len, 0, true, &ld->scratch);
  if (!*rec) *rec = json_loadb(line.p, line.len, JSON_REJECT_DUPLICATES, &je); /* and its error */
  if (!*rec) return ds_fail(err, DS_E_PARSE, "%s:%llu: invalid JSON: %s", ld->path, ln, je.text);
  const char *id = ds_json_str(*rec, "id", NULL);
  const json_t *msgs = json_object_get(*rec, "messages");
  if (!json_is_object(*rec) || !id || !*id) return ds_fail(err, DS_E_INVALID, "%s:%llu: record has no string \"id\"", ld->path, ln);
  if (!json_is_array(msgs))
    return ds_fail(err, DS_E_INVALID, "%s:%llu: record '%s' has no \"messages\" array", ld->path, ln, id);
  size_t n = json_array_size(msgs);
  if (!reserve_messages(ld, n)) return ds_fail(err, DS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const json_t *m = json_array_get(msgs, i), *role = json_object_get(m, "role");
    if (!json_is_object(m))
      return ds_fail(err, DS_E_INVALID, "%s:%llu: record '%s' message %zu is not an object", ld->path, ln, id, i);
    ld->roles[i] = json_is_string(role) ? role_of(json_string_value(role), json_string_length(role)) : ROLE_OTHER;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)m, k, v) if (!sent_member(k, strlen(k))) ld->roles[i] |= ROLE_EXTRA;
    if (json_is_true(json_object_get(m, "context"))) ld->roles[i] |= ROLE_CONTEXT;
  }
  const json_t *seg = json_object_get(*rec, "segment"), *w = json_object_get(*rec, "weight");
  const json_t *tools = json_object_get(*rec, "tools"), *repo = json_object_get(*rec, "repo");
  memset(rc, 0, sizeof *rc);
  rc->id = id;
  rc->msgs = msgs;
  rc->n_msgs = n;
  rc->weight = json_is_number(w) ? json_number_value(w) : 1.0;
  rc->time = ds_json_str(*rec, "time", NULL);
  for (int i = 0; i < 3; i++) {
    ds_free(ld->owned[i]);
    ld->owned[i] = NULL;
  }
  if ((json_is_object(seg) && !(rc->segment = ld->owned[0] = ds_json_canonical(seg))) ||
      (json_is_array(tools) && !(rc->tools = ld->owned[1] = ds_json_canonical(tools))) ||
      (json_is_object(repo) && !(rc->repo = ld->owned[2] = ds_json_canonical(repo))))
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  return DS_OK;
}

static enum ds_status load_record(struct rp_loader *ld, struct ds_str line, struct ds_err *err) {
  enum ds_status st = DS_OK;
  const struct ds_replay_params *p = ld->p;
  struct rp_record rc;
  json_t *rec = NULL;
  if (!load_walk(ld, line, &rc) && (st = load_tree(ld, line, &rc, &rec, err))) goto out;
  ld->ls.records++;
  if (p->shard_count > 1 && ds_hash64(rc.id, strlen(rc.id)) % p->shard_count != p->shard_index) {
    ld->ls.other_shard++;
    goto out;
  }
  size_t n = rc.n_msgs, n_cuts = 0;
  /* the cut points this record has, and the ones the run takes */
  size_t *cuts = ld->cut_buf;
  size_t nc = 0;
  if (p->cut == DS_REPLAY_CUT_NEXT) {
    unsigned char last = n ? ld->roles[n - 1] & ROLE_MASK : ROLE_OTHER;
    if (last == ROLE_USER || last == ROLE_TOOL) cuts[nc++] = n;
  } else {
    for (size_t i = 0; i < n; i++)
      if (is_cut(ld->roles, i)) cuts[nc++] = i;
  }
  size_t from = 0, to = nc;
  switch (p->cut) {
  case DS_REPLAY_CUT_LAST: from = nc ? nc - 1 : 0; break;
  case DS_REPLAY_CUT_FIRST: to = nc ? 1 : 0; break;
  case DS_REPLAY_CUT_NTH:
    from = p->cut_n - 1 < nc ? p->cut_n - 1 : nc;
    to = from < nc ? from + 1 : nc;
    break;
  case DS_REPLAY_CUT_RANDOM:
    if (p->cut_n < nc) {
      /* a seeded partial shuffle picks cut_n of them, kept in conversation order */
      uint64_t x = ds_mix64(p->seed ^ ds_hash64(rc.id, strlen(rc.id)) ^ 0x6375747300000000ULL);
      for (size_t i = 0; i < p->cut_n; i++) {
        x = ds_mix64(x);
        size_t j = i + (size_t)(x % (nc - i));
        size_t t = cuts[i];
        cuts[i] = cuts[j];
        cuts[j] = t;
      }
      to = p->cut_n;
      for (size_t i = 1; i < to; i++)
        for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
          size_t t = cuts[j];
          cuts[j] = cuts[j - 1];
          cuts[j - 1] = t;
        }
    }
    break;
  default: break;
  }
  if (from < to && (st = insert_conversation(ld, &rc, cuts[to - 1], err))) goto out;
  for (size_t i = from; i < to; i++) {
    if ((st = insert_prefix(ld, &rc, cuts[i], err))) goto out;
    n_cuts++;
  }
  if (!n_cuts) ld->ls.no_cut++;
out:
  json_decref(rec);
  return st;
}

void rp_loader_close(struct rp_loader *ld) {
  if (!ld) return;
  ds_buf_release(&ld->scratch);
  ds_buf_release(&ld->prefix);
  ds_buf_release(&ld->original);
  ds_buf_release(&ld->conv);
  ds_buf_release(&ld->id);
  ds_buf_release(&ld->time);
  rp_prefix_list_free(ld->step_head);
  ds_free(ld->roles);
  ds_free(ld->spans);
  ds_free(ld->cut_buf);
  ds_free(ld->conv_end);
  for (int i = 0; i < 3; i++) {
    ds_buf_release(&ld->memo[i].raw);
    ds_free(ld->memo[i].canon);
    ds_free(ld->owned[i]);
  }
  sqlite3_finalize(ld->q);
  sqlite3_finalize(ld->q_conv);
  ds_lines_free(ld->lines);
  ds_free(ld);
}

/* A loader on store's connection, positioned after the last committed step; complete
 * already when an earlier session loaded everything. */
enum ds_status rp_loader_open(const struct ds_replay_params *p, struct ds_store *store, const char *path,
                              struct rp_loader **out, struct ds_err *err) {
  struct rp_loader *ld = ds_calloc(1, sizeof *ld);
  if (!ld) return ds_fail(err, DS_E_NOMEM, "out of memory");
  ld->p = p;
  ld->store = store;
  ld->db = store ? ds_store_db(store) : NULL;
  ld->path = path;
  ds_buf_init(&ld->scratch, 0);
  ds_buf_init(&ld->prefix, 0);
  ds_buf_init(&ld->original, 0);
  ds_buf_init(&ld->conv, 0);
  ds_buf_init(&ld->id, 0);
  ds_buf_init(&ld->time, 0);
  for (int i = 0; i < 3; i++) ds_buf_init(&ld->memo[i].raw, 0);
  enum ds_status st = DS_OK;
  if (!store) { /* ds_replay_prefixes: from the first line, nothing stored */
    if ((st = ds_lines_open(path, MAX_LINE, &ld->lines, err))) {
      rp_loader_close(ld);
      return st;
    }
    *out = ld;
    return DS_OK;
  }
  char *state = NULL;
  ds_store_meta_get(store, "corpus_load", &state, NULL);
  ld->complete = state && strstr(state, "\"complete\":true");
  load_state_parse(state, &ld->ls);
  ds_free(state);
  ld->start_cuts = ld->ls.cuts;
  if (!ld->complete &&
      ((st = ds_store_exec(store, "PRAGMA ignore_check_constraints=ON;", err)) || /* see rp_prepare_sink */
       (st = ds_lines_open(path, MAX_LINE, &ld->lines, err)) ||
       (st = rp_prep(ld->db,
                  "INSERT INTO prefixes(conv_id,cut_index,segment,weight,time,messages,tools,original,repo,"
                  "conversation,messages_end,draw,digest) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"
                  " ON CONFLICT(conv_id,cut_index) DO NOTHING",
                  &ld->q, err)) ||
       (st = rp_prep(ld->db, "INSERT INTO conversations(conv_id,messages) VALUES(?,?) ON CONFLICT(conv_id) DO NOTHING",
                  &ld->q_conv, err)))) {
    rp_loader_close(ld);
    return st;
  }
  /* skip what earlier sessions committed */
  for (uint64_t skip = ld->ls.line; !ld->complete && skip > 0; skip--) {
    struct ds_str line;
    bool too_long = false;
    st = ds_lines_next(ld->lines, &line, &too_long, err);
    if (st == DS_E_NOTFOUND) break;
    if (st) {
      rp_loader_close(ld);
      return st;
    }
  }
  *out = ld;
  return DS_OK;
}

/* Loads up to max_lines more lines in one transaction (fewer once the prefixes to hand over
 * pass LOAD_STEP_BYTES); sets ld->complete at the end. */
enum ds_status rp_loader_step(struct rp_loader *ld, unsigned max_lines, struct ds_err *err) {
  if (ld->complete) return DS_OK;
  char cutname[32];
  enum ds_status st = ld->store ? ds_store_begin(ld->store, err) : DS_OK;
  if (st) return st;
  for (unsigned n = 0; n < max_lines;) {
    struct ds_str line;
    bool too_long = false;
    st = ds_lines_next(ld->lines, &line, &too_long, err);
    if (st == DS_E_NOTFOUND) {
      st = DS_OK;
      ld->complete = true;
      break;
    }
    if (st) goto out;
    ld->ls.line = ds_lines_lineno(ld->lines);
    if (too_long) {
      st = ds_fail(err, DS_E_LIMIT, "%s:%llu: line longer than %u bytes", ld->path, (unsigned long long)ld->ls.line,
                   MAX_LINE);
      goto out;
    }
    size_t k = 0;
    while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t')) k++;
    if (k == line.len) continue; /* blank line */
    if ((st = load_record(ld, line, err))) goto out;
    n++;
    if (ld->step_bytes >= LOAD_STEP_BYTES) break;
  }
  if (ld->store && ((st = load_state_save(ld, ld->complete, err)) || (st = ds_store_commit(ld->store, err)))) goto out;
  if (!st && ld->complete && ld->ls.records == 0)
    st = ds_fail(err, DS_E_INVALID, "%s: the corpus is empty: nothing to replay", ld->path);
  else if (!st && ld->complete && ld->ls.cuts == 0 && ld->ls.other_shard == 0 && ld->ls.duplicates == 0)
    st = ds_fail(err, DS_E_INVALID,
                 "%s: no prefix to replay: none of its %llu records has a cut point for --cut %s%s", ld->path,
                 (unsigned long long)ld->ls.records, ds_replay_cut_format(ld->p->cut, ld->p->cut_n, cutname, sizeof cutname),
                 ld->p->cut == DS_REPLAY_CUT_NEXT ? " (a record whose last message is a user or tool turn)"
                                                  : " (an assistant turn after a user or tool turn; --cut next replays "
                                                    "prompts that have no answer yet)");
  if (!st && ld->complete)
    ds_logf(&ld->p->log, DS_LOG_INFO, "corpus: %llu records, %llu prefixes, %llu without a cut point, %llu in other shards, %llu duplicates",
            (unsigned long long)ld->ls.records, (unsigned long long)ld->ls.cuts, (unsigned long long)ld->ls.no_cut,
            (unsigned long long)ld->ls.other_shard, (unsigned long long)ld->ls.duplicates);
out:
  if (st) {
    if (ld->store) ds_store_rollback(ld->store);
    ld->complete = false;
    rp_prefix_list_free(ld->step_head); /* never committed: nothing to hand over */
    ld->step_head = ld->step_tail = NULL;
    ld->step_n = ld->step_bytes = 0;
  }
  return st;
}

/* The whole corpus on the calling thread (before sampling). */
enum ds_status rp_load_corpus(struct replay *r, const char *path, struct ds_err *err) {
  struct rp_loader *ld = NULL;
  enum ds_status st = rp_loader_open(r->p, r->store, path, &ld, err);
  if (st) return st;
  r->pr.phase = "loading";
  while (!st && !ld->complete) {
    if ((st = rp_loader_step(ld, LOAD_BATCH, err))) break;
    r->pr.corpus_lines = ld->ls.line;
    rp_report(r, false);
    if (!ld->complete && ds_log_cancelled(&r->p->log)) st = ds_fail(err, DS_E_CANCELLED, "cancelled while loading the corpus");
  }
  rp_loader_close(ld);
  return st;
}

