/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so every fuzz case is reproducible from one
 * 32-bit number: the same seed gives the same mutations and chunk sizes on every machine and Node.
 */

/** splitmix32: spreads one 32-bit seed into well-mixed state words. */
function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    const sm = splitmix32(seed);
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
    // sfc32's first outputs are weak; discard a few.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [0, n) (n >= 1, n <= 2^32). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick on an empty list');
    return xs[this.int(xs.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** Derives an independent case seed from a suite seed, a label and a case index (FNV-1a, then mixed). */
export function caseSeed(suiteSeed: number, label: string, index: number): number {
  let h = 0x811c9dc5 ^ suiteSeed;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ index, 0x01000193);
  return splitmix32(h >>> 0)();
}

/** The suite seed: SYNACK_FUZZ_SEED (decimal or 0x hex) when set, else a fixed default so CI is deterministic. */
export function suiteSeed(): number {
  const v = process.env['SYNACK_FUZZ_SEED'];
  if (v === undefined || v === '') return 0x5eed2026;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`SYNACK_FUZZ_SEED=${v} is not an integer`);
  return n >>> 0;
}

/** Multiplier for the number of cases (SYNACK_FUZZ_SCALE, default 1): run more locally, the default in CI. */
export function fuzzScale(): number {
  const v = Number(process.env['SYNACK_FUZZ_SCALE'] ?? '1');
  return Number.isFinite(v) && v > 0 ? v : 1;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
