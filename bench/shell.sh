#!/bin/bash
# bench/shell.sh: `jbox shell -- true` (and with --network=none) side by side with the equivalent
# bubblewrap and rootless podman (keep-id, the project bound at its path) in one hyperfine run,
# the load before and after in shell-load.txt, then joining a running
# project sandbox (`jbox shell -- true` while one is open). Run as root on Debian 12; everything
# runs as BENCH_USER. The podman image is the bench's busybox rootfs, `podman import`ed (never a
# registry).
#
#   sudo bench/shell.sh [RESULTS_DIR]
#
# The join row runs `jbox shell -- true` from the project's directory as a user types it (the
# launcher joins without a JVM, helpers/shell_join.c) beside the JVM's join of the same
# (JBOX_SHELL_NO_FAST=1, started through env) and bwrap. The first run also has the launcher's own
# start of a new sandbox (the default, rows jbox-shell-launcher and -launcher-nonet) beside the
# JVM's start of the same (JBOX_PRESTART=0).
#
# Environment: BENCH_USER (default jboxtest), BENCH_RUNS (default 30), BENCH_WARMUP (default 3),
# BENCH_DIR (default /var/tmp/jbox-bench), BENCH_NO_APT=1, BENCH_NO_BUILD=1 (see run-start.sh),
# BENCH_JOIN_ONLY=1 (only the join row), BENCH_PRESTART_BEFORE=TREE (a third run: the prepared
# start's recording and check under JBOX_PRESTART=1, this tree against TREE, another build, and
# this tree with JBOX_PRESTART=0: what keeping it costs the JVM's start), BENCH_PRESTART_COST=1 (a
# fourth run: the JVM's start with the prepared start kept, the default, against JBOX_PRESTART=0).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bench=shell prefix=shell-
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
id "$user" >/dev/null 2>&1 || die "no user $user"

# shellcheck source=bench/common.sh
. "$here/common.sh"

proj=$work/shell-project
install -d -o "$user" -m 0755 "$proj" "$proj/.git" "$proj/.git/hooks"
image=localhost/jbox-bench-busybox:latest
if ! as_user $podman image exists "$image"; then
  tar -C "$rootfs" -c . | as_user $podman import - "$image" >/dev/null
fi
as_user $podman run --rm --userns=keep-id -v "$proj:$proj" "$image" true \
  || die "podman run --userns=keep-id fails here"

if [ -z "${BENCH_JOIN_ONLY:-}" ]; then
echo; echo "== 1. jbox shell -- true against bwrap and podman keep-id: warmup $warmup, $runs runs each"
# a second project for the --network=none row (bwrap's --unshare-all has no network either), so
# that each row removes its own project's ended sandbox as a user's next shell does
proj2=$work/shell-project-nonet
install -d -o "$user" -m 0755 "$proj2" "$proj2/.git"
# the launcher's own start (the default, helpers/shell_start.c) in projects of its own, beside the
# JVM's start (JBOX_PRESTART=0, as before the launcher started) in the first two: each
# run is the next shell after the project's sandbox ended; the first two starts of a project go
# through the JVM (the second keeps the prepared start), which is checked before the run
proj3=$work/shell-project-launcher proj4=$work/shell-project-launcher-nonet proj5=$work/shell-project-direct
install -d -o "$user" -m 0755 "$proj3" "$proj3/.git" "$proj4" "$proj4/.git" "$proj5" "$proj5/.git"
# the installed shape: /usr/bin/jbox is a symlink to the helper, no shell script in between
direct=$work/bin-direct/jbox
mkdir -p "$work/bin-direct"
ln -sfn "$repo/helpers/build/jbox-helper" "$direct"
for p in "$proj3" "$proj4 --network=none" "$proj5"; do
  j=$jbox; [ "$p" = "$proj5" ] && j=$direct
  # shellcheck disable=SC2086
  for _ in 1 2 3; do as_user env JBOX_TRACE=1 "$j" shell --project $p -- true 2>"$results/launcher-check.txt"; done
  grep -q 'jbox-trace shell-start ' "$results/launcher-check.txt" || { cat "$results/launcher-check.txt"; die "the launcher does not start $p"; }
done
echo "load: $(uptime)" | tee "$results/shell-load.txt"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
  --export-json "$results/shell.json" --export-csv "$results/shell.csv" \
  -n jbox-shell "env JBOX_PRESTART=0 $jbox shell --project $proj -- true" \
  -n jbox-shell-launcher "$jbox shell --project $proj3 -- true" \
  -n jbox-shell-nonet "env JBOX_PRESTART=0 $jbox shell --project $proj2 --network=none -- true" \
  -n jbox-shell-launcher-nonet "$jbox shell --project $proj4 --network=none -- true" \
  -n jbox-shell-launcher-direct "$direct shell --project $proj5 -- true" \
  -n bwrap "bwrap --ro-bind / / --bind $proj $proj --dev /dev --proc /proc --unshare-all true" \
  -n podman "$podman run --rm --userns=keep-id -v $proj:$proj $image true" \
  > "$results/shell.txt" 2>&1 || { cat "$results/shell.txt"; die "hyperfine failed"; }
echo "load: $(uptime)" | tee -a "$results/shell-load.txt"
fi

echo; echo "== 2. joining the running project sandbox: jbox shell -- true while one is open"
as_user "$jbox" shell --project "$proj" -- sleep 600 >/dev/null 2>&1 &
opener=$!
for _ in $(seq 100); do as_user "$jbox" ps --filter name=shell-project -q 2>/dev/null | grep -q . && break; sleep 0.1; done
echo "load: $(uptime)" | tee "$results/join-load.txt"
(cd "$proj" && as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
  --export-json "$results/join.json" --export-csv "$results/join.csv" \
  -n jbox-shell-join "$jbox shell -- true" \
  -n jbox-shell-join-jvm "env JBOX_SHELL_NO_FAST=1 $jbox shell -- true" \
  -n bwrap "bwrap --ro-bind / / --bind $proj $proj --dev /dev --proc /proc --unshare-all true" \
  > "$results/join.txt" 2>&1) || { cat "$results/join.txt"; kill "$opener"; die "hyperfine failed"; }
echo "load: $(uptime)" | tee -a "$results/join-load.txt"
kill "$opener" 2>/dev/null || true  # runuser passes SIGTERM on to jbox, which passes it to the sandbox
wait "$opener" 2>/dev/null || true

if [ -n "${BENCH_PRESTART_BEFORE:-}" ]; then
  # 3. the prepared start's first part (helpers/prestart.c): every shell records its KEY and a new
  # project sandbox's is kept; the launcher re-checks it before the JVM starts. A/B in one run:
  # BENCH_PRESTART_BEFORE is a built tree without it (its helpers/build/jbox-helper and
  # target/jbox.jar), each row in a project of its own whose sandbox ended (the warmup makes the KEY)
  # (JBOX_PRESTART=1 before, check after: the JVM starts and keeps the KEY and the templates), and this tree
  # with JBOX_PRESTART=0, the JVM start without them
  echo; echo "== 3. the prepared start's recording and check: before/after/off in one run, beside bwrap"
  before=$BENCH_PRESTART_BEFORE/helpers/build/jbox-helper
  pa=$work/shell-project-pa pb=$work/shell-project-pb pc=$work/shell-project-pc
  install -d -o "$user" -m 0755 "$pa" "$pa/.git" "$pb" "$pb/.git" "$pc" "$pc/.git"
  echo "load: $(uptime)" | tee "$results/prestart-load.txt"
  as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
    --export-json "$results/prestart.json" --export-csv "$results/prestart.csv" \
    -n jbox-shell-before "env JBOX_PRESTART=1 JBOX_HOME=$BENCH_PRESTART_BEFORE $before jbox shell --project $pa --network=none -- true" \
    -n jbox-shell-after "env JBOX_PRESTART=check $jbox shell --project $pb --network=none -- true" \
    -n jbox-shell-off "env JBOX_PRESTART=0 $jbox shell --project $pc --network=none -- true" \
    -n bwrap "bwrap --ro-bind / / --bind $pb $pb --dev /dev --proc /proc --unshare-all true" \
    > "$results/prestart.txt" 2>&1 || { cat "$results/prestart.txt"; die "hyperfine failed"; }
  echo "load: $(uptime)" | tee -a "$results/prestart-load.txt"
  awk -F, '{m[$1]=$4} END {printf "ratio after/before %.3f   after/off %.3f   after/bwrap %.1f   before/bwrap %.1f   off/bwrap %.1f\n", m["jbox-shell-after"]/m["jbox-shell-before"], m["jbox-shell-after"]/m["jbox-shell-off"], m["jbox-shell-after"]/m["bwrap"], m["jbox-shell-before"]/m["bwrap"], m["jbox-shell-off"]/m["bwrap"]}' "$results/prestart.csv" \
    | tee "$results/prestart-table.txt"
fi

if [ -n "${BENCH_PRESTART_COST:-}" ]; then
  # 4. what keeping the prepared start costs the JVM's start (the default since the launcher
  # starts from it): JBOX_PRESTART on (the default) against 0, for a start after a policy change
  # (the project's toml rewritten before each run: the KEY is stale, the JVM starts and records)
  # and for a start that makes the project's home layer again (--reset before each run)
  echo; echo "== 4. the JVM's start with and without keeping the prepared start"
  for p in on off fon foff; do
    install -d -o "$user" -m 0755 "$work/cost-$p" "$work/cost-$p/.git" "$work/cost-$p/.jbox"
    as_user sh -c "echo '# x' > $work/cost-$p/.jbox/shell.toml"
  done
  echo "load: $(uptime)" | tee "$results/cost-load.txt"
  as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
    --export-json "$results/cost.json" --export-csv "$results/cost.csv" \
    --prepare "sh -c 'echo \# \$\$ > $work/cost-on/.jbox/shell.toml'" -n policy-changed-on "$jbox shell --project $work/cost-on -- true" \
    --prepare "sh -c 'echo \# \$\$ > $work/cost-off/.jbox/shell.toml'" -n policy-changed-off "env JBOX_PRESTART=0 $jbox shell --project $work/cost-off -- true" \
    --prepare "env JBOX_PRESTART=0 $jbox shell --project $work/cost-fon --reset" -n first-start-on "$jbox shell --project $work/cost-fon -- true" \
    --prepare "env JBOX_PRESTART=0 $jbox shell --project $work/cost-foff --reset" -n first-start-off "env JBOX_PRESTART=0 $jbox shell --project $work/cost-foff -- true" \
    > "$results/cost.txt" 2>&1 || { cat "$results/cost.txt"; die "hyperfine failed"; }
  echo "load: $(uptime)" | tee -a "$results/cost-load.txt"
  awk -F, '{m[$1]=$4; u[$1]=$5} END {printf "policy changed: on/off %.3f (user CPU %+.1f ms)   first start: on/off %.3f (user CPU %+.1f ms)\n", m["policy-changed-on"]/m["policy-changed-off"], (u["policy-changed-on"]-u["policy-changed-off"])*1000, m["first-start-on"]/m["first-start-off"], (u["first-start-on"]-u["first-start-off"])*1000}' "$results/cost.csv" \
    | tee "$results/cost-table.txt"
fi

{
  csvs="$results/join.csv"
  [ -z "${BENCH_JOIN_ONLY:-}" ] && csvs="$results/shell.csv $csvs"
  # shellcheck disable=SC2086
  awk -F, '$1!="command" {printf "%-20s median %8.2f ms\n", $1, $4*1000}' $csvs
  [ -z "${BENCH_JOIN_ONLY:-}" ] && awk -F, '{m[$1]=$4} END {printf "ratio jbox-shell/bwrap %.1f   jbox-shell/podman %.2f   nonet/bwrap %.1f\n", m["jbox-shell"]/m["bwrap"], m["jbox-shell"]/m["podman"], m["jbox-shell-nonet"]/m["bwrap"]}' "$results/shell.csv"
  [ -z "${BENCH_JOIN_ONLY:-}" ] && awk -F, '{m[$1]=$4} END {printf "ratio launcher/bwrap %.1f   launcher/podman %.2f   launcher/jvm %.3f   launcher-nonet/bwrap %.1f   launcher-nonet/jvm-nonet %.3f\n", m["jbox-shell-launcher"]/m["bwrap"], m["jbox-shell-launcher"]/m["podman"], m["jbox-shell-launcher"]/m["jbox-shell"], m["jbox-shell-launcher-nonet"]/m["bwrap"], m["jbox-shell-launcher-nonet"]/m["jbox-shell-nonet"]}' "$results/shell.csv"
  [ -z "${BENCH_JOIN_ONLY:-}" ] && awk -F, '{m[$1]=$4} END {printf "ratio launcher-direct (installed shape)/bwrap %.1f   /podman %.2f\n", m["jbox-shell-launcher-direct"]/m["bwrap"], m["jbox-shell-launcher-direct"]/m["podman"]}' "$results/shell.csv"
  awk -F, '{m[$1]=$4} END {printf "ratio join/join-jvm %.3f   join/bwrap %.2f\n", m["jbox-shell-join"]/m["jbox-shell-join-jvm"], m["jbox-shell-join"]/m["bwrap"]}' "$results/join.csv"
} | tee "$results/shell-table.txt"
