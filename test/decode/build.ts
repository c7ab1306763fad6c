/**
 * Test packet builders: byte-exact frames for the decode tests, so a test says only what differs.
 * The checksum here is a deliberately naive second implementation (byte array + reduce), not the
 * decoder's, so the decoder is not checked against itself.
 */
import { newFrame, type Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { newSegment, type Segment } from '../../src/decode/segment.js';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/[^0-9a-fA-F]/g, ''), 'hex');

const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

export const V4_SRC = [192, 0, 2, 1];
export const V4_DST = [192, 0, 2, 2];
export const V6_SRC = [...hex('20010db8000000000000000000000001')];
export const V6_DST = [...hex('20010db8000000000000000000000002')];

export function onesComplement(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export interface TcpSpec {
  srcPort?: number; dstPort?: number; seq?: number; ack?: number;
  /** 9-bit flags (NS/AE in bit 8). */
  flags?: number;
  window?: number; urgent?: number;
  options?: number[];
  /** Data offset in words; default from the options (padded to 4 bytes). */
  dataOffset?: number;
  payload?: number[];
  /** A fixed checksum value instead of the right one. */
  checksum?: number;
}

/** TCP header + payload; with `pseudo` (the pseudo-header without length/protocol) the checksum is right. */
export function tcp(spec: TcpSpec = {}, pseudo?: { src: number[]; dst: number[] }): number[] {
  const opts = [...(spec.options ?? [])];
  while (opts.length % 4) opts.push(0);
  const off = spec.dataOffset ?? 5 + opts.length / 4;
  const flags = spec.flags ?? 0x002;
  const h = [
    ...u16(spec.srcPort ?? 40000), ...u16(spec.dstPort ?? 80), ...u32(spec.seq ?? 1000), ...u32(spec.ack ?? 0),
    (off << 4) | ((flags >> 8) & 1), flags & 0xff, ...u16(spec.window ?? 64240), 0, 0, ...u16(spec.urgent ?? 0),
    ...opts,
  ];
  const seg = [...h, ...(spec.payload ?? [])];
  let ck = spec.checksum;
  if (ck === undefined && pseudo) {
    const len = seg.length;
    const ph = pseudo.src.length === 16
      ? [...pseudo.src, ...pseudo.dst, ...u32(len), 0, 0, 0, 6]
      : [...pseudo.src, ...pseudo.dst, 0, 6, ...u16(len)];
    ck = onesComplement([...ph, ...seg]);
  }
  seg[16] = ((ck ?? 0) >>> 8) & 0xff;
  seg[17] = (ck ?? 0) & 0xff;
  return seg;
}

export interface Ip4Spec {
  src?: number[]; dst?: number[]; proto?: number; ttl?: number;
  /** Flags + fragment offset word (0x2000 = MF). */
  frag?: number;
  /** IP options (padded to 4 bytes). */
  options?: number[];
  totalLength?: number;
  version?: number;
  ihl?: number;
}

export function ip4(payload: number[], spec: Ip4Spec = {}): number[] {
  const opts = [...(spec.options ?? [])];
  while (opts.length % 4) opts.push(0);
  const ihl = spec.ihl ?? 5 + opts.length / 4;
  const total = spec.totalLength ?? 20 + opts.length + payload.length;
  const h = [
    ((spec.version ?? 4) << 4) | ihl, 0, ...u16(total), 0x12, 0x34, ...u16(spec.frag ?? 0x4000),
    spec.ttl ?? 64, spec.proto ?? 6, 0, 0, ...(spec.src ?? V4_SRC), ...(spec.dst ?? V4_DST), ...opts,
  ];
  const ck = onesComplement(h);
  h[10] = ck >>> 8; h[11] = ck & 0xff;
  return [...h, ...payload];
}

/** IPv4 + TCP with a right checksum (unless spec.checksum says otherwise). */
export function ip4tcp(t: TcpSpec = {}, ip: Ip4Spec = {}): number[] {
  return ip4(tcp(t, { src: ip.src ?? V4_SRC, dst: ip.dst ?? V4_DST }), ip);
}

export interface Ip6Spec { src?: number[]; dst?: number[]; nextHeader?: number; hopLimit?: number; payloadLength?: number }

export function ip6(payload: number[], spec: Ip6Spec = {}): number[] {
  return [
    0x60, 0, 0, 0, ...u16(spec.payloadLength ?? payload.length), spec.nextHeader ?? 6, spec.hopLimit ?? 64,
    ...(spec.src ?? V6_SRC), ...(spec.dst ?? V6_DST), ...payload,
  ];
}

export function ip6tcp(t: TcpSpec = {}, ip: Ip6Spec = {}): number[] {
  return ip6(tcp(t, { src: ip.src ?? V6_SRC, dst: ip.dst ?? V6_DST }), ip);
}

/** A generic IPv6 extension header (hop-by-hop, routing, destination options) padded to 8n bytes. */
export function ext6(next: number, body: number[]): number[] {
  const b = [next, 0, ...body];
  while (b.length % 8) b.push(0);
  b[1] = b.length / 8 - 1;
  return b;
}

export const ETH_DST = [0x02, 0, 0, 0, 0, 0x02];
export const ETH_SRC = [0x02, 0, 0, 0, 0, 0x01];

export function eth(payload: number[], type = 0x0800): number[] {
  return [...ETH_DST, ...ETH_SRC, ...u16(type), ...payload];
}

/** An 802.1Q-style tag: TPID is the ethertype before it, so this returns TCI + inner type. */
export function tag(vid: number, innerType: number, pcp = 0): number[] {
  return [...u16((pcp << 13) | vid), ...u16(innerType)];
}

export interface FrameSpec {
  linkType?: number;
  /** Bytes on the wire; the capture keeps `caplen` of them (default all). */
  caplen?: number;
  fcsLen?: number;
  frameNo?: number;
  /** Where the frame starts in a bigger buffer (bytes before it are garbage). */
  offset?: number;
  tsSec?: number;
  tsNsec?: number;
}

export function frame(bytes: number[] | Buffer, spec: FrameSpec = {}): Frame {
  const f = newFrame();
  const wire = Buffer.from(bytes);
  const caplen = Math.min(spec.caplen ?? wire.length, wire.length);
  const offset = spec.offset ?? 0;
  const buf = Buffer.alloc(offset + caplen, 0xee);
  wire.copy(buf, offset, 0, caplen);
  f.data = buf;
  f.offset = offset;
  f.caplen = caplen;
  f.origLen = wire.length;
  f.linkType = spec.linkType ?? 1;
  f.fcsLen = spec.fcsLen ?? 0;
  f.frameNo = spec.frameNo ?? 1;
  f.tsSec = spec.tsSec ?? 1_700_000_000;
  f.tsNsec = spec.tsNsec ?? 123_456_789;
  return f;
}

/** Decode bytes as one frame (checksums verified unless told otherwise); returns a fresh Segment. */
export function decode(bytes: number[] | Buffer, spec: FrameSpec = {}, verifyChecksums = true): Segment {
  const seg = newSegment();
  decodeFrame(frame(bytes, spec), seg, { verifyChecksums });
  return seg;
}
