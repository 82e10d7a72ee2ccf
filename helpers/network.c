/* Stage 0's user-mode networking: pasta or slirp4netns attached to the sandbox's network
 * namespace before stage 1 goes on, so the command starts with its network up.
 *
 * Lifetimes: both stay children of the monitor with PR_SET_PDEATHSIG(SIGKILL), and the monitor
 * ends them when the sandbox ends. pasta runs in the foreground (-f): in daemon mode it outlives
 * the namespace it served (seen with the Debian 12 pasta), so readiness is read from the
 * sandbox's routing table instead. slirp4netns also gets --exit-fd, the read end of a pipe whose
 * only write end the monitor holds, and signals readiness on --ready-fd. Every other descriptor
 * is closed in the child: a daemon must not hold the caller's pipes open. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static pid_t net_pid = -1;
static int net_exit_fd = -1;
static int net_wait; /* wait for it to be gone in stop_network */
/* A helper forked and not yet known to be up (spawn, then await): its pid, its stderr pipe and
 * slirp4netns's ready and exit pipes. */
static pid_t spawned = -1;
static int spawned_err = -1, spawned_slirp, spawned_ready = -1, spawned_exit = -1;

/* A default route in /proc/PID/net/route (destination 00000000) or ipv6_route (all-zero prefix,
 * length 00, not on lo). */
static int has_default_route(const char *path, int v4) {
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  char line[512];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    if (v4) {
      char ifc[32], dest[16];
      if (sscanf(line, "%31s %15s", ifc, dest) == 2 && !strcmp(dest, "00000000")) found = 1;
    } else if (!strncmp(line, "00000000000000000000000000000000 00", 35) && !strstr(line, " lo\n")) {
      found = 1;
    }
  }
  fclose(f);
  return found;
}

/* Ends the network helper. Its exit closes the tap device, and the kernel's tun_detach waits for
 * an RCU grace period there: 10-25 ms on a 2-vCPU VM, which was a third of a whole `jbox run`.
 * So it is killed (no flushing needed) and only waited for when it holds published ports, which
 * must be free again when jbox returns. Otherwise it is reparented and reaped by init while it
 * finishes dying: SIGKILL cannot be caught, and it holds nothing the next run needs. */
void stop_network(void) {
  if (spawned > 0) { /* started early and never waited for: setup failed before */
    kill(spawned, SIGKILL);
    close(spawned_err);
    if (spawned_slirp) {
      close(spawned_ready);
      close(spawned_exit);
    }
    spawned = -1;
  }
  if (net_exit_fd >= 0) close(net_exit_fd); /* slirp4netns: its --exit-fd reaches EOF */
  net_exit_fd = -1;
  if (net_pid <= 0) return;
  kill(net_pid, SIGKILL);
  if (net_wait) {
    int st;
    while (waitpid(net_pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
  net_pid = -1;
}

/* pasta's -t/-u with anything but "none": host ports are bound by it */
static int publishes_ports(const struct plan *p) {
  for (size_t i = 0; i + 1 < p->net_argc; i++)
    if ((!strcmp(p->net_argv[i], "-t") || !strcmp(p->net_argv[i], "-u")) && strcmp(p->net_argv[i + 1], "none")) return 1;
  return 0;
}

/* Debian's and Fedora's pasta is a symlink to passt, which first re-executes itself as
 * passt.avx2 where the CPU has AVX2: a second execve and dynamic link on the way to every
 * sandbox's network, about 1.2 ms of the 2.5 ms `pasta --version` takes here. pasta.avx2 beside
 * pasta is that build under the name that selects pasta's mode; started as itself it does not
 * re-execute (its own path already ends in .avx2). Only where the CPU has AVX2, as passt decides
 * itself; anything else runs pasta as named. */
static const char *pasta_binary(const char *named, char *buf, size_t len) {
  const char *base = strrchr(named, '/');
  if (!base || strcmp(base + 1, "pasta")) return named;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2")) return named;
  if ((size_t)snprintf(buf, len, "%s.avx2", named) >= len || access(buf, X_OK) < 0) return named;
  return buf;
}

static int spawn(struct plan *p, pid_t child) {
  int is_slirp = strstr(p->net_argv[0], "slirp4netns") != NULL;
  net_wait = publishes_ports(p);
  int ready[2] = {-1, -1}, exitp[2] = {-1, -1};
  if (is_slirp && (pipe2(ready, O_CLOEXEC) < 0 || pipe2(exitp, O_CLOEXEC) < 0)) return fail_errno("pipe for slirp4netns");
  char pidbuf[24], readybuf[24], exitbuf[24];
  snprintf(pidbuf, sizeof pidbuf, "%d", child);
  snprintf(readybuf, sizeof readybuf, "%d", 3);
  snprintf(exitbuf, sizeof exitbuf, "%d", 4);
  const char *argv[66];
  size_t n = 0;
  for (size_t i = 0; i < p->net_argc; i++) {
    const char *a = p->net_argv[i];
    if (!strcmp(a, "@PID@")) a = pidbuf;
    else if (!strcmp(a, "@READY_FD@")) a = readybuf;
    else if (!strcmp(a, "@EXIT_FD@")) a = exitbuf;
    argv[n++] = a;
  }
  argv[n] = NULL;
  char avx2[PATH_MAX];
  const char *binary = is_slirp ? argv[0] : pasta_binary(argv[0], avx2, sizeof avx2);
  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) return fail_errno("pipe");
  pid_t pid = fork();
  if (pid < 0) {
    close(errp[0]);
    close(errp[1]);
    if (is_slirp) {
      close(ready[0]);
      close(ready[1]);
      close(exitp[0]);
      close(exitp[1]);
    }
    return fail_errno("fork %s", argv[0]);
  }
  if (pid == 0) {
    /* stdin and stdout /dev/null, stderr our pipe (its complaints become our one-line error),
     * slirp4netns's ready and exit pipes as 3 and 4 (moved above 4 first, so no dup2 overwrites
     * the other), nothing else */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int r = is_slirp ? fcntl(ready[1], F_DUPFD, 5) : 0, x = is_slirp ? fcntl(exitp[0], F_DUPFD, 5) : 0;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || null < 0 || r < 0 || x < 0 || dup2(null, 0) < 0 ||
        dup2(null, 1) < 0 || dup2(errp[1], 2) < 0 || (is_slirp && (dup2(r, 3) < 0 || dup2(x, 4) < 0)) ||
        syscall(SYS_close_range, is_slirp ? 5 : 3, ~0U, 0) < 0) {
      dprintf(errp[1], "stdio for %s: %s", argv[0], strerror(errno));
      _exit(127);
    }
    /* default dispositions: pasta refuses to start with an inherited SIG_IGN (Python's
     * SIGPIPE, for one) */
    for (int s = 1; s < 32; s++)
      if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(binary, (char *const *)argv);
    dprintf(2, "exec: %s", strerror(errno));
    _exit(127);
  }
  close(errp[1]);
  spawned = pid;
  spawned_err = errp[0];
  spawned_slirp = is_slirp;
  spawned_ready = ready[0];
  spawned_exit = exitp[1];
  if (is_slirp) {
    close(ready[1]);
    close(exitp[0]);
  }
  return 0;
}

/* Waits until the spawned helper is up (0), or has failed (-1, jbox_err says why). */
static int await(struct plan *p, pid_t child, int *keep_fd) {
  *keep_fd = -1;
  pid_t pid = spawned;
  int is_slirp = spawned_slirp, ready[2] = {spawned_ready, -1}, exitp[2] = {-1, spawned_exit}, errp[2] = {spawned_err, -1};
  spawned = -1;
  const char *name = p->net_argv[0];
  if (is_slirp) {
    char c;
    ssize_t r = RETRY(read(ready[0], &c, 1));
    close(ready[0]);
    if (r == 1) {
      close(errp[0]);
      *keep_fd = net_exit_fd = exitp[1]; /* closed when the sandbox ends, or with the monitor */
      net_pid = pid;
      return 0;
    }
    close(exitp[1]);
    kill(pid, SIGKILL);
  }
  int st;
  if (!is_slirp) {
    /* pasta is ready when the namespace has its default route (IPv4 or IPv6); it fails by exiting */
    char r4[64], r6[64];
    snprintf(r4, sizeof r4, "/proc/%d/net/route", child);
    snprintf(r6, sizeof r6, "/proc/%d/net/ipv6_route", child);
    for (int i = 0; i < 10000; i++) {
      /* stage 1 goes on with its mounts meanwhile (sandbox.c, network_overlaps): if it failed and
       * ended, its own report is the error, and the caller ends pasta with the sandbox */
      siginfo_t si = {0};
      if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == child) {
        close(errp[0]);
        net_pid = pid;
        return 0;
      }
      if (waitpid(pid, &st, WNOHANG) == pid) {
        /* stage 1 may have ended between the two looks, and pasta failed because its namespace
         * went with it ("Couldn't open network namespace"): stage 1's report is the error then */
        si = (siginfo_t){0};
        if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == child) {
          close(errp[0]);
          return 0; /* (pasta is reaped: net_pid stays -1) */
        }
        /* or stage 1 is still on its way out: an exiting process drops its namespaces before it
         * becomes a zombie, and pasta found them gone in that window (seen under load). Its
         * namespace link gone says so: wait for its end, whose report is the error */
        char ns[64];
        snprintf(ns, sizeof ns, "/proc/%d/ns/net", child);
        int nfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nfd >= 0) close(nfd);
        else if (errno == ENOENT && waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT) == 0) {
          close(errp[0]);
          return 0;
        }
        goto failed;
      }
      if (has_default_route(r4, 1) || has_default_route(r6, 0)) {
        close(errp[0]);
        net_pid = pid;
        return 0;
      }
      usleep(500);
    }
    kill(pid, SIGKILL);
    close(errp[0]);
    waitpid(pid, &st, 0);
    return fail("pasta did not configure the network within 5 s");
  }
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
failed:;
  char buf[2048] = "", msg[400] = "";
  ssize_t m = read(errp[0], buf, sizeof buf - 1);
  close(errp[0]);
  /* keep its last real line: pasta interleaves "Failed to send N bytes to syslog" noise */
  if (m > 0) {
    buf[m] = '\0';
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
      if (!strstr(l, "to syslog")) snprintf(msg, sizeof msg, "%s", l);
  }
  m = (ssize_t)strlen(msg);
  const char *base = strrchr(name, '/');
  return fail("%s failed%s%s", base ? base + 1 : name, m > 0 ? ": " : "", m > 0 ? msg : "");
}

static int start_once(struct plan *p, pid_t child, int *keep_fd) {
  *keep_fd = -1;
  if (p->net_argc == 0) return 0;
  if (spawned < 0 && spawn(p, child)) return -1;
  return await(p, child, keep_fd);
}

/* pasta, started as soon as stage 1 exists (before its id maps are written and while newuidmap,
 * newgidmap and the cleaner start): its own start (exec, its host-side queries, its buffers:
 * about 3 ms here) overlaps them instead of following them. It joins the namespaces as their
 * owner, which needs no map; stage 1 is dumpable until MAPS_DONE. start_network then only waits
 * for it. slirp4netns keeps its place after the maps. */
int spawn_network_early(struct plan *p, pid_t child) {
  if (p->net_argc == 0 || strstr(p->net_argv[0], "slirp4netns")) return 0;
  return spawn(p, child);
}

/* The helper starts while stage 1 goes on (network_overlaps), and opens /proc/PID/ns/user and
 * /ns/net of stage 1. Stage 1 changes its uid twice on the way (root of the user namespace, then
 * --init's pid 1 the command's uid), and each change makes it undumpable until it sets itself
 * dumpable again a few instructions later: a helper that opens the namespaces in that window is
 * refused (EACCES: "Couldn't open user namespace /proc/PID/ns/user: Permission denied"), seen
 * under load. Handing the helper descriptors instead is no way out: pasta closes every inherited
 * descriptor at its start (newer versions), and our /proc/PID/fd/N is refused to it. So a refusal
 * while stage 1 still runs is tried again, a few times, each a little later. */
int start_network(struct plan *p, pid_t child, int *keep_fd) {
  for (int attempt = 0;; attempt++) {
    if (!start_once(p, child, keep_fd)) return 0;
    siginfo_t si = {0};
    int gone = waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == child;
    /* (pasta started early may also find the namespace not yet open to it and say only
     * "Couldn't open network namespace": seen in CI with stage 1 alive; the same retry) */
    if (attempt == 5 || gone || (!strstr(jbox_err, "Permission denied") && !strstr(jbox_err, "Couldn't open"))) return -1;
    trace("network-retry");
    usleep(500U << attempt); /* 0.5, 1, 2, 4, 8 ms */
  }
}

/* T_NFT (jbox shell --allow-host): stage 1, root of the sandbox's user namespace and member of its
 * new network namespace, before any capability is dropped and before pivot_root (the host's nft
 * binary is still reachable), runs `nft -f -` with the plan's rules on its stdin. The rules belong
 * to the sandbox's own namespace: nothing inside can change them once capabilities are gone, and
 * they cover every program, whether it honours a proxy variable or not. */
int apply_nft(struct plan *p) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) return fail_errno("pipe for nft");
  pid_t pid = fork();
  if (pid < 0) return fail_errno("fork nft");
  if (pid == 0) {
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) _exit(127);
    syscall(SYS_close_range, 3U, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execl(p->nft_path, "nft", "-f", "-", (char *)NULL);
    dprintf(2, "exec: %s", strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  int w = write_all(in[1], p->nft_rules, strlen(p->nft_rules));
  close(in[1]);
  char msg[512] = "";
  size_t n = 0;
  ssize_t r;
  while (n < sizeof msg - 1 && (r = read(out[0], msg + n, sizeof msg - 1 - n)) > 0) n += (size_t)r;
  msg[n] = '\0';
  close(out[0]);
  for (char *c = msg; *c; c++)
    if (*c == '\n') *c = ' ';
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (w < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return fail("nft `%s` refused the sandbox's rules: %s", p->nft_path, msg);
  return 0;
}
