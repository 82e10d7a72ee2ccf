#!/usr/bin/env python3
"""bench/ab-pairs.py: old and new side by side in interleaved pairs (A B, B A, A B, ...), for a
machine whose load drifts within a hyperfine run (hyperfine runs all of one command, then all of
the next). Each run is preceded by PREPARE (not timed). Prints each command's median wall time
and the median of the per-pair ratios new/old.

  bench/ab-pairs.py PAIRS PREPARE OLD_CMD NEW_CMD   (commands as single shell-free strings)
"""
import shlex, statistics, subprocess, sys, time

pairs, prepare, old, new = int(sys.argv[1]), sys.argv[2], shlex.split(sys.argv[3]), shlex.split(sys.argv[4])

def once(cmd):
    subprocess.run([prepare], check=True)
    t = time.perf_counter()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} exited {r.returncode}")
    return d * 1000

for _ in range(3):  # warmup
    once(old), once(new)
a, b, ratios = [], [], []
for i in range(pairs):
    if i % 2:
        y = once(new); x = once(old)
    else:
        x = once(old); y = once(new)
    a.append(x), b.append(y), ratios.append(y / x)
print(f"old median {statistics.median(a):.2f} ms, new median {statistics.median(b):.2f} ms, "
      f"median of pair ratios new/old {statistics.median(ratios):.3f} ({pairs} pairs)")
