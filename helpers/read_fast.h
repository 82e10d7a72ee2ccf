/* The read-only commands still answered by the JVM, answered by the launcher instead (issue 14;
 * read_fast.c, PROTOCOL.md "version, logs and wait without the JVM"): `jbox version`, `jbox logs`
 * and `jbox wait` in their common forms, from the same records the JVM reads (ps_fast.c's
 * listing), or -1 before anything is printed whenever the launcher is not sure of every byte.
 * The log decoder takes untrusted bytes and is bounded; fuzz/fuzz_readfast.c runs it. */
#ifndef JBOX_READ_FAST_H
#define JBOX_READ_FAST_H
#include <stddef.h>

#include "ps_fast.h"

#define LOG_FILE_MAX (64u << 20) /* bytes of log or log.1 the launcher reads; larger: the JVM */
#define LOG_ENTRIES_MAX (8u << 20) /* lines of one sandbox's logs; more: the JVM */

/* ---- `jbox logs` (LogsCommand without --since/--until) ---- */
#define LOGS_REFS_MAX 64
struct logs_call {
  int follow, timestamps, names;
  long tail; /* -1: all */
  const char *ref[LOGS_REFS_MAX];
  size_t nref;
};
/* `logs` with -f/--follow, -t/--timestamps, -n/--names (each at most once, clusters of them),
 * --tail N / --tail=N (N -1 or 0..999999999 written plainly), one or more SANDBOX of
 * [A-Za-z0-9_.-]: 0; anything else -1 (picocli parses it). */
int logs_call_parse(int argc, char **argv, struct logs_call *c);

/* One line of a log as SandboxLog.Parser returns it: its time (the record's own 30 bytes in the
 * buffer parsed, NULL for an old-format line), its stream, its text (off/len in the entries' arena), its newline. */
struct log_entry {
  const char *time;
  int err, newline;
  size_t off, len;
};
struct log_entries {
  struct log_entry *e;
  size_t n, cap;
  struct sbuf text; /* the lines' bytes */
  int legacy;       /* a line without the record prefix was seen */
};
/* SandboxLog.Parser's feed of buf (log.1 and log joined) and finish: 0 with the lines; -1 when
 * not sure (a time the monitor does not write, which java.time's parser would judge; too much). */
int logs_parse(const char *buf, size_t len, struct log_entries *out);
void logs_free(struct log_entries *out);

int logs_fast(int argc, char **argv);

/* ---- `jbox wait SANDBOX...` (WaitCommand, --condition stopped) ---- */
/* 0: every sandbox waited for and its exit code printed. -1: the JVM answers; *done is how many
 * of the first SANDBOX words were answered already (their lines printed): the JVM gets the rest. */
int wait_fast(int argc, char **argv, int *done);

/* ---- `jbox volume ls [-q]` (VolumeCommand.Ls without --filter and --format) ---- */
/* argv: the words after `volume ls` (or `volume list`). 0 printed; -1 the JVM answers. */
int volume_ls_fast(int argc, char **argv);
/* `jbox volume inspect NAME...` (no option): podman's JSON of each as VolumeCommand.Inspect prints
 * it, when the time zone is UTC, no record mounts a volume by name, and every text is plain. */
int volume_inspect_fast(int argc, char **argv);
/* VolumeStore.defaultRoot (the image store's volumes/, beside containers) when its Path.toString
 * is the text itself and Json.quote writes it as it is: 0 with dir filled, else -1. */
int volumes_dir(const char *containers, char *dir, size_t n);
/* A SANDBOX word the fast paths take: a name or (part of) an id of [A-Za-z0-9_.-], not an
 * option or an @file, at most 128 bytes. */
int plain_ref(const char *a);
/* VolumeStore.validName of a directory entry, ASCII only (others: the JVM decides). */
int volume_name_ok(const char *n);

/* ---- `jbox top SANDBOX` (TopCommand without descriptors) ---- */
/* argv: the words after `top`. The JVM's table from /proc (SandboxService.top): every process in
 * the sandbox's pid namespace, its pid inside (NSpid's last), on the host, its user inside
 * (uid_map, named from the sandbox's etc/passwd read without following a link), its command line;
 * 0 printed, -1 the JVM answers (not found, not running, a link for etc/passwd, text above ASCII). */
int top_fast(int argc, char **argv);
#define TOP_PASSWD_MAX (4u << 20) /* SandboxPasswd.MAX */
#define TOP_USERS_MAX 65536
struct top_user {
  long long uid;
  char *name;
};
/* SandboxPasswd.users' reading of an etc/passwd (untrusted: the sandbox's file): 0 with the
 * names by uid (free with top_users_free), -1 when the JVM must read it (not ASCII, a uid that
 * may not fit a long, too many). */
int top_passwd_parse(const char *t, size_t n, struct top_user **users, size_t *nu);
void top_users_free(struct top_user *u, size_t n);

/* ---- `jbox version` (VersionCommand's table) ---- */
/* The cache the JVM's `jbox version` writes (JBOX_VERSION_CACHE): its path for this user, or -1. */
int version_cache_path(char *out, size_t n);
/* key: what the JVM's facts depend on (the JVM's files, the jar); helper: the helper the JVM would
 * be told of (JBOX_HELPER, else this executable). 0: printed; -1: the JVM answers. */
int version_fast(const char *key, const char *self);
/* The cache's text, decoded: 0 with the four values (pointers into buf, NUL-terminated in place),
 * -1 for anything else. */
int version_cache_parse(char *buf, size_t len, const char *key, const char *v[4]);
#endif
