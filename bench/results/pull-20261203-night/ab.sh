#!/bin/bash
# usage: ab.sh OUT RUNS NAME=JBOXPATH[|ENV=V ...] ...   hyperfine of jbox pulls, fresh fs before each
set -u
w=/var/tmp/jbox-bench-pull
port=$(sed -n "s/^ *addr: 127.0.0.1://p" $w/registry/config.yml)
out=$1; runs=$2; shift 2
docker-registry serve $w/registry/config.yml >/dev/null 2>&1 &
rp=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:$port/v2/ >/dev/null && break; sleep 0.1; done
args=()
for v in "$@"; do
  n=${v%%=*}; rest=${v#*=}; j=${rest%%|*}; envs=""
  [ "$rest" != "$j" ] && envs=${rest#*|}
  args+=(-n "$n" "runuser -u jboxpull -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/jboxpull USER=jboxpull LANG=C.UTF-8 XDG_RUNTIME_DIR=/run/user/1003 JBOX_STORAGE=$w/user/fs/jbox-store JBOX_REGISTRIES_CONF=$w/user/registries.conf $envs $j pull -q 127.0.0.1:$port/bench/debian:bookworm")
done
echo "load: $(cat /proc/loadavg)"
nice -n -5 hyperfine --runs "$runs" --style basic --prepare $w/fresh-fs --export-json "$out.json" "${args[@]}" 2>&1 | grep -v "^ *$"
echo "load after: $(cat /proc/loadavg)"
jq -r '.results[] | "\(.command)  median \(.median*1000|floor) ms  cpu \((.user+.system)*1000|floor) ms (user \(.user*1000|floor) sys \(.system*1000|floor))"' "$out.json"
kill $rp
