#!/bin/bash
# Another local user against a jbox user's store and runtime state (issue 10, item 1), and what
# every user sees of a running sandbox in ps (issue 10, "jbox:monitor keeps the command line").
# Run as root by scripts/test: the owner (jboxtest) starts an image sandbox from a store that an
# older jbox left open (0755) and, inside it, makes a setuid copy of busybox and a secret file in
# its writable layer; the other account (jboxnosub) then tries to run the setuid file, to write
# into the upper dir and into a layer's diff dir, to read the secret and the sandbox's state, and
# looks for the sandbox's -e secret in ps. Every attempt must fail. Prints "otheruser: N passed,
# N failed".
set -u
src=${1:?usage: otheruser.sh SOURCE_DIR (as root)}
owner=${JBOX_TEST_OWNER:-jboxtest} other=${JBOX_TEST_OTHER:-jboxnosub}
[ "$(id -u)" = 0 ] || { echo "otheruser.sh: run as root (it acts as two accounts)" >&2; exit 2; }
work=$(mktemp -d /var/tmp/jbox-otheruser.XXXXXX)
chmod 0755 "$work"
chown "$owner:" "$work"
store=$work/storage run=$work/run
as() { # as USER CMD...: that account, a clean environment, the owner's store and runtime dir
  local u=$1; shift
  runuser -u "$u" -- env -i HOME="$(getent passwd "$u" | cut -d: -f6)" PATH=/usr/local/bin:/usr/bin:/bin \
    LANG=C.UTF-8 JAVA_HOME="${JAVA_HOME:-}" JBOX_HELPER="$src/helpers/build/jbox-helper" \
    JBOX_CLASSPATH="$src/target/jbox.jar" JBOX_STORAGE="$store" XDG_RUNTIME_DIR="$run" "$@"
}
jbox() { as "$owner" "$src/packaging/jbox" "$@"; }
cleanup() {
  jbox rm -f victim >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
check() { # check NAME STATUS DETAIL: STATUS 0 is a pass
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}

# --- the owner: a store as an older jbox left it (0755), a runtime dir open to all -----------
as "$owner" mkdir -m 0755 "$store" "$run"
as "$owner" "$src/scripts/mkrootfs" "$work/rootfs" >/dev/null
cp "$src/helpers/build/tests/probe" "$work/rootfs/probe" # static: `probe euid` runs on the host too
(
  cd "$work" || exit 1
  tar --numeric-owner --owner=0 --group=0 -C rootfs -cf layer.tar . || exit 1
  diff=$(sha256sum layer.tar | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > config.json
  printf '[{"Config":"config.json","RepoTags":["localhost/otheruser:latest"],"Layers":["layer.tar"]}]' > manifest.json
  tar -cf image.tar manifest.json config.json layer.tar
) || { echo "otheruser.sh: could not build the test image" >&2; exit 1; }
chown -R "$owner:" "$work"
out=$(jbox load -q -i "$work/image.tar" 2>&1)
check "the owner loads the image" $? "$out"
secret=tok-$RANDOM$RANDOM
id=$(jbox run -d --name victim -e API_TOKEN=$secret localhost/otheruser sh -c \
  'cp /probe /tmp/h && chmod 4755 /tmp/h && echo s3cret > /tmp/secret && touch /tmp/ready && exec sleep 300' 2>"$work/err")
check "the owner starts a detached sandbox" $? "$(cat "$work/err")"
upper=$store/containers/$id/upper
for _ in $(seq 600); do [ -e "$upper/tmp/ready" ] && break; sleep 0.1; done
layer=$(ls -d "$store"/layers/*/diff | head -1)

# preconditions, seen by root: the files are there, the setuid file is the owner's
[ -u "$upper/tmp/h" ] && [ "$(stat -c %U "$upper/tmp/h")" = "$owner" ] && [ -d "$layer/tmp" ]
check "setup: a setuid-$owner file in the upper dir, a layer's /tmp" $? "$(ls -la "$upper/tmp" "$layer" 2>&1)"

# --- the store and the state are the owner's alone ---------------------------------------------
mode=$(stat -c %a "$store")
[ "$mode" = 700 ]; check "an existing 0755 store is tightened to 0700" $? "mode $mode"
mode=$(stat -c %a "$run/jbox")
[ "$mode" = 700 ]; check "the runtime state root is 0700" $? "mode $mode"

# --- the other user ---------------------------------------------------------------------------
ouid=$(id -u "$owner")
got=$(as "$other" "$upper/tmp/h" euid 2>&1); rc=$?
[ $rc != 0 ] && ! echo "$got" | grep -q "euid $ouid"
check "$other cannot run the setuid file in the upper dir" $? "exit $rc: $got"
got=$(as "$other" touch "$upper/tmp/planted" 2>&1); rc=$?
[ $rc != 0 ] && [ ! -e "$upper/tmp/planted" ]
check "$other cannot write into the upper dir" $? "exit $rc: $got"
got=$(as "$other" touch "$layer/tmp/planted" 2>&1); rc=$?
[ $rc != 0 ] && [ ! -e "$layer/tmp/planted" ]
check "$other cannot write into a layer's diff dir" $? "exit $rc: $got"
got=$(as "$other" cat "$upper/tmp/secret" 2>&1); rc=$?
[ $rc != 0 ] && ! echo "$got" | grep -q s3cret
check "$other cannot read what the sandbox wrote" $? "exit $rc: $got"
got=$(as "$other" cat "$run/jbox/$id/config.json" 2>&1); rc=$?
[ $rc != 0 ] && ! echo "$got" | grep -q "$secret"
check "$other cannot read the sandbox's state" $? "exit $rc: $got"
got=$(as "$other" ps -eo pid,args 2>&1)
! echo "$got" | grep -q "$secret" && echo "$got" | grep -q "jbox:monitor ${id:0:12}"
check "$other sees 'jbox:monitor ID' in ps, not the -e secret" $? "$(echo "$got" | grep -e "jbox:" -e "$secret")"

echo "otheruser: $pass passed, $fail failed"
[ $fail = 0 ]
