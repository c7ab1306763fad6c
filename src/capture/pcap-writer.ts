/**
 * A classic pcap writer for `synack sniff -w`: the file header at open, then one record per frame,
 * appended as frames arrive. Records collect in a buffer that is written when it fills, at least once a
 * second while frames keep coming, and on close, so a long sniff leaves a readable file behind it even
 * if it is killed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../util/errors.js';

export interface PcapWriterOptions {
  /** LINKTYPE_* of every frame written. */
  linkType: number;
  /** Largest caplen written; longer frames are cut (their origLen is kept). Default 262144. */
  snaplen?: number;
  /** Nanosecond magic (a1b23c4d) instead of microseconds. Default false. */
  nanosecond?: boolean;
}

/** What a record needs: the Frame fields, so a Frame can be passed as is. */
export interface PcapRecord {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  origLen: number;
  data: Buffer;
  offset: number;
}

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const BUFFER_SIZE = 256 * 1024;
const FLUSH_INTERVAL_MS = 1000;
const DEFAULT_SNAPLEN = 262144;

export class PcapWriter {
  private fd: number | null;
  private readonly buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private used = 0;
  private lastFlush = Date.now();
  private readonly snaplen: number;
  private readonly nanosecond: boolean;
  /** Records written so far. */
  records = 0;

  /** Creates (or truncates) `path` and writes the file header. Throws InputError naming the file. */
  constructor(readonly path: string, opts: PcapWriterOptions) {
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.nanosecond = opts.nanosecond ?? false;
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new InputError(`${path}: cannot create capture file (${describe(e)})`);
    }
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
  write(r: PcapRecord): void {
    if (this.fd === null) throw new Error(`${this.path}: write after close`);
    const caplen = Math.min(r.caplen, this.snaplen);
    const need = RECORD_HEADER_LEN + caplen;
    if (this.used + need > this.buf.length) this.flush();
    if (need > this.buf.length) {
      // Larger than the whole buffer (a snaplen above 256 KiB): header and data go out directly.
      this.writeOut(this.recordHeader(r, caplen, Buffer.allocUnsafe(RECORD_HEADER_LEN), 0), RECORD_HEADER_LEN);
      this.writeOut(r.data.subarray(r.offset, r.offset + caplen), caplen);
    } else {
      this.recordHeader(r, caplen, this.buf, this.used);
      r.data.copy(this.buf, this.used + RECORD_HEADER_LEN, r.offset, r.offset + caplen);
      this.used += need;
    }
    this.records++;
    const now = Date.now();
    if (now - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush(now);
  }

  private recordHeader(r: PcapRecord, caplen: number, b: Buffer, o: number): Buffer {
    const frac = this.nanosecond ? r.tsNsec : Math.floor(r.tsNsec / 1000);
    b.writeUInt32LE(r.tsSec >>> 0, o);
    b.writeUInt32LE(frac, o + 4);
    b.writeUInt32LE(caplen, o + 8);
    b.writeUInt32LE(Math.max(r.origLen, caplen) >>> 0, o + 12);
    return b;
  }

  /** Writes buffered records to the file. */
  flush(now = Date.now()): void {
    if (this.fd === null || this.used === 0) return;
    this.writeOut(this.buf, this.used);
    this.used = 0;
    this.lastFlush = now;
  }

  private writeOut(b: Buffer, n: number): void {
    let off = 0;
    try {
      while (off < n) off += writeSync(this.fd!, b, off, n - off);
    } catch (e) {
      throw new InputError(`${this.path}: cannot write capture file (${describe(e)})`);
    }
  }

  /** Flushes and closes; further writes throw. Safe to call twice. */
  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'ENOENT': return 'no such directory';
    case 'EISDIR': return 'is a directory';
    case 'ENOSPC': return 'no space left on device';
    case 'EROFS': return 'read-only file system';
    default: return (e as Error).message;
  }
}
