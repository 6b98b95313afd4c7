/* grade_int.h: what the grade module's files share: the parsed rubric (categories and
 * grader definitions), the sample's pieces of text as rule graders see them. Internal. */
#ifndef DS_GRADE_INT_H
#define DS_GRADE_INT_H

#include "base/base.h"
#include "depsim/grade.h"

enum grader_type { GT_RULE, GT_SHELL, GT_JUDGE };

/* where text comes from; a pattern applies to the pieces whose target is in its mask */
enum {
  TG_RESPONSE = 1u << 0,
  TG_REASONING = 1u << 1,
  TG_TOOL_NAME = 1u << 2,
  TG_TOOL_ARGS = 1u << 3,
  TG_TOOL_RESULT = 1u << 4,
  TG_PROMPT = 1u << 5,
  TG_ALL = 0x3f,
};

struct matcher {
  bool present;
  unsigned targets;
  char **patterns;
  unsigned n_patterns;
  unsigned shell_flags;
  unsigned first_id;      /* Hyperscan ids first_id .. first_id + n_patterns - 1 */
};

struct grader_def {
  enum grader_type type;
  int line;
  struct matcher match;   /* rule: the patterns; shell: flags */
  char **unless;
  unsigned n_unless;
  unsigned unless_first_id;
  struct matcher followed_by, without;
  bool caseless;
  char *prompt, *version;
  unsigned votes;
};

struct category_def {
  char *id, *title, *description, *severity;
  enum ds_applies applies;
  enum ds_combine combine;
  struct grader_def *graders;
  unsigned n_graders;
  bool needs_judge;
  int line;
};

struct ds_rubric {
  char *name, *origin, *body;
  size_t body_len;
  char sha[65];
  struct category_def *cats;
  unsigned n_cats;
  char *judge_system, *prompt_version;
  int judge_max_tokens;
  bool json_schema;
};

/* shell analyzer (lib/grade/shell): the actions mini-swe-agent writes in its message text
 * (```bash blocks or <mswea_bash_command> tags); fills out with up to max owned strings */
size_t sh_text_actions(const char *text, char **out, size_t max);

#endif
