/**
 * What the chunk-driven parser shares with the format readers (pcap, pcapng): the one reused Frame,
 * the callback, counters and warnings.
 */
import type { CaptureCounts, CaptureWarning, Frame } from './frame.js';
import type { InterfaceStats } from './stats.js';

/**
 * Largest classic pcap record accepted: libpcap's and Wireshark's MAXIMUM_SNAPLEN. A bigger caplen there
 * is corruption (nothing else frames the record). pcapng blocks carry their own length instead.
 */
export const MAX_CAPLEN = 262144;

/** At most this many warnings are kept per input; the rest are counted in the last one. */
const MAX_WARNINGS = 20;

export class ReaderContext {
  frames = 0;
  readonly warnings: CaptureWarning[] = [];
  private suppressed = 0;

  constructor(
    readonly name: string,
    readonly frame: Frame,
    readonly onFrame: (f: Frame) => void,
    readonly counts: CaptureCounts,
  ) {}

  warn(kind: CaptureWarning['kind'], message: string, offset: number, frameNo?: number): void {
    if (this.warnings.length >= MAX_WARNINGS) {
      this.suppressed++;
      return;
    }
    const w: CaptureWarning = { kind, message: `${this.name}: ${message}`, offset };
    if (frameNo !== undefined) w.frameNo = frameNo;
    this.warnings.push(w);
  }

  /** Adds the "N more warnings" line, once, when the input ends. */
  closeWarnings(offset: number): void {
    if (this.suppressed > 0) {
      this.warnings.push({
        kind: 'corrupt',
        message: `${this.name}: ${this.suppressed} more warning(s) not shown`,
        offset,
      });
      this.suppressed = 0;
    }
  }
}

/**
 * One container format. The parser drives it with whole chunks (consume) and, for a unit that straddles
 * chunks, asks how many bytes the unit needs (need) so it can gather exactly that many into its carry
 * buffer first.
 */
export interface FormatReader {
  /** Set once the reader met damage it cannot step over; later bytes are ignored. */
  stopped: boolean;
  /**
   * Bytes the unit starting at buf[pos] needs, given `avail` bytes are there. A value <= avail means
   * consume can act on it now (it is complete, or its header is already known to be broken).
   */
  need(buf: Buffer, pos: number, avail: number): number;
  /**
   * Handles every complete unit in buf[pos, end); returns the start of the first incomplete one.
   * `base` is the absolute input offset of buf[0], for warnings.
   */
  consume(buf: Buffer, pos: number, end: number, base: number): number;
  /** The input ended inside a unit: `len` bytes of it at absolute `offset`. */
  truncated(buf: Buffer, len: number, offset: number): void;
  /** Human summary of the container ("pcap, little-endian, microsecond, snaplen 65535"). */
  detail(): string;
  /** LINKTYPE → frames. */
  linkTypes(): Map<number, number>;
  /** The first interface's link type and snaplen, once its header (pcap file header, IDB) was read. */
  firstInterface(): { linkType: number; snaplen: number } | null;
  /** Per-interface counters the input holds about itself (pcapng Interface Statistics Blocks). */
  interfaceStats?(): InterfaceStats[];
}
