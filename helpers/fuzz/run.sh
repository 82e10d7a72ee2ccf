#!/bin/bash
# run.sh SECONDS FUZZER...: runs each libFuzzer target for SECONDS on a scratch copy of its seed
# corpus (fuzz/corpus/NAME, never written to) and fails on the first crash, leak, UB or timeout,
# printing the report and where the input that caused it was saved (build/fuzz/NAME-crash-...).
set -uo pipefail
secs=$1
shift
cd "$(dirname "$0")/.."
for f in "$@"; do
  n=${f##*/}
  work=build/fuzz/work/$n
  rm -rf "$work"
  mkdir -p "$work"
  log=build/fuzz/$n.log
  "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/$n-" "$work" "fuzz/corpus/$n" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ $rc -ne 0 ]; then
    echo "== $n: FAILED after ${runs:-?} runs (exit $rc); the report:" >&2
    sed -n '/ERROR: \|runtime error\|deadly signal\|Test unit written/,$p' "$log" | grep -v '^#[0-9]' | head -40 >&2
    exit 1
  fi
  echo "== $n: ${runs:-?} runs in $secs s, $(ls "$work" | wc -l) new inputs, no finding"
done
