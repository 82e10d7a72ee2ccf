/* Tests for jbox's default seccomp filter: each check forks a child that sets no_new_privs,
 * installs the filter (or not, for the unfiltered twin) and makes one call; the child's exit
 * code carries the call's errno back (0 on success). */
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* How the child is set up before the attempt. */
enum mode {
	UNFILTERED, /* no_new_privs only: the twin that shows what the kernel itself answers */
	TTY_LOCKED, /* jbox_seccomp_install(0) */
	TTY_OWNED,  /* jbox_seccomp_install(1) */
};

/* Child exit codes above any errno. */
enum { CHILD_NNP_FAILED = 250, CHILD_INSTALL_FAILED = 251, CHILD_SETUP_FAILED = 252 };

/* Results that are not an errno. */
enum { R_CRASHED = -1, R_HARNESS = -2 };

static int passed, failed;

static void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_fd __attribute__((cleanup(closep)))

/* An attempt returns 0 when the call succeeded, else its errno. */
typedef int (*attempt_fn)(void);

static int errno_of(long ret) { return ret < 0 ? errno : 0; }

/* Runs `attempt` in a child set up per `mode`; returns its errno, 0, or R_*. */
static int run(enum mode mode, attempt_fn attempt)
{
	pid_t pid = fork();
	if (pid < 0)
		return R_HARNESS;
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(CHILD_NNP_FAILED);
		if (mode != UNFILTERED && jbox_seccomp_install(mode == TTY_OWNED) < 0)
			_exit(CHILD_INSTALL_FAILED);
		_exit(attempt());
	}
	int status;
	if (TEMP_FAILURE_RETRY(waitpid(pid, &status, 0)) < 0)
		return R_HARNESS;
	if (WIFSIGNALED(status))
		return R_CRASHED;
	int code = WEXITSTATUS(status);
	return code >= CHILD_NNP_FAILED ? R_HARNESS : code;
}

static const char *describe(int r)
{
	static char buf[64];
	if (r == 0)
		return "success";
	if (r == R_CRASHED)
		return "child killed by a signal";
	if (r == R_HARNESS)
		return "harness failure (fork, no_new_privs or install)";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(r) ? strerrorname_np(r) : "errno?");
	return buf;
}

static void report(int ok, const char *name, const char *detail)
{
	printf("%s %s: %s\n", ok ? "ok  " : "FAIL", name, detail);
	if (ok)
		passed++;
	else
		failed++;
}

/* `attempt` under `mode` must give exactly `want` (an errno, or 0 for success). */
static void expect(const char *name, enum mode mode, attempt_fn attempt, int want)
{
	int got = run(mode, attempt);
	char detail[160];
	snprintf(detail, sizeof(detail), "got %s", describe(got));
	if (got != want)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), ", want %s",
			 describe(want));
	report(got == want, name, detail);
}

/* Not blocked by the filter: the same result with and without it. */
static void expect_same_as_unfiltered(const char *name, attempt_fn attempt)
{
	int bare = run(UNFILTERED, attempt), filtered = run(TTY_LOCKED, attempt);
	char detail[160];
	snprintf(detail, sizeof(detail), "unfiltered %s, ", describe(bare));
	snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "filtered %s",
		 describe(filtered));
	report(bare == filtered && bare >= 0, name, detail);
}

/* Prints what the kernel answers without the filter, for the record (no check). */
static void note_unfiltered(const char *name, attempt_fn attempt)
{
	printf("info %s unfiltered: %s\n", name, describe(run(UNFILTERED, attempt)));
}

/* ---- attempts ---- */

static int try_getpid(void) { return errno_of(syscall(__NR_getpid)); }

static int try_dev_null(void)
{
	cleanup_fd int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char c;
	if (fd < 0)
		return errno;
	return errno_of(read(fd, &c, 1));
}

/* An invalid operation: EOPNOTSUPP from the kernel whatever the caller's privileges. */
static int try_keyctl(void) { return errno_of(syscall(__NR_keyctl, -1L, 0L, 0L, 0L, 0L)); }
static int try_bpf(void) { return errno_of(syscall(__NR_bpf, -1L, NULL, 0L)); }
static int try_init_module(void) { return errno_of(syscall(__NR_init_module, NULL, 0L, "")); }
static int try_open_by_handle_at(void)
{
	return errno_of(syscall(__NR_open_by_handle_at, -1L, NULL, 0L));
}

#define READ_IMPLIES_EXEC_ 0x0400000UL
static int try_personality_rie(void)
{
	return errno_of(syscall(__NR_personality, READ_IMPLIES_EXEC_));
}
/* The kernel truncates to unsigned int, so bit 32 must not smuggle the value past the filter. */
static int try_personality_rie_high(void)
{
	return errno_of(syscall(__NR_personality, (1UL << 32) | READ_IMPLIES_EXEC_));
}
static int try_personality_0(void) { return errno_of(syscall(__NR_personality, 0UL)); }
static int try_personality_query(void) { return errno_of(syscall(__NR_personality, 0xffffffffUL)); }

#define AF_VSOCK_ 40
static int try_socket(unsigned long domain)
{
	long r = syscall(__NR_socket, domain, 1UL /* SOCK_STREAM */, 0UL);
	if (r >= 0)
		close((int)r);
	return errno_of(r);
}
static int try_socket_vsock(void) { return try_socket(AF_VSOCK_); }
/* socket's domain is an int: bit 32 must not smuggle AF_VSOCK past the filter. */
static int try_socket_vsock_high(void) { return try_socket((1UL << 32) | AF_VSOCK_); }
static int try_socket_unix(void) { return try_socket(1UL /* AF_UNIX */); }

static int try_tiocsti_badfd(void)
{
	char c = 'x';
	return errno_of(syscall(__NR_ioctl, -1L, (unsigned long)TIOCSTI, &c));
}
static int try_tiocsti_high_badfd(void)
{
	char c = 'x';
	return errno_of(syscall(__NR_ioctl, -1L, (1UL << 32) | TIOCSTI, &c));
}
static int try_tioclinux_badfd(void)
{
	char sub = 0;
	return errno_of(syscall(__NR_ioctl, -1L, (unsigned long)TIOCLINUX, &sub));
}

/* A pty of our own, opened in the child; `request` on the slave side. */
static int pty_ioctl(unsigned long request, void *arg)
{
	cleanup_fd int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return CHILD_SETUP_FAILED;
	char name[64];
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return CHILD_SETUP_FAILED;
	cleanup_fd int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return CHILD_SETUP_FAILED;
	return errno_of(syscall(__NR_ioctl, slave, request, arg));
}
static int try_tiocsti_pty(void)
{
	char c = 'x';
	return pty_ioctl(TIOCSTI, &c);
}
static int try_tiocgwinsz_pty(void)
{
	struct winsize ws;
	return pty_ioctl(TIOCGWINSZ, &ws);
}

static int try_unshare_user(void) { return errno_of(unshare(CLONE_NEWUSER)); }
static int try_mount(void)
{
	return errno_of(mount("none", "/nonexistent/jbox-seccomp-test", "tmpfs", 0, NULL));
}
#ifndef __NR_clone3
#define __NR_clone3 435 /* the same on every architecture */
#endif
/* A too-small size: EINVAL from the kernel, EPERM or ENOSYS if a filter refused clone3. */
static int try_clone3(void) { return errno_of(syscall(__NR_clone3, NULL, 0UL)); }

static int try_proc_status(void)
{
	/* After jbox_seccomp_install(0): "Seccomp: 2" (filter mode) and two stacked filters. */
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int mode = -1, filters = -1;
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %d", &mode);
		sscanf(line, "Seccomp_filters: %d", &filters);
	}
	fclose(f);
	return mode == 2 && (filters == 2 || filters == -1) ? 0 : EINVAL;
}

#ifdef __x86_64__
static int try_x32_getpid(void)
{
	return errno_of(syscall(__NR_getpid | 0x40000000L));
}

/* A syscall through the i386 entry (int 0x80), which the kernel tags AUDIT_ARCH_I386. */
static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory");
	return ret;
}
static int errno_of_raw(long ret) { return ret < 0 && ret > -4096 ? (int)-ret : 0; }
static int try_i386_getpid(void) { return errno_of_raw(int80(20, 0, 0, 0)); }
static int try_i386_keyctl(void) { return errno_of_raw(int80(288, -1, 0, 0)); }
static int try_i386_bpf(void) { return errno_of_raw(int80(357, -1, 0, 0)); }
static int try_i386_open_tree_attr(void) { return errno_of_raw(int80(467, -1, 0, 0)); }
static int try_i386_personality_rie(void)
{
	return errno_of_raw(int80(136, (long)READ_IMPLIES_EXEC_, 0, 0));
}
static int try_i386_personality_0(void) { return errno_of_raw(int80(136, 0, 0, 0)); }
static int try_i386_tiocsti_badfd(void) { return errno_of_raw(int80(54, -1, TIOCSTI, 0)); }
static int try_i386_socket_vsock(void)
{
	long r = int80(359, AF_VSOCK_, 1, 0);
	if (r >= 0)
		close((int)r);
	return errno_of_raw(r);
}
#endif

/* ---- every denied native call, with all arguments -1 (harmless even if not filtered) ---- */

struct denied {
	const char *name;
	long nr;
};
#define D(n) {#n, __NR_##n}
static const struct denied denied[] = {
	D(init_module), D(finit_module), D(delete_module), D(kexec_load),
#ifdef __NR_kexec_file_load
	D(kexec_file_load),
#endif
	D(reboot), D(swapon), D(swapoff), D(acct), D(syslog), D(quotactl),
#ifdef __NR_quotactl_fd
	D(quotactl_fd),
#endif
#ifdef __NR_nfsservctl
	D(nfsservctl),
#endif
	D(bpf), D(perf_event_open),
#ifdef __NR_io_uring_setup
	D(io_uring_setup), D(io_uring_enter), D(io_uring_register),
#endif
	D(userfaultfd),
#ifdef __NR_uselib
	D(uselib),
#endif
#ifdef __NR_lookup_dcookie
	D(lookup_dcookie),
#endif
	D(add_key), D(keyctl), D(request_key),
#ifdef __NR_iopl
	D(iopl), D(ioperm),
#endif
	D(settimeofday), D(clock_settime), D(clock_adjtime), D(name_to_handle_at),
	D(open_by_handle_at),
#ifdef __NR_fsopen
	D(open_tree), D(move_mount), D(fsopen), D(fsconfig), D(fsmount), D(fspick),
#endif
#ifdef __NR_mount_setattr
	D(mount_setattr),
#endif
	D(kcmp),
#ifdef __NR_pidfd_getfd
	D(pidfd_getfd),
#endif
#ifdef __NR_process_madvise
	D(process_madvise),
#endif
};

static long denied_nr;
static int try_denied(void)
{
	return errno_of(syscall(denied_nr, -1L, -1L, -1L, -1L, -1L, -1L));
}

/* ---- install cost ---- */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The kernel's fixed cost of any filter: a one-instruction "allow everything" program. */
static int install_trivial(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -errno : 0;
}
static int install_locked(void) { return jbox_seccomp_install(0); }
static int install_owned(void) { return jbox_seccomp_install(1); }

/* Average and minimum wall time of one install() over `rounds` fresh children (filters stack,
 * so each install needs a process that has none). */
static int measure(int (*install)(void), int rounds, double *avg_us, double *min_us)
{
	int64_t total = 0, best = INT64_MAX;
	for (int i = 0; i < rounds; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		cleanup_fd int rd = p[0];
		cleanup_fd int wr = p[1];
		pid_t pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			int64_t t = -1;
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
				int64_t t0 = now_ns();
				int r = install();
				int64_t t1 = now_ns();
				if (r == 0)
					t = t1 - t0;
			}
			_exit(write(wr, &t, sizeof(t)) == sizeof(t) ? 0 : 1);
		}
		int64_t t;
		ssize_t n = TEMP_FAILURE_RETRY(read(rd, &t, sizeof(t)));
		TEMP_FAILURE_RETRY(waitpid(pid, NULL, 0));
		if (n != sizeof(t) || t < 0)
			return -EIO;
		total += t;
		if (t < best)
			best = t;
	}
	*avg_us = (double)total / rounds / 1000.0;
	*min_us = (double)best / 1000.0;
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Benign twins: ordinary calls keep working under the filter. */
	expect("getpid_filtered_succeeds", TTY_LOCKED, try_getpid, 0);
	expect("devNullOpenRead_filtered_succeeds", TTY_LOCKED, try_dev_null, 0);
	expect("procStatus_filtered_showsModeFilter", TTY_LOCKED, try_proc_status, 0);
	expect("personality0_filtered_succeeds", TTY_LOCKED, try_personality_0, 0);
	expect("personalityQuery_filtered_succeeds", TTY_LOCKED, try_personality_query, 0);
	expect("tiocgwinszPty_ttyLocked_succeeds", TTY_LOCKED, try_tiocgwinsz_pty, 0);
	expect_same_as_unfiltered("unshareUser_filtered_sameAsUnfiltered", try_unshare_user);
	expect_same_as_unfiltered("mount_filtered_sameAsUnfiltered", try_mount);
	expect_same_as_unfiltered("clone3_filtered_sameAsUnfiltered", try_clone3);

	/* Attacks, each next to the kernel's own answer. */
	expect("keyctl_unfiltered_notEperm", UNFILTERED, try_keyctl, EOPNOTSUPP);
	expect("keyctl_filtered_eperm", TTY_LOCKED, try_keyctl, EPERM);
	note_unfiltered("bpf", try_bpf);
	expect("bpf_filtered_eperm", TTY_LOCKED, try_bpf, EPERM);
	note_unfiltered("init_module", try_init_module);
	expect("initModule_filtered_eperm", TTY_LOCKED, try_init_module, EPERM);
	note_unfiltered("open_by_handle_at", try_open_by_handle_at);
	expect("openByHandleAt_filtered_eperm", TTY_LOCKED, try_open_by_handle_at, EPERM);
	note_unfiltered("socket(AF_VSOCK)", try_socket_vsock);
	expect("socketVsock_filtered_eperm", TTY_LOCKED, try_socket_vsock, EPERM);
	expect("socketVsockBit32_filtered_eperm", TTY_LOCKED, try_socket_vsock_high, EPERM);
	expect("socketUnix_filtered_succeeds", TTY_LOCKED, try_socket_unix, 0);
	expect("personalityReadImpliesExec_unfiltered_succeeds", UNFILTERED, try_personality_rie, 0);
	expect("personalityReadImpliesExec_filtered_eperm", TTY_LOCKED, try_personality_rie, EPERM);
	expect("personalityReadImpliesExecBit32_filtered_eperm", TTY_LOCKED,
	       try_personality_rie_high, EPERM);

	/* TIOCSTI on fd -1: EBADF whenever the filter lets it through, EPERM only from the filter. */
	expect("tiocstiBadFd_unfiltered_ebadf", UNFILTERED, try_tiocsti_badfd, EBADF);
	expect("tiocstiBadFd_ttyOwned_ebadf", TTY_OWNED, try_tiocsti_badfd, EBADF);
	expect("tiocstiBadFd_ttyLocked_eperm", TTY_LOCKED, try_tiocsti_badfd, EPERM);
	expect("tiocstiBit32BadFd_ttyLocked_eperm", TTY_LOCKED, try_tiocsti_high_badfd, EPERM);
	expect("tioclinuxBadFd_ttyOwned_ebadf", TTY_OWNED, try_tioclinux_badfd, EBADF);
	expect("tioclinuxBadFd_ttyLocked_eperm", TTY_LOCKED, try_tioclinux_badfd, EPERM);
	expect("tiocstiPty_ttyLocked_eperm", TTY_LOCKED, try_tiocsti_pty, EPERM);
	printf("info tiocstiPty ttyOwned (kernel's own rules apply): %s\n",
	       describe(run(TTY_OWNED, try_tiocsti_pty)));

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		char name[96];
		denied_nr = denied[i].nr;
		snprintf(name, sizeof(name), "denied_%s_filtered_eperm", denied[i].name);
		expect(name, TTY_OWNED, try_denied, EPERM);
	}

#ifdef __x86_64__
	note_unfiltered("x32 getpid", try_x32_getpid);
	expect("x32Getpid_filtered_enosys", TTY_LOCKED, try_x32_getpid, ENOSYS);
	if (run(UNFILTERED, try_i386_getpid) != 0) {
		/* A skip, not a pass: the kernel has no i386 entry (ia32_emulation=0). */
		printf("SKIP i386 checks: int 0x80 does not work on this kernel\n");
	} else {
		expect("i386Getpid_filtered_succeeds", TTY_LOCKED, try_i386_getpid, 0);
		expect("i386Keyctl_filtered_eperm", TTY_LOCKED, try_i386_keyctl, EPERM);
		expect("i386Bpf_filtered_eperm", TTY_LOCKED, try_i386_bpf, EPERM);
		expect("i386SocketVsock_filtered_eperm", TTY_LOCKED, try_i386_socket_vsock, EPERM);
		expect("i386OpenTreeAttr_filtered_eperm", TTY_LOCKED, try_i386_open_tree_attr, EPERM);
		expect("i386Personality0_filtered_succeeds", TTY_LOCKED, try_i386_personality_0, 0);
		expect("i386PersonalityReadImpliesExec_filtered_eperm", TTY_LOCKED,
		       try_i386_personality_rie, EPERM);
		expect("i386TiocstiBadFd_ttyOwned_ebadf", TTY_OWNED, try_i386_tiocsti_badfd, EBADF);
		expect("i386TiocstiBadFd_ttyLocked_eperm", TTY_LOCKED, try_i386_tiocsti_badfd, EPERM);
	}
#endif

	static const struct {
		const char *what;
		int (*install)(void);
	} costs[] = {
		{"jbox_seccomp_install(0)", install_locked},
		{"jbox_seccomp_install(1)", install_owned},
		{"baseline 1-instruction filter", install_trivial},
	};
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		double avg, min;
		int r = measure(costs[i].install, 1000, &avg, &min);
		if (r < 0) {
			report(0, "installCost_measured", strerror(-r));
			continue;
		}
		printf("info install cost, %s: %.1f us average, %.1f us min over 1000 fresh "
		       "children\n",
		       costs[i].what, avg, min);
	}

	printf("seccomp: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
