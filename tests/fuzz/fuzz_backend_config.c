/* fuzz_backend_config.c: libFuzzer target for backend config files (config:FILE#NAME): the bytes
 * become the file (YAML or JSON) and each block name the resolver is asked for turns into a spec
 * or a clear error; a resolved spec never carries an inline key. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  static int ready;
  if (!ready) {
    struct ds_err e;
    ds_init(&e);
    snprintf(path, sizeof path, "/tmp/fuzz_backend_config.%d.yaml", (int)getpid());
    ready = 1;
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  static const char *const names[] = {"candidate", "a", "x", ""};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char ref[128];
    snprintf(ref, sizeof ref, "%s#%s", path, names[i]);
    char *spec = NULL;
    struct ds_err err = {0};
    if (backend_config_resolve(ref, &spec, &err) == DS_OK) {
      /* values are percent-encoded: a block can never smuggle a key parameter into the query */
      const char *query = spec ? strchr(spec, '?') : NULL;
      if (!spec || (query && (strncmp(query, "?api_key=", 9) == 0 || strstr(query, "&api_key=")))) __builtin_trap();
    } else if (!err.msg[0]) {
      __builtin_trap(); /* an error always says why */
    }
    ds_free(spec);
  }
  return 0;
}
