/**
 * A capture larger than one read (1 MiB) made of real frames: the records of a fixture repeated,
 * each copy shifted `stepSeconds` later so time only moves forward. Nothing in it is hand-made but
 * the repetition; tests that need "more than a megabyte" use it.
 */
import { readFileSync } from 'node:fs';
import { fixture } from './cli.js';

/** A classic little-endian microsecond pcap: 24-byte header, then 16-byte record headers. */
export function repeatedCapture(name: string, minBytes: number, stepSeconds = 60): Buffer {
  const src = readFileSync(fixture(name));
  if (src.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${name}: not a little-endian microsecond pcap`);
  const header = src.subarray(0, 24);
  const records = src.subarray(24);
  const copies = Math.ceil(minBytes / records.length) + 1;
  const out = Buffer.alloc(24 + copies * records.length);
  header.copy(out, 0);
  for (let k = 0; k < copies; k++) {
    const at = 24 + k * records.length;
    records.copy(out, at);
    for (let p = at; p < at + records.length;) {
      out.writeUInt32LE(out.readUInt32LE(p) + k * stepSeconds, p);
      p += 16 + out.readUInt32LE(p + 8);
    }
  }
  return out;
}
