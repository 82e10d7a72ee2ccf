/* Bounds of the helper's fixed-size state (issue 10 item 8), under ASan/UBSan like every C test:
 * ENV records up to the decoder's limit and exec_process appending HOME, the id map's formatting
 * into its buffer, the id-map and mount-option parsers. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers.h"
#include "plan.h"
#include "sandbox.h"
#include "util.h"
#include "tests/check.h"

/* A plan built record by record. */
struct enc {
  char *buf;
  size_t len, cap;
};
static void rec(struct enc *e, unsigned tag, const char *v) {
  size_t n = strlen(v);
  if (e->len + 6 + n > e->cap) {
    e->cap = (e->len + 6 + n) * 2;
    e->buf = realloc(e->buf, e->cap);
  }
  unsigned char *h = (unsigned char *)e->buf + e->len;
  h[0] = (unsigned char)tag, h[1] = (unsigned char)(tag >> 8);
  h[2] = (unsigned char)n, h[3] = (unsigned char)(n >> 8), h[4] = (unsigned char)(n >> 16), h[5] = (unsigned char)(n >> 24);
  memcpy(e->buf + e->len + 6, v, n);
  e->len += 6 + n;
}
static void start(struct enc *e) {
  e->cap = 4096, e->len = 10;
  e->buf = malloc(e->cap);
  memcpy(e->buf, "JBXP\1\0", 6);
}
static char *finish(struct enc *e, size_t *len) {
  e->buf[6] = (char)e->len, e->buf[7] = (char)(e->len >> 8), e->buf[8] = (char)(e->len >> 16), e->buf[9] = (char)(e->len >> 24);
  *len = e->len;
  return e->buf;
}

/* A plan for /bin/true in the root "/" with n ENV records and no HOME. */
static char *env_plan(size_t n, size_t *len) {
  struct enc e;
  start(&e);
  rec(&e, T_ARGV, "/bin/true");
  rec(&e, T_ROOTFS, "/");
  char v[32];
  for (size_t i = 0; i < n; i++) {
    snprintf(v, sizeof v, "V%zu=x", i);
    rec(&e, T_ENV, v);
  }
  return finish(&e, len);
}

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -1;
  int r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
  close(fd);
  return r;
}

/* exec_process of a decoded plan in a child that is root of a user namespace of its own (so the
 * bounding set, setgroups and the ids behave as in a sandbox). Returns the child's exit status:
 * 0 when /bin/true ran, ASan's 1 on an overflow, 125 on a refusal, 90 without user namespaces. */
static int exec_in_child(struct plan *p) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  pid_t pid = fork();
  if (pid == 0) {
    char map[64];
    if (unshare(CLONE_NEWUSER) < 0) _exit(90);
    snprintf(map, sizeof map, "0 %u 1", uid);
    if (write_text("/proc/self/uid_map", map) || write_text("/proc/self/setgroups", "deny")) _exit(91);
    snprintf(map, sizeof map, "0 %u 1", gid);
    if (write_text("/proc/self/gid_map", map)) _exit(92);
    int ep[2];
    if (pipe(ep) < 0) _exit(93);
    exec_process(p, ep[1]);
  }
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void) {
  struct plan p;
  size_t len;

  /* 4096 ENV records, the most a plan may hold: exec_process appends HOME and the NULL after
   * them (it wrote the NULL one past the array) */
  char *b = env_plan(PLAN_MAX_ITEMS, &len);
  CHECK(plan_decode(&p, b, len) == 0 && p.envc == PLAN_MAX_ITEMS);
  int code = exec_in_child(&p);
  if (code == 90) fprintf(stderr, "test_bounds: unprivileged user namespaces are needed\n");
  CHECK(code == 0);
  plan_free(&p);
  /* 4097 are refused, saying what */
  b = env_plan(PLAN_MAX_ITEMS + 1, &len);
  CHECK(plan_decode(&p, b, len) != 0 && strstr(jbox_err, "more than 4096 environment variables"));
  plan_free(&p);

  /* more map lines than the plan holds */
  struct enc e;
  start(&e);
  rec(&e, T_ARGV, "true");
  for (int i = 0; i <= PLAN_MAX_MAP_LINES; i++) rec(&e, T_UIDMAP, "0 1000 1");
  b = finish(&e, &len);
  CHECK(plan_decode(&p, b, len) != 0 && strstr(jbox_err, "more than 32 uid map lines"));
  plan_free(&p);

  /* the id-map parser: ids below 2^32, ranges not past it, canonical decimal */
  struct idmap_line l;
  CHECK(idmap_parse("0 1000 1", &l) == 0 && l.inside == 0 && l.outside == 1000 && l.count == 1);
  CHECK(idmap_parse("1 100000 65536", &l) == 0 && l.count == 65536);
  CHECK(idmap_parse("4294967295 0 1", &l) == 0);
  CHECK(idmap_parse("0 0 4294967296", &l) != 0);
  CHECK(idmap_parse("4294967295 0 2", &l) != 0);
  CHECK(idmap_parse("18446744073709551615 18446744073709551615 18446744073709551615", &l) != 0);
  CHECK(idmap_parse("-1 0 1", &l) != 0 && idmap_parse("+1 0 1", &l) != 0 && idmap_parse(" 1 0 1", &l) != 0);
  CHECK(idmap_parse("1  0 1", &l) != 0 && idmap_parse("1 0 1 ", &l) != 0 && idmap_parse("01 0 1", &l) != 0);
  CHECK(idmap_parse("0 0 0", &l) != 0 && idmap_parse("0 0", &l) != 0 && idmap_parse("", &l) != 0);

  /* the formatter: what fits is written whole, what does not is refused, never past the buffer */
  static struct idmap_line lines[IDMAP_MAX_LINES + 1];
  for (size_t i = 0; i <= IDMAP_MAX_LINES; i++) lines[i] = (struct idmap_line){4294967294UL, 4294967294UL, 1};
  char page[IDMAP_MAX_BYTES], small[16];
  CHECK(idmap_format(page, sizeof page, lines, PLAN_MAX_MAP_LINES) == PLAN_MAX_MAP_LINES * 24);
  CHECK(idmap_format(small, sizeof small, lines, 1) == -1 && strstr(jbox_err, "longer than"));
  CHECK(idmap_format(page, sizeof page, lines, 200) == -1); /* 4800 bytes: more than a page */
  CHECK(idmap_format(page, sizeof page, lines, IDMAP_MAX_LINES + 1) == -1 && strstr(jbox_err, "340"));
  lines[0] = (struct idmap_line){0, 1000, 1};
  CHECK(idmap_format(page, sizeof page, lines, 1) == 9 && !strcmp(page, "0 1000 1\n"));

  /* mount options: words, data after the bar, whole or refused */
  struct mount_opts o;
  CHECK(mount_opts_parse("nosuid,nodev,ro|mode=1777", &o) == 0 && o.ro && o.data && !strcmp(o.data, "mode=1777"));
  CHECK(mount_opts_parse("nosuid,bogus", &o) != 0 && strstr(jbox_err, "bogus"));
  CHECK(mount_opts_parse("rec,chown", &o) == 0 && o.rec && o.chown && !o.ro);
  CHECK(mount_opts_parse("tmpupper|lowerdir=/h,userxattr", &o) == 0 && o.tmpupper && !strcmp(o.data, "lowerdir=/h,userxattr"));
  char longdata[2048];
  memset(longdata, 'x', sizeof longdata - 1);
  longdata[0] = '|';
  longdata[sizeof longdata - 1] = '\0';
  CHECK(mount_opts_parse(longdata, &o) != 0 && strstr(jbox_err, "too long"));

  printf("bounds: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
