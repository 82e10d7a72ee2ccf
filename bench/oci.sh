#!/bin/bash
# bench/oci.sh: jbox-oci against runc, side by side in one hyperfine run each (issue 15):
#   1. create + start + delete of a `true` bundle, 100 in a row, as root;
#   2. rootless `podman run --rm IMAGE true` with --runtime jbox-oci and with runc.
# Run as root on Debian 12 after `mvn -DskipTests package`:  sudo bench/oci.sh [RESULTS_DIR]
# Environment: BENCH_USER (default jboxtest, with subordinate ids), BENCH_DIR (/var/tmp/jbox-bench-oci),
# BENCH_PODMAN_RUNS (10).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
user=${BENCH_USER:-jboxtest}
work=${BENCH_DIR:-/var/tmp/jbox-bench-oci}
runs=${BENCH_PODMAN_RUNS:-10}
results=${1:-$repo/bench/results/oci-$(date -u +%Y%m%dT%H%M%SZ)}
oci=$repo/packaging/jbox-oci
die() { echo "oci.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
for t in hyperfine runc podman; do command -v $t >/dev/null || die "$t not found"; done
[ -f "$repo/target/jbox.jar" ] && [ -x "$repo/helpers/build/jbox-helper" ] || die "build first: mvn -DskipTests package"
mkdir -p "$results" "$work"
results=$(cd "$results" && pwd)

# --- 1. the runtime CLI, as root ------------------------------------------------------------------
rm -rf "$work/bundle" "$work/root-jbox" "$work/root-runc"
mkdir -p "$work/bundle"
"$repo/scripts/mkrootfs" "$work/bundle/rootfs" >/dev/null
(cd "$work/bundle" && runc spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["args"] = ["true"]; c["process"]["terminal"] = False
json.dump(c, open(sys.argv[1], "w"))
PY
cat > "$work/loop.sh" <<'SH'
#!/bin/bash
# loop.sh RUNTIME ROOT BUNDLE: create, start, delete 100 times
set -e
for i in $(seq 100); do
  "$1" --root "$2" create -b "$3" c$i
  "$1" --root "$2" start c$i
  "$1" --root "$2" delete --force c$i
done
SH
chmod +x "$work/loop.sh"
echo "== 1. create+start+delete of a true bundle, 100 in a row (one run each)"
hyperfine -N --runs 1 --style basic --export-json "$results/cli.json" \
  -n jbox-oci "$work/loop.sh $oci $work/root-jbox $work/bundle" \
  -n runc "$work/loop.sh runc $work/root-runc $work/bundle" | tee "$results/cli.txt"

# --- 2. rootless podman with either runtime -------------------------------------------------------
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
run_dir=/run/user/$uid
[ -d "$run_dir" ] || install -d -o "$user" -g "$(id -g "$user")" -m 0700 "$run_dir"
as_user() {
  runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" LANG=C.UTF-8 \
    XDG_RUNTIME_DIR="$run_dir" "$@"
}
tar -C "$work/bundle/rootfs" -cf "$work/rootfs.tar" . && chmod 644 "$work/rootfs.tar"
p="podman --cgroup-manager=cgroupfs --events-backend=file"
as_user $p import -q "$work/rootfs.tar" localhost/jbox-bench-oci:1 >/dev/null
echo "== 2. rootless podman run --rm IMAGE true ($runs runs each, 1 warm-up)"
install -o "$user" -m 0644 /dev/null "$work/podman.json"
as_user hyperfine -N --warmup 1 --runs "$runs" --style basic --export-json "$work/podman.json" \
  -n "podman+jbox-oci" "$p --runtime $oci run --rm --network=none localhost/jbox-bench-oci:1 true" \
  -n "podman+runc" "$p --runtime runc run --rm --network=none localhost/jbox-bench-oci:1 true" | tee "$results/podman.txt"
cp "$work/podman.json" "$results/podman.json"
as_user $p rmi -f localhost/jbox-bench-oci:1 >/dev/null
rm -rf "$work/root-jbox" "$work/root-runc"
