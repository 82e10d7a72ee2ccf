#!/bin/bash
# jbox doctor and run with user.max_user_namespaces=0. Setting it needs root: scripts/test runs this
# as root in a phase of its own after the Maven suite. The value is set in an identity-mapped user
# namespace of its own (userns-sysctl.py says why), so the host's sysctl is never changed.
#   doctor-sysctl.sh SOURCE_DIR ACCOUNT ROOTFS
set -u
src=${1:?usage: doctor-sysctl.sh SOURCE_DIR ACCOUNT ROOTFS} user=${2:?} rootfs=${3:?}
[ "$(id -u)" = 0 ] || { echo "doctor-sysctl.sh: run as root" >&2; exit 2; }
here=$(dirname "$0")
host=$(cat /proc/sys/user/max_user_namespaces)
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi; }
export JBOX_HELPER=$src/helpers/build/jbox-helper JBOX_CLASSPATH=$src/target/jbox.jar
doc=$(python3 "$here/userns-sysctl.py" "$user" 0 "$src/packaging/jbox" doctor 2>&1); drc=$?
[ $drc = 1 ] && echo "$doc" | grep -q '^FAIL  user.max_user_namespaces: user.max_user_namespaces is 0' &&
  echo "$doc" | grep -q 'fix: sudo sysctl -w user.max_user_namespaces='
check "doctor names the sysctl and its fix, exit 1" $? "exit $drc: $doc"
run=$(python3 "$here/userns-sysctl.py" "$user" 0 "$src/packaging/jbox" run --rm --network=none --rootfs "$rootfs" /bin/true 2>&1); rrc=$?
[ $rrc = 125 ] && echo "$run" | grep -q 'jbox doctor'
check "run stopped by it names jbox doctor" $? "exit $rrc: $run"
ok=$(python3 "$here/userns-sysctl.py" "$user" 1000 "$src/packaging/jbox" doctor 2>&1); orc=$?
[ $orc = 0 ]
check "with the limit back, doctor exits 0" $? "exit $orc: $ok"
[ "$(cat /proc/sys/user/max_user_namespaces)" = "$host" ]
check "the host's sysctl is untouched" $? "now $(cat /proc/sys/user/max_user_namespaces), was $host"
echo "doctor-sysctl: $pass passed, $fail failed"
[ $fail = 0 ]
