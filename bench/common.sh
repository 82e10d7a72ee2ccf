# bench/common.sh: sourced by the bench scripts after they set repo, user, work, results, rootfs.
# Installs the tools, builds jbox, prepares the unprivileged user's environment (rootfs,
# XDG_RUNTIME_DIR, a podman that runs on this host) and records the machine. Defines as_user,
# $jbox, $jar and $podman.
mkdir -p "$results" && results=$(cd "$results" && pwd) # absolute: the scripts cd to $work below
# --- tools -------------------------------------------------------------------------------------
if [ -z "${BENCH_NO_APT:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  pkgs="podman bubblewrap hyperfine uidmap busybox-static ${BENCH_EXTRA_PKGS:-}"
  # shellcheck disable=SC2086
  dpkg -s $pkgs >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q $pkgs; }
fi
for t in podman bwrap hyperfine newuidmap busybox java; do
  command -v "$t" >/dev/null || die "$t not found"
done

if [ -z "${BENCH_NO_BUILD:-}" ] || [ ! -f "$repo/target/jbox.jar" ] || [ ! -x "$repo/helpers/build/jbox-helper" ]; then
  (cd "$repo" && mvn -q -o -DskipTests package 2>/dev/null || mvn -q -DskipTests package)
fi
jbox=$repo/packaging/jbox
jar=$repo/target/jbox.jar

# --- the user's environment: rootfs, XDG_RUNTIME_DIR, podman --------------------------------------
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
install -d -o "$user" -g "$(id -g "$user")" -m 0755 "$work"
run_dir=/run/user/$uid
# No systemd user session here (logind may not even run): make the runtime dir podman wants.
[ -d "$run_dir" ] || install -d -o "$user" -g "$(id -g "$user")" -m 0700 "$run_dir"
# ... and a tmpfs there, as logind mounts one on every session's runtime dir: jbox shell's records
# live in it, and on the disk they wait for the journal whenever other work writes (6-9 ms of a
# start, seen with test suites running beside a benchmark)
if ! mountpoint -q "$run_dir"; then
  mount -t tmpfs -o "mode=0700,uid=$uid,gid=$(id -g "$user"),size=10%,nosuid,nodev" tmpfs "$run_dir"
fi
as_user() {
  runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" LANG=C.UTF-8 \
    XDG_RUNTIME_DIR="$run_dir" "$@"
}
if [ ! -x "$rootfs/bin/busybox" ]; then
  rm -rf "$rootfs"
  (cd "$work" && as_user "$repo/scripts/mkrootfs" "$rootfs" >/dev/null)
fi

# podman: rootless, no systemd => cgroupfs manager and file events. crun (Debian's default) refuses
# cgroup v1/v2 hybrid hosts ("cgroups in hybrid mode not supported"); then fall back to runc.
# Note `--rootfs` is a boolean flag: every option must come before DIR, or it becomes the command.
podman_global="--cgroup-manager=cgroupfs --events-backend=file"
cd "$work"
as_user podman $podman_global system migrate >/dev/null 2>&1 || true
podman_rt=""
if ! as_user podman $podman_global run --rm --network=none --rootfs "$rootfs" true >/dev/null 2>"$work/podman-probe.err"; then
  if grep -q "hybrid mode not supported" "$work/podman-probe.err"; then
    if ! command -v runc >/dev/null; then
      [ -z "${BENCH_NO_APT:-}" ] && apt-get install -y -q runc >/dev/null || die "crun refuses this host's hybrid cgroups and runc is not installed"
    fi
    podman_rt="--runtime=runc"
    as_user podman $podman_global $podman_rt run --rm --network=none --rootfs "$rootfs" true >/dev/null \
      || die "podman with runc failed too"
  else
    cat "$work/podman-probe.err" >&2; die "podman does not run here"
  fi
fi
podman="podman $podman_global $podman_rt"

install -d -o "$user" -m 0755 "$results"
chown "$user" "$results"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -srm); $(nproc) cpus; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "cgroups: $(stat -fc %T /sys/fs/cgroup) ($( [ -d /sys/fs/cgroup/unified ] && echo hybrid || echo unified-or-v1))"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "jbox: $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "$(podman --version); runtime: ${podman_rt:-default (crun)}; $(bwrap --version); $(hyperfine --version)"
  [ -r /proc/pressure/cpu ] && echo "cpu pressure before: $(head -1 /proc/pressure/cpu) (other load on the machine adds noise)"
} > "$results/machine.txt"
cat "$results/machine.txt"

# ab_trees A_TREE: an A/B bench's two jbox commands, $ja (the built tree A_TREE) and $jb (this
# tree), each a symlink named jbox to its helper as an installed jbox is; A_TREE noted in machine.txt
ab_trees() {
  local a=$1
  [ -x "$a/helpers/build/jbox-helper" ] && [ -f "$a/target/jbox.jar" ] || die "$a is not built"
  echo "A: $a ($(cd "$a" && git rev-parse --short HEAD 2>/dev/null || echo "no git")); B: $repo" >> "$results/machine.txt"
  install -d -o "$user" -m 0755 "$work/bin-a" "$work/bin-b"
  ln -sfn "$a/helpers/build/jbox-helper" "$work/bin-a/jbox"
  ln -sfn "$repo/helpers/build/jbox-helper" "$work/bin-b/jbox"
  ja=$work/bin-a/jbox jb=$work/bin-b/jbox
}
