/* libFuzzer target: the decoders of ps and images without the JVM (ps_fast.c). The first byte
 * picks one: 0 a sandbox's record, 1 a monitor's state record, 2 a PORTS spec (and port's line), 3 the ps command
 * line (NUL-separated words), 4 an image record, 5 tags.json, 6 an RFC 3339 time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ps_fast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 7;
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
    if (ps_port_line(buf, n, &b) == 0 && (b.len > n + 40 || !b.p || b.p[b.len - 1] != '\n')) abort();
    sb_free(&b);
  } else if (which == 4) {
    struct ps_image im;
    if (ps_image_parse(buf, n, &im) == 0) {
      if (!im.digest.p || !im.pulled.p || im.id.len < 13 || im.id.len > n) abort();
      ps_image_free(&im);
    }
  } else if (which == 5) {
    struct ps_tags t;
    if (ps_tags_parse(buf, n, &t) == 0) {
      for (size_t i = 0; i + 1 < t.n; i++) { /* sorted, unique */
        const struct sbuf *a = &t.name[i], *b = &t.name[i + 1];
        size_t m = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->p, b->p, m);
        if (c > 0 || (c == 0 && a->len >= b->len)) abort();
      }
      ps_tags_free(&t);
    }
  } else if (which == 6) {
    long long sec;
    long ns;
    char ago[64], size[64];
    if (ps_rfc3339_utc(buf, n, &sec, &ns) == 0 && (ns < 0 || ns > 999999999)) abort();
    ps_image_ago(n > 8 ? (long long)(data[1] | data[2] << 8 | (uint32_t)data[3] << 16) * 977 : 5, ago, sizeof ago);
    ps_si(n > 8 ? (long long)data[4] << 32 | data[5] << 8 : 7, size, sizeof size);
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
