/* Joining a project's sandbox without the JVM (shell_join.c): the join template a shell sandbox
 * gets (golden join-template.bin, JoinTemplateTest) completed with the caller's environment
 * (join-env.txt) and one call must be, byte for byte, the plan the JVM's join sends (golden
 * join-plan.bin); the launcher's locale fix; every truncation and misordering of a template
 * refused; SHA-256 against dev.jbox.Sha256 (sha256-vectors.txt); the env-deny glob against its
 * recursive definition (ShellSettings.glob). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "shell_join.h"
#include "util.h"
#include "tests/check.h"

static char *load(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  size_t cap = 1 << 20;
  char *buf = malloc(cap + 1);
  *len = fread(buf, 1, cap, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

/* ShellSettings.glob, as written in Java (recursive) */
static int glob_ref(const char *p, const char *n) {
  if (!*p) return !*n;
  if (*p == '*') {
    for (const char *k = n;; k++) {
      if (glob_ref(p + 1, k)) return 1;
      if (!*k) return 0;
    }
  }
  return *n && *n == *p && glob_ref(p + 1, n + 1);
}

static int hexval(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/* the plan's ENV records, joined by '\n' */
static void envs(const char *plan, size_t len, char *out, size_t cap) {
  size_t w = 0;
  out[0] = '\0';
  for (size_t off = 10; off + 6 <= len;) {
    unsigned tag = (unsigned char)plan[off] | (unsigned char)plan[off + 1] << 8;
    size_t n = (unsigned char)plan[off + 2] | (unsigned char)plan[off + 3] << 8 | (size_t)(unsigned char)plan[off + 4] << 16;
    if (tag == T_ENV && w + n + 2 < cap) {
      memcpy(out + w, plan + off + 6, n);
      w += n;
      out[w++] = '\n';
      out[w] = '\0';
    }
    off += 6 + n;
  }
}

int main(void) {
  size_t tlen, plen, elen, vlen;
  char *tmpl = load("tests/golden/join-template.bin", &tlen);
  char *want = load("tests/golden/join-plan.bin", &plen);
  char *envtext = load("tests/golden/join-env.txt", &elen);
  char *vectors = load("tests/golden/sha256-vectors.txt", &vlen);

  /* SHA-256: every vector dev.jbox.Sha256 computed */
  int vecs = 0, vbad = 0;
  for (char *line = strtok(vectors, "\n"); line; line = strtok(NULL, "\n")) {
    char *sp = strchr(line, ' ');
    if (!sp) break;
    *sp = '\0';
    size_t n = strcmp(line, "-") ? strlen(line) / 2 : 0;
    unsigned char *in = malloc(n + 1), d[32];
    for (size_t i = 0; i < n; i++) in[i] = (unsigned char)(hexval(line[2 * i]) << 4 | hexval(line[2 * i + 1]));
    sha256(in, n, d);
    char got[65];
    for (int i = 0; i < 32; i++) sprintf(got + 2 * i, "%02x", d[i]);
    if (strcmp(got, sp + 1)) vbad++;
    vecs++;
    free(in);
  }
  CHECK(vecs > 180 && vbad == 0);

  /* the glob, against the recursive definition on every pattern and name of a small alphabet */
  const char *pats[] = {"", "*", "**", "A", "A*", "*A", "*_TOKEN", "*_TOKEN_*", "A*B*A", "*A*", "AB*BA", "*_SECRET*", "X**Y"};
  const char *names[] = {"", "A", "AA", "AB", "ABA", "ABBA", "ABAB", "GH_TOKEN", "_TOKEN", "GH_TOKEN_X", "X_SECRET_Y",
                         "XY", "XZY", "A_TOKEN_", "BAAB", "ABXBA"};
  int gbad = 0;
  for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
      if (env_glob(pats[i], strlen(pats[i]), names[k], strlen(names[k])) != glob_ref(pats[i], names[k])) gbad++;
  CHECK(gbad == 0);
  CHECK(env_glob("*_TOKEN", 7, "GH_TOKEN", 8) && !env_glob("*_TOKEN", 7, "GH_TOKENS", 9));

  /* the template and the plan of the golden call */
  struct join_template t;
  CHECK(join_template_parse(tmpl, tlen, &t) == 0);
  CHECK(t.nenv == 4 && t.name.len == 3 && !memcmp(t.name.p, "app", 3) && t.ndeny == 24 && t.toml.len == 64);
  CHECK(t.project.len == 17 && !memcmp(t.project.p, "/home/dev/src/app", 17));
  char *envp[64];
  size_t n = 0;
  for (char *line = strtok(envtext, "\n"); line && n < 63; line = strtok(NULL, "\n")) envp[n++] = line;
  envp[n] = NULL;
  char *cmd[] = {"sh", "-c", "echo hi"};
  struct join_call c = {.envp = envp, .cwd = "/home/dev/src/app/lib/x", .cmd = cmd, .ncmd = 3, .shell = "/bin/bash",
                        .tty = 1, .uid = 1000, .gid = 1000};
  char *plan;
  size_t len;
  CHECK(join_plan_build(&c, &t, 4242, 987654321ULL, &plan, &len) == 0);
  CHECK(len == plen && !memcmp(plan, want, plen));
  struct plan p;
  CHECK(plan_decode(&p, plan, len) == 0 && p.exec_pid == 4242 && p.tty && p.keep_stdin && p.argc == 3);
  plan_free(&p);

  /* no command: the shell; a cwd outside the project (or beside it: /home/dev/src/app2): the project */
  char env_out[8192];
  const char *outside[] = {"/home/dev", "/home/dev/src/app2", "/"};
  for (size_t i = 0; i < 3; i++) {
    struct join_call o = c;
    o.ncmd = 0, o.cwd = outside[i], o.tty = 0;
    CHECK(join_plan_build(&o, &t, 1, 2, &plan, &len) == 0);
    CHECK(memmem(plan, len, "\1\0\11\0\0\0/bin/bash", 15) && memmem(plan, len, "\3\0\21\0\0\0/home/dev/src/app\4\0", 25));
    CHECK(!memmem(plan, len, "tty", 3));
    CHECK(plan_decode(&p, plan, len) == 0);
    plan_free(&p);
  }

  /* the launcher's locale fix: the JVM sees LC_CTYPE=C.UTF-8 (or LC_ALL) where the ctype is not UTF-8 */
  char *plain[] = {"PATH=/bin", "LANG=C", "ZZ=1", NULL};
  struct join_call l = c;
  l.envp = plain;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == 0);
  envs(plan, len, env_out, sizeof env_out);
  CHECK(!strncmp(env_out, "LANG=C\nLC_CTYPE=C.UTF-8\nPATH=/bin\nZZ=1\ncontainer=jbox\n", 52));
  free(plan);
  char *lcall[] = {"LC_ALL=POSIX", "LANG=en_US.UTF-8", "B=1", "B=2", "container=x", "=bad", "noeq", NULL};
  l.envp = lcall;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == 0);
  envs(plan, len, env_out, sizeof env_out);
  CHECK(!strncmp(env_out, "B=1\nLANG=en_US.UTF-8\nLC_ALL=C.UTF-8\ncontainer=jbox\nJBOX_SANDBOX=app\n", 66));
  free(plan);
  char *utf[] = {"LC_CTYPE=de_DE.utf8", "A=1", NULL};
  l.envp = utf;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == 0);
  envs(plan, len, env_out, sizeof env_out);
  CHECK(!strncmp(env_out, "A=1\nLC_CTYPE=de_DE.utf8\ncontainer=jbox\n", 39));
  free(plan);
  /* a byte that is not ASCII: taken where the JVM decodes UTF-8 (and it is UTF-8), in a value only */
  char *latin[] = {"LANG=C.UTF-8", "NAME=caf\xc3\xa9", NULL};
  l.envp = latin;
  l.utf8 = 0;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == -1);
  l.utf8 = 1;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == 0);
  envs(plan, len, env_out, sizeof env_out);
  CHECK(!strncmp(env_out, "LANG=C.UTF-8\nNAME=caf\xc3\xa9\ncontainer=jbox\n", 39));
  free(plan);
  char *badutf[] = {"NAME=caf\xc3", NULL}, *badname[] = {"N\xc3\xa9=x", NULL};
  l.envp = badutf;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == -1);
  l.envp = badname;
  CHECK(join_plan_build(&l, &t, 1, 2, &plan, &len) == -1);
  join_template_free(&t);

  /* a template is refused when cut anywhere, misordered, or with a record a join template never has */
  int all = 1;
  for (size_t k = 0; k < tlen; k++) {
    char *cut = copy(tmpl, k);
    if (k >= 10) cut[6] = (char)k, cut[7] = (char)(k >> 8), cut[8] = 0, cut[9] = 0;
    if (join_template_parse(cut, k, &t) == 0) all = 0, join_template_free(&t);
    free(cut);
  }
  CHECK(all);
  struct {
    const char *from, *to;
  } bad[] = {
      {"\3\0\21\0\0\0/home", "\5\0\21\0\0\0/home"},        /* CWD as HOSTNAME */
      {"seccomp", "init\0\0\0"},                           /* another flag */
      {"stdin", "ttyyy"},                                  /* not the three flags */
      {"2147747323", "21477473x3"},                        /* caps not decimal */
      {"JBOX_SANDBOX=", "JBOX_SANDBOXX"},                  /* no name */
      {"f2bd7bdbef", "F2BD7BDBEF"},                        /* toml state not lowercase hex */
      {"\1\0\0\0\0\0\0\0", "\1\0\0\0\0\0\0\0"},            /* (unchanged: parses) */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *b = copy(tmpl, tlen);
    char *at = memmem(b, tlen, bad[i].from, strlen(bad[i].from) ? strlen(bad[i].from) : 1);
    int refused;
    if (!at) {
      refused = i + 1 == sizeof bad / sizeof *bad; /* the last one need not be there */
    } else {
      memcpy(at, bad[i].to, strlen(bad[i].from));
      refused = join_template_parse(b, tlen, &t) != 0;
      if (!refused) join_template_free(&t);
    }
    if (i + 1 < sizeof bad / sizeof *bad) CHECK(refused);
    free(b);
  }
  char *named = copy(tmpl, tlen);
  memcpy((char *)memmem(named, tlen, "time\0new", 8) + 5, "old", 3); /* a namespace named */
  CHECK(join_template_parse(named, tlen, &t) != 0);
  free(named);
  /* capabilities past 2^64 - 1 (which plan_decode would refuse) */
  const char *caps_at = memmem(tmpl, tlen, "\15\0\12\0\0\0002147747323", 16);
  CHECK(caps_at != NULL);
  if (caps_at) {
    size_t head = (size_t)(caps_at - tmpl), big = tlen + 10;
    char *b = malloc(big);
    memcpy(b, tmpl, head);
    memcpy(b + head, "\15\0\24\0\0\00018446744073709551616", 26);
    memcpy(b + head + 26, caps_at + 16, tlen - head - 16);
    b[6] = (char)big, b[7] = (char)(big >> 8);
    CHECK(join_template_parse(b, big, &t) != 0);
    memcpy(b + head + 6, "18446744073709551615", 20); /* the largest is taken */
    CHECK(join_template_parse(b, big, &t) == 0);
    join_template_free(&t);
    free(b);
  }
  /* a join template's own records are refused in a plan */
  char rec[] = "JBXP\1\0\0\0\0\0\60\0\4\0\0\0none";
  size_t rl = sizeof rec - 1;
  rec[6] = (char)rl;
  CHECK(plan_decode(&p, copy(rec, rl), rl) != 0);
  plan_free(&p);

  free(tmpl), free(want), free(envtext), free(vectors);
  printf("shell_join: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
