/* selfexec.c's file_is_trusted: which helper files a process may run from without the sealed
 * copy. Root makes the files (as `make check` runs in CI); a child that is not root judges them. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "selfexec.h"
#include "tests/check.h"

static char dir[64];

static void make(const char *name, mode_t mode, uid_t owner) {
  char p[128];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (fd < 0 || write(fd, "\x7f" "ELF", 4) != 4 || fchmod(fd, mode) < 0 || fchown(fd, owner, 0) < 0) {
    perror(p);
    exit(1);
  }
  close(fd);
}

static int trusted(const char *name) {
  char p[128];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int t = file_is_trusted(fd);
  close(fd);
  return t;
}

/* a POSIX access ACL (version 2) that lets uid 65534 write: user::rwx user:65534:rw- group::r-x
 * mask::rwx other::r-x */
static int grant_acl(const char *name) {
  struct {
    uint32_t version;
    struct __attribute__((packed)) {
      uint16_t tag, perm;
      uint32_t id;
    } e[5];
  } acl = {2, {{0x01, 7, ~0U}, {0x02, 6, 65534}, {0x04, 5, ~0U}, {0x10, 7, ~0U}, {0x20, 5, ~0U}}};
  char p[128];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return setxattr(p, "system.posix_acl_access", &acl, sizeof acl, 0);
}

int main(void) {
  if (geteuid() != 0) { /* CI runs make check as root */
    printf("selfexec: not root: files of root's cannot be made here, nothing checked\n");
    return 0;
  }
  snprintf(dir, sizeof dir, "/tmp/jbox-selfexec-XXXXXX");
  if (!mkdtemp(dir) || chmod(dir, 0755) < 0) return perror("mkdtemp"), 1;
  make("installed", 0755, 0);
  make("group-writable", 0775, 0);
  make("other-writable", 0757, 0);
  make("users", 0755, 65534);
  make("setuid", 04755, 0);
  make("acl", 0755, 0);
  int have_acl = grant_acl("acl") == 0;
  CHECK(trusted("installed") == 0); /* root runs nothing from the file: its sandboxes may map root */
  pid_t pid = fork();
  if (pid == 0) {
    if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0) _exit(100);
    passed = failed = 0;
    CHECK(trusted("installed") == 1);
    CHECK(trusted("setuid") == 1);
    CHECK(trusted("group-writable") == 0);
    CHECK(trusted("other-writable") == 0);
    CHECK(trusted("users") == 0);
    if (have_acl) CHECK(trusted("acl") == 0);
    printf("selfexec: as uid 65534: %d passed, %d failed\n", passed, failed);
    fflush(stdout);
    _exit(failed ? 1 : 0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  /* a uid that is root only as its saved one is root all the same */
  pid = fork();
  if (pid == 0) {
    if (setresuid(65534, 65534, 0) < 0) _exit(100);
    _exit(trusted("installed") == 0 ? 0 : 1);
  }
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  if (!have_acl) printf("selfexec: no POSIX ACLs on /tmp, the ACL case not checked\n");
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) perror(cmd);
  printf("selfexec: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
