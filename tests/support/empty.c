/* empty.c: keeps the test-support library non-empty before helpers exist. */
typedef int ds_test_support_empty;
