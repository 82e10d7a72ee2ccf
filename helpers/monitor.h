/* Detached sandboxes (monitor.c) and joining a running one (exec.c): hooks called by sandbox.c. */
#ifndef JBOX_MONITOR_H
#define JBOX_MONITOR_H
#include <sys/types.h>

#include "plan.h"

/* Leaves the caller (double fork, setsid). Returns only in the monitor; the caller prints the id
 * and exits 0 once the sandbox runs, or exits with the setup error's code. */
void monitor_detach(struct plan *p);
int monitor_stage1_fds(void);                 /* stage 1: stdout and stderr into the log pipe */
void monitor_failed(int code);                /* setup failed: tell the caller the exit code */
__attribute__((noreturn)) void monitor_supervise(struct plan *p, pid_t child, int sigfd);

int proc_starttime(long pid, unsigned long long *out);       /* field 22 of /proc/PID/stat */
int parse_starttime(const char *stat, unsigned long long *out);

/* jbox exec: joins the namespaces of p->exec_pid and runs the plan's command there. */
int run_exec(struct plan *p);
#endif
