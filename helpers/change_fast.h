/* The commands that change records, without the JVM (change_fast.c, PROTOCOL.md "stop, rm and
 * volumes without the JVM"): `jbox stop`, `jbox rm` of ended sandboxes, `jbox volume create NAME` and
 * `jbox volume rm NAME`. Whatever the launcher is not
 * sure of goes to the JVM before anything is changed. */
#ifndef JBOX_CHANGE_FAST_H
#define JBOX_CHANGE_FAST_H
#include <stddef.h>

#define CHANGE_MAX_REFS 64         /* sandboxes of one command line; more: the JVM */
#define CHANGE_TREE_MAX 4096       /* entries of a tree rm deletes; more: the JVM */
#define CHANGE_TREE_DEPTH 32       /* its depth; deeper: the JVM */

/* `stop [-t N | --time N | --time=N]... SANDBOX...` and `rm SANDBOX...` (argv after the command
 * word), as picocli's StopCommand and RmCommand parse them (the last -t wins; options anywhere).
 * seconds: stop's -t (10 by default), seconds_word its text (NULL: the default). 0, or -1 for any
 * other form (another option, --help, --, an @file, a value picocli might read otherwise, more
 * than CHANGE_MAX_REFS sandboxes): the JVM parses those. */
struct change_call {
  long long seconds;
  const char *seconds_word;
  const char *refs[CHANGE_MAX_REFS];
  int nrefs;
};
int stop_call_parse(int argc, char **argv, struct change_call *c);
int rm_call_parse(int argc, char **argv, struct change_call *c);

/* What stop needs of a record (config.json, as SandboxRecord.of reads it): its name (Sandbox.label),
 * its stop signal as Signals.parse reads it (-1: one the JVM judges), whether it has a restart
 * policy. 0, or -1 for a record the JVM leaves out or the decoder is not sure of (ps_record_parse),
 * or a name that is not ASCII or longer than STOP_NAME_MAX - 1. */
#define STOP_NAME_MAX 160
struct stop_record {
  char name[STOP_NAME_MAX];
  int has_name, sig, restart;
};
int stop_record_parse(const char *buf, size_t len, struct stop_record *out);

/* The tree at parent/name: whether this user deletes it as the JVM would (deleteFlat, or rm -rf in
 * the user namespace), told without a change: absent, or a real directory (no symlink) whose
 * directories are all ours, rwx for us, not sticky, on its filesystem (no mount inside), with at
 * most CHANGE_TREE_MAX entries and CHANGE_TREE_DEPTH levels. 0 yes, -1 the JVM's. */
int change_tree_deletable(int parent, const char *name);
/* Deletes it and everything under it, never following a symlink: 0 (also when absent), or -1 with
 * errno. */
int change_tree_delete(int parent, const char *name);

/* The launcher: `jbox stop ...` / `jbox rm ...` (argv[0] the command word, argc words in all).
 * Returns the exit status once it answered; -1 to go on to the JVM with *argc words of argv (the
 * same line, or, when a later sandbox needs the JVM after earlier ones were done and printed, the
 * command with the sandboxes not yet done). */
int stop_fast(int *argc, char **argv);
int rm_fast(int *argc, char **argv);

/* `volume create NAME` (argv: volume, create, NAME), as VolumeStore.create makes a named volume
 * without labels or options: volumes/NAME (0700), its _data (0755) and volume.json through a
 * temporary file, NAME printed. 0 done; -1 the JVM's, with nothing left of what it made (another
 * form, a name podman refuses, a storage root or volumes directory missing or open to others,
 * the name taken). */
int volume_name_valid(const char *n); /* Volumes.isName */
/* volume.json's text (Json.pretty and a newline): its length, or -1 when size is too small */
int volume_record_text(const char *name, long long created_ms, char *out, size_t size);
int volume_create_fast(int argc, char **argv);

/* `volume rm NAME` (argv: volume, rm, NAME) of a volume no sandbox can use (no record the JVM
 * lists mounts anything), whose tree this user deletes (change_tree_deletable), with no earlier
 * removal's leftovers: renamed aside as VolumeStore.detach and deleted, NAME printed; the exit
 * status (0, or 125 after a one-line error once it was renamed aside). -1: the JVM's, nothing
 * changed. */
int volume_rm_fast(int argc, char **argv);

/* `rename SANDBOX NAME` (argv: rename, SANDBOX, NAME), as SandboxStore.rename does it: the name
 * valid (rename_name_valid, SandboxStore.validName) and no other sandbox's, checked again under
 * the store's lock (RUNTIME/.lock), the record's config.json rewritten with the new name and its
 * exec.plan with the new T_EXECNAME, each through NAME.tmp and a rename. 0 done (nothing printed,
 * as the JVM), 125 after a one-line error once the record was written; -1 the JVM's, nothing
 * changed (any other form, an error the JVM words, a record or template not exactly what the JVM
 * would write back, the lock held). */
int rename_name_valid(const char *n);
/* The record text the JVM writes for config.json buf[0..len) of sandbox id renamed to name (a
 * valid name), when buf is exactly what Json.pretty writes for what SandboxRecord.of reads of it
 * (toJson's keys, in order, of its types, canonical strings and numbers, and a newline): 0 with
 * *out (malloc'd, *outlen bytes) and the old name's bytes in *old_name (p NULL: null), -1 else. */
struct span;
int rename_record_text(const char *buf, size_t len, const char *id, const char *name, char **out, size_t *outlen,
                       struct span *old_name);
/* The exec template buf[0..len) with its T_EXECNAME (which must be *old_name, "" for none)
 * replaced by name: 0 with *out (malloc'd), -1 for a template exec_template_parse refuses. */
int rename_template_text(const char *buf, size_t len, const struct span *old_name, const char *name, char **out,
                         size_t *outlen);
int rename_fast(int argc, char **argv);

/* `tag SOURCE TARGET...` (argv: tag, SOURCE, TARGET...), as StoreService.tag does it for each
 * TARGET in turn, under the image store's lock (store.lock): SOURCE found as ImageLookup.find
 * finds it (an id or id prefix, a full name, a short name matched against every registry), the
 * TARGET named as ImageLookup.tagName names it, tags.json rewritten (Json.pretty of the sorted
 * names) as AtomicFiles.write writes it. 0 done (nothing printed); -1 the JVM's, nothing changed
 * (an option, a digest, a name the JVM refuses, an image not found or ambiguous, a store the JVM
 * would create, sweep or read otherwise, the lock held). */
int image_short_name(const char *in);                        /* ImageRef.isShortName */
int image_ref_text(const char *in, char *out, size_t size);   /* ImageRef.parse, as name:tag (no digest) */
int image_normalize(const char *in, char *out, size_t size);  /* ImageLookup.normalize (no digest) */
int image_tag_name(const char *in, char *out, size_t size);   /* ImageLookup.tagName */
int tag_fast(int argc, char **argv);

/* `rmi [-f] IMAGE...` (argv: rmi, ...) when every IMAGE is a name (found as tag finds a source,
 * not by id) of an image that keeps another name: each name removed from tags.json in turn, as
 * StoreService.remove untags, and "Untagged: NAME" printed for each. 0 done; -1 the JVM's,
 * nothing changed (an image removed, by id, not found, an option other than -f). */
int rmi_fast(int argc, char **argv);
#endif
