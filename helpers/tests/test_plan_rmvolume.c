/* RMVOLUME (tag 41) appended to the golden plan, as Java appends it for a --rm sandbox's anonymous
 * volumes: repeatable up to PLAN_MAX_RMVOLUMES, each a clean absolute path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

/* the golden plan with `n` RMVOLUME records of `value` appended and the header's length patched */
static int decode_with(const char *g, size_t len, const char *value, size_t n, struct plan *p) {
  size_t total;
  char *b = append_records(g, len, T_RMVOLUME, value, strlen(value), n, &total);
  int rc = plan_decode(p, b, total);
  if (rc) plan_free(p);
  return rc;
}

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0 && p.nrmvolume == 0);
  plan_free(&p);
  CHECK(decode_with(g, len, "/s/volumes/abc", 2, &p) == 0 && p.nrmvolume == 2 && !strcmp(p.rmvolume[1], "/s/volumes/abc"));
  plan_free(&p);
  CHECK(decode_with(g, len, "/v", PLAN_MAX_RMVOLUMES, &p) == 0 && p.nrmvolume == PLAN_MAX_RMVOLUMES);
  plan_free(&p);
  CHECK(decode_with(g, len, "/v", PLAN_MAX_RMVOLUMES + 1, &p) != 0 && strstr(jbox_err, "volumes to remove"));
  const char *bad[] = {"", "/", "rel", "/a/../b", "/a/./b"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(decode_with(g, len, bad[i], 1, &p) != 0 && strstr(jbox_err, "volume path"));
  printf("test_plan_rmvolume: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
