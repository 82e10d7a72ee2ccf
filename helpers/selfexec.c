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
 * can neither change nor make anybody run again (it goes away with its last process). */
#include "selfexec.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux >= 6.3: says the memfd is meant to be executed */
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static int is_sealed(int fd) {
  int s = fcntl(fd, F_GET_SEALS); /* EINVAL for anything but a memfd made with MFD_ALLOW_SEALING */
  return s >= 0 && (s & SEALS) == SEALS;
}

int running_sealed(void) {
  autofd int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && is_sealed(fd);
}

void reexec_sealed(char **argv) {
  autofd int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die(125, "open /proc/self/exe: %s", strerror(errno));
  if (is_sealed(self)) return;
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
