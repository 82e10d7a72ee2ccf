/* jbox's default seccomp filter: a fixed classic-BPF program, built at compile time. */
#ifndef JBOX_SECCOMP_H
#define JBOX_SECCOMP_H

/* Installs jbox's default seccomp filter on the calling thread. The caller has already set
 * PR_SET_NO_NEW_PRIVS. `allow_tty_inject` is nonzero when the sandbox owns a pty of its own (-t);
 * otherwise TIOCSTI and TIOCLINUX ioctls fail with EPERM. Returns 0 or -errno. */
int jbox_seccomp_install(int allow_tty_inject);

struct sock_filter;
/* Installs a compiled program (an OCI profile, plan tag T_SECCOMP) with seccomp(2) `flags`
 * (SECCOMP_FILTER_FLAG_*). The caller has set no_new_privs or holds CAP_SYS_ADMIN in its user
 * namespace. Returns 0 or -errno (EINVAL: the kernel refused the program or a flag). */
int jbox_seccomp_install_program(const struct sock_filter *insns, unsigned short len, unsigned flags);

#endif
