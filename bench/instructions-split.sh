#!/usr/bin/env bash
# Where two checkouts' instructions go, side by side: `synack analyze` on one capture under valgrind's
# callgrind, node's --perf-basic-prof naming the JIT's code, each instruction put in a part (optimized
# JavaScript, V8's optimizing compiler, garbage collector, builtins, baseline code, the rest), then
# the functions whose counts differ most. ~1 min per checkout on the bench's 0.1× capture, ~5 on 1×;
# both run at once.
#
#   bench/instructions-split.sh CAPTURE DIR_A DIR_B [TOP]
#
# Read the parts first: on the 0.1× capture in session 9 the gap to session 3 was mostly the compiler
# (deoptimizations, then recompiles), which no function list shows. Function names are those of the
# optimized code object, so a callee V8 inlined counts as its caller's; and V8 reuses code space, so
# when "JS, other" is large some code was named after what sat there first: run again before trusting
# a function's count. Needs valgrind (apt-get install valgrind).
set -euo pipefail
if [ $# -lt 3 ]; then sed -n '2,14p' "$0"; exit 2; fi
command -v valgrind > /dev/null || { echo "bench/instructions-split.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
cap=$1; a=$2; b=$3; top=${4:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # dir tag: callgrind output, and the perf map the process wrote (named by its pid)
  ( cd "$work" && valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file="$work/$2.out" \
      node --single-threaded --perf-basic-prof --no-write-protect-code-memory "$1/bin/synack.js" analyze "$cap" \
      > /dev/null 2> "$work/$2.err" )
  pid=$(sed -n 's/^==\([0-9]*\)==.*/\1/p' "$work/$2.err" | head -1)
  mv "/tmp/perf-$pid.map" "$work/$2.map"
}
cap=$(realpath "$cap"); a=$(realpath "$a"); b=$(realpath "$b")
run "$a" A & run "$b" B & wait
python3 - "$work" "$a" "$b" "$top" <<'PY'
import bisect, collections, re, sys
work, da, db, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def parse(tag):
    ents = []
    for line in open(f'{work}/{tag}.map'):
        addr, size, name = line.rstrip('\n').split(' ', 2)
        ents.append((int(addr, 16), int(size, 16), name))
    ents.sort()
    starts = [e[0] for e in ents]
    cost = collections.Counter()
    names, fn, addr, after_call = {}, '?', 0, False
    for line in open(f'{work}/{tag}.out'):
        c = line[:1]
        if c and c in '0123456789+-*':
            parts = line.split()
            p = parts[0]
            if p.startswith('0x'): addr = int(p, 16)
            elif p[0] in '+-': addr += int(p)
            if after_call: after_call = False; continue  # a call line's cost is the callee's, counted there
            ir = int(parts[2]) if len(parts) > 2 else 0
            i = bisect.bisect_right(starts, addr) - 1
            if i >= 0 and addr < ents[i][0] + ents[i][1]: cost['JS ' + ents[i][2]] += ir
            else: cost['C ' + fn] += ir
        elif line.startswith('fn='):
            m = re.match(r'fn=\((\d+)\)(?: (.*))?', line.strip())
            if m:
                if m.group(2): names[m.group(1)] = m.group(2)
                fn = names.get(m.group(1), '?')
            else: fn = line[3:].strip()
        elif line.startswith('cfn='):
            m = re.match(r'cfn=\((\d+)\)(?: (.*))?', line.strip())
            if m and m.group(2): names[m.group(1)] = m.group(2)
        elif line.startswith('calls='):
            after_call = True
    out = collections.Counter()
    for k, v in cost.items():
        k = re.sub(r'0x[0-9a-f]+', '', k)
        k = re.sub(r'file://\S*?/dist/bundle/synack\.js:\d+:\d+', '', k)
        k = re.sub(r'(node:[\w/]+):\d+:\d+', r'\1', k)
        out[k.strip()] += v
    return out

def part(k):
    if re.search(r'compiler::|maglev|[Tt]urbofan|turboshaft', k): return 'compiler'
    if re.search(r'Scaveng|Mark|Sweep|heap::|Heap::|Evacuat|Marking|BodyDescriptor', k): return 'garbage collector'
    if k.startswith('JS Builtin'): return 'builtins'
    if k.startswith('JS JS:*'): return 'JS, optimized'
    if k.startswith('JS JS:^') or k.startswith('JS JS:+'): return 'JS, baseline'
    if k.startswith('JS '): return 'JS, other'
    return 'the rest (runtime, parser, libc)'

A, B = parse('A'), parse('B')
print(f'{"part":36} {"A":>10} {"B":>10}')
pa, pb = collections.Counter(), collections.Counter()
for k, v in A.items(): pa[part(k)] += v
for k, v in B.items(): pb[part(k)] += v
for k in sorted(set(pa) | set(pb), key=lambda k: -(pa[k] + pb[k])):
    print(f'{k:36} {pa[k] / 1e9:9.2f}G {pb[k] / 1e9:9.2f}G')
print(f'{"total":36} {sum(pa.values()) / 1e9:9.2f}G {sum(pb.values()) / 1e9:9.2f}G')
print(f'\nA = {da}\nB = {db}\n\nfunctions, largest difference first (M instructions):')
for k in sorted(set(A) | set(B), key=lambda k: -abs(A[k] - B[k]))[:top]:
    print(f'{A[k] / 1e6:9.1f} {B[k] / 1e6:9.1f} {(B[k] - A[k]) / 1e6:+9.1f}  {k[:100]}')
PY
