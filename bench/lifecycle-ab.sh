#!/bin/bash
# bench/lifecycle-ab.sh OLD_JAR ROOTFS IMAGE: rm -f, stop -t 0 and restart -t 0 of a running
# sandbox (--rootfs, as bench/cli.sh), and top and port of a running sandbox of IMAGE (an image in
# BENCH_USER's jbox store), between an older jar (A: OLD_JAR, with archives built for its path by
# `scripts/cds OLD_JAR`) and this tree's (B), podman beside them, all in one hyperfine run as
# BENCH_USER (default jboxtest). Both use this tree's helper; podman gets the same --prepare (a
# fresh running sandbox before each timed command) and runs ROOTFS as its rootfs.
#
#   sudo bench/lifecycle-ab.sh /var/tmp/a/jbox.jar /var/tmp/bench/rootfs localhost/bench/busybox
#   (BENCH_RUNS, default 15; results in BENCH_OUT, default /var/tmp/jbox-lifecycle-ab.csv)
set -euo pipefail
old=${1:?usage: lifecycle-ab.sh OLD_JAR ROOTFS IMAGE} rootfs=${2:?rootfs} image=${3:?image}
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-15}
out=${BENCH_OUT:-/var/tmp/jbox-lifecycle-ab.csv}
uid=$(id -u "$user")
h=$repo/helpers/build/jbox-helper
a="env JBOX_CLASSPATH=$old $h jbox"
b="env JBOX_CLASSPATH=$repo/target/jbox.jar $h jbox"
p="podman --cgroup-manager=cgroupfs --events-backend=file"
as_user() {
  runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$(getent passwd "$user" | cut -d: -f6)" \
    USER="$user" LANG=C.UTF-8 XDG_RUNTIME_DIR=/run/user/$uid ${JBOX_STORAGE:+JBOX_STORAGE=$JBOX_STORAGE} "$@"
}
s=jbox-bench-lc-s      # made before each timed command
r=jbox-bench-lc-run    # runs all along: top, port
args=()
# three NAME JBOX_ARGS PODMAN_ARGS PREPARE: A, B and podman, PREPARE (sh, T = the tool) before each run
three() {
  local t tool targs
  for t in a b p; do
    tool=${!t} targs=$2
    [ $t = p ] && targs=$3
    args+=(-n "$1-$t" -p "sh -c 'T=\"$tool\"; { $4; } >/dev/null 2>&1; true'" "$tool $targs")
  done
}
running="\$T rm -f $s; \$T run -d --name $s --network=none --rootfs $rootfs sleep 1000"
three rm-f "rm -f $s" "rm -f -t 0 $s" "$running"
three stop "stop -t 0 $s" "stop -t 0 $s" "$running"
three restart "restart -t 0 $s" "restart -t 0 $s" "$running"
as_user $b rm -f $r >/dev/null 2>&1 || true
as_user $p rm -f -t 0 $r >/dev/null 2>&1 || true
as_user $b run -d --name $r --network=none "$image" sleep 100000 >/dev/null
as_user $p run -d --name $r --network=none --rootfs "$rootfs" sleep 100000 >/dev/null
three top "top $r" "top $r" true
three port "port $r" "port $r" true
echo "load before: $(uptime)"
as_user hyperfine -N --warmup 2 --runs "$runs" --style basic --export-csv "$out" "${args[@]}" >/dev/null
echo "load after: $(uptime)"
for t in "$b" "$p"; do as_user $t rm -f $s $r >/dev/null 2>&1 || true; done
awk -F, 'NR>1 {m[$1]=$4*1000; u[$1]=($5+$6)*1000} END {
  n = split("rm-f stop restart top port", c, " ")
  printf "%-8s %9s %9s %9s %8s %8s   CPU A / B / podman (ms, means)\n", "command", "A", "B", "podman", "A/pod", "B/pod"
  for (i = 1; i <= n; i++) printf "%-8s %9.1f %9.1f %9.1f %8.2f %8.2f   %.0f / %.0f / %.0f\n", c[i], m[c[i]"-a"], m[c[i]"-b"], m[c[i]"-p"],
    m[c[i]"-a"] / m[c[i]"-p"], m[c[i]"-b"] / m[c[i]"-p"], u[c[i]"-a"], u[c[i]"-b"], u[c[i]"-p"] }' "$out"
