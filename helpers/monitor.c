/* Detached sandboxes (`jbox run -d`, PROTOCOL.md "Detached sandboxes"): stage 0 leaves the caller
 * by a double fork and setsid, reports "running" or the setup error back to it through a pipe, then
 * stays as the sandbox's small monitor: it copies the sandbox's stdout and stderr, kept apart, into
 * a capped log file of timestamped records, forwards signals, records pid, start time, exit code
 * and finish time in the `state` file of the state directory (JSON, replaced atomically, under an
 * OFD lock on `lock`), and runs the sandbox again as its restart policy (T_RESTART) says.
 */
#include "monitor.h"

/* Made by jbox run -d in a new state directory (see monitor_detach). */
#define FIRST_RUN "first-run"
/* Made by jbox stop and kill before they signal: the sandbox is not restarted (jbox start removes it). */
#define STOPPED "stopped"

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "sandbox.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define LOG_MAX (10u << 20) /* bytes per log file; one older file (log.1) is kept */
#define READY 'R'

static int status_fd = -1;          /* monitor -> the caller: READY, or an exit code byte */
static int log_r = -1, log_w = -1;  /* the sandbox's stdout (with -t: unused, the pty is one stream) */
static int err_r = -1, err_w = -1;  /* the sandbox's stderr */
static unsigned restarts;           /* runs started by the restart policy so far */
static int dir_fd = -1;             /* the state directory */
static int listen_fd = -1;          /* attach.sock */
static int in_r = -1, in_w = -1;    /* -i without -t: the sandbox's stdin */

long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* /proc/PID/stat into buf (NUL-terminated); -1 when the process is not there */
static int read_stat(long pid, char *buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = RETRY(read(fd, buf, size - 1));
  if (n <= 0) return -1;
  buf[n] = '\0';
  return 0;
}

int proc_starttime(long pid, unsigned long long *out) {
  char buf[1024];
  return read_stat(pid, buf, sizeof buf) < 0 ? -1 : parse_starttime(buf, out);
}

int proc_alive(long pid, unsigned long long start) {
  char buf[1024];
  if (read_stat(pid, buf, sizeof buf) < 0) return 0;
  const char *paren = strrchr(buf, ')');
  unsigned long long st;
  if (!paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X' || parse_starttime(buf, &st)) return 0;
  return st == start;
}

/* Signals.send: SIG to PID through a pidfd, once the pidfd is known to name the process that
 * started at START (not a reused pid). 0 sent, -1 not. */
int pidfd_signal(long pid, unsigned long long start, int sig) {
  autofd int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0 || !proc_alive(pid, start)) return -1;
  return syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 ? -1 : 0;
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

int format_state(char *buf, size_t size, const struct state *s) {
  char code[16] = "null", fin[32] = "null";
  if (s->exit_code >= 0) snprintf(code, sizeof code, "%d", s->exit_code);
  if (s->finished > 0) snprintf(fin, sizeof fin, "%lld", s->finished);
  return snprintf(buf, size,
                  "{\"status\":\"%s\",\"pid\":%ld,\"pidStart\":%llu,\"monitorPid\":%ld,\"monitorStart\":%llu,"
                  "\"started\":%lld,\"exitCode\":%s,\"finished\":%s,\"restartCount\":%u}\n",
                  s->status, s->pid, s->pid_start, s->monitor_pid, s->monitor_start, s->started, code, fin,
                  s->restart_count);
}

static void write_state(const struct state *s) {
  char buf[512];
  int n = format_state(buf, sizeof buf, s);
  autofd int lock = lock_dir();
  autofd int fd = openat(dir_fd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, buf, (size_t)n) < 0) return;
  renameat(dir_fd, "state.tmp", dir_fd, "state");
}

static void remove_state_dir(const char *dir) {
  static const char *const names[] = {"config.json", "exec.plan", "state", "state.tmp", "log", "log.1", "lock", FIRST_RUN, STOPPED, ATTACH_SOCK};
  autofd int d = open(dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (d < 0) return;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlinkat(d, names[i], 0);
  char etc[4200];
  snprintf(etc, sizeof etc, "%s/etc", dir); /* a --rootfs sandbox's generated /etc files */
  remove_tree(etc);
  rmdir(dir);
}

/* Binds attach.sock (0600) in the state directory, under the sandbox's lock. A socket left by a
 * monitor that was killed refuses connections and is replaced; one that answers belongs to a
 * monitor that runs, so the sandbox is already started. */
static int listen_attach(void) {
  autofd int lock = lock_dir();
  if (lock < 0) return fail_errno("lock the state directory");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail_errno("socket");
  struct sockaddr_un a;
  attach_sockaddr(dir_fd, &a);
  mode_t old = umask(0177);
  int r = bind(s, (struct sockaddr *)&a, sizeof a);
  if (r < 0 && errno == EADDRINUSE) {
    autofd int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0) {
      umask(old);
      close(s);
      return fail("the sandbox is already running");
    }
    unlinkat(dir_fd, ATTACH_SOCK, 0);
    r = bind(s, (struct sockaddr *)&a, sizeof a);
  }
  umask(old);
  if (r < 0 || listen(s, 4) < 0) {
    fail_errno("listen on `%s`", ATTACH_SOCK);
    close(s);
    return -1;
  }
  return s;
}

/* The pipes of one run: the sandbox's stdout and stderr, and for -i without -t its stdin, which the
 * monitor feeds from attached clients. A restart gets new ones (the last run's reached EOF). */
static void open_pipes(struct plan *p) {
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  log_r = pfd[0], log_w = pfd[1];
  if (pipe2(pfd, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  err_r = pfd[0], err_w = pfd[1];
  if (p->keep_stdin && !p->tty) {
    if (pipe2(pfd, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
    in_r = pfd[0], in_w = pfd[1];
  }
}

void monitor_detach(struct plan *p) {
  /* nothing the caller left open reaches the monitor or the sandbox (but --preserve-fds) */
  if (close_from(3 + p->preserve_fds) < 0) die(125, "close_range: %s", strerror(errno));
  dir_fd = open(p->statedir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) die(125, "open state directory `%s`: %s", p->statedir, strerror(errno));
  /* jbox start: the directory has a state from an earlier run, and stays when this one fails */
  int restart = faccessat(dir_fd, "state", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  /* jbox run -d: the sandbox's first run; if its setup fails, nothing of it stays */
  int first_run = faccessat(dir_fd, FIRST_RUN, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  /* an earlier run's jbox stop does not hold this one back from its restarts */
  unlinkat(dir_fd, STOPPED, 0);
  listen_fd = listen_attach();
  if (listen_fd < 0) die(125, "%s", jbox_err);
  int sp[2];
  if (pipe2(sp, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  pid_t first = fork();
  if (first < 0) die(125, "fork the monitor: %s", strerror(errno));
  if (first > 0) {
    close(sp[1]);
    /* jbox start -a: connected before the sandbox runs, so the monitor accepts this client
     * before it reads any output, and none of it is missed */
    int client = p->attach_dir ? attach_connect(p->statedir) : -1;
    if (p->attach_dir && client < 0) warnx_("%s", jbox_err);
    close(listen_fd);
    waitpid(first, NULL, 0);
    char c;
    ssize_t n = RETRY(read(sp[0], &c, 1));
    if (n == 1 && c == READY) {
      if (first_run) unlinkat(dir_fd, FIRST_RUN, 0);
      if (client >= 0) _exit(attach_session(client, p));
      const char *id = strrchr(p->statedir, '/') + 1;
      dprintf(1, "%s\n", id);
      _exit(0);
    }
    if (restart) {
      unlinkat(dir_fd, ATTACH_SOCK, 0);
    } else {
      remove_state_dir(p->statedir);
      if (first_run) abandon_sandbox(p);
    }
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
  open_pipes(p);
}

int monitor_stage1_fds(struct plan *p) {
  if (p->tty) return 0; /* the pty is stdin, stdout and stderr; the monitor logs the master */
  if (dup2(log_w, 1) < 0 || dup2(err_w, 2) < 0) return fail_errno("send stdout and stderr to the log");
  if (in_r >= 0 && dup2(in_r, 0) < 0) return fail_errno("stdin from the monitor");
  return 0;
}

void monitor_stage1_keep(int keep[3]) {
  keep[0] = log_w;
  keep[1] = err_w;
  keep[2] = in_r;
}

static int open_log(off_t *size);
static void log_chunk(int *fd, off_t *size, const char *stream, const char *buf, size_t n);

void monitor_failed(int code) {
  char c = (char)code;
  if (status_fd >= 0) {
    write_all(status_fd, &c, 1);
    return;
  }
  /* a restart whose setup failed: its message went to the stderr pipe (fd 2, see monitor_supervise),
   * which goes into the log; the monitor ends here, with the failure on record */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) dup2(null, 2), close(null);
  close(err_w);
  err_w = -1;
  fcntl(err_r, F_SETFL, O_NONBLOCK);
  char msg[4096];
  ssize_t n = read(err_r, msg, sizeof msg);
  if (n > 0) {
    off_t size;
    int logfd = open_log(&size);
    log_chunk(&logfd, &size, "stderr", msg, (size_t)n);
    if (logfd >= 0) close(logfd);
  }
  struct state s = {.status = "exited", .exit_code = code, .monitor_pid = getpid(), .restart_count = restarts};
  proc_starttime(s.monitor_pid, &s.monitor_start);
  s.started = s.finished = now_ms();
  unlinkat(dir_fd, ATTACH_SOCK, 0);
  write_state(&s);
}

static int open_log(off_t *size) {
  int fd = openat(dir_fd, "log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  struct stat st;
  *size = fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
  return fd;
}

#define CHUNK 16384
static char record_buf[64 + CHUNK + 1];

/* Appends one record to `log`; past LOG_MAX the file becomes log.1 (replacing the older one) and a
 * new one starts, so at most 2 * LOG_MAX bytes are kept. */
static void log_record(int *fd, off_t *size, const char *head, size_t hn, const char *data, size_t dn) {
  size_t n = hn + dn + 1;
  if (*size + (off_t)n > (off_t)LOG_MAX) {
    renameat(dir_fd, "log", dir_fd, "log.1");
    if (*fd >= 0) close(*fd);
    *fd = open_log(size);
  }
  memcpy(record_buf, head, hn);
  memcpy(record_buf + hn, data, dn);
  record_buf[hn + dn] = '\n';
  if (*fd >= 0 && write_all(*fd, record_buf, n) == 0) *size += (off_t)n;
}

/* The time of a record, RFC 3339 in UTC with nanoseconds: 2026-12-03T17:20:00.123456789Z. */
int log_stamp(char *out, size_t size, const struct timespec *ts) {
  struct tm tm;
  if (!gmtime_r(&ts->tv_sec, &tm)) return -1;
  size_t k = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  if (k == 0) return -1;
  int m = snprintf(out + k, size - k, ".%09ldZ", ts->tv_nsec);
  return m < 0 || (size_t)m >= size - k ? -1 : (int)(k + (size_t)m);
}

/* A chunk of one stream as records (podman's k8s-file format, PROTOCOL.md "Logs"): one per line,
 * `TIME STREAM F LINE` for a line that ended with a newline (which is not written), `TIME STREAM P
 * PART` for the part of a line the chunk ends with, which the next record of that stream goes on. */
static void log_chunk(int *fd, off_t *size, const char *stream, const char *buf, size_t n) {
  if (n > CHUNK) n = CHUNK; /* one read of at most CHUNK bytes: record_buf's room */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char stamp[48], head[64];
  if (log_stamp(stamp, sizeof stamp, &ts) < 0) snprintf(stamp, sizeof stamp, "1970-01-01T00:00:00.000000000Z");
  size_t off = 0;
  while (off < n) {
    const char *nl = memchr(buf + off, '\n', n - off);
    size_t len = nl ? (size_t)(nl - (buf + off)) : n - off;
    int hn = snprintf(head, sizeof head, "%s %s %c ", stamp, stream, nl ? 'F' : 'P');
    if (hn < 0 || (size_t)hn >= sizeof head) return; /* cannot happen: 30 + 6 + 4 bytes */
    log_record(fd, size, head, (size_t)hn, buf + off, len);
    off += len + (nl ? 1 : 0);
  }
}

/* The attached client, if any, and the input it sent that the sandbox has not read yet. */
#define CIN_MAX 4096
#define PEND_MAX 8192
struct session {
  int client;
  unsigned char cin[CIN_MAX];
  size_t cin_len;
  unsigned char pend[PEND_MAX];
  size_t pend_len;
  int in_eof; /* 'e' came: close the sandbox's stdin once pend is written */
};

static void drop_client(struct session *c) {
  if (c->client >= 0) close(c->client);
  c->client = -1;
  c->cin_len = 0;
}

static void accept_client(struct session *c) {
  int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return;
  if (!peer_is_us(fd)) {
    close(fd);
    return;
  }
  if (c->client >= 0) {
    frame_send(fd, 'b', NULL, 0);
    close(fd);
    return;
  }
  /* a client that stops reading is dropped instead of stalling the log */
  struct timeval tv = {.tv_sec = 2};
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
    close(fd);
    return;
  }
  c->client = fd;
  c->cin_len = 0;
}

/* Reads frames from the client: input is queued for the sandbox, a window size goes to the pty. */
static void client_input(struct session *c, int master, int input) {
  ssize_t n = RETRY(read(c->client, c->cin + c->cin_len, sizeof c->cin - c->cin_len));
  if (n <= 0) {
    drop_client(c); /* detached */
    return;
  }
  c->cin_len += (size_t)n;
  size_t off = 0;
  while (c->cin_len - off >= 3) {
    unsigned char *h = c->cin + off;
    size_t len = (size_t)h[1] | (size_t)h[2] << 8;
    if (len > CIN_MAX - 3) {
      drop_client(c);
      return;
    }
    if (c->cin_len - off < 3 + len) break;
    if (h[0] == 'd' && input >= 0 && !c->in_eof) {
      memcpy(c->pend + c->pend_len, h + 3, len); /* room: the client is read only below PEND_MAX - CIN_MAX */
      c->pend_len += len;
    } else if (h[0] == 'w' && len == 4 && master >= 0) {
      struct winsize ws = {.ws_row = (unsigned short)(h[3] | h[4] << 8), .ws_col = (unsigned short)(h[5] | h[6] << 8)};
      ioctl(master, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the foreground group */
    } else if (h[0] == 'e') {
      c->in_eof = 1;
    }
    off += 3 + len;
  }
  memmove(c->cin, c->cin + off, c->cin_len - off);
  c->cin_len -= off;
}

/* Whether the policy runs the sandbox again after it exited with `code` (not after jbox stop or kill). */
static int restart_wanted(const struct plan *p, int code) {
  if (!p->restart || faccessat(dir_fd, STOPPED, F_OK, AT_SYMLINK_NOFOLLOW) == 0) return 0;
  if (p->restart == RESTART_ON_FAILURE) return code != 0 && (!p->restart_max || restarts < p->restart_max);
  return 1; /* always, unless-stopped */
}

/* Waits before a restart: 100 ms, doubled for every run in a row that lasted under 10 s, up to
 * 1.6 s. Returns 0 when jbox stop or kill came meanwhile. */
static int restart_delay(long long ran_ms) {
  static unsigned quick;
  quick = ran_ms >= 10000 ? 0 : quick + 1;
  unsigned steps = 1u << (quick > 5 ? 4 : quick > 0 ? quick - 1 : 0);
  for (unsigned i = 0; i < steps; i++) {
    struct timespec d = {0, 100 * 1000000L};
    nanosleep(&d, NULL); /* the forwarded signals are blocked: none ends this early */
    if (faccessat(dir_fd, STOPPED, F_OK, AT_SYMLINK_NOFOLLOW) == 0) return 0;
  }
  return 1;
}

int monitor_supervise(struct plan *p, pid_t child, pid_t pid1, int sigfd, int master) {
  close(log_w);
  close(err_w);
  log_w = err_w = -1;
  if (in_r >= 0) close(in_r);
  in_r = -1;
  signal(SIGPIPE, SIG_IGN); /* a sandbox that closed its stdin makes writes fail with EPIPE */
  struct state s = {.status = "running", .pid = pid1, .monitor_pid = getpid(), .started = now_ms(), .exit_code = -1,
                    .restart_count = restarts};
  proc_starttime(pid1, &s.pid_start);
  proc_starttime(s.monitor_pid, &s.monitor_start);
  write_state(&s);
  if (status_fd < 0) { /* a restart: fd 2 was the stderr pipe for setup errors (below); not any longer */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) dup2(null, 2), close(null);
  }
  if (status_fd >= 0) { /* the first run: the caller learns it runs */
    /* from now on nothing holds the caller's terminal or pipes */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) close(1), close(2); /* never the caller's */
    if (null > 2) close(null);
    char ready = READY;
    write_all(status_fd, &ready, 1);
    close(status_fd);
    status_fd = -1;
  }

  /* -t: the output is the pty master's, one stream; otherwise the two pipes */
  int out = master >= 0 ? master : log_r;
  int errs = master >= 0 ? -1 : err_r;
  if (master >= 0) close(log_r), close(err_r);
  log_r = err_r = -1;
  int input = master >= 0 ? master : in_w; /* where attached input goes, -1: nowhere */
  if (input >= 0) fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK);
  if (master >= 0) {
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    ioctl(master, TIOCSWINSZ, &ws);
  }
  static struct session c = {.client = -1};
  c.pend_len = 0;
  c.in_eof = 0;

  off_t size;
  int logfd = open_log(&size);
  char buf[CHUNK];
  int status = -1, out_open = 1, err_open = errs >= 0;
  while (status < 0 || out_open || err_open) {
    int read_client = c.client >= 0 && c.pend_len <= PEND_MAX - CIN_MAX;
    struct pollfd fds[6] = {{sigfd, POLLIN, 0},
                            {out_open ? out : -1, POLLIN, 0},
                            {listen_fd, POLLIN, 0},
                            {read_client ? c.client : -1, POLLIN, 0},
                            {c.pend_len && input >= 0 ? input : -1, POLLOUT, 0},
                            {err_open ? errs : -1, POLLIN, 0}};
    /* once pid 1 is gone the pid namespace is empty, so EOF follows at once; do not wait long */
    int r = poll(fds, 6, status < 0 ? -1 : 2000);
    if (r < 0 && errno != EINTR) break;
    if (r == 0) break;
    /* a waiting client first: `jbox start -a` connects before any output can be read */
    if (fds[2].revents & POLLIN) accept_client(&c);
    for (int k = 1; k < 6; k += 4) { /* fds[1] stdout (or the pty), fds[5] stderr */
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int fd = k == 1 ? out : errs;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        /* nothing now */
      } else if (n <= 0) {
        if (k == 1) out_open = 0; /* EOF, or EIO from the master once every slave is closed */
        else err_open = 0;
      } else {
        log_chunk(&logfd, &size, k == 1 ? "stdout" : "stderr", buf, (size_t)n);
        if (c.client >= 0 && frame_send(c.client, 'd', buf, (size_t)n) < 0) drop_client(&c);
      }
    }
    if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) client_input(&c, master, input);
    if (fds[4].revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t n = write(input, c.pend, c.pend_len);
      if (n > 0) {
        memmove(c.pend, c.pend + n, c.pend_len - (size_t)n);
        c.pend_len -= (size_t)n;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        c.pend_len = 0; /* the sandbox closed its end */
        if (input == in_w) close(in_w), in_w = input = -1;
      }
    }
    if (c.in_eof && !c.pend_len && in_w >= 0 && input == in_w) close(in_w), in_w = input = -1;
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
  if (logfd >= 0) close(logfd);
  close(out);
  if (errs >= 0) close(errs);
  if (in_w >= 0) close(in_w), in_w = -1;
  s.status = "exited";
  s.exit_code = status < 0 ? 125 : status;
  s.finished = now_ms();
  if (status >= 0 && restart_wanted(p, s.exit_code)) {
    write_state(&s); /* exited, until the next run is recorded as running */
    if (restart_delay(s.finished - s.started)) {
      restarts++;
      open_pipes(p);
      dup2(err_w, 2); /* a setup error of the next run (read_report prints it) goes into the log */
      return s.exit_code; /* run_plan runs the sandbox again */
    }
  }
  /* no new client from here on; the exit is on record before the attached one learns it */
  unlinkat(dir_fd, ATTACH_SOCK, 0);
  close(listen_fd);
  write_state(&s);
  if (c.client >= 0) {
    unsigned char code = (unsigned char)s.exit_code;
    frame_send(c.client, 'x', &code, 1);
    close(c.client);
  }
  _exit(0);
}
