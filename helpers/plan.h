/* The sandbox plan: what Java decided, decoded. Mirrored by dev.jbox.helper.PlanWriter (Java);
 * the byte format is in PROTOCOL.md and both sides test the same golden file. */
#ifndef JBOX_PLAN_H
#define JBOX_PLAN_H
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAGIC "JBXP"
#define PLAN_VERSION 1
#define PLAN_MAX_BYTES (4u << 20)

/* The format's little-endian fields. */
static inline uint32_t plan_le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t plan_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Whether buf[0..len) starts with a plan header (magic, version) that gives len as its length,
 * and len is at most max: the templates' first check (exec_fast.c, shell_join.c). */
static inline int plan_header_ok(const char *buf, size_t len, size_t max) {
  const unsigned char *u = (const unsigned char *)buf;
  return len >= 10 && len <= max && u[0] == 'J' && u[1] == 'B' && u[2] == 'X' && u[3] == 'P' &&
         plan_le16(u + 4) == PLAN_VERSION && plan_le32(u + 6) == len;
}

/* Record tags: keep in step with PlanWriter.java. */
enum plan_tag {
  T_ARGV = 1,      /* one argv element, in order */
  T_ENV = 2,       /* "KEY=VALUE" */
  T_CWD = 3,       /* absolute path inside the sandbox */
  T_USER = 4,      /* "name", "uid" or "uid:gid", resolved inside the new root */
  T_HOSTNAME = 5,  /* set when the uts namespace is new */
  T_ROOTFS = 6,    /* absolute host path of the root directory */
  T_NS = 7,        /* "TYPE\0MODE": MODE is "new", "host" or a path to join */
  T_UIDMAP = 8,    /* "INSIDE OUTSIDE COUNT" */
  T_GIDMAP = 9,
  T_MAPTOOL = 10,  /* "newidmap" (setuid newuidmap/newgidmap) or "direct" (single id, setgroups deny) */
  T_MOUNT = 11,    /* "KIND\0SOURCE\0TARGET\0OPTIONS", see enum mount_kind */
  T_RLIMIT = 12,   /* "RESOURCE SOFT HARD" with RESOURCE a number from <sys/resource.h> */
  T_CAPS = 13,     /* decimal 64-bit mask of the capabilities kept (bounding, permitted, effective) */
  T_FLAG = 14,     /* one of the flag words below */
  T_TIMENS = 15,   /* "MONOTONIC_SECONDS BOOTTIME_SECONDS" */
  T_STOPSIG = 16,  /* reserved: signal sent on jbox stop */
  T_OVERLAY = 18,  /* "LOWER[:LOWER...]\0UPPER\0WORK": an overlay mounted on ROOTFS (which is its merged dir) */
  T_CLEANUP = 19,  /* a host directory removed, inside the sandbox's user namespace, once the sandbox is gone */
  T_NETWORK = 17,  /* user-mode network helper argv, NUL-separated; @PID@ @READY_FD@ @EXIT_FD@ substituted */
  /* lifecycle (monitor.c, exec.c) */
  T_STATEDIR = 20, /* detached: absolute path of the sandbox's state directory (monitor.c) */
  T_EXEC = 21,     /* exec: "PID STARTTIME" of the sandbox's pid 1, whose namespaces are joined (exec.c) */
  T_ATTACH = 22,   /* attach: "STATEDIR\0MODE\0KEYS", MODE tty|stdin|none, KEYS decimal bytes (attach.c) */
  /* appended later (cleanup.c, mounts.c) */
  T_RMDIR = 23,    /* a host directory of the caller's own (the generated /etc files), removed once the sandbox is gone */
  T_FUSE = 24,     /* "MODE\0PATH": fuse-overlayfs at PATH mounts T_OVERLAY; MODE "always", or "fallback" when native overlay fails */
  T_LOCKFILE = 25, /* the sandbox's lock and state file (<store>/containers/<id>/state), OFD-locked while it lives (cleanup.c) */
  T_SYSCTL = 26,   /* "KEY\0VALUE": written to /proc/sys/KEY (dots as slashes) in the sandbox's namespaces */
  T_PRESERVE_FDS = 27, /* "N": the caller's fds 3..3+N-1 pass to the command (--preserve-fds); never recorded for jbox start */
  /* the OCI runtime (oci.c, PROTOCOL.md "The OCI runtime") */
  T_OCI = 28,      /* "MODE\0STATEDIR\0PIDFILE\0CONSOLE": MODE create|start|run|exec|exec-detach; PIDFILE, CONSOLE absolute or empty */
  T_CAPSETS = 29,  /* "BOUNDING EFFECTIVE PERMITTED INHERITABLE AMBIENT": decimal masks, in place of T_CAPS */
  T_GROUPS = 30,   /* one supplementary gid (decimal): the groups are exactly these, not /etc/group's */
  T_UMASK = 31,    /* octal umask of the command */
  T_OOMSCORE = 32, /* oom_score_adj of the command, -1000..1000 */
  T_DOMAINNAME = 33, /* NIS domain name, set with the hostname when the uts namespace is new */
  T_NFT = 34,      /* "PATH\0RULES": nft at PATH loads RULES (nft -f -) in the sandbox's new network namespace (network.c) */
  /* exec templates only (exec_fast.c), refused in a plan */
  T_EXECNAME = 35, /* the sandbox's name ("" for none), last record of its exec template `exec.plan` */
  /* join templates only (shell_join.c), refused in a plan */
  T_JOINDENY = 48, /* one env-deny pattern of the project (`*` any run), repeatable */
  T_JOINTOML = 49, /* "none" or the SHA-256 (64 hex) of the project's .jbox/shell.toml; last record of `join.plan` */
  T_RESTART = 38,  /* "POLICY MAX": POLICY on-failure|always|unless-stopped, MAX restarts (0: no limit); with T_STATEDIR (monitor.c) */
  /* volumes (cleanup.c, PROTOCOL.md "Volumes") */
  T_RMVOLUME = 41, /* an anonymous volume's host directory, removed like T_CLEANUP once the sandbox is gone; repeatable */
  /* the OCI runtime, continued (tags 44-47) */
  T_SECCOMP = 44,  /* "FLAGS HEX": a compiled seccomp profile, 16 hex digits per BPF instruction (seccomp.c) */
  T_ROOTPROP = 45, /* OCI linux.rootfsPropagation: [r]private, [r]slave, [r]shared or [r]unbindable, applied to / after pivot_root (mounts.c) */
  T_OCI_HOOK = 46, /* "KIND\0TIMEOUT\0ARGC\0ENVC\0PATH\0ARG...\0ENV...": one OCI hook (oci.c); ENVC "-": the runtime's environment */
  T_OCI_STATE = 47, /* "KIND\0HEAD\0TAIL": the state JSON a KIND hook reads: HEAD "pid":PID, TAIL (HEAD TAIL when PID is 0) */
};

/* OCI hook kinds (T_OCI_HOOK, T_OCI_STATE), in lifecycle order */
enum hook_kind { HK_PRESTART, HK_CREATE_RUNTIME, HK_CREATE_CONTAINER, HK_START_CONTAINER, HK_POSTSTART, HK_POSTSTOP, HK_COUNT };
#define PLAN_MAX_HOOKS 64
#define HOOK_MAX_ITEMS 256 /* ARGC and ENVC each */
#define HOOK_MAX_TIMEOUT 86400
struct oci_hook {
  enum hook_kind kind;
  unsigned timeout; /* seconds, 0: none */
  const char *path;
  const char **argv; /* owned, NULL-terminated */
  const char **env;  /* owned, NULL-terminated; NULL: the runtime's environment */
};

enum restart_policy { RESTART_NO = 0, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_UNLESS_STOPPED };
#define RESTART_MAX 1000000

enum attach_mode { ATTACH_NONE = 0, ATTACH_STDIN, ATTACH_TTY };
#define DETACH_KEYS_MAX 16

/* T_FLAG words. */
#define F_NO_NEW_PRIVS "no-new-privs"
#define F_SECCOMP "seccomp"
#define F_INIT "init"
#define F_TTY "tty"
#define F_STDIN "stdin"
#define F_READONLY "readonly"
#define F_LOOPBACK "loopback"

enum ns_type { NS_USER, NS_MNT, NS_PID, NS_NET, NS_UTS, NS_IPC, NS_CGROUP, NS_TIME, NS_COUNT };
enum ns_mode { NSM_NEW = 0, NSM_HOST, NSM_JOIN };

struct ns_spec {
  enum ns_mode mode;
  const char *path; /* NSM_JOIN */
};

struct idmap_line {
  unsigned long inside, outside, count;
};

struct mount_op {
  const char *kind, *source, *target, *options;
};

struct rlimit_op {
  int resource;
  unsigned long long soft, hard;
};

#define PLAN_MAX_ITEMS 4096 /* ARGV, ENV and MOUNT records each */
#define PLAN_MAX_MAP_LINES 32
#define PRESERVE_FDS_MAX 4096
#define SECCOMP_PROG_MAX 4096 /* BPF_MAXINSNS */
struct sock_filter;
#define PLAN_MAX_RMVOLUMES 64
struct plan {
  char *buf; /* owns every string below */
  const char **argv;
  size_t argc;
  const char **env;
  size_t envc;
  const char *cwd, *user, *hostname, *rootfs, *maptool;
  struct ns_spec ns[NS_COUNT];
  struct idmap_line uidmap[PLAN_MAX_MAP_LINES], gidmap[PLAN_MAX_MAP_LINES];
  size_t nuid, ngid;
  struct mount_op *mounts;
  size_t nmounts;
  struct rlimit_op rlimits[32];
  size_t nrlimits;
  uint64_t caps;
  int no_new_privs, seccomp, init, tty, keep_stdin, readonly, loopback;
  int has_timens;
  const char *net_argv[64]; /* pasta or slirp4netns and its arguments, NULL-terminated */
  size_t net_argc;
  long long time_monotonic, time_boottime;
  const char *ovl_lower, *ovl_upper, *ovl_work; /* T_OVERLAY */
  const char *ovl_target; /* `unshare --overlay`: the overlay's mount point when there is no ROOTFS (no record sets it) */
  const char *cleanup;                          /* T_CLEANUP */
  const char *rmvolume[PLAN_MAX_RMVOLUMES];      /* T_RMVOLUME */
  size_t nrmvolume;
  const char *rmdir;                            /* T_RMDIR */
  const char *lockfile;                         /* T_LOCKFILE */
  const char *fuse_path;                        /* T_FUSE */
  int fuse_fallback;                            /* T_FUSE mode "fallback" */
  const char *sysctl_key[32], *sysctl_value[32]; /* T_SYSCTL */
  const char *nft_path, *nft_rules;              /* T_NFT */
  size_t nsysctl;
  int preserve_fds;                  /* T_PRESERVE_FDS */
  const char *statedir;              /* T_STATEDIR */
  enum restart_policy restart;       /* T_RESTART */
  unsigned restart_max;              /* T_RESTART: 0 = no limit */
  long exec_pid;                     /* T_EXEC */
  unsigned long long exec_starttime; /* T_EXEC */
  const char *attach_dir;            /* T_ATTACH: the state directory holding attach.sock */
  enum attach_mode attach_mode;      /* T_ATTACH */
  unsigned char detach_keys[DETACH_KEYS_MAX]; /* T_ATTACH: empty = no detaching */
  size_t n_detach_keys;
  const char *oci_mode, *oci_statedir, *oci_pidfile, *oci_console; /* T_OCI (pidfile, console: NULL if empty) */
  int has_capsets;                                                   /* T_CAPSETS */
  uint64_t cap_effective, cap_permitted, cap_inheritable, cap_ambient; /* T_CAPSETS; bounding in caps */
  unsigned groups[64];                                               /* T_GROUPS */
  size_t ngroups;
  int has_groups;
  int has_umask, has_oom;
  unsigned umask_value; /* T_UMASK */
  int oom_score_adj;    /* T_OOMSCORE */
  const char *domainname; /* T_DOMAINNAME */
  struct sock_filter *seccomp_prog; /* T_SECCOMP: the program (owned), installed in place of F_SECCOMP's */
  unsigned short seccomp_len;       /* T_SECCOMP: instructions, 1..SECCOMP_PROG_MAX */
  unsigned seccomp_flags;           /* T_SECCOMP: SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW */
  unsigned long root_propagation;   /* T_ROOTPROP: MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, maybe | MS_REC; 0 = none */
  struct oci_hook hooks[PLAN_MAX_HOOKS]; /* T_OCI_HOOK, in plan order */
  size_t nhooks;
  unsigned nhooks_of[HK_COUNT];
  const char *hook_state_head[HK_COUNT], *hook_state_tail[HK_COUNT]; /* T_OCI_STATE */
};

extern const char *const hook_kind_names[HK_COUNT];

extern const char *const ns_names[NS_COUNT];

/* Decodes `len` bytes at `buf` (taking ownership of buf). Returns 0, or -1 with jbox_err set. */
int plan_decode(struct plan *p, char *buf, size_t len);
void plan_free(struct plan *p);
#endif
