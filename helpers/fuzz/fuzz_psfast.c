/* libFuzzer target: the decoders of ps without the JVM (ps_fast.c). The first byte picks one: 0
 * a sandbox's record, 1 a monitor's state record, 2 a PORTS spec, 3 the ps command line
 * (NUL-separated words). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ps_fast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 4;
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  memcpy(buf, in, n);
  buf[n] = '\0';
  if (which == 0) {
    struct ps_record r;
    int rc = ps_record_parse(buf, n, &r);
    if (rc == 0) {
      /* the texts are whole and bounded by the input (a port entry grows it by a fixed amount) */
      if (r.name.len > n || r.image.len > n || r.command.len > n) abort();
      ps_record_free(&r);
    } else if (rc != 1 && rc != -1) {
      abort();
    }
  } else if (which == 1) {
    struct ps_state s;
    if (ps_state_parse(buf, n, &s) == 0 && s.status != PS_RUNNING && s.status != PS_EXITED && s.status != PS_OTHER) abort();
  } else if (which == 2) {
    struct sbuf b = {0};
    ps_port(buf, n, &b);
    if (b.len > n + 40) abort();
    sb_free(&b);
  } else {
    char *argv[64];
    int argc = 0;
    for (char *p = buf; p < buf + n && argc < 64; p += strlen(p) + 1) argv[argc++] = p;
    struct ps_call c;
    ps_call_parse(argc, argv, &c);
  }
  free(buf);
  return 0;
}
