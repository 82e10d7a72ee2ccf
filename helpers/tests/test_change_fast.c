/* stop and rm without the JVM (change_fast.c): the command-line forms they take and leave to the
 * JVM, what stop reads of a record, and the trees rm deletes itself (never through a symlink,
 * never across a mount, never a tree it could not finish as this user). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "change_fast.h"
#include "ps_fast.h"
#include "tests/check.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define STOP(c, ...) stop_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)
#define RM(c, ...) rm_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)

static int rec(const char *json, struct stop_record *r) { return stop_record_parse(json, strlen(json), r); }

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

  printf("change_fast: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
