#!/bin/bash
# as jboxtest: jbox (main build A and branch B) vs podman, --rootfs and IMAGE forms, one hyperfine run
set -e
runs=${1:-20} out=${2:-/tmp/pr-runbench.json}
R=/var/tmp/jbox-bench/rootfs
P="podman --cgroup-manager=cgroupfs --events-backend=file --runtime=runc"
export JBOX_STORAGE=/var/tmp/pr-store
cd /var/tmp
hyperfine -N --warmup 3 --runs $runs --style basic --export-json $out \
  -n jbox-main-rootfs "/var/tmp/pr-A/packaging/jbox run --rm --rootfs $R --network=none true" \
  -n jbox-rootfs "/work/wt-pullrun/packaging/jbox run --rm --rootfs $R --network=none true" \
  -n podman-rootfs "$P run --rm --network=none --rootfs $R true" \
  -n jbox-main-image "/var/tmp/pr-A/packaging/jbox run --rm --network=none localhost/bb true" \
  -n jbox-image "/work/wt-pullrun/packaging/jbox run --rm --network=none localhost/bb true" \
  -n podman-image "$P run --rm --network=none localhost/bb true" 2>&1 | grep -E 'Benchmark|Time'
jq -r '.results[] | "\(.command)  median \(.median*1000|.*10|round/10) ms  cpu \((.user+.system)*1000|.*10|round/10) ms"' $out
