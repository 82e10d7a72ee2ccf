/* The sealed copy (PROTOCOL.md "The helper's own executable"; the class of runc CVE-2019-5736).
 *
 * A process that starts a sandbox, joins one or runs beside one is the helper's executable until
 * its last execve. If that were the helper's file, a sandbox could name it: an image whose
 * /bin/innocent starts with `#!/proc/self/exe` makes the kernel execute /proc/self/exe of the
 * process calling execve, i.e. the helper, inside the sandbox; /proc/PID/exe of that process is
 * then an open handle on the host file. Where the file belongs to the user (a build tree, a
 * ~/.local install) the sandbox's root, which is the user, can chmod it and, once it is no longer
 * executing, rewrite it, and the user's next jbox command runs what the sandbox put there.
 *
 * So every mode that runs a plan first executes a copy of itself held in a memfd, sealed against
 * writing, growing, shrinking and further sealing: what a sandbox can name is that copy, which it
 * can neither change nor make anybody run again (it goes away with its last process).
 *
 * Unless the file itself is out of every sandbox's reach (file_is_trusted): an installed helper,
 * root's and not writable by anyone else, run by a user who is not root. No id a rootless sandbox
 * runs as is root or can be (root is never in a map newuidmap writes), and capabilities in a user
 * namespace do not apply to a file whose owner is not mapped in it; so it can neither write nor
 * chmod the file, and the copy (about 0.7 ms of every start and join, and 2 MB of memory per
 * sandbox) buys nothing. PROTOCOL.md "The helper's own executable". */
#include "selfexec.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux >= 6.3: says the memfd is meant to be executed */
#endif
#define FUSE_SUPER_MAGIC 0x65735546
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static void exec_copy(int self, char **argv) __attribute__((noreturn));

static int is_sealed(int fd) {
  int s = fcntl(fd, F_GET_SEALS); /* EINVAL for anything but a memfd made with MFD_ALLOW_SEALING */
  return s >= 0 && (s & SEALS) == SEALS;
}

/* The executable `fd` is root's, a regular file nobody else may write (no group or other write
 * bit, no access ACL), not on a FUSE filesystem (whose daemon says what the owner is), and this
 * process is not root by any of its uids (a sandbox of root's may map root to root: runc's case). */
int file_is_trusted(int fd) {
  uid_t r, e, sv;
  if (getresuid(&r, &e, &sv) < 0 || r == 0 || e == 0 || sv == 0) return 0;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) return 0;
  struct statfs fs;
  if (fstatfs(fd, &fs) < 0 || fs.f_type == FUSE_SUPER_MAGIC) return 0;
  if (fgetxattr(fd, "system.posix_acl_access", NULL, 0) >= 0) return 0;
  return errno == ENODATA || errno == ENOTSUP;
}

/* The one test of what may run from where: a sealed copy, or a file no sandbox can change. */
static int exe_protected(int fd) { return is_sealed(fd) || file_is_trusted(fd); }

/* /proc/self/exe, opened (dies on failure) */
static int open_self(void) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(125, "open /proc/self/exe: %s", strerror(errno));
  return fd;
}

int running_protected(void) {
  autofd int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && exe_protected(fd);
}

void reexec_sealed(char **argv) {
  autofd int self = open_self();
  if (exe_protected(self)) return;
  exec_copy(self, argv);
}

void exec_protected(char **argv) {
  autofd int self = open_self();
  if (exe_protected(self)) {
    fexecve(self, argv, environ);
    die(125, "execute the helper again: %s", strerror(errno));
  }
  exec_copy(self, argv);
}

static void exec_copy(int self, char **argv) {
  struct stat st;
  if (fstat(self, &st) < 0) die(125, "stat /proc/self/exe: %s", strerror(errno));
  int m = memfd_create("jbox-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (m < 0 && errno == EINVAL) m = memfd_create("jbox-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING); /* < 6.3 */
  if (m < 0)
    die(125, "memfd_create: %s (jbox runs sandboxes from a sealed in-memory copy of its helper; "
             "vm.memfd_noexec must be 0 or 1)", strerror(errno));
  /* in the kernel, without a user-space buffer: the fastest of sendfile, read/write and mmap here */
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(m, self, &off, (size_t)(st.st_size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die(125, "copy the helper into a memfd: %s", n < 0 ? strerror(errno) : "short read");
  }
  if (fcntl(m, F_ADD_SEALS, SEALS) < 0) die(125, "seal the helper's copy: %s", strerror(errno));
  fexecve(m, argv, environ); /* execveat(AT_EMPTY_PATH): MFD_CLOEXEC closes m, the mapping stays */
  die(125, "execute the sealed copy of the helper: %s", strerror(errno));
}
