/* `jbox exec` without the JVM (exec_fast.c, PROTOCOL.md "exec without the JVM"): the launcher's
 * parser of the common exec forms, the decoders of the exec template and of the monitor's state
 * record, and the assembly of the plan. Each decoder takes untrusted bytes and is bounded; the
 * libFuzzer target fuzz/fuzz_execfast.c runs them. */
#ifndef JBOX_EXEC_FAST_H
#define JBOX_EXEC_FAST_H
#include <stddef.h>

#define EXEC_CALL_MAX_ENV 256        /* -e options of one call; more go to the JVM */
#define EXEC_TEMPLATE_MAX (1u << 20) /* bytes of an exec template */

/* One `jbox exec` command line, as picocli's ExecCommand parses it (stop at the first positional,
 * a repeated option's last value wins). Pointers into argv. */
struct exec_call {
  int interactive, tty;
  const char *env[EXEC_CALL_MAX_ENV];
  size_t nenv;
  const char *user, *workdir; /* NULL: the sandbox's */
  const char *ref;
  char **cmd;
  size_t ncmd;
};
/* argv: the words after `exec`. Returns 0 for a form the fast path takes, -1 for anything else
 * (other options, --help, a malformed value, no command...): the JVM parses those. */
int exec_call_parse(int argc, char **argv, struct exec_call *c);

struct span {
  const char *p;
  size_t len;
};
/* An exec template: ENV* CWD? USER? NS... RLIMIT* CAPS FLAG* EXECNAME (PROTOCOL.md). The spans
 * point into the buffer given. */
struct exec_template {
  struct span *env; /* malloc'd, at most PLAN_MAX_ITEMS */
  size_t nenv;
  struct span cwd, user, name; /* p NULL: none */
  struct span middle;          /* the NS, RLIMIT and CAPS records, verbatim */
  int no_new_privs, seccomp;
};
/* Returns 0, or -1 when the bytes are not a template this helper writes plans from. */
int exec_template_parse(const char *buf, size_t len, struct exec_template *t);
void exec_template_free(struct exec_template *t);

/* The head of a `state` record as format_state writes it: {"status":"WORD","pid":N,"pidStart":N,... */
struct exec_state {
  char status[16];
  long pid;
  unsigned long long pid_start;
};
int exec_state_parse(const char *buf, size_t len, struct exec_state *s);

/* The "name" of a record (config.json as Json.pretty writes it): 0 with name->p NULL for null or
 * pointing into buf, or -1 when it cannot be told. */
int exec_record_name(const char *buf, size_t len, struct span *name);

/* Valid UTF-8 as Java's decoder takes it (no overlong forms, no surrogates, at most U+10FFFF). */
int utf8_valid(const char *s, size_t len);

/* Whether a variable that gives the JVM options is set (JBOX_JAVA_OPTS, JAVA_TOOL_OPTIONS,
 * JDK_JAVA_OPTIONS, _JAVA_OPTIONS): then the fast paths leave the command to the JVM, which
 * they could not match (-Dfile.encoding changes how it decodes the environment, the JDK prints
 * "Picked up ..." on stderr, and whoever sets them wants that JVM: -Xlog, a debugger). */
int jvm_options_set(void);

/* The plan of the call for the sandbox of template t whose pid 1 is pid (start time start):
 * PlanWriter's bytes for SandboxService.execPlan plus EXEC. 0 with *plan malloc'd, or -1. */
int exec_plan_build(const struct exec_call *c, const struct exec_template *t, long pid, unsigned long long start,
                    char **plan, size_t *len);

/* ---- shared with the join of a project's sandbox (shell_join.c) ---- */

/* Reads a small file whole (O_NOFOLLOW); NULL when it is absent, unreadable or larger than max. */
char *read_small(int dirfd, const char *path, size_t max, size_t *len);
/* The image store's containers/ (ConfigLoader.storageRoot) and the runtime directory
 * (SandboxStore.open, without its fallback, which warns); -1 also when a configuration file has
 * settings that no JVM recorded for these bytes (ConfigLoader's StorageKey: the root they set). */
int store_dirs(char *containers, size_t clen, char *root, size_t rlen);
/* The same; with settings 0, -1 whenever a configuration file has settings (a command they
 * change besides the store, as a shell's join). */
int store_dirs_settings(char *containers, size_t clen, char *root, size_t rlen, int settings);
/* Sandbox.status() of record id (image: in containers/) is RUNNING; st gets its pid 1. -1:
 * anything else (the JVM says what). */
int sandbox_running(const char *root, const char *containers, const char *id, int image, struct exec_state *st);

/* SandboxStore.find(ref) without a doubt: the one sandbox named ref, with that full id, or the
 * only one whose id starts with ref (hex), in both record homes; id and image (its record is in
 * containers/) set. -1: none, ambiguous, or a record that cannot be read (the JVM says what). */
int find_sandbox(const char *ref, const char *containers, const char *root, char id[65], int *image);

/* SandboxStore.nameUser(name) is null: 0 when no record in either home is named name (by its
 * exec template's name, else its record's) and every record could be read; -1 otherwise. */
int name_taken(const char *name, const char *containers, const char *root);

/* A plan being written (PlanWriter's records); err set on overflow or out of memory. */
struct out {
  char *p;
  size_t len, cap;
  int err;
};
void out_put(struct out *o, const void *b, size_t n);
void out_rec(struct out *o, unsigned tag, const char *v, size_t n);
void out_rec2(struct out *o, unsigned tag, const char *a, size_t alen, const char *b, size_t blen);
/* The key of an environment entry: up to the first '='. */
size_t env_keylen(struct span e);
/* A LinkedHashMap's put: an entry with the same key is replaced in place, else appended (at most
 * PLAN_MAX_ITEMS). */
int env_put(struct span *env, size_t *n, struct span e);
/* Runs plan (malloc'd, taken) from the sealed copy as `run-plan /proc/self/fd/N`; returns -1 only
 * when the memfd cannot be made. */
int run_plan_sealed(char *plan, size_t len);

/* The launcher: `jbox exec ...` (argv after `exec`). Returns -1 to go on to the JVM; otherwise it
 * runs the plan from the sealed copy and does not return. */
int exec_fast(int argc, char **argv);
#endif
