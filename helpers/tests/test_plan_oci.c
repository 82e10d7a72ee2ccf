/* Decodes tests/golden/plan-oci.bin (PlanWriterOciTest): the golden plan followed by the OCI
 * runtime's records CAPSETS, GROUPS (two), UMASK, OOMSCORE, DOMAINNAME, PRESERVE_FDS (27), OCI (tags 28-33), SECCOMP (44) and ROOTPROP (45); bad values of
 * each are refused, and every truncation fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <sys/mount.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan-oci.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.oci_mode && !strcmp(p.oci_mode, "create"));
  CHECK(p.oci_statedir && !strcmp(p.oci_statedir, "/r/c1"));
  CHECK(p.oci_pidfile && !strcmp(p.oci_pidfile, "/r/c1.pid"));
  CHECK(p.oci_console && !strcmp(p.oci_console, "/t/console.sock"));
  CHECK(p.has_capsets && p.caps == 1061 && p.cap_effective == 1056 && p.cap_permitted == 1060 &&
        p.cap_inheritable == 1024 && p.cap_ambient == 1024);
  CHECK(p.has_groups && p.ngroups == 2 && p.groups[0] == 5 && p.groups[1] == 10);
  CHECK(p.has_umask && p.umask_value == 027);
  CHECK(p.has_oom && p.oom_score_adj == -500);
  CHECK(p.domainname && !strcmp(p.domainname, "example.test"));
  CHECK(p.preserve_fds == 2);
  CHECK(p.seccomp_prog && p.seccomp_len == 2 && p.seccomp_flags == 2);
  CHECK(p.seccomp_prog[0].code == 0x20 && p.seccomp_prog[0].jt == 0 && p.seccomp_prog[0].jf == 0 && p.seccomp_prog[0].k == 4);
  CHECK(p.seccomp_prog[1].code == 0x06 && p.seccomp_prog[1].k == 0x7fff0000);
  CHECK(p.root_propagation == (MS_SLAVE | MS_REC));
  plan_free(&p);

  CHECK(decode_patched(g, len, "create", "crash!") != 0 && strstr(jbox_err, "OCI mode"));
  CHECK(decode_patched(g, len, "/r/c1\0", "x/c1\0") != 0 && strstr(jbox_err, "state directory"));
  CHECK(decode_patched(g, len, "/r/c1.pid", "/r/../pid") != 0 && strstr(jbox_err, "pid file"));
  /* effective must be within permitted, ambient within permitted and inheritable */
  CHECK(decode_patched(g, len, "1061 1056 1060", "1061 1057 1060") != 0 && strstr(jbox_err, "capability sets"));
  CHECK(decode_patched(g, len, "1024 1024", "1024 1028") != 0 && strstr(jbox_err, "capability sets"));
  CHECK(decode_patched(g, len, "1061 1056", "x061 1056") != 0 && strstr(jbox_err, "capability sets"));
  CHECK(decode_patched(g, len, "-500", "-5x0") != 0 && strstr(jbox_err, "oom_score_adj"));
  CHECK(decode_patched(g, len, "-500", "2000") != 0 && strstr(jbox_err, "oom_score_adj"));
  /* seccomp (44): flags beyond TSYNC|LOG|SPEC_ALLOW, a digit that is not hex, no space */
  CHECK(decode_patched(g, len, "2 00200000", "8 00200000") != 0 && strstr(jbox_err, "seccomp flags"));
  CHECK(decode_patched(g, len, "7fff0000", "7fff000g") != 0 && strstr(jbox_err, "not hex"));
  CHECK(decode_patched(g, len, "2 00200000", "2000200000") != 0 && strstr(jbox_err, "seccomp"));
  CHECK(decode_patched(g, len, "2 00200000", "2 0020000F") != 0 && strstr(jbox_err, "not hex"));
  CHECK(decode_patched(g, len, "rslave", "rslavx") != 0 && strstr(jbox_err, "root propagation"));
  CHECK(decode_patched(g, len, "rslave", "rrslav") != 0 && strstr(jbox_err, "root propagation"));
  CHECK(every_truncation_fails(g, len));

  printf("test_plan_oci: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
