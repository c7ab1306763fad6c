/**
 * Big-endian reads straight from a Buffer. Callers check the length once, then read freely: these do no
 * bounds checks (a Buffer index past the end reads `undefined`, which these turn into 0, never a throw).
 * Every 32-bit value is unsigned (`>>> 0`).
 */

export function u16(b: Buffer, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32(b: Buffer, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Little-endian 32-bit read, for the host-order family word of BSD loopback (NULL) frames. */
export function u32le(b: Buffer, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
