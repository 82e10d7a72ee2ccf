/* Reading a file of the sandbox's root filesystem (its /etc/passwd, /etc/group) safely. */
#ifndef JBOX_ROOTFILE_H
#define JBOX_ROOTFILE_H
#include <stdio.h>

/* The largest root file the helper reads: far above any real passwd or group file. */
#define ROOT_FILE_MAX (4u << 20)

/* Opens PATH (absolute, inside the current root) for reading, resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) so no symlink leads out of the root; it must be
 * a regular file of at most ROOT_FILE_MAX bytes, read whole at once (a FIFO or /dev/zero can
 * neither block nor spin). Returns a FILE over the copy; NULL with errno ENOENT when it does not
 * exist (or is empty); NULL with jbox_err set and errno != ENOENT on anything else. */
FILE *root_fopen(const char *path);
#endif
