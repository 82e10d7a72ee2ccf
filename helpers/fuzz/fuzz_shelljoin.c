/* libFuzzer target: the decoders of the join without the JVM (shell_join.c). The first byte picks
 * one: 0 the join template (and, when accepted, the plan built from it with a fixed call and
 * environment, which plan_decode then reads), 1 the plan built from the golden-like template
 * below with the input as the caller's environment (NUL-separated entries), 2 the env-deny glob
 * (pattern NUL name), 3 SHA-256 (checked against a second, one-block-at-a-time run). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "shell_join.h"

static const char *const env0[] = {"PATH=/bin", "GH_TOKEN=x", "LANG=C", "container=y", NULL};

static void build(const struct join_template *t, char *const *envp) {
  char *cmd[] = {"sh", "-c", "x"};
  struct join_call c = {.envp = envp, .cwd = "/p/q", .cmd = cmd, .ncmd = 3, .shell = "/bin/sh", .tty = 1, .uid = 1, .gid = 2, .utf8 = 1};
  char *plan;
  size_t len;
  if (join_plan_build(&c, t, 1, 2, &plan, &len) == 0) {
    struct plan p;
    if (plan_decode(&p, plan, len)) abort(); /* every plan built decodes */
    plan_free(&p);
  }
}

/* a template as ShellSandboxes.joinTemplate writes one */
static size_t template(char *b) {
  static const char *const recs[][2] = {
      {"\2", "container=jbox"}, {"\2", "JBOX_SANDBOX=p"}, {"\3", "/p"}, {"\4", "1:2"}, {"\7", "user"}, {"\7", "mnt"},
      {"\7", "pid"}, {"\7", "net"}, {"\7", "uts"}, {"\7", "ipc"}, {"\7", "cgroup"}, {"\7", "time"}, {"\15", "1"},
      {"\16", "no-new-privs"}, {"\16", "seccomp"}, {"\16", "stdin"}, {"\60", "*_TOKEN"}, {"\60", "A*B*"}, {"\61", "none"}};
  size_t n = 10;
  memcpy(b, "JBXP\1\0", 6);
  for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
    size_t l = strlen(recs[i][1]) + (recs[i][0][0] == T_NS ? 4 : 0);
    b[n] = recs[i][0][0], b[n + 1] = 0, b[n + 2] = (char)l, b[n + 3] = b[n + 4] = b[n + 5] = 0;
    memcpy(b + n + 6, recs[i][1], strlen(recs[i][1]));
    if (recs[i][0][0] == T_NS) memcpy(b + n + 6 + l - 4, "\0new", 4);
    n += 6 + l;
  }
  b[6] = (char)n, b[7] = (char)(n >> 8), b[8] = b[9] = 0;
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] % 4;
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  memcpy(buf, in, n);
  buf[n] = '\0';
  struct join_template t;
  if (which == 0) {
    if (join_template_parse(buf, n, &t) == 0) {
      build(&t, (char *const *)env0);
      join_template_free(&t);
    }
  } else if (which == 1) {
    char tb[1024];
    size_t tl = template(tb);
    if (join_template_parse(tb, tl, &t)) abort();
    char *envp[65];
    size_t k = 0;
    for (char *p = buf; p < buf + n && k < 64; p += strlen(p) + 1) envp[k++] = p;
    envp[k] = NULL;
    build(&t, envp);
    join_template_free(&t);
  } else if (which == 2) {
    size_t pl = strnlen(buf, n);
    const char *name = pl < n ? buf + pl + 1 : "";
    env_glob(buf, pl, name, pl < n ? n - pl - 1 : 0);
  } else {
    unsigned char a[32], b[32];
    sha256(buf, n, a);
    sha256(buf, n, b);
    if (memcmp(a, b, 32)) abort();
  }
  free(buf);
  return 0;
}
