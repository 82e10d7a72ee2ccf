/* The prepared start of a project's new `jbox shell` sandbox: the KEY (PROTOCOL.md "Preparing a
 * project's next sandbox"; issue 12).
 *
 * When the JVM starts a project's new sandbox for `jbox shell` (or `jbox shell --project DIR`),
 * dev.jbox.PolicyInputs has noted every input of the policy it computed: each path's stat or
 * lstat (type and mode) or absence, the SHA-256 of each file read, each real path, each access
 * check, each environment variable, each value derived (the user's name, the store). It writes
 * them, after a stamp of the jar and the helper that computed them, to
 * $XDG_RUNTIME_DIR/jbox/projects/ID.prestart/key (0700 directory, 0600 file). The launcher, for a
 * `jbox shell` of a project whose sandbox does not run, reads that file (the directory and the
 * file its own, no symlink, fstat on what it opened) and re-checks every line against the host as
 * it is now; any line it does not know, cannot split without doubt, or finds changed means the
 * policy may differ: the JVM computes it (and writes a fresh KEY). */
#include "prestart.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan.h"
#include "shell_join.h"
#include "util.h"

/* ---- the decoder --------------------------------------------------------------------------------- */

void prestart_key_free(struct prestart_key *k) {
  free(k->text);
  free(k->lines);
  k->text = NULL;
  k->lines = NULL;
  k->nlines = 0;
}

/* the last space of s (before end), or NULL */
static char *last_space(char *s, char *end) {
  for (char *p = end; p > s;)
    if (*--p == ' ') return p;
  return NULL;
}

static int all_of(const char *s, const char *set) { return *s && strspn(s, set) == strlen(s); }

/* a decimal below 2^64 without sign or leading zero */
static int number(const char *s, unsigned long long *v) {
  if (!all_of(s, "0123456789") || strlen(s) > 20 || (s[0] == '0' && s[1])) return -1;
  errno = 0;
  char *e;
  *v = strtoull(s, &e, 10);
  return errno || *e ? -1 : 0;
}

/* Splits the decoded line l (NUL-terminated, no newline) into kind and fields. */
static int parse_line(char *l, struct key_line *out) {
  char *end = l + strlen(l);
  char *sp = strchr(l, ' ');
  if (!sp) return -1;
  *sp = '\0';
  char *rest = sp + 1;
  memset(out, 0, sizeof *out);
  if (!strcmp(l, "stat") || !strcmp(l, "lstat") || !strcmp(l, "read") || !strcmp(l, "access-x")) {
    out->kind = !strcmp(l, "stat") ? KEY_STAT : !strcmp(l, "lstat") ? KEY_LSTAT : !strcmp(l, "read") ? KEY_READ : KEY_ACCESS_X;
    char *t = last_space(rest, end);
    if (!t || t == rest) return -1;
    *t = '\0';
    char *tail = t + 1;
    if (out->kind == KEY_ACCESS_X) {
      if (strcmp(tail, "yes") && strcmp(tail, "no")) return -1;
      out->absent = !strcmp(tail, "no");
    } else if (!strcmp(tail, "absent")) {
      out->absent = 1;
    } else if (out->kind == KEY_READ) {
      char *u = last_space(rest, t);
      if (!u || u == rest || strcmp(u + 1, "sha256") || strlen(tail) != 64 || !all_of(tail, "0123456789abcdef")) return -1;
      *u = '\0';
      out->b = tail;
    } else {
      if (strncmp(tail, "mode=", 5) || !all_of(tail + 5, "01234567") || strlen(tail + 5) > 7) return -1;
      out->b = tail + 5;
    }
    out->a = rest;
    return rest[0] == '/' ? 0 : -1;
  }
  if (!strcmp(l, "real")) {
    /* two paths: only without doubt where the line has exactly one space */
    char *t = strchr(rest, ' ');
    if (!t || strchr(t + 1, ' ') || rest[0] != '/' || t[1] != '/') return -1;
    *t = '\0';
    out->kind = KEY_REAL, out->a = rest, out->b = t + 1;
    return 0;
  }
  if (!strcmp(l, "env") || !strcmp(l, "value")) {
    out->kind = !strcmp(l, "env") ? KEY_ENV : KEY_VALUE;
    size_t n = strcspn(rest, "= ");
    if (n == 0) return -1;
    if (rest[n] == '=') {
      rest[n] = '\0';
      out->a = rest, out->b = rest + n + 1;
      return 0;
    }
    if (out->kind == KEY_ENV && rest[n] == ' ' && !strcmp(rest + n + 1, "unset")) {
      rest[n] = '\0';
      out->a = rest, out->absent = 1;
      return 0;
    }
    return -1;
  }
  if (!strcmp(l, "jar") || !strcmp(l, "helper")) {
    /* INODE SIZE MTIME_NS PATH (the path last: it may hold spaces) */
    out->kind = !strcmp(l, "jar") ? KEY_JAR : KEY_HELPER;
    char *f = rest;
    for (int i = 0; i < 3; i++) {
      char *t = strchr(f, ' ');
      if (!t) return -1;
      *t = '\0';
      if (number(f, &out->n[i])) return -1;
      f = t + 1;
    }
    if (f[0] != '/') return -1;
    out->a = f;
    return 0;
  }
  return -1;
}

int prestart_key_parse(const char *buf, size_t len, struct prestart_key *k) {
  memset(k, 0, sizeof *k);
  if (len > PRESTART_KEY_MAX || memchr(buf, '\0', len)) return -1;
  size_t vl = strlen(PRESTART_VERSION);
  if (len < vl + 1 || memcmp(buf, PRESTART_VERSION "\n", vl + 1)) return -1;
  if (buf[len - 1] != '\n') return -1; /* a truncated file */
  k->text = malloc(len + 1);
  size_t cap = 0;
  for (size_t i = 0; i < len; i++) cap += buf[i] == '\n';
  if (cap > PRESTART_MAX_LINES + 1) goto bad;
  k->lines = calloc(cap ? cap : 1, sizeof *k->lines);
  if (!k->text || !k->lines) goto bad;
  int stamps = 0;
  size_t i = vl + 1, w = 0;
  while (i < len) {
    /* one line, its escapes undone into text */
    char *line = k->text + w;
    for (; buf[i] != '\n'; i++) {
      char c = buf[i];
      if (c == '\\') {
        if (buf[i + 1] == '\\') c = '\\';
        else if (buf[i + 1] == 'n') c = '\n';
        else goto bad;
        i++;
      }
      k->text[w++] = c;
    }
    k->text[w++] = '\0';
    i++;
    struct key_line *kl = &k->lines[k->nlines];
    if (parse_line(line, kl)) goto bad;
    /* the stamp first, then the inputs */
    if (kl->kind == KEY_JAR || kl->kind == KEY_HELPER) {
      if ((int)k->nlines != stamps || (kl->kind == KEY_JAR) != (stamps == 0) || ++stamps > 2) goto bad;
    } else if (stamps != 2) {
      goto bad;
    }
    k->nlines++;
  }
  if (stamps != 2) goto bad;
  return 0;
bad:
  prestart_key_free(k);
  return -1;
}

/* ---- the check ----------------------------------------------------------------------------------- */

static void say(char *why, size_t wl, const char *what, const char *a) { snprintf(why, wl, "%s %s", what, a ? a : ""); }

/* the octal digits of st_mode as Java's Integer.toOctalString */
static void octal(unsigned m, char out[16]) { snprintf(out, 16, "%o", m); }

static int check_stat(const struct key_line *l) {
  struct stat st;
  int r = l->kind == KEY_LSTAT ? lstat(l->a, &st) : stat(l->a, &st);
  if (r < 0) return l->absent && errno == ENOENT ? 0 : -1;
  if (l->absent) return -1;
  char m[16];
  octal(st.st_mode, m);
  return strcmp(m, l->b) ? -1 : 0;
}

static int check_read(const struct key_line *l) {
  autofd int fd = open(l->a, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return l->absent && errno == ENOENT ? 0 : -1;
  struct stat st;
  if (l->absent || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) return -1;
  char *text;
  ssize_t n = read_all(fd, &text, PRESTART_READ_MAX);
  if (n < 0) return -1;
  unsigned char d[32];
  sha256(text, (size_t)n, d);
  free(text);
  char h[65];
  hex_encode(d, 32, h);
  return strcmp(h, l->b) ? -1 : 0;
}

/* user.name as the JVM's getpwuid gives it, where that is /etc/passwd alone (nsswitch's passwd
 * line `files`, or absent: glibc's default then is files too); else -1 */
static int passwd_name(char *name, size_t nl) {
  size_t n;
  autofree char *ns = read_small(AT_FDCWD, "/etc/nsswitch.conf", 1 << 16, &n);
  if (ns) {
    int ok = 0;
    for (char *l = ns; l < ns + n;) {
      char *e = memchr(l, '\n', (size_t)(ns + n - l));
      size_t ll = e ? (size_t)(e - l) : (size_t)(ns + n - l);
      if (ll >= 7 && !strncmp(l, "passwd:", 7)) {
        char v[256];
        snprintf(v, sizeof v, "%.*s", (int)(ll - 7), l + 7);
        char *s = v + strspn(v, " \t");
        size_t sl = strlen(s);
        while (sl && (s[sl - 1] == ' ' || s[sl - 1] == '\t')) s[--sl] = '\0';
        /* `files`, or `files systemd` (systemd's own users are not a login's) */
        ok = !strcmp(s, "files") || !strcmp(s, "files systemd") || !strcmp(s, "compat");
        break;
      }
      l += ll + 1;
    }
    if (!ok) return -1;
  }
  autofree char *pw = read_small(AT_FDCWD, "/etc/passwd", 1 << 22, &n);
  if (!pw) return -1;
  char uid[24];
  snprintf(uid, sizeof uid, "%u", (unsigned)getuid());
  for (char *l = pw; l < pw + n;) {
    char *e = memchr(l, '\n', (size_t)(pw + n - l));
    size_t ll = e ? (size_t)(e - l) : (size_t)(pw + n - l);
    char *c1 = memchr(l, ':', ll);
    char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - l)) : NULL;
    char *c3 = c2 ? memchr(c2 + 1, ':', ll - (size_t)(c2 + 1 - l)) : NULL;
    if (c3 && (size_t)(c3 - c2 - 1) == strlen(uid) && !memcmp(c2 + 1, uid, strlen(uid))) {
      if ((size_t)(c1 - l) >= nl) return -1;
      snprintf(name, nl, "%.*s", (int)(c1 - l), l);
      return 0;
    }
    l += ll + 1;
  }
  return -1;
}

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* DefaultMounts.thermalThrottle: /sys/devices/system/cpu/cpu[0-9]* /thermal_throttle directories, sorted, joined by commas */
static int thermal_throttle(char *out, size_t ol) {
  const char *cpus = "/sys/devices/system/cpu";
  out[0] = '\0';
  DIR *d = opendir(cpus);
  if (!d) return 0;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *nm = e->d_name;
    if (strlen(nm) < 4 || strncmp(nm, "cpu", 3) || nm[3] < '0' || nm[3] > '9') continue;
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s/thermal_throttle", cpus, nm);
    if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
    if (n == cap) {
      char **m = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
      if (!m) { rc = -1; break; }
      names = m;
    }
    if (!(names[n] = strdup(p))) { rc = -1; break; }
    n++;
  }
  closedir(d);
  if (!rc && n) qsort(names, n, sizeof *names, by_str); /* qsort(NULL, 0) is undefined */
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (!rc) {
      int k = snprintf(out + w, ol - w, "%s%s", i ? "," : "", names[i]);
      if (k < 0 || (size_t)k >= ol - w) rc = -1;
      else w += (size_t)k;
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

/* whether the file now is the one stamped: inode, size and modification time (ns) */
static int same_file(const struct key_line *l, const char *path) {
  struct stat st;
  if (!path || strcmp(path, l->a) || stat(path, &st) < 0) return -1;
  unsigned long long mt = (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec;
  return st.st_ino == l->n[0] && (unsigned long long)st.st_size == l->n[1] && mt == l->n[2] ? 0 : -1;
}

static int check_value(const struct key_line *l, const struct prestart_call *c) {
  const char *n = l->a;
  /* the call's own: the plan is filled with them */
  if (!strcmp(n, "command") || !strcmp(n, "tty")) return 0;
  if (!strcmp(n, "options")) return c->options && !strcmp(l->b, c->options) ? 0 : -1;
  /* a run's words, as a hash (RunPrepared.argvHash): a shell's KEY has none */
  if (!strcmp(n, "argv")) return c->argv && !strcmp(l->b, c->argv) ? 0 : -1;
  if (!strcmp(n, "store")) return c->store && !strcmp(l->b, c->store) ? 0 : -1;
  if (!strcmp(n, "ids")) {
    char v[64];
    snprintf(v, sizeof v, "%u:%u from /proc/self/status", (unsigned)getuid(), (unsigned)getgid());
    return strcmp(l->b, v) ? -1 : 0;
  }
  if (!strcmp(n, "user.name")) {
    char name[256], v[512];
    if (passwd_name(name, sizeof name)) return -1;
    snprintf(v, sizeof v, "%s from /etc/passwd from /etc/nsswitch.conf", name);
    return strcmp(l->b, v) ? -1 : 0;
  }
  if (!strcmp(n, "thermal-throttle")) {
    static char v[1 << 16];
    if (thermal_throttle(v, sizeof v - 40)) return -1;
    strcat(v, " from /sys/devices/system/cpu");
    return strcmp(l->b, v) ? -1 : 0;
  }
  return -1; /* a value this helper cannot derive */
}

int prestart_key_check(const struct prestart_key *k, const struct prestart_call *c, char *why, size_t wl) {
  for (size_t i = 0; i < k->nlines; i++) {
    const struct key_line *l = &k->lines[i];
    int r = -1;
    char real[PATH_MAX];
    const char *what = "changed:";
    switch (l->kind) {
    case KEY_JAR:
      r = same_file(l, c->jar), what = "another jar:";
      break;
    case KEY_HELPER:
      r = same_file(l, c->helper), what = "another helper:";
      break;
    case KEY_STAT:
    case KEY_LSTAT:
      r = check_stat(l);
      break;
    case KEY_ACCESS_X:
      r = (access(l->a, X_OK) == 0) == !l->absent ? 0 : -1;
      break;
    case KEY_READ:
      r = check_read(l);
      break;
    case KEY_REAL:
      r = realpath(l->a, real) && !strcmp(real, l->b) ? 0 : -1;
      break;
    case KEY_ENV: {
      /* the launcher changes these for the JVM (jvm_utf8_locale, JBOX_HOME, JBOX_HELPER): not
       * what the JVM saw */
      if (!strcmp(l->a, "LC_ALL") || !strcmp(l->a, "LC_CTYPE") || !strcmp(l->a, "JBOX_HOME") || !strcmp(l->a, "JBOX_HELPER") ||
          !strcmp(l->a, "JBOX_TRACE_ORIGIN")) {
        what = "not re-checked:";
        break;
      }
      const char *v = getenv(l->a);
      r = l->absent ? (v ? -1 : 0) : (v && !strcmp(v, l->b) ? 0 : -1);
      break;
    }
    case KEY_VALUE:
      r = check_value(l, c);
      break;
    }
    if (r) {
      say(why, wl, what, l->a);
      return -1;
    }
  }
  return 0;
}

/* ---- the private directory ----------------------------------------------------------------------- */

char *prestart_key_read(const char *root, const char *pid16, size_t *len, char *why, size_t wl) {
  return prestart_read(root, pid16, "key", PRESTART_KEY_MAX, len, why, wl);
}

char *prestart_read(const char *root, const char *pid16, const char *file, size_t max, size_t *len, char *why, size_t wl) {
  char name[96];
  snprintf(name, sizeof name, "%s.prestart", pid16);
  return prepared_read(root, "projects", name, file, max, len, why, wl);
}

char *prepared_read(const char *root, const char *sub, const char *name, const char *file, size_t max, size_t *len, char *why,
                    size_t wl) {
  char dir[PATH_MAX];
  int n = snprintf(dir, sizeof dir, "%s/%s/%s", root, sub, name);
  if (n < 0 || (size_t)n >= sizeof dir) {
    say(why, wl, "too long:", root);
    return NULL;
  }
  struct stat st;
  /* each directory from the runtime directory down opened without following a symlink */
  autofd int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  autofd int pfd = rfd < 0 ? -1 : openat(rfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  autofd int dfd = pfd < 0 ? -1 : openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    say(why, wl, errno == ENOENT ? "none:" : "cannot open:", dir);
    return NULL;
  }
  if (fstat(dfd, &st) < 0 || st.st_uid != getuid() || (st.st_mode & 0777) != 0700) {
    say(why, wl, "not the caller's own 0700 directory:", dir);
    return NULL;
  }
  autofd int fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 07777) != 0600 ||
      st.st_nlink != 1) {
    say(why, wl, fd < 0 && errno == ENOENT ? "none:" : "not the caller's own 0600 file:", file);
    return NULL;
  }
  char *text;
  ssize_t r = read_all(fd, &text, max);
  if (r < 0) {
    say(why, wl, "unreadable or too large:", file);
    return NULL;
  }
  *len = (size_t)r;
  return text;
}

/* ---- the start template ---------------------------------------------------------------------- */

/* The next marker in v from i on: its offset, or -1; -2 for a run of `@` longer than a marker
 * (the launcher could not tell where the id goes). Shorter runs are text (pasta's `@PID@`): the
 * JVM writes no template whose plan had a run of 64 before the id was replaced. */
long prestart_next_marker(const char *v, size_t len, size_t i) {
  while (i < len) {
    if (v[i] != '@') {
      i++;
      continue;
    }
    size_t j = i;
    while (j < len && v[j] == '@') j++;
    if (j - i > PRESTART_ID_LEN) return -2;
    if (j - i == PRESTART_ID_LEN) return (long)i;
    i = j;
  }
  return -1;
}

static int word_is(const char *v, size_t len, const char *w) { return len == strlen(w) && !memcmp(v, w, len); }

int prestart_start_parse(const char *buf, size_t len, struct prestart_start *s) {
  memset(s, 0, sizeof *s);
  const unsigned char *u = (const unsigned char *)buf;
  if (!plan_header_ok(buf, len, PRESTART_START_MAX)) return -1;
  unsigned last = 0;
  int stdin_seen = 0, lock_ids = 0;
  const char *head = NULL;
  for (size_t off = 10; off < len;) {
    if (len - off < 6) return -1;
    unsigned tag = plan_le16(u + off);
    uint32_t vlen = plan_le32(u + off + 2);
    if (vlen > len - off - 6) return -1;
    const char *v = buf + off + 6;
    if (tag == T_ENV) {
      if (s->project.p || s->nenv >= PRESTART_MAX_MARKERS || vlen == 0 || v[0] == '=' || !memchr(v, '=', vlen) ||
          memchr(v, '\0', vlen))
        return -1;
      s->env[s->nenv++] = (struct span){v, vlen};
      if (vlen >= 13 && !memcmp(v, "JBOX_SANDBOX=", 13)) s->name = (struct span){v + 13, vlen - 13};
    } else if (tag == T_CWD) {
      if (s->project.p || s->nenv == 0 || vlen == 0 || v[0] != '/' || memchr(v, '\0', vlen)) return -1;
      s->project = (struct span){v, vlen};
    } else {
      static const unsigned kinds[] = {T_USER, T_HOSTNAME, T_ROOTFS, T_NS, T_UIDMAP, T_GIDMAP, T_MAPTOOL, T_MOUNT,
                                       T_RLIMIT, T_CAPS, T_FLAG, T_TIMENS, T_NETWORK, T_OVERLAY, T_CLEANUP, T_RMDIR,
                                       T_FUSE, T_LOCKFILE, T_SYSCTL};
      int known = 0;
      for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) known |= kinds[k] == tag;
      if (!known || !s->project.p || tag < last) return -1;
      if (!head) head = buf + off;
      last = tag;
      if (tag == T_FLAG) {
        if (word_is(v, vlen, F_TTY)) return -1; /* the caller's */
        int after = word_is(v, vlen, F_STDIN) || word_is(v, vlen, F_READONLY) || word_is(v, vlen, F_LOOPBACK);
        if (after && !s->tail.p) {
          if (!word_is(v, vlen, F_STDIN)) return -1;
          s->head = (struct span){head, (size_t)(buf + off - head)};
          s->tail.p = buf + off;
          stdin_seen = 1;
        } else if (!after && s->tail.p) {
          return -1;
        }
      }
      for (long m = prestart_next_marker(v, vlen, 0); m != -1; m = prestart_next_marker(v, vlen, (size_t)m + PRESTART_ID_LEN)) {
        if (m == -2 || (tag != T_MOUNT && tag != T_RMDIR && tag != T_LOCKFILE)) return -1;
        s->nids++;
        lock_ids += tag == T_LOCKFILE;
      }
    }
    off += 6 + vlen;
  }
  if (!stdin_seen || !lock_ids || last < T_LOCKFILE) return -1;
  s->tail.len = (size_t)(buf + len - s->tail.p);
  /* the plan it makes, for any command and id: what plan_decode takes (every field's form) */
  size_t plen = len + 7;
  char *plan = malloc(plen);
  if (!plan) return -1;
  memcpy(plan, buf, 10);
  plan[6] = (char)plen, plan[7] = (char)(plen >> 8), plan[8] = (char)(plen >> 16), plan[9] = (char)(plen >> 24);
  memcpy(plan + 10, "\1\0\1\0\0\0-", 7);
  prestart_fill_id(plan + 17, buf + 10, len - 10, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  struct plan p;
  int r = plan_decode(&p, plan, plen);
  plan_free(&p); /* frees plan */
  return r ? -1 : 0;
}

void prestart_fill_id(char *dst, const char *src, size_t n, const char *id) {
  memcpy(dst, src, n);
  for (size_t i = 0; i + PRESTART_ID_LEN <= n; i++) {
    if (src[i] != '@') continue;
    size_t j = i;
    while (j < n && src[j] == '@') j++;
    if (j - i == PRESTART_ID_LEN) memcpy(dst + i, id, PRESTART_ID_LEN);
    i = j - 1;
  }
}
