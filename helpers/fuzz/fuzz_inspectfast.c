/* libFuzzer target: the decoders of inspect without the JVM (inspect_fast.c, ps_fast.c's jv_*).
 * The first byte picks one: 0 a JSON value (jv_parse), printed as Json.pretty prints it and read
 * back (the same value: the same bytes again), and checked as a sandbox record
 * (inspect_record_shape) and an image record (inspect_image_record, inspect_unique_keys);
 * 1 a recorded mount spec (inspect_mount); 2 a mountinfo text (inspect_mountinfo). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect_fast.h"

static void json(const char *buf, size_t n) {
  struct jv v;
  int na = 0;
  if (jv_parse(buf, n, &v, &na)) return;
  inspect_record_shape(&v);
  /* an image record taken has unique keys at every level */
  if (inspect_image_record(&v) == 0 && !inspect_unique_keys(&v)) abort();
  struct sbuf a = {.max = 64u << 20};
  if (jv_pretty(&a, &v, 0) == 0 && !a.err) {
    struct jv again;
    int na2 = 0;
    if (jv_parse(a.p ? a.p : "", a.len, &again, &na2)) abort(); /* Json.pretty's text is JSON */
    struct sbuf b = {.max = 64u << 20};
    if (jv_pretty(&b, &again, 0) || b.err || b.len != a.len || (a.len && memcmp(a.p, b.p, a.len))) abort();
    sb_free(&b);
    jv_free(&again);
  }
  sb_free(&a);
  jv_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 3;
  size_t n = size - 1;
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  memcpy(buf, data + 1, n);
  buf[n] = '\0';
  struct jv l = jv_new(JV_ARR);
  if (which == 0) {
    json(buf, n);
  } else if (which == 1) {
    int rc = inspect_mount(buf, n, "/v", &l);
    if ((rc == 0) != (l.n == 1)) abort(); /* one entry when added, none otherwise */
  } else {
    if (inspect_mountinfo(buf, n, &l) == 0 && l.n > n / 12 + 1) abort(); /* a mount a line of at least 13 bytes */
  }
  jv_free(&l);
  free(buf);
  return 0;
}
