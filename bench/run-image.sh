#!/bin/bash
# bench/run-image.sh: issue 4's benchmark, side by side with podman in one run, as the unprivileged
# user: `run --rm IMAGE true` without and with the default network; overlay metadata (create and
# delete 20,000 files) and the copy-up of a 100 MB file; bulk TCP through the user-mode network
# (iperf3, host binaries bound in). Images are built here from busybox and served by a loopback
# docker-registry, so nothing but apt is needed.
#
#   sudo bench/run-image.sh [RESULTS_DIR]        (BENCH_RUNS, BENCH_WARMUP, BENCH_USER as run-start.sh)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}
work=${BENCH_DIR:-/var/tmp/jbox-bench}
results=${1:-$repo/bench/results/image-$(date -u +%Y%m%dT%H%M%SZ)}
rootfs=$work/rootfs
die() { echo "run-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and switches to $user)"
BENCH_EXTRA_PKGS="docker-registry iperf3 fuse-overlayfs passt slirp4netns runc curl"
# shellcheck source=bench/common.sh
. "$here/common.sh"

# --- a loopback registry with two images: busybox, and busybox + a 100 MB file ------------------
port=5077
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
echo; echo "== 1. run --rm IMAGE true: warmup $warmup, $runs runs each"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --export-csv "$results/run.csv" \
  -n jbox-none "$jb run --rm --network=none $img true" \
  -n podman-none "$podman run --rm --network=none $img true" \
  -n jbox-net "$jb run --rm $img true" \
  -n podman-net "$podman run --rm $img true" > "$results/run.txt" 2>&1 || { cat "$results/run.txt"; die "hyperfine failed"; }
awk -F, 'NR>1 {m[$1]=$4} END {
  printf "run --rm IMAGE true, median ms: jbox %.1f / podman %.1f (--network=none, ratio %.2f); jbox %.1f / podman %.1f (default network, ratio %.2f)\n",
    m["jbox-none"]*1000, m["podman-none"]*1000, m["jbox-none"]/m["podman-none"], m["jbox-net"]*1000, m["podman-net"]*1000, m["jbox-net"]/m["podman-net"] }' \
  "$results/run.csv" | tee "$results/run-table.txt"

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
echo; echo "== 3. iperf3 from the sandbox to the host (10 s, host binaries bound in)"
iperf3 -s -B 127.0.0.1 -p 5201 -D --pidfile "$work/iperf3.pid"
sleep 0.5
jn=$(as_user $jb run --rm --network=pasta:host-loopback $binds "$img" sh -c \
  'gw=$(ip route | sed -n "s/default via \([0-9.]*\).*/\1/p"); /usr/bin/iperf3 -c $gw -p 5201 -t 10 -f m' | awk '/receiver/ {print $(NF-2)}')
js=$(as_user $jb run --rm --network=slirp4netns:allow_host_loopback=true $binds "$img" sh -c \
  '/usr/bin/iperf3 -c 10.0.2.2 -p 5201 -t 10 -f m' | awk '/receiver/ {print $(NF-2)}')
pn=$(as_user $podman run --rm --network=slirp4netns:allow_host_loopback=true $binds "$img" sh -c \
  '/usr/bin/iperf3 -c 10.0.2.2 -p 5201 -t 10 -f m' | awk '/receiver/ {print $(NF-2)}')
kill "$(cat "$work/iperf3.pid")" 2>/dev/null || true
echo "iperf3 Mbit/s: jbox (pasta) ${jn:-?}  jbox (slirp4netns) ${js:-?}  podman (its default here: slirp4netns) ${pn:-?}" | tee "$results/iperf.txt"
echo; echo "results in $results"
