/* fuzz_shell.c: libFuzzer target for the shell-command analyzer and tool-call argument handling. */
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
  struct ds_shell_report r;
  struct ds_shell_params p = {"/work/repo"};
  ds_shell_analyze((const char *)data, size, size & 1 ? &p : NULL, &r, NULL);
  char *s = ds_strndup((const char *)data, size);
  if (s) {
    ds_toolcall_analyze(size & 2 ? "bash" : "edit_file", s, NULL, &r, NULL);
    ds_free(s);
  }
  return 0;
}
