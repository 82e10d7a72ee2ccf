#!/bin/bash
# jbox-oci as root (scripts/test runs it as root after the Maven suite, which runs as the rootless
# test account): the same bundle under runc and jbox-oci without a user namespace gives the same
# report from inside, and the same hooks in the same order seeing the same; containerd (Debian's, a private instance) runs containers through jbox-oci
# with `ctr run --runc-binary` on an image pulled from a loopback registry (built with podman
# import, pushed with podman push: never docker.io), output and exit code come back, `ctr task
# exec` works. Nothing is left behind. Prints "oci-root: N passed, N failed".
set -u
src=${1:?usage: oci-root.sh SOURCE_DIR}
export JBOX_HELPER=$src/helpers/build/jbox-helper
export JBOX_CLASSPATH=$src/target/jbox.jar
oci=$src/packaging/jbox-oci
tmp=$(mktemp -d /var/tmp/jbox-oci-root.XXXXXX)
ctd_pid="" reg_pid=""
cleanup() {
  # what a failed check may have left running: the hooks' container (sleep 3600), containerd's c2
  for rt in runc "$oci"; do "$rt" --root "$tmp/hooks-root" delete --force hk >/dev/null 2>&1; done
  if [ -n "$ctd_pid" ]; then
    { ctr -a "$tmp/ctd/c.sock" task kill -s KILL c2; ctr -a "$tmp/ctd/c.sock" task rm -f c2
      ctr -a "$tmp/ctd/c.sock" container rm c2; } >/dev/null 2>&1
  fi
  [ -n "$ctd_pid" ] && kill "$ctd_pid" 2>/dev/null && wait "$ctd_pid" 2>/dev/null
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
  podman rmi -f "localhost/jbox-oci-test:1" >/dev/null 2>&1
  # containerd's snapshots are mounts under its root
  grep -o " $tmp[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0
check() { # check NAME STATUS DETAIL
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}

# ---- differential, as root, no user namespace
mkdir -p "$tmp/b"
"$src/scripts/mkrootfs" "$tmp/b/rootfs" >/dev/null
(cd "$tmp/b" && "$oci" spec)
report='for k in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp Groups; do grep "^$k:" /proc/self/status; done
cat /proc/self/uid_map; hostname; id; umask; pwd; env | grep -v "^PWD=\|^SHLVL=\|^_=" | sort
grep -E "Max open files|Max core" /proc/self/limits
awk '"'"'{ split($0, a, " - "); split(a[2], b, " "); o=""; n=split($6, f, ","); for (i=1;i<=n;i++) if (f[i]~/^(ro|rw|nosuid|nodev|noexec)$/) o=o","f[i]; if ($5 !~ /^\/sys\/fs\/cgroup/ && $5 !~ /^\/dev\/(null|zero|full|random|urandom|tty)$/) print $5, b[1], o }'"'"' /proc/self/mountinfo | sort
exit 3'
python3 - "$tmp/b/config.json" "$report" <<'PY'
import json, sys
f = sys.argv[1]; c = json.load(open(f))
p = c["process"]
p["args"] = ["sh", "-c", sys.argv[2]]; p["terminal"] = False
p["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 5], "umask": 23}
p["cwd"] = "/tmp"; p["noNewPrivileges"] = False
p["capabilities"]["inheritable"] = ["CAP_KILL"]; p["capabilities"]["ambient"] = ["CAP_KILL"]
p["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
c["root"]["readonly"] = False
json.dump(c, open(f, "w"))
PY
# runc mknods the devices as root where jbox binds the host's: those mounts are left out above;
# jbox's masks are also nosuid,nodev,noexec (normalised here to what both must agree on)
# and runc masks a file with its own /dev/null (a node on the container's /dev) where jbox binds the host's
norm() { sed -e 's/ tmpfs ,ro,nosuid,nodev,noexec$/ tmpfs ,ro/' -e 's/^\(\/proc\/[a-z_]*\) \(devtmpfs ,rw\|tmpfs ,rw,nosuid\)$/\1 null/'; }
runc --root "$tmp/runc" run -b "$tmp/b" d1 > "$tmp/runc.out" 2>"$tmp/runc.err"; rc1=$?
"$oci" --root "$tmp/jbox" run -b "$tmp/b" d1 > "$tmp/jbox.out" 2>"$tmp/jbox.err"; rc2=$?
[ $rc1 = 3 ] && [ $rc2 = 3 ]; check "runc and jbox-oci exit 3" $? "runc $rc1 $(cat "$tmp/runc.err"), jbox-oci $rc2 $(cat "$tmp/jbox.err")"
d=$(diff <(norm < "$tmp/runc.out") <(norm < "$tmp/jbox.out")); check "same report from inside as root (caps, groups, umask, rlimits, mounts)" $? "$d"
grep -q "uid=1000(user) gid=1000(user) groups=5(tty),10(wheel)" "$tmp/jbox.out"; check "additionalGids as given" $? "$(cat "$tmp/jbox.out" | grep uid=)"
[ -z "$(ls -A "$tmp/jbox")" ]; check "run leaves nothing in --root" $? "$(ls -A "$tmp/jbox")"

# ---- hooks, as root: one of every kind logs its argv[0], the state's status and pid, its mount
# namespace and whether / is the container's rootfs; the same order and observations as runc, but
# poststart, which runc 1.1 runs during create (status created) and jbox after the program was
# executed (status running), as the spec and runc since opencontainers/runc#5186 do
mkdir -p "$tmp/h/out"
"$src/scripts/mkrootfs" "$tmp/h/rootfs" >/dev/null
mkdir -p "$tmp/h/rootfs/out" && touch "$tmp/h/rootfs/HOOKS-ROOTFS"
(cd "$tmp/h" && "$oci" spec)
python3 - "$tmp/h" <<'PY'
import json, sys
d = sys.argv[1]; f = d + "/config.json"; c = json.load(open(f))
c["process"]["args"] = ["sh", "-c", 'echo "process mnt=$(readlink /proc/self/ns/mnt)" >> /out/hooks.log; exec sleep 3600']
c["process"]["terminal"] = False
c["mounts"].append({"destination": "/out", "type": "bind", "source": d + "/out", "options": ["rbind"]})
hook = "\n".join(["kind=$1; log=$2; read -r state", "exec 3< /proc/self/cmdline; a0=$(tr '\\0' '\\n' <&3 | head -n 1)",
  "st=$(echo \"$state\" | grep -o '\"status\": *\"[a-z]*\"' | grep -o '[a-z]*\"$' | tr -d '\"')",
  "pid=$(echo \"$state\" | grep -o '\"pid\": *[0-9]*' | grep -o '[0-9]*$')",
  "root=host; [ -e /HOOKS-ROOTFS ] && root=container",
  "echo \"$kind argv0=$a0 status=$st pid=${pid:-none} mnt=$(readlink /proc/self/ns/mnt) root=$root\" >> \"$log\""])
c["hooks"] = {}
for k in ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]:
  inside = k == "startContainer"
  c["hooks"][k] = [{"path": "/bin/busybox" if inside else "/bin/sh", "env": ["PATH=/usr/bin:/bin"],
    "args": ["sh" if inside else "hook-" + k, "-c", hook, "hook", k, "/out/hooks.log" if inside else d + "/out/hooks.log"]}]
json.dump(c, open(f, "w"))
PY
hooks_lifecycle() { # RUNTIME...: the normalised log of create, start, kill, delete
  local log=$tmp/h/out/hooks.log root=$tmp/hooks-root pid i
  rm -f "$log"
  "$@" --root "$root" create -b "$tmp/h" hk >/dev/null 2>&1 || echo "create failed"
  echo "-- create returned" >> "$log"
  pid=$("$@" --root "$root" state hk | grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$')
  "$@" --root "$root" start hk >/dev/null 2>&1 || echo "start failed"
  echo "-- start returned" >> "$log"
  for i in $(seq 600); do grep -q '^process' "$log" && break; sleep 0.1; done
  "$@" --root "$root" kill hk KILL
  for i in $(seq 600); do "$@" --root "$root" state hk | grep -q '"stopped"' && break; sleep 0.1; done
  "$@" --root "$root" delete hk || echo "delete failed"
  echo "-- delete returned" >> "$log"
  local ctr host
  ctr=$(sed -n 's/^process mnt=//p' "$log" | tr -dc 0-9) host=$(readlink /proc/self/ns/mnt | tr -dc 0-9)
  sed -e "s/mnt=mnt:\[$host\]/mnt=caller's/" -e "s/mnt=mnt:\[$ctr\]/mnt=container's/" -e "s/ pid=$pid / pid=init /" "$log" | grep -v '^process'
}
hooks_lifecycle runc > "$tmp/hooks.runc"
hooks_lifecycle "$oci" > "$tmp/hooks.jbox"
d=$(diff <(grep -v '^poststart' "$tmp/hooks.runc") <(grep -v '^poststart' "$tmp/hooks.jbox"))
[ -n "$(grep -c . "$tmp/hooks.runc")" ] && [ "$(grep -c '^[a-zA-Z]* argv0' "$tmp/hooks.runc")" = 6 ]
check "runc ran every kind of hook (reference)" $? "$(cat "$tmp/hooks.runc")"
[ -z "$d" ]; check "hooks as root: same order and observations as runc" $? "$d"
ps_r=$(grep '^poststart' "$tmp/hooks.runc" | sed 's/ status=created / status=S /') ps_j=$(grep '^poststart' "$tmp/hooks.jbox" | sed 's/ status=running / status=S /')
[ "$ps_r" = "$ps_j" ] && sed -n '/^startContainer/,/^-- start returned/p' "$tmp/hooks.jbox" | grep -q '^poststart'
check "poststart as runc's but after the program was executed" $? "runc: $ps_r; jbox: $ps_j"
[ -z "$(ls -A "$tmp/hooks-root" 2>/dev/null)" ]; check "hooks: nothing left in --root" $? "$(ls -A "$tmp/hooks-root")"

# ---- containerd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/reg"
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$tmp/reg" "$port" > "$tmp/reg.yml"
docker-registry serve "$tmp/reg.yml" >"$tmp/reg.log" 2>&1 & reg_pid=$!
cat > "$tmp/containerd.toml" <<T
version = 2
root = "$tmp/ctd/root"
state = "$tmp/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/ctd/c.sock"
T
containerd --config "$tmp/containerd.toml" >"$tmp/containerd.log" 2>&1 & ctd_pid=$!
ctr="ctr -a $tmp/ctd/c.sock"
for i in $(seq 300); do $ctr version >/dev/null 2>&1 && curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
tar -C "$tmp/b/rootfs" -cf "$tmp/rootfs.tar" .
img=127.0.0.1:$port/test/jbox-oci:1
podman import -q "$tmp/rootfs.tar" localhost/jbox-oci-test:1 >/dev/null &&
  podman push -q --tls-verify=false localhost/jbox-oci-test:1 "$img" >/dev/null 2>"$tmp/push.err"
check "image pushed to the loopback registry" $? "$(cat "$tmp/push.err")"
$ctr image pull --plain-http "$img" >/dev/null 2>"$tmp/pull.err"; check "ctr pulls it" $? "$(cat "$tmp/pull.err")"
out=$($ctr run --rm --runc-binary "$oci" "$img" c1 sh -c 'echo hello from c1; exit 4' 2>&1); rc=$?
[ $rc = 4 ] && [ "$out" = "hello from c1" ]; check "ctr run: output and exit code come back" $? "exit $rc: $out"
$ctr run -d --runc-binary "$oci" "$img" c2 sleep 100 >/dev/null 2>&1
out=$($ctr task exec --exec-id e1 c2 sh -c 'echo exec in $(cat /proc/1/cmdline | tr "\\0" " "); exit 6' 2>&1); rc=$?
[ $rc = 6 ] && [ "${out% }" = "exec in sleep 100" ]; check "ctr task exec" $? "exit $rc: $out"
$ctr task kill -s KILL c2 >/dev/null 2>&1
for i in $(seq 600); do $ctr task ls | grep -q 'c2.*STOPPED' && break; sleep 0.1; done
$ctr task rm c2 >/dev/null 2>&1 && $ctr container rm c2 >/dev/null 2>&1; check "ctr task kill and rm" $? "$($ctr task ls)"
left=$($ctr task ls -q; ls -A "$tmp/ctd/state/io.containerd.runtime.v2.task/default" 2>/dev/null)
[ -z "$left" ]; check "nothing left running" $? "$left"

echo "oci-root: $pass passed, $fail failed"
[ $fail = 0 ]
