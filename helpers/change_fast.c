/* `jbox stop`, `jbox rm`, `jbox volume create NAME` and `jbox volume rm NAME` without the JVM
 * (issue 14); for stop and rm: the launcher finds each sandbox as
 * exec_fast.c does, reads its record and state as ps_fast.c does, and then does what
 * SandboxService.stop and SandboxService.remove do: the stop signal, the wait, SIGKILL; the
 * runtime directory renamed aside under the sandbox's lock and deleted, the generated /etc files,
 * an image sandbox's directory claimed under its lock and deleted. Everything that could go
 * another way is checked before anything is changed and goes to the JVM, which says what: a form
 * it does not take, a sandbox not found, running (rm), with a restart policy, a tree this user
 * could not delete without the user namespace, a symlink or a mount where a directory should be. */
#include "change_fast.h"

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec_fast.h"
#include "kill_fast.h"
#include "monitor.h"
#include "plan.h"
#include "ps_fast.h"
#include "util.h"

/* ---- the command lines (picocli's StopCommand and RmCommand) ---------------------------------- */

/* Long.valueOf of what picocli hands it, narrowed to plain decimals without a sign or a leading
 * zero, at most 9 digits (anything else: the JVM, which also says "-t must be 0 or more") */
static int seconds_parse(const char *s, long long *v) {
  size_t n = strlen(s);
  if (n == 0 || n > 9 || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1)) return -1;
  *v = strtoll(s, NULL, 10);
  return 0;
}

static int add_ref(struct change_call *c, const char *a) {
  /* an option, --, an @file (picocli's), an empty word: the JVM's */
  if (!a[0] || a[0] == '-' || a[0] == '@' || c->nrefs >= CHANGE_MAX_REFS) return -1;
  c->refs[c->nrefs++] = a;
  return 0;
}

int stop_call_parse(int argc, char **argv, struct change_call *c) {
  memset(c, 0, sizeof *c);
  c->seconds = 10;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-t") || !strcmp(a, "--time")) {
      if (i + 1 >= argc) return -1;
      v = argv[++i];
    } else if (!strncmp(a, "--time=", 7)) {
      v = a + 7;
    } else {
      if (add_ref(c, a)) return -1;
      continue;
    }
    if (seconds_parse(v, &c->seconds)) return -1;
    c->seconds_word = v;
  }
  return c->nrefs ? 0 : -1;
}

int rm_call_parse(int argc, char **argv, struct change_call *c) {
  memset(c, 0, sizeof *c);
  for (int i = 0; i < argc; i++)
    if (add_ref(c, argv[i])) return -1; /* -f, -v and every other option: the JVM */
  return c->nrefs ? 0 : -1;
}

/* ---- one sandbox ------------------------------------------------------------------------------ */

struct target {
  const char *ref;
  char id[65];
  int image;      /* its record is in containers/ */
  char label[STOP_NAME_MAX]; /* Sandbox.label: its name, or the short id */
  int sig;        /* its stop signal (-1: one the JVM judges) */
  int restart;    /* a restart policy */
};

int stop_record_parse(const char *buf, size_t len, struct stop_record *out) {
  memset(out, 0, sizeof *out);
  if (!utf8_valid(buf, len)) return -1;
  struct ps_record r;
  if (ps_record_parse(buf, len, &r)) return -1; /* one the JVM leaves out, or is not sure of */
  const char *name = r.name.p ? r.name.p : ""; /* (an empty string is never allocated) */
  int ok = !r.nonascii && (!r.has_name || (r.name.len == strlen(name) && r.name.len < sizeof out->name));
  if (ok && r.has_name) {
    memcpy(out->name, name, r.name.len + 1);
    out->has_name = 1;
  }
  out->restart = r.has_restart;
  /* Signals.parse of the record's stopSignal (TERM when it is no string); a NUL in it: the JVM's */
  const char *sig = r.has_stop_signal ? (r.stop_signal.p ? r.stop_signal.p : "") : "TERM";
  out->sig = r.has_stop_signal && r.stop_signal.len != strlen(sig) ? -1 : kill_signal_parse(sig);
  ps_record_free(&r);
  return ok ? 0 : -1;
}

/* SandboxStore.find, and the record as SandboxStore.load reads it: 0, or -1 (the JVM decides) */
static int resolve(const char *ref, const char *containers, const char *root, struct target *t) {
  memset(t, 0, sizeof *t);
  t->ref = ref;
  if (find_sandbox(ref, containers, root, t->id, &t->image)) return -1;
  char path[PATH_MAX + 96];
  snprintf(path, sizeof path, "%s/%s/config.json", t->image ? containers : root, t->id);
  size_t n;
  autofree char *text = read_small(AT_FDCWD, path, PS_RECORD_MAX, &n);
  struct stop_record r;
  if (!text || stop_record_parse(text, n, &r)) return -1;
  size_t rl = strlen(ref);
  /* the name find_sandbox read (the exec template's) is the record's too */
  int by_id = !strncmp(t->id, ref, rl);
  int named = r.has_name && !strcmp(r.name, ref);
  if (r.has_name) snprintf(t->label, sizeof t->label, "%s", r.name);
  else snprintf(t->label, sizeof t->label, "%.12s", t->id);
  t->restart = r.restart;
  t->sig = r.sig;
  return by_id || named ? 0 : -1;
}

static int detached(const char *root, const char *id) {
  char path[PATH_MAX + 96];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s/state", root, id);
  return lstat(path, &st) == 0;
}

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SandboxService.waitExit: 0 once it runs no more and its monitor is done, 1 after timeout_ms,
 * -1 when its state is one the JVM must read */
static int wait_exit(const char *root, const char *containers, const struct target *t, long long timeout_ms) {
  long long deadline = mono_ms() + timeout_ms;
  long pause = 1; /* 1, 2, 4 ... 32, then every 50 ms, as the JVM's */
  for (;;) {
    struct ps_status s;
    if (ps_sandbox_status(root, containers, t->id, t->image, &s)) return -1;
    if (s.kind != PS_RUNNING && !s.monitor_alive) return 0;
    if (mono_ms() > deadline) return 1;
    pause_ms(pause);
    pause = pause * 2 > 50 ? 50 : pause * 2;
  }
}

/* SandboxService.stop of one sandbox: 0 stopped (or not running), -1 the JVM's from here on
 * (nothing sent yet, or what it would do next is the JVM's to say) */
static int stop_one(const char *root, const char *containers, const struct target *t, long long seconds) {
  if (t->restart) return -1; /* the JVM first writes the marker that holds its restarts */
  for (int round = 0; round < 3; round++) {
    struct ps_status s;
    if (ps_sandbox_status(root, containers, t->id, t->image, &s)) return -1;
    if (s.kind == PS_RUNNING) {
      struct exec_state st;
      if (t->sig < 0 || sandbox_running(root, containers, t->id, t->image, &st)) return -1;
      /* Signals.send: a pid gone meanwhile is no error; a live one we cannot signal is the JVM's */
      if (pidfd_signal(st.pid, st.pid_start, t->sig) && proc_alive(st.pid, st.pid_start)) return -1;
      int w = wait_exit(root, containers, t, seconds * 1000);
      if (w <= 0) return w;
      if (pidfd_signal(st.pid, st.pid_start, 9) && proc_alive(st.pid, st.pid_start)) return -1;
      w = wait_exit(root, containers, t, 10000);
      return w == 0 ? 0 : -1; /* still there after SIGKILL: the JVM says what */
    }
    if (!detached(root, t->id) || !s.monitor_alive) return 0;
    int w = wait_exit(root, containers, t, 2000);
    if (w <= 0) return w;
  }
  return -1;
}

/* ---- deleting trees (SandboxStore.deleteFlat, UserNamespace.removeTree) ---------------------- */

/* Whether this user deletes the tree at parent/name as the JVM would (deleteFlat, or rm -rf in
 * the user namespace), checked before anything is changed: a real directory (no symlink), every
 * directory in it ours, rwx for us, not sticky, on the filesystem of the top (no mount inside),
 * at most CHANGE_TREE_MAX entries and CHANGE_TREE_DEPTH levels. 0 yes, -1 the JVM's. */
static int deletable(int parent, const char *name, dev_t dev, int depth, size_t *count) {
  if (depth > CHANGE_TREE_DEPTH) return -1;
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_uid != getuid() || (st.st_mode & S_IRWXU) != S_IRWXU || (st.st_mode & S_ISVTX) ||
      st.st_dev != dev) {
    close(fd);
    return -1;
  }
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat es;
    if (++*count > CHANGE_TREE_MAX || fstatat(dirfd(d), e->d_name, &es, AT_SYMLINK_NOFOLLOW) < 0 || es.st_dev != dev) rc = -1;
    else if (S_ISDIR(es.st_mode)) rc = deletable(dirfd(d), e->d_name, dev, depth + 1, count);
  }
  closedir(d);
  return rc;
}

/* The same check for parent/name that may be absent (0 then); the top's own filesystem. */
int change_tree_deletable(int parent, const char *name) {
  struct stat st;
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return -1; /* a symlink or a file where jbox keeps a directory */
  size_t count = 0;
  return deletable(parent, name, st.st_dev, 0, &count);
}

/* Deletes parent/name and everything under it, never following a symlink: 0, or -1 with errno. */
int change_tree_delete(int parent, const char *name) {
  for (int pass = 0; pass < 3; pass++) {
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    DIR *d = fdopendir(fd);
    if (!d) {
      close(fd);
      return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      struct stat es;
      if (fstatat(dirfd(d), e->d_name, &es, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT) rc = -1;
      } else if (S_ISDIR(es.st_mode)) {
        rc = change_tree_delete(dirfd(d), e->d_name);
      } else if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT) {
        rc = -1;
      }
    }
    int saved = errno;
    closedir(d);
    errno = saved;
    if (rc) return -1;
    if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT) return 0;
    if (errno != ENOTEMPTY) return -1; /* (an entry made meanwhile: once more) */
  }
  return -1;
}

static int absent(int dirfd, const char *name) {
  struct stat st;
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/* A write lock on dirfd/name as Java's FileChannel.lock/tryLock takes it (the POSIX and OFD kinds
 * conflict), without waiting; create: FileChannel.open(CREATE, WRITE). The descriptor, or -1 (held,
 * or not a regular file: the JVM's), or -2 absent. */
static int lock_file(int dirfd, const char *name, int create) {
  int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (create ? O_CREAT : 0), 0666);
  if (fd < 0) return !create && errno == ENOENT ? -2 : -1;
  struct stat st;
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_OFD_SETLK, &l) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- rm ------------------------------------------------------------------------------------- */

struct rm_plan {
  int has_runtime; /* root/ID is a directory to remove under its lock */
};

/* Everything SandboxService.remove (without -f and -v) would meet, checked without a change:
 * 0 when the launcher can do all of it, -1 the JVM's. */
static int rm_check(int rootfd, int contfd, const char *root, const char *containers, const struct target *t,
                    struct rm_plan *p) {
  struct ps_status s;
  if (ps_sandbox_status(root, containers, t->id, t->image, &s) || s.kind == PS_RUNNING || s.monitor_alive) return -1;
  char name[96];
  struct stat st;
  memset(p, 0, sizeof *p);
  /* the runtime directory: its lock file may be created, then it goes as a whole */
  if (fstatat(rootfd, t->id, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISDIR(st.st_mode)) return -1;
    p->has_runtime = 1;
    snprintf(name, sizeof name, "%s/lock", t->id);
    if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) return -1;
    snprintf(name, sizeof name, ".removing-%s", t->id);
    if (!absent(rootfd, name) || change_tree_deletable(rootfd, t->id)) return -1;
  } else if (errno != ENOENT) {
    return -1;
  }
  /* the generated /etc files: files/ID, both real directories */
  if (fstatat(rootfd, "files", &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISDIR(st.st_mode)) return -1;
    snprintf(name, sizeof name, "files/%s", t->id);
    autofd int files = openat(rootfd, "files", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (files < 0 || change_tree_deletable(files, t->id)) return -1;
  } else if (errno != ENOENT) {
    return -1;
  }
  if (!t->image) return 0;
  /* an image sandbox's directory, claimed under its lock (ContainerLock.claim): its lock free,
   * nothing in the way of the rename, every file deletable without the user namespace */
  if (contfd < 0 || faccessat(contfd, ".", W_OK | X_OK, AT_EACCESS) < 0) return -1;
  snprintf(name, sizeof name, ".removing-%s", t->id);
  if (!absent(contfd, name) || change_tree_deletable(contfd, t->id) || absent(contfd, t->id)) return -1;
  autofd int home = openat(contfd, t->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (home < 0) return -1;
  if (fstatat(home, "state", &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode)) return -1;
    autofd int fd = openat(home, "state", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 || ofd_locked(fd) != 0) return -1;
  } else if (errno != ENOENT) {
    return -1;
  }
  return 0;
}

static int rm_error(const struct target *t, const char *what) {
  fprintf(stderr, "jbox: remove sandbox %s: %s: %s\n", t->label, what, strerror(errno));
  return 125;
}

/* The removal itself, in the JVM's order: 0 done, -1 the JVM's from here on (nothing of this
 * sandbox changed but its lock file, which the JVM creates too), or 125 after a one-line error. */
static int rm_one(int rootfd, int contfd, const char *root, const char *containers, const struct target *t,
                  const struct rm_plan *p) {
  char name[96];
  if (p->has_runtime) { /* SandboxStore.removeRuntime */
    snprintf(name, sizeof name, "%s/lock", t->id);
    autofd int lock = lock_file(rootfd, name, 1);
    if (lock < 0) return -1; /* another command holds it: the JVM waits for it */
    struct ps_status s;
    if (ps_sandbox_status(root, containers, t->id, t->image, &s) || s.kind == PS_RUNNING) return -1;
    snprintf(name, sizeof name, ".removing-%s", t->id);
    if (renameat(rootfd, t->id, rootfd, name) < 0) {
      if (errno != ENOENT) return rm_error(t, "rename");
    } else if (change_tree_delete(rootfd, name)) {
      return rm_error(t, "delete");
    }
  }
  autofd int files = openat(rootfd, "files", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (files >= 0 && change_tree_delete(files, t->id)) return rm_error(t, "delete its files");
  if (!t->image) return 0;
  /* ContainerLock.claim: moved aside under its lock, then deleted */
  autofd int home = openat(contfd, t->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (home < 0) return errno == ENOENT ? 0 : rm_error(t, "open");
  autofd int lock = lock_file(home, "state", 0);
  if (lock == -1) return -1; /* taken meanwhile: the JVM waits for it */
  snprintf(name, sizeof name, ".removing-%s", t->id);
  if (renameat(contfd, t->id, contfd, name) < 0) return errno == ENOENT ? 0 : rm_error(t, "rename");
  return change_tree_delete(contfd, name) ? rm_error(t, "delete") : 0;
}

/* ---- the launcher ----------------------------------------------------------------------------- */

static void print_ref(const char *ref) {
  size_t n = strlen(ref);
  char *line = malloc(n + 1);
  if (!line) return;
  memcpy(line, ref, n);
  line[n] = '\n';
  if (write_all(1, line, n + 1) < 0) {
    /* as the JVM's println: a closed stdout is no error */
  }
  free(line);
}

/* The JVM goes on with the sandboxes from refs[from] on: argv becomes the command word, stop's
 * -t, and those (pointers into the same argv, which stays theirs). */
static int rest_to_jvm(int *argc, char **argv, const struct change_call *c, int from, int stop) {
  char *words[CHANGE_MAX_REFS + 4];
  int n = 0;
  words[n++] = argv[0];
  if (stop && c->seconds_word) {
    words[n++] = "-t";
    words[n++] = (char *)c->seconds_word;
  }
  for (int i = from; i < c->nrefs; i++) words[n++] = (char *)c->refs[i];
  if (n > *argc) return -1; /* (never: the line had these words) */
  for (int i = 0; i < n; i++) argv[i] = words[i];
  argv[n] = NULL;
  *argc = n;
  return -1;
}

static int resolve_all(const struct change_call *c, const char *containers, const char *root, struct target *t) {
  for (int i = 0; i < c->nrefs; i++)
    if (resolve(c->refs[i], containers, root, &t[i])) return -1;
  return 0;
}

int stop_fast(int *argc, char **argv) {
  struct change_call c;
  /* JVM option variables ask for the JVM (as for exec and kill) */
  if (jvm_options_set() || stop_call_parse(*argc - 1, argv + 1, &c)) return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct target *t = calloc((size_t)c.nrefs, sizeof *t);
  if (!t) return -1;
  int rc = -1;
  if (resolve_all(&c, containers, root, t)) goto done;
  for (int i = 0; i < c.nrefs; i++) {
    if (stop_one(root, containers, &t[i], c.seconds)) {
      rc = i ? rest_to_jvm(argc, argv, &c, i, 1) : -1;
      goto done;
    }
    print_ref(c.refs[i]);
  }
  char detail[32];
  snprintf(detail, sizeof detail, " t=%lld", c.seconds);
  trace_detail("stop-fast", detail); /* (JBOX_TRACE=2: the -t it read, for the test of its parser) */
  trace("stop-fast");
  rc = 0;
done:
  free(t);
  return rc;
}

int rm_fast(int *argc, char **argv) {
  struct change_call c;
  if (jvm_options_set() || rm_call_parse(*argc - 1, argv + 1, &c)) return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  autofd int rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  autofd int contfd = open(containers, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0) return -1;
  struct target *t = calloc((size_t)c.nrefs, sizeof *t);
  struct rm_plan *p = calloc((size_t)c.nrefs, sizeof *p);
  int rc = -1;
  if (!t || !p || resolve_all(&c, containers, root, t)) goto done;
  for (int i = 0; i < c.nrefs; i++) {
    for (int j = 0; j < i; j++)
      if (!strcmp(t[i].id, t[j].id)) goto done; /* one sandbox twice: the JVM's "no such sandbox" the second time */
    if (rm_check(rootfd, contfd, root, containers, &t[i], &p[i])) goto done;
  }
  for (int i = 0; i < c.nrefs; i++) {
    int r = rm_one(rootfd, contfd, root, containers, &t[i], &p[i]);
    if (r < 0) {
      rc = i ? rest_to_jvm(argc, argv, &c, i, 0) : -1;
      goto done;
    }
    if (r) {
      rc = r;
      goto done;
    }
    print_ref(c.refs[i]);
  }
  trace("rm-fast");
  rc = 0;
done:
  free(t);
  free(p);
  return rc;
}

/* ---- volume create NAME (VolumeStore.create) ---------------------------------------------------- */

int volume_name_valid(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len > 255) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = n[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return 0;
  }
  return 1;
}

int volume_record_text(const char *name, long long created_ms, char *out, size_t size) {
  /* Json.pretty of VolumeStore.write's map for a named volume without labels or options, and its newline */
  int n = snprintf(out, size, "{\n  \"name\": \"%s\",\n  \"created\": %lld,\n  \"labels\": {},\n  \"anonymous\": false,\n"
                   "  \"copyUp\": true\n}\n", name, created_ms);
  return n < 0 || (size_t)n >= size ? -1 : n;
}

/* PrivateDirs.ensure would change nothing: a directory (followed or not), closed to others */
static int private_dir(int at, const char *path, int follow) {
  struct stat st;
  if (fstatat(at, path, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0) return -1;
  return S_ISDIR(st.st_mode) && !(st.st_mode & 077) ? 0 : -1;
}

int volume_create_fast(int argc, char **argv) {
  /* `volume create NAME`, nothing else (labels, options, --ignore, a random name: the JVM) */
  if (argc != 3 || jvm_options_set()) return -1;
  const char *name = argv[2];
  if (!volume_name_valid(name)) return -1; /* (the JVM's one-line error) */
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  char *slash = strrchr(containers, '/'); /* the storage root: containers' parent */
  if (!slash || slash == containers) return -1;
  *slash = '\0';
  if (private_dir(AT_FDCWD, containers, 1)) return -1;
  autofd int store = open(containers, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (store < 0 || private_dir(store, "volumes", 0)) return -1;
  autofd int vols = openat(store, "volumes", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (vols < 0 || mkdirat(vols, name, 0700) < 0) return -1; /* taken (or anything else): the JVM says what */
  char text[512];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int n = volume_record_text(name, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, text, sizeof text);
  int dir = openat(vols, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int ok = n > 0 && dir >= 0 && mkdirat(dir, "_data", 0755) == 0;
  if (ok) {
    int fd = openat(dir, "volume.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    ok = fd >= 0 && write_all(fd, text, (size_t)n) == 0;
    if (fd >= 0 && close(fd) < 0) ok = 0;
    ok = ok && renameat(dir, "volume.json.tmp", dir, "volume.json") == 0;
  }
  if (!ok) { /* what this made goes again, and the JVM tries (and says what fails) */
    if (dir >= 0) {
      unlinkat(dir, "volume.json.tmp", 0);
      unlinkat(dir, "volume.json", 0);
      unlinkat(dir, "_data", AT_REMOVEDIR);
    }
    unlinkat(vols, name, AT_REMOVEDIR);
    if (dir >= 0) close(dir);
    return -1;
  }
  close(dir);
  print_ref(name);
  trace("volume-create-fast");
  return 0;
}

/* ---- volume rm NAME (SandboxService.removeVolumes of one unused volume) --------------------------- */

int volume_rm_fast(int argc, char **argv) {
  /* `volume rm NAME`, nothing else (-f, -a, several names: the JVM) */
  if (argc != 3 || jvm_options_set()) return -1;
  const char *name = argv[2];
  if (!volume_name_valid(name)) return -1; /* (VolumeStore.get: none, the JVM's exit 1) */
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  char storage[PATH_MAX];
  snprintf(storage, sizeof storage, "%s", containers);
  char *slash = strrchr(storage, '/');
  if (!slash || slash == storage) return -1;
  *slash = '\0';
  autofd int store = open(storage, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (store < 0 || fstatat(store, "volumes", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) return -1;
  autofd int vols = openat(store, "volumes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (vols < 0) return -1;
  /* VolumeStore.leftovers: an earlier removal's leftovers would go too (the JVM's, with the unpacker) */
  int dup_fd = dup(vols);
  DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
  if (!d) {
    if (dup_fd >= 0) close(dup_fd);
    return -1;
  }
  int left = 0;
  struct dirent *e;
  while (!left && (e = readdir(d))) left = !strncmp(e->d_name, ".removing-", 10);
  closedir(d);
  if (left) return -1;
  /* VolumeStore.get: volumes/NAME with a volume.json the JVM reads and a _data directory */
  autofd int dir = openat(vols, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0 || fstatat(dir, "_data", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) return -1;
  autofd int meta = openat(dir, "volume.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (meta < 0 || fstat(meta, &st) < 0 || !S_ISREG(st.st_mode)) return -1;
  char *text;
  ssize_t n = read_all(meta, &text, 1 << 16);
  if (n < 0) return -1;
  int bad = ps_json_object_ok(text, (size_t)n);
  free(text);
  if (bad) return -1;
  /* volumeUsers: no sandbox record mounts anything (one that does may use it: the JVM decides) */
  if (ps_any_mounts(containers, root) != 0) return -1;
  /* deleteVolumes: OwnTree.delete would take it all as this user */
  if (change_tree_deletable(vols, name)) return -1;
  char aside[NAME_MAX + 1];
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int an = snprintf(aside, sizeof aside, ".removing-%s-%lld", name, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  if (an < 0 || (size_t)an >= sizeof aside) return -1;
  if (renameat(vols, name, vols, aside) < 0) return -1; /* nothing changed: the JVM says what */
  if (change_tree_delete(vols, aside)) {
    fprintf(stderr, "jbox: volume rm: %s: %s (left in %s/volumes/%s)\n", name, strerror(errno), storage, aside);
    return 125;
  }
  print_ref(name);
  trace("volume-rm-fast");
  return 0;
}

/* ---- rename SANDBOX NAME (SandboxStore.rename) ------------------------------------------------ */

int rename_name_valid(const char *n) {
  /* SandboxStore.validName: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128, not 12-64 lowercase hex */
  size_t len = strlen(n);
  if (len == 0 || len > 128) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = n[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return 0;
  }
  return !(len >= 12 && len <= 64 && strspn(n, "0123456789abcdef") == len);
}

/* A cursor over a config.json that must be exactly the text Json.pretty writes for what
 * SandboxRecord.of reads from it (SandboxRecord.toJson's keys, in its order, of its types), so
 * that the JVM's rewrite changes the name's value and nothing else. Every check fails closed. */
struct canon {
  const char *p, *end;
  int bad;
};

static void c_lit(struct canon *c, const char *s) {
  size_t n = strlen(s);
  if (c->bad || (size_t)(c->end - c->p) < n || memcmp(c->p, s, n)) c->bad = 1;
  else c->p += n;
}

static int c_peek(const struct canon *c, const char *s) {
  size_t n = strlen(s);
  return !c->bad && (size_t)(c->end - c->p) >= n && !memcmp(c->p, s, n);
}

/* "\n" and two spaces per level */
static void c_ind(struct canon *c, int level) {
  if (c->bad || c->p >= c->end || *c->p != '\n' || (size_t)(c->end - c->p - 1) < (size_t)(2 * level)) {
    c->bad = 1;
    return;
  }
  for (int i = 1; i <= 2 * level; i++)
    if (c->p[i] != ' ') {
      c->bad = 1;
      return;
    }
  c->p += 1 + 2 * level;
}

/* A string as Json.quote writes it (raw bytes but `"`, `\` and C0; \" \\ \n \r \t; \u00xx in
 * lowercase for the other C0s); *raw: whether it has no escape. Its inside in *s. */
static void c_str(struct canon *c, struct span *s, int *raw) {
  if (raw) *raw = 1;
  if (c->bad || c->p >= c->end || *c->p != '"') {
    c->bad = 1;
    return;
  }
  const char *q = ++c->p;
  for (; q < c->end && *q != '"'; q++) {
    unsigned char b = (unsigned char)*q;
    if (b < 0x20) break;
    if (b != '\\') continue;
    if (raw) *raw = 0;
    if (++q >= c->end) break;
    if (*q == 'u') {
      static const char hex[] = "0123456789abcdef";
      if (c->end - q < 5 || q[1] != '0' || q[2] != '0' || (q[3] != '0' && q[3] != '1') || !memchr(hex, q[4], 16) || !q[4])
        break;
      unsigned v = (unsigned)(q[3] - '0') * 16 + (unsigned)(strchr(hex, q[4]) - hex);
      if (v == '\n' || v == '\r' || v == '\t') break; /* written short */
      q += 4;
    } else if (*q != '"' && *q != '\\' && *q != 'n' && *q != 'r' && *q != 't') {
      break;
    }
  }
  if (q >= c->end || *q != '"') {
    c->bad = 1;
    return;
  }
  if (s) *s = (struct span){c->p, (size_t)(q - c->p)};
  c->p = q + 1;
}

static void c_str_or_null(struct canon *c) {
  if (c_peek(c, "null")) c->p += 4;
  else c_str(c, NULL, NULL);
}

/* A long as Java prints it, within [min, max] */
static void c_num(struct canon *c, long long min, long long max) {
  if (c->bad) return;
  const char *q = c->p;
  int neg = q < c->end && *q == '-';
  if (neg) q++;
  const char *d = q;
  unsigned long long v = 0;
  for (; q < c->end && *q >= '0' && *q <= '9'; q++) {
    if (q - d >= 19) { /* more than 19 digits: beyond a long */
      c->bad = 1;
      return;
    }
    v = v * 10 + (unsigned)(*q - '0');
  }
  size_t nd = (size_t)(q - d);
  if (nd == 0 || (nd > 1 && *d == '0') || (neg && v == 0) || v > (neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX)) {
    c->bad = 1;
    return;
  }
  long long x = neg ? (long long)(0ULL - v) : (long long)v;
  if (x < min || x > max) c->bad = 1;
  else c->p = q;
}

/* a list of strings at level (its items one deeper) */
static void c_str_list(struct canon *c, int level) {
  if (c_peek(c, "[]")) {
    c->p += 2;
    return;
  }
  c_lit(c, "[");
  do {
    c_ind(c, level + 1);
    c_str(c, NULL, NULL);
  } while (c_peek(c, ",") && (c->p++, 1));
  c_ind(c, level);
  c_lit(c, "]");
}

/* namespaces: an object of strings, each key once (a LinkedHashMap would fold a repeated one) */
static void c_str_map(struct canon *c, int level) {
  if (c_peek(c, "{}")) {
    c->p += 2;
    return;
  }
  struct span keys[32];
  size_t n = 0;
  c_lit(c, "{");
  do {
    c_ind(c, level + 1);
    struct span k = {0};
    c_str(c, &k, NULL);
    if (c->bad || n == sizeof keys / sizeof *keys) {
      c->bad = 1;
      return;
    }
    for (size_t i = 0; i < n; i++)
      if (keys[i].len == k.len && !memcmp(keys[i].p, k.p, k.len)) c->bad = 1;
    keys[n++] = k;
    c_lit(c, ": ");
    c_str(c, NULL, NULL);
  } while (c_peek(c, ",") && (c->p++, 1));
  c_ind(c, level);
  c_lit(c, "}");
}

/* "capabilities": Long.toUnsignedString of what parseUnsignedLong read: plain digits, no leading
 * zero, at most 2^64 - 1 */
static void c_caps(struct canon *c) {
  struct span s = {0};
  int raw;
  c_str(c, &s, &raw);
  if (c->bad) return;
  if (!raw || s.len == 0 || s.len > 20 || (s.len > 1 && s.p[0] == '0')) c->bad = 1;
  for (size_t i = 0; !c->bad && i < s.len; i++)
    if (s.p[i] < '0' || s.p[i] > '9') c->bad = 1;
  if (!c->bad && s.len == 20 && memcmp(s.p, "18446744073709551615", 20) > 0) c->bad = 1;
}

/* "rlimits": [[resource (an int), soft, hard], ...] at level */
static void c_rlimits(struct canon *c, int level) {
  if (c_peek(c, "[]")) {
    c->p += 2;
    return;
  }
  c_lit(c, "[");
  do {
    c_ind(c, level + 1);
    c_lit(c, "[");
    c_ind(c, level + 2);
    c_num(c, INT_MIN, INT_MAX);
    for (int k = 0; k < 2; k++) {
      c_lit(c, ",");
      c_ind(c, level + 2);
      c_num(c, LLONG_MIN, LLONG_MAX);
    }
    c_ind(c, level + 1);
    c_lit(c, "]");
  } while (c_peek(c, ",") && (c->p++, 1));
  c_ind(c, level);
  c_lit(c, "]");
}

static void c_key(struct canon *c, const char *key) {
  c_lit(c, ",");
  c_ind(c, 1);
  c_lit(c, "\"");
  c_lit(c, key);
  c_lit(c, "\": ");
}

static void c_key2(struct canon *c, const char *key, int first) {
  if (!first) c_lit(c, ",");
  c_ind(c, 2);
  c_lit(c, "\"");
  c_lit(c, key);
  c_lit(c, "\": ");
}

int rename_record_text(const char *buf, size_t len, const char *id, const char *name, char **out, size_t *outlen,
                       struct span *old_name) {
  *out = NULL;
  *outlen = 0;
  *old_name = (struct span){NULL, 0};
  if (!utf8_valid(buf, len) || memchr(buf, '\0', len)) return -1;
  struct canon c = {buf, buf + len, 0};
  struct span s = {0};
  c_lit(&c, "{");
  c_ind(&c, 1);
  c_lit(&c, "\"id\": ");
  c_str(&c, &s, NULL);
  if (c.bad || s.len != strlen(id) || memcmp(s.p, id, s.len)) return -1; /* the JVM writes the directory's */
  c_key(&c, "name");
  const char *name_at = c.p;
  int raw = 1;
  if (c_peek(&c, "null")) c.p += 4;
  else c_str(&c, old_name, &raw);
  const char *name_end = c.p;
  if (!raw) return -1; /* (an escaped name: compared with the template's bytes, the JVM's) */
  c_key(&c, "kind");
  c_str(&c, &s, NULL);
  if (!c.bad && !(s.len == 3 && !memcmp(s.p, "run", 3)) && !(s.len == 5 && !memcmp(s.p, "shell", 5))) return -1;
  static const char *const strs1[] = {"image", "imageId", "rootfs"};
  for (int i = 0; i < 3; i++) {
    c_key(&c, strs1[i]);
    c_str_or_null(&c);
  }
  c_key(&c, "command");
  c_str_list(&c, 1);
  c_key(&c, "created");
  c_num(&c, LLONG_MIN, LLONG_MAX);
  c_key(&c, "rm");
  if (c_peek(&c, "true")) c.p += 4;
  else c_lit(&c, "false");
  c_key(&c, "hostname");
  c_str_or_null(&c);
  c_key(&c, "network");
  c_str_or_null(&c);
  c_key(&c, "ports");
  c_str_list(&c, 1);
  c_key(&c, "mounts");
  c_str_list(&c, 1);
  c_key(&c, "stopSignal");
  c_str(&c, NULL, NULL);
  if (c_peek(&c, ",\n  \"overlay\": ")) {
    c_key(&c, "overlay");
    c_lit(&c, "{");
    c_key2(&c, "lower", 1);
    c_str_list(&c, 2);
    c_key2(&c, "upper", 0);
    c_str_or_null(&c);
    c_key2(&c, "work", 0);
    c_str_or_null(&c);
    c_ind(&c, 1);
    c_lit(&c, "}");
  }
  c_key(&c, "namespaces");
  c_str_map(&c, 1);
  if (c_peek(&c, ",\n  \"process\": ")) {
    c_key(&c, "process");
    c_lit(&c, "{");
    c_key2(&c, "env", 1);
    c_str_list(&c, 2);
    c_key2(&c, "cwd", 0);
    c_str_or_null(&c);
    c_key2(&c, "user", 0);
    c_str_or_null(&c);
    c_key2(&c, "capabilities", 0);
    c_caps(&c);
    c_key2(&c, "flags", 0);
    c_str_list(&c, 2);
    c_key2(&c, "rlimits", 0);
    c_rlimits(&c, 2);
    c_ind(&c, 1);
    c_lit(&c, "}");
  }
  c_key(&c, "etcFiles");
  c_str_or_null(&c);
  c_key(&c, "plan");
  c_str_or_null(&c);
  if (c_peek(&c, ",\n  \"restart\": ")) {
    c_key(&c, "restart");
    c_str(&c, NULL, NULL); /* (a null one the JVM drops) */
  }
  c_ind(&c, 0);
  c_lit(&c, "}\n");
  if (c.bad || c.p != c.end) return -1;
  /* the same text with the new name's value (a valid name needs no escape) */
  size_t nl = strlen(name), head = (size_t)(name_at - buf), tail = len - (size_t)(name_end - buf);
  char *t = malloc(head + nl + 2 + tail);
  if (!t) return -1;
  memcpy(t, buf, head);
  t[head] = '"';
  memcpy(t + head + 1, name, nl);
  t[head + 1 + nl] = '"';
  memcpy(t + head + 2 + nl, name_end, tail);
  *out = t;
  *outlen = head + nl + 2 + tail;
  return 0;
}

int rename_template_text(const char *buf, size_t len, const struct span *old_name, const char *name, char **out,
                         size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  struct exec_template t;
  if (exec_template_parse(buf, len, &t)) return -1;
  struct span tn = t.name;
  exec_template_free(&t);
  /* the template's name is the record's ("" for none): written together under the store's lock */
  size_t ol = old_name->p ? old_name->len : 0;
  if (!tn.p || tn.len != ol || (ol && memcmp(tn.p, old_name->p, ol))) return -1;
  /* T_EXECNAME is its last record: replaced, the header's length with it */
  size_t head = (size_t)(tn.p - buf) - 6, nl = strlen(name);
  if (tn.p + tn.len != buf + len || head < 10) return -1;
  size_t total = head + 6 + nl;
  if (total > EXEC_TEMPLATE_MAX) return -1;
  char *o = malloc(total);
  if (!o) return -1;
  memcpy(o, buf, head);
  o[head] = (char)(T_EXECNAME & 0xff);
  o[head + 1] = (char)(T_EXECNAME >> 8);
  for (int k = 0; k < 4; k++) {
    o[head + 2 + k] = (char)(nl >> (8 * k));
    o[6 + k] = (char)(total >> (8 * k));
  }
  memcpy(o + head + 6, name, nl);
  *out = o;
  *outlen = total;
  return 0;
}

/* dir/name written as java.io.FileOutputStream writes it (created 0666 less the umask, or
 * truncated) through name.tmp and a rename: 0, or -1 with errno (the .tmp removed again) */
static int write_through_tmp(int dir, const char *name, const char *text, size_t len) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return -1;
  int ok = write_all(fd, text, len) == 0;
  if (close(fd) < 0) ok = 0;
  if (ok && renameat(dir, tmp, dir, name) == 0) return 0;
  int saved = errno;
  unlinkat(dir, tmp, 0);
  errno = saved;
  return -1;
}

/* What a rename of entry e to name writes, read and checked: 0 with both texts (template NULL:
 * the record has no process rules and no template), -1 the JVM's. */
struct rename_plan {
  char *record, *tmpl;
  size_t rlen, tlen;
};

static int rename_prepare(int home, const struct ps_entry *e, const char *name, struct rename_plan *p) {
  memset(p, 0, sizeof *p);
  /* the temporary files FileOutputStream would open through a link or over something else */
  if (!absent(home, "config.json.tmp") || !absent(home, "exec.plan.tmp")) return -1;
  size_t n;
  autofree char *text = read_small(home, "config.json", PS_RECORD_MAX, &n);
  struct span old;
  if (!text || rename_record_text(text, n, e->id, name, &p->record, &p->rlen, &old)) return -1;
  int has_process = strstr(p->record, "\n  \"process\": {") != NULL;
  autofree char *tmpl = read_small(home, "exec.plan", EXEC_TEMPLATE_MAX, &n);
  /* a record with process rules has its template (none: rules exec refuses, the JVM's to judge);
   * one without has none (the JVM would delete it) */
  int ok = has_process ? tmpl && !rename_template_text(tmpl, n, &old, name, &p->tmpl, &p->tlen)
                       : !tmpl && absent(home, "exec.plan");
  if (!ok) {
    free(p->record);
    p->record = NULL;
    return -1;
  }
  return 0;
}

/* The sandbox ref names, checked as SandboxService.rename would meet it: its entry copied to *hit;
 * 0, or -1 (not found, ambiguous, the name another's, a record not sure of: the JVM's) */
static int rename_lookup(const char *containers, const char *root, const char *ref, const char *name,
                         struct ps_entry *hit) {
  struct ps_list l = {0};
  int rc = -1;
  if (ps_list_load(&l, containers, root)) goto done;
  struct ps_entry *e = ps_find(&l, ref);
  if (!e) goto done;
  size_t nl = strlen(name);
  for (size_t i = 0; i < l.n; i++) /* SandboxStore.nameUser: another sandbox has it */
    if (l.e[i].r.has_name && l.e[i].r.name.len == nl && !memcmp(l.e[i].r.name.p, name, nl) && strcmp(l.e[i].id, e->id))
      goto done;
  memset(hit, 0, sizeof *hit);
  snprintf(hit->id, sizeof hit->id, "%s", e->id);
  hit->image = e->image;
  rc = 0;
done:
  ps_list_free(&l);
  return rc;
}

int rename_fast(int argc, char **argv) {
  /* `rename SANDBOX NAME`: two words, neither an option, `--` or an @file (picocli's) */
  if (argc != 3 || jvm_options_set()) return -1;
  const char *ref = argv[1], *name = argv[2];
  if (!ref[0] || ref[0] == '-' || ref[0] == '@' || name[0] == '-' || name[0] == '@') return -1;
  if (!rename_name_valid(name)) return -1; /* the JVM's one-line error */
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct ps_entry e, again;
  if (rename_lookup(containers, root, ref, name, &e)) return -1; /* before the lock file is made */
  autofd int rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0) return -1;
  autofd int lock = lock_file(rootfd, ".lock", 1); /* the store's lock (held: the JVM waits for it) */
  if (lock < 0) return -1;
  /* under it, as the JVM: the name checked against every record, the record read */
  if (rename_lookup(containers, root, ref, name, &again) || strcmp(again.id, e.id) || again.image != e.image) return -1;
  char path[PATH_MAX + 96];
  snprintf(path, sizeof path, "%s/%s", e.image ? containers : root, e.id);
  autofd int home = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct rename_plan p;
  if (home < 0 || rename_prepare(home, &e, name, &p)) return -1;
  int rc = 0;
  if (write_through_tmp(home, "config.json", p.record, p.rlen)) {
    rc = -1; /* nothing changed: the JVM tries, and says what fails */
  } else if (p.tmpl && write_through_tmp(home, "exec.plan", p.tmpl, p.tlen)) {
    fprintf(stderr, "jbox: rename sandbox %s: cannot rename %s/exec.plan.tmp: %s\n", ref, path, strerror(errno));
    rc = 125;
  }
  free(p.record);
  free(p.tmpl);
  if (rc == 0) trace("rename-fast");
  return rc;
}

/* ---- tag SOURCE TARGET... (StoreService.tag) -------------------------------------------------- */

static int is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* ImageRef.isDomainComponent of s[0..n) */
static int domain_component(const char *s, size_t n) {
  if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1])) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_alnum(s[i]) && s[i] != '-') return 0;
  return 1;
}

/* ImageRef.validRegistry of s[0..n) */
static int registry_valid(const char *s, size_t n) {
  size_t hn = n;
  const char *colon = NULL, *bracket = NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == ':') colon = s + i;
    if (s[i] == ']') bracket = s + i;
  }
  if (colon && (!bracket || colon > bracket)) {
    size_t pl = n - (size_t)(colon + 1 - s);
    if (pl == 0 || pl > 5) return 0;
    long port = 0;
    for (size_t i = 0; i < pl; i++) {
      if (colon[1 + i] < '0' || colon[1 + i] > '9') return 0;
      port = port * 10 + (colon[1 + i] - '0');
    }
    if (port > 65535) return 0;
    hn = (size_t)(colon - s);
  }
  if (hn >= 3 && s[0] == '[' && s[hn - 1] == ']') { /* isIpv6 */
    int ok = 1;
    for (size_t i = 1; i < hn - 1; i++)
      if (!strchr("0123456789abcdefABCDEF:.", s[i]) || !s[i]) ok = 0;
    if (ok) return 1;
  }
  if (hn == 0) return 0;
  for (size_t i = 0, start = 0; i <= hn; i++)
    if (i == hn || s[i] == '.') {
      if (!domain_component(s + start, i - start)) return 0;
      start = i + 1;
    }
  return 1;
}

/* ImageRef.isPathComponent of s[0..n): [a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)* */
static int path_component(const char *s, size_t n) {
  size_t i = 0;
  for (;;) {
    size_t start = i;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) i++;
    if (i == start) return 0;
    if (i == n) return 1;
    if (s[i] == '.') i++;
    else if (s[i] == '_') i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
    else if (s[i] == '-')
      while (i < n && s[i] == '-') i++;
    else return 0;
  }
}

int image_short_name(const char *in) {
  /* ImageRef.isShortName */
  const char *slash = strchr(in, '/');
  if (!slash) return 1;
  size_t n = (size_t)(slash - in);
  return !memchr(in, '.', n) && !memchr(in, ':', n) && !(n == 9 && !memcmp(in, "localhost", 9));
}

int image_ref_text(const char *in, char *out, size_t size) {
  /* ImageRef.parse of a name with a registry and no digest, printed as name():tag */
  size_t len = strlen(in);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)in[i] < 0x21 || (unsigned char)in[i] > 0x7e) return -1;
  const char *slash = strchr(in, '/');
  if (!slash || image_short_name(in) || strchr(in, '@')) return -1;
  const char *reg = in, *rest = slash + 1;
  size_t rl = (size_t)(slash - in);
  const char *name = rest, *tag = "latest";
  size_t nl = strlen(rest), tl = 6;
  const char *colon = strrchr(rest, ':'), *last_slash = strrchr(rest, '/');
  if (colon && (!last_slash || colon > last_slash)) {
    tag = colon + 1;
    tl = strlen(tag);
    nl = (size_t)(colon - rest);
    if (tl == 0) return -1;
    /* ImageRef.isTag: [\w][\w.-]{0,127} */
    if (tl > 128 || !(is_alnum(tag[0]) || tag[0] == '_')) return -1;
    for (size_t i = 0; i < tl; i++)
      if (!is_alnum(tag[i]) && !strchr("_.-", tag[i])) return -1;
  }
  if (!registry_valid(reg, rl)) return -1;
  if ((rl == 15 && !memcmp(reg, "index.docker.io", 15)) || (rl == 20 && !memcmp(reg, "registry-1.docker.io", 20)))
    reg = "docker.io", rl = 9;
  if (nl == 0) return -1;
  int library = rl == 9 && !memcmp(reg, "docker.io", 9) && !memchr(name, '/', nl);
  for (size_t i = 0, start = 0; i <= nl; i++)
    if (i == nl || name[i] == '/') {
      if (!path_component(name + start, i - start)) return -1;
      start = i + 1;
    }
  if (rl + 1 + (library ? 8 : 0) + nl > 255) return -1;
  int n = snprintf(out, size, "%.*s/%s%.*s:%.*s", (int)rl, reg, library ? "library/" : "", (int)nl, name, (int)tl, tag);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

int image_normalize(const char *in, char *out, size_t size) {
  /* ImageLookup.normalize of a name without a digest */
  if (strchr(in, '@')) return -1;
  if (!image_short_name(in)) return image_ref_text(in, out, size);
  const char *colon = strrchr(in, ':'), *slash = strrchr(in, '/');
  int tagged = colon && (!slash || colon > slash);
  int n = snprintf(out, size, "%s%s", in, tagged ? "" : ":latest");
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

int image_tag_name(const char *in, char *out, size_t size) {
  /* ImageLookup.tagName: a short name goes to localhost/ */
  if (strchr(in, '@')) return -1;
  if (!image_short_name(in)) return image_ref_text(in, out, size);
  char full[PATH_MAX];
  int n = snprintf(full, sizeof full, "localhost/%s", in);
  if (n < 0 || (size_t)n >= sizeof full) return -1;
  return image_ref_text(full, out, size);
}

/* the names of tags.json, sorted as the TreeMap sorts them, each with its manifest digest */
struct tag_map {
  char **name, **digest;
  size_t n, cap;
};

static void tag_map_free(struct tag_map *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->name[i]);
    free(m->digest[i]);
  }
  free(m->name);
  free(m->digest);
  memset(m, 0, sizeof *m);
}

/* printable ASCII without `"` and `\`: written by Json.quote as it is */
static int plain_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\') return 0;
  return 1;
}

/* TreeMap.put: 0, or -1 out of memory */
static int tag_map_put(struct tag_map *m, const char *name, const char *digest) {
  size_t i = 0;
  while (i < m->n && strcmp(m->name[i], name) < 0) i++;
  char *d = strdup(digest);
  if (!d) return -1;
  if (i < m->n && !strcmp(m->name[i], name)) {
    free(m->digest[i]);
    m->digest[i] = d;
    return 0;
  }
  char *nm = strdup(name);
  if (!nm || m->n >= PS_TAGS_MAX) {
    free(nm);
    free(d);
    return -1;
  }
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    char **a = realloc(m->name, cap * sizeof *a);
    if (a) m->name = a;
    char **b = a ? realloc(m->digest, cap * sizeof *b) : NULL;
    if (b) m->digest = b;
    if (!a || !b) {
      free(nm);
      free(d);
      return -1;
    }
    m->cap = cap;
  }
  memmove(m->name + i + 1, m->name + i, (m->n - i) * sizeof *m->name);
  memmove(m->digest + i + 1, m->digest + i, (m->n - i) * sizeof *m->digest);
  m->name[i] = nm;
  m->digest[i] = d;
  m->n++;
  return 0;
}

static int lower_hex(const char *s, size_t min, size_t max) {
  size_t n = strlen(s);
  return n >= min && n <= max && strspn(s, "0123456789abcdef") == n;
}

static int sb_is(const struct sbuf *b, const char *s) { return b->p && b->len == strlen(s) && !memcmp(b->p, s, b->len); }

/* ImageLookup.find of source over the records and names: the image's manifest digest copied to
 * digest (72 bytes), or -1 for anything the JVM answers otherwise (none, ambiguous, a digest) */
static int tag_find(const char *source, const struct ps_image *im, size_t ni, const struct tag_map *m, char *digest,
                    const char **found) {
  *found = NULL;
  const char *h = strncmp(source, "sha256:", 7) ? source : source + 7;
  if (lower_hex(h, 3, 64)) {
    size_t hl = strlen(h), hits = 0, at = 0;
    for (size_t i = 0; i < ni; i++)
      if ((im[i].id.len >= 7 + hl && !memcmp(im[i].id.p + 7, h, hl)) || (im[i].digest.len >= 7 + hl && !memcmp(im[i].digest.p + 7, h, hl)))
        hits++, at = i;
    if (hits > 1) return -1;
    if (hits == 1) {
      memcpy(digest, im[at].digest.p, im[at].digest.len);
      digest[im[at].digest.len] = '\0';
      return 0;
    }
  }
  char name[PATH_MAX];
  if (image_normalize(source, name, sizeof name)) return -1; /* a digest, or a name ImageRef refuses */
  const char *match = NULL, *key = NULL;
  size_t nl = strlen(name), matches = 0;
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->name[i], name)) match = m->digest[i], key = m->name[i], matches = 1;
  if (!match && image_short_name(source)) {
    for (size_t i = 0; i < m->n; i++) {
      size_t l = strlen(m->name[i]);
      if (l > nl && m->name[i][l - nl - 1] == '/' && !strcmp(m->name[i] + l - nl, name))
        match = m->digest[i], key = m->name[i], matches++;
    }
  }
  if (matches != 1) return -1;
  for (size_t i = 0; i < ni; i++)
    if (sb_is(&im[i].digest, match)) {
      snprintf(digest, 72, "%s", match);
      *found = key;
      return 0;
    }
  return -1;
}

static int tag_map_text(const struct tag_map *m, struct sbuf *out) {
  /* Json.pretty of the sorted map (no newline after it) */
  if (!m->n) {
    sb_puts(out, "{}");
    return out->err ? -1 : 0;
  }
  sb_puts(out, "{");
  for (size_t i = 0; i < m->n; i++) {
    sb_puts(out, i ? ",\n  \"" : "\n  \"");
    sb_puts(out, m->name[i]);
    sb_puts(out, "\": \"");
    sb_puts(out, m->digest[i]);
    sb_puts(out, "\"");
  }
  sb_puts(out, "\n}");
  return out->err ? -1 : 0;
}

/* AtomicFiles.write: .NAME<16 hex>.tmp made new 0600, written, fsynced, made 0644, renamed over
 * NAME, the directory fsynced; 0, or -1 with errno (the temporary file removed) */
static int atomic_write(int dir, const char *name, const char *data, size_t len) {
  unsigned char r[8];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return -1;
  char tmp[NAME_MAX + 1];
  int n = snprintf(tmp, sizeof tmp, ".%s%02x%02x%02x%02x%02x%02x%02x%02x.tmp", name, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
  if (n < 0 || (size_t)n >= sizeof tmp) return -1;
  int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = write_all(fd, data, len) == 0 && fsync(fd) == 0 && fchmod(fd, 0644) == 0;
  if (close(fd) < 0) ok = 0;
  if (ok && renameat(dir, tmp, dir, name) == 0) {
    fsync(dir);
    return 0;
  }
  int saved = errno;
  unlinkat(dir, tmp, 0);
  errno = saved;
  return -1;
}

/* The image store as a command that changes its names meets it: ImageStore.open and its sweep
 * would change nothing, its lock is held (store.lock: held by another, the JVM waits for it), its
 * records and names read as the JVM reads them. */
struct img_session {
  int sfd, lock, dfd;
  struct ps_image *im;
  size_t ni;
  struct tag_map m;
};

static void img_session_close(struct img_session *s) {
  if (s->lock >= 0) close(s->lock);
  if (s->dfd >= 0) close(s->dfd);
  if (s->sfd >= 0) close(s->sfd);
  for (size_t i = 0; i < s->ni; i++) ps_image_free(&s->im[i]);
  free(s->im);
  tag_map_free(&s->m);
  memset(s, 0, sizeof *s);
  s->sfd = s->lock = s->dfd = -1;
}

/* 0 with the lock held, or -1 (closed again; nothing changed but the lock file, which the JVM
 * creates too) */
static int img_session_open(struct img_session *s) {
  memset(s, 0, sizeof *s);
  s->sfd = s->lock = s->dfd = -1;
  char containers[PATH_MAX], root[PATH_MAX], store[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  snprintf(store, sizeof store, "%s", containers);
  char *slash = strrchr(store, '/');
  if (!slash || slash == store) return -1;
  *slash = '\0';
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (!ps_store_ready(store) || !ps_nothing_to_sweep(containers, root, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000))
    return -1;
  s->sfd = open(store, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (s->sfd < 0) return -1;
  s->lock = lock_file(s->sfd, "store.lock", 1); /* ImageStore.locked */
  s->dfd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->lock < 0 || s->dfd < 0 || ps_images_load(store, &s->im, &s->ni)) goto fail;
  for (size_t i = 0; i < s->ni; i++) /* ids and digests as ImageStore.hex takes them */
    if (s->im[i].nonascii || s->im[i].digest.len != 71 || memcmp(s->im[i].digest.p, "sha256:", 7) ||
        !lower_hex(s->im[i].digest.p + 7, 64, 64) || s->im[i].id.len != 71 || memcmp(s->im[i].id.p, "sha256:", 7) ||
        !lower_hex(s->im[i].id.p + 7, 64, 64))
      goto fail;
  size_t n;
  char *tj = read_small(s->dfd, "tags.json", PS_RECORD_MAX, &n);
  if (tj) {
    struct ps_tags t;
    int bad = !utf8_valid(tj, n) || ps_tags_parse(tj, n, &t);
    free(tj);
    if (bad) goto fail;
    for (size_t i = 0; i < t.n && !bad; i++) {
      bad = !t.digest[i].p || !plain_text(t.name[i].p, t.name[i].len) || !plain_text(t.digest[i].p, t.digest[i].len) ||
            tag_map_put(&s->m, t.name[i].p, t.digest[i].p);
    }
    ps_tags_free(&t);
    if (bad) goto fail;
  } else {
    struct stat st;
    if (errno != ENOENT || fstatat(s->dfd, "tags.json", &st, 0) == 0) goto fail; /* (Files.exists: none) */
  }
  return 0;
fail:
  img_session_close(s);
  return -1;
}

/* ImageStore.writeTags of the session's names */
static int img_session_write_tags(struct img_session *s) {
  struct sbuf text = {.max = PS_RECORD_MAX};
  int rc = tag_map_text(&s->m, &text) || atomic_write(s->dfd, "tags.json", text.p, text.len) ? -1 : 0;
  sb_free(&text);
  return rc;
}

int tag_fast(int argc, char **argv) {
  /* `tag SOURCE TARGET...`: no option, `--` or @file (picocli's); at most CHANGE_MAX_REFS names */
  if (argc < 3 || argc > CHANGE_MAX_REFS + 2 || jvm_options_set()) return -1;
  for (int i = 1; i < argc; i++)
    if (!argv[i][0] || argv[i][0] == '-' || argv[i][0] == '@') return -1;
  /* every new name valid (a name tagName refuses: the JVM's error, after the names before it) */
  char (*targets)[PATH_MAX] = calloc((size_t)argc, sizeof *targets);
  if (!targets) return -1;
  int rc = -1;
  struct img_session s;
  for (int i = 2; i < argc; i++)
    if (image_tag_name(argv[i], targets[i], sizeof targets[i]) || !plain_text(targets[i], strlen(targets[i]))) goto done;
  if (img_session_open(&s)) goto done;
  /* as the JVM, name by name: the source found again among the names so far */
  for (int i = 2; i < argc; i++) {
    char digest[72];
    const char *found;
    if (tag_find(argv[1], s.im, s.ni, &s.m, digest, &found) || tag_map_put(&s.m, targets[i], digest)) goto close;
  }
  if (img_session_write_tags(&s)) goto close;
  trace("tag-fast");
  rc = 0;
close:
  img_session_close(&s);
done:
  free(targets);
  return rc;
}

/* TreeMap.remove */
static void tag_map_remove(struct tag_map *m, const char *name) {
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->name[i], name)) {
      free(m->name[i]);
      free(m->digest[i]);
      memmove(m->name + i, m->name + i + 1, (m->n - i - 1) * sizeof *m->name);
      memmove(m->digest + i, m->digest + i + 1, (m->n - i - 1) * sizeof *m->digest);
      m->n--;
      return;
    }
}

int rmi_fast(int argc, char **argv) {
  /* `rmi [-f|--force] IMAGE...`: picocli's options anywhere; any other option, `--`, an @file: the JVM */
  if (argc < 2 || argc > CHANGE_MAX_REFS + 2 || jvm_options_set()) return -1;
  const char *refs[CHANGE_MAX_REFS];
  int nrefs = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) continue; /* (untagging needs no force) */
    if (!argv[i][0] || argv[i][0] == '-' || argv[i][0] == '@' || nrefs == CHANGE_MAX_REFS) return -1;
    refs[nrefs++] = argv[i];
  }
  if (!nrefs) return -1;
  struct img_session s;
  if (img_session_open(&s)) return -1;
  int rc = -1;
  struct sbuf out = {.max = 1u << 20};
  /* StoreService.remove, image by image, of a name whose image keeps another name: that name goes
   * ("Untagged: NAME"); anything else (by id, the image's last name, not found): the JVM's */
  for (int i = 0; i < nrefs; i++) {
    char digest[72];
    const char *found;
    if (tag_find(refs[i], s.im, s.ni, &s.m, digest, &found) || !found) goto close;
    size_t names = 0;
    for (size_t k = 0; k < s.m.n; k++) names += !strcmp(s.m.digest[k], digest);
    if (names < 2) goto close;
    sb_puts(&out, "Untagged: ");
    sb_puts(&out, found);
    sb_puts(&out, "\n");
    char *gone = strdup(found);
    if (!gone) goto close;
    tag_map_remove(&s.m, gone);
    free(gone);
  }
  if (out.err || img_session_write_tags(&s)) goto close;
  trace("rmi-fast");
  if (write_all(1, out.p, out.len) < 0) {
    /* as the JVM's println: a closed stdout is no error */
  }
  rc = 0;
close:
  img_session_close(&s);
  sb_free(&out);
  return rc;
}
