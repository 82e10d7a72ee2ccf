/* libFuzzer target: a MOUNT record's OPTIONS ("word,word|fsdata", mount_opts_parse in mounts.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  struct mount_opts o;
  if (mount_opts_parse(s, &o) == 0) {
    /* the data string is the text after the first bar, whole, or absent */
    const char *bar = strchr(s, '|');
    if (!bar != !o.data || (bar && strcmp(o.data, bar + 1))) abort();
  }
  free(s);
  return 0;
}
