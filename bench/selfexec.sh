#!/bin/bash
# bench/selfexec.sh OLD_HELPER NEW_HELPER [ROOTFS]: what the helper's sealed memfd copy
# (helpers/selfexec.c) costs, old helper against new, both started the way users start jbox
# (`HELPER jbox ...`), as BENCH_USER (default jboxtest), with the jar and AppCDS archive of this tree.
#
#   1. jbox run --rootfs ROOTFS --network=none true   the copy is made while the JVM starts
#   2. HELPER launch -- /bin/true                     no JVM to hide it: the copy's raw cost
#   3. HELPER unshare --direct ... -- /bin/true        run-plan/unshare copy before anything
#
# Run as root (it switches to BENCH_USER); BENCH_RUNS (default 40) runs each after 5 warm-ups.
# Both helpers must be readable and executable by BENCH_USER.
set -euo pipefail
old=${1:?usage: selfexec.sh OLD_HELPER NEW_HELPER [ROOTFS]} new=${2:?usage: selfexec.sh OLD_HELPER NEW_HELPER [ROOTFS]}
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
user=${BENCH_USER:-jboxtest}
runs=${BENCH_RUNS:-40}
rootfs=${3:-/var/tmp/jbox-bench/rootfs}
uid=$(id -u "$user") gid=$(id -g "$user")
as_user() {
  runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp USER="$user" LANG=C.UTF-8 \
    JBOX_CLASSPATH="$repo/target/jbox.jar" "$@"
}
[ -x "$rootfs/bin/busybox" ] || as_user "$repo/scripts/mkrootfs" "$rootfs" >/dev/null
hf() { as_user hyperfine -N --warmup 5 --runs "$runs" --style basic "$@"; }
echo "== 1. jbox run (the copy overlaps the JVM's start)"
hf -n old "$old jbox run --rootfs $rootfs --network=none true" -n new "$new jbox run --rootfs $rootfs --network=none true" \
   -n old-again "$old jbox run --rootfs $rootfs --network=none true" -n new-again "$new jbox run --rootfs $rootfs --network=none true"
echo "== 2. launch -- /bin/true (nothing to overlap: the raw cost of copy + fexecve)"
hf -n old "$old launch -- /bin/true" -n new "$new launch -- /bin/true"
echo "== 3. unshare (copy first, then a user namespace)"
hf -n old "$old unshare --direct --uidmap '0 $uid 1' --gidmap '0 $gid 1' -- /bin/true" \
   -n new "$new unshare --direct --uidmap '0 $uid 1' --gidmap '0 $gid 1' -- /bin/true"
