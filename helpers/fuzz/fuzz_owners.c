/* libFuzzer target: the `owners` record decoder (owners_parse in owners.c). Input: a stream of
 * records as `jbox-helper owners` reads it from stdin. Every record the decoder accepts must lie
 * inside the input, end at its NUL, and name a path that cannot leave the root lexically (not
 * empty, not absolute, no empty, "." or ".." component, except "." alone); whatever it refuses
 * it refuses without reading past the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size ? size : 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  size_t off = 0;
  while (off < size) {
    struct owner_rec r;
    long n = owners_parse(buf + off, size - off, &r);
    if (n <= 0) break;
    if ((size_t)n > size - off || buf[off + (size_t)n - 1] != '\0') abort();
    size_t pl = strlen(r.path);
    if (r.path < buf + off || r.path + pl != buf + off + (size_t)n - 1) abort();
    if (pl == 0 || pl >= OWNERS_MAX_PATH || r.path[0] == '/') abort();
    if (r.uid > 0xfffffffeUL || r.gid > 0xfffffffeUL || r.mode < -1 || r.mode > 07777) abort();
    if (strcmp(r.path, ".")) {
      if (r.path[pl - 1] == '/' || strstr(r.path, "//") || !strcmp(r.path, "..") || !strncmp(r.path, "./", 2)
          || !strncmp(r.path, "../", 3) || strstr(r.path, "/./") || strstr(r.path, "/../"))
        abort();
      if ((pl >= 2 && !strcmp(r.path + pl - 2, "/.")) || (pl >= 3 && !strcmp(r.path + pl - 3, "/..")))
        abort();
    }
    off += (size_t)n;
  }
  free(buf);
  return 0;
}
