/**
 * Verdicts DERIVED from the two endpoint records when a connection is emitted: handshake outcome
 * and facts, teardown kind, end-of-connection anomalies, and the Connection object itself (the
 * only place addresses become strings).
 */
import { nextCopyDue } from './backoff.js';
import type { Conn, Endpoint } from './conn.js';
import { directionGaps } from './data-analysis.js';
import { elapsed, sumIntervals } from './interval.js';
import type {
  AnomalyId, AnomalyOccurrence, Close, CloseKind, Connection, EndpointRole, Handshake, HandshakeOutcome, OfferedOptions,
  Transition, ZeekConnState,
} from './model.js';

/** RFC 9293 §3.7.1: a side that sent no MSS option is assumed to accept 536 (IPv4) / 1220 (IPv6). */
function defaultMss(ipVersion: number): number {
  return ipVersion === 6 ? 1220 : 536;
}

interface Raiser {
  raise(c: Conn, id: AnomalyId, packet: number, t: number, endpoint: EndpointRole | null, message: string,
    details?: Record<string, unknown>): AnomalyOccurrence;
  readonly captureTime: number;
}

export function handshakeOutcome(c: Conn): HandshakeOutcome {
  const cl = c.client, sv = c.server;
  if (c.midStream && !cl.synSeen && !sv.synSeen) return 'not-seen';
  if (c.simultaneousOpen) return 'simultaneous-open';
  if (c.refused) return 'refused';
  if (sv.everEstablished) return 'complete';
  if (c.handshakeReset) return 'reset';
  if (sv.synSeen) return 'half-open';
  if (cl.synSeen) return 'no-answer';
  return 'not-seen';
}

function opened(c: Conn): boolean {
  return c.midStream || c.client.everEstablished || c.server.everEstablished;
}

export function closeKind(c: Conn): CloseKind {
  const cl = c.client, sv = c.server;
  if (!opened(c)) return 'never-opened';
  if (cl.wentClosing || sv.wentClosing) return 'simultaneous';
  if (cl.finSent && sv.finSent && cl.finAcked && sv.finAcked) return 'four-way';
  if (cl.rstSent || sv.rstSent) return 'reset';
  if (cl.finSent && sv.finSent) return 'fin-unacked';
  if (cl.finSent || sv.finSent) return 'half-closed';
  return 'open';
}

/** Anomalies only the end of a connection can tell: unanswered, half-open, half-closed, unacked FIN. */
export function endOfConnectionAnomalies(c: Conn, r: Raiser): void {
  const cl = c.client, sv = c.server;
  const t = c.end, pkt = c.lastPacket;
  const outcome = handshakeOutcome(c);
  // A client that gave up raised handshake-timeout when it did (handshake.ts); before its retry
  // schedule ran out, the SYN is only unanswered so far.
  if (outcome === 'no-answer' && cl.gaveUpT === 0) {
    r.raise(c, 'syn-unanswered', pkt, t, 'client',
      `the SYN had no answer when the capture ended (${cl.synCount} sent; the next was due +${(nextCopyDue(cl) - cl.synFirstT).toFixed(3)} s after the first)`,
      { syns: cl.synCount, waited: r.captureTime - cl.synFirstT, nextDue: nextCopyDue(cl) });
  } else if (outcome === 'no-answer' && cl.synCount === 1) {
    r.raise(c, 'syn-unanswered', pkt, t, 'client', 'the SYN had no answer, and the client never re-sent it (a probe, or a spoofed source)',
      { syns: 1, waited: cl.gaveUpT - cl.synFirstT, resent: false });
  }
  // The server kept the request and it was still in SYN_RECEIVED when the capture ended (one it
  // dropped raised half-open-expired; a stateless answer raised stateless-answer).
  if (sv.state === 'SYN_RECEIVED' && sv.inQueue && !sv.everEstablished && !c.midStream) {
    r.raise(c, 'half-open', pkt, t, 'server', `the server was still in SYN_RECEIVED ${(r.captureTime - sv.synFirstT).toFixed(3)} s after its first SYN-ACK (${sv.synCount} sent)`,
      { survived: r.captureTime - sv.synFirstT, synAcks: sv.synCount, finalState: sv.state });
  }
  if (cl.wentClosing || sv.wentClosing) {
    r.raise(c, 'simultaneous-close', c.closingPacket, c.closingT, null, 'the FINs crossed (CLOSING)',
      { closing: [cl, sv].filter((e) => e.wentClosing).map((e) => e.role) });
  }
  if (!cl.rstSent && !sv.rstSent && opened(c)) {
    if (cl.finSent !== sv.finSent) {
      const closer: Endpoint = cl.finSent ? cl : sv;
      const open: Endpoint = cl.finSent ? sv : cl;
      r.raise(c, 'half-closed', pkt, t, open.role, `the ${closer.role} sent FIN; the ${open.role} never sent its own`,
        { closedBy: closer.role, openState: open.state });
    } else if (cl.finSent && sv.finSent) {
      for (const ep of [cl, sv]) {
        if (ep.finAcked || ep.lostFinalAckFlagged) continue;
        ep.lostFinalAckFlagged = true;
        r.raise(c, 'lost-final-ack', pkt, t, ep.role, `the ${ep.role}'s FIN was never acknowledged (left in ${ep.state})`,
          { case: 'fin-never-acked', state: ep.state });
      }
    }
  }
}

function offered(ep: Endpoint): OfferedOptions {
  if (!ep.synSeen) return { isn: null, mss: null, wscale: null, sackPermitted: false, timestamps: false, fastOpen: null };
  return {
    isn: ep.isn, mss: ep.mss >= 0 ? ep.mss : null, wscale: ep.wscale >= 0 ? ep.wscale : null,
    sackPermitted: ep.sackPermitted, timestamps: ep.timestamps, fastOpen: ep.fastOpen,
  };
}

/**
 * Handshake RTT split: first SYN → SYN-ACK (the server's side), SYN-ACK → completing ACK (the client's).
 * Not reported across a step back in time (clock-steps.ts).
 */
function synToSynAckOf(c: Conn): number | null {
  if (c.clockSteps?.beforeSynAck) return null;
  return c.synAckT >= 0 && c.synBeforeSynAckT >= 0 && c.client.synSeen ? elapsed(c.synBeforeSynAckT, c.synAckT) : null;
}
function synAckToAckOf(c: Conn): number | null {
  if (c.clockSteps?.beforeAck) return null;
  return c.ackT >= 0 && c.lastSynAckBeforeAckT >= 0 && c.server.synSeen && c.synAckT >= 0 ? elapsed(c.lastSynAckBeforeAckT, c.ackT) : null;
}

/** The handshake RTT synack reports: first SYN → completing ACK, else SYN → SYN-ACK (null when neither). */
export function handshakeRtt(synToSynAck: number | null, synAckToAck: number | null): number | null {
  return synToSynAck !== null && synAckToAck !== null ? sumIntervals(synToSynAck, synAckToAck) : synToSynAck;
}

/** handshakeRtt of a built connection. */
export function connectionRtt(c: Connection): number | null {
  return handshakeRtt(c.handshake.rtt.synToSynAck, c.handshake.rtt.synAckToAck);
}

/**
 * What a summary keeps of a finished connection (pipeline/summary.ts), read off the record without
 * building the Connection: a report that shows a few connections builds only those.
 */
export interface ConnectionFacts {
  id: number;
  outcome: HandshakeOutcome;
  closeKind: CloseKind;
  connState: ZeekConnState;
  /** The Connection's handshake.rtt.total, else its synToSynAck (null when neither). */
  rtt: number | null;
  start: number;
  end: number;
  roleInferred: boolean;
  anomalies: readonly AnomalyOccurrence[];
  /** Connection.anomaliesOmitted, or null. */
  anomaliesOmitted: Partial<Record<AnomalyId, number>> | null;
}

const NO_ANOMALIES: readonly AnomalyOccurrence[] = Object.freeze([]);

export function newFacts(): ConnectionFacts {
  return { id: 0, outcome: 'not-seen', closeKind: 'open', connState: 'OTH', rtt: null, start: 0, end: 0, roleInferred: false, anomalies: NO_ANOMALIES, anomaliesOmitted: null };
}

/** Fill `f` (reused: valid until the next connection) with c's facts, as buildConnection would give them. */
export function connectionFacts(c: Conn, f: ConnectionFacts): ConnectionFacts {
  const a = synToSynAckOf(c), b = synAckToAckOf(c);
  f.id = c.id;
  f.outcome = handshakeOutcome(c);
  f.closeKind = closeKind(c);
  f.connState = c.zeek.connState();
  f.rtt = handshakeRtt(a, b);
  f.start = c.start;
  f.end = c.end;
  f.roleInferred = c.roleInferred;
  f.anomalies = c.anomalies ?? NO_ANOMALIES;
  f.anomaliesOmitted = omitted(c);
  return f;
}

/** The same facts read off a built Connection (when the tracker built it anyway). */
export function factsOfConnection(c: Connection): ConnectionFacts {
  return {
    id: c.id, outcome: c.handshake.outcome, closeKind: c.close.kind, connState: c.zeek.connState,
    rtt: connectionRtt(c), start: c.start, end: c.end, roleInferred: c.roleInferred,
    anomalies: c.anomalies, anomaliesOmitted: c.anomaliesOmitted ?? null,
  };
}

/** The occurrences counted but not listed (MAX_LISTED_PER_ID), by id; null when none. */
function omitted(c: Conn): Partial<Record<AnomalyId, number>> | null {
  return c.omittedById === null ? null : Object.fromEntries(c.omittedById) as Partial<Record<AnomalyId, number>>;
}

function handshake(c: Conn): Handshake {
  const cl = c.client, sv = c.server;
  const both = cl.synSeen && sv.synSeen;
  const ws = both && cl.wscale >= 0 && sv.wscale >= 0;
  const synToSynAck = synToSynAckOf(c);
  const synAckToAck = synAckToAckOf(c);
  let effectiveMss: number | null = null;
  if (cl.synSeen || sv.synSeen) {
    const d = defaultMss(c.ipVersion);
    const a = cl.synSeen ? (cl.mss >= 0 ? cl.mss : d) : Infinity;
    const b = sv.synSeen ? (sv.mss >= 0 ? sv.mss : d) : Infinity;
    effectiveMss = Math.min(a, b);
  }
  return {
    outcome: handshakeOutcome(c),
    rtt: {
      synToSynAck, synAckToAck,
      total: synToSynAck !== null && synAckToAck !== null ? sumIntervals(synToSynAck, synAckToAck) : null,
    },
    synRetransmissions: cl.synSeen ? cl.synCount - 1 : 0,
    synAckRetransmissions: sv.synSeen && sv.synIsAck ? sv.synCount - 1 : 0,
    synTime: cl.synSeen ? cl.synFirstT : null,
    synAckTime: c.synAckT >= 0 ? c.synAckT : null,
    ackTime: c.ackT >= 0 ? c.ackT : null,
    client: offered(cl),
    server: offered(sv),
    negotiated: {
      windowScaling: ws,
      clientWscale: ws ? cl.wscale : null,
      serverWscale: ws ? sv.wscale : null,
      sackPermitted: both && cl.sackPermitted && sv.sackPermitted,
      timestamps: both && cl.timestamps && sv.timestamps,
      effectiveMss,
    },
    synAckAckValid: c.synAckAckValid,
    finalAckValid: c.finalAckValid,
  };
}

function close(c: Conn): Close {
  const cl = c.client, sv = c.server;
  return {
    kind: closeKind(c),
    initiator: c.closeInitiator,
    finRetransmissions: Math.max(0, cl.finCount - 1) + Math.max(0, sv.finCount - 1),
    finTimes: { client: cl.finSent ? cl.finT : null, server: sv.finSent ? sv.finT : null },
    resetBy: c.resetBy,
  };
}

function byPacket(x: Transition, y: Transition): number {
  return x.packet - y.packet;
}

/** Who turns a connection's addresses into text (the tracker, which caches it per address). */
export interface AddressText {
  ipString(c: Conn, sideA: boolean): string;
}

export function buildConnection(c: Conn, reason: Connection['endReason'], names: AddressText): Connection {
  const clientIsA = c.clientIsA;
  const timeline = c.timeline.build();
  // Placed FIN arrivals can be recorded after later events: present the timeline in capture order
  // (sorted only when needed; Array.prototype.sort is stable, so same-packet steps keep their order).
  for (let i = 1; i < timeline.length; i++) {
    if (timeline[i]!.packet < timeline[i - 1]!.packet) { timeline.sort(byPacket); break; }
  }
  return {
    id: c.id,
    client: { ip: names.ipString(c, clientIsA), port: clientIsA ? c.portA : c.portB },
    // The server's address text is its listener's (built once per listener).
    server: { ip: c.listener.ip, port: clientIsA ? c.portB : c.portA },
    ipVersion: c.ipVersion === 6 ? 6 : 4,
    roleInferred: c.roleInferred,
    start: c.start,
    end: c.end,
    firstPacket: c.firstPacket,
    lastPacket: c.lastPacket,
    packets: { client: c.client.packets, server: c.server.packets },
    bytes: { client: c.client.bytes, server: c.server.bytes },
    handshake: handshake(c),
    close: close(c),
    initialStates: { client: c.client.initialState, server: c.server.initialState },
    finalStates: { client: c.client.state, server: c.server.state },
    timeline,
    ...(c.lost !== null ? { lostSegments: c.lost.slice().sort((a, b) => a - b) } : {}),
    anomalies: c.anomalies ?? [],
    ...(c.omittedById !== null ? { anomaliesOmitted: omitted(c)! } : {}),
    zeek: { connState: c.zeek.connState(), history: c.zeek.history },
    ...(c.clockSteps !== null ? {
      // To the microsecond: a difference of two epoch-second doubles carries noise below it.
      timeStepsBack: { segments: c.clockSteps.segments, firstPacket: c.clockSteps.firstPacket, largestSeconds: Math.round(c.clockSteps.largest * 1e6) / 1e6 },
    } : {}),
    ...(c.client.data.hasGaps || c.server.data.hasGaps ? { gaps: { client: directionGaps(c.client), server: directionGaps(c.server) } } : {}),
    ...(c.cutSegments !== 0 ? { cutSegments: c.cutSegments } : {}),
    endReason: reason,
  };
}
