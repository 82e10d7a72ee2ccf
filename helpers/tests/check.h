/* What the C plan tests share: a CHECK that counts instead of aborting, the golden-file loader,
 * a copy helper, records appended, a patched decode and the truncation check (plan_decode takes ownership of its buffer). Header-only: each test_*.c is
 * its own program. */
#ifndef JBOX_TESTS_CHECK_H
#define JBOX_TESTS_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static int passed, failed;
#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) passed++;                                                                            \
    else {                                                                                         \
      failed++;                                                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
    }                                                                                              \
  } while (0)

/* Reads a golden file (path relative to helpers/, where `make check` runs the tests). */
static inline char *load_golden(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  /* the whole file, however long (it read at most 64 KiB once, silently) */
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) free(buf);
      buf = b;
    }
  }
  if (!buf || ferror(f)) {
    perror(path);
    exit(1);
  }
  fclose(f);
  *len = n;
  return buf;
}

static inline char *copy(const char *b, size_t len) {
  char *c = malloc(len ? len : 1);
  memcpy(c, b, len);
  return c;
}

/* A copy of the plan bytes g[0..len) with `count` records TAG = value[0..vlen) appended, as Java
 * appends its extra records, and the header's length patched; *n gets the new length. */
static inline char *append_records(const char *g, size_t len, unsigned tag, const char *value, size_t vlen, size_t count,
                                   size_t *n) {
  size_t total = len + count * (6 + vlen);
  char *b = malloc(total);
  memcpy(b, g, len);
  for (size_t i = 0; i < count; i++) {
    unsigned char *r = (unsigned char *)b + len + i * (6 + vlen);
    r[0] = (unsigned char)tag, r[1] = (unsigned char)(tag >> 8);
    r[2] = (unsigned char)vlen, r[3] = (unsigned char)(vlen >> 8), r[4] = (unsigned char)(vlen >> 16), r[5] = (unsigned char)(vlen >> 24);
    memcpy(r + 6, value, vlen);
  }
  b[6] = (char)(total & 0xff), b[7] = (char)((total >> 8) & 0xff), b[8] = (char)((total >> 16) & 0xff), b[9] = (char)(total >> 24);
  *n = total;
  return b;
}

/* Decodes the golden bytes with `from` replaced by `to` (of the same length): plan_decode's result,
 * or 0 when `from` is not there. */
static inline int decode_patched(const char *g, size_t len, const char *from, const char *to) {
  char *bad = copy(g, len);
  char *s = memmem(bad, len, from, strlen(from));
  if (!s) {
    free(bad);
    return 0;
  }
  memcpy(s, to, strlen(to));
  struct plan p;
  int r = plan_decode(&p, bad, len);
  plan_free(&p);
  return r;
}

/* Whether every proper prefix of the golden bytes is refused. */
static inline int every_truncation_fails(const char *g, size_t len) {
  int all_failed = 1;
  for (size_t n = 0; n < len; n++) {
    struct plan t;
    if (plan_decode(&t, copy(g, n), n) == 0) all_failed = 0;
    plan_free(&t);
  }
  return all_failed;
}
#endif
