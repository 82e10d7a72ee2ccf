/* Detached sandboxes (`jbox run -d`, PROTOCOL.md "Detached sandboxes"): stage 0 leaves the caller
 * by a double fork and setsid, reports "running" or the setup error back to it through a pipe, then
 * stays as the sandbox's small monitor: it copies the sandbox's stdout and stderr into a capped log
 * file, forwards signals, and records pid, start time, exit code and finish time in the `state`
 * file of the state directory (JSON, replaced atomically, under an OFD lock on `lock`).
 */
#include "monitor.h"

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "util.h"

#define LOG_MAX (10u << 20) /* bytes per log file; one older file (log.1) is kept */
#define READY 'R'

static int status_fd = -1;          /* monitor -> the caller: READY, or an exit code byte */
static int log_r = -1, log_w = -1;  /* the sandbox's stdout and stderr */
static int dir_fd = -1;             /* the state directory */

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int proc_starttime(long pid, unsigned long long *out) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = RETRY(read(fd, buf, sizeof buf - 1));
  if (n <= 0) return -1;
  buf[n] = '\0';
  return parse_starttime(buf, out);
}

/* Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses, so the
 * fields are counted from the last ')'. */
int parse_starttime(const char *stat, unsigned long long *out) {
  const char *c = strrchr(stat, ')');
  if (!c) return -1;
  c++;
  for (int field = 2; field < 21; field++) {
    c = strchr(c + 1, ' ');
    if (!c) return -1;
  }
  char *end;
  errno = 0;
  *out = strtoull(c + 1, &end, 10);
  return (errno || end == c + 1) ? -1 : 0;
}

static int lock_dir(void) {
  int fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (RETRY(fcntl(fd, F_OFD_SETLKW, &fl)) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct state {
  const char *status;
  long pid, monitor_pid;
  unsigned long long pid_start, monitor_start;
  long long started, finished;
  int exit_code; /* -1: none yet */
};

static void write_state(const struct state *s) {
  char buf[512], code[16] = "null", fin[32] = "null";
  if (s->exit_code >= 0) snprintf(code, sizeof code, "%d", s->exit_code);
  if (s->finished > 0) snprintf(fin, sizeof fin, "%lld", s->finished);
  int n = snprintf(buf, sizeof buf,
                   "{\"status\":\"%s\",\"pid\":%ld,\"pidStart\":%llu,\"monitorPid\":%ld,\"monitorStart\":%llu,"
                   "\"started\":%lld,\"exitCode\":%s,\"finished\":%s}\n",
                   s->status, s->pid, s->pid_start, s->monitor_pid, s->monitor_start, s->started, code, fin);
  autofd int lock = lock_dir();
  autofd int fd = openat(dir_fd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, buf, (size_t)n) < 0) return;
  renameat(dir_fd, "state.tmp", dir_fd, "state");
}

static void remove_state_dir(const char *dir) {
  static const char *const names[] = {"config.json", "state", "state.tmp", "log", "log.1", "lock"};
  autofd int d = open(dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (d < 0) return;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlinkat(d, names[i], 0);
  rmdir(dir);
}

void monitor_detach(struct plan *p) {
  /* nothing the caller left open reaches the monitor or the sandbox */
  close_range(3, ~0U, 0);
  int sp[2];
  if (pipe2(sp, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  pid_t first = fork();
  if (first < 0) die(125, "fork the monitor: %s", strerror(errno));
  if (first > 0) {
    close(sp[1]);
    waitpid(first, NULL, 0);
    char c;
    ssize_t n = RETRY(read(sp[0], &c, 1));
    if (n == 1 && c == READY) {
      const char *id = strrchr(p->statedir, '/') + 1;
      dprintf(1, "%s\n", id);
      _exit(0);
    }
    remove_state_dir(p->statedir);
    _exit(n == 1 ? (unsigned char)c : 125); /* the message was printed by the monitor */
  }
  close(sp[0]);
  if (setsid() < 0) die(125, "setsid: %s", strerror(errno));
  pid_t second = fork();
  if (second < 0) die(125, "fork the monitor: %s", strerror(errno));
  if (second > 0) _exit(0);
  /* the monitor: its parent is gone, so the caller's exit cannot take it down */
  status_fd = sp[1];
  if (chdir("/") < 0) die(125, "chdir /: %s", strerror(errno));
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0) die(125, "open /dev/null: %s", strerror(errno));
  close(null);
  dir_fd = open(p->statedir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) die(125, "open state directory `%s`: %s", p->statedir, strerror(errno));
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  log_r = pfd[0], log_w = pfd[1];
}

int monitor_stage1_fds(void) {
  if (dup2(log_w, 1) < 0 || dup2(log_w, 2) < 0) return fail_errno("send stdout and stderr to the log");
  return 0;
}

void monitor_failed(int code) {
  char c = (char)code;
  if (status_fd >= 0) write_all(status_fd, &c, 1);
}

static int open_log(off_t *size) {
  int fd = openat(dir_fd, "log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  struct stat st;
  *size = fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
  return fd;
}

/* Appends to `log`; past LOG_MAX the file becomes log.1 (replacing the older one) and a new one
 * starts, so at most 2 * LOG_MAX bytes are kept. */
static void log_append(int *fd, off_t *size, const char *buf, size_t n) {
  if (*size + (off_t)n > (off_t)LOG_MAX) {
    renameat(dir_fd, "log", dir_fd, "log.1");
    if (*fd >= 0) close(*fd);
    *fd = open_log(size);
  }
  if (*fd >= 0 && write_all(*fd, buf, n) == 0) *size += (off_t)n;
}

void monitor_supervise(struct plan *p, pid_t child, int sigfd) {
  close(log_w);
  struct state s = {.status = "running", .pid = child, .monitor_pid = getpid(), .started = now_ms(), .exit_code = -1};
  proc_starttime(child, &s.pid_start);
  proc_starttime(s.monitor_pid, &s.monitor_start);
  write_state(&s);
  /* from now on nothing holds the caller's terminal or pipes */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) dup2(null, 1), dup2(null, 2), close(null);
  char ready = READY;
  write_all(status_fd, &ready, 1);
  close(status_fd);

  off_t size;
  int logfd = open_log(&size);
  char buf[16384];
  int status = -1, log_open = 1;
  while (status < 0 || log_open) {
    struct pollfd fds[2] = {{sigfd, POLLIN, 0}, {log_open ? log_r : -1, POLLIN, 0}};
    /* once pid 1 is gone the pid namespace is empty, so EOF follows at once; do not wait long */
    int r = poll(fds, 2, status < 0 ? -1 : 2000);
    if (r < 0 && errno != EINTR) break;
    if (r == 0) break;
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = RETRY(read(log_r, buf, sizeof buf));
      if (n <= 0) log_open = 0;
      else log_append(&logfd, &size, buf, (size_t)n);
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGCHLD) {
          kill(child, (int)si.ssi_signo);
          continue;
        }
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
          if (w == child) status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
    }
  }
  s.status = "exited";
  s.exit_code = status < 0 ? 125 : status;
  s.finished = now_ms();
  write_state(&s);
  (void)p;
  _exit(0);
}
