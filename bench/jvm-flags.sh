#!/bin/bash
# bench/jvm-flags.sh: interleaved A/B timing of `jbox run --rootfs DIR --network=none true` under
# different JVM options or jars. Variants run round-robin (A B C A B C ...), so drift and noise from
# other load on the machine hit every variant alike; hyperfine runs them one after another instead.
# Run as the unprivileged user (e.g. `runuser -u jboxtest -- bench/jvm-flags.sh ...`).
#
#   bench/jvm-flags.sh [-n ROUNDS] [-t] ROOTFS 'NAME|CLASSPATH|JAVA OPTS' ...
#
# CLASSPATH empty = the build tree's jar. -t: also collect JBOX_TRACE phases, and print the median
# of each phase's timestamp per variant (ms since the helper started).
set -euo pipefail
rounds=30 trace=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) rounds=$2; shift 2 ;;
    -t) trace=1; shift ;;
    *) break ;;
  esac
done
[ "$rounds" -ge 1 ] && [ "$rounds" -le 500 ] || { echo "jvm-flags: -n must be 1..500" >&2; exit 2; }
rootfs=${1:?usage: jvm-flags.sh [-n ROUNDS] [-t] ROOTFS 'NAME|CLASSPATH|OPTS' ...}; shift
[ $# -ge 1 ] || { echo "jvm-flags: no variants" >&2; exit 2; }
jbox=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)/packaging/jbox
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_one() { # INDEX NAME CP OPTS ROUND
  local i=$1 cp=$3 opts=$4 r=$5 t0 t1
  local -a envs=("JBOX_JAVA_OPTS=$opts")
  [ -n "$cp" ] && envs+=("JBOX_CLASSPATH=$cp")
  [ -n "$trace" ] && envs+=("JBOX_TRACE=1")
  t0=$EPOCHREALTIME
  env "${envs[@]}" "$jbox" run --rootfs "$rootfs" --network=none true >/dev/null 2>"$out/err" \
    || { echo "jvm-flags: variant $2 failed:" >&2; cat "$out/err" >&2; exit 1; }
  t1=$EPOCHREALTIME
  echo "$(( (${t1/./} - ${t0/./}) ))" >> "$out/wall.$i"
  [ -n "$trace" ] && awk -v r="$r" '$1=="jbox-trace" {print r, $2, $3}' "$out/err" >> "$out/trace.$i"
  return 0
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

n=$#
declare -a names cps optss
i=0
for spec in "$@"; do
  IFS='|' read -r names[i] cps[i] optss[i] <<< "$spec"
  i=$((i + 1))
done
# one untimed warm-up round (page cache, the dynamic archive's first mapping)
for ((i = 0; i < n; i++)); do run_one "$i" "${names[i]}" "${cps[i]}" "${optss[i]}" w; done
rm -f "$out"/wall.* "$out"/trace.*
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < n; i++)); do run_one "$i" "${names[i]}" "${cps[i]}" "${optss[i]}" "$r"; done
done

printf '%-22s %9s %9s %9s   %s\n' variant "median ms" "p25" "p75" "options"
for ((i = 0; i < n; i++)); do
  sort -n "$out/wall.$i" | awk -v name="${names[i]}" -v o="${optss[i]}${cps[i]:+ cp=${cps[i]}}" '{a[NR]=$1}
    END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; q1 = a[int(NR/4)+1]; q3 = a[int(3*NR/4)+1];
         printf "%-22s %9.2f %9.2f %9.2f   %s\n", name, m/1000, q1/1000, q3/1000, o}'
done
if [ -n "$trace" ]; then
  echo
  # every phase any variant reported, in order of its mean timestamp
  phases=$(cat "$out"/trace.* | awk '{s[$2]+=$3; c[$2]++} END {for (p in s) print s[p]/c[p], p}' | sort -n | awk '{print $2}')
  printf '%-22s' phase; for ((i = 0; i < n; i++)); do printf ' %12s' "${names[i]:0:12}"; done; echo
  for p in $phases; do
    printf '%-22s' "$p"
    for ((i = 0; i < n; i++)); do
      m=$(awk -v p="$p" '$2==p {print $3}' "$out/trace.$i" | median)
      awk -v m="$m" 'BEGIN { if (m == "nan") printf " %12s", "-"; else printf " %12.2f", m/1000 }'
    done
    echo
  done
fi
