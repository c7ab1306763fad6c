/**
 * Format detection by magic number, and a plain-words description of inputs that are not captures we
 * read, so the error says what the file looks like instead of "bad magic".
 */

/** First four bytes read big-endian. */
export const MAGIC = {
  PCAP_US_BE: 0xa1b2c3d4,
  PCAP_US_LE: 0xd4c3b2a1,
  PCAP_NS_BE: 0xa1b23c4d,
  PCAP_NS_LE: 0x4d3cb2a1,
  /** Alexey Kuznetsov's patched libpcap: 24-byte record headers, microseconds. */
  PCAP_KUZ_BE: 0xa1b2cd34,
  PCAP_KUZ_LE: 0x34cdb2a1,
  /** pcapng Section Header Block type: a palindrome, so byte order comes later from the BOM. */
  PCAPNG_SHB: 0x0a0d0d0a,
} as const;

export const PCAPNG_BOM = 0x1a2b3c4d;

export type Detected =
  | { kind: 'pcap'; littleEndian: boolean; nanosecond: boolean; recordHeaderLen: 16 | 24 }
  | { kind: 'pcapng' }
  | { kind: 'gzip' }
  | { kind: 'unknown' };

/** Needs at least 4 bytes. */
export function detect(b: Buffer): Detected {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return { kind: 'gzip' };
  if (b.length < 4) return { kind: 'unknown' };
  switch (b.readUInt32BE(0)) {
    case MAGIC.PCAP_US_BE: return { kind: 'pcap', littleEndian: false, nanosecond: false, recordHeaderLen: 16 };
    case MAGIC.PCAP_US_LE: return { kind: 'pcap', littleEndian: true, nanosecond: false, recordHeaderLen: 16 };
    case MAGIC.PCAP_NS_BE: return { kind: 'pcap', littleEndian: false, nanosecond: true, recordHeaderLen: 16 };
    case MAGIC.PCAP_NS_LE: return { kind: 'pcap', littleEndian: true, nanosecond: true, recordHeaderLen: 16 };
    case MAGIC.PCAP_KUZ_BE: return { kind: 'pcap', littleEndian: false, nanosecond: false, recordHeaderLen: 24 };
    case MAGIC.PCAP_KUZ_LE: return { kind: 'pcap', littleEndian: true, nanosecond: false, recordHeaderLen: 24 };
    case MAGIC.PCAPNG_SHB: return { kind: 'pcapng' };
    default: return { kind: 'unknown' };
  }
}

const SIGNATURES: ReadonlyArray<readonly [string, string]> = [
  ['GMBU', 'a Microsoft Network Monitor 2.x capture (GMBU), not supported; convert it with editcap -F pcap'],
  ['RTSS', 'a Microsoft Network Monitor 1.x capture (RTSS), not supported; convert it with editcap -F pcap'],
  ['XCP\0', 'a NetXRay / Windows Sniffer capture, not supported; convert it with editcap -F pcap'],
  ['snoop\0\0\0', 'a Sun snoop capture, not supported; convert it with editcap -F pcap'],
  ['btsnoop\0', 'a Bluetooth btsnoop capture, not supported'],
  ['BZh', 'bzip2-compressed data; decompress it first (only gzip is read directly)'],
  ['\xfd7zXZ\0', 'xz-compressed data; decompress it first (only gzip is read directly)'],
  ['\x28\xb5\x2f\xfd', 'zstd-compressed data; decompress it first (only gzip is read directly)'],
  ['\x04\x22\x4d\x18', 'lz4-compressed data; decompress it first (only gzip is read directly)'],
  ['PK\x03\x04', 'a zip archive; extract the capture first'],
  ['\x7fELF', 'an ELF executable, not a capture'],
  ['%PDF', 'a PDF document, not a capture'],
  ['\x1f\x8b', 'gzip data inside gzip data; decompress it once first'],
];

function startsWith(b: Buffer, sig: string): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig.charCodeAt(i)) return false;
  return true;
}

/** True when the bytes look like text: UTF-8 or ASCII, no control characters but tab / CR / LF / FF. */
function looksLikeText(b: Buffer): boolean {
  if (b.length === 0) return false;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) return false;
      if (c === 0x7f) return false;
      i++;
      continue;
    }
    // A UTF-8 sequence; one cut at the end of the sample is fine.
    const n = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
    if (n < 0) return false;
    for (let k = 1; k <= n && i + k < b.length; k++) if ((b[i + k]! & 0xc0) !== 0x80) return false;
    i += n + 1;
  }
  return true;
}

/** How many of the four bytes of a and b are equal. */
function sameBytes(a: number, b: number): number {
  let n = 0;
  for (let shift = 0; shift < 32; shift += 8) if (((a >>> shift) & 0xff) === ((b >>> shift) & 0xff)) n++;
  return n;
}

function hex(b: Buffer, n: number): string {
  return [...b.subarray(0, n)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/**
 * What the start of an unreadable input looks like, in words ("this is a text file ..."). `sample` is
 * the first bytes (up to a few hundred); `complete` says the sample is the whole input.
 */
export function describeUnknown(sample: Buffer, complete: boolean): string {
  if (sample.length === 0) return 'empty input, not a capture';
  for (const [sig, what] of SIGNATURES) if (startsWith(sample, sig)) return `this is ${what}`;
  if (sample.length >= 4) {
    const m = sample.readUInt32BE(0);
    if (m === MAGIC.PCAPNG_SHB) return 'this looks like pcapng with a damaged header (bad byte-order magic)';
    if (sample.length >= 12) {
      const bom = sample.readUInt32BE(8);
      if (bom === PCAPNG_BOM || bom === 0x4d3c2b1a) {
        return `this looks like pcapng with a damaged header (block type ${hex(sample, 4)} instead of 0a 0d 0d 0a)`;
      }
    }
    // A pcap magic with one byte off.
    const PCAP_MAGICS = [MAGIC.PCAP_US_BE, MAGIC.PCAP_US_LE, MAGIC.PCAP_NS_BE, MAGIC.PCAP_NS_LE, MAGIC.PCAP_KUZ_BE, MAGIC.PCAP_KUZ_LE];
    if (PCAP_MAGICS.some((p) => sameBytes(m, p) === 3)) {
      return `this looks like pcap with a damaged header (magic ${hex(sample, 4)})`;
    }
  }
  // Never quote the input's text: error lines end up in public CI logs, and the file may be a secret
  // (a mistyped path to a key or a password file). Its kind says enough.
  if (looksLikeText(sample)) return 'this is a text file, not a capture';
  if (sample.length < 4 && complete) return `too short to be a capture (${sample.length} bytes)`;
  return 'unknown format (binary data), not pcap or pcapng';
}
