import { newFrame } from '../../src/capture/frame.js';
import { setTimestamp, tsUnit } from '../../src/capture/timestamp.js';

/** The definition, in BigInt: seconds and truncated nanoseconds of a count of units. */
function reference(v: bigint, tsresol: number): [number, number] {
  const perSec = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return [Number(v / perSec), Number(((v % perSec) * 1000000000n) / perSec)];
}

/** Deterministic 32-bit generator (mulberry32), so a failure names a reproducible input. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

describe('64-bit pcapng timestamps without BigInt on the fast paths', () => {
  const resolutions = [0, 1, 3, 6, 7, 9, 12, 0x80, 0x80 | 10, 0x80 | 20, 0x80 | 23, 0x80 | 24, 0x80 | 32, 0x80 | 40];
  test.each(resolutions)('if_tsresol %i matches the BigInt definition on 20000 values and the edges', (res) => {
    const u = tsUnit(res);
    const f = newFrame();
    const next = rng(res + 1);
    const his = [0, 1, 0x1fffff, 0x200000, 0x7fffffff, 0xffffffff];
    const los = [0, 1, 999999, 1000000, 0x7fffffff, 0x80000000, 0xffffffff];
    const pairs: Array<[number, number]> = [];
    for (const hi of his) for (const lo of los) pairs.push([hi, lo]);
    for (let i = 0; i < 20000; i++) {
      // Half of them in the range real captures use (hi small), half anywhere.
      const hi = i % 2 === 0 ? next() % 0x600000 : next();
      pairs.push([hi, next()]);
    }
    for (const [hi, lo] of pairs) {
      setTimestamp(f, hi, lo, u);
      const want = reference((BigInt(hi) << 32n) | BigInt(lo), res);
      if (f.tsSec !== want[0] || f.tsNsec !== want[1]) {
        throw new Error(`hi=${hi} lo=${lo} res=${res}: got ${f.tsSec}.${f.tsNsec}, want ${want[0]}.${want[1]}`);
      }
    }
    expect(pairs.length).toBeGreaterThan(20000);
  });

  test('the fast paths are the ones taken for the common resolutions', () => {
    expect(tsUnit(6).mode).toBe(0);
    expect(tsUnit(9).mode).toBe(0);
    expect(tsUnit(0x80 | 20).mode).toBe(1);
    expect(tsUnit(12).mode).toBe(2);
  });
});
