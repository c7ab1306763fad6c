#!/usr/bin/env bash
# Paired timing of two synack checkouts on one capture.
#
#   bench/paired.sh CAPTURE ROUNDS DIR_A DIR_B [synack analyze options...]
#
# Both builds run at the same time, each pinned to its own core (taskset), and swap cores every
# round: both see the same slow spells of a noisy host, where sequential runs of one build differed
# by 40 % minutes apart. Use an even number of rounds (two vCPUs need not be equally fast). Prints,
# per build, the fastest and the median wall time, CPU time and peak RSS. Needs 2 cores, taskset
# and GNU time (/usr/bin/time).
set -euo pipefail
if [ $# -lt 4 ]; then sed -n '2,10p' "$0"; exit 2; fi
cap=$1; rounds=$2; a=$3; b=$4; shift 4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 0 ]; then ca=0; cb=1; else ca=1; cb=0; fi
  ( /usr/bin/time -f "A %e %U %S %M" taskset -c $ca node "$a/bin/synack.js" analyze "$@" "$cap" > /dev/null ) 2>> "$out" &
  ( /usr/bin/time -f "B %e %U %S %M" taskset -c $cb node "$b/bin/synack.js" analyze "$@" "$cap" > /dev/null ) 2>> "$out" &
  wait
done
python3 - "$out" "$a" "$b" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 5 and p[0] in ('A', 'B'):
        rows.setdefault(p[0], []).append((float(p[1]), float(p[2]) + float(p[3]), int(p[4])))
for k, name in (('A', sys.argv[2]), ('B', sys.argv[3])):
    v = rows.get(k, [])
    if not v: print(f'{name}: no run finished'); continue
    w = sorted(x[0] for x in v); c = sorted(x[1] for x in v); m = sorted(x[2] for x in v)
    print(f'{name}: n={len(v)} wall min {w[0]:.2f} s, median {statistics.median(w):.2f} s | '
          f'CPU min {c[0]:.2f} s, median {statistics.median(c):.2f} s | peak RSS median {statistics.median(m) / 1024:.0f} MB')
PY
