/* tar.c: the header fields a hostile layer controls, decoded as TarReader decodes them. Archives
 * are built here block by block (ustar headers with their checksum), so each case says exactly
 * which bytes it tests. */
#include "check.h"
#include "tar.h"

static unsigned char arc[64 * 512];
static size_t arc_len, pos;

static long get(void *ctx, const uint8_t **p, size_t max) {
  (void)ctx;
  size_t k = arc_len - pos < max ? arc_len - pos : max;
  if (k > 100) k = 100; /* pieces that cut headers */
  *p = arc + pos;
  pos += k;
  return (long)k;
}

static void sum(unsigned char *h) {
  memset(h + 148, ' ', 8);
  unsigned s = 0;
  for (int i = 0; i < 512; i++) s += h[i];
  snprintf((char *)h + 148, 8, "%06o", s);
}

/* A ustar header: name, type, octal size; returns it for changes (call sum() after). */
static unsigned char *header(const char *name, char type, unsigned long size) {
  unsigned char *h = arc + arc_len;
  memset(h, 0, 512);
  strncpy((char *)h, name, 100);
  snprintf((char *)h + 100, 8, "%07o", 0644);
  snprintf((char *)h + 108, 8, "%07o", 0);
  snprintf((char *)h + 116, 8, "%07o", 0);
  snprintf((char *)h + 124, 12, "%011lo", size & 077777777777ul); /* 11 octal digits */
  snprintf((char *)h + 136, 12, "%011o", 1700000000);
  h[156] = (unsigned char)type;
  memcpy(h + 257, "ustar\0" "00", 8);
  sum(h);
  arc_len += 512;
  return h;
}

static void content(const char *s) {
  size_t n = strlen(s);
  memset(arc + arc_len, 0, (n + 511) / 512 * 512);
  memcpy(arc + arc_len, s, n);
  arc_len += (n + 511) / 512 * 512;
}

/* An extended header (type 'x', 'g' or 'L') holding text. */
static void extended(char type, const char *text) {
  header(type == 'g' ? "g" : "x", type, strlen(text));
  content(text);
}

static struct tar_reader r;
static void start(void) {
  pos = 0;
  tar_init(&r, get, NULL, 4096);
}

int main(void) {
  struct tar_entry e;
  const uint8_t *p;

  /* a file, its content in pieces, then the end */
  arc_len = 0;
  header("dir/file", '0', 11);
  content("hello world");
  start();
  CHECK(tar_next(&r, &e) == 1 && !strcmp(e.name, "dir/file") && e.size == 11 && e.mode == 0644 && e.mtime == 1700000000);
  long got = 0, k;
  while ((k = tar_data(&r, &p, 4)) > 0) got += k;
  CHECK(got == 11 && k == 0);
  tar_entry_free(&e);
  CHECK(tar_next(&r, &e) == 0); /* no end blocks: tolerated */
  tar_free(&r);

  /* base-256 size and uid, the ustar prefix, and a checksum summed over signed bytes */
  arc_len = 0;
  unsigned char *h = header("f", '0', 0);
  memset(h + 124, 0, 12);
  h[124] = 0x80;
  h[135] = 3;
  memset(h + 108, 0, 8);
  h[108] = 0x80;
  h[114] = 0x01;
  h[115] = 0x00; /* uid 256 */
  strcpy((char *)h + 345, "pre/fix");
  h[500] = 0xff; /* in the padding: a signed sum differs from the unsigned one */
  memset(h + 148, ' ', 8);
  int ssum = 0;
  for (int i = 0; i < 512; i++) ssum += (signed char)h[i];
  snprintf((char *)h + 148, 8, "%06o", ssum);
  content("abc");
  start();
  CHECK(tar_next(&r, &e) == 1 && e.size == 3 && e.uid == 256 && !strcmp(e.name, "pre/fix/f"));
  tar_entry_free(&e);
  tar_free(&r);

  /* errors, each its own */
  arc_len = 0;
  h = header("f", '0', 0);
  h[0] = 'g'; /* the checksum no longer matches */
  start();
  CHECK(tar_next(&r, &e) == -1 && strstr(r.err, "checksum mismatch"));
  tar_free(&r);
  arc_len = 0;
  h = header("f", '0', 0);
  h[124] = 0xc0; /* negative base-256 */
  sum(h);
  start();
  CHECK(tar_next(&r, &e) == -1 && strstr(r.err, "negative base-256"));
  tar_free(&r);
  arc_len = 0;
  header("s", 'S', 0);
  start();
  CHECK(tar_next(&r, &e) == -1 && strstr(r.err, "sparse files"));
  tar_free(&r);
  arc_len = 0;
  header("f", '0', 600);
  content("short");
  start();
  CHECK(tar_next(&r, &e) == 1);
  while ((k = tar_data(&r, &p, 1000)) > 0) {
  }
  CHECK(k == -1 && strstr(r.err, "inside a file"));
  tar_entry_free(&e);
  tar_free(&r);

  /* PAX: a global path, a member's own wins; an empty value removes; xattrs from the member only;
   * a length that overruns the header is refused */
  arc_len = 0;
  extended('g', "13 path=glob\n");
  extended('x', "12 path=own\n25 SCHILY.xattr.user.a=b\n16 mtime=-12.75\n");
  header("ignored", '0', 0);
  extended('x', "8 path=\n");
  header("hdr", '0', 0);
  start();
  CHECK(tar_next(&r, &e) == 1 && !strcmp(e.name, "own") && e.nxattrs == 1 && !strcmp(e.xattrs[0].name, "user.a") &&
        e.xattrs[0].len == 1 && e.mtime == -12);
  tar_entry_free(&e);
  CHECK(tar_next(&r, &e) == 1 && !strcmp(e.name, "glob") && e.nxattrs == 0); /* the local empty path removed only its own */
  tar_entry_free(&e);
  tar_free(&r);
  arc_len = 0;
  extended('x', "99 path=x\n");
  header("f", '0', 0);
  start();
  CHECK(tar_next(&r, &e) == -1 && strstr(r.err, "malformed PAX record"));
  tar_free(&r);

  /* components: '/', '.', '..' as LayerExtractor.components treats them */
  char a[] = "/a/./b//../c/", *bufs[] = {a};
  char err[128], **c;
  int n = tar_components(bufs[0], strlen(a), &c, err, sizeof err);
  CHECK(n == 2 && !strcmp(c[0], "a") && !strcmp(c[1], "c"));
  free(c);
  char b[] = "a/../../x";
  CHECK(tar_components(b, strlen(b), &c, err, sizeof err) == -1 && strstr(err, "escapes"));
  char d[] = "./";
  n = tar_components(d, strlen(d), &c, err, sizeof err);
  CHECK(n == 0);
  free(c);
  char nul[] = "a/b\0c";
  CHECK(tar_components(nul, 5, &c, err, sizeof err) == -1 && strstr(err, "NUL"));

  printf("test_tar: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
