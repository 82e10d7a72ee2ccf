/* Decodes tests/golden/plan-files.bin (PlanWriterFilesTest): the golden plan followed by RMDIR
 * (the generated /etc files' directory), FUSE (fuse-overlayfs as the overlay's fallback) and two
 * SYSCTL records; bad
 * values are refused, and every truncation fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan-files.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.rmdir && !strcmp(p.rmdir, "/run/user/1000/jbox/files/0123abcd"));
  CHECK(p.fuse_path && !strcmp(p.fuse_path, "/usr/bin/fuse-overlayfs") && p.fuse_fallback == 1);
  CHECK(p.cleanup && !strcmp(p.cleanup, "/s/c") && p.ovl_upper && !strcmp(p.ovl_upper, "/s/c/upper"));
  CHECK(p.argc == 3 && p.caps == 0x800405fbULL);
  CHECK(p.nsysctl == 2 && !strcmp(p.sysctl_key[0], "net.ipv4.tcp_wmem") && !strcmp(p.sysctl_value[0], "4096 16384 131072"));
  CHECK(!strcmp(p.sysctl_key[1], "kernel.shmmni") && !strcmp(p.sysctl_value[1], "99"));
  plan_free(&p);

  /* a sysctl name can only name a file under /proc/sys */
  CHECK(decode_patched(g, len, "net.ipv4.tcp_wmem", "net.ipv4/tcp_wmem") != 0 && strstr(jbox_err, "sysctl name"));
  CHECK(decode_patched(g, len, "net.ipv4.tcp_wmem", "net.ipv4..cp_wmem") != 0 && strstr(jbox_err, "sysctl name"));
  CHECK(decode_patched(g, len, "net.ipv4.tcp_wmem", ".et.ipv4.tcp_wmem") != 0);
  CHECK(decode_patched(g, len, "net.ipv4.tcp_wmem", "NET.ipv4.tcp_wmem") != 0);

  CHECK(decode_patched(g, len, "/run/user/1000", "xrun/user/1000") != 0 && strstr(jbox_err, "to remove"));
  CHECK(decode_patched(g, len, "/run/user/1000", "/run/../r/1000") != 0);
  CHECK(decode_patched(g, len, "fallback", "sometime") != 0 && strstr(jbox_err, "fuse-overlayfs mode"));
  CHECK(decode_patched(g, len, "/usr/bin/fuse-overlayfs", "/usr/bin/fuse-overlayfx") != 0 && strstr(jbox_err, "fuse-overlayfs"));
  CHECK(decode_patched(g, len, "/usr/bin/fuse-overlayfs", "usr/bin/fuse-overlayfs/") != 0);
  /* a fuse record needs an overlay to mount */
  CHECK(decode_patched(g, len, "/s/l2:/s/l1", "xs/l2:/s/l1") != 0);

  CHECK(every_truncation_fails(g, len));

  printf("test_plan_files: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
