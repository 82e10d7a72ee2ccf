#!/bin/bash
# bench/run-image.sh: issue 4's benchmark, side by side with podman in one run, as the unprivileged
# user: `run --rm IMAGE true` without and with the default network; overlay metadata (create and
# delete 20,000 files) and the copy-up of a 100 MB file; bulk TCP through the user-mode network
# (iperf3, host binaries bound in). Images are built here from busybox and served by a loopback
# docker-registry, so nothing but apt is needed.
#
#   sudo bench/run-image.sh [RESULTS_DIR]        (BENCH_RUNS, BENCH_WARMUP, BENCH_USER as run-start.sh;
#                                                 BENCH_RUN_PREPARED=1, BENCH_ONLY_RUN=1: section 1)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bench=run-image prefix=image- runs_default=20
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
BENCH_EXTRA_PKGS="docker-registry iperf3 fuse-overlayfs passt slirp4netns runc curl"
# shellcheck source=bench/common.sh
. "$here/common.sh"

# --- a loopback registry with two images: busybox, and busybox + a 100 MB file ------------------
port=${BENCH_REG_PORT:-5077}
reg=$work/registry
rm -rf "$reg"; mkdir -p "$reg/data"
cat > "$reg/config.yml" <<YML
version: 0.1
storage: {filesystem: {rootdirectory: $reg/data}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$reg/config.yml" > "$reg/log" 2>&1 &
regpid=$!
trap 'kill $regpid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

push_blob() { # push_blob NAME FILE -> digest
  local d; d=sha256:$(sha256sum "$2" | cut -d' ' -f1)
  local loc; loc=$(curl -sfi -X POST "http://127.0.0.1:$port/v2/$1/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  case $loc in http*) ;; *) loc="http://127.0.0.1:$port$loc";; esac
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$2" "$loc&digest=$d" >/dev/null
  echo "$d"
}
push_image() { # push_image NAME LAYER.tar.gz...
  local name=$1; shift
  local layers="" diffs="" sep=""
  for l in "$@"; do
    local d; d=$(push_blob "$name" "$l")
    layers="$layers$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$d\",\"size\":$(stat -c %s "$l")}"
    diffs="$diffs$sep\"sha256:$(gzip -dc "$l" | sha256sum | cut -d' ' -f1)\""
    sep=,
  done
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" > "$reg/config.json"
  local c; c=$(push_blob "$name" "$reg/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
    "$c" "$(stat -c %s "$reg/config.json")" "$layers" > "$reg/manifest.json"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$reg/manifest.json" \
    "http://127.0.0.1:$port/v2/$name/manifests/latest" >/dev/null
}
tar -C "$rootfs" -czf "$reg/busybox.tar.gz" .
mkdir -p "$reg/big/data"; head -c 100M /dev/urandom > "$reg/big/data/big"; tar -C "$reg/big" -czf "$reg/big.tar.gz" .
push_image bench/busybox "$reg/busybox.tar.gz"
push_image bench/big "$reg/busybox.tar.gz" "$reg/big.tar.gz"
img=127.0.0.1:$port/bench/busybox
big=127.0.0.1:$port/bench/big

# both tools trust the loopback registry, each through its own registries.conf
conf=$work/registries.conf
printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port" > "$conf"
install -d -o "$user" "$home/.config/containers"
cp "$conf" "$home/.config/containers/registries.conf"; chown "$user" "$home/.config/containers/registries.conf"
store=$work/jbox-store
as_user env JBOX_STORAGE="$store" "$jbox" unshare rm -rf "$store" >/dev/null 2>&1 || true
jb="env JBOX_STORAGE=$store JBOX_REGISTRIES_CONF=$conf $jbox"
as_user $jb pull -q "$img" >/dev/null && as_user $jb pull -q "$big" >/dev/null
as_user $podman pull -q "$img" >/dev/null && as_user $podman pull -q "$big" >/dev/null

echo "podman storage driver: $(as_user $podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null)" | tee -a "$results/machine.txt"

# --- 1. run --rm IMAGE true ------------------------------------------------------------------------
# jbox's rows are its default: after the warmup the launcher runs each from the prepared run (no
# JVM). BENCH_RUN_PREPARED=1 adds the same runs with JBOX_RUN_PREPARED=0 (every run through the
# JVM, as before the launcher's run) to the same hyperfine run; BENCH_ONLY_RUN=1 stops after this
# section
echo; echo "== 1. run --rm IMAGE true: warmup $warmup, $runs runs each"
prepared=()
if [ "${BENCH_RUN_PREPARED:-0}" = 1 ]; then
  prepared=(-n jbox-none-jvm "env JBOX_RUN_PREPARED=0 $jb run --rm --network=none $img true"
    -n jbox-net-jvm "env JBOX_RUN_PREPARED=0 $jb run --rm $img true")
fi
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/run.csv" \
  -n jbox-none "$jb run --rm --network=none $img true" \
  -n podman-none "$podman run --rm --network=none $img true" \
  -n jbox-net "$jb run --rm $img true" \
  -n podman-net "$podman run --rm $img true" "${prepared[@]}" > "$results/run.txt" 2>&1 || { cat "$results/run.txt"; die "hyperfine failed"; }
awk -F, 'NR>1 {m[$1]=$4} END {
  printf "run --rm IMAGE true, median ms: jbox %.1f / podman %.1f (--network=none, ratio %.2f); jbox %.1f / podman %.1f (default network, ratio %.2f)\n",
    m["jbox-none"]*1000, m["podman-none"]*1000, m["jbox-none"]/m["podman-none"], m["jbox-net"]*1000, m["podman-net"]*1000, m["jbox-net"]/m["podman-net"]
  if ("jbox-none-jvm" in m)
    printf "through the JVM (JBOX_RUN_PREPARED=0): %.1f ms (--network=none, %.2fx podman; the launcher'"'"'s run %.2fx of it) and %.1f ms (default network, %.2fx podman; %.2fx)\n",
      m["jbox-none-jvm"]*1000, m["jbox-none-jvm"]/m["podman-none"], m["jbox-none"]/m["jbox-none-jvm"],
      m["jbox-net-jvm"]*1000, m["jbox-net-jvm"]/m["podman-net"], m["jbox-net"]/m["jbox-net-jvm"] }' \
  "$results/run.csv" | tee "$results/run-table.txt"
if [ "${BENCH_ONLY_RUN:-0}" = 1 ]; then uptime | tee -a "$results/machine.txt"; exit 0; fi

# --- 2. overlay metadata and copy-up ---------------------------------------------------------------
echo; echo "== 2. overlay: create+delete 20,000 files; copy-up of a 100 MB file (milliseconds inside the sandbox)"
# busybox's date has no %N: the host's date is bound in (with /usr and /lib, as for iperf3 below)
binds="-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro"
meta='s=$(/usr/bin/date +%s%N); mkdir /m; i=0; while [ $i -lt 20000 ]; do : > /m/f$i; i=$((i+1)); done; rm -rf /m; e=$(/usr/bin/date +%s%N); echo $(( (e-s)/1000000 ))'
copyup='s=$(/usr/bin/date +%s%N); echo x >> /data/big; e=$(/usr/bin/date +%s%N); echo $(( (e-s)/1000000 ))'
for who in jbox podman; do
  cmd=$jb; [ $who = podman ] && cmd=$podman
  for drv in native fuse; do
    opt=""
    if [ $drv = fuse ]; then
      [ $who = jbox ] && { as_user $jb run --help | grep -q storage-driver || continue; opt="--storage-driver=fuse-overlayfs"; }
      [ $who = podman ] && continue   # podman's driver is per store; its default here is native overlay
    fi
    m=$(as_user $cmd run --rm --network=none $opt $binds "$big" sh -c "$meta")
    c=$(as_user $cmd run --rm --network=none $opt $binds "$big" sh -c "$copyup")
    echo "$who $drv: 20k files ${m} ms, copy-up 100 MB ${c} ms"
  done
done | tee "$results/overlay.txt"

# --- 3. bulk TCP through the user-mode network ------------------------------------------------------
# The server runs in a network namespace of its own behind a veth pair (10.213.9.1 <-> 10.213.9.2),
# as a machine on the network would: traffic to it goes through pasta's or slirp4netns's sockets,
# not through a loopback shortcut. Both directions: the sandbox sending (-c) and receiving (-R).
echo; echo "== 3. iperf3 between the sandbox and a peer network namespace (10 s each way, host binaries bound in)"
ip netns del jboxbench 2>/dev/null || true
ip netns add jboxbench
ip link add jboxbh type veth peer name jboxbp
ip link set jboxbp netns jboxbench
ip addr add 10.213.9.1/24 dev jboxbh; ip link set jboxbh up
ip -n jboxbench addr add 10.213.9.2/24 dev jboxbp; ip -n jboxbench link set jboxbp up; ip -n jboxbench link set lo up
ip netns exec jboxbench iperf3 -s -B 10.213.9.2 -p 5201 -D --pidfile "$work/iperf3.pid"
trap 'kill $regpid 2>/dev/null || true; kill "$(cat "$work/iperf3.pid" 2>/dev/null)" 2>/dev/null || true; ip netns del jboxbench 2>/dev/null || true' EXIT
sleep 0.5
iperf() { # iperf NAME CMD...: sends, then receives; prints "NAME send recv" in Mbit/s
  local name=$1; shift
  local s r
  s=$(as_user "$@" /usr/bin/iperf3 -c 10.213.9.2 -p 5201 -t 10 -f m | awk '/receiver/ {print $(NF-2)}')
  r=$(as_user "$@" /usr/bin/iperf3 -R -c 10.213.9.2 -p 5201 -t 10 -f m | awk '/receiver/ {print $(NF-2)}')
  echo "$name ${s:-?} ${r:-?}"
}
{
  iperf jbox-pasta $jb run --rm $binds "$img"
  iperf jbox-slirp4netns $jb run --rm --network=slirp4netns $binds "$img"
  iperf podman-default $podman run --rm $binds "$img"
  # podman before 4.4 (Debian 12 has 4.3) has no --network=pasta
  if as_user $podman run --rm --network=pasta "$img" true >/dev/null 2>&1; then
    iperf podman-pasta $podman run --rm --network=pasta $binds "$img"
  fi
} | tee "$results/iperf-raw.txt"
awk '{s[$1]=$2; r[$1]=$3} END {
  printf "iperf3 Mbit/s (send = sandbox to peer, recv = peer to sandbox)\n"
  for (n in s) printf "  %-18s send %8s  recv %8s\n", n, s[n], r[n]
  if (s["podman-default"] > 0 && r["podman-default"] > 0)
    printf "ratio jbox (default, pasta) / podman (default): send %.2f, recv %.2f\n", s["jbox-pasta"] / s["podman-default"], r["jbox-pasta"] / r["podman-default"] }' \
  "$results/iperf-raw.txt" | tee "$results/iperf.txt"
echo; echo "results in $results"
