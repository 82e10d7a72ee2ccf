#!/bin/bash
# bench/cli.sh: issue 14's everyday commands, side by side with podman in one hyperfine run each, as the
# unprivileged user: `--version`, `--help`, `images --help` (answered by the launcher from the text
# the build wrote, target/help, without a JVM) and `images`, `ps`, `inspect NAME`, `logs NAME` (JVM;
# NAME is a detached sandbox, and a podman container, made for the run: `echo hello`, exited); then, in a
# second run, every other command (stop, kill, rm, rm -f, start, restart, wait, port, top, rename, tag, rmi,
# volume ls/create/rm/inspect, system df, images -q, ps -a -q, image inspect, run --help, version, info,
# help ps, inspect IMAGE). jbox is started the way an
# installed one is: through a symlink named `jbox` to the helper, no shell in between.
#
#   sudo bench/cli.sh [RESULTS_DIR]     (BENCH_RUNS (default 30), BENCH_WARMUP, BENCH_USER as run-start.sh)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bench=cli prefix=cli-
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
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
echo "load after the first run: $(uptime)" >> "$results/machine.txt"

# --- every other command a user types (issue 14), each pair in one more hyperfine run. A command
# that changes state gets a --prepare that makes the state it acts on, the same for both tools
# (a running detached sandbox for stop/kill/rm -f/restart, a created one for rm and start...);
# hyperfine times only the command. The image: the bench rootfs imported by podman, saved as an
# oci-archive and loaded into jbox, so both stores hold the same image id.
img=localhost/jbox-bench-cli-img
tar -C "$rootfs" -cf "$work/cli-rootfs.tar" . && chown "$user" "$work/cli-rootfs.tar"
as_user $podman rmi -f "$img" >/dev/null 2>&1 || true
as_user $podman import -q "$work/cli-rootfs.tar" "$img" >/dev/null || die "podman import failed"
rm -f "$work/cli-img.tar"
as_user $podman save -q --format oci-archive -o "$work/cli-img.tar" "$img" || die "podman save failed"
as_user "$jb" rmi -f "$img" >/dev/null 2>&1 || true
as_user "$jb" load -q -i "$work/cli-img.tar" || die "jbox load failed"
run=jbox-bench-cli-run # running all along: port, top
s=jbox-bench-cli-s     # made by each --prepare
for t in "$jb" "$podman"; do
  as_user $t rm -f "$run" "$s" "${name}2" >/dev/null 2>&1 || true
  as_user $t volume rm jbox-bench-cli-v >/dev/null 2>&1 || true
  as_user $t run -d --name "$run" --network=none --rootfs "$rootfs" sleep 100000 >/dev/null ||
    { sleep 2; as_user $t rm -f "$run" >/dev/null 2>&1; as_user $t run -d --name "$run" --network=none --rootfs "$rootfs" sleep 100000 >/dev/null; } ||
    die "$t run -d $run failed"
done
args=()
# pair NAME 'JBOX ARGS' 'PODMAN ARGS' [PREPARE]: PREPARE (sh, T = the tool) before every run of each
pair() {
  local prep=${4:-true}
  args+=(-n "jbox-$1" -p "sh -c 'T=\"$jb\"; { $prep; } >/dev/null 2>&1; true'" "$jb $2")
  args+=(-n "podman-$1" -p "sh -c 'T=\"$podman\"; { $prep; } >/dev/null 2>&1; true'" "$podman $3")
}
running="\$T rm -f $s; \$T run -d --name $s --network=none --rootfs $rootfs sleep 1000"
created="\$T rm -f $s; \$T create --name $s --network=none --rootfs $rootfs sleep 1000"
pair stop "stop -t 0 $s" "stop -t 0 $s" "$running"
pair kill "kill $s" "kill $s" "$running"
pair rm "rm $s" "rm $s" "$created"
pair rm-f "rm -f $s" "rm -f -t 0 $s" "$running" # podman: -t 0, as jbox kills at once (its default waits 10 s)
pair start "start $s" "start $s" "$created"
pair restart "restart -t 0 $s" "restart -t 0 $s" "$running"
# (podman 4.3 forgets a container's exit code some minutes after it exited: "no such exit code")
pair wait "wait $s" "wait $s" "\$T rm -f $s; \$T run -d --name $s --network=none --rootfs $rootfs true; \$T wait $s"
pair port "port $run" "port $run" "\$T start $run" # (something on a shared machine may have killed it)
pair top "top $run" "top $run" "\$T start $run"
pair rename "rename $name ${name}2" "rename $name ${name}2" "\$T rename ${name}2 $name"
pair tag "tag $img localhost/jbox-bench-cli-tag" "tag $img localhost/jbox-bench-cli-tag"
pair rmi "rmi localhost/jbox-bench-cli-tag2" "rmi localhost/jbox-bench-cli-tag2" "\$T tag $img localhost/jbox-bench-cli-tag2"
pair volume-ls "volume ls" "volume ls"
pair volume-create "volume create jbox-bench-cli-v" "volume create jbox-bench-cli-v" "\$T volume rm jbox-bench-cli-v"
pair volume-rm "volume rm jbox-bench-cli-v" "volume rm jbox-bench-cli-v" "\$T volume create jbox-bench-cli-v"
pair system-df "system df" "system df"
pair images-q "images -q" "images -q"
pair ps-a-q "ps -a -q" "ps -a -q"
pair image-inspect "image inspect $img" "image inspect $img"
pair run-help "run --help" "run --help"
# the commands jbox gained this session (issue 14 item 1), and volume inspect
pair version "version" "version"
pair info "info" "info"
pair help-ps "help ps" "help ps"
pair inspect-image "inspect $img" "inspect $img"
pair volume-inspect "volume inspect jbox-bench-cli-v" "volume inspect jbox-bench-cli-v" "\$T volume create jbox-bench-cli-v"
echo; echo "== every other command (a --prepare each where it changes state): warmup $warmup, $runs runs each"
echo "load before the second run: $(uptime)" >> "$results/machine.txt"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/cli2.csv" "${args[@]}" \
  > "$results/cli2.txt" 2>&1 || { cat "$results/cli2.txt"; die "hyperfine failed"; }
for t in "$jb" "$podman"; do
  as_user $t rm -f "$run" "$s" "$name" "${name}2" >/dev/null 2>&1 || true
  as_user $t volume rm jbox-bench-cli-v >/dev/null 2>&1 || true
  as_user $t rmi localhost/jbox-bench-cli-tag >/dev/null 2>&1 || true
done
echo "load after: $(uptime)" >> "$results/machine.txt"
awk -F, 'NR>1 {m[$1]=$4} END {
  printf "| command | jbox | podman | ratio |\n|---|---|---|---|\n";
  n = split("version help images-help images ps inspect logs", c, " ");
  for (i = 1; i <= n; i++) printf "| `%s` | %.1f ms | %.1f ms | %.2f |\n", c[i], m["jbox-" c[i]]*1000, m["podman-" c[i]]*1000, m["jbox-" c[i]]/m["podman-" c[i]] }' \
  "$results/cli.csv" | tee "$results/cli-table.txt"
awk -F, 'NR>1 {m[$1]=$4} END {
  n = split("stop kill rm rm-f start restart wait port top rename tag rmi volume-ls volume-create volume-rm system-df images-q ps-a-q image-inspect run-help version info help-ps inspect-image volume-inspect", c, " ");
  for (i = 1; i <= n; i++) printf "| `%s` | %.1f ms | %.1f ms | %.2f |\n", c[i], m["jbox-" c[i]]*1000, m["podman-" c[i]]*1000, m["jbox-" c[i]]/m["podman-" c[i]] }' \
  "$results/cli2.csv" | tee -a "$results/cli-table.txt"
