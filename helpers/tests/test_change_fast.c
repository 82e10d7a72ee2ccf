/* stop and rm without the JVM (change_fast.c): the command-line forms they take and leave to the
 * JVM, what stop reads of a record, and the trees rm deletes itself (never through a symlink,
 * never across a mount, never a tree it could not finish as this user). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "change_fast.h"
#include "exec_fast.h"
#include "plan.h"
#include "ps_fast.h"
#include "tests/check.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define STOP(c, ...) stop_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)
#define RM(c, ...) rm_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)

static int rec(const char *json, struct stop_record *r) { return stop_record_parse(json, strlen(json), r); }

/* A record as the JVM writes it (Json.pretty of SandboxRecord.toJson and a newline): the parts
 * of a run sandbox with process rules, an overlay and a restart policy. */
static const char REC_HEAD[] = "{\n  \"id\": \"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\",\n  \"name\": ";
static const char REC_TAIL[] =
    ",\n  \"kind\": \"run\",\n  \"image\": \"alpine\",\n  \"imageId\": \"sha256:00\",\n  \"rootfs\": null,\n"
    "  \"command\": [\n    \"sh\",\n    \"-c\",\n    \"a\\\"b\\u0001\\n\xc3\xa9\"\n  ],\n  \"created\": 1764900000000,\n  \"rm\": false,\n"
    "  \"hostname\": \"h\",\n  \"network\": \"none\",\n  \"ports\": [],\n  \"mounts\": [\n    \"-v /a:/b\"\n  ],\n"
    "  \"stopSignal\": \"TERM\",\n  \"overlay\": {\n    \"lower\": [\n      \"/l1\"\n    ],\n    \"upper\": \"/u\",\n"
    "    \"work\": \"/w\"\n  },\n  \"namespaces\": {\n    \"user\": \"new\",\n    \"pid\": \"new\"\n  },\n"
    "  \"process\": {\n    \"env\": [\n      \"A=1\"\n    ],\n    \"cwd\": \"/\",\n    \"user\": \"0:0\",\n"
    "    \"capabilities\": \"18446744073709551615\",\n    \"flags\": [],\n    \"rlimits\": [\n      [\n        7,\n"
    "        1024,\n        -1\n      ]\n    ]\n  },\n  \"etcFiles\": null,\n  \"plan\": \"QUJD\",\n"
    "  \"restart\": \"always\"\n}\n";
#define RID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* rename_record_text of REC_HEAD + name + REC_TAIL with one edit (from -> to, NULL: none): 0 when
 * it took it (and the result is the same text named "new"), -1 when it left it to the JVM */
static int renamed(const char *name, const char *from, const char *to) {
  char text[4096], want[4096];
  snprintf(text, sizeof text, "%s%s%s", REC_HEAD, name, REC_TAIL);
  snprintf(want, sizeof want, "%s\"new\"%s", REC_HEAD, REC_TAIL);
  if (from) {
    char *at = strstr(text, from);
    if (!at) return 99;
    char rest[4096];
    snprintf(rest, sizeof rest, "%s", at + strlen(from));
    snprintf(at, sizeof text - (size_t)(at - text), "%s%s", to, rest);
  }
  char *out;
  size_t n;
  struct span old;
  int rc = rename_record_text(text, strlen(text), RID "aaaaaaaa", "new", &out, &n, &old);
  if (rc) return rc;
  int same = !from && n == strlen(want) && !memcmp(out, want, n);
  free(out);
  return from || same ? 0 : 98;
}

static void touch(int dir, const char *name) {
  int fd = openat(dir, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

int main(void) {
  struct change_call c;
  CHECK(STOP(&c, "web") == 0 && c.seconds == 10 && !c.seconds_word && c.nrefs == 1 && !strcmp(c.refs[0], "web"));
  CHECK(STOP(&c, "-t", "0", "web") == 0 && c.seconds == 0 && !strcmp(c.seconds_word, "0"));
  CHECK(STOP(&c, "a", "--time", "5", "b") == 0 && c.seconds == 5 && c.nrefs == 2 && !strcmp(c.refs[1], "b"));
  CHECK(STOP(&c, "--time=7", "-t", "3", "a") == 0 && c.seconds == 3); /* the last wins */
  CHECK(STOP(&c, "-t", "999999999", "a") == 0 && c.seconds == 999999999);
  CHECK(STOP(&c, "-t", "1000000000", "a") == -1 && STOP(&c, "-t", "010", "a") == -1 && STOP(&c, "-t", "+1", "a") == -1);
  CHECK(STOP(&c, "-t", "-1", "a") == -1 && STOP(&c, "-t", "0x1", "a") == -1 && STOP(&c, "-t", "", "a") == -1);
  CHECK(STOP(&c, "-t0", "a") == -1 && STOP(&c, "-t=0", "a") == -1 && STOP(&c, "--time", "a") == -1);
  CHECK(STOP(&c, "-t", "1") == -1 && STOP(&c, "-h", "a") == -1 && STOP(&c, "--", "a") == -1 && STOP(&c, "@f") == -1);
  CHECK(STOP(&c, "", "a") == -1 && STOP(&c, "-", "a") == -1 && stop_call_parse(0, ARGS(NULL), &c) == -1);
  char *many[CHANGE_MAX_REFS + 1];
  for (int i = 0; i <= CHANGE_MAX_REFS; i++) many[i] = "x";
  CHECK(stop_call_parse(CHANGE_MAX_REFS, many, &c) == 0 && c.nrefs == CHANGE_MAX_REFS);
  CHECK(stop_call_parse(CHANGE_MAX_REFS + 1, many, &c) == -1);

  CHECK(RM(&c, "a") == 0 && c.nrefs == 1 && RM(&c, "a", "b", "c") == 0 && c.nrefs == 3);
  CHECK(RM(&c, "-f", "a") == -1 && RM(&c, "a", "-v") == -1 && RM(&c, "--force", "a") == -1 && RM(&c, "--", "a") == -1);
  CHECK(RM(&c, "@a") == -1 && RM(&c, "") == -1 && rm_call_parse(0, ARGS(NULL), &c) == -1);

  struct stop_record r;
  CHECK(rec("{\"name\": \"web\", \"kind\": \"run\", \"stopSignal\": \"TERM\"}", &r) == 0 && r.has_name && !strcmp(r.name, "web") &&
        r.sig == 15 && !r.restart);
  CHECK(rec("{\"name\": null, \"kind\": \"run\"}", &r) == 0 && !r.has_name && r.sig == 15); /* no stopSignal: TERM */
  CHECK(rec("{\"name\": \"\", \"kind\": \"run\"}", &r) == 0 && r.has_name && !r.name[0]); /* (found by fuzz_changefast) */
  CHECK(rec("{\"kind\": \"run\", \"stopSignal\": 3}", &r) == 0 && r.sig == 15);            /* not a string: TERM */
  CHECK(rec("{\"kind\": \"run\", \"stopSignal\": \"sigquit\"}", &r) == 0 && r.sig == 3);
  CHECK(rec("{\"kind\": \"run\", \"stopSignal\": \"37\"}", &r) == 0 && r.sig == 37);
  CHECK(rec("{\"kind\": \"run\", \"stopSignal\": \"bogus\"}", &r) == 0 && r.sig == -1);
  CHECK(rec("{\"kind\": \"run\", \"stopSignal\": \"\"}", &r) == 0 && r.sig == -1);
  CHECK(rec("{\"kind\": \"run\", \"stopSignal\": \"TERM\\u0000\"}", &r) == 0 && r.sig == -1);
  CHECK(rec("{\"kind\": \"run\", \"restart\": \"always\"}", &r) == 0 && r.restart);
  CHECK(rec("{\"kind\": \"run\", \"restart\": null}", &r) == 0 && r.restart); /* any restart key: the JVM */
  CHECK(rec("{\"kind\": \"oci\"}", &r) == -1 && rec("garbage", &r) == -1 && rec("", &r) == -1);
  CHECK(rec("{\"kind\": \"run\", \"name\": \"w\\u00e9b\"}", &r) == -1); /* not ASCII */
  CHECK(rec("{\"kind\": \"run\", \"name\": \"a\\u0000b\"}", &r) == -1);
  CHECK(stop_record_parse("{\"kind\": \"run\", \"name\": \"\xc3\"}", 26, &r) == -1); /* not UTF-8 */

  /* volume create NAME: podman's names, and volume.json as Json.pretty writes it */
  CHECK(volume_name_valid("v") && volume_name_valid("a.b-c_D9") && volume_name_valid("9"));
  CHECK(!volume_name_valid("") && !volume_name_valid(".x") && !volume_name_valid("-x") && !volume_name_valid("_x"));
  CHECK(!volume_name_valid("a/b") && !volume_name_valid("a b") && !volume_name_valid("\xc3\xa9") && !volume_name_valid("a:b"));
  char longname[300];
  memset(longname, 'x', sizeof longname);
  longname[255] = '\0';
  CHECK(volume_name_valid(longname));
  longname[255] = 'x';
  longname[256] = '\0';
  CHECK(!volume_name_valid(longname));
  char text[512];
  CHECK(volume_record_text("v1", 1796423087404LL, text, sizeof text) > 0 &&
        !strcmp(text, "{\n  \"name\": \"v1\",\n  \"created\": 1796423087404,\n  \"labels\": {},\n  \"anonymous\": false,\n"
                      "  \"copyUp\": true\n}\n"));
  CHECK(volume_record_text("v1", 1, text, 40) == -1);

  /* volume rm: volume.json must be an object the JVM parses; a record's mounts */
  CHECK(ps_json_object_ok("{\"name\": \"v\", \"labels\": {}, \"copyUp\": true}", 43) == 0);
  CHECK(ps_json_object_ok("{garbage", 8) == -1 && ps_json_object_ok("[]", 2) == -1 && ps_json_object_ok("{} x", 4) == -1);
  CHECK(ps_json_object_ok("", 0) == -1 && ps_json_object_ok("{\"a\": \"\xff\"}", 10) == -1);
  struct ps_record pr;
  CHECK(ps_record_parse("{\"mounts\": []}", 14, &pr) == 0 && !pr.has_mounts);
  ps_record_free(&pr);
  CHECK(ps_record_parse("{\"mounts\": [ ]}", 15, &pr) == 0 && !pr.has_mounts);
  ps_record_free(&pr);
  CHECK(ps_record_parse("{\"mounts\": [\"-v v:/d\"]}", 23, &pr) == 0 && pr.has_mounts);
  ps_record_free(&pr);
  CHECK(ps_record_parse("{\"mounts\": null}", 16, &pr) == 0 && pr.has_mounts); /* not sure: as if it had some */
  ps_record_free(&pr);
  CHECK(ps_record_parse("{\"name\": \"x\"}", 13, &pr) == 0 && !pr.has_mounts);
  ps_record_free(&pr);

  /* trees: made in a scratch directory of ours */
  char tmpl[] = "/tmp/test_change_fast.XXXXXX";
  CHECK(mkdtemp(tmpl) != NULL);
  int top = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(top >= 0);
  CHECK(change_tree_deletable(top, "absent") == 0 && change_tree_delete(top, "absent") == 0);
  mkdirat(top, "t", 0700);
  mkdirat(top, "t/a", 0700);
  mkdirat(top, "t/a/b", 0755);
  touch(top, "t/a/b/f");
  mkfifoat(top, "t/a/fifo", 0600);
  mkdirat(top, "outside", 0700);
  touch(top, "outside/keep");
  CHECK(symlinkat(tmpl, top, "t/a/up") == 0);           /* a link to the scratch directory */
  CHECK(symlinkat("../../outside", top, "t/a/b/out") == 0); /* and one to a directory beside */
  CHECK(change_tree_deletable(top, "t") == 0);
  /* a link, or a file, where the directory should be: not deletable here */
  CHECK(symlinkat("outside", top, "link") == 0);
  CHECK(change_tree_deletable(top, "link") == -1);
  touch(top, "file");
  CHECK(change_tree_deletable(top, "file") == -1);
  /* a directory we cannot write, or a sticky one: the JVM's */
  mkdirat(top, "ro", 0700);
  mkdirat(top, "ro/d", 0500);
  CHECK(change_tree_deletable(top, "ro") == -1);
  fchmodat(top, "ro/d", 0700, 0);
  CHECK(change_tree_deletable(top, "ro") == 0);
  fchmodat(top, "ro/d", 01700, 0);
  CHECK(change_tree_deletable(top, "ro") == -1);
  fchmodat(top, "ro/d", 0700, 0);
  /* too deep */
  mkdirat(top, "deep", 0700);
  char path[4096] = "deep";
  for (int i = 0; i <= CHANGE_TREE_DEPTH + 1; i++) {
    strcat(path, "/d");
    mkdirat(top, path, 0700);
  }
  CHECK(change_tree_deletable(top, "deep") == -1);
  CHECK(change_tree_delete(top, "deep") == 0);
  /* the deletion: everything under t, nothing through its links */
  CHECK(change_tree_delete(top, "t") == 0);
  struct stat st;
  CHECK(fstatat(top, "t", &st, AT_SYMLINK_NOFOLLOW) < 0);
  CHECK(fstatat(top, "outside/keep", &st, 0) == 0 && fstatat(top, "link", &st, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(change_tree_delete(top, "ro") == 0 && change_tree_delete(top, "outside") == 0);
  unlinkat(top, "link", 0);
  unlinkat(top, "file", 0);
  close(top);
  CHECK(rmdir(tmpl) == 0);

  /* rename: the names SandboxStore.validName takes */
  CHECK(rename_name_valid("a") && rename_name_valid("web-1.x_y") && rename_name_valid("ABCDEF012345"));
  CHECK(rename_name_valid("abcdef01234") && rename_name_valid("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789a"));
  CHECK(!rename_name_valid("") && !rename_name_valid("-a") && !rename_name_valid("_a") && !rename_name_valid(".a"));
  CHECK(!rename_name_valid("a b") && !rename_name_valid("a/b") && !rename_name_valid("caf\xc3\xa9") && !rename_name_valid("abcdef012345"));
  char longname2[131];
  memset(longname2, 'x', 130);
  longname2[128] = '\0';
  CHECK(rename_name_valid(longname2));
  longname2[128] = 'x';
  longname2[129] = '\0';
  CHECK(!rename_name_valid(longname2));
  /* the record: exactly the JVM's text, only the name's value changed */
  CHECK(renamed("\"old\"", NULL, NULL) == 0 && renamed("null", NULL, NULL) == 0);
  CHECK(renamed("\"\"", NULL, NULL) == 0);
  CHECK(renamed("\"o\\u0001\"", NULL, NULL) == -1); /* an escaped name: the JVM's */
  /* anything the JVM would write back otherwise: the JVM's */
  static const char *const other[][2] = {
      {"\"run\"", "\"oci\""}, {"\"run\"", "null"}, {"\"run\"", "\"RUN\""}, {"\"image\": \"alpine\"", "\"image\": 1"},
      {"1764900000000", "01764900000000"}, {"1764900000000", "1764900000000.0"}, {"1764900000000", "\"1\""},
      {"1764900000000", "99999999999999999999"}, {"1764900000000", "-0"}, {"false", "0"}, {"\"TERM\"", "null"},
      {"\"18446744073709551615\"", "\"18446744073709551616\""}, {"\"18446744073709551615\"", "\"01\""},
      {"\"18446744073709551615\"", "5"}, {"\"18446744073709551615\"", "null"}, {"7,", "2147483648,"}, {"7,", "7.5,"},
      {"\"pid\": \"new\"", "\"user\": \"new\""}, {"\"pid\": \"new\"", "\"pid\": null"}, {"\\u0001", "\\u0001\\/"},
      {"\\u0001", "\\U0001"}, {"\\u0001", "\\u000A"}, {"\\u0001", "\\u000a"}, {"\\u0001", "\\u0020"}, {"\\n", "\\u000a"},
      {"\xc3\xa9", "\\u00e9"}, {"\xc3\xa9", "\xc3"}, {"\"restart\": \"always\"", "\"restart\": null"},
      {"\"plan\": \"QUJD\"", "\"plan\": \"QUJD\",\n  \"extra\": 1"}, {"  \"rm\"", " \"rm\""}, {"\"always\"\n}\n", "\"always\"\n}"},
      {"\"always\"\n}\n", "\"always\"\n}\n\n"}, {"\"mounts\": [\n    \"-v /a:/b\"\n  ]", "\"mounts\": [\"-v /a:/b\"]"},
      {"\"ports\": []", "\"ports\": [ ]"}, {"\"lower\"", "\"Lower\""}, {"\"hostname\": \"h\"", "\"hostname\": \"h\\u0000\""},
      {"        -1\n", "        -1,\n        2\n"}, {"\"rm\": false", "\"rm\": true"}, {"\"etcFiles\": null", "\"etcFiles\": \"/e\""}};
  int others = 1;
  for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
    int got = renamed("\"old\"", other[i][0], other[i][1]);
    int taken = !strcmp(other[i][1], "\"rm\": true") || !strcmp(other[i][1], "\"etcFiles\": \"/e\"") ||
                !strcmp(other[i][1], "\"hostname\": \"h\\u0000\"");
    if (got == 99 || (got == 0) != taken) {
      fprintf(stderr, "rename record edit %zu (%s -> %s): %d\n", i, other[i][0], other[i][1], got);
      others = 0;
    }
  }
  CHECK(others);
  { /* a different id than the directory's */
    char rtext[4096], *out;
    size_t n;
    struct span old;
    snprintf(rtext, sizeof rtext, "%s\"old\"%s", REC_HEAD, REC_TAIL);
    CHECK(rename_record_text(rtext, strlen(rtext), RID "aaaaaaab", "new", &out, &n, &old) == -1);
    CHECK(rename_record_text(rtext, strlen(rtext), RID "aaaaaaaa", "new", &out, &n, &old) == 0 && old.len == 3 &&
          !memcmp(old.p, "old", 3));
    free(out);
    /* cut anywhere: never taken */
    int cut_ok = 1;
    for (size_t k = 0; k < strlen(rtext); k++)
      if (rename_record_text(rtext, k, RID "aaaaaaaa", "new", &out, &n, &old) == 0) cut_ok = 0, free(out);
    CHECK(cut_ok);
  }
  { /* the JVM's golden record of a project's shell (every escape Json.quote writes) */
    size_t glen;
    char *g = read_small(AT_FDCWD, "tests/golden/start-config.json", 1u << 20, &glen), *out; /* (over 64 KiB) */
    struct span old;
    size_t n;
    CHECK(rename_record_text(g, glen, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "b-2", &out, &n, &old) == 0);
    char *at = strstr(g, "\"name\": \"app\"");
    CHECK(at && n == glen && !memcmp(out, g, (size_t)(at - g)) && !memcmp(out + (at - g), "\"name\": \"b-2\"", 13) &&
          !memcmp(out + (at - g) + 13, at + 13, glen - (size_t)(at - g) - 13));
    free(out);
    free(g);
  }
  { /* the exec template: T_EXECNAME replaced, the header's length with it */
    size_t tlen;
    char *t = load_golden("tests/golden/exec-template.bin", &tlen), *out;
    struct exec_template et;
    CHECK(exec_template_parse(t, tlen, &et) == 0);
    struct span old = et.name;
    char oldname[256];
    snprintf(oldname, sizeof oldname, "%.*s", (int)old.len, old.p);
    exec_template_free(&et);
    size_t n;
    struct span other_name = {"zzz", 3};
    CHECK(rename_template_text(t, tlen, &other_name, "b", &out, &n) == -1); /* not the record's name */
    struct span on = {oldname, strlen(oldname)};
    CHECK(rename_template_text(t, tlen, &on, "longer-name.x", &out, &n) == 0 && n == tlen - on.len + 13);
    CHECK(exec_template_parse(out, n, &et) == 0 && et.name.len == 13 && !memcmp(et.name.p, "longer-name.x", 13));
    exec_template_free(&et);
    CHECK(!memcmp(out + 10, t + 10, tlen - on.len - 16) && plan_le32((unsigned char *)out + 6) == n);
    char *back;
    size_t bn;
    struct span nn = {"longer-name.x", 13};
    CHECK(rename_template_text(out, n, &nn, oldname, &back, &bn) == 0 && bn == tlen && !memcmp(back, t, tlen));
    free(back);
    free(out);
    CHECK(rename_template_text(t, tlen - 1, &on, "b", &out, &n) == -1);
    free(t);
  }

  /* tag: ImageLookup.tagName and normalize, ImageRef.parse's rules (ImageRefTest's cases) */
  {
    char o[512];
    static const char *const good[][2] = {
        {"x", "localhost/x:latest"}, {"x:1", "localhost/x:1"}, {"a/b", "localhost/a/b:latest"}, {"localhost/x", "localhost/x:latest"},
        {"docker.io/x", "docker.io/library/x:latest"}, {"index.docker.io/x:t", "docker.io/library/x:t"},
        {"registry-1.docker.io/a/b", "docker.io/a/b:latest"}, {"reg.example:5000/a/b:v1", "reg.example:5000/a/b:v1"},
        {"[::1]:5000/a", "[::1]:5000/a:latest"}, {"[fe80::1]/a", "[fe80::1]/a:latest"}, {"a__b", "localhost/a__b:latest"},
        {"a.b-c---d_e", "localhost/a.b-c---d_e:latest"}, {"x:_T.-9", "localhost/x:_T.-9"}, {"UP.example/a", "UP.example/a:latest"},
        {"localhost:65535/a", "localhost:65535/a:latest"}, {"0", "localhost/0:latest"}};
    int all = 1;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
      if (image_tag_name(good[i][0], o, sizeof o) || strcmp(o, good[i][1])) {
        fprintf(stderr, "tag name %s: %s\n", good[i][0], o);
        all = 0;
      }
    CHECK(all);
    static const char *const bad[] = {"X", "a b", "a@sha256:00", "a:", ":a", "a//b", "a___b", "a-", "-a", "a.", "a:.x", "a:-x",
                                      "reg.example:65536/a", "reg.example:123456/a", "reg.example:/a", "-reg.example/a",
                                      "reg..example/a", "[::g]/a", "docker.io/", "caf\xc3\xa9", "a\tb", "", "localhost/",
                                      "a/B"};
    all = 1;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
      if (image_tag_name(bad[i], o, sizeof o) == 0) {
        fprintf(stderr, "tag name %s taken: %s\n", bad[i], o);
        all = 0;
      }
    CHECK(all);
    char t128[140] = "a:", t129[140] = "a:", n245[260] = "", n246[260] = "";
    memset(t128 + 2, 't', 128);
    memset(t129 + 2, 't', 129);
    memset(n245, 'x', 245);
    memset(n246, 'x', 246);
    CHECK(image_tag_name(t128, o, sizeof o) == 0 && image_tag_name(t129, o, sizeof o) == -1);
    CHECK(image_tag_name(n245, o, sizeof o) == 0 && image_tag_name(n246, o, sizeof o) == -1);
    CHECK(image_tag_name("x", o, 10) == -1); /* (too small a buffer: refused, not cut) */
    /* a source: a short name keeps its path and gets :latest; a full one is parsed */
    CHECK(image_normalize("alpine", o, sizeof o) == 0 && !strcmp(o, "alpine:latest"));
    CHECK(image_normalize("team/alpine:3", o, sizeof o) == 0 && !strcmp(o, "team/alpine:3"));
    CHECK(image_normalize("Alpine", o, sizeof o) == 0 && !strcmp(o, "Alpine:latest")); /* (not parsed: then not found) */
    CHECK(image_normalize("docker.io/alpine", o, sizeof o) == 0 && !strcmp(o, "docker.io/library/alpine:latest"));
    CHECK(image_normalize("a@sha256:00", o, sizeof o) == -1 && image_normalize("docker.io/Alpine", o, sizeof o) == -1);
    CHECK(image_short_name("a/b") && image_short_name("a") && !image_short_name("localhost/a") && !image_short_name("a.b/c") &&
          !image_short_name("a:1/c") && image_short_name("localhostx/a"));
  }

  printf("change_fast: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
