/* jbox-helper: the single-threaded C side of jbox. Modes (PROTOCOL.md):
 *
 *   launch -- JAVA ARGV...   start the JVM with a pipe on fd 3; if it writes a plan there and exits
 *                            0, run the plan (the JVM is gone by then: nothing Java stays resident)
 *                            (it goes on as `launch-wait FD PID` in the helper's sealed copy, selfexec.c)
 *   run-plan FILE|-          run a plan read from a file or stdin (tests, and JVM-started runs)
 *   unshare [--direct] --uidmap "I O N"... --gidmap "I O N"... [--root-of PID START]
 *           [--overlay LOWER UPPER WORK MERGED] -- CMD...
 *                            run CMD as root in a new user namespace with those maps, in the
 *                            caller's mount namespace (store operations on subordinate-id files)
 *   jbox ARGS...             the `jbox` command itself: find the JVM, the jar and its AppCDS
 *                            archive, then `launch` (also when invoked under the name `jbox`)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_fast.h"
#include "change_fast.h"
#include "inspect_fast.h"
#include "kill_fast.h"
#include "ps_fast.h"
#include "read_fast.h"
#include "monitor.h"
#include "parsers.h"
#include "plan.h"
#include "sandbox.h"
#include "selfexec.h"
#include "shell_join.h"
#include "run_prepared.h"
#include "util.h"

#define PLAN_FD 3

static int usage(void) {
  dprintf(2, "usage: jbox-helper launch -- JAVA ARGS... | run-plan FILE | unshare [--direct] "
             "--uidmap 'I O N'... --gidmap 'I O N'... [--root-of PID START] [--overlay LOWER UPPER WORK MERGED] -- CMD... | owners ROOT\n");
  return 125;
}

static int run_buffer(char *buf, ssize_t len) {
  struct plan p;
  if (!running_protected()) die(125, "internal error: a plan reached the helper's own file, not its sealed copy");
  /* tests: the plan that would run, written to a file instead (the JVM's and exec_fast's compared) */
  const char *dump = getenv("JBOX_DEBUG_PLAN_FILE");
  if (dump && *dump) {
    autofd int fd = open(dump, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || write_all(fd, buf, (size_t)len) < 0) die(125, "write `%s`: %s", dump, strerror(errno));
    free(buf);
    return 0;
  }
  if (plan_decode(&p, buf, (size_t)len)) die(125, "%s", jbox_err);
  int code = run_plan(&p);
  plan_free(&p);
  return code;
}

/* Reads one plan: the 10-byte header, then the rest of the length it gives. Returns the length,
 * 0 at EOF before any byte (no plan), -1 on a short or oversized plan. */
static ssize_t read_plan(int fd, char **out) {
  unsigned char h[10];
  size_t got = 0;
  while (got < sizeof h) {
    ssize_t r = RETRY(read(fd, h + got, sizeof h - got));
    if (r <= 0) return got == 0 && r == 0 ? 0 : (errno = EPROTO, -1);
    got += (size_t)r;
  }
  size_t len = (size_t)h[6] | (size_t)h[7] << 8 | (size_t)h[8] << 16 | (size_t)h[9] << 24;
  if (len < sizeof h || len > PLAN_MAX_BYTES) return errno = EPROTO, -1;
  char *buf = malloc(len);
  if (!buf) return -1;
  memcpy(buf, h, sizeof h);
  while (got < len) {
    ssize_t r = RETRY(read(fd, buf + got, len - got));
    if (r <= 0) {
      free(buf);
      return errno = EPROTO, -1;
    }
    got += (size_t)r;
  }
  *out = buf;
  return (ssize_t)len;
}

static volatile sig_atomic_t jvm_pid;
static int await_plan(int plan_fd, pid_t pid);
static void to_jvm(int sig) {
  if (jvm_pid > 0) kill(jvm_pid, sig);
}

/* JDK 17 takes its file-name encoding (sun.jnu.encoding) from LC_CTYPE: under LANG unset or C
 * it is ASCII, and a layer's "café" failed with "Malformed input". The JVM alone gets C.UTF-8
 * where the caller's ctype is not UTF-8; commands keep the caller's environment. */
static void jvm_utf8_locale(void) {
  const char *all = getenv("LC_ALL"), *v = all && *all ? all : getenv("LC_CTYPE");
  if (!v || !*v) v = getenv("LANG");
  if (v && (strcasestr(v, "utf-8") || strcasestr(v, "utf8"))) return;
  setenv(all && *all ? "LC_ALL" : "LC_CTYPE", "C.UTF-8", 1);
}

static int launch(char **argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) die(125, "pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) die(125, "fork: %s", strerror(errno));
  if (pid == 0) {
    /* The JVM dies with us: a SIGKILL of the launcher leaves no JVM behind. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1) _exit(125);
    if (dup2(fds[1], PLAN_FD) < 0) _exit(125); /* dup2 clears FD_CLOEXEC on the copy */
    if (fds[1] == PLAN_FD && fcntl(PLAN_FD, F_SETFD, 0) < 0) _exit(125); /* ... but not when it is a no-op */
    jvm_utf8_locale();
    execvp(argv[0], argv);
    dprintf(2, "jbox: exec `%s`: %s (is a Java 17 runtime installed? set JAVA_HOME)\n", argv[0], strerror(errno));
    _exit(125);
  }
  close(fds[1]);
  /* ctrl-C reaches the JVM from the terminal itself (SIG_IGN survives the execve below) */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  /* Go on in the sealed copy of the helper (selfexec.c) while the JVM starts: the copy costs
   * nothing on the way to the sandbox. SIGTERM/SIGHUP stay blocked (and pending) until the copy
   * passes them on. */
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGHUP);
  sigprocmask(SIG_BLOCK, &term, NULL);
  char fd_arg[16], pid_arg[16];
  snprintf(fd_arg, sizeof fd_arg, "%d", fds[0]);
  snprintf(pid_arg, sizeof pid_arg, "%d", (int)pid);
  char *resume[] = {"jbox-helper", "launch-wait", fd_arg, pid_arg, NULL};
  /* the plan pipe and the caller's descriptors (main marked them close-on-exec, for the JVM's
   * sake) go on into the copy, which marks them again; run_plan keeps the --preserve-fds ones */
  if (inherit_from(3) < 0) die(125, "fcntl: %s", strerror(errno));
  reexec_sealed(resume); /* returns only when this already is the copy */
  return await_plan(fds[0], pid);
}

/* launch, continued: a kill of this process is passed on to the JVM; then the plan, if any. */
static int await_plan(int plan_fd, pid_t pid) {
  trace("sealed-copy");
  set_name("jbox");
  fcntl(plan_fd, F_SETFD, FD_CLOEXEC);
  jvm_pid = pid;
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  struct sigaction sa = {.sa_handler = to_jvm, .sa_flags = SA_RESTART};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGHUP);
  sigprocmask(SIG_UNBLOCK, &term, NULL);
  /* The plan's header carries its length: once it is all here the sandbox starts, while the JVM
   * finishes exiting in parallel (stage 0 reaps it with the other children). EOF first means
   * no plan: the JVM's status is the answer. */
  char *plan = NULL;
  ssize_t n = read_plan(plan_fd, &plan);
  close(plan_fd);
  if (n > 0) {
    trace("plan-received");
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    return run_buffer(plan, n);
  }
  free(plan);
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) die(125, "wait for the JVM: %s", strerror(errno));
  jvm_pid = 0;
  trace("jvm-exited");
  if (!WIFEXITED(st)) return 128 + WTERMSIG(st);
  if (WEXITSTATUS(st) == 0 && n < 0) die(125, "read the plan from the JVM: %s", strerror(errno));
  return WEXITSTATUS(st);
}

/* The JVM's entry point: jbox's, or the OCI runtime's (oci_command). */
static const char *main_class = "dev.jbox.cli.Main";

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *joined(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 1);
  if (!s) die(125, "out of memory");
  memcpy(s, a, la);
  memcpy(s + la, b, lb + 1);
  return s;
}

/* The packaged layout (Debian's Java policy): the helper in /usr/lib/jbox, the jar and its
 * libraries in /usr/share/jbox. Relative to the helper, so that a package unpacked under another
 * root (rpm --root) finds its own jar. Returns `fallback` when there is none. */
static char *installed_jar(const char *helper_dir, char *fallback) {
  char *rel = joined(helper_dir, "/../../share/jbox/jbox.jar");
  char real[PATH_MAX];
  if (!realpath(rel, real) || !is_file(real)) {
    free(rel);
    return fallback;
  }
  free(rel);
  return strdup(real);
}

/* The archive for the jar `cp` (its name with `suffix` in place of .jar) that matches `java`. */
static char *cds_for_jar(const char *java, const char *cp, size_t cplen, const char *suffix, const char *self);

/* ---- AppCDS archives that match the JVM (see scripts/cds and cli/Cds.java) -------------------- */

/* The stamp of the JVM `java` (a path, or a name looked up on PATH as execvp does): the real path
 * of its lib/modules, that file's size and mtime in seconds; scripts/cds writes the same line
 * beside each archive. Returns 0, or -1 when the JVM cannot be found. */
static int jvm_stamp(const char *java, char *out, size_t len) {
  char found[PATH_MAX], real[PATH_MAX];
  if (strchr(java, '/')) {
    snprintf(found, sizeof found, "%s", java);
  } else {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    found[0] = '\0';
    for (const char *p = path; *p;) {
      size_t n = strcspn(p, ":");
      if (n > 0 && n + strlen(java) + 2 < sizeof found) {
        snprintf(found, sizeof found, "%.*s/%s", (int)n, p, java);
        if (access(found, X_OK) == 0) break;
      }
      found[0] = '\0';
      p += n + (p[n] == ':');
    }
    if (!found[0]) return -1;
  }
  if (!realpath(found, real)) return -1;
  for (int up = 0; up < 2; up++) { /* JAVA/bin/java -> JAVA */
    char *slash = strrchr(real, '/');
    if (!slash) return -1;
    *slash = '\0';
  }
  char modules[PATH_MAX + 16], rmod[PATH_MAX];
  snprintf(modules, sizeof modules, "%s/lib/modules", real);
  struct stat st;
  if (!realpath(modules, rmod) || stat(rmod, &st) < 0) return -1;
  snprintf(out, len, "%s %lld %lld", rmod, (long long)st.st_size, (long long)st.st_mtim.tv_sec);
  return 0;
}

/* 1: archive's stamp file holds `stamp`; 0: it holds another; -1: there is none. */
static int stamp_matches(const char *archive, const char *stamp) {
  char path[PATH_MAX + 8], buf[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s.jvm", archive);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return strcmp(buf, stamp) == 0 && access(archive, R_OK) == 0;
}

/* What `jbox version`'s facts from the JVM depend on: the JVM (its modules and libjvm.so: the
 * java.version and java.vm.* properties) and the jar (its Implementation-Version), each by real
 * path, size and modification time. -1: not one jar, or a JVM laid out otherwise. */
static int version_key(const char *java, const char *cp, char *out, size_t len) {
  char jvm[PATH_MAX + 64], lib[PATH_MAX], real[PATH_MAX];
  size_t cl = strlen(cp);
  struct stat st, jar;
  if (jvm_stamp(java, jvm, sizeof jvm) < 0 || strchr(cp, ':') || cl < 5 || strcmp(cp + cl - 4, ".jar") || !realpath(cp, real) ||
      stat(real, &jar) < 0)
    return -1;
  /* JAVA/lib/modules -> JAVA/lib/server/libjvm.so */
  char *sp = strchr(jvm, ' ');
  if (!sp || sp - jvm < 8 || strncmp(sp - 8, "/modules", 8)) return -1;
  snprintf(lib, sizeof lib, "%.*s/server/libjvm.so", (int)(sp - 8 - jvm), jvm);
  if (stat(lib, &st) < 0) return -1;
  int n = snprintf(out, len, "jvm %s %lld %lld; jar %s %lld %lld", jvm, (long long)st.st_size, (long long)st.st_mtim.tv_sec, real,
                   (long long)jar.st_size, (long long)jar.st_mtim.tv_nsec + (long long)jar.st_mtim.tv_sec * 1000000000LL);
  return n < 0 || (size_t)n >= len || strchr(out, '\n') ? -1 : 0;
}

/* Makes the user's archives again in the background, once (a lock in the cache directory), when
 * those found were made by another JVM: `jbox system cds --if-stale` in its own session, niced,
 * double-forked so that it is never a child of this process or of the sandbox's monitor. */
static void cds_regenerate(const char *self, const char *cache) {
  pid_t pid = fork();
  if (pid != 0) {
    if (pid > 0) RETRY(waitpid(pid, NULL, 0));
    return;
  }
  if (fork() != 0) _exit(0);
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }
  for (int fd = 3; fd < 1024; fd++) close(fd);
  char lock[PATH_MAX + 16];
  snprintf(lock, sizeof lock, "%s/.lock", cache);
  int lk = open(lock, O_RDWR | O_CREAT, 0600); /* held, without CLOEXEC, by the JVM it execs */
  if (lk < 0 || flock(lk, LOCK_EX | LOCK_NB) < 0) _exit(0);
  if (nice(10) < 0) { /* best effort */ }
  setenv("JBOX_CDS", "0", 1);
  execl(self, "jbox", "system", "cds", "--if-stale", "--quiet", (char *)NULL);
  _exit(0);
}

static char *cds_archive(const char *java, const char *jar_dir, const char *name, const char *self);

static char *cds_for_jar(const char *java, const char *cp, size_t cplen, const char *suffix, const char *self) {
  const char *slash = memrchr(cp, '/', cplen);
  if (!slash) return NULL;
  char dir[PATH_MAX], name[NAME_MAX + 2];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - cp), cp);
  snprintf(name, sizeof name, "%.*s%s", (int)(cp + cplen - 4 - slash), slash, suffix);
  return cds_archive(java, dir, name, self);
}

static int mkdirs(char *path) {
  for (char *s = path + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    mkdir(path, 0700);
    *s = '/';
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* The commands whose JVM maps run's archive: run, shell (which plans as run does), and the
 * read-only commands whose usual forms FastArgs.java parses without picocli (CdsTraining trains
 * that archive on them too). Every other command takes the larger archive, with picocli, the HTTP
 * client and TLS. */
static int uses_run_archive(const char *command) {
  static const char *const words[] = {"run", "shell", "ps", "images", "inspect", "logs"};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (!strcmp(command, words[i])) return 1;
  return 0;
}

/* The commands that only read or change records (FastArgs parses their usual forms), which start
 * with the small archive trained on them alone (CdsTraining's cmds): mapping the cli archive, with
 * every picocli model, the HTTP client and the unpacker, cost each of them about 5 ms. argv[0] is
 * the command word, argv[1] (may be NULL) the next one. */
static int uses_cmds_archive(int argc, char **argv) {
  static const char *const words[] = {"port", "wait", "top", "stop", "kill", "rename", "rm", "tag", "rmi", "volume", "version", "info"};
  if (argc < 1) return 0;
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (!strcmp(argv[0], words[i])) return 1;
  if (argc < 2) return 0;
  return (!strcmp(argv[0], "system") && !strcmp(argv[1], "df")) || (!strcmp(argv[0], "image") && !strcmp(argv[1], "inspect"));
}

/* The archive named `name` (jbox.jsa, jbox-cli.jsa or jbox-oci.jsa) made by the JVM `java`: beside the jar
 * (`jar_dir`), else /var/lib/jbox/cds (the package's postinst), else ~/.cache/jbox/cds (`jbox
 * system cds`), the first whose stamp matches. None matching but one stale: regenerate the user's
 * in the background and start without (the JVM's -Xshare:auto uses the JDK's default archive). */
static char *cds_archive(const char *java, const char *jar_dir, const char *name, const char *self) {
  char stamp[PATH_MAX + 64];
  if (jvm_stamp(java, stamp, sizeof stamp) < 0) return NULL;
  char cache[PATH_MAX];
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (xdg && *xdg == '/') snprintf(cache, sizeof cache, "%s/jbox/cds", xdg);
  else if (home && *home == '/') snprintf(cache, sizeof cache, "%s/.cache/jbox/cds", home);
  else cache[0] = '\0';
  const char *dirs[] = {jar_dir, "/var/lib/jbox/cds", cache};
  int stale = 0;
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
    if (!dirs[i][0]) continue;
    char *a = joined(dirs[i], name);
    int m = stamp_matches(a, stamp);
    if (m == 1) return a;
    stale |= m == 0;
    free(a);
  }
  if (stale && cache[0] && mkdirs(cache) == 0) cds_regenerate(self, cache);
  return NULL;
}

/* `jbox --help`, `jbox -V`, `jbox CMD --help`, `jbox image inspect -h`...: answered from the text
 * the build wrote next to the jar (dev.jbox.cli.HelpText: JARDIR/help/WORD+WORD.txt, the JVM's
 * own output for that very command line), without starting a JVM: 1-2 ms instead of ~250. A
 * command line with no such file (a word outside [A-Za-z0-9-], more words, a missing help
 * directory) returns -1 and goes to the JVM as before. */
static int answer_from_help_text(const char *first_cp, int argc, char **argv) {
  /* `jbox help [CMD [SUB]]` is `jbox [CMD [SUB]] --help` (HelpCommand), when no word is an option */
  char *as_help[4];
  int words = argc >= 1 && argc <= 3 && !strcmp(argv[0], "help");
  for (int i = 1; words && i < argc; i++) words = argv[i][0] != '-';
  if (words) {
    for (int i = 1; i < argc; i++) as_help[i - 1] = argv[i];
    as_help[argc - 1] = "--help";
    argv = as_help;
  }
  if (argc < 1 || argc > 3) return -1;
  const char *last = argv[argc - 1];
  if (strcmp(last, "--help") && strcmp(last, "-h") && strcmp(last, "--version") && strcmp(last, "-V")) return -1;
  char path[PATH_MAX];
  const char *slash = strrchr(first_cp, '/');
  int len = slash ? snprintf(path, sizeof path, "%.*s/help/", (int)(slash - first_cp), first_cp)
                  : snprintf(path, sizeof path, "help/");
  for (int i = 0; i < argc; i++) {
    size_t wl = strlen(argv[i]);
    if (wl == 0 || wl > 64 || strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != wl)
      return -1;
    if (len < 0 || (size_t)len + wl + 6 >= sizeof path) return -1;
    len += snprintf(path + len, sizeof path - (size_t)len, "%s%s", i ? "+" : "", argv[i]);
  }
  if ((size_t)len + 5 >= sizeof path) return -1;
  memcpy(path + len, ".txt", 5);
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char *text;
  ssize_t n = read_all(fd, &text, 1 << 20);
  if (n < 0) return -1;
  int rc = write_all(1, text, (size_t)n) == 0 ? 0 : 125;
  free(text);
  return rc;
}

/* The `jbox` command (it replaced a shell launcher whose fork+exec of sh, readlink and dirname
 * cost 4-5 ms of every command). Layout: the build tree (JBOX_HOME/helpers/build/jbox-helper,
 * JBOX_HOME/target/jbox.jar) or the installed one (/usr/lib/jbox/{jbox-helper,jbox.jar}, with
 * /usr/bin/jbox a symlink to the helper). Environment: JBOX_HOME, JBOX_CLASSPATH, JAVA_HOME,
 * JBOX_JAVA_OPTS (split on blanks), JBOX_CDS=0 or JBOX_CDS_ARCHIVE, JBOX_HELPER (which helper the
 * JVM's own helper calls use; this one by default). */
static int jbox_command(int argc, char **argv) {
  /* the common forms of `jbox exec` on a running sandbox: no JVM (exec_fast.c); -1 goes on */
  if (argc > 0 && !strcmp(argv[0], "exec") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_EXEC_NO_FAST"))
    exec_fast(argc - 1, argv + 1);
  /* `jbox kill [-s SIG] SANDBOX` of a running sandbox: signalled without a JVM (kill_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "kill") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_KILL_NO_FAST") &&
      kill_fast(argc - 1, argv + 1) == 0)
    return 0;
  /* `jbox stop [-t N] SANDBOX...` and `jbox rm SANDBOX...` of ended sandboxes: done without a JVM
   * (change_fast.c); -1 goes on, with the sandboxes not yet done when earlier ones were */
  if (argc > 0 && (!strcmp(argv[0], "stop") || !strcmp(argv[0], "rm")) && !strcmp(main_class, "dev.jbox.cli.Main") &&
      !getenv("JBOX_CHANGE_NO_FAST")) {
    int rc = argv[0][0] == 's' ? stop_fast(&argc, argv) : rm_fast(&argc, argv);
    if (rc >= 0) return rc;
  }
  /* `jbox volume create NAME`: made without a JVM (change_fast.c) */
  if (argc > 1 && !strcmp(argv[0], "volume") && !strcmp(argv[1], "create") && !strcmp(main_class, "dev.jbox.cli.Main") &&
      !getenv("JBOX_CHANGE_NO_FAST") && volume_create_fast(argc, argv) == 0)
    return 0;
  /* `jbox volume rm NAME` of an unused volume (change_fast.c) */
  if (argc > 1 && !strcmp(argv[0], "volume") && !strcmp(argv[1], "rm") && !strcmp(main_class, "dev.jbox.cli.Main") &&
      !getenv("JBOX_CHANGE_NO_FAST")) {
    int rc = volume_rm_fast(argc, argv);
    if (rc >= 0) return rc;
  }
  /* `jbox rename SANDBOX NAME`: the record rewritten without a JVM (change_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "rename") && !strcmp(main_class, "dev.jbox.cli.Main") &&
      !getenv("JBOX_CHANGE_NO_FAST")) {
    int rc = rename_fast(argc, argv);
    if (rc >= 0) return rc;
  }
  /* `jbox tag SOURCE TARGET...`: tags.json rewritten without a JVM (change_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "tag") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_CHANGE_NO_FAST") &&
      tag_fast(argc, argv) == 0)
    return 0;
  /* `jbox rmi [-f] NAME...` of names whose images keep another: untagged without a JVM (change_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "rmi") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_CHANGE_NO_FAST") &&
      rmi_fast(argc, argv) == 0)
    return 0;
  /* `jbox top SANDBOX`: the JVM's table from /proc without a JVM (read_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "top") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_TOP_NO_FAST") &&
      top_fast(argc - 1, argv + 1) == 0)
    return 0;
  /* `jbox ps [-a] [-q] [--no-trunc]` and `jbox images [-q] [--no-trunc]`: listed from the records
   * without a JVM (ps_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "ps") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_PS_NO_FAST") &&
      ps_fast(argc - 1, argv + 1) == 0)
    return 0;
  if (argc > 0 && !strcmp(argv[0], "images") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_IMAGES_NO_FAST") &&
      images_fast(argc - 1, argv + 1) == 0)
    return 0;
  /* `jbox port SANDBOX`: its published ports from its record (ps_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "port") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_PORT_NO_FAST") &&
      port_fast(argc - 1, argv + 1) == 0)
    return 0;
  /* `jbox logs [-f] [-t] [-n] [--tail N] SANDBOX...` of detached sandboxes and `jbox wait
   * SANDBOX...`: from the records and log files without a JVM (read_fast.c); a wait the launcher
   * cannot finish hands the sandboxes not yet answered to the JVM */
  if (argc > 0 && !strcmp(argv[0], "logs") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_LOGS_NO_FAST")) {
    int rc = logs_fast(argc - 1, argv + 1);
    if (rc >= 0) return rc;
  }
  /* `jbox volume ls [-q]`: the volumes' directories read without a JVM (read_fast.c) */
  if (argc > 1 && !strcmp(argv[0], "volume") && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")) &&
      !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_VOLUME_NO_FAST") && volume_ls_fast(argc - 2, argv + 2) == 0)
    return 0;
  if (argc > 1 && !strcmp(argv[0], "volume") && !strcmp(argv[1], "inspect") && !strcmp(main_class, "dev.jbox.cli.Main") &&
      !getenv("JBOX_VOLUME_NO_FAST") && volume_inspect_fast(argc - 2, argv + 2) == 0)
    return 0;
  /* `jbox inspect SANDBOX|IMAGE...` and `jbox image inspect IMAGE...`: podman's objects from the
   * records (inspect_fast.c) */
  if (argc > 0 && !strcmp(argv[0], "inspect") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_INSPECT_NO_FAST") &&
      inspect_fast(argc - 1, argv + 1) == 0)
    return 0;
  if (argc > 1 && !strcmp(argv[0], "image") && !strcmp(argv[1], "inspect") && !strcmp(main_class, "dev.jbox.cli.Main") &&
      !getenv("JBOX_INSPECT_NO_FAST") && image_inspect_fast(argc - 2, argv + 2) == 0)
    return 0;
  if (argc > 0 && !strcmp(argv[0], "wait") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_WAIT_NO_FAST")) {
    int done = 0;
    if (wait_fast(argc - 1, argv + 1, &done) == 0) return 0;
    if (done > 0) {
      argv[done] = argv[0];
      argv += done;
      argc -= done;
    }
  }
  /* `jbox shell [--] [CMD...]` in a project whose sandbox runs: joined without a JVM (shell_join.c) */
  if (argc > 0 && !strcmp(argv[0], "shell") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_SHELL_NO_FAST"))
    shell_join(argc - 1, argv + 1);
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) die(125, "readlink /proc/self/exe: %s", strerror(errno));
  self[n] = '\0';
  char *home = getenv("JBOX_HOME");
  char dir[PATH_MAX];
  if (!home || !*home) {
    snprintf(dir, sizeof dir, "%s", self);
    *strrchr(dir, '/') = '\0'; /* the helper's directory */
    char *tree = joined(dir, "/../../pom.xml");
    char resolved[PATH_MAX];
    if (is_file(tree) && realpath(joined(dir, "/../.."), resolved)) snprintf(dir, sizeof dir, "%s", resolved);
    home = dir;
  }
  char *cp = getenv("JBOX_CLASSPATH");
  if (cp && *cp) {
    /* every entry absolute: an empty or relative one makes the JVM look for classes in the
     * working directory, which is often a project that jbox shell lets a build write */
    for (const char *e = cp;; e++) {
      if (*e != '/') die(125, "JBOX_CLASSPATH: every entry must be an absolute path (got `%s`)", cp);
      e = strchr(e, ':');
      if (!e) break;
    }
  }
  if (!cp || !*cp) {
    cp = joined(home, "/target/jbox.jar");
    if (!is_file(cp)) cp = joined(home, "/jbox.jar");
    if (!is_file(cp)) cp = installed_jar(home, cp);
  }
  char first[PATH_MAX];
  snprintf(first, sizeof first, "%.*s", (int)strcspn(cp, ":"), cp);
  if (access(first, R_OK) != 0) die(125, "`%s` not found (build with: mvn -DskipTests package)", first);
  int answered = answer_from_help_text(first, argc, argv);
  if (answered >= 0) return answered;
  /* a new project sandbox of `jbox shell`: is its prepared start still true (prestart.c)? Then
   * the launcher starts it itself and does not return (shell_start.c; PROTOCOL.md "The
   * launcher's start"); otherwise the JVM starts it */
  if (argc > 0 && !strcmp(argv[0], "shell") && !strcmp(main_class, "dev.jbox.cli.Main") && !getenv("JBOX_SHELL_NO_FAST")) {
    const char *helper = getenv("JBOX_HELPER");
    shell_prestart_probe(first, helper && *helper ? helper : self);
  }
  /* `jbox run`: does the KEY the JVM kept for these words still hold (run_prepared.c)? Then the
   * launcher runs the sandbox itself and does not return (run_fast.c; PROTOCOL.md "The launcher's
   * run"); otherwise the JVM runs it. JBOX_RUN_PREPARED=0: off */
  if (argc > 0 && !strcmp(argv[0], "run") && !strcmp(main_class, "dev.jbox.cli.Main")) {
    const char *on = getenv("JBOX_RUN_PREPARED");
    const char *helper = getenv("JBOX_HELPER");
    if (!on || strcmp(on, "0")) run_prepared_probe(argc - 1, argv + 1, first, helper && *helper ? helper : self);
  }
  setenv("JBOX_HOME", home, 1);
  if (!getenv("JBOX_HELPER")) setenv("JBOX_HELPER", self, 1);

  const char *java_home = getenv("JAVA_HOME");
  const char *java = java_home && *java_home ? joined(java_home, "/bin/java") : "java";
  /* `jbox version`: the JVM's facts as the JVM last printed them for this JVM and jar (read_fast.c) */
  if (argc == 1 && !strcmp(argv[0], "version") && !strcmp(main_class, "dev.jbox.cli.Main")) {
    char key[2 * PATH_MAX + 256], cache[PATH_MAX];
    if (version_key(java, cp, key, sizeof key) == 0 && version_cache_path(cache, sizeof cache) == 0) {
      if (!getenv("JBOX_VERSION_NO_FAST") && version_fast(key, self) == 0) return 0;
      setenv("JBOX_VERSION_CACHE", cache, 1); /* VersionCommand writes what it printed there */
      setenv("JBOX_VERSION_KEY", key, 1);
    }
  }
  char *opts = getenv("JBOX_JAVA_OPTS");
  opts = opts ? strdup(opts) : NULL;
  size_t max = (size_t)argc + 16 + (opts ? strlen(opts) / 2 + 1 : 0);
  const char **jv = calloc(max, sizeof *jv);
  if (!jv) die(125, "out of memory");
  size_t k = 0;
  /* Start-up flags: a short-lived CLI wants the C1 compiler only (C2 would cost ~8 ms of a 60 ms
   * run, and compiling with it took 29 % of a pull's CPU); the bulk hashing of pulls goes to
   * libcrypto instead (NativeSha256). G1, with one thread of each kind, because JDK 17 maps the
   * archived heap objects of the CDS archive (the module graph, interned strings, class mirrors)
   * only under G1: under the serial GC the JVM rebuilt them on every start, and `jbox run` took
   * 56.1 ms instead of 50.8 ms (median of 40 interleaved runs; 60.7 vs 53.3 ms of CPU). */
  /* pull and load unpack layers in this JVM (helpers/PROTOCOL.md, "A pull's owners"): a young
   * generation of 16 MiB under the serial collector reuses the same pages for the tar's parsing
   * garbage and the HTTP buffers, where G1's default eden kept touching new ones (38,000 page
   * faults a 93 MB pull, 18,500 with this; a first-touched page costs 5-10 us on a busy VM, see
   * bench/README.md). The archived heap objects G1 alone maps cost about 5 ms of a multi-second
   * command. */
  int unpacks = argc > 0 && (!strcmp(argv[0], "pull") || !strcmp(argv[0], "load")) && !strcmp(main_class, "dev.jbox.cli.Main");
  const char *fixed[] = {java, "-XX:TieredStopAtLevel=1", unpacks ? "-XX:+UseSerialGC" : "-XX:+UseG1GC", "-XX:ParallelGCThreads=1",
                         "-XX:ConcGCThreads=1", "-Xss512k", "-Xshare:auto", "-XX:CICompilerCount=1", "-XX:-UsePerfData"};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) jv[k++] = fixed[i];
  if (unpacks) jv[k++] = "-Xmn16m";
  /* AppCDS archives (scripts/cds builds it at `mvn package`): about 20 ms off every
   * start. The JVM checks that it belongs to this jar and this JDK, and runs without it otherwise. */
  const char *cds = getenv("JBOX_CDS");
  size_t cplen = strlen(cp);
  if ((!cds || strcmp(cds, "0")) && cplen > 4 && !strcmp(cp + cplen - 4, ".jar")) {
    char *jsa = getenv("JBOX_CDS_ARCHIVE");
    if (!jsa || !*jsa) {
      /* three archives: `run`'s, kept small because mapping an archive costs start-up time in
       * proportion to its size (it also serves shell and the read-only commands, uses_run_archive),
       * jbox-oci's (its own classes, picocli, the seccomp compiler), and every other command's
       * (pull's HTTP and TLS classes made a shared archive five times larger and every run 2-4 ms
       * slower) */
      int cli = !strcmp(main_class, "dev.jbox.cli.Main");
      const char *suffix = !strcmp(main_class, "dev.jbox.oci.Main")            ? "-oci.jsa"
                           : cli && argc > 0 && uses_run_archive(argv[0])      ? ".jsa"
                           : cli && uses_cmds_archive(argc, (char **)argv) ? "-cmds.jsa"
                                                                               : "-cli.jsa";
      jsa = cds_for_jar(java, cp, cplen, suffix, self);
    }
    if (jsa && access(jsa, R_OK) == 0) {
      jv[k++] = joined("-XX:SharedArchiveFile=", jsa);
      jv[k++] = "-Xlog:cds=off,cds+dynamic=off";
      jv[k++] = joined("-Djbox.cds=", jsa); /* for the unpacker JVM that pulls start */
    }
  }
  for (char *save = NULL, *t = opts ? strtok_r(opts, " \t\n", &save) : NULL; t; t = strtok_r(NULL, " \t\n", &save))
    jv[k++] = t;
  jv[k++] = "-cp";
  jv[k++] = cp;
  jv[k++] = main_class;
  for (int i = 0; i < argc; i++) jv[k++] = argv[i];
  jv[k] = NULL;
  return launch((char **)jv);
}

/* `jbox-oci`, the OCI runtime (invoked under that name, e.g. a symlink to the helper, or as
 * `jbox-helper jbox-oci ARGS`): the same launcher with the runtime's entry point; its plans carry
 * T_OCI (oci.c). */
static int oci_command(int argc, char **argv) {
  main_class = "dev.jbox.oci.Main";
  /* containerd's shim runs `delete` in a bundle directory it has already removed, and a JVM
   * cannot start without a working directory: relative paths mean nothing there anyway */
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd) && chdir("/") < 0) die(125, "chdir /: %s", strerror(errno));
  /* start, kill and delete on their happy paths need no JVM (oci_fast.c); -1: the JVM decides */
  if (!getenv("JBOX_OCI_NO_FAST") && oci_fast(argc, argv) == 0) return 0;
  return jbox_command(argc, argv);
}

static int run_plan_file(const char *file) {
  int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : fcntl(0, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) die(125, "open plan `%s`: %s", file, strerror(errno));
  char *buf;
  ssize_t n = read_all(fd, &buf, PLAN_MAX_BYTES);
  if (n < 0) die(125, "read plan `%s`: %s", file, strerror(errno));
  close(fd); /* before run_plan, which keeps the caller's fds 3.. for --preserve-fds */
  return run_buffer(buf, n);
}

/* `unshare --root-of PID START`: the root directory of a sandbox's process (its mount namespace's
 * root, overlay and all) becomes CMD's fd 3, opened here as the caller, who owns the sandbox's user
 * namespace (a process in the new user namespace may not open another namespace's /proc/PID/root).
 * START is the process's start time (field 22 of its stat): a pid that names another process by
 * now is refused. CMD resolves paths under it with openat2(RESOLVE_IN_ROOT). */
static void open_root_of(const char *pid, const char *start) {
  char path[64], stat[1024], *end;
  errno = 0;
  long n = strtol(pid, &end, 10);
  if (errno || *end || n <= 0) die(125, "unshare --root-of: bad pid `%s`", pid);
  unsigned long long want = strtoull(start, &end, 10), have;
  if (*end || !*start) die(125, "unshare --root-of: bad start time `%s`", start);
  snprintf(path, sizeof path, "/proc/%ld", n);
  int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) die(125, "sandbox process %ld: %s", n, strerror(errno));
  int sf = openat(dir, "stat", O_RDONLY | O_CLOEXEC);
  ssize_t len = sf < 0 ? -1 : RETRY(read(sf, stat, sizeof stat - 1));
  if (sf >= 0) close(sf);
  if (len <= 0) die(125, "read `%s/stat`: %s", path, strerror(errno));
  stat[len] = '\0';
  if (parse_starttime(stat, &have) || have != want) die(125, "sandbox process %ld is gone (its pid now names another process)", n);
  int root = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die(125, "open `%s/root`: %s", path, strerror(errno));
  close(dir);
  /* close-on-exec until exec_process passes it on (the preserved-fds rule) */
  if (root != 3 && (dup3(root, 3, O_CLOEXEC) < 0 || close(root) < 0)) die(125, "dup the sandbox's root: %s", strerror(errno));
}

static int unshare_mode(int argc, char **argv) {
  struct plan p;
  memset(&p, 0, sizeof p);
  p.maptool = "newidmap";
  for (int i = 1; i < NS_COUNT; i++) p.ns[i].mode = NSM_HOST;
  const char *root_of = NULL, *root_start = NULL;
  int i = 0;
  for (; i < argc && strcmp(argv[i], "--"); i++) {
    struct idmap_line *l = NULL;
    if (!strcmp(argv[i], "--direct")) {
      p.maptool = "direct";
      continue;
    }
    if (!strcmp(argv[i], "--root-of") && i + 2 < argc && !root_of) {
      root_of = argv[i + 1];
      root_start = argv[i + 2];
      i += 2;
      continue;
    }
    if (!strcmp(argv[i], "--overlay") && i + 4 < argc && !p.ovl_target) {
      /* copies: set_name overwrites main's argv strings (the process title) */
      if (!(p.ovl_lower = strdup(argv[i + 1])) || !(p.ovl_upper = strdup(argv[i + 2])) || !(p.ovl_work = strdup(argv[i + 3]))
          || !(p.ovl_target = strdup(argv[i + 4])))
        die(125, "out of memory");
      i += 4;
      continue;
    }
    if (!strcmp(argv[i], "--uidmap") && i + 1 < argc && p.nuid < PLAN_MAX_MAP_LINES) l = &p.uidmap[p.nuid++];
    else if (!strcmp(argv[i], "--gidmap") && i + 1 < argc && p.ngid < PLAN_MAX_MAP_LINES) l = &p.gidmap[p.ngid++];
    else return usage();
    if (idmap_parse(argv[++i], l)) die(125, "%s", jbox_err);
  }
  if (i + 1 >= argc || p.nuid == 0 || p.ngid == 0) return usage();
  p.argc = (size_t)(argc - i - 1);
  /* copies: set_name overwrites main's argv strings (the process title) */
  p.argv = calloc(p.argc + 1, sizeof *p.argv);
  if (!p.argv) die(125, "out of memory");
  for (size_t k = 0; k < p.argc; k++)
    if (!(p.argv[k] = strdup(argv[i + 1 + k]))) die(125, "out of memory");
  p.keep_stdin = 1;
  p.ns[NS_TIME].mode = NSM_HOST;
  if (!running_protected()) die(125, "internal error: unshare from the helper's own file, not its sealed copy");
  if (p.ovl_target) {
    for (const char **s = (const char *[]){p.ovl_upper, p.ovl_work, p.ovl_target, NULL}; *s; s++)
      if (**s != '/') die(125, "unshare --overlay: `%s` is not an absolute path", *s);
    p.ns[NS_MNT].mode = NSM_NEW; /* the overlay lives and dies with CMD's own mount namespace */
  }
  if (root_of) {
    p.preserve_fds = 1; /* fd 3: the sandbox's root */
    open_root_of(root_of, root_start);
  }
  return run_plan(&p);
}

int main(int argc, char **argv) {
  /* First of all: no descriptor the caller left open above 2 reaches the JVM, newuidmap, pasta,
   * fuse-overlayfs or the sandbox (runc CVE-2024-21626: an inherited directory fd is a way out of
   * any root). Marked close-on-exec, not closed: the plan may ask to pass some on
   * (--preserve-fds); run_plan closes the rest before it touches a namespace. */
  if (cloexec_from(3) < 0) die(125, "mark inherited descriptors close-on-exec: %s", strerror(errno));
  title_init(argc, argv);
  trace_init();
  const char *base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (!strcmp(base, "jbox")) return jbox_command(argc - 1, argv + 1);
  if (argc >= 2 && !strcmp(argv[1], "jbox")) return jbox_command(argc - 2, argv + 2);
  if (!strcmp(base, "jbox-oci")) return oci_command(argc - 1, argv + 1);
  if (argc >= 2 && !strcmp(argv[1], "jbox-oci")) return oci_command(argc - 2, argv + 2);
  if (argc < 2) return usage();
  /* jbox-oci's JVM runs poststart and poststop hooks through this: ProcessBuilder cannot set argv[0] */
  if (!strcmp(argv[1], "oci-hook") && argc >= 4) {
    execv(argv[2], argv + 3);
    die(127, "hook `%s`: %s", argv[2], strerror(errno));
  }
  if (!strcmp(argv[1], "launch") && argc > 3 && !strcmp(argv[2], "--")) return launch(argv + 3);
  /* the other modes that run a plan: from the sealed copy from the start (selfexec.c) */
  if (!strcmp(argv[1], "launch-wait") && argc == 4) return reexec_sealed(argv), await_plan(atoi(argv[2]), atoi(argv[3]));
  if (!strcmp(argv[1], "run-plan") && argc == 3) return reexec_sealed(argv), run_plan_file(argv[2]);
  /* run by a pull inside `unshare` (owners.c); no plan, so not from the sealed copy */
  if (!strcmp(argv[1], "owners") && argc == 3) return owners_command(argv[2]);
  if (!strcmp(argv[1], "unshare")) return reexec_sealed(argv), unshare_mode(argc - 2, argv + 2);
  return usage();
}
