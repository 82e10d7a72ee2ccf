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
echo "nosubid: $pass passed, $fail failed"
[ $fail = 0 ]
