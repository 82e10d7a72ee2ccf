/* The OCI runtime's half of a plan (T_OCI, PROTOCOL.md "The OCI runtime"): the create/start split.
 *
 *   stage 0 (`jbox-oci create`)                       stage 1 (the container's init)
 *   mkfifo STATEDIR/exec.fifo, open it O_PATH
 *   clone ... maps ... MAPS_DONE  ------------------>  namespaces, mounts, pivot_root, pty
 *   (terminal) the master --> the console socket  <--  (terminal) the pty master
 *                                                      rlimits, user, caps, no_new_privs, seccomp,
 *                                                      the executable looked up (127 if missing)
 *   reads 'C' on `sync'  <---------------------------  'C', then opens /proc/self/fd/FIFO O_WRONLY:
 *   writes STATEDIR/pid and --pid-file, exits 0          blocks until `start` opens it for reading
 *   (the init is reparented to the engine's            reads nothing, writes one byte, execve
 *    subreaper, which waits for it: no monitor)
 *
 * `jbox-oci start` (Java) opens the fifo for reading, reads the byte and removes the fifo: a
 * container whose fifo exists is "created", one without it "running". MODE run does the start
 * itself and stays as the supervisor (signals, exit status), then removes STATEDIR; MODE start
 * (`run --detach`) does the start and exits 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "sandbox.h"
#include "util.h"

#define FIFO "exec.fifo"
#define CREATED 'C'

#define HOOKS 'H'    /* stage 1 -> 0: the mounts are done; run prestart and createRuntime */
#define HOOKS_OK 'h' /* stage 0 -> 1: they succeeded; run createContainer, then pivot_root */
#define STARTED '0'  /* stage 1 -> `start` through the fifo: the startContainer hooks passed; EOF = the execve */
#define START_FAILED 'E' /* ... or failed: a message follows */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int fifo_fd = -1; /* O_PATH; inherited by stage 1 through the clone */
static int fifo_w = -1;  /* stage 1: the fifo's write end, open until the execve closes it */
static int sync_fd = -1; /* stage 1: where 'C' goes */
int oci_hook_failed;     /* stage 1: a createContainer hook failed (its report's code is 1, not 125) */

int oci_prepare(struct plan *p) {
  autofd int dir = open(p->oci_statedir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dir < 0) return fail_errno("open the container's state directory `%s`", p->oci_statedir);
  if (mkfifoat(dir, FIFO, 0600) < 0) return fail_errno("mkfifo `%s/" FIFO "`", p->oci_statedir);
  /* writable by any user the init may have become by the time it opens it (runc: 0622) */
  if (fchmodat(dir, FIFO, 0622, 0) < 0) return fail_errno("chmod `%s/" FIFO "`", p->oci_statedir);
  fifo_fd = openat(dir, FIFO, O_PATH | O_CLOEXEC | O_NOFOLLOW);
  if (fifo_fd < 0) return fail_errno("open `%s/" FIFO "`", p->oci_statedir);
  return 0;
}

/* Removes what create put into STATEDIR, and STATEDIR itself (Java made it and wrote config.json
 * and nohooks; state.json is an older jbox-oci's record). */
void oci_discard(struct plan *p) {
  autofd int dir = open(p->oci_statedir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dir < 0) return;
  const char *names[] = {FIFO, "pid", "pid.tmp", "state.json", "config.json", "nohooks"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlinkat(dir, names[i], 0);
  rmdir(p->oci_statedir);
}

void oci_stage1_keep_sync(int sync) { sync_fd = sync; }
int oci_stage1_fifo(void) { return fifo_fd; }

/* ---- hooks (PROTOCOL.md "OCI hooks"): Java chose them and wrote their state; here they run ---- */

/* The state JSON of a `kind` hook: HEAD "pid":PID, TAIL (no pid when 0). malloc'd, NULL: no memory. */
static char *hook_state(struct plan *p, enum hook_kind kind, long pid, size_t *len) {
  const char *head = p->hook_state_head[kind], *tail = p->hook_state_tail[kind];
  size_t n = strlen(head) + strlen(tail) + 40;
  char *s = malloc(n);
  if (!s) return NULL;
  int w = pid > 0 ? snprintf(s, n, "%s\"pid\":%ld,%s", head, pid, tail) : snprintf(s, n, "%s%s", head, tail);
  *len = (size_t)w;
  return s;
}

/* Waits for the hook, killing it after `timeout` seconds (0: no limit). Its wait status, or -1 on timeout. */
static int wait_hook(pid_t c, unsigned timeout) {
  int st = 0;
  if (timeout) {
    autofd int pfd = (int)syscall(SYS_pidfd_open, c, 0);
    if (pfd >= 0) {
      struct pollfd pf = {pfd, POLLIN, 0};
      int r = RETRY(poll(&pf, 1, (int)timeout * 1000));
      if (r == 0) {
        kill(c, SIGKILL);
        waitpid(c, NULL, 0);
        return -1;
      }
    } else { /* no pidfd (before Linux 5.3): poll the child every 10 ms */
      struct timespec ts = {0, 10 * 1000 * 1000};
      for (unsigned long i = 0; i < timeout * 100UL; i++) {
        if (waitpid(c, &st, WNOHANG) == c) return st;
        nanosleep(&ts, NULL);
      }
      kill(c, SIGKILL);
      waitpid(c, NULL, 0);
      return -1;
    }
  }
  if (RETRY(waitpid(c, &st, 0)) != c) return 0x7f00; /* as an exit 127 */
  return st;
}

/* One hook: forked, its state on stdin, waited for. 0, or -1 with jbox_err set. */
static int run_hook(const struct oci_hook *h, const char *state, size_t len) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return fail_errno("%s hook `%s`: pipe", hook_kind_names[h->kind], h->path);
  pid_t c = fork();
  if (c < 0) {
    close(in[0]), close(in[1]);
    return fail_errno("%s hook `%s`: fork", hook_kind_names[h->kind], h->path);
  }
  if (c == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(in[0], 0) < 0) _exit(127);
    execve(h->path, (char *const *)h->argv, h->env ? (char *const *)h->env : environ);
    dprintf(2, "jbox-oci: %s hook `%s`: %s\n", hook_kind_names[h->kind], h->path, strerror(errno));
    _exit(127);
  }
  close(in[0]);
  /* a hook need not read its stdin: EPIPE is no error */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigaction(SIGPIPE, &ign, &old);
  write_all(in[1], state, len);
  close(in[1]);
  sigaction(SIGPIPE, &old, NULL);
  int st = wait_hook(c, h->timeout);
  if (st < 0) return fail("%s hook `%s` timed out after %u s", hook_kind_names[h->kind], h->path, h->timeout);
  if (WIFSIGNALED(st)) return fail("%s hook `%s` killed by signal %d", hook_kind_names[h->kind], h->path, WTERMSIG(st));
  if (WEXITSTATUS(st)) return fail("%s hook `%s` exited with %d", hook_kind_names[h->kind], h->path, WEXITSTATUS(st));
  return 0;
}

int oci_run_hooks(struct plan *p, enum hook_kind kind, long pid) {
  if (!p->nhooks_of[kind]) return 0;
  size_t len;
  char *state = hook_state(p, kind, pid, &len);
  if (!state) return fail("%s hooks: out of memory", hook_kind_names[kind]);
  int r = 0;
  for (size_t i = 0; i < p->nhooks && !r; i++)
    if (p->hooks[i].kind == kind) r = run_hook(&p->hooks[i], state, len);
  free(state);
  trace(hook_kind_names[kind]);
  return r;
}

/* poststop: each one runs, a failure is a warning (runtime-spec) */
static void run_poststop(struct plan *p) {
  if (!p->nhooks_of[HK_POSTSTOP]) return;
  size_t len;
  char *state = hook_state(p, HK_POSTSTOP, 0, &len);
  for (size_t i = 0; state && i < p->nhooks; i++)
    if (p->hooks[i].kind == HK_POSTSTOP && run_hook(&p->hooks[i], state, len)) dprintf(2, "jbox-oci: warning: %s\n", jbox_err);
  free(state);
}

/* Stage 1, the mounts done and pivot_root next (mounts.c): stage 0 runs prestart and createRuntime
 * in the runtime's namespaces, then createContainer runs here, in the container's mount namespace
 * with the host's paths still in view. */
int oci_before_pivot(struct plan *p) {
  if (p->nhooks_of[HK_PRESTART] || p->nhooks_of[HK_CREATE_RUNTIME]) {
    char c = HOOKS;
    if (write_all(sync_fd, &c, 1) < 0) return fail_errno("ask the runtime for the createRuntime hooks");
    if (RETRY(read(sync_fd, &c, 1)) != 1 || c != HOOKS_OK) _exit(125); /* stage 0 says why and kills us */
  }
  /* a hook's failure ends create with 1 and a "jbox-oci:" line, as prestart's and createRuntime's
   * in stage 0 (and as runc, for every kind) */
  if (oci_run_hooks(p, HK_CREATE_CONTAINER, getpid())) return oci_hook_failed = 1, -1;
  return 0;
}

int oci_wait_start(struct plan *p) {
  char c = CREATED, path[64];
  if (write_all(sync_fd, &c, 1) < 0) return fail_errno("tell the runtime the container is created");
  close(sync_fd);
  sync_fd = -1;
  /* through our own /proc: the state directory is not reachable from the new root */
  snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
  fifo_w = open(path, O_WRONLY | O_CLOEXEC);
  if (fifo_w < 0) return fail_errno("open the exec fifo (is /proc mounted in the container?)");
  close(fifo_fd);
  fifo_fd = -1;
  /* started: the startContainer hooks, in the container; `start` reads their outcome */
  if (oci_run_hooks(p, HK_START_CONTAINER, getpid())) {
    char msg[4096];
    int n = snprintf(msg, sizeof msg, "%c%s", START_FAILED, jbox_err);
    write_all(fifo_w, msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1);
    if (!strcmp(p->oci_mode, "create")) dprintf(2, "jbox-oci: %s\n", jbox_err); /* the container's stderr, as runc */
    _exit(1);
  }
  c = STARTED;
  if (write_all(fifo_w, &c, 1) < 0) return fail_errno("write the exec fifo");
  return 0; /* fifo_w stays open: the execve closes it, and `start` reads EOF */
}

static int write_atomic(int dirfd, const char *tmp, const char *name, const char *text) {
  autofd int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 || write_all(fd, text, strlen(text)) < 0) return -1;
  return renameat(dirfd, tmp, dirfd, name);
}

/* The pid file, written through its directory's descriptor (opened before an exec joins the
 * container's root; -1: open it now). */
static int write_pid_file_at(int dirfd, const char *path, pid_t pid) {
  char dir[4096], tmp[4200], num[24];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  *slash = '\0';
  autofd int own = dirfd < 0 ? open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  int dfd = dirfd < 0 ? own : dirfd;
  snprintf(tmp, sizeof tmp, ".%s.jbox-tmp", slash + 1);
  snprintf(num, sizeof num, "%d", pid); /* no newline, as runc writes it */
  if (dfd < 0 || write_atomic(dfd, tmp, slash + 1, num) < 0) return fail_errno("write the pid file `%s`", path);
  return 0;
}

static int write_pid_file(const char *path, pid_t pid) { return write_pid_file_at(-1, path, pid); }

/* The pty master to the engine's console socket, SCM_RIGHTS, as runc sends it. The socket path is
 * reached through its directory's descriptor, so a long path does not overflow sun_path. */
static int connect_console(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  *slash = '\0';
  autofd int dfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail_errno("open the console socket's directory `%s`", dir[0] ? dir : "/");
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int n = snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", dfd, slash + 1);
  if (n < 0 || (size_t)n >= sizeof a.sun_path) return fail("console socket name `%s` too long", slash + 1);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
    if (s >= 0) close(s);
    return fail_errno("connect to the console socket `%s`", path);
  }
  return s;
}

static int send_master(int s, const char *path, int master) {
  char name[] = "/dev/console";
  struct iovec iov = {name, sizeof name - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  if (RETRY(sendmsg(s, &msg, MSG_NOSIGNAL)) < 0) return fail_errno("send the terminal to the console socket `%s`", path);
  return 0;
}

static int send_console(const char *path, int master) {
  autofd int s = connect_console(path);
  return s < 0 ? -1 : send_master(s, path, master);
}

/* ---- exec (exec.c calls these) ---- */
static int exec_piddir = -1, exec_console = -1;

int oci_exec_prepare(struct plan *p) {
  if (p->oci_pidfile) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", p->oci_pidfile);
    *strrchr(dir, '/') = '\0';
    exec_piddir = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (exec_piddir < 0) return fail_errno("open the pid file's directory `%s`", dir[0] ? dir : "/");
  }
  if (p->oci_console && p->tty && (exec_console = connect_console(p->oci_console)) < 0) return -1;
  return 0;
}

int oci_exec_started(struct plan *p, pid_t child, int *master) {
  if (exec_console >= 0 && *master >= 0) {
    if (send_master(exec_console, p->oci_console, *master)) return -1;
    close(exec_console);
    close(*master);
    *master = -1;
  }
  if (p->oci_pidfile && write_pid_file_at(exec_piddir, p->oci_pidfile, child)) return -1;
  return !strcmp(p->oci_mode, "exec-detach");
}

static int record_pid(struct plan *p, pid_t child) {
  unsigned long long start = 0;
  if (proc_starttime(child, &start) < 0) return fail_errno("read the start time of the container's init %d", child);
  char text[64];
  snprintf(text, sizeof text, "%d %llu\n", child, start);
  autofd int dir = open(p->oci_statedir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dir < 0 || write_atomic(dir, "pid.tmp", "pid", text) < 0) return fail_errno("record the container's pid in `%s`", p->oci_statedir);
  if (p->oci_pidfile && write_pid_file(p->oci_pidfile, child)) return -1;
  return 0;
}

static int failed(struct plan *p, pid_t child, int master, int code) {
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  if (master >= 0) close(master);
  oci_discard(p);
  run_poststop(p); /* the container is destroyed: runtime-spec's lifecycle goes on at poststop */
  return code;
}

/* Reads what the init wrote to the fifo after the startContainer hooks: STARTED, or START_FAILED
 * and a message (printed). 0 started, -1 not. */
static int read_started(int fd) {
  char *msg = NULL;
  char c = 0;
  if (RETRY(read(fd, &c, 1)) == 1 && c == STARTED) return 0;
  if (c == START_FAILED && read_all(fd, &msg, 4096) >= 0) dprintf(2, "jbox-oci: %s\n", msg);
  else if (c != START_FAILED) dprintf(2, "jbox-oci: start the container: %s\n", c ? "bad byte on the exec fifo" : "it ended first");
  free(msg);
  return -1;
}

int oci_stage0(struct plan *p, pid_t child, int sync, int errfd, int sigfd) {
  char c = 0;
  if (p->nhooks_of[HK_PRESTART] || p->nhooks_of[HK_CREATE_RUNTIME]) {
    if (RETRY(read(sync, &c, 1)) != 1 || c != HOOKS) {
      int code = read_report_as(errfd, "jbox-oci");
      if (code < 0) dprintf(2, "jbox: the container's init ended before it was created\n"), code = 125;
      return failed(p, child, -1, code);
    }
    /* the runtime's namespaces, the init's pid as the caller sees it */
    if (oci_run_hooks(p, HK_PRESTART, child) || oci_run_hooks(p, HK_CREATE_RUNTIME, child))
      return dprintf(2, "jbox-oci: %s\n", jbox_err), failed(p, child, -1, 1);
    c = HOOKS_OK;
    if (write_all(sync, &c, 1) < 0) return dprintf(2, "jbox: %s\n", strerror(errno)), failed(p, child, -1, 125);
  }
  int master = p->tty ? recv_fd(sync) : -1; /* -1: stage 1 failed first, its error follows */
  if (RETRY(read(sync, &c, 1)) != 1 || c != CREATED) {
    int code = read_report_as(errfd, "jbox-oci"); /* a createContainer hook's failure: 1 */
    if (code < 0) dprintf(2, "jbox: the container's init ended before it was created\n"), code = 125;
    return failed(p, child, master, code);
  }
  if (p->tty && master < 0) return dprintf(2, "jbox: stage 1 sent no terminal\n"), failed(p, child, master, 125);
  if (master >= 0 && p->oci_console) {
    if (send_console(p->oci_console, master)) return dprintf(2, "jbox: %s\n", jbox_err), failed(p, child, master, 125);
    close(master);
    master = -1;
  }
  if (record_pid(p, child)) return dprintf(2, "jbox: %s\n", jbox_err), failed(p, child, master, 125);
  trace("oci-created");
  if (!strcmp(p->oci_mode, "create")) {
    close(errfd);
    if (master >= 0) close(master);
    return 0; /* the init is reparented to the caller's subreaper (conmon, the shim) */
  }
  /* run: start it ourselves, then supervise as `jbox run` does */
  char path[4200];
  snprintf(path, sizeof path, "%s/" FIFO, p->oci_statedir);
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    dprintf(2, "jbox: start the container: %s\n", strerror(errno));
    return failed(p, child, master, 125);
  }
  if (read_started(fd)) {
    read_report(errfd);
    return failed(p, child, master, 1);
  }
  unlink(path);
  int code = read_report(errfd);
  if (code >= 0) return failed(p, child, master, code);
  /* the user's program runs (the execve closed the error pipe): poststart, in the runtime's namespaces */
  if (oci_run_hooks(p, HK_POSTSTART, child)) {
    dprintf(2, "jbox-oci: %s\n", jbox_err);
    return failed(p, child, master, 1);
  }
  if (!strcmp(p->oci_mode, "start")) { /* run --detach: started, and left to the caller's subreaper */
    if (master >= 0) close(master);
    return 0;
  }
  int status = supervise(child, sigfd, master);
  oci_discard(p);
  run_poststop(p);
  return status;
}
