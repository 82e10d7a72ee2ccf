/* jbox's default seccomp filter: a fixed classic-BPF program, built at compile time. */
#ifndef JBOX_SECCOMP_H
#define JBOX_SECCOMP_H

/* Installs jbox's default seccomp filter on the calling thread. The caller has already set
 * PR_SET_NO_NEW_PRIVS. `allow_tty_inject` is nonzero when the sandbox owns a pty of its own (-t);
 * otherwise TIOCSTI and TIOCLINUX ioctls fail with EPERM. Returns 0 or -errno. */
int jbox_seccomp_install(int allow_tty_inject);

#endif
