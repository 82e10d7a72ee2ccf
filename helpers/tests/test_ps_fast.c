/* ps without the JVM (ps_fast.c): the command-line forms it takes and leaves to picocli, the
 * record and state decoders (what they list, what the JVM leaves out, what they leave to the
 * JVM), and the texts as Status.duration and PodmanView.ports write them. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ps_fast.h"
#include "tests/check.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(c, ...) ps_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)

static int rec(const char *json, struct ps_record *r) { return ps_record_parse(json, strlen(json), r); }

static int port_is(const char *spec, const char *want) {
  struct sbuf b = {0};
  ps_port(spec, strlen(spec), &b);
  int ok = b.len == strlen(want) && !memcmp(b.p ? b.p : "", want, b.len);
  if (!ok) fprintf(stderr, "port %s -> %s (want %s)\n", spec, b.p ? b.p : "", want);
  sb_free(&b);
  return ok;
}

static int dur_is(long long ms, const char *want) {
  char d[64];
  ps_duration(ms, d, sizeof d);
  return !strcmp(d, want);
}

int main(void) {
  struct ps_call c;
  CHECK(ps_call_parse(0, ARGS(NULL), &c) == 0 && !c.all && !c.quiet && !c.no_trunc);
  CHECK(PARSE(&c, "-a") == 0 && c.all && !c.quiet);
  CHECK(PARSE(&c, "--all", "--quiet", "--no-trunc") == 0 && c.all && c.quiet && c.no_trunc);
  CHECK(PARSE(&c, "-aq") == 0 && c.all && c.quiet && PARSE(&c, "-qa") == 0 && c.all && c.quiet);
  CHECK(PARSE(&c, "-q", "--no-trunc") == 0 && c.quiet && c.no_trunc && !c.all);
  /* picocli's: repeats, other options, values, help, --, @files, clusters with more */
  CHECK(PARSE(&c, "-a", "-a") == -1 && PARSE(&c, "-aq", "-q") == -1 && PARSE(&c, "--all", "-a") == -1);
  CHECK(PARSE(&c, "-n", "1") == -1 && PARSE(&c, "--format", "json") == -1 && PARSE(&c, "-f", "name=x") == -1);
  CHECK(PARSE(&c, "-l") == -1 && PARSE(&c, "-h") == -1 && PARSE(&c, "--help") == -1 && PARSE(&c, "--") == -1);
  CHECK(PARSE(&c, "@f") == -1 && PARSE(&c, "-aql") == -1 && PARSE(&c, "x") == -1 && PARSE(&c, "") == -1);
  CHECK(PARSE(&c, "--all=true") == -1 && PARSE(&c, "-A") == -1 && PARSE(&c, "--no-trunc=false") == -1);

  struct ps_record r;
  CHECK(rec("{\"name\": \"web\", \"image\": \"alpine\", \"command\": [\"sh\", \"-c\", \"a\\tb\"], \"created\": 1700000000123,"
            " \"rm\": true, \"ports\": [\"8080:80\", \"1.2.3.4:1:2/udp\"], \"kind\": \"shell\"}", &r) == 0);
  CHECK(r.has_name && !strcmp(r.name.p, "web") && !strcmp(r.image.p, "alpine") && !strcmp(r.command.p, "sh -c a\tb"));
  CHECK(r.created == 1700000000123LL && r.rm && !r.nonascii);
  CHECK(!strcmp(r.ports.p, "0.0.0.0:8080->80/tcp, 1.2.3.4:1->2/udp"));
  ps_record_free(&r);
  /* the last of a repeated key wins (a LinkedHashMap's put); what is not a string is null */
  CHECK(rec("{\"name\":\"a\",\"name\":5,\"image\":null,\"command\":\"sh\",\"created\":\"x\",\"rm\":1}", &r) == 0);
  CHECK(!r.has_name && r.name.len == 0 && r.image.len == 0 && r.command.len == 0 && r.created == 0 && !r.rm);
  ps_record_free(&r);
  CHECK(rec(" {} ", &r) == 0 && r.created == 0);
  ps_record_free(&r);
  /* escapes; above ASCII marked (printed through the JVM's charset: the JVM's) */
  CHECK(rec("{\"command\":[\"\\u0001\\n\\\"\\/\"]}", &r) == 0 && r.command.len == 4 && !memcmp(r.command.p, "\1\n\"/", 4) && !r.nonascii);
  ps_record_free(&r);
  CHECK(rec("{\"command\":[\"\\u00e9\"]}", &r) == 0 && r.nonascii);
  ps_record_free(&r);
  CHECK(rec("{\"name\":\"caf\xc3\xa9\"}", &r) == 0 && r.nonascii);
  ps_record_free(&r);
  CHECK(rec("{\"plan\":\"\xc3\xa9\",\"env\":[\"\\u00e9\"]}", &r) == 0 && !r.nonascii); /* not printed */
  ps_record_free(&r);
  /* left out by the JVM: an OCI container's, an unknown kind, a field of the wrong type */
  CHECK(rec("{\"kind\":\"oci\"}", &r) == 1 && rec("{\"kind\":\"vm\"}", &r) == 1 && rec("{\"kind\":5}", &r) == 1);
  CHECK(rec("{\"kind\":\"run\"}", &r) == 0);
  ps_record_free(&r);
  CHECK(rec("{\"overlay\":{\"upper\":5}}", &r) == 1 && rec("{\"process\":{\"cwd\":[]}}", &r) == 1);
  CHECK(rec("{\"process\":{\"rlimits\":[[1,2]]}}", &r) == 1 && rec("{\"process\":{\"rlimits\":[5]}}", &r) == 1);
  CHECK(rec("{\"process\":{\"rlimits\":[[1,\"2\",3]]}}", &r) == 1);
  CHECK(rec("{\"process\":{\"rlimits\":[[1,2,3,\"x\"]],\"cwd\":null,\"capabilities\":\"123\"},\"overlay\":{\"upper\":\"/u\"}}", &r) == 0);
  ps_record_free(&r);
  CHECK(rec("{\"overlay\":{\"upper\":5},\"overlay\":{}}", &r) == 0); /* the last one counts */
  ps_record_free(&r);
  /* not followed: the JVM decides */
  CHECK(rec("", &r) == -1 && rec("[]", &r) == -1 && rec("{", &r) == -1 && rec("{} x", &r) == -1);
  CHECK(rec("{\"created\":1.5}", &r) == -1 && rec("{\"created\":12345678901234567890}", &r) == -1);
  CHECK(rec("{\"command\":[1]}", &r) == -1 && rec("{\"ports\":[null]}", &r) == -1 && rec("{\"oci\":{}}", &r) == -1);
  CHECK(rec("{\"process\":{\"capabilities\":\"+1\"}}", &r) == -1 && rec("{\"process\":{\"capabilities\":true}}", &r) == -1);
  CHECK(rec("{\"a\":\"\\u+fff\"}", &r) == -1 && rec("{\"a\":\"\\x\"}", &r) == -1 && rec("{\"a\":\"\x01\"}", &r) == -1);
  CHECK(rec("{\"a\":01}", &r) == -1 && rec("{\"a\":tru}", &r) == -1 && rec("{\"a\" 1}", &r) == -1 && rec("{\"a\":1,}", &r) == -1);
  char deep[200];
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  char doc[260];
  snprintf(doc, sizeof doc, "{\"a\":%.*s}", 200, deep);
  CHECK(rec(doc, &r) == -1); /* deeper than PS_JSON_DEPTH */

  struct ps_state s;
  const char *st = "{\"status\":\"exited\",\"pid\":12,\"pidStart\":34,\"monitorPid\":5,\"monitorStart\":6,"
                   "\"started\":7,\"exitCode\":3,\"finished\":9,\"restartCount\":0}\n";
  CHECK(ps_state_parse(st, strlen(st), &s) == 0 && s.status == PS_EXITED && s.pid == 12 && s.pid_start == 34);
  CHECK(s.monitor_pid == 5 && s.monitor_start == 6 && s.started == 7 && s.has_exit && s.exit_code == 3 && s.has_finished && s.finished == 9);
  st = "{\"status\":\"running\",\"exitCode\":null,\"finished\":null}";
  CHECK(ps_state_parse(st, strlen(st), &s) == 0 && s.status == PS_RUNNING && !s.has_exit && !s.has_finished && s.pid == -1 && s.started == -1);
  st = "{\"status\":\"created\",\"exitCode\":\"x\",\"pid\":\"7\"}";
  CHECK(ps_state_parse(st, strlen(st), &s) == 0 && s.status == PS_OTHER && s.has_exit && s.exit_code == -1 && s.pid == -1);
  st = "{\"status\":\"exited\",\"exitCode\":4294967299}";
  CHECK(ps_state_parse(st, strlen(st), &s) == 0 && s.exit_code == 3); /* (int) of a long */
  st = "{\"status\":5}";
  CHECK(ps_state_parse(st, strlen(st), &s) == -1);
  st = "{\"pid\":1}";
  CHECK(ps_state_parse(st, strlen(st), &s) == -1);
  st = "{\"status\":\"running\",\"pid\":1e3}";
  CHECK(ps_state_parse(st, strlen(st), &s) == -1);

  CHECK(dur_is(-5000, "Less than a second") && dur_is(999, "Less than a second") && dur_is(1000, "1 second"));
  CHECK(dur_is(59999, "59 seconds") && dur_is(60000, "About a minute") && dur_is(119999, "About a minute"));
  CHECK(dur_is(120000, "2 minutes") && dur_is(3599999, "59 minutes") && dur_is(3600000, "About an hour"));
  CHECK(dur_is(7200000, "2 hours") && dur_is(47LL * 3600000 + 3599999, "47 hours") && dur_is(48LL * 3600000, "2 days"));
  CHECK(dur_is(1000LL * 86400000, "1000 days"));

  CHECK(port_is("8080:80", "0.0.0.0:8080->80/tcp") && port_is("8080:80/udp", "0.0.0.0:8080->80/udp"));
  CHECK(port_is("127.0.0.1:1:2", "127.0.0.1:1->2/tcp") && port_is("[fe80]:1:2", "fe80:1->2/tcp"));
  CHECK(port_is("+80:080", "0.0.0.0:80->80/tcp") && port_is("8080:80:", "0.0.0.0:8080->80/tcp"));
  CHECK(port_is("8080:80/sctp", "8080:80/sctp") && port_is("0:80", "0:80") && port_is("65536:1", "65536:1"));
  CHECK(port_is("[::1]:1:2", "[::1]:1:2") && port_is(":80", ":80") && port_is("", "") && port_is(":::", ":::"));
  CHECK(port_is("a.b:1:2", "a.b:1:2") && port_is("1:2:3:4", "1:2:3:4") && port_is("-1:2", "-1:2"));
  CHECK(port_is("2147483648:1", "2147483648:1") && port_is("99999999999999999999:1", "99999999999999999999:1"));
  CHECK(port_is("1.2.3.4:1:2/", "1.2.3.4:1:2/") && port_is("/tcp", "/tcp"));


  /* images */
  CHECK(images_call_parse(0, ARGS(NULL), &c) == 0 && !c.quiet && !c.no_trunc);
  CHECK(images_call_parse(NARGS("-q", "--no-trunc"), ARGS("-q", "--no-trunc"), &c) == 0 && c.quiet && c.no_trunc);
  CHECK(images_call_parse(NARGS("--quiet"), ARGS("--quiet"), &c) == 0 && c.quiet);
  CHECK(images_call_parse(NARGS("alpine"), ARGS("alpine"), &c) == -1 && images_call_parse(NARGS("-q", "-q"), ARGS("-q", "-q"), &c) == -1);
  CHECK(images_call_parse(NARGS("-a"), ARGS("-a"), &c) == -1 && images_call_parse(NARGS("--format", "json"), ARGS("--format", "json"), &c) == -1);
  struct ps_image im;
  const char *ir = "{\"manifestDigest\": \"sha256:ab\", \"id\": \"sha256:0123456789abcdef\", \"created\": \"2020-01-02T03:04:05Z\","
                   " \"pulled\": \"2026-01-01T00:00:00.5Z\", \"size\": 1234, \"layers\": [{\"digest\": \"d\", \"size\": 5}],"
                   " \"repoDigests\": [\"r@sha256:ab\"], \"platform\": null}";
  CHECK(ps_image_parse(ir, strlen(ir), &im) == 0 && !strcmp(im.digest.p, "sha256:ab") && im.has_created && im.size == 1234 && !im.nonascii);
  ps_image_free(&im);
  const char *bad[] = {
      "{\"manifestDigest\": \"d\", \"id\": \"sha256:0123456789ab\", \"pulled\": \"p\", \"size\": 1, \"layers\": [{}]}", /* a layer without size */
      "{\"manifestDigest\": \"d\", \"id\": \"sha256:0123456789a\", \"pulled\": \"p\", \"size\": 1, \"layers\": []}",   /* a short id */
      "{\"manifestDigest\": \"d\", \"id\": \"sha256:0123456789ab\", \"pulled\": \"p\", \"layers\": []}",                /* no size */
      "{\"manifestDigest\": \"d\", \"id\": \"sha256:0123456789ab\", \"size\": 1, \"layers\": []}",                         /* never pulled */
      "{\"manifestDigest\": 5, \"id\": \"sha256:0123456789ab\", \"pulled\": \"p\", \"size\": 1, \"layers\": []}",
      "{\"manifestDigest\": \"d\", \"id\": \"sha256:0123456789ab\", \"pulled\": \"p\", \"size\": 1, \"layers\": [], \"repoDigests\": null}",
      "{\"manifestDigest\": \"d\", \"id\": \"sha256:0123456789ab\", \"pulled\": \"p\", \"size\": 1.5, \"layers\": []}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(ps_image_parse(bad[i], strlen(bad[i]), &im) == -1);
  const char *ok = "{\"manifestDigest\": \"d\", \"id\": \"x:0123456789ab\", \"pulled\": \"p\", \"size\": -1, \"layers\": []}";
  CHECK(ps_image_parse(ok, strlen(ok), &im) == 0 && !im.has_created && im.size == -1);
  ps_image_free(&im);

  struct ps_tags tg;
  const char *tj = "{\"zz:1\": \"b\", \"aa:2\": \"a\", \"Zz:3\": \"c\", \"aa:2\": \"d\"}";
  CHECK(ps_tags_parse(tj, strlen(tj), &tg) == 0 && tg.n == 3);
  CHECK(tg.n == 3 && !strcmp(tg.name[0].p, "Zz:3") && !strcmp(tg.name[1].p, "aa:2") && !strcmp(tg.digest[1].p, "d") && !strcmp(tg.name[2].p, "zz:1"));
  ps_tags_free(&tg);
  CHECK(ps_tags_parse("{}", 2, &tg) == 0 && tg.n == 0);
  ps_tags_free(&tg);
  CHECK(ps_tags_parse("{\"a:1\": 5}", 10, &tg) == -1 && ps_tags_parse("[]", 2, &tg) == -1);
  CHECK(ps_tags_parse("{\"\\u00e9:1\": \"d\"}", 17, &tg) == -1); /* above ASCII: Java's String order, the JVM's */

  long long sec;
  long ns;
  CHECK(ps_rfc3339_utc("1970-01-01T00:00:00Z", 20, &sec, &ns) == 0 && sec == 0 && ns == 0);
  CHECK(ps_rfc3339_utc("2024-02-29T23:59:59.5Z", 22, &sec, &ns) == 0 && sec == 1709251199 && ns == 500000000);
  CHECK(ps_rfc3339_utc("2000-03-01T00:00:00.123456789Z", 30, &sec, &ns) == 0 && sec == 951868800 && ns == 123456789);
  CHECK(ps_rfc3339_utc("2023-02-29T00:00:00Z", 20, &sec, &ns) == -1 && ps_rfc3339_utc("2023-01-01T24:00:00Z", 20, &sec, &ns) == -1);
  CHECK(ps_rfc3339_utc("2023-01-01T00:00:00+00:00", 25, &sec, &ns) == -1 && ps_rfc3339_utc("2023-01-01T00:00:00.1234567890Z", 31, &sec, &ns) == -1);
  CHECK(ps_rfc3339_utc("2023-01-01T00:00:00.Z", 21, &sec, &ns) == -1 && ps_rfc3339_utc("2023-01-01 00:00:00Z", 20, &sec, &ns) == -1);
  char t[64];
  ps_image_ago(59, t, sizeof t);
  CHECK(!strcmp(t, "Less than a minute ago"));
  ps_image_ago(60, t, sizeof t);
  CHECK(!strcmp(t, "A minute ago"));
  ps_image_ago(3600, t, sizeof t);
  CHECK(!strcmp(t, "An hour ago"));
  ps_image_ago(2 * 86400, t, sizeof t);
  CHECK(!strcmp(t, "2 days ago"));
  ps_image_ago(14 * 86400, t, sizeof t);
  CHECK(!strcmp(t, "2 weeks ago"));
  ps_image_ago(60 * 86400, t, sizeof t);
  CHECK(!strcmp(t, "2 months ago"));
  ps_image_ago(730 * 86400, t, sizeof t);
  CHECK(!strcmp(t, "2 years ago"));
  ps_si(999, t, sizeof t);
  CHECK(!strcmp(t, "999 B"));
  ps_si(1000, t, sizeof t);
  CHECK(!strcmp(t, "1.0 kB"));
  ps_si(999949, t, sizeof t);
  CHECK(!strcmp(t, "999.9 kB"));
  ps_si(999999, t, sizeof t);
  CHECK(!strcmp(t, "1000.0 kB")); /* as Java's: rounded after the unit is chosen */
  ps_si(123456789, t, sizeof t);
  CHECK(!strcmp(t, "123.5 MB"));
  ps_si(2500000000LL, t, sizeof t);
  CHECK(!strcmp(t, "2.50 GB"));
  ps_si(1005000000LL, t, sizeof t);
  CHECK(!strcmp(t, "1.01 GB"));

  /* port: PortCommand's lines, or -1 where Network.Port.parse throws */
  struct sbuf pl = {0};
  CHECK(ps_port_line("8080:80", 7, &pl) == 0 && ps_port_line("1.2.3.4:1:2/udp", 15, &pl) == 0 && ps_port_line("[fe80]:5:6", 10, &pl) == 0);
  CHECK(pl.p && !strcmp(pl.p, "80/tcp -> 0.0.0.0:8080\n2/udp -> 1.2.3.4:1\n6/tcp -> fe80:5\n"));
  CHECK(ps_port_line("bogus", 5, &pl) == -1 && ps_port_line("1:2/sctp", 8, &pl) == -1 && ps_port_line("[::1]:1:2", 9, &pl) == -1);
  CHECK(ps_port_line("a->b", 4, &pl) == -1 && ps_port_line("", 0, &pl) == -1 && ps_port_line("0:1", 3, &pl) == -1);
  sb_free(&pl);
  printf("test_ps_fast: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
