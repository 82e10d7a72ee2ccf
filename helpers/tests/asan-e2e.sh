#!/bin/bash
# asan-e2e.sh HELPER: the helper built with ASan and UBSan (build/asan/jbox-helper) end to end, as
# whoever runs `make check` (the unprivileged test account in CI): hostile input must end in a
# one-line error and exit 125, the plain path must work, and no sanitizer may report anything.
set -u
h=$1
export ASAN_OPTIONS=detect_leaks=0:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=0
check() { # NAME EXPECTED-CODE CMD...
  local name=$1 want=$2
  shift 2
  local err
  err=$("$@" 2>&1 >/dev/null </dev/null)
  local code=$?
  if [ "$code" != "$want" ] || grep -qE 'Sanitizer|runtime error' <<<"$err" ||
     { [ "$want" = 125 ] && { [ "$(wc -l <<<"$err")" != 1 ] || [[ $err != jbox:* ]]; }; }; then
    echo "FAIL asan-e2e $name: exit $code (want $want)" >&2
    printf '%s\n' "$err" | head -40 >&2
    failed=$((failed + 1))
  fi
}
uid=$(id -u) gid=$(id -g)
# 32 id map lines as long as the old parser let through: 2 KiB of map text
long=()
for i in $(seq 32); do long+=(--uidmap "18446744073709551615 18446744073709551615 18446744073709551615"); done
check "32 overlong uid map lines" 125 "$h" unshare --direct "${long[@]}" --gidmap "0 $gid 1" -- /bin/true
check "a uid map range past 2^32" 125 "$h" unshare --direct --uidmap "4294967295 $uid 2" --gidmap "0 $gid 1" -- /bin/true
check "root in a user namespace of our own id" 0 "$h" unshare --direct --uidmap "0 $uid 1" --gidmap "0 $gid 1" -- /bin/sh -c 'test "$(id -u)" = 0'
check "the golden plan" 125 "$h" run-plan tests/golden/plan.bin
check "a truncated plan" 125 bash -c 'head -c 100 tests/golden/plan.bin | "$0" run-plan -' "$h"
check "no plan" 125 "$h" run-plan /dev/null
# unshare --root-of (jbox cp on a running sandbox): fd 3 is the process's root, checked against its start time
start=$(awk '{print $22}' /proc/$$/stat)
m=(--direct --uidmap "0 $uid 1" --gidmap "0 $gid 1")
check "--root-of a live process: its root as fd 3" 0 "$h" unshare "${m[@]}" --root-of $$ "$start" -- /bin/sh -c 'test -d /proc/self/fd/3/'
check "--root-of a start time that is not the process's" 125 "$h" unshare "${m[@]}" --root-of $$ 1 -- /bin/true
check "--root-of a pid that is no number" 125 "$h" unshare "${m[@]}" --root-of 12x 1 -- /bin/true
check "--root-of no process" 125 "$h" unshare "${m[@]}" --root-of 999999999 1 -- /bin/true
# unshare --overlay (jbox cp on a stopped sandbox): the overlay in the command's own mount namespace
t=$(mktemp -d)
mkdir -p "$t/lower" "$t/upper" "$t/work" "$t/merged" && echo low > "$t/lower/f"
check "--overlay mounts it for the command" 0 "$h" unshare "${m[@]}" --overlay "$t/lower" "$t/upper" "$t/work" "$t/merged" -- /bin/sh -c "grep -qx low '$t/merged/f' && echo up > '$t/merged/g'"
check "--overlay wrote to its upper dir, and the mount is gone" 0 test -f "$t/upper/g" -a ! -e "$t/merged/f"
check "--overlay with a relative path" 125 "$h" unshare "${m[@]}" --overlay "$t/lower" upper "$t/work" "$t/merged" -- /bin/true
rm -rf "$t"
# jbox-oci's start/kill/delete without the JVM (oci_fast.c) on the store's layout: ROOT/ID/{config.json,nohooks,pid,exec.fifo}.
# JBOX_CLASSPATH names no jar, so whatever falls through to the JVM ends in the launcher's one-line 125.
t=$(mktemp -d)
export JBOX_CLASSPATH=$t/no.jar
r=$t/root
oci() { "$h" jbox-oci --root "$r" "$@"; }
mkctr() { # ID PIDLINE: a hookless container record as Java writes it
  mkdir -p "$r/$1" && echo '{"kind":"oci"}' > "$r/$1/config.json" && : > "$r/$1/nohooks" && printf '%s' "$2" > "$r/$1/pid"
}
sleep 100 </dev/null >/dev/null 2>&1 &
live=$!
lstart=$(awk '{print $22}' /proc/$live/stat)
check "oci: delete --force of an unknown id" 0 oci delete --force never-was
mkctr run1 "$live $lstart
"
check "oci: kill a running container" 0 oci kill run1 TERM
kill -9 $live 2>/dev/null # a TERM already sent decided the exit (the kernel marks a fatal signal's exit when it is sent)
wait $live 2>/dev/null
check "oci: ... it died of that TERM" 0 test $? = 143
check "oci: delete it once stopped" 0 oci delete run1
check "oci: ... its directory is gone, nothing left under @removing-" 0 test ! -e "$r/run1" -a ! -e "$r/@removing-run1"
mkctr dead1 "999999999 1
"
mkfifo "$r/dead1/exec.fifo" && : > "$r/dead1/extra"
check "oci: delete a stopped one with a fifo and a file it does not know" 0 oci delete dead1
check "oci: ... all gone" 0 test ! -e "$r/dead1" -a ! -e "$r/@removing-dead1"
mkctr junk1 "12x 1
"
check "oci: a pid file that is no number goes to the JVM" 125 oci kill junk1 TERM
mkctr long1 "$(head -c 5000 /dev/zero | tr '\0' 9)"
check "oci: an overlong pid file goes to the JVM" 125 oci kill long1 TERM
mkctr link1 "999999999 1
"
rm "$r/link1/nohooks" && ln -s /etc/passwd "$r/link1/nohooks"
check "oci: a symlink for nohooks goes to the JVM" 125 oci delete link1
mkdir -p "$r/old1" && echo '{"id":"old1","hooks":{}}' > "$r/old1/state.json"
check "oci: an older jbox-oci's state.json goes to the JVM" 125 oci delete old1
check "oci: an id longer than PATH_MAX" 125 oci delete "$(head -c 5000 /dev/zero | tr '\0' a)"
check "oci: an id with a slash" 125 oci delete ../x
unset JBOX_CLASSPATH
rm -rf "$t"
# `jbox ps` without the JVM (ps_fast.c) on a store of records as Java writes them: answered in the
# launcher (exit 0, the rows), or left to the JVM, which JBOX_CLASSPATH makes a one-line 125.
t=$(mktemp -d)
mkdir -p "$t/rt/jbox" "$t/st/containers" "$t/home" "$t/cfg" && chmod 700 "$t/rt/jbox"
psj() { env -i PATH=/usr/bin:/bin HOME="$t/home" XDG_CONFIG_HOME="$t/cfg" XDG_RUNTIME_DIR="$t/rt" JBOX_STORAGE="$t/st" \
  JBOX_CLASSPATH="$t/no.jar" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" "$h" jbox ps "$@"; }
mkrec() { # DIR NAME: a record and nothing else (created)
  mkdir -p "$1" && printf '{\n  "id": "x",\n  "name": "%s",\n  "command": [\n    "sh",\n    "a\\tb"\n  ],\n  "created": 1700000000000,\n  "ports": ["8080:80", "[::1]:1:2/udp"],\n  "process": {"rlimits": [[7, 1024, 1024]]}\n}\n' "$2" > "$1/config.json"
}
sleep 100 </dev/null >/dev/null 2>&1 &
live=$!
lstart=$(awk '{print $22}' /proc/$live/stat)
a=$(printf 'a%.0s' $(seq 64)) b=$(printf 'b%.0s' $(seq 64)) c=$(printf 'c%.0s' $(seq 64))
mkrec "$t/st/containers/$a" img1
mkrec "$t/rt/jbox/$b" run1
printf '{"status":"running","pid":%s,"pidStart":%s,"monitorPid":%s,"monitorStart":%s,"started":1700000000000,"exitCode":null,"finished":null,"restartCount":0}\n' \
  $live $lstart $live $lstart > "$t/rt/jbox/$b/state"
check "ps: listed without the JVM" 0 psj -a
check "ps: ... every row" 0 test "$(psj -a | wc -l)" = 3
psj > "$t/out"
check "ps: ... the running one as running" 0 grep -q "Up .* run1$" "$t/out"
check "ps: ... -q" 0 test "$(psj -q)" = bbbbbbbbbbbb
mkrec "$t/rt/jbox/$c" exited1
printf '{"status":"exited","pid":1,"pidStart":1,"monitorPid":1,"monitorStart":1,"started":1,"exitCode":3,"finished":2}' > "$t/rt/jbox/$c/state"
psj -a --no-trunc > "$t/out"
check "ps: an exited one" 0 grep -q "^c\{64\} .*Exited (3) .* exited1$" "$t/out"
printf '{"status":"exited","pid":' > "$t/rt/jbox/$c/state"
check "ps: a state record cut short goes to the JVM" 125 psj -a
printf '{"status":"exited","exitCode":0}' > "$t/rt/jbox/$c/state"
printf '{"name": "x", "command": [1]}' > "$t/rt/jbox/$c/config.json"
check "ps: a command word that is no string goes to the JVM" 125 psj -a
head -c 100000 /dev/zero | tr '\0' '[' > "$t/rt/jbox/$c/config.json"
check "ps: a record nested 100000 deep goes to the JVM" 125 psj -a
printf '{"name": "\xff"}' > "$t/rt/jbox/$c/config.json"
check "ps: a record that is not UTF-8 is left out, as the JVM does" 0 test "$(psj -a | wc -l)" = 3
check "ps: an option it does not take goes to the JVM" 125 psj --format json
ptj() { env -i PATH=/usr/bin:/bin HOME="$t/home" XDG_CONFIG_HOME="$t/cfg" XDG_RUNTIME_DIR="$t/rt" JBOX_STORAGE="$t/st" \
  JBOX_CLASSPATH="$t/no.jar" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" "$h" jbox port "$@"; }
mkdir -p "$t/rt/jbox/$(printf 'd%.0s' $(seq 64))" && printf '{"name": "p1", "ports": ["8080:80", "1.2.3.4:1:2/udp"]}' > "$t/rt/jbox/$(printf 'd%.0s' $(seq 64))/config.json"
check "port: a sandbox's published ports without the JVM" 0 test "$(ptj p1)" = "$(printf '80/tcp -> 0.0.0.0:8080\n2/udp -> 1.2.3.4:1')"
check "port: a spec the JVM refuses goes to it" 125 ptj run1
check "port: an unknown sandbox goes to the JVM" 125 ptj nosuch
# `jbox stop` and `jbox rm` without the JVM (change_fast.c): an exited sandbox stopped (nothing to
# do) and removed with its generated files, never through the link planted in it; the rest goes to
# the JVM (by full ids: a record above, not UTF-8, might bear any name to the launcher's search)
chj() { env -i PATH=/usr/bin:/bin HOME="$t/home" XDG_CONFIG_HOME="$t/cfg" XDG_RUNTIME_DIR="$t/rt" JBOX_STORAGE="$t/st" \
  JBOX_CLASSPATH="$t/no.jar" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" "$h" jbox "$@"; }
e=$(printf 'e%.0s' $(seq 64))
mkrec "$t/rt/jbox/$e" gone1 && mkdir -p "$t/rt/jbox/$e/etc" "$t/rt/jbox/files/$e" && ln -s "$t/home" "$t/rt/jbox/$e/etc/home"
printf '{"status":"exited","pid":1,"pidStart":1,"monitorPid":1,"monitorStart":1,"started":1,"exitCode":0,"finished":2}' > "$t/rt/jbox/$e/state"
check "stop: an exited sandbox, without the JVM" 0 test "$(chj stop -t 0 "$e")" = "$e"
check "rm: an exited sandbox, without the JVM" 0 chj rm "$e"
check "rm: ... its directory and generated files gone, the linked one kept" 0 test ! -e "$t/rt/jbox/$e" -a ! -e "$t/rt/jbox/files/$e" -a -d "$t/home" -a -d "$t/rt/jbox/files"
check "rm: a running sandbox goes to the JVM" 125 chj rm "$b"
check "rm: -f goes to the JVM" 125 chj rm -f "$b"
check "stop: an unknown sandbox goes to the JVM" 125 chj stop nosuch
check "stop: a bad -t goes to the JVM" 125 chj stop -t -1 "$b"
# `jbox images` the same way: an image store of one record with two names
mkdir -p "$t/st/images" "$t/st/blobs/sha256" "$t/st/layers" "$t/st/locks" && chmod 700 "$t/st"
printf '{"manifestDigest": "sha256:%s", "id": "sha256:%s", "created": "2020-01-01T00:00:00.5Z", "pulled": "2020-01-02T00:00:00Z", "size": 1234567, "layers": [{"digest": "d", "size": 1}], "repoDigests": []}' \
  "$a" "$b" > "$t/st/images/$a.json"
printf '{"x:1": "sha256:%s", "alpine:latest": "sha256:%s"}' "$a" "$a" > "$t/st/tags.json"
imj() { env -i PATH=/usr/bin:/bin HOME="$t/home" XDG_CONFIG_HOME="$t/cfg" XDG_RUNTIME_DIR="$t/rt" JBOX_STORAGE="$t/st" \
  JBOX_CLASSPATH="$t/no.jar" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" "$h" jbox images "$@"; }
check "images: listed without the JVM" 0 imj
imj > "$t/out"
check "images: ... both names, sorted, the size" 0 grep -qz "alpine .*latest .*bbbbbbbbbbbb .*1.2 MB.*x .*1 " "$t/out"
check "images: ... -q prints the id once" 0 test "$(imj -q)" = bbbbbbbbbbbb
printf '{"x:1": 5}' > "$t/st/tags.json"
check "images: a tags.json the decoder does not follow goes to the JVM" 125 imj
mkdir -m 700 "$t/st/volumes"
check "volume create NAME: without the JVM" 0 chj volume create v1
check "volume create: ... its directory, _data and record" 0 grep -q '"copyUp": true' "$t/st/volumes/v1/volume.json"
check "volume create: a name taken goes to the JVM" 125 chj volume create v1
check "volume create: an invalid name goes to the JVM" 125 chj volume create .v
check "volume rm NAME: without the JVM" 0 chj volume rm v1
check "volume rm: ... gone, nothing left aside" 0 test -z "$(ls -A "$t/st/volumes")"
check "volume rm: an unknown volume goes to the JVM" 125 chj volume rm v1
check "stop: a running sandbox: TERM, waited for, without the JVM" 0 test "$(chj stop "$b")" = "$b"
check "stop: ... it ended (gone, or a zombie until this shell reaps it)" 0 sh -c "! kill -0 $live 2>/dev/null || grep -q '^State:.*Z' /proc/$live/status"
wait $live 2>/dev/null
rm -rf "$t"
# owners (a pull's deferred chown/chmod, owners.c) as root of a single-id user namespace, where
# only 0:0 is mapped: the records on stdin must not reach outside ROOT in any way
t=$(mktemp -d)
mkdir -p "$t/root/d" "$t/out" && : > "$t/root/f" && : > "$t/out/victim" && chmod 0644 "$t/root/f" "$t/out/victim"
ln -s ../out "$t/root/s" && ln -s "$t/out/victim" "$t/root/abs"
own() { bash -c 'printf "$1" | "$0" unshare --direct --uidmap "0 $2 1" --gidmap "0 $3 1" -- "$0" owners "$4"' "$h" "$1" "$uid" "$gid" "$t/root"; }
check "owners: chown and mode, setuid included" 0 own '0 0 4750 f\0000 0 700 d\0000 0 - s\0000 0 755 .\000'
check "owners: ... the modes are on" 0 test "$(stat -c %a "$t/root/f" "$t/root/d" "$t/root")" = "$(printf '4750\n700\n755')"
check "owners: .. refused" 125 own '0 0 777 ../out/victim\000'
check "owners: an absolute path refused" 125 own "0 0 777 $t/out/victim\\000"
check "owners: through a symlinked directory refused" 125 own '0 0 777 s/victim\000'
check "owners: a symlink's mode is not its target's" 0 own '0 0 777 abs\000'
check "owners: ... the target outside kept its mode" 0 test "$(stat -c %a "$t/out/victim")" = 644
check "owners: an id without a mapping" 125 own '5 0 644 f\000'
check "owners: a record cut short" 125 own '0 0 644 f'
check "owners: an overlong record" 125 bash -c 'head -c 9000 /dev/zero | tr "\0" a | "$0" unshare --direct --uidmap "0 $1 1" --gidmap "0 $2 1" -- "$0" owners "$3"' "$h" "$uid" "$gid" "$t/root"
check "owners: a mode that is not octal" 125 own '0 0 999 f\000'
rm -rf "$t"
[ $failed = 0 ] && echo "asan-e2e: 70 checks passed"
exit $((failed != 0))
