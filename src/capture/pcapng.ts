/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of sections, each a Section Header Block (which fixes the
 * byte order) followed by Interface Description Blocks and packet blocks. Interfaces are numbered per
 * section. Every block is type, total length, body, total length again.
 */
import { InputError } from '../util/errors.js';
import { PCAPNG_BOM } from './magic.js';
import { be16, be32, le16, le32 } from './bytes.js';
import { newFrame } from './frame.js';
import { type FormatReader, type ReaderContext } from './reader-context.js';
import { newInterfaceStats, sumDropped, type InterfaceStats } from './stats.js';
import { setTimestamp, tsUnit, type TsUnit } from './timestamp.js';

const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  /** Obsolete Packet Block. */
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  SYSTEMD_JOURNAL: 0x00000009,
  DSB: 0x0000000a,
  CB_COPY: 0x00000bad,
  CB_NOCOPY: 0x40000bad,
} as const;

/** Types this reader knows and deliberately skips (they hold no frames). */
const NON_PACKET = new Set<number>([BLOCK.NRB, BLOCK.SYSTEMD_JOURNAL, BLOCK.DSB, BLOCK.CB_COPY, BLOCK.CB_NOCOPY,
  0x00000007 /* IRIG timestamp */, 0x00000008 /* ARINC 429 */, 0x80000001 /* Sysdig event */]);

/** Offsets inside blocks, from the start of the block. */
const SHB = { BOM: 8, MAJOR: 12, MINOR: 14, MIN_LEN: 28 } as const;
const IDB = { LINKTYPE: 8, SNAPLEN: 12, OPTIONS: 16, MIN_LEN: 20 } as const;
const EPB = { IFACE: 8, TS_HI: 12, TS_LO: 16, CAPLEN: 20, ORIGLEN: 24, DATA: 28, MIN_LEN: 32 } as const;
const PB = { IFACE: 8, DROPS: 10, TS_HI: 12, TS_LO: 16, CAPLEN: 20, ORIGLEN: 24, DATA: 28, MIN_LEN: 32 } as const;
const SPB = { ORIGLEN: 8, DATA: 12, MIN_LEN: 16 } as const;
const OPT = { END: 0, IF_NAME: 2, IF_TSRESOL: 9, IF_FCSLEN: 13, IF_TSOFFSET: 14 } as const;
const ISB = { IFACE: 8, TS_HI: 12, TS_LO: 16, OPTIONS: 20, MIN_LEN: 24 } as const;
/** Interface Statistics Block options: two 32-bit time stamp halves (high first) or 64-bit counters. */
const ISB_OPT = { STARTTIME: 2, ENDTIME: 3, IFRECV: 4, IFDROP: 5, FILTERACCEPT: 6, OSDROP: 7, USRDELIV: 8 } as const;
/**
 * 1990-01-01: an ISB time before it, read in the interface's unit, was written in microseconds by a
 * writer that ignored if_tsresol (dumpcap up to 4.0 writes µs ISB times into nanosecond interfaces).
 */
const PLAUSIBLE_EPOCH = 631152000;

/** Block type + total length (+ the SHB's byte-order magic). */
const BLOCK_HEAD = 8;
const SHB_HEAD = 12;
/** Larger blocks are taken as corruption (Wireshark's limit for non-packet blocks is the same order). */
const MAX_BLOCK = 16 * 1024 * 1024;

interface Iface {
  linkType: number;
  snaplen: number;
  fcsLen: number;
  ts: TsUnit;
  frames: number;
  /** Its previous timed frame: time and number (for time running backwards, per interface). */
  lastSec: number;
  lastNsec: number;
  lastFrameNo: number;
  name: string | null;
  /** From its Interface Statistics Blocks; null until one is read. */
  stats: InterfaceStats | null;
}

export class PcapngReader implements FormatReader {
  stopped = false;
  private le = true;
  private sections = 0;
  private ifaces: Iface[] = [];
  private readonly allIfaces: Iface[] = [];
  private sawLE = false;
  private sawBE = false;

  constructor(private readonly ctx: ReaderContext) {}

  private u32(b: Buffer, o: number): number {
    return this.le ? le32(b, o) : be32(b, o);
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? le16(b, o) : be16(b, o);
  }

  /** Byte order announced by the SHB at pos (needs 12 bytes), or null when the BOM is damaged. */
  private static shbOrder(buf: Buffer, pos: number): boolean | null {
    const bom = le32(buf, pos + SHB.BOM);
    if (bom === PCAPNG_BOM) return true;
    if (bom === 0x4d3c2b1a) return false;
    return null;
  }

  need(buf: Buffer, pos: number, avail: number): number {
    if (avail < BLOCK_HEAD) return BLOCK_HEAD;
    const isShb = le32(buf, pos) === BLOCK.SHB;
    if (isShb && avail < SHB_HEAD) return SHB_HEAD;
    const le = isShb ? PcapngReader.shbOrder(buf, pos) : this.le;
    if (le === null) return SHB_HEAD;
    const len = le ? le32(buf, pos + 4) : be32(buf, pos + 4);
    // Broken lengths are reported by consume from the head alone.
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) return isShb ? SHB_HEAD : BLOCK_HEAD;
    return len;
  }

  consume(buf: Buffer, pos: number, end: number, base: number): number {
    const ctx = this.ctx;
    const f = ctx.frame;
    while (end - pos >= BLOCK_HEAD && !this.stopped) {
      const type = this.u32(buf, pos);
      if (type === BLOCK.SHB) {
        if (end - pos < SHB_HEAD) break;
        const le = PcapngReader.shbOrder(buf, pos);
        if (le === null) {
          this.fatal('section header with a damaged byte-order magic', base + pos);
          break;
        }
        this.le = le;
      }
      const len = this.u32(buf, pos + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK || (type === BLOCK.SHB && len < SHB.MIN_LEN)) {
        this.fatal(`block of type 0x${type.toString(16)} has an impossible length ${len}`, base + pos);
        break;
      }
      if (end - pos < len) break;
      if (this.u32(buf, pos + len - 4) !== len) {
        this.fatal(`block of type 0x${type.toString(16)} and length ${len}: trailing length ${this.u32(buf, pos + len - 4)} differs`, base + pos);
        break;
      }
      if (type === BLOCK.EPB || type === BLOCK.PB) {
        // Hot path: EPB and the obsolete PB share their layout except the width of the interface id.
        const le = this.le;
        if (len < EPB.MIN_LEN) { this.skip(`packet block too short (${len} bytes)`, base + pos); pos += len; continue; }
        const ifId = type === BLOCK.EPB
          ? (le ? le32(buf, pos + EPB.IFACE) : be32(buf, pos + EPB.IFACE))
          : (le ? le16(buf, pos + PB.IFACE) : be16(buf, pos + PB.IFACE));
        const iface = this.ifaces[ifId];
        if (iface === undefined) {
          this.skip(`packet block refers to interface ${ifId}, but the section has ${this.ifaces.length}`, base + pos);
          pos += len;
          continue;
        }
        const caplen = le ? le32(buf, pos + EPB.CAPLEN) : be32(buf, pos + EPB.CAPLEN);
        // The block length frames the data, so a large caplen that fits (BIG TCP, jumbo GRO) is taken.
        if (caplen > len - EPB.MIN_LEN) {
          this.skip(`packet block claims caplen ${caplen}, more than its block (${len} bytes) holds`, base + pos);
          pos += len;
          continue;
        }
        const origLen = le ? le32(buf, pos + EPB.ORIGLEN) : be32(buf, pos + EPB.ORIGLEN);
        if (caplen > origLen) this.irregular(`caplen ${caplen} greater than the original length ${origLen}`, base + pos);
        if (caplen > iface.snaplen && iface.snaplen !== 0) ctx.counts.caplenOverSnaplen++;
        setTimestamp(f,
          le ? le32(buf, pos + EPB.TS_HI) : be32(buf, pos + EPB.TS_HI),
          le ? le32(buf, pos + EPB.TS_LO) : be32(buf, pos + EPB.TS_LO),
          iface.ts);
        // Per interface: dumpcap writes each interface's frames as its thread hands them over, so
        // frames of different interfaces interleave out of time order in a sound file.
        const sec = f.tsSec, nsec = f.tsNsec;
        if (sec < iface.lastSec || (sec === iface.lastSec && nsec < iface.lastNsec)) {
          ctx.timeStep(ctx.frames + 1, iface.lastFrameNo, base + pos, (iface.lastSec - sec) + (iface.lastNsec - nsec) / 1e9);
        }
        iface.lastSec = sec;
        iface.lastNsec = nsec;
        iface.lastFrameNo = ctx.frames + 1;
        this.emit(iface, ifId, buf, pos + EPB.DATA, caplen, origLen);
      } else if (type === BLOCK.SPB) {
        this.simplePacket(buf, pos, len, base);
      } else if (type === BLOCK.IDB) {
        this.interfaceDescription(buf, pos, len, base);
      } else if (type === BLOCK.SHB) {
        this.sectionHeader(buf, pos, base);
      } else if (type === BLOCK.ISB) {
        this.interfaceStatistics(buf, pos, len, base);
      } else if (!NON_PACKET.has(type)) {
        ctx.counts.unknownBlocks++;
      }
      pos += len;
    }
    return pos;
  }

  private emit(iface: Iface, ifId: number, buf: Buffer, dataPos: number, caplen: number, origLen: number): void {
    const f = this.ctx.frame;
    iface.frames++;
    f.frameNo = ++this.ctx.frames;
    f.caplen = caplen;
    f.origLen = origLen;
    f.linkType = iface.linkType;
    f.fcsLen = iface.fcsLen;
    f.interfaceId = ifId;
    f.data = buf;
    f.offset = dataPos;
    this.ctx.onFrame(f);
  }

  private sectionHeader(buf: Buffer, pos: number, base: number): void {
    const major = this.u16(buf, pos + SHB.MAJOR);
    const minor = this.u16(buf, pos + SHB.MINOR);
    if (major !== 1) {
      if (this.sections === 0) {
        throw new InputError(`${this.ctx.name}: pcapng version ${major}.${minor} is not supported (expected 1.x)`);
      }
      this.ctx.warn('unsupported', `section ${this.sections + 1} at offset ${base + pos} has pcapng version ${major}.${minor}; stopped reading there`, base + pos, this.ctx.frames + 1);
      this.stopped = true;
      return;
    }
    this.sections++;
    if (this.le) this.sawLE = true; else this.sawBE = true;
    this.ifaces = [];
  }

  private interfaceDescription(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < IDB.MIN_LEN) {
      // Keep interface numbering right: a broken IDB still takes its id, with an unknown link type.
      this.ctx.warn('corrupt', `interface description block at offset ${base + pos} too short (${len} bytes); its interface is unusable`, base + pos);
    }
    const iface: Iface = {
      linkType: len >= IDB.MIN_LEN ? this.u16(buf, pos + IDB.LINKTYPE) : 0xffff,
      snaplen: len >= IDB.MIN_LEN ? this.u32(buf, pos + IDB.SNAPLEN) : 0,
      fcsLen: 0,
      ts: tsUnit(),
      frames: 0,
      lastSec: -Infinity,
      lastNsec: 0,
      lastFrameNo: 0,
      name: null,
      stats: null,
    };
    let tsresol = 6;
    let offsetSec = 0;
    const optEnd = pos + len - 4;
    let o = pos + IDB.OPTIONS;
    while (o + 4 <= optEnd) {
      const code = this.u16(buf, o);
      const olen = this.u16(buf, o + 2);
      if (code === OPT.END) break;
      if (o + 4 + olen > optEnd) {
        this.ctx.warn('corrupt', `interface ${this.ifaces.length} (offset ${base + pos}): option ${code} runs past its block; later options ignored`, base + pos);
        break;
      }
      if (code === OPT.IF_TSRESOL && olen >= 1) tsresol = buf[o + 4]!;
      else if (code === OPT.IF_NAME && olen > 0) iface.name = buf.toString('utf8', o + 4, o + 4 + olen).replace(/\0+$/, '');
      else if (code === OPT.IF_FCSLEN && olen >= 1) iface.fcsLen = buf[o + 4]!;
      else if (code === OPT.IF_TSOFFSET && olen >= 8) {
        // Signed 64-bit seconds; read as two halves (exact for any sane offset).
        const a = this.le ? buf.readInt32LE(o + 8) : buf.readInt32BE(o + 4);
        const b = this.le ? le32(buf, o + 4) : be32(buf, o + 8);
        offsetSec = a * 4294967296 + b;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    iface.ts = tsUnit(tsresol, offsetSec);
    this.ifaces.push(iface);
    this.allIfaces.push(iface);
  }

  /**
   * An Interface Statistics Block: running totals for one interface at the block's time. Later blocks
   * of the same interface replace earlier ones (the counters are cumulative); a counter a block leaves
   * out keeps its earlier value.
   */
  private interfaceStatistics(buf: Buffer, pos: number, len: number, base: number): void {
    const ifId = len >= ISB.MIN_LEN ? this.u32(buf, pos + ISB.IFACE) : -1;
    const iface = this.ifaces[ifId];
    if (iface === undefined) {
      this.ctx.warn('corrupt', `statistics block at offset ${base + pos} ${ifId < 0 ? `too short (${len} bytes)` : `refers to interface ${ifId}, but the section has ${this.ifaces.length}`}; ignored`, base + pos);
      return;
    }
    const st = iface.stats ??= newInterfaceStats(this.allIfaces.indexOf(iface), iface.linkType);
    if (iface.name !== null) st.name = iface.name;
    st.blocks++;
    st.at = this.isbTime(iface, this.u32(buf, pos + ISB.TS_HI), this.u32(buf, pos + ISB.TS_LO));
    const optEnd = pos + len - 4;
    for (let o = pos + ISB.OPTIONS; o + 4 <= optEnd;) {
      const code = this.u16(buf, o);
      const olen = this.u16(buf, o + 2);
      if (code === OPT.END || o + 4 + olen > optEnd) break;
      if (olen === 8) {
        const v = o + 4;
        switch (code) {
          case ISB_OPT.STARTTIME: st.start = this.isbTime(iface, this.u32(buf, v), this.u32(buf, v + 4)); break;
          case ISB_OPT.ENDTIME: st.end = this.isbTime(iface, this.u32(buf, v), this.u32(buf, v + 4)); break;
          case ISB_OPT.IFRECV: st.received = this.u64(buf, v); break;
          case ISB_OPT.IFDROP: st.ifDrop = this.u64(buf, v); break;
          case ISB_OPT.FILTERACCEPT: st.filterAccept = this.u64(buf, v); break;
          case ISB_OPT.OSDROP: st.osDrop = this.u64(buf, v); break;
          case ISB_OPT.USRDELIV: st.userDeliv = this.u64(buf, v); break;
          default: break;
        }
      }
      o += 4 + ((olen + 3) & ~3);
    }
    sumDropped(st);
  }

  /** A 64-bit counter in the section's byte order (exact below 2^53). */
  private u64(b: Buffer, o: number): number {
    return this.le ? le32(b, o + 4) * 4294967296 + le32(b, o) : be32(b, o) * 4294967296 + be32(b, o + 4);
  }

  /** An ISB time stamp (high, low halves) in the interface's unit, in seconds; see PLAUSIBLE_EPOCH. */
  private isbTime(iface: Iface, hi: number, lo: number): number | null {
    if (hi === 0 && lo === 0) return null;
    const f = this.scratch;
    setTimestamp(f, hi, lo, iface.ts);
    let t = f.tsSec + f.tsNsec / 1e9;
    if (t < PLAUSIBLE_EPOCH && iface.ts.mode === 0 && iface.ts.div > 1e6) {
      setTimestamp(f, hi, lo, tsUnit(6, iface.ts.offsetSec));
      t = f.tsSec + f.tsNsec / 1e9;
    }
    return t;
  }
  private readonly scratch = newFrame();

  /** Counters of every interface that had a statistics block, in interface order. */
  interfaceStats(): InterfaceStats[] {
    return this.allIfaces.flatMap((i) => (i.stats ? [i.stats] : []));
  }

  private simplePacket(buf: Buffer, pos: number, len: number, base: number): void {
    const iface = this.ifaces[0];
    if (len < SPB.MIN_LEN || iface === undefined) {
      this.skip(iface === undefined ? 'simple packet block in a section without interfaces' : `simple packet block too short (${len} bytes)`, base + pos);
      return;
    }
    const origLen = this.u32(buf, pos + SPB.ORIGLEN);
    // An SPB carries no caplen: the data is origLen bytes, cut to the snaplen and to what the block holds.
    let caplen = Math.min(origLen, len - SPB.MIN_LEN);
    if (iface.snaplen !== 0 && caplen > iface.snaplen) caplen = iface.snaplen;
    const f = this.ctx.frame;
    f.tsSec = 0;
    f.tsNsec = 0;
    this.ctx.counts.untimed++;
    this.emit(iface, 0, buf, pos + SPB.DATA, caplen, origLen);
  }

  /** A block that is sound as a block but whose content cannot be a frame: skipped, counted, warned. */
  private skip(what: string, offset: number): void {
    this.ctx.counts.skippedRecords++;
    this.ctx.warn('corrupt', `block at offset ${offset}: ${what}; block skipped`, offset, this.ctx.frames + 1);
  }

  private irregular(what: string, offset: number): void {
    if (++this.ctx.counts.caplenOverOrigLen === 1) {
      this.ctx.warn('corrupt', `frame ${this.ctx.frames + 1} (offset ${offset}): ${what} (every such frame is counted)`, offset, this.ctx.frames + 1);
    }
  }

  private fatal(what: string, offset: number): void {
    if (this.sections === 0) throw new InputError(`${this.ctx.name}: this looks like pcapng with a damaged header (${what})`);
    const frameNo = this.ctx.frames + 1;
    this.ctx.warn('corrupt', `offset ${offset} (before frame ${frameNo}): ${what}; the file is damaged from here on`, offset, frameNo);
    this.stopped = true;
  }

  truncated(buf: Buffer, len: number, offset: number): void {
    if (this.sections === 0) {
      throw new InputError(`${this.ctx.name}: pcapng section header cut short (${len} bytes)`);
    }
    const frameNo = this.ctx.frames + 1;
    let what = `in a block header (${len} of ${BLOCK_HEAD} bytes)`;
    if (len >= BLOCK_HEAD) {
      const type = this.u32(buf, 0);
      what = `in a block of type 0x${type.toString(16)} (${len} of ${this.u32(buf, 4)} bytes)`;
    }
    this.ctx.warn('truncated', `file ends at offset ${offset + len}, ${what} starting at offset ${offset}, before frame ${frameNo}`, offset, frameNo);
  }

  detail(): string {
    const order = this.sawLE && this.sawBE ? 'mixed byte order' : this.sawBE ? 'big-endian' : 'little-endian';
    const n = this.allIfaces.length;
    return `pcapng, ${order}, ${this.sections} section${this.sections === 1 ? '' : 's'}, ${n} interface${n === 1 ? '' : 's'}`;
  }

  firstInterface(): { linkType: number; snaplen: number } | null {
    const i = this.allIfaces[0];
    return i ? { linkType: i.linkType, snaplen: i.snaplen } : null;
  }

  linkTypes(): Map<number, number> {
    const m = new Map<number, number>();
    for (const i of this.allIfaces) if (i.frames > 0) m.set(i.linkType, (m.get(i.linkType) ?? 0) + i.frames);
    return m;
  }
}
