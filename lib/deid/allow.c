/* allow.c: values that are never replaced: literal values, e-mail domains (documentation
 * domains built in) and IP ranges (documentation ranges and loopback built in). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deid_int.h"

static enum ds_status grow(void **v, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return DS_OK;
  size_t nc = *cap ? *cap * 2 : 8;
  void *p = ds_realloc(*v, nc * size);
  if (!p) return DS_E_NOMEM;
  *v = p;
  *cap = nc;
  return DS_OK;
}

static bool parse_cidr(const char *s, struct deid_cidr *out) {
  char buf[64];
  size_t n = strlen(s);
  if (n >= sizeof buf) return false;
  memcpy(buf, s, n + 1);
  char *slash = strchr(buf, '/');
  int bits = -1;
  if (slash) {
    *slash = 0;
    char *end;
    long b = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || b < 0) return false;
    bits = (int)b;
  }
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, buf, out->addr) == 1) {
    out->family = 4;
    out->bits = bits < 0 ? 32 : bits;
    return out->bits <= 32;
  }
  if (inet_pton(AF_INET6, buf, out->addr) == 1) {
    out->family = 6;
    out->bits = bits < 0 ? 128 : bits;
    return out->bits <= 128;
  }
  return false;
}

enum ds_status deid_allow_add(struct deid_allow *a, const char *entry, struct ds_err *err) {
  while (isspace((unsigned char)*entry)) entry++;
  size_t n = strlen(entry);
  while (n && isspace((unsigned char)entry[n - 1])) n--;
  if (!n || entry[0] == '#') return DS_OK;
  char *v = ds_strndup(entry, n);
  if (!v) return ds_fail(err, DS_E_NOMEM, "out of memory");
  for (char *p = v; *p; p++) *p = (char)tolower((unsigned char)*p);
  struct deid_cidr cidr;
  if (v[0] == '@' || (v[0] == '*' && v[1] == '@')) {
    if (grow((void **)&a->domains, &a->cap_domains, a->n_domains, sizeof *a->domains)) goto nomem;
    memmove(v, strchr(v, '@') + 1, strlen(strchr(v, '@') + 1) + 1);
    a->domains[a->n_domains++] = v;
    return DS_OK;
  }
  if ((strchr(v, '/') || strchr(v, ':') || strspn(v, "0123456789.") == strlen(v)) && parse_cidr(v, &cidr)) {
    ds_free(v);
    if (grow((void **)&a->cidrs, &a->cap_cidrs, a->n_cidrs, sizeof *a->cidrs)) return ds_fail(err, DS_E_NOMEM, "out of memory");
    a->cidrs[a->n_cidrs++] = cidr;
    return DS_OK;
  }
  if (grow((void **)&a->literals, &a->cap_literals, a->n_literals, sizeof *a->literals)) goto nomem;
  a->literals[a->n_literals++] = v;
  return DS_OK;
nomem:
  ds_free(v);
  return ds_fail(err, DS_E_NOMEM, "out of memory");
}

void deid_allow_release(struct deid_allow *a) {
  for (size_t i = 0; i < a->n_literals; i++) ds_free(a->literals[i]);
  for (size_t i = 0; i < a->n_domains; i++) ds_free(a->domains[i]);
  ds_free(a->literals);
  ds_free(a->domains);
  ds_free(a->cidrs);
  memset(a, 0, sizeof *a);
}

static bool in_cidr(const struct deid_cidr *c, const unsigned char *addr) {
  int full = c->bits / 8, rest = c->bits % 8;
  if (memcmp(c->addr, addr, (size_t)full) != 0) return false;
  if (!rest) return true;
  unsigned char mask = (unsigned char)(0xff << (8 - rest));
  return (c->addr[full] & mask) == (addr[full] & mask);
}

/* Documentation domains (RFC 2606 / 6761) and ranges (RFC 5737 / 3849), loopback. */
static const char *const builtin_domains[] = {"example.com", "example.org", "example.net", "example",
                                              "test", "invalid", "localhost", NULL};
static const char *const builtin_cidrs[] = {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                            "2001:db8::/32", "127.0.0.0/8", "0.0.0.0/32", "::1/128",
                                            "::/128", "255.255.255.255/32",
                                            /* well-known public DNS resolvers: services, not people */
                                            "1.1.1.1/32", "1.0.0.1/32", "8.8.8.8/32", "8.8.4.4/32", "9.9.9.9/32",
                                            "2606:4700:4700::1111/128", "2001:4860:4860::8888/128", NULL};

static bool domain_match(const char *dom, size_t dl, const char *want) {
  size_t wl = strlen(want);
  if (dl == wl) return strncasecmp(dom, want, wl) == 0;
  return dl > wl && dom[dl - wl - 1] == '.' && strncasecmp(dom + dl - wl, want, wl) == 0;
}

bool deid_allow_value(const struct deid_allow *a, int type, const char *p, size_t len) {
  if (type == T_EMAIL) {
    const char *at = memchr(p, '@', len);
    if (at) {
      const char *dom = at + 1;
      size_t dl = len - (size_t)(dom - p);
      for (const char *const *d = builtin_domains; *d; d++)
        if (domain_match(dom, dl, *d)) return true;
      for (size_t i = 0; i < a->n_domains; i++)
        if (domain_match(dom, dl, a->domains[i])) return true;
    }
  }
  if (type == T_IP) {
    char buf[64];
    if (len < sizeof buf) {
      memcpy(buf, p, len);
      buf[len] = 0;
      unsigned char addr[16];
      int fam = strchr(buf, ':') ? 6 : 4;
      if (inet_pton(fam == 6 ? AF_INET6 : AF_INET, buf, addr) == 1) {
        for (const char *const *c = builtin_cidrs; *c; c++) {
          struct deid_cidr cidr;
          if (parse_cidr(*c, &cidr) && cidr.family == fam && in_cidr(&cidr, addr)) return true;
        }
        for (size_t i = 0; i < a->n_cidrs; i++)
          if (a->cidrs[i].family == fam && in_cidr(&a->cidrs[i], addr)) return true;
      }
    }
  }
  for (size_t i = 0; i < a->n_literals; i++)
    if (strlen(a->literals[i]) == len && strncasecmp(a->literals[i], p, len) == 0) return true;
  return false;
}
