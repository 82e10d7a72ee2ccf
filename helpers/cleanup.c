/* --rm: the sandbox's writable layer holds files owned by subordinate ids, which only a process
 * in the sandbox's user namespace may delete. A cleaner is forked right after the id maps are
 * written, joins that user namespace (and nothing else), and waits on a pipe whose write end only
 * the monitor holds: when the monitor exits, normally or killed with SIGKILL, the pipe reaches
 * EOF and the cleaner removes the directory. */
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  if (type == FTW_DP) rmdir(path);
  else unlink(path);
  return 0;
}

static pid_t cleaner_pid = -1;
static int cleaner_fd = -1;

/* Lets the cleaner run now and waits for it, so `jbox run --rm` returns with the layer gone. */
void finish_cleaner(void) {
  if (cleaner_pid <= 0) return;
  close(cleaner_fd);
  while (waitpid(cleaner_pid, NULL, 0) < 0 && errno == EINTR) {
  }
  cleaner_pid = -1;
}

int start_cleaner(struct plan *p, pid_t child) {
  if (!p->cleanup) return 0;
  char userns[64];
  snprintf(userns, sizeof userns, "/proc/%d/ns/user", child);
  autofd int nsfd = open(userns, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return fail_errno("open `%s`", userns);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe");
  pid_t pid = fork();
  if (pid < 0) return fail_errno("fork the cleaner");
  if (pid == 0) {
    close(fds[1]);
    set_name("jbox:cleanup");
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < 32; s++)
      if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_IGN);
    setsid(); /* no terminal signals */
    if (setns(nsfd, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) _exit(1);
    syscall(SYS_close_range, 0, (unsigned)fds[0] - 1, 0);
    syscall(SYS_close_range, (unsigned)fds[0] + 1, ~0U, 0);
    char c;
    while (read(fds[0], &c, 1) > 0) {
    }
    /* the directory's children first; nftw does not follow symlinks with FTW_PHYS */
    nftw(p->cleanup, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    _exit(0);
  }
  close(fds[0]);
  /* the write end stays open in the monitor until the sandbox is over, or the monitor dies */
  cleaner_pid = pid;
  cleaner_fd = fds[1];
  return 0;
}
