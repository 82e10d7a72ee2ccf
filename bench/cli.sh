#!/bin/bash
# bench/cli.sh: issue 14's everyday commands, side by side with podman in one hyperfine run, as the
# unprivileged user: `--version`, `--help`, `images --help` (answered by the launcher from the text
# the build wrote, target/help, without a JVM) and `images`, `ps`, `inspect NAME`, `logs NAME` (JVM;
# NAME is a detached sandbox, and a podman container, made for the run: `echo hello`, exited). jbox is started the way an
# installed one is: through a symlink named `jbox` to the helper, no shell in between.
#
#   sudo bench/cli.sh [RESULTS_DIR]     (BENCH_RUNS (default 30), BENCH_WARMUP, BENCH_USER as run-start.sh)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
work=${BENCH_DIR:-/var/tmp/jbox-bench}
results=${1:-$repo/bench/results/cli-$(date -u +%Y%m%dT%H%M%SZ)}
rootfs=$work/rootfs
die() { echo "cli: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and switches to $user)"
# shellcheck source=bench/common.sh
. "$here/common.sh"
[ -d "$repo/target/help" ] || die "target/help missing: build with mvn -DskipTests package"

bin=$work/bin
install -d -o "$user" -m 0755 "$bin"
ln -sfn "$repo/helpers/build/jbox-helper" "$bin/jbox"
jb=$bin/jbox

# `inspect NAME` and `logs NAME`: one sandbox of each, detached, that printed a line and exited
name=jbox-bench-cli
as_user "$jb" rm -f "$name" >/dev/null 2>&1 || true
as_user $podman rm -f "$name" >/dev/null 2>&1 || true
as_user "$jb" run -d --name "$name" --network=none --rootfs "$rootfs" echo hello >/dev/null || die "jbox run -d failed"
as_user $podman run -d --name "$name" --network=none --rootfs "$rootfs" echo hello >/dev/null || die "podman run -d failed"
sleep 1
[ "$(as_user "$jb" logs "$name")" = hello ] || die "jbox logs $name: not hello"
[ "$(as_user $podman logs "$name")" = hello ] || die "podman logs $name: not hello"

echo; echo "== --version, --help, images --help, images, ps, inspect NAME, logs NAME: warmup $warmup, $runs runs each"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/cli.csv" \
  -n jbox-version "$jb --version" -n podman-version "$podman --version" \
  -n jbox-help "$jb --help" -n podman-help "$podman --help" \
  -n jbox-images-help "$jb images --help" -n podman-images-help "$podman images --help" \
  -n jbox-images "$jb images" -n podman-images "$podman images" \
  -n jbox-ps "$jb ps" -n podman-ps "$podman ps" \
  -n jbox-inspect "$jb inspect $name" -n podman-inspect "$podman inspect $name" \
  -n jbox-logs "$jb logs $name" -n podman-logs "$podman logs $name" > "$results/cli.txt" 2>&1 || { cat "$results/cli.txt"; die "hyperfine failed"; }
as_user "$jb" rm -f "$name" >/dev/null 2>&1 || true
as_user $podman rm -f "$name" >/dev/null 2>&1 || true
echo "load after: $(uptime)" >> "$results/machine.txt"
awk -F, 'NR>1 {m[$1]=$4} END {
  printf "| command | jbox | podman | ratio |\n|---|---|---|---|\n";
  n = split("version help images-help images ps inspect logs", c, " ");
  for (i = 1; i <= n; i++) printf "| `%s` | %.1f ms | %.1f ms | %.2f |\n", c[i], m["jbox-" c[i]]*1000, m["podman-" c[i]]*1000, m["jbox-" c[i]]/m["podman-" c[i]] }' \
  "$results/cli.csv" | tee "$results/cli-table.txt"
