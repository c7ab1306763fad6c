/**
 * The push parser: bytes in, in chunks of any size, frames out. Memory does not grow with the input:
 * a frame lying inside the current chunk is handed over as a view on that chunk; only a record that
 * straddles two chunks is gathered into one reused carry buffer (as large as the largest such record).
 */
import { InputError } from '../util/errors.js';
import { newCaptureCounts, newFrame, type CaptureFormat, type CaptureInfo, type Frame } from './frame.js';
import { describeUnknown, detect } from './magic.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import { ReaderContext, type FormatReader } from './reader-context.js';

export interface CaptureParser {
  /** Feeds the next bytes. Throws InputError when the input is not a capture at all. */
  push(chunk: Buffer): void;
  /**
   * Marks the end of input; reports truncation as a warning. Throws InputError for empty or unrecognised
   * input. `stopped`: the caller stopped reading early (an AbortSignal, `-c`), so a record cut at the
   * last chunk's end is where the reading stopped, not damage.
   */
  end(stopped?: boolean): CaptureInfo;
  /**
   * The first interface's link type and snaplen once the stream's header has been read (a live
   * engine's stream says them before its first packet), else null.
   */
  firstInterface(): { linkType: number; snaplen: number } | null;
}

export interface CaptureParserOptions {
  /** The bytes come out of a gzip stream (for the error text and CaptureInfo.gzip). */
  gzip?: boolean;
}

/** Bytes looked at to describe an input that is not a capture. */
const SNIFF_SAMPLE = 512;
const MAGIC_LEN = 4;

export function createCaptureParser(name: string, onFrame: (f: Frame) => void, opts: CaptureParserOptions = {}): CaptureParser {
  return new ChunkParser(name, onFrame, opts.gzip ?? false);
}

class ChunkParser implements CaptureParser {
  private readonly ctx: ReaderContext;
  private reader: FormatReader | null = null;
  private format: CaptureFormat = 'pcap';
  private unknownMagic = false;
  private carry = Buffer.allocUnsafe(64 * 1024);
  private carryLen = 0;
  /** Absolute input offset of carry[0]. */
  private carryAt = 0;
  /** Bytes pushed so far. */
  private bytes = 0;
  private info: CaptureInfo | null = null;

  constructor(private readonly name: string, onFrame: (f: Frame) => void, private readonly gzip: boolean) {
    this.ctx = new ReaderContext(name, newFrame(), onFrame, newCaptureCounts());
  }

  push(chunk: Buffer): void {
    if (this.info !== null) throw new Error('capture parser: push() after end()');
    const base = this.bytes;
    this.bytes += chunk.length;
    let pos = 0;
    if (this.reader === null) {
      pos = this.sniff(chunk);
      if (this.reader === null) return;
    }
    const r: FormatReader = this.reader;
    if (r.stopped) return;
    if (this.carryLen > 0) {
      // Complete the unit that started in an earlier chunk, taking exactly the bytes it needs.
      for (;;) {
        const need = r.need(this.carry, 0, this.carryLen);
        if (need <= this.carryLen) break;
        const take = Math.min(need - this.carryLen, chunk.length - pos);
        this.append(chunk, pos, take);
        pos += take;
        if (this.carryLen < need) return;
      }
      const used = r.consume(this.carry, 0, this.carryLen, this.carryAt);
      if (used !== this.carryLen && !r.stopped) throw new Error('capture parser: carried unit not consumed');
      this.carryLen = 0;
      if (r.stopped) return;
    }
    pos = r.consume(chunk, pos, chunk.length, base);
    if (!r.stopped && pos < chunk.length) {
      this.carryAt = base + pos;
      this.append(chunk, pos, chunk.length - pos);
    }
  }

  /** Collects the magic; creates the reader once it is known. Returns the bytes of chunk used. */
  private sniff(chunk: Buffer): number {
    let pos = 0;
    if (!this.unknownMagic) {
      const take = Math.min(MAGIC_LEN - this.carryLen, chunk.length);
      this.append(chunk, 0, take);
      pos = take;
      if (this.carryLen < MAGIC_LEN) return pos;
      const d = detect(this.carry.subarray(0, this.carryLen));
      if (d.kind === 'pcap') {
        this.reader = new PcapReader(this.ctx, d);
        this.format = 'pcap';
        return pos;
      }
      if (d.kind === 'pcapng') {
        this.reader = new PcapngReader(this.ctx);
        this.format = 'pcapng';
        return pos;
      }
      this.unknownMagic = true;
    }
    // Not a capture: keep a sample to say what it is instead.
    const take = Math.min(SNIFF_SAMPLE - this.carryLen, chunk.length - pos);
    this.append(chunk, pos, take);
    if (this.carryLen >= SNIFF_SAMPLE) throw this.notACapture(false);
    return pos + take;
  }

  private notACapture(complete: boolean): InputError {
    const sample = this.carry.subarray(0, this.carryLen);
    if (this.gzip) {
      if (sample.length === 0) return new InputError(`${this.name}: gzip data that decompresses to nothing`);
      return new InputError(`${this.name}: gzip data that does not hold a capture (${describeUnknown(sample, complete)})`);
    }
    if (sample.length === 0) return new InputError(`${this.name}: the input is empty (0 bytes), not a capture`);
    if (sample.length >= 2 && sample[0] === 0x1f && sample[1] === 0x8b) {
      return new InputError(`${this.name}: gzip-compressed data; read it with readCapture, which decompresses it`);
    }
    return new InputError(`${this.name}: ${describeUnknown(sample, complete)}`);
  }

  private append(src: Buffer, from: number, n: number): void {
    if (n <= 0) return;
    if (this.carryLen + n > this.carry.length) {
      // Grows with bytes actually received, never with a length field read from the input.
      const bigger = Buffer.allocUnsafe(Math.max(this.carry.length * 2, this.carryLen + n));
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    src.copy(this.carry, this.carryLen, from, from + n);
    this.carryLen += n;
  }

  firstInterface(): { linkType: number; snaplen: number } | null {
    return this.reader?.firstInterface() ?? null;
  }

  end(stopped = false): CaptureInfo {
    if (this.info !== null) return this.info;
    const r = this.reader;
    if (r === null) throw this.notACapture(!stopped);
    if (this.carryLen > 0 && !r.stopped && !stopped) r.truncated(this.carry, this.carryLen, this.carryAt);
    this.ctx.closeWarnings(this.bytes);
    this.info = {
      name: this.name,
      format: this.format,
      detail: this.gzip ? `${r.detail()}, gzip-compressed` : r.detail(),
      gzip: this.gzip,
      frames: this.ctx.frames,
      bytes: this.bytes,
      linkTypes: r.linkTypes(),
      warnings: this.ctx.warnings,
      counts: this.ctx.counts,
    };
    const stats = r.interfaceStats?.();
    if (stats && stats.length > 0) this.info.interfaceStats = stats;
    return this.info;
  }
}
