/* The launcher's own start of a project's new `jbox shell` sandbox: the file-system part
 * (PROTOCOL.md "The launcher's start"). shell_join.c decides that the prepared start is fresh and
 * fills the plan and the records from its templates; this file does what ShellCommand and
 * ShellSandboxes do around them, in the same order and with the same locks and modes:
 *
 *   projects/PID.lock   POSIX lock, held until the plan runs (a held one: the JVM, which waits)
 *   removeEnded         the sandbox the project's link names, when it exited: its directory and
 *                       files/ID checked entry by entry first (only jbox's own regular files),
 *                       then renamed to .removing-ID and emptied through directory fds
 *   .lock               the store's lock while the name is checked against every record and
 *                       ID/config.json and ID/exec.plan are written (each through NAME.tmp)
 *   ID/project, files/ID/{hostname,hosts,resolv.conf}, ID/join.plan (through .tmp), then the
 *   projects/PID link through PID.new and a rename
 *
 * Every directory is opened from the runtime directory's descriptor with O_NOFOLLOW; nothing is
 * followed through a symlink. Anything this code does not expect returns -1 with the reason, and
 * what it wrote of the new sandbox is removed again: the JVM then starts the sandbox as before. */
#include "shell_start.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_fast.h"
#include "util.h"

static int why_(char *why, size_t wl, const char *what, const char *name) {
  snprintf(why, wl, "%s%s%s", what, name ? ": " : "", name ? name : "");
  return -1;
}

/* A directory of the caller's own, 0700, not a symlink, opened from dirfd. */
static int open_private(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0) return -1;
  if (fstat(fd, &st) < 0 || st.st_uid != getuid() || (st.st_mode & 077)) {
    close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

/* A POSIX write lock on the whole file (as FileChannel.lock): 0, or -1 (held elsewhere: EAGAIN). */
static int posix_lock(int fd, int wait) {
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  return RETRY(fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl)) < 0 ? -1 : 0;
}

/* The files a shell sandbox's runtime directory holds (ShellSandboxes, SandboxStore, the helper's
 * LOCKFILE, Sandbox.lock) and the generated /etc files: nothing else is removed by this code. */
static const char *const RECORD_FILES[] = {"config.json", "exec.plan", "project", "join.plan", "fgstate", "lock", NULL};
static const char *const ETC_FILES[] = {"hostname", "hosts", "resolv.conf", NULL};

static int listed(const char *name, const char *const *names) {
  for (; *names; names++)
    if (!strcmp(name, *names)) return 1;
  return 0;
}

/* Every entry of directory fd is one of names, a regular file of the caller's with one link: 0. */
static int only_own_files(int fd, const char *const *names, char *why, size_t wl) {
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  DIR *d = dup < 0 ? NULL : fdopendir(dup);
  if (!d) {
    if (dup >= 0) close(dup);
    return why_(why, wl, "cannot list the ended sandbox", NULL);
  }
  int bad = 0;
  struct dirent *e;
  while (!bad && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (!listed(e->d_name, names) || fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != getuid() || st.st_nlink != 1) {
      bad = why_(why, wl, "the ended sandbox holds a file that is not jbox's", e->d_name);
    }
  }
  closedir(d);
  return bad;
}

/* Sandbox.status is not running and the monitor is gone (ShellSandboxes.ended): fgstate a regular
 * file nobody holds the lock of, whose state says `exited` or `running` (a monitor killed before
 * it wrote its end). An empty state is a helper between its open and its lock (or a setup that
 * failed): the JVM decides, as it waits a little for such a sandbox. 0: ended. */
static int exited(int dirfd) {
  autofd int fd = openat(dirfd, "fgstate", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || ofd_locked(fd) != 0) return -1;
  char *text;
  ssize_t n = read_all(fd, &text, 4096);
  if (n < 0) return -1;
  struct exec_state s;
  int r = exec_state_parse(text, (size_t)n, &s) || (strcmp(s.status, "exited") && strcmp(s.status, "running")) ? -1 : 0;
  free(text);
  return r;
}

/* Removes names from dirfd (quietly). */
static void unlink_all(int dirfd, const char *const *names, int tmp_too) {
  char t[64];
  for (; *names; names++) {
    unlinkat(dirfd, *names, 0);
    if (tmp_too && snprintf(t, sizeof t, "%s.tmp", *names) < (int)sizeof t) unlinkat(dirfd, t, 0);
  }
}

/* ShellSandboxes.removeEnded for the linked sandbox id (the .others file is absent), under the
 * project's lock. 0: removed, or nothing to remove; -1: the JVM decides (anything not plainly an
 * ended shell sandbox of jbox's own files), nothing changed. */
static int remove_ended(int rootfd, const char *id, char *why, size_t wl) {
  autofd int dir = open_private(rootfd, id);
  if (dir < 0) {
    struct stat st;
    if (errno == ENOENT && fstatat(rootfd, id, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) return 0;
    return why_(why, wl, "the linked sandbox's directory is not a private directory", id);
  }
  struct stat st;
  if (fstatat(dir, "state", &st, AT_SYMLINK_NOFOLLOW) == 0) return why_(why, wl, "the linked sandbox ran detached", NULL);
  if (faccessat(dir, "config.json", R_OK, AT_SYMLINK_NOFOLLOW) < 0) return why_(why, wl, "the linked sandbox has no record", NULL);
  if (exited(dir)) return why_(why, wl, "the linked sandbox has not ended", NULL);
  /* files/ID, which the helper removes when the sandbox ends: checked too before anything goes */
  autofd int files = openat(rootfd, "files", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  autofd int etc = files < 0 ? -1 : openat(files, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (etc < 0 && errno != ENOENT) return why_(why, wl, "the ended sandbox's /etc files are not a directory", NULL);
  if (etc >= 0 && (fstat(etc, &st) < 0 || st.st_uid != getuid() || only_own_files(etc, ETC_FILES, why, wl))) {
    return why_(why, wl, "the ended sandbox's /etc files are not jbox's", NULL);
  }
  if (only_own_files(dir, RECORD_FILES, why, wl)) return -1;
  /* Sandbox.lock (as removeRuntime), then the state again under it */
  autofd int lock = openat(dir, "lock", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (lock < 0 || posix_lock(lock, 0)) return why_(why, wl, "the ended sandbox is locked", NULL);
  if (exited(dir) || only_own_files(dir, RECORD_FILES, why, wl)) return why_(why, wl, "the ended sandbox changed", NULL);
  char gone[96];
  snprintf(gone, sizeof gone, ".removing-%s", id);
  if (renameat(rootfd, id, rootfd, gone) < 0) return why_(why, wl, "cannot move the ended sandbox aside", NULL);
  unlink_all(dir, RECORD_FILES, 1);
  unlinkat(rootfd, gone, AT_REMOVEDIR);
  if (etc >= 0) {
    unlink_all(etc, ETC_FILES, 0);
    unlinkat(files, id, AT_REMOVEDIR);
  }
  return 0;
}

/* Writes name in dirfd, a new file (mode 0666 under the umask, as Java's writes), through
 * name.tmp and a rename when tmp; mode >= 0: set with fchmod (EtcFiles' 0644). */
static int write_at(int dirfd, const char *name, const char *b, size_t n, int tmp, int mode) {
  char t[64];
  if (snprintf(t, sizeof t, "%s%s", name, tmp ? ".tmp" : "") >= (int)sizeof t) return -1;
  if (tmp) unlinkat(dirfd, t, 0);
  autofd int fd = openat(dirfd, t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0 || write_all(fd, b, n) < 0 || (mode >= 0 && fchmod(fd, (mode_t)mode) < 0)) return -1;
  return tmp ? renameat(dirfd, t, dirfd, name) : 0;
}

/* What was written of the new sandbox id, removed again. */
static void undo(int rootfd, int files, const char *id) {
  autofd int dir = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir >= 0) {
    unlink_all(dir, RECORD_FILES, 1);
    unlinkat(rootfd, id, AT_REMOVEDIR);
  }
  autofd int etc = files < 0 ? -1 : openat(files, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (etc >= 0) {
    unlink_all(etc, ETC_FILES, 0);
    unlinkat(files, id, AT_REMOVEDIR);
  }
}

int shell_start_records(const struct start_files *f, int *project_lock, char *why, size_t wl) {
  *project_lock = -1;
  autofd int root = open_private(AT_FDCWD, f->root);
  if (root < 0) return why_(why, wl, "the runtime directory is not the caller's private directory", f->root);
  autofd int projects = open_private(root, "projects");
  if (projects < 0) return why_(why, wl, "projects/ is not the caller's private directory", NULL);
  char name[96];
  struct stat st;
  /* the project's lock: another shell of the project is starting or joining (the JVM waits) */
  snprintf(name, sizeof name, "%s.lock", f->pid16);
  int lock = openat(projects, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (lock < 0 || fstat(lock, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() || posix_lock(lock, 0)) {
    if (lock >= 0) close(lock);
    return why_(why, wl, "the project's lock is held", NULL);
  }
  /* sandboxes the link does not name (--new ones, ...): the JVM lists every record */
  snprintf(name, sizeof name, "%s.others", f->pid16);
  if (fstatat(projects, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
    close(lock);
    return why_(why, wl, "the project may have other sandboxes", NULL);
  }
  /* the link, read again under the lock: an ended sandbox is removed, anything else is the JVM's */
  char linked[80];
  ssize_t ll = readlinkat(projects, f->pid16, linked, sizeof linked - 1);
  if (ll < 0 && (errno != ENOENT || fstatat(projects, f->pid16, &st, AT_SYMLINK_NOFOLLOW) == 0)) {
    close(lock);
    return why_(why, wl, "the project's link is not a symlink", NULL);
  }
  if (ll >= 0) {
    linked[ll] = '\0';
    if (ll != 64 || strspn(linked, "0123456789abcdef") != 64 || remove_ended(root, linked, why, wl)) {
      if (ll != 64 || strspn(linked, "0123456789abcdef") != 64) why_(why, wl, "the project's link names no sandbox id", NULL);
      close(lock);
      return -1;
    }
  }
  /* the /etc files (EtcFiles.write: files/ 0700 when missing, files/ID 0700, each file 0644) */
  if (mkdirat(root, "files", 0700) < 0 && errno != EEXIST) {
    close(lock);
    return why_(why, wl, "cannot make files/", NULL);
  }
  autofd int files = openat(root, "files", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int ok = files >= 0 && fstat(files, &st) == 0 && st.st_uid == getuid();
  autofd int etc = -1;
  if (ok && mkdirat(files, f->id, 0700) == 0) {
    etc = openat(files, f->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    ok = etc >= 0 && !write_at(etc, "hostname", f->hostname.p, f->hostname.len, 0, 0644) &&
         !write_at(etc, "hosts", f->hosts.p, f->hosts.len, 0, 0644) &&
         !write_at(etc, "resolv.conf", f->resolv.p, f->resolv.len, 0, 0644);
  } else {
    ok = 0;
  }
  if (!ok) why_(why, wl, "cannot write the /etc files", NULL);
  /* the record under the store's lock, the name checked against every sandbox's */
  if (ok) {
    autofd int slock = openat(root, ".lock", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (slock < 0 || posix_lock(slock, 1)) {
      ok = why_(why, wl, "cannot take the store's lock", NULL) != -1;
    } else if (name_taken(f->name, f->containers, f->root)) {
      ok = why_(why, wl, "the name is taken (or a record cannot be read)", f->name) != -1;
    } else if (mkdirat(root, f->id, 0700) < 0) {
      ok = why_(why, wl, "cannot make the sandbox's directory", NULL) != -1;
    } else {
      autofd int dir = openat(root, f->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      ok = dir >= 0 && !write_at(dir, "config.json", f->config.p, f->config.len, 1, -1) &&
           !write_at(dir, "exec.plan", f->exec.p, f->exec.len, 1, -1);
      if (!ok) why_(why, wl, "cannot write the record", NULL);
    }
  }
  /* the project file, the join template, then the link */
  if (ok) {
    autofd int dir = openat(root, f->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    ok = dir >= 0 && !write_at(dir, "project", f->project.p, f->project.len, 0, -1) &&
         !write_at(dir, "join.plan", f->join.p, f->join.len, 1, -1);
    snprintf(name, sizeof name, "%s.new", f->pid16);
    unlinkat(projects, name, 0);
    ok = ok && symlinkat(f->id, projects, name) == 0;
    ok = ok && renameat(projects, name, projects, f->pid16) == 0;
    if (!ok) {
      unlinkat(projects, name, 0);
      why_(why, wl, "cannot write the project's files", NULL);
    }
  }
  if (!ok) {
    undo(root, files, f->id);
    close(lock);
    return -1;
  }
  *project_lock = lock;
  return 0;
}

void shell_start_undo(const char *root, const char *id) {
  autofd int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rfd < 0) return;
  autofd int files = openat(rfd, "files", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  undo(rfd, files, id);
}
