/* fuzz_sse_or_response.c: libFuzzer target for the Chat Completions response parser (what
 * an outside server sends) and the canonical -> wire message conversion. */
#include <stdint.h>
#include <string.h>

#include "backend/backend_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    ds_init(NULL);
    ready = 1;
  }
  json_t *o = json_loadb((const char *)data, size, 0, NULL);
  if (!o) return 0;
  struct ds_result r;
  memset(&r, 0, sizeof r);
  char why[200];
  chat_parse_completion(o, &r, why, sizeof why);
  ds_result_release(&r);
  json_t *w = chat_messages_to_wire(json_is_array(o) ? o : json_object_get(o, "messages"));
  json_t *f = chat_tool_calls_flatten(json_object_get(o, "tool_calls"));
  json_decref(f);
  json_decref(w);
  json_decref(o);
  return 0;
}
