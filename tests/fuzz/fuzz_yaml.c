/* fuzz_yaml.c: libFuzzer target for the base YAML loader (config, rubric and policy files are
 * user-supplied): any bytes must give a jansson tree or a clean error, never a crash or leak. */
#include <stdint.h>
#include <string.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    ds_init(NULL);
    ready = 1;
  }
  json_t *v = NULL;
  struct ds_err err;
  memset(&err, 0, sizeof err);
  enum ds_status st = ds_yaml_parse((const char *)data, size, "fuzz.yaml", &v, &err);
  if (st == DS_OK) {
    /* the tree must serialize: every string is valid UTF-8, every value well formed */
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) __builtin_trap();
    ds_free(s);
    json_decref(v);
  } else {
    if (v) __builtin_trap();           /* no tree on failure */
    if (!err.msg[0]) __builtin_trap(); /* every failure says why */
  }
  return 0;
}
