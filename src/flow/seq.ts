/**
 * Wrap-safe TCP sequence-number arithmetic (RFC 9293 §3.4: comparisons are modulo 2^32).
 * Every comparison of sequence or acknowledgement numbers in the flow stage goes through here;
 * raw `<` on sequence numbers is wrong as soon as a stream crosses 2^32.
 */

/** b - a as a signed 32-bit distance (positive when b is after a). */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** a >= b in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** a + n, kept unsigned 32-bit. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The later of a and b in sequence space. */
export function seqMax(a: number, b: number): number {
  return seqGt(b, a) ? b : a;
}
