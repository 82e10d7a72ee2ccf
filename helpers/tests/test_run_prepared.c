/* A prepared run's KEY (run_prepared.c): the words' hash (the same golden values as
 * RunPreparedHashTest checks of RunPrepared.argvHash), invalid UTF-8 refused, the `argv` value
 * line held only against the same words (and never for a shell's check), and the private
 * directory under runs/ read with the KEY's checks. Runs under ASan/UBSan (`make check`). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "prestart.h"
#include "run_prepared.h"

#define WORDS_HASH "sha256:6a2b3f16326002fa50a956d558edc30e9809a9a9b49078c6eec8bacd2d0c4d47"

static void hashes(void) {
  char h[72];
  CHECK(run_argv_hash(0, NULL, h) == 0 && !strcmp(h, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  char *one[] = {""};
  CHECK(run_argv_hash(1, one, h) == 0 && !strcmp(h, "sha256:6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  char *words[] = {"--rm", "--network=none", "docker.io/library/alpine:latest", "sh", "-c", "echo \"\xc3\xa9\" $x"};
  CHECK(run_argv_hash(6, words, h) == 0 && !strcmp(h, WORDS_HASH));
  /* where the words split is part of the hash */
  char *joined[] = {"--rm --network=none", "docker.io/library/alpine:latest", "sh", "-c", "echo \"\xc3\xa9\" $x"};
  CHECK(run_argv_hash(5, joined, h) == 0 && strcmp(h, WORDS_HASH));
  /* bytes the JVM would not see as they are */
  char *bad[] = {"--rm", "\xff"}, *overlong[] = {"\xc0\xaf"}, *cut[] = {"\xc3"};
  CHECK(run_argv_hash(2, bad, h) == -1);
  CHECK(run_argv_hash(1, overlong, h) == -1);
  CHECK(run_argv_hash(1, cut, h) == -1);
}

static char tmp[] = "/tmp/test-run-prepared-argv-XXXXXX";

/* The KEY's stamp of a scratch file (the decoder wants the jar's and the helper's first). */
static void stamp(char *out, size_t ol, const char *kind, const char *path) {
  struct stat st;
  if (stat(path, &st)) exit(1);
  snprintf(out, ol, "%s %llu %llu %llu %s\n", kind, (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
           (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec, path);
}

static int check(const char *lines, const char *argv) {
  char jar[PATH_MAX], sj[PATH_MAX + 100], sh[PATH_MAX + 100], key[3 * PATH_MAX + 512];
  snprintf(jar, sizeof jar, "%s/jar", tmp);
  stamp(sj, sizeof sj, "jar", jar);
  stamp(sh, sizeof sh, "helper", jar);
  snprintf(key, sizeof key, "jbox-prestart 1\n%s%s%s", sj, sh, lines);
  struct prestart_key k;
  if (prestart_key_parse(key, strlen(key), &k)) return -2;
  struct prestart_call c = {.options = NULL, .store = "/run/user/1/jbox", .jar = jar, .helper = jar, .argv = argv};
  char why[PATH_MAX + 64];
  int r = prestart_key_check(&k, &c, why, sizeof why);
  prestart_key_free(&k);
  return r;
}

static void argv_line(void) {
  if (!mkdtemp(tmp)) exit(1);
  char jar[PATH_MAX + 8];
  snprintf(jar, sizeof jar, "%s/jar", tmp);
  FILE *f = fopen(jar, "w");
  fputs("jar", f);
  fclose(f);
  const char *key = "value argv=" WORDS_HASH "\nvalue store=/run/user/1/jbox\n";
  CHECK(check(key, WORDS_HASH) == 0);
  CHECK(check(key, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == -1);
  CHECK(check(key, NULL) == -1); /* a shell's check has no words */
  CHECK(check("value argv=\n", WORDS_HASH) == -1);
  CHECK(check("value argv=" WORDS_HASH "\nvalue store=/elsewhere\n", WORDS_HASH) == -1);
  unlink(jar);
  rmdir(tmp);
}

static void directory(void) {
  char dir[] = "/tmp/test-run-prepared-XXXXXX", p[PATH_MAX + 64], why[PATH_MAX + 64];
  if (!mkdtemp(dir)) exit(1);
  size_t len;
  CHECK(prepared_read(dir, "runs", "0123456789abcdef.prepared", "key", 1024, &len, why, sizeof why) == NULL && strstr(why, "none:"));
  snprintf(p, sizeof p, "%s/runs", dir);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/runs/0123456789abcdef.prepared", dir);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/runs/0123456789abcdef.prepared/key", dir);
  int fd = open(p, O_CREAT | O_WRONLY, 0600);
  CHECK(write(fd, "jbox-prestart 1\n", 16) == 16);
  close(fd);
  char *t = prepared_read(dir, "runs", "0123456789abcdef.prepared", "key", 1024, &len, why, sizeof why);
  CHECK(t && len == 16 && !memcmp(t, "jbox-prestart 1\n", 16));
  free(t);
  chmod(p, 0644);
  CHECK(prepared_read(dir, "runs", "0123456789abcdef.prepared", "key", 1024, &len, why, sizeof why) == NULL && strstr(why, "0600"));
  chmod(p, 0600);
  /* the directory a symlink, or runs/ one */
  char other[PATH_MAX + 64];
  snprintf(other, sizeof other, "%s/runs/fedcba9876543210.prepared", dir);
  snprintf(p, sizeof p, "%s/runs/0123456789abcdef.prepared", dir);
  CHECK(symlink(p, other) == 0);
  CHECK(prepared_read(dir, "runs", "fedcba9876543210.prepared", "key", 1024, &len, why, sizeof why) == NULL &&
        strstr(why, "cannot open:"));
  snprintf(other, sizeof other, "%s/runs2", dir);
  snprintf(p, sizeof p, "%s/runs", dir);
  CHECK(symlink(p, other) == 0);
  CHECK(prepared_read(dir, "runs2", "0123456789abcdef.prepared", "key", 1024, &len, why, sizeof why) == NULL);
  snprintf(p, sizeof p, "%s/runs/0123456789abcdef.prepared", dir);
  chmod(p, 0750);
  CHECK(prepared_read(dir, "runs", "0123456789abcdef.prepared", "key", 1024, &len, why, sizeof why) == NULL && strstr(why, "0700"));
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

int main(void) {
  hashes();
  argv_line();
  directory();
  printf("test_run_prepared: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
