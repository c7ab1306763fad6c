/**
 * The streaming tracker: TCP segments in, finished connections out.
 *
 * A passive observer between two hosts: for each connection it keeps one record per endpoint
 * (client, server) with its own RFC 793 state, and moves those states only through the state table
 * (state-table.ts), from `apply` below. A transition a received segment causes waits for the wire
 * to show it (`awaitEvidence`, `confirm`, `settle`, `deny`): timelines only go forward, and each
 * transition sits at the segment that caused it. A connection is emitted when it is
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
import { FLAG, ISSUE, newSegment, type Segment } from '../decode/segment.js';
import { AddressNames } from './address-names.js';
import { noteStepBack, rttExcluded } from './clock-steps.js';
import { anomaly, MAX_LISTED_PER_ID } from './anomalies.js';
import { ANSWER_PENDING, ANSWER_STATEFUL, ANSWER_STATELESS, ConnList, LIST_ACTIVE, LIST_CLOSING, LIST_DONE, LIST_NONE, NOTHING, type Conn, type Endpoint } from './conn.js';
import { ConnTable, tupleHash } from './conn-table.js';
import type { FlowContext } from './context.js';
import { dataAnalysis } from './data-analysis.js';
import { decideAnswer, handshakeTimers, inferListen, onHandshakeAck, onSyn } from './handshake.js';
import { closedAt, EmbryoPool, initRecord, isFinished, RecordPool, startsNewConnection } from './lifecycle.js';
import type { FoldedListeners } from './listener-fold.js';
import { byTime, ListenerTable, type ListenerRecord } from './listeners.js';
import type {
  AnomalyId, AnomalyOccurrence, Connection, EndpointRole, FlowEvent, Listener, TrackerOptions, TrackerTotals,
} from './model.js';
import { seqAdd } from './seq.js';
import { ACTION, EVENT_CAUSES, eventCode, stateCode, transitionOf, type TcpEvent } from './state-table.js';
import { finShown, finSilence, onFin, onFinAck, onRst, pendingFinPacket, placePendingFin } from './teardown.js';
import { internCause, newTransition } from './timeline-log.js';
import { DEFAULT_MAX_HELD_GIVE_UPS, HoldBudget } from './hold-budget.js';
import { TimerHeap } from './timer-heap.js';
import { moveRecordsToFront, moveToFront } from '../util/array-edit.js';
import { doubles } from '../util/field-shapes.js';
import { compactable, DEMOTE_AFTER, Embryo, fillLogged, optionsOf } from './embryo.js';
import {
  FROM_CLIENT, L_ACK, L_FLAGS, L_FRAME, L_NSEC, L_SEC, L_SEQ, L_WIN, LOG_CAPACITY, LOG_STRIDE, logInRecord, logInSlot, MAX_LOGGED, setSlotBase,
} from './handshake-log.js';
import { TombstoneTable } from './tombstones.js';
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
 * The server showed twice that it ignored the client's handshake ACK (re-sending its SYN-ACK after
 * it): not a loss on the wire, which seldom strikes one connection twice, but a server that drops the
 * ACK: its accept queue full (Linux ListenOverflows), or a path that loses every client segment.
 */
function ignoresAcks(c: Conn): boolean {
  return c.ignoredAcks >= 2;
}

/**
 * Closed connections held for their 2×MSL linger at most; past this, the oldest is emitted early
 * and leaves a Tombstone. Keeps memory bounded when a capture closes connections faster than
 * 2×MSL of capture time lets them go (a 36 s capture of 200,000 connections).
 */
export const DEFAULT_MAX_LINGERING = 1024;

/**
 * Handshakes in progress from which new connections are made ready for compaction (embryo.ts). A flood
 * of spoofed SYNs passes it within 20 ms at 100,000 SYNs/s and keeps this many full records of its
 * first requests (+12 MB peak RSS on the bench's 200 k and 1 M floods); the bench's ordinary captures
 * peak at 243 (0.1×) and 1,180 (1×: its unanswered SYNs wait out their back-off).
 */
export const DEFAULT_COMPACT_FROM = 2048;

/** Per-packet decode issues that become anomalies, in a fixed order. */
const ISSUE_ANOMALIES: ReadonlyArray<[number, AnomalyId]> = [
  [ISSUE.INVALID_FLAGS, 'invalid-flags'], [ISSUE.BAD_CHECKSUM, 'bad-checksum'],
  [ISSUE.MALFORMED_OPTION, 'malformed-option'], [ISSUE.BAD_HEADER_LENGTH, 'bad-header-length'],
  [ISSUE.TRUNCATED, 'truncated'], [ISSUE.PORT_ZERO, 'port-zero'],
];

/** Each event's plain cause as its interned code, by event code (-1: not interned yet): one Map lookup per event, not per transition. */
const PLAIN_CAUSE_CODES: number[] = EVENT_CAUSES.map(() => -1);
function plainCauseCode(ev: number): number {
  let code = PLAIN_CAUSE_CODES[ev]!;
  if (code < 0) code = PLAIN_CAUSE_CODES[ev] = internCause(EVENT_CAUSES[ev]!);
  return code;
}

export class Tracker implements FlowContext {
  private readonly opts: TrackerOptions;
  private readonly table = new ConnTable<Conn | Embryo>(1024);
  private readonly tombstones = new TombstoneTable();
  private readonly records = new RecordPool();
  private lingering = 0;
  private readonly maxLingering: number;
  private readonly holds: HoldBudget;
  private readonly active = new ConnList(LIST_ACTIVE);
  private readonly timers = new TimerHeap<Conn | Embryo>();
  private readonly compact: boolean;
  /** Handshakes in progress above which a new connection is made ready for compaction (TrackerOptions.compactFrom). */
  private readonly compactFrom: number;
  /** Connections held (records or embryos) none of whose ends was ESTABLISHED yet, mid-stream ones aside. */
  private handshaking = 0;
  /** Young connections (creation order) to look at DEMOTE_AFTER later: compact them if still embryonic. */
  private readonly young: Array<Conn | null> = [];
  private readonly youngIds: number[] = doubles(); // Conn.id is a double field (field-shapes.ts)
  /** Their start times: the per-packet check reads a number, not the oldest young record. */
  private readonly youngT: number[] = doubles();
  private youngHead = 0;
  /**
   * How much of the three arrays is in use: they keep their stores when the list drains, which on an
   * ordinary capture is after almost every connection (a length set to 0 gave the store back, regrown
   * by the next push).
   */
  private youngLen = 0;
  /** Start time of the oldest young connection not looked at yet (Infinity: none). */
  private youngNext = Infinity;
  private readonly embryos = new EmbryoPool();
  private demotions = 0;
  /** Replaying an embryo's log: its listener-level effects happened already (FlowContext.replaying). */
  replaying = false;
  /** Scratch for replays. */
  private readonly replaySeg = newSegment();
  private readonly replaySrc = new Uint32Array(4);
  private readonly replayDst = new Uint32Array(4);
  private readonly replayOpts = Buffer.alloc(64);
  /** Connections that finished without opening, reported at the next clock move (startLinger). */
  private readonly done: Conn[] = [];
  /** A connection is being emitted: what its settling moves must not start a linger. */
  private emitting: Conn | null = null;
  private readonly closing = new ConnList(LIST_CLOSING);
  readonly listeners: ListenerTable;
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
    // Live event streams see every transition as it happens: no compaction (it would replay them).
    this.compact = (opts.compactEmbryos ?? true) && sink.onEvent === undefined;
    this.compactFrom = opts.compactFrom ?? DEFAULT_COMPACT_FROM;
    this.maxLingering = opts.maxLingering ?? DEFAULT_MAX_LINGERING;
    this.holds = new HoldBudget(opts.maxHeldGiveUps ?? DEFAULT_MAX_HELD_GIVE_UPS);
    this.listeners = new ListenerTable(opts.synFloodThreshold, opts.maxSeriesPoints, (a) => {
      this.looseAnomalies.push(a);
      this.sink.onEvent?.({ type: 'anomaly', connection: null, anomaly: a });
    }, (c, id) => this.reviseAsCookie(c, id), opts.maxListeners);
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
    if (t > this.now) { this.now = t; if (this.anythingDue(t)) this.expire(); }

    const ipv = seg.ipVersion;
    const hash = tupleHash(ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort);
    const found = this.table.find(hash, ipv, seg.src, seg.srcPort, seg.dst, seg.dstPort);
    let fromA = this.table.lastFromA;
    let c: Conn | undefined;
    if (found === undefined || !found.embryo) c = found;
    // An embryo logs its segments as stamped, for a replay: one stamped early or not at all rebuilds it
    // first (a connection whose clock stepped back is never compacted: mayCompact).
    else if (!untimed && t >= found.lastTime() && this.logInEmbryo(found, fromA, seg, t)) return;
    else c = this.promote(found);
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

    // An untimed segment is never logged for an embryo's replay, which would time it as stamped (1970):
    // a connection it starts keeps its full record.
    if (untimed) this.records.endLog(c);
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
      this.emitDone();
      const held = [...this.table.values()];
      held.sort((x, y) => x.id - y.id);
      // Requests still queued at the end stay in the queue: the listeners describe the end of the capture.
      // An embryo is rebuilt just before it is reported, one at a time (a flood's thousands at once
      // would need their full records all together).
      for (const x of held) this.emit(x.embryo ? this.promote(x) : x, 'end-of-input');
      this.listeners.finish();
      this.finished = true;
      this.finalListeners = this.listeners.list();
    }
    const folded = this.listeners.folded;
    return {
      listeners: this.finalListeners, totals: { ...this.totals }, anomalies: this.looseAnomalies.slice().sort(byTime),
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
    if (seg.capturedPayloadLen !== len) c.cutSegments++;
    if (t > c.end) c.end = t;
    c.lastPacket = pkt;

    if (c.hsLogging) {
      // Kept while the connection is only SYNs and SYN-ACKs, in case its handshake stalls (embryo.ts).
      if (SYN && len === 0 && seg.issues === 0 && (ACK ? s === c.server : s === c.client) && c.hsUsed < LOG_CAPACITY) {
        c.hsUsed = logInRecord(c.hsLog, c.hsUsed, seg, s === c.client);
      } else this.records.endLog(c);
    }
    if (seg.issues !== 0) this.issueAnomalies(c, s, seg, t);
    const badChecksum = (seg.issues & ISSUE.BAD_CHECKSUM) !== 0;
    c.zeek.packet(fromA, seg, badChecksum);
    // The receiver drops a segment with a bad checksum: it changes no state.
    if (badChecksum) return;

    // A SYN+FIN probe sent again is a SYN retransmission (handshake.ts), not also a FIN one.
    const finRetransmission = FIN && !SYN && s.finSent && seqAdd(seq, len) === s.finSeq;
    // s's own segment shows what it received before, or (re-sending what an ACK covered) what it did not.
    if (s.awaited !== NOTHING || s.pendingFin) this.ownSegment(c, s, r, SYN, ACK, FIN, RST, seq, ack, finRetransmission);

    if (SYN) onSyn(this, c, s, r, seg, t, ACK);

    if (RST) { onRst(this, c, s, r, t, pkt); dataAnalysis(this, c, s, r, seg, t, false); return; }

    if (ACK && !SYN) {
      if (!c.handshakeDone) onHandshakeAck(this, c, s, r, seg, t);
      onFinAck(this, c, r, ack, t, pkt);
    }
    dataAnalysis(this, c, s, r, seg, t, finRetransmission);
    if (FIN) onFin(this, c, s, r, seq, len, t, pkt, finRetransmission);
  }

  private issueAnomalies(c: Conn, s: Endpoint, seg: Segment, t: number): void {
    for (const [bit, id] of ISSUE_ANOMALIES) {
      if ((seg.issues & bit) === 0) continue;
      this.raise(c, id, seg.frameNo, t, s.role, `${id} in a segment from the ${s.role}`,
        id === 'invalid-flags' ? { flags: seg.flags } : undefined);
    }
  }

  // ---------------------------------------------------------------- transitions, evidence, anomalies

  /**
   * Move one endpoint through the state table and record it at (t, packet), then run the arc's entry
   * action (FlowContext: the phase handlers change states only through here).
   */
  apply(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, inferred = false, cause?: string): boolean {
    const ev = eventCode(event);
    const res = transitionOf(ep.stateCode, ev);
    if (res === null) return false;
    const from = ep.state;
    c.timeline.addCodes(t, packet, ep === c.server, ep.stateCode, res.code, cause === undefined ? plainCauseCode(ev) : internCause(cause), inferred);
    ep.state = res.to;
    ep.stateCode = res.code;
    if (this.sink.onEvent) {
      const tr = newTransition(t, packet, ep.role, from, res.to, cause ?? EVENT_CAUSES[ev]!, inferred);
      this.sink.onEvent({ type: 'transition', connection: c.id, transition: tr });
    }
    this.entryAction(c, ep, res.action, t, packet);
    if (res.to === 'ESTABLISHED' && !ep.everEstablished) {
      ep.everEstablished = true;
      if (c.handshaking) { c.handshaking = false; this.handshaking--; }
      if (ep === c.server && !c.midStream) c.listener.completed++;
    } else if (res.to === 'CLOSED') {
      ep.reachedClosed = true;
    }
    if (c.list === LIST_ACTIVE && this.emitting !== c && isFinished(c)) this.startLinger(c, t);
    return true;
  }

  private entryAction(c: Conn, ep: Endpoint, action: number, t: number, packet: number): void {
    switch (action) {
      case ACTION.NONE: return;
      case ACTION.QUEUE_ENTER:
        // A request in the listener's SYN queue: a stateful answer (a cookie answer keeps none).
        if (ep === c.server && !c.cookieCompleted) {
          ep.inQueue = true;
          c.queueEnterT = t;
          if (!this.replaying) this.listeners.changeHalfOpen(c.listener, 1, t, packet);
        }
        return;
      case ACTION.QUEUE_COMPLETE:
      case ACTION.QUEUE_LEAVE:
        if (ep.inQueue) {
          ep.inQueue = false;
          c.queueLeaveT = t;
          if (!this.replaying) this.listeners.changeHalfOpen(c.listener, -1, t, packet);
        }
        return;
      case ACTION.TIME_WAIT: ep.timeWaitT = t; return;
      case ACTION.LAST_ACK: ep.wasLastAck = true; return;
      case ACTION.CLOSING:
        // simultaneous-close is raised when the connection ends (verdict.ts), naming every side that
        // went through CLOSING.
        ep.wentClosing = true;
        if (c.closingPacket === 0) { c.closingPacket = packet; c.closingT = t; }
    }
  }

  awaitEvidence(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, deadline: number, cause?: string, inferred = false): void {
    if (ep.awaited !== NOTHING && ep.awaited !== event) this.settle(c, ep);
    ep.awaited = event;
    ep.awaitedT = t;
    ep.awaitedPacket = packet;
    ep.awaitedCause = cause ?? null;
    ep.awaitedInferred = inferred;
    ep.awaitedDeadline = deadline;
    if (deadline !== Infinity) this.schedule(c, deadline);
    // An awaited ACK of a last FIN lets the connection linger already (lifecycle.ts `ended`).
    if (c.list === LIST_ACTIVE && this.emitting !== c && isFinished(c)) this.startLinger(c, t);
  }

  confirm(c: Conn, ep: Endpoint): void {
    const event = ep.awaited;
    if (event === NOTHING) return;
    ep.awaited = NOTHING;
    ep.awaitedDeadline = Infinity;
    this.apply(c, ep, event, ep.awaitedT, ep.awaitedPacket, ep.awaitedInferred, ep.awaitedCause ?? undefined);
    ep.awaitedLost = 0;
  }

  settle(c: Conn, ep: Endpoint): void {
    const event = ep.awaited;
    if ((event === 'receive ACK of SYN' && !ignoresAcks(c)) || event === 'receive ACK of FIN') this.confirm(c, ep);
    else { ep.awaited = NOTHING; ep.awaitedDeadline = Infinity; }
  }

  /**
   * ep re-sent what the awaited segment acknowledged (or re-sent its SYN after a SYN-ACK passed): that
   * segment never reached it. It is marked lost; the next one like it is awaited instead.
   */
  private deny(c: Conn, ep: Endpoint): void {
    const lost = ep.awaitedPacket;
    if (ep.awaited === 'receive ACK of FIN') ep.finAcked = false;
    if (ep.awaited === 'receive ACK of SYN') c.ignoredAcks++;
    ep.awaited = NOTHING;
    ep.awaitedDeadline = Infinity;
    ep.awaitedLost = lost;
    (c.lost ??= []).push(lost);
  }

  /**
   * s sent a segment: it shows (or, re-sending what an ACK covered, denies) what s was waiting to
   * show, and whether the peer's FIN in flight reached it. What it shows is taken in the order the
   * peer sent it (one sender's segments arrive in order).
   */
  private ownSegment(c: Conn, s: Endpoint, r: Endpoint, syn: boolean, hasAck: boolean, fin: boolean, rst: boolean, seq: number, ack: number,
    finRetransmission: boolean): void {
    const placeFin = finShown(s, r, ack, hasAck, fin);
    if (s.awaited !== NOTHING) {
      if (rst) this.settle(c, s);
      else if (this.denies(s, syn, hasAck, seq, finRetransmission)) this.deny(c, s);
      else if (!placeFin || s.awaitedPacket <= pendingFinPacket(s)) this.confirm(c, s);
    }
    if (placeFin) placePendingFin(this, c, s);
    if (s.awaited !== NOTHING && !rst) this.confirm(c, s);
  }

  /** Does s's segment re-send what its awaited segment would have settled (so that one never arrived)? */
  private denies(s: Endpoint, syn: boolean, ack: boolean, seq: number, finRetransmission: boolean): boolean {
    switch (s.awaited) {
      case 'receive SYN-ACK':
      case 'receive SYN': return syn && !ack && s.synSeen && seq === s.isn; // its SYN again
      case 'receive ACK of SYN': return syn && ack;                          // its SYN-ACK again
      case 'receive ACK of FIN': return finRetransmission;                   // its FIN again
      default: return false;
    }
  }

  holdGiveUp(now: number, until: number): boolean {
    return this.holds.grant(now, until);
  }

  schedule(c: Conn, at: number): void {
    if (at < c.timerAt) this.timers.push(c, at);
  }

  /**
   * c's timers are due at `clock` (the due time of the entry that came up: timers that fell due in a
   * quiet spell run in the order they fell due, and one due later is scheduled again): handshake
   * back-offs, and silence that confirms an awaited ACK.
   */
  private onTimer(c: Conn, clock: number, ending = false): void {
    c.timerAt = Infinity;
    c.timerToken = 0;
    const now = clock;
    let next = handshakeTimers(this, c, now, ending);
    // Each side in turn (no array of the two: this runs for every connection).
    next = this.awaitedTimer(c, c.client, now, next, ending);
    next = this.awaitedTimer(c, c.server, now, next, ending);
    // A connection being reported runs no timer again (its record goes back to the pool).
    if (next !== Infinity && !ending) this.schedule(c, next);
    // A timer can finish a connection without a transition (a stateless answer decided).
    if (c.list === LIST_ACTIVE && this.emitting !== c && isFinished(c)) this.startLinger(c, now);
  }

  /** ep's awaited transition at `now`: confirmed by silence once its deadline passed; returns the next time to look. */
  private awaitedTimer(c: Conn, ep: Endpoint, now: number, next: number, ending: boolean): number {
    if (ep.awaited === NOTHING || ep.awaitedDeadline === Infinity) return next;
    if (now < ep.awaitedDeadline) return Math.min(next, ep.awaitedDeadline);
    if (ep.awaited === 'receive ACK of SYN' && ignoresAcks(c)) {
      // The server ignored the client's ACKs before; its silence now is its back-off stopping, not
      // the ACK arriving: that one was ignored too, and the request dropped (said with the give-up,
      // which waits while a later SYN-ACK copy is plausible: handshake.ts acksIgnored).
      this.deny(c, ep);
      c.acksIgnoredT = now;
      next = Math.min(next, handshakeTimers(this, c, now, ending));
    } else this.confirm(c, ep);
    return next;
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
    c.listener.held++;

    if (this.sink.onEvent) {
      const client = { ip: this.ipString(c, c.clientIsA), port: c.clientIsA ? c.portA : c.portB };
      const server = { ip: this.ipString(c, !c.clientIsA), port: c.clientIsA ? c.portB : c.portA };
      this.sink.onEvent({ type: 'connection-start', t, packet: seg.frameNo, connection: c.id, client, server, roleInferred: c.roleInferred });
    }

    if (!c.midStream) { c.handshaking = true; this.handshaking++; }
    if (!this.compact || c.midStream || this.handshaking <= this.compactFrom) {
      // Not made ready for compaction: its handshake is not logged (the log it was lent goes back to
      // the pool now), nor looked at again. An ordinary capture never has enough handshakes in progress
      // for compaction to pay (−4 % instructions on the bench's 0.1× capture); a flood has them within a
      // fraction of a second.
      this.records.endLog(c);
    } else {
      const n = this.youngLen;
      if (this.youngHead === n) this.youngNext = t;
      if (n === this.young.length) { this.young.push(c); this.youngIds.push(c.id); this.youngT.push(t); }
      else { this.young[n] = c; this.youngIds[n] = c.id; this.youngT[n] = t; }
      this.youngLen = n + 1;
    }
    if (c.midStream) {
      // No handshake seen: the connection was already open. Not an arc: the timelines start there.
      for (const ep of [c.client, c.server]) { ep.state = ep.initialState = 'ESTABLISHED'; ep.stateCode = stateCode('ESTABLISHED'); ep.everEstablished = true; }
    }
    return c;
  }

  /**
   * An answer an ACK completed before its kind showed was sent while its listener answered statelessly:
   * a SYN cookie. The guess is revised before the connection is reported: no queue entry (its changes
   * are taken back), and the server's SYN_RECEIVED sits at the ACK that rebuilt the connection.
   */
  private reviseAsCookie(c: Conn, id: number): void {
    if (c.id !== id || c.list === LIST_NONE || c.answer !== ANSWER_STATEFUL || c.ackPacket === 0) return;
    const sv = c.server, l = c.listener;
    c.answer = ANSWER_STATELESS;
    c.cookieCompleted = true;
    if (c.queueEnterT >= 0) this.listeners.retract(l, 1, c.queueEnterT);
    if (c.queueLeaveT >= 0) this.listeners.retract(l, -1, c.queueLeaveT);
    sv.inQueue = false;
    c.timeline.relocate(true, stateCode('SYN_RECEIVED'), c.ackT, c.ackPacket,
      internCause('connection rebuilt from the SYN cookie of its SYN-ACK when this ACK arrived (no SYN-queue entry)'), true);
    this.listeners.noteStateless(l, sv.synFirstT, sv.synFirstPacket);
    this.raise(c, 'stateless-answer', sv.synFirstPacket, sv.synFirstT, 'server',
      `the server answered without keeping the request (its listener was sending SYN cookies); the client's ACK #${c.ackPacket} completed it`,
      { completed: true, ackPacket: c.ackPacket });
  }

  // ---------------------------------------------------------------- compact embryos (embryo.ts)

  /** Connections DEMOTE_AFTER old and still only SYNs and SYN-ACKs give back their full record. */
  private compactYoung(): void {
    const young = this.young, ids = this.youngIds, ts = this.youngT, limit = this.now - DEMOTE_AFTER;
    let h = this.youngHead, len = this.youngLen;
    while (h < len && ts[h]! <= limit) {
      const c = young[h]!;
      young[h] = null; // a place left behind holds no record (a flood's would stay alive)
      if (c.id === ids[h] && this.mayCompact(c)) this.demote(c);
      h++;
    }
    if (h === len) { len = 0; h = 0; }
    else if (h > 4096 && h > len / 2) {
      moveRecordsToFront(young, h, len); moveToFront(ids, h, len); moveToFront(ts, h, len);
      len -= h; h = 0;
    }
    this.youngHead = h;
    this.youngLen = len;
    this.youngNext = h < len ? ts[h]! : Infinity;
  }

  /** c is still only its handshake, and nothing of it is due now (else it stays full until that runs). */
  private mayCompact(c: Conn): boolean {
    // A connection whose clock stepped back stays whole: an embryo replays its segments as stamped.
    return c.list === LIST_ACTIVE && c.clockSteps === null && compactable(c) && c.timerAt > this.now && c.lastTime + this.opts.idleTimeoutSeconds > this.now;
  }

  /** Connections compacted into embryos so far (each time one was). */
  get compactions(): number { return this.demotions; }

  private demote(c: Conn): void {
    const log = c.hsLog, n = c.hsUsed, cl = c.client, sv = c.server;
    const e = this.embryos.take();
    e.setIdentity(c, cl.isn, sv.synSeen ? sv.isn : -1, optionsOf(cl.mss, cl.wscale, cl.sackPermitted, cl.timestamps),
      sv.synSeen ? optionsOf(sv.mss, sv.wscale, sv.sackPermitted, sv.timestamps) : -1);
    setSlotBase(e.chunk, e.off, log[L_SEC]!, log[L_FRAME]!);
    let k = 0;
    for (let i = 0; i < n; i += LOG_STRIDE, k++) {
      const flags = log[i + L_FLAGS]!, fromClient = (flags & FROM_CLIENT) !== 0;
      // The slot keeps no sequence number: each logged segment must carry its sender's ISN.
      if (log[i + L_SEQ] !== (fromClient ? cl.isn : sv.isn)) break;
      if (!logInSlot(e.chunk, e.off, k, log[i + L_SEC]!, log[i + L_NSEC]!, log[i + L_FRAME]!, flags & ~FROM_CLIENT, fromClient,
        log[i + L_ACK]!, log[i + L_WIN]!)) break;
    }
    if (k * LOG_STRIDE < n) { this.embryos.give(e); return; } // what a slot cannot hold: the record stays whole
    e.count = k;
    this.demotions++;
    // A timer due already that left it compactable held its give-up (handshake.ts `stopped`): the
    // embryo wakes when that hold ends, as the record would.
    const due = e.nextTimer(), heldUntil = c.timerAt;
    this.table.remove(c);
    this.active.remove(c);
    c.timerToken = 0; // its pending timers are the embryo's now
    this.records.give(c);
    this.table.insert(e);
    this.scheduleEmbryo(e, due > this.now ? due : heldUntil);
  }

  /** An embryo's timers: when the handshake timers of its full record would next be due. */
  private scheduleEmbryo(e: Embryo, due = e.nextTimer()): void {
    // Its idle expiry too: the record it is rebuilt into then expires from the active list.
    const at = Math.min(due, e.lastTime() + this.opts.idleTimeoutSeconds);
    if (at !== e.timerAt) this.timers.push(e, at);
  }

  /**
   * A segment for an embryo: another copy of its SYN or SYN-ACK is logged in place (with what its
   * listener learns from it now: a re-sent SYN-ACK shows a queued request); false for anything else.
   */
  private logInEmbryo(e: Embryo, fromA: boolean, seg: Segment, t: number): boolean {
    const fromClient = fromA === e.clientIsA;
    const f = seg.flags & (FLAG.SYN | FLAG.ACK | FLAG.RST | FLAG.FIN);
    if (seg.payloadLen !== 0 || seg.issues !== 0 || e.count >= MAX_LOGGED) return false;
    if (fromClient ? !(f === FLAG.SYN && seg.seq === e.clientIsn) : !(f === (FLAG.SYN | FLAG.ACK) && seg.seq === e.serverIsn)) return false;
    // Logged first: a segment the slot cannot hold rebuilds the record before anything is learnt from it.
    if (!logInSlot(e.chunk, e.off, e.count, seg.tsSec, seg.tsNsec, seg.frameNo, seg.flags, fromClient, seg.ack, seg.window)) return false;
    if (!fromClient) {
      const sv = e.side(false);
      if (sv.count === 1) this.listeners.noteFirstResend(e.listener, t - sv.lastT);
      if (e.answer === ANSWER_PENDING) {
        // The request was kept (handshake.ts decideAnswer: stateful): it entered the queue at its first SYN-ACK.
        e.answer = ANSWER_STATEFUL;
        this.listeners.noteAnswer(e.listener, sv.firstT, false);
        this.listeners.changeHalfOpen(e.listener, 1, sv.firstT, sv.firstPacket);
      }
    }
    e.count++;
    this.scheduleEmbryo(e);
    return true;
  }

  /** The full record of an embryo, rebuilt by replaying its log (its listener's effects are not repeated). */
  private promote(e: Embryo): Conn {
    const seg = this.replaySeg;
    this.table.remove(e);
    this.replaying = true;
    let c: Conn | null = null;
    for (let k = 0, n = e.count; k < n; k++) {
      const fromA = fillLogged(e, k, seg, this.replaySrc, this.replayDst, this.replayOpts);
      const t = seg.tsSec + seg.tsNsec / 1e9;
      if (c === null) {
        c = this.records.take();
        initRecord(c, seg, t, e.hash, e.id);
        c.handshaking = true; // counted when its connection began (an embryo is only a handshake)
        c.listener = e.listener;
        this.table.insert(c);
        this.active.push(c);
      }
      if (t > c.lastTime) c.lastTime = t;
      this.active.touch(c);
      this.process(c, fromA, seg, t);
    }
    this.replaying = false;
    e.timerToken = 0;
    this.embryos.give(e);
    return c!;
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
    if (r.state === 'TIME_WAIT') this.apply(old, r, 'new SYN on the 4-tuple', t, seg.frameNo, false, 'received the SYN of a new connection on the 4-tuple');
    if (s.state === 'TIME_WAIT') this.apply(old, s, 'new SYN on the 4-tuple', t, seg.frameNo, false, 'sent the SYN of a new connection on the 4-tuple');
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

  /**
   * c is through: it lingers 2×MSL (late retransmissions still land on it), within the memory bound.
   * A connection that never opened (refused, unanswered, a request dropped or answered statelessly to
   * a client that never answered) is reported at once: under a SYN flood, that is what keeps memory
   * to the requests the listener itself holds.
   */
  private startLinger(c: Conn, t: number): void {
    c.finishedT = t;
    this.active.remove(c);
    if (!c.client.everEstablished && !c.server.everEstablished) {
      c.list = LIST_DONE;
      this.done.push(c);
      return;
    }
    this.closing.push(c);
    this.lingering++;
    while (this.lingering > this.maxLingering && this.closing.head !== null && this.closing.head !== c) {
      this.emit(this.closing.head, 'closed', true);
    }
  }

  /**
   * Has expire() anything to do at `now`: each of its conditions, read without running it. The clock
   * moves on almost every packet, and the calls expire() makes to find nothing due cost more than
   * these reads (a call boxes the time it passes).
   */
  private anythingDue(now: number): boolean {
    return this.timers.nextAt <= now || this.youngNext <= now - DEMOTE_AFTER || this.done.length > 0 ||
      this.closing.headTime + this.twoMsl <= now || this.active.headTime + this.opts.idleTimeoutSeconds < now ||
      this.listeners.anythingDue(now);
  }

  // anythingDue() reads each condition below, to skip the call when none holds: change both together.
  private expire(): void {
    const idle = this.opts.idleTimeoutSeconds, linger = this.twoMsl;
    while (this.timers.nextAt <= this.now) {
      const clock = this.timers.nextAt;
      const x = this.timers.pop();
      if (x === null) continue;
      if (!x.embryo) { this.onTimer(x, clock); continue; }
      // An embryo's timers: rebuilt, its timers run, compacted again if still embryonic.
      const c = this.promote(x);
      this.onTimer(c, clock);
      // Rebuilt out of order of the active list (it holds records by last activity): an idle one goes now.
      if (c.list === LIST_ACTIVE && c.lastTime + this.opts.idleTimeoutSeconds < this.now) this.emit(c, 'idle');
      else if (this.mayCompact(c)) this.demote(c);
    }
    if (this.youngNext <= this.now - DEMOTE_AFTER) this.compactYoung();
    this.emitDone();
    this.listeners.advance(this.now);
    while (this.closing.headTime + linger <= this.now) this.emit(this.closing.head!, 'closed');
    while (this.active.headTime + idle < this.now) this.emit(this.active.head!, 'idle');
  }

  /** Report the connections that finished without ever opening (startLinger), in the order they did. */
  private emitDone(): void {
    const done = this.done;
    if (done.length === 0) return; // the clock moves on almost every packet: no array write then
    for (let i = 0; i < done.length; i++) {
      const c = done[i]!;
      if (c.list !== LIST_DONE) continue;
      // A segment since it finished may have reopened it (a late ACK): back to the active ones.
      if (isFinished(c)) this.emit(c, 'closed'); else { c.list = LIST_NONE; this.active.push(c); }
    }
    done.length = 0;
  }

  private emit(c: Conn, reason: Connection['endReason'], leaveTombstone = false): void {
    this.emitting = c;
    this.settleAtEnd(c);
    endOfConnectionAnomalies(c, this);
    if (c.clockSteps !== null && rttExcluded(c)) this.totals.rttExcluded = (this.totals.rttExcluded ?? 0) + 1;
    if (reason !== 'end-of-input' && c.server.inQueue) {
      c.server.inQueue = false;
      this.listeners.changeHalfOpen(c.listener, -1, Math.max(this.now, c.lastTime), c.lastPacket);
    }
    this.emitting = null;
    if (c.handshaking) { c.handshaking = false; this.handshaking--; }
    this.table.remove(c);
    c.listener.held--;
    if (c.list === LIST_ACTIVE) this.active.remove(c);
    else if (c.list === LIST_CLOSING) { this.closing.remove(c); this.lingering--; }
    c.list = LIST_NONE;
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

  /**
   * What the wire still shows of c as it is reported: timers that came due, awaited ACKs nothing
   * denied (taken), SYN-ACKs the client never answered (not taken), FINs in flight whose sender
   * stopped re-sending them (arrived), a listener known to answer (listening), TIME_WAIT's 2×MSL.
   */
  private settleAtEnd(c: Conn): void {
    // Every timer, not only those due: a give-up held for a late copy (handshake.ts) is decided now.
    this.onTimer(c, this.now, true);
    // The capture ended before the server's first re-send was due: the listener answers as it did
    // last (Linux sends cookies while its SYN queue is full, and queues requests otherwise).
    if (c.answer === ANSWER_PENDING) decideAnswer(this, c, c.listener.lastAnswerStateless, 'end');
    this.settle(c, c.client);
    this.settle(c, c.server);
    if (c.client.pendingFin) this.finInFlightAtEnd(c, c.client);
    if (c.server.pendingFin) this.finInFlightAtEnd(c, c.server);
    const sv = c.server, cl = c.client;
    if (sv.state === 'CLOSED' && !sv.synSeen && !c.refused && !c.midStream && cl.synSeen && !sv.rstSent && c.listener.answered > 0) {
      // Unanswered while its listener answered others: the listener dropped it (a full queue).
      inferListen(this, c, 'listening: this listener answered other SYNs');
      this.listeners.noteDrop(c.listener, cl.synFirstT, cl.synFirstPacket, cl.synCount);
      this.raise(c, 'syn-dropped', cl.synFirstPacket, cl.synFirstT, 'server',
        `the listener ignored ${cl.synCount === 1 ? 'this SYN' : `these ${cl.synCount} SYNs`} while it answered others: its queue was full`,
        { syns: cl.synCount });
    }
    if (c.client.state === 'TIME_WAIT') this.timeWaitAtEnd(c, c.client);
    if (c.server.state === 'TIME_WAIT') this.timeWaitAtEnd(c, c.server);
  }

  /** The peer's FIN in flight to ep as c is reported: arrived, once its sender stopped re-sending it. */
  private finInFlightAtEnd(c: Conn, ep: Endpoint): void {
    const sender = c.peerOf(ep);
    if (this.now >= sender.finLastT + finSilence(c, sender)) {
      placePendingFin(this, c, ep, 'received FIN: no ACK of it was captured, and its sender stopped re-sending it');
    }
  }

  /** ep in TIME_WAIT as c is reported: CLOSED (inferred) if 2×MSL has passed. */
  private timeWaitAtEnd(c: Conn, ep: Endpoint): void {
    if (this.now >= ep.timeWaitT + this.twoMsl) this.apply(c, ep, '2MSL timeout', ep.timeWaitT + this.twoMsl, c.lastPacket, true);
  }

  /** Connections held now (open, quiet, or lingering after their close). */
  get held(): number { return this.table.size; }

  /**
   * Memory pressure (pipeline/memory-guard.ts): finish up to `n` connections now, as 'evicted', the
   * least recently active first and those whose handshake never completed before the others: compact
   * embryos (a flood's half-open and unanswered SYNs, embryo.ts), then full records of incomplete
   * handshakes, then the rest. Each leaves a tombstone until --idle-timeout, so a later segment of it is
   * counted as late, not taken for a new connection. Returns how many went.
   */
  evict(n: number): number {
    let done = 0;
    for (const e of this.oldestEmbryos(n)) { this.evictOne(this.promote(e), true); done++; }
    for (let pass = 0; pass < 2 && done < n; pass++) {
      for (let c = this.active.head; c !== null && done < n;) {
        const next = c.next;
        const incomplete = !c.server.everEstablished;
        if (incomplete || pass === 1) { this.evictOne(c, incomplete); done++; }
        c = next;
      }
    }
    if (done > 0) {
      // What still refers to the evicted records, so they can be collected: their idle timers (minutes
      // of capture time away), the young list (a quarter of a second of connections), the spare pools.
      this.timers.prune();
      this.pruneYoung();
      this.records.clear();
      this.embryos.clear();
    }
    return done;
  }

  /**
   * The `n` embryos last active longest ago. Their times are sorted in a typed array (8 bytes each,
   * outside the heap that is running short) for the cut-off time; no object per embryo.
   */
  private oldestEmbryos(n: number): Embryo[] {
    let count = 0;
    for (const x of this.table.values()) if (x.embryo) count++;
    if (count === 0 || n <= 0) return [];
    let cutoff = Infinity;
    if (count > n) {
      const times = new Float64Array(count);
      let i = 0;
      for (const x of this.table.values()) if (x.embryo) times[i++] = x.lastTime();
      times.sort();
      cutoff = times[n - 1]!;
    }
    const out: Embryo[] = [];
    for (const x of this.table.values()) if (x.embryo && out.length < n && x.lastTime() <= cutoff) out.push(x);
    // Reported oldest first: the table's order is not their age (compaction re-inserts a record).
    return out.sort((a, b) => a.lastTime() - b.lastTime());
  }

  /** Young entries whose record is gone (emitted, or reused by another connection). */
  private pruneYoung(): void {
    const young = this.young, ids = this.youngIds, ts = this.youngT;
    let k = 0;
    for (let i = this.youngHead; i < this.youngLen; i++) {
      const c = young[i]!;
      if (c.id !== ids[i] || c.list === LIST_NONE) continue;
      young[k] = c; ids[k] = ids[i]!; ts[k] = ts[i]!; k++;
    }
    // Cut to what is in use: the memory ceiling called this, and the records past k may go.
    young.length = k; ids.length = k; ts.length = k;
    this.youngHead = 0;
    this.youngLen = k;
    this.youngNext = k > 0 ? ts[0]! : Infinity;
  }

  private evictOne(c: Conn, incomplete: boolean): void {
    // One shared message (no number in it): a flood evicts hundreds of thousands at a time.
    this.raise(c, 'evicted', c.lastPacket, c.lastTime, null, 'evicted under memory pressure: its end was not seen',
      { idleSeconds: Math.max(0, this.now - c.lastTime) });
    this.tombstones.add(c, this.now + this.opts.idleTimeoutSeconds, this.now);
    this.totals.evicted = (this.totals.evicted ?? 0) + 1;
    if (incomplete) this.totals.evictedIncomplete = (this.totals.evictedIncomplete ?? 0) + 1;
    this.emit(c, 'evicted');
    // Its pending timer no longer counts (prune drops it; a spare record must not run it).
    c.timerToken = 0;
    c.timerAt = Infinity;
  }

  /** Capture time as the tracker sees it (the latest timestamp pushed, or advanced to). */
  get captureTime(): number { return this.now; }
  get twoMslSeconds(): number { return this.twoMsl; }
}
