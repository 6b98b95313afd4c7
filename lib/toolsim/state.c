/* state.c: what a call does to the repository and what it depends on (ts_classify, from the
 * dialect's table), and the state a conversation carries: a digest chained over its
 * state-changing calls, the paths they changed, the shell's directory. The tool-call database
 * records each call's state with it, and an episode keeps its own, so that a recording answers
 * only a call made on the same state (tooldb.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "toolsim/dialect.h"

/* ---- path sets ---- */

void ts_paths_add(struct ts_paths *p, const char *path) {
  if (!path) return;
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->v[i], path) == 0) return;
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 4;
    char **v = ds_realloc(p->v, cap * sizeof *v);
    if (!v) {
      p->all = true; /* out of memory: assume the worst */
      return;
    }
    p->v = v;
    p->cap = cap;
  }
  p->v[p->n] = ds_strdup(path);
  if (p->v[p->n]) p->n++;
  else p->all = true;
}

void ts_paths_release(struct ts_paths *p) {
  for (size_t i = 0; i < p->n; i++) ds_free(p->v[i]);
  ds_free(p->v);
  memset(p, 0, sizeof *p);
}

bool ts_paths_empty(const struct ts_paths *p) { return !p->all && p->n == 0; }

/* a is b, or one lies under the other ("" is the root, under which everything lies) */
static bool overlap(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (!la || !lb) return true;
  if (la == lb) return strcmp(a, b) == 0;
  const char *s = la < lb ? a : b, *l = la < lb ? b : a;
  size_t n = la < lb ? la : lb;
  return strncmp(s, l, n) == 0 && (l[n] == '/' || s[n - 1] == '/');
}

bool ts_paths_meet(const struct ts_paths *a, const struct ts_paths *b) {
  if (ts_paths_empty(a) || ts_paths_empty(b)) return false;
  if (a->all || b->all) return true;
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < b->n; j++)
      if (overlap(a->v[i], b->v[j])) return true;
  return false;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

char *ts_paths_join(const struct ts_paths *p) {
  if (p->all) return ds_strdup("*");
  char **v = p->n ? ds_calloc(p->n, sizeof *v) : NULL;
  if (p->n && !v) return NULL;
  if (p->n) memcpy(v, p->v, p->n * sizeof *v);
  if (p->n) qsort(v, p->n, sizeof *v, cmp_str);
  struct ds_buf b;
  ds_buf_init(&b, 0);
  for (size_t i = 0; i < p->n; i++) {
    if (i) ds_buf_addc(&b, '\n');
    ds_buf_adds(&b, v[i]);
  }
  ds_free(v);
  return ds_buf_detach(&b, NULL);
}

void ts_paths_parse(struct ts_paths *p, const char *text) {
  if (!text || !*text) return;
  if (strcmp(text, "*") == 0) {
    p->all = true;
    return;
  }
  const char *s = text;
  while (*s) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    char *one = ds_strndup(s, n);
    ts_paths_add(p, one);
    ds_free(one);
    s += n + (nl ? 1 : 0);
  }
}

/* Appends the components of path to out ('/'-joined), resolving "." and ".." lexically. */
static void push_lexical(struct ds_buf *out, const char *path) {
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 1 && p[0] == '.') {
      /* nothing */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      char *slash = out->len ? strrchr(out->data, '/') : NULL;
      if (out->len && strcmp(slash ? slash + 1 : out->data, "..") != 0) {
        out->len = slash ? (size_t)(slash - out->data) : 0;
        out->data[out->len] = '\0';
      } else {
        if (out->len) ds_buf_addc(out, '/');
        ds_buf_adds(out, "..");
      }
    } else {
      if (out->len) ds_buf_addc(out, '/');
      ds_buf_add(out, p, n);
    }
    p += n;
  }
}

char *ts_norm_path(const char *workspace, const char *cwd, const char *path) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  if (!path) path = "";
  if (path[0] == '~') {
    ds_buf_adds(&b, path);
    return ds_buf_detach(&b, NULL);
  }
  if (path[0] == '/') {
    size_t wl = workspace ? strlen(workspace) : 0;
    while (wl > 1 && workspace[wl - 1] == '/') wl--;
    if (wl > 1 && strncmp(path, workspace, wl) == 0 && (path[wl] == '/' || path[wl] == '\0')) {
      push_lexical(&b, path + wl);
    } else {
      ds_buf_addc(&b, '/');
      struct ds_buf rest;
      ds_buf_init(&rest, 0);
      push_lexical(&rest, path);
      ds_buf_adds(&b, rest.data);
      ds_buf_release(&rest);
    }
    return ds_buf_detach(&b, NULL);
  }
  if (cwd && *cwd) {
    if (cwd[0] == '/') ds_buf_adds(&b, cwd); /* a cd outside the root: stays absolute */
    else push_lexical(&b, cwd);
  }
  push_lexical(&b, path);
  return ds_buf_detach(&b, NULL);
}

/* ---- classification ---- */

static const char *const path_keys[] = {"file_path", "path", "file", "filename", "filepath", "notebook_path",
                                        "dir", "directory", "target", NULL};

const char *ts_arg_str(const json_t *args, const char *const *keys) {
  for (; *keys; keys++) {
    const char *v = ds_json_str(args, *keys, NULL);
    if (v) return v;
  }
  return NULL;
}

static void add_norm(struct ts_paths *p, const char *ws, const char *cwd, const char *path) {
  char *n = ts_norm_path(ws, cwd, path);
  if (n) ts_paths_add(p, n);
  else p->all = true;
  ds_free(n);
}

/* The patch text of a patch call: {"input": patch} (Codex's free-form call), {"patch": ...},
 * {"patchText": ...}, or argv ["apply_patch", patch]. */
static const char *patch_arg(const json_t *args, struct ds_buf *tmp) {
  static const char *const keys[] = {"input", "patch", "patchText", "patch_text", NULL};
  const char *p = ts_arg_str(args, keys);
  if (p) return p;
  const json_t *cmd = json_object_get(args, "command");
  if (json_is_array(cmd) && json_array_size(cmd) >= 2 &&
      strcmp(json_string_value(json_array_get(cmd, 0)) ? json_string_value(json_array_get(cmd, 0)) : "",
             "apply_patch") == 0)
    return json_string_value(json_array_get(cmd, 1));
  char *line = ts_shell_command(args);
  const char *t = line ? patch_text_of(line, tmp) : NULL;
  ds_free(line);
  return t;
}

static void classify_shell_default(const char *line, const char *ws, const char *cwd, struct ts_effect *e) {
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  const char *patch = line ? patch_text_of(line, &tmp) : NULL;
  if (patch) {
    e->kind = TS_PATCH;
    e->side_effect = true;
    patch_paths(patch, ws, cwd, &e->writes);
    ds_buf_release(&tmp);
    return;
  }
  ds_buf_release(&tmp);
  char *new_cwd = NULL;
  if (line && shell_ro_classify(line, ws, cwd, &e->reads, &new_cwd)) {
    e->new_cwd = new_cwd;
    return;
  }
  ds_free(new_cwd);
  e->side_effect = true;
  e->reads.all = true;
  e->writes.all = true;
}

/* Tools of unknown kind whose name says they change something (book_flight, send_email). */
static bool sounds_side_effecting(const char *name) {
  static const char *const verbs[] = {"book", "cancel", "update", "send", "create", "delete", "remove", "transfer",
                                      "pay", "modify", "write", "post", "put", "set", "add", "exchange", "refund",
                                      "install", "deploy", "push", "commit", "submit", "execute", "run", NULL};
  for (const char *const *v = verbs; *v; v++) {
    size_t n = strlen(*v);
    if (strncasecmp(name, *v, n) == 0 && (name[n] == '_' || name[n] == '\0' || isupper((unsigned char)name[n])))
      return true;
  }
  return false;
}

void ts_classify(const struct ts_dialect *d, const char *ws, const char *cwd, const char *tool, const json_t *args,
                 struct ts_effect *e) {
  memset(e, 0, sizeof *e);
  if (!d) d = ts_dialect_generic();
  const struct ts_tool *row = ts_tool_find(d, tool);
  if (!row && d != ts_dialect_generic()) row = ts_tool_find(ts_dialect_generic(), tool);
  e->row = row;
  e->kind = row ? row->kind : TS_OTHER;
  if (row && (row->flags & TS_ACTS)) e->side_effect = true;
  if (row && (row->flags & TS_WRITES_ANY)) e->writes.all = true;
  const char *path = ts_arg_str(args, path_keys);
  switch (e->kind) {
  case TS_READ:
    if (path) add_norm(&e->reads, ws, cwd, path);
    else e->reads.all = true;
    break;
  case TS_LIST:
  case TS_SEARCH:
  case TS_GLOB:
    add_norm(&e->reads, ws, cwd, path ? path : "");
    break;
  case TS_SHELL: {
    char *line = d->shell_command ? d->shell_command(args) : ts_shell_command(args);
    if (d->classify_shell) d->classify_shell(line ? line : "", ws, cwd, e);
    else classify_shell_default(line, ws, cwd, e);
    ds_free(line);
    if (!d->persistent_shell && e->new_cwd) { /* each command starts afresh */
      ds_free(e->new_cwd);
      e->new_cwd = NULL;
    }
    break;
  }
  case TS_WRITE:
  case TS_EDIT:
  case TS_DELETE:
    e->side_effect = true;
    if (path) {
      add_norm(&e->writes, ws, cwd, path);
      add_norm(&e->reads, ws, cwd, path);
    } else {
      e->writes.all = e->reads.all = true;
    }
    break;
  case TS_PATCH: {
    struct ds_buf tmp;
    ds_buf_init(&tmp, 0);
    const char *patch = patch_arg(args, &tmp);
    e->side_effect = true;
    if (patch) patch_paths(patch, ws, cwd, &e->writes);
    else e->writes.all = true;
    for (size_t i = 0; i < e->writes.n; i++) ts_paths_add(&e->reads, e->writes.v[i]);
    e->reads.all = e->writes.all;
    ds_buf_release(&tmp);
    break;
  }
  case TS_EDITOR: {
    const char *cmd = ds_json_str(args, "command", "");
    if (strcmp(cmd, "view") == 0 || strcmp(cmd, "read") == 0) {
      if (path) add_norm(&e->reads, ws, cwd, path);
      else e->reads.all = true;
    } else if (*cmd) {
      e->side_effect = true;
      if (path) {
        add_norm(&e->writes, ws, cwd, path);
        add_norm(&e->reads, ws, cwd, path);
      } else {
        e->writes.all = e->reads.all = true;
      }
    }
    break;
  }
  case TS_PLAN:
  case TS_CONTROL:
    break;
  case TS_CODE:
    e->side_effect = true;
    e->reads.all = e->writes.all = true;
    break;
  case TS_EXTERNAL:
    e->side_effect = true;
    e->reads.all = true;
    break;
  case TS_OTHER:
    /* a tool this dialect does not know: its name decides; what it reads is unknown */
    e->reads.all = true;
    if (tool && sounds_side_effecting(tool)) {
      e->side_effect = true;
      e->writes.all = true;
    }
    break;
  }
}

void ts_effect_release(struct ts_effect *e) {
  ts_paths_release(&e->reads);
  ts_paths_release(&e->writes);
  ds_free(e->new_cwd);
  memset(e, 0, sizeof *e);
}

/* ---- the state ---- */

void ts_state_init(struct ts_state *s) {
  memset(s, 0, sizeof *s);
  s->cwd = ds_strdup("");
}

void ts_state_release(struct ts_state *s) {
  ts_paths_release(&s->changed);
  ts_paths_release(&s->files_read);
  ds_free(s->cwd);
  for (size_t i = 0; i < s->n_hist; i++) {
    ds_free(s->hist[i].path);
    ds_free(s->hist[i].data);
  }
  ds_free(s->hist);
  ds_free(s->open_file);
  json_decref(s->plan);
  memset(s, 0, sizeof *s);
}

void ts_state_apply(struct ts_state *s, const char *tool, const char *canon, const struct ts_effect *e) {
  if (e->side_effect || !ts_paths_empty(&e->writes)) {
    struct ds_sha256 h;
    char hex[65];
    if (ds_sha256_begin(&h) == DS_OK) {
      ds_sha256_update(&h, s->digest, strlen(s->digest));
      ds_sha256_update(&h, "\x1e", 1);
      ds_sha256_update(&h, tool ? tool : "", tool ? strlen(tool) : 0);
      ds_sha256_update(&h, "\x1f", 1);
      ds_sha256_update(&h, canon ? canon : "", canon ? strlen(canon) : 0);
      ds_sha256_end(&h, hex);
      memcpy(s->digest, hex, 33); /* 128 bits are plenty to tell histories apart */
      s->digest[32] = '\0';
    } else {
      s->changed.all = true;
    }
  }
  if (e->writes.all) s->changed.all = true;
  for (size_t i = 0; i < e->writes.n; i++) ts_paths_add(&s->changed, e->writes.v[i]);
  if (e->new_cwd) {
    char *c = ds_strdup(e->new_cwd);
    if (c) {
      ds_free(s->cwd);
      s->cwd = c;
    }
  }
}

/* ---- the calls of a message list ---- */

const char *ts_content_text(const json_t *msg, struct ds_buf *tmp) {
  const json_t *c = json_object_get(msg, "content");
  if (json_is_string(c)) return json_string_value(c);
  if (json_is_array(c)) {
    size_t i;
    const json_t *part;
    json_array_foreach(c, i, part) {
      const char *t = json_is_string(part) ? json_string_value(part) : ds_json_str(part, "text", NULL);
      if (t) ds_buf_adds(tmp, t);
    }
    return tmp->data;
  }
  return "";
}

bool ts_text_mode(const struct ts_dialect *d, const json_t *messages) {
  if (!d || !d->text_action) return false;
  size_t i;
  const json_t *m;
  json_array_foreach(messages, i, m) if (json_array_size(json_object_get(m, "tool_calls"))) return false;
  return true;
}

void ts_each_call(const struct ts_dialect *d, const json_t *messages, ts_call_fn *fn, void *ud) {
  size_t n = json_array_size(messages);
  bool text_mode = ts_text_mode(d, messages);
  for (size_t i = 0; i < n; i++) {
    const json_t *m = json_array_get(messages, i);
    if (strcmp(ds_json_str(m, "role", ""), "assistant") != 0) continue;
    const json_t *calls = json_object_get(m, "tool_calls");
    if (json_array_size(calls)) {
      size_t j;
      const json_t *call;
      json_array_foreach(calls, j, call) {
        const char *name = ds_json_str(call, "name", NULL);
        if (!name) continue;
        const char *id = ds_json_str(call, "id", NULL);
        const json_t *resp = NULL;
        for (size_t k = i + 1; k < n && !resp; k++) {
          const json_t *t = json_array_get(messages, k);
          const char *role = ds_json_str(t, "role", "");
          if (strcmp(role, "tool") == 0 && id && strcmp(ds_json_str(t, "tool_call_id", ""), id) == 0) resp = t;
          else if (strcmp(role, "assistant") == 0) break;
        }
        fn(ud, name, ds_json_str(call, "arguments", "{}"), resp);
      }
      continue;
    }
    if (!text_mode || json_is_true(json_object_get(m, "context"))) continue;
    struct ds_buf tmp;
    ds_buf_init(&tmp, 0);
    char *tool = NULL, *args = NULL;
    if (d->text_action(ts_content_text(m, &tmp), &tool, &args)) {
      const json_t *next = i + 1 < n ? json_array_get(messages, i + 1) : NULL;
      const json_t *resp = next && strcmp(ds_json_str(next, "role", ""), "user") == 0 ? next : NULL;
      fn(ud, tool, args, resp);
    }
    ds_free(tool);
    ds_free(args);
    ds_buf_release(&tmp);
  }
}
