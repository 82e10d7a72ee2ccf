/* Decodes tests/golden/plan-restart.bin (PlanWriterRestartTest): the plan of plan-lock.bin without
 * CLEANUP and RMDIR (a kept sandbox's), then STATEDIR and RESTART (tag 38, `--restart`). Every
 * malformed policy is refused, so is the record without STATEDIR or in a --rm plan, and every
 * truncation fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

/* The golden plan with the RESTART record's value replaced by `v` (any length). */
static int decode_policy(const char *g, size_t len, const char *v, size_t vlen, struct plan *p) {
  const char old[] = "on-failure 2";
  size_t olen = sizeof old - 1, n = len - olen + vlen;
  char *b = malloc(n ? n : 1);
  memcpy(b, g, len - olen);
  memcpy(b + len - olen, v, vlen);
  unsigned char *h = (unsigned char *)b + len - olen - 6;
  h[2] = (unsigned char)(vlen & 0xff), h[3] = (unsigned char)(vlen >> 8), h[4] = h[5] = 0;
  b[6] = (char)(n & 0xff), b[7] = (char)(n >> 8), b[8] = b[9] = 0;
  return plan_decode(p, b, n);
}

static int policy(const char *g, size_t len, const char *v, enum restart_policy *out, unsigned *max) {
  struct plan p;
  int r = decode_policy(g, len, v, strlen(v), &p);
  if (r == 0) *out = p.restart, *max = p.restart_max;
  plan_free(&p);
  return r;
}

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan-restart.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.restart == RESTART_ON_FAILURE && p.restart_max == 2);
  CHECK(p.statedir && !strcmp(p.statedir, "/run/user/1000/jbox/0123abcd"));
  CHECK(!p.cleanup && !p.rmdir && p.lockfile && !strcmp(p.lockfile, "/s/c/state"));
  plan_free(&p);

  enum restart_policy r;
  unsigned max;
  CHECK(policy(g, len, "always 0", &r, &max) == 0 && r == RESTART_ALWAYS && max == 0);
  CHECK(policy(g, len, "unless-stopped 0", &r, &max) == 0 && r == RESTART_UNLESS_STOPPED);
  CHECK(policy(g, len, "on-failure 0", &r, &max) == 0 && r == RESTART_ON_FAILURE && max == 0);
  CHECK(policy(g, len, "on-failure 1000000", &r, &max) == 0 && max == 1000000);
  const char *bad[] = {"on-failure 1000001", "on-failure -1", "on-failure +1", "on-failure  1", "on-failure 1 ",
                       "on-failure", "on-failure ", "always 3", "unless-stopped 1", "no 0", "sometimes 0", " always 0",
                       "always 0x1", "on-failure 99999999", "", "always\t0"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(policy(g, len, bad[i], &r, &max) != 0 && strstr(jbox_err, "restart policy"));
  }
  CHECK(decode_policy(g, len, "always\0 0", 9, &p) != 0 && strstr(jbox_err, "NUL"));
  plan_free(&p);

  /* without STATEDIR (a foreground run): refused */
  CHECK(decode_patched(g, len, "/run/user/1000/jbox/0123abcd", "run/user/1000/jbox/0123abcd/") != 0);
  size_t llen;
  char *lock = load_golden("tests/golden/plan-lock.bin", &llen);
  const char rec[] = "always 0";
  size_t n;
  char *b = append_records(lock, llen, T_RESTART, rec, sizeof rec - 1, 1, &n);
  CHECK(plan_decode(&p, b, n) != 0 && strstr(jbox_err, "restart policy needs a detached sandbox"));
  plan_free(&p);
  free(lock);

  CHECK(every_truncation_fails(g, len));
  printf("test_plan_restart: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
