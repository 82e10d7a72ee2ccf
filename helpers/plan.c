/* Decoding of the binary plan (PROTOCOL.md): header, then tag-length-value records. */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <sys/mount.h>

#include "parsers.h"
#include "util.h"

const char *const ns_names[NS_COUNT] = {"user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time"};

#define le32 plan_le32
#define le16 plan_le16

/* Splits a record value holding NUL-separated fields into `n` strings; the record value is already
 * NUL-terminated (the decoder writes a NUL over the next record's first byte after saving it). */
static int split(char *v, size_t len, const char **out, int n) {
  int k = 0;
  out[k++] = v;
  for (size_t i = 0; i < len && k < n; i++)
    if (v[i] == '\0') out[k++] = v + i + 1;
  return k == n ? 0 : -1;
}

/* Absolute, and no "." or ".." component: the helper never resolves a target upwards. */
static int path_is_clean(const char *s) {
  if (s[0] != '/') return 0;
  for (const char *c = s; *c;) {
    while (*c == '/') c++;
    size_t n = strcspn(c, "/");
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return 0;
    c += n;
  }
  return 1;
}

const char *const hook_kind_names[HK_COUNT] = {"prestart", "createRuntime", "createContainer", "startContainer",
                                               "poststart", "poststop"};

static int hook_kind(const char *s) {
  for (int k = 0; k < HK_COUNT; k++)
    if (!strcmp(s, hook_kind_names[k])) return k;
  return -1;
}

/* Plain decimal, 1 to 6 digits, at most max. */
static long small_count(const char *s, long max) {
  size_t n = strlen(s);
  if (n == 0 || n > 6 || strspn(s, "0123456789") != n) return -1;
  long v = strtol(s, NULL, 10);
  return v > max ? -1 : v;
}

/* T_OCI_HOOK: "KIND\0TIMEOUT\0ARGC\0ENVC\0PATH\0ARG...\0ENV...", exactly 5 + ARGC + ENVC fields. */
static int decode_hook(struct plan *p, char *v, size_t len) {
  size_t fields = 1;
  for (size_t i = 0; i < len; i++) fields += v[i] == '\0';
  if (fields < 6) return fail("plan: bad OCI hook record");
  const char *f[5];
  if (split(v, len, f, 5)) return fail("plan: bad OCI hook record");
  int kind = hook_kind(f[0]);
  long timeout = small_count(f[1], HOOK_MAX_TIMEOUT), argc = small_count(f[2], HOOK_MAX_ITEMS);
  long envc = strcmp(f[3], "-") ? small_count(f[3], HOOK_MAX_ITEMS) : 0;
  if (kind < 0 || timeout < 0 || argc < 1 || envc < 0) return fail("plan: bad OCI hook record");
  if ((size_t)(5 + argc + envc) != fields) return fail("plan: OCI hook record has %zu fields, not 5 + %ld + %ld", fields, argc, envc);
  if (p->nhooks == PLAN_MAX_HOOKS) return fail("plan: more than %d OCI hooks", PLAN_MAX_HOOKS);
  const char *path = f[4];
  if (!path_is_clean(path)) return fail("plan: OCI hook path `%s` is not a clean absolute path", path);
  struct oci_hook *h = &p->hooks[p->nhooks];
  h->argv = calloc((size_t)argc + 1, sizeof *h->argv);
  h->env = strcmp(f[3], "-") ? calloc((size_t)envc + 1, sizeof *h->env) : NULL;
  if (!h->argv || (strcmp(f[3], "-") && !h->env)) {
    free(h->argv), free(h->env);
    h->argv = h->env = NULL;
    return fail("plan: out of memory");
  }
  p->nhooks++; /* owns the arrays now (plan_free) */
  const char *c = path + strlen(path) + 1;
  for (long i = 0; i < argc; i++, c += strlen(c) + 1) h->argv[i] = c;
  for (long i = 0; h->env && i < envc; i++, c += strlen(c) + 1) h->env[i] = c;
  h->kind = (enum hook_kind)kind, h->timeout = (unsigned)timeout, h->path = path;
  p->nhooks_of[kind]++;
  return 0;
}

/* T_OCI_STATE: "KIND\0HEAD\0TAIL". */
static int decode_hook_state(struct plan *p, char *v, size_t len) {
  const char *f[3];
  size_t nuls = 0;
  for (size_t i = 0; i < len; i++) nuls += v[i] == '\0';
  if (nuls != 2 || split(v, len, f, 3)) return fail("plan: bad OCI hook state record");
  int kind = hook_kind(f[0]);
  if (kind < 0 || p->hook_state_head[kind]) return fail("plan: bad or repeated OCI hook state `%s`", f[0]);
  p->hook_state_head[kind] = f[1], p->hook_state_tail[kind] = f[2];
  return 0;
}

static int parse_u(const char *s, unsigned long long *out) {
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9') return -1;
  *out = strtoull(s, &end, 10);
  return (errno || *end) ? -1 : 0;
}

/* One decimal id below 2^32 at *s, ending at `end` (a space or NUL); advances *s past it. */
static int parse_id32(const char **s, char end, unsigned long *out) {
  const char *c = *s;
  unsigned long v = 0;
  if (*c < '0' || *c > '9' || (c[0] == '0' && c[1] >= '0' && c[1] <= '9')) return -1; /* no sign, no leading 0 */
  for (; *c >= '0' && *c <= '9'; c++) {
    v = v * 10 + (unsigned long)(*c - '0');
    if (v > 0xffffffffUL) return -1;
  }
  if (*c != end) return -1;
  *out = v;
  *s = *c ? c + 1 : c;
  return 0;
}

int idmap_parse(const char *s, struct idmap_line *l) {
  const char *c = s;
  if (parse_id32(&c, ' ', &l->inside) || parse_id32(&c, ' ', &l->outside) || parse_id32(&c, '\0', &l->count) ||
      l->count == 0 || l->inside + l->count > 0x100000000UL || l->outside + l->count > 0x100000000UL)
    return fail("bad id map line `%.64s` (INSIDE OUTSIDE COUNT, ids below 2^32)", s);
  return 0;
}

static int flag(struct plan *p, const char *w) {
  if (!strcmp(w, F_NO_NEW_PRIVS)) p->no_new_privs = 1;
  else if (!strcmp(w, F_SECCOMP)) p->seccomp = 1;
  else if (!strcmp(w, F_INIT)) p->init = 1;
  else if (!strcmp(w, F_TTY)) p->tty = 1;
  else if (!strcmp(w, F_STDIN)) p->keep_stdin = 1;
  else if (!strcmp(w, F_READONLY)) p->readonly = 1;
  else if (!strcmp(w, F_LOOPBACK)) p->loopback = 1;
  else return fail("plan: unknown flag `%s`", w);
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* N lowercase hex digits at s, big-endian; -1 if one is not a hex digit. */
static long long hexn(const char *s, int n) {
  long long v = 0;
  for (int i = 0; i < n; i++) {
    int d = hexval(s[i]);
    if (d < 0) return -1;
    v = v << 4 | d;
  }
  return v;
}

/* T_SECCOMP "FLAGS HEX": FLAGS a decimal subset of TSYNC|LOG|SPEC_ALLOW, HEX 16 digits per
 * instruction (code 4, jt 2, jf 2, k 8). Only the shape is checked here: the kernel verifies the
 * program itself (seccomp_check_filter) when stage 1 installs it. */
static int decode_seccomp(struct plan *p, const char *v, size_t len) {
  const char *sp = memchr(v, ' ', len);
  if (p->seccomp_prog) return fail("plan: more than one seccomp program");
  if (!sp || sp == v || sp - v > 2) return fail("plan: bad seccomp record");
  unsigned flags = 0;
  for (const char *c = v; c < sp; c++) {
    if (*c < '0' || *c > '9') return fail("plan: bad seccomp flags");
    flags = flags * 10 + (unsigned)(*c - '0');
  }
  if (flags & ~7u) return fail("plan: seccomp flags %u not supported", flags);
  size_t hex = len - (size_t)(sp + 1 - v);
  if (hex == 0 || hex % 16 || hex / 16 > SECCOMP_PROG_MAX) return fail("plan: seccomp program of %zu hex digits (16 per instruction, at most %d instructions)", hex, SECCOMP_PROG_MAX);
  size_t n = hex / 16;
  struct sock_filter *prog = calloc(n, sizeof *prog);
  if (!prog) return fail("plan: out of memory");
  for (size_t i = 0; i < n; i++) {
    const char *h = sp + 1 + 16 * i;
    long long code = hexn(h, 4), jt = hexn(h + 4, 2), jf = hexn(h + 6, 2), k = hexn(h + 8, 8);
    if (code < 0 || jt < 0 || jf < 0 || k < 0) {
      free(prog);
      return fail("plan: seccomp program: instruction %zu is not hex", i);
    }
    prog[i].code = (uint16_t)code, prog[i].jt = (uint8_t)jt, prog[i].jf = (uint8_t)jf, prog[i].k = (uint32_t)k;
  }
  p->seccomp_prog = prog;
  p->seccomp_len = (unsigned short)n;
  p->seccomp_flags = flags;
  return 0;
}

static int record(struct plan *p, unsigned tag, char *v, size_t len) {
  const char *f[4];
  unsigned long long u;
  switch (tag) {
  case T_ARGV:
    if (p->argc == PLAN_MAX_ITEMS) return fail("plan: more than %d arguments", PLAN_MAX_ITEMS);
    p->argv[p->argc++] = v;
    return 0;
  case T_ENV:
    /* exec_process appends HOME and the NULL: env has PLAN_MAX_ITEMS + 2 slots */
    if (p->envc == PLAN_MAX_ITEMS) return fail("plan: more than %d environment variables", PLAN_MAX_ITEMS);
    p->env[p->envc++] = v;
    return 0;
  case T_CWD: p->cwd = v; return 0;
  case T_USER: p->user = v; return 0;
  case T_HOSTNAME: p->hostname = v; return 0;
  case T_ROOTFS: p->rootfs = v; return 0;
  case T_MAPTOOL:
    if (strcmp(v, "newidmap") && strcmp(v, "direct") && strcmp(v, "privileged")) return fail("plan: bad map tool `%s`", v);
    p->maptool = v;
    return 0;
  case T_NS:
    if (split(v, len, f, 2)) return fail("plan: bad namespace record");
    for (int i = 0; i < NS_COUNT; i++) {
      if (strcmp(f[0], ns_names[i])) continue;
      if (!strcmp(f[1], "new")) p->ns[i].mode = NSM_NEW;
      else if (!strcmp(f[1], "host")) p->ns[i].mode = NSM_HOST;
      else if (f[1][0] == '/') p->ns[i].mode = NSM_JOIN, p->ns[i].path = f[1];
      else return fail("plan: bad namespace mode `%s`", f[1]);
      return 0;
    }
    return fail("plan: unknown namespace `%s`", f[0]);
  case T_UIDMAP:
    if (p->nuid == PLAN_MAX_MAP_LINES) return fail("plan: more than %d uid map lines", PLAN_MAX_MAP_LINES);
    return idmap_parse(v, &p->uidmap[p->nuid++]) ? fail("plan: bad uid map line `%.64s`", v) : 0;
  case T_GIDMAP:
    if (p->ngid == PLAN_MAX_MAP_LINES) return fail("plan: more than %d gid map lines", PLAN_MAX_MAP_LINES);
    return idmap_parse(v, &p->gidmap[p->ngid++]) ? fail("plan: bad gid map line `%.64s`", v) : 0;
  case T_MOUNT: {
    if (split(v, len, f, 4)) return fail("plan: bad mount record");
    if (p->nmounts == PLAN_MAX_ITEMS) return fail("plan: more than %d mounts", PLAN_MAX_ITEMS);
    struct mount_op *m = &p->mounts[p->nmounts++];
    m->kind = f[0], m->source = f[1], m->target = f[2], m->options = f[3];
    if (!path_is_clean(m->target))
      return fail("plan: mount target `%s` is not a clean absolute path", m->target);
    return 0;
  }
  case T_RLIMIT: {
    struct rlimit_op *r = &p->rlimits[p->nrlimits];
    char extra;
    if (p->nrlimits == 32 || sscanf(v, "%d %llu %llu%c", &r->resource, &r->soft, &r->hard, &extra) != 3)
      return fail("plan: bad rlimit `%s`", v);
    p->nrlimits++;
    return 0;
  }
  case T_CAPS:
    if (parse_u(v, &u)) return fail("plan: bad capability mask `%s`", v);
    p->caps = u;
    return 0;
  case T_FLAG: return flag(p, v);
  case T_TIMENS: {
    char extra;
    if (sscanf(v, "%lld %lld%c", &p->time_monotonic, &p->time_boottime, &extra) != 2)
      return fail("plan: bad time offsets `%s`", v);
    p->has_timens = 1;
    return 0;
  }
  case T_STOPSIG: return 0;
  case T_NETWORK: {
    p->net_argc = 0;
    for (size_t i = 0; i <= len; i++) {
      if (i != 0 && v[i - 1] != '\0') continue;
      if (i == len) break;
      if (p->net_argc == 63) return fail("plan: network command too long");
      p->net_argv[p->net_argc++] = v + i;
    }
    p->net_argv[p->net_argc] = NULL;
    if (p->net_argc == 0 || p->net_argv[0][0] != '/') return fail("plan: network helper must be an absolute path");
    const char *base = strrchr(p->net_argv[0], '/') + 1;
    if (strcmp(base, "pasta") && strcmp(base, "slirp4netns"))
      return fail("plan: network helper `%s` is neither pasta nor slirp4netns", p->net_argv[0]);
    return 0;
  }
  case T_OVERLAY:
    if (split(v, len, f, 3)) return fail("plan: bad overlay record");
    if (f[0][0] != '/' || strchr(f[0], ',') || !path_is_clean(f[1]) || !path_is_clean(f[2]) || strchr(f[1], ',') || strchr(f[2], ','))
      return fail("plan: bad overlay directories");
    p->ovl_lower = f[0], p->ovl_upper = f[1], p->ovl_work = f[2];
    return 0;
  case T_CLEANUP:
    if (!path_is_clean(v) || strlen(v) < 2) return fail("plan: cleanup path `%s` is not a clean absolute path", v);
    p->cleanup = v;
    return 0;
  case T_RMVOLUME:
    if (!path_is_clean(v) || strlen(v) < 2) return fail("plan: volume path `%s` is not a clean absolute path", v);
    if (p->nrmvolume == PLAN_MAX_RMVOLUMES) return fail("plan: more than %d volumes to remove", PLAN_MAX_RMVOLUMES);
    p->rmvolume[p->nrmvolume++] = v;
    return 0;
  case T_RMDIR:
    if (!path_is_clean(v) || strlen(v) < 2) return fail("plan: directory `%s` to remove is not a clean absolute path", v);
    p->rmdir = v;
    return 0;
  case T_LOCKFILE:
    if (!path_is_clean(v) || strlen(v) < 2) return fail("plan: lock file `%s` is not a clean absolute path", v);
    p->lockfile = v;
    return 0;
  case T_FUSE: {
    if (split(v, len, f, 2)) return fail("plan: bad fuse-overlayfs record");
    if (strcmp(f[0], "always") && strcmp(f[0], "fallback")) return fail("plan: bad fuse-overlayfs mode `%s`", f[0]);
    const char *base = strrchr(f[1], '/');
    if (f[1][0] != '/' || !base || strcmp(base + 1, "fuse-overlayfs"))
      return fail("plan: `%s` is not an absolute path to fuse-overlayfs", f[1]);
    p->fuse_fallback = !strcmp(f[0], "fallback");
    p->fuse_path = f[1];
    return 0;
  }
  case T_SYSCTL: {
    if (split(v, len, f, 2)) return fail("plan: bad sysctl record");
    if (p->nsysctl == 32) return fail("plan: more than 32 sysctls");
    /* a dotted name: no empty component, nothing that could walk out of /proc/sys */
    if (!*f[0] || f[0][0] == '.' || f[0][strlen(f[0]) - 1] == '.' || strstr(f[0], "..") || strspn(f[0], "abcdefghijklmnopqrstuvwxyz0123456789_.") != strlen(f[0]))
      return fail("plan: bad sysctl name `%s`", f[0]);
    p->sysctl_key[p->nsysctl] = f[0];
    p->sysctl_value[p->nsysctl++] = f[1];
    return 0;
  }
  case T_PRESERVE_FDS: {
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno || n > PRESERVE_FDS_MAX) return fail("plan: bad preserve-fds count `%s`", v);
    p->preserve_fds = (int)n;
    return 0;
  }
  case T_NFT:
    if (split(v, len, f, 2) || !path_is_clean(f[0])) return fail("plan: bad nft record");
    p->nft_path = f[0];
    p->nft_rules = f[1];
    return 0;
  case T_STATEDIR:
    if (!path_is_clean(v)) return fail("plan: state directory `%s` is not a clean absolute path", v);
    p->statedir = v;
    return 0;
  case T_RESTART: {
    /* "WORD DIGITS": exactly one space, the count in plain decimal digits */
    const char *sp = memchr(v, ' ', len);
    size_t wl = sp ? (size_t)(sp - v) : 0;
    const char *d = sp ? sp + 1 : "";
    size_t dl = sp ? len - wl - 1 : 0;
    if (!sp || dl == 0 || dl > 7 || strspn(d, "0123456789") != dl) return fail("plan: bad restart policy record");
    unsigned long max = strtoul(d, NULL, 10);
    if (wl == 10 && !memcmp(v, "on-failure", 10)) p->restart = RESTART_ON_FAILURE;
    else if (wl == 6 && !memcmp(v, "always", 6)) p->restart = RESTART_ALWAYS;
    else if (wl == 14 && !memcmp(v, "unless-stopped", 14)) p->restart = RESTART_UNLESS_STOPPED;
    else return fail("plan: bad restart policy record");
    if (max > RESTART_MAX || (p->restart != RESTART_ON_FAILURE && max)) return fail("plan: bad restart policy record");
    p->restart_max = (unsigned)max;
    return 0;
  }
  case T_EXEC: {
    char extra;
    if (sscanf(v, "%ld %llu%c", &p->exec_pid, &p->exec_starttime, &extra) != 2 || p->exec_pid <= 0)
      return fail("plan: bad exec target `%s`", v);
    return 0;
  }
  case T_ATTACH: {
    if (split(v, len, f, 3)) return fail("plan: bad attach record");
    if (!path_is_clean(f[0])) return fail("plan: attach directory `%s` is not a clean absolute path", f[0]);
    if (!strcmp(f[1], "tty")) p->attach_mode = ATTACH_TTY;
    else if (!strcmp(f[1], "stdin")) p->attach_mode = ATTACH_STDIN;
    else if (!strcmp(f[1], "none")) p->attach_mode = ATTACH_NONE;
    else return fail("plan: bad attach mode `%s`", f[1]);
    p->n_detach_keys = 0;
    for (const char *k = f[2]; *k;) {
      char *end;
      errno = 0;
      unsigned long b = strtoul(k, &end, 10);
      if (*k < '0' || *k > '9' || errno || b > 255 || (*end && *end != ' ') || p->n_detach_keys == DETACH_KEYS_MAX)
        return fail("plan: bad detach keys `%s`", f[2]);
      p->detach_keys[p->n_detach_keys++] = (unsigned char)b;
      k = *end == ' ' ? end + 1 : end;
    }
    p->attach_dir = f[0];
    return 0;
  }
  case T_OCI: {
    if (split(v, len, f, 4)) return fail("plan: bad OCI record");
    if (strcmp(f[0], "create") && strcmp(f[0], "run") && strcmp(f[0], "start") && strcmp(f[0], "exec") && strcmp(f[0], "exec-detach")) return fail("plan: bad OCI mode `%s`", f[0]);
    if (!path_is_clean(f[1]) || strlen(f[1]) < 2) return fail("plan: OCI state directory `%s` is not a clean absolute path", f[1]);
    if ((*f[2] && !path_is_clean(f[2])) || (*f[3] && !path_is_clean(f[3])))
      return fail("plan: OCI pid file or console socket is not a clean absolute path");
    p->oci_mode = f[0], p->oci_statedir = f[1];
    p->oci_pidfile = *f[2] ? f[2] : NULL;
    p->oci_console = *f[3] ? f[3] : NULL;
    return 0;
  }
  case T_CAPSETS: {
    unsigned long long b, e, pm, i, a;
    char extra;
    if (sscanf(v, "%llu %llu %llu %llu %llu%c", &b, &e, &pm, &i, &a, &extra) != 5 || v[0] < '0' || v[0] > '9')
      return fail("plan: bad capability sets `%s`", v);
    if ((e & ~pm) || (a & ~(pm & i))) return fail("plan: capability sets `%s`: effective not in permitted, or ambient not in permitted and inheritable", v);
    p->caps = b, p->cap_effective = e, p->cap_permitted = pm, p->cap_inheritable = i, p->cap_ambient = a;
    p->has_capsets = 1;
    return 0;
  }
  case T_GROUPS:
    if (p->ngroups == 64 || parse_u(v, &u) || u > 0xfffffffeULL) return fail("plan: bad or too many groups `%s`", v);
    p->groups[p->ngroups++] = (unsigned)u;
    p->has_groups = 1;
    return 0;
  case T_UMASK: {
    char *end;
    errno = 0;
    unsigned long m = strtoul(v, &end, 8);
    if (*v < '0' || *v > '7' || errno || *end || m > 0777) return fail("plan: bad umask `%s`", v);
    p->umask_value = (unsigned)m, p->has_umask = 1;
    return 0;
  }
  case T_OOMSCORE: {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || errno || *end || n < -1000 || n > 1000) return fail("plan: bad oom_score_adj `%s`", v);
    p->oom_score_adj = (int)n, p->has_oom = 1;
    return 0;
  }
  case T_DOMAINNAME:
    if (len > 64) return fail("plan: domain name longer than 64 bytes");
    p->domainname = v;
    return 0;
  case T_SECCOMP:
    return decode_seccomp(p, v, len);
  case T_ROOTPROP: {
    static const char *const words[] = {"private", "slave", "shared", "unbindable"};
    static const unsigned long flags[] = {MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE};
    const char *w = v[0] == 'r' ? v + 1 : v;
    for (size_t i = 0; i < 4; i++)
      if (!strcmp(w, words[i])) {
        p->root_propagation = flags[i] | (w != v ? MS_REC : 0);
        return 0;
      }
    return fail("plan: bad root propagation `%s`", v);
  }
  case T_OCI_HOOK: return decode_hook(p, v, len);
  case T_OCI_STATE: return decode_hook_state(p, v, len);
  default: return fail("plan: unknown record tag %u", tag);
  }
}

int plan_decode(struct plan *p, char *buf, size_t len) {
  memset(p, 0, sizeof *p);
  p->buf = buf;
  const unsigned char *u = (const unsigned char *)buf;
  if (len < 10 || memcmp(buf, PLAN_MAGIC, 4)) return fail("plan: bad magic (not a jbox plan)");
  if (le16(u + 4) != PLAN_VERSION)
    return fail("plan: version %u, this helper reads version %d (jar and helper from different builds?)",
                le16(u + 4), PLAN_VERSION);
  if (le32(u + 6) != len) return fail("plan: length %u in header, %zu bytes read", le32(u + 6), len);
  p->argv = calloc(PLAN_MAX_ITEMS + 1, sizeof *p->argv);
  p->env = calloc(PLAN_MAX_ITEMS + 2, sizeof *p->env); /* + HOME (exec_process) + NULL */
  p->mounts = calloc(PLAN_MAX_ITEMS, sizeof *p->mounts);
  if (!p->argv || !p->env || !p->mounts) return fail("plan: out of memory");
  /* First pass: validate lengths and make every value a NUL-terminated string in place: values
   * are copied one byte to the left over their own header, leaving room for a terminator. */
  size_t off = 10;
  while (off < len) {
    if (len - off < 6) return fail("plan: truncated record header at %zu", off);
    unsigned tag = le16(u + off);
    uint32_t vlen = le32(u + off + 2);
    if (vlen > len - off - 6) return fail("plan: record at %zu runs past the end", off);
    char *v = buf + off + 5; /* overlaps the header's last byte, which we no longer need */
    memmove(v, buf + off + 6, vlen);
    v[vlen] = '\0';
    if (memchr(v, '\0', vlen) && tag != T_NS && tag != T_MOUNT && tag != T_NETWORK && tag != T_OVERLAY &&
        tag != T_ATTACH && tag != T_FUSE && tag != T_SYSCTL && tag != T_OCI &&
        tag != T_NFT && tag != T_OCI_HOOK && tag != T_OCI_STATE)
      return fail("plan: record %u holds a NUL byte", tag);
    if (record(p, tag, v, vlen)) return -1;
    off += 6 + vlen;
  }
  /* an attach plan names a sandbox and nothing else; every other plan runs a command */
  if (p->argc == 0 && !(p->attach_dir && !p->statedir)) return fail("plan: no command");
  if (p->fuse_path && !p->ovl_lower) return fail("plan: fuse-overlayfs without an overlay");
  if (p->nft_path && p->ns[NS_NET].mode != NSM_NEW) return fail("plan: nft rules need a new network namespace");
  if (p->restart && (!p->statedir || p->cleanup || p->rmdir)) return fail("plan: a restart policy needs a detached sandbox that is kept");
  if (p->nhooks && (!p->oci_mode || !strncmp(p->oci_mode, "exec", 4))) return fail("plan: OCI hooks without an OCI create or run");
  for (int k = 0; k < HK_COUNT; k++)
    if (p->nhooks_of[k] && !p->hook_state_head[k]) return fail("plan: %s hooks without their state", hook_kind_names[k]);
  return 0;
}

void plan_free(struct plan *p) {
  for (size_t i = 0; i < p->nhooks; i++) free(p->hooks[i].argv), free(p->hooks[i].env);
  free(p->seccomp_prog);
  free(p->argv);
  free(p->env);
  free(p->mounts);
  free(p->buf);
}
