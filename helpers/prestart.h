/* The prepared start of a project's new `jbox shell` sandbox (prestart.c, PROTOCOL.md "Preparing
 * a project's next sandbox"): the decoder of the KEY the JVM wrote (every input of the shell's
 * policy, as dev.jbox.PolicyInputs observed it, after a stamp of the jar and the helper that
 * computed it), the private directory it lives in, and the re-check of every line. The decoder
 * takes untrusted bytes and is bounded; the libFuzzer target fuzz/fuzz_prestart.c runs it. */
#ifndef JBOX_PRESTART_H
#define JBOX_PRESTART_H
#include <stddef.h>

#include "exec_fast.h"

#define PRESTART_KEY_MAX (1u << 20)   /* bytes of a KEY file */
#define PRESTART_MAX_LINES 16384      /* lines of a KEY */
#define PRESTART_READ_MAX (16u << 20) /* a file a `read` line names: larger is a change */
#define PRESTART_VERSION "jbox-prestart 1"

enum key_kind {
  KEY_STAT,     /* stat PATH mode=OCTAL | absent */
  KEY_LSTAT,    /* lstat PATH mode=OCTAL | absent */
  KEY_ACCESS_X, /* access-x PATH yes|no */
  KEY_READ,     /* read PATH sha256 HEX | absent */
  KEY_REAL,     /* real PATH REALPATH */
  KEY_ENV,      /* env NAME=VALUE | env NAME unset */
  KEY_VALUE,    /* value NAME=VALUE[ from PATH]... */
  KEY_JAR,      /* stamp: jar INODE SIZE MTIME_NS PATH */
  KEY_HELPER,   /* stamp: helper INODE SIZE MTIME_NS PATH */
};

/* One line, decoded (the JVM's \\ and \n escapes undone): a is the path or name, b the expected
 * answer (the mode's octal digits, the hash, the real path, the value); absent: a is absent
 * (or unset, or "no" for access-x: then b is NULL). For the stamp, n holds inode, size, mtime. */
struct key_line {
  enum key_kind kind;
  const char *a, *b;
  int absent;
  unsigned long long n[3];
};

struct prestart_key {
  char *text; /* the decoded copy the lines point into (malloc'd) */
  struct key_line *lines; /* malloc'd */
  size_t nlines;
};
/* 0, or -1 when the bytes are not a KEY this helper checks: a wrong first line, an unknown kind,
 * a line it cannot split without doubt (a path with a space where two paths are), an error the
 * JVM observed (`error ...`: never re-checked, always a change), too long, a NUL. */
int prestart_key_parse(const char *buf, size_t len, struct prestart_key *k);
void prestart_key_free(struct prestart_key *k);

/* What the call brings that the KEY's `value` lines name. */
struct prestart_call {
  const char *options; /* RunOptions.values as Java prints it: "{}" or "{project=[DIR]}" */
  const char *store;   /* the runtime directory ($XDG_RUNTIME_DIR/jbox) */
  const char *jar;     /* the jar the launcher would start */
  const char *helper;  /* the helper the JVM would be given (JBOX_HELPER, else this one) */
  const char *argv;    /* a run's words: "sha256:HEX" (run_prepared.c); NULL for a shell */
};
/* Every line still true now: 0; else -1 with the first line that is not (or the reason) in why. */
int prestart_key_check(const struct prestart_key *k, const struct prestart_call *c, char *why, size_t wlen);

/* The KEY of the project whose id is pid16 in the runtime directory root
 * (root/projects/ID.prestart/key): the directory and the file the caller's own, not symlinks,
 * 0700 and 0600, checked with fstat on the descriptors opened (O_NOFOLLOW). malloc'd, or NULL
 * with why set. */
char *prestart_key_read(const char *root, const char *pid16, size_t *len, char *why, size_t wlen);
/* ---- the start template (start.plan beside the KEY) ---------------------------------------- */

#define PRESTART_START_MAX (1u << 20) /* bytes of a start template */
#define PRESTART_ID_LEN 64            /* a sandbox's id, and the marker that stands for it */
#define PRESTART_MAX_MARKERS 8        /* ENV records of a start template (DevShell.env's markers) */

/* A start template (ShellSandboxes.writePrestart: DevShell.startTemplate without its command):
 * ENV{1,8} (the markers) CWD (the project) then the plan's other records in PlanWriter's order
 * (tags only increasing, each a kind a shell start has: USER HOSTNAME ROOTFS NS UIDMAP GIDMAP
 * MAPTOOL MOUNT RLIMIT CAPS FLAG TIMENS NETWORK OVERLAY CLEANUP RMDIR FUSE LOCKFILE SYSCTL), no
 * `tty` flag (the caller's), a `stdin` flag, a LOCKFILE; the id's marker (64 `@`, no `@` on
 * either side) only in MOUNT, RMDIR and LOCKFILE records, and in the LOCKFILE; completed with a
 * command and an id it must be a plan plan_decode takes. Spans point into the buffer given. */
struct prestart_start {
  struct span env[PRESTART_MAX_MARKERS];
  size_t nenv;
  struct span name;    /* the value of JBOX_SANDBOX (none: p NULL) */
  struct span project; /* CWD */
  struct span head;    /* USER up to the flags before `tty`'s place (no-new-privs, seccomp, init), verbatim */
  struct span tail;    /* the `stdin` flag and every record after it, verbatim */
  size_t nids;         /* markers in head and tail */
};
/* 0, or -1 when the bytes are not a start template this helper starts from. */
int prestart_start_parse(const char *buf, size_t len, struct prestart_start *s);

/* Copies n bytes of a parsed template's span to dst with every marker replaced by id (64 lowercase
 * hex digits); the length is unchanged. */
void prestart_fill_id(char *dst, const char *src, size_t n, const char *id);

/* The next marker in v[0..len) from i on: its offset, or -1 when there is none; -2 for a run of
 * `@` longer than a marker (no place to put the id). Shorter runs are text. */
long prestart_next_marker(const char *v, size_t len, size_t i);

/* A file of a prepared directory root/sub/name (a project's "projects", "ID.prestart"; a run's
 * "runs", "HASH.prepared"), with prestart_key_read's checks: each directory opened O_NOFOLLOW from
 * root, the last the caller's 0700 one, the file the caller's regular 0600 file with one link, at
 * most max bytes. malloc'd, or NULL with why set ("none: ..." when there is none). */
char *prepared_read(const char *root, const char *sub, const char *name, const char *file, size_t max, size_t *len, char *why,
                    size_t wlen);

/* As prestart_key_read, for another file of the project's prepared start (name: "key",
 * "start.plan", ...), at most max bytes. */
char *prestart_read(const char *root, const char *pid16, const char *name, size_t max, size_t *len, char *why, size_t wlen);
/* ---- the record templates (start.config.json, start.exec.plan; start_records.c) --------------- */

struct out;

/* Appends the bytes s[0..n) as dev.jbox.json.Json writes the string they decode to in UTF-8: 0, or
 * -1 with o->err set when they are not valid UTF-8 (as utf8_valid) or hold a NUL. */
int json_quote(struct out *o, const char *s, size_t n);

/* The caller's parts of one start. */
struct start_caller {
  const char *id;               /* the new sandbox's id: 64 lowercase hex digits */
  unsigned long long created;   /* epoch milliseconds, as System.currentTimeMillis */
  const struct span *argv;      /* the plan's command (never empty for a shell) */
  size_t nargv;
  const struct span *env;       /* the plan's environment, "NAME=VALUE" in the plan's order */
  size_t nenv;
  struct span cwd;              /* the plan's working directory */
  int tty;                      /* the plan has the `tty` flag */
};

#define RECORD_TOKENS 5
/* A record template (ShellSandboxes.recordTemplate): config.json as Json.pretty writes it with the
 * tokens "\u0001jbox-start:command", ...created, ...env, ...cwd, ...tty, each exactly once and in
 * that order, the command's and the environment's each a list's only element on a line of its
 * own, the tty's an element of the flags' list between others (`stdin` after it);
 * valid UTF-8, no NUL, at most PRESTART_START_MAX; the id's marker at least once, no longer run
 * of `@`. Spans point into the buffer given. */
struct start_record {
  struct span text[RECORD_TOKENS + 1]; /* around the tokens */
  size_t indent[3];                    /* the command's, the environment's and the flags' elements */
};
int start_record_parse(const char *buf, size_t len, struct start_record *r);
/* config.json for the caller: 0 with *out malloc'd, or -1 (a part that is not valid UTF-8, an
 * empty list, too large). */
int start_record_fill(const struct start_record *r, const struct start_caller *c, char **out, size_t *len);

/* An exec template (ShellSandboxes.execTemplate: what exec_template_parse takes, its ENV and CWD
 * leading); header and rest point into the buffer given. */
struct start_exec {
  const char *header; /* the 10 header bytes */
  struct span rest;   /* every record after CWD */
};
int start_exec_parse(const char *buf, size_t len, struct start_exec *e);
/* exec.plan for the caller: the caller's ENV records and CWD in place of the template's; 0 with
 * *out malloc'd, or -1 (then also when the result is not an exec template exec_template_parse
 * takes). */
int start_exec_fill(const struct start_exec *e, const struct start_caller *c, char **out, size_t *len);
#endif
