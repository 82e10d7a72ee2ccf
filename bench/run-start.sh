#!/bin/bash
# bench/run-start.sh: jbox start latency side by side with rootless podman and bubblewrap, a phase
# breakdown from JBOX_TRACE, and the resident memory each launcher keeps while a sandbox runs.
# Run as root on Debian 12 (it apt-installs its tools and runs everything as BENCH_USER).
#
#   sudo bench/run-start.sh [RESULTS_DIR]
#
# Environment: BENCH_USER (default jboxtest; needs /etc/subuid and /etc/subgid ranges),
# BENCH_RUNS (default 30), BENCH_WARMUP (default 3), BENCH_DIR (default /var/tmp/jbox-bench),
# BENCH_NO_APT=1 to skip apt-get, BENCH_NO_BUILD=1 to skip `mvn package`.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bench=run-start prefix=''
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
id "$user" >/dev/null 2>&1 || die "no user $user (create one with subordinate ids in /etc/subuid and /etc/subgid)"
grep -q "^$user:" /etc/subuid && grep -q "^$user:" /etc/subgid || die "$user has no /etc/subuid or /etc/subgid range"
[ "$runs" -ge 1 ] && [ "$runs" -le 1000 ] || die "BENCH_RUNS must be 1..1000"

# shellcheck source=bench/common.sh
. "$here/common.sh"

# --- 1. start latency ----------------------------------------------------------------------------
echo; echo "== 1. start latency: warmup $warmup, $runs runs each (hyperfine -N: no shell in between)"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
  --export-json "$results/start.json" --export-csv "$results/start.csv" \
  -n jbox "$jbox run --rootfs $rootfs --network=none true" \
  -n podman "$podman run --rm --network=none --rootfs $rootfs true" \
  -n bwrap "bwrap --unshare-all --bind $rootfs / --proc /proc --dev /dev true" \
  -n true "/bin/true" \
  -n jvm-version "java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp $jar dev.jbox.cli.Main --version" \
  > "$results/start.txt" 2>&1 || { cat "$results/start.txt"; die "hyperfine failed"; }

median_ms() { awk -F, -v n="$1" '$1==n {printf "%.2f", $4*1000}' "$results/start.csv"; }
{
  printf '%-12s %10s   %s\n' command "median ms" "what"
  printf '%-12s %10s   %s\n' jbox "$(median_ms jbox)" "jbox run --rootfs DIR --network=none true"
  printf '%-12s %10s   %s\n' podman "$(median_ms podman)" "$podman run --rm --network=none --rootfs DIR true"
  printf '%-12s %10s   %s\n' bwrap "$(median_ms bwrap)" "bwrap --unshare-all --bind DIR / --proc /proc --dev /dev true"
  printf '%-12s %10s   %s\n' true "$(median_ms true)" "/bin/true (fork+exec floor)"
  printf '%-12s %10s   %s\n' jvm-version "$(median_ms jvm-version)" "JVM + jbox --version (picocli), no sandbox"
  awk -F, '{m[$1]=$4} END {printf "ratio jbox/podman %.2f   jbox/bwrap %.1f   (jbox - jvm-version) = %.1f ms\n", m["jbox"]/m["podman"], m["jbox"]/m["bwrap"], (m["jbox"]-m["jvm-version"])*1000}' "$results/start.csv"
} | tee "$results/start-table.txt"

# --- 2. phase breakdown ---------------------------------------------------------------------------
echo; echo "== 2. phase breakdown: $runs runs of jbox with JBOX_TRACE=1 (medians of the timestamps, us since the helper started)"
: > "$results/trace.txt"; chown "$user" "$results/trace.txt"
# One shell as the user runs the traced runs and times each one (same runs for phases and total).
as_user bash -c '
  runs=$1 jbox=$2 rootfs=$3 out=$4
  for ((i = 0; i < runs; i++)); do
    t0=$EPOCHREALTIME
    JBOX_TRACE=1 "$jbox" run --rootfs "$rootfs" --network=none true 2>"$out.err" >/dev/null
    t1=$EPOCHREALTIME
    awk -v r="$i" '\''$1=="jbox-trace" {print r, $2, $3}'\'' "$out.err" >> "$out"
    echo "$i wall $(( ${t1/./} - ${t0/./} ))" >> "$out"
  done
  rm -f "$out.err"' bash "$runs" "$jbox" "$rootfs" "$results/trace.txt"
# The build tree's sh wrapper alone, up to the helper printing its usage (an installed jbox is a
# symlink to the helper and has no shell at all): the untraced head.
as_user hyperfine -N -i --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/launcher.csv" \
  -n launcher "sh -c 'exec $repo/helpers/build/jbox-helper 2>/dev/null'" > "$results/launcher.txt" 2>&1 || true
launcher_ms=$(awk -F, '$1=="launcher" {printf "%.2f", $4*1000}' "$results/launcher.csv")
phase_median() { awk -v p="$1" '$2==p {print $3}' "$results/trace.txt" | sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
total_ms=$(phase_median wall | awk '{printf "%.2f", $1/1000}')
{
  printf '%-14s %10s %10s   %s\n' phase "at (ms)" "delta ms" "meaning"
  prev=0
  for spec in "java-main|JVM start (helper fork+exec java, VM init, to main)" \
              "parsed|CLI parse (hand-written run parser)" \
              "planned|plan (config, id maps, SandboxBuilder, newId)" \
              "plan-received|plan encoded and written to fd 3: the helper starts once the whole plan is in (the JVM exits in parallel)" \
              "cloned|clone (user, pid, mnt, uts, ipc, net, cgroup ns)" \
              "maps-written|uid/gid maps (newuidmap + newgidmap)" \
              "mounts-done|mounts, pivot_root" \
              "exec-done|creds, caps, seccomp, up to execve"; do
    p=${spec%%|*}; what=${spec#*|}
    m=$(phase_median "$p")
    awk -v p="$p" -v m="$m" -v prev="$prev" -v w="$what" 'BEGIN {printf "%-14s %10.2f %10.2f   %s\n", p, m/1000, (m-prev)/1000, w}'
    prev=$m
  done
  awk -v t="$total_ms" -v e="$prev" -v l="$launcher_ms" 'BEGIN {
    printf "%-14s %10.2f %10.2f   %s\n", "wall clock", t, t - e/1000, "untraced: the sh wrapper before the helper + the workload, exit, reap (median wall of the same traced runs)";
    printf "%-14s %10s %10.2f   %s\n", "  launcher", "", l, "of which: the sh wrapper of the build tree and the exec of the helper (none when installed)" }'
} | tee "$results/phases-table.txt"
{
  # Grouped: JVM (helper start to plan-received) against the sandbox proper (to exec-done).
  je=$(phase_median plan-received); ed=$(phase_median exec-done)
  awk -v je="$je" -v ed="$ed" -v t="$total_ms" 'BEGIN {
    printf "JVM part (helper start -> plan-received): %.1f ms = %.0f%% of the wall clock; sandbox part (plan-received -> exec-done): %.1f ms\n", je/1000, je/1000/t*100, (ed-je)/1000 }'
} | tee -a "$results/phases-table.txt"

# --- 3. memory while a sandbox runs `sleep 5` -------------------------------------------------------
echo; echo "== 3. resident memory of the launcher's own processes while the sandbox runs sleep 5 (KiB)"
# kib PID FIELD: VmRSS from status, Pss from smaps_rollup.
rss_of() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_of() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
comm_of() { cat "/proc/$1/comm" 2>/dev/null || echo '?'; }
children_of() { ps -o pid= --ppid "$1" 2>/dev/null || true; }
# descendants PID: PID and its descendants, skipping the sandboxed workload (comm "sleep") and below.
descendants() {
  local p=$1 c
  case $(comm_of "$p") in
    sleep) return 0 ;;
    runuser|bash|env) ;;   # the benchmark's own wrappers: not the launcher
    *) echo "$p" ;;
  esac
  for c in $(children_of "$p"); do descendants "$c"; done
}
measure() { # NAME PIDS...
  local name=$1 rss=0 pss=0 list="" p r s; shift
  for p in "$@"; do
    [ -d "/proc/$p" ] || continue
    r=$(rss_of "$p"); s=$(pss_of "$p")
    rss=$((rss + r)); pss=$((pss + s)); list="$list $(comm_of "$p")[$p]=${r}/${s}"
  done
  printf '%-8s %9s %9s   %s\n' "$name" "$rss" "$pss" "${list# }"
}
user_pids() { ps -u "$user" -o pid=,comm= | awk -v c="$1" '$2==c {print $1}'; }
mem_run() { # NAME SETTLE_SECONDS CMD...: start CMD as the user, wait, measure its tree (+ extras)
  local name=$1 settle=$2; shift 2
  local before
  before=" $(user_pids conmon | tr "\n" " ") "
  as_user "$@" >/dev/null 2>&1 &
  local bg=$! c
  sleep "$settle"
  local pids
  pids=$(for c in $(children_of "$bg"); do descendants "$c"; done)   # below the subshell
  case $name in
    # conmon double-forks away from podman: take the conmon that appeared during this run (other
    # sessions may run things as the same user); catatonit is the user's rootless pause process.
    podman) for c in $(user_pids conmon); do case $before in *" $c "*) ;; *) pids="$pids $c" ;; esac; done
            pids="$pids $(user_pids catatonit)" ;;
  esac
  # shellcheck disable=SC2086
  measure "$name" $pids
  wait "$bg" || true
}
{
  printf '%-8s %9s %9s   %s\n' launcher "RSS KiB" "Pss KiB" "processes: comm[pid]=RSS/Pss KiB (the workload itself excluded)"
  mem_run jbox 2 "$jbox" run --rootfs "$rootfs" --network=none sleep 5
  mem_run podman 2 $podman run --rm --network=none --rootfs "$rootfs" sleep 5
  mem_run bwrap 2 bwrap --unshare-all --bind "$rootfs" / --proc /proc --dev /dev sleep 5
} | tee "$results/memory-table.txt"
# Is any JVM resident while a jbox sandbox runs?
as_user "$jbox" run --rootfs "$rootfs" --network=none sleep 3 >/dev/null 2>&1 &
bg=$!; sleep 1.5
n_java=0
for p in $(for c in $(children_of "$bg"); do descendants "$c"; done); do [ "$(comm_of "$p")" = java ] && n_java=$((n_java + 1)); done
echo "java processes under jbox while its sandbox sleeps: $n_java" | tee -a "$results/memory-table.txt"
wait "$bg" || true

[ -r /proc/pressure/cpu ] && echo "cpu pressure after: $(head -1 /proc/pressure/cpu)" | tee -a "$results/machine.txt"
chown -R "$user" "$results"
echo; echo "results in $results"
