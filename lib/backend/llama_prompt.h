/* llama_prompt.h: rendering and tokenizing a request for the in-process llama backend. */
#ifndef DS_BACKEND_LLAMA_PROMPT_H
#define DS_BACKEND_LLAMA_PROMPT_H

#include <jansson.h>
#include <llama.h>

#include "base/base.h"

/* The prompt of messages (and tools) rendered with tmpl, the model's chat template, or a plain
 * "role: content" transcript when tmpl is NULL; ends where the assistant's answer starts. */
enum ds_status lb_render_prompt(const char *tmpl, const json_t *messages, const json_t *tools, struct ds_buf *out,
                                struct ds_err *err);
/* The tokens of text; special: special tokens parsed and BOS added as the model wants (a
 * prompt), else plain text (an answer); *out ds_malloc'ed. */
enum ds_status lb_tokenize(const struct llama_vocab *vocab, const char *text, size_t len, bool special,
                           llama_token **out, int *out_n, struct ds_err *err);

#endif
