/* PRESERVE_FDS (tag 27) appended to the golden plan, as Java appends it; the descriptor helpers
 * (cloexec_from, close_from) and the process title (set_name over a contiguous argv area). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "util.h"
#include "tests/check.h"

/* the golden plan with one extra record appended and the header's length patched */
static int decode_with(const char *g, size_t len, unsigned tag, const char *value, struct plan *p) {
  size_t n;
  char *b = append_records(g, len, tag, value, strlen(value), 1, &n);
  int rc = plan_decode(p, b, n);
  if (rc) plan_free(p);
  return rc;
}

int main(void) {
  size_t len;
  char *g = load_golden("tests/golden/plan.bin", &len);
  struct plan p;
  CHECK(plan_decode(&p, copy(g, len), len) == 0 && p.preserve_fds == 0);
  plan_free(&p);
  CHECK(decode_with(g, len, T_PRESERVE_FDS, "2", &p) == 0 && p.preserve_fds == 2);
  plan_free(&p);
  CHECK(decode_with(g, len, T_PRESERVE_FDS, "4096", &p) == 0 && p.preserve_fds == 4096);
  plan_free(&p);
  const char *bad[] = {"", "x", "-1", "+1", "1x", "4097", "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(decode_with(g, len, T_PRESERVE_FDS, bad[i], &p) != 0 && strstr(jbox_err, "preserve-fds"));

  /* cloexec_from marks, close_from closes, both from the given descriptor up */
  int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
  CHECK(a >= 3 && b > a);
  CHECK(cloexec_from(b) == 0);
  CHECK(!(fcntl(a, F_GETFD) & FD_CLOEXEC) && (fcntl(b, F_GETFD) & FD_CLOEXEC));
  CHECK(close_from(b) == 0);
  CHECK(fcntl(a, F_GETFD) >= 0 && fcntl(b, F_GETFD) < 0);
  close(a);

  /* the title: "NAME ID" over the whole argv area, NUL after it, the last byte not NUL */
  char area[] = "/home/me/bin/jbox-helper\0jbox\0run\0-e\0API_TOKEN=secret\0sh";
  char *argv[] = {area, area + 25, area + 30, area + 34, area + 37, area + 54, NULL};
  CHECK(!strcmp(argv[4], "API_TOKEN=secret") && !strcmp(argv[5], "sh"));
  title_init(6, argv);
  title_id("0123456789abcdef");
  set_name("jbox:monitor");
  CHECK(!strcmp(area, "jbox:monitor 0123456789ab"));
  CHECK(memmem(area, sizeof area - 1, "secret", 6) == NULL && memmem(area, sizeof area - 1, "/home", 5) == NULL);
  CHECK(area[sizeof area - 1] != '\0'); /* the last byte of the area (sh's NUL) */
  /* a name longer than the area is cut, still NUL-terminated before the last byte */
  char small[] = "ab\0c";
  char *sv[] = {small, small + 3, NULL};
  title_init(2, sv);
  set_name("jbox:monitor");
  CHECK(!strcmp(small, "jbo") && small[4] != '\0');

  printf("test_preserve_title: %d passed, %d failed\n", passed, failed);
  free(g);
  return failed != 0;
}
