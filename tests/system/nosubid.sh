#!/bin/bash
# The single-id fallback, checked as an account with no /etc/subuid and /etc/subgid entries
# (scripts/test runs it as jboxnosub). Prints "nosubid: N passed, N failed".
set -u
src=${1:?usage: nosubid.sh SOURCE_DIR}
export JBOX_HELPER=$src/helpers/build/jbox-helper
export JBOX_CLASSPATH=$src/target/jbox.jar
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$src/scripts/mkrootfs" "$tmp/rootfs" >/dev/null
pass=0 fail=0
check() { # check NAME CONDITION-RESULT DETAIL
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}
out=$("$src/packaging/jbox" run --rootfs "$tmp/rootfs" sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u' 2>"$tmp/err")
rc=$?
err=$(cat "$tmp/err")
uid=$(id -u) gid=$(id -g)
check "runs with a single-id map" $rc "exit $rc: $err"
expect=$(printf '0 %s 1\n0 %s 1\ndeny\n0' "$uid" "$gid")
got=$(echo "$out" | sed -e 's/^ *//' -e 's/  */ /g')
[ "$got" = "$expect" ]; check "maps only the own id to 0, setgroups denied" $? "got: $got"
[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "warning: no subordinate ids for $(id -un)" && echo "$err" | grep -q 'usermod --add-subuids'
check "one-line warning saying what to add" $? "stderr: $err"
out=$("$src/packaging/jbox" run --rootfs "$tmp/rootfs" -u 1000 id -u 2>&1); rc=$?
[ $rc = 125 ] && echo "$out" | grep -qE 'set[gu]id 1000 \(is it mapped'
check "an unmapped user is a clear error" $? "exit $rc: $out"
out=$("$src/packaging/jbox" doctor 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "^FAIL  subordinate ids: no range for $(id -un)" &&
  echo "$out" | grep -qx "      fix: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $(id -un)"
check "jbox doctor: exit 1 and the usermod line" $? "exit $rc: $out"
# A pull unpacks layers in the pull's own JVM: the single-id warning must still be said, once.
# The image is made here (a busybox layer, config and manifest pushed with curl to a loopback
# docker-registry of this user's own), so nothing but this script's files is used.
mkdir -p "$tmp/registry/data" "$tmp/store"
registry_pid=
trap '[ -n "$registry_pid" ] && kill $registry_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
# a free port when chosen may be taken before the registry binds it: then another one (as
# TestRegistry does), each start given up to 60 s on a loaded machine
for attempt in 1 2 3; do
  reg=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$tmp/registry/data" "$reg" >"$tmp/registry/config.yml"
  docker-registry serve "$tmp/registry/config.yml" >"$tmp/registry/log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 600); do
    curl -fs "http://$reg/v2/" >/dev/null && break 2
    kill -0 $registry_pid 2>/dev/null || break
    sleep 0.1
  done
  kill $registry_pid 2>/dev/null; wait $registry_pid 2>/dev/null; registry_pid=
done
tar --owner=0 --group=0 --numeric-owner --exclude=./dev -C "$tmp/rootfs" -cf "$tmp/layer.tar" .
gzip -n -c "$tmp/layer.tar" >"$tmp/layer.tar.gz"
sha() { sha256sum "$1" | cut -d' ' -f1; }
printf '{"architecture":"%s","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$(dpkg --print-architecture 2>/dev/null || echo amd64)" "$(sha "$tmp/layer.tar")" >"$tmp/config.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
  "$(sha "$tmp/config.json")" "$(stat -c %s "$tmp/config.json")" "$(sha "$tmp/layer.tar.gz")" "$(stat -c %s "$tmp/layer.tar.gz")" >"$tmp/manifest.json"
push_blob() { # FILE
  local loc
  loc=$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/nosub/busybox/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
  case $loc in *\?*) loc="$loc&digest=sha256:$(sha "$1")" ;; *) loc="$loc?digest=sha256:$(sha "$1")" ;; esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$loc" >/dev/null
}
push_blob "$tmp/layer.tar.gz" && push_blob "$tmp/config.json" &&
  curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$tmp/manifest.json" \
    "http://$reg/v2/nosub/busybox/manifests/latest" >/dev/null
check "image pushed to the loopback registry" $? "$(cat "$tmp/registry/log")"
printf 'unqualified-search-registries = []\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$reg" >"$tmp/registries.conf"
out=$(JBOX_STORAGE=$tmp/store JBOX_REGISTRIES_CONF=$tmp/registries.conf "$src/packaging/jbox" pull -q "$reg/nosub/busybox:latest" 2>"$tmp/err"); rc=$?
err=$(grep -v 'insecure' "$tmp/err")
check "pull works with a single-id map" $rc "exit $rc: $(cat "$tmp/err")"
[ "$(echo "$err" | grep -c .)" = 1 ] && echo "$err" | grep -q "^jbox: warning: no subordinate ids for $(id -un)" && echo "$err" | grep -q 'usermod --add-subuids'
check "pull: the single-id warning, once" $? "stderr: $(cat "$tmp/err")"
out=$(JBOX_STORAGE=$tmp/store "$src/packaging/jbox" run --rm --network=none "$reg/nosub/busybox:latest" cat /etc/passwd 2>"$tmp/err"); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q '^root:'
check "the pulled image runs" $? "exit $rc: $out $(cat "$tmp/err")"
echo "nosubid: $pass passed, $fail failed"
[ $fail = 0 ]
