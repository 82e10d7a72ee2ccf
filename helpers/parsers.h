/* The helper's small text parsers and formatters, shared with the C tests and the libFuzzer
 * targets (fuzz/): each takes untrusted text and must fail cleanly on anything it does not accept. */
#ifndef JBOX_PARSERS_H
#define JBOX_PARSERS_H
#include <stddef.h>

#include "plan.h"

/* The kernel's limits for /proc/PID/{uid,gid}_map: 340 lines, one page (user_namespaces(7)). */
#define IDMAP_MAX_LINES 340
#define IDMAP_MAX_BYTES 4096

/* "INSIDE OUTSIDE COUNT": decimal, single spaces, each id below 2^32, COUNT >= 1 and neither range
 * past 2^32 (what the kernel accepts). Returns 0, or -1 with jbox_err set. */
int idmap_parse(const char *s, struct idmap_line *l);
/* Formats n map lines into buf (size bytes, NUL included) as the kernel reads them. Returns the
 * length, or -1 with jbox_err set when they do not fit or exceed the kernel's limits. */
int idmap_format(char *buf, size_t size, const struct idmap_line *m, size_t n);

/* A MOUNT record's OPTIONS, "word,word|fsdata" (PROTOCOL.md). */
struct mount_opts {
  unsigned long flags;
  int ro, rec, optional, nofollow, chown; /* chown: podman's :U, see chown_volumes */
  int realsrc; /* a bind's source is followed through no symlink (openat2 RESOLVE_NO_SYMLINKS) */
  int tmpupper; /* an overlay's upper and work dirs in a private tmpfs (podman's :O) */
  const char *data; /* NULL: none; else data_buf */
  char data_buf[1024];
};
/* Returns 0, or -1 with jbox_err set for an unknown word or a part too long. */
int mount_opts_parse(const char *s, struct mount_opts *o);
/* `owners` records (owners.c, PROTOCOL.md): "UID GID MODE PATH\0", MODE octal or "-". */
#define OWNERS_MAX_PATH 4096
#define OWNERS_MAX_RECORD (OWNERS_MAX_PATH + 32)
struct owner_rec {
  unsigned long uid, gid;
  int mode;         /* -1: none (a symlink) */
  const char *path; /* inside the parsed buffer, NUL-terminated; "." or plain names joined by '/' */
};
/* Parses the record at buf[0..len): its length with the NUL (> 0), 0 when buf holds only part of
 * one, or -1 with jbox_err set for a malformed or too long record. */
long owners_parse(const char *buf, size_t len, struct owner_rec *r);
/* Applies r beneath the directory descriptor root; 0, or -1 with jbox_err set. */
int owners_apply(int root, const struct owner_rec *r);
/* `jbox-helper owners ROOT`: the records on stdin, exit 0 or die(125). */
int owners_command(const char *root_path);
#endif
