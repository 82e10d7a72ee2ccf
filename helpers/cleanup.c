/* What goes when a sandbox ends, also when the monitor is killed with SIGKILL:
 *
 * - T_RMDIR: the caller's own directory of generated /etc files, removed with the caller's ids.
 * - T_CLEANUP (--rm): the sandbox's writable layer, whose files belong to subordinate ids that only
 *   a process in the sandbox's user namespace may delete.
 * - T_RMVOLUME (--rm, or a sandbox that is not kept): its anonymous volumes' directories, removed
 *   the same way after T_CLEANUP.
 *
 * A cleaner is forked right after the id maps are written, holding a descriptor of the sandbox's
 * user namespace (which keeps the namespace alive), and waits on a pipe whose write end only the
 * monitor holds: when the monitor exits, normally or killed, the pipe reaches EOF; the cleaner
 * removes the T_RMDIR directory first, then joins the user namespace (and nothing else) and
 * removes the T_CLEANUP one.
 *
 * T_LOCKFILE (image sandboxes, PROTOCOL.md "Kept sandboxes"): stage 0 opens the file and takes an
 * OFD write lock on it before the clone. The lock belongs to the open file description, so it is
 * held for as long as the monitor or the cleaner (which inherits the descriptor) lives: another
 * jbox tells a sandbox that runs, or is still being removed, from one left over by a crash with a
 * lock probe. A foreground monitor also keeps the sandbox's `state` record in the file. */
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "sandbox.h"
#include "util.h"

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  if (type == FTW_DP) rmdir(path);
  else unlink(path);
  return 0;
}

void remove_tree(const char *dir) {
  /* children first; nftw does not follow symlinks with FTW_PHYS, nor cross mounts with FTW_MOUNT */
  nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void remove_host_dir(struct plan *p) {
  if (p->rmdir) remove_tree(p->rmdir);
  if (p->oci_statedir) oci_discard(p);
}

/* The directory of an image sandbox's lock file (containers/<id>/), its record and layer. */
static int lock_dir_of(const struct plan *p, char *dir, size_t n) {
  const char *slash = p->lockfile ? strrchr(p->lockfile, '/') : NULL;
  if (!slash || slash == p->lockfile || (size_t)(slash - p->lockfile) >= n) return -1;
  memcpy(dir, p->lockfile, (size_t)(slash - p->lockfile));
  dir[slash - p->lockfile] = 0;
  return 0;
}

void abandon_sandbox(struct plan *p) {
  remove_host_dir(p);
  /* a --rm sandbox's cleaner removes it; a kept one never ran, so nothing of it is worth keeping */
  char dir[4096];
  if (p->cleanup || lock_dir_of(p, dir, sizeof dir) < 0) return;
  remove_tree(dir);
}

void note_kept(struct plan *p) {
  char dir[4096], rec[4200];
  if (p->cleanup || p->statedir || lock_dir_of(p, dir, sizeof dir) < 0) return;
  snprintf(rec, sizeof rec, "%s/config.json", dir);
  if (access(rec, F_OK) < 0) return; /* removed meanwhile (jbox rm -f) */
  /* only a sandbox with a writable layer of its own keeps changes (a jbox shell's are in its
   * project's home layer, and its record in the runtime directory is all that stays) */
  snprintf(rec, sizeof rec, "%s/upper", dir);
  if (access(rec, F_OK) < 0) return;
  const char *id = strrchr(dir, '/') + 1;
  dprintf(2, "jbox: the sandbox's changes stay in %s; jbox rm %.12s removes them\n", dir, id);
}

static pid_t cleaner_pid = -1;
static int cleaner_fd = -1;
static int lock_fd = -1; /* T_LOCKFILE, locked */

int take_lock(struct plan *p) {
  if (!p->lockfile) return 0;
  int fd = open(p->lockfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail_errno("open the sandbox's lock `%s`", p->lockfile);
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  /* another jbox may hold it for a moment to probe it (ps, the sweep of leftovers): wait up to 2 s */
  for (int i = 0; fcntl(fd, F_OFD_SETLK, &fl) < 0; i++) {
    if ((errno != EAGAIN && errno != EACCES && errno != EINTR) || i == 200) {
      if (errno == EAGAIN || errno == EACCES) fail("`%s` is locked: the sandbox is in use by another process", p->lockfile);
      else fail_errno("lock `%s`", p->lockfile);
      close(fd);
      return -1;
    }
    usleep(10000);
  }
  if (ftruncate(fd, 0) < 0) {
    fail_errno("truncate `%s`", p->lockfile);
    close(fd);
    return -1;
  }
  lock_fd = fd;
  return 0;
}

/* A foreground sandbox's state, in its lock file (detached ones have their state directory). */
static void lock_write_state(const struct state *s) {
  if (lock_fd < 0) return;
  char buf[512];
  int n = format_state(buf, sizeof buf, s);
  if (pwrite(lock_fd, buf, (size_t)n, 0) == n) (void)!ftruncate(lock_fd, n);
}

static struct state fg_state = {.status = "running", .exit_code = -1};

void lock_running(pid_t child) {
  if (lock_fd < 0) return;
  fg_state.pid = child;
  fg_state.monitor_pid = getpid();
  proc_starttime(child, &fg_state.pid_start);
  proc_starttime(fg_state.monitor_pid, &fg_state.monitor_start);
  fg_state.started = now_ms();
  lock_write_state(&fg_state);
}

void lock_exited(int code) {
  if (lock_fd < 0) return;
  fg_state.status = "exited";
  fg_state.exit_code = code;
  fg_state.finished = now_ms();
  if (!fg_state.started) fg_state.started = fg_state.finished;
  lock_write_state(&fg_state);
}

/* Lets the cleaner run now and waits for it, so `jbox run --rm` returns with the layer gone. */
void finish_cleaner(void) {
  if (cleaner_pid <= 0) return;
  close(cleaner_fd);
  while (waitpid(cleaner_pid, NULL, 0) < 0 && errno == EINTR) {
  }
  cleaner_pid = -1;
}

int start_cleaner(struct plan *p, pid_t child) {
  int userns_work = p->cleanup || p->nrmvolume;
  if (!userns_work && !p->rmdir) return 0; /* the monitor alone holds the lock, if any */
  char userns[64];
  snprintf(userns, sizeof userns, "/proc/%d/ns/user", child);
  autofd int nsfd = -1;
  if (userns_work && (nsfd = open(userns, O_RDONLY | O_CLOEXEC)) < 0) return fail_errno("open `%s`", userns);
  /* A foreground sandbox whose cleaner only removes the host directory: the cleaner also wakes
   * when the sandbox's stage 1 has ended (a pidfd of it), so it works while the monitor is being
   * woken by the same exit, not after it (the monitor still waits for it in finish_cleaner). */
  autofd int pidfd = -1;
  if (!userns_work && !p->statedir && !p->oci_mode) pidfd = (int)syscall(SYS_pidfd_open, child, 0);
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
    if (setsid() < 0) _exit(1); /* no terminal signals */
    /* keep only the pipe (as 0), the namespace (as 1), the lock (as 2) and the pidfd (as 3): the
     * lock stays held until the cleaner is done; the others are moved above 3 first so no dup2
     * overwrites one */
    int keep[4] = {fds[0], nsfd, lock_fd, pidfd};
    for (int i = 0; i < 4; i++)
      if (keep[i] >= 0 && (keep[i] = fcntl(keep[i], F_DUPFD, 4)) < 0) _exit(1);
    for (int i = 0; i < 4; i++) {
      if (keep[i] >= 0 ? dup2(keep[i], i) < 0 : (close(i), 0)) _exit(1);
    }
    if (syscall(SYS_close_range, 4U, ~0U, 0) < 0) _exit(1);
    /* the monitor closes the pipe (or dies), or the sandbox's stage 1 ends */
    for (;;) {
      struct pollfd pf[2] = {{0, POLLIN, 0}, {keep[3] >= 0 ? 3 : -1, POLLIN, 0}};
      if (poll(pf, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (pf[1].revents) break;
      char c;
      if (pf[0].revents && read(0, &c, 1) <= 0) break;
    }
    remove_host_dir(p);
    if (!userns_work) _exit(0);
    if (setns(1, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) _exit(1);
    if (p->cleanup) remove_tree(p->cleanup);
    for (size_t i = 0; i < p->nrmvolume; i++) remove_tree(p->rmvolume[i]);
    _exit(0);
  }
  close(fds[0]);
  /* the write end stays open in the monitor until the sandbox is over, or the monitor dies */
  cleaner_pid = pid;
  cleaner_fd = fds[1];
  return 0;
}
