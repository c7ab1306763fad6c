/**
 * Classic libpcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header
 * plus caplen bytes. Either byte order, microsecond or nanosecond magic, and Kuznetsov's patched format
 * (24-byte record headers).
 */
import { InputError } from '../util/errors.js';
import { be16, be32, le16, le32 } from './bytes.js';
import { MAX_CAPLEN, type FormatReader, type ReaderContext } from './reader-context.js';

/** File header offsets. */
const HDR = { MAGIC: 0, VERSION_MAJOR: 4, VERSION_MINOR: 6, THISZONE: 8, SIGFIGS: 12, SNAPLEN: 16, LINKTYPE: 20, LEN: 24 } as const;
/** Record header offsets. */
const REC = { TS_SEC: 0, TS_FRAC: 4, CAPLEN: 8, ORIGLEN: 12 } as const;

/** LinkType field: bits 28-31 carry the FCS information, the rest is the link type. */
const LT = { TYPE_MASK: 0x0fffffff, FCS_PRESENT: 0x10000000, FCS_WORDS_SHIFT: 29 } as const;

export interface PcapVariant {
  littleEndian: boolean;
  nanosecond: boolean;
  recordHeaderLen: 16 | 24;
}

export class PcapReader implements FormatReader {
  stopped = false;
  private headerDone = false;
  private snaplen = 0;
  private linkType = 0;
  private fcsLen = 0;
  private version = '';
  /** The previous frame's time and number (for time running backwards). */
  private lastSec = -1;
  private lastNsec = 0;
  /** Multiplier from the file's sub-second unit to nanoseconds. */
  private readonly fracMul: number;
  private readonly fracLimit: number;

  constructor(private readonly ctx: ReaderContext, private readonly v: PcapVariant) {
    this.fracMul = v.nanosecond ? 1 : 1000;
    this.fracLimit = v.nanosecond ? 1e9 : 1e6;
  }

  private u32(b: Buffer, o: number): number {
    return this.v.littleEndian ? le32(b, o) : be32(b, o);
  }

  need(buf: Buffer, pos: number, avail: number): number {
    if (!this.headerDone) return HDR.LEN;
    const h = this.v.recordHeaderLen;
    if (avail < h) return h;
    const caplen = this.u32(buf, pos + REC.CAPLEN);
    // A broken length is reported by consume from the header alone; never wait for (or allocate) it.
    return caplen > MAX_CAPLEN ? h : h + caplen;
  }

  private readHeader(buf: Buffer, pos: number): void {
    const le = this.v.littleEndian;
    const major = le ? le16(buf, pos + HDR.VERSION_MAJOR) : be16(buf, pos + HDR.VERSION_MAJOR);
    const minor = le ? le16(buf, pos + HDR.VERSION_MINOR) : be16(buf, pos + HDR.VERSION_MINOR);
    if (major !== 2) {
      throw new InputError(`${this.ctx.name}: this looks like pcap with a damaged header (version ${major}.${minor}, expected 2.x)`);
    }
    this.version = `${major}.${minor}`;
    this.snaplen = this.u32(buf, pos + HDR.SNAPLEN);
    const lt = this.u32(buf, pos + HDR.LINKTYPE);
    this.linkType = lt & LT.TYPE_MASK;
    // FCS length is in 16-bit words, meaningful only when the F bit is set.
    this.fcsLen = (lt & LT.FCS_PRESENT) !== 0 ? (lt >>> LT.FCS_WORDS_SHIFT) * 2 : 0;
    const f = this.ctx.frame;
    f.linkType = this.linkType;
    f.fcsLen = this.fcsLen;
    f.interfaceId = 0;
    this.headerDone = true;
  }

  consume(buf: Buffer, pos: number, end: number, base: number): number {
    if (!this.headerDone) {
      if (end - pos < HDR.LEN) return pos;
      this.readHeader(buf, pos);
      pos += HDR.LEN;
    }
    const ctx = this.ctx;
    const f = ctx.frame;
    const onFrame = ctx.onFrame;
    const le = this.v.littleEndian;
    const h = this.v.recordHeaderLen;
    const fracMul = this.fracMul;
    const fracLimit = this.fracLimit;
    const snaplen = this.snaplen;
    let lastSec = this.lastSec, lastNsec = this.lastNsec;
    f.data = buf;
    while (end - pos >= h) {
      const caplen = le ? le32(buf, pos + REC.CAPLEN) : be32(buf, pos + REC.CAPLEN);
      if (caplen > MAX_CAPLEN) {
        this.corrupt(`record header claims caplen ${caplen} (more than ${MAX_CAPLEN}); the file is damaged from here on`, base + pos);
        return pos;
      }
      if (end - pos - h < caplen) break;
      const origLen = le ? le32(buf, pos + REC.ORIGLEN) : be32(buf, pos + REC.ORIGLEN);
      let sec = le ? le32(buf, pos + REC.TS_SEC) : be32(buf, pos + REC.TS_SEC);
      let frac = le ? le32(buf, pos + REC.TS_FRAC) : be32(buf, pos + REC.TS_FRAC);
      if (frac >= fracLimit) {
        // Invalid sub-second field: carry whole seconds rather than hand out tsNsec >= 1e9.
        sec += Math.floor(frac / fracLimit);
        frac %= fracLimit;
        this.irregular('badTimestamp', `sub-second field out of range; carried into seconds`, base + pos);
      }
      if (caplen > origLen) {
        // The record's bytes are real (the next record starts after them), so all are handed over; both
        // lengths stay as recorded, as tshark shows them.
        this.irregular('caplenOverOrigLen', `caplen ${caplen} greater than the original length ${origLen}`, base + pos);
      }
      if (caplen > snaplen && snaplen !== 0) ctx.counts.caplenOverSnaplen++;
      const nsec = frac * fracMul;
      f.frameNo = ++ctx.frames;
      if (sec < lastSec || (sec === lastSec && nsec < lastNsec)) {
        ctx.timeStep(f.frameNo, f.frameNo - 1, base + pos, (lastSec - sec) + (lastNsec - nsec) / 1e9);
      }
      lastSec = this.lastSec = sec;
      lastNsec = this.lastNsec = nsec;
      f.tsSec = sec;
      f.tsNsec = nsec;
      f.caplen = caplen;
      f.origLen = origLen;
      f.offset = pos + h;
      onFrame(f);
      pos += h + caplen;
    }
    // The clock is kept in the loop, not stored after it: V8 compiles this loop on-stack before any
    // call has left it, and code after the loop then had no type feedback. The compiled loop bailed
    // out at its end on every call (~700 deoptimizations on the bench's 1× capture).
    return pos;
  }

  /** Counts an adjusted record; the first of each kind also becomes a warning naming the frame. */
  private irregular(kind: 'badTimestamp' | 'caplenOverOrigLen', what: string, offset: number): void {
    const n = ++this.ctx.counts[kind];
    if (n === 1) this.ctx.warn('corrupt', `frame ${this.ctx.frames + 1} (offset ${offset}): ${what} (every such frame is counted)`, offset, this.ctx.frames + 1);
  }

  private corrupt(what: string, offset: number): void {
    const frameNo = this.ctx.frames + 1;
    this.ctx.warn('corrupt', `frame ${frameNo} at offset ${offset}: ${what}`, offset, frameNo);
    this.stopped = true;
  }

  truncated(buf: Buffer, len: number, offset: number): void {
    if (!this.headerDone) {
      throw new InputError(`${this.ctx.name}: pcap file header cut short (${len} of ${HDR.LEN} bytes)`);
    }
    const h = this.v.recordHeaderLen;
    const frameNo = this.ctx.frames + 1;
    const where = len < h
      ? `in its record header (${len} of ${h} bytes)`
      : `in its data (${len - h} of ${this.u32(buf, REC.CAPLEN)} bytes)`;
    this.ctx.warn('truncated', `file ends inside frame ${frameNo} at offset ${offset}, ${where}`, offset, frameNo);
  }

  detail(): string {
    const parts = [
      this.v.recordHeaderLen === 24 ? 'pcap (Kuznetsov patched)' : 'pcap',
      this.v.littleEndian ? 'little-endian' : 'big-endian',
      this.v.nanosecond ? 'nanosecond' : 'microsecond',
      `version ${this.version}`,
      `snaplen ${this.snaplen}`,
    ];
    if (this.fcsLen > 0) parts.push(`FCS ${this.fcsLen} bytes`);
    return parts.join(', ');
  }

  firstInterface(): { linkType: number; snaplen: number } | null {
    return this.headerDone ? { linkType: this.linkType, snaplen: this.snaplen } : null;
  }

  linkTypes(): Map<number, number> {
    const m = new Map<number, number>();
    if (this.headerDone) m.set(this.linkType, this.ctx.frames);
    return m;
  }
}
