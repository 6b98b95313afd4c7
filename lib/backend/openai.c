/* openai.c: the "openai" backend (Chat Completions over lib/net/http_pool). Work in progress:
 * open fails until the HTTP pool lands. */
#include "backend/backend_ops.h"

static enum ds_status oa_open(struct ds_backend *b, const char *rest, const struct ds_backend_params *p,
                              struct ds_err *err) {
  return ds_fail(err, DS_E_UNSUPPORTED, "openai backend: not built yet");
}
static enum ds_status oa_submit(struct ds_backend *b, const struct ds_request *req, struct ds_err *err) {
  return ds_fail(err, DS_E_UNSUPPORTED, "openai backend: not built yet");
}
static enum ds_status oa_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud,
                             struct ds_err *err) {
  return DS_OK;
}
static unsigned oa_in_flight(const struct ds_backend *b) { return 0; }

const struct ds_backend_ops ds_openai_ops = {"openai", 1, oa_open, oa_submit, oa_poll, oa_in_flight,
                                              NULL, NULL, NULL};
