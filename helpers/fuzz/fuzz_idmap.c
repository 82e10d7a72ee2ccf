/* libFuzzer target: the id-map parser and formatter (idmap_parse in plan.c, idmap_format in
 * sandbox.c). Input: map lines separated by newlines; every line the parser accepts must format
 * back to itself, and formatting must stay inside buffers of every size, including the kernel's
 * one page for up to 340 lines and the plan's 32. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct idmap_line lines[IDMAP_MAX_LINES + 2];
  size_t n = 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < sizeof lines / sizeof *lines; l = strtok_r(NULL, "\n", &save)) {
    struct idmap_line m;
    memset(&m, 0xa5, sizeof m);
    if (idmap_parse(l, &m)) continue;
    if (m.count == 0 || m.inside + m.count > 0x100000000UL || m.outside + m.count > 0x100000000UL) abort();
    char one[64];
    int k = idmap_format(one, sizeof one, &m, 1);
    if (k <= 0 || strncmp(one, l, strlen(l)) || one[k - 1] != '\n' || (size_t)k != strlen(l) + 1) abort();
    lines[n++] = m;
  }
  /* every buffer size from 0 to a page: the result fits or is refused, never written past */
  size_t sizes[] = {0, 1, 7, 64, 1024, IDMAP_MAX_BYTES};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    char *buf = malloc(sizes[i] ? sizes[i] : 1);
    int k = idmap_format(buf, sizes[i], lines, n);
    if (k >= 0 && ((size_t)k >= sizes[i] || strlen(buf) != (size_t)k)) abort();
    free(buf);
  }
  free(text);
  return 0;
}
