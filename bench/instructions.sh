#!/usr/bin/env bash
# Instructions executed by `synack analyze` on a capture, per checkout (valgrind's cachegrind, no
# cache model; ~40 s for the bench's 0.1x capture). Deterministic to ~0.2 % between runs, where
# timings on this host drift by 2x: a way to see a change of a few percent. It counts everything
# the process does, V8's compiler and garbage collector included, so it is not time (cache misses
# are not in it): confirm a gain with bench/paired.sh.
#
#   bench/instructions.sh CAPTURE DIR [DIR...]
#
# Needs valgrind (apt-get install valgrind). Node runs with --single-threaded, so the optimizing
# compiler's work is on the counted thread.
set -euo pipefail
if [ $# -lt 2 ]; then sed -n '2,12p' "$0"; exit 2; fi
command -v valgrind > /dev/null || { echo "bench/instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
cap=$1; shift
for d in "$@"; do
  n=$(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
      node --single-threaded "$d/bin/synack.js" analyze "$cap" 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p')
  echo "$d: $n instructions"
done
