#!/bin/bash
# pr-hf.sh RUNS JSON ARGS...: hyperfine A (/var/tmp/pr-A) vs B (worktree) on jbox ARGS
runs=$1 json=$2; shift 2
exec hyperfine -N --warmup 5 --runs $runs --style basic --export-json $json -n A "/var/tmp/pr-A/packaging/jbox $*" -n B "/work/wt-pullrun/packaging/jbox $*"
