/* Decodes tests/golden/plan-attach.bin (PlanWriterAttachTest): the golden plan with STATEDIR and
 * ATTACH, as jbox start -a sends it; an ATTACH plan alone (jbox attach) needs no command; bad
 * modes and detach keys are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

/* header + one ATTACH record with this value */
static size_t attach_only(char *out, const char *v, size_t vlen) {
  size_t len = 10 + 6 + vlen;
  memcpy(out, "JBXP\1\0", 6);
  out[6] = (char)len, out[7] = (char)(len >> 8), out[8] = 0, out[9] = 0;
  out[10] = 22, out[11] = 0;
  out[12] = (char)vlen, out[13] = (char)(vlen >> 8), out[14] = 0, out[15] = 0;
  memcpy(out + 16, v, vlen);
  return len;
}

static int decode_attach(const char *v, size_t vlen, struct plan *p) {
  char buf[256];
  size_t n = attach_only(buf, v, vlen);
  return plan_decode(p, copy(buf, n), n);
}

int main(void) {
  FILE *f = fopen("tests/golden/plan-attach.bin", "rb");
  if (!f) {
    perror("tests/golden/plan-attach.bin");
    return 1;
  }
  char *g = malloc(1 << 16);
  size_t len = fread(g, 1, 1 << 16, f);
  fclose(f);

  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.statedir && !strcmp(p.statedir, "/run/user/1000/jbox/0123abcd"));
  CHECK(p.attach_dir && !strcmp(p.attach_dir, "/run/user/1000/jbox/0123abcd"));
  CHECK(p.attach_mode == ATTACH_TTY && p.n_detach_keys == 2 && p.detach_keys[0] == 16 && p.detach_keys[1] == 17);
  CHECK(p.argc == 3);
  plan_free(&p);

  CHECK(every_truncation_fails(g, len));

  /* jbox attach: the record alone, no command; no keys means no detaching */
  static const char ok[] = "/x/y\0none\0";
  CHECK(decode_attach(ok, sizeof ok - 1, &p) == 0 && p.attach_mode == ATTACH_NONE && p.n_detach_keys == 0 && p.argc == 0);
  plan_free(&p);
  static const char zero[] = "/x/y\0stdin\0" "0 255";
  CHECK(decode_attach(zero, sizeof zero - 1, &p) == 0 && p.n_detach_keys == 2 && p.detach_keys[0] == 0 && p.detach_keys[1] == 255);
  plan_free(&p);

  static const struct {
    const char *v;
    size_t len;
    const char *err;
  } bad[] = {
      {"x/y\0tty\0" "16", 10, "attach directory"},
      {"/x/../y\0tty\0" "16", 14, "attach directory"},
      {"/x\0pty\0" "16", 9, "attach mode"},
      {"/x\0tty\0" "256", 10, "detach keys"},
      {"/x\0tty\0" "1,2", 10, "detach keys"},
      {"/x\0tty\0" "1  2", 11, "detach keys"},
      {"/x\0tty\0" "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", 48, "detach keys"},
      {"/x\0tty", 6, "attach record"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int r = decode_attach(bad[i].v, bad[i].len, &p);
    CHECK(r != 0 && strstr(jbox_err, bad[i].err));
    if (r == 0 || !strstr(jbox_err, bad[i].err)) fprintf(stderr, "  case %zu: %s\n", i, jbox_err);
    plan_free(&p);
  }

  printf("test_plan_attach: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
