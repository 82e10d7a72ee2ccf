/* The record templates of a prepared start (start_records.c) against the JVM's own bytes
 * (StartRecordsTest writes the golden files): the JSON writer on every string of json-strings.bin
 * must give json-quoted.txt's line; the templates completed with start-caller.bin must give the
 * config.json and exec.plan the JVM wrote for that caller; every malformed template and every
 * part that is not valid UTF-8 is refused. */
#include "check.h"
#include "exec_fast.h"
#include "prestart.h"

static char *load(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  *len = fread(b, 1, (size_t)n, f);
  b[*len] = '\0';
  fclose(f);
  return b;
}

/* The NUL-terminated fields of buf, from *at. */
static struct span field(const char *buf, size_t len, size_t *at) {
  struct span s = {buf + *at, strnlen(buf + *at, len - *at)};
  *at += s.len + 1;
  return s;
}

static int quotes_as(const char *s, size_t n, const char *want, size_t wlen) {
  struct out o = {0};
  int r = json_quote(&o, s, n);
  int same = r == 0 && o.len == wlen && !memcmp(o.p, want, wlen);
  if (!same) fprintf(stderr, "json_quote(%.*s) = %.*s, want %.*s\n", (int)n, s, (int)o.len, o.p ? o.p : "", (int)wlen, want);
  free(o.p);
  return same;
}

static int refused(const char *s, size_t n) {
  struct out o = {0};
  int r = json_quote(&o, s, n);
  free(o.p);
  return r == -1;
}

static void json_strings(void) {
  size_t sl, ql;
  char *s = load("tests/golden/json-strings.bin", &sl), *q = load("tests/golden/json-quoted.txt", &ql);
  size_t at = 0, qat = 0, n = 0, same = 0;
  while (at < sl && qat < ql) {
    struct span in = field(s, sl, &at);
    const char *nl = memchr(q + qat, '\n', ql - qat);
    if (!nl) break;
    same += quotes_as(in.p, in.len, q + qat, (size_t)(nl - q - qat));
    qat = (size_t)(nl - q) + 1;
    n++;
  }
  CHECK(n > 3000 && same == n && at == sl && qat == ql);
  /* not valid UTF-8 (as Java's decoder: overlong, surrogates, above U+10FFFF, cut short, stray
   * continuation), or a NUL: nothing the JVM would have written from these bytes */
  static const char *const bad[] = {"\x80", "a\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
                                    "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf4\x90\x80\x80",
                                    "\xf8\x88\x80\x80\x80", "\xe2\x82", "\xe2\x82x", "\xff", "\xfe", "ok\xc3"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(refused(bad[i], strlen(bad[i])));
  CHECK(refused("a\0b", 3));
  CHECK(quotes_as("\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf", 10, "\"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\"", 12));
  free(s);
  free(q);
}

struct caller {
  struct start_caller c;
  char id[65];
  struct span argv[64], env[64];
};

static void read_caller(struct caller *k, char *buf, size_t len) {
  size_t at = 0;
  struct span id = field(buf, len, &at);
  memcpy(k->id, id.p, 64);
  k->id[64] = '\0';
  k->c.id = k->id;
  k->c.created = strtoull(field(buf, len, &at).p, NULL, 10);
  k->c.cwd = field(buf, len, &at);
  k->c.tty = field(buf, len, &at).len == 3;
  k->c.nargv = strtoul(field(buf, len, &at).p, NULL, 10);
  for (size_t i = 0; i < k->c.nargv && i < 64; i++) k->argv[i] = field(buf, len, &at);
  k->c.nenv = strtoul(field(buf, len, &at).p, NULL, 10);
  for (size_t i = 0; i < k->c.nenv && i < 64; i++) k->env[i] = field(buf, len, &at);
  k->c.argv = k->argv;
  k->c.env = k->env;
}

static int fills_as(const char *t, size_t tl, const struct start_caller *c, const char *want, size_t wlen) {
  struct start_record r;
  char *out = NULL;
  size_t ol = 0;
  if (start_record_parse(t, tl, &r) || start_record_fill(&r, c, &out, &ol)) return 0;
  int same = ol == wlen && !memcmp(out, want, wlen);
  free(out);
  return same;
}

static int record_refused(const char *t, size_t tl) {
  struct start_record r;
  return start_record_parse(t, tl, &r) == -1;
}

/* a copy of t with the first `from` replaced by `to` */
static char *edited(const char *t, size_t tl, const char *from, const char *to, size_t *nl) {
  const char *at = memmem(t, tl, from, strlen(from));
  if (!at) {
    *nl = 0;
    return NULL;
  }
  size_t fl = strlen(from), l = strlen(to), pre = (size_t)(at - t);
  char *b = malloc(tl - fl + l + 1);
  memcpy(b, t, pre);
  memcpy(b + pre, to, l);
  memcpy(b + pre + l, at + fl, tl - pre - fl);
  *nl = tl - fl + l;
  return b;
}

static int edit_refused(const char *t, size_t tl, const char *from, const char *to) {
  size_t nl;
  char *b = edited(t, tl, from, to, &nl);
  int r = b && record_refused(b, nl);
  if (!r) fprintf(stderr, "not refused: `%s` -> `%s`\n", from, to);
  free(b);
  return r;
}

static void config(struct caller *k) {
  size_t tl, wl, nl;
  char *t = load("tests/golden/start-config-template.json", &tl);
  char *want = load("tests/golden/start-config.json", &wl), *notty = load("tests/golden/start-config-notty.json", &nl);
  CHECK(k->c.tty && fills_as(t, tl, &k->c, want, wl));
  struct start_caller c = k->c;
  c.tty = 0;
  CHECK(fills_as(t, tl, &c, notty, nl));
  CHECK(!fills_as(t, tl, &c, want, wl));
  /* the caller's parts that Java would not have written: refused, nothing made */
  struct start_record r;
  char *out = NULL;
  size_t ol;
  CHECK(start_record_parse(t, tl, &r) == 0);
  struct span bad = {"A=\xc3(", 4};
  c = k->c, c.env = &bad, c.nenv = 1;
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1 && !out);
  c = k->c, c.argv = &bad, c.nargv = 1;
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1 && !out);
  c = k->c, c.cwd = bad;
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1 && !out);
  c = k->c, c.nargv = 0;
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1);
  c = k->c, c.nenv = 0;
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1);
  c = k->c, c.id = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1);
  c = k->c, c.id = "0123";
  CHECK(start_record_fill(&r, &c, &out, &ol) == -1);
  /* every proper prefix */
  int all = 1;
  for (size_t n = 0; n < tl; n++) all &= record_refused(t, n);
  CHECK(all);
  /* a token twice, missing, out of order, out of its list, the tty's separator gone; markers */
  CHECK(edit_refused(t, tl, "\"name\": \"app\"", "\"name\": \"\\u0001jbox-start:cwd\""));
  CHECK(edit_refused(t, tl, "\"hostname\": \"app\"", "\"hostname\": \"\\u0001jbox-start:tty\""));
  CHECK(edit_refused(t, tl, "\"\\u0001jbox-start:created\"", "1764870000123"));
  CHECK(edit_refused(t, tl, "\"\\u0001jbox-start:command\"", "\"\\u0001jbox-start:commanD\""));
  CHECK(edit_refused(t, tl, "\"rm\": false", "\"rm\": \"\\u0001jbox-start:command\""));
  CHECK(edit_refused(t, tl, "[\n    \"\\u0001jbox-start:command\"", "[\n    \"sh\",\n    \"\\u0001jbox-start:command\""));
  CHECK(edit_refused(t, tl, "\"\\u0001jbox-start:env\"\n", "\"\\u0001jbox-start:env\",\n      \"A=1\"\n"));
  CHECK(edit_refused(t, tl, "[\n      \"\\u0001jbox-start:env\"", "[\n\t\"\\u0001jbox-start:env\""));
  CHECK(edit_refused(t, tl, "\"\\u0001jbox-start:tty\",\n      \"stdin\"", "\"\\u0001jbox-start:tty\"\n"));
  CHECK(edit_refused(t, tl, "\"\\u0001jbox-start:tty\",\n      \"stdin\"", "\"\\u0001jbox-start:tty\",\n    \"stdin\""));
  CHECK(edit_refused(t, tl, "\"seccomp\",\n", "\"seccomp\",\n      \"\\u0001jbox-start:tty\",\n"));
  CHECK(edit_refused(t, tl, "\"@", "\"X"));      /* no id's place */
  CHECK(edit_refused(t, tl, "\"@", "\"@@"));     /* a run longer than the marker */
  CHECK(edit_refused(t, tl, "\"app\"", "\"\xc3\""));
  char *nul = copy(t, tl);
  ((char *)memmem(nul, tl, "\"app\"", 5))[1] = '\0';
  CHECK(record_refused(nul, tl));
  free(nul);
  /* the tokens moved into another order: the created time before the command */
  char *sw = edited(t, tl, "\"\\u0001jbox-start:command\"", "\"\\u0001jbox-start:XXXXXXX\"", &nl);
  size_t n2;
  char *sw2 = edited(sw, nl, "\"\\u0001jbox-start:created\"", "\"\\u0001jbox-start:command\"", &n2);
  char *sw3 = edited(sw2, n2, "\"\\u0001jbox-start:XXXXXXX\"", "\"\\u0001jbox-start:created\"", &nl);
  CHECK(sw3 && record_refused(sw3, nl));
  free(sw), free(sw2), free(sw3);
  /* the id goes into every marker, and the template needs none of the caller's bytes */
  char *out2 = NULL;
  CHECK(start_record_fill(&r, &k->c, &out2, &ol) == 0 && memmem(out2, ol, k->c.id, 64) && !memmem(out2, ol, "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", 64));
  free(out2);
  free(t), free(want), free(notty);
}

static void exec_plan(struct caller *k) {
  size_t tl, wl;
  char *t = load("tests/golden/start-exec-template.bin", &tl), *want = load("tests/golden/start-exec.bin", &wl);
  struct start_exec e;
  char *out = NULL;
  size_t ol = 0;
  CHECK(start_exec_parse(t, tl, &e) == 0 && start_exec_fill(&e, &k->c, &out, &ol) == 0);
  CHECK(out && ol == wl && !memcmp(out, want, wl));
  free(out);
  out = NULL;
  int all = 1;
  for (size_t n = 0; n < tl; n++) all &= start_exec_parse(t, n, &e) == -1;
  CHECK(all);
  /* a relative working directory, an entry exec_template_parse refuses: nothing made */
  CHECK(start_exec_parse(t, tl, &e) == 0);
  struct start_caller c = k->c;
  c.cwd = (struct span){"rel", 3};
  CHECK(start_exec_fill(&e, &c, &out, &ol) == -1 && !out);
  struct span noeq = {"NOEQ", 4};
  c = k->c, c.env = &noeq, c.nenv = 1;
  CHECK(start_exec_fill(&e, &c, &out, &ol) == -1 && !out);
  /* the caller's plan golden (exec-template.bin, a run's exec template) has no CWD: refused */
  size_t gl;
  char *g = load("tests/golden/exec-template.bin", &gl);
  struct exec_template x;
  int has_cwd = exec_template_parse(g, gl, &x) == 0 && x.cwd.p;
  if (has_cwd || x.env) exec_template_free(&x);
  CHECK(has_cwd || start_exec_parse(g, gl, &e) == -1);
  free(g);
  free(t), free(want);
}

int main(void) {
  json_strings();
  size_t cl;
  char *cb = load("tests/golden/start-caller.bin", &cl);
  struct caller k;
  memset(&k, 0, sizeof k);
  read_caller(&k, cb, cl);
  CHECK(k.c.nargv > 10 && k.c.nargv <= 64 && k.c.nenv > 10 && k.c.nenv <= 64);
  config(&k);
  exec_plan(&k);
  free(cb);
  printf("start_records: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
