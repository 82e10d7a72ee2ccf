/* Joining a project's running shell sandbox without the JVM (shell_join.c, PROTOCOL.md "Joining
 * a project's sandbox without the JVM"): SHA-256 for the project's id, the env-deny glob, the
 * decoder of the join template and the assembly of the plan. Each decoder takes untrusted bytes
 * and is bounded; the libFuzzer target fuzz/fuzz_shelljoin.c runs them. */
#ifndef JBOX_SHELL_JOIN_H
#define JBOX_SHELL_JOIN_H
#include <stddef.h>

#include "exec_fast.h"

#define JOIN_TEMPLATE_MAX (1u << 20) /* bytes of a join template */
#define JOIN_MAX_MARKERS 8           /* ENV records of a join template (DevShell.env's markers) */
#define JOIN_MAX_DENY 4096           /* env-deny patterns of a join template */
#define JOIN_TOML_MAX (1u << 20)     /* a .jbox/shell.toml larger than this goes to the JVM */

/* FIPS 180-4 SHA-256, as dev.jbox.Sha256. */
void sha256(const void *data, size_t len, unsigned char out[32]);
/* n bytes as 2n lowercase hex digits and a NUL */
void hex_encode(const unsigned char *d, size_t n, char *out);

/* ShellSettings.glob: `*` matches any run of bytes, everything else itself (iterative: linear in
 * the name times the pattern, never recursive). 1 on a match. */
int env_glob(const char *pat, size_t plen, const char *name, size_t nlen);

/* A join template (`join.plan`, written by ShellSandboxes.writeJoinTemplate): ENV{1,8} CWD USER
 * NS x 8 CAPS FLAG no-new-privs FLAG seccomp FLAG stdin JOINDENY* JOINTOML. Spans point into the
 * buffer given. */
struct join_template {
  struct span env[JOIN_MAX_MARKERS]; /* the markers: container, JBOX_SANDBOX, ... */
  size_t nenv;
  struct span project; /* CWD: the project's directory */
  struct span name;    /* the value of JBOX_SANDBOX */
  struct span middle;  /* the NS and CAPS records, verbatim */
  struct span *deny;   /* malloc'd */
  size_t ndeny;
  struct span toml; /* "none" or 64 hex digits */
};
/* 0, or -1 when the bytes are not a template this helper joins from. */
int join_template_parse(const char *buf, size_t len, struct join_template *t);
void join_template_free(struct join_template *t);

/* One `jbox shell [--] [CMD...]` joining the project's sandbox. */
struct join_call {
  char *const *envp;     /* the caller's environment (the launcher's own, before it changes any) */
  const char *cwd;       /* the real current directory */
  char *const *cmd;      /* the command; none: shell */
  size_t ncmd;
  const char *shell;     /* the command when there is none: $SHELL when absolute and executable, else /bin/sh */
  int tty;               /* stdin and stdout are terminals (System.console() != null) */
  unsigned long uid, gid;
  int utf8;              /* the JVM would decode in UTF-8: values may be any UTF-8; else ASCII only */
};
/* The plan DevShell.joinPlan makes for this call, then EXEC "PID START": 0 with *plan malloc'd,
 * or -1 (an environment the JVM would see otherwise: a name that is not ASCII, a value that is not
 * ASCII without utf8 or not UTF-8, too many entries). */
int join_plan_build(const struct join_call *c, const struct join_template *t, long pid, unsigned long long start,
                    char **plan, size_t *len);

struct prestart_start;
/* The plan DevShell.build made for this call from a prepared start: the start template s with
 * the call's command, environment (filtered by the deny patterns of the project's join template
 * jt, the template's markers put in), working directory and terminal, and id in each of its
 * markers. 0 with *plan and *env (the plan's environment, pointing into c->envp and s) malloc'd,
 * or -1 as join_plan_build. */
int prestart_plan_build(const struct join_call *c, const struct prestart_start *s, const struct join_template *jt,
                        const char *id, char **plan, size_t *len, struct span **env, size_t *nenv);

/* The launcher: `jbox shell ...` (argv after `shell`). Returns -1 to go on to the JVM; otherwise it
 * runs the plan from the sealed copy and does not return. */
int shell_join(int argc, char **argv);

/* After shell_join returned: where it found the project and the stores and the project has no
 * running sandbox, checks the KEY of the project's prepared start (prestart.c) against this host
 * now, for the jar the launcher starts and the helper the JVM is given. 0: every line holds; -1:
 * none, changed, or not a case for it. JBOX_TRACE shows prestart-fresh or prestart-stale,
 * JBOX_DEBUG_PRESTART=1 prints the answer and the first line that changed. */
int shell_prestart_probe(const char *jar, const char *helper);
#endif
