/**
 * The streaming tracker: TCP segments in, finished connections out.
 *
 * A passive observer between two hosts: for each connection it keeps one record per endpoint
 * (client, server) with its own RFC 793 state, and moves those states only through
 * `transition()` (transition.ts), called from `apply` below. A connection is emitted when it is
 * finished — closed and lingered (2×MSL of capture time after it closed, so late retransmissions
 * still land on it), idle past `idleTimeoutSeconds`, or at the end of input — so memory follows the
 * number of concurrent connections, not the length of the capture.
 *
 * This file holds the flow table and the connection lifecycle (create, reuse, expiry, emission) and
 * dispatches each segment to the handlers of its phase: handshake.ts, teardown.ts, data-analysis.ts.
 *
 * Hot path: a plain data/ACK segment costs one hash lookup and in-place updates of numbers;
 * nothing is allocated unless something happens (an anomaly). Per connection, the records are
 * recycled (lifecycle.ts RecordPool), transitions are logged as numbers (timeline-log.ts), and the
 * output objects are built once, when the connection is emitted (verdict.ts): a connection lingers
 * long enough that anything allocated for it earlier would be promoted and swept by the
 * old-generation GC.
 */
import { FLAG, ISSUE, type Segment } from '../decode/segment.js';
import { AddressNames } from './address-names.js';
import { noteStepBack, rttExcluded } from './clock-steps.js';
import { anomaly, MAX_LISTED_PER_ID } from './anomalies.js';
import { ConnList, LIST_ACTIVE, LIST_CLOSING, type Conn, type Endpoint } from './conn.js';
import { ConnTable, tupleHash } from './conn-table.js';
import type { FlowContext } from './context.js';
import { advance, dataAnalysis } from './data-analysis.js';
import { onHandshakeAck, onSyn } from './handshake.js';
import { closedAt, initRecord, isFinished, RecordPool, startsNewConnection } from './lifecycle.js';
import type { FoldedListeners } from './listener-fold.js';
import { ListenerTable, type ListenerRecord } from './listeners.js';
import type {
  AnomalyId, AnomalyOccurrence, Connection, EndpointRole, FlowEvent, Listener, TrackerOptions, TrackerTotals,
} from './model.js';
import { seqAdd } from './seq.js';
import { onFin, onFinAck, onRst, placeFinsInFlight, placePendingFin } from './teardown.js';
import { internCause, newTransition } from './timeline-log.js';
import { TombstoneTable } from './tombstones.js';
import { transition, type TcpEvent } from './transition.js';
import { buildConnection, connectionFacts, endOfConnectionAnomalies, newFacts, type ConnectionFacts } from './verdict.js';

export interface TrackerSink {
  onConnection(c: Connection): void;
  /**
   * Instead of onConnection: each finished connection's facts (reused object), and `build` to get the
   * Connection itself, valid during the call only. A report that keeps a few connections builds those.
   */
  onFinished?(facts: ConnectionFacts, build: () => Connection): void;
  onEvent?(e: FlowEvent): void;
}

/**
 * Closed connections held for their 2×MSL linger at most; past this, the oldest is emitted early
 * and leaves a Tombstone. Keeps memory bounded when a capture closes connections faster than
 * 2×MSL of capture time lets them go (a 36 s capture of 200,000 connections).
 */
export const DEFAULT_MAX_LINGERING = 1024;

/** Per-packet decode issues that become anomalies, in a fixed order. */
const ISSUE_ANOMALIES: ReadonlyArray<[number, AnomalyId]> = [
  [ISSUE.INVALID_FLAGS, 'invalid-flags'], [ISSUE.BAD_CHECKSUM, 'bad-checksum'],
  [ISSUE.MALFORMED_OPTION, 'malformed-option'], [ISSUE.BAD_HEADER_LENGTH, 'bad-header-length'],
  [ISSUE.TRUNCATED, 'truncated'], [ISSUE.PORT_ZERO, 'port-zero'],
];

export class Tracker implements FlowContext {
  private readonly opts: TrackerOptions;
  private readonly table = new ConnTable<Conn>(1024);
  private readonly tombstones = new TombstoneTable();
  private readonly records = new RecordPool();
  private lingering = 0;
  private readonly maxLingering: number;
  private readonly active = new ConnList(LIST_ACTIVE);
  private readonly closing = new ConnList(LIST_CLOSING);
  private readonly listeners: ListenerTable;
  /** IPv4 listeners by a numeric key (address × 65536 + port): no string per connection. */
  private readonly v4Listeners = new Map<number, ListenerRecord>();
  /** ListenerTable.folds when v4Listeners was last valid: a fold lets records go, so the cache is dropped. */
  private v4Folds = 0;
  private readonly addressNames = new AddressNames();
  private readonly totals: TrackerTotals = { segments: 0, connections: 0, unplaced: 0, peakConcurrent: 0, late: 0 };
  private readonly looseAnomalies: AnomalyOccurrence[] = [];
  private nextId = 1;
  private now = -Infinity;
  private finished = false;
  private finalListeners: Listener[] = [];
  /** The record onFinished may build, and why it ended; the facts object handed out (reused). */
  private finishing: Conn | null = null;
  private finishingReason: Connection['endReason'] = 'closed';
  private readonly facts = newFacts();

  constructor(opts: TrackerOptions, private readonly sink: TrackerSink) {
    this.opts = opts;
    this.maxLingering = opts.maxLingering ?? DEFAULT_MAX_LINGERING;
    this.listeners = new ListenerTable(opts.synFloodThreshold, opts.maxSeriesPoints, (a) => {
      this.looseAnomalies.push(a);
      this.sink.onEvent?.({ type: 'anomaly', connection: null, anomaly: a });
    }, opts.maxListeners);
  }

  private get twoMsl(): number { return 2 * this.opts.mslSeconds; }

  /** One segment. */
  push(seg: Segment): void {
    this.totals.segments++;
    if (seg.kind !== 'tcp' || this.finished) { this.totals.unplaced++; return; }
    let t = seg.tsSec + seg.tsNsec / 1e9;
    // A frame without a timestamp (0: a pcapng Simple Packet Block) came at an unknown time, about now;
    // on a known connection it is a step in time like one stamped early (no interval may span it).
    const untimed = t === 0 && this.now > 0;
    if (untimed) t = this.now;
    if (t > this.now) { this.now = t; this.expire(); }

    const ipv = seg.ipVersion;
    const hash = tupleHash(ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort);
    let c = this.table.find(hash, ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort);
    let fromA = this.table.lastFromA;
    if (c !== undefined && (t < c.lastTime || untimed)) t = this.stepBack(c, t, seg.frameNo);
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
        const since = Math.max(0, t - closedAt); // the clock may have stepped back since
        this.raise(c, 'time-wait-reuse', seg.frameNo, t, 'client',
          `new SYN ${since.toFixed(3)} s after connection ${previous} closed (2×MSL = ${this.twoMsl} s)`,
          { previousConnection: previous, sinceClose: since, twoMsl: this.twoMsl });
        this.process(c, true, seg, t);
        return;
      }
    }

    if (c !== undefined && (seg.flags & (FLAG.SYN | FLAG.ACK | FLAG.RST)) === FLAG.SYN && startsNewConnection(c, fromA, seg)) {
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

  /**
   * Move the capture clock to `t` (seconds since the epoch) without a packet, and emit what that
   * finishes: idle connections, closed ones whose 2×MSL linger ran out (TIME_WAIT → CLOSED, inferred).
   * A live capture calls it from a timer, since a quiet network pushes no packet to do it. No-op
   * unless t is later than the latest time seen.
   */
  advanceTo(t: number): void {
    if (this.finished || !(t > this.now)) return;
    this.now = t;
    this.expire();
  }

  finish(): { listeners: Listener[]; totals: TrackerTotals; anomalies: AnomalyOccurrence[]; listenersFolded: FoldedListeners | null } {
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
    const folded = this.listeners.folded;
    return {
      listeners: this.finalListeners, totals: { ...this.totals }, anomalies: this.looseAnomalies.slice(),
      listenersFolded: folded.listeners > 0 ? { ...folded } : null,
    };
  }

  /**
   * A segment of c stamped earlier than c's latest (the clock stepped back), or not stamped at all: it
   * is timed as the latest, so no interval on c comes out negative, and counted (clock-steps.ts).
   */
  private stepBack(c: Conn, t: number, packet: number): number {
    const tot = this.totals;
    if (c.clockSteps === null) tot.timeStepConnections = (tot.timeStepConnections ?? 0) + 1;
    tot.timeStepsBack = (tot.timeStepsBack ?? 0) + 1;
    noteStepBack(c, Math.max(0, c.lastTime - t), packet);
    return c.lastTime;
  }

  // ---------------------------------------------------------------- per segment

  /** One segment of c, from side A or B: the handlers of each phase, in wire order. */
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

    const finRetransmission = FIN && s.finSent && seqAdd(seq, len) === s.finSeq;
    if (s.pendingFin || r.pendingFin) placeFinsInFlight(this, c, s, r, ack, t, pkt, ACK, FIN, finRetransmission);

    if (SYN) onSyn(this, c, s, r, seg, t, ACK);

    if (RST) { onRst(this, c, s, r, t, pkt); advance(s, seq, len, SYN, false, t); return; }

    if (ACK && !SYN) { onHandshakeAck(this, c, s, r, seg, t); onFinAck(this, c, r, ack, t, pkt); }
    if (!SYN) dataAnalysis(this, c, s, r, seg, t, FIN);
    if (FIN) onFin(this, c, s, r, seq, len, t, pkt, finRetransmission);
    advance(s, seq, len, SYN, FIN, t);
    if (ACK) { s.hasAck = true; s.lastAck = ack; s.lastWin = seg.window; }
  }

  private issueAnomalies(c: Conn, s: Endpoint, seg: Segment, t: number): void {
    for (const [bit, id] of ISSUE_ANOMALIES) {
      if ((seg.issues & bit) === 0) continue;
      this.raise(c, id, seg.frameNo, t, s.role, `${id} in a segment from the ${s.role}`,
        id === 'invalid-flags' ? { flags: seg.flags } : undefined);
    }
  }

  // ---------------------------------------------------------------- transitions, anomalies

  /**
   * Move one endpoint through the transition function and record what happened (FlowContext: the
   * phase handlers change states only through here).
   */
  apply(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, inferred = false, cause?: string): boolean {
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
    // Effects of entering the new state.
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
    if (c.list === LIST_ACTIVE && isFinished(c)) this.startLinger(c, t);
    return true;
  }

  raise(c: Conn, id: AnomalyId, packet: number, t: number, endpoint: EndpointRole | null,
    message: string, details?: Record<string, unknown>): AnomalyOccurrence {
    const a = anomaly(id, packet, t, endpoint, message, details);
    const listed = (c.anomalies ??= []);
    if (listed.length < MAX_LISTED_PER_ID || this.listsAnother(c, id)) listed.push(a);
    this.sink.onEvent?.({ type: 'anomaly', connection: c.id, anomaly: a });
    return a;
  }

  /** c lists MAX_LISTED_PER_ID anomalies or more: may it list one more of `id`? Else it is counted. */
  private listsAnother(c: Conn, id: AnomalyId): boolean {
    let byId = c.listedById;
    if (byId === null) {
      byId = c.listedById = new Map();
      for (const x of c.anomalies!) byId.set(x.id, (byId.get(x.id) ?? 0) + 1);
    }
    const n = byId.get(id) ?? 0;
    if (n < MAX_LISTED_PER_ID) { byId.set(id, n + 1); return true; }
    const omitted = (c.omittedById ??= new Map());
    omitted.set(id, (omitted.get(id) ?? 0) + 1);
    return false;
  }

  // ---------------------------------------------------------------- connection lifecycle

  private create(seg: Segment, t: number, hash: number): Conn {
    const c = this.records.take();
    initRecord(c, seg, t, hash, this.nextId++);

    this.table.insert(c);
    this.active.push(c);
    this.totals.connections++;
    if (this.table.size > this.totals.peakConcurrent) this.totals.peakConcurrent = this.table.size;

    const serverIsA = !c.clientIsA;
    c.listener = this.listenerOf(c, serverIsA);
    c.listener.connections++;
    c.listener.live++;

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

  /** The server's listener; IPv4 listeners are found by a numeric key (no string per connection). */
  private listenerOf(c: Conn, serverIsA: boolean): ListenerRecord {
    const port = serverIsA ? c.portA : c.portB;
    if (this.listeners.folds !== this.v4Folds) { this.v4Listeners.clear(); this.v4Folds = this.listeners.folds; }
    if (c.ipVersion !== 6) {
      const key = (serverIsA ? c.a0 : c.b0) * 65536 + port;
      let l = this.v4Listeners.get(key);
      if (l === undefined) { l = this.listeners.get(this.ipString(c, serverIsA), port); this.v4Listeners.set(key, l); }
      return l;
    }
    return this.listeners.get(this.ipString(c, serverIsA), port);
  }

  ipString(c: Conn, sideA: boolean): string {
    const n = this.addressNames;
    if (c.ipVersion === 6) return sideA ? n.ipv6(c.a0, c.a1, c.a2, c.a3) : n.ipv6(c.b0, c.b1, c.b2, c.b3);
    return n.ipv4(sideA ? c.a0 : c.b0);
  }

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

  /** c is through: it lingers 2×MSL (late retransmissions still land on it), within the memory bound. */
  private startLinger(c: Conn, t: number): void {
    c.finishedT = t;
    this.active.remove(c);
    this.closing.push(c);
    this.lingering++;
    while (this.lingering > this.maxLingering && this.closing.head !== null && this.closing.head !== c) {
      this.emit(this.closing.head, 'closed', true);
    }
  }

  private expire(): void {
    const idle = this.opts.idleTimeoutSeconds, linger = this.twoMsl;
    while (this.closing.headTime + linger <= this.now) this.emit(this.closing.head!, 'closed');
    while (this.active.headTime + idle < this.now) this.emit(this.active.head!, 'idle');
  }

  private emit(c: Conn, reason: Connection['endReason'], leaveTombstone = false): void {
    // FINs still in flight arrived when they passed the capture point (no evidence otherwise).
    if (c.client.pendingFin) placePendingFin(this, c, c.client, c.client.pendingFinT, c.client.pendingFinPacket);
    if (c.server.pendingFin) placePendingFin(this, c, c.server, c.server.pendingFinT, c.server.pendingFinPacket);
    this.endTimeWait(c, c.client);
    this.endTimeWait(c, c.server);
    endOfConnectionAnomalies(c, this);
    if (c.clockSteps !== null && rttExcluded(c)) this.totals.rttExcluded = (this.totals.rttExcluded ?? 0) + 1;
    if (reason !== 'end-of-input' && c.server.state === 'SYN_RECEIVED') {
      this.listeners.changeHalfOpen(c.listener, -1, Math.max(this.now, c.lastTime), c.lastPacket);
    }
    this.table.remove(c);
    c.listener.live--;
    if (c.list === LIST_ACTIVE) this.active.remove(c);
    else if (c.list === LIST_CLOSING) { this.closing.remove(c); this.lingering--; }
    if (leaveTombstone) this.tombstones.add(c, c.finishedT + this.twoMsl, this.now);
    const onFinished = this.sink.onFinished;
    if (onFinished !== undefined && this.sink.onEvent === undefined) {
      this.finishing = c;
      this.finishingReason = reason;
      onFinished(connectionFacts(c, this.facts), this.buildFinishing);
      this.finishing = null;
      this.records.give(c);
      return;
    }
    const conn = buildConnection(c, reason, this);
    this.records.give(c); // nothing refers to the record any more: the output holds no part of it
    this.sink.onConnection(conn);
    this.sink.onEvent?.({ type: 'connection-end', connection: conn });
  }

  /** onFinished's `build`: the connection being emitted, as a Connection (once per call at most). */
  private readonly buildFinishing = (): Connection => {
    if (this.finishing === null) throw new Error('build() called after onFinished returned');
    return buildConnection(this.finishing, this.finishingReason, this);
  };

  /** TIME_WAIT whose 2×MSL ran out in capture time: CLOSED, inferred (no packet shows it). */
  private endTimeWait(c: Conn, ep: Endpoint): void {
    if (ep.state === 'TIME_WAIT' && this.now >= ep.timeWaitT + this.twoMsl) {
      this.apply(c, ep, '2×MSL elapsed', ep.timeWaitT + this.twoMsl, c.lastPacket, true, '2×MSL elapsed (inferred)');
    }
  }

  /** Connections held now (open, quiet, or lingering after their close). */
  get held(): number { return this.table.size; }

  /**
   * Memory pressure (pipeline/memory-guard.ts): finish up to `n` open connections now, as 'evicted':
   * the least recently active first, those whose handshake never completed (a SYN flood's) before
   * the others. Each leaves a tombstone until --idle-timeout, so a later segment of it is counted as
   * late, not taken for a new connection. Returns how many went.
   */
  evict(n: number): number {
    let done = 0;
    for (let pass = 0; pass < 2 && done < n; pass++) {
      for (let c = this.active.head; c !== null && done < n;) {
        const next = c.next;
        const incomplete = !c.server.everEstablished;
        if (incomplete || pass === 1) {
          // One shared message (no number in it): a flood evicts hundreds of thousands at a time.
          this.raise(c, 'evicted', c.lastPacket, c.lastTime, null, 'evicted under memory pressure: its end was not seen',
            { idleSeconds: this.now - c.lastTime });
          this.tombstones.add(c, this.now + this.opts.idleTimeoutSeconds, this.now);
          this.totals.evicted = (this.totals.evicted ?? 0) + 1;
          if (incomplete) this.totals.evictedIncomplete = (this.totals.evictedIncomplete ?? 0) + 1;
          this.emit(c, 'evicted');
          done++;
        }
        c = next;
      }
    }
    return done;
  }

  /** Capture time as the tracker sees it (the latest timestamp pushed, or advanced to). */
  get captureTime(): number { return this.now; }
  get twoMslSeconds(): number { return this.twoMsl; }
}
