/* The prepared start's KEY (prestart.c): the decoder on every kind of line and on what it must
 * refuse (every truncation of a valid KEY, an error the JVM saw, a line it cannot split, the stamp
 * out of place), the re-check of each kind against a scratch tree (unchanged: fresh; each change:
 * stale, naming the line), and the private directory's checks (mode, owner's, no symlink, one
 * link). Runs under ASan/UBSan (`make check`). */
#include <fcntl.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "prestart.h"
#include "shell_join.h"

static char *text(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  char *b = malloc(1 << 16);
  *len = fread(b, 1, 1 << 16, f);
  fclose(f);
  return b;
}

static int parses(const char *s) {
  struct prestart_key k;
  int r = prestart_key_parse(s, strlen(s), &k);
  if (r == 0) prestart_key_free(&k);
  return r == 0;
}

#define STAMP "jbox-prestart 1\njar 1 2 3 /j\nhelper 4 5 6 /h\n"

static void decoder(void) {
  size_t len;
  char *all = text("fuzz/corpus/fuzz_prestart/key-all-kinds", &len);
  struct prestart_key k;
  CHECK(prestart_key_parse(all, len, &k) == 0);
  CHECK(k.nlines == 17);
  CHECK(k.lines[0].kind == KEY_JAR && k.lines[0].n[0] == 1 && k.lines[0].n[2] == 3 && !strcmp(k.lines[0].a, "/a/jbox.jar"));
  CHECK(k.lines[1].kind == KEY_HELPER && !strcmp(k.lines[1].a, "/a/jbox helper")); /* the path last: spaces kept */
  CHECK(k.lines[2].kind == KEY_VALUE && !strcmp(k.lines[2].a, "options") && !strcmp(k.lines[2].b, "{}"));
  CHECK(k.lines[5].kind == KEY_ENV && k.lines[5].absent && !strcmp(k.lines[5].a, "X"));
  CHECK(k.lines[6].kind == KEY_STAT && !strcmp(k.lines[6].b, "40755") && !strcmp(k.lines[6].a, "/h"));
  CHECK(k.lines[7].kind == KEY_STAT && k.lines[7].absent);
  CHECK(k.lines[9].kind == KEY_LSTAT && !strcmp(k.lines[9].a, "/h/a\\b\nc")); /* the JVM's escapes undone */
  CHECK(k.lines[10].kind == KEY_REAL && !strcmp(k.lines[10].b, "/h"));
  CHECK(k.lines[12].kind == KEY_ACCESS_X && k.lines[12].absent);
  CHECK(k.lines[13].kind == KEY_READ && strlen(k.lines[13].b) == 64);
  CHECK(k.lines[15].kind == KEY_VALUE && !strcmp(k.lines[15].b, "u from /etc/passwd from /etc/nsswitch.conf"));
  prestart_key_free(&k);
  /* every truncation: refused unless it ends a line after the stamp (then a shorter valid KEY) */
  for (size_t n = 0; n < len; n++) {
    int ok = prestart_key_parse(all, n, &k) == 0;
    if (ok) prestart_key_free(&k);
    CHECK(!ok || (all[n - 1] == '\n' && n >= strlen("jbox-prestart 1\njar 1 2 3 /a/jbox.jar\nhelper 4 5 6 /a/jbox helper\n")));
  }
  free(all);
  CHECK(parses(STAMP));
  CHECK(!parses("jbox-prestart 2\njar 1 2 3 /j\nhelper 4 5 6 /h\n"));       /* another version */
  CHECK(!parses("jbox-prestart 1\nhelper 4 5 6 /h\njar 1 2 3 /j\n"));       /* the stamp's order */
  CHECK(!parses("jbox-prestart 1\njar 1 2 3 /j\n"));                        /* no helper */
  CHECK(!parses("jbox-prestart 1\njar 1 2 3 /j\nenv A=b\nhelper 4 5 6 /h\n")); /* an input before the stamp */
  CHECK(!parses(STAMP "jar 1 2 3 /j\n"));                                   /* a third stamp */
  CHECK(!parses("jbox-prestart 1\njar 01 2 3 /j\nhelper 4 5 6 /h\n"));      /* not canonical */
  CHECK(!parses("jbox-prestart 1\njar 1 2 99999999999999999999 /j\nhelper 4 5 6 /h\n")); /* past 2^64 */
  CHECK(!parses("jbox-prestart 1\njar 1 2 3 j\nhelper 4 5 6 /h\n"));        /* relative */
  CHECK(!parses(STAMP "stat /x error AccessDeniedException\n"));          /* an error: never re-checked */
  CHECK(!parses(STAMP "read /x error IOException\n"));
  CHECK(!parses(STAMP "real /x error NoSuchFileException\n"));
  CHECK(!parses(STAMP "real /a b /c\n"));                                 /* two paths, a space: in doubt */
  CHECK(!parses(STAMP "stat x mode=40755\n"));                            /* relative */
  CHECK(!parses(STAMP "stat /x mode=9\n"));
  CHECK(!parses(STAMP "read /x sha256 abc\n"));
  CHECK(!parses(STAMP "access-x /x maybe\n"));
  CHECK(!parses(STAMP "chmod /x 1\n"));                                   /* an unknown kind */
  CHECK(!parses(STAMP "env =x\n"));
  CHECK(!parses(STAMP "env X gone\n"));
  CHECK(!parses(STAMP "stat /a\\tb absent\n")); /* an escape the JVM does not write */
  CHECK(!parses(STAMP "stat /a absent"));        /* no final newline: truncated */
  CHECK(!parses("jbox-prestart 1\njar 1 2 3 /j\0\nhelper 4 5 6 /h\n"));
  CHECK(parses(STAMP "stat /a b absent\n")); /* one path: its spaces kept */
  CHECK(parses(STAMP "env X=a unset\n"));   /* a value that reads like a word */
}

static char dir[256];

static int check_key(const char *key, char *why, size_t wl) {
  struct prestart_key k;
  char jar[PATH_MAX], helper[PATH_MAX];
  snprintf(jar, sizeof jar, "%s/jar", dir);
  snprintf(helper, sizeof helper, "%s/helper", dir);
  if (prestart_key_parse(key, strlen(key), &k)) return -2;
  struct prestart_call c = {.options = "{}", .store = "/run/s", .jar = jar, .helper = helper};
  int r = prestart_key_check(&k, &c, why, wl);
  prestart_key_free(&k);
  return r;
}

static void stampline(char *out, size_t ol, const char *kind, const char *name) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  struct stat st;
  if (stat(p, &st)) exit(1);
  snprintf(out, ol, "%s %llu %llu %llu %s\n", kind, (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
           (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec, p);
}

static void put(const char *name, const char *s) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  fputs(s, f);
  fclose(f);
}

static void recheck(void) {
  snprintf(dir, sizeof dir, "/tmp/test-prestart-XXXXXX");
  if (!mkdtemp(dir)) exit(1);
  put("jar", "jar");
  put("helper", "helper");
  put("toml", "hide = []\n");
  char p[PATH_MAX], s1[PATH_MAX + 100], s2[PATH_MAX + 100], key[1 << 14];
  snprintf(p, sizeof p, "%s/bin", dir);
  put("bin", "#!/bin/sh\n");
  chmod(p, 0755);
  snprintf(p, sizeof p, "%s/link", dir);
  symlink("toml", p);
  stampline(s1, sizeof s1, "jar", "jar");
  stampline(s2, sizeof s2, "helper", "helper");
  unsigned char d[32];
  sha256("hide = []\n", 10, d);
  char h[65];
  for (int i = 0; i < 32; i++) snprintf(h + 2 * i, 3, "%02x", d[i]);
  setenv("PRESTART_T", "v", 1);
  unsetenv("PRESTART_U");
  snprintf(key, sizeof key,
           "jbox-prestart 1\n%s%s"
           "value options={}\nvalue command=given\nvalue tty=true\nvalue store=/run/s\n"
           "stat %s mode=40700\nstat %s/ssh absent\nlstat %s/link mode=120777\nstat %s/link mode=100644\n"
           "access-x %s/bin yes\naccess-x %s/toml no\nread %s/toml sha256 %s\nread %s/none absent\nreal %s/link %s/toml\n"
           "env PRESTART_T=v\nenv PRESTART_U unset\nvalue ids=%u:%u from /proc/self/status\n",
           s1, s2, dir, dir, dir, dir, dir, dir, dir, h, dir, dir, dir, (unsigned)getuid(), (unsigned)getgid());
  char why[PATH_MAX + 64];
  chmod(dir, 0700);
  chmod(p, 0644);
  snprintf(p, sizeof p, "%s/toml", dir);
  chmod(p, 0644);
  int r = check_key(key, why, sizeof why);
  CHECK(r == 0);
  if (r) fprintf(stderr, "  (why: %s)\n%s", why, key);
  /* each kind changed: stale, and the line named */
  put("toml", "hide = [\"x\"]\n");
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "/toml"));
  put("toml", "hide = []\n");
  CHECK(check_key(key, why, sizeof why) == 0);
  snprintf(p, sizeof p, "%s/ssh", dir);
  mkdir(p, 0700);
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "/ssh"));
  rmdir(p);
  CHECK(check_key(key, why, sizeof why) == 0);
  snprintf(p, sizeof p, "%s/toml", dir);
  chmod(p, 0600);
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "/link")); /* the stat through the link: its mode */
  chmod(p, 0644);
  snprintf(p, sizeof p, "%s/bin", dir);
  chmod(p, 0644);
  CHECK(check_key(key, why, sizeof why) == -1);
  chmod(p, 0755);
  put("none", "");
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "/none"));
  snprintf(p, sizeof p, "%s/none", dir);
  unlink(p);
  setenv("PRESTART_T", "w", 1);
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "PRESTART_T"));
  setenv("PRESTART_T", "v", 1);
  setenv("PRESTART_U", "", 1);
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "PRESTART_U"));
  unsetenv("PRESTART_U");
  CHECK(check_key(key, why, sizeof why) == 0);
  /* the stamp: another jar or helper (its size, its time) */
  put("jar", "jar2");
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "another jar"));
  put("jar", "jar");
  char jp[PATH_MAX];
  snprintf(jp, sizeof jp, "%s/jar", dir);
  struct timespec ts[2] = {{1, 0}, {1, 0}};
  CHECK(utimensat(AT_FDCWD, jp, ts, 0) == 0);
  CHECK(check_key(key, why, sizeof why) == -1 && strstr(why, "another jar")); /* the same bytes, another time */
  /* the call's options and store; a value it cannot derive */
  char key2[1 << 14];
  char *v = strstr(key, "value options={}");
  stampline(s1, sizeof s1, "jar", "jar");
  snprintf(key2, sizeof key2, "jbox-prestart 1\n%s%svalue options={project=[x]}\n", s1, s2);
  CHECK(check_key(key2, why, sizeof why) == -1 && strstr(why, "options"));
  snprintf(key2, sizeof key2, "jbox-prestart 1\n%s%svalue store=/run/other\n", s1, s2);
  CHECK(check_key(key2, why, sizeof why) == -1 && strstr(why, "store"));
  snprintf(key2, sizeof key2, "jbox-prestart 1\n%s%svalue weather=fine\n", s1, s2);
  CHECK(check_key(key2, why, sizeof why) == -1 && strstr(why, "weather"));
  snprintf(key2, sizeof key2, "jbox-prestart 1\n%s%senv JBOX_HELPER=/x\n", s1, s2);
  CHECK(check_key(key2, why, sizeof why) == -1); /* the launcher sets it for the JVM: not what it saw */
  snprintf(key2, sizeof key2, "jbox-prestart 1\n%s%s%s", s1, s2, v);
  CHECK(check_key(key2, why, sizeof why) == 0);
}

/* the private directory: projects/ID.prestart/key */
static void private_dir(void) {
  char root[PATH_MAX], p[PATH_MAX + 64], why[PATH_MAX + 64];
  size_t len;
  snprintf(root, sizeof root, "%s/root", dir);
  mkdir(root, 0700);
  snprintf(p, sizeof p, "%s/projects", root);
  mkdir(p, 0700);
  CHECK(prestart_key_read(root, "0123", &len, why, sizeof why) == NULL && strstr(why, "none"));
  snprintf(p, sizeof p, "%s/projects/0123.prestart", root);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/projects/0123.prestart/key", root);
  int fd = open(p, O_CREAT | O_WRONLY, 0600);
  CHECK(write(fd, STAMP, strlen(STAMP)) == (ssize_t)strlen(STAMP));
  close(fd);
  char *t = prestart_key_read(root, "0123", &len, why, sizeof why);
  CHECK(t && len == strlen(STAMP) && !memcmp(t, STAMP, len));
  free(t);
  chmod(p, 0640);
  CHECK(prestart_key_read(root, "0123", &len, why, sizeof why) == NULL && strstr(why, "0600"));
  chmod(p, 0600);
  char other[PATH_MAX + 64];
  snprintf(other, sizeof other, "%s/hardlink", dir);
  CHECK(link(p, other) == 0);
  CHECK(prestart_key_read(root, "0123", &len, why, sizeof why) == NULL); /* a second name: someone else's way in */
  unlink(other);
  snprintf(p, sizeof p, "%s/projects/0123.prestart", root);
  chmod(p, 0755);
  CHECK(prestart_key_read(root, "0123", &len, why, sizeof why) == NULL && strstr(why, "0700"));
  chmod(p, 0700);
  /* a symlink in place of projects/ (another root whose projects/ is this one's) */
  char root2[PATH_MAX], pl[PATH_MAX + 64], pt[PATH_MAX + 64];
  snprintf(root2, sizeof root2, "%s/root2", dir);
  mkdir(root2, 0700);
  snprintf(pl, sizeof pl, "%s/projects", root2);
  snprintf(pt, sizeof pt, "%s/projects", root);
  CHECK(symlink(pt, pl) == 0);
  CHECK(prestart_key_read(root2, "0123", &len, why, sizeof why) == NULL);
  /* a symlink in place of the directory, or of the file */
  snprintf(other, sizeof other, "%s/projects/4567.prestart", root);
  CHECK(symlink(p, other) == 0);
  CHECK(prestart_key_read(root, "4567", &len, why, sizeof why) == NULL);
  snprintf(other, sizeof other, "%s/projects/0123.prestart/key", root);
  snprintf(p, sizeof p, "%s/projects/0123.prestart/real", root);
  CHECK(rename(other, p) == 0);
  CHECK(symlink("real", other) == 0);
  CHECK(prestart_key_read(root, "0123", &len, why, sizeof why) == NULL);
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

/* ---- the start template ---------------------------------------------------------------------- */

struct rec {
  unsigned tag;
  const char *v;
  size_t len;
};
#define R(tag, lit) {tag, lit, sizeof lit - 1}
#define M64 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* a start template as ShellSandboxes.writePrestart writes one (a host-root shell, --network none) */
static const struct rec start_recs[] = {
    R(T_ENV, "container=jbox"), R(T_ENV, "JBOX_SANDBOX=app"), R(T_ENV, "debian_chroot=jbox:app"),
    R(T_ENV, "PS1=(jbox:app) \\u@\\h:\\w\\$ "), R(T_CWD, "/home/dev/src/app"), R(T_USER, "1000:1000"),
    R(T_HOSTNAME, "host"), R(T_ROOTFS, "/run/user/1000/jbox/shell-root"), R(T_NS, "user\0new"), R(T_NS, "mnt\0new"),
    R(T_NS, "pid\0new"), R(T_NS, "net\0new"), R(T_NS, "uts\0new"), R(T_NS, "ipc\0new"), R(T_NS, "cgroup\0new"),
    R(T_NS, "time\0new"), R(T_UIDMAP, "1000 1000 1"), R(T_GIDMAP, "1000 1000 1"), R(T_MAPTOOL, "direct"),
    R(T_MOUNT, "bind\0/\0/\0rec,ro"), R(T_MOUNT, "bind\0/run/user/1000/jbox/files/" M64 "/hostname\0/etc/hostname\0"),
    R(T_MOUNT, "tmpfs\0tmpfs\0/tmp\0nosuid,nodev|mode=1777"), R(T_CAPS, "0"), R(T_FLAG, "no-new-privs"),
    R(T_FLAG, "seccomp"), R(T_FLAG, "init"), R(T_FLAG, "stdin"), R(T_FLAG, "loopback"),
    R(T_RMDIR, "/run/user/1000/jbox/files/" M64), R(T_LOCKFILE, "/run/user/1000/jbox/" M64 "/fgstate")};
#define NSTART (sizeof start_recs / sizeof *start_recs)

/* the records (skip: that index left out; extra inserted before index at) encoded with a header */
static char *encode_recs(const struct rec *r, size_t n, size_t skip, const struct rec *extra, size_t at, size_t *len) {
  size_t total = 10;
  for (size_t i = 0; i < n; i++) total += i == skip ? 0 : 6 + r[i].len;
  if (extra) total += 6 + extra->len;
  char *b = malloc(total), *o = b + 10;
  memcpy(b, "JBXP\1\0", 6);
  b[6] = (char)total, b[7] = (char)(total >> 8), b[8] = b[9] = 0;
  for (size_t i = 0; i <= n; i++) {
    const struct rec *x[2] = {extra && i == at ? extra : NULL, i < n && i != skip ? &r[i] : NULL};
    for (int k = 0; k < 2; k++) {
      if (!x[k]) continue;
      o[0] = (char)x[k]->tag, o[1] = 0, o[2] = (char)x[k]->len, o[3] = (char)(x[k]->len >> 8), o[4] = o[5] = 0;
      memcpy(o + 6, x[k]->v, x[k]->len);
      o += 6 + x[k]->len;
    }
  }
  *len = total;
  return b;
}

static int start_parses(const struct rec *r, size_t n, size_t skip, const struct rec *extra, size_t at) {
  size_t len;
  char *b = encode_recs(r, n, skip, extra, at, &len);
  struct prestart_start s;
  int ok = prestart_start_parse(b, len, &s) == 0;
  free(b);
  return ok;
}

static void start_template(void) {
  size_t len;
  char *b = encode_recs(start_recs, NSTART, SIZE_MAX, NULL, 0, &len);
  struct prestart_start s;
  CHECK(prestart_start_parse(b, len, &s) == 0);
  CHECK(s.nenv == 4 && s.name.len == 3 && !memcmp(s.name.p, "app", 3));
  CHECK(s.project.len == 17 && !memcmp(s.project.p, "/home/dev/src/app", 17));
  CHECK(s.nids == 3);
  CHECK(s.head.p && plan_le16((const unsigned char *)s.head.p) == T_USER);
  CHECK(s.tail.p && plan_le16((const unsigned char *)s.tail.p) == T_FLAG && !memcmp(s.tail.p + 6, "stdin", 5));
  CHECK(s.tail.p + s.tail.len == b + len && s.head.p + s.head.len == s.tail.p);
  /* the id put in: three times, nothing else changed, no marker left */
  char *f = malloc(len);
  prestart_fill_id(f, b, len, ID64);
  size_t ids = 0, diff = 0;
  for (size_t i = 0; i < len; i++) diff += f[i] != b[i];
  for (char *p = f; (p = memmem(p, (size_t)(f + len - p), ID64, 64)); p += 64) ids++;
  CHECK(ids == 3 && diff == 3 * 64 && memmem(f, len, M64, 64) == NULL);
  CHECK(memmem(f, len, "/run/user/1000/jbox/" ID64 "/fgstate", 20 + 64 + 8) != NULL);
  free(f);
  /* every truncation refused, the header's length patched to match */
  int bad = 0;
  for (size_t n = 10; n < len; n++) {
    char *t = copy(b, n);
    t[6] = (char)n, t[7] = (char)(n >> 8), t[8] = t[9] = 0;
    bad += prestart_start_parse(t, n, &s) == 0;
    free(t);
  }
  CHECK(bad == 0);
  CHECK(prestart_start_parse(b, len - 1, &s) != 0); /* the header's length */
  free(b);
  /* the fuzzer's seed is this template */
  size_t glen;
  char *g = load_golden("fuzz/corpus/fuzz_prestart/start-template", &glen);
  b = encode_recs(start_recs, NSTART, SIZE_MAX, NULL, 0, &len);
  CHECK(glen == len && !memcmp(g, b, len) && prestart_start_parse(g, glen, &s) == 0);
  free(g);
  free(b);
  /* what it must refuse */
  struct rec tty = R(T_FLAG, "tty"), argv = R(T_ARGV, "sh"), env = R(T_ENV, "A=b"), exec = R(T_EXEC, "1 2"),
             rootfs = R(T_ROOTFS, "/" M64), short_m = R(T_LOCKFILE, "/run/" M64 "/x"),
             lock_plain = R(T_LOCKFILE, "/run/user/1000/jbox/x/fgstate"), nft = R(T_NFT, "/usr/sbin/nft\0x");
  size_t stdin_at = 26, lock_at = NSTART - 1, rootfs_at = 7;
  CHECK(!strcmp(start_recs[stdin_at].v, "stdin") && start_recs[lock_at].tag == T_LOCKFILE && start_recs[rootfs_at].tag == T_ROOTFS);
  CHECK(start_parses(start_recs, NSTART, SIZE_MAX, NULL, 0));
  CHECK(!start_parses(start_recs, NSTART, SIZE_MAX, &tty, stdin_at));           /* the caller's terminal */
  CHECK(!start_parses(start_recs, NSTART, SIZE_MAX, &argv, 0));                 /* a command */
  CHECK(!start_parses(start_recs, NSTART, SIZE_MAX, &env, 5));                  /* an entry after the CWD */
  CHECK(!start_parses(start_recs, NSTART, SIZE_MAX, &exec, NSTART));            /* a join */
  CHECK(!start_parses(start_recs, NSTART, SIZE_MAX, &nft, NSTART));             /* a kind a plain shell has not */
  CHECK(!start_parses(start_recs, NSTART, stdin_at, NULL, 0));                  /* no stdin */
  CHECK(!start_parses(start_recs, NSTART, lock_at, NULL, 0));                   /* no lock file */
  CHECK(!start_parses(start_recs, NSTART, 4, NULL, 0));                         /* no CWD */
  CHECK(!start_parses(start_recs, NSTART, rootfs_at, &rootfs, rootfs_at));      /* the id where it is not the sandbox's */
  CHECK(!start_parses(start_recs, NSTART, lock_at, &lock_plain, lock_at));      /* a lock file without the id */
  CHECK(start_parses(start_recs, NSTART, lock_at, &short_m, lock_at));          /* (the twin: a marker there) */
  CHECK(!start_parses(start_recs, NSTART, 5, &start_recs[5], 7));               /* USER after ROOTFS: out of order */
  /* a run of 63 `@` is text (pasta's argv has `@PID@`), so a lock file with it has no id; 65 is refused anywhere */
  struct rec m63 = R(T_LOCKFILE, "/run/" M64), m65 = R(T_LOCKFILE, "/run/@" M64), m65m = R(T_MOUNT, "bind\0/@" M64 "\0/x\0"),
             at = R(T_NETWORK, "/usr/bin/pasta\0@PID@\0@@");
  m63.len--;
  CHECK(!start_parses(start_recs, NSTART, lock_at, &m63, lock_at));
  CHECK(!start_parses(start_recs, NSTART, lock_at, &m65, lock_at));
  CHECK(!start_parses(start_recs, NSTART, SIZE_MAX, &m65m, 21));
  CHECK(start_parses(start_recs, NSTART, SIZE_MAX, &at, NSTART - 2)); /* the twin: short runs are text */
  /* a value plan_decode refuses (a relative mount target) */
  struct rec rel = R(T_MOUNT, "tmpfs\0tmpfs\0tmp\0");
  CHECK(!start_parses(start_recs, NSTART, 21, &rel, 21));
}

int main(void) {
  decoder();
  recheck();
  private_dir();
  start_template();
  printf("prestart: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
