/* exec without the JVM (exec_fast.c): the exec template written by the store (golden
 * exec-template.bin, ExecTemplateTest) completed with one call must be, byte for byte, the plan the
 * JVM sends for that call (golden exec-plan.bin); the command-line parser's accepted and refused
 * forms; the state record and UTF-8 decoders at their edges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_fast.h"
#include "monitor.h"
#include "plan.h"
#include "util.h"
#include "tests/check.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(c, ...) exec_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)

int main(void) {
  size_t tlen, plen;
  char *tmpl = load_golden("tests/golden/exec-template.bin", &tlen);
  char *want = load_golden("tests/golden/exec-plan.bin", &plen);
  struct exec_template t;
  CHECK(exec_template_parse(tmpl, tlen, &t) == 0);
  CHECK(t.nenv == 4 && t.name.len == 3 && !memcmp(t.name.p, "web", 3));
  CHECK(t.cwd.len == 4 && !memcmp(t.cwd.p, "/srv", 4) && t.user.len == 6 && t.no_new_privs && t.seccomp);

  struct exec_call c;
  /* c points into argv: an array that outlives the CHECK below */
  char *golden_call[] = {"-it", "-e", "FOO=new", "-eA=1", "-w", "/tmp", "-u", "1:2", "web", "sh", "-c", "echo hi"};
  CHECK(exec_call_parse(12, golden_call, &c) == 0);
  CHECK(c.interactive && c.tty && c.nenv == 2 && !strcmp(c.ref, "web") && c.ncmd == 3);
  char *plan;
  size_t len;
  CHECK(exec_plan_build(&c, &t, 4242, 987654321ULL, &plan, &len) == 0);
  CHECK(len == plen && !memcmp(plan, want, plen));
  struct plan p;
  CHECK(plan_decode(&p, plan, len) == 0 && p.exec_pid == 4242 && p.tty && p.keep_stdin && p.argc == 3);
  plan_free(&p);
  exec_template_free(&t);

  /* a template is refused when cut anywhere, with a record out of PlanWriter's order, with a
   * record an exec plan never has, or with its name anywhere but last */
  int all = 1;
  for (size_t n = 0; n < tlen; n++) {
    char *cut = copy(tmpl, n);
    if (n >= 10) { /* the header's length made to agree, so the records are what is checked */
      cut[6] = (char)n, cut[7] = (char)(n >> 8), cut[8] = 0, cut[9] = 0;
    }
    if (exec_template_parse(cut, n, &t) == 0) all = 0, exec_template_free(&t);
    free(cut);
  }
  CHECK(all);
  char *bad = copy(tmpl, tlen);
  char *cwd = memmem(bad, tlen, "\3\0\4\0\0\0/srv", 10);
  cwd[0] = T_HOSTNAME;
  CHECK(exec_template_parse(bad, tlen, &t) != 0);
  free(bad);
  bad = copy(tmpl, tlen);
  memcpy(memmem(bad, tlen, "seccomp", 7), "init\0\0\0", 7);
  CHECK(exec_template_parse(bad, tlen, &t) != 0);
  free(bad);
  bad = copy(tmpl, tlen);
  memcpy(memmem(bad, tlen, "FOO=old", 7), "=FOOold", 7);
  CHECK(exec_template_parse(bad, tlen, &t) != 0);
  free(bad);
  CHECK(exec_template_parse("JBXP\1\0\12\0\0\0", 10, &t) != 0); /* no name: not a template */
  bad = copy(tmpl, tlen);
  memcpy(memmem(bad, tlen, "mnt\0new", 7), "mnt\0/xy", 7); /* a namespace to join by path */
  CHECK(exec_template_parse(bad, tlen, &t) != 0);
  free(bad);

  /* the forms the launcher takes: long forms, clusters, the last value wins, stop at the sandbox */
  CHECK(PARSE(&c, "--env=A=1", "--env", "B=2", "--workdir=/x", "--user", "0", "--interactive", "--tty", "n", "c") == 0);
  CHECK(c.nenv == 2 && !strcmp(c.env[1], "B=2") && !strcmp(c.workdir, "/x") && !strcmp(c.user, "0") && c.interactive && c.tty);
  CHECK(PARSE(&c, "-u", "1", "-u2", "-ti", "n", "c") == 0 && !strcmp(c.user, "2") && c.tty && c.interactive);
  char *stop[] = {"n", "-i", "-e", "x"};
  CHECK(exec_call_parse(4, stop, &c) == 0 && !c.interactive && c.nenv == 0 && c.ncmd == 3 && !strcmp(c.cmd[0], "-i"));
  CHECK(PARSE(&c, "-ie", "K=V", "n", "c") == 0 && c.interactive && !strcmp(c.env[0], "K=V"));
  CHECK(PARSE(&c, "-e", "KEY", "n", "c") == 0 && !strcmp(c.env[0], "KEY"));
  /* and what it leaves to picocli */
  CHECK(PARSE(&c, "--preserve-fds", "1", "n", "c") != 0);
  CHECK(PARSE(&c, "--preserve-fds=1", "n", "c") != 0);
  CHECK(PARSE(&c, "-h", "n", "c") != 0 && PARSE(&c, "--help") != 0 && PARSE(&c, "-V", "n", "c") != 0);
  CHECK(PARSE(&c, "n") != 0 && PARSE(&c, "-i", "n") != 0 && PARSE(&c, "-i") != 0);
  CHECK(PARSE(&c, "-e") != 0 && PARSE(&c, "-e", "=x", "n", "c") != 0 && PARSE(&c, "-e=K=V", "n", "c") != 0);
  CHECK(PARSE(&c, "-w", "rel", "n", "c") != 0 && PARSE(&c, "-u", "", "n", "c") != 0 && PARSE(&c, "-u", "a\nb", "n", "c") != 0);
  CHECK(PARSE(&c, "--tty=true", "n", "c") != 0 && PARSE(&c, "--tt", "n", "c") != 0 && PARSE(&c, "-ix", "n", "c") != 0);
  CHECK(PARSE(&c, "--", "n", "c") != 0 && PARSE(&c, "n", "--", "c") != 0 && PARSE(&c, "-", "n", "c") != 0);
  CHECK(PARSE(&c, "-e", "-i", "n", "c") != 0 && PARSE(&c, "", "c") != 0);
  /* a word @FILE is itself (the JVM's picocli expands no @-files either) */
  CHECK(PARSE(&c, "n", "cat", "@/etc/hostname") == 0 && c.ncmd == 2 && !strcmp(c.cmd[1], "@/etc/hostname"));
  CHECK(PARSE(&c, "-e", "@K=V", "@n", "c") == 0 && !strcmp(c.env[0], "@K=V") && !strcmp(c.ref, "@n"));
  CHECK(PARSE(&c, "n", "\xff") != 0 && PARSE(&c, "-e", "K=\xc0\x80", "n", "c") != 0);

  /* the head of a state record, as format_state writes it */
  struct state s = {.status = "running", .pid = 77, .pid_start = 123456789, .monitor_pid = 5, .exit_code = -1};
  char line[512];
  int n = format_state(line, sizeof line, &s);
  struct exec_state st;
  CHECK(exec_state_parse(line, (size_t)n, &st) == 0 && !strcmp(st.status, "running") && st.pid == 77 && st.pid_start == 123456789);
  all = 1;
  for (int k = 0; k < 50; k++) /* the fields it needs, cut anywhere: refused */
    if (exec_state_parse(line, (size_t)k, &st) == 0) all = 0;
  CHECK(all);
  CHECK(exec_state_parse("{\"status\":\"running\",\"pid\":0,\"pidStart\":1,", 42, &st) != 0);
  CHECK(exec_state_parse("{\"status\":\"running\",\"pid\":99999999999999999999,\"pidStart\":1,", 61, &st) != 0);
  CHECK(exec_state_parse("{\"status\":\"running\",\"pid\":07,\"pidStart\":1,", 43, &st) != 0);

  /* a record's own name, as Json.pretty writes it (an older jbox's record has no template) */
  struct span nm;
  const char *r1 = "{\n  \"id\": \"ab\",\n  \"name\": \"web-1.x_y\",\n  \"process\": {\n    \"name\": \"no\"\n  }\n}\n";
  CHECK(exec_record_name(r1, strlen(r1), &nm) == 0 && nm.len == 9 && !memcmp(nm.p, "web-1.x_y", 9));
  const char *r2 = "{\n  \"id\": \"ab\",\n  \"name\": null,\n  \"kind\": \"run\"\n}\n";
  CHECK(exec_record_name(r2, strlen(r2), &nm) == 0 && nm.p == NULL);
  const char *r3 = "{\n  \"process\": {\n    \"name\": \"nested\"\n  }\n}\n";
  CHECK(exec_record_name(r3, strlen(r3), &nm) != 0);
  const char *r4 = "{\n  \"name\": \"a\\u0041\"\n}\n";
  CHECK(exec_record_name(r4, strlen(r4), &nm) != 0);
  CHECK(exec_record_name("{\n  \"name\": \"web", 15, &nm) != 0 && exec_record_name("{\n  \"name\": \"\"", 15, &nm) != 0);

  CHECK(utf8_valid("caf\xc3\xa9", 5) && utf8_valid("\xf0\x9f\x98\x80", 4) && !utf8_valid("\xed\xa0\x80", 3));
  CHECK(!utf8_valid("\xc3", 1) && !utf8_valid("\xf4\x90\x80\x80", 4) && !utf8_valid("\xe0\x80\xaf", 3));

  free(tmpl);
  free(want);
  printf("exec_fast: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
