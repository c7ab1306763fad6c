/**
 * Random but plausible frames for the decoder fuzz: a link header for any supported link type (with
 * VLAN / MPLS / PPPoE / LLC-SNAP stacks on Ethernet), IPv4 (options, AH, fragments) or IPv6 (extension
 * header chains, fragments), tunnels, then TCP with a random mix of options, or another protocol.
 * Lengths are written right; the fuzz then breaks them on purpose. Returns the frame and the offsets of
 * its length fields so mutations can aim at them.
 */
import type { Field } from './layout.js';
import type { Rng } from './prng.js';

export const LINK = {
  NULL: 0, ETHERNET: 1, RAW_BSD: 12, RAW_OPENBSD: 14, RAW: 101, LOOP: 108, LINUX_SLL: 113, IPV4: 228, IPV6: 229, LINUX_SLL2: 276,
} as const;
/** Link types the decoder supports, and a few it does not (802.11, PPP, a user DLT, an unassigned number). */
export const SUPPORTED_LINKS: readonly number[] = Object.values(LINK);
export const UNSUPPORTED_LINKS: readonly number[] = [9, 105, 147, 0xffff, 0x0fffffff];

export interface BuiltFrame {
  bytes: Buffer;
  linkType: number;
  /** Fields worth aiming at, offsets relative to the frame start. */
  fields: Field[];
  what: string;
}

class Out {
  parts: Buffer[] = [];
  len = 0;
  fields: Field[] = [];
  add(b: Buffer): number { const at = this.len; this.parts.push(b); this.len += b.length; return at; }
  field(at: number, width: 1 | 2 | 4, what: string): void { this.fields.push({ at, width, le: false, what }); }
}

/** TCP options filling at most `room` bytes (a multiple of 4 is padded by the caller). */
function tcpOptions(rng: Rng, room: number, o: Out, base: number): Buffer {
  const parts: Buffer[] = [];
  let len = 0;
  while (len < room) {
    const left = room - len;
    const k = rng.int(16);
    let opt: Buffer;
    if (k === 0) opt = Buffer.from([1]);
    else if (k === 1) opt = Buffer.from([0]);
    else if (k === 2) opt = Buffer.from([2, 4, rng.int(256), rng.int(256)]);
    else if (k === 3) opt = Buffer.from([3, 3, rng.int(16)]);
    else if (k === 4) opt = Buffer.from([4, 2]);
    else if (k === 5) { const n = rng.range(1, 4); opt = Buffer.concat([Buffer.from([5, 2 + 8 * n]), rng.bytes(8 * n)]); }
    else if (k === 6) opt = Buffer.concat([Buffer.from([8, 10]), rng.bytes(8)]);
    else if (k === 7) { const c = rng.pick([0, 4, 8, 16]); opt = Buffer.concat([Buffer.from([34, 2 + c]), rng.bytes(c)]); }
    else if (k === 8) { const c = rng.pick([0, 4, 8]); opt = Buffer.concat([Buffer.from([254, 4 + c, 0xf9, 0x89]), rng.bytes(c)]); }
    else if (k === 9) { const n = rng.range(1, 18); opt = Buffer.concat([Buffer.from([30, 2 + n]), rng.bytes(n)]); }
    else if (k === 10) opt = Buffer.concat([Buffer.from([19, 18]), rng.bytes(16)]);
    else if (k === 11) { const n = rng.range(2, 16); opt = Buffer.concat([Buffer.from([29, 2 + n]), rng.bytes(n)]); }
    else if (k === 12) opt = Buffer.concat([Buffer.from([28, 4]), rng.bytes(2)]);
    else if (k === 13) { const n = rng.range(0, 10); opt = Buffer.concat([Buffer.from([rng.range(9, 250), 2 + n]), rng.bytes(n)]); }
    else if (k === 14) { const n = rng.range(0, 6); opt = Buffer.concat([Buffer.from([253, 2 + n]), rng.bytes(n)]); }
    else opt = rng.bytes(rng.range(1, 6)); // junk: any kind, any length
    if (opt.length > left) opt = opt.subarray(0, left);
    o.field(base + len, 1, 'TCP option kind');
    if (opt.length > 1) o.field(base + len + 1, 1, 'TCP option length');
    parts.push(opt);
    len += opt.length;
  }
  return Buffer.concat(parts);
}

/** Appends a TCP segment (header, options, payload) at the end of `o`. */
function tcp(rng: Rng, o: Out): void {
  const words = rng.chance(0.3) ? 5 : rng.range(5, 15);
  const at = o.len;
  const h = rng.bytes(20);
  h[12] = (words << 4) | (h[12]! & 0x0f);
  if (rng.chance(0.7)) h[13] = rng.pick([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x03, 0x00, 0xff]);
  if (rng.chance(0.05)) { h[0] = 0; h[1] = 0; }
  o.add(h);
  o.field(at + 12, 1, 'TCP data offset');
  o.field(at + 13, 1, 'TCP flags');
  const optRoom = (words - 5) * 4;
  const opts = tcpOptions(rng, optRoom, o, at + 20);
  o.add(Buffer.concat([opts, Buffer.alloc(optRoom - opts.length)]));
  o.add(rng.bytes(rng.chance(0.5) ? 0 : rng.range(1, 120)));
}

/** The upper layer: TCP mostly, sometimes UDP / ICMP / junk. Returns the protocol number. */
function upper(rng: Rng, o: Out): number {
  if (rng.chance(0.85)) { tcp(rng, o); return 6; }
  const proto = rng.pick([17, 1, 58, 132, 59, 50]);
  o.add(rng.bytes(rng.range(0, 40)));
  return proto;
}

/** An IPv4 datagram; sets its total length after the payload is built. */
function ipv4(rng: Rng, o: Out, depth: number): void {
  const at = o.len;
  const ihl = rng.chance(0.8) ? 5 : rng.range(5, 15);
  const h = Buffer.alloc(ihl * 4);
  h[0] = 0x40 | ihl;
  h[8] = rng.int(256);
  rng.bytes(8).copy(h, 12);
  if (ihl > 5) rng.bytes(ihl * 4 - 20).copy(h, 20);
  if (rng.chance(0.1)) h.writeUInt16BE(rng.chance(0.5) ? 0x2000 : rng.range(1, 0x1fff), 6);
  o.add(h);
  o.field(at, 1, 'IPv4 version/IHL');
  o.field(at + 2, 2, 'IPv4 total length');
  o.field(at + 6, 2, 'IPv4 flags/fragment offset');
  o.field(at + 9, 1, 'IPv4 protocol');
  let proto: number;
  if (rng.chance(0.05)) {
    // AH, then the real protocol.
    const ahAt = o.len;
    const ah = Buffer.alloc(12);
    ah[1] = 1;
    o.add(ah);
    o.field(ahAt + 1, 1, 'AH length');
    proto = 51;
    ah[0] = inner(rng, o, depth);
  } else {
    proto = inner(rng, o, depth);
  }
  h[9] = proto;
  const total = o.len - at;
  h.writeUInt16BE(rng.chance(0.05) ? 0 : total & 0xffff, 2);
}

/** IPv6 with a random extension header chain. */
function ipv6(rng: Rng, o: Out, depth: number): void {
  const at = o.len;
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h[7] = rng.int(256);
  rng.bytes(32).copy(h, 8);
  o.add(h);
  o.field(at + 4, 2, 'IPv6 payload length');
  o.field(at + 6, 1, 'IPv6 next header');
  let prevNext = (v: number): void => { h[6] = v; };
  const nExt = rng.chance(0.6) ? 0 : rng.range(1, 4);
  for (let i = 0; i < nExt; i++) {
    const type = rng.pick([0, 43, 60, 44, 51]);
    prevNext(type);
    const eAt = o.len;
    let e: Buffer;
    if (type === 44) {
      e = Buffer.alloc(8);
      if (rng.chance(0.3)) e.writeUInt16BE(rng.chance(0.5) ? 1 : rng.range(1, 0xffff), 2);
    } else if (type === 51) {
      const n = rng.range(1, 4);
      e = Buffer.concat([Buffer.from([0, n]), rng.bytes((n + 2) * 4 - 2)]);
    } else {
      const n = rng.range(0, 3);
      e = Buffer.concat([Buffer.from([0, n]), rng.bytes((n + 1) * 8 - 2)]);
      if (type === 43) { e[2] = rng.pick([0, 2, 4, 3]); e[3] = rng.int(3); }
      if (type === 60 && rng.chance(0.5) && e.length >= 24) { e[2] = 0xc9; e[3] = 16; }
    }
    o.add(e);
    o.field(eAt + 1, 1, 'IPv6 extension header length');
    prevNext = (v: number): void => { e[0] = v; };
  }
  prevNext(inner(rng, o, depth));
  const len = o.len - at - 40;
  h.writeUInt16BE(rng.chance(0.05) ? 0 : len & 0xffff, 4);
}

/** What an IP header carries: a tunnelled IP header (bounded depth) or the upper layer. */
function inner(rng: Rng, o: Out, depth: number): number {
  if (depth < 3 && rng.chance(0.08)) {
    if (rng.chance(0.5)) { ipv4(rng, o, depth + 1); return 4; }
    ipv6(rng, o, depth + 1);
    return 41;
  }
  return upper(rng, o);
}

function ip(rng: Rng, o: Out, version: 4 | 6): void {
  if (version === 4) ipv4(rng, o, 0); else ipv6(rng, o, 0);
}

/** Ethernet payload stack down to IP: tags, MPLS, PPPoE, LLC/SNAP, or nothing. */
function etherStack(rng: Rng, o: Out, version: 4 | 6): void {
  const ipType = version === 4 ? 0x0800 : 0x86dd;
  // The link header was the last part added; its last two bytes are the ethertype.
  const typeAt = o.len - 2;
  const kind = rng.int(10);
  const typeBuf = o.parts[o.parts.length - 1]!;
  const typeOff = typeBuf.length - 2;
  o.field(typeAt, 2, 'ethertype');
  if (kind < 5) { typeBuf.writeUInt16BE(ipType, typeOff); ip(rng, o, version); return; }
  if (kind < 7) {
    const n = rng.range(1, 3);
    typeBuf.writeUInt16BE(rng.pick([0x8100, 0x88a8, 0x9100]), typeOff);
    for (let i = 0; i < n; i++) {
      const tag = Buffer.alloc(4);
      tag.writeUInt16BE(rng.int(4096), 0);
      tag.writeUInt16BE(i === n - 1 ? ipType : 0x8100, 2);
      const at = o.add(tag);
      o.field(at + 2, 2, 'VLAN inner ethertype');
    }
    ip(rng, o, version);
    return;
  }
  if (kind === 7) {
    typeBuf.writeUInt16BE(0x8847, typeOff);
    const n = rng.range(1, 3);
    for (let i = 0; i < n; i++) {
      const l = rng.bytes(4);
      l[2] = (l[2]! & 0xfe) | (i === n - 1 ? 1 : 0);
      const at = o.add(l);
      o.field(at + 2, 1, 'MPLS bottom-of-stack');
    }
    ip(rng, o, version);
    return;
  }
  if (kind === 8) {
    typeBuf.writeUInt16BE(0x8864, typeOff);
    const hdr = Buffer.from([0x11, 0, 0, 1, 0, 0, 0, version === 4 ? 0x21 : 0x57]);
    const at = o.add(hdr);
    o.field(at + 4, 2, 'PPPoE length');
    const start = o.len;
    ip(rng, o, version);
    hdr.writeUInt16BE((o.len - start + 2) & 0xffff, 4);
    return;
  }
  // 802.3 length + LLC/SNAP with an ethertype.
  const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0, 0]);
  snap.writeUInt16BE(ipType, 6);
  const at = o.add(snap);
  o.field(at + 6, 2, 'SNAP ethertype');
  const start = o.len;
  ip(rng, o, version);
  typeBuf.writeUInt16BE(Math.min(1500, o.len - start + 8), typeOff);
}

/** One frame for `linkType`. */
export function buildFrame(rng: Rng, linkType: number): BuiltFrame {
  const o = new Out();
  const version: 4 | 6 = rng.chance(0.6) ? 4 : 6;
  let what = `link ${linkType}, IPv${version}`;
  switch (linkType) {
    case LINK.ETHERNET: {
      const h = rng.bytes(14);
      o.add(h);
      if (rng.chance(0.1)) { h.writeUInt16BE(0x0806, 12); o.add(rng.bytes(28)); what = 'ARP'; break; }
      etherStack(rng, o, version);
      break;
    }
    case LINK.LINUX_SLL: {
      const h = rng.bytes(16);
      h.writeUInt16BE(version === 4 ? 0x0800 : 0x86dd, 14);
      o.add(h);
      o.field(14, 2, 'SLL protocol');
      ip(rng, o, version);
      break;
    }
    case LINK.LINUX_SLL2: {
      const h = rng.bytes(20);
      h.writeUInt16BE(version === 4 ? 0x0800 : 0x86dd, 0);
      o.add(h);
      o.field(0, 2, 'SLL2 protocol');
      ip(rng, o, version);
      break;
    }
    case LINK.NULL:
    case LINK.LOOP: {
      const fam = version === 4 ? 2 : rng.pick([24, 28, 30]);
      const h = Buffer.alloc(4);
      if (linkType === LINK.LOOP || rng.chance(0.3)) h.writeUInt32BE(fam); else h.writeUInt32LE(fam);
      o.add(h);
      o.field(0, 4, 'loopback family');
      ip(rng, o, version);
      break;
    }
    case LINK.IPV4: ip(rng, o, 4); what = `link ${linkType}, IPv4`; break;
    case LINK.IPV6: ip(rng, o, 6); what = `link ${linkType}, IPv6`; break;
    default:
      // RAW kinds, and the unsupported ones (their bytes do not matter).
      ip(rng, o, version);
      break;
  }
  return { bytes: Buffer.concat(o.parts), linkType, fields: o.fields, what };
}
