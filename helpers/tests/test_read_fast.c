/* logs, wait and version without the JVM (read_fast.c): the logs command lines taken and left to
 * picocli, the log decoder against SandboxLog.Parser's rules (parts joined per stream across the
 * two files, old-format lines, an unfinished last record and line, times java.time would judge
 * left to the JVM), and the version cache's form. */
#include <stdio.h>
#include <string.h>

#include "read_fast.h"
#include "tests/check.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(c, ...) logs_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)

#define T1 "2026-12-03T17:20:00.123456789Z"
#define T2 "2026-12-03T17:20:01.000000001Z"

static int entry_is(const struct log_entries *l, size_t i, const char *time, int err, const char *text, int newline) {
  if (i >= l->n) return 0;
  const struct log_entry *e = &l->e[i];
  int t = time ? e->time && !memcmp(e->time, time, 30) : e->time == NULL;
  int ok = t && e->err == err && e->newline == newline && e->len == strlen(text) && (!e->len || !memcmp(l->text.p + e->off, text, e->len));
  if (!ok) fprintf(stderr, "entry %zu: err %d newline %d len %zu\n", i, e->err, e->newline, e->len);
  return ok;
}

static int parse(const char *s, struct log_entries *l) { return logs_parse(s, strlen(s), l); }

int main(void) {
  struct logs_call c;
  CHECK(PARSE(&c, "x") == 0 && c.nref == 1 && c.tail == -1 && !c.follow && !c.timestamps && !c.names);
  CHECK(PARSE(&c, "-t", "--tail", "5", "a", "b") == 0 && c.nref == 2 && c.tail == 5 && c.timestamps);
  CHECK(PARSE(&c, "--tail=0", "-nft", "a") == 0 && c.tail == 0 && c.names && c.follow && c.timestamps);
  CHECK(PARSE(&c, "a", "--timestamps", "--names", "--follow", "--tail", "-1") == 0 && c.tail == -1 && c.names && c.follow);
  /* picocli's: repeats, bad or odd tails, other options, help, --, @files, no sandbox */
  CHECK(PARSE(&c, "-t", "-t", "a") == -1 && PARSE(&c, "-tt", "a") == -1 && PARSE(&c, "--tail", "1", "--tail", "2", "a") == -1);
  CHECK(PARSE(&c, "--tail", "-2", "a") == -1 && PARSE(&c, "--tail", "+1", "a") == -1 && PARSE(&c, "--tail", "01", "a") == -1);
  CHECK(PARSE(&c, "--tail", "x", "a") == -1 && PARSE(&c, "--tail=", "a") == -1 && PARSE(&c, "a", "--tail") == -1);
  CHECK(PARSE(&c, "--tail", "1234567890", "a") == -1 && PARSE(&c, "--since", "1h", "a") == -1 && PARSE(&c, "-x", "a") == -1);
  CHECK(PARSE(&c, "--", "a") == -1 && PARSE(&c, "-h") == -1 && PARSE(&c, "@f") == -1 && PARSE(&c, "-t") == -1);
  CHECK(PARSE(&c, "a b") == -1 && PARSE(&c, "") == -1 && PARSE(&c, "-") == -1 && PARSE(&c, "--tail") == -1);

  struct log_entries l;
  /* F lines, parts joined per stream, the P's time kept, empty texts */
  CHECK(parse(T1 " stdout F hello\n" T1 " stderr P par\n" T2 " stdout F x\n" T2 " stderr F tial\n" T2 " stdout F\n", &l) == 0);
  CHECK(l.n == 4 && !l.legacy && entry_is(&l, 0, T1, 0, "hello", 1) && entry_is(&l, 1, T2, 0, "x", 1));
  CHECK(entry_is(&l, 2, T1, 1, "partial", 1) && entry_is(&l, 3, T2, 0, "", 1));
  logs_free(&l);
  /* the end: an unterminated record, then each stream's unfinished line; old-format lines */
  CHECK(parse("raw line\n" T1 " stdout P a\n" T1 " stderr P b\n" T2 " stdout P c\n" T2 " stdout F tail-less", &l) == 0);
  CHECK(l.n == 3 && l.legacy && entry_is(&l, 0, NULL, 0, "raw line", 1) && entry_is(&l, 1, T1, 0, "actail-less", 1));
  CHECK(entry_is(&l, 2, T1, 1, "b", 0));
  logs_free(&l);
  CHECK(parse("no newline", &l) == 0 && l.n == 1 && entry_is(&l, 0, NULL, 0, "no newline", 0));
  logs_free(&l);
  /* not records: another stream word, a tag not F/P, no space after the tag, no space at all */
  CHECK(parse(T1 " stdin F x\n" T1 " stdout X x\n" T1 " stdout Fx\n" T1 "\n", &l) == 0 && l.n == 4 && l.legacy);
  CHECK(entry_is(&l, 0, NULL, 0, T1 " stdin F x", 1) && entry_is(&l, 2, NULL, 0, T1 " stdout Fx", 1) && entry_is(&l, 3, NULL, 0, T1, 1));
  logs_free(&l);
  CHECK(parse(T1 " stdout F", &l) == 0 && l.n == 1 && entry_is(&l, 0, T1, 0, "", 1)); /* the tag ends the record */
  logs_free(&l);
  CHECK(parse("", &l) == 0 && l.n == 0);
  logs_free(&l);
  /* a short first word, or one without '-' at 4 and 'T' at 10, is no time: an old line */
  CHECK(parse("2026-12-03 stdout F x\nabcdefghijklmnopqrstuvwxyz stdout F y\n", &l) == 0 && l.n == 2 && l.legacy);
  logs_free(&l);
  /* times the JVM's general parser would judge: the JVM's */
  CHECK(parse("2026-12-03T17:20:00Z stdout F x\n", &l) == -1);
  CHECK(parse("2026-12-03T17:20:00.123456789+01:00 stdout F x\n", &l) == -1);
  CHECK(parse("2026-13-03T17:20:00.123456789Z stdout F x\n", &l) == -1);
  CHECK(parse("2026-12-03T17:20:60.123456789Z stdout F x\n", &l) == -1);
  CHECK(parse("2026-12-03T17:20:00.12345678xZ stdout F x\n", &l) == -1);
  CHECK(parse("ok line\n2026-02-29T00:00:00.000000000Z stdout F x\n", &l) == -1); /* not a leap year */
  CHECK(parse("2024-02-29T00:00:00.000000000Z stdout F x\n", &l) == 0 && l.n == 1);
  logs_free(&l);

  /* the version cache: the key first, four printable values, nothing else */
  char good[] = "K 1 2\n0.1.0\n17.0.15\nOpenJDK 64-Bit Server VM 17.0.15+6\nlinux/amd64\n";
  const char *v[4];
  CHECK(version_cache_parse(good, strlen(good), "K 1 2", v) == 0 && !strcmp(v[0], "0.1.0") && !strcmp(v[3], "linux/amd64"));
  char other[] = "K 1 3\n0.1.0\n17\nvm\nlinux/amd64\n";
  CHECK(version_cache_parse(other, strlen(other), "K 1 2", v) == -1);
  char cut[] = "K\n0.1.0\n17\nvm\nlinux/amd64";
  CHECK(version_cache_parse(cut, strlen(cut), "K", v) == -1);
  char more[] = "K\n0.1.0\n17\nvm\nlinux/amd64\nx\n";
  CHECK(version_cache_parse(more, strlen(more), "K", v) == -1);
  char empty[] = "K\n0.1.0\n\nvm\nlinux/amd64\n";
  CHECK(version_cache_parse(empty, strlen(empty), "K", v) == -1);
  char high[] = "K\n0.1.0\n17\nv\xc3\xa9\nlinux/amd64\n";
  CHECK(version_cache_parse(high, strlen(high), "K", v) == -1);
  char nul[] = "K\n0.1\0\n17\nvm\nlinux/amd64\n";
  CHECK(version_cache_parse(nul, sizeof nul - 1, "K", v) == -1);

  /* volume names as VolumeStore.validName, ASCII only; volume.json strict JSON objects */
  CHECK(volume_name_ok("a") && volume_name_ok("Zed.1_x-y") && volume_name_ok("9"));
  CHECK(!volume_name_ok("") && !volume_name_ok("-a") && !volume_name_ok(".a") && !volume_name_ok("_a") && !volume_name_ok("a b"));
  CHECK(!volume_name_ok("a/b") && !volume_name_ok("\xc3\xa9t\xc3\xa9") && !volume_name_ok("a\n"));
  char longname[257];
  memset(longname, 'n', 256);
  longname[256] = '\0';
  CHECK(!volume_name_ok(longname) && (longname[255] = '\0', volume_name_ok(longname)));
  const char *obj = " {\"a\": [1, 2.5e3, true, null, {\"b\": \"\\u00e9\"}]}\n";
  CHECK(ps_json_object("{}", 2) == 0 && ps_json_object(obj, strlen(obj)) == 0);
  CHECK(ps_json_object("[]", 2) == -1 && ps_json_object("{", 1) == -1 && ps_json_object("{} x", 4) == -1 && ps_json_object("{\"a\": 01}", 9) == -1);
  CHECK(ps_json_object("", 0) == -1 && ps_json_object("{\"a\" 1}", 7) == -1 && ps_json_object("{'a': 1}", 8) == -1);

  /* volume.json as VolumeStore.get reads it */
  struct ps_volume vol;
  const char *vj = "{\"name\": \"v\", \"created\": 1796424415500, \"labels\": {\"z\": \"1\", \"a\": \"x\", \"z\": \"2\"}, "
                   "\"anonymous\": true, \"copyUp\": \"true\", \"options\": {\"type\": \"tmpfs\"}}";
  CHECK(ps_volume_parse(vj, strlen(vj), &vol) == 0 && vol.created == 1796424415500LL && vol.anonymous && !vol.copy_up);
  CHECK(vol.labels.n == 2 && !strcmp(vol.labels.name[0].p, "a") && !strcmp(vol.labels.name[1].p, "z") && !strcmp(vol.labels.digest[1].p, "2"));
  CHECK(vol.options.n == 1 && !strcmp(vol.options.digest[0].p, "tmpfs"));
  ps_volume_free(&vol);
  const char *vz = "{\"created\": \"x\", \"labels\": [], \"options\": null, \"copyUp\": true}";
  CHECK(ps_volume_parse(vz, strlen(vz), &vol) == 0 && vol.created == 0 && vol.labels.n == 0 && vol.options.n == 0 && vol.copy_up);
  ps_volume_free(&vol);
  const char *bad[] = {"{\"created\": 1.5}", "{\"labels\": {\"a\": 1}}", "{\"labels\": {\"\\u00e9\": \"x\"}}", "{\"labels\": {\"a\": \"\\u00e9\"}}",
                       "[]", "{\"labels\": {\"\": \"x\"}}", "{\"created\": 1234567890123456789}", "{"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(ps_volume_parse(bad[i], strlen(bad[i]), &vol) == -1);
  /* a record's mounts that may name a volume */
  struct ps_record r;
  const char *rv = "{\"name\": \"x\", \"kind\": \"run\", \"mounts\": [\"--tmpfs /t\", 5, \"-v vol:/v\"]}";
  CHECK(ps_record_parse(rv, strlen(rv), &r) == 0 && r.volume_mounts);
  ps_record_free(&r);
  const char *rm = "{\"name\": \"x\", \"mounts\": [\"--tmpfs /t\", \"--mountain\", \"-vx\"], \"kind\": \"shell\"}";
  CHECK(ps_record_parse(rm, strlen(rm), &r) == 0 && !r.volume_mounts && r.shell);
  ps_record_free(&r);
  const char *rl = "{\"mounts\": [\"--mount type=volume,source=a-long-volume-name,target=/x\"]}";
  CHECK(ps_record_parse(rl, strlen(rl), &r) == 0 && r.volume_mounts);
  ps_record_free(&r);

  /* keys of any length reach the decoders (a tag name of 300 bytes was passed over before), the
   * empty one too (the JVM's TreeMap holds it: not sure here) */
  char tj[400];
  snprintf(tj, sizeof tj, "{\"%0300d:1\": \"sha256:x\"}", 0);
  struct ps_tags tg;
  CHECK(ps_tags_parse(tj, strlen(tj), &tg) == 0 && tg.n == 1 && tg.name[0].len == 302);
  ps_tags_free(&tg);
  CHECK(ps_tags_parse("{\"\": \"x\"}", 9, &tg) == -1 && ps_tags_parse("{\"a\": \"x\", \"\": \"y\", \"\": \"z\"}", 25, &tg) == -1);

  /* top: a sandbox's etc/passwd as SandboxPasswd.users reads it */
  {
    static const char pw[] = "root:x:0:0:root:/root:/bin/sh\nbad:x:1x:1\n:x:7\ndup:x:0:0\nshort:x\nempty::\n"
                             "nine:x:0009:9\nlast:x:1000";
    struct top_user *u;
    size_t nu;
    CHECK(top_passwd_parse(pw, strlen(pw), &u, &nu) == 0 && nu == 4);
    CHECK(u[0].uid == 0 && !strcmp(u[0].name, "root") && u[1].uid == 7 && !strcmp(u[1].name, "") && u[2].uid == 9 &&
          !strcmp(u[2].name, "nine") && u[3].uid == 1000 && !strcmp(u[3].name, "last"));
    top_users_free(u, nu);
    CHECK(top_passwd_parse("caf\xc3\xa9:x:1\n", 12, &u, &nu) == -1);        /* not ASCII: the JVM's decoder */
    CHECK(top_passwd_parse("big:x:1234567890123456789\n", 26, &u, &nu) == -1); /* may not fit a long: the JVM */
    CHECK(top_passwd_parse("", 0, &u, &nu) == 0 && nu == 0);
    top_users_free(u, nu);
  }

  printf("test_read_fast: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
