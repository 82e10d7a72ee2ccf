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

#include "monitor.h"
#include "sandbox.h"
#include "util.h"

#define FIFO "exec.fifo"
#define CREATED 'C'

static int fifo_fd = -1; /* O_PATH; inherited by stage 1 through the clone */
static int sync_fd = -1; /* stage 1: where 'C' goes */

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

int oci_wait_start(struct plan *p) {
  char c = CREATED, path[64];
  if (write_all(sync_fd, &c, 1) < 0) return fail_errno("tell the runtime the container is created");
  close(sync_fd);
  sync_fd = -1;
  /* through our own /proc: the state directory is not reachable from the new root */
  snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
  autofd int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open the exec fifo (is /proc mounted in the container?)");
  if (write_all(fd, "0", 1) < 0) return fail_errno("write the exec fifo");
  close(fifo_fd);
  fifo_fd = -1;
  return 0;
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
  return code;
}

int oci_stage0(struct plan *p, pid_t child, int sync, int errfd, int sigfd) {
  int master = p->tty ? recv_fd(sync) : -1; /* -1: stage 1 failed first, its error follows */
  char c = 0;
  if (RETRY(read(sync, &c, 1)) != 1 || c != CREATED) {
    int code = read_report(errfd);
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
  if (fd < 0 || RETRY(read(fd, &c, 1)) != 1) {
    dprintf(2, "jbox: start the container: %s\n", strerror(errno));
    return failed(p, child, master, 125);
  }
  unlink(path);
  int code = read_report(errfd);
  if (code >= 0) return failed(p, child, master, code);
  if (!strcmp(p->oci_mode, "start")) { /* run --detach: started, and left to the caller's subreaper */
    if (master >= 0) close(master);
    return 0;
  }
  int status = supervise(child, sigfd, master);
  oci_discard(p);
  return status;
}
