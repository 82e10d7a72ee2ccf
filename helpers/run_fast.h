/* The launcher's own `jbox run --rm` from the templates a prepared run keeps (run_fast.c,
 * PROTOCOL.md "The launcher's run"). */
#ifndef JBOX_RUN_FAST_H
#define JBOX_RUN_FAST_H
#include <stddef.h>
#include <stdint.h>

#define RUN_ID_LEN 64               /* a sandbox's id, and its marker (64 `@`) */
#define RUN_TEMPLATE_MAX (1u << 20) /* bytes of a template */
#define RUN_GRACE_MS 60000LL        /* Containers.GRACE_MS: younger directories are never swept */

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

/* The run itself, for the prepared directory root/runs/name whose KEY is fresh: does not return
 * when the plan runs; -1 with why set (and nothing of the new sandbox left) for the JVM to run it. */
int run_fast_start(const char *root, const char *name, char *why, size_t wl);
#endif
