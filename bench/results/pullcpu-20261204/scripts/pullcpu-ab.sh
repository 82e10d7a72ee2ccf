#!/bin/bash
# pullcpu-ab.sh RUNS JSON NAME=CMD...  (each CMD through as-user, after fresh-fs; the registry of bench/pull.sh's data)
runs=$1 json=$2; shift 2
w=/var/tmp/jbox-bench-pull
addr=$(sed -n 's/^ *addr: //p' $w/registry/config.yml)
docker-registry serve $w/registry/config.yml > /tmp/pullcpu-reg.log 2>&1 & rp=$!
trap 'kill $rp' EXIT
for _ in $(seq 50); do curl -fs http://$addr/v2/ >/dev/null && break; sleep 0.1; done
args=()
for nc in "$@"; do args+=(-n "${nc%%=*}" "$w/as-user ${nc#*=}"); done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --runs $runs --style basic --prepare $w/fresh-fs --export-json $json "${args[@]}" 2>&1 | grep -E 'Benchmark|Time|Range'
jq -r '.results[] | "\(.command)  median \(.median|.*100|round/100) s  cpu \((.user+.system)|.*1000|round/1000) s (user \(.user|.*1000|round/1000) sys \(.system|.*1000|round/1000))"' $json
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
