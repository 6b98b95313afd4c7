/* tmpdir.h: a scratch directory for a test group (cmocka setup/teardown). */
#ifndef DS_TEST_TMPDIR_H
#define DS_TEST_TMPDIR_H

#include <stdbool.h>
#include <stddef.h>

/* ds_init, then mkdtemp(templ) (templ ends in XXXXXX and is rewritten); 0 or -1, as cmocka's
 * group setup returns. */
int ds_test_tmpdir_make(char *templ);
/* Removes dir and everything under it; 0 or -1. */
int ds_test_tmpdir_remove(const char *dir);
/* dir/name in one of 8 rotating buffers (valid until 8 more calls). */
const char *ds_test_path(const char *dir, const char *name);
/* Writes text to dir/name and returns its path (as ds_test_path); aborts the test when the
 * file cannot be written. */
const char *ds_test_write(const char *dir, const char *name, const char *text);
/* Writes len bytes to path (aborts the test when it cannot). */
void ds_test_put(const char *path, const void *data, size_t len);
/* The whole file at path, NUL-terminated (ds_free it); aborts when it cannot be read. */
char *ds_test_slurp(const char *path);
/* Whether path exists. */
bool ds_test_exists(const char *path);

#endif
