/* rubric.c: loads rubric files (YAML via libyaml's document API) into categories and grader
 * definitions, validating every field with file:line: reason errors. The SHA-256 of the
 * file's bytes is the rubric version. Format: docs/internals/rubric.md. */
#include <string.h>
#include <yaml.h>

#include "grade/grade_int.h"

struct parse {
  yaml_document_t *doc;
  const char *origin;
  struct ds_err *err;
};

static enum ds_status perr(struct parse *p, yaml_node_t *n, const char *fmt, ...) DS_PRINTF(3, 4);
static enum ds_status perr(struct parse *p, yaml_node_t *n, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return ds_fail(p->err, DS_E_INVALID, "%s:%zu: %s", p->origin, n ? n->start_mark.line + 1 : 0, msg);
}

static yaml_node_t *map_get(struct parse *p, yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
    yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
    if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
      return yaml_document_get_node(p->doc, pr->value);
  }
  return NULL;
}

/* rejects keys not in allowed (a typo must not silently disable a grader) */
static enum ds_status check_keys(struct parse *p, yaml_node_t *map, const char *what, const char *const *allowed) {
  for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
    yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
    if (!k || k->type != YAML_SCALAR_NODE) return perr(p, k, "%s: keys must be strings", what);
    bool ok = false;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp((const char *)k->data.scalar.value, *a) == 0) ok = true;
    if (!ok) return perr(p, k, "%s: unknown key '%s'", what, (const char *)k->data.scalar.value);
  }
  return DS_OK;
}

static enum ds_status get_str(struct parse *p, yaml_node_t *map, const char *key, bool required, const char *what,
                              char **out) {
  yaml_node_t *n = map_get(p, map, key);
  if (!n) {
    if (required) return perr(p, map, "%s: missing '%s'", what, key);
    return DS_OK;
  }
  if (n->type != YAML_SCALAR_NODE) return perr(p, n, "%s: '%s' must be a string", what, key);
  *out = ds_strndup((const char *)n->data.scalar.value, n->data.scalar.length);
  if (!*out) return ds_fail(p->err, DS_E_NOMEM, "out of memory");
  if (required && !**out) return perr(p, n, "%s: '%s' is empty", what, key);
  return DS_OK;
}

static enum ds_status get_bool(struct parse *p, yaml_node_t *map, const char *key, bool dflt, bool *out) {
  yaml_node_t *n = map_get(p, map, key);
  *out = dflt;
  if (!n) return DS_OK;
  const char *v = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
  if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on")) *out = true;
  else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off")) *out = false;
  else return perr(p, n, "'%s' must be true or false", key);
  return DS_OK;
}

static enum ds_status get_uint(struct parse *p, yaml_node_t *map, const char *key, unsigned lo, unsigned hi,
                               unsigned *out) {
  yaml_node_t *n = map_get(p, map, key);
  if (!n) return DS_OK;
  char *end;
  const char *v = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
  unsigned long x = strtoul(v, &end, 10);
  if (!*v || *end || x < lo || x > hi) return perr(p, n, "'%s' must be a whole number in %u..%u", key, lo, hi);
  *out = (unsigned)x;
  return DS_OK;
}

/* a string or a list of strings */
static enum ds_status get_list(struct parse *p, yaml_node_t *n, const char *what, char ***out, unsigned *out_n) {
  *out = NULL;
  *out_n = 0;
  if (!n) return DS_OK;
  size_t cnt = n->type == YAML_SEQUENCE_NODE ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 1;
  if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE) return perr(p, n, "%s must be a list of strings", what);
  char **v = ds_calloc(cnt ? cnt : 1, sizeof *v);
  if (!v) return ds_fail(p->err, DS_E_NOMEM, "out of memory");
  *out = v;
  if (n->type == YAML_SCALAR_NODE) {
    if (!(v[0] = ds_strndup((const char *)n->data.scalar.value, n->data.scalar.length)))
      return ds_fail(p->err, DS_E_NOMEM, "out of memory");
    *out_n = 1;
    return DS_OK;
  }
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    yaml_node_t *e = yaml_document_get_node(p->doc, *it);
    if (!e || e->type != YAML_SCALAR_NODE) return perr(p, e ? e : n, "%s must be a list of strings", what);
    if (!(v[*out_n] = ds_strndup((const char *)e->data.scalar.value, e->data.scalar.length)))
      return ds_fail(p->err, DS_E_NOMEM, "out of memory");
    (*out_n)++; /* counted before the check so the caller frees it on error */
    if (!v[*out_n - 1][0]) return perr(p, e, "%s: empty entry", what);
  }
  return DS_OK;
}

static void free_list(char **v, unsigned n) {
  for (unsigned i = 0; i < n; i++) ds_free(v[i]);
  ds_free(v);
}

static enum ds_status parse_targets(struct parse *p, yaml_node_t *n, unsigned *out) {
  char **v = NULL;
  unsigned cnt = 0;
  enum ds_status st = get_list(p, n, "target", &v, &cnt);
  *out = 0;
  for (unsigned i = 0; !st && i < cnt; i++) {
    static const struct { const char *name; unsigned bit; } t[] = {
        {"response", TG_RESPONSE}, {"reasoning", TG_REASONING}, {"tool_name", TG_TOOL_NAME},
        {"tool_args", TG_TOOL_ARGS}, {"tool_result", TG_TOOL_RESULT}, {"prompt", TG_PROMPT},
        {"trajectory", TG_ALL & ~TG_PROMPT}};
    unsigned bit = 0;
    for (size_t k = 0; k < DS_ARRAY_LEN(t); k++)
      if (!strcmp(v[i], t[k].name)) bit = t[k].bit;
    if (!bit)
      st = perr(p, n, "unknown target '%s' (response, reasoning, tool_name, tool_args, tool_result, prompt, trajectory)", v[i]);
    *out |= bit;
  }
  free_list(v, cnt);
  if (!st && !*out) *out = TG_RESPONSE;
  return st;
}

static enum ds_status parse_flags(struct parse *p, yaml_node_t *n, unsigned *out) {
  char **v = NULL;
  unsigned cnt = 0;
  enum ds_status st = get_list(p, n, "shell flags", &v, &cnt);
  *out = 0;
  for (unsigned i = 0; !st && i < cnt; i++) {
    unsigned f = ds_shell_flag_parse(v[i]);
    if (!f) st = perr(p, n, "unknown shell flag '%s'", v[i]);
    *out |= f;
  }
  free_list(v, cnt);
  return st;
}

static enum ds_status parse_matcher(struct parse *p, yaml_node_t *n, const char *what, struct matcher *m) {
  if (!n) return DS_OK;
  if (n->type != YAML_MAPPING_NODE) return perr(p, n, "%s must be a map {target, patterns, shell}", what);
  static const char *const keys[] = {"target", "patterns", "shell", NULL};
  enum ds_status st;
  if ((st = check_keys(p, n, what, keys))) return st;
  m->present = true;
  if ((st = parse_targets(p, map_get(p, n, "target"), &m->targets))) return st;
  if ((st = get_list(p, map_get(p, n, "patterns"), "patterns", &m->patterns, &m->n_patterns))) return st;
  if ((st = parse_flags(p, map_get(p, n, "shell"), &m->shell_flags))) return st;
  if (!m->n_patterns && !m->shell_flags) return perr(p, n, "%s needs patterns or shell flags", what);
  return DS_OK;
}

static enum ds_status parse_grader(struct parse *p, yaml_node_t *n, struct category_def *c, struct grader_def *g) {
  if (n->type != YAML_MAPPING_NODE) return perr(p, n, "category '%s': a grader must be a map", c->id);
  g->line = (int)n->start_mark.line + 1;
  g->caseless = true;
  char *type = NULL;
  enum ds_status st = get_str(p, n, "type", true, "grader", &type);
  if (st) return st;
  if (!strcmp(type, "rule")) {
    g->type = GT_RULE;
    static const char *const keys[] = {"type", "target", "patterns", "unless", "caseless", "followed_by", "without", NULL};
    if ((st = check_keys(p, n, "rule grader", keys))) goto out;
    g->match.present = true;
    if ((st = parse_targets(p, map_get(p, n, "target"), &g->match.targets)) ||
        (st = get_list(p, map_get(p, n, "patterns"), "patterns", &g->match.patterns, &g->match.n_patterns)) ||
        (st = get_list(p, map_get(p, n, "unless"), "unless", &g->unless, &g->n_unless)) ||
        (st = get_bool(p, n, "caseless", true, &g->caseless)) ||
        (st = parse_matcher(p, map_get(p, n, "followed_by"), "followed_by", &g->followed_by)) ||
        (st = parse_matcher(p, map_get(p, n, "without"), "without", &g->without)))
      goto out;
    if (!g->match.n_patterns) st = perr(p, n, "category '%s': rule grader needs patterns", c->id);
  } else if (!strcmp(type, "shell")) {
    g->type = GT_SHELL;
    static const char *const keys[] = {"type", "flags", NULL};
    if ((st = check_keys(p, n, "shell grader", keys))) goto out;
    g->match.present = true;
    if ((st = parse_flags(p, map_get(p, n, "flags"), &g->match.shell_flags))) goto out;
    if (!g->match.shell_flags) st = perr(p, n, "category '%s': shell grader needs flags", c->id);
  } else if (!strcmp(type, "judge")) {
    g->type = GT_JUDGE;
    c->needs_judge = true;
    g->votes = 1;
    static const char *const keys[] = {"type", "prompt", "votes", "version", NULL};
    if ((st = check_keys(p, n, "judge grader", keys)) || (st = get_str(p, n, "prompt", true, "judge grader", &g->prompt)) ||
        (st = get_str(p, n, "version", false, "judge grader", &g->version)) ||
        (st = get_uint(p, n, "votes", 1, 15, &g->votes)))
      goto out;
  } else {
    st = perr(p, n, "category '%s': unknown grader type '%s' (rule, shell, judge)", c->id, type);
  }
out:
  ds_free(type);
  return st;
}

static bool valid_id(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.')) return false;
  return true;
}

static enum ds_status parse_category(struct parse *p, yaml_node_t *n, struct category_def *c) {
  if (n->type != YAML_MAPPING_NODE) return perr(p, n, "a category must be a map");
  c->line = (int)n->start_mark.line + 1;
  static const char *const keys[] = {"id", "title", "description", "severity", "applies_to", "combine", "graders", NULL};
  enum ds_status st;
  char *sev = NULL, *app = NULL, *comb = NULL;
  if ((st = get_str(p, n, "id", true, "category", &c->id))) return st;
  if (!valid_id(c->id)) return perr(p, n, "category id '%s' must be lowercase letters, digits and _", c->id);
  char what[96];
  snprintf(what, sizeof what, "category '%s'", c->id);
  if ((st = check_keys(p, n, what, keys)) || (st = get_str(p, n, "title", true, what, &c->title)) ||
      (st = get_str(p, n, "description", true, what, &c->description)) ||
      (st = get_str(p, n, "severity", true, what, &sev)) || (st = get_str(p, n, "applies_to", true, what, &app)) ||
      (st = get_str(p, n, "combine", false, what, &comb)))
    goto out;
  if (strcmp(sev, "low") && strcmp(sev, "medium") && strcmp(sev, "high") && strcmp(sev, "critical")) {
    st = perr(p, map_get(p, n, "severity"), "%s: severity must be low, medium, high or critical", what);
    goto out;
  }
  c->severity = sev;
  sev = NULL;
  if (!strcmp(app, "chat")) c->applies = DS_APPLIES_CHAT;
  else if (!strcmp(app, "agent")) c->applies = DS_APPLIES_AGENT;
  else if (!strcmp(app, "both")) c->applies = DS_APPLIES_BOTH;
  else {
    st = perr(p, map_get(p, n, "applies_to"), "%s: applies_to must be chat, agent or both", what);
    goto out;
  }
  c->combine = DS_COMBINE_ANY;
  if (comb) {
    if (!strcmp(comb, "all")) c->combine = DS_COMBINE_ALL;
    else if (!strcmp(comb, "majority")) c->combine = DS_COMBINE_MAJORITY;
    else if (strcmp(comb, "any")) {
      st = perr(p, map_get(p, n, "combine"), "%s: combine must be any, all or majority", what);
      goto out;
    }
  }
  yaml_node_t *gs = map_get(p, n, "graders");
  if (!gs || gs->type != YAML_SEQUENCE_NODE || gs->data.sequence.items.top == gs->data.sequence.items.start) {
    st = perr(p, gs ? gs : n, "%s: 'graders' must be a non-empty list", what);
    goto out;
  }
  size_t cnt = (size_t)(gs->data.sequence.items.top - gs->data.sequence.items.start);
  if (!(c->graders = ds_calloc(cnt, sizeof *c->graders))) {
    st = ds_fail(p->err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (yaml_node_item_t *it = gs->data.sequence.items.start; it < gs->data.sequence.items.top; it++) {
    yaml_node_t *g = yaml_document_get_node(p->doc, *it);
    c->n_graders++;
    if ((st = parse_grader(p, g, c, &c->graders[c->n_graders - 1]))) goto out;
  }
out:
  ds_free(sev);
  ds_free(app);
  ds_free(comb);
  return st;
}

static void free_matcher(struct matcher *m) { free_list(m->patterns, m->n_patterns); }

void ds_rubric_free(struct ds_rubric *r) {
  if (!r) return;
  for (unsigned i = 0; i < r->n_cats; i++) {
    struct category_def *c = &r->cats[i];
    for (unsigned g = 0; g < c->n_graders; g++) {
      struct grader_def *d = &c->graders[g];
      free_matcher(&d->match);
      free_matcher(&d->followed_by);
      free_matcher(&d->without);
      free_list(d->unless, d->n_unless);
      ds_free(d->prompt);
      ds_free(d->version);
    }
    ds_free(c->graders);
    ds_free(c->id);
    ds_free(c->title);
    ds_free(c->description);
    ds_free(c->severity);
  }
  ds_free(r->cats);
  ds_free(r->name);
  ds_free(r->origin);
  ds_free(r->body);
  ds_free(r->judge_system);
  ds_free(r->prompt_version);
  ds_free(r);
}

enum ds_status ds_rubric_parse(const char *text, size_t len, const char *origin, struct ds_rubric **out,
                               struct ds_err *err) {
  *out = NULL;
  if (!origin) origin = "rubric";
  if (len > (8u << 20)) return ds_fail(err, DS_E_LIMIT, "%s: rubric larger than 8 MiB", origin);
  size_t bad = ds_utf8_check(text, len);
  if (bad < len) return ds_fail(err, DS_E_PARSE, "%s: invalid UTF-8 at byte %zu", origin, bad);
  struct ds_rubric *r = ds_calloc(1, sizeof *r);
  if (!r) return ds_fail(err, DS_E_NOMEM, "out of memory");
  r->origin = ds_strdup(origin);
  r->body = ds_strndup(text, len);
  r->body_len = len;
  r->judge_max_tokens = 256;
  if (!r->origin || !r->body) {
    ds_rubric_free(r);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  ds_sha256_hex(text, len, r->sha);
  yaml_parser_t parser;
  yaml_document_t doc;
  bool have_doc = false;
  enum ds_status st = DS_OK;
  if (!yaml_parser_initialize(&parser)) {
    ds_rubric_free(r);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)r->body, len);
  if (!yaml_parser_load(&parser, &doc)) {
    st = ds_fail(err, DS_E_PARSE, "%s:%zu: %s", origin, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML syntax error");
    goto out;
  }
  have_doc = true;
  struct parse p = {&doc, origin, err};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root || root->type != YAML_MAPPING_NODE) {
    st = ds_fail(err, DS_E_INVALID, "%s:1: a rubric is a map with 'name' and 'categories'", origin);
    goto out;
  }
  static const char *const keys[] = {"name", "version", "description", "judge", "categories", NULL};
  if ((st = check_keys(&p, root, "rubric", keys)) || (st = get_str(&p, root, "name", true, "rubric", &r->name)))
    goto out;
  yaml_node_t *j = map_get(&p, root, "judge");
  if (j) {
    static const char *const jkeys[] = {"prompt_version", "system", "max_tokens", "json_schema", NULL};
    unsigned mt = 256;
    if (j->type != YAML_MAPPING_NODE) {
      st = perr(&p, j, "'judge' must be a map");
      goto out;
    }
    if ((st = check_keys(&p, j, "judge", jkeys)) || (st = get_str(&p, j, "prompt_version", false, "judge", &r->prompt_version)) ||
        (st = get_str(&p, j, "system", false, "judge", &r->judge_system)) ||
        (st = get_uint(&p, j, "max_tokens", 16, 8192, &mt)) || (st = get_bool(&p, j, "json_schema", false, &r->json_schema)))
      goto out;
    r->judge_max_tokens = (int)mt;
  }
  yaml_node_t *cs = map_get(&p, root, "categories");
  if (!cs || cs->type != YAML_SEQUENCE_NODE || cs->data.sequence.items.top == cs->data.sequence.items.start) {
    st = perr(&p, cs ? cs : root, "'categories' must be a non-empty list");
    goto out;
  }
  size_t cnt = (size_t)(cs->data.sequence.items.top - cs->data.sequence.items.start);
  if (cnt > 1000) {
    st = perr(&p, cs, "more than 1000 categories");
    goto out;
  }
  if (!(r->cats = ds_calloc(cnt, sizeof *r->cats))) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (yaml_node_item_t *it = cs->data.sequence.items.start; it < cs->data.sequence.items.top; it++) {
    yaml_node_t *c = yaml_document_get_node(&doc, *it);
    r->n_cats++;
    if ((st = parse_category(&p, c, &r->cats[r->n_cats - 1]))) goto out;
    for (unsigned k = 0; k + 1 < r->n_cats; k++)
      if (!strcmp(r->cats[k].id, r->cats[r->n_cats - 1].id)) {
        st = perr(&p, c, "duplicate category id '%s' (first at line %d)", r->cats[k].id, r->cats[k].line);
        goto out;
      }
  }
out:
  if (have_doc) yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  if (st) {
    ds_rubric_free(r);
    return st;
  }
  *out = r;
  return DS_OK;
}

enum ds_status ds_rubric_load(const char *path, struct ds_rubric **out, struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 8u << 20);
  enum ds_status st = ds_read_file(path, 8u << 20, &b, err);
  if (!st) st = ds_rubric_parse(b.data, b.len, path, out, err);
  ds_buf_release(&b);
  return st;
}

const char *ds_rubric_name(const struct ds_rubric *r) { return r->name; }
const char *ds_rubric_sha256(const struct ds_rubric *r) { return r->sha; }
const char *ds_rubric_body(const struct ds_rubric *r) { return r->body; }
unsigned ds_rubric_n_categories(const struct ds_rubric *r) { return r->n_cats; }

enum ds_status ds_rubric_category(const struct ds_rubric *r, unsigned i, struct ds_category_info *out) {
  if (i >= r->n_cats) return ds_fail(NULL, DS_E_NOTFOUND, "no category %u", i);
  const struct category_def *c = &r->cats[i];
  out->id = c->id;
  out->title = c->title;
  out->description = c->description;
  out->severity = c->severity;
  out->applies_to = c->applies;
  out->combine = c->combine;
  out->n_graders = c->n_graders;
  out->needs_judge = c->needs_judge;
  return DS_OK;
}

int ds_rubric_find(const struct ds_rubric *r, const char *id) {
  for (unsigned i = 0; i < r->n_cats; i++)
    if (!strcmp(r->cats[i].id, id)) return (int)i;
  return -1;
}
