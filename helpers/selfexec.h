/* The helper runs sandboxes only from a sealed in-memory copy of itself (selfexec.c). */
#ifndef JBOX_SELFEXEC_H
#define JBOX_SELFEXEC_H
/* 1 when the executable fd is root's, written by nobody else, on no FUSE filesystem, and this
 * process is not root by any uid: no rootless sandbox can change it (tests/test_selfexec.c). */
int file_is_trusted(int fd);
/* 1 when this process executes a sealed memfd (write, grow, shrink and seal changes refused), or
 * a file no sandbox can change (root's, written by nobody else, and the caller is not root). */
int running_protected(void);
/* Unless running_protected(): copies /proc/self/exe into a sealed memfd and executes that with
 * argv and the current environment; never returns then (dies with 125 on failure). Returns when
 * the process already runs from the sealed copy or a protected file. */
void reexec_sealed(char **argv);
/* Executes argv in a new image of the helper, always: the same protected file, else a sealed
 * copy. Never returns. */
__attribute__((noreturn)) void exec_protected(char **argv);
#endif
