#!/usr/bin/env node
/**
 * Writes test/handmade/time-*.pcap: real kernel frames (fixtures/handshake-ipv4.pcap and
 * handshake-ipv6.pcap, made by fixtures/scripts/) whose record timestamps are rewritten so the
 * capture's clock runs backwards, as no kernel capture shows on purpose. Byte-exact and
 * deterministic: the same inputs give the same files. See test/handmade/README.md for what each shows.
 *
 *   node scripts/make-time-fixtures.js
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'handmade');

/** A classic little-endian microsecond pcap: its 24-byte header and its records. */
function readPcap(file) {
  const b = readFileSync(join(root, 'fixtures', file));
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: expected a little-endian microsecond pcap`);
  const records = [];
  for (let pos = 24; pos < b.length;) {
    const caplen = b.readUInt32LE(pos + 8);
    records.push({ sec: b.readUInt32LE(pos), usec: b.readUInt32LE(pos + 4), bytes: b.subarray(pos, pos + 16 + caplen) });
    pos += 16 + caplen;
  }
  return { header: b.subarray(0, 24), records };
}

/** The records again, each stamped by `stamp(record, index)` → [sec, usec]. */
function restamp(header, records, stamp) {
  const parts = [header];
  records.forEach((r, i) => {
    const [sec, usec] = stamp(r, i);
    const copy = Buffer.from(r.bytes);
    copy.writeUInt32LE(sec, 0);
    copy.writeUInt32LE(usec, 4);
    parts.push(copy);
  });
  return Buffer.concat(parts);
}

const v4 = readPcap('handshake-ipv4.pcap');
const v6 = readPcap('handshake-ipv6.pcap');

// 1. A clock stepped back by exactly one second (a VM's clock set back by NTP) between the IPv4
//    connection's SYN (frame 3) and its SYN-ACK (frame 4): frames 4-28 are stamped 1 s early. The
//    IPv6 connection (frames 15-28) lies wholly after the step and is sound.
const stepBack = restamp(v4.header, [...v4.records, ...v6.records], (r, i) => [i >= 3 ? r.sec - 1 : r.sec, r.usec]);

// 2. A clock reset to the epoch (a device without a battery-backed clock) for the IPv4 connection's
//    SYN-ACK and ACK (frames 4 and 5: 1970-01-01 00:00:00 plus their microseconds), set right again
//    from frame 6 on.
const epochJump = restamp(v4.header, v4.records, (r, i) => [i === 3 || i === 4 ? 0 : r.sec, r.usec]);

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'time-step-back.pcap'), stepBack);
writeFileSync(join(out, 'time-epoch-jump.pcap'), epochJump);
console.log(`${join(out, 'time-step-back.pcap')}: ${v4.records.length + v6.records.length} frames`);
console.log(`${join(out, 'time-epoch-jump.pcap')}: ${v4.records.length} frames`);
