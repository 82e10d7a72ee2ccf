/* jbox's default seccomp filter: a denylist in classic BPF, fixed at compile time.
 *
 * The program is a static const table, so installing it is one prctl(): no per-run compilation
 * (which is what libseccomp would do) and no allocation. It follows the calls that docker's and
 * podman's default profiles refuse to a container holding only podman's 11 default capabilities
 * (no CAP_SYS_ADMIN, SYS_MODULE, SYS_TIME, SYS_PTRACE, ...). Everything not listed is allowed; the
 * capability checks in the kernel do the rest of the gating.
 *
 * Layout of the main program:
 *
 *   load arch ── native ──────────────────┐
 *             ── i386 (x86_64 only) ──┐   │
 *             ── anything else: ENOSYS│   │
 *                                     ▼   ▼
 *                      i386 section   native section
 *   each section: load nr, [x32 → ENOSYS], personality(arg) check, one "== nr → EPERM" pair per
 *   denied call, allow.
 *
 * The TIOCSTI/TIOCLINUX rule is a second, small program stacked on top when the sandbox does not
 * own its terminal. Stacking keeps the main program one fixed table for every sandbox; the kernel
 * applies the most restrictive action of all filters. Both programs only read the arguments of
 * the call they are about (ioctl, personality), so the kernel's seccomp action cache (5.11+)
 * proves every other call "always allow" once at install time and skips the filters for it.
 * That precomputation runs the program for every syscall number of both ABIs and is most of
 * the install cost (about 130 us on the test VM, against 10 us for a one-instruction filter):
 * it grows with the instructions a number walks through, so the table stays short.
 */
#include "seccomp.h"

#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "jbox's seccomp filter supports x86_64 and aarch64 only"
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "jbox's seccomp filter reads the low word of 64-bit arguments at offset 0 (little endian)"
#endif

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define LOAD_ARCH BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch))
#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* The low 32 bits of argument i. */
#define LOAD_ARG_LO(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define RET(action) BPF_STMT(BPF_RET | BPF_K, (action))
#define RET_ALLOW RET(SECCOMP_RET_ALLOW)
#define RET_EPERM RET(SECCOMP_RET_ERRNO | EPERM)
#define RET_ENOSYS RET(SECCOMP_RET_ERRNO | ENOSYS)
/* If A == k go forward jt instructions, else jf. */
#define JEQ(k, jt, jf) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))
/* Two instructions: syscall number `nr` (already in A) fails with EPERM. */
#define DENY(nr) JEQ((nr), 0, 1), RET_EPERM

/* personality(2) takes an unsigned int, so the low word is all the kernel sees. Docker allows
 * only PER_LINUX (0), PER_LINUX32 (8), UNAME26 (0x20000), both (0x20008) and the query
 * 0xffffffff; everything else (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, foreign personalities)
 * could weaken ASLR or NX for the caller and the binaries it execs. 9 instructions. */
#define PERSONALITY_RULE(nr)                                                                       \
	JEQ((nr), 0, 8), LOAD_ARG_LO(0), JEQ(0x0, 5, 0), JEQ(0x8, 4, 0), JEQ(0x20000, 3, 0),       \
		JEQ(0x20008, 2, 0), JEQ(0xffffffff, 1, 0), RET_EPERM, RET_ALLOW

/* socket(2)'s domain is an int, so the low word is what the kernel sees. AF_VSOCK (40) reaches
 * the hypervisor and the other guests' vsock services in every network mode, even --network
 * none: refused with EPERM as in docker's and podman's default profiles. 5 instructions. */
#define AF_VSOCK_ 40
#define SOCKET_RULE(nr) JEQ((nr), 0, 4), LOAD_ARG_LO(0), JEQ(AF_VSOCK_, 0, 1), RET_EPERM, RET_ALLOW

#ifdef __x86_64__
/* The i386 ABI on x86_64 (int 0x80, 32-bit binaries in the image): the same policy under the
 * i386 numbers. They are fixed kernel ABI (arch/x86/entry/syscalls/syscall_32.tbl) and cannot
 * come from the headers here, since asm/unistd_32.h and asm/unistd_64.h define the same names.
 * i386 has no kexec_file_load. Calls that are the same everywhere (>= 424) repeat the native
 * number. The mount, unshare, clone, ptrace and adjtimex policy is the native one (allowed). */
#define I386_SECTION                                                                               \
	LOAD_NR, PERSONALITY_RULE(136), SOCKET_RULE(359),                                          \
	DENY(128) /* init_module */, DENY(350) /* finit_module */, DENY(129) /* delete_module */, \
	DENY(283) /* kexec_load */, DENY(88) /* reboot */, DENY(87) /* swapon */,                 \
	DENY(115) /* swapoff */, DENY(51) /* acct */, DENY(357) /* bpf */,                       \
	DENY(336) /* perf_event_open */, DENY(286) /* add_key */, DENY(288) /* keyctl */,        \
	DENY(287) /* request_key */, DENY(253) /* lookup_dcookie */, DENY(110) /* iopl */,       \
	DENY(101) /* ioperm */, DENY(79) /* settimeofday */, DENY(25) /* stime */,               \
	DENY(264) /* clock_settime */, DENY(404) /* clock_settime64 */,                          \
	DENY(343) /* clock_adjtime */, DENY(405) /* clock_adjtime64 */,                          \
	DENY(374) /* userfaultfd */, DENY(341) /* name_to_handle_at */,                          \
	DENY(342) /* open_by_handle_at */, DENY(428) /* open_tree */, DENY(429) /* move_mount */, \
	DENY(430) /* fsopen */, DENY(431) /* fsconfig */, DENY(432) /* fsmount */,               \
	DENY(433) /* fspick */, DENY(442) /* mount_setattr */, DENY(467) /* open_tree_attr */,   \
	DENY(131) /* quotactl */, DENY(443) /* quotactl_fd */, DENY(169) /* nfsservctl */,       \
	DENY(166) /* vm86 */, DENY(113) /* vm86old */, DENY(103) /* syslog */,                   \
	DENY(86) /* uselib */, DENY(349) /* kcmp */, DENY(440) /* process_madvise */,            \
	DENY(438) /* pidfd_getfd */, DENY(425) /* io_uring_setup */,                             \
	DENY(426) /* io_uring_enter */, DENY(427) /* io_uring_register */, RET_ALLOW

/* The length of I386_SECTION, a constant the arch dispatch jumps over. */
#define I386_SECTION_LEN                                                                           \
	(sizeof((const struct sock_filter[]){I386_SECTION}) / sizeof(struct sock_filter))
#endif

/* What stays allowed, and why:
 * - mount, umount2, unshare, setns, pivot_root, and clone/clone3 with CLONE_NEW* flags: rootless
 *   nested sandboxes (jbox, podman, bwrap inside jbox) need them, and the kernel gates them on
 *   CAP_SYS_ADMIN in the user namespace that owns the target namespace, which the sandbox lacks for
 *   its own namespaces. A nested user namespace gets that capability only over namespaces it
 *   creates, and a mount namespace copied into a less privileged user namespace has all its mounts
 *   locked together (MNT_LOCKED and the locked mount flags): the nested sandbox can neither unmount
 *   a mask to uncover what is below it nor clear read-only, nosuid, nodev or noexec. So the
 *   sandbox's masks and read-only paths hold there too.
 * - clone3: docker answers it with ENOSYS only so that glibc falls back to clone(2), whose flags a
 *   filter can inspect (clone3 passes them in memory). We do not filter clone flags, so clone3 is
 *   simply allowed.
 * - ptrace, process_vm_readv/writev: allowed as in docker for kernels >= 4.8, which re-run the
 *   filter after a tracer changes the syscall; jbox needs >= 5.11 anyway.
 * - adjtimex: only setting the clock needs CAP_SYS_TIME (in the initial namespace); the read-only
 *   form is used by ntp clients and chrony's status tools.
 */
static const struct sock_filter main_program[] = {
	LOAD_ARCH,
#ifdef __x86_64__
	JEQ(AUDIT_ARCH_X86_64, 2, 0),
	JEQ(AUDIT_ARCH_I386, 2, 0),
	/* Any other ABI does not exist as far as the sandbox is concerned. */
	RET_ENOSYS,
	BPF_JUMP(BPF_JMP | BPF_JA, I386_SECTION_LEN, 0, 0),
	I386_SECTION,
#else
	JEQ(NATIVE_ARCH, 1, 0),
	/* aarch32 compat and any other ABI does not exist as far as the sandbox is concerned. */
	RET_ENOSYS,
#endif

	/* Native section. */
	LOAD_NR,
#ifdef __x86_64__
	/* x32 calls arrive with AUDIT_ARCH_X86_64 and nr | 0x40000000; without this check a rule
	 * on a native number would not match its x32 twin. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1),
	RET_ENOSYS,
#endif
	PERSONALITY_RULE(__NR_personality),
	SOCKET_RULE(__NR_socket),

	/* Kernel modules: code in ring 0 (docker: CAP_SYS_MODULE). */
#ifdef __NR_init_module
	DENY(__NR_init_module),
#endif
#ifdef __NR_finit_module
	DENY(__NR_finit_module),
#endif
#ifdef __NR_delete_module
	DENY(__NR_delete_module),
#endif
	/* Replacing or stopping the running kernel (CAP_SYS_BOOT). In a pid namespace reboot() only
	 * ends the namespace, but docker refuses it and nothing in a sandbox needs it. */
#ifdef __NR_kexec_load
	DENY(__NR_kexec_load),
#endif
#ifdef __NR_kexec_file_load
	DENY(__NR_kexec_file_load),
#endif
#ifdef __NR_reboot
	DENY(__NR_reboot),
#endif
	/* Host-wide resources that are not namespaced: swap, process accounting, the kernel log
	 * (syslog also leaks kernel addresses, defeating KASLR), disk quotas, the NFS daemon. */
#ifdef __NR_swapon
	DENY(__NR_swapon),
#endif
#ifdef __NR_swapoff
	DENY(__NR_swapoff),
#endif
#ifdef __NR_acct
	DENY(__NR_acct),
#endif
#ifdef __NR_syslog
	DENY(__NR_syslog),
#endif
#ifdef __NR_quotactl
	DENY(__NR_quotactl),
#endif
#ifdef __NR_quotactl_fd
	DENY(__NR_quotactl_fd),
#endif
#ifdef __NR_nfsservctl
	DENY(__NR_nfsservctl),
#endif
	/* Kernel attack surface reachable without privilege, with a long CVE record: the eBPF
	 * verifier (CVE-2021-3490, CVE-2020-8835), perf events (CVE-2013-2094), io_uring (refused by
	 * both docker and podman; CVE-2022-29582, CVE-2023-2598), userfaultfd (a standard exploit
	 * primitive: it stops the kernel inside copy_from_user so a race is won every time, which is
	 * why vm.unprivileged_userfaultfd exists), the a.out uselib loader (CVE-2004-1235) and the
	 * oprofile leftover lookup_dcookie. */
#ifdef __NR_bpf
	DENY(__NR_bpf),
#endif
#ifdef __NR_perf_event_open
	DENY(__NR_perf_event_open),
#endif
#ifdef __NR_io_uring_setup
	DENY(__NR_io_uring_setup),
#endif
#ifdef __NR_io_uring_enter
	DENY(__NR_io_uring_enter),
#endif
#ifdef __NR_io_uring_register
	DENY(__NR_io_uring_register),
#endif
#ifdef __NR_userfaultfd
	DENY(__NR_userfaultfd),
#endif
#ifdef __NR_uselib
	DENY(__NR_uselib),
#endif
#ifdef __NR_lookup_dcookie
	DENY(__NR_lookup_dcookie),
#endif
	/* The kernel keyring is not namespaced: keys of other users' containers on the host are one
	 * lookup away, and it had its own escapes (CVE-2016-0728, refcount overflow). Docker refuses
	 * all three, so a fresh session keyring, if wanted, must be joined before this filter. */
#ifdef __NR_add_key
	DENY(__NR_add_key),
#endif
#ifdef __NR_keyctl
	DENY(__NR_keyctl),
#endif
#ifdef __NR_request_key
	DENY(__NR_request_key),
#endif
	/* Raw port I/O (CAP_SYS_RAWIO); x86 only (i386 also denies vm86 above). */
#ifdef __NR_iopl
	DENY(__NR_iopl),
#endif
#ifdef __NR_ioperm
	DENY(__NR_ioperm),
#endif
	/* The clocks are not namespaced (time namespaces only offset monotonic and boottime);
	 * setting them needs CAP_SYS_TIME in the initial namespace, refused here as well. */
#ifdef __NR_settimeofday
	DENY(__NR_settimeofday),
#endif
#ifdef __NR_clock_settime
	DENY(__NR_clock_settime),
#endif
#ifdef __NR_clock_adjtime
	DENY(__NR_clock_adjtime),
#endif
	/* File handles bypass the path walk: the 2014 "shocker" escape brute-forced handles with
	 * open_by_handle_at to open host files outside a bind mount (CAP_DAC_READ_SEARCH). */
#ifdef __NR_name_to_handle_at
	DENY(__NR_name_to_handle_at),
#endif
#ifdef __NR_open_by_handle_at
	DENY(__NR_open_by_handle_at),
#endif
	/* The new mount API, refused by docker without CAP_SYS_ADMIN. fsconfig is how
	 * CVE-2022-0185 (heap overflow in legacy_parse_param) was reached from an unprivileged user
	 * namespace; mount(2) does not take that path. Callers fall back to mount(2). */
#ifdef __NR_open_tree
	DENY(__NR_open_tree),
#endif
#ifdef __NR_open_tree_attr
	DENY(__NR_open_tree_attr),
#endif
#ifdef __NR_move_mount
	DENY(__NR_move_mount),
#endif
#ifdef __NR_fsopen
	DENY(__NR_fsopen),
#endif
#ifdef __NR_fsconfig
	DENY(__NR_fsconfig),
#endif
#ifdef __NR_fsmount
	DENY(__NR_fsmount),
#endif
#ifdef __NR_fspick
	DENY(__NR_fspick),
#endif
#ifdef __NR_mount_setattr
	DENY(__NR_mount_setattr),
#endif
	/* Docker grants these only with CAP_SYS_PTRACE: kcmp orders kernel object pointers (an
	 * address oracle), pidfd_getfd steals another process's fds, process_madvise acts on
	 * another process's memory. */
#ifdef __NR_kcmp
	DENY(__NR_kcmp),
#endif
#ifdef __NR_pidfd_getfd
	DENY(__NR_pidfd_getfd),
#endif
#ifdef __NR_process_madvise
	DENY(__NR_process_madvise),
#endif
	RET_ALLOW,
};

/* ioctl(2)'s request is an unsigned int, so only the low word may be compared: comparing all
 * 64 bits let TIOCSTI | (1 << 32) through flatpak's filter (CVE-2019-10063) while the kernel saw
 * TIOCSTI. 7 instructions. */
#define TTY_RULE(ioctl_nr)                                                                         \
	LOAD_NR, JEQ((ioctl_nr), 0, 4), LOAD_ARG_LO(1), JEQ(TIOCSTI, 1, 0), JEQ(TIOCLINUX, 0, 1), \
		RET_EPERM, RET_ALLOW

/* TIOCSTI pushes bytes into the terminal's input queue and TIOCLINUX can paste the console
 * selection: from a sandbox sharing the user's terminal, both type commands into the shell
 * that started jbox once the sandbox exits. setsid() already takes the terminal away as the
 * controlling tty; this covers an inherited fd on the terminal as well. Other ABIs than those
 * checked here are answered ENOSYS by the main program. */
static const struct sock_filter tty_program[] = {
	LOAD_ARCH,
	JEQ(NATIVE_ARCH, 0, 7),
	TTY_RULE(__NR_ioctl),
#ifdef __x86_64__
	JEQ(AUDIT_ARCH_I386, 0, 7),
	TTY_RULE(54 /* i386 ioctl */),
#endif
	RET_ALLOW,
};

static int install_program(const struct sock_filter *insns, unsigned short len)
{
	struct sock_fprog prog = {.len = len, .filter = (struct sock_filter *)insns};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* The kernel takes at most BPF_MAXINSNS instructions per program. */
_Static_assert(COUNT(main_program) <= BPF_MAXINSNS, "main seccomp program too long");

int jbox_seccomp_install(int allow_tty_inject)
{
	int ret = install_program(main_program, COUNT(main_program));

	if (ret == 0 && !allow_tty_inject)
		ret = install_program(tty_program, COUNT(tty_program));
	return ret;
}

int jbox_seccomp_install_program(const struct sock_filter *insns, unsigned short len, unsigned flags)
{
	struct sock_fprog prog = {.len = len, .filter = (struct sock_filter *)insns};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
		return -errno;
	return 0;
}
