/* The KEY of a prepared `jbox run --rm` (run_prepared.c, PROTOCOL.md "Preparing a run"): the words
 * after `run` hashed as RunPrepared.argvHash hashes them, and the launcher's check of the KEY the
 * JVM kept for them (the decoder and the re-check are prestart.c's). */
#ifndef JBOX_RUN_PREPARED_H
#define JBOX_RUN_PREPARED_H
#include <stddef.h>

/* "sha256:" and the 64 lowercase hex digits of SHA-256 over each word followed by a NUL; out
 * holds at least 72 bytes. -1 when a word is not valid UTF-8 (the JVM would not see these bytes). */
int run_argv_hash(int argc, char **argv, char out[72]);

/* With JBOX_RUN_PREPARED=1: whether the KEY kept for these words (argc, argv: after `run`) still
 * holds. JBOX_TRACE shows `run-prepared-fresh` or `run-prepared-stale`, JBOX_DEBUG_PRESTART=1
 * prints `jbox: run-prepared: fresh` or `... stale: WHY`. 0 fresh, -1 otherwise; the JVM runs
 * the sandbox either way (the launcher's own run is not built yet). */
int run_prepared_probe(int argc, char **argv, const char *jar, const char *helper);
#endif
