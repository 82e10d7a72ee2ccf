/* `jbox inspect SANDBOX...` without the JVM (issue 14): the objects PodmanView.inspect builds,
 * printed as Json.pretty prints them, from the records, state files and /proc the JVM reads.
 * Whatever this file is not sure of returns -1 before anything is printed, and the JVM runs. */
#include "inspect_fast.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_fast.h"
#include "kill_fast.h"
#include "read_fast.h"
#include "util.h"

#define MOUNTINFO_MAX (16u << 20)

static const char ZERO_TIME[] = "0001-01-01T00:00:00Z";

/* ---- the record's shape (SandboxRecord.of, then toJson) ------------------------------------- */

enum { K_S, K_SN, K_LS, K_I, K_B, K_KIND, K_MS, K_OVERLAY, K_PROCESS, K_CAPS, K_RLIMITS };
struct key_rule {
  const char *key;
  int kind, optional;
};

static const struct key_rule RECORD[] = {
    {"id", K_S, 0},          {"name", K_SN, 0},      {"kind", K_KIND, 0},      {"image", K_SN, 0},     {"imageId", K_SN, 0},
    {"rootfs", K_SN, 0},     {"command", K_LS, 0},   {"created", K_I, 0},      {"rm", K_B, 0},         {"hostname", K_SN, 0},
    {"network", K_SN, 0},    {"ports", K_LS, 0},     {"mounts", K_LS, 0},      {"stopSignal", K_S, 0}, {"overlay", K_OVERLAY, 1},
    {"namespaces", K_MS, 0}, {"process", K_PROCESS, 1}, {"etcFiles", K_SN, 0}, {"plan", K_SN, 0},      {"restart", K_S, 1},
    {NULL, 0, 0}};
static const struct key_rule OVERLAY[] = {{"lower", K_LS, 0}, {"upper", K_SN, 0}, {"work", K_SN, 0}, {NULL, 0, 0}};
static const struct key_rule PROCESS[] = {{"env", K_LS, 0},   {"cwd", K_SN, 0},   {"user", K_SN, 0}, {"capabilities", K_CAPS, 0},
                                          {"flags", K_LS, 0}, {"rlimits", K_RLIMITS, 0}, {NULL, 0, 0}};

static int keys_match(const struct jv *o, const struct key_rule *rules);

/* a text without NUL (the C side's strings end at one) */
static int text(const struct jv *v) { return v->t == JV_STR && (!v->s.p || strlen(v->s.p) == v->s.len); }

static int key_is_text(const struct sbuf *k) { return !k->p || strlen(k->p) == k->len; }

/* Long.toUnsignedString(Long.parseUnsignedLong(s)) is s */
static int unsigned_decimal(const struct jv *v) {
  if (!text(v) || !v->s.len || v->s.len > 20 || strspn(v->s.p, "0123456789") != v->s.len) return 0;
  if (v->s.len > 1 && v->s.p[0] == '0') return 0;
  return v->s.len < 20 || strcmp(v->s.p, "18446744073709551615") <= 0;
}

static int value_ok(const struct jv *v, int kind) {
  switch (kind) {
    case K_S: return text(v);
    case K_SN: return v->t == JV_NULL || text(v);
    case K_I: return v->t == JV_INT;
    case K_B: return v->t == JV_TRUE || v->t == JV_FALSE;
    case K_KIND: return text(v) && (!strcmp(v->s.p ? v->s.p : "", "run") || !strcmp(v->s.p ? v->s.p : "", "shell"));
    case K_CAPS: return unsigned_decimal(v);
    case K_LS:
      if (v->t != JV_ARR) return 0;
      for (size_t i = 0; i < v->n; i++)
        if (!text(&v->kid[i])) return 0;
      return 1;
    case K_MS: /* a LinkedHashMap<String,String>: no key twice */
      if (v->t != JV_OBJ) return 0;
      for (size_t i = 0; i < v->n; i++) {
        if (!text(&v->kid[i]) || !key_is_text(&v->key[i])) return 0;
        for (size_t j = 0; j < i; j++)
          if (v->key[j].len == v->key[i].len && (!v->key[i].len || !memcmp(v->key[j].p, v->key[i].p, v->key[i].len))) return 0;
      }
      return 1;
    case K_RLIMITS: /* [resource (an int), soft, hard] each, longs */
      if (v->t != JV_ARR) return 0;
      for (size_t i = 0; i < v->n; i++) {
        const struct jv *r = &v->kid[i];
        if (r->t != JV_ARR || r->n != 3 || r->kid[0].t != JV_INT || r->kid[1].t != JV_INT || r->kid[2].t != JV_INT) return 0;
        if (r->kid[0].i < 0 || r->kid[0].i > INT_MAX) return 0;
      }
      return 1;
    case K_OVERLAY: return v->t == JV_OBJ && keys_match(v, OVERLAY);
    case K_PROCESS: return v->t == JV_OBJ && keys_match(v, PROCESS);
    default: return 0;
  }
}

/* the members are the rules' keys in their order (optional ones may be absent), each of its kind */
static int keys_match(const struct jv *o, const struct key_rule *rules) {
  size_t j = 0;
  for (size_t i = 0; i < o->n; i++) {
    const struct sbuf *k = &o->key[i];
    while (rules[j].key && !(strlen(rules[j].key) == k->len && k->len && !memcmp(rules[j].key, k->p, k->len))) {
      if (!rules[j].optional) return 0;
      j++;
    }
    if (!rules[j].key || !value_ok(&o->kid[i], rules[j].kind)) return 0;
    j++;
  }
  for (; rules[j].key; j++)
    if (!rules[j].optional) return 0;
  return 1;
}

int inspect_record_shape(const struct jv *rec) { return rec->t == JV_OBJ && keys_match(rec, RECORD) ? 0 : -1; }

/* ---- times --------------------------------------------------------------------------------- */

int inspect_instant(long long ms, char *out, size_t n) {
  if (ms <= 0) {
    snprintf(out, n, "%s", ZERO_TIME);
    return 0;
  }
  if (ms >= 253402300800000LL) return -1;
  long long secs = ms / 1000, days = secs / 86400, sod = secs % 86400;
  long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  int k = snprintf(out, n, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
  /* ISO_INSTANT: the fraction in groups of three digits, none when it is zero */
  if (ms % 1000) k += snprintf(out + k, n - (size_t)k, ".%03lld", ms % 1000);
  snprintf(out + k, n - (size_t)k, "Z");
  return 0;
}

/* ---- mounts (PodmanView.mounts, Volumes.parseVolume/parseMount/tmpfs) ------------------------ */

/* Volumes.target would return t itself: absolute, already clean (podman's filepath.Clean), not
 * /, not /proc or /sys or below */
static int target_ok(const char *t, size_t n) {
  if (n < 2 || t[0] != '/' || t[n - 1] == '/' || memchr(t, '\0', n)) return 0;
  for (size_t i = 0; i < n; i++) {
    if (t[i] != '/') continue;
    size_t e = i + 1;
    while (e < n && t[e] != '/') e++;
    size_t cl = e - i - 1;
    if (cl == 0 || (cl == 1 && t[i + 1] == '.') || (cl == 2 && t[i + 1] == '.' && t[i + 2] == '.')) return 0;
  }
  for (int k = 0; k < 2; k++) {
    const char *top = k ? "/sys" : "/proc";
    size_t tl = strlen(top);
    if (n >= tl && !memcmp(t, top, tl) && (n == tl || t[tl] == '/')) return 0;
  }
  return 1;
}

/* Volumes.isName: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 bytes */
static int volume_name(const char *s, size_t n) {
  static const char an[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  if (n == 0 || n > 255 || !strchr(an, s[0])) return 0;
  for (size_t i = 1; i < n; i++)
    if (!s[i] || (!strchr(an, s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')) return 0;
  return 1;
}

/* Volumes.isSize and isMode */
static int is_size(const char *v, size_t n) {
  if (n && strchr("kKmMgG%", v[n - 1]) && v[n - 1]) n--;
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (v[i] < '0' || v[i] > '9') return 0;
  return 1;
}
static int is_mode(const char *v, size_t n) {
  if (n < 3 || n > 4) return 0;
  for (size_t i = 0; i < n; i++)
    if (v[i] < '0' || v[i] > '7') return 0;
  return 1;
}

static int word_is(const char *s, size_t n, const char *w) { return strlen(w) == n && !memcmp(s, w, n); }

/* the next token of s up to sep (String.split's fields); returns its length, *at moves past it */
static size_t field(const char *s, size_t n, size_t *at, char sep) {
  size_t b = *at, e = b;
  while (e < n && s[e] != sep) e++;
  *at = e + 1;
  return e - b;
}

struct mount_view {
  const char *type;
  struct sbuf source, name, target;
  int has_source, has_name, ro;
};

static int parse_volume(const char *s, size_t n, struct mount_view *m) {
  /* split(":", -1): every field, the empty ones too */
  const char *f[3];
  size_t fl[3], nf = 0, at = 0;
  while (at <= n) {
    if (nf == 3) return -1;
    f[nf] = s + at;
    fl[nf] = field(s, n, &at, ':');
    nf++;
  }
  if (nf == 1 && fl[0] && f[0][0] == '/') { /* an anonymous volume: no source, no name */
    if (!target_ok(f[0], fl[0])) return -1;
    m->type = "volume";
    sb_put(&m->target, f[0], fl[0]);
    return 0;
  }
  if (nf < 2 || !fl[0] || !fl[1]) return -1;
  int named = f[0][0] != '/' && f[0][0] != '.';
  int ro = 0, u = 0;
  if (nf == 3) {
    size_t oat = 0;
    while (oat <= fl[2]) {
      const char *o = f[2] + oat;
      size_t ol = field(f[2], fl[2], &oat, ',');
      if (word_is(o, ol, "ro")) ro = 1;
      else if (word_is(o, ol, "U")) u = 1;
      else if (ol == 0 || word_is(o, ol, "rw") || word_is(o, ol, "z") || word_is(o, ol, "Z")) continue;
      else if (named && (word_is(o, ol, "nocopy") || word_is(o, ol, "copy"))) continue;
      else return -1; /* O, upperdir=, workdir=, or what parseVolume refuses */
    }
  }
  if (u && ro) return -1;
  if (named && !volume_name(f[0], fl[0])) return -1;
  if (!target_ok(f[1], fl[1])) return -1;
  m->type = named ? "volume" : "bind";
  m->ro = ro;
  sb_put(&m->target, f[1], fl[1]);
  sb_put(&m->source, f[0], fl[0]);
  m->has_source = 1;
  if (named) sb_put(&m->name, f[0], fl[0]), m->has_name = 1;
  return 0;
}

/* "true"/"1" or no value: true (parseMount's booleans) */
static int truth(const char *v, size_t vl, int has) { return !has || word_is(v, vl, "true") || word_is(v, vl, "1"); }

static int parse_mount(const char *s, size_t n, struct mount_view *m) {
  /* split(","): trailing empty fields dropped, any other empty one is the unknown key "" */
  while (n && s[n - 1] == ',') n--;
  if (!n) return -1;
  const char *type = NULL, *src = NULL, *dst = NULL;
  size_t typel = 0, srcl = 0, dstl = 0, at = 0;
  int ro = 0, nocopy = 0, chown = 0, data = 0;
  while (at <= n) {
    const char *kv = s + at;
    size_t kvl = field(s, n, &at, ',');
    const char *eq = memchr(kv, '=', kvl);
    size_t kl = eq ? (size_t)(eq - kv) : kvl;
    const char *v = eq ? eq + 1 : NULL;
    size_t vl = eq ? kvl - kl - 1 : 0;
    char k[32];
    if (kl >= sizeof k) return -1;
    for (size_t i = 0; i < kl; i++) k[i] = (char)(kv[i] >= 'A' && kv[i] <= 'Z' ? kv[i] - 'A' + 'a' : kv[i]);
    k[kl] = '\0';
    if (!strcmp(k, "type")) type = v, typel = vl;
    else if (!strcmp(k, "source") || !strcmp(k, "src")) src = v, srcl = vl;
    else if (!strcmp(k, "target") || !strcmp(k, "destination") || !strcmp(k, "dst")) dst = v, dstl = vl;
    else if (!strcmp(k, "readonly") || !strcmp(k, "ro")) ro = truth(v, vl, v != NULL);
    else if (!strcmp(k, "volume-nocopy") || !strcmp(k, "nocopy")) nocopy = truth(v, vl, v != NULL);
    else if (!strcmp(k, "u") || !strcmp(k, "chown")) chown = truth(v, vl, v != NULL);
    else if (!strcmp(k, "tmpfs-size") && v && is_size(v, vl)) data = 1;
    else if (!strcmp(k, "tmpfs-mode") && v && is_mode(v, vl)) data = 1;
    else return -1;
  }
  if (!type) return -1;
  int bind = word_is(type, typel, "bind"), tmpfs = word_is(type, typel, "tmpfs"), volume = word_is(type, typel, "volume");
  if (!bind && !tmpfs && !volume) return -1;
  if (!dst || !target_ok(dst, dstl)) return -1;
  if ((chown && tmpfs) || (chown && ro) || (nocopy && !volume) || (data && !tmpfs) || (bind && !src) || (tmpfs && src)) return -1;
  if (volume && src && !volume_name(src, srcl)) return -1;
  m->type = bind ? "bind" : tmpfs ? "tmpfs" : "volume";
  m->ro = ro;
  sb_put(&m->target, dst, dstl);
  m->has_source = 1; /* source == null ? "" : source */
  if (src) sb_put(&m->source, src, srcl);
  if (volume && src) sb_put(&m->name, src, srcl), m->has_name = 1;
  return 0;
}

static int parse_tmpfs(const char *s, size_t n, struct mount_view *m) {
  const char *colon = memchr(s, ':', n);
  size_t pl = colon ? (size_t)(colon - s) : n;
  /* the flags as Volumes.tmpfs keeps them, then the options text PodmanView reads "ro" from */
  const char *flags[8] = {"nosuid", "nodev"};
  size_t nflags = 2;
  struct sbuf opts = {.max = 1u << 20};
  int data = 0;
  if (colon) {
    size_t at = 0, rl = n - pl - 1;
    const char *r = colon + 1;
    while (at <= rl) {
      const char *o = r + at;
      size_t ol = field(r, rl, &at, ',');
      if (!ol) continue;
      if (ol >= 5 && !memcmp(o, "size=", 5)) {
        if (!is_size(o + 5, ol - 5)) goto bad;
        sb_puts(&opts, data++ ? "," : "|");
        sb_put(&opts, o, ol);
        continue;
      }
      if (ol >= 5 && !memcmp(o, "mode=", 5)) {
        if (!is_mode(o + 5, ol - 5)) goto bad;
        sb_puts(&opts, data++ ? "," : "|");
        sb_put(&opts, o, ol);
        continue;
      }
      static const char *const set[] = {"ro", "noexec", "nosuid", "nodev"}, *const unset[] = {"rw", "exec", "suid", "dev"};
      int done = 0;
      for (int i = 0; i < 4 && !done; i++) {
        if (!word_is(o, ol, set[i])) continue;
        done = 1;
        int have = 0;
        for (size_t j = 0; j < nflags; j++) have |= !strcmp(flags[j], set[i]);
        if (!have) flags[nflags++] = set[i];
      }
      for (int i = 0; i < 4 && !done; i++) {
        if (!word_is(o, ol, unset[i])) continue;
        done = 1;
        for (size_t j = 0; j < nflags; j++) /* flags.remove("no" + o) */
          if (!strncmp(flags[j], "no", 2) && !strcmp(flags[j] + 2, unset[i])) {
            memmove(&flags[j], &flags[j + 1], (nflags - j - 1) * sizeof *flags);
            nflags--;
            break;
          }
      }
      if (!done) goto bad;
    }
  }
  if (!target_ok(s, pl)) goto bad;
  struct sbuf all = {.max = 1u << 20};
  for (size_t j = 0; j < nflags; j++) {
    if (j) sb_puts(&all, ",");
    sb_puts(&all, flags[j]);
  }
  if (opts.len) sb_put(&all, opts.p, opts.len);
  m->ro = all.p && (!strncmp(all.p, "ro,", 3) || strstr(all.p, ",ro,"));
  int err = all.err || opts.err;
  sb_free(&all);
  sb_free(&opts);
  if (err) return -1;
  m->type = "tmpfs";
  sb_put(&m->target, s, pl);
  sb_puts(&m->source, "tmpfs");
  m->has_source = 1;
  return 0;
bad:
  sb_free(&opts);
  return -1;
}

static int ascii_printable(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return 0;
  return 1;
}

int inspect_mount(const char *spec, size_t n, const char *voldir, struct jv *list) {
  struct mount_view m = {.source.max = 1u << 20, .name.max = 1u << 20, .target.max = 1u << 20};
  int rc;
  if (n >= 3 && !memcmp(spec, "-v ", 3)) rc = parse_volume(spec + 3, n - 3, &m);
  else if (n >= 8 && !memcmp(spec, "--mount ", 8)) rc = parse_mount(spec + 8, n - 8, &m);
  else if (n >= 8 && !memcmp(spec, "--tmpfs ", 8)) rc = parse_tmpfs(spec + 8, n - 8, &m);
  else return 1;
  int err = 0;
  struct jv o = jv_new(JV_OBJ), v;
  if (rc) goto done;
  rc = -1;
  int bind = !strcmp(m.type, "bind");
  v = jv_cstr(m.type);
  jv_put(&o, "Type", &v, &err);
  if (m.has_name) {
    v = jv_text(m.name.p, m.name.len);
    jv_put(&o, "Name", &v, &err);
    char p[PATH_MAX];
    int k = snprintf(p, sizeof p, "%s/%s/_data", voldir, m.name.p);
    if (k < 0 || (size_t)k >= sizeof p) goto done;
    sb_free(&m.source);
    sb_puts(&m.source, p);
  }
  if (bind) { /* PodmanView.realPath: symlinks resolved, or as given when that fails */
    if (!m.source.p || m.source.p[0] != '/') goto done; /* relative: the JVM's working directory */
    char real[PATH_MAX];
    if (realpath(m.source.p, real)) {
      if (!ascii_printable(real, strlen(real))) goto done;
      sb_free(&m.source);
      sb_puts(&m.source, real);
    }
  }
  v = m.has_source ? jv_text(m.source.p, m.source.len) : jv_new(JV_NULL);
  jv_put(&o, "Source", &v, &err);
  v = jv_text(m.target.p, m.target.len);
  jv_put(&o, "Destination", &v, &err);
  if (m.has_name) {
    v = jv_cstr("local");
    jv_put(&o, "Driver", &v, &err);
  }
  v = jv_cstr("");
  jv_put(&o, "Mode", &v, &err);
  struct jv opts = jv_new(JV_ARR);
  if (bind) {
    v = jv_cstr("rbind");
    jv_add(&opts, &v, &err);
  }
  if (!strcmp(m.type, "tmpfs")) {
    v = jv_cstr("nosuid");
    jv_add(&opts, &v, &err);
    v = jv_cstr("nodev");
    jv_add(&opts, &v, &err);
  }
  jv_put(&o, "Options", &opts, &err);
  v = jv_bool(!m.ro);
  jv_put(&o, "RW", &v, &err);
  v = jv_cstr(bind ? "rprivate" : "");
  jv_put(&o, "Propagation", &v, &err);
  if (err || m.source.err || m.name.err || m.target.err) goto done;
  jv_add(list, &o, &err);
  rc = err ? -1 : 0;
done:
  jv_free(&o);
  sb_free(&m.source);
  sb_free(&m.name);
  sb_free(&m.target);
  return rc;
}

/* ---- /proc (Procfs.namespaces, Procfs.mounts) -------------------------------------------------- */

/* Procfs.unescape: a backslash and the three characters after it as an octal number */
static int unescape(const char *s, size_t n, struct jv *out) {
  struct sbuf b = {.max = 1u << 20};
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 3 < n) {
      int v = 0;
      for (int k = 1; k <= 3; k++) {
        if (s[i + k] < '0' || s[i + k] > '7') {
          sb_free(&b);
          return -1; /* Integer.parseInt's sign, or its error */
        }
        v = v * 8 + (s[i + k] - '0');
      }
      if (v >= 0x80) {
        sb_free(&b);
        return -1; /* a char above ASCII: printed in the JVM's charset */
      }
      char c = (char)v;
      sb_put(&b, &c, 1);
      i += 3;
    } else {
      sb_put(&b, s + i, 1);
    }
  }
  *out = jv_new(JV_STR);
  out->s = b;
  return b.err ? -1 : 0;
}

static int decimal(const char *s, size_t n, long long *v) {
  if (!n || n > 18) return -1;
  *v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    *v = *v * 10 + (s[i] - '0');
  }
  return 0;
}

int inspect_mountinfo(const char *buf, size_t len, struct jv *list) {
  /* Files.readAllLines: UTF-8 (ASCII here), lines ended by \n, \r or \r\n */
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)buf[i] >= 0x80 || buf[i] == '\r' || buf[i] == '\0') return -1;
  size_t at = 0;
  int err = 0;
  while (at < len) {
    const char *line = buf + at;
    size_t ll = field(buf, len, &at, '\n');
    /* split(" "): trailing empty fields dropped */
    while (ll && line[ll - 1] == ' ') ll--;
    enum { FMAX = 64 };
    const char *f[FMAX];
    size_t fl[FMAX], nf = 0, fat = 0;
    if (ll == 0) nf = 1, f[0] = line, fl[0] = 0;
    while (ll && fat <= ll) {
      if (nf == FMAX) return -1;
      f[nf] = line + fat;
      fl[nf] = field(line, ll, &fat, ' ');
      nf++;
    }
    size_t dash = 0;
    while (dash < nf && !word_is(f[dash], fl[dash], "-")) dash++;
    if (dash == nf || dash < 6 || nf < dash + 3) continue;
    long long id, parent;
    if (decimal(f[0], fl[0], &id) || decimal(f[1], fl[1], &parent)) return -1;
    struct jv o = jv_new(JV_OBJ), v;
    v = jv_int(id);
    jv_put(&o, "id", &v, &err);
    v = jv_int(parent);
    jv_put(&o, "parent", &v, &err);
    static const char *const names[] = {"root", "mountPoint"};
    for (int k = 0; k < 2; k++) {
      if (unescape(f[3 + k], fl[3 + k], &v)) {
        jv_free(&v);
        jv_free(&o);
        return -1;
      }
      jv_put(&o, names[k], &v, &err);
    }
    v = jv_text(f[5], fl[5]);
    jv_put(&o, "options", &v, &err);
    v = jv_text(f[dash + 1], fl[dash + 1]);
    jv_put(&o, "fsType", &v, &err);
    if (unescape(f[dash + 2], fl[dash + 2], &v)) {
      jv_free(&v);
      jv_free(&o);
      return -1;
    }
    jv_put(&o, "source", &v, &err);
    jv_add(list, &o, &err);
    if (err) return -1;
  }
  return 0;
}

/* Procfs.namespaces: each type whose link reads, by type */
static int namespaces(long long pid, struct jv *out) {
  static const char *const types[] = {"user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time"};
  int err = 0;
  *out = jv_new(JV_OBJ);
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    char path[64], link[256];
    snprintf(path, sizeof path, "/proc/%lld/ns/%s", pid, types[i]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0) continue;
    link[n] = '\0';
    char *a = strchr(link, '['), *b = strchr(link, ']');
    long long ino;
    if (!a || !b || b < a || decimal(a + 1, (size_t)(b - a - 1), &ino)) return -1;
    struct jv v = jv_int(ino);
    jv_put(out, types[i], &v, &err);
  }
  return err ? -1 : 0;
}

/* ---- one sandbox ------------------------------------------------------------------------------ */

static const char *str_of(const struct jv *rec, const char *key) {
  const struct jv *v = jv_get(rec, key);
  return v && v->t == JV_STR ? (v->s.p ? v->s.p : "") : NULL;
}

/* RestartPolicy.parse: 0 with the name and N, -1 for a spec it refuses */
static int restart_policy(const char *spec, const char **name, long *max) {
  *max = 0;
  if (!spec || !*spec || !strcmp(spec, "no")) return *name = "no", 0;
  if (!strcmp(spec, "always") || !strcmp(spec, "unless-stopped") || !strcmp(spec, "on-failure")) return *name = spec, 0;
  if (strncmp(spec, "on-failure:", 11)) return -1;
  const char *n = spec + 11;
  size_t l = strlen(n);
  if (!l || l > 7 || strspn(n, "0123456789") != l) return -1;
  *max = strtol(n, NULL, 10);
  if (*max > 1000000) return -1;
  *name = "on-failure";
  return 0;
}

/* PodmanView.portMap: bindings by "CONTAINER/PROTO", in the order first seen; specs that do not
 * parse left out */
static int port_map(const struct jv *ports, struct jv *out) {
  int err = 0;
  *out = jv_new(JV_OBJ);
  for (size_t i = 0; ports && i < ports->n; i++) {
    const struct sbuf *s = &ports->kid[i].s;
    struct ps_portspec p;
    if (ps_port_parse(s->p ? s->p : "", s->len, &p)) continue;
    char key[32];
    snprintf(key, sizeof key, "%ld/%s", p.container, p.proto);
    struct jv *list = (struct jv *)jv_get(out, key);
    if (!list) {
      struct jv l = jv_new(JV_ARR);
      jv_put(out, key, &l, &err);
      if (err) return -1;
      list = &out->kid[out->n - 1];
    }
    struct jv b = jv_new(JV_OBJ), v;
    v = p.has_ip ? jv_text(p.ip, p.ip_len) : jv_cstr("");
    jv_put(&b, "HostIp", &v, &err);
    snprintf(key, sizeof key, "%ld", p.host);
    v = jv_cstr(key);
    jv_put(&b, "HostPort", &v, &err);
    jv_add(list, &b, &err);
  }
  return err ? -1 : 0;
}

struct where {
  const char *root, *containers, *voldir;
};

/* PodmanView.inspect of one listed sandbox into *out: 0, or -1 (the JVM answers) */
static int inspect_one(const struct where *w, const struct ps_entry *e, struct jv *out) {
  char path[PATH_MAX + 96], home[PATH_MAX + 80], rundir[PATH_MAX + 80], when[40];
  snprintf(home, sizeof home, "%s/%s", e->image ? w->containers : w->root, e->id);
  snprintf(rundir, sizeof rundir, "%s/%s", w->root, e->id);
  snprintf(path, sizeof path, "%s/config.json", home);
  char *buf = NULL;
  size_t len;
  if (ps_read_file(path, 0, PS_RECORD_MAX, &buf, &len)) {
    free(buf);
    return -1;
  }
  struct jv rec = jv_new(JV_NULL);
  int nonascii = 0;
  int rc = !utf8_valid(buf, len) || jv_parse(buf, len, &rec, &nonascii) ? -1 : 0;
  free(buf);
  if (rc || nonascii || inspect_record_shape(&rec) || strcmp(str_of(&rec, "id"), e->id)) {
    jv_free(&rec);
    return -1;
  }
  struct ps_status st;
  struct stat sb;
  snprintf(path, sizeof path, "%s/state", rundir);
  int detached = lstat(path, &sb) == 0; /* Sandbox.detached */
  if (!detached && errno != ENOENT) goto bad;
  if (ps_status_of(w->root, w->containers, e, &st)) goto bad;
  const struct ps_state *ms = st.has_state ? &st.state : NULL;
  const char *name = str_of(&rec, "name"), *image = str_of(&rec, "image"), *image_id = str_of(&rec, "imageId");
  const char *rootfs = str_of(&rec, "rootfs"), *hostname = str_of(&rec, "hostname"), *network = str_of(&rec, "network");
  const char *restart = str_of(&rec, "restart"), *policy;
  long long created = jv_get(&rec, "created")->i;
  const struct jv *command = jv_get(&rec, "command"), *overlay = jv_get(&rec, "overlay"), *process = jv_get(&rec, "process");
  const struct jv *ports = jv_get(&rec, "ports"), *mounts = jv_get(&rec, "mounts");
  long max_retries;
  int signal = kill_signal_parse(str_of(&rec, "stopSignal"));
  if (signal < 0 || restart_policy(restart, &policy, &max_retries)) goto bad;
  int running = st.kind == PS_RUNNING, exited = st.kind == PS_EXITED;
  long long pid = running && ms ? ms->pid : -1;

  int err = 0;
  struct jv o = jv_new(JV_OBJ), v, sub;
#define PUT(obj, key, val) (v = (val), jv_put(obj, key, &v, &err))
  PUT(&o, "Id", jv_cstr(e->id));
  if (inspect_instant(created, when, sizeof when)) goto bad_o;
  PUT(&o, "Created", jv_cstr(when));
  PUT(&o, "Path", command->n ? jv_text(command->kid[0].s.p, command->kid[0].s.len) : jv_cstr(""));
  sub = jv_new(JV_ARR);
  for (size_t i = 1; i < command->n; i++) {
    v = jv_text(command->kid[i].s.p, command->kid[i].s.len);
    jv_add(&sub, &v, &err);
  }
  jv_put(&o, "Args", &sub, &err);
  struct jv state = jv_new(JV_OBJ);
  PUT(&state, "Status", jv_cstr(running ? "running" : exited ? "exited" : "created"));
  PUT(&state, "Running", jv_bool(running));
  PUT(&state, "Paused", jv_bool(0));
  PUT(&state, "Restarting", jv_bool(exited && strcmp(policy, "no") && detached && st.monitor_alive));
  PUT(&state, "OOMKilled", jv_bool(0));
  PUT(&state, "Dead", jv_bool(0));
  PUT(&state, "Pid", jv_int(pid >= 0 ? pid : 0));
  PUT(&state, "ExitCode", jv_int(st.has_code ? st.code : 0));
  PUT(&state, "Error", jv_cstr(st.stale ? "its monitor ended without recording the exit (killed, or a reboot)" : ""));
  if (inspect_instant(ms && ms->started > 0 ? ms->started : 0, when, sizeof when)) goto bad_state;
  PUT(&state, "StartedAt", jv_cstr(when));
  if (inspect_instant(ms && ms->has_finished ? ms->finished : 0, when, sizeof when)) goto bad_state;
  PUT(&state, "FinishedAt", jv_cstr(when));
  jv_put(&o, "State", &state, &err);
  PUT(&o, "Image", jv_cstr(!image_id ? "" : !strncmp(image_id, "sha256:", 7) ? image_id + 7 : image_id));
  PUT(&o, "ImageName", !image_id ? jv_cstr("") : jv_cstr(image));
  PUT(&o, "Rootfs", jv_cstr(!image_id && rootfs ? rootfs : ""));
  PUT(&o, "Name", jv_cstr(name ? name : ""));
  PUT(&o, "RestartCount", jv_int(ms ? ms->restart_count : 0));
  PUT(&o, "Driver", jv_cstr(overlay ? "overlay" : ""));
  sub = jv_new(JV_ARR);
  for (size_t i = 0; i < mounts->n; i++)
    if (inspect_mount(mounts->kid[i].s.p ? mounts->kid[i].s.p : "", mounts->kid[i].s.len, w->voldir, &sub) < 0) {
      jv_free(&sub);
      goto bad_o;
    }
  jv_put(&o, "Mounts", &sub, &err);
  struct jv net = jv_new(JV_OBJ);
  if (port_map(ports, &sub)) {
    jv_free(&sub);
    jv_free(&net);
    goto bad_o;
  }
  jv_put(&net, "Ports", &sub, &err);
  jv_put(&o, "NetworkSettings", &net, &err);
  const struct jv *flags = process ? jv_get(process, "flags") : NULL, *env = process ? jv_get(process, "env") : NULL;
  const char *user = process ? str_of(process, "user") : NULL, *cwd = process ? str_of(process, "cwd") : NULL;
  int tty = 0, stdin_open = 0;
  for (size_t i = 0; flags && i < flags->n; i++) {
    const char *f = flags->kid[i].s.p ? flags->kid[i].s.p : "";
    tty |= !strcmp(f, "tty");
    stdin_open |= !strcmp(f, "stdin");
  }
  struct jv config = jv_new(JV_OBJ);
  PUT(&config, "Hostname", jv_cstr(hostname ? hostname : ""));
  PUT(&config, "User", jv_cstr(user ? user : ""));
  PUT(&config, "Tty", jv_bool(tty));
  PUT(&config, "OpenStdin", jv_bool(stdin_open));
  sub = jv_new(JV_ARR);
  for (size_t i = 0; env && i < env->n; i++) {
    v = jv_text(env->kid[i].s.p, env->kid[i].s.len);
    jv_add(&sub, &v, &err);
  }
  jv_put(&config, "Env", &sub, &err);
  sub = jv_new(JV_ARR);
  for (size_t i = 0; i < command->n; i++) {
    v = jv_text(command->kid[i].s.p, command->kid[i].s.len);
    jv_add(&sub, &v, &err);
  }
  jv_put(&config, "Cmd", &sub, &err);
  PUT(&config, "Image", jv_cstr(image ? image : ""));
  PUT(&config, "WorkingDir", jv_cstr(cwd ? cwd : "/"));
  PUT(&config, "Labels", jv_new(JV_NULL));
  PUT(&config, "StopSignal", jv_int(signal));
  jv_put(&o, "Config", &config, &err);
  struct jv host = jv_new(JV_OBJ);
  PUT(&host, "AutoRemove", jv_bool(jv_get(&rec, "rm")->t == JV_TRUE));
  PUT(&host, "NetworkMode", jv_cstr(network ? network : ""));
  if (port_map(ports, &sub)) {
    jv_free(&sub);
    jv_free(&host);
    goto bad_o;
  }
  jv_put(&host, "PortBindings", &sub, &err);
  struct jv rp = jv_new(JV_OBJ);
  PUT(&rp, "Name", jv_cstr(strcmp(policy, "no") ? policy : ""));
  PUT(&rp, "MaximumRetryCount", jv_int(max_retries));
  jv_put(&host, "RestartPolicy", &rp, &err);
  jv_put(&o, "HostConfig", &host, &err);
  struct jv jbox = jv_new(JV_OBJ);
  PUT(&jbox, "Kind", jv_cstr(str_of(&rec, "kind")));
  PUT(&jbox, "Detached", jv_bool(detached));
  PUT(&jbox, "Stale", jv_bool(st.stale));
  PUT(&jbox, "UpperDir", overlay ? jv_cstr(str_of(overlay, "upper")) : jv_new(JV_NULL));
  PUT(&jbox, "StateDir", jv_cstr(detached ? rundir : home));
  PUT(&jbox, "MonitorPid", ms && st.monitor_alive && ms->monitor_pid > 0 ? jv_int(ms->monitor_pid) : jv_new(JV_NULL));
  if (pid >= 0) {
    if (namespaces(pid, &sub)) {
      jv_free(&sub);
      jv_free(&jbox);
      goto bad_o;
    }
    jv_put(&jbox, "Namespaces", &sub, &err);
    sub = jv_new(JV_ARR);
    char mi[64];
    snprintf(mi, sizeof mi, "/proc/%lld/mountinfo", pid);
    autofd int fd = open(mi, O_RDONLY | O_CLOEXEC);
    char *text = NULL;
    ssize_t n = fd < 0 ? 0 : read_all(fd, &text, MOUNTINFO_MAX); /* unreadable: none (the JVM's empty list) */
    if (n < 0 || (n > 0 && inspect_mountinfo(text, (size_t)n, &sub))) {
      free(text);
      jv_free(&sub);
      jv_free(&jbox);
      goto bad_o;
    }
    free(text);
    jv_put(&jbox, "MountInfo", &sub, &err);
  } else {
    PUT(&jbox, "Namespaces", jv_new(JV_NULL));
    PUT(&jbox, "MountInfo", jv_new(JV_NULL));
  }
  /* the record as toJson writes it back (its shape checked above), without the plan's bytes */
  for (size_t i = 0; i < rec.n; i++)
    if (rec.key[i].len == 4 && !memcmp(rec.key[i].p, "plan", 4)) {
      jv_free(&rec.kid[i]);
      sb_free(&rec.key[i]);
      memmove(&rec.kid[i], &rec.kid[i + 1], (rec.n - i - 1) * sizeof *rec.kid);
      memmove(&rec.key[i], &rec.key[i + 1], (rec.n - i - 1) * sizeof *rec.key);
      rec.n--;
      break;
    }
  jv_put(&jbox, "Record", &rec, &err);
  jv_put(&o, "Jbox", &jbox, &err);
#undef PUT
  if (err) goto bad_o;
  *out = o;
  return 0;
bad_state:
  jv_free(&state);
bad_o:
  jv_free(&o);
bad:
  jv_free(&rec);
  return -1;
}

/* ---- images (ImageCommand.inspect, ImageLookup.find) ------------------------------------------ */

static int sha256_digest(const struct jv *v) {
  return text(v) && v->s.len == 71 && !strncmp(v->s.p, "sha256:", 7) && strspn(v->s.p + 7, "0123456789abcdef") == 64;
}

/* no object of v holds a key twice (Json.parse's LinkedHashMap keeps the first place and the last value) */
int inspect_unique_keys(const struct jv *v) {
  if (v->t == JV_OBJ && v->n > 4096) return 0;
  for (size_t i = 0; i < v->n; i++) {
    if (v->t == JV_OBJ)
      for (size_t j = 0; j < i; j++)
        if (v->key[j].len == v->key[i].len && (!v->key[i].len || !memcmp(v->key[j].p, v->key[i].p, v->key[i].len))) return 0;
    if (!inspect_unique_keys(&v->kid[i])) return 0;
  }
  return 1;
}

int inspect_image_record(const struct jv *r) {
  if (r->t != JV_OBJ || !inspect_unique_keys(r)) return -1;
  static const char *const sn[] = {"manifestMediaType", "indexDigest", "platform", "created", "pulled"};
  for (size_t i = 0; i < sizeof sn / sizeof *sn; i++) {
    const struct jv *v = jv_get(r, sn[i]);
    if (v && !value_ok(v, K_SN)) return -1;
  }
  const struct jv *size = jv_get(r, "size"), *layers = jv_get(r, "layers"), *rd = jv_get(r, "repoDigests");
  if (!sha256_digest(jv_get(r, "manifestDigest") ? jv_get(r, "manifestDigest") : r) || !sha256_digest(jv_get(r, "id") ? jv_get(r, "id") : r))
    return -1;
  if (!size || size->t != JV_INT || !layers || layers->t != JV_ARR || (rd && !value_ok(rd, K_LS))) return -1;
  for (size_t i = 0; i < layers->n; i++) {
    const struct jv *l = &layers->kid[i], *ls = jv_get(l, "size"), *d = jv_get(l, "digest"), *m = jv_get(l, "mediaType");
    if (l->t != JV_OBJ || !ls || ls->t != JV_INT || (d && !value_ok(d, K_SN)) || (m && !value_ok(m, K_SN))) return -1;
    if (!jv_get(l, "diffId") || !sha256_digest(jv_get(l, "diffId"))) return -1;
  }
  return 0;
}

struct image_store {
  char root[PATH_MAX];
  struct jv *rec;
  size_t n;
  struct ps_tags tags;
  int loaded;
};

static void images_free(struct image_store *s) {
  for (size_t i = 0; i < s->n; i++) jv_free(&s->rec[i]);
  free(s->rec);
  if (s->loaded) ps_tags_free(&s->tags);
  memset(s, 0, sizeof *s);
}

/* ImageStore.images and tags, as ImageLookup.find reads them: 0, or -1 (the JVM) */
static int images_load(struct image_store *s, const char *containers, const char *sandboxes) {
  snprintf(s->root, sizeof s->root, "%s", containers);
  char *slash = strrchr(s->root, '/');
  if (!slash || slash == s->root) return -1;
  *slash = '\0';
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (!ps_store_ready(s->root) || !ps_nothing_to_sweep(containers, sandboxes, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000)) return -1;
  char path[PATH_MAX + 300];
  char *buf = NULL;
  size_t len;
  snprintf(path, sizeof path, "%s/tags.json", s->root);
  int r = ps_read_file(path, 0, PS_RECORD_MAX, &buf, &len);
  if (r == 1) {
    memset(&s->tags, 0, sizeof s->tags);
  } else if (r || !utf8_valid(buf, len) || ps_tags_parse(buf, len, &s->tags) || s->tags.nonascii) {
    if (r == 0 && s->tags.name) ps_tags_free(&s->tags);
    free(buf);
    return -1;
  }
  free(buf);
  s->loaded = 1;
  snprintf(path, sizeof path, "%s/images", s->root);
  DIR *d = opendir(path);
  if (!d) return -1;
  struct dirent *e;
  int rc = 0;
  size_t cap = 0;
  while (!rc && (e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 5 || strcmp(e->d_name + l - 5, ".json")) continue;
    snprintf(path, sizeof path, "%s/images/%s", s->root, e->d_name);
    buf = NULL;
    r = ps_read_file(path, 0, PS_RECORD_MAX, &buf, &len);
    if (r == 1) continue; /* removed meanwhile */
    if (s->n == cap) {
      cap = cap ? cap * 2 : 16;
      struct jv *a = cap > PS_TAGS_MAX ? NULL : realloc(s->rec, cap * sizeof *a);
      if (!a) {
        free(buf);
        rc = -1;
        break;
      }
      s->rec = a;
    }
    int na = 0;
    /* unreadable, not UTF-8, not a record fromJson reads: the JVM's one-line error */
    if (r || !utf8_valid(buf, len) || jv_parse(buf, len, &s->rec[s->n], &na)) rc = -1;
    else if (s->n++, na || inspect_image_record(&s->rec[s->n - 1])) rc = -1;
    free(buf);
  }
  closedir(d);
  return rc;
}

/* ImageRef.isShortName */
static int short_name(const char *in) {
  const char *slash = strchr(in, '/');
  if (!slash) return 1;
  size_t n = (size_t)(slash - in);
  return !memchr(in, '.', n) && !memchr(in, ':', n) && !(n == 9 && !memcmp(in, "localhost", 9));
}

/* ImageRef.isPathComponent, isTag, isDomainComponent */
static int path_component(const char *c, size_t n) {
  size_t i = 0;
  for (;;) {
    size_t start = i;
    while (i < n && ((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9'))) i++;
    if (i == start) return 0;
    if (i == n) return 1;
    if (c[i] == '.') i++;
    else if (c[i] == '_') i += i + 1 < n && c[i + 1] == '_' ? 2 : 1;
    else if (c[i] == '-')
      while (i < n && c[i] == '-') i++;
    else return 0;
  }
}
static int alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
static int tag_ok(const char *t, size_t n) {
  if (!n || n > 128 || !(alnum(t[0]) || t[0] == '_')) return 0;
  for (size_t i = 0; i < n; i++)
    if (!alnum(t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-') return 0;
  return 1;
}
static int domain_ok(const char *h, size_t n) {
  size_t at = 0;
  while (at <= n) {
    const char *c = h + at;
    size_t cl = field(h, n, &at, '.');
    if (!cl || !alnum(c[0]) || !alnum(c[cl - 1])) return 0;
    for (size_t i = 0; i < cl; i++)
      if (!alnum(c[i]) && c[i] != '-') return 0;
  }
  return 1;
}

/* A full name normalize() gives back as it is: REGISTRY/PATH:TAG, each part valid, no docker.io
 * rewriting (ImageRef's constructor) */
static int full_name_fixed(const char *in) {
  size_t n = strlen(in);
  const char *slash = strchr(in, '/'), *colon = strrchr(in, ':');
  if (n > 255 || !slash || !colon || colon < strrchr(in, '/') || strchr(in, '@')) return 0;
  size_t rl = (size_t)(slash - in);
  const char *port = memchr(in, ':', rl);
  size_t hl = port ? (size_t)(port - in) : rl;
  if (port) {
    size_t pl = rl - hl - 1;
    if (!pl || pl > 5 || strspn(port + 1, "0123456789") < pl || strtol(port + 1, NULL, 10) > 65535) return 0;
  }
  if (!domain_ok(in, hl)) return 0;
  if ((hl == 9 && !memcmp(in, "docker.io", 9)) || (hl == 15 && !memcmp(in, "index.docker.io", 15)) ||
      (hl == 20 && !memcmp(in, "registry-1.docker.io", 20)))
    return 0; /* library/ and the registry's own name: ImageRef rewrites them */
  const char *repo = slash + 1;
  size_t repl = (size_t)(colon - repo), at = 0;
  while (at <= repl) {
    const char *c = repo + at;
    size_t cl = field(repo, repl, &at, '/');
    if (!path_component(c, cl)) return 0;
  }
  return tag_ok(colon + 1, strlen(colon + 1));
}

/* ImageLookup.find when it finds one image: its index; -1 when the JVM decides (not found,
 * ambiguous, a form not followed here) */
static long image_find(const struct image_store *s, const char *in) {
  const char *h = strncmp(in, "sha256:", 7) ? in : in + 7;
  size_t hl = strlen(h);
  if (hl >= 3 && hl <= 64 && strspn(h, "0123456789abcdef") == hl) {
    long hit = -1;
    size_t hits = 0;
    for (size_t i = 0; i < s->n; i++) {
      const char *id = jv_get(&s->rec[i], "id")->s.p + 7, *md = jv_get(&s->rec[i], "manifestDigest")->s.p + 7;
      if (!strncmp(id, h, hl) || !strncmp(md, h, hl)) hit = (long)i, hits++;
    }
    if (hits == 1) return hit;
    if (hits > 1) return -1;
  }
  if (strchr(in, '@')) return -1; /* by digest: the JVM's */
  char name[300];
  size_t matches = 0;
  const char *manifest = NULL;
  if (short_name(in)) {
    const char *slash = strrchr(in, '/'), *colon = strrchr(in, ':');
    int tagged = colon && (!slash || colon > slash);
    if (snprintf(name, sizeof name, "%s%s", in, tagged ? "" : ":latest") >= (int)sizeof name) return -1;
    size_t nl = strlen(name);
    for (size_t i = 0; i < s->tags.n && !matches; i++)
      if (s->tags.name[i].len == nl && !memcmp(s->tags.name[i].p, name, nl)) manifest = s->tags.digest[i].p, matches = 1;
    for (size_t i = 0; i < s->tags.n && !manifest; i++) {
      const struct sbuf *t = &s->tags.name[i];
      if (t->len > nl && t->p[t->len - nl - 1] == '/' && !memcmp(t->p + t->len - nl, name, nl)) matches++;
    }
    if (!manifest && matches == 1)
      for (size_t i = 0; i < s->tags.n; i++) {
        const struct sbuf *t = &s->tags.name[i];
        if (t->len > nl && t->p[t->len - nl - 1] == '/' && !memcmp(t->p + t->len - nl, name, nl)) manifest = s->tags.digest[i].p;
      }
  } else {
    /* normalize: an untagged full name means :latest */
    const char *slash = strrchr(in, '/'), *colon = strrchr(in, ':');
    if (snprintf(name, sizeof name, "%s%s", in, colon && colon > slash ? "" : ":latest") >= (int)sizeof name) return -1;
    size_t nl = strlen(name);
    if (full_name_fixed(name))
      for (size_t i = 0; i < s->tags.n; i++)
        if (s->tags.name[i].len == nl && !memcmp(s->tags.name[i].p, name, nl)) manifest = s->tags.digest[i].p;
  }
  if (!manifest) return -1;
  long hit = -1;
  size_t hits = 0;
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(jv_get(&s->rec[i], "manifestDigest")->s.p, manifest)) hit = (long)i, hits++;
  return hits == 1 ? hit : -1; /* (several records of one manifest: the JVM's first in its order) */
}

static struct jv copy_text(const struct jv *v) { return v && v->t == JV_STR ? jv_text(v->s.p, v->s.len) : jv_new(JV_NULL); }

/* ImageCommand.inspect of image i into *out: 0, or -1 */
static int image_inspect_one(const struct image_store *s, size_t i, struct jv *out) {
  const struct jv *r = &s->rec[i], *md = jv_get(r, "manifestDigest"), *rd = jv_get(r, "repoDigests"), *layers = jv_get(r, "layers");
  const char *id = jv_get(r, "id")->s.p;
  char path[PATH_MAX + 200];
  snprintf(path, sizeof path, "%s/blobs/sha256/%s", s->root, id + 7);
  char *buf = NULL;
  size_t len;
  if (ps_read_file(path, 0, PS_RECORD_MAX, &buf, &len)) { /* missing: the JVM's error */
    free(buf);
    return -1;
  }
  struct jv config, v, sub;
  int na = 0, err = 0;
  int rc = !utf8_valid(buf, len) || jv_parse(buf, len, &config, &na) ? -1 : 0;
  free(buf);
  if (rc) return -1;
  if (na || !inspect_unique_keys(&config)) {
    jv_free(&config);
    return -1;
  }
  struct jv o = jv_new(JV_OBJ);
#define PUT(obj, key, val) (v = (val), jv_put(obj, key, &v, &err))
  PUT(&o, "Id", jv_cstr(id + 7));
  PUT(&o, "Digest", copy_text(md));
  sub = jv_new(JV_ARR);
  for (size_t k = 0; k < s->tags.n; k++)
    if (s->tags.digest[k].p && !strcmp(s->tags.digest[k].p, md->s.p)) {
      v = jv_text(s->tags.name[k].p, s->tags.name[k].len);
      jv_add(&sub, &v, &err);
    }
  jv_put(&o, "RepoTags", &sub, &err);
  sub = jv_new(JV_ARR);
  for (size_t k = 0; rd && k < rd->n; k++) {
    v = copy_text(&rd->kid[k]);
    jv_add(&sub, &v, &err);
  }
  jv_put(&o, "RepoDigests", &sub, &err);
  PUT(&o, "Created", copy_text(jv_get(r, "created")));
  PUT(&o, "Platform", copy_text(jv_get(r, "platform")));
  PUT(&o, "Size", jv_int(jv_get(r, "size")->i));
  PUT(&o, "ManifestMediaType", copy_text(jv_get(r, "manifestMediaType")));
  const struct jv *index = jv_get(r, "indexDigest");
  if (index && index->t == JV_STR) PUT(&o, "IndexDigest", copy_text(index));
  jv_put(&o, "Config", &config, &err);
  sub = jv_new(JV_ARR);
  for (size_t k = 0; k < layers->n; k++) {
    const struct jv *l = &layers->kid[k];
    struct jv lm = jv_new(JV_OBJ);
    PUT(&lm, "Digest", copy_text(jv_get(l, "digest")));
    PUT(&lm, "DiffID", copy_text(jv_get(l, "diffId")));
    PUT(&lm, "MediaType", copy_text(jv_get(l, "mediaType")));
    PUT(&lm, "Size", jv_int(jv_get(l, "size")->i));
    snprintf(path, sizeof path, "%s/layers/%s/diff", s->root, jv_get(l, "diffId")->s.p + 7);
    PUT(&lm, "Dir", jv_cstr(path));
    jv_add(&sub, &lm, &err);
  }
  jv_put(&o, "Layers", &sub, &err);
#undef PUT
  if (err) {
    jv_free(&o);
    return -1;
  }
  *out = o;
  return 0;
}

/* an IMAGE word the fast paths take: a name, tag, digest or id of [A-Za-z0-9_.:/@-], not an
 * option or an @file */
static int plain_image_ref(const char *a) {
  size_t n = strlen(a);
  return n > 0 && n <= 255 && a[0] != '-' && a[0] != '@' &&
         strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/@-") == n;
}

/* the store's paths as Path.toString writes them: the text itself */
static int plain_dir(const char *d) {
  size_t n = strlen(d);
  return d[0] == '/' && d[n - 1] != '/' && !strstr(d, "//") && !strstr(d, "/./") && !strstr(d, "/../") && ascii_printable(d, n);
}

int image_inspect_fast(int argc, char **argv) {
  if (argc < 1 || argc > INSPECT_REFS_MAX || jvm_options_set()) return -1;
  for (int i = 0; i < argc; i++)
    if (!plain_image_ref(argv[i])) return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root) || !plain_dir(containers)) return -1;
  struct image_store s = {0};
  struct jv all = jv_new(JV_ARR);
  struct sbuf out = {.max = 256u << 20};
  int rc = -1, err = 0;
  if (images_load(&s, containers, root)) goto done;
  for (int i = 0; i < argc; i++) {
    long k = image_find(&s, argv[i]);
    struct jv one;
    if (k < 0 || image_inspect_one(&s, (size_t)k, &one)) goto done;
    jv_add(&all, &one, &err);
    if (err) goto done;
  }
  if (jv_pretty(&out, &all, 0)) goto done;
  sb_puts(&out, "\n");
  if (out.err) goto done;
  trace("image-inspect-fast");
  ps_print(&out);
  rc = 0;
done:
  jv_free(&all);
  images_free(&s);
  sb_free(&out);
  return rc;
}

int inspect_fast(int argc, char **argv) {
  if (argc < 1 || argc > INSPECT_REFS_MAX || jvm_options_set()) return -1;
  for (int i = 0; i < argc; i++)
    if (!plain_image_ref(argv[i])) return -1; /* --format, --type, help, --, an @file: picocli's or the JVM's */
  char containers[PATH_MAX], root[PATH_MAX], voldir[PATH_MAX + 16];
  if (store_dirs(containers, sizeof containers, root, sizeof root) || volumes_dir(containers, voldir, sizeof voldir)) return -1;
  /* StateDir is Path.toString of these: the text itself when it has no "//" or "." part */
  if (!plain_dir(root) || !plain_dir(containers)) return -1;
  struct where w = {root, containers, voldir};
  struct ps_list l = {0};
  struct image_store s = {0};
  int images = 0;
  struct jv all = jv_new(JV_ARR);
  struct sbuf out = {.max = 256u << 20};
  int rc = -1, err = 0, any_image = 0;
  if (ps_list_load(&l, containers, root)) goto done;
  for (int i = 0; i < argc; i++) {
    struct ps_entry *e = ps_find(&l, argv[i]);
    struct jv one;
    if (e) {
      if (inspect_one(&w, e, &one)) goto done;
    } else {
      /* an ambiguous sandbox prefix is the JVM's error; no sandbox: an image (InspectCommand's
       * inspectOrNull), else a volume or the JVM's error */
      size_t rl = strlen(argv[i]), prefixed = 0;
      if (rl <= 64 && strspn(argv[i], "0123456789abcdef") == rl)
        for (size_t k = 0; k < l.n; k++) prefixed += !strncmp(l.e[k].id, argv[i], rl);
      if (prefixed > 1) goto done;
      if (!images && images_load(&s, containers, root)) goto done;
      images = 1;
      long k = image_find(&s, argv[i]);
      if (k < 0 || image_inspect_one(&s, (size_t)k, &one)) goto done;
      any_image = 1;
    }
    jv_add(&all, &one, &err);
    if (err) goto done;
  }
  if (jv_pretty(&out, &all, 0)) goto done;
  sb_puts(&out, "\n");
  if (out.err) goto done;
  trace(any_image ? "inspect-image-fast" : "inspect-fast");
  ps_print(&out);
  rc = 0;
done:
  jv_free(&all);
  images_free(&s);
  ps_list_free(&l);
  sb_free(&out);
  return rc;
}
