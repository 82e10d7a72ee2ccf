/* `jbox-helper owners ROOT`: sets the owners a pull could not set itself. The pull's JVM unpacks a
 * layer as the user (outside any user namespace: a multithreaded process cannot enter one), so
 * every file it creates belongs to the user, which is root (0:0) in the user namespace the layer is
 * used in. For the members the tar gives other owners, it sends one record each on stdin, and this
 * command, run as root of the user's user namespace (`unshare ... -- jbox-helper owners ROOT`),
 * applies them (PROTOCOL.md, "owners"):
 *
 *   UID SP GID SP MODE SP PATH NUL     MODE: octal 0..7777, or "-" (a symlink: no mode)
 *
 * PATH is relative to ROOT ("." is ROOT itself) and is resolved with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), so no record reaches outside ROOT
 * whatever the stream says: not with "..", not with an absolute path, not through a symlink in the
 * tree. The owner goes on first (fchownat on the O_PATH descriptor of the member itself, a symlink
 * included), then the mode (chown clears set-user-ID and set-group-ID), through /proc/self/fd so it
 * names that same inode. The first failure ends the command: one line on stderr, exit 125. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parsers.h"
#include "util.h"

static int parse_num(const char *s, size_t len, int base, unsigned long max, unsigned long *out) {
  if (len == 0 || len > 11) return -1;
  unsigned long v = 0;
  for (size_t i = 0; i < len; i++) {
    int d = s[i] - '0';
    if (d < 0 || d >= base) return -1;
    v = v * (unsigned long)base + (unsigned long)d;
    if (v > max) return -1;
  }
  *out = v;
  return 0;
}

/* The next space-separated field of buf[*pos..len): its length, or -1 when no space follows. */
static long field(const char *buf, size_t len, size_t *pos, const char **start) {
  *start = buf + *pos;
  const char *sp = memchr(*start, ' ', len - *pos);
  if (!sp) return -1;
  size_t n = (size_t)(sp - *start);
  *pos += n + 1;
  return (long)n;
}

long owners_parse(const char *buf, size_t len, struct owner_rec *r) {
  const char *nul = memchr(buf, '\0', len);
  if (!nul) {
    if (len > OWNERS_MAX_RECORD) return fail("owners: a record longer than %d bytes", OWNERS_MAX_RECORD);
    return 0;
  }
  size_t end = (size_t)(nul - buf), pos = 0;
  if (end + 1 > OWNERS_MAX_RECORD) return fail("owners: a record longer than %d bytes", OWNERS_MAX_RECORD);
  const char *s;
  long n;
  unsigned long v;
  if ((n = field(buf, end, &pos, &s)) < 0 || parse_num(s, (size_t)n, 10, 0xfffffffeUL, &v)) return fail("owners: bad uid");
  r->uid = v;
  if ((n = field(buf, end, &pos, &s)) < 0 || parse_num(s, (size_t)n, 10, 0xfffffffeUL, &v)) return fail("owners: bad gid");
  r->gid = v;
  if ((n = field(buf, end, &pos, &s)) < 0) return fail("owners: bad mode");
  if (n == 1 && *s == '-') r->mode = -1;
  else if (parse_num(s, (size_t)n, 8, 07777, &v)) return fail("owners: bad mode");
  else r->mode = (int)v;
  r->path = buf + pos;
  size_t plen = end - pos;
  if (plen == 0) return fail("owners: empty path");
  if (plen >= OWNERS_MAX_PATH) return fail("owners: a path longer than %d bytes", OWNERS_MAX_PATH - 1);
  if (r->path[0] == '/') return fail("owners: absolute path");
  if (!(plen == 1 && r->path[0] == '.')) {
    /* every component a plain name: no "", ".", ".." (openat2 would refuse an escape anyway) */
    for (const char *c = r->path, *e = r->path + plen; c <= e;) {
      const char *slash = memchr(c, '/', (size_t)(e - c));
      size_t cl = slash ? (size_t)(slash - c) : (size_t)(e - c);
      if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
        return fail("owners: path with an empty, . or .. component");
      c += cl + 1;
    }
  }
  return (long)end + 1;
}

int owners_apply(int root, const struct owner_rec *r) {
  struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
  autofd int fd = (int)syscall(SYS_openat2, root, r->path, &how, sizeof how);
  if (fd < 0) return fail_errno("owners: %s", r->path);
  if (fchownat(fd, "", (uid_t)r->uid, (gid_t)r->gid, AT_EMPTY_PATH) < 0) {
    if (errno == EINVAL) return fail("owners: %s: uid %lu or gid %lu has no mapping here", r->path, r->uid, r->gid);
    return fail_errno("owners: chown %s", r->path);
  }
  if (r->mode < 0) return 0;
  struct stat st;
  if (fstat(fd, &st) < 0) return fail_errno("owners: stat %s", r->path);
  if (S_ISLNK(st.st_mode)) return 0; /* a symlink has no mode of its own */
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (chmod(proc, (mode_t)r->mode) < 0) return fail_errno("owners: chmod %s", r->path);
  return 0;
}

int owners_command(const char *root_path) {
  autofd int root = open(root_path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0) die(125, "owners: %s: %s", root_path, strerror(errno));
  static char buf[2 * OWNERS_MAX_RECORD];
  size_t have = 0;
  for (;;) {
    ssize_t n = RETRY(read(0, buf + have, sizeof buf - have));
    if (n < 0) die(125, "owners: read: %s", strerror(errno));
    have += (size_t)n;
    size_t off = 0;
    for (;;) {
      struct owner_rec r;
      long used = owners_parse(buf + off, have - off, &r);
      if (used < 0) die(125, "%s", jbox_err);
      if (used == 0) break;
      if (owners_apply(root, &r)) die(125, "%s", jbox_err);
      off += (size_t)used;
    }
    memmove(buf, buf + off, have - off);
    have -= off;
    if (n == 0) {
      if (have) die(125, "owners: the input ends inside a record");
      return 0;
    }
  }
}
