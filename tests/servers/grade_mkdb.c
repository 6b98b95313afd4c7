/* grade_mkdb.c: creates an empty run database with depsim's schema (for grade e2e tests that
 * fill it with the sqlite3 CLI). */
#include <stdio.h>

#include "depsim/store.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: grade_mkdb RUN.db\n");
    return 2;
  }
  struct ds_err err = {0};
  struct ds_store *s = NULL;
  if (ds_init(&err) || ds_store_open(argv[1], DS_STORE_CREATE, &s, &err)) {
    fprintf(stderr, "grade_mkdb: %s\n", err.msg);
    return 1;
  }
  ds_store_close(s);
  return 0;
}
