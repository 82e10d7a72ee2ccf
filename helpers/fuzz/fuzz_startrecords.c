/* libFuzzer target: the record templates of a prepared start and the JSON writer
 * (start_records.c). Every input is quoted (an accepted one must be valid UTF-8 without a NUL
 * and decode back to itself), decoded as a record template and as an exec template (an accepted
 * one is filled twice: with fixed hostile parts, then with parts cut from the input itself; the
 * result must be all of a record, with the id and none of its markers left), and its
 * NUL-separated fields are used as the caller's parts of the seed templates' shape. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_fast.h"
#include "prestart.h"

static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* Json's string form back to bytes: -1 when it is not one json_quote writes */
static long unquote(const char *q, size_t n, char *out) {
  if (n < 2 || q[0] != '"' || q[n - 1] != '"') return -1;
  size_t o = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    unsigned char c = (unsigned char)q[i];
    if (c == '"' || c < 0x20) return -1;
    if (c != '\\') {
      out[o++] = (char)c;
      continue;
    }
    if (i + 2 >= n) return -1;
    char e = q[++i];
    if (e == '"' || e == '\\') out[o++] = e;
    else if (e == 'n') out[o++] = '\n';
    else if (e == 'r') out[o++] = '\r';
    else if (e == 't') out[o++] = '\t';
    else if (e == 'u' && i + 5 < n && !memcmp(q + i + 1, "00", 2) && (q[i + 3] == '0' || q[i + 3] == '1')) {
      const char *hex = "0123456789abcdef", *d = q[i + 4] ? strchr(hex, q[i + 4]) : NULL;
      if (!d) return -1;
      unsigned v = (unsigned)(q[i + 3] - '0') << 4 | (unsigned)(d - hex);
      if (v == '\n' || v == '\r' || v == '\t') return -1; /* written short */
      out[o++] = (char)v;
      i += 4;
    } else return -1;
  }
  return (long)o;
}

static void quote(const char *b, size_t size) {
  struct out o = {0};
  int r = json_quote(&o, b, size);
  int valid = !memchr(b, '\0', size) && utf8_valid(b, size);
  if ((r == 0) != valid) abort();
  if (r == 0) {
    char *back = malloc(o.len + 1);
    if (!back) abort();
    long n = unquote(o.p, o.len, back);
    if (n != (long)size || memcmp(back, b, size)) abort();
    free(back);
  }
  free(o.p);
}

static void check_record(const char *out, size_t len) {
  if (len < 6 || memcmp(out, "{\n", 2) || memcmp(out + len - 3, "\n}\n", 3) || !memmem(out, len, id, 64)) abort();
  if (!utf8_valid(out, len) || memchr(out, '\0', len)) abort();
}

static void records(const char *b, size_t size, const struct start_caller *fixed, const struct start_caller *cut) {
  struct start_record r;
  if (start_record_parse(b, size, &r) == 0) {
    if (r.text[0].p != b || r.text[RECORD_TOKENS].p + r.text[RECORD_TOKENS].len != b + size) abort();
    for (const struct start_caller *c = fixed; c; c = c == fixed ? cut : NULL) {
      char *out;
      size_t len;
      if (start_record_fill(&r, c, &out, &len) == 0) {
        check_record(out, len);
        free(out);
      }
    }
  }
  struct start_exec e;
  if (start_exec_parse(b, size, &e) == 0) {
    for (const struct start_caller *c = fixed; c; c = c == fixed ? cut : NULL) {
      char *out;
      size_t len;
      if (start_exec_fill(&e, c, &out, &len) == 0) {
        struct exec_template t;
        if (exec_template_parse(out, len, &t)) abort();
        exec_template_free(&t);
        free(out);
      }
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *b = (const char *)data;
  quote(b, size);
  static const struct span argv[] = {{"sh", 2}, {"-c", 2}, {"echo \"\\\t\x01\xc3\xa9", 9}};
  static const struct span env[] = {{"A=\"x\"\n", 6}, {"JBOX_SANDBOX=app", 16}};
  struct start_caller fixed = {id, 1764870000123ULL, argv, 3, env, 2, {"/p/\x7f\"", 5}, 1};
  /* the input's NUL-separated fields: the first the working directory, then argv and env halves */
  struct span f[16];
  size_t nf = 0;
  for (size_t at = 0; at < size && nf < 16;) {
    const char *z = memchr(b + at, '\0', size - at);
    size_t l = z ? (size_t)(z - b - at) : size - at;
    f[nf++] = (struct span){b + at, l};
    at += l + 1;
  }
  struct start_caller cut = fixed;
  if (nf >= 3) {
    cut.cwd = f[0];
    cut.argv = f + 1, cut.nargv = (nf - 1) / 2;
    cut.env = f + 1 + cut.nargv, cut.nenv = nf - 1 - cut.nargv;
    cut.tty = (int)(size & 1);
  }
  records(b, size, &fixed, &cut);
  /* the seed templates with the input's parts */
  static char *tmpl;
  static size_t tlen;
  if (!tmpl) {
    static const char seed[] =
        "{\n  \"id\": \"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\",\n  \"command\": [\n"
        "    \"\\u0001jbox-start:command\"\n  ],\n  \"created\": \"\\u0001jbox-start:created\",\n  \"process\": {\n"
        "    \"env\": [\n      \"\\u0001jbox-start:env\"\n    ],\n    \"cwd\": \"\\u0001jbox-start:cwd\",\n"
        "    \"flags\": [\n      \"seccomp\",\n      \"\\u0001jbox-start:tty\",\n      \"stdin\"\n    ]\n  }\n}\n";
    tmpl = strdup(seed);
    tlen = strlen(seed);
  }
  struct start_record r;
  if (start_record_parse(tmpl, tlen, &r)) abort();
  if (nf >= 3) {
    char *out;
    size_t len;
    int ok = 1;
    for (size_t i = 0; i < nf; i++) ok &= utf8_valid(f[i].p, f[i].len);
    ok &= cut.nargv > 0 && cut.nenv > 0;
    int r2 = start_record_fill(&r, &cut, &out, &len);
    if ((r2 == 0) != ok) abort();
    if (r2 == 0) {
      check_record(out, len);
      free(out);
    }
  }
  return 0;
}
