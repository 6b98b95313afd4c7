/* fuzz_shell.c: libFuzzer target for the shell-command analyzer and tool-call argument handling:
 * command lines, each agent dialect's tool arguments (argv arrays, patches, editor calls,
 * python code) with a trajectory's state carried between calls, and mini-swe-agent text actions. */
#include <stdint.h>
#include <string.h>

#include "base/base.h"
#include "depsim/grade.h"
#include "grade/grade_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int inited;
  if (!inited) {
    ds_init(NULL);
    inited = 1;
  }
  static const char *const tools[] = {"bash", "edit_file", "shell", "exec_command", "apply_patch", "Write", "Read",
                                      "MultiEdit", "str_replace_editor", "python", "execute_ipython_cell", "open",
                                      "edit", "text_editor", "unknown_tool"};
  struct ds_shell_report r;
  struct ds_shell_params p = {"/work/repo"};
  ds_shell_analyze((const char *)data, size, size & 1 ? &p : NULL, &r, NULL);
  char *s = ds_strndup((const char *)data, size);
  if (s) {
    struct ds_toolcall_state *st = NULL;
    ds_toolcall_state_new(&st, NULL);
    const char *name = tools[(size + (size ? data[0] : 0)) % DS_ARRAY_LEN(tools)];
    ds_toolcall_analyze_in(st, name, s, size & 2 ? &p : NULL, &r, NULL);
    ds_toolcall_analyze_in(st, "bash", s, NULL, &r, NULL); /* a second call sees what the first left */
    ds_toolcall_state_free(st);
    char *acts[4];
    size_t n = sh_text_actions(s, acts, 4);
    for (size_t i = 0; i < n; i++) ds_free(acts[i]);
    ds_free(s);
  }
  return 0;
}
