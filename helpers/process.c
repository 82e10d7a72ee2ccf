/* Stage 1's last steps: who the command runs as, what it may do, and the execve itself. */
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rootfile.h"
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#include "sandbox.h"
#include "seccomp.h"
#include "util.h"

#define MAX_GROUPS 64

int exec_gate = -1;

void report(int errfd, int code) {
  char buf[600];
  int n = snprintf(buf, sizeof buf, "%c%s", code, jbox_err);
  write_all(errfd, buf, (size_t)n);
}

static int parse_id(const char *s, unsigned long *out) {
  char *end;
  if (*s < '0' || *s > '9') return -1;
  errno = 0;
  *out = strtoul(s, &end, 10);
  return (errno || *end || *out > 0xfffffffeUL) ? -1 : 0;
}

/* "[+-]digits": meant as a number, so never looked up as a name (USER 4294967296 must not find a
 * passwd entry of that name with uid 0). */
static int looks_numeric(const char *s) {
  if (*s == '-' || *s == '+') s++;
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/* Looks NAME (or a numeric id) up in the new root's /etc/passwd (read through root_fopen: inside
 * the root, a regular file, bounded). 1 found, 0 not there, -1 the file is unusable (jbox_err). */
static int passwd_lookup(const char *name, unsigned long num, int by_num, uid_t *uid, gid_t *gid,
                         char *home, size_t homelen, char *uname, size_t unamelen) {
  FILE *f = root_fopen("/etc/passwd");
  if (!f) return errno == ENOENT ? 0 : -1;
  char line[1024];
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    char *fields[7] = {0}, *save = NULL, *s = line;
    line[strcspn(line, "\n")] = '\0';
    int n = 0;
    for (char *c = s;; c++) { /* strsep-like split keeping empty fields */
      if (n < 7 && (c == s || c[-1] == '\0')) fields[n++] = c;
      if (!*c) break;
      if (*c == ':') *c = '\0';
    }
    (void)save;
    unsigned long u, g;
    if (n < 6 || parse_id(fields[2], &u) || parse_id(fields[3], &g)) continue;
    if (by_num ? u != num : strcmp(fields[0], name)) continue;
    *uid = (uid_t)u, *gid = (gid_t)g;
    snprintf(home, homelen, "%s", fields[5][0] ? fields[5] : "/");
    snprintf(uname, unamelen, "%s", fields[0]);
    found = 1;
    break;
  }
  fclose(f);
  return found;
}

static int group_lookup(const char *name, gid_t *gid) {
  FILE *f = root_fopen("/etc/group");
  if (!f) return errno == ENOENT ? 0 : -1;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
    if (!c3) continue;
    *c1 = *c3 = '\0';
    unsigned long g;
    if (!strcmp(line, name) && !parse_id(c2 + 1, &g)) *gid = (gid_t)g, found = 1;
  }
  fclose(f);
  return found;
}

/* Supplementary groups: every group of /etc/group listing the user by name. */
static int member_groups(const char *uname, gid_t primary, gid_t *groups, int *ngroups) {
  *ngroups = 0;
  FILE *f = root_fopen("/etc/group");
  if (!f) return errno == ENOENT ? 0 : -1;
  char line[4096];
  while (*ngroups < MAX_GROUPS && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
    if (!c3) continue;
    *c3 = '\0';
    unsigned long g;
    if (parse_id(c2 + 1, &g) || g == primary) continue;
    for (char *save = NULL, *m = strtok_r(c3 + 1, ",", &save); m; m = strtok_r(NULL, ",", &save))
      if (!strcmp(m, uname)) {
        groups[(*ngroups)++] = (gid_t)g;
        break;
      }
  }
  fclose(f);
  return 0;
}

int resolve_user(const char *spec, uid_t *uid, gid_t *gid, gid_t *groups, int *ngroups, char *home,
                 size_t homelen) {
  char user[256], uname[256] = "";
  const char *colon = strchr(spec, ':');
  snprintf(user, sizeof user, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
  unsigned long num;
  int numeric = !parse_id(user, &num);
  if (!numeric && looks_numeric(user)) return fail("user id `%s` out of range (0 to 4294967294)", user);
  unsigned long gnum;
  if (colon && parse_id(colon + 1, &gnum) && looks_numeric(colon + 1))
    return fail("group id `%s` out of range (0 to 4294967294)", colon + 1);
  *ngroups = 0;
  snprintf(home, homelen, "/");
  int found = passwd_lookup(user, numeric ? num : 0, numeric, uid, gid, home, homelen, uname, sizeof uname);
  if (found < 0) return -1;
  if (!found) {
    if (!numeric) return fail("unknown user `%s` (not in the sandbox's /etc/passwd)", user);
    *uid = (uid_t)num, *gid = 0; /* like podman: a numeric uid needs no passwd entry */
  } else if (member_groups(uname, *gid, groups, ngroups)) {
    return -1;
  }
  if (colon) {
    unsigned long g;
    int r;
    if (!parse_id(colon + 1, &g)) *gid = (gid_t)g;
    else if ((r = group_lookup(colon + 1, gid)) < 0) return -1;
    else if (!r) return fail("unknown group `%s` (not in the sandbox's /etc/group)", colon + 1);
    *ngroups = 0; /* an explicit group replaces the passwd-derived ones, as in podman */
  }
  return 0;
}

/* The highest capability the kernel knows, asked of the kernel itself: PR_CAPBSET_READ fails with
 * EINVAL past it. Never read from /proc/sys/kernel/cap_last_cap here: this runs after the
 * sandbox's mounts, and a volume on /proc/sys/kernel could forge that file and keep
 * capabilities in the bounding set (runc CVE-2019-16884 / CVE-2019-19921 class). */
static int last_cap(void) {
  int c = 0;
  while (c < 63 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0) c++;
  return c;
}

/* The bounding set must shrink while we still hold CAP_SETPCAP, i.e. before the uid changes. */
static int drop_bounding(uint64_t keep) {
  int last = last_cap();
  for (int c = 0; c <= last && c < 64; c++)
    if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return fail_errno("drop capability %d from the bounding set", c);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return fail_errno("clear the ambient capabilities");
  return 0;
}

static int set_caps(uint64_t keep, int is_root) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  uint64_t eff = is_root ? keep : 0; /* a non-root user keeps them in the bounding set only */
  d[0].effective = d[0].permitted = (uint32_t)eff;
  d[1].effective = d[1].permitted = (uint32_t)(eff >> 32);
  if (syscall(SYS_capset, &h, d) < 0) return fail_errno("capset");
  return 0;
}

/* The OCI capability sets: permitted, effective and inheritable as given, then the ambient ones
 * (each must be permitted and inheritable, which the decoder checked). */
static int set_capsets(struct plan *p) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(p->cap_effective >> (32 * i));
    d[i].permitted = (uint32_t)(p->cap_permitted >> (32 * i));
    d[i].inheritable = (uint32_t)(p->cap_inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &h, d) < 0) return fail_errno("capset");
  for (int c = 0; c < 64; c++)
    if ((p->cap_ambient & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return fail_errno("raise ambient capability %d", c);
  return 0;
}

/* runc's rule before the exec fifo: a missing executable fails `create` (127), not `start`. */
static int executable_exists(const char *file, const char **env) {
  struct stat st;
  if (strchr(file, '/')) return stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0;
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (int i = 0; env[i]; i++)
    if (!strncmp(env[i], "PATH=", 5)) path = env[i] + 5;
  char buf[4096];
  for (const char *c = path;; c++) {
    const char *end = strchrnul(c, ':');
    int n = snprintf(buf, sizeof buf, "%.*s%s%s", (int)(end - c), c, end > c ? "/" : "", file);
    if (n > 0 && (size_t)n < sizeof buf && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return 1;
    if (!*end) return 0;
    c = end;
  }
}

/* execvpe with the sandbox's PATH, keeping the most telling errno: EACCES over ENOENT. */
static void exec_path(const char *file, char *const argv[], char *const envp[]) {
  if (strchr(file, '/')) {
    execve(file, argv, envp);
    return;
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (int i = 0; envp[i]; i++)
    if (!strncmp(envp[i], "PATH=", 5)) path = envp[i] + 5;
  int saw_eacces = 0;
  char buf[4096];
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    int n = snprintf(buf, sizeof buf, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", file);
    if (n > 0 && (size_t)n < sizeof buf) {
      execve(buf, argv, envp);
      if (errno == EACCES) saw_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return;
    }
    if (!*end) break;
    p = end;
  }
  errno = saw_eacces ? EACCES : ENOENT;
}

/* Whether this user namespace refuses setgroups (/proc/self/setgroups says "deny"). */
int setgroups_denied(void) {
  char buf[16] = "";
  autofd int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  return n > 0 && !strncmp(buf, "deny", 4);
}

static int has_env(struct plan *p, const char *key) {
  size_t n = strlen(key);
  for (size_t i = 0; i < p->envc; i++)
    if (!strncmp(p->env[i], key, n) && p->env[i][n] == '=') return 1;
  return 0;
}

/* The OCI profile compiled by Java (T_SECCOMP). */
static int install_profile(struct plan *p) {
  int r = jbox_seccomp_install_program(p->seccomp_prog, p->seccomp_len, p->seccomp_flags);
  if (r < 0) {
    errno = -r;
    return fail_errno("install the seccomp profile (linux.seccomp)");
  }
  return 0;
}

void exec_process(struct plan *p, int errfd) {
  uid_t uid = 0;
  gid_t gid = 0, groups[MAX_GROUPS];
  int ngroups = 0;
  char home[512] = "/root";
  int sandbox = p->rootfs != NULL;
  int seccomp_done = 0, profile_done = 0;

  if (p->has_oom) {
    char v[16];
    snprintf(v, sizeof v, "%d", p->oom_score_adj);
    if (write_file("/proc/self/oom_score_adj", v) < 0) {
      fail_errno("write oom_score_adj %d", p->oom_score_adj);
      goto fail125;
    }
  }
  if (sandbox) {
    if (p->user && resolve_user(p->user, &uid, &gid, groups, &ngroups, home, sizeof home)) goto fail125;
    if (!p->user) {
      char dummy[512];
      uid_t u;
      gid_t g;
      int r = passwd_lookup("", 0, 1, &u, &g, home, sizeof home, dummy, sizeof dummy);
      if (r < 0) goto fail125;
      if (!r) snprintf(home, sizeof home, "/root");
    }
    if (chown_volumes(p, uid, gid)) goto fail125;
    for (size_t i = 0; i < p->nrlimits; i++) {
      struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
      if (setrlimit(p->rlimits[i].resource, &rl) < 0) {
        fail_errno("setrlimit %d to %llu:%llu", p->rlimits[i].resource, p->rlimits[i].soft, p->rlimits[i].hard);
        goto fail125;
      }
    }
    if (p->cwd) {
      if (chdir(p->cwd) < 0) {
        /* like podman, a missing working directory is created (as root, before dropping) */
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", p->cwd);
        for (char *c = buf + 1;; c++) {
          if (*c == '/' || !*c) {
            char saved = *c;
            *c = '\0';
            mkdir(buf, 0755);
            *c = saved;
            if (!saved) break;
          }
        }
        if (chdir(p->cwd) < 0) {
          fail_errno("working directory `%s`", p->cwd);
          goto fail125;
        }
      }
    }
    /* without no_new_privs the kernel takes a filter only from a holder of CAP_SYS_ADMIN: install
     * it while stage 1 still is root of its namespace (runc does the same); the remaining set-up
     * calls are not in jbox's denylist */
    if (p->seccomp && !p->no_new_privs && p->oci_mode) {
      int r = jbox_seccomp_install(p->tty);
      if (r < 0) {
        errno = -r;
        fail_errno("install the seccomp filter");
        goto fail125;
      }
      seccomp_done = 1;
    }
    if (p->seccomp_prog && !p->no_new_privs) {
      if (install_profile(p)) goto fail125;
      profile_done = 1;
    }
    trace("cmd-user");
    if (drop_bounding(p->caps)) goto fail125;
    if (p->has_groups || p->oci_mode) { /* OCI: additionalGids, exactly */
      ngroups = (int)p->ngroups;
      for (size_t i = 0; i < p->ngroups; i++) groups[i] = (gid_t)p->groups[i];
    }
    if (p->has_capsets && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
      fail_errno("keep capabilities across setuid");
      goto fail125;
    }
    /* EPERM only where the user namespace denies setgroups (a single-id map, written without
     * newgidmap): there the groups cannot change at all; anywhere else the caller's supplementary
     * groups would stay with the command. OCI additionalGids that cannot be set are an error. */
    if (setgroups((size_t)ngroups, groups) < 0 && (errno != EPERM || !setgroups_denied() || p->has_groups)) {
      fail_errno("setgroups");
      goto fail125;
    }
    if (setresgid(gid, gid, gid) < 0) {
      fail_errno("setgid %u (is it mapped? see --gidmap)", gid);
      goto fail125;
    }
    if (setresuid(uid, uid, uid) < 0) {
      fail_errno("setuid %u (is it mapped? see --uidmap)", uid);
      goto fail125;
    }
    if (p->has_capsets ? set_capsets(p) : set_caps(p->caps, uid == 0)) goto fail125;
  }
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    fail_errno("no_new_privs");
    goto fail125;
  }
  /* HOME from the user's passwd entry unless the plan sets it. */
  const char **env = p->env;
  size_t envc = p->envc;
  char homeenv[600];
  if (envc > PLAN_MAX_ITEMS) { /* the decoder refuses more; env has room for HOME and the NULL */
    fail("more than %d environment variables", PLAN_MAX_ITEMS);
    goto fail125;
  }
  if (sandbox && !has_env(p, "HOME")) {
    snprintf(homeenv, sizeof homeenv, "HOME=%s", home);
    env[envc++] = homeenv;
    env[envc] = NULL;
  }
  if (p->seccomp && !seccomp_done) {
    int r = jbox_seccomp_install(p->tty);
    if (r < 0) {
      errno = -r;
      fail_errno("install the seccomp filter");
      goto fail125;
    }
  }
  /* --preserve-fds: the caller's 3..3+N-1, close-on-exec until now (sandbox.c keep_preserved_fds) */
  for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
    if (fcntl(fd, F_SETFD, 0) < 0) {
      fail_errno("pass descriptor %d (--preserve-fds)", fd);
      goto fail125;
    }
  if (p->has_umask) umask(p->umask_value);
  if (p->oci_mode) {
    if (!executable_exists(p->argv[0], env)) {
      fail("exec `%s`: %s", p->argv[0], strerror(ENOENT));
      report(errfd, 127);
      _exit(127);
    }
    /* no descriptor of the runtime's caller reaches the container but --preserve-fds N of them
     * (3..3+N-1, T_PRESERVE_FDS): stage 1 closed the rest already; whatever the runtime opened
     * since (its own channels) is closed at the execve, as runc does */
    if (syscall(SYS_close_range, 3U + p->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
      fail_errno("close the caller's descriptors");
      goto fail125;
    }
    if (strncmp(p->oci_mode, "exec", 4) && oci_wait_start(p)) goto fail125;
  }
  /* --init: pid 1 lets the command go once it is confined itself (run_init) */
  if (exec_gate >= 0) {
    char go;
    ssize_t n;
    while ((n = read(exec_gate, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) _exit(125); /* pid 1 failed to confine itself, or died: it has reported */
    close(exec_gate);
    trace("cmd-gate");
  }
  /* with no_new_privs, the compiled profile goes on last, after the wait for start (as runc): the
   * profile then has to allow nothing but the execve */
  if (p->seccomp_prog && !profile_done && install_profile(p)) goto fail125;
  trace("execve");
  exec_path(p->argv[0], (char *const *)p->argv, (char *const *)(sandbox ? env : (const char **)environ));
  int e = errno;
  fail_errno("exec `%s`", p->argv[0]);
  report(errfd, e == ENOENT ? 127 : 126);
  _exit(e == ENOENT ? 127 : 126);
fail125:
  report(errfd, 125);
  _exit(125);
}

/* --init's pid 1, after it forked the command (sandbox.c run_init): no descriptor but /dev/null as
 * 0, 1 and 2 (the caller also closes the rest), the command's user and group without
 * supplementary groups, an empty bounding set and no capability at all, no_new_privs and the
 * seccomp filter whatever the plan says (tighter than the command: it only waits and forwards
 * signals), and the caller's environment wiped from its memory. When the command's user cannot be
 * taken, pid 1 stays root of the user namespace, still without capabilities; the command fails on
 * it and says why.
 *
 * It stays dumpable (set again after the uid change, which clears it): its memory was last
 * execve'd on the host, so a non-dumpable pid 1 could be opened through /proc by nobody but the
 * host's root, and `jbox exec`, `ns` and `top` (which open /proc/PID/ns of the sandbox's pid 1 as
 * the caller) would fail. The command may therefore ptrace pid 1, as it may any process of its
 * own uid, and gains nothing by it: pid 1 holds less than the command in every respect. */
int confine_init(struct plan *p) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return fail_errno("init: open /dev/null");
  for (int i = 0; i < 3; i++)
    if (dup2(null, i) < 0) return fail_errno("init: /dev/null as descriptor %d", i);
  close(null);
  uid_t uid = 0;
  gid_t gid = 0, groups[MAX_GROUPS];
  int ngroups = 0;
  char home[512];
  if (p->rootfs && p->user && resolve_user(p->user, &uid, &gid, groups, &ngroups, home, sizeof home)) uid = 0, gid = 0;
  if (drop_bounding(0)) return -1;
  if (setgroups(0, NULL) < 0 && errno != EPERM) return fail_errno("init: setgroups");
  if (setresgid(gid, gid, gid) < 0) (void)!setresgid(0, 0, 0);
  if (setresuid(uid, uid, uid) < 0) (void)!setresuid(0, 0, 0);
  /* a uid change clears the death signal (keep-id: the command's uid is not 0): pid 1 must still
   * die with stage 0 (run_init checks that stage 0 did not die in between) */
  if (!p->oci_mode && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return fail_errno("init: PR_SET_PDEATHSIG");
  if (set_caps(0, 1)) return -1;
  title_wipe_env();
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) return fail_errno("init: PR_SET_DUMPABLE");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail_errno("init: no_new_privs");
  int r = jbox_seccomp_install(p->tty);
  if (r < 0) {
    errno = -r;
    return fail_errno("init: install the seccomp filter");
  }
  return 0;
}
