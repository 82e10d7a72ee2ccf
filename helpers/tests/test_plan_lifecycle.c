/* Decodes tests/golden/plan-lifecycle.bin (PlanWriterLifecycleTest): the golden plan followed by
 * the lifecycle records STATEDIR and EXEC; bad values are refused; /proc/PID/stat parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "plan.h"
#include "util.h"
#include "tests/check.h"

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan-lifecycle.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0);
  CHECK(p.statedir && !strcmp(p.statedir, "/run/user/1000/jbox/0123abcd"));
  CHECK(p.exec_pid == 4242 && p.exec_starttime == 987654321ULL);
  CHECK(p.argc == 3 && p.caps == 0x800405fbULL);
  plan_free(&p);

  /* a relative state directory and a malformed exec target are refused */
  char *bad = copy(g, len);
  char *s = memmem(bad, len, "/run/user", 9);
  s[0] = 'x';
  CHECK(plan_decode(&p, bad, len) != 0 && strstr(jbox_err, "state directory"));
  plan_free(&p);
  bad = copy(g, len);
  s = memmem(bad, len, "4242 ", 5);
  s[4] = 'x';
  CHECK(plan_decode(&p, bad, len) != 0 && strstr(jbox_err, "exec target"));
  plan_free(&p);

  CHECK(every_truncation_fails(g, len));

  /* field 22 counted from the last ')': the command name may hold ") (" and spaces */
  unsigned long long st = 0;
  CHECK(parse_starttime("12 (a) (b c) S 1 12 12 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 777 1000 10", &st) == 0 &&
        st == 777);
  CHECK(parse_starttime("12 (short) S 1", &st) != 0);
  CHECK(proc_starttime((long)getpid(), &st) == 0 && st > 0);

  printf("test_plan_lifecycle: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
