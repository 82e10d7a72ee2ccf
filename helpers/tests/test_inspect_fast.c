/* inspect without the JVM (inspect_fast.c, ps_fast.c's jv_*): the JSON value decoder and
 * Json.pretty's bytes (indentation, escapes, empty containers, numbers), the record shapes
 * SandboxRecord.toJson writes back as they are and those left to the JVM, Instant.toString's
 * times, PodmanView.mounts of each spec form (and the forms left to the JVM), and Procfs.mounts
 * of mountinfo lines. */
#include <stdio.h>
#include <string.h>

#include "inspect_fast.h"
#include "tests/check.h"

/* Json.pretty of text, or "ERR" */
static const char *pretty(const char *text, int *nonascii) {
  static char out[8192];
  struct jv v;
  int na = 0;
  if (jv_parse(text, strlen(text), &v, &na)) return "ERR";
  if (nonascii) *nonascii = na;
  struct sbuf b = {0};
  int rc = jv_pretty(&b, &v, 0);
  snprintf(out, sizeof out, "%s", rc || b.err ? "ERR" : b.p ? b.p : "");
  sb_free(&b);
  jv_free(&v);
  return out;
}

static int shape(const char *text) {
  struct jv v;
  int na = 0;
  if (jv_parse(text, strlen(text), &v, &na)) return -2;
  int rc = inspect_record_shape(&v);
  jv_free(&v);
  return rc;
}

/* the Mounts entry of one spec, pretty at level 0 ("" when left out, "ERR" when not sure) */
static const char *mount(const char *spec) {
  static char out[4096];
  struct jv l = jv_new(JV_ARR);
  int rc = inspect_mount(spec, strlen(spec), "/v", &l);
  struct sbuf b = {0};
  if (rc == 0 && l.n == 1) jv_pretty(&b, &l.kid[0], 0);
  snprintf(out, sizeof out, "%s", rc < 0 ? "ERR" : rc == 1 ? "" : b.p ? b.p : "?");
  sb_free(&b);
  jv_free(&l);
  return out;
}

static const char *instant(long long ms) {
  static char out[40];
  if (inspect_instant(ms, out, sizeof out)) return "ERR";
  return out;
}

#define REC_HEAD "{\"id\":\"x\",\"name\":null,\"kind\":\"run\",\"image\":null,\"imageId\":null,\"rootfs\":\"/r\",\"command\":[\"sh\"],"
#define REC_MID "\"created\":5,\"rm\":false,\"hostname\":null,\"network\":\"none\",\"ports\":[],\"mounts\":[],\"stopSignal\":\"TERM\","
#define REC_NS "\"namespaces\":{\"user\":\"new\"},"
#define PROC "\"process\":{\"env\":[],\"cwd\":null,\"user\":null,\"capabilities\":\"0\",\"flags\":[],\"rlimits\":[[7,1,2]]},"
#define REC_TAIL "\"etcFiles\":null,\"plan\":null"

int main(void) {
  int na = 0;
  /* Json.pretty: two spaces a level, ": ", empty containers on one line, its escapes */
  CHECK(!strcmp(pretty("[{\"a\":1,\"b\":[],\"c\":{}},null,true,false,-0,-12]", NULL),
                "[\n  {\n    \"a\": 1,\n    \"b\": [],\n    \"c\": {}\n  },\n  null,\n  true,\n  false,\n  0,\n  -12\n]"));
  CHECK(!strcmp(pretty("\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\\u007f\"", NULL),
                "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\u0008f\\u000c\\u0001\\u001f\x7f\""));
  CHECK(!strcmp(pretty("{\"k\":{\"l\":[1,[2]]}}", NULL), "{\n  \"k\": {\n    \"l\": [\n      1,\n      [\n        2\n      ]\n    ]\n  }\n}"));
  CHECK(!strcmp(pretty("1.5", NULL), "ERR") && !strcmp(pretty("1e3", NULL), "ERR") && !strcmp(pretty("1234567890123456789", NULL), "ERR"));
  CHECK(!strcmp(pretty("[1,", NULL), "ERR") && !strcmp(pretty("{\"a\" 1}", NULL), "ERR") && !strcmp(pretty("[] x", NULL), "ERR"));
  pretty("\"\\u00e9\"", &na);
  CHECK(na == 1);
  na = 0;
  pretty("{\"\\u00e9\":1}", &na);
  CHECK(na == 1);
  na = 0;
  pretty("[\"plain\"]", &na);
  CHECK(na == 0);
  /* a value built, then looked up */
  struct jv o = jv_new(JV_OBJ), v = jv_cstr("x");
  int err = 0;
  jv_put(&o, "k", &v, &err);
  CHECK(!err && jv_get(&o, "k") && jv_get(&o, "k")->t == JV_STR && !jv_get(&o, "K"));
  jv_free(&o);

  /* the shapes toJson writes back as they are */
  CHECK(shape(REC_HEAD REC_MID REC_NS REC_TAIL "}") == 0);
  CHECK(shape(REC_HEAD REC_MID "\"overlay\":{\"lower\":[\"/l\"],\"upper\":\"/u\",\"work\":null}," REC_NS PROC REC_TAIL ",\"restart\":\"always\"}") == 0);
  CHECK(shape(REC_HEAD REC_MID REC_NS "\"process\":{\"env\":[],\"cwd\":null,\"user\":null,\"capabilities\":\"18446744073709551615\",\"flags\":[],\"rlimits\":[]}," REC_TAIL "}") == 0);
  /* the JVM's: members out of order, one toJson does not write, a null it drops, a value it rewrites */
  CHECK(shape("{\"name\":null,\"id\":\"x\"}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS REC_TAIL ",\"future\":1}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS REC_TAIL ",\"restart\":null}") == -1);
  CHECK(shape(REC_HEAD REC_MID "\"overlay\":null," REC_NS REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS "\"process\":{\"env\":[],\"cwd\":null,\"user\":null,\"capabilities\":\"01\",\"flags\":[],\"rlimits\":[]}," REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS "\"process\":{\"env\":[],\"cwd\":null,\"user\":null,\"capabilities\":\"18446744073709551616\",\"flags\":[],\"rlimits\":[]}," REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS "\"process\":{\"env\":[],\"cwd\":null,\"user\":null,\"capabilities\":0,\"flags\":[],\"rlimits\":[]}," REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS "\"process\":{\"env\":[],\"cwd\":null,\"user\":null,\"capabilities\":\"0\",\"flags\":[],\"rlimits\":[[1.5,1,2]]}," REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID "\"namespaces\":{\"a\":\"x\",\"a\":\"y\"}," REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID "\"namespaces\":{\"a\":1}," REC_TAIL "}") == -1);
  CHECK(shape("{\"id\":\"x\",\"name\":null,\"kind\":\"oci\"}") == -1 && shape("[]") == -1);
  CHECK(shape(REC_HEAD "\"created\":5.0,\"rm\":false,\"hostname\":null,\"network\":\"none\",\"ports\":[],\"mounts\":[],\"stopSignal\":\"TERM\"," REC_NS REC_TAIL "}") == -1);
  CHECK(shape(REC_HEAD REC_MID REC_NS REC_TAIL ",\"oci\":{}}") == -1);
  CHECK(shape("{\"id\":\"x\",\"name\":null,\"kind\":\"run\",\"image\":null,\"imageId\":null,\"rootfs\":\"/r\",\"command\":[1]," REC_MID REC_NS REC_TAIL "}") == -1);

  /* Instant.toString: the fraction in three digits when there is one; Go's zero time for none */
  CHECK(!strcmp(instant(0), "0001-01-01T00:00:00Z") && !strcmp(instant(-5), "0001-01-01T00:00:00Z"));
  CHECK(!strcmp(instant(1), "1970-01-01T00:00:00.001Z") && !strcmp(instant(1000), "1970-01-01T00:00:01Z"));
  CHECK(!strcmp(instant(1764955200100LL), "2025-12-05T17:20:00.100Z") && !strcmp(instant(951782400000LL), "2000-02-29T00:00:00Z"));
  CHECK(!strcmp(instant(253402300799999LL), "9999-12-31T23:59:59.999Z") && !strcmp(instant(253402300800000LL), "ERR"));

  /* PodmanView.mounts */
  CHECK(!strcmp(mount("-v /nonexistent/x:/mnt:ro,z"), "{\n  \"Type\": \"bind\",\n  \"Source\": \"/nonexistent/x\",\n  \"Destination\": \"/mnt\",\n"
                "  \"Mode\": \"\",\n  \"Options\": [\n    \"rbind\"\n  ],\n  \"RW\": false,\n  \"Propagation\": \"rprivate\"\n}"));
  CHECK(!strcmp(mount("-v vol.1:/data:nocopy"), "{\n  \"Type\": \"volume\",\n  \"Name\": \"vol.1\",\n  \"Source\": \"/v/vol.1/_data\",\n"
                "  \"Destination\": \"/data\",\n  \"Driver\": \"local\",\n  \"Mode\": \"\",\n  \"Options\": [],\n  \"RW\": true,\n  \"Propagation\": \"\"\n}"));
  CHECK(strstr(mount("-v /anon"), "\"Source\": null") && strstr(mount("-v /anon"), "\"Type\": \"volume\""));
  CHECK(!strcmp(mount("-v /a:/b:O"), "ERR") && !strcmp(mount("-v v:/b:O"), "ERR") && !strcmp(mount("-v /a:/b:nocopy"), "ERR"));
  CHECK(!strcmp(mount("-v /a:/b:ro,U"), "ERR") && !strcmp(mount("-v /a:/proc/x"), "ERR") && !strcmp(mount("-v /a:/b/"), "ERR"));
  CHECK(!strcmp(mount("-v /a:/b/../c"), "ERR") && !strcmp(mount("-v /a:rel"), "ERR") && !strcmp(mount("-v a:b:c:d"), "ERR"));
  CHECK(!strcmp(mount("-v ./rel:/b"), "ERR") && !strcmp(mount("-v _bad:/b"), "ERR") && !strcmp(mount("-v :/b"), "ERR"));
  CHECK(strstr(mount("--mount type=volume,dst=/d"), "\"Source\": \"\"") && !strstr(mount("--mount type=volume,dst=/d"), "Driver"));
  CHECK(strstr(mount("--mount TYPE=tmpfs,Target=/t,tmpfs-size=1m,"), "\"Source\": \"\"") && strstr(mount("--mount type=tmpfs,dst=/t,ro"), "\"RW\": false"));
  CHECK(strstr(mount("--mount type=volume,src=v,dst=/d,readonly=0"), "\"RW\": true") && strstr(mount("--mount type=bind,src=/s,dst=/d,ro=true"), "\"RW\": false"));
  CHECK(!strcmp(mount("--mount type=nfs,dst=/x"), "ERR") && !strcmp(mount("--mount type=bind,dst=/x"), "ERR") && !strcmp(mount("--mount type=tmpfs,src=/s,dst=/x"), "ERR"));
  CHECK(!strcmp(mount("--mount type=bind,,src=/s,dst=/x"), "ERR") && !strcmp(mount("--mount type=tmpfs,dst=/x,tmpfs-size=x"), "ERR"));
  CHECK(!strcmp(mount("--mount type=bind,src=/s,dst=/x,U,ro"), "ERR") && !strcmp(mount("--mount type=bind,src=/s,dst=/x,nocopy"), "ERR"));
  CHECK(!strcmp(mount("--mount type=bind,src=rel,dst=/x"), "ERR") && !strcmp(mount("--mount type=volume,src=-x,dst=/x"), "ERR"));
  /* --tmpfs: "ro" read from the options text as PodmanView reads it (ro last in it: not seen) */
  CHECK(strstr(mount("--tmpfs /t:ro"), "\"RW\": true") && strstr(mount("--tmpfs /t:ro,noexec"), "\"RW\": false"));
  CHECK(strstr(mount("--tmpfs /t:ro,size=1m"), "\"RW\": true") && strstr(mount("--tmpfs /t:suid,dev,ro,exec"), "\"RW\": true"));
  CHECK(strstr(mount("--tmpfs /t:suid,dev,ro,noexec"), "\"RW\": false") && strstr(mount("--tmpfs /t"), "\"Source\": \"tmpfs\""));
  CHECK(!strcmp(mount("--tmpfs /t:bogus"), "ERR") && !strcmp(mount("--tmpfs /t:mode=9"), "ERR") && !strcmp(mount("--tmpfs t"), "ERR"));
  CHECK(!strcmp(mount("--device /dev/x"), "") && !strcmp(mount("-vx"), ""));

  /* Procfs.mounts */
  const char *mi = "22 1 0:21 / / rw,relatime shared:1 - overlay overlay rw\n"
                   "23 22 0:5 /a\\040b /mnt\\134x rw - tmpfs my\\011src rw\n"
                   "short line - x\n"
                   "\n";
  struct jv l = jv_new(JV_ARR);
  CHECK(inspect_mountinfo(mi, strlen(mi), &l) == 0 && l.n == 2);
  if (l.n == 2) {
    struct sbuf b = {0};
    jv_pretty(&b, &l.kid[1], 0);
    CHECK(b.p && !strcmp(b.p, "{\n  \"id\": 23,\n  \"parent\": 22,\n  \"root\": \"/a b\",\n  \"mountPoint\": \"/mnt\\\\x\",\n  \"options\": \"rw\",\n"
                              "  \"fsType\": \"tmpfs\",\n  \"source\": \"my\\tsrc\"\n}"));
    sb_free(&b);
  }
  jv_free(&l);
  const char *bad[] = {"x 1 0:1 / / rw - t s o\n", "1 1 0:1 /\\09x / rw - t s o\n", "1 1 0:1 /\\300 / rw - t s o\n", "1 1 0:1 / / rw - t s\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    l = jv_new(JV_ARR);
    CHECK(inspect_mountinfo(bad[i], strlen(bad[i]), &l) == -1);
    jv_free(&l);
  }
  /* a backslash too near the end stays as it is */
  l = jv_new(JV_ARR);
  const char *near = "1 1 0:1 / /a\\1 rw - t s o";
  CHECK(inspect_mountinfo(near, strlen(near), &l) == 0 && l.n == 1 && !strcmp(jv_get(&l.kid[0], "mountPoint")->s.p, "/a\\1"));
  jv_free(&l);

  /* image records ImageRecord.fromJson reads as they are, and the keys Json.parse would merge */
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMG(extra) "{\"manifestDigest\":\"sha256:" H64 "\",\"id\":\"sha256:" H64 "\",\"size\":5,\"layers\":[" extra "]}"
  static const struct {
    const char *text;
    int ok;
  } images[] = {
      {IMG(""), 0},
      {IMG("{\"digest\":null,\"mediaType\":\"m\",\"size\":1,\"diffId\":\"sha256:" H64 "\"}"), 0},
      {IMG("{\"size\":1,\"diffId\":\"sha256:" H64 "\"}],\"repoDigests\":[\"a@b\"],\"created\":null,\"platform\":\"linux/amd64\",\"x\":[1"), 0},
      {IMG("{\"size\":1.5,\"diffId\":\"sha256:" H64 "\"}"), -1},
      {IMG("{\"size\":1,\"diffId\":\"sha256:00\"}"), -1},
      {IMG("{\"size\":1,\"diffId\":\"sha256:" H64 "\",\"size\":2}"), -1},
      {IMG("],\"repoDigests\":[1"), -1},
      {IMG("],\"created\":5,\"z\":[0"), -1},
      {"{\"manifestDigest\":\"sha256:" H64 "\",\"id\":\"sha512:x\",\"size\":5,\"layers\":[]}", -1},
      {"{\"id\":\"sha256:" H64 "\",\"size\":5,\"layers\":[]}", -1},
      {"{\"manifestDigest\":\"sha256:" H64 "\",\"id\":\"sha256:" H64 "\",\"layers\":[]}", -1},
      {"[]", -1},
  };
  for (size_t i = 0; i < sizeof images / sizeof *images; i++) {
    struct jv im;
    int n2 = 0;
    int rc = jv_parse(images[i].text, strlen(images[i].text), &im, &n2);
    CHECK(rc == 0);
    if (rc) continue;
    if (inspect_image_record(&im) != images[i].ok) fprintf(stderr, "image record %zu\n", i);
    CHECK(inspect_image_record(&im) == images[i].ok);
    jv_free(&im);
  }
  struct jv u;
  const char *twice = "[{\"a\":{\"b\":1,\"c\":[{\"d\":1,\"d\":2}]}}]", *once = "{\"a\":1,\"A\":2,\"\":3,\"b\":{\"a\":1}}";
  CHECK(jv_parse(twice, strlen(twice), &u, &na) == 0 && !inspect_unique_keys(&u));
  jv_free(&u);
  CHECK(jv_parse(once, strlen(once), &u, &na) == 0 && inspect_unique_keys(&u));
  jv_free(&u);

  printf("test_inspect_fast: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
