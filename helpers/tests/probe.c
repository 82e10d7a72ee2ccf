/* jbox-probe: a static binary the integration tests copy into a rootfs to ask the kernel what a
 * sandboxed process may do. `probe NAME...` prints "NAME ok" or "NAME ERRNO-NAME" per call. */
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
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
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
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
    else if (!strcmp(n, "vsock")) { r = syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0); if (r >= 0) close((int)r); }
    else if (!strcmp(n, "unix")) { r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0); if (r >= 0) close((int)r); }
    else { printf("%s unknown\n", n); continue; }
    printf("%s %s\n", n, r >= 0 ? "ok" : ename(errno));
  }
  return 0;
}
