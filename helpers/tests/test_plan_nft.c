/* Decodes tests/golden/plan-nft.bin (PlanWriterNftTest): the plan of plan-lock.bin followed by NFT
 * (tag 34, jbox shell --allow-host): nft's path and the ruleset. A path that is not clean and
 * absolute is refused, so is the record in a plan whose network namespace is not new, and every
 * truncation fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan-nft.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.nft_path && !strcmp(p.nft_path, "/usr/sbin/nft"));
  CHECK(p.nft_rules && !strcmp(p.nft_rules, "table inet jbox {\n}\n"));
  CHECK(p.lockfile && !strcmp(p.lockfile, "/s/c/state"));
  plan_free(&p);

  CHECK(decode_patched(g, len, "/usr/sbin/nft", "usr/sbin/nft/") != 0 && strstr(jbox_err, "nft"));
  CHECK(decode_patched(g, len, "/usr/sbin/nft", "/usr/../a/nft") != 0 && strstr(jbox_err, "nft"));

  /* the same record after plan-lock.bin, whose network namespace is not new: refused */
  size_t llen;
  char *lock = load_golden("tests/golden/plan-lock.bin", &llen);
  const char rec[] = "/usr/sbin/nft\0table inet jbox {\n}\n";
  size_t n;
  char *b = append_records(lock, llen, T_NFT, rec, sizeof rec - 1, 1, &n);
  CHECK(plan_decode(&p, b, n) != 0 && strstr(jbox_err, "new network namespace"));
  plan_free(&p);
  free(lock);

  CHECK(every_truncation_fails(g, len));
  printf("test_plan_nft: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
