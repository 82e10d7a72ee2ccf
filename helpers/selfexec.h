/* The helper runs sandboxes only from a sealed in-memory copy of itself (selfexec.c). */
#ifndef JBOX_SELFEXEC_H
#define JBOX_SELFEXEC_H
/* 1 when this process executes a sealed memfd (write, grow, shrink and seal changes refused). */
int running_sealed(void);
/* Unless running_sealed(): copies /proc/self/exe into a sealed memfd and executes that with argv
 * and the current environment; never returns then (dies with 125 on failure). Returns when the
 * process already runs from the sealed copy. */
void reexec_sealed(char **argv);
#endif
