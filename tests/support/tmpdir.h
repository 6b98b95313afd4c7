/* tmpdir.h: a scratch directory for a test group (cmocka setup/teardown). */
#ifndef DS_TEST_TMPDIR_H
#define DS_TEST_TMPDIR_H

/* ds_init, then mkdtemp(templ) (templ ends in XXXXXX and is rewritten); 0 or -1, as cmocka's
 * group setup returns. */
int ds_test_tmpdir_make(char *templ);
/* Removes dir and everything under it; 0 or -1. */
int ds_test_tmpdir_remove(const char *dir);

#endif
