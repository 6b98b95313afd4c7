/* file.c: whole-file and streaming line input over plain, gzip and zstd data (detected by
 * magic bytes, not by name), and atomic whole-file output. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base.h"

enum codec { CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD };

struct ds_lines {
  FILE *f;
  char *path;
  enum codec codec;
  z_stream gz;
  ZSTD_DStream *zs;
  ZSTD_inBuffer zin;
  size_t zneed;       /* what the last ZSTD_decompressStream returned: 0 at the end of a frame */
  bool eof_raw;       /* underlying file exhausted */
  bool eof;           /* decoded stream exhausted */
  unsigned char *raw; /* compressed input buffer */
  size_t raw_cap;
  char *dec;          /* decoded bytes not yet consumed: dec[pos..len) */
  size_t dec_pos, dec_len, dec_cap;
  struct ds_buf line;
  size_t max_line;
  uint64_t lineno, bytes;
};

#define RAW_CAP (1u << 16)
#define DEC_CAP (1u << 18)

enum ds_status ds_lines_open(const char *path, size_t max_line, struct ds_lines **out,
                             struct ds_err *err) {
  struct ds_lines *l = ds_calloc(1, sizeof *l);
  if (!l) return ds_fail(err, DS_E_NOMEM, "out of memory");
  l->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!l->f) {
    int e = errno;
    ds_free(l);
    return ds_fail(err, DS_E_IO, "%s: cannot open: %s", path, strerror(e));
  }
  l->path = ds_strdup(path);
  l->raw = ds_malloc(RAW_CAP);
  l->dec = ds_malloc(DEC_CAP);
  l->raw_cap = RAW_CAP;
  l->dec_cap = DEC_CAP;
  l->max_line = max_line;
  ds_buf_init(&l->line, 0);
  if (!l->path || !l->raw || !l->dec) {
    ds_lines_free(l);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  /* sniff the magic bytes: read the first raw chunk now */
  size_t n = fread(l->raw, 1, l->raw_cap, l->f);
  if (n < l->raw_cap) l->eof_raw = true;
  if (n >= 2 && l->raw[0] == 0x1f && l->raw[1] == 0x8b) {
    l->codec = CODEC_GZIP;
    if (inflateInit2(&l->gz, 15 + 32) != Z_OK) {
      ds_lines_free(l);
      return ds_fail(err, DS_E_NOMEM, "%s: zlib init failed", path);
    }
    l->gz.next_in = l->raw;
    l->gz.avail_in = (uInt)n;
  } else if (n >= 4 && l->raw[0] == 0x28 && l->raw[1] == 0xb5 && l->raw[2] == 0x2f && l->raw[3] == 0xfd) {
    l->codec = CODEC_ZSTD;
    l->zs = ZSTD_createDStream();
    if (!l->zs) {
      ds_lines_free(l);
      return ds_fail(err, DS_E_NOMEM, "%s: zstd init failed", path);
    }
    ZSTD_initDStream(l->zs);
    l->zneed = 1;
    l->zin.src = l->raw;
    l->zin.size = n;
    l->zin.pos = 0;
  } else {
    l->codec = CODEC_PLAIN;
    memcpy(l->dec, l->raw, n);
    l->dec_len = n;
    if (l->eof_raw) l->eof = true;
  }
  *out = l;
  return DS_OK;
}

/* Refills dec[] with the next decoded bytes. Returns DS_OK (maybe with 0 new bytes at EOF). */
static enum ds_status fill(struct ds_lines *l, struct ds_err *err) {
  l->dec_pos = l->dec_len = 0;
  if (l->eof) return DS_OK;
  if (ferror(l->f)) return ds_fail(err, DS_E_IO, "%s: read error", l->path);
  switch (l->codec) {
  case CODEC_PLAIN: {
    size_t n = fread(l->dec, 1, l->dec_cap, l->f);
    l->dec_len = n;
    if (n < l->dec_cap) {
      if (ferror(l->f)) return ds_fail(err, DS_E_IO, "%s: read error", l->path);
      l->eof = true;
    }
    return DS_OK;
  }
  case CODEC_GZIP:
    while (l->dec_len == 0) {
      if (l->gz.avail_in == 0 && !l->eof_raw) {
        size_t n = fread(l->raw, 1, l->raw_cap, l->f);
        if (n < l->raw_cap) l->eof_raw = true;
        l->gz.next_in = l->raw;
        l->gz.avail_in = (uInt)n;
      }
      l->gz.next_out = (Bytef *)l->dec;
      l->gz.avail_out = (uInt)l->dec_cap;
      int r = inflate(&l->gz, Z_NO_FLUSH);
      l->dec_len = l->dec_cap - l->gz.avail_out;
      if (r == Z_STREAM_END) {
        /* concatenated gzip members: keep going if more input follows */
        if (l->gz.avail_in > 0 || !l->eof_raw) {
          inflateReset(&l->gz);
          continue;
        }
        l->eof = true;
        return DS_OK;
      }
      if (r == Z_BUF_ERROR && l->gz.avail_in == 0 && l->eof_raw) {
        if (l->dec_len) return DS_OK;
        return ds_fail(err, DS_E_PARSE, "%s: truncated gzip stream", l->path);
      }
      if (r != Z_OK && r != Z_BUF_ERROR)
        return ds_fail(err, DS_E_PARSE, "%s: corrupt gzip data (%s)", l->path, l->gz.msg ? l->gz.msg : "inflate");
    }
    return DS_OK;
  case CODEC_ZSTD:
    while (l->dec_len == 0) {
      if (l->zin.pos == l->zin.size) {
        if (l->eof_raw) {
          /* the input must end with a complete frame, as gzip's must end its member */
          if (l->zneed != 0) return ds_fail(err, DS_E_PARSE, "%s: truncated zstd stream (the last frame is incomplete)", l->path);
          l->eof = true;
          return DS_OK;
        }
        size_t n = fread(l->raw, 1, l->raw_cap, l->f);
        if (n < l->raw_cap) l->eof_raw = true;
        l->zin.src = l->raw;
        l->zin.size = n;
        l->zin.pos = 0;
      }
      ZSTD_outBuffer zout = {l->dec, l->dec_cap, 0};
      size_t r = ZSTD_decompressStream(l->zs, &zout, &l->zin);
      if (ZSTD_isError(r))
        return ds_fail(err, DS_E_PARSE, "%s: corrupt zstd data (%s)", l->path, ZSTD_getErrorName(r));
      l->zneed = r;
      l->dec_len = zout.pos;
    }
    return DS_OK;
  }
  return DS_OK;
}

enum ds_status ds_lines_next(struct ds_lines *l, struct ds_str *out_line, bool *out_too_long,
                             struct ds_err *err) {
  ds_buf_reset(&l->line);
  bool too_long = false, any = false;
  for (;;) {
    if (l->dec_pos == l->dec_len) {
      enum ds_status st = fill(l, err);
      if (st) return st;
      if (l->dec_len == 0) break; /* end of input */
    }
    any = true;
    char *start = l->dec + l->dec_pos;
    size_t avail = l->dec_len - l->dec_pos;
    char *nl = memchr(start, '\n', avail);
    size_t take = nl ? (size_t)(nl - start) : avail;
    l->dec_pos += take + (nl ? 1 : 0);
    l->bytes += take + (nl ? 1 : 0);
    if (!too_long) {
      if (l->max_line && l->line.len + take > l->max_line) {
        too_long = true;
        ds_buf_reset(&l->line);
      } else if (ds_buf_add(&l->line, start, take)) {
        return ds_fail(err, DS_E_NOMEM, "out of memory");
      }
    }
    if (nl) goto have_line;
  }
  if (!any) return DS_E_NOTFOUND;
have_line:
  l->lineno++;
  if (!too_long && l->line.len && l->line.data[l->line.len - 1] == '\r') l->line.data[--l->line.len] = '\0';
  out_line->p = l->line.data;
  out_line->len = l->line.len;
  if (out_too_long) *out_too_long = too_long;
  return DS_OK;
}

size_t ds_lines_read(struct ds_lines *l, void *dst, size_t n, struct ds_err *err, enum ds_status *out_st) {
  size_t got = 0;
  *out_st = DS_OK;
  while (got < n) {
    if (l->dec_pos == l->dec_len) {
      enum ds_status st = fill(l, err);
      if (st) {
        *out_st = st;
        break;
      }
      if (l->dec_len == 0) break;
    }
    size_t take = l->dec_len - l->dec_pos;
    if (take > n - got) take = n - got;
    memcpy((char *)dst + got, l->dec + l->dec_pos, take);
    l->dec_pos += take;
    l->bytes += take;
    got += take;
  }
  return got;
}

uint64_t ds_lines_lineno(const struct ds_lines *l) { return l->lineno; }
uint64_t ds_lines_bytes(const struct ds_lines *l) { return l->bytes; }

void ds_lines_free(struct ds_lines *l) {
  if (!l) return;
  if (l->f && l->f != stdin) fclose(l->f);
  if (l->codec == CODEC_GZIP) inflateEnd(&l->gz);
  if (l->zs) ZSTD_freeDStream(l->zs);
  ds_free(l->raw);
  ds_free(l->dec);
  ds_free(l->path);
  ds_buf_release(&l->line);
  ds_free(l);
}

enum ds_status ds_read_file(const char *path, size_t max, struct ds_buf *out, struct ds_err *err) {
  struct ds_lines *l;
  enum ds_status st = ds_lines_open(path, 0, &l, err);
  if (st) return st;
  char chunk[65536];
  for (;;) {
    size_t n = ds_lines_read(l, chunk, sizeof chunk, err, &st);
    if (st) break;
    if (n == 0) break;
    if (max && out->len + n > max) {
      st = ds_fail(err, DS_E_LIMIT, "%s: larger than %zu bytes", path, max);
      break;
    }
    if (ds_buf_add(out, chunk, n)) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      break;
    }
  }
  ds_lines_free(l);
  return st;
}

enum ds_status ds_write_file(const char *path, const void *p, size_t len, struct ds_err *err) {
  struct ds_buf tmp;
  ds_buf_init(&tmp, 0);
  if (ds_buf_addf(&tmp, "%s.tmp.%d", path, (int)getpid())) return ds_fail(err, DS_E_NOMEM, "out of memory");
  FILE *f = fopen(tmp.data, "wb");
  if (!f) {
    enum ds_status st = ds_fail(err, DS_E_IO, "%s: cannot create: %s", tmp.data, strerror(errno));
    ds_buf_release(&tmp);
    return st;
  }
  bool ok = fwrite(p, 1, len, f) == len;
  ok = (fflush(f) == 0) && ok;
  ok = (fsync(fileno(f)) == 0) && ok;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp.data, path) != 0) {
    enum ds_status st = ds_fail(err, DS_E_IO, "%s: write failed: %s", path, strerror(errno));
    unlink(tmp.data);
    ds_buf_release(&tmp);
    return st;
  }
  ds_buf_release(&tmp);
  return DS_OK;
}
