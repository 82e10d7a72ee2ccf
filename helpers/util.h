/* Small shared helpers: error reporting, cleanup attributes, retrying I/O. */
#ifndef JBOX_UTIL_H
#define JBOX_UTIL_H
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define autofd __attribute__((cleanup(close_fdp)))
#define autofree __attribute__((cleanup(free_p)))

static inline void close_fdp(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void free_p(void *p) { free(*(void **)p); }

#define RETRY(expr)                                                                                \
  ({                                                                                               \
    long _r;                                                                                       \
    do _r = (long)(expr);                                                                          \
    while (_r == -1 && errno == EINTR);                                                            \
    _r;                                                                                            \
  })

/* The error text of the current failure; stage code fills it and returns -1. */
extern char jbox_err[512];
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* sets jbox_err, returns -1 */
int fail_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* appends strerror(errno) */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* "jbox: warning: ..." */
__attribute__((noreturn)) void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int write_all(int fd, const void *buf, size_t len);
int write_file(const char *path, const char *data); /* open O_WRONLY, write, close */
ssize_t read_all(int fd, char **out, size_t max);    /* reads until EOF into a malloc'd buffer */
void set_name(const char *name);                     /* the stage's name in ps: comm and the whole argv */
void title_init(int argc, char **argv);              /* main(): remember argv's memory for set_name */
void title_id(const char *id);                       /* the sandbox id set_name shows after the name */
void title_wipe_env(void);                           /* zero main's environment strings (/proc/PID/environ) */
/* Every descriptor from `low` up: closed, or only marked close-on-exec (the caller's fds above 2
 * until the plan says how many --preserve-fds pass). 0, or -1 with errno. */
/* A new sandbox's id as the JVM draws one (SandboxBuilder.newId): 32 random bytes in lowercase hex,
 * NUL-terminated; 0, or -1 when getrandom fails. */
int random_id(char id[65]);
int close_from(int low);
int cloexec_from(int low);
int inherit_from(int low); /* the reverse of cloexec_from: kept across execve (the sealed re-exec) */
#endif

/* JBOX_TRACE=1: one line per phase on stderr, "jbox-trace PHASE MICROSECONDS" since the launcher
 * started (CLOCK_MONOTONIC); the benchmark's phase breakdown reads these. */
void trace(const char *phase);
void trace_detail(const char *phase, const char *detail);
void trace_init(void);
/* Whether another open file description holds a write lock on fd's file (F_OFD_GETLK, as Java's
 * FileChannel.tryLock sees it): 1 held, 0 free, -1 the probe failed. */
int ofd_locked(int fd);
