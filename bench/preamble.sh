# bench/preamble.sh: the settings the hyperfine bench scripts share, sourced first (after `here`),
# with `bench` set to the script's name (messages) and `prefix` to its results directory's prefix,
# and `runs_default` where BENCH_RUNS's default is not 30. Defines repo, user, runs, warmup, work,
# results (the script's first argument, else a new dated directory), rootfs and die, and stops
# unless run as root. bench/common.sh then installs, builds and prepares the user.
repo=$(cd "$here/.." && pwd)
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-${runs_default:-30}}
warmup=${BENCH_WARMUP:-3}
work=${BENCH_DIR:-/var/tmp/jbox-bench}
results=${1:-$repo/bench/results/$prefix$(date -u +%Y%m%dT%H%M%SZ)}
rootfs=$work/rootfs
die() { echo "$bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and switches to $user)"
