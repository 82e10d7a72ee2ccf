/* Decodes tests/golden/plan.bin, written by the Java side (PlanWriterTest.golden()), and checks
 * every field; then feeds the decoder truncated and corrupted copies, which must fail cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.argc == 3 && !strcmp(p.argv[0], "sh") && !strcmp(p.argv[2], "echo hi") && p.argv[3] == NULL);
  CHECK(p.envc == 2 && !strcmp(p.env[1], "A=b=c"));
  CHECK(!strcmp(p.cwd, "/work") && !strcmp(p.user, "1000:1000") && !strcmp(p.hostname, "box"));
  CHECK(!strcmp(p.rootfs, "/tmp/rootfs"));
  CHECK(p.ns[NS_NET].mode == NSM_HOST && p.ns[NS_USER].mode == NSM_NEW);
  CHECK(p.ns[NS_PID].mode == NSM_JOIN && !strcmp(p.ns[NS_PID].path, "/proc/1/ns/pid"));
  CHECK(p.nuid == 2 && p.uidmap[1].inside == 1 && p.uidmap[1].outside == 100000 && p.uidmap[1].count == 65536);
  CHECK(p.ngid == 1 && p.gidmap[0].outside == 1000);
  CHECK(!strcmp(p.maptool, "newidmap"));
  CHECK(p.nmounts == 3 && !strcmp(p.mounts[1].kind, "symlink") && !strcmp(p.mounts[1].source, "pts/ptmx") &&
        !strcmp(p.mounts[1].target, "/dev/ptmx") && !strcmp(p.mounts[2].options, "nosuid|mode=1777"));
  CHECK(p.nrlimits == 2 && p.rlimits[0].resource == 7 && p.rlimits[0].soft == 1024 && p.rlimits[0].hard == 4096);
  CHECK(p.rlimits[1].soft == ~0ULL && p.rlimits[1].hard == ~0ULL);
  CHECK(p.caps == 0x800405fbULL);
  CHECK(p.seccomp && p.no_new_privs && p.tty && !p.init && !p.readonly && !p.keep_stdin);
  CHECK(p.has_timens && p.time_monotonic == 86400 && p.time_boottime == -5);
  CHECK(!strcmp(p.ovl_lower, "/s/l2:/s/l1") && !strcmp(p.ovl_upper, "/s/c/upper") && !strcmp(p.ovl_work, "/s/c/work"));
  CHECK(!strcmp(p.cleanup, "/s/c"));
  CHECK(p.net_argc == 3 && !strcmp(p.net_argv[0], "/usr/bin/pasta") && !strcmp(p.net_argv[2], "@PID@") && !p.net_argv[3]);
  CHECK(p.ovl_lower && !strcmp(p.ovl_lower, "/s/l2:/s/l1") && !strcmp(p.ovl_upper, "/s/c/upper") && !strcmp(p.ovl_work, "/s/c/work"));
  CHECK(p.cleanup && !strcmp(p.cleanup, "/s/c"));
  plan_free(&p);

  /* every truncation fails without crashing (ASan watches the reads) */
  CHECK(every_truncation_fails(g, len));

  /* a record length pointing past the end, a wrong version, a target with `..` */
  char *bad = copy(g, len);
  bad[15] = 0x7f; /* the first record claims 2 GiB */
  CHECK(plan_decode(&p, bad, len) != 0 && strstr(jbox_err, "past the end"));
  plan_free(&p);
  bad = copy(g, len);
  bad[4] = 9;
  CHECK(plan_decode(&p, bad, len) != 0 && strstr(jbox_err, "version"));
  plan_free(&p);
  bad = copy(g, len);
  char *t = memmem(bad, len, "/dev/ptmx", 9);
  memcpy(t, "/dev/../x", 9);
  CHECK(plan_decode(&p, bad, len) != 0 && strstr(jbox_err, "not a clean absolute path"));
  plan_free(&p);

  free(g);
  printf("plan: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
