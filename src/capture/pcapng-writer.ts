/**
 * A pcapng writer for `synack sniff -w x.pcapng`: Section Header and Interface Description Blocks at
 * open (one interface, nanosecond time stamps), an Enhanced Packet Block per frame as frames arrive,
 * and on close an Interface Statistics Block with the capture engine's counters (isb_ifrecv,
 * isb_ifdrop, isb_osdrop, isb_usrdeliv, the start and end of the capture), so the file says itself
 * what the capture missed. Little-endian, as the machines synack runs on write it.
 */
import { BufferedCaptureFile, type CaptureRecord } from './file-writer.js';
import type { InterfaceStats } from './stats.js';

export interface PcapngWriterOptions {
  linkType: number;
  /** Largest caplen written; longer frames are cut (their origLen is kept). Default 262144. */
  snaplen?: number;
  /** if_name, e.g. "eth0". */
  interfaceName?: string;
  /** if_filter (a libpcap filter expression), when there was one. */
  filter?: string;
  /** shb_userappl, e.g. "synack 0.2.0 (tcpdump engine)". */
  application?: string;
}

/** The counters the closing statistics block carries (InterfaceStats' names; null = unknown, left out). */
export type WriterStats = Pick<InterfaceStats, 'start' | 'end' | 'received' | 'ifDrop' | 'osDrop' | 'userDeliv'>;

const BLOCK = { SHB: 0x0a0d0d0a, IDB: 1, ISB: 5, EPB: 6 } as const;
const OPT = { END: 0, COMMENT: 1, SHB_USERAPPL: 4, IF_NAME: 2, IF_TSRESOL: 9, IF_FILTER: 11 } as const;
const ISB_OPT = { STARTTIME: 2, ENDTIME: 3, IFRECV: 4, IFDROP: 5, OSDROP: 7, USRDELIV: 8 } as const;
/** Block type, length; EPB: interface, time stamp halves, caplen, origLen; trailing length. */
const EPB_HEAD = 28;
const DEFAULT_SNAPLEN = 262144;
const TWO16 = 65536;
const TWO32 = 4294967296;

export class PcapngWriter extends BufferedCaptureFile {
  private readonly snaplen: number;
  private readonly half = { hi: 0, lo: 0 };

  constructor(path: string, opts: PcapngWriterOptions) {
    super(path);
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    const shbOpts: Buffer[] = [];
    if (opts.application) shbOpts.push(option(OPT.SHB_USERAPPL, Buffer.from(opts.application)));
    const shbBody = Buffer.alloc(16);
    shbBody.writeUInt32LE(0x1a2b3c4d, 0);
    shbBody.writeUInt16LE(1, 4);
    shbBody.writeUInt16LE(0, 6);
    shbBody.writeInt32LE(-1, 8); // section length: not known in advance
    shbBody.writeInt32LE(-1, 12);
    const idbOpts = [option(OPT.IF_TSRESOL, Buffer.from([9]))];
    if (opts.interfaceName) idbOpts.push(option(OPT.IF_NAME, Buffer.from(opts.interfaceName)));
    if (opts.filter) idbOpts.push(option(OPT.IF_FILTER, Buffer.concat([Buffer.from([0]), Buffer.from(opts.filter)])));
    const idbBody = Buffer.alloc(8);
    idbBody.writeUInt16LE(opts.linkType, 0);
    idbBody.writeUInt32LE(this.snaplen, 4);
    this.put(Buffer.concat([block(BLOCK.SHB, shbBody, shbOpts), block(BLOCK.IDB, idbBody, idbOpts)]));
    this.flush();
  }

  /** Appends one Enhanced Packet Block. Frames longer than the snaplen are cut to it. */
  write(r: CaptureRecord): void {
    const caplen = Math.min(r.caplen, this.snaplen);
    const padded = (caplen + 3) & ~3;
    const len = EPB_HEAD + padded + 4;
    if (!this.room(len)) {
      // Larger than the whole buffer (a snaplen above 256 KiB): built apart and written directly.
      const b = Buffer.alloc(len);
      this.epb(b, 0, r, caplen, len);
      this.writeOut(b, len);
    } else {
      this.epb(this.buf, this.used, r, caplen, len);
      this.used += len;
    }
    this.recorded();
  }

  private epb(b: Buffer, o: number, r: CaptureRecord, caplen: number, len: number): void {
    nanoHalves(r.tsSec, r.tsNsec, this.half);
    b.writeUInt32LE(BLOCK.EPB, o);
    b.writeUInt32LE(len, o + 4);
    b.writeUInt32LE(0, o + 8);
    b.writeUInt32LE(this.half.hi, o + 12);
    b.writeUInt32LE(this.half.lo, o + 16);
    b.writeUInt32LE(caplen, o + 20);
    b.writeUInt32LE(Math.max(r.origLen, caplen) >>> 0, o + 24);
    r.data.copy(b, o + EPB_HEAD, r.offset, r.offset + caplen);
    b.fill(0, o + EPB_HEAD + caplen, o + len - 4);
    b.writeUInt32LE(len, o + len - 4);
  }

  /**
   * Writes the Interface Statistics Block (when `stats` is given), flushes and closes. Safe to call
   * twice; further writes throw.
   */
  close(stats?: WriterStats, comment?: string): void {
    if (this.closed) return;
    if (stats) this.put(this.isb(stats, comment));
    this.closeFile();
  }

  private isb(s: WriterStats, comment?: string): Buffer {
    const opts: Buffer[] = [];
    if (comment) opts.push(option(OPT.COMMENT, Buffer.from(comment)));
    const time = (code: number, t: number | null): void => {
      if (t === null) return;
      const sec = Math.floor(t);
      nanoHalves(sec, Math.round((t - sec) * 1e9) % 1e9, this.half);
      const v = Buffer.alloc(8);
      v.writeUInt32LE(this.half.hi, 0);
      v.writeUInt32LE(this.half.lo, 4);
      opts.push(option(code, v));
    };
    const counter = (code: number, n: number | null): void => {
      if (n === null) return;
      const v = Buffer.alloc(8);
      v.writeBigUInt64LE(BigInt(n));
      opts.push(option(code, v));
    };
    time(ISB_OPT.STARTTIME, s.start);
    time(ISB_OPT.ENDTIME, s.end);
    counter(ISB_OPT.IFRECV, s.received);
    counter(ISB_OPT.IFDROP, s.ifDrop);
    counter(ISB_OPT.OSDROP, s.osDrop);
    counter(ISB_OPT.USRDELIV, s.userDeliv);
    const body = Buffer.alloc(12);
    const at = s.end ?? Date.now() / 1000;
    const sec = Math.floor(at);
    nanoHalves(sec, Math.round((at - sec) * 1e9) % 1e9, this.half);
    body.writeUInt32LE(0, 0);
    body.writeUInt32LE(this.half.hi, 4);
    body.writeUInt32LE(this.half.lo, 8);
    return block(BLOCK.ISB, body, opts);
  }

  private put(b: Buffer): void {
    if (this.room(b.length)) {
      b.copy(this.buf, this.used);
      this.used += b.length;
    } else {
      this.writeOut(b, b.length);
    }
  }
}

/**
 * sec·10^9 + ns as two 32-bit halves, exactly and without BigInt (per packet): sec·10^9 reaches 2^61,
 * past a double's 53 bits, so sec is split into 16-bit parts whose products stay exact.
 */
export function nanoHalves(sec: number, ns: number, out: { hi: number; lo: number }): void {
  const sh = Math.floor(sec / TWO16);
  const y = sh * 1e9; // < 2^46
  const x = (sec - sh * TWO16) * 1e9 + ns; // < 2^47
  const ym = y % TWO16;
  const low = ym * TWO16 + x; // < 2^48: exact
  const carry = Math.floor(low / TWO32);
  out.lo = low - carry * TWO32;
  out.hi = (y - ym) / TWO16 + carry;
}

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function block(type: number, body: Buffer, opts: Buffer[]): Buffer {
  const optBytes = opts.length ? Buffer.concat([...opts, Buffer.alloc(4) /* opt_endofopt */]) : Buffer.alloc(0);
  const len = 12 + body.length + optBytes.length;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(len, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(len, 0);
  return Buffer.concat([head, body, optBytes, tail]);
}
