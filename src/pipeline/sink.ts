/**
 * The hot loop shared by every command: one Frame in, decoded into ONE reused Segment, counted, and
 * handed on when it is TCP. Nothing is allocated per packet; the per-frame function is created once
 * per sink, not per packet.
 */
import type { Frame } from '../capture/frame.js';
import { StopReading } from '../capture/reader.js';
import { ISSUE_NAMES, newSegment, type FrameKind, type Segment } from '../decode/segment.js';
import { decodeFrame } from './stages.js';
import type { FrameCounts } from './types.js';

/** Which TCP segments go on: a capture filter, and a count after which reading stops (`-c`). */
export interface Selection {
  /** The compiled capture filter (src/filter), or null for every segment. */
  accept: ((seg: Segment) => boolean) | null;
  /** Stop reading once this many segments went on; null for no limit. */
  count: number | null;
}

const ISSUE_BITS = Object.keys(ISSUE_NAMES).map(Number).sort((a, b) => a - b);

export class FrameSink {
  readonly seg: Segment = newSegment();
  frames = 0;
  tcp = 0;
  private readonly kinds: Record<Exclude<FrameKind, 'tcp'>, number> = {
    'not-ip': 0, 'not-tcp': 0, fragment: 0, 'unsupported-link': 0, truncated: 0, malformed: 0,
  };
  private readonly issueCounts = new Float64Array(ISSUE_BITS.length);
  /** LINKTYPE → frames the decoder could not decode for lack of support (per current input). */
  unsupported = new Map<number, number>();
  /** Added to the reader's per-file frame numbers, so numbers run on across inputs. */
  frameBase = 0;
  /** Highest frame number (in the run's numbering) handed in. */
  lastFrameNo = 0;
  /** Captured bytes seen (caplen sum), for progress estimates. */
  capturedBytes = 0;

  /** Segments the capture filter rejected (counted, not passed on). */
  filteredOut = 0;
  /** Segments passed on. */
  passed = 0;
  /** The count was reached: reading stopped there (not damage). */
  stoppedAtCount = false;

  private readonly opts: { verifyChecksums: boolean };
  private readonly onTcp: (seg: Segment, frame: Frame) => void;

  /** `onTcp` gets each TCP segment and the frame it came from (both reused: copy what you keep). */
  constructor(verifyChecksums: boolean, onTcp: (seg: Segment, frame: Frame) => void, private readonly selection: Selection | null = null) {
    this.opts = { verifyChecksums };
    // Without a selection the hot path calls the consumer directly.
    this.onTcp = selection === null ? onTcp : this.selecting(onTcp, selection);
  }

  private selecting(onTcp: (seg: Segment, frame: Frame) => void, sel: Selection): (seg: Segment, frame: Frame) => void {
    const accept = sel.accept;
    const count = sel.count ?? Infinity;
    return (seg, frame) => {
      if (accept !== null && !accept(seg)) { this.filteredOut++; return; }
      onTcp(seg, frame);
      if (++this.passed >= count) {
        // Unwinds the reader at this frame (capture/reader.ts catches it): nothing after it is read.
        this.stoppedAtCount = true;
        throw new StopReading();
      }
    };
  }

  /** The per-frame callback: pass `sink.frame` to a reader. */
  readonly frame = (f: Frame): void => {
    const seg = this.seg;
    this.frames++;
    this.capturedBytes += f.caplen;
    const no = f.frameNo + this.frameBase;
    this.lastFrameNo = no;
    const kind = decodeFrame(f, seg, this.opts);
    seg.frameNo = no;
    if (kind === 'tcp') {
      this.tcp++;
      if (seg.issues !== 0) this.countIssues(seg.issues);
      this.onTcp(seg, f);
      return;
    }
    this.kinds[kind]++;
    if (kind === 'unsupported-link') this.unsupported.set(f.linkType, (this.unsupported.get(f.linkType) ?? 0) + 1);
  };

  private countIssues(bits: number): void {
    for (let i = 0; i < ISSUE_BITS.length; i++) if (bits & ISSUE_BITS[i]!) this.issueCounts[i]!++;
  }

  counts(): FrameCounts {
    const decodeIssues: Record<string, number> = {};
    ISSUE_BITS.forEach((bit, i) => { if (this.issueCounts[i]! > 0) decodeIssues[ISSUE_NAMES[bit]!] = this.issueCounts[i]!; });
    const c: FrameCounts = { frames: this.frames, tcpSegments: this.tcp, nonTcp: { ...this.kinds }, decodeIssues };
    if (this.selection?.accept) c.filteredOut = this.filteredOut;
    if (this.stoppedAtCount && this.selection?.count != null) c.stoppedAtCount = this.selection.count;
    return c;
  }
}
