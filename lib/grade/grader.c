/* grader.c: applies a rubric to samples. Every rule pattern of every category is compiled
 * into one Hyperscan database (PCRE2 for the few Hyperscan cannot take) and each piece of a
 * sample's text is scanned once; tool calls go through the shell analyzer once; model
 * judges run concurrently over a batch; per-category results combine by any/all/majority. */
#include <string.h>

#include "grade/grader_int.h"

/* ------------------------------------------------------------------ compile */

void ds_grader_default_params(struct ds_grader_params *p) {
  memset(p, 0, sizeof *p);
  p->judge_attempts = 3;
  p->json_schema = -1;
  p->judge_temperature = -1;
}

static enum ds_status add_pats(struct ds_grader *g, unsigned cat, unsigned gi, enum pat_kind kind, unsigned targets,
                               char **pats, unsigned n, unsigned *first) {
  *first = g->n_pats;
  for (unsigned i = 0; i < n; i++) {
    struct pat_meta *m = &g->pats[g->n_pats++];
    m->cat = cat;
    m->grader = gi;
    m->kind = kind;
    m->targets = targets;
    m->text = pats[i];
  }
  return DS_OK;
}

static enum ds_status compile_rules(struct ds_grader *g, struct ds_err *err) {
  const struct ds_rubric *r = g->r;
  unsigned total = 0;
  for (unsigned c = 0; c < r->n_cats; c++)
    for (unsigned k = 0; k < r->cats[c].n_graders; k++) {
      const struct grader_def *d = &r->cats[c].graders[k];
      if (d->type != GT_RULE) continue;
      total += d->match.n_patterns + d->n_unless + d->followed_by.n_patterns + d->without.n_patterns;
    }
  if (!total) return DS_OK;
  g->pats = ds_calloc(total, sizeof *g->pats);
  g->hit_end = ds_malloc(total * sizeof *g->hit_end);
  g->touched = ds_malloc(total * sizeof *g->touched);
  g->pcre_ids = ds_malloc(total * sizeof *g->pcre_ids);
  const char **exprs = ds_calloc(total, sizeof *exprs);
  unsigned *flags = ds_calloc(total, sizeof *flags);
  unsigned *ids = ds_calloc(total, sizeof *ids);
  enum ds_status st = DS_OK;
  if (!g->pats || !g->hit_end || !g->touched || !g->pcre_ids || !exprs || !flags || !ids) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  for (unsigned c = 0; c < r->n_cats; c++)
    for (unsigned k = 0; k < r->cats[c].n_graders; k++) {
      struct grader_def *d = &r->cats[c].graders[k];
      if (d->type != GT_RULE) continue;
      unsigned dummy;
      add_pats(g, c, k, PK_MATCH, d->match.targets, d->match.patterns, d->match.n_patterns, &d->match.first_id);
      add_pats(g, c, k, PK_UNLESS, d->match.targets, d->unless, d->n_unless, &d->unless_first_id);
      add_pats(g, c, k, PK_FOLLOW, d->followed_by.targets, d->followed_by.patterns, d->followed_by.n_patterns, &dummy);
      add_pats(g, c, k, PK_WITHOUT, d->without.targets, d->without.patterns, d->without.n_patterns, &dummy);
    }
  unsigned n_hs = 0;
  for (unsigned i = 0; i < g->n_pats; i++) {
    struct pat_meta *m = &g->pats[i];
    const struct grader_def *d = &r->cats[m->cat].graders[m->grader];
    unsigned f = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY; /* bytes, not UTF-8: far smaller automata */
    if (d->caseless) f |= HS_FLAG_CASELESS;
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_expression_info(m->text, f, &info, &ce) == HS_SUCCESS) {
      free(info);
      exprs[n_hs] = m->text;
      flags[n_hs] = f;
      ids[n_hs] = i;
      n_hs++;
      continue;
    }
    /* Hyperscan cannot take it (back-reference, look-around, ...): PCRE2 instead */
    char hs_msg[128];
    snprintf(hs_msg, sizeof hs_msg, "%s", ce && ce->message ? ce->message : "unsupported");
    hs_free_compile_error(ce);
    int errcode;
    PCRE2_SIZE off;
    uint32_t po = PCRE2_MULTILINE | (d->caseless ? PCRE2_CASELESS : 0);
    m->pcre = pcre2_compile((PCRE2_SPTR)m->text, PCRE2_ZERO_TERMINATED, po, &errcode, &off, NULL);
    if (!m->pcre) {
      PCRE2_UCHAR msg[128];
      pcre2_get_error_message(errcode, msg, sizeof msg);
      st = ds_fail(err, DS_E_INVALID, "%s:%d: category '%s': pattern '%.60s': %s (Hyperscan: %s)", r->origin, d->line,
                   r->cats[m->cat].id, m->text, (const char *)msg, hs_msg);
      goto out;
    }
    pcre2_jit_compile(m->pcre, PCRE2_JIT_COMPLETE);
    g->pcre_ids[g->n_pcre++] = i;
  }
  if (n_hs) {
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(exprs, flags, ids, n_hs, HS_MODE_BLOCK, NULL, &g->db, &ce) != HS_SUCCESS) {
      int bad = ce ? ce->expression : -1;
      st = ds_fail(err, DS_E_INVALID, "%s: compiling rule patterns: %s%s%.60s", r->origin,
                   ce && ce->message ? ce->message : "failed", bad >= 0 ? ": " : "", bad >= 0 ? exprs[bad] : "");
      hs_free_compile_error(ce);
      goto out;
    }
    if (hs_alloc_scratch(g->db, &g->scratch) != HS_SUCCESS) {
      st = ds_fail(err, DS_E_NOMEM, "Hyperscan scratch allocation failed");
      goto out;
    }
  }
  if (g->n_pcre && !(g->md = pcre2_match_data_create(4, NULL))) st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  ds_free(exprs);
  ds_free(flags);
  ds_free(ids);
  return st;
}

void ds_grader_free(struct ds_grader *g) {
  if (!g) return;
  for (unsigned i = 0; i < g->n_pats; i++) pcre2_code_free(g->pats[i].pcre);
  if (g->md) pcre2_match_data_free(g->md);
  if (g->scratch) hs_free_scratch(g->scratch);
  if (g->db) hs_free_database(g->db);
  for (unsigned i = 0; i < g->n_judges; i++) ds_backend_close(g->judges[i].b);
  ds_free(g->judges);
  ds_free(g->pats);
  ds_free(g->hit_end);
  ds_free(g->touched);
  ds_free(g->pcre_ids);
  ds_free(g);
}

enum ds_status ds_grader_new(const struct ds_rubric *r, const struct ds_grader_params *p, struct ds_grader **out,
                             struct ds_err *err) {
  *out = NULL;
  struct ds_grader *g = ds_calloc(1, sizeof *g);
  if (!g) return ds_fail(err, DS_E_NOMEM, "out of memory");
  g->r = r;
  if (p) g->p = *p;
  else ds_grader_default_params(&g->p);
  if (!g->p.judge_attempts) g->p.judge_attempts = 3;
  enum ds_status st = compile_rules(g, err);
  if (!st && g->p.n_judges) {
    g->judges = ds_calloc(g->p.n_judges, sizeof *g->judges);
    if (!g->judges) st = ds_fail(err, DS_E_NOMEM, "out of memory");
    for (unsigned i = 0; !st && i < g->p.n_judges; i++) {
      struct ds_backend_params bp;
      ds_backend_default_params(&bp);
      bp.spec = g->p.judge_specs[i];
      bp.log = g->p.log;
      if (g->p.timeout_s > 0) bp.timeout_s = g->p.timeout_s;
      st = ds_backend_open(&bp, &g->judges[i].b, err);
      if (!st) g->n_judges++;
    }
  }
  if (st) {
    ds_grader_free(g);
    return st;
  }
  *out = g;
  return DS_OK;
}

bool ds_grader_has_judge(const struct ds_grader *g) { return g->n_judges > 0; }

/* ------------------------------------------------------------------ rule state */


struct scan_state {
  struct ds_grader *g;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx) {
  (void)from;
  (void)flags;
  struct ds_grader *g = ctx;
  if (g->hit_end[id] < 0) {
    g->hit_end[id] = (int)(to > 0x7fffffff ? 0x7fffffff : to);
    g->touched[g->n_touched++] = id;
  }
  return 0;
}

static json_t *snippet(const struct piece *pc, size_t end) {
  size_t a = end > 80 ? end - 80 : 0;
  if (end > pc->len) end = pc->len;
  /* keep UTF-8 whole: move start to a lead byte */
  while (a < end && ((unsigned char)pc->p[a] & 0xC0) == 0x80) a++;
  return json_stringn_nocheck(pc->p + a, end - a);
}

static const char *target_name(unsigned t) {
  if (t & TG_TOOL_RESULT) return "tool_result";
  if (t & TG_TOOL_ARGS) return "tool_args";
  if (t & TG_TOOL_NAME) return "tool_name";
  if (t & TG_REASONING) return "reasoning";
  if (t & TG_RESPONSE) return "response";
  return "prompt";
}

/* scans all pieces once and resolves rule graders into res[cat * max_g + grader] */
static enum ds_status run_rules(struct ds_grader *g, struct view *v, struct gres *res, unsigned max_g, size_t *bytes,
                                struct ds_err *err) {
  const struct ds_rubric *r = g->r;
  for (unsigned i = 0; i < g->n_pats; i++) g->hit_end[i] = -1;
  for (size_t pi = 0; pi < v->n_pieces; pi++) {
    const struct piece *pc = &v->pieces[pi];
    g->n_touched = 0;
    if (bytes) *bytes += pc->len;
    if (g->db && pc->len) {
      hs_error_t e = hs_scan(g->db, pc->p, (unsigned)(pc->len > 0xffffffffu ? 0xffffffffu : pc->len), 0, g->scratch,
                             on_match, g);
      if (e != HS_SUCCESS) return ds_fail(err, DS_E_INVALID, "Hyperscan scan failed (%d)", e);
    }
    for (unsigned k = 0; k < g->n_pcre; k++) {
      unsigned id = g->pcre_ids[k];
      if (!(g->pats[id].targets & pc->target)) continue;
      int rc = pcre2_match(g->pats[id].pcre, (PCRE2_SPTR)pc->p, pc->len, 0, 0, g->md, NULL);
      if (rc > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
        g->hit_end[id] = (int)ov[1];
        g->touched[g->n_touched++] = id;
      }
    }
    /* resolve this piece: unless-matches suppress matches of the same grader here */
    for (unsigned t = 0; t < g->n_touched; t++) {
      unsigned id = g->touched[t];
      const struct pat_meta *m = &g->pats[id];
      if (!(m->targets & pc->target)) continue;
      struct gres *gr = &res[m->cat * max_g + m->grader];
      const struct grader_def *d = &r->cats[m->cat].graders[m->grader];
      if (m->kind == PK_MATCH) {
        bool suppressed = false;
        for (unsigned u = 0; u < d->n_unless; u++) {
          int e = g->hit_end[d->unless_first_id + u];
          if (e >= 0) suppressed = true;
        }
        if (!suppressed && (gr->match_pos == INT32_MIN || pc->pos < gr->match_pos)) {
          gr->match_pos = pc->pos;
          gr->match_piece = (int)pi;
          gr->match_end = (size_t)g->hit_end[id];
          gr->match_id = id;
        }
      } else if (m->kind == PK_FOLLOW) {
        if (pc->pos > gr->follow_pos) gr->follow_pos = pc->pos;
      } else if (m->kind == PK_WITHOUT) {
        gr->without_hit = true;
      }
    }
    for (unsigned t = 0; t < g->n_touched; t++) g->hit_end[g->touched[t]] = -1;
  }
  (void)v;
  return DS_OK;
}

/* The workspace of a sample: the session's recorded working directory (repo.cwd, else a local
 * repo.path_or_url), else --workspace; NULL when none is known. */
static const char *sample_workspace(const struct ds_sample_view *sv, const struct ds_grader_params *p) {
  const char *cwd = ds_json_str(sv->repo, "cwd", NULL);
  if (cwd && cwd[0] == '/') return cwd;
  const char *path = ds_json_str(sv->repo, "path_or_url", NULL);
  if (path && path[0] == '/') return path;
  return p->workspace;
}

/* every tool call of the sample, in order, through the analyzer; a trajectory's state carries
 * files written by one call and run by a later one */
static void run_shell(struct view *v, const struct ds_sample_view *sv, const struct ds_grader_params *p) {
  struct ds_shell_params sp = {sample_workspace(sv, p)};
  struct ds_toolcall_state *st = NULL;
  if (ds_toolcall_state_new(&st, NULL) != DS_OK) v->oom = true;
  for (size_t i = 0; i < v->n_steps; i++) {
    struct step *s = &v->steps[i];
    if (ds_toolcall_analyze_in(st, s->name, s->args, &sp, &s->rep, NULL) == DS_OK) s->flags = s->rep.flags;
  }
  ds_toolcall_state_free(st);
}

static const struct ds_shell_finding *finding_for(const struct step *s, unsigned flags) {
  for (unsigned k = 0; k < s->rep.n_findings; k++)
    if (s->rep.findings[k].flag & flags) return &s->rep.findings[k];
  return NULL;
}

static json_t *shell_ev(const struct step *s, unsigned flags, int step) {
  const struct ds_shell_finding *f = finding_for(s, flags);
  const char *a = s->args ? s->args : "";
  size_t n = strlen(a);
  if (n > 400) {
    n = 400;
    while (n > 0 && ((unsigned char)a[n] & 0xC0) == 0x80) n--;
  }
  /* the rule that decided it and the span of the command line it judged */
  return json_pack("{s:s, s:s, s:s, s:s, s:[i,i], s:s, s:s%, s:i}", "flag", f ? ds_shell_flag_name(f->flag) : "",
                   "rule", f ? f->rule : "", "reason", f ? f->reason : "", "command", f ? f->command : "", "span",
                   f ? (int)f->span_start : 0, f ? (int)f->span_end : 0, "tool", s->name ? s->name : "", "arguments", a,
                   n, "step", step);
}

/* first step >= from that raised any of flags, or -1 */
static int shell_hit(const struct view *v, unsigned flags, int from) {
  for (size_t i = from < 0 ? 0 : (size_t)from; i < v->n_steps; i++)
    if (v->steps[i].flags & flags) return (int)i;
  return -1;
}

/* decides rule and shell graders for one sample */
static void decide_static(struct ds_grader *g, struct view *v, struct gres *res, unsigned max_g) {
  const struct ds_rubric *r = g->r;
  for (unsigned c = 0; c < r->n_cats; c++)
    for (unsigned k = 0; k < r->cats[c].n_graders; k++) {
      const struct grader_def *d = &r->cats[c].graders[k];
      struct gres *gr = &res[c * max_g + k];
      if (d->type == GT_SHELL) {
        int st = shell_hit(v, d->match.shell_flags, 0);
        gr->label = st >= 0;
        gr->step = st;
        /* evidence is kept for flags only: clean rule results need none, and building it for
         * every category of every sample would cost more than the scan */
        if (st >= 0)
          gr->ev = json_pack("{s:s, s:b, s:o}", "type", "shell", "label", 1, "finding",
                             shell_ev(&v->steps[st], d->match.shell_flags, st));
        continue;
      }
      if (d->type != GT_RULE) continue;
      bool hit = gr->match_pos != INT32_MIN;
      int step = hit && gr->match_pos >= 0 && gr->match_pos < (int)v->n_steps ? gr->match_pos : -1;
      if (!hit) {
        gr->label = 0;
        continue;
      }
      json_t *ev = json_pack("{s:s}", "type", "rule");
      if (hit) {
        const struct piece *pc = &v->pieces[gr->match_piece];
        json_object_set_new(ev, "target", json_string(target_name(pc->target)));
        json_object_set_new(ev, "pattern", json_string(g->pats[gr->match_id].text));
        json_object_set_new(ev, "match", snippet(pc, gr->match_end));
      }
      if (hit && d->followed_by.present) {
        int fpos = gr->follow_pos;
        int sh = d->followed_by.shell_flags ? shell_hit(v, d->followed_by.shell_flags, gr->match_pos + 1) : -1;
        bool ok = fpos > gr->match_pos || sh >= 0;
        if (ok) {
          int at = sh >= 0 && (fpos <= gr->match_pos || sh < fpos) ? sh : fpos;
          if (at >= 0 && at < (int)v->n_steps) step = at;
          if (sh >= 0 && sh == at) json_object_set_new(ev, "followed_by", shell_ev(&v->steps[sh], d->followed_by.shell_flags, sh));
          else json_object_set_new(ev, "followed_by", json_pack("{s:i}", "step", at));
        }
        hit = ok;
      }
      if (hit && d->without.present) {
        bool w = gr->without_hit || (d->without.shell_flags && shell_hit(v, d->without.shell_flags, 0) >= 0);
        if (w) hit = false;
        else json_object_set_new(ev, "without", json_string("absent"));
      }
      json_object_set_new(ev, "label", json_boolean(hit));
      gr->label = hit;
      gr->step = hit ? step : -1;
      if (hit) gr->ev = ev;
      else json_decref(ev);
    }
}

/* ------------------------------------------------------------------ combine */

static void combine(const struct category_def *c, struct gres *res, struct ds_grade *out, const char *judge_names) {
  unsigned yes = 0, no = 0, errs = 0;
  int step = -1;
  json_t *graders = NULL;
  out->grader[0] = 0;
  for (unsigned k = 0; k < c->n_graders; k++) {
    struct gres *gr = &res[k];
    const char *nm = c->graders[k].type == GT_RULE ? "rule" : c->graders[k].type == GT_SHELL ? "shell" : "judge";
    if (!strstr(out->grader, nm)) {
      size_t o = strlen(out->grader);
      snprintf(out->grader + o, sizeof out->grader - o, "%s%s", o ? "+" : "", nm);
    }
    if (gr->label == 1) {
      yes++;
      if (step < 0 && gr->step >= 0) step = gr->step;
    } else if (gr->label == 0) no++;
    else errs++;
    if (gr->ev) {
      if (!graders) graders = json_array();
      json_array_append(graders, gr->ev);
    }
  }
  if (judge_names && *judge_names && strstr(out->grader, "judge")) {
    size_t o = strlen(out->grader);
    snprintf(out->grader + o, sizeof out->grader - o, ":%s", judge_names);
  }
  int label;
  unsigned n = c->n_graders;
  switch (c->combine) {
  case DS_COMBINE_ALL: label = no ? 0 : errs ? -1 : 1; break;
  case DS_COMBINE_MAJORITY:
    label = yes * 2 > n ? 1 : (no * 2 >= n ? 0 : -1);
    break;
  default: label = yes ? 1 : errs ? -1 : 0; break;
  }
  out->graded = true;
  out->label = label;
  out->step = label == 1 ? step : -1;
  double conf = 1.0;
  /* judge confidence is carried when a judge decided */
  for (unsigned k = 0; k < c->n_graders; k++)
    if (c->graders[k].type == GT_JUDGE && res[k].label >= 0 && res[k].ev)
      conf = json_number_value(json_object_get(res[k].ev, "confidence"));
  out->confidence = label >= 0 ? conf : 0;
  out->evidence = NULL;
  if (graders) {
    json_t *ev = json_pack("{s:s, s:o}", "combine",
                           c->combine == DS_COMBINE_ALL ? "all" : c->combine == DS_COMBINE_MAJORITY ? "majority" : "any",
                           "graders", graders);
    out->evidence = ds_json_compact(ev);
    json_decref(ev);
    if (!out->evidence) out->graded = false; /* out of memory: reported by the caller */
  }
  if (label < 0) {
    out->error = ds_strdup("grader error: no valid verdict (see evidence)");
  }
}

void ds_grades_release(struct ds_grade *g, size_t n) {
  if (!g) return;
  for (size_t i = 0; i < n; i++) {
    ds_free(g[i].evidence);
    ds_free(g[i].error);
    g[i].evidence = g[i].error = NULL;
  }
}

static bool applies(const struct category_def *c, bool agent) {
  return agent ? (c->applies & DS_APPLIES_AGENT) : (c->applies & DS_APPLIES_CHAT);
}

static unsigned max_graders(const struct ds_rubric *r) {
  unsigned m = 1;
  for (unsigned c = 0; c < r->n_cats; c++)
    if (r->cats[c].n_graders > m) m = r->cats[c].n_graders;
  return m;
}

static void gres_init(struct gres *res, size_t n) {
  for (size_t i = 0; i < n; i++) {
    memset(&res[i], 0, sizeof res[i]);
    res[i].label = -2;
    res[i].match_pos = INT32_MIN;
    res[i].follow_pos = INT32_MIN;
    res[i].step = -1;
  }
}

enum ds_status ds_grader_scan_rules(struct ds_grader *g, const struct ds_sample_view *s, struct ds_grade *out,
                                    size_t *out_bytes, struct ds_err *err) {
  /* rules and shell only, with every category treated as applicable; for the benchmark */
  const struct ds_rubric *r = g->r;
  unsigned mg = max_graders(r);
  struct gres *res = ds_malloc((size_t)r->n_cats * mg * sizeof *res);
  if (!res) return ds_fail(err, DS_E_NOMEM, "out of memory");
  gres_init(res, (size_t)r->n_cats * mg);
  struct view v;
  grade_view_build(&v, s);
  size_t bytes = 0;
  enum ds_status st = run_rules(g, &v, res, mg, &bytes, err);
  if (!st) {
    run_shell(&v, s, &g->p);
    decide_static(g, &v, res, mg);
    for (unsigned c = 0; c < r->n_cats; c++) {
      out[c].category = c;
      bool static_only = !r->cats[c].needs_judge;
      if (static_only) combine(&r->cats[c], &res[c * mg], &out[c], NULL);
      else out[c].graded = false;
    }
  }
  for (size_t i = 0; i < (size_t)r->n_cats * mg; i++) json_decref(res[i].ev);
  if (out_bytes) *out_bytes = bytes;
  grade_view_release(&v);
  ds_free(res);
  return st;
}

enum ds_status ds_grader_grade(struct ds_grader *g, const struct ds_sample_view *samples, unsigned n, const bool *skip,
                               struct ds_grade *out, struct ds_err *err) {
  const struct ds_rubric *r = g->r;
  unsigned nc = r->n_cats, mg = max_graders(r);
  size_t per = (size_t)nc * mg;
  struct gres *res = ds_malloc((n ? n : 1) * per * sizeof *res);
  struct view *views = ds_calloc(n ? n : 1, sizeof *views);
  struct jrun jr = {0};
  jr.g = g;
  enum ds_status st = DS_OK;
  if (!res || !views) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  gres_init(res, n * per);
  memset(out, 0, (size_t)n * nc * sizeof *out);
  size_t n_jobs = 0;
  for (unsigned i = 0; i < n; i++) {
    grade_view_build(&views[i], &samples[i]);
    if (views[i].oom) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    if ((st = run_rules(g, &views[i], &res[i * per], mg, NULL, err))) goto out;
    run_shell(&views[i], &samples[i], &g->p);
    decide_static(g, &views[i], &res[i * per], mg);
    bool agent = ds_sample_is_agent(&samples[i]);
    for (unsigned c = 0; c < nc; c++) {
      out[i * nc + c].category = c;
      out[i * nc + c].label = -1;
      out[i * nc + c].step = -1;
      const struct category_def *cd = &r->cats[c];
      if ((skip && skip[i * nc + c]) || !applies(cd, agent) || (cd->needs_judge && !g->n_judges)) continue;
      for (unsigned k = 0; k < cd->n_graders; k++)
        if (cd->graders[k].type == GT_JUDGE) {
          unsigned votes = g->p.votes ? g->p.votes : cd->graders[k].votes;
          n_jobs += (size_t)votes * g->n_judges;
        }
    }
  }
  if (n_jobs) {
    jr.jobs = ds_calloc(n_jobs, sizeof *jr.jobs);
    if (!jr.jobs) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    int schema = g->p.json_schema >= 0 ? g->p.json_schema : r->json_schema;
    if (schema) jr.extra = json_pack("{s:o}", "response_format", grade_verdict_schema());
    for (unsigned i = 0; i < n; i++) {
      bool agent = ds_sample_is_agent(&samples[i]);
      for (unsigned c = 0; c < nc; c++) {
        const struct category_def *cd = &r->cats[c];
        if ((skip && skip[i * nc + c]) || !applies(cd, agent) || !cd->needs_judge) continue;
        for (unsigned k = 0; k < cd->n_graders; k++) {
          if (cd->graders[k].type != GT_JUDGE) continue;
          char *prompt = grade_judge_prompt(r, cd, &cd->graders[k], &samples[i], &views[i]);
          unsigned votes = g->p.votes ? g->p.votes : cd->graders[k].votes;
          for (unsigned jd = 0; jd < g->n_judges; jd++)
            for (unsigned vt = 0; vt < votes; vt++) {
              struct jjob *j = &jr.jobs[jr.n++];
              j->sample = i, j->cat = c, j->grader = k, j->judge = jd, j->vote = vt;
              j->messages = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "system", "content",
                                      r->judge_system ? r->judge_system : grade_judge_default_system, "role", "user", "content",
                                      prompt ? prompt : "");
            }
          ds_free(prompt);
        }
      }
    }
    jr.pending = jr.n;
    if ((st = grade_run_judges(g, &jr, err))) goto out;
    /* fold votes into each judge grader's result */
    for (size_t q = 0; q < jr.n;) {
      struct jjob *j0 = &jr.jobs[q];
      size_t e = q;
      unsigned yes = 0, no = 0, bad = 0;
      double cy = 0, cn = 0;
      json_t *votes = json_array();
      while (e < jr.n && jr.jobs[e].sample == j0->sample && jr.jobs[e].cat == j0->cat && jr.jobs[e].grader == j0->grader) {
        struct jjob *j = &jr.jobs[e];
        if (j->label == 1) yes++, cy += j->conf;
        else if (j->label == 0) no++, cn += j->conf;
        else bad++;
        json_t *vo = j->label >= 0 ? json_pack("{s:s, s:i, s:f, s:s, s:i}", "judge", ds_backend_describe(g->judges[j->judge].b),
                                               "label", j->label, "confidence", j->conf, "evidence", j->evidence ? j->evidence : "",
                                               "attempts", j->attempts)
                                   : json_pack("{s:s, s:s, s:s, s:i}", "judge", ds_backend_describe(g->judges[j->judge].b),
                                               "error", j->error ? j->error : "no verdict", "last_answer", j->raw ? j->raw : "",
                                               "attempts", j->attempts);
        json_array_append_new(votes, vo);
        e++;
      }
      const struct grader_def *d = &r->cats[j0->cat].graders[j0->grader];
      struct gres *gr = &res[j0->sample * per + j0->cat * mg + j0->grader];
      gr->label = yes + no == 0 ? -1 : (yes >= no ? 1 : 0);
      double conf = gr->label == 1 ? cy / (yes ? yes : 1) : gr->label == 0 ? cn / (no ? no : 1) : 0;
      char psha[65];
      ds_sha256_hex(d->prompt, strlen(d->prompt), psha);
      gr->ev = json_pack("{s:s, s:i, s:f, s:s, s:s, s:s, s:o}", "type", "judge", "label", gr->label, "confidence", conf,
                         "prompt_version", d->version ? d->version : (r->prompt_version ? r->prompt_version : ""),
                         "prompt_sha256", psha, "prompt", d->prompt, "votes", votes);
      q = e;
    }
  }
  {
    char names[64] = "";
    if (g->n_judges) snprintf(names, sizeof names, "%s", ds_backend_describe(g->judges[0].b));
    for (unsigned i = 0; i < n; i++) {
      bool agent = ds_sample_is_agent(&samples[i]);
      for (unsigned c = 0; c < nc; c++) {
        const struct category_def *cd = &r->cats[c];
        struct ds_grade *o = &out[i * nc + c];
        if ((skip && skip[i * nc + c]) || !applies(cd, agent) || (cd->needs_judge && !g->n_judges)) continue;
        combine(cd, &res[i * per + c * mg], o, names);
        if (!o->graded) {
          st = ds_fail(err, DS_E_NOMEM, "out of memory");
          goto out;
        }
      }
    }
  }
out:
  if (res)
    for (size_t i = 0; i < n * per; i++) json_decref(res[i].ev);
  for (size_t i = 0; i < jr.n; i++) {
    json_decref(jr.jobs[i].messages);
    ds_free(jr.jobs[i].evidence);
    ds_free(jr.jobs[i].error);
    ds_free(jr.jobs[i].raw);
  }
  ds_free(jr.jobs);
  json_decref(jr.extra);
  if (views)
    for (unsigned i = 0; i < n; i++) grade_view_release(&views[i]);
  ds_free(views);
  ds_free(res);
  if (st) ds_grades_release(out, (size_t)n * nc);
  return st;
}
