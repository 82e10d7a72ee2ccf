/* The launcher's own `jbox run --rm` from the templates a prepared run keeps (run_fast.c,
 * PROTOCOL.md "The launcher's run"). */
#ifndef JBOX_RUN_FAST_H
#define JBOX_RUN_FAST_H
#include <stddef.h>
#include <stdint.h>

#define RUN_ID_LEN 64               /* a sandbox's id, and its marker (64 `@`) */
#define RUN_TEMPLATE_MAX (1u << 20) /* bytes of a template */
#define RUN_GRACE_MS 60000LL        /* Containers.GRACE_MS: younger directories are never swept */
#define RUN_COMMAND_WORD "\x01" "command" /* RunPrepared.COMMAND_WORD: a KEY's words end with it when a command follows IMAGE */

/* A plan template (run.plan, run.exec.plan) with id (64 lowercase hex digits) in its markers: a
 * malloc'd copy of the same length, or NULL when it is not a plan this walks (the header's length
 * is not len, a record runs past the end) or a value has a run of `@` longer than 11 that is no
 * marker. */
char *run_fill_plan(const char *t, size_t len, const char *id);
/* A text template (run.config.json, run.hostname, ...) the same way, anywhere in it: malloc'd,
 * NUL-terminated, the same length; NULL for a NUL in it or a run of `@` that is no marker. */
char *run_fill_text(const char *t, size_t len, const char *id);
/* config.json with its `created` (the one line "  \"created\": DIGITS,") set to ms: malloc'd,
 * NUL-terminated, its length in *olen; NULL when that line is not there exactly once. */
char *run_fill_created(const char *t, size_t len, unsigned long long ms, size_t *olen);

/* A filled plan with the call's command: ARGV records of words[0..n) after the plan's own leading
 * ARGV records (the image's entrypoint), the length patched. malloc'd (length in *olen), or NULL
 * for a plan it cannot walk, no word, a word that is not valid UTF-8 (the JVM would not see it
 * as it is). */
char *run_fill_command_plan(const char *t, size_t len, char *const *words, size_t n, size_t *olen);
/* A record with the call's command: the token "\u0001jbox-run:command" (written once, as a list's
 * element on a line of its own) replaced by the words as Json.pretty writes them (each quoted as
 * Json.write, ",\n" and the token's indent between them). malloc'd and NUL-terminated (length in
 * *olen), or NULL (no such token, twice, not on a line of its own, a word not valid UTF-8). */
char *run_fill_command_record(const char *t, size_t len, char *const *words, size_t n, size_t *olen);

/* The run itself, for the prepared directory root/runs/name whose KEY is fresh (words[0..nwords):
 * the call's command when the KEY names the options and image only; none when it names every
 * word): does not return when the plan runs; -1 with why set (and nothing of the new sandbox
 * left) for the JVM to run it. */
int run_fast_start(const char *root, const char *name, char *const *words, size_t nwords, char *why, size_t wl);
#endif
