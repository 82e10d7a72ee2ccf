/* libFuzzer target: the decoders of stop and rm without the JVM (change_fast.c). The first byte
 * picks one: 0 a sandbox's record as stop reads it, 1 the stop command line, 2 the rm command line
 * (NUL-separated words), 3 a volume name and its volume.json, 4 a volume.json as volume rm checks it,
 * and a record's mounts as ps_record_parse reads them, 5 a config.json as rename rewrites it, 6 an
 * exec template as rename rewrites it, 7 an image name as tag reads it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "change_fast.h"
#include "exec_fast.h"
#include "ps_fast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 8;
  size_t n = size - 1;
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  memcpy(buf, data + 1, n);
  buf[n] = '\0';
  if (which == 0) {
    struct stop_record r;
    if (stop_record_parse(buf, n, &r) == 0) {
      if (r.sig < -1 || r.sig > 64 || r.sig == 0) abort();
      if (r.has_name && strlen(r.name) >= STOP_NAME_MAX) abort();
    }
  } else if (which == 4) {
    struct ps_record r;
    int ok = ps_json_object_ok(buf, n);
    if (ok != 0 && ok != -1) abort();
    if (ps_record_parse(buf, n, &r) == 0) {
      if (r.has_mounts != 0 && r.has_mounts != 1) abort();
      ps_record_free(&r);
    }
  } else if (which == 5) {
    char *out;
    size_t on;
    struct span old;
    if (rename_record_text(buf, n, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "renamed-1", &out, &on,
                           &old) == 0) {
      /* the same text but the name's value, which was the record's */
      if (!strstr(out, "\"name\": \"renamed-1\"") || (old.p && (old.p < buf || old.p + old.len > buf + n))) abort();
      free(out);
    }
  } else if (which == 6) {
    struct exec_template t;
    if (exec_template_parse(buf, n, &t) == 0) {
      struct span old = t.name;
      exec_template_free(&t);
      char *out;
      size_t on;
      if (rename_template_text(buf, n, &old, "renamed-1", &out, &on) == 0) {
        if (exec_template_parse(out, on, &t) || t.name.len != 9 || memcmp(t.name.p, "renamed-1", 9)) abort();
        exec_template_free(&t);
        free(out);
      }
    }
  } else if (which == 7) {
    char out[600], again[600];
    if (image_tag_name(buf, out, sizeof out) == 0) {
      /* a name it writes is one it takes again as it is, of printable ASCII */
      if (image_tag_name(out, again, sizeof again) || strcmp(out, again) || image_normalize(out, again, sizeof again) ||
          strcmp(out, again))
        abort();
      for (const char *q = out; *q; q++)
        if (*q < 0x21 || *q > 0x7e) abort();
    }
    (void)image_normalize(buf, out, sizeof out);
  } else if (which == 3) {
    char text[600];
    if (volume_name_valid(buf) && volume_record_text(buf, (long long)n * 1000003, text, sizeof text) < 0) abort();
  } else {
    char *argv[96];
    int argc = 0;
    for (char *p = buf; p < buf + n && argc < 96; p += strlen(p) + 1) argv[argc++] = p;
    struct change_call c;
    int rc = which == 1 ? stop_call_parse(argc, argv, &c) : rm_call_parse(argc, argv, &c);
    if (rc == 0) {
      if (c.nrefs < 1 || c.nrefs > CHANGE_MAX_REFS || c.seconds < 0 || c.seconds > 999999999) abort();
      for (int i = 0; i < c.nrefs; i++)
        if (!c.refs[i][0] || c.refs[i][0] == '-' || c.refs[i][0] == '@') abort();
    }
  }
  free(buf);
  return 0;
}
