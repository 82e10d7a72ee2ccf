#!/bin/bash
# pcpu-inter.sh ROUNDS OUTDIR NAME=CMD...: ROUNDS hyperfine runs, each 1 run of every CMD (order alternating), through as-user after fresh-fs
rounds=$1 out=$2; shift 2; mkdir -p $out
w=/var/tmp/jbox-bench-pull
addr=$(sed -n 's/^ *addr: //p' $w/registry/config.yml)
docker-registry serve $w/registry/config.yml > /tmp/pullcpu-reg.log 2>&1 & rp=$!
trap 'kill $rp' EXIT
for _ in $(seq 50); do curl -fs http://$addr/v2/ >/dev/null && break; sleep 0.1; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee $out/load.txt
for r in $(seq $rounds); do
  args=(); list=("$@"); [ $((r % 2)) = 0 ] && mapfile -t list < <(printf '%s\n' "$@" | tac)
  for nc in "${list[@]}"; do args+=(-n "${nc%%=*}" "$w/as-user ${nc#*=}"); done
  hyperfine --runs 1 --style none --prepare $w/fresh-fs --export-json $out/r$r.json "${args[@]}" >/dev/null 2>&1
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $out/load.txt
jq -s -r '[.[].results[]] | group_by(.command) | .[] | "\(.[0].command)  n=\(length)  cpu mean \((map(.user+.system)|add/length)*1000|round) ms  median \((map(.user+.system)|sort|.[length/2|floor])*1000|round) ms  wall median \((map(.median)|sort|.[length/2|floor])*1000|round) ms"' $out/r*.json | tee $out/summary.txt
