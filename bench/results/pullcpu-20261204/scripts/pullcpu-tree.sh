#!/bin/bash
# pullcpu-tree.sh JBOX OUT: pulls into a fresh fs with JBOX, lists the layer tree (owner in the user namespace, mode, type, size, mtime, link target, xattrs, content hash)
IMG=127.0.0.1:41275/bench/debian:bookworm; w=/var/tmp/jbox-bench-pull
$w/fresh-fs
$w/as-user $1 pull -q $IMG >/dev/null 2>&1 || { echo pull failed; exit 1; }
$w/as-user $1 unshare sh -c 'cd $JBOX_STORAGE && d=$(dirname $(find . -name usr -maxdepth 4 -type d | head -1)) && cd $d && find . -printf "%u:%g %m %y %s %T@ %l %p\n" | sort -k7 && getfattr -R -d -m - . 2>/dev/null | sort && find . -type f -exec sha256sum {} + | sort -k2' > $2
wc -l $2
