#!/bin/bash
# bench/pull.sh: `jbox pull` vs rootless `podman pull` of a Debian-sized one-layer image from a
# loopback docker-registry, fresh store each run, plus the floor `gzip -dc layer | tar -x` (and the
# same with ISA-L's igzip, which jbox inflates with) and the cost of each step a pull has to do
# (download, sha256, gunzip, untar) for the profile.
# A second jbox row, jbox-jvm-unpack, unpacks in the JVM (JBOX_UNPACK=0): what jbox-unpack changes.
# Run as root on Debian 12: it apt-installs its tools and runs every measurement as BENCH_USER.
#
#   sudo bench/pull.sh [RESULTS_DIR]       # default RESULTS_DIR: bench/results/pull-<UTC timestamp>
#
# Environment: BENCH_USER (default jboxtest; needs /etc/subuid and /etc/subgid ranges),
# BENCH_RUNS (default 5), BENCH_DIR (default /var/tmp/jbox-bench-pull; the debootstrapped rootfs
# and the layer are cached there), BENCH_MIRROR (default http://deb.debian.org/debian),
# BENCH_NO_APT=1, BENCH_NO_BUILD=1.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-5}
work=${BENCH_DIR:-/var/tmp/jbox-bench-pull}
mirror=${BENCH_MIRROR:-http://deb.debian.org/debian}
results=${1:-$repo/bench/results/pull-$(date -u +%Y%m%dT%H%M%SZ)}

die() { echo "pull.sh: $*" >&2; exit 1; }
mkdir -p "$results" && results=$(cd "$results" && pwd)  # absolute: the measurements run elsewhere
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and switches to $user)"
id "$user" >/dev/null 2>&1 || die "no user $user"
grep -q "^$user:" /etc/subuid && grep -q "^$user:" /etc/subgid || die "$user has no subordinate ids"
[ "$runs" -ge 1 ] && [ "$runs" -le 100 ] || die "BENCH_RUNS must be 1..100"

if [ -z "${BENCH_NO_APT:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  pkgs="debootstrap podman docker-registry runc uidmap hyperfine curl jq isal"
  # shellcheck disable=SC2086
  dpkg -s $pkgs >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q $pkgs; }
fi
for t in debootstrap podman docker-registry hyperfine curl jq sha256sum java igzip; do
  command -v "$t" >/dev/null || die "$t not found"
done
if [ -z "${BENCH_NO_BUILD:-}" ] || [ ! -f "$repo/target/jbox.jar" ]; then
  (cd "$repo" && { mvn -q -o -DskipTests package 2>/dev/null || mvn -q -DskipTests package; })
fi
mkdir -p "$work" "$results"
chmod 0755 "$work"

# --- the image, built once: debootstrap minbase -> one tar layer -> gzip ---------------------------
if [ ! -f "$work/debootstrap.ok" ]; then
  rm -rf "$work/rootfs.tmp" "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || die "debootstrap failed, see $work/debootstrap.log"
  mv "$work/rootfs.tmp" "$work/rootfs"
  touch "$work/debootstrap.ok"
  rm -f "$work/layer.tar" "$work/layer.tar.gz"
fi
if [ ! -f "$work/layer.tar.gz" ]; then
  # Reproducible: sorted names, numeric owners, no device nodes' atime noise.
  tar --sort=name --numeric-owner --xattrs -C "$work/rootfs" -cf "$work/layer.tar.tmp" .
  mv "$work/layer.tar.tmp" "$work/layer.tar"
  gzip -6 -n -c "$work/layer.tar" >"$work/layer.tar.gz.tmp"
  mv "$work/layer.tar.gz.tmp" "$work/layer.tar.gz"
fi
chmod 0644 "$work/layer.tar" "$work/layer.tar.gz"
diff_id=sha256:$(sha256sum <"$work/layer.tar" | cut -d' ' -f1)
layer_digest=sha256:$(sha256sum <"$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
tar_size=$(stat -c %s "$work/layer.tar")
arch=$(dpkg --print-architecture)
printf '{"architecture":"%s","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Cmd":["/bin/bash"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$arch" "$diff_id" >"$work/config.json"
config_digest=sha256:$(sha256sum <"$work/config.json" | cut -d' ' -f1)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
  "$config_digest" "$(stat -c %s "$work/config.json")" "$layer_digest" "$layer_size" >"$work/manifest.json"

# --- a loopback registry and a push with curl -------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
rm -rf "$work/registry"
mkdir -p "$work/registry/data"
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: $reg
EOF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
cleanup() { kill "$registry_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "http://$reg/v2/" >/dev/null && break; sleep 0.1; done
curl -fs "http://$reg/v2/" >/dev/null || die "docker-registry did not start: $(cat "$work/registry/log")"

push_blob() { # FILE DIGEST
  local loc
  loc=$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/bench/debian/blobs/uploads/" \
    | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
  case $loc in *\?*) loc="$loc&digest=$2" ;; *) loc="$loc?digest=$2" ;; esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$loc" >/dev/null
}
push_blob "$work/layer.tar.gz" "$layer_digest"
push_blob "$work/config.json" "$config_digest"
curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
  --data-binary "@$work/manifest.json" "http://$reg/v2/bench/debian/manifests/bookworm" >/dev/null
image=$reg/bench/debian:bookworm

# --- the user's environment ---------------------------------------------------------------------------
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)
run_dir=/run/user/$uid
[ -d "$run_dir" ] || install -d -o "$user" -g "$gid" -m 0700 "$run_dir"
u=$work/user
umount "$u/fs" 2>/dev/null || true
rm -rf "$u"
install -d -o "$user" -g "$gid" -m 0755 "$u"
printf 'unqualified-search-registries = []\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$reg" >"$u/registries.conf"
chmod 0644 "$u/registries.conf"
# Every run pulls into a new ext4 file system (a loop device, made by fresh-fs). ext4 does not
# reuse an inode freed in the last 60 s (fs/ext4/ialloc.c, recently_deleted) and reads past every
# such inode while it looks for a free one: creating the layer's 6,768 files right after the
# previous run deleted its 6,768 spent 30 % of all CPU there (perf), cost seconds and grew from run
# to run, for jbox, podman and the floor alike. A user's first pull does not pay it.
mnt=$u/fs
fsimg=$work/fs.img
mkdir -p "$mnt"
cat >"$work/fresh-fs" <<FRESH
#!/bin/sh
# podman's rootless pause process keeps the mount namespace every podman command joins: while it
# lives, podman still sees the previous run's file system (and its image) under $mnt whatever the
# host mounts there, and a "pull" finds the image present. So every run starts without it, as a
# user's first pull does. Only that process is killed (its pid file): BENCH_USER may be running
# other things, a test suite as jboxtest for one.
pause=\$(cat "$run_dir/libpod/tmp/pause.pid" 2>/dev/null)
if [ -n "\$pause" ] && [ "\$(stat -c %U /proc/\$pause 2>/dev/null)" = "$user" ]; then
  kill -KILL "\$pause" 2>/dev/null; sleep 0.2
fi
# lazily: a new image file each time, so a loop device still attached to the old one never sees it
# rewritten
umount -l "$mnt" 2>/dev/null
rm -rf "$run_dir/bench-pull-runroot"
rm -f "$fsimg" && truncate -s 4G "$fsimg" && mkfs.ext4 -q -F "$fsimg" && mount -o loop "$fsimg" "$mnt" \\
  && chown $(id -u "$user"):$(id -g "$user") "$mnt" && sync
FRESH
cat >"$work/as-user" <<ASUSER
#!/bin/sh
exec runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" \\
  LANG=C.UTF-8 XDG_RUNTIME_DIR="$run_dir" JBOX_STORAGE="$mnt/jbox-store" \\
  JBOX_REGISTRIES_CONF="$u/registries.conf" CONTAINERS_REGISTRIES_CONF="$u/registries.conf" "\$@"
ASUSER
chmod 0755 "$work/fresh-fs" "$work/as-user"
as_user() { "$work/as-user" "$@"; }
"$work/fresh-fs" || die "could not make a file system on $fsimg (needs mkfs.ext4 and loop devices)"
jbox=$repo/packaging/jbox
# podman: rootless, no systemd => cgroupfs and file events; runc where crun refuses hybrid cgroups
# (see README). Its own storage under $u so the user's other podman state is untouched.
podman="podman --storage-driver=overlay --cgroup-manager=cgroupfs --events-backend=file --root $mnt/podman-root --runroot $run_dir/bench-pull-runroot"
if command -v runc >/dev/null; then podman="$podman --runtime=runc"; fi
as_user $podman info --format '{{.Store.GraphDriverName}}' >"$results/podman-driver.txt" 2>&1 || true
driver=$(tail -1 "$results/podman-driver.txt")
as_user "$jbox" pull -q "$image" >/dev/null || die "jbox pull does not work as $user"
"$work/fresh-fs"
as_user $podman pull -q "$image" >/dev/null || die "podman pull does not work as $user"
# A pull that stored less than half the layer did not pull into this file system: the figure would
# be meaningless (it happened while podman's pause process kept the previous one, see fresh-fs).
stored=$(du -sb "$mnt/podman-root" | cut -f1)
[ "$stored" -gt $((tar_size / 2)) ] || die "podman stored only $stored bytes under $mnt/podman-root"
"$work/fresh-fs"
as_user "$jbox" pull -q "$image" >/dev/null
stored=$(du -sb "$mnt/jbox-store" | cut -f1)
[ "$stored" -gt $((tar_size / 2)) ] || die "jbox stored only $stored bytes under $mnt/jbox-store"


# --- measurements: one hyperfine run, a new file system before every pull ---------------------------
# hyperfine runs as root (its prepare makes the file system); every measured command runs as the
# user through as-user (runuser + env: a few ms of a multi-second pull).
cd "$u"
a=$work/as-user
load=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine --runs "$runs" --export-json "$u/pull.json" --style basic --prepare "$work/fresh-fs" \
  -n jbox "$a $jbox pull -q $image" \
  -n jbox-jvm-unpack "$a env JBOX_UNPACK=0 $jbox pull -q $image" \
  -n podman "$a $podman pull -q $image" \
  -n floor "$a sh -c 'mkdir $mnt/floor && gzip -dc $work/layer.tar.gz | tar -x --exclude=./dev/* -C $mnt/floor'" \
  -n floor-igzip "$a sh -c 'mkdir $mnt/floor && igzip -dc $work/layer.tar.gz | tar -x --exclude=./dev/* -C $mnt/floor'" \
  -n floor-curl "$a sh -c 'mkdir $mnt/floor && curl -fsS http://$reg/v2/bench/debian/blobs/$layer_digest | igzip -dc | tar -x --exclude=./dev/* -C $mnt/floor'" \
  2>&1 | tee "$results/pull.txt"

# The parts a pull is made of, each on its own (the profile).
hyperfine --runs "$runs" --export-json "$u/parts.json" --style basic \
  -n download "$a curl -fsS -o /dev/null http://$reg/v2/bench/debian/blobs/$layer_digest" \
  -n sha256-blob "$a sha256sum $work/layer.tar.gz" \
  -n gunzip "$a sh -c 'gzip -dc $work/layer.tar.gz >/dev/null'" \
  -n sha256-tar "$a sha256sum $work/layer.tar" \
  -n untar --prepare "$work/fresh-fs" \
    "$a sh -c 'mkdir $mnt/floor && tar -x --exclude=./dev/* -C $mnt/floor -f $work/layer.tar'" \
  2>&1 | tee "$results/parts.txt"
umount -l "$mnt" 2>/dev/null || true
rm -f "$fsimg"

cp "$u/pull.json" "$u/parts.json" "$results/"
median() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$1"; }
# CPU seconds (user + system, means over the runs) of a command and every process it waited for
cpu() { jq -r --arg n "$2" '.results[] | select(.command == $n) | (.user + .system)' "$1"; }
j=$(median "$results/pull.json" jbox)
p=$(median "$results/pull.json" podman)
f=$(median "$results/pull.json" floor)
{
  echo "image: $image, one layer: $layer_size bytes gzip, $tar_size bytes tar, $(find "$work/rootfs" | wc -l) entries"
  echo "runs: $runs each, fresh store before every run; podman storage driver: $driver"
  echo "load before the runs: $load"
  printf '%-16s %8s %8s\n' command "median s" "cpu s"
  for n in jbox jbox-jvm-unpack podman floor floor-igzip floor-curl; do
    printf '%-16s %8.2f %8.2f\n' "$n" "$(median "$results/pull.json" "$n")" "$(cpu "$results/pull.json" "$n")"
  done
  fc=$(median "$results/pull.json" floor-curl)
  awk -v j="$j" -v p="$p" -v f="$fc" -v jc="$(cpu "$results/pull.json" jbox)" -v fcc="$(cpu "$results/pull.json" floor-curl)" \
    'BEGIN { printf "ratio jbox/podman: %.2f   jbox/floor-curl: %.2f   cpu jbox/floor-curl: %.2f\n", j / p, j / f, jc / fcc }'
  for n in download sha256-blob gunzip sha256-tar untar; do
    printf '%-12s %6.2f s\n' "$n" "$(median "$results/parts.json" "$n")"
  done
} | tee "$results/summary.txt"
