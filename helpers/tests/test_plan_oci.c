/* Decodes tests/golden/plan-oci.bin (PlanWriterOciTest): the golden plan followed by the OCI
 * runtime's records CAPSETS, GROUPS (two), UMASK, OOMSCORE, DOMAINNAME, PRESERVE_FDS (27), OCI (tags 28-33), SECCOMP (44), ROOTPROP (45), OCI_HOOK (46) and OCI_STATE (47); bad values of
 * each are refused, and every truncation fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <sys/mount.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

/* decode_patched for bytes with NULs: FROM and TO string literals of the same length */
static int patch_n(const char *g, size_t len, const char *from, size_t fl, const char *to, size_t tl) {
  if (fl != tl) return printf("patch lengths differ: %zu, %zu\n", fl, tl), 0;
  char *bad = copy(g, len);
  char *s = memmem(bad, len, from, fl);
  if (!s) {
    free(bad);
    printf("patch: not found\n");
    return 0;
  }
  memcpy(s, to, tl);
  struct plan p;
  int r = plan_decode(&p, bad, len);
  plan_free(&p);
  return r;
}
#define PATCH(from, to) patch_n(g, len, from, sizeof from - 1, to, sizeof to - 1)

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
  /* hooks (46) and their states (47) */
  CHECK(p.nhooks == 2 && p.nhooks_of[HK_CREATE_CONTAINER] == 1 && p.nhooks_of[HK_POSTSTOP] == 1 && p.nhooks_of[HK_PRESTART] == 0);
  CHECK(p.hooks[0].kind == HK_CREATE_CONTAINER && p.hooks[0].timeout == 5 && !strcmp(p.hooks[0].path, "/bin/hook"));
  CHECK(!strcmp(p.hooks[0].argv[0], "hook-cc") && !strcmp(p.hooks[0].argv[1], "-x") && !p.hooks[0].argv[2]);
  CHECK(p.hooks[0].env && !strcmp(p.hooks[0].env[0], "K=V") && !p.hooks[0].env[1]);
  CHECK(p.hooks[1].kind == HK_POSTSTOP && p.hooks[1].timeout == 0 && !p.hooks[1].env && !strcmp(p.hooks[1].argv[0], "stop") && !p.hooks[1].argv[1]);
  CHECK(!strcmp(p.hook_state_head[HK_CREATE_CONTAINER], "{\"id\":\"c1\",") && !strcmp(p.hook_state_tail[HK_CREATE_CONTAINER], "\"status\":\"creating\"}"));
  CHECK(p.hook_state_head[HK_POSTSTOP] && !p.hook_state_head[HK_START_CONTAINER]);
  plan_free(&p);

  /* hooks: an unknown kind, a timeout or count out of range, a count that does not match the
   * fields, a path that is not clean, a kind without its state, a state twice */
  CHECK(PATCH("createContainer\0005", "createKontainer\0005") != 0 && strstr(jbox_err, "hook record"));
  CHECK(PATCH("createContainer\0005\0002", "createContainer\000x\0002") != 0 && strstr(jbox_err, "hook record"));
  CHECK(PATCH("createContainer\0005\0002", "createContainer\0005\0003") != 0 && strstr(jbox_err, "fields"));
  CHECK(PATCH("createContainer\0005\0002", "createContainer\0005\0000") != 0 && strstr(jbox_err, "hook record"));
  CHECK(PATCH("\0002\0001\0/bin/hook", "\0002\0002\0/bin/hook") != 0 && strstr(jbox_err, "fields"));
  CHECK(PATCH("\0002\0001\0/bin/hook", "\0002\0009\0/bin/hook") != 0 && strstr(jbox_err, "fields"));
  CHECK(PATCH("poststop\0000\0001\000-", "poststop\0000\0001\0001") != 0 && strstr(jbox_err, "fields"));
  CHECK(PATCH("\0/bin/hook", "\0/bin/../k") != 0 && strstr(jbox_err, "clean absolute"));
  CHECK(PATCH("\0/bin/hook", "\0bin/hook/") != 0 && strstr(jbox_err, "clean absolute"));
  CHECK(PATCH("poststop\0{", "prestart\0{") != 0 && strstr(jbox_err, "without their state"));
  CHECK(PATCH("\"status\":\"stopped\"}", "\"status\"\0\"stopped\"}") != 0 && strstr(jbox_err, "state record"));
  CHECK(PATCH("create\0/r/c1", "exec\0/r/c111") != 0 && strstr(jbox_err, "without an OCI create"));
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
