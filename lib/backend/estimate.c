/* estimate.c: token counts without a tokenizer (ds_tokens_estimate_*): what `depsim plan`
 * says when the backend has none, labeled an estimate wherever it is printed. One rule for
 * every model, fixed in advance (not fitted); docs/backends.md gives its error measured against
 * real tokenizers. */
#include <string.h>

#include "base/base.h"
#include "depsim/backend.h"

#define EST_PER_MESSAGE 4 /* role, separators, end of turn */
#define EST_PER_PROMPT 3  /* the assistant's turn opening */

static bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

uint64_t ds_tokens_estimate_text(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  uint64_t n = 0;
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    size_t j = i + 1;
    if (is_alpha(c)) { /* a word: a token per 4 letters or part */
      while (j < len && is_alpha(s[j])) j++;
      n += (j - i + 3) / 4;
    } else if (is_digit(c)) { /* a number: a token per 3 digits or part */
      while (j < len && is_digit(s[j])) j++;
      n += (j - i + 2) / 3;
    } else if (c == ' ') { /* a space joins the word after it; a run of spaces is one token */
      if (j < len && s[j] == ' ') {
        while (j < len && s[j] == ' ') j++;
        n++;
      }
    } else if (c < 0x80) { /* punctuation, a newline, a tab */
      n++;
    } else { /* a code point of any other script or symbol */
      while (j < len && (s[j] & 0xc0) == 0x80) j++;
      n++;
    }
    i = j;
  }
  return n;
}

static uint64_t estimate_value(const json_t *v) {
  if (json_is_string(v)) return ds_tokens_estimate_text(json_string_value(v), json_string_length(v));
  if (!v || json_is_null(v)) return 0;
  char *text = ds_json_compact(v);
  uint64_t n = text ? ds_tokens_estimate_text(text, strlen(text)) : 0;
  ds_free(text);
  return n;
}

/* The text a model reads of a message: its content (a string, or parts whose text counts),
 * tool calls (name and arguments, canonical or wire form), reasoning sent back, a name. */
static uint64_t estimate_message(const json_t *m) {
  uint64_t n = EST_PER_MESSAGE;
  const json_t *content = json_object_get(m, "content");
  if (json_is_array(content)) {
    size_t i;
    const json_t *part;
    json_array_foreach(content, i, part) {
      const json_t *t = json_object_get(part, "text");
      n += t ? estimate_value(t) : estimate_value(part);
    }
  } else {
    n += estimate_value(content);
  }
  size_t i;
  const json_t *tc;
  json_array_foreach(json_object_get(m, "tool_calls"), i, tc) {
    const json_t *f = json_object_get(tc, "function");
    if (!f) f = tc;
    n += EST_PER_MESSAGE + estimate_value(json_object_get(f, "name")) + estimate_value(json_object_get(f, "arguments"));
  }
  n += estimate_value(json_object_get(m, "reasoning_content")) + estimate_value(json_object_get(m, "name"));
  return n;
}

uint64_t ds_tokens_estimate_messages(const json_t *messages, const json_t *tools) {
  uint64_t n = EST_PER_PROMPT;
  size_t i;
  const json_t *m;
  json_array_foreach(messages, i, m) n += estimate_message(m);
  if (json_array_size(tools)) n += estimate_value(tools);
  return n;
}
