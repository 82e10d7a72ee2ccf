/* Stage 1's filesystem: the op list executed against the new root, then pivot_root.
 *
 * Every target is resolved with openat2(RESOLVE_IN_ROOT) against a descriptor of the new root,
 * and the mount is made on /proc/self/fd/N of the result. A rootfs whose /proc, /dev or /etc is a
 * symlink (absolute or relative) therefore resolves inside the rootfs and can never redirect a
 * mount onto the host (the class of CVE-2019-16884 and CVE-2021-30465). */
#include <fcntl.h>
#include <ftw.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers.h"
#include "sandbox.h"
#include "util.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int root_fd = -1;

static int openat2_(int dirfd, const char *path, int flags, unsigned long long resolve) {
  struct open_how how = {.flags = (unsigned long long)flags, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static const unsigned long long IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

/* Opens `target` (absolute inside the root) as an O_PATH fd, creating it as a directory
 * (create=1) or an empty file (create=2) if missing; create=0 returns -1/ENOENT when missing. */
static int resolve(const char *target, int create) {
  const char *rel = target;
  while (*rel == '/') rel++;
  if (!*rel) return fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
  int fd = openat2_(root_fd, rel, O_PATH | O_CLOEXEC, IN_ROOT);
  if (fd >= 0 || errno != ENOENT || !create) return fd;
  /* Create component by component; each parent is itself resolved in the root. */
  char path[4096];
  if (strlen(rel) >= sizeof path) return errno = ENAMETOOLONG, -1;
  strcpy(path, rel);
  autofd int parent = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
  char *c = path;
  for (;;) {
    char *slash = strchr(c, '/');
    if (slash) *slash = '\0';
    int last = !slash || !slash[1];
    if (*c) {
      int next = openat2_(parent, c, O_PATH | O_CLOEXEC, IN_ROOT);
      if (next < 0 && errno == ENOENT) {
        if (last && create == 2) {
          int f = openat(parent, c, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (f < 0) return -1;
          close(f);
        } else if (mkdirat(parent, c, 0755) < 0 && errno != EEXIST) {
          return -1;
        }
        next = openat2_(parent, c, O_PATH | O_CLOEXEC, IN_ROOT);
      }
      if (next < 0) return -1;
      close(parent);
      parent = next;
    }
    if (last) break;
    c = slash + 1;
  }
  int r = parent;
  parent = -1;
  return r;
}

static const char *fdpath(int fd, char *buf, size_t len) {
  snprintf(buf, len, "/proc/self/fd/%d", fd);
  return buf;
}

/* OPTIONS is "word,word|data": mount flags and jbox words before the bar, fs data after it. */
int mount_opts_parse(const char *s, struct mount_opts *o) {
  memset(o, 0, sizeof *o);
  const char *bar = strchr(s, '|');
  size_t flen = bar ? (size_t)(bar - s) : strlen(s);
  if (bar) {
    /* never cut short: a truncated data string would be another mount */
    if (strlen(bar + 1) >= sizeof o->data_buf) return fail("mount data `%.40s...` too long", bar + 1);
    memcpy(o->data_buf, bar + 1, strlen(bar + 1) + 1);
    o->data = o->data_buf;
  }
  char words[256];
  if (flen >= sizeof words) return fail("mount options too long");
  memcpy(words, s, flen);
  words[flen] = '\0';
  for (char *save = NULL, *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
    if (!strcmp(w, "ro")) o->ro = 1;
    else if (!strcmp(w, "rec")) o->rec = 1;
    else if (!strcmp(w, "optional")) o->optional = 1;
    else if (!strcmp(w, "nofollow")) o->nofollow = 1;
    else if (!strcmp(w, "chown")) o->chown = 1;
    else if (!strcmp(w, "realsrc")) o->realsrc = 1;
    else if (!strcmp(w, "tmpupper")) o->tmpupper = 1;
    else if (!strcmp(w, "nosuid")) o->flags |= MS_NOSUID;
    else if (!strcmp(w, "nodev")) o->flags |= MS_NODEV;
    else if (!strcmp(w, "noexec")) o->flags |= MS_NOEXEC;
    else if (!strcmp(w, "strictatime")) o->flags |= MS_STRICTATIME;
    else if (!strcmp(w, "relatime")) o->flags |= MS_RELATIME;
    else return fail("unknown mount option `%.64s`", w);
  }
  return 0;
}

static uid_t chown_uid;
static gid_t chown_gid;
static int chown_errno;
static char chown_path[256];

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  if (lchown(path, chown_uid, chown_gid) < 0 && !chown_errno) {
    chown_errno = errno;
    snprintf(chown_path, sizeof chown_path, "%s", path);
  }
  return 0;
}

/* podman's :U: every bind with the `chown` word gets its tree (not crossing into other mounts,
 * never following a symlink) owned by the command's uid and gid, as the sandbox maps them. Stage 1
 * runs it in the new root, as root of the sandbox's user namespace, before it drops to the user:
 * the host sees the subordinate ids that uid and gid map to. */
int chown_volumes(const struct plan *p, uid_t uid, gid_t gid) {
  for (size_t i = 0; i < p->nmounts; i++) {
    struct mount_opts o;
    if (strcmp(p->mounts[i].kind, "bind") || mount_opts_parse(p->mounts[i].options, &o) || !o.chown) continue;
    chown_uid = uid, chown_gid = gid, chown_errno = 0;
    if (nftw(p->mounts[i].target, chown_one, 32, FTW_PHYS | FTW_MOUNT) < 0)
      return fail_errno("chown `%s` (:U)", p->mounts[i].target);
    if (chown_errno) {
      errno = chown_errno;
      return fail_errno("chown `%s` to %u:%u (:U)", chown_path, (unsigned)uid, (unsigned)gid);
    }
  }
  return 0;
}

/* Makes the mount at `target` read-only without touching its other flags: mount_setattr keeps the
 * nosuid/nodev/noexec flags that are locked in a user namespace, where a remount that dropped
 * them would fail with EPERM. */
static int make_readonly(const char *target, int recursive) {
  autofd int fd = resolve(target, 0);
  if (fd < 0) return fail_errno("open `%s`", target);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
              sizeof attr) < 0)
    return fail_errno("remount `%s` read-only", target);
  return 0;
}

/* The file TARGET itself, not what it links to: its parent is resolved in the root, and a symlink
 * at TARGET is opened as the link (O_PATH | O_NOFOLLOW); a missing TARGET is created empty. A bind
 * on that descriptor covers the link without changing the image or following the link anywhere:
 * a systemd-resolved image's /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf gets the
 * sandbox's file, where creating a mount point failed with EEXIST. */
static int resolve_nofollow(const char *target) {
  char dir[4096];
  if (snprintf(dir, sizeof dir, "%s", target) >= (int)sizeof dir) return errno = ENAMETOOLONG, -1;
  char *slash = strrchr(dir, '/');
  if (!slash || !slash[1]) return errno = EINVAL, -1;
  const char *name = slash + 1;
  *slash = '\0';
  autofd int parent = resolve(dir[0] ? dir : "/", 1);
  if (parent < 0) return -1;
  int fd = openat2_(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, IN_ROOT);
  if (fd >= 0 || errno != ENOENT) return fd;
  int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0) return -1;
  close(f);
  return openat2_(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, IN_ROOT);
}

/* A bind onto `/` stacks a new root on the rootfs directory (jbox shell binds the host's `/`
 * there): root_fd still names the directory underneath, where lookups would not see the new
 * mount, so it is opened again through the rootfs path, which ends on the topmost mount. */
static int reopen_root(const char *rootfs) {
  int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open the new root `%s`", rootfs);
  close(root_fd);
  root_fd = fd;
  return 0;
}

static int do_bind(const char *source, const char *target, struct mount_opts *o, int is_dir, const char *rootfs) {
  autofd int fd = o->nofollow && !is_dir ? resolve_nofollow(target) : resolve(target, is_dir ? 1 : 2);
  char p[64];
  if (fd < 0) return fail_errno("create mount point `%s`", target);
  if (mount(source, fdpath(fd, p, sizeof p), NULL, MS_BIND | (o->rec ? MS_REC : 0), NULL) < 0)
    return fail_errno("bind `%s` on `%s`", source, target);
  if (!strcmp(target, "/") && reopen_root(rootfs)) return -1;
  /* nosuid, nodev, noexec of a bind (an OCI mount's options): a bind mount ignores them, so they
   * are set on the new mount (and its submounts with rec) like ro, keeping the locked flags */
  unsigned long long set = (o->flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) | (o->flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
                           (o->flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
  if (set) {
    autofd int m = resolve(target, 0);
    struct mount_attr attr = {.attr_set = set};
    if (m < 0 || syscall(SYS_mount_setattr, m, "", AT_EMPTY_PATH | (o->rec ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
      return fail_errno("set nosuid/nodev/noexec on `%s`", target);
  }
  if (o->ro) return make_readonly(target, o->rec);
  return 0;
}

/* 1 when the comma-separated mount data holds the word `flag` as an option of its own */
static int data_has(const char *data, const char *flag) {
  size_t n = strlen(flag);
  for (const char *s = data; s; s = strchr(s, ',')) {
    if (*s == ',') s++;
    if (!strncmp(s, flag, n) && (s[n] == ',' || s[n] == '\0')) return 1;
  }
  return 0;
}

/* A volatile overlay (jbox shell's home layer, PROTOCOL.md "The home layer is volatile") makes
 * WORKDIR/work/incompat/volatile and leaves it there, and the kernel refuses to mount the layers
 * again while it exists (after a crash the upper layer may lack what was never synced). jbox
 * mounts them again on purpose: the directory goes first. Stage 1 is root of the user namespace
 * that made it (it is the mapped root's, mode 0 on the way); nothing is followed (nftw FTW_PHYS). */
static void clear_volatile(const char *data) {
  const char *w = strstr(data, "workdir=");
  if (!w || (w != data && w[-1] != ',')) return;
  w += 8;
  char dir[4200];
  size_t n = strcspn(w, ",");
  if (n == 0 || n >= sizeof dir - 32 || *w != '/') return;
  snprintf(dir, sizeof dir, "%.*s/work/incompat/volatile", (int)n, w);
  struct stat st;
  if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(dir);
}

/* An overlay mount whose data holds the option `volatile`: a kernel that refuses it (EINVAL: one
 * before 5.10, or one that will not here) gets the same mount without it, as before. */
static int mount_volatile_overlay(const char *target, unsigned long flags, const char *data) {
  if (mount("overlay", target, "overlay", flags, data) == 0) return 0;
  char plain[8192];
  const char *v = strstr(data, ",volatile");
  if (errno != EINVAL || !v || (v[9] != ',' && v[9] != '\0') || strlen(data) >= sizeof plain) return -1;
  snprintf(plain, sizeof plain, "%.*s%s", (int)(v - data), data, v + 9);
  return mount("overlay", target, "overlay", flags, plain);
}

static int op(const struct mount_op *m, const char *rootfs) {
  struct mount_opts o;
  char p[64];
  if (mount_opts_parse(m->options, &o)) return -1;
  const char *k = m->kind;

  if (!strcmp(k, "bind") || !strcmp(k, "dev")) {
    struct stat st;
    if (o.realsrc) {
      /* the source as the policy resolved it, through no symlink: jbox shell's paths in a tree a
       * sandbox writes (the project), which a sandbox of the project running beside this start
       * could swap for a link to $HOME after the JVM looked (DevShell.build) */
      autofd int src = openat2_(AT_FDCWD, m->source, O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
      if (src < 0 && errno == ELOOP) return fail("bind source `%s`: a symbolic link on the way (it was none when the policy looked)", m->source);
      if (src < 0 || fstat(src, &st) < 0) {
        if (o.optional && errno == ENOENT) return 0;
        return fail_errno("bind source `%s`", m->source);
      }
      char sp[64];
      return do_bind(fdpath(src, sp, sizeof sp), m->target, &o, S_ISDIR(st.st_mode), rootfs);
    }
    if (stat(m->source, &st) < 0) {
      if (o.optional) return 0;
      return fail_errno("bind source `%s`", m->source);
    }
    return do_bind(m->source, m->target, &o, S_ISDIR(st.st_mode), rootfs);
  }
  if (!strcmp(k, "mask")) {
    autofd int fd = resolve(m->target, 0);
    if (fd < 0) return errno == ENOENT ? 0 : fail_errno("mask `%s`", m->target);
    struct stat st;
    if (fstat(fd, &st) < 0) return fail_errno("stat `%s`", m->target);
    if (S_ISDIR(st.st_mode)) {
      if (mount("tmpfs", fdpath(fd, p, sizeof p), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=0,mode=0555") < 0)
        return fail_errno("mask `%s`", m->target);
      return 0;
    }
    if (mount("/dev/null", fdpath(fd, p, sizeof p), NULL, MS_BIND, NULL) < 0)
      return fail_errno("mask `%s`", m->target);
    return 0;
  }
  if (!strcmp(k, "ro")) {
    autofd int fd = resolve(m->target, 0);
    if (fd < 0) return errno == ENOENT ? 0 : fail_errno("read-only `%s`", m->target);
    if (mount(fdpath(fd, p, sizeof p), p, NULL, MS_BIND | MS_REC, NULL) < 0)
      return fail_errno("bind `%s` on itself", m->target);
    return make_readonly(m->target, 1);
  }
  if (!strcmp(k, "symlink")) {
    autofd int parent = -1;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", m->target);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    parent = resolve(dir[0] ? dir : "/", 1);
    if (parent < 0) return fail_errno("symlink `%s`", m->target);
    if (symlinkat(m->source, parent, slash + 1) < 0 && errno != EEXIST)
      return fail_errno("symlink `%s`", m->target);
    return 0;
  }
  if (!strcmp(k, "mkdir")) {
    autofd int fd = resolve(m->target, 1);
    return fd < 0 ? fail_errno("mkdir `%s`", m->target) : 0;
  }
  /* A new filesystem instance: proc, sysfs, tmpfs, devpts, mqueue, cgroup2, overlay (jbox
   * shell's home: its lowerdir, upperdir and workdir in the data are host paths, resolved before
   * pivot_root). */
  const char *fstype = k;
  if (strcmp(k, "proc") && strcmp(k, "sysfs") && strcmp(k, "tmpfs") && strcmp(k, "devpts") &&
      strcmp(k, "mqueue") && strcmp(k, "cgroup2") && strcmp(k, "overlay"))
    return fail("unknown mount kind `%s`", k);
  /* podman's :O: the overlay's upper and work dirs in a tmpfs of the sandbox's own, mounted
   * nowhere (fsmount), so what the sandbox writes there goes with its mount namespace */
  autofd int tmp = -1;
  char data[sizeof o.data_buf + 128];
  if (o.tmpupper) {
    if (strcmp(k, "overlay") || !o.data) return fail("tmpupper is for an overlay with a lowerdir");
    autofd int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return fail_errno("tmpfs for the overlay on `%s`", m->target);
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
        syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
      return fail_errno("tmpfs for the overlay on `%s`", m->target);
    tmp = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    if (tmp < 0) return fail_errno("tmpfs for the overlay on `%s`", m->target);
    if (mkdirat(tmp, "upper", 0755) < 0 || mkdirat(tmp, "work", 0700) < 0)
      return fail_errno("upper dir for the overlay on `%s`", m->target);
    snprintf(data, sizeof data, "%s,upperdir=/proc/self/fd/%d/upper,workdir=/proc/self/fd/%d/work", o.data, tmp, tmp);
    o.data = data;
  }
  autofd int fd = resolve(m->target, 1);
  if (fd < 0) return fail_errno("create mount point `%s`", m->target);
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
    return fail("mount %s on `%s`: not a directory", fstype, m->target);
  int is_volatile = !strcmp(k, "overlay") && o.data && data_has(o.data, "volatile");
  if (is_volatile) clear_volatile(o.data);
  unsigned long flags = o.flags | (o.ro ? MS_RDONLY : 0);
  int r = is_volatile ? mount_volatile_overlay(fdpath(fd, p, sizeof p), flags, o.data)
                      : mount(fstype, fdpath(fd, p, sizeof p), fstype, flags, o.data);
  if (r < 0) {
    if (o.optional) return 0;
    return fail_errno("mount %s on `%s`", fstype, m->target);
  }
  return 0;
}

#define FUSE_SUPER_MAGIC 0x65735546

/* fuse-overlayfs on the rootfs, started from stage 1 while it is pid 1 of the sandbox's first pid
 * namespace: its daemon is a process of that namespace and dies with stage 1, and its mount lives
 * in the sandbox's mount namespace. Stage 1 then nests another pid namespace for the sandbox
 * itself (nest_pid_namespace in sandbox.c), so no process of the sandbox can see, signal or
 * ptrace the daemon. The launcher returns once the mount is up (the daemon forks off then).
 *
 * The daemon must not have the sandbox's root as its root: pivot_root moves every process whose
 * root is the old root to the new one, and a daemon resolving its own paths through its own
 * mount deadlocks. So it runs chrooted in a recursive bind of the current root, made on the
 * merged directory; its mount therefore appears inside that copy, at MERGED/MERGED, and is bound
 * from there onto MERGED, above the copy. pivot_root leaves the daemon's root alone, and
 * detaching the old root afterwards takes the copy out of the sandbox's reach.
 * Returns 1 (fuse-overlayfs serves the root) or -1. */
static int mount_fuse_overlay(struct plan *p, const char *lower) {
  char data[8192];
  int n = snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s,allow_other", lower, p->ovl_upper, p->ovl_work);
  if (n < 0 || (size_t)n >= sizeof data) return fail("fuse-overlayfs: too many layers for one mount");
  char inner[4096];
  n = snprintf(inner, sizeof inner, "%s%s", p->rootfs, p->rootfs);
  if (n < 0 || (size_t)n >= sizeof inner) return fail("fuse-overlayfs: path too long");
  if (mount("/", p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return fail_errno("bind `/` on `%s` for fuse-overlayfs", p->rootfs);
  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) return fail_errno("pipe");
  pid_t pid = fork();
  if (pid < 0) return fail_errno("fork fuse-overlayfs");
  if (pid == 0) {
    if (chroot(p->rootfs) < 0 || chdir("/") < 0) {
      dprintf(errp[1], "chroot for fuse-overlayfs: %s\n", strerror(errno));
      _exit(127);
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errp[1], 2) < 0 ||
        syscall(SYS_close_range, 3U, ~0U, 0) < 0) {
      dprintf(errp[1], "stdio for fuse-overlayfs: %s\n", strerror(errno));
      _exit(127);
    }
    for (int s = 1; s < 32; s++)
      if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execl(p->fuse_path, "fuse-overlayfs", "-o", data, p->rootfs, (char *)NULL);
    dprintf(2, "exec `%s`: %s\n", p->fuse_path, strerror(errno));
    _exit(127);
  }
  close(errp[1]);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  /* the daemon may still hold the write end until it redirects its stdio: do not wait for EOF */
  char buf[1024] = "", msg[400] = "";
  struct pollfd pf = {errp[0], POLLIN, 0};
  if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN)) {
    ssize_t m = read(errp[0], buf, sizeof buf - 1);
    if (m > 0) buf[m] = '\0';
  }
  close(errp[0]);
  for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    snprintf(msg, sizeof msg, "%s", l);
  struct statfs sf;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || statfs(inner, &sf) < 0 || sf.f_type != FUSE_SUPER_MAGIC)
    return fail("fuse-overlayfs on `%s` failed%s%s", p->rootfs, msg[0] ? ": " : "", msg);
  if (mount(inner, p->rootfs, NULL, MS_BIND, NULL) < 0) return fail_errno("bind the fuse-overlayfs mount on `%s`", p->rootfs);
  return 1;
}

/* 0: the kernel's overlay; 1: fuse-overlayfs; -1: error */
static int mount_overlay(struct plan *p) {
  if (p->fuse_path && !p->fuse_fallback) return mount_fuse_overlay(p, p->ovl_lower);
  /* native overlay in the user namespace (Linux >= 5.11); userxattr: whiteouts and opaque
   * directories as the unpacker wrote them (0/0 devices, user.overlay.opaque) */
  char data[8192];
  int n = snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", p->ovl_lower, p->ovl_upper, p->ovl_work);
  if (n < 0 || (size_t)n >= sizeof data - 16) return fail("overlay: too many layers for one mount");
  const char *target = p->rootfs ? p->rootfs : p->ovl_target;
  /* a --rm sandbox's layers go with it (they lie in its T_CLEANUP directory): nothing in them is
   * worth the sync an unmount makes of the upper filesystem (0.4 ms quiet, up to 25 ms under I/O
   * load, on the way out of every `run --rm`), so the overlay is volatile; their work dir is new */
  size_t cl = p->cleanup ? strlen(p->cleanup) : 0;
  int vol = cl && !strncmp(p->ovl_upper, p->cleanup, cl) && p->ovl_upper[cl] == '/' && !strncmp(p->ovl_work, p->cleanup, cl) &&
            p->ovl_work[cl] == '/';
  if (vol) memcpy(data + n, ",volatile", 10);
  if ((vol ? mount_volatile_overlay(target, 0, data) : mount("overlay", target, "overlay", 0, data)) == 0) return 0;
  int e = errno;
  if (p->fuse_path && (e == EPERM || e == EINVAL)) {
    dprintf(2, "jbox: note: native overlay refused (%s; Linux >= 5.11 needed in a user namespace): using fuse-overlayfs\n", strerror(e));
    return mount_fuse_overlay(p, p->ovl_lower);
  }
  errno = e;
  return fail_errno("mount overlay on `%s` (kernel >= 5.11 needed for overlay in a user namespace; fuse-overlayfs is the fallback)", target);
}

int mount_root(struct plan *p) {
  /* Nothing mounted here may propagate back to the caller's namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return fail_errno("make `/` private");
  /* OCI rootfsPropagation: the caller's mounts are slaves here, so that what the host mounts later
   * still reaches the container (runc's default); the container's root gets the flag itself once
   * it is "/" (setup_mounts). Nothing is ever shared with the caller's namespace. */
  if (p->root_propagation && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) return fail_errno("make `/` a slave");
  if (!p->rootfs) return p->ovl_target ? mount_overlay(p) : 0; /* `unshare --overlay`: no pivot_root */
  if (p->ovl_lower) return mount_overlay(p);
  if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return fail_errno("bind rootfs `%s`", p->rootfs);
  return 0;
}

int setup_mounts(struct plan *p) {
  if (!p->rootfs) return 0;
  root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return fail_errno("open rootfs `%s`", p->rootfs);
  for (size_t i = 0; i < p->nmounts; i++) {
    if (op(&p->mounts[i], p->rootfs)) return -1;
    trace_detail("mount ", p->mounts[i].target);
  }
  trace("mounts-ops");
  /* OCI: prestart, createRuntime (stage 0) and createContainer (here) hooks */
  if (p->oci_mode && oci_before_pivot(p)) return -1;
  if (fchdir(root_fd) < 0) return fail_errno("chdir rootfs");
  /* pivot_root(".", "."): the old root ends up stacked under the new one and is detached at
   * once, so no host path stays reachable from the sandbox. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) return fail_errno("pivot_root `%s`", p->rootfs);
  trace("pivoted");
  if (umount2(".", MNT_DETACH) < 0) return fail_errno("detach the old root");
  trace("old-root-detached");
  if (chdir("/") < 0) return fail_errno("chdir /");
  if (p->root_propagation && mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
    return fail_errno("set the propagation of `/` (linux.rootfsPropagation)");
  close(root_fd);
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (p->readonly) {
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (syscall(SYS_mount_setattr, root_fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
      return fail_errno("remount `/` read-only");
  }
  close(root_fd);
  root_fd = -1;
  return 0;
}
