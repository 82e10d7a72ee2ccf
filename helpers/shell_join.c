/* `jbox shell` joining the project's running sandbox without the JVM (PROTOCOL.md "Joining a
 * project's sandbox without the JVM"; issues 12 and 14).
 *
 * Java stays the policy: when `jbox shell` starts a project's joinable sandbox (and whenever the
 * JVM joins one), it writes beside the record a join template, `join.plan`: the plan
 * DevShell.joinPlan makes for a caller with an empty environment and no command (the markers
 * container=, JBOX_SANDBOX=, debian_chroot=, PS1=; the project as working directory; the
 * namespaces to join; the capabilities; the flags), then the project's env-deny patterns and the
 * hash of the .jbox/shell.toml they came from. For `jbox shell` and `jbox shell [--] CMD...` the
 * launcher finds the project as ShellProject.find does (the git top level of the current directory
 * not above $HOME, else the directory), its id (SHA-256 of its path), follows the project's link
 * to the sandbox, checks that it runs, and adds the call's parts: the caller's environment as the
 * JVM would see it (the launcher's locale fix applied), without JBOX_* and the denied names, in
 * the order of the names, with the markers put in; the command or $SHELL; the working directory
 * (the caller's inside the project, else the project); the caller's ids; tty and stdin. The bytes
 * are the JVM's (ShellJoinFastPathTest compares them). Anything it is not sure of returns -1 and
 * the JVM decides as before.
 */
#include "shell_join.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plan.h"
#include "prestart.h"
#include "shell_start.h"
#include "util.h"

/* ---- SHA-256 (FIPS 180-4) ----------------------------------------------------------------------- */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void sha256_block(uint32_t h[8], const unsigned char *m) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 | (uint32_t)m[4 * t + 2] << 8 | (uint32_t)m[4 * t + 3];
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + w[t];
    uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void sha256(const void *data, size_t len, unsigned char out[32]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const unsigned char *p = data;
  size_t i = 0;
  for (; len - i >= 64; i += 64) sha256_block(h, p + i);
  /* the rest, a 1 bit, zeros, and the length in bits (64 bits big-endian): one or two blocks */
  unsigned char last[128] = {0};
  size_t rest = len - i;
  memcpy(last, p + i, rest);
  last[rest] = 0x80;
  size_t n = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int k = 0; k < 8; k++) last[n - 1 - k] = (unsigned char)(bits >> (8 * k));
  sha256_block(h, last);
  if (n == 128) sha256_block(h, last + 64);
  for (int k = 0; k < 8; k++)
    out[4 * k] = (unsigned char)(h[k] >> 24), out[4 * k + 1] = (unsigned char)(h[k] >> 16),
    out[4 * k + 2] = (unsigned char)(h[k] >> 8), out[4 * k + 3] = (unsigned char)h[k];
}

void hex_encode(const unsigned char *d, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) out[2 * i] = digits[d[i] >> 4], out[2 * i + 1] = digits[d[i] & 15];
  out[2 * n] = '\0';
}

/* ---- the env-deny glob (ShellSettings.glob) ---------------------------------------------------- */

int env_glob(const char *pat, size_t plen, const char *name, size_t nlen) {
  /* with `*` the only wildcard, going back to just after the last star seen (one more byte taken
   * by it) finds a match whenever the recursive definition does */
  size_t pi = 0, ni = 0, star = SIZE_MAX, mark = 0;
  while (ni < nlen) {
    if (pi < plen && pat[pi] == '*') {
      star = pi++, mark = ni;
    } else if (pi < plen && pat[pi] == name[ni]) {
      pi++, ni++;
    } else if (star != SIZE_MAX) {
      pi = star + 1, ni = ++mark;
    } else {
      return 0;
    }
  }
  while (pi < plen && pat[pi] == '*') pi++;
  return pi == plen;
}

/* ---- the template ----------------------------------------------------------------------------- */


static int is_word(struct span v, const char *w) { return v.len == strlen(w) && !memcmp(v.p, w, v.len); }

/* every byte of v in set (v is not NUL-terminated) */
static int all_in(struct span v, const char *set) {
  for (size_t i = 0; i < v.len; i++)
    if (!v.p[i] || !strchr(set, v.p[i])) return 0;
  return 1;
}

void join_template_free(struct join_template *t) {
  free(t->deny);
  t->deny = NULL;
}

int join_template_parse(const char *buf, size_t len, struct join_template *t) {
  memset(t, 0, sizeof *t);
  const unsigned char *u = (const unsigned char *)buf;
  if (!plan_header_ok(buf, len, JOIN_TEMPLATE_MAX)) return -1;
  t->deny = calloc(JOIN_MAX_DENY, sizeof *t->deny);
  if (!t->deny) return -1;
  /* PlanWriter's order: 0 env, 1 cwd, 2 user, 3 ns, 4 caps, 5-7 the three flags, 8 deny, 9 toml */
  static const char *const flags[] = {F_NO_NEW_PRIVS, F_SECCOMP, F_STDIN};
  int phase = 0, nns = 0;
  const char *mid = NULL;
  for (size_t off = 10; off < len;) {
    if (len - off < 6) goto bad;
    unsigned tag = plan_le16(u + off);
    uint32_t vlen = plan_le32(u + off + 2);
    if (vlen > len - off - 6) goto bad;
    struct span v = {buf + off + 6, vlen};
    if (memchr(v.p, '\0', vlen) && tag != T_NS) goto bad;
    switch (tag) {
    case T_ENV:
      if (phase > 0 || t->nenv >= JOIN_MAX_MARKERS || vlen == 0 || v.p[0] == '=' || !memchr(v.p, '=', vlen)) goto bad;
      t->env[t->nenv++] = v;
      if (env_keylen(v) == 12 && !memcmp(v.p, "JBOX_SANDBOX", 12)) t->name = (struct span){v.p + 13, vlen - 13};
      break;
    case T_CWD:
      if (phase != 0 || t->nenv == 0 || vlen == 0 || v.p[0] != '/') goto bad;
      t->project = v, phase = 1;
      break;
    case T_USER:
      if (phase != 1 || vlen == 0 || memchr(v.p, '\n', vlen)) goto bad;
      phase = 2;
      break;
    case T_NS: /* "TYPE\0new", every type in PlanWriter's order: the join names no namespace of its own */
      if (phase < 2 || phase > 3 || nns >= NS_COUNT || vlen < 5 || memcmp(v.p + vlen - 4, "\0new", 4) ||
          !is_word((struct span){v.p, vlen - 4}, ns_names[nns]))
        goto bad;
      if (phase == 2) mid = buf + off, phase = 3;
      nns++;
      break;
    case T_CAPS: {
      if (phase != 3 || nns != NS_COUNT || vlen == 0 || vlen > 20 || !all_in(v, "0123456789")) goto bad;
      unsigned long long caps = 0;
      for (size_t i = 0; i < vlen; i++) {
        unsigned dgt = (unsigned)(v.p[i] - '0');
        if (caps > (ULLONG_MAX - dgt) / 10) goto bad; /* as plan_decode's strtoull: no overflow */
        caps = caps * 10 + dgt;
      }
      t->middle = (struct span){mid, (size_t)(buf + off + 6 + vlen - mid)};
      phase = 4;
      break;
    }
    case T_FLAG:
      if (phase < 4 || phase > 6 || !is_word(v, flags[phase - 4])) goto bad;
      phase++;
      break;
    case T_JOINDENY:
      if (phase < 7 || phase > 8 || vlen == 0 || t->ndeny >= JOIN_MAX_DENY) goto bad;
      t->deny[t->ndeny++] = v, phase = 8;
      break;
    case T_JOINTOML:
      if (phase < 7 || phase > 8) goto bad;
      if (!is_word(v, "none") && (vlen != 64 || !all_in(v, "0123456789abcdef"))) goto bad;
      t->toml = v, phase = 9;
      break;
    default:
      goto bad;
    }
    off += 6 + vlen;
  }
  if (phase != 9 || !t->name.p) goto bad;
  return 0;
bad:
  join_template_free(t);
  return -1;
}

/* ---- the plan (PlanWriter.encode of DevShell.joinPlan, then the EXEC record) -------------------- */

struct entry {
  struct span e;
  size_t key, index;
};

static int by_key(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  size_t n = x->key < y->key ? x->key : y->key;
  int c = memcmp(x->e.p, y->e.p, n);
  if (c) return c;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static const char *lookup(const struct entry *env, size_t n, const char *key) {
  size_t k = strlen(key);
  for (size_t i = 0; i < n; i++)
    if (env[i].key == k && !memcmp(env[i].e.p, key, k)) return env[i].e.p + k + 1;
  return NULL;
}

static int path_under(const char *p, const char *dir, size_t dlen) {
  if (dlen == 1 && dir[0] == '/') return p[0] == '/';
  return !strncmp(p, dir, dlen) && (p[dlen] == '\0' || p[dlen] == '/');
}

/* DevShell.env for the call: the caller's environment as the JVM sees it, without JBOX_* names and
 * the names a deny pattern matches, in the order of the names, then each marker put in. *res
 * (malloc'd) gets the entries, which point into c->envp, the markers or a literal. */
static int call_env(const struct join_call *c, const struct span *deny, size_t ndeny, const struct span *markers,
                    size_t nmarkers, struct span **res, size_t *nres) {
  size_t n = 0;
  while (c->envp[n]) {
    if (++n > PLAN_MAX_ITEMS) return -1;
  }
  autofree struct entry *env = calloc(n + 1, sizeof *env);
  struct span *out = calloc(n + JOIN_MAX_MARKERS + 1, sizeof *out);
  if (!env || !out || nmarkers > JOIN_MAX_MARKERS) {
    free(out);
    return -1;
  }
  /* System.getenv: the entries with a name before an '=' (the first of a name wins), decoded in
   * the JVM's charset: a name that is not ASCII (Java orders names by UTF-16 units), a value that
   * is not ASCII unless the JVM decodes UTF-8, and a value that is not UTF-8 go to the JVM */
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const char *e = c->envp[i], *eq = strchr(e, '=');
    size_t l = strlen(e), ascii = 1;
    for (size_t k = 0; k < l; k++)
      if ((unsigned char)e[k] >= 0x80) {
        ascii = 0;
        if (!c->utf8 || !eq || k < (size_t)(eq - e)) goto bad;
      }
    if (!ascii && !utf8_valid(e, l)) goto bad;
    if (!eq || eq == e) continue;
    env[m++] = (struct entry){{e, l}, (size_t)(eq - e), i};
  }
  /* the launcher's jvm_utf8_locale: the JVM gets C.UTF-8 where the caller's ctype is not UTF-8 */
  const char *all = lookup(env, m, "LC_ALL"), *v = all && *all ? all : lookup(env, m, "LC_CTYPE");
  if (!v || !*v) v = lookup(env, m, "LANG");
  const char *fix = NULL;
  if (!v || !(strcasestr(v, "utf-8") || strcasestr(v, "utf8"))) fix = all && *all ? "LC_ALL=C.UTF-8" : "LC_CTYPE=C.UTF-8";
  qsort(env, m, sizeof *env, by_key);
  size_t nout = 0;
  for (size_t i = 0; i < m; i++) {
    struct span e = env[i].e;
    size_t k = env[i].key;
    if (i > 0 && env[i - 1].key == k && !memcmp(env[i - 1].e.p, e.p, k)) continue; /* a later one of the same name */
    if (fix && env_keylen((struct span){fix, strlen(fix)}) == k && !memcmp(fix, e.p, k)) {
      e = (struct span){fix, strlen(fix)};
      fix = NULL;
    }
    if (k >= 5 && !memcmp(e.p, "JBOX_", 5)) continue;
    int denied = 0;
    for (size_t d = 0; d < ndeny && !denied; d++) denied = env_glob(deny[d].p, deny[d].len, e.p, k);
    if (!denied) out[nout++] = e;
  }
  if (fix) { /* added by setenv: in its place among the names */
    struct span f = {fix, strlen(fix)};
    size_t k = env_keylen(f), at = 0;
    while (at < nout) {
      size_t ok = env_keylen(out[at]), mn = ok < k ? ok : k;
      int cmp = memcmp(out[at].p, fix, mn);
      if (cmp > 0 || (cmp == 0 && ok > k)) break;
      at++;
    }
    int denied = 0;
    for (size_t d = 0; d < ndeny && !denied; d++) denied = env_glob(deny[d].p, deny[d].len, fix, k);
    if (!denied) {
      memmove(out + at + 1, out + at, (nout - at) * sizeof *out);
      out[at] = f, nout++;
    }
  }
  for (size_t i = 0; i < nmarkers; i++)
    if (env_put(out, &nout, markers[i])) goto bad;
  *res = out;
  *nres = nout;
  return 0;
bad:
  free(out);
  return -1;
}

/* The plan's head: the header, ARGV (the command, or the shell), ENV, CWD (the caller's where it is
 * the project or below it, else the project). */
static void plan_head(struct out *o, const struct join_call *c, const struct span *env, size_t nenv, struct span project) {
  out_put(o, PLAN_MAGIC, 4);
  out_put(o, "\1\0\0\0\0\0", 6); /* version 1, length patched by plan_done */
  if (c->ncmd) {
    for (size_t i = 0; i < c->ncmd; i++) out_rec(o, T_ARGV, c->cmd[i], strlen(c->cmd[i]));
  } else {
    out_rec(o, T_ARGV, c->shell, strlen(c->shell));
  }
  for (size_t i = 0; i < nenv; i++) out_rec(o, T_ENV, env[i].p, env[i].len);
  char dir[PATH_MAX];
  if (project.len >= sizeof dir) o->err = 1;
  else memcpy(dir, project.p, project.len), dir[project.len] = '\0';
  if (!o->err && path_under(c->cwd, dir, project.len)) out_rec(o, T_CWD, c->cwd, strlen(c->cwd));
  else out_rec(o, T_CWD, project.p, project.len);
}

static int plan_done(struct out *o, char **plan, size_t *len) {
  if (o->err) {
    free(o->p);
    return -1;
  }
  uint32_t total = (uint32_t)o->len;
  for (int k = 0; k < 4; k++) o->p[6 + k] = (char)(total >> (8 * k));
  *plan = o->p;
  *len = o->len;
  return 0;
}

int join_plan_build(const struct join_call *c, const struct join_template *t, long pid, unsigned long long start,
                    char **plan, size_t *len) {
  autofree struct span *out = NULL;
  size_t nout;
  if (call_env(c, t->deny, t->ndeny, t->env, t->nenv, &out, &nout)) return -1;
  struct out o = {0};
  plan_head(&o, c, out, nout, t->project);
  char user[48];
  int ul = snprintf(user, sizeof user, "%lu:%lu", c->uid, c->gid);
  out_rec(&o, T_USER, user, (size_t)ul);
  out_put(&o, t->middle.p, t->middle.len);
  out_rec(&o, T_FLAG, F_NO_NEW_PRIVS, strlen(F_NO_NEW_PRIVS));
  out_rec(&o, T_FLAG, F_SECCOMP, strlen(F_SECCOMP));
  if (c->tty) out_rec(&o, T_FLAG, F_TTY, strlen(F_TTY));
  out_rec(&o, T_FLAG, F_STDIN, strlen(F_STDIN));
  char ex[64];
  int el = snprintf(ex, sizeof ex, "%ld %llu", pid, start);
  out_rec(&o, T_EXEC, ex, (size_t)el);
  return plan_done(&o, plan, len);
}

int prestart_plan_build(const struct join_call *c, const struct prestart_start *s, const struct join_template *jt,
                        const char *id, char **plan, size_t *len, struct span **env, size_t *nenv) {
  if (call_env(c, jt->deny, jt->ndeny, s->env, s->nenv, env, nenv)) return -1;
  struct out o = {0};
  plan_head(&o, c, *env, *nenv, s->project);
  size_t at = o.len;
  out_put(&o, s->head.p, s->head.len);
  if (!o.err) prestart_fill_id(o.p + at, s->head.p, s->head.len, id);
  if (c->tty) out_rec(&o, T_FLAG, F_TTY, strlen(F_TTY));
  at = o.len;
  out_put(&o, s->tail.p, s->tail.len);
  if (!o.err) prestart_fill_id(o.p + at, s->tail.p, s->tail.len, id);
  if (plan_done(&o, plan, len) == 0) return 0;
  free(*env);
  *env = NULL;
  return -1;
}

/* ---- the launcher -------------------------------------------------------------------------------- */

/* ShellProject.find without --project: the closest directory from cwd up that holds .git, not
 * going above $HOME, else cwd. 0 with dir set, -1 for anything the JVM reports. */
static int project_dir(const char *cwd, const char *home, char *dir, size_t dlen) {
  size_t hl = strlen(home);
  int under_home = path_under(cwd, home, hl) && strcmp(cwd, home);
  char p[PATH_MAX];
  if (snprintf(p, sizeof p, "%s", cwd) >= (int)sizeof p) return -1;
  snprintf(dir, dlen, "%s", cwd);
  for (;;) {
    if (under_home && !strcmp(p, home)) break;
    char git[PATH_MAX + 8];
    struct stat st;
    snprintf(git, sizeof git, "%s/.git", strcmp(p, "/") ? p : "");
    if (stat(git, &st) == 0) {
      snprintf(dir, dlen, "%s", p);
      break;
    }
    if (!strcmp(p, "/")) break;
    char *slash = strrchr(p, '/');
    if (slash == p) p[1] = '\0';
    else *slash = '\0';
  }
  if (!strcmp(dir, "/") || !strcmp(dir, home)) return -1; /* errors the JVM words */
  return 0;
}

/* The state of <project>/.jbox/shell.toml as ShellProject.tomlState: "none" or its hash. */
static int toml_state(const char *dir, char out[65]) {
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/.jbox/shell.toml", dir);
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno != ENOENT && errno != ENOTDIR) return -1;
    strcpy(out, "none");
    return 0;
  }
  if (!S_ISREG(st.st_mode)) {
    strcpy(out, "none");
    return 0;
  }
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *text;
  ssize_t n = fd < 0 ? -1 : read_all(fd, &text, JOIN_TOML_MAX);
  if (n < 0) return -1;
  unsigned char d[32];
  sha256(text, (size_t)n, d);
  free(text);
  hex_encode(d, 32, out);
  return 0;
}

extern char **environ;

/* What shell_join found on its way, for the prepared start's probe. */
static struct {
  int ok;
  char root[PATH_MAX], containers[PATH_MAX], pid16[65], options[2 * PATH_MAX];
  char dir[PATH_MAX], cwd[PATH_MAX], home[PATH_MAX]; /* the project, the real current directory, $HOME */
  char **cmd;
  size_t ncmd;
} found;

/* Whether any byte of s is not ASCII. */
static int non_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 1;
  return 0;
}

/* Whether the JVM the launcher would start decodes its arguments, paths and environment as UTF-8
 * (sun.jnu.encoding: nl_langinfo(CODESET) after setlocale(LC_ALL, "")): yes where the launcher
 * gives it C.UTF-8 (jvm_utf8_locale), else as our own locale, which is the JVM's then. */
static int jvm_decodes_utf8(void) {
  const char *all = getenv("LC_ALL"), *v = all && *all ? all : getenv("LC_CTYPE");
  if (!v || !*v) v = getenv("LANG");
  if (!v || !(strcasestr(v, "utf-8") || strcasestr(v, "utf8"))) return 1;
  int utf8 = setlocale(LC_ALL, "") && !strcmp(nl_langinfo(CODESET), "UTF-8");
  setlocale(LC_ALL, "C");
  return utf8;
}

int shell_join(int argc, char **argv) {
  /* RunOptions: at most --project DIR and --network MODE (or =VALUE), each once; `--` or the
   * first word that is not an option starts the command. --network is a policy option: never a
   * join (the JVM says why), but a prepared start's KEY names it (shell_prestart_probe) */
  const char *opt_project = NULL, *opt_network = NULL;
  char order[2];
  int words = 0, nopts = 0; /* words of options; options in the order given (a LinkedHashMap in Java) */
  while (words < argc) {
    const char *w = argv[words], **slot;
    char which;
    if (!strncmp(w, "--project", 9)) slot = &opt_project, which = 'p', w += 9;
    else if (!strncmp(w, "--network", 9)) slot = &opt_network, which = 'n', w += 9;
    else break;
    if (*slot) return -1; /* repeated: the JVM */
    if (*w == '=') *slot = w + 1, words += 1;
    else if (!*w && words + 1 < argc && strcmp(argv[words + 1], "--")) *slot = argv[words + 1], words += 2;
    else return -1;
    order[nopts++] = which;
  }
  if (opt_project && (!*opt_project || !utf8_valid(opt_project, strlen(opt_project)))) return -1;
  if (opt_network && strcmp(opt_network, "none") && strcmp(opt_network, "pasta")) return -1;
  char **cmd = argv + words;
  size_t ncmd = (size_t)(argc - words);
  if (ncmd > 0 && !strcmp(cmd[0], "--")) cmd++, ncmd--;
  else if (ncmd > 0 && cmd[0][0] == '-' && strcmp(cmd[0], "-")) return -1;
  for (size_t i = 0; i < ncmd; i++)
    if (!utf8_valid(cmd[i], strlen(cmd[i]))) return -1;
  /* options for the JVM may change what it sees (user.dir, file.encoding): the JVM */
  if (jvm_options_set()) return -1;
  /* ShellProject.find */
  const char *h = getenv("HOME");
  struct stat st;
  if (!h || h[0] != '/' || stat(h, &st) < 0 || !S_ISDIR(st.st_mode)) return -1;
  char home[PATH_MAX], cwd[PATH_MAX], here[PATH_MAX], dir[PATH_MAX];
  if (!realpath(h, home) || !getcwd(here, sizeof here) || !realpath(here, cwd)) return -1;
  if (!utf8_valid(home, strlen(home)) || !utf8_valid(cwd, strlen(cwd))) return -1;
  if (opt_project) {
    /* --project: relative to the current directory, an existing directory, its real path */
    char given[PATH_MAX];
    int gl = opt_project[0] == '/' ? snprintf(given, sizeof given, "%s", opt_project)
                                   : snprintf(given, sizeof given, "%s/%s", cwd, opt_project);
    if (gl < 0 || (size_t)gl >= sizeof given || stat(given, &st) < 0 || !S_ISDIR(st.st_mode) || !realpath(given, dir)) return -1;
    if (!strcmp(dir, "/") || !strcmp(dir, home) || !utf8_valid(dir, strlen(dir))) return -1;
  } else if (project_dir(cwd, home, dir, sizeof dir)) {
    return -1;
  }
  unsigned char d[32];
  char pid16[65];
  sha256(dir, strlen(dir), d);
  hex_encode(d, 8, pid16);
  /* the project's link to its sandbox (ShellSandboxes.linked), the record, the templates */
  char containers[PATH_MAX], root[PATH_MAX], link[PATH_MAX], id[80];
  /* any setting in jbox.toml: the JVM, which applies it to the shell (capabilities, ...) */
  if (store_dirs_settings(containers, sizeof containers, root, sizeof root, 0)) return -1;
  /* a project found and stores known: what a prepared start needs (shell_prestart_probe) */
  snprintf(found.root, sizeof found.root, "%s", root);
  snprintf(found.containers, sizeof found.containers, "%s", containers);
  snprintf(found.pid16, sizeof found.pid16, "%s", pid16);
  /* RunOptions.values.toString() */
  size_t ol = 0;
  found.options[ol++] = '{';
  for (int i = 0; i < nopts; i++) {
    int k = snprintf(found.options + ol, sizeof found.options - ol, "%s%s=[%s]", i ? ", " : "",
                     order[i] == 'p' ? "project" : "network", order[i] == 'p' ? opt_project : opt_network);
    if (k < 0 || (size_t)k >= sizeof found.options - ol) return -1;
    ol += (size_t)k;
  }
  if (ol + 2 > sizeof found.options) return -1;
  found.options[ol++] = '}';
  found.options[ol] = '\0';
  snprintf(found.dir, sizeof found.dir, "%s", dir);
  snprintf(found.cwd, sizeof found.cwd, "%s", cwd);
  snprintf(found.home, sizeof found.home, "%s", home);
  found.cmd = cmd, found.ncmd = ncmd;
  found.ok = 1;
  if (opt_network) return -1; /* a policy option: the JVM refuses it for a join */
  int ln = snprintf(link, sizeof link, "%s/projects/%s", root, pid16);
  if (ln < 0 || (size_t)ln >= sizeof link) return -1;
  ssize_t il = readlink(link, id, sizeof id - 1);
  if (il != 64) return -1;
  id[il] = '\0';
  if (strspn(id, "0123456789abcdef") != 64) return -1;
  autofd int home_fd = -1;
  ln = snprintf(link, sizeof link, "%s/%s", root, id);
  if (ln < 0 || (size_t)ln >= sizeof link) return -1;
  home_fd = open(link, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (home_fd < 0 || faccessat(home_fd, "config.json", R_OK, 0) < 0) return -1;
  size_t jlen, elen;
  autofree char *jbuf = read_small(home_fd, "join.plan", JOIN_TEMPLATE_MAX, &jlen);
  autofree char *ebuf = read_small(home_fd, "exec.plan", EXEC_TEMPLATE_MAX, &elen);
  struct join_template t;
  struct exec_template et;
  if (!jbuf || !ebuf || join_template_parse(jbuf, jlen, &t)) return -1;
  char toml[65];
  int ok = exec_template_parse(ebuf, elen, &et) == 0;
  /* the name as the record has it now (a rename rewrites exec.plan), the same project, the same toml */
  if (ok) {
    ok = et.name.len == t.name.len && !memcmp(et.name.p, t.name.p, t.name.len);
    exec_template_free(&et);
  }
  ok = ok && t.project.len == strlen(dir) && !memcmp(t.project.p, dir, t.project.len);
  ok = ok && toml_state(dir, toml) == 0 && t.toml.len == strlen(toml) && !memcmp(t.toml.p, toml, t.toml.len);
  struct exec_state state;
  ok = ok && sandbox_running(root, containers, id, 0, &state) == 0;
  /* DevShell.shell(): $SHELL when absolute and executable */
  const char *sh = getenv("SHELL");
  if (!sh || sh[0] != '/' || access(sh, X_OK) < 0) sh = "/bin/sh";
  /* anything not ASCII is decoded by the JVM: the same bytes only where it decodes UTF-8 */
  int plain = !non_ascii(dir) && !non_ascii(cwd) && !non_ascii(home);
  for (size_t i = 0; plain && i < ncmd; i++) plain = !non_ascii(cmd[i]);
  for (char **e = environ; plain && *e; e++) plain = !non_ascii(*e);
  int utf8 = plain || jvm_decodes_utf8();
  struct join_call c = {.envp = environ, .cwd = cwd, .cmd = cmd, .ncmd = ncmd, .shell = sh,
                        .tty = isatty(0) && isatty(1), .uid = getuid(), .gid = getgid(), .utf8 = utf8};
  if (!utf8) ok = 0;
  char *plan = NULL;
  size_t plen;
  ok = ok && join_plan_build(&c, &t, state.pid, state.pid_start, &plan, &plen) == 0;
  join_template_free(&t);
  if (!ok) return -1;
  trace("shell-fast");
  return run_plan_sealed(plan, plen);
}

/* Writes name in dir (0600, a new file) with these bytes; -1 on any failure. */
static int write_new(const char *dir, const char *name, const char *b, size_t n) {
  char p[PATH_MAX + 32];
  if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p) return -1;
  autofd int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  return fd < 0 ? -1 : write_all(fd, b, n);
}

/* One start from the prepared start's templates: the plan and every record, filled. */
struct made {
  char *st, *jt, *ct, *et, *pt, *ht, *hs, *rs; /* the templates as read */
  size_t sl, jl, cl, el, pl, hl, hsl, rsl;
  struct join_template jp;
  int jp_ok;
  char *plan, *config, *exec; /* filled */
  size_t plen, clen, elen;
  char name[160];
};

static void made_free(struct made *m) {
  free(m->st), free(m->jt), free(m->ct), free(m->et), free(m->pt), free(m->ht), free(m->hs), free(m->rs);
  free(m->plan), free(m->config), free(m->exec);
  if (m->jp_ok) join_template_free(&m->jp);
}

/* Fills the plan, config.json and exec.plan of a start with this id and the caller's parts from
 * the fresh prepared start (and, with all, reads the other records' templates): 0, or -1 where
 * the JVM would see the call otherwise (bytes it decodes otherwise, a template it cannot fill). */
static int prestart_make(const char *id, int all, struct made *m) {
  char why[PATH_MAX + 64];
  m->st = prestart_read(found.root, found.pid16, "start.plan", PRESTART_START_MAX, &m->sl, why, sizeof why);
  m->jt = prestart_read(found.root, found.pid16, "start.join.plan", JOIN_TEMPLATE_MAX, &m->jl, why, sizeof why);
  m->ct = prestart_read(found.root, found.pid16, "start.config.json", PRESTART_START_MAX, &m->cl, why, sizeof why);
  m->et = prestart_read(found.root, found.pid16, "start.exec.plan", EXEC_TEMPLATE_MAX, &m->el, why, sizeof why);
  if (all) {
    m->pt = prestart_read(found.root, found.pid16, "start.project", PRESTART_START_MAX, &m->pl, why, sizeof why);
    m->ht = prestart_read(found.root, found.pid16, "start.hostname", PRESTART_START_MAX, &m->hl, why, sizeof why);
    m->hs = prestart_read(found.root, found.pid16, "start.hosts", PRESTART_START_MAX, &m->hsl, why, sizeof why);
    m->rs = prestart_read(found.root, found.pid16, "start.resolv.conf", PRESTART_START_MAX, &m->rsl, why, sizeof why);
    if (!m->pt || !m->ht || !m->hs || !m->rs) return -1;
  }
  struct prestart_start sp;
  struct start_record sr;
  struct start_exec se;
  if (!m->st || !m->jt || !m->ct || !m->et || prestart_start_parse(m->st, m->sl, &sp) || start_record_parse(m->ct, m->cl, &sr) ||
      start_exec_parse(m->et, m->el, &se) || join_template_parse(m->jt, m->jl, &m->jp))
    return -1;
  m->jp_ok = 1;
  if (!sp.name.p || sp.name.len >= sizeof m->name) return -1;
  memcpy(m->name, sp.name.p, sp.name.len);
  m->name[sp.name.len] = '\0';
  const char *sh = getenv("SHELL");
  if (!sh || sh[0] != '/' || access(sh, X_OK) < 0) sh = "/bin/sh";
  int plain = !non_ascii(found.dir) && !non_ascii(found.cwd) && !non_ascii(found.home);
  for (size_t i = 0; plain && i < found.ncmd; i++) plain = !non_ascii(found.cmd[i]);
  for (char **e = environ; plain && *e; e++) plain = !non_ascii(*e);
  struct join_call c = {.envp = environ, .cwd = found.cwd, .cmd = found.cmd, .ncmd = found.ncmd, .shell = sh,
                        .tty = isatty(0) && isatty(1), .uid = getuid(), .gid = getgid(), .utf8 = plain || jvm_decodes_utf8()};
  autofree struct span *env = NULL;
  size_t nenv = 0;
  /* the same project, and the plan's parts for the records */
  if (!c.utf8 || sp.project.len != strlen(found.dir) || memcmp(sp.project.p, found.dir, sp.project.len) ||
      prestart_plan_build(&c, &sp, &m->jp, id, &m->plan, &m->plen, &env, &nenv))
    return -1;
  struct span argv[PLAN_MAX_ITEMS];
  struct start_caller k = {.id = id, .env = env, .nenv = nenv, .argv = argv, .tty = c.tty};
  /* the plan's ARGV and CWD records, as written */
  const unsigned char *u = (const unsigned char *)m->plan;
  for (size_t off = 10; off < m->plen;) {
    unsigned tag = plan_le16(u + off);
    uint32_t vlen = plan_le32(u + off + 2);
    if (tag == T_ARGV && k.nargv < PLAN_MAX_ITEMS) argv[k.nargv++] = (struct span){m->plan + off + 6, vlen};
    if (tag == T_CWD) k.cwd = (struct span){m->plan + off + 6, vlen};
    off += 6 + vlen;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  k.created = (unsigned long long)now.tv_sec * 1000 + (unsigned long long)now.tv_nsec / 1000000;
  return start_record_fill(&sr, &k, &m->config, &m->clen) == 0 && start_exec_fill(&se, &k, &m->exec, &m->elen) == 0 ? 0 : -1;
}

/* JBOX_DEBUG_PRESTART_DIR=DIR (tests): what the launcher's start would send and write for this
 * call, from the fresh prepared start, without starting anything: DIR/plan (the id 64 zeros),
 * DIR/config.json, DIR/exec.plan; nothing when one cannot be made (the start would go to the JVM). */
static void prestart_dry_run(const char *out) {
  static const char id[] = "0000000000000000000000000000000000000000000000000000000000000000";
  struct made m = {0};
  int ok = prestart_make(id, 0, &m) == 0;
  if (ok) ok = !write_new(out, "plan", m.plan, m.plen) && !write_new(out, "config.json", m.config, m.clen) && !write_new(out, "exec.plan", m.exec, m.elen);
  if (!ok) dprintf(2, "jbox: prestart: the launcher's start would go to the JVM\n");
  made_free(&m);
}

/* The name ShellCommand gives the project's sandbox when it is free (ShellProject.name, then
 * ShellSandboxes.baseName), for a project directory whose name is ASCII; -1 otherwise. */
static int base_name(const char *dir, char *out, size_t len) {
  const char *b = strrchr(dir, '/');
  b = b ? b + 1 : dir;
  size_t n = strlen(b);
  if (!n || n > 128 || non_ascii(b) || len < n + 8) return -1;
  char nm[130];
  for (size_t i = 0; i <= n; i++) {
    unsigned char ch = (unsigned char)b[i];
    nm[i] = !ch || isalnum(ch) || ch == '.' || ch == '_' || ch == '-' ? (char)ch : '_';
  }
  /* SandboxStore.validName: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128, not 12 to 64 hex digits */
  int hexlike = n >= 12 && n <= 64 && strspn(nm, "0123456789abcdef") == n;
  if (isalnum((unsigned char)nm[0]) && !hexlike) snprintf(out, len, "%s", nm);
  else snprintf(out, len, "shell-%.*s", (int)(n > 100 ? 100 : n), nm);
  return 0;
}

/* Copies a record template with the id in each marker: malloc'd, or NULL (a longer run of `@`). */
static char *with_id(const char *t, size_t n, const char *id) {
  for (long at = prestart_next_marker(t, n, 0); at != -1; at = prestart_next_marker(t, n, (size_t)at + PRESTART_ID_LEN))
    if (at == -2) return NULL;
  char *o = malloc(n + 1);
  if (o) prestart_fill_id(o, t, n, id);
  return o;
}

/* The generated /etc files' templates are what EtcFiles makes for the plan's hostname: hostname
 * its line, hosts its three lines first, resolv.conf jbox's header first; text without NUL. A
 * file that is not (cut short, replaced) sends the start to the JVM, which writes them again. */
static int etc_ok(const struct made *m) {
  struct span host = {0};
  const unsigned char *u = (const unsigned char *)m->plan;
  for (size_t off = 10; off < m->plen;) {
    uint32_t vlen = plan_le32(u + off + 2);
    if (plan_le16(u + off) == T_HOSTNAME) host = (struct span){m->plan + off + 6, vlen};
    off += 6 + vlen;
  }
  if (!host.p || memchr(host.p, '\n', host.len) || memchr(m->ht, 0, m->hl) || memchr(m->hs, 0, m->hsl) || memchr(m->rs, 0, m->rsl))
    return -1;
  if (m->hl != host.len + 1 || memcmp(m->ht, host.p, host.len) || m->ht[host.len] != '\n') return -1;
  char head[PATH_MAX];
  int n = snprintf(head, sizeof head, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t%.*s\n", (int)host.len, host.p);
  if (n < 0 || (size_t)n >= sizeof head || m->hsl < (size_t)n || memcmp(m->hs, head, (size_t)n) || m->hs[m->hsl - 1] != '\n') return -1;
  static const char gen[] = "# generated by jbox for this sandbox\n";
  if (m->rsl < sizeof gen - 1 || memcmp(m->rs, gen, sizeof gen - 1) || m->rs[m->rsl - 1] != '\n') return -1;
  return 0;
}

/* start.project is ShellSandboxes.record's: the project's id and directory, a line each. */
static int project_ok(const struct made *m) {
  char want[PATH_MAX + 96];
  int n = snprintf(want, sizeof want, "%s\n%s\n", found.pid16, found.dir);
  return n > 0 && (size_t)n == m->pl && !memcmp(want, m->pt, m->pl) ? 0 : -1;
}

/* Whether path is a directory (symlinks followed, as the mount follows them). */
static int is_dir(const char *p, size_t n) {
  char b[PATH_MAX];
  struct stat st;
  if (!n || n >= sizeof b) return 0;
  memcpy(b, p, n);
  b[n] = '\0';
  return stat(b, &st) == 0 && S_ISDIR(st.st_mode);
}

/* What ShellProject.prepare and the policy's first start made and a start does not make again is
 * still there: the root's mount point (ROOTFS), each overlay's lower, upper and work directories
 * (the deny layer, $HOME, the project's home layer, which `jbox shell --reset` removes), and the
 * layer's `project` file naming the project. Anything missing: the JVM, which makes it again. */
static int layers_ok(const struct made *m) {
  const unsigned char *u = (const unsigned char *)m->plan;
  int upper = 0;
  for (size_t off = 10; off < m->plen;) {
    unsigned tag = plan_le16(u + off);
    uint32_t vlen = plan_le32(u + off + 2);
    const char *v = m->plan + off + 6;
    off += 6 + vlen;
    if (tag == T_ROOTFS && !is_dir(v, vlen)) return -1;
    if (tag != T_MOUNT || vlen < 8 || memcmp(v, "overlay", 8)) continue;
    /* KIND\0SOURCE\0TARGET\0OPTIONS: the options after the third NUL */
    const char *end = v + vlen, *o = v;
    for (int nul = 0; nul < 3 && o < end; o++)
      if (!*o) nul++;
    while (o < end) {
      const char *comma = memchr(o, ',', (size_t)(end - o));
      const char *e = comma ? comma : end;
      static const char *const keys[] = {"lowerdir=", "upperdir=", "workdir="};
      for (int k = 0; k < 3; k++) {
        size_t kl = strlen(keys[k]);
        if ((size_t)(e - o) <= kl || memcmp(o, keys[k], kl)) continue;
        for (const char *d = o + kl; d < e;) {
          const char *colon = k ? NULL : memchr(d, ':', (size_t)(e - d));
          const char *de = colon ? colon : e;
          if (!is_dir(d, (size_t)(de - d))) return -1;
          if (k == 1) {
            /* the layer's project file (ShellProject.prepare writes it on every JVM start) */
            char f[PATH_MAX + 16], want[PATH_MAX + 2];
            const char *slash = memrchr(d, '/', (size_t)(de - d));
            if (!slash || snprintf(f, sizeof f, "%.*s/project", (int)(slash - d), d) >= (int)sizeof f) return -1;
            size_t fl;
            autofree char *text = read_small(AT_FDCWD, f, PATH_MAX + 2, &fl);
            int wl = snprintf(want, sizeof want, "%s\n", found.dir);
            if (!text || wl < 0 || fl != (size_t)wl || memcmp(text, want, fl)) return -1;
            upper = 1;
          }
          d = de + (colon != NULL);
        }
      }
      o = e + (comma != NULL);
    }
  }
  return upper ? 0 : -1;
}

/* The launcher's start (JBOX_PRESTART=1, the prepared start fresh): the records written as the
 * JVM writes them, then the plan run as a JVM-sent one is. Returns -1 (nothing of the new sandbox
 * left) for the JVM to start it; does not return otherwise. */
static int prestart_start(void) {
  static const char *const debug[] = {"JBOX_DEBUG_PLAN_FILE", "JBOX_DEBUG_KEY_FILE", "JBOX_DEBUG_PRESTART_DIR"};
  for (size_t i = 0; i < sizeof debug / sizeof *debug; i++)
    if (getenv(debug[i]) && *getenv(debug[i])) return -1; /* tests that look at the JVM's start */
  char id[65], want[160], why[PATH_MAX + 96] = "";
  if (random_id(id)) return -1;
  struct made m = {0};
  char *proj = NULL, *join = NULL, *host = NULL, *hosts = NULL, *resolv = NULL;
  int ok = prestart_make(id, 1, &m) == 0;
  if (!ok) snprintf(why, sizeof why, "a call or a template it cannot fill");
  /* the template's name is the one the JVM would try first (not a name it took for a collision) */
  if (ok && (base_name(found.dir, want, sizeof want) || strcmp(want, m.name) || m.jp.name.len != strlen(want) ||
             memcmp(m.jp.name.p, want, m.jp.name.len))) {
    ok = 0;
    snprintf(why, sizeof why, "the template's name is not the project's");
  }
  if (ok && layers_ok(&m)) {
    ok = 0;
    snprintf(why, sizeof why, "the project's home layer or the policy's directories are not there");
  }
  if (ok && (etc_ok(&m) || project_ok(&m))) {
    ok = 0;
    snprintf(why, sizeof why, "a record template is not what the JVM writes");
  }
  if (ok) {
    proj = with_id(m.pt, m.pl, id), join = with_id(m.jt, m.jl, id), host = with_id(m.ht, m.hl, id);
    hosts = with_id(m.hs, m.hsl, id), resolv = with_id(m.rs, m.rsl, id);
    ok = proj && join && host && hosts && resolv;
    if (!ok) snprintf(why, sizeof why, "a record template it cannot fill");
  }
  int lock = -1;
  if (ok) {
    struct start_files f = {.root = found.root, .containers = found.containers, .pid16 = found.pid16, .id = id, .name = m.name,
                            .config = {m.config, m.clen}, .exec = {m.exec, m.elen}, .project = {proj, m.pl},
                            .join = {join, m.jl}, .hostname = {host, m.hl}, .hosts = {hosts, m.hsl}, .resolv = {resolv, m.rsl}};
    ok = shell_start_records(&f, &lock, why, sizeof why) == 0;
  }
  char *plan = m.plan;
  size_t plen = m.plen;
  m.plan = NULL;
  made_free(&m);
  free(proj), free(join), free(host), free(hosts), free(resolv);
  const char *dbg = getenv("JBOX_DEBUG_PRESTART");
  if (!ok) {
    free(plan);
    trace("shell-start-jvm");
    if (dbg && *dbg && strcmp(dbg, "0")) dprintf(2, "jbox: prestart: the launcher's start goes to the JVM: %s\n", why);
    return -1;
  }
  trace("shell-start");
  /* the project's lock goes with the exec (close-on-exec), as the JVM's goes when it exits */
  run_plan_sealed(plan, plen);
  close(lock);
  shell_start_undo(found.root, id);
  die(125, "shell: run the plan: %s", strerror(errno));
}

int shell_prestart_probe(const char *jar, const char *helper) {
  if (!found.ok) return -1;
  /* a running sandbox of the project is joined (by the JVM, when shell_join did not) */
  char link[PATH_MAX + 96], id[80];
  if (snprintf(link, sizeof link, "%s/projects/%s", found.root, found.pid16) >= (int)sizeof link) return -1;
  ssize_t il = readlink(link, id, sizeof id - 1);
  struct exec_state state;
  if (il == 64) {
    id[il] = '\0';
    if (strspn(id, "0123456789abcdef") == 64 && sandbox_running(found.root, found.containers, id, 0, &state) == 0) return -1;
  }
  char why[PATH_MAX + 64] = "";
  size_t len;
  int fresh = 0;
  autofree char *text = prestart_key_read(found.root, found.pid16, &len, why, sizeof why);
  struct prestart_key k;
  if (text && prestart_key_parse(text, len, &k) == 0) {
    struct prestart_call c = {.options = found.options, .store = found.root, .jar = jar, .helper = helper};
    fresh = prestart_key_check(&k, &c, why, sizeof why) == 0;
    prestart_key_free(&k);
    /* the start template beside it (the same checks as the KEY's), decoded as the start would */
    if (fresh) {
      size_t slen;
      char swhy[PATH_MAX + 64] = "";
      autofree char *st = prestart_read(found.root, found.pid16, "start.plan", PRESTART_START_MAX, &slen, swhy, sizeof swhy);
      struct prestart_start sp;
      if (!st || prestart_start_parse(st, slen, &sp)) {
        fresh = 0;
        snprintf(why, sizeof why, "start template: %s", st ? "not one this helper starts from" : swhy);
      }
    }
    /* and the templates of the records that hold the caller's parts (start_records.c) */
    if (fresh) {
      size_t clen, elen;
      char swhy[PATH_MAX + 64] = "";
      autofree char *ct = prestart_read(found.root, found.pid16, "start.config.json", PRESTART_START_MAX, &clen, swhy, sizeof swhy);
      autofree char *et = ct ? prestart_read(found.root, found.pid16, "start.exec.plan", EXEC_TEMPLATE_MAX, &elen, swhy, sizeof swhy) : NULL;
      struct start_record sr;
      struct start_exec se;
      if (!ct || !et || start_record_parse(ct, clen, &sr) || start_exec_parse(et, elen, &se)) {
        fresh = 0;
        snprintf(why, sizeof why, "record template: %s", ct && et ? "not one this helper starts from" : swhy);
      }
    }
  } else if (text) {
    snprintf(why, sizeof why, "not a KEY this helper checks");
  }
  trace(fresh ? "prestart-fresh" : "prestart-stale");
  const char *dbg = getenv("JBOX_DEBUG_PRESTART");
  if (dbg && *dbg && strcmp(dbg, "0")) dprintf(2, "jbox: prestart: %s%s%s\n", fresh ? "fresh" : "stale", fresh ? "" : ": ", fresh ? "" : why);
  const char *dry = getenv("JBOX_DEBUG_PRESTART_DIR");
  if (fresh && dry && *dry) prestart_dry_run(dry);
  /* the launcher starts the sandbox itself unless JBOX_PRESTART=0 (off: the JVM drops the
   * prepared start) or check (only the answer, as above: tests of the JVM's start) */
  const char *mode = getenv("JBOX_PRESTART");
  if (fresh && (!mode || (strcmp(mode, "0") && strcmp(mode, "check")))) prestart_start();
  return fresh ? 0 : -1;
}
