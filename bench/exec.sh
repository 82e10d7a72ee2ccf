#!/bin/bash
# bench/exec.sh: `jbox exec NAME true` on a running detached sandbox side by side with `podman exec
# NAME true` on a running container of the same rootfs, in one hyperfine run, as the unprivileged
# user; plus jbox's exec through the JVM (JBOX_EXEC_NO_FAST=1), the path every exec took before
# the launcher's fast path (helpers/exec_fast.c). jbox is started the way an installed one is:
# through a symlink named `jbox` to the helper, no shell in between.
#
#   sudo bench/exec.sh [RESULTS_DIR]     (BENCH_RUNS (default 30), BENCH_WARMUP, BENCH_USER as run-start.sh)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bench=exec prefix=exec-
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
# shellcheck source=bench/common.sh
. "$here/common.sh"

bin=$work/bin
install -d -o "$user" -m 0755 "$bin"
ln -sfn "$repo/helpers/build/jbox-helper" "$bin/jbox"
jb=$bin/jbox
as_user "$jb" rm -f jbox-bench-exec >/dev/null 2>&1 || true
as_user $podman rm -f podman-bench-exec >/dev/null 2>&1 || true
as_user "$jb" run -d --name jbox-bench-exec --network=none --rootfs "$rootfs" sh -c 'exec sleep 100000' >/dev/null
as_user $podman run -d --name podman-bench-exec --network=none --rootfs "$rootfs" sh -c 'exec sleep 100000' >/dev/null
cleanup() {
  as_user "$jb" rm -f jbox-bench-exec >/dev/null 2>&1 || true
  as_user $podman rm -f -t 0 podman-bench-exec >/dev/null 2>&1 || true
}
trap cleanup EXIT
as_user "$jb" exec jbox-bench-exec true || die "jbox exec fails"
as_user $podman exec podman-bench-exec true || die "podman exec fails"

echo; echo "== exec NAME true: warmup $warmup, $runs runs each; $(uptime)"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/exec.csv" \
  --export-json "$results/exec.json" \
  -n jbox-exec "$jb exec jbox-bench-exec true" \
  -n podman-exec "$podman exec podman-bench-exec true" \
  -n jbox-exec-jvm "env JBOX_EXEC_NO_FAST=1 $jb exec jbox-bench-exec true" > "$results/exec.txt" 2>&1 \
  || { cat "$results/exec.txt"; die "hyperfine failed"; }
echo "load after: $(uptime)" >> "$results/machine.txt"
awk -F, 'NR>1 {m[$1]=$4} END {
  printf "| command | median | vs podman exec |\n|---|---|---|\n";
  n = split("jbox-exec podman-exec jbox-exec-jvm", c, " ");
  for (i = 1; i <= n; i++) printf "| %s | %.1f ms | %.3f |\n", c[i], m[c[i]]*1000, m[c[i]]/m["podman-exec"] }' \
  "$results/exec.csv" | tee "$results/exec-table.txt"
