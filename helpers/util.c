/* Error reporting and I/O helpers shared by every stage. */
#include "util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/random.h>
#include <string.h>
#include <dirent.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

char jbox_err[512];

int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(jbox_err, sizeof jbox_err, fmt, ap);
  va_end(ap);
  return -1;
}

int fail_errno(const char *fmt, ...) {
  int e = errno;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(jbox_err, sizeof jbox_err, "%s: %s", msg, strerror(e));
  errno = e;
  return -1;
}

void warnx_(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  dprintf(2, "jbox: warning: %s\n", msg);
}

void die(int code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  dprintf(2, "jbox: %s\n", msg);
  _exit(code);
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = RETRY(write(fd, p, len));
    if (n < 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int write_file(const char *path, const char *data) {
  autofd int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  return write_all(fd, data, strlen(data));
}

ssize_t read_all(int fd, char **out, size_t max) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (!buf) return -1;
  for (;;) {
    if (len == cap) {
      if (cap >= max) {
        free(buf);
        errno = EFBIG;
        return -1;
      }
      cap *= 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        return -1;
      }
      buf = nb;
    }
    ssize_t n = RETRY(read(fd, buf + len, cap - len));
    if (n < 0) {
      free(buf);
      return -1;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  *out = buf;
  return (ssize_t)len;
}

/* The argv area of main(): the strings the kernel shows in /proc/PID/cmdline (readable by every
 * user, and by the sandbox's processes for its pid 1). A monitor, reaper, cleaner, exec or init
 * process is a fork of the helper and would show jbox's whole command line (`-e API_TOKEN=...`,
 * the host path of the helper) for the sandbox's life: set_name overwrites the area with
 * "NAME ID". The last byte of the area stays non-NUL so the kernel reads the title up to its first
 * NUL (its setproctitle rule) instead of showing the NUL-padded rest of the area. */
static char *title_start, *title_end;
static char *env_start, *env_end; /* main()'s environment strings: --init's pid 1 wipes them */
static char title_sid[13];

void title_init(int argc, char **argv) {
  if (argc <= 0 || !argv[0]) return;
  char *end = argv[0] + strlen(argv[0]) + 1;
  for (int i = 1; i < argc && argv[i] == end; i++) end = argv[i] + strlen(argv[i]) + 1;
  title_start = argv[0];
  title_end = end;
  extern char **environ;
  if (!environ || !environ[0]) return;
  end = environ[0] + strlen(environ[0]) + 1;
  for (int i = 1; environ[i] == end; i++) end = environ[i] + strlen(environ[i]) + 1;
  env_start = environ[0];
  env_end = end;
}


void title_wipe_env(void) {
  if (env_start) memset(env_start, 0, (size_t)(env_end - env_start));
}

void title_id(const char *id) { snprintf(title_sid, sizeof title_sid, "%s", id ? id : ""); }

void set_name(const char *name) {
  prctl(PR_SET_NAME, name, 0, 0, 0);
  if (!title_start || title_end - title_start < 2) return;
  size_t size = (size_t)(title_end - title_start);
  memset(title_start, 0, size);
  snprintf(title_start, size - 1, "%s%s%s", name, *title_sid ? " " : "", title_sid);
  title_end[-1] = ' ';
}

int close_from(int low) { return (int)syscall(SYS_close_range, (unsigned)low, ~0U, 0); }

/* Sets the descriptor flags of every open descriptor from low up to flags. */
static int set_fd_flags_from(int low, int flags) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int self = dirfd(d);
  for (struct dirent *e; (e = readdir(d));) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < low || fd == self) continue;
    if (fcntl(fd, F_SETFD, flags) < 0 && errno != EBADF) {
      closedir(d);
      return -1;
    }
  }
  closedir(d);
  return 0;
}

int inherit_from(int low) { return set_fd_flags_from(low, 0); }

int cloexec_from(int low) {
  if (syscall(SYS_close_range, (unsigned)low, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  return set_fd_flags_from(low, FD_CLOEXEC); /* kernels before 5.11: one fcntl per open descriptor */
}

#include <time.h>
static int tracing = -1;
static long long trace_origin_us;

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The origin is passed down in JBOX_TRACE_ORIGIN so every process measures from the same start. */
void trace_init(void) {
  const char *t = getenv("JBOX_TRACE");
  tracing = t && *t && strcmp(t, "0") ? (strcmp(t, "2") ? 1 : 2) : 0;
  if (!tracing) return;
  const char *o = getenv("JBOX_TRACE_ORIGIN");
  trace_origin_us = o ? atoll(o) : now_us();
  if (!o) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", trace_origin_us);
    setenv("JBOX_TRACE_ORIGIN", buf, 1);
  }
}

/* JBOX_TRACE=2: also the finer stamps (one per mount op), "PHASE DETAIL" */
void trace_detail(const char *phase, const char *detail) {
  if (tracing < 2) return;
  dprintf(2, "jbox-trace %s%s %lld\n", phase, detail, now_us() - trace_origin_us);
}

void trace(const char *phase) {
  if (tracing <= 0) return;
  dprintf(2, "jbox-trace %s %lld\n", phase, now_us() - trace_origin_us);
}

int ofd_locked(int fd) {
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_OFD_GETLK, &fl) < 0) return -1;
  return fl.l_type != F_UNLCK;
}

int random_id(char id[65]) {
  unsigned char r[32];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return -1;
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) id[2 * i] = digits[r[i] >> 4], id[2 * i + 1] = digits[r[i] & 15];
  id[64] = '\0';
  return 0;
}
