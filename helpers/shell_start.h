/* The launcher's own start of a project's new `jbox shell` sandbox, its file-system part
 * (shell_start.c; PROTOCOL.md "The launcher's start"). */
#ifndef JBOX_SHELL_START_H
#define JBOX_SHELL_START_H
#include <stddef.h>

#include "exec_fast.h"

/* What one start writes, every template already filled with the new id and the caller's parts. */
struct start_files {
  const char *root, *containers; /* the runtime directory, the image store's containers/ */
  const char *pid16;             /* the project's id */
  const char *id, *name;         /* the new sandbox's id and name */
  struct span config, exec, project, join, hostname, hosts, resolv;
};
/* Under the project's lock: removes the project's ended sandbox (the one its link names), checks
 * the name against every record under the store's lock, writes the records and the link. 0 with
 * the project's lock held on *project_lock (closed when the plan runs); -1 with why set and
 * nothing of the new sandbox left (the ended one may be gone: the JVM would remove it too). */
int shell_start_records(const struct start_files *f, int *project_lock, char *why, size_t wl);
/* Removes what shell_start_records wrote for sandbox id (the plan could not be run). */
void shell_start_undo(const char *root, const char *id);
#endif
