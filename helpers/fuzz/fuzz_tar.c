/* libFuzzer target: tar.c's decoder and tar_components on arbitrary bytes, handed out in pieces of
 * a size the first byte picks (headers and PAX records then straddle the pieces). Every member's
 * content is read; the invariants: a name and link are NUL-terminated at their length, no more
 * content than the member's size comes back, and a normalized path has no empty, ".", ".." or
 * slash-holding component. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

struct src {
  const uint8_t *p;
  size_t n, piece;
};

static long get(void *ctx, const uint8_t **p, size_t max) {
  struct src *s = ctx;
  size_t k = s->n < max ? s->n : max;
  if (k > s->piece) k = s->piece;
  *p = s->p;
  s->p += k;
  s->n -= k;
  return (long)k;
}

static void check_path(const char *s, size_t len) {
  char *buf = malloc(len + 1), err[128], **comps;
  memcpy(buf, s, len + 1);
  int n = tar_components(buf, len, &comps, err, sizeof err);
  for (int i = 0; i < n; i++) {
    if (!comps[i][0] || !strcmp(comps[i], ".") || !strcmp(comps[i], "..") || strchr(comps[i], '/')) abort();
    if (comps[i] < buf || comps[i] > buf + len) abort();
  }
  if (n >= 0) free(comps);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  struct src s = {data + 1, size - 1, (size_t)(data[0] % 7 == 0 ? 1 : data[0] * 37u + 1)};
  struct tar_reader r;
  tar_init(&r, get, &s, 256);
  struct tar_entry e;
  int rc;
  while ((rc = tar_next(&r, &e)) == 1) {
    if (e.name[e.name_len] || e.link[e.link_len] || e.name_len > 256 || e.link_len > 256) abort();
    check_path(e.name, e.name_len);
    check_path(e.link, e.link_len);
    uint64_t got = 0;
    const uint8_t *p;
    long k;
    while ((k = tar_data(&r, &p, 1000)) > 0) {
      if (p < data || p + k > data + size) abort();
      got += (uint64_t)k;
    }
    if (got > e.size) abort();
    for (size_t i = 0; i < e.nxattrs; i++)
      if (!e.xattrs[i].name) abort();
    tar_entry_free(&e);
    if (k < 0) break;
  }
  if (rc < 0 && !r.err[0]) abort();
  tar_free(&r);
  return 0;
}
