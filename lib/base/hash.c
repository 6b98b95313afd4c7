/* hash.c: SHA-256 (OpenSSL libcrypto) for provenance, FNV-1a and splitmix64 for sharding
 * and seed derivation. */
#include <openssl/evp.h>

#include "base.h"

enum ds_status ds_sha256_begin(struct ds_sha256 *h) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (!c) return DS_E_NOMEM;
  if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(c);
    return DS_E_INVALID;
  }
  h->ctx = c;
  return DS_OK;
}

void ds_sha256_update(struct ds_sha256 *h, const void *p, size_t len) {
  if (h->ctx && len) EVP_DigestUpdate(h->ctx, p, len);
}

void ds_sha256_end(struct ds_sha256 *h, char out_hex[65]) {
  unsigned char md[32];
  unsigned int n = 0;
  out_hex[0] = '\0';
  if (!h->ctx) return;
  EVP_DigestFinal_ex(h->ctx, md, &n);
  EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
  static const char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < 32; i++) {
    out_hex[2 * i] = hex[md[i] >> 4];
    out_hex[2 * i + 1] = hex[md[i] & 15];
  }
  out_hex[64] = '\0';
}

void ds_sha256_hex(const void *p, size_t len, char out_hex[65]) {
  struct ds_sha256 h;
  if (ds_sha256_begin(&h)) {
    out_hex[0] = '\0';
    return;
  }
  ds_sha256_update(&h, p, len);
  ds_sha256_end(&h, out_hex);
}

enum ds_status ds_sha256_file(const char *path, char out_hex[65], struct ds_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return ds_fail(err, DS_E_IO, "%s: cannot open: %m", path);
  struct ds_sha256 h;
  if (ds_sha256_begin(&h)) {
    fclose(f);
    return ds_fail(err, DS_E_NOMEM, "sha256: out of memory");
  }
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) ds_sha256_update(&h, buf, n);
  int bad = ferror(f);
  fclose(f);
  ds_sha256_end(&h, out_hex);
  if (bad) return ds_fail(err, DS_E_IO, "%s: read error", path);
  return DS_OK;
}

uint64_t ds_hash64(const void *p, size_t len) {
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t ds_mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
