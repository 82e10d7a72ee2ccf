/* Running a plan: stage 0 (supervisor, host side) and stage 1 (pid 1 inside the namespaces). */
#ifndef JBOX_SANDBOX_H
#define JBOX_SANDBOX_H
#include <sys/types.h>

#include "plan.h"

/* clone/setns flag of each namespace type, in enum ns_type order (sandbox.c) */
extern const int ns_clone_flag[NS_COUNT];
/* the signals the monitor passes on to the sandbox (sandbox.c) */
#define N_FORWARDED 8
extern const int forwarded[N_FORWARDED];

/* Runs the plan and returns the exit status jbox should exit with (the command's, 128+N for a
 * signal, or 125/126/127 with the error already printed). */
int run_plan(struct plan *p);

/* stage 1 pieces, in mounts.c and process.c */
int mount_root(struct plan *p);  /* `/` private, the root on ROOTFS: 1 if by fuse-overlayfs, 0, or -1 */
int setup_mounts(struct plan *p); /* then the op list, up to and including pivot_root */
int resolve_user(const char *spec, uid_t *uid, gid_t *gid, gid_t *groups, int *ngroups,
                 char *home, size_t homelen); /* in the new root */
__attribute__((noreturn)) void exec_process(struct plan *p, int errfd);
/* --init's command: the read end of pid 1's gate, waited on just before the execve (-1: none) */
extern int exec_gate;
int chown_volumes(const struct plan *p, uid_t uid, gid_t gid); /* :U, in the new root before dropping to uid:gid (mounts.c) */
int setgroups_denied(void); /* /proc/self/setgroups says "deny" (process.c) */
void report(int errfd, int code);
int confine_init(struct plan *p); /* --init's pid 1 after the fork: /dev/null stdio, no caps, nnp, seccomp */
int read_report(int fd);                /* the other end of report(): the code, or -1 at EOF */
int read_report_as(int fd, const char *hook_prog); /* as read_report; a code 1 (an OCI hook failed) printed as hook_prog's */
int start_network(struct plan *p, pid_t child, int *keep_fd); /* network.c */
int spawn_network_early(struct plan *p, pid_t child); /* pasta, before the maps; start_network then waits for it */
void stop_network(void);
int apply_nft(struct plan *p); /* T_NFT: stage 1 loads the rules into its network namespace */
int start_cleaner(struct plan *p, pid_t child); /* cleanup.c */
void finish_cleaner(void);
void remove_host_dir(struct plan *p); /* T_RMDIR now: setup failed before the cleaner started */
void remove_tree(const char *dir);     /* children first, no symlink followed, no mount crossed */
void abandon_sandbox(struct plan *p);  /* setup of a first run failed: T_RMDIR and a kept sandbox's directory go */
void note_kept(struct plan *p);        /* a kept foreground sandbox ended: say where its changes stay */
int take_lock(struct plan *p);        /* T_LOCKFILE: open and OFD-lock it (cleanup.c) */
void lock_running(pid_t child);       /* a foreground sandbox's state into its lock file: running */
void lock_exited(int code);           /* ... exited with code */
/* the OCI runtime (oci.c): the create/start split of a T_OCI plan */
int oci_prepare(struct plan *p);               /* stage 0, before the clone: the exec fifo */
void oci_discard(struct plan *p);              /* setup failed: remove the state directory */
int oci_stage1_fifo(void);                      /* stage 1: the exec fifo's O_PATH fd, kept through close_except */
void oci_stage1_keep_sync(int sync);           /* stage 1: `sync` stays open for oci_wait_start */
int oci_wait_start(struct plan *p);            /* stage 1, last before execve: 'C', then the fifo */
int oci_before_pivot(struct plan *p);          /* stage 1, mounts done: prestart/createRuntime (stage 0), createContainer */
int oci_run_hooks(struct plan *p, enum hook_kind kind, long pid); /* the hooks of one kind, in order */
extern int oci_hook_failed;                    /* stage 1: a createContainer hook failed: report 1, not 125 */
int oci_stage0(struct plan *p, pid_t child, int sync, int errfd, int sigfd); /* after MAPS_DONE */
int oci_exec_prepare(struct plan *p);          /* exec, before joining: the pid file's dir, the console socket */
int oci_exec_started(struct plan *p, pid_t child, int *master); /* 1: detach (exit 0), 0: supervise, -1 */
int oci_fast(int argc, char **argv);           /* oci_fast.c: 0 done, -1 let the JVM do it */
int recv_fd(int sock);                         /* the pty master from stage 1 (sandbox.c) */
/* stage 0: forwards signals, relays the pty (master >= 0), reaps; returns the exit status */
int supervise(pid_t child, int sigfd, int master);
#endif
