/* grader_int.h: what the grader's parts share: the compiled grader, a sample's pieces (text by
 * target, tool steps with their shell analysis), one grader's outcome on a sample, and the judge
 * jobs of a batch. grader.c compiles and runs the rules and combines; view.c builds a sample's
 * pieces; judge.c asks the model judges. */
#ifndef DS_GRADE_GRADER_INT_H
#define DS_GRADE_GRADER_INT_H

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "depsim/backend.h"
#include "grade/grade_int.h"

enum pat_kind { PK_MATCH, PK_UNLESS, PK_FOLLOW, PK_WITHOUT };

struct pat_meta {
  unsigned cat, grader;
  enum pat_kind kind;
  unsigned targets;
  const char *text;
  pcre2_code *pcre;     /* non-NULL when Hyperscan could not compile it */
};

struct judge {
  struct ds_backend *b;
  char *spec;           /* described (no secrets) */
};

struct ds_grader {
  const struct ds_rubric *r;
  struct ds_grader_params p;
  hs_database_t *db;
  hs_scratch_t *scratch;
  struct pat_meta *pats;
  unsigned n_pats;
  unsigned *pcre_ids;
  unsigned n_pcre;
  pcre2_match_data *md;
  struct judge *judges;
  unsigned n_judges;
  /* per-scan state */
  int *hit_end;         /* per pattern id: end offset of its first match in this piece, -1 none */
  unsigned *touched;
  unsigned n_touched;
};

/* ---- a sample's pieces (view.c) */

struct piece {
  unsigned target;
  int pos;              /* -1 prompt, 0..n-1 tool steps, n final answer */
  const char *p;
  size_t len;
};

struct step {
  const char *name, *args, *call_id;
  unsigned flags;
  struct ds_shell_report rep;
};

struct view {
  struct piece *pieces;
  size_t n_pieces, cap;
  struct step *steps;
  size_t n_steps, step_cap;
  char **owned;
  size_t n_owned, owned_cap;
  bool oom;
};

void grade_view_build(struct view *v, const struct ds_sample_view *s);
void grade_view_release(struct view *v);
/* The text of a message's content (a string, or its text parts joined), owned by the view. */
const char *grade_view_content_text(struct view *v, const json_t *content);

/* ---- one grader's outcome on one sample */
struct gres {               /* one grader's outcome on one sample */
  int label;                /* -2 not run, -1 error, 0, 1 */
  int match_pos;            /* earliest position of a counted match */
  int match_piece;
  size_t match_end;
  unsigned match_id;
  int follow_pos;           /* latest position a followed_by matcher hit */
  bool without_hit;
  int step;
  json_t *ev;               /* evidence object */
};

/* ---- model judges (judge.c) */
struct jjob {
  unsigned sample, cat, grader, judge, vote;
  unsigned attempts;
  bool done, retry;
  int label;
  double conf;
  char *evidence;
  char *error;
  char *raw;              /* last unparseable answer (trimmed) */
  json_t *messages;
};

struct jrun {
  struct jjob *jobs;
  size_t n;
  size_t pending;
  size_t answered;        /* requests answered (a retried verdict counts each time) */
  struct ds_grader *g;
  json_t *extra;
};

extern const char grade_judge_default_system[];
char *grade_judge_prompt(const struct ds_rubric *r, const struct category_def *c, const struct grader_def *d,
                         const struct ds_sample_view *s, struct view *v);
/* response_format for servers that constrain output to a JSON schema. */
json_t *grade_verdict_schema(void);
/* Sends every pending job of jr to the judges and waits for the verdicts (retrying unparseable
 * ones up to judge_attempts); DS_E_CANCELLED when the log's cancel flag is raised. */
enum ds_status grade_run_judges(struct ds_grader *g, struct jrun *jr, struct ds_err *err);

#endif
