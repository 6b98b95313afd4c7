/* tmpdir.c: scratch directories for test groups, and files written and read in them. */
#include "tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/base.h"
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

void ds_test_put(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    abort();
  }
}

char *ds_test_slurp(const char *path) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  struct ds_err err = {0};
  if (ds_read_file(path, 0, &b, &err) != DS_OK) {
    fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
    abort();
  }
  return ds_buf_detach(&b, NULL);
}

bool ds_test_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}
