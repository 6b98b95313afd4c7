/* fuzz_realism.c: libFuzzer target for what the realism judges read from a model: the
 * discriminator's and the awareness judge's verdicts (JSON inside free text, or a bare
 * answer) and the verbalized-awareness matcher over sample text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "depsim/realism.h"
#include "realism/realism_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    ds_init(NULL);
    ready = 1;
  }
  /* verdicts arrive as NUL-terminated model output */
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char choice = 0;
  double conf = 0;
  if (realism_parse_discriminate(text, &choice, &conf) && choice != 'A' && choice != 'B') __builtin_trap();
  bool eval = false;
  realism_parse_awareness(text, &eval, &conf);
  /* the matcher takes (text, len): the whole buffer, then a tight phrase buffer */
  char phrase[64];
  if (ds_awareness_verbalized(text, size, phrase, sizeof phrase) && strlen(phrase) >= sizeof phrase)
    __builtin_trap();
  char tiny[1];
  ds_awareness_verbalized(text, size, tiny, sizeof tiny);
  free(text);
  return 0;
}
