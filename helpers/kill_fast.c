/* `jbox kill` without the JVM (issue 14): the launcher finds the sandbox as exec_fast.c does,
 * checks it runs as Sandbox.status does, and signals its pid 1 through a pidfd checked against
 * the recorded start time, as SandboxService.kill and Signals.send do; anything it is not sure of
 * goes to the JVM unchanged, before anything is sent, so every message and exit code has one
 * source. */
#include "kill_fast.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec_fast.h"
#include "monitor.h"
#include "util.h"

static const char *const NAMES[] = {"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
                                    "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
                                    "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
                                    "IO", "PWR", "SYS"}; /* 1..31, Signals.NUMBERS */

int kill_signal_parse(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 16) return -1;
  if (strspn(s, "0123456789") == n) { /* Integer.parseInt, without its signs and leading zeros */
    if (s[0] == '0' || n > 2) return -1;
    int v = n == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
    return v >= 1 && v <= 64 ? v : -1;
  }
  char up[17];
  for (size_t i = 0; i <= n; i++) {
    char ch = s[i];
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    else if (ch && (ch < 'A' || ch > 'Z') && (ch < '0' || ch > '9')) return -1; /* toUpperCase of ASCII only */
    up[i] = ch;
  }
  const char *name = strncmp(up, "SIG", 3) ? up : up + 3;
  for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
    if (!strcmp(name, NAMES[i])) return (int)i + 1;
  return -1;
}

int kill_call_parse(int argc, char **argv, struct kill_call *c) {
  c->sig = 9;
  c->ref = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-s") || !strcmp(a, "--signal")) {
      if (i + 1 >= argc) return -1;
      v = argv[++i];
    } else if (!strncmp(a, "--signal=", 9)) {
      v = a + 9;
    } else if (!a[0] || a[0] == '-' || a[0] == '@') {
      return -1; /* help, --, another option, an @file: picocli's */
    } else {
      if (c->ref) return -1; /* more than one sandbox: the JVM (one failure stops the rest) */
      c->ref = a;
      continue;
    }
    if (!v[0] || v[0] == '-' || v[0] == '@') return -1;
    int sig = kill_signal_parse(v);
    if (sig < 0) return -1;
    c->sig = sig;
  }
  return c->ref ? 0 : -1;
}

int kill_fast(int argc, char **argv) {
  struct kill_call c;
  /* JVM option variables ask for the JVM (and may change how it decodes the name): as exec's */
  if (jvm_options_set() || kill_call_parse(argc, argv, &c)) return -1;
  char containers[PATH_MAX], root[PATH_MAX], id[65];
  int image;
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  if (find_sandbox(c.ref, containers, root, id, &image)) return -1;
  /* a restart policy: the JVM first writes the marker that holds the monitor's next run */
  char rec[PATH_MAX + 80];
  snprintf(rec, sizeof rec, "%s/%s/config.json", image ? containers : root, id);
  size_t n;
  autofree char *text = read_small(AT_FDCWD, rec, EXEC_TEMPLATE_MAX, &n);
  if (!text || memmem(text, n, "\"restart\"", 9)) return -1;
  struct exec_state st;
  if (sandbox_running(root, containers, id, image, &st)) return -1;
  if (pidfd_signal(st.pid, st.pid_start, c.sig)) return -1;
  trace("kill-fast");
  size_t rl = strlen(c.ref);
  char *line = malloc(rl + 1);
  if (line) {
    memcpy(line, c.ref, rl);
    line[rl] = '\n';
    if (write_all(1, line, rl + 1) < 0) {
      /* as the JVM's println: a closed stdout is no error */
    }
    free(line);
  }
  return 0;
}
