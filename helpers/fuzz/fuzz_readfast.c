/* libFuzzer target: the decoders of logs and version without the JVM (read_fast.c). The first byte
 * picks one: 0 a log (log.1 and log joined), 1 the logs command line (NUL-separated words), 2 the
 * version cache, 3 a volume.json (ps_json_object) and a volume's name, 4 a sandbox's etc/passwd as
 * top reads it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read_fast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 5;
  size_t n = size - 1;
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  memcpy(buf, data + 1, n);
  buf[n] = '\0';
  if (which == 4) {
    struct top_user *u;
    size_t nu;
    if (top_passwd_parse(buf, n, &u, &nu) == 0) {
      for (size_t i = 0; i < nu; i++) {
        if (u[i].uid < 0 || !u[i].name || memchr(u[i].name, '\n', strlen(u[i].name)) || strchr(u[i].name, ':')) abort();
        for (size_t j = 0; j < i; j++)
          if (u[j].uid == u[i].uid) abort(); /* the first name of a uid only */
      }
      top_users_free(u, nu);
    }
    free(buf);
    return 0;
  }
  if (which == 0) {
    struct log_entries l;
    if (logs_parse(buf, n, &l) == 0) {
      /* every line's bytes lie in the text, every time in the input, no more lines than records */
      size_t total = 0;
      for (size_t i = 0; i < l.n; i++) {
        const struct log_entry *e = &l.e[i];
        if (e->off + e->len > l.text.len || (e->time && (e->time < buf || e->time + 30 > buf + n))) abort();
        total += e->len;
      }
      if (total > n || l.n > n + 2) abort();
      logs_free(&l);
    }
  } else if (which == 1) {
    char *words[65];
    int argc = 0;
    for (char *p = buf; p <= buf + n && argc < 64; p += strlen(p) + 1) words[argc++] = p;
    words[argc] = NULL;
    struct logs_call c;
    if (logs_call_parse(argc, words, &c) == 0 && (c.nref == 0 || c.tail < -1)) abort();
  } else if (which == 3) {
    if (ps_json_object(buf, n) == 0 && (n < 2 || !memchr(buf, '{', n) || !memchr(buf, '}', n))) abort();
    struct ps_volume v;
    if (ps_volume_parse(buf, n, &v) == 0) {
      for (size_t i = 0; i + 1 < v.labels.n; i++)
        if (strcmp(v.labels.name[i].p, v.labels.name[i + 1].p) >= 0) abort(); /* sorted, unique */
      ps_volume_free(&v);
    }
    if (volume_name_ok(buf) && (!buf[0] || strlen(buf) > 255 || buf[0] == '-' || buf[0] == '.' || buf[0] == '_')) abort();
  } else {
    const char *v[4];
    if (version_cache_parse(buf, n, "K", v) == 0)
      for (int i = 0; i < 4; i++)
        if (v[i] < buf || v[i] >= buf + n) abort();
  }
  free(buf);
  return 0;
}
