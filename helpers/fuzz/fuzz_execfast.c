/* libFuzzer target: the decoders of exec without the JVM (exec_fast.c). The first byte picks one:
 * 0 the exec template (and, when accepted, the plan built from it with a fixed call, which
 * plan_decode then reads), 1 the monitor's state record, 2 the exec command line (NUL-separated
 * words), 3 the UTF-8 check, 4 a record's name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_fast.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 5;
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  memcpy(buf, in, n);
  buf[n] = '\0';
  if (which == 0) {
    struct exec_template t;
    if (exec_template_parse(buf, n, &t) == 0) {
      char *argv[] = {"-it", "-e", "A=1", "-e", "TERM", "-w", "/w", "-u", "0", "n", "sh"};
      struct exec_call c;
      char *plan;
      size_t len;
      if (exec_call_parse(11, argv, &c)) abort();
      if (exec_plan_build(&c, &t, 1, 2, &plan, &len) == 0) {
        struct plan p;
        plan_decode(&p, plan, len);
        plan_free(&p);
      }
      exec_template_free(&t);
    }
  } else if (which == 1) {
    struct exec_state s;
    if (exec_state_parse(buf, n, &s) == 0 && (s.pid <= 0 || !s.status[0])) abort();
  } else if (which == 2) {
    char *argv[64];
    int argc = 0;
    for (size_t i = 0; i <= n && argc < 64;) {
      argv[argc++] = buf + i;
      i += strlen(buf + i) + 1;
    }
    struct exec_call c;
    if (exec_call_parse(argc, argv, &c) == 0 && (!c.ref || !c.ncmd || c.nenv > EXEC_CALL_MAX_ENV)) abort();
  } else if (which == 3) {
    utf8_valid(buf, n);
  } else {
    struct span name;
    if (exec_record_name(buf, n, &name) == 0 && name.p && (name.p < buf || name.p + name.len > buf + n || !name.len)) abort();
  }
  free(buf);
  return 0;
}
