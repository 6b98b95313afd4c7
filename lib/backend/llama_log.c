/* llama_log.c: llama.cpp's messages relayed to the caller's log at debug level: straight from
 * the caller's thread, queued (bounded, drops counted) from the worker until the next poll. */
#include <string.h>

#include "backend/llama_int.h"

void lb_log_cb(enum ggml_log_level level, const char *text, void *ud) {
  struct llama_impl *im = ud;
  if (!im || !text) return;
  size_t n = strlen(text);
  while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) n--;
  if (n == 0 || (n == 1 && text[0] == '.')) return;
  if (level == GGML_LOG_LEVEL_ERROR) snprintf(im->last_error, sizeof im->last_error, "%.*s", (int)n, text);
  if (!im->log.fn) return;
  if (pthread_equal(pthread_self(), im->owner)) {
    char buf[1024];
    snprintf(buf, sizeof buf, "llama.cpp: %.*s", (int)n, text);
    im->log.fn(im->log.ud, DS_LOG_DEBUG, buf);
    return;
  }
  /* from the worker: the caller's log sink is not ours to call from another thread */
  pthread_mutex_lock(&im->mu);
  if (im->n_logq >= LLAMA_LOG_QUEUE_MAX) {
    im->n_log_dropped++;
  } else {
    struct llama_logmsg *m = ds_malloc(sizeof *m);
    if (m && (m->text = ds_strndup(text, n))) {
      m->next = NULL;
      if (im->logq_tail) im->logq_tail->next = m;
      else im->logq = m;
      im->logq_tail = m;
      im->n_logq++;
    } else {
      ds_free(m);
      im->n_log_dropped++;
    }
  }
  pthread_mutex_unlock(&im->mu);
}

void lb_quiet_cb(enum ggml_log_level level, const char *text, void *ud) {
  DS_UNUSED(level);
  DS_UNUSED(text);
  DS_UNUSED(ud);
}

void lb_drain_log(struct llama_impl *im) {
  pthread_mutex_lock(&im->mu);
  struct llama_logmsg *m = im->logq;
  unsigned dropped = im->n_log_dropped;
  im->logq = im->logq_tail = NULL;
  im->n_logq = im->n_log_dropped = 0;
  pthread_mutex_unlock(&im->mu);
  while (m) {
    struct llama_logmsg *nx = m->next;
    ds_logf(&im->log, DS_LOG_DEBUG, "llama.cpp: %s", m->text);
    ds_free(m->text);
    ds_free(m);
    m = nx;
  }
  if (dropped) ds_logf(&im->log, DS_LOG_DEBUG, "llama.cpp: %u messages dropped", dropped);
}
