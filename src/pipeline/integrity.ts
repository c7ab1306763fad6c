/**
 * Whether the captures are a faithful record: every reason to doubt them, gathered from the inputs'
 * warnings (truncation, corruption, unsupported sections, records the reader had to adjust or skip,
 * and any other kind a reader adds, such as drops) and the frames that could not be decoded. `check`
 * reports these in every format and fails on them with `--fail-on damaged`; `analyze` prints them
 * on stderr beside a machine-readable document.
 */
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
