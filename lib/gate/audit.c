/* audit.c: the gate's audit log: append-only JSON Lines, each record carrying its own SHA-256
 * (over its canonical JSON without that field) and the previous record's, so an edited, removed
 * or reordered record breaks the chain. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "gate/gate_int.h"

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* A record line is T with its closing brace replaced by ,"record_sha256":"<hex>"} where T is the
 * record's canonical JSON (sorted keys, compact) without that field, and hex = SHA-256(T). Any
 * tool can check it on the text alone, with no JSON re-serialisation. */
#define SUFFIX_LEN (sizeof(",\"record_sha256\":\"\"}") - 1 + 64)

static bool own_hash(const char *line, size_t len, char out_claimed[65], char out_actual[65]) {
  static const char pre[] = ",\"record_sha256\":\"";
  if (len < SUFFIX_LEN + 2) return false;
  const char *s = line + len - SUFFIX_LEN;
  if (memcmp(s, pre, sizeof pre - 1) != 0 || line[len - 1] != '}' || line[len - 2] != '"') return false;
  memcpy(out_claimed, s + sizeof pre - 1, 64);
  out_claimed[64] = 0;
  struct ds_sha256 h;
  if (ds_sha256_begin(&h)) return false;
  ds_sha256_update(&h, line, (size_t)(s - line));
  ds_sha256_update(&h, "}", 1);
  ds_sha256_end(&h, out_actual);
  return true;
}

/* Walks the chain in text (a whole log). */
static enum ds_status verify_text(const char *path, const char *text, size_t len, uint64_t *out_n, char head[65],
                                  struct ds_err *err) {
  char prev[65];
  memcpy(prev, zero_hash, 65);
  uint64_t n = 0, line = 0;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    line++;
    if (le == p) {
      p = le + 1;
      continue; /* blank line: tolerated (an editor's trailing newline) */
    }
    if (!nl)
      return ds_fail(err, DS_E_TAMPERED, "%s:%llu: record is not terminated by a newline (truncated write?)", path,
                     (unsigned long long)line);
    json_error_t je;
    json_t *rec = json_loadb(p, (size_t)(le - p), 0, &je);
    if (!json_is_object(rec)) {
      json_decref(rec);
      return ds_fail(err, DS_E_TAMPERED, "%s:%llu: not a JSON record: %s", path, (unsigned long long)line, je.text);
    }
    char h[65], own[65];
    enum ds_status st = DS_OK;
    const char *link = ds_json_str(rec, "prev_sha256", "");
    json_int_t seq = json_integer_value(json_object_get(rec, "seq"));
    if (!own_hash(p, (size_t)(le - p), own, h))
      st = ds_fail(err, DS_E_TAMPERED, "%s:%llu: record does not end with its record_sha256", path,
                   (unsigned long long)line);
    else if (strcmp(h, own) != 0)
      st = ds_fail(err, DS_E_TAMPERED, "%s:%llu: record %lld was edited (its hash does not match its content)", path,
                   (unsigned long long)line, (long long)seq);
    else if (strcmp(link, prev) != 0)
      st = ds_fail(err, DS_E_TAMPERED,
                   "%s:%llu: record %lld does not follow the previous record (a record was removed, inserted or "
                   "reordered before it)",
                   path, (unsigned long long)line, (long long)seq);
    else if (!json_is_integer(json_object_get(rec, "seq")) || seq != (json_int_t)n + 1)
      st = ds_fail(err, DS_E_TAMPERED, "%s:%llu: sequence number %lld where %llu was expected", path,
                   (unsigned long long)line, (long long)seq, (unsigned long long)n + 1);
    json_decref(rec);
    if (st) return st;
    memcpy(prev, h, 65);
    n++;
    p = le + 1;
  }
  *out_n = n;
  memcpy(head, prev, 65);
  return DS_OK;
}

enum ds_status ds_audit_verify(const char *path, uint64_t *out_records, char out_head[65], struct ds_err *err) {
  struct ds_buf b;
  ds_buf_init(&b, 0);
  enum ds_status st = ds_read_file(path, 0, &b, err);
  if (!st) st = verify_text(path, b.data, b.len, out_records, out_head, err);
  ds_buf_release(&b);
  return st;
}

static json_t *estimates(const json_t *cats) {
  json_t *a = json_array();
  size_t i;
  json_t *c;
  json_array_foreach(cats, i, c) {
    json_t *e = json_object();
    static const char *keys[] = {"id", "events", "n", "rate", "lower", "upper", "baseline_rate", "ratio",
                                 "ratio_lower", "ratio_upper", "direction"};
    for (size_t k = 0; k < DS_ARRAY_LEN(keys); k++) {
      json_t *v = json_object_get(c, keys[k]);
      if (v) json_object_set(e, keys[k], v);
    }
    json_array_append_new(a, e);
  }
  return a;
}

enum ds_status ds_audit_append(const char *path, const struct ds_gate_result *r, char out_sha[65], struct ds_err *err) {
  enum ds_status st = DS_OK;
  json_t *rec = NULL;
  char *line = NULL;
  struct ds_buf b;
  ds_buf_init(&b, 0);
  int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ds_fail(err, DS_E_IO, "%s: cannot open audit log: %s", path, strerror(errno));
  if (flock(fd, LOCK_EX) != 0) {
    st = ds_fail(err, DS_E_IO, "%s: cannot lock: %s", path, strerror(errno));
    goto out;
  }
  /* read under the lock, then verify the chain we extend */
  char chunk[65536];
  ssize_t got;
  lseek(fd, 0, SEEK_SET);
  while ((got = read(fd, chunk, sizeof chunk)) > 0)
    if (ds_buf_add(&b, chunk, (size_t)got)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
  if (got < 0) {
    st = ds_fail(err, DS_E_IO, "%s: read: %s", path, strerror(errno));
    goto out;
  }
  uint64_t n;
  char head[65];
  if ((st = verify_text(path, b.data, b.len, &n, head, err))) goto out;
  const json_t *d = r->doc;
  rec = json_object();
  json_object_set_new(rec, "seq", json_integer((json_int_t)n + 1));
  json_object_set(rec, "time", json_object_get(d, "time"));
  json_object_set_new(rec, "depsim_version", json_string(DS_VERSION));
  static const char *keys[] = {"decision", "policy_path", "policy_sha256", "forecast_path", "forecast_sha256",
                               "rubric_sha256", "corpus_sha256", "candidate_model", "baseline_model", "confidence",
                               "run"};
  for (size_t k = 0; k < DS_ARRAY_LEN(keys); k++) {
    json_t *v = json_object_get(d, keys[k]);
    json_object_set(rec, keys[k], v ? v : json_null());
  }
  json_t *thr = json_array(), *dec = json_array();
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(d, "categories"), i, c) {
    json_array_append_new(thr, json_pack("{s:O,s:O}", "id", json_object_get(c, "id"), "rule", json_object_get(c, "rule")));
    json_array_append_new(dec, json_pack("{s:O,s:O,s:O}", "id", json_object_get(c, "id"), "decision",
                                         json_object_get(c, "decision"), "reason", json_object_get(c, "reason")));
  }
  json_object_set_new(rec, "estimates", estimates(json_object_get(d, "categories")));
  json_object_set_new(rec, "thresholds", thr);
  json_object_set_new(rec, "decisions", dec);
  json_object_set_new(rec, "prev_sha256", json_string(head));
  char h[65];
  char *t = ds_json_canonical(rec);
  if (!t) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  size_t tl = strlen(t);
  ds_sha256_hex(t, tl, h);
  struct ds_buf lb;
  ds_buf_init(&lb, 0);
  st = ds_buf_add(&lb, t, tl - 1) || ds_buf_addf(&lb, ",\"record_sha256\":\"%s\"}\n", h) ? DS_E_NOMEM : DS_OK;
  ds_free(t);
  if (st) {
    ds_buf_release(&lb);
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  size_t len;
  line = ds_buf_detach(&lb, &len);
  ds_buf_release(&lb);
  /* one write(2) on an O_APPEND descriptor under flock: records never interleave */
  ssize_t w = write(fd, line, len);
  if (w != (ssize_t)len) {
    st = ds_fail(err, DS_E_IO, "%s: append failed: %s", path, w < 0 ? strerror(errno) : "short write");
    goto out;
  }
  if (fsync(fd) != 0) {
    st = ds_fail(err, DS_E_IO, "%s: fsync: %s", path, strerror(errno));
    goto out;
  }
  if (out_sha) memcpy(out_sha, h, 65);
out:
  ds_free(line);
  json_decref(rec);
  ds_buf_release(&b);
  close(fd);
  return st;
}
