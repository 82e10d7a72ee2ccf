/* jbox-unpack: one image layer (gzip or plain tar) from a blob file into a new directory, as
 * dev.jbox.image.unpack.LayerExtractor does it in Java, in one thread and without a JVM: ISA-L's
 * inflate, libcrypto's SHA-256 (the diff id), tar.c's decoder, and the same path rules, whiteouts,
 * owners, limits and errors. The pull JVM runs it for each layer (PROTOCOL.md, "jbox-unpack");
 * UnpackDiffTest runs every archive of the unpack tests (and random ones) through both and compares.
 *
 *   jbox-unpack [--follow] [--max-bytes N] [--max-entries N] [--max-path N] [--min-free N]
 *               [--owners none|direct|deferred:UIDS:GIDS] BLOB DEST
 *
 * DEST must not exist; it is created 0700. --follow: BLOB is still being downloaded into
 * BLOB.partial; the end is BLOB existing with every byte read, and anything on stdin (or its end)
 * means the download failed. Owners: none (not applied), direct (fchown; real root), deferred (the
 * user namespace's root sets them later: listed on stdout, ids checked against the counts).
 *
 * Output on stdout: "owners-start\n" when the first owner other than 0:0 is listed (deferred), then
 * at the end "ok\n" and "KEY VALUE\n" lines: diffid, entries, bytes, devices, xattrs-skipped, then
 * "device-first LEN\n" and "owners LEN\n" each followed by LEN bytes (owners: "UID GID MODE PATH\0"
 * records, as OwnerList.encode). Exit 0; 1 with a one-line error on stderr; 3 when the blob is zstd
 * (nothing was created: the JVM unpacks it); 2 for bad arguments. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>

#include "../tar.h"

#define INCAP (1u << 17)
#define OUTCAP (1u << 18)
#define CHECK_EVERY (8ull << 20)

enum { OWN_NONE, OWN_DIRECT, OWN_DEFERRED };

static struct {
  const char *blob, *dest;
  int follow;
  uint64_t max_bytes, max_entries, max_path;
  int64_t min_free;
  int owners;
  uint64_t uids, gids;
} O = {.max_bytes = 32ull << 30, .max_entries = 4000000, .max_path = 4096, .min_free = -1};

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *c = msg; *c; c++)
    if (*c == '\n') *c = ' ';
  fprintf(stderr, "%s\n", msg);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s);
  char *d = xmalloc(n + 1);
  memcpy(d, s, n + 1);
  return d;
}

/* ---- the blob, read as it grows (--follow) or as it is ---------------------------------------- */

static int in_fd = -1;
static uint64_t in_pos;
static char *partial;

static int cancelled(void) {
  struct pollfd p = {.fd = 0, .events = POLLIN};
  return poll(&p, 1, 0) > 0;
}

static size_t in_read(uint8_t *buf, size_t cap) {
  for (;;) {
    if (in_fd < 0) {
      const char *path = access(O.blob, F_OK) == 0 ? O.blob : access(partial, F_OK) == 0 ? partial : NULL;
      if (path) {
        in_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in_fd < 0 && errno != ENOENT) die("cannot open %s: %s", path, strerror(errno));
        continue; /* ENOENT: renamed between the check and the open */
      }
    } else {
      ssize_t n = pread(in_fd, buf, cap, (off_t)in_pos);
      if (n > 0) {
        in_pos += (uint64_t)n;
        return (size_t)n;
      }
      if (n < 0) die("cannot read the blob: %s", strerror(errno));
      if (!O.follow) return 0;
      struct stat st;
      if (stat(O.blob, &st) == 0 && (uint64_t)st.st_size == in_pos) return 0;
      if (fstat(in_fd, &st) == 0 && (uint64_t)st.st_size < in_pos) die("the download restarted while unpacking");
    }
    if (!O.follow) die("cannot open %s: %s", O.blob, strerror(ENOENT));
    if (cancelled()) die("the download failed");
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* ---- the decompressed stream: inflated (or plain), hashed, counted ---------------------------- */

static struct {
  int gzip, between, done, in_eof;
  uint8_t *in, *out;
  size_t in_pos, in_len, out_pos, out_len;
  struct inflate_state *st;
  EVP_MD_CTX *md;
  uint64_t count, next_check;
} S;

static int rootfd = -1;

static void check_free(void) {
  struct statvfs v;
  if (fstatvfs(rootfd, &v) < 0) die("statvfs: %s", strerror(errno));
  int64_t free_bytes = (int64_t)(v.f_bavail * v.f_frsize);
  int64_t total = (int64_t)(v.f_blocks * v.f_frsize);
  int64_t reserve = O.min_free >= 0 ? O.min_free : (total / 20 < (1LL << 30) ? total / 20 : (1LL << 30));
  if (free_bytes - (int64_t)CHECK_EVERY < reserve) {
    die("stopped unpacking: the store's filesystem is down to %lld MiB free, and jbox leaves %lld MiB free",
        (long long)(free_bytes >> 20), (long long)(reserve >> 20));
  }
  S.next_check = S.count + CHECK_EVERY;
}

static void fill(void) {
  if (S.in_pos > 0) {
    memmove(S.in, S.in + S.in_pos, S.in_len - S.in_pos);
    S.in_len -= S.in_pos;
    S.in_pos = 0;
  }
  size_t n = in_read(S.in + S.in_len, INCAP - S.in_len);
  if (n == 0) S.in_eof = 1;
  S.in_len += n;
}

/* ISA-L's error, in IsalGzipInputStream.describe's words */
static const char *isal_error(int r, char *buf, size_t len) {
  switch (r) {
  case ISAL_INVALID_BLOCK: return "invalid block";
  case ISAL_INVALID_SYMBOL: return "invalid symbol";
  case ISAL_INVALID_LOOKBACK: return "invalid distance";
  case ISAL_INVALID_WRAPPER: return "invalid gzip header";
  case ISAL_UNSUPPORTED_METHOD: return "not deflate";
  case ISAL_INCORRECT_CHECKSUM: return "CRC or length mismatch";
  default: snprintf(buf, len, "ISA-L error %d", r); return buf;
  }
}

static void inflate_some(void) {
  if (S.between) {
    while (S.in_len - S.in_pos < 2 && !S.in_eof) fill();
    if (S.in_len - S.in_pos < 2 || S.in[S.in_pos] != 0x1f || S.in[S.in_pos + 1] != 0x8b) {
      S.done = 1;
      return;
    }
    S.between = 0;
  }
  if (S.in_pos == S.in_len) {
    if (S.in_eof) die("gzip: unexpected end of the compressed data");
    fill();
  }
  if (S.st->block_state == ISAL_BLOCK_FINISH) {
    isal_inflate_reset(S.st);
    S.st->crc_flag = ISAL_GZIP;
  }
  S.st->next_in = S.in + S.in_pos;
  S.st->avail_in = (uint32_t)(S.in_len - S.in_pos);
  S.st->next_out = S.out;
  S.st->avail_out = OUTCAP;
  int r = isal_inflate(S.st);
  size_t used = S.in_len - S.in_pos - S.st->avail_in;
  size_t made = OUTCAP - S.st->avail_out;
  S.in_pos += used;
  S.out_pos = 0;
  S.out_len = made;
  char why[32];
  if (r < 0) die("gzip: corrupt data (%s)", isal_error(r, why, sizeof why));
  if (S.st->block_state == ISAL_BLOCK_FINISH) {
    S.between = 1;
  } else if (used == 0 && made == 0) {
    if (S.in_eof) die("gzip: unexpected end of the compressed data");
    fill();
  }
}

static void produce(void) {
  S.out_pos = S.out_len = 0;
  if (S.gzip) {
    inflate_some();
  } else {
    S.out_pos = 0;
    S.out_len = S.in_eof ? 0 : in_read(S.out, OUTCAP);
    if (S.out_len == 0) S.done = 1;
  }
  if (S.out_len == 0) return;
  if (EVP_DigestUpdate(S.md, S.out, S.out_len) != 1) die("sha256 failed");
  S.count += S.out_len;
  if (S.count > O.max_bytes) {
    die("larger than %llu bytes after decompression, the limit storage.max_layer_size sets in jbox.toml",
        (unsigned long long)O.max_bytes);
  }
  if (S.count >= S.next_check) check_free();
}

static long get(void *ctx, const uint8_t **p, size_t max) {
  (void)ctx;
  while (S.out_pos == S.out_len) {
    if (S.done) return 0;
    produce();
  }
  size_t n = S.out_len - S.out_pos;
  if (n > max) n = max;
  *p = S.out + S.out_pos;
  S.out_pos += n;
  return (long)n;
}

/* ---- string maps: owners, directories' metadata, removed directories ------------------------- */

struct rec {
  char *key;
  uint64_t epoch;
  int64_t a, b, c;
};
struct map {
  struct rec *s;
  size_t cap, used;
};
static char TOMB[1];
static uint64_t clock_;

static uint64_t hash(const char *k, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
  return h;
}

static struct rec *map_getn(struct map *m, const char *k, size_t n) {
  if (!m->cap) return NULL;
  for (size_t i = hash(k, n) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    struct rec *r = &m->s[i];
    if (!r->key) return NULL;
    if (r->key != TOMB && strlen(r->key) == n && !memcmp(r->key, k, n)) return r;
  }
}

static struct rec *map_get(struct map *m, const char *k) { return map_getn(m, k, strlen(k)); }

static void map_grow(struct map *m) {
  struct map n = {.cap = m->cap ? m->cap * 2 : 64};
  n.s = calloc(n.cap, sizeof *n.s);
  if (!n.s) die("out of memory");
  for (size_t i = 0; i < m->cap; i++) {
    struct rec *r = &m->s[i];
    if (!r->key || r->key == TOMB) continue;
    size_t j = hash(r->key, strlen(r->key)) & (n.cap - 1);
    while (n.s[j].key) j = (j + 1) & (n.cap - 1);
    n.s[j] = *r;
    n.used++;
  }
  free(m->s);
  *m = n;
}

static struct rec *map_put(struct map *m, const char *k) {
  struct rec *r = map_get(m, k);
  if (r) return r;
  if ((m->used + 1) * 10 >= m->cap * 7) map_grow(m);
  size_t i = hash(k, strlen(k)) & (m->cap - 1);
  while (m->s[i].key && m->s[i].key != TOMB) i = (i + 1) & (m->cap - 1);
  if (!m->s[i].key) m->used++;
  m->s[i].key = xstrdup(k);
  return &m->s[i];
}

static void map_del(struct map *m, const char *k) {
  struct rec *r = map_get(m, k);
  if (!r) return;
  free(r->key);
  r->key = TOMB;
}

static struct map owners, dirs, removed;

/* A record is stale when a directory above it was removed after it was made (the Java
 * extractor drops those records as it removes the tree; here the check is made at the end). */
static int valid(const struct rec *r) {
  for (const char *s = strchr(r->key, '/'); s; s = strchr(s + 1, '/')) {
    struct rec *x = map_getn(&removed, r->key, (size_t)(s - r->key));
    if (x && x->epoch > r->epoch) return 0;
  }
  return 1;
}

/* ---- the tree ------------------------------------------------------------------------------- */

static unsigned umask_now;
static uint64_t entries, devices, xattrs_skipped;
static char *device_first;
static int owners_started;
static char *dest_abs;

/* comps[0..n) joined with '/' ("" for none) */
static char *join(char **comps, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++) len += strlen(comps[i]) + 1;
  char *s = xmalloc(len), *p = s;
  for (size_t i = 0; i < n; i++) {
    if (i) *p++ = '/';
    size_t l = strlen(comps[i]);
    memcpy(p, comps[i], l);
    p += l;
  }
  *p = 0;
  return s;
}

static char *rel_child(const char *parent, const char *name) {
  size_t a = strlen(parent), b = strlen(name);
  char *s = xmalloc(a + b + 2);
  if (a) {
    memcpy(s, parent, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
  } else {
    memcpy(s, name, b + 1);
  }
  return s;
}

static char *full_path(const char *rel) {
  size_t a = strlen(dest_abs), b = strlen(rel);
  char *s = xmalloc(a + b + 2);
  memcpy(s, dest_abs, a);
  s[a] = '/';
  memcpy(s + a + 1, rel, b + 1);
  return s;
}

/* The open directories of the last parent path, a cache: comps[i] is open as fds[i]. */
static struct {
  size_t n, cap;
  char **names;
  int *fds;
} chain;

static void chain_cut(size_t k) {
  while (chain.n > k) {
    chain.n--;
    close(chain.fds[chain.n]);
    free(chain.names[chain.n]);
  }
}

/* rel (a directory) was removed: forget it and what is below it. */
static void chain_forget(const char *rel) {
  size_t len = strlen(rel), at = 0;
  for (size_t i = 0; i < chain.n; i++) {
    size_t l = strlen(chain.names[i]);
    if (at + l > len || memcmp(rel + at, chain.names[i], l)) return;
    at += l;
    if (at == len) {
      chain_cut(i);
      return;
    }
    if (rel[at] != '/') return;
    at++;
  }
}

static long mapped_count(const char *file) {
  FILE *f = fopen(file, "re");
  if (!f) return 0;
  long n = 0, inside, outside, count;
  while (fscanf(f, "%ld %ld %ld", &inside, &outside, &count) == 3) n += inside == 0 ? count - 1 : count;
  fclose(f);
  return n;
}

static void out_of_range(const char *rel, int uid, uint64_t id) {
  long mapped = O.owners == OWN_DEFERRED ? (long)(uid ? O.uids : O.gids) - 1
                                         : mapped_count(uid ? "/proc/self/uid_map" : "/proc/self/gid_map");
  die("file /%s owned by %s %llu, outside your %ld subordinate ids: add a larger range to %s", rel,
      uid ? "uid" : "gid", (unsigned long long)id, mapped, uid ? "/etc/subuid" : "/etc/subgid");
}

static void owners_set(const char *rel, uint64_t uid, uint64_t gid, int64_t mode) {
  const char *k = *rel ? rel : ".";
  if (uid == 0 && gid == 0) {
    map_del(&owners, k);
    return;
  }
  struct rec *r = map_put(&owners, k);
  r->a = (int64_t)uid;
  r->b = (int64_t)gid;
  r->c = mode;
  r->epoch = ++clock_;
  if (!owners_started) {
    owners_started = 1;
    fputs("owners-start\n", stdout);
    fflush(stdout);
  }
}

/* The owner of rel: listed (deferred, ids checked against the map), set (direct), or neither. */
static void owner(int dirfd, const char *name, const char *rel, const struct tar_entry *e, int64_t mode) {
  if (O.owners == OWN_NONE) return;
  if (O.owners == OWN_DEFERRED) {
    if (e->uid >= O.uids) out_of_range(rel, 1, e->uid);
    if (e->gid >= O.gids) out_of_range(rel, 0, e->gid);
    owners_set(rel, e->uid, e->gid, mode);
    return;
  }
  if (e->uid > INT_MAX || e->gid > INT_MAX) out_of_range(rel, e->uid > INT_MAX, e->uid > INT_MAX ? e->uid : e->gid);
  if (fchownat(dirfd, name, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0) {
    if (errno != EINVAL) die("%s: chown: %s", e->name, strerror(errno));
    out_of_range(rel, (long)e->uid >= mapped_count("/proc/self/uid_map"), (long)e->uid >= mapped_count("/proc/self/uid_map") ? e->uid : e->gid);
  }
}

static int user_xattr(const char *n) {
  return !strncmp(n, "user.", 5) && strncmp(n, "user.overlay.", 13) && strncmp(n, "user.fuseoverlayfs.", 19);
}

static void xattrs_path(const char *rel, const struct tar_entry *e) {
  if (!e->nxattrs) return;
  char *p = full_path(rel);
  for (size_t i = 0; i < e->nxattrs; i++) {
    if (!user_xattr(e->xattrs[i].name) || lsetxattr(p, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].len, 0) < 0) {
      xattrs_skipped++;
    }
  }
  free(p);
}

static void set_mtime(int dirfd, const char *name, int64_t sec, const char *member) {
  struct timespec t[2] = {{(time_t)sec, 0}, {(time_t)sec, 0}};
  if (utimensat(dirfd, name, t, AT_SYMLINK_NOFOLLOW) < 0) die("%s: utimensat: %s", member, strerror(errno));
}

static void delete_tree(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0) {
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) die("cannot open %s to remove it: %s", name, strerror(errno));
  DIR *d = fdopendir(fd);
  if (!d) die("cannot read %s: %s", name, strerror(errno));
  struct dirent *de;
  while ((errno = 0, de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    struct stat st;
    if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) die("cannot stat %s: %s", de->d_name, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      delete_tree(fd, de->d_name);
    } else if (unlinkat(fd, de->d_name, 0) < 0) {
      die("cannot remove %s: %s", de->d_name, strerror(errno));
    }
  }
  if (errno) die("cannot read %s: %s", name, strerror(errno));
  closedir(d);
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0) die("cannot remove %s: %s", name, strerror(errno));
}

/* What is at rel (name in dirfd) goes, a directory with all below it, never through a link. */
static void remove_existing(int dirfd, const char *name, const char *rel) {
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return;
    die("/%s: %s", rel, strerror(errno));
  }
  map_del(&owners, rel);
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dirfd, name, 0) < 0) die("/%s: %s", rel, strerror(errno));
    return;
  }
  chain_forget(rel);
  map_del(&dirs, rel);
  struct rec *r = map_put(&removed, rel);
  r->epoch = ++clock_;
  delete_tree(dirfd, name);
}

/* The directory comps[0..n-1) as a descriptor (the chain's own: do not close), each component a
 * real directory inside the root; missing ones are made (0755) when create is set. */
static int parent_of(char **comps, size_t n, int create, const char *member) {
  size_t depth = n - 1, k = 0;
  while (k < chain.n && k < depth && !strcmp(chain.names[k], comps[k])) k++;
  chain_cut(k);
  int cur = k ? chain.fds[k - 1] : rootfd;
  for (; k < depth; k++) {
    int fd = openat(cur, comps[k], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      char *rel = join(comps, k + 1);
      if (!create) die("directory /%s is not in this layer", rel);
      if (mkdirat(cur, comps[k], 0755) < 0 || fchmodat(cur, comps[k], 0755, 0) < 0) die("/%s: %s", rel, strerror(errno));
      free(rel);
      fd = openat(cur, comps[k], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      int err = errno;
      char *rel = join(comps, k + 1);
      struct stat st;
      if (err == ELOOP || err == ENOTDIR) {
        if (fstatat(cur, comps[k], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
          die("refusing %s: its parent /%s is a symlink", member, rel);
        }
        die("refusing %s: its parent /%s is not a directory", member, rel);
      }
      die("/%s: %s", rel, strerror(err));
    }
    if (chain.n == chain.cap) {
      chain.cap = chain.cap ? chain.cap * 2 : 32;
      chain.names = realloc(chain.names, chain.cap * sizeof *chain.names);
      chain.fds = realloc(chain.fds, chain.cap * sizeof *chain.fds);
      if (!chain.names || !chain.fds) die("out of memory");
    }
    chain.names[chain.n] = xstrdup(comps[k]);
    chain.fds[chain.n++] = fd;
    cur = fd;
  }
  return cur;
}

static void write_all(int fd, const uint8_t *p, size_t n, const char *member) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("%s: write: %s", member, strerror(errno));
    }
    p += w;
    n -= (size_t)w;
  }
}

static struct tar_reader tr;
static char src_err[256];

static void tar_die(void) { die("%s", tr.source_failed && *src_err ? src_err : tr.err); }

static void regular(int pfd, const char *base, const char *rel, const struct tar_entry *e) {
  int mode_now = (e->mode & ~0777u) == 0 && (e->mode & umask_now) == 0;
  if (O.owners != OWN_NONE && (e->uid > INT_MAX || e->gid > INT_MAX)) {
    int uid = e->uid > INT_MAX || (O.owners == OWN_DEFERRED && e->uid >= O.uids);
    out_of_range(rel, uid, uid ? e->uid : e->gid);
  }
  int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  mode_t cmode = mode_now ? e->mode : 0600;
  int fd = openat(pfd, base, flags, cmode);
  if (fd < 0 && errno == EEXIST) {
    remove_existing(pfd, base, rel); /* a later member replaces an earlier one (a symlink: not followed) */
    fd = openat(pfd, base, flags, cmode);
  }
  if (fd < 0) die("%s: %s", e->name, strerror(errno));
  if (O.owners == OWN_DEFERRED) owner(pfd, base, rel, e, e->mode);
  const uint8_t *p;
  long k;
  while ((k = tar_data(&tr, &p, OUTCAP)) > 0) write_all(fd, p, (size_t)k, e->name);
  if (k < 0) tar_die();
  if (O.owners == OWN_DIRECT && fchown(fd, (uid_t)e->uid, (gid_t)e->gid) < 0) {
    if (errno != EINVAL) die("%s: fchown: %s", e->name, strerror(errno));
    int uid = (long)e->uid >= mapped_count("/proc/self/uid_map");
    out_of_range(rel, uid, uid ? e->uid : e->gid);
  }
  if (!mode_now && fchmod(fd, e->mode) < 0) die("%s: fchmod: %s", e->name, strerror(errno));
  struct timespec t[2] = {{(time_t)e->mtime, 0}, {(time_t)e->mtime, 0}};
  if (futimens(fd, t) < 0) die("%s: futimens: %s", e->name, strerror(errno));
  for (size_t i = 0; i < e->nxattrs; i++) {
    if (!user_xattr(e->xattrs[i].name) || fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].len, 0) < 0) {
      xattrs_skipped++;
    }
  }
  close(fd);
}

static void hardlink(int pfd_chain, const char *base, const char *rel, const struct tar_entry *e) {
  int pfd = dup(pfd_chain);
  if (pfd < 0) die("dup: %s", strerror(errno));
  char *lbuf = xmalloc(e->link_len + 1), err[128], **tc;
  memcpy(lbuf, e->link, e->link_len + 1);
  int tn = tar_components(lbuf, e->link_len, &tc, err, sizeof err);
  if (tn < 0) die("%s: %s", err, e->link);
  if (tn == 0) die("hard link to the layer root");
  int tfd = dup(parent_of(tc, (size_t)tn, 0, e->name));
  if (tfd < 0) die("dup: %s", strerror(errno));
  char *trel = join(tc, (size_t)tn);
  const char *tbase = tc[tn - 1];
  struct stat st;
  if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) die("hard link target /%s is not in this layer", trel);
    die("%s: %s", e->name, strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) die("hard link to a directory");
  if (strcmp(trel, rel)) {
    remove_existing(pfd, base, rel);
    /* linkat(2) without AT_SYMLINK_FOLLOW: a symlink target is linked itself */
    if (linkat(tfd, tbase, pfd, base, 0) < 0) die("%s: link: %s", e->name, strerror(errno));
    if (O.owners == OWN_DEFERRED) {
      struct rec *t = map_get(&owners, trel);
      if (!t || !valid(t)) {
        map_del(&owners, rel);
      } else {
        int64_t a = t->a, b = t->b, c = t->c;
        struct rec *l = map_put(&owners, rel);
        l->a = a;
        l->b = b;
        l->c = c;
        l->epoch = ++clock_;
      }
    }
  }
  free(trel);
  free(tc);
  free(lbuf);
  close(tfd);
  close(pfd);
}

static void whiteout(int pfd, const char *prel, const char *base, const struct tar_entry *e) {
  if (!strcmp(base, ".wh..wh..opq")) {
    if (fsetxattr(pfd, "user.overlay.opaque", "y", 1, 0) < 0 || fsetxattr(pfd, "user.fuseoverlayfs.opaque", "y", 1, 0) < 0) {
      die("%s: setxattr: %s", e->name, strerror(errno));
    }
    return;
  }
  if (!strncmp(base, ".wh..wh.", 8)) return; /* other AUFS metadata (.wh..wh.plnk): nothing to do */
  const char *name = base + 4;
  if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) die("invalid whiteout %s", e->name);
  char *vrel = rel_child(prel, name);
  remove_existing(pfd, name, vrel);
  if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0) die("%s: mknod: %s", e->name, strerror(errno));
  free(vrel);
}

static void put_dir(const char *rel, const struct tar_entry *e) {
  struct rec *r = map_put(&dirs, rel);
  r->a = e->mode;
  r->b = e->mtime;
  r->c = 1; /* has a time */
  r->epoch = ++clock_;
}

static void apply(struct tar_entry *e) {
  char *buf = xmalloc(e->name_len + 1), err[128], **comps;
  memcpy(buf, e->name, e->name_len + 1);
  int n = tar_components(buf, e->name_len, &comps, err, sizeof err);
  if (n < 0) die("%s: %s", err, e->name);
  if (n == 0) {
    if (e->type != '5') die("a non-directory member names the layer root");
    owner(rootfd, "", "", e, e->mode);
    put_dir("", e);
    free(comps);
    free(buf);
    return;
  }
  const char *base = comps[n - 1];
  int pfd = parent_of(comps, (size_t)n, 1, e->name);
  char *rel = join(comps, (size_t)n);
  if (!strncmp(base, ".wh.", 4)) {
    char *prel = join(comps, (size_t)n - 1);
    whiteout(pfd, prel, base, e);
    free(prel);
  } else {
    switch (e->type) {
    case '5': {
      int made = 1;
      if (mkdirat(pfd, base, 0700) < 0) {
        if (errno != EEXIST) die("%s: mkdir: %s", e->name, strerror(errno));
        struct stat st;
        made = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode);
        if (made) {
          remove_existing(pfd, base, rel);
          if (mkdirat(pfd, base, 0700) < 0) die("%s: mkdir: %s", e->name, strerror(errno));
        }
      }
      if (made && fchmodat(pfd, base, 0700, 0) < 0) die("%s: chmod: %s", e->name, strerror(errno));
      owner(pfd, base, rel, e, e->mode);
      xattrs_path(rel, e);
      put_dir(rel, e);
      break;
    }
    case '0': case '\0': case '7':
      regular(pfd, base, rel, e);
      break;
    case '2':
      if (!e->link_len) die("symlink with an empty target");
      if (symlinkat(e->link, pfd, base) < 0) {
        if (errno != EEXIST) die("%s: symlink: %s", e->name, strerror(errno));
        remove_existing(pfd, base, rel);
        if (symlinkat(e->link, pfd, base) < 0) die("%s: symlink: %s", e->name, strerror(errno));
      }
      owner(pfd, base, rel, e, -1);
      set_mtime(pfd, base, e->mtime, e->name);
      break;
    case '1':
      hardlink(pfd, base, rel, e);
      break;
    case '6':
      remove_existing(pfd, base, rel);
      if (mknodat(pfd, base, S_IFIFO | 0600, 0) < 0) die("%s: mknod: %s", e->name, strerror(errno));
      owner(pfd, base, rel, e, e->mode);
      /* chown clears setuid/setgid: the mode goes on after it */
      if (fchmodat(pfd, base, e->mode, 0) < 0) die("%s: chmod: %s", e->name, strerror(errno));
      xattrs_path(rel, e);
      set_mtime(pfd, base, e->mtime, e->name);
      break;
    case '3': case '4':
      if (devices++ == 0) device_first = xstrdup(rel);
      break;
    default:
      die("unsupported tar member type '%c'", e->type);
    }
  }
  free(rel);
  free(comps);
  free(buf);
}

static size_t depth(const char *rel) {
  if (!*rel) return 0;
  size_t d = 1;
  for (; *rel; rel++) d += *rel == '/';
  return d;
}

static int by_depth(const void *a, const void *b) {
  const struct rec *x = *(struct rec *const *)a, *y = *(struct rec *const *)b;
  size_t dx = depth(x->key), dy = depth(y->key);
  if (dx != dy) return dx < dy ? 1 : -1;
  return x->epoch < y->epoch ? -1 : x->epoch > y->epoch;
}

static int by_key(const void *a, const void *b) {
  return strcmp((*(struct rec *const *)a)->key, (*(struct rec *const *)b)->key);
}

static struct rec **live(struct map *m, size_t *n) {
  struct rec **out = xmalloc((m->cap + 1) * sizeof *out);
  *n = 0;
  for (size_t i = 0; i < m->cap; i++)
    if (m->s[i].key && m->s[i].key != TOMB && valid(&m->s[i])) out[(*n)++] = &m->s[i];
  return out;
}

/* Directory modes and times go on last, deepest first, so 0555 directories stay fillable. */
static void finish_dirs(void) {
  size_t n;
  struct rec **l = live(&dirs, &n);
  qsort(l, n, sizeof *l, by_depth);
  for (size_t i = 0; i < n; i++) {
    if (!*l[i]->key) {
      /* the root (last: the least deep) through its descriptor: "." from it would need the search
       * permission its new mode may not give (a layer's "./" of 0644 or 0000) */
      if (fchmod(rootfd, (mode_t)l[i]->a) < 0) die("/: chmod: %s", strerror(errno));
      struct timespec t[2] = {{(time_t)l[i]->b, 0}, {(time_t)l[i]->b, 0}};
      if (l[i]->c && futimens(rootfd, t) < 0) die("/: futimens: %s", strerror(errno));
      continue;
    }
    const char *p = l[i]->key;
    struct stat st;
    if (fstatat(rootfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) continue;
    if (fchmodat(rootfd, p, (mode_t)l[i]->a, 0) < 0) die("/%s: chmod: %s", l[i]->key, strerror(errno));
    if (l[i]->c) set_mtime(rootfd, p, l[i]->b, l[i]->key);
  }
  free(l);
}

static uint64_t num(const char *opt, const char *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || !*v || *end || *v == '-') {
    fprintf(stderr, "jbox-unpack: %s needs a number, not '%s'\n", opt, v);
    exit(2);
  }
  return x;
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--follow")) {
      O.follow = 1;
      continue;
    }
    if (i + 1 >= argc) break;
    const char *v = argv[++i];
    if (!strcmp(a, "--max-bytes")) O.max_bytes = num(a, v);
    else if (!strcmp(a, "--max-entries")) O.max_entries = num(a, v);
    else if (!strcmp(a, "--max-path")) O.max_path = num(a, v);
    else if (!strcmp(a, "--min-free")) O.min_free = !strcmp(v, "-1") ? -1 : (int64_t)num(a, v);
    else if (!strcmp(a, "--owners") && !strcmp(v, "none")) O.owners = OWN_NONE;
    else if (!strcmp(a, "--owners") && !strcmp(v, "direct")) O.owners = OWN_DIRECT;
    else if (!strcmp(a, "--owners") && !strncmp(v, "deferred:", 9)) {
      char *end;
      O.owners = OWN_DEFERRED;
      O.uids = strtoull(v + 9, &end, 10);
      if (*end != ':') break;
      O.gids = num(a, end + 1);
    } else {
      break;
    }
  }
  if (argc - i != 2) {
    fprintf(stderr, "usage: jbox-unpack [--follow] [--max-bytes N] [--max-entries N] [--max-path N] "
                    "[--min-free N] [--owners none|direct|deferred:UIDS:GIDS] BLOB DEST\n");
    return 2;
  }
  /* the JVM gone (killed mid-pull), nothing is left unpacking behind it */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  O.blob = argv[i];
  O.dest = argv[i + 1];
  partial = xmalloc(strlen(O.blob) + 9);
  sprintf(partial, "%s.partial", O.blob);
  umask_now = umask(0);
  umask(umask_now);
  /* a deep tree replaced holds a descriptor per level while it is removed */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  S.in = xmalloc(INCAP);
  S.out = xmalloc(OUTCAP);
  /* the format, from the first bytes, before anything is created */
  while (S.in_len < 4 && !S.in_eof) fill();
  if (S.in_len >= 4 && S.in[0] == 0x28 && S.in[1] == 0xb5 && S.in[2] == 0x2f && S.in[3] == 0xfd) return 3;
  if (S.in_len >= 2 && S.in[0] == 0x1f && S.in[1] == 0x8b) {
    S.gzip = 1;
    S.between = 1;
    S.st = xmalloc(sizeof *S.st);
    isal_inflate_init(S.st);
    S.st->crc_flag = ISAL_GZIP;
  } else {
    /* plain: what was read to look is the stream's first bytes */
    memcpy(S.out, S.in, S.in_len);
    S.out_len = S.in_len;
    S.in_len = 0;
  }
  S.md = EVP_MD_CTX_new();
  if (!S.md || EVP_DigestInit_ex(S.md, EVP_sha256(), NULL) != 1) die("sha256: cannot initialise");

  if (mkdir(O.dest, 0700) < 0) die("cannot create %s: %s", O.dest, strerror(errno));
  rootfd = open(O.dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0) die("cannot open %s: %s", O.dest, strerror(errno));
  dest_abs = realpath(O.dest, NULL);
  if (!dest_abs) die("cannot resolve %s: %s", O.dest, strerror(errno));
  check_free();
  if (S.out_len) { /* the plain stream's first bytes, read before the format was known */
    if (EVP_DigestUpdate(S.md, S.out, S.out_len) != 1) die("sha256 failed");
    S.count = S.out_len;
    if (S.count > O.max_bytes) die("larger than %llu bytes after decompression, the limit storage.max_layer_size sets in jbox.toml", (unsigned long long)O.max_bytes);
  }

  struct rec *root = map_put(&dirs, "");
  root->a = 0755;
  root->c = 0;
  root->epoch = ++clock_;

  tar_init(&tr, get, NULL, (size_t)O.max_path);
  struct tar_entry e;
  int r;
  while ((r = tar_next(&tr, &e)) == 1) {
    if (++entries > O.max_entries) {
      die("more than %llu entries (limit JBOX_UNPACK_MAX_ENTRIES)", (unsigned long long)O.max_entries);
    }
    apply(&e);
    tar_entry_free(&e);
  }
  if (r < 0) tar_die();
  /* the diff id covers the whole uncompressed stream, the trailing zero blocks too */
  const uint8_t *p;
  while (get(NULL, &p, OUTCAP) > 0) {
  }
  unsigned char md[32];
  unsigned mdlen;
  if (EVP_DigestFinal_ex(S.md, md, &mdlen) != 1) die("sha256 failed");
  finish_dirs();

  printf("ok\ndiffid sha256:");
  for (unsigned k = 0; k < 32; k++) printf("%02x", md[k]);
  printf("\nentries %llu\nbytes %llu\ndevices %llu\nxattrs-skipped %llu\n", (unsigned long long)entries,
         (unsigned long long)S.count, (unsigned long long)devices, (unsigned long long)xattrs_skipped);
  const char *df = device_first ? device_first : "";
  printf("device-first %zu\n", strlen(df));
  fwrite(df, 1, strlen(df), stdout);
  size_t n;
  struct rec **l = live(&owners, &n);
  qsort(l, n, sizeof *l, by_key);
  char *list = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&list, &len);
  if (!m) die("out of memory");
  for (size_t k = 0; k < n; k++) {
    if (l[k]->c < 0) fprintf(m, "%lld %lld - %s", (long long)l[k]->a, (long long)l[k]->b, l[k]->key);
    else fprintf(m, "%lld %lld %llo %s", (long long)l[k]->a, (long long)l[k]->b, (unsigned long long)(l[k]->c & 07777), l[k]->key);
    fputc(0, m);
  }
  fclose(m);
  printf("owners %zu\n", len);
  fwrite(list, 1, len, stdout);
  if (fflush(stdout) != 0) die("cannot write the result: %s", strerror(errno));
  return 0;
}
