/* libFuzzer target: the decoders of a prepared start (prestart.c): every input is decoded as a
 * KEY and as a start template. An accepted start template has its id put in and is checked for
 * what the decoder promises (spans inside the input, one after the other, a marker for each id
 * counted, none left after the fill). An accepted KEY is checked for what the decoder promises (the stamp first, every field
 * NUL-terminated inside the decoded copy, the paths absolute). The check against the host is not
 * run: it asks the file system about the paths, which a fuzzer should not make it do. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "prestart.h"
#include "shell_join.h"

static void start(const char *b, size_t size) {
  struct prestart_start s;
  if (prestart_start_parse(b, size, &s)) return;
  if (!s.nenv || s.nenv > PRESTART_MAX_MARKERS || !s.project.p || !s.head.p || !s.tail.p || !s.nids) abort();
  if (s.head.p < b || s.head.p + s.head.len != s.tail.p || s.tail.p + s.tail.len != b + size) abort();
  if (s.project.p < b || s.project.p + s.project.len > s.head.p) abort();
  static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  char *f = malloc(size);
  if (!f) abort();
  prestart_fill_id(f, b, size, id);
  size_t n = 0;
  for (char *p = f; (p = memmem(p, (size_t)(f + size - p), id, 64)); p += 64) n++;
  if (n < s.nids) abort();
  char marker[64];
  memset(marker, '@', 64);
  if (memmem(f + (s.head.p - b), s.head.len + s.tail.len, marker, 64)) abort();
  free(f);
  /* the launcher's plan from it, for a call (a terminal, a denied name, a marker's name): one
   * plan_decode takes, as the template's decoder promises */
  static char *envp[] = {"PATH=/bin", "FOO_TOKEN=x", "JBOX_X=1", "PS1=$ ", "A=\xc3\xa9", NULL};
  static char *cmd[] = {"sh", "-c", "true"};
  struct span deny = {"*TOKEN*", 7};
  struct join_template jt = {.deny = &deny, .ndeny = 1};
  struct join_call c = {.envp = envp, .cwd = "/", .cmd = cmd, .ncmd = (size_t)(size & 3), .shell = "/bin/sh",
                        .tty = (int)(size & 1), .uid = 1000, .gid = 1000, .utf8 = 1};
  char *plan;
  size_t len, nenv;
  struct span *env;
  if (prestart_plan_build(&c, &s, &jt, id, &plan, &len, &env, &nenv)) return;
  free(env);
  struct plan p;
  if (plan_decode(&p, plan, len)) abort(); /* takes plan */
  plan_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  start((const char *)data, size);
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
