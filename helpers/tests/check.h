/* What the C plan tests share: a CHECK that counts instead of aborting, the golden-file loader,
 * and a copy helper (plan_decode takes ownership of its buffer). Header-only: each test_*.c is
 * its own program. */
#ifndef JBOX_TESTS_CHECK_H
#define JBOX_TESTS_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  char *buf = malloc(1 << 16);
  *len = fread(buf, 1, 1 << 16, f);
  fclose(f);
  return buf;
}

static inline char *copy(const char *b, size_t len) {
  char *c = malloc(len ? len : 1);
  memcpy(c, b, len);
  return c;
}
#endif
