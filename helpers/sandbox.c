/* Stage 0 and stage 1 (PROTOCOL.md has the exchange drawn out).
 *
 *   stage 0 (jbox:monitor, host user namespace)      stage 1 (jbox:stage1 -> the command, pid 1)
 *   joins namespaces named by path
 *   clone(NEWUSER|NEWPID|NEWNS|...)  ------------->  waits on `sync`
 *   newuidmap/newgidmap (or direct maps)
 *   writes MAPS_DONE to `sync`  ------------------>  setresuid(0), timens, hostname, loopback,
 *                                                    mounts, pivot_root
 *   receives the pty master  <-------------------  (-t) sends the master of its own devpts
 *   reads `errpipe` until EOF  <------------------  error byte+message, or EOF at a good execve
 *   forwards signals, relays the pty, waits; exits with the command's status (128+N on signal N)
 *
 * With fuse-overlayfs, stage 1 stays as "jbox:reaper" in the pid namespace it shares with the
 * daemon, and the rest of stage 1 and the command run as pid 1 of a nested one (PROTOCOL.md,
 * "fuse-overlayfs outside the sandbox's pid namespace").
 */
#include "sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "monitor.h"
#include "parsers.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const int ns_clone_flag[NS_COUNT] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
                                     CLONE_NEWUTS,  CLONE_NEWIPC, CLONE_NEWCGROUP, CLONE_NEWTIME};
const int forwarded[N_FORWARDED] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
#define MAPS_DONE 'M'
#define NET_UP 'N'

/* The network helper starts once stage 1 goes on with its mounts, and stage 1 waits for it only
 * before the command runs (PROTOCOL.md, "Stages"): pasta's few milliseconds overlap with the mounts.
 * An OCI container's stage 0 keeps the order of before (oci_stage0 talks on `sync` itself). */
static int network_overlaps(const struct plan *p) { return p->net_argc > 0 && !p->oci_mode; }

/* ---- stage 0: id maps --------------------------------------------------------------------- */

/* Starts newuidmap or newgidmap for pid; returns its pid, or -1 with the error set. */
static pid_t start_tool(const char *tool, pid_t pid, struct idmap_line *m, size_t n) {
  char *argv[3 + 3 * PLAN_MAX_MAP_LINES + 1];
  char nums[3 * PLAN_MAX_MAP_LINES][24], pidbuf[24];
  int k = 0;
  argv[k++] = (char *)tool;
  snprintf(pidbuf, sizeof pidbuf, "%d", pid);
  argv[k++] = pidbuf;
  for (size_t i = 0; i < n; i++) {
    snprintf(nums[3 * i], 24, "%lu", m[i].inside);
    snprintf(nums[3 * i + 1], 24, "%lu", m[i].outside);
    snprintf(nums[3 * i + 2], 24, "%lu", m[i].count);
    argv[k++] = nums[3 * i], argv[k++] = nums[3 * i + 1], argv[k++] = nums[3 * i + 2];
  }
  argv[k] = NULL;
  pid_t t = fork();
  if (t < 0) return fail_errno("fork %s", tool), -1;
  if (t == 0) {
    execvp(tool, argv);
    dprintf(2, "jbox: exec `%s`: %s (install the uidmap package; `jbox doctor` checks the set-up)\n", tool, strerror(errno));
    _exit(127);
  }
  return t;
}

static int wait_tool(const char *tool, pid_t t, pid_t pid) {
  int st;
  if (RETRY(waitpid(t, &st, 0)) < 0) return fail_errno("wait %s", tool);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return fail("%s %d failed (its message is above; check /etc/subuid and /etc/subgid, or run `jbox doctor`)", tool, pid);
  return 0;
}

int idmap_format(char *buf, size_t size, const struct idmap_line *m, size_t n) {
  if (n > IDMAP_MAX_LINES) return fail("id map of %zu lines (the kernel takes %d)", n, IDMAP_MAX_LINES);
  if (size == 0) return fail("no room for an id map");
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int k = snprintf(buf + off, size - off, "%lu %lu %lu\n", m[i].inside, m[i].outside, m[i].count);
    if (k < 0 || (size_t)k >= size - off) return fail("id map longer than %zu bytes", size - 1);
    off += (size_t)k;
  }
  return (int)off;
}

static int write_map(pid_t pid, const char *file, struct idmap_line *m, size_t n) {
  char path[64], buf[IDMAP_MAX_BYTES];
  if (idmap_format(buf, sizeof buf, m, n) < 0) {
    char why[sizeof jbox_err];
    memcpy(why, jbox_err, sizeof why);
    return fail("%s: %.400s", file, why);
  }
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  if (write_file(path, buf) < 0) return fail_errno("write %s", path);
  return 0;
}

static int write_maps(struct plan *p, pid_t pid) {
  if (p->maptool && !strcmp(p->maptool, "privileged")) {
    /* root writes any map itself, and the sandbox keeps setgroups (runc as root does the same) */
    if (write_map(pid, "uid_map", p->uidmap, p->nuid)) return -1;
    return write_map(pid, "gid_map", p->gidmap, p->ngid);
  }
  if (p->maptool && !strcmp(p->maptool, "newidmap")) {
    /* the two setuid tools write different files: run them at once (saves one fork+exec) */
    pid_t u = start_tool("newuidmap", pid, p->uidmap, p->nuid);
    if (u < 0) return -1;
    pid_t g = start_tool("newgidmap", pid, p->gidmap, p->ngid);
    trace("maptools-started");
    int ru = wait_tool("newuidmap", u, pid);
    if (g < 0) return -1;
    int rg = wait_tool("newgidmap", g, pid);
    return ru ? ru : rg;
  }
  /* A single-id map written by the unprivileged user itself: the kernel requires setgroups to be
   * denied first, so the sandbox can never drop a group it was denied by (CVE-2014-8989). */
  char path[64];
  if (write_map(pid, "uid_map", p->uidmap, p->nuid)) return -1;
  snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
  if (write_file(path, "deny") < 0 && errno != ENOENT) return fail_errno("write %s", path);
  return write_map(pid, "gid_map", p->gidmap, p->ngid);
}

/* ---- stage 0: joining namespaces ------------------------------------------------------------ */

/* Joins the namespaces the plan names by path. Namespaces of another sandbox belong to that
 * sandbox's user namespace, and only a member of it can join them, so when the plan asks for a
 * new user namespace but joins another type, the owner of the first joined namespace is joined
 * instead of creating a user namespace (its id maps are the ones in force). */
static int join_namespaces(struct plan *p, int *user_joined) {
  int fds[NS_COUNT];
  *user_joined = 0;
  for (int i = 0; i < NS_COUNT; i++) {
    fds[i] = -1;
    if (p->ns[i].mode != NSM_JOIN) continue;
    fds[i] = open(p->ns[i].path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) return fail_errno("open %s namespace `%s`", ns_names[i], p->ns[i].path);
  }
  int userfd = fds[NS_USER];
  if (userfd < 0) {
    for (int i = 1; i < NS_COUNT && userfd < 0; i++) {
      if (fds[i] < 0) continue;
      userfd = ioctl(fds[i], NS_GET_USERNS);
      if (userfd < 0) return fail_errno("find the owner of %s namespace `%s`", ns_names[i], p->ns[i].path);
      autofd int mine = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
      struct stat a, b;
      if (fstat(userfd, &a) == 0 && fstat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
        close(userfd); /* owned by our own user namespace: nothing to join */
        userfd = -1;
        break;
      }
    }
  }
  if (userfd >= 0) {
    if (setns(userfd, CLONE_NEWUSER) < 0) return fail_errno("join user namespace");
    *user_joined = 1;
    if (userfd != fds[NS_USER]) close(userfd);
  }
  for (int i = 1; i < NS_COUNT; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], ns_clone_flag[i]) < 0)
      return fail_errno("join %s namespace `%s`", ns_names[i], p->ns[i].path);
    close(fds[i]);
  }
  if (fds[NS_USER] >= 0) close(fds[NS_USER]);
  return 0;
}

/* ---- stage 1 -------------------------------------------------------------------------------- */

static int loopback_up(void) {
  autofd int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail_errno("socket for loopback");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return fail_errno("get lo flags");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return fail_errno("bring lo up");
  return 0;
}

/* A time namespace takes offsets only before any process is in it: unshare it (it becomes the
 * namespace of our children), write the offsets, then move ourselves in through
 * time_for_children so the command can stay pid 1. */
static int enter_timens(struct plan *p) {
  if (unshare(CLONE_NEWTIME) < 0) {
    if (!p->has_timens && (errno == EINVAL || errno == EPERM)) return 0; /* kernel without time ns */
    return fail_errno("unshare time namespace");
  }
  if (p->has_timens) {
    char buf[128];
    snprintf(buf, sizeof buf, "monotonic %lld 0\nboottime %lld 0\n", p->time_monotonic, p->time_boottime);
    if (write_file("/proc/self/timens_offsets", buf) < 0) return fail_errno("write time offsets");
  }
  autofd int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0) return fail_errno("enter time namespace");
  return 0;
}

static int send_fd(int sock, int fd) {
  char dummy = 'T';
  struct iovec iov = {&dummy, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return RETRY(sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 ? -1 : 0;
}

int recv_fd(int sock) {
  char dummy;
  struct iovec iov = {&dummy, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  if (RETRY(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) <= 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

/* The pty lives in the sandbox's own devpts (so `tty` names it and /dev/console is it); stage 0
 * gets only the master. */
static int setup_terminal(struct plan *p, int sync) {
  if (!p->tty) {
    /* A new session without a controlling terminal: nothing inside can TIOCSTI into ours. */
    if (setsid() < 0) return fail_errno("setsid");
    if (!p->keep_stdin) {
      int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null < 0 || dup2(null, 0) < 0) return fail_errno("stdin from /dev/null");
      close(null);
    }
    return 0;
  }
  autofd int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail_errno("open /dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) return fail_errno("unlock pty");
  autofd int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) return fail_errno("open pty peer");
  if (send_fd(sync, master) < 0) return fail_errno("send the pty to the monitor");
  /* /dev/console is the sandbox's terminal (runtime-spec: only when it has one) */
  int console = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (console >= 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", slave);
    if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0) {
      close(console);
      return fail_errno("bind the pty on /dev/console");
    }
    close(console);
  }
  if (setsid() < 0) return fail_errno("setsid");
  /* with --init the command, not the reaper, takes the terminal (run_init) */
  if (!p->init && ioctl(slave, TIOCSCTTY, 0) < 0) return fail_errno("make the pty the controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0) return fail_errno("dup pty");
  return 0;
}

static void reset_signals(void) {
  sigset_t all;
  sigemptyset(&all);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) signal(forwarded[i], SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, &all, NULL);
}

/* --sysctl, and jbox's own tuning (PROTOCOL.md, T_SYSCTL): stage 1 is root in the sandbox's user
 * namespace and a member of its new net and ipc namespaces, so /proc/sys/net and the ipc keys
 * there are the sandbox's own; Java allows only namespaced keys. */
static int apply_sysctls(struct plan *p) {
  for (size_t i = 0; i < p->nsysctl; i++) {
    char path[256];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", p->sysctl_key[i]);
    if (n < 0 || (size_t)n >= sizeof path) return fail("sysctl `%s`: name too long", p->sysctl_key[i]);
    for (char *c = path + 10; *c; c++)
      if (*c == '.') *c = '/';
    autofd int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return fail_errno("sysctl `%s`", p->sysctl_key[i]);
    if (write_all(fd, p->sysctl_value[i], strlen(p->sysctl_value[i])) < 0)
      return fail_errno("sysctl `%s` = `%s`", p->sysctl_key[i], p->sysctl_value[i]);
  }
  return 0;
}

/* Closes every descriptor from 3 up but the preserved ones (3..3+N-1) and those in keep. */
static void close_except(int npreserved, const int *keep, size_t nkeep) {
  int next = 3 + npreserved; /* the first descriptor not yet known to be kept */
  for (;;) {
    int low = -1; /* the lowest kept descriptor at or above next */
    for (size_t i = 0; i < nkeep; i++)
      if (keep[i] >= next && (low < 0 || keep[i] < low)) low = keep[i];
    if (low < 0) {
      close_from(next);
      return;
    }
    if (low > next) syscall(SYS_close_range, (unsigned)next, (unsigned)low - 1, 0);
    next = low + 1;
  }
}

static volatile sig_atomic_t init_child;
static void init_forward(int sig) {
  if (init_child > 0) kill(init_child, sig);
}

/* --init: pid 1 stays as a reaper that forwards signals and exits with the command's status. */
static __attribute__((noreturn)) void run_init(struct plan *p, int errfd) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&block, forwarded[i]);
  sigprocmask(SIG_BLOCK, &block, &old);
  /* The command waits at this gate until pid 1 is confined: forked before confine_init (which
   * drops what the command still needs to become itself), it would otherwise run beside a pid 1
   * that still holds every capability, and with CAP_SYS_PTRACE could use it. The gate is its last
   * step before the execve (exec_process): until then the child runs jbox's own code only, so it
   * becomes the command's user (passwd, caps, seccomp) while pid 1 confines itself beside it. */
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) < 0) {
    fail_errno("init: pipe");
    report(errfd, 125);
    _exit(125);
  }
  pid_t child = fork();
  trace(child ? "init-forked" : "cmd-forked");
  if (child < 0) {
    fail_errno("fork the command");
    report(errfd, 125);
    _exit(125);
  }
  if (child == 0) {
    close(gate[1]);
    exec_gate = gate[0];
    if (p->tty && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) { /* the command leads the terminal's session */
      fail_errno("make the pty the command's terminal");
      report(errfd, 125);
      _exit(125);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    exec_process(p, errfd);
  }
  set_name("jbox:init");
  /* pid 1 is a process of the sandbox like the command, and the command may ptrace it: it gets
   * the same rules or tighter (the command's user, no capability at all, no_new_privs, the
   * seccomp filter) and keeps no descriptor but /dev/null as 0, 1 and 2. */
  close(gate[0]);
  int keep[2] = {errfd, gate[1]};
  close_except(0, keep, 2);
  trace("init-closed");
  if (confine_init(p) < 0) {
    kill(child, SIGKILL);
    report(errfd, 125);
    _exit(125);
  }
  /* stage 0 died before confine_init set the death signal again: errpipe has no reader left */
  struct pollfd pf = {errfd, 0, 0};
  if (!p->oci_mode && poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR)) {
    kill(child, SIGKILL);
    _exit(125);
  }
  /* EPIPE: the command failed before its gate and has reported; its status is pid 1's */
  signal(SIGPIPE, SIG_IGN);
  if (write(gate[1], "x", 1) != 1 && errno != EPIPE) {
    kill(child, SIGKILL);
    report(errfd, 125);
    _exit(125);
  }
  close(gate[1]);
  close(errfd);
  init_child = child;
  struct sigaction sa = {.sa_handler = init_forward, .sa_flags = SA_RESTART};
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  for (;;) {
    int st;
    pid_t w = waitpid(-1, &st, 0);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) _exit(125);
    if (w == child) _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
}

/* The outer pid 1 of a fuse-overlayfs sandbox (nest_pid_namespace): it holds nothing, passes the
 * signals stage 0 forwards on to the sandbox's pid 1, reaps the daemon, and exits with the
 * sandbox's status once its pid 1 is gone, which ends the daemon with this pid namespace. Its
 * PR_SET_PDEATHSIG from stage 1 stays, so a killed monitor still takes everything down. */
static __attribute__((noreturn)) void reap(pid_t inner) {
  set_name("jbox:reaper");
  if (syscall(SYS_close_range, 0U, ~0U, 0) < 0) _exit(125); /* errpipe, sync, the log pipe, the caller's stdio */
  /* not the caller's directory, which would stay pinned: a cwd of `/` ends in the sandbox's root
   * whether this runs before or after pivot_root (which moves the old root's users) */
  (void)!chdir("/");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&set, forwarded[i]);
  sigprocmask(SIG_BLOCK, &set, NULL); /* blocked since stage 0's clone; queued even for a pid 1 */
  for (;;) {
    int sig = sigwaitinfo(&set, NULL);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(inner, sig);
      continue;
    }
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0)
      if (w == inner) _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
}

/* fuse-overlayfs now serves the root and is a process of this pid namespace: the sandbox gets a
 * pid namespace of its own nested in it, before /proc is mounted (a proc mount shows the pid
 * namespace of the process that mounts it), so the daemon is neither visible nor reachable from
 * inside. Returns 0 in the sandbox's new pid 1, which goes on with stage 1; this process stays
 * as its reaper. */
static int nest_pid_namespace(void) {
  /* out of the caller's process group first: terminal signals reach the sandbox through stage 0 only */
  if (setsid() < 0) return fail_errno("setsid");
  if (unshare(CLONE_NEWPID) < 0) return fail_errno("unshare pid namespace for fuse-overlayfs");
  pid_t inner = fork();
  if (inner < 0) return fail_errno("fork the sandbox's pid 1");
  if (inner > 0) reap(inner);
  /* the reaper's death kills this pid namespace with the outer one: no PR_SET_PDEATHSIG needed */
  return 0;
}

/* Tells stage 0 the sandbox's pid 1 after nest_pid_namespace: the credentials of a unix socket
 * message carry the sender's pid, which the kernel translates into the receiver's pid namespace. */
static int send_pid1(int sync) {
  char c = 'P';
  struct iovec iov = {&c, 1};
  union {
    char buf[CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_CREDENTIALS, h->cmsg_len = CMSG_LEN(sizeof(struct ucred));
  struct ucred cr = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
  memcpy(CMSG_DATA(h), &cr, sizeof cr);
  if (RETRY(sendmsg(sync, &msg, MSG_NOSIGNAL)) < 0) return fail_errno("send the sandbox's pid 1 to the monitor");
  return 0;
}

/* A change of the effective uid clears PR_SET_PDEATHSIG and makes the process non-dumpable, and
 * becoming root of the user namespace is one when uid 0 inside is not the caller's own uid
 * (keep-id maps it to a subordinate id). Set the death signal again, then check that stage 0 did
 * not die in between (its end of `sync` would be closed). Dumpable again, so that the caller can
 * open /proc/PID/ns/ of the sandbox's pid 1 (jbox exec, a second jbox shell) when it is --init,
 * which never execs: the caller owns the user namespace, while a process inside needs the same uid
 * 0 or CAP_SYS_PTRACE there. */
static int rearm_deathsig(struct plan *p, int sync) {
  if (!p->oci_mode) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* an OCI container outlives `create` */
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  struct pollfd pf = {sync, 0, 0};
  if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP)) _exit(125);
  return 0;
}

static __attribute__((noreturn)) void stage1(struct plan *p, int sync, int errfd) {
  set_name("jbox:stage1");
  /* an OCI container outlives `create`: the engine's subreaper becomes its parent */
  if (!p->oci_mode && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) _exit(125);
  /* Stage 1 becomes root of the sandbox: it keeps none of stage 0's descriptors (the lock on
   * containers/ID/state, the state directory, attach.sock, the caller's status pipe), only its
   * channels to stage 0, the log pipe ends of a detached sandbox, an OCI container's exec fifo
   * (oci_prepare, opened O_PATH before the clone) and the preserved fds. */
  int keep[6] = {sync, errfd, -1, -1, -1, p->oci_mode ? oci_stage1_fifo() : -1};
  if (p->statedir) monitor_stage1_keep(keep + 2);
  close_except(p->preserve_fds, keep, 6);
  char c;
  if (RETRY(read(sync, &c, 1)) != 1 || c != MAPS_DONE) _exit(125); /* stage 0 failed or died */
  trace("stage1-go");
  if (p->ns[NS_USER].mode == NSM_NEW) {
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
      fail_errno("become root in the user namespace");
      goto out;
    }
    /* none of the caller's supplementary groups comes along; newgidmap denies setgroups itself
     * when the map holds only the caller's own gid, and then they cannot be dropped at all (the
     * OCI runtime as root writes the maps itself: "privileged") */
    if (p->maptool && strcmp(p->maptool, "direct") && setgroups(0, NULL) < 0 && (errno != EPERM || !setgroups_denied())) {
      fail_errno("drop the supplementary groups");
      goto out;
    }
    if (rearm_deathsig(p, sync)) goto out;
  }
  if (p->ns[NS_TIME].mode == NSM_NEW && enter_timens(p)) goto out;
  if (p->ns[NS_UTS].mode == NSM_NEW && p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0) {
    fail_errno("sethostname `%s`", p->hostname);
    goto out;
  }
  if (p->ns[NS_UTS].mode == NSM_NEW && p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0) {
    fail_errno("setdomainname `%s`", p->domainname);
    goto out;
  }
  if (p->loopback && loopback_up()) goto out;
  if (apply_sysctls(p)) goto out;
  if (p->nft_path && apply_nft(p)) goto out;
  trace("stage1-ns");
  int nested = 0;
  if (p->oci_mode) oci_stage1_keep_sync(sync); /* oci_before_pivot talks to stage 0 on it */
  if (p->ns[NS_MNT].mode == NSM_NEW) {
    int fuse = mount_root(p);
    if (fuse < 0) goto out;
    trace("root-private");
    if (fuse && p->ns[NS_PID].mode == NSM_NEW) {
      if (nest_pid_namespace()) goto out;
      nested = 1;
    }
    if (setup_mounts(p)) goto out;
  } else if (p->oci_mode && oci_before_pivot(p)) {
    goto out;
  }
  trace("mounts-done");
  if (p->rootfs && setup_terminal(p, sync)) goto out;
  if (p->statedir && monitor_stage1_fds(p)) goto out;
  if (nested && send_pid1(sync)) goto out; /* after the pty master, which stage 0 reads first */
  if (network_overlaps(p)) {
    if (RETRY(read(sync, &c, 1)) != 1 || c != NET_UP) _exit(125); /* stage 0 failed or died */
    trace("stage1-network");
  }
  if (p->oci_mode) oci_stage1_keep_sync(sync);
  else close(sync);
  reset_signals();
  if (p->init) run_init(p, errfd);
  exec_process(p, errfd);
out:;
  int code = p->oci_mode && oci_hook_failed ? 1 : 125;
  report(errfd, code);
  _exit(code);
}

/* ---- stage 0: supervision -------------------------------------------------------------------- */

static struct termios saved_termios;
static int termios_saved;

static void restore_terminal(void) {
  if (termios_saved) tcsetattr(0, TCSAFLUSH, &saved_termios);
  termios_saved = 0;
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

static int status_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

/* Copies what is readable on `from` to `to`; returns 0 at EOF or error. */
static int pump(int from, int to) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) return n < 0 && errno == EINTR;
  return write_all(to, buf, (size_t)n) == 0;
}

int supervise(pid_t child, int sigfd, int master) {
  int stdin_open = master >= 0, master_open = master >= 0;
  if (master >= 0) {
    copy_winsize(master);
    if (isatty(0) && tcgetattr(0, &saved_termios) == 0) {
      struct termios raw = saved_termios;
      cfmakeraw(&raw);
      termios_saved = tcsetattr(0, TCSANOW, &raw) == 0;
    }
  }
  int status = -1;
  while (status < 0) {
    struct pollfd fds[3] = {{sigfd, POLLIN, 0}, {master_open ? master : -1, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
          int st;
          pid_t w;
          while ((w = waitpid(-1, &st, WNOHANG)) > 0)
            if (w == child) status = status_code(st);
        } else if (sig == SIGWINCH && master >= 0) {
          copy_winsize(master);
        } else {
          kill(child, sig);
        }
      }
    }
    if (master_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
      master_open = pump(master, 1); /* EIO once every slave is closed; SIGCHLD follows */
    if (stdin_open && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!pump(0, master)) stdin_open = 0;
    }
  }
  if (master >= 0) { /* drain what the command wrote last */
    fcntl(master, F_SETFL, O_NONBLOCK);
    while (pump(master, 1) > 0) {
    }
  }
  restore_terminal();
  return status < 0 ? 125 : status;
}

/* Reads what a child reports on its O_CLOEXEC error pipe (report() in process.c): one byte of
 * exit code and a message, which is printed as "jbox: ..." (read_report_as: a code 1, which only
 * a failed OCI createContainer hook reports, as "HOOK_PROG: ..."); EOF without data means the
 * execve happened. Returns the code, or -1 for EOF. Closes fd. */
int read_report(int fd) { return read_report_as(fd, NULL); }

int read_report_as(int fd, const char *hook_prog) {
  char *msg = NULL;
  ssize_t n = read_all(fd, &msg, 4096);
  close(fd);
  int code = -1;
  if (n > 0) {
    code = (unsigned char)msg[0];
    dprintf(2, "%s: %.*s\n", code == 1 && hook_prog ? hook_prog : "jbox", (int)(n - 1), msg + 1);
  }
  free(msg);
  return code;
}

/* The host pid of the sandbox's pid 1: the child, or, when stage 1 nested a pid namespace for
 * fuse-overlayfs and stayed as its reaper, the pid 1 of that namespace, whose message (send_pid1)
 * is queued before its execve closed the errpipe. */
static pid_t sandbox_pid1(int sync, pid_t child) {
  int on = 1;
  if (setsockopt(sync, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) return child;
  char c = 0;
  struct iovec iov = {&c, 1};
  union {
    char buf[CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  if (RETRY(recvmsg(sync, &msg, MSG_DONTWAIT)) != 1 || c != 'P') return child; /* EOF: not nested */
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_CREDENTIALS) return child;
  struct ucred cr;
  memcpy(&cr, CMSG_DATA(h), sizeof cr);
  return cr.pid > 0 ? cr.pid : child;
}

/* Setup failed before the sandbox ran: what the run made goes with it. A detached first run's
 * directory is removed by the caller's side of monitor_detach, which knows it is a first run. */
static void abandon(struct plan *p) {
  if (p->statedir) remove_host_dir(p);
  else abandon_sandbox(p);
}

/* The sandbox's short id for the process titles: the state directory's name (-d, start) or the
 * name of the directory holding the lock file (containers/ID/state). */
static void title_from_plan(struct plan *p) {
  char buf[4096];
  const char *path = p->statedir ? p->statedir : p->lockfile;
  if (!path) return;
  snprintf(buf, sizeof buf, "%s", path);
  char *slash = strrchr(buf, '/');
  if (!p->statedir && slash) *slash = '\0', slash = strrchr(buf, '/');
  if (slash) title_id(slash + 1);
}

/* The caller's descriptors (PROTOCOL.md "Descriptors"): main marked every one above 2
 * close-on-exec; all but the --preserve-fds ones are closed now, before anything of the sandbox
 * exists, and those stay close-on-exec (no newuidmap, pasta or fuse-overlayfs gets them) until
 * exec_process hands them to the command. */
static int keep_preserved_fds(struct plan *p) {
  for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
    if (fcntl(fd, F_GETFD) < 0) return fail("--preserve-fds %d: descriptor %d is not open", p->preserve_fds, fd);
  if (close_from(3 + p->preserve_fds) < 0) return fail_errno("close inherited descriptors");
  return 0;
}

int run_plan(struct plan *p) {
  if (keep_preserved_fds(p)) {
    if (p->exec_pid || p->attach_dir) remove_host_dir(p);
    else abandon(p); /* a first run's record goes too: nothing of it ran */
    die(125, "%s", jbox_err);
  }
  title_from_plan(p);
  if (p->exec_pid) return run_exec(p);
  if (p->attach_dir && !p->statedir) return run_attach(p);
  if (p->statedir) monitor_detach(p);
  if (take_lock(p)) {
    remove_host_dir(p);
    die(125, "%s", jbox_err);
  }
  int user_joined = 0;
  for (int i = 0; i < NS_COUNT; i++)
    if (p->ns[i].mode == NSM_JOIN) {
      if (join_namespaces(p, &user_joined)) {
        abandon(p);
        die(125, "%s", jbox_err);
      }
      break;
    }
  if (user_joined) p->ns[NS_USER].mode = NSM_JOIN;

  /* a detached sandbox's restart policy (T_RESTART) comes back here: the monitor keeps its lock,
   * state directory and socket, and the plan runs afresh (new namespaces, network, mounts) */
again:;
  int flags = 0;
  for (int i = 0; i < NS_COUNT; i++)
    if (i != NS_TIME && p->ns[i].mode == NSM_NEW) flags |= ns_clone_flag[i];

  int sv[2], ep[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
    remove_host_dir(p);
    die(125, "socketpair: %s", strerror(errno));
  }

  /* Signals are taken through a signalfd from before the clone, so none is lost in between;
   * stage 1 unblocks them again before execve. */
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&mask, forwarded[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) {
    remove_host_dir(p);
    die(125, "signalfd: %s", strerror(errno));
  }

  if (p->oci_mode && oci_prepare(p)) {
    oci_discard(p);
    die(125, "%s", jbox_err);
  }
  pid_t child = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  if (child < 0) {
    const char *hint = errno == EPERM || errno == ENOSPC || errno == EINVAL
                           ? " (are unprivileged user namespaces enabled? `jbox doctor` says what to change)"
                           : "";
    abandon(p);
    die(125, "clone namespaces: %s%s", strerror(errno), hint);
  }
  if (child == 0) {
    close(sv[0]);
    close(ep[0]);
    close(sigfd);
    stage1(p, sv[1], ep[1]);
  }
  close(sv[1]);
  close(ep[1]);
  if (p->preserve_fds) syscall(SYS_close_range, 3U, (unsigned)(3 + p->preserve_fds - 1), 0); /* stage 1 has them */
  set_name("jbox:monitor");
  trace("cloned");
  if (network_overlaps(p) && spawn_network_early(p, child)) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    abandon(p);
    die(125, "%s", jbox_err);
  }

  if (p->ns[NS_USER].mode == NSM_NEW && write_maps(p, child)) {
    stop_network();
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    abandon(p);
    die(125, "%s", jbox_err);
  }
  trace("maps-written");
  if (start_cleaner(p, child)) {
    stop_network();
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    abandon(p);
    die(125, "%s", jbox_err);
  }
  trace("cleaner-started");
  int net_keep = -1;
  if (!network_overlaps(p) && start_network(p, child, &net_keep)) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    abandon(p);
    die(125, "%s", jbox_err);
  }
  char go = MAPS_DONE;
  if (write_all(sv[0], &go, 1) < 0) {
    abandon(p);
    die(125, "start stage 1: %s", strerror(errno));
  }
  if (network_overlaps(p)) {
    if (start_network(p, child, &net_keep)) {
      kill(child, SIGKILL);
      waitpid(child, NULL, 0);
      abandon(p);
      die(125, "%s", jbox_err);
    }
    /* stage 1 may have failed meanwhile: then its report is read below, and the write fails
     * harmlessly (MSG_NOSIGNAL: no SIGPIPE for a stage 1 that is gone) */
    go = NET_UP;
    (void)!RETRY(send(sv[0], &go, 1, MSG_NOSIGNAL));
  }
  if (p->net_argc) trace("network-up");

  if (p->oci_mode) return oci_stage0(p, child, sv[0], ep[0], sigfd);
  int master = -1;
  if (p->tty) master = recv_fd(sv[0]); /* -1 when stage 1 failed first: its error follows */

  int code = read_report(ep[0]);
  if (code >= 0) {
    stop_network();
    kill(child, SIGKILL);
    int st;
    waitpid(child, &st, 0);
    finish_cleaner();
    if (master >= 0) close(master);
    if (p->statedir) monitor_failed(code);
    else lock_exited(code);
    return code;
  }
  trace("exec-done");
  if (p->tty && master < 0) die(125, "stage 1 sent no terminal");
  /* the pid exec, attach, top, kill and rm -f name; signals and the exit status stay the child's */
  pid_t pid1 = p->fuse_path && p->ns[NS_PID].mode == NSM_NEW ? sandbox_pid1(sv[0], child) : child;
  if (p->statedir) {
    monitor_supervise(p, child, pid1, sigfd, master); /* returns only to restart */
    stop_network();
    finish_cleaner();
    close(sigfd);
    close(sv[0]);
    close(ep[0]);
    goto again;
  }
  lock_running(pid1);
  int status = supervise(child, sigfd, master);
  trace("exited");
  stop_network();
  lock_exited(status);
  trace("lock-exited");
  finish_cleaner();
  note_kept(p);
  trace("cleaned");
  return status;
}
