/**
 * Byte-exact builders for hand-made pcap and pcapng inputs, so each test states only what differs, plus
 * a helper that parses a buffer (whole or in chunks) and keeps copies of the frames.
 */
import { createCaptureParser } from '../../src/capture/parser.js';
import type { CaptureInfo, Frame } from '../../src/capture/frame.js';

export interface Endian { le: boolean }

function u32(le: boolean, v: number): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0); else b.writeUInt32BE(v >>> 0);
  return b;
}

function u16(le: boolean, v: number): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v); else b.writeUInt16BE(v);
  return b;
}

function pad4(b: Buffer): Buffer {
  return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
}

/** Distinct, recognisable payload bytes: n bytes counting up from `seed`. */
export function payload(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i) & 0xff;
  return b;
}

// ---- classic pcap -------------------------------------------------------------------------------

export interface PcapHeaderSpec {
  le?: boolean;
  /** 'us' (a1b2c3d4), 'ns' (a1b23c4d), 'kuz' (a1b2cd34, 24-byte record headers). */
  magic?: 'us' | 'ns' | 'kuz';
  snaplen?: number;
  /** The whole 32-bit link-type field, FCS bits included. */
  linkType?: number;
  major?: number;
  minor?: number;
}

export interface PcapRecordSpec {
  sec?: number;
  /** Microseconds or nanoseconds, as the magic says. */
  frac?: number;
  data: Buffer;
  /** Defaults to data.length. */
  origLen?: number;
  /** Defaults to data.length (set it to lie). */
  caplen?: number;
}

export function pcapHeader(h: PcapHeaderSpec = {}): Buffer {
  const le = h.le ?? true;
  const magic = { us: 0xa1b2c3d4, ns: 0xa1b23c4d, kuz: 0xa1b2cd34 }[h.magic ?? 'us'];
  return Buffer.concat([
    u32(le, magic), u16(le, h.major ?? 2), u16(le, h.minor ?? 4), u32(le, 0), u32(le, 0),
    u32(le, h.snaplen ?? 65535), u32(le, h.linkType ?? 1),
  ]);
}

export function pcapRecord(r: PcapRecordSpec, h: PcapHeaderSpec = {}): Buffer {
  const le = h.le ?? true;
  const parts = [u32(le, r.sec ?? 0), u32(le, r.frac ?? 0), u32(le, r.caplen ?? r.data.length), u32(le, r.origLen ?? r.data.length)];
  if (h.magic === 'kuz') parts.push(Buffer.alloc(8, 0xee));
  parts.push(r.data);
  return Buffer.concat(parts);
}

export function pcapFile(h: PcapHeaderSpec, records: PcapRecordSpec[]): Buffer {
  return Buffer.concat([pcapHeader(h), ...records.map((r) => pcapRecord(r, h))]);
}

// ---- pcapng -------------------------------------------------------------------------------------

export interface Option { code: number; value: Buffer }

function options(le: boolean, opts: Option[]): Buffer {
  if (opts.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const o of opts) parts.push(u16(le, o.code), u16(le, o.value.length), pad4(o.value));
  parts.push(u16(le, 0), u16(le, 0));
  return Buffer.concat(parts);
}

/** Any block: type, total length, body (padded), total length. `lenOverride` / `trailerOverride` lie. */
export function block(le: boolean, type: number, body: Buffer, lie: { len?: number; trailer?: number } = {}): Buffer {
  const b = pad4(body);
  const len = 12 + b.length;
  return Buffer.concat([u32(le, type), u32(le, lie.len ?? len), b, u32(le, lie.trailer ?? len)]);
}

export function shb(le: boolean, spec: { major?: number; minor?: number; bom?: number } = {}): Buffer {
  const body = Buffer.concat([u32(le, spec.bom ?? 0x1a2b3c4d), u16(le, spec.major ?? 1), u16(le, spec.minor ?? 0),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) /* section length unknown */]);
  return block(le, 0x0a0d0d0a, body);
}

export interface IdbSpec {
  linkType?: number;
  snaplen?: number;
  /** if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset seconds (signed). */
  tsoffset?: bigint;
  fcslen?: number;
  /** Extra options before the known ones (e.g. if_name). */
  extra?: Option[];
}

export function idb(le: boolean, s: IdbSpec = {}): Buffer {
  const opts: Option[] = [...(s.extra ?? [])];
  if (s.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([s.tsresol]) });
  if (s.fcslen !== undefined) opts.push({ code: 13, value: Buffer.from([s.fcslen]) });
  if (s.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (le) v.writeBigInt64LE(s.tsoffset); else v.writeBigInt64BE(s.tsoffset);
    opts.push({ code: 14, value: v });
  }
  return block(le, 1, Buffer.concat([u16(le, s.linkType ?? 1), u16(le, 0), u32(le, s.snaplen ?? 0), options(le, opts)]));
}

export interface EpbSpec {
  ifId?: number;
  /** 64-bit timestamp in interface units. */
  ts?: bigint;
  data: Buffer;
  origLen?: number;
  caplen?: number;
  opts?: Option[];
}

function tsHalves(le: boolean, ts: bigint): Buffer {
  return Buffer.concat([u32(le, Number(ts >> 32n)), u32(le, Number(ts & 0xffffffffn))]);
}

export function epb(le: boolean, s: EpbSpec): Buffer {
  return block(le, 6, Buffer.concat([
    u32(le, s.ifId ?? 0), tsHalves(le, s.ts ?? 0n), u32(le, s.caplen ?? s.data.length), u32(le, s.origLen ?? s.data.length),
    pad4(s.data), options(le, s.opts ?? []),
  ]));
}

/** Obsolete Packet Block (type 2): 16-bit interface id and drop count. */
export function pb(le: boolean, s: EpbSpec & { drops?: number }): Buffer {
  return block(le, 2, Buffer.concat([
    u16(le, s.ifId ?? 0), u16(le, s.drops ?? 0), tsHalves(le, s.ts ?? 0n), u32(le, s.caplen ?? s.data.length),
    u32(le, s.origLen ?? s.data.length), pad4(s.data),
  ]));
}

export function spb(le: boolean, s: { origLen?: number; data: Buffer }): Buffer {
  return block(le, 3, Buffer.concat([u32(le, s.origLen ?? s.data.length), pad4(s.data)]));
}

// ---- parsing ------------------------------------------------------------------------------------

/** A frame copied out of the reused Frame object, with its bytes. */
export interface CopiedFrame extends Omit<Frame, 'data' | 'offset'> { bytes: Buffer }

export function copyFrame(f: Frame): CopiedFrame {
  return {
    frameNo: f.frameNo, tsSec: f.tsSec, tsNsec: f.tsNsec, caplen: f.caplen, origLen: f.origLen,
    linkType: f.linkType, fcsLen: f.fcsLen, interfaceId: f.interfaceId,
    bytes: Buffer.from(f.data.subarray(f.offset, f.offset + f.caplen)),
  };
}

/** Parses `input` split at the given positions (none: one push) and returns frame copies and the info. */
export function parse(input: Buffer, splits: number[] = [], name = 'test.pcap'): { frames: CopiedFrame[]; info: CaptureInfo } {
  const frames: CopiedFrame[] = [];
  const p = createCaptureParser(name, (f) => frames.push(copyFrame(f)));
  let from = 0;
  for (const s of [...splits, input.length]) {
    p.push(input.subarray(from, s));
    from = s;
  }
  return { frames, info: p.end() };
}

/** Parses feeding `size` bytes at a time. */
export function parseInChunks(input: Buffer, size: number): { frames: CopiedFrame[]; info: CaptureInfo } {
  const splits: number[] = [];
  for (let i = size; i < input.length; i += size) splits.push(i);
  return parse(input, splits);
}

/** Interface Statistics Block: interface id, time stamp (interface units), options (counters: u64). */
export function isb(le: boolean, s: { ifId?: number; ts?: bigint; opts?: Option[] }): Buffer {
  return block(le, 5, Buffer.concat([u32(le, s.ifId ?? 0), tsHalves(le, s.ts ?? 0n), options(le, s.opts ?? [])]));
}

/** An ISB option holding a 64-bit counter, or (times) a time stamp as high then low 32-bit halves. */
export function isbOpt(le: boolean, code: number, v: bigint, time = false): Option {
  return { code, value: time ? tsHalves(le, v) : (() => { const b = Buffer.alloc(8); if (le) b.writeBigUInt64LE(v); else b.writeBigUInt64BE(v); return b; })() };
}
