/* Decodes tests/golden/plan-lock.bin (PlanWriterLockTest): the plan of plan-files.bin followed by
 * LOCKFILE (tag 25, the sandbox's lock and state file); a path that is not clean and absolute is
 * refused, and every truncation fails. Also: the state record a foreground monitor writes in it. */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "plan.h"
#include "util.h"
#include "tests/check.h"

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan-lock.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.lockfile && !strcmp(p.lockfile, "/s/c/state"));
  CHECK(p.cleanup && !strcmp(p.cleanup, "/s/c"));
  CHECK(p.rmdir && p.fuse_path && p.argc == 3);
  plan_free(&p);

  CHECK(decode_patched(g, len, "/s/c/state", "xs/c/state") != 0 && strstr(jbox_err, "lock file"));
  CHECK(decode_patched(g, len, "/s/c/state", "/s/../stat") != 0 && strstr(jbox_err, "lock file"));

  CHECK(every_truncation_fails(g, len));

  /* the record Java reads (dev.jbox.sandboxes.MonitorState): null exit code and finish time while running */
  char buf[512];
  struct state s = {.status = "running", .pid = 42, .pid_start = 7, .monitor_pid = 41, .monitor_start = 6,
                    .started = 1700000000000LL, .exit_code = -1};
  format_state(buf, sizeof buf, &s);
  CHECK(!strcmp(buf, "{\"status\":\"running\",\"pid\":42,\"pidStart\":7,\"monitorPid\":41,\"monitorStart\":6,"
                     "\"started\":1700000000000,\"exitCode\":null,\"finished\":null,\"restartCount\":0}\n"));
  s.status = "exited", s.exit_code = 137, s.finished = 1700000000123LL;
  format_state(buf, sizeof buf, &s);
  CHECK(strstr(buf, "\"status\":\"exited\"") && strstr(buf, "\"exitCode\":137,\"finished\":1700000000123,"));
  s.restart_count = 2;
  format_state(buf, sizeof buf, &s);
  CHECK(strstr(buf, ",\"restartCount\":2}\n"));

  /* the time of a log record (monitor.c, PROTOCOL.md "Logs"), and a buffer too small for it */
  struct timespec ts = {.tv_sec = 1700000000, .tv_nsec = 123};
  char stamp[48];
  CHECK(log_stamp(stamp, sizeof stamp, &ts) == 30 && !strcmp(stamp, "2023-11-14T22:13:20.000000123Z"));
  CHECK(log_stamp(stamp, 30, &ts) == -1);
  CHECK(log_stamp(stamp, 10, &ts) == -1);

  printf("test_plan_lock: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
