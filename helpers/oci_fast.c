/* jbox-oci without the JVM: the happy paths of `start`, `kill` and `delete`, which engines call on
 * every container and which cost a JVM start (tens of ms, most of a create+start+delete) for a few
 * system calls. Anything else returns -1 and the JVM handles it exactly as before: other commands,
 * options this parser does not know, --help, a container with hooks, and every error (wrong state,
 * unknown id or signal), so all messages, the --log lines and the exit codes stay the Java side's.
 * The state layout is dev.jbox.oci.Container's (config.json, the typed record, which this file never
 * reads; nohooks, an empty marker; pid "PID STARTTIME"; exec.fifo). A container without nohooks
 * (it has hooks, or an older jbox-oci made it with state.json) is the JVM's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "sandbox.h"
#include "util.h"

enum status { ST_NONE, ST_CREATING, ST_CREATED, ST_RUNNING, ST_STOPPED };

struct ctr {
  const char *root, *id;
  char dir[PATH_MAX];
  long pid;
  unsigned long long start;
};

/* Main.root(): --root, /run/jbox-oci for root of the initial user namespace, else
 * $XDG_RUNTIME_DIR/jbox-oci, else /tmp/jbox-oci-UID. */
static int default_root(char *out, size_t len) {
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  struct stat st;
  int xdg_ok = xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode);
  int initial = 1;
  if (getuid() == 0 && xdg_ok) {
    char buf[256];
    autofd int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    unsigned long a, b, c;
    char extra;
    if (n > 0) {
      buf[n] = '\0';
      initial = sscanf(buf, " %lu %lu %lu %c", &a, &b, &c, &extra) == 3 && a == 0 && b == 0 && c == 4294967295UL;
    }
  }
  if (getuid() == 0 && (!xdg_ok || initial)) return snprintf(out, len, "/run/jbox-oci") < (int)len ? 0 : -1;
  if (xdg_ok) return snprintf(out, len, "%s/jbox-oci", xdg) < (int)len ? 0 : -1;
  return snprintf(out, len, "/tmp/jbox-oci-%u", getuid()) < (int)len ? 0 : -1;
}

/* Container.checkId */
static int id_ok(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 1024 || !strcmp(id, ".") || !strcmp(id, "..")) return 0;
  return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") == n;
}

/* The container, only when Java marked it as having no hooks (the JVM runs those): a regular file
 * nohooks beside its record. Nothing of the record is decoded here. */
static int load(const char *root, const char *id, struct ctr *c) {
  if (!id_ok(id) || snprintf(c->dir, sizeof c->dir, "%s/%s", root, id) >= (int)sizeof c->dir) return -1;
  c->root = root;
  c->id = id;
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/nohooks", c->dir);
  struct stat st;
  if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) return -1;
  c->pid = 0;
  snprintf(path, sizeof path, "%s/pid", c->dir);
  autofd int pf = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  char buf[64];
  ssize_t n = pf < 0 ? -1 : read(pf, buf, sizeof buf - 1);
  char extra;
  if (n > 0) {
    buf[n] = '\0';
    if (sscanf(buf, "%ld %llu%c", &c->pid, &c->start, &extra) != 3 || extra != '\n' || c->pid <= 0) c->pid = 0;
  }
  return 0;
}

static enum status status(struct ctr *c) {
  if (!c->pid) return ST_CREATING;
  if (!proc_alive(c->pid, c->start)) return ST_STOPPED;
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/exec.fifo", c->dir);
  return access(path, F_OK) == 0 ? ST_CREATED : ST_RUNNING;
}

/* SandboxStore.removeRuntime: the directory renamed out of the store in one step (no reader sees
 * it half deleted), then its files and itself removed. -1 (the JVM then says why) if the rename
 * fails; anything the flat delete cannot remove stays under @removing-ID. */
static int remove_dir(struct ctr *c) {
  char gone[PATH_MAX + 1100];
  if (snprintf(gone, sizeof gone, "%s/@removing-%s", c->root, c->id) >= (int)sizeof gone) return -1;
  if (rename(c->dir, gone) < 0) return -1;
  int fd = open(gone, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (!d) {
    if (fd >= 0) close(fd);
    return 0;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    unlinkat(fd, e->d_name, 0);
  }
  closedir(d);
  rmdir(gone);
  return 0;
}

static int fast_start(struct ctr *c) {
  if (status(c) != ST_CREATED) return -1;
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/exec.fifo", c->dir);
  /* non-blocking, so an init that dies meanwhile cannot hang start: poll, checking it is alive */
  autofd int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  for (int i = 0; i < 6000; i++) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 10) == 1 && (p.revents & POLLIN)) {
      char b;
      if (RETRY(read(fd, &b, 1)) != 1) return -1;
      unlink(path);
      return 0;
    }
    if (!proc_alive(c->pid, c->start)) return -1; /* the JVM reports it */
  }
  return -1;
}

static int signal_number(const char *s) {
  static const char *const names[] = {"", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
                                      "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
                                      "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};
  if (!strncmp(s, "SIG", 3)) s += 3;
  for (int i = 1; i < 32; i++)
    if (!strcmp(s, names[i])) return i;
  char *end;
  long n = strtol(s, &end, 10);
  return (*s >= '0' && *s <= '9' && !*end && n >= 1 && n <= 64) ? (int)n : -1;
}

static int fast_kill(struct ctr *c, const char *sig) {
  int n = signal_number(sig);
  enum status s = status(c);
  if (n < 0 || (s != ST_CREATED && s != ST_RUNNING)) return -1;
  return pidfd_signal(c->pid, c->start, n);
}

static int fast_delete(struct ctr *c, int force) {
  enum status s = status(c);
  if (s == ST_RUNNING && !force) return -1;
  if (s == ST_CREATED || s == ST_RUNNING) {
    if (pidfd_signal(c->pid, c->start, SIGKILL) < 0) return -1;
    struct timespec ts = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 500 && proc_alive(c->pid, c->start); i++) nanosleep(&ts, NULL);
    if (proc_alive(c->pid, c->start)) return -1;
  }
  return remove_dir(c);
}

int oci_fast(int argc, char **argv) {
  char root[PATH_MAX] = "";
  int i = 0;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--debug") || !strcmp(a, "--systemd-cgroup")) continue;
    if ((!strcmp(a, "--root") || !strcmp(a, "--log") || !strcmp(a, "--log-format") || !strcmp(a, "--rootless")) && i + 1 < argc) {
      if (!strcmp(a, "--root")) {
        if (argv[i + 1][0] != '/' || snprintf(root, sizeof root, "%s", argv[i + 1]) >= (int)sizeof root) return -1;
      }
      i++;
      continue;
    }
    return -1;
  }
  if (i >= argc) return -1;
  const char *cmd = argv[i++];
  int force = 0;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(cmd, "delete") && (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))) force = 1;
    else if (!strcmp(cmd, "kill") && (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a"))) continue;
    else return -1;
  }
  int nargs = argc - i;
  if (!root[0] && default_root(root, sizeof root)) return -1;
  struct ctr c;
  if (!strcmp(cmd, "start") && nargs == 1) return load(root, argv[i], &c) ? -1 : fast_start(&c);
  if (!strcmp(cmd, "kill") && (nargs == 1 || nargs == 2)) {
    return load(root, argv[i], &c) ? -1 : fast_kill(&c, nargs == 2 ? argv[i + 1] : "TERM");
  }
  if (!strcmp(cmd, "delete") && nargs == 1) {
    if (!id_ok(argv[i])) return -1;
    char dir[PATH_MAX + 1100];
    snprintf(dir, sizeof dir, "%s/%s", root, argv[i]);
    if (force && access(dir, F_OK) < 0 && errno == ENOENT) return 0; /* --force of an unknown id */
    return load(root, argv[i], &c) ? -1 : fast_delete(&c, force);
  }
  return -1;
}
