/* jbox exec (PROTOCOL.md "Joining a sandbox"): stage 0 joins every namespace of a running
 * sandbox's pid 1 (user first), forks so the command is inside its pid namespace, and the child
 * applies the sandbox's process rules (exec_process) before execve; stage 0 supervises it as in
 * run. Hardened against the sandbox reaching the host through the entering process: it is not
 * dumpable from the start (no ptrace, no /proc/PID/fd, /proc/PID/exe of it from inside), holds no
 * fd but 0, 1 and 2, and its root and cwd are the sandbox's root before anything else runs.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "monitor.h"
#include "sandbox.h"
#include "util.h"


static int same_file(int a, int b) {
  struct stat x, y;
  return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

/* Opens the target's namespaces and root through one /proc/PID directory fd, checked against the
 * start time: if the pid was reused, the fd would name another process and the check fails; if
 * the process dies later, every open through the fd fails. */
static int open_target(struct plan *p, int nsfd[NS_COUNT], int *rootfd) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%ld", p->exec_pid);
  autofd int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail_errno("sandbox process %ld", p->exec_pid);
  autofd int sf = openat(dir, "stat", O_RDONLY | O_CLOEXEC);
  ssize_t n = sf < 0 ? -1 : RETRY(read(sf, stat, sizeof stat - 1));
  unsigned long long start;
  if (n <= 0) return fail_errno("read `%s/stat`", path);
  stat[n] = '\0';
  if (parse_starttime(stat, &start) || start != p->exec_starttime)
    return fail("sandbox process %ld is gone (its pid now names another process)", p->exec_pid);
  for (int i = 0; i < NS_COUNT; i++) {
    char rel[32], self[48];
    snprintf(rel, sizeof rel, "ns/%s", ns_names[i]);
    nsfd[i] = openat(dir, rel, O_RDONLY | O_CLOEXEC);
    if (nsfd[i] < 0) {
      if (errno == ENOENT && i == NS_TIME) continue; /* kernel without time namespaces */
      return fail_errno("open `%s/%s`", path, rel);
    }
    /* a namespace the sandbox shares with us is not joined (and could not be: setns to our own
     * user namespace fails, and the host's pid namespace is not ours to enter from the sandbox's) */
    snprintf(self, sizeof self, "/proc/self/ns/%s", ns_names[i]);
    autofd int mine = open(self, O_RDONLY | O_CLOEXEC);
    if (mine >= 0 && same_file(mine, nsfd[i])) {
      close(nsfd[i]);
      nsfd[i] = -1;
    }
  }
  *rootfd = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*rootfd < 0) return fail_errno("open `%s/root`", path);
  return 0;
}

static int join(struct plan *p) {
  int nsfd[NS_COUNT];
  for (int i = 0; i < NS_COUNT; i++) nsfd[i] = -1;
  autofd int rootfd = -1;
  int r = open_target(p, nsfd, &rootfd);
  for (int i = 0; r == 0 && i < NS_COUNT; i++) /* enum order: user first, time last */
    if (nsfd[i] >= 0 && setns(nsfd[i], ns_clone_flag[i]) < 0) r = fail_errno("join %s namespace of the sandbox", ns_names[i]);
  for (int i = 0; i < NS_COUNT; i++)
    if (nsfd[i] >= 0) close(nsfd[i]);
  if (r) return r;
  /* the root and cwd become the sandbox's root: no host directory stays reachable */
  if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) return fail_errno("enter the sandbox's root");
  return 0;
}

static int open_pty(int *master, int *slave) {
  *master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC); /* the sandbox's own devpts */
  if (*master < 0) return fail_errno("open /dev/ptmx in the sandbox");
  int unlock = 0;
  if (ioctl(*master, TIOCSPTLCK, &unlock) < 0) return fail_errno("unlock pty");
  *slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0) return fail_errno("open pty peer");
  return 0;
}

int run_exec(struct plan *p) {
  /* before anything of the sandbox is joined: not dumpable, and no fd but 0, 1, 2 */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die(125, "PR_SET_DUMPABLE: %s", strerror(errno));
  if (close_from(3 + p->preserve_fds) < 0) die(125, "close_range: %s", strerror(errno));
  if (p->oci_mode && oci_exec_prepare(p)) die(125, "%s", jbox_err); /* host paths: before the chroot */
  if (join(p)) die(125, "%s", jbox_err);
  p->rootfs = "/"; /* exec_process: apply the sandbox's user, rlimit, cwd and capability rules */
  int master = -1, slave = -1;
  if (p->tty && open_pty(&master, &slave)) die(125, "%s", jbox_err);

  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&mask, forwarded[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) die(125, "signalfd: %s", strerror(errno));

  pid_t child = fork(); /* the child is the first of us inside the sandbox's pid namespace */
  if (child < 0) die(125, "fork: %s", strerror(errno));
  if (child == 0) {
    close(ep[0]);
    close(sigfd);
    /* a session of its own: the command never has the caller's terminal as controlling tty */
    if (setsid() < 0) {
      fail_errno("setsid");
      goto out;
    }
    if (p->tty) {
      close(master);
      if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) {
        fail_errno("make the pty the terminal");
        goto out;
      }
      close(slave);
    } else if (!p->keep_stdin) {
      int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null < 0 || dup2(null, 0) < 0) {
        fail_errno("stdin from /dev/null");
        goto out;
      }
      close(null);
    }
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) signal(forwarded[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    exec_process(p, ep[1]);
  out:
    report(ep[1], 125);
    _exit(125);
  }
  close(ep[1]);
  if (slave >= 0) close(slave);
  if (p->preserve_fds) syscall(SYS_close_range, 3U, (unsigned)(3 + p->preserve_fds - 1), 0); /* the child has them */
  set_name("jbox:exec");
  int code = read_report(ep[0]);
  if (code >= 0) {
    waitpid(child, NULL, 0);
    return code;
  }
  if (p->oci_mode) {
    int r = oci_exec_started(p, child, &master);
    if (r < 0) {
      kill(child, SIGKILL);
      die(125, "%s", jbox_err);
    }
    if (r == 1) return 0; /* exec --detach: the process is left to the caller's subreaper */
  }
  return supervise(child, sigfd, master);
}
