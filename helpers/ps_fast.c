/* `jbox ps` without the JVM (issue 14): the same listing as PsCommand's table and -q, from the
 * same records, by the same liveness tests (SandboxStore.list, SandboxService.list, Sandbox.status,
 * Status.human, PodmanView.ports, Table.print). The JVM stays the one source of every other answer:
 * whatever this file is not sure of returns -1 before anything is printed, and the JVM runs. */
#include "ps_fast.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec_fast.h"
#include "monitor.h"
#include "util.h"

/* ---- the command line (picocli's PsCommand: flags only) ---------------------------------------- */

int ps_call_parse(int argc, char **argv, struct ps_call *c) {
  memset(c, 0, sizeof *c);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int *f1 = NULL, *f2 = NULL;
    if (!strcmp(a, "-a") || !strcmp(a, "--all")) f1 = &c->all;
    else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) f1 = &c->quiet;
    else if (!strcmp(a, "--no-trunc")) f1 = &c->no_trunc;
    else if (!strcmp(a, "-aq") || !strcmp(a, "-qa")) f1 = &c->all, f2 = &c->quiet;
    else return -1; /* another option, a value, --help, --, an @file: picocli's */
    /* a flag given twice: picocli's (it may toggle or refuse it) */
    if (*f1 || (f2 && *f2)) return -1;
    *f1 = 1;
    if (f2) *f2 = 1;
  }
  return 0;
}

/* ---- bytes ---------------------------------------------------------------------------------- */

void sb_put(struct sbuf *b, const void *s, size_t n) {
  if (b->err || n == 0) return;
  size_t max = b->max ? b->max : PS_RECORD_MAX;
  if (n > max - b->len) {
    b->err = 1;
    return;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->err = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void sb_puts(struct sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

void sb_free(struct sbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
  b->err = 0;
}

static void sb_reset(struct sbuf *b) {
  b->len = 0;
  b->err = 0;
  if (b->p) b->p[0] = '\0';
}

/* ---- JSON (dev.jbox.json.Json: what it accepts, narrowed to strict JSON) ---------------------- */

struct jp {
  const char *s, *end;
  int depth;
};

static void ws(struct jp *p) {
  while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static int peek(struct jp *p) { return p->s < p->end ? (unsigned char)*p->s : -1; }

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A string: decoded into out (NULL: only checked). A character above U+007F sets *nonascii and
 * stands as '?' in out (whoever prints it leaves the command to the JVM). */
static int jstr(struct jp *p, struct sbuf *out, int *nonascii) {
  if (peek(p) != '"') return -1;
  p->s++;
  for (;;) {
    if (p->s >= p->end) return -1;
    unsigned char c = (unsigned char)*p->s++;
    if (c == '"') return 0;
    if (c < 0x20) return -1;
    if (c != '\\') {
      if (c >= 0x80) *nonascii = 1;
      if (out) sb_put(out, &c, 1);
      continue;
    }
    if (p->s >= p->end) return -1;
    char e = *p->s++, d;
    switch (e) {
      case '"': case '\\': case '/': d = e; break;
      case 'b': d = '\b'; break;
      case 'f': d = '\f'; break;
      case 'n': d = '\n'; break;
      case 'r': d = '\r'; break;
      case 't': d = '\t'; break;
      case 'u': {
        if (p->end - p->s < 4) return -1;
        int v = 0;
        for (int i = 0; i < 4; i++) {
          int h = hexval(p->s[i]);
          if (h < 0) return -1; /* (Integer.parseInt would take a sign: the JVM decides) */
          v = v * 16 + h;
        }
        p->s += 4;
        if (v >= 0x80) *nonascii = 1;
        d = v >= 0x80 ? '?' : (char)v;
        break;
      }
      default: return -1;
    }
    if (out) sb_put(out, &d, 1);
  }
}

/* A number of strict JSON; *isint when it is -?[0-9]{1,18} (then *v its value: Java's long). */
static int jnum(struct jp *p, long long *v, int *isint) {
  const char *s = p->s, *e = p->end;
  int neg = 0, integral = 1;
  if (s < e && *s == '-') neg = 1, s++;
  if (s >= e || *s < '0' || *s > '9') return -1;
  const char *d0 = s;
  if (*s == '0') s++;
  else
    while (s < e && *s >= '0' && *s <= '9') s++;
  size_t nd = (size_t)(s - d0);
  if (s < e && *s == '.') {
    integral = 0;
    s++;
    if (s >= e || *s < '0' || *s > '9') return -1;
    while (s < e && *s >= '0' && *s <= '9') s++;
  }
  if (s < e && (*s == 'e' || *s == 'E')) {
    integral = 0;
    s++;
    if (s < e && (*s == '+' || *s == '-')) s++;
    if (s >= e || *s < '0' || *s > '9') return -1;
    while (s < e && *s >= '0' && *s <= '9') s++;
  }
  /* Java's scan goes on over [0-9.eE+-]: "1.2.3" is one bad number there, trailing bytes here */
  *isint = integral && nd <= 18;
  if (*isint) {
    long long x = 0;
    for (const char *q = d0; q < d0 + nd; q++) x = x * 10 + (*q - '0');
    *v = neg ? -x : x;
  }
  p->s = s;
  return 0;
}

static int jlit(struct jp *p, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n)) return -1;
  p->s += n;
  return 0;
}

typedef int (*member_fn)(struct jp *p, const char *key, size_t klen, void *ctx);
typedef int (*elem_fn)(struct jp *p, size_t index, void *ctx);
static int jobject(struct jp *p, member_fn fn, void *ctx);
static int jarray(struct jp *p, elem_fn fn, void *ctx);

/* Any value, checked and passed over. */
static int jany(struct jp *p) {
  long long v;
  int isint, na = 0;
  switch (peek(p)) {
    case '{': return jobject(p, NULL, NULL);
    case '[': return jarray(p, NULL, NULL);
    case '"': return jstr(p, NULL, &na);
    case 't': return jlit(p, "true");
    case 'f': return jlit(p, "false");
    case 'n': return jlit(p, "null");
    default: return jnum(p, &v, &isint);
  }
}

static int jobject(struct jp *p, member_fn fn, void *ctx) {
  if (peek(p) != '{' || ++p->depth > PS_JSON_DEPTH) return -1;
  p->s++;
  ws(p);
  if (peek(p) == '}') {
    p->s++;
    p->depth--;
    return 0;
  }
  for (;;) {
    ws(p);
    struct sbuf key = {.max = 64u << 10};
    int na = 0;
    const char *at = p->s;
    if (jstr(p, NULL, &na)) return -1;
    /* the key again, decoded, for fn (which may keep it: a tag's name, a label's key; the empty
     * key too); one too long to hold: not sure */
    struct jp again = {at, p->s, 0};
    if (fn) jstr(&again, &key, &na);
    if (key.err) {
      sb_free(&key);
      return -1;
    }
    ws(p);
    int r = -1;
    if (peek(p) == ':') {
      p->s++;
      ws(p);
      r = fn ? fn(p, key.p ? key.p : "", key.len, ctx) : jany(p);
    }
    sb_free(&key);
    if (r) return -1;
    ws(p);
    int c = peek(p);
    p->s++;
    if (c == '}') break;
    if (c != ',') return -1;
  }
  p->depth--;
  return 0;
}

static int jarray(struct jp *p, elem_fn fn, void *ctx) {
  if (peek(p) != '[' || ++p->depth > PS_JSON_DEPTH) return -1;
  p->s++;
  ws(p);
  if (peek(p) == ']') {
    p->s++;
    p->depth--;
    return 0;
  }
  for (size_t i = 0;; i++) {
    ws(p);
    if (fn ? fn(p, i, ctx) : jany(p)) return -1;
    ws(p);
    int c = peek(p);
    p->s++;
    if (c == ']') break;
    if (c != ',') return -1;
  }
  p->depth--;
  return 0;
}

static int key_is(const char *key, size_t klen, const char *want) { return strlen(want) == klen && !memcmp(key, want, klen); }

int ps_json_object(const char *buf, size_t len) {
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = peek(&p) == '{' ? jobject(&p, NULL, NULL) : -1;
  ws(&p);
  return rc || p.s != p.end ? -1 : 0;
}

/* ---- a JSON value whole (inspect_fast.c) ------------------------------------------------------ */

#define JV_TEXT_MAX (8u << 20) /* bytes of one decoded text */

void jv_free(struct jv *v) {
  sb_free(&v->s);
  for (size_t i = 0; i < v->n; i++) {
    jv_free(&v->kid[i]);
    if (v->key) sb_free(&v->key[i]);
  }
  free(v->kid);
  free(v->key);
  memset(v, 0, sizeof *v);
}

/* room for one more member or element: 0, or -1 (out of memory, or more than the decoder keeps) */
static int jv_grow(struct jv *v) {
  if (v->n < v->cap) return 0;
  size_t cap = v->cap ? v->cap * 2 : 8;
  if (cap > (1u << 20)) return -1;
  struct jv *k = realloc(v->kid, cap * sizeof *k);
  if (!k) return -1;
  v->kid = k;
  if (v->t == JV_OBJ) {
    struct sbuf *ks = realloc(v->key, cap * sizeof *ks);
    if (!ks) return -1;
    v->key = ks;
  }
  v->cap = cap;
  return 0;
}

struct jv_ctx {
  struct jv *v;
  int *nonascii;
};
static int jv_value(struct jp *p, struct jv *v, int *nonascii);

static int jv_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct jv_ctx *x = ctx;
  if (jv_grow(x->v)) return -1;
  struct jv *o = x->v;
  struct sbuf key = {.max = JV_TEXT_MAX};
  sb_put(&key, k, kl);
  if (kl && key.err) {
    sb_free(&key);
    return -1;
  }
  o->key[o->n] = key;
  memset(&o->kid[o->n], 0, sizeof o->kid[o->n]);
  o->n++;
  /* jobject decodes a key's characters above U+007F as '?' and keeps no flag: any '?' counts */
  if (kl && memchr(k, '?', kl)) *x->nonascii = 1;
  return jv_value(p, &o->kid[o->n - 1], x->nonascii);
}

static int jv_elem(struct jp *p, size_t i, void *ctx) {
  struct jv_ctx *x = ctx;
  if (jv_grow(x->v)) return -1;
  memset(&x->v->kid[x->v->n], 0, sizeof x->v->kid[0]);
  x->v->n++;
  return jv_value(p, &x->v->kid[x->v->n - 1], x->nonascii);
}

static int jv_value(struct jp *p, struct jv *v, int *nonascii) {
  memset(v, 0, sizeof *v);
  struct jv_ctx x = {v, nonascii};
  int isint = 0;
  switch (peek(p)) {
    case '{': v->t = JV_OBJ; return jobject(p, jv_member, &x);
    case '[': v->t = JV_ARR; return jarray(p, jv_elem, &x);
    case '"':
      v->t = JV_STR;
      v->s.max = JV_TEXT_MAX;
      return jstr(p, &v->s, nonascii) || v->s.err ? -1 : 0;
    case 't': v->t = JV_TRUE; return jlit(p, "true");
    case 'f': v->t = JV_FALSE; return jlit(p, "false");
    case 'n': v->t = JV_NULL; return jlit(p, "null");
    default:
      if (jnum(p, &v->i, &isint)) return -1;
      v->t = isint ? JV_INT : JV_NUM;
      return 0;
  }
}

int jv_parse(const char *buf, size_t len, struct jv *v, int *nonascii) {
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = jv_value(&p, v, nonascii);
  ws(&p);
  if (rc || p.s != p.end) {
    jv_free(v);
    return -1;
  }
  return 0;
}

const struct jv *jv_get(const struct jv *o, const char *key) {
  if (o->t != JV_OBJ) return NULL;
  size_t kl = strlen(key);
  for (size_t i = 0; i < o->n; i++)
    if (o->key[i].len == kl && (!kl || !memcmp(o->key[i].p, key, kl))) return &o->kid[i];
  return NULL;
}

struct jv jv_new(int t) {
  struct jv v;
  memset(&v, 0, sizeof v);
  v.t = t;
  return v;
}

struct jv jv_text(const char *s, size_t n) {
  struct jv v = jv_new(JV_STR);
  v.s.max = JV_TEXT_MAX;
  sb_put(&v.s, s, n); /* (empty: p stays NULL) */
  return v;
}

struct jv jv_cstr(const char *s) { return s ? jv_text(s, strlen(s)) : jv_new(JV_NULL); }

struct jv jv_int(long long i) {
  struct jv v = jv_new(JV_INT);
  v.i = i;
  return v;
}

struct jv jv_bool(int b) { return jv_new(b ? JV_TRUE : JV_FALSE); }

void jv_add(struct jv *a, struct jv *val, int *err) {
  if (val->t == JV_STR && val->s.err) *err = 1;
  if (jv_grow(a)) {
    *err = 1;
    jv_free(val);
    return;
  }
  a->kid[a->n++] = *val;
  memset(val, 0, sizeof *val);
}

void jv_put(struct jv *o, const char *key, struct jv *val, int *err) {
  if (jv_grow(o)) {
    *err = 1;
    jv_free(val);
    return;
  }
  struct sbuf k = {.max = JV_TEXT_MAX};
  sb_puts(&k, key);
  if (k.err) *err = 1;
  o->key[o->n] = k;
  jv_add(o, val, err);
}

/* Json.quote */
static void jv_quote(struct sbuf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  sb_put(out, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    switch (c) {
      case '"': sb_put(out, "\\\"", 2); break;
      case '\\': sb_put(out, "\\\\", 2); break;
      case '\n': sb_put(out, "\\n", 2); break;
      case '\r': sb_put(out, "\\r", 2); break;
      case '\t': sb_put(out, "\\t", 2); break;
      default:
        if (c < 0x20) sb_put(out, e, 6);
        else sb_put(out, &c, 1);
    }
  }
  sb_put(out, "\"", 1);
}

static void jv_newline(struct sbuf *out, int level) {
  sb_put(out, "\n", 1);
  for (int i = 0; i < level; i++) sb_put(out, "  ", 2);
}

int jv_pretty(struct sbuf *out, const struct jv *v, int level) {
  char num[32];
  switch (v->t) {
    case JV_NULL: sb_puts(out, "null"); return 0;
    case JV_TRUE: sb_puts(out, "true"); return 0;
    case JV_FALSE: sb_puts(out, "false"); return 0;
    case JV_INT:
      snprintf(num, sizeof num, "%lld", v->i);
      sb_puts(out, num);
      return 0;
    case JV_STR: jv_quote(out, v->s.p ? v->s.p : "", v->s.len); return 0;
    case JV_ARR:
    case JV_OBJ:
      if (!v->n) {
        sb_puts(out, v->t == JV_OBJ ? "{}" : "[]");
        return 0;
      }
      sb_puts(out, v->t == JV_OBJ ? "{" : "[");
      for (size_t i = 0; i < v->n; i++) {
        if (i) sb_put(out, ",", 1);
        jv_newline(out, level + 1);
        if (v->t == JV_OBJ) {
          jv_quote(out, v->key[i].p ? v->key[i].p : "", v->key[i].len);
          sb_put(out, ": ", 2);
        }
        if (jv_pretty(out, &v->kid[i], level + 1)) return -1;
      }
      jv_newline(out, level);
      sb_puts(out, v->t == JV_OBJ ? "}" : "]");
      return 0;
    default: return -1; /* a BigDecimal's toString: the JVM's */
  }
}

/* ---- the record (SandboxRecord.of) ------------------------------------------------------------ */

struct rec_ctx {
  struct ps_record *r;
  int na_name, na_image, na_command, na_ports;
  int skip;   /* what SandboxRecord.of or Kind.of throws on: the JVM leaves the record out */
  int unsure; /* what the decoder does not follow: the JVM decides */
  int kind_skip, overlay_skip, process_skip, oci;
};

static int command_word(struct jp *p, size_t i, void *ctx) {
  struct rec_ctx *x = ctx;
  if (peek(p) != '"') {
    x->unsure = 1; /* String.valueOf of a number, a list...: not written here */
    return jany(p);
  }
  if (i) sb_put(&x->r->command, " ", 1);
  return jstr(p, &x->r->command, &x->na_command);
}

static int port_spec(struct jp *p, size_t i, void *ctx) {
  struct rec_ctx *x = ctx;
  if (peek(p) != '"') {
    x->unsure = 1;
    return jany(p);
  }
  struct sbuf spec = {.max = 4096};
  int na = 0;
  int r = jstr(p, &spec, &na);
  if (!r && (na || spec.err)) x->na_ports = 1;
  else if (!r) {
    if (i) sb_put(&x->r->ports, ", ", 2);
    ps_port(spec.p ? spec.p : "", spec.len, &x->r->ports);
    struct ps_record *rec = x->r;
    struct sbuf *a = rec->nspecs >= PS_TAGS_MAX ? NULL : realloc(rec->specs, (rec->nspecs + 1) * sizeof *a);
    if (!a) {
      x->unsure = 1;
    } else {
      rec->specs = a;
      rec->specs[rec->nspecs++] = spec; /* taken */
      return r;
    }
  }
  sb_free(&spec);
  return r;
}

/* one of "mounts": a named volume may be in a -v or --mount (SandboxService.volumeNames) */
static int mount_word(struct jp *p, size_t i, void *ctx) {
  struct ps_record *r = ctx;
  r->has_mounts = 1;
  if (peek(p) != '"') return jany(p); /* (String.valueOf of another value starts with neither) */
  struct sbuf w = {.max = 16};
  int na = 0;
  const char *at = p->s;
  int rc = jstr(p, NULL, &na);
  struct jp head = {at, p->s, 0};
  jstr(&head, &w, &na); /* (long ones stop at 16 bytes: err set, the start kept) */
  if (w.p && (!strncmp(w.p, "-v ", 3) || !strncmp(w.p, "--mount ", 8))) r->volume_mounts = 1;
  if (!w.p && w.err) r->volume_mounts = 1; /* (not followed: count it as one) */
  sb_free(&w);
  return rc;
}

/* string, null or absent: (String) m.get(k) */
static int string_or_null(struct jp *p, int *skip) {
  int na = 0, c = peek(p);
  if (c == '"') return jstr(p, NULL, &na);
  if (c == 'n') return jlit(p, "null");
  *skip = 1; /* ClassCastException */
  return jany(p);
}

struct sub_ctx {
  int upper_skip, work_skip, cwd_skip, user_skip, caps_skip, caps_unsure, rl_skip;
};

static int overlay_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct sub_ctx *x = ctx;
  if (key_is(k, kl, "upper")) return x->upper_skip = 0, string_or_null(p, &x->upper_skip);
  if (key_is(k, kl, "work")) return x->work_skip = 0, string_or_null(p, &x->work_skip);
  return jany(p);
}

/* one [resource, soft, hard] of rlimits: a list whose first three items are numbers */
struct rl_item {
  size_t items;
  int bad;
};

static int rlimit_item(struct jp *p, size_t i, void *ctx) {
  struct rl_item *x = ctx;
  int c = peek(p);
  if (i < 3 && c != '-' && (c < '0' || c > '9')) x->bad = 1; /* (Number) of another value */
  x->items = i + 1;
  return jany(p);
}

static int rlimit(struct jp *p, size_t i, void *ctx) {
  struct sub_ctx *x = ctx;
  if (peek(p) != '[') {
    x->rl_skip = 1; /* (List<?>) of another value */
    return jany(p);
  }
  struct rl_item it = {0, 0};
  int r = jarray(p, rlimit_item, &it);
  if (it.bad || it.items < 3) x->rl_skip = 1;
  return r;
}

static int process_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct sub_ctx *x = ctx;
  if (key_is(k, kl, "cwd")) return x->cwd_skip = 0, string_or_null(p, &x->cwd_skip);
  if (key_is(k, kl, "user")) return x->user_skip = 0, string_or_null(p, &x->user_skip);
  if (key_is(k, kl, "capabilities")) {
    /* Long.parseUnsignedLong(String.valueOf(caps)): digits that fit, or null */
    x->caps_skip = x->caps_unsure = 0;
    int c = peek(p);
    if (c == 'n') return jlit(p, "null");
    if (c == '"') {
      struct sbuf s = {.max = 64};
      int na = 0, r = jstr(p, &s, &na);
      size_t n = s.len;
      if (na || s.err || n == 0 || n > 19 || strspn(s.p, "0123456789") != n) x->caps_unsure = 1;
      sb_free(&s);
      return r;
    }
    long long v;
    int isint;
    if (c == '-' || (c >= '0' && c <= '9')) {
      int r = jnum(p, &v, &isint);
      if (!isint || v < 0) x->caps_unsure = 1;
      return r;
    }
    x->caps_unsure = 1;
    return jany(p);
  }
  if (key_is(k, kl, "rlimits")) {
    x->rl_skip = 0;
    return peek(p) == '[' ? jarray(p, rlimit, x) : jany(p);
  }
  return jany(p);
}

static int record_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct rec_ctx *x = ctx;
  struct ps_record *r = x->r;
  int c = peek(p);
  if (key_is(k, kl, "name") || key_is(k, kl, "image")) {
    int img = k[0] == 'i';
    struct sbuf *b = img ? &r->image : &r->name;
    int *has = img ? &r->has_image : &r->has_name, *na = img ? &x->na_image : &x->na_name;
    sb_reset(b);
    *na = 0;
    *has = c == '"';
    return c == '"' ? jstr(p, b, na) : jany(p);
  }
  if (key_is(k, kl, "command")) {
    sb_reset(&r->command);
    x->na_command = 0;
    return c == '[' ? jarray(p, command_word, x) : jany(p);
  }
  if (key_is(k, kl, "ports")) {
    sb_reset(&r->ports);
    for (size_t i = 0; i < r->nspecs; i++) sb_free(&r->specs[i]);
    r->nspecs = 0;
    x->na_ports = 0;
    return c == '[' ? jarray(p, port_spec, x) : jany(p);
  }
  if (key_is(k, kl, "created")) {
    r->created = 0;
    if (c != '-' && (c < '0' || c > '9')) return jany(p);
    int isint;
    int rc = jnum(p, &r->created, &isint);
    if (!isint) x->unsure = 1; /* BigDecimal.longValue: not followed */
    return rc;
  }
  if (key_is(k, kl, "rm")) {
    r->rm = c == 't';
    return jany(p);
  }
  if (key_is(k, kl, "stopSignal")) { /* a string, else TERM */
    sb_reset(&r->stop_signal);
    int na = 0;
    r->has_stop_signal = c == '"';
    return c == '"' ? jstr(p, &r->stop_signal, &na) : jany(p);
  }
  if (key_is(k, kl, "restart")) {
    r->has_restart = 1;
    return jany(p);
  }
  if (key_is(k, kl, "kind")) {
    if (c == 'n') return x->kind_skip = 0, r->shell = 0, jlit(p, "null");
    struct sbuf w = {.max = 16};
    int na = 0, rc = c == '"' ? jstr(p, &w, &na) : jany(p);
    /* Kind.of: "run" and "shell" are listed; "oci" (never in a user's store) and anything else left out */
    x->kind_skip = !(c == '"' && !w.err && w.p && (!strcmp(w.p, "run") || !strcmp(w.p, "shell")) && w.len == strlen(w.p));
    r->shell = !x->kind_skip && !strcmp(w.p, "shell");
    sb_free(&w);
    return rc;
  }
  if (key_is(k, kl, "overlay") || key_is(k, kl, "process")) {
    int ov = k[0] == 'o';
    int *skip = ov ? &x->overlay_skip : &x->process_skip;
    *skip = 0;
    if (c != '{') return jany(p);
    struct sub_ctx s = {0};
    int rc = jobject(p, ov ? overlay_member : process_member, &s);
    *skip = s.upper_skip || s.work_skip || s.cwd_skip || s.user_skip || s.rl_skip;
    if (s.caps_unsure) x->unsure = 1;
    return rc;
  }
  if (key_is(k, kl, "mounts")) {
    /* has_mounts: anything but an empty list (volume rm's look); volume_mounts: a -v or --mount
     * among them (volume inspect's MountCount) */
    r->volume_mounts = 0;
    r->has_mounts = c != '[';
    return c == '[' ? jarray(p, mount_word, r) : jany(p);
  }
  if (key_is(k, kl, "oci")) {
    x->oci = c != 'n';
    return jany(p);
  }
  return jany(p);
}

void ps_record_free(struct ps_record *r) {
  for (size_t i = 0; i < r->nspecs; i++) sb_free(&r->specs[i]);
  free(r->specs);
  r->specs = NULL;
  r->nspecs = 0;
  sb_free(&r->name);
  sb_free(&r->image);
  sb_free(&r->command);
  sb_free(&r->ports);
  sb_free(&r->stop_signal);
}

int ps_record_parse(const char *buf, size_t len, struct ps_record *r) {
  memset(r, 0, sizeof *r);
  struct rec_ctx x = {.r = r};
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = peek(&p) == '{' ? jobject(&p, record_member, &x) : -1;
  ws(&p);
  if (rc || p.s != p.end || x.unsure || x.oci || r->name.err || r->image.err || r->command.err || r->ports.err ||
      r->stop_signal.err) {
    ps_record_free(r);
    return -1;
  }
  if (x.kind_skip || x.overlay_skip || x.process_skip) {
    ps_record_free(r);
    return 1;
  }
  r->nonascii = x.na_name || x.na_image || x.na_command || x.na_ports;
  return 0;
}

/* ---- the monitor's state (MonitorState.of) ----------------------------------------------------- */

struct state_ctx {
  struct ps_state *s;
  int unsure, has_status;
};

static int state_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct state_ctx *x = ctx;
  struct ps_state *s = x->s;
  static const char *const nums[] = {"pid", "pidStart", "monitorPid", "monitorStart", "started", "exitCode", "finished", "restartCount"};
  long long *slot[] = {&s->pid, &s->pid_start, &s->monitor_pid, &s->monitor_start, &s->started, NULL, &s->finished, &s->restart_count};
  int c = peek(p);
  if (key_is(k, kl, "status")) {
    struct sbuf w = {.max = 64};
    int na = 0, rc = c == '"' ? jstr(p, &w, &na) : jany(p);
    x->has_status = c == '"';
    s->status = c == '"' && !w.err && w.p && w.len == strlen(w.p) ? (!strcmp(w.p, "running") ? PS_RUNNING : !strcmp(w.p, "exited") ? PS_EXITED : PS_OTHER) : PS_OTHER;
    if (w.err) x->unsure = 1;
    sb_free(&w);
    return rc;
  }
  for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
    if (!key_is(k, kl, nums[i])) continue;
    long long v = -1; /* num(): -1 for what is not a number */
    int rc, isint = 1;
    if (c == '-' || (c >= '0' && c <= '9')) rc = jnum(p, &v, &isint);
    else rc = jany(p);
    if (!isint) x->unsure = 1;
    if (i == 5) { /* exitCode: null (or absent) none, else (int) num */
      s->has_exit = c != 'n';
      s->exit_code = (int)(unsigned int)(unsigned long long)v;
    } else if (i == 6) {
      s->has_finished = c != 'n';
      s->finished = v;
    } else {
      *slot[i] = v;
    }
    return rc;
  }
  return jany(p);
}

int ps_state_parse(const char *buf, size_t len, struct ps_state *s) {
  memset(s, 0, sizeof *s);
  s->pid = s->pid_start = s->monitor_pid = s->monitor_start = s->started = s->restart_count = -1;
  struct state_ctx x = {.s = s};
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = peek(&p) == '{' ? jobject(&p, state_member, &x) : -1;
  ws(&p);
  if (s->restart_count < 0) s->restart_count = 0;
  /* a status that is no string is String.valueOf's "null", "5"...: the JVM's */
  return rc || p.s != p.end || x.unsure || !x.has_status ? -1 : 0;
}

/* ---- what ps prints --------------------------------------------------------------------------- */

void ps_duration(long long ms, char *out, size_t n) {
  long long s = ms / 1000 > 0 ? ms / 1000 : 0;
  if (s < 1) snprintf(out, n, "Less than a second");
  else if (s < 60) snprintf(out, n, s == 1 ? "1 second" : "%lld seconds", s);
  else if (s / 60 < 60) snprintf(out, n, s / 60 == 1 ? "About a minute" : "%lld minutes", s / 60);
  else if (s / 3600 < 48) snprintf(out, n, s / 3600 == 1 ? "About an hour" : "%lld hours", s / 3600);
  else snprintf(out, n, "%lld days", s / 3600 / 24);
}

/* Integer.parseInt of ASCII text, then 1..65535 (Network.Port.port); -1 otherwise */
static long port_number(const char *s, size_t n) {
  size_t i = 0;
  int neg = 0;
  if (n && (s[0] == '+' || s[0] == '-')) neg = s[0] == '-', i = 1;
  if (i == n) return -1;
  long long v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
    if (v > 2147483648LL) return -1;
  }
  if (neg) v = -v;
  return v >= 1 && v <= 65535 ? (long)v : -1;
}

/* Network.Port.isAddress: [0-9.]+ or \[?[0-9a-fA-F:]+\]? */
static int is_address(const char *a, size_t n) {
  if (n && strspn(a, "0123456789.") >= n) return 1;
  size_t b = 0, e = n;
  if (e > b && a[b] == '[') b++;
  if (e > b && a[e - 1] == ']') e--;
  if (e == b) return 0;
  for (size_t i = b; i < e; i++)
    if (hexval(a[i]) < 0 && a[i] != ':') return 0;
  return 1;
}

int ps_port_parse(const char *spec, size_t n, struct ps_portspec *o) {
  memset(o, 0, sizeof *o);
  o->proto = "tcp";
  size_t sl = n;
  for (size_t i = n; i-- > 0;)
    if (spec[i] == '/') {
      sl = i;
      break;
    }
  if (sl < n) {
    size_t pl = n - sl - 1;
    if (pl == 3 && !memcmp(spec + sl + 1, "tcp", 3)) o->proto = "tcp";
    else if (pl == 3 && !memcmp(spec + sl + 1, "udp", 3)) o->proto = "udp";
    else return -1;
  }
  /* String.split(":"): the fields, trailing empty ones dropped */
  const char *f[4];
  size_t fl[4], nf = 0, start = 0;
  for (size_t i = 0; i <= sl; i++) {
    if (i < sl && spec[i] != ':') continue;
    if (nf == 4) return -1;
    f[nf] = spec + start;
    fl[nf++] = i - start;
    start = i + 1;
  }
  while (nf > 0 && fl[nf - 1] == 0) nf--;
  if (nf != 2 && nf != 3) return -1;
  o->host = port_number(f[nf - 2], fl[nf - 2]);
  o->container = port_number(f[nf - 1], fl[nf - 1]);
  if (nf == 3 && !is_address(f[0], fl[0])) return -1;
  if (o->host < 0 || o->container < 0) return -1;
  if (nf == 3) { /* (is_address lets a bracket stand only first or last) */
    o->ip = f[0];
    o->ip_len = fl[0];
    if (o->ip_len && o->ip[0] == '[') o->ip++, o->ip_len--;
    if (o->ip_len && o->ip[o->ip_len - 1] == ']') o->ip_len--;
    o->has_ip = 1;
  }
  return 0;
}

void ps_port(const char *spec, size_t n, struct sbuf *out) {
  struct ps_portspec p;
  if (ps_port_parse(spec, n, &p)) {
    sb_put(out, spec, n);
    return;
  }
  char tail[64];
  if (p.has_ip) sb_put(out, p.ip, p.ip_len);
  else sb_puts(out, "0.0.0.0");
  snprintf(tail, sizeof tail, ":%ld->%ld/%s", p.host, p.container, p.proto);
  sb_puts(out, tail);
}

/* ---- the listing (SandboxStore.list, SandboxService.list and sweep, Sandbox.status) ----------- */


static int is_sandbox_id(const char *s) { return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64; }

/* A small file whole: 0 read, 1 absent (ENOENT), -1 an error the JVM's read meets too (denied,
 * a directory), -2 what the JVM would read otherwise (larger than max, a FIFO, a device...). */
int ps_read_file(const char *path, int nofollow, size_t max, char **buf, size_t *len) {
  autofd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
  if (fd < 0) return errno == ENOENT ? 1 : errno == EACCES || errno == ENOTDIR ? -1 : -2;
  struct stat st;
  if (fstat(fd, &st) < 0) return -2;
  if (S_ISDIR(st.st_mode)) return -1;
  if (!S_ISREG(st.st_mode)) return -2;
  ssize_t n = read_all(fd, buf, max);
  if (n < 0) return -2;
  *len = (size_t)n;
  return 0;
}

/* Procfs.alive */
int ps_alive(long long pid, long long start) {
  return pid > 0 && start > 0 && pid <= INT_MAX && proc_alive((long)pid, (unsigned long long)start);
}

/* ContainerLock.heldFile: 1 held, 0 free or absent, -1 the JVM's error */
static int held(const char *path) {
  autofd int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) return -1;
  return ofd_locked(fd);
}

/* Sandbox.monitorState of a detached one: 0 with *s, 1 none (no file), -1 the JVM's (its error) */
static int detached_state(const char *root, const char *id, struct ps_state *s) {
  char path[PATH_MAX + 96];
  snprintf(path, sizeof path, "%s/%s/state", root, id);
  char *buf = NULL;
  size_t n;
  int rc = ps_read_file(path, 1, PS_STATE_MAX, &buf, &n);
  if (rc) return rc == 1 ? 1 : -1;
  rc = utf8_valid(buf, n) && ps_state_parse(buf, n, s) == 0 ? 0 : -1;
  free(buf);
  return rc;
}


static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!(s[i] == ' ' || (s[i] >= 0x09 && s[i] <= 0x0d) || (s[i] >= 0x1c && s[i] <= 0x1f))) return 0;
  return 1;
}

static void exited(struct ps_status *o, const struct ps_state *s) {
  o->kind = PS_EXITED;
  o->has_code = s->has_exit;
  o->code = s->exit_code;
  o->since = s->has_finished ? s->finished : s->started;
}

/* Sandbox.status and monitorAlive; -1: the JVM's */
int ps_status_of(const char *root, const char *containers, const struct ps_entry *e, struct ps_status *o) {
  return ps_sandbox_status(root, containers, e->id, e->image, o);
}

int ps_sandbox_status(const char *root, const char *containers, const char *id, int image, struct ps_status *o) {
  memset(o, 0, sizeof *o);
  char path[PATH_MAX + 96];
  struct stat sb;
  snprintf(path, sizeof path, "%s/%s/state", root, id);
  if (lstat(path, &sb) == 0) { /* detached() */
    struct ps_state s;
    int rc = detached_state(root, id, &s);
    if (rc < 0) return -1;
    if (rc == 1) return 0; /* created */
    if (s.status == PS_RUNNING) {
      if (ps_alive(s.pid, s.pid_start)) {
        o->kind = PS_RUNNING;
        o->since = s.started;
      } else {
        struct ps_state again;
        rc = detached_state(root, id, &again);
        if (rc < 0) return -1;
        if (rc == 0 && again.status == PS_EXITED) {
          exited(o, &again);
          s = again;
        } else {
          o->kind = PS_EXITED; /* stale: code unknown */
          o->stale = 1;
        }
      }
    } else {
      exited(o, &s);
    }
    o->monitor_alive = ps_alive(s.monitor_pid, s.monitor_start);
    o->has_state = 1;
    o->state = s;
    return 0;
  } else if (errno != ENOENT) {
    return -1;
  }
  if (image) snprintf(path, sizeof path, "%s/%s/state", containers, id);
  else snprintf(path, sizeof path, "%s/%s/fgstate", root, id);
  int locked = held(path);
  if (locked < 0) return -1;
  o->monitor_alive = locked;
  char *buf = NULL;
  size_t n;
  int rc = ps_read_file(path, 0, PS_STATE_MAX, &buf, &n);
  if (rc == -2) return -1;
  if (rc) return 0; /* none yet, or unreadable: created (monitorState's null) */
  struct ps_state s;
  int blank = !utf8_valid(buf, n) || is_blank(buf, n);
  int parsed = blank ? -1 : ps_state_parse(buf, n, &s);
  free(buf);
  if (blank) return 0;
  if (parsed) return -1; /* the JVM's parser may read it, or see it being rewritten */
  if (s.status == PS_EXITED) exited(o, &s);
  else if (locked) o->kind = PS_RUNNING, o->since = s.started;
  else o->kind = PS_EXITED, o->stale = 1;
  o->has_state = 1;
  o->state = s;
  return 0;
}

/* Containers.sandboxLeftovers finds nothing: the JVM's sweep would do nothing */
int ps_nothing_to_sweep(const char *containers, const char *root, long long now) {
  DIR *d = opendir(containers);
  if (!d) return 1;
  int clean = 1;
  struct dirent *e;
  while (clean && (e = readdir(d))) {
    if (!strncmp(e->d_name, ".removing-", 10)) {
      clean = 0;
      break;
    }
    if (!is_sandbox_id(e->d_name)) continue;
    char p[PATH_MAX + 96];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s/rm", containers, e->d_name);
    if (stat(p, &st) < 0) {
      snprintf(p, sizeof p, "%s/%s/config.json", containers, e->d_name);
      if (stat(p, &st) == 0) continue;
      snprintf(p, sizeof p, "%s/%s", root, e->d_name);
      if (stat(p, &st) == 0) continue;
    }
    snprintf(p, sizeof p, "%s/%s", containers, e->d_name);
    if (stat(p, &st) < 0) continue;
    long long m = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (m != 0 && now - m > 60000) clean = 0;
  }
  closedir(d);
  return clean;
}

/* SandboxService.reapOrphans would remove nothing: no runtime directory without a record whose
 * monitor recorded its exit and is gone */
static int no_orphan_to_reap(const char *containers, const char *root) {
  DIR *d = opendir(root);
  if (!d) return 1;
  int clean = 1;
  struct dirent *e;
  while (clean && (e = readdir(d))) {
    if (!is_sandbox_id(e->d_name)) continue;
    char p[PATH_MAX + 96];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s/config.json", root, e->d_name);
    if (stat(p, &st) == 0) continue;
    snprintf(p, sizeof p, "%s/%s", containers, e->d_name);
    if (stat(p, &st) == 0) continue;
    snprintf(p, sizeof p, "%s/%s/state", root, e->d_name);
    if (lstat(p, &st) < 0) continue; /* not detached: its lock file is in a containers/ dir that is not there */
    struct ps_state s;
    int rc = detached_state(root, e->d_name, &s);
    if (rc == 0 && s.status == PS_EXITED && !ps_alive(s.monitor_pid, s.monitor_start)) clean = 0;
    if (rc < 0) clean = 0; /* maybe one (the JVM's parser decides) */
  }
  closedir(d);
  return clean;
}


void ps_list_free(struct ps_list *l) {
  for (size_t i = 0; i < l->n; i++) ps_record_free(&l->e[i].r);
  free(l->e);
}

/* SandboxStore.load of every record in dir; -1: one the JVM may read otherwise */
int ps_load_dir(struct ps_list *l, const char *dir, int image) {
  DIR *d = opendir(dir);
  if (!d) return 0; /* (File.list: none) */
  struct dirent *de;
  int rc = 0;
  while (!rc && (de = readdir(d))) {
    if (!is_sandbox_id(de->d_name)) continue;
    if (!image) { /* an image sandbox that ran detached: listed from containers/ already */
      int dup = 0;
      for (size_t i = 0; i < l->n && !dup; i++) dup = l->e[i].image && !strcmp(l->e[i].id, de->d_name);
      if (dup) continue;
    }
    char path[PATH_MAX + 96];
    snprintf(path, sizeof path, "%s/%s/config.json", dir, de->d_name);
    char *buf = NULL;
    size_t n;
    int r = ps_read_file(path, 0, PS_RECORD_MAX, &buf, &n);
    if (r == -2) rc = -1;
    if (r) continue; /* absent or unreadable: the JVM leaves it out too */
    if (!utf8_valid(buf, n)) { /* the JVM's strict decoder refuses it: left out */
      free(buf);
      continue;
    }
    struct ps_record rec;
    r = ps_record_parse(buf, n, &rec);
    free(buf);
    if (r < 0) rc = -1;
    if (r) continue;
    if (l->n == l->cap) {
      size_t cap = l->cap ? l->cap * 2 : 16;
      struct ps_entry *ne = cap > 100000 ? NULL : realloc(l->e, cap * sizeof *ne);
      if (!ne) {
        ps_record_free(&rec);
        rc = -1;
        break;
      }
      l->e = ne;
      l->cap = cap;
    }
    struct ps_entry *e = &l->e[l->n];
    snprintf(e->id, sizeof e->id, "%s", de->d_name);
    e->image = image;
    e->r = rec;
    e->order = l->n++;
  }
  closedir(d);
  return rc;
}

int ps_oldest_first(const void *a, const void *b) {
  const struct ps_entry *x = a, *y = b;
  if (x->r.created != y->r.created) return x->r.created < y->r.created ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order; /* List.sort is stable */
}

int ps_list_load(struct ps_list *l, const char *containers, const char *root) {
  if (ps_load_dir(l, containers, 1) || ps_load_dir(l, root, 0)) return -1;
  if (l->n) qsort(l->e, l->n, sizeof *l->e, ps_oldest_first);
  return 0;
}

struct ps_entry *ps_find(struct ps_list *l, const char *ref) {
  /* SandboxStore.findOrNull: the first with that id or name, oldest first; else the one id that
   * starts with ref (hex); none or several: the JVM's error */
  size_t rl = strlen(ref);
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->e[i].id, ref) || (l->e[i].r.has_name && l->e[i].r.name.len == rl && !memcmp(l->e[i].r.name.p, ref, rl)))
      return &l->e[i];
  struct ps_entry *hit = NULL;
  if (rl && rl <= 64 && strspn(ref, "0123456789abcdef") == rl) {
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
      if (!strncmp(l->e[i].id, ref, rl)) hit = &l->e[i], n++;
    if (n != 1) hit = NULL;
  }
  return hit;
}

/* Text.escape of ASCII text: C0 controls and DEL as \xNN */
void ps_escaped(struct sbuf *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) {
      char x[5];
      snprintf(x, sizeof x, "\\x%02x", c);
      sb_put(out, x, 4);
    } else {
      sb_put(out, &c, 1);
    }
  }
}

#define COLS 7

/* Table.print: cells escaped, columns as wide as their widest cell plus two spaces, the last
 * unpadded, trailing blanks stripped */
int ps_print_cols(struct sbuf *cells, size_t rows, int cols, struct sbuf *out) {
  size_t w[COLS] = {0};
  if (cols > COLS) return -1;
  for (size_t r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      if (cells[r * cols + c].len > w[c]) w[c] = cells[r * cols + c].len;
  for (size_t r = 0; r < rows; r++) {
    size_t line = out->len;
    for (int c = 0; c < cols; c++) {
      struct sbuf *b = &cells[r * cols + c];
      sb_put(out, b->p, b->len);
      if (b->err) out->err = 1;
      for (size_t k = b->len; c < cols - 1 && k < w[c] + 2; k++) sb_put(out, " ", 1);
    }
    while (out->len > line && out->p[out->len - 1] == ' ') out->len--;
    sb_put(out, "\n", 1);
  }
  return out->err ? -1 : 0;
}

/* As the JVM's PrintWriter: a closed or full stdout is no error, and no SIGPIPE. */
void ps_print(const struct sbuf *out) {
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigaction(SIGPIPE, &ign, &old);
  if (write_all(1, out->p, out->len) < 0) {
    /* ignored, as println's */
  }
  sigaction(SIGPIPE, &old, NULL);
}

static int render(const struct ps_call *c, struct ps_list *l, const struct ps_status *st, long long now, struct sbuf *out) {
  if (c->quiet) {
    for (size_t i = 0; i < l->n; i++) {
      sb_put(out, l->e[i].id, c->no_trunc ? 64 : 12);
      sb_put(out, "\n", 1);
    }
    return out->err ? -1 : 0;
  }
  size_t rows = l->n + 1;
  struct sbuf *cells = calloc(rows * COLS, sizeof *cells);
  if (!cells) return -1;
  static const char *const head[COLS] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"};
  for (int k = 0; k < COLS; k++) sb_puts(&cells[k], head[k]);
  for (size_t i = 0; i < l->n; i++) {
    struct ps_entry *e = &l->e[i];
    struct sbuf *row = &cells[(i + 1) * COLS];
    sb_put(&row[0], e->id, c->no_trunc ? 64 : 12);
    ps_escaped(&row[1], e->r.image.p, e->r.image.len);
    size_t cl = e->r.command.len;
    if (!c->no_trunc && cl > 20) { /* PsCommand.abbreviate */
      ps_escaped(&row[2], e->r.command.p, 17);
      sb_put(&row[2], "...", 3);
    } else {
      ps_escaped(&row[2], e->r.command.p, cl);
    }
    char d[64];
    ps_duration(now - e->r.created, d, sizeof d);
    sb_puts(&row[3], d);
    sb_puts(&row[3], " ago");
    const struct ps_status *s = &st[i];
    if (s->kind == PS_RUNNING) {
      ps_duration(now - s->since, d, sizeof d);
      sb_puts(&row[4], "Up ");
      sb_puts(&row[4], d);
    } else if (s->kind == PS_EXITED && !s->has_code) {
      sb_puts(&row[4], "Exited (unknown)");
    } else if (s->kind == PS_EXITED) {
      char x[40];
      snprintf(x, sizeof x, "Exited (%d) ", s->code);
      ps_duration(now - s->since, d, sizeof d);
      sb_puts(&row[4], x);
      sb_puts(&row[4], d);
      sb_puts(&row[4], " ago");
    } else {
      sb_puts(&row[4], "Created");
    }
    ps_escaped(&row[5], e->r.ports.p, e->r.ports.len);
    ps_escaped(&row[6], e->r.name.p, e->r.name.len);
  }
  int rc = ps_print_cols(cells, rows, COLS, out);
  for (size_t k = 0; k < rows * COLS; k++) sb_free(&cells[k]);
  free(cells);
  return rc;
}

int ps_fast(int argc, char **argv) {
  struct ps_call c;
  /* JVM option variables ask for the JVM, as for exec and kill */
  if (jvm_options_set() || ps_call_parse(argc, argv, &c)) return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  long long now = now_ms();
  if (!ps_nothing_to_sweep(containers, root, now)) return -1;
  struct ps_list l = {0};
  struct ps_status *st = NULL;
  struct sbuf out = {.max = 64u << 20};
  int rc = -1;
  if (ps_load_dir(&l, containers, 1) || ps_load_dir(&l, root, 0)) goto done;
  if (l.n) qsort(l.e, l.n, sizeof *l.e, ps_oldest_first);
  st = calloc(l.n + 1, sizeof *st);
  if (!st) goto done;
  size_t kept = 0;
  for (size_t i = 0; i < l.n; i++) {
    struct ps_status s;
    if (ps_status_of(root, containers, &l.e[i], &s)) goto done;
    /* an ended --rm sandbox that ran detached: the JVM removes it */
    char state[PATH_MAX + 96];
    struct stat sb;
    snprintf(state, sizeof state, "%s/%s/state", root, l.e[i].id);
    if (l.e[i].r.rm && lstat(state, &sb) == 0 && s.kind != PS_RUNNING && !s.monitor_alive) goto done;
    if (!c.all && s.kind != PS_RUNNING) {
      ps_record_free(&l.e[i].r);
      continue;
    }
    /* a text above ASCII is printed through the JVM's charset, which is the locale's */
    if (!c.quiet && l.e[i].r.nonascii) goto done;
    l.e[kept] = l.e[i];
    st[kept++] = s;
  }
  l.n = kept;
  if (!no_orphan_to_reap(containers, root)) goto done;
  if (render(&c, &l, st, now_ms(), &out)) goto done;
  trace("ps-fast");
  ps_print(&out);
  rc = 0;
done:
  ps_list_free(&l);
  free(st);
  sb_free(&out);
  return rc;
}

/* ---- `jbox images` (ImagesCommand, ImageStore.images/tags/namesOf) ----------------------------- */

int images_call_parse(int argc, char **argv, struct ps_call *c) {
  memset(c, 0, sizeof *c);
  for (int i = 0; i < argc; i++) {
    int *f;
    if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) f = &c->quiet;
    else if (!strcmp(argv[i], "--no-trunc")) f = &c->no_trunc;
    else return -1; /* a REPOSITORY, another option, help...: picocli's */
    if (*f) return -1;
    *f = 1;
  }
  return 0;
}

void ps_image_free(struct ps_image *im) {
  sb_free(&im->digest);
  sb_free(&im->id);
  sb_free(&im->created);
  sb_free(&im->pulled);
}

struct image_ctx {
  struct ps_image *im;
  int bad, has_digest, has_id, has_pulled, has_size, has_layers;
};

/* (String) m.get(k) where a null is fine; sets *bad for another type */
static int opt_string(struct jp *p, struct sbuf *b, int *has, int *bad, int *nonascii) {
  int c = peek(p);
  if (b) sb_reset(b);
  if (has) *has = c == '"';
  if (c == '"') return jstr(p, b, nonascii);
  if (c == 'n') return jlit(p, "null");
  *bad = 1;
  return jany(p);
}

static int layer_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  int *bad = ctx, na = 0;
  if (key_is(k, kl, "digest") || key_is(k, kl, "mediaType") || key_is(k, kl, "diffId")) return opt_string(p, NULL, NULL, bad, &na);
  if (key_is(k, kl, "size")) {
    long long v;
    int isint = 0, rc = peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9') ? jnum(p, &v, &isint) : jany(p);
    *bad = (*bad & 1) | !isint;
    return rc;
  }
  return jany(p);
}

static int layer(struct jp *p, size_t i, void *ctx) {
  struct image_ctx *x = ctx;
  if (peek(p) != '{') {
    x->bad = 1;
    return jany(p);
  }
  int bad = 2, rc = jobject(p, layer_member, &bad); /* bit 1: no "size" yet (a NullPointerException) */
  if (bad) x->bad = 1;
  return rc;
}

static int repo_digest(struct jp *p, size_t i, void *ctx) {
  struct image_ctx *x = ctx;
  int na = 0;
  if (peek(p) != '"') {
    x->bad = 1;
    return jany(p);
  }
  return jstr(p, NULL, &na);
}

static int image_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct image_ctx *x = ctx;
  struct ps_image *im = x->im;
  int na = 0;
  if (key_is(k, kl, "manifestDigest")) return opt_string(p, &im->digest, &x->has_digest, &x->bad, &im->nonascii);
  if (key_is(k, kl, "id")) return opt_string(p, &im->id, &x->has_id, &x->bad, &im->nonascii);
  if (key_is(k, kl, "created")) return opt_string(p, &im->created, &im->has_created, &x->bad, &im->nonascii);
  if (key_is(k, kl, "pulled")) return opt_string(p, &im->pulled, &x->has_pulled, &x->bad, &im->nonascii);
  if (key_is(k, kl, "manifestMediaType") || key_is(k, kl, "indexDigest") || key_is(k, kl, "platform"))
    return opt_string(p, NULL, NULL, &x->bad, &na);
  if (key_is(k, kl, "size")) {
    int isint = 0, c = peek(p);
    int rc = c == '-' || (c >= '0' && c <= '9') ? jnum(p, &im->size, &isint) : jany(p);
    x->has_size = isint;
    return rc;
  }
  if (key_is(k, kl, "layers")) {
    x->has_layers = peek(p) == '[';
    return x->has_layers ? jarray(p, layer, x) : jany(p);
  }
  if (key_is(k, kl, "repoDigests")) return peek(p) == '[' ? jarray(p, repo_digest, x) : (x->bad = 1, jany(p));
  return jany(p);
}

int ps_image_parse(const char *buf, size_t len, struct ps_image *im) {
  memset(im, 0, sizeof *im);
  struct image_ctx x = {.im = im};
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = peek(&p) == '{' ? jobject(&p, image_member, &x) : -1;
  ws(&p);
  /* what ImagesCommand needs to print without an exception: a digest, an id with 12 hex digits
   * after its ':', when it was pulled, a size; layers a list of layers with sizes */
  const char *colon = x.has_id && im->id.p ? memchr(im->id.p, ':', im->id.len) : NULL;
  if (rc || p.s != p.end || x.bad || !x.has_digest || !x.has_id || !x.has_pulled || !x.has_size || !x.has_layers || !colon ||
      (size_t)(im->id.p + im->id.len - colon) < 13 || im->digest.err || im->id.err || im->created.err || im->pulled.err ||
      !im->digest.p || !im->pulled.p) {
    ps_image_free(im);
    return -1;
  }
  return 0;
}

void ps_tags_free(struct ps_tags *t) {
  for (size_t i = 0; i < t->n; i++) {
    sb_free(&t->name[i]);
    sb_free(&t->digest[i]);
  }
  free(t->name);
  free(t->digest);
  memset(t, 0, sizeof *t);
}

struct tags_ctx {
  struct ps_tags *t;
  size_t cap;
  int bad;
};

static int tag_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct tags_ctx *x = ctx;
  struct ps_tags *t = x->t;
  if (peek(p) != '"') { /* (String) of another value: a ClassCastException, the JVM's */
    x->bad = 1;
    return jany(p);
  }
  for (size_t i = 0; i < kl; i++)
    if ((unsigned char)k[i] >= 0x80 || k[i] == '?') t->nonascii = 1; /* ('?' may stand for a \u escape) */
  size_t at = t->n;
  for (size_t i = 0; i < t->n; i++)
    if (t->name[i].len == kl && (!kl || !memcmp(t->name[i].p, k, kl))) at = i;
  if (at == t->n) {
    if (t->n == x->cap) {
      size_t cap = x->cap ? x->cap * 2 : 16;
      struct sbuf *a = cap > PS_TAGS_MAX ? NULL : realloc(t->name, cap * sizeof *a); /* more: the JVM's */
      if (a) t->name = a;
      struct sbuf *b = a ? realloc(t->digest, cap * sizeof *b) : NULL;
      if (b) t->digest = b;
      if (!a || !b) return -1;
      x->cap = cap;
    }
    memset(&t->name[at], 0, sizeof *t->name);
    memset(&t->digest[at], 0, sizeof *t->digest);
    sb_put(&t->name[at], k, kl);
    t->n++;
  }
  sb_reset(&t->digest[at]);
  return jstr(p, &t->digest[at], &t->nonascii);
}

static int by_name(const void *a, const void *b) {
  const struct sbuf *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = n ? memcmp(x->p, y->p, n) : 0;
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* A TreeMap's order: String.compareTo, which for ASCII is the bytes' order; names are unique.
 * The values move with their names: sorted as pairs. 0, or -1 (out of memory). */
static int tags_sorted(struct ps_tags *t) {
  struct sbuf *pairs = t->n ? malloc(t->n * 2 * sizeof *pairs) : NULL;
  size_t *idx = t->n ? malloc(t->n * sizeof *idx) : NULL;
  if (t->n && (!pairs || !idx)) {
    free(pairs);
    free(idx);
    return -1;
  }
  /* sort the names, then find each one's value */
  for (size_t i = 0; i < t->n; i++) pairs[i] = t->name[i];
  if (t->n) qsort(pairs, t->n, sizeof *pairs, by_name);
  for (size_t i = 0; i < t->n; i++)
    for (size_t j = 0; j < t->n; j++)
      if (pairs[i].p == t->name[j].p) idx[i] = j;
  for (size_t i = 0; i < t->n; i++) pairs[t->n + i] = t->digest[idx[i]];
  if (t->n) {
    memcpy(t->name, pairs, t->n * sizeof *pairs);
    memcpy(t->digest, pairs + t->n, t->n * sizeof *pairs);
  }
  free(idx);
  free(pairs);
  return 0;
}

int ps_tags_parse(const char *buf, size_t len, struct ps_tags *t) {
  memset(t, 0, sizeof *t);
  struct tags_ctx x = {.t = t};
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = peek(&p) == '{' ? jobject(&p, tag_member, &x) : -1;
  ws(&p);
  int err = 0;
  for (size_t i = 0; i < t->n; i++) err |= t->name[i].err || t->digest[i].err || !t->name[i].p;
  if (rc || p.s != p.end || x.bad || err || t->nonascii) {
    ps_tags_free(t);
    return -1;
  }
  if (tags_sorted(t)) {
    ps_tags_free(t);
    return -1;
  }
  return 0;
}

/* ---- a volume's volume.json (VolumeStore.get) ---------------------------------------------------- */

void ps_volume_free(struct ps_volume *v) {
  ps_tags_free(&v->labels);
  ps_tags_free(&v->options);
}

struct volume_ctx {
  struct ps_volume *v;
  int unsure;
};

static int volume_member(struct jp *p, const char *k, size_t kl, void *ctx) {
  struct volume_ctx *x = ctx;
  struct ps_volume *v = x->v;
  int c = peek(p);
  if (key_is(k, kl, "created")) {
    /* m.get("created") instanceof Number n ? n.longValue() : 0 */
    v->created = 0;
    if (c != '-' && (c < '0' || c > '9')) return jany(p);
    int isint, rc = jnum(p, &v->created, &isint);
    if (!isint) x->unsure = 1; /* longValue of a BigDecimal: not followed */
    return rc;
  }
  if (key_is(k, kl, "anonymous") || key_is(k, kl, "copyUp")) {
    *(k[0] == 'a' ? &v->anonymous : &v->copy_up) = c == 't'; /* Boolean.TRUE.equals */
    return jany(p);
  }
  if (key_is(k, kl, "labels") || key_is(k, kl, "options")) {
    struct ps_tags *t = k[0] == 'l' ? &v->labels : &v->options;
    ps_tags_free(t);
    if (c != '{') return jany(p); /* not a map: none */
    struct tags_ctx tx = {.t = t};
    int rc = jobject(p, tag_member, &tx);
    for (size_t i = 0; i < t->n; i++)
      if (t->name[i].err || t->digest[i].err || !t->name[i].p) tx.bad = 1;
    /* String.valueOf of another value, text beyond ASCII: the JVM's */
    if (tx.bad || t->nonascii || tags_sorted(t)) x->unsure = 1;
    return rc;
  }
  return jany(p);
}

int ps_volume_parse(const char *buf, size_t len, struct ps_volume *v) {
  memset(v, 0, sizeof *v);
  struct volume_ctx x = {.v = v};
  struct jp p = {buf, buf + len, 0};
  ws(&p);
  int rc = peek(&p) == '{' ? jobject(&p, volume_member, &x) : -1;
  ws(&p);
  if (rc || p.s != p.end || x.unsure) {
    ps_volume_free(v);
    return -1;
  }
  return 0;
}

static long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int two(const char *s) { return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' ? (s[0] - '0') * 10 + s[1] - '0' : -1; }

int ps_rfc3339_utc(const char *t, size_t n, long long *sec, long *nanos) {
  if (n < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[n - 1] != 'Z') return -1;
  int y1 = two(t), y2 = two(t + 2), mo = two(t + 5), d = two(t + 8), h = two(t + 11), mi = two(t + 14), s = two(t + 17);
  if (y1 < 0 || y2 < 0) return -1;
  int y = y1 * 100 + y2;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] + (mo == 2 && leap) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return -1;
  size_t i = 19;
  long ns = 0;
  if (t[i] == '.') {
    size_t start = ++i;
    while (i < n - 1 && t[i] >= '0' && t[i] <= '9' && i - start < 9) ns = ns * 10 + (t[i++] - '0');
    size_t count = i - start;
    if (count < 1) return -1;
    for (size_t k = count; k < 9; k++) ns *= 10;
  }
  if (i != n - 1) return -1; /* more than nine digits, an offset, anything else: the JVM's */
  *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  *nanos = ns;
  return 0;
}

void ps_image_ago(long long s, char *out, size_t n) {
  static const struct {
    long long below, unit;
    const char *name;
  } steps[] = {{3600, 60, "minute"}, {86400, 3600, "hour"}, {14 * 86400, 86400, "day"}, {60 * 86400, 7 * 86400, "week"},
               {730 * 86400, 30 * 86400, "month"}, {LLONG_MAX, 365 * 86400, "year"}};
  if (s < 60) {
    snprintf(out, n, "Less than a minute ago");
    return;
  }
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
    if (s >= steps[i].below) continue;
    long long v = s / steps[i].unit;
    if (v == 1) snprintf(out, n, "%s %s ago", steps[i].unit == 3600 ? "An" : "A", steps[i].name);
    else snprintf(out, n, "%lld %ss ago", v, steps[i].name);
    return;
  }
}

void ps_si(long long v, char *out, size_t n) {
  if (v < 1000) snprintf(out, n, "%lld B", v);
  else if (v < 1000000) snprintf(out, n, "%lld.%lld kB", (v + 50) / 100 / 10, (v + 50) / 100 % 10);
  else if (v < 1000000000) snprintf(out, n, "%lld.%lld MB", (v + 50000) / 100000 / 10, (v + 50000) / 100000 % 10);
  else snprintf(out, n, "%lld.%02lld GB", (v + 5000000) / 10000000 / 100, (v + 5000000) / 10000000 % 100);
}

struct img_entry {
  struct ps_image im;
  size_t order;
};

static int newest_first(const void *a, const void *b) {
  const struct img_entry *x = a, *y = b;
  int c = by_name(&y->im.pulled, &x->im.pulled);
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ImageStore.open would create or re-mode nothing: the root ours... a directory closed to others,
 * and its four directories there */
int ps_store_ready(const char *store) {
  struct stat st;
  if (stat(store, &st) < 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077)) return 0;
  static const char *const dirs[] = {"images", "blobs/sha256", "layers", "locks"};
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/%s", store, dirs[i]);
    if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) return 0;
  }
  return 1;
}

int ps_images_load(const char *store, struct ps_image **out, size_t *count) {
  *out = NULL;
  *count = 0;
  char dir[PATH_MAX + 32];
  snprintf(dir, sizeof dir, "%s/images", store);
  DIR *d = opendir(dir);
  if (!d) return -1;
  char **names = NULL;
  size_t nn = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    for (size_t i = 0; i < l; i++)
      if ((unsigned char)e->d_name[i] >= 0x80) rc = -1; /* Path order of other bytes: the JVM's */
    if (l < 5 || strcmp(e->d_name + l - 5, ".json")) continue;
    if (nn == cap) {
      cap = cap ? cap * 2 : 16;
      char **a = cap > PS_TAGS_MAX ? NULL : realloc(names, cap * sizeof *a);
      if (!a) {
        rc = -1;
        break;
      }
      names = a;
    }
    names[nn] = strdup(e->d_name);
    if (!names[nn]) rc = -1;
    else nn++;
  }
  closedir(d);
  struct ps_image *im = nn ? calloc(nn, sizeof *im) : NULL;
  size_t ni = 0;
  if (nn && !im) rc = -1;
  if (!rc && nn) qsort(names, nn, sizeof *names, by_cstr);
  for (size_t i = 0; !rc && i < nn; i++) {
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    char *buf = NULL;
    size_t n;
    int r = ps_read_file(path, 0, PS_RECORD_MAX, &buf, &n);
    if (r == 1) continue; /* removed meanwhile */
    /* unreadable, not UTF-8, not an image record: the JVM's one-line error */
    if (r || !utf8_valid(buf, n) || ps_image_parse(buf, n, &im[ni])) rc = -1;
    else ni++;
    free(buf);
  }
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
  if (rc) {
    for (size_t i = 0; i < ni; i++) ps_image_free(&im[i]);
    free(im);
    return -1;
  }
  *out = im;
  *count = ni;
  return 0;
}

static int images_list(const struct ps_call *c, const char *store, struct sbuf *out) {
  struct ps_image *loaded;
  size_t ni;
  int rc = ps_images_load(store, &loaded, &ni);
  if (rc) return -1;
  struct img_entry *im = ni ? calloc(ni, sizeof *im) : NULL;
  if (ni && !im) {
    for (size_t i = 0; i < ni; i++) ps_image_free(&loaded[i]);
    free(loaded);
    return -1;
  }
  for (size_t i = 0; i < ni; i++) im[i].im = loaded[i], im[i].order = i;
  free(loaded);
  struct ps_tags tags = {0};
  if (!rc) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/tags.json", store);
    char *buf = NULL;
    size_t n;
    int r = ps_read_file(path, 0, PS_RECORD_MAX, &buf, &n);
    if (r == 0) rc = utf8_valid(buf, n) && ps_tags_parse(buf, n, &tags) == 0 ? 0 : -1;
    else if (r != 1) rc = -1;
    free(buf);
  }
  for (size_t i = 0; i < ni; i++)
    if (im[i].im.nonascii) rc = -1; /* the order of pulled, the texts printed: the JVM's */
  if (!rc && ni) qsort(im, ni, sizeof *im, newest_first);
  if (!rc && c->quiet) {
    /* each id once, in order (a LinkedHashSet) */
    for (size_t i = 0; i < ni; i++) {
      const struct sbuf *id = &im[i].im.id;
      const char *colon = memchr(id->p, ':', id->len);
      const char *s = c->no_trunc ? id->p : colon + 1;
      size_t l = c->no_trunc ? id->len : 12;
      int seen = 0;
      for (size_t j = 0; j < i && !seen; j++) {
        const struct sbuf *o = &im[j].im.id;
        const char *oc = memchr(o->p, ':', o->len);
        seen = c->no_trunc ? o->len == l && !memcmp(o->p, s, l) : !memcmp(oc + 1, s, 12);
      }
      if (im[i].im.nonascii && c->no_trunc) rc = -1;
      if (seen) continue;
      ps_escaped(out, s, l);
      sb_put(out, "\n", 1);
    }
  } else if (!rc) {
    size_t rows = 1, cap2 = 0;
    for (size_t i = 0; i < ni; i++) {
      size_t k = 0;
      for (size_t j = 0; j < tags.n; j++) k += by_name(&tags.digest[j], &im[i].im.digest) == 0;
      rows += k ? k : 1;
    }
    cap2 = rows;
    struct sbuf *cells = calloc(cap2 * 5, sizeof *cells);
    if (!cells) rc = -1;
    static const char *const head[5] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
    size_t r = 0;
    for (int k = 0; cells && k < 5; k++) sb_puts(&cells[k], head[k]);
    r = 1;
    long long now = now_ms();
    for (size_t i = 0; cells && !rc && i < ni; i++) {
      struct ps_image *m = &im[i].im;
      if (m->nonascii) rc = -1;
      char ago[64], size[64];
      if (!m->has_created) {
        snprintf(ago, sizeof ago, "unknown");
      } else {
        long long sec;
        long ns;
        if (ps_rfc3339_utc(m->created.p, m->created.len, &sec, &ns)) {
          rc = -1;
          break;
        }
        long long nowsec = now / 1000, nownano = now % 1000 * 1000000;
        long long s = nowsec - sec - (nownano < ns);
        ps_image_ago(s, ago, sizeof ago);
      }
      ps_si(m->size, size, sizeof size);
      const char *colon = memchr(m->id.p, ':', m->id.len);
      int any = 0;
      for (size_t j = 0; j <= tags.n; j++) {
        const char *nm;
        size_t nl;
        if (j < tags.n) {
          if (by_name(&tags.digest[j], &m->digest)) continue;
          nm = tags.name[j].p, nl = tags.name[j].len;
        } else {
          if (any) break;
          nm = "<none>:<none>", nl = 13;
        }
        any = 1;
        const char *tc = NULL;
        for (size_t q = nl; q-- > 0;)
          if (nm[q] == ':') {
            tc = nm + q;
            break;
          }
        if (!tc) { /* substring(0, -1): the JVM's exception */
          rc = -1;
          break;
        }
        struct sbuf *row = &cells[r++ * 5];
        ps_escaped(&row[0], nm, (size_t)(tc - nm));
        ps_escaped(&row[1], tc + 1, nl - (size_t)(tc - nm) - 1);
        if (c->no_trunc) ps_escaped(&row[2], m->id.p, m->id.len);
        else ps_escaped(&row[2], colon + 1, 12);
        sb_puts(&row[3], ago);
        sb_puts(&row[4], size);
      }
    }
    if (cells && !rc) rc = ps_print_cols(cells, r, 5, out);
    for (size_t k = 0; cells && k < cap2 * 5; k++) sb_free(&cells[k]);
    free(cells);
  }
  ps_tags_free(&tags);
  for (size_t i = 0; i < ni; i++) ps_image_free(&im[i].im);
  free(im);
  return rc || out->err ? -1 : 0;
}

int images_fast(int argc, char **argv) {
  struct ps_call c;
  if (jvm_options_set() || images_call_parse(argc, argv, &c)) return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  char store[PATH_MAX];
  snprintf(store, sizeof store, "%s", containers);
  char *slash = strrchr(store, '/');
  if (!slash) return -1;
  *slash = '\0';
  if (!ps_store_ready(store) || !ps_nothing_to_sweep(containers, root, now_ms())) return -1;
  struct sbuf out = {.max = 64u << 20};
  int rc = images_list(&c, store, &out);
  if (rc == 0) {
    trace("images-fast");
    ps_print(&out);
  }
  sb_free(&out);
  return rc;
}

/* ---- `jbox port SANDBOX` (PortCommand without PORT) -------------------------------------------- */

/* One spec as PortCommand prints it: "CONTAINER/PROTO -> IP:HOST"; -1 when Network.Port.parse
 * would refuse it (the JVM prints what came before, then its error). */
int ps_port_line(const char *spec, size_t n, struct sbuf *out) {
  struct sbuf b = {0};
  ps_port(spec, n, &b); /* "IP:HOST->CONTAINER/PROTO", or the spec when it does not parse */
  const char *arrow = b.p ? strstr(b.p, "->") : NULL;
  /* the spec itself comes back only when it does not parse; a parsed one has a "->" that no
   * spec ps_port takes can hold (its fields are digits, an address and a protocol) */
  int ok = arrow && !(b.len == n && !memcmp(b.p, spec, n)) && !b.err;
  if (ok) {
    sb_put(out, arrow + 2, b.len - (size_t)(arrow + 2 - b.p));
    sb_put(out, " -> ", 4);
    sb_put(out, b.p, (size_t)(arrow - b.p));
    sb_put(out, "\n", 1);
  }
  sb_free(&b);
  return ok ? 0 : -1;
}

int port_fast(int argc, char **argv) {
  /* one SANDBOX, a name or (part of) an id: [A-Za-z0-9_.-], nothing picocli reads otherwise */
  if (jvm_options_set() || argc != 1 || !argv[0][0] || argv[0][0] == '-' ||
      strspn(argv[0], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(argv[0]) ||
      strlen(argv[0]) > 128)
    return -1;
  const char *ref = argv[0];
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct ps_list l = {0};
  struct sbuf out = {.max = 1u << 20};
  int rc = -1;
  if (ps_list_load(&l, containers, root)) goto done;
  struct ps_entry *hit = ps_find(&l, ref);
  if (!hit) goto done;
  if (hit->r.nonascii) goto done; /* (ports above ASCII: their spec is the JVM's to read) */
  for (size_t i = 0; i < hit->r.nspecs; i++)
    if (ps_port_line(hit->r.specs[i].p, hit->r.specs[i].len, &out)) goto done;
  if (out.err) goto done;
  trace("port-fast");
  ps_print(&out);
  rc = 0;
done:
  ps_list_free(&l);
  sb_free(&out);
  return rc;
}

/* ---- shared with change_fast.c ---------------------------------------------------------------- */

int ps_any_mounts(const char *containers, const char *root) {
  struct ps_list l = {0};
  int rc = ps_load_dir(&l, containers, 1) || ps_load_dir(&l, root, 0) ? -1 : 0;
  for (size_t i = 0; !rc && i < l.n; i++)
    if (l.e[i].r.has_mounts) rc = 1;
  ps_list_free(&l);
  return rc;
}

int ps_json_object_ok(const char *buf, size_t len) { return !utf8_valid(buf, len) || ps_json_object(buf, len) ? -1 : 0; }
