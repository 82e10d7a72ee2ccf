/* libFuzzer target: the decoder of a prepared start's KEY (prestart.c). Every input is decoded;
 * an accepted one is checked for what the decoder promises (the stamp first, every field
 * NUL-terminated inside the decoded copy, the paths absolute). The check against the host is not
 * run: it asks the file system about the paths, which a fuzzer should not make it do. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prestart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct prestart_key k;
  if (prestart_key_parse((const char *)data, size, &k)) return 0;
  if (k.nlines < 2 || k.lines[0].kind != KEY_JAR || k.lines[1].kind != KEY_HELPER) abort();
  for (size_t i = 0; i < k.nlines; i++) {
    const struct key_line *l = &k.lines[i];
    if (!l->a || strlen(l->a) > size) abort();
    if (l->b && strlen(l->b) > size) abort();
    if ((l->kind == KEY_STAT || l->kind == KEY_LSTAT || l->kind == KEY_READ || l->kind == KEY_REAL || l->kind == KEY_JAR ||
         l->kind == KEY_HELPER) && l->a[0] != '/')
      abort();
    if (l->kind == KEY_READ && !l->absent && strlen(l->b) != 64) abort();
  }
  prestart_key_free(&k);
  return 0;
}
