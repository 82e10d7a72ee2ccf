#!/bin/bash
# bench/cli-ab.sh: A/B of the everyday commands between another build tree of jbox (A, e.g. main's)
# and this one (B), with podman beside them, in one hyperfine run as the unprivileged user; then the
# commands only B has, against podman's. Both jbox builds use the user's one store (same format);
# a command that changes state gets the same --prepare for each tool. jbox is started through a
# symlink named `jbox` to each tree's helper, as an installed one is.
#
#   sudo bench/cli-ab.sh A_TREE [RESULTS_DIR]   (A_TREE built: mvn -DskipTests package; BENCH_RUNS default 15;
#                                                CLI_AB_ONLY="stop rm": only those rows)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
a_tree=$(cd "${1:?usage: bench/cli-ab.sh A_TREE [RESULTS_DIR]}" && pwd)
shift
bench=cli-ab prefix=cli-ab- runs_default=15
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
# shellcheck source=bench/common.sh
. "$here/common.sh"
ab_trees "$a_tree"

img=localhost/jbox-bench-cli-img
if ! as_user "$jb" image inspect "$img" >/dev/null 2>&1; then
  tar -C "$rootfs" -cf "$work/cli-rootfs.tar" . && chown "$user" "$work/cli-rootfs.tar"
  as_user $podman image exists "$img" || as_user $podman import -q "$work/cli-rootfs.tar" "$img" >/dev/null || die "podman import failed"
  rm -f "$work/cli-img.tar"
  as_user $podman save -q --format oci-archive -o "$work/cli-img.tar" "$img" || die "podman save failed"
  as_user "$jb" load -q -i "$work/cli-img.tar" || die "jbox load failed"
fi
v=jbox-bench-ab-v
r=jbox-bench-ab-run # running all along: kill -s CONT
e=jbox-bench-ab-ended # printed a line and exited: inspect of an ended sandbox
for t in "$jb" "$podman"; do
  as_user $t volume rm -f "$v" >/dev/null 2>&1 || true
  as_user $t rm -f "$r" "$e" >/dev/null 2>&1 || true
  as_user $t run -d --name "$r" --network=none --rootfs "$rootfs" sleep 100000 >/dev/null || die "$t run -d $r failed"
  as_user $t run -d --name "$e" --network=none --rootfs "$rootfs" echo hello >/dev/null || die "$t run -d $e failed"
done
args=()
# cmd NAME TOOLS 'ARGS' ['PODMAN ARGS'] [PREPARE]: TOOLS is a (A), b (B), p (podman), any of them
cmd() {
  local name=$1 tools=$2 a=$3 p=${4:-$3} prep=${5:-true}
  [ -z "${CLI_AB_ONLY:-}" ] || [[ " $CLI_AB_ONLY " == *" $name "* ]] || return 0
  [[ $tools == *a* ]] && args+=(-n "a-$name" -p "sh -c 'T=\"$ja\"; { $prep; } >/dev/null 2>&1; true'" "$ja $a")
  [[ $tools == *b* ]] && args+=(-n "b-$name" -p "sh -c 'T=\"$jb\"; { $prep; } >/dev/null 2>&1; true'" "$jb $a")
  [[ $tools == *p* ]] && args+=(-n "p-$name" -p "sh -c 'T=\"$podman\"; { $prep; } >/dev/null 2>&1; true'" "$podman $p")
  return 0
}
cmd volume-ls abp "volume ls"
cmd volume-create abp "volume create $v" "volume create $v" "\$T volume rm $v"
cmd volume-rm abp "volume rm $v" "volume rm $v" "\$T volume create $v"
cmd volume-inspect abp "volume inspect $v" "volume inspect $v" "\$T volume create $v"
cmd system-df abp "system df"
cmd image-inspect abp "image inspect $img"
cmd kill abp "kill -s CONT $r" "kill -s CONT $r" "\$T start $r"
# the commands the cmds branch (session 5) took below podman's: images, tag, rmi, top, port, rm
s=jbox-bench-ab-s # made by each --prepare
cmd images abp "images"
# answered by the launcher since the readc branch (ps_fast.c): the usual forms of ps and images
cmd images-q abp "images -q"
cmd ps abp "ps"
cmd ps-a abp "ps -a"
cmd ps-aq abp "ps -aq"
cmd tag abp "tag $img localhost/jbox-bench-ab-tag"
# done by the launcher since the imgchc branch (change_fast.c): rename, and tag (above)
n=jbox-bench-ab-n
cmd rename abp "rename $n ${n}2" "rename $n ${n}2" "\$T rename ${n}2 $n || \$T create --name $n --network=none --rootfs $rootfs sleep 1000"
cmd rmi abp "rmi localhost/jbox-bench-ab-tag2" "rmi localhost/jbox-bench-ab-tag2" "\$T tag $img localhost/jbox-bench-ab-tag2"
cmd top abp "top $r" "top $r" "\$T start $r"
cmd port abp "port $r" "port $r" "\$T start $r"
cmd rm abp "rm $s" "rm $s" "\$T rm -f $s; \$T create --name $s --network=none --rootfs $rootfs sleep 1000"
# done by the launcher since the changec branch (change_fast.c): stop, and rm of an ended sandbox
cmd stop abp "stop -t 0 $s" "stop -t 0 $s" "\$T rm -f $s; \$T run -d --name $s --network=none --rootfs $rootfs sleep 1000"
cmd stop-ended abp "stop $s" "stop $s" "\$T rm -f $s; \$T create --name $s --network=none --rootfs $rootfs sleep 1000"
cmd version bp "version"
cmd info bp "info"
cmd help-ps bp "help ps"
# answered by the launcher since the inspc branch (inspect_fast.c): inspect of sandboxes and images
cmd inspect abp "inspect $e"
cmd inspect-running abp "inspect $r"
cmd inspect-image abp "inspect $img"
echo "load before: $(uptime)" >> "$results/machine.txt"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/cli-ab.csv" "${args[@]}" \
  > "$results/cli-ab.txt" 2>&1 || { cat "$results/cli-ab.txt"; die "hyperfine failed"; }
echo "load after: $(uptime)" >> "$results/machine.txt"
for t in "$jb" "$podman"; do
  as_user $t volume rm -f "$v" >/dev/null 2>&1 || true
  as_user $t rm -f "$r" "$s" "$e" "${n:-jbox-bench-ab-n}" "${n:-jbox-bench-ab-n}2" >/dev/null 2>&1 || true
  as_user $t rmi localhost/jbox-bench-ab-tag localhost/jbox-bench-ab-tag2 >/dev/null 2>&1 || true
done
# median (ms) and CPU (user+system means, ms) per command: A, B, podman, B/podman
awk -F, 'NR>1 { t = substr($1, 1, 1); x = substr($1, 3); m[t, x] = $4 * 1000; c[t, x] = ($5 + $6) * 1000
    if (!(x in seen)) { seen[x] = 1; names[++n] = x } }
  END { printf "| command | A median | B median | podman median | B/podman | CPU A / B / podman (ms) |\n|---|---|---|---|---|---|\n"
    for (i = 1; i <= n; i++) { x = names[i]
      printf "| `%s` | %s | %.1f | %.1f | %.2f | %s / %.0f / %.0f |\n", x, ((("a", x) in m) ? sprintf("%.1f", m["a", x]) : "-"),
        m["b", x], m["p", x], m["b", x] / m["p", x], ((("a", x) in c) ? sprintf("%.0f", c["a", x]) : "-"), c["b", x], c["p", x] } }' \
  "$results/cli-ab.csv" | tee "$results/cli-ab-table.txt"
