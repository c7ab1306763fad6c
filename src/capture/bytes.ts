/**
 * Unsigned reads for the hot paths. Buffer#readUInt32LE validates its argument on every call; the
 * readers check their bounds once per record, so plain indexing is safe there and measurably faster.
 */
export function le32(b: Buffer, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

export function be32(b: Buffer, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function le16(b: Buffer, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function be16(b: Buffer, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
