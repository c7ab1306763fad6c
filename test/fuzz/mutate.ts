/**
 * Mutation operators for the fuzz suites: bit flips, overwrites with interesting values, random runs,
 * truncation, insertion, deletion, splices, and overwrites aimed at header fields (see layout.ts).
 *
 * Every mutation records the lowest offset it touched: bytes before it are the original's, so records
 * wholly before the first damage must come out of the reader unchanged ("keep everything before the
 * damage"). Insertions and deletions only move bytes after their own offset, so the minimum over the
 * mutations of a case is that case's first damage.
 */
import type { Field, Layout } from './layout.js';
import type { Rng } from './prng.js';

export interface Mutated {
  bytes: Buffer;
  /** Lowest offset any mutation touched (bytes.length or more when nothing changed). */
  firstDamage: number;
  /** One entry per mutation, enough to redo it by hand. */
  steps: string[];
  /** True when the only mutation was one truncation. */
  truncationOnly: boolean;
}

/** Byte values that sit on sign and range edges. */
export const INTERESTING_8 = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe] as const;
const INTERESTING_16 = [0x0000, 0x0001, 0x7fff, 0x8000, 0xffff, 0x00ff, 0xff00, 0x0014, 0x0028] as const;
const INTERESTING_32 = [
  0x00000000, 0x00000001, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc, 0x0000000c, 0x0000001c, 0x00000020,
  // the readers' own limits and one past them
  262144, 262145, 16 * 1024 * 1024, 16 * 1024 * 1024 + 4, 0x40000000,
] as const;

function write(b: Buffer, f: Field, v: number): void {
  if (f.width === 1) b[f.at] = v & 0xff;
  else if (f.width === 2) { if (f.le) b.writeUInt16LE(v & 0xffff, f.at); else b.writeUInt16BE(v & 0xffff, f.at); }
  else if (f.le) b.writeUInt32LE(v >>> 0, f.at); else b.writeUInt32BE(v >>> 0, f.at);
}

function read(b: Buffer, f: Field): number {
  if (f.width === 1) return b[f.at]!;
  if (f.width === 2) return f.le ? b.readUInt16LE(f.at) : b.readUInt16BE(f.at);
  return f.le ? b.readUInt32LE(f.at) : b.readUInt32BE(f.at);
}

/** A value for field f: an edge value, a near miss of the original, or a value the field's meaning makes interesting. */
export function fieldValue(rng: Rng, f: Field, orig: number): number {
  const r = rng.int(10);
  if (f.what === 'TCP data offset') return (rng.int(16) << 4) | (orig & 0x0f);
  if (f.what === 'IPv4 version/IHL') return rng.chance(0.8) ? 0x40 | rng.int(16) : rng.int(256);
  if (f.what === 'TCP option length') return rng.chance(0.5) ? rng.int(4) : rng.pick([orig - 1, orig + 1, orig + 4, 40, 41, 0xff]) & 0xff;
  if (r < 4) {
    if (f.width === 1) return rng.pick(INTERESTING_8);
    if (f.width === 2) return rng.pick(INTERESTING_16);
    return rng.pick(INTERESTING_32);
  }
  if (r < 8) {
    const delta = rng.pick([-4, -3, -2, -1, 1, 2, 3, 4, 8, 16, -16, 1000, -1000]);
    return orig + delta;
  }
  return f.width === 1 ? rng.int(256) : f.width === 2 ? rng.int(65536) : rng.u32();
}

type Op = (rng: Rng, b: Buffer, layout: Layout, s: Mutated) => Buffer;

const bitFlips: Op = (rng, b, _l, s) => {
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) {
    const p = rng.int(b.length);
    const bit = rng.int(8);
    b[p] = b[p]! ^ (1 << bit);
    s.firstDamage = Math.min(s.firstDamage, p);
    s.steps.push(`flip bit ${bit} of byte ${p}`);
  }
  return b;
};

const interestingBytes: Op = (rng, b, _l, s) => {
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) {
    const p = rng.int(b.length);
    const v = rng.pick(INTERESTING_8);
    b[p] = v;
    s.firstDamage = Math.min(s.firstDamage, p);
    s.steps.push(`byte ${p} = 0x${v.toString(16)}`);
  }
  return b;
};

const randomRun: Op = (rng, b, _l, s) => {
  const p = rng.int(b.length);
  const n = Math.min(rng.range(1, 32), b.length - p);
  const run = rng.bytes(n);
  run.copy(b, p);
  s.firstDamage = Math.min(s.firstDamage, p);
  s.steps.push(`bytes ${p}..${p + n - 1} = ${run.toString('hex')}`);
  return b;
};

const truncate: Op = (rng, b, l, s) => {
  // Half the cuts land on or right next to a record boundary, where off-by-one bugs live.
  let cut: number;
  if (rng.chance(0.5) && l.boundaries.length > 0) cut = rng.pick(l.boundaries) + rng.range(-2, 2);
  else cut = rng.int(b.length + 1);
  cut = Math.max(0, Math.min(b.length, cut));
  s.firstDamage = Math.min(s.firstDamage, cut);
  s.steps.push(`truncate to ${cut} bytes`);
  return b.subarray(0, cut);
};

const insert: Op = (rng, b, _l, s) => {
  const p = rng.int(b.length + 1);
  const n = rng.range(1, 16);
  const ins = rng.chance(0.5) ? rng.bytes(n) : Buffer.alloc(n, rng.pick(INTERESTING_8));
  s.firstDamage = Math.min(s.firstDamage, p);
  s.steps.push(`insert ${ins.toString('hex')} at ${p}`);
  return Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]);
};

const remove: Op = (rng, b, _l, s) => {
  const p = rng.int(b.length);
  const n = Math.min(rng.range(1, 64), b.length - p);
  s.firstDamage = Math.min(s.firstDamage, p);
  s.steps.push(`delete ${n} bytes at ${p}`);
  return Buffer.concat([b.subarray(0, p), b.subarray(p + n)]);
};

const splice: Op = (rng, b, _l, s) => {
  // Copy a slice over another place: repeated or misplaced records, as a bad concatenation makes.
  const from = rng.int(b.length);
  const n = Math.min(rng.range(4, 256), b.length - from);
  const to = rng.int(b.length + 1);
  s.firstDamage = Math.min(s.firstDamage, to);
  s.steps.push(`insert a copy of bytes ${from}..${from + n - 1} at ${to}`);
  return Buffer.concat([b.subarray(0, to), Buffer.from(b.subarray(from, from + n)), b.subarray(to)]);
};

/**
 * Whole records moved: one duplicated, two swapped, one dropped, or a run reversed. The container stays
 * well-formed (pcap) or nearly so (a pcapng packet block may land before its interface), so what this
 * stresses is the tracker: retransmissions, reordering, time going backwards, lost segments.
 */
const records: Op = (rng, b, l, s) => {
  // Record i spans [starts[i], starts[i + 1]); a pcapng file's first block (its section header) stays put.
  const starts = l.boundaries.filter((x, i, a) => x <= b.length && a.indexOf(x) === i && !(l.format === 'pcapng' && x === 0));
  if (starts.length < 3) return bitFlips(rng, b, l, s);
  const n = starts.length - 1;
  const rec = (i: number): Buffer => b.subarray(starts[i]!, starts[i + 1]!);
  const head = b.subarray(0, starts[0]!);
  const tail = b.subarray(starts[n]!);
  const list = Array.from({ length: n }, (_, i) => rec(i));
  const op = rng.int(4);
  let first: number;
  if (op === 0) {
    const i = rng.int(n);
    const to = rng.range(i, n);
    list.splice(to, 0, list[i]!);
    first = Math.min(i, to);
    s.steps.push(`record ${i + 1} (at ${starts[i]}) repeated as record ${to + 1}`);
  } else if (op === 1) {
    const i = rng.int(n);
    const j = rng.int(n);
    [list[i], list[j]] = [list[j]!, list[i]!];
    first = Math.min(i, j);
    s.steps.push(`records ${i + 1} and ${j + 1} swapped`);
  } else if (op === 2) {
    const i = rng.int(n);
    list.splice(i, 1);
    first = i;
    s.steps.push(`record ${i + 1} (at ${starts[i]}) dropped`);
  } else {
    const i = rng.int(n);
    const k = Math.min(n, i + rng.range(2, 8));
    const run = list.slice(i, k).reverse();
    list.splice(i, k - i, ...run);
    first = i;
    s.steps.push(`records ${i + 1}..${k} reversed`);
  }
  s.firstDamage = Math.min(s.firstDamage, starts[first]!);
  return Buffer.concat([head, ...list, tail]);
};

function aimed(pool: (l: Layout) => Field[]): Op {
  return (rng, b, l, s) => {
    const fields = pool(l).filter((f) => f.at + f.width <= b.length);
    if (fields.length === 0) return bitFlips(rng, b, l, s);
    const f = rng.pick(fields);
    const orig = read(b, f);
    const v = fieldValue(rng, f, orig);
    write(b, f, v);
    s.firstDamage = Math.min(s.firstDamage, f.at);
    s.steps.push(`${f.what} @${f.at} (${f.width} bytes ${f.le ? 'LE' : 'BE'}) ${orig} -> ${f.width === 4 ? v >>> 0 : v & (f.width === 2 ? 0xffff : 0xff)}`);
    return b;
  };
}

const containerField = aimed((l) => l.fields);
const frameField = aimed((l) => l.frameFields);

/** Operators with weights: aimed fields get the largest share, they find the most. */
const OPS: ReadonlyArray<readonly [Op, number]> = [
  [bitFlips, 3], [interestingBytes, 2], [randomRun, 1], [truncate, 2], [insert, 1], [remove, 1], [splice, 1],
  [containerField, 4], [frameField, 3], [records, 2],
];
const TOTAL_WEIGHT = OPS.reduce((a, [, w]) => a + w, 0);

function pickOp(rng: Rng): Op {
  let r = rng.int(TOTAL_WEIGHT);
  for (const [op, w] of OPS) {
    if (r < w) return op;
    r -= w;
  }
  return OPS[0]![0];
}

/**
 * One to three random mutations of `orig` (never modified). Field offsets in `layout` are those of the
 * original; after an insertion or deletion they are stale, which is fine: they are still plausible places.
 */
export function mutate(rng: Rng, orig: Buffer, layout: Layout): Mutated {
  const s: Mutated = { bytes: orig, firstDamage: Number.MAX_SAFE_INTEGER, steps: [], truncationOnly: false };
  let b: Buffer = Buffer.from(orig);
  const n = rng.chance(0.6) ? 1 : rng.range(2, 3);
  for (let i = 0; i < n && b.length > 0; i++) b = pickOp(rng)(rng, b, layout, s);
  s.bytes = b;
  return s;
}

/** A single truncation of `orig` at `cut`. */
export function truncated(orig: Buffer, cut: number): Mutated {
  return { bytes: orig.subarray(0, cut), firstDamage: cut, steps: [`truncate to ${cut} bytes`], truncationOnly: true };
}

/**
 * Chunk sizes for feeding `total` bytes: one chunk, all 1-byte chunks, small random chunks, or mixed
 * (mostly large with tiny ones in between, so units straddle chunk ends in every way).
 */
export function chunking(rng: Rng, total: number): { sizes: number[]; label: string } {
  const mode = rng.int(4);
  const sizes: number[] = [];
  let left = total;
  const take = (n: number): void => { const k = Math.max(1, Math.min(n, left)); sizes.push(k); left -= k; };
  if (mode === 0) {
    while (left > 0) take(1);
    return { sizes, label: '1-byte chunks' };
  }
  if (mode === 1) {
    while (left > 0) take(rng.range(1, 64));
    return { sizes, label: 'random chunks of 1..64 bytes' };
  }
  if (mode === 2) {
    while (left > 0) take(rng.chance(0.3) ? rng.range(1, 7) : rng.range(100, 5000));
    return { sizes, label: 'mixed chunks (1..7 and 100..5000 bytes)' };
  }
  const n = rng.range(2, 5);
  while (left > 0) take(Math.ceil(total / n));
  return { sizes, label: `${n} equal chunks` };
}
