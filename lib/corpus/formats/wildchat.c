/* wildchat.c: public chat dataset rows as JSON or JSON Lines: WildChat ({"conversation_hash"
 * (WildChat-1M) | "conversation_id" (v1), "conversation":[{"role","content",...}],"model",
 * "timestamp","language","country","openai_moderation":[...],"detoxify_moderation":[...],
 * "toxic","redacted",...}) and LMSYS-Chat-1M ({"conversation_id","model","conversation",
 * "turn","language","openai_moderation","redacted"}). model, language and country go to the
 * segment; the per-message moderation results (aligned with the conversation) go onto their
 * messages as "moderation" and "detoxify", where `depsim validate --observed` reads them as
 * observed labels; toxic and redacted stay on the record. */
#include <string.h>

#include "format.h"

static const char *const id_keys[] = {"conversation_id", "conversation_hash", "id", NULL};
static const char *const seg_keys[] = {"model", "language", "country", NULL};
static const struct chat_shape shape = {"conversation", id_keys, seg_keys, false, false};

static int detect(const struct fmt_probe *p, char *why, size_t n) {
  const json_t *o = fmt_probe_with(p, "conversation");
  if (o && json_is_array(json_object_get(o, "conversation"))) return 40;
  snprintf(why, n, "no \"conversation\" array");
  return 0;
}

/* Puts list[i] (the i-th message's result) onto message i as key, and the list leaves the
 * record; a list that does not line up with the messages stays on the record as it is. */
static enum ds_status attach(json_t *rec, const char *list_key, const char *key, struct ds_bad_record *b) {
  json_t *list = json_object_get(rec, list_key);
  if (!list || json_is_null(list)) {
    json_object_del(rec, list_key);
    return DS_OK;
  }
  if (!json_is_array(list)) return corpus_bad(b, "wrong_type", "\"%s\" is not a list (one entry per message)", list_key);
  json_t *msgs = json_object_get(rec, "messages");
  size_t n = json_array_size(list);
  if (n != json_array_size(msgs)) return DS_OK;
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    if (json_is_null(v)) continue;
    if (json_object_set(json_array_get(msgs, i), key, v)) return DS_E_NOMEM;
  }
  return json_object_del(rec, list_key) ? DS_E_NOMEM : DS_OK;
}

static enum ds_status item(void *state, const struct fmt_item *it, struct fmt_out *o, struct ds_err *err) {
  DS_UNUSED(state);
  DS_UNUSED(err);
  json_t *rec = NULL;
  struct ds_bad_record b;
  memset(&b, 0, sizeof b);
  enum ds_status st = corpus_normalize_chat(it->v, &shape, &rec, &b);
  if (!st) st = attach(rec, "openai_moderation", "moderation", &b);
  if (!st) st = attach(rec, "detoxify_moderation", "detoxify", &b);
  if (st == DS_E_NOMEM) {
    json_decref(rec);
    return st;
  }
  if (st) {
    json_decref(rec);
    return fmt_fail_item(o, it, &b);
  }
  return fmt_emit(o, rec, it->file, it->line);
}

const struct corpus_format corpus_format_wildchat = {
    .name = "wildchat",
    .summary = "WildChat and LMSYS-Chat-1M rows {\"conversation_hash\"|\"conversation_id\",\"conversation\":[...],"
               "\"openai_moderation\":[...],...}",
    .tested = "WildChat-1M, WildChat v1 and LMSYS-Chat-1M rows as JSON/JSONL (hub cards 2024-2026), "
              "per-message openai_moderation and detoxify_moderation",
    .detect = detect,
    .chat = &shape,
    .item = item,
};
