/**
 * Durations (handshake RTTs for the summary, SYN-queue survival times for listeners) for their min,
 * median, p95 and max, in memory that does not grow with the number of samples.
 *
 * Keeping every sample (8 bytes a connection) made the summary the one part of an analysis whose
 * memory grew with the capture's length rather than with its concurrent connections: 800 MB for
 * 100 M connections. Instead, samples fall into log-linear buckets: a bucket is the top
 * 1 + 11 + SUB_BITS bits of the IEEE-754 double (sign, exponent, the first SUB_BITS bits of the
 * mantissa), so every bucket spans 2^-SUB_BITS of its values' magnitude, whatever the unit or range.
 * Each bucket keeps its count and its smallest and largest sample.
 *
 * A rank that falls on a bucket's first or last sample, or in a bucket whose samples are all equal,
 * is read exactly; only a rank strictly inside a bucket of different values takes the middle of the
 * bucket's [min, max], within 2^-(SUB_BITS+1) (0.05 %) of the true value: at 1 ms, half a
 * microsecond, about the precision of a difference of two epoch timestamps held as doubles (2^-22 s).
 * `HistogramStats.exact` says which it was, and the text report marks an inexact figure with "≈".
 */

/** Mantissa bits that split each power of two: 1,024 buckets an octave. */
const SUB_BITS = 10;
/** Relative error bound of an inexact percentile: half a bucket's width. */
export const RELATIVE_ERROR = 2 ** -(SUB_BITS + 1);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the double's high word (sign, exponent, top of the mantissa) in u32: 1 on little-endian. */
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function bucketOf(v: number): number {
  f64[0] = v === 0 ? 0 : v; // -0 and 0 share a bucket
  return u32[HIGH]! >>> (20 - SUB_BITS);
}

interface Bucket { n: number; min: number; max: number }

export interface HistogramStats {
  /** Samples added (for the summary: connections that contributed a handshake RTT). */
  samples: number;
  /** Seconds; null when there are no samples. min and max are always exact. */
  min: number | null;
  median: number | null;
  p95: number | null;
  max: number | null;
  /**
   * True when median and p95 are exact sample values (or, for an even count, the exact mean of the
   * two middle ones); false when one was read from a bucket of different values (within 0.05 %).
   */
  exact: boolean;
}

export class LogHistogram {
  private readonly buckets = new Map<number, Bucket>();
  private count = 0;

  /** Buckets in use (the memory held: at most 1,024 a power of two the samples span). */
  get bucketCount(): number { return this.buckets.size; }

  add(v: number): void {
    if (Number.isNaN(v)) return;
    this.addBucket(bucketOf(v), 1, v, v);
  }

  stats(): HistogramStats {
    const n = this.count;
    if (n === 0) return { samples: 0, min: null, median: null, p95: null, max: null, exact: true };
    // Buckets do not overlap, so ordering them by their smallest sample orders all samples.
    const sorted = [...this.buckets.values()].sort((a, b) => a.min - b.min);
    let exact = true;
    const at = (rank: number): number => {
      const r = valueAt(sorted, rank);
      if (!r.exact) exact = false;
      return r.value;
    };
    const mid = n >> 1;
    const median = n % 2 === 1 ? at(mid + 1) : (at(mid) + at(mid + 1)) / 2;
    // Nearest rank, as summary.ts percentile().
    const p95 = at(Math.min(n, Math.max(1, Math.ceil(0.95 * n))));
    return { samples: n, min: sorted[0]!.min, median, p95, max: sorted[sorted.length - 1]!.max, exact };
  }

  private addBucket(k: number, n: number, min: number, max: number): void {
    const b = this.buckets.get(k);
    if (b === undefined) this.buckets.set(k, { n, min, max });
    else {
      b.n += n;
      if (min < b.min) b.min = min;
      if (max > b.max) b.max = max;
    }
    this.count += n;
  }
}

/** The rank-th smallest sample (1-based), exactly when the buckets can tell it. */
function valueAt(sorted: readonly Bucket[], rank: number): { value: number; exact: boolean } {
  let before = 0;
  for (const b of sorted) {
    if (rank <= before + b.n) {
      if (b.min === b.max || rank === before + 1) return { value: b.min, exact: true };
      if (rank === before + b.n) return { value: b.max, exact: true };
      return { value: (b.min + b.max) / 2, exact: false };
    }
    before += b.n;
  }
  throw new Error(`rank ${rank} beyond ${before} samples`);
}
