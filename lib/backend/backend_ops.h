/* backend_ops.h: what each backend implements (curl's vtls pattern): one const table per
 * backend, chosen by the spec's scheme. The instance is {ops, impl}. Internal. */
#ifndef DS_BACKEND_OPS_H
#define DS_BACKEND_OPS_H

#include "base/base.h"
#include "depsim/backend.h"

struct ds_backend_ops {
  const char *name;   /* the spec scheme: "openai", "llama", "file" */
  unsigned version;   /* 1 */
  /* rest: the spec after "name:"; sets b->impl and b->described (secrets removed) */
  enum ds_status (*open)(struct ds_backend *b, const char *rest, const struct ds_backend_params *p,
                         struct ds_err *err);
  enum ds_status (*submit)(struct ds_backend *b, const struct ds_request *req, struct ds_err *err);
  enum ds_status (*poll)(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud, struct ds_err *err);
  unsigned (*in_flight)(const struct ds_backend *b);
  unsigned (*context_length)(const struct ds_backend *b);                       /* may be NULL */
  enum ds_status (*count_tokens)(struct ds_backend *b, const json_t *messages, const json_t *tools,
                                 unsigned *out_n, struct ds_err *err);           /* may be NULL */
  enum ds_status (*count_text_tokens)(struct ds_backend *b, const char *text, size_t len, unsigned *out_n,
                                      struct ds_err *err);                      /* may be NULL */
  void (*close)(struct ds_backend *b);                                          /* may be NULL */
  enum ds_prefill_share (*prefill_share)(struct ds_backend *b, char *why, size_t why_len); /* may be NULL */
  void (*concurrency)(const struct ds_backend *b, struct ds_concurrency *out);             /* may be NULL */
  bool messages_json; /* submit takes req->messages_json as is; otherwise it is parsed first */
};

struct ds_backend {
  const struct ds_backend_ops *ops;
  void *impl;
  char *described;          /* spec without secrets, ds_malloc'ed */
  unsigned capacity;        /* max requests in flight */
  struct ds_backend_params params;
};

extern const struct ds_backend_ops ds_openai_ops;
extern const struct ds_backend_ops ds_file_ops;
extern const struct ds_backend_ops ds_logs_ops;
#if DS_WITH_LLAMA
extern const struct ds_backend_ops ds_llama_ops;
#endif

/* Spec query parsing shared by backends: "path?k=v&k2=v2" -> value of k (ds_malloc'ed,
 * percent-decoded) or NULL. Repeated keys: the n-th (0-based) occurrence. */
char *backend_spec_param(const char *rest, const char *key, unsigned nth);
/* True when an http(s) URL has user info ("http://user:pw@host/..."): refused, since a
 * password there is a key in the spec (openai.c). */
bool backend_url_has_userinfo(const char *url);
/* The part of rest before '?', ds_malloc'ed, percent-decoded. */
char *backend_spec_path(const char *rest);
/* req->messages_json parsed into a new array; NULL (err says why) when it is not one. */
json_t *backend_parse_messages(const struct ds_request *req, struct ds_err *err);

/* file.c: an index of completions by (prefix key, k), served by submit and poll; the "logs"
 * backend fills it from another model's logs. file_index_add with error set records a
 * request that must fail with that cause (DS_E_NOTFOUND). Two answers to one (key, k) fail. */
enum ds_status file_index_new(struct ds_backend *b, const char *path, struct ds_err *err);
enum ds_status file_index_add(struct ds_backend *b, const char *key, unsigned k, const char *content,
                              const char *reasoning, const json_t *tool_calls, const char *roles, uint64_t line,
                              const char *error, struct ds_err *err);
/* One letter per message role ("s","d","u","a","t"), the first n messages; ds_free it. A
 * request whose prefix roles differ from an entry's roles gets a DS_E_MISMATCH result. */
char *file_roles(const json_t *messages, size_t n);
/* The k under which the logs backend notes a conversation it has, with its cuts in the
 * error text: a request for another cut of it gets a DS_E_MISMATCH result saying so. */
#define FILE_CONV_K 0xffffffffu
void file_close(struct ds_backend *b);
enum ds_status file_submit(struct ds_backend *b, const struct ds_request *req, struct ds_err *err);
enum ds_status file_poll(struct ds_backend *b, int timeout_ms, ds_done_fn *done, void *ud, struct ds_err *err);
unsigned file_in_flight(const struct ds_backend *b);

/* openai.c: the Chat Completions body of req (model may be NULL; slot >= 0: llama-server's
 * slot and prompt cache), ds_malloc'ed, NULL with err set; and the model of an openai backend
 * (NULL for another backend or a spec without model=). */
char *openai_body(const char *model, const struct ds_request *req, int slot, size_t *out_len, struct ds_err *err);
const char *openai_model(const struct ds_backend *b);

/* config.c: "config:FILE#NAME", a block of FILE's `backends:` mapping. ref is the spec after
 * "config:"; *out_spec (ds_malloc'ed) becomes the equivalent openai:, llama: or file: spec.
 * Errors name the file and the block (an unknown NAME lists the defined ones). */
enum ds_status backend_config_resolve(const char *ref, char **out_spec, struct ds_err *err);
/* ds_backend_open of p->spec = "config:...": resolves it and opens the result with p's other
 * fields; an error of that open is reported as "config:FILE#NAME: cause". */
enum ds_status backend_config_open(const struct ds_backend_params *p, struct ds_backend **out, struct ds_err *err);

/* chat.c: canonical <-> OpenAI wire form, shared by backends.
 * Tool calls, wire or flat -> new array of {"id","name","arguments"(string)}; NULL if none. */
json_t *chat_tool_calls_flatten(const json_t *calls);
/* A new array whose assistant messages carry wire-form tool_calls (other members shared). */
json_t *chat_messages_to_wire(const json_t *messages);
/* Fills r's content, reasoning, tool_calls, choices (n > 1), finish_reason and token counts
 * from a chat.completion object. On failure returns DS_E_PARSE (malformed) or DS_E_BACKEND
 * (an "error" member) with the cause in why; r may hold partial fields (release it). */
enum ds_status chat_parse_completion(const json_t *body, struct ds_result *r, char *why, size_t why_len);

#endif
