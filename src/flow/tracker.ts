/**
 * The streaming tracker: TCP segments in, finished connections out.
 *
 * A passive observer between two hosts: for each connection it keeps one record per endpoint
 * (client, server) with its own RFC 793 state, and moves those states only through
 * `transition()` (transition.ts). A connection is emitted when it is finished — closed and
 * lingered (2×MSL of capture time after it closed, so late retransmissions still land on it),
 * idle past `idleTimeoutSeconds`, or at the end of input — so memory follows the number of
 * concurrent connections, not the length of the capture.
 *
 * Hot path: a plain data/ACK segment costs one hash lookup and in-place updates of numbers;
 * nothing is allocated unless something happens (an anomaly). Per connection, the records are
 * recycled (conn.ts), transitions are logged as numbers (timeline-log.ts), and the output objects
 * are built once, when the connection is emitted (verdict.ts): a connection lingers long enough
 * that anything allocated for it earlier would be promoted and swept by the old-generation GC.
 */
import { decodeOptions, readSynOptions } from '../decode/options.js';
import { FLAG, ISSUE, newSynOptions, type Segment } from '../decode/segment.js';
import { AddressNames } from './address-names.js';
import { anomaly } from './anomalies.js';
import { Conn, ConnList, Endpoint, LIST_ACTIVE, LIST_CLOSING } from './conn.js';
import { TombstoneTable } from './tombstones.js';
import { ConnTable, tupleHash } from './conn-table.js';
import { buildConnection, endOfConnectionAnomalies } from './verdict.js';
import { ListenerTable, type ListenerRecord } from './listeners.js';
import type {
  AnomalyId, AnomalyOccurrence, Connection, EndpointRole, FlowEvent, Listener, TrackerOptions, TrackerTotals,
} from './model.js';
import { seqAdd, seqGe, seqGt, seqLt } from './seq.js';
import { internCause, newTransition } from './timeline-log.js';
import { transition, type TcpEvent } from './transition.js';
import { LIKELY_SERVER_PORTS } from './zeek.js';

export interface TrackerSink {
  onConnection(c: Connection): void;
  onEvent?(e: FlowEvent): void;
}

/**
 * Closed connections held for their 2×MSL linger at most; past this, the oldest is emitted early
 * and leaves a Tombstone. Keeps memory bounded when a capture closes connections faster than
 * 2×MSL of capture time lets them go (a 36 s capture of 200,000 connections).
 */
export const DEFAULT_MAX_LINGERING = 1024;

/**
 * Emitted connection records kept for reuse. Connections are emitted about as fast as new ones
 * start, so a few suffice; the bound keeps a burst of emissions from pinning memory.
 */
const MAX_SPARE_RECORDS = 4096;

/** Out-of-order threshold when no handshake RTT is known (Wireshark's default, 3 ms). */
const DEFAULT_OOO_SECONDS = 0.003;

/** Per-packet decode issues that become anomalies, in a fixed order. */
const ISSUE_ANOMALIES: ReadonlyArray<[number, AnomalyId]> = [
  [ISSUE.INVALID_FLAGS, 'invalid-flags'], [ISSUE.BAD_CHECKSUM, 'bad-checksum'],
  [ISSUE.MALFORMED_OPTION, 'malformed-option'], [ISSUE.BAD_HEADER_LENGTH, 'bad-header-length'],
  [ISSUE.TRUNCATED, 'truncated'], [ISSUE.PORT_ZERO, 'port-zero'],
];

/** The TFO cookie as hex (rare: the full option decode is fine here). */
function fastOpenCookie(seg: Segment): string {
  for (const o of decodeOptions(seg).options) if (o.kind === 'fastopen') return o.cookie;
  return '';
}

/** An endpoint that is through: TIME_WAIT, or CLOSED after having been somewhere. */
function ended(e: Endpoint): boolean {
  return e.state === 'TIME_WAIT' || (e.state === 'CLOSED' && e.reachedClosed);
}

/** When a connection closed (finished, or its first TIME_WAIT began); null when it never did. */
function closedAt(c: Conn): number | null {
  if (c.finishedT >= 0) return c.finishedT;
  if (c.client.timeWaitT > 0 || c.server.timeWaitT > 0) return Math.max(c.client.timeWaitT, c.server.timeWaitT);
  return null;
}

function isServerPort(p: number): boolean {
  return p < 1024 || LIKELY_SERVER_PORTS.has(p);
}

export class Tracker {
  private readonly opts: TrackerOptions;
  private readonly table = new ConnTable<Conn>(1024);
  private readonly tombstones = new TombstoneTable();
  private lingering = 0;
  private readonly maxLingering: number;
  private readonly active = new ConnList(LIST_ACTIVE);
  private readonly closing = new ConnList(LIST_CLOSING);
  private readonly listeners: ListenerTable;
  private readonly synOptions = newSynOptions();
  private readonly totals: TrackerTotals = { segments: 0, connections: 0, unplaced: 0, peakConcurrent: 0, late: 0 };
  private readonly looseAnomalies: AnomalyOccurrence[] = [];
  private nextId = 1;
  private now = -Infinity;
  private finished = false;

  constructor(opts: TrackerOptions, private readonly sink: TrackerSink) {
    this.opts = opts;
    this.maxLingering = opts.maxLingering ?? DEFAULT_MAX_LINGERING;
    this.listeners = new ListenerTable(opts.synFloodThreshold, opts.maxSeriesPoints, (a) => {
      this.looseAnomalies.push(a);
      this.sink.onEvent?.({ type: 'anomaly', connection: null, anomaly: a });
    });
  }

  private get twoMsl(): number { return 2 * this.opts.mslSeconds; }

  push(seg: Segment): void {
    this.totals.segments++;
    if (seg.kind !== 'tcp' || this.finished) { this.totals.unplaced++; return; }
    const t = seg.tsSec + seg.tsNsec / 1e9;
    if (t > this.now) { this.now = t; this.expire(); }

    const ipv = seg.ipVersion;
    const hash = tupleHash(ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort);
    let c = this.table.find(hash, ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort);
    let fromA = this.table.lastFromA;
    if (c === undefined && this.tombstones.size > 0) {
      const z = this.tombstones.find(hash, ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort, this.now);
      if (z >= 0) {
        // The connection was emitted early (memory bound): a new SYN reopens the 4-tuple, anything
        // else is a late segment of the emitted connection, counted.
        const fromClient = this.tombstones.fromA === this.tombstones.clientIsA(z);
        const isNewSyn = (seg.flags & (FLAG.SYN | FLAG.ACK | FLAG.RST)) === FLAG.SYN &&
          !(fromClient && this.tombstones.clientIsn(z) === seg.seq);
        if (!isNewSyn) { this.totals.late++; return; }
        const closedAt = this.tombstones.expiresAt(z) - this.twoMsl, previous = this.tombstones.connectionId(z);
        this.tombstones.removeAt(z);
        c = this.create(seg, t, hash);
        const since = t - closedAt;
        this.raise(c, 'time-wait-reuse', seg.frameNo, t, 'client',
          `new SYN ${since.toFixed(3)} s after connection ${previous} closed (2×MSL = ${this.twoMsl} s)`,
          { previousConnection: previous, sinceClose: since, twoMsl: this.twoMsl });
        this.process(c, true, seg, t);
        return;
      }
    }

    if (c !== undefined && (seg.flags & (FLAG.SYN | FLAG.ACK | FLAG.RST)) === FLAG.SYN && this.startsNewConnection(c, fromA, seg)) {
      const old = c;
      this.endByReuse(old, fromA, seg, t);
      // Read what the new connection needs from the old one now: its record is recycled.
      const oldId = old.id, oldClosedAt = closedAt(old);
      c = this.create(seg, t, hash);
      fromA = true;
      if (oldClosedAt !== null) this.flagTimeWaitReuse(c, oldId, oldClosedAt, seg, t);
    } else if (c === undefined) {
      c = this.create(seg, t, hash);
      fromA = true;
    }

    if (t > c.lastTime) c.lastTime = t;
    if (c.list === LIST_ACTIVE) this.active.touch(c); else if (c.list === LIST_CLOSING) this.closing.touch(c);
    this.process(c, fromA, seg, t);
  }

  finish(): { listeners: Listener[]; totals: TrackerTotals; anomalies: AnomalyOccurrence[] } {
    if (!this.finished) {
      // Half-open counts are read before the flush: they describe the end of the capture.
      const listeners = this.listeners.list();
      const all: Conn[] = [];
      for (const c of this.table.values()) all.push(c);
      all.sort((x, y) => x.id - y.id);
      for (const c of all) this.emit(c, 'end-of-input');
      this.finished = true;
      this.finalListeners = listeners;
    }
    return { listeners: this.finalListeners, totals: { ...this.totals }, anomalies: this.looseAnomalies.slice() };
  }
  private finalListeners: Listener[] = [];

  // ---------------------------------------------------------------- connections

  /** A SYN (no ACK) on a known 4-tuple: same connection (retransmission, late SYN) or a new one? */
  private startsNewConnection(c: Conn, fromA: boolean, seg: Segment): boolean {
    const s = c.sender(fromA);
    if (s.synSeen) return seg.seq !== s.isn;                       // same ISN: retransmitted SYN
    if (s === c.client && c.server.synSeen) return seg.seq !== ((c.synAckAck - 1) >>> 0); // late SYN after its SYN-ACK
    if (s === c.server && c.client.synSeen && !c.server.synSeen && c.client.state === 'SYN_SENT') return false; // simultaneous open
    // A SYN on a connection that was picked up mid-stream, or whose other side opened it: a new one
    // unless the connection is still plainly open (then it is an odd SYN inside the connection).
    return c.list === LIST_CLOSING || c.midStream === false;
  }

  private create(seg: Segment, t: number, hash: number): Conn {
    const c = this.newRecord();
    c.ipVersion = seg.ipVersion;
    c.a0 = seg.src[0]!; c.a1 = seg.src[1]!; c.a2 = seg.src[2]!; c.a3 = seg.src[3]!; c.portA = seg.srcPort;
    c.b0 = seg.dst[0]!; c.b1 = seg.dst[1]!; c.b2 = seg.dst[2]!; c.b3 = seg.dst[3]!; c.portB = seg.dstPort;
    if (c.ipVersion !== 6) { c.a1 = c.a2 = c.a3 = 0; c.b1 = c.b2 = c.b3 = 0; }
    c.hash = hash;
    c.id = this.nextId++;
    c.start = c.end = c.lastTime = t;
    c.firstPacket = c.lastPacket = seg.frameNo;
    c.zeek.begin(seg.flags, seg.srcPort, seg.dstPort);

    const syn = (seg.flags & FLAG.SYN) !== 0, ack = (seg.flags & FLAG.ACK) !== 0;
    if (syn && !ack) c.clientIsA = true;
    else if (syn && ack) c.clientIsA = false;
    else {
      // Mid-stream pickup: a well-known (or lower, when both are) port is the server's; otherwise
      // the first packet's destination is.
      c.roleInferred = true;
      c.midStream = true;
      const sp = isServerPort(seg.srcPort), dp = isServerPort(seg.dstPort);
      if (sp && !dp) c.clientIsA = false;
      else if (sp && dp) c.clientIsA = seg.srcPort > seg.dstPort;
      else c.clientIsA = true;
    }

    this.table.insert(c);
    this.active.push(c);
    this.totals.connections++;
    if (this.table.size > this.totals.peakConcurrent) this.totals.peakConcurrent = this.table.size;

    const serverIsA = !c.clientIsA;
    c.listener = this.listenerOf(c, serverIsA);
    c.listener.connections++;

    if (this.sink.onEvent) {
      const client = { ip: this.ipString(c, c.clientIsA), port: c.clientIsA ? c.portA : c.portB };
      const server = { ip: this.ipString(c, !c.clientIsA), port: c.clientIsA ? c.portB : c.portA };
      this.sink.onEvent({ type: 'connection-start', t, packet: seg.frameNo, connection: c.id, client, server, roleInferred: c.roleInferred });
    }

    if (c.midStream) {
      this.apply(c, c.client, 'picked up mid-stream', t, seg.frameNo, true);
      this.apply(c, c.server, 'picked up mid-stream', t, seg.frameNo, true);
    } else {
      this.apply(c, c.server, 'listening (inferred)', t, seg.frameNo, true);
    }
    return c;
  }

  /** A fresh connection record: a recycled one when there is one (see conn.ts), else a new one. */
  private newRecord(): Conn {
    const c = this.spare.pop();
    if (c === undefined) return new Conn();
    c.reset();
    return c;
  }

  /** Keep an emitted connection's record for reuse, up to MAX_SPARE_RECORDS. */
  private recycle(c: Conn): void {
    if (this.spare.length < MAX_SPARE_RECORDS) this.spare.push(c);
  }
  private readonly spare: Conn[] = [];

  /** The server's listener; IPv4 listeners are found by a numeric key (no string per connection). */
  private listenerOf(c: Conn, serverIsA: boolean): ListenerRecord {
    const port = serverIsA ? c.portA : c.portB;
    if (c.ipVersion !== 6) {
      const key = (serverIsA ? c.a0 : c.b0) * 65536 + port;
      let l = this.v4Listeners.get(key);
      if (l === undefined) { l = this.listeners.get(this.ipString(c, serverIsA), port); this.v4Listeners.set(key, l); }
      return l;
    }
    return this.listeners.get(this.ipString(c, serverIsA), port);
  }
  private readonly v4Listeners = new Map<number, ListenerRecord>();

  ipString(c: Conn, sideA: boolean): string {
    const n = this.addressNames;
    if (c.ipVersion === 6) return sideA ? n.ipv6(c.a0, c.a1, c.a2, c.a3) : n.ipv6(c.b0, c.b1, c.b2, c.b3);
    return n.ipv4(sideA ? c.a0 : c.b0);
  }
  private readonly addressNames = new AddressNames();

  /** A new SYN replaces `old` on its 4-tuple: end TIME_WAIT early and emit it. */
  private endByReuse(old: Conn, fromA: boolean, seg: Segment, t: number): void {
    const s = old.sender(fromA), r = old.receiver(fromA);
    if (r.state === 'TIME_WAIT') this.apply(old, r, 'received SYN', t, seg.frameNo, false, 'received SYN of a new connection on the 4-tuple');
    if (s.state === 'TIME_WAIT') this.apply(old, s, 'sent SYN', t, seg.frameNo, false, 'sent SYN of a new connection on the 4-tuple');
    this.emit(old, old.list === LIST_CLOSING ? 'closed' : 'reused');
  }

  private flagTimeWaitReuse(c: Conn, oldId: number, oldClosedAt: number, seg: Segment, t: number): void {
    const since = t - oldClosedAt;
    if (since < this.twoMsl) {
      this.raise(c, 'time-wait-reuse', seg.frameNo, t, 'client',
        `new SYN ${since.toFixed(3)} s after connection ${oldId} closed (2×MSL = ${this.twoMsl} s)`,
        { previousConnection: oldId, sinceClose: since, twoMsl: this.twoMsl });
    }
  }

  // ---------------------------------------------------------------- per segment

  private process(c: Conn, fromA: boolean, seg: Segment, t: number): void {
    const s = c.sender(fromA), r = c.receiver(fromA);
    const flags = seg.flags, len = seg.payloadLen, pkt = seg.frameNo;
    const SYN = (flags & FLAG.SYN) !== 0, ACK = (flags & FLAG.ACK) !== 0;
    const FIN = (flags & FLAG.FIN) !== 0, RST = (flags & FLAG.RST) !== 0;
    const seq = seg.seq, ack = seg.ack;

    s.packets++;
    s.bytes += len;
    if (t > c.end) c.end = t;
    c.lastPacket = pkt;

    if (seg.issues !== 0) this.issueAnomalies(c, s, seg, t);
    const badChecksum = (seg.issues & ISSUE.BAD_CHECKSUM) !== 0;
    c.zeek.packet(fromA, seg, badChecksum);
    // The receiver drops a segment with a bad checksum: it changes no state.
    if (badChecksum) return;

    // Crossing FINs: does this segment place the arrival of a FIN still in flight?
    if (s.pendingFin) {
      if (ACK && seqGe(ack, seqAdd(r.finSeq, 1))) this.placePendingFin(c, s, t, pkt);
      else if (FIN && !s.finSent) s.pendingCrossed = true; // s closes before the peer's FIN reached it
    }
    const finRetransmission = FIN && s.finSent && seqAdd(seq, len) === s.finSeq;
    // In-order delivery: the FIN s sent earlier reached r before this later segment.
    if (r.pendingFin && !finRetransmission && !(FIN && !s.finSent)) this.placePendingFin(c, r, t, pkt);

    if (SYN) this.onSyn(c, s, r, seg, t, ACK);

    if (RST) { this.onRst(c, s, r, t, pkt); this.advance(s, seq, len, SYN, false, t); return; }

    if (ACK && !SYN) this.onAck(c, s, r, seg, t);
    if (!SYN) this.dataAnalysis(c, s, r, seg, t, FIN);
    if (FIN) this.onFin(c, s, r, seq, len, t, pkt, finRetransmission);
    this.advance(s, seq, len, SYN, FIN, t);
    if (ACK) { s.hasAck = true; s.lastAck = ack; s.lastWin = seg.window; }
  }

  private advance(s: Endpoint, seq: number, len: number, syn: boolean, fin: boolean, t: number): void {
    const end = seqAdd(seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
    if (!s.hasNext || seqGt(end, s.nextSeq)) { s.nextSeq = end; s.hasNext = true; s.advanceT = t; }
  }

  private issueAnomalies(c: Conn, s: Endpoint, seg: Segment, t: number): void {
    for (const [bit, id] of ISSUE_ANOMALIES) {
      if ((seg.issues & bit) === 0) continue;
      this.raise(c, id, seg.frameNo, t, s.role, `${id} in a segment from the ${s.role}`,
        id === 'invalid-flags' ? { flags: seg.flags } : undefined);
    }
  }

  private onSyn(c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number, ack: boolean): void {
    const pkt = seg.frameNo, seq = seg.seq;
    if (s.synSeen && seq === s.isn && ack && !s.synIsAck) {
      // Simultaneous open: a side that sent a SYN now sends SYN-ACK for the peer's SYN (RFC 9293 §3.5 Fig. 8).
      s.synIsAck = true;
      this.apply(c, s, 'sent SYN-ACK', t, pkt);
      if (r.synSeen && seg.ack === seqAdd(r.isn, 1)) {
        r.synAcked = true;
        this.apply(c, r, 'received SYN-ACK', t, pkt);
      }
      return;
    }
    if (s.synSeen && seq === s.isn) {
      // Retransmission of this side's SYN or SYN-ACK (same ISN), with its back-off interval.
      if (!ack && s === c.client && c.synAckT < 0) c.synBeforeSynAckT = t;
      s.synCount++;
      const interval = t - s.synLastT;
      (s.synIntervals ??= []).push(interval);
      s.synLastT = t;
      const id: AnomalyId = ack ? 'synack-retransmission' : 'syn-retransmission';
      this.raise(c, id, pkt, t, s.role, `${ack ? 'SYN-ACK' : 'SYN'} sent again after ${interval.toFixed(3)} s (attempt ${s.synCount})`,
        { attempt: s.synCount, interval, intervals: s.synIntervals.slice() });
      if (ack && c.ackT >= 0 && !c.lostHandshakeAckFlagged) {
        c.lostHandshakeAckFlagged = true;
        this.raise(c, 'lost-handshake-ack', pkt, t, 'client',
          'the server re-sent its SYN-ACK after the client\'s ACK passed: the ACK was lost after the capture point',
          { case: 'synack-after-ack', ackTime: c.ackT });
      }
      if (ack && s.synAcked && s.state === 'ESTABLISHED' && !s.finSent) {
        // We moved it to ESTABLISHED when the client's ACK passed; re-sending the SYN-ACK proves that ACK
        // had not arrived. Correct the timeline (one more transition; nothing recorded is rewritten).
        s.awaitingSynAck = true;
        this.apply(c, s, 'sent SYN-ACK again', t, pkt, true,
          'sent SYN-ACK again: the client\'s ACK had not arrived (lost after the capture point)');
      }
      if (!ack && seg.payloadLen > 0) this.synWithData(c, s, seg, t);
      return;
    }

    // First SYN (or SYN-ACK) of this side.
    s.synSeen = true;
    s.synIsAck = ack;
    s.isn = seq;
    s.synCount = 1;
    s.synFirstT = s.synLastT = t;
    s.synDataLen = seg.payloadLen;
    const o = readSynOptions(seg, this.synOptions);
    s.mss = o.mss; s.wscale = o.wscale; s.sackPermitted = o.sackOk; s.timestamps = o.tsPresent;
    s.fastOpen = o.tfoCookieLen < 0 ? null : o.tfoCookieLen === 0 ? '' : fastOpenCookie(seg);
    if (seg.payloadLen > 0) this.synWithData(c, s, seg, t);

    if (!ack) {
      this.apply(c, s, 'sent SYN', t, pkt);
      if (r.state === 'SYN_SENT') {
        // Both sides sent a SYN without ACK: simultaneous open (RFC 9293 §3.5, Figure 8).
        c.simultaneousOpen = true;
        this.raise(c, 'simultaneous-open', pkt, t, null, 'both ends sent a SYN without ACK');
        this.apply(c, r, 'received SYN', t, pkt);
        // The peer's SYN, which passed earlier, was still in flight to s (else s would have sent a
        // SYN-ACK): it reaches s now that the SYNs have crossed.
        this.apply(c, s, 'received SYN', t, pkt, false, 'received SYN (the SYNs crossed)');
      } else {
        this.apply(c, r, 'received SYN', t, pkt);
      }
      if (s === c.client && c.synAckT < 0) c.synBeforeSynAckT = t;
      return;
    }

    // SYN-ACK.
    c.synAckT = t;
    c.synAckAck = seg.ack;
    if (r.synSeen) {
      // With data in the SYN (TFO), the SYN-ACK acknowledges SYN + data when the server took it.
      c.synAckAckValid = seg.ack === seqAdd(r.isn, 1) || (r.synDataLen > 0 && seg.ack === seqAdd(r.isn, 1 + r.synDataLen));
      if (!c.synAckAckValid) {
        this.raise(c, 'bad-handshake-ack', pkt, t, s.role, 'the SYN-ACK does not acknowledge the SYN\'s ISN+1',
          { expected: seqAdd(r.isn, 1), got: seg.ack });
      }
      this.checkOptions(c, t, pkt);
    }
    if (c.synBeforeSynAckT < 0 && c.client.synSeen) c.synBeforeSynAckT = c.client.synLastT;
    this.apply(c, s, 'sent SYN-ACK', t, pkt);
    if (r.state === 'CLOSED') {
      // The SYN was not captured: the SYN-ACK proves the client had sent one.
      this.apply(c, r, 'sent SYN', t, pkt, true, 'sent SYN (inferred from the SYN-ACK)');
    }
    if (!r.synSeen || c.synAckAckValid === true) {
      r.synAcked = true;
      this.apply(c, r, 'received SYN-ACK', t, pkt);
    }
  }

  private synWithData(c: Conn, s: Endpoint, seg: Segment, t: number): void {
    const tfo = s.fastOpen !== null;
    this.raise(c, 'syn-with-data', seg.frameNo, t, s.role,
      `${seg.payloadLen} bytes of data in a ${(seg.flags & FLAG.ACK) !== 0 ? 'SYN-ACK' : 'SYN'}${tfo ? ' (TCP Fast Open)' : ''}`,
      { bytes: seg.payloadLen, fastOpen: tfo });
  }

  private checkOptions(c: Conn, t: number, pkt: number): void {
    const cl = c.client, sv = c.server;
    if (!cl.synSeen || !sv.synSeen) return;
    const check = (name: string, a: boolean, b: boolean): void => {
      if (a === b) return;
      const by = a ? 'client' : 'server';
      this.raise(c, 'options-mismatch', pkt, t, by, `${name} offered by the ${by} only: not in effect`, { option: name, offeredBy: by });
    };
    check('window-scale', cl.wscale >= 0, sv.wscale >= 0);
    check('sack-permitted', cl.sackPermitted, sv.sackPermitted);
    check('timestamps', cl.timestamps, sv.timestamps);
  }

  private onRst(c: Conn, s: Endpoint, r: Endpoint, t: number, pkt: number): void {
    const before = s.state;
    if (!s.rstSent) {
      s.rstSent = true;
      if (c.resetBy === null) c.resetBy = s.role;
      if (c.closeInitiator === null) c.closeInitiator = s.role;
      const refusal = s === c.server && !s.synSeen && (r.state === 'SYN_SENT') && !c.midStream;
      if (refusal) {
        c.refused = true;
        c.listener.refused++;
        this.raise(c, 'handshake-refused', pkt, t, 'server', 'the server answered the SYN with RST (connection refused)');
      } else {
        if (!c.midStream && !(c.client.everEstablished && c.server.everEstablished)) c.handshakeReset = true;
        this.raise(c, 'reset', pkt, t, s.role, `the ${s.role} reset the connection in ${before}`, { state: before, peerState: r.state });
      }
    }
    this.apply(c, s, 'sent RST', t, pkt);
    this.apply(c, r, 'received RST', t, pkt);
  }

  private onAck(c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number): void {
    const ack = seg.ack, pkt = seg.frameNo;
    // The handshake's third ACK (or the first ACK that covers the peer's SYN).
    if (!r.synAcked && !c.midStream) {
      if (r.synSeen) {
        const valid = ack === seqAdd(r.isn, 1);
        if (s === c.client && c.finalAckValid === null) {
          c.finalAckValid = valid;
          if (!valid) this.raise(c, 'bad-handshake-ack', pkt, t, s.role, 'the handshake\'s ACK does not acknowledge the SYN-ACK\'s ISN+1',
            { expected: seqAdd(r.isn, 1), got: ack });
        }
        if (seqGe(ack, seqAdd(r.isn, 1))) {
          r.synAcked = true;
          if (s === c.client) {
            c.ackT = t;
            c.lastSynAckBeforeAckT = r.synLastT;
            if (r.synCount > 1 && !c.lostHandshakeAckFlagged) {
              c.lostHandshakeAckFlagged = true;
              this.raise(c, 'lost-handshake-ack', pkt, t, 'client',
                `the handshake completed only after ${r.synCount - 1} SYN-ACK retransmission(s)`,
                { case: 'completed-after-synack-retransmission', synAcks: r.synCount });
            }
          }
          this.apply(c, s, 'sent ACK of SYN', t, pkt);
          this.apply(c, r, 'received ACK of SYN', t, pkt);
        }
      } else if (s === c.client && s.state === 'SYN_SENT' && r.state === 'LISTEN') {
        // The SYN-ACK was not captured; the client's ACK proves it was sent.
        r.synSeen = true; r.synIsAck = true; r.isn = (ack - 1) >>> 0; r.synCount = 1; r.synFirstT = r.synLastT = t;
        r.synAcked = true;
        c.ackT = t;
        c.finalAckValid = true;
        this.apply(c, r, 'sent SYN-ACK', t, pkt, true, 'sent SYN-ACK (inferred from the client\'s ACK)');
        this.apply(c, s, 'sent ACK of SYN', t, pkt);
        this.apply(c, r, 'received ACK of SYN', t, pkt);
      }
    }
    // An ACK covering a SYN-ACK the peer re-sent after we had seen it acknowledged (see onSyn).
    if (r.awaitingSynAck && seqGe(ack, seqAdd(r.isn, 1))) {
      r.awaitingSynAck = false;
      this.apply(c, r, 'received ACK of SYN', t, pkt);
    }
    // An ACK covering the peer's FIN.
    if (r.finSent && !r.finAcked && seqGe(ack, seqAdd(r.finSeq, 1))) {
      r.finAcked = true;
      this.apply(c, r, 'received ACK of FIN', t, pkt);
    }
  }

  /** Wireshark-style per-direction analysis: no reassembly, just next-seq, last ACK and window. */
  private dataAnalysis(c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number, fin: boolean): void {
    const len = seg.payloadLen, seq = seg.seq, pkt = seg.frameNo;
    const segLen = len + (fin ? 1 : 0);

    if (len > 0 && !s.dataBeforeHandshakeFlagged && !c.midStream &&
        (s.state === 'SYN_SENT' || s.state === 'SYN_RECEIVED' || s.state === 'LISTEN' || s.state === 'CLOSED')) {
      s.dataBeforeHandshakeFlagged = true;
      this.raise(c, 'data-before-handshake', pkt, t, s.role, `the ${s.role} sent data in ${s.state}`, { state: s.state, bytes: len });
    }

    let keepAlive = false;
    if (s.hasNext) {
      if (segLen <= 1 && !fin && seq === seqAdd(s.nextSeq, -1) && (seg.flags & FLAG.ACK) !== 0) {
        keepAlive = true;
        this.raise(c, 'keep-alive', pkt, t, s.role, `keep-alive from the ${s.role}`);
      } else if (segLen > 0 && seqLt(seq, s.nextSeq) && !(fin && s.finSent && len === 0)) {
        const threshold = this.oooThreshold(c);
        if (r.dupAcks >= 2 && r.hasAck && seq === r.lastAck) {
          // Wireshark's fast retransmission: the peer asked for exactly this segment with duplicate ACKs.
          this.raise(c, 'retransmission', pkt, t, s.role, `fast retransmission of ${len} bytes after ${r.dupAcks} duplicate ACKs`,
            { seq, bytes: len, fast: true });
        } else if (t - s.advanceT < threshold) {
          this.raise(c, 'out-of-order', pkt, t, s.role, `segment below the highest sequence seen, ${((t - s.advanceT) * 1000).toFixed(3)} ms after it`,
            { seq, nextSeq: s.nextSeq });
        } else if (!(fin && s.finSent && seqAdd(seq, len) === s.finSeq)) {
          this.raise(c, 'retransmission', pkt, t, s.role, `the ${s.role} re-sent ${len} bytes`, { seq, bytes: len });
        }
      }
    }

    const win = seg.window;
    const flagsOff = (seg.flags & (FLAG.SYN | FLAG.FIN | FLAG.RST)) === 0;
    if (win === 0 && flagsOff) {
      if (!s.inZeroWindow) {
        s.inZeroWindow = true;
        this.raise(c, 'zero-window', pkt, t, s.role, `the ${s.role} advertised a zero window`);
      }
    } else if (win !== 0) s.inZeroWindow = false;

    if (len === 0 && flagsOff && !keepAlive && s.hasAck && (seg.flags & FLAG.ACK) !== 0 && seg.ack === s.lastAck &&
        win === s.lastWin && win !== 0 && s.hasNext && seq === s.nextSeq && r.hasNext && seqLt(seg.ack, r.nextSeq)) {
      s.dupAcks++;
      this.raise(c, 'duplicate-ack', pkt, t, s.role, `duplicate ACK ${seg.ack} from the ${s.role} (#${s.dupAcks})`, { ack: seg.ack, count: s.dupAcks });
    } else if ((seg.flags & FLAG.ACK) !== 0 && seg.ack !== s.lastAck) s.dupAcks = 0;
  }

  private oooThreshold(c: Conn): number {
    if (c.synBeforeSynAckT >= 0 && c.ackT >= 0) {
      const rtt = c.ackT - c.synBeforeSynAckT;
      if (rtt > 0) return rtt;
    }
    return DEFAULT_OOO_SECONDS;
  }

  private onFin(c: Conn, s: Endpoint, r: Endpoint, seq: number, len: number, t: number, pkt: number, retransmission: boolean): void {
    if (retransmission) {
      s.finCount++;
      this.raise(c, 'fin-retransmission', pkt, t, s.role, `the ${s.role} sent its FIN again (${s.finCount} times)`, { count: s.finCount });
      // The side that closed second re-sends its FIN: the final ACK was lost — after the capture
      // point when we saw it pass, before it when we never saw it.
      if (s.wasLastAck && !(c.anomalies?.some((a) => a.id === 'lost-final-ack' && a.endpoint === s.role) ?? false)) {
        const after = s.finAcked;
        this.raise(c, 'lost-final-ack', pkt, t, s.role, after
          ? `the ${s.role} re-sent its FIN from LAST_ACK after the final ACK passed: it was lost after the capture point`
          : `the ${s.role} re-sent its FIN from LAST_ACK: the final ACK never arrived`,
        { case: after ? 'fin-resent-after-ack' : 'fin-resent-in-last-ack' });
      }
      if (s.finAcked && !s.rstSent && !r.rstSent) {
        // The ACK of this FIN passed the capture point, yet the FIN is re-sent: that ACK had not arrived
        // (lost after the capture point, or late). Correct the timeline; the next ACK of the FIN passes
        // through 'received ACK of FIN' again.
        s.finAcked = false;
        this.apply(c, s, 'sent FIN again', t, pkt, true,
          'sent FIN again: the ACK of its FIN had not arrived (lost after the capture point)');
      }
      // The retransmitted FIN carries the still unplaced arrival at r, after its ACK part.
      if (r.pendingFin) this.placePendingFin(c, r, t, pkt);
      return;
    }
    if (s.finSent) return; // a FIN at another sequence number: odd, left to the data analysis
    s.finSent = true;
    s.finSeq = seqAdd(seq, len);
    s.finT = t;
    s.finCount = 1;
    if (c.closeInitiator === null) c.closeInitiator = s.role;
    this.apply(c, s, 'sent FIN', t, pkt);
    // The FIN's arrival at r is placed once the wire tells us when (r's next segment, or s's next).
    r.pendingFin = true;
    r.pendingFinT = t;
    r.pendingFinPacket = pkt;
  }

  private placePendingFin(c: Conn, ep: Endpoint, t: number, pkt: number): void {
    ep.pendingFin = false;
    const crossed = ep.pendingCrossed;
    ep.pendingCrossed = false;
    if (crossed) this.apply(c, ep, 'received FIN', t, pkt, false, 'received FIN (the FINs crossed)');
    else this.apply(c, ep, 'received FIN', ep.pendingFinT, ep.pendingFinPacket);
  }

  // ---------------------------------------------------------------- transitions, anomalies

  /** Move one endpoint through the transition function and record what happened. */
  private apply(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, inferred = false, cause?: string): boolean {
    const res = transition(ep.state, event);
    if (res === null) return false;
    const from = ep.state;
    c.timeline.addCodes(t, packet, ep === c.server, ep.stateCode, res.code, internCause(cause ?? event), inferred);
    ep.state = res.to;
    ep.stateCode = res.code;
    if (this.sink.onEvent) {
      const tr = newTransition(t, packet, ep.role, from, res.to, cause ?? event, inferred);
      this.sink.onEvent({ type: 'transition', connection: c.id, transition: tr });
    }

    if (ep === c.server) {
      if (res.to === 'SYN_RECEIVED') this.listeners.changeHalfOpen(c.listener, 1, t, packet);
      if (from === 'SYN_RECEIVED') {
        this.listeners.changeHalfOpen(c.listener, -1, t, packet);
        if (res.to === 'ESTABLISHED' && !ep.everEstablished) c.listener.completed++; // not again after a correction
      }
    }
    // Effects of the new state (res.caused names them; checked by target state to stay branch-cheap).
    if (res.to === 'ESTABLISHED') ep.everEstablished = true;
    else if (res.to === 'TIME_WAIT') ep.timeWaitT = t;
    if (res.to === 'CLOSING') {
      ep.wentClosing = true;
      const peer = c.peerOf(ep);
      if (!c.simultaneousCloseFlagged) {
        c.simultaneousCloseFlagged = true;
        this.raise(c, 'simultaneous-close', packet, t, null, 'the FINs crossed (CLOSING)', { closing: [ep.role] });
      } else if (peer.wentClosing) {
        const occ = c.anomalies?.find((a) => a.id === 'simultaneous-close');
        if (occ?.details) (occ.details['closing'] as string[]).push(ep.role);
      }
    }
    if (res.to === 'LAST_ACK') ep.wasLastAck = true;
    if (res.to === 'CLOSED') ep.reachedClosed = true;
    if (c.list === LIST_ACTIVE && this.isFinished(c)) {
      c.finishedT = t;
      this.active.remove(c);
      this.closing.push(c);
      this.lingering++;
      while (this.lingering > this.maxLingering && this.closing.head !== null && this.closing.head !== c) {
        this.emit(this.closing.head, 'closed', true);
      }
    }
    return true;
  }

  /** Both sides are through with it: CLOSED (after having been open), TIME_WAIT, or a server still LISTENing. */
  private isFinished(c: Conn): boolean {
    const cl = c.client, sv = c.server;
    return (ended(cl) && (ended(sv) || sv.state === 'LISTEN')) || (ended(sv) && cl.state === 'CLOSED');
  }

  raise(c: Conn, id: AnomalyId, packet: number, t: number, endpoint: EndpointRole | null,
    message: string, details?: Record<string, unknown>): AnomalyOccurrence {
    const a = anomaly(id, packet, t, endpoint, message, details);
    (c.anomalies ??= []).push(a);
    this.sink.onEvent?.({ type: 'anomaly', connection: c.id, anomaly: a });
    return a;
  }

  // ---------------------------------------------------------------- expiry and emission

  private expire(): void {
    const idle = this.opts.idleTimeoutSeconds, linger = this.twoMsl;
    while (this.closing.headTime + linger <= this.now) this.emit(this.closing.head!, 'closed');
    while (this.active.headTime + idle < this.now) this.emit(this.active.head!, 'idle');
  }

  private emit(c: Conn, reason: Connection['endReason'], leaveTombstone = false): void {
    // FINs still in flight arrived when they passed the capture point (no evidence otherwise).
    if (c.client.pendingFin) this.placePendingFin(c, c.client, c.client.pendingFinT, c.client.pendingFinPacket);
    if (c.server.pendingFin) this.placePendingFin(c, c.server, c.server.pendingFinT, c.server.pendingFinPacket);
    this.endTimeWait(c, c.client);
    this.endTimeWait(c, c.server);
    endOfConnectionAnomalies(c, this);
    if (reason !== 'end-of-input' && c.server.state === 'SYN_RECEIVED') {
      this.listeners.changeHalfOpen(c.listener, -1, Math.max(this.now, c.lastTime), c.lastPacket);
    }
    this.table.remove(c);
    if (c.list === LIST_ACTIVE) this.active.remove(c);
    else if (c.list === LIST_CLOSING) { this.closing.remove(c); this.lingering--; }
    if (leaveTombstone) this.tombstones.add(c, c.finishedT + this.twoMsl, this.now);
    const conn = buildConnection(c, reason, this);
    this.recycle(c); // nothing refers to the record any more: the output holds no part of it
    this.sink.onConnection(conn);
    this.sink.onEvent?.({ type: 'connection-end', connection: conn });
  }

  /** TIME_WAIT whose 2×MSL ran out in capture time: CLOSED, inferred (no packet shows it). */
  private endTimeWait(c: Conn, ep: Endpoint): void {
    if (ep.state === 'TIME_WAIT' && this.now >= ep.timeWaitT + this.twoMsl) {
      this.apply(c, ep, '2×MSL elapsed', ep.timeWaitT + this.twoMsl, c.lastPacket, true, '2×MSL elapsed (inferred)');
    }
  }

  /** Capture time as the tracker sees it (the latest timestamp pushed). */
  get captureTime(): number { return this.now; }
  get twoMslSeconds(): number { return this.twoMsl; }
}
