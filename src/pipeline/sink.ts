/**
 * The hot loop shared by every command: one Frame in, decoded into ONE reused Segment, counted, and
 * handed on when it is TCP. Nothing is allocated per packet; the per-frame function is created once
 * per sink, not per packet.
 */
import type { Frame } from '../capture/frame.js';
import { ISSUE_NAMES, newSegment, type FrameKind, type Segment } from '../decode/segment.js';
import { decodeFrame } from './stages.js';
import type { FrameCounts } from './types.js';

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

  private readonly opts: { verifyChecksums: boolean };

  constructor(verifyChecksums: boolean, private readonly onTcp: (seg: Segment) => void) {
    this.opts = { verifyChecksums };
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
      this.onTcp(seg);
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
    return { frames: this.frames, tcpSegments: this.tcp, nonTcp: { ...this.kinds }, decodeIssues };
  }
}
