/**
 * The buffered file under synack's capture writers (pcap, pcapng): bytes collect in one buffer that is
 * written when it fills, at least once a second while records keep coming, and on close, so a long
 * sniff leaves a readable file behind it even if it is killed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../util/errors.js';

const BUFFER_SIZE = 256 * 1024;
const FLUSH_INTERVAL_MS = 1000;

/** What a record needs: the Frame fields, so a Frame can be passed as is. */
export interface CaptureRecord {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  origLen: number;
  data: Buffer;
  offset: number;
}

export abstract class BufferedCaptureFile {
  private fd: number | null;
  protected readonly buf = Buffer.allocUnsafe(BUFFER_SIZE);
  protected used = 0;
  private lastFlush = Date.now();
  /** Records written so far. */
  records = 0;

  /** Creates (or truncates) `path`. Throws InputError naming the file. */
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new InputError(`${path}: cannot create capture file (${describe(e)})`);
    }
  }

  /**
   * Makes room for `need` bytes at buf[used]: true when they fit the buffer (the caller writes them
   * there and advances `used`), false when the record is larger than the whole buffer (the caller
   * hands it to writeOut in pieces). Throws after close.
   */
  protected room(need: number): boolean {
    if (this.fd === null) throw new Error(`${this.path}: write after close`);
    if (this.used + need > this.buf.length) this.flush();
    return need <= this.buf.length;
  }

  /** Counts one record and flushes when a second has passed since the last write to the file. */
  protected recorded(): void {
    this.records++;
    const now = Date.now();
    if (now - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush(now);
  }

  /** Writes buffered records to the file. */
  flush(now = Date.now()): void {
    if (this.fd === null || this.used === 0) return;
    this.writeOut(this.buf, this.used);
    this.used = 0;
    this.lastFlush = now;
  }

  protected writeOut(b: Buffer, n: number): void {
    let off = 0;
    try {
      while (off < n) off += writeSync(this.fd!, b, off, n - off);
    } catch (e) {
      throw new InputError(`${this.path}: cannot write capture file (${describe(e)})`);
    }
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Flushes and closes; further writes throw. Safe to call twice. */
  protected closeFile(): void {
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
