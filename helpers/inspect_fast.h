/* `jbox inspect SANDBOX...` without the JVM (inspect_fast.c, PROTOCOL.md "inspect without the
 * JVM"): podman's object of each sandbox as PodmanView.inspect builds it and Json.pretty prints
 * it, from the records ps_fast.c's listing reads, or -1 before anything is printed whenever the
 * launcher is not sure of every byte (an option, a name that is no sandbox, a record of a shape
 * SandboxRecord.toJson would not write back as it is, text above ASCII, a mount spec it does not
 * take apart). The decoders take untrusted bytes and are bounded; fuzz/fuzz_inspectfast.c runs them. */
#ifndef JBOX_INSPECT_FAST_H
#define JBOX_INSPECT_FAST_H
#include <stddef.h>

#include "ps_fast.h"

#define INSPECT_REFS_MAX 64

/* Whether a record (config.json, decoded) is one SandboxRecord.toJson writes back member for
 * member after SandboxRecord.of reads it (then `Record` is it without "plan"): 0 yes, -1 not sure. */
int inspect_record_shape(const struct jv *rec);

/* PodmanView.mounts of one recorded spec ("-v ...", "--mount ...", "--tmpfs ..."), appended to
 * list: 0 added, 1 left out as the JVM leaves it out (another prefix), -1 not sure (a spec the
 * JVM would refuse or that needs what is not done here). voldir: the volumes directory. */
int inspect_mount(const char *spec, size_t n, const char *voldir, struct jv *list);

/* Instant.ofEpochMilli(ms).toString() for 0 < ms < year 10000, "0001-01-01T00:00:00Z" for ms <= 0
 * (PodmanView.rfc3339): 0, or -1 (a year Instant writes with a sign). out: at least 32 bytes. */
int inspect_instant(long long ms, char *out, size_t n);

/* Procfs.mounts of a mountinfo text: 0 with the objects appended to list, -1 not sure. */
int inspect_mountinfo(const char *buf, size_t len, struct jv *list);

/* ImageRecord.fromJson would read this image record (images/HEX.json) as it is and ImageLookup.find could use it
 * (digests of sha256:64 hex, no key twice): 0, or -1. */
int inspect_image_record(const struct jv *r);
/* No object in v holds a key twice (Json.parse keeps the first place, the last value): 1, else 0. */
int inspect_unique_keys(const struct jv *v);

/* The launcher: `jbox image inspect IMAGE...` (argv after `image inspect`): 0 answered, -1 the JVM. */
int image_inspect_fast(int argc, char **argv);

/* The launcher: `jbox inspect` (argv after `inspect`). 0 when it answered; -1 to go on to the JVM. */
int inspect_fast(int argc, char **argv);
#endif
