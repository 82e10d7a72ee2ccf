#!/bin/bash
# pr-pullab.sh RUNS JSON NAME=CMD...  (CMD run through as-user, after fresh-fs); registry from bench/pull.sh's data
runs=$1 json=$2; shift 2
w=/var/tmp/jbox-bench-pull
docker-registry serve $w/registry/config.yml > /tmp/pr-reg.log 2>&1 & rp=$!
trap 'kill $rp' EXIT
for _ in $(seq 50); do curl -fs http://127.0.0.1:53439/v2/ >/dev/null && break; sleep 0.1; done
args=()
for nc in "$@"; do args+=(-n "${nc%%=*}" "$w/as-user ${nc#*=}"); done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
nice -n -5 hyperfine --runs $runs --style basic --prepare $w/fresh-fs --export-json $json "${args[@]}" 2>&1 | grep -E 'Benchmark|Time|Range'
jq -r '.results[] | "\(.command)  median \(.median|.*100|round/100) s  cpu \((.user+.system)|.*100|round/100) s (user \(.user|.*100|round/100) sys \(.system|.*100|round/100))"' $json
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
