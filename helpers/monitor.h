/* Detached sandboxes (monitor.c) and joining a running one (exec.c): hooks called by sandbox.c. */
#ifndef JBOX_MONITOR_H
#define JBOX_MONITOR_H
#include <sys/types.h>

#include "plan.h"

/* Leaves the caller (double fork, setsid). Returns only in the monitor; the caller prints the id
 * and exits 0 once the sandbox runs, or exits with the setup error's code. */
void monitor_detach(struct plan *p);
int monitor_stage1_fds(struct plan *p);       /* stage 1: stdout and stderr into their log pipes, stdin (-i) */
void monitor_stage1_keep(int keep[3]);        /* stage 1: the log and stdin pipe ends it needs (-1: none) */
void monitor_failed(int code);                /* setup failed: tell the caller the exit code (a restart: record it) */
/* child: stage 1, waited for and sent the forwarded signals; pid1: the sandbox's pid 1 as recorded
 * in `state` (stage 1 itself, or the pid 1 of the pid namespace it nested for fuse-overlayfs);
 * master: the pty master of a -t sandbox, else -1 */
/* Returns only when the restart policy runs the sandbox again (after its delay; new log pipes are
 * open): run_plan then starts it afresh from its plan. */
int monitor_supervise(struct plan *p, pid_t child, pid_t pid1, int sigfd, int master);
struct timespec;
int log_stamp(char *out, size_t size, const struct timespec *ts); /* RFC 3339 UTC with nanoseconds; its length or -1 */

int proc_starttime(long pid, unsigned long long *out);       /* field 22 of /proc/PID/stat */
int proc_alive(long pid, unsigned long long start);          /* Procfs.alive: that start time, not a zombie */
int pidfd_signal(long pid, unsigned long long start, int sig); /* Signals.send: checked pidfd; 0 sent, -1 not */
long long now_ms(void);                                      /* CLOCK_REALTIME in epoch milliseconds */

/* The `state` record (PROTOCOL.md): a detached sandbox's state file, and the state a foreground
 * sandbox with T_LOCKFILE keeps in its lock file (cleanup.c). */
struct state {
  const char *status; /* "running" or "exited" */
  long pid, monitor_pid;
  unsigned long long pid_start, monitor_start;
  long long started, finished;
  int exit_code; /* -1: none yet */
  unsigned restart_count; /* runs the restart policy started (T_RESTART) */
};
int format_state(char *buf, size_t size, const struct state *s); /* one JSON line; its length */
int parse_starttime(const char *stat, unsigned long long *out);

/* jbox exec: joins the namespaces of p->exec_pid and runs the plan's command there. */
int run_exec(struct plan *p);

/* jbox attach (attach.c): the socket a detached sandbox's monitor listens on, in its state dir */
#define ATTACH_SOCK "attach.sock"
struct sockaddr_un;
int attach_sockaddr(int dirfd, struct sockaddr_un *a); /* "/proc/self/fd/DIRFD/attach.sock" */
int attach_connect(const char *dir);                    /* connected socket, or -1 with jbox_err */
int peer_is_us(int sock);                               /* SO_PEERCRED uid is ours */
int frame_send(int fd, char type, const void *buf, size_t n);
int attach_session(int sock, struct plan *p);           /* relay until detach or exit; the status */
int run_attach(struct plan *p);                         /* an ATTACH plan without STATEDIR */
#endif
