/**
 * Whether the captures are a faithful record: every reason to doubt them, gathered from the inputs'
 * warnings (truncation, corruption, unsupported sections, records the reader had to adjust or skip,
 * and any other kind a reader adds, such as drops) and the frames that could not be decoded. `check`
 * reports these in every format and fails on them with `--fail-on damaged`; `analyze` prints them
 * on stderr beside a machine-readable document.
 */
import type { CaptureDrops } from '../flow/confidence.js';
import type { FrameCounts, InputSummary } from './types.js';

export interface CaptureProblem {
  /** The input's name as given, or null for counts over all inputs (undecodable frames). */
  input: string | null;
  /** The capture warning's kind (truncated, corrupt, unsupported...), 'dropped', or 'undecodable'. */
  kind: string;
  message: string;
  /** The frame the problem hit, when known (run-wide numbering). */
  frame?: number;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

export function captureProblems(inputs: readonly InputSummary[], counts: FrameCounts): CaptureProblem[] {
  const out: CaptureProblem[] = [];
  for (const i of inputs) {
    for (const w of i.warnings) {
      const p: CaptureProblem = { input: i.name, kind: w.kind, message: w.message };
      if (w.frameNo !== undefined) p.frame = i.firstFrame + w.frameNo - 1;
      out.push(p);
    }
    // Packets the capture itself says it lost (pcapng statistics blocks, a live engine's counters).
    for (const st of i.interfaceStats ?? []) {
      if (st.dropped === null || st.dropped === 0) continue;
      const who = `interface ${st.interface}${st.name ? ` (${st.name})` : ''}`;
      const of = st.received !== null ? ` of ${st.received} received` : '';
      out.push({ input: i.name, kind: 'dropped', message: `${i.name}: the capture dropped ${plural(st.dropped, 'packet')}${of} on ${who}` });
    }
  }
  const bad = counts.nonTcp.malformed + counts.nonTcp.truncated;
  if (bad > 0) {
    const parts = [];
    if (counts.nonTcp.malformed > 0) parts.push(`${counts.nonTcp.malformed} malformed`);
    if (counts.nonTcp.truncated > 0) parts.push(`${counts.nonTcp.truncated} cut before the TCP header`);
    out.push({ input: null, kind: 'undecodable', message: `${plural(bad, 'frame')} could not be decoded (${parts.join(', ')})` });
  }
  return out;
}

/**
 * The packets each input's capture says it dropped, for judging verdicts (flow/confidence.ts): a live
 * capture's counter changes, each in the window it happened in (and what its final counters add after
 * the last change); a file's statistics blocks (running totals: the last counts), sometime during it.
 */
export function captureDrops(inputs: readonly InputSummary[]): CaptureDrops[] {
  const out: CaptureDrops[] = [];
  for (const i of inputs) {
    const frames = { firstFrame: i.firstFrame, lastFrame: i.lastFrame };
    let kernel = 0, iface = 0, last: number | null = null;
    // When each counter was last read. A counter the engine does not report while capturing (dumpcap's
    // kernel drops: null until it stops) covers everything since it was last read, or since the start:
    // taking the previous change's window instead missed a burst before the first reading.
    const changes = i.capture?.dropChanges ?? [];
    let kernelRead = changes[0]?.since ?? null, ifaceRead = kernelRead;
    for (const ch of changes) {
      const k = (ch.kernel ?? 0) - kernel, f = (ch.interface ?? 0) - iface;
      if (k > 0 || f > 0) {
        const from = k > 0 && f > 0 ? Math.min(kernelRead ?? -Infinity, ifaceRead ?? -Infinity) : k > 0 ? kernelRead : ifaceRead;
        out.push({ ...frames, from: from === null || from === -Infinity ? null : from, to: ch.t, kernel: Math.max(0, k), iface: Math.max(0, f) });
      }
      if (ch.kernel !== null && ch.kernel !== undefined) { kernel = ch.kernel; kernelRead = ch.t; }
      if (ch.interface !== null && ch.interface !== undefined) { iface = ch.interface; ifaceRead = ch.t; }
      last = ch.t;
    }
    for (const st of i.interfaceStats ?? []) {
      const k = (st.osDrop ?? 0) - kernel, f = (st.ifDrop ?? 0) - iface;
      if (k <= 0 && f <= 0) continue;
      // After the live capture's last change (to its end), or sometime during a file.
      const timed = last !== null && st.end !== null;
      out.push({ ...frames, from: timed ? last : null, to: timed ? st.end : null, kernel: Math.max(0, k), iface: Math.max(0, f) });
    }
  }
  return out;
}
