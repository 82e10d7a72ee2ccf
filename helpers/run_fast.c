/* The launcher's own `jbox run --rm` (PROTOCOL.md "The launcher's run"): once run_prepared.c found
 * the KEY of these words fresh, the templates the JVM kept beside it (RunPrepared.templates) are
 * filled with a new id and the created time, the files the JVM's run writes are written the way
 * it writes them, and the plan runs as a JVM-sent one does. Anything unexpected hands the run to
 * the JVM before anything is left behind.
 *
 * The templates are the JVM's own records with the id replaced by 64 `@` and its first 12 digits
 * (the hostname) by 12 `@`: in run.plan and run.exec.plan only inside a record's value, in the
 * text files anywhere. A run of 1 to 11 `@` is text (pasta's `@PID@`); the JVM keeps no template
 * with a longer run of its own, or one next to a marker. The fill functions take untrusted bytes
 * and are bounded; fuzz/fuzz_runfast.c runs them. */
#include "run_fast.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec_fast.h"
#include "plan.h"
#include "prestart.h"
#include "util.h"

#define HOST_LEN 12

/* Copies n bytes from src to dst with each marker filled: 0, or -1 for a run of `@` that is
 * neither text (1-11) nor a marker (12, 64). */
static int fill_markers(char *dst, const char *src, size_t n, const char *id) {
  size_t i = 0;
  while (i < n) {
    if (src[i] != '@') {
      dst[i] = src[i];
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && src[j] == '@') j++;
    size_t run = j - i;
    if (run == HOST_LEN || run == RUN_ID_LEN) memcpy(dst + i, id, run);
    else if (run < HOST_LEN) memcpy(dst + i, src + i, run);
    else return -1;
    i = j;
  }
  return 0;
}

/* A field of the plan format at p (plan.h). */
static uint32_t le32(const char *p) { return plan_le32((const unsigned char *)p); }

char *run_fill_plan(const char *t, size_t len, const char *id) {
  if (!plan_header_ok(t, len, RUN_TEMPLATE_MAX)) return NULL;
  char *out = malloc(len);
  if (!out) return NULL;
  memcpy(out, t, 10);
  size_t off = 10;
  while (off < len) {
    if (len - off < 6) break;
    uint32_t n = le32(t + off + 2);
    if (n > len - off - 6) break;
    memcpy(out + off, t + off, 6);
    if (fill_markers(out + off + 6, t + off + 6, n, id)) break;
    off += 6 + n;
  }
  if (off != len) {
    free(out);
    return NULL;
  }
  return out;
}

char *run_fill_text(const char *t, size_t len, const char *id) {
  if (len > RUN_TEMPLATE_MAX || memchr(t, '\0', len)) return NULL;
  char *out = malloc(len + 1);
  if (!out) return NULL;
  if (fill_markers(out, t, len, id)) {
    free(out);
    return NULL;
  }
  out[len] = '\0';
  return out;
}

/* The record's `created` (Json.pretty of SandboxRecord: a top-level key, two spaces in; a string's
 * newline is written `\n`, so the line can only be the record's own). */
static const char CREATED[] = "\n  \"created\": ";

char *run_fill_created(const char *t, size_t len, unsigned long long ms, size_t *olen) {
  size_t kl = sizeof CREATED - 1;
  const char *at = len >= kl ? memmem(t, len, CREATED, kl) : NULL;
  if (!at || memmem(at + 1, len - (size_t)(at + 1 - t), CREATED, kl)) return NULL;
  size_t d = (size_t)(at - t) + kl, e = d;
  while (e < len && e - d < 20 && t[e] >= '0' && t[e] <= '9') e++;
  if (e == d || e - d > 19 || len - e < 2 || t[e] != ',' || t[e + 1] != '\n') return NULL;
  char num[24];
  int nl = snprintf(num, sizeof num, "%llu", ms);
  size_t n = len - (e - d) + (size_t)nl;
  char *out = malloc(n + 1);
  if (!out) return NULL;
  memcpy(out, t, d);
  memcpy(out + d, num, (size_t)nl);
  memcpy(out + d + (size_t)nl, t + e, len - e);
  out[n] = '\0';
  *olen = n;
  return out;
}

/* ---- the caller's command --------------------------------------------------------------------- */

char *run_fill_command_plan(const char *t, size_t len, char *const *words, size_t n, size_t *olen) {
  if (!plan_header_ok(t, len, PLAN_MAX_BYTES) || n == 0) return NULL;
  size_t off = 10;
  while (len - off >= 6 && ((unsigned char)t[off] | (unsigned char)t[off + 1] << 8) == T_ARGV) {
    uint32_t l = le32(t + off + 2);
    if (l > len - off - 6) return NULL;
    off += 6 + l;
  }
  struct out o = {0};
  out_put(&o, t, off);
  for (size_t i = 0; i < n; i++) {
    size_t wl = strlen(words[i]);
    if (!utf8_valid(words[i], wl)) o.err = 1;
    out_rec(&o, T_ARGV, words[i], wl);
  }
  out_put(&o, t + off, len - off);
  if (o.err) {
    free(o.p);
    return NULL;
  }
  o.p[6] = (char)(o.len & 0xff), o.p[7] = (char)((o.len >> 8) & 0xff), o.p[8] = (char)((o.len >> 16) & 0xff), o.p[9] = (char)(o.len >> 24);
  *olen = o.len;
  return o.p;
}

/* The token's written form: Json.write("\u0001jbox-run:command"). */
static const char COMMAND_TOKEN[] = "\"\\u0001jbox-run:command\"";

char *run_fill_command_record(const char *t, size_t len, char *const *words, size_t n, size_t *olen) {
  size_t tl = sizeof COMMAND_TOKEN - 1;
  const char *at = len >= tl ? memmem(t, len, COMMAND_TOKEN, tl) : NULL;
  if (!at || n == 0 || memmem(at + 1, len - (size_t)(at + 1 - t), COMMAND_TOKEN, tl)) return NULL;
  /* a list's element on a line of its own: "[\n" or ",\n", spaces, the token, "\n" or ",\n" */
  size_t b = (size_t)(at - t), i = b;
  while (i > 0 && t[i - 1] == ' ') i--;
  size_t indent = b - i, e = b + tl;
  if (indent < 2 || indent > 64 || i < 2 || t[i - 1] != '\n' || (t[i - 2] != '[' && t[i - 2] != ',')) return NULL;
  if (!(e < len && t[e] == '\n') && !(e + 1 < len && t[e] == ',' && t[e + 1] == '\n')) return NULL;
  struct out o = {0};
  out_put(&o, t, b);
  for (size_t k = 0; k < n; k++) {
    if (k) {
      out_put(&o, ",\n", 2);
      out_put(&o, t + i, indent);
    }
    json_quote(&o, words[k], strlen(words[k]));
  }
  out_put(&o, t + e, len - e);
  out_put(&o, "", 1);
  if (o.err) {
    free(o.p);
    return NULL;
  }
  *olen = o.len - 1;
  return o.p;
}

/* ---- the run --------------------------------------------------------------------------------- */

static int why_(char *why, size_t wl, const char *what) {
  snprintf(why, wl, "%s", what);
  return -1;
}

static long long now_ms(int clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What Containers.sandboxLeftovers lists and ContainerLock.claimLeftovers would take: a crashed
 * run's directory (an rm marker, or no record and no detached sandbox of that id, older than a
 * minute, its lock free) or a sweep's `.removing-` directory left for a minute. 1 when there is
 * one (the JVM sweeps first), 0 when none. */
static int leftovers(int cfd, const char *root) {
  int dup = fcntl(cfd, F_DUPFD_CLOEXEC, 0);
  DIR *d = dup < 0 ? NULL : fdopendir(dup);
  if (!d) {
    if (dup >= 0) close(dup);
    return 1;
  }
  long long now = now_ms(CLOCK_REALTIME);
  int found = 0;
  struct dirent *e;
  while (!found && (e = readdir(d))) {
    const char *n = e->d_name;
    struct stat st;
    if (!strncmp(n, ".removing-", 10)) {
      found = fstatat(cfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
              now - ((long long)st.st_ctim.tv_sec * 1000 + st.st_ctim.tv_nsec / 1000000) > RUN_GRACE_MS;
      continue;
    }
    if (strlen(n) != 64 || strspn(n, "0123456789abcdef") != 64) continue;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/rm", n);
    if (faccessat(cfd, p, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
      snprintf(p, sizeof p, "%s/config.json", n);
      if (faccessat(cfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0) continue; /* kept */
      snprintf(p, sizeof p, "%s/%s", root, n);
      if (access(p, F_OK) == 0) continue; /* a detached sandbox of an older jbox */
    }
    if (fstatat(cfd, n, &st, 0) != 0) continue;
    long long m = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (m == 0 || now - m <= RUN_GRACE_MS) continue;
    snprintf(p, sizeof p, "%s/state", n);
    int fd = openat(cfd, p, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      found = errno == ENOENT; /* never started: nothing holds a lock */
      continue;
    }
    found = ofd_locked(fd) == 0; /* the helper's OFD lock held: it runs */
    close(fd);
  }
  closedir(d);
  return found;
}

/* A file written as the JVM writes it: O_EXCL when excl (the rm marker, the /etc files), else
 * created or truncated; mode the open's (the umask applies), or fixed with fchmod when fix. */
static int put(int dfd, const char *name, const char *data, size_t len, mode_t mode, int excl, int fix) {
  int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC), mode);
  if (fd < 0) return -1;
  int r = write_all(fd, data, len) < 0 || (fix && fchmod(fd, mode) < 0) ? -1 : 0;
  if (close(fd) < 0) r = -1;
  return r;
}

/* Through NAME.tmp and a rename, as Containers.recordSandbox and SandboxStore.writeExecTemplate. */
static int put_renamed(int dfd, const char *name, const char *data, size_t len) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  if (put(dfd, tmp, data, len, 0666, 0, 0) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
    unlinkat(dfd, tmp, 0);
    return -1;
  }
  return 0;
}

static const char *const SANDBOX_ENTRIES[] = {"upper", "work", "merged", "rm", "config.json.tmp", "config.json", "exec.plan.tmp", "exec.plan"};
static const char *const ETC_ENTRIES[] = {"hostname", "hosts", "resolv.conf"};

/* Removes what write_sandbox made of sandbox id (nothing ran in it: only jbox's own entries). */
static void undo(int cfd, int ffd, const char *id) {
  int s = cfd >= 0 ? openat(cfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (s >= 0) {
    for (size_t i = 0; i < sizeof SANDBOX_ENTRIES / sizeof *SANDBOX_ENTRIES; i++)
      if (unlinkat(s, SANDBOX_ENTRIES[i], i < 3 ? AT_REMOVEDIR : 0) < 0 && errno == ENOTEMPTY) break;
    close(s);
    unlinkat(cfd, id, AT_REMOVEDIR);
  }
  int f = ffd >= 0 ? openat(ffd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (f >= 0) {
    for (size_t i = 0; i < sizeof ETC_ENTRIES / sizeof *ETC_ENTRIES; i++) unlinkat(f, ETC_ENTRIES[i], 0);
    close(f);
    unlinkat(ffd, id, AT_REMOVEDIR);
  }
}

struct run_files {
  const char *id;
  const char *config, *exec, *etc[3];
  size_t clen, elen, etclen[3];
};

/* In the JVM's order (SandboxBuilder.build, EtcFiles.write, SandboxStore.createInImageStore):
 * containers/ID and its upper, work and merged; files/ (0700 when missing), files/ID (0700) and
 * its three files (new, 0644); the rm marker, config.json and exec.plan. */
static int write_sandbox(int cfd, int rootfd, int *ffd, const struct run_files *f) {
  if (mkdirat(cfd, f->id, 0777) < 0) return -1;
  int s = openat(cfd, f->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s < 0) return -1;
  int r = -1;
  if (mkdirat(s, "upper", 0777) < 0 || mkdirat(s, "work", 0777) < 0 || mkdirat(s, "merged", 0777) < 0) goto out;
  if (mkdirat(rootfd, "files", 0700) < 0 && errno != EEXIST) goto out;
  *ffd = openat(rootfd, "files", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*ffd < 0 || mkdirat(*ffd, f->id, 0700) < 0) goto out;
  int e = openat(*ffd, f->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (e < 0) goto out;
  int bad = 0;
  for (int i = 0; i < 3 && !bad; i++) bad = put(e, ETC_ENTRIES[i], f->etc[i], f->etclen[i], 0644, 1, 1) < 0;
  close(e);
  if (bad || put(s, "rm", "", 0, 0666, 1, 0) < 0 || put_renamed(s, "config.json", f->config, f->clen) < 0 ||
      put_renamed(s, "exec.plan", f->exec, f->elen) < 0)
    goto out;
  r = 0;
out:
  close(s);
  return r;
}

/* "DIR/ID" + suffix is s: 1, with DIR's length in *dl. */
static int is_under(const char *s, const char *id, const char *suffix, size_t *dl) {
  size_t n = strlen(s), sl = strlen(suffix);
  if (n < 1 + RUN_ID_LEN + sl + 1 || s[0] != '/' || strcmp(s + n - sl, suffix)) return 0;
  size_t at = n - sl - RUN_ID_LEN;
  if (memcmp(s + at, id, RUN_ID_LEN) || s[at - 1] != '/') return 0;
  *dl = at - 1;
  return 1;
}

static int same_dir(const char *s, const char *id, const char *suffix, const char *dir, size_t dl) {
  size_t l;
  return s && is_under(s, id, suffix, &l) && l == dl && !strncmp(s, dir, dl);
}

int run_fast_start(const char *root, const char *name, char *const *words, size_t nwords, char *why, size_t wl) {
  static const char *const debug[] = {"JBOX_DEBUG_PLAN_FILE", "JBOX_DEBUG_KEY_FILE", "JBOX_DEBUG_PRESTART_DIR"};
  for (size_t i = 0; i < sizeof debug / sizeof *debug; i++)
    if (getenv(debug[i]) && *getenv(debug[i])) return why_(why, wl, "a debug file asks for the JVM's run");
  static const char *const files[] = {"run.plan", "run.config.json", "run.exec.plan", "run.hostname", "run.hosts", "run.resolv.conf"};
  char *t[6] = {0};
  size_t tl[6];
  char *filled[6] = {0};
  char *config = NULL, *decode = NULL;
  int cfd = -1, rootfd = -1, ffd = -1, written = 0, ret = -1;
  char id[RUN_ID_LEN + 1];
  for (int i = 0; i < 6; i++) {
    t[i] = prepared_read(root, "runs", name, files[i], RUN_TEMPLATE_MAX, &tl[i], why, wl);
    if (!t[i]) goto out;
  }
  if (random_id(id)) {
    why_(why, wl, "getrandom failed");
    goto out;
  }
  filled[0] = run_fill_plan(t[0], tl[0], id);
  filled[2] = run_fill_plan(t[2], tl[2], id);
  for (int i = 1; i < 6; i++)
    if (i != 2) filled[i] = run_fill_text(t[i], tl[i], id);
  size_t clen = 0, plen = tl[0];
  config = filled[1] ? run_fill_created(filled[1], tl[1], (unsigned long long)now_ms(CLOCK_REALTIME), &clen) : NULL;
  if (nwords && filled[0] && config) {
    /* a KEY of the options and image: the call's command goes in (after the image's entrypoint) */
    size_t cl2;
    char *p2 = run_fill_command_plan(filled[0], tl[0], words, nwords, &plen);
    char *c2 = run_fill_command_record(config, clen, words, nwords, &cl2);
    free(filled[0]), free(config);
    filled[0] = p2, config = c2, clen = cl2;
  }
  int all = config != NULL;
  for (int i = 0; i < 6; i++) all &= filled[i] != NULL;
  if (!all) {
    why_(why, wl, "a template it cannot fill");
    goto out;
  }
  /* the exec template must be one the exec path takes (else every exec of it goes to the JVM) */
  struct exec_template et;
  if (exec_template_parse(filled[2], tl[2], &et)) {
    why_(why, wl, "the exec template is not one exec takes");
    goto out;
  }
  exec_template_free(&et);
  /* the plan, decoded: a run --rm of an image, in containers/ID with its /etc files in files/ID */
  decode = malloc(plen);
  if (!decode) goto out;
  memcpy(decode, filled[0], plen);
  struct plan p;
  int ok = plan_decode(&p, decode, plen) == 0;
  decode = NULL; /* the plan owns it now */
  char containers[PATH_MAX], filesdir[PATH_MAX];
  size_t dl = 0, fl = 0;
  if (ok) {
    ok = p.cleanup && is_under(p.cleanup, id, "", &dl) && dl < sizeof containers && p.rmdir && is_under(p.rmdir, id, "", &fl) &&
         fl < sizeof filesdir && same_dir(p.ovl_upper, id, "/upper", p.cleanup, dl) &&
         same_dir(p.ovl_work, id, "/work", p.cleanup, dl) && same_dir(p.rootfs, id, "/merged", p.cleanup, dl) &&
         same_dir(p.lockfile, id, "/state", p.cleanup, dl) && !p.statedir && !p.exec_pid && !p.oci_mode && !p.attach_dir &&
         !p.nrmvolume && !p.preserve_fds && p.argc > 0;
    /* -t without a terminal: the JVM warns first (RunCommand: System.console() is null unless
     * stdin and stdout are both terminals) */
    if (ok && p.tty && !(isatty(0) && isatty(1)) && !getenv("JBOX_ALLOW_TTY_WITHOUT_TERMINAL")) {
      plan_free(&p);
      why_(why, wl, "-t without a terminal (the JVM warns)");
      goto out;
    }
    if (ok) {
      snprintf(containers, sizeof containers, "%.*s", (int)dl, p.cleanup);
      snprintf(filesdir, sizeof filesdir, "%.*s", (int)fl, p.rmdir);
    }
    plan_free(&p);
  }
  char want[PATH_MAX];
  if (!ok || snprintf(want, sizeof want, "%s/files", root) >= (int)sizeof want || strcmp(want, filesdir)) {
    why_(why, wl, "the plan is not a run --rm of an image with its files in the runtime directory");
    goto out;
  }
  cfd = open(containers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cfd < 0 || rootfd < 0) {
    why_(why, wl, "the image store's containers/ or the runtime directory cannot be opened");
    goto out;
  }
  if (leftovers(cfd, root)) {
    why_(why, wl, "what a crashed run left is there to sweep");
    goto out;
  }
  struct run_files rf = {.id = id, .config = config, .clen = clen, .exec = filled[2], .elen = tl[2]};
  for (int i = 0; i < 3; i++) rf.etc[i] = filled[3 + i], rf.etclen[i] = tl[3 + i];
  written = 1;
  if (write_sandbox(cfd, rootfd, &ffd, &rf) < 0) {
    snprintf(why, wl, "write the sandbox's files: %s", strerror(errno));
    goto out;
  }
  written = 0;
  /* the KEY's time is what RunPrepared.prune keeps the newest 64 by: a run in use stays */
  char key[PATH_MAX];
  if (snprintf(key, sizeof key, "%s/runs/%s/key", root, name) < (int)sizeof key) utimensat(AT_FDCWD, key, NULL, AT_SYMLINK_NOFOLLOW);
  trace("run-fast");
  char *plan = filled[0];
  filled[0] = NULL;
  run_plan_sealed(plan, plen); /* returns only when the exec failed */
  written = 1;
  snprintf(why, wl, "run the plan: %s", strerror(errno));
out:
  if (written) undo(cfd, ffd, id);
  if (cfd >= 0) close(cfd);
  if (rootfd >= 0) close(rootfd);
  if (ffd >= 0) close(ffd);
  for (int i = 0; i < 6; i++) free(t[i]), free(filled[i]);
  free(config);
  free(decode);
  return ret;
}
