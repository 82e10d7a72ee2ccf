/* Files of the sandbox's root that stage 1 and exec read after pivot_root (see rootfile.h).
 *
 * An image controls these files: /etc/passwd as a symlink to /dev/zero made stage 1 (pid 1, deaf
 * to SIGINT and SIGTERM) spin forever, a FIFO blocked it in open(2), and a link into a volume
 * reached a host file. So: resolve in the root, never follow a magic link, open non-blocking,
 * accept a regular file only, and read a bounded copy. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rootfile.h"
#include "util.h"

FILE *root_fopen(const char *path) {
  struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  const char *rel = path;
  while (*rel == '/') rel++;
  autofd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail_errno("open `/`"), errno = EIO, NULL;
  autofd int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOENT) return NULL;
    int e = errno;
    fail_errno("open the sandbox's `%s`", path);
    errno = e == ENOENT ? EIO : e;
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) return fail_errno("stat the sandbox's `%s`", path), errno = EIO, NULL;
  if (!S_ISREG(st.st_mode)) return fail("the sandbox's `%s` is not a regular file", path), errno = EINVAL, NULL;
  if (st.st_size > (off_t)ROOT_FILE_MAX)
    return fail("the sandbox's `%s` is larger than %u MiB", path, ROOT_FILE_MAX >> 20), errno = EFBIG, NULL;
  char *buf = NULL;
  ssize_t n = read_all(fd, &buf, ROOT_FILE_MAX);
  if (n < 0) {
    int e = errno;
    free(buf);
    if (e == EFBIG) return fail("the sandbox's `%s` is larger than %u MiB", path, ROOT_FILE_MAX >> 20), errno = EFBIG, NULL;
    errno = e;
    return fail_errno("read the sandbox's `%s`", path), errno = EIO, NULL;
  }
  if (n == 0) {
    free(buf);
    errno = ENOENT;
    return NULL;
  }
  /* the copy lives as long as the FILE: "r" over a buffer we own, freed through a cookie */
  FILE *f = fmemopen(NULL, (size_t)n, "w+");
  if (!f) {
    free(buf);
    return fail_errno("fmemopen"), errno = EIO, NULL;
  }
  if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    fclose(f);
    return fail("copy the sandbox's `%s`", path), errno = EIO, NULL;
  }
  free(buf);
  rewind(f);
  return f;
}
