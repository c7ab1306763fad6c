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

/**
 * a + n as a signed 32-bit word: the form a record keeps a sequence number in when it is read and
 * written per segment (data-state.ts). V8 holds it as a small integer in the record's own field,
 * where an unsigned word of 2^31 or more is a double in a box of its own. `>>> 0` gives the wire's
 * form back. Comparisons above are modulo 2^32, so they take either form, and mixed; `===` does not.
 */
export function seqWord(a: number, n: number): number {
  return (a + n) | 0;
}

/** The later of a and b in sequence space. */
export function seqMax(a: number, b: number): number {
  return seqGt(b, a) ? b : a;
}
