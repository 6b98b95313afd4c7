/* tmpdir.c: scratch directories for test groups. */
#include "tmpdir.h"

#include <stdio.h>
#include <stdlib.h>

#include "depsim/depsim.h"

int ds_test_tmpdir_make(char *templ) {
  struct ds_err err = {0};
  if (ds_init(&err)) return -1;
  return mkdtemp(templ) ? 0 : -1;
}

int ds_test_tmpdir_remove(const char *dir) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}
