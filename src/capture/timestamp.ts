/**
 * pcapng timestamps: a 64-bit count of interface-specific units (if_tsresol) since the epoch, stored as
 * two 32-bit halves. Converted to (seconds, nanoseconds) exactly, without BigInt on the common paths:
 * 10^-d for d <= 9 by long division in 16-bit digits, 2^-b for b <= 23 by shifts. Anything else (10^-12,
 * 2^-30, ...) takes the BigInt path, which is exact but slow.
 */
import type { Frame } from './frame.js';

const TWO32 = 4294967296;

/** How one interface's timestamps turn into seconds and nanoseconds. */
export interface TsUnit {
  /** 0: power of ten, d <= 9; 1: power of two, b <= 23; 2: BigInt. */
  mode: 0 | 1 | 2;
  /** mode 0: 10^d (units per second). */
  div: number;
  /** mode 0: 10^(9-d), units → nanoseconds. */
  nsMul: number;
  /** mode 1: b. */
  shift: number;
  /** mode 1: 2^b - 1. */
  mask: number;
  /** mode 1: 2^(32-b), the weight of the high half in seconds. */
  hiMul: number;
  /** mode 2: units per second. */
  perSec: bigint;
  /** if_tsoffset: seconds added to every timestamp (signed). */
  offsetSec: number;
}

/**
 * The unit for an if_tsresol byte (RFC pcapng §4.2: high bit clear → 10^-value, set → 2^-(value & 0x7f)),
 * default 10^-6 when the option is absent.
 */
export function tsUnit(tsresol = 6, offsetSec = 0): TsUnit {
  const pow2 = (tsresol & 0x80) !== 0;
  const exp = tsresol & 0x7f;
  const u: TsUnit = { mode: 2, div: 1, nsMul: 1, shift: 0, mask: 0, hiMul: 0, perSec: 1n, offsetSec };
  if (!pow2 && exp <= 9) {
    u.mode = 0;
    u.div = 10 ** exp;
    u.nsMul = 10 ** (9 - exp);
  } else if (pow2 && exp <= 23) {
    // frac * 1e9 < 2^(23+30) stays an exact double.
    u.mode = 1;
    u.shift = exp;
    u.mask = 2 ** exp - 1;
    u.div = 2 ** exp;
    u.hiMul = 2 ** (32 - exp);
  } else {
    u.perSec = pow2 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
  }
  return u;
}

/** Writes f.tsSec / f.tsNsec for the 64-bit timestamp hi:lo in unit u. Truncates sub-ns units, as Wireshark does. */
export function setTimestamp(f: Frame, hi: number, lo: number, u: TsUnit): void {
  if (u.mode === 0) {
    const d = u.div;
    if (hi < 0x200000) {
      // hi:lo < 2^53 (every microsecond timestamp until the year 2255): exact as one double, and
      // floor(v / d) cannot round across an integer because its distance to one is >= 1/d > ulp/2.
      const v = hi * TWO32 + lo;
      const q = Math.floor(v / d);
      f.tsSec = q + u.offsetSec;
      f.tsNsec = (v - q * d) * u.nsMul;
      return;
    }
    // Long division of hi:lo by d = 10^k (k <= 9), one 32-bit and two 16-bit digits: every partial
    // dividend stays below d * 2^16 < 2^46, so each floor division and remainder is exact in doubles.
    const q1 = Math.floor(hi / d);
    let c = (hi - q1 * d) * 65536 + (lo >>> 16);
    const q2 = Math.floor(c / d);
    c = (c - q2 * d) * 65536 + (lo & 0xffff);
    const q3 = Math.floor(c / d);
    f.tsSec = q1 * TWO32 + q2 * 65536 + q3 + u.offsetSec;
    f.tsNsec = (c - q3 * d) * u.nsMul;
  } else if (u.mode === 1) {
    const b = u.shift;
    f.tsSec = hi * u.hiMul + (lo >>> b) + u.offsetSec;
    f.tsNsec = Math.floor((lo & u.mask) * 1e9 / u.div);
  } else {
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    f.tsSec = Number(v / u.perSec) + u.offsetSec;
    f.tsNsec = Number(((v % u.perSec) * 1000000000n) / u.perSec);
  }
}
