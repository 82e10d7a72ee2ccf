/* jbox-probe: a static binary the integration tests copy into a rootfs to ask the kernel what a
 * sandboxed process may do. `probe NAME...` prints "NAME ok" or "NAME ERRNO-NAME" per call. */
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static const char *ename(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case EBADF: return "EBADF";
  case ENOSYS: return "ENOSYS";
  case EINVAL: return "EINVAL";
  case EACCES: return "EACCES";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case ENOTTY: return "ENOTTY";
  default: return strerror(e);
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    long r = -1;
    errno = 0;
    const char *n = argv[i];
    if (!strcmp(n, "keyctl")) r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    else if (!strcmp(n, "tiocsti")) { char c = 'x'; r = syscall(SYS_ioctl, -1, TIOCSTI, &c); }
    else if (!strcmp(n, "personality")) { r = personality(READ_IMPLIES_EXEC); if (r >= 0) personality(0); }
    else if (!strcmp(n, "getpid")) r = syscall(SYS_getpid);
    else if (!strcmp(n, "euid")) { printf("euid %d\n", (int)geteuid()); continue; }
    else if (!strcmp(n, "fds")) { /* the open descriptors, but the one listing them: "fds 0 1 2" */
      DIR *d = opendir("/proc/self/fd");
      if (!d) { printf("fds %s\n", ename(errno)); continue; }
      int list[1024], k = 0;
      for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && atoi(e->d_name) != dirfd(d) && k < 1024) list[k++] = atoi(e->d_name);
      closedir(d);
      for (int a = 0; a < k; a++) /* readdir order is not numeric */
        for (int b = a + 1; b < k; b++)
          if (list[b] < list[a]) { int t = list[a]; list[a] = list[b]; list[b] = t; }
      printf("fds");
      for (int a = 0; a < k; a++) printf(" %d", list[a]);
      printf("\n");
      continue;
    }
    else if (!strcmp(n, "ptrace1")) { /* attach to pid 1 (then let it go) */
      r = ptrace(PTRACE_ATTACH, 1, 0, 0);
      if (r == 0) { waitpid(1, NULL, __WALL); ptrace(PTRACE_DETACH, 1, 0, 0); }
    }
    else { printf("%s unknown\n", n); continue; }
    printf("%s %s\n", n, r >= 0 ? "ok" : ename(errno));
  }
  return 0;
}
