/* The launcher's check of a prepared `jbox run --rm` (PROTOCOL.md "Preparing a run"). The JVM keeps,
 * for the words of a run it may prepare, the KEY of every input its plan was computed from
 * (dev.jbox.sandboxes.RunPrepared) in RUNTIME/runs/HASH.prepared/key; this finds it from the same
 * words, reads it with prestart.c's checks (no symlink below the runtime directory, the caller's
 * 0700 directory and 0600 file) and re-checks every line. */
#include "run_prepared.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_fast.h"
#include "run_fast.h"
#include "prestart.h"
#include "shell_join.h"
#include "util.h"

int run_argv_hash(int argc, char **argv, char out[72]) {
  size_t total = 0;
  for (int i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]);
    if (!utf8_valid(argv[i], n)) return -1;
    total += n + 1;
  }
  char *buf = malloc(total ? total : 1);
  if (!buf) return -1;
  size_t at = 0;
  for (int i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]) + 1; /* with its NUL */
    memcpy(buf + at, argv[i], n);
    at += n;
  }
  unsigned char d[32];
  sha256(buf, total, d);
  free(buf);
  memcpy(out, "sha256:", 7);
  hex_encode(d, 32, out + 7);
  return 0;
}

/* The runtime directory as SandboxStore.open finds it ($XDG_RUNTIME_DIR/jbox when that is an
 * absolute directory, else /tmp/jbox-run-UID; the KEY's `value store` line says which the JVM
 * used): the caller's own 0700 directory, not a symlink. 0, or -1. */
static int runtime_root(char *root, size_t rl) {
  const char *x = getenv("XDG_RUNTIME_DIR");
  struct stat st;
  int n = x && x[0] == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) ? snprintf(root, rl, "%s/jbox", x)
                                                                       : snprintf(root, rl, "/tmp/jbox-run-%u", (unsigned)getuid());
  if (n < 0 || (size_t)n >= rl) return -1;
  return lstat(root, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() && !(st.st_mode & 077) ? 0 : -1;
}

/* Why the KEY does not hold (or "fresh"), and the answer. */
static int answer(int fresh, const char *why) {
  trace(fresh ? "run-prepared-fresh" : "run-prepared-stale");
  const char *dbg = getenv("JBOX_DEBUG_PRESTART");
  if (dbg && !strcmp(dbg, "1")) {
    if (fresh) fprintf(stderr, "jbox: run-prepared: fresh\n");
    else fprintf(stderr, "jbox: run-prepared: stale: %s\n", why);
  }
  return fresh ? 0 : -1;
}

/* The KEY's name for words w[0..n): "HASH16.prepared" in name, the hash in h. */
static int key_name(int n, char **w, char h[72], char name[32]) {
  if (run_argv_hash(n, w, h)) return -1;
  snprintf(name, 32, "%.16s.prepared", h + 7);
  return 0;
}

int run_prepared_probe(int argc, char **argv, const char *jar, const char *helper) {
  /* options for the JVM may change what it sees (user.dir, file.encoding): never prepared */
  if (jvm_options_set()) return answer(0, "JBOX_JAVA_OPTS is set");
  char h[72], name[32];
  if (key_name(argc, argv, h, name)) return answer(0, "a word is not valid UTF-8");
  char root[PATH_MAX];
  if (runtime_root(root, sizeof root)) return answer(0, "none: no runtime directory yet");
  char why[PATH_MAX + 64] = "";
  size_t len;
  /* a run without a command is named by all its words; one with a command by the words up to its
   * IMAGE and RUN_COMMAND_WORD (RunPrepared.keyWords). Where IMAGE is, the JVM's option parser
   * knows: the prefixes are tried, and only the right one can have a KEY (the parser decides from
   * the words before it alone, so a prefix the JVM named ends where it finds IMAGE here too) */
  int cmd = 0; /* the command's first word */
  char *text = prepared_read(root, "runs", name, "key", PRESTART_KEY_MAX, &len, why, sizeof why);
  char **w = text ? NULL : calloc((size_t)argc + 1, sizeof *w);
  for (int n = argc - 1; !text && w && n >= 1 && !strncmp(why, "none:", 5); n--) {
    memcpy(w, argv, (size_t)n * sizeof *w);
    w[n] = (char *)RUN_COMMAND_WORD;
    char hn[72], nn[32], wn[sizeof why] = "";
    if (key_name(n + 1, w, hn, nn)) break;
    text = prepared_read(root, "runs", nn, "key", PRESTART_KEY_MAX, &len, wn, sizeof wn);
    if (text || strncmp(wn, "none:", 5)) {
      memcpy(h, hn, sizeof h), memcpy(name, nn, sizeof name), memcpy(why, wn, sizeof why);
      cmd = n;
    }
  }
  free(w);
  if (!text) return answer(0, why);
  struct prestart_key k;
  int parsed = prestart_key_parse(text, len, &k);
  free(text);
  if (parsed) return answer(0, "not a KEY this helper checks");
  /* a KEY of a run names its words (a shell's does not: it has options, which a run's check refuses) */
  int words = 0;
  for (size_t i = 0; i < k.nlines; i++) words |= k.lines[i].kind == KEY_VALUE && !strcmp(k.lines[i].a, "argv");
  if (!words) {
    prestart_key_free(&k);
    return answer(0, "not a run's KEY");
  }
  struct prestart_call c = {.options = NULL, .store = root, .jar = jar, .helper = helper, .argv = h};
  int fresh = prestart_key_check(&k, &c, why, sizeof why) == 0;
  prestart_key_free(&k);
  answer(fresh, why);
  if (!fresh) return -1;
  /* the launcher runs it itself unless JBOX_RUN_PREPARED=check (the JVM runs it: tests of its run) */
  const char *mode = getenv("JBOX_RUN_PREPARED");
  if (mode && !strcmp(mode, "check")) return 0;
  /* returns only when it goes to the JVM */
  run_fast_start(root, name, cmd ? argv + cmd : NULL, cmd ? (size_t)(argc - cmd) : 0, why, sizeof why);
  trace("run-fast-jvm");
  const char *dbg = getenv("JBOX_DEBUG_PRESTART");
  if (dbg && !strcmp(dbg, "1")) fprintf(stderr, "jbox: run-prepared: the launcher's run goes to the JVM: %s\n", why);
  return 0;
}
