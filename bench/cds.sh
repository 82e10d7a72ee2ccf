#!/bin/sh
# bench/cds.sh: build the AppCDS archive the launcher uses (bench/launcher-cds.patch) for jbox's run
# path: a training `jbox run` with -XX:ArchiveClassesAtExit writes a dynamic archive (JDK >= 13) of
# every class the JVM loaded beyond the JDK's default CDS archive (jbox's own classes, the NIO and
# collection classes the plan needs, lambda proxies). Measured gain: about 20 ms per `jbox run`
# (bench/README.md).
#
#   bench/cds.sh [ARCHIVE]          default ARCHIVE: target/jbox.jsa beside target/jbox.jar
#
# Run it as a user with /etc/subuid and /etc/subgid ranges (the plan reads them; as root the JVM
# stops early and the archive misses the plan's classes), after every `mvn package`: the JVM checks
# the jar's size and mtime and silently ignores an archive from another build or another JDK.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
jar=${JBOX_CLASSPATH:-$repo/target/jbox.jar}
archive=${1:-${jar%.jar}.jsa}
[ -f "$jar" ] || { echo "cds: $jar not found (mvn -DskipTests package)" >&2; exit 1; }
command -v busybox >/dev/null || { echo "cds: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$repo/scripts/mkrootfs" "$tmp/rootfs" >/dev/null
rm -f "$archive" "$archive.tmp"
# The sandbox itself may fail (no subordinate ids, no user namespaces); the archive is written when
# the JVM exits, after it has built and handed over the plan, and that is the part we train.
JBOX_CLASSPATH=$jar JBOX_CDS=0 \
JBOX_JAVA_OPTS="-XX:ArchiveClassesAtExit=$archive.tmp -Xlog:cds=off,cds+dynamic=off" \
  "$repo/packaging/jbox" run --rootfs "$tmp/rootfs" --network=none true >/dev/null 2>"$tmp/err" \
  || { echo "cds: warning: the training run failed (archive may miss classes):" >&2; cat "$tmp/err" >&2; }
[ -s "$archive.tmp" ] || { echo "cds: no archive written" >&2; exit 1; }
chmod 0644 "$archive.tmp"
mv -f "$archive.tmp" "$archive"
echo "$archive"
