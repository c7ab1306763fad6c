/**
 * A live capture as an input of the analysis: its engine, what that engine cannot do, and what it
 * says it missed (the drop counters, and the moments they changed), in the shape files give
 * (InputSummary.interfaceStats), so the stages after capture can judge verdicts the same way for both.
 */
import type { EngineName, DropCounters } from '../capture/live-source.js';
import { sumDropped, type DropChange, type InterfaceStats } from '../capture/stats.js';
import type { FrameCounts, InputSummary } from './types.js';
import { linkTypeName } from './stages.js';

/** How a live input was captured (InputSummary.capture). */
export interface LiveCaptureFacts {
  engine: EngineName;
  /** e.g. "tcpdump 4.99.3 (libpcap 1.10.3)". */
  engineDetail: string;
  /** True: packets carry the kernel's time stamps; false: when Node received them (cap). */
  kernelTimestamps: boolean;
  /** What the engine cannot do, in plain words. */
  limits: string[];
  /** Engines `--engine auto` passed over, and why. */
  skipped: Array<{ engine: EngineName; reason: string }>;
  /** Kernel buffer asked for, KiB. */
  bufferKiB: number;
  /** The moments the drop counters changed while capturing (running totals), in time order. */
  dropChanges: DropChange[];
}

/** Keeps the moments the drop counters changed (at most one a poll: a second), with the window before each. */
export class DropLog {
  readonly changes: DropChange[] = [];
  private kernel: number | null = null;
  private iface: number | null = null;

  /** Records `c` at `t` when a drop counter differs from the last one recorded. */
  /** The last time counters were read (the capture start at first). */
  private lastRead: number;

  constructor(start: number) {
    this.lastRead = start;
  }

  record(c: DropCounters, t: number): boolean {
    const since = this.lastRead;
    this.lastRead = t;
    if (c.kernel === this.kernel && c.interface === this.iface) return false;
    this.kernel = c.kernel;
    this.iface = c.interface;
    this.changes.push({ t, since, received: c.received, kernel: c.kernel, interface: c.interface });
    return true;
  }
}

export interface LiveInputArgs {
  iface: string;
  filter: string;
  linkType: number;
  snaplen: number;
  frames: FrameCounts;
  capturedBytes: number;
  counters: DropCounters;
  start: number;
  end: number;
  truncated: number;
  facts: LiveCaptureFacts;
}

export function liveInputSummary(a: LiveInputArgs): InputSummary & { capture: LiveCaptureFacts } {
  const n = a.frames.frames;
  const f = a.facts;
  const stats: InterfaceStats = sumDropped({
    interface: 0, name: a.iface, linkType: a.linkType, at: a.end, start: a.start, end: a.end,
    received: a.counters.received, ifDrop: a.counters.interface, osDrop: a.counters.kernel,
    filterAccept: null, userDeliv: n, dropped: null, blocks: f.dropChanges.length,
  });
  const detail = `live capture on ${a.iface} with ${f.engineDetail}, ${f.kernelTimestamps ? 'kernel time stamps' : 'time stamps taken when Node received each packet'}` +
    `${a.filter ? `, filter "${a.filter}"` : ''}, snaplen ${a.snaplen}`;
  return {
    name: a.iface, format: 'live', detail, gzip: false, frames: n, bytes: a.capturedBytes, firstFrame: 1, lastFrame: n,
    linkTypes: n ? [{ linkType: a.linkType, name: linkTypeName(a.linkType), frames: n, supported: a.frames.nonTcp['unsupported-link'] === 0 }] : [],
    warnings: a.truncated ? [{ kind: 'truncated', message: `${a.iface}: ${a.truncated} packet(s) longer than ${a.snaplen} bytes were cut`, offset: 0 }] : [],
    interfaceStats: [stats],
    capture: f,
  };
}
