/* What goes when a sandbox ends, also when the monitor is killed with SIGKILL:
 *
 * - T_RMDIR: the caller's own directory of generated /etc files, removed with the caller's ids.
 * - T_CLEANUP (--rm): the sandbox's writable layer, whose files belong to subordinate ids that only
 *   a process in the sandbox's user namespace may delete.
 *
 * A cleaner is forked right after the id maps are written, holding a descriptor of the sandbox's
 * user namespace (which keeps the namespace alive), and waits on a pipe whose write end only the
 * monitor holds: when the monitor exits, normally or killed, the pipe reaches EOF; the cleaner
 * removes the T_RMDIR directory first, then joins the user namespace (and nothing else) and
 * removes the T_CLEANUP one. */
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

static void remove_tree(const char *dir) {
  /* children first; nftw does not follow symlinks with FTW_PHYS, nor cross mounts with FTW_MOUNT */
  nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void remove_host_dir(struct plan *p) {
  if (p->rmdir) remove_tree(p->rmdir);
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
  if (!p->cleanup && !p->rmdir) return 0;
  char userns[64];
  snprintf(userns, sizeof userns, "/proc/%d/ns/user", child);
  autofd int nsfd = -1;
  if (p->cleanup && (nsfd = open(userns, O_RDONLY | O_CLOEXEC)) < 0) return fail_errno("open `%s`", userns);
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
    /* keep only the pipe (as 0) and the namespace (as 1) */
    if (dup2(fds[0], 0) < 0 || (nsfd >= 0 && dup2(nsfd, 1) < 0)) _exit(1);
    syscall(SYS_close_range, nsfd >= 0 ? 2U : 1U, ~0U, 0);
    char c;
    ssize_t r;
    while ((r = read(0, &c, 1)) > 0 || (r < 0 && errno == EINTR)) {
    }
    remove_host_dir(p);
    if (!p->cleanup) _exit(0);
    if (setns(1, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) _exit(1);
    remove_tree(p->cleanup);
    _exit(0);
  }
  close(fds[0]);
  /* the write end stays open in the monitor until the sandbox is over, or the monitor dies */
  cleaner_pid = pid;
  cleaner_fd = fds[1];
  return 0;
}
