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

/**
 * A frame stamped earlier than the previous frame of its interface by more than this (seconds) is
 * time running backwards: a clock stepped back, or files merged out of order. Smaller steps are
 * reordering within a capture (the corpus has 2 µs to 0.25 ms between CPUs or merged interfaces):
 * not warned about, though the flow stage still keeps each connection's clock from going back.
 */
export const TIME_STEP_TOLERANCE = 1e-3;

/** A step back in time, in words: "1.000 s", "12.500 ms". */
export function stepText(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1e3).toFixed(3)} ms`;
  const days = seconds / 86400;
  return `${seconds.toFixed(3)} s${days >= 1 ? ` (${days >= 730 ? `${(days / 365.25).toFixed(1)} years` : `${days.toFixed(1)} days`})` : ''}`;
}

export class ReaderContext {
  frames = 0;
  readonly warnings: CaptureWarning[] = [];
  private suppressed = 0;
  /** Frames stamped earlier than the previous one of their interface (beyond TIME_STEP_TOLERANCE). */
  private timeSteps = 0;
  private firstStep: { frameNo: number; prevFrameNo: number; offset: number; seconds: number } | null = null;
  private largestStep = 0;

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

  /**
   * Frame `frameNo` (at `offset`) is stamped `seconds` earlier than frame `prevFrameNo`, the previous
   * one of its interface. Counted; the input gets one warning, naming the first step (closeWarnings).
   */
  timeStep(frameNo: number, prevFrameNo: number, offset: number, seconds: number): void {
    if (seconds <= TIME_STEP_TOLERANCE) return;
    this.timeSteps++;
    if (this.firstStep === null) this.firstStep = { frameNo, prevFrameNo, offset, seconds };
    if (seconds > this.largestStep) this.largestStep = seconds;
  }

  /** Adds the time-backwards warning and the "N more warnings" line, once, when the input ends. */
  closeWarnings(offset: number): void {
    const s = this.firstStep;
    if (s !== null) {
      const more = this.timeSteps > 1 ? `; ${this.timeSteps} frames step back in this input, the largest by ${stepText(this.largestStep)}` : '';
      this.warnings.push({
        kind: 'time-backwards',
        message: `${this.name}: time steps back ${stepText(s.seconds)} at frame ${s.frameNo} (offset ${s.offset}): it is stamped earlier than frame ${s.prevFrameNo}${more}`,
        offset: s.offset, frameNo: s.frameNo, stepSeconds: s.seconds, steps: this.timeSteps, largestStepSeconds: this.largestStep,
      });
      this.firstStep = null;
    }
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
