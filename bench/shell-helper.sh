#!/bin/bash
# bench/shell-helper.sh: the helper's own part of starting a new `jbox shell` sandbox, this tree
# against an older built tree (OLD), side by side in one hyperfine run each:
#
#   1. the helper alone: `jbox-helper run-plan PLAN` of the plans a shell start sends (pasta and
#      --network=none, captured once from this tree's jbox through JBOX_DEBUG_PLAN_FILE), old and
#      new helper, beside bwrap. The plan's generated /etc files directory is put back before each
#      run (hyperfine --prepare), as the JVM would have written it.
#   2. the whole `jbox shell [--network=none] -- true` (new project sandbox each time: the ended one
#      is removed by the next start), old and new tree, beside bwrap.
#   3. per-step JBOX_TRACE medians of the helper alone (step 1's plans, 30 runs each).
#
# Run as root on Debian 12; everything runs as BENCH_USER. OLD is a tree built with `mvn package`
# (helpers/build/jbox-helper, target/jbox.jar), e.g. `git worktree add /tmp/old main`.
#
#   sudo bench/shell-helper.sh OLD [RESULTS_DIR]
#
# Environment: as bench/shell.sh (BENCH_USER, BENCH_RUNS default 40, BENCH_WARMUP, BENCH_DIR,
# BENCH_NO_APT=1, BENCH_NO_BUILD=1).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
old=${1:?usage: bench/shell-helper.sh OLD_TREE [RESULTS_DIR]}
old=$(cd "$old" && pwd)
shift
bench=shell-helper prefix=shell-helper- runs_default=40
# shellcheck source=bench/preamble.sh
. "$here/preamble.sh"
id "$user" >/dev/null 2>&1 || die "no user $user"
[ -x "$old/helpers/build/jbox-helper" ] && [ -f "$old/target/jbox.jar" ] || die "$old is not a built tree"
# shellcheck source=bench/common.sh
. "$here/common.sh"

new_helper=$repo/helpers/build/jbox-helper old_helper=$old/helpers/build/jbox-helper
run_dir=/run/user/$(id -u "$user")
keep=$work/shell-helper-files
install -d -o "$user" -m 0700 "$keep"

# --- the plans, and the /etc files directory each one binds --------------------------------------
prep=$results/prepare.sh
printf '#!/bin/sh\n' > "$prep"
for net in pasta none; do
  proj=$work/shell-helper-$net
  install -d -o "$user" -m 0755 "$proj" "$proj/.git" "$proj/.git/hooks"
  plan=$results/plan-$net.bin
  as_user env JBOX_DEBUG_PLAN_FILE="$plan" "$jbox" shell --project "$proj" --network=$net -- true
  files=$(grep -a -o "$run_dir/jbox/files/[0-9a-f]\{64\}" "$plan" | head -1)
  [ -n "$files" ] && [ -d "$files" ] || die "no generated files directory in the $net plan"
  rm -rf "${keep:?}/$net"
  as_user cp -a "$files" "$keep/$net"
  printf '[ -d %s ] || cp -a %s %s\n' "$files" "$keep/$net" "$files" >> "$prep"
done
printf 'exit 0\n' >> "$prep"
chmod 0755 "$prep"
chown "$user" "$prep" "$results"/plan-*.bin

# --- 1. the helper alone -------------------------------------------------------------------------
echo; echo "== 1. the helper alone (run-plan of a shell's plans), old and new: warmup $warmup, $runs runs each"
echo "load: $(uptime)" | tee "$results/helper-load.txt"
bwrap_cmd="bwrap --ro-bind / / --bind $work/shell-helper-none $work/shell-helper-none --dev /dev --proc /proc --unshare-all true"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic --prepare "$prep" \
  --export-json "$results/helper.json" --export-csv "$results/helper.csv" \
  -n helper-none-old "$old_helper run-plan $results/plan-none.bin" \
  -n helper-none-new "$new_helper run-plan $results/plan-none.bin" \
  -n helper-pasta-old "$old_helper run-plan $results/plan-pasta.bin" \
  -n helper-pasta-new "$new_helper run-plan $results/plan-pasta.bin" \
  -n bwrap "$bwrap_cmd" \
  > "$results/helper.txt" 2>&1 || { cat "$results/helper.txt"; die "hyperfine failed"; }
echo "load: $(uptime)" | tee -a "$results/helper-load.txt"

# --- 2. the whole command (both through env and the helper itself, no sh wrapper) ------------------------------------------------------------------------
echo; echo "== 2. jbox shell -- true, a new project sandbox, old and new tree beside bwrap"
pa=$work/shell-helper-wa pb=$work/shell-helper-wb pc=$work/shell-helper-wc pd=$work/shell-helper-wd
install -d -o "$user" -m 0755 "$pa" "$pa/.git" "$pb" "$pb/.git" "$pc" "$pc/.git" "$pd" "$pd/.git"
echo "load: $(uptime)" | tee "$results/whole-load.txt"
as_user hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
  --export-json "$results/whole.json" --export-csv "$results/whole.csv" \
  -n shell-none-old "env JBOX_HOME=$old $old_helper jbox shell --project $pa --network=none -- true" \
  -n shell-none-new "env JBOX_HOME=$repo $new_helper jbox shell --project $pb --network=none -- true" \
  -n shell-pasta-old "env JBOX_HOME=$old $old_helper jbox shell --project $pc -- true" \
  -n shell-pasta-new "env JBOX_HOME=$repo $new_helper jbox shell --project $pd -- true" \
  -n bwrap "bwrap --ro-bind / / --bind $pb $pb --dev /dev --proc /proc --unshare-all true" \
  > "$results/whole.txt" 2>&1 || { cat "$results/whole.txt"; die "hyperfine failed"; }
echo "load: $(uptime)" | tee -a "$results/whole-load.txt"

# --- 3. per-step stamps of the helper alone ------------------------------------------------------
# Stamps come from three processes (monitor, stage 1, the command), so steps are taken between
# stamps both helpers print, from each run's absolute times: start..cloned (includes run-plan's
# sealed re-exec), ..maps-written (id maps), ..mounts-done (stage 1: ids, namespaces, mounts,
# pivot_root; the old helper's pasta wait is in here), ..exec-done (terminal, --init, the
# command's user, seccomp, execve; the new helper's wait for pasta is in here), ..exited (the
# command runs and ends, the sandbox's namespaces go), ..cleaned (network, lock, cleaner).
echo; echo "== 3. JBOX_TRACE steps of the helper alone (medians of 30 runs, microseconds)"
steps() { # HELPER PLAN
  for _ in $(seq 30); do
    as_user "$prep"
    as_user env JBOX_TRACE=1 "$1" run-plan "$2" 2>&1 >/dev/null | awk '$1=="jbox-trace" {print $2, $3}'
    echo END
  done | awk '
    function med(name,   m, a, b, t) {m = n[name]; for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[name, b] < v[name, a]) {t = v[name, a]; v[name, a] = v[name, b]; v[name, b] = t}
      return m ? v[name, int((m + 1) / 2)] : -1}
    function add(name, d) {v[name, ++n[name]] = d}
    $1 == "END" {
      add("1 clone", t["cloned"]); add("2 id maps", t["maps-written"] - t["cloned"])
      add("3 stage 1 to pivot_root", t["mounts-done"] - t["maps-written"]); add("4 to execve", t["exec-done"] - t["mounts-done"])
      add("5 command runs, exits", t["exited"] - t["exec-done"]); add("6 cleanup", t["cleaned"] - t["exited"])
      add("total", t["cleaned"]); if ("network-up" in t) add("network-up at", t["network-up"])
      delete t; next}
    {t[$1] = $2}
    END {k = split("1 clone|2 id maps|3 stage 1 to pivot_root|4 to execve|5 command runs, exits|6 cleanup|total|network-up at", names, "|")
         for (i = 1; i <= k; i++) if (names[i] in n) printf "%s\t%d\n", names[i], med(names[i])}'
}
for net in none pasta; do
  for which in old new; do
    h=$old_helper; [ "$which" = new ] && h=$new_helper
    steps "$h" "$results/plan-$net.bin" > "$results/steps-$net-$which.txt"
  done
  echo "-- $net: step, old, new (us)"
  paste "$results/steps-$net-old.txt" "$results/steps-$net-new.txt" | awk -F'\t' '{printf "%-26s %8s %8s\n", $1, $2, $4}' | tee "$results/steps-$net.txt"
done
echo "load: $(uptime)" | tee "$results/steps-load.txt"

{
  for f in helper whole; do
    awk -F, '$1!="command" {printf "%-18s median %8.2f ms\n", $1, $4*1000}' "$results/$f.csv"
  done
  awk -F, '{m[$1]=$4} END {printf "helper alone: none new/old %.3f, pasta new/old %.3f; new none/bwrap %.1f\n", m["helper-none-new"]/m["helper-none-old"], m["helper-pasta-new"]/m["helper-pasta-old"], m["helper-none-new"]/m["bwrap"]}' "$results/helper.csv"
  awk -F, '{m[$1]=$4} END {printf "whole shell: none new/old %.3f, pasta new/old %.3f; none old/bwrap %.1f new/bwrap %.1f\n", m["shell-none-new"]/m["shell-none-old"], m["shell-pasta-new"]/m["shell-pasta-old"], m["shell-none-old"]/m["bwrap"], m["shell-none-new"]/m["bwrap"]}' "$results/whole.csv"
} | tee "$results/shell-helper-table.txt"
