/* libFuzzer target: the fillers of a prepared run's templates (run_fast.c) on arbitrary bytes, as
 * a plan, as text and as a record's created line. What they give back is the input's length (the
 * created line: the input with its digits changed), differs from the input only where a run of
 * exactly 12 or 64 `@` was, and has the id's digits there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run_fast.h"

static const char ID[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

static void same_but_markers(const char *in, const char *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (in[i] == out[i]) continue;
    if (in[i] != '@' || !strchr("0123456789abcdef", out[i]) || !out[i]) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  char *p = run_fill_plan(in, size, ID);
  if (p) same_but_markers(in, p, size);
  free(p);
  char *t = run_fill_text(in, size, ID);
  if (t) {
    same_but_markers(in, t, size);
    if (t[size] != '\0' || memchr(in, '\0', size)) abort();
  }
  free(t);
  size_t n;
  char *c = run_fill_created(in, size, 1796444675362ULL, &n);
  if (c) {
    const char *at = memmem(c, n, "\n  \"created\": 1796444675362,\n", 29);
    if (!at || memcmp(c, in, (size_t)(at - c))) abort();
    size_t tail = n - (size_t)(at - c) - 28;
    if (memcmp(c + n - tail, in + size - tail, tail)) abort();
  }
  free(c);
  /* the call's command put in: as many bytes more as its records take; the record's text up to
   * the token unchanged */
  static char *const words[] = {"sh", "q\"b\\\n\x01 caf\xc3\xa9", "@@@@@@@@@@@@"};
  size_t wn = 0;
  for (size_t i = 0; i < 3; i++) wn += 6 + strlen(words[i]);
  char *pc = run_fill_command_plan(in, size, words, 3, &n);
  if (pc && n != size + wn) abort();
  free(pc);
  char *rc = run_fill_command_record(in, size, words, 3, &n);
  if (rc) {
    const char *tok = memmem(in, size, "\"\\u0001jbox-run:command\"", 24);
    if (!tok || memcmp(rc, in, (size_t)(tok - in)) || rc[n] != '\0') abort();
  }
  free(rc);
  return 0;
}
