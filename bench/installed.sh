#!/bin/bash
# bench/installed.sh DEB [RESULTS_DIR]: the installed `jbox run` (from the .deb, with the archives
# its postinst made for this machine's JVM in /var/lib/jbox/cds) against the build tree's
# (packaging/jbox, target/jbox.jsa), side by side in one hyperfine run, as BENCH_USER (jboxtest).
# Installs DEB with apt and purges it at the end unless it was installed before. Run as root.
# BENCH_TREE names the build tree to compare with (default: this one; its archives should have been
# made by BENCH_USER's build, as the package's are made for the JVM it runs). After hyperfine, the
# two commands also run round-robin (A B A B ...) and the medians are printed: on a shared machine
# load drifts between hyperfine's blocks of runs.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
tree=${BENCH_TREE:-$repo}
deb=$(readlink -f "${1:?usage: bench/installed.sh DEB [RESULTS_DIR]}")
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-40}
work=${BENCH_DIR:-/var/tmp/jbox-bench-installed}
results=${2:-$repo/bench/results/installed-$(date -u +%Y%m%dT%H%M%SZ)}
[ "$(id -u)" = 0 ] || { echo "installed.sh: run as root" >&2; exit 1; }
mkdir -p "$results" "$work"
chown "$user": "$results"
chown "$user": "$work"
home=$(getent passwd "$user" | cut -d: -f6)
as_user() { runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" LANG=C.UTF-8 "$@"; }
[ -x "$work/rootfs/bin/busybox" ] || as_user "$repo/scripts/mkrootfs" "$work/rootfs" >/dev/null
had=0; dpkg -s jbox >/dev/null 2>&1 && had=1
apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$deb" >/dev/null
[ $had = 1 ] || trap 'apt-get purge -y -qq -o DPkg::Lock::Timeout=600 jbox >/dev/null' EXIT
r=$work/rootfs
as_user hyperfine -N --warmup 5 --runs "$runs" --style basic --export-json "$results/installed.json" \
  -n installed "/usr/bin/jbox run --rm --network=none --rootfs $r true" \
  -n build-tree "$tree/packaging/jbox run --rm --network=none --rootfs $r true" | tee "$results/installed.txt"
as_user bash -c '
  r=$1 tree=$2 runs=$3
  ms() { local s=$EPOCHREALTIME; "$@" >/dev/null 2>&1; local e=$EPOCHREALTIME; echo $(( (${e/./} - ${s/./}) / 1000 )); }
  for ((i = 0; i < runs; i++)); do
    echo "installed $(ms /usr/bin/jbox run --rm --network=none --rootfs "$r" true)"
    echo "build-tree $(ms "$tree/packaging/jbox" run --rm --network=none --rootfs "$r" true)"
  done' _ "$r" "$tree" "$runs" > "$results/round-robin.txt"
for n in installed build-tree; do
  printf "round-robin median %-10s %s ms\n" "$n" "$(awk -v n=$n '$1 == n {print $2}' "$results/round-robin.txt" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
done | tee -a "$results/installed.txt"
