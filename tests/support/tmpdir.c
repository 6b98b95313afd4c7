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

const char *ds_test_path(const char *dir, const char *name) {
  static char paths[8][512];
  static unsigned next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", dir, name);
  return p;
}

const char *ds_test_write(const char *dir, const char *name, const char *text) {
  const char *path = ds_test_path(dir, name);
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    abort();
  }
  return path;
}
