/* fuzz_rubric.c: libFuzzer target for rubric parsing and rule compilation. */
#include <stdint.h>
#include <string.h>

#include "base/base.h"
#include "depsim/grade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int inited;
  if (!inited) {
    ds_init(NULL);
    inited = 1;
  }
  struct ds_rubric *r = NULL;
  if (ds_rubric_parse((const char *)data, size, "fuzz.yaml", &r, NULL) == DS_OK) {
    struct ds_grader *g = NULL;
    if (ds_grader_new(r, NULL, &g, NULL) == DS_OK) {
      struct ds_sample_view v = {.content = "sorry, rm -rf / here", .reasoning = "x"};
      struct ds_grade out[64];
      if (ds_rubric_n_categories(r) <= 64 && ds_grader_grade(g, &v, 1, NULL, out, NULL) == DS_OK)
        ds_grades_release(out, ds_rubric_n_categories(r));
      ds_grader_free(g);
    }
    ds_rubric_free(r);
  }
  return 0;
}
