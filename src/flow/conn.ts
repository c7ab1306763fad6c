/**
 * The tracker's in-memory records: one Conn per connection, holding one Endpoint per side (client,
 * server), each with its own RFC 793 state. Fields are plain numbers and booleans so a packet
 * updates them in place; arrays (anomalies, intervals) are created on first use.
 *
 * Records are recycled: once a connection is emitted, the tracker keeps its Conn (with both
 * Endpoints, the Zeek view and the timeline log) for the next connection, and `reset()` puts every
 * field back to its initial value. A record lives through a connection's 2×MSL linger, long enough
 * for the garbage collector to promote it, so a new one per connection was costly; reused ones
 * allocate nothing. Every field declared here must be reset there (test/flow/units.test.ts checks).
 */
import { settleDoubleFields } from '../util/field-shapes.js';
import type { ClockSteps } from './clock-steps.js';
import { matchFields, type TableEntry } from './conn-table.js';
import { DataState } from './data-state.js';
import type { ListenerRecord } from './listeners.js';
import type { AnomalyId, AnomalyOccurrence, EndpointRole, TcpState } from './model.js';
import type { TcpEvent } from './state-table.js';
import { TimelineLog } from './timeline-log.js';
import { ZeekView } from './zeek.js';

/**
 * A record's handshake log while it has none (RecordPool lends one per connection while it logs): a
 * held connection past its handshake keeps no log (~650 bytes a record, an idle pool's seventh).
 */
export const NO_LOG = new Float64Array(0);

/**
 * What an endpoint awaits: a receive event, or NOTHING. Not null: the tracker compares this field with
 * event names several times per segment, and V8 compares a field that holds null or strings through a
 * generic call (the StrictEqual builtin), where strings alone compare as pointers.
 */
export const NOTHING = '' as const;
export type Awaited = TcpEvent | typeof NOTHING;

export class Endpoint {
  state: TcpState = 'CLOSED';
  /** `state` as a small code (state-table.ts stateCode; CLOSED is 0), kept with it by Tracker.apply. */
  stateCode = 0;
  /** Where its timeline starts: CLOSED, or ESTABLISHED (inferred) for a connection picked up mid-stream. */
  initialState: TcpState = 'CLOSED';
  everEstablished = false;
  /** Its request is in its listener's SYN queue (entered SYN_RECEIVED from LISTEN, not left yet). */
  inQueue = false;
  wentClosing = false;
  wasLastAck = false;
  /** Reached CLOSED through a transition (not merely never opened). */
  reachedClosed = false;
  timeWaitT = 0;

  // Its SYN (or SYN-ACK): ISN, how often, when, what it offered.
  synSeen = false;
  synIsAck = false;
  isn = 0;
  synCount = 0;
  /** Payload carried by its first SYN (TCP Fast Open). */
  synDataLen = 0;
  synFirstT = 0;
  synLastT = 0;
  /** Frame numbers of its first and latest SYN (or SYN-ACK) copy. */
  synFirstPacket = 0;
  synLastPacket = 0;
  synIntervals: number[] | null = null;
  /** The latest interval between two copies (every one counted, unlike synIntervals). */
  synLastInterval = 0;
  /** Its base retransmission wait (backoff.ts baseOf: the least late of its halved-back intervals); 0: none yet. */
  synBase = 0;
  /** An ACK covering its SYN has passed the capture point. */
  synAcked = false;
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  timestamps = false;
  fastOpen: string | null = null;

  /** What the data-phase analysis keeps of the direction this endpoint sends (data-analysis.ts). */
  readonly data = new DataState();

  // Its FIN.
  finSent = false;
  /** Sequence number the FIN occupies. */
  finSeq = 0;
  finT = 0;
  /** Frame of its first FIN. */
  finPacket = 0;
  /** Time and frame of its latest FIN copy. */
  finLastT = 0;
  finLastPacket = 0;
  /** The latest interval between two copies of its FIN. */
  finLastInterval = 0;
  finCount = 0;
  /** A lost-final-ack was raised for it. */
  lostFinalAckFlagged = false;
  /** An ACK covering its FIN has passed the capture point (it may still prove lost: see `awaited`). */
  finAcked = false;
  /**
   * A transition caused by a segment this endpoint received, waiting for the wire to show it
   * (state-table.ts Evidence): taken (at the causing segment) when confirmed, dropped when denied.
   */
  awaited: Awaited = NOTHING;
  awaitedT = 0;
  awaitedPacket = 0;
  awaitedInferred = false;
  awaitedCause: string | null = null;
  /** Capture time after which silence confirms it (an ACK of our SYN/FIN, a RST); Infinity: only our own segment does. */
  awaitedDeadline = Infinity;
  /** The latest segment that caused it but proved lost after the capture point (0: none). */
  awaitedLost = 0;
  /** The peer's FIN passed the capture point but its arrival here is not yet placed (crossing FINs). */
  pendingFin = false;
  pendingFinT = 0;
  pendingFinPacket = 0;
  /** This side sent its own FIN while the peer's FIN was still in flight to it. */
  pendingCrossed = false;

  rstSent = false;
  /** When its SYN or SYN-ACK back-off stopped (it gave up); 0: it did not. */
  gaveUpT = 0;
  packets = 0;
  bytes = 0;

  constructor(readonly role: EndpointRole) {}

  reset(): void {
    this.state = 'CLOSED'; this.stateCode = 0; this.initialState = 'CLOSED';
    this.everEstablished = false; this.inQueue = false; this.wentClosing = false; this.wasLastAck = false; this.reachedClosed = false;
    this.timeWaitT = 0;
    this.synSeen = false; this.synIsAck = false; this.isn = 0; this.synCount = 0; this.synDataLen = 0;
    this.synFirstT = 0; this.synLastT = 0; this.synFirstPacket = 0; this.synLastPacket = 0; this.synIntervals = null; this.synLastInterval = 0; this.synBase = 0; this.synAcked = false;
    this.mss = -1; this.wscale = -1; this.sackPermitted = false; this.timestamps = false; this.fastOpen = null;
    this.data.reset();
    this.finSent = false; this.finSeq = 0; this.finT = 0; this.finPacket = 0; this.finLastT = 0; this.finLastPacket = 0; this.finLastInterval = 0; this.finCount = 0; this.lostFinalAckFlagged = false; this.finAcked = false;
    this.awaited = NOTHING; this.awaitedT = 0; this.awaitedPacket = 0; this.awaitedInferred = false; this.awaitedCause = null;
    this.awaitedDeadline = Infinity; this.awaitedLost = 0;
    this.pendingFin = false; this.pendingFinT = 0; this.pendingFinPacket = 0; this.pendingCrossed = false;
    this.rstSent = false; this.gaveUpT = 0; this.packets = 0; this.bytes = 0;
  }
}

export const LIST_NONE = 0, LIST_ACTIVE = 1, LIST_CLOSING = 2, LIST_DONE = 3;

/**
 * What the server's first SYN-ACK kept (Conn.answer): nothing answered yet; not known yet (until its
 * first re-send is due, or the ACK comes); a request in the SYN queue; a stateless answer (SYN cookie).
 */
export const ANSWER_NONE = 0, ANSWER_PENDING = 1, ANSWER_STATEFUL = 2, ANSWER_STATELESS = 3;

export class Conn implements TableEntry {
  /** Not an Embryo (embryo.ts): the flow table holds both. */
  readonly embryo = false;
  ipVersion = 4;
  a0 = 0; a1 = 0; a2 = 0; a3 = 0; portA = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0; portB = 0;
  hash = 0;

  id = 0;
  clientIsA = true;
  roleInferred = false;
  midStream = false;
  readonly client = new Endpoint('client');
  readonly server = new Endpoint('server');

  start = 0;
  end = 0;
  firstPacket = 0;
  lastPacket = 0;
  /** Latest capture time seen on it (expiry clock). */
  lastTime = 0;
  finishedT = -1;

  // Handshake facts.
  synAckT = -1;
  /** Time of the last client SYN before the first SYN-ACK (for the RTT split). */
  synBeforeSynAckT = -1;
  lastSynAckBeforeAckT = -1;
  synAckAck = 0;
  ackT = -1;
  /** Frame of the client's first ACK of the SYN-ACK (the handshake's third segment). */
  ackPacket = 0;
  /** ANSWER_*: what the server's first SYN-ACK kept. */
  answer = ANSWER_NONE;
  /** A stateless (cookie) answer that the client's ACK completed. */
  cookieCompleted = false;
  /** Handshake ACKs of the client that the server showed it ignored (it re-sent its SYN-ACK after them). */
  ignoredAcks = 0;
  /**
   * When the server's silence after an ACK it ignored like the ones before showed its back-off stopping
   * (-1: it did not): said when its give-up is decided (handshake.ts acksIgnored).
   */
  acksIgnoredT = -1;
  /** When its request entered and left its listener's SYN queue (-1: it did not). */
  queueEnterT = -1;
  queueLeaveT = -1;
  /** Capture time its timers are due, and its latest scheduling (timer-heap.ts); Infinity, 0: none. */
  timerAt = Infinity;
  timerToken = 0;
  /**
   * Its SYN and SYN-ACK segments while it is only that (handshake-log.ts: the first `hsUsed` numbers),
   * to compact it into an Embryo if its handshake stalls; `hsLogging` false once anything else came,
   * or more than the log holds.
   */
  hsLog: Float64Array = NO_LOG;
  hsUsed = 0;
  hsLogging = true;
  /** Counted among the tracker's handshakes in progress (Tracker.handshaking): none of its ends was ESTABLISHED yet. */
  handshaking = false;
  synAckAckValid: boolean | null = null;
  finalAckValid: boolean | null = null;
  simultaneousOpen = false;
  refused = false;
  handshakeReset = false;
  lostHandshakeAckFlagged = false;
  /**
   * Nothing an ACK can show about the handshake is left (handshake.ts handshakeSettled): the tracker
   * stops handing it ACKs (a call per ACK of every connection's data phase).
   */
  handshakeDone = false;
  closeInitiator: EndpointRole | null = null;
  resetBy: EndpointRole | null = null;
  /** Where the first endpoint entered CLOSING (0: none did). */
  closingPacket = 0;
  closingT = 0;

  /**
   * Segments that passed the capture point and proved lost after it (the peer re-sent what they
   * acknowledged), as frame numbers; null when none.
   */
  lost: number[] | null = null;
  /** Segments whose payload the snaplen cut (captured payload shorter than the IP length says). */
  cutSegments = 0;

  /** The timeline as numbers (timeline-log.ts); Transition objects are built when it is emitted. */
  readonly timeline = new TimelineLog();
  anomalies: AnomalyOccurrence[] | null = null;
  /**
   * Listed occurrences by id, counted from the moment `anomalies` reaches MAX_LISTED_PER_ID entries
   * (no connection below that can have too many of one id), and what was counted but not listed.
   */
  listedById: Map<AnomalyId, number> | null = null;
  omittedById: Map<AnomalyId, number> | null = null;
  readonly zeek = new ZeekView();
  listener!: ListenerRecord;
  /** Segments stamped earlier than the connection's latest (clock-steps.ts); null when none was. */
  clockSteps: ClockSteps | null = null;

  // Expiry lists (doubly linked, ordered by lastTime).
  list = LIST_NONE;
  prev: Conn | null = null;
  next: Conn | null = null;

  /** Back to a fresh record (all fields as initialised above), for the next connection. */
  reset(): void {
    this.ipVersion = 4;
    this.a0 = 0; this.a1 = 0; this.a2 = 0; this.a3 = 0; this.portA = 0;
    this.b0 = 0; this.b1 = 0; this.b2 = 0; this.b3 = 0; this.portB = 0;
    this.hash = 0;
    this.id = 0; this.clientIsA = true; this.roleInferred = false; this.midStream = false;
    this.client.reset(); this.server.reset();
    this.start = 0; this.end = 0; this.firstPacket = 0; this.lastPacket = 0; this.lastTime = 0; this.finishedT = -1;
    this.synAckT = -1; this.synBeforeSynAckT = -1; this.lastSynAckBeforeAckT = -1; this.synAckAck = 0; this.ackT = -1;
    this.ackPacket = 0; this.answer = ANSWER_NONE; this.cookieCompleted = false; this.ignoredAcks = 0; this.acksIgnoredT = -1; this.queueEnterT = -1; this.queueLeaveT = -1; this.timerAt = Infinity; this.timerToken = 0;
    this.hsUsed = 0; this.hsLogging = true; this.handshaking = false;
    this.synAckAckValid = null; this.finalAckValid = null;
    this.simultaneousOpen = false; this.refused = false; this.handshakeReset = false; this.lostHandshakeAckFlagged = false; this.handshakeDone = false;
    this.closeInitiator = null; this.resetBy = null; this.closingPacket = 0; this.closingT = 0;
    this.lost = null;
    this.cutSegments = 0;
    this.timeline.clear();
    this.anomalies = null;
    this.listedById = null;
    this.omittedById = null;
    this.zeek.reset();
    this.clockSteps = null;
    // listener is set by the tracker for every connection.
    this.list = LIST_NONE; this.prev = null; this.next = null;
  }

  match(ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number): number {
    return matchFields(this, ipVersion, src, srcPort, dst, dstPort);
  }

  sender(fromA: boolean): Endpoint { return fromA === this.clientIsA ? this.client : this.server; }
  receiver(fromA: boolean): Endpoint { return fromA === this.clientIsA ? this.server : this.client; }
  peerOf(ep: Endpoint): Endpoint { return ep === this.client ? this.server : this.client; }
}

/** A doubly linked list of connections ordered by last activity (append at the tail). */
export class ConnList {
  head: Conn | null = null;
  tail: Conn | null = null;
  /**
   * The head's lastTime (Infinity when empty), mirrored here: the expiry check runs on every
   * packet, and reading it from the head would load the least recently used record each time.
   */
  headTime = Infinity;
  constructor(readonly tag: number) {}

  push(c: Conn): void {
    c.list = this.tag;
    c.prev = this.tail;
    c.next = null;
    if (this.tail !== null) this.tail.next = c; else { this.head = c; this.headTime = c.lastTime; }
    this.tail = c;
  }

  remove(c: Conn): void {
    if (c.prev !== null) c.prev.next = c.next;
    else { this.head = c.next; this.headTime = c.next !== null ? c.next.lastTime : Infinity; }
    if (c.next !== null) c.next.prev = c.prev; else this.tail = c.prev;
    c.prev = c.next = null;
    c.list = LIST_NONE;
  }

  /** c had a packet (its lastTime may have moved): to the tail. */
  touch(c: Conn): void {
    if (this.tail === c) {
      if (this.head === c) this.headTime = c.lastTime;
      return;
    }
    this.remove(c);
    this.push(c);
  }
}

// Frame numbers, ids and intervals that first come as doubles mid-run (field-shapes.ts): rebuilt from
// an embryo's slot, or a give-up's time. Only these: a double field costs a 16-byte box in every record
// (a flood holds many), so fields a run rarely sets (a simultaneous close's time) are left to change.
{
  const c = new Conn();
  settleDoubleFields(c, ['id', 'firstPacket', 'lastPacket', 'ackPacket']);
  settleDoubleFields(c.client, ['synFirstPacket', 'synLastPacket', 'synLastInterval', 'synBase', 'finPacket', 'finLastPacket',
    'awaitedPacket', 'pendingFinPacket', 'gaveUpT']);
}
