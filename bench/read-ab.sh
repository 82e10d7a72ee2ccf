#!/bin/bash
# bench/read-ab.sh: `jbox version`, `logs`, `wait`, `volume ls` and `volume inspect` (answered by the launcher since the readc2
# branch, helpers/read_fast.c) between another build tree of jbox (A, e.g. main's, where the JVM
# answers them) and this one (B), with podman beside them, in one hyperfine run as the unprivileged
# user. NAME is a detached sandbox (and a podman container) that printed a line on each stream and
# exited 3. jbox is started through a symlink named `jbox` to each tree's helper, as an installed
# one is; B's `version` is answered from what its JVM kept on the first call (made before the run).
#
#   sudo bench/read-ab.sh A_TREE [RESULTS_DIR]   (A_TREE built: mvn -DskipTests package; BENCH_RUNS default 20)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
a_tree=$(cd "${1:?usage: bench/read-ab.sh A_TREE [RESULTS_DIR]}" && pwd)
shift
bench=read-ab prefix=read-ab- runs_default=20
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
# shellcheck source=bench/common.sh
. "$here/common.sh"
ab_trees "$a_tree"

name=jbox-bench-read v=jbox-bench-read-v
for t in "$jb" "$podman"; do
  as_user $t rm -f "$name" >/dev/null 2>&1 || true
  as_user $t volume rm -f "$v" >/dev/null 2>&1 || true
  as_user $t volume create "$v" >/dev/null || die "$t volume create $v failed"
  as_user $t run -d --name "$name" --network=none --rootfs "$rootfs" sh -c 'echo hello; echo oops >&2; exit 3' >/dev/null ||
    die "$t run -d $name failed"
done
sleep 1
for t in "$ja" "$jb" "$podman"; do
  [ "$(as_user $t logs "$name" 2>/dev/null)" = hello ] || die "$t logs $name: not hello"
  [ "$(as_user $t wait "$name")" = 3 ] || die "$t wait $name: not 3"
done
as_user "$jb" version >/dev/null # B's JVM keeps its facts (~/.cache/jbox/version)
# (the trace captured whole: grep -q would close the pipe early, and a jbox writing to it fail)
[[ $(as_user env JBOX_TRACE=1 "$jb" version 2>&1 >/dev/null) == *version-fast* ]] || die "B's version did not answer without the JVM"
[[ $(as_user env JBOX_TRACE=1 "$jb" logs "$name" 2>&1 >/dev/null) == *logs-fast* ]] || die "B's logs did not answer without the JVM"
for c in "volume ls" "volume inspect $v" "wait $name"; do # (inspect: only while no record of the user's mounts a volume by name)
  [[ $(as_user env JBOX_TRACE=1 "$jb" $c 2>&1 >/dev/null) == *-fast\ * ]] && w=launcher || w=JVM
  echo "B's $c: answered by the $w" | tee -a "$results/machine.txt"
done
args=()
# cmd NAME 'ARGS': A, B and podman
cmd() {
  args+=(-n "a-$1" "$ja $2" -n "b-$1" "$jb $2" -n "p-$1" "$podman $2")
}
cmd version "version"
cmd logs "logs $name"
cmd logs-t "logs -t $name"
cmd logs-tail "logs --tail 1 $name"
cmd wait "wait $name"
cmd volume-ls "volume ls"
cmd volume-inspect "volume inspect $v"
echo "load before: $(uptime)" >> "$results/machine.txt"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/read-ab.csv" "${args[@]}" \
  > "$results/read-ab.txt" 2>&1 || { cat "$results/read-ab.txt"; die "hyperfine failed"; }
echo "load after: $(uptime)" >> "$results/machine.txt"
for t in "$jb" "$podman"; do as_user $t rm -f "$name" >/dev/null 2>&1 || true; as_user $t volume rm -f "$v" >/dev/null 2>&1 || true; done
# median (ms) and CPU (user+system means, ms) per command: A, B, podman, B/podman, B/A
awk -F, 'NR>1 { t = substr($1, 1, 1); x = substr($1, 3); m[t, x] = $4 * 1000; c[t, x] = ($5 + $6) * 1000
    if (!(x in seen)) { seen[x] = 1; names[++n] = x } }
  END { printf "| command | A median | B median | podman median | B/podman | B/A | CPU A / B / podman (ms) |\n|---|---|---|---|---|---|---|\n"
    for (i = 1; i <= n; i++) { x = names[i]
      printf "| `%s` | %.1f | %.1f | %.1f | %.3f | %.3f | %.0f / %.1f / %.0f |\n", x, m["a", x], m["b", x], m["p", x],
        m["b", x] / m["p", x], m["b", x] / m["a", x], c["a", x], c["b", x], c["p", x] } }' \
  "$results/read-ab.csv" | tee "$results/read-ab-table.txt"
