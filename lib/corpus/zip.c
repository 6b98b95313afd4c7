/* zip.c: reading the members of a zip archive (Inspect's .eval logs): the central directory
 * (zip64 included), stored, deflate (zlib) and zstd (method 93, libzstd) members, each checked
 * against its CRC-32. Debian's libzip cannot read zstd members, hence this small reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "corpus_int.h"

#define EOCD_SIG 0x06054b50u
#define Z64_LOC_SIG 0x07064b50u
#define Z64_EOCD_SIG 0x06064b50u
#define CD_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define MAX_CD_BYTES (256u << 20)
#define MAX_MEMBERS 1000000u

struct zip_member {
  char *name;
  uint16_t method, flags;
  uint32_t crc;
  uint64_t csize, usize, offset;
};

struct zip_archive {
  FILE *f;
  char *path;
  uint64_t size;
  struct zip_member *m;
  size_t n;
};

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

bool zip_is_zip(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  unsigned char m[4];
  bool yes = fread(m, 1, 4, f) == 4 && rd32(m) == LOCAL_SIG;
  fclose(f);
  return yes;
}

static enum ds_status read_at(struct zip_archive *z, uint64_t off, void *dst, size_t n, struct ds_err *err) {
  if (off > z->size || n > z->size - off)
    return ds_fail(err, DS_E_PARSE, "%s: corrupt zip: a record points past the end of the file", z->path);
  if (fseeko(z->f, (off_t)off, SEEK_SET) != 0 || fread(dst, 1, n, z->f) != n)
    return ds_fail(err, DS_E_IO, "%s: read error: %s", z->path, strerror(errno));
  return DS_OK;
}

void zip_free(struct zip_archive *z) {
  if (!z) return;
  if (z->f) fclose(z->f);
  for (size_t i = 0; i < z->n; i++) ds_free(z->m[i].name);
  ds_free(z->m);
  ds_free(z->path);
  ds_free(z);
}

/* Finds the end-of-central-directory record: the cd's offset, size and entry count. */
static enum ds_status find_cd(struct zip_archive *z, uint64_t *cd_off, uint64_t *cd_size, uint64_t *n,
                              struct ds_err *err) {
  size_t tail = z->size < 65557 ? (size_t)z->size : 65557;
  if (tail < 22) return ds_fail(err, DS_E_PARSE, "%s: not a zip archive (too short)", z->path);
  unsigned char *b = ds_malloc(tail);
  if (!b) return ds_fail(err, DS_E_NOMEM, "out of memory");
  enum ds_status st = read_at(z, z->size - tail, b, tail, err);
  if (st) goto out;
  size_t at = tail - 22 + 1;
  bool found = false;
  while (at-- > 0) {
    if (rd32(b + at) == EOCD_SIG && at + 22 + rd16(b + at + 20) <= tail) {
      found = true;
      break;
    }
  }
  if (!found) {
    st = ds_fail(err, DS_E_PARSE, "%s: not a zip archive (no end of central directory: truncated?)", z->path);
    goto out;
  }
  uint64_t eocd = z->size - tail + at;
  *n = rd16(b + at + 10);
  *cd_size = rd32(b + at + 12);
  *cd_off = rd32(b + at + 16);
  if (*n == 0xffff || *cd_size == 0xffffffffu || *cd_off == 0xffffffffu) {
    unsigned char loc[20], e64[56];
    if (eocd < 20 || (st = read_at(z, eocd - 20, loc, 20, err))) {
      if (!st) st = ds_fail(err, DS_E_PARSE, "%s: corrupt zip64 archive (no locator)", z->path);
      goto out;
    }
    if (rd32(loc) != Z64_LOC_SIG) {
      st = ds_fail(err, DS_E_PARSE, "%s: corrupt zip64 archive (no locator)", z->path);
      goto out;
    }
    if ((st = read_at(z, rd64(loc + 8), e64, 56, err))) goto out;
    if (rd32(e64) != Z64_EOCD_SIG) {
      st = ds_fail(err, DS_E_PARSE, "%s: corrupt zip64 archive (bad end record)", z->path);
      goto out;
    }
    *n = rd64(e64 + 32);
    *cd_size = rd64(e64 + 40);
    *cd_off = rd64(e64 + 48);
  }
out:
  ds_free(b);
  return st;
}

/* Applies a zip64 extended-information extra field to the values that overflowed. */
static void zip64_extra(const unsigned char *x, size_t len, struct zip_member *m, bool u, bool c, bool o) {
  size_t i = 0;
  while (i + 4 <= len) {
    uint16_t id = rd16(x + i), sz = rd16(x + i + 2);
    if (i + 4 + sz > len) return;
    if (id == 0x0001) {
      const unsigned char *p = x + i + 4, *end = p + sz;
      if (u && p + 8 <= end) m->usize = rd64(p), p += 8;
      if (c && p + 8 <= end) m->csize = rd64(p), p += 8;
      if (o && p + 8 <= end) m->offset = rd64(p);
      return;
    }
    i += 4 + sz;
  }
}

enum ds_status zip_open(const char *path, struct zip_archive **out, struct ds_err *err) {
  *out = NULL;
  struct zip_archive *z = ds_calloc(1, sizeof *z);
  if (!z || !(z->path = ds_strdup(path))) {
    ds_free(z);
    return ds_fail(err, DS_E_NOMEM, "out of memory");
  }
  enum ds_status st = DS_OK;
  unsigned char *cd = NULL;
  struct stat sb;
  z->f = fopen(path, "rb");
  if (!z->f || fstat(fileno(z->f), &sb) != 0) {
    st = ds_fail(err, DS_E_IO, "%s: cannot open: %s", path, strerror(errno));
    goto out;
  }
  z->size = (uint64_t)sb.st_size;
  uint64_t cd_off = 0, cd_size = 0, n = 0;
  if ((st = find_cd(z, &cd_off, &cd_size, &n, err))) goto out;
  if (cd_size > MAX_CD_BYTES || n > MAX_MEMBERS) {
    st = ds_fail(err, DS_E_LIMIT, "%s: zip central directory too large (%llu members)", path, (unsigned long long)n);
    goto out;
  }
  /* checked before allocating: a damaged end record must not make us allocate for it */
  if (cd_off > z->size || cd_size > z->size - cd_off || n > cd_size / 46) {
    st = ds_fail(err, DS_E_PARSE, "%s: corrupt zip: the central directory does not fit in the file", path);
    goto out;
  }
  cd = ds_malloc(cd_size ? (size_t)cd_size : 1);
  z->m = ds_calloc(n ? (size_t)n : 1, sizeof *z->m);
  if (!cd || !z->m) {
    st = ds_fail(err, DS_E_NOMEM, "out of memory");
    goto out;
  }
  if ((st = read_at(z, cd_off, cd, (size_t)cd_size, err))) goto out;
  size_t at = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (at + 46 > cd_size || rd32(cd + at) != CD_SIG) {
      st = ds_fail(err, DS_E_PARSE, "%s: corrupt zip central directory (entry %llu)", path, (unsigned long long)i);
      goto out;
    }
    const unsigned char *e = cd + at;
    size_t nl = rd16(e + 28), xl = rd16(e + 30), cl = rd16(e + 32);
    if (at + 46 + nl + xl + cl > cd_size) {
      st = ds_fail(err, DS_E_PARSE, "%s: corrupt zip central directory (entry %llu)", path, (unsigned long long)i);
      goto out;
    }
    struct zip_member *m = &z->m[z->n];
    m->flags = rd16(e + 8);
    m->method = rd16(e + 10);
    m->crc = rd32(e + 16);
    m->csize = rd32(e + 20);
    m->usize = rd32(e + 24);
    m->offset = rd32(e + 42);
    zip64_extra(e + 46 + nl, xl, m, m->usize == 0xffffffffu, m->csize == 0xffffffffu, m->offset == 0xffffffffu);
    m->name = ds_malloc(nl + 1);
    if (!m->name) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    memcpy(m->name, e + 46, nl);
    m->name[nl] = '\0';
    z->n++;
    if (memchr(m->name, '\0', nl)) m->name[0] = '\0'; /* a name with NUL is never a log member */
    at += 46 + nl + xl + cl;
  }
out:
  ds_free(cd);
  if (st) {
    zip_free(z);
    return st;
  }
  *out = z;
  return DS_OK;
}

size_t zip_count(const struct zip_archive *z) { return z->n; }
const char *zip_name(const struct zip_archive *z, size_t i) { return z->m[i].name; }
uint64_t zip_size(const struct zip_archive *z, size_t i) { return z->m[i].usize; }

enum ds_status zip_read(struct zip_archive *z, size_t i, size_t max, struct ds_buf *out, struct ds_err *err) {
  const struct zip_member *m = &z->m[i];
  ds_buf_reset(out);
  if (m->flags & 1) return ds_fail(err, DS_E_UNSUPPORTED, "%s!%s: encrypted zip member", z->path, m->name);
  if (m->method != 0 && m->method != 8 && m->method != 93)
    return ds_fail(err, DS_E_UNSUPPORTED, "%s!%s: zip compression method %u is not supported (stored, deflate and "
                   "zstd are)", z->path, m->name, m->method);
  if (max && m->usize > max)
    return ds_fail(err, DS_E_LIMIT, "%s!%s: member of %llu bytes is larger than %zu (--max-document-bytes)", z->path,
                   m->name, (unsigned long long)m->usize, max);
  unsigned char lh[30];
  enum ds_status st = read_at(z, m->offset, lh, 30, err);
  if (st) return st;
  if (rd32(lh) != LOCAL_SIG) return ds_fail(err, DS_E_PARSE, "%s!%s: corrupt zip (bad local header)", z->path, m->name);
  uint64_t data = m->offset + 30 + rd16(lh + 26) + rd16(lh + 28);
  if (m->csize > SIZE_MAX / 2 || m->usize > SIZE_MAX / 2) return ds_fail(err, DS_E_LIMIT, "%s!%s: too large", z->path, m->name);
  /* checked before allocating: a damaged size must not make us allocate for it */
  if (data > z->size || m->csize > z->size - data)
    return ds_fail(err, DS_E_PARSE, "%s!%s: corrupt zip: the member's data runs past the end of the file", z->path, m->name);
  if (m->method == 8 && m->usize / 1032 > m->csize + 1) /* deflate expands at most 1032:1 */
    return ds_fail(err, DS_E_PARSE, "%s!%s: corrupt zip: %llu bytes cannot inflate to %llu", z->path, m->name,
                   (unsigned long long)m->csize, (unsigned long long)m->usize);
  unsigned char *c = ds_malloc(m->csize ? (size_t)m->csize : 1);
  if (!c) return ds_fail(err, DS_E_NOMEM, "out of memory");
  if ((st = read_at(z, data, c, (size_t)m->csize, err))) goto out;
  if ((st = ds_buf_grow(out, (size_t)m->usize + 1))) {
    st = ds_fail(err, st, "out of memory");
    goto out;
  }
  if (m->method == 0) {
    if (m->csize != m->usize) {
      st = ds_fail(err, DS_E_PARSE, "%s!%s: corrupt zip (stored sizes differ)", z->path, m->name);
      goto out;
    }
    memcpy(out->data, c, (size_t)m->csize);
    out->len = (size_t)m->usize;
  } else if (m->method == 8) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    uint64_t done = 0;
    int r = Z_OK;
    s.next_in = c;
    while (r == Z_OK) {
      uint64_t in_left = m->csize - (uint64_t)(s.next_in - c);
      s.avail_in = in_left > 0x40000000u ? 0x40000000u : (uInt)in_left;
      uint64_t out_left = m->usize - done + 1; /* one byte more, to see a member longer than said */
      s.next_out = (Bytef *)out->data + done;
      s.avail_out = out_left > 0x40000000u ? 0x40000000u : (uInt)out_left;
      uInt before = s.avail_out;
      r = inflate(&s, Z_NO_FLUSH);
      done += before - s.avail_out;
      if (r == Z_BUF_ERROR && s.avail_in == 0) break;
    }
    inflateEnd(&s);
    if (r != Z_STREAM_END || done != m->usize) {
      st = ds_fail(err, DS_E_PARSE, "%s!%s: corrupt deflate data", z->path, m->name);
      goto out;
    }
    out->len = (size_t)done;
  } else {
    ZSTD_DStream *zs = ZSTD_createDStream();
    if (!zs) {
      st = ds_fail(err, DS_E_NOMEM, "out of memory");
      goto out;
    }
    ZSTD_initDStream(zs);
    ZSTD_inBuffer in = {c, (size_t)m->csize, 0};
    ZSTD_outBuffer o = {out->data, (size_t)m->usize + 1, 0};
    size_t r = 1;
    while (in.pos < in.size) {
      size_t before = o.pos, consumed = in.pos;
      r = ZSTD_decompressStream(zs, &o, &in);
      if (ZSTD_isError(r) || (o.pos == before && in.pos == consumed)) break;
    }
    ZSTD_freeDStream(zs);
    if (ZSTD_isError(r) || r != 0 || o.pos != m->usize) {
      st = ds_fail(err, DS_E_PARSE, "%s!%s: corrupt or truncated zstd data", z->path, m->name);
      goto out;
    }
    out->len = o.pos;
  }
  out->data[out->len] = '\0';
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t left = out->len;
  const Bytef *p = (const Bytef *)out->data;
  while (left) {
    uInt k = left > 0x40000000u ? 0x40000000u : (uInt)left;
    crc = crc32(crc, p, k);
    p += k;
    left -= k;
  }
  if ((uint32_t)crc != m->crc) st = ds_fail(err, DS_E_PARSE, "%s!%s: CRC-32 mismatch (corrupt member)", z->path, m->name);
out:
  ds_free(c);
  if (st) ds_buf_reset(out);
  return st;
}
