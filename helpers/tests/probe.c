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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static const char *ename(int e);

#if defined(__x86_64__)
#include <sys/user.h>
/* Attaches to pid 1 and makes it run one system call of ours (the syscall instruction it sits
 * after, in wait4, run again with our registers), then puts it back: what a process of the sandbox
 * that may ptrace pid 1 can make pid 1 do. Prints the call's result as pid 1 got it. */
static long inject(long nr, long a, long b, long c, int *err) {
  struct user_regs_struct saved, r;
  int st;
  *err = 0;
  if (ptrace(PTRACE_ATTACH, 1, 0, 0) < 0) return *err = errno, -1;
  if (waitpid(1, &st, __WALL) < 0 || ptrace(PTRACE_GETREGS, 1, 0, &saved) < 0) goto fail;
  errno = 0;
  long insn = ptrace(PTRACE_PEEKTEXT, 1, (void *)(saved.rip - 2), 0);
  if (errno || (insn & 0xffff) != 0x050f) { errno = ENOEXEC; goto fail; } /* not right after a syscall */
  r = saved;
  r.rip = saved.rip - 2, r.rax = (unsigned long)nr, r.orig_rax = (unsigned long)-1;
  r.rdi = (unsigned long)a, r.rsi = (unsigned long)b, r.rdx = (unsigned long)c;
  if (ptrace(PTRACE_SETREGS, 1, 0, &r) < 0 || ptrace(PTRACE_SINGLESTEP, 1, 0, 0) < 0) goto fail;
  if (waitpid(1, &st, __WALL) < 0 || ptrace(PTRACE_GETREGS, 1, 0, &r) < 0) goto fail;
  ptrace(PTRACE_SETREGS, 1, 0, &saved);
  ptrace(PTRACE_DETACH, 1, 0, 0);
  if ((long)r.rax < 0 && (long)r.rax > -4096) return *err = (int)-(long)r.rax, -1;
  return (long)r.rax;
fail:
  *err = errno;
  ptrace(PTRACE_DETACH, 1, 0, 0);
  return -2;
}
#endif

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
#if defined(__x86_64__)
    else if (!strcmp(n, "inject1")) { /* pid 1 made to call keyctl and unshare(CLONE_NEWNS) through ptrace */
      int e1, e2;
      long r1 = inject(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, &e1);
      long r2 = r1 == -2 ? -2 : inject(SYS_unshare, 0x00020000 /* CLONE_NEWNS */, 0, 0, &e2);
      if (r1 == -2 || r2 == -2) printf("inject1 ptrace %s\n", ename(r1 == -2 ? e1 : e2));
      else printf("inject1 keyctl %s unshare %s\n", r1 >= 0 ? "ok" : ename(e1), r2 >= 0 ? "ok" : ename(e2));
      continue;
    }
#endif
    else if (!strcmp(n, "ptrace1")) { /* attach to pid 1 (then let it go) */
      r = ptrace(PTRACE_ATTACH, 1, 0, 0);
      if (r == 0) { waitpid(1, NULL, __WALL); ptrace(PTRACE_DETACH, 1, 0, 0); }
    }
    else if (!strcmp(n, "vsock")) { r = syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0); if (r >= 0) close((int)r); }
    else if (!strcmp(n, "unix")) { r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0); if (r >= 0) close((int)r); }
    else if (!strncmp(n, "sys:", 4) || !strncmp(n, "i386:", 5) || !strncmp(n, "x32:", 4)) {
      /* ABI:NR[:ARG...] (numbers as strtoull reads them): that raw call on that ABI (sys native,
       * i386 through int 0x80, x32 with the x32 bit set), "ok" or its errno */
      unsigned long long a[7] = {0};
      int na = 0;
      for (char *c = strchr(n, ':'); c && na < 7; c = strchr(c + 1, ':')) a[na++] = strtoull(c + 1, NULL, 0);
      if (n[0] == 's') r = syscall((long)a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
#if defined(__x86_64__)
      else if (n[0] == 'x') r = syscall((long)(a[0] | 0x40000000ULL), a[1], a[2], a[3], a[4], a[5], a[6]);
      else {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(a[0]), "b"(a[1]), "c"(a[2]), "d"(a[3]), "S"(a[4]), "D"(a[5]) : "memory");
        if (ret < 0 && ret > -4096) errno = (int)-ret, r = -1;
        else r = 0;
      }
#endif
    }
    else { printf("%s unknown\n", n); continue; }
    printf("%s %s\n", n, r >= 0 ? "ok" : ename(errno));
  }
  return 0;
}
