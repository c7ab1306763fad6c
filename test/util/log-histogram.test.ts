/**
 * The log-linear histogram (the summary's RTTs, listeners' survival times) against an exact sort: min
 * and max exact, median and p95 exact when it says so and within RTT_RELATIVE_ERROR otherwise, and
 * memory set by the spread of the samples, not their number.
 */
import { RELATIVE_ERROR as RTT_RELATIVE_ERROR, LogHistogram } from '../../src/util/log-histogram.js';

/** Seeded generator (mulberry32): the same samples on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exact figures, from a full sort: nearest-rank p95, mean of the middle two for an even count. */
function reference(values: number[]): { min: number; median: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length, mid = n >> 1;
  return {
    min: s[0]!, max: s[n - 1]!,
    median: n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
    p95: s[Math.min(n, Math.max(1, Math.ceil(0.95 * n))) - 1]!,
  };
}

function histogramOf(values: number[]): LogHistogram {
  const h = new LogHistogram();
  for (const v of values) h.add(v);
  return h;
}

/** Capture-like RTTs: differences of epoch timestamps at `resolution` seconds, log-uniform in [lo, hi]. */
function rtts(rnd: () => number, n: number, lo: number, hi: number, resolution: number): number[] {
  const base = 1_700_000_000;
  return Array.from({ length: n }, () => {
    const rtt = lo * (hi / lo) ** rnd();
    const t0 = base + Math.round(rnd() * 1e3 / resolution) * resolution;
    return (t0 + Math.round(rtt / resolution) * resolution) - t0;
  });
}

const CASES: Array<[string, (rnd: () => number) => number[]]> = [
  ['µs timestamps, LAN RTTs', (r) => rtts(r, 5000, 20e-6, 2e-3, 1e-6)],
  ['µs timestamps, 1 ms to 3 s', (r) => rtts(r, 20000, 1e-3, 3, 1e-6)],
  ['ns timestamps, 1 ms to 300 ms', (r) => rtts(r, 20000, 1e-3, 0.3, 1e-9)],
  ['continuous values', (r) => Array.from({ length: 9999 }, () => r() * 0.05)],
  ['one value repeated', () => Array.from({ length: 1000 }, () => 0.0123)],
  ['zeros and negatives (timestamps out of order)', (r) => Array.from({ length: 3001 }, () => Math.round((r() - 0.2) * 1e4) * 1e-6)],
  ['two samples', () => [0.002, 0.001]],
  ['one sample', () => [0.5]],
];

describe('LogHistogram', () => {
  test.each(CASES)('%s: min and max exact, median and p95 exact or within the bound', (_name, make) => {
    const values = make(random(7));
    const s = histogramOf(values).stats();
    const ref = reference(values);
    expect(s.samples).toBe(values.length);
    expect(s.min).toBe(ref.min);
    expect(s.max).toBe(ref.max);
    for (const k of ['median', 'p95'] as const) {
      expect(Math.abs(s[k]! - ref[k])).toBeLessThanOrEqual(Math.abs(ref[k]) * RTT_RELATIVE_ERROR);
    }
    if (s.exact) {
      expect(s.median).toBe(ref.median);
      expect(s.p95).toBe(ref.p95);
    }
  });

  test('a few distinct RTTs come out exact; continuous values do not', () => {
    const r = random(1);
    const few = Array.from({ length: 5000 }, () => [0.001, 0.0015, 0.002, 0.0031][Math.floor(r() * 4)]!);
    const f = histogramOf(few).stats();
    expect(f.exact).toBe(true);
    expect([f.median, f.p95]).toEqual([reference(few).median, reference(few).p95]);
    const continuous = Array.from({ length: 9999 }, (_, i) => 0.040 + i * 1e-9);
    const s = histogramOf(continuous).stats();
    expect(s.exact).toBe(false);
    expect(s.median).not.toBe(reference(continuous).median);
  });

  test('memory follows the spread of the RTTs, not their number', () => {
    const r = random(5);
    const small = histogramOf(rtts(r, 10_000, 1e-5, 1, 1e-9));
    const large = histogramOf(rtts(r, 400_000, 1e-5, 1, 1e-9));
    // 1e-5 s to 1 s spans 17 powers of two: at most 1,024 buckets each.
    expect(large.bucketCount).toBeLessThanOrEqual(17 * 1024 + 1024);
    expect(large.stats().samples).toBe(400_000);
    expect(large.bucketCount).toBeLessThan(small.bucketCount * 3);
  });
});
