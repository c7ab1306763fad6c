/**
 * How sure a verdict is. Some anomalies rest on a packet's absence (no answer to a SYN, no ACK of the
 * last FIN: the catalogue's `restsOnAbsence`); when the capture may have missed packets around them,
 * the packet may have been sent and missed by the capture instead. Such a verdict is then marked
 * `confidence: 'uncertain'` with the reason, and the connection lists its reasons (`uncertainBecause`).
 *
 * The reasons: packets the capture says it dropped (kernel or interface counters, from pcapng statistics
 * blocks or a live engine) during the connection; gaps in the connection itself (a sequence jump, an
 * ACK of data never shown: Connection.gaps); segments of it the snaplen cut. Pure, and run on finished
 * connections only (never per packet): judging again with more facts gives the same or more reasons.
 */
import { ANOMALIES } from './anomalies.js';
import type { AnomalyOccurrence, Connection, DirectionGaps, EndpointRole } from './model.js';

/** Packets one input's capture says it dropped, and when (the pipeline reads them from the inputs). */
export interface CaptureDrops {
  /** The input's frames, in the run's numbering: the connections they concern. */
  firstFrame: number;
  lastFrame: number;
  /** The time window the drops happened in (seconds since the epoch); null: sometime during the capture. */
  from: number | null;
  to: number | null;
  /** Dropped by the operating system (kernel capture buffer full) and by the interface or its driver. */
  kernel: number;
  iface: number;
}

function count(n: number, one: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : `${one}s`}`;
}

function clock(t: number): string {
  return new Date(t * 1000).toISOString().slice(11, 23);
}

/** "1,204 packets dropped by the kernel during the capture". */
export function dropReason(d: CaptureDrops): string {
  const who = d.kernel > 0 && d.iface > 0
    ? `${count(d.kernel, 'packet')} dropped by the kernel and ${d.iface.toLocaleString('en-US')} by the interface`
    : d.kernel > 0 ? `${count(d.kernel, 'packet')} dropped by the kernel` : `${count(d.iface, 'packet')} dropped by the interface`;
  const when = d.from === null || d.to === null ? 'during the capture' : `between ${clock(d.from)} and ${clock(d.to)} UTC`;
  return `${who} ${when}`;
}

/** Whether drops may have hit the frames first..last, sent between t0 and t1. */
function dropsTouch(d: CaptureDrops, first: number, last: number, t0: number, t1: number): boolean {
  if (last < d.firstFrame || first > d.lastFrame) return false;
  return d.from === null || d.to === null || (d.from <= t1 && d.to >= t0);
}

function gapReasons(g: DirectionGaps, role: EndpointRole, out: string[]): void {
  const peer = role === 'client' ? 'server' : 'client';
  if (g.skippedSegments > 0) out.push(`the capture skipped ${count(g.skippedSegments, 'segment')} the ${role} sent`);
  if (g.ackedUnseen > 0) out.push(`the ${peer} acknowledged data of the ${role} the capture never showed`);
}

/** Every reason to doubt what the capture shows of c (empty: none). */
export function connectionDoubts(c: Connection, drops: readonly CaptureDrops[]): string[] {
  const out: string[] = [];
  for (const d of drops) if (dropsTouch(d, c.firstPacket, c.lastPacket, c.start, c.end)) out.push(dropReason(d));
  if (c.gaps) { gapReasons(c.gaps.client, 'client', out); gapReasons(c.gaps.server, 'server', out); }
  if (c.cutSegments) out.push(`${count(c.cutSegments, 'segment')} of this connection cut by the snaplen`);
  return out;
}

function restsOnAbsence(a: AnomalyOccurrence): boolean {
  return ANOMALIES[a.id].restsOnAbsence === true;
}

function marked(a: AnomalyOccurrence, because: string): AnomalyOccurrence {
  return { ...a, confidence: 'uncertain', uncertainBecause: because };
}

/**
 * c with its absence verdicts marked uncertain when there is a reason to doubt them; c itself when it
 * has no such verdict or no reason.
 */
export function judgeConfidence(c: Connection, drops: readonly CaptureDrops[]): Connection {
  if (!c.anomalies.some(restsOnAbsence)) return c;
  const reasons = connectionDoubts(c, drops);
  if (reasons.length === 0) return c;
  const because = reasons.join('; ');
  return {
    ...c,
    anomalies: c.anomalies.map((a) => (restsOnAbsence(a) ? marked(a, because) : a)),
    uncertainBecause: reasons,
  };
}

/** Listener-wide anomalies (no connection of their own): only the capture's drops at their packet can doubt them. */
export function judgeGlobalConfidence(anomalies: readonly AnomalyOccurrence[], drops: readonly CaptureDrops[]): AnomalyOccurrence[] {
  if (drops.length === 0) return anomalies.slice();
  return anomalies.map((a) => {
    if (!restsOnAbsence(a)) return a;
    const reasons = drops.filter((d) => dropsTouch(d, a.packet, a.packet, a.t, a.t)).map(dropReason);
    return reasons.length ? marked(a, reasons.join('; ')) : a;
  });
}
