/* `jbox exec` without the JVM (PROTOCOL.md "exec without the JVM"; issue 14).
 *
 * Java stays the policy: whenever it records a sandbox (SandboxStore), it writes beside the record
 * an exec template, `exec.plan`: the very plan the JVM's exec path would send for that sandbox,
 * in the helper's plan format, without the per-call parts (command, -e, -w, -u, -t, -i, the pid),
 * plus the sandbox's name (T_EXECNAME). For the common forms of `jbox exec` the launcher finds the
 * sandbox as SandboxStore.find does (name, full id, unique id prefix, in both record homes), checks
 * that it runs as Sandbox.status does, adds the call's parts in PlanWriter's order, and runs the
 * plan from the sealed copy of the helper like any other: the same bytes the JVM would have sent
 * (ExecFastPathTest compares them). Anything it is not sure of (another option, a configuration
 * file with settings, no template, not found, not running, an ambiguous prefix, any error) returns
 * -1 and the JVM decides as before, so every message and exit code keeps one source.
 */
#include "exec_fast.h"
#include "shell_join.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"
#include "plan.h"
#include "selfexec.h"
#include "util.h"

/* ---- the command line (picocli's ExecCommand, PicoMain: stop at positional, last value wins) -- */

static int take_value(const char *v, char opt, struct exec_call *c) {
  /* a value that looks like an option, or an empty one, is left to picocli's rules */
  if (!v || !*v || v[0] == '-' || !utf8_valid(v, strlen(v))) return -1;
  switch (opt) {
  case 'e':
    if (c->nenv >= EXEC_CALL_MAX_ENV) return -1;
    c->env[c->nenv++] = v;
    return 0;
  case 'u':
    c->user = v;
    return 0;
  case 'w':
    c->workdir = v;
    return 0;
  }
  return -1;
}

int exec_call_parse(int argc, char **argv, struct exec_call *c) {
  memset(c, 0, sizeof *c);
  int i = 0;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-') break;
    if (!strcmp(a, "-") || !strcmp(a, "--")) return -1;
    if (a[1] == '-') {
      static const struct {
        const char *name;
        char opt;
      } longs[] = {{"--interactive", 'i'}, {"--tty", 't'}, {"--env", 'e'}, {"--user", 'u'}, {"--workdir", 'w'}};
      const char *eq = strchr(a, '=');
      size_t nl = eq ? (size_t)(eq - a) : strlen(a);
      char opt = 0;
      for (size_t k = 0; k < sizeof longs / sizeof *longs; k++)
        if (strlen(longs[k].name) == nl && !strncmp(a, longs[k].name, nl)) opt = longs[k].opt;
      if (!opt) return -1;
      if (opt == 'i' || opt == 't') {
        if (eq) return -1;
        if (opt == 'i') c->interactive = 1;
        else c->tty = 1;
        continue;
      }
      const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
      if (take_value(v, opt, c)) return -1;
      continue;
    }
    /* a cluster of short options: -i -t, then at most one of -e -u -w with its value attached or next */
    for (const char *s = a + 1; *s; s++) {
      if (*s == 'i') c->interactive = 1;
      else if (*s == 't') c->tty = 1;
      else if (*s == 'e' || *s == 'u' || *s == 'w') {
        const char *v = s[1] ? s + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (s[1] == '=') return -1;
        if (take_value(v, *s, c)) return -1;
        break;
      } else {
        return -1;
      }
    }
  }
  if (i + 1 >= argc) return -1; /* no sandbox or no command: picocli's message */
  c->ref = argv[i];
  if (!*c->ref) return -1;
  c->cmd = argv + i + 1;
  c->ncmd = (size_t)(argc - i - 1);
  if (!utf8_valid(c->ref, strlen(c->ref))) return -1;
  for (size_t k = 0; k < c->ncmd; k++)
    if (!utf8_valid(c->cmd[k], strlen(c->cmd[k]))) return -1;
  if (!strcmp(c->cmd[0], "--")) return -1;
  for (size_t k = 0; k < c->nenv; k++)
    if (c->env[k][0] == '=') return -1; /* "expected KEY=VALUE" */
  if (c->workdir && c->workdir[0] != '/') return -1;
  if (c->user && strchr(c->user, '\n')) return -1;
  return 0;
}

int utf8_valid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  for (size_t i = 0; i < len;) {
    unsigned char b = s[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t cp, min;
    if ((b & 0xe0) == 0xc0) n = 1, cp = b & 0x1f, min = 0x80;
    else if ((b & 0xf0) == 0xe0) n = 2, cp = b & 0x0f, min = 0x800;
    else if ((b & 0xf8) == 0xf0) n = 3, cp = b & 0x07, min = 0x10000;
    else return 0;
    if (len - i <= n) return 0;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += n + 1;
  }
  return 1;
}

/* ---- the template ----------------------------------------------------------------------------- */


void exec_template_free(struct exec_template *t) {
  free(t->env);
  t->env = NULL;
}

int exec_template_parse(const char *buf, size_t len, struct exec_template *t) {
  memset(t, 0, sizeof *t);
  const unsigned char *u = (const unsigned char *)buf;
  if (!plan_header_ok(buf, len, EXEC_TEMPLATE_MAX)) return -1;
  t->env = calloc(PLAN_MAX_ITEMS, sizeof *t->env);
  if (!t->env) return -1;
  /* the order PlanWriter writes: 0 env, 1 cwd, 2 user, 3 ns/rlimit/caps, 4 after caps, 5 flags, 6 name */
  int phase = 0, nns = 0;
  const char *mid = NULL;
  for (size_t off = 10; off < len;) {
    if (len - off < 6) goto bad;
    unsigned tag = plan_le16(u + off);
    uint32_t vlen = plan_le32(u + off + 2);
    if (vlen > len - off - 6) goto bad;
    struct span v = {buf + off + 6, vlen};
    int has_nul = memchr(v.p, '\0', vlen) != NULL;
    if (has_nul && tag != T_NS) goto bad;
    switch (tag) {
    case T_ENV:
      if (phase > 0 || t->nenv >= PLAN_MAX_ITEMS) goto bad;
      if (vlen == 0 || v.p[0] == '=' || !memchr(v.p, '=', vlen)) goto bad;
      t->env[t->nenv++] = v;
      break;
    case T_CWD:
      if (phase > 0 || vlen == 0 || v.p[0] != '/') goto bad;
      t->cwd = v, phase = 1;
      break;
    case T_USER:
      if (phase > 1 || vlen == 0 || memchr(v.p, '\n', vlen)) goto bad;
      t->user = v, phase = 2;
      break;
    case T_NS:
    case T_RLIMIT:
      if (phase > 3 || (tag == T_NS && (phase == 3 && nns == 0))) goto bad;
      if (tag == T_NS) { /* "TYPE\0new": an exec joins the target's namespaces, names none of its own */
        if (nns >= NS_COUNT || vlen < 5 || memcmp(v.p + vlen - 4, "\0new", 4) || memchr(v.p, '\0', vlen - 4)) goto bad;
        nns++;
      }
      if (phase < 3) mid = (const char *)u + off, phase = 3;
      break;
    case T_CAPS:
      if (phase != 3 || nns != NS_COUNT) goto bad;
      t->middle.p = mid;
      t->middle.len = (size_t)((const char *)u + off + 6 + vlen - mid);
      phase = 4;
      break;
    case T_FLAG:
      if (phase < 4 || phase > 5) goto bad;
      if (vlen == strlen(F_NO_NEW_PRIVS) && !memcmp(v.p, F_NO_NEW_PRIVS, vlen) && !t->no_new_privs && !t->seccomp)
        t->no_new_privs = 1;
      else if (vlen == strlen(F_SECCOMP) && !memcmp(v.p, F_SECCOMP, vlen) && !t->seccomp)
        t->seccomp = 1;
      else
        goto bad;
      phase = 5;
      break;
    case T_EXECNAME:
      if (phase < 4 || phase > 5) goto bad;
      t->name = v, phase = 6;
      break;
    default:
      goto bad;
    }
    off += 6 + vlen;
  }
  if (phase != 6) goto bad;
  return 0;
bad:
  exec_template_free(t);
  return -1;
}

/* ---- the monitor's state record --------------------------------------------------------------- */

static int digits(const char **s, const char *end, unsigned long long max, unsigned long long *out) {
  const char *p = *s;
  unsigned long long v = 0;
  if (p >= end || *p < '0' || *p > '9' || (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')) return -1;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *s = p;
  *out = v;
  return 0;
}

static int lit(const char **s, const char *end, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(end - *s) < n || memcmp(*s, word, n)) return -1;
  *s += n;
  return 0;
}

int exec_state_parse(const char *buf, size_t len, struct exec_state *st) {
  memset(st, 0, sizeof *st);
  const char *s = buf, *end = buf + len;
  if (lit(&s, end, "{\"status\":\"")) return -1;
  size_t n = 0;
  while (s < end && *s >= 'a' && *s <= 'z' && n < sizeof st->status - 1) st->status[n++] = *s++;
  unsigned long long pid, start;
  if (n == 0 || lit(&s, end, "\",\"pid\":") || digits(&s, end, LONG_MAX, &pid) || lit(&s, end, ",\"pidStart\":") ||
      digits(&s, end, ULLONG_MAX, &start) || lit(&s, end, ","))
    return -1;
  st->pid = (long)pid;
  st->pid_start = start;
  return pid > 0 ? 0 : -1;
}

int exec_record_name(const char *buf, size_t len, struct span *name) {
  /* Json.pretty's top-level key: two spaces in (a nested one has four); a raw newline is never
   * inside a JSON string, so this is the record's own "name" */
  static const char key[] = "\n  \"name\": ";
  const char *k = memmem(buf, len, key, sizeof key - 1);
  if (!k || len < 2 || buf[0] != '{') return -1;
  const char *v = k + sizeof key - 1, *end = buf + len;
  if (end - v >= 4 && !memcmp(v, "null", 4)) {
    *name = (struct span){NULL, 0};
    return 0;
  }
  if (v >= end || *v != '"') return -1;
  const char *q = ++v;
  while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' || *q == '.' || *q == '-'))
    q++;
  if (q >= end || *q != '"' || q == v) return -1; /* an escape or anything SandboxStore.validName refuses */
  *name = (struct span){v, (size_t)(q - v)};
  return 0;
}

/* ---- finding the sandbox (SandboxStore.open, ConfigLoader, SandboxStore.find) ------------------ */

char *read_small(int dirfd, const char *path, size_t max, size_t *len) {
  autofd int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  char *buf;
  if (fd < 0) return NULL;
  ssize_t n = read_all(fd, &buf, max);
  if (n < 0) return NULL;
  *len = (size_t)n;
  return buf;
}

/* ConfigLoader.onlyComments: every line blank or a comment */
static int only_comments(const char *s, size_t n) {
  int line_start = 1;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\n') line_start = 1;
    else if (line_start && (c == ' ' || c == '\t' || c == '\r')) continue;
    else if (line_start && c == '#') {
      while (i + 1 < n && s[i + 1] != '\n') i++;
    } else return 0;
  }
  return 1;
}

/* A configuration file as store_dirs sees it: state 0 when absent or only comments, 1 when it has
 * settings; text its bytes (NULL: absent). -1 when it cannot be read here (the JVM reads it, and
 * reports what is wrong). */
struct conf {
  char *text;
  size_t n;
  int state;
};

static int config_read(const char *path, struct conf *c) {
  struct stat st;
  c->text = NULL;
  c->n = 0;
  c->state = 0;
  if (lstat(path, &st) < 0) return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
  c->text = read_small(AT_FDCWD, path, 1 << 16, &c->n);
  if (!c->text) return -1;
  c->state = !only_comments(c->text, c->n);
  return 0;
}

/* What ConfigLoader's storage key records of a file: the SHA-256 of its bytes, or "absent" */
static void config_hash(const struct conf *c, char hex[65]) {
  if (!c->text) {
    strcpy(hex, "absent");
    return;
  }
  unsigned char md[32];
  sha256(c->text, c->n, md);
  hex_encode(md, 32, hex);
}

static int env_set(const char *name, const char **v) {
  *v = getenv(name);
  return *v && **v;
}

/* The storage root a JVM found in the configuration (ConfigLoader.StorageKey, RUNTIME/jbox/storage.key)
 * when the files it read are these bytes still: "" for none set, else an absolute path. -1 when
 * there is no such key, or it was made from other files: the JVM reads the configuration again. */
static int storage_key(const char *root, const char *shex, const char *user, const char *uhex, char *out, size_t olen) {
  char key[PATH_MAX];
  if (snprintf(key, sizeof key, "%s/storage.key", root) >= (int)sizeof key) return -1;
  struct stat st;
  if (lstat(key, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) return -1;
  size_t n;
  autofree char *text = read_small(AT_FDCWD, key, PATH_MAX * 2 + 256, &n);
  if (!text || memchr(text, 0, n)) return -1;
  char want[PATH_MAX * 2];
  int w = snprintf(want, sizeof want, "jbox-storage 1\n%s\n%s\n%s\n", shex, user, uhex);
  if (w < 0 || (size_t)w >= sizeof want || n <= (size_t)w || memcmp(text, want, (size_t)w) || text[n - 1] != '\n') return -1;
  const char *r = text + w;
  size_t rlen = n - (size_t)w - 1;
  if (memchr(r, '\n', rlen) || rlen >= olen) return -1;
  if (rlen == 1 && r[0] == '-') {
    out[0] = 0;
    return 0;
  }
  if (rlen == 0 || r[0] != '/') return -1;
  memcpy(out, r, rlen);
  out[rlen] = 0;
  return 0;
}

int store_dirs(char *containers, size_t clen, char *root, size_t rlen) {
  return store_dirs_settings(containers, clen, root, rlen, 1);
}

int store_dirs_settings(char *containers, size_t clen, char *root, size_t rlen, int settings) {
  const char *v, *home;
  if (env_set("JBOX_CONFIG", &v)) return -1;
  char path[PATH_MAX];
  int has_home = env_set("HOME", &home);
  if (env_set("XDG_CONFIG_HOME", &v)) snprintf(path, sizeof path, "%s/jbox/jbox.toml", v);
  else if (has_home) snprintf(path, sizeof path, "%s/.config/jbox/jbox.toml", home);
  else return -1;
  struct conf sys, user = {0};
  int bad = config_read("/etc/jbox/jbox.toml", &sys) || config_read(path, &user);
  autofree char *sys_text = sys.text, *user_text = user.text;
  if (bad) return -1;
  struct stat st;
  if (!env_set("XDG_RUNTIME_DIR", &v) || v[0] != '/' || stat(v, &st) < 0 || !S_ISDIR(st.st_mode)) return -1;
  int n = snprintf(root, rlen, "%s/jbox", v);
  if (n < 0 || (size_t)n >= rlen) return -1;
  /* SandboxStore.mkPrivate: a directory of ours, 0700, not a symlink */
  if (lstat(root, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) return -1;
  /* a file with settings: they may move the store, which a JVM that read it recorded */
  char configured[PATH_MAX] = "";
  if (sys.state || user.state) {
    if (!settings) return -1;
    char shex[65], uhex[65];
    config_hash(&sys, shex);
    config_hash(&user, uhex);
    if (storage_key(root, shex, path, uhex, configured, sizeof configured)) return -1;
  }
  /* ConfigLoader.storageRoot: $JBOX_STORAGE, [storage] root, $XDG_DATA_HOME, ~/.local/share */
  if (env_set("JBOX_STORAGE", &v)) n = snprintf(containers, clen, "%s/containers", v);
  else if (configured[0]) n = snprintf(containers, clen, "%s/containers", configured);
  else if (env_set("XDG_DATA_HOME", &v)) n = snprintf(containers, clen, "%s/jbox/storage/containers", v);
  else if (has_home) n = snprintf(containers, clen, "%s/.local/share/jbox/storage/containers", home);
  else return -1;
  if (n < 0 || (size_t)n >= clen) return -1;
  return 0;
}

static int is_id(const char *s, size_t min) {
  size_t n = strlen(s);
  return n >= min && n <= 64 && strspn(s, "0123456789abcdef") == n;
}

struct found {
  char id[65];
  int image; /* its record is in containers/<id> */
  char *tmpl; /* its template's bytes */
  size_t tlen;
};

struct search {
  const char *ref;
  int ref_is_full_id, ref_is_hex;
  int exact;   /* found[0] is the sandbox named, or with that full id */
  int prefix;  /* how many ids start with ref */
  int unknown; /* a record without a readable template, which may bear the name asked for */
  struct found hit;
};

static void keep(struct search *s, const char *id, int image, char *tmpl, size_t tlen) {
  free(s->hit.tmpl);
  snprintf(s->hit.id, sizeof s->hit.id, "%s", id);
  s->hit.image = image;
  s->hit.tmpl = tmpl;
  s->hit.tlen = tlen;
}

/* One record: home/config.json exists. */
static void consider(struct search *s, int homefd, const char *id, int image) {
  if (s->ref_is_full_id) { /* a name never looks like an id (SandboxStore.validName) */
    if (strcmp(id, s->ref)) return;
  }
  size_t tlen = 0, rlen = strlen(s->ref);
  char *tmpl = read_small(homefd, "exec.plan", EXEC_TEMPLATE_MAX, &tlen);
  struct exec_template t;
  int named;
  if (tmpl && exec_template_parse(tmpl, tlen, &t) == 0) {
    named = t.name.len == rlen && !memcmp(t.name.p, s->ref, rlen);
    exec_template_free(&t);
  } else {
    /* a record without a template (an older jbox's): its name from the record itself; the JVM
     * then execs it (and writes its template) */
    free(tmpl);
    tmpl = NULL;
    size_t n;
    autofree char *rec = read_small(homefd, "config.json", EXEC_TEMPLATE_MAX, &n);
    struct span name;
    if (!rec || exec_record_name(rec, n, &name)) {
      s->unknown++;
      return;
    }
    named = name.p && name.len == rlen && !memcmp(name.p, s->ref, rlen);
  }
  if (!strcmp(id, s->ref) || named) {
    s->exact++;
    keep(s, id, image, tmpl, tlen);
    return;
  }
  if (s->ref_is_hex && !strncmp(id, s->ref, rlen)) {
    if (++s->prefix == 1 && !s->exact) keep(s, id, image, tmpl, tlen);
    else free(tmpl);
    return;
  }
  free(tmpl);
}

static void scan(struct search *s, const char *dir, int image, const char *containers) {
  DIR *d = opendir(dir);
  if (!d) return;
  autofd int cfd = image ? -1 : open(containers, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!is_id(e->d_name, 64)) continue;
    autofd int home = openat(dirfd(d), e->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (home < 0) continue;
    char rec[80];
    snprintf(rec, sizeof rec, "%s/config.json", e->d_name);
    if (faccessat(home, "config.json", R_OK, 0) < 0) continue;
    if (!image && cfd >= 0 && faccessat(cfd, rec, R_OK, 0) == 0) continue; /* an image sandbox that ran detached */
    consider(s, home, e->d_name, image);
  }
  closedir(d);
}

int sandbox_running(const char *root, const char *containers, const char *id, int image, struct exec_state *st) {
  char path[PATH_MAX + 80];
  struct stat sb;
  size_t n;
  snprintf(path, sizeof path, "%s/%s/state", root, id);
  if (lstat(path, &sb) == 0) { /* detached */
    autofree char *text = read_small(AT_FDCWD, path, 4096, &n);
    if (!text || exec_state_parse(text, n, st) || strcmp(st->status, "running")) return -1;
    return proc_alive(st->pid, st->pid_start) ? 0 : -1;
  }
  if (image) snprintf(path, sizeof path, "%s/%s/state", containers, id);
  else snprintf(path, sizeof path, "%s/%s/fgstate", root, id);
  /* a foreground sandbox runs while its monitor (or cleaner) holds the OFD lock on the file */
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  if (ofd_locked(fd) != 1) return -1;
  char *text;
  ssize_t r = read_all(fd, &text, 4096);
  if (r < 0) return -1;
  int bad = exec_state_parse(text, (size_t)r, st) || strcmp(st->status, "running");
  free(text);
  return bad || !proc_alive(st->pid, st->pid_start) ? -1 : 0;
}

/* ---- the plan (PlanWriter.encode of SandboxService.execPlan, then the EXEC record) ------------ */

void out_put(struct out *o, const void *b, size_t n) {
  if (o->err || n > PLAN_MAX_BYTES - o->len) {
    o->err = 1;
    return;
  }
  if (o->len + n > o->cap) {
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + n) cap *= 2;
    char *p = realloc(o->p, cap);
    if (!p) {
      o->err = 1;
      return;
    }
    o->p = p, o->cap = cap;
  }
  memcpy(o->p + o->len, b, n);
  o->len += n;
}

void out_rec2(struct out *o, unsigned tag, const char *a, size_t alen, const char *b, size_t blen) {
  if (alen + blen > UINT32_MAX) {
    o->err = 1;
    return;
  }
  uint32_t n = (uint32_t)(alen + blen);
  unsigned char h[6] = {(unsigned char)tag, (unsigned char)(tag >> 8), (unsigned char)n, (unsigned char)(n >> 8),
                        (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
  out_put(o, h, 6);
  out_put(o, a, alen);
  out_put(o, b, blen);
}

void out_rec(struct out *o, unsigned tag, const char *v, size_t n) { out_rec2(o, tag, v, n, "", 0); }

size_t env_keylen(struct span e) {
  const char *eq = memchr(e.p, '=', e.len);
  return eq ? (size_t)(eq - e.p) : e.len;
}

int env_put(struct span *env, size_t *n, struct span e) {
  size_t k = env_keylen(e);
  for (size_t i = 0; i < *n; i++) {
    if (env_keylen(env[i]) == k && !memcmp(env[i].p, e.p, k)) {
      env[i] = e;
      return 0;
    }
  }
  if (*n >= PLAN_MAX_ITEMS) return -1;
  env[(*n)++] = e;
  return 0;
}

static int build(const struct exec_call *c, const struct exec_template *t, const struct exec_state *st, struct out *o) {
  o->p = NULL, o->len = o->cap = 0, o->err = 0;
  autofree struct span *env = calloc(PLAN_MAX_ITEMS, sizeof *env);
  autofree char *strings = NULL; /* "KEY=VALUE" of -e KEY entries, from our environment */
  if (!env) return -1;
  size_t nenv = t->nenv;
  memcpy(env, t->env, nenv * sizeof *env);
  size_t need = 0;
  for (size_t i = 0; i < c->nenv; i++)
    if (!strchr(c->env[i], '=')) {
      const char *v = getenv(c->env[i]);
      if (v) need += strlen(c->env[i]) + strlen(v) + 2;
    }
  if (c->tty) need += strlen(getenv("TERM") ? getenv("TERM") : "xterm") + 6;
  strings = malloc(need + 1);
  if (!strings) return -1;
  char *w = strings;
  for (size_t i = 0; i < c->nenv; i++) {
    const char *e = c->env[i];
    struct span s = {e, strlen(e)};
    if (!strchr(e, '=')) {
      /* the JVM's environment differs from ours in these (the launcher sets them for it) */
      if (!strcmp(e, "JBOX_HOME") || !strcmp(e, "JBOX_HELPER") || !strcmp(e, "LC_ALL") || !strcmp(e, "LC_CTYPE")) return -1;
      const char *v = getenv(e);
      if (!v) continue;
      if (!utf8_valid(v, strlen(v))) return -1;
      int len = sprintf(w, "%s=%s", e, v);
      s = (struct span){w, (size_t)len};
      w += len + 1;
    }
    if (env_put(env, &nenv, s)) return -1;
  }
  if (c->tty) {
    int has = 0;
    for (size_t i = 0; i < nenv; i++) has |= env_keylen(env[i]) == 4 && !memcmp(env[i].p, "TERM", 4);
    if (!has) {
      const char *term = getenv("TERM") ? getenv("TERM") : "xterm";
      if (!utf8_valid(term, strlen(term)) || nenv >= PLAN_MAX_ITEMS) return -1;
      int len = sprintf(w, "TERM=%s", term);
      env[nenv++] = (struct span){w, (size_t)len};
    }
  }
  out_put(o, PLAN_MAGIC, 4);
  out_put(o, "\1\0\0\0\0\0", 6); /* version 1, length patched below */
  for (size_t i = 0; i < c->ncmd; i++) out_rec(o, T_ARGV, c->cmd[i], strlen(c->cmd[i]));
  for (size_t i = 0; i < nenv; i++) out_rec(o, T_ENV, env[i].p, env[i].len);
  if (c->workdir) out_rec(o, T_CWD, c->workdir, strlen(c->workdir));
  else if (t->cwd.p) out_rec(o, T_CWD, t->cwd.p, t->cwd.len);
  if (c->user) out_rec(o, T_USER, c->user, strlen(c->user));
  else if (t->user.p) out_rec(o, T_USER, t->user.p, t->user.len);
  out_put(o, t->middle.p, t->middle.len);
  if (t->no_new_privs) out_rec(o, T_FLAG, F_NO_NEW_PRIVS, strlen(F_NO_NEW_PRIVS));
  if (t->seccomp) out_rec(o, T_FLAG, F_SECCOMP, strlen(F_SECCOMP));
  if (c->tty) out_rec(o, T_FLAG, F_TTY, strlen(F_TTY));
  if (c->interactive) out_rec(o, T_FLAG, F_STDIN, strlen(F_STDIN));
  char pid[64];
  int pl = snprintf(pid, sizeof pid, "%ld %llu", st->pid, st->pid_start);
  out_rec(o, T_EXEC, pid, (size_t)pl);
  if (o->err) return -1;
  uint32_t n = (uint32_t)o->len;
  unsigned char l[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
  memcpy(o->p + 6, l, 4);
  return 0;
}

int exec_plan_build(const struct exec_call *c, const struct exec_template *t, long pid, unsigned long long start,
                    char **plan, size_t *len) {
  struct exec_state st = {.pid = pid, .pid_start = start};
  struct out o;
  if (build(c, t, &st, &o)) {
    free(o.p);
    return -1;
  }
  *plan = o.p;
  *len = o.len;
  return 0;
}

int find_sandbox(const char *ref, const char *containers, const char *root, char id[65], int *image) {
  struct search s = {.ref = ref, .ref_is_full_id = is_id(ref, 64), .ref_is_hex = is_id(ref, 1)};
  scan(&s, containers, 1, containers);
  scan(&s, root, 0, containers);
  int ok = s.exact == 1 || (!s.exact && s.prefix == 1);
  if (s.unknown && !s.ref_is_full_id) ok = 0; /* a record we cannot read may bear that name or id */
  free(s.hit.tmpl);
  if (!ok) return -1;
  memcpy(id, s.hit.id, 65);
  *image = s.hit.image;
  return 0;
}

int name_taken(const char *name, const char *containers, const char *root) {
  struct search s = {.ref = name, .ref_is_full_id = is_id(name, 64), .ref_is_hex = is_id(name, 1)};
  scan(&s, containers, 1, containers);
  scan(&s, root, 0, containers);
  free(s.hit.tmpl);
  return s.exact || s.unknown ? -1 : 0;
}

int jvm_options_set(void) {
  static const char *const vars[] = {"JBOX_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
    if (getenv(vars[i]) && *getenv(vars[i])) return 1;
  return 0;
}

int exec_fast(int argc, char **argv) {
  struct exec_call c;
  if (jvm_options_set() || exec_call_parse(argc, argv, &c)) return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct search s = {.ref = c.ref, .ref_is_full_id = is_id(c.ref, 64), .ref_is_hex = is_id(c.ref, 1)};
  scan(&s, containers, 1, containers);
  scan(&s, root, 0, containers);
  struct found *f = &s.hit;
  int ok = s.exact == 1 || (!s.exact && s.prefix == 1);
  if (s.unknown && !s.ref_is_full_id) ok = 0; /* a record we cannot read may bear that name or id */
  struct exec_template t;
  struct exec_state st;
  struct out o = {0};
  if (!ok || !f->tmpl || exec_template_parse(f->tmpl, f->tlen, &t)) {
    free(f->tmpl);
    return -1;
  }
  int r = sandbox_running(root, containers, f->id, f->image, &st) || build(&c, &t, &st, &o);
  exec_template_free(&t);
  free(f->tmpl);
  if (r) {
    free(o.p);
    return -1;
  }
  trace("exec-fast");
  return run_plan_sealed(o.p, o.len);
}

int run_plan_sealed(char *plan, size_t len) {
  /* the plan runs from the sealed copy, as every plan does (selfexec.c): handed over in a memfd
   * that the copy reads as run-plan's file and closes before it joins the sandbox */
  int fd = memfd_create("jbox-exec-plan", 0);
  if (fd < 0 || write_all(fd, plan, len) < 0) {
    free(plan);
    if (fd >= 0) close(fd);
    return -1;
  }
  free(plan);
  char file[64];
  snprintf(file, sizeof file, "/proc/self/fd/%d", fd);
  /* as launch-wait does once the plan is there: whatever the caller ignored */
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGQUIT, SIG_DFL);
  char *args[] = {"jbox-helper", "run-plan", file, NULL};
  exec_protected(args); /* does not return */
}
