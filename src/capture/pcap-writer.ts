/**
 * A classic pcap writer for `synack sniff -w x.pcap`: the file header at open, then one record per
 * frame, appended as frames arrive (buffering: file-writer.ts). Classic pcap has no room for capture
 * statistics: pcapng-writer.ts writes them.
 */
import { BufferedCaptureFile, type CaptureRecord } from './file-writer.js';

export type { CaptureRecord as PcapRecord } from './file-writer.js';

export interface PcapWriterOptions {
  /** LINKTYPE_* of every frame written. */
  linkType: number;
  /** Largest caplen written; longer frames are cut (their origLen is kept). Default 262144. */
  snaplen?: number;
  /** Nanosecond magic (a1b23c4d) instead of microseconds. Default false. */
  nanosecond?: boolean;
}

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const DEFAULT_SNAPLEN = 262144;

export class PcapWriter extends BufferedCaptureFile {
  private readonly snaplen: number;
  private readonly nanosecond: boolean;

  /** Creates (or truncates) `path` and writes the file header. Throws InputError naming the file. */
  constructor(path: string, opts: PcapWriterOptions) {
    super(path);
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.nanosecond = opts.nanosecond ?? false;
    const h = this.buf;
    // Written little-endian, as libpcap does on the machines synack runs on; readers handle both orders.
    h.writeUInt32LE(this.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8); // thiszone: always UTC
    h.writeUInt32LE(0, 12); // sigfigs
    h.writeUInt32LE(this.snaplen, 16);
    h.writeUInt32LE(opts.linkType >>> 0, 20);
    this.used = FILE_HEADER_LEN;
    this.flush();
  }

  /** Appends one record. Frames longer than the snaplen are cut to it. */
  write(r: CaptureRecord): void {
    const caplen = Math.min(r.caplen, this.snaplen);
    const need = RECORD_HEADER_LEN + caplen;
    if (this.room(need)) {
      this.recordHeader(r, caplen, this.buf, this.used);
      r.data.copy(this.buf, this.used + RECORD_HEADER_LEN, r.offset, r.offset + caplen);
      this.used += need;
    } else {
      // Larger than the whole buffer (a snaplen above 256 KiB): header and data go out directly.
      this.writeOut(this.recordHeader(r, caplen, Buffer.allocUnsafe(RECORD_HEADER_LEN), 0), RECORD_HEADER_LEN);
      this.writeOut(r.data.subarray(r.offset, r.offset + caplen), caplen);
    }
    this.recorded();
  }

  private recordHeader(r: CaptureRecord, caplen: number, b: Buffer, o: number): Buffer {
    const frac = this.nanosecond ? r.tsNsec : Math.floor(r.tsNsec / 1000);
    b.writeUInt32LE(r.tsSec >>> 0, o);
    b.writeUInt32LE(frac, o + 4);
    b.writeUInt32LE(caplen, o + 8);
    b.writeUInt32LE(Math.max(r.origLen, caplen) >>> 0, o + 12);
    return b;
  }

  /** Flushes and closes; further writes throw. Safe to call twice. */
  close(): void {
    this.closeFile();
  }
}
