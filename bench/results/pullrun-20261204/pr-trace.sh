#!/bin/bash
# usage: pr-trace.sh N OUT ARGS... ; interleaves A=/var/tmp/pr-A and B=/work/wt-pullrun
n=$1 out=$2; shift 2
: > $out
for ((i=0;i<n;i++)); do
  for v in ${ORDER:-A B}; do
    [ $v = A ] && j=/var/tmp/pr-A/packaging/jbox || j=/work/wt-pullrun/packaging/jbox
    JBOX_TRACE=1 $j "$@" 2>&1 >/dev/null | awk -v v=$v '$1=="jbox-trace"{print v, $2, $3}' >> $out
  done
done
