/* The streaming tar decoder of tar.h; see there. */
#include "tar.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512

static int fail(struct tar_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  r->source_failed = 0;
  return -1;
}

void tar_init(struct tar_reader *r, tar_get_fn get, void *ctx, size_t max_path) {
  memset(r, 0, sizeof *r);
  r->get = get;
  r->ctx = ctx;
  r->max_path = max_path;
}

static void kv_clear(struct tar_kv *kv, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].val);
  }
  free(kv);
}

void tar_free(struct tar_reader *r) {
  kv_clear(r->global, r->nglobal);
  r->global = NULL;
  r->nglobal = 0;
}

void tar_entry_free(struct tar_entry *e) {
  free(e->name);
  free(e->link);
  for (size_t i = 0; i < e->nxattrs; i++) {
    free(e->xattrs[i].name);
    free(e->xattrs[i].value);
  }
  free(e->xattrs);
  memset(e, 0, sizeof *e);
}

/* Exactly n bytes into dst (dst NULL: skipped). 1, 0 when the input ended before the first byte,
 * -2 when it ended after some, -1 when the source failed. */
static int read_exact(struct tar_reader *r, uint8_t *dst, uint64_t n) {
  uint64_t got = 0;
  while (got < n) {
    const uint8_t *p;
    uint64_t want = n - got;
    long k = r->get(r->ctx, &p, want > (1u << 20) ? (1u << 20) : (size_t)want);
    if (k < 0) {
      r->source_failed = 1;
      return -1;
    }
    if (k == 0) return got == 0 ? 0 : -2;
    if (dst) memcpy(dst + got, p, (size_t)k);
    got += (uint64_t)k;
  }
  return 1;
}

static int skip(struct tar_reader *r, uint64_t n) {
  if (n == 0) return 0;
  int k = read_exact(r, NULL, n);
  if (k == 1) return 0;
  if (k == -1) return -1;
  return fail(r, "tar: unexpected end of archive");
}

static uint64_t padded(uint64_t size) { return (size + BLOCK - 1) / BLOCK * BLOCK; }

/* Octal (space/NUL padded) or GNU base-256 when the first byte's high bit is set. */
static int number(struct tar_reader *r, int off, int len, uint64_t *out) {
  const uint8_t *h = r->header;
  if (h[off] & 0x80) {
    if (h[off] & 0x40) return fail(r, "tar: negative base-256 number");
    uint64_t v = h[off] & 0x3f;
    for (int k = 1; k < len; k++) {
      if (v >> 55) return fail(r, "tar: base-256 number overflows");
      v = (v << 8) | h[off + k];
    }
    *out = v;
    return 0;
  }
  uint64_t v = 0;
  int k = off, end = off + len;
  while (k < end && (h[k] == ' ' || h[k] == 0)) k++;
  for (; k < end; k++) {
    uint8_t c = h[k];
    if (c == ' ' || c == 0) break;
    if (c < '0' || c > '7') return fail(r, "tar: bad octal field in header");
    if (v >> 60) return fail(r, "tar: octal number overflows");
    v = v * 8 + (uint64_t)(c - '0');
  }
  *out = v;
  return 0;
}

static int verify_checksum(struct tar_reader *r) {
  uint64_t stored;
  if (number(r, 148, 8, &stored) < 0) return -1;
  int64_t unsig = 0, sig = 0;
  for (int k = 0; k < BLOCK; k++) {
    int in_field = k >= 148 && k < 156;
    unsig += in_field ? ' ' : r->header[k];
    sig += in_field ? ' ' : (int8_t)r->header[k];
  }
  if ((int64_t)stored != unsig && (int64_t)stored != sig) {
    return fail(r, "tar: header checksum mismatch (not a tar archive, or corrupt)");
  }
  return 0;
}

static int is_zero(const uint8_t *b) {
  for (int k = 0; k < BLOCK; k++)
    if (b[k]) return 0;
  return 1;
}

/* An extended header's content (PAX records, a GNU long name), NUL-terminated for convenience. */
static int read_meta(struct tar_reader *r, uint64_t size, uint8_t **out) {
  if (size > TAR_MAX_META) return fail(r, "tar: extended header of %llu bytes is too large", (unsigned long long)size);
  uint8_t *b = malloc((size_t)size + 1);
  if (!b) return fail(r, "tar: out of memory");
  int k = read_exact(r, b, size);
  if (k != 1 && size > 0) {
    free(b);
    if (k == -1) return -1;
    return fail(r, "tar: unexpected end of archive");
  }
  b[size] = 0;
  if (skip(r, padded(size) - size) < 0) {
    free(b);
    return -1;
  }
  *out = b;
  return 0;
}

static struct tar_kv *kv_find(struct tar_kv *kv, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(kv[i].key, key)) return &kv[i];
  return NULL;
}

static void kv_remove(struct tar_kv *kv, size_t *n, const char *key) {
  for (size_t i = 0; i < *n; i++) {
    if (!strcmp(kv[i].key, key)) {
      free(kv[i].key);
      free(kv[i].val);
      kv[i] = kv[--*n];
      return;
    }
  }
}

/* Sets key (taken) to a copy of val; returns -1 when out of memory. */
static int kv_put(struct tar_kv **kv, size_t *n, char *key, const uint8_t *val, size_t len) {
  uint8_t *v = malloc(len + 1);
  if (!v) {
    free(key);
    return -1;
  }
  memcpy(v, val, len);
  v[len] = 0;
  struct tar_kv *old = kv_find(*kv, *n, key);
  if (old) {
    free(key);
    free(old->val);
    old->val = v;
    old->len = len;
    return 0;
  }
  struct tar_kv *nk = realloc(*kv, (*n + 1) * sizeof **kv);
  if (!nk) {
    free(key);
    free(v);
    return -1;
  }
  *kv = nk;
  nk[*n].key = key;
  nk[*n].val = v;
  nk[*n].len = len;
  (*n)++;
  return 0;
}

/* PAX records: "LEN KEY=VALUE\n", LEN counting the whole record in bytes; an empty value removes.
 * The maps are searched linearly, so they are bounded: a member has a few keys (path, times, ids,
 * one per xattr), a global header one or two. */
#define MAX_LOCAL 1000
#define MAX_GLOBAL 64
static int parse_pax(struct tar_reader *r, const uint8_t *b, size_t n, struct tar_kv **kv, size_t *nkv) {
  size_t cap = kv == &r->global ? MAX_GLOBAL : MAX_LOCAL;
  size_t p = 0;
  while (p < n) {
    if (b[p] == 0) break;
    size_t sp = p;
    while (sp < n && b[sp] != ' ') sp++;
    if (sp >= n) return fail(r, "tar: malformed PAX record");
    /* LEN as TarReader's Integer.parseInt reads it: a sign, then decimal digits (leading zeros
     * too), within an int; a negative one is a record too short */
    size_t k = p;
    int neg = b[k] == '-';
    if (b[k] == '+' || b[k] == '-') k++;
    if (k == sp) return fail(r, "tar: malformed PAX record length");
    int64_t slen = 0;
    for (; k < sp; k++) {
      if (b[k] < '0' || b[k] > '9') return fail(r, "tar: malformed PAX record length");
      slen = slen * 10 + (b[k] - '0');
      if (slen > (int64_t)INT32_MAX + neg) return fail(r, "tar: malformed PAX record length");
    }
    if (neg || slen <= (int64_t)(sp - p + 1) || (uint64_t)slen > n - p) return fail(r, "tar: malformed PAX record");
    size_t len = (size_t)slen;
    if (b[p + len - 1] != '\n') return fail(r, "tar: malformed PAX record");
    size_t eq = sp + 1;
    while (eq < p + len && b[eq] != '=') eq++;
    if (eq >= p + len) return fail(r, "tar: malformed PAX record (no '=')");
    size_t klen = eq - sp - 1;
    char *key = malloc(klen + 1);
    if (!key) return fail(r, "tar: out of memory");
    memcpy(key, b + sp + 1, klen);
    key[klen] = 0;
    size_t vlen = p + len - 1 - (eq + 1);
    if (vlen == 0 || memchr(key, 0, klen)) {
      /* an empty value removes the key; a key with a NUL in it matches nothing we read */
      if (!memchr(key, 0, klen)) kv_remove(*kv, nkv, key);
      free(key);
    } else if (*nkv >= cap && !kv_find(*kv, *nkv, key)) {
      free(key);
      return fail(r, "tar: more than %zu %sPAX records", cap, cap == MAX_GLOBAL ? "global " : "");
    } else if (kv_put(kv, nkv, key, b + eq + 1, vlen) < 0) {
      return fail(r, "tar: out of memory");
    }
    p += len;
  }
  return 0;
}

/* A PAX number as Long.parseLong reads it: an optional sign, then decimal digits. */
static int parse_long(const struct tar_kv *v, int64_t *out) {
  const uint8_t *s = v->val;
  size_t n = v->len, k = 0;
  int neg = 0;
  if (k < n && (s[k] == '-' || s[k] == '+')) neg = s[k++] == '-';
  if (k == n) return -1;
  uint64_t acc = 0;
  for (; k < n; k++) {
    if (s[k] < '0' || s[k] > '9') return -1;
    uint64_t d = (uint64_t)(s[k] - '0');
    if (acc > (UINT64_C(9223372036854775808) - d) / 10) return -1;
    acc = acc * 10 + d;
  }
  if (!neg && acc > INT64_MAX) return -1;
  *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return 0;
}

static int pax_unsigned(struct tar_reader *r, const struct tar_kv *v, const char *key, uint64_t *out) {
  int64_t x;
  if (parse_long(v, &x) < 0) return fail(r, "bad PAX %s '%.*s'", key, (int)(v->len > 80 ? 80 : v->len), (const char *)v->val);
  if (x < 0) return fail(r, "negative PAX %s", key);
  *out = (uint64_t)x;
  return 0;
}

/* A header field up to its first NUL. */
static char *field(const uint8_t *h, int off, int len, size_t *outlen) {
  int end = off;
  while (end < off + len && h[end]) end++;
  char *s = malloc((size_t)(end - off) + 1);
  if (!s) return NULL;
  memcpy(s, h + off, (size_t)(end - off));
  s[end - off] = 0;
  *outlen = (size_t)(end - off);
  return s;
}

static char *dup_bytes(const uint8_t *b, size_t n) {
  char *s = malloc(n + 1);
  if (!s) return NULL;
  memcpy(s, b, n);
  s[n] = 0;
  return s;
}

static int is_ustar(const uint8_t *h) { return !memcmp(h + 257, "ustar", 6); }

/* The merged PAX map (global, then this member's) for key, or NULL. */
static const struct tar_kv *pax_get(const struct tar_reader *r, struct tar_kv *local, size_t nlocal, const char *key) {
  const struct tar_kv *v = kv_find(local, nlocal, key);
  return v ? v : kv_find(r->global, r->nglobal, key);
}

/* What overrides a header field: the PAX key (global or the member's), else the GNU long name or
 * link; a new string with its length, or NULL with *found 0 when neither is there. */
static char *override(const struct tar_reader *r, struct tar_kv *local, size_t nlocal, const char *key,
                      const uint8_t *gnu, size_t *len, int *found) {
  const struct tar_kv *v = pax_get(r, local, nlocal, key);
  *found = v || gnu;
  if (v) {
    *len = v->len;
    return dup_bytes(v->val, v->len);
  }
  if (!gnu) return NULL;
  *len = strlen((const char *)gnu);
  return dup_bytes(gnu, *len);
}

static int entry(struct tar_reader *r, char type, uint64_t size, uint8_t *long_name, uint8_t *long_link,
                 struct tar_kv *local, size_t nlocal, struct tar_entry *e) {
  memset(e, 0, sizeof *e);
  const struct tar_kv *v;
  int found;
  e->name = override(r, local, nlocal, "path", long_name, &e->name_len, &found);
  if (!found) {
    size_t n1 = 0;
    char *name = field(r->header, 0, 100, &n1);
    if (name && is_ustar(r->header)) {
      size_t n2 = 0;
      char *prefix = field(r->header, 345, 155, &n2);
      if (!prefix) {
        free(name);
        name = NULL;
      } else if (n2 > 0) {
        char *joined = malloc(n1 + n2 + 2);
        if (joined) {
          memcpy(joined, prefix, n2);
          joined[n2] = '/';
          memcpy(joined + n2 + 1, name, n1 + 1);
          n1 += n2 + 1;
        }
        free(name);
        name = joined;
      }
      free(prefix);
    }
    e->name = name;
    e->name_len = n1;
  }
  e->link = override(r, local, nlocal, "linkpath", long_link, &e->link_len, &found);
  if (!found) e->link = field(r->header, 157, 100, &e->link_len);
  if (!e->name || !e->link) return fail(r, "tar: out of memory");
  for (size_t i = 0; i < nlocal + r->nglobal; i++) {
    const char *k = i < nlocal ? local[i].key : r->global[i - nlocal].key;
    if (!strncmp(k, "GNU.sparse.", 11)) return fail(r, "sparse files (PAX GNU.sparse) are not supported: %s", e->name);
  }
  if (e->name_len > r->max_path || e->link_len > r->max_path) {
    return fail(r, "path longer than the limit of %zu bytes: %.80s...", r->max_path, e->name);
  }
  if ((v = pax_get(r, local, nlocal, "size")) && pax_unsigned(r, v, "size", &size) < 0) return -1;
  uint64_t mode;
  if (number(r, 100, 8, &mode) < 0) return -1;
  e->mode = (unsigned)(mode & 07777);
  if ((v = pax_get(r, local, nlocal, "uid"))) {
    if (pax_unsigned(r, v, "uid", &e->uid) < 0) return -1;
  } else if (number(r, 108, 8, &e->uid) < 0) {
    return -1;
  }
  if ((v = pax_get(r, local, nlocal, "gid"))) {
    if (pax_unsigned(r, v, "gid", &e->gid) < 0) return -1;
  } else if (number(r, 116, 8, &e->gid) < 0) {
    return -1;
  }
  uint64_t mt;
  if (number(r, 136, 12, &mt) < 0) return -1;
  e->mtime = (int64_t)mt;
  if ((v = pax_get(r, local, nlocal, "mtime"))) {
    struct tar_kv whole = *v;
    const uint8_t *dot = memchr(v->val, '.', v->len);
    if (dot) whole.len = (size_t)(dot - v->val);
    if (parse_long(&whole, &e->mtime) < 0) return fail(r, "bad PAX mtime '%.*s'", (int)(v->len > 80 ? 80 : v->len), (const char *)v->val);
  }
  if (type == '3' || type == '4') {
    uint64_t ma, mi;
    if (number(r, 329, 8, &ma) < 0 || number(r, 337, 8, &mi) < 0) return -1;
    e->major = (unsigned)ma;
    e->minor = (unsigned)mi;
  }
  for (size_t i = 0; i < nlocal; i++) {
    if (strncmp(local[i].key, "SCHILY.xattr.", 13)) continue;
    struct tar_xattr *nx = realloc(e->xattrs, (e->nxattrs + 1) * sizeof *nx);
    if (!nx) return fail(r, "tar: out of memory");
    e->xattrs = nx;
    struct tar_xattr *x = &nx[e->nxattrs];
    x->name = dup_bytes((const uint8_t *)local[i].key + 13, strlen(local[i].key + 13));
    x->value = malloc(local[i].len ? local[i].len : 1);
    x->len = local[i].len;
    if (!x->name || !x->value) {
      free(x->name);
      free(x->value);
      return fail(r, "tar: out of memory");
    }
    memcpy(x->value, local[i].val, local[i].len);
    e->nxattrs++;
  }
  /* Only regular files carry content; a hard link or directory with a size field is not read.
   * Unknown types with a size: their content is skipped, so the stream stays aligned. */
  int has_data = type == '0' || type == '\0' || type == '7';
  e->type = type;
  e->size = has_data ? size : 0;
  r->remaining = 0;
  r->padding = 0;
  r->data = has_data;
  if (has_data || (size > 0 && !strchr("123456", type))) {
    if (size > UINT64_MAX - BLOCK) return fail(r, "negative size for %s", e->name);
    r->remaining = size;
    r->padding = padded(size) - size;
  }
  return 1;
}

int tar_next(struct tar_reader *r, struct tar_entry *e) {
  memset(e, 0, sizeof *e);
  if (r->done) return 0;
  if (skip(r, r->remaining + r->padding) < 0) return -1;
  r->remaining = r->padding = 0;
  r->data = 0;
  uint8_t *long_name = NULL, *long_link = NULL, *meta = NULL;
  struct tar_kv *local = NULL;
  size_t nlocal = 0;
  int rc;
  for (;;) {
    int k = read_exact(r, r->header, BLOCK);
    if (k == 0) { /* no end-of-archive blocks: tolerated, as GNU tar does */
      r->done = 1;
      rc = 0;
      break;
    }
    if (k == -1) {
      rc = -1;
      break;
    }
    if (k == -2) {
      rc = fail(r, "tar: truncated header");
      break;
    }
    if (is_zero(r->header)) {
      r->done = 1;
      rc = 0;
      break;
    }
    if (verify_checksum(r) < 0) {
      rc = -1;
      break;
    }
    char type = (char)r->header[156];
    uint64_t size;
    if (number(r, 124, 12, &size) < 0) {
      rc = -1;
      break;
    }
    if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
      if (read_meta(r, size, &meta) < 0) {
        rc = -1;
        break;
      }
      if (type == 'L') {
        free(long_name);
        long_name = meta;
      } else if (type == 'K') {
        free(long_link);
        long_link = meta;
      } else {
        int pr = type == 'x' ? parse_pax(r, meta, (size_t)size, &local, &nlocal)
                             : parse_pax(r, meta, (size_t)size, &r->global, &r->nglobal);
        free(meta);
        if (pr < 0) {
          rc = -1;
          break;
        }
      }
      meta = NULL;
      continue;
    }
    if (type == 'S') {
      rc = fail(r, "sparse files (GNU type 'S') are not supported");
      break;
    }
    if (type == 'M') {
      rc = fail(r, "multi-volume archives are not supported");
      break;
    }
    if (type == 'V') { /* a volume label: no file */
      if (skip(r, padded(size)) < 0) {
        rc = -1;
        break;
      }
      continue;
    }
    rc = entry(r, type, size, long_name, long_link, local, nlocal, e);
    break;
  }
  free(long_name);
  free(long_link);
  kv_clear(local, nlocal);
  if (rc != 1) tar_entry_free(e);
  return rc;
}

long tar_data(struct tar_reader *r, const uint8_t **p, size_t max) {
  if (r->remaining == 0 || !r->data) return 0; /* an unknown type's content is skipped, not read */
  size_t want = r->remaining < max ? (size_t)r->remaining : max;
  long k = r->get(r->ctx, p, want);
  if (k < 0) {
    r->source_failed = 1;
    return -1;
  }
  if (k == 0) return fail(r, "tar: unexpected end of archive inside a file");
  r->remaining -= (uint64_t)k;
  return k;
}

int tar_components(char *buf, size_t len, char ***comps, char *err, size_t errlen) {
  size_t cap = 16, n = 0;
  char **out = malloc(cap * sizeof *out);
  if (!out) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && buf[i] != '/') continue;
    char *c = buf + start;
    size_t clen = i - start;
    if (i < len) buf[i] = 0;
    start = i + 1;
    if (clen == 0 || (clen == 1 && c[0] == '.')) continue;
    if (clen == 2 && c[0] == '.' && c[1] == '.') {
      if (n == 0) {
        snprintf(err, errlen, "path escapes the layer with '..'");
        free(out);
        return -1;
      }
      n--;
      continue;
    }
    if (memchr(c, 0, clen)) {
      snprintf(err, errlen, "NUL in path");
      free(out);
      return -1;
    }
    if (n == cap) {
      char **nb = realloc(out, cap * 2 * sizeof *out);
      if (!nb) {
        free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      out = nb;
      cap *= 2;
    }
    out[n++] = c;
  }
  *comps = out;
  return (int)n;
}
