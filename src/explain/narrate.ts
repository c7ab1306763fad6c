/**
 * One connection's life in plain sentences, told from the analysis (the Connection: its timelines with
 * their causes and inferred steps, lost segments, anomalies) and the segments of the second pass
 * (pipeline/ladder.ts: flags, numbers, windows, SYN options). Nothing is derived again: every state
 * change is the timeline's, every loss and anomaly the tracker's; the narration only says them in
 * order, with the times and numbers the segments show, and marks what is inferred and why.
 */
import { FLAG, type TcpOption } from '../decode/segment.js';
import { ANOMALIES } from '../flow/anomalies.js';
import type { AnomalyId, AnomalyOccurrence, Connection, EndpointRole, Listener, TcpState, Transition } from '../flow/model.js';
import { seqAdd, seqGe } from '../flow/seq.js';
import type { Evidence } from '../flow/state-table.js';
import type { LadderSegment } from '../pipeline/ladder.js';
import { duration, endpoint, num, plural } from '../report/text.js';
import { arcOf } from './arc-of.js';
import {
  EXPLAIN_SCHEMA_VERSION, type ConnectionExplanation, type InitialWindow, type NarratedAnomaly, type NarratedTransition,
  type NarrationStep, type ScaledWindow, type WindowFacts,
} from './explanation.js';
import { contrastText, initialWindow, initialWindowText, scaledWindow, scaledWindowText } from './windows.js';

export interface NarrationInput {
  connection: Connection;
  /** The connection's segments from the second pass; null when the input could not be read twice. */
  segments: readonly LadderSegment[] | null;
  /** The most segments the second pass keeps (it stops there). */
  segmentLimit: number;
  /** The server's listener (its SYN queue), when the analysis has it. */
  listener: Listener | null;
  inputs: string[];
  mslSeconds: number;
}

/** How synack knows, per evidence rule, in the words of a narration. */
const EVIDENCE_PHRASE: Readonly<Record<Evidence, string>> = {
  sent: 'its own segment passed the capture point',
  answered: 'its own later segment shows the segment arrived',
  'not-resent': 'it did not send again what this acknowledged',
  timer: 'deduced from time: nothing on the wire marks it',
  inference: 'deduced from other segments: nothing on the wire marks it',
};

/** Anomalies only the end of a connection tells: said with its ending, not at their packet. */
function endsConnection(a: AnomalyOccurrence): boolean {
  return a.id === 'half-open' || a.id === 'half-closed' || a.id === 'syn-unanswered' ||
    (a.id === 'lost-final-ack' && a.details?.['case'] === 'fin-never-acked');
}

const RESENDS: ReadonlySet<AnomalyId> = new Set(['syn-retransmission', 'synack-retransmission', 'fin-retransmission', 'retransmission']);

/** Two times of one event (a transition placed at its segment carries the segment's time). */
function sameTime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-7;
}

function The(role: EndpointRole): string {
  return `The ${role}`;
}

function other(role: EndpointRole): EndpointRole {
  return role === 'client' ? 'server' : 'client';
}

function detailNumber(a: AnomalyOccurrence | undefined, key: string): number | null {
  const v = a?.details?.[key];
  return typeof v === 'number' ? v : null;
}

/** "offering MSS 1460, window scale 7 (×128), SACK and timestamps"; "with no options". */
function optionsPhrase(opts: readonly TcpOption[]): string {
  const parts: string[] = [];
  for (const o of opts) {
    switch (o.kind) {
      case 'mss': parts.push(`MSS ${o.value}`); break;
      case 'wscale': parts.push(`window scale ${o.shift} (×${num(2 ** Math.min(o.shift, 14))})`); break;
      case 'sackOK': parts.push('SACK'); break;
      case 'timestamp': parts.push('timestamps'); break;
      case 'fastopen': parts.push(o.cookie === '' ? 'a Fast Open cookie request' : 'a Fast Open cookie'); break;
      case 'mptcp': parts.push('Multipath TCP'); break;
      case 'md5': parts.push('an MD5 signature'); break;
      case 'tcp-ao': parts.push('TCP-AO'); break;
      case 'user-timeout': parts.push('a user timeout'); break;
      case 'unknown': parts.push(`option kind ${o.code}`); break;
      default: break;
    }
  }
  if (parts.length === 0) return 'with no options';
  const last = parts.pop()!;
  return `offering ${parts.length ? `${parts.join(', ')} and ${last}` : last}`;
}

function mssOf(opts: readonly TcpOption[]): number | null {
  for (const o of opts) if (o.kind === 'mss') return o.value;
  return null;
}

function offersTimestamps(opts: readonly TcpOption[]): boolean {
  return opts.some((o) => o.kind === 'timestamp');
}

const isSyn = (s: LadderSegment): boolean => (s.flags & FLAG.SYN) !== 0;
const isAck = (s: LadderSegment): boolean => (s.flags & FLAG.ACK) !== 0;
const isFin = (s: LadderSegment): boolean => (s.flags & FLAG.FIN) !== 0;
const isRst = (s: LadderSegment): boolean => (s.flags & FLAG.RST) !== 0;
const roleOf = (s: LadderSegment): EndpointRole => (s.fromClient ? 'client' : 'server');

/** A run of ordinary segments (data and ACKs) summed up in one step. */
interface Run {
  first: LadderSegment;
  last: LadderSegment;
  count: number;
  bytes: Record<EndpointRole, number>;
  dataSegments: Record<EndpointRole, number>;
  pureAcks: number;
  anomalies: Map<AnomalyId, { n: number; a: AnomalyOccurrence }>;
}

export function narrateConnection(n: NarrationInput): ConnectionExplanation {
  const c = n.connection;
  const t0 = c.start;
  const segs = n.segments ?? [];
  const lost = new Set(c.lostSegments ?? []);
  const segAt = new Map<number, LadderSegment>();
  for (const s of segs) segAt.set(s.packet, s);

  // Anomalies and transitions: at their segment (same packet, same time), or a moment of their own.
  const endAnomalies: AnomalyOccurrence[] = [];
  const anomaliesAt = new Map<number, AnomalyOccurrence[]>();
  const transitionsAt = new Map<number, Transition[]>();
  const moments = new Map<number, { t: number; packet: number; transitions: Transition[]; anomalies: AnomalyOccurrence[] }>();
  const moment = (t: number, packet: number) => {
    let m = moments.get(t);
    if (m === undefined) { m = { t, packet, transitions: [], anomalies: [] }; moments.set(t, m); }
    return m;
  };
  for (const a of c.anomalies) {
    if (endsConnection(a)) { endAnomalies.push(a); continue; }
    const s = segAt.get(a.packet);
    if (s !== undefined && sameTime(s.t, a.t)) push(anomaliesAt, a.packet, a);
    else moment(a.t, a.packet).anomalies.push(a);
  }
  for (const tr of c.timeline) {
    const s = segAt.get(tr.packet);
    if (s !== undefined && sameTime(s.t, tr.t)) push(transitionsAt, tr.packet, tr);
    else moment(tr.t, tr.packet).transitions.push(tr);
  }

  const windows = windowFacts(c, segs);
  const firstScaledPackets = new Set([windows.firstScaled.client?.packet, windows.firstScaled.server?.packet].filter((p): p is number => p !== undefined));
  const seenDataIds = new Set<AnomalyId>();
  const steps: NarrationStep[] = [];
  const rel = (t: number) => t - t0;

  if (c.initialStates.client !== 'CLOSED' || c.initialStates.server !== 'CLOSED') {
    steps.push({
      t: c.start, offset: 0, packet: c.firstPacket, endpoint: null, inferred: true,
      because: 'no SYN or SYN-ACK of this connection was captured',
      text: `The capture begins in the middle of this connection: no handshake was seen, so both endpoints start in ` +
        `${c.initialStates.client === c.initialStates.server ? c.initialStates.client : `${c.initialStates.client} and ${c.initialStates.server}`} (inferred)` +
        (c.roleInferred ? `, and the roles come from the ports (inferred): ${endpoint(c.server)} is taken as the server.` : '.'),
      notes: ['Window fields cannot be read in bytes here: the window scale is offered only in the SYNs, which were not captured.'],
    });
  }

  let run: Run | null = null;
  const flush = (): void => {
    if (run === null) return;
    steps.push(runStep(run, t0));
    run = null;
  };

  for (const s of segs) {
    const atAnomalies = anomaliesAt.get(s.packet) ?? [];
    const atTransitions = transitionsAt.get(s.packet) ?? [];
    const firstOfItsKind = atAnomalies.some((a) => ANOMALIES[a.id].phase !== 'data' || !seenDataIds.has(a.id));
    const notable = isSyn(s) || isFin(s) || isRst(s) || atTransitions.length > 0 || lost.has(s.packet) ||
      firstScaledPackets.has(s.packet) || firstOfItsKind || isHandshakeAck(c, s);
    for (const a of atAnomalies) if (ANOMALIES[a.id].phase === 'data') seenDataIds.add(a.id);
    if (!notable) {
      run = addToRun(run, s, atAnomalies);
      continue;
    }
    flush();
    const { text, notes } = describeSegment(c, segs, s, atAnomalies, windows);
    const step: NarrationStep = { t: s.t, offset: rel(s.t), packet: s.packet, endpoint: roleOf(s), text };
    if (lost.has(s.packet)) {
      step.lost = true;
      notes.push(lostText(c, segs, s, anomaliesAt));
    }
    if (notes.length) step.notes = notes;
    if (atTransitions.length) step.transitions = atTransitions.map((tr) => narrateTransition(tr, nextOwnAfter(segs, s, tr.endpoint)));
    if (atAnomalies.length) step.anomalies = atAnomalies.map(narratedAnomaly);
    if (step.transitions?.some((x) => x.inferred)) {
      step.inferred = true;
      step.because = step.transitions.filter((x) => x.inferred).map((x) => x.cause).join('; ');
    }
    steps.push(step);
  }
  flush();

  // Transitions and anomalies of a packet the second pass did not keep, and the timers' moments.
  for (const [packet, trs] of transitionsAt) if (!segAt.has(packet)) for (const tr of trs) moment(tr.t, tr.packet).transitions.push(tr);
  for (const [packet, as] of anomaliesAt) if (!segAt.has(packet)) for (const a of as) moment(a.t, a.packet).anomalies.push(a);
  for (const m of [...moments.values()].sort((a, b) => a.t - b.t || a.packet - b.packet)) {
    const step = momentStep(m, t0, n.mslSeconds, segAt.has(m.packet));
    // After the last step at or before its time: timers fall between the segments.
    let i = steps.length;
    while (i > 0 && steps[i - 1]!.t > m.t) i--;
    steps.splice(i, 0, step);
  }

  const ids = [...new Set([...c.anomalies.map((a) => a.id), ...Object.keys(c.anomaliesOmitted ?? {}) as AnomalyId[]])];
  return {
    schemaVersion: EXPLAIN_SCHEMA_VERSION,
    kind: 'connection',
    inputs: n.inputs,
    connection: {
      id: c.id, client: c.client, server: c.server, ipVersion: c.ipVersion, roleInferred: c.roleInferred,
      start: c.start, end: c.end, firstPacket: c.firstPacket, lastPacket: c.lastPacket,
      outcome: c.handshake.outcome, close: c.close.kind, finalStates: c.finalStates, lostSegments: c.lostSegments ?? [],
    },
    steps,
    ending: ending(c, n, segs),
    endingAnomalies: endAnomalies.map(narratedAnomaly),
    windows,
    anomalies: ids,
    segmentsRead: segs.length,
    segmentsCut: n.segments !== null && segs.length >= n.segmentLimit && (segs.at(-1)?.packet ?? 0) < c.lastPacket,
  };
}

/** The packet of `who`'s first segment after `s`. */
function nextOwnAfter(segs: readonly LadderSegment[], s: LadderSegment, who: EndpointRole): number | undefined {
  const client = who === 'client';
  for (let i = segs.indexOf(s) + 1; i < segs.length; i++) if (segs[i]!.fromClient === client) return segs[i]!.packet;
  return undefined;
}

function push<T>(m: Map<number, T[]>, k: number, v: T): void {
  const l = m.get(k);
  if (l) l.push(v); else m.set(k, [v]);
}

function narratedAnomaly(a: AnomalyOccurrence): NarratedAnomaly {
  return { id: a.id, severity: a.severity, message: a.message };
}

/**
 * A transition in words, with how synack knows it. `nextOwn`: the endpoint's own next segment after
 * the one that caused it (what shows an `answered` arc).
 */
export function narrateTransition(tr: Transition, nextOwn?: number): NarratedTransition {
  const arc = arcOf(tr);
  const inferred = tr.inferred === true;
  let how = arc ? EVIDENCE_PHRASE[arc.evidence] : 'its event is not in the state table';
  if (arc?.evidence === 'answered' && nextOwn !== undefined) how = `its own next segment (#${nextOwn}) shows it arrived`;
  if (arc?.event === 'receive RST') how = 'nothing acknowledges or re-sends a RST, so it is taken as it passes';
  // An inferred arc whose rule would want a segment: the segment was not captured (or, for a SYN
  // cookie, never answered statefully); the cause names what shows it instead.
  if (inferred && arc !== null && arc.evidence !== 'timer' && arc.evidence !== 'inference') how = 'deduced from the segments its cause names: no captured segment shows it directly';
  const mark = inferred && !tr.cause.includes('inferred') ? ', inferred' : '';
  return {
    endpoint: tr.endpoint, from: tr.from, to: tr.to, event: arc?.event ?? 'listen', evidence: arc?.evidence ?? 'inference',
    cause: tr.cause, inferred,
    text: `${The(tr.endpoint)} went ${tr.from} → ${tr.to}${mark}: ${tr.cause}. Evidence: ${how}.`,
  };
}

/** Is s the ACK that completed the handshake (the client's, at the handshake's ACK time)? */
function isHandshakeAck(c: Connection, s: LadderSegment): boolean {
  return s.fromClient && !isSyn(s) && c.handshake.ackTime !== null && sameTime(s.t, c.handshake.ackTime);
}

function addToRun(run: Run | null, s: LadderSegment, anomalies: readonly AnomalyOccurrence[]): Run {
  const r: Run = run ?? {
    first: s, last: s, count: 0, bytes: { client: 0, server: 0 }, dataSegments: { client: 0, server: 0 }, pureAcks: 0, anomalies: new Map(),
  };
  r.last = s;
  r.count++;
  const who = roleOf(s);
  if (s.len > 0) { r.bytes[who] += s.len; r.dataSegments[who]++; } else r.pureAcks++;
  for (const a of anomalies) {
    const e = r.anomalies.get(a.id);
    if (e) e.n++; else r.anomalies.set(a.id, { n: 1, a });
  }
  return r;
}

function runStep(r: Run, t0: number): NarrationStep {
  const parts: string[] = [];
  for (const who of ['client', 'server'] as const) {
    if (r.dataSegments[who] > 0) {
      parts.push(`the ${who} sent ${plural(r.bytes[who], 'byte')}${r.count > 1 ? ` (${plural(r.dataSegments[who], 'segment')})` : ''}`);
    }
  }
  if (r.pureAcks > 0) parts.push(r.count === 1 ? `the ${roleOf(r.first)} sent an ACK` : plural(r.pureAcks, 'pure ACK'));
  const said = parts.join('; ');
  const text = r.count === 1
    ? `${said.charAt(0).toUpperCase()}${said.slice(1)}.`
    : `${r.count} segments through #${r.last.packet} (${duration(r.last.t - r.first.t)}): ${said}.`;
  const step: NarrationStep = { t: r.first.t, offset: r.first.t - t0, packet: r.first.packet, endpoint: r.count === 1 ? roleOf(r.first) : null, text };
  if (r.count > 1) step.lastPacket = r.last.packet;
  if (r.anomalies.size) {
    step.anomalies = [...r.anomalies.entries()].map(([id, { n, a }]) => ({ id, severity: a.severity, message: n > 1 ? `${n} of them, the first at #${a.packet}: ${a.message}` : a.message, count: n }));
  }
  return step;
}

/** The latest segment before `s` from `who` that satisfies `f`. */
function before(segs: readonly LadderSegment[], s: LadderSegment, f: (x: LadderSegment) => boolean): LadderSegment | undefined {
  let found: LadderSegment | undefined;
  for (const x of segs) {
    if (x === s) break;
    if (f(x)) found = x;
  }
  return found;
}

/** The sentence of one segment, and what its numbers show. */
function describeSegment(
  c: Connection, segs: readonly LadderSegment[], s: LadderSegment, anomalies: readonly AnomalyOccurrence[], windows: WindowFacts,
): { text: string; notes: string[] } {
  const who = roleOf(s), peer = other(who);
  const notes: string[] = [];
  const find = (id: AnomalyId) => anomalies.find((a) => a.id === id);
  const sameSide = (x: LadderSegment) => x.fromClient === s.fromClient;
  const initial = windows.initial[who];

  if (isSyn(s) && !isAck(s)) {
    const again = find('syn-retransmission');
    if (again) {
      const interval = detailNumber(again, 'interval');
      return {
        text: `${The(who)} sent its SYN again (the same ISN)${interval !== null ? `, ${duration(interval)} after the previous copy` : ''}` +
          `${detailNumber(again, 'attempt') !== null ? ` (attempt ${detailNumber(again, 'attempt')})` : ''}: no answer had reached it.`,
        notes,
      };
    }
    const crossed = before(segs, s, (x) => !sameSide(x) && isSyn(x) && !isAck(x));
    const data = s.len > 0 ? `, carrying ${plural(s.len, 'byte')} of data${s.options.some((o) => o.kind === 'fastopen') ? ' (TCP Fast Open)' : ''}` : '';
    const text = crossed
      ? `${The(who)} sent a SYN of its own before any SYN-ACK: the two SYNs crossed, a simultaneous open. ISN ${s.seq}, window ${num(s.window)}, ${optionsPhrase(s.options)}${data}.`
      : `${The(who)} sent SYN to open the connection: ISN ${s.seq}, window ${num(s.window)}, ${optionsPhrase(s.options)}${data}.`;
    if (initial?.packet === s.packet) addText(notes, initialWindowText(initial, who));
    return { text, notes };
  }

  if (isSyn(s)) {
    const again = find('synack-retransmission');
    if (again) {
      const interval = detailNumber(again, 'interval');
      return {
        text: `${The(who)} sent its SYN-ACK again${interval !== null ? `, ${duration(interval)} after the previous copy` : ''}` +
          `${detailNumber(again, 'attempt') !== null ? ` (attempt ${detailNumber(again, 'attempt')})` : ''}: no ACK of it had reached the ${who}.`,
        notes,
      };
    }
    const ownSyn = before(segs, s, (x) => sameSide(x) && isSyn(x) && !isAck(x));
    const peerSyn = before(segs, s, (x) => !sameSide(x) && isSyn(x) && !isAck(x));
    const data = s.len > 0 ? `, carrying ${plural(s.len, 'byte')} of data` : '';
    let text: string;
    if (ownSyn) {
      text = `${The(who)} answered the ${peer}'s SYN with a SYN-ACK: its own ISN again (${s.seq}), now acknowledging the ${peer}'s SYN; window ${num(s.window)}${data}.`;
    } else if (peerSyn) {
      text = `${The(who)} answered with SYN-ACK ${duration(s.t - peerSyn.t)} after the ${peer}'s SYN (#${peerSyn.packet}): ISN ${s.seq}, ` +
        `acknowledging ${peerSyn.seq === ((s.ack - 1) >>> 0) ? `the ${peer}'s ISN + 1` : `${s.ack}, not the ${peer}'s ISN + 1`}, window ${num(s.window)}, ${optionsPhrase(s.options)}${data}.`;
    } else {
      text = `${The(who)} sent SYN-ACK (the ${peer}'s SYN was not captured): ISN ${s.seq}, window ${num(s.window)}, ${optionsPhrase(s.options)}${data}.`;
    }
    if (initial?.packet === s.packet) {
      addText(notes, initialWindowText(initial, who));
      addText(notes, contrastText(windows.initial.client, windows.initial.server));
    }
    return { text, notes };
  }

  if (isRst(s)) {
    const refused = find('handshake-refused');
    if (refused) {
      const syn = before(segs, s, (x) => !sameSide(x) && isSyn(x));
      return {
        text: `${The(who)} answered the SYN with RST${isAck(s) ? '+ACK' : ''}${syn ? ` ${duration(s.t - syn.t)} after it` : ''}: nothing was listening on port ${c.server.port} there, so the connection was refused.`,
        notes,
      };
    }
    const reset = find('reset');
    const state = reset?.details?.['state'];
    return { text: `${The(who)} reset the connection with RST${isAck(s) ? '+ACK' : ''}${typeof state === 'string' ? `, from ${state}` : ''}.`, notes };
  }

  if (isFin(s)) {
    const again = find('fin-retransmission');
    const finEnd = seqAdd(s.seq, s.len);
    if (again) {
      const prev = before(segs, s, (x) => sameSide(x) && isFin(x) && seqAdd(x.seq, x.len) === finEnd);
      return {
        text: `${The(who)} sent its FIN again${prev ? `, ${duration(s.t - prev.t)} after its previous copy (#${prev.packet}): its retransmission timeout ran out before an ACK of it arrived` : ''}.`,
        notes,
      };
    }
    const peerFin = before(segs, s, (x) => !sameSide(x) && isFin(x));
    const data = s.len > 0 ? `, with its last ${plural(s.len, 'byte')}` : '';
    if (!peerFin) return { text: `${The(who)} sent FIN${data}: it closes first, and will send nothing more.`, notes };
    const covers = isAck(s) && seqGe(s.ack, seqAdd(peerFin.seq, peerFin.len + 1));
    return {
      text: covers
        ? `${The(who)} sent its own FIN${data}, ${duration(s.t - peerFin.t)} after the ${peer}'s (#${peerFin.packet}), acknowledging it.`
        : `${The(who)} sent its own FIN${data} without acknowledging the ${peer}'s FIN (#${peerFin.packet}): it left before that FIN arrived, so the FINs crossed.`,
      notes,
    };
  }

  // ACKs and data.
  const scaled = windows.firstScaled[who];
  const addScaled = (): void => {
    if (scaled?.packet !== s.packet) return;
    const why = c.handshake.client.wscale !== null ? 'only the client offered it' : c.handshake.server.wscale !== null ? 'only the server offered it' : 'neither side offered it';
    addText(notes, scaledWindowText(scaled, windows.initial[who]?.window ?? null, why));
  };
  const data = s.len > 0 ? ` and ${plural(s.len, 'byte')} of data` : '';
  if (isHandshakeAck(c, s)) {
    const synAck = before(segs, s, (x) => !sameSide(x) && isSyn(x) && isAck(x));
    const firstSyn = segs.find((x) => sameSide(x) && isSyn(x) && !isAck(x));
    addScaled();
    return {
      text: `${The(who)} acknowledged the SYN-ACK${synAck ? ` ${duration(s.t - synAck.t)} after it (#${synAck.packet})` : ''}${data}` +
        `${c.handshake.outcome === 'complete' && firstSyn ? `: the handshake is complete, ${duration(s.t - firstSyn.t)} after the first SYN` : ''}.`,
      notes,
    };
  }
  const peerFin = before(segs, s, (x) => !sameSide(x) && isFin(x));
  if (peerFin && isAck(s) && seqGe(s.ack, seqAdd(peerFin.seq, peerFin.len + 1))) {
    const acked = before(segs, s, (x) => sameSide(x) && isAck(x) && seqGe(x.ack, seqAdd(peerFin.seq, peerFin.len + 1)));
    addScaled();
    return { text: `${The(who)} acknowledged the ${peer}'s FIN${acked ? ' again' : ''}${data}.`, notes };
  }
  const synAck = before(segs, s, (x) => !sameSide(x) && isSyn(x) && isAck(x));
  if (synAck && isAck(s) && s.ack === seqAdd(synAck.seq, 1) && before(segs, s, (x) => sameSide(x) && !isSyn(x) && isAck(x)) === undefined) {
    addScaled();
    return { text: `${The(who)} acknowledged the ${peer}'s SYN-ACK (#${synAck.packet})${data}.`, notes };
  }
  if (synAck && s.len === 0 && isAck(s) && s.ack === seqAdd(synAck.seq, 1) && segs.indexOf(before(segs, s, sameSide)!) < segs.indexOf(synAck)) {
    addScaled();
    return { text: `${The(who)} acknowledged the SYN-ACK again (#${synAck.packet}).`, notes };
  }
  addScaled();
  const peerIsn = who === 'client' ? c.handshake.server.isn : c.handshake.client.isn;
  const got = isAck(s) && peerIsn !== null ? (s.ack - seqAdd(peerIsn, 1)) >>> 0 : null;
  const acks = got !== null && got > 0 && got < 0x80000000 ? `, acknowledging the ${peer}'s first ${plural(got, 'byte')}` : '';
  return { text: s.len > 0 ? `${The(who)} sent ${plural(s.len, 'byte')}${acks}.` : `${The(who)} sent an ACK${acks}.`, notes };
}

function addText(notes: string[], t: string): void {
  if (t !== '') notes.push(t);
}

/** Why a segment that passed is known to be lost: its receiver sent again what it acknowledged. */
function lostText(c: Connection, segs: readonly LadderSegment[], s: LadderSegment, anomaliesAt: ReadonlyMap<number, AnomalyOccurrence[]>): string {
  const peer = other(roleOf(s));
  const resentAt = (x: LadderSegment) => (anomaliesAt.get(x.packet) ?? []).some((a) => RESENDS.has(a.id));
  const i = segs.indexOf(s);
  const resend = segs.slice(i + 1).find((x) => x.fromClient !== s.fromClient && resentAt(x));
  const what = roleOf(s) === 'client' && s.len === 0 && !isSyn(s) && !isFin(s) && !isRst(s) ? 'ACK' : 'segment';
  if (resend === undefined) {
    // The last of ACKs the server ignored: its silence past its next re-send time, not a re-send, shows it.
    const ignored = c.anomalies.find((a) => Array.isArray(a.details?.['lostPackets']) && (a.details!['lostPackets'] as unknown[]).includes(s.packet));
    if (ignored) {
      return `Lost after the capture point, or ignored: the ${peer} never took this ${what}; having re-sent its SYN-ACK after the ` +
        `earlier ones, it fell silent when its next copy was due and dropped the request (${ignored.id}, at +${(ignored.t - c.start).toFixed(6)} s).`;
    }
    return `Lost after the capture point: the ${peer} never got this ${what}, for it sent again what it acknowledged.`;
  }
  const kind = resend.flags & (FLAG.SYN | FLAG.FIN);
  const prev = before(segs, resend, (y) => y.fromClient === resend.fromClient && y.seq === resend.seq && (y.flags & (FLAG.SYN | FLAG.FIN)) === kind);
  const again = isSyn(resend) ? (isAck(resend) ? 'SYN-ACK' : 'SYN') : isFin(resend) ? 'FIN' : 'data';
  return `Lost after the capture point: the ${peer} never got this ${what}, for it sent its ${again} again at #${resend.packet}` +
    (prev ? `, its retransmission timeout (${duration(resend.t - prev.t)}) after its previous copy (#${prev.packet})` : `, ${duration(resend.t - s.t)} later`) + '.';
}

/** A moment no segment marks: a timer that ran out (give up, 2×MSL), or an anomaly raised then. */
function momentStep(m: { t: number; packet: number; transitions: Transition[]; anomalies: AnomalyOccurrence[] }, t0: number,
  mslSeconds: number, packetSeen: boolean): NarrationStep {
  const transitions = m.transitions.map((tr) => narrateTransition(tr));
  const texts: string[] = [];
  for (const tr of m.transitions) {
    const arc = arcOf(tr);
    const who = tr.endpoint;
    if (arc?.event === 'give up') {
      const what = who === 'server' ? 'SYN-ACK' : 'SYN';
      texts.push(`${The(who)} stopped re-sending its ${what}: when its next copy was due, ${duration(tr.t - t0)} into the connection, none came, so it gave up.`);
    } else if (arc?.event === '2MSL timeout') {
      texts.push(`${The(who)} left TIME_WAIT: 2×MSL (${2 * mslSeconds} s, --msl ${mslSeconds}) of capture time had passed since it entered it.`);
    } else {
      texts.push(`${The(who)}: ${tr.cause}${packetSeen ? '' : ` (at #${tr.packet}, a packet the second pass did not keep)`}.`);
    }
  }
  if (texts.length === 0) texts.push(`No segment marks this moment; the analysis concluded here, after #${m.packet}:`);
  const step: NarrationStep = { t: m.t, offset: m.t - t0, packet: null, endpoint: m.transitions[0]?.endpoint ?? m.anomalies[0]?.endpoint ?? null, text: texts.join(' ') };
  if (transitions.length) step.transitions = transitions;
  if (m.anomalies.length) step.anomalies = m.anomalies.map(narratedAnomaly);
  if (transitions.some((x) => x.inferred) || transitions.length === 0) {
    step.inferred = true;
    step.because = transitions.length
      ? transitions.filter((x) => x.inferred).map((x) => EVIDENCE_PHRASE[x.evidence]).join('; ')
      : 'no segment marks this moment';
  }
  return step;
}

/** The windows the SYNs offer, and the first scaled window of each side. */
function windowFacts(c: Connection, segs: readonly LadderSegment[]): WindowFacts {
  const firstSyn = (client: boolean) => segs.find((s) => s.fromClient === client && isSyn(s));
  const out: WindowFacts = { initial: { client: null, server: null }, firstScaled: { client: null, server: null } };
  const cSyn = firstSyn(true), sSyn = firstSyn(false);
  const initialOf = (s: LadderSegment | undefined, peer: LadderSegment | undefined): InitialWindow | null => {
    if (s === undefined) return null;
    // A SYN-ACK answers a SYN: timestamps are in every segment when both offered them. A SYN does not know yet.
    const ts = offersTimestamps(s.options) && (!isAck(s) || (peer !== undefined && offersTimestamps(peer.options)));
    return initialWindow(s.packet, s.window, mssOf(s.options), ts);
  };
  out.initial.client = initialOf(cSyn, sSyn);
  out.initial.server = initialOf(sSyn, cSyn);
  const neg = c.handshake.negotiated;
  for (const who of ['client', 'server'] as const) {
    const syn = who === 'client' ? cSyn : sSyn;
    if (syn === undefined) continue;
    const first = segs.find((s) => s.fromClient === (who === 'client') && !isSyn(s) && s.packet > syn.packet && !isRst(s));
    if (first === undefined) continue;
    const both = cSyn !== undefined && sSyn !== undefined;
    const scaling: ScaledWindow['scaling'] = neg.windowScaling ? 'negotiated' : both ? 'not-negotiated' : 'unknown';
    const shift = who === 'client' ? neg.clientWscale : neg.serverWscale;
    out.firstScaled[who] = scaledWindow(first.packet, first.window, scaling, shift);
  }
  return out;
}

/** Final states, and why each is what it is. */
function ending(c: Connection, n: NarrationInput, segs: readonly LadderSegment[]): string[] {
  const out: string[] = [];
  const t0 = c.start;
  const reason: Record<Connection['endReason'], string> = {
    'end-of-input': 'when the capture ended',
    closed: 'once both endpoints were through with it (one that opened lingers 2×MSL first)',
    idle: 'after it had been idle for --idle-timeout',
    reused: 'when a new SYN took its 4-tuple',
    evicted: 'early, under memory pressure (the memory ceiling), before its end was seen',
  };
  out.push(`The last packet of this connection is #${c.lastPacket}, ${duration(c.end - t0)} after its first; synack reported it ${reason[c.endReason]}.`);
  for (const who of ['client', 'server'] as const) out.push(finalStateText(c, who, n.mslSeconds));
  if (n.segments === null) out.push('The input could not be read a second time (standard input), so the segments themselves are not described: only what the analysis kept.');
  else if (segs.length >= n.segmentLimit && (segs.at(-1)?.packet ?? 0) < c.lastPacket) {
    out.push(`Only its first ${num(n.segmentLimit)} segments were read again (up to #${segs.at(-1)!.packet}); state changes and anomalies after them are still told.`);
  }
  const l = n.listener;
  if (l !== null && c.anomalies.some((a) => ANOMALIES[a.id].phase === 'listener' || ['stateless-answer', 'syn-dropped', 'half-open', 'half-open-expired', 'accept-queue-overflow'].includes(a.id))) {
    const q = l.synQueue;
    const parts = [`answered ${plural(q.answered, 'SYN')}${q.stateless ? `, ${num(q.stateless)} of them statelessly (SYN cookies)` : ''}`,
      `held at most ${plural(l.halfOpenPeak, 'request')} in its SYN queue`];
    if (q.dropped) parts.push(`dropped ${plural(q.dropped, 'SYN')} while answering others${q.inferredBacklog !== null ? ` (from a queue depth of ${q.inferredBacklog})` : ''}`);
    if (q.expired) parts.push(`let ${plural(q.expired, 'request')} expire${q.resendLimit !== null ? ` after ${plural(q.resendLimit, 'SYN-ACK re-send')}` : ''}`);
    const ids = [...new Set(l.anomalies.map((a) => a.id))];
    // The listener's own alarms are not the connection's: named here, each with its explain pointer.
    const see = ['syn-queue', ...ids].map((x) => `synack explain ${x}`).join(', ');
    out.push(`Its listener, ${endpoint(l)}, ${parts.join(', ')} over the capture${ids.length ? `, and raised ${ids.join(', ')}` : ''} (${see}).`);
  }
  return out;
}

function finalStateText(c: Connection, who: EndpointRole, mslSeconds: number): string {
  const s: TcpState = c.finalStates[who];
  const mine = c.timeline.filter((t) => t.endpoint === who);
  const last = mine.at(-1);
  const t0 = c.start;
  const W = The(who);
  switch (s) {
    case 'TIME_WAIT': {
      const enter = last?.to === 'TIME_WAIT' ? last.t : null;
      return `${W} is left in TIME_WAIT${enter !== null ? `, entered ${duration(enter - t0)} into the connection` : ''}: it would leave it ` +
        `2×MSL later (${2 * mslSeconds} s with --msl ${mslSeconds}), after the capture's end (synack explain TIME_WAIT).`;
    }
    case 'ESTABLISHED':
      return `${W} is still ESTABLISHED: the connection was open when it was reported.`;
    case 'SYN_SENT':
      return c.handshake.server.isn !== null
        ? `${W} is still SYN_SENT: no segment of it showed that the SYN-ACK reached it (a spoofed source, or a client gone, never answers).`
        : `${W} is still SYN_SENT: its SYN had no answer.`;
    case 'SYN_RECEIVED':
      return `${W} still held the request in SYN_RECEIVED (its SYN queue): no ACK of its SYN-ACK reached it (synack explain SYN_RECEIVED).`;
    case 'LISTEN':
      return mine.some((t) => t.from === 'SYN_RECEIVED')
        ? `${W} is back in LISTEN: the request was reset.`
        : `${W} stayed in LISTEN: it kept no request for this connection.`;
    case 'CLOSED':
      if (last === undefined) {
        return c.handshake.outcome === 'refused'
          ? `${W} never left CLOSED: nothing listened on port ${c.server.port}, and its RST refused the SYN.`
          : `${W} shows no state change: nothing it sent or received shows one.`;
      }
      return `${W} ended CLOSED ${last.inferred ? `at +${(last.t - t0).toFixed(6)} s (inferred, after #${last.packet})` : `at #${last.packet}`}: ${last.cause}.`;
    default:
      return `${W} is left in ${s} (synack explain ${s}).`;
  }
}
