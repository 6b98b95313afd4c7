/* ingest.c: ds_ingest_run: every input record is read, then kept, filtered (with a reason)
 * or failed (with a reason); kept records get a stable id, go through the de-identification
 * hook and are written to the corpus; the manifest accounts for all of them. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus_int.h"
#include "keyset.h"

#define SEG_MAX_KEYS 64
#define SEG_MAX_VALUES 1000
#define TOOL_MAX_NAMES 1000
#define OTHER "(other)"
#define MAX_LISTED_FAILURES 10000

void ds_ingest_default_params(struct ds_ingest_params *p) {
  memset(p, 0, sizeof *p);
  ds_reader_default_params(&p->reader);
  p->consent_field = "consent";
  p->max_failed = -1;
  p->max_warnings = 20;
}

struct ingest {
  const struct ds_ingest_params *p;
  struct ds_ingest_summary sum;
  struct keyset contents, ids;
  struct ds_buf scratch, line;
  FILE *out;
  struct ds_sha256 sha;
  bool sha_open;
  /* manifest parts */
  json_t *inputs, *filtered, *failed, *roles, *tool_names, *segments, *failures, *skipped_items;
  uint64_t n_warned;
  uint64_t n_messages, n_tool_calls, n_with_time;
  int64_t tmin, tmax;
  /* current input */
  uint64_t in_in, in_kept, in_filtered, in_failed;
};

/* The consent value: true, a non-zero number, or "true"/"yes"/"granted" mean consent. */
static bool consented(const json_t *v) {
  if (json_is_true(v)) return true;
  if (json_is_integer(v)) return json_integer_value(v) != 0;
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    return strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 || strcasecmp(s, "granted") == 0;
  }
  return false;
}

/* A new object with the canonical keys first (id, time, consent, segment, messages, tools,
 * repo), then the rest in their order. References only; nothing is copied deeply. */
static json_t *reorder(json_t *rec) {
  static const char *const first[] = {"id", "time", "consent", "segment", "messages", "tools", "repo"};
  json_t *o = json_object();
  if (!o) return NULL;
  for (unsigned i = 0; i < DS_ARRAY_LEN(first); i++) {
    json_t *v = json_object_get(rec, first[i]);
    if (v && json_object_set(o, first[i], v)) goto fail;
  }
  const char *k;
  json_t *v;
  json_object_foreach(rec, k, v) {
    if (json_object_get(o, k)) continue;
    if (json_object_set(o, k, v)) goto fail;
  }
  return o;
fail:
  json_decref(o);
  return NULL;
}

static const char *value_label(const json_t *v, struct ds_buf *tmp) {
  if (json_is_string(v)) return json_string_value(v);
  if (corpus_dump(v, JSON_COMPACT | JSON_SORT_KEYS, tmp)) return NULL;
  return tmp->data;
}

/* Adds the kept record to the corpus-level figures of the manifest. */
static enum ds_status tally(struct ingest *g, const json_t *rec) {
  const json_t *t = json_object_get(rec, "time");
  int64_t epoch;
  if (json_is_string(t) && ds_parse_time(json_string_value(t), &epoch) == DS_OK) {
    if (g->n_with_time == 0 || epoch < g->tmin) g->tmin = epoch;
    if (g->n_with_time == 0 || epoch > g->tmax) g->tmax = epoch;
    g->n_with_time++;
  }
  const json_t *seg = json_object_get(rec, "segment");
  if (json_is_object(seg)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)seg, k, v) {
      json_t *per = json_object_get(g->segments, k);
      if (!per) {
        const char *key = json_object_size(g->segments) >= SEG_MAX_KEYS ? OTHER : k;
        per = json_object_get(g->segments, key);
        if (!per) {
          per = json_object();
          if (!per || json_object_set_new(g->segments, key, per)) return DS_E_NOMEM;
        }
      }
      const char *label = value_label(v, &g->scratch);
      if (!label) return DS_E_NOMEM;
      if (!json_object_get(per, label) && json_object_size(per) >= SEG_MAX_VALUES) label = OTHER;
      if (!corpus_count(per, label, 1)) return DS_E_NOMEM;
    }
  }
  const json_t *msgs = json_object_get(rec, "messages");
  size_t i;
  const json_t *m;
  json_array_foreach(msgs, i, m) {
    g->n_messages++;
    if (!corpus_count(g->roles, ds_json_str(m, "role", "?"), 1)) return DS_E_NOMEM;
    const json_t *tcs = json_object_get(m, "tool_calls");
    size_t j;
    const json_t *tc;
    json_array_foreach(tcs, j, tc) {
      g->n_tool_calls++;
      const char *name = ds_json_str(tc, "name", "?");
      if (!json_object_get(g->tool_names, name) && json_object_size(g->tool_names) >= TOOL_MAX_NAMES) name = OTHER;
      if (!corpus_count(g->tool_names, name, 1)) return DS_E_NOMEM;
    }
  }
  return DS_OK;
}

static void note_failed(struct ingest *g, const struct ds_bad_record *bad) {
  g->sum.n_failed++;
  g->in_failed++;
  corpus_count(g->failed, bad->reason, 1);
  if (json_array_size(g->failures) < MAX_LISTED_FAILURES)
    json_array_append_new(g->failures, json_pack("{s:s,s:s}", "reason", bad->reason, "message", bad->msg));
  if (g->n_warned++ < g->p->max_warnings) ds_logf(&g->p->log, DS_LOG_WARN, "%s", bad->msg);
}

static void note_filtered(struct ingest *g, const char *reason) {
  g->sum.n_filtered++;
  g->in_filtered++;
  corpus_count(g->filtered, reason, 1);
}

/* Handles one well-formed record (a reference it takes). Returns DS_OK, a fatal status, or
 * DS_E_INVALID with *bad filled for a record that failed here. */
static enum ds_status process(struct ingest *g, const char *path, json_t *rec, struct ds_bad_record *bad,
                              struct ds_err *err) {
  enum ds_status st = DS_OK;
  const struct ds_ingest_params *p = g->p;
  json_t *final = NULL;
  /* consent */
  const json_t *cv = corpus_get_path(rec, p->consent_field);
  if (!cv && !p->assume_consent) {
    st = ds_fail(err, DS_E_INVALID,
                 "%s:%llu: no consent field \"%s\": ingest keeps only consented records; name the "
                 "field with --consent-field PATH, or pass --assume-consent if all these records were "
                 "collected with consent",
                 path, (unsigned long long)bad->line, p->consent_field);
    goto out;
  }
  if (cv && !consented(cv)) {
    note_filtered(g, "no_consent");
    g->sum.n_no_consent++;
    goto out;
  }
  /* exact duplicates: same messages and tools */
  unsigned char digest[32];
  bool added;
  if (corpus_content_hash(rec, &g->scratch, digest) || keyset_add(&g->contents, digest, &added)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (!added && !p->keep_duplicates) {
    note_filtered(g, "duplicate");
    g->sum.n_duplicate++;
    goto out;
  }
  bool same_content = !added;
  if (same_content) g->sum.n_duplicate_kept++;
  /* stable id: its own, else derived from the content */
  const json_t *id = json_object_get(rec, "id");
  if (!json_is_string(id)) {
    char buf[19] = "c-";
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
      buf[2 + 2 * i] = hex[digest[i] >> 4];
      buf[3 + 2 * i] = hex[digest[i] & 15];
    }
    buf[18] = '\0';
    if (json_object_set_new(rec, "id", json_string(buf))) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    id = json_object_get(rec, "id");
  }
  char idhex[65];
  unsigned char idkey[16];
  ds_sha256_hex(json_string_value(id), json_string_length(id), idhex);
  for (int i = 0; i < 16; i++) {
    unsigned hi = (unsigned)(idhex[2 * i] <= '9' ? idhex[2 * i] - '0' : idhex[2 * i] - 'a' + 10);
    unsigned lo = (unsigned)(idhex[2 * i + 1] <= '9' ? idhex[2 * i + 1] - '0' : idhex[2 * i + 1] - 'a' + 10);
    idkey[i] = (unsigned char)(hi << 4 | lo);
  }
  if (keyset_add(&g->ids, idkey, &added)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  char base_id[320];
  snprintf(base_id, sizeof base_id, "%.300s", json_string_value(id));
  for (unsigned dup = 2; !added && same_content && dup < 1000000; dup++) {
    /* a kept duplicate under the same id gets its own: ID#dupN */
    char buf[400];
    snprintf(buf, sizeof buf, "%s#dup%u", base_id, dup);
    ds_sha256_hex(buf, strlen(buf), idhex);
    for (int i = 0; i < 16; i++) {
      unsigned hi = (unsigned)(idhex[2 * i] <= '9' ? idhex[2 * i] - '0' : idhex[2 * i] - 'a' + 10);
      unsigned lo = (unsigned)(idhex[2 * i + 1] <= '9' ? idhex[2 * i + 1] - '0' : idhex[2 * i + 1] - 'a' + 10);
      idkey[i] = (unsigned char)(hi << 4 | lo);
    }
    if (keyset_add(&g->ids, idkey, &added)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    if (added && json_object_set_new(rec, "id", json_string(buf))) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    if (added) id = json_object_get(rec, "id");
  }
  if (!added) {
    /* two different conversations under one id would collide in every later stage */
    char d[300];
    snprintf(d, sizeof d, "id \"%.120s\" already used by a different conversation", json_string_value(id));
    corpus_bad_at(bad, path, bad->line, "duplicate_id", d);
    st = DS_E_INVALID;
    goto out;
  }
  if (json_object_set_new(rec, "consent", json_true())) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  final = reorder(rec);
  if (!final) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (p->transform.apply) {
    struct ds_err terr = {0};
    enum ds_status ts = p->transform.apply(p->transform.ud, final, &terr);
    if (ts == DS_E_NOMEM || ts == DS_E_IO) {
      st = ds_fail(err, ts, "%s:%llu: de-identification: %s", path, (unsigned long long)bad->line, terr.msg);
      goto out;
    }
    if (ts) {
      char d[300];
      snprintf(d, sizeof d, "de-identification failed: %.200s", terr.msg[0] ? terr.msg : ds_status_name(ts));
      corpus_bad_at(bad, path, bad->line, "deid_failed", d);
      st = DS_E_INVALID;
      goto out;
    }
  }
  ds_buf_reset(&g->line);
  if (ds_json_write_compact(final, &g->line) || ds_buf_addc(&g->line, '\n')) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if (fwrite(g->line.data, 1, g->line.len, g->out) != g->line.len) {
    st = ds_fail(err, DS_E_IO, "%s: write failed: %s", p->output, strerror(errno));
    goto out;
  }
  ds_sha256_update(&g->sha, g->line.data, g->line.len);
  g->sum.bytes_out += g->line.len;
  g->sum.n_kept++;
  g->in_kept++;
  if (tally(g, final)) st = ds_fail(err, DS_E_NOMEM, "out of memory");
out:
  json_decref(final);
  json_decref(rec);
  return st;
}

static json_t *counts_object(json_t *by_reason, uint64_t total) {
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "total", json_integer((json_int_t)total));
  json_object_set(o, "by_reason", by_reason);
  return o;
}

static json_t *build_manifest(struct ingest *g, const char *corpus_path, bool complete, const char *stopped) {
  const struct ds_ingest_params *p = g->p;
  json_t *m = json_object();
  if (!m) return NULL;
  char now[32];
  ds_now_iso8601(now);
  json_object_set_new(m, "depsim_version", json_string(DS_VERSION));
  json_object_set_new(m, "created", json_string(now));
  json_object_set_new(m, "complete", json_boolean(complete));
  if (stopped) json_object_set_new(m, "stopped_at", json_string(stopped));
  json_t *corpus = json_object();
  json_object_set_new(corpus, "path", json_string(corpus_path));
  json_object_set_new(corpus, "sha256", json_string(g->sum.corpus_sha256));
  json_object_set_new(corpus, "bytes", json_integer((json_int_t)g->sum.bytes_out));
  json_object_set_new(corpus, "records", json_integer((json_int_t)g->sum.n_kept));
  json_object_set_new(m, "corpus", corpus);
  json_object_set(m, "inputs", g->inputs);
  json_t *params = json_object();
  json_object_set_new(params, "format", json_string(p->reader.format ? p->reader.format : "auto"));
  json_object_set_new(params, "consent_field", json_string(p->consent_field));
  json_object_set_new(params, "assume_consent", json_boolean(p->assume_consent));
  json_object_set_new(params, "on_error", json_string(p->fail_on_error ? "fail" : "skip"));
  json_object_set_new(params, "max_line_bytes", json_integer((json_int_t)p->reader.max_record_bytes));
  json_object_set_new(params, "max_depth", json_integer((json_int_t)p->reader.max_depth));
  json_object_set_new(params, "max_document_bytes", json_integer((json_int_t)p->reader.max_document_bytes));
  json_object_set_new(params, "allow_empty", json_boolean(p->allow_empty));
  json_object_set_new(params, "keep_duplicates", json_boolean(p->keep_duplicates));
  if (p->max_failed >= 0) json_object_set_new(params, "max_failed", json_real(p->max_failed));
  json_object_set_new(m, "params", params);
  json_t *rec = json_object();
  json_object_set_new(rec, "in", json_integer((json_int_t)g->sum.n_in));
  json_object_set_new(rec, "kept", json_integer((json_int_t)g->sum.n_kept));
  if (p->keep_duplicates) json_object_set_new(rec, "kept_duplicates", json_integer((json_int_t)g->sum.n_duplicate_kept));
  json_object_set_new(rec, "filtered", counts_object(g->filtered, g->sum.n_filtered));
  json_object_set_new(rec, "failed", counts_object(g->failed, g->sum.n_failed));
  json_object_set(rec, "failures", g->failures);
  if (g->sum.n_failed > json_array_size(g->failures))
    json_object_set_new(rec, "failures_not_listed",
                        json_integer((json_int_t)(g->sum.n_failed - json_array_size(g->failures))));
  json_object_set_new(m, "records", rec);
  json_t *items = json_object();
  json_object_set_new(items, "in", json_integer((json_int_t)g->sum.items_in));
  json_object_set_new(items, "skipped", counts_object(g->skipped_items, g->sum.items_skipped));
  json_object_set_new(items, "duplicate", json_integer((json_int_t)g->sum.items_duplicate));
  json_object_set_new(m, "items", items);
  json_t *tr = json_object();
  char buf[32];
  if (g->n_with_time) {
    ds_format_time(g->tmin, buf);
    json_object_set_new(tr, "min", json_string(buf));
    ds_format_time(g->tmax, buf);
    json_object_set_new(tr, "max", json_string(buf));
  } else {
    json_object_set_new(tr, "min", json_null());
    json_object_set_new(tr, "max", json_null());
  }
  json_object_set_new(tr, "records_with_time", json_integer((json_int_t)g->n_with_time));
  json_object_set_new(tr, "records_without_time", json_integer((json_int_t)(g->sum.n_kept - g->n_with_time)));
  json_object_set_new(m, "time_range", tr);
  json_object_set(m, "segments", g->segments);
  json_t *msgs = json_object();
  json_object_set_new(msgs, "total", json_integer((json_int_t)g->n_messages));
  json_object_set(msgs, "by_role", g->roles);
  json_object_set_new(m, "messages", msgs);
  json_t *tc = json_object();
  json_object_set_new(tc, "total", json_integer((json_int_t)g->n_tool_calls));
  json_object_set(tc, "by_name", g->tool_names);
  json_object_set_new(m, "tool_calls", tc);
  json_t *deid = NULL;
  if (p->transform.apply && p->transform.report) deid = p->transform.report(p->transform.ud);
  if (!deid) {
    deid = json_object();
    json_object_set_new(deid, "enabled", json_boolean(p->transform.apply != NULL));
  }
  json_object_set_new(m, "deid", deid);
  return m;
}

static enum ds_status write_manifest(struct ingest *g, const char *corpus_path, bool complete,
                                     const char *stopped, struct ds_err *err) {
  enum ds_status st = DS_OK;
  struct ds_buf path;
  ds_buf_init(&path, 0);
  char *text = NULL;
  json_t *m = build_manifest(g, corpus_path, complete, stopped);
  if (!m || ds_buf_addf(&path, "%s.manifest.json", corpus_path)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  text = json_dumps(m, JSON_INDENT(2));
  if (!text) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  size_t n = strlen(text);
  struct ds_buf body;
  ds_buf_init(&body, 0);
  if (ds_buf_add(&body, text, n) || ds_buf_addc(&body, '\n')) {
    ds_buf_release(&body);
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  st = ds_write_file(path.data, body.data, body.len, err);
  ds_buf_release(&body);
  if (!st) snprintf(g->sum.manifest_path, sizeof g->sum.manifest_path, "%s", path.data);
out:
  ds_free(text);
  json_decref(m);
  ds_buf_release(&path);
  return st;
}

/* Adds the input's entry to the manifest and its line to the log. */
static enum ds_status finish_input(struct ingest *g, const char *path, uint64_t bytes, const struct ds_reader *r) {
  json_t *o = json_object();
  if (!o) return DS_E_NOMEM;
  struct ds_reader_items it;
  ds_reader_items(r, &it);
  const json_t *units = ds_reader_units(r);
  const char *sha = ds_reader_sha256(r);
  /* one format for the input when all its files agree */
  const char *format = NULL;
  size_t i;
  const json_t *u;
  json_array_foreach(units, i, u) {
    const char *f = ds_json_str(u, "format", NULL);
    if (!f) continue;
    if (!format) format = f;
    else if (strcmp(format, f) != 0) format = "mixed";
  }
  if (!format) format = "none";
  json_object_set_new(o, "path", json_string(path));
  json_object_set_new(o, "sha256", sha[0] ? json_string(sha) : json_null());
  json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
  json_object_set_new(o, "uncompressed_bytes", json_integer((json_int_t)ds_reader_bytes(r)));
  json_object_set_new(o, "format", json_string(format));
  json_object_set_new(o, "container", json_string(json_array_size(units) == 1
                                                      ? ds_json_str(json_array_get(units, 0), "container", "jsonl")
                                                      : "directory"));
  json_object_set_new(o, "records_in", json_integer((json_int_t)g->in_in));
  json_object_set_new(o, "kept", json_integer((json_int_t)g->in_kept));
  json_object_set_new(o, "filtered", json_integer((json_int_t)g->in_filtered));
  json_object_set_new(o, "failed", json_integer((json_int_t)g->in_failed));
  json_t *items = json_pack("{s:I,s:I,s:I,s:I,s:I}", "in", (json_int_t)it.in, "used", (json_int_t)it.used, "skipped",
                            (json_int_t)it.skipped, "duplicate", (json_int_t)it.duplicate, "failed", (json_int_t)it.failed);
  json_object_set_new(o, "items", items);
  json_object_set(o, "files", (json_t *)units);
  if (json_array_append_new(g->inputs, o)) return DS_E_NOMEM;
  g->sum.items_in += it.in;
  g->sum.items_skipped += it.skipped;
  g->sum.items_duplicate += it.duplicate;
  json_array_foreach(units, i, u) {
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(u, "skipped"), k, v) corpus_count(g->skipped_items, k, json_integer_value(v));
  }
  char extra[200] = "";
  if (it.skipped || it.duplicate)
    snprintf(extra, sizeof extra, " (from %llu items: %llu skipped, %llu duplicate)", (unsigned long long)it.in,
             (unsigned long long)it.skipped, (unsigned long long)it.duplicate);
  ds_logf(&g->p->log, DS_LOG_INFO, "%s: %llu records (%s)%s: %llu kept, %llu filtered, %llu failed", path,
          (unsigned long long)g->in_in, format, extra, (unsigned long long)g->in_kept,
          (unsigned long long)g->in_filtered, (unsigned long long)g->in_failed);
  return DS_OK;
}

/* Removes OUTPUT.tmp.PID files of ingest runs that are no longer alive (killed runs). */
static void remove_stale_temporaries(const char *output, const struct ds_log *log) {
  const char *slash = strrchr(output, '/');
  char dir[4096];
  const char *base = slash ? slash + 1 : output;
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - output) : 1, slash ? output : ".");
  if (slash == output) snprintf(dir, sizeof dir, "/");
  DIR *d = opendir(dir);
  if (!d) return;
  size_t bl = strlen(base);
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strncmp(de->d_name, base, bl) != 0 || strncmp(de->d_name + bl, ".tmp.", 5) != 0) continue;
    char *end;
    long pid = strtol(de->d_name + bl + 5, &end, 10);
    if (*end || pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno == EPERM) continue; /* still running */
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (unlink(path) == 0) ds_logf(log, DS_LOG_INFO, "removed %s, left by a killed run (pid %ld)", path, pid);
  }
  closedir(d);
}

/* Flushes and closes the output; false on a write error. */
static bool close_out(struct ingest *g) {
  if (!g->out) return true;
  bool ok = fflush(g->out) == 0;
  ok = fsync(fileno(g->out)) == 0 && ok;
  ok = fclose(g->out) == 0 && ok;
  g->out = NULL;
  return ok;
}

enum ds_status ds_ingest_run(const struct ds_ingest_params *p, struct ds_ingest_summary *out, struct ds_err *err) {
  if (!p || !p->output || !*p->output) return ds_fail(err, DS_E_INVALID, "ingest: no output path");
  if (!p->inputs || p->n_inputs == 0) return ds_fail(err, DS_E_INVALID, "ingest: no input files");
  if (!p->consent_field || !*p->consent_field) return ds_fail(err, DS_E_INVALID, "ingest: empty consent field");
  enum ds_status st = DS_OK;
  struct ingest g;
  memset(&g, 0, sizeof g);
  g.p = p;
  keyset_init(&g.contents);
  keyset_init(&g.ids);
  ds_buf_init(&g.scratch, 0);
  ds_buf_init(&g.line, 0);
  struct ds_buf tmp, partial, rejected;
  ds_buf_init(&tmp, 0);
  ds_buf_init(&partial, 0);
  ds_buf_init(&rejected, 0);
  struct ds_reader *r = NULL;
  char *outbuf = NULL;
  bool stopped = false, renamed = false;
  char stop_msg[sizeof((struct ds_bad_record *)0)->msg] = "";

  g.inputs = json_array();
  g.filtered = json_object();
  g.failed = json_object();
  g.roles = json_object();
  g.tool_names = json_object();
  g.segments = json_object();
  g.failures = json_array();
  g.skipped_items = json_object();
  outbuf = ds_malloc(1u << 20);
  if (!g.inputs || !g.filtered || !g.failed || !g.roles || !g.tool_names || !g.segments || !g.failures ||
      !g.skipped_items || !outbuf || ds_buf_addf(&tmp, "%s.tmp.%d", p->output, (int)getpid()) ||
      ds_buf_addf(&partial, "%s.partial", p->output) || ds_buf_addf(&rejected, "%s.rejected", p->output)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  remove_stale_temporaries(p->output, &p->log);
  if (ds_sha256_begin(&g.sha)) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  g.sha_open = true;
  g.out = fopen(tmp.data, "wb");
  if (!g.out) {
    st = ds_fail(err, DS_E_IO, "%s: cannot create: %s", tmp.data, strerror(errno));
    goto out;
  }
  setvbuf(g.out, outbuf, _IOFBF, 1u << 20);

  for (size_t i = 0; i < p->n_inputs && !stopped; i++) {
    const char *path = p->inputs[i];
    uint64_t bytes = 0;
    struct stat sb;
    if (strcmp(path, "-") != 0) {
      if (stat(path, &sb) != 0) {
        st = ds_fail(err, DS_E_IO, "%s: cannot open: %s", path, strerror(errno));
        goto out;
      }
      bytes = (uint64_t)sb.st_size;
    }
    if ((st = ds_reader_open(path, &p->reader, &r, err))) goto out;
    g.in_in = g.in_kept = g.in_filtered = g.in_failed = 0;
    uint64_t next_report = 256u << 20; /* a progress line every 256 MB */
    for (;;) {
      json_t *rec;
      struct ds_bad_record bad;
      st = ds_reader_next(r, &rec, &bad, err);
      if (st == DS_E_NOTFOUND) {
        st = DS_OK;
        break;
      }
      if (st) goto out;
      if (ds_log_cancelled(&p->log)) {
        json_decref(rec);
        st = ds_fail(err, DS_E_CANCELLED, "cancelled; nothing was written to %s", p->output);
        goto out;
      }
      g.sum.n_in++;
      g.in_in++;
      if ((g.in_in & 1023) == 0 && ds_reader_bytes(r) >= next_report) {
        ds_logf(&p->log, DS_LOG_INFO, "%s: %llu MB read, %llu records so far", path,
                (unsigned long long)(ds_reader_bytes(r) >> 20), (unsigned long long)g.in_in);
        next_report = ds_reader_bytes(r) + (256u << 20);
      }
      if (!rec) {
        note_failed(&g, &bad);
      } else {
        bad.line = ds_reader_line(r); /* for messages raised after parsing */
        st = process(&g, ds_reader_file(r), rec, &bad, err);
        if (st == DS_E_INVALID && bad.reason) {
          note_failed(&g, &bad);
          st = DS_OK;
        } else if (st) {
          goto out;
        } else {
          continue;
        }
      }
      if (p->fail_on_error) {
        stopped = true;
        snprintf(stop_msg, sizeof stop_msg, "%s", bad.msg);
        break;
      }
    }
    if (stopped) {
      /* the input's hash covers all of it, also when reading stopped early */
      json_t *rec;
      struct ds_bad_record bad;
      while ((st = ds_reader_next(r, &rec, &bad, err)) == DS_OK) json_decref(rec);
      if (st != DS_E_NOTFOUND) goto out;
      st = DS_OK;
    }
    g.sum.bytes_in += ds_reader_bytes(r);
    if (finish_input(&g, path, bytes, r)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    ds_reader_free(r);
    r = NULL;
  }
  if (g.n_warned > p->max_warnings) {
    /* the rest, by reason (all of them are in the manifest) */
    struct ds_buf b;
    ds_buf_init(&b, 0);
    const char *k;
    json_t *v;
    json_object_foreach(g.failed, k, v) ds_buf_addf(&b, "%s%s %lld", b.len ? ", " : "", k, (long long)json_integer_value(v));
    ds_logf(&p->log, DS_LOG_WARN, "%llu more bad records not shown (all bad records by reason: %s; each is listed in "
            "the manifest)", (unsigned long long)(g.n_warned - p->max_warnings), b.data);
    ds_buf_release(&b);
  }

  if (!close_out(&g)) {
    st = ds_fail(err, DS_E_IO, "%s: write failed: %s", tmp.data, strerror(errno));
    goto out;
  }
  ds_sha256_end(&g.sha, g.sum.corpus_sha256);
  g.sha_open = false;
  {
    const char *final = stopped ? partial.data : p->output;
    const char *problem = NULL;
    char why[300] = "";
    enum ds_status pst = DS_OK;
    if (!stopped && p->transform.scan_file) {
      if ((st = p->transform.scan_file(p->transform.ud, tmp.data, &g.sum.pii_findings, err))) goto out;
      if (g.sum.pii_findings) {
        problem = "pii";
        pst = DS_E_PII;
        snprintf(why, sizeof why, "the post-scan found %llu item(s) of personal data in the corpus as written",
                 (unsigned long long)g.sum.pii_findings);
      }
    }
    if (!stopped && !problem && g.sum.n_failed &&
        ((p->max_failed >= 0 && (double)g.sum.n_failed > p->max_failed * (double)g.sum.n_in) ||
         (p->max_failed < 0 && g.sum.n_failed == g.sum.n_in))) {
      problem = "failed";
      pst = DS_E_INVALID;
      if (p->max_failed >= 0)
        snprintf(why, sizeof why, "%llu of %llu records failed (%.1f%%), more than --max-failed %.1f%% allows",
                 (unsigned long long)g.sum.n_failed, (unsigned long long)g.sum.n_in,
                 100.0 * (double)g.sum.n_failed / (double)g.sum.n_in, 100.0 * p->max_failed);
      else
        snprintf(why, sizeof why, "every record failed (%llu)", (unsigned long long)g.sum.n_failed);
    }
    if (!stopped && !problem && g.sum.n_kept == 0 && !p->allow_empty) {
      problem = "empty";
      pst = DS_E_INVALID;
      snprintf(why, sizeof why, "no record was kept (%llu read: %llu filtered, %llu failed); --allow-empty accepts "
               "an empty corpus", (unsigned long long)g.sum.n_in, (unsigned long long)g.sum.n_filtered,
               (unsigned long long)g.sum.n_failed);
    }
    if (problem && g.sum.n_kept) final = rejected.data;
    if (problem && !g.sum.n_kept) {
      /* nothing to keep: no corpus, no manifest */
      st = ds_fail(err, pst, "%s", why);
      goto out;
    }
    /* an older manifest must not describe the new corpus, even for a moment */
    struct ds_buf mpath;
    ds_buf_init(&mpath, 0);
    if (ds_buf_addf(&mpath, "%s.manifest.json", final)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    unlink(mpath.data);
    ds_buf_release(&mpath);
    if (rename(tmp.data, final) != 0) {
      st = ds_fail(err, DS_E_IO, "%s: cannot rename to %s: %s", tmp.data, final, strerror(errno));
      goto out;
    }
    renamed = true;
    if ((st = write_manifest(&g, final, !stopped && !problem, stopped ? stop_msg : problem ? why : NULL, err)))
      goto out;
    if (problem) {
      st = ds_fail(err, pst, "%s (the corpus is kept as %s for inspection)", why, final);
      goto out;
    }
  }
  if (stopped)
    st = ds_fail(err, DS_E_PARSE, "%s (stopped: --on-error=fail; the %llu records before it are in %s)", stop_msg,
                 (unsigned long long)g.sum.n_kept, partial.data);
out:
  if (out) *out = g.sum;
  ds_reader_free(r);
  if (g.out) {
    fclose(g.out);
    g.out = NULL;
  }
  if (st && !renamed) unlink(tmp.data);
  char dummy[65];
  if (g.sha_open) ds_sha256_end(&g.sha, dummy);
  ds_free(outbuf);
  keyset_release(&g.contents);
  keyset_release(&g.ids);
  ds_buf_release(&g.scratch);
  ds_buf_release(&g.line);
  ds_buf_release(&tmp);
  ds_buf_release(&partial);
  ds_buf_release(&rejected);
  json_decref(g.failures);
  json_decref(g.skipped_items);
  json_decref(g.inputs);
  json_decref(g.filtered);
  json_decref(g.failed);
  json_decref(g.roles);
  json_decref(g.tool_names);
  json_decref(g.segments);
  return st;
}
