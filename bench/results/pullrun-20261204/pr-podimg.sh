#!/bin/bash
# as jboxtest: load the same busybox image into podman's store as localhost/bb
set -e
tmp=$(mktemp -d); trap 'rm -rf $tmp' EXIT
JBOX_STORAGE=/var/tmp/pr-store /work/wt-pullrun/packaging/jbox save -o $tmp/bb.tar localhost/bb
podman --cgroup-manager=cgroupfs --events-backend=file load -i $tmp/bb.tar
podman --cgroup-manager=cgroupfs --events-backend=file images | grep -i bb
