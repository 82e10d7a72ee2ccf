/* The templates of a prepared run (run_fast.c): filled with the id they were made from, the golden
 * templates RunTemplatesTest makes from the JVM's code (run-plan-template.bin,
 * run-config-template.json) give back the JVM's bytes (run-plan.bin, run-config.json); runs of `@`
 * other than 1-11 (text), 12 (the hostname) and 64 (the id) refused; a plan it cannot walk
 * refused; the record's created time put in its one place. Runs under ASan/UBSan (`make check`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "run_fast.h"

#define ID "5a3c0e9f1b2d4c6e8f0a1b2c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f6"

static void golden(void) {
  size_t pl, tl, cl, ctl;
  char *plan = load_golden("tests/golden/run-plan.bin", &pl);
  char *tmpl = load_golden("tests/golden/run-plan-template.bin", &tl);
  char *filled = run_fill_plan(tmpl, tl, ID);
  CHECK(filled && pl == tl && !memcmp(filled, plan, pl));
  /* every cut is refused (the header's length no longer holds, or a record runs past the end) */
  int cuts = 0;
  for (size_t n = 0; n < tl; n++) {
    char *c = copy(tmpl, n);
    char *f = run_fill_plan(c, n, ID);
    cuts += f != NULL;
    free(f), free(c);
  }
  CHECK(cuts == 0);
  /* the header's length patched to a cut: a record runs past the end */
  char *c = copy(tmpl, tl - 3);
  c[6] = (char)((tl - 3) & 0xff), c[7] = (char)((tl - 3) >> 8), c[8] = 0, c[9] = 0;
  char *f = run_fill_plan(c, tl - 3, ID);
  CHECK(f == NULL);
  free(f), free(c);
  free(filled);

  char *rec = load_golden("tests/golden/run-config.json", &cl);
  char *rect = load_golden("tests/golden/run-config-template.json", &ctl);
  char *text = run_fill_text(rect, ctl, ID);
  CHECK(text && cl == ctl && !memcmp(text, rec, cl));
  /* another created time: only its digits change */
  size_t nl;
  char *later = text ? run_fill_created(text, ctl, 9223372036854775807ULL, &nl) : NULL;
  const char *at = later ? strstr(later, "\n  \"created\": ") : NULL;
  CHECK(at && !strncmp(at + 14, "9223372036854775807,\n", 21));
  CHECK(later && nl == cl + 6 && !memcmp(later, rec, (size_t)(at - later)));
  char *back = later ? run_fill_created(later, nl, 1796444675362ULL, &nl) : NULL;
  CHECK(back && nl == cl && !memcmp(back, rec, cl));
  free(back), free(later), free(text), free(rec), free(rect), free(plan), free(tmpl);
}

/* A run with a command: the templates without it (RunTemplatesTest: the plan's last two ARGV
 * records, the record's last two command words), filled with the id and then the command, are
 * the JVM's bytes again. */
static void command(void) {
  size_t pl, tl, cl, ctl, n, n2;
  char *plan = load_golden("tests/golden/run-plan.bin", &pl);
  char *tmpl = load_golden("tests/golden/run-plan-cmd-template.bin", &tl);
  char *rec = load_golden("tests/golden/run-config.json", &cl);
  char *rect = load_golden("tests/golden/run-config-cmd-template.json", &ctl);
  char *pw[] = {"-c", "echo a@b; echo @@@@@@@@@@@"};
  char *marked = run_fill_plan(tmpl, tl, ID);
  char *full = marked ? run_fill_command_plan(marked, tl, pw, 2, &n) : NULL;
  CHECK(full && n == pl && !memcmp(full, plan, pl));
  free(full);
  /* no word, a word not valid UTF-8, a template cut */
  char *bad[] = {"\xff"};
  full = marked ? run_fill_command_plan(marked, tl, pw, 0, &n) : NULL;
  CHECK(full == NULL);
  full = marked ? run_fill_command_plan(marked, tl, bad, 1, &n) : NULL;
  CHECK(full == NULL);
  full = marked ? run_fill_command_plan(marked, tl - 1, pw, 2, &n) : NULL;
  CHECK(full == NULL);
  free(marked);

  char *rw[] = {"-c", "echo \"5a3c0e9f1b2d\"\n  \"created\": 1,"};
  char *text = run_fill_text(rect, ctl, ID);
  char *done = text ? run_fill_command_record(text, ctl, rw, 2, &n2) : NULL;
  CHECK(done && n2 == cl && !memcmp(done, rec, cl));
  free(done);
  /* one word; a word to quote every way; not valid UTF-8 */
  char *one[] = {"x"}, *hostile[] = {"q\"b\\s\x01\x1f\n\t\r\xc3\xa9 \xf0\x9f\x98\x80"};
  done = text ? run_fill_command_record(text, ctl, one, 1, &n2) : NULL;
  CHECK(done && strstr(done, "\"command\": [\n    \"sh\",\n    \"x\"\n  ],"));
  free(done);
  done = text ? run_fill_command_record(text, ctl, hostile, 1, &n2) : NULL;
  CHECK(done && strstr(done, "\"q\\\"b\\\\s\\u0001\\u001f\\n\\t\\r\xc3\xa9 \xf0\x9f\x98\x80\""));
  free(done);
  done = text ? run_fill_command_record(text, ctl, bad, 1, &n2) : NULL;
  CHECK(done == NULL);
  /* the token twice, or not on a line of its own */
  static const char twice[] = "{\n  \"command\": [\n    \"\\u0001jbox-run:command\",\n    \"\\u0001jbox-run:command\"\n  ]\n}\n";
  static const char inline_[] = "{\n  \"command\": [\"\\u0001jbox-run:command\"]\n}\n";
  static const char good[] = "{\n  \"command\": [\n    \"\\u0001jbox-run:command\"\n  ]\n}\n";
  done = run_fill_command_record(twice, strlen(twice), one, 1, &n2);
  CHECK(done == NULL);
  free(done);
  done = run_fill_command_record(inline_, strlen(inline_), one, 1, &n2);
  CHECK(done == NULL);
  free(done);
  done = run_fill_command_record(good, strlen(good), pw, 2, &n2);
  CHECK(done && !strcmp(done, "{\n  \"command\": [\n    \"-c\",\n    \"echo a@b; echo @@@@@@@@@@@\"\n  ]\n}\n") && n2 == strlen(done));
  free(done);
  free(text), free(plan), free(tmpl), free(rec), free(rect);
}

static int text_ok(const char *t, const char *want) {
  char *f = run_fill_text(t, strlen(t), ID);
  int ok = want ? f && !strcmp(f, want) : f == NULL;
  free(f);
  return ok;
}

static void markers(void) {
  char m64[65], m12[13], m13[14], m63[64], m65[66], m76[77];
  memset(m64, '@', 64), m64[64] = 0;
  memset(m12, '@', 12), m12[12] = 0;
  memset(m13, '@', 13), m13[13] = 0;
  memset(m63, '@', 63), m63[63] = 0;
  memset(m65, '@', 65), m65[65] = 0;
  memset(m76, '@', 76), m76[76] = 0;
  char t[256], w[256];
  snprintf(t, sizeof t, "a %s b %s c", m64, m12);
  snprintf(w, sizeof w, "a %s b %.12s c", ID, ID);
  CHECK(text_ok(t, w));
  CHECK(text_ok("@ a@b @PID@ @@@@@@@@@@@", "@ a@b @PID@ @@@@@@@@@@@"));
  CHECK(text_ok("", ""));
  CHECK(text_ok(m13, NULL));
  CHECK(text_ok(m63, NULL));
  CHECK(text_ok(m65, NULL));
  CHECK(text_ok(m76, NULL));
  /* a NUL in a text template */
  char *f = run_fill_text("a\0b", 3, ID);
  CHECK(f == NULL);
  free(f);
  /* created: missing, twice, no digits, too many, not followed by ",\n" */
  size_t n;
  const char *bad[] = {"{\n  \"id\": 1\n}\n", "{\n  \"created\": 1,\n  \"created\": 2,\n}\n", "{\n  \"created\": ,\n}\n",
                       "{\n  \"created\": 12345678901234567890,\n}\n", "{\n  \"created\": 12\n}\n", "{\n  \"created\": 12"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *o = run_fill_created(bad[i], strlen(bad[i]), 5, &n);
    CHECK(o == NULL);
    free(o);
  }
  char *o = run_fill_created("{\n  \"created\": 0,\n}\n", 20, 42, &n);
  CHECK(o && n == 21 && !strcmp(o, "{\n  \"created\": 42,\n}\n"));
  free(o);
}

int main(void) {
  golden();
  command();
  markers();
  printf("test_run_fast: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
