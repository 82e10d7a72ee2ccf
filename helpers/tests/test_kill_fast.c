/* kill without the JVM (kill_fast.c): the command-line forms it takes and the ones it leaves to
 * the JVM, and the signal names and numbers as Signals.parse reads them (anything doubtful: -1). */
#include <stdio.h>
#include <string.h>

#include "kill_fast.h"
#include "tests/check.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(c, ...) kill_call_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), c)

int main(void) {
  CHECK(kill_signal_parse("KILL") == 9 && kill_signal_parse("kill") == 9 && kill_signal_parse("SIGTERM") == 15);
  CHECK(kill_signal_parse("sigHup") == 1 && kill_signal_parse("SYS") == 31 && kill_signal_parse("STKFLT") == 16);
  CHECK(kill_signal_parse("1") == 1 && kill_signal_parse("9") == 9 && kill_signal_parse("64") == 64);
  CHECK(kill_signal_parse("0") == -1 && kill_signal_parse("65") == -1 && kill_signal_parse("09") == -1);
  CHECK(kill_signal_parse("+9") == -1 && kill_signal_parse("-9") == -1 && kill_signal_parse("100") == -1);
  CHECK(kill_signal_parse("") == -1 && kill_signal_parse("SIG") == -1 && kill_signal_parse("RTMIN") == -1);
  CHECK(kill_signal_parse("TERM ") == -1 && kill_signal_parse("T\xc3\x89RM") == -1 && kill_signal_parse("SIGSIGTERM") == -1);
  CHECK(kill_signal_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == -1);

  struct kill_call c;
  CHECK(PARSE(&c, "web") == 0 && c.sig == 9 && !strcmp(c.ref, "web"));
  CHECK(PARSE(&c, "-s", "HUP", "web") == 0 && c.sig == 1 && !strcmp(c.ref, "web"));
  CHECK(PARSE(&c, "web", "--signal", "term") == 0 && c.sig == 15);
  CHECK(PARSE(&c, "--signal=10", "-s", "USR2", "web") == 0 && c.sig == 12); /* the last wins */
  CHECK(PARSE(&c, "web", "other") == -1);                                   /* one sandbox only */
  CHECK(PARSE(&c, "-s", "HUP") == -1 && PARSE(&c, "-s") == -1 && PARSE(&c, "--signal=") == -1);
  CHECK(PARSE(&c, "-s", "-1", "web") == -1 && PARSE(&c, "-s", "@f", "web") == -1 && PARSE(&c, "-s", "bogus", "web") == -1);
  CHECK(PARSE(&c, "-sHUP", "web") == -1 && PARSE(&c, "--help", "web") == -1 && PARSE(&c, "--", "web") == -1);
  CHECK(PARSE(&c, "-", "web") == -1 && PARSE(&c, "", "web") == -1 && PARSE(&c, "@args") == -1);
  CHECK(PARSE(&c, "-x", "web") == -1 && PARSE(&c, "--signal", "HUP", "--bogus", "web") == -1);
  CHECK(kill_call_parse(0, ARGS(NULL), &c) == -1);

  printf("kill_fast: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
