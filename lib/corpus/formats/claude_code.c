/* claude_code.c: Claude Code session transcripts (~/.claude/projects/<munged-cwd>/<session>.jsonl,
 * subagents in <session>/subagents/agent-<id>.jsonl or agent-<id>.jsonl beside it; CLI 1.0 to
 * 2.1): the lines' parentUuid tree read down its active branch (the newest leaf), one streamed
 * response's lines (one content block each, sharing message.id) joined into one assistant
 * turn, compactions split into context windows, sidechains as their own trajectories. */
#include <stdlib.h>
#include <string.h>

#include "anthropic.h"

enum nkind { N_USER, N_ASSISTANT, N_OTHER };
enum fate { F_PENDING, F_USED, F_DUP, F_SYNTHETIC };

struct node {
  json_t *v;            /* user/assistant: the line without toolUseResult; other: {uuid, parentUuid, ...} */
  const char *uuid, *parent, *logical; /* borrowed from v */
  char *type;           /* the line's type ("system:compact_boundary"), for skips */
  char *agent_result;   /* toolUseResult.agentId of a tool result line (its subagent) */
  int64_t ms;           /* timestamp in milliseconds, INT64_MIN when none */
  uint64_t line;
  enum nkind kind;
  enum fate fate;
  bool sidechain, synthetic, context, on_path, has_desc;
  int pidx, lidx, group, att_next;
};

struct side {           /* a sidechain (subagent) tree of the file */
  int root;
  const char *prompt;   /* its first user text, to find the Task call that started it */
  char *id, *tool_id;
};

struct state {
  struct node *n;
  size_t n_nodes, cap;
  json_t *map;          /* uuid -> node index */
  char **leaves;        /* summary lines' leafUuid */
  size_t n_leaves;
  char *file;
  struct side *sides;
  size_t n_sides;
  json_t *links;        /* Task tool_use id -> the id of the subagent record it started */
  char *sid;            /* the session id */
};

static bool is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

/* ---- detection ------------------------------------------------------------------------ */

static bool cc_line(const json_t *v) {
  const char *t = ds_json_str(v, "type", NULL);
  if (!t) return false;
  bool session = json_is_string(json_object_get(v, "sessionId"));
  /* a line of the tree: uuid, parentUuid (null at a root) and the session */
  if (session && json_is_string(json_object_get(v, "uuid")) && json_object_get(v, "parentUuid")) return true;
  static const char *const bookkeeping[] = {"queue-operation", "custom-title", "ai-title", "agent-name",
                                            "last-prompt", "mode", "pr-link", NULL};
  for (const char *const *b = bookkeeping; session && *b; b++)
    if (is(t, *b)) return true;
  return (is(t, "summary") && json_is_string(json_object_get(v, "leafUuid"))) ||
         (is(t, "file-history-snapshot") && json_object_get(v, "snapshot"));
}

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  for (size_t i = 0; i < p->n_items; i++)
    if (json_is_object(p->items[i]) && cc_line(p->items[i])) return 90;
  snprintf(why, n, "no line with uuid, parentUuid and sessionId");
  return 0;
}

/* ---- reading lines -------------------------------------------------------------------- */

/* Milliseconds of an RFC 3339 time ("2025-09-03T00:47:19.293Z"), INT64_MIN when unreadable. */
static int64_t time_ms(const char *t) {
  int64_t sec;
  if (!t || ds_parse_time(t, &sec)) return INT64_MIN;
  const char *dot = strchr(t, '.');
  int64_t ms = 0;
  if (dot && strchr(t, 'T') && dot > strchr(t, 'T')) {
    int k = 0;
    for (const char *q = dot + 1; k < 3; k++) ms = ms * 10 + ((*q >= '0' && *q <= '9') ? *q++ - '0' : 0);
  }
  return sec * 1000 + ms;
}

static enum ds_status begin(void **state, const struct fmt_probe *p, struct ds_err *err) {
  (void)p;
  struct state *s = ds_calloc(1, sizeof *s);
  if (!s || !(s->map = json_object()) || !(s->links = json_object())) {
    if (s) json_decref(s->map);
    ds_free(s);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  *state = s;
  return DS_OK;
}

static void end(void *state) {
  struct state *s = state;
  if (!s) return;
  for (size_t i = 0; i < s->n_nodes; i++) {
    json_decref(s->n[i].v);
    ds_free(s->n[i].type);
    ds_free(s->n[i].agent_result);
  }
  ds_free(s->n);
  for (size_t i = 0; i < s->n_leaves; i++) ds_free(s->leaves[i]);
  ds_free(s->leaves);
  for (size_t i = 0; i < s->n_sides; i++) {
    ds_free(s->sides[i].id);
    ds_free(s->sides[i].tool_id);
  }
  ds_free(s->sides);
  json_decref(s->map);
  json_decref(s->links);
  ds_free(s->file);
  ds_free(s->sid);
  ds_free(s);
}

/* "system:SUBTYPE" for system lines, else the type. */
static char *type_name(const json_t *v, const char *type) {
  const char *sub = ds_json_str(v, "subtype", NULL);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (ds_buf_adds(&b, type) || (sub && (ds_buf_addc(&b, ':') || ds_buf_adds(&b, sub)))) {
    ds_buf_release(&b);
    return NULL;
  }
  return ds_buf_detach(&b, NULL);
}

/* What a node keeps of its line: a user/assistant line without the tool's structured result
 * (the tool_result block is what the model saw); of other lines only the tree links. */
static json_t *keep_of(const json_t *v, enum nkind kind) {
  json_t *k = json_object();
  if (!k) return NULL;
  const char *key;
  json_t *x;
  static const char *const links[] = {"uuid", "parentUuid", "logicalParentUuid", "timestamp", NULL};
  if (kind == N_OTHER) {
    for (const char *const *l = links; *l; l++)
      if ((x = json_object_get(v, *l)) && json_object_set(k, *l, x)) goto fail;
    return k;
  }
  json_object_foreach((json_t *)v, key, x) {
    if (strcmp(key, "toolUseResult") != 0 && json_object_set(k, key, x)) goto fail;
  }
  return k;
fail:
  json_decref(k);
  return NULL;
}

static enum ds_status fail_line(struct fmt_out *o, const struct fmt_item *it, const char *reason, const char *msg) {
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  corpus_bad(&b, reason, "%s", msg);
  return fmt_fail_item(o, it, &b);
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  const json_t *v = it->v;
  if (!s->file && !(s->file = ds_strdup(it->file))) return DS_E_NOMEM;
  if (!json_is_object(v)) return fail_line(o, it, "not_object", "line is not a JSON object");
  const char *type = ds_json_str(v, "type", NULL);
  if (!type) return fail_line(o, it, "missing_field", "line has no string \"type\"");
  if (is(type, "summary")) { /* its fate (this session's or another's) is known at the end */
    const char *leaf = ds_json_str(v, "leafUuid", "");
    char **nl = ds_realloc(s->leaves, (s->n_leaves + 1) * sizeof *nl);
    if (!nl) return DS_E_NOMEM;
    s->leaves = nl;
    if (!(s->leaves[s->n_leaves] = ds_strdup(leaf))) return DS_E_NOMEM;
    s->n_leaves++;
    return DS_OK;
  }
  enum nkind kind = is(type, "user") ? N_USER : is(type, "assistant") ? N_ASSISTANT : N_OTHER;
  const char *uuid = ds_json_str(v, "uuid", NULL);
  bool empty = false;
  if (kind != N_OTHER) {
    const json_t *m = json_object_get(v, "message");
    if (!json_is_object(m)) return fail_line(o, it, "missing_field", "user/assistant line has no \"message\" object");
    const json_t *c = json_object_get(m, "content");
    struct ds_bad_record b;
    memset(&b, 0, sizeof b);
    empty = !c || json_is_null(c) || (json_is_array(c) && json_array_size(c) == 0);
    if (!empty && ab_check_content(c, &b)) return fmt_fail_item(o, it, &b);
    if (!uuid || !*uuid) return fail_line(o, it, "missing_field", "user/assistant line has no \"uuid\"");
  }
  char *tn = type_name(v, empty ? (kind == N_USER ? "user:empty" : "assistant:empty") : type);
  if (!tn) return DS_E_NOMEM;
  if (empty) kind = N_OTHER; /* nothing to say: kept in the tree only, skipped by type */
  if (!uuid || !*uuid) { /* bookkeeping outside the tree: file-history-snapshot, queue-operation, ... */
    fmt_skip(o, tn, 1);
    ds_free(tn);
    return DS_OK;
  }
  if (json_object_get(s->map, uuid)) { /* the same line written again (a resumed session) */
    fmt_duplicate(o, tn, 1);
    ds_free(tn);
    return DS_OK;
  }
  if (s->n_nodes == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct node *nn = ds_realloc(s->n, cap * sizeof *nn);
    if (!nn) {
      ds_free(tn);
      return DS_E_NOMEM;
    }
    s->n = nn;
    s->cap = cap;
  }
  struct node *n = &s->n[s->n_nodes];
  memset(n, 0, sizeof *n);
  n->type = tn;
  n->kind = kind;
  n->line = it->line;
  n->pidx = n->lidx = n->att_next = -1;
  s->n_nodes++; /* from here end() frees what it holds */
  if (!(n->v = keep_of(v, kind))) return DS_E_NOMEM;
  n->uuid = ds_json_str(n->v, "uuid", NULL);
  n->parent = ds_json_str(n->v, "parentUuid", NULL);
  n->logical = ds_json_str(n->v, "logicalParentUuid", NULL);
  n->ms = time_ms(ds_json_str(v, "timestamp", NULL));
  n->sidechain = json_is_true(json_object_get(v, "isSidechain"));
  n->context = json_is_true(json_object_get(v, "isMeta")) || json_is_true(json_object_get(v, "isCompactSummary"));
  n->synthetic = kind == N_ASSISTANT && is(ds_json_str(json_object_get(v, "message"), "model", ""), "<synthetic>");
  const json_t *tur = json_object_get(v, "toolUseResult");
  const char *aid = json_is_object(tur) ? ds_json_str(tur, "agentId", NULL) : NULL;
  if (aid && *aid && !(n->agent_result = ds_strdup(aid))) return DS_E_NOMEM;
  return json_object_set_new(s->map, uuid, json_integer((json_int_t)(s->n_nodes - 1))) ? DS_E_NOMEM : DS_OK;
}

/* ---- the tree ------------------------------------------------------------------------- */

static int index_of(const struct state *s, const char *uuid) {
  const json_t *x = uuid ? json_object_get(s->map, uuid) : NULL;
  return x ? (int)json_integer_value(x) : -1;
}

/* The node before i in the conversation: its parent, or across a compaction the last node
 * before it (logicalParentUuid of a compact_boundary). */
static int up(const struct state *s, int i, bool *crossed) {
  if (crossed) *crossed = false;
  if (s->n[i].pidx >= 0) return s->n[i].pidx;
  if (s->n[i].lidx >= 0 && crossed) *crossed = true;
  return s->n[i].lidx;
}

/* Groups: 0 the main conversation; k > 0 the sidechain tree rooted at sides[k-1]. */
static enum ds_status group_nodes(struct state *s) {
  int n = (int)s->n_nodes;
  for (int i = 0; i < n; i++) {
    s->n[i].pidx = index_of(s, s->n[i].parent);
    s->n[i].lidx = index_of(s, s->n[i].logical);
    s->n[i].group = s->n[i].sidechain ? -1 : 0;
  }
  for (int i = 0; i < n; i++) {
    if (s->n[i].group >= 0) continue;
    /* the root of its sidechain tree: up while the parent is a sidechain line */
    int j = i, steps = 0;
    while (s->n[j].pidx >= 0 && s->n[s->n[j].pidx].sidechain && s->n[s->n[j].pidx].group < 0 && steps++ < n) j = s->n[j].pidx;
    int g = s->n[j].pidx >= 0 && s->n[s->n[j].pidx].sidechain ? s->n[s->n[j].pidx].group : -1;
    if (g < 0) { /* j is a new root */
      struct side *ns = ds_realloc(s->sides, (s->n_sides + 1) * sizeof *ns);
      if (!ns) return DS_E_NOMEM;
      s->sides = ns;
      memset(&s->sides[s->n_sides], 0, sizeof *ns);
      s->sides[s->n_sides].root = j;
      g = (int)++s->n_sides;
    }
    for (int k = i, st = 0; st++ <= n; k = s->n[k].pidx) {
      if (s->n[k].group >= 0) break;
      s->n[k].group = g;
      if (k == j) break;
    }
  }
  return DS_OK;
}

/* The text of a user line (a string content or its first text block), or NULL. */
static const char *user_text(const json_t *v) {
  const json_t *c = json_object_get(json_object_get(v, "message"), "content");
  if (json_is_string(c)) return json_string_value(c);
  size_t i;
  const json_t *b;
  json_array_foreach(c, i, b) if (is(ds_json_str(b, "type", ""), "text")) return ds_json_str(b, "text", NULL);
  return NULL;
}

/* True when a user line holds tool results and nothing else. */
static bool only_tool_results(const json_t *v) {
  const json_t *c = json_object_get(json_object_get(v, "message"), "content");
  size_t i;
  const json_t *b;
  if (!json_is_array(c) || json_array_size(c) == 0) return false;
  json_array_foreach(c, i, b) if (!is(ds_json_str(b, "type", ""), "tool_result")) return false;
  return true;
}

/* The active branch of group g: from the turn that has no later turn below it and is the
 * newest (by timestamp, then by line), up to the root, across compactions. Returns the
 * path (root first) in *out (n_out entries, owned) with cut[i] set where a context window
 * starts after a compaction; false when the group has no turn. */
static enum ds_status active_path(struct state *s, int g, int **out, bool **out_cut, size_t *n_out) {
  int n = (int)s->n_nodes, leaf = -1;
  *out = NULL;
  *out_cut = NULL;
  *n_out = 0;
  for (int i = 0; i < n; i++) {
    if (s->n[i].group != g || s->n[i].kind == N_OTHER) continue;
    bool crossed;
    for (int j = up(s, i, &crossed), st = 0; j >= 0 && s->n[j].group == g && !s->n[j].has_desc && st++ < n;
         j = up(s, j, &crossed))
      s->n[j].has_desc = true;
  }
  for (int i = 0; i < n; i++) {
    if (s->n[i].group != g || s->n[i].kind == N_OTHER || s->n[i].has_desc) continue;
    if (leaf < 0 || s->n[i].ms > s->n[leaf].ms || (s->n[i].ms == s->n[leaf].ms && s->n[i].line > s->n[leaf].line)) leaf = i;
  }
  if (leaf < 0) return DS_OK;
  int *path = ds_malloc((size_t)n * sizeof *path);
  bool *cut = ds_calloc((size_t)n, sizeof *cut);
  if (!path || !cut) {
    ds_free(path);
    ds_free(cut);
    return DS_E_NOMEM;
  }
  size_t k = 0;
  bool crossed = false;
  for (int j = leaf; j >= 0 && !s->n[j].on_path && s->n[j].group == g; j = up(s, j, &crossed)) {
    if (crossed && k) cut[k - 1] = true; /* the node after this one starts a window */
    s->n[j].on_path = true;
    path[k++] = j;
  }
  /* root first; cut[] moves with its node */
  for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
    int t = path[a];
    path[a] = path[b];
    path[b] = t;
    bool c = cut[a];
    cut[a] = cut[b];
    cut[b] = c;
  }
  *out = path;
  *out_cut = cut;
  *n_out = k;
  return DS_OK;
}

/* ---- records ------------------------------------------------------------------------- */

struct win {            /* one context window being assembled */
  json_t *msgs, *models;
  int first;            /* its first turn's node, or -1 */
  const json_t *version, *cwd, *branch; /* the last seen, borrowed from nodes */
  json_t *blocks;       /* the blocks of the assistant turn being joined, or NULL */
  size_t at;            /* its index in msgs (a placeholder until it is rendered) */
  const char *mid;      /* its message.id */
  int turn_node;        /* the node of its first line */
  bool open;            /* lines with the same message.id may still join it */
};

static void win_release(struct win *w) {
  json_decref(w->msgs);
  json_decref(w->models);
  json_decref(w->blocks);
  memset(w, 0, sizeof *w);
  w->first = w->turn_node = -1;
}

static enum ds_status win_init(struct win *w) {
  memset(w, 0, sizeof *w);
  w->first = w->turn_node = -1;
  w->msgs = json_array();
  w->models = json_object();
  return w->msgs && w->models ? DS_OK : DS_E_NOMEM;
}

static enum ds_status set_time(json_t *obj, const struct node *n) {
  struct ds_bad_record b;
  const json_t *t = n->kind == N_OTHER ? NULL : json_object_get(n->v, "timestamp");
  enum ds_status st = fmt_set_time(obj, t, &b);
  return st == DS_E_NOMEM ? st : DS_OK; /* an unreadable time is left out */
}

/* Renders the assistant turn being joined into its place. */
static enum ds_status flush_turn(struct state *s, struct win *w) {
  if (!w->blocks) return DS_OK;
  json_t *msg;
  struct ds_bad_record b;
  enum ds_status st = ab_assistant(w->blocks, &msg, &b);
  json_decref(w->blocks);
  w->blocks = NULL;
  if (st) return DS_E_NOMEM; /* the blocks were checked line by line: only memory can fail */
  if (json_array_set_new(w->msgs, w->at, msg)) return DS_E_NOMEM;
  return set_time(msg, &s->n[w->turn_node]);
}

/* True when block b is already in the turn (a line written twice). */
static bool has_block(const json_t *blocks, const json_t *b) {
  const char *id = is(ds_json_str(b, "type", ""), "tool_use") ? ds_json_str(b, "id", NULL) : NULL;
  size_t i;
  const json_t *x;
  json_array_foreach(blocks, i, x) {
    if (id ? is(ds_json_str(x, "id", NULL), id) : json_equal((json_t *)x, (json_t *)b)) return true;
  }
  return false;
}

/* A Task call whose prompt starts a sidechain of this file: the two are linked. */
static enum ds_status link_task(struct state *s, const json_t *b) {
  const char *prompt = ds_json_str(json_object_get(b, "input"), "prompt", NULL), *id = ds_json_str(b, "id", NULL);
  if (!prompt || !id || !is(ds_json_str(b, "type", ""), "tool_use")) return DS_OK;
  for (size_t k = 0; k < s->n_sides; k++) {
    struct side *sd = &s->sides[k];
    if (sd->tool_id || !sd->prompt || strcmp(sd->prompt, prompt) != 0) continue;
    if (!(sd->tool_id = ds_strdup(id)) || json_object_set_new(s->links, id, json_string(sd->id))) return DS_E_NOMEM;
    break;
  }
  return DS_OK;
}

static enum ds_status add_assistant(struct state *s, struct win *w, int i, bool main) {
  struct node *n = &s->n[i];
  const json_t *m = json_object_get(n->v, "message"), *c = json_object_get(m, "content");
  if (n->synthetic) { /* written by the CLI, not by a model ("No response requested.", API errors) */
    n->fate = F_SYNTHETIC;
    return DS_OK;
  }
  const char *mid = ds_json_str(m, "id", NULL), *model = ds_json_str(m, "model", NULL);
  json_t *lone = NULL;
  if (json_is_string(c)) { /* a plain string content: one text block */
    lone = json_pack("[{s:s,s:O}]", "type", "text", "text", (json_t *)c);
    if (!lone) return DS_E_NOMEM;
    c = lone;
  }
  enum ds_status st = DS_OK;
  size_t k;
  const json_t *b;
  if (w->blocks && w->open && mid && is(mid, w->mid)) {
    bool added = false;
    json_array_foreach(c, k, b) {
      if (has_block(w->blocks, b)) continue;
      if (json_array_append(w->blocks, (json_t *)b)) st = DS_E_NOMEM;
      added = true;
    }
    n->fate = added || json_array_size(c) == 0 ? F_USED : F_DUP;
  } else {
    if ((st = flush_turn(s, w))) goto out;
    if (!(w->blocks = json_array()) || json_array_append_new(w->msgs, json_null())) {
      st = DS_E_NOMEM;
      goto out;
    }
    w->at = json_array_size(w->msgs) - 1;
    w->mid = mid;
    w->turn_node = i;
    w->open = true;
    json_array_foreach(c, k, b) if (json_array_append(w->blocks, (json_t *)b)) st = DS_E_NOMEM;
    n->fate = F_USED;
  }
  json_array_foreach(c, k, b) if (!st && main) st = link_task(s, b);
  if (!st && model && n->fate == F_USED) {
    const json_t *cnt = json_object_get(w->models, model);
    if (json_object_set_new(w->models, model, json_integer(cnt ? json_integer_value(cnt) + 1 : 1))) st = DS_E_NOMEM;
  }
out:
  json_decref(lone);
  return st;
}

static enum ds_status add_user(struct state *s, struct win *w, int i) {
  struct node *n = &s->n[i];
  size_t n0 = json_array_size(w->msgs);
  struct ds_bad_record b;
  if (ab_user(json_object_get(json_object_get(n->v, "message"), "content"), w->msgs, &b)) return DS_E_NOMEM;
  n->fate = F_USED;
  for (size_t j = n0; j < json_array_size(w->msgs); j++) {
    json_t *m = json_array_get(w->msgs, j);
    if (set_time(m, n)) return DS_E_NOMEM;
    if (is(ds_json_str(m, "role", ""), "user")) {
      w->open = false; /* a user turn ends the assistant turn before it */
      if (n->context && json_object_set_new(m, "context", json_true())) return DS_E_NOMEM;
      continue;
    }
    /* a tool result: the subagent it ran, when it ran one */
    const json_t *sub = json_object_get(s->links, ds_json_str(m, "tool_call_id", ""));
    if (n->agent_result) {
      struct ds_buf id;
      ds_buf_init(&id, 0);
      if (ds_buf_addf(&id, "%s/agent-%s", s->sid, n->agent_result) ||
          json_object_set_new(m, "subagent_id", json_string(id.data))) {
        ds_buf_release(&id);
        return DS_E_NOMEM;
      }
      ds_buf_release(&id);
    } else if (sub && json_object_set(m, "subagent_id", (json_t *)sub)) {
      return DS_E_NOMEM;
    }
  }
  return DS_OK;
}

static enum ds_status add_node(struct state *s, struct win *w, int i, bool main) {
  struct node *n = &s->n[i];
  if (n->kind == N_OTHER) return DS_OK; /* system lines, progress: skipped by type at the end */
  const json_t *x;
  if ((x = json_object_get(n->v, "version")) && json_is_string(x)) w->version = x;
  if ((x = json_object_get(n->v, "cwd")) && json_is_string(x)) w->cwd = x;
  if ((x = json_object_get(n->v, "gitBranch")) && json_is_string(x)) w->branch = x;
  if (w->first < 0) w->first = i;
  return n->kind == N_USER ? add_user(s, w, i) : add_assistant(s, w, i, main);
}

/* The record of a finished window (a new reference in *out, or NULL when it is empty). */
static enum ds_status window_record(struct state *s, int g, struct win *w, json_t **out) {
  *out = NULL;
  enum ds_status st = flush_turn(s, w);
  if (st || json_array_size(w->msgs) == 0) return st;
  json_t *rec = json_object();
  if (!rec || json_object_set(rec, "messages", w->msgs) || set_time(rec, &s->n[w->first])) goto nomem;
  const char *model = NULL, *k;
  json_int_t best = 0;
  json_t *cnt;
  json_object_foreach(w->models, k, cnt) {
    if (json_integer_value(cnt) >= best) {
      best = json_integer_value(cnt);
      model = k;
    }
  }
  if (fmt_segment(rec, "agent", json_string("claude-code")) ||
      (w->version && fmt_segment(rec, "agent_version", json_incref((json_t *)w->version))) ||
      (model && fmt_segment(rec, "model", json_string(model))) || (g > 0 && fmt_segment(rec, "sidechain", json_true())) ||
      (w->cwd && (fmt_repo(rec, "cwd", json_incref((json_t *)w->cwd)) || fmt_repo(rec, "path_or_url", json_incref((json_t *)w->cwd)))) ||
      (w->branch && fmt_repo(rec, "branch", json_incref((json_t *)w->branch))))
    goto nomem;
  *out = rec;
  return DS_OK;
nomem:
  json_decref(rec);
  return DS_E_NOMEM;
}

/* Emits the records of group g's windows: the last one is the session (or subagent) itself,
 * the ones before a compaction "<id>/window-<k>". */
static enum ds_status emit_windows(struct state *s, int g, json_t *recs, json_t *lines, struct fmt_out *o) {
  const char *base = g == 0 ? s->sid : s->sides[g - 1].id;
  size_t nw = json_array_size(recs);
  struct ds_buf id;
  ds_buf_init(&id, 0);
  enum ds_status st = DS_OK;
  for (size_t k = 0; k < nw && !st; k++) {
    json_t *rec = json_array_get(recs, k);
    bool last = k + 1 == nw;
    const char *parent = !last ? base : g > 0 ? s->sid : NULL;
    ds_buf_reset(&id);
    if ((last ? ds_buf_adds(&id, base) : ds_buf_addf(&id, "%s/window-%zu", base, k + 1)) ||
        json_object_set_new(rec, "id", json_string(id.data)) ||
        (parent && json_object_set_new(rec, "parent_id", json_string(parent))) ||
        (nw > 1 && json_object_set_new(rec, "window", json_integer((json_int_t)k + 1))) ||
        (last && g > 0 && s->sides[g - 1].tool_id &&
         json_object_set_new(rec, "parent_tool_call_id", json_string(s->sides[g - 1].tool_id)))) {
      st = DS_E_NOMEM;
      break;
    }
    st = fmt_emit(o, json_incref(rec), s->file, (uint64_t)json_integer_value(json_array_get(lines, k)));
  }
  ds_buf_release(&id);
  return st;
}

static enum ds_status build_group(struct state *s, int g, struct fmt_out *o) {
  int *path, *att_tail = NULL;
  bool *cut;
  size_t np;
  enum ds_status st = active_path(s, g, &path, &cut, &np);
  if (st || np == 0) return st;
  /* tool results off the branch that answer a call on it (parallel calls in 2.1 each hang
   * their result under their own line) are joined to it */
  int n = (int)s->n_nodes;
  int *att_head = ds_malloc((size_t)n * sizeof *att_head);
  att_tail = ds_malloc((size_t)n * sizeof *att_tail);
  json_t *recs = json_array(), *lines = json_array();
  struct win w;
  bool w_ok = win_init(&w) == DS_OK;
  if (!att_head || !att_tail || !recs || !lines || !w_ok) {
    st = DS_E_NOMEM;
    goto out;
  }
  for (int i = 0; i < n; i++) att_head[i] = att_tail[i] = -1;
  for (int i = 0; i < n; i++) {
    struct node *x = &s->n[i];
    if (x->group != g || x->kind != N_USER || x->on_path || x->pidx < 0 || !s->n[x->pidx].on_path ||
        !only_tool_results(x->v))
      continue;
    if (att_tail[x->pidx] >= 0) s->n[att_tail[x->pidx]].att_next = i;
    else att_head[x->pidx] = i;
    att_tail[x->pidx] = i;
  }
  for (size_t k = 0; k < np && !st; k++) {
    if (cut[k] && w.first >= 0) { /* a compaction: the window before it is a record of its own */
      json_t *rec;
      uint64_t line = s->n[w.first].line;
      if ((st = window_record(s, g, &w, &rec))) break;
      if (rec && (json_array_append_new(recs, rec) || json_array_append_new(lines, json_integer((json_int_t)line)))) {
        st = DS_E_NOMEM;
        break;
      }
      win_release(&w);
      if ((st = win_init(&w))) break;
    }
    st = add_node(s, &w, path[k], g == 0);
    for (int a = att_head[path[k]]; a >= 0 && !st; a = s->n[a].att_next) st = add_node(s, &w, a, g == 0);
  }
  if (!st && w.first >= 0) {
    json_t *rec;
    uint64_t line = s->n[w.first].line;
    if (!(st = window_record(s, g, &w, &rec)) && rec &&
        (json_array_append_new(recs, rec) || json_array_append_new(lines, json_integer((json_int_t)line))))
      st = DS_E_NOMEM;
  }
  if (!st) st = emit_windows(s, g, recs, lines, o);
out:
  win_release(&w);
  json_decref(recs);
  json_decref(lines);
  ds_free(att_head);
  ds_free(att_tail);
  ds_free(path);
  ds_free(cut);
  return st;
}

static enum ds_status finish(void *state, struct fmt_out *o, struct ds_err *err) {
  (void)err;
  struct state *s = state;
  enum ds_status st = group_nodes(s);
  if (st) return st;
  /* the session id: the lines' sessionId, else the file's name */
  for (size_t i = 0; i < s->n_nodes && !s->sid; i++) {
    const char *sid = s->n[i].kind != N_OTHER ? ds_json_str(s->n[i].v, "sessionId", NULL) : NULL;
    if (sid && *sid && !(s->sid = ds_strdup(sid))) return DS_E_NOMEM;
  }
  if (!s->sid && s->file) {
    const char *b = strrchr(s->file, '/');
    b = b ? b + 1 : s->file;
    size_t len = strcspn(b, ".");
    if (!(s->sid = ds_strndup(b, len ? len : strlen(b)))) return DS_E_NOMEM;
  }
  if (!s->sid && !(s->sid = ds_strdup("session"))) return DS_E_NOMEM;
  for (size_t k = 0; k < s->n_sides; k++) {
    struct side *sd = &s->sides[k];
    const struct node *r = &s->n[sd->root];
    const char *agent = r->kind != N_OTHER ? ds_json_str(r->v, "agentId", NULL) : NULL;
    sd->prompt = r->kind == N_USER ? user_text(r->v) : NULL;
    /* a subagent file without agentId on its lines: its name says which agent it is */
    const char *base = s->file ? strrchr(s->file, '/') : NULL;
    base = base ? base + 1 : s->file;
    size_t blen = base ? strlen(base) : 0;
    bool agent_file = s->n_sides == 1 && blen > 12 && strncmp(base, "agent-", 6) == 0 && strcmp(base + blen - 6, ".jsonl") == 0;
    struct ds_buf b;
    ds_buf_init(&b, 0);
    if ((agent && *agent ? ds_buf_addf(&b, "%s/agent-%s", s->sid, agent)
         : agent_file    ? ds_buf_addf(&b, "%s/%.*s", s->sid, (int)(blen - 6), base)
                         : ds_buf_addf(&b, "%s/sidechain-%s", s->sid, r->uuid)) ||
        !(sd->id = ds_buf_detach(&b, NULL))) {
      ds_buf_release(&b);
      return DS_E_NOMEM;
    }
  }
  for (size_t g = 0; g <= s->n_sides; g++)
    if ((st = build_group(s, (int)g, o))) return st;
  /* the fate of every line not used in a record */
  for (size_t i = 0; i < s->n_nodes; i++) {
    struct node *n = &s->n[i];
    if (n->kind == N_OTHER) fmt_skip(o, n->type, 1);
    else if (n->fate == F_DUP) fmt_duplicate(o, n->type, 1);
    else if (n->fate == F_SYNTHETIC) fmt_skip(o, "assistant:synthetic", 1);
    else if (n->fate != F_USED) fmt_skip(o, "off-branch", 1);
  }
  for (size_t i = 0; i < s->n_leaves; i++)
    fmt_skip(o, index_of(s, s->leaves[i]) >= 0 ? "summary" : "summary:other-session", 1);
  return DS_OK;
}

const struct corpus_format corpus_format_claude_code = {
    .name = "claude-code",
    .summary = "Claude Code sessions (~/.claude/projects/*/<session>.jsonl, subagents/agent-*.jsonl)",
    .tested = "Claude Code CLI 1.0.98 to 2.1.34",
    .flags = FMT_SESSION,
    .detect = detect,
    .begin = begin,
    .item = item,
    .finish = finish,
    .end = end,
};
